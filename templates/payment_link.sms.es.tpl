name: Enlace de pago (SMS)
code: payment_link
channel: sms
type: payment_link
locale: es
variables: customerName, invoiceNumber, amount, currency, paymentUrl, expiresAt, businessName
description: SMS con un enlace de pago seguro para una factura
---
{{businessName}}: Hola {{customerName}}, pague su factura {{invoiceNumber}} ({{currency amount currency}}) en: {{paymentUrl}}{{#if expiresAt}} El enlace vence el {{date expiresAt "short"}}.{{/if}}
