#!/bin/sh
# test/simulator/smoke.sh — smoke test of flowcomm-sim with curl.
#
# Starts the simulator on a free loopback port, checks the Sendgrid and Twilio
# answers, fault scripts, recording and reset, prints "N passed, N failed" and
# exits non-zero on any failure.  The simulator is stopped on exit in all cases.
#
#   sh test/simulator/smoke.sh
#   SIM_WRAPPER="valgrind --error-exitcode=1 -q" sh test/simulator/smoke.sh
#
# With SIM_WRAPPER set, the wrapper's exit status (e.g. valgrind errors) is
# checked too.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SIM=${SIM:-$HERE/flowcomm-sim}
SIM_WRAPPER=${SIM_WRAPPER:-}
[ -x "$SIM" ] || make -s -C "$HERE" >/dev/null || { echo "build failed"; exit 1; }

TMP=$(mktemp -d)
PID=
PASS=0
FAIL=0

stop_sim() {
	rc=0
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID"
		rc=$?
		PID=
	fi
	return $rc
}
cleanup() {
	stop_sim
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; [ $# -gt 1 ] && echo "       $2"; }

# check NAME COMMAND...: passes when COMMAND succeeds
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "status=$(cat "$TMP/status" 2>/dev/null) body=$(head -c 400 "$TMP/body" 2>/dev/null)"; fi
}
has() { grep -q -- "$1" "$TMP/body"; }
hdr() { grep -qi -- "$1" "$TMP/hdr"; }
status_is() { [ "$(cat "$TMP/status")" = "$1" ]; }

# req ARGS...: curl to $B, stores status/headers/body; curl's exit code in $TMP/curlrc
req() {
	curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' --max-time 20 "$@" > "$TMP/status"
	echo $? > "$TMP/curlrc"
}

# ---- refuses non-loopback addresses ----
if "$SIM" --bind 0.0.0.0 --quiet >/dev/null 2>&1; then
	not_ok "refuses --bind 0.0.0.0"
else
	ok "refuses --bind 0.0.0.0"
fi

# ---- start ----
$SIM_WRAPPER "$SIM" --port 0 --port-file "$TMP/port" --quiet >"$TMP/out" 2>"$TMP/err" &
PID=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$TMP/port" ]; then
	echo "simulator did not start"; cat "$TMP/err"; exit 1
fi
PORT=$(cat "$TMP/port")
B=http://127.0.0.1:$PORT
check "startup line on stdout" grep -q "flowcomm-sim listening on 127.0.0.1:$PORT" "$TMP/out"

req "$B/_sim/health"
check "health" sh -c "[ \"\$(cat $TMP/status)\" = 200 ] && grep -qx ok $TMP/body"

# ---- Sendgrid ----
SG_OK='{"personalizations":[{"to":[{"email":"alice@example.com","name":"Alice"}]}],"from":{"email":"noreply@example.com"},"subject":"Hello","content":[{"type":"text/plain","value":"Hi"},{"type":"text/html","value":"<p>Hi</p>"}],"custom_args":{"flowcomm_id":"42"}}'
sg() { req -X POST "$B/v3/mail/send" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data-binary "$2"; }

sg SG.test-key "$SG_OK"
check "sendgrid 202" status_is 202
check "sendgrid X-Message-Id (22 chars)" sh -c "tr -d '\\r' < $TMP/hdr | grep -Eqi '^X-Message-Id: [0-9A-Za-z]{22}\$'"
SG_ID=$(grep -i '^X-Message-Id:' "$TMP/hdr" | tr -d '\r' | awk '{print $2}')
check "sendgrid empty body" test ! -s "$TMP/body"

sg SG.test-key "$SG_OK"
SG_ID2=$(grep -i '^X-Message-Id:' "$TMP/hdr" | tr -d '\r' | awk '{print $2}')
check "sendgrid ids unique" test "$SG_ID" != "$SG_ID2"

sg bad-key "$SG_OK"
check "sendgrid 401 bad key" sh -c "[ \"\$(cat $TMP/status)\" = 401 ] && grep -q 'The provided authorization grant is invalid, expired, or revoked' $TMP/body"

req -X POST "$B/v3/mail/send" -H 'Content-Type: application/json' --data-binary "$SG_OK"
check "sendgrid 401 no Authorization" status_is 401

sg SG.test-key '{"from":{"email":"noreply@example.com"},"subject":"x","content":[{"type":"text/plain","value":"x"}]}'
check "sendgrid 400 missing personalizations" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"field\":\"personalizations\"' $TMP/body && grep -q 'errors.html#message.personalizations' $TMP/body"

sg SG.test-key '{"personalizations":[{"to":[{"email":"not-an-address"}]}],"from":{"email":"noreply@example.com"},"subject":"x","content":[{"type":"text/plain","value":"x"}]}'
check "sendgrid 400 invalid to email field" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"field\":\"personalizations.0.to.0.email\"' $TMP/body"

sg SG.test-key '{"personalizations":[{"to":[{"email":"a@example.com"}]}],"from":{"email":"noreply@example.com"},"subject":"x","content":[{"type":"text/html","value":"x"},{"type":"text/plain","value":"x"}],"attachments":[{"content":"@@@"}]}'
check "sendgrid 400 content order + attachments" sh -c "grep -q '\"field\":\"content\"' $TMP/body && grep -q '\"field\":\"attachments.0.content\"' $TMP/body && grep -q '\"field\":\"attachments.0.filename\"' $TMP/body"

sg SG.test-key '{"personalizations":[{"to":[{"email":"a@example.com"}]}],"from":{"email":"noreply@example.com"},"template_id":"d-123"}'
check "sendgrid template_id makes subject/content optional" status_is 202

sg SG.test-key '{"personalizations":'
check "sendgrid 400 bad JSON" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q 'Bad Request' $TMP/body"

# ---- Twilio ----
AC=AC0123456789abcdef0123456789abcdef
TW="$B/2010-04-01/Accounts/$AC/Messages.json"
tw() { req -u "$AC:secret" "$TW" "$@"; }

tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=Hello from flowcomm' \
	--data-urlencode 'StatusCallback=https://example.com/cb'
check "twilio 201" status_is 201
check "twilio JSON content type" hdr '^Content-Type: application/json'
check "twilio sid SM+32 hex" grep -Eq '"sid":"SM[0-9a-f]{32}"' "$TMP/body"
check "twilio resource fields" sh -c "grep -q '\"account_sid\":\"$AC\"' $TMP/body && grep -q '\"status\":\"queued\"' $TMP/body && grep -q '\"to\":\"+14155552345\"' $TMP/body && grep -q '\"from\":\"+14155550000\"' $TMP/body && grep -q '\"direction\":\"outbound-api\"' $TMP/body && grep -q '\"num_segments\":\"1\"' $TMP/body && grep -q '\"api_version\":\"2010-04-01\"' $TMP/body && grep -q '\"price\":null' $TMP/body && grep -q '\"uri\":\"/2010-04-01/Accounts/$AC/Messages/SM' $TMP/body"
TW_SID=$(grep -Eo '"sid":"SM[0-9a-f]{32}"' "$TMP/body" | cut -d'"' -f4)

req -u "$AC:secret" "$B/2010-04-01/Accounts/$AC/Messages/$TW_SID.json"
check "twilio fetch message" sh -c "[ \"\$(cat $TMP/status)\" = 200 ] && grep -q '\"sid\":\"$TW_SID\"' $TMP/body && grep -q '\"body\":\"Hello from flowcomm\"' $TMP/body"
req -u "$AC:secret" "$B/2010-04-01/Accounts/$AC/Messages/SM00000000000000000000000000000000.json"
check "twilio fetch unknown 404/20404" sh -c "[ \"\$(cat $TMP/status)\" = 404 ] && grep -q '\"code\":20404' $TMP/body"

tw --data-urlencode 'To=12345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "twilio 21211 invalid To" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"code\":21211' $TMP/body && grep -q 'https://www.twilio.com/docs/errors/21211' $TMP/body"

tw -d 'To=+14155552345&From=%2B14155550000&Body=x'
check "twilio bare + decodes to space -> 21211" sh -c "grep -q '\"code\":21211' $TMP/body"

tw --data-urlencode 'To=+15005550004' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "twilio 21610 magic number" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"code\":21610' $TMP/body && grep -q 'Attempt to send to unsubscribed recipient' $TMP/body"

tw --data-urlencode 'To=+15005550009' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "twilio 21614 magic number" grep -q '"code":21614' "$TMP/body"

tw --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "twilio 21604 To missing" grep -q '"code":21604' "$TMP/body"
tw --data-urlencode 'To=+14155552345' --data-urlencode 'Body=x'
check "twilio 21603 From missing" grep -q '"code":21603' "$TMP/body"
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000'
check "twilio 21602 Body missing" grep -q '"code":21602' "$TMP/body"

req -u "$AC:wrong-token" "$TW" --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "twilio 20003 bad auth" sh -c "[ \"\$(cat $TMP/status)\" = 401 ] && grep -q '\"code\":20003' $TMP/body && grep -q '\"status\":401' $TMP/body"
req -u "AC11111111111111111111111111111111:secret" "$TW" --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "twilio 20003 SID differs from path" status_is 401

# WhatsApp/Messenger free-form only within 24 h of the customer's last message (sim_content.c).
tw --data-urlencode 'To=whatsapp:+14155552345' --data-urlencode 'From=whatsapp:+14155550000' --data-urlencode 'Body=hi'
check "twilio 63016 whatsapp Body outside the window" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"code\":63016' $TMP/body"
req -X POST -H 'Content-Type: application/json' -d '{"from":"whatsapp:+14155552345","to":"whatsapp:+14155550000"}' "$B/_sim/inbound"
check "inbound hook opens a window" grep -q '"windowOpen":true' "$TMP/body"
req -X POST -H 'Content-Type: application/json' -d '{"from":"messenger:1234567890","to":"messenger:9876543210"}' "$B/_sim/inbound"
req -X POST -H 'Content-Type: application/json' -d '{"sid":"HX0123456789abcdef0123456789abcdef","variables":["1","2"],"status":"pending"}' "$B/_sim/content"
req -u "$AC:secret" "$B/v1/Content/HX0123456789abcdef0123456789abcdef/ApprovalRequests"
check "content approval fetch" sh -c "[ \"\$(cat $TMP/status)\" = 200 ] && grep -q '\"status\":\"pending\"' $TMP/body && grep -q '\"account_sid\":\"$AC\"' $TMP/body"
req -u "$AC:secret" "$B/v1/Content/HX0123456789abcdef0123456789abcde0/ApprovalRequests"
check "content approval fetch of an unknown sid 404" sh -c "[ \"\$(cat $TMP/status)\" = 404 ] && grep -q '\"code\":20404' $TMP/body"
tw --data-urlencode 'To=whatsapp:+14155550777' --data-urlencode 'From=whatsapp:+14155550000' \
	--data-urlencode 'ContentSid=HX0123456789abcdef0123456789abcdef' --data-urlencode 'ContentVariables={"1":"Ana","2":"10"}'
check "unapproved template outside the window 63016" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"code\":63016' $TMP/body"
req -X POST -H 'Content-Type: application/json' -d '{"sid":"HX0123456789abcdef0123456789abcdef","status":"approved"}' "$B/_sim/content"
tw --data-urlencode 'To=whatsapp:+14155550777' --data-urlencode 'From=whatsapp:+14155550000' \
	--data-urlencode 'ContentSid=HX0123456789abcdef0123456789abcdef' --data-urlencode 'ContentVariables={"1":"Ana"}'
check "ContentVariables missing a placeholder 21656" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"code\":21656' $TMP/body"
tw --data-urlencode 'To=whatsapp:+14155550777' --data-urlencode 'From=whatsapp:+14155550000' \
	--data-urlencode 'ContentSid=HX0123456789abcdef0123456789abcdef' --data-urlencode 'ContentVariables={"1":"Ana","2":"10"}'
check "approved template outside the window accepted" status_is 201
tw --data-urlencode 'To=whatsapp:+14155552345' --data-urlencode 'From=whatsapp:+14155550000' --data-urlencode 'Body=hi'
check "twilio whatsapp accepted" sh -c "[ \"\$(cat $TMP/status)\" = 201 ] && grep -q '\"to\":\"whatsapp:+14155552345\"' $TMP/body"
tw --data-urlencode 'To=messenger:1234567890' --data-urlencode 'From=messenger:9876543210' --data-urlencode 'Body=hi'
check "twilio messenger accepted" sh -c "[ \"\$(cat $TMP/status)\" = 201 ] && grep -q '\"to\":\"messenger:1234567890\"' $TMP/body"
tw --data-urlencode 'To=whatsapp:+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=hi'
check "twilio channel mismatch 21910" grep -q '"code":21910' "$TMP/body"

tw --data-urlencode 'To=+14155552345' --data-urlencode 'MessagingServiceSid=MG0123456789abcdef0123456789abcdef' \
	--data-urlencode 'MediaUrl=https://example.com/a.png' --data-urlencode 'MediaUrl=https://example.com/b.png'
check "twilio MessagingServiceSid + 2 MediaUrl" sh -c "[ \"\$(cat $TMP/status)\" = 201 ] && grep -q '\"num_media\":\"2\"' $TMP/body && grep -q '\"from\":null' $TMP/body"

tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' \
	--data-urlencode "Body=$(printf '%0161d' 0)"
check "twilio GSM-7 161 chars = 2 segments" grep -q '"num_segments":"2"' "$TMP/body"
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' \
	--data-urlencode "Body=Привет, это сообщение длиннее семидесяти символов, чтобы проверить UCS-2 сегменты."
check "twilio UCS-2 > 70 chars = 2 segments" grep -q '"num_segments":"2"' "$TMP/body"
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' \
	--data-urlencode "Body=$(printf '%01601d' 0)"
check "twilio 21617 body over 1600" grep -q '"code":21617' "$TMP/body"

# ---- recording ----
req "$B/_sim/requests?since=0&limit=1000"
check "recording lists twilio sid" grep -q "\"response_id\":\"$TW_SID\"" "$TMP/body"
check "recording lists sendgrid id" grep -q "\"response_id\":\"$SG_ID\"" "$TMP/body"
check "recording fields" sh -c "grep -q '\"seq\":1,\"ts_us\":' $TMP/body && grep -q '\"provider\":\"sendgrid\"' $TMP/body && grep -q '\"authorization\":\"Bearer SG.test-key\"' $TMP/body && grep -q '\"content_type\":\"application/x-www-form-urlencoded\"' $TMP/body"
req "$B/_sim/requests?since=1&limit=1"
check "recording since/limit" sh -c "grep -q '^\[{\"seq\":2,' $TMP/body && ! grep -q '\"seq\":3' $TMP/body"

# ---- faults: scripted 503, 429 + Retry-After, then success ----
req -X POST "$B/_sim/faults" -d '{"route":"twilio","script":[{"status":503},{"status":429,"retry_after":1},{"status":201}]}'
check "faults accepted" status_is 200
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "script 1: 503 (20503)" sh -c "[ \"\$(cat $TMP/status)\" = 503 ] && grep -q '\"code\":20503' $TMP/body"
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "script 2: 429 Retry-After 1 (20429)" sh -c "[ \"\$(cat $TMP/status)\" = 429 ] && grep -qi '^Retry-After: 1' $TMP/hdr && grep -q '\"code\":20429' $TMP/body"
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "script 3: success" status_is 201

req -X POST "$B/_sim/faults" -d '{"route":"sendgrid","script":[{"status":429,"retry_after":7},{"drop":true}]}'
sg SG.test-key "$SG_OK"
check "sendgrid scripted 429 Retry-After 7" sh -c "[ \"\$(cat $TMP/status)\" = 429 ] && grep -qi '^Retry-After: 7' $TMP/hdr && grep -q '\"errors\"' $TMP/body"
sg SG.test-key "$SG_OK"
check "sendgrid scripted drop (empty reply)" sh -c "[ \"\$(cat $TMP/curlrc)\" = 52 ] || [ \"\$(cat $TMP/curlrc)\" = 56 ]"
sg SG.test-key "$SG_OK"
check "sendgrid after script: 202" status_is 202

req "$B/_sim/faults"
check "GET faults" sh -c "grep -q '\"twilio\":{' $TMP/body && grep -q '\"max_body_bytes\":31457280' $TMP/body"

req -X POST "$B/_sim/faults" -d '{"route":"sendgrid","max_body_bytes":100}'
sg SG.test-key "$SG_OK"
check "sendgrid 413 over max_body_bytes" status_is 413

req -X POST "$B/_sim/faults" -d '{"route":"*","delay_ms":300}'
t0=$(date +%s%N)
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
t1=$(date +%s%N)
check "delay_ms 300 delays the answer" sh -c "[ \"\$(cat $TMP/status)\" = 201 ] && [ $(( (t1 - t0) / 1000000 )) -ge 290 ]"

req -X POST "$B/_sim/faults" -d '{"route":"*","error_5xx_pct":100,"seed":7}'
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "error_5xx_pct 100" sh -c "s=\$(cat $TMP/status); [ \"\$s\" = 500 ] || [ \"\$s\" = 503 ]"

req -X POST "$B/_sim/faults" -d '{"route":"nowhere"}'
check "bad fault config 400" status_is 400

# ---- provider errors by code: script steps and per-recipient rules ----
req -X POST "$B/_sim/faults" -d '{"route":"twilio","script":[{"code":30007,"repeat":2}],"errors":[{"to":"+14155559999","code":21610,"count":1}]}'
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
tw --data-urlencode 'To=+14155552345' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "script code 30007 repeated twice" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"code\":30007,\"message\":\"Message filtered\",\"more_info\":\"https://www.twilio.com/docs/errors/30007\",\"status\":400' $TMP/body"
tw --data-urlencode 'To=whatsapp:+14155559999' --data-urlencode 'From=whatsapp:+14155550000' --data-urlencode 'Body=x'
check "recipient rule: 21610 for that number" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"code\":21610' $TMP/body"
tw --data-urlencode 'To=+14155559999' --data-urlencode 'From=+14155550000' --data-urlencode 'Body=x'
check "recipient rule used up: 201" status_is 201
req -X POST "$B/_sim/faults" -d '{"route":"sendgrid","errors":[{"to":"alice@example.com","status":400,"message":"Does not contain a valid address.","field":"personalizations.0.to.0.email"}]}'
sg SG.test-key "$SG_OK"
check "sendgrid recipient rule: errors[] with field" sh -c "[ \"\$(cat $TMP/status)\" = 400 ] && grep -q '\"field\":\"personalizations.0.to.0.email\"' $TMP/body"
req -X POST "$B/_sim/faults" -d '{"route":"*","errors":[{"to":"x","code":1}]}'
check "errors rule needs a route" status_is 400

# ---- stats and reset ----
req "$B/_sim/stats"
check "stats" sh -c "grep -q '\"total\":' $TMP/body && grep -q '\"by_status\":{' $TMP/body && grep -q '\"dropped\":1' $TMP/body && grep -q '\"in_flight\":0' $TMP/body"
req -X POST "$B/_sim/reset"
check "reset 200" status_is 200
req "$B/_sim/stats"
check "reset clears counters" grep -q '"total":0,' "$TMP/body"
req "$B/_sim/requests"
check "reset clears recordings" grep -qx '\[\]' "$TMP/body"
req "$B/_sim/faults"
check "reset clears faults" grep -q '"active":false' "$TMP/body"
sg SG.test-key "$SG_OK"
check "works after reset" status_is 202

# ---- stop ----
if stop_sim; then ok "clean exit on SIGTERM"; else not_ok "clean exit on SIGTERM" "$(tail -20 "$TMP/err")"; fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
