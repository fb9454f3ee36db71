name: Payment link (SMS)
code: payment_link
channel: sms
type: payment_link
locale: en
variables: customerName, invoiceNumber, amount, currency, paymentUrl, expiresAt, businessName
description: SMS with a secure payment link for an invoice
---
{{businessName}}: Hi {{customerName}}, pay invoice {{invoiceNumber}} ({{currency amount currency}}) here: {{paymentUrl}}{{#if expiresAt}} Link expires {{date expiresAt "short"}}.{{/if}}
