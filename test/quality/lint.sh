#!/bin/sh
# lint.sh — `make lint`: static checks of the extension's C code; fails on
# any finding.
#   1. cppcheck over src/ (warning, style, performance, portability), with the
#      suppressions in test/quality/cppcheck-suppressions.txt (each justified
#      there) and inline "cppcheck-suppress" comments.  PostgreSQL's headers
#      are not given to cppcheck: with them it takes minutes and reports only
#      false positives from the headers' own macros.
#   2. -Werror builds (the Makefile's -Wall -Wextra -Wmissing-prototypes ...)
#      with gcc and with clang (`make CC=...`) of the extension and of the
#      provider simulator, in scratch copies.
#      Clang needs three flags for Debian's gcc-configured PostgreSQL: its
#      pg_config CFLAGS hold gcc-only options (-fexcess-precision=standard,
#      -Wno-stringop-truncation...) and its headers use
#      __attribute__((format(gnu_printf))); these are silenced, nothing else.
set -u
FC_QA_REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$FC_QA_REPO/test/quality/buildcopy.sh"
rc=0

# --- cppcheck -------------------------------------------------------------------
command -v cppcheck >/dev/null 2>&1 || { echo "lint: cppcheck is missing (apt-get install cppcheck)" >&2; exit 1; }
out=$(mktemp)
cppcheck --quiet --enable=warning,style,performance,portability --std=c99 --platform=unix64 \
	--library=posix --inline-suppr --error-exitcode=1 -I "$FC_QA_REPO/src" \
	--suppressions-list="$FC_QA_REPO/test/quality/cppcheck-suppressions.txt" \
	--template='{file}:{line}: {severity}({id}): {message}' \
	-j 2 "$FC_QA_REPO/src" >"$out" 2>&1
cppcheck_rc=$?
sed "s|^$FC_QA_REPO/||" "$out"
n=$(grep -cE '^[^ ]+:[0-9]+: ' "$out" || true)
if [ "$cppcheck_rc" -ne 0 ] || [ "$n" -gt 0 ]; then
	echo "lint: cppcheck: $n finding(s), exit status $cppcheck_rc" >&2
	rc=1
else
	echo "lint: cppcheck: clean ($(ls "$FC_QA_REPO"/src/*.c | wc -l) files)"
fi
rm -f "$out"

# --- -Werror builds with gcc and clang --------------------------------------------
CLANG_COPT="-Wno-ignored-optimization-argument -Wno-unknown-warning-option -Wno-ignored-attributes"
for cc in gcc clang; do
	command -v $cc >/dev/null 2>&1 || { echo "lint: $cc is missing" >&2; rc=1; continue; }
	parent=$(mktemp -d /tmp/flowcomm-lint.XXXXXX)
	dir="$parent/flowcomm"
	fc_build_copy "$dir"
	copt=
	[ "$cc" = clang ] && copt=$CLANG_COPT
	log="$dir/build.log"
	ok=1
	make -s -C "$dir" -j2 CC=$cc COPT="$copt" all >"$log" 2>&1 || ok=0
	if [ -f "$dir/test/simulator/Makefile" ]; then
		make -s -C "$dir/test/simulator" -j2 CC=$cc >>"$log" 2>&1 || ok=0
	fi
	# A warning that is not an error (a -Wno-error somewhere) still counts.
	if [ "$ok" = 1 ] && ! grep -qE '(warning|error):' "$log"; then
		echo "lint: $cc build: clean"
	else
		sed "s|$dir/||g" "$log" | grep -E '(warning|error):|\*\*\*' | head -n 60
		echo "lint: $cc build: FAILED" >&2
		rc=1
	fi
	rm -rf "$parent"
done

[ "$rc" -eq 0 ] && echo "lint: OK"
exit $rc
