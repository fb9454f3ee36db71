-- preload.sql — N messages already queued, as flowcomm.enqueue stores them
-- (communication row with final content, queue job, 'queued' history event),
-- in three set-based statements: 50% SMS, 30% email with a 20 KB HTML body,
-- 20% WhatsApp.  Parameters: $1 business id, $2 N (run from contender.js).
WITH html AS (
	SELECT left('<html><head><style>td{padding:4px}</style></head><body><h1>Invoice 1042</h1><table>' ||
	            string_agg(format('<tr><td>Item %s</td><td>Widget model %s</td><td>%s.%s0 USD</td></tr>',
	                              g, (g * 7919) % 1000, (g * 37) % 100, g % 10), '' ORDER BY g), 19980)
	       || '</table></body></html>' AS body
	  FROM generate_series(0, 399) g
), m AS (
	SELECT i, CASE WHEN i % 10 < 5 THEN 'sms' WHEN i % 10 < 8 THEN 'email' ELSE 'whatsapp' END AS ch,
	       '+1555' || lpad((1000000 + i % 9000000)::text, 7, '0') AS phone
	  FROM generate_series(0, $2::int - 1) i
)
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, recipient_name,
                                    channel, type, subject, content, content_text, status, queued_at)
SELECT $1::uuid, 'bench', 'customer',
       CASE ch WHEN 'email' THEN 'customer' || i || '@example.test' ELSE phone END, 'Ana',
       ch::flowcomm.channel, 'invoice',
       CASE ch WHEN 'email' THEN 'Invoice INV-' || i END,
       CASE ch WHEN 'email' THEN (SELECT body FROM html)
               WHEN 'sms' THEN 'Shop: Hi Ana, here is invoice INV-' || i || ' for $12.50. Pay: https://pay.test/' || i || ' Thank you!'
               ELSE 'Shop: invoice INV-' || i || ' for $12.50 is ready: https://pay.test/' || i END,
       CASE ch WHEN 'email' THEN 'Invoice INV-' || i || ': 12.50 USD. Thank you!' END,
       'queued', now()
  FROM m;
