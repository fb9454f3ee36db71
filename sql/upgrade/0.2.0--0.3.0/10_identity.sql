-- 10_identity: the business a session may act for is decided by the real
-- session (session_user and its memberships), never by the role it switched
-- to; unbound roles are trusted only as the backend's service role
-- (flowcomm_service) or PostgREST's login role; the setting and the JWT
-- claim must agree; only trusted sessions assert an acting user.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowcomm_service') THEN
		CREATE ROLE flowcomm_service NOLOGIN;
	END IF;
END
$$;
GRANT flowcomm_admin TO flowcomm_service;

--@function flowcomm.caller_role
COMMENT ON FUNCTION flowcomm.caller_role() IS 'Role of the caller (SET ROLE target or session user), unaffected by SECURITY DEFINER; grants privileges, never a tenant';
--@function flowcomm.role_bindings
COMMENT ON FUNCTION flowcomm.role_bindings(name) IS 'Internal: businesses bound in tenant_role to a role or any role it is a member of (NULL when none)';
--@function flowcomm.session_trust
COMMENT ON FUNCTION flowcomm.session_trust() IS 'Trust of the real session (session_user): superuser, postgrest, bound, service or untrusted; no SET ROLE changes it';
--@function flowcomm.jwt_claims
COMMENT ON FUNCTION flowcomm.jwt_claims() IS 'Internal: request.jwt.claims as jsonb, NULL when unset; an error when it is not JSON';
--@function flowcomm.business_uuid
COMMENT ON FUNCTION flowcomm.business_uuid(text, text) IS 'Internal: a business id from a setting or claim as uuid; invalid_parameter_value naming the source otherwise';
--@function flowcomm.current_business_id
COMMENT ON FUNCTION flowcomm.current_business_id() IS 'Tenant of the current transaction: setting flowcomm.business_id and/or the JWT claim business_id (must agree), allowed by the real session''s bindings or trust; NULL when unset';
--@function flowcomm.actor_trusted
COMMENT ON FUNCTION flowcomm.actor_trusted() IS 'True when the real session may assert an acting user: superuser, service role, PostgREST';
--@function flowcomm.current_actor
COMMENT ON FUNCTION flowcomm.current_actor() IS 'Acting user: asserted by trusted sessions (flowcomm.user_id, else the JWT user_id/sub, else the role name); any other session is its login role';
--@function flowcomm.session_identity
COMMENT ON FUNCTION flowcomm.session_identity() IS 'The real session user, the role switched to, its trust and its bound businesses (docs/schema.md, Security)';
--@function flowcomm.build_message

REVOKE EXECUTE ON FUNCTION flowcomm.role_bindings(name), flowcomm.session_trust(), flowcomm.jwt_claims(),
	flowcomm.business_uuid(text, text), flowcomm.actor_trusted(), flowcomm.session_identity() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.session_identity(), flowcomm.actor_trusted() TO flowcomm_viewer, flowcomm_webhook;
