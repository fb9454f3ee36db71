-- 90_monitoring.sql — metrics for Prometheus (postgres_exporter), cheap at
-- 10^6 pending and 10^7 in history (issue 20, seed 12; docs/operations.md).
--
-- Three sources, none of which scans the backlog or the history per scrape:
--   * shared memory (src/monitoring.c): delivery counters per provider and
--     channel, latency histogram, rate-limit buckets, webhook counters;
--   * monitor_queue_count: queue rows per (priority, channel, status), kept
--     by statement-level triggers that append deltas (no hot row: each
--     statement inserts its own few delta rows) and folded at scrape time;
--     due-now and expired leases are LIMIT-bounded index reads;
--   * small rollups (monitor_engagement, monitor_business_metric,
--     monitor_template_use, monitor_failure_reason) summed at most once a
--     minute (engagement) or five minutes (business) from time buckets that
--     statement triggers keep current incrementally (see "rollups"): the
--     refresh costs what changed since the last one, never the window or
--     the history.
-- The exporter logs in as a member of flowcomm_monitor.  Tenants read their
-- own rows of the rollups through business_metrics (row-level security).

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

CREATE FUNCTION flowcomm.monitor_delivery(
	OUT provider text, OUT channel text, OUT sent bigint, OUT failed bigint, OUT retried bigint,
	OUT dead_lettered bigint, OUT throttled_429 bigint, OUT latency_le float8[], OUT latency_buckets bigint[],
	OUT latency_sum_seconds float8, OUT latency_count bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'flowcomm_monitor_delivery';
COMMENT ON FUNCTION flowcomm.monitor_delivery() IS 'Delivery counters per provider and channel since server start (shared memory): sent, failed (dead letters included), retried, dead-lettered, 429s, and the provider latency histogram in Prometheus form (upper bounds in seconds, +Inf last; cumulative counts)';

CREATE FUNCTION flowcomm.monitor_rate_buckets(
	OUT account uuid, OUT provider text, OUT channel text, OUT rate float8, OUT burst float8,
	OUT tokens float8, OUT paused_seconds float8, OUT throttled_429 bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'flowcomm_monitor_rate_buckets';
COMMENT ON FUNCTION flowcomm.monitor_rate_buckets() IS 'Rate-limit buckets of this database (shared memory): account (business id, NULL for the default account), tokens left now, seconds paused by a 429 Retry-After, 429s since the bucket was created';

CREATE FUNCTION flowcomm.monitor_webhooks(OUT provider text, OUT outcome text, OUT n bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'flowcomm_monitor_webhooks';
COMMENT ON FUNCTION flowcomm.monitor_webhooks() IS 'Provider webhooks since server start (shared memory) per provider and outcome: received, rejected_signature, rejected_stale, applied (events recorded), deferred (parked for a message id not stored yet)';

CREATE FUNCTION flowcomm.monitor_webhook_note(provider text, outcome text) RETURNS void
LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'flowcomm_monitor_webhook_note';
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

CREATE FUNCTION flowcomm.monitor_queue_ins() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	INSERT INTO monitor_queue_delta (priority, channel, status, n)
	SELECT r.priority, r.channel, r.status, count(*) FROM new_rows r GROUP BY 1, 2, 3;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_queue_ins() IS 'Internal: statement trigger adding inserted queue rows to monitor_queue_delta';

CREATE FUNCTION flowcomm.monitor_queue_upd() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	-- Only groups whose count changed: an update that keeps status, priority
	-- and channel (attempts, lease) cancels out and writes nothing.
	INSERT INTO monitor_queue_delta (priority, channel, status, n)
	SELECT x.priority, x.channel, x.status, sum(x.n)
	  FROM (SELECT o.priority, o.channel, o.status, -1 AS n FROM old_rows o
			UNION ALL
			SELECT r.priority, r.channel, r.status, 1 FROM new_rows r) x
	 GROUP BY 1, 2, 3
	HAVING sum(x.n) <> 0;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_queue_upd() IS 'Internal: statement trigger moving updated queue rows between monitor_queue_delta groups';

CREATE FUNCTION flowcomm.monitor_queue_del() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	INSERT INTO monitor_queue_delta (priority, channel, status, n)
	SELECT o.priority, o.channel, o.status, -count(*) FROM old_rows o GROUP BY 1, 2, 3;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_queue_del() IS 'Internal: statement trigger removing deleted queue rows from the counts';

CREATE FUNCTION flowcomm.monitor_queue_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	DELETE FROM monitor_queue_delta;
	DELETE FROM monitor_queue_count;
	RETURN NULL;
END
$$;
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
CREATE FUNCTION flowcomm.monitor_queue_fold() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	folded bigint;
BEGIN
	IF current_setting('transaction_read_only')::boolean
	   OR NOT pg_try_advisory_xact_lock(hashtext('flowcomm.monitor_queue_fold')) THEN
		RETURN 0;
	END IF;
	WITH d AS (DELETE FROM monitor_queue_delta RETURNING priority, channel, status, n),
	g AS (SELECT priority, channel, status, sum(n) AS n, count(*) AS rows FROM d GROUP BY 1, 2, 3),
	u AS (INSERT INTO monitor_queue_count AS c (priority, channel, status, n)
		  SELECT priority, channel, status, n FROM g
		  ON CONFLICT (priority, channel, status) DO UPDATE SET n = c.n + excluded.n)
	SELECT coalesce(sum(rows), 0) INTO folded FROM g;
	RETURN folded;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_queue_fold() IS 'Fold monitor_queue_delta into monitor_queue_count (one caller at a time; none on a standby); returns the delta rows folded';

-- monitor_queue: rows per priority, channel and status: the counts plus any
-- deltas not folded yet (a fold is attempted first).
CREATE FUNCTION flowcomm.monitor_queue(OUT priority text, OUT channel text, OUT status text, OUT n bigint)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	PERFORM monitor_queue_fold();
	RETURN QUERY
	SELECT p.p::text, ch.c::text, s.s::text,
		   coalesce((SELECT sum(x.n) FROM (SELECT k.n FROM monitor_queue_count k
											WHERE k.priority = p.p AND k.channel = ch.c AND k.status = s.s
										   UNION ALL
										   SELECT d.n FROM monitor_queue_delta d
											WHERE d.priority = p.p AND d.channel = ch.c AND d.status = s.s) x), 0)::bigint
	  FROM unnest(enum_range(NULL::queue_priority)) p(p)
	 CROSS JOIN unnest(enum_range(NULL::channel)) ch(c)
	 CROSS JOIN unnest(ARRAY['pending', 'processing', 'held', 'dead']::queue_status[]) s(s)
	 ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_queue() IS 'Queue depth per priority, channel and status (pending, processing, held, dead) from monitor_queue_count: exact, without reading the queue';

-- monitor_queue_due: per priority, due work (exact up to cap, then cap) and
-- the age of the oldest due job: LIMIT-bounded reads of the claim index.
CREATE FUNCTION flowcomm.monitor_queue_due(cap int DEFAULT 10000,
	OUT priority text, OUT due bigint, OUT due_capped boolean, OUT oldest_due_seconds float8)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT p.p::text, d.n, d.n >= cap,
		   coalesce(greatest(date_part('epoch', now() - o.at), 0), 0)
	  FROM unnest(enum_range(NULL::queue_priority)) p(p)
	 CROSS JOIN LATERAL (SELECT count(*) AS n FROM (
			SELECT 1 FROM communication_queue q
			 WHERE q.status = 'pending' AND q.priority = p.p AND q.scheduled_at <= now() LIMIT cap) l) d
	 CROSS JOIN LATERAL (SELECT min(q.scheduled_at) AS at FROM communication_queue q
						  WHERE q.status = 'pending' AND q.priority = p.p AND q.scheduled_at <= now()) o
	 ORDER BY 1
$$;
COMMENT ON FUNCTION flowcomm.monitor_queue_due(int) IS 'Per priority: due pending jobs (counted up to cap, due_capped when reached) and seconds since the oldest due job was scheduled; bounded reads of communication_queue_claim_idx';

-- monitor_leases: jobs in flight whose lease expired (a dead worker), up to cap.
CREATE FUNCTION flowcomm.monitor_leases(cap int DEFAULT 10000, OUT expired bigint, OUT oldest_expired_seconds float8)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT (SELECT count(*) FROM (SELECT 1 FROM communication_queue q
								   WHERE q.status = 'processing' AND q.lease_expires_at < now() LIMIT cap) l),
		   coalesce((SELECT date_part('epoch', now() - min(q.lease_expires_at)) FROM communication_queue q
					  WHERE q.status = 'processing' AND q.lease_expires_at < now()), 0)
$$;
COMMENT ON FUNCTION flowcomm.monitor_leases(int) IS 'Jobs in flight with an expired lease (counted up to cap) and the oldest expiry age; bounded reads of communication_queue_processing_idx';

-- monitor_workers: this database's delivery workers and how many there
-- should be (flowcomm.databases / flowcomm.workers_per_database).
CREATE FUNCTION flowcomm.monitor_workers(OUT expected int, OUT running int, OUT stalled int,
	OUT in_flight bigint, OUT max_last_loop_seconds float8)
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT CASE WHEN current_database() = ANY (string_to_array(replace(current_setting('flowcomm.databases'), ' ', ''), ','))
				THEN current_setting('flowcomm.workers_per_database')::int ELSE 0 END,
		   count(w.pid)::int,
		   count(*) FILTER (WHERE w.last_loop_at < now() - interval '60 seconds')::int,
		   coalesce(sum(w.in_flight), 0)::bigint,
		   coalesce(max(date_part('epoch', clock_timestamp() - w.last_loop_at)), 0)
	  FROM worker_status() w
	 WHERE w.database = current_database()
$$;
COMMENT ON FUNCTION flowcomm.monitor_workers() IS 'This database''s delivery workers: expected (settings), running, stalled (no loop for 60 s), HTTP requests in flight, age of the oldest last loop';

-- monitor_webhooks_waiting: authenticated callbacks parked for a message id
-- not stored yet (purged after a day, so the table stays small; capped).
CREATE FUNCTION flowcomm.monitor_webhooks_waiting(cap int DEFAULT 100000, OUT waiting bigint, OUT oldest_seconds float8)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT (SELECT count(*) FROM (SELECT 1 FROM provider_event_pending LIMIT cap) l),
		   coalesce((SELECT date_part('epoch', now() - min(p.received_at)) FROM provider_event_pending p), 0)
$$;
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
CREATE FUNCTION flowcomm.monitor_latency_index(seconds float8) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN seconds IS NULL THEN NULL WHEN seconds <= 0.01 THEN 1
				ELSE least(96, 2 + floor(4 * ln(seconds / 0.01) / ln(2)))::smallint END
$$;
COMMENT ON FUNCTION flowcomm.monitor_latency_index(float8) IS 'Internal: latency histogram bucket (1..96, four per doubling from 10 ms) of a duration in seconds';

CREATE FUNCTION flowcomm.monitor_latency_upper(lb smallint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN lb <= 0 THEN 0 WHEN lb = 1 THEN 0.01 ELSE 0.01 * power(2, (lb - 1) / 4.0) END
$$;
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
CREATE FUNCTION flowcomm.monitor_message_contrib(sgn int, c flowcomm.communication,
	OUT minute timestamptz, OUT business_id uuid, OUT channel flowcomm.channel, OUT type flowcomm.communication_type,
	OUT template_code text, OUT error_code text, OUT auto boolean, OUT sent_lb smallint, OUT delivered_lb smallint,
	OUT messages int, OUT sent int, OUT delivered int, OUT failed int, OUT bounced int, OUT opened int, OUT clicked int,
	OUT retries int, OUT to_sent_n int, OUT to_sent_s float8, OUT to_delivered_n int, OUT to_delivered_s float8,
	OUT last_failed_at timestamptz)
RETURNS SETOF record
LANGUAGE sql STABLE AS $$
	SELECT date_trunc('minute', c.created_at), c.business_id, c.channel, c.type, c.template_code,
		   CASE WHEN c.status IN ('failed', 'bounced') THEN coalesce(c.error_code, 'unknown') END,
		   c.created_by LIKE 'SYSTEM\_%',
		   flowcomm.monitor_latency_index(date_part('epoch', c.sent_at - c.queued_at)),
		   flowcomm.monitor_latency_index(date_part('epoch', c.delivered_at - c.queued_at)),
		   sgn,
		   sgn * (c.sent_at IS NOT NULL)::int,
		   sgn * (c.delivered_at IS NOT NULL OR c.status IN ('delivered', 'opened', 'clicked'))::int,
		   sgn * (c.status = 'failed')::int,
		   sgn * (c.status = 'bounced')::int,
		   sgn * (c.opened_at IS NOT NULL OR c.status IN ('opened', 'clicked'))::int,
		   sgn * (c.clicked_at IS NOT NULL OR c.status = 'clicked')::int,
		   sgn * c.retry_count,
		   sgn * (c.sent_at - c.queued_at IS NOT NULL)::int,
		   sgn * coalesce(date_part('epoch', c.sent_at - c.queued_at), 0),
		   sgn * (c.delivered_at - c.queued_at IS NOT NULL)::int,
		   sgn * coalesce(date_part('epoch', c.delivered_at - c.queued_at), 0),
		   CASE WHEN sgn > 0 AND c.status IN ('failed', 'bounced') THEN c.created_at END
	 WHERE c.direction = 'outbound' AND c.created_at >= now() - interval '31 days'
$$;
COMMENT ON FUNCTION flowcomm.monitor_message_contrib(int, flowcomm.communication) IS 'Internal: one outbound message of the last 31 days as a (signed) contribution to the monitoring counts';

-- monitor_message_trg: append each statement's change of the counts: the
-- new rows added, the old rows taken away, grouped (an update that changes
-- nothing counted cancels out and writes nothing).  A payment confirmation
-- also adds the payment link it paid and the reminders it answered
-- (monitor_business_delta): only the first confirmation of an invoice
-- counts (index reads of communication_entity_idx, payment_link_invoice_idx
-- and reminder_log's key per confirmation).
CREATE FUNCTION flowcomm.monitor_message_trg() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO monitor_message_delta
		SELECT k.minute, k.business_id, k.channel, k.type, k.template_code, k.error_code, k.auto, k.sent_lb, k.delivered_lb,
			   sum(k.messages), sum(k.sent), sum(k.delivered), sum(k.failed), sum(k.bounced), sum(k.opened), sum(k.clicked),
			   sum(k.retries), sum(k.to_sent_n), sum(k.to_sent_s), sum(k.to_delivered_n), sum(k.to_delivered_s),
			   max(k.last_failed_at)
		  FROM new_rows n CROSS JOIN LATERAL monitor_message_contrib(1, n) k
		 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
		INSERT INTO monitor_business_delta (day, business_id, metric, label, value)
		SELECT p.day, p.business_id, p.metric, p.label, count(*)
		  FROM (SELECT (n.created_at AT TIME ZONE 'UTC')::date AS day, n.business_id, 'payment_links_paid' AS metric, '' AS label
				  FROM new_rows n
				 WHERE n.type = 'payment_confirmation' AND n.entity_id IS NOT NULL AND n.created_at >= now() - interval '31 days'
				   AND EXISTS (SELECT 1 FROM payment_link l WHERE l.business_id = n.business_id AND l.invoice_id = n.entity_id)
				   AND NOT EXISTS (SELECT 1 FROM communication c
									WHERE c.business_id = n.business_id AND c.entity_type = n.entity_type
									  AND c.entity_id = n.entity_id AND c.type = 'payment_confirmation'
									  AND c.created_at >= now() - interval '31 days'
									  AND (c.created_at, c.id) < (n.created_at, n.id))
				UNION ALL
				SELECT (r.created_at AT TIME ZONE 'UTC')::date, r.business_id, 'reminders_paid', r.step::text
				  FROM new_rows n
				  JOIN reminder_log r ON r.business_id = n.business_id AND r.invoice_id = n.entity_id
				 WHERE n.type = 'payment_confirmation' AND n.entity_type = 'accountsReceivableInvoice'
				   AND r.outcome = 'sent' AND r.created_at >= now() - interval '31 days'
				   AND n.created_at >= r.created_at AND n.created_at < r.created_at + interval '7 days'
				   AND NOT EXISTS (SELECT 1 FROM communication c
									WHERE c.business_id = n.business_id AND c.entity_type = n.entity_type
									  AND c.entity_id = n.entity_id AND c.type = 'payment_confirmation'
									  AND c.created_at >= r.created_at
									  AND (c.created_at, c.id) < (n.created_at, n.id))) p
		 GROUP BY 1, 2, 3, 4;
	ELSIF TG_OP = 'UPDATE' THEN
		INSERT INTO monitor_message_delta
		SELECT k.minute, k.business_id, k.channel, k.type, k.template_code, k.error_code, k.auto, k.sent_lb, k.delivered_lb,
			   sum(k.messages), sum(k.sent), sum(k.delivered), sum(k.failed), sum(k.bounced), sum(k.opened), sum(k.clicked),
			   sum(k.retries), sum(k.to_sent_n), sum(k.to_sent_s), sum(k.to_delivered_n), sum(k.to_delivered_s),
			   max(k.last_failed_at)
		  FROM (SELECT x.* FROM old_rows o CROSS JOIN LATERAL monitor_message_contrib(-1, o) x
				UNION ALL
				SELECT x.* FROM new_rows n CROSS JOIN LATERAL monitor_message_contrib(1, n) x) k
		 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
		HAVING sum(k.messages) <> 0 OR sum(k.sent) <> 0 OR sum(k.delivered) <> 0 OR sum(k.failed) <> 0
			OR sum(k.bounced) <> 0 OR sum(k.opened) <> 0 OR sum(k.clicked) <> 0 OR sum(k.retries) <> 0
			OR sum(k.to_sent_n) <> 0 OR sum(k.to_sent_s) <> 0 OR sum(k.to_delivered_n) <> 0 OR sum(k.to_delivered_s) <> 0
			OR max(k.last_failed_at) IS NOT NULL;
	ELSE
		INSERT INTO monitor_message_delta
		SELECT k.minute, k.business_id, k.channel, k.type, k.template_code, k.error_code, k.auto, k.sent_lb, k.delivered_lb,
			   sum(k.messages), sum(k.sent), sum(k.delivered), sum(k.failed), sum(k.bounced), sum(k.opened), sum(k.clicked),
			   sum(k.retries), sum(k.to_sent_n), sum(k.to_sent_s), sum(k.to_delivered_n), sum(k.to_delivered_s), NULL
		  FROM old_rows o CROSS JOIN LATERAL monitor_message_contrib(-1, o) k
		 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_message_trg() IS 'Internal: statement trigger of communication appending its change of the monitoring counts to monitor_message_delta (and paid links / reminders to monitor_business_delta)';

-- The paid-link lookup of a payment confirmation.
CREATE INDEX payment_link_invoice_idx ON flowcomm.payment_link (business_id, invoice_id);

CREATE FUNCTION flowcomm.monitor_message_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	DELETE FROM monitor_message_delta;
	DELETE FROM monitor_engagement_bucket;
	DELETE FROM monitor_engagement_latency;
	DELETE FROM monitor_template_bucket;
	DELETE FROM monitor_failure_bucket;
	DELETE FROM monitor_business_day
	 WHERE metric IN ('invoices_sent', 'payment_links_opened', 'payment_links_paid', 'reminders_paid');
	DELETE FROM monitor_business_delta
	 WHERE metric IN ('payment_links_paid', 'reminders_paid');
	RETURN NULL;
END
$$;
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
CREATE FUNCTION flowcomm.monitor_business_trg() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	IF TG_TABLE_NAME = 'payment_link' THEN
		IF TG_OP = 'INSERT' THEN
			INSERT INTO monitor_business_delta
			SELECT (n.issued_at AT TIME ZONE 'UTC')::date, n.business_id, 'payment_links_issued', '', count(*)
			  FROM new_rows n WHERE n.issued_at >= now() - interval '31 days' GROUP BY 1, 2;
		ELSE
			INSERT INTO monitor_business_delta
			SELECT (o.issued_at AT TIME ZONE 'UTC')::date, o.business_id, 'payment_links_issued', '', -count(*)
			  FROM old_rows o WHERE o.issued_at >= now() - interval '31 days' GROUP BY 1, 2;
		END IF;
	ELSIF TG_TABLE_NAME = 'reminder_log' THEN
		INSERT INTO monitor_business_delta
		SELECT (r.created_at AT TIME ZONE 'UTC')::date, r.business_id, 'reminders_sent', r.step::text, sum(r.sgn)
		  FROM (SELECT 1 AS sgn, n.business_id, n.step, n.created_at FROM new_rows n WHERE n.outcome = 'sent') r
		 WHERE r.created_at >= now() - interval '31 days'
		 GROUP BY 1, 2, 4;
	ELSIF TG_OP = 'INSERT' THEN
		INSERT INTO monitor_business_delta
		SELECT 'infinity'::date, n.business_id, 'preferences', f.name, sum(f.enabled::int)
		  FROM new_rows n CROSS JOIN LATERAL monitor_preference_flags(n) f
		 GROUP BY 2, 4;
	ELSIF TG_OP = 'UPDATE' THEN
		INSERT INTO monitor_business_delta
		SELECT 'infinity'::date, x.business_id, 'preferences', x.name, sum(x.v)
		  FROM (SELECT o.business_id, f.name, -f.enabled::int AS v FROM old_rows o CROSS JOIN LATERAL monitor_preference_flags(o) f
				UNION ALL
				SELECT n.business_id, f.name, f.enabled::int FROM new_rows n CROSS JOIN LATERAL monitor_preference_flags(n) f) x
		 GROUP BY 2, 4
		HAVING sum(x.v) <> 0;
	ELSE
		INSERT INTO monitor_business_delta
		SELECT 'infinity'::date, o.business_id, 'preferences', f.name, -sum(f.enabled::int)
		  FROM old_rows o CROSS JOIN LATERAL monitor_preference_flags(o) f
		 GROUP BY 2, 4;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_business_trg() IS 'Internal: statement trigger of payment_link (insert, delete), reminder_log (insert) and communication_preference (insert, update, delete) appending business metric changes to monitor_business_delta';

CREATE FUNCTION flowcomm.monitor_preference_flags(p flowcomm.communication_preference, OUT name text, OUT enabled boolean)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE AS $$
	VALUES ('email', p.email_enabled), ('sms', p.sms_enabled), ('whatsapp', p.whatsapp_enabled),
		   ('messenger', p.messenger_enabled), ('opted_out', p.opted_out_at IS NOT NULL), ('total', true)
$$;
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
CREATE FUNCTION flowcomm.monitor_fold() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	folded bigint;
	horizon timestamptz := date_trunc('hour', now() - interval '1 day');
	minutes timestamptz := date_trunc('minute', now() - interval '1 hour');
BEGIN
	-- Each change goes to its minute (kept for the last hour) and its hour
	-- (kept for the last day): the hour / day sums read at most 60 / 25
	-- rows per business, channel and type.
	WITH d AS (DELETE FROM monitor_message_delta RETURNING *),
	g AS (SELECT g.grain, date_trunc(g.grain, d.minute) AS start, d.*
			FROM d CROSS JOIN (VALUES ('minute'), ('hour')) g(grain)
		   WHERE d.minute >= CASE g.grain WHEN 'minute' THEN minutes ELSE horizon END),
	e AS (INSERT INTO monitor_engagement_bucket AS b
		  SELECT g.grain, g.start, g.business_id, g.channel, g.type, sum(g.messages), sum(g.sent), sum(g.delivered),
				 sum(g.failed), sum(g.bounced), sum(g.opened), sum(g.clicked), sum(g.retries), sum(g.to_sent_n),
				 sum(g.to_sent_s), sum(g.to_delivered_n), sum(g.to_delivered_s)
			FROM g GROUP BY 1, 2, 3, 4, 5
		  ON CONFLICT (grain, start, business_id, channel, type) DO UPDATE SET
			messages = b.messages + excluded.messages, sent = b.sent + excluded.sent,
			delivered = b.delivered + excluded.delivered, failed = b.failed + excluded.failed,
			bounced = b.bounced + excluded.bounced, opened = b.opened + excluded.opened,
			clicked = b.clicked + excluded.clicked, retries = b.retries + excluded.retries,
			to_sent_n = b.to_sent_n + excluded.to_sent_n, to_sent_s = b.to_sent_s + excluded.to_sent_s,
			to_delivered_n = b.to_delivered_n + excluded.to_delivered_n,
			to_delivered_s = b.to_delivered_s + excluded.to_delivered_s),
	l AS (INSERT INTO monitor_engagement_latency AS b
		  SELECT g.grain, g.start, g.business_id, g.channel, g.type, m.metric, m.lb, sum(m.n)
			FROM g CROSS JOIN LATERAL (VALUES ('to_sent', g.sent_lb, g.to_sent_n),
											  ('to_delivered', g.delivered_lb, g.to_delivered_n)) m(metric, lb, n)
		   WHERE m.lb IS NOT NULL
		   GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(m.n) <> 0
		  ON CONFLICT (grain, start, business_id, channel, type, metric, lb) DO UPDATE SET n = b.n + excluded.n),
	t AS (INSERT INTO monitor_template_bucket AS b
		  SELECT date_trunc('hour', d.minute), d.business_id, d.template_code, d.channel, sum(d.messages),
				 sum(d.failed + d.bounced)
			FROM d WHERE d.minute >= horizon AND d.template_code IS NOT NULL GROUP BY 1, 2, 3, 4
		  ON CONFLICT (hour, business_id, template_code, channel) DO UPDATE SET
			messages = b.messages + excluded.messages, failed = b.failed + excluded.failed),
	f AS (INSERT INTO monitor_failure_bucket AS b
		  SELECT date_trunc('hour', d.minute), d.business_id, d.channel, d.error_code, sum(d.failed + d.bounced),
				 max(d.last_failed_at)
			FROM d WHERE d.minute >= horizon AND d.error_code IS NOT NULL GROUP BY 1, 2, 3, 4
		  ON CONFLICT (hour, business_id, channel, error_code) DO UPDATE SET
			messages = b.messages + excluded.messages, last_at = greatest(b.last_at, excluded.last_at)),
	bd AS (DELETE FROM monitor_business_delta RETURNING *),
	bm AS (INSERT INTO monitor_business_day AS b
		   SELECT x.day, x.business_id, x.metric, x.label, sum(x.value)
			 FROM (SELECT (d.minute AT TIME ZONE 'UTC')::date AS day, d.business_id, 'invoices_sent' AS metric,
						  CASE WHEN d.auto THEN 'auto' ELSE 'manual' END AS label, d.sent::float8 AS value
					 FROM d WHERE d.type = 'invoice' AND d.sent <> 0
				   UNION ALL
				   SELECT (d.minute AT TIME ZONE 'UTC')::date, d.business_id, 'payment_links_opened', '', d.clicked
					 FROM d WHERE d.type = 'payment_link' AND d.clicked <> 0
				   UNION ALL
				   SELECT bd.day, bd.business_id, bd.metric, bd.label, bd.value FROM bd) x
			WHERE x.day >= (now() AT TIME ZONE 'UTC')::date - 31
			GROUP BY 1, 2, 3, 4
		   ON CONFLICT (day, business_id, metric, label) DO UPDATE SET value = b.value + excluded.value)
	SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM bd) INTO folded;

	DELETE FROM monitor_engagement_bucket
	 WHERE (grain = 'minute' AND start < minutes) OR (grain = 'hour' AND start < horizon);
	DELETE FROM monitor_engagement_latency
	 WHERE (grain = 'minute' AND start < minutes) OR (grain = 'hour' AND start < horizon);
	DELETE FROM monitor_template_bucket WHERE hour < date_trunc('hour', horizon);
	DELETE FROM monitor_failure_bucket WHERE hour < date_trunc('hour', horizon);
	DELETE FROM monitor_business_day WHERE day < (now() AT TIME ZONE 'UTC')::date - 31;
	RETURN folded;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_fold() IS 'Internal: fold monitor_message_delta and monitor_business_delta into the time buckets and drop the buckets older than their window; returns the delta rows folded';

-- monitor_businesses: the businesses with messages, by a loose index scan of
-- communication_stats_idx (one descent per business, not per message).
CREATE FUNCTION flowcomm.monitor_businesses() RETURNS SETOF uuid
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	WITH RECURSIVE b(id) AS (
		(SELECT c.business_id FROM communication c ORDER BY c.business_id LIMIT 1)
		UNION ALL
		SELECT (SELECT c.business_id FROM communication c WHERE c.business_id > b.id ORDER BY c.business_id LIMIT 1)
		  FROM b WHERE b.id IS NOT NULL)
	SELECT id FROM b WHERE id IS NOT NULL
$$;
COMMENT ON FUNCTION flowcomm.monitor_businesses() IS 'Internal: businesses that have messages (loose index scan, one index descent each)';

-- monitor_refresh_engagement: fold, then sum the minute buckets of the
-- last hour / day (and the hour buckets of templates and failure reasons).
CREATE FUNCTION flowcomm.monitor_refresh_engagement() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	nil uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
	PERFORM monitor_fold();
	DELETE FROM monitor_engagement;
	-- last hour: the minute buckets from now - 1 h; last day: the hour
	-- buckets from the hour of now - 1 day (24 to 25 hours)
	WITH w(win, grain, since) AS (VALUES ('1h', 'minute', date_trunc('minute', now() - interval '1 hour')),
										 ('1d', 'hour', date_trunc('hour', now() - interval '1 day'))),
	s AS (SELECT coalesce(b.business_id, nil) AS business_id, w.win, b.channel, b.type, sum(b.messages) AS messages,
				 sum(b.sent) AS sent, sum(b.delivered) AS delivered, sum(b.failed) AS failed, sum(b.bounced) AS bounced,
				 sum(b.opened) AS opened, sum(b.clicked) AS clicked, sum(b.retries) AS retries,
				 sum(b.to_sent_s) / nullif(sum(b.to_sent_n), 0) AS avg_to_sent,
				 sum(b.to_delivered_s) / nullif(sum(b.to_delivered_n), 0) AS avg_to_delivered
			FROM monitor_engagement_bucket b JOIN w ON b.grain = w.grain AND b.start >= w.since
		   GROUP BY GROUPING SETS ((b.business_id, w.win, b.channel, b.type), (w.win, b.channel, b.type))),
	h AS (SELECT coalesce(l.business_id, nil) AS business_id, w.win, l.channel, l.type, l.metric, l.lb, sum(l.n) AS n
			FROM monitor_engagement_latency l JOIN w ON l.grain = w.grain AND l.start >= w.since
		   GROUP BY GROUPING SETS ((l.business_id, w.win, l.channel, l.type, l.metric, l.lb),
								   (w.win, l.channel, l.type, l.metric, l.lb))),
	-- p95: in the first bucket whose cumulative count reaches 95 % of all,
	-- interpolated linearly between the bucket's bounds
	p AS (SELECT DISTINCT ON (c.business_id, c.win, c.channel, c.type, c.metric)
				 c.business_id, c.win, c.channel, c.type, c.metric,
				 monitor_latency_upper((c.lb - 1)::smallint) + (monitor_latency_upper(c.lb) - monitor_latency_upper((c.lb - 1)::smallint))
					 * (0.95 * c.total - (c.cum - c.n)) / c.n AS p95
			FROM (SELECT h.*, sum(h.n) OVER (PARTITION BY h.business_id, h.win, h.channel, h.type, h.metric ORDER BY h.lb) AS cum,
						 sum(h.n) OVER (PARTITION BY h.business_id, h.win, h.channel, h.type, h.metric) AS total
					FROM h WHERE h.n > 0) c
		   WHERE c.cum >= 0.95 * c.total
		   ORDER BY c.business_id, c.win, c.channel, c.type, c.metric, c.lb)
	INSERT INTO monitor_engagement
	SELECT s.business_id, s.win, s.channel, s.type, s.messages, s.sent, s.delivered, s.failed, s.bounced, s.opened,
		   s.clicked, s.retries, s.avg_to_sent, ps.p95, s.avg_to_delivered, pd.p95
	  FROM s
	  LEFT JOIN p ps ON (ps.business_id, ps.win, ps.channel, ps.type, ps.metric) = (s.business_id, s.win, s.channel, s.type, 'to_sent')
	  LEFT JOIN p pd ON (pd.business_id, pd.win, pd.channel, pd.type, pd.metric) = (s.business_id, s.win, s.channel, s.type, 'to_delivered')
	 WHERE s.messages <> 0;

	DELETE FROM monitor_failure_reason;
	INSERT INTO monitor_failure_reason
	SELECT coalesce(f.business_id, nil), f.channel, f.error_code, sum(f.messages), max(f.last_at)
	  FROM monitor_failure_bucket f WHERE f.hour >= date_trunc('hour', now() - interval '1 day')
	 GROUP BY GROUPING SETS ((f.business_id, f.channel, f.error_code), (f.channel, f.error_code))
	HAVING sum(f.messages) > 0;

	DELETE FROM monitor_template_use;
	INSERT INTO monitor_template_use
	SELECT coalesce(t.business_id, nil), t.template_code, t.channel, sum(t.messages), sum(t.failed)
	  FROM monitor_template_bucket t WHERE t.hour >= date_trunc('hour', now() - interval '1 day')
	 GROUP BY GROUPING SETS ((t.business_id, t.template_code, t.channel), (t.template_code, t.channel))
	HAVING sum(t.messages) > 0;

	INSERT INTO monitor_refresh_state VALUES ('engagement', now(), date_part('epoch', clock_timestamp() - t0) * 1000)
	ON CONFLICT (part) DO UPDATE SET refreshed_at = excluded.refreshed_at, duration_ms = excluded.duration_ms;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_refresh_engagement() IS 'Internal: fold the deltas, then sum monitor_engagement, monitor_failure_reason and monitor_template_use from the buckets of the last hour / day';

-- monitor_refresh_business: fold, then the seed's business metrics from
-- the day buckets of the last 30 days; unsubscribes of the last day by
-- primary-key range reads of suppression (UUIDv7 ids) per business.
CREATE FUNCTION flowcomm.monitor_refresh_business() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	nil uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
	PERFORM monitor_fold();
	DELETE FROM monitor_business_metric;
	WITH m(business_id, metric, label, value) AS (
		SELECT d.business_id, d.metric, d.label, d.value FROM monitor_business_day d
		 WHERE d.day >= (now() AT TIME ZONE 'UTC')::date - 30
		UNION ALL
		SELECT s.business_id, 'unsubscribes_1d', s.channel::text, count(*)::float8
		  FROM monitor_businesses() b(id)
		  JOIN suppression s ON s.business_id = b.id AND s.id >= uuid_v7_at(now() - interval '1 day')
		   AND s.reason IN ('unsubscribe', 'stop_keyword', 'spamreport', 'provider_unsubscribed')
		 GROUP BY 1, 3)
	INSERT INTO monitor_business_metric (business_id, metric, label, value)
	SELECT coalesce(business_id, nil), metric, label, sum(value)
	  FROM m
	 GROUP BY GROUPING SETS ((business_id, metric, label), (metric, label))
	HAVING sum(value) <> 0 OR metric = 'preferences';

	INSERT INTO monitor_refresh_state VALUES ('business', now(), date_part('epoch', clock_timestamp() - t0) * 1000)
	ON CONFLICT (part) DO UPDATE SET refreshed_at = excluded.refreshed_at, duration_ms = excluded.duration_ms;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_refresh_business() IS 'Internal: fold the deltas, then sum monitor_business_metric from the day buckets (30 days): invoices auto/manual, payment links issued/opened/paid, reminders sent and paid within 7 days by step, preferences; and unsubscribes of the last day';

-- monitor_refresh: refresh the rollups older than their interval (one
-- caller at a time).  The exporter's queries call it; force for tests.
CREATE FUNCTION flowcomm.monitor_refresh(force boolean DEFAULT false,
	engagement_every interval DEFAULT '60 seconds', business_every interval DEFAULT '5 minutes')
RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	done text[] := '{}';
BEGIN
	IF current_setting('transaction_read_only')::boolean
	   OR NOT pg_try_advisory_xact_lock(hashtext('flowcomm.monitor_refresh')) THEN
		RETURN done;
	END IF;
	IF force OR NOT EXISTS (SELECT 1 FROM monitor_refresh_state
							 WHERE part = 'engagement' AND refreshed_at > now() - engagement_every) THEN
		PERFORM monitor_refresh_engagement();
		done := done || 'engagement'::text;
	END IF;
	IF force OR NOT EXISTS (SELECT 1 FROM monitor_refresh_state
							 WHERE part = 'business' AND refreshed_at > now() - business_every) THEN
		PERFORM monitor_refresh_business();
		done := done || 'business'::text;
	END IF;
	RETURN done;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_refresh(boolean, interval, interval) IS 'Fold the monitoring deltas and re-sum the rollups that are older than their interval (engagement 60 s, business 5 min) or all when force; returns the parts refreshed';

-- monitor_rebuild: recompute every derived monitor_* table from the data:
-- the queue counts, the buckets from the messages of the last 31 days (per
-- business, range reads of communication_stats_idx), links, reminders and
-- preferences.  The triggers keep them afterwards; this is for an upgrade
-- or after loading rows with triggers disabled (session_replication_role).
-- Its cost grows with a month's history: the cold start, not the refresh.
CREATE FUNCTION flowcomm.monitor_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('flowcomm.monitor_refresh'));
	PERFORM pg_advisory_xact_lock(hashtext('flowcomm.monitor_queue_fold'));
	LOCK communication_queue, communication, payment_link, reminder_log, communication_preference IN SHARE MODE;
	DELETE FROM monitor_queue_delta;
	DELETE FROM monitor_queue_count;
	INSERT INTO monitor_queue_count (priority, channel, status, n)
	SELECT priority, channel, status, count(*) FROM communication_queue GROUP BY 1, 2, 3;

	DELETE FROM monitor_message_delta;
	DELETE FROM monitor_engagement_bucket;
	DELETE FROM monitor_engagement_latency;
	DELETE FROM monitor_template_bucket;
	DELETE FROM monitor_failure_bucket;
	DELETE FROM monitor_business_delta;
	DELETE FROM monitor_business_day;
	INSERT INTO monitor_message_delta
	SELECT k.minute, k.business_id, k.channel, k.type, k.template_code, k.error_code, k.auto, k.sent_lb, k.delivered_lb,
		   sum(k.messages), sum(k.sent), sum(k.delivered), sum(k.failed), sum(k.bounced), sum(k.opened), sum(k.clicked),
		   sum(k.retries), sum(k.to_sent_n), sum(k.to_sent_s), sum(k.to_delivered_n), sum(k.to_delivered_s),
		   max(k.last_failed_at)
	  FROM monitor_businesses() b(id)
	  JOIN communication c ON c.business_id = b.id AND c.created_at >= now() - interval '31 days'
	 CROSS JOIN LATERAL monitor_message_contrib(1, c) k
	 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
	INSERT INTO monitor_business_delta (day, business_id, metric, label, value)
	SELECT x.day, x.business_id, x.metric, x.label, count(*)
	  FROM (SELECT (l.issued_at AT TIME ZONE 'UTC')::date AS day, l.business_id, 'payment_links_issued' AS metric, '' AS label
			  FROM payment_link l WHERE l.issued_at >= now() - interval '31 days'
			UNION ALL
			SELECT (r.created_at AT TIME ZONE 'UTC')::date, r.business_id, 'reminders_sent', r.step::text
			  FROM reminder_log r WHERE r.outcome = 'sent' AND r.created_at >= now() - interval '31 days'
			UNION ALL
			-- the first confirmation of an invoice with a payment link
			(SELECT DISTINCT ON (c.business_id, c.entity_type, c.entity_id)
					(c.created_at AT TIME ZONE 'UTC')::date, c.business_id, 'payment_links_paid', ''
			   FROM monitor_businesses() b(id)
			   JOIN communication c ON c.business_id = b.id AND c.created_at >= now() - interval '31 days'
			  WHERE c.type = 'payment_confirmation' AND c.entity_id IS NOT NULL
				AND EXISTS (SELECT 1 FROM payment_link l WHERE l.business_id = c.business_id AND l.invoice_id = c.entity_id)
			  ORDER BY c.business_id, c.entity_type, c.entity_id, c.created_at, c.id)
			UNION ALL
			-- reminders answered by a confirmation within 7 days
			SELECT (r.created_at AT TIME ZONE 'UTC')::date, r.business_id, 'reminders_paid', r.step::text
			  FROM reminder_log r
			 WHERE r.outcome = 'sent' AND r.created_at >= now() - interval '31 days'
			   AND EXISTS (SELECT 1 FROM communication c
							WHERE c.business_id = r.business_id AND c.entity_type = 'accountsReceivableInvoice'
							  AND c.entity_id = r.invoice_id AND c.type = 'payment_confirmation'
							  AND c.created_at >= r.created_at AND c.created_at < r.created_at + interval '7 days')) x
	 GROUP BY 1, 2, 3, 4;
	INSERT INTO monitor_business_delta (day, business_id, metric, label, value)
	SELECT 'infinity'::date, p.business_id, 'preferences', f.name, sum(f.enabled::int)
	  FROM communication_preference p CROSS JOIN LATERAL monitor_preference_flags(p) f
	 GROUP BY 2, 4;
	PERFORM monitor_refresh_engagement();
	PERFORM monitor_refresh_business();
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_rebuild() IS 'Recompute every derived monitor_* table (queue counts, buckets, rollups) from the data: after an upgrade or a load with triggers disabled; the triggers keep them current afterwards';

-- ------------------------------------------------------------ exporter views
-- Business label cardinality: the top_n businesses by messages of the last
-- day are labelled with their id; the rest are summed as business="other";
-- business="all" is every business.  top_n = 0 gives "all" only.

CREATE FUNCTION flowcomm.monitor_top_businesses(top_n int) RETURNS SETOF uuid
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT e.business_id FROM monitor_engagement e
	 WHERE e.business_id <> '00000000-0000-0000-0000-000000000000' AND e.time_window = '1d'
	 GROUP BY 1 ORDER BY sum(e.messages) DESC, 1 LIMIT greatest(top_n, 0)
$$;
COMMENT ON FUNCTION flowcomm.monitor_top_businesses(int) IS 'Internal: the top_n businesses by messages of the last day';

CREATE FUNCTION flowcomm.monitor_business_label(b uuid, top uuid[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN b = '00000000-0000-0000-0000-000000000000' THEN 'all'
				WHEN b = ANY (top) THEN b::text ELSE 'other' END
$$;
COMMENT ON FUNCTION flowcomm.monitor_business_label(uuid, uuid[]) IS 'Internal: a business''s Prometheus label: its id when in the top list, "other", or "all" for the nil uuid';

CREATE FUNCTION flowcomm.monitor_engagement_metrics(top_n int DEFAULT 0, refresh_every interval DEFAULT '60 seconds',
	OUT business text, OUT time_window text, OUT channel text, OUT type text, OUT messages bigint, OUT sent bigint,
	OUT delivered bigint, OUT failed bigint, OUT bounced bigint, OUT opened bigint, OUT clicked bigint,
	OUT retries bigint, OUT avg_to_sent float8, OUT p95_to_sent float8, OUT avg_to_delivered float8,
	OUT p95_to_delivered float8)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	top uuid[];
BEGIN
	PERFORM monitor_refresh(false, refresh_every);
	top := ARRAY(SELECT monitor_top_businesses(top_n));
	-- percentiles do not add up: "other" carries counts only
	RETURN QUERY
	SELECT l.lbl, e.time_window, e.channel::text, e.type::text, sum(e.messages)::bigint, sum(e.sent)::bigint,
		   sum(e.delivered)::bigint, sum(e.failed)::bigint, sum(e.bounced)::bigint, sum(e.opened)::bigint,
		   sum(e.clicked)::bigint, sum(e.retries)::bigint,
		   CASE WHEN l.lbl <> 'other' THEN max(e.avg_to_sent) END, CASE WHEN l.lbl <> 'other' THEN max(e.p95_to_sent) END,
		   CASE WHEN l.lbl <> 'other' THEN max(e.avg_to_delivered) END,
		   CASE WHEN l.lbl <> 'other' THEN max(e.p95_to_delivered) END
	  FROM monitor_engagement e
	 CROSS JOIN LATERAL (SELECT monitor_business_label(e.business_id, top) AS lbl) l
	 GROUP BY 1, 2, 3, 4
	 ORDER BY 1, 2, 3, 4;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_engagement_metrics(int, interval) IS 'Delivery and engagement of the last hour / day per channel and type, for business "all", the top_n businesses and "other" (refreshes the rollup when older than refresh_every)';

CREATE FUNCTION flowcomm.monitor_business_metrics(top_n int DEFAULT 0,
	OUT business text, OUT metric text, OUT label text, OUT value float8)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	top uuid[];
BEGIN
	PERFORM monitor_refresh();
	top := ARRAY(SELECT monitor_top_businesses(top_n));
	RETURN QUERY
	SELECT l.lbl, m.metric, m.label, sum(m.value)
	  FROM monitor_business_metric m
	 CROSS JOIN LATERAL (SELECT monitor_business_label(m.business_id, top) AS lbl) l
	 GROUP BY 1, 2, 3
	 ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_business_metrics(int) IS 'Business metrics of the last 30 days (see monitor_business_metric) for business "all", the top_n businesses and "other"';

CREATE FUNCTION flowcomm.monitor_templates(top_n int DEFAULT 10,
	OUT template text, OUT channel text, OUT messages bigint, OUT failed bigint)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT t.template_code, t.channel::text, t.messages, t.failed FROM monitor_template_use t
	 WHERE t.business_id = '00000000-0000-0000-0000-000000000000'
	 ORDER BY t.messages DESC, t.template_code, t.channel LIMIT greatest(top_n, 0)
$$;
COMMENT ON FUNCTION flowcomm.monitor_templates(int) IS 'The top_n templates of all businesses by messages of the last day (from the rollup)';

CREATE FUNCTION flowcomm.monitor_failure_reasons(top_n int DEFAULT 10,
	OUT channel text, OUT error_code text, OUT messages bigint)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT f.channel::text, f.error_code, f.messages FROM monitor_failure_reason f
	 WHERE f.business_id = '00000000-0000-0000-0000-000000000000'
	 ORDER BY f.messages DESC, f.error_code, f.channel LIMIT greatest(top_n, 0)
$$;
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

CREATE FUNCTION flowcomm.dashboard(OUT panel text, OUT line text)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	nil uuid := '00000000-0000-0000-0000-000000000000';
	r record;
BEGIN
	PERFORM monitor_refresh();
	panel := '1 real-time volume';
	FOR r IN SELECT e.time_window, sum(e.messages) AS m, sum(e.sent) AS s, sum(e.delivered) AS d, sum(e.failed + e.bounced) AS f
			   FROM monitor_engagement e WHERE e.business_id = nil GROUP BY 1 ORDER BY 1 DESC LOOP
		line := format('last %s: %s messages, %s sent, %s delivered, %s failed', r.time_window, r.m, r.s, r.d, r.f);
		RETURN NEXT;
	END LOOP;
	FOR r IN SELECT d.provider, d.channel, d.sent, d.failed, d.retried FROM monitor_delivery() d ORDER BY 1, 2 LOOP
		line := format('since start %s/%s: %s sent, %s failed, %s retried', r.provider, r.channel, r.sent, r.failed, r.retried);
		RETURN NEXT;
	END LOOP;
	panel := '2 channel distribution';
	FOR r IN SELECT e.channel, sum(e.messages) AS m, round(100.0 * sum(e.messages) / nullif(sum(sum(e.messages)) OVER (), 0), 1) AS pct
			   FROM monitor_engagement e WHERE e.business_id = nil AND e.time_window = '1d' GROUP BY 1 ORDER BY 2 DESC LOOP
		line := format('%-9s %8s messages  %5s%%', r.channel, r.m, r.pct);
		RETURN NEXT;
	END LOOP;
	panel := '3 failure trend';
	FOR r IN SELECT e.channel, e.time_window, sum(e.failed + e.bounced) AS f, sum(e.messages) AS m
			   FROM monitor_engagement e WHERE e.business_id = nil GROUP BY 1, 2 ORDER BY 1, 2 DESC LOOP
		line := format('%-9s last %s: %s of %s failed (%s%%)', r.channel, r.time_window, r.f, r.m,
					   round(100.0 * r.f / nullif(r.m, 0), 1));
		RETURN NEXT;
	END LOOP;
	panel := '4 queue health';
	FOR r IN SELECT q.status, sum(q.n) AS n FROM monitor_queue() q GROUP BY 1 ORDER BY 1 LOOP
		line := format('%-10s %s', r.status, r.n);
		RETURN NEXT;
	END LOOP;
	FOR r IN SELECT d.priority, d.due, d.due_capped, d.oldest_due_seconds FROM monitor_queue_due() d LOOP
		line := format('due %-7s %s%s, oldest due %s s', r.priority, r.due, CASE WHEN r.due_capped THEN '+' ELSE '' END,
					   round(r.oldest_due_seconds::numeric, 1));
		RETURN NEXT;
	END LOOP;
	SELECT * INTO r FROM monitor_workers();
	line := format('workers %s of %s running, %s stalled, %s requests in flight', r.running, r.expected, r.stalled, r.in_flight);
	RETURN NEXT;
	panel := '5 recent failures';
	FOR r IN SELECT f.channel, f.error_code, f.messages, f.last_at FROM monitor_failure_reason f
			  WHERE f.business_id = nil ORDER BY f.messages DESC, f.last_at DESC LIMIT 10 LOOP
		line := format('%-9s %-24s %6s  last %s', r.channel, r.error_code, r.messages, to_char(r.last_at, 'YYYY-MM-DD HH24:MI:SS'));
		RETURN NEXT;
	END LOOP;
	panel := '6 top templates';
	FOR r IN SELECT t.template_code, t.channel, t.messages, t.failed FROM monitor_template_use t
			  WHERE t.business_id = nil ORDER BY t.messages DESC, 1 LIMIT 10 LOOP
		line := format('%-28s %-9s %6s messages, %s failed', r.template_code, r.channel, r.messages, r.failed);
		RETURN NEXT;
	END LOOP;
END
$$;
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
