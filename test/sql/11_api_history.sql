-- history, details, cancel, resend.
\set VERBOSITY terse
SET flowcomm.business_id = 'b0000000-0000-0000-0000-000000000011';
SELECT count(*) FROM (
	SELECT flowcomm.send(jsonb_build_object('channel', ch, 'type', t, 'recipientContact', ct, 'subject', 'S', 'content', 'm' || i,
										   'entityType', 'sale', 'entityId', 'a0000000-0000-0000-0000-00000000000' || (i % 3)))
	  FROM generate_series(1, 9) i,
		   LATERAL (SELECT (ARRAY['email', 'sms', 'whatsapp'])[i % 3 + 1] ch,
						   (ARRAY['invoice', 'payment_link'])[i % 2 + 1] t,
						   (ARRAY['x@example.com', '+14155550100', '+14155550101'])[i % 3 + 1] ct) v) s;

SELECT h ->> 'count' AS count, h ->> 'page' AS page, h ->> 'size' AS size, jsonb_array_length(h -> 'results') AS n
  FROM flowcomm.history('{"size": 4, "page": 2}') h;
SELECT h ->> 'count' FROM flowcomm.history('{"channel": "sms"}') h;
SELECT h ->> 'count' FROM flowcomm.history('{"channel": "email", "type": "invoice"}') h;
SELECT h ->> 'count' FROM flowcomm.history('{"entityType": "sale", "entityId": "a0000000-0000-0000-0000-000000000001"}') h;
SELECT h ->> 'count' FROM flowcomm.history('{"recipientContact": "+14155550101", "status": "queued"}') h;
SELECT h ->> 'count' FROM flowcomm.history(jsonb_build_object(
	'startDate', to_char((now() - interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	'endDate', to_char((now() + interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) h;
SELECT h ->> 'count' FROM flowcomm.history('{"startDate": "2001-01-01", "endDate": "2001-01-31"}') h;
-- Newest first.
SELECT (h #>> '{results,0,createdAt}') >= (h #>> '{results,1,createdAt}') AS newest_first FROM flowcomm.history() h;
SELECT flowcomm.history('{"size": 1000}');
SELECT flowcomm.history('{"page": 0}');
SELECT flowcomm.history('{"status": "lost"}');
SELECT flowcomm.history('{"startDate": "2020-02-30"}');
SELECT flowcomm.history('{"startDate": "2021-01-02", "endDate": "2021-01-01"}');
SELECT flowcomm.history('{"sort": "id"}');

-- Keyset paging: the nine messages above share one created_at (one
-- transaction), so the id breaks the ties; cursor pages of 4 walk the same
-- rows as page/size, in the same order, and the last page has no nextCursor.
WITH RECURSIVE walk(n, cursor, ids) AS (
	SELECT 1, h ->> 'nextCursor', ARRAY(SELECT r ->> 'id' FROM jsonb_array_elements(h -> 'results') r)
	  FROM flowcomm.history('{"size": 4, "count": "none"}') h
	UNION ALL
	SELECT w.n + 1, h ->> 'nextCursor', w.ids || ARRAY(SELECT r ->> 'id' FROM jsonb_array_elements(h -> 'results') r)
	  FROM walk w, LATERAL flowcomm.history(jsonb_build_object('size', 4, 'cursor', w.cursor)) h
	 WHERE w.cursor IS NOT NULL)
SELECT n AS pages, cardinality(ids) AS rows,
	   ids = ARRAY(SELECT r ->> 'id' FROM jsonb_array_elements(flowcomm.history('{"size": 100}') -> 'results') r) AS same_as_offset,
	   cardinality(ids) = (SELECT count(DISTINCT i) FROM unnest(ids) i) AS no_repeats
  FROM walk ORDER BY n DESC LIMIT 1;
-- A cursor with filters continues within them; page mode also hands out nextCursor.
SELECT h ->> 'page' AS page, jsonb_array_length(h -> 'results') AS n, h ->> 'nextCursor' IS NOT NULL AS has_next,
	   jsonb_array_length(flowcomm.history(jsonb_build_object('channel', 'email', 'size', 2, 'cursor', h ->> 'nextCursor')) -> 'results') AS rest
  FROM flowcomm.history('{"channel": "email", "size": 2, "page": 1}') h;
-- Count modes: estimated (default) is exact below the cap, none skips it.
SELECT h ->> 'count' AS count, h ->> 'countIsEstimate' AS estimate FROM flowcomm.history('{}') h;
SELECT h ->> 'count' AS count, h ->> 'countIsEstimate' AS estimate FROM flowcomm.history('{"count": "exact", "channel": "sms"}') h;
SELECT h -> 'count' AS count, h ->> 'countIsEstimate' AS estimate, jsonb_array_length(h -> 'results') AS n
  FROM flowcomm.history('{"count": "none", "size": 3}') h;
-- Cursor pages skip the count unless asked (the first page gave it).
SELECT h -> 'count' AS count, h -> 'page' AS page, jsonb_array_length(h -> 'results') AS n,
	   (flowcomm.history(jsonb_build_object('size', 4, 'cursor', h ->> 'nextCursor', 'count', 'exact')) ->> 'count') AS asked
  FROM flowcomm.history(jsonb_build_object('size', 4, 'cursor', flowcomm.history('{"size": 4}') ->> 'nextCursor')) h;
SELECT flowcomm.history('{"count": "all"}');
SELECT flowcomm.history('{"cursor": "bm90IGEgY3Vyc29y"}');
SELECT flowcomm.history('{"cursor": 5}');
SELECT flowcomm.history(jsonb_build_object('page', 2, 'cursor', flowcomm.history('{"size": 1}') ->> 'nextCursor'));
-- Above the cap (10,000 matches) "estimated" returns the planner's estimate.
SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000011ca';
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, created_at)
SELECT 'b0000000-0000-0000-0000-0000000011ca', 'test', 'customer', '+14155550100', 'sms', 'invoice', 'x', 'sent',
	   now() - i * interval '1 minute'
  FROM generate_series(1, 10050) i;
ANALYZE flowcomm.communication;
SELECT (h ->> 'count')::bigint > 10000 AS above_cap, h ->> 'countIsEstimate' AS estimate, jsonb_array_length(h -> 'results') AS n
  FROM flowcomm.history('{"size": 5}') h;
SELECT h ->> 'count' AS count, h ->> 'countIsEstimate' AS estimate FROM flowcomm.history('{"count": "exact"}') h;
SELECT h ->> 'count' AS count, h ->> 'countIsEstimate' AS estimate FROM flowcomm.history('{"startDate": "2001-01-01", "endDate": "2001-01-31"}') h;
-- 101st page of 100 by cursor: the last rows, oldest last.
WITH RECURSIVE walk(n, cursor, last_at) AS (
	SELECT 1, h ->> 'nextCursor', h #>> '{results,99,createdAt}' FROM flowcomm.history('{"size": 100, "count": "none"}') h
	UNION ALL
	SELECT w.n + 1, h ->> 'nextCursor', h #>> '{results,-1,createdAt}'
	  FROM walk w, LATERAL flowcomm.history(jsonb_build_object('size', 100, 'count', 'none', 'cursor', w.cursor)) h
	 WHERE w.cursor IS NOT NULL)
SELECT max(n) AS pages, bool_and(cursor IS NULL) FILTER (WHERE n = (SELECT max(n) FROM walk)) AS ends,
	   (SELECT last_at FROM walk ORDER BY n DESC LIMIT 1)::timestamptz
		= (SELECT min(created_at) FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000011ca') AS reaches_oldest
  FROM walk;
DELETE FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000011ca';
SET flowcomm.business_id = 'b0000000-0000-0000-0000-000000000011';

-- details: attachments, queue and event timeline; 404 for unknown ids.
SELECT d ->> 'status' AS status, d -> 'queue' ->> 'status' AS queue, jsonb_array_length(d -> 'events') AS events,
	   d #>> '{events,0,event}' AS first_event
  FROM flowcomm.details((flowcomm.history('{"size":1}') #>> '{results,0,id}')::uuid) d;
SELECT flowcomm.details('00000000-0000-0000-0000-000000000000');
SELECT flowcomm.details(NULL);

-- cancel: only before sending.
SELECT flowcomm.cancel((flowcomm.history('{"size":1}') #>> '{results,0,id}')::uuid, 'customer paid cash') ->> 'status';
SELECT e.event, e.detail FROM flowcomm.communication_event e
 WHERE e.business_id = 'b0000000-0000-0000-0000-000000000011' AND e.event = 'cancelled';
\set VERBOSITY sqlstate
SELECT flowcomm.cancel((flowcomm.history('{"size":1}') #>> '{results,0,id}')::uuid);
UPDATE flowcomm.communication SET status = 'sent' WHERE business_id = 'b0000000-0000-0000-0000-000000000011'
   AND id = (flowcomm.history('{"size":1,"page":2}') #>> '{results,0,id}')::uuid;
SELECT flowcomm.cancel((flowcomm.history('{"size":1,"page":2}') #>> '{results,0,id}')::uuid);
\set VERBOSITY terse

-- resend: another channel, linked to the original.
WITH o AS (SELECT (flowcomm.history('{"channel":"email","size":1}') #>> '{results,0,id}')::uuid id)
SELECT r -> 'communication' ->> 'channel' AS channel, r -> 'communication' ->> 'recipientContact' AS contact,
	   (r ->> 'originalCommunicationId')::uuid = o.id AS linked
  FROM o, flowcomm.resend(o.id, '{"channel": "sms", "recipientContact": "+14155550123"}') r;
SELECT flowcomm.resend('00000000-0000-0000-0000-000000000000');
SELECT flowcomm.resend((flowcomm.history('{"size":1}') #>> '{results,0,id}')::uuid, '{"channel": "pigeon"}');
