#!/bin/sh
# valgrind.sh — memory checks of the code that parses untrusted input, outside
# PostgreSQL, under valgrind (memcheck, leaks included; any error fails):
#   * the `valgrind` target of each fuzz Makefile: fuzz/template_check (the
#     mustache spec and helper cases), fuzz/webhook_check (known answers);
#   * every libFuzzer target fuzz/<name>_fuzz.c that has a corpus directory
#     fuzz/corpus/<name>/ (template; the webhook parsers when they land):
#     built with gcc -O1 -g and test/quality/fuzz_driver.c instead of
#     libFuzzer, run once over the whole corpus.
# A target's sources are the CORE variable of the fuzz Makefile that builds
# it (fuzz/Makefile: template engine; fuzz/Makefile.webhook: webhook_core.c
# and crypto.c).
set -u
FC_QA_REPO=$(cd "$(dirname "$0")/../.." && pwd)
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
[ -d "$FC_QA_REPO/fuzz" ] || { echo "valgrind: FAILED: no fuzz/ directory: nothing to check" >&2; exit 1; }
VG="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-origins=yes"
work=$(mktemp -d /tmp/flowcomm-vg.XXXXXX)
trap 'rm -rf "$work"' EXIT
rc=0
checked=0

# In a scratch copy: the fuzz Makefiles leave their programs in fuzz/.
. "$FC_QA_REPO/test/quality/buildcopy.sh"
mkdir "$work/tree" && fc_build_copy "$work/tree"
FUZZ="$work/tree/fuzz"
printf 'fc-print-core:\n\t@echo $(CORE)\nfc-print-spec:\n\t@echo $(SPEC_DIR)\n' >"$work/print.mk"

# 1. Each fuzz Makefile's own valgrind target (known-answer/conformance runs).
for mk in "$FUZZ"/Makefile "$FUZZ"/Makefile.*; do
	[ -f "$mk" ] && grep -q '^valgrind:' "$mk" || continue
	m=$(basename "$mk")
	# A relative SPEC_DIR (test data outside the checkout, e.g. ../../shared)
	# is resolved from the real fuzz/ directory, not from the copy.
	spec=$(make -s -C "$FUZZ" -f "$m" -f "$work/print.mk" fc-print-spec 2>/dev/null)
	case "$spec" in
	"") set -- ;;
	/*) set -- SPEC_DIR="$spec" ;;
	*) set -- SPEC_DIR="$FC_QA_REPO/fuzz/$spec" ;;
	esac
	if make -s -C "$FUZZ" -f "$m" "$@" valgrind >"$work/$m.log" 2>&1; then
		summary=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$work/$m.log" | tail -n 1)
		[ -n "$summary" ] || summary="$(grep -c '^ok' "$work/$m.log") ok, $(grep -c '^not ok' "$work/$m.log") not ok"
		echo "valgrind: fuzz/$m valgrind: $summary"
	else
		cat "$work/$m.log"
		echo "valgrind: FAILED: make -C fuzz -f $m valgrind" >&2
		rc=1
	fi
	checked=$((checked + 1))
done

# 2. Each libFuzzer target with its corpus, replayed without libFuzzer.  The
#    sources are the CORE of the fuzz Makefile that builds the target.
for t in "$FUZZ"/*_fuzz.c; do
	[ -f "$t" ] || continue
	name=$(basename "$t" _fuzz.c)
	corpus="$FUZZ/corpus/$name"
	if [ ! -d "$corpus" ]; then
		echo "valgrind: FAILED: fuzz/${name}_fuzz.c has no corpus fuzz/corpus/$name/" >&2
		rc=1
		continue
	fi
	mk=$(grep -lE "^${name}_fuzz:" "$FUZZ"/Makefile "$FUZZ"/Makefile.* 2>/dev/null | head -n 1)
	core=
	[ -n "$mk" ] && core=$(make -s -C "$FUZZ" -f "$(basename "$mk")" -f "$work/print.mk" fc-print-core 2>/dev/null)
	[ -n "$core" ] || { echo "valgrind: FAILED: no CORE sources for fuzz/${name}_fuzz.c in the fuzz Makefiles" >&2; rc=1; continue; }
	bin="$work/${name}_replay"
	if ! (cd "$FUZZ" && gcc -std=gnu99 -g -O1 -I../src -o "$bin" "$t" "$FC_QA_REPO/test/quality/fuzz_driver.c" $core -lcrypto) 2>"$work/$name.build"; then
		cat "$work/$name.build"
		echo "valgrind: FAILED: could not build the $name replay driver" >&2
		rc=1
		continue
	fi
	n=$(find "$corpus" -type f | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "valgrind: FAILED: fuzz/corpus/$name is empty" >&2
		rc=1
		continue
	fi
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
