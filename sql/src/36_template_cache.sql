-- 36_template_cache.sql — invalidation of the per-backend template cache of
-- render_for_send (src/send_template.c).
--
-- A template resolution reads communication_template, system_template and
-- business_setting (default_locale, through locale_chain).  Any change of
-- those tables sends a relcache invalidation of the changed table: every
-- backend empties its cache at its next transaction (the changing backend
-- at its next command), and a rolled-back change replays it locally.  Data
-- changes alone send none, hence these statement triggers.
CREATE FUNCTION flowcomm.template_cache_invalidate() RETURNS trigger
LANGUAGE C AS 'MODULE_PATHNAME', 'flowcomm_template_cache_invalidate';
COMMENT ON FUNCTION flowcomm.template_cache_invalidate() IS 'Trigger: drop every backend''s cache of resolved templates (render_for_send) when a table template resolution reads changes';

CREATE TRIGGER template_cache_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON flowcomm.communication_template
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.template_cache_invalidate();
CREATE TRIGGER template_cache_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON flowcomm.system_template
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.template_cache_invalidate();
CREATE TRIGGER template_cache_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON flowcomm.business_setting
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.template_cache_invalidate();
COMMENT ON TRIGGER template_cache_invalidate ON flowcomm.communication_template IS 'Drops the template caches of render_for_send';
COMMENT ON TRIGGER template_cache_invalidate ON flowcomm.system_template IS 'Drops the template caches of render_for_send';
COMMENT ON TRIGGER template_cache_invalidate ON flowcomm.business_setting IS 'Drops the template caches of render_for_send (default_locale is part of the locale chain)';
