#!/bin/sh
# 51_webhook_e2e.sh — webhooks against messages the delivery workers really
# sent through the provider simulator: the Twilio StatusCallback URL the
# worker gave is the one the signature is checked against, the SM sid and
# Sendgrid X-Message-Id the worker stored match the callbacks, a STOP reply
# blocks the next send.  Signatures are made with the openssl CLI.
. "$FC_REPO/test/t/delivery.inc"
plan 12

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BID=$(new_uuid)
own_accounts "$BID"
CB=https://hooks.flowpos.example/cb
set_guc flowcomm.status_callback_url "$CB"
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/sg.pem" 2>/dev/null
set_guc flowcomm.sendgrid_webhook_public_key "$(openssl ec -in "$WORK/sg.pem" -pubout -outform DER 2>/dev/null | base64 -w0)"
SEQ=$(sim_seq)

SMS=$(send_msg "$BID" sms +15551239901 "Invoice 42: 10.00 USD")
EMAIL=$(send_msg "$BID" email ana@example.test "<p>Invoice 42</p>")
wait_for "SELECT count(*) = 2 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'" 10
ok $? "worker sent both messages"
SM=$(q "SELECT provider_message_id FROM flowcomm.communication WHERE id = '$SMS'")
XID=$(q "SELECT provider_message_id FROM flowcomm.communication WHERE id = '$EMAIL'")
is "$(sim_py "$SEQ" "
r = [x for x in R if x['provider'] == 'twilio' and '/Messages' in x['path']][0]
print(urllib.parse.parse_qs(r['body'])['StatusCallback'][0])")" "$CB/twilio/status" "worker asked Twilio to call the status callback URL"

# twilio_sig URL NAME=VALUE...: X-Twilio-Signature over URL + sorted name+value.
twilio_sig()
{
	url=$1
	shift
	printf '%s\n' "$@" | LC_ALL=C sort | { data=$url; while IFS= read -r kv; do data="$data${kv%%=*}${kv#*=}"; done; printf '%s' "$data"; } |
		openssl dgst -sha1 -hmac "$TW_TOKEN" -binary | base64 -w0
}
form() { printf '%s\n' "$@" | sed 's/+/%2B/g; s/:/%3A/g; s/ /+/g' | paste -sd '&'; }

SIG=$(twilio_sig "$CB/twilio/status" "MessageSid=$SM" "MessageStatus=delivered" "AccountSid=$TW_SID" "To=+15551239901" "From=+15005550006")
BODY=$(form "MessageSid=$SM" "MessageStatus=delivered" "AccountSid=$TW_SID" "To=+15551239901" "From=+15005550006")
is "$(q "SELECT flowcomm.webhook_twilio_status(NULL, '$BODY', '$SIG') ->> 'status'")" "delivered" \
	"status callback verified against flowcomm.status_callback_url + /twilio/status"
is "$(q "SELECT status FROM flowcomm.communication WHERE id = '$SMS'")" "delivered" "SMS delivered"

# The same callback through the PostgREST wrapper, as the anonymous role.
SIG=$(twilio_sig "$CB/twilio/status" "MessageSid=$SM" "MessageStatus=read" "AccountSid=$TW_SID")
RES=$(fc_psql -d flowcomm_t -At 2>&1 <<SQL
BEGIN;
SET LOCAL ROLE flowcomm_anon;
SELECT set_config('request.headers', '{"x-twilio-signature": "$SIG"}', true) IS NOT NULL;
SELECT api.webhook_twilio_status("MessageSid" => '$SM', "MessageStatus" => 'read', "AccountSid" => '$TW_SID') ->> 'status';
COMMIT;
SQL
)
is "$(echo "$RES" | tail -1)" "opened" "api.webhook_twilio_status as flowcomm_anon"

# Sendgrid event for the email, by the X-Message-Id the worker stored.
NOW=$(date +%s)
printf '[{"email":"ana@example.test","timestamp":%s,"event":"delivered","sg_event_id":"e2e-1","sg_message_id":"%s.filter0001.16648.5515E0B88.0"}]' \
	"$NOW" "$XID" >"$WORK/ev.json"
SGSIG=$(printf '%s%s' "$NOW" "$(cat "$WORK/ev.json")" | openssl dgst -sha256 -sign "$WORK/sg.pem" | base64 -w0)
RES=$(fc_psql -d flowcomm_t -At -v p="$(cat "$WORK/ev.json")" -v s="$SGSIG" -v t="$NOW" 2>&1 <<'SQL'
SELECT flowcomm.webhook_sendgrid(:'p', :'s', :'t') ->> 'applied';
SQL
)
is "$RES" "1" "Sendgrid event matched by the stored X-Message-Id"
is "$(q "SELECT status FROM flowcomm.communication WHERE id = '$EMAIL'")" "delivered" "email delivered"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE communication_id IN ('$SMS', '$EMAIL') AND source IN ('twilio', 'sendgrid')")" \
	"3" "provider events recorded next to the worker's"

# STOP from the customer to the business's number blocks the next SMS.
IN_URL=https://hooks.flowpos.example/in
SIG=$(twilio_sig "$IN_URL" "MessageSid=SMe2estop1" "AccountSid=$TW_SID" "From=+15551239901" "To=+15005550006" "Body=Stop")
BODY=$(form "MessageSid=SMe2estop1" "AccountSid=$TW_SID" "From=+15551239901" "To=+15005550006" "Body=Stop")
is "$(q "SELECT flowcomm.webhook_twilio_inbound('$IN_URL', '$BODY', '$SIG') ->> 'action'")" "opt_out" "STOP reply applied"
is "$(q "SELECT original_communication_id FROM flowcomm.communication WHERE provider_message_id = 'SMe2estop1'")" "$SMS" \
	"reply linked to the SMS it answers"
RES=$(fc_psql -d flowcomm_t -At -c '\set VERBOSITY terse' -c "SET flowcomm.business_id = '$BID'" \
	-c "SELECT flowcomm.send('{\"channel\":\"sms\",\"type\":\"invoice\",\"recipientContact\":\"+15551239901\",\"content\":\"again\"}')" 2>&1)
case "$RES" in *"is suppressed for sms (stop_keyword)"*) r=0 ;; *) r=1; diag "$RES" ;; esac
ok $r "send to the opted-out number refused"
SIG=$(twilio_sig "$IN_URL" "MessageSid=SMe2estart1" "AccountSid=$TW_SID" "From=+15551239901" "To=+15005550006" "Body=START")
BODY=$(form "MessageSid=SMe2estart1" "AccountSid=$TW_SID" "From=+15551239901" "To=+15005550006" "Body=START")
q "SELECT flowcomm.webhook_twilio_inbound('$IN_URL', '$BODY', '$SIG')" >/dev/null
RES=$(fc_psql -d flowcomm_t -At -c "SET flowcomm.business_id = '$BID'" \
	-c "SELECT flowcomm.send('{\"channel\":\"sms\",\"type\":\"invoice\",\"recipientContact\":\"+15551239901\",\"content\":\"again\"}') ->> 'status'" 2>&1)
is "$RES" "queued" "START lifts the block"

reset_guc flowcomm.status_callback_url
reset_guc flowcomm.sendgrid_webhook_public_key
done_testing
