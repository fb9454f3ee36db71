name: Collection notice (email)
code: collection_notice
channel: email
type: collection_notice
locale: en
subject: Past-due notice: invoice {{invoiceNumber}} from {{businessName}}
variables: customerName, invoiceNumber, amount, currency, daysOverdue, businessName, businessPhone
description: Formal notice for a significantly overdue invoice
---
{{> partial_header}}
<tr>
<td style="padding:32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#1f2937;">
<h1 style="margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:22px;line-height:28px;font-weight:bold;color:#b91c1c;">Past-due notice</h1>
<p style="margin:0 0 16px;">Dear {{customerName}},</p>
<p style="margin:0 0 24px;">Our records show that invoice {{invoiceNumber}} from {{businessName}} remains unpaid and is now past due. We kindly ask you to settle the outstanding balance as soon as possible.</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px;background-color:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;">
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Invoice number</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{invoiceNumber}}</td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Outstanding balance</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;"><span style="color:#b91c1c;">{{currency amount currency}}</span></td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Days overdue</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{daysOverdue}}</td>
</tr>
</table>
<p style="margin:0 0 16px;">If you have already sent your payment, please disregard this notice. If you would like to discuss payment arrangements, please contact us{{#if businessPhone}} at {{phone businessPhone}} or{{/if}} by replying to this email.</p>
<p style="margin:0 0 0px;">Thank you for your prompt attention to this matter.</p>
</td>
</tr>
{{> partial_footer}}
