-- 35_templates.sql — template management (seed 4.2, 7) and resolution for sending.
--
-- Resolution order for a code and channel (docs/templates.md): for each
-- locale candidate — the requested locale (es-MX), its language (es), the
-- business default locale, then en — the business's own active template
-- first, then the system template.  Partials ({{> partial_header}}) resolve
-- the same way among templates whose code starts with "partial_".

-- locale_chain: ordered locale candidates for a request.  PL/pgSQL, not
-- SQL: a SQL function with a SET clause is never inlined and re-plans its
-- query on every call (0.28 ms per send); PL/pgSQL keeps the plan.
CREATE FUNCTION flowcomm.locale_chain(b uuid, p_locale text) RETURNS text[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	l text := replace(p_locale, '_', '-');
	chain text[] := '{}';
	c text;
BEGIN
	FOREACH c IN ARRAY ARRAY[l, split_part(l, '-', 1),
							 (SELECT s.default_locale FROM business_setting s WHERE s.business_id = b), 'en']
	LOOP
		IF c IS NOT NULL AND c <> '' AND NOT c = ANY (chain) THEN
			chain := chain || c;
		END IF;
	END LOOP;
	RETURN chain;
END
$$;
COMMENT ON FUNCTION flowcomm.locale_chain(uuid, text) IS 'Locale fallback chain: es-MX, es, business default, en';

-- template_catalog: business and system templates the current business can use.
CREATE VIEW flowcomm.template_catalog WITH (security_barrier) AS
	SELECT t.id, t.business_id, false AS is_system, t.name, t.code, t.description, t.channel, t.type, t.locale,
		   t.subject_template, t.body_template, t.available_variables, t.is_active, t.created_at, t.updated_at
	  FROM flowcomm.communication_template t
	 WHERE t.business_id = (SELECT flowcomm.current_business_id())
	UNION ALL
	SELECT s.id, NULL, true, s.name, s.code, s.description, s.channel, s.type, s.locale,
		   s.subject_template, s.body_template, s.available_variables, s.is_active, s.created_at, s.updated_at
	  FROM flowcomm.system_template s;
COMMENT ON VIEW flowcomm.template_catalog IS 'Templates usable by the current business: its own and the system ones (is_system)';
GRANT SELECT ON flowcomm.template_catalog TO flowcomm_viewer;

-- resolve_template: the template to use for a business, by id or code.
CREATE FUNCTION flowcomm.resolve_template(b uuid, p_channel flowcomm.channel, p_id uuid, p_code text, p_locale text)
RETURNS TABLE (id uuid, is_system boolean, code text, locale text, type flowcomm.communication_type,
			   subject_template text, body_template text, available_variables text[], channel flowcomm.channel)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
#variable_conflict use_column
BEGIN
	IF p_id IS NOT NULL THEN
		RETURN QUERY
			SELECT t.id, false, t.code, t.locale, t.type, t.subject_template, t.body_template, t.available_variables, t.channel
			  FROM communication_template t WHERE t.business_id = b AND t.id = p_id AND t.is_active
			UNION ALL
			SELECT s.id, true, s.code, s.locale, s.type, s.subject_template, s.body_template, s.available_variables, s.channel
			  FROM system_template s WHERE s.id = p_id AND s.is_active;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'template % not found', p_id USING ERRCODE = 'no_data_found',
				HINT = 'it may be inactive or belong to another business';
		END IF;
		RETURN;
	END IF;
	RETURN QUERY
		SELECT x.id, x.is_system, x.code, x.locale, x.type, x.subject_template, x.body_template, x.available_variables,
			   p_channel
		  FROM unnest(locale_chain(b, p_locale)) WITH ORDINALITY AS l(loc, o)
		  CROSS JOIN LATERAL (
			SELECT t.id, false AS is_system, t.code, t.locale, t.type, t.subject_template, t.body_template,
				   t.available_variables, 0 AS rank
			  FROM communication_template t
			 WHERE t.business_id = b AND t.code = p_code AND t.channel = p_channel AND t.locale = l.loc AND t.is_active
			UNION ALL
			SELECT s.id, true, s.code, s.locale, s.type, s.subject_template, s.body_template, s.available_variables, 1
			  FROM system_template s
			 WHERE s.code = p_code AND s.channel = p_channel AND s.locale = l.loc AND s.is_active) x
		 ORDER BY l.o, x.rank
		 LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no active template "%" for channel %', p_code, p_channel USING ERRCODE = 'no_data_found';
	END IF;
END
$$;
COMMENT ON FUNCTION flowcomm.resolve_template(uuid, flowcomm.channel, uuid, text, text) IS 'Template for a business by id, or by code and channel through the locale chain (business before system per locale)';

-- template_partials: {"partial_x": body, ...} for a channel and locale.
-- PL/pgSQL for its cached plan (see locale_chain).
CREATE FUNCTION flowcomm.template_partials(b uuid, p_channel flowcomm.channel, p_locale text) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	RETURN (
		SELECT coalesce(jsonb_object_agg(code, body_template), '{}')
		  FROM (SELECT DISTINCT ON (code) code, body_template
				  FROM unnest(locale_chain(b, p_locale)) WITH ORDINALITY AS l(loc, o)
				  JOIN (SELECT t.code, t.locale, t.body_template, 0 AS rank FROM communication_template t
						 WHERE t.business_id = b AND t.channel = p_channel AND t.code LIKE 'partial\_%' AND t.is_active
						UNION ALL
						SELECT s.code, s.locale, s.body_template, 1 FROM system_template s
						 WHERE s.channel = p_channel AND s.code LIKE 'partial\_%' AND s.is_active) x ON x.locale = l.loc
				 ORDER BY code, l.o, x.rank) p);
END
$$;
COMMENT ON FUNCTION flowcomm.template_partials(uuid, flowcomm.channel, text) IS 'Partials ({{> partial_name}}) available to a business on a channel, resolved through the locale chain';

-- optional_variables: names a template only tests or defaults — block
-- conditions ({{#if x}}, {{#unless x}}, {{#each x}}, {{#with x}}, {{#x}},
-- {{^x}}) and first arguments of {{default x ...}}.  Missing ones render as
-- empty/false, so they are not required.
-- PL/pgSQL for its cached plan: the SQL body (an aggregate over a set) is
-- not inlinable, so as LANGUAGE sql it was planned on every call.
CREATE FUNCTION flowcomm.optional_variables(source text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	RETURN (SELECT coalesce(array_agg(DISTINCT m[2]), '{}')
			  FROM regexp_matches(source,
					'\{\{~?\s*(#\s*(?:if|unless|each|with)\s+|#\s*|\^\s*|default\s+)([A-Za-z_][A-Za-z0-9_]*)', 'g') AS m);
END
$$;
COMMENT ON FUNCTION flowcomm.optional_variables(text) IS 'Variables a template only tests (block conditions) or defaults: not required when sending';

-- render_with: render subject and body of a template with variables, strictly:
-- every variable the template references, except optional ones, must be given.
-- The partials are looked up only when the template may use one (a {{> tag,
-- or a {{= delimiter change that could hide one) or when a variable is
-- still missing (a partial's name counts as given); most sends need neither
-- lookup.
CREATE FUNCTION flowcomm.render_with(b uuid, p_channel flowcomm.channel, p_locale text, p_subject text, p_body text,
									 vars jsonb, OUT subject text, OUT body text, OUT body_text text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	src text := coalesce(p_subject, '') || ' ' || p_body;
	missing text[];
	optional text[];
	partials jsonb := '{}';
	esc text := CASE WHEN p_channel = 'email' THEN 'html' ELSE 'none' END;
BEGIN
	SELECT array_agg(v ORDER BY v) INTO missing
	  FROM unnest(template_variables(src)) v
	 WHERE NOT (vars ? v);
	IF missing IS NOT NULL THEN
		optional := optional_variables(src);
		SELECT array_agg(v ORDER BY v) INTO missing FROM unnest(missing) v WHERE NOT v = ANY (optional);
	END IF;
	IF missing IS NOT NULL OR src ~ '\{\{~?\s*[>=]' THEN
		partials := template_partials(b, p_channel, p_locale);
	END IF;
	IF missing IS NOT NULL THEN
		SELECT array_agg(v ORDER BY v) INTO missing FROM unnest(missing) v WHERE NOT partials ? v;
	END IF;
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'missing template variable%: %', CASE WHEN cardinality(missing) > 1 THEN 's' ELSE '' END,
			array_to_string(missing, ', ')
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'templateVariables';
	END IF;
	-- The message locale is the helpers' default (month names, separators).
	subject := CASE WHEN p_subject IS NOT NULL THEN render(p_subject, vars, partials, 'none', false, p_locale) END;
	body := render(p_body, vars, partials, esc, false, p_locale);
	body_text := CASE WHEN p_channel = 'email' THEN html_to_text(body) END;
END
$$;
COMMENT ON FUNCTION flowcomm.render_with(uuid, flowcomm.channel, text, text, text, jsonb) IS 'Render a subject/body pair for a channel (HTML escaping for email, none for text channels) with the business partials; 22023 naming missing variables';

-- render_for_send: resolve and render the template of a send request.  In C
-- (src/send_template.c) with a per-backend cache of resolved templates,
-- dropped on any change of the tables resolution reads
-- (36_template_cache.sql); partials, missing variables, unknown templates
-- and templates of another channel go through resolve_template and
-- render_with as before, so their errors are unchanged.
CREATE FUNCTION flowcomm.render_for_send(b uuid, p_channel flowcomm.channel, p_id uuid, p_code text, p_locale text,
										 vars jsonb)
RETURNS TABLE (template_id uuid, template_code text, locale text, subject text, body text, body_text text)
LANGUAGE C STABLE
SET search_path = pg_catalog, flowcomm, pg_temp
AS 'MODULE_PATHNAME', 'flowcomm_render_for_send';
COMMENT ON FUNCTION flowcomm.render_for_send(uuid, flowcomm.channel, uuid, text, text, jsonb) IS 'Internal: resolve a template by id or code and render it for a send';

-- check_template_source: compiles, and uses only declared variables.
CREATE FUNCTION flowcomm.check_template_source(subject text, body text, declared text[]) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	unknown text[];
BEGIN
	BEGIN
		PERFORM template_check(coalesce(subject, ''));
	EXCEPTION WHEN invalid_parameter_value OR program_limit_exceeded THEN
		PERFORM invalid('subjectTemplate', SQLERRM);
	END;
	BEGIN
		PERFORM template_check(body);
	EXCEPTION WHEN invalid_parameter_value OR program_limit_exceeded THEN
		PERFORM invalid('bodyTemplate', SQLERRM);
	END;
	SELECT array_agg(v ORDER BY v) INTO unknown
	  FROM unnest(template_variables(coalesce(subject, '') || ' ' || body)) v
	 WHERE NOT v = ANY (declared) AND v NOT LIKE 'partial\_%';
	IF unknown IS NOT NULL THEN
		PERFORM invalid('availableVariables', format('does not list %s used by the template', array_to_string(unknown, ', ')),
						'add them to availableVariables');
	END IF;
END
$$;
COMMENT ON FUNCTION flowcomm.check_template_source(text, text, text[]) IS 'A template must compile and reference only its declared variables';

CREATE FUNCTION flowcomm.template_json(t flowcomm.template_catalog) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', t.id, 'name', t.name, 'code', t.code, 'description', t.description,
		'channel', t.channel, 'type', t.type, 'locale', t.locale, 'subjectTemplate', t.subject_template,
		'bodyTemplate', t.body_template, 'availableVariables', to_jsonb(t.available_variables),
		'isActive', t.is_active, 'isSystem', t.is_system, 'createdAt', t.created_at, 'updatedAt', t.updated_at)
$$;
COMMENT ON FUNCTION flowcomm.template_json(flowcomm.template_catalog) IS 'A template as API JSON (seed 4.2)';

-- req_variables: availableVariables as text[] of identifiers.
CREATE FUNCTION flowcomm.req_variables(req jsonb) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v jsonb := req -> 'availableVariables';
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) <> 'array' OR EXISTS (
		SELECT 1 FROM jsonb_array_elements(v) e
		 WHERE jsonb_typeof(e) <> 'string' OR (e #>> '{}') !~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$') THEN
		PERFORM flowcomm.invalid('availableVariables', 'must be an array of variable names');
	END IF;
	RETURN ARRAY(SELECT jsonb_array_elements_text(v));
END
$$;

-- template_create: POST /communication-templates.
CREATE FUNCTION flowcomm.template_create(template jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	t jsonb := template;
	row_id uuid;
	r template_catalog;
BEGIN
	PERFORM check_request(t, ARRAY['name', 'code', 'description', 'channel', 'type', 'locale', 'subjectTemplate',
		'bodyTemplate', 'availableVariables', 'isActive'], 'template');
	IF coalesce(req_text(t, 'name', 255), '') = '' THEN PERFORM invalid('name', 'is required'); END IF;
	IF coalesce(req_text(t, 'code', 100), '') !~ '^[a-z0-9_]{1,100}$' THEN
		PERFORM invalid('code', 'is required: lower-case letters, digits and underscores');
	END IF;
	IF req_enum(t, 'channel', enum_range(NULL::channel)::text[]) IS NULL THEN PERFORM invalid('channel', 'is required'); END IF;
	IF req_enum(t, 'type', enum_range(NULL::communication_type)::text[]) IS NULL THEN PERFORM invalid('type', 'is required'); END IF;
	IF coalesce(req_text(t, 'locale', 5), 'en') !~ '^[a-z]{2}(-[A-Z]{2})?$' THEN
		PERFORM invalid('locale', 'must look like es or es-MX');
	END IF;
	IF req_text(t, 'bodyTemplate', 262144) IS NULL THEN PERFORM invalid('bodyTemplate', 'is required'); END IF;
	PERFORM req_text(t, 'subjectTemplate', 500), req_text(t, 'description', 2000), req_bool(t, 'isActive');
	PERFORM check_template_source(t ->> 'subjectTemplate', t ->> 'bodyTemplate', coalesce(req_variables(t), '{}'));
	IF EXISTS (SELECT 1 FROM communication_template x WHERE x.business_id = b AND x.code = t ->> 'code'
				 AND x.channel = (t ->> 'channel')::channel AND x.locale = coalesce(t ->> 'locale', 'en')) THEN
		RAISE EXCEPTION 'template "%" for % (%) already exists', t ->> 'code', t ->> 'channel', coalesce(t ->> 'locale', 'en')
			USING ERRCODE = 'unique_violation';
	END IF;
	INSERT INTO communication_template (business_id, name, code, description, channel, type, locale, subject_template,
										body_template, available_variables, is_active, created_by)
	VALUES (b, t ->> 'name', t ->> 'code', t ->> 'description', (t ->> 'channel')::channel,
			(t ->> 'type')::communication_type, coalesce(t ->> 'locale', 'en'), t ->> 'subjectTemplate',
			t ->> 'bodyTemplate', coalesce(req_variables(t), '{}'), coalesce(req_bool(t, 'isActive'), true),
			current_actor())
	RETURNING id INTO row_id;
	SELECT * INTO r FROM template_catalog c WHERE c.id = row_id;
	RETURN template_json(r);
END
$$;
COMMENT ON FUNCTION flowcomm.template_create(jsonb) IS 'Create a business template (seed POST /communication-templates): must compile and declare every variable it uses; 23505 (409) on a duplicate code/channel/locale';

-- find_own_template: a template the current business may change.
CREATE FUNCTION flowcomm.find_own_template(b uuid, p_id uuid) RETURNS flowcomm.communication_template
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	t communication_template;
BEGIN
	SELECT * INTO t FROM communication_template WHERE business_id = b AND id = p_id FOR UPDATE;
	IF FOUND THEN
		RETURN t;
	END IF;
	IF EXISTS (SELECT 1 FROM system_template WHERE id = p_id) THEN
		RAISE EXCEPTION 'template % is a system template', p_id USING ERRCODE = 'insufficient_privilege',
			HINT = 'create a business template with the same code and channel to override it';
	END IF;
	RAISE EXCEPTION 'template % not found', p_id USING ERRCODE = 'no_data_found';
END
$$;
COMMENT ON FUNCTION flowcomm.find_own_template(uuid, uuid) IS 'Internal: the business''s template by id; 42501 for a system template, P0002 when missing';

CREATE FUNCTION flowcomm.template_update(id uuid, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	t communication_template := find_own_template(b, template_update.id);
	r template_catalog;
BEGIN
	PERFORM check_request(patch, ARRAY['name', 'description', 'subjectTemplate', 'bodyTemplate',
		'availableVariables', 'isActive', 'type'], 'patch');
	IF req_text(patch, 'name', 255) = '' THEN
		PERFORM invalid('name', 'may not be empty');
	END IF;
	t.name := coalesce(req_text(patch, 'name', 255), t.name);
	t.description := CASE WHEN patch ? 'description' THEN req_text(patch, 'description', 2000) ELSE t.description END;
	t.subject_template := CASE WHEN patch ? 'subjectTemplate' THEN req_text(patch, 'subjectTemplate', 500) ELSE t.subject_template END;
	t.body_template := coalesce(req_text(patch, 'bodyTemplate', 262144), t.body_template);
	t.available_variables := coalesce(req_variables(patch), t.available_variables);
	t.is_active := coalesce(req_bool(patch, 'isActive'), t.is_active);
	t.type := coalesce(req_enum(patch, 'type', enum_range(NULL::communication_type)::text[])::communication_type, t.type);
	PERFORM check_template_source(t.subject_template, t.body_template, t.available_variables);
	UPDATE communication_template x SET name = t.name, description = t.description, subject_template = t.subject_template,
		body_template = t.body_template, available_variables = t.available_variables, is_active = t.is_active,
		type = t.type, updated_by = current_actor(), updated_at = now()
	 WHERE x.business_id = b AND x.id = t.id;
	SELECT * INTO r FROM template_catalog c WHERE c.id = t.id;
	RETURN template_json(r);
END
$$;
COMMENT ON FUNCTION flowcomm.template_update(uuid, jsonb) IS 'Update a business template with a partial patch; system templates are refused (42501)';

CREATE FUNCTION flowcomm.template_delete(id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	t communication_template := find_own_template(b, template_delete.id);
BEGIN
	DELETE FROM communication_template x WHERE x.business_id = b AND x.id = t.id;
	RETURN jsonb_build_object('id', t.id, 'deleted', true);
END
$$;
COMMENT ON FUNCTION flowcomm.template_delete(uuid) IS 'Delete a business template (messages keep their rendered text); system templates are refused (42501)';

CREATE FUNCTION flowcomm.template_list(filters jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	f jsonb := coalesce(filters, '{}');
	v_channel text;
	v_type text;
	v_active boolean;
	v_code text;
BEGIN
	PERFORM check_request(f, ARRAY['channel', 'type', 'isActive', 'code'], 'filters');
	v_channel := req_enum(f, 'channel', enum_range(NULL::channel)::text[]);
	v_type := req_enum(f, 'type', enum_range(NULL::communication_type)::text[]);
	v_active := req_bool(f, 'isActive');
	v_code := req_text(f, 'code', 100);
	RETURN jsonb_build_object('results', coalesce((
		SELECT jsonb_agg(template_json(c) - 'bodyTemplate' - 'subjectTemplate' ORDER BY c.is_system, c.code, c.channel, c.locale)
		  FROM template_catalog c
		 WHERE (c.business_id = b OR c.is_system)
		   AND (v_channel IS NULL OR c.channel = v_channel::channel)
		   AND (v_type IS NULL OR c.type = v_type::communication_type)
		   AND (v_active IS NULL OR c.is_active = v_active)
		   AND (v_code IS NULL OR c.code = v_code)), '[]'));
END
$$;
COMMENT ON FUNCTION flowcomm.template_list(jsonb) IS 'Templates of the business and the system (seed GET /communication-templates): filters channel, type, isActive, code';

CREATE FUNCTION flowcomm.template_get(id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	r template_catalog;
BEGIN
	SELECT * INTO r FROM template_catalog c WHERE c.id = template_get.id AND (c.business_id = b OR c.is_system);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'template % not found', id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN template_json(r);
END
$$;
COMMENT ON FUNCTION flowcomm.template_get(uuid) IS 'One template with its source';

-- template_preview: POST /communication-templates/:id/preview (or by code).
CREATE FUNCTION flowcomm.template_preview(request jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	t record;
	r record;
	ch text;
BEGIN
	PERFORM check_request(request, ARRAY['templateId', 'templateCode', 'channel', 'locale', 'variables']);
	ch := req_enum(request, 'channel', enum_range(NULL::channel)::text[]);
	IF request ? 'templateId' THEN
		SELECT c.channel::text INTO ch FROM template_catalog c
		 WHERE c.id = req_uuid(request, 'templateId') AND (c.business_id = b OR c.is_system);
	ELSIF req_text(request, 'templateCode', 100) IS NULL OR ch IS NULL THEN
		PERFORM invalid('templateId', 'give templateId, or templateCode with channel');
	END IF;
	SELECT * INTO t FROM resolve_template(b, coalesce(ch, 'email')::channel, req_uuid(request, 'templateId'),
										  req_text(request, 'templateCode', 100), req_text(request, 'locale', 16));
	SELECT * INTO r FROM render_with(b, ch::channel, coalesce(req_text(request, 'locale', 16), t.locale),
									 t.subject_template, t.body_template,
									 coalesce(req_object(request, 'variables'), '{}'));
	RETURN jsonb_build_object('templateId', t.id, 'code', t.code, 'channel', ch, 'locale', t.locale,
							  'subject', r.subject, 'body', r.body, 'bodyText', r.body_text);
END
$$;
COMMENT ON FUNCTION flowcomm.template_preview(jsonb) IS 'Render a template (by templateId, or templateCode + channel + locale) with variables, without sending: subject, body, bodyText';

GRANT EXECUTE ON FUNCTION flowcomm.template_create(jsonb), flowcomm.template_update(uuid, jsonb),
	flowcomm.template_delete(uuid) TO flowcomm_admin;
GRANT EXECUTE ON FUNCTION flowcomm.template_list(jsonb), flowcomm.template_get(uuid), flowcomm.template_preview(jsonb),
	flowcomm.template_json(flowcomm.template_catalog) TO flowcomm_viewer;
