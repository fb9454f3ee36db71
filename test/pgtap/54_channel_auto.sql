-- channel "auto" (0.3.0): only channels the given contact can reach; a
-- recipientId without a stored contact says so; send_payment_link's "auto"
-- stays on SMS and WhatsApp.  Every refusal writes nothing.
BEGIN;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000054a0';
SET LOCAL client_min_messages = warning;
SELECT plan(14);
SELECT flowcomm.signing_key_add('k-auto-test');

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;
CREATE FUNCTION pg_temp.ch(r jsonb) RETURNS text LANGUAGE sql AS $$ SELECT r -> 'communication' ->> 'channel' $$;

-- Default order is email, whatsapp, sms, messenger: a phone number skips email.
SELECT is(pg_temp.ch(flowcomm.send('{"channel": "auto", "type": "invoice", "recipientContact": "+14155550123", "content": "x"}')),
	'whatsapp', 'auto with a phone number: the first phone channel, never email');
SELECT is(pg_temp.ch(flowcomm.send('{"channel": "auto", "type": "invoice", "recipientContact": "Ana@Example.com", "subject": "s", "content": "x"}')),
	'email', 'auto with an email address: email');
SELECT is(pg_temp.ch(flowcomm.send('{"channel": "auto", "type": "invoice", "recipientContact": "1234567890123456", "content": "x"}')),
	'messenger', 'auto with a Messenger id: messenger');
UPDATE flowcomm.business_setting SET channel_order = '{sms,email}' WHERE business_id = 'b0000000-0000-0000-0000-0000000054a0';
INSERT INTO flowcomm.business_setting (business_id, channel_order)
SELECT 'b0000000-0000-0000-0000-0000000054a0', '{sms,email}'
 WHERE NOT EXISTS (SELECT 1 FROM flowcomm.business_setting WHERE business_id = 'b0000000-0000-0000-0000-0000000054a0');
SELECT is(pg_temp.ch(flowcomm.send('{"channel": "auto", "type": "invoice", "recipientContact": "ana@example.com", "subject": "s", "content": "x"}')),
	'email', 'business order sms, email: an email address still goes by email');

CREATE TEMP TABLE n0 AS SELECT count(*) AS n FROM flowcomm.communication;
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "auto", "type": "invoice", "recipientContact": "hello", "content": "x"}')$$),
	'^22023 .*recipientContact.*"hello"', 'auto with a contact that is no channel''s address: 22023 naming recipientContact');

-- A stored customer with only an email address.
INSERT INTO flowcomm.communication_preference (business_id, entity_type, entity_id, preferred_email)
VALUES ('b0000000-0000-0000-0000-0000000054a0', 'customer', 'c0000000-0000-0000-0000-0000000054a1', 'bo@example.com');
SELECT is(pg_temp.ch(flowcomm.send('{"channel": "auto", "type": "invoice", "recipientId": "c0000000-0000-0000-0000-0000000054a1", "subject": "s", "content": "x"}')),
	'email', 'auto with a recipientId: the channel of its stored contact');
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "sms", "type": "invoice", "recipientId": "c0000000-0000-0000-0000-0000000054a1", "content": "x"}')$$),
	'^22023 invalid recipientId: .*has no stored sms contact', 'recipientId without a stored sms contact says that, naming recipientId');
SELECT doesnt_match(pg_temp.err($$SELECT flowcomm.send('{"channel": "sms", "type": "invoice", "recipientId": "c0000000-0000-0000-0000-0000000054a1", "content": "x"}')$$),
	'recipientContact: is required', 'not "invalid recipientContact: is required"');
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "auto", "type": "invoice", "recipientId": "c0000000-0000-0000-0000-0000000054a2", "content": "x"}')$$),
	'^PT409 no channel available', 'auto with an unknown recipientId and no contact: no channel available (PT409)');

-- send_payment_link: auto is WhatsApp or SMS.
SELECT matches(pg_temp.err($$SELECT flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-0000000054a3", "amount": 10, "currency": "USD",
	"recipientContact": "bo@example.com", "invoiceNumber": "F-1"}')$$),
	'^22023 .*recipientContact', 'payment link, auto, email address: refused naming recipientContact (no email fallback)');
SELECT matches(pg_temp.err($$SELECT flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-0000000054a3", "amount": 10, "currency": "USD",
	"recipientId": "c0000000-0000-0000-0000-0000000054a1", "invoiceNumber": "F-1"}')$$),
	'^PT409 no channel available', 'payment link, auto, customer with only an email: no channel (not email)');
SELECT is((SELECT count(*) FROM flowcomm.communication), (SELECT n + 1 FROM n0), 'the refusals wrote no message (the one row is the recipientId send that succeeded)');
UPDATE flowcomm.communication_preference SET preferred_phone = '+14155550177'
 WHERE business_id = 'b0000000-0000-0000-0000-0000000054a0' AND entity_id = 'c0000000-0000-0000-0000-0000000054a1';
SELECT is(flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-0000000054a3", "amount": 10, "currency": "USD",
	"recipientId": "c0000000-0000-0000-0000-0000000054a1", "invoiceNumber": "F-1"}') -> 'message' -> 'communication' ->> 'channel',
	'sms', 'payment link, auto, stored phone (business order sms, email): sms');
SELECT is(flowcomm.send_payment_link('{"invoiceId": "1a000000-0000-0000-0000-0000000054a4", "amount": 10, "currency": "USD",
	"recipientContact": "+14155550178", "invoiceNumber": "F-2"}') -> 'message' -> 'communication' ->> 'recipientContact',
	'+14155550178', 'payment link, auto, raw phone: sent to that phone');

SELECT * FROM finish();
ROLLBACK;
