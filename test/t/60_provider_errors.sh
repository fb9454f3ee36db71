#!/bin/sh
# 60_provider_errors.sh — every code of the provider error catalogue
# (flowcomm.provider_error), answered by the simulator in the provider's own
# shape for one recipient, ends in the state its class says: retry → retried
# with backoff, then sent once the fault clears; permanent → failed at once;
# suppress → failed and the number/address suppressed on its channel, so a
# later send is refused.  History shows the provider's code and message and
# the plain reason.  Then ErrorCodes in Twilio status callbacks: 30007 after
# "sent" fails the message, 21610 suppresses, 30003 sends it again; and
# stats() lists the top failure reasons.
. "$FC_REPO/test/t/delivery.inc"

BID=$(new_uuid)
own_accounts "$BID"
set_guc flowcomm.retry_schedule '1,1,1'
CB=https://hooks.flowpos.example/cb
set_guc flowcomm.status_callback_url "$CB"
sim_post /_sim/reset '{}' >/dev/null

# One case per catalogue row: provider|code|class|suppression reason|status|
# channel|contact|simulated code.  The fallback rows are reached by codes the
# catalogue does not list (Twilio 20502 / 21999, Sendgrid 502 / 405).
q "SELECT provider, code, error_class, coalesce(suppression_reason, '-') FROM flowcomm.provider_error ORDER BY provider DESC, code" |
	python3 -c '
import sys
for i, line in enumerate(sys.stdin):
    prov, code, cls, sup = line.rstrip("\n").split("|")
    if prov == "twilio":
        sim = {"5xx": "20502", "other": "21999"}.get(code, code)
        st = {"5xx": 502, "20003": 401, "20429": 429, "63018": 429, "20500": 500, "20503": 503}.get(code, 400)
        ch = "whatsapp" if code.startswith("63") else "sms"
        contact = "+1555600%04d" % i
    else:
        sim = "0"
        st = {"5xx": 502, "other": 405}.get(code, int(code[5:]) if code.startswith("http_") else 400)
        ch = "email"
        contact = "err%02d@example.test" % i
    print("|".join([prov, code, cls, sup, str(st), ch, contact, sim]))
' >"$FC_TMP/cases"
N=$(wc -l <"$FC_TMP/cases")
N_SUP=$(grep -c '|suppress|' "$FC_TMP/cases")
plan $((N * 2 + N_SUP + 15))

# Simulator rules: a retry-class error answers once (then the fault clears),
# the others every time.
python3 - "$FC_TMP/cases" >"$FC_TMP/faults.json" <<'PY'
import json, sys
tw, sg = [], []
for line in open(sys.argv[1]):
    prov, code, cls, sup, st, ch, contact, sim = line.rstrip("\n").split("|")
    rule = {"to": contact, "status": int(st), "count": 1 if cls == "retry" else -1}
    if prov == "twilio":
        rule["code"] = int(sim)
        tw.append(rule)
    else:
        rule["message"] = "Does not contain a valid address." if code == "http_400" else "error %s" % st
        if code == "http_400":
            rule["field"] = "personalizations.0.to.0.email"
        sg.append(rule)
print(json.dumps([{"route": "twilio", "errors": tw}, {"route": "sendgrid", "errors": sg}]))
PY
sim_post /_sim/faults "$(cat "$FC_TMP/faults.json")" >/dev/null

# The WhatsApp cases' customers wrote first (the 24-hour window, issue 17),
# to the simulator and to flowcomm, so the free-form sends reach Twilio.
WA=$(awk -F'|' '$6 == "whatsapp" { print $7 }' "$FC_TMP/cases")
sim_post /_sim/inbound "[$(for c in $WA; do printf '{"from":"whatsapp:%s","to":"whatsapp:+14155238886"},' "$c"; done | sed 's/,$//')]" >/dev/null
for c in $WA; do
	q "INSERT INTO flowcomm.conversation_window (business_id, channel, sender, contact, last_inbound_at)
	   VALUES ('$BID', 'whatsapp', '+14155238886', '$c', now())" >/dev/null
done

# Queue one message per case, all at once.
while IFS='|' read -r prov code cls sup st ch contact sim; do
	printf '%s|%s\n' "$code|$prov" "$(send_msg "$BID" "$ch" "$contact" "<p>error case $code</p>")"
done <"$FC_TMP/cases" >"$FC_TMP/ids"
wait_for "SELECT count(*) = 0 FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status IN ('pending', 'processing')" 40
ok $? "every case reached a final state"

while IFS='|' read -r prov code cls sup st ch contact sim; do
	id=$(grep "^$code|$prov|" "$FC_TMP/ids" | cut -d'|' -f3)
	case $cls in
	retry) want="sent 2 completed" ;;
	*) want="failed 1 failed" ;;
	esac
	is "$(q "SELECT c.status || ' ' || q.attempts || ' ' || q.status FROM flowcomm.communication c
	         JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
	        WHERE c.business_id = '$BID' AND c.id = '$id'")" "$want" "$prov $code ($cls): message ${want%% *}"
	# The event of the error: provider code and message, class and reason.
	ev=$([ "$cls" = retry ] && echo retry_scheduled || echo failed_permanent)
	is "$(q "SELECT e.event || ' ' || (e.payload->>'provider_code') || ' ' || (e.payload->>'error_class') || ' ' ||
	                (e.payload->>'reason' = p.reason) || ' ' || (coalesce(e.payload->>'provider_message', '') <> '') || ' ' ||
	                (e.detail LIKE '%' || (e.payload->>'provider_code') || '%' || p.reason)
	                || CASE WHEN p.code = 'http_400' THEN ' ' || (e.payload #>> '{errors,0,field}') ELSE '' END
	           FROM flowcomm.communication_event e, flowcomm.provider_error p
	          WHERE e.business_id = '$BID' AND e.communication_id = '$id' AND e.source = 'worker' AND e.event = '$ev'
	            AND p.provider = '$prov' AND p.code = '$code'")" \
		"$ev $([ "$prov" = twilio ] && echo "$sim" || echo "http_$st") $cls true true true$([ "$code" = http_400 ] && echo ' personalizations.0.to.0.email')" \
		"$prov $code: history shows code, provider message, class and reason"
	if [ "$cls" = suppress ]; then
		RES=$(fc_psql -d flowcomm_t -At -c '\set VERBOSITY terse' -c "SET flowcomm.business_id = '$BID'" \
			-c "SELECT flowcomm.send('{\"channel\":\"$ch\",\"type\":\"invoice\",\"recipientContact\":\"$contact\",\"content\":\"again\"}')" 2>&1)
		case "$RES" in *"is suppressed for $ch ($sup)"*) r=0 ;; *) r=1; diag "$RES" ;; esac
		ok $r "$prov $code: $contact suppressed for $ch ($sup); a later send is refused"
	fi
done <"$FC_TMP/cases"

is "$(q "SELECT count(*) FROM flowcomm.suppression WHERE business_id = '$BID' AND lifted_at IS NULL")" "$N_SUP" \
	"suppressions only for suppress-class codes"
qb() { fc_psql -d flowcomm_t -At -c "SET flowcomm.business_id = '$BID'" -c "$1" 2>&1; }
is "$(qb "SELECT (flowcomm.stats('{}') -> 'topFailureReasons' -> 'sms' -> 0 ->> 'count')::int >= 1
            AND (SELECT bool_and(r ? 'code' AND r ? 'count') FROM jsonb_array_elements(flowcomm.stats('{}') -> 'topFailureReasons' -> 'sms') r)")" "t" \
	"stats() topFailureReasons lists the SMS failures with code and count"
is "$(qb "SELECT r ->> 'reason' = (SELECT reason FROM flowcomm.provider_error WHERE provider = 'sendgrid' AND code = 'http_413')
            FROM jsonb_array_elements(flowcomm.stats('{}') -> 'topFailureReasons' -> 'email') r WHERE r ->> 'code' = 'http_413'")" "t" \
	"stats() gives the catalogue reason of each failure code"

# --- ErrorCode in status callbacks -------------------------------------------
sim_post /_sim/reset '{}' >/dev/null
twilio_sig()
{
	url=$1
	shift
	printf '%s\n' "$@" | LC_ALL=C sort | { data=$url; while IFS= read -r kv; do data="$data${kv%%=*}${kv#*=}"; done; printf '%s' "$data"; } |
		openssl dgst -sha1 -hmac "$TW_TOKEN" -binary | base64 -w0
}
form() { printf '%s\n' "$@" | sed 's/+/%2B/g; s/:/%3A/g; s/ /+/g' | paste -sd '&'; }
callback()
{
	# callback SID STATUS CODE [MESSAGE]
	set -- "MessageSid=$1" "MessageStatus=$2" "ErrorCode=$3" "AccountSid=$TW_SID" ${4:+"ErrorMessage=$4"}
	q "SELECT flowcomm.webhook_twilio_status(NULL, '$(form "$@")', '$(twilio_sig "$CB/twilio/status" "$@")') ->> 'status'"
}

C1=$(send_msg "$BID" sms +15557000001 "filtered later")
C2=$(send_msg "$BID" sms +15557000002 "unsubscribed later")
C3=$(send_msg "$BID" sms +15557000003 "unreachable later")
C4=$(send_msg "$BID" sms +15557000004 "unreachable, last attempt" normal "now()" 1)
wait_for "SELECT count(*) = 4 FROM flowcomm.communication WHERE business_id = '$BID' AND id IN ('$C1', '$C2', '$C3', '$C4') AND status = 'sent'" 15
ok $? "four SMS sent"
sid() { q "SELECT provider_message_id FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$1'"; }
S1=$(sid "$C1")
S2=$(sid "$C2")
S3=$(sid "$C3")
S4=$(sid "$C4")

is "$(callback "$S1" undelivered 30007)" "failed" "30007 after sent: the message fails"
is "$(q "SELECT error_code || ' | ' || error_message FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$C1'")" \
	"30007 | twilio 30007 (undelivered): Message filtered - $(q "SELECT reason FROM flowcomm.provider_error WHERE code = '30007'")" \
	"error code, Twilio's title and the reason on the message"
is "$(q "SELECT event || ' ' || status || ' ' || (payload->>'error_class') || ' ' || (payload->>'ErrorCode') FROM flowcomm.communication_event
         WHERE business_id = '$BID' AND communication_id = '$C1' AND source = 'twilio'")" \
	"twilio_undelivered failed permanent 30007" "callback event carries the class and the code"

is "$(callback "$S2" failed 21610 'Attempt to send to unsubscribed recipient')" "failed" "21610 in a callback: failed"
is "$(q "SELECT reason || ' ' || source FROM flowcomm.suppression WHERE business_id = '$BID' AND contact = '+15557000002' AND channel = 'sms' AND lifted_at IS NULL")" \
	"provider_unsubscribed twilio" "21610 in a callback suppresses the number on SMS"
IN_URL=https://hooks.flowpos.example/in
set -- "MessageSid=SMerrstart1" "AccountSid=$TW_SID" "From=+15557000002" "To=+15005550006" "Body=START"
q "SELECT flowcomm.webhook_twilio_inbound('$IN_URL', '$(form "$@")', '$(twilio_sig "$IN_URL" "$@")')" >/dev/null
is "$(q "SELECT count(*) FROM flowcomm.suppression WHERE business_id = '$BID' AND contact = '+15557000002' AND lifted_at IS NULL")" \
	"0" "a START from the number lifts the 21610 suppression, as it lifts a STOP's"

is "$(callback "$S3" undelivered 30003)" "queued" "30003 in a callback: sent again (message queued)"
is "$(q "SELECT event || ' ' || status || ' ' || (payload->>'error_class') || ' ' || (payload ? 'next_attempt_at') FROM flowcomm.communication_event
         WHERE business_id = '$BID' AND communication_id = '$C3' AND source = 'twilio'")" \
	"retry_scheduled queued retry true" "retry_scheduled event from the callback"
wait_for "SELECT status = 'sent' AND provider_message_id <> '$S3' FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$C3'" 15
ok $? "resent with a new message sid after the backoff"
is "$(callback "$S4" undelivered 30003)" "failed" "30003 with no attempts left: failed"

sim_post /_sim/reset '{}' >/dev/null
reset_guc flowcomm.status_callback_url
reset_guc flowcomm.retry_schedule
done_testing
