-- send path (issue #11, enqueue): cached plans for the SQL helpers of send,
-- partials looked up only when needed, and flowcomm.send_bulk with its
-- internal helpers and the api.send_bulk wrapper.  Same text as sql/src/.

CREATE OR REPLACE FUNCTION flowcomm.locale_chain(b uuid, p_locale text) RETURNS text[]
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

CREATE OR REPLACE FUNCTION flowcomm.template_partials(b uuid, p_channel flowcomm.channel, p_locale text) RETURNS jsonb
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

CREATE OR REPLACE FUNCTION flowcomm.optional_variables(source text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	RETURN (SELECT coalesce(array_agg(DISTINCT m[2]), '{}')
			  FROM regexp_matches(source,
					'\{\{~?\s*(#\s*(?:if|unless|each|with)\s+|#\s*|\^\s*|default\s+)([A-Za-z_][A-Za-z0-9_]*)', 'g') AS m);
END
$$;
COMMENT ON FUNCTION flowcomm.optional_variables(text) IS 'Variables a template only tests (block conditions) or defaults: not required when sending';

CREATE OR REPLACE FUNCTION flowcomm.render_with(b uuid, p_channel flowcomm.channel, p_locale text, p_subject text, p_body text,
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

CREATE OR REPLACE FUNCTION flowcomm.delivery_block(b uuid, p_recipient_type text, p_recipient_id uuid,
										p_channel flowcomm.channel, p_contact text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	reason text;
BEGIN
	IF p_recipient_id IS NOT NULL THEN
		SELECT CASE
				   WHEN p.opted_out_at IS NOT NULL THEN 'recipient opted out'
				   WHEN p_channel = 'email' AND NOT p.email_enabled THEN 'recipient disabled email'
				   WHEN p_channel = 'sms' AND NOT p.sms_enabled THEN 'recipient disabled sms'
				   WHEN p_channel = 'whatsapp' AND NOT p.whatsapp_enabled THEN 'recipient disabled whatsapp'
				   WHEN p_channel = 'messenger' AND NOT p.messenger_enabled THEN 'recipient disabled messenger'
			   END INTO reason
		  FROM communication_preference p
		 WHERE p.business_id = b AND p.entity_type = p_recipient_type AND p.entity_id = p_recipient_id;
		IF reason IS NOT NULL THEN
			RETURN reason;
		END IF;
	END IF;
	RETURN (SELECT format('%s is suppressed for %s (%s)', p_contact, p_channel, s.reason)
			  FROM suppression s
			 WHERE s.business_id = b AND s.channel = p_channel AND lower(s.contact) = lower(p_contact)
			   AND s.lifted_at IS NULL
			 LIMIT 1);
END
$$;
COMMENT ON FUNCTION flowcomm.delivery_block(uuid, text, uuid, flowcomm.channel, text) IS 'Reason a recipient must not be messaged on a channel (opt-out, disabled channel, suppression), or NULL';

CREATE OR REPLACE FUNCTION flowcomm.bulk_invalid(idx int, field text, problem text, state text DEFAULT '22023') RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE EXCEPTION 'invalid requests[%]%: %', idx, CASE WHEN field = '' THEN '' ELSE '.' || field END, problem
		USING ERRCODE = state, COLUMN = format('requests[%s]%s', idx, CASE WHEN field = '' THEN '' ELSE '.' || field END);
END
$$;
COMMENT ON FUNCTION flowcomm.bulk_invalid(int, text, text, text) IS 'Internal: raise "invalid requests[i].field: problem" (22023 unless given) for send_bulk';

CREATE OR REPLACE FUNCTION flowcomm.bulk_fast_ok(r jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN jsonb_typeof(r) IS DISTINCT FROM 'object' THEN false ELSE
	       (r - ARRAY['channel', 'type', 'recipientType', 'recipientId', 'recipientName',
					  'recipientContact', 'subject', 'content', 'templateCode',
					  'templateVariables', 'locale', 'entityType', 'entityId', 'priority',
					  'idempotencyKey', 'metadata']) = '{}'::jsonb
	   AND NOT jsonb_path_exists(r, 'strict $.* ? (@ == null)')
	   AND jsonb_typeof(r -> 'channel') = 'string' AND jsonb_typeof(r -> 'type') = 'string'
	   AND (r ->> 'type') IN ('invoice', 'invoice_reminder', 'payment_reminder', 'payment_confirmation', 'payment_link',
							  'collection_notice', 'low_stock_alert', 'general_notification', 'general')
	   AND coalesce((r ->> 'recipientType') IN ('customer', 'supplier', 'user') AND jsonb_typeof(r -> 'recipientType') = 'string', true)
	   AND coalesce(jsonb_typeof(r -> 'recipientId') = 'string' AND (r ->> 'recipientId') ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$', true)
	   AND coalesce(jsonb_typeof(r -> 'entityId') = 'string' AND (r ->> 'entityId') ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$', true)
	   AND coalesce(jsonb_typeof(r -> 'recipientName') = 'string' AND length(r ->> 'recipientName') <= 255, true)
	   AND coalesce(jsonb_typeof(r -> 'subject') = 'string' AND length(r ->> 'subject') <= 500, true)
	   AND coalesce(jsonb_typeof(r -> 'entityType') = 'string' AND (r ->> 'entityType') ~ '^[A-Za-z_]{1,50}$', true)
	   AND coalesce(jsonb_typeof(r -> 'locale') = 'string' AND (r ->> 'locale') ~ '^[a-z]{2}([-_][A-Za-z]{2})?$', true)
	   AND coalesce(jsonb_typeof(r -> 'priority') = 'string' AND (r ->> 'priority') IN ('low', 'normal', 'high', 'urgent'), true)
	   AND coalesce(jsonb_typeof(r -> 'idempotencyKey') = 'string' AND length(r ->> 'idempotencyKey') BETWEEN 1 AND 255, true)
	   AND coalesce(jsonb_typeof(r -> 'metadata') = 'object' AND length((r -> 'metadata')::text) <= 262144, true)
	   AND jsonb_typeof(r -> 'recipientContact') = 'string'
	   AND CASE r ->> 'channel'
			   WHEN 'email' THEN length(r ->> 'recipientContact') <= 254 AND flowcomm.is_email(r ->> 'recipientContact')
			   WHEN 'sms' THEN flowcomm.is_e164(r ->> 'recipientContact')
			   WHEN 'whatsapp' THEN flowcomm.is_e164(r ->> 'recipientContact')
			   WHEN 'messenger' THEN flowcomm.is_messenger_id(r ->> 'recipientContact')
			   ELSE false END
	   AND CASE WHEN r ? 'templateCode'
				THEN jsonb_typeof(r -> 'templateCode') = 'string' AND length(r ->> 'templateCode') <= 100
					 AND NOT r ? 'content'
					 AND coalesce(jsonb_typeof(r -> 'templateVariables') = 'object'
								  AND length((r -> 'templateVariables')::text) <= 262144, true)
				ELSE NOT r ? 'templateVariables' AND jsonb_typeof(r -> 'content') = 'string' AND (r ->> 'content') <> ''
					 AND length(r ->> 'content') <= CASE WHEN r ->> 'channel' = 'email' THEN 1048576 ELSE 65536 END
					 AND (r ->> 'channel' <> 'email' OR (r ->> 'subject') <> '') END END
$$;
COMMENT ON FUNCTION flowcomm.bulk_fast_ok(jsonb) IS 'Internal: a send_bulk element that the set-based path can take (common fields only, all well formed)';

CREATE OR REPLACE FUNCTION flowcomm.bulk_elements(requests jsonb) RETURNS TABLE (i int, r jsonb)
LANGUAGE sql IMMUTABLE ROWS 10000
SET search_path = pg_catalog, pg_temp AS $$
	SELECT (o - 1)::int, r FROM jsonb_array_elements(requests) WITH ORDINALITY e(r, o)
$$;
COMMENT ON FUNCTION flowcomm.bulk_elements(jsonb) IS 'Internal: elements of a send_bulk batch with their 0-based index';

CREATE OR REPLACE FUNCTION flowcomm.send_bulk(requests jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	actor text := current_actor();
	n int;
	cur int;
	k record;
	t record;
	src text;
	partials jsonb;
	tpls jsonb := '{}';
	res jsonb;
	ids jsonb[];
	replays int[] := '{}';
	blocked jsonb[] := '{}';
	quiet boolean;
	st text;
	msg text;
	col text;
	hint text;
	detail text;
BEGIN
	IF requests IS NULL OR jsonb_typeof(requests) <> 'array' THEN
		PERFORM invalid('requests', format('must be a JSON array of send requests, not %s',
										   coalesce(jsonb_typeof(requests), 'null')));
	END IF;
	n := jsonb_array_length(requests);
	IF n > 100000 THEN
		PERFORM invalid('requests', format('has %s elements; at most 100000 per call', n), 'split the batch');
	END IF;
	IF n = 0 THEN
		RETURN jsonb_build_object('total', 0, 'queued', 0, 'replayed', 0, 'blocked', 0, 'ids', '[]'::jsonb,
								  'replays', '[]'::jsonb, 'blockedDetails', '[]'::jsonb);
	END IF;

	IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(requests) r WHERE NOT bulk_fast_ok(r)) THEN
		-- Set-based path.  Resolve each distinct template once, with its
		-- partials and the variables a request must give.
		BEGIN
			FOR k IN SELECT DISTINCT ON (ch, code, loc) i, ch, code, loc
					   FROM (SELECT o::int - 1 AS i, r ->> 'channel' AS ch, r ->> 'templateCode' AS code, r ->> 'locale' AS loc
							   FROM jsonb_array_elements(requests) WITH ORDINALITY e(r, o) WHERE r ? 'templateCode') x
					  ORDER BY ch, code, loc, i
			LOOP
				cur := k.i;
				SELECT * INTO t FROM resolve_template(b, k.ch::channel, NULL, k.code, k.loc);
				src := coalesce(t.subject_template, '') || ' ' || t.body_template;
				partials := template_partials(b, k.ch::channel, coalesce(k.loc, t.locale));
				tpls := tpls || jsonb_build_object(concat_ws('/', k.ch, k.code, k.loc), jsonb_build_object(
					'id', t.id, 'code', t.code, 'locale', t.locale, 'renderLocale', coalesce(k.loc, t.locale),
					'subject', t.subject_template, 'body', t.body_template, 'partials', partials,
					'required', to_jsonb(ARRAY(SELECT v FROM unnest(template_variables(src)) v
												WHERE NOT v = ANY (optional_variables(src)) AND NOT partials ? v))));
			END LOOP;
		EXCEPTION WHEN no_data_found THEN
			PERFORM bulk_invalid(cur, 'templateCode', SQLERRM, SQLSTATE);
		END;

		quiet := EXISTS (SELECT 1 FROM business_setting s WHERE s.business_id = b
							AND s.quiet_hours_start IS NOT NULL AND s.quiet_hours_end IS NOT NULL);

		WITH tk AS (
			-- One row per template, its fields taken out of the jsonb once.
			SELECT x.key, (x.v ->> 'id')::uuid AS t_id, x.v ->> 'code' AS t_code, x.v ->> 'locale' AS t_locale,
				   x.v ->> 'renderLocale' AS t_rlocale, x.v ->> 'subject' AS t_subject, x.v ->> 'body' AS t_body,
				   x.v -> 'partials' AS t_partials, ARRAY(SELECT jsonb_array_elements_text(x.v -> 'required')) AS req
			  FROM jsonb_each(tpls) x(key, v)
		), e AS (
			SELECT x.i, x.r, r ->> 'channel' AS ch,
				   CASE r ->> 'type' WHEN 'general' THEN 'general_notification' WHEN 'payment_reminder' THEN 'invoice_reminder'
									 ELSE r ->> 'type' END AS typ,
				   coalesce(r ->> 'recipientType', 'customer') AS rtype, (r ->> 'recipientId')::uuid AS rid,
				   CASE WHEN r ->> 'channel' = 'email' THEN lower(r ->> 'recipientContact') ELSE r ->> 'recipientContact' END AS contact,
				   coalesce(r -> 'templateVariables', '{}') AS vars, tk.*
			  FROM bulk_elements(requests) x
			  LEFT JOIN tk ON tk.key = concat_ws('/', r ->> 'channel', r ->> 'templateCode', r ->> 'locale')
		), m AS (
			-- Rendered messages; a missing variable or an empty e-mail
			-- subject stops the whole batch, naming the element.
			SELECT e.*, s.subject, s.content,
				   CASE WHEN ch = 'email' THEN html_to_text(s.content) END AS content_text,
				   coalesce(r ->> 'priority', 'normal') AS prio
			  FROM e
			 CROSS JOIN LATERAL (
				SELECT coalesce(r ->> 'subject', CASE WHEN t_subject IS NOT NULL
														THEN render(t_subject, vars, t_partials, 'none', false, t_rlocale) END) AS subject,
					   CASE WHEN key IS NULL THEN r ->> 'content'
							ELSE render(t_body, vars, t_partials, CASE WHEN ch = 'email' THEN 'html' ELSE 'none' END,
										false, t_rlocale) END AS content) s
			 WHERE (key IS NULL OR vars ?& req
					OR bulk_invalid(i, 'templateVariables', (SELECT format('missing template variable%s: %s',
							CASE WHEN count(*) > 1 THEN 's' ELSE '' END, string_agg(v, ', ' ORDER BY v))
						  FROM unnest(req) v WHERE NOT vars ? v)))
			   AND (ch <> 'email' OR coalesce(s.subject, '') <> '' OR bulk_invalid(i, 'subject', 'is required for email'))
		), dup AS (
			-- Keys given more than once in the batch: the first element wins.
			SELECT r ->> 'idempotencyKey' AS key, min(o)::int - 1 AS first_i
			  FROM jsonb_array_elements(requests) WITH ORDINALITY x(r, o)
			 WHERE r ? 'idempotencyKey'
			 GROUP BY 1 HAVING count(*) > 1
		), d AS (
			-- Preferences and suppressions (as delivery_block) by joins
			-- rather than two probes per element, and replays.
			SELECT m.i, m.ch, m.typ, m.rtype, m.rid, m.contact, m.subject, m.content, m.content_text, m.prio,
				   m.t_id, m.t_code, coalesce(m.r ->> 'locale', m.t_locale) AS locale, m.r ->> 'recipientName' AS rname,
				   m.r ->> 'entityType' AS etype, (m.r ->> 'entityId')::uuid AS eid, m.r ->> 'idempotencyKey' AS ikey,
				   m.r -> 'metadata' AS meta,
				   CASE WHEN m.key IS NOT NULL THEN m.vars END AS vars, coalesce(
					   CASE WHEN p.opted_out_at IS NOT NULL THEN 'recipient opted out'
							WHEN m.ch = 'email' AND NOT p.email_enabled THEN 'recipient disabled email'
							WHEN m.ch = 'sms' AND NOT p.sms_enabled THEN 'recipient disabled sms'
							WHEN m.ch = 'whatsapp' AND NOT p.whatsapp_enabled THEN 'recipient disabled whatsapp'
							WHEN m.ch = 'messenger' AND NOT p.messenger_enabled THEN 'recipient disabled messenger' END,
					   CASE WHEN s.id IS NOT NULL THEN format('%s is suppressed for %s (%s)', m.contact, m.ch, s.reason) END) AS block,
				   -- A probe, not a join: only keyed elements pay for it, and
				   -- the plan does not depend on how many keyed rows exist.
				   CASE WHEN m.r ? 'idempotencyKey' THEN
							(SELECT x.id FROM communication x WHERE x.business_id = b AND x.idempotency_key = m.r ->> 'idempotencyKey') END AS prior_id,
				   dup.first_i
			  FROM m
			  LEFT JOIN communication_preference p ON p.business_id = b AND p.entity_type = m.rtype AND p.entity_id = m.rid
			  LEFT JOIN suppression s ON s.business_id = b AND s.channel = m.ch::channel AND lower(s.contact) = lower(m.contact)
									 AND s.lifted_at IS NULL
			  LEFT JOIN dup ON dup.key = m.r ->> 'idempotencyKey'
		), n AS (
			SELECT d.*, CASE WHEN block IS NULL AND prior_id IS NULL AND coalesce(first_i = i, true) THEN uuid_v7() END AS id FROM d
		), ins AS (
			INSERT INTO communication (business_id, id, created_by, direction, recipient_type, recipient_id, recipient_name,
									   recipient_contact, channel, type, subject, content, content_text, locale, entity_type,
									   entity_id, template_id, template_code, template_variables, status, queued_at,
									   retry_count, max_retries, idempotency_key, metadata, created_at, updated_at)
			SELECT b, c.id, actor, 'outbound', rtype, rid, rname, contact, ch::channel, typ::communication_type,
				   subject, content, content_text, locale, etype, eid, t_id, t_code, vars,
				   'queued', now(), 0, 4, ikey, meta, now(), now()
			  FROM n c
			 WHERE c.id IS NOT NULL
			ON CONFLICT (business_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
			RETURNING id, channel, type, recipient_type, recipient_id
		), q AS (
			INSERT INTO communication_queue (business_id, communication_id, channel, priority, scheduled_at, max_attempts, payload)
			SELECT b, ins.id, ins.channel, c.prio::queue_priority,
				   coalesce(CASE WHEN quiet THEN hold_for_quiet_hours(jsonb_populate_record(NULL::communication,
								jsonb_build_object('business_id', b, 'type', ins.type, 'recipient_type', ins.recipient_type,
												   'recipient_id', ins.recipient_id)), c.prio::queue_priority, NULL) END, now()),
				   5, '{}'
			  FROM ins JOIN n c ON c.id = ins.id
			RETURNING communication_id, scheduled_at
		), ev AS (
			INSERT INTO communication_event (business_id, communication_id, event, status, source, detail)
			SELECT b, q.communication_id, 'queued', 'queued', 'api',
				   CASE WHEN q.scheduled_at > now() THEN 'scheduled for ' || q.scheduled_at END
			  FROM q
		)
		SELECT array_agg(CASE WHEN n.block IS NOT NULL THEN 'null'::jsonb ELSE to_jsonb(coalesce(n.prior_id, ins.id)) END
						 ORDER BY n.i),
			   coalesce(array_agg(n.i ORDER BY n.i) FILTER (WHERE n.block IS NULL AND n.prior_id IS NOT NULL), '{}'),
			   coalesce(array_agg(jsonb_build_object('index', n.i, 'recipientContact', n.contact, 'reason', n.block) ORDER BY n.i)
							FILTER (WHERE n.block IS NOT NULL), '{}')
		  INTO ids, replays, blocked
		  FROM n
		  LEFT JOIN ins ON ins.id = n.id;

		-- Elements left without an id repeat a key: of an earlier element of
		-- the batch, or of a message committed meanwhile by another
		-- transaction (ON CONFLICT skipped it).  This statement sees both.
		IF array_position(ids, NULL) IS NOT NULL THEN
			SELECT array_agg(coalesce(u.id, to_jsonb((SELECT x.id FROM communication x
														WHERE x.business_id = b AND x.idempotency_key = e.r ->> 'idempotencyKey')))
							 ORDER BY u.o),
				   ARRAY(SELECT unnest(replays || array_agg(u.o::int - 1) FILTER (WHERE u.id IS NULL)) ORDER BY 1)
			  INTO ids, replays
			  FROM unnest(ids) WITH ORDINALITY u(id, o)
			  JOIN jsonb_array_elements(requests) WITH ORDINALITY e(r, o) USING (o);
		END IF;
		PERFORM wake_workers();
	ELSE
		-- Element by element through send(), so every field and feature
		-- behaves exactly as there; blocked recipients are skipped.
		ids := '{}';
		BEGIN
			FOR k IN SELECT o::int - 1 AS i, r FROM jsonb_array_elements(requests) WITH ORDINALITY e(r, o) ORDER BY o
			LOOP
				cur := k.i;
				BEGIN
					res := send(k.r);
					ids := ids || (res -> 'id');
					IF (res ->> 'idempotentReplay')::boolean THEN
						replays := replays || k.i;
					END IF;
				EXCEPTION WHEN SQLSTATE 'PT409' THEN
					ids := ids || 'null'::jsonb;
					-- The bare reason, as the set-based path reports it.
					blocked := blocked || jsonb_build_object('index', k.i, 'recipientContact', k.r ->> 'recipientContact',
															 'reason', regexp_replace(SQLERRM, '^cannot send to [^ ]+: ', ''));
				END;
			END LOOP;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, col = COLUMN_NAME,
									hint = PG_EXCEPTION_HINT, detail = PG_EXCEPTION_DETAIL;
			IF col = 'request' AND msg LIKE 'invalid request: %' THEN
				msg := format('invalid requests[%s]%s', cur, substr(msg, 16));
				col := format('requests[%s]', cur);
			ELSIF col <> '' AND msg LIKE 'invalid ' || col || ': %' THEN
				msg := format('invalid requests[%s].%s', cur, substr(msg, 9));
				col := format('requests[%s].%s', cur, col);
			ELSE
				msg := format('requests[%s]: %s', cur, msg);
				col := format('requests[%s]', cur);
			END IF;
			IF coalesce(hint, '') <> '' AND coalesce(detail, '') <> '' THEN
				RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, COLUMN = col, HINT = hint, DETAIL = detail;
			ELSIF coalesce(hint, '') <> '' THEN
				RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, COLUMN = col, HINT = hint;
			ELSIF coalesce(detail, '') <> '' THEN
				RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, COLUMN = col, DETAIL = detail;
			END IF;
			RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, COLUMN = col;
		END;
	END IF;
	RETURN jsonb_build_object('total', n,
		'queued', n - cardinality(replays) - cardinality(blocked),
		'replayed', cardinality(replays), 'blocked', cardinality(blocked),
		'ids', to_jsonb(ids), 'replays', to_jsonb(replays), 'blockedDetails', to_jsonb(blocked));
END
$$;
COMMENT ON FUNCTION flowcomm.send_bulk(jsonb) IS 'Send up to 100,000 requests (the shape of send''s) in one call and transaction: all validated first (22023 naming requests[i].field, nothing written), templates resolved once, preferences/suppressions skip and report a recipient, idempotency keys replay; returns total/queued/replayed/blocked counts, ids in request order, replay indexes and blocked details';

CREATE OR REPLACE FUNCTION api.send_bulk(jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.send_bulk($1) $$;
COMMENT ON FUNCTION api.send_bulk(jsonb) IS 'POST /rpc/send_bulk: send an array of requests in one transaction (campaigns, reminder runs)';

REVOKE ALL ON FUNCTION flowcomm.bulk_invalid(int, text, text, text), flowcomm.bulk_fast_ok(jsonb),
	flowcomm.bulk_elements(jsonb), flowcomm.send_bulk(jsonb), api.send_bulk(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.send_bulk(jsonb), api.send_bulk(jsonb) TO flowcomm_sender;

-- communication_recipient_idx and communication_entity_idx become partial
-- (WHERE ... IS NOT NULL), as in sql/src/00_schema.sql: a message without a
-- recipient id or entity no longer costs an index insertion.
DROP INDEX flowcomm.communication_recipient_idx;
CREATE INDEX communication_recipient_idx ON flowcomm.communication (business_id, recipient_type, recipient_id)
	WHERE recipient_id IS NOT NULL;
DROP INDEX flowcomm.communication_entity_idx;
CREATE INDEX communication_entity_idx ON flowcomm.communication (business_id, entity_type, entity_id)
	WHERE entity_id IS NOT NULL;
