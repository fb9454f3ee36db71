-- gen.sql — :n messages of one business (:'biz'), spread over the last 90 days,
-- inserted straight into flowcomm.communication (no queue, no events): the
-- history/stats measurements of bench/history/run.sh.  Spreads: channel email
-- 45 %, whatsapp 28 %, sms 25 %, messenger 2 %; status delivered 52 %, sent 15 %,
-- opened 12 %, clicked 4 %, failed 3 %, bounced 1 %, queued 2 %, others rare;
-- types invoice 40 % … low_stock_alert 2 %; 20,000 recipients.
\set ON_ERROR_STOP 1
SET synchronous_commit = off;
INSERT INTO flowcomm.communication (business_id, id, created_by, recipient_type, recipient_id, recipient_name,
	recipient_contact, channel, type, subject, content, entity_type, entity_id, template_code, status,
	created_at, updated_at, queued_at, sent_at, delivered_at, opened_at, clicked_at, failed_at, retry_count, price, price_unit)
SELECT :'biz'::uuid, flowcomm.uuid_v7(), 'bench', rt, rid, 'Customer ' || r,
	   CASE ch WHEN 'email' THEN 'c' || r || '@example.com' WHEN 'messenger' THEN (1000000 + r)::text
			   ELSE '+1555' || lpad(r::text, 7, '0') END,
	   ch::flowcomm.channel, ty::flowcomm.communication_type,
	   CASE WHEN ch = 'email' THEN 'Invoice F-' || i END,
	   repeat('Lorem ipsum dolor sit amet, ', CASE WHEN ch = 'email' THEN 40 ELSE 6 END),
	   'sale', md5('sale' || (i / 2))::uuid, ty, st::flowcomm.communication_status,
	   t, t, t,
	   CASE WHEN st NOT IN ('queued', 'pending', 'cancelled', 'suppressed') AND NOT (st = 'failed' AND i % 2 = 0)
			THEN t + (0.2 + random() * 2) * interval '1 second' END,
	   CASE WHEN st IN ('delivered', 'opened', 'clicked') THEN t + (2 + random() * 10) * interval '1 second' END,
	   CASE WHEN st IN ('opened', 'clicked') THEN t + (60 + random() * 3600) * interval '1 second' END,
	   CASE WHEN st = 'clicked' THEN t + (120 + random() * 3600) * interval '1 second' END,
	   CASE WHEN st IN ('failed', 'bounced') THEN t + 5 * interval '1 second' END,
	   CASE WHEN i % 20 = 0 THEN 1 + i % 3 ELSE 0 END,
	   CASE WHEN ch <> 'email' THEN -0.0079 END, CASE WHEN ch <> 'email' THEN 'USD' END
  FROM (SELECT i, now() - random() * interval '90 days' AS t, (i::bigint * 7919 % 20000)::int AS r, random() AS x1, random() AS x2, random() AS x3
		  FROM generate_series(1, :n) i) g,
	   LATERAL (SELECT
		CASE WHEN x1 < 0.45 THEN 'email' WHEN x1 < 0.73 THEN 'whatsapp' WHEN x1 < 0.98 THEN 'sms' ELSE 'messenger' END AS ch,
		CASE WHEN x2 < 0.40 THEN 'invoice' WHEN x2 < 0.60 THEN 'payment_confirmation' WHEN x2 < 0.75 THEN 'invoice_reminder'
			 WHEN x2 < 0.87 THEN 'payment_link' WHEN x2 < 0.93 THEN 'collection_notice' WHEN x2 < 0.98 THEN 'general_notification'
			 ELSE 'low_stock_alert' END AS ty,
		CASE WHEN x2 >= 0.98 THEN 'user' WHEN r % 10 = 0 THEN 'supplier' ELSE 'customer' END AS rt,
		md5('r' || r)::uuid AS rid) a,
	   LATERAL (SELECT
		CASE WHEN x3 < 0.52 THEN 'delivered' WHEN x3 < 0.67 THEN 'sent' WHEN x3 < 0.79 THEN 'opened' WHEN x3 < 0.83 THEN 'clicked'
			 WHEN x3 < 0.86 THEN 'failed' WHEN x3 < 0.87 THEN 'bounced' WHEN x3 < 0.89 THEN 'queued' WHEN x3 < 0.895 THEN 'cancelled'
			 WHEN x3 < 0.897 THEN 'suppressed' WHEN x3 < 0.9 THEN 'pending' ELSE 'delivered' END AS st0) s0,
	   LATERAL (SELECT CASE WHEN ch <> 'email' AND st0 IN ('opened', 'clicked', 'bounced') THEN 'delivered' ELSE st0 END AS st) s;
VACUUM (ANALYZE) flowcomm.communication;
