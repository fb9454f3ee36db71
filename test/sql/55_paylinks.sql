-- Payment links: HMAC-SHA256 tokens with key rotation, checked against an
-- independent pgcrypto computation.
\set VERBOSITY terse
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE FUNCTION pg_temp.b64url(b bytea) RETURNS text LANGUAGE sql AS $$
	SELECT rtrim(translate(encode(b, 'base64'), E'+/\n', '-_'), '=')
$$;
CREATE FUNCTION pg_temp.unb64url(s text) RETURNS bytea LANGUAGE sql AS $$
	SELECT decode(rpad(translate(s, '-_', '+/'), (length(s) + 3) / 4 * 4, '='), 'base64')
$$;
CREATE ROLE fc_t55_sender LOGIN IN ROLE flowcomm_sender;
CREATE ROLE fc_t55_viewer LOGIN IN ROLE flowcomm_viewer;
INSERT INTO flowcomm.tenant_role VALUES ('fc_t55_sender', 'b5500000-0000-0000-0000-00000000000a');

-- No key yet: issuing is impossible.
SET flowcomm.business_id = 'b5500000-0000-0000-0000-00000000000a';
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10, 'USD');
-- Keys: platform admins only; secrets never come back.
SELECT flowcomm.signing_key_add('k1', decode(repeat('6b31', 32), 'hex')) - 'createdAt' AS added;
SELECT flowcomm.signing_key_add('k1');
SELECT flowcomm.signing_key_add('short', '\x0102');
SELECT flowcomm.signing_key_add('bad.id');
SELECT jsonb_path_exists(flowcomm.signing_keys(), '$[*].secret') AS secret_listed;

SET ROLE fc_t55_sender;
SELECT flowcomm.signing_key_add('mine');
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 1250.5, 'usd', '60 days') AS link \gset
RESET ROLE;
SELECT :'link'::jsonb ->> 'keyId' AS key_id, :'link'::jsonb ->> 'amount' AS amount,
	   :'link'::jsonb ->> 'currency' AS currency,
	   :'link'::jsonb ->> 'url' = 'https://pay.flowpos.example/p/' || (:'link'::jsonb ->> 'token') AS url_ok,
	   (:'link'::jsonb ->> 'expiresAt')::timestamptz - now() BETWEEN interval '59 days 23 hours' AND interval '60 days' AS expiry_ok;
-- Since 0.3.0 issued links are short (test/pgtap/55_paylink_short.sql); the
-- checks below are of the long token 0.2.0 issued, built here exactly as
-- 0.2.0 built it, which must keep verifying after the upgrade.
SELECT flowcomm.paylink_sign('k1', decode(repeat('6b31', 32), 'hex'), jsonb_build_object('v', 1,
		'b', 'b5500000-0000-0000-0000-00000000000a', 'i', 'a5500000-0000-0000-0000-000000000001', 'a', '1250.50', 'c', 'USD',
		't', extract(epoch FROM date_trunc('second', now()))::bigint,
		'e', extract(epoch FROM date_trunc('second', now() + interval '60 days'))::bigint)::text) AS tok \gset
-- The MAC is HMAC-SHA256 of "<key id>.<payload>" under the key's secret.
SELECT split_part(:'tok', '.', 3) = pg_temp.b64url(hmac(convert_to(split_part(:'tok', '.', 1) || '.' || split_part(:'tok', '.', 2), 'UTF8'),
														decode(repeat('6b31', 32), 'hex'), 'sha256')) AS mac_matches_pgcrypto;
SELECT convert_from(pg_temp.unb64url(split_part(:'tok', '.', 2)), 'UTF8')::jsonb - 't' - 'e' AS payload;

-- A viewer (and the payment page's anonymous role) can verify.
SET ROLE fc_t55_viewer;
SELECT flowcomm.payment_link_verify(:'tok') - 'issuedAt' - 'expiresAt' AS verified;
SELECT flowcomm.payment_link_verify(:'tok', 1250.50) ->> 'valid' AS same_amount;
SELECT flowcomm.payment_link_verify(:'tok', 1250.49) AS other_amount;
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10, 'USD');
RESET ROLE;
SET ROLE flowcomm_anon;
SELECT flowcomm.payment_link_verify(:'tok') ->> 'valid' AS anon_valid;
SELECT api.payment_link_verify(:'tok', "expectedAmount" => 1250.5) ->> 'valid' AS api_valid;
SELECT api.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10, 'USD');
RESET ROLE;
SET ROLE fc_t55_sender;
SELECT api.payment_link_issue('a5500000-0000-0000-0000-000000000009', 10, 'MXN', '1 day') ->> 'amount' AS api_issued;
RESET ROLE;

-- Tampering: payload changed (amount lowered), MAC changed, key id changed, garbage.
SELECT flowcomm.payment_link_verify(split_part(:'tok', '.', 1) || '.' ||
		pg_temp.b64url(convert_to(replace(convert_from(pg_temp.unb64url(split_part(:'tok', '.', 2)), 'UTF8'),
										  '"1250.50"', '"1.00"'), 'UTF8')) || '.' || split_part(:'tok', '.', 3)) AS lowered_amount;
SELECT flowcomm.payment_link_verify(split_part(:'tok', '.', 1) || '.' || split_part(:'tok', '.', 2) || '.' ||
		pg_temp.b64url(hmac('forged', 'not the key', 'sha256'))) AS forged_mac;
SELECT flowcomm.payment_link_verify('k9' || substr(:'tok', 3)) AS unknown_key;
SELECT flowcomm.payment_link_verify('not-a-token') AS garbage;
SELECT flowcomm.payment_link_verify(:'tok' || '.x') AS extra_part;
SELECT flowcomm.payment_link_verify(NULL) AS missing;
-- Expiry, with a fixed clock.
SELECT flowcomm.payment_link_check(:'tok', NULL, now() + interval '59 days') ->> 'valid' AS valid_day_59;
SELECT flowcomm.payment_link_check(:'tok', NULL, now() + interval '61 days') ->> 'reason' AS reason_day_61;

-- Input validation.
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10.005, 'USD');
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10.5, 'JPY');
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10.125, 'KWD') ->> 'amount' AS kwd;
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 0, 'USD');
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10, 'US');
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10, 'XAU');
SELECT flowcomm.payment_link_issue(NULL, 10, 'USD');
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000001', 10, 'USD', '-1 day');

-- Rotation: the new key signs, the old one verifies until the grace period
-- after its retirement ends, and never once removed.
SELECT flowcomm.signing_key_add('k2') ->> 'keyId' AS added;
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000002', 99.99, 'EUR') ->> 'keyId' AS signs_with;
SELECT flowcomm.payment_link_verify(:'tok') ->> 'valid' AS old_token_valid;
SELECT flowcomm.signing_key_remove('k1');
SELECT flowcomm.signing_key_retire('k1') ->> 'active' AS k1_active;
SELECT flowcomm.payment_link_verify(:'tok') ->> 'valid' AS valid_in_grace;
SELECT flowcomm.payment_link_check(:'tok', NULL, now() + interval '31 days') ->> 'reason' AS after_grace;
SET flowcomm.payment_key_grace = '10d';
SELECT flowcomm.payment_link_check(:'tok', NULL, now() + interval '11 days') ->> 'reason' AS after_short_grace;
RESET flowcomm.payment_key_grace;
SELECT flowcomm.signing_key_remove('k1') ->> 'removed' AS removed;
SELECT flowcomm.payment_link_verify(:'tok') ->> 'reason' AS after_removal;
SELECT flowcomm.signing_key_retire('k1');
SELECT flowcomm.signing_key_retire('k2') ->> 'active' AS k2_active;
SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000003', 5, 'USD');
-- Base URL from the setting.
SELECT flowcomm.signing_key_add('k3') ->> 'keyId' AS added;
SET flowcomm.payment_base_url = 'https://pay.shop.example/link/';
SELECT left(u, 30) AS url, length(u) AS url_length
  FROM (SELECT flowcomm.payment_link_issue('a5500000-0000-0000-0000-000000000003', 5, 'USD') ->> 'url' AS u) x;
RESET flowcomm.payment_base_url;
RESET flowcomm.business_id;

DELETE FROM flowcomm.signing_key;
DROP OWNED BY fc_t55_sender, fc_t55_viewer;
DELETE FROM flowcomm.tenant_role WHERE role_name = 'fc_t55_sender';
DROP ROLE fc_t55_sender, fc_t55_viewer;
