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
--     monitor_template_use, monitor_failure_reason) recomputed at most once
--     a minute (engagement) or five minutes (business) from the last day /
--     30 days of history by index range reads per business: the cost grows
--     with a day's traffic, never with the history.
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
COMMENT ON TABLE flowcomm.monitor_engagement IS 'Outbound messages created in the last hour / day per business (nil uuid: all), channel and type: counts, retries, average and p95 seconds queued→sent and queued→delivered (derived by monitor_refresh; not dumped)';

CREATE TABLE flowcomm.monitor_business_metric (
	business_id  uuid NOT NULL,
	metric       text NOT NULL,
	label        text NOT NULL DEFAULT '',
	value        float8 NOT NULL,
	PRIMARY KEY (business_id, metric, label)
);
COMMENT ON TABLE flowcomm.monitor_business_metric IS 'Business metrics per business (nil uuid: all) over the last 30 days: invoices by origin, payment links, collection effectiveness by step, preferences, unsubscribes (derived by monitor_refresh; not dumped)';

CREATE TABLE flowcomm.monitor_template_use (
	business_id    uuid NOT NULL,
	template_code  text NOT NULL,
	channel        flowcomm.channel NOT NULL,
	messages       bigint NOT NULL,
	failed         bigint NOT NULL,
	PRIMARY KEY (business_id, template_code, channel)
);
COMMENT ON TABLE flowcomm.monitor_template_use IS 'Messages per template in the last day per business (nil uuid: all) (derived by monitor_refresh; not dumped)';

CREATE TABLE flowcomm.monitor_failure_reason (
	business_id  uuid NOT NULL,
	channel      flowcomm.channel NOT NULL,
	error_code   text NOT NULL,
	messages     bigint NOT NULL,
	last_at      timestamptz NOT NULL,
	PRIMARY KEY (business_id, channel, error_code)
);
COMMENT ON TABLE flowcomm.monitor_failure_reason IS 'Failed and bounced messages of the last day per business (nil uuid: all), channel and error code (derived by monitor_refresh; not dumped)';

CREATE TABLE flowcomm.monitor_refresh_state (
	part          text PRIMARY KEY CHECK (part IN ('engagement', 'business')),
	refreshed_at  timestamptz NOT NULL,
	duration_ms   float8 NOT NULL
);
COMMENT ON TABLE flowcomm.monitor_refresh_state IS 'When each rollup part was last recomputed and how long it took (derived; not dumped)';

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['monitor_engagement', 'monitor_business_metric', 'monitor_template_use', 'monitor_failure_reason']
	LOOP
		EXECUTE format('ALTER TABLE flowcomm.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('CREATE POLICY tenant_isolation ON flowcomm.%I USING (business_id = (SELECT flowcomm.current_business_id()))', t);
		EXECUTE format('REVOKE ALL ON flowcomm.%I FROM PUBLIC', t);
		EXECUTE format('GRANT SELECT ON flowcomm.%I TO flowcomm_viewer', t);
	END LOOP;
END
$$;
REVOKE ALL ON flowcomm.monitor_refresh_state FROM PUBLIC;

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

-- monitor_refresh_engagement: recompute the hour / day rollups from the
-- last day of each business (index-only range reads of communication_stats_idx).
CREATE FUNCTION flowcomm.monitor_refresh_engagement() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	nil uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
	DELETE FROM monitor_engagement;
	INSERT INTO monitor_engagement
	SELECT coalesce(x.business_id, nil), w.win, x.channel, x.type, count(*),
		   count(*) FILTER (WHERE x.sent_at IS NOT NULL),
		   count(*) FILTER (WHERE x.delivered_at IS NOT NULL OR x.status IN ('delivered', 'opened', 'clicked')),
		   count(*) FILTER (WHERE x.status = 'failed'),
		   count(*) FILTER (WHERE x.status = 'bounced'),
		   count(*) FILTER (WHERE x.opened_at IS NOT NULL OR x.status IN ('opened', 'clicked')),
		   count(*) FILTER (WHERE x.clicked_at IS NOT NULL OR x.status = 'clicked'),
		   coalesce(sum(x.retry_count), 0),
		   avg(date_part('epoch', x.sent_at - x.queued_at)),
		   percentile_cont(0.95) WITHIN GROUP (ORDER BY date_part('epoch', x.sent_at - x.queued_at)),
		   avg(date_part('epoch', x.delivered_at - x.queued_at)),
		   percentile_cont(0.95) WITHIN GROUP (ORDER BY date_part('epoch', x.delivered_at - x.queued_at))
	  FROM monitor_businesses() b(id)
	 CROSS JOIN LATERAL (SELECT c.business_id, c.channel, c.type, c.status, c.created_at, c.queued_at, c.sent_at,
								c.delivered_at, c.opened_at, c.clicked_at, c.retry_count
						   FROM communication c
						  WHERE c.business_id = b.id AND c.created_at >= now() - interval '1 day'
							AND c.direction = 'outbound') x
	  JOIN (VALUES ('1h', interval '1 hour'), ('1d', interval '1 day')) w(win, span)
		ON x.created_at >= now() - w.span
	 GROUP BY GROUPING SETS ((x.business_id, w.win, x.channel, x.type), (w.win, x.channel, x.type));

	DELETE FROM monitor_failure_reason;
	INSERT INTO monitor_failure_reason
	SELECT coalesce(x.business_id, nil), x.channel, x.code, count(*), max(x.created_at)
	  FROM monitor_businesses() b(id)
	 CROSS JOIN LATERAL (SELECT c.business_id, c.channel, coalesce(c.error_code, 'unknown') AS code, c.created_at
						   FROM communication c
						  WHERE c.business_id = b.id AND c.status IN ('failed', 'bounced')
							AND c.created_at >= now() - interval '1 day') x
	 GROUP BY GROUPING SETS ((x.business_id, x.channel, x.code), (x.channel, x.code));

	DELETE FROM monitor_template_use;
	INSERT INTO monitor_template_use
	SELECT coalesce(x.business_id, nil), x.template_code, x.channel, count(*),
		   count(*) FILTER (WHERE x.status IN ('failed', 'bounced'))
	  FROM monitor_businesses() b(id)
	 CROSS JOIN LATERAL (SELECT c.business_id, c.template_code, c.channel, c.status FROM communication c
						  WHERE c.business_id = b.id AND c.created_at >= now() - interval '1 day'
							AND c.template_code IS NOT NULL) x
	 GROUP BY GROUPING SETS ((x.business_id, x.template_code, x.channel), (x.template_code, x.channel));

	INSERT INTO monitor_refresh_state VALUES ('engagement', now(), date_part('epoch', clock_timestamp() - t0) * 1000)
	ON CONFLICT (part) DO UPDATE SET refreshed_at = excluded.refreshed_at, duration_ms = excluded.duration_ms;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_refresh_engagement() IS 'Internal: recompute monitor_engagement, monitor_failure_reason and monitor_template_use from the last day of messages';

-- monitor_refresh_business: the seed's business metrics over 30 days.
CREATE FUNCTION flowcomm.monitor_refresh_business(paid_within_days int DEFAULT 7) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	nil uuid := '00000000-0000-0000-0000-000000000000';
	since timestamptz := now() - interval '30 days';
BEGIN
	DELETE FROM monitor_business_metric;
	WITH m(business_id, metric, label, value) AS (
		-- invoices: automatic (rules, collections: createdBy SYSTEM_*) vs manual (API)
		SELECT c.business_id, 'invoices_sent', CASE WHEN c.created_by LIKE 'SYSTEM\_%' THEN 'auto' ELSE 'manual' END,
			   count(*)::float8
		  FROM monitor_businesses() b(id)
		  JOIN communication c ON c.business_id = b.id AND c.type = 'invoice' AND c.created_at >= since
		   AND c.direction = 'outbound' AND c.sent_at IS NOT NULL
		 GROUP BY 1, 3
		UNION ALL
		SELECT l.business_id, 'payment_links_issued', '', count(*)::float8
		  FROM payment_link l WHERE l.issued_at >= since GROUP BY 1
		UNION ALL
		-- opened: a payment-link message whose link was clicked (the host sees the payment page)
		SELECT c.business_id, 'payment_links_opened', '', count(*)::float8
		  FROM monitor_businesses() b(id)
		  JOIN communication c ON c.business_id = b.id AND c.type = 'payment_link' AND c.created_at >= since
		   AND (c.clicked_at IS NOT NULL OR c.status = 'clicked')
		 GROUP BY 1
		UNION ALL
		-- paid: a payment confirmation sent for an invoice that had a payment link
		SELECT c.business_id, 'payment_links_paid', '', count(DISTINCT c.entity_id)::float8
		  FROM monitor_businesses() b(id)
		  JOIN communication c ON c.business_id = b.id AND c.type = 'payment_confirmation' AND c.created_at >= since
		 WHERE EXISTS (SELECT 1 FROM payment_link l WHERE l.business_id = c.business_id AND l.invoice_id = c.entity_id)
		 GROUP BY 1
		UNION ALL
		-- collection effectiveness: reminders sent per step, and those whose
		-- invoice was paid (payment confirmation) within paid_within_days
		SELECT r.business_id, 'reminders_sent', r.step::text, count(*)::float8
		  FROM reminder_log r WHERE r.outcome = 'sent' AND r.created_at >= since GROUP BY 1, 3
		UNION ALL
		SELECT r.business_id, 'reminders_paid', r.step::text, count(*)::float8
		  FROM reminder_log r
		 WHERE r.outcome = 'sent' AND r.created_at >= since
		   AND EXISTS (SELECT 1 FROM communication c
						WHERE c.business_id = r.business_id AND c.entity_type = 'accountsReceivableInvoice'
						  AND c.entity_id = r.invoice_id AND c.type = 'payment_confirmation'
						  AND c.created_at >= r.created_at
						  AND c.created_at < r.created_at + make_interval(days => paid_within_days))
		 GROUP BY 1, 3
		UNION ALL
		-- preference distribution: recipients with each channel enabled, and opted out
		SELECT p.business_id, 'preferences', ch.name, count(*) FILTER (WHERE ch.enabled)::float8
		  FROM communication_preference p
		 CROSS JOIN LATERAL (VALUES ('email', p.email_enabled), ('sms', p.sms_enabled),
									('whatsapp', p.whatsapp_enabled), ('messenger', p.messenger_enabled),
									('opted_out', p.opted_out_at IS NOT NULL), ('total', true)) ch(name, enabled)
		 GROUP BY 1, 3
		UNION ALL
		-- unsubscribes of the last day (ids are UUIDv7: a primary-key range read)
		SELECT s.business_id, 'unsubscribes_1d', s.channel::text, count(*)::float8
		  FROM monitor_businesses() b(id)
		  JOIN suppression s ON s.business_id = b.id AND s.id >= uuid_v7_at(now() - interval '1 day')
		   AND s.reason IN ('unsubscribe', 'stop_keyword', 'spamreport', 'provider_unsubscribed')
		 GROUP BY 1, 3)
	INSERT INTO monitor_business_metric (business_id, metric, label, value)
	SELECT coalesce(business_id, nil), metric, label, sum(value)
	  FROM m
	 GROUP BY GROUPING SETS ((business_id, metric, label), (metric, label));

	INSERT INTO monitor_refresh_state VALUES ('business', now(), date_part('epoch', clock_timestamp() - t0) * 1000)
	ON CONFLICT (part) DO UPDATE SET refreshed_at = excluded.refreshed_at, duration_ms = excluded.duration_ms;
END
$$;
COMMENT ON FUNCTION flowcomm.monitor_refresh_business(int) IS 'Internal: recompute monitor_business_metric (30 days): invoices auto/manual, payment links issued/opened/paid, reminders sent and paid within N days by step, preferences, unsubscribes';

-- monitor_refresh: recompute the rollups older than their interval (one
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
COMMENT ON FUNCTION flowcomm.monitor_refresh(boolean, interval, interval) IS 'Recompute the monitoring rollups that are older than their interval (engagement 60 s, business 5 min) or all when force; returns the parts recomputed';

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
COMMENT ON FUNCTION flowcomm.monitor_engagement_metrics(int, interval) IS 'Delivery and engagement of the last hour / day per channel and type, for business "all", the top_n businesses and "other" (recomputes the rollup when older than refresh_every)';

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
-- Per-worker series (state, last loop) come straight from worker_status().
GRANT EXECUTE ON FUNCTION flowcomm.worker_status() TO flowcomm_monitor;
