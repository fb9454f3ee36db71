#!/bin/sh
# sql_coverage.sh — SQL-side coverage gate of `make coverage`: every function
# (trigger functions, procedures and aggregates included) and every view the
# flowcomm extension installs must be used by the test suite.
#
#   sql_coverage.sh conf LOG    build the recorder module (test/quality/sqlcov)
#                               and print the postgresql.conf lines that load
#                               it and make it append to LOG; coverage.sh puts
#                               them into FC_EXTRA_CONF for the suite's cluster
#   sql_coverage.sh check LOG   after the suite: list what the extension
#                               installs (pg_depend, on a fresh throwaway
#                               cluster) and fail naming every function never
#                               called and every view never queried in LOG
#
# Why a recorder module and not pg_stat_user_functions (see docs/development.md):
# the planner inlines simple SQL-language functions, which the statistics then
# never count; the process tests kill -9 backends and workers, and the crash
# restart that follows discards all statistics collected so far, in every
# database; workers report their statistics only when they choose to.  The
# recorder writes each fact once per backend the moment it happens, so none of
# that loses anything.  Views have no statistics at all.
#
# Environment: FC_REPO (default: this checkout).
set -eu
FC_REPO=${FC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
cmd=${1:-}
log=${2:-}
[ -n "$cmd" ] && [ -n "$log" ] || { echo "usage: $0 conf|check LOG" >&2; exit 2; }

case "$cmd" in
conf)
	make -s -C "$FC_REPO/test/quality/sqlcov" fc_sqlcov.so >/dev/null
	printf "shared_preload_libraries = 'flowcomm,%s'\n" "$FC_REPO/test/quality/sqlcov/fc_sqlcov"
	printf "fc_sqlcov.file = '%s'\n" "$log"
	;;
check)
	[ -s "$log" ] || { echo "sql coverage: FAILED: $log is missing or empty: the recorder was not loaded or the suite ran nothing" >&2; exit 1; }
	work=$(mktemp -d /tmp/flowcomm-sqlcov.XXXXXX)
	(
		# A fresh cluster gives what CREATE EXTENSION installs, whatever the
		# suite did to its own databases.  Nothing of it reaches LOG.
		FC_EXTRA_CONF="fsync = off"
		. "$FC_REPO/test/cluster.sh"
		trap 'fc_teardown >/dev/null' EXIT
		fc_setup >/dev/null && fc_start || exit 1
		fc_psql -d postgres -c "CREATE DATABASE flowcomm_sqlcov_ref" &&
		fc_psql -d flowcomm_sqlcov_ref -c "CREATE EXTENSION flowcomm CASCADE" &&
		fc_psql -d flowcomm_sqlcov_ref -At -c "
			SELECT CASE WHEN d.classid = 'pg_proc'::regclass THEN 'f' ELSE 'v' END,
			       (pg_identify_object(d.classid, d.objid, 0)).identity
			  FROM pg_depend d
			  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'flowcomm'
			  LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
			 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
			   AND (d.classid = 'pg_proc'::regclass OR c.relkind IN ('v', 'm'))
			 ORDER BY 1, 2" -F "$(printf '\t')" >"$work/installed"
	) || { echo "sql coverage: FAILED: could not list the extension's objects" >&2; rm -rf "$work"; exit 1; }
	cut -f1,3 "$log" | sort -u >"$work/used"
	sort -u "$work/installed" >"$work/installed.s"
	comm -23 "$work/installed.s" "$work/used" >"$work/missing"
	nf=$(grep -c '^f' "$work/installed.s" || true)
	nv=$(grep -c '^v' "$work/installed.s" || true)
	mf=$(grep -c '^f' "$work/missing" || true)
	mv=$(grep -c '^v' "$work/missing" || true)
	dbs=$(cut -f2 "$log" | sort -u | tr '\n' ' ')
	echo "sql coverage: functions $((nf - mf))/$nf called, views $((nv - mv))/$nv queried (databases: ${dbs% })"
	sed -n 's/^f\t/  never called: /p; s/^v\t/  never queried: view /p' "$work/missing"
	rm -rf "$work"
	[ "$nf" -gt 0 ] || { echo "sql coverage: FAILED: the extension installs no functions?" >&2; exit 1; }
	[ "$mf" -eq 0 ] && [ "$mv" -eq 0 ] || { echo "sql coverage: FAILED" >&2; exit 1; }
	;;
*)
	echo "usage: $0 conf|check LOG" >&2
	exit 2
	;;
esac
