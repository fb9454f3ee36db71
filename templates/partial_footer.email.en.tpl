name: Email footer (partial)
code: partial_footer
channel: email
type: general_notification
locale: en
variables: businessName, businessEmail, businessPhone
description: Shared email layout closing (business contact details, closes the layout opened by partial_header); included by every email body as partial_footer
---
<tr>
<td style="padding:20px 32px 24px;border-top:1px solid #e5e7eb;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:18px;color:#6b7280;">
<strong style="color:#374151;">{{businessName}}</strong><br>
{{#if businessEmail}}<a href="mailto:{{businessEmail}}" style="color:#6b7280;text-decoration:underline;">{{businessEmail}}</a><br>{{/if}}
{{#if businessPhone}}{{phone businessPhone}}<br>{{/if}}
<span style="color:#9ca3af;">This message was sent by {{businessName}} using FlowPOS.</span>
</td>
</tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td>
</tr>
</table>
</body>
</html>
