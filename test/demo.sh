#!/bin/sh
# demo.sh — `make demo`: a throwaway cluster with flowcomm preloaded and the
# local provider simulator; a small FlowPOS-like business sends its messages
# on all four channels and we watch what flowcomm did.  Nothing leaves
# 127.0.0.1 and no credentials are needed.
set -eu
FC_REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$FC_REPO/test/cluster.sh"
trap 'fc_teardown' EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

fc_setup
fc_sim_start
fc_provider_conf
fc_conf "flowcomm.databases = 'flowpos'"
fc_conf "flowcomm.webhook_base_url = 'https://pos.example.com'"
fc_start
fc_psql -d postgres -c "CREATE DATABASE flowpos"
psql_demo() { fc_psql -d flowpos -P pager=off "$@"; }

step "Install flowcomm and the FlowPOS sample (a shop, its customers, provider accounts pointing at the simulator)"
psql_demo -f "$FC_REPO/test/fixtures/flowpos.sql"
psql_demo -f "$FC_REPO/test/fixtures/demo_setup.sql"

step "Preview the invoice template in English and Spanish"
psql_demo -f "$FC_REPO/test/fixtures/demo_preview.sql"

step "Send on all four channels (email, SMS, WhatsApp, Messenger)"
psql_demo -f "$FC_REPO/test/fixtures/demo_send.sql"

step "Workers deliver to the provider simulator"
i=0
while [ $i -lt 100 ]; do
	left=$(fc_psql -d flowpos -At -c "SELECT count(*) FROM flowcomm.communication_queue WHERE status IN ('pending','processing')")
	[ "$left" = 0 ] && break
	sleep 0.2; i=$((i + 1))
done
# One line per provider request: the channel (Twilio's is in To: "whatsapp:",
# "messenger:" or a plain number), the whole path, the answer and its id.
curl -s "$FC_SIM_URL/_sim/requests" | python3 -c '
import json, sys, urllib.parse
for r in json.load(sys.stdin):
    body = r.get("body") or ""
    if r["provider"] == "sendgrid":
        channel = "email"
    else:
        to = urllib.parse.parse_qs(body).get("To", [""])[0]
        channel = to.split(":", 1)[0] if ":" in to else "sms"
    print("  %-9s %-8s %s %s -> %s %s" % (channel, r["provider"], r["method"], r["path"], r["status"], r.get("response_id") or ""))'

step "History, one timeline and the stats"
psql_demo -f "$FC_REPO/test/fixtures/demo_report.sql"
[ -f "$FC_REPO/test/fixtures/demo_more.sh" ] && . "$FC_REPO/test/fixtures/demo_more.sh"
step "Prometheus series the exporter serves (monitoring/postgres_exporter/queries.yaml; excerpt)"
. "$FC_REPO/test/fixtures/demo_monitoring.sh"
step "Done (the cluster and simulator are removed now)"
