name: Collection notice (SMS)
code: collection_notice
channel: sms
type: collection_notice
locale: en
variables: customerName, invoiceNumber, amount, currency, daysOverdue, businessName, businessPhone
description: Short formal SMS for a significantly overdue invoice
---
{{businessName}}: {{customerName}}, invoice {{invoiceNumber}} for {{currency amount currency}} is {{daysOverdue}} days past due. Please pay as soon as possible.{{#if businessPhone}} Questions: {{phone businessPhone}}{{/if}}
