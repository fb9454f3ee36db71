-- One-click unsubscribe (issue 17): which emails carry List-Unsubscribe and
-- List-Unsubscribe-Post, the signed token (valid, forged, tampered, expired,
-- another kind of token), api.unsubscribe as the anonymous web role recording
-- the opt-out once, every send path refusing that type afterwards (and only
-- that type), the admin list and lift, and which Sendgrid events suppress.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(50);
SELECT flowcomm.signing_key_add('us1', decode(repeat('3c', 32), 'hex'));
SET LOCAL flowcomm.unsubscribe_base_url = 'https://flowpos.example/unsubscribe?token=';
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000061a1';

CREATE TEMP TABLE m AS
SELECT t, ch, (flowcomm.send(jsonb_build_object('channel', ch, 'type', t,
		'recipientContact', CASE ch WHEN 'email' THEN 'Ana@Example.com' ELSE '+14155550161' END,
		'subject', 'About your account', 'content', '<p>Hello</p>')) ->> 'id')::uuid AS id
  FROM (VALUES ('invoice_reminder', 'email'), ('collection_notice', 'email'), ('general_notification', 'email'),
			   ('low_stock_alert', 'email'), ('invoice', 'email'), ('payment_confirmation', 'email'),
			   ('payment_link', 'email'), ('invoice_reminder', 'sms')) v(t, ch);
GRANT SELECT ON m TO PUBLIC;
CREATE FUNCTION pg_temp.h(p_type text, p_ch text DEFAULT 'email') RETURNS jsonb LANGUAGE sql AS $$
	SELECT flowcomm.unsubscribe_headers(c) FROM flowcomm.communication c JOIN m ON m.id = c.id
	 WHERE m.t = p_type AND m.ch = p_ch
$$;

-- Which messages get the headers.
SELECT is(pg_temp.h(t) ->> 'List-Unsubscribe-Post', 'List-Unsubscribe=One-Click', t || ' email: List-Unsubscribe-Post One-Click')
  FROM unnest(ARRAY['invoice_reminder', 'collection_notice', 'general_notification', 'low_stock_alert']) t;
SELECT ok(pg_temp.h('invoice_reminder') ->> 'List-Unsubscribe' ~ '^<https://flowpos\.example/unsubscribe\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$',
	'List-Unsubscribe: one https URL in angle brackets, base URL + signed token');
SELECT is(pg_temp.h(t), NULL, t || ' email is transactional: no header')
  FROM unnest(ARRAY['invoice', 'payment_confirmation', 'payment_link']) t;
SELECT is(pg_temp.h('invoice_reminder', 'sms'), NULL, 'an SMS gets no email header');
SET LOCAL flowcomm.unsubscribe_mailto = 'unsubscribe@flowpos.example';
SELECT ok(pg_temp.h('invoice_reminder') ->> 'List-Unsubscribe' ~ '^<https://[^>]+>, <mailto:unsubscribe@flowpos\.example\?subject=unsubscribe%20[^>]+>$',
	'with flowcomm.unsubscribe_mailto: the https URL, then a mailto');
RESET flowcomm.unsubscribe_mailto;
SET LOCAL flowcomm.unsubscribe_base_url = '';
SELECT is(pg_temp.h('invoice_reminder'), NULL, 'no base URL configured: no header');
SET LOCAL flowcomm.unsubscribe_base_url = 'https://flowpos.example/unsubscribe?token=';
SELECT throws_ok($$SET flowcomm.unsubscribe_base_url = 'http://flowpos.example/u?t='$$, '22023', NULL,
	'the base URL must be https');

-- The token.
SELECT substring(pg_temp.h('invoice_reminder') ->> 'List-Unsubscribe' FROM 'token=([^>]+)>') AS tok \gset
SELECT (SELECT id FROM m WHERE t = 'invoice_reminder' AND ch = 'email') AS rem \gset
SELECT is(flowcomm.unsubscribe_check(:'tok', now()) - 'issuedAt' - 'expiresAt',
		  jsonb_build_object('valid', true, 'businessId', 'b0000000-0000-0000-0000-0000000061a1', 'communicationId', :'rem',
							 'contact', 'ana@example.com', 'type', 'invoice_reminder', 'channel', 'email', 'keyId', 'us1'),
	'the token names business, message, address (lower case), type and channel');
SELECT ok((flowcomm.unsubscribe_check(:'tok', now()) ->> 'expiresAt')::timestamptz BETWEEN now() + interval '179 days' AND now() + interval '181 days',
	'it expires after flowcomm.unsubscribe_link_lifetime (180 days)');
SELECT is(flowcomm.unsubscribe_check(:'tok', now() + interval '181 days') ->> 'reason', 'expired', 'after its lifetime: expired');
SELECT is(flowcomm.payment_link_check(:'tok', NULL, now()) ->> 'valid', 'false', 'an unsubscribe token is no payment link');

-- Forgeries and an expired link: a clear error, nothing recorded.
CREATE FUNCTION pg_temp.flip(s text, pos int) RETURNS text LANGUAGE sql AS $$
	SELECT overlay(s PLACING CASE WHEN substr(s, pos, 1) = 'A' THEN 'B' ELSE 'A' END FROM pos FOR 1)
$$;
SELECT pg_temp.flip(:'tok', length(:'tok') - 3) AS bad_sig,
	   -- the payload with another address, re-encoded, under the old MAC
	   split_part(:'tok', '.', 1) || '.' ||
	   rtrim(translate(encode(convert_to(replace(convert_from(decode(rpad(translate(split_part(:'tok', '.', 2), '-_', '+/'),
			(length(split_part(:'tok', '.', 2)) + 3) / 4 * 4, '='), 'base64'), 'UTF8'), 'ana@example.com', 'eve@example.com'), 'UTF8'),
			'base64'), E'+/\n', '-_'), '=') || '.' || split_part(:'tok', '.', 3) AS tampered,
	   flowcomm.paylink_sign('us1', decode(repeat('7d', 32), 'hex'),
			convert_from(decode(rpad(translate(split_part(:'tok', '.', 2), '-_', '+/'),
			(length(split_part(:'tok', '.', 2)) + 3) / 4 * 4, '='), 'base64'), 'UTF8')) AS other_secret,
	   flowcomm.unsubscribe_sign('b0000000-0000-0000-0000-0000000061a1', :'rem', 'ana@example.com', 'invoice_reminder', 'email',
			now() - interval '200 days', now() - interval '20 days') AS expired \gset
SELECT is(flowcomm.unsubscribe_check(:'tampered', now()) ->> 'reason', 'tampered', 'an address changed in the payload: tampered');
SET LOCAL ROLE flowcomm_anon;
SELECT throws_ok(format('SELECT api.unsubscribe(%L)', :'bad_sig'), 'PT403', 'unsubscribe token is not genuine',
	'a changed signature: PT403');
SELECT throws_ok(format('SELECT api.unsubscribe(%L)', :'tampered'), 'PT403', 'unsubscribe token is not genuine',
	'a tampered field: PT403');
SELECT throws_ok(format('SELECT api.unsubscribe(%L)', :'other_secret'), 'PT403', 'unsubscribe token is not genuine',
	'signed with another secret under our key id: PT403');
SELECT throws_ok(format('SELECT api.unsubscribe(%L)', 'zz9.' || split_part(:'tok', '.', 2) || '.' || split_part(:'tok', '.', 3)),
	'PT403', 'unsubscribe token is not genuine', 'an unknown key id: PT403');
SELECT throws_ok(format('SELECT api.unsubscribe(%L)', :'expired'), 'PT410', 'unsubscribe link has expired', 'expired: PT410');
SELECT throws_ok($$SELECT api.unsubscribe('not-a-token')$$, '22023', 'invalid token: not an unsubscribe token', 'garbage: 22023');
SELECT throws_ok($$SELECT api.unsubscribe(NULL)$$, '22023', 'invalid token: not an unsubscribe token', 'missing: 22023');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM flowcomm.unsubscribe), 0, 'after the refused tokens: no opt-out recorded');
SELECT is((SELECT status::text FROM flowcomm.communication WHERE id = :'rem'), 'queued', 'and the reminder still queued');

-- A genuine token, as the anonymous web role, twice.
SET LOCAL ROLE flowcomm_anon;
RESET flowcomm.business_id;
SELECT is(api.unsubscribe(:'tok') - 'businessId',
		  '{"unsubscribed": true, "created": true, "contact": "ana@example.com", "type": "invoice_reminder", "channel": "email"}'::jsonb,
	'the anonymous web role unsubscribes with the link');
SELECT is(api.unsubscribe(:'tok') ->> 'created', 'false', 'a second POST of the same link: created false');
RESET ROLE;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000061a1';
SELECT is((SELECT count(*)::int FROM flowcomm.unsubscribe WHERE lower(contact) = 'ana@example.com' AND type = 'invoice_reminder'
		   AND channel = 'email' AND source = 'one_click' AND communication_id = :'rem' AND lifted_at IS NULL), 1,
	'one opt-out recorded, for the type, channel and address of the link');
SELECT is((SELECT count(*)::int FROM flowcomm.communication_event WHERE communication_id = :'rem' AND event = 'unsubscribed' AND source = 'api'),
	1, 'one unsubscribed event in the message''s history');
SELECT is((SELECT status::text FROM flowcomm.communication WHERE id = :'rem'), 'suppressed', 'the waiting reminder is suppressed');
SELECT is((SELECT status::text FROM flowcomm.communication_queue WHERE communication_id = :'rem'), 'cancelled', 'and its queue job cancelled');
SELECT is((SELECT status::text FROM flowcomm.communication c JOIN m ON m.id = c.id WHERE m.t = 'collection_notice'), 'queued',
	'a waiting message of another type to the address stays queued');

-- Later sends: that type refused on every path, other types still go.
SELECT throws_ok($$SELECT flowcomm.send('{"channel": "email", "type": "invoice_reminder", "recipientContact": "ANA@example.com", "subject": "S", "content": "c"}')$$,
	'PT409', 'cannot send to ana@example.com: ana@example.com unsubscribed from invoice_reminder on email (one_click)',
	'send of that type to the address (any case): PT409');
SELECT throws_ok($$SELECT flowcomm.send('{"channel": "email", "type": "payment_reminder", "recipientContact": "ana@example.com", "subject": "S", "content": "c"}')$$,
	'PT409', NULL, 'the payment_reminder alias too');
SELECT lives_ok($$SELECT flowcomm.send('{"channel": "email", "type": "invoice", "recipientContact": "ana@example.com", "subject": "S", "content": "c"}')$$,
	'an invoice to the address still goes');
SELECT lives_ok($$SELECT flowcomm.send('{"channel": "email", "type": "general_notification", "recipientContact": "ana@example.com", "subject": "S", "content": "c"}')$$,
	'another unsubscribable type still goes');
SELECT is(flowcomm.send_bulk('[{"channel": "email", "type": "invoice_reminder", "recipientContact": "ana@example.com", "subject": "S", "content": "c"},
							   {"channel": "email", "type": "invoice", "recipientContact": "ana@example.com", "subject": "S", "content": "c"}]') -> 'blockedDetails',
		  '[{"index": 0, "reason": "ana@example.com unsubscribed from invoice_reminder on email (one_click)", "recipientContact": "ana@example.com"}]'::jsonb,
	'send_bulk skips and reports the reminder, queues the invoice');

-- Admin list and lift.
SELECT is(flowcomm.unsubscribes('{"type": "invoice_reminder"}') -> 'results' -> 0 ->> 'contact', 'ana@example.com', 'admins list the opt-out');
SELECT (flowcomm.unsubscribes() -> 'results' -> 0 ->> 'id') AS uid \gset
SELECT throws_ok(format('SELECT flowcomm.unsubscribe_lift(%L, %L)', :'uid', ' '), '22023', NULL, 'a lift needs a reason');
SELECT is(flowcomm.unsubscribe_lift(:'uid', 'customer asked for reminders again') ->> 'active', 'false', 'an admin lifts it');
SELECT lives_ok($$SELECT flowcomm.send('{"channel": "email", "type": "invoice_reminder", "recipientContact": "ana@example.com", "subject": "S", "content": "c"}')$$,
	'after the lift, reminders go again');
SELECT is(api.unsubscribes(active => 'false') ->> 'count', '1', 'the lifted row stays for audit');
SELECT throws_ok(format('SELECT api.unsubscribe_lift(%L, %L)', :'uid', 'again'), 'P0002', NULL, 'lifting twice: not found');

-- Sendgrid events: which ones suppress the address, and as what.
SELECT is(flowcomm.sendgrid_suppression_reason(e::jsonb), r, e)
  FROM (VALUES ('{"event": "bounce", "type": "bounce", "bounce_classification": "Invalid Address"}', 'bounce'),
			   ('{"event": "bounce", "type": "blocked", "bounce_classification": "Reputation"}', NULL),
			   ('{"event": "dropped", "reason": "Bounced Address"}', 'bounce'),
			   ('{"event": "dropped", "reason": "Spam Reporting Address"}', 'spamreport'),
			   ('{"event": "dropped", "reason": "Unsubscribed Address"}', 'unsubscribe'),
			   ('{"event": "dropped", "reason": "Invalid SMTPAPI header"}', NULL)) v(e, r);

SELECT * FROM finish();
ROLLBACK;
