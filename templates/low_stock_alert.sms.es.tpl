name: Alerta de inventario bajo (SMS)
code: low_stock_alert
channel: sms
type: low_stock_alert
locale: es
variables: recipientName, locationName, itemCount, businessName
description: SMS breve al personal cuando productos de una sucursal llegan a su punto de reorden
---
{{businessName}}: Hola {{recipientName}}, {{itemCount}} producto(s) en {{locationName}} llegaron al punto de reorden. Revise el inventario y haga su pedido.
