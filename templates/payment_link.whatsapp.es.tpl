name: Enlace de pago (WhatsApp)
code: payment_link
channel: whatsapp
type: payment_link
locale: es
variables: customerName, invoiceNumber, amount, currency, paymentUrl, expiresAt, businessName
description: Mensaje de WhatsApp con un enlace de pago seguro para una factura
---
Hola, {{customerName}} 👋

*{{businessName}}* le envía un enlace de pago para la factura *{{invoiceNumber}}*.

💰 Monto: *{{currency amount currency}}*

Pague de forma segura aquí:
{{paymentUrl}}{{#if expiresAt}}

⏳ Este enlace vence el {{date expiresAt "long"}}.{{/if}}

¡Gracias!
