name: Factura (correo electrónico)
code: invoice
channel: email
type: invoice
locale: es
subject: Factura {{invoiceNumber}} de {{businessName}}
variables: customerName, invoiceNumber, amount, currency, businessName, dueDate, paymentUrl, items
description: Se envía al crear una venta o factura por cobrar; factura en HTML con el detalle de productos y un botón de pago opcional
---
{{> partial_header}}
<tr>
<td style="padding:32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#1f2937;">
<h1 style="margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:22px;line-height:28px;font-weight:bold;color:#111827;">Factura {{invoiceNumber}}</h1>
<p style="margin:0 0 16px;">Hola, {{customerName}}:</p>
<p style="margin:0 0 24px;">Gracias por su compra. Le enviamos su factura de {{businessName}}.</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px;background-color:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;">
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Número de factura</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{invoiceNumber}}</td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Monto a pagar</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{currency amount currency}}</td>
</tr>
{{#if dueDate}}
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Fecha de vencimiento</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{date dueDate "long"}}</td>
</tr>
{{/if}}
</table>
{{#if items}}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px;">
<tr>
<th align="left" style="padding:8px 10px;font-family:Arial,Helvetica,sans-serif;font-size:12px;font-weight:bold;text-transform:uppercase;color:#6b7280;border-bottom:2px solid #e5e7eb;">Producto</th>
<th align="center" style="padding:8px 10px;font-family:Arial,Helvetica,sans-serif;font-size:12px;font-weight:bold;text-transform:uppercase;color:#6b7280;border-bottom:2px solid #e5e7eb;">Cant.</th>
<th align="right" style="padding:8px 10px;font-family:Arial,Helvetica,sans-serif;font-size:12px;font-weight:bold;text-transform:uppercase;color:#6b7280;border-bottom:2px solid #e5e7eb;">Precio unitario</th>
<th align="right" style="padding:8px 10px;font-family:Arial,Helvetica,sans-serif;font-size:12px;font-weight:bold;text-transform:uppercase;color:#6b7280;border-bottom:2px solid #e5e7eb;">Importe</th>
</tr>
{{#each items}}
<tr>
<td align="left" style="padding:10px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2937;border-bottom:1px solid #e5e7eb;">{{name}}</td>
<td align="center" style="padding:10px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2937;border-bottom:1px solid #e5e7eb;">{{quantity}}</td>
<td align="right" style="padding:10px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2937;border-bottom:1px solid #e5e7eb;white-space:nowrap;">{{currency unitPrice currency}}</td>
<td align="right" style="padding:10px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2937;border-bottom:1px solid #e5e7eb;white-space:nowrap;">{{currency total currency}}</td>
</tr>
{{/each}}
<tr>
<td colspan="3" align="right" style="padding:12px 10px;font-family:Arial,Helvetica,sans-serif;font-size:15px;font-weight:bold;color:#111827;">Total</td>
<td align="right" style="padding:12px 10px;font-family:Arial,Helvetica,sans-serif;font-size:15px;font-weight:bold;color:#111827;white-space:nowrap;">{{currency amount currency}}</td>
</tr>
</table>
{{/if}}
{{#if paymentUrl}}
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;">
<tr>
<td align="center" bgcolor="#2563eb" style="border-radius:6px;background-color:#2563eb;">
<a href="{{paymentUrl}}" target="_blank" style="display:inline-block;padding:12px 28px;font-family:Arial,Helvetica,sans-serif;font-size:16px;font-weight:bold;line-height:20px;color:#ffffff;text-decoration:none;border-radius:6px;">Pagar factura</a>
</td>
</tr>
</table>
<p style="margin:0 0 24px;font-size:13px;line-height:20px;color:#6b7280;">O abra este enlace en su navegador: <a href="{{paymentUrl}}" target="_blank" style="color:#2563eb;text-decoration:underline;word-break:break-all;">{{paymentUrl}}</a></p>
{{/if}}
<p style="margin:0 0 0px;">Si tiene alguna pregunta sobre esta factura, responda a este correo.</p>
</td>
</tr>
{{> partial_footer}}
