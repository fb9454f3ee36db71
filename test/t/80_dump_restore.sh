#!/bin/sh
# 80_dump_restore.sh — pg_dump / pg_restore of a database with flowcomm and
# traffic keeps every table's rows, and the extension keeps working: the
# workers send, after the restore, the messages that were still pending.
. "$FC_REPO/test/t/delivery.inc"
plan 7

qd() { fc_psql -d "$1" -At -c "$2" 2>&1; }
SRC=flowcomm_dump_src
DST=flowcomm_restore		# served by the workers (test/run_tests.sh)
BID=$(new_uuid)
qd postgres "DROP DATABASE IF EXISTS $SRC" >/dev/null
qd postgres "CREATE DATABASE $SRC" >/dev/null
qd "$SRC" "CREATE EXTENSION flowcomm" >/dev/null

# Traffic: accounts, a template, preferences, a suppression, messages with
# attachments and events; some sent (faked), some pending.
fc_psql -d "$SRC" -q -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<SQL
$(business_sql "$BID")
INSERT INTO flowcomm.suppression (business_id, channel, contact, reason) VALUES ('$BID', 'email', 'gone@example.com', 'bounce');
SELECT flowcomm.send(jsonb_build_object('channel', 'sms', 'type', 'general', 'recipientContact', '+1415555' || lpad(i::text, 4, '0'),
	'templateCode', 'hi', 'templateVariables', jsonb_build_object('name', 'n' || i))) FROM generate_series(1, 20) i;
SELECT flowcomm.send(jsonb_build_object('channel', 'email', 'type', 'invoice', 'recipientContact', 'a' || i || '@example.com',
	'subject', 'Invoice', 'content', '<p>Invoice</p>', 'attachments',
	jsonb_build_array(jsonb_build_object('filename', 'i.pdf', 'mimeType', 'application/pdf', 'contentBase64', 'JVBERi0xLjQK'))))
  FROM generate_series(1, 10) i;
-- Half of them "already sent" before the backup.
WITH s AS (UPDATE flowcomm.communication_queue SET status = 'completed', completed_at = now()
			WHERE business_id = '$BID' AND communication_id IN (SELECT id FROM flowcomm.communication WHERE business_id = '$BID' ORDER BY id LIMIT 15)
			RETURNING communication_id)
UPDATE flowcomm.communication c SET status = 'sent', sent_at = now(), provider_message_id = 'SMfake' || c.id FROM s WHERE c.id = s.communication_id;
-- The other half is due tomorrow, so the restored copy can be compared
-- before its workers send them.
UPDATE flowcomm.communication_queue SET scheduled_at = now() + interval '1 day' WHERE business_id = '$BID' AND status = 'pending';
SQL

DUMP="$FC_TMP/flowcomm.dump"
fc_as_pg "$FC_BIN/pg_dump" -h "$FC_SOCK" -p "$FC_PORT" -U postgres -Fc -f "$DUMP" "$SRC" 2>"$FC_TMP/dump.err"
ok $? "pg_dump of a database with flowcomm"
qd postgres "DROP DATABASE IF EXISTS $DST WITH (FORCE)" >/dev/null
qd postgres "CREATE DATABASE $DST" >/dev/null
fc_as_pg "$FC_BIN/pg_restore" -h "$FC_SOCK" -p "$FC_PORT" -U postgres -d "$DST" "$DUMP" 2>"$FC_TMP/restore.err"
ok $? "pg_restore into a new database"
[ -s "$FC_TMP/restore.err" ] && sed 's/^/# /' "$FC_TMP/restore.err" | head -5

# Every table's rows, compared by content (monitor_* hold derived counts and
# rollups, not dumped: the queue counts are compared as monitor_queue() gives them).
# (System templates are re-created by CREATE EXTENSION, so compare their content, not their ids.)
digest() { qd "$1" "SELECT string_agg(c.relname || ':' || (xpath('/row/d/text()', query_to_xml(CASE WHEN c.relname = 'system_template'
	THEN 'SELECT md5(string_agg(code || channel || locale || body_template || shipped, ''|'' ORDER BY code, channel, locale)) AS d FROM flowcomm.system_template'
	ELSE format('SELECT md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) AS d FROM flowcomm.%I t', c.relname) END,
	false, true, '')))[1]::text, ' ' ORDER BY c.relname) FROM pg_class c WHERE c.relnamespace = 'flowcomm'::regnamespace AND c.relkind = 'r'
	AND c.relname NOT LIKE 'monitor\\_%'"; }
is "$(digest "$DST")" "$(digest "$SRC")" "every flowcomm table restored with identical rows"
is "$(qd "$DST" "SELECT string_agg(concat_ws(':', priority, channel, status, n), ' ') FROM flowcomm.monitor_queue() WHERE n <> 0")" \
	"$(qd "$SRC" "SELECT string_agg(concat_ws(':', priority, channel, status, n), ' ') FROM flowcomm.monitor_queue() WHERE n <> 0")" \
	"the monitoring queue counts are rebuilt by the restore"
is "$(qd "$DST" "SELECT count(*) FROM flowcomm.system_template WHERE shipped")" "$(qd "$SRC" "SELECT count(*) FROM flowcomm.system_template WHERE shipped")" "shipped templates present once"

# The restored extension works and its workers resume the pending messages.
qd "$DST" "UPDATE flowcomm.communication_queue SET scheduled_at = now() WHERE status = 'pending'" >/dev/null
deadline=$(($(date +%s) + 20))
while [ "$(date +%s)" -le "$deadline" ]; do
	[ "$(qd "$DST" "SELECT count(*) FROM flowcomm.communication_queue WHERE status IN ('pending', 'processing')")" = 0 ] && break
	sleep 0.2
done
is "$(qd "$DST" "SELECT count(*) FILTER (WHERE status = 'sent') || '/' || count(*) FROM flowcomm.communication WHERE business_id = '$BID'")" "30/30" "workers sent the 15 pending messages after the restore"
is "$(qd "$DST" "SET flowcomm.business_id = '$BID'; SELECT flowcomm.send('{\"channel\": \"sms\", \"type\": \"general\", \"recipientContact\": \"+14155550999\", \"templateCode\": \"hi\", \"templateVariables\": {\"name\": \"x\"}}') ->> 'status'" | tail -1)" queued "send works after the restore"

qd postgres "DROP DATABASE IF EXISTS $SRC WITH (FORCE)" >/dev/null
qd postgres "DROP DATABASE IF EXISTS $DST WITH (FORCE)" >/dev/null
done_testing
