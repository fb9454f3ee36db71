#!/bin/sh
# 85_automation_schedule.sh — the delivery workers run the collection policy
# on their own schedule (no external cron): an overdue invoice gets its
# reminder, once, and the reminder actually leaves to the provider.
. "$FC_REPO/test/t/delivery.inc"
plan 4

BID=$(new_uuid)
own_accounts "$BID"
fc_psql -d flowcomm_t -q -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS flowpos CASCADE" -f "$FC_REPO/test/fixtures/flowpos.sql" >/dev/null 2>&1
q "INSERT INTO flowpos.business VALUES ('$BID', 'Papelería Luna', 'UTC', 'es', 'MXN', NULL, NULL);
   INSERT INTO flowpos.customer VALUES ('$BID', '$BID', 'Rosa', NULL, 'rosa@example.test', '+15551239876', NULL, 'es');
   INSERT INTO flowcomm.collection_policy (business_id, channels, quiet_start, quiet_end) VALUES ('$BID', '{email}', '00:00', '00:00');
   INSERT INTO flowpos.ar_invoice VALUES ('$BID', '$BID', '$BID', NULL, 'L-9', current_date - 8, 80, 80, 'MXN');" >/dev/null
set_guc flowcomm.overdue_source flowpos.overdue_invoice
set_guc flowcomm.automation_interval_s 1

wait_for "SELECT count(*) = 1 FROM flowcomm.reminder_log WHERE business_id = '$BID'" 15
ok $? "the worker ran the reminder policy by itself"
is "$(q "SELECT step || ' ' || days_overdue || ' ' || outcome || ' ' || detail FROM flowcomm.reminder_log WHERE business_id = '$BID'")" "2 8 sent payment_reminder" "step 2 (7 days) reached at 8 days overdue"
wait_for "SELECT count(*) = 1 FROM flowcomm.communication WHERE business_id = '$BID' AND type = 'invoice_reminder' AND status = 'sent' AND created_by = 'SYSTEM_collections'" 10
ok $? "the reminder was delivered to the provider"
sleep 2
is "$(q "SELECT count(*) FROM flowcomm.communication WHERE business_id = '$BID'")" 1 "later runs do not repeat the step"

reset_guc flowcomm.automation_interval_s
reset_guc flowcomm.overdue_source
q "DROP SCHEMA flowpos CASCADE" >/dev/null 2>&1
done_testing
