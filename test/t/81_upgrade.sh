#!/bin/sh
# 81_upgrade.sh — ALTER EXTENSION flowcomm UPDATE from the first released
# version (0.1.0, sql/flowcomm--0.1.0.sql, frozen) to the current one keeps
# every row, ends with exactly the catalog a fresh CREATE EXTENSION makes
# (functions, tables, columns in order, constraints, indexes, triggers,
# policies, grants, comments, enum labels, membership, dump registrations),
# and the workers go on sending what was queued before the update.
. "$FC_REPO/test/t/delivery.inc"
plan 8

qd() { fc_psql -d "$1" -At -c "$2" 2>&1; }
OLD=0.1.0
CUR=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$FC_REPO/flowcomm.control")
UPG=flowcomm_restore		# served by the workers (test/run_tests.sh)
FRESH=flowcomm_fresh
BID=$(new_uuid)
for d in $UPG $FRESH; do
	qd postgres "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null
	qd postgres "CREATE DATABASE $d" >/dev/null
done
qd "$FRESH" "CREATE EXTENSION flowcomm" >/dev/null
is "$(qd "$UPG" "CREATE EXTENSION flowcomm VERSION '$OLD'; SELECT extversion FROM pg_extension WHERE extname = 'flowcomm'" | tail -1)" \
	"$OLD" "version $OLD installs from its frozen script"

# Traffic through the 0.1.0 API: accounts, a template, preferences, a
# suppression, a signing key and a payment link, queued and "sent" messages.
fc_psql -d "$UPG" -q -v ON_ERROR_STOP=1 >"$FC_TMP/upgrade_fill.out" 2>&1 <<SQL
$(business_sql "$BID")
SELECT flowcomm.suppression_add('email', 'gone@example.com', 'bounce');
SELECT flowcomm.signing_key_add('k1');
SELECT flowcomm.payment_link_issue('$BID', 12.50, 'USD');
SELECT flowcomm.send(jsonb_build_object('channel', 'sms', 'type', 'general', 'recipientContact', '+1415555' || lpad(i::text, 4, '0'),
	'templateCode', 'hi', 'templateVariables', jsonb_build_object('name', 'n' || i))) FROM generate_series(1, 20) i;
SELECT flowcomm.send(jsonb_build_object('channel', 'email', 'type', 'invoice', 'recipientContact', 'a' || i || '@example.com',
	'subject', 'Invoice', 'content', '<p>Invoice</p>')) FROM generate_series(1, 10) i;
WITH s AS (UPDATE flowcomm.communication_queue SET status = 'completed', completed_at = now()
			WHERE business_id = '$BID' AND communication_id IN (SELECT id FROM flowcomm.communication WHERE business_id = '$BID' ORDER BY id LIMIT 15)
			RETURNING communication_id)
UPDATE flowcomm.communication c SET status = 'sent', sent_at = now(), provider_message_id = 'SMfake' || c.id FROM s WHERE c.id = s.communication_id;
-- The rest waits until after the update.
UPDATE flowcomm.communication_queue SET scheduled_at = now() + interval '1 day' WHERE business_id = '$BID' AND status = 'pending';
SQL
ok $? "version $OLD filled through its API" || sed 's/^/# /' "$FC_TMP/upgrade_fill.out" | tail -5

# Rows of every table as they were, over the columns the old version had
# (an upgrade may add columns; it must not change what was there).
cols_sql="SELECT c.relname || '=' || string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)
	FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE c.relnamespace = 'flowcomm'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'system_template' GROUP BY c.relname"
qd "$UPG" "$cols_sql" >"$FC_TMP/upgrade_cols"
digest()
{
	while IFS='=' read -r rel cols; do
		printf '%s %s\n' "$rel" "$(qd "$1" "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM (SELECT $cols FROM flowcomm.$rel) t")"
	done <"$FC_TMP/upgrade_cols"
}
digest "$UPG" >"$FC_TMP/upgrade_before"

out=$(qd "$UPG" "ALTER EXTENSION flowcomm UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'flowcomm'")
is "$(echo "$out" | tail -1)" "$CUR" "ALTER EXTENSION flowcomm UPDATE reaches $CUR"
[ "$(echo "$out" | tail -1)" = "$CUR" ] || echo "$out" | sed 's/^/# /' | head -10

digest "$UPG" >"$FC_TMP/upgrade_after"
diff "$FC_TMP/upgrade_before" "$FC_TMP/upgrade_after" >"$FC_TMP/upgrade_rows.diff"
ok $? "every row of every table kept (over the columns $OLD had)" || sed 's/^/# /' "$FC_TMP/upgrade_rows.diff" | head -10

# The catalog of the updated extension, line by line, against a fresh install.
catalog() { fc_psql -d "$1" -At -v ON_ERROR_STOP=1 -f "$FC_REPO/test/t/catalog.sql" 2>&1; }
catalog "$FRESH" >"$FC_TMP/catalog_fresh"
catalog "$UPG" >"$FC_TMP/catalog_upgraded"
diff "$FC_TMP/catalog_fresh" "$FC_TMP/catalog_upgraded" >"$FC_TMP/catalog.diff"
ok $? "the updated catalog equals a fresh install of $CUR ($(wc -l <"$FC_TMP/catalog_fresh") objects compared)" ||
	sed 's/^/# /' "$FC_TMP/catalog.diff" | head -20

# The updated extension works, and its workers send what 0.1.0 queued.
qd "$UPG" "UPDATE flowcomm.communication_queue SET scheduled_at = now() WHERE status = 'pending'; SELECT flowcomm.wake_workers()" >/dev/null
deadline=$(($(date +%s) + 20))
while [ "$(date +%s)" -le "$deadline" ]; do
	[ "$(qd "$UPG" "SELECT count(*) FROM flowcomm.communication_queue WHERE status IN ('pending', 'processing')")" = 0 ] && break
	sleep 0.2
done
is "$(qd "$UPG" "SELECT count(*) FILTER (WHERE status = 'sent') || '/' || count(*) FROM flowcomm.communication WHERE business_id = '$BID'")" \
	"30/30" "workers sent the 15 messages queued before the update"
is "$(qd "$UPG" "SET flowcomm.business_id = '$BID'; SELECT flowcomm.send('{\"channel\": \"sms\", \"type\": \"general\", \"recipientContact\": \"+14155550999\", \"templateCode\": \"hi\", \"templateVariables\": {\"name\": \"x\"}}') ->> 'status'" | tail -1)" \
	queued "send with a template created under $OLD works after the update"
is "$(qd "$UPG" "SET flowcomm.business_id = '$BID'; SELECT flowcomm.history('{\"size\": 100}') ->> 'count'" | tail -1)" \
	31 "history reads the old rows after the update"

qd postgres "DROP DATABASE IF EXISTS $FRESH WITH (FORCE)" >/dev/null
qd postgres "DROP DATABASE IF EXISTS $UPG WITH (FORCE)" >/dev/null
done_testing
