name: Payment confirmation (email)
code: payment_confirmation
channel: email
type: payment_confirmation
locale: en
subject: Payment received for invoice {{invoiceNumber}} - {{businessName}}
variables: customerName, invoiceNumber, amount, currency, paidAt, balance, businessName
description: Receipt sent when a payment is recorded against an invoice
---
{{> partial_header}}
<tr>
<td style="padding:32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#1f2937;">
<h1 style="margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:22px;line-height:28px;font-weight:bold;color:#047857;">Payment received</h1>
<p style="margin:0 0 16px;">Hi {{customerName}},</p>
<p style="margin:0 0 24px;">Thank you! We have received your payment for invoice {{invoiceNumber}}.</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px;background-color:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;">
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Invoice number</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{invoiceNumber}}</td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Amount paid</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;"><span style="color:#047857;">{{currency amount currency}}</span></td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Payment date</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{date paidAt "long"}}</td>
</tr>
{{#if balance}}
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Remaining balance</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{currency balance currency}}</td>
</tr>
{{/if}}
</table>
{{#unless balance}}
<p style="margin:0 0 16px;">This invoice is now paid in full.</p>
{{/unless}}
<p style="margin:0 0 0px;">Please keep this email for your records. Thank you for your business!</p>
</td>
</tr>
{{> partial_footer}}
