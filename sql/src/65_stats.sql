-- 65_stats.sql — delivery statistics (seed 4.1 and 12) and admin views for psql.

-- stats: totals and rates for a date range of the current business.
CREATE FUNCTION flowcomm.stats(filters jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	f jsonb := coalesce(filters, '{}');
	v_from timestamptz;
	v_to timestamptz;
	v_channel text;
	res jsonb;
BEGIN
	PERFORM check_request(f, ARRAY['startDate', 'endDate', 'channel', 'businessId'], 'filters');
	IF (f ? 'businessId') AND req_uuid(f, 'businessId') IS DISTINCT FROM b THEN
		RAISE EXCEPTION 'businessId % is not the current business', f ->> 'businessId' USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT coalesce(r.v_from, now() - interval '30 days'), coalesce(r.v_to, now()) INTO v_from, v_to
	  FROM req_date_range(f) r;
	IF v_from > v_to THEN
		PERFORM invalid('startDate', 'is after endDate');
	END IF;
	IF v_to - v_from > interval '400 days' THEN
		PERFORM invalid('endDate', 'the range may span at most 400 days');
	END IF;
	v_channel := req_enum(f, 'channel', enum_range(NULL::channel)::text[]);

	-- Two passes over the month's index entries (communication_stats_idx
	-- covers every column read, so both are index-only scans once vacuumed):
	-- the totals with their percentiles, and the counts per channel, type and
	-- status from which byChannel/byStatus/byType are summed.  Durations are
	-- float8 seconds (date_part): sorting numeric extract() values for the
	-- percentiles took twice as long at 1M rows.
	WITH g AS (
		SELECT c.channel, c.type, c.status, count(*) AS n
		  FROM communication c
		 WHERE c.business_id = b AND c.created_at >= v_from AND c.created_at < v_to
		   AND c.direction = 'outbound' AND (v_channel IS NULL OR c.channel = v_channel::channel)
		 GROUP BY 1, 2, 3),
	agg AS (
		SELECT count(*) AS total,
			   count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,
			   count(*) FILTER (WHERE delivered_at IS NOT NULL OR status IN ('delivered', 'opened', 'clicked')) AS delivered,
			   count(*) FILTER (WHERE status = 'failed') AS failed,
			   count(*) FILTER (WHERE status = 'bounced') AS bounced,
			   count(*) FILTER (WHERE opened_at IS NOT NULL OR status IN ('opened', 'clicked')) AS opened,
			   count(*) FILTER (WHERE clicked_at IS NOT NULL OR status = 'clicked') AS clicked,
			   count(*) FILTER (WHERE sent_at IS NOT NULL AND channel = 'email') AS sent_email,
			   sum(retry_count) AS retries,
			   avg(date_part('epoch', sent_at - queued_at)) AS avg_to_sent,
			   percentile_cont(0.95) WITHIN GROUP (ORDER BY date_part('epoch', sent_at - queued_at)) AS p95_to_sent,
			   avg(date_part('epoch', delivered_at - queued_at)) AS avg_to_delivered,
			   percentile_cont(0.95) WITHIN GROUP (ORDER BY date_part('epoch', delivered_at - queued_at)) AS p95_to_delivered,
			   sum(abs(price)) AS cost,
			   min(price_unit) AS cost_unit
		  FROM communication c
		 WHERE c.business_id = b AND c.created_at >= v_from AND c.created_at < v_to
		   AND c.direction = 'outbound' AND (v_channel IS NULL OR c.channel = v_channel::channel))
	SELECT jsonb_build_object(
		'startDate', v_from, 'endDate', v_to,
		'total', a.total, 'totalSent', a.sent, 'delivered', a.delivered, 'failed', a.failed, 'bounced', a.bounced,
		'opened', a.opened, 'clicked', a.clicked, 'retries', coalesce(a.retries, 0),
		'byChannel', coalesce((SELECT jsonb_object_agg(channel, n) FROM (SELECT channel, sum(n) n FROM g GROUP BY 1) x), '{}'),
		'byStatus', coalesce((SELECT jsonb_object_agg(status, n) FROM (SELECT status, sum(n) n FROM g GROUP BY 1) x), '{}'),
		'byType', coalesce((SELECT jsonb_object_agg(type, n) FROM (SELECT type, sum(n) n FROM g GROUP BY 1) x), '{}'),
		'deliveryRate', round(a.delivered::numeric / nullif(a.sent, 0), 4),
		'failureRate', round(a.failed::numeric / nullif(a.total, 0), 4),
		'bounceRate', round(a.bounced::numeric / nullif(a.sent_email, 0), 4),
		'openRate', round(a.opened::numeric / nullif(a.sent_email, 0), 4),
		'clickRate', round(a.clicked::numeric / nullif(a.sent_email, 0), 4),
		'avgSecondsToSent', round(a.avg_to_sent::numeric, 3),
		'p95SecondsToSent', round(a.p95_to_sent::numeric, 3),
		'avgSecondsToDelivered', round(a.avg_to_delivered::numeric, 3),
		'p95SecondsToDelivered', round(a.p95_to_delivered::numeric, 3),
		'cost', a.cost, 'costUnit', a.cost_unit,
		'topFailureReasons', failure_reasons(b, v_from, v_to, v_channel),
		-- Every figure above is over outbound messages; say so, since
		-- history lists inbound replies too.
		'direction', 'outbound', 'inboundCounted', false)
	  INTO res
	  FROM agg a;
	RETURN res;
END
$$;
COMMENT ON FUNCTION flowcomm.stats(jsonb) IS 'Delivery statistics of the current business for startDate..endDate (default: last 30 days): totals by channel, status and type; delivery, failure, bounce, open and click rates; average and p95 seconds queued→sent and queued→delivered; retries; cost. Counts outbound messages only (direction "outbound", inboundCounted false): inbound replies are in history, not in stats';
GRANT EXECUTE ON FUNCTION flowcomm.stats(jsonb) TO flowcomm_viewer;
-- stats reads a range of days of one business: this index holds every column
-- it reads, so a month is an index-only range scan, not a heap read of every
-- message (0.2.0; docs/performance.md "History and stats at 1M rows").  Its
-- key ends in id, so scanned backwards it is also the order of an
-- unfiltered history page (created_at DESC, id DESC): no second index.
CREATE INDEX communication_stats_idx ON flowcomm.communication (business_id, created_at, id)
	INCLUDE (direction, channel, type, status, queued_at, sent_at, delivered_at, opened_at, clicked_at,
			 retry_count, price, price_unit);

-- Admin views (psql): tenant-filtered, readable by viewers.
CREATE VIEW flowcomm.recent_failures WITH (security_barrier) AS
	SELECT c.id, c.created_at, c.channel, c.type, c.recipient_contact, c.status, c.error_code, c.error_message,
		   q.attempts, q.status AS queue_status, q.last_error
	  FROM flowcomm.communication c
	  LEFT JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
	 WHERE c.business_id = (SELECT flowcomm.current_business_id())
	   AND c.status IN ('failed', 'bounced')
	   AND c.created_at > now() - interval '7 days'
	 ORDER BY c.created_at DESC;
COMMENT ON VIEW flowcomm.recent_failures IS 'Failed and bounced messages of the current business in the last 7 days, with errors';

CREATE VIEW flowcomm.top_templates WITH (security_barrier) AS
	SELECT c.template_code, c.channel, count(*) AS messages,
		   count(*) FILTER (WHERE c.status IN ('delivered', 'opened', 'clicked')) AS delivered,
		   count(*) FILTER (WHERE c.status IN ('failed', 'bounced')) AS failed,
		   max(c.created_at) AS last_used
	  FROM flowcomm.communication c
	 WHERE c.business_id = (SELECT flowcomm.current_business_id())
	   AND c.template_code IS NOT NULL AND c.created_at > now() - interval '30 days'
	 GROUP BY 1, 2
	 ORDER BY messages DESC;
COMMENT ON VIEW flowcomm.top_templates IS 'Templates of the current business by use in the last 30 days';

CREATE VIEW flowcomm.daily_volume WITH (security_barrier) AS
	SELECT date_trunc('day', c.created_at)::date AS day, c.channel, count(*) AS messages,
		   count(*) FILTER (WHERE c.sent_at IS NOT NULL) AS sent,
		   count(*) FILTER (WHERE c.status IN ('failed', 'bounced')) AS failed
	  FROM flowcomm.communication c
	 WHERE c.business_id = (SELECT flowcomm.current_business_id())
	   AND c.created_at > now() - interval '90 days'
	 GROUP BY 1, 2
	 ORDER BY 1 DESC, 2;
COMMENT ON VIEW flowcomm.daily_volume IS 'Messages per day and channel of the current business, last 90 days';
GRANT SELECT ON flowcomm.recent_failures, flowcomm.top_templates, flowcomm.daily_volume TO flowcomm_viewer;
