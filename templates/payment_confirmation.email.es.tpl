name: Confirmación de pago (correo electrónico)
code: payment_confirmation
channel: email
type: payment_confirmation
locale: es
subject: Pago recibido de la factura {{invoiceNumber}} - {{businessName}}
variables: customerName, invoiceNumber, amount, currency, paidAt, balance, businessName
description: Comprobante que se envía al registrar un pago de una factura
---
{{> partial_header}}
<tr>
<td style="padding:32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#1f2937;">
<h1 style="margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:22px;line-height:28px;font-weight:bold;color:#047857;">Pago recibido</h1>
<p style="margin:0 0 16px;">Hola, {{customerName}}:</p>
<p style="margin:0 0 24px;">¡Gracias! Hemos recibido su pago de la factura {{invoiceNumber}}.</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px;background-color:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;">
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Número de factura</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{invoiceNumber}}</td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Monto pagado</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;"><span style="color:#047857;">{{currency amount currency}}</span></td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Fecha de pago</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{date paidAt "long"}}</td>
</tr>
{{#if balance}}
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Saldo pendiente</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{currency balance currency}}</td>
</tr>
{{/if}}
</table>
{{#unless balance}}
<p style="margin:0 0 16px;">Esta factura quedó pagada en su totalidad.</p>
{{/unless}}
<p style="margin:0 0 0px;">Le recomendamos conservar este correo como comprobante. ¡Gracias por su preferencia!</p>
</td>
</tr>
{{> partial_footer}}
