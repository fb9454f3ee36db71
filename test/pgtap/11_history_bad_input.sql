-- history's paging and count inputs (0.2.0): every bad cursor or count mode
-- fails with 22023 and a message naming the field, through the SQL function
-- and the REST wrapper, and no row of any flowcomm table changes.
BEGIN;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000011ba';
SET LOCAL client_min_messages = warning;

INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status)
SELECT 'b0000000-0000-0000-0000-0000000011ba', 'test', 'customer', '+14155550100', 'sms', 'invoice', 'x' || i, 'sent'
  FROM generate_series(1, 5) i;
CREATE TEMP TABLE good AS SELECT flowcomm.history('{"size": 2}') ->> 'nextCursor' AS cursor;

CREATE TEMP TABLE bad_case (n serial, sql text, state text, msg text);
-- Cursors that history never hands out: wrong JSON types, not base64url,
-- base64 of something else, a version or layout it does not know, too long.
INSERT INTO bad_case (sql, state, msg)
SELECT format('SELECT flowcomm.history(%L::jsonb)', jsonb_build_object('cursor', v0::jsonb)), '22023', 'cursor'
  FROM (VALUES ('5'), ('true'), ('[]'), ('{}'), ('""'), ('" "'), ('"abc def"'), ('"a+b/c=="'), ('"%%%%"'),
			   ('"bm90IGEgY3Vyc29y"'),                                                -- "not a cursor"
			   (to_jsonb(translate(encode(convert_to('v2:1700000000000000:0190f0e0-0000-7000-8000-000000000001', 'UTF8'), 'base64'), E'+/=\n', '-_'))::text),
			   (to_jsonb(translate(encode(convert_to('v1:abc:0190f0e0-0000-7000-8000-000000000001', 'UTF8'), 'base64'), E'+/=\n', '-_'))::text),
			   (to_jsonb(translate(encode(convert_to('v1:1700000000000000:not-a-uuid', 'UTF8'), 'base64'), E'+/=\n', '-_'))::text),
			   (to_jsonb(translate(encode(convert_to('v1:1700000000000000', 'UTF8'), 'base64'), E'+/=\n', '-_'))::text),
			   (to_jsonb(translate(encode(convert_to('v1:99999999999999999999:0190f0e0-0000-7000-8000-000000000001', 'UTF8'), 'base64'), E'+/=\n', '-_'))::text),
			   (to_jsonb(translate(encode('\xff00fe'::bytea, 'base64'), E'+/=\n', '-_'))::text),  -- not UTF-8
			   (to_jsonb(repeat('A', 129))::text),
			   ('"' || (SELECT cursor FROM good) || '!"'),
			   ('"' || substr((SELECT cursor FROM good), 2) || '"')) v(v0);
-- A cursor cannot be combined with page; size stays bounded with a cursor.
INSERT INTO bad_case (sql, state, msg) VALUES
	(format('SELECT flowcomm.history(%L::jsonb)', jsonb_build_object('cursor', (SELECT cursor FROM good), 'page', 2)), '22023', 'cursor'),
	(format('SELECT flowcomm.history(%L::jsonb)', jsonb_build_object('cursor', (SELECT cursor FROM good), 'size', 0)), '22023', 'size'),
	(format('SELECT flowcomm.history(%L::jsonb)', jsonb_build_object('cursor', (SELECT cursor FROM good), 'size', 101)), '22023', 'size'),
	(format('SELECT flowcomm.history(%L::jsonb)', jsonb_build_object('cursor', (SELECT cursor FROM good), 'count', 'all')), '22023', 'count'),
	('SELECT flowcomm.history(''{"after": "x"}'')', '22023', 'after'),
	('SELECT flowcomm.history(''{"nextCursor": "x"}'')', '22023', 'nextCursor');
-- Count modes other than exact, estimated, none.
INSERT INTO bad_case (sql, state, msg)
SELECT format('SELECT flowcomm.history(%L::jsonb)', jsonb_build_object('count', v0::jsonb)), '22023', 'count'
  FROM (VALUES ('"all"'), ('""'), ('"EXACT"'), ('"exact "'), ('"planned"'), ('5'), ('true'), ('["exact"]'), ('{"mode": "exact"}')) v(v0);
-- The same through the REST wrapper (query-string text).
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT api.communications("cursor" => ''garbage'')', '22023', 'cursor'),
	('SELECT api.communications("cursor" => ''bm90IGEgY3Vyc29y'')', '22023', 'cursor'),
	(format('SELECT api.communications("cursor" => %L, page => ''2'')', (SELECT cursor FROM good)), '22023', 'cursor'),
	('SELECT api.communications(count => ''all'')', '22023', 'count'),
	('SELECT api.communications(count => ''Exact'')', '22023', 'count');

\ir bad_input_setup.psql

SELECT plan((SELECT count(*)::int FROM bad_case) + 4);
-- The good cursor works, so the cases below fail for their own reason.
SELECT is(jsonb_array_length(flowcomm.history(jsonb_build_object('size', 2, 'cursor', (SELECT cursor FROM good))) -> 'results'),
		  2, 'the cursor history handed out reads the next page');
SELECT is((api.communications("cursor" => (SELECT cursor FROM good), count => 'none', size => '10')) -> 'results' -> 2 ->> 'status',
		  'sent', 'the REST wrapper passes cursor and count through');
\set what 'history bad input'
\ir bad_input_check.psql
SELECT cmp_ok((SELECT count(*)::int FROM bad_case), '>=', 35, 'the catalogue has at least 35 bad paging inputs');
SELECT * FROM finish();
ROLLBACK;
