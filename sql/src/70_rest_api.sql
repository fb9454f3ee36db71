-- 70_rest_api.sql — the PostgREST-facing API schema `api`.
--
-- PostgREST exposes functions of its db-schemas as /rpc/<name>.  A function
-- with one unnamed jsonb parameter receives the whole JSON body (POST);
-- named parameters receive query-string arguments (GET) or body keys, so the
-- parameters carry the seed's camelCase names.  These are thin SECURITY
-- INVOKER wrappers: the caller's role must hold EXECUTE on the flowcomm
-- function behind, so permissions and tenant checks live in one place.
-- docs/api.md lists every endpoint with an example.

CREATE SCHEMA IF NOT EXISTS api;
COMMENT ON SCHEMA api IS 'flowcomm REST API for PostgREST (db-schemas = api)';
GRANT USAGE ON SCHEMA api TO flowcomm_viewer, flowcomm_webhook;

-- POST /rpc/send  {"channel": "sms", "type": "invoice", ...}
CREATE FUNCTION api.send(jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.send($1) $$;
COMMENT ON FUNCTION api.send(jsonb) IS 'POST /rpc/send: send a message (seed POST /communications/send)';

-- POST /rpc/send_bulk  [{"channel": "sms", ...}, ...]  (at most 100,000)
CREATE FUNCTION api.send_bulk(jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.send_bulk($1) $$;
COMMENT ON FUNCTION api.send_bulk(jsonb) IS 'POST /rpc/send_bulk: send an array of requests in one transaction (campaigns, reminder runs)';

-- GET /rpc/communications?channel=email&page=1&size=20
-- GET /rpc/communications?channel=email&size=20&cursor=<nextCursor>&count=none
CREATE FUNCTION api.communications(channel text DEFAULT NULL, status text DEFAULT NULL, type text DEFAULT NULL,
	"recipientType" text DEFAULT NULL, "recipientId" text DEFAULT NULL, "recipientContact" text DEFAULT NULL,
	"entityType" text DEFAULT NULL, "entityId" text DEFAULT NULL, "startDate" text DEFAULT NULL,
	"endDate" text DEFAULT NULL, page text DEFAULT NULL, size text DEFAULT NULL, "cursor" text DEFAULT NULL,
	count text DEFAULT NULL, direction text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.history(jsonb_strip_nulls(jsonb_build_object(
		'channel', channel, 'status', status, 'type', type, 'recipientType', "recipientType",
		'recipientId', "recipientId", 'recipientContact', "recipientContact", 'entityType', "entityType",
		'entityId', "entityId", 'startDate', "startDate", 'endDate', "endDate", 'page', page, 'size', size,
		'cursor', "cursor", 'count', count, 'direction', direction)))
$$;
COMMENT ON FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text, text) IS 'GET /rpc/communications: history with filters (direction=outbound|inbound among them), page or cursor pagination and a count mode (seed GET /communications)';

-- GET /rpc/communication?id=<uuid>
CREATE FUNCTION api.communication(id uuid) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.details(id) $$;
COMMENT ON FUNCTION api.communication(uuid) IS 'GET /rpc/communication?id=: details with attachments and events (seed GET /communications/:id)';

-- POST /rpc/resend  {"id": "...", "channel": "sms", "recipientContact": "+1..."}
CREATE FUNCTION api.resend(id uuid, channel text DEFAULT NULL, "recipientContact" text DEFAULT NULL,
						   priority text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.resend(id, jsonb_strip_nulls(jsonb_build_object('channel', channel,
		'recipientContact', "recipientContact", 'priority', priority)))
$$;
COMMENT ON FUNCTION api.resend(uuid, text, text, text) IS 'POST /rpc/resend: resend, optionally on another channel or contact (seed POST /communications/:id/resend)';

-- POST /rpc/cancel  {"id": "...", "reason": "..."}
CREATE FUNCTION api.cancel(id uuid, reason text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.cancel(id, reason) $$;
COMMENT ON FUNCTION api.cancel(uuid, text) IS 'POST /rpc/cancel: cancel a message that has not left';

-- GET /rpc/stats?startDate=2025-10-01&endDate=2025-10-31
CREATE FUNCTION api.stats("startDate" text DEFAULT NULL, "endDate" text DEFAULT NULL, channel text DEFAULT NULL,
						  "businessId" text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.stats(jsonb_strip_nulls(jsonb_build_object('startDate', "startDate", 'endDate', "endDate",
		'channel', channel, 'businessId', "businessId")))
$$;
COMMENT ON FUNCTION api.stats(text, text, text, text) IS 'GET /rpc/stats: delivery statistics (seed GET /communications/stats)';

-- Templates (seed 4.2).
CREATE FUNCTION api.templates(channel text DEFAULT NULL, type text DEFAULT NULL, "isActive" text DEFAULT NULL,
							  code text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.template_list(jsonb_strip_nulls(jsonb_build_object('channel', channel, 'type', type,
		'isActive', "isActive", 'code', code)))
$$;
COMMENT ON FUNCTION api.templates(text, text, text, text) IS 'GET /rpc/templates: list templates (seed GET /communication-templates)';

CREATE FUNCTION api.template(id uuid) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.template_get(id) $$;
COMMENT ON FUNCTION api.template(uuid) IS 'GET /rpc/template?id=: one template with its source';

CREATE FUNCTION api.template_create(jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.template_create($1) $$;
COMMENT ON FUNCTION api.template_create(jsonb) IS 'POST /rpc/template_create: create a template (seed POST /communication-templates)';

CREATE FUNCTION api.template_update(id uuid, patch jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.template_update(id, patch) $$;
COMMENT ON FUNCTION api.template_update(uuid, jsonb) IS 'POST /rpc/template_update {"id", "patch"}: update a template';

CREATE FUNCTION api.template_delete(id uuid) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.template_delete(id) $$;
COMMENT ON FUNCTION api.template_delete(uuid) IS 'POST /rpc/template_delete {"id"}: delete a business template';

CREATE FUNCTION api.template_preview(jsonb) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.template_preview($1) $$;
COMMENT ON FUNCTION api.template_preview(jsonb) IS 'POST /rpc/template_preview {"templateId"|"templateCode"+"channel", "variables"}: render without sending (seed POST /communication-templates/:id/preview)';

-- Preferences (seed 4.3).
CREATE FUNCTION api.preferences("entityType" text, "entityId" uuid) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.preferences_get("entityType", "entityId") $$;
COMMENT ON FUNCTION api.preferences(text, uuid) IS 'GET /rpc/preferences?entityType=customer&entityId=: preferences (seed GET /communication-preferences/:type/:id)';

CREATE FUNCTION api.preferences_update("entityType" text, "entityId" uuid, patch jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.preferences_update("entityType", "entityId", patch)
$$;
COMMENT ON FUNCTION api.preferences_update(text, uuid, jsonb) IS 'POST /rpc/preferences_update {"entityType", "entityId", "patch"} (seed PATCH /communication-preferences/:type/:id)';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA api FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.send(jsonb), api.send_bulk(jsonb), api.resend(uuid, text, text, text), api.cancel(uuid, text),
	api.preferences_update(text, uuid, jsonb) TO flowcomm_sender;
GRANT EXECUTE ON FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text, text),
	api.communication(uuid), api.stats(text, text, text, text), api.templates(text, text, text, text), api.template(uuid),
	api.template_preview(jsonb), api.preferences(text, uuid) TO flowcomm_viewer;
GRANT EXECUTE ON FUNCTION api.template_create(jsonb), api.template_update(uuid, jsonb), api.template_delete(uuid)
	TO flowcomm_admin;
