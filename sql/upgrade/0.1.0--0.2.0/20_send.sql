-- send path (issue #11, enqueue): cached plans for the SQL helpers of send,
-- partials looked up only when needed, and flowcomm.send_bulk with its
-- internal helpers and the api.send_bulk wrapper.  Same text as sql/src/.

--@function flowcomm.locale_chain
COMMENT ON FUNCTION flowcomm.locale_chain(uuid, text) IS 'Locale fallback chain: es-MX, es, business default, en';

--@function flowcomm.template_partials
COMMENT ON FUNCTION flowcomm.template_partials(uuid, flowcomm.channel, text) IS 'Partials ({{> partial_name}}) available to a business on a channel, resolved through the locale chain';

--@function flowcomm.optional_variables
COMMENT ON FUNCTION flowcomm.optional_variables(text) IS 'Variables a template only tests (block conditions) or defaults: not required when sending';

--@function flowcomm.render_with
COMMENT ON FUNCTION flowcomm.render_with(uuid, flowcomm.channel, text, text, text, jsonb) IS 'Render a subject/body pair for a channel (HTML escaping for email, none for text channels) with the business partials; 22023 naming missing variables';

--@function flowcomm.delivery_block
COMMENT ON FUNCTION flowcomm.delivery_block(uuid, text, uuid, flowcomm.channel, text) IS 'Reason a recipient must not be messaged on a channel (opt-out, disabled channel, suppression), or NULL';

--@function flowcomm.bulk_invalid
COMMENT ON FUNCTION flowcomm.bulk_invalid(int, text, text, text) IS 'Internal: raise "invalid requests[i].field: problem" (22023 unless given) for send_bulk';

--@function flowcomm.bulk_fast_ok
COMMENT ON FUNCTION flowcomm.bulk_fast_ok(jsonb) IS 'Internal: a send_bulk element that the set-based path can take (common fields only, all well formed)';

--@function flowcomm.bulk_elements
COMMENT ON FUNCTION flowcomm.bulk_elements(jsonb) IS 'Internal: elements of a send_bulk batch with their 0-based index';

--@function flowcomm.send_bulk
COMMENT ON FUNCTION flowcomm.send_bulk(jsonb) IS 'Send up to 100,000 requests (the shape of send''s) in one call and transaction: all validated first (22023 naming requests[i].field, nothing written), templates resolved once, preferences/suppressions skip and report a recipient, idempotency keys replay; returns total/queued/replayed/blocked counts, ids in request order, replay indexes and blocked details';

--@function api.send_bulk
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
