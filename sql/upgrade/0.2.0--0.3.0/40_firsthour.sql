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
