name: Low stock alert (SMS)
code: low_stock_alert
channel: sms
type: low_stock_alert
locale: en
variables: recipientName, locationName, itemCount, businessName
description: Short SMS to staff when items at a location reach their reorder point
---
{{businessName}}: Hi {{recipientName}}, {{itemCount}} item(s) at {{locationName}} are at or below their reorder point. Please review stock and reorder.
