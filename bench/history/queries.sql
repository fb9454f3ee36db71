-- queries.sql — history and stats timings for bench/history/run.sh: each
-- call :reps times in one session, min and median milliseconds (server side,
-- clock_timestamp around the call).  Business :'biz'; the stats month is the
-- last 30 days.
\set ON_ERROR_STOP 1
SET flowcomm.business_id = :'biz';
-- Cursors taken beforehand, so only the page read is timed.  (The 0.1.0
-- baseline was measured with the cursor and count rows left out.)
SELECT (SELECT flowcomm.history_cursor(created_at, id) FROM flowcomm.communication
		 WHERE business_id = :'biz' AND channel = 'email' ORDER BY created_at DESC, id DESC OFFSET 999 LIMIT 1) AS cursor_email,
	   (SELECT flowcomm.history_cursor(created_at, id) FROM flowcomm.communication
		 WHERE business_id = :'biz' AND type = 'collection_notice' AND status = 'failed' ORDER BY created_at DESC, id DESC OFFSET 999 LIMIT 1) AS cursor_cn_failed \gset
CREATE TEMP TABLE q (n serial, name text, sql text);
INSERT INTO q (name, sql) VALUES
	('page 1, no filter', $$SELECT flowcomm.history('{}')$$),
	('page 3, channel sms + status sent (bench history_page)', $$SELECT flowcomm.history('{"channel": "sms", "status": "sent", "page": 3, "size": 20}')$$),
	('page 50 by offset, channel email', $$SELECT flowcomm.history('{"channel": "email", "page": 50}')$$),
	('cursor page after 1,000 rows, channel email', format($$SELECT flowcomm.history('{"channel": "email", "cursor": "%s"}')$$, :'cursor_email')),
	('channel messenger (2 %)', $$SELECT flowcomm.history('{"channel": "messenger"}')$$),
	('status failed', $$SELECT flowcomm.history('{"status": "failed"}')$$),
	('status bounced + channel email', $$SELECT flowcomm.history('{"status": "bounced", "channel": "email"}')$$),
	('type low_stock_alert (2 %)', $$SELECT flowcomm.history('{"type": "low_stock_alert"}')$$),
	('type collection_notice + status failed', $$SELECT flowcomm.history('{"type": "collection_notice", "status": "failed"}')$$),
	('cursor page after 1,000 rows, collection_notice + failed', format($$SELECT flowcomm.history('{"type": "collection_notice", "status": "failed", "cursor": "%s"}')$$, :'cursor_cn_failed')),
	('recipientType user', $$SELECT flowcomm.history('{"recipientType": "user"}')$$),
	('recipientType supplier + recipientId', $$SELECT flowcomm.history(jsonb_build_object('recipientType', 'supplier', 'recipientId', md5('r' || 10)::uuid))$$),
	('recipientContact (bench history_contact)', $$SELECT flowcomm.history('{"recipientContact": "+15550000042"}')$$),
	('entityType sale + entityId', $$SELECT flowcomm.history(jsonb_build_object('entityType', 'sale', 'entityId', md5('sale' || 4242)::uuid))$$),
	('entityType sale only', $$SELECT flowcomm.history('{"entityType": "sale"}')$$),
	('one day (startDate/endDate)', $$SELECT flowcomm.history(jsonb_build_object('startDate', (current_date - 10)::text, 'endDate', (current_date - 10)::text))$$),
	('one day + channel whatsapp + status delivered', $$SELECT flowcomm.history(jsonb_build_object('startDate', (current_date - 10)::text, 'endDate', (current_date - 10)::text, 'channel', 'whatsapp', 'status', 'delivered'))$$),
	('count exact, no filter', $$SELECT flowcomm.history('{"count": "exact"}')$$),
	('count exact, channel sms', $$SELECT flowcomm.history('{"count": "exact", "channel": "sms"}')$$),
	('stats, last 30 days (bench stats_month)', $$SELECT flowcomm.stats('{}')$$),
	('stats, last 30 days, channel email', $$SELECT flowcomm.stats('{"channel": "email"}')$$);
CREATE FUNCTION pg_temp.ms(p_sql text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
	EXECUTE p_sql;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
SELECT q.name, round(min(t)::numeric, 1) AS min_ms, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY t))::numeric, 1) AS median_ms
  FROM q, LATERAL (SELECT pg_temp.ms(q.sql) AS t FROM generate_series(1, :reps)) r
 GROUP BY q.n, q.name ORDER BY q.n;
