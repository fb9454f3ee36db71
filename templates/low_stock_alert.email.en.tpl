name: Low stock alert (email)
code: low_stock_alert
channel: email
type: low_stock_alert
locale: en
subject: Low stock alert: {{itemCount}} item(s) at {{locationName}} - {{businessName}}
variables: recipientName, locationName, itemCount, items, businessName
description: Sent to staff when items at a location fall to or below their reorder point
---
{{> partial_header}}
<tr>
<td style="padding:32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#1f2937;">
<h1 style="margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:22px;line-height:28px;font-weight:bold;color:#b45309;">Low stock alert</h1>
<p style="margin:0 0 16px;">Hi {{recipientName}},</p>
<p style="margin:0 0 24px;">{{itemCount}} item(s) at <strong>{{locationName}}</strong> are at or below their reorder point.</p>
{{#if items}}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px;">
<tr>
<th align="left" style="padding:8px 10px;font-family:Arial,Helvetica,sans-serif;font-size:12px;font-weight:bold;text-transform:uppercase;color:#6b7280;border-bottom:2px solid #e5e7eb;">Product</th>
<th align="left" style="padding:8px 10px;font-family:Arial,Helvetica,sans-serif;font-size:12px;font-weight:bold;text-transform:uppercase;color:#6b7280;border-bottom:2px solid #e5e7eb;">SKU</th>
<th align="right" style="padding:8px 10px;font-family:Arial,Helvetica,sans-serif;font-size:12px;font-weight:bold;text-transform:uppercase;color:#6b7280;border-bottom:2px solid #e5e7eb;">On hand</th>
<th align="right" style="padding:8px 10px;font-family:Arial,Helvetica,sans-serif;font-size:12px;font-weight:bold;text-transform:uppercase;color:#6b7280;border-bottom:2px solid #e5e7eb;">Reorder point</th>
</tr>
{{#each items}}
<tr>
<td align="left" style="padding:10px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2937;border-bottom:1px solid #e5e7eb;">{{name}}</td>
<td align="left" style="padding:10px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2937;border-bottom:1px solid #e5e7eb;color:#6b7280;">{{sku}}</td>
<td align="right" style="padding:10px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2937;border-bottom:1px solid #e5e7eb;font-weight:bold;color:#b91c1c;">{{onHand}}</td>
<td align="right" style="padding:10px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2937;border-bottom:1px solid #e5e7eb;">{{reorderPoint}}</td>
</tr>
{{/each}}
</table>
{{/if}}
<p style="margin:0 0 0px;">Please review your inventory and place a purchase order to avoid running out of stock.</p>
</td>
</tr>
{{> partial_footer}}
