name: Payment reminder (WhatsApp)
code: payment_reminder
channel: whatsapp
type: invoice_reminder
locale: en
variables: customerName, invoiceNumber, amount, currency, dueDate, daysOverdue, paymentUrl, businessName
description: Friendly WhatsApp reminder for an unpaid or overdue invoice
content-template: WhatsApp Content template (twilio/text, category UTILITY) to get approved: "Hi {{1}}, a reminder from {{2}}: invoice {{3}} for {{4}} is due. Reply to this message for a payment link."
content-placeholders: {"1": "{{customerName}}", "2": "{{businessName}}", "3": "{{invoiceNumber}}", "4": "{{currency amount currency}}"}
---
Hi {{customerName}} 👋

This is a friendly reminder from *{{businessName}}* about invoice *{{invoiceNumber}}*.

💰 Amount due: *{{currency amount currency}}*
📅 Due date: {{date dueDate "long"}}{{#if daysOverdue}}
⚠️ Days overdue: *{{daysOverdue}}*{{/if}}{{#if paymentUrl}}

You can pay securely online here:
{{paymentUrl}}{{/if}}

If you have already paid, please disregard this message. Thank you!
