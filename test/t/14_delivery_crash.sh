#!/bin/sh
# 14_delivery_crash.sh — nothing is lost when a worker dies mid-batch:
#  1. kill -9 of a worker with 60 SMS in flight (answers delayed 3 s) after
#     40 emails were sent: every message ends sent; only the in-flight SMS
#     may reach the provider twice (uncertain_policy = retry), never an email;
#  2. pg_ctl stop -m immediate with uncertain_policy = hold: in-flight jobs
#     become held (held_uncertain), an admin retries them, they are sent;
#  3. a fast shutdown (SIGTERM) drains in-flight requests: no duplicates.
. "$FC_REPO/test/t/delivery.inc"
plan 14

BID=$(new_uuid)
own_accounts "$BID"
sim_post /_sim/reset '{}' >/dev/null

bulk()
{
	# bulk CHANNEL PREFIX N: queue N messages in one transaction, wake at commit
	contact="'$2' || lpad(g::text, 4, '0')"
	[ "$1" = email ] && contact="'$2' || g || '@example.test'"
	{
		echo "BEGIN;"
		echo "WITH c AS (INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, subject, content, status, queued_at)
		      SELECT '$BID', 'test', 'customer', $contact, '$1', 'invoice', 's', '<p>crash ' || g || '</p>', 'queued', now()
		        FROM generate_series(1, $3) g RETURNING business_id, id, channel)
		      INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel) SELECT * FROM c;"
		echo "SELECT flowcomm.wake_workers(); COMMIT;"
	} | fc_psql -d flowcomm_t -q >/dev/null
}

worker_pid() { q "SELECT pid FROM flowcomm.worker_status() WHERE database = 'flowcomm_t' ORDER BY worker_id LIMIT 1"; }

# --- 1. kill -9 mid-batch ---------------------------------------------------
SEQ=$(sim_seq)
sim_post /_sim/faults '{"route":"twilio","delay_ms":3000}' >/dev/null
bulk email crash1- 40
bulk sms +1555666 60
wait_for "SELECT count(*) = 40 FROM flowcomm.communication WHERE business_id = '$BID' AND channel = 'email' AND status = 'sent'
          AND (SELECT count(*) = 60 FROM flowcomm.communication_queue WHERE business_id = '$BID' AND channel = 'sms' AND status = 'processing')" 10
ok $? "emails sent, 60 SMS in flight"
INFLIGHT=$(q "SELECT count(*) FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status = 'processing'")
PID=$(worker_pid)
fc_as_pg kill -9 "$PID"
sleep 1
q_retry "SELECT 1" >/dev/null
sim_post /_sim/faults '{"route":"twilio","delay_ms":0}' >/dev/null
wait_for "SELECT count(*) = 100 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'" 30
ok $? "after kill -9 and crash restart, all 100 messages are sent"
is "$(q "SELECT count(*) FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status <> 'completed'")" 0 "no job left behind"
is "$(q "SELECT count(DISTINCT communication_id) FROM flowcomm.communication_event WHERE business_id = '$BID' AND event = 'uncertain_retry'")" "$INFLIGHT" "every in-flight job recovered with uncertain_retry"
DUP=$(sim_py "$SEQ" "
from collections import Counter
tw = Counter(urllib.parse.parse_qs(r['body'])['To'][0] for r in R if r['provider'] == 'twilio' and r['status'] == 201)
sg = Counter(json.loads(r['body'])['personalizations'][0]['to'][0]['email'] for r in R if r['provider'] == 'sendgrid')
print(len(tw), max(tw.values()), len(sg), max(sg.values()))")
is "$(echo "$DUP" | cut -d' ' -f1,3,4)" "60 40 1" "every message reached the provider; emails (done before the crash) exactly once"
ok "$([ "$(echo "$DUP" | cut -d' ' -f2)" -le 2 ] && echo 0 || echo 1)" "duplicates only for the in-flight SMS, at most twice ($(echo "$DUP" | cut -d' ' -f2))"

# --- 2. immediate stop, uncertain_policy = hold --------------------------------
set_guc flowcomm.uncertain_policy hold
sim_post /_sim/faults '{"route":"twilio","delay_ms":3000}' >/dev/null
bulk sms +1555777 30
wait_for "SELECT count(*) = 30 FROM flowcomm.communication_queue q JOIN flowcomm.communication c ON c.business_id = q.business_id AND c.id = q.communication_id
          WHERE q.business_id = '$BID' AND c.recipient_contact LIKE '+1555777%' AND q.status = 'processing'" 10
ok $? "30 SMS in flight"
fc_stop immediate
fc_start
q_retry "SELECT 1" >/dev/null
sim_post /_sim/faults '{"route":"twilio","delay_ms":0}' >/dev/null
wait_for "SELECT count(*) = 30 FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status = 'held'" 15
ok $? "after an immediate stop the in-flight jobs are held, not resent"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$BID' AND event = 'held_uncertain'")" 30 "held_uncertain events"
is "$(q "SELECT flowcomm.retry_dead_letters(business_id => '$BID')")" 30 "admin retries the held jobs"
wait_for "SELECT count(*) = 130 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'" 15
ok $? "held jobs sent after the admin's decision"
reset_guc flowcomm.uncertain_policy

# --- 3. fast shutdown drains in-flight requests ------------------------------
SEQ=$(sim_seq)
sim_post /_sim/faults '{"route":"twilio","delay_ms":1000}' >/dev/null
bulk sms +1555888 20
wait_for "SELECT count(*) = 20 FROM flowcomm.communication_queue q JOIN flowcomm.communication c ON c.business_id = q.business_id AND c.id = q.communication_id
          WHERE q.business_id = '$BID' AND c.recipient_contact LIKE '+1555888%' AND q.status = 'processing'" 10
ok $? "20 SMS in flight"
fc_stop fast
fc_start
q_retry "SELECT 1" >/dev/null
sim_post /_sim/faults '{"route":"twilio","delay_ms":0}' >/dev/null
is "$(q "SELECT count(*) FROM flowcomm.communication c WHERE business_id = '$BID' AND recipient_contact LIKE '+1555888%' AND status = 'sent'")" 20 "SIGTERM let the in-flight requests finish and recorded them"
is "$(sim_py "$SEQ" "print(len([r for r in R if r['provider'] == 'twilio' and '%2B1555888' in r['body']]))")" 20 "no duplicates after a clean shutdown"

sim_post /_sim/reset '{}' >/dev/null
done_testing
