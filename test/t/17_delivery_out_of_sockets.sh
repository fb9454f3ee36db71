#!/bin/sh
# 17_delivery_out_of_sockets.sh — the worker runs out of file descriptors
# for its provider connections (its open-files limit is lowered to a few
# above what it holds, with prlimit, while answers are slow so it wants
# hundreds of connections).  The worker is never restarted:
#  - requests that could not open a socket are handed back without spending
#    an attempt, the worker lowers its concurrency and logs why;
#  - every message is sent, each reaches the provider exactly once, none
#    is retried or dead-lettered for it;
#  - with the limit restored the worker grows back to full concurrency and
#    says so in the log.
. "$FC_REPO/test/t/delivery.inc"
if ! command -v prlimit >/dev/null 2>&1; then
	echo "1..0 # SKIP prlimit (util-linux) is needed to lower the worker's open-files limit"
	exit 0
fi
plan 8

LOG="$FC_TMP/log/postgres.log"
BID=$(new_uuid)
own_accounts "$BID"
sim_post /_sim/reset '{}' >/dev/null
PID=$(q "SELECT pid FROM flowcomm.worker_status() WHERE database = 'flowcomm_t' ORDER BY worker_id LIMIT 1")

# queue PREFIX N: N SMS in one transaction, woken at commit.
queue()
{
	q "BEGIN;
	   WITH c AS (INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, queued_at)
	         SELECT '$BID', 'test', 'customer', '$1' || lpad(g::text, 4, '0'), 'sms', 'invoice', 'fd ' || g, 'queued', now()
	           FROM generate_series(1, $2) g RETURNING business_id, id, channel)
	   INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel) SELECT business_id, id, channel FROM c;
	   SELECT flowcomm.wake_workers(); COMMIT;" >/dev/null
}
once() { sim_py "$SEQ" "M = [urllib.parse.parse_qs(r['body'])['To'][0] for r in R if r['provider'] == 'twilio']
M = [m for m in M if m.startswith('$1')]
print(len(set(M)), len(M))"; }

# Room for about eight more descriptors than the worker holds now.
OPEN=$(ls "/proc/$PID/fd" | wc -l)
LIMIT=$((OPEN + 8))
# As the server's own user (no CAP_SYS_RESOURCE needed), soft limit only, so
# it can be raised back.
HARD=$(fc_as_pg prlimit --pid "$PID" --nofile --output HARD --noheadings | tr -d ' ')
OLD_SOFT=$(fc_as_pg prlimit --pid "$PID" --nofile --output SOFT --noheadings | tr -d ' ')
fc_as_pg prlimit --pid "$PID" --nofile="$LIMIT:$HARD" 2>"$FC_TMP/prlimit.err"
ok $? "worker $PID limited to $LIMIT open files ($OPEN in use)" || sed "s/^/# /" "$FC_TMP/prlimit.err"

SEQ=$(sim_seq)
LOG0=$(wc -c <"$LOG")
sim_post /_sim/faults '{"route":"twilio","delay_ms":200}' >/dev/null
queue +1555400 150
wait_for "SELECT count(*) = 150 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent' AND recipient_contact LIKE '+1555400%'" 60
ok $? "all 150 sent through the few sockets left" || {
	q "SELECT state, in_flight, last_error FROM flowcomm.worker_status() WHERE database = 'flowcomm_t'" | sed 's/^/# /'
	q "SELECT q.status, q.attempts, count(*), min(q.scheduled_at - now()) FROM flowcomm.communication_queue q JOIN flowcomm.communication c ON c.id = q.communication_id WHERE c.recipient_contact LIKE '+1555400%' GROUP BY 1, 2" | sed 's/^/# /'
	ls -l /proc/$PID/fd | wc -l | sed 's/^/# fds /'
	gdb -p $PID -batch -ex bt 2>/dev/null | grep '^#' | head -15
}
tail -c +"$LOG0" "$LOG" >"$FC_TMP/fd.log"
grep -q 'flowcomm worker is short of local resources: could not open a connection: Too many open files' "$FC_TMP/fd.log"
ok $? "the worker logs the shortage (EMFILE) and lowers its concurrency" || grep flowcomm "$FC_TMP/fd.log" | tail -3 | sed 's/^/# /'
is "$(once +1555400)" "150 150" "each reached the provider exactly once"
is "$(q "SELECT count(*) FILTER (WHERE q.attempts = 1) || '/' || count(*) FROM flowcomm.communication_queue q
         JOIN flowcomm.communication c ON c.business_id = q.business_id AND c.id = q.communication_id
        WHERE c.business_id = '$BID' AND c.recipient_contact LIKE '+1555400%'")" "150/150" \
	"no attempt spent on a request that could not leave" || q "SELECT q.attempts, c.retry_count, count(*) FROM flowcomm.communication_queue q JOIN flowcomm.communication c ON c.id = q.communication_id WHERE c.recipient_contact LIKE '+1555400%' GROUP BY 1, 2; SELECT e.event, left(e.detail, 120), count(*) FROM flowcomm.communication_event e JOIN flowcomm.communication c ON c.id = e.communication_id WHERE c.recipient_contact LIKE '+1555400%' GROUP BY 1, 2" | sed "s/^/# /"

# Limit restored: the worker grows back to full concurrency by itself.
fc_as_pg prlimit --pid "$PID" --nofile="$OLD_SOFT:$HARD"
sim_post /_sim/faults '{"route":"twilio","delay_ms":0}' >/dev/null
queue +1555500 700
wait_for "SELECT count(*) = 700 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent' AND recipient_contact LIKE '+1555500%'" 60
ok $? "limit restored: 700 more sent"
tail -c +"$LOG0" "$LOG" | grep -q 'flowcomm worker is back to [0-9]* concurrent requests'
ok $? "the worker logs that it is back to full concurrency"
is "$(q "SELECT pid FROM flowcomm.worker_status() WHERE database = 'flowcomm_t' ORDER BY worker_id LIMIT 1")" "$PID" \
	"the same worker process throughout (no restart)"
done_testing
