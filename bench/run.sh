#!/bin/bash
# run.sh — `make bench`: flowcomm against tuned pg-boss and graphile-worker.
#
#   bench/run.sh [--smoke] [--reps N] [--scenarios "drain slow steady enqueue growth"]
#   (also "fairness", opt-in: bench/fairness/run.sh, issue 16)
#
# Each scenario starts its own throwaway cluster (shared_buffers = 1GB,
# synchronous_commit = on, fsync = on: the same for everyone) and its own
# provider simulator, then runs the contenders alternately against the same
# simulator, BENCH_REPS times (default 3), and reports the median.  Every
# row carries busy CPU seconds of the whole machine per 1,000 messages
# (/proc/stat) and the simulator's CPU (/proc/<pid>/stat utime+stime).
#
# Output: bench/results/<UTC stamp>/ with results.jsonl (every measurement),
# results.csv, summary.md (the table, also printed), throughput.png,
# cpu.png and the per-run throughput series.
#
# --smoke (or BENCH_SMALL=1): every scenario at a tiny size, one rep, no
# timing assertions; prints TAP ("ok N - ...") and exits non-zero when the
# harness fails.  `make test` runs this.
#
# Sizes (env): BENCH_N (100000) drain/slow messages; BENCH_DEFAULT_N (2000)
# and BENCH_DEFAULT_CAP (60 s) for the untuned contender configurations;
# BENCH_RATE (500) x BENCH_STEADY_S (60) steady load; BENCH_ENQ_S (15)
# seconds per enqueue measurement; BENCH_BULK_N (100000); BENCH_GROWTH
# ("10000 100000 1000000"); BENCH_WORKERS (2) flowcomm workers.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
cd "$BENCH_DIR" || exit 1

SMOKE=${BENCH_SMALL:-}
REPS=${BENCH_REPS:-3}
SCENARIOS=${BENCH_SCENARIOS:-"drain slow steady enqueue growth"}
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--reps) REPS=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	*) echo "usage: $0 [--smoke] [--reps N] [--scenarios LIST]" >&2; exit 2 ;;
	esac
	shift
done

if [ -n "$SMOKE" ]; then
	REPS=1
	N=${BENCH_N:-300}; DEF_N=${BENCH_DEFAULT_N:-100}; DEF_CAP=${BENCH_DEFAULT_CAP:-5}
	RATE=${BENCH_RATE:-50}; STEADY_S=${BENCH_STEADY_S:-4}; ENQ_S=${BENCH_ENQ_S:-2}
	BULK_N=${BENCH_BULK_N:-300}; GROWTH=${BENCH_GROWTH:-"100 300"}
else
	N=${BENCH_N:-100000}; DEF_N=${BENCH_DEFAULT_N:-2000}; DEF_CAP=${BENCH_DEFAULT_CAP:-60}
	RATE=${BENCH_RATE:-500}; STEADY_S=${BENCH_STEADY_S:-60}; ENQ_S=${BENCH_ENQ_S:-15}
	BULK_N=${BENCH_BULK_N:-100000}; GROWTH=${BENCH_GROWTH:-"10000 100000 1000000"}
fi
W=${BENCH_WORKERS:-2}
# wait before each write-counter snapshot (bench/walsnap.sql): idle backends
# publish their statistics within 1 s; the smoke run only checks the harness
export BENCH_SNAP_WAIT=${BENCH_SNAP_WAIT:-$([ -n "$SMOKE" ] && echo 0.2 || echo 1.2)}
PGBOSS_DEF_N=$([ -n "$SMOKE" ] && echo 3 || echo 200)

. "$BENCH_DIR/lib.sh"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
BENCH_OUT=${BENCH_OUT:-$BENCH_DIR/results/$STAMP$([ -n "$SMOKE" ] && echo -smoke)}
mkdir -p "$BENCH_OUT"
BENCH_JSONL=$BENCH_OUT/results.jsonl
: >"$BENCH_JSONL"
BENCH_FAILURES=0
TAP_N=0
tap() { TAP_N=$((TAP_N + 1)); if [ "$1" = 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; fi; }

trap 'bench_cluster_stop >/dev/null 2>&1' EXIT
trap 'echo "# interrupted" >&2; exit 130' INT TERM

# Build what the clusters install (quietly) and the contenders' packages.
make -C "$FC_REPO" --no-print-directory -s all simulator >"$BENCH_OUT/build.log" 2>&1
tap $? "build flowcomm and the simulator" || true
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
	{ echo "not ok - Node.js >= 18 (Debian 12's) is needed for the contenders"; exit 1; }
bench_npm >"$BENCH_OUT/npm.log" 2>&1
rc=$?
tap $rc "contender packages installed (pinned, bench/node_modules)"
[ $rc = 0 ] || { cat "$BENCH_OUT/npm.log"; exit 1; }
bench_log "results in $BENCH_OUT; sizes: N=$N reps=$REPS workers=$W"

# ---------------------------------------------------------------- 1/2 drain, slow
drain_scenario()
{
	BENCH_SCENARIO=$1
	shift
	bench_cluster "$@" || { tap 1 "$BENCH_SCENARIO: cluster"; return; }
	fails0=$BENCH_FAILURES
	for r in $(seq 1 "$REPS"); do
		BENCH_REP=$r
		contender drain --contender flowcomm --n "$N" --workers "$W" --series "$BENCH_OUT/$BENCH_SCENARIO.flowcomm.$r.series"
		# the opt-in fast mode, its own row (flowcomm.worker_synchronous_commit = off)
		contender drain --contender flowcomm --config async --n "$N" --workers "$W" \
			--series "$BENCH_OUT/$BENCH_SCENARIO.flowcomm-async.$r.series"
		contender drain --contender graphile --config tuned --n "$N" --series "$BENCH_OUT/$BENCH_SCENARIO.graphile-tuned.$r.series"
		contender drain --contender pgboss --config tuned --n "$N" --series "$BENCH_OUT/$BENCH_SCENARIO.pgboss-tuned.$r.series"
		contender drain --contender graphile --config default --n "$DEF_N" --cap "$DEF_CAP" \
			--series "$BENCH_OUT/$BENCH_SCENARIO.graphile-default.$r.series"
		# pg-boss default (batchSize 1, polling every 2 s) does ~0.5 jobs/s: a small subset with a time cap.
		contender drain --contender pgboss --config default --n "$PGBOSS_DEF_N" --cap "$DEF_CAP"
	done
	tap $((BENCH_FAILURES - fails0)) "$BENCH_SCENARIO: every contender drained its queue"
	bench_cluster_stop
}

# ---------------------------------------------------------------- 3 steady load latency
steady_scenario()
{
	BENCH_SCENARIO=steady
	BENCH_REP=1
	BENCH_EXTRA_CONF="track_commit_timestamp = on
flowcomm.workers_per_database = $W" bench_cluster || { tap 1 "steady: cluster"; return; }
	# Twice: the default, then the opt-in fast mode (workers' own commits
	# asynchronous) as its own row.  Each pass only counts the messages
	# whose requests reached the simulator during it.
	for cfg in tuned async; do
		sc=$([ $cfg = async ] && echo off || echo on)
		fc_psql -d bench -qc "ALTER SYSTEM SET flowcomm.worker_synchronous_commit = $sc" -c "SELECT pg_reload_conf()" >/dev/null
		sleep 1
		since=$(curl -s "$FC_SIM_URL/_sim/stats" | sed 's/.*"recorded":\([0-9]*\).*/\1/')
		w0=$(db_snap)
		b0=$(busy_jiffies); s0=$(pid_jiffies "$FC_SIM_PID")
		PGOPTIONS="-c flowcomm.business_id=$BENCH_BID" "$FC_BIN/pgbench" -n -h "$FC_SOCK" -p "$FC_PORT" -U postgres \
			-c 4 -j 2 -R "$RATE" -T "$STEADY_S" -f "$BENCH_DIR/flowcomm/send.pgbench" bench >"$BENCH_OUT/steady.$cfg.pgbench.txt" 2>&1
		rc=$?
		# let the last messages leave
		i=0
		while [ $i -lt 100 ] && [ "$(fc_psql -d bench -Atc "SELECT EXISTS (SELECT 1 FROM flowcomm.communication_queue WHERE status IN ('pending', 'processing'))")" = t ]; do
			sleep 0.1; i=$((i + 1))
		done
		b1=$(busy_jiffies); s1=$(pid_jiffies "$FC_SIM_PID")
		# the workers keep running (their statistics are published at exit):
		# WAL only here, index entries are not comparable
		w1=$(db_snap)
		tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$BENCH_OUT/steady.$cfg.pgbench.txt" | head -1)
		lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$BENCH_OUT/steady.$cfg.pgbench.txt" | head -1)
		contender latency --since "$since" --config $cfg >/dev/null
		n=$(tail -1 "$BENCH_JSONL" | sed -n 's/.*"n":\([0-9]*\).*/\1/p')
		record "\"contender\":\"flowcomm\",\"config\":\"$cfg\",\"mode\":\"steady\",\"offered_rate\":$RATE,\"rate\":${tps:-0},\"send_latency_ms\":${lat:-0},\"n\":${n:-0},\"busy_cpu_s\":$(((b1 - b0)))e-2,\"sim_cpu_s\":$(((s1 - s0)))e-2,\"wal_bytes\":$((${w1%% *} - ${w0%% *}))"
		[ $rc = 0 ] && [ "${n:-0}" -gt 0 ]
		tap $? "steady ($cfg): $RATE msg/s offered for $STEADY_S s, latencies measured"
	done
	# graphile-worker tuned under the same load, in the same cluster
	contender gwsteady --pgbench "$FC_BIN/pgbench" --rate "$RATE" --seconds "$STEADY_S"
	tap $? "steady (graphile-worker tuned): $RATE jobs/s offered for $STEADY_S s, latencies measured"
	bench_cluster_stop
}

# ---------------------------------------------------------------- 4 enqueue
enqueue_scenario()
{
	BENCH_SCENARIO=enqueue
	bench_cluster || { tap 1 "enqueue: cluster"; return; }
	fails0=$BENCH_FAILURES
	for r in $(seq 1 "$REPS"); do
		BENCH_REP=$r
		for c in 1 4; do
			fc_psql -d bench -c "CHECKPOINT" >/dev/null
			w0=$(db_snap)
			b0=$(busy_jiffies)
			PGOPTIONS="-c flowcomm.business_id=$BENCH_BID" "$FC_BIN/pgbench" -n -h "$FC_SOCK" -p "$FC_PORT" -U postgres \
				-c $c -j $([ $c = 1 ] && echo 1 || echo 2) -T "$ENQ_S" -f "$BENCH_DIR/flowcomm/send.pgbench" bench \
				>"$BENCH_OUT/enqueue.$c.$r.txt" 2>&1 || BENCH_FAILURES=$((BENCH_FAILURES + 1))
			b1=$(busy_jiffies)
			tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$BENCH_OUT/enqueue.$c.$r.txt" | head -1)
			cnt=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$BENCH_OUT/enqueue.$c.$r.txt")
			record "\"contender\":\"flowcomm\",\"mode\":\"enqueue\",\"conns\":$c,\"n\":${cnt:-0},\"rate\":${tps:-0},\"busy_cpu_s\":$((b1 - b0))e-2,$(wal_json "$w0" "$(db_snap)" "${cnt:-0}")"
			# The ceiling: a one-row durable INSERT per transaction, same
			# cluster, same pgbench options (bench/flowcomm/ceiling.pgbench).
			w0=$(db_snap)
			b0=$(busy_jiffies)
			"$FC_BIN/pgbench" -n -h "$FC_SOCK" -p "$FC_PORT" -U postgres \
				-c $c -j $([ $c = 1 ] && echo 1 || echo 2) -T "$ENQ_S" -f "$BENCH_DIR/flowcomm/ceiling.pgbench" bench \
				>"$BENCH_OUT/ceiling.$c.$r.txt" 2>&1 || BENCH_FAILURES=$((BENCH_FAILURES + 1))
			b1=$(busy_jiffies)
			tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$BENCH_OUT/ceiling.$c.$r.txt" | head -1)
			cnt=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$BENCH_OUT/ceiling.$c.$r.txt")
			record "\"contender\":\"pgbench\",\"mode\":\"enqueue\",\"conns\":$c,\"n\":${cnt:-0},\"rate\":${tps:-0},\"busy_cpu_s\":$((b1 - b0))e-2,$(wal_json "$w0" "$(db_snap)" "${cnt:-0}")"
			for k in graphile pgboss; do
				contender enqueue --contender $k --conns $c --seconds "$ENQ_S"
			done
		done
		fc_psql -d bench -c "CHECKPOINT" >/dev/null
		w0=$(db_snap)
		b0=$(busy_jiffies)
		t0=$(date +%s.%N)
		PGOPTIONS="-c flowcomm.business_id=$BENCH_BID" fc_psql -d bench -v n="$BULK_N" -f "$BENCH_DIR/flowcomm/bulk.sql" >/dev/null ||
			BENCH_FAILURES=$((BENCH_FAILURES + 1))
		t1=$(date +%s.%N)
		b1=$(busy_jiffies)
		secs=$(awk "BEGIN {print $t1 - $t0}")
		record "\"contender\":\"flowcomm\",\"mode\":\"bulk\",\"api\":\"send_bulk\",\"n\":$BULK_N,\"seconds\":$secs,\"rate\":$(awk "BEGIN {print $BULK_N / $secs}"),\"busy_cpu_s\":$((b1 - b0))e-2,$(wal_json "$w0" "$(db_snap)" "$BULK_N")"
		for k in graphile pgboss; do
			contender bulk --contender $k --n "$BULK_N"
		done
	done
	tap $((BENCH_FAILURES - fails0)) "enqueue: single, 4 connections and bulk measured for every contender"
	bench_cluster_stop
}

# ---------------------------------------------------------------- 5 growth
growth_scenario()
{
	BENCH_SCENARIO=growth
	bench_cluster || { tap 1 "growth: cluster"; return; }
	fails0=$BENCH_FAILURES
	BENCH_REP=1
	for g in $GROWTH; do
		contender drain --contender flowcomm --n "$g" --workers "$W" --series "$BENCH_OUT/growth.flowcomm.$g.series" &&
			sed -i "\$s/\"mode\":\"drain\"/\"mode\":\"drain\",\"size\":$g/" "$BENCH_JSONL"
		contender queries && sed -i "\$s/\"mode\":\"queries\"/\"mode\":\"queries\",\"size\":$g/" "$BENCH_JSONL"
	done
	tap $((BENCH_FAILURES - fails0)) "growth: drains at $GROWTH, RSS sampled, history/stats timed"
	bench_cluster_stop
}

for s in $SCENARIOS; do
	case $s in
	drain) drain_scenario drain ;;
	slow) drain_scenario slow --delay-ms 50 ;;
	steady) steady_scenario ;;
	enqueue) enqueue_scenario ;;
	growth) growth_scenario ;;
	fairness) # opt-in (issue 16): bench/fairness/run.sh, its own clusters; the smoke form is tiny
		if [ -n "$SMOKE" ]; then N=300 PROBES=1 SKIP_DRAIN=1 sh "$BENCH_DIR/fairness/run.sh" >"$BENCH_OUT/fairness.txt" 2>&1
		else sh "$BENCH_DIR/fairness/run.sh" >"$BENCH_OUT/fairness.txt" 2>&1; fi
		tap $? "fairness: a neighbour's backlog and the drain before/after ($BENCH_OUT/fairness.txt)"
		grep '^fairness:\|^drain' "$BENCH_OUT/fairness.txt" ;;
	*) echo "unknown scenario $s" >&2; BENCH_FAILURES=$((BENCH_FAILURES + 1)) ;;
	esac
done

# ---------------------------------------------------------------- report
node "$BENCH_DIR/contenders/report.js" "$BENCH_OUT" >"$BENCH_OUT/summary.md" 2>"$BENCH_OUT/report.err"
tap $? "report: results.csv and summary table"
cat "$BENCH_OUT/summary.md"
if command -v gnuplot >/dev/null 2>&1; then
	gnuplot -e "dir='$BENCH_OUT'" "$BENCH_DIR/plot.gnuplot" 2>"$BENCH_OUT/plot.err"
	tap $? "plots: throughput.png, cpu.png, rss.png"
else
	echo "ok $((TAP_N += 1)) - plots # SKIP gnuplot not installed (apt-get install -y gnuplot-nox)"
fi
echo "1..$TAP_N"
echo "# results: $BENCH_OUT"
[ "$BENCH_FAILURES" = 0 ]
