-- Twilio webhooks: status callbacks and inbound messages, signatures made
-- independently of flowcomm with pgcrypto's HMAC-SHA1.
\set VERBOSITY terse
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Form encoding ('+' for space, %XX for everything but unreserved bytes).
CREATE FUNCTION pg_temp.urlenc(s text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(CASE WHEN b BETWEEN 48 AND 57 OR b BETWEEN 65 AND 90 OR b BETWEEN 97 AND 122
										 OR b IN (45, 46, 95, 126) THEN chr(b)
									WHEN b = 32 THEN '+'
									ELSE '%' || upper(lpad(to_hex(b), 2, '0')) END, '' ORDER BY i), '')
	  FROM (SELECT get_byte(convert_to(s, 'UTF8'), i) AS b, i
			  FROM generate_series(0, octet_length(convert_to(s, 'UTF8')) - 1) i) x
$$;
CREATE FUNCTION pg_temp.form(p jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(pg_temp.urlenc(key) || '=' || pg_temp.urlenc(value), '&' ORDER BY key) FROM jsonb_each_text(p)
$$;
-- Twilio's scheme: base64(HMAC-SHA1(token, url || name1 || value1 || ...)), names sorted.
CREATE FUNCTION pg_temp.sig(url text, p jsonb, token text) RETURNS text LANGUAGE sql AS $$
	SELECT encode(hmac(convert_to(url || coalesce(string_agg(key || value, '' ORDER BY key COLLATE "C"), ''), 'UTF8'),
					   convert_to(token, 'UTF8'), 'sha1'), 'base64')
	  FROM jsonb_each_text(p)
$$;
-- Call the status webhook with a correctly signed body.
CREATE FUNCTION pg_temp.status(p jsonb, token text DEFAULT 'token-of-a-0123456789abcdef') RETURNS jsonb LANGUAGE sql AS $$
	SELECT flowcomm.webhook_twilio_status('https://hooks.example.com/twilio/status', pg_temp.form(p),
										  pg_temp.sig('https://hooks.example.com/twilio/status', p, token))
$$;
CREATE FUNCTION pg_temp.inbound(p jsonb, token text DEFAULT 'token-of-a-0123456789abcdef',
								url text DEFAULT 'https://hooks.example.com/twilio/inbound') RETURNS jsonb LANGUAGE sql AS $$
	SELECT flowcomm.webhook_twilio_inbound(url, pg_temp.form(p), pg_temp.sig(url, p, token))
$$;

-- Business A has its own Twilio account; B and C use the platform's.
INSERT INTO flowcomm.default_provider_account (provider, twilio_account_sid, twilio_auth_token, sms_from, whatsapp_from)
VALUES ('twilio', 'AC' || repeat('d', 32), 'default-token-0123456789', '+15005550000', '+15005550001');
INSERT INTO flowcomm.provider_account (business_id, provider, twilio_account_sid, twilio_auth_token, sms_from, whatsapp_from)
VALUES ('b5000000-0000-0000-0000-00000000000a', 'twilio', 'AC' || repeat('a', 32), 'token-of-a-0123456789abcdef',
		'+15551110000', '+15551110001'),
	   ('b5000000-0000-0000-0000-00000000000b', 'twilio', 'AC' || repeat('b', 32), 'token-of-b-0123456789abcdef',
		'+15552220000', NULL);
INSERT INTO flowcomm.communication (business_id, id, created_by, recipient_type, recipient_id, recipient_contact,
									channel, type, content, status, provider, provider_message_id, sent_at, created_at)
VALUES ('b5000000-0000-0000-0000-00000000000a', 'c5000000-0000-7000-8000-000000000001', 'test', 'customer',
		'e5000000-0000-0000-0000-000000000001', '+14155550101', 'sms', 'invoice', 'Invoice 1', 'sent', 'twilio',
		'SM' || repeat('1', 32), '2026-01-01 10:00', now() - interval '2 hours'),
	   ('b5000000-0000-0000-0000-00000000000a', 'c5000000-0000-7000-8000-000000000002', 'test', 'customer',
		'e5000000-0000-0000-0000-000000000001', '+14155550101', 'sms', 'invoice_reminder', 'Reminder', 'sent', 'twilio',
		'SM' || repeat('2', 32), '2026-01-02 10:00', now() - interval '1 hour'),
	   ('b5000000-0000-0000-0000-00000000000c', 'c5000000-0000-7000-8000-000000000003', 'test', 'customer', NULL,
		'+14155550199', 'whatsapp', 'invoice', 'Invoice C', 'sent', 'twilio', 'SM' || repeat('3', 32),
		'2026-01-03 10:00', now() - interval '1 hour');
INSERT INTO flowcomm.communication_preference (business_id, entity_type, entity_id, preferred_phone, preferred_whatsapp)
VALUES ('b5000000-0000-0000-0000-00000000000a', 'customer', 'e5000000-0000-0000-0000-000000000001',
		'+14155550101', '+14155550101');

-- The C signature check agrees with pgcrypto's HMAC (decoding '+', %XX, UTF-8).
SELECT flowcomm.twilio_signature_valid('https://x.example/a?b=1', f.names, f.vals, 'tok',
		pg_temp.sig('https://x.example/a?b=1', '{"Body": "¿Qué tal? 5+5 = 10 & más", "From": "+1415"}', 'tok')) AS agrees
  FROM flowcomm.form_decode(pg_temp.form('{"Body": "¿Qué tal? 5+5 = 10 & más", "From": "+1415"}')) f;

-- Status moves forward only; every event is kept; replays are no-ops.
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('1', 32), 'MessageStatus', 'delivered',
		'AccountSid', 'AC' || repeat('a', 32), 'From', '+15551110000', 'To', '+14155550101', 'SmsStatus', 'delivered',
		'Price', '-0.00750', 'PriceUnit', 'USD')) - 'communicationId';
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('1', 32), 'MessageStatus', 'sent',
		'AccountSid', 'AC' || repeat('a', 32), 'From', '+15551110000', 'To', '+14155550101')) - 'communicationId';
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('1', 32), 'MessageStatus', 'delivered',
		'AccountSid', 'AC' || repeat('a', 32), 'From', '+15551110000', 'To', '+14155550101', 'SmsStatus', 'delivered',
		'Price', '-0.00750', 'PriceUnit', 'USD')) - 'communicationId' AS replay;
SELECT status, delivered_at IS NOT NULL AS delivered_at_set, sent_at, price, price_unit
  FROM flowcomm.communication WHERE provider_message_id = 'SM' || repeat('1', 32);
SELECT event, status, source, dedupe_key
  FROM flowcomm.communication_event WHERE communication_id = 'c5000000-0000-7000-8000-000000000001' ORDER BY id;

-- Undelivered with an error code: failed, error recorded; a late delivered
-- is recorded but the failure stands.
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('2', 32), 'MessageStatus', 'undelivered',
		'ErrorCode', '30003', 'AccountSid', 'AC' || repeat('a', 32), 'From', '+15551110000', 'To', '+14155550101')) ->> 'status';
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('2', 32), 'MessageStatus', 'delivered',
		'AccountSid', 'AC' || repeat('a', 32), 'From', '+15551110000', 'To', '+14155550101')) ->> 'status';
SELECT status, error_code, error_message, failed_at IS NOT NULL AS failed_at_set
  FROM flowcomm.communication WHERE provider_message_id = 'SM' || repeat('2', 32);
-- The permanent failure reported by Twilio starts the fallback on the next channel.
SELECT channel, status, recipient_contact, created_by
  FROM flowcomm.communication WHERE fallback_of_id = 'c5000000-0000-7000-8000-000000000002';

-- WhatsApp read receipt on the platform account: opened.
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('3', 32), 'MessageStatus', 'read',
		'AccountSid', 'AC' || repeat('d', 32), 'From', 'whatsapp:+15005550001', 'To', 'whatsapp:+14155550199',
		'ChannelToAddress', '+14155550199'), 'default-token-0123456789') ->> 'status';

-- A callback faster than the worker waits until the worker stores the sid.
INSERT INTO flowcomm.communication (business_id, id, created_by, recipient_type, recipient_contact, channel, type,
									content, status, provider)
VALUES ('b5000000-0000-0000-0000-00000000000a', 'c5000000-0000-7000-8000-000000000004', 'test', 'customer',
		'+14155550104', 'sms', 'invoice', 'Invoice 4', 'sending', 'twilio');
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('4', 32), 'MessageStatus', 'delivered',
		'AccountSid', 'AC' || repeat('a', 32), 'To', '+14155550104'));
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('4', 32), 'MessageStatus', 'delivered',
		'AccountSid', 'AC' || repeat('a', 32), 'To', '+14155550104')) ->> 'pending' AS replay_pending;
SELECT count(*) AS waiting FROM flowcomm.provider_event_pending;
UPDATE flowcomm.communication SET status = 'sent', sent_at = now(), provider_message_id = 'SM' || repeat('4', 32)
 WHERE id = 'c5000000-0000-7000-8000-000000000004';
SELECT status, delivered_at IS NOT NULL AS delivered_at_set,
	   (SELECT count(*) FROM flowcomm.communication_event e WHERE e.communication_id = c.id AND e.source = 'twilio') AS events,
	   (SELECT count(*) FROM flowcomm.provider_event_pending) AS still_waiting
  FROM flowcomm.communication c WHERE id = 'c5000000-0000-7000-8000-000000000004';
-- ... but only for the business whose token signed it.
INSERT INTO flowcomm.communication (business_id, id, created_by, recipient_type, recipient_contact, channel, type,
									content, status, provider)
VALUES ('b5000000-0000-0000-0000-00000000000a', 'c5000000-0000-7000-8000-000000000005', 'test', 'customer',
		'+14155550105', 'sms', 'invoice', 'Invoice 5', 'sending', 'twilio');
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('0', 32), 'MessageStatus', 'failed',
		'AccountSid', 'AC' || repeat('b', 32)), 'token-of-b-0123456789abcdef') ->> 'pending' AS pending;
UPDATE flowcomm.communication SET status = 'sent', provider_message_id = 'SM' || repeat('0', 32)
 WHERE id = 'c5000000-0000-7000-8000-000000000005';
SELECT status FROM flowcomm.communication WHERE id = 'c5000000-0000-7000-8000-000000000005';

-- Forged, unsigned, wrongly keyed, unknown account: rejected.
SELECT flowcomm.webhook_twilio_status('https://hooks.example.com/twilio/status',
		'MessageSid=SM' || repeat('1', 32) || '&MessageStatus=failed&AccountSid=AC' || repeat('a', 32),
		'bm90IGEgcmVhbCBzaWduYXR1cmUhIQ==');
SELECT flowcomm.webhook_twilio_status('https://hooks.example.com/twilio/status',
		'MessageSid=SM' || repeat('1', 32) || '&MessageStatus=failed&AccountSid=AC' || repeat('a', 32), NULL);
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('1', 32), 'MessageStatus', 'failed',
		'AccountSid', 'AC' || repeat('a', 32)), 'token-of-b-0123456789abcdef');
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('1', 32), 'MessageStatus', 'failed',
		'AccountSid', 'AC' || repeat('e', 32)), 'whatever');
-- The signature covers the URL: same body and signature at another URL fails.
SELECT flowcomm.webhook_twilio_status('https://hooks.example.com/twilio/other',
		pg_temp.form(p), pg_temp.sig('https://hooks.example.com/twilio/status', p, 'token-of-a-0123456789abcdef'))
  FROM (SELECT jsonb_build_object('MessageSid', 'SM' || repeat('1', 32), 'MessageStatus', 'failed',
								  'AccountSid', 'AC' || repeat('a', 32)) AS p) x;
-- Malformed input.
SELECT flowcomm.webhook_twilio_status('https://hooks.example.com/twilio/status', 'MessageSid=%zz', 'x');
SELECT pg_temp.status(jsonb_build_object('AccountSid', 'AC' || repeat('a', 32), 'MessageStatus', 'sent'));
-- B's genuine signature does not reach A's message.
SELECT pg_temp.status(jsonb_build_object('MessageSid', 'SM' || repeat('1', 32), 'MessageStatus', 'failed',
		'AccountSid', 'AC' || repeat('b', 32)), 'token-of-b-0123456789abcdef');
SELECT status FROM flowcomm.communication WHERE provider_message_id = 'SM' || repeat('1', 32);

-- Inbound: a reply is stored and linked to the last message sent to that contact.
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('5', 32), 'AccountSid', 'AC' || repeat('a', 32),
		'From', '+14155550101', 'To', '+15551110000', 'Body', 'Thanks, I''ll pay tomorrow', 'NumMedia', '0'))
	- 'communicationId' - 'originalCommunicationId' AS reply;
SELECT direction, status, type, channel, recipient_contact, recipient_type, content,
	   original_communication_id = (SELECT id FROM flowcomm.communication
									 WHERE fallback_of_id = 'c5000000-0000-7000-8000-000000000002') AS linked_to_latest
  FROM flowcomm.communication WHERE provider_message_id = 'SM' || repeat('5', 32);
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('5', 32), 'AccountSid', 'AC' || repeat('a', 32),
		'From', '+14155550101', 'To', '+15551110000', 'Body', 'Thanks, I''ll pay tomorrow', 'NumMedia', '0'))
	- 'communicationId' AS replay;

-- STOP (any case, trimmed) opts the sender out; START lifts it.
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('6', 32), 'AccountSid', 'AC' || repeat('a', 32),
		'From', '+14155550101', 'To', '+15551110000', 'Body', '  stop ')) ->> 'action';
SELECT channel, contact, reason, source, lifted_at IS NULL AS active
  FROM flowcomm.suppression WHERE business_id = 'b5000000-0000-0000-0000-00000000000a' ORDER BY id;
SELECT opted_out_at IS NOT NULL AS opted_out, opted_out_reason
  FROM flowcomm.communication_preference WHERE business_id = 'b5000000-0000-0000-0000-00000000000a';
SELECT flowcomm.delivery_block('b5000000-0000-0000-0000-00000000000a', 'customer', 'e5000000-0000-0000-0000-000000000001',
							   'sms', '+14155550101') AS block;
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('7', 32), 'AccountSid', 'AC' || repeat('a', 32),
		'From', '+14155550101', 'To', '+15551110000', 'Body', 'Start')) ->> 'action';
SELECT channel, reason, lifted_at IS NOT NULL AS lifted, lifted_by, detail
  FROM flowcomm.suppression WHERE business_id = 'b5000000-0000-0000-0000-00000000000a' ORDER BY id;
SELECT opted_out_at IS NULL AS opted_in, opted_out_reason
  FROM flowcomm.communication_preference WHERE business_id = 'b5000000-0000-0000-0000-00000000000a';
-- "stop it please" is a reply, not a keyword; WhatsApp STOP suppresses WhatsApp.
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('8', 32), 'AccountSid', 'AC' || repeat('a', 32),
		'From', '+14155550101', 'To', '+15551110000', 'Body', 'stop it please')) ->> 'action';
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('9', 32), 'AccountSid', 'AC' || repeat('a', 32),
		'From', 'whatsapp:+14155550101', 'To', 'whatsapp:+15551110001', 'Body', 'UNSUBSCRIBE', 'ProfileName', 'Ana'))
	->> 'action';
SELECT channel, reason, lifted_at IS NULL AS active
  FROM flowcomm.suppression WHERE business_id = 'b5000000-0000-0000-0000-00000000000a' AND lifted_at IS NULL;

-- Platform number: the business comes from the signed URL, else from the
-- last message to the sender; an unknown sender is not stored.
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('a', 32), 'AccountSid', 'AC' || repeat('d', 32),
		'From', '+14155550142', 'To', '+15005550000', 'Body', 'hello'), 'default-token-0123456789',
		'https://hooks.example.com/twilio/inbound?business_id=b5000000-0000-0000-0000-00000000000b') ->> 'businessId';
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('b', 32), 'AccountSid', 'AC' || repeat('d', 32),
		'From', 'whatsapp:+14155550199', 'To', 'whatsapp:+15005550001', 'Body', 'Recibido, gracias'),
		'default-token-0123456789') - 'communicationId';
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('c', 32), 'AccountSid', 'AC' || repeat('d', 32),
		'From', '+14155550777', 'To', '+15005550000', 'Body', 'who is this'), 'default-token-0123456789');
-- A's token does not deliver into B's number.
SELECT pg_temp.inbound(jsonb_build_object('MessageSid', 'SM' || repeat('e', 32), 'AccountSid', 'AC' || repeat('a', 32),
		'From', '+14155550101', 'To', '+15552220000', 'Body', 'hi B')) ->> 'stored' AS stored_for_b;

-- PostgREST convention: anonymous role, form fields as named arguments,
-- signature header in request.headers, URL = webhook_base_url + RPC path.
SET flowcomm.webhook_base_url = 'https://api.flowpos.example/';
BEGIN;
SET LOCAL ROLE flowcomm_anon;
SELECT set_config('request.headers', json_build_object('x-twilio-signature',
		pg_temp.sig('https://api.flowpos.example/rpc/webhook_twilio_status',
					jsonb_build_object('MessageSid', 'SM' || repeat('2', 32), 'MessageStatus', 'failed',
									   'AccountSid', 'AC' || repeat('a', 32), 'ErrorCode', '30003'),
					'token-of-a-0123456789abcdef'))::text, true) IS NOT NULL AS headers_set;
SELECT api.webhook_twilio_status("MessageSid" => 'SM' || repeat('2', 32), "MessageStatus" => 'failed',
								 "AccountSid" => 'AC' || repeat('a', 32), "ErrorCode" => '30003') - 'communicationId';
SELECT api.webhook_twilio_status("MessageSid" => 'SM' || repeat('2', 32), "MessageStatus" => 'sent',
								 "AccountSid" => 'AC' || repeat('a', 32), "ErrorCode" => '30003');
ROLLBACK;
BEGIN;
SET LOCAL ROLE flowcomm_anon;
SELECT set_config('request.headers', json_build_object('x-twilio-signature',
		pg_temp.sig('https://api.flowpos.example/rpc/webhook_twilio_inbound',
					jsonb_build_object('MessageSid', 'SM' || repeat('f', 32), 'AccountSid', 'AC' || repeat('a', 32),
									   'From', '+14155550101', 'To', '+15551110000', 'Body', 'QUIT'),
					'token-of-a-0123456789abcdef'))::text, true) IS NOT NULL AS headers_set;
SELECT api.webhook_twilio_inbound("MessageSid" => 'SM' || repeat('f', 32), "AccountSid" => 'AC' || repeat('a', 32),
								  "From" => '+14155550101', "To" => '+15551110000', "Body" => 'QUIT') ->> 'action';
COMMIT;
RESET flowcomm.webhook_base_url;
-- The anonymous role reaches nothing else.
SET ROLE flowcomm_anon;
SELECT flowcomm.twilio_status_apply(NULL, '{}', '{}', 'x');
SELECT flowcomm.suppressions();
SELECT count(*) FROM flowcomm.suppression;
RESET ROLE;
SELECT channel, reason, lifted_at IS NULL AS active
  FROM flowcomm.suppression WHERE business_id = 'b5000000-0000-0000-0000-00000000000a' AND lifted_at IS NULL
 ORDER BY channel;
-- Without a base URL or a url argument the signed URL is unknown.
SELECT flowcomm.webhook_twilio_status(NULL, 'AccountSid=AC' || repeat('a', 32), 'x');
