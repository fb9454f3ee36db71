name: Payment link (WhatsApp)
code: payment_link
channel: whatsapp
type: payment_link
locale: en
variables: customerName, invoiceNumber, amount, currency, paymentUrl, expiresAt, businessName
description: WhatsApp message with a secure payment link for an invoice
content-template: WhatsApp Content template (twilio/text, category UTILITY) to get approved: "Hi {{1}}, {{2}} sent you a secure link to pay {{3}}: {{4}}"
content-placeholders: {"1": "{{customerName}}", "2": "{{businessName}}", "3": "{{currency amount currency}}", "4": "{{paymentUrl}}"}
---
Hi {{customerName}} 👋

*{{businessName}}* has sent you a payment link for invoice *{{invoiceNumber}}*.

💰 Amount: *{{currency amount currency}}*

Pay securely here:
{{paymentUrl}}{{#if expiresAt}}

⏳ This link expires on {{date expiresAt "long"}}.{{/if}}

Thank you!
