#!/bin/sh
# 10_delivery_channels.sh — all four channels leave with the right request
# shape and auth, results are stored (provider ids, segments, events), and a
# commit wakes an idle worker at once (poll interval set to 30 s here).
. "$FC_REPO/test/t/delivery.inc"
plan 22

BID=$(new_uuid)
own_accounts "$BID"
set_guc flowcomm.poll_interval_ms 30000
sleep 0.5
# WhatsApp and Messenger take a free-form message only within 24 hours of the
# customer's last message (issue 17): these customers wrote first.
customer_writes whatsapp +15551230003 >/dev/null
customer_writes messenger 9876543210 >/dev/null
SEQ=$(sim_seq)

EMAIL=$(ATT="'invoice.pdf', 'application/pdf', 'hello'::bytea, NULL" \
	send_msg "$BID" email ana@example.test '<html><style>p{}</style><p>Hello <b>Ana</b> &amp; co</p><p>Total: 10 €</p></html>')
SMS=$(send_msg "$BID" sms +15551230001 "Your invoice ünïcode 😀 total 10")
LONG=$(python3 -c 'print("A" * 2000)')
SMS_LONG=$(send_msg "$BID" sms +15551230002 "$LONG")
WA=$(ATT="'invoice.pdf', 'application/pdf', NULL, 'https://files.test/invoice.pdf'" \
	send_msg "$BID" whatsapp +15551230003 "Pay here: https://pay.test/x")
MSN=$(send_msg "$BID" messenger 9876543210 "Hello from the shop")

wait_for "SELECT count(*) = 5 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'" 10
ok $? "all five messages sent"
is "$(q "SELECT count(*) FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status = 'completed' AND completed_at IS NOT NULL")" 5 "queue jobs completed"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$BID' AND event = 'sent' AND source = 'worker' AND attempt = 1")" 5 "one sent event per message"
is "$(q "SELECT count(*) FROM flowcomm.communication c WHERE business_id = '$BID' AND c.sent_at - c.queued_at < interval '1 second'")" 5 "woken at commit (poll interval 30 s), sent within 1 s"

# Sendgrid request shape
nth() { printf '%s\n' "$R" | sed -n "$1"; }
R=$(sim_py "$SEQ" "
r = [x for x in R if x['provider'] == 'sendgrid']
assert len(r) == 1, len(r)
r = r[0]; b = json.loads(r['body'])
print(r['path'], r['authorization'], r['content_type'].split(';')[0])
print(b['personalizations'][0]['to'][0]['email'], b['personalizations'][0]['to'][0]['name'], b['from']['email'], b['from']['name'])
print(b['subject'], [c['type'] for c in b['content']])
print(repr(b['content'][0]['value']))
print(b['attachments'][0]['content'], b['attachments'][0]['filename'], b['attachments'][0]['type'], b['attachments'][0]['disposition'])
print(b['custom_args']['communication_id'], b['custom_args']['business_id'])
print(b['tracking_settings']['click_tracking']['enable'], b['tracking_settings']['open_tracking']['enable'])
print(r['response_id'])
")
is "$(nth 1p)" "/v3/mail/send Bearer $SG_KEY application/json" "sendgrid: path, bearer auth, JSON"
is "$(nth 2p)" "ana@example.test Ana Pérez billing@shop.test Shop & Co" "sendgrid: to and from with names"
is "$(nth 3p)" "Invoice 42 ['text/plain', 'text/html']" "sendgrid: subject, text before html"
H2T=$(q "SELECT flowcomm.html_to_text('<html><style>p{}</style><p>Hello <b>Ana</b> &amp; co</p><p>Total: 10 €</p></html>')" |
	python3 -c 'import sys; print(repr(sys.stdin.read()[:-1]))')
case $H2T in *"Hello Ana & co"*"Total: 10 €"*) ;; *) H2T="(html_to_text lost the text: $H2T)" ;; esac
is "$(nth 4p)" "$H2T" "sendgrid: text part derived from the HTML by flowcomm.html_to_text's converter"
is "$(nth 5p)" "aGVsbG8= invoice.pdf application/pdf attachment" "sendgrid: base64 attachment"
is "$(nth 6p)" "$EMAIL $BID" "sendgrid: custom_args carry ids"
is "$(nth 7p)" "True True" "sendgrid: open and click tracking"
is "$(q "SELECT provider || ' ' || provider_message_id || ' ' || (provider_response->>'x_message_id') FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$EMAIL'")" \
	"sendgrid $(nth 8p) $(nth 8p)" "sendgrid: X-Message-Id stored"

# Twilio request shapes
T=$(sim_py "$SEQ" "
import base64
for r in sorted([x for x in R if x['provider'] == 'twilio'], key=lambda x: x['seq']):
    f = urllib.parse.parse_qs(r['body'])
    auth = base64.b64decode(r['authorization'].split()[1]).decode()
    print('|'.join([f['To'][0], f['From'][0], str(len(f['Body'][0])), ','.join(f.get('MediaUrl', [])), auth, r['path'], r['content_type'].split(';')[0], r['response_id']]))
")
line() { printf '%s\n' "$T" | grep "^$1|" | tr '|' ' '; }
AUTH="$TW_SID:$TW_TOKEN /2010-04-01/Accounts/$TW_SID/Messages.json application/x-www-form-urlencoded"
is "$(line +15551230001 | cut -d' ' -f1-7)" "+15551230001 +15005550006 31  $AUTH" "sms: E.164 To/From (+ encoded), basic auth, form"
is "$(line +15551230002 | cut -d' ' -f3)" 1600 "sms: body cut at 1600 characters"
is "$(line whatsapp:+15551230003 | cut -d' ' -f1-2,4)" "whatsapp:+15551230003 whatsapp:+14155238886 https://files.test/invoice.pdf" "whatsapp: addresses and MediaUrl"
is "$(line messenger:9876543210 | cut -d' ' -f1-2)" "messenger:9876543210 messenger:1234567890" "messenger: page id sender"
is "$(q "SELECT count(*) FROM flowcomm.communication WHERE business_id = '$BID' AND channel <> 'email' AND provider = 'twilio' AND provider_message_id ~ '^(SM|MM)[0-9a-f]{32}$' AND provider_response ? 'sid'")" 4 "twilio: SM sids and responses stored"
is "$(q "SELECT provider_message_id FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$SMS'")" "$(line +15551230001 | cut -d' ' -f8)" "sms: stored sid is the simulator's"
is "$(q "SELECT segments || ' ' || encoding FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$SMS'")" "1 UCS-2" "sms: unicode is one UCS-2 segment"
is "$(q "SELECT segments || ' ' || encoding FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$SMS_LONG'")" "11 GSM-7" "sms: 1600 GSM-7 characters are 11 segments"
is "$(q "SELECT count(*) FROM flowcomm.worker_status() WHERE database = 'flowcomm_t' AND state IN ('idle', 'working') AND sent >= 0")" \
	"$(q "SELECT current_setting('flowcomm.workers_per_database')")" "worker_status lists this database's workers"
is "$(q "SELECT (SELECT sum(sent) FROM flowcomm.delivery_counters()) >= 5 AND (SELECT workers FROM flowcomm.queue_health) >= 1
          AND (SELECT sum(sent) FROM flowcomm.delivery_stats) = (SELECT sum(sent) FROM flowcomm.delivery_counters())
          AND cardinality(flowcomm.latency_bucket_bounds()) > 1")" t "delivery counters, the delivery_stats view, latency buckets and queue_health"

reset_guc flowcomm.poll_interval_ms
done_testing
