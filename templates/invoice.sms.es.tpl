name: Factura (SMS)
code: invoice
channel: sms
type: invoice
locale: es
variables: customerName, invoiceNumber, amount, currency, businessName, dueDate, paymentUrl
description: SMS breve que se envía al crear una venta o factura por cobrar
---
{{businessName}}: Hola {{customerName}}, su factura {{invoiceNumber}} es por {{currency amount currency}}{{#if dueDate}} y vence el {{date dueDate "short"}}{{/if}}.{{#if paymentUrl}} Pague en: {{paymentUrl}}{{/if}} Gracias.
