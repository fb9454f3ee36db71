name: Payment link (WhatsApp)
code: payment_link
channel: whatsapp
type: payment_link
locale: en
variables: customerName, invoiceNumber, amount, currency, paymentUrl, expiresAt, businessName
description: WhatsApp message with a secure payment link for an invoice
---
Hi {{customerName}} 👋

*{{businessName}}* has sent you a payment link for invoice *{{invoiceNumber}}*.

💰 Amount: *{{currency amount currency}}*

Pay securely here:
{{paymentUrl}}{{#if expiresAt}}

⏳ This link expires on {{date expiresAt "long"}}.{{/if}}

Thank you!
