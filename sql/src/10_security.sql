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

-- Identity and trust.  The business a session may act for is decided by
-- who the session really is, never by a role it switched to:
--   * session_user (changed only by SET SESSION AUTHORIZATION, which is
--     superuser-only) and every role it is a member of (can SET ROLE to)
--     give the session's bindings in tenant_role;
--   * the role it switched to (SET ROLE, set_config('role'), a function's
--     SET role clause, PostgREST's JWT role) may only narrow them;
--   * SECURITY DEFINER code, views and RESET change neither.
-- A session that is not bound may name a business only when it is trusted:
-- a superuser, the backend's service role (members of flowcomm_service), or
-- PostgREST's login role (members of flowcomm_authenticator) through the
-- JWT claim business_id that PostgREST verified.  docs/schema.md, Security.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowcomm_service') THEN
		CREATE ROLE flowcomm_service NOLOGIN;
	END IF;
END
$$;
GRANT flowcomm_admin TO flowcomm_service;

-- caller_role: the role a request runs as, even inside SECURITY DEFINER code
-- (where current_user is the owner): SET ROLE's role, else the session user.
-- A privilege, never a tenant identity (see session_trust).
CREATE FUNCTION flowcomm.caller_role() RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::name
				ELSE current_setting('role')::name END
$$;
COMMENT ON FUNCTION flowcomm.caller_role() IS 'Role of the caller (SET ROLE target or session user), unaffected by SECURITY DEFINER; grants privileges, never a tenant';

-- role_bindings: the businesses bound (tenant_role) to a role or to any role
-- it is a member of, directly or through other roles; NULL when none.
-- Memberships are followed whatever their INHERIT flag: a member can SET ROLE.
-- PL/pgSQL, not SQL: a SQL function with SET clauses is never inlined and
-- plans its query on every call; PL/pgSQL keeps the plan for the backend.
CREATE FUNCTION flowcomm.role_bindings(r name) RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	RETURN (
		WITH RECURSIVE m(oid) AS (
			SELECT oid FROM pg_roles WHERE rolname = r
			UNION
			SELECT a.roleid FROM pg_auth_members a JOIN m ON a.member = m.oid)
		SELECT array_agg(DISTINCT t.business_id ORDER BY t.business_id)
		  FROM m JOIN pg_roles ro ON ro.oid = m.oid
		  JOIN flowcomm.tenant_role t ON t.role_name = ro.rolname);
END
$$;
COMMENT ON FUNCTION flowcomm.role_bindings(name) IS 'Internal: businesses bound in tenant_role to a role or any role it is a member of (NULL when none)';

-- session_trust: what the real session (session_user) may assert.
--   superuser  anything (it could bypass row-level security anyway)
--   postgrest  a member of flowcomm_authenticator: the business and the
--              acting user only through the JWT claims PostgREST verified
--   bound      a member of a role in tenant_role: only its bound businesses
--   service    a member of flowcomm_service: any business, any acting user
--   untrusted  none: may not name a business at all
-- PL/pgSQL for its cached plan: as a SQL function it was planned twice per
-- send (current_business_id, current_actor), 0.11 ms each.
CREATE FUNCTION flowcomm.session_trust() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	RETURN CASE WHEN (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user) THEN 'superuser'
				WHEN pg_has_role(session_user, 'flowcomm_authenticator', 'MEMBER') THEN 'postgrest'
				WHEN flowcomm.role_bindings(session_user) IS NOT NULL THEN 'bound'
				WHEN pg_has_role(session_user, 'flowcomm_service', 'MEMBER') THEN 'service'
				ELSE 'untrusted' END;
END
$$;
COMMENT ON FUNCTION flowcomm.session_trust() IS 'Trust of the real session (session_user): superuser, postgrest, bound, service or untrusted; no SET ROLE changes it';

-- jwt_claims: PostgREST's request.jwt.claims as jsonb (NULL when unset).
CREATE FUNCTION flowcomm.jwt_claims() RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	RETURN nullif(current_setting('request.jwt.claims', true), '')::jsonb;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE EXCEPTION 'request.jwt.claims is not valid JSON' USING ERRCODE = 'invalid_parameter_value';
END
$$;
COMMENT ON FUNCTION flowcomm.jwt_claims() IS 'Internal: request.jwt.claims as jsonb, NULL when unset; an error when it is not JSON';

-- business_uuid: a business id given as text, or a clear error.
CREATE FUNCTION flowcomm.business_uuid(v text, source text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	RETURN v::uuid;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE EXCEPTION 'business_id "%" is not a valid uuid', left(v, 64)
		USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Given by %s.', source);
END
$$;
COMMENT ON FUNCTION flowcomm.business_uuid(text, text) IS 'Internal: a business id from a setting or claim as uuid; invalid_parameter_value naming the source otherwise';

-- current_business_id: the tenant of this transaction, from the
-- flowcomm.business_id setting (backend) or PostgREST's request.jwt.claims;
-- both may be given only when they agree.  Refused (insufficient_privilege)
-- unless the real session may act for that business (see above).
CREATE FUNCTION flowcomm.current_business_id() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	s      uuid := business_uuid(nullif(current_setting('flowcomm.business_id', true), ''), 'flowcomm.business_id');
	j      uuid := business_uuid(jwt_claims() ->> 'business_id', 'JWT claim business_id');
	b      uuid := coalesce(s, j);
	trust  text;
	r      text := current_setting('role');
	narrow uuid[];
BEGIN
	IF s IS NOT NULL AND j IS NOT NULL AND s <> j THEN
		RAISE EXCEPTION 'flowcomm.business_id % and the JWT claim business_id % disagree', s, j
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Name the business once: the setting (backend) or the JWT claim (PostgREST).';
	END IF;
	IF b IS NULL THEN
		RETURN NULL;
	END IF;
	trust := session_trust();
	IF trust = 'untrusted' THEN
		RAISE EXCEPTION 'role "%" may not name a business: it is not bound in flowcomm.tenant_role and not trusted', session_user
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Bind the login role to its business (INSERT INTO flowcomm.tenant_role), or GRANT flowcomm_service to the backend''s login role.';
	ELSIF trust = 'postgrest' AND j IS NULL THEN
		RAISE EXCEPTION 'PostgREST''s login role names a business only through the JWT claim business_id'
			USING ERRCODE = 'insufficient_privilege';
	ELSIF trust = 'bound' AND NOT b = ANY (role_bindings(session_user)) THEN
		RAISE EXCEPTION 'role "%" may not act for business %', session_user, b
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The session''s login role is bound to other businesses in flowcomm.tenant_role; SET ROLE cannot change that.';
	END IF;
	-- The role switched to narrows the session's businesses, never widens them.
	IF r <> 'none' THEN
		narrow := role_bindings(r::name);
		IF narrow IS NOT NULL AND NOT b = ANY (narrow) THEN
			RAISE EXCEPTION 'role "%" may not act for business %', r, b
				USING ERRCODE = 'insufficient_privilege';
		END IF;
	END IF;
	RETURN b;
END
$$;
COMMENT ON FUNCTION flowcomm.current_business_id() IS 'Tenant of the current transaction: setting flowcomm.business_id and/or the JWT claim business_id (must agree), allowed by the real session''s bindings or trust; NULL when unset';

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

-- actor_trusted: whether the session may assert an acting user other than
-- itself (flowcomm.user_id, the JWT's user_id/sub, createdBy SYSTEM_*).
CREATE FUNCTION flowcomm.actor_trusted() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT session_trust() IN ('superuser', 'service', 'postgrest')
$$;
COMMENT ON FUNCTION flowcomm.actor_trusted() IS 'True when the real session may assert an acting user: superuser, service role, PostgREST';

-- current_actor: who is acting, for created_by columns.  Trusted sessions
-- assert it (flowcomm.user_id for the backend, the verified JWT for
-- PostgREST); any other session acts as its login role and may not claim
-- to be someone else.
CREATE FUNCTION flowcomm.current_actor() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	u     text := nullif(current_setting('flowcomm.user_id', true), '');
	c     jsonb := jwt_claims();
	ju    text := coalesce(c ->> 'user_id', c ->> 'sub');
	trust text := session_trust();
BEGIN
	IF trust IN ('superuser', 'service') THEN
		RETURN coalesce(u, ju, caller_role()::text);
	ELSIF trust = 'postgrest' THEN
		IF u IS NOT NULL AND u IS DISTINCT FROM ju THEN
			RAISE EXCEPTION 'flowcomm.user_id "%" is not the JWT''s user', left(u, 100)
				USING ERRCODE = 'insufficient_privilege';
		END IF;
		RETURN coalesce(ju, caller_role()::text);
	END IF;
	IF u IS DISTINCT FROM NULL AND u <> session_user OR ju IS DISTINCT FROM NULL AND ju <> session_user THEN
		RAISE EXCEPTION 'role "%" may not assert another acting user', session_user
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'flowcomm.user_id and the JWT user_id/sub are trusted only from the service role (flowcomm_service) and PostgREST.';
	END IF;
	RETURN session_user::text;
END
$$;
COMMENT ON FUNCTION flowcomm.current_actor() IS 'Acting user: asserted by trusted sessions (flowcomm.user_id, else the JWT user_id/sub, else the role name); any other session is its login role';

-- session_identity: what the current session may do, for diagnostics.
CREATE FUNCTION flowcomm.session_identity() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT jsonb_build_object('sessionUser', session_user, 'role', current_setting('role'),
							  'trust', session_trust(),
							  'boundBusinesses', to_jsonb(role_bindings(session_user)))
$$;
COMMENT ON FUNCTION flowcomm.session_identity() IS 'The real session user, the role switched to, its trust and its bound businesses (docs/schema.md, Security)';

GRANT EXECUTE ON FUNCTION flowcomm.caller_role(), flowcomm.current_business_id(), flowcomm.require_business(),
	flowcomm.current_actor(), flowcomm.session_identity(), flowcomm.actor_trusted() TO flowcomm_viewer, flowcomm_webhook;

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
