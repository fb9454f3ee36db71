-- 65_perf.sql — issue 18, the `send` hot path: functions the profile showed
-- planned on every call (pg_stat_user_functions, track_functions = all)
-- now keep their plan or are inlined.  session_trust and role_bindings are
-- pulled by 10_identity.sql (their 0.3.0 definitions are PL/pgSQL now).
--@function flowcomm.uuid_v7_at

-- render_for_send in C with a per-backend template cache (src/send_template.c),
-- invalidated by statement triggers (sql/src/36_template_cache.sql).
--@function flowcomm.render_for_send
CREATE FUNCTION flowcomm.template_cache_invalidate() RETURNS trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'flowcomm_template_cache_invalidate';
COMMENT ON FUNCTION flowcomm.template_cache_invalidate() IS 'Trigger: drop every backend''s cache of resolved templates (render_for_send) when a table template resolution reads changes';
REVOKE ALL ON FUNCTION flowcomm.template_cache_invalidate() FROM PUBLIC;
CREATE TRIGGER template_cache_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON flowcomm.communication_template
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.template_cache_invalidate();
CREATE TRIGGER template_cache_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON flowcomm.system_template
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.template_cache_invalidate();
CREATE TRIGGER template_cache_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON flowcomm.business_setting
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.template_cache_invalidate();
COMMENT ON TRIGGER template_cache_invalidate ON flowcomm.communication_template IS 'Drops the template caches of render_for_send';
COMMENT ON TRIGGER template_cache_invalidate ON flowcomm.system_template IS 'Drops the template caches of render_for_send';
COMMENT ON TRIGGER template_cache_invalidate ON flowcomm.business_setting IS 'Drops the template caches of render_for_send (default_locale is part of the locale chain)';
