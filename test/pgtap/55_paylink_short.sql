-- Short payment links (0.3.0): 22-character tokens whose MAC matches an
-- independent pgcrypto computation; every failure reason; and the shipped en
-- and es payment-link SMS templates in one GSM-7 segment with typical data.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SET LOCAL client_min_messages = warning;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000055b0';
SELECT plan(17);
SELECT flowcomm.signing_key_add('ks1', decode(repeat('5a', 32), 'hex'));

SELECT flowcomm.payment_link_issue('a0000000-0000-0000-0000-0000000055b1', 1250.5, 'MXN', '3 days') AS link \gset
SELECT :'link'::jsonb ->> 'token' AS tok \gset
SELECT is(length(:'tok'), 22, 'a token is 22 characters');
SELECT ok(:'tok' ~ '^[A-Za-z0-9_-]{22}$', 'base64url, no padding');
SELECT is(length(:'link'::jsonb ->> 'url'), 52, 'the default URL is 52 characters (was ~290)');
SELECT is((SELECT count(*)::int FROM flowcomm.payment_link WHERE business_id = 'b0000000-0000-0000-0000-0000000055b0'), 1,
	'the link is stored');
-- MAC = first 8 bytes of HMAC-SHA256("flowcomm-paylink-v2" NUL || id || terms).
SELECT is(substr(decode(rpad(translate(:'tok', '-_', '+/'), 24, '='), 'base64'), 9, 8),
		  (SELECT substr(hmac(convert_to('flowcomm-paylink-v2', 'UTF8') || '\x00'::bytea || l.link_id ||
							  convert_to(format('%s|%s|%s|%s|%s|%s', l.business_id, l.invoice_id, l.amount, l.currency,
												extract(epoch FROM l.issued_at)::bigint, extract(epoch FROM l.expires_at)::bigint), 'UTF8'),
							  decode(repeat('5a', 32), 'hex'), 'sha256'), 1, 8)
			 FROM flowcomm.payment_link l WHERE l.business_id = 'b0000000-0000-0000-0000-0000000055b0'),
	'the MAC matches pgcrypto');
SELECT is(flowcomm.payment_link_verify(:'tok', 1250.50) ->> 'valid', 'true', 'verifies for its amount');
SELECT is(flowcomm.payment_link_verify(:'tok') ->> 'invoiceId', 'a0000000-0000-0000-0000-0000000055b1', 'and names its invoice');
SELECT is(flowcomm.payment_link_verify(:'tok', 1) ->> 'reason', 'amount_mismatch', 'another amount: amount_mismatch');
SELECT is(flowcomm.payment_link_check(:'tok', NULL, now() + interval '4 days') ->> 'reason', 'expired', 'after 3 days: expired');
-- Forgeries: last character changed (MAC), first changed (another id), garbage, one short.
SELECT is(flowcomm.payment_link_verify(left(:'tok', 21) || CASE WHEN right(:'tok', 1) = 'A' THEN 'Q' ELSE 'A' END) ->> 'reason',
	'tampered', 'a changed MAC: tampered');
SELECT is(flowcomm.payment_link_verify(CASE WHEN left(:'tok', 1) = 'A' THEN 'B' ELSE 'A' END || substr(:'tok', 2)) ->> 'reason',
	'tampered', 'a changed id: tampered (no such link)');
SELECT is(flowcomm.payment_link_verify(left(:'tok', 21)) ->> 'reason', 'malformed', 'a truncated token: malformed');
-- The terms are signed: editing the stored amount makes the token invalid.
UPDATE flowcomm.payment_link SET amount = '1.00' WHERE business_id = 'b0000000-0000-0000-0000-0000000055b0';
SELECT is(flowcomm.payment_link_verify(:'tok') ->> 'reason', 'tampered', 'a stored amount edited behind the MAC: tampered');
UPDATE flowcomm.payment_link SET amount = '1250.50' WHERE business_id = 'b0000000-0000-0000-0000-0000000055b0';
SELECT flowcomm.signing_key_retire('ks1');
SELECT flowcomm.signing_key_remove('ks1');
SELECT is(flowcomm.payment_link_verify(:'tok') ->> 'reason', 'unknown_key', 'its key removed: unknown_key');
SELECT flowcomm.signing_key_add('ks2');

-- The shipped payment-link SMS templates fit one GSM-7 segment with typical data.
SELECT is(s.segments, 1, 'shipped ' || loc || ' payment-link SMS: 1 segment (' || s.encoding || ', ' || length(body) || ' characters)')
  FROM (SELECT loc, r ->> 'body' AS body
		  FROM unnest(ARRAY['en', 'es']) loc,
			   LATERAL flowcomm.template_preview(jsonb_build_object('channel', 'sms', 'templateCode', 'payment_link', 'locale', loc,
					'variables', jsonb_build_object('customerName', 'Maria', 'invoiceNumber', 'F-10234', 'amount', 1250.5,
						'currency', 'MXN', 'businessName', 'Tienda La Esquina', 'expiresAt', (now() + interval '7 days')::text,
						'paymentUrl', flowcomm.payment_link_issue('a0000000-0000-0000-0000-0000000055b2', 1250.5, 'MXN') ->> 'url'))) r) t,
	   LATERAL flowcomm.sms_segments(t.body) s;
SELECT is((flowcomm.sms_segments(repeat('a', 161))).segments, 2, 'sms_segments: 161 GSM-7 characters are 2 segments');

SELECT * FROM finish();
ROLLBACK;
