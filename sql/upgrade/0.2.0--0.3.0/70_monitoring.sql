-- Monitoring (issue 20): shared-memory counters, queue counts kept by
-- statement triggers, rollups for engagement and business metrics, the
-- flowcomm_monitor role, dashboard().  Webhook entry points count their
-- outcomes (50_webhooks.sql).  See sql/src/90_monitoring.sql.
--@function flowcomm.webhook_sendgrid
--@function flowcomm.twilio_verify
--@function flowcomm.twilio_status_apply
--@function flowcomm.twilio_form_webhook
--@function flowcomm.apply_provider_event


DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowcomm_monitor') THEN
		CREATE ROLE flowcomm_monitor NOLOGIN;
	END IF;
END
$$;
GRANT flowcomm_monitor TO flowcomm_platform_admin;
GRANT USAGE ON SCHEMA flowcomm TO flowcomm_monitor;

-- ------------------------------------------------------------ shared memory

--@function flowcomm.monitor_delivery
COMMENT ON FUNCTION flowcomm.monitor_delivery() IS 'Delivery counters per provider and channel since server start (shared memory): sent, failed (dead letters included), retried, dead-lettered, 429s, and the provider latency histogram in Prometheus form (upper bounds in seconds, +Inf last; cumulative counts)';

--@function flowcomm.monitor_rate_buckets
COMMENT ON FUNCTION flowcomm.monitor_rate_buckets() IS 'Rate-limit buckets of this database (shared memory): account (business id, NULL for the default account), tokens left now, seconds paused by a 429 Retry-After, 429s since the bucket was created';

--@function flowcomm.monitor_webhooks
COMMENT ON FUNCTION flowcomm.monitor_webhooks() IS 'Provider webhooks since server start (shared memory) per provider and outcome: received, rejected_signature, rejected_stale, applied (events recorded), deferred (parked for a message id not stored yet)';

--@function flowcomm.monitor_webhook_note
COMMENT ON FUNCTION flowcomm.monitor_webhook_note(text, text) IS 'Internal: count one webhook outcome in shared memory (kept when the request''s transaction rolls back)';

-- ------------------------------------------------------------ queue counts

CREATE TABLE flowcomm.monitor_queue_count (
	priority flowcomm.queue_priority NOT NULL,
	channel  flowcomm.channel NOT NULL,
	status   flowcomm.queue_status NOT NULL,
	n        bigint NOT NULL,
	PRIMARY KEY (priority, channel, status)
);
COMMENT ON TABLE flowcomm.monitor_queue_count IS 'Queue rows per priority, channel and status, folded from monitor_queue_delta at scrape time (derived; not dumped)';

-- Append-only: every statement on the queue adds one row per group it
-- changed; no index, no row two writers fight over.
CREATE TABLE flowcomm.monitor_queue_delta (
	priority flowcomm.queue_priority NOT NULL,
	channel  flowcomm.channel NOT NULL,
	status   flowcomm.queue_status NOT NULL,
	n        bigint NOT NULL
);
COMMENT ON TABLE flowcomm.monitor_queue_delta IS 'Changes of monitor_queue_count not folded yet, one row per statement and group (derived; not dumped)';
REVOKE ALL ON flowcomm.monitor_queue_count, flowcomm.monitor_queue_delta FROM PUBLIC;

--@function flowcomm.monitor_queue_ins
COMMENT ON FUNCTION flowcomm.monitor_queue_ins() IS 'Internal: statement trigger adding inserted queue rows to monitor_queue_delta';

--@function flowcomm.monitor_queue_upd
COMMENT ON FUNCTION flowcomm.monitor_queue_upd() IS 'Internal: statement trigger moving updated queue rows between monitor_queue_delta groups';

--@function flowcomm.monitor_queue_del
COMMENT ON FUNCTION flowcomm.monitor_queue_del() IS 'Internal: statement trigger removing deleted queue rows from the counts';

--@function flowcomm.monitor_queue_truncate
COMMENT ON FUNCTION flowcomm.monitor_queue_truncate() IS 'Internal: a truncated queue counts nothing';

CREATE TRIGGER monitor_queue_ins AFTER INSERT ON flowcomm.communication_queue
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_queue_ins();
CREATE TRIGGER monitor_queue_upd AFTER UPDATE ON flowcomm.communication_queue
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_queue_upd();
CREATE TRIGGER monitor_queue_del AFTER DELETE ON flowcomm.communication_queue
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_queue_del();
CREATE TRIGGER monitor_queue_truncate AFTER TRUNCATE ON flowcomm.communication_queue
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_queue_truncate();

-- The rows already queued (an upgrade; nothing on a fresh install).
INSERT INTO flowcomm.monitor_queue_count (priority, channel, status, n)
SELECT priority, channel, status, count(*) FROM flowcomm.communication_queue GROUP BY 1, 2, 3;

-- monitor_queue_fold: move the deltas into the counts.  One folder at a
-- time (advisory lock); nothing on a read-only standby.
--@function flowcomm.monitor_queue_fold
COMMENT ON FUNCTION flowcomm.monitor_queue_fold() IS 'Fold monitor_queue_delta into monitor_queue_count (one caller at a time; none on a standby); returns the delta rows folded';

-- monitor_queue: rows per priority, channel and status: the counts plus any
-- deltas not folded yet (a fold is attempted first).
--@function flowcomm.monitor_queue
COMMENT ON FUNCTION flowcomm.monitor_queue() IS 'Queue depth per priority, channel and status (pending, processing, held, dead) from monitor_queue_count: exact, without reading the queue';

-- monitor_queue_due: per priority, due work (exact up to cap, then cap) and
-- the age of the oldest due job: LIMIT-bounded reads of the claim index.
--@function flowcomm.monitor_queue_due
COMMENT ON FUNCTION flowcomm.monitor_queue_due(int) IS 'Per priority: due pending jobs (counted up to cap, due_capped when reached) and seconds since the oldest due job was scheduled; bounded reads of communication_queue_claim_idx';

-- monitor_leases: jobs in flight whose lease expired (a dead worker), up to cap.
--@function flowcomm.monitor_leases
COMMENT ON FUNCTION flowcomm.monitor_leases(int) IS 'Jobs in flight with an expired lease (counted up to cap) and the oldest expiry age; bounded reads of communication_queue_processing_idx';

-- monitor_workers: this database's delivery workers and how many there
-- should be (flowcomm.databases / flowcomm.workers_per_database).
--@function flowcomm.monitor_workers
COMMENT ON FUNCTION flowcomm.monitor_workers() IS 'This database''s delivery workers: expected (settings), running, stalled (no loop for 60 s), HTTP requests in flight, age of the oldest last loop';

-- monitor_webhooks_waiting: authenticated callbacks parked for a message id
-- not stored yet (purged after a day, so the table stays small; capped).
--@function flowcomm.monitor_webhooks_waiting
COMMENT ON FUNCTION flowcomm.monitor_webhooks_waiting(int) IS 'Provider callbacks waiting for their message id (provider_event_pending, counted up to cap) and the age of the oldest';

-- ------------------------------------------------------------ rollups
--
-- Incremental: statement triggers on communication (and on payment_link,
-- reminder_log, communication_preference) append what each statement
-- changed to monitor_message_delta / monitor_business_delta (append-only,
-- no index, no row two writers fight over: one row per statement and
-- group, as for the queue counts).  A refresh folds the deltas into small
-- time buckets -- engagement per minute (last hour) and per hour (last
-- day), templates and failure reasons per hour, business metrics per UTC
-- day -- and prunes the buckets that left their window; the hour / day
-- figures are sums over at most 60 / 25 bucket rows per business, channel
-- and type.  Refresh work is proportional to the statements since the last
-- refresh and to the number of groups, never to the window or the history.
-- A message counts in the bucket of its created_at, with its current state:
-- an update (a late webhook, a retry, an admin requeue) moves its
-- contribution by (new row - old row), so the buckets equal what a
-- recomputation from the messages gives (monitor_rebuild does that, after a
-- load with triggers disabled).  Window edges are whole minutes (last hour),
-- hours (last day, templates, failure reasons) or UTC days (business).

-- Latency histogram: bucket 1 is <= 10 ms, bucket k >= 2 covers
-- 10 ms * 2^((k-2)/4) .. 10 ms * 2^((k-1)/4) (four buckets per doubling),
-- bucket 96 everything from about 5 days; a percentile is interpolated
-- linearly within its bucket (as Prometheus' histogram_quantile does), so
-- it is off by less than the bucket's width (19 %).
--@function flowcomm.monitor_latency_index
COMMENT ON FUNCTION flowcomm.monitor_latency_index(float8) IS 'Internal: latency histogram bucket (1..96, four per doubling from 10 ms) of a duration in seconds';

--@function flowcomm.monitor_latency_upper
COMMENT ON FUNCTION flowcomm.monitor_latency_upper(smallint) IS 'Internal: upper bound in seconds of a latency histogram bucket (0 for bucket 0: the lower bound of bucket 1)';

-- The all-businesses rows of the rollups use the nil uuid as business_id;
-- row-level security hides them (and other businesses) from tenants.
CREATE TABLE flowcomm.monitor_engagement (
	business_id         uuid NOT NULL,
	time_window         text NOT NULL CHECK (time_window IN ('1h', '1d')),
	channel             flowcomm.channel NOT NULL,
	type                flowcomm.communication_type NOT NULL,
	messages            bigint NOT NULL,
	sent                bigint NOT NULL,
	delivered           bigint NOT NULL,
	failed              bigint NOT NULL,
	bounced             bigint NOT NULL,
	opened              bigint NOT NULL,
	clicked             bigint NOT NULL,
	retries             bigint NOT NULL,
	avg_to_sent         float8,
	p95_to_sent         float8,
	avg_to_delivered    float8,
	p95_to_delivered    float8,
	PRIMARY KEY (business_id, time_window, channel, type)
);
COMMENT ON TABLE flowcomm.monitor_engagement IS 'Outbound messages created in the last hour / day per business (nil uuid: all), channel and type: counts, retries, average and p95 seconds queued→sent and queued→delivered (summed from monitor_engagement_bucket by monitor_refresh; not dumped)';

CREATE TABLE flowcomm.monitor_business_metric (
	business_id  uuid NOT NULL,
	metric       text NOT NULL,
	label        text NOT NULL DEFAULT '',
	value        float8 NOT NULL,
	PRIMARY KEY (business_id, metric, label)
);
COMMENT ON TABLE flowcomm.monitor_business_metric IS 'Business metrics per business (nil uuid: all) over the last 30 days: invoices by origin, payment links, collection effectiveness by step, preferences, unsubscribes (summed from monitor_business_day by monitor_refresh; not dumped)';

CREATE TABLE flowcomm.monitor_template_use (
	business_id    uuid NOT NULL,
	template_code  text NOT NULL,
	channel        flowcomm.channel NOT NULL,
	messages       bigint NOT NULL,
	failed         bigint NOT NULL,
	PRIMARY KEY (business_id, template_code, channel)
);
COMMENT ON TABLE flowcomm.monitor_template_use IS 'Messages per template in the last day per business (nil uuid: all) (summed from monitor_template_bucket by monitor_refresh; not dumped)';

CREATE TABLE flowcomm.monitor_failure_reason (
	business_id  uuid NOT NULL,
	channel      flowcomm.channel NOT NULL,
	error_code   text NOT NULL,
	messages     bigint NOT NULL,
	last_at      timestamptz NOT NULL,
	PRIMARY KEY (business_id, channel, error_code)
);
COMMENT ON TABLE flowcomm.monitor_failure_reason IS 'Failed and bounced messages of the last day per business (nil uuid: all), channel and error code (summed from monitor_failure_bucket by monitor_refresh; not dumped)';

CREATE TABLE flowcomm.monitor_refresh_state (
	part          text PRIMARY KEY CHECK (part IN ('engagement', 'business')),
	refreshed_at  timestamptz NOT NULL,
	duration_ms   float8 NOT NULL
);
COMMENT ON TABLE flowcomm.monitor_refresh_state IS 'When each rollup part was last refreshed and how long it took (derived; not dumped)';

-- What statements on communication changed, not folded yet: per created
-- minute, business, channel, type, template, error code (failed/bounced
-- only), origin and latency buckets, the change of each count.
CREATE TABLE flowcomm.monitor_message_delta (
	minute          timestamptz NOT NULL,
	business_id     uuid NOT NULL,
	channel         flowcomm.channel NOT NULL,
	type            flowcomm.communication_type NOT NULL,
	template_code   text,
	error_code      text,
	auto            boolean NOT NULL,
	sent_lb         smallint,
	delivered_lb    smallint,
	messages        bigint NOT NULL,
	sent            bigint NOT NULL,
	delivered       bigint NOT NULL,
	failed          bigint NOT NULL,
	bounced         bigint NOT NULL,
	opened          bigint NOT NULL,
	clicked         bigint NOT NULL,
	retries         bigint NOT NULL,
	to_sent_n       bigint NOT NULL,
	to_sent_s       float8 NOT NULL,
	to_delivered_n  bigint NOT NULL,
	to_delivered_s  float8 NOT NULL,
	last_failed_at  timestamptz
);
COMMENT ON TABLE flowcomm.monitor_message_delta IS 'Changes of the message counts not folded into the buckets yet, one row per statement and group (derived; not dumped)';

CREATE TABLE flowcomm.monitor_engagement_bucket (
	grain           text NOT NULL CHECK (grain IN ('minute', 'hour')),
	start           timestamptz NOT NULL,
	business_id     uuid NOT NULL,
	channel         flowcomm.channel NOT NULL,
	type            flowcomm.communication_type NOT NULL,
	messages        bigint NOT NULL,
	sent            bigint NOT NULL,
	delivered       bigint NOT NULL,
	failed          bigint NOT NULL,
	bounced         bigint NOT NULL,
	opened          bigint NOT NULL,
	clicked         bigint NOT NULL,
	retries         bigint NOT NULL,
	to_sent_n       bigint NOT NULL,
	to_sent_s       float8 NOT NULL,
	to_delivered_n  bigint NOT NULL,
	to_delivered_s  float8 NOT NULL,
	PRIMARY KEY (grain, start, business_id, channel, type)
);
COMMENT ON TABLE flowcomm.monitor_engagement_bucket IS 'Outbound messages per created minute (last hour) and hour (last day), business, channel and type with their current state: counts, retries, latency sums (derived; not dumped)';

CREATE TABLE flowcomm.monitor_engagement_latency (
	grain        text NOT NULL CHECK (grain IN ('minute', 'hour')),
	start        timestamptz NOT NULL,
	business_id  uuid NOT NULL,
	channel      flowcomm.channel NOT NULL,
	type         flowcomm.communication_type NOT NULL,
	metric       text NOT NULL CHECK (metric IN ('to_sent', 'to_delivered')),
	lb           smallint NOT NULL,
	n            bigint NOT NULL,
	PRIMARY KEY (grain, start, business_id, channel, type, metric, lb)
);
COMMENT ON TABLE flowcomm.monitor_engagement_latency IS 'Histogram of seconds queued -> sent / delivered per created minute (last hour) and hour (last day), business, channel and type (bucket lb: monitor_latency_index); the p95 comes from it (derived; not dumped)';

CREATE TABLE flowcomm.monitor_template_bucket (
	hour           timestamptz NOT NULL,
	business_id    uuid NOT NULL,
	template_code  text NOT NULL,
	channel        flowcomm.channel NOT NULL,
	messages       bigint NOT NULL,
	failed         bigint NOT NULL,
	PRIMARY KEY (hour, business_id, template_code, channel)
);
COMMENT ON TABLE flowcomm.monitor_template_bucket IS 'Messages per created hour (last day), business, template and channel (derived; not dumped)';

CREATE TABLE flowcomm.monitor_failure_bucket (
	hour         timestamptz NOT NULL,
	business_id  uuid NOT NULL,
	channel      flowcomm.channel NOT NULL,
	error_code   text NOT NULL,
	messages     bigint NOT NULL,
	last_at      timestamptz,
	PRIMARY KEY (hour, business_id, channel, error_code)
);
COMMENT ON TABLE flowcomm.monitor_failure_bucket IS 'Failed and bounced messages per created hour (last day), business, channel and error code; last_at: the latest created_at counted (derived; not dumped)';

-- Business metrics per UTC day (of the message, link or reminder); day
-- ''infinity'' holds current-state counts (preferences), never pruned.
CREATE TABLE flowcomm.monitor_business_delta (
	day          date NOT NULL,
	business_id  uuid NOT NULL,
	metric       text NOT NULL,
	label        text NOT NULL,
	value        float8 NOT NULL
);
COMMENT ON TABLE flowcomm.monitor_business_delta IS 'Changes of the business metrics not folded into monitor_business_day yet (derived; not dumped)';

CREATE TABLE flowcomm.monitor_business_day (
	day          date NOT NULL,
	business_id  uuid NOT NULL,
	metric       text NOT NULL,
	label        text NOT NULL,
	value        float8 NOT NULL,
	PRIMARY KEY (day, business_id, metric, label)
);
COMMENT ON TABLE flowcomm.monitor_business_day IS 'Business metrics per UTC day (last 31 days; day infinity: current preference counts) and business (derived; not dumped)';

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['monitor_engagement', 'monitor_business_metric', 'monitor_template_use', 'monitor_failure_reason',
							 'monitor_message_delta', 'monitor_engagement_bucket', 'monitor_engagement_latency',
							 'monitor_template_bucket', 'monitor_failure_bucket', 'monitor_business_delta', 'monitor_business_day']
	LOOP
		EXECUTE format('ALTER TABLE flowcomm.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY tenant_isolation ON flowcomm.%I USING (business_id = (SELECT flowcomm.current_business_id()))', t);
		EXECUTE format('REVOKE ALL ON flowcomm.%I FROM PUBLIC', t);
	END LOOP;
END
$$;
GRANT SELECT ON flowcomm.monitor_engagement, flowcomm.monitor_business_metric, flowcomm.monitor_template_use,
	flowcomm.monitor_failure_reason TO flowcomm_viewer;
REVOKE ALL ON flowcomm.monitor_refresh_state FROM PUBLIC;

-- monitor_message_contrib: what one message adds to the counts (sgn 1) or
-- takes away (sgn -1): the definitions of every engagement count.  A plain
-- SQL set function, inlined into the triggers' and monitor_rebuild's
-- queries (no call per row).
--@function flowcomm.monitor_message_contrib
COMMENT ON FUNCTION flowcomm.monitor_message_contrib(int, flowcomm.communication) IS 'Internal: one outbound message of the last 31 days as a (signed) contribution to the monitoring counts';

-- monitor_message_trg: append each statement's change of the counts: the
-- new rows added, the old rows taken away, grouped (an update that changes
-- nothing counted cancels out and writes nothing).  A payment confirmation
-- also adds the payment link it paid and the reminders it answered
-- (monitor_business_delta): only the first confirmation of an invoice
-- counts (index reads of communication_entity_idx, payment_link_invoice_idx
-- and reminder_log's key per confirmation).
--@function flowcomm.monitor_message_trg
COMMENT ON FUNCTION flowcomm.monitor_message_trg() IS 'Internal: statement trigger of communication appending its change of the monitoring counts to monitor_message_delta (and paid links / reminders to monitor_business_delta)';

-- The paid-link lookup of a payment confirmation.
CREATE INDEX payment_link_invoice_idx ON flowcomm.payment_link (business_id, invoice_id);

--@function flowcomm.monitor_message_truncate
COMMENT ON FUNCTION flowcomm.monitor_message_truncate() IS 'Internal: truncated messages count nothing';

CREATE TRIGGER monitor_message_ins AFTER INSERT ON flowcomm.communication
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_message_trg();
CREATE TRIGGER monitor_message_upd AFTER UPDATE ON flowcomm.communication
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_message_trg();
CREATE TRIGGER monitor_message_del AFTER DELETE ON flowcomm.communication
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_message_trg();
CREATE TRIGGER monitor_message_truncate AFTER TRUNCATE ON flowcomm.communication
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_message_truncate();

-- monitor_business_trg: payment links issued (by issue day), reminders
-- sent (by step and day), preferences (current counts, day infinity).
--@function flowcomm.monitor_business_trg
COMMENT ON FUNCTION flowcomm.monitor_business_trg() IS 'Internal: statement trigger of payment_link (insert, delete), reminder_log (insert) and communication_preference (insert, update, delete) appending business metric changes to monitor_business_delta';

--@function flowcomm.monitor_preference_flags
COMMENT ON FUNCTION flowcomm.monitor_preference_flags(flowcomm.communication_preference) IS 'Internal: a recipient''s preference as the counts it adds to (channels enabled, opted out, total)';

CREATE TRIGGER monitor_payment_link_ins AFTER INSERT ON flowcomm.payment_link
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_business_trg();
CREATE TRIGGER monitor_payment_link_del AFTER DELETE ON flowcomm.payment_link
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_business_trg();
CREATE TRIGGER monitor_reminder_ins AFTER INSERT ON flowcomm.reminder_log
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_business_trg();
CREATE TRIGGER monitor_preference_ins AFTER INSERT ON flowcomm.communication_preference
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_business_trg();
CREATE TRIGGER monitor_preference_upd AFTER UPDATE ON flowcomm.communication_preference
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_business_trg();
CREATE TRIGGER monitor_preference_del AFTER DELETE ON flowcomm.communication_preference
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.monitor_business_trg();

-- monitor_fold: move the deltas into the buckets (work: the delta rows),
-- drop the buckets that left their window.  Called by the refreshes, which
-- hold monitor_refresh's lock.
--@function flowcomm.monitor_fold
COMMENT ON FUNCTION flowcomm.monitor_fold() IS 'Internal: fold monitor_message_delta and monitor_business_delta into the time buckets and drop the buckets older than their window; returns the delta rows folded';

-- monitor_businesses: the businesses with messages, by a loose index scan of
-- communication_stats_idx (one descent per business, not per message).
--@function flowcomm.monitor_businesses
COMMENT ON FUNCTION flowcomm.monitor_businesses() IS 'Internal: businesses that have messages (loose index scan, one index descent each)';

-- monitor_refresh_engagement: fold, then sum the minute buckets of the
-- last hour / day (and the hour buckets of templates and failure reasons).
--@function flowcomm.monitor_refresh_engagement
COMMENT ON FUNCTION flowcomm.monitor_refresh_engagement() IS 'Internal: fold the deltas, then sum monitor_engagement, monitor_failure_reason and monitor_template_use from the buckets of the last hour / day';

-- monitor_refresh_business: fold, then the seed's business metrics from
-- the day buckets of the last 30 days; unsubscribes of the last day by
-- primary-key range reads of suppression (UUIDv7 ids) per business.
--@function flowcomm.monitor_refresh_business
COMMENT ON FUNCTION flowcomm.monitor_refresh_business() IS 'Internal: fold the deltas, then sum monitor_business_metric from the day buckets (30 days): invoices auto/manual, payment links issued/opened/paid, reminders sent and paid within 7 days by step, preferences; and unsubscribes of the last day';

-- monitor_refresh: refresh the rollups older than their interval (one
-- caller at a time).  The exporter's queries call it; force for tests.
--@function flowcomm.monitor_refresh
COMMENT ON FUNCTION flowcomm.monitor_refresh(boolean, interval, interval) IS 'Fold the monitoring deltas and re-sum the rollups that are older than their interval (engagement 60 s, business 5 min) or all when force; returns the parts refreshed';

-- monitor_rebuild: recompute every derived monitor_* table from the data:
-- the queue counts, the buckets from the messages of the last 31 days (per
-- business, range reads of communication_stats_idx), links, reminders and
-- preferences.  The triggers keep them afterwards; this is for an upgrade
-- or after loading rows with triggers disabled (session_replication_role).
-- Its cost grows with a month's history: the cold start, not the refresh.
--@function flowcomm.monitor_rebuild
COMMENT ON FUNCTION flowcomm.monitor_rebuild() IS 'Recompute every derived monitor_* table (queue counts, buckets, rollups) from the data: after an upgrade or a load with triggers disabled; the triggers keep them current afterwards';

-- ------------------------------------------------------------ exporter views
-- Business label cardinality: the top_n businesses by messages of the last
-- day are labelled with their id; the rest are summed as business="other";
-- business="all" is every business.  top_n = 0 gives "all" only.

--@function flowcomm.monitor_top_businesses
COMMENT ON FUNCTION flowcomm.monitor_top_businesses(int) IS 'Internal: the top_n businesses by messages of the last day';

--@function flowcomm.monitor_business_label
COMMENT ON FUNCTION flowcomm.monitor_business_label(uuid, uuid[]) IS 'Internal: a business''s Prometheus label: its id when in the top list, "other", or "all" for the nil uuid';

--@function flowcomm.monitor_engagement_metrics
COMMENT ON FUNCTION flowcomm.monitor_engagement_metrics(int, interval) IS 'Delivery and engagement of the last hour / day per channel and type, for business "all", the top_n businesses and "other" (refreshes the rollup when older than refresh_every)';

--@function flowcomm.monitor_business_metrics
COMMENT ON FUNCTION flowcomm.monitor_business_metrics(int) IS 'Business metrics of the last 30 days (see monitor_business_metric) for business "all", the top_n businesses and "other"';

--@function flowcomm.monitor_templates
COMMENT ON FUNCTION flowcomm.monitor_templates(int) IS 'The top_n templates of all businesses by messages of the last day (from the rollup)';

--@function flowcomm.monitor_failure_reasons
COMMENT ON FUNCTION flowcomm.monitor_failure_reasons(int) IS 'The top_n error codes of failed and bounced messages of the last day, all businesses (from the rollup)';

-- business_metrics: a tenant's own rollup rows (row-level security).
CREATE VIEW flowcomm.business_metrics WITH (security_invoker = true) AS
	SELECT m.metric, m.label, m.value FROM flowcomm.monitor_business_metric m;
COMMENT ON VIEW flowcomm.business_metrics IS 'The current business''s business metrics of the last 30 days (invoices by origin, payment links, collection effectiveness, preferences, unsubscribes), from the monitoring rollup';
GRANT SELECT ON flowcomm.business_metrics TO flowcomm_viewer;

-- ------------------------------------------------------------ dashboard
-- The seed's six admin panels for psql (the Grafana dashboard shows the
-- same from Prometheus): volume, channels, failure trend, queue health,
-- recent failures, top templates.  All businesses for the monitor role.

--@function flowcomm.dashboard
COMMENT ON FUNCTION flowcomm.dashboard() IS 'The admin dashboard''s six panels as text for psql (all businesses, last hour / day): volume, channel distribution, failure trend, queue health, recent failures, top templates';

GRANT EXECUTE ON FUNCTION flowcomm.monitor_delivery(), flowcomm.monitor_rate_buckets(), flowcomm.monitor_webhooks(),
	flowcomm.monitor_queue(), flowcomm.monitor_queue_fold(), flowcomm.monitor_queue_due(int), flowcomm.monitor_leases(int),
	flowcomm.monitor_workers(), flowcomm.monitor_webhooks_waiting(int), flowcomm.monitor_refresh(boolean, interval, interval),
	flowcomm.monitor_engagement_metrics(int, interval), flowcomm.monitor_business_metrics(int), flowcomm.monitor_templates(int),
	flowcomm.monitor_failure_reasons(int), flowcomm.dashboard()
	TO flowcomm_monitor;
GRANT SELECT ON flowcomm.monitor_refresh_state TO flowcomm_monitor;
GRANT EXECUTE ON FUNCTION flowcomm.monitor_rebuild() TO flowcomm_platform_admin;
-- Per-worker series (state, last loop) come straight from worker_status().
GRANT EXECUTE ON FUNCTION flowcomm.worker_status() TO flowcomm_monitor;

-- New functions: nothing for PUBLIC (the fresh install revokes globally in 99_dump.sql).
REVOKE ALL ON FUNCTION
	flowcomm.monitor_delivery(),
	flowcomm.monitor_rate_buckets(),
	flowcomm.monitor_webhooks(),
	flowcomm.monitor_webhook_note(text, text),
	flowcomm.monitor_queue_ins(),
	flowcomm.monitor_queue_upd(),
	flowcomm.monitor_queue_del(),
	flowcomm.monitor_queue_truncate(),
	flowcomm.monitor_queue_fold(),
	flowcomm.monitor_queue(),
	flowcomm.monitor_queue_due(int),
	flowcomm.monitor_leases(int),
	flowcomm.monitor_workers(),
	flowcomm.monitor_webhooks_waiting(int),
	flowcomm.monitor_latency_index(float8),
	flowcomm.monitor_latency_upper(smallint),
	flowcomm.monitor_message_contrib(int, flowcomm.communication),
	flowcomm.monitor_message_trg(),
	flowcomm.monitor_message_truncate(),
	flowcomm.monitor_business_trg(),
	flowcomm.monitor_preference_flags(flowcomm.communication_preference),
	flowcomm.monitor_fold(),
	flowcomm.monitor_businesses(),
	flowcomm.monitor_refresh_engagement(),
	flowcomm.monitor_refresh_business(),
	flowcomm.monitor_rebuild(),
	flowcomm.monitor_refresh(boolean, interval, interval),
	flowcomm.monitor_top_businesses(int),
	flowcomm.monitor_business_label(uuid, uuid[]),
	flowcomm.monitor_engagement_metrics(int, interval),
	flowcomm.monitor_business_metrics(int),
	flowcomm.monitor_templates(int),
	flowcomm.monitor_failure_reasons(int),
	flowcomm.dashboard()
	FROM PUBLIC;

-- The buckets and rollups of the messages, links, reminders and preferences
-- already stored (the cold start: reads the last 31 days once).
SELECT flowcomm.monitor_rebuild();
