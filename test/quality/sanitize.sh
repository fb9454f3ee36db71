#!/bin/sh
# sanitize.sh — the suite behind `make test SANITIZE=1`: the extension was
# built with -fsanitize=address,undefined (the Makefile's SANITIZE flags; gcc),
# PostgreSQL itself is Debian's, uninstrumented.  The server processes get the
# ASan runtime preloaded through cluster.sh's FC_SERVER_ENV:
#
#   LD_PRELOAD=<gcc -print-file-name=libasan.so>:<asan_early_init.so>
#   ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:log_path=<dir>/asan
#   UBSAN_OPTIONS=print_stacktrace=1:log_path=<dir>/ubsan
#
# (detect_leaks=0: PostgreSQL frees memory contexts wholesale and exits
# without freeing, LeakSanitizer would report the server, not us.)  Any report
# file, or any "runtime error:"/AddressSanitizer line in the server log, fails
# the run after the suite, whatever the suite's own result.  Then
# valgrind.sh: the template engine and the webhook parsers on their corpora.
set -u
FC_QA_REPO=$(cd "$(dirname "$0")/../.." && pwd)

nm -D "$FC_QA_REPO/flowcomm.so" 2>/dev/null | grep -q '__asan_' ||
	{ echo "sanitize: flowcomm.so is not built with -fsanitize=address (make SANITIZE=1)" >&2; exit 1; }
ASAN_LIB=$(gcc -print-file-name=libasan.so)
[ -f "$ASAN_LIB" ] || { echo "sanitize: gcc's libasan.so not found" >&2; exit 1; }
ASAN_LIB=$(readlink -f "$ASAN_LIB")

SAN_DIR=$(mktemp -d /tmp/flowcomm-san.XXXXXX)
chmod 1777 "$SAN_DIR"	# written by the server (postgres) and by tools run as root
# See asan/asan_early_init.c: without it Debian's postgres hangs at start.
SHIM="$SAN_DIR/asan_early_init.so"
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$SHIM" "$FC_QA_REPO/test/quality/asan/asan_early_init.c" -ldl ||
	{ echo "sanitize: could not build the ASan start-up shim" >&2; exit 1; }
chmod 755 "$SHIM"
FC_SERVER_ENV="LD_PRELOAD=$ASAN_LIB:$SHIM ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:log_path=$SAN_DIR/asan UBSAN_OPTIONS=print_stacktrace=1:log_path=$SAN_DIR/ubsan"
export FC_SERVER_ENV
echo "sanitize: server environment: $FC_SERVER_ENV"

# Keep the cluster's log for the scan below; removed at the end unless FC_KEEP.
keep_was=${FC_KEEP:-}
{ FC_KEEP=1 sh "$FC_QA_REPO/test/run_tests.sh"; echo $? >"$SAN_DIR/suite.rc"; } 2>&1 | tee "$SAN_DIR/suite.out"
suite_rc=$(cat "$SAN_DIR/suite.rc" 2>/dev/null || echo 1)
kept=$(sed -n 's/^kept \(\/tmp\/flowcomm\.[A-Za-z0-9]*\)$/\1/p' "$SAN_DIR/suite.out" | tail -1)

rc=0
reports=$(ls "$SAN_DIR"/asan.* "$SAN_DIR"/ubsan.* 2>/dev/null)
if [ -n "$reports" ]; then
	echo "sanitize: FAILED: sanitizer reports:" >&2
	for f in $reports; do
		echo "==== $f" >&2
		head -c 20000 "$f" >&2
	done
	rc=1
fi
if [ -n "$kept" ] && [ -f "$kept/log/postgres.log" ] &&
	grep -nE 'runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|ASan runtime does not come first' "$kept/log/postgres.log" >"$SAN_DIR/logscan" 2>/dev/null; then
	echo "sanitize: FAILED: sanitizer output in the server log:" >&2
	head -n 50 "$SAN_DIR/logscan" >&2
	rc=1
fi
if [ -z "$kept" ]; then
	echo "sanitize: FAILED: could not find the suite's cluster log" >&2
	rc=1
fi
[ "$suite_rc" -eq 0 ] || { echo "sanitize: FAILED: the suite failed" >&2; rc=1; }
# The parsers of untrusted input, outside PostgreSQL, under valgrind.
sh "$FC_QA_REPO/test/quality/valgrind.sh" || rc=1
if [ -z "$keep_was" ]; then
	[ -n "$kept" ] && rm -rf "$kept"
	[ "$rc" -eq 0 ] && rm -rf "$SAN_DIR"
fi
[ "$rc" -eq 0 ] && echo "sanitize: OK: no sanitizer reports" || echo "sanitize: reports kept in $SAN_DIR" >&2
exit $rc
