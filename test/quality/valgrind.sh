#!/bin/sh
# valgrind.sh — memory checks of the code that parses untrusted input, outside
# PostgreSQL, under valgrind (memcheck, leaks included; any error fails):
#   * `make -C fuzz valgrind`: the template engine's conformance program
#     (fuzz/template_check) over the mustache spec and helper cases;
#   * every libFuzzer target fuzz/<name>_fuzz.c that has a corpus directory
#     fuzz/corpus/<name>/ (template; the webhook parsers when they land):
#     built with gcc -O1 -g and test/quality/fuzz_driver.c instead of
#     libFuzzer, run once over the whole corpus.
# The target's sources are the fuzz/Makefile's CORE for template_fuzz and,
# for other targets, src/<name>*.c that do not include postgres.h.
set -u
FC_QA_REPO=$(cd "$(dirname "$0")/../.." && pwd)
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
[ -d "$FC_QA_REPO/fuzz" ] || { echo "valgrind: FAILED: no fuzz/ directory: nothing to check" >&2; exit 1; }
VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-origins=yes"
work=$(mktemp -d /tmp/flowcomm-vg.XXXXXX)
trap 'rm -rf "$work"' EXIT
rc=0
checked=0

if [ -f "$FC_QA_REPO/fuzz/Makefile" ] && grep -q '^valgrind:' "$FC_QA_REPO/fuzz/Makefile"; then
	# In a scratch copy: the build leaves fuzz/template_check behind.
	. "$FC_QA_REPO/test/quality/buildcopy.sh"
	mkdir "$work/tree" && fc_build_copy "$work/tree"
	if make -s -C "$work/tree/fuzz" valgrind >"$work/check.log" 2>&1; then
		echo "valgrind: fuzz/template_check: $(tail -n 1 "$work/check.log")"
	else
		cat "$work/check.log"
		echo "valgrind: FAILED: make -C fuzz valgrind" >&2
		rc=1
	fi
	checked=$((checked + 1))
fi

for t in "$FC_QA_REPO"/fuzz/*_fuzz.c; do
	[ -f "$t" ] || continue
	name=$(basename "$t" _fuzz.c)
	corpus="$FC_QA_REPO/fuzz/corpus/$name"
	if [ ! -d "$corpus" ]; then
		echo "valgrind: FAILED: fuzz/${name}_fuzz.c has no corpus fuzz/corpus/$name/" >&2
		rc=1
		continue
	fi
	srcs=
	for s in "$FC_QA_REPO"/src/"$name"*.c; do
		[ -f "$s" ] && ! grep -q '#include "postgres.h"' "$s" && srcs="$srcs $s"
	done
	[ -n "$srcs" ] || { echo "valgrind: FAILED: no standalone sources src/$name*.c for fuzz/${name}_fuzz.c" >&2; rc=1; continue; }
	bin="$work/${name}_replay"
	if ! gcc -std=gnu99 -g -O1 -I"$FC_QA_REPO/src" -o "$bin" "$t" "$FC_QA_REPO/test/quality/fuzz_driver.c" $srcs 2>"$work/$name.build"; then
		cat "$work/$name.build"
		echo "valgrind: FAILED: could not build the $name replay driver" >&2
		rc=1
		continue
	fi
	n=$(find "$corpus" -type f | wc -l)
	if find "$corpus" -type f -print0 | xargs -0 $VG "$bin" >"$work/$name.out" 2>&1; then
		echo "valgrind: fuzz/corpus/$name: $n inputs, no errors"
	else
		head -c 20000 "$work/$name.out"
		echo "valgrind: FAILED: fuzz/corpus/$name" >&2
		rc=1
	fi
	checked=$((checked + 1))
done

[ "$checked" -gt 0 ] || { echo "valgrind: FAILED: found nothing to check" >&2; rc=1; }
[ "$rc" -eq 0 ] && echo "valgrind: OK"
exit $rc
