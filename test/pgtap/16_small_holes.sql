-- The smaller holes of issue 16, each as its class (0.3.0): send_bulk's
-- template key, attachments the worker cannot send, scheduled times past a
-- year on every entry point, line breaks in header-bound fields, an interval
-- cap compared as time, one answer for unknown Twilio accounts.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000016a1';
SELECT plan(20);
SELECT flowcomm.signing_key_add('k-t16');
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;

-- send_bulk: a content-only element with locale es is not replaced by a template whose code is es.
INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, locale, body_template, created_by)
VALUES ('b0000000-0000-0000-0000-0000000016a1', 'Trap', 'es', 'sms', 'general_notification', 'en', 'TEMPLATE CODE es', 'test');
SELECT flowcomm.send_bulk('[{"channel": "sms", "type": "general", "recipientContact": "+14155550161", "content": "mi propio texto", "locale": "es"},
						   {"channel": "sms", "type": "general", "recipientContact": "+14155550162", "templateCode": "es"}]');
SELECT is((SELECT content FROM flowcomm.communication WHERE recipient_contact = '+14155550161'), 'mi propio texto',
	'send_bulk: a content-only element keeps its content (locale es)');
SELECT is((SELECT content FROM flowcomm.communication WHERE recipient_contact = '+14155550162'), 'TEMPLATE CODE es',
	'and the element naming template es gets it');

-- Attachments: only what the worker sends is accepted.
CREATE TEMP TABLE n0 AS SELECT count(*) AS n FROM flowcomm.communication;
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "email", "type": "invoice", "recipientContact": "a@example.com", "subject": "s",
	"content": "x", "attachments": [{"filename": "a.pdf", "fileUrl": "https://files.example/a.pdf"}]}')$$),
	'^22023 invalid attachments\[0\]\.contentBase64', 'email attachment by fileUrl only: refused (it would be dropped)');
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "email", "type": "invoice", "recipientContact": "a@example.com", "subject": "s",
	"content": "x", "attachments": [{"filename": "a.pdf", "filePath": "/srv/a.pdf"}]}')$$),
	'^22023 invalid attachments\[0\]\.contentBase64', 'email attachment by filePath only: refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "sms", "type": "invoice", "recipientContact": "+14155550163",
	"content": "x", "attachments": [{"filename": "a.jpg", "fileUrl": "https://files.example/a.jpg"}]}')$$),
	'^22023 invalid attachments: an SMS carries no attachments', 'SMS with a fileUrl: refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "whatsapp", "type": "invoice", "recipientContact": "+14155550163",
	"content": "x", "attachments": [{"filename": "a.jpg", "fileUrl": "https://files.example/a.jpg", "contentBase64": "AAAA"}]}')$$),
	'^22023 invalid attachments\[0\]\.contentBase64', 'WhatsApp media bytes (sent by URL only): refused');
SELECT is((SELECT count(*) FROM flowcomm.communication), (SELECT n FROM n0), 'the refusals wrote nothing');

-- Scheduled times: every entry point caps at a year.
SELECT flowcomm.send('{"channel": "email", "type": "invoice", "recipientContact": "a@example.com", "subject": "Invoice",
	"content": "<p>x</p>", "attachments": [{"filename": "a.pdf", "contentBase64": "JVBERi0xLjQK"}]}') ->> 'id' AS eid \gset
SELECT matches(pg_temp.err(format($$SELECT flowcomm.resend(%L, '{"scheduledAt": "9999-01-01T00:00:00Z"}')$$, :'eid')),
	'^22023 invalid scheduledAt: is more than a year ahead', 'resend: scheduledAt in 9999 refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.send('{"channel": "sms", "type": "general", "recipientContact": "+14155550164", "content": "x",
	"scheduledAt": "9999-01-01T00:00:00Z"}')$$), '^22023 invalid scheduledAt', 'send: likewise');
-- Resend on another channel does not copy an email's bytes to SMS.
SELECT flowcomm.resend(:'eid', '{"channel": "sms", "recipientContact": "+14155550165"}') ->> 'id' AS sid \gset
SELECT is((SELECT count(*)::int FROM flowcomm.communication_attachment WHERE communication_id = :'sid'), 0,
	'resend email -> SMS carries no attachment');
SELECT flowcomm.resend(:'eid') ->> 'id' AS rid \gset
SELECT is((SELECT count(*)::int FROM flowcomm.communication_attachment WHERE communication_id = :'rid'), 1,
	'resend on the same channel keeps it');

-- Line breaks in header-bound fields.
SELECT matches(pg_temp.err($$SELECT flowcomm.send(jsonb_build_object('channel', 'email', 'type', 'invoice', 'recipientContact', 'a@example.com',
	'subject', E'Hi\r\nBcc: victim@example.com', 'content', 'x'))$$), '^22023 invalid subject: may not contain line breaks',
	'subject with CR/LF refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.send(jsonb_build_object('channel', 'email', 'type', 'invoice', 'recipientContact', 'a@example.com',
	'recipientName', E'Ana\nBcc: x@example.com', 'subject', 's', 'content', 'x'))$$), '^22023 invalid recipientName',
	'recipientName with LF refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.send_bulk(jsonb_build_array(jsonb_build_object('channel', 'email', 'type', 'invoice',
	'recipientContact', 'a@example.com', 'subject', E'x\ny', 'content', 'x')))$$), '^22023 invalid requests\[0\]\.subject',
	'send_bulk likewise');
INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, locale, subject_template, body_template, created_by)
VALUES ('b0000000-0000-0000-0000-0000000016a1', 'Wrapped', 'wrapped', 'email', 'invoice', 'en', E'Invoice\n  {{n}}', '<p>{{n}}</p>', 'test');
SELECT is(flowcomm.send('{"channel": "email", "type": "invoice", "recipientContact": "a@example.com", "templateCode": "wrapped",
	"templateVariables": {"n": "F-1"}}') -> 'communication' ->> 'subject', 'Invoice F-1', 'a template''s wrapped subject is one line');

-- Payment-link expiry compared as time: 12 months 6 days is over 366 days.
SELECT matches(pg_temp.err($$SELECT flowcomm.payment_link_issue('1a000000-0000-0000-0000-0000000016a1', 10, 'USD', '12 months 6 days')$$),
	'^22023 invalid expiresIn', '12 months 6 days is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.payment_link_issue('1a000000-0000-0000-0000-0000000016a1', 10, 'USD', '366 days')$$),
	'^no error', '366 days is allowed');
SELECT matches(pg_temp.err($$SELECT flowcomm.payment_link_issue('1a000000-0000-0000-0000-0000000016a1', 10, 'USD', '13 months')$$),
	'^22023 invalid expiresIn', '13 months is refused');

-- Twilio: an unknown AccountSid gets the bad-signature answer, without echoing the SID.
SELECT is(pg_temp.err($$SELECT flowcomm.webhook_twilio_inbound('https://hooks.example/twilio',
	'AccountSid=AC99999999999999999999999999999999&From=%2B14155550166&Body=hi&MessageSid=SM11111111111111111111111111111111', 'c2lnbmF0dXJl')$$),
	'42501 twilio signature does not verify', 'unknown AccountSid: 42501, the same message as a bad signature');
CREATE FUNCTION pg_temp.err_detail(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text; BEGIN EXECUTE q; RETURN ''; EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL; RETURN d; END $$;
SELECT doesnt_match(pg_temp.err_detail($$SELECT flowcomm.webhook_twilio_inbound('https://hooks.example/twilio',
	'AccountSid=AC99999999999999999999999999999999&From=%2B14155550166&Body=hi&MessageSid=SM11111111111111111111111111111111', 'c2lnbmF0dXJl')$$),
	'AC9999', 'and the detail does not echo the SID');

SELECT * FROM finish();
ROLLBACK;
