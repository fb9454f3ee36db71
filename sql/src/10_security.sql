-- 10_security.sql — roles, the current tenant, row-level security, grants.
--
-- Roles map the seed's permissions: flowcomm_viewer (view, viewHistory,
-- viewStats), flowcomm_sender (+ send, preferences), flowcomm_admin (+
-- manageTemplates, dead letters, suppressions, provider accounts of its own
-- business), flowcomm_platform_admin (global data: system templates, default
-- provider account, signing keys).  PostgREST: flowcomm_authenticator logs in
-- and switches to one of them; flowcomm_anon may only call the webhooks.

DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['flowcomm_viewer', 'flowcomm_sender', 'flowcomm_admin',
							 'flowcomm_platform_admin', 'flowcomm_anon', 'flowcomm_webhook']
	LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
			EXECUTE format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowcomm_authenticator') THEN
		CREATE ROLE flowcomm_authenticator LOGIN NOINHERIT;
	END IF;
END
$$;
GRANT flowcomm_viewer TO flowcomm_sender;
GRANT flowcomm_sender TO flowcomm_admin;
GRANT flowcomm_admin TO flowcomm_platform_admin;
GRANT flowcomm_webhook TO flowcomm_anon;
GRANT flowcomm_viewer, flowcomm_sender, flowcomm_admin, flowcomm_anon TO flowcomm_authenticator;

GRANT USAGE ON SCHEMA flowcomm TO flowcomm_viewer, flowcomm_webhook;
-- Functions are granted one by one to the roles above; 99_dump.sql revokes
-- EXECUTE from PUBLIC on everything in the schema at the end of the script.
GRANT EXECUTE ON FUNCTION flowcomm.uuid_v7(), flowcomm.uuid_v7_at(timestamptz) TO flowcomm_viewer, flowcomm_webhook;

-- caller_role: the role a request runs as, even inside SECURITY DEFINER code
-- (where current_user is the owner): SET ROLE's role, else the session user.
CREATE FUNCTION flowcomm.caller_role() RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::name
				ELSE current_setting('role')::name END
$$;
COMMENT ON FUNCTION flowcomm.caller_role() IS 'Role of the caller (SET ROLE target or session user), unaffected by SECURITY DEFINER';

-- current_business_id: the tenant of this transaction, from the
-- flowcomm.business_id setting (backend) or PostgREST's request.jwt.claims.
-- A role bound in tenant_role may only name its own businesses.
CREATE FUNCTION flowcomm.current_business_id() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	v     text := nullif(current_setting('flowcomm.business_id', true), '');
	b     uuid;
	r     name := flowcomm.caller_role();
	claims jsonb;
BEGIN
	IF v IS NULL THEN
		BEGIN
			claims := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
		EXCEPTION WHEN invalid_text_representation THEN
			RAISE EXCEPTION 'request.jwt.claims is not valid JSON' USING ERRCODE = 'invalid_parameter_value';
		END;
		v := claims ->> 'business_id';
	END IF;
	IF v IS NULL THEN
		RETURN NULL;
	END IF;
	BEGIN
		b := v::uuid;
	EXCEPTION WHEN invalid_text_representation THEN
		RAISE EXCEPTION 'business_id "%" is not a valid uuid', left(v, 64)
			USING ERRCODE = 'invalid_parameter_value';
	END;
	IF EXISTS (SELECT 1 FROM flowcomm.tenant_role t WHERE t.role_name = r)
	   AND NOT EXISTS (SELECT 1 FROM flowcomm.tenant_role t WHERE t.role_name = r AND t.business_id = b) THEN
		RAISE EXCEPTION 'role "%" may not act for business %', r, b
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN b;
END
$$;
COMMENT ON FUNCTION flowcomm.current_business_id() IS 'Tenant of the current transaction: setting flowcomm.business_id, else request.jwt.claims.business_id; NULL when unset';

CREATE FUNCTION flowcomm.require_business() RETURNS uuid
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := flowcomm.current_business_id();
BEGIN
	IF b IS NULL THEN
		RAISE EXCEPTION 'no business selected'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'SET flowcomm.business_id = ''<uuid>'' for the transaction, or pass a business_id claim in request.jwt.claims';
	END IF;
	RETURN b;
END
$$;
COMMENT ON FUNCTION flowcomm.require_business() IS 'current_business_id(), or an insufficient_privilege error when none is set';

-- current_actor: who is acting, for created_by columns.
CREATE FUNCTION flowcomm.current_actor() RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(nullif(current_setting('flowcomm.user_id', true), ''),
					nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'user_id',
					nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub',
					flowcomm.caller_role()::text)
$$;
COMMENT ON FUNCTION flowcomm.current_actor() IS 'Acting user: setting flowcomm.user_id, else the JWT user_id/sub claim, else the role name';

GRANT EXECUTE ON FUNCTION flowcomm.caller_role(), flowcomm.current_business_id(), flowcomm.require_business(),
	flowcomm.current_actor() TO flowcomm_viewer, flowcomm_webhook;

-- Row-level security on every tenant table.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['communication', 'communication_queue', 'communication_event',
							 'communication_attachment', 'communication_preference', 'suppression',
							 'provider_account', 'business_setting', 'communication_template']
	LOOP
		EXECUTE format('ALTER TABLE flowcomm.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY tenant_isolation ON flowcomm.%I USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()))', t);
	END LOOP;
END
$$;

-- Reads: viewers see their business's history, queue, preferences, templates.
GRANT SELECT ON flowcomm.communication, flowcomm.communication_queue, flowcomm.communication_event,
	flowcomm.communication_attachment, flowcomm.communication_preference, flowcomm.suppression,
	flowcomm.business_setting, flowcomm.communication_template, flowcomm.system_template
	TO flowcomm_viewer;
-- Provider accounts: never the secret columns.
GRANT SELECT (business_id, provider, from_email, from_name, twilio_account_sid, sms_from, whatsapp_from,
	messenger_page_id, messaging_service_sid, rate_limits, enabled, created_at, updated_at)
	ON flowcomm.provider_account TO flowcomm_admin;
-- Writes go through the API functions (SECURITY DEFINER, tenant-checked);
-- admins may also edit their business settings directly, under RLS.
GRANT INSERT, UPDATE ON flowcomm.business_setting TO flowcomm_admin;
-- Global data: platform admins only; tenant admins read system templates.
GRANT INSERT, UPDATE, DELETE ON flowcomm.system_template TO flowcomm_platform_admin;
REVOKE ALL ON flowcomm.default_provider_account, flowcomm.signing_key, flowcomm.tenant_role FROM PUBLIC;
