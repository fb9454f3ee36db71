#!/bin/sh
# 19_delivery_suppressed_late.sh — a suppression or opt-out that arrives
# after a message was queued, but before it is sent, stops it (issue 16).
# send checks suppressions and preferences only when it queues; the claim
# checks them again (src/claim.c).  Messages are queued 3 s ahead, then: an
# admin suppression of an SMS number, a Sendgrid bounce of an email address,
# the customer opting out, a suppression added and lifted again (sent), and
# the suppressed SMS number on WhatsApp (another channel: sent).  The stopped
# ones end 'suppressed' with the reason and a 'suppressed' event, their jobs
# cancelled, nothing sent to the provider.
. "$FC_REPO/test/t/delivery.inc"
plan 8

B=$(new_uuid)
CUST=$(new_uuid)
own_accounts "$B"
SEQ=$(sim_seq)

as_b() { fc_psql -d flowcomm_t -At -c "SET flowcomm.business_id = '$B'" -c "$1" 2>&1 | tail -1; }
send_later()
{
	# send_later CHANNEL CONTACT [RECIPIENT_ID]: flowcomm.send, due in 3 s; prints the id
	as_b "SELECT flowcomm.send(jsonb_build_object('channel', '$1', 'type', 'invoice', 'recipientContact', '$2',
	      'subject', 'Invoice 7', 'content', 'Invoice 7 is ready', 'scheduledAt', now() + interval '3 s'
	      ${3:+, 'recipientId', '$3'})) ->> 'id'"
}

as_b "SELECT flowcomm.preferences_update('customer', '$CUST', '{}')" >/dev/null
M1=$(send_later sms +15559990001)
M2=$(send_later email late.bounce@example.test)
M3=$(send_later sms +15559990003 "$CUST")
M4=$(send_later sms +15559990004)
open_window "$B" whatsapp +15559990001
M5=$(send_later whatsapp +15559990001)
is "$(q "SELECT count(*) FROM flowcomm.communication WHERE business_id = '$B' AND status = 'queued'
          AND id IN ('$M1', '$M2', '$M3', '$M4', '$M5')")" 5 "five messages queued, due in 3 s"

# After enqueue, before the send:
as_b "SELECT flowcomm.suppression_add('sms', '+15559990001', 'admin', 'customer called to stop')" >/dev/null
q "SELECT flowcomm.suppress('$B', 'email', 'Late.Bounce@example.test', 'bounce', 'sendgrid', 'mailbox does not exist')" >/dev/null
as_b "SELECT flowcomm.preferences_update('customer', '$CUST', '{\"optedOut\": true, \"optedOutReason\": \"by phone\"}')" >/dev/null
as_b "SELECT flowcomm.suppression_lift((flowcomm.suppression_add('sms', '+15559990004') ->> 'id')::uuid, 'added by mistake')" >/dev/null

wait_for "SELECT count(*) = 5 FROM flowcomm.communication WHERE business_id = '$B' AND status NOT IN ('queued', 'pending', 'sending')" 20
ok $? "all five reached a final state"

is "$(q "SELECT string_agg(status::text || ':' || coalesce(error_message, ''), ' | ' ORDER BY created_at)
          FROM flowcomm.communication WHERE business_id = '$B' AND id IN ('$M1', '$M2', '$M3')")" \
	"suppressed:+15559990001 is suppressed for sms (admin) | suppressed:late.bounce@example.test is suppressed for email (bounce) | suppressed:recipient opted out" \
	"the three stopped messages are suppressed, each with its reason"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$B' AND event = 'suppressed'
          AND status = 'suppressed' AND source = 'worker' AND detail LIKE 'not sent: %'
          AND communication_id IN ('$M1', '$M2', '$M3')")" 3 "each has a 'suppressed' event that says why"
is "$(q "SELECT string_agg(status::text, ',') FROM flowcomm.communication_queue WHERE business_id = '$B'
          AND communication_id IN ('$M1', '$M2', '$M3')")" "cancelled,cancelled,cancelled" "their jobs are cancelled, not retried"
is "$(q "SELECT count(*) FROM flowcomm.communication WHERE business_id = '$B' AND status = 'sent' AND id IN ('$M4', '$M5')")" 2 \
	"a lifted suppression, and a suppression on another channel, do not stop a message"
RES=$(sim_py "$SEQ" "
print(sum(1 for r in R if any(k in r['body'] for k in ('%2B15559990003', 'late.bounce', '%2B15559990001') )
          and 'whatsapp' not in urllib.parse.unquote(r['body'])))")
is "$RES" 0 "nothing was sent to a suppressed or opted-out recipient"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$B' AND event = 'sent'
          AND communication_id IN ('$M1', '$M2', '$M3')")" 0 "no 'sent' event for them"
done_testing
