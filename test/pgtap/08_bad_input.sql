-- The bad-input catalogue: every public function, many kinds of bad input.
-- Each case must fail with the expected SQLSTATE and a message naming the
-- problem, and no row of any flowcomm table may change.
BEGIN;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000000ba';
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE bad_case (n serial, sql text, state text, msg text);

-- send: one valid request, then each field broken in many ways.
CREATE TEMP TABLE good AS SELECT '{"channel": "sms", "type": "invoice", "recipientContact": "+14155550100", "content": "x"}'::jsonb AS req;
INSERT INTO bad_case (sql, state, msg)
SELECT format('SELECT flowcomm.send(%L::jsonb)', (SELECT req FROM good) || jsonb_build_object(f, v)), '22023', f
  FROM (VALUES
	('channel', '"fax"'), ('channel', '""'), ('channel', '1'), ('channel', 'true'), ('channel', '["sms"]'), ('channel', '{"a":1}'),
	('channel', '"SMS"'), ('channel', '"sms "'), ('channel', '"sms; DROP TABLE x"'),
	('type', '"spam"'), ('type', '""'), ('type', '42'), ('type', '"inbound_reply"'), ('type', '"INVOICE"'), ('type', '[]'),
	('recipientContact', '"4155550100"'), ('recipientContact', '"+0155550100"'), ('recipientContact', '"+1"'),
	('recipientContact', '"+1415555010012345"'), ('recipientContact', '"+1 415 555 0100"'), ('recipientContact', '"(415) 555-0100"'),
	('recipientContact', '""'), ('recipientContact', '12345'), ('recipientContact', '"+14155550100\nBcc: x"'),
	('recipientContact', '"\u00e9\u00e9\u00e9"'), ('recipientContact', '"'' OR 1=1 --"'),
	('recipientType', '"robot"'), ('recipientType', '""'), ('recipientType', '7'), ('recipientType', '"Customer"'),
	('recipientId', '"42"'), ('recipientId', '"not-a-uuid"'), ('recipientId', '123'), ('recipientId', '"00000000-0000-0000-0000-00000000000g"'),
	('recipientName', '7'), ('recipientName', to_jsonb(repeat('n', 300))),
	('subject', '5'), ('subject', to_jsonb(repeat('s', 501))),
	('content', '""'), ('content', '7'), ('content', '{"html": 1}'), ('content', to_jsonb(repeat('c', 65537))),
	('priority', '"asap"'), ('priority', '""'), ('priority', '1'), ('priority', '"URGENT"'),
	('scheduledAt', '"tomorrow"'), ('scheduledAt', '"2026-02-30"'), ('scheduledAt', '"2026-13-01T00:00:00Z"'),
	('scheduledAt', '"9999-01-01T00:00:00Z"'), ('scheduledAt', '1700000000'), ('scheduledAt', '"now"'), ('scheduledAt', '"2026-01-01T25:00:00Z"'),
	('entityType', '"sale; drop table x"'), ('entityType', '"sale-1"'), ('entityType', '5'), ('entityType', to_jsonb(repeat('e', 51))),
	('entityId', '"x"'), ('entityId', '5'),
	('metadata', '[1]'), ('metadata', '"meta"'), ('metadata', '5'),
	('maxRetries', '99'), ('maxRetries', '-1'), ('maxRetries', '1.5'), ('maxRetries', '"many"'),
	('idempotencyKey', '""'), ('idempotencyKey', '5'), ('idempotencyKey', to_jsonb(repeat('k', 256))),
	('locale', '"english"'), ('locale', '"e"'), ('locale', '5'),
	('templateVariables', '{"a": 1}'), ('templateVariables', '[1]'),
	('templateId', '"x"'), ('templateCode', '5'),
	('attachments', '{}'), ('attachments', '"a.pdf"'), ('attachments', '[1]'), ('attachments', '[{}]'),
	('attachments', '[{"filename": "../x.pdf", "fileUrl": "https://x.example/x.pdf"}]'),
	('attachments', '[{"filename": "a.pdf"}]'),
	('attachments', '[{"filename": "a.pdf", "fileUrl": "ftp://x/a.pdf"}]'),
	('attachments', '[{"filename": "a.pdf", "fileUrl": "https://x.example/a.pdf", "mimeType": "pdf"}]'),
	('attachments', '[{"filename": "a.pdf", "fileUrl": "https://x.example/a.pdf", "sizeBytes": -1}]'),
	('attachments', '[{"filename": "a.pdf", "fileUrl": "https://x.example/a.pdf", "extra": 1}]'),
	('attachments', '[{"filename": "a.pdf", "contentBase64": "***"}]'),
	('attachments', (SELECT jsonb_agg(jsonb_build_object('filename', 'f' || i || '.pdf', 'fileUrl', 'https://x.example/f.pdf')) FROM generate_series(1, 11) i)),
	('createdBy', '"mallory"'), ('createdBy', '"SYSTEM_"'), ('createdBy', '5'),
	('bogus', '1'), ('Channel', '"sms"'), ('', '1')
  ) v(f, v0), LATERAL (SELECT v0::jsonb AS v) x;

-- send: whole-request problems and missing fields.
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT flowcomm.send(NULL)', '22023', 'request'),
	('SELECT flowcomm.send(''[]'')', '22023', 'request'),
	('SELECT flowcomm.send(''"text"'')', '22023', 'request'),
	('SELECT flowcomm.send(''42'')', '22023', 'request'),
	('SELECT flowcomm.send(''{}'')', '22023', 'channel'),
	('SELECT flowcomm.send(''{"channel":"sms"}'')', '22023', 'type'),
	('SELECT flowcomm.send(''{"channel":"sms","type":"invoice"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"sms","type":"invoice","recipientContact":"+14155550100"}'')', '22023', 'content'),
	('SELECT flowcomm.send(''{"channel":"email","type":"invoice","recipientContact":"a@example.com","content":"x"}'')', '22023', 'subject'),
	('SELECT flowcomm.send(''{"channel":"email","type":"invoice","recipientContact":"a@b","subject":"s","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"email","type":"invoice","recipientContact":"a..b@example.com","subject":"s","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"email","type":"invoice","recipientContact":"a@-example.com","subject":"s","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"email","type":"invoice","recipientContact":"a b@example.com","subject":"s","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"email","type":"invoice","recipientContact":"@example.com","subject":"s","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"email","type":"invoice","recipientContact":"a@example","subject":"s","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(jsonb_build_object(''channel'',''email'',''type'',''invoice'',''recipientContact'',repeat(''a'',65)||''@example.com'',''subject'',''s'',''content'',''x''))', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"messenger","type":"invoice","recipientContact":"abc","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"messenger","type":"invoice","recipientContact":"1234","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"whatsapp","type":"invoice","recipientContact":"whatsapp:+14155550100","content":"x"}'')', '22023', 'recipientContact'),
	('SELECT flowcomm.send(''{"channel":"whatsapp","type":"invoice","recipientContact":"+14155550100","content":"x","attachments":[{"filename":"a.pdf","contentBase64":"AA=="}]}'')', '22023', 'fileUrl'),
	('SELECT flowcomm.send(''{"channel":"sms","type":"invoice","recipientContact":"+14155550100","templateCode":"no_such_template","templateVariables":{}}'')', 'P0002', 'no_such_template'),
	('SELECT flowcomm.send(''{"channel":"sms","type":"invoice","recipientContact":"+14155550100","templateId":"00000000-0000-0000-0000-000000000000"}'')', 'P0002', 'not found'),
	('SELECT flowcomm.send(''{"channel":"sms","type":"invoice","recipientContact":"+14155550100","content":"x","businessId":"b0000000-0000-0000-0000-000000000001"}'')', '42501', 'current business');

-- history / stats filters.
INSERT INTO bad_case (sql, state, msg)
SELECT format('SELECT flowcomm.history(%L::jsonb)', jsonb_build_object(f, v0::jsonb)), '22023', f
  FROM (VALUES ('channel', '"fax"'), ('status', '"lost"'), ('type', '"x"'), ('recipientType', '"x"'), ('recipientId', '"x"'),
			   ('entityId', '"x"'), ('startDate', '"yesterday"'), ('endDate', '"2020-02-30"'), ('page', '0'), ('page', '-1'),
			   ('page', '"x"'), ('size', '0'), ('size', '101'), ('size', '1.5'), ('recipientContact', '5'), ('sort', '"id"'),
			   ('entityType', to_jsonb(repeat('e', 51))::text)) v(f, v0);
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT flowcomm.history(''[]'')', '22023', 'filters'),
	('SELECT flowcomm.history(''{"startDate":"2021-01-05","endDate":"2021-01-01"}'')', '22023', 'startDate'),
	('SELECT flowcomm.stats(''{"startDate":"2021-01-05","endDate":"2021-01-01"}'')', '22023', 'startDate'),
	('SELECT flowcomm.stats(''{"startDate":"2000-01-01","endDate":"2021-01-01"}'')', '22023', 'endDate'),
	('SELECT flowcomm.stats(''{"channel":"fax"}'')', '22023', 'channel'),
	('SELECT flowcomm.stats(''{"startDate":"x"}'')', '22023', 'startDate'),
	('SELECT flowcomm.stats(''{"groupBy":"x"}'')', '22023', 'groupBy'),
	('SELECT flowcomm.stats(''[1]'')', '22023', 'filters'),
	('SELECT flowcomm.stats(''{"businessId":"b0000000-0000-0000-0000-000000000001"}'')', '42501', 'current business');

-- details / cancel / resend.
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT flowcomm.details(NULL)', '22023', 'id'),
	('SELECT flowcomm.details(''00000000-0000-0000-0000-000000000000'')', 'P0002', 'not found'),
	('SELECT flowcomm.details(''x'')', '22P02', 'uuid'),
	('SELECT flowcomm.cancel(NULL)', '22023', 'id'),
	('SELECT flowcomm.cancel(''00000000-0000-0000-0000-000000000000'')', 'P0002', 'not found'),
	('SELECT flowcomm.cancel(''00000000-0000-0000-0000-000000000000'', repeat(''r'', 501))', 'P0002', 'not found'),
	('SELECT flowcomm.resend(''00000000-0000-0000-0000-000000000000'')', 'P0002', 'not found'),
	('SELECT flowcomm.resend(NULL)', '22023', 'id');

-- preferences.
INSERT INTO bad_case (sql, state, msg)
SELECT format('SELECT flowcomm.preferences_update(''customer'', ''c0000000-0000-0000-0000-0000000000ba'', %L::jsonb)', jsonb_build_object(f, v0::jsonb)), '22023', split_part(f, '.', 1)
  FROM (VALUES ('emailEnabled', '"yes"'), ('smsEnabled', '1'), ('whatsappEnabled', 'null1'), ('messengerEnabled', '[]'),
			   ('preferences', '[]'), ('preferences', '{"invoice": "email"}'), ('preferences', '{"invoice": ["fax"]}'),
			   ('preferences', '{"spam": ["email"]}'), ('preferences', '{"invoice": [1]}'),
			   ('preferredEmail', '"x"'), ('preferredPhone', '"555"'), ('preferredWhatsapp', '"+0"'), ('preferredMessengerId', '"abc"'),
			   ('locale', '"english"'), ('timezone', '"Mars/Base"'), ('timezone', '5'), ('optedOut', '"maybe"'),
			   ('optedOutReason', to_jsonb(repeat('r', 501))::text), ('nickname', '"x"')) v(f, v0)
 WHERE v0 <> 'null1';
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT flowcomm.preferences_get(''robot'', ''c0000000-0000-0000-0000-0000000000ba'')', '22023', 'entityType'),
	('SELECT flowcomm.preferences_get(NULL, ''c0000000-0000-0000-0000-0000000000ba'')', '22023', 'entityType'),
	('SELECT flowcomm.preferences_get(''customer'', NULL)', '22023', 'entityId'),
	('SELECT flowcomm.preferences_update(''customer'', ''c0000000-0000-0000-0000-0000000000ba'', ''[]'')', '22023', 'patch'),
	('SELECT flowcomm.preferences_update(''customer'', ''c0000000-0000-0000-0000-0000000000ba'', NULL)', '22023', 'patch');

-- templates.
INSERT INTO bad_case (sql, state, msg)
SELECT format('SELECT flowcomm.template_create(%L::jsonb)', base || jsonb_build_object(f, v0::jsonb)), '22023', f
  FROM (SELECT '{"name": "T", "code": "t1", "channel": "sms", "type": "invoice", "bodyTemplate": "Hi {{name}}", "availableVariables": ["name"]}'::jsonb AS base) b,
	   (VALUES ('name', '""'), ('name', '5'), ('code', '"Bad Code"'), ('code', '""'), ('code', to_jsonb(repeat('c', 101))::text),
			   ('channel', '"fax"'), ('type', '"spam"'), ('locale', '"english"'), ('bodyTemplate', '""'), ('bodyTemplate', '5'),
			   ('availableVariables', '"name"'), ('availableVariables', '[1]'), ('availableVariables', '["bad name"]'),
			   ('isActive', '"yes"'), ('subjectTemplate', to_jsonb(repeat('s', 501))::text), ('color', '"red"')) v(f, v0)
 WHERE NOT (f = 'bodyTemplate' AND v0 = '""');
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t2", "channel": "sms", "type": "invoice", "bodyTemplate": "Hi {{who}}"}'')', '22023', 'availableVariables'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t3", "channel": "sms", "type": "invoice", "bodyTemplate": "{{#if x}}open"}'')', '22023', 'bodyTemplate'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t4", "channel": "sms", "type": "invoice", "bodyTemplate": "{{nosuchhelper x}}"}'')', '22023', 'bodyTemplate'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t5", "channel": "sms", "type": "invoice", "bodyTemplate": "{{truncate x}}", "availableVariables": ["x"]}'')', '22023', 'bodyTemplate'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t6", "channel": "email", "type": "invoice", "subjectTemplate": "{{#each}}", "bodyTemplate": "x"}'')', '22023', 'subjectTemplate'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t7", "channel": "sms", "type": "invoice", "bodyTemplate": "{{/if}}"}'')', '22023', 'bodyTemplate'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t8", "channel": "sms", "type": "invoice", "bodyTemplate": "{{"}'')', '22023', 'bodyTemplate'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t9", "channel": "sms", "type": "invoice", "bodyTemplate": "{{truncate x \"a\"}}", "availableVariables": ["x"]}'')', '22023', 'bodyTemplate'),
	('SELECT flowcomm.template_create(''{"code": "t10", "channel": "sms", "type": "invoice", "bodyTemplate": "x"}'')', '22023', 'name'),
	('SELECT flowcomm.template_create(''{"name": "T", "channel": "sms", "type": "invoice", "bodyTemplate": "x"}'')', '22023', 'code'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t11", "type": "invoice", "bodyTemplate": "x"}'')', '22023', 'channel'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t12", "channel": "sms", "bodyTemplate": "x"}'')', '22023', 'type'),
	('SELECT flowcomm.template_create(''{"name": "T", "code": "t13", "channel": "sms", "type": "invoice"}'')', '22023', 'bodyTemplate'),
	('SELECT flowcomm.template_create(NULL)', '22023', 'template'),
	('SELECT flowcomm.template_update(''00000000-0000-0000-0000-000000000000'', ''{}'')', 'P0002', 'not found'),
	('SELECT flowcomm.template_update((SELECT id FROM flowcomm.system_template LIMIT 1), ''{"name": "x"}'')', '42501', 'system template'),
	('SELECT flowcomm.template_delete((SELECT id FROM flowcomm.system_template LIMIT 1))', '42501', 'system template'),
	('SELECT flowcomm.template_delete(''00000000-0000-0000-0000-000000000000'')', 'P0002', 'not found'),
	('SELECT flowcomm.template_get(''00000000-0000-0000-0000-000000000000'')', 'P0002', 'not found'),
	('SELECT flowcomm.template_list(''{"channel": "fax"}'')', '22023', 'channel'),
	('SELECT flowcomm.template_list(''{"isActive": "maybe"}'')', '22023', 'isActive'),
	('SELECT flowcomm.template_list(''{"owner": "me"}'')', '22023', 'owner'),
	('SELECT flowcomm.template_preview(''{"templateCode": "invoice"}'')', '22023', 'templateId'),
	('SELECT flowcomm.template_preview(''{"templateCode": "invoice", "channel": "sms", "variables": {}}'')', '22023', 'missing template variable'),
	('SELECT flowcomm.template_preview(''{"templateCode": "invoice", "channel": "sms", "variables": []}'')', '22023', 'variables'),
	('SELECT flowcomm.template_preview(''{"templateCode": "nope", "channel": "sms"}'')', 'P0002', 'nope'),
	('SELECT flowcomm.template_preview(''{"templateId": "x"}'')', '22023', 'templateId');

-- rendering (C engine): hostile template syntax and limits.
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT flowcomm.render(''{{#a}}'', ''{}'')', '22023', 'a'),
	('SELECT flowcomm.render(''{{/a}}'', ''{}'')', '22023', 'a'),
	('SELECT flowcomm.render(''{{#a}}{{/b}}'', ''{}'')', '22023', 'b'),
	('SELECT flowcomm.render(''{{'', ''{}'')', '22023', ''),
	('SELECT flowcomm.render(''{{{x}}'', ''{}'')', '22023', ''),
	('SELECT flowcomm.render(''{{nohelper 1 2}}'', ''{}'')', '22023', 'nohelper'),
	('SELECT flowcomm.render(''{{truncate x}}'', ''{}'')', '22023', 'truncate'),
	('SELECT flowcomm.render(''{{x}}'', ''{}'', ''{}'', ''xml'')', '22023', 'escape'),
	('SELECT flowcomm.render(''{{> p}}'', ''{}'', ''[]'')', '22023', 'partial'),
	('SELECT flowcomm.render(''{{> p}}'', ''{}'', ''{"p": 5}'')', '22023', 'p'),
	('SELECT flowcomm.render(''{{> p}}'', ''{}'', ''{"p": "{{> p}}"}'')', '54000', 'partial'),
	('SELECT flowcomm.render(repeat(''{{#a}}'', 100) || repeat(''{{/a}}'', 100), ''{}'')', '54000', 'nested'),
	('SELECT flowcomm.render(repeat(''x'', 300000), ''{}'')', '54000', 'maximum'),
	('SELECT flowcomm.render(''{{#each a}}{{#each a}}{{#each a}}{{#each a}}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{{/each}}{{/each}}{{/each}}{{/each}}'', jsonb_build_object(''a'', (SELECT jsonb_agg(i) FROM generate_series(1, 60) i)))', '54000', 'output'),
	('SELECT flowcomm.template_check(''{{#if}}{{/if}}'')', '22023', 'if'),
	('SELECT flowcomm.template_check(''{{=<% %>=}}<%#a%>'')', '22023', 'a'),
	('SELECT flowcomm.template_check(''{{date x "fortnightly"}}'')', '22023', 'date');

-- reminders and rules.
INSERT INTO bad_case (sql, state, msg) VALUES
	('SELECT flowcomm.rule_register(''Bad Name'', ''flowcomm.suppression'', ''insert'', ''invoice'', ''invoice'', ''SELECT 1'', ''SELECT 1'')', '23514', 'automation_rule_name_check'),
	('SELECT flowcomm.rule_register(''r1'', ''flowcomm.suppression'', ''delete'', ''invoice'', ''invoice'', ''SELECT 1'', ''SELECT 1'')', '22023', 'on_event'),
	('SELECT flowcomm.rule_register(''r1'', ''flowcomm.suppression'', ''update'', ''invoice'', ''invoice'', ''SELECT 1'', ''SELECT 1'')', '22023', 'condition_sql'),
	('SELECT flowcomm.rule_register(''r1'', ''flowcomm.tenant_role'', ''insert'', ''invoice'', ''invoice'', ''SELECT 1'', ''SELECT 1'')', '22023', 'table_name'),
	('SELECT flowcomm.rule_register(''r1'', ''no_such_table'', ''insert'', ''invoice'', ''invoice'', ''SELECT 1'', ''SELECT 1'')', '42P01', 'no_such_table'),
	('SELECT flowcomm.rule_drop(''no_such_rule'')', 'P0002', 'no_such_rule');

-- Run every case in a savepoint and check its SQLSTATE and message.
\ir bad_input_setup.psql

SELECT plan((SELECT count(*)::int FROM bad_case) + 2);
\set what 'bad input'
\ir bad_input_check.psql
SELECT cmp_ok((SELECT count(*)::int FROM bad_case), '>=', 200, 'the catalogue has at least 200 bad inputs');
SELECT * FROM finish();
ROLLBACK;
