#!/bin/sh
# test/simulator/bench/bench.sh — throughput of flowcomm-sim with wrk.
#
# Runs the Twilio create-message POST (twilio_post.lua) against a fresh
# simulator: once with no delay (-c64) and once with delay_ms=50 (-c2000,
# ideal rate c/0.05 = 40,000 req/s).  Usage: sh bench.sh [DURATION]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SIM=$HERE/../flowcomm-sim
D=${1:-10s}
[ -x "$SIM" ] || make -s -C "$HERE/.." || exit 1
TMP=$(mktemp -d)
"$SIM" --quiet --port-file "$TMP/port" >/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$TMP"' EXIT
i=0; while [ ! -s "$TMP/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
B=http://127.0.0.1:$(cat "$TMP/port")

echo "== 0 ms delay: wrk -t2 -c64 -d$D"
curl -s -X POST "$B/_sim/reset" >/dev/null
wrk -t2 -c64 -d"$D" -s "$HERE/twilio_post.lua" "$B" | grep -E 'Latency|requests in|Requests/sec|Non-2xx|Socket errors'
curl -s "$B/_sim/stats"; echo

echo "== delay_ms=50: wrk -t2 -c2000 -d$D (ideal 40000 req/s)"
curl -s -X POST "$B/_sim/reset" >/dev/null
curl -s -X POST "$B/_sim/faults" -d '{"route":"*","delay_ms":50}' >/dev/null
wrk -t2 -c2000 -d"$D" --timeout 10s -s "$HERE/twilio_post.lua" "$B" | grep -E 'Latency|requests in|Requests/sec|Non-2xx|Socket errors'
curl -s "$B/_sim/stats"; echo
