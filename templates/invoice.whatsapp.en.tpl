name: Invoice (WhatsApp)
code: invoice
channel: whatsapp
type: invoice
locale: en
variables: customerName, invoiceNumber, amount, currency, businessName, dueDate, paymentUrl
description: WhatsApp message sent when a sale or AR invoice is created
content-template: WhatsApp Content template (twilio/text, category UTILITY) to get approved: "Hi {{1}}, here is your invoice {{2}} from {{3}} for {{4}}. Reply to this message for a copy or a payment link."
content-placeholders: {"1": "{{customerName}}", "2": "{{invoiceNumber}}", "3": "{{businessName}}", "4": "{{currency amount currency}}"}
---
Hi {{customerName}} 👋

Here is your invoice from *{{businessName}}*.

🧾 Invoice: *{{invoiceNumber}}*
💰 Amount: *{{currency amount currency}}*{{#if dueDate}}
📅 Due date: {{date dueDate "long"}}{{/if}}{{#if paymentUrl}}

You can pay securely online here:
{{paymentUrl}}{{/if}}

Thank you for your business!
