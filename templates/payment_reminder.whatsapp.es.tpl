name: Recordatorio de pago (WhatsApp)
code: payment_reminder
channel: whatsapp
type: invoice_reminder
locale: es
variables: customerName, invoiceNumber, amount, currency, dueDate, daysOverdue, paymentUrl, businessName
description: Recordatorio amable por WhatsApp de una factura pendiente o vencida
---
Hola, {{customerName}} 👋

Le escribimos de *{{businessName}}* para recordarle el pago de la factura *{{invoiceNumber}}*.

💰 Monto pendiente: *{{currency amount currency}}*
📅 Vencimiento: {{date dueDate "long"}}{{#if daysOverdue}}
⚠️ Días de atraso: *{{daysOverdue}}*{{/if}}{{#if paymentUrl}}

Puede pagar en línea de forma segura aquí:
{{paymentUrl}}{{/if}}

Si ya realizó el pago, por favor ignore este mensaje. ¡Gracias!
