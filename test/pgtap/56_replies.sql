-- Replies (issues 16 and 17): inbound messages on the platform's shared
-- number reach every business in conversation with the sender (0.2.0 gave
-- them, STOPs included, to whichever business wrote last); a STOP is about
-- the number on its channel (raw sends refused, waiting messages
-- suppressed, email untouched) until a START; Twilio's keyword sets plus
-- BAJA/ALTA/AYUDA; media URLs kept; conversation() threads.  Signatures
-- are computed independently with pgcrypto's HMAC-SHA1.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SET LOCAL client_min_messages = warning;
SELECT plan(35);

CREATE FUNCTION pg_temp.sig(url text, p jsonb, token text) RETURNS text LANGUAGE sql AS $$
	SELECT encode(hmac(convert_to(url || coalesce(string_agg(key || value, '' ORDER BY key COLLATE "C"), ''), 'UTF8'),
					   convert_to(token, 'UTF8'), 'sha1'), 'base64')
	  FROM jsonb_each_text(p)
$$;
-- An inbound message to the shared number, signed with the platform's token.
CREATE FUNCTION pg_temp.inbound(n int, body text, from_addr text DEFAULT '+14155550123',
								to_addr text DEFAULT '+15005550000', extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
	SELECT flowcomm.twilio_inbound_apply('https://hooks.example.com/twilio/inbound', array_agg(key ORDER BY key),
		array_agg(value ORDER BY key),
		pg_temp.sig('https://hooks.example.com/twilio/inbound', p, 'default-token-0123456789'))
	  FROM (SELECT jsonb_build_object('MessageSid', 'SM' || lpad(n::text, 32, '0'), 'AccountSid', 'AC' || repeat('d', 32),
									  'From', from_addr, 'To', to_addr, 'Body', body) || extra AS p) x,
		   jsonb_each_text(x.p)
	 GROUP BY x.p
$$;
CREATE FUNCTION pg_temp.as_business(b text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM set_config('flowcomm.business_id', b, true); END $$;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;

INSERT INTO flowcomm.default_provider_account (provider, twilio_account_sid, twilio_auth_token, sms_from, whatsapp_from)
VALUES ('twilio', 'AC' || repeat('d', 32), 'default-token-0123456789', '+15005550000', '+15005550001');
-- A wrote first, then B, both through the shared number; C never wrote.
INSERT INTO flowcomm.communication (business_id, id, created_by, recipient_type, recipient_id, recipient_contact,
									channel, type, content, status, provider, created_at)
VALUES ('b0000000-0000-0000-0000-0000000056a1', 'c0000000-0000-7000-8000-0000000056a1', 'test', 'customer',
		'e0000000-0000-0000-0000-0000000056a1', '+14155550123', 'sms', 'invoice', 'Invoice from A', 'sent', 'twilio',
		now() - interval '2 hours'),
	   ('b0000000-0000-0000-0000-0000000056b1', 'c0000000-0000-7000-8000-0000000056b1', 'test', 'customer', NULL,
		'+14155550123', 'sms', 'general_notification', 'Hello from B', 'sent', 'twilio', now() - interval '1 hour'),
	   ('b0000000-0000-0000-0000-0000000056c1', 'c0000000-0000-7000-8000-0000000056c1', 'test', 'customer', NULL,
		'+14155550999', 'sms', 'invoice', 'C writes elsewhere', 'sent', 'twilio', now() - interval '1 hour');
INSERT INTO flowcomm.communication_preference (business_id, entity_type, entity_id, preferred_phone, preferred_email)
VALUES ('b0000000-0000-0000-0000-0000000056a1', 'customer', 'e0000000-0000-0000-0000-0000000056a1',
		'+14155550123', 'ana@example.com');

-- 1. A reply on the shared number reaches A and B, each linked to its own message.
SELECT is(jsonb_array_length(pg_temp.inbound(1, 'Is this paid?') -> 'deliveries'), 2,
	'a reply on the shared number goes to both businesses in conversation');
SELECT is((SELECT original_communication_id FROM flowcomm.communication
			WHERE business_id = 'b0000000-0000-0000-0000-0000000056a1' AND direction = 'inbound'),
	'c0000000-0000-7000-8000-0000000056a1'::uuid, 'A''s copy is linked to A''s invoice (0.2.0: B captured it)');
SELECT is((SELECT original_communication_id FROM flowcomm.communication
			WHERE business_id = 'b0000000-0000-0000-0000-0000000056b1' AND direction = 'inbound'),
	'c0000000-0000-7000-8000-0000000056b1'::uuid, 'B''s copy is linked to B''s message');
SELECT is((SELECT count(*)::int FROM flowcomm.communication
			WHERE business_id = 'b0000000-0000-0000-0000-0000000056c1' AND direction = 'inbound'), 0,
	'a business that never wrote to the sender gets nothing');
SELECT is(pg_temp.inbound(1, 'Is this paid?') ->> 'duplicate', 'true', 'a replayed MessageSid is stored once');
SELECT is((SELECT count(*)::int FROM flowcomm.communication WHERE direction = 'inbound'), 2, 'the replay added nothing');
SELECT is(pg_temp.inbound(2, 'hello', '+14155550777') ->> 'stored', 'false', 'a sender nobody wrote to is not stored');

-- 2. Keywords: Twilio's sets, any case and surrounding whitespace, plus Spanish.
SELECT is(ARRAY(SELECT flowcomm.inbound_keyword(k, NULL) FROM unnest(ARRAY['stop', E'  StopAll\n', E'\tunsubscribe',
		'Cancel', 'END', 'quit ', 'Baja', 'start', 'Yes', 'UNSTOP', ' alta ', 'help', 'Info', 'AYUDA', 'stop please',
		'please cancel', '']) k),
	ARRAY['opt_out', 'opt_out', 'opt_out', 'opt_out', 'opt_out', 'opt_out', 'opt_out', 'opt_in', 'opt_in', 'opt_in',
		  'opt_in', 'help', 'help', 'help', NULL, NULL, NULL],
	'STOP/START/HELP sets and BAJA/ALTA/AYUDA; a sentence is a reply');
SELECT is(flowcomm.inbound_keyword('whatever', 'STOP'), 'opt_out', 'Twilio''s OptOutType wins (Advanced Opt-Out)');

-- 3. A message A queued before the STOP, to the raw number.
SELECT pg_temp.as_business('b0000000-0000-0000-0000-0000000056a1');
SELECT is(flowcomm.send(jsonb_build_object('channel', 'sms', 'type', 'invoice_reminder', 'recipientType', 'customer',
		'recipientContact', '+14155550123', 'content', 'Reminder', 'scheduledAt', now() + interval '6 months')) ->> 'status',
	'queued', 'A schedules a reminder to the raw number');
SELECT pg_temp.as_business('');

-- 4. STOP on the shared number is applied per business, for that number and channel.
SELECT is(pg_temp.inbound(3, E'  Stop \n') ->> 'action', 'opt_out', 'STOP (trimmed, any case) is an opt-out');
SELECT is((SELECT array_agg(business_id::text ORDER BY business_id) FROM flowcomm.suppression
			WHERE contact = '+14155550123' AND channel = 'sms' AND reason = 'stop_keyword' AND lifted_at IS NULL),
	ARRAY['b0000000-0000-0000-0000-0000000056a1', 'b0000000-0000-0000-0000-0000000056b1'],
	'both businesses suppress the number on sms (0.2.0: only B, the last writer)');
SELECT is((SELECT status::text FROM flowcomm.communication
			WHERE business_id = 'b0000000-0000-0000-0000-0000000056a1' AND type = 'invoice_reminder'),
	'suppressed', 'the reminder waiting for that number is suppressed');
SELECT is((SELECT q.status::text FROM flowcomm.communication_queue q JOIN flowcomm.communication m
			 ON m.business_id = q.business_id AND m.id = q.communication_id WHERE m.type = 'invoice_reminder'),
	'cancelled', 'its queue job is cancelled');
SELECT ok((SELECT detail FROM flowcomm.communication_event e JOIN flowcomm.communication m
			 ON m.business_id = e.business_id AND m.id = e.communication_id
			WHERE m.type = 'invoice_reminder' AND e.event = 'suppressed') LIKE 'recipient replied STOP%',
	'history says why');

SELECT pg_temp.as_business('b0000000-0000-0000-0000-0000000056a1');
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "sms", "type": "general_notification",
		"recipientType": "customer", "recipientContact": "+14155550123", "content": "raw"}')$$),
	'^PT409 .*suppressed for sms', 'a send naming the raw number is refused (PT409)');
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "sms", "type": "general_notification",
		"recipientType": "customer", "recipientId": "e0000000-0000-0000-0000-0000000056a1", "content": "by id"}')$$),
	'^PT409 ', 'a send naming the customer by recipientId is refused (PT409)');
SELECT is(flowcomm.delivery_block('b0000000-0000-0000-0000-0000000056a1', 'customer',
		'e0000000-0000-0000-0000-0000000056a1', 'email', 'ana@example.com'), NULL,
	'an SMS STOP does not switch off the customer''s email');
SELECT is(flowcomm.delivery_block('b0000000-0000-0000-0000-0000000056a1', 'customer',
		'e0000000-0000-0000-0000-0000000056a1', 'whatsapp', '+14155550123'), NULL,
	'nor WhatsApp to the same number');
SELECT is((SELECT opted_out_at FROM flowcomm.communication_preference
			WHERE business_id = 'b0000000-0000-0000-0000-0000000056a1'), NULL,
	'the customer record is not opted out as a whole');
SELECT pg_temp.as_business('');

-- 5. A WhatsApp STOP stops WhatsApp only; HELP changes nothing.
SELECT is(pg_temp.inbound(4, 'BAJA', 'whatsapp:+14155550123', 'whatsapp:+15005550001') ->> 'stored', 'false',
	'no business wrote on WhatsApp: nobody gets that STOP');
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content,
									status, provider, created_at)
VALUES ('b0000000-0000-0000-0000-0000000056a1', 'test', 'customer', '+14155550123', 'whatsapp', 'invoice', 'WA invoice',
		'sent', 'twilio', now() - interval '30 minutes');
SELECT is(pg_temp.inbound(5, 'baja', 'whatsapp:+14155550123', 'whatsapp:+15005550001') ->> 'action', 'opt_out',
	'BAJA on WhatsApp is an opt-out');
SELECT is((SELECT array_agg(channel::text ORDER BY channel) FROM flowcomm.suppression
			WHERE business_id = 'b0000000-0000-0000-0000-0000000056a1' AND lifted_at IS NULL),
	ARRAY['sms', 'whatsapp'], 'A now has the number suppressed on sms and whatsapp, not email');
SELECT is(pg_temp.inbound(6, 'Ayuda') ->> 'action', 'help', 'AYUDA is a help request');
SELECT is((SELECT count(*)::int FROM flowcomm.suppression WHERE lifted_at IS NULL), 3, 'HELP suppresses nothing');

-- 6. START from the same number lifts the STOP on that channel, per business.
SELECT is(pg_temp.inbound(7, 'UNSTOP') ->> 'action', 'opt_in', 'UNSTOP is an opt-in');
SELECT is((SELECT array_agg(business_id::text || '/' || channel ORDER BY business_id, channel) FROM flowcomm.suppression
			WHERE lifted_at IS NULL),
	ARRAY['b0000000-0000-0000-0000-0000000056a1/whatsapp'], 'sms lifted for A and B; A''s WhatsApp STOP stays');
SELECT pg_temp.as_business('b0000000-0000-0000-0000-0000000056a1');
SELECT is(flowcomm.send('{"channel": "sms", "type": "general_notification", "recipientType": "customer",
		"recipientContact": "+14155550123", "content": "welcome back"}') ->> 'status', 'queued',
	'after START the raw send goes out again');

-- 7. Media URLs are kept; conversation() is the thread.
SELECT pg_temp.as_business('');
SELECT ok((pg_temp.inbound(8, 'photo of the receipt', '+14155550123', '+15005550000',
		'{"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1", "MediaContentType0": "image/jpeg"}')
	->> 'stored')::boolean, 'an MMS reply is stored');
SELECT pg_temp.as_business('b0000000-0000-0000-0000-0000000056a1');
SELECT is((SELECT e -> 'metadata' -> 'media' -> 0 ->> 'url' FROM jsonb_array_elements(flowcomm.conversation('+14155550123') -> 'entries') e
			WHERE e ->> 'content' = 'photo of the receipt'),
	'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1', 'the media URL is in the thread');
SELECT is(ARRAY(SELECT e ->> 'direction' || ':' || (e ->> 'content')
				  FROM jsonb_array_elements(flowcomm.conversation('+14155550123', '{"channel": "sms"}') -> 'entries') e),
	ARRAY['outbound:Invoice from A', 'inbound:Is this paid?', 'outbound:Reminder', 'inbound:  Stop ' || E'\n',
		  'inbound:Ayuda', 'inbound:UNSTOP', 'outbound:welcome back', 'inbound:photo of the receipt'],
	'A''s sms thread, oldest first, replies and sends interleaved, nothing of B''s');
SELECT is((api.conversation('whatsapp:+14155550123', channel => 'whatsapp') -> 'optedOut' -> 0 ->> 'channel'), 'whatsapp',
	'GET /rpc/conversation takes a Twilio address and shows the active opt-out');
SELECT is(jsonb_array_length(api.conversation('+14155550123', size => '2') -> 'entries'), 2, 'size limits the thread');
SELECT matches(pg_temp.err($$SELECT flowcomm.conversation('')$$), '^22023 .*contact', 'an empty contact is refused (22023)');
SELECT matches(pg_temp.err($$SELECT flowcomm.conversation('+1', '{"size": 0}')$$), '^22023 .*size', 'size 0 is refused (22023)');

SELECT * FROM finish();
ROLLBACK;
