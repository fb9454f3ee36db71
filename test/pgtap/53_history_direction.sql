-- history filters by direction (0.3.0) through the SQL function and the REST
-- wrapper; stats say that they count outbound messages only.
BEGIN;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000053d1';
SET LOCAL client_min_messages = warning;
SELECT plan(10);

INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, direction)
SELECT 'b0000000-0000-0000-0000-0000000053d1', 'test', 'customer', '+14155550100', 'sms', 'general_notification', 'x' || i,
	   CASE WHEN i <= 3 THEN 'sent' ELSE 'delivered' END::flowcomm.communication_status,
	   CASE WHEN i <= 3 THEN 'outbound' ELSE 'inbound' END
  FROM generate_series(1, 5) i;

SELECT is((flowcomm.history('{"direction": "inbound", "count": "exact"}') ->> 'count')::int, 2, 'direction inbound: the 2 replies');
SELECT is((flowcomm.history('{"direction": "outbound", "count": "exact"}') ->> 'count')::int, 3, 'direction outbound: the 3 sends');
SELECT is((flowcomm.history('{"count": "exact"}') ->> 'count')::int, 5, 'no direction: both');
SELECT ok((SELECT bool_and(r ->> 'direction' = 'inbound') FROM jsonb_array_elements(flowcomm.history('{"direction": "inbound"}') -> 'results') r),
	'every inbound result says direction inbound');
SELECT is((api.communications(direction => 'inbound', count => 'exact') ->> 'count')::int, 2, 'GET /rpc/communications?direction=inbound');
SELECT throws_ok($$SELECT flowcomm.history('{"direction": "both"}')$$, '22023', NULL, 'an unknown direction is refused (22023)');
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLERRM; END $$;
SELECT matches(pg_temp.err($$SELECT flowcomm.history('{"direction": "both"}')$$), 'direction', 'the error names direction');
SELECT is(flowcomm.stats() ->> 'inboundCounted', 'false', 'stats say inbound replies are not counted');
SELECT is((flowcomm.stats(jsonb_build_object('endDate', to_char(now() + interval '1 day', 'YYYY-MM-DD'))) ->> 'total')::int, 3, 'stats total is the outbound messages');
SELECT is(flowcomm.stats() ->> 'direction', 'outbound', 'stats name the direction they count');

SELECT * FROM finish();
ROLLBACK;
