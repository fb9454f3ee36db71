#!/bin/sh
# bench/drain/run.sh — how fast the delivery workers drain a full queue.
#
# Throwaway cluster (durable settings: fsync and synchronous_commit on,
# shared_buffers 1GB), the provider simulator, N queued messages (default
# 100000: 50% SMS, 30% email with a 20 KB HTML body, 20% WhatsApp, over 100
# businesses on the default provider accounts), rate limits off.  The
# workers are only pointed at the database once the queue is full, so the
# figures are a pure drain: messages/s from the first claim to the last
# result commit, and busy CPU seconds (whole machine, from /proc/stat: the
# server, the workers and the simulator) per 1,000 messages.
#
#   sh bench/drain/run.sh [N] [WORKERS]
#   env: FC_KEEP=1 keeps the cluster directory; BATCH, IN_FLIGHT override
#        flowcomm.batch_size / flowcomm.max_in_flight; PGSS=1 loads
#        pg_stat_statements and prints the workers' statements at the end.
set -eu
N=${1:-100000}
WORKERS=${2:-2}
FC_REPO=$(cd "$(dirname "$0")/../.." && pwd)
FC_EXTRA_CONF="shared_buffers = 1GB
fsync = on
synchronous_commit = on
max_wal_size = 4GB"
[ "${PGSS:-0}" = 1 ] && FC_EXTRA_CONF="$FC_EXTRA_CONF
shared_preload_libraries = 'flowcomm,pg_stat_statements'
pg_stat_statements.track = all"
. "$FC_REPO/test/cluster.sh"
trap 'fc_teardown' EXIT INT TERM

[ -x "$FC_REPO/test/simulator/flowcomm-sim" ] || make -C "$FC_REPO" -s simulator
fc_setup
fc_sim_start
fc_provider_conf
fc_conf "flowcomm.databases = 'postgres'"
fc_conf "flowcomm.workers_per_database = $WORKERS"
fc_conf "flowcomm.rate_limit_enabled = off"
fc_conf "flowcomm.batch_size = ${BATCH:-500}"
fc_conf "flowcomm.max_in_flight = ${IN_FLIGHT:-1000}"
fc_start
fc_psql -d postgres -c "CREATE DATABASE flowcomm_bench" >/dev/null
fc_psql -d flowcomm_bench >/dev/null <<SQL
CREATE EXTENSION flowcomm;
INSERT INTO flowcomm.default_provider_account (provider, sendgrid_api_key, from_email, from_name)
VALUES ('sendgrid', 'SG.bench', 'billing@shop.test', 'Shop');
INSERT INTO flowcomm.default_provider_account (provider, twilio_account_sid, twilio_auth_token, sms_from, whatsapp_from)
VALUES ('twilio', 'AC0123456789abcdef0123456789abcdef', 'bench-token', '+15005550006', '+14155238886');
WITH b AS (SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid AS id FROM generate_series(0, 99) g),
html AS (SELECT '<html><body>' || repeat('<p>Invoice line: widget x1 at 10.00 — thank you for your business.</p>', 290)
                || '</body></html>' AS h),
m AS (
	SELECT g, (SELECT id FROM b OFFSET g % 100 LIMIT 1) AS bid,
	       CASE WHEN g % 10 < 5 THEN 'sms' WHEN g % 10 < 8 THEN 'email' ELSE 'whatsapp' END::flowcomm.channel AS ch
	  FROM generate_series(1, $N) g),
c AS (
	INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type,
	                                    subject, content, status, queued_at)
	SELECT m.bid, 'bench', 'customer',
	       CASE WHEN m.ch = 'email' THEN 'c' || m.g || '@example.test' ELSE '+1555' || lpad(m.g::text, 7, '0') END,
	       m.ch, 'invoice', 'Invoice ' || m.g,
	       CASE WHEN m.ch = 'email' THEN (SELECT h FROM html) ELSE 'Your invoice ' || m.g || ' is ready: https://pay.test/' || m.g END,
	       'queued', now()
	  FROM m
	RETURNING business_id, id, channel)
INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel)
SELECT business_id, id, channel FROM c;
VACUUM ANALYZE;
SQL
[ "${PGSS:-0}" = 1 ] && fc_psql -d flowcomm_bench -c "CREATE EXTENSION pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
echo "queued $N messages ($(fc_psql -d flowcomm_bench -Atc "SELECT string_agg(channel || ' ' || n, ', ') FROM (SELECT channel, count(*) n FROM flowcomm.communication GROUP BY 1 ORDER BY 1) x"))"

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
HZ=$(getconf CLK_TCK)
CPU0=$(busy)
T0=$(date +%s.%N)
fc_psql -d postgres -c "ALTER SYSTEM SET flowcomm.databases = 'flowcomm_bench'" -c "SELECT pg_reload_conf()" >/dev/null
while [ "$(fc_psql -d flowcomm_bench -Atc "SELECT count(*) FROM flowcomm.communication_queue WHERE status IN ('pending', 'processing')")" != 0 ]; do
	sleep 0.5
done
T1=$(date +%s.%N)
CPU1=$(busy)

fc_psql -d flowcomm_bench -At <<SQL
SELECT format('sent %s, failed %s, other %s', count(*) FILTER (WHERE status = 'sent'),
              count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status NOT IN ('sent', 'failed')))
  FROM flowcomm.communication;
SELECT format('drain: %s messages in %s s = %s messages/s (first claim to last result commit)',
              count(*), round(extract(epoch FROM max(c.updated_at) - min(q.started_at))::numeric, 2),
              round(count(*) / extract(epoch FROM max(c.updated_at) - min(q.started_at))::numeric))
  FROM flowcomm.communication c
  JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id;
SELECT format('progress after first claim: 50%% at %s s, 90%% at %s s, 99%% at %s s, 100%% at %s s; retried %s (timeouts/errors at the simulator)',
              round(extract(epoch FROM p[1] - t0)::numeric, 2), round(extract(epoch FROM p[2] - t0)::numeric, 2),
              round(extract(epoch FROM p[3] - t0)::numeric, 2), round(extract(epoch FROM p[4] - t0)::numeric, 2),
              (SELECT count(*) FROM flowcomm.communication WHERE retry_count > 0))
  FROM (SELECT min(q.started_at) AS t0,
               percentile_disc(ARRAY[0.5, 0.9, 0.99, 1.0]) WITHIN GROUP (ORDER BY c.updated_at) AS p
          FROM flowcomm.communication c
          JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id) x;
SELECT format('latency: %s', string_agg(provider || '/' || channel || ' avg ' || round(avg_latency_ms::numeric, 1) || ' ms', ', '))
  FROM flowcomm.delivery_counters() WHERE requests > 0;
SQL
if [ "${PGSS:-0}" = 1 ]; then
	fc_psql -d flowcomm_bench -c "SELECT calls, round(total_exec_time::numeric, 1) AS exec_ms, round(total_plan_time::numeric, 1) AS plan_ms,
	       rows, round((total_exec_time / greatest(rows, 1) * 1000)::numeric, 1) AS us_per_row, left(regexp_replace(query, '\s+', ' ', 'g'), 70) AS query
	  FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'flowcomm_bench')
	 ORDER BY total_exec_time DESC LIMIT 8"
fi
# CPU split: the delivery workers, the rest of PostgreSQL (live processes),
# the simulator; whatever else runs on the machine is in the total only.
proc_cpu() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'; }
PM=$(head -1 "$FC_DATA/postmaster.pid")
WORKERS_PIDS=$(pgrep -P "$PM" -f 'flowcomm worker' || true)
OTHER_PIDS=$(pgrep -P "$PM" | grep -vxF "$WORKERS_PIDS" || true)
awk -v w="$(proc_cpu $WORKERS_PIDS)" -v o="$(proc_cpu $OTHER_PIDS)" -v s="$(proc_cpu "$FC_SIM_PID")" -v hz="$HZ" -v n="$N" 'BEGIN {
	printf "CPU s per 1000 messages: delivery workers %.3f, other PostgreSQL processes %.3f, simulator %.3f\n",
	       w / hz / n * 1000, o / hz / n * 1000, s / hz / n * 1000 }'
awk -v c0="$CPU0" -v c1="$CPU1" -v hz="$HZ" -v t0="$T0" -v t1="$T1" -v n="$N" -v ncpu="$(nproc)" 'BEGIN {
	cpu = (c1 - c0) / hz
	printf "wall (reload to empty queue): %.2f s; busy CPU %.1f s of %d cores = %.3f CPU s per 1000 messages\n",
	       t1 - t0, cpu, ncpu, cpu / n * 1000 }'
