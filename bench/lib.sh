# lib.sh — helpers of the flowcomm benchmark (sourced by bench/run.sh).
#
# Every scenario gets its own throwaway cluster (test/cluster.sh) with the
# same settings for every contender, and its own provider simulator.  The
# contenders (pg-boss, graphile-worker) and the flowcomm measurements are
# driven by bench/contenders/contender.js, which prints one JSON line per
# measurement; this file turns those into CSV rows and the summary table.

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)}
FC_REPO=${FC_REPO:-$(cd "$BENCH_DIR/.." && pwd)}
. "$FC_REPO/test/cluster.sh"

BENCH_DEPS="$BENCH_DIR/node_modules/.contenders"
BENCH_BID=00000000-0000-7000-8000-00000000b001

bench_log() { echo "# $(date -u +%H:%M:%S) $*" >&2; }

# bench_npm: install the pinned contender packages (package-lock.json) from
# the npm registry into bench/node_modules/.contenders (git-ignored).
bench_npm()
{
	mkdir -p "$BENCH_DEPS"
	if ! cmp -s "$BENCH_DIR/contenders/package-lock.json" "$BENCH_DEPS/package-lock.json" ||
		[ ! -d "$BENCH_DEPS/node_modules/graphile-worker" ]; then
		cp "$BENCH_DIR/contenders/package.json" "$BENCH_DIR/contenders/package-lock.json" "$BENCH_DEPS/"
		(cd "$BENCH_DEPS" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
	fi
	export NODE_PATH="$BENCH_DEPS/node_modules"
}

# bench_cluster [SIM ARGS]: throwaway cluster + simulator with the benchmark
# settings; database "bench" with flowcomm and the bench business.
bench_cluster()
{
	FC_EXTRA_CONF="fsync = on
synchronous_commit = on
shared_buffers = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
max_connections = 200
flowcomm.databases = 'bench'
flowcomm.workers_per_database = 0
flowcomm.rate_limit_enabled = off
track_functions = none
${BENCH_EXTRA_CONF:-}"
	export FC_EXTRA_CONF
	fc_setup || return 1
	fc_sim_start "$@" || return 1
	fc_provider_conf
	fc_start || { cat "$FC_TMP/log/postgres.log" >&2; return 1; }
	fc_psql -d postgres -c "CREATE DATABASE bench" >/dev/null || return 1
	fc_psql -d bench -v bid="$BENCH_BID" -f "$BENCH_DIR/flowcomm/setup.sql" >/dev/null || return 1
	BENCH_DB="postgresql://postgres@127.0.0.1:$FC_PORT/bench"
	export BENCH_DB
}

bench_cluster_stop() { fc_teardown; FC_DATA=; FC_TMP=; }

# busy jiffies of the machine / CPU jiffies of a process
busy_jiffies() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
pid_jiffies() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12+$13}'; }

# contender MODE ARGS...: run contender.js, append its JSON line to $BENCH_JSONL
# tagged with the scenario, and echo it.
contender()
{
	_mode=$1
	shift
	_line=$(node "$BENCH_DIR/contenders/contender.js" "$_mode" --db "$BENCH_DB" --sim "$FC_SIM_URL" \
		--sim-pid "$FC_SIM_PID" --bid "$BENCH_BID" "$@" 2>>"$BENCH_OUT/contender.err" | tail -1)
	case $_line in
	'{'*)
		echo "$_line" | sed "s/^{/{\"scenario\":\"$BENCH_SCENARIO\",\"rep\":${BENCH_REP:-1},/" >>"$BENCH_JSONL"
		bench_log "$BENCH_SCENARIO: $_line"
		;;
	*)
		bench_log "$BENCH_SCENARIO: contender.js $_mode $* FAILED (see $BENCH_OUT/contender.err)"
		tail -5 "$BENCH_OUT/contender.err" >&2
		BENCH_FAILURES=$((BENCH_FAILURES + 1))
		return 1
		;;
	esac
}

# record JSON: append a measurement made in shell/psql
record()
{
	echo "{\"scenario\":\"$BENCH_SCENARIO\",\"rep\":${BENCH_REP:-1},$1}" >>"$BENCH_JSONL"
	bench_log "$BENCH_SCENARIO: {$1}"
}

# db_snap: "WAL-position index-entries" of the bench database now
# (bench/walsnap.sql; run it after the writers are idle or gone).
db_snap()
{
	sleep "${BENCH_SNAP_WAIT:-1.2}" # idle backends publish their table statistics within 1 s
	fc_psql -d bench -AtF ' ' -c "SELECT pg_stat_clear_snapshot()" -f "$BENCH_DIR/walsnap.sql" | tail -1
}

# wal_json "SNAP0" "SNAP1" N: the JSON fields of the writes between two
# db_snap snapshots for N messages.
wal_json()
{
	set -- $1 $2 "$3"
	echo "\"wal_bytes\":$(($3 - $1)),\"index_entries\":$(($4 - $2)),\"wal_n\":$5"
}
