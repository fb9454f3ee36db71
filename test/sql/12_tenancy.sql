-- Row-level security and roles: a business never sees another's rows.
\set VERBOSITY terse
SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000000a1';
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"for A"}') ->> 'status';
SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000000b2';
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"for B"}') ->> 'status';
RESET flowcomm.business_id;
SELECT id AS a_id FROM flowcomm.communication WHERE content = 'for A' \gset

CREATE ROLE fc_test_viewer_a LOGIN IN ROLE flowcomm_viewer;
CREATE ROLE fc_test_sender LOGIN IN ROLE flowcomm_sender;
INSERT INTO flowcomm.tenant_role VALUES ('fc_test_viewer_a', 'b0000000-0000-0000-0000-0000000000a1');

SET ROLE fc_test_viewer_a;
SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000000a1';
SELECT content FROM flowcomm.communication;
SELECT count(*) FROM flowcomm.communication_queue;
SELECT (flowcomm.history() -> 'results' -> 0 ->> 'recipientContact') IS NOT NULL AS sees_own;
-- A viewer cannot send, write tables directly, or read secrets.
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x"}');
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content)
VALUES ('b0000000-0000-0000-0000-0000000000a1', 'x', 'customer', '+14155550100', 'sms', 'invoice', 'x');
SELECT * FROM flowcomm.provider_account;
SELECT * FROM flowcomm.signing_key;
-- A bound role cannot switch to another business.
SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000000b2';
SELECT count(*) FROM flowcomm.communication;
SELECT flowcomm.history();
RESET ROLE;

SET ROLE fc_test_sender;
SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000000b2';
SELECT content FROM flowcomm.communication WHERE content LIKE 'for %';
SELECT jsonb_array_length(flowcomm.history('{"recipientContact":"+14155550100"}') -> 'results') AS visible;
-- Another business's message id is simply not found.
\set VERBOSITY sqlstate
SELECT flowcomm.details(:'a_id') IS NULL;
SELECT flowcomm.cancel(:'a_id') IS NULL;
SELECT flowcomm.resend(:'a_id') IS NULL;
\set VERBOSITY terse
RESET ROLE;
-- PostgREST convention: claims instead of the setting.
RESET flowcomm.business_id;
SET ROLE fc_test_sender;
SELECT set_config('request.jwt.claims', '{"role":"flowcomm_sender","business_id":"b0000000-0000-0000-0000-0000000000a1","sub":"user-7"}', false) IS NOT NULL;
SELECT content FROM flowcomm.communication WHERE content LIKE 'for %';
SELECT flowcomm.send('{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"via jwt"}') -> 'communication' ->> 'createdBy';
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) = '';
DROP OWNED BY fc_test_viewer_a, fc_test_sender;
DELETE FROM flowcomm.tenant_role WHERE role_name IN ('fc_test_viewer_a', 'fc_test_sender');
DROP ROLE fc_test_viewer_a, fc_test_sender;
