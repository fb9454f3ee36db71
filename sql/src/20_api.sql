-- 20_api.sql — the SQL API for the backend, psql and PostgREST (seed 4.1, 4.3):
-- send, history, details, cancel, resend, preferences.
--
-- Every function here is SECURITY DEFINER with a pinned search_path, takes
-- its tenant from current_business_id() and filters by it explicitly (the
-- owner bypasses RLS), and is executable only by the roles that hold the
-- seed permission it implements.  Errors: 22023 bad input (HTTP 400),
-- 42501 forbidden (403), P0002 not found (404), PT409 conflict (409).

-- communication_json: a message as the API shows it (camelCase, seed 4.1).
CREATE FUNCTION flowcomm.communication_json(c flowcomm.communication) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', c.id, 'businessId', c.business_id, 'createdBy', c.created_by, 'direction', c.direction,
		'channel', c.channel, 'type', c.type,
		'recipientType', c.recipient_type, 'recipientId', c.recipient_id,
		'recipientName', c.recipient_name, 'recipientContact', c.recipient_contact,
		'subject', c.subject, 'content', c.content, 'locale', c.locale,
		'status', c.status, 'queuedAt', c.queued_at, 'sentAt', c.sent_at, 'deliveredAt', c.delivered_at,
		'openedAt', c.opened_at, 'clickedAt', c.clicked_at, 'failedAt', c.failed_at,
		'errorCode', c.error_code, 'errorMessage', c.error_message,
		'provider', c.provider, 'providerMessageId', c.provider_message_id,
		'segments', c.segments, 'price', c.price, 'priceUnit', c.price_unit,
		'retryCount', c.retry_count, 'templateId', c.template_id, 'templateCode', c.template_code,
		'templateVariables', c.template_variables,
		'entityType', c.entity_type, 'entityId', c.entity_id,
		'originalCommunicationId', c.original_communication_id, 'fallbackOfId', c.fallback_of_id,
		'idempotencyKey', c.idempotency_key, 'metadata', c.metadata,
		'createdAt', c.created_at, 'updatedAt', c.updated_at)
$$;
COMMENT ON FUNCTION flowcomm.communication_json(flowcomm.communication) IS 'A communication row as API JSON (camelCase field names of the seed)';

-- delivery_block: why a recipient must not get this message, or NULL.
-- Opt-out and suppression always win over any caller or fallback.
-- PL/pgSQL rather than SQL for the cached plans of its two index probes (a
-- SQL function with a SET clause re-plans on every call: 0.4 ms per send);
-- without a recipient id there is no preference row to probe.
CREATE FUNCTION flowcomm.delivery_block(b uuid, p_recipient_type text, p_recipient_id uuid,
										p_channel flowcomm.channel, p_contact text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	reason text;
BEGIN
	IF p_recipient_id IS NOT NULL THEN
		SELECT CASE
				   WHEN p.opted_out_at IS NOT NULL THEN 'recipient opted out'
				   WHEN p_channel = 'email' AND NOT p.email_enabled THEN 'recipient disabled email'
				   WHEN p_channel = 'sms' AND NOT p.sms_enabled THEN 'recipient disabled sms'
				   WHEN p_channel = 'whatsapp' AND NOT p.whatsapp_enabled THEN 'recipient disabled whatsapp'
				   WHEN p_channel = 'messenger' AND NOT p.messenger_enabled THEN 'recipient disabled messenger'
			   END INTO reason
		  FROM communication_preference p
		 WHERE p.business_id = b AND p.entity_type = p_recipient_type AND p.entity_id = p_recipient_id;
		IF reason IS NOT NULL THEN
			RETURN reason;
		END IF;
	END IF;
	RETURN (SELECT format('%s is suppressed for %s (%s)', p_contact, p_channel, s.reason)
			  FROM suppression s
			 WHERE s.business_id = b AND s.channel = p_channel AND lower(s.contact) = lower(p_contact)
			   AND s.lifted_at IS NULL
			 LIMIT 1);
END
$$;
COMMENT ON FUNCTION flowcomm.delivery_block(uuid, text, uuid, flowcomm.channel, text) IS 'Reason a recipient must not be messaged on a channel (opt-out, disabled channel, suppression), or NULL';

-- preferred_contact: the recipient's stored contact for a channel.
CREATE FUNCTION flowcomm.preferred_contact(b uuid, p_recipient_type text, p_recipient_id uuid, p_channel flowcomm.channel)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT CASE p_channel WHEN 'email' THEN p.preferred_email WHEN 'sms' THEN p.preferred_phone
						  WHEN 'whatsapp' THEN coalesce(p.preferred_whatsapp, p.preferred_phone)
						  WHEN 'messenger' THEN p.preferred_messenger_id END
	  FROM communication_preference p
	 WHERE p.business_id = b AND p.entity_type = p_recipient_type AND p.entity_id = p_recipient_id
$$;
COMMENT ON FUNCTION flowcomm.preferred_contact(uuid, text, uuid, flowcomm.channel) IS 'Stored contact of a recipient for a channel (WhatsApp falls back to the phone)';

-- hold_for_quiet_hours: when a non-urgent message may leave.  Invoices,
-- payment links and confirmations answer something the customer just did and
-- leave at once; reminders, notices, alerts and general messages wait for the
-- end of the business's quiet hours in the recipient's (else the business's)
-- timezone, unless sent with priority urgent.
CREATE FUNCTION flowcomm.hold_for_quiet_hours(c flowcomm.communication, p_priority flowcomm.queue_priority,
											  p_scheduled_at timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	s business_setting;
	tz text;
	at timestamptz := greatest(coalesce(p_scheduled_at, now()), now());
BEGIN
	IF p_priority = 'urgent' OR c.type NOT IN ('invoice_reminder', 'collection_notice', 'low_stock_alert', 'general_notification') THEN
		RETURN p_scheduled_at;
	END IF;
	SELECT * INTO s FROM business_setting x WHERE x.business_id = c.business_id;
	IF NOT FOUND OR s.quiet_hours_start IS NULL OR s.quiet_hours_end IS NULL THEN
		RETURN p_scheduled_at;
	END IF;
	tz := coalesce((SELECT p.timezone FROM communication_preference p
					 WHERE p.business_id = c.business_id AND p.entity_type = c.recipient_type
					   AND p.entity_id = c.recipient_id), s.timezone);
	IF quiet_release(at, tz, s.quiet_hours_start, s.quiet_hours_end) > at THEN
		RETURN quiet_release(at, tz, s.quiet_hours_start, s.quiet_hours_end);
	END IF;
	RETURN p_scheduled_at;
END
$$;
COMMENT ON FUNCTION flowcomm.hold_for_quiet_hours(flowcomm.communication, flowcomm.queue_priority, timestamptz) IS 'Send time of a message after the business''s quiet hours (non-urgent types only, recipient timezone)';

-- enqueue: store a validated message, its attachments and its queue job, and
-- wake the workers at commit.  Every sending path (send, resend, triggers,
-- reminders, fallback, bulk) ends here.  Returns the new row.
CREATE FUNCTION flowcomm.enqueue(c flowcomm.communication, p_priority flowcomm.queue_priority,
								 p_scheduled_at timestamptz, p_attachments jsonb, p_payload jsonb)
RETURNS flowcomm.communication
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	att jsonb;
	i int := 0;
BEGIN
	PERFORM check_send_quota(c.business_id, 1, CASE WHEN p_priority = 'urgent' THEN 1 ELSE 0 END);
	p_scheduled_at := hold_for_quiet_hours(c, p_priority, p_scheduled_at);
	c.id := coalesce(c.id, uuid_v7());
	c.direction := coalesce(c.direction, 'outbound');
	c.retry_count := coalesce(c.retry_count, 0);
	c.max_retries := coalesce(c.max_retries, 4);
	c.status := 'queued';
	c.queued_at := now();
	c.created_at := now();
	c.updated_at := now();
	INSERT INTO communication SELECT c.*;
	FOR att IN SELECT value FROM jsonb_array_elements(coalesce(p_attachments, '[]'))
	LOOP
		INSERT INTO communication_attachment (business_id, communication_id, filename, file_path, file_url,
											  mime_type, size_bytes, content)
		VALUES (c.business_id, c.id, att ->> 'filename', att ->> 'filePath', att ->> 'fileUrl',
				att ->> 'mimeType', (att ->> 'sizeBytes')::int, decode(att ->> 'contentBase64', 'base64'));
		i := i + 1;
	END LOOP;
	INSERT INTO communication_queue (business_id, communication_id, channel, priority, scheduled_at,
									 max_attempts, payload)
	VALUES (c.business_id, c.id, c.channel, p_priority, coalesce(p_scheduled_at, now()),
			c.max_retries + 1, coalesce(p_payload, '{}'));
	INSERT INTO communication_event (business_id, communication_id, event, status, source, detail)
	VALUES (c.business_id, c.id, 'queued', 'queued', 'api',
			CASE WHEN p_scheduled_at > now() THEN 'scheduled for ' || p_scheduled_at END);
	PERFORM wake_workers();
	RETURN c;
END
$$;
COMMENT ON FUNCTION flowcomm.enqueue(flowcomm.communication, flowcomm.queue_priority, timestamptz, jsonb, jsonb) IS 'Internal: insert a validated message with attachments, queue job and queued event; wakes workers at commit';

-- check_attachments: validate the attachments array of a send request.
-- req_scheduled_at: a request's send time, at most a year ahead: every
-- entry point that takes one (send, resend) uses this one rule.
CREATE FUNCTION flowcomm.req_scheduled_at(req jsonb, field text) RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	t timestamptz := req_timestamptz(req, field);
BEGIN
	IF t > now() + interval '1 year' THEN
		PERFORM invalid(field, 'is more than a year ahead');
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION flowcomm.req_scheduled_at(jsonb, text) IS 'Internal: a request''s scheduled time, refused (22023 naming the field) more than a year ahead';

-- no_line_breaks: a value that ends up in a mail header (subject, names)
-- may not carry CR or LF (header injection).
CREATE FUNCTION flowcomm.no_line_breaks(v text, field text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	IF v ~ '[\r\n]' THEN
		PERFORM invalid(field, 'may not contain line breaks', 'it becomes part of an email header');
	END IF;
	RETURN v;
END
$$;
COMMENT ON FUNCTION flowcomm.no_line_breaks(text, text) IS 'Internal: a header-bound value, refused (22023 naming the field) when it contains CR or LF';

CREATE FUNCTION flowcomm.check_attachments(atts jsonb, p_channel flowcomm.channel) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	a jsonb;
	n int := 0;
	total bigint := 0;
	f text;
BEGIN
	IF atts IS NULL OR jsonb_typeof(atts) = 'null' THEN
		RETURN '[]';
	END IF;
	IF jsonb_typeof(atts) <> 'array' THEN
		PERFORM invalid('attachments', 'must be an array');
	END IF;
	IF jsonb_array_length(atts) > 10 THEN
		PERFORM invalid('attachments', 'at most 10 attachments per message');
	END IF;
	FOR a IN SELECT value FROM jsonb_array_elements(atts)
	LOOP
		f := format('attachments[%s]', n);
		PERFORM check_request(a, ARRAY['filename', 'fileUrl', 'filePath', 'mimeType', 'sizeBytes', 'contentBase64'], f);
		IF req_text(a, 'filename', 255) IS NULL OR (a ->> 'filename') ~ '[/\\]' OR (a ->> 'filename') = '' THEN
			PERFORM invalid(f || '.filename', 'is required and may not contain a path');
		END IF;
		IF req_text(a, 'fileUrl', 500) IS NOT NULL AND (a ->> 'fileUrl') !~ '^https?://[^\s]+$' THEN
			PERFORM invalid(f || '.fileUrl', 'must be an http(s) URL');
		END IF;
		IF req_text(a, 'mimeType', 100) IS NOT NULL AND (a ->> 'mimeType') !~ '^[a-z]+/[A-Za-z0-9.+-]+$' THEN
			PERFORM invalid(f || '.mimeType', format('"%s" is not a MIME type', left(a ->> 'mimeType', 100)));
		END IF;
		IF jsonb_typeof(a -> 'sizeBytes') NOT IN ('number', 'null') OR (a ->> 'sizeBytes')::numeric < 0
		   OR (a ->> 'sizeBytes')::numeric > 2147483647 OR (a ->> 'sizeBytes')::numeric <> trunc((a ->> 'sizeBytes')::numeric) THEN
			PERFORM invalid(f || '.sizeBytes', 'must be a whole number of bytes');
		END IF;
		PERFORM req_text(a, 'filePath', 500);
		IF req_text(a, 'contentBase64', 40000000) IS NOT NULL THEN
			IF (a ->> 'contentBase64') !~ '^[A-Za-z0-9+/\s]*={0,2}\s*$' THEN
				PERFORM invalid(f || '.contentBase64', 'is not base64');
			END IF;
			total := total + length(a ->> 'contentBase64') * 3 / 4;
		ELSIF a ->> 'fileUrl' IS NULL AND a ->> 'filePath' IS NULL THEN
			PERFORM invalid(f, 'needs contentBase64, fileUrl or filePath');
		END IF;
		-- Only what the worker really sends is accepted: Sendgrid takes the
		-- bytes (flowcomm fetches no URL or file), WhatsApp and Messenger a
		-- public media URL, SMS nothing (MMS is not offered).
		IF p_channel = 'sms' THEN
			PERFORM invalid('attachments', 'an SMS carries no attachments', 'send them by email, or as WhatsApp media (fileUrl)');
		ELSIF p_channel = 'email' AND a ->> 'contentBase64' IS NULL THEN
			PERFORM invalid(f || '.contentBase64', 'is required for email: flowcomm attaches the bytes given, it fetches no fileUrl or filePath');
		ELSIF p_channel IN ('whatsapp', 'messenger') AND a ->> 'fileUrl' IS NULL THEN
			PERFORM invalid(f || '.fileUrl', format('%s media must be a public URL', p_channel));
		ELSIF p_channel IN ('whatsapp', 'messenger') AND a ->> 'contentBase64' IS NOT NULL THEN
			PERFORM invalid(f || '.contentBase64', format('%s media is sent by URL only (fileUrl)', p_channel));
		END IF;
		n := n + 1;
	END LOOP;
	IF total > 30 * 1024 * 1024 THEN
		PERFORM invalid('attachments', 'more than 30 MB in total (Sendgrid''s limit)');
	END IF;
	RETURN atts;
END
$$;
COMMENT ON FUNCTION flowcomm.check_attachments(jsonb, flowcomm.channel) IS 'Validate a send request''s attachments array; 22023 naming the element and field';

-- build_message: turn a send request into a validated, rendered
-- communication row (not stored).  Shared by send and send_bulk.
CREATE FUNCTION flowcomm.build_message(b uuid, req jsonb, actor text) RETURNS flowcomm.communication
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	c communication;
	ch text;
	typ text;
	block text;
	r record;
	max_len int;
BEGIN
	PERFORM check_request(req, ARRAY['channel', 'type', 'recipientType', 'recipientId', 'recipientName',
		'recipientContact', 'subject', 'content', 'templateId', 'templateCode', 'templateVariables', 'locale',
		'entityType', 'entityId', 'attachments', 'scheduledAt', 'priority', 'idempotencyKey', 'metadata',
		'maxRetries', 'businessId', 'createdBy']);
	c.business_id := b;
	c.created_by := coalesce(req_text(req, 'createdBy', 100), actor);
	IF c.created_by <> actor AND (c.created_by !~ '^SYSTEM_[a-z_]{1,40}$' OR NOT actor_trusted()) THEN
		PERFORM invalid('createdBy', 'may only name a system actor such as SYSTEM_collections',
						'the acting user is taken from flowcomm.user_id or the JWT; only the service role or PostgREST may name a system actor');
	END IF;
	IF (req ? 'businessId') AND req_uuid(req, 'businessId') IS DISTINCT FROM b THEN
		RAISE EXCEPTION 'businessId % is not the current business', req ->> 'businessId'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	ch := req_enum(req, 'channel', enum_range(NULL::channel)::text[] || 'auto'::text);
	IF ch IS NULL THEN
		PERFORM invalid('channel', 'is required', 'one of email, sms, whatsapp, messenger, auto');
	END IF;
	typ := req_text(req, 'type', 64);
	typ := CASE typ WHEN 'general' THEN 'general_notification' WHEN 'payment_reminder' THEN 'invoice_reminder' ELSE typ END;
	IF typ IS NULL THEN
		PERFORM invalid('type', 'is required');
	ELSIF NOT typ = ANY (enum_range(NULL::communication_type)::text[]) OR typ = 'inbound_reply' THEN
		PERFORM invalid('type', format('"%s" is not a message type', left(typ, 64)),
						'one of invoice, invoice_reminder, payment_confirmation, payment_link, collection_notice, low_stock_alert, general_notification');
	END IF;
	c.type := typ::communication_type;
	c.recipient_type := coalesce(req_enum(req, 'recipientType', ARRAY['customer', 'supplier', 'user']), 'customer');
	c.recipient_id := req_uuid(req, 'recipientId');
	c.recipient_name := req_text(req, 'recipientName', 255);
	IF c.recipient_name ~ '[\r\n]' THEN
		PERFORM invalid('recipientName', 'may not contain line breaks', 'it becomes part of an email header');
	END IF;
	IF ch = 'auto' THEN
		ch := choose_channel(b, c.recipient_type, c.recipient_id, c.type, req_text(req, 'recipientContact', 255));
	END IF;
	c.channel := ch::channel;
	c.recipient_contact := coalesce(req_text(req, 'recipientContact', 255),
									preferred_contact(b, c.recipient_type, c.recipient_id, c.channel));
	IF c.recipient_contact IS NULL AND c.recipient_id IS NOT NULL THEN
		PERFORM invalid('recipientId', format('%s %s has no stored %s contact', c.recipient_type, c.recipient_id, c.channel),
						'store one with preferences_update, or pass recipientContact');
	END IF;
	c.recipient_contact := check_contact(c.channel, c.recipient_contact);
	c.entity_type := req_text(req, 'entityType', 50);
	IF c.entity_type !~ '^[A-Za-z_]{1,50}$' THEN
		PERFORM invalid('entityType', 'letters and underscores only');
	END IF;
	c.entity_id := req_uuid(req, 'entityId');
	c.locale := req_text(req, 'locale', 16);
	IF c.locale !~ '^[a-z]{2}([-_][A-Za-z]{2})?$' THEN
		PERFORM invalid('locale', format('"%s" is not a locale such as es or es-MX', c.locale));
	END IF;
	c.metadata := req_object(req, 'metadata');
	c.max_retries := coalesce(req_int(req, 'maxRetries', 0, 20), 4);
	c.idempotency_key := req_text(req, 'idempotencyKey', 255);
	IF c.idempotency_key = '' THEN
		PERFORM invalid('idempotencyKey', 'may not be empty');
	END IF;

	IF req ? 'templateId' OR req ? 'templateCode' THEN
		SELECT * INTO r FROM render_for_send(b, c.channel, req_uuid(req, 'templateId'), req_text(req, 'templateCode', 100),
											 c.locale, coalesce(req_object(req, 'templateVariables'), '{}'));
		c.template_id := r.template_id;
		c.template_code := r.template_code;
		c.template_variables := coalesce(req_object(req, 'templateVariables'), '{}');
		c.subject := coalesce(no_line_breaks(req_text(req, 'subject', 500), 'subject'),
							  -- a template's subject may wrap; a header may not
							  regexp_replace(r.subject, '\s*[\r\n]+\s*', ' ', 'g'));
		c.content := r.body;
		c.content_text := r.body_text;
		c.locale := coalesce(c.locale, r.locale);
	ELSE
		IF req ? 'templateVariables' THEN
			PERFORM invalid('templateVariables', 'given without templateId or templateCode');
		END IF;
		max_len := CASE WHEN c.channel = 'email' THEN 1048576 ELSE 65536 END;
		c.subject := no_line_breaks(req_text(req, 'subject', 500), 'subject');
		c.content := req_text(req, 'content', max_len);
		IF c.content IS NULL OR c.content = '' THEN
			PERFORM invalid('content', 'is required when no template is given');
		END IF;
		IF c.channel = 'email' THEN
			c.content_text := html_to_text(c.content);
		END IF;
	END IF;
	IF c.channel = 'email' AND coalesce(c.subject, '') = '' THEN
		PERFORM invalid('subject', 'is required for email');
	END IF;

	block := coalesce(delivery_block(b, c.recipient_type, c.recipient_id, c.channel, c.recipient_contact),
					  unsubscribe_block(b, c.channel, c.recipient_contact, c.type));	-- 58_unsubscribe.sql
	IF block IS NOT NULL THEN
		RAISE EXCEPTION 'cannot send to %: %', c.recipient_contact, block
			USING ERRCODE = 'PT409', HINT = 'the recipient''s preferences or a suppression forbid this channel';
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION flowcomm.build_message(uuid, jsonb, text) IS 'Internal: validate and render a send request into a communication row (not stored)';

-- send: POST /communications/send.
CREATE FUNCTION flowcomm.send(request jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	c communication;
	prio text;
	sched timestamptz;
	atts jsonb;
	key text;
BEGIN
	key := req_text(request, 'idempotencyKey', 255);
	IF key IS NOT NULL THEN
		-- Serialise concurrent calls with the same key; the first one wins.
		PERFORM pg_advisory_xact_lock(hashtextextended(b::text || key, 0));
		SELECT * INTO c FROM communication x WHERE x.business_id = b AND x.idempotency_key = key;
		IF FOUND THEN
			RETURN jsonb_build_object('id', c.id, 'status', c.status, 'idempotentReplay', true,
				'estimatedSendTime', (SELECT q.scheduled_at FROM communication_queue q
									   WHERE q.business_id = b AND q.communication_id = c.id),
				'communication', communication_json(c));
		END IF;
	END IF;
	c := build_message(b, request, current_actor());
	prio := coalesce(req_enum(request, 'priority', enum_range(NULL::queue_priority)::text[]), 'normal');
	sched := req_scheduled_at(request, 'scheduledAt');
	atts := check_attachments(request -> 'attachments', c.channel);

	c := enqueue(c, prio::queue_priority, sched, atts, NULL);
	RETURN jsonb_build_object('id', c.id, 'status', c.status, 'idempotentReplay', false,
							  'estimatedSendTime', (SELECT greatest(q.scheduled_at, now()) FROM communication_queue q
													 WHERE q.business_id = b AND q.communication_id = c.id),
							  'communication', communication_json(c));
END
$$;
COMMENT ON FUNCTION flowcomm.send(jsonb) IS 'Send a message (seed POST /communications/send): validates, renders the template, checks preferences and suppressions, stores it and its queue job; returns id, status queued, estimatedSendTime. An idempotencyKey makes a repeated call return the first message';

-- bulk_invalid: raise the bad-input error for a field of one element of a
-- send_bulk batch; returns boolean so set-based checks can call it from a
-- WHERE clause ("ok OR bulk_invalid(...)").
CREATE FUNCTION flowcomm.bulk_invalid(idx int, field text, problem text, state text DEFAULT '22023') RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE EXCEPTION 'invalid requests[%]%: %', idx, CASE WHEN field = '' THEN '' ELSE '.' || field END, problem
		USING ERRCODE = state, COLUMN = format('requests[%s]%s', idx, CASE WHEN field = '' THEN '' ELSE '.' || field END);
END
$$;
COMMENT ON FUNCTION flowcomm.bulk_invalid(int, text, text, text) IS 'Internal: raise "invalid requests[i].field: problem" (22023 unless given) for send_bulk';

-- bulk_fast_ok: true when a send_bulk element can take the set-based path:
-- only the fields a campaign uses (no channel auto, templateId, attachments,
-- scheduledAt, maxRetries, createdBy, businessId, no JSON nulls) and every
-- one of them well formed by the same rules as build_message.  Anything
-- else goes through send() element by element, which gives the exact error.
-- One expression without a subquery, and only immutable calls (schema
-- qualified), so that the planner inlines it: called as a function it ran
-- a SQL-function executor per element (29 us, 2.9 s for 100,000).
CREATE FUNCTION flowcomm.bulk_fast_ok(r jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN jsonb_typeof(r) IS DISTINCT FROM 'object' THEN false ELSE
	       (r - ARRAY['channel', 'type', 'recipientType', 'recipientId', 'recipientName',
					  'recipientContact', 'subject', 'content', 'templateCode',
					  'templateVariables', 'locale', 'entityType', 'entityId', 'priority',
					  'idempotencyKey', 'metadata']) = '{}'::jsonb
	   AND NOT jsonb_path_exists(r, 'strict $.* ? (@ == null)')
	   AND jsonb_typeof(r -> 'channel') = 'string' AND jsonb_typeof(r -> 'type') = 'string'
	   AND (r ->> 'type') IN ('invoice', 'invoice_reminder', 'payment_reminder', 'payment_confirmation', 'payment_link',
							  'collection_notice', 'low_stock_alert', 'general_notification', 'general')
	   AND coalesce((r ->> 'recipientType') IN ('customer', 'supplier', 'user') AND jsonb_typeof(r -> 'recipientType') = 'string', true)
	   AND coalesce(jsonb_typeof(r -> 'recipientId') = 'string' AND (r ->> 'recipientId') ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$', true)
	   AND coalesce(jsonb_typeof(r -> 'entityId') = 'string' AND (r ->> 'entityId') ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$', true)
	   AND coalesce(jsonb_typeof(r -> 'recipientName') = 'string' AND length(r ->> 'recipientName') <= 255
					AND (r ->> 'recipientName') !~ '[\r\n]', true)
	   AND coalesce(jsonb_typeof(r -> 'subject') = 'string' AND length(r ->> 'subject') <= 500
					AND (r ->> 'subject') !~ '[\r\n]', true)
	   AND coalesce(jsonb_typeof(r -> 'entityType') = 'string' AND (r ->> 'entityType') ~ '^[A-Za-z_]{1,50}$', true)
	   AND coalesce(jsonb_typeof(r -> 'locale') = 'string' AND (r ->> 'locale') ~ '^[a-z]{2}([-_][A-Za-z]{2})?$', true)
	   AND coalesce(jsonb_typeof(r -> 'priority') = 'string' AND (r ->> 'priority') IN ('low', 'normal', 'high', 'urgent'), true)
	   AND coalesce(jsonb_typeof(r -> 'idempotencyKey') = 'string' AND length(r ->> 'idempotencyKey') BETWEEN 1 AND 255, true)
	   AND coalesce(jsonb_typeof(r -> 'metadata') = 'object' AND length((r -> 'metadata')::text) <= 262144, true)
	   AND jsonb_typeof(r -> 'recipientContact') = 'string'
	   AND CASE r ->> 'channel'
			   WHEN 'email' THEN length(r ->> 'recipientContact') <= 254 AND flowcomm.is_email(r ->> 'recipientContact')
			   WHEN 'sms' THEN flowcomm.is_e164(r ->> 'recipientContact')
			   WHEN 'whatsapp' THEN flowcomm.is_e164(r ->> 'recipientContact')
			   WHEN 'messenger' THEN flowcomm.is_messenger_id(r ->> 'recipientContact')
			   ELSE false END
	   AND CASE WHEN r ? 'templateCode'
				THEN jsonb_typeof(r -> 'templateCode') = 'string' AND length(r ->> 'templateCode') <= 100
					 AND NOT r ? 'content'
					 AND coalesce(jsonb_typeof(r -> 'templateVariables') = 'object'
								  AND length((r -> 'templateVariables')::text) <= 262144, true)
				ELSE NOT r ? 'templateVariables' AND jsonb_typeof(r -> 'content') = 'string' AND (r ->> 'content') <> ''
					 AND length(r ->> 'content') <= CASE WHEN r ->> 'channel' = 'email' THEN 1048576 ELSE 65536 END
					 AND (r ->> 'channel' <> 'email' OR (r ->> 'subject') <> '') END END
$$;
COMMENT ON FUNCTION flowcomm.bulk_fast_ok(jsonb) IS 'Internal: a send_bulk element that the set-based path can take (common fields only, all well formed)';

-- bulk_elements: the elements of a send_bulk batch with their index.  Not
-- inlinable (SET clause) on purpose: its ROWS estimate makes the planner
-- join the batch's CTEs by hash; with jsonb_array_elements' estimate of 100
-- rows it chose nested loops, quadratic in the batch size (73 s for 10,000).
CREATE FUNCTION flowcomm.bulk_elements(requests jsonb) RETURNS TABLE (i int, r jsonb)
LANGUAGE sql IMMUTABLE ROWS 10000
SET search_path = pg_catalog, pg_temp AS $$
	SELECT (o - 1)::int, r FROM jsonb_array_elements(requests) WITH ORDINALITY e(r, o)
$$;
COMMENT ON FUNCTION flowcomm.bulk_elements(jsonb) IS 'Internal: elements of a send_bulk batch with their 0-based index';

-- send_bulk: POST /communications/send-bulk — many send requests in one
-- call and one transaction (campaigns, reminder runs).
--
-- Every element is validated before anything is stored; the first bad one
-- raises the error send would raise, naming it: "invalid
-- requests[3].recipientContact: ..." (22023, COLUMN requests[3].recipientContact),
-- and nothing is written.  Recipients that opted out, disabled the channel
-- or are suppressed are skipped and reported (send raises PT409 for them);
-- an idempotencyKey that already exists, or repeats an earlier element, is
-- a replay of that message.  Returns {"total", "queued", "replayed",
-- "blocked", "ids" (one per element, in order: the new or replayed id, null
-- when blocked), "replays" (element indexes), "blockedDetails" ([{"index",
-- "recipientContact", "reason"}])}.  At most 100,000 elements per call.
--
-- Batches whose elements all use only the common fields (bulk_fast_ok) are
-- stored set-based: each distinct template (channel, code, locale) is
-- resolved once, rows are rendered by the C engine inside one INSERT ...
-- SELECT per table.  Any other batch is sent element by element through
-- send(), with the same result shape.  Either way the workers are woken
-- once, at commit.
CREATE FUNCTION flowcomm.send_bulk(requests jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	actor text := current_actor();
	n int;
	cur int;
	k record;
	t record;
	src text;
	partials jsonb;
	tpls jsonb := '{}';
	res jsonb;
	ids jsonb[];
	replays int[] := '{}';
	blocked jsonb[] := '{}';
	quiet boolean;
	st text;
	msg text;
	col text;
	hint text;
	detail text;
BEGIN
	IF requests IS NULL OR jsonb_typeof(requests) <> 'array' THEN
		PERFORM invalid('requests', format('must be a JSON array of send requests, not %s',
										   coalesce(jsonb_typeof(requests), 'null')));
	END IF;
	n := jsonb_array_length(requests);
	IF n > 100000 THEN
		PERFORM invalid('requests', format('has %s elements; at most 100000 per call', n), 'split the batch');
	END IF;
	PERFORM check_send_quota(b, n, (SELECT count(*)::int FROM jsonb_array_elements(requests) r WHERE r ->> 'priority' = 'urgent'));
	IF n = 0 THEN
		RETURN jsonb_build_object('total', 0, 'queued', 0, 'replayed', 0, 'blocked', 0, 'ids', '[]'::jsonb,
								  'replays', '[]'::jsonb, 'blockedDetails', '[]'::jsonb);
	END IF;

	IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(requests) r WHERE NOT bulk_fast_ok(r)) THEN
		-- Set-based path.  Resolve each distinct template once, with its
		-- partials and the variables a request must give.
		BEGIN
			FOR k IN SELECT DISTINCT ON (ch, code, loc) i, ch, code, loc
					   FROM (SELECT o::int - 1 AS i, r ->> 'channel' AS ch, r ->> 'templateCode' AS code, r ->> 'locale' AS loc
							   FROM jsonb_array_elements(requests) WITH ORDINALITY e(r, o) WHERE r ? 'templateCode') x
					  ORDER BY ch, code, loc, i
			LOOP
				cur := k.i;
				SELECT * INTO t FROM resolve_template(b, k.ch::channel, NULL, k.code, k.loc);
				src := coalesce(t.subject_template, '') || ' ' || t.body_template;
				partials := template_partials(b, k.ch::channel, coalesce(k.loc, t.locale));
				-- The key keeps every position (format writes NULL as ''):
				-- concat_ws skipped NULLs, so a content-only element with
				-- locale es met the template whose code is es.
				tpls := tpls || jsonb_build_object(format('%s/%s/%s', k.ch, k.code, k.loc), jsonb_build_object(
					'id', t.id, 'code', t.code, 'locale', t.locale, 'renderLocale', coalesce(k.loc, t.locale),
					'subject', t.subject_template, 'body', t.body_template, 'partials', partials,
					'required', to_jsonb(ARRAY(SELECT v FROM unnest(template_variables(src)) v
												WHERE NOT v = ANY (optional_variables(src)) AND NOT partials ? v))));
			END LOOP;
		EXCEPTION WHEN no_data_found THEN
			PERFORM bulk_invalid(cur, 'templateCode', SQLERRM, SQLSTATE);
		END;

		quiet := EXISTS (SELECT 1 FROM business_setting s WHERE s.business_id = b
							AND s.quiet_hours_start IS NOT NULL AND s.quiet_hours_end IS NOT NULL);

		WITH tk AS (
			-- One row per template, its fields taken out of the jsonb once.
			SELECT x.key, (x.v ->> 'id')::uuid AS t_id, x.v ->> 'code' AS t_code, x.v ->> 'locale' AS t_locale,
				   x.v ->> 'renderLocale' AS t_rlocale, x.v ->> 'subject' AS t_subject, x.v ->> 'body' AS t_body,
				   x.v -> 'partials' AS t_partials, ARRAY(SELECT jsonb_array_elements_text(x.v -> 'required')) AS req
			  FROM jsonb_each(tpls) x(key, v)
		), e AS (
			SELECT x.i, x.r, r ->> 'channel' AS ch,
				   CASE r ->> 'type' WHEN 'general' THEN 'general_notification' WHEN 'payment_reminder' THEN 'invoice_reminder'
									 ELSE r ->> 'type' END AS typ,
				   coalesce(r ->> 'recipientType', 'customer') AS rtype, (r ->> 'recipientId')::uuid AS rid,
				   CASE WHEN r ->> 'channel' = 'email' THEN lower(r ->> 'recipientContact') ELSE r ->> 'recipientContact' END AS contact,
				   coalesce(r -> 'templateVariables', '{}') AS vars, tk.*
			  FROM bulk_elements(requests) x
			  LEFT JOIN tk ON r ? 'templateCode' AND tk.key = format('%s/%s/%s', r ->> 'channel', r ->> 'templateCode', r ->> 'locale')
		), m AS (
			-- Rendered messages; a missing variable or an empty e-mail
			-- subject stops the whole batch, naming the element.
			SELECT e.*, s.subject, s.content,
				   CASE WHEN ch = 'email' THEN html_to_text(s.content) END AS content_text,
				   coalesce(r ->> 'priority', 'normal') AS prio
			  FROM e
			 CROSS JOIN LATERAL (
				SELECT coalesce(r ->> 'subject', CASE WHEN t_subject IS NOT NULL
														THEN regexp_replace(render(t_subject, vars, t_partials, 'none', false, t_rlocale),
																			'\s*[\r\n]+\s*', ' ', 'g') END) AS subject,
					   CASE WHEN key IS NULL THEN r ->> 'content'
							ELSE render(t_body, vars, t_partials, CASE WHEN ch = 'email' THEN 'html' ELSE 'none' END,
										false, t_rlocale) END AS content) s
			 WHERE (key IS NULL OR vars ?& req
					OR bulk_invalid(i, 'templateVariables', (SELECT format('missing template variable%s: %s',
							CASE WHEN count(*) > 1 THEN 's' ELSE '' END, string_agg(v, ', ' ORDER BY v))
						  FROM unnest(req) v WHERE NOT vars ? v)))
			   AND (ch <> 'email' OR coalesce(s.subject, '') <> '' OR bulk_invalid(i, 'subject', 'is required for email'))
		), dup AS (
			-- Keys given more than once in the batch: the first element wins.
			SELECT r ->> 'idempotencyKey' AS key, min(o)::int - 1 AS first_i
			  FROM jsonb_array_elements(requests) WITH ORDINALITY x(r, o)
			 WHERE r ? 'idempotencyKey'
			 GROUP BY 1 HAVING count(*) > 1
		), d AS (
			-- Preferences and suppressions (as delivery_block) by joins
			-- rather than two probes per element, and replays.
			SELECT m.i, m.ch, m.typ, m.rtype, m.rid, m.contact, m.subject, m.content, m.content_text, m.prio,
				   m.t_id, m.t_code, coalesce(m.r ->> 'locale', m.t_locale) AS locale, m.r ->> 'recipientName' AS rname,
				   m.r ->> 'entityType' AS etype, (m.r ->> 'entityId')::uuid AS eid, m.r ->> 'idempotencyKey' AS ikey,
				   m.r -> 'metadata' AS meta,
				   CASE WHEN m.key IS NOT NULL THEN m.vars END AS vars, coalesce(
					   CASE WHEN p.opted_out_at IS NOT NULL THEN 'recipient opted out'
							WHEN m.ch = 'email' AND NOT p.email_enabled THEN 'recipient disabled email'
							WHEN m.ch = 'sms' AND NOT p.sms_enabled THEN 'recipient disabled sms'
							WHEN m.ch = 'whatsapp' AND NOT p.whatsapp_enabled THEN 'recipient disabled whatsapp'
							WHEN m.ch = 'messenger' AND NOT p.messenger_enabled THEN 'recipient disabled messenger' END,
					   CASE WHEN s.id IS NOT NULL THEN format('%s is suppressed for %s (%s)', m.contact, m.ch, s.reason) END,
					   CASE WHEN u.id IS NOT NULL THEN format('%s unsubscribed from %s on %s (%s)', m.contact, m.typ, m.ch, u.source) END) AS block,
				   -- A probe, not a join: only keyed elements pay for it, and
				   -- the plan does not depend on how many keyed rows exist.
				   CASE WHEN m.r ? 'idempotencyKey' THEN
							(SELECT x.id FROM communication x WHERE x.business_id = b AND x.idempotency_key = m.r ->> 'idempotencyKey') END AS prior_id,
				   dup.first_i
			  FROM m
			  LEFT JOIN communication_preference p ON p.business_id = b AND p.entity_type = m.rtype AND p.entity_id = m.rid
			  LEFT JOIN suppression s ON s.business_id = b AND s.channel = m.ch::channel AND lower(s.contact) = lower(m.contact)
									 AND s.lifted_at IS NULL
			  -- per-type opt-outs (58_unsubscribe.sql), as unsubscribe_block
			  LEFT JOIN unsubscribe u ON u.business_id = b AND u.channel = m.ch::channel AND lower(u.contact) = lower(m.contact)
									 AND u.type = m.typ::communication_type AND u.lifted_at IS NULL
			  LEFT JOIN dup ON dup.key = m.r ->> 'idempotencyKey'
		), n AS (
			SELECT d.*, CASE WHEN block IS NULL AND prior_id IS NULL AND coalesce(first_i = i, true) THEN uuid_v7() END AS id FROM d
		), ins AS (
			INSERT INTO communication (business_id, id, created_by, direction, recipient_type, recipient_id, recipient_name,
									   recipient_contact, channel, type, subject, content, content_text, locale, entity_type,
									   entity_id, template_id, template_code, template_variables, status, queued_at,
									   retry_count, max_retries, idempotency_key, metadata, created_at, updated_at)
			SELECT b, c.id, actor, 'outbound', rtype, rid, rname, contact, ch::channel, typ::communication_type,
				   subject, content, content_text, locale, etype, eid, t_id, t_code, vars,
				   'queued', now(), 0, 4, ikey, meta, now(), now()
			  FROM n c
			 WHERE c.id IS NOT NULL
			ON CONFLICT (business_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
			RETURNING id, channel, type, recipient_type, recipient_id
		), q AS (
			INSERT INTO communication_queue (business_id, communication_id, channel, priority, scheduled_at, max_attempts, payload)
			SELECT b, ins.id, ins.channel, c.prio::queue_priority,
				   coalesce(CASE WHEN quiet THEN hold_for_quiet_hours(jsonb_populate_record(NULL::communication,
								jsonb_build_object('business_id', b, 'type', ins.type, 'recipient_type', ins.recipient_type,
												   'recipient_id', ins.recipient_id)), c.prio::queue_priority, NULL) END, now()),
				   5, '{}'
			  FROM ins JOIN n c ON c.id = ins.id
			RETURNING communication_id, scheduled_at
		), ev AS (
			INSERT INTO communication_event (business_id, communication_id, event, status, source, detail)
			SELECT b, q.communication_id, 'queued', 'queued', 'api',
				   CASE WHEN q.scheduled_at > now() THEN 'scheduled for ' || q.scheduled_at END
			  FROM q
		)
		SELECT array_agg(CASE WHEN n.block IS NOT NULL THEN 'null'::jsonb ELSE to_jsonb(coalesce(n.prior_id, ins.id)) END
						 ORDER BY n.i),
			   coalesce(array_agg(n.i ORDER BY n.i) FILTER (WHERE n.block IS NULL AND n.prior_id IS NOT NULL), '{}'),
			   coalesce(array_agg(jsonb_build_object('index', n.i, 'recipientContact', n.contact, 'reason', n.block) ORDER BY n.i)
							FILTER (WHERE n.block IS NOT NULL), '{}')
		  INTO ids, replays, blocked
		  FROM n
		  LEFT JOIN ins ON ins.id = n.id;

		-- Elements left without an id repeat a key: of an earlier element of
		-- the batch, or of a message committed meanwhile by another
		-- transaction (ON CONFLICT skipped it).  This statement sees both.
		IF array_position(ids, NULL) IS NOT NULL THEN
			SELECT array_agg(coalesce(u.id, to_jsonb((SELECT x.id FROM communication x
														WHERE x.business_id = b AND x.idempotency_key = e.r ->> 'idempotencyKey')))
							 ORDER BY u.o),
				   ARRAY(SELECT unnest(replays || array_agg(u.o::int - 1) FILTER (WHERE u.id IS NULL)) ORDER BY 1)
			  INTO ids, replays
			  FROM unnest(ids) WITH ORDINALITY u(id, o)
			  JOIN jsonb_array_elements(requests) WITH ORDINALITY e(r, o) USING (o);
		END IF;
		PERFORM wake_workers();
	ELSE
		-- Element by element through send(), so every field and feature
		-- behaves exactly as there; blocked recipients are skipped.
		ids := '{}';
		BEGIN
			FOR k IN SELECT o::int - 1 AS i, r FROM jsonb_array_elements(requests) WITH ORDINALITY e(r, o) ORDER BY o
			LOOP
				cur := k.i;
				BEGIN
					res := send(k.r);
					ids := ids || (res -> 'id');
					IF (res ->> 'idempotentReplay')::boolean THEN
						replays := replays || k.i;
					END IF;
				EXCEPTION WHEN SQLSTATE 'PT409' THEN
					ids := ids || 'null'::jsonb;
					-- The bare reason, as the set-based path reports it.
					blocked := blocked || jsonb_build_object('index', k.i, 'recipientContact', k.r ->> 'recipientContact',
															 'reason', regexp_replace(SQLERRM, '^cannot send to [^ ]+: ', ''));
				END;
			END LOOP;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, col = COLUMN_NAME,
									hint = PG_EXCEPTION_HINT, detail = PG_EXCEPTION_DETAIL;
			IF col = 'request' AND msg LIKE 'invalid request: %' THEN
				msg := format('invalid requests[%s]%s', cur, substr(msg, 16));
				col := format('requests[%s]', cur);
			ELSIF col <> '' AND msg LIKE 'invalid ' || col || ': %' THEN
				msg := format('invalid requests[%s].%s', cur, substr(msg, 9));
				col := format('requests[%s].%s', cur, col);
			ELSE
				msg := format('requests[%s]: %s', cur, msg);
				col := format('requests[%s]', cur);
			END IF;
			IF coalesce(hint, '') <> '' AND coalesce(detail, '') <> '' THEN
				RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, COLUMN = col, HINT = hint, DETAIL = detail;
			ELSIF coalesce(hint, '') <> '' THEN
				RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, COLUMN = col, HINT = hint;
			ELSIF coalesce(detail, '') <> '' THEN
				RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, COLUMN = col, DETAIL = detail;
			END IF;
			RAISE EXCEPTION USING ERRCODE = st, MESSAGE = msg, COLUMN = col;
		END;
	END IF;
	RETURN jsonb_build_object('total', n,
		'queued', n - cardinality(replays) - cardinality(blocked),
		'replayed', cardinality(replays), 'blocked', cardinality(blocked),
		'ids', to_jsonb(ids), 'replays', to_jsonb(replays), 'blockedDetails', to_jsonb(blocked));
END
$$;
COMMENT ON FUNCTION flowcomm.send_bulk(jsonb) IS 'Send up to 100,000 requests (the shape of send''s) in one call and transaction: all validated first (22023 naming requests[i].field, nothing written), templates resolved once, preferences/suppressions skip and report a recipient, idempotency keys replay; returns total/queued/replayed/blocked counts, ids in request order, replay indexes and blocked details';

-- history: GET /communications with filters and pagination.
--
-- Two ways to page, newest first (created_at DESC, id DESC):
-- * page/size (OFFSET): the seed's contract, kept for compatibility; a deep
--   page reads every row before it.
-- * cursor/size (keyset): "cursor" is the opaque "nextCursor" of the previous
--   answer; each page is one index range read, however deep.
-- The count is bounded by default: "count": "estimated" returns the planner's
-- estimate (countIsEstimate = true) when it is above twice
-- history_count_cap(), else counts exactly up to the cap, and beyond the cap
-- falls back to the estimate; "exact" counts every match (cost grows with the
-- matches); "none" skips it, and is the default of cursor pages (the first
-- page gave the count).  The query is built from the filters present,
-- so each call is planned for its own filters (no generic plan that has to
-- serve every combination).
CREATE FUNCTION flowcomm.history_count_cap() RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT 10000 $$;
COMMENT ON FUNCTION flowcomm.history_count_cap() IS 'history "count": "estimated" counts exactly up to this many matches, then estimates';

-- history_cursor: the opaque keyset position after a row.
CREATE FUNCTION flowcomm.history_cursor(p_created_at timestamptz, p_id uuid) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
	SELECT translate(encode(convert_to(
		'v1:' || (extract(epoch FROM p_created_at) * 1000000)::bigint || ':' || p_id, 'UTF8'), 'base64'),
		E'+/=\n', '-_')
$$;
COMMENT ON FUNCTION flowcomm.history_cursor(timestamptz, uuid) IS 'Opaque history cursor (nextCursor) for the position after a message: its created_at and id';

-- history_cursor_decode: the position of a cursor; 22023 naming "cursor"
-- for anything history_cursor did not produce.
CREATE FUNCTION flowcomm.history_cursor_decode(p_cursor text, OUT created_at timestamptz, OUT id uuid)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	s text;
	t text;
BEGIN
	IF p_cursor IS NULL OR p_cursor !~ '^[A-Za-z0-9_-]{1,128}$' THEN
		PERFORM flowcomm.invalid('cursor', 'is not a cursor returned by history (nextCursor)');
	END IF;
	t := translate(p_cursor, '-_', '+/');
	BEGIN
		s := convert_from(decode(t || repeat('=', (4 - length(t) % 4) % 4), 'base64'), 'UTF8');
	EXCEPTION WHEN OTHERS THEN
		s := NULL;
	END;
	IF s IS NULL OR s !~ '^v1:-?[0-9]{1,18}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
		PERFORM flowcomm.invalid('cursor', 'is not a cursor returned by history (nextCursor)');
	END IF;
	created_at := to_timestamp(split_part(s, ':', 2)::numeric / 1000000);
	id := split_part(s, ':', 3)::uuid;
END
$$;
COMMENT ON FUNCTION flowcomm.history_cursor_decode(text) IS 'Position (created_at, id) of a history cursor; 22023 naming "cursor" when malformed';

-- history_count_estimate: the planner's row estimate for history's filter
-- (EXPLAIN is refused inside a STABLE function, so it runs here).  Internal:
-- "w" is the WHERE clause history builds from fixed fragments over $1..$11.
CREATE FUNCTION flowcomm.history_count_estimate(w text, b uuid, p_channel flowcomm.channel,
	p_status flowcomm.communication_status, p_type flowcomm.communication_type, p_rtype text, p_rid uuid,
	p_contact text, p_etype text, p_eid uuid, p_from timestamptz, p_to timestamptz) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	v_plan json;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) SELECT FROM communication c WHERE ' || w INTO v_plan
	  USING b, p_channel, p_status, p_type, p_rtype, p_rid, p_contact, p_etype, p_eid, p_from, p_to;
	RETURN (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric::bigint;
END
$$;
COMMENT ON FUNCTION flowcomm.history_count_estimate(text, uuid, flowcomm.channel, flowcomm.communication_status, flowcomm.communication_type, text, uuid, text, text, uuid, timestamptz, timestamptz) IS 'Internal to history: the planner''s estimate of the rows matching a filter (count "estimated" above the cap)';

CREATE FUNCTION flowcomm.history(filters jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	f jsonb := coalesce(filters, '{}');
	v_page int;
	v_size int;
	v_channel channel;
	v_status communication_status;
	v_type communication_type;
	v_rtype text;
	v_rid uuid;
	v_contact text;
	v_etype text;
	v_eid uuid;
	v_from timestamptz;
	v_to timestamptz;
	v_count_mode text;
	v_cursor_at timestamptz;
	v_cursor_id uuid;
	v_direction text;
	w text := 'c.business_id = $1';
	v_count bigint;
	v_estimate boolean := false;
	v_rows jsonb;
	v_next text;
	v_cap int := history_count_cap();
BEGIN
	PERFORM check_request(f, ARRAY['channel', 'status', 'type', 'recipientType', 'recipientId', 'recipientContact',
		'entityType', 'entityId', 'startDate', 'endDate', 'page', 'size', 'cursor', 'count', 'direction'], 'filters');
	v_page := req_int(f, 'page', 1, 1000000);
	v_size := coalesce(req_int(f, 'size', 1, 100), 20);
	v_channel := req_enum(f, 'channel', enum_range(NULL::channel)::text[]);
	v_status := req_enum(f, 'status', enum_range(NULL::communication_status)::text[]);
	v_type := req_enum(f, 'type', enum_range(NULL::communication_type)::text[]);
	v_rtype := req_enum(f, 'recipientType', ARRAY['customer', 'supplier', 'user']);
	v_rid := req_uuid(f, 'recipientId');
	v_contact := req_text(f, 'recipientContact', 255);
	v_etype := req_text(f, 'entityType', 50);
	v_eid := req_uuid(f, 'entityId');
	SELECT r.v_from, r.v_to INTO v_from, v_to FROM req_date_range(f) r;
	v_count_mode := req_enum(f, 'count', ARRAY['exact', 'estimated', 'none']);
	v_direction := req_enum(f, 'direction', ARRAY['outbound', 'inbound']);
	IF f ? 'cursor' AND jsonb_typeof(f -> 'cursor') <> 'null' THEN
		IF v_page IS NOT NULL THEN
			PERFORM invalid('cursor', 'cannot be combined with page');
		END IF;
		SELECT d.created_at, d.id INTO v_cursor_at, v_cursor_id FROM history_cursor_decode(req_text(f, 'cursor', 128)) d;
	END IF;
	-- The first page gave the count; later cursor pages skip it unless asked.
	v_count_mode := coalesce(v_count_mode, CASE WHEN v_cursor_at IS NULL THEN 'estimated' ELSE 'none' END);
	v_page := coalesce(v_page, 1);

	-- Only the filters present reach the query ($n are always the same values).
	IF v_channel IS NOT NULL THEN w := w || ' AND c.channel = $2'; END IF;
	IF v_status IS NOT NULL THEN w := w || ' AND c.status = $3'; END IF;
	IF v_type IS NOT NULL THEN w := w || ' AND c.type = $4'; END IF;
	IF v_rtype IS NOT NULL THEN w := w || ' AND c.recipient_type = $5'; END IF;
	IF v_rid IS NOT NULL THEN w := w || ' AND c.recipient_id = $6'; END IF;
	IF v_contact IS NOT NULL THEN w := w || ' AND c.recipient_contact = $7'; END IF;
	IF v_etype IS NOT NULL THEN w := w || ' AND c.entity_type = $8'; END IF;
	IF v_eid IS NOT NULL THEN w := w || ' AND c.entity_id = $9'; END IF;
	IF v_from IS NOT NULL THEN w := w || ' AND c.created_at >= $10'; END IF;
	IF v_to IS NOT NULL THEN w := w || ' AND c.created_at < $11'; END IF;
	-- direction is one of two validated words: a literal keeps the $n list
	-- (and history_count_estimate's signature) unchanged.
	IF v_direction IS NOT NULL THEN w := w || ' AND c.direction = ' || quote_literal(v_direction); END IF;

	-- The page: size + 1 rows, the extra one only tells whether a next page exists.
	EXECUTE format($q$
		SELECT coalesce(jsonb_agg(jsonb_build_object(
				'id', p.id, 'channel', p.channel, 'type', p.type, 'direction', p.direction,
				'recipientType', p.recipient_type, 'recipientId', p.recipient_id,
				'recipientName', p.recipient_name, 'recipientContact', p.recipient_contact,
				'subject', p.subject, 'status', p.status, 'sentAt', p.sent_at,
				'deliveredAt', p.delivered_at, 'openedAt', p.opened_at, 'clickedAt', p.clicked_at,
				'failedAt', p.failed_at, 'errorMessage', p.error_message,
				'entityType', p.entity_type, 'entityId', p.entity_id, 'createdAt', p.created_at)
				ORDER BY p.created_at DESC, p.id DESC) FILTER (WHERE p.n <= $14), '[]'),
			   max(history_cursor(p.created_at, p.id)) FILTER (WHERE p.n = $14 AND p.more)
		  FROM (SELECT c.*, row_number() OVER (ORDER BY c.created_at DESC, c.id DESC) AS n, count(*) OVER () > $14 AS more
				  FROM (SELECT c.* FROM communication c WHERE %s %s
						 ORDER BY c.created_at DESC, c.id DESC LIMIT $14 + 1 OFFSET $15) c) p$q$,
		w, CASE WHEN v_cursor_at IS NOT NULL THEN 'AND (c.created_at, c.id) < ($12, $13)' ELSE '' END)
	  INTO v_rows, v_next
	  USING b, v_channel, v_status, v_type, v_rtype, v_rid, v_contact, v_etype, v_eid, v_from, v_to,
			v_cursor_at, v_cursor_id, v_size, CASE WHEN v_cursor_at IS NULL THEN (v_page - 1) * v_size ELSE 0 END;

	IF v_count_mode = 'exact' THEN
		EXECUTE 'SELECT count(*) FROM communication c WHERE ' || w INTO v_count
		  USING b, v_channel, v_status, v_type, v_rtype, v_rid, v_contact, v_etype, v_eid, v_from, v_to;
	ELSIF v_count_mode = 'estimated' THEN
		-- The planner's estimate first: far above the cap it is the answer
		-- (no scan at all); otherwise count exactly, at most cap + 1 rows.
		v_count := history_count_estimate(w, b, v_channel, v_status, v_type, v_rtype, v_rid, v_contact, v_etype, v_eid,
										  v_from, v_to);
		IF v_count > 2 * v_cap THEN
			v_estimate := true;
		ELSE
			EXECUTE 'SELECT count(*) FROM (SELECT FROM communication c WHERE ' || w || ' LIMIT $12) x' INTO v_count
			  USING b, v_channel, v_status, v_type, v_rtype, v_rid, v_contact, v_etype, v_eid, v_from, v_to, v_cap + 1;
			IF v_count > v_cap THEN
				v_count := greatest(v_cap + 1, history_count_estimate(w, b, v_channel, v_status, v_type, v_rtype, v_rid,
																	   v_contact, v_etype, v_eid, v_from, v_to));
				v_estimate := true;
			END IF;
		END IF;
	END IF;

	RETURN jsonb_build_object('results', v_rows, 'count', v_count, 'countIsEstimate', v_estimate,
							  'page', CASE WHEN v_cursor_at IS NULL THEN v_page END, 'size', v_size,
							  'nextCursor', v_next);
END
$$;
COMMENT ON FUNCTION flowcomm.history(jsonb) IS 'Message history of the current business (seed GET /communications), newest first: filters channel, status, type, direction (outbound or inbound; default both), recipientType, recipientId, recipientContact, entityType, entityId, startDate, endDate; page (from 1) or cursor (the nextCursor of the previous answer) and size (max 100); count "estimated" (default of page requests: exact up to 10,000, else the planner estimate), "exact" or "none" (default with a cursor); returns results, count, countIsEstimate, page, size, nextCursor';
-- History pages by channel and by type, newest first (status, contact, recipient,
-- entity and date have their indexes in 00_schema.sql).  status, type and
-- channel ride along so that the bounded count of a combined filter (type +
-- status, channel + status) is an index-only scan: 15 ms instead of 215 ms
-- for a 0.2 % combination at 1M rows.
CREATE INDEX communication_channel_created_idx ON flowcomm.communication (business_id, channel, created_at DESC, id DESC)
	INCLUDE (status, type);
CREATE INDEX communication_type_created_idx ON flowcomm.communication (business_id, type, created_at DESC, id DESC)
	INCLUDE (status, channel);

-- find_communication: the current business's message, or 404.
CREATE FUNCTION flowcomm.find_communication(b uuid, p_id uuid) RETURNS flowcomm.communication
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	c communication;
BEGIN
	IF p_id IS NULL THEN
		PERFORM invalid('id', 'is required');
	END IF;
	SELECT * INTO c FROM communication WHERE business_id = b AND id = p_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'communication % not found', p_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION flowcomm.find_communication(uuid, uuid) IS 'Internal: a message of the given business, or P0002 (HTTP 404)';

-- details: GET /communications/:id with attachments and event timeline.
CREATE FUNCTION flowcomm.details(id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	c communication := find_communication(b, details.id);
BEGIN
	RETURN communication_json(c) || jsonb_build_object(
		'contentText', c.content_text,
		'attachments', coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'filename', a.filename,
									'fileUrl', a.file_url, 'filePath', a.file_path, 'mimeType', a.mime_type,
									'sizeBytes', coalesce(a.size_bytes, length(a.content))) ORDER BY a.id)
								   FROM communication_attachment a
								  WHERE a.business_id = b AND a.communication_id = c.id), '[]'),
		'events', coalesce((SELECT jsonb_agg(jsonb_build_object('event', e.event, 'status', e.status,
									'occurredAt', e.occurred_at, 'recordedAt', e.recorded_at,
									'attempt', e.attempt, 'source', e.source, 'detail', e.detail)
									ORDER BY e.occurred_at, e.id)
							  FROM communication_event e
							 WHERE e.business_id = b AND e.communication_id = c.id), '[]'),
		'queue', (SELECT jsonb_build_object('status', q.status, 'priority', q.priority,
											'scheduledAt', q.scheduled_at, 'attempts', q.attempts,
											'maxAttempts', q.max_attempts, 'lastError', q.last_error)
					FROM communication_queue q WHERE q.business_id = b AND q.communication_id = c.id));
END
$$;
COMMENT ON FUNCTION flowcomm.details(uuid) IS 'One message with attachments, queue state and event timeline (seed GET /communications/:id); P0002 when not found';

-- cancel: stop a message that has not left yet.
CREATE FUNCTION flowcomm.cancel(id uuid, reason text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	c communication := find_communication(b, cancel.id);
	q communication_queue;
BEGIN
	IF length(reason) > 500 THEN
		PERFORM invalid('reason', 'is longer than 500 characters');
	END IF;
	SELECT * INTO q FROM communication_queue
	 WHERE business_id = b AND communication_id = c.id FOR UPDATE;
	IF c.status NOT IN ('pending', 'queued') OR (FOUND AND q.status NOT IN ('pending', 'held', 'dead')) THEN
		RAISE EXCEPTION 'communication % cannot be cancelled: it is %', c.id,
			CASE WHEN q.status = 'processing' THEN 'being sent' ELSE c.status::text END
			USING ERRCODE = 'PT409';
	END IF;
	UPDATE communication_queue SET status = 'cancelled', completed_at = now(), updated_at = now()
	 WHERE business_id = b AND communication_id = c.id;
	UPDATE communication SET status = 'cancelled', updated_at = now()
	 WHERE business_id = b AND communication.id = c.id
	RETURNING * INTO c;
	INSERT INTO communication_event (business_id, communication_id, event, status, source, detail)
	VALUES (b, c.id, 'cancelled', 'cancelled', 'api', coalesce(reason, 'cancelled by ' || current_actor()));
	RETURN communication_json(c);
END
$$;
COMMENT ON FUNCTION flowcomm.cancel(uuid, text) IS 'Cancel a message that has not been sent; PT409 (HTTP 409) once it is being sent or has left';

-- resend: POST /communications/:id/resend, optionally to another channel or contact.
CREATE FUNCTION flowcomm.resend(id uuid, options jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	o communication := find_communication(b, resend.id);
	opt jsonb := coalesce(options, '{}');
	req jsonb;
	c communication;
BEGIN
	PERFORM check_request(opt, ARRAY['channel', 'recipientContact', 'priority', 'scheduledAt'], 'options');
	IF o.direction = 'inbound' THEN
		PERFORM invalid('id', 'an inbound message cannot be resent');
	END IF;
	req := jsonb_strip_nulls(jsonb_build_object(
		'channel', coalesce(opt ->> 'channel', o.channel::text),
		'type', o.type, 'recipientType', o.recipient_type, 'recipientId', o.recipient_id,
		'recipientName', o.recipient_name, 'entityType', o.entity_type, 'entityId', o.entity_id,
		'locale', o.locale, 'metadata', o.metadata));
	req := req || jsonb_build_object('recipientContact',
		coalesce(opt -> 'recipientContact',
				 CASE WHEN (opt ->> 'channel') IS NULL OR opt ->> 'channel' = o.channel::text
					  THEN to_jsonb(o.recipient_contact) END,
				 to_jsonb(preferred_contact(b, o.recipient_type, o.recipient_id,
											req_enum(opt, 'channel', enum_range(NULL::channel)::text[])::channel))));
	IF o.template_id IS NOT NULL AND coalesce(opt ->> 'channel', o.channel::text) <> o.channel::text THEN
		-- Another channel: render that channel's variant of the same template code.
		req := req || jsonb_build_object('templateCode', o.template_code, 'templateVariables', o.template_variables);
	ELSIF o.template_id IS NOT NULL THEN
		req := req || jsonb_build_object('templateId', o.template_id, 'templateVariables', o.template_variables);
	ELSE
		req := req || jsonb_strip_nulls(jsonb_build_object('content', CASE WHEN o.channel = 'email' AND req ->> 'channel' <> 'email'
																		   THEN coalesce(o.content_text, o.content) ELSE o.content END,
			'subject', CASE WHEN req ->> 'channel' = 'email'
							THEN coalesce(o.subject, initcap(replace(o.type::text, '_', ' '))) END));
	END IF;
	c := build_message(b, req, current_actor());
	c.original_communication_id := o.id;
	-- The original's attachments go along only on the same channel, checked
	-- as a send's are (an email's PDF bytes are no SMS media).
	c := enqueue(c, coalesce(req_enum(opt, 'priority', enum_range(NULL::queue_priority)::text[]), 'normal')::queue_priority,
				 req_scheduled_at(opt, 'scheduledAt'),
				 check_attachments(CASE WHEN c.channel = o.channel THEN
					(SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('filename', a.filename, 'fileUrl', a.file_url,
							'filePath', a.file_path, 'mimeType', a.mime_type, 'sizeBytes', a.size_bytes,
							'contentBase64', encode(a.content, 'base64'))))
					   FROM communication_attachment a WHERE a.business_id = b AND a.communication_id = o.id) END, c.channel),
				 NULL);
	RETURN jsonb_build_object('id', c.id, 'originalCommunicationId', o.id, 'status', c.status,
							  'communication', communication_json(c));
END
$$;
COMMENT ON FUNCTION flowcomm.resend(uuid, jsonb) IS 'Send a message again (seed POST /communications/:id/resend), optionally on another channel or to another contact; the new message links to the original';

-- preference_json: a preference row (or the defaults) as API JSON.
CREATE FUNCTION flowcomm.preference_json(p flowcomm.communication_preference) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', p.id, 'entityType', p.entity_type, 'entityId', p.entity_id,
		'emailEnabled', p.email_enabled, 'smsEnabled', p.sms_enabled, 'whatsappEnabled', p.whatsapp_enabled,
		'messengerEnabled', p.messenger_enabled, 'preferences', p.preferences,
		'preferredEmail', p.preferred_email, 'preferredPhone', p.preferred_phone,
		'preferredWhatsapp', p.preferred_whatsapp, 'preferredMessengerId', p.preferred_messenger_id,
		'locale', p.locale, 'timezone', p.timezone,
		'optedOut', p.opted_out_at IS NOT NULL, 'optedOutAt', p.opted_out_at, 'optedOutReason', p.opted_out_reason,
		'updatedAt', p.updated_at)
$$;
COMMENT ON FUNCTION flowcomm.preference_json(flowcomm.communication_preference) IS 'A preference row as API JSON (seed 4.3)';

CREATE FUNCTION flowcomm.preferences_get(entity_type text, entity_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	p communication_preference;
BEGIN
	IF entity_type IS NULL OR entity_type NOT IN ('customer', 'user', 'supplier') THEN
		PERFORM invalid('entityType', format('"%s" is not one of customer, user, supplier', left(entity_type, 64)));
	END IF;
	IF entity_id IS NULL THEN
		PERFORM invalid('entityId', 'is required');
	END IF;
	SELECT * INTO p FROM communication_preference x
	 WHERE x.business_id = b AND x.entity_type = preferences_get.entity_type AND x.entity_id = preferences_get.entity_id;
	IF NOT FOUND THEN
		-- No row yet: everything enabled, nothing preferred (the defaults of the table).
		p.business_id := b; p.entity_type := entity_type; p.entity_id := entity_id;
		p.email_enabled := true; p.sms_enabled := true; p.whatsapp_enabled := true; p.messenger_enabled := true;
		p.preferences := '{}';
	END IF;
	RETURN preference_json(p);
END
$$;
COMMENT ON FUNCTION flowcomm.preferences_get(text, uuid) IS 'Preferences of a customer/user/supplier (seed GET /communication-preferences/:type/:id); defaults when none stored';

-- check_type_preferences: {"invoice": ["email", ...], ...} with known names.
CREATE FUNCTION flowcomm.check_type_preferences(prefs jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	k text;
	v jsonb;
	ch jsonb;
BEGIN
	IF jsonb_typeof(prefs) <> 'object' THEN
		PERFORM invalid('preferences', 'must be an object of message type to channel list');
	END IF;
	FOR k, v IN SELECT * FROM jsonb_each(prefs)
	LOOP
		IF NOT k = ANY (enum_range(NULL::flowcomm.communication_type)::text[] || ARRAY['payment_reminder', 'general']) THEN
			PERFORM invalid('preferences.' || left(k, 64), 'is not a message type');
		END IF;
		IF jsonb_typeof(v) <> 'array' THEN
			PERFORM invalid('preferences.' || k, 'must be an array of channels');
		END IF;
		FOR ch IN SELECT value FROM jsonb_array_elements(v)
		LOOP
			IF jsonb_typeof(ch) <> 'string' OR NOT (ch #>> '{}') = ANY (enum_range(NULL::flowcomm.channel)::text[]) THEN
				PERFORM invalid('preferences.' || k, format('%s is not a channel', left(ch::text, 64)));
			END IF;
		END LOOP;
	END LOOP;
	RETURN prefs;
END
$$;
COMMENT ON FUNCTION flowcomm.check_type_preferences(jsonb) IS 'Validate the per-type channel preferences object';

CREATE FUNCTION flowcomm.preferences_update(entity_type text, entity_id uuid, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
#variable_conflict use_column
DECLARE
	b uuid := require_business();
	p communication_preference;
	tz text;
BEGIN
	PERFORM preferences_get(preferences_update.entity_type, preferences_update.entity_id);	-- validates the key
	PERFORM check_request(patch, ARRAY['emailEnabled', 'smsEnabled', 'whatsappEnabled', 'messengerEnabled',
		'preferences', 'preferredEmail', 'preferredPhone', 'preferredWhatsapp', 'preferredMessengerId',
		'locale', 'timezone', 'optedOut', 'optedOutReason'], 'patch');
	IF patch ? 'preferences' THEN
		PERFORM check_type_preferences(patch -> 'preferences');
	END IF;
	IF req_text(patch, 'preferredEmail', 254) IS NOT NULL THEN
		PERFORM check_contact('email', patch ->> 'preferredEmail', 'preferredEmail');
	END IF;
	IF req_text(patch, 'preferredPhone', 16) IS NOT NULL THEN
		PERFORM check_contact('sms', patch ->> 'preferredPhone', 'preferredPhone');
	END IF;
	IF req_text(patch, 'preferredWhatsapp', 16) IS NOT NULL THEN
		PERFORM check_contact('whatsapp', patch ->> 'preferredWhatsapp', 'preferredWhatsapp');
	END IF;
	IF req_text(patch, 'preferredMessengerId', 32) IS NOT NULL THEN
		PERFORM check_contact('messenger', patch ->> 'preferredMessengerId', 'preferredMessengerId');
	END IF;
	IF req_text(patch, 'locale', 16) !~ '^[a-z]{2}(-[A-Z]{2})?$' THEN
		PERFORM invalid('locale', format('"%s" is not a locale such as es or es-MX', patch ->> 'locale'));
	END IF;
	tz := req_text(patch, 'timezone', 64);
	IF tz IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = tz) THEN
		PERFORM invalid('timezone', format('"%s" is not an IANA time zone', tz));
	END IF;
	PERFORM req_bool(patch, 'emailEnabled'), req_bool(patch, 'smsEnabled'), req_bool(patch, 'whatsappEnabled'),
			req_bool(patch, 'messengerEnabled'), req_bool(patch, 'optedOut'), req_text(patch, 'optedOutReason', 500);

	INSERT INTO communication_preference AS x (business_id, entity_type, entity_id)
	VALUES (b, preferences_update.entity_type, preferences_update.entity_id)
	ON CONFLICT (business_id, entity_type, entity_id) DO NOTHING;
	UPDATE communication_preference x SET
		email_enabled = coalesce(req_bool(patch, 'emailEnabled'), x.email_enabled),
		sms_enabled = coalesce(req_bool(patch, 'smsEnabled'), x.sms_enabled),
		whatsapp_enabled = coalesce(req_bool(patch, 'whatsappEnabled'), x.whatsapp_enabled),
		messenger_enabled = coalesce(req_bool(patch, 'messengerEnabled'), x.messenger_enabled),
		preferences = CASE WHEN patch ? 'preferences' THEN patch -> 'preferences' ELSE x.preferences END,
		preferred_email = CASE WHEN patch ? 'preferredEmail' THEN lower(patch ->> 'preferredEmail') ELSE x.preferred_email END,
		preferred_phone = CASE WHEN patch ? 'preferredPhone' THEN patch ->> 'preferredPhone' ELSE x.preferred_phone END,
		preferred_whatsapp = CASE WHEN patch ? 'preferredWhatsapp' THEN patch ->> 'preferredWhatsapp' ELSE x.preferred_whatsapp END,
		preferred_messenger_id = CASE WHEN patch ? 'preferredMessengerId' THEN patch ->> 'preferredMessengerId' ELSE x.preferred_messenger_id END,
		locale = CASE WHEN patch ? 'locale' THEN patch ->> 'locale' ELSE x.locale END,
		timezone = CASE WHEN patch ? 'timezone' THEN tz ELSE x.timezone END,
		opted_out_at = CASE WHEN req_bool(patch, 'optedOut') THEN coalesce(x.opted_out_at, now())
							WHEN req_bool(patch, 'optedOut') = false THEN NULL ELSE x.opted_out_at END,
		opted_out_reason = CASE WHEN req_bool(patch, 'optedOut') THEN coalesce(patch ->> 'optedOutReason', 'updated by ' || current_actor())
								WHEN req_bool(patch, 'optedOut') = false THEN NULL ELSE x.opted_out_reason END,
		updated_at = now()
	 WHERE x.business_id = b AND x.entity_type = preferences_update.entity_type AND x.entity_id = preferences_update.entity_id
	RETURNING * INTO p;
	RETURN preference_json(p);
END
$$;
COMMENT ON FUNCTION flowcomm.preferences_update(text, uuid, jsonb) IS 'Update (or create) preferences of a customer/user/supplier with a partial JSON patch (seed PATCH /communication-preferences/:type/:id)';

-- contact_fits: whether a raw contact has the shape of a channel's address
-- (an email address for email, E.164 for SMS and WhatsApp, a page-scoped id
-- for Messenger): channel "auto" never tries a phone number as an email.
CREATE FUNCTION flowcomm.contact_fits(p_channel flowcomm.channel, p_contact text) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT CASE p_channel WHEN 'email' THEN is_email(p_contact)
						  WHEN 'sms' THEN is_e164(p_contact)
						  WHEN 'whatsapp' THEN is_e164(p_contact)
						  WHEN 'messenger' THEN is_messenger_id(p_contact) END
$$;
COMMENT ON FUNCTION flowcomm.contact_fits(flowcomm.channel, text) IS 'Internal: true when a contact has the address shape of the channel (email, E.164 phone, Messenger PSID)';

-- choose_channel_among: for channel = 'auto', the first channel of p_allowed
-- in the recipient's per-type preferences, else the business's default
-- order, that can reach the recipient and is not blocked.  A raw contact
-- given with the request is the address the caller wants reached: only the
-- channels it fits are considered, with that contact.  Without one, the
-- recipient's stored contact for each channel.
CREATE FUNCTION flowcomm.choose_channel_among(b uuid, p_recipient_type text, p_recipient_id uuid,
											  p_type flowcomm.communication_type, p_contact text, p_allowed text[])
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	ch text;
	addr text;
	reachable text[] := '{}';
BEGIN
	FOR ch IN SELECT x FROM unnest(candidate_channels(b, p_recipient_type, p_recipient_id, p_type)) x
			   WHERE x = ANY (p_allowed)
	LOOP
		IF p_contact IS NOT NULL THEN
			addr := CASE WHEN contact_fits(ch::channel, p_contact) THEN p_contact END;
		ELSE
			addr := preferred_contact(b, p_recipient_type, p_recipient_id, ch::channel);
		END IF;
		CONTINUE WHEN addr IS NULL;
		reachable := reachable || ch;
		IF delivery_block(b, p_recipient_type, p_recipient_id, ch::channel, addr) IS NULL THEN
			RETURN ch;
		END IF;
	END LOOP;
	IF p_contact IS NOT NULL AND cardinality(reachable) = 0 THEN
		PERFORM invalid('recipientContact', format('"%s" is not an address of any channel channel "auto" may use (%s)',
												   left(p_contact, 80), array_to_string(p_allowed, ', ')),
						'give an email address, an E.164 phone number (+14155550100) or a Messenger id');
	END IF;
	RAISE EXCEPTION 'no channel available for this recipient'
		USING ERRCODE = 'PT409',
			  DETAIL = CASE WHEN cardinality(reachable) = 0 THEN 'the recipient has no stored contact on ' || array_to_string(p_allowed, ', ')
							ELSE 'the recipient opted out of or is suppressed on ' || array_to_string(reachable, ', ') END,
			  HINT = 'the recipient has no contact on an enabled channel, or opted out';
END
$$;
COMMENT ON FUNCTION flowcomm.choose_channel_among(uuid, text, uuid, flowcomm.communication_type, text, text[]) IS 'Channel for channel=auto among the allowed ones: recipient preference for the type, else business order; a raw contact restricts to the channels it is an address of; skips blocked channels and channels without a contact';

CREATE FUNCTION flowcomm.choose_channel(b uuid, p_recipient_type text, p_recipient_id uuid,
										p_type flowcomm.communication_type, p_contact text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT choose_channel_among(b, p_recipient_type, p_recipient_id, p_type, p_contact, enum_range(NULL::channel)::text[])
$$;
COMMENT ON FUNCTION flowcomm.choose_channel(uuid, text, uuid, flowcomm.communication_type, text) IS 'Channel for channel=auto: recipient preference for the type, else business order; a raw contact restricts to the channels it is an address of; skips blocked channels and channels without a contact';

CREATE FUNCTION flowcomm.candidate_channels(b uuid, p_recipient_type text, p_recipient_id uuid,
											p_type flowcomm.communication_type)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT coalesce(
		(SELECT array_agg(x ORDER BY o)
		   FROM communication_preference p,
				jsonb_array_elements_text(coalesce(p.preferences -> p_type::text,
					CASE p_type WHEN 'invoice_reminder' THEN p.preferences -> 'payment_reminder'
								WHEN 'general_notification' THEN p.preferences -> 'general' END)) WITH ORDINALITY AS t(x, o)
		  WHERE p.business_id = b AND p.entity_type = p_recipient_type AND p.entity_id = p_recipient_id),
		(SELECT s.channel_order::text[] FROM business_setting s WHERE s.business_id = b),
		ARRAY['email', 'whatsapp', 'sms', 'messenger'])
$$;
COMMENT ON FUNCTION flowcomm.candidate_channels(uuid, text, uuid, flowcomm.communication_type) IS 'Ordered channels to try for a recipient and message type';

REVOKE ALL ON FUNCTION flowcomm.enqueue(flowcomm.communication, flowcomm.queue_priority, timestamptz, jsonb, jsonb),
	flowcomm.build_message(uuid, jsonb, text), flowcomm.bulk_invalid(int, text, text, text), flowcomm.bulk_fast_ok(jsonb),
	flowcomm.bulk_elements(jsonb)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.send(jsonb), flowcomm.send_bulk(jsonb), flowcomm.resend(uuid, jsonb), flowcomm.cancel(uuid, text),
	flowcomm.preferences_update(text, uuid, jsonb) TO flowcomm_sender;
GRANT EXECUTE ON FUNCTION flowcomm.history(jsonb), flowcomm.details(uuid), flowcomm.preferences_get(text, uuid),
	flowcomm.communication_json(flowcomm.communication), flowcomm.preference_json(flowcomm.communication_preference)
	TO flowcomm_viewer;
