name: Invoice (WhatsApp)
code: invoice
channel: whatsapp
type: invoice
locale: en
variables: customerName, invoiceNumber, amount, currency, businessName, dueDate, paymentUrl
description: WhatsApp message sent when a sale or AR invoice is created
---
Hi {{customerName}} 👋

Here is your invoice from *{{businessName}}*.

🧾 Invoice: *{{invoiceNumber}}*
💰 Amount: *{{currency amount currency}}*{{#if dueDate}}
📅 Due date: {{date dueDate "long"}}{{/if}}{{#if paymentUrl}}

You can pay securely online here:
{{paymentUrl}}{{/if}}

Thank you for your business!
