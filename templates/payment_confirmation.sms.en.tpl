name: Payment confirmation (SMS)
code: payment_confirmation
channel: sms
type: payment_confirmation
locale: en
variables: customerName, invoiceNumber, amount, currency, paidAt, balance, businessName
description: Short SMS receipt sent when a payment is recorded
---
{{businessName}}: Thanks {{customerName}}! We received your payment of {{currency amount currency}} for invoice {{invoiceNumber}} on {{date paidAt "short"}}.{{#if balance}} Balance due: {{currency balance currency}}.{{/if}}
