name: Factura (WhatsApp)
code: invoice
channel: whatsapp
type: invoice
locale: es
variables: customerName, invoiceNumber, amount, currency, businessName, dueDate, paymentUrl
description: Mensaje de WhatsApp que se envía al crear una venta o factura por cobrar
---
Hola, {{customerName}} 👋

Le compartimos su factura de *{{businessName}}*.

🧾 Factura: *{{invoiceNumber}}*
💰 Monto: *{{currency amount currency}}*{{#if dueDate}}
📅 Vencimiento: {{date dueDate "long"}}{{/if}}{{#if paymentUrl}}

Puede pagar en línea de forma segura aquí:
{{paymentUrl}}{{/if}}

¡Gracias por su preferencia!
