-- Monitoring SQL (issue 20): the queue counts kept by statement triggers
-- equal the queue through inserts, claims, completions, deletes and a
-- truncate; the due count stops at its cap; webhook counter names are
-- checked; the rollups are tenant-walled.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(12);
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;
-- counted(): monitor_queue() against the real queue, group by group.
CREATE FUNCTION pg_temp.counts_match() RETURNS boolean LANGUAGE sql AS $$
	SELECT NOT EXISTS (
		SELECT m.priority, m.channel, m.status, m.n FROM flowcomm.monitor_queue() m
		EXCEPT
		SELECT p::text, c::text, s::text, (SELECT count(*) FROM flowcomm.communication_queue q
											WHERE q.priority = p AND q.channel = c AND q.status = s)
		  FROM unnest(enum_range(NULL::flowcomm.queue_priority)) p, unnest(enum_range(NULL::flowcomm.channel)) c,
			   unnest(ARRAY['pending', 'processing', 'held', 'dead']::flowcomm.queue_status[]) s)
$$;

INSERT INTO flowcomm.communication (business_id, id, created_by, recipient_type, recipient_contact, channel, type, content, status, queued_at)
SELECT 'b0000000-0000-0000-0000-0000000090a1', flowcomm.uuid_v7(), 'test', 'customer', '+1555900' || lpad(g::text, 4, '0'),
	   (ARRAY['email', 'sms'])[1 + g % 2]::flowcomm.channel, 'invoice', 'x', 'queued', now()
  FROM generate_series(1, 40) g;
INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel, priority, scheduled_at)
SELECT business_id, id, channel, CASE WHEN recipient_contact < '+15559000020' THEN 'high' ELSE 'low' END::flowcomm.queue_priority,
	   now() - interval '1 minute'
  FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000090a1';
SELECT ok(pg_temp.counts_match(), 'after a 40-row insert the counts equal the queue');
SELECT is((SELECT sum(n)::int FROM flowcomm.monitor_queue() WHERE status = 'pending' AND priority = 'high'), 19, '19 high pending');
UPDATE flowcomm.communication_queue SET status = 'processing', lease_expires_at = now() - interval '1 second'
 WHERE business_id = 'b0000000-0000-0000-0000-0000000090a1' AND channel = 'sms';
UPDATE flowcomm.communication_queue SET attempts = attempts + 1
 WHERE business_id = 'b0000000-0000-0000-0000-0000000090a1';
SELECT ok(pg_temp.counts_match(), 'after a claim-like update (and one that changes no group) they still do');
SELECT is((SELECT expired FROM flowcomm.monitor_leases()), 20::bigint, 'the 20 claimed sms have expired leases');
SELECT is((SELECT expired FROM flowcomm.monitor_leases(5)), 5::bigint, 'expired leases are counted up to the cap');
UPDATE flowcomm.communication_queue SET status = 'dead' WHERE business_id = 'b0000000-0000-0000-0000-0000000090a1' AND channel = 'sms'
   AND communication_id IN (SELECT communication_id FROM flowcomm.communication_queue WHERE channel = 'sms' LIMIT 3);
DELETE FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000090a1' AND recipient_contact > '+15559000035';
SELECT ok(pg_temp.counts_match(), 'after dead-lettering and a cascading delete they still do');
SELECT is((SELECT due || ' ' || due_capped FROM flowcomm.monitor_queue_due(3) WHERE priority = 'low'), '3 true',
	'due now stops at its cap and says so');
SELECT ok((SELECT oldest_due_seconds >= 60 FROM flowcomm.monitor_queue_due() WHERE priority = 'low'), 'oldest due age is at least a minute');
SELECT is(flowcomm.monitor_queue_fold() >= 0, true, 'a fold moves the deltas');
SELECT is((SELECT count(*)::int FROM flowcomm.monitor_queue_delta), 0, 'and leaves none behind');
TRUNCATE flowcomm.communication_queue;
SELECT ok(pg_temp.counts_match() AND (SELECT sum(n) FROM flowcomm.monitor_queue()) = 0, 'a truncated queue counts nothing');
SELECT is(pg_temp.err($$SELECT flowcomm.monitor_webhook_note('sendgrid', 'bogus')$$),
	'22023 unknown webhook counter sendgrid/bogus', 'an unknown webhook counter is an error, not a silent no-op');
SELECT * FROM finish();
ROLLBACK;
