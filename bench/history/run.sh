#!/bin/sh
# bench/history/run.sh — history pages and a month of stats at N messages.
#
# Throwaway cluster (shared_buffers 256MB, fsync off: only reads are timed),
# N messages of one business plus 20,000 of another written straight into
# flowcomm.communication by gen.sql (90 days, realistic spreads, rows in random
# heap order: the pessimistic layout of a table shared by many businesses),
# VACUUM ANALYZE, then every query of queries.sql REPS times.
#
#   sh bench/history/run.sh [N] [REPS]      (default 1000000 and 5)
#   env: FC_KEEP=1 keeps the cluster directory.
set -eu
N=${1:-1000000}
REPS=${2:-5}
FC_REPO=$(cd "$(dirname "$0")/../.." && pwd)
FC_EXTRA_CONF="fsync = off
shared_buffers = 256MB
work_mem = 16MB
max_wal_size = 4GB
track_functions = none"
. "$FC_REPO/test/cluster.sh"
trap 'fc_teardown' EXIT INT TERM
fc_setup
fc_start
fc_psql -c "CREATE DATABASE bench"
fc_psql -d bench -c "CREATE EXTENSION flowcomm"
t0=$(date +%s)
fc_psql -d bench -v n="$N" -v biz=b1000000-0000-0000-0000-000000000001 -f "$FC_REPO/bench/history/gen.sql" >/dev/null
fc_psql -d bench -v n=20000 -v biz=b2000000-0000-0000-0000-000000000002 -f "$FC_REPO/bench/history/gen.sql" >/dev/null
echo "generated $N + 20000 messages in $(($(date +%s) - t0)) s"
fc_psql -d bench -At -c "SELECT 'communication: ' || pg_size_pretty(pg_table_size('flowcomm.communication')) || ' table, '
	|| pg_size_pretty(pg_indexes_size('flowcomm.communication')) || ' indexes'"
fc_psql -d bench -v reps="$REPS" -v biz=b1000000-0000-0000-0000-000000000001 -f "$FC_REPO/bench/history/queries.sql"
