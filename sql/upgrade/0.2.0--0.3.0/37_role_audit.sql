-- 37_role_audit.sql — issue 16: the deployment checklist's role rules
-- checked by flowcomm.tenant_role_risks() (sql/src/12_role_audit.sql).

--@function flowcomm.tenant_role_risks
COMMENT ON FUNCTION flowcomm.tenant_role_risks() IS 'Platform admin: roles bound in tenant_role (or members of one) that are, or can SET ROLE to, a superuser, CREATEROLE or BYPASSRLS role, a platform role or an owner of flowcomm objects; none when the deployment checklist holds';
REVOKE ALL ON FUNCTION flowcomm.tenant_role_risks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.tenant_role_risks() TO flowcomm_platform_admin;
