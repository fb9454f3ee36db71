#!/bin/sh
# 16_delivery_disk_full.sh — the disk under flowcomm's tables fills up while
# the worker works, and empties again; the worker is never restarted:
#  1. requests in flight when the disk fills: their answers arrive, the
#     results cannot be written (ERROR 53100 "could not extend file ... No
#     space left on device"); the worker logs it, keeps the results in
#     memory, backs off, and writes them when space returns: every message
#     sent, each reached the provider exactly once;
#  2. messages due while the disk is full: claiming fails the same way,
#     nothing is sent, and everything goes out once space returns.
# The disk is real: a 64 MB tmpfs holding the database's tablespace, filled
# with a ballast file (WAL stays on the cluster's own disk, as on a server
# whose data volume fills).  Needs root to mount; skipped otherwise.
. "$FC_REPO/test/t/delivery.inc"

MNT="$FC_TMP/smallfs"
DB=flowcomm_restore		# served by the workers (test/run_tests.sh)
mkdir -p "$MNT"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=64m,mode=0755 tmpfs "$MNT" 2>/dev/null; then
	echo "1..0 # SKIP mounting a small filesystem needs root (CAP_SYS_ADMIN)"
	exit 0
fi
plan 12

qd() { fc_psql -d "$DB" -At -c "$1" 2>&1; }
q() { qd "$1"; } # wait_for and friends ask this database
LOG="$FC_TMP/log/postgres.log"
mkdir "$MNT/ts" && chown postgres:postgres "$MNT/ts"
cleanup()
{
	rm -f "$MNT/ballast"
	fc_psql -d postgres -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	fc_psql -d postgres -q -c "DROP TABLESPACE IF EXISTS fc_small" >/dev/null 2>&1
	umount "$MNT" 2>/dev/null
}
trap cleanup EXIT
fc_psql -d postgres -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
fc_psql -d postgres -q -c "CREATE TABLESPACE fc_small LOCATION '$MNT/ts'" >/dev/null
fc_psql -d postgres -q -c "CREATE DATABASE $DB TABLESPACE fc_small" >/dev/null
BID=$(new_uuid)
fc_psql -d "$DB" -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE EXTENSION flowcomm;
INSERT INTO flowcomm.provider_account (business_id, provider, twilio_account_sid, twilio_auth_token, sms_from, rate_limits)
VALUES ('$BID', 'twilio', '$TW_SID', '$TW_TOKEN', '+15005550006', '{"sms": {"rate": 1000, "burst": 1000}}');
SQL
ok $? "database in a tablespace on a 64 MB filesystem"

worker_pid() { q "SELECT pid FROM flowcomm.worker_status() WHERE database = '$DB' ORDER BY worker_id LIMIT 1"; }
wait_for "SELECT count(*) > 0 FROM flowcomm.worker_status() WHERE database = '$DB' AND state IN ('idle', 'working')" 30
PID=$(worker_pid)

# queue PREFIX N DELAY: N SMS due after DELAY seconds, in one transaction.
queue()
{
	qd "BEGIN;
	    WITH c AS (INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content, status, queued_at)
	          SELECT '$BID', 'test', 'customer', '$1' || lpad(g::text, 4, '0'), 'sms', 'invoice', 'disk ' || g, 'queued', now()
	            FROM generate_series(1, $2) g RETURNING business_id, id, channel)
	    INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel, scheduled_at)
	    SELECT business_id, id, channel, now() + interval '$3 s' FROM c;
	    SELECT flowcomm.wake_workers(); COMMIT;" >/dev/null
}
fill_disk() { dd if=/dev/zero of="$MNT/ballast" bs=1M >/dev/null 2>&1; sync; }
sent() { qd "SELECT count(*) FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent' AND recipient_contact LIKE '$1%'"; }
# once PREFIX: how many distinct messages reached the simulator, and how many requests.
once() { sim_py "$SEQ" "M = [urllib.parse.parse_qs(r['body'])['To'][0] for r in R if r['provider'] == 'twilio']
M = [m for m in M if m.startswith('$1')]
print(len(set(M)), len(M))"; }

# --- 1. results cannot be written --------------------------------------------
sim_post /_sim/reset '{}' >/dev/null
SEQ=$(sim_seq)
sim_post /_sim/faults '{"route":"twilio","delay_ms":2000}' >/dev/null
LOG0=$(wc -c <"$LOG")
queue +1555200 200 0
wait_for "SELECT count(*) = 200 FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status = 'processing'" 10
ok $? "200 SMS in flight (answers delayed 2 s)" || qd "SELECT q.status, c.status, c.error_message, count(*) FROM flowcomm.communication_queue q JOIN flowcomm.communication c ON c.id = q.communication_id GROUP BY 1,2,3" | sed "s/^/# /"
fill_disk
wait_for "SELECT state = 'backoff' FROM flowcomm.worker_status() WHERE database = '$DB'" 15
ok $? "worker_status() shows the worker in backoff"
sleep 2
tail -c +"$LOG0" "$LOG" >"$FC_TMP/disk1.log"
grep -q 'flowcomm worker could not write delivery results: could not extend file.*No space left on device' "$FC_TMP/disk1.log"
ok $? "the worker logs that it cannot write results: disk full" || tail -5 "$FC_TMP/disk1.log" | sed 's/^/# /'
is "$(qd "SELECT count(*) FROM flowcomm.communication_queue WHERE business_id = '$BID' AND status = 'processing'")" 200 \
	"while the disk is full the 200 stay processing (results wait in the worker)"
rm -f "$MNT/ballast"
sim_post /_sim/faults '{"route":"twilio","delay_ms":0}' >/dev/null
wait_for "SELECT count(*) = 200 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent' AND recipient_contact LIKE '+1555200%'" 40
ok $? "space back: all 200 recorded as sent"
is "$(once +1555200)" "200 200" "each of the 200 reached the provider exactly once"

# --- 2. claims fail while the disk is full -----------------------------------
SEQ=$(sim_seq)
LOG0=$(wc -c <"$LOG")
queue +1555300 100 2
fill_disk
sleep 5
tail -c +"$LOG0" "$LOG" >"$FC_TMP/disk2.log"
grep -q 'flowcomm worker could not claim messages: could not extend file.*No space left on device' "$FC_TMP/disk2.log"
ok $? "the worker logs that it cannot claim: disk full" || tail -5 "$FC_TMP/disk2.log" | sed 's/^/# /'
rm -f "$MNT/ballast"
wait_for "SELECT count(*) = 100 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent' AND recipient_contact LIKE '+1555300%'" 40
ok $? "space back: the 100 due during the outage are sent"
is "$(once +1555300)" "100 100" "each of the 100 reached the provider exactly once"
grep -q 'flowcomm worker database work resumed' "$LOG"
ok $? "the worker logs that database work resumed"
is "$(worker_pid)" "$PID" "the same worker process throughout (no restart)"
done_testing
