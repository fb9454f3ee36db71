name: Payment reminder (WhatsApp)
code: payment_reminder
channel: whatsapp
type: invoice_reminder
locale: en
variables: customerName, invoiceNumber, amount, currency, dueDate, daysOverdue, paymentUrl, businessName
description: Friendly WhatsApp reminder for an unpaid or overdue invoice
---
Hi {{customerName}} 👋

This is a friendly reminder from *{{businessName}}* about invoice *{{invoiceNumber}}*.

💰 Amount due: *{{currency amount currency}}*
📅 Due date: {{date dueDate "long"}}{{#if daysOverdue}}
⚠️ Days overdue: *{{daysOverdue}}*{{/if}}{{#if paymentUrl}}

You can pay securely online here:
{{paymentUrl}}{{/if}}

If you have already paid, please disregard this message. Thank you!
