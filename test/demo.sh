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

step "WhatsApp/Messenger rules: Ana wrote to the shop (24-hour windows open); Content templates for invoices (es) and reminders (en) are approved"
# Ana's messages (WhatsApp, Messenger) reach the simulator (Twilio) and
# flowcomm's inbound webhook, signed with the account's auth token as Twilio
# signs it (URL + sorted parameter names and values, HMAC-SHA1).
IN_URL='https://pos.example.com/rpc/webhook_twilio_inbound?business_id=b1000000-0000-0000-0000-000000000001'
demo_inbound()
{
	curl -s -X POST -H 'Content-Type: application/json' -d "{\"from\":\"$1\",\"to\":\"$2\"}" "$FC_SIM_URL/_sim/inbound" >/dev/null
	sig=$(printf '%s' "${IN_URL}AccountSidAC0123456789abcdef0123456789abcdefBodyHolaFrom$1MessageSid$3To$2" |
		openssl dgst -sha1 -hmac demo-token -binary | base64 -w0)
	body=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlencode({"AccountSid": "AC0123456789abcdef0123456789abcdef", "Body": "Hola", "From": sys.argv[1], "MessageSid": sys.argv[3], "To": sys.argv[2]}))' "$1" "$2" "$3")
	psql_demo -At -c "SELECT 'inbound $1 stored: ' || (flowcomm.webhook_twilio_inbound('$IN_URL', '$body', '$sig') ->> 'stored')"
}
demo_inbound whatsapp:+525511112222 whatsapp:+14155550199 SMde0000000000000000000000000001a1
demo_inbound messenger:2345678901234567 messenger:102030405060 SMde0000000000000000000000000001a2
curl -s -X POST -H 'Content-Type: application/json' \
	-d '{"sid":"HXde0000000000000000000000000001af","variables":["1","2","3"],"status":"approved","name":"factura_es"}' \
	"$FC_SIM_URL/_sim/content" >/dev/null
curl -s -X POST -H 'Content-Type: application/json' \
	-d '{"sid":"HXde0000000000000000000000000002af","variables":["1","2","3"],"status":"approved","name":"payment_reminder_en"}' \
	"$FC_SIM_URL/_sim/content" >/dev/null
psql_demo -f "$FC_REPO/test/fixtures/demo_whatsapp.sql"
i=0
while [ $i -lt 50 ] && [ "$(fc_psql -d flowpos -At -c "SELECT bool_and(approval_status = 'approved') FROM flowcomm.content_template")" != t ]; do
	sleep 0.2; i=$((i + 1))
done
psql_demo -c "SELECT template_code, locale, content_sid, approval_status FROM flowcomm.content_template"

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
        channel = to.split(":", 1)[0] if ":" in to else ("content" if "/v1/Content/" in r["path"] else "sms")
        f = urllib.parse.parse_qs(body)
        if channel == "whatsapp":
            channel += " (template %s)" % f["ContentSid"][0] if "ContentSid" in f else " (free-form Body)"
    print("  %-9s %-8s %s %s -> %s %s" % (channel, r["provider"], r["method"], r["path"], r["status"], r.get("response_id") or ""))'

step "History, one timeline and the stats"
psql_demo -f "$FC_REPO/test/fixtures/demo_report.sql"
[ -f "$FC_REPO/test/fixtures/demo_more.sh" ] && . "$FC_REPO/test/fixtures/demo_more.sh"
step "Prometheus series the exporter serves (monitoring/postgres_exporter/queries.yaml; excerpt)"
. "$FC_REPO/test/fixtures/demo_monitoring.sh"
step "Done (the cluster and simulator are removed now)"
