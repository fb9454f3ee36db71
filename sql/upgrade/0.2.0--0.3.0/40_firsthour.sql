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
