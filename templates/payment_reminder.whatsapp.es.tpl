name: Recordatorio de pago (WhatsApp)
code: payment_reminder
channel: whatsapp
type: invoice_reminder
locale: es
variables: customerName, invoiceNumber, amount, currency, dueDate, daysOverdue, paymentUrl, businessName
description: Recordatorio amable por WhatsApp de una factura pendiente o vencida
content-template: WhatsApp Content template (twilio/text, category UTILITY) to get approved: "Hola {{1}}, le recordamos de parte de {{2}} el pago de la factura {{3}} por {{4}}. Responda a este mensaje para recibir un enlace de pago."
content-placeholders: {"1": "{{customerName}}", "2": "{{businessName}}", "3": "{{invoiceNumber}}", "4": "{{currency amount currency}}"}
---
Hola, {{customerName}} 👋

Le escribimos de *{{businessName}}* para recordarle el pago de la factura *{{invoiceNumber}}*.

💰 Monto pendiente: *{{currency amount currency}}*
📅 Vencimiento: {{date dueDate "long"}}{{#if daysOverdue}}
⚠️ Días de atraso: *{{daysOverdue}}*{{/if}}{{#if paymentUrl}}

Puede pagar en línea de forma segura aquí:
{{paymentUrl}}{{/if}}

Si ya realizó el pago, por favor ignore este mensaje. ¡Gracias!
