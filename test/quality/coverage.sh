#!/bin/sh
# coverage.sh — `make coverage`: the whole `make test` suite (real cluster,
# real workers, the provider simulator) against a --coverage build of the
# extension, then
#   * an lcov HTML report in coverage/ and the line
#       coverage: lines N%, functions N%
#     for the extension's C code (src/ only: the simulator, the fuzz harness
#     and this directory's tools are not counted); below COVERAGE_MIN_LINES
#     (default 80) or COVERAGE_MIN_FUNCTIONS (default 90) percent it fails;
#   * the SQL coverage check (sql_coverage.sh): every function and view the
#     extension installs is used by the suite.
# It fails as well when the suite itself fails.
#
# The build happens in a scratch copy of the checkout (the working tree's
# objects stay as they are).  The server processes run as the postgres user
# and write their .gcda files next to the objects, so the copy's src/ is
# handed to postgres; the suite's final stop is `pg_ctl stop -m fast`
# (FC_STOP_MODE=fast) so every process exits normally and flushes its counts.
# Processes the tests kill -9 write nothing: code only they run counts as
# not covered.  FC_KEEP=1 keeps the scratch copy and the cluster.
set -u
FC_QA_REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$FC_QA_REPO/test/quality/buildcopy.sh"
MIN_LINES=${COVERAGE_MIN_LINES:-80}
MIN_FUNCS=${COVERAGE_MIN_FUNCTIONS:-90}
OUT="$FC_QA_REPO/coverage"

for tool in lcov genhtml; do
	command -v $tool >/dev/null 2>&1 || { echo "coverage: $tool is missing (apt-get install lcov)" >&2; exit 1; }
done

BUILD_PARENT=$(mktemp -d /tmp/flowcomm-cov.XXXXXX)
BUILD="$BUILD_PARENT/flowcomm"
mkdir "$BUILD"
chmod 755 "$BUILD_PARENT" "$BUILD"
cleanup()
{
	[ -n "${FC_KEEP:-}" ] && { echo "coverage: kept $BUILD"; return; }
	rm -rf "$BUILD_PARENT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fc_build_copy "$BUILD" || { echo "coverage: could not copy the sources" >&2; exit 1; }
cd "$BUILD" || exit 1
export COVERAGE=1	# the Makefile's ifdef COVERAGE, also for cluster.sh's make install
make -s clean >/dev/null 2>&1
make -s all >build.log 2>&1 || { cat build.log; echo "coverage: build failed" >&2; exit 1; }
if [ -d test/simulator ]; then
	make -s simulator >>build.log 2>&1 || { cat build.log; echo "coverage: simulator build failed" >&2; exit 1; }
fi
ls src/*.gcno >/dev/null 2>&1 || { echo "coverage: no .gcno files: the build ignored COVERAGE=1" >&2; exit 1; }

# Server processes (user postgres) write the .gcda files and the SQL record.
mkdir -p sqlcov
if [ "$(id -u)" = 0 ]; then
	chown -R postgres: src sqlcov
else
	chmod -R a+rwX src sqlcov
fi
SQLCOV_LOG="$BUILD/sqlcov/calls.log"
FC_EXTRA_CONF="fsync = off
$(FC_REPO="$BUILD" sh test/quality/sql_coverage.sh conf "$SQLCOV_LOG")" || { echo "coverage: recorder build failed" >&2; exit 1; }
FC_STOP_MODE=fast
export FC_EXTRA_CONF FC_STOP_MODE

echo "coverage: running the suite against the --coverage build in $BUILD"
sh test/run_tests.sh
suite_rc=$?

# --- C coverage ---------------------------------------------------------------
# The --initial capture lists every line of every object with count 0, so a
# source file no test ever loaded still counts (as 0%), not as absent.
LCOV="lcov --quiet --rc lcov_branch_coverage=0"
$LCOV --capture --initial --directory src --base-directory "$BUILD" -o base.info >lcov.log 2>&1 ||
	{ cat lcov.log; echo "coverage: lcov --initial failed" >&2; exit 1; }
if ls src/*.gcda >/dev/null 2>&1; then
	$LCOV --capture --directory src --base-directory "$BUILD" -o run.info >>lcov.log 2>&1 ||
		{ cat lcov.log; echo "coverage: lcov --capture failed" >&2; exit 1; }
	$LCOV -a base.info -a run.info -o total.info >>lcov.log 2>&1
else
	echo "coverage: WARNING: no .gcda file was written (no server process exited normally?)" >&2
	cp base.info total.info
fi
$LCOV --extract total.info "$BUILD/src/*" -o src.info >>lcov.log 2>&1 ||
	{ cat lcov.log; echo "coverage: lcov --extract failed" >&2; exit 1; }
rm -rf "$OUT"
genhtml --quiet --rc genhtml_branch_coverage=0 --prefix "$BUILD" --title "flowcomm $(git -C "$FC_QA_REPO" describe --always --dirty 2>/dev/null)" \
	-o "$OUT" src.info >>lcov.log 2>&1 || { cat lcov.log; echo "coverage: genhtml failed" >&2; exit 1; }
lcov --rc lcov_branch_coverage=0 --summary src.info >summary.txt 2>&1
lines=$(sed -n 's/^ *lines\.*: *\([0-9.]*\)%.*/\1/p' summary.txt)
funcs=$(sed -n 's/^ *functions\.*: *\([0-9.]*\)%.*/\1/p' summary.txt)
[ -n "$lines" ] && [ -n "$funcs" ] || { cat summary.txt; echo "coverage: could not read the lcov summary" >&2; exit 1; }
echo "coverage: lines $lines%, functions $funcs%"
echo "coverage: per file: lines hit/found, functions hit/found"
awk -v pre="$BUILD/" '
	/^SF:/ { f = substr($0, 4); sub(pre, "", f) }
	/^LH:/ { lh = substr($0, 4) } /^LF:/ { lf = substr($0, 4) }
	/^FNH:/ { fh = substr($0, 5) } /^FNF:/ { ff = substr($0, 5) }
	/^end_of_record/ { printf "  %-28s %5.1f%% %5d/%-5d %5.1f%% %3d/%-3d\n", f, lf ? 100 * lh / lf : 100, lh, lf, ff ? 100 * fh / ff : 100, fh, ff }
' src.info | sort
echo "coverage: HTML report in $OUT/index.html"

rc=0
if [ "$suite_rc" -ne 0 ]; then
	echo "coverage: FAILED: the test suite failed" >&2
	rc=1
fi
if awk -v v="$lines" -v m="$MIN_LINES" 'BEGIN { exit !(v < m) }'; then
	echo "coverage: FAILED: line coverage $lines% < $MIN_LINES%" >&2
	rc=1
fi
if awk -v v="$funcs" -v m="$MIN_FUNCS" 'BEGIN { exit !(v < m) }'; then
	echo "coverage: FAILED: function coverage $funcs% < $MIN_FUNCS%" >&2
	rc=1
fi

# --- SQL coverage ---------------------------------------------------------------
FC_REPO="$BUILD" sh test/quality/sql_coverage.sh check "$SQLCOV_LOG" || rc=1

[ "$rc" -eq 0 ] && echo "coverage: OK"
exit $rc
