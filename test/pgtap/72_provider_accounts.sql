-- A business manages its own provider accounts (0.3.0): create, rotate,
-- disable, list; secrets are write-only; another business's accounts are out
-- of reach; bad input names the field and writes nothing.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(17);
CREATE ROLE fc_t72_admin LOGIN IN ROLE flowcomm_admin;
CREATE ROLE fc_t72_other LOGIN IN ROLE flowcomm_admin;
CREATE ROLE fc_t72_viewer LOGIN IN ROLE flowcomm_viewer;
INSERT INTO flowcomm.tenant_role VALUES ('fc_t72_admin', 'b0000000-0000-0000-0000-0000000072a1'),
	('fc_t72_other', 'b0000000-0000-0000-0000-0000000072a2'), ('fc_t72_viewer', 'b0000000-0000-0000-0000-0000000072a1');
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;
GRANT EXECUTE ON FUNCTION pg_temp.err(text) TO PUBLIC;

SET LOCAL SESSION AUTHORIZATION fc_t72_admin;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000072a1';
SELECT is(api.provider_account_set('{"provider": "twilio", "twilioAccountSid": "AC0123456789abcdef0123456789abcdef",
	"twilioAuthToken": "aaaabbbbccccddddeeeeffff00001111", "smsFrom": "+14155550100"}') ->> 'hasTwilioAuthToken', 'true',
	'a tenant admin creates its Twilio account');
SELECT is(flowcomm.provider_account_set('{"provider": "sendgrid", "sendgridApiKey": "SG.abcdefghijklmnop.qrstuvwxyz0123456789",
	"fromEmail": "Billing@Shop.example", "fromName": "Shop"}') ->> 'fromEmail', 'billing@shop.example', 'and its Sendgrid account');
SELECT ok(NOT api.provider_accounts()::text ~ 'aaaabbbbccccddddeeeeffff00001111|SG\.abc', 'the listing holds no secret');
SELECT is(jsonb_array_length(api.provider_accounts()), 2, 'both accounts listed');
SELECT is(pg_temp.err($$SELECT twilio_auth_token FROM flowcomm.provider_account$$) ~ '^42501', true,
	'the secret column cannot be selected');
SELECT is((SELECT count(*)::int FROM flowcomm.provider_account), 2, 'the non-secret columns can');
-- Rotation: a new token replaces the old one; other fields are kept.
SELECT is(flowcomm.provider_account_set('{"provider": "twilio", "twilioAuthToken": "fedcba9876543210fedcba9876543210"}') ->> 'smsFrom',
	'+14155550100', 'rotating the auth token keeps the sender');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT twilio_auth_token FROM flowcomm.provider_account WHERE business_id = 'b0000000-0000-0000-0000-0000000072a1' AND provider = 'twilio'),
	'fedcba9876543210fedcba9876543210', 'the stored token is the new one');
SET LOCAL SESSION AUTHORIZATION fc_t72_admin;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000072a1';
-- Bad input: the field is named, nothing is written.
SELECT matches(pg_temp.err($$SELECT flowcomm.provider_account_set('{"provider": "twilio", "twilioAuthToken": "short"}')$$),
	'^22023 invalid twilioAuthToken', 'a malformed auth token is refused naming twilioAuthToken');
SELECT matches(pg_temp.err($$SELECT flowcomm.provider_account_set('{"provider": "sendgrid", "fromEmail": "not-an-email"}')$$),
	'^22023 invalid fromEmail', 'a bad fromEmail is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.provider_account_set('{"provider": "twilio", "rateLimits": {"sms": {"rate": 1e9, "burst": 1}}}')$$),
	'^22023 invalid rateLimits', 'an absurd rate limit is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.provider_account_set('{"provider": "sendgrid", "smsFrom": "+14155550100"}')$$),
	'^22023 invalid provider', 'a Twilio field on a Sendgrid account is refused');
SELECT is(flowcomm.provider_account_disable('sendgrid') ->> 'enabled', 'false', 'disable');
-- Another business and another role.
SELECT matches(pg_temp.err($$SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000072a2'; SELECT flowcomm.provider_account_info()$$),
	'^42501', 'naming another business is refused');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION fc_t72_other;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000072a2';
SELECT is(api.provider_accounts(), '[]'::jsonb, 'the other business sees none of them');
SELECT matches(pg_temp.err($$SELECT flowcomm.provider_account_disable('twilio')$$), '^P0002', 'nor can disable them');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION fc_t72_viewer;
SELECT matches(pg_temp.err($$SELECT flowcomm.provider_account_set('{"provider": "twilio", "twilioAuthToken": "0123456789abcdef0123456789abcdef"}')$$),
	'^42501', 'a viewer cannot write provider accounts');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
