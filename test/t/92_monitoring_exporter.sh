#!/bin/sh
# 92_monitoring_exporter.sh — Debian's prometheus-postgres-exporter with
# monitoring/postgres_exporter/queries.yaml on 127.0.0.1 against the test
# database: traffic on all four channels, an injected 429, a dead letter and
# a permanent failure from the simulator, rejected and accepted webhooks;
# the scraped series move by exactly what that traffic implies (counters are
# compared before/after, since other tests used the same server), and the
# queue gauges equal the queue's real counts.
. "$FC_REPO/test/t/monitoring.inc"
plan 32

exporter_start
ok $? "exporter serves /metrics on 127.0.0.1"
BID=$(new_uuid)
own_accounts "$BID"
CB=https://hooks.flowpos.example/cb
set_guc flowcomm.status_callback_url "$CB"
openssl ecparam -name prime256v1 -genkey -noout -out "$MON_WORK/sg.pem" 2>/dev/null
set_guc flowcomm.sendgrid_webhook_public_key "$(openssl ec -in "$MON_WORK/sg.pem" -pubout -outform DER 2>/dev/null | base64 -w0)"
sim_post /_sim/reset '{}' >/dev/null
S0=$MON_WORK/s0.prom
S1=$MON_WORK/s1.prom
scrape "$S0"
is "$(grep -c '^flowcomm_' "$S0" | awk '{print ($1 > 50)}')" 1 "flowcomm series served ($(grep -c '^flowcomm_' "$S0"))"

# Traffic: 3 email, 3 sms, 2 whatsapp, 2 messenger sent.
for c in 1 2 3; do
	send_msg "$BID" email "ana$c@example.test" "<p>Invoice $c</p>" >/dev/null
	send_msg "$BID" sms "+1555200000$c" "Invoice $c" >/dev/null
done
for c in 1 2; do
	open_window "$BID" whatsapp "+1555300000$c"
	open_window "$BID" messenger "2468$c"
	send_msg "$BID" whatsapp "+1555300000$c" "Invoice $c" >/dev/null
	send_msg "$BID" messenger "2468$c" "Invoice $c" >/dev/null
done
# One automatic invoice (createdBy SYSTEM_*), email.
q "WITH c AS (INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, queued_at)
      VALUES ('$BID', 'SYSTEM_rules', 'customer', 'auto@example.test', 'email', 'invoice', '<p>auto</p>', 'queued', now()) RETURNING business_id, id, channel)
   INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel) SELECT * FROM c; SELECT flowcomm.wake_workers()" >/dev/null
wait_for "SELECT count(*) = 11 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'" 20
ok $? "11 messages sent on the four channels"

# A 429 with Retry-After 1 on Sendgrid: retried, then sent.
sim_post /_sim/faults '{"route":"sendgrid","script":[{"status":429,"retry_after":1}]}' >/dev/null
E429=$(send_msg "$BID" email "slow@example.test" "<p>throttled</p>")
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE id = '$E429'" 20
ok $? "the throttled email is sent after its 429"
# A 503 on the only attempt: dead letter.  Then a 400: permanent failure.
sim_post /_sim/faults '{"route":"twilio","script":[{"status":503}]}' >/dev/null
DEAD=$(send_msg "$BID" sms "+15552999001" "Dead" normal "now()" 1)
wait_for "SELECT status = 'dead' FROM flowcomm.communication_queue WHERE communication_id = '$DEAD'" 20
ok $? "the SMS whose only attempt got a 503 is dead-lettered"
sim_post /_sim/faults '{"route":"twilio","script":[{"status":400}]}' >/dev/null
FAIL=$(send_msg "$BID" sms "+15552999002" "Fail")
wait_for "SELECT status = 'failed' FROM flowcomm.communication WHERE id = '$FAIL'" 20
ok $? "the SMS answered 400 failed for good"
sim_post /_sim/reset '{}' >/dev/null
# Five messages for later: pending, not due.
for c in 1 2 3 4 5; do
	send_msg "$BID" sms "+1555400000$c" "Later $c" low "now() + interval '1 hour'" >/dev/null
done

# Webhooks: Twilio forged and unsigned, Sendgrid stale and unsigned, one
# genuine Twilio status callback.
twilio_sig()
{
	url=$1
	shift
	printf '%s\n' "$@" | LC_ALL=C sort | { data=$url; while IFS= read -r kv; do data="$data${kv%%=*}${kv#*=}"; done; printf '%s' "$data"; } |
		openssl dgst -sha1 -hmac "$TW_TOKEN" -binary | base64 -w0
}
SM=$(q "SELECT provider_message_id FROM flowcomm.communication WHERE business_id = '$BID' AND channel = 'sms' AND status = 'sent' LIMIT 1")
BODY="MessageSid=$SM&MessageStatus=delivered&AccountSid=$TW_SID"
q "SELECT flowcomm.webhook_twilio_status(NULL, '$BODY', 'forged+signature=')" >/dev/null
q "SELECT flowcomm.webhook_twilio_status(NULL, '$BODY', NULL)" >/dev/null
SIG=$(twilio_sig "$CB/twilio/status" "MessageSid=$SM" "MessageStatus=delivered" "AccountSid=$TW_SID")
is "$(q "SELECT flowcomm.webhook_twilio_status(NULL, '$BODY', '$SIG') ->> 'status'")" delivered "a genuine Twilio callback is applied"
OLD=$(($(date +%s) - 3600))
q "SELECT flowcomm.webhook_sendgrid('[]', 'c2ln', '$OLD')" >/dev/null
q "SELECT flowcomm.webhook_sendgrid('[]', NULL, '$(date +%s)')" >/dev/null

# The email invoices were made from one template (as send() records it).
q "UPDATE flowcomm.communication SET template_code = 'mon_invoice_$BID' WHERE business_id = '$BID' AND channel = 'email'" >/dev/null
scrape "$S1"
is "$(delta flowcomm_messages_sent_total channel=email provider=sendgrid) $(delta flowcomm_messages_sent_total channel=sms) $(delta flowcomm_messages_sent_total channel=whatsapp) $(delta flowcomm_messages_sent_total channel=messenger)" \
	"5 3 2 2" "sent_total moved by 5 email, 3 sms, 2 whatsapp, 2 messenger"
is "$(delta flowcomm_messages_failed_total channel=sms) $(delta flowcomm_messages_dead_lettered_total channel=sms) $(delta flowcomm_messages_failed_total channel=email)" \
	"2 1 0" "sms: 2 failed, of which 1 dead-lettered; email none failed"
is "$(delta flowcomm_messages_retried_total channel=email) $(delta flowcomm_messages_retried_total channel=sms)" "1 0" "one retry (the 429), on email"
is "$(delta flowcomm_provider_throttled_total provider=sendgrid channel=email) $(delta flowcomm_provider_throttled_total provider=twilio)" "1 0" "throttled_total: the one Sendgrid 429"
is "$(delta flowcomm_provider_latency_seconds_count channel=email) $(delta flowcomm_provider_latency_seconds_count channel=sms) $(delta flowcomm_provider_latency_seconds_count channel=whatsapp) $(delta flowcomm_provider_latency_seconds_count channel=messenger)" \
	"6 5 2 2" "latency histogram counts every provider request (email 5 + the 429, sms 3 + 503 + 400)"
is "$(val "$S1" flowcomm_provider_latency_seconds_bucket channel=sms le=+Inf)" "$(val "$S1" flowcomm_provider_latency_seconds_count channel=sms)" \
	"histogram: the +Inf bucket equals _count"
is "$(python3 -c "print(int($(delta flowcomm_provider_latency_seconds_sum channel=sms) > 0 and $(val "$S1" flowcomm_provider_latency_seconds_bucket channel=sms le=0.005) <= $(val "$S1" flowcomm_provider_latency_seconds_bucket channel=sms le=10)))")" 1 \
	"histogram: _sum grew, buckets are cumulative"
grep -q '^# TYPE flowcomm_provider_latency_seconds histogram' "$S1"
ok $? "flowcomm_provider_latency_seconds is typed histogram"
grep -q '^# TYPE flowcomm_messages_sent_total counter' "$S1"
ok $? "flowcomm_messages_sent_total is typed counter"
is "$(val "$S1" flowcomm_rate_bucket_throttled_total account="$BID" channel=email) $(val "$S1" flowcomm_rate_bucket_burst account="$BID" channel=sms)" \
	"1 1000" "the business's own email bucket counts its 429; its sms bucket shows its burst"
is "$(delta flowcomm_webhooks_total provider=twilio outcome=received) $(delta flowcomm_webhooks_total provider=twilio outcome=rejected_signature) $(delta flowcomm_webhooks_total provider=twilio outcome=applied)" \
	"3 2 1" "twilio webhooks: 3 received, 2 rejected (forged, unsigned), 1 applied"
is "$(delta flowcomm_webhooks_total provider=sendgrid outcome=received) $(delta flowcomm_webhooks_total provider=sendgrid outcome=rejected_stale) $(delta flowcomm_webhooks_total provider=sendgrid outcome=rejected_signature)" \
	"2 1 1" "sendgrid webhooks: 2 received, 1 stale, 1 unsigned"
is "$(delta flowcomm_queue_jobs channel=sms status=dead) $(delta flowcomm_queue_jobs priority=low channel=sms status=pending)" "1 5" \
	"queue gauges: +1 dead sms, +5 pending low sms"
REAL=$(q "SELECT string_agg(coalesce(n, 0)::text, ' ' ORDER BY s::text) FROM unnest(ARRAY['dead','held','pending','processing']::flowcomm.queue_status[]) s
          LEFT JOIN LATERAL (SELECT count(*) AS n FROM flowcomm.communication_queue q WHERE q.status = s) x ON true")
is "$(val "$S1" flowcomm_queue_jobs status=dead) $(val "$S1" flowcomm_queue_jobs status=held) $(val "$S1" flowcomm_queue_jobs status=pending) $(val "$S1" flowcomm_queue_jobs status=processing)" \
	"$REAL" "queue gauges equal the queue's real counts (dead held pending processing)"
is "$(val "$S1" flowcomm_queue_due_jobs priority=low) $(val "$S1" flowcomm_queue_due_capped)" "$(q "SELECT count(*) FROM flowcomm.communication_queue WHERE status = 'pending' AND priority = 'low' AND scheduled_at <= now()") 0" \
	"due-now gauge equals the due low-priority jobs (the 5 later ones are not due)"
is "$(val "$S1" flowcomm_workers_running) $(val "$S1" flowcomm_workers_expected) $(val "$S1" flowcomm_worker_up)" "1 1 1" "one worker expected, running, up"
is "$(delta flowcomm_engagement_messages business=all window=1h channel=sms type=invoice) $(delta flowcomm_engagement_sent business=all window=1h channel=sms type=invoice) $(delta flowcomm_engagement_failed business=all window=1h channel=sms type=invoice)" \
	"10 3 2" "engagement (last hour, sms invoices): +10 messages (3 sent, 2 failed, 5 later), +3 sent, +2 failed"
is "$(delta flowcomm_engagement_messages business=all window=1d channel=email type=invoice) $(delta flowcomm_engagement_delivered business=all window=1d channel=sms type=invoice)" \
	"5 1" "engagement (last day, email invoices): +5; sms delivered +1 (the callback)"
is "$(delta flowcomm_business_value business=all metric=invoices_sent key=auto) $(delta flowcomm_business_value business=all metric=invoices_sent key=manual)" \
	"1 11" "business: invoices sent 1 automatically, 11 manually (sent_at set)"

# Row-level security: a login role bound to the business sees only its rows.
q "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fc_mon_tenant') THEN
     CREATE ROLE fc_mon_tenant LOGIN IN ROLE flowcomm_viewer; END IF; END \$\$;
   INSERT INTO flowcomm.tenant_role (role_name, business_id) VALUES ('fc_mon_tenant', '$BID') ON CONFLICT DO NOTHING" >/dev/null
is "$(fc_psql -d flowcomm_t -U fc_mon_tenant -At -c "SET flowcomm.business_id = '$BID'; SELECT count(DISTINCT business_id) || ' ' || bool_and(business_id = '$BID') FROM flowcomm.monitor_engagement" 2>&1)" \
	"1 true" "a tenant reads only its own engagement rows"
is "$(fc_psql -d flowcomm_t -U fc_mon_tenant -At -c "SET flowcomm.business_id = '$BID'; SELECT value FROM flowcomm.business_metrics WHERE metric = 'invoices_sent' AND label = 'manual'" 2>&1)" \
	"11" "business_metrics shows the tenant its own invoices"
# The Grafana dashboard uses only series the exporter serves; psql's dashboard() has the same six panels.
MISSING=$(python3 - "$FC_REPO/monitoring/grafana/flowcomm.json" "$S1" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
served = {l.split('{')[0].split(' ')[0] for l in open(sys.argv[2]) if l.startswith('flowcomm_')}
exprs = [t['expr'] for p in d['panels'] for t in p['targets']]
names = {n for e in exprs for n in re.findall(r'flowcomm_[a-z0-9_]+', e)}
print(len(d['panels']), len(exprs), ' '.join(sorted(names - served)) or 'none')
PY
)
is "$MISSING" "6 15 none" "the Grafana dashboard's 6 panels (15 queries) name only served series"
is "$(q "SELECT count(DISTINCT panel) FROM flowcomm.dashboard()")" 6 "flowcomm.dashboard() prints the six panels"
is "$(q "SELECT messages || ' ' || failed FROM flowcomm.monitor_templates(100000) WHERE template = 'mon_invoice_$BID'")" "5 0" "template use: 5 messages of the business's template, none failed"
is "$(q "SELECT count(*) > 0 FROM flowcomm.dashboard() WHERE panel = '6 top templates'")" t "dashboard() lists top templates"
reset_guc flowcomm.status_callback_url
reset_guc flowcomm.sendgrid_webhook_public_key
done_testing
