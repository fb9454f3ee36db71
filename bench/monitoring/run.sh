#!/bin/sh
# bench/monitoring/run.sh — what a Prometheus scrape of flowcomm costs with a
# large backlog and history (issue 20): a throwaway cluster, PENDING queued
# messages (due, spread over the last day) and HIST sent messages spread over
# 90 days (100 businesses, INSERT ... SELECT generate_series), then
# prometheus-postgres-exporter with monitoring/postgres_exporter/queries.yaml
# scraped SCRAPES times.  The history is loaded with triggers off
# (session_replication_role = replica), so monitor_rebuild() then builds the
# buckets from it: the cold start.  Prints the scrape time (rollups fresh:
# the common case), the time of each exporter query, and the incremental
# refresh after a minute of steady traffic (STEADY new messages sent, as
# many older ones delivered, a tenth of them opened hours later).
#   PENDING=1000000 HIST=10000000 sh bench/monitoring/run.sh
set -eu
FC_REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$FC_REPO/test/cluster.sh"
PENDING=${PENDING:-1000000}
HIST=${HIST:-10000000}
SCRAPES=${SCRAPES:-20}
STEADY=${STEADY:-30000}
FC_EXTRA_CONF="fsync = off
synchronous_commit = off
maintenance_work_mem = '256MB'
max_wal_size = '8GB'
flowcomm.databases = 'none'"
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; fc_teardown' EXIT INT TERM
fc_setup >/dev/null
fc_start
psql_b() { fc_psql -d fcbench -v ON_ERROR_STOP=1 -q "$@"; }
fc_psql -d postgres -qc "CREATE DATABASE fcbench"
psql_b -c "CREATE EXTENSION flowcomm"
t0=$(date +%s)
psql_b <<SQL
SET session_replication_role = replica;
CREATE TEMP TABLE b AS SELECT g AS n, flowcomm.uuid_v7() AS id FROM generate_series(0, 99) g;
-- history: sent / delivered / failed messages over 90 days
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type,
	content, status, queued_at, sent_at, delivered_at, template_code, created_at, updated_at, error_code)
SELECT b.id, CASE WHEN g % 3 = 0 THEN 'SYSTEM_rules' ELSE 'api' END, 'customer', '+1555' || lpad((g % 10000000)::text, 7, '0'),
	   (ARRAY['email','sms','whatsapp','messenger'])[1 + g % 4]::flowcomm.channel,
	   (ARRAY['invoice','invoice_reminder','payment_link','general_notification'])[1 + (g / 4) % 4]::flowcomm.communication_type,
	   'x', CASE WHEN g % 50 = 0 THEN 'failed' WHEN g % 2 = 0 THEN 'delivered' ELSE 'sent' END::flowcomm.communication_status,
	   ts, ts + interval '2 seconds', CASE WHEN g % 2 = 0 AND g % 50 <> 0 THEN ts + interval '9 seconds' END,
	   'tpl_' || (g % 20), ts, ts, CASE WHEN g % 50 = 0 THEN '30007' END
  FROM generate_series(1, $HIST) g
  JOIN b ON b.n = g % 100
 CROSS JOIN LATERAL (SELECT now() - (g::float8 / $HIST) * interval '90 days' AS ts) t;
RESET session_replication_role;
-- backlog: queued, due, created over the last day
WITH c AS (
	INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type,
		content, status, queued_at, created_at, updated_at)
	SELECT b.id, 'api', 'customer', '+1666' || lpad(g::text, 7, '0'),
		   (ARRAY['email','sms','whatsapp','messenger'])[1 + g % 4]::flowcomm.channel, 'invoice', 'x', 'queued', ts, ts, ts
	  FROM generate_series(1, $PENDING) g
	  JOIN b ON b.n = g % 100
	 CROSS JOIN LATERAL (SELECT now() - (g::float8 / $PENDING) * interval '1 day' AS ts) t
	RETURNING business_id, id, channel, created_at)
INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel, priority, scheduled_at, created_at)
SELECT business_id, id, channel, (ARRAY['low','normal','high','urgent'])[1 + abs(hashtext(id::text)) % 4]::flowcomm.queue_priority,
	   created_at, created_at FROM c;
SQL
psql_b -c "VACUUM ANALYZE"
echo "generated $HIST history + $PENDING pending in $(($(date +%s) - t0)) s"
psql_b -At -c "SELECT 'communication ' || pg_size_pretty(pg_total_relation_size('flowcomm.communication')) || ', queue ' || pg_size_pretty(pg_total_relation_size('flowcomm.communication_queue'))"
psql_b -c "CREATE ROLE fc_bench_exporter LOGIN IN ROLE flowcomm_monitor"

# The cold start: buckets and rollups built from the last 31 days (once,
# after an upgrade or a load with triggers off), then a refresh with nothing new.
psql_b -At -c "SELECT 'cold rebuild (monitor_rebuild): ' || round(date_part('epoch', clock_timestamp() - statement_timestamp()) * 1000) || ' ms' FROM (SELECT flowcomm.monitor_rebuild()) x"
psql_b -At -c "SELECT flowcomm.monitor_refresh(true)" >/dev/null
psql_b -At -c "SELECT 'refresh with nothing new: ' || string_agg(part || ' ' || round(duration_ms) || ' ms', ', ') FROM flowcomm.monitor_refresh_state"
psql_b -At -c "SELECT 'buckets: ' || (SELECT count(*) FROM flowcomm.monitor_engagement_bucket) || ' engagement, ' || (SELECT count(*) FROM flowcomm.monitor_engagement_latency) || ' latency, ' || (SELECT count(*) FROM flowcomm.monitor_business_day) || ' business-day rows'"

# A minute of steady traffic, as the workers and webhooks write it: STEADY
# new messages (200 per statement), as many pending ones sent (200 per
# worker batch), STEADY/2 older ones delivered and STEADY/10 opened (one
# webhook statement each would be slower to generate; 100 per statement).
psql_b <<SQL
CREATE TABLE bench_ids AS SELECT business_id, communication_id AS id, row_number() OVER () AS n
  FROM flowcomm.communication_queue WHERE status = 'pending' LIMIT 2 * $STEADY;
CREATE TABLE bench_old AS SELECT business_id, id, row_number() OVER () AS n FROM flowcomm.communication
 WHERE created_at BETWEEN now() - interval '20 hours' AND now() - interval '2 hours' AND status = 'sent' LIMIT $STEADY;
CREATE INDEX ON bench_ids (n);
CREATE INDEX ON bench_old (n);
CREATE FUNCTION bench_minute(steady int, part int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE
	i int;
	o int := part * steady;
	h int := part * steady / 2;
BEGIN
	FOR i IN 0 .. (steady / 200) - 1 LOOP
		INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, queued_at)
		SELECT b.business_id, 'api', 'customer', '+1777' || lpad((o + i * 200 + g)::text, 7, '0'),
			   (ARRAY['email','sms','whatsapp','messenger'])[1 + g % 4]::flowcomm.channel, 'invoice', 'x', 'queued', now()
		  FROM generate_series(1, 200) g, (SELECT business_id FROM bench_ids WHERE n = o + 1 + i) b;
		UPDATE flowcomm.communication c SET status = 'sent', sent_at = clock_timestamp(), updated_at = now()
		  FROM bench_ids x WHERE x.n > o + i * 200 AND x.n <= o + (i + 1) * 200 AND c.business_id = x.business_id AND c.id = x.id;
	END LOOP;
	FOR i IN 0 .. (steady / 200) - 1 LOOP
		UPDATE flowcomm.communication c SET status = 'delivered', delivered_at = clock_timestamp(), updated_at = now()
		  FROM bench_old x WHERE x.n > h + i * 100 AND x.n <= h + (i + 1) * 100 AND c.business_id = x.business_id AND c.id = x.id;
	END LOOP;
	FOR i IN 0 .. (steady / 1000) - 1 LOOP
		UPDATE flowcomm.communication c SET status = 'opened', opened_at = clock_timestamp(), updated_at = now()
		  FROM bench_old x WHERE x.n > h + i * 100 AND x.n <= h + (i + 1) * 100 AND c.business_id = x.business_id AND c.id = x.id;
	END LOOP;
END
\$\$;
SQL
psql_b -At -c "SELECT flowcomm.monitor_refresh(true)" >/dev/null
# The same minute of writes without the monitoring triggers (other rows): their cost.
psql_b -c "ALTER TABLE flowcomm.communication DISABLE TRIGGER monitor_message_ins, DISABLE TRIGGER monitor_message_upd" >/dev/null
t1=$(date +%s.%N)
psql_b -c "SELECT bench_minute($STEADY, 1)" >/dev/null
t2=$(date +%s.%N)
psql_b -c "ALTER TABLE flowcomm.communication ENABLE TRIGGER monitor_message_ins, ENABLE TRIGGER monitor_message_upd" >/dev/null
psql_b -At -c "SELECT flowcomm.monitor_rebuild()" >/dev/null
t3=$(date +%s.%N)
psql_b -c "SELECT bench_minute($STEADY, 0)" >/dev/null
t4=$(date +%s.%N)
psql_b -At -c "SELECT 'steady minute: ' || $STEADY || ' new + ' || $STEADY || ' sent + ' || $STEADY / 2 || ' delivered + ' || $STEADY / 10 || ' opened written in ' || round(($t4 - $t3) * 1000) || ' ms with the monitoring triggers, ' || round(($t2 - $t1) * 1000) || ' ms without; ' || (SELECT count(*) FROM flowcomm.monitor_message_delta) || ' delta rows'"
psql_b -At -c "SELECT flowcomm.monitor_refresh(true)" >/dev/null
psql_b -At -c "SELECT 'incremental refresh after that minute: ' || string_agg(part || ' ' || round(duration_ms) || ' ms', ', ') FROM flowcomm.monitor_refresh_state"
psql_b -At -c "SELECT flowcomm.monitor_refresh(true)" >/dev/null
psql_b -At -c "SELECT 'refresh with nothing new: ' || string_agg(part || ' ' || round(duration_ms) || ' ms', ', ') FROM flowcomm.monitor_refresh_state"
psql_b -qc "DROP TABLE bench_ids, bench_old; DROP FUNCTION bench_minute(int, int)"

# Each exporter query alone (rollups fresh).
python3 - "$FC_REPO/monitoring/postgres_exporter/queries.yaml" >"$FC_TMP/queries.sql" <<'PY'
import re, sys
for m in re.finditer(r'^(\w+):\n  query: "(.*)"$', open(sys.argv[1]).read(), re.M):
    print("\\echo %s\n%s;" % (m.group(1), m.group(2).replace('\\"', '"')))
PY
echo "per query (ms, second run):"
{ echo '\timing on'; cat "$FC_TMP/queries.sql"; echo '\o /dev/null'; } >"$FC_TMP/q1.sql"
psql_b -f "$FC_TMP/queries.sql" >/dev/null
fc_psql -d fcbench -U fc_bench_exporter -q -c '\timing on' -c '\o /dev/null' -f "$FC_TMP/queries.sql" 2>&1 |
	awk '/^flowcomm_/ {n=$1} /^Time:/ {printf "  %-28s %s ms\n", n, $2}'

EXP_PORT=$(fc_free_port)
DATA_SOURCE_NAME="host=$FC_SOCK port=$FC_PORT user=fc_bench_exporter dbname=fcbench sslmode=disable" \
	prometheus-postgres-exporter --web.listen-address="127.0.0.1:$EXP_PORT" \
	--extend.query-path="$FC_REPO/monitoring/postgres_exporter/queries.yaml" \
	--disable-default-metrics --disable-settings-metrics >"$FC_TMP/exporter.log" 2>&1 &
PIDS="$!"
sleep 1
curl -s "http://127.0.0.1:$EXP_PORT/metrics" >/dev/null
i=0
: >"$FC_TMP/times"
while [ $i -lt "$SCRAPES" ]; do
	curl -s -o "$FC_TMP/scrape.prom" -w '%{time_total}\n' "http://127.0.0.1:$EXP_PORT/metrics" >>"$FC_TMP/times"
	i=$((i + 1))
done
grep -q 'error' "$FC_TMP/exporter.log" && { echo "exporter errors:"; grep error "$FC_TMP/exporter.log" | tail -3; }
echo "series per scrape: $(grep -c '^flowcomm_' "$FC_TMP/scrape.prom")"
sort -n "$FC_TMP/times" | awk -v p="$PENDING" -v h="$HIST" '{t[NR]=$1} END {printf "scrape with %d pending, %d history: median %.0f ms, p95 %.0f ms, max %.0f ms over %d scrapes\n", p, h, t[int((NR+1)/2)]*1000, t[int(NR*0.95+0.999)]*1000, t[NR]*1000, NR}'
# A scrape that also refreshes the engagement rollup (once a minute).
psql_b -c "UPDATE flowcomm.monitor_refresh_state SET refreshed_at = now() - interval '1 hour' WHERE part = 'engagement'"
curl -s -o /dev/null -w 'scrape that also refreshes the engagement rollup: %{time_total} s\n' "http://127.0.0.1:$EXP_PORT/metrics"
