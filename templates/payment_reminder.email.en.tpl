name: Payment reminder (email)
code: payment_reminder
channel: email
type: invoice_reminder
locale: en
subject: Reminder: invoice {{invoiceNumber}} from {{businessName}}
variables: customerName, invoiceNumber, amount, currency, dueDate, daysOverdue, paymentUrl, businessName
description: Reminder email for an unpaid invoice (upcoming or overdue), with an optional pay button
---
{{> partial_header}}
<tr>
<td style="padding:32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#1f2937;">
<h1 style="margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:22px;line-height:28px;font-weight:bold;color:#111827;">Payment reminder</h1>
<p style="margin:0 0 16px;">Hi {{customerName}},</p>
{{#if daysOverdue}}
<p style="margin:0 0 24px;">This is a friendly reminder that invoice {{invoiceNumber}} from {{businessName}} is past due.</p>
{{else}}
<p style="margin:0 0 24px;">This is a friendly reminder that invoice {{invoiceNumber}} from {{businessName}} is due on {{date dueDate "long"}}.</p>
{{/if}}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px;background-color:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;">
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Invoice number</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{invoiceNumber}}</td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Amount due</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{currency amount currency}}</td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Due date</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{date dueDate "long"}}</td>
</tr>
{{#if daysOverdue}}
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Days overdue</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;"><span style="color:#b91c1c;">{{daysOverdue}}</span></td>
</tr>
{{/if}}
</table>
{{#if paymentUrl}}
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;">
<tr>
<td align="center" bgcolor="#2563eb" style="border-radius:6px;background-color:#2563eb;">
<a href="{{paymentUrl}}" target="_blank" style="display:inline-block;padding:12px 28px;font-family:Arial,Helvetica,sans-serif;font-size:16px;font-weight:bold;line-height:20px;color:#ffffff;text-decoration:none;border-radius:6px;">Pay now</a>
</td>
</tr>
</table>
<p style="margin:0 0 24px;font-size:13px;line-height:20px;color:#6b7280;">Or open this link in your browser: <a href="{{paymentUrl}}" target="_blank" style="color:#2563eb;text-decoration:underline;word-break:break-all;">{{paymentUrl}}</a></p>
{{/if}}
<p style="margin:0 0 0px;">If you have already paid, please disregard this message. If you have any questions, just reply to this email.</p>
</td>
</tr>
{{> partial_footer}}
