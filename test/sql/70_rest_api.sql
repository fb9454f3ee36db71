-- The api schema called as PostgREST calls it: SET ROLE to the JWT role,
-- request.jwt.claims set for the transaction, then the RPC.
\set VERBOSITY terse
CREATE FUNCTION pg_temp.as_jwt(role text, business text, sub text DEFAULT 'user-1') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('request.jwt.claims', json_build_object('role', role, 'business_id', business, 'sub', sub)::text, false);
	EXECUTE format('SET ROLE %I', role);
END
$$;

SELECT pg_temp.as_jwt('flowcomm_sender', 'b0000000-0000-0000-0000-000000000070');
SELECT r ->> 'status' AS status, r -> 'communication' ->> 'createdBy' AS created_by
  FROM api.send('{"channel": "sms", "type": "payment_link", "recipientContact": "+14155550170", "content": "Pay here: https://pay.example/x"}') r;
SELECT api.send('{"channel": "sms", "type": "invoice", "recipientContact": "+14155550170", "content": "Invoice 70", "entityType": "sale", "entityId": "5a000000-0000-0000-0000-000000000070"}') ->> 'status';
SELECT (api.communications(channel => 'sms', size => '1')) ->> 'count' AS sms_count;
SELECT jsonb_array_length(api.communications(page => '1', size => '1') -> 'results') AS page_len;
SELECT api.communications(size => 'ten');
SELECT (api.communications("entityId" => '5a000000-0000-0000-0000-000000000070')) ->> 'count' AS by_entity;
SELECT (api.communication((api.communications(size => '1') #>> '{results,0,id}')::uuid)) ->> 'channel' AS detail_channel;
SELECT api.communication('00000000-0000-0000-0000-000000000000');
SELECT (api.resend((api.communications(type => 'invoice') #>> '{results,0,id}')::uuid, channel => 'email', "recipientContact" => 'x@example.com')) -> 'communication' ->> 'channel';
SELECT (api.cancel((api.communications(channel => 'email') #>> '{results,0,id}')::uuid, 'test')) ->> 'status';
SELECT (api.stats()) ->> 'total' AS total;
SELECT api.stats("startDate" => '2026-13-01');
SELECT api.stats("businessId" => 'b0000000-0000-0000-0000-000000000071');
SELECT (api.preferences_update('customer', 'c0000000-0000-0000-0000-000000000070', '{"emailEnabled": false}')) ->> 'emailEnabled';
SELECT (api.preferences('customer', 'c0000000-0000-0000-0000-000000000070')) ->> 'emailEnabled';
SELECT jsonb_array_length(api.templates(channel => 'sms', code => 'invoice') -> 'results') AS sms_invoice_variants;
-- A sender cannot manage templates.
SELECT api.template_create('{"name": "x", "code": "x", "channel": "sms", "type": "invoice", "bodyTemplate": "x"}');
RESET ROLE;

SELECT pg_temp.as_jwt('flowcomm_admin', 'b0000000-0000-0000-0000-000000000070');
SELECT t ->> 'code' AS code, t ->> 'isSystem' AS is_system
  FROM api.template_create('{"name": "Thanks", "code": "thanks", "channel": "sms", "type": "general_notification",
	"bodyTemplate": "Thanks {{name}}!", "availableVariables": ["name"]}') t;
SELECT api.template_create('{"name": "Thanks", "code": "thanks", "channel": "sms", "type": "general_notification", "bodyTemplate": "x"}');
SELECT api.template_create('{"name": "Bad", "code": "bad", "channel": "sms", "type": "general_notification", "bodyTemplate": "Hi {{who}}", "availableVariables": []}');
SELECT api.template_create('{"name": "Bad", "code": "bad", "channel": "sms", "type": "general_notification", "bodyTemplate": "Hi {{#if x}}"}');
SELECT (api.template_update((api.templates(code => 'thanks') #>> '{results,0,id}')::uuid, '{"bodyTemplate": "Gracias {{name}}!"}')) ->> 'bodyTemplate';
SELECT (api.template_preview('{"templateCode": "thanks", "channel": "sms", "variables": {"name": "Ana"}}')) ->> 'body';
SELECT t ->> 'code' AS code, t ->> 'bodyTemplate' AS body FROM api.template((api.templates(code => 'thanks') #>> '{results,0,id}')::uuid) t;
\set VERBOSITY sqlstate
SELECT api.template_update((api.templates(code => 'invoice', channel => 'sms') #>> '{results,0,id}')::uuid, '{"name": "mine now"}');
SELECT api.template_delete((api.templates(code => 'invoice', channel => 'sms') #>> '{results,0,id}')::uuid);
\set VERBOSITY terse
SELECT (api.template_delete((api.templates(code => 'thanks') #>> '{results,0,id}')::uuid)) ->> 'deleted';
RESET ROLE;

-- A viewer reads but cannot send; anonymous callers reach nothing but webhooks.
SELECT pg_temp.as_jwt('flowcomm_viewer', 'b0000000-0000-0000-0000-000000000070');
SELECT (api.communications()) ->> 'count' IS NOT NULL AS can_read;
SELECT api.send('{"channel": "sms", "type": "invoice", "recipientContact": "+14155550170", "content": "x"}');
RESET ROLE;
SET ROLE flowcomm_anon;
SELECT api.communications();
SELECT * FROM flowcomm.communication;
RESET ROLE;
-- Another business's claims see nothing of business 70.
SELECT pg_temp.as_jwt('flowcomm_viewer', 'b0000000-0000-0000-0000-000000000071');
SELECT (api.communications()) ->> 'count' AS other_business_count;
SELECT count(*) FROM flowcomm.communication;
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) = '';
