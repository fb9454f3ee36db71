#!/bin/sh
# 94_monitoring_alert_e2e.sh — a real Prometheus (Debian's prometheus) on
# 127.0.0.1 scrapes the exporter every second and evaluates alerts.yml; the
# simulator is switched to answer every Twilio request with a 5xx, and
# FlowcommFailureRateHigh{channel="sms"} goes firing in Prometheus' HTTP API
# (/api/v1/alerts); when the simulator recovers, the alert resolves.
# The rules are the shipped file with its 5-minute windows and 2-minute
# "for" shortened to 20 s / 5 s (sed below), so the case takes ~1 minute.
. "$FC_REPO/test/t/monitoring.inc"
plan 4

exporter_start
ok $? "exporter up"
sed 's/\[5m\]/[20s]/g; s/for: 2m/for: 5s/' "$FC_REPO/monitoring/alerts.yml" >"$MON_WORK/alerts.yml"
EXP_ADDR=${EXP_URL#http://}
EXP_ADDR=${EXP_ADDR%/metrics}
cat >"$MON_WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $MON_WORK/alerts.yml
scrape_configs:
  - job_name: flowcomm
    static_configs:
      - targets: ['$EXP_ADDR']
YML
PROM_PORT=$(fc_free_port)
prometheus --config.file="$MON_WORK/prometheus.yml" --storage.tsdb.path="$MON_WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$MON_WORK/prometheus.log" 2>&1 &
MON_PIDS="$MON_PIDS $!"
PROM=http://127.0.0.1:$PROM_PORT
# alert_state: the state of FlowcommFailureRateHigh for sms, or "none".
alert_state()
{
	curl -s "$PROM/api/v1/alerts" | python3 -c '
import json, sys
try:
    a = [x for x in json.load(sys.stdin)["data"]["alerts"]
         if x["labels"].get("alertname") == "FlowcommFailureRateHigh" and x["labels"].get("channel") == "sms"]
except Exception:
    a = []
print(a[0]["state"] if a else "none")'
}
i=0
while [ "$(curl -s "$PROM/api/v1/query?query=flowcomm_workers_expected" | grep -c '"value"')" = 0 ] && [ $i -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
is "$(alert_state)" none "Prometheus scrapes flowcomm; no failure alert while the provider is healthy"

BID=$(new_uuid)
own_accounts "$BID"
# Steady SMS traffic: one message every 0.2 s, one attempt each.
(
	n=0
	while :; do
		n=$((n + 1))
		send_msg "$BID" sms "+1555600$(printf %04d $((n % 10000)))" "e2e $n" normal "now()" 1 >/dev/null
		sleep 0.2
	done
) &
MON_PIDS="$! $MON_PIDS"
sleep 3
sim_post /_sim/faults '{"route":"twilio","error_5xx_pct":100}' >/dev/null
T0=$(date +%s)
deadline=$((T0 + 60))
while [ "$(alert_state)" != firing ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
is "$(alert_state)" firing "FlowcommFailureRateHigh{channel=sms} fires $(($(date +%s) - T0)) s after Twilio starts failing"
sim_post /_sim/reset '{}' >/dev/null
T0=$(date +%s)
deadline=$((T0 + 75))
while [ "$(alert_state)" != none ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
is "$(alert_state)" none "the alert resolves $(($(date +%s) - T0)) s after the simulator recovers"
done_testing
