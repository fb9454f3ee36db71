#!/bin/sh
# chaos.sh — delivery under faults: CHAOS_MESSAGES messages across all four
# channels while workers are killed with kill -9 (CHAOS_KILLS times), the
# cluster is stopped with -m immediate and restarted (CHAOS_RESTARTS times),
# and the simulator answers 5xx for 10% of requests, 429 bursts with
# Retry-After, stalls past the request timeout and dropped connections.
# Afterwards every message must be in a terminal state consistent with what
# the simulator recorded.  Prints TAP; the figures go to stdout as diagnostics.
#
# Run inside the shared test cluster by test/t/90_chaos.sh (short form), or
# alone by `make check-chaos` (CHAOS_MINUTES=10 by default: 20,000 messages,
# 20 kills, 3 restarts).
. "$FC_REPO/test/t/delivery.inc"
N=${CHAOS_MESSAGES:-20000}
KILLS=${CHAOS_KILLS:-20}
RESTARTS=${CHAOS_RESTARTS:-3}
MINUTES=${CHAOS_MINUTES:-10}
plan 8
# Figures go to stderr too, so prove shows them without -v.
cdiag() { echo "# $*"; echo "# $*" >&2; }

BID=$(new_uuid)
own_accounts "$BID" 100000 100000
sim_post /_sim/reset '{}' >/dev/null
SEQ=$(sim_seq)
set_guc flowcomm.retry_schedule '1,1,2,2,3,3'
set_guc flowcomm.request_timeout_ms 1500
set_guc flowcomm.lease_seconds 5

# WhatsApp and Messenger take free-form messages only within 24 hours of the
# customer's last message (issue 17): every such customer has written first,
# to the simulator (its window list) and to flowcomm (its window table, in the
# transaction that queues the messages).
q "SELECT json_agg(json_build_object('from', CASE WHEN g % 10 < 9 THEN 'whatsapp:+1555' || lpad(g::text, 7, '0')
                                                  ELSE 'messenger:' || (1000000000 + g) END,
	   'to', CASE WHEN g % 10 < 9 THEN 'whatsapp:+14155238886' ELSE 'messenger:1234567890' END))
     FROM generate_series(1, $N) g WHERE g % 10 >= 7" >"$FC_TMP/chaos_windows.json"
curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$FC_TMP/chaos_windows.json" "$FC_SIM_URL/_sim/inbound" >/dev/null

# The messages: 40% SMS, 30% email, 20% WhatsApp, 10% Messenger; the content
# carries a token so simulator requests map back to messages.
fc_psql -d flowcomm_t -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
BEGIN;
WITH c AS (
	INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, subject,
									   content, status, queued_at, max_retries)
	SELECT '$BID', 'chaos', 'customer',
		   CASE ch WHEN 'email' THEN 'c' || g || '@example.test' WHEN 'messenger' THEN (1000000000 + g)::text
				   ELSE '+1555' || lpad(g::text, 7, '0') END,
		   ch::flowcomm.channel, 'invoice', 'Chaos ' || g, 'chaos-token-' || g, 'queued', now(), 6
	  FROM generate_series(1, $N) g,
		   LATERAL (SELECT CASE WHEN g % 10 < 4 THEN 'sms' WHEN g % 10 < 7 THEN 'email'
								WHEN g % 10 < 9 THEN 'whatsapp' ELSE 'messenger' END AS ch) x
	RETURNING business_id, id, channel)
INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel, max_attempts)
SELECT business_id, id, channel, 7 FROM c;
INSERT INTO flowcomm.conversation_window (business_id, channel, sender, contact, last_inbound_at)
SELECT business_id, channel, CASE channel WHEN 'whatsapp' THEN '+14155238886' ELSE '1234567890' END, recipient_contact, now()
  FROM flowcomm.communication WHERE business_id = '$BID' AND channel IN ('whatsapp', 'messenger');
SELECT flowcomm.wake_workers();
COMMIT;
SQL
sim_post /_sim/faults '{"route":"*","error_5xx_pct":10,"rate_429_pct":2,"retry_after":1,"stall_pct":1,"stall_ms":2500,"drop_pct":1,"seed":7}' >/dev/null

# Chaos until everything is final, or the time is up: kills and restarts
# spread over the run.
start=$(date +%s)
deadline=$((start + MINUTES * 60))
kills=0
restarts=0
left() { q_retry "SELECT count(*) FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status IN ('pending', 'processing')"; }
while [ "$(date +%s)" -lt "$deadline" ]; do
	remaining=$(left)
	if [ "$kills" -lt "$KILLS" ]; then
		pid=$(q_retry "SELECT pid FROM flowcomm.worker_status() WHERE database = 'flowcomm_t' ORDER BY random() LIMIT 1")
		if [ -n "$pid" ]; then
			fc_as_pg kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
		fi
	fi
	if [ "$restarts" -lt "$RESTARTS" ] && [ $((kills % 7)) -eq 3 ]; then
		fc_stop immediate
		fc_start
		restarts=$((restarts + 1))
	fi
	[ "$remaining" = 0 ] && [ "$kills" -ge "$KILLS" ] && [ "$restarts" -ge "$RESTARTS" ] && break
	# Spread the faults over the expected run time.
	sleep "$(python3 -c "import random; print(round(random.uniform(0.2, 1.2), 2))")"
done
cdiag "chaos: $kills kills, $restarts immediate restarts in $(( $(date +%s) - start )) s"

# Faults off: let the retries finish.
sim_post /_sim/faults '{}' >/dev/null
wait_for "SELECT count(*) = 0 FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status IN ('pending', 'processing')" $((MINUTES * 60))
ok $? "every job reached a final state ($N messages)"
ok "$([ "$kills" -ge "$KILLS" ] && [ "$restarts" -ge "$RESTARTS" ] && echo 0 || echo 1)" "faults injected: $kills kill -9, $restarts immediate restarts"
is "$(q "SELECT count(*) FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status = 'processing'")" 0 "no message stuck in processing"
is "$(q "SELECT count(*) FROM flowcomm.communication c JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
         WHERE c.business_id = '$BID' AND NOT ((q.status = 'completed' AND c.status = 'sent') OR (q.status = 'dead' AND c.status = 'failed'))")" 0 \
	"queue and message states agree (completed/sent or dead/failed)"

# Compare with the simulator's record.
R=$(sim_py "$SEQ" "
import collections, re
ok = collections.Counter(); tries = collections.Counter()
for r in R:
    m = re.search(r'chaos-token-([0-9]+)', urllib.parse.unquote_plus(r['body']))
    if not m: continue
    tries[m.group(1)] += 1
    if r['status'] in (201, 202): ok[m.group(1)] += 1
print(len(ok), sum(1 for v in ok.values() if v > 1), sum(tries.values()), sum(ok.values()))
open('$FC_TMP/chaos_dups.txt', 'w').write(' '.join(k for k, v in ok.items() if v > 1))
open('$FC_TMP/chaos_ok.txt', 'w').write('\n'.join(k + ' ' + str(v) + ' ' + str(tries[k]) for k, v in ok.items()))
")
ACCEPTED=$(echo "$R" | cut -d' ' -f1)
DUPS=$(echo "$R" | cut -d' ' -f2)
REQS=$(echo "$R" | cut -d' ' -f3)
SUCC=$(echo "$R" | cut -d' ' -f4)
SENT=$(q "SELECT count(*) FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'")
DEAD=$(q "SELECT count(*) FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'failed'")
cdiag "chaos: $SENT sent, $DEAD dead-lettered, $REQS provider requests, $ACCEPTED accepted by the provider, $DUPS accepted more than once"
# Every message marked sent was accepted at least once by the provider.
q "SELECT substr(content, 13) FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'" >"$FC_TMP/chaos_sent.txt"
MISSING=$(python3 -c "
ok = {l.split()[0] for l in open('$FC_TMP/chaos_ok.txt') if l.strip()}
sent = set(open('$FC_TMP/chaos_sent.txt').read().split())
print(len(sent - ok))")
is "$MISSING" 0 "every sent message was accepted by the provider at least once"
# Duplicates only where a crash hit an in-flight request.
# A stalled answer is accepted by the provider after the client gave up:
# timeouts are the other uncertain outcome, so they count in the bound.
UNCERTAIN=$(q "SELECT count(DISTINCT communication_id) FROM flowcomm.communication_event WHERE business_id = '$BID'
	AND (event IN ('uncertain_retry', 'held_uncertain') OR (event = 'retry_scheduled' AND detail LIKE '%timed out%'))")
CRASHED=$(q "SELECT count(DISTINCT communication_id) FROM flowcomm.communication_event WHERE business_id = '$BID' AND event IN ('uncertain_retry', 'held_uncertain')")
cdiag "chaos: $CRASHED messages in flight at a crash, $((UNCERTAIN - CRASHED)) more timed out; $DUPS accepted twice"
q "SELECT DISTINCT substr(c.content, 13) FROM flowcomm.communication c JOIN flowcomm.communication_event e
	ON e.business_id = c.business_id AND e.communication_id = c.id WHERE c.business_id = '$BID'
	AND (e.event IN ('uncertain_retry', 'held_uncertain') OR (e.event = 'retry_scheduled' AND e.detail LIKE '%timed out%'))" >"$FC_TMP/chaos_unc.txt"
UNEXPLAINED=$(python3 -c "
d = set(open('$FC_TMP/chaos_dups.txt').read().split()); u = set(open('$FC_TMP/chaos_unc.txt').read().split())
print(len(d - u))")
is "$UNEXPLAINED" 0 "duplicates ($DUPS) only among messages in flight at a crash or timed out ($UNCERTAIN)"
# Every provider attempt of a message is visible in its history.
BADHIST=$(q "SELECT count(*) FROM flowcomm.communication c
	WHERE c.business_id = '$BID' AND (SELECT count(*) FROM flowcomm.communication_event e
		WHERE e.business_id = c.business_id AND e.communication_id = c.id
		  AND e.event IN ('sent', 'retry_scheduled', 'dead_lettered', 'failed_permanent', 'uncertain_retry', 'held_uncertain')) = 0")
is "$BADHIST" 0 "every message has its outcome in communication_event"
# Every attempt a worker made has its outcome event, counted from the same
# side: attempts (communication_queue.attempts, which a socket shortage's
# hand-back does not spend) against sent / retry / dead-letter / failed /
# crash-recovery events.  The simulator's own count is not comparable: when
# it drops a connection that libcurl had reused, libcurl re-sends the request
# on a fresh connection by itself, so one attempt can be two requests there;
# and an attempt claimed just before a kill -9 may never have left.
ATTEMPTS=$(q "SELECT coalesce(sum(attempts), 0) FROM flowcomm.communication_queue WHERE business_id = '$BID'")
OUTCOMES=$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$BID'
	AND event IN ('sent', 'retry_scheduled', 'dead_lettered', 'failed_permanent', 'uncertain_retry', 'held_uncertain')")
cdiag "chaos: $ATTEMPTS attempts, $OUTCOMES outcome events; the simulator saw $REQS requests ($((REQS - SUCC)) failed)"
is "$OUTCOMES" "$ATTEMPTS" "every attempt has its outcome in communication_event ($OUTCOMES events for $ATTEMPTS attempts)"

reset_guc flowcomm.retry_schedule
reset_guc flowcomm.request_timeout_ms
reset_guc flowcomm.lease_seconds
sim_post /_sim/reset '{}' >/dev/null
done_testing
