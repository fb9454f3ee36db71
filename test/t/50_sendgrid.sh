#!/bin/sh
# 50_sendgrid.sh — Sendgrid Signed Event Webhook end to end: a P-256 key
# pair made with the openssl CLI, events signed with `openssl dgst -sha256
# -sign` over timestamp + payload exactly as Sendgrid does, the public key
# installed with ALTER SYSTEM.  Runs against the suite's cluster
# (run_tests.sh exports FC_*) in database flowcomm_t.
set -u
FC_REPO=${FC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$FC_REPO/test/cluster.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
n=0
fails=0

q()
{
	fc_psql -d flowcomm_t -At -c "$1" 2>&1
}

# q_err SQL: the error message line only (terse), or the result.
q_err()
{
	fc_psql -d flowcomm_t -At -v VERBOSITY=terse -c "\\set VERBOSITY terse" -c "$1" 2>&1 | sed 's/^psql:[^E]*ERROR:  /ERROR:  /'
}

is()
{
	# is GOT EXPECTED NAME
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - $3"
	else
		echo "not ok $n - $3"
		echo "#   got:      $1"
		echo "#   expected: $2"
		fails=$((fails + 1))
	fi
}

like()
{
	n=$((n + 1))
	case "$1" in
		*"$2"*) echo "ok $n - $3" ;;
		*)
			echo "not ok $n - $3"
			echo "#   got:      $1"
			echo "#   expected to contain: $2"
			fails=$((fails + 1))
			;;
	esac
}

sign()
{
	# sign TIMESTAMP PAYLOAD_FILE: base64 DER ECDSA signature of ts + payload
	# (the payload as post sends it: the file without its final newline)
	printf '%s%s' "$1" "$(cat "$2")" | openssl dgst -sha256 -sign "$WORK/key.pem" | base64 -w0
}

# post TIMESTAMP PAYLOAD_FILE [SIGNATURE]: call flowcomm.webhook_sendgrid
post()
{
	sig=${3-$(sign "$1" "$2")}
	fc_psql -d flowcomm_t -At -v ts="$1" -v sig="$sig" -v body="$(cat "$2")" 2>&1 <<'SQL' | sed 's/^psql:[^E]*ERROR:  /ERROR:  /'
\set VERBOSITY terse
SELECT flowcomm.webhook_sendgrid(:'body', :'sig', :'ts');
SQL
}

echo "1..28"

openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/key.pem" 2>/dev/null
PUB=$(openssl ec -in "$WORK/key.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/other.pem" 2>/dev/null

q "ALTER SYSTEM SET flowcomm.sendgrid_webhook_public_key = '$PUB'" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
i=0
until [ "$(q 'SHOW flowcomm.sendgrid_webhook_public_key')" = "$PUB" ] || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(q 'SHOW flowcomm.sendgrid_webhook_public_key')" "$PUB" "public key installed with ALTER SYSTEM"
like "$(q_err "ALTER SYSTEM SET flowcomm.sendgrid_webhook_public_key = 'bm90IGEga2V5'")" \
	'invalid value for parameter "flowcomm.sendgrid_webhook_public_key"' "a value that is not a P-256 key is refused"

B=b5700000-0000-0000-0000-00000000000a
q "INSERT INTO flowcomm.communication (business_id, id, created_by, recipient_type, recipient_contact, channel, type,
	subject, content, status, provider, provider_message_id, sent_at)
VALUES ('$B', 'c5700000-0000-7000-8000-000000000001', 't', 'customer', 'ana@example.com', 'email', 'invoice', 's', 'c',
		'sent', 'sendgrid', '14c5d75ce93', '2026-03-01 09:00:00+00'),
	   ('$B', 'c5700000-0000-7000-8000-000000000002', 't', 'customer', 'bob@example.com', 'email', 'invoice', 's', 'c',
		'sent', 'sendgrid', NULL, '2026-03-01 09:00:00+00'),
	   ('$B', 'c5700000-0000-7000-8000-000000000003', 't', 'customer', 'cy@example.com', 'email', 'invoice', 's', 'c',
		'sent', 'sendgrid', 'DRP0000001', '2026-03-01 09:00:00+00'),
	   ('$B', 'c5700000-0000-7000-8000-000000000004', 't', 'customer', 'dee@example.com', 'email', 'invoice', 's', 'c',
		'sent', 'sendgrid', 'SPM0000001', '2026-03-01 09:00:00+00')" >/dev/null

NOW=$(date +%s)
# delivered and opened (sg_message_id with its filter suffix), a processed
# event, one for an unknown message, and an open matched by custom args.
cat >"$WORK/batch1.json" <<JSON
[{"email":"ana@example.com","timestamp":1772355700,"event":"processed","sg_event_id":"ev-p1","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"},
 {"email":"ana@example.com","timestamp":1772355730,"event":"delivered","sg_event_id":"ev-d1","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","response":"250 OK"},
 {"email":"ana@example.com","timestamp":1772359200,"event":"open","sg_event_id":"ev-o1","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","useragent":"Mozilla"},
 {"email":"nobody@example.com","timestamp":1772359200,"event":"delivered","sg_event_id":"ev-x1","sg_message_id":"unknownid.filter0001"},
 {"email":"bob@example.com","timestamp":1772359300,"event":"open","sg_event_id":"ev-o2","communication_id":"c5700000-0000-7000-8000-000000000002","business_id":"$B"},
 "not an event"]
JSON
is "$(post "$NOW" "$WORK/batch1.json")" \
	'{"applied": 4, "invalid": 1, "received": 6, "unmatched": 1, "duplicates": 0}' "signed batch applied"
is "$(q "SELECT status || ' ' || to_char(delivered_at, 'HH24:MI:SS') || ' ' || to_char(opened_at, 'HH24:MI:SS') FROM flowcomm.communication WHERE business_id = '$B' AND provider_message_id = '14c5d75ce93'")" \
	"opened 09:02:10 10:00:00" "sg_message_id filter suffix stripped; timestamps from the events"
is "$(q "SELECT status || ' ' || to_char(opened_at, 'HH24:MI:SS') FROM flowcomm.communication WHERE business_id = '$B' AND id = 'c5700000-0000-7000-8000-000000000002'")" \
	"opened 10:01:40" "communication_id and business_id custom args matched"
is "$(q "SELECT string_agg(event || '/' || coalesce(status::text, '-') || '/' || source || '/' || dedupe_key, ' ' ORDER BY occurred_at) FROM flowcomm.communication_event WHERE business_id = '$B' AND communication_id = 'c5700000-0000-7000-8000-000000000001'")" \
	"processed/-/sendgrid/sg:ev-p1 delivered/delivered/sendgrid/sg:ev-d1 open/opened/sendgrid/sg:ev-o1" "every event recorded with its Sendgrid id"

is "$(post "$NOW" "$WORK/batch1.json")" \
	'{"applied": 0, "invalid": 1, "received": 6, "unmatched": 1, "duplicates": 4}' "replayed batch is idempotent"

# A late delivered and a second open do not move the status back or the first open time.
cat >"$WORK/batch2.json" <<JSON
[{"email":"ana@example.com","timestamp":1772362800,"event":"open","sg_event_id":"ev-o3","sg_message_id":"14c5d75ce93.filter0002"},
 {"email":"ana@example.com","timestamp":1772355731,"event":"delivered","sg_event_id":"ev-d2","sg_message_id":"14c5d75ce93.filter0002"},
 {"email":"ana@example.com","timestamp":1772362900,"event":"click","sg_event_id":"ev-c1","sg_message_id":"14c5d75ce93.filter0002","url":"https://pay.flowpos.example/p/x"}]
JSON
is "$(post "$NOW" "$WORK/batch2.json")" \
	'{"applied": 3, "invalid": 0, "received": 3, "unmatched": 0, "duplicates": 0}' "out-of-order batch applied"
is "$(q "SELECT status || ' ' || to_char(delivered_at, 'HH24:MI:SS') || ' ' || to_char(opened_at, 'HH24:MI:SS') || ' ' || to_char(clicked_at, 'HH24:MI:SS') FROM flowcomm.communication WHERE business_id = '$B' AND provider_message_id = '14c5d75ce93'")" \
	"clicked 09:02:10 10:00:00 11:01:40" "forward only; first occurrence of each timestamp kept"

# Bounce, dropped, spam report, unsubscribe: status and suppressions.
cat >"$WORK/batch3.json" <<JSON
[{"email":"Bob@Example.com","timestamp":1772370000,"event":"bounce","sg_event_id":"ev-b1","communication_id":"c5700000-0000-7000-8000-000000000002","business_id":"$B","status":"5.1.1","reason":"550 5.1.1 user unknown","type":"bounce"},
 {"email":"cy@example.com","timestamp":1772370000,"event":"dropped","sg_event_id":"ev-dr1","sg_message_id":"DRP0000001.filter","reason":"Bounced Address"},
 {"email":"dee@example.com","timestamp":1772370000,"event":"delivered","sg_event_id":"ev-d3","sg_message_id":"SPM0000001.filter"},
 {"email":"dee@example.com","timestamp":1772370100,"event":"spamreport","sg_event_id":"ev-s1","sg_message_id":"SPM0000001.filter"},
 {"email":"dee@example.com","timestamp":1772370200,"event":"group_unsubscribe","sg_event_id":"ev-u1","sg_message_id":"SPM0000001.filter","asm_group_id":42}]
JSON
is "$(post "$NOW" "$WORK/batch3.json")" \
	'{"applied": 5, "invalid": 0, "received": 5, "unmatched": 0, "duplicates": 0}' "failure batch applied"
is "$(q "SELECT string_agg(recipient_contact || '=' || status || coalesce('/' || error_code || '/' || error_message, ''), ' ' ORDER BY id) FROM flowcomm.communication WHERE business_id = '$B'")" \
	"ana@example.com=clicked bob@example.com=opened cy@example.com=failed/dropped/Bounced Address dee@example.com=delivered" \
	"bounce after open keeps opened; dropped fails; spam report keeps delivered"
is "$(q "SELECT string_agg(contact || ':' || reason, ' ' ORDER BY contact) FROM flowcomm.suppression WHERE business_id = '$B' AND channel = 'email' AND lifted_at IS NULL")" \
	"bob@example.com:bounce cy@example.com:bounce dee@example.com:spamreport" "bounce, drop (of a Bounced Address: a bounce) and spam report suppress email (one active row per address)"
is "$(q "SELECT flowcomm.delivery_block('$B', 'customer', NULL, 'email', 'BOB@example.com')")" \
	"BOB@example.com is suppressed for email (bounce)" "a bounced address cannot be sent to"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$B' AND event = 'group_unsubscribe'")" \
	"1" "unsubscribe recorded as an event"

# Rejections.
cp "$WORK/batch1.json" "$WORK/tampered.json"
sed -i 's/"event":"open","sg_event_id":"ev-o2"/"event":"click","sg_event_id":"ev-o2"/' "$WORK/tampered.json"
SIG1=$(sign "$NOW" "$WORK/batch1.json")
is "$(post "$NOW" "$WORK/tampered.json" "$SIG1")" \
	"ERROR:  sendgrid webhook signature does not verify" "tampered payload rejected"
is "$(post "$((NOW + 1))" "$WORK/batch1.json" "$SIG1")" \
	"ERROR:  sendgrid webhook signature does not verify" "signature bound to its timestamp"
OLD=$((NOW - 301))
is "$(post "$OLD" "$WORK/batch1.json")" "ERROR:  stale sendgrid webhook timestamp" "timestamp older than webhook_max_age rejected"
is "$(post "$((NOW + 3600))" "$WORK/batch1.json")" "ERROR:  sendgrid webhook timestamp is in the future" "future timestamp rejected"
is "$(post "$NOW" "$WORK/batch1.json" "")" "ERROR:  sendgrid webhook signature is missing" "missing signature rejected"
is "$(post "$NOW" "$WORK/batch1.json" 'not*base64!')" "ERROR:  invalid sendgrid webhook signature" "malformed signature is bad input"
is "$(post "yesterday" "$WORK/batch1.json" "$SIG1")" "ERROR:  invalid sendgrid webhook timestamp" "malformed timestamp is bad input"
OTHER=$(printf '%s%s' "$NOW" "$(cat "$WORK/batch1.json")" | openssl dgst -sha256 -sign "$WORK/other.pem" | base64 -w0)
is "$(post "$NOW" "$WORK/batch1.json" "$OTHER")" "ERROR:  sendgrid webhook signature does not verify" "signature by another key rejected"
is "$(fc_psql -d flowcomm_t -At -c '\set VERBOSITY sqlstate' -c "SELECT flowcomm.webhook_sendgrid('[]', '$OTHER', '$NOW')" 2>&1 | sed 's/^psql:[^E]*ERROR:  /ERROR:  /')" \
	"ERROR:  42501" "forgery is SQLSTATE 42501 (PostgREST 403)"
printf '{"event":"delivered"}' >"$WORK/object.json"
is "$(post "$NOW" "$WORK/object.json")" "ERROR:  invalid payload: must be a JSON array of events, not object" "signed non-array payload is bad input"
is "$(q "SET flowcomm.webhook_max_age = 60; SELECT 1" | tail -1)" "1" "webhook_max_age settable by a superuser"

# PostgREST convention: anonymous role, raw body as the single json
# argument, signature headers in request.headers.
cat >"$WORK/batch4.json" <<JSON
[ {"email":"ana@example.com", "timestamp":1772380000, "event":"deferred", "sg_event_id":"ev-df1", "sg_message_id":"14c5d75ce93.x", "response":"421 try later"} ]
JSON
SIG4=$(sign "$NOW" "$WORK/batch4.json")
RES=$(fc_psql -d flowcomm_t -At -v ts="$NOW" -v sig="$SIG4" -v body="$(cat "$WORK/batch4.json")" 2>&1 <<'SQL'
\set VERBOSITY terse
BEGIN;
SET LOCAL ROLE flowcomm_anon;
SELECT set_config('request.headers', json_build_object('x-twilio-email-event-webhook-signature', :'sig',
		'x-twilio-email-event-webhook-timestamp', :'ts')::text, true) IS NOT NULL;
SELECT api.webhook_sendgrid(:'body'::json);
COMMIT;
SQL
)
like "$RES" '{"applied": 1, "invalid": 0, "received": 1, "unmatched": 0, "duplicates": 0}' "api.webhook_sendgrid through the anonymous role"
RES=$(fc_psql -d flowcomm_t -At -v body="$(cat "$WORK/batch4.json")" 2>&1 <<'SQL' | sed 's/^psql:[^E]*ERROR:  /ERROR:  /'
\set VERBOSITY terse
SET ROLE flowcomm_anon;
SELECT api.webhook_sendgrid(:'body'::json);
SQL
)
is "$RES" "ERROR:  sendgrid webhook signature is missing" "api.webhook_sendgrid without headers rejected"

q "ALTER SYSTEM RESET flowcomm.sendgrid_webhook_public_key" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
i=0
until [ -z "$(q 'SHOW flowcomm.sendgrid_webhook_public_key')" ] || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(post "$NOW" "$WORK/batch1.json")" "ERROR:  sendgrid webhook public key is not configured" "no key configured: every post refused"
[ "$fails" -eq 0 ]
