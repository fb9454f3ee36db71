name: Enlace de pago (WhatsApp)
code: payment_link
channel: whatsapp
type: payment_link
locale: es
variables: customerName, invoiceNumber, amount, currency, paymentUrl, expiresAt, businessName
description: Mensaje de WhatsApp con un enlace de pago seguro para una factura
content-template: WhatsApp Content template (twilio/text, category UTILITY) to get approved: "Hola {{1}}, {{2}} le envía un enlace seguro para pagar {{3}}: {{4}}"
content-placeholders: {"1": "{{customerName}}", "2": "{{businessName}}", "3": "{{currency amount currency}}", "4": "{{paymentUrl}}"}
---
Hola, {{customerName}} 👋

*{{businessName}}* le envía un enlace de pago para la factura *{{invoiceNumber}}*.

💰 Monto: *{{currency amount currency}}*

Pague de forma segura aquí:
{{paymentUrl}}{{#if expiresAt}}

⏳ Este enlace vence el {{date expiresAt "long"}}.{{/if}}

¡Gracias!
