-- Webhook and payment-link privileges: who may call what.
BEGIN;
SELECT plan(12);

SELECT ok(has_function_privilege('flowcomm_anon', f, 'EXECUTE'), 'anon may call ' || f)
  FROM unnest(ARRAY['flowcomm.webhook_sendgrid(text,text,text)', 'flowcomm.webhook_twilio_status(text,text,text)',
					'flowcomm.webhook_twilio_inbound(text,text,text)', 'api.webhook_sendgrid(json)',
					'flowcomm.payment_link_verify(text,numeric)']) f;

-- Internal helpers (signing oracles, secrets, unauthenticated writes) belong to no role.
SELECT is(
	(SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
	  WHERE p.pronamespace = 'flowcomm'::regnamespace
		AND p.proname IN ('form_decode', 'twilio_signature_valid', 'sendgrid_verify', 'paylink_sign', 'paylink_open',
						  'paylink_mac_valid', 'random_bytes', 'payment_link_check', 'apply_provider_event', 'suppress',
						  'twilio_status_apply', 'twilio_inbound_apply', 'twilio_verify', 'inbound_opt', 'sendgrid_apply')
		AND EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
					 WHERE a.privilege_type = 'EXECUTE'
					   AND (a.grantee = 0 OR a.grantee IN (SELECT oid FROM pg_roles WHERE rolname LIKE 'flowcomm\_%')))),
	NULL, 'internal webhook and payment-link helpers are executable by no flowcomm role nor PUBLIC');
SELECT is(
	(SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
	  WHERE p.pronamespace = 'api'::regnamespace AND p.proname LIKE 'webhook\_%'
		AND EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
					 WHERE a.privilege_type = 'EXECUTE' AND a.grantee = 0)),
	NULL, 'no api webhook function is executable by PUBLIC');
SELECT ok(NOT has_function_privilege('flowcomm_sender', 'flowcomm.suppression_lift(uuid,text)', 'EXECUTE'),
		  'senders may not lift suppressions');
SELECT ok(has_function_privilege('flowcomm_admin', 'flowcomm.suppression_lift(uuid,text)', 'EXECUTE'),
		  'admins may lift suppressions');
SELECT ok(NOT has_function_privilege('flowcomm_admin', 'flowcomm.signing_key_add(text,bytea)', 'EXECUTE'),
		  'tenant admins may not add signing keys');
SELECT ok(has_function_privilege('flowcomm_platform_admin', 'flowcomm.signing_key_add(text,bytea)', 'EXECUTE'),
		  'platform admins may add signing keys');
SELECT ok(NOT has_function_privilege('flowcomm_anon', 'flowcomm.payment_link_issue(uuid,numeric,text,interval)', 'EXECUTE'),
		  'anon may not issue payment links');

SELECT * FROM finish();
ROLLBACK;
