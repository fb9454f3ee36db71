-- 52_windows.sql — WhatsApp and Messenger customer-service windows and
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
CREATE FUNCTION flowcomm.window_from_inbound() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	snd text := left(regexp_replace(coalesce(NEW.metadata ->> 'to', ''), '^(whatsapp|messenger):', '', 'i'), 255);
BEGIN
	IF snd = '' THEN
		RETURN NULL;	-- no To: not a conversation with a known sender
	END IF;
	INSERT INTO conversation_window AS w (business_id, channel, sender, contact, last_inbound_at, last_inbound_id)
	VALUES (NEW.business_id, NEW.channel, snd,
			left(regexp_replace(NEW.recipient_contact, '^(whatsapp|messenger):', '', 'i'), 255), NEW.created_at, NEW.id)
	ON CONFLICT (business_id, channel, sender, contact) DO UPDATE
	   SET last_inbound_at = greatest(w.last_inbound_at, EXCLUDED.last_inbound_at),
		   last_inbound_id = CASE WHEN EXCLUDED.last_inbound_at >= w.last_inbound_at THEN EXCLUDED.last_inbound_id
								  ELSE w.last_inbound_id END,
		   inbound_count = w.inbound_count + 1, updated_at = now();
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.window_from_inbound() IS 'Trigger: an inbound message opens or renews the customer-service window of its business, channel, sender (metadata.to) and contact';
CREATE TRIGGER window_from_inbound AFTER INSERT ON flowcomm.communication
	FOR EACH ROW WHEN (NEW.direction = 'inbound')
	EXECUTE FUNCTION flowcomm.window_from_inbound();

-- conversation_windows: GET /rpc/conversation_windows?contact=
CREATE FUNCTION flowcomm.conversation_windows(contact text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	who text;
BEGIN
	IF nullif(btrim(conversation_windows.contact), '') IS NULL THEN
		PERFORM invalid('contact', 'is required');
	END IF;
	who := regexp_replace(btrim(left(conversation_windows.contact, 255)), '^(whatsapp|messenger):', '', 'i');
	RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('channel', w.channel, 'sender', w.sender,
				'contact', w.contact, 'lastInboundAt', w.last_inbound_at,
				'openUntil', w.last_inbound_at + interval '24 hours',
				'open', w.last_inbound_at + interval '24 hours' > now(), 'inboundCount', w.inbound_count)
				ORDER BY w.channel, w.sender), '[]')
			  FROM conversation_window w WHERE w.business_id = b AND w.contact = who);
END
$$;
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

CREATE FUNCTION flowcomm.content_template_json(t flowcomm.content_template) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('id', t.id, 'templateCode', t.template_code, 'locale', t.locale,
		'contentSid', t.content_sid, 'placeholders', t.placeholders, 'approvalStatus', t.approval_status,
		'usable', t.approval_status = 'approved', 'rejectionReason', nullif(t.rejection_reason, ''),
		'approvalCheckedAt', t.approval_checked_at, 'approvalError', t.approval_error,
		'nextCheckAt', t.next_check_at, 'createdBy', t.created_by, 'createdAt', t.created_at,
		'updatedAt', t.updated_at))
$$;
COMMENT ON FUNCTION flowcomm.content_template_json(flowcomm.content_template) IS 'Internal: a Content template binding as API JSON';

-- check_placeholders: {"1": "{{customerName}}", ...}: numbered keys, each a
-- template that compiles and uses only the flowcomm template's variables.
CREATE FUNCTION flowcomm.check_placeholders(v jsonb, declared text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	k text;
	s jsonb;
	bad text;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) <> 'object' OR v = '{}' THEN
		PERFORM invalid('placeholders', 'must be a non-empty object such as {"1": "{{customerName}}"}');
	END IF;
	FOR k, s IN SELECT * FROM jsonb_each(v) LOOP
		IF k !~ '^[1-9][0-9]?$' THEN
			PERFORM invalid('placeholders', format('"%s" is not a placeholder number (1 to 99)', left(k, 32)));
		END IF;
		IF jsonb_typeof(s) <> 'string' OR s #>> '{}' = '' OR length(s #>> '{}') > 1024 THEN
			PERFORM invalid('placeholders.' || k, 'must be a template text of 1 to 1024 characters');
		END IF;
		BEGIN
			PERFORM template_check(s #>> '{}');
		EXCEPTION WHEN invalid_parameter_value OR program_limit_exceeded THEN
			PERFORM invalid('placeholders.' || k, SQLERRM);
		END;
		IF cardinality(declared) > 0 THEN
			SELECT string_agg(x, ', ') INTO bad FROM unnest(template_variables(s #>> '{}')) x WHERE NOT x = ANY (declared);
			IF bad IS NOT NULL THEN
				PERFORM invalid('placeholders.' || k, format('uses %s, not a variable of the template', bad),
								'variables: ' || array_to_string(declared, ', '));
			END IF;
		END IF;
	END LOOP;
	RETURN v;
END
$$;
COMMENT ON FUNCTION flowcomm.check_placeholders(jsonb, text[]) IS 'Internal: validate a placeholder map (keys 1..99, values templates that compile and use declared variables); 22023 naming placeholders.N';

-- content_template_bind: POST /rpc/content_template_bind
-- {"templateCode": "invoice", "locale": "en", "contentSid": "HX...", "placeholders": {"1": "{{customerName}}"}}
CREATE FUNCTION flowcomm.content_template_bind(binding jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	req jsonb := coalesce(binding, '{}');
	v_code text;
	v_loc text;
	v_sid text;
	declared text[];
	t content_template;
BEGIN
	PERFORM check_request(req, ARRAY['templateCode', 'locale', 'contentSid', 'placeholders'], 'binding');
	v_code := req_text(req, 'templateCode', 100);
	IF v_code IS NULL THEN
		PERFORM invalid('templateCode', 'is required');
	ELSIF v_code !~ '^[a-z0-9_]{1,100}$' THEN
		PERFORM invalid('templateCode', 'lower-case letters, digits and underscores only');
	END IF;
	v_loc := coalesce(req_text(req, 'locale', 16),
					(SELECT s.default_locale FROM business_setting s WHERE s.business_id = b), 'en');
	IF v_loc !~ '^[a-z]{2}(-[A-Z]{2})?$' THEN
		PERFORM invalid('locale', format('"%s" is not a locale such as es or es-MX', v_loc));
	END IF;
	v_sid := req_text(req, 'contentSid', 64);
	IF v_sid IS NULL THEN
		PERFORM invalid('contentSid', 'is required');
	ELSIF v_sid !~ '^HX[0-9a-fA-F]{32}$' THEN
		PERFORM invalid('contentSid', 'is not a Twilio Content SID (HX + 32 hex digits)');
	END IF;
	-- The flowcomm whatsapp template it stands for: the business's own for
	-- that locale, else the system one.
	SELECT x.vars INTO declared
	  FROM (SELECT t0.available_variables AS vars, 0 AS rank FROM communication_template t0
			 WHERE t0.business_id = b AND t0.code = v_code AND t0.channel = 'whatsapp' AND t0.locale = v_loc AND t0.is_active
			UNION ALL
			SELECT s.available_variables, 1 FROM system_template s
			 WHERE s.code = v_code AND s.channel = 'whatsapp' AND s.locale = v_loc AND s.is_active) x
	 ORDER BY x.rank LIMIT 1;
	IF NOT FOUND THEN
		PERFORM invalid('templateCode', format('no active whatsapp template "%s" for locale %s', v_code, v_loc),
						'bind a Content template to a whatsapp template of this business or a system one');
	END IF;
	t.placeholders := check_placeholders(req -> 'placeholders', declared);
	INSERT INTO content_template AS c (business_id, template_code, locale, content_sid, placeholders, created_by)
	VALUES (b, v_code, v_loc, v_sid, t.placeholders, current_actor())
	ON CONFLICT (business_id, template_code, locale) DO UPDATE
	   SET content_sid = EXCLUDED.content_sid, placeholders = EXCLUDED.placeholders,
		   -- a new Content template has an approval of its own
		   approval_status = CASE WHEN c.content_sid = EXCLUDED.content_sid THEN c.approval_status ELSE 'unknown' END,
		   rejection_reason = CASE WHEN c.content_sid = EXCLUDED.content_sid THEN c.rejection_reason END,
		   approval_error = NULL, next_check_at = now(), updated_at = now()
	RETURNING * INTO t;
	PERFORM wake_workers();		-- the approval status is fetched at once
	RETURN content_template_json(t);
END
$$;
COMMENT ON FUNCTION flowcomm.content_template_bind(jsonb) IS 'Bind a whatsapp template of the current business (templateCode, locale; own or system) to a Twilio Content template (contentSid, placeholders {"1": "{{var}}"}); rebinding replaces; the workers fetch its WhatsApp approval at once; returns the binding';

-- content_templates: GET /rpc/content_templates?template_code=&status=
CREATE FUNCTION flowcomm.content_templates(filters jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	f jsonb := coalesce(filters, '{}');
	code text;
	st text;
BEGIN
	PERFORM check_request(f, ARRAY['templateCode', 'approvalStatus'], 'filters');
	code := req_text(f, 'templateCode', 100);
	st := req_enum(f, 'approvalStatus', ARRAY['unknown', 'unsubmitted', 'received', 'pending', 'approved', 'rejected',
												'paused', 'disabled', 'not_found', 'error']);
	RETURN (SELECT coalesce(jsonb_agg(content_template_json(t) ORDER BY t.template_code, t.locale), '[]')
			  FROM content_template t
			 WHERE t.business_id = b AND (code IS NULL OR t.template_code = code)
			   AND (st IS NULL OR t.approval_status = st));
END
$$;
COMMENT ON FUNCTION flowcomm.content_templates(jsonb) IS 'Content template bindings of the current business (filters templateCode, approvalStatus), with their approval status';

-- content_template_unbind: POST /rpc/content_template_unbind
CREATE FUNCTION flowcomm.content_template_unbind(template_code text, locale text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	t content_template;
BEGIN
	IF nullif(content_template_unbind.template_code, '') IS NULL THEN
		PERFORM invalid('templateCode', 'is required');
	END IF;
	IF nullif(content_template_unbind.locale, '') IS NULL THEN
		PERFORM invalid('locale', 'is required');
	END IF;
	DELETE FROM content_template c
	 WHERE c.business_id = b AND c.template_code = content_template_unbind.template_code
	   AND c.locale = content_template_unbind.locale
	RETURNING * INTO t;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no Content template bound to % (%)', left(template_code, 100), left(locale, 16)
			USING ERRCODE = 'no_data_found';
	END IF;
	RETURN content_template_json(t) || jsonb_build_object('unbound', true);
END
$$;
COMMENT ON FUNCTION flowcomm.content_template_unbind(text, text) IS 'Remove the Content template binding of a whatsapp template and locale of the current business (outside the window its messages then fail over); P0002 when none';

-- ------------------------------------------------------------------ approval refresh (workers)

-- content_status_due: bindings whose approval status is due for a fetch,
-- with the Twilio credentials to fetch it with (the business's own enabled
-- account, else the default account).  Each is leased for a minute, so a
-- worker that dies mid-fetch leaves it to be fetched again.
CREATE FUNCTION flowcomm.content_status_due(lim int)
RETURNS TABLE (business_id uuid, id uuid, content_sid text, account_sid text, auth_token text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	WITH d AS (
		SELECT t.business_id, t.id FROM content_template t
		 WHERE t.next_check_at <= now() ORDER BY t.next_check_at LIMIT lim FOR UPDATE SKIP LOCKED),
	u AS (
		UPDATE content_template t SET next_check_at = now() + interval '1 minute'
		  FROM d WHERE t.business_id = d.business_id AND t.id = d.id
		RETURNING t.business_id, t.id, t.content_sid)
	SELECT u.business_id, u.id, u.content_sid,
		   coalesce(pa.twilio_account_sid, dp.twilio_account_sid), coalesce(pa.twilio_auth_token, dp.twilio_auth_token)
	  FROM u
	  LEFT JOIN provider_account pa ON pa.business_id = u.business_id AND pa.provider = 'twilio' AND pa.enabled
	  LEFT JOIN default_provider_account dp ON dp.provider = 'twilio' AND dp.enabled
$$;
COMMENT ON FUNCTION flowcomm.content_status_due(int) IS 'Internal (workers): lease up to lim Content template bindings due for an approval fetch, with the Twilio credentials of their business';

-- content_status_record: store one fetch's answer.  200: whatsapp.status
-- (approved, pending, rejected, ...); 404: not_found; else error.  Approved
-- and final states are checked again after flowcomm.content_refresh_seconds
-- (a template can be paused or disabled later), pending ones sooner.
CREATE FUNCTION flowcomm.content_status_record(b uuid, p_id uuid, http_status int, body text, err text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	j jsonb;
	st text;
	every int := coalesce(nullif(current_setting('flowcomm.content_refresh_seconds', true), '')::int, 3600);
BEGIN
	BEGIN
		j := body::jsonb;
	EXCEPTION WHEN OTHERS THEN
		j := NULL;
	END;
	IF http_status = 200 AND jsonb_typeof(j -> 'whatsapp') = 'object' THEN
		st := coalesce(nullif(lower(j -> 'whatsapp' ->> 'status'), ''), 'unsubmitted');
		IF NOT st IN ('unsubmitted', 'received', 'pending', 'approved', 'rejected', 'paused', 'disabled') THEN
			st := 'error';
			err := format('unknown WhatsApp approval status "%s"', left(j -> 'whatsapp' ->> 'status', 40));
		END IF;
	ELSIF http_status = 200 THEN
		st := 'unsubmitted';	-- no WhatsApp approval request
	ELSIF http_status = 404 THEN
		st := 'not_found';
		err := coalesce(j ->> 'message', 'Content template not found');
	ELSE
		st := 'error';
		err := coalesce(j ->> 'message', err, format('HTTP %s', http_status));
	END IF;
	UPDATE content_template t
	   SET approval_status = st,
		   rejection_reason = nullif(j -> 'whatsapp' ->> 'rejection_reason', ''),
		   approval_error = left(err, 500),
		   approval_checked_at = now(),
		   next_check_at = now() + make_interval(secs => CASE WHEN st IN ('received', 'pending', 'unknown', 'error')
															 THEN least(every, 300) ELSE every END),
		   updated_at = now()
	 WHERE t.business_id = b AND t.id = p_id;
END
$$;
COMMENT ON FUNCTION flowcomm.content_status_record(uuid, uuid, int, text, text) IS 'Internal (workers): store the answer of GET /v1/Content/{Sid}/ApprovalRequests for a binding and schedule the next fetch';

-- ------------------------------------------------------------------ send time

-- send_form: how a WhatsApp or Messenger message goes out now, decided by the
-- worker when it claims the message (a scheduled reminder may have crossed the
-- end of the window since it was queued).  Records the choice as a
-- "send_form" event.  Never raises: a failure to decide is a reason too.
CREATE FUNCTION flowcomm.send_form(b uuid, p_id uuid, p_channel text, p_sender text, p_contact text,
								   OUT form text, OUT content_sid text, OUT content_variables text,
								   OUT error_code text, OUT error_message text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	c communication;
	w timestamptz;
	t content_template;
	k text;
	v text;
	vars jsonb := '{}';
	who text := regexp_replace(coalesce(p_contact, ''), '^(whatsapp|messenger):', '', 'i');
	why text;
BEGIN
	SELECT x.last_inbound_at INTO w FROM conversation_window x
	 WHERE x.business_id = b AND x.channel = p_channel::channel AND x.sender = coalesce(p_sender, '') AND x.contact = who;
	IF w + interval '24 hours' > now() THEN
		form := 'freeform';
		why := format('free-form Body: the customer wrote at %s, window open until %s', w, w + interval '24 hours');
	ELSIF p_channel = 'messenger' THEN
		form := 'none';
		error_code := 'messenger_window_closed';
		error_message := format('outside the 24-hour Messenger window (%s): not sent',
								coalesce('customer last wrote at ' || w, 'the customer never wrote to this page'));
	ELSE
		SELECT * INTO c FROM communication m WHERE m.business_id = b AND m.id = p_id;
		IF c.template_code IS NOT NULL THEN
			-- The message's language only (es-MX, then es): a Content template
			-- of another language would greet a Spanish customer in English.
			SELECT ct.* INTO t
			  FROM content_template ct
			 WHERE ct.business_id = b AND ct.template_code = c.template_code
			   AND ct.locale IN (coalesce(c.locale, 'en'), split_part(coalesce(c.locale, 'en'), '-', 1))
			 ORDER BY ct.locale = coalesce(c.locale, 'en') DESC LIMIT 1;
		END IF;
		IF t.id IS NOT NULL AND t.approval_status = 'approved' THEN
			BEGIN
				FOR k, v IN SELECT * FROM jsonb_each_text(t.placeholders) LOOP
					vars := vars || jsonb_build_object(k, left(render(v, coalesce(c.template_variables, '{}'), '{}',
																	  'none', false, c.locale), 1024));
				END LOOP;
				form := 'template';
				content_sid := t.content_sid;
				content_variables := vars::text;
				why := format('WhatsApp template %s (%s %s): outside the 24-hour window (%s)', t.content_sid,
							  t.template_code, t.locale, coalesce('customer last wrote at ' || w, 'customer never wrote'));
			EXCEPTION WHEN OTHERS THEN
				form := 'none';
				error_code := 'whatsapp_template_required';
				error_message := format('outside the 24-hour WhatsApp window and the placeholders of %s could not be rendered: %s',
										t.content_sid, SQLERRM);
			END;
		ELSE
			form := 'none';
			error_code := 'whatsapp_template_required';
			error_message := format('outside the 24-hour WhatsApp window (%s) and %s: not sent to Twilio',
				coalesce('customer last wrote at ' || w, 'the customer never wrote to this number'),
				CASE WHEN c.template_code IS NULL THEN 'the message has no template to send as an approved Content template'
					 WHEN t.id IS NULL THEN format('no Content template is bound to "%s" (%s)', c.template_code,
												   coalesce(c.locale, 'any locale'))
					 ELSE format('Content template %s is %s, not approved', t.content_sid, t.approval_status) END);
		END IF;
	END IF;
	INSERT INTO communication_event (business_id, communication_id, event, source, detail, payload)
	VALUES (b, p_id, 'send_form', 'worker', coalesce(why, error_message),
			jsonb_strip_nulls(jsonb_build_object('form', form, 'contentSid', content_sid,
				'contentVariables', vars, 'windowOpenUntil', w + interval '24 hours', 'errorCode', error_code)));
END
$$;
COMMENT ON FUNCTION flowcomm.send_form(uuid, uuid, text, text, text) IS 'Internal (workers, at send time): freeform inside the 24-hour window of the sender and contact; outside it template (an approved bound Content template, its ContentVariables rendered) or none with whatsapp_template_required / messenger_window_closed; records a send_form event';

GRANT EXECUTE ON FUNCTION flowcomm.content_template_bind(jsonb), flowcomm.content_template_unbind(text, text)
	TO flowcomm_admin;
GRANT EXECUTE ON FUNCTION flowcomm.content_templates(jsonb), flowcomm.conversation_windows(text) TO flowcomm_viewer;

-- REST (PostgREST conventions).
-- POST /rpc/content_template_bind {"templateCode": "invoice", "locale": "en", "contentSid": "HX…", "placeholders": {…}}
CREATE FUNCTION api.content_template_bind(jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.content_template_bind($1) $$;
COMMENT ON FUNCTION api.content_template_bind(jsonb) IS 'POST /rpc/content_template_bind: bind a whatsapp template and locale to an approved-to-be Twilio Content template';
-- GET /rpc/content_templates?template_code=invoice&approval_status=approved
CREATE FUNCTION api.content_templates(template_code text DEFAULT NULL, approval_status text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.content_templates(jsonb_strip_nulls(jsonb_build_object('templateCode', template_code,
																		   'approvalStatus', approval_status)))
$$;
COMMENT ON FUNCTION api.content_templates(text, text) IS 'GET /rpc/content_templates: the business''s Content template bindings and their approval status';
-- POST /rpc/content_template_unbind {"template_code": "invoice", "locale": "en"}
CREATE FUNCTION api.content_template_unbind(template_code text, locale text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.content_template_unbind(template_code, locale)
$$;
COMMENT ON FUNCTION api.content_template_unbind(text, text) IS 'POST /rpc/content_template_unbind: remove a Content template binding';
-- GET /rpc/conversation_windows?contact=%2B14155550101
CREATE FUNCTION api.conversation_windows(contact text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.conversation_windows(contact) $$;
COMMENT ON FUNCTION api.conversation_windows(text) IS 'GET /rpc/conversation_windows?contact=: the customer-service windows open with a contact';
REVOKE EXECUTE ON FUNCTION api.content_template_bind(jsonb), api.content_templates(text, text),
	api.content_template_unbind(text, text), api.conversation_windows(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.content_template_bind(jsonb), api.content_template_unbind(text, text) TO flowcomm_admin;
GRANT EXECUTE ON FUNCTION api.content_templates(text, text), api.conversation_windows(text) TO flowcomm_viewer;
