#!/bin/sh
# 15_delivery_two_workers.sh — two workers on one database share the queue
# (FOR UPDATE SKIP LOCKED, small batches, slow provider) and never send the
# same job twice; a SIGHUP change of workers_per_database starts and stops
# workers.
. "$FC_REPO/test/t/delivery.inc"
plan 6

BID=$(new_uuid)
own_accounts "$BID"
sim_post /_sim/reset '{}' >/dev/null
set_guc flowcomm.workers_per_database 2
set_guc flowcomm.batch_size 25
set_guc flowcomm.max_in_flight 50
wait_for "SELECT count(*) = 2 FROM flowcomm.worker_status() WHERE database = 'flowcomm_t' AND state IN ('idle', 'working')" 10
ok $? "SIGHUP: a second worker starts"
BEFORE=$(q "SELECT string_agg(worker_id || ':' || sent, ',' ORDER BY worker_id) FROM flowcomm.worker_status() WHERE database = 'flowcomm_t'")
sim_post /_sim/faults '{"route":"*","delay_ms":20}' >/dev/null
SEQ=$(sim_seq)
{
	echo "BEGIN;"
	echo "WITH c AS (INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, subject, content, status, queued_at)
	      SELECT '$BID', 'test', 'customer',
	             CASE WHEN g % 2 = 0 THEN '+1555999' || lpad(g::text, 4, '0') ELSE 'two' || g || '@example.test' END,
	             (CASE WHEN g % 2 = 0 THEN 'sms' ELSE 'email' END)::flowcomm.channel, 'invoice', 's', 'two workers ' || g, 'queued', now()
	        FROM generate_series(1, 1000) g RETURNING business_id, id, channel)
	      INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel) SELECT * FROM c;"
	echo "SELECT flowcomm.wake_workers(); COMMIT;"
} | fc_psql -d flowcomm_t -q >/dev/null
wait_for "SELECT count(*) = 1000 FROM flowcomm.communication WHERE business_id = '$BID' AND status = 'sent'" 60
ok $? "1000 messages sent"
is "$(sim_py "$SEQ" "
from collections import Counter
k = Counter((urllib.parse.parse_qs(r['body'])['To'][0] if r['provider'] == 'twilio'
             else json.loads(r['body'])['custom_args']['communication_id']) for r in R)
print(len(k), max(k.values()))")" "1000 1" "each message reached the provider exactly once"
is "$(q "SELECT count(*) FROM flowcomm.communication_event WHERE business_id = '$BID' AND event = 'sent'")" 1000 "one sent event each"
AFTER=$(q "SELECT string_agg(worker_id || ':' || sent, ',' ORDER BY worker_id) FROM flowcomm.worker_status() WHERE database = 'flowcomm_t'")
is "$(python3 -c "
b = dict(x.split(':') for x in '$BEFORE'.split(','))
a = dict(x.split(':') for x in '$AFTER'.split(','))
d = [int(a[k]) - int(b.get(k, 0)) for k in a]
print(len(d), all(x > 0 for x in d), sum(d))")" "2 True 1000" "both workers sent a share"

sim_post /_sim/reset '{}' >/dev/null
reset_guc flowcomm.batch_size
reset_guc flowcomm.max_in_flight
reset_guc flowcomm.workers_per_database
wait_for "SELECT count(*) = 1 FROM flowcomm.worker_status() WHERE database = 'flowcomm_t'" 10
ok $? "SIGHUP: back to one worker"
done_testing
