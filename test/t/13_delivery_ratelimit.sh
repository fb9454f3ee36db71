#!/bin/sh
# 13_delivery_ratelimit.sh — a business's token bucket (20/s, burst 20 from
# provider_account.rate_limits) holds its send rate within 5% over ~10 s,
# while another business's messages are not held up by it.
. "$FC_REPO/test/t/delivery.inc"
plan 5

SLOW=$(new_uuid)
FAST=$(new_uuid)
own_accounts "$SLOW" 20 20
own_accounts "$FAST"
SEQ=$(sim_seq)

{
	echo "BEGIN;"
	echo "INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, queued_at)
	      SELECT '$SLOW', 'test', 'customer', '+1555333' || lpad(g::text, 4, '0'), 'sms', 'invoice', 'rate ' || g, 'queued', now()
	        FROM generate_series(1, 220) g;"
	echo "INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel)
	      SELECT business_id, id, channel FROM flowcomm.communication WHERE business_id = '$SLOW';"
	echo "SELECT flowcomm.wake_workers(); COMMIT;"
} | fc_psql -d flowcomm_t -q >/dev/null
sleep 1
START=$(date +%s.%N)
{
	echo "BEGIN;"
	echo "INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, queued_at)
	      SELECT '$FAST', 'test', 'customer', '+1555444' || lpad(g::text, 4, '0'), 'sms', 'invoice', 'fast ' || g, 'queued', now()
	        FROM generate_series(1, 50) g;"
	echo "INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel)
	      SELECT business_id, id, channel FROM flowcomm.communication WHERE business_id = '$FAST';"
	echo "SELECT flowcomm.wake_workers(); COMMIT;"
} | fc_psql -d flowcomm_t -q >/dev/null
wait_for "SELECT count(*) = 50 FROM flowcomm.communication WHERE business_id = '$FAST' AND status = 'sent'" 3
ok $? "another business's 50 messages leave at once while the first is throttled"
is "$(q "SELECT count(*) < 220 FROM flowcomm.communication WHERE business_id = '$SLOW' AND status = 'sent'")" t "(the throttled business is still sending)"

wait_for "SELECT count(*) = 220 FROM flowcomm.communication WHERE business_id = '$SLOW' AND status = 'sent'" 25
ok $? "all 220 throttled messages sent"
RES=$(sim_py "$SEQ" "
t = sorted(r['ts_us'] for r in R if r['provider'] == 'twilio' and '%2B1555333' in r['body'])
rate = (len(t) - 20) / ((t[-1] - t[0]) / 1e6)
print(len(t), 'ok' if abs(rate - 20) <= 1.0 else 'off', round(rate, 2))")
is "$(echo "$RES" | cut -d' ' -f1-2)" "220 ok" "rate after the burst within 5% of 20/s (measured $(echo "$RES" | cut -d' ' -f3)/s), each message once"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$SLOW' AND event = 'sent'")" 220 "one sent event each (handbacks leave no events)"
done_testing
