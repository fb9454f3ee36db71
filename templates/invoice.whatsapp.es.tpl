name: Factura (WhatsApp)
code: invoice
channel: whatsapp
type: invoice
locale: es
variables: customerName, invoiceNumber, amount, currency, businessName, dueDate, paymentUrl
description: Mensaje de WhatsApp que se envía al crear una venta o factura por cobrar
content-template: WhatsApp Content template (twilio/text, category UTILITY) to get approved: "Hola {{1}}, le enviamos su factura {{2}} de {{3}} por {{4}}. Responda a este mensaje para recibir una copia o un enlace de pago."
content-placeholders: {"1": "{{customerName}}", "2": "{{invoiceNumber}}", "3": "{{businessName}}", "4": "{{currency amount currency}}"}
---
Hola, {{customerName}} 👋

Le compartimos su factura de *{{businessName}}*.

🧾 Factura: *{{invoiceNumber}}*
💰 Monto: *{{currency amount currency}}*{{#if dueDate}}
📅 Vencimiento: {{date dueDate "long"}}{{/if}}{{#if paymentUrl}}

Puede pagar en línea de forma segura aquí:
{{paymentUrl}}{{/if}}

¡Gracias por su preferencia!
