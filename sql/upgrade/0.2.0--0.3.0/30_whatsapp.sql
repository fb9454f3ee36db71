-- 30_whatsapp.sql (upgrade; install: sql/src/52_windows.sql) — WhatsApp and Messenger customer-service windows and
-- approved Twilio Content templates (issue 17).
--
-- WhatsApp accepts a free-form message (Body) only within 24 hours of the
-- customer's last message to the business's sender; outside that window a
-- business-initiated message must be a template approved by WhatsApp, sent
-- through Twilio's Content API as ContentSid + ContentVariables (Twilio
-- answers error 63016 to a Body outside the window).  Messenger has the same
-- 24-hour rule and no templates.  See docs/delivery.md, "WhatsApp and
-- Messenger windows".
--
-- * conversation_window: when each contact last wrote to each sender of a
--   business on each channel, kept by a trigger on every inbound message
--   stored (webhook_twilio_inbound → inbound_store, 50_webhooks.sql).
-- * content_template: a flowcomm whatsapp template (code + locale) bound to
--   a Twilio Content template, its WhatsApp approval status (fetched by the
--   workers, src/content_api.c) and how its numbered placeholders are
--   rendered from the message's template variables.
-- * send_form: the worker's choice at send time (src/content_api.c calls it
--   in the claim transaction): free-form inside the window, the approved
--   template outside, else no send (whatsapp_template_required, which takes
--   the channel fallback of 80_automation.sql).

-- ------------------------------------------------------------------ windows

CREATE TABLE flowcomm.conversation_window (
	business_id      uuid NOT NULL,
	channel          flowcomm.channel NOT NULL,
	sender           text NOT NULL CHECK (length(sender) BETWEEN 1 AND 255),
	contact          text NOT NULL CHECK (length(contact) BETWEEN 1 AND 255),
	last_inbound_at  timestamptz NOT NULL,
	last_inbound_id  uuid,
	inbound_count    bigint NOT NULL DEFAULT 1,
	updated_at       timestamptz NOT NULL DEFAULT now(),
	-- The primary key is the send-time lookup (send_form: business, channel,
	-- the account's sender, the recipient) and the trigger's upsert target.
	PRIMARY KEY (business_id, channel, sender, contact)
);
COMMENT ON TABLE flowcomm.conversation_window IS 'Customer-service windows: when a contact last wrote to a sender (the business''s WhatsApp number, Messenger page or SMS number) of a business on a channel; a WhatsApp/Messenger free-form message may go out until last_inbound_at + 24 hours';
COMMENT ON COLUMN flowcomm.conversation_window.sender IS 'The business''s address the customer wrote to (Twilio To without the whatsapp:/messenger: scheme): E.164 number or Messenger page id';
COMMENT ON COLUMN flowcomm.conversation_window.contact IS 'The customer''s address (Twilio From without the scheme), as outbound messages store recipient_contact';
COMMENT ON COLUMN flowcomm.conversation_window.last_inbound_at IS 'When the latest inbound message was stored; the window is open until 24 hours later';
COMMENT ON COLUMN flowcomm.conversation_window.last_inbound_id IS 'The inbound communication that opened (renewed) the window';
ALTER TABLE flowcomm.conversation_window ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flowcomm.conversation_window
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));
GRANT SELECT ON flowcomm.conversation_window TO flowcomm_viewer;

-- window_from_inbound: every inbound message stored (any channel, also
-- STOP/START/HELP keywords: a customer message opens the window whatever it
-- says) renews the window of its business, channel, sender and contact.
--@function flowcomm.window_from_inbound
COMMENT ON FUNCTION flowcomm.window_from_inbound() IS 'Trigger: an inbound message opens or renews the customer-service window of its business, channel, sender (metadata.to) and contact';
CREATE TRIGGER window_from_inbound AFTER INSERT ON flowcomm.communication
	FOR EACH ROW WHEN (NEW.direction = 'inbound')
	EXECUTE FUNCTION flowcomm.window_from_inbound();

-- conversation_windows: GET /rpc/conversation_windows?contact=
--@function flowcomm.conversation_windows
COMMENT ON FUNCTION flowcomm.conversation_windows(text) IS 'Customer-service windows of the current business with one contact: per channel and sender, the last inbound message, openUntil (+24 h) and whether free-form messages may go out now';

-- ------------------------------------------------------------------ content templates

CREATE TABLE flowcomm.content_template (
	business_id          uuid NOT NULL,
	id                   uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	template_code        text NOT NULL CHECK (template_code ~ '^[a-z0-9_]{1,100}$'),
	locale               text NOT NULL CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
	content_sid          text NOT NULL CHECK (content_sid ~ '^HX[0-9a-fA-F]{32}$'),
	placeholders         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(placeholders) = 'object'),
	approval_status      text NOT NULL DEFAULT 'unknown'
		CHECK (approval_status IN ('unknown', 'unsubmitted', 'received', 'pending', 'approved', 'rejected',
								   'paused', 'disabled', 'not_found', 'error')),
	rejection_reason     text,
	approval_checked_at  timestamptz,
	approval_error       text,
	next_check_at        timestamptz NOT NULL DEFAULT now(),
	created_by           text NOT NULL,
	created_at           timestamptz NOT NULL DEFAULT now(),
	updated_at           timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (business_id, id),
	-- One Content template per flowcomm template and locale: send_form's lookup.
	UNIQUE (business_id, template_code, locale)
);
COMMENT ON TABLE flowcomm.content_template IS 'A whatsapp template of the business (code and locale) bound to a Twilio Content template (ContentSid): its WhatsApp approval status from the Content API and the rendering of its numbered placeholders; only an approved one is sent outside the 24-hour window';
COMMENT ON COLUMN flowcomm.content_template.content_sid IS 'Twilio Content template SID (HX + 32 hex), of the Twilio account the business sends through';
COMMENT ON COLUMN flowcomm.content_template.placeholders IS 'Numbered placeholder → flowcomm template text rendered with the message''s template variables: {"1": "{{customerName}}", "2": "{{formatCurrency total currency}}"}';
COMMENT ON COLUMN flowcomm.content_template.approval_status IS 'WhatsApp approval of the Content template (GET /v1/Content/{Sid}/ApprovalRequests whatsapp.status); unknown until fetched; not_found/error when the fetch failed';
COMMENT ON COLUMN flowcomm.content_template.next_check_at IS 'When a worker fetches the approval status next (now on bind)';
-- The workers' approval refresh: bindings due for a fetch, across businesses.
CREATE INDEX content_template_check_idx ON flowcomm.content_template (next_check_at);
ALTER TABLE flowcomm.content_template ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flowcomm.content_template
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));
GRANT SELECT ON flowcomm.content_template TO flowcomm_viewer;

--@function flowcomm.content_template_json
COMMENT ON FUNCTION flowcomm.content_template_json(flowcomm.content_template) IS 'Internal: a Content template binding as API JSON';

-- check_placeholders: {"1": "{{customerName}}", ...}: numbered keys, each a
-- template that compiles and uses only the flowcomm template's variables.
--@function flowcomm.check_placeholders
COMMENT ON FUNCTION flowcomm.check_placeholders(jsonb, text[]) IS 'Internal: validate a placeholder map (keys 1..99, values templates that compile and use declared variables); 22023 naming placeholders.N';

-- content_template_bind: POST /rpc/content_template_bind
-- {"templateCode": "invoice", "locale": "en", "contentSid": "HX...", "placeholders": {"1": "{{customerName}}"}}
--@function flowcomm.content_template_bind
COMMENT ON FUNCTION flowcomm.content_template_bind(jsonb) IS 'Bind a whatsapp template of the current business (templateCode, locale; own or system) to a Twilio Content template (contentSid, placeholders {"1": "{{var}}"}); rebinding replaces; the workers fetch its WhatsApp approval at once; returns the binding';

-- content_templates: GET /rpc/content_templates?template_code=&status=
--@function flowcomm.content_templates
COMMENT ON FUNCTION flowcomm.content_templates(jsonb) IS 'Content template bindings of the current business (filters templateCode, approvalStatus), with their approval status';

-- content_template_unbind: POST /rpc/content_template_unbind
--@function flowcomm.content_template_unbind
COMMENT ON FUNCTION flowcomm.content_template_unbind(text, text) IS 'Remove the Content template binding of a whatsapp template and locale of the current business (outside the window its messages then fail over); P0002 when none';

-- ------------------------------------------------------------------ approval refresh (workers)

-- content_status_due: bindings whose approval status is due for a fetch,
-- with the Twilio credentials to fetch it with (the business's own enabled
-- account, else the default account).  Each is leased for a minute, so a
-- worker that dies mid-fetch leaves it to be fetched again.
--@function flowcomm.content_status_due
COMMENT ON FUNCTION flowcomm.content_status_due(int) IS 'Internal (workers): lease up to lim Content template bindings due for an approval fetch, with the Twilio credentials of their business';

-- content_status_record: store one fetch's answer.  200: whatsapp.status
-- (approved, pending, rejected, ...); 404: not_found; else error.  Approved
-- and final states are checked again after flowcomm.content_refresh_seconds
-- (a template can be paused or disabled later), pending ones sooner.
--@function flowcomm.content_status_record
COMMENT ON FUNCTION flowcomm.content_status_record(uuid, uuid, int, text, text) IS 'Internal (workers): store the answer of GET /v1/Content/{Sid}/ApprovalRequests for a binding and schedule the next fetch';

-- ------------------------------------------------------------------ send time

-- send_form: how a WhatsApp or Messenger message goes out now, decided by the
-- worker when it claims the message (a scheduled reminder may have crossed the
-- end of the window since it was queued).  Records the choice as a
-- "send_form" event.  Never raises: a failure to decide is a reason too.
--@function flowcomm.send_form
COMMENT ON FUNCTION flowcomm.send_form(uuid, uuid, text, text, text) IS 'Internal (workers, at send time): freeform inside the 24-hour window of the sender and contact; outside it template (an approved bound Content template, its ContentVariables rendered) or none with whatsapp_template_required / messenger_window_closed; records a send_form event';

GRANT EXECUTE ON FUNCTION flowcomm.content_template_bind(jsonb), flowcomm.content_template_unbind(text, text)
	TO flowcomm_admin;
GRANT EXECUTE ON FUNCTION flowcomm.content_templates(jsonb), flowcomm.conversation_windows(text) TO flowcomm_viewer;

-- REST (PostgREST conventions).
-- POST /rpc/content_template_bind {"templateCode": "invoice", "locale": "en", "contentSid": "HX…", "placeholders": {…}}
--@function api.content_template_bind
COMMENT ON FUNCTION api.content_template_bind(jsonb) IS 'POST /rpc/content_template_bind: bind a whatsapp template and locale to an approved-to-be Twilio Content template';
-- GET /rpc/content_templates?template_code=invoice&approval_status=approved
--@function api.content_templates
COMMENT ON FUNCTION api.content_templates(text, text) IS 'GET /rpc/content_templates: the business''s Content template bindings and their approval status';
-- POST /rpc/content_template_unbind {"template_code": "invoice", "locale": "en"}
--@function api.content_template_unbind
COMMENT ON FUNCTION api.content_template_unbind(text, text) IS 'POST /rpc/content_template_unbind: remove a Content template binding';
-- GET /rpc/conversation_windows?contact=%2B14155550101
--@function api.conversation_windows
COMMENT ON FUNCTION api.conversation_windows(text) IS 'GET /rpc/conversation_windows?contact=: the customer-service windows open with a contact';
REVOKE EXECUTE ON FUNCTION api.content_template_bind(jsonb), api.content_templates(text, text),
	api.content_template_unbind(text, text), api.conversation_windows(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.content_template_bind(jsonb), api.content_template_unbind(text, text) TO flowcomm_admin;
GRANT EXECUTE ON FUNCTION api.content_templates(text, text), api.conversation_windows(text) TO flowcomm_viewer;

-- New functions: nothing executable by PUBLIC (the fresh install revokes
-- globally in 99_dump.sql); the grants above give each its roles.
REVOKE ALL ON FUNCTION flowcomm.window_from_inbound(), flowcomm.conversation_windows(text),
	flowcomm.content_template_json(flowcomm.content_template), flowcomm.check_placeholders(jsonb, text[]),
	flowcomm.content_template_bind(jsonb), flowcomm.content_templates(jsonb), flowcomm.content_template_unbind(text, text),
	flowcomm.content_status_due(int), flowcomm.content_status_record(uuid, uuid, int, text, text),
	flowcomm.send_form(uuid, uuid, text, text, text) FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('flowcomm.conversation_window'::regclass, '');
SELECT pg_catalog.pg_extension_config_dump('flowcomm.content_template'::regclass, '');
-- Windows still open at the upgrade: from the inbound messages of the last 24 hours.
INSERT INTO flowcomm.conversation_window AS w (business_id, channel, sender, contact, last_inbound_at, last_inbound_id,
											   inbound_count)
SELECT DISTINCT ON (c.business_id, c.channel, snd, who)
	   c.business_id, c.channel, snd, who, c.created_at, c.id, 1
  FROM flowcomm.communication c
 CROSS JOIN LATERAL (SELECT left(regexp_replace(c.metadata ->> 'to', '^(whatsapp|messenger):', '', 'i'), 255) AS snd,
							left(regexp_replace(c.recipient_contact, '^(whatsapp|messenger):', '', 'i'), 255) AS who) a
 WHERE c.direction = 'inbound' AND c.created_at > now() - interval '24 hours' AND coalesce(snd, '') <> ''
 ORDER BY c.business_id, c.channel, snd, who, c.created_at DESC;
