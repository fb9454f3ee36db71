-- 30_render.sql — the template engine's SQL entry points (C, src/template_sql.c).
--
-- Templates are Handlebars/mustache (docs/templates.md).  Compile errors and
-- bad arguments raise 22023 (invalid_parameter_value) with the position in
-- DETAIL; the safety limits (flowcomm.template_max_* settings) raise 54000
-- (program_limit_exceeded).  Compiled templates are cached per backend by
-- their text.  STABLE rather than IMMUTABLE: the date helper reads the time
-- zone database.  Execute rights are granted in 99_dump.sql.

CREATE FUNCTION flowcomm.render(template text, variables jsonb, partials jsonb DEFAULT '{}',
								escape text DEFAULT 'html', strict boolean DEFAULT false,
								locale text DEFAULT NULL)
RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'flowcomm_render';
COMMENT ON FUNCTION flowcomm.render(text, jsonb, jsonb, text, boolean, text) IS
'Render a Handlebars/mustache template with JSON variables (NULL = {}); partials is an object of template strings; '
'escape html (default, e-mail) or none (SMS/chat: no escaping, control characters dropped); strict raises 22023 '
'for a referenced top-level variable missing from variables; locale is the default of the currency/date helpers (en-US)';

CREATE FUNCTION flowcomm.template_check(template text)
RETURNS void
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'flowcomm_template_check';
COMMENT ON FUNCTION flowcomm.template_check(text) IS
'Compile a template and raise its first error (22023, or 54000 for a limit) with line and column; returns nothing when it is valid';

CREATE FUNCTION flowcomm.template_variables(template text)
RETURNS text[]
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'flowcomm_template_variables';
COMMENT ON FUNCTION flowcomm.template_variables(text) IS
'Top-level variable names a template references, in order of first use: names outside sections that change the context '
'(#section, #each, #with), section names, and path arguments of helpers; not this, @data or names inside partials';

CREATE FUNCTION flowcomm.html_to_text(html text)
RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'flowcomm_html_to_text';
COMMENT ON FUNCTION flowcomm.html_to_text(text) IS
'Plain-text alternative of an HTML e-mail: tags, scripts and styles dropped, block ends as line breaks, list items as "- ", '
'links as "text (url)", entities decoded, whitespace collapsed';
