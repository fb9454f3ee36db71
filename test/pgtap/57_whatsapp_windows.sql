-- WhatsApp/Messenger windows and Content templates (issue 17): bind, list,
-- unbind a Twilio Content template to a whatsapp template; bad input names
-- the field and writes nothing; another business can neither see nor bind
-- nor unbind them; every inbound message opens the window that send_form
-- reads at send time.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(32);
CREATE ROLE fc_t57_admin LOGIN IN ROLE flowcomm_admin;
CREATE ROLE fc_t57_other LOGIN IN ROLE flowcomm_admin;
CREATE ROLE fc_t57_viewer LOGIN IN ROLE flowcomm_viewer;
INSERT INTO flowcomm.tenant_role VALUES ('fc_t57_admin', 'b0000000-0000-0000-0000-0000000057a1'),
	('fc_t57_other', 'b0000000-0000-0000-0000-0000000057a2'), ('fc_t57_viewer', 'b0000000-0000-0000-0000-0000000057a1');
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;
GRANT EXECUTE ON FUNCTION pg_temp.err(text) TO PUBLIC;

SET LOCAL SESSION AUTHORIZATION fc_t57_admin;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000057a1';
SELECT is(api.content_template_bind('{"templateCode": "invoice", "locale": "en",
	"contentSid": "HX0123456789abcdef0123456789abcdef",
	"placeholders": {"1": "{{customerName}}", "2": "{{invoiceNumber}}", "3": "{{currency amount currency}}"}}') ->> 'approvalStatus',
	'unknown', 'bind the system invoice template (en) to a Content template: approval not fetched yet');
SELECT is(flowcomm.content_template_bind('{"templateCode": "invoice", "locale": "es",
	"contentSid": "HX0123456789abcdef0123456789abcde0", "placeholders": {"1": "{{customerName}}"}}') ->> 'locale',
	'es', 'and its Spanish version to another');
SELECT is(jsonb_array_length(api.content_templates()), 2, 'both bindings listed');
SELECT is(api.content_templates(template_code => 'invoice', approval_status => 'unknown') -> 0 ->> 'usable', 'false',
	'an unapproved binding is not usable');
SELECT is(jsonb_array_length(flowcomm.content_templates('{"approvalStatus": "approved"}')), 0, 'none approved yet');
SELECT is(api.content_template_bind('{"templateCode": "invoice", "locale": "en",
	"contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {"1": "{{customerName}}"}}') -> 'placeholders',
	'{"1": "{{customerName}}"}'::jsonb, 'rebinding replaces the placeholder map');
SELECT is((SELECT count(*)::int FROM flowcomm.content_template), 2, 'still one binding per template and locale');

-- Bad input: SQLSTATE 22023 naming the field, nothing written.
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"locale": "en", "contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {"1": "x"}}')$$),
	'^22023 invalid templateCode', 'templateCode is required');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"templateCode": "nope", "locale": "en", "contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {"1": "x"}}')$$),
	'^22023 invalid templateCode: no active whatsapp template', 'a code without a whatsapp template is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"templateCode": "invoice", "locale": "english", "contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {"1": "x"}}')$$),
	'^22023 invalid locale', 'a bad locale is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"templateCode": "invoice", "locale": "en", "contentSid": "SM0123456789abcdef0123456789abcdef", "placeholders": {"1": "x"}}')$$),
	'^22023 invalid contentSid', 'a SID that is not HX… is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"templateCode": "invoice", "locale": "en", "contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {"one": "x"}}')$$),
	'^22023 invalid placeholders', 'a placeholder key that is not a number is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"templateCode": "invoice", "locale": "en", "contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {"1": "{{#if x}}"}}')$$),
	'^22023 invalid placeholders\.1', 'a placeholder that does not compile is refused, naming placeholders.1');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"templateCode": "invoice", "locale": "en", "contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {"2": "{{secret}}"}}')$$),
	'^22023 invalid placeholders\.2: uses secret', 'a placeholder using an undeclared variable is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"templateCode": "invoice", "locale": "en", "contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {}}')$$),
	'^22023 invalid placeholders', 'an empty placeholder map is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_template_bind('{"templateCode": "invoice", "sid": "x"}')$$),
	'^22023', 'an unknown field is refused');
SELECT matches(pg_temp.err($$SELECT flowcomm.content_templates('{"approvalStatus": "maybe"}')$$),
	'^22023 invalid approvalStatus', 'a bad status filter is refused');
SELECT is((SELECT placeholders FROM flowcomm.content_template WHERE locale = 'en'), '{"1": "{{customerName}}"}'::jsonb,
	'the refused binds wrote nothing');

-- Another business: sees none, cannot unbind them; its own binds stay its own.
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION fc_t57_other;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000057a2';
SELECT is(api.content_templates(), '[]'::jsonb, 'tenant B sees none of tenant A''s bindings');
SELECT is((SELECT count(*)::int FROM flowcomm.content_template), 0, 'not even through the table (RLS)');
SELECT matches(pg_temp.err($$SELECT api.content_template_unbind('invoice', 'en')$$), '^P0002', 'nor can it unbind them');
SELECT matches(pg_temp.err($$SET flowcomm.business_id = 'b0000000-0000-0000-0000-0000000057a1'; SELECT flowcomm.content_template_bind('{"templateCode": "invoice", "locale": "en", "contentSid": "HX0123456789abcdef0123456789abcdef", "placeholders": {"1": "x"}}')$$),
	'^42501', 'nor bind for tenant A by naming it');
SELECT matches(pg_temp.err($$INSERT INTO flowcomm.content_template (business_id, template_code, locale, content_sid, created_by) VALUES ('b0000000-0000-0000-0000-0000000057a1', 'invoice', 'pt', 'HX0123456789abcdef0123456789abcdef', 'x')$$),
	'^42501', 'nor write the table directly');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION fc_t57_viewer;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000057a1';
SELECT is(jsonb_array_length(api.content_templates()), 2, 'a viewer lists them');
SELECT matches(pg_temp.err($$SELECT api.content_template_unbind('invoice', 'en')$$), '^42501', 'but cannot unbind');
RESET SESSION AUTHORIZATION;

-- The worker's view: approval answers, the window from inbound messages, send_form.
SELECT flowcomm.content_status_record(t.business_id, t.id, 200,
	'{"sid": "HX0123456789abcdef0123456789abcdef", "whatsapp": {"status": "approved", "rejection_reason": ""}}', NULL)
  FROM flowcomm.content_template t WHERE t.locale = 'en';
SELECT is((SELECT approval_status FROM flowcomm.content_template WHERE locale = 'en'), 'approved', 'an approval answer is stored');
INSERT INTO flowcomm.communication (business_id, id, created_by, direction, recipient_type, recipient_contact, channel, type,
	content, status, metadata)
VALUES ('b0000000-0000-0000-0000-0000000057a1', '01900000-0000-7000-8000-0000000057f1', 'SYSTEM_twilio', 'inbound', 'unknown',
	'+14155550157', 'whatsapp', 'inbound_reply', 'hola', 'received', '{"to": "+14155238886"}'),
	('b0000000-0000-0000-0000-0000000057a1', '01900000-0000-7000-8000-0000000057f2', 'test', 'outbound', 'customer',
	'+14155550157', 'whatsapp', 'invoice', 'Hi', 'queued', NULL);
UPDATE flowcomm.communication SET template_code = 'invoice', locale = 'en', template_variables = '{"customerName": "Ana"}'
 WHERE id = '01900000-0000-7000-8000-0000000057f2';
SELECT is((SELECT form FROM flowcomm.send_form('b0000000-0000-0000-0000-0000000057a1', '01900000-0000-7000-8000-0000000057f2',
	'whatsapp', '+14155238886', '+14155550157')), 'freeform', 'an inbound message opens the window: free-form');
SET LOCAL SESSION AUTHORIZATION fc_t57_viewer;
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-0000000057a1';
SELECT is(api.conversation_windows('whatsapp:+14155550157') -> 0 ->> 'open', 'true',
	'GET /rpc/conversation_windows: the window of that number is open');
SELECT matches(pg_temp.err($$SELECT flowcomm.conversation_windows(' ')$$), '^22023 invalid contact', 'a contact is required');
RESET SESSION AUTHORIZATION;
UPDATE flowcomm.conversation_window SET last_inbound_at = now() - interval '25 hours';
SELECT is((SELECT (form, content_sid, content_variables::jsonb)::text FROM flowcomm.send_form('b0000000-0000-0000-0000-0000000057a1',
	'01900000-0000-7000-8000-0000000057f2', 'whatsapp', '+14155238886', 'whatsapp:+14155550157')),
	'(template,HX0123456789abcdef0123456789abcdef,"{""1"": ""Ana""}")', 'outside it: the approved template, placeholders rendered');
SELECT is((SELECT error_code FROM flowcomm.send_form('b0000000-0000-0000-0000-0000000057a1',
	'01900000-0000-7000-8000-0000000057f2', 'messenger', '1234567890', '+14155550157')), 'messenger_window_closed',
	'Messenger outside the window: not sent');
SELECT is(flowcomm.content_template_unbind('invoice', 'en') ->> 'unbound', 'true', 'unbind (as the owner here)');
SELECT * FROM finish();
ROLLBACK;
