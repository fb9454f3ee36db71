name: Confirmación de pago (SMS)
code: payment_confirmation
channel: sms
type: payment_confirmation
locale: es
variables: customerName, invoiceNumber, amount, currency, paidAt, balance, businessName
description: SMS breve de comprobante al registrar un pago
---
{{businessName}}: Gracias {{customerName}}. Recibimos su pago de {{currency amount currency}} de la factura {{invoiceNumber}} el {{date paidAt "short"}}.{{#if balance}} Saldo pendiente: {{currency balance currency}}.{{/if}}
