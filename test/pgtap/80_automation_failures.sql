-- Automation never breaks the host's transaction (0.3.0): a tenant template
-- whose output exceeds the limit, used by a sale rule, and a rule whose own
-- SQL fails, leave the host's INSERT and its COMMIT-time trigger alone: a
-- WARNING and an automation_failures row instead.  On 0.2.0 the INSERT failed.
BEGIN;
SET LOCAL client_min_messages = error;
SELECT plan(8);
CREATE SCHEMA t80;
CREATE TABLE t80.sale (business_id uuid NOT NULL, id uuid NOT NULL, email text, note text);
INSERT INTO flowcomm.communication_template (business_id, name, code, channel, type, locale, subject_template, body_template, created_by)
VALUES ('b0000000-0000-0000-0000-0000000080f1', 'Big', 'big_invoice', 'email', 'invoice', 'en', 'Invoice', '<p>{{note}}</p>', 'test');
SELECT flowcomm.rule_register(name => 't80_big', table_name => 't80.sale', on_event => 'insert', message_type => 'invoice',
	template_code => 'big_invoice', channel_mode => 'email', entity_type => 'sale',
	recipients_sql => $q$SELECT 'customer' AS recipient_type, NULL::uuid AS recipient_id, 'Ana' AS name, ($1).email AS email,
		NULL AS phone, NULL AS whatsapp, NULL AS messenger_id, 'en' AS locale$q$,
	variables_sql => $q$SELECT jsonb_build_object('note', ($1).note)$q$);
SET LOCAL flowcomm.template_max_output = '1kB';

-- The rule's trigger is deferred: SET CONSTRAINTS fires it here, as COMMIT would.
SELECT lives_ok($$INSERT INTO t80.sale VALUES ('b0000000-0000-0000-0000-0000000080f1', '5a000000-0000-0000-0000-0000000080f1',
	'ana@example.com', repeat('x', 5000)); SET CONSTRAINTS ALL IMMEDIATE$$,
	'a sale whose invoice template output exceeds the limit is still inserted (and its commit-time trigger does not fail)');
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT count(*)::int FROM t80.sale), 1, 'the sale row is there');
SELECT is((SELECT count(*)::int FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000080f1'), 0,
	'no message was queued');
SELECT is((SELECT sqlstate FROM flowcomm.automation_failures WHERE business_id = 'b0000000-0000-0000-0000-0000000080f1'),
	'54000', 'the failure is recorded with its SQLSTATE');
SELECT ok((SELECT error ~ 'output' AND rule_name = 't80_big' AND entity_id = '5a000000-0000-0000-0000-0000000080f1'
	AND request ->> 'channel' = 'email' FROM flowcomm.automation_failures WHERE business_id = 'b0000000-0000-0000-0000-0000000080f1'),
	'with the error, the rule, the entity and the request');
-- A small sale goes out as usual.
INSERT INTO t80.sale VALUES ('b0000000-0000-0000-0000-0000000080f1', '5a000000-0000-0000-0000-0000000080f2', 'ana@example.com', 'ok');
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT count(*)::int FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-0000000080f1'), 1,
	'a sale within the limits sends its invoice');
-- A rule whose own SQL fails is recorded too.
UPDATE flowcomm.automation_rule SET variables_sql = 'SELECT 1/0' WHERE name = 't80_big';
SELECT lives_ok($$INSERT INTO t80.sale VALUES ('b0000000-0000-0000-0000-0000000080f1', '5a000000-0000-0000-0000-0000000080f3',
	'ana@example.com', 'ok'); SET CONSTRAINTS ALL IMMEDIATE$$, 'a rule whose SQL fails does not fail the INSERT');
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT count(*)::int FROM flowcomm.automation_failures WHERE business_id = 'b0000000-0000-0000-0000-0000000080f1' AND sqlstate = '22012'),
	1, 'and is recorded (22012 division by zero)');

SELECT * FROM finish();
ROLLBACK;
