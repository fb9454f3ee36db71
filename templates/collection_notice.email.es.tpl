name: Aviso de cobranza (correo electrónico)
code: collection_notice
channel: email
type: collection_notice
locale: es
subject: Aviso de cobranza: factura {{invoiceNumber}} de {{businessName}}
variables: customerName, invoiceNumber, amount, currency, daysOverdue, businessName, businessPhone
description: Aviso formal por una factura con atraso considerable
---
{{> partial_header}}
<tr>
<td style="padding:32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#1f2937;">
<h1 style="margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:22px;line-height:28px;font-weight:bold;color:#b91c1c;">Aviso de cobranza</h1>
<p style="margin:0 0 16px;">Estimado(a) {{customerName}}:</p>
<p style="margin:0 0 24px;">Según nuestros registros, la factura {{invoiceNumber}} de {{businessName}} sigue pendiente de pago y ya está vencida. Le solicitamos amablemente liquidar el saldo pendiente a la brevedad.</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px;background-color:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;">
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Número de factura</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{invoiceNumber}}</td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Saldo pendiente</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;"><span style="color:#b91c1c;">{{currency amount currency}}</span></td>
</tr>
<tr>
<td style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#6b7280;">Días de atraso</td>
<td align="right" style="padding:10px 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:#111827;">{{daysOverdue}}</td>
</tr>
</table>
<p style="margin:0 0 16px;">Si ya realizó el pago, por favor ignore este aviso. Si desea acordar un plan de pago, comuníquese con nosotros{{#if businessPhone}} al {{phone businessPhone}} o{{/if}} respondiendo a este correo.</p>
<p style="margin:0 0 0px;">Agradecemos su pronta atención a este asunto.</p>
</td>
</tr>
{{> partial_footer}}
