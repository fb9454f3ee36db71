#!/bin/sh
# 93_monitoring_alerts.sh — monitoring/alerts.yml passes `promtool check
# rules`, its unit tests (monitoring/alerts_test.yml) pass `promtool test
# rules`, and every alert of the file has a firing case there.
. "$FC_REPO/test/t/delivery.inc"
plan 3
M=$FC_REPO/monitoring
OUT=$(promtool check rules "$M/alerts.yml" 2>&1)
ok $? "promtool check rules alerts.yml ($(echo "$OUT" | grep -o '[0-9]* rules found'))"
OUT=$(cd "$M" && promtool test rules alerts_test.yml 2>&1)
ok $? "promtool test rules alerts_test.yml" || echo "$OUT" | sed 's/^/# /'
MISSING=$(for a in $(sed -n 's/^ *- alert: *//p' "$M/alerts.yml"); do
	grep -q "alertname: $a\$" "$M/alerts_test.yml" || echo "$a"
done)
is "$MISSING" "" "every alert has a unit test"
done_testing
