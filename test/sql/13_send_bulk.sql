-- flowcomm.send_bulk: set-based path (templates, idempotency, preferences,
-- suppressions), the element-by-element path, errors naming the element,
-- and nothing written by a bad batch.
\set VERBOSITY terse
SET flowcomm.business_id = 'b0000000-0000-0000-0000-000000000013';
SET flowcomm.user_id = 'u-campaign-1';

-- An empty batch, and a campaign on the set-based path: two templated SMS,
-- one plain e-mail, a repeated idempotency key.
SELECT flowcomm.send_bulk('[]');
SELECT r - 'ids' AS summary, jsonb_array_length(r -> 'ids') AS ids, (r -> 'ids' ->> 0) = (r -> 'ids' ->> 3) AS key_replays_first
  FROM flowcomm.send_bulk('[
	{"channel":"sms","type":"invoice","recipientContact":"+14155550100","templateCode":"invoice","idempotencyKey":"camp-1",
	 "templateVariables":{"customerName":"Ana","invoiceNumber":"INV-1","amount":12.5,"currency":"USD","businessName":"Shop"}},
	{"channel":"sms","type":"invoice","recipientContact":"+14155550101","templateCode":"invoice","locale":"es",
	 "templateVariables":{"customerName":"Luis","invoiceNumber":"INV-2","amount":20,"currency":"USD","businessName":"Shop"}},
	{"channel":"email","type":"general","recipientContact":"Eva@Example.com","subject":"Hello","content":"<p>Hi <b>Eva</b></p>",
	 "entityType":"campaign","entityId":"ca000000-0000-0000-0000-000000000001","priority":"high","metadata":{"campaign":"spring"}},
	{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"ignored: same key","idempotencyKey":"camp-1"}]') r;

-- Rows as send would store them: rendered content, queue job, queued event.
SELECT c.channel, c.type, c.recipient_contact, c.locale, c.created_by, c.template_code, c.content, c.content_text,
	   q.status AS queue, q.priority, q.max_attempts, e.event
  FROM flowcomm.communication c
  JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
  JOIN flowcomm.communication_event e ON e.business_id = c.business_id AND e.communication_id = c.id
 WHERE c.business_id = 'b0000000-0000-0000-0000-000000000013'
 ORDER BY c.recipient_contact;

-- The key replays in a later batch too.
SELECT r -> 'replays' AS replays, r ->> 'queued' AS queued,
	   (r -> 'ids' ->> 0)::uuid = (SELECT id FROM flowcomm.communication WHERE idempotency_key = 'camp-1') AS same_id
  FROM flowcomm.send_bulk('[{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","idempotencyKey":"camp-1"}]') r;

-- Opted-out and suppressed recipients are skipped and reported, the others queued.
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-000000000013', '{"optedOut": true}') ->> 'optedOut';
INSERT INTO flowcomm.suppression (business_id, channel, contact, reason)
VALUES ('b0000000-0000-0000-0000-000000000013', 'sms', '+14155550199', 'stop_keyword');
SELECT r - 'ids' AS summary, r -> 'ids' -> 0 IS NOT NULL AND r -> 'ids' ->> 1 IS NULL AND r -> 'ids' ->> 2 IS NULL AS ids_in_order
  FROM flowcomm.send_bulk('[
	{"channel":"sms","type":"invoice","recipientContact":"+14155550102","content":"ok"},
	{"channel":"sms","type":"invoice","recipientContact":"+14155550103","recipientId":"c0000000-0000-0000-0000-000000000013","content":"no"},
	{"channel":"sms","type":"invoice","recipientContact":"+14155550199","content":"no"}]') r;

-- The element-by-element path (attachments, scheduledAt) gives the same shape.
SELECT r - 'ids' AS summary, jsonb_array_length(r -> 'ids') AS ids
  FROM flowcomm.send_bulk(jsonb_build_array(
	jsonb_build_object('channel', 'email', 'type', 'invoice', 'recipientContact', 'f@example.com', 'subject', 'S', 'content', 'x',
		'attachments', '[{"filename": "a.pdf", "contentBase64": "JVBERi0xLjQK"}]'::jsonb),
	jsonb_build_object('channel', 'sms', 'type', 'invoice', 'recipientContact', '+14155550104', 'content', 'later',
		'scheduledAt', to_char(now() + interval '2 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
	jsonb_build_object('channel', 'sms', 'type', 'invoice', 'recipientContact', '+14155550199', 'content', 'blocked'))) r;
SELECT count(*) AS attachments FROM flowcomm.communication_attachment WHERE business_id = 'b0000000-0000-0000-0000-000000000013';

-- Bad batches: the error names the element and field; nothing is written.
CREATE TEMP TABLE before13 AS SELECT (SELECT count(*) FROM flowcomm.communication) c, (SELECT count(*) FROM flowcomm.communication_queue) q,
	(SELECT count(*) FROM flowcomm.communication_event) e;
SELECT flowcomm.send_bulk(NULL);
SELECT flowcomm.send_bulk('{"channel":"sms"}');
SELECT flowcomm.send_bulk('[{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x"}, 5]');
SELECT flowcomm.send_bulk('[{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x"},
	{"channel":"sms","type":"invoice","recipientContact":"4155550100","content":"x"}]');
SELECT flowcomm.send_bulk('[{"channel":"sms","type":"invoice","recipientContact":"+14155550100","templateCode":"invoice",
	"templateVariables":{"customerName":"Ana"}}]');
SELECT flowcomm.send_bulk('[{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x"},
	{"channel":"sms","type":"invoice","recipientContact":"+14155550100","templateCode":"no_such_template"}]');
SELECT flowcomm.send_bulk('[{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","scheduledAt":"2026-02-30"}]');
SELECT flowcomm.send_bulk((SELECT jsonb_agg('{}'::jsonb) FROM generate_series(1, 100001)));
SELECT (SELECT count(*) FROM flowcomm.communication) = c AND (SELECT count(*) FROM flowcomm.communication_queue) = q
   AND (SELECT count(*) FROM flowcomm.communication_event) = e AS nothing_written
  FROM before13;

-- The REST wrapper.
SELECT api.send_bulk('[{"channel":"messenger","type":"general","recipientContact":"1234567890123","content":"Hi"}]') ->> 'queued' AS rest_queued;
RESET flowcomm.business_id;
SELECT flowcomm.send_bulk('[]');
