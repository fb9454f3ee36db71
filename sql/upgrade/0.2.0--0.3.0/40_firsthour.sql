-- First-hour API fixes (issue 15): history filters by direction, stats say
-- that they count outbound messages only.
--@function flowcomm.history
--@function flowcomm.stats
COMMENT ON FUNCTION flowcomm.history(jsonb) IS 'Message history of the current business (seed GET /communications), newest first: filters channel, status, type, direction (outbound or inbound; default both), recipientType, recipientId, recipientContact, entityType, entityId, startDate, endDate; page (from 1) or cursor (the nextCursor of the previous answer) and size (max 100); count "estimated" (default of page requests: exact up to 10,000, else the planner estimate), "exact" or "none" (default with a cursor); returns results, count, countIsEstimate, page, size, nextCursor';
COMMENT ON FUNCTION flowcomm.stats(jsonb) IS 'Delivery statistics of the current business for startDate..endDate (default: last 30 days): totals by channel, status and type; delivery, failure, bounce, open and click rates; average and p95 seconds queued→sent and queued→delivered; retries; cost. Counts outbound messages only (direction "outbound", inboundCounted false): inbound replies are in history, not in stats';

-- api.communications gains the direction parameter: a new signature, so the
-- old one goes (PostgREST must not see two overloads).
DROP FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text);
--@function api.communications
COMMENT ON FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text, text) IS 'GET /rpc/communications: history with filters (direction=outbound|inbound among them), page or cursor pagination and a count mode (seed GET /communications)';
REVOKE EXECUTE ON FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text, text) TO flowcomm_viewer;

-- channel "auto" considers only the channels the given contact is an address
-- of; a recipientId without a stored contact says so; send_payment_link's
-- "auto" chooses between WhatsApp and SMS only.
--@function flowcomm.contact_fits
COMMENT ON FUNCTION flowcomm.contact_fits(flowcomm.channel, text) IS 'Internal: true when a contact has the address shape of the channel (email, E.164 phone, Messenger PSID)';
--@function flowcomm.choose_channel_among
COMMENT ON FUNCTION flowcomm.choose_channel_among(uuid, text, uuid, flowcomm.communication_type, text, text[]) IS 'Channel for channel=auto among the allowed ones: recipient preference for the type, else business order; a raw contact restricts to the channels it is an address of; skips blocked channels and channels without a contact';
DROP FUNCTION flowcomm.choose_channel(uuid, text, uuid, flowcomm.communication_type, text);
--@function flowcomm.choose_channel
COMMENT ON FUNCTION flowcomm.choose_channel(uuid, text, uuid, flowcomm.communication_type, text) IS 'Channel for channel=auto: recipient preference for the type, else business order; a raw contact restricts to the channels it is an address of; skips blocked channels and channels without a contact';
--@function flowcomm.build_message
--@function flowcomm.send_payment_link
-- Internal helpers: no role calls them directly (as in a fresh install,
-- where every flowcomm function starts revoked from PUBLIC).
REVOKE ALL ON FUNCTION flowcomm.contact_fits(flowcomm.channel, text),
	flowcomm.choose_channel_among(uuid, text, uuid, flowcomm.communication_type, text, text[]),
	flowcomm.choose_channel(uuid, text, uuid, flowcomm.communication_type, text) FROM PUBLIC;

-- Short payment links: a 22-character token (link id + MAC) naming a stored
-- payment_link row, so that a payment-link SMS fits one segment.  Tokens
-- issued by 0.2.0 (long, stateless) keep verifying.
CREATE FUNCTION flowcomm.paylink_short_sign(link_id bytea, secret bytea, terms text) RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_short_sign';
COMMENT ON FUNCTION flowcomm.paylink_short_sign(bytea, bytea, text) IS 'Internal: short token base64url(link id || first 8 bytes of HMAC-SHA256 over a tag, the id and the terms), 22 characters';
CREATE FUNCTION flowcomm.paylink_short_id(token text) RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_short_id';
COMMENT ON FUNCTION flowcomm.paylink_short_id(text) IS 'Internal: the 8-byte link id of a short token (not authenticated), NULL when the token does not have the short shape';
CREATE FUNCTION flowcomm.paylink_short_valid(token text, secret bytea, terms text) RETURNS boolean
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_short_valid';
COMMENT ON FUNCTION flowcomm.paylink_short_valid(text, bytea, text) IS 'Internal: constant-time check of a short token''s MAC for the given terms';
CREATE FUNCTION flowcomm.sms_segments(body text, OUT segments int, OUT encoding text)
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_sms_segments';
COMMENT ON FUNCTION flowcomm.sms_segments(text) IS 'Billed SMS segments of a body and its encoding (GSM-7: 160, 153 per part; UCS-2: 70, 67 per part), as the workers record them';

CREATE TABLE flowcomm.payment_link (
	link_id      bytea PRIMARY KEY CHECK (length(link_id) = 8),
	business_id  uuid NOT NULL,
	invoice_id   uuid NOT NULL,
	amount       text NOT NULL,
	currency     text NOT NULL,
	key_id       text NOT NULL,
	issued_at    timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL
);
COMMENT ON TABLE flowcomm.payment_link IS 'Payment links issued since 0.3.0: the terms a short token (link id + MAC) stands for. Read only through payment_link_verify; no role has direct access';
COMMENT ON COLUMN flowcomm.payment_link.link_id IS 'Random 8-byte id, the first half of the token; primary key because a token is verified without knowing its business';
COMMENT ON COLUMN flowcomm.payment_link.amount IS 'Exact decimal text at the currency''s minor unit, as signed';
COMMENT ON COLUMN flowcomm.payment_link.key_id IS 'signing_key that signed the token (not a foreign key: a removed key must leave its links unverifiable, not undeletable)';
ALTER TABLE flowcomm.payment_link ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flowcomm.payment_link
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));
SELECT pg_catalog.pg_extension_config_dump('flowcomm.payment_link'::regclass, '');

--@function flowcomm.paylink_terms
COMMENT ON FUNCTION flowcomm.paylink_terms(flowcomm.payment_link) IS 'Internal: the terms of a payment link as its short token signs them';
--@function flowcomm.payment_link_issue
--@function flowcomm.payment_link_check_short
COMMENT ON FUNCTION flowcomm.payment_link_check_short(text, numeric, timestamptz) IS 'Internal: verify a short (0.3.0) payment link token as of a given time';
--@function flowcomm.payment_link_check
REVOKE ALL ON FUNCTION flowcomm.paylink_short_sign(bytea, bytea, text), flowcomm.paylink_short_id(text),
	flowcomm.paylink_short_valid(text, bytea, text), flowcomm.sms_segments(text),
	flowcomm.paylink_terms(flowcomm.payment_link), flowcomm.payment_link_check_short(text, numeric, timestamptz) FROM PUBLIC;
