#!/bin/sh
# 62_unsubscribe.sh — one-click unsubscribe through the real workers: a
# reminder sent with flowcomm.send reaches the simulator's Sendgrid with
# List-Unsubscribe (a signed https URL) and List-Unsubscribe-Post, an invoice
# without them; the token from the recorded request unsubscribes (as the
# anonymous web role) and the next reminder is refused while invoices go.
# Then Sendgrid's unsubscribe, group_unsubscribe, spamreport, bounce (hard
# and blocked) and dropped events, signed with the openssl CLI, suppress or
# opt out exactly the addresses they should, and later sends follow.
. "$FC_REPO/test/t/delivery.inc"
plan 26
like()
{
	case "$1" in
		*"$2"*) ok 0 "$3" ;;
		*) ok 1 "$3"; diag "got: $1"; diag "expected to contain: $2" ;;
	esac
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BID=$(new_uuid)
own_accounts "$BID"
BASE='https://flowpos.example/unsubscribe?token='
set_guc flowcomm.unsubscribe_base_url "$BASE"
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/sg.pem" 2>/dev/null
set_guc flowcomm.sendgrid_webhook_public_key "$(openssl ec -in "$WORK/sg.pem" -pubout -outform DER 2>/dev/null | base64 -w0)"
q "SELECT flowcomm.signing_key_add('t62-$(date +%s)')" >/dev/null
SEQ=$(sim_seq)

# api_send TYPE ADDRESS: flowcomm.send as the business; prints the id or the error.
api_send()
{
	fc_psql -d flowcomm_t -At -v VERBOSITY=terse -c '\set VERBOSITY terse' -c "SET flowcomm.business_id = '$BID'" \
		-c "SELECT flowcomm.send('{\"channel\":\"email\",\"type\":\"$1\",\"recipientContact\":\"$2\",\"subject\":\"About your account\",\"content\":\"<p>Hello</p>\"}') ->> 'id'" 2>&1 |
		sed 's/^psql:[^E]*ERROR:  /ERROR:  /'
}
# sg_request ID: the JSON body the simulator's Sendgrid received for a message.
sg_request()
{
	sim_py "$SEQ" "
for r in R:
    if r['provider'] == 'sendgrid' and '$1' in r['body']:
        b = json.loads(r['body'])
        if b.get('custom_args', {}).get('communication_id') == '$1':
            print(json.dumps(b)); break"
}

REM=$(api_send invoice_reminder Ana@Example.test)
INV=$(api_send invoice ana@example.test)
wait_for "SELECT count(*) = 2 FROM flowcomm.communication WHERE id IN ('$REM', '$INV') AND status = 'sent'" 15
ok $? "the worker sent the reminder and the invoice"
sg_request "$REM" >"$WORK/rem.json"
sg_request "$INV" >"$WORK/inv.json"
HDR=$(python3 -c "import json; print(json.load(open('$WORK/rem.json')).get('headers', {}).get('List-Unsubscribe', ''))")
case "$HDR" in "<$BASE"*">") r=0 ;; *) r=1; diag "List-Unsubscribe: $HDR" ;; esac
ok $r "the reminder carries List-Unsubscribe: <$BASE...>"
is "$(python3 -c "import json; print(json.load(open('$WORK/rem.json'))['headers']['List-Unsubscribe-Post'])")" \
	"List-Unsubscribe=One-Click" "and List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)"
is "$(python3 -c "import json; print('headers' in json.load(open('$WORK/inv.json')))")" "False" \
	"the invoice (transactional) carries no unsubscribe header"
TOKEN=${HDR#<"$BASE"}
TOKEN=${TOKEN%>}
is "$(q "SELECT r ->> 'valid', r ->> 'communicationId', r ->> 'contact', r ->> 'type' FROM flowcomm.unsubscribe_check('$TOKEN', now()) r" | tr '|' ' ')" \
	"true $REM ana@example.test invoice_reminder" "its token is signed for this message, address and type"

# The link works, once, for the anonymous web role.
anon_unsubscribe()
{
	fc_psql -d flowcomm_t -At -v VERBOSITY=terse -c '\set VERBOSITY terse' -c 'SET ROLE flowcomm_anon' \
		-c "SELECT api.unsubscribe('$1') ->> 'created'" 2>&1 | sed 's/^psql:[^E]*ERROR:  /ERROR:  /'
}
is "$(anon_unsubscribe "$TOKEN")" "true" "POST of the one-click link as flowcomm_anon: unsubscribed"
is "$(anon_unsubscribe "$TOKEN")" "false" "a second POST changes nothing (created false)"
is "$(q "SELECT count(*) FROM flowcomm.unsubscribe WHERE business_id = '$BID' AND contact = 'ana@example.test' AND type = 'invoice_reminder' AND lifted_at IS NULL") $(q "SELECT count(*) FROM flowcomm.communication_event WHERE communication_id = '$REM' AND event = 'unsubscribed'")" \
	"1 1" "one opt-out and one history event"
# one character of the MAC changed (not the last: its low bits are padding)
FORGED=$(python3 -c "t = '$TOKEN'; i = len(t) - 6; print(t[:i] + ('B' if t[i] == 'A' else 'A') + t[i + 1:])")
like "$(anon_unsubscribe "$FORGED")" "ERROR:  unsubscribe token is not genuine" "a forged link is refused"
like "$(api_send invoice_reminder ana@example.test)" \
	"ERROR:  cannot send to ana@example.test: ana@example.test unsubscribed from invoice_reminder on email (one_click)" \
	"the next reminder to the address is refused"
INV2=$(api_send invoice ana@example.test)
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE id = '$INV2'" 15
ok $? "an invoice to the address still goes out"

# Sendgrid events about messages the worker really sent.
ADDRS="gus grp spam hard soft drop_unsub drop_hdr"
for a in $ADDRS; do
	t=general_notification
	[ "$a" = grp ] && t=invoice_reminder
	eval "ID_$a=\$(api_send $t $a@example.test)"
done
wait_for "SELECT count(*) = 7 FROM flowcomm.communication WHERE business_id = '$BID' AND recipient_contact LIKE '%@example.test'
          AND recipient_contact <> 'ana@example.test' AND status = 'sent'" 15
ok $? "the worker sent seven more emails"
xid() { q "SELECT provider_message_id FROM flowcomm.communication WHERE id = '$1'"; }
NOW=$(date +%s)
ev() { printf '{"email":"%s@example.test","timestamp":%s,"event":"%s","sg_event_id":"t62-%s","sg_message_id":"%s.filter0001.16648.5515E0B88.0"%s}' \
	"$1" "$NOW" "$2" "$1" "$(xid "$3")" "$4"; }
{
	printf '['
	ev gus unsubscribe "$ID_gus" ''
	printf ','
	ev grp group_unsubscribe "$ID_grp" ',"asm_group_id":7'
	printf ','
	ev spam spamreport "$ID_spam" ''
	printf ','
	ev hard bounce "$ID_hard" ',"type":"bounce","status":"5.1.1","reason":"550 5.1.1 user unknown","bounce_classification":"Invalid Address"'
	printf ','
	ev soft bounce "$ID_soft" ',"type":"blocked","status":"4.7.1","reason":"421 try later","bounce_classification":"Reputation"'
	printf ','
	ev drop_unsub dropped "$ID_drop_unsub" ',"reason":"Unsubscribed Address"'
	printf ','
	ev drop_hdr dropped "$ID_drop_hdr" ',"reason":"Invalid SMTPAPI header"'
	printf ']'
} >"$WORK/ev.json"
SGSIG=$(printf '%s%s' "$NOW" "$(cat "$WORK/ev.json")" | openssl dgst -sha256 -sign "$WORK/sg.pem" | base64 -w0)
RES=$(fc_psql -d flowcomm_t -At -v p="$(cat "$WORK/ev.json")" -v s="$SGSIG" -v t="$NOW" 2>&1 <<'SQL'
SELECT flowcomm.webhook_sendgrid(:'p', :'s', :'t') ->> 'applied';
SQL
)
is "$RES" "7" "the signed batch of seven events applied"
is "$(q "SELECT string_agg(split_part(contact, '@', 1) || ':' || reason, ' ' ORDER BY contact) FROM flowcomm.suppression
         WHERE business_id = '$BID' AND lifted_at IS NULL")" \
	"drop_unsub:unsubscribe gus:unsubscribe hard:bounce spam:spamreport" \
	"suppressions: global unsubscribe, spam report, hard bounce, drop for an unsubscribed address (not the block, not the header drop)"
is "$(q "SELECT string_agg(split_part(contact, '@', 1) || ':' || type || ':' || source, ' ') FROM flowcomm.unsubscribe
         WHERE business_id = '$BID' AND lifted_at IS NULL AND contact <> 'ana@example.test'")" \
	"grp:invoice_reminder:sendgrid" "group_unsubscribe: an opt-out of that message's type only"
is "$(q "SELECT status || '/' || error_code FROM flowcomm.communication WHERE id = '$ID_hard'") $(q "SELECT status FROM flowcomm.communication WHERE id = '$ID_soft'")" \
	"bounced/5.1.1 bounced" "both bounces mark their message bounced"
for a in gus spam hard drop_unsub; do
	like "$(api_send invoice $a@example.test)" "is suppressed for email" "a later email to $a@example.test is refused"
done
like "$(api_send invoice_reminder grp@example.test)" "unsubscribed from invoice_reminder on email (sendgrid)" \
	"a later reminder to the group-unsubscribed address is refused"
for a in grp soft drop_hdr; do
	r=$(api_send invoice $a@example.test)
	case "$r" in *ERROR*) n=1; diag "$r" ;; *) n=0 ;; esac
	ok $n "an invoice to $a@example.test is still accepted"
done

# group_resubscribe undoes the group unsubscribe (and only that).
NOW=$(date +%s)
ev grp group_resubscribe "$ID_grp" ',"asm_group_id":7' | sed 's/"t62-grp"/"t62-grp-re"/; s/^/[/; s/$/]/' >"$WORK/ev2.json"
SGSIG=$(printf '%s%s' "$NOW" "$(cat "$WORK/ev2.json")" | openssl dgst -sha256 -sign "$WORK/sg.pem" | base64 -w0)
RES=$(fc_psql -d flowcomm_t -At -v p="$(cat "$WORK/ev2.json")" -v s="$SGSIG" -v t="$NOW" 2>&1 <<'SQL'
SELECT flowcomm.webhook_sendgrid(:'p', :'s', :'t') ->> 'applied';
SQL
)
is "$RES" "1" "a signed group_resubscribe applied"
r=$(api_send invoice_reminder grp@example.test)
case "$r" in *ERROR*) n=1; diag "$r" ;; *) n=0 ;; esac
ok $n "after group_resubscribe, reminders to grp@example.test are accepted again"

reset_guc flowcomm.unsubscribe_base_url
reset_guc flowcomm.sendgrid_webhook_public_key
done_testing
