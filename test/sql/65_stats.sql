-- Stats against a hand-computed fixture: 10 messages of one business in
-- October 2025 (and one outside the range, one of another business).
\set VERBOSITY terse
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content,
	status, created_at, queued_at, sent_at, delivered_at, opened_at, clicked_at, retry_count, price, price_unit, template_code)
SELECT 'b0000000-0000-0000-0000-000000000065', 'test', 'customer', contact, ch::flowcomm.channel, typ::flowcomm.communication_type, 'x',
	   st::flowcomm.communication_status, t, t, t + sent_s * interval '1 second',
	   t + deliv_s * interval '1 second', t + open_s * interval '1 second', t + click_s * interval '1 second',
	   retries, price, CASE WHEN price IS NOT NULL THEN 'USD' END, 'invoice'
  FROM (VALUES
	-- channel, type, status, sent s, delivered s, opened s, clicked s, retries, price
	('email', 'invoice', 'clicked', 1, 5, 60, 120, 0, NULL::numeric, 'a@example.com'),
	('email', 'invoice', 'opened', 1, 3, 30, NULL, 0, NULL, 'b@example.com'),
	('email', 'invoice', 'delivered', 2, 4, NULL, NULL, 1, NULL, 'c@example.com'),
	('email', 'payment_link', 'bounced', 1, NULL, NULL, NULL, 0, NULL, 'd@example.com'),
	('sms', 'invoice', 'delivered', 1, 2, NULL, NULL, 0, -0.0079, '+14155550101'),
	('sms', 'payment_link', 'delivered', 3, 9, NULL, NULL, 2, -0.0079, '+14155550102'),
	('sms', 'collection_notice', 'failed', NULL, NULL, NULL, NULL, 4, NULL, '+14155550103'),
	('whatsapp', 'invoice', 'sent', 1, NULL, NULL, NULL, 0, -0.005, '+14155550104'),
	('whatsapp', 'invoice', 'delivered', 1, 6, NULL, NULL, 0, -0.005, '+14155550105'),
	('messenger', 'general_notification', 'queued', NULL, NULL, NULL, NULL, 0, NULL, '12345678')
  ) v(ch, typ, st, sent_s, deliv_s, open_s, click_s, retries, price, contact),
	LATERAL (SELECT timestamptz '2025-10-10 12:00:00+00' AS t) x;
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, created_at)
VALUES ('b0000000-0000-0000-0000-000000000065', 'test', 'customer', 'z@example.com', 'email', 'invoice', 'x', 'sent', '2025-11-02'),
	   ('b0000000-0000-0000-0000-000000000066', 'test', 'customer', 'z@example.com', 'email', 'invoice', 'x', 'sent', '2025-10-10');

SET flowcomm.business_id = 'b0000000-0000-0000-0000-000000000065';
-- Hand-computed: total 10; sent 8 (all but failed and queued); delivered 6 (delivered 4 + opened + clicked);
-- failed 1; bounced 1; opened 2; clicked 1; emails sent 4 → openRate 0.5, clickRate 0.25, bounceRate 0.25;
-- deliveryRate 6/8 = 0.75; failureRate 1/10 = 0.1; retries 7; sent seconds {1,1,2,1,1,3,1,1} avg 1.375, p95 2.65;
-- delivered seconds {5,3,4,2,9,6} avg 4.833, p95 8.25; cost 0.0079*2 + 0.005*2 = 0.0258.
SELECT key, value FROM jsonb_each(flowcomm.stats('{"startDate": "2025-10-01", "endDate": "2025-10-31"}')) ORDER BY key;
-- Stats follow status changes: the worker's flush marks the messenger message
-- sent, then signed Twilio status callbacks report the WhatsApp message
-- delivered and the messenger one failed.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE FUNCTION pg_temp.twilio_status(p jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT flowcomm.webhook_twilio_status('https://hooks.example.com/twilio/status',
		(SELECT string_agg(key || '=' || replace(replace(value, ':', '%3A'), '+', '%2B'), '&' ORDER BY key) FROM jsonb_each_text(p)),
		(SELECT encode(hmac(convert_to('https://hooks.example.com/twilio/status' || string_agg(key || value, '' ORDER BY key COLLATE "C"), 'UTF8'),
							convert_to('token-of-65-0123456789abcdef', 'UTF8'), 'sha1'), 'base64') FROM jsonb_each_text(p)))
$$;
INSERT INTO flowcomm.provider_account (business_id, provider, twilio_account_sid, twilio_auth_token, sms_from, whatsapp_from)
VALUES ('b0000000-0000-0000-0000-000000000065', 'twilio', 'AC' || repeat('6', 32), 'token-of-65-0123456789abcdef',
		'+15551116500', '+15551116501');
UPDATE flowcomm.communication SET provider = 'twilio', provider_message_id = 'SM' || repeat('6', 31) || '1'
 WHERE business_id = 'b0000000-0000-0000-0000-000000000065' AND channel = 'whatsapp' AND status = 'sent';
UPDATE flowcomm.communication SET status = 'sent', sent_at = created_at + interval '2 seconds', provider = 'twilio',
	   provider_message_id = 'SM' || repeat('6', 31) || '2'
 WHERE business_id = 'b0000000-0000-0000-0000-000000000065' AND channel = 'messenger';
SELECT pg_temp.twilio_status(jsonb_build_object('MessageSid', 'SM' || repeat('6', 31) || '1', 'MessageStatus', 'delivered',
		'AccountSid', 'AC' || repeat('6', 32), 'From', 'whatsapp:+15551116501', 'To', 'whatsapp:+14155550104')) ->> 'status';
SELECT pg_temp.twilio_status(jsonb_build_object('MessageSid', 'SM' || repeat('6', 31) || '2', 'MessageStatus', 'failed',
		'ErrorCode', '63003', 'AccountSid', 'AC' || repeat('6', 32), 'From', 'messenger:1000', 'To', 'messenger:12345678')) ->> 'status';
-- Now: sent 9, delivered 7, failed 2; byStatus sent 0 → absent, queued absent, delivered 5, failed 2.
SELECT s ->> 'total' AS total, s ->> 'totalSent' AS sent, s ->> 'delivered' AS delivered, s ->> 'failed' AS failed,
	   s -> 'byStatus' AS by_status, s ->> 'deliveryRate' AS delivery_rate, s ->> 'failureRate' AS failure_rate
  FROM flowcomm.stats('{"startDate": "2025-10-01", "endDate": "2025-10-31"}') s;
SELECT flowcomm.stats('{"startDate": "2025-10-31", "endDate": "2025-10-01"}');
SELECT flowcomm.stats('{"startDate": "2020-01-01", "endDate": "2025-10-01"}');
SELECT flowcomm.stats('{"channel": "fax"}');
SELECT channel, messages FROM flowcomm.top_templates;
SELECT count(*) FROM flowcomm.daily_volume;
SELECT count(*) FROM flowcomm.recent_failures;
RESET flowcomm.business_id;
