-- Suppressions: admins of a business list, add and lift them; nobody else.
\set VERBOSITY terse
CREATE ROLE fc_t51_admin LOGIN IN ROLE flowcomm_admin;
CREATE ROLE fc_t51_sender LOGIN IN ROLE flowcomm_sender;
INSERT INTO flowcomm.tenant_role VALUES ('fc_t51_admin', 'b5100000-0000-0000-0000-00000000000a'),
										('fc_t51_sender', 'b5100000-0000-0000-0000-00000000000a');
INSERT INTO flowcomm.suppression (business_id, channel, contact, reason, source, detail)
VALUES ('b5100000-0000-0000-0000-00000000000a', 'email', 'bounced@example.com', 'bounce', 'sendgrid', 'bounce: 550 no such user'),
	   ('b5100000-0000-0000-0000-00000000000b', 'email', 'other@example.com', 'spamreport', 'sendgrid', NULL);

SET ROLE fc_t51_admin;
SET flowcomm.business_id = 'b5100000-0000-0000-0000-00000000000a';
SELECT r - 'id' - 'createdAt' AS suppression FROM jsonb_array_elements(flowcomm.suppressions() -> 'results') r;
SELECT flowcomm.suppression_add('sms', '+14155550123', 'admin', 'asked by phone') - 'id' - 'createdAt' - 'liftedBy' AS added;
SELECT flowcomm.suppression_add('sms', '+14155550123') ->> 'created' AS created_again;
SELECT flowcomm.suppression_add('email', 'Mixed.Case@Example.com') ->> 'contact' AS normalised;
SELECT flowcomm.suppressions('{"channel": "sms"}') -> 'count' AS sms_count;
SELECT flowcomm.suppressions('{"active": true}') -> 'count' AS active_count;
-- Bad input names the field.
SELECT flowcomm.suppression_add('fax', '+14155550123');
SELECT flowcomm.suppression_add('sms', '4155550123');
SELECT flowcomm.suppression_add('sms', '+14155550124', 'because');
SELECT flowcomm.suppressions('{"colour": "red"}');
-- Lifting needs a reason, keeps the row and records who and why.
SELECT id AS bounce_id FROM flowcomm.suppression WHERE contact = 'bounced@example.com' \gset
SELECT flowcomm.suppression_lift(:'bounce_id', '  ');
SELECT s ->> 'active' AS active, s ->> 'liftedBy' AS lifted_by, s ->> 'detail' AS detail
  FROM flowcomm.suppression_lift(:'bounce_id', 'mailbox fixed, confirmed by customer') s;
\set VERBOSITY sqlstate
SELECT flowcomm.suppression_lift(:'bounce_id', 'again');
\set VERBOSITY terse
SELECT flowcomm.suppressions('{"active": false}') -> 'results' -> 0 ->> 'contact' AS lifted_contact;
-- Another business's suppression does not exist here.
RESET ROLE;
SELECT id AS other_id FROM flowcomm.suppression WHERE contact = 'other@example.com' \gset
SET ROLE fc_t51_admin;
\set VERBOSITY sqlstate
SELECT flowcomm.suppression_lift(:'other_id', 'not mine');
\set VERBOSITY terse
SELECT count(*) AS visible FROM flowcomm.suppression;
-- The PostgREST wrappers.
SELECT api.suppressions(channel => 'email', active => 'true') -> 'count' AS api_count;
SELECT api.suppression_add('whatsapp', '+14155550126', detail => 'via api') ->> 'created' AS api_created;
SELECT api.suppression_lift(id, 'via api') ->> 'active' AS api_lifted_active
  FROM flowcomm.suppression WHERE contact = '+14155550126';
RESET ROLE;

-- Senders may not manage suppressions.
SET ROLE fc_t51_sender;
SELECT flowcomm.suppressions();
SELECT flowcomm.suppression_add('sms', '+14155550125');
SELECT api.suppressions();
RESET ROLE;
RESET flowcomm.business_id;

DROP OWNED BY fc_t51_admin, fc_t51_sender;
DELETE FROM flowcomm.tenant_role WHERE role_name IN ('fc_t51_admin', 'fc_t51_sender');
DROP ROLE fc_t51_admin, fc_t51_sender;
