-- 40_delivery.sql — the delivery engine's SQL surface: wake at commit,
-- worker and counter views from shared memory, queue health, dead letters.
--
-- The workers themselves are C (src/worker.c); they read and write the
-- queue through prepared statements (src/claim.c, src/worker_results.c).

-- wake_workers: called by enqueue; the workers of this database wake when
-- the calling transaction commits (nothing happens on rollback).
CREATE FUNCTION flowcomm.wake_workers() RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'flowcomm_wake_workers';
COMMENT ON FUNCTION flowcomm.wake_workers() IS 'Wake this database''s delivery workers when the current transaction commits';
GRANT EXECUTE ON FUNCTION flowcomm.wake_workers() TO flowcomm_sender;

CREATE FUNCTION flowcomm.worker_status(
	OUT worker_id int, OUT database text, OUT pid int, OUT state text, OUT in_flight int,
	OUT sent bigint, OUT failed bigint, OUT retried bigint, OUT last_error text, OUT last_loop_at timestamptz)
RETURNS SETOF record
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'flowcomm_worker_status';
COMMENT ON FUNCTION flowcomm.worker_status() IS 'Delivery workers of the cluster from shared memory: state, requests in flight, counters since start, last error (secrets masked), last loop time';

CREATE FUNCTION flowcomm.delivery_counters(
	OUT provider text, OUT channel text, OUT sent bigint, OUT failed bigint, OUT retried bigint,
	OUT throttled_429 bigint, OUT requests bigint, OUT avg_latency_ms float8, OUT latency_histogram bigint[])
RETURNS SETOF record
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'flowcomm_delivery_counters';
COMMENT ON FUNCTION flowcomm.delivery_counters() IS 'Cumulative delivery counters per provider and channel since server start (shared memory); latency_histogram counts requests per bucket with upper bounds of flowcomm.latency_bucket_bounds()';

CREATE FUNCTION flowcomm.latency_bucket_bounds() RETURNS int[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT ARRAY[5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, NULL]::int[]
$$;
COMMENT ON FUNCTION flowcomm.latency_bucket_bounds() IS 'Upper bounds in ms of the latency_histogram buckets of delivery_counters(); NULL = unbounded';

-- queue_health: one row, the whole database (platform operators).
CREATE VIEW flowcomm.queue_health AS
	SELECT count(*) FILTER (WHERE q.status = 'pending') AS pending,
		   count(*) FILTER (WHERE q.status = 'pending' AND q.priority = 'urgent') AS pending_urgent,
		   count(*) FILTER (WHERE q.status = 'pending' AND q.priority = 'high') AS pending_high,
		   count(*) FILTER (WHERE q.status = 'pending' AND q.priority = 'normal') AS pending_normal,
		   count(*) FILTER (WHERE q.status = 'pending' AND q.priority = 'low') AS pending_low,
		   count(*) FILTER (WHERE q.status = 'pending' AND q.scheduled_at <= now()) AS due_now,
		   now() - min(q.scheduled_at) FILTER (WHERE q.status = 'pending' AND q.scheduled_at <= now()) AS oldest_due_age,
		   now() - min(q.created_at) FILTER (WHERE q.status = 'pending') AS oldest_pending_age,
		   count(*) FILTER (WHERE q.status = 'processing') AS processing,
		   count(*) FILTER (WHERE q.status = 'processing' AND q.lease_expires_at < now()) AS expired_leases,
		   count(*) FILTER (WHERE q.status = 'dead') AS dead_letters,
		   count(*) FILTER (WHERE q.status = 'held') AS held,
		   (SELECT count(*) FROM flowcomm.worker_status() w WHERE w.database = current_database()) AS workers,
		   (SELECT jsonb_agg(to_jsonb(d) ORDER BY d.provider, d.channel) FROM flowcomm.delivery_counters() d) AS delivery
	  FROM flowcomm.communication_queue q
	 WHERE q.status IN ('pending', 'processing', 'dead', 'held');
COMMENT ON VIEW flowcomm.queue_health IS 'Queue depth by priority, due work, oldest pending age, in-flight, expired leases, dead letters and held jobs, plus per provider/channel sent, failed, retried, 429 and latency counters';

CREATE VIEW flowcomm.delivery_stats AS
	SELECT * FROM flowcomm.delivery_counters();
COMMENT ON VIEW flowcomm.delivery_stats IS 'delivery_counters() as a view (for exporters)';

GRANT EXECUTE ON FUNCTION flowcomm.worker_status(), flowcomm.delivery_counters(), flowcomm.latency_bucket_bounds()
	TO flowcomm_platform_admin;
GRANT SELECT ON flowcomm.queue_health, flowcomm.delivery_stats TO flowcomm_platform_admin;

-- dead_letters: dead and held jobs of the current business (admins).
CREATE VIEW flowcomm.dead_letters WITH (security_invoker = true) AS
	SELECT q.business_id, q.id AS queue_id, q.communication_id, q.status AS queue_status, q.channel,
		   c.recipient_contact, c.type, q.attempts, q.max_attempts, q.last_error,
		   c.error_code, c.error_message, q.updated_at
	  FROM flowcomm.communication_queue q
	  JOIN flowcomm.communication c ON c.business_id = q.business_id AND c.id = q.communication_id
	 WHERE q.status IN ('dead', 'held');
COMMENT ON VIEW flowcomm.dead_letters IS 'Jobs that exhausted their attempts (dead) or whose outcome is uncertain after a crash (held), under row-level security';
GRANT SELECT ON flowcomm.dead_letters TO flowcomm_admin;

-- dead_letter_scope: the business an admin call may touch; NULL = all
-- businesses (platform admins only).
CREATE FUNCTION flowcomm.dead_letter_scope(p_business_id uuid) RETURNS uuid
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid;
BEGIN
	IF pg_has_role(caller_role(), 'flowcomm_platform_admin', 'MEMBER') THEN
		RETURN coalesce(p_business_id, current_business_id());
	END IF;
	b := require_business();
	IF p_business_id IS NOT NULL AND p_business_id <> b THEN
		RAISE EXCEPTION 'business % is not the current business', p_business_id
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN b;
END
$$;
COMMENT ON FUNCTION flowcomm.dead_letter_scope(uuid) IS 'Internal: business whose dead letters the caller may manage (NULL = every business, platform admins only)';

-- requeue_dead_letters: put dead (and held) jobs back in the queue now.
-- reset_attempts: false = "retry" (one more attempt), true = "requeue" (a
-- fresh attempt budget).
CREATE FUNCTION flowcomm.requeue_dead_letters(queue_ids uuid[] DEFAULT NULL, business_id uuid DEFAULT NULL,
											  reset_attempts boolean DEFAULT true, include_held boolean DEFAULT true)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := dead_letter_scope(requeue_dead_letters.business_id);
	n integer;
BEGIN
	WITH q AS (
		UPDATE communication_queue q
		   SET status = 'pending', scheduled_at = now(), locked_by = NULL, lease_expires_at = NULL,
			   completed_at = NULL, updated_at = now(),
			   attempts = CASE WHEN reset_attempts THEN 0 ELSE q.attempts END,
			   max_attempts = CASE WHEN reset_attempts THEN q.max_attempts
								   ELSE least(greatest(q.max_attempts, q.attempts + 1), 21) END
		 WHERE (q.status = 'dead' OR (include_held AND q.status = 'held'))
		   AND (b IS NULL OR q.business_id = b)
		   AND (queue_ids IS NULL OR q.id = ANY (queue_ids))
		RETURNING q.business_id, q.communication_id, q.attempts),
	c AS (
		UPDATE communication c SET status = 'queued', failed_at = NULL, next_retry_at = NULL, updated_at = now()
		  FROM q WHERE c.business_id = q.business_id AND c.id = q.communication_id
		   AND c.status IN ('failed', 'queued', 'pending', 'sending')
		RETURNING c.id)
	INSERT INTO communication_event (business_id, communication_id, event, status, attempt, source, detail)
	SELECT q.business_id, q.communication_id,
		   CASE WHEN reset_attempts THEN 'dead_letter_requeued' ELSE 'dead_letter_retried' END,
		   'queued', q.attempts, 'admin', 'by ' || current_actor()
	  FROM q;
	GET DIAGNOSTICS n = ROW_COUNT;
	IF n > 0 THEN
		PERFORM wake_workers();
	END IF;
	RETURN n;
END
$$;
COMMENT ON FUNCTION flowcomm.requeue_dead_letters(uuid[], uuid, boolean, boolean) IS 'Send dead-lettered (and held) jobs again now: all of the business, or the given queue ids; reset_attempts gives them a fresh attempt budget, else one more attempt';

CREATE FUNCTION flowcomm.retry_dead_letters(queue_ids uuid[] DEFAULT NULL, business_id uuid DEFAULT NULL)
RETURNS integer
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT requeue_dead_letters(queue_ids, business_id, false, true)
$$;
COMMENT ON FUNCTION flowcomm.retry_dead_letters(uuid[], uuid) IS 'One more attempt for dead-lettered and held jobs (keeps their attempt count)';

-- cancel_dead_letters: give up on dead/held jobs for good.
CREATE FUNCTION flowcomm.cancel_dead_letters(queue_ids uuid[] DEFAULT NULL, business_id uuid DEFAULT NULL,
											 reason text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := dead_letter_scope(cancel_dead_letters.business_id);
	n integer;
BEGIN
	WITH q AS (
		UPDATE communication_queue q
		   SET status = 'cancelled', completed_at = now(), updated_at = now()
		 WHERE q.status IN ('dead', 'held')
		   AND (b IS NULL OR q.business_id = b)
		   AND (queue_ids IS NULL OR q.id = ANY (queue_ids))
		RETURNING q.business_id, q.communication_id, q.attempts),
	c AS (
		-- a held message never failed: it becomes cancelled; a dead one stays failed
		UPDATE communication c SET status = 'cancelled', updated_at = now()
		  FROM q WHERE c.business_id = q.business_id AND c.id = q.communication_id
		   AND c.status IN ('queued', 'pending', 'sending')
		RETURNING c.id)
	INSERT INTO communication_event (business_id, communication_id, event, status, attempt, source, detail)
	SELECT q.business_id, q.communication_id, 'dead_letter_cancelled',
		   CASE WHEN c.id IS NULL THEN NULL ELSE 'cancelled'::communication_status END,
		   q.attempts, 'admin', coalesce(left(reason, 500), 'by ' || current_actor())
	  FROM q LEFT JOIN c ON c.id = q.communication_id;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION flowcomm.cancel_dead_letters(uuid[], uuid, text) IS 'Give up on dead-lettered and held jobs: queue cancelled; held messages become cancelled, dead ones stay failed';

REVOKE EXECUTE ON FUNCTION flowcomm.dead_letter_scope(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.requeue_dead_letters(uuid[], uuid, boolean, boolean),
	flowcomm.retry_dead_letters(uuid[], uuid), flowcomm.cancel_dead_letters(uuid[], uuid, text)
	TO flowcomm_admin;
