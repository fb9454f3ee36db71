#!/bin/sh
# run_tests.sh — the whole suite behind `make test`: one throwaway cluster with
# flowcomm preloaded and the provider simulator, then pg_regress (test/sql),
# pgTAP (test/pgtap, via pg_prove) and the process-level TAP tests (test/t:
# workers, kill -9, restarts).  Always tears the cluster down; exits non-zero
# on any failure; the last line is "N passed, N failed" over all suites.
set -u
FC_REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$FC_REPO/test/cluster.sh"

# FC_SUITES selects suites: regress, pgtap, proc (test/t), bench (bench/run.sh
# --smoke, run by `make test`), chaos (the long
# chaos run alone, for make check-chaos).
FC_SUITES=${FC_SUITES:-regress pgtap proc}
want() { case " $FC_SUITES " in *" $1 "*) return 0 ;; esac; return 1; }
passed=0
failed=0
trap 'fc_teardown' EXIT INT TERM

fc_setup || exit 1
# The provider simulator is part of the suite: build it if it is missing.
[ -x "$FC_REPO/test/simulator/flowcomm-sim" ] || make -C "$FC_REPO" -s simulator || exit 1
fc_sim_start
fc_provider_conf
# Workers serve only the process-test database: the SQL suites stay deterministic.
fc_conf "flowcomm.databases = 'flowcomm_t,flowcomm_restore'"
fc_conf "flowcomm.poll_interval_ms = 200"
fc_start || { cat "$FC_TMP/log/postgres.log"; exit 1; }
echo "flowcomm test cluster: $FC_TMP (port $FC_PORT), simulator ${FC_SIM_URL:-none}"
export FC_REPO FC_TMP FC_BIN FC_DATA FC_SOCK FC_PORT

# --- pg_regress -------------------------------------------------------------
# pg_regress writes its results as the postgres user, so run it in FC_TMP.
mkdir -p "$FC_TMP/regress"
cp -r "$FC_REPO/test/sql" "$FC_REPO/test/expected" "$FC_REPO/test/fixtures" "$FC_TMP/regress/"
# pg_regress's psql runs as the postgres OS user, which may not enter the
# checkout (under /root, mode 700 on Debian): the mustache spec it reads
# (test/sql/template_spec.sql) is copied beside the tests.
if [ -d "$FC_REPO/../shared/spec/mustache" ]; then
	mkdir -p "$FC_TMP/regress/mustache"
	cp "$FC_REPO/../shared/spec/mustache/"*.json "$FC_TMP/regress/mustache/"
	export FC_MUSTACHE_SPEC="$FC_TMP/regress/mustache"
fi
[ "$(id -u)" = 0 ] && chown -R postgres: "$FC_TMP/regress"
TESTS=$(cd "$FC_REPO/test/sql" && ls *.sql 2>/dev/null | sed 's/\.sql$//' | sort)
if [ -n "$TESTS" ] && want regress; then
	# Run from the copy so tests can \i fixtures/… relative to it.
	(cd "$FC_TMP/regress" && fc_as_pg env SIM_URL="${FC_SIM_URL:-}" "$FC_TMP/root/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress" \
		--bindir="$FC_BIN" --host="$FC_SOCK" --port="$FC_PORT" \
		--inputdir="$FC_TMP/regress" --outputdir="$FC_TMP/regress" \
		--dbname=contrib_regression $TESTS) >"$FC_TMP/regress/summary.txt" 2>&1
	cat "$FC_TMP/regress/summary.txt"
	n_total=$(grep -cE '^(ok|not ok) ' "$FC_TMP/regress/summary.txt" || true)
	if [ "$n_total" = 0 ]; then
		n_total=$(grep -cE '^test |^     [a-z_]+ +\.\.\. ' "$FC_TMP/regress/summary.txt" || true)
	fi
	n_fail=$(grep -cE '(\.\.\. FAILED|^not ok|\.\.\. failed)' "$FC_TMP/regress/summary.txt" || true)
	[ "$n_total" -gt 0 ] || { n_total=1; n_fail=1; }
	passed=$((passed + n_total - n_fail))
	failed=$((failed + n_fail))
	rm -rf "$FC_REPO/test/results"
	cp -r "$FC_TMP/regress/results" "$FC_REPO/test/results" 2>/dev/null
	if [ "$n_fail" -gt 0 ] && [ -f "$FC_TMP/regress/regression.diffs" ]; then
		cp "$FC_TMP/regress/regression.diffs" "$FC_REPO/test/regression.diffs"
		head -c 20000 "$FC_TMP/regress/regression.diffs"
	fi
fi

# --- pgTAP ------------------------------------------------------------------
tally_tap()
{
	# $1: a prove/pg_prove output file.  Adds its checks to the totals:
	# passed = checks that ran and passed; failed = checks that failed, plus
	# checks a file planned but never ran (it died or stopped early), plus
	# one for a file that died without a plan.  Files are not counted: a
	# file's exit status is the consequence of its failed checks.
	t=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$1" | tail -1)
	f=$(awk '
		/\(Wstat: [0-9]+.*Tests: [0-9]+ Failed: [0-9]+\)/ {
			flush(); w = $0; sub(/.*Wstat: /, "", w); sub(/ .*/, "", w)
			n = $0; sub(/.*Failed: /, "", n); sub(/\).*/, "", n)
			cur = 1; wstat = w + 0; fails = n + 0; missing = 0; planned = 0; next }
		cur && /You planned [0-9]+ tests? but ran [0-9]+/ {
			p = $0; sub(/.*You planned /, "", p); r = p; sub(/ .*/, "", p)
			sub(/.* but ran /, "", r); sub(/[^0-9].*/, "", r)
			planned = 1; if (p - r > 0) missing = p - r }
		cur && /No plan found|No subtests run/ { planned = 1 }
		function flush() {
			if (!cur) return
			extra = missing
			if (wstat != 0 && fails == 0 && missing == 0) extra = 1
			total += fails + extra; cur = 0 }
		END { flush(); print total + 0 }' "$1")
	[ -n "$t" ] || { t=0; f=$((f > 0 ? f : 1)); }
	# Checks beyond a file's plan count as failed by prove and ran: keep
	# passed from going negative.
	p=$((t - f))
	[ "$p" -ge 0 ] || p=0
	passed=$((passed + p))
	failed=$((failed + f))
}
# FC_PGTAP_GLOB narrows the pgTAP files likewise (default: all).
if ls "$FC_REPO"/test/pgtap/*.sql >/dev/null 2>&1 && want pgtap; then
	fc_psql -d postgres -c "CREATE DATABASE flowcomm_tap"
	fc_psql -d flowcomm_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION flowcomm"
	pg_prove --psql-bin "$FC_BIN/psql" -h "$FC_SOCK" -p "$FC_PORT" -U postgres -d flowcomm_tap \
		"$FC_REPO"/test/pgtap/${FC_PGTAP_GLOB:-*}.sql >"$FC_TMP/pgtap.txt" 2>&1
	cat "$FC_TMP/pgtap.txt"
	tally_tap "$FC_TMP/pgtap.txt"
fi

# --- process-level TAP tests (workers, crashes, simulator) -------------------
if ls "$FC_REPO"/test/t/*.sh >/dev/null 2>&1 && want proc; then
	fc_psql -d postgres -c "CREATE DATABASE flowcomm_t"
	fc_psql -d flowcomm_t -c "CREATE EXTENSION flowcomm"
	# FC_PROC_GLOB narrows the process tests while working on one (default: all).
	prove -v -e sh "$FC_REPO"/test/t/${FC_PROC_GLOB:-*}.sh >"$FC_TMP/proc.txt" 2>&1
	cat "$FC_TMP/proc.txt"
	tally_tap "$FC_TMP/proc.txt"
fi

if want chaos; then
	fc_psql -d postgres -c "CREATE DATABASE flowcomm_t"
	fc_psql -d flowcomm_t -c "CREATE EXTENSION flowcomm"
	prove -v -e sh "$FC_REPO/test/chaos.sh" >"$FC_TMP/chaos.txt" 2>&1
	grep -E '^(ok|not ok|#)' "$FC_TMP/chaos.txt"
	tally_tap "$FC_TMP/chaos.txt"
fi

# --- the benchmark harness, every scenario at a tiny size ---------------------
# Its own throwaway clusters and simulator; no timing is asserted, this only
# keeps `make bench` from rotting.  Needs Node.js >= 18 (Debian 12's) and
# the npm registry.
if want bench; then
	if node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' 2>/dev/null; then
		bash "$FC_REPO/bench/run.sh" --smoke >"$FC_TMP/bench.txt" 2>&1
		rc=$?
		grep -E '^(ok|not ok)' "$FC_TMP/bench.txt"
		b_ok=$(grep -c '^ok' "$FC_TMP/bench.txt" || true)
		b_bad=$(grep -c '^not ok' "$FC_TMP/bench.txt" || true)
		[ "$rc" != 0 ] && [ "$b_bad" = 0 ] && { b_bad=1; tail -20 "$FC_TMP/bench.txt"; }
		passed=$((passed + b_ok))
		failed=$((failed + b_bad))
	else
		echo "ok - bench smoke # SKIP Node.js >= 18 is not installed"
	fi
fi

if [ "$failed" -gt 0 ]; then
	echo "--- server log (tail) ---"
	tail -n 60 "$FC_TMP/log/postgres.log"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
