-- 22_quota.sql — per-business limits that keep one tenant from filling the
-- shared queue: a queue quota, a daily send limit and the urgent allowance.
--
-- The limits live in business_setting and only the platform sets them
-- (set_business_limits, flowcomm_platform_admin): a tenant admin may edit
-- its other settings but not these columns.  Every sending path checks them
-- before it writes (enqueue for send, resend, automation; send_bulk once for
-- the whole batch, so a batch is refused whole).  Fairness between
-- businesses in delivery is the claim's and the rate limiter's job
-- (src/claim.c, src/ratelimit.c); these limits bound what one business can
-- ask for at all.

-- Tenant admins keep writing their own settings, but not the platform's limits.
REVOKE INSERT, UPDATE ON flowcomm.business_setting FROM flowcomm_admin;
GRANT INSERT (business_id, name, timezone, default_locale, channel_order, quiet_hours_start, quiet_hours_end,
			  fallback_enabled, created_at, updated_at),
	  UPDATE (business_id, name, timezone, default_locale, channel_order, quiet_hours_start, quiet_hours_end,
			  fallback_enabled, created_at, updated_at)
	ON flowcomm.business_setting TO flowcomm_admin;

-- check_send_quota: refuse n_messages more (n_urgent of them urgent) for
-- business b when they would pass one of its limits.  Counts read the queue:
-- pending jobs through communication_queue_business_claim_idx, today's jobs
-- through the primary key's UUIDv7 id range (ids are time-ordered), so a
-- business without limits pays one primary-key probe of business_setting.
CREATE FUNCTION flowcomm.check_send_quota(b uuid, n_messages int, n_urgent int) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	quota int;
	daily int;
	-- the column default of urgent_daily_allowance, for a business without a settings row
	urgent int := 1000;
	tz text := 'UTC';
	today uuid;
	used bigint;
BEGIN
	SELECT s.queue_quota, s.daily_send_limit, s.urgent_daily_allowance, s.timezone
	  INTO quota, daily, urgent, tz
	  FROM business_setting s WHERE s.business_id = b;
	IF NOT FOUND THEN
		urgent := 1000;
		tz := 'UTC';
	END IF;
	today := uuid_v7_at(date_trunc('day', now() AT TIME ZONE tz) AT TIME ZONE tz);
	IF n_urgent > 0 THEN
		SELECT count(*) INTO used FROM communication_queue q
		 WHERE q.business_id = b AND q.id >= today AND q.priority = 'urgent';
		IF used + n_urgent > urgent THEN
			RAISE EXCEPTION 'urgent_daily_allowance exceeded: % urgent message(s) per day allowed, % already today, % more asked',
				urgent, used, n_urgent
				USING ERRCODE = 'insufficient_privilege', COLUMN = 'priority',
					  HINT = 'send with priority high or lower; the platform admin sets the allowance (flowcomm.set_business_limits)';
		END IF;
	END IF;
	IF quota IS NOT NULL THEN
		SELECT count(*) INTO used FROM communication_queue q WHERE q.business_id = b AND q.status = 'pending';
		IF used + n_messages > quota THEN
			RAISE EXCEPTION 'queue_quota exceeded: % pending message(s) allowed, % pending, % more asked', quota, used, n_messages
				USING ERRCODE = 'program_limit_exceeded',
					  HINT = 'wait for the queue to drain, or ask the platform admin to raise business_setting.queue_quota';
		END IF;
	END IF;
	IF daily IS NOT NULL THEN
		SELECT count(*) INTO used FROM communication_queue q WHERE q.business_id = b AND q.id >= today;
		IF used + n_messages > daily THEN
			RAISE EXCEPTION 'daily_send_limit exceeded: % message(s) per day allowed, % queued today, % more asked', daily, used, n_messages
				USING ERRCODE = 'program_limit_exceeded',
					  HINT = format('the day restarts at midnight %s; the platform admin sets business_setting.daily_send_limit', tz);
		END IF;
	END IF;
END
$$;
COMMENT ON FUNCTION flowcomm.check_send_quota(uuid, int, int) IS 'Internal: raise 54000 (queue_quota, daily_send_limit) or 42501 (urgent_daily_allowance) before n more messages of a business are written';
REVOKE ALL ON FUNCTION flowcomm.check_send_quota(uuid, int, int) FROM PUBLIC;

-- set_business_limits: the platform admin's control of a business's limits
-- (NULL quota or daily limit: none).
CREATE FUNCTION flowcomm.set_business_limits(business uuid, queue_quota int, daily_send_limit int,
											 urgent_daily_allowance int) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	IF business IS NULL THEN
		PERFORM invalid('business', 'is required');
	END IF;
	IF queue_quota < 0 THEN
		PERFORM invalid('queue_quota', format('must be 0 or more (NULL for no quota), not %s', queue_quota));
	END IF;
	IF daily_send_limit < 0 THEN
		PERFORM invalid('daily_send_limit', format('must be 0 or more (NULL for no limit), not %s', daily_send_limit));
	END IF;
	IF urgent_daily_allowance IS NULL OR urgent_daily_allowance < 0 THEN
		PERFORM invalid('urgent_daily_allowance', format('must be 0 or more, not %s', coalesce(urgent_daily_allowance::text, 'null')));
	END IF;
	INSERT INTO business_setting AS s (business_id, queue_quota, daily_send_limit, urgent_daily_allowance)
	VALUES (business, set_business_limits.queue_quota, set_business_limits.daily_send_limit,
			set_business_limits.urgent_daily_allowance)
	ON CONFLICT (business_id) DO UPDATE
	   SET queue_quota = excluded.queue_quota, daily_send_limit = excluded.daily_send_limit,
		   urgent_daily_allowance = excluded.urgent_daily_allowance, updated_at = now();
END
$$;
COMMENT ON FUNCTION flowcomm.set_business_limits(uuid, int, int, int) IS 'Platform admin: set a business''s queue quota, daily send limit (NULL: none) and urgent messages per day';
REVOKE ALL ON FUNCTION flowcomm.set_business_limits(uuid, int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.set_business_limits(uuid, int, int, int) TO flowcomm_platform_admin;
