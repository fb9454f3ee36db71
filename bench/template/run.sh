#!/bin/sh
# run.sh — template engine benchmark: flowcomm.render (SQL, in a backend)
# against Handlebars.js (Node, compat mode) on the shipped invoice SMS and
# invoice e-mail templates (with header/footer partials, 10 line items,
# currency/date/phone helpers).  Prints renders per second for both.
#
# usage: bench/template/run.sh [N]          (default N = 100000)
# Uses the cluster in PGHOST/PGPORT when BENCH_USE_ENV=1 (the flowcomm
# extension must be installable there); otherwise builds a throwaway one.
set -eu
N=${1:-100000}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

body()
{
	sed '1,/^---$/d' "$REPO/templates/$1"
}

if [ "${BENCH_USE_ENV:-0}" != 1 ]; then
	FC_REPO=$REPO
	. "$REPO/test/cluster.sh"
	trap 'fc_teardown' EXIT INT TERM
	fc_setup >/dev/null || exit 1
	fc_start || { cat "$FC_TMP/log/postgres.log"; exit 1; }
	PSQL="$FC_BIN/psql"
else
	PSQL=psql
fi

PGOPTIONS='-c client_min_messages=warning' "$PSQL" -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c 'DROP DATABASE IF EXISTS flowcomm_bench' -c 'CREATE DATABASE flowcomm_bench'

# The engine side: one query per template, N renders each, timed in SQL.
SMS=$(body invoice.sms.en.tpl)
EMAIL=$(body invoice.email.en.tpl)
HEADER=$(body partial_header.email.en.tpl)
FOOTER=$(body partial_footer.email.en.tpl)
SQL_OUT=$("$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d flowcomm_bench \
	-v n="$N" -v sms="$SMS" -v email="$EMAIL" -v header="$HEADER" -v footer="$FOOTER" \
	-v vars="$(cat "$HERE/data.json")" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION flowcomm;
SELECT jsonb_build_object('partial_header', :'header', 'partial_footer', :'footer') AS partials \gset
-- warm the per-backend template cache
SELECT length(flowcomm.render(:'sms', :'vars'::jsonb, '{}', 'none')) AS sms_bytes,
	   length(flowcomm.render(:'email', :'vars'::jsonb, :'partials'::jsonb)) AS email_bytes \gset
SELECT clock_timestamp() AS t0 \gset
SELECT count(flowcomm.render(:'sms', :'vars'::jsonb, '{}', 'none')) FROM generate_series(1, :n) \g /dev/null
SELECT clock_timestamp() AS t1 \gset
SELECT count(flowcomm.render(:'email', :'vars'::jsonb, :'partials'::jsonb)) FROM generate_series(1, :n) \g /dev/null
SELECT clock_timestamp() AS t2 \gset
SELECT 'sms_invoice ' || round(:n / extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz)) || ' ' || :sms_bytes;
SELECT 'email_invoice ' || round(:n / extract(epoch FROM :'t2'::timestamptz - :'t1'::timestamptz)) || ' ' || :email_bytes;
SQL
)

# The contender.
[ -d "$HERE/node_modules/handlebars" ] || (cd "$HERE" && npm ci --no-audit --no-fund --silent)
NODE_OUT=$(node "$HERE/bench.js" "$N")

echo "template renders per second (N = $N, single core each)"
printf '%-15s %18s %18s %8s %14s %14s\n' template flowcomm.render handlebars.js ratio flowcomm_bytes hbs_bytes
echo "$SQL_OUT" | while read -r name rate bytes; do
	set -- $(echo "$NODE_OUT" | awk -v n="$name" '$1 == n { print $2, $3 }')
	printf '%-15s %18s %18s %8s %14s %14s\n' "$name" "$rate" "$1" \
		"$(awk -v a="$rate" -v b="$1" 'BEGIN { printf "%.2fx", a / b }')" "$bytes" "$2"
done
