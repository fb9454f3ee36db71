#!/bin/sh
# run.sh — `make fuzz`: both libFuzzer targets for FUZZ_SECONDS each; prints
# the executions of each and fails if either found a crash, a leak or a
# sanitizer error (its input is then in fuzz/crash-* / leak-*).
set -u
cd "$(dirname "$0")" || exit 1
secs=${FUZZ_SECONDS:-60}
rc=0
for t in "template:Makefile" "webhook:Makefile.webhook"; do
	name=${t%%:*}
	mk=${t#*:}
	log="corpus-run/$name.log"
	mkdir -p corpus-run
	if make --no-print-directory -f "$mk" run-fuzz FUZZ_SECONDS="$secs" >"$log" 2>&1; then
		echo "fuzz $name: $(grep -E '^Done' "$log" | tail -1) — no crash"
	else
		echo "fuzz $name: FAILED"
		grep -E 'ERROR|SUMMARY|Test unit written|crash-|leak-' "$log" | head -10
		rc=1
	fi
done
exit $rc
