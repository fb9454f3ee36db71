#!/bin/sh
# 11_delivery_retry.sh — error classes: 5xx answers are
# retried on flowcomm.retry_schedule; 21211/21610/401 fail at once (21610
# also suppresses the number, 401 leaks no secret); retries end in the dead
# letter queue, which an admin can requeue; 429 waits for Retry-After.
. "$FC_REPO/test/t/delivery.inc"
plan 27

BID=$(new_uuid)
own_accounts "$BID"
set_guc flowcomm.retry_schedule '1,1,1'
sim_post /_sim/reset '{}' >/dev/null

# --- 503, 502, then success ---------------
SEQ=$(sim_seq)
sim_post /_sim/faults '{"route":"twilio","script":[{"status":503},{"status":502}]}' >/dev/null
A=$(send_msg "$BID" sms +15551110001 "retry me")
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$A'" 15
ok $? "503 then 502 then success: sent"
is "$(q "SELECT attempts || ' ' || status FROM flowcomm.communication_queue WHERE business_id = '$BID' AND communication_id = '$A'")" "3 completed" "three attempts, job completed"
is "$(q "SELECT string_agg(event || ':' || attempt || ':' || coalesce(payload->>'error_code', '-'), ' ' ORDER BY occurred_at, id)
         FROM flowcomm.communication_event WHERE business_id = '$BID' AND communication_id = '$A' AND source = 'worker'")" \
	"retry_scheduled:1:20503 retry_scheduled:2:20500 sent:3:-" "events: retry (503), retry (502), sent"
is "$(q "SELECT retry_count || ' ' || (error_code IS NULL) FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$A'")" "2 true" "retry_count 2, error cleared"
GAP=$(sim_py "$SEQ" "
t = sorted(r['ts_us'] for r in R if r['provider'] == 'twilio')
print(len(t), 'ok' if min(b - a for a, b in zip(t, t[1:])) >= 700000 else 'too-fast')")
is "$GAP" "3 ok" "three requests, retries waited for the (jittered) 1 s backoff"

# --- permanent errors -------------------------------------------------------
SEQ=$(sim_seq)
B=$(send_msg "$BID" sms +15005550001 "bad number")
C=$(send_msg "$BID" sms +15005550004 "unsubscribed")
wait_for "SELECT count(*) = 2 FROM flowcomm.communication WHERE business_id = '$BID' AND id IN ('$B', '$C') AND status = 'failed'" 10
ok $? "21211 and 21610 fail"
is "$(q "SELECT error_code FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$B'")" 21211 "invalid number: error 21211"
is "$(q "SELECT q.status || ' ' || q.attempts || ' ' || (c.failed_at IS NOT NULL) FROM flowcomm.communication_queue q JOIN flowcomm.communication c ON c.business_id = q.business_id AND c.id = q.communication_id WHERE q.business_id = '$BID' AND q.communication_id = '$B'")" \
	"failed 1 true" "no retry of a permanent error; failed_at set"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$BID' AND communication_id IN ('$B', '$C') AND event = 'failed_permanent' AND status = 'failed'")" 2 "failed_permanent events"
is "$(q "SELECT reason || ' ' || channel FROM flowcomm.suppression WHERE business_id = '$BID' AND contact = '+15005550004' AND lifted_at IS NULL")" \
	"provider_unsubscribed sms" "21610 adds a provider_unsubscribed suppression"
is "$(sim_py "$SEQ" "print(len([r for r in R if r['provider'] == 'twilio']))")" 2 "one request each"

# --- bad credentials: permanent, and the token never leaks -------------------
BID2=$(new_uuid)
own_accounts "$BID2" 1000 1000 wrong-token
D=$(send_msg "$BID2" sms +15551110002 "bad creds")
wait_for "SELECT status = 'failed' FROM flowcomm.communication WHERE business_id = '$BID2' AND id = '$D'" 10
ok $? "401 fails permanently"
is "$(q "SELECT error_code FROM flowcomm.communication WHERE business_id = '$BID2' AND id = '$D'")" 20003 "error 20003 recorded"
is "$(q "SELECT count(*) FROM (SELECT error_message t FROM flowcomm.communication WHERE business_id = '$BID2'
        UNION ALL SELECT last_error FROM flowcomm.communication_queue WHERE business_id = '$BID2'
        UNION ALL SELECT detail FROM flowcomm.communication_event WHERE business_id = '$BID2'
        UNION ALL SELECT last_error FROM flowcomm.worker_status()) x WHERE t LIKE '%wrong-token%'")" 0 "auth token masked everywhere"

# --- dead letter after max_attempts, then requeue ---------------------------
sim_post /_sim/faults '{"route":"twilio","script":[{"status":500},{"status":502},{"status":503}]}' >/dev/null
E=$(send_msg "$BID" sms +15551110003 "dead letter" normal "now()" 3)
wait_for "SELECT status = 'dead' FROM flowcomm.communication_queue WHERE business_id = '$BID' AND communication_id = '$E'" 15
ok $? "dead-lettered after max_attempts (3)"
is "$(q "SELECT c.status || ' ' || (c.failed_at IS NOT NULL) || ' ' || c.error_code || ' ' || q.attempts || ' ' || (q.last_error LIKE '%503%')
         FROM flowcomm.communication c JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
        WHERE c.business_id = '$BID' AND c.id = '$E'")" "failed true 20503 3 true" "message failed with the last error"
is "$(q "SELECT string_agg(event, ' ' ORDER BY occurred_at, id) FROM flowcomm.communication_event WHERE business_id = '$BID' AND communication_id = '$E' AND source = 'worker'")" \
	"retry_scheduled retry_scheduled dead_lettered" "events end in dead_lettered"
is "$(q "SELECT count(*) FROM flowcomm.dead_letters WHERE communication_id = '$E'")" 1 "listed in dead_letters"
is "$(q "SELECT flowcomm.requeue_dead_letters(business_id => '$BID')")" 1 "requeue_dead_letters requeues it"
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$E'" 10
ok $? "requeued dead letter is sent"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$BID' AND communication_id = '$E' AND event = 'dead_letter_requeued' AND source = 'admin'")" 1 "admin event recorded"

# --- cancel a dead letter ------------------------------------------------------
sim_post /_sim/faults '{"route":"twilio","script":[{"status":503}]}' >/dev/null
G=$(send_msg "$BID" sms +15551110004 "give up" normal "now()" 1)
wait_for "SELECT status = 'dead' FROM flowcomm.communication_queue WHERE business_id = '$BID' AND communication_id = '$G'" 10
ok $? "max_attempts 1: dead after one 503"
GQ=$(q "SELECT id FROM flowcomm.communication_queue WHERE business_id = '$BID' AND communication_id = '$G'")
is "$(q "SELECT flowcomm.cancel_dead_letters(ARRAY['$GQ']::uuid[], '$BID', 'customer paid in cash')")" 1 "cancel_dead_letters by queue id"
is "$(q "SELECT q.status || ' ' || c.status || ' ' || e.detail FROM flowcomm.communication_queue q
         JOIN flowcomm.communication c ON c.business_id = q.business_id AND c.id = q.communication_id
         JOIN flowcomm.communication_event e ON e.business_id = q.business_id AND e.communication_id = q.communication_id AND e.event = 'dead_letter_cancelled'
        WHERE q.business_id = '$BID' AND q.id = '$GQ'")" "cancelled failed customer paid in cash" "queue cancelled, message stays failed, reason recorded"

# --- 429 with Retry-After ---------------------------------------------------
SEQ=$(sim_seq)
sim_post /_sim/faults '{"route":"sendgrid","script":[{"status":429,"retry_after":2}]}' >/dev/null
F=$(send_msg "$BID" email ana@example.test "<p>rate limited</p>")
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$F'" 15
ok $? "429 then sent"
is "$(sim_py "$SEQ" "
t = sorted(r['ts_us'] for r in R if r['provider'] == 'sendgrid')
print(len(t), 'ok' if t[1] - t[0] >= 1900000 and t[1] - t[0] < 4000000 else t[1] - t[0])")" "2 ok" "second request waited for Retry-After (2 s)"
is "$(q "SELECT event || ' ' || (payload->>'error_code') FROM flowcomm.communication_event WHERE business_id = '$BID' AND communication_id = '$F' AND event = 'retry_scheduled'")" \
	"retry_scheduled http_429" "429 recorded as a scheduled retry (Sendgrid error http_429)"

sim_post /_sim/reset '{}' >/dev/null
reset_guc flowcomm.retry_schedule
done_testing
