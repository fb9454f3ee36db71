-- Schema contract: tables, keys, indexes, RLS policies, grants, config dump.
BEGIN;
SELECT plan(66);

SELECT has_schema('flowcomm');
SELECT has_table('flowcomm', t, 'table flowcomm.' || t || ' exists')
  FROM unnest(ARRAY['communication', 'communication_template', 'communication_queue', 'communication_preference',
					'communication_attachment', 'communication_event', 'provider_account', 'default_provider_account',
					'system_template', 'suppression', 'business_setting', 'signing_key', 'tenant_role']) t;

-- Every tenant table is keyed by business first (distribution by business_id).
SELECT col_is_pk('flowcomm', t, ARRAY['business_id', 'id'], t || ' primary key is (business_id, id)')
  FROM unnest(ARRAY['communication', 'communication_template', 'communication_queue', 'communication_preference',
					'communication_attachment', 'communication_event', 'suppression']) t;
SELECT is(
	(SELECT count(*)::int FROM pg_constraint c
	  WHERE c.connamespace = 'flowcomm'::regnamespace AND c.contype = 'f'
		AND (SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]) <> 'business_id'),
	0, 'every foreign key between tenant tables starts with business_id');

SELECT has_column('flowcomm', 'communication', c, 'communication.' || c)
  FROM unnest(ARRAY['created_by', 'recipient_type', 'recipient_contact', 'channel', 'type', 'status', 'sent_at',
					'delivered_at', 'opened_at', 'clicked_at', 'failed_at', 'provider_message_id', 'retry_count',
					'entity_type', 'entity_id', 'idempotency_key']) c;
SELECT col_type_is('flowcomm', 'communication', 'created_by', 'text', 'created_by accepts system actors');

SELECT has_index('flowcomm', 'communication_queue', 'communication_queue_claim_idx', 'claim index');
SELECT has_index('flowcomm', 'communication', 'communication_idempotency_idx', 'idempotency index');
SELECT has_index('flowcomm', 'communication_event', 'communication_event_comm_idx', 'event timeline index');
SELECT enum_has_labels('flowcomm', 'queue_priority', ARRAY['low', 'normal', 'high', 'urgent']);
SELECT enum_has_labels('flowcomm', 'channel', ARRAY['email', 'sms', 'whatsapp', 'messenger']);

-- RLS on every tenant table, with a tenant policy.
SELECT is(
	(SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
	  WHERE c.relnamespace = 'flowcomm'::regnamespace AND c.relkind = 'r' AND NOT c.relrowsecurity
		AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'business_id')
		AND c.relname <> 'tenant_role'),
	NULL, 'every table with business_id has row-level security');
SELECT policies_are('flowcomm', 'communication', ARRAY['tenant_isolation']);

-- Every user-data table is kept by pg_dump (monitor_* hold derived counts
-- and rollups, rebuilt from the data after a restore: 99_dump.sql).
SELECT is(
	(SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
	  WHERE c.relnamespace = 'flowcomm'::regnamespace AND c.relkind = 'r'
		AND c.relname NOT LIKE 'monitor\_%'
		AND c.oid <> ALL (SELECT unnest(extconfig) FROM pg_extension WHERE extname = 'flowcomm')),
	NULL, 'every table is registered with pg_extension_config_dump');

-- Secrets: no ordinary role can read them.
SELECT ok(NOT has_column_privilege(r, 'flowcomm.provider_account', 'twilio_auth_token', 'SELECT'),
		  r || ' cannot read provider auth tokens')
  FROM unnest(ARRAY['flowcomm_viewer', 'flowcomm_sender', 'flowcomm_admin', 'flowcomm_anon']) r;
SELECT ok(NOT has_table_privilege(r, 'flowcomm.signing_key', 'SELECT'), r || ' cannot read signing keys')
  FROM unnest(ARRAY['flowcomm_viewer', 'flowcomm_sender', 'flowcomm_admin', 'flowcomm_anon']) r;
SELECT ok(has_column_privilege('flowcomm_admin', 'flowcomm.provider_account', 'from_email', 'SELECT'),
		  'admins see the sender identity');

-- Permissions map the seed's policies.
SELECT ok(has_function_privilege('flowcomm_sender', 'flowcomm.send(jsonb)', 'EXECUTE'), 'sender may send');
SELECT ok(NOT has_function_privilege('flowcomm_viewer', 'flowcomm.send(jsonb)', 'EXECUTE'), 'viewer may not send');
SELECT ok(has_function_privilege('flowcomm_viewer', 'flowcomm.history(jsonb)', 'EXECUTE'), 'viewer may read history');
SELECT ok(NOT has_function_privilege('flowcomm_anon', 'flowcomm.history(jsonb)', 'EXECUTE'), 'anon may not read history');
SELECT ok(has_function_privilege('flowcomm_admin', 'flowcomm.template_create(jsonb)', 'EXECUTE'), 'admin manages templates');
SELECT ok(NOT has_function_privilege('flowcomm_sender', 'flowcomm.template_create(jsonb)', 'EXECUTE'), 'sender does not manage templates');
SELECT ok(NOT has_table_privilege('flowcomm_admin', 'flowcomm.communication', 'INSERT'), 'writes go through the API');

-- SECURITY DEFINER functions pin search_path.
SELECT is(
	(SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
	  WHERE p.pronamespace = 'flowcomm'::regnamespace AND p.prosecdef
		AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')),
	NULL, 'every SECURITY DEFINER function pins search_path');

-- Comments on every table and public function.
SELECT is(
	(SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
	  WHERE c.relnamespace = 'flowcomm'::regnamespace AND c.relkind IN ('r', 'v')
		AND obj_description(c.oid, 'pg_class') IS NULL),
	NULL, 'every table and view has a comment');
SELECT is(
	(SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
	  WHERE p.pronamespace = 'flowcomm'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL
		AND EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
					 WHERE a.grantee IN (SELECT oid FROM pg_roles WHERE rolname LIKE 'flowcomm\_%'))),
	NULL, 'every function granted to a flowcomm role has a comment');

SELECT * FROM finish();
ROLLBACK;
