-- 99_dump.sql — pg_dump keeps every user-data table of flowcomm.
--
-- Extension member tables are skipped by pg_dump unless registered here.
-- Shipped system templates are re-created by CREATE EXTENSION on restore, so
-- only the ones added by a platform admin are dumped.  (One call per
-- statement: each call rewrites the pg_extension row.)

DO $$
DECLARE
	t regclass;
BEGIN
	FOR t IN SELECT c.oid FROM pg_class c
			  WHERE c.relnamespace = 'flowcomm'::regnamespace AND c.relkind = 'r' AND c.relname <> 'system_template'
				-- monitor_* hold derived counts and rollups (90_monitoring.sql): rebuilt, never dumped
				AND c.relname NOT LIKE 'monitor\_%'
			  ORDER BY c.relname
	LOOP
		PERFORM pg_catalog.pg_extension_config_dump(t, '');
	END LOOP;
	PERFORM pg_catalog.pg_extension_config_dump('flowcomm.system_template'::regclass, 'WHERE NOT shipped');
END
$$;

-- Least privilege: nothing in the schema is executable by PUBLIC; each
-- function was granted above to the roles that hold its permission.  Pure
-- helpers (validation, rendering) are granted to every flowcomm role.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA flowcomm FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA api FROM PUBLIC;
DO $$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN SELECT p.oid FROM pg_proc p
			  WHERE p.pronamespace = 'flowcomm'::regnamespace
				AND p.proname IN ('render', 'template_check', 'template_variables', 'html_to_text')
	LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO flowcomm_viewer, flowcomm_webhook', f);
	END LOOP;
END
$$;
