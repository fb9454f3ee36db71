name: Aviso de cobranza (SMS)
code: collection_notice
channel: sms
type: collection_notice
locale: es
variables: customerName, invoiceNumber, amount, currency, daysOverdue, businessName, businessPhone
description: SMS breve y formal por una factura con atraso considerable
---
{{businessName}}: {{customerName}}, su factura {{invoiceNumber}} por {{currency amount currency}} tiene {{daysOverdue}} días de atraso. Le pedimos pagarla a la brevedad.{{#if businessPhone}} Dudas: {{phone businessPhone}}{{/if}}
