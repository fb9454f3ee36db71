#!/bin/sh
# 12_delivery_priority_schedule.sh — claim order is priority (urgent > high
# > normal > low) then scheduled_at; a message scheduled for later is not
# sent early and leaves within one second of its time, even with a 30 s
# poll interval (the worker sleeps until the next due job).
. "$FC_REPO/test/t/delivery.inc"
plan 6

BID=$(new_uuid)
own_accounts "$BID"

# --- priority order: one request at a time so arrival order = claim order ----
set_guc flowcomm.batch_size 1
set_guc flowcomm.max_in_flight 1
SEQ=$(sim_seq)
{
	echo "BEGIN;"
	i=0
	for p in low normal high urgent low normal high urgent; do
		i=$((i + 1))
		# earlier scheduled_at within a priority for the first of each pair
		msg_sql "$BID" sms "+1555222000$i" "prio $p $i" "$p" "now() - interval '$((20 - i)) seconds'"
		echo ";"
	done
	echo "COMMIT;"
} | fc_psql -d flowcomm_t -q >/dev/null
wait_for "SELECT count(*) = 8 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'" 15
ok $? "eight messages sent"
is "$(sim_py "$SEQ" "
print(' '.join(urllib.parse.parse_qs(r['body'])['Body'][0].split()[1] + urllib.parse.parse_qs(r['body'])['Body'][0].split()[2]
      for r in sorted(R, key=lambda x: x['seq'])))")" "urgent4 urgent8 high3 high7 normal2 normal6 low1 low5" "sent in priority order, then scheduled_at"
reset_guc flowcomm.batch_size
reset_guc flowcomm.max_in_flight

# --- scheduled for later ------------------------------------------------------
set_guc flowcomm.poll_interval_ms 30000
sleep 0.5
LATER=$(send_msg "$BID" sms +15552220100 "later" normal "now() + interval '3 seconds'")
NOW=$(send_msg "$BID" email ana@example.test "<p>now</p>")
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$NOW'" 5
ok $? "an unscheduled message goes at once"
is "$(q "SELECT status FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$LATER'")" queued "the scheduled one waits"
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE business_id = '$BID' AND id = '$LATER'" 8
ok $? "the scheduled one is sent"
is "$(q "SELECT c.sent_at >= q.scheduled_at AND c.sent_at < q.scheduled_at + interval '1 second'
         FROM flowcomm.communication c JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
        WHERE c.business_id = '$BID' AND c.id = '$LATER'")" t "sent within one second of its time (poll interval 30 s)"
reset_guc flowcomm.poll_interval_ms
done_testing
