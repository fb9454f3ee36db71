-- Security: tenant isolation per table and role, secrets, pinned
-- search_path against hostile objects in public, superuser-only settings.
BEGIN;
SELECT plan(74);

-- Two businesses with traffic in every tenant table.
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000005a1';
DO $$ BEGIN
	PERFORM flowcomm.send('{"channel": "email", "type": "invoice", "recipientContact": "a@example.com", "subject": "A", "content": "for A",
		"attachments": [{"filename": "a.pdf", "contentBase64": "JVBERi0xLjQK"}]}');
	PERFORM flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-0000000005a1', '{"smsEnabled": false, "preferredPhone": "+14155550555"}');
END $$;
INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, body_template, created_by)
VALUES ('b0000000-0000-0000-0000-0000000005a1', 'A', 'a_only', 'sms', 'general_notification', 'secret template of A', 'x');
INSERT INTO flowcomm.suppression (business_id, channel, contact, reason) VALUES ('b0000000-0000-0000-0000-0000000005a1', 'email', 'x@example.com', 'admin');
INSERT INTO flowcomm.provider_account (business_id, provider, twilio_account_sid, twilio_auth_token, sms_from)
VALUES ('b0000000-0000-0000-0000-0000000005a1', 'twilio', 'AC0123456789abcdef0123456789abcdef', 'tok-of-A-very-secret', '+15005550006');
INSERT INTO flowcomm.business_setting (business_id, name) VALUES ('b0000000-0000-0000-0000-0000000005a1', 'A');
INSERT INTO flowcomm.collection_policy (business_id) VALUES ('b0000000-0000-0000-0000-0000000005a1');
INSERT INTO flowcomm.reminder_log (business_id, invoice_id, step, days_overdue, outcome)
VALUES ('b0000000-0000-0000-0000-0000000005a1', 'b0000000-0000-0000-0000-0000000005a1', 1, 1, 'sent');
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000005b2';
DO $$ BEGIN
	PERFORM flowcomm.send('{"channel": "sms", "type": "invoice", "recipientContact": "+14155550100", "content": "for B"}');
END $$;
RESET flowcomm.business_id;

-- Each role, acting for B, sees nothing of A in any tenant table it can read, and cannot write any.
CREATE TEMP TABLE tenant_tables AS
	SELECT c.relname::text AS t FROM pg_class c
	 WHERE c.relnamespace = 'flowcomm'::regnamespace AND c.relkind = 'r'
	   AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'business_id')
	   AND c.relname NOT IN ('tenant_role');
GRANT SELECT ON tenant_tables TO PUBLIC;
CREATE FUNCTION pg_temp.leaks(role text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
	t text;
	n bigint;
	out text[] := '{}';
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', role);
	PERFORM set_config('flowcomm.business_id', 'b0000000-0000-0000-0000-0000000005b2', true);
	FOR t IN SELECT tenant_tables.t FROM tenant_tables ORDER BY 1
	LOOP
		BEGIN
			EXECUTE format('SELECT count(*) FROM flowcomm.%I WHERE business_id = %L', t, 'b0000000-0000-0000-0000-0000000005a1') INTO n;
			IF n > 0 THEN out := out || (t || ' readable'); END IF;
		EXCEPTION WHEN insufficient_privilege THEN
			NULL;	-- not readable at all: fine
		END;
		BEGIN
			EXECUTE format('UPDATE flowcomm.%I SET business_id = business_id WHERE business_id = %L', t, 'b0000000-0000-0000-0000-0000000005a1');
			GET DIAGNOSTICS n = ROW_COUNT;
			IF n > 0 THEN out := out || (t || ' updatable'); END IF;
		EXCEPTION WHEN insufficient_privilege THEN
			NULL;
		END;
		BEGIN
			EXECUTE format('DELETE FROM flowcomm.%I WHERE business_id = %L', t, 'b0000000-0000-0000-0000-0000000005a1');
			GET DIAGNOSTICS n = ROW_COUNT;
			IF n > 0 THEN out := out || (t || ' deletable'); END IF;
		EXCEPTION WHEN insufficient_privilege THEN
			NULL;
		END;
	END LOOP;
	RESET ROLE;
	RETURN out;
END
$$;
SELECT is(pg_temp.leaks(r), '{}'::text[], r || ': no row of another business readable, updatable or deletable in any tenant table')
  FROM unnest(ARRAY['flowcomm_viewer', 'flowcomm_sender', 'flowcomm_admin', 'flowcomm_anon']) r;

-- Inserting rows for another business is refused by RLS (admins may write settings).
SET LOCAL ROLE flowcomm_admin;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000005b2';
SELECT throws_ok($$INSERT INTO flowcomm.business_setting (business_id, name) VALUES ('b0000000-0000-0000-0000-0000000005c3', 'x')$$,
	'42501', NULL, 'admin cannot write another business''s settings');
SELECT lives_ok($$INSERT INTO flowcomm.business_setting (business_id, name) VALUES ('b0000000-0000-0000-0000-0000000005b2', 'B')$$,
	'admin writes its own business''s settings');
RESET ROLE;

-- Every API function, as every role acting for B, with A's ids: nothing of A comes back.
CREATE TEMP TABLE a_ids AS
	SELECT (SELECT id FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000005a1') AS msg,
		   (SELECT id FROM flowcomm.communication_template WHERE business_id = 'b0000000-0000-0000-0000-0000000005a1') AS tpl,
		   (SELECT id FROM flowcomm.suppression WHERE business_id = 'b0000000-0000-0000-0000-0000000005a1') AS sup;
GRANT SELECT ON a_ids TO PUBLIC;
CREATE FUNCTION pg_temp.api_probe(role text, claims_mode boolean) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
	ids a_ids;
	calls text[];
	c text;
	res text;
	out text[] := '{}';
BEGIN
	SELECT * INTO ids FROM a_ids;
	calls := ARRAY[
		format('SELECT flowcomm.details(%L)::text', ids.msg),
		format('SELECT flowcomm.cancel(%L)::text', ids.msg),
		format('SELECT flowcomm.resend(%L)::text', ids.msg),
		'SELECT flowcomm.history()::text',
		'SELECT flowcomm.stats()::text',
		format('SELECT flowcomm.template_get(%L)::text', ids.tpl),
		format('SELECT flowcomm.template_update(%L, ''{"name": "x"}'')::text', ids.tpl),
		format('SELECT flowcomm.template_delete(%L)::text', ids.tpl),
		'SELECT flowcomm.template_list()::text',
		'SELECT flowcomm.template_preview(''{"templateCode": "a_only", "channel": "sms"}'')::text',
		'SELECT flowcomm.preferences_get(''customer'', ''c0000000-0000-0000-0000-0000000005a1'')::text',
		'SELECT flowcomm.suppressions()::text',
		format('SELECT flowcomm.suppression_lift(%L, ''x'')::text', ids.sup),
		format('SELECT api.communication(%L)::text', ids.msg),
		'SELECT api.communications()::text',
		'SELECT (SELECT string_agg(t::text, '','') FROM flowcomm.template_catalog t)',
		'SELECT (SELECT string_agg(t::text, '','') FROM flowcomm.recent_failures t)',
		'SELECT (SELECT string_agg(t::text, '','') FROM flowcomm.dead_letters t)'];
	EXECUTE format('SET LOCAL ROLE %I', role);
	IF claims_mode THEN
		PERFORM set_config('flowcomm.business_id', '', true);
		PERFORM set_config('request.jwt.claims', json_build_object('role', role, 'business_id', 'b0000000-0000-0000-0000-0000000005b2')::text, true);
	ELSE
		PERFORM set_config('flowcomm.business_id', 'b0000000-0000-0000-0000-0000000005b2', true);
	END IF;
	FOREACH c IN ARRAY calls
	LOOP
		BEGIN
			EXECUTE c INTO res;
			IF res LIKE '%for A%' OR res LIKE '%secret template of A%' OR res LIKE '%a@example.com%'
			   OR res LIKE '%x@example.com%' OR res LIKE '%tok-of-A%' OR res LIKE '%+14155550555%'
			   OR res LIKE '%"smsEnabled": false%' THEN
				out := out || c;
			END IF;
		EXCEPTION WHEN insufficient_privilege OR no_data_found OR invalid_parameter_value THEN
			NULL;	-- refused or not found: nothing leaked
		END;
	END LOOP;
	RESET ROLE;
	PERFORM set_config('request.jwt.claims', '', true);
	RETURN out;
END
$$;
SELECT is(pg_temp.api_probe(r, m), '{}'::text[], r || CASE WHEN m THEN ' (PostgREST claims)' ELSE ' (backend setting)' END || ': no API function returns or changes another business''s data')
  FROM unnest(ARRAY['flowcomm_viewer', 'flowcomm_sender', 'flowcomm_admin']) r, unnest(ARRAY[false, true]) m;
SELECT is((SELECT count(*)::int FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000005a1' AND status = 'queued'), 1,
	'A''s message was not cancelled through B');
SELECT is((SELECT name FROM flowcomm.communication_template WHERE business_id = 'b0000000-0000-0000-0000-0000000005a1'), 'A',
	'A''s template was not changed through B');

-- Secrets: no flowcomm role can read provider secrets or signing keys, directly or through the API.
SELECT ok(NOT has_column_privilege(r, 'flowcomm.provider_account', c, 'SELECT'), r || ' cannot read provider_account.' || c)
  FROM unnest(ARRAY['flowcomm_viewer', 'flowcomm_sender', 'flowcomm_admin', 'flowcomm_anon', 'flowcomm_authenticator']) r,
	   unnest(ARRAY['twilio_auth_token', 'sendgrid_api_key']) c;
SELECT ok(NOT has_table_privilege(r, t, 'SELECT'), r || ' cannot read ' || t)
  FROM unnest(ARRAY['flowcomm_viewer', 'flowcomm_admin', 'flowcomm_platform_admin', 'flowcomm_anon']) r,
	   unnest(ARRAY['flowcomm.signing_key', 'flowcomm.default_provider_account']) t
 WHERE NOT (r = 'flowcomm_platform_admin' AND t = 'flowcomm.default_provider_account');
SELECT is((SELECT count(*)::int FROM pg_proc p
			WHERE p.pronamespace IN ('flowcomm'::regnamespace, 'api'::regnamespace)
			  AND p.prorettype IN ('text'::regtype, 'bytea'::regtype, 'jsonb'::regtype)
			  AND pg_get_functiondef(p.oid) ~* 'select\s+[a-z_.]*\s*(twilio_auth_token|sendgrid_api_key|secret)\s*(,|from|into)'),
		  0, 'no function selects a secret column into its result');

-- Hostile objects in public never run inside SECURITY DEFINER code.
CREATE TABLE public.pwned (what text);
GRANT INSERT ON public.pwned TO PUBLIC;
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.pwned VALUES ('lower'); RETURN $1; END $$;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.pwned VALUES ('now'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.require_business() RETURNS uuid LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.pwned VALUES ('require_business'); RETURN 'b0000000-0000-0000-0000-0000000005a1'; END $$;
CREATE FUNCTION public.jsonb_build_object(VARIADIC text[]) RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.pwned VALUES ('jsonb_build_object'); RETURN '{}'; END $$;
CREATE FUNCTION public.check_request(jsonb, text[], text DEFAULT 'x') RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.pwned VALUES ('check_request'); RETURN $1; END $$;
CREATE TABLE public.communication (business_id uuid, id uuid);
SET LOCAL search_path = public, flowcomm, pg_catalog;
SET LOCAL ROLE flowcomm_sender;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000005b2';
SELECT lives_ok($$SELECT flowcomm.send('{"channel": "sms", "type": "invoice", "recipientContact": "+14155550100", "content": "x"}')$$,
	'send works with a hostile search_path');
SELECT lives_ok($$SELECT flowcomm.history()$$, 'history works with a hostile search_path');
SELECT lives_ok($$SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-0000000005b2', '{"preferredEmail": "Q@Example.com"}')$$,
	'preferences work with a hostile search_path');
RESET ROLE;
RESET search_path;
SELECT is((SELECT count(*)::int FROM public.pwned), 0, 'no object planted in public was ever called');
SELECT is((SELECT count(*)::int FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000005b2'), 2,
	'the message went to the real table of the right business');

-- Provider base URLs and other delivery settings are superuser-only.
SET LOCAL ROLE flowcomm_admin;
SELECT throws_ok($$SET flowcomm.twilio_base_url = 'http://10.0.0.1'$$, '55P02', NULL, 'a tenant cannot point the worker at another address (twilio)');
SELECT throws_ok($$SET flowcomm.sendgrid_base_url = 'http://169.254.169.254'$$, '55P02', NULL, 'a tenant cannot point the worker at another address (sendgrid)');
SELECT throws_ok($$SET flowcomm.overdue_source = 'public.evil'$$, '42501', NULL, 'a tenant cannot choose the overdue source');
SELECT throws_ok($$SET flowcomm.sendgrid_webhook_public_key = 'x'$$, '42501', NULL, 'a tenant cannot replace the webhook key');
RESET ROLE;
SELECT ok(NOT has_parameter_privilege('flowcomm_admin', 'flowcomm.twilio_base_url', 'ALTER SYSTEM'), 'nor through ALTER SYSTEM');

-- ---------------------------------------------------------------------
-- Identity: every way a PostgreSQL 15 session can change its effective
-- identity, tried by a role bound to A (fc_ident_a), an unbound role
-- (fc_ident_free), the backend's service role (fc_ident_backend) and
-- PostgREST's login role.  pg_temp.try runs setup and probe as a real
-- session of the role (SET SESSION AUTHORIZATION changes session_user, as a
-- login does), inside a subtransaction that is rolled back afterwards, and
-- returns the probe's first value or the SQLSTATE of its error.
-- 0.2.0 looked only at the role switched to, so every "escape" probe below
-- returned a value there instead of 42501.
CREATE ROLE fc_ident_a LOGIN IN ROLE flowcomm_admin;
CREATE ROLE fc_ident_free LOGIN IN ROLE flowcomm_admin;
CREATE ROLE fc_ident_backend LOGIN IN ROLE flowcomm_service;
CREATE ROLE fc_ident_jwt_a NOLOGIN IN ROLE flowcomm_admin;
GRANT fc_ident_jwt_a TO flowcomm_authenticator;
INSERT INTO flowcomm.tenant_role VALUES ('fc_ident_a', 'b0000000-0000-0000-0000-0000000005a1'),
	('fc_ident_jwt_a', 'b0000000-0000-0000-0000-0000000005a1');
-- Objects owned by others that a tenant could call or read.
CREATE FUNCTION public.ident_definer_su() RETURNS text LANGUAGE sql SECURITY DEFINER AS
	$$ SELECT count(*)::text FROM flowcomm.communication WHERE business_id = flowcomm.current_business_id() $$;
CREATE FUNCTION public.ident_definer_admin() RETURNS text LANGUAGE sql SECURITY DEFINER AS
	$$ SELECT count(*)::text FROM flowcomm.communication $$;
ALTER FUNCTION public.ident_definer_admin() OWNER TO flowcomm_admin;
CREATE FUNCTION public.ident_set_role() RETURNS text LANGUAGE sql SET role = 'flowcomm_sender' AS
	$$ SELECT count(*)::text FROM flowcomm.communication $$;
CREATE VIEW public.ident_view AS SELECT count(*)::text AS n FROM flowcomm.communication;
ALTER VIEW public.ident_view OWNER TO flowcomm_admin;
GRANT SELECT ON public.ident_view TO PUBLIC;
GRANT EXECUTE ON FUNCTION public.ident_definer_su(), public.ident_definer_admin(), public.ident_set_role() TO PUBLIC;

CREATE FUNCTION pg_temp.try(who text, setup text, probe text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	res text;
BEGIN
	BEGIN
		EXECUTE format('SET LOCAL SESSION AUTHORIZATION %I', who);
		PERFORM set_config('flowcomm.business_id', '', true);
		PERFORM set_config('flowcomm.user_id', '', true);
		PERFORM set_config('request.jwt.claims', '', true);
		IF setup <> '' THEN
			EXECUTE setup;
		END IF;
		EXECUTE probe INTO res;
		RAISE EXCEPTION USING ERRCODE = 'P0099', MESSAGE = coalesce(res, '(null)');
	EXCEPTION WHEN OTHERS THEN
		RETURN CASE WHEN SQLSTATE = 'P0099' THEN SQLERRM ELSE SQLSTATE END;
	END;
END
$$;

\set A '''b0000000-0000-0000-0000-0000000005a1'''
\set B '''b0000000-0000-0000-0000-0000000005b2'''
CREATE TEMP TABLE ident_case (n int, who text, setup text, probe text, want text, what text);
INSERT INTO ident_case VALUES
 -- the bound role stays bound, whatever it becomes
 (1, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'A', 'SELECT flowcomm.current_business_id()::text', 'b0000000-0000-0000-0000-0000000005a1', 'bound role acts for its own business'),
 (2, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'B', 'SELECT flowcomm.current_business_id()::text', '42501', 'bound role names another business'),
 (3, 'fc_ident_a', 'SET ROLE flowcomm_admin; SET flowcomm.business_id = ' || :'B', 'SELECT count(*)::text FROM flowcomm.communication', '42501', 'SET ROLE flowcomm_admin then read another business'),
 (4, 'fc_ident_a', 'SET LOCAL ROLE flowcomm_sender; SET LOCAL flowcomm.business_id = ' || :'B', 'SELECT flowcomm.send(''{"channel": "sms", "type": "invoice", "recipientContact": "+14155550100", "content": "x"}'')::text', '42501', 'SET LOCAL ROLE then send as another business'),
 (5, 'fc_ident_a', 'SELECT set_config(''role'', ''flowcomm_sender'', false); SELECT set_config(''flowcomm.business_id'', ' || :'B' || ', false)', 'SELECT flowcomm.history()::text', '42501', 'set_config(role) then history of another business'),
 (6, 'fc_ident_a', 'SET ROLE flowcomm_admin; RESET ROLE; SET flowcomm.business_id = ' || :'B', 'SELECT flowcomm.suppressions()::text', '42501', 'RESET ROLE then suppressions of another business'),
 (7, 'fc_ident_a', 'SET ROLE NONE; SET flowcomm.business_id = ' || :'B', 'SELECT flowcomm.current_business_id()::text', '42501', 'SET ROLE NONE'),
 (8, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'B', 'SELECT public.ident_definer_su()', '42501', 'SECURITY DEFINER function owned by a superuser'),
 (9, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'B', 'SELECT public.ident_definer_admin()', '42501', 'SECURITY DEFINER function owned by flowcomm_admin'),
 (10, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'B', 'SELECT public.ident_set_role()', '42501', 'function with a SET role clause'),
 (11, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'B', 'SELECT n FROM public.ident_view', '42501', 'view owned by flowcomm_admin (owner''s rights)'),
 (12, 'fc_ident_a', 'DO $d$ BEGIN PERFORM set_config(''flowcomm.business_id'', ' || :'B' || ', true); END $d$', 'SELECT flowcomm.current_business_id()::text', '42501', 'SET LOCAL inside a DO block'),
 (13, 'fc_ident_a', 'SELECT set_config(''request.jwt.claims'', ''{"role": "flowcomm_admin", "business_id": "b0000000-0000-0000-0000-0000000005b2"}'', false)', 'SELECT flowcomm.current_business_id()::text', '42501', 'forged JWT claims naming another business'),
 (14, 'fc_ident_a', 'SET ROLE flowcomm_admin; SET flowcomm.business_id = ' || :'B', 'INSERT INTO flowcomm.business_setting (business_id, name) VALUES (' || :'B' || ', ''x'') RETURNING name', '42501', 'write another business''s settings after SET ROLE'),
 (15, 'fc_ident_a', 'SET ROLE flowcomm_admin; SET flowcomm.business_id = ' || :'B', 'SELECT flowcomm.suppression_lift(''00000000-0000-0000-0000-000000000000'', ''x'')::text', '42501', 'lift another business''s suppression after SET ROLE'),
 (16, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'A' || '; SET flowcomm.user_id = ''ceo''', 'SELECT flowcomm.current_actor()', '42501', 'bound role asserts another acting user'),
 (17, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'A', 'SELECT flowcomm.send(''{"channel": "sms", "type": "invoice", "recipientContact": "+14155550100", "content": "x", "createdBy": "SYSTEM_collections"}'') -> ''communication'' ->> ''createdBy''', '22023', 'bound role claims a system actor'),
 (18, 'fc_ident_a', 'SET flowcomm.business_id = ' || :'A', 'SELECT flowcomm.current_actor()', 'fc_ident_a', 'bound role acts as its login role'),
 -- an unbound, untrusted role names no business at all
 (20, 'fc_ident_free', 'SET flowcomm.business_id = ' || :'A', 'SELECT flowcomm.current_business_id()::text', '42501', 'unbound role names a business'),
 (21, 'fc_ident_free', 'SET ROLE flowcomm_sender; SET flowcomm.business_id = ' || :'A', 'SELECT count(*)::text FROM flowcomm.communication', '42501', 'unbound role after SET ROLE'),
 (22, 'fc_ident_free', 'SELECT set_config(''request.jwt.claims'', ''{"business_id": "b0000000-0000-0000-0000-0000000005a1"}'', false)', 'SELECT flowcomm.current_business_id()::text', '42501', 'unbound role forges JWT claims'),
 (23, 'fc_ident_free', '', 'SELECT coalesce(flowcomm.current_business_id()::text, ''none'')', 'none', 'unbound role without a business sees none'),
 -- the backend's service role is trusted, but the setting and the JWT must agree
 (30, 'fc_ident_backend', 'SET flowcomm.business_id = ' || :'B', 'SELECT flowcomm.current_business_id()::text', 'b0000000-0000-0000-0000-0000000005b2', 'service role names any business'),
 (31, 'fc_ident_backend', 'SET flowcomm.business_id = ' || :'B' || '; SELECT set_config(''request.jwt.claims'', ''{"business_id": "b0000000-0000-0000-0000-0000000005a1"}'', false)', 'SELECT flowcomm.current_business_id()::text', '42501', 'setting and JWT claim disagree'),
 (32, 'fc_ident_backend', 'SET flowcomm.business_id = ' || :'B' || '; SET flowcomm.user_id = ''user-42''', 'SELECT flowcomm.current_actor()', 'user-42', 'service role asserts the acting user'),
 -- PostgREST: the verified claim, narrowed by the JWT's role
 (40, 'flowcomm_authenticator', 'SET LOCAL ROLE flowcomm_sender; SELECT set_config(''request.jwt.claims'', ''{"role": "flowcomm_sender", "business_id": "b0000000-0000-0000-0000-0000000005b2", "sub": "u-7"}'', true)', 'SELECT flowcomm.current_business_id()::text || '' '' || flowcomm.current_actor()', 'b0000000-0000-0000-0000-0000000005b2 u-7', 'PostgREST: verified claim and its user'),
 (41, 'flowcomm_authenticator', 'SET LOCAL ROLE flowcomm_sender; SET flowcomm.business_id = ' || :'B', 'SELECT flowcomm.current_business_id()::text', '42501', 'PostgREST login role with the setting but no claim'),
 (42, 'flowcomm_authenticator', 'SET LOCAL ROLE fc_ident_jwt_a; SELECT set_config(''request.jwt.claims'', ''{"role": "fc_ident_jwt_a", "business_id": "b0000000-0000-0000-0000-0000000005b2"}'', true)', 'SELECT flowcomm.current_business_id()::text', '42501', 'PostgREST: a JWT role bound to A claims B'),
 (43, 'flowcomm_authenticator', 'SET LOCAL ROLE flowcomm_sender; SELECT set_config(''request.jwt.claims'', ''{"business_id": "b0000000-0000-0000-0000-0000000005b2", "sub": "u-7"}'', true); SET flowcomm.user_id = ''u-8''', 'SELECT flowcomm.current_actor()', '42501', 'PostgREST: flowcomm.user_id differs from the JWT user'),
 -- a superuser session that switches to a bound role is narrowed too
 (50, 'postgres', 'SET LOCAL ROLE fc_ident_a; SET flowcomm.business_id = ' || :'B', 'SELECT flowcomm.current_business_id()::text', '42501', 'SET ROLE to a bound role narrows even a superuser session');
SELECT is(pg_temp.try(who, setup, probe), want, format('identity %s: %s (%s)', n, what, who)) FROM ident_case ORDER BY n;
-- SET SESSION AUTHORIZATION and set_config('session_authorization') need a
-- superuser login; ALTER ROLE ... SET role and PGOPTIONS -c role= are SET ROLE
-- at login (cases 3-7).  test/t/82_identity_login.sh tries them as real logins.

-- The checklist's role rules (docs/schema.md): no risk for the plain bound roles above; a CREATEROLE role one of
-- them can become is reported (it could GRANT itself flowcomm_service).
SELECT is_empty($$SELECT * FROM flowcomm.tenant_role_risks() WHERE role_name LIKE 'fc\_ident\_%'$$,
	'tenant_role_risks: the bound roles of these tests break no checklist rule');
CREATE ROLE fc_ident_risky NOLOGIN CREATEROLE BYPASSRLS;
GRANT fc_ident_risky TO fc_ident_a;
SELECT results_eq($$SELECT role_name::text COLLATE "default", risk COLLATE "default" FROM flowcomm.tenant_role_risks() WHERE role_name LIKE 'fc\_ident\_%'$$,
	$$VALUES ('fc_ident_a', 'can SET ROLE fc_ident_risky, BYPASSRLS: row-level security does not apply'),
	         ('fc_ident_a', 'can SET ROLE fc_ident_risky, CREATEROLE: can grant itself flowcomm_service or flowcomm_platform_admin')$$,
	'tenant_role_risks: a bound role that can become a CREATEROLE / BYPASSRLS role is reported');

SELECT * FROM finish();
ROLLBACK;
