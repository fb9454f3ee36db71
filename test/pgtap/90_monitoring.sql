-- Monitoring SQL (issue 20): the queue counts kept by statement triggers
-- equal the queue through inserts, claims, completions, deletes and a
-- truncate; the due count stops at its cap; webhook counter names are
-- checked.  The incremental rollups (trigger deltas folded into buckets)
-- equal a recomputation from the data (monitor_rebuild) after inserts,
-- updates (late delivered / opened, failures, requeue) and deletes; the
-- p95 from the histogram is within its bucket of the exact percentile;
-- payment links paid, reminders paid, preferences follow their tables.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(23);
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
-- ---------------------------------------------------------------- rollups
-- snap(): every rollup row, as text, for comparing two ways of computing them.
CREATE FUNCTION pg_temp.snap() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT 'e ' || e::text FROM flowcomm.monitor_engagement e
	UNION ALL SELECT 'b ' || b::text FROM flowcomm.monitor_business_metric b
	UNION ALL SELECT 't ' || t::text FROM flowcomm.monitor_template_use t
	UNION ALL SELECT 'f ' || f::text FROM flowcomm.monitor_failure_reason f
$$;
CREATE FUNCTION pg_temp.same_as_rebuild() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	diff text;
BEGIN
	PERFORM flowcomm.monitor_refresh(true);
	CREATE TEMP TABLE inc ON COMMIT DROP AS SELECT * FROM pg_temp.snap() s;
	PERFORM flowcomm.monitor_rebuild();
	SELECT string_agg(x, '; ') INTO diff FROM ((SELECT * FROM inc EXCEPT ALL SELECT * FROM pg_temp.snap())
											   UNION ALL (SELECT * FROM pg_temp.snap() EXCEPT ALL SELECT * FROM inc)) d(x);
	DROP TABLE inc;
	RETURN coalesce(diff, 'same');
END
$$;
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status,
									queued_at, sent_at, template_code, entity_type, entity_id)
SELECT 'b0000000-0000-0000-0000-0000000090a2', CASE WHEN g % 4 = 0 THEN 'SYSTEM_rules' ELSE 'api' END, 'customer',
	   'r' || g || '@example.test', (ARRAY['email', 'sms', 'whatsapp'])[1 + g % 3]::flowcomm.channel,
	   (ARRAY['invoice', 'payment_link'])[1 + g % 2]::flowcomm.communication_type, 'x', 'sent',
	   now() - make_interval(secs => g), now(), 'tpl_' || g % 3, 'accountsReceivableInvoice',
	   ('c0000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid
  FROM generate_series(1, 60) g;
-- late webhooks on some, failures, retries, a requeue, a delete
UPDATE flowcomm.communication SET status = 'delivered', delivered_at = now() + interval '4 seconds'
 WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND recipient_contact LIKE 'r1%';
UPDATE flowcomm.communication SET status = 'clicked', opened_at = now(), clicked_at = now()
 WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND recipient_contact LIKE 'r2%';
UPDATE flowcomm.communication SET status = 'bounced', error_code = 'bounce'
 WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND recipient_contact LIKE 'r3%';
UPDATE flowcomm.communication SET status = 'failed', error_code = '30007', retry_count = 3
 WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND recipient_contact LIKE 'r4%';
SELECT is(pg_temp.same_as_rebuild(), 'same', 'incremental rollups equal a rebuild after inserts and late updates');
SELECT is((SELECT messages || ' ' || delivered || ' ' || opened || ' ' || clicked || ' ' || bounced || ' ' || failed
			 FROM flowcomm.monitor_engagement WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2'
			  AND time_window = '1h' AND channel = 'sms' AND type = 'invoice'),
	(SELECT count(*) || ' ' || count(*) FILTER (WHERE status IN ('delivered', 'opened', 'clicked')) || ' '
			|| count(*) FILTER (WHERE status IN ('opened', 'clicked')) || ' ' || count(*) FILTER (WHERE status = 'clicked') || ' '
			|| count(*) FILTER (WHERE status = 'bounced') || ' ' || count(*) FILTER (WHERE status = 'failed')
	   FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND channel = 'sms' AND type = 'invoice'),
	'sms invoices: messages, delivered, opened, clicked, bounced, failed as the messages are');
SELECT ok((SELECT abs(e.p95_to_sent / x.p - 1) < 0.19 AND abs(e.avg_to_sent - x.a) < 1e-6
			 FROM flowcomm.monitor_engagement e,
				  (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY date_part('epoch', sent_at - queued_at)) AS p,
						  avg(date_part('epoch', sent_at - queued_at)) AS a
					 FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND channel = 'email'
					  AND type = 'payment_link') x
			WHERE e.business_id = 'b0000000-0000-0000-0000-0000000090a2' AND e.time_window = '1d' AND e.channel = 'email'
			  AND e.type = 'payment_link'),
	'p95 from the histogram is within a bucket (19 %) of the exact percentile; the average is exact');
-- an administrator's requeue (failed -> queued) and a delete move the counts back
UPDATE flowcomm.communication SET status = 'queued' WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND recipient_contact = 'r4@example.test';
DELETE FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND recipient_contact LIKE 'r5%';
SELECT is(pg_temp.same_as_rebuild(), 'same', 'and after a requeue and a delete');
SELECT is((SELECT value FROM flowcomm.monitor_business_metric WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2'
			AND metric = 'invoices_sent' AND label = 'auto'),
	(SELECT count(*)::float8 FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2'
	  AND type = 'invoice' AND created_by LIKE 'SYSTEM\_%' AND sent_at IS NOT NULL), 'invoices sent automatically');

-- payment link issued, reminder sent, then two confirmations: paid once
INSERT INTO flowcomm.payment_link (link_id, business_id, invoice_id, amount, currency, key_id, issued_at, expires_at)
VALUES ('\x0102030405060708', 'b0000000-0000-0000-0000-0000000090a2', 'c0000000-0000-0000-0000-000000000007', '10.00', 'USD', 'k1',
		now(), now() + interval '30 days');
INSERT INTO flowcomm.reminder_log (business_id, invoice_id, step, days_overdue, outcome)
VALUES ('b0000000-0000-0000-0000-0000000090a2', 'c0000000-0000-0000-0000-000000000007', 2, 5, 'sent'),
	   ('b0000000-0000-0000-0000-0000000090a2', 'c0000000-0000-0000-0000-000000000008', 2, 5, 'sent');
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, entity_type, entity_id)
SELECT 'b0000000-0000-0000-0000-0000000090a2', 'SYSTEM_payments', 'customer', 'pay@example.test', 'email', 'payment_confirmation',
	   'x', 'queued', 'accountsReceivableInvoice', 'c0000000-0000-0000-0000-000000000007' FROM generate_series(1, 2);
SELECT flowcomm.monitor_refresh(true);
SELECT is((SELECT string_agg(metric || ':' || label || '=' || value, ' ' ORDER BY metric, label) FROM flowcomm.monitor_business_metric
			WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND (metric LIKE 'pay%' OR metric LIKE 'reminders%')),
	'payment_links_issued:=1 payment_links_opened:=5 payment_links_paid:=1 reminders_paid:2=1 reminders_sent:2=2',
	'one link issued and paid (two confirmations count once); 5 payment-link messages clicked; of two step-2 reminders one was paid');
SELECT is(pg_temp.same_as_rebuild(), 'same', 'links and reminders: incremental equals a rebuild');

-- preferences: current counts through insert, update, delete
INSERT INTO flowcomm.communication_preference (business_id, entity_type, entity_id, sms_enabled)
SELECT 'b0000000-0000-0000-0000-0000000090a2', 'customer', ('d0000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, g % 2 = 0
  FROM generate_series(1, 5) g;
UPDATE flowcomm.communication_preference SET opted_out_at = now(), email_enabled = false
 WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND entity_id = 'd0000000-0000-0000-0000-000000000001';
DELETE FROM flowcomm.communication_preference
 WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND entity_id = 'd0000000-0000-0000-0000-000000000002';
SELECT flowcomm.monitor_refresh(true);
SELECT is((SELECT string_agg(label || '=' || value, ' ' ORDER BY label) FROM flowcomm.monitor_business_metric
			WHERE business_id = 'b0000000-0000-0000-0000-0000000090a2' AND metric = 'preferences'),
	'email=3 messenger=4 opted_out=1 sms=1 total=4 whatsapp=4', 'preference distribution follows inserts, updates and deletes');
SELECT is(pg_temp.same_as_rebuild(), 'same', 'preferences: incremental equals a rebuild');
SELECT ok((SELECT count(*) = 0 FROM flowcomm.monitor_message_delta) AND (SELECT count(*) = 0 FROM flowcomm.monitor_business_delta),
	'a refresh leaves no delta behind');
TRUNCATE flowcomm.communication CASCADE;
SELECT flowcomm.monitor_refresh(true);
SELECT is((SELECT count(*)::int FROM flowcomm.monitor_engagement), 0, 'truncated messages count nothing');
SELECT * FROM finish();
ROLLBACK;
