-- 12_role_audit.sql — the deployment checklist's role rules, checked
-- (docs/schema.md, Security).  A tenant's binding holds only while the roles
-- it can be are plain: a superuser or BYPASSRLS role is not subject to row
-- level security, a CREATEROLE role can GRANT itself flowcomm_service or
-- flowcomm_platform_admin (PostgreSQL 15 lets CREATEROLE grant any
-- non-superuser role), and an owner of flowcomm objects can change them.
-- Nothing in the extension can forbid those attributes (ALTER ROLE is the
-- cluster's), so this lists them for the platform admin and for monitoring.

-- tenant_role_risks: every role bound in tenant_role, or a member of a bound
-- role (a login is bound through its groups), with each way it, or a role it
-- can SET ROLE to, breaks the checklist; no rows when the deployment is clean.
CREATE FUNCTION flowcomm.tenant_role_risks()
RETURNS TABLE (role_name name, risk text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	WITH RECURSIVE bound(oid) AS (
		SELECT r.oid FROM pg_roles r JOIN flowcomm.tenant_role t ON t.role_name = r.rolname
		UNION
		SELECT a.member FROM pg_auth_members a JOIN bound b ON a.roleid = b.oid
	), can_be(login, oid) AS (
		SELECT oid, oid FROM bound
		UNION
		SELECT c.login, a.roleid FROM pg_auth_members a JOIN can_be c ON a.member = c.oid
	), found AS (
		SELECT c.login, r.rolname AS via, x.risk
		  FROM can_be c JOIN pg_roles r ON r.oid = c.oid
		 CROSS JOIN LATERAL (VALUES
			 (CASE WHEN r.rolsuper THEN 'SUPERUSER: no row-level security, no binding holds' END),
			 (CASE WHEN r.rolcreaterole THEN 'CREATEROLE: can grant itself flowcomm_service or flowcomm_platform_admin' END),
			 (CASE WHEN r.rolbypassrls THEN 'BYPASSRLS: row-level security does not apply' END),
			 (CASE WHEN r.rolname IN ('flowcomm_service', 'flowcomm_platform_admin')
				   THEN format('member of %s: a platform role', r.rolname) END),
			 (CASE WHEN EXISTS (SELECT 1 FROM pg_class k WHERE k.relnamespace = 'flowcomm'::regnamespace
									AND k.relowner = r.oid)
					 OR EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'flowcomm'::regnamespace
									AND p.proowner = r.oid)
				   THEN 'owns flowcomm objects' END)) x(risk)
		 WHERE x.risk IS NOT NULL
	)
	SELECT l.rolname, CASE WHEN f.login = (SELECT oid FROM pg_roles WHERE rolname = f.via) THEN f.risk
						   ELSE format('can SET ROLE %s, %s', f.via, f.risk) END
	  FROM found f JOIN pg_roles l ON l.oid = f.login
	 ORDER BY 1, 2
$$;
COMMENT ON FUNCTION flowcomm.tenant_role_risks() IS 'Platform admin: roles bound in tenant_role (or members of one) that are, or can SET ROLE to, a superuser, CREATEROLE or BYPASSRLS role, a platform role or an owner of flowcomm objects; none when the deployment checklist holds';
REVOKE ALL ON FUNCTION flowcomm.tenant_role_risks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.tenant_role_risks() TO flowcomm_platform_admin;
