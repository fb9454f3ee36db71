-- One-click unsubscribe (issue 17, sql/src/58_unsubscribe.sql): per-type
-- opt-outs, signed List-Unsubscribe links, api.unsubscribe; send paths refuse
-- an opted-out type; Sendgrid bounce/dropped events suppress by their kind.
--@function flowcomm.unsubscribable
CREATE TABLE flowcomm.unsubscribe (
	business_id       uuid NOT NULL,
	id                uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	channel           flowcomm.channel NOT NULL,
	contact           text NOT NULL CHECK (length(contact) BETWEEN 1 AND 255),
	type              flowcomm.communication_type NOT NULL CHECK (flowcomm.unsubscribable(type)),
	source            text NOT NULL CHECK (source IN ('one_click', 'sendgrid')),
	detail            text CHECK (length(detail) <= 500),
	communication_id  uuid,
	created_at        timestamptz NOT NULL DEFAULT now(),
	lifted_at         timestamptz,
	lifted_by         text,
	PRIMARY KEY (business_id, id)
);
COMMENT ON TABLE flowcomm.unsubscribe IS 'Per-type opt-outs of an address on a channel (one-click unsubscribe, Sendgrid group unsubscribe): messages of that type are refused, other types still go; lifting keeps the row for audit';
COMMENT ON COLUMN flowcomm.unsubscribe.contact IS 'The address that opted out (email addresses lower-cased)';
COMMENT ON COLUMN flowcomm.unsubscribe.communication_id IS 'The message whose link or event it came from (no foreign key: history may be purged before the opt-out)';
-- The send-time probe (unsubscribe_block, send_bulk's join) and the
-- idempotent insert: at most one active opt-out per address, channel and type.
CREATE UNIQUE INDEX unsubscribe_active_idx ON flowcomm.unsubscribe (business_id, channel, lower(contact), type)
	WHERE lifted_at IS NULL;
ALTER TABLE flowcomm.unsubscribe ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flowcomm.unsubscribe
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));
GRANT SELECT ON flowcomm.unsubscribe TO flowcomm_viewer;
SELECT pg_catalog.pg_extension_config_dump('flowcomm.unsubscribe'::regclass, '');
--@function flowcomm.unsubscribe_sign
--@function flowcomm.unsubscribe_headers
--@function flowcomm.unsubscribe_check
--@function flowcomm.unsubscribe_record
--@function flowcomm.unsubscribe_resubscribe
--@function flowcomm.unsubscribe_block
--@function flowcomm.unsubscribe
--@function flowcomm.sendgrid_suppression_reason
--@function flowcomm.unsubscribe_json
--@function flowcomm.unsubscribes
--@function flowcomm.unsubscribe_lift
--@function api.unsubscribe
--@function api.unsubscribes
--@function api.unsubscribe_lift
COMMENT ON FUNCTION flowcomm.unsubscribable(flowcomm.communication_type) IS 'Whether a message type is subscription-like and carries a one-click unsubscribe (reminders, collection notices, low-stock alerts, general notifications); invoices, payment links and confirmations are transactional';
COMMENT ON FUNCTION flowcomm.unsubscribe_sign(uuid, uuid, text, flowcomm.communication_type, flowcomm.channel, timestamptz, timestamptz) IS 'Internal: one-click unsubscribe token (newest active signing key) for business, message, address, type, channel, issue and expiry time; NULL when no key is active';
COMMENT ON FUNCTION flowcomm.unsubscribe_headers(flowcomm.communication) IS 'Internal: List-Unsubscribe (signed https URL from flowcomm.unsubscribe_base_url, plus flowcomm.unsubscribe_mailto when set) and List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058) for an outbound email of an unsubscribable type; NULL for transactional types, other channels, or without a base URL or signing key';
COMMENT ON FUNCTION flowcomm.unsubscribe_check(text, timestamptz) IS 'Internal: verify a one-click unsubscribe token as of a given time: valid with businessId, communicationId, contact, type, channel, expiresAt; or valid false with reason malformed, unknown_key, tampered, key_retired or expired';
COMMENT ON FUNCTION flowcomm.unsubscribe_record(uuid, flowcomm.channel, text, flowcomm.communication_type, text, text, uuid) IS 'Internal: add an active opt-out of an address from a type on a channel unless one exists (true when new); its waiting messages of that type are suppressed';
COMMENT ON FUNCTION flowcomm.unsubscribe_resubscribe(uuid, flowcomm.channel, text, flowcomm.communication_type, text, text) IS 'Internal: lift the active per-type opt-out of an address that one source (sendgrid) recorded; true when one was lifted';
COMMENT ON FUNCTION flowcomm.unsubscribe_block(uuid, flowcomm.channel, text, flowcomm.communication_type) IS 'Reason a message of a type must not go to an address on a channel (an active per-type opt-out), or NULL';
COMMENT ON FUNCTION flowcomm.unsubscribe(text) IS 'One-click unsubscribe (RFC 8058 POST): verify the signed token and record the opt-out of its address from its type on its channel, once (created false on a repeat); 22023 malformed, PT403 forged or tampered, PT410 expired, nothing changed';
COMMENT ON FUNCTION flowcomm.sendgrid_suppression_reason(jsonb) IS 'Internal: suppression reason for a Sendgrid event: hard bounce → bounce (type blocked: none); dropped for Bounced Address → bounce, Spam Reporting Address → spamreport, Unsubscribed Address → unsubscribe, Invalid → dropped, other drops none; spamreport; unsubscribe (global); else NULL';
COMMENT ON FUNCTION flowcomm.unsubscribe_json(flowcomm.unsubscribe) IS 'A per-type opt-out as API JSON';
COMMENT ON FUNCTION flowcomm.unsubscribes(jsonb) IS 'Per-type opt-outs of the current business (admin): filters contact, type, active, page, size; returns results, count, page, size';
COMMENT ON FUNCTION flowcomm.unsubscribe_lift(uuid, text) IS 'Lift a per-type opt-out of the current business (admin), recording who and why; the row stays for audit';
COMMENT ON FUNCTION api.unsubscribe(text) IS 'POST /rpc/unsubscribe {"token"}: one-click unsubscribe from a message type (RFC 8058); callable without a login, the signed token is the authority';
COMMENT ON FUNCTION api.unsubscribes(text, text, text, text, text) IS 'GET /rpc/unsubscribes: the business''s per-type opt-outs (admin)';
COMMENT ON FUNCTION api.unsubscribe_lift(uuid, text) IS 'POST /rpc/unsubscribe_lift {"id", "reason"}: re-subscribe an address to a type (admin)';
--@function flowcomm.build_message
--@function flowcomm.send_bulk
--@function flowcomm.sendgrid_apply
REVOKE EXECUTE ON FUNCTION flowcomm.unsubscribable(flowcomm.communication_type),
	flowcomm.unsubscribe_sign(uuid, uuid, text, flowcomm.communication_type, flowcomm.channel, timestamptz, timestamptz),
	flowcomm.unsubscribe_headers(flowcomm.communication),
	flowcomm.unsubscribe_check(text, timestamptz),
	flowcomm.unsubscribe_record(uuid, flowcomm.channel, text, flowcomm.communication_type, text, text, uuid),
	flowcomm.unsubscribe_resubscribe(uuid, flowcomm.channel, text, flowcomm.communication_type, text, text),
	flowcomm.unsubscribe_block(uuid, flowcomm.channel, text, flowcomm.communication_type),
	flowcomm.unsubscribe(text),
	flowcomm.sendgrid_suppression_reason(jsonb),
	flowcomm.unsubscribe_json(flowcomm.unsubscribe),
	flowcomm.unsubscribes(jsonb),
	flowcomm.unsubscribe_lift(uuid, text),
	api.unsubscribe(text),
	api.unsubscribes(text, text, text, text, text),
	api.unsubscribe_lift(uuid, text)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.unsubscribe(text), api.unsubscribe(text) TO flowcomm_viewer, flowcomm_webhook;
GRANT EXECUTE ON FUNCTION flowcomm.unsubscribable(flowcomm.communication_type) TO flowcomm_viewer, flowcomm_webhook;
GRANT EXECUTE ON FUNCTION flowcomm.unsubscribes(jsonb), flowcomm.unsubscribe_lift(uuid, text),
	flowcomm.unsubscribe_json(flowcomm.unsubscribe), api.unsubscribes(text, text, text, text, text),
	api.unsubscribe_lift(uuid, text)
	TO flowcomm_admin;
