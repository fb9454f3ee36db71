-- send_bulk bad input: each bad batch fails with the expected SQLSTATE and
-- a message naming the element index and field, and no flowcomm table
-- changes — also when the bad element comes after good ones.
BEGIN;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000001ba';
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE bad_case (n serial, sql text, state text, msg text);
CREATE TEMP TABLE good AS SELECT '{"channel": "sms", "type": "invoice", "recipientContact": "+14155550100", "content": "x"}'::jsonb AS req;
CREATE TEMP TABLE tgood AS SELECT '{"channel": "sms", "type": "invoice", "recipientContact": "+14155550100", "templateCode": "invoice",
	"templateVariables": {"customerName": "A", "invoiceNumber": "1", "amount": 1, "currency": "USD", "businessName": "S"}}'::jsonb AS req;

-- The batch itself.
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT flowcomm.send_bulk(NULL)', '22023', 'invalid requests: must be a JSON array'),
	('SELECT flowcomm.send_bulk(''{}'')', '22023', 'invalid requests: must be a JSON array'),
	('SELECT flowcomm.send_bulk(''"x"'')', '22023', 'invalid requests: must be a JSON array'),
	('SELECT flowcomm.send_bulk((SELECT jsonb_agg(req) FROM good, generate_series(1, 100001)))', '22023', 'at most 100000 per call'),
	('SELECT flowcomm.send_bulk(''[1]'')', '22023', 'invalid requests[0]: must be a JSON object'),
	('SELECT flowcomm.send_bulk(''[null]'')', '22023', 'invalid requests[0]: must be a JSON object');

-- Element 2 of [good, good, bad], with each field broken; plain and templated.
INSERT INTO bad_case (sql, state, msg)
SELECT format('SELECT flowcomm.send_bulk(%L::jsonb)', jsonb_build_array(g.req, g.req, g.req || jsonb_build_object(f, v::jsonb))),
	   st, format('invalid requests[2].%s', f)
  FROM (VALUES
	('channel', '"fax"', '22023'), ('channel', '1', '22023'), ('type', '"spam"', '22023'), ('type', '"inbound_reply"', '22023'),
	('recipientContact', '"4155550100"', '22023'), ('recipientContact', '""', '22023'), ('recipientContact', '12', '22023'),
	('recipientType', '"robot"', '22023'), ('recipientId', '"42"', '22023'), ('recipientName', to_jsonb(repeat('n', 300))::text, '22023'),
	('subject', '5', '22023'), ('content', '""', '22023'), ('content', to_jsonb(repeat('c', 65537))::text, '22023'),
	('priority', '"asap"', '22023'), ('scheduledAt', '"tomorrow"', '22023'), ('scheduledAt', '"2026-02-30"', '22023'),
	('entityType', '"sale-1"', '22023'), ('entityId', '"x"', '22023'), ('metadata', '[1]', '22023'),
	('maxRetries', '99', '22023'), ('idempotencyKey', '""', '22023'), ('locale', '"english"', '22023'),
	('templateVariables', '{"a": 1}', '22023'), ('templateId', '"x"', '22023'),
	('attachments', '{}', '22023'), ('createdBy', '"mallory"', '22023'), ('bogus', '1', '22023')
  ) v(f, v, st), good g;
INSERT INTO bad_case (sql, state, msg)
SELECT format('SELECT flowcomm.send_bulk(%L::jsonb)', jsonb_build_array(g.req, g.req || p.pj)), st, m
  FROM (VALUES
	('{"templateVariables": {"customerName": "A"}}', '22023', 'invalid requests[1].templateVariables: missing template variables: amount'),
	('{"templateCode": "no_such_template"}', 'P0002', 'invalid requests[1].templateCode: no active template'),
	('{"channel": "email", "recipientContact": "a@example.com", "templateCode": "partial_footer"}', '22023', 'invalid requests[1].subject'),
	('{"locale": "e"}', '22023', 'invalid requests[1].locale')
  ) v(patch, st, m), tgood g
  CROSS JOIN LATERAL (SELECT v.patch::jsonb AS pj) p;
INSERT INTO bad_case (sql, state, msg) VALUES
	(format('SELECT flowcomm.send_bulk(%L::jsonb)', (SELECT jsonb_build_array(req, req || '{"businessId": "b0000000-0000-0000-0000-000000000099"}') FROM good)),
	 '42501', 'requests[1]: businessId');

\ir bad_input_setup.psql

SELECT plan((SELECT count(*)::int FROM bad_case) + 2);
\set what 'send_bulk bad input'
\ir bad_input_check.psql
SELECT is((flowcomm.send_bulk((SELECT jsonb_build_array(req, req) FROM good)) ->> 'queued')::int, 2, 'the good elements alone are queued');
SELECT * FROM finish();
ROLLBACK;
