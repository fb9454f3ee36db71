-- flowcomm.send: all four channels, validation, idempotency, attachments,
-- scheduling, preferences and suppression; bad input changes nothing.
\set VERBOSITY terse
SET flowcomm.business_id = 'b0000000-0000-0000-0000-000000000010';
SET flowcomm.user_id = 'u-cashier-1';

SELECT r ->> 'status' AS status, r -> 'communication' ->> 'channel' AS channel,
	   r -> 'communication' ->> 'recipientContact' AS contact, r -> 'communication' ->> 'createdBy' AS created_by
  FROM (VALUES
	(flowcomm.send('{"channel":"email","type":"invoice","recipientContact":"Ana@Example.COM","subject":"Invoice 7","content":"<p>Total <b>$10</b></p>"}')),
	(flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"Invoice 7: $10"}')),
	(flowcomm.send('{"channel":"whatsapp","type":"payment_link","recipientContact":"+5215512345678","content":"Pay here"}')),
	(flowcomm.send('{"channel":"messenger","type":"general","recipientContact":"1234567890123456","content":"Hi"}'))) v(r);

-- The queue has one pending job per message, and each message a queued event.
SELECT c.channel, q.status, q.priority, e.event
  FROM flowcomm.communication c
  JOIN flowcomm.communication_queue q USING (business_id)
  JOIN flowcomm.communication_event e USING (business_id)
 WHERE c.business_id = 'b0000000-0000-0000-0000-000000000010'
   AND q.communication_id = c.id AND e.communication_id = c.id
 ORDER BY c.channel;

-- Email gets a plain-text alternative.
SELECT content_text FROM flowcomm.communication WHERE channel = 'email'
   AND business_id = 'b0000000-0000-0000-0000-000000000010';

-- Priority, schedule, attachments, entity link, system actor.
SELECT (r ->> 'estimatedSendTime')::timestamptz > now() + interval '1 day' AS scheduled_later
  FROM flowcomm.send('{"channel":"email","type":"invoice","recipientContact":"b@example.com","subject":"S","content":"x",
	"priority":"urgent","entityType":"sale","entityId":"5a1e0000-0000-0000-0000-000000000001",
	"createdBy":"SYSTEM_sales","attachments":[{"filename":"invoice.pdf","mimeType":"application/pdf","contentBase64":"JVBERi0xLjQK"}]}'
	|| jsonb_build_object('scheduledAt', to_char(now() + interval '2 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) r;
SELECT q.priority, q.scheduled_at > now() + interval '1 day' AS later, c.entity_type, c.created_by, a.filename, a.content
  FROM flowcomm.communication c
  JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
  JOIN flowcomm.communication_attachment a ON a.business_id = c.business_id AND a.communication_id = c.id
 WHERE c.business_id = 'b0000000-0000-0000-0000-000000000010' AND c.entity_type = 'sale';

-- Idempotency: the same key returns the first message.
SELECT (a ->> 'id') = (b ->> 'id') AS same_id, a ->> 'idempotentReplay' AS first, b ->> 'idempotentReplay' AS second
  FROM (SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"A","idempotencyKey":"sale-42"}') a) x,
	   (SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"A","idempotencyKey":"sale-42"}') b) y;
SELECT count(*) FROM flowcomm.communication WHERE idempotency_key = 'sale-42';

-- Bad input: an error naming the field, and nothing written.
CREATE TEMP TABLE before AS SELECT (SELECT count(*) FROM flowcomm.communication) c, (SELECT count(*) FROM flowcomm.communication_queue) q,
	(SELECT count(*) FROM flowcomm.communication_event) e, (SELECT count(*) FROM flowcomm.communication_attachment) a;
SELECT flowcomm.send(NULL);
SELECT flowcomm.send('[]');
SELECT flowcomm.send('{"type":"invoice","recipientContact":"+14155550100","content":"x"}');
SELECT flowcomm.send('{"channel":"fax","type":"invoice","recipientContact":"+14155550100","content":"x"}');
SELECT flowcomm.send('{"channel":"sms","type":"spam","recipientContact":"+14155550100","content":"x"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"4155550100","content":"x"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+0155550100","content":"x"}');
SELECT flowcomm.send('{"channel":"email","type":"invoice","recipientContact":"not-an-email","subject":"s","content":"x"}');
SELECT flowcomm.send('{"channel":"email","type":"invoice","recipientContact":"a@b","subject":"s","content":"x"}');
SELECT flowcomm.send('{"channel":"email","type":"invoice","recipientContact":"a@example.com","content":"x"}');
SELECT flowcomm.send('{"channel":"messenger","type":"invoice","recipientContact":"abc","content":"x"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":""}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","priority":"asap"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","scheduledAt":"tomorrow"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","recipientId":"42"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","recipientType":"robot"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","entityType":"sale; drop table x"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","metadata":[1]}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","maxRetries":99}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","chanel":"sms"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","createdBy":"someone-else"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","businessId":"b0000000-0000-0000-0000-000000000099"}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","attachments":{}}');
SELECT flowcomm.send('{"channel":"email","type":"invoice","recipientContact":"a@example.com","subject":"s","content":"x","attachments":[{"filename":"../etc/passwd","contentBase64":"AA=="}]}');
SELECT flowcomm.send('{"channel":"whatsapp","type":"invoice","recipientContact":"+14155550100","content":"x","attachments":[{"filename":"a.pdf","contentBase64":"AA=="}]}');
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","templateVariables":{}}');
SELECT flowcomm.send(jsonb_build_object('channel','sms','type','invoice','recipientContact','+14155550100','content',repeat('x', 70000)));
SELECT flowcomm.send(jsonb_build_object('channel','sms','type','invoice','recipientContact',repeat('1', 300),'content','x'));
SELECT (SELECT count(*) FROM flowcomm.communication) = c AND (SELECT count(*) FROM flowcomm.communication_queue) = q
   AND (SELECT count(*) FROM flowcomm.communication_event) = e AND (SELECT count(*) FROM flowcomm.communication_attachment) = a
	   AS nothing_written
  FROM before;

-- Preferences: opt-out and disabled channels block sending; suppression too.
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-000000000001',
	'{"smsEnabled": false, "preferredPhone": "+14155550111", "preferredEmail": "Carl@Example.com", "preferences": {"invoice": ["sms", "email"]}}')
	- 'id' - 'updatedAt' AS prefs \gx
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientId":"c0000000-0000-0000-0000-000000000001","content":"x"}');
SELECT flowcomm.send('{"channel":"auto","type":"invoice","recipientId":"c0000000-0000-0000-0000-000000000001","subject":"s","content":"x"}')
	-> 'communication' ->> 'recipientContact' AS auto_picks_email;
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-000000000001', '{"optedOut": true, "optedOutReason": "asked in store"}') ->> 'optedOut';
SELECT flowcomm.send('{"channel":"email","type":"invoice","recipientId":"c0000000-0000-0000-0000-000000000001","subject":"s","content":"x"}');
INSERT INTO flowcomm.suppression (business_id, channel, contact, reason)
VALUES ('b0000000-0000-0000-0000-000000000010', 'email', 'bounced@example.com', 'bounce');
SELECT flowcomm.send('{"channel":"email","type":"invoice","recipientContact":"Bounced@example.com","subject":"s","content":"x"}');
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-000000000001', '{"smsEnabled": "yes"}');
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-000000000001', '{"preferences": {"invoice": ["fax"]}}');
SELECT flowcomm.preferences_update('customer', 'c0000000-0000-0000-0000-000000000001', '{"timezone": "Mars/Olympus"}');
SELECT flowcomm.preferences_update('robot', 'c0000000-0000-0000-0000-000000000001', '{}');
SELECT flowcomm.preferences_get('customer', 'c0000000-0000-0000-0000-000000000002') - 'id' - 'updatedAt' AS defaults \gx

-- No business selected: nothing works.
RESET flowcomm.business_id;
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x"}');
SELECT flowcomm.history();
SET flowcomm.business_id = 'not-a-uuid';
SELECT flowcomm.history();
