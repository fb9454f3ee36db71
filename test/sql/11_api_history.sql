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
