name: Invoice (SMS)
code: invoice
channel: sms
type: invoice
locale: en
variables: customerName, invoiceNumber, amount, currency, businessName, dueDate, paymentUrl
description: Short SMS sent when a sale or AR invoice is created
---
{{businessName}}: Hi {{customerName}}, here is invoice {{invoiceNumber}} for {{currency amount currency}}{{#if dueDate}}, due {{date dueDate "short"}}{{/if}}.{{#if paymentUrl}} Pay: {{paymentUrl}}{{/if}} Thank you!
