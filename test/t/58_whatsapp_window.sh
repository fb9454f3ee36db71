#!/bin/sh
# 58_whatsapp_window.sh — WhatsApp/Messenger 24-hour windows and approved
# Content templates through the real workers and the simulator (issue 17):
# an invoice inside the window goes as a free-form Body; outside it as the
# approved Content template (ContentSid + ContentVariables, no Body); outside
# with no approved template it is not sent to Twilio, fails with
# whatsapp_template_required and falls back to SMS; a scheduled message
# whose window closes before it is due goes as the template; a 63016 answer
# (the simulator knows no window) falls back too; Messenger outside the
# window falls back.  The approval status is fetched from the simulator's
# Content API on bind.
. "$FC_REPO/test/t/delivery.inc"
plan 20

BID=$(new_uuid)
own_accounts "$BID"
# Its own WhatsApp number: on the suite's shared test number a customer who
# writes first reaches no business (replies go only to businesses already in
# conversation with that contact), so no window would open.
FC_WA_NUMBER=+14155258058
q "UPDATE flowcomm.provider_account SET whatsapp_from = '$FC_WA_NUMBER' WHERE business_id = '$BID' AND provider = 'twilio'" >/dev/null
set_guc flowcomm.twilio_content_base_url "$FC_SIM_URL"
HX=HX58a0000000000000000000000000005a
VARS='{"invoiceNumber": "F-58", "amount": 12.5, "currency": "USD", "customerName": "Ana", "businessName": "Shop"}'
# customer ID PHONE [LOCALE] [MESSENGER]: a customer preferring WhatsApp then SMS for invoices.
customer()
{
	q "SET flowcomm.business_id = '$BID';
	   SELECT flowcomm.preferences_update('customer', '$1', '{\"preferredPhone\": \"$2\", \"locale\": \"${3:-en}\",
	     ${4:+\"preferredMessengerId\": \"$4\",} \"preferences\": {\"invoice\": [\"whatsapp\", \"sms\"], \"general_notification\": [\"messenger\", \"sms\"]}}')" >/dev/null
}
# invoice CUSTOMER [LOCALE] [SCHEDULED_AT]: a WhatsApp invoice from the system template.
invoice()
{
	q "SET flowcomm.business_id = '$BID';
	   SELECT flowcomm.send(jsonb_build_object('channel', 'whatsapp', 'type', 'invoice', 'recipientId', '$1',
	     'recipientName', 'Ana', 'templateCode', 'invoice', 'locale', '${2:-en}', 'templateVariables', '$VARS'::jsonb)
	     || CASE WHEN '${3:-}' <> '' THEN jsonb_build_object('scheduledAt', '${3:-}') ELSE '{}' END) ->> 'id'" | tail -1
}
twilio_to() { sim_py "$SEQ" "
r = [urllib.parse.parse_qs(x['body']) for x in R if x['provider'] == 'twilio' and x['path'].endswith('/Messages.json') and urllib.parse.parse_qs(x['body'])['To'][0] == '$1']
print(len(r), ','.join(sorted(k for k in (r[-1] if r else {}) if k in ('Body', 'ContentSid', 'ContentVariables'))), r[-1].get('ContentSid', [''])[0] if r else '')"; }

C1=$(new_uuid); C2=$(new_uuid); C3=$(new_uuid); C4=$(new_uuid); C5=$(new_uuid); C6=$(new_uuid)
customer "$C1" +15551258001
customer "$C2" +15551258002
customer "$C3" +15551258003 es
customer "$C4" +15551258004
customer "$C5" +15551258005 es
customer "$C6" +15551258006 en 5858585858
SEQ=$(sim_seq)

# 1. Inside the window: free-form Body.
is "$(customer_writes whatsapp +15551258001)" "true" "the customer's message reaches flowcomm's inbound webhook"
is "$(q "SET flowcomm.business_id = '$BID'; SELECT flowcomm.conversation_windows('whatsapp:+15551258001') -> 0 ->> 'open'" | tail -1)" \
	"true" "it opened the 24-hour window of that number and sender"
M1=$(invoice "$C1")
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE id = '$M1'" 10
ok $? "invoice inside the window sent"
is "$(twilio_to whatsapp:+15551258001)" "1 Body " "as a free-form Body"
is "$(q "SELECT payload ->> 'form' FROM flowcomm.communication_event WHERE communication_id = '$M1' AND event = 'send_form'")" \
	"freeform" "history records the free form"

# 2. Outside the window, approved Content template: ContentSid + ContentVariables, no Body.
sim_post /_sim/content "{\"sid\": \"$HX\", \"variables\": [\"1\", \"2\", \"3\"], \"status\": \"approved\"}" >/dev/null
q "SET flowcomm.business_id = '$BID'; SELECT flowcomm.content_template_bind('{\"templateCode\": \"invoice\", \"locale\": \"en\",
	\"contentSid\": \"$HX\", \"placeholders\": {\"1\": \"{{customerName}}\", \"2\": \"{{invoiceNumber}}\", \"3\": \"{{currency amount currency}}\"}}')" >/dev/null
wait_for "SELECT approval_status = 'approved' FROM flowcomm.content_template WHERE business_id = '$BID'" 10
ok $? "the worker fetched the approval from the Content API on bind"
is "$(sim_py "$SEQ" "print(sum(1 for x in R if x['path'] == '/v1/Content/$HX/ApprovalRequests' and x['method'] == 'GET' and x['status'] == 200))")" \
	"1" "one GET /v1/Content/{Sid}/ApprovalRequests with the business's credentials"
M2=$(invoice "$C2")
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE id = '$M2'" 10
ok $? "invoice outside the window sent"
is "$(twilio_to whatsapp:+15551258002)" "1 ContentSid,ContentVariables $HX" "as the approved template, without a Body"
is "$(sim_py "$SEQ" "
r = [urllib.parse.parse_qs(x['body']) for x in R if x['path'].endswith('/Messages.json') and urllib.parse.parse_qs(x['body'])['To'][0] == 'whatsapp:+15551258002']
print(json.loads(r[0]['ContentVariables'][0]))")" "{'1': 'Ana', '2': 'F-58', '3': '\$12.50'}" "placeholders rendered by the template engine"
is "$(q "SELECT detail ~ '$HX' FROM flowcomm.communication_event WHERE communication_id = '$M2' AND event = 'send_form'")" "t" \
	"history names the ContentSid that went out"

# 3. Outside, no approved template (es not bound): not sent to Twilio, SMS fallback.
M3=$(invoice "$C3" es)
wait_for "SELECT count(*) = 1 FROM flowcomm.communication WHERE fallback_of_id = '$M3' AND status = 'sent'" 10
ok $? "SMS fallback sent"
is "$(q "SELECT status || ' ' || error_code FROM flowcomm.communication WHERE id = '$M3'")" "failed whatsapp_template_required" \
	"the WhatsApp message failed with whatsapp_template_required"
is "$(twilio_to whatsapp:+15551258003 | cut -d' ' -f1)/$(twilio_to +15551258003 | cut -d' ' -f1)" "0/1" \
	"nothing went to Twilio on WhatsApp, the SMS did"

# 4. The window closes between enqueue and send (scheduled): the template goes out.
customer_writes whatsapp +15551258004 86394 >/dev/null
M4=$(invoice "$C4" en "$(date -u -d '+8 seconds' '+%Y-%m-%dT%H:%M:%SZ')")
is "$(q "SET flowcomm.business_id = '$BID'; SELECT flowcomm.conversation_windows('+15551258004') -> 0 ->> 'open'" | tail -1)" \
	"true" "the window is open when the reminder is queued"
wait_for "SELECT status = 'sent' FROM flowcomm.communication WHERE id = '$M4'" 20
ok $? "the scheduled invoice was sent once due"
is "$(twilio_to whatsapp:+15551258004)" "1 ContentSid,ContentVariables $HX" "as the template: the choice was made at send time"

# 5. 63016: flowcomm saw the customer write, the simulator (Twilio) did not: fallback.
q "INSERT INTO flowcomm.conversation_window (business_id, channel, sender, contact, last_inbound_at)
   VALUES ('$BID', 'whatsapp', '$FC_WA_NUMBER', '+15551258005', now())" >/dev/null
M5=$(invoice "$C5" es)
wait_for "SELECT count(*) = 1 FROM flowcomm.communication WHERE fallback_of_id = '$M5' AND status = 'sent'" 10
ok $? "Twilio's 63016 answer takes the SMS fallback"
is "$(q "SELECT error_code || ' ' || (error_message ~ '63016') FROM flowcomm.communication WHERE id = '$M5'")" \
	"whatsapp_template_required true" "with the reason whatsapp_template_required and Twilio's code"

# 6. Messenger outside the window: not sent, SMS fallback.
M6=$(q "SET flowcomm.business_id = '$BID'; SELECT flowcomm.send(jsonb_build_object('channel', 'messenger', 'type', 'general_notification',
	'recipientId', '$C6', 'content', 'Your order is ready')) ->> 'id'" | tail -1)
wait_for "SELECT count(*) = 1 FROM flowcomm.communication WHERE fallback_of_id = '$M6' AND status = 'sent' AND channel = 'sms'" 10
ok $? "Messenger outside the window: messenger_window_closed, then SMS ($(q "SELECT error_code FROM flowcomm.communication WHERE id = '$M6'"))"

reset_guc flowcomm.twilio_content_base_url
done_testing
