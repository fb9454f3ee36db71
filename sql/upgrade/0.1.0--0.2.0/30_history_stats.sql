-- 30_history_stats.sql — history keyset pagination and bounded counts,
-- stats from an index-only range scan (issue #11, scenario 5 "Growth").
--
-- Mirrors sql/src/20_api.sql (history and its helpers, the channel/type
-- indexes), sql/src/65_stats.sql (stats, communication_stats_idx) and
-- sql/src/70_rest_api.sql (api.communications gains "cursor" and "count").
-- The three indexes are built here with a plain CREATE INDEX (an extension
-- script cannot build them concurrently): the update locks communication
-- against writes while they are built.

-- history: GET /communications with filters and pagination.
--
-- Two ways to page, newest first (created_at DESC, id DESC):
-- * page/size (OFFSET): the seed's contract, kept for compatibility; a deep
--   page reads every row before it.
-- * cursor/size (keyset): "cursor" is the opaque "nextCursor" of the previous
--   answer; each page is one index range read, however deep.
-- The count is bounded by default: "count": "estimated" returns the planner's
-- estimate (countIsEstimate = true) when it is above twice
-- history_count_cap(), else counts exactly up to the cap, and beyond the cap
-- falls back to the estimate; "exact" counts every match (cost grows with the
-- matches); "none" skips it, and is the default of cursor pages (the first
-- page gave the count).  The query is built from the filters present,
-- so each call is planned for its own filters (no generic plan that has to
-- serve every combination).
--@function flowcomm.history_count_cap
COMMENT ON FUNCTION flowcomm.history_count_cap() IS 'history "count": "estimated" counts exactly up to this many matches, then estimates';

-- history_cursor: the opaque keyset position after a row.
--@function flowcomm.history_cursor
COMMENT ON FUNCTION flowcomm.history_cursor(timestamptz, uuid) IS 'Opaque history cursor (nextCursor) for the position after a message: its created_at and id';

-- history_cursor_decode: the position of a cursor; 22023 naming "cursor"
-- for anything history_cursor did not produce.
--@function flowcomm.history_cursor_decode
COMMENT ON FUNCTION flowcomm.history_cursor_decode(text) IS 'Position (created_at, id) of a history cursor; 22023 naming "cursor" when malformed';

-- history_count_estimate: the planner's row estimate for history's filter
-- (EXPLAIN is refused inside a STABLE function, so it runs here).  Internal:
-- "w" is the WHERE clause history builds from fixed fragments over $1..$11.
--@function flowcomm.history_count_estimate
COMMENT ON FUNCTION flowcomm.history_count_estimate(text, uuid, flowcomm.channel, flowcomm.communication_status, flowcomm.communication_type, text, uuid, text, text, uuid, timestamptz, timestamptz) IS 'Internal to history: the planner''s estimate of the rows matching a filter (count "estimated" above the cap)';

--@function flowcomm.history
COMMENT ON FUNCTION flowcomm.history(jsonb) IS 'Message history of the current business (seed GET /communications), newest first: filters channel, status, type, recipientType, recipientId, recipientContact, entityType, entityId, startDate, endDate; page (from 1) or cursor (the nextCursor of the previous answer) and size (max 100); count "estimated" (default of page requests: exact up to 10,000, else the planner estimate), "exact" or "none" (default with a cursor); returns results, count, countIsEstimate, page, size, nextCursor';
-- History pages by channel and by type, newest first (status, contact, recipient,
-- entity and date have their indexes in 00_schema.sql).  status, type and
-- channel ride along so that the bounded count of a combined filter (type +
-- status, channel + status) is an index-only scan: 15 ms instead of 215 ms
-- for a 0.2 % combination at 1M rows.
CREATE INDEX communication_channel_created_idx ON flowcomm.communication (business_id, channel, created_at DESC, id DESC)
	INCLUDE (status, type);
CREATE INDEX communication_type_created_idx ON flowcomm.communication (business_id, type, created_at DESC, id DESC)
	INCLUDE (status, channel);

REVOKE EXECUTE ON FUNCTION flowcomm.history_count_cap(), flowcomm.history_cursor(timestamptz, uuid),
	flowcomm.history_cursor_decode(text),
	flowcomm.history_count_estimate(text, uuid, flowcomm.channel, flowcomm.communication_status, flowcomm.communication_type,
		text, uuid, text, text, uuid, timestamptz, timestamptz) FROM PUBLIC;

-- stats: totals and rates for a date range of the current business.
--@function flowcomm.stats
COMMENT ON FUNCTION flowcomm.stats(jsonb) IS 'Delivery statistics of the current business for startDate..endDate (default: last 30 days): totals by channel, status and type; delivery, failure, bounce, open and click rates; average and p95 seconds queued→sent and queued→delivered; retries; cost';

-- stats reads a range of days of one business: this index holds every column
-- it reads, so a month is an index-only range scan, not a heap read of every
-- message (0.2.0; docs/performance.md "History and stats at 1M rows").
CREATE INDEX communication_stats_idx ON flowcomm.communication (business_id, created_at, id)
	INCLUDE (direction, channel, type, status, queued_at, sent_at, delivered_at, opened_at, clicked_at,
			 retry_count, price, price_unit);

-- api.communications: two new parameters, so a new signature.
DROP FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text);
-- GET /rpc/communications?channel=email&page=1&size=20
-- GET /rpc/communications?channel=email&size=20&cursor=<nextCursor>&count=none
--@function api.communications
COMMENT ON FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text) IS 'GET /rpc/communications: history with filters, page or cursor pagination and a count mode (seed GET /communications)';

REVOKE EXECUTE ON FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.communications(text, text, text, text, text, text, text, text, text, text, text, text, text, text) TO flowcomm_viewer;
