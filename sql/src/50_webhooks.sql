-- 50_webhooks.sql — provider webhooks: Sendgrid delivery events, Twilio
-- status callbacks and inbound messages (STOP/START opt-out), suppressions.
--
-- Every request is authenticated before anything is read from the
-- database: Sendgrid's ECDSA signature (flowcomm.sendgrid_verify, C) and
-- Twilio's HMAC-SHA1 signature keyed by the auth token of the account named
-- in AccountSid (flowcomm.twilio_signature_valid, C).  Provider events land
-- in communication_event once each (dedupe_key), and move a message's status
-- forward only (status_advances).  Errors: 42501 forged or stale (HTTP 403),
-- 22023 malformed (400), 55000 not configured (500).  docs/webhooks.md.

-- ------------------------------------------------------------------ C helpers
-- Internal: executable only by the extension owner (99_dump.sql revokes
-- PUBLIC), i.e. by the SECURITY DEFINER entry points below.

CREATE FUNCTION flowcomm.form_decode(body text, OUT names text[], OUT vals text[])
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_form_decode';
COMMENT ON FUNCTION flowcomm.form_decode(text) IS 'Internal: decode an application/x-www-form-urlencoded body into parallel name/value arrays (body order, duplicates kept); 22023 when malformed';

CREATE FUNCTION flowcomm.twilio_signature_valid(url text, names text[], vals text[], auth_token text, signature text)
RETURNS boolean
LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_twilio_signature_valid';
COMMENT ON FUNCTION flowcomm.twilio_signature_valid(text, text[], text[], text, text) IS 'Internal: constant-time check of an X-Twilio-Signature (base64 HMAC-SHA1 of url + sorted name+value pairs under the auth token)';

CREATE FUNCTION flowcomm.sendgrid_verify(payload text, signature text, ts text) RETURNS timestamptz
LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'flowcomm_sendgrid_verify';
COMMENT ON FUNCTION flowcomm.sendgrid_verify(text, text, text) IS 'Internal: raise unless the Sendgrid Signed Event Webhook signature over ts + payload verifies under flowcomm.sendgrid_webhook_public_key and ts is within flowcomm.webhook_max_age';

CREATE FUNCTION flowcomm.sendgrid_message_id(sg_message_id text) RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_sendgrid_message_id';
COMMENT ON FUNCTION flowcomm.sendgrid_message_id(text) IS 'X-Message-Id part of a Sendgrid sg_message_id (text before the first dot)';

-- Inbound replies on the platform's shared number are routed to the
-- business that last wrote to the sender: find that message without
-- knowing the business.
CREATE INDEX communication_outbound_contact_idx ON flowcomm.communication (recipient_contact, created_at DESC)
	WHERE direction = 'outbound';

-- A Twilio status callback can overtake the worker: Twilio reports "sent"
-- before the worker has stored the SM sid it got back.  Such authenticated
-- callbacks wait here and are applied when the sid is stored (trigger
-- below); unclaimed ones are purged after a day.
CREATE TABLE flowcomm.provider_event_pending (
	id                   uuid NOT NULL DEFAULT flowcomm.uuid_v7() PRIMARY KEY,
	provider             flowcomm.provider NOT NULL,
	provider_message_id  text NOT NULL,
	dedupe_key           text NOT NULL,
	names                text[] NOT NULL,
	vals                 text[] NOT NULL,
	businesses           uuid[] NOT NULL DEFAULT '{}',
	via_default          boolean NOT NULL DEFAULT false,
	received_at          timestamptz NOT NULL DEFAULT now(),
	UNIQUE (provider_message_id, dedupe_key)
);
COMMENT ON TABLE flowcomm.provider_event_pending IS 'Authenticated provider callbacks for a message id not stored yet (callback faster than the worker); applied when the id is stored, purged after a day';
CREATE INDEX provider_event_pending_received_idx ON flowcomm.provider_event_pending (received_at);
REVOKE ALL ON flowcomm.provider_event_pending FROM PUBLIC;

-- ------------------------------------------------------------- status rules

CREATE FUNCTION flowcomm.status_rank(s flowcomm.communication_status) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE s WHEN 'pending' THEN 0 WHEN 'queued' THEN 1 WHEN 'sending' THEN 2 WHEN 'sent' THEN 3
				  WHEN 'delivered' THEN 4 WHEN 'opened' THEN 5 WHEN 'clicked' THEN 6
				  WHEN 'failed' THEN 7 WHEN 'bounced' THEN 7 ELSE 100 END
$$;
COMMENT ON FUNCTION flowcomm.status_rank(flowcomm.communication_status) IS 'Order of delivery states: pending < queued < sending < sent < delivered < opened < clicked; failed/bounced 7; cancelled/suppressed/received 100 (never moved by providers)';

-- status_advances: may a provider event move a message from cur to new?
-- Forward only; failed/bounced end the story (a late "delivered" is
-- recorded as an event, the status stays failed); a failure after the
-- recipient opened or clicked does not hide that they did.
CREATE FUNCTION flowcomm.status_advances(cur flowcomm.communication_status, new flowcomm.communication_status)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT CASE
		WHEN new IS NULL OR cur = new THEN false
		WHEN cur IN ('cancelled', 'suppressed', 'received', 'failed', 'bounced') THEN false
		WHEN new IN ('failed', 'bounced') THEN cur NOT IN ('opened', 'clicked')
		WHEN new IN ('cancelled', 'suppressed', 'received') THEN false
		ELSE status_rank(new) > status_rank(cur)
	END
$$;
COMMENT ON FUNCTION flowcomm.status_advances(flowcomm.communication_status, flowcomm.communication_status) IS 'Whether a provider event may move a message from one status to another (forward only, failures terminal)';

-- apply_provider_event: record one provider event (once per dedupe key)
-- and fold it into the message.  Returns false for a replay.
CREATE FUNCTION flowcomm.apply_provider_event(c flowcomm.communication, p_event text,
		p_status flowcomm.communication_status, p_occurred timestamptz, p_source text, p_dedupe text,
		p_payload jsonb, p_error_code text DEFAULT NULL, p_error_message text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	INSERT INTO communication_event (business_id, communication_id, event, status, occurred_at, source,
									 dedupe_key, detail, payload)
	VALUES (c.business_id, c.id, left(p_event, 64), p_status, p_occurred, p_source, p_dedupe,
			left(p_error_message, 500), p_payload)
	ON CONFLICT (business_id, communication_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	IF p_source IN ('sendgrid', 'twilio') THEN
		PERFORM monitor_webhook_note(p_source, 'applied');  -- 90_monitoring.sql
	END IF;
	-- The row lock taken here serialises concurrent events of one message;
	-- the CASEs see the latest committed status.
	UPDATE communication m SET
		status = CASE WHEN status_advances(m.status, p_status) THEN p_status ELSE m.status END,
		sent_at = CASE WHEN p_status = 'sent' THEN least(m.sent_at, p_occurred) ELSE m.sent_at END,
		delivered_at = CASE WHEN p_status = 'delivered' THEN least(m.delivered_at, p_occurred) ELSE m.delivered_at END,
		opened_at = CASE WHEN p_status = 'opened' THEN least(m.opened_at, p_occurred) ELSE m.opened_at END,
		clicked_at = CASE WHEN p_status = 'clicked' THEN least(m.clicked_at, p_occurred) ELSE m.clicked_at END,
		failed_at = CASE WHEN status_advances(m.status, p_status) AND p_status IN ('failed', 'bounced')
						 THEN p_occurred ELSE m.failed_at END,
		error_code = CASE WHEN status_advances(m.status, p_status) AND p_status IN ('failed', 'bounced')
						  THEN left(p_error_code, 64) ELSE m.error_code END,
		error_message = CASE WHEN status_advances(m.status, p_status) AND p_status IN ('failed', 'bounced')
							 THEN left(p_error_message, 1000) ELSE m.error_message END,
		updated_at = now()
	 WHERE m.business_id = c.business_id AND m.id = c.id;
	RETURN true;
END
$$;
COMMENT ON FUNCTION flowcomm.apply_provider_event(flowcomm.communication, text, flowcomm.communication_status, timestamptz, text, text, jsonb, text, text) IS 'Internal: store a provider event once (dedupe key) and move the message forward; event timestamps keep their earliest occurrence';

-- suppress: an active suppression (idempotent).  Returns true when new.
CREATE FUNCTION flowcomm.suppress(b uuid, p_channel flowcomm.channel, p_contact text, p_reason text,
								  p_source text, p_detail text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	INSERT INTO suppression (business_id, channel, contact, reason, source, detail)
	VALUES (b, p_channel, CASE WHEN p_channel = 'email' THEN lower(p_contact) ELSE p_contact END,
			p_reason, p_source, left(p_detail, 500))
	ON CONFLICT (business_id, channel, lower(contact)) WHERE lifted_at IS NULL DO NOTHING;
	RETURN FOUND;
END
$$;
COMMENT ON FUNCTION flowcomm.suppress(uuid, flowcomm.channel, text, text, text, text) IS 'Internal: add an active suppression unless one exists for the contact and channel';

-- ------------------------------------------------------------------ Sendgrid

-- sendgrid_find: the email message a Sendgrid event is about, matched by
-- sg_message_id (filter suffix stripped), else by the communication_id and
-- business_id custom args the worker attaches.
CREATE FUNCTION flowcomm.sendgrid_find(ev jsonb) RETURNS flowcomm.communication
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	c communication;
	uuid_re constant text := '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
	cid text := ev ->> 'communication_id';
	bid text := ev ->> 'business_id';
BEGIN
	IF jsonb_typeof(ev -> 'sg_message_id') = 'string' THEN
		SELECT * INTO c FROM communication m
		 WHERE m.provider_message_id = sendgrid_message_id(ev ->> 'sg_message_id') AND m.channel = 'email';
		IF FOUND THEN
			RETURN c;
		END IF;
	END IF;
	IF cid ~ uuid_re THEN
		IF bid ~ uuid_re THEN
			SELECT * INTO c FROM communication m
			 WHERE m.business_id = bid::uuid AND m.id = cid::uuid AND m.channel = 'email';
		ELSE
			SELECT * INTO c FROM communication m WHERE m.id = cid::uuid AND m.channel = 'email';
		END IF;
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION flowcomm.sendgrid_find(jsonb) IS 'Internal: message of a Sendgrid event by sg_message_id, else communication_id (+ business_id) custom args; all-NULL row when unknown';

-- sendgrid_apply: one event of a verified post.  Returns applied,
-- duplicate, unmatched or invalid.
CREATE FUNCTION flowcomm.sendgrid_apply(ev jsonb) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	c communication;
	kind text;
	st communication_status;
	occurred timestamptz := now();
	reason text;
	err_code text;
	err_msg text;
BEGIN
	IF jsonb_typeof(ev) <> 'object' OR jsonb_typeof(ev -> 'event') <> 'string' THEN
		RETURN 'invalid';
	END IF;
	kind := ev ->> 'event';
	IF jsonb_typeof(ev -> 'timestamp') = 'number' THEN
		IF (ev ->> 'timestamp')::numeric BETWEEN 946684800 AND 4102444800 THEN
			occurred := to_timestamp((ev ->> 'timestamp')::double precision);
		END IF;
	END IF;
	c := sendgrid_find(ev);
	IF c.id IS NULL THEN
		RETURN 'unmatched';
	END IF;
	CASE kind
		WHEN 'delivered' THEN st := 'delivered';
		WHEN 'open' THEN st := 'opened';
		WHEN 'click' THEN st := 'clicked';
		WHEN 'bounce' THEN st := 'bounced';
		WHEN 'dropped' THEN st := 'failed';
		ELSE st := NULL;		-- processed, deferred, spamreport, unsubscribes, ...: event (and suppression) only
	END CASE;
	-- Which events suppress the address: 58_unsubscribe.sql.
	reason := sendgrid_suppression_reason(ev);
	IF kind IN ('bounce', 'dropped') THEN
		err_code := coalesce(left(ev ->> 'status', 64), kind);
		err_msg := coalesce(ev ->> 'reason', ev ->> 'response', kind);
	END IF;
	IF NOT apply_provider_event(c, kind, st, occurred, 'sendgrid',
								'sg:' || coalesce(ev ->> 'sg_event_id', md5(ev::text)), ev, err_code,
								coalesce(err_msg, left(ev ->> 'response', 500))) THEN
		RETURN 'duplicate';
	END IF;
	IF reason IS NOT NULL THEN
		PERFORM suppress(c.business_id, 'email', coalesce(nullif(ev ->> 'email', ''), c.recipient_contact), reason,
						 'sendgrid', concat_ws(': ', kind, coalesce(err_msg, ev ->> 'asm_group_id')));
	ELSIF kind = 'group_unsubscribe' THEN
		-- An unsubscribe group is one kind of mail: opt the address out of
		-- this message's type, as a one-click unsubscribe does.
		PERFORM unsubscribe_record(c.business_id, 'email', coalesce(nullif(ev ->> 'email', ''), c.recipient_contact),
								   c.type, 'sendgrid', concat_ws(': ', 'group_unsubscribe', ev ->> 'asm_group_id'), c.id);
	ELSIF kind = 'group_resubscribe' THEN
		PERFORM unsubscribe_resubscribe(c.business_id, 'email', coalesce(nullif(ev ->> 'email', ''), c.recipient_contact),
										c.type, 'sendgrid', concat_ws(': ', 'group_resubscribe', ev ->> 'asm_group_id'));
	END IF;
	RETURN 'applied';
END
$$;
COMMENT ON FUNCTION flowcomm.sendgrid_apply(jsonb) IS 'Internal: apply one Sendgrid event (status, timestamps, suppression); returns applied, duplicate, unmatched or invalid';

-- webhook_sendgrid: POST of Sendgrid's Event Webhook (signed).
CREATE FUNCTION flowcomm.webhook_sendgrid(payload text, signature text, ts text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	events jsonb;
	ev jsonb;
	outcome text;
	n_received int := 0;
	n_applied int := 0;
	n_duplicates int := 0;
	n_unmatched int := 0;
	n_invalid int := 0;
BEGIN
	PERFORM monitor_webhook_note('sendgrid', 'received');  -- 90_monitoring.sql
	PERFORM sendgrid_verify(payload, signature, ts);
	BEGIN
		events := payload::jsonb;
	EXCEPTION WHEN invalid_text_representation THEN
		PERFORM invalid('payload', 'is not valid JSON');
	END;
	IF jsonb_typeof(events) <> 'array' THEN
		PERFORM invalid('payload', format('must be a JSON array of events, not %s', jsonb_typeof(events)));
	END IF;
	IF jsonb_array_length(events) > 10000 THEN
		PERFORM invalid('payload', 'has more than 10000 events');
	END IF;
	FOR ev IN SELECT value FROM jsonb_array_elements(events)
	LOOP
		n_received := n_received + 1;
		outcome := sendgrid_apply(ev);
		CASE outcome
			WHEN 'applied' THEN n_applied := n_applied + 1;
			WHEN 'duplicate' THEN n_duplicates := n_duplicates + 1;
			WHEN 'unmatched' THEN n_unmatched := n_unmatched + 1;
			ELSE n_invalid := n_invalid + 1;
		END CASE;
	END LOOP;
	RETURN jsonb_build_object('received', n_received, 'applied', n_applied, 'duplicates', n_duplicates,
							  'unmatched', n_unmatched, 'invalid', n_invalid);
END
$$;
COMMENT ON FUNCTION flowcomm.webhook_sendgrid(text, text, text) IS 'Sendgrid Event Webhook: verify the signature (X-Twilio-Email-Event-Webhook-Signature/-Timestamp) over the raw body, then apply each event; returns counts received, applied, duplicates, unmatched, invalid';

-- -------------------------------------------------------------------- Twilio

-- twilio_param: first value of a form parameter.
CREATE FUNCTION flowcomm.twilio_param(names text[], vals text[], p_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT v FROM unnest(names, vals) WITH ORDINALITY AS t(n, v, i) WHERE n = p_name ORDER BY i LIMIT 1
$$;
COMMENT ON FUNCTION flowcomm.twilio_param(text[], text[], text) IS 'Internal: first value of a named form parameter, or NULL';

-- twilio_params_json: the parameters as a JSON object (first value wins).
CREATE FUNCTION flowcomm.twilio_params_json(names text[], vals text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(jsonb_object_agg(n, v), '{}')
	  FROM (SELECT DISTINCT ON (n) n, v FROM unnest(names, vals) WITH ORDINALITY AS t(n, v, i) ORDER BY n, i) s
$$;
COMMENT ON FUNCTION flowcomm.twilio_params_json(text[], text[]) IS 'Internal: form parameters as a JSON object (first value of each name)';

-- webhook_url: the URL the provider called: the caller's; for status
-- callbacks the one the delivery workers gave Twilio (StatusCallback =
-- flowcomm.status_callback_url + /twilio/status) when that is set; else
-- flowcomm.webhook_base_url + the RPC path.
CREATE FUNCTION flowcomm.webhook_url(p_url text, p_rpc text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	base text := nullif(current_setting('flowcomm.webhook_base_url', true), '');
	callback text := nullif(current_setting('flowcomm.status_callback_url', true), '');
BEGIN
	IF nullif(p_url, '') IS NOT NULL THEN
		IF p_url !~ '^https?://\S+$' THEN
			PERFORM invalid('url', 'must be the absolute http(s) URL the provider called');
		END IF;
		RETURN p_url;
	END IF;
	IF p_rpc = 'webhook_twilio_status' AND callback IS NOT NULL THEN
		RETURN callback || '/twilio/status';
	END IF;
	IF base IS NULL THEN
		RAISE EXCEPTION 'webhook URL is unknown'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Twilio signs the full URL it calls; no url was given and flowcomm.webhook_base_url is empty.',
				  HINT = 'ALTER SYSTEM SET flowcomm.webhook_base_url = ''https://api.example.com/'' (the public PostgREST root).';
	END IF;
	RETURN rtrim(base, '/') || '/rpc/' || p_rpc;
END
$$;
COMMENT ON FUNCTION flowcomm.webhook_url(text, text) IS 'Internal: URL a webhook was called at (given; status callbacks: flowcomm.status_callback_url + /twilio/status when set; else flowcomm.webhook_base_url + /rpc/<name>)';

-- twilio_verify: authenticate a Twilio request.  Returns the businesses
-- whose own account's token verified it, and whether the platform's
-- default account's did; raises 42501 when none does.
CREATE FUNCTION flowcomm.twilio_verify(p_url text, names text[], vals text[], signature text,
									   OUT businesses uuid[], OUT via_default boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	sid text := twilio_param(names, vals, 'AccountSid');
	r record;
	known boolean := false;
BEGIN
	businesses := '{}';
	via_default := false;
	IF nullif(signature, '') IS NULL THEN
		PERFORM monitor_webhook_note('twilio', 'rejected_signature');
		RAISE EXCEPTION 'twilio signature is missing'
			USING ERRCODE = 'insufficient_privilege', DETAIL = 'The request has no X-Twilio-Signature header.';
	END IF;
	IF sid IS NULL THEN
		PERFORM invalid('AccountSid', 'is required');
	END IF;
	FOR r IN SELECT a.business_id, a.twilio_auth_token AS token FROM provider_account a
			  WHERE a.provider = 'twilio' AND a.enabled AND a.twilio_account_sid = sid
				AND a.twilio_auth_token IS NOT NULL
			 UNION ALL
			 SELECT NULL, d.twilio_auth_token FROM default_provider_account d
			  WHERE d.provider = 'twilio' AND d.enabled AND d.twilio_account_sid = sid
				AND d.twilio_auth_token IS NOT NULL
	LOOP
		known := true;
		IF twilio_signature_valid(p_url, names, vals, r.token, signature) THEN
			IF r.business_id IS NULL THEN
				via_default := true;
			ELSE
				businesses := businesses || r.business_id;
			END IF;
		END IF;
	END LOOP;
	IF NOT known THEN
		-- The same work and the same answer as a bad signature: whether an
		-- AccountSid is a customer of the platform is nobody's business.
		PERFORM twilio_signature_valid(p_url, names, vals, repeat('0', 32), signature);
	END IF;
	IF cardinality(businesses) = 0 AND NOT via_default THEN
		PERFORM monitor_webhook_note('twilio', 'rejected_signature');
		RAISE EXCEPTION 'twilio signature does not verify'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Checked against the URL %s.', left(p_url, 300)),
				  HINT = 'The URL must be exactly the one configured in Twilio, including scheme, port and query string.';
	END IF;
END
$$;
COMMENT ON FUNCTION flowcomm.twilio_verify(text, text[], text[], text) IS 'Internal: check X-Twilio-Signature with the auth token of the AccountSid (business accounts and the default account); 42501 unless one verifies';

-- twilio_status_map: Twilio MessageStatus → flowcomm status (NULL: event only).
CREATE FUNCTION flowcomm.twilio_status_map(s text) RETURNS flowcomm.communication_status
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE lower(s)
		WHEN 'accepted' THEN 'queued' WHEN 'scheduled' THEN 'queued' WHEN 'queued' THEN 'queued'
		WHEN 'sending' THEN 'sending' WHEN 'sent' THEN 'sent' WHEN 'delivered' THEN 'delivered'
		WHEN 'read' THEN 'opened' WHEN 'undelivered' THEN 'failed' WHEN 'failed' THEN 'failed'
		WHEN 'canceled' THEN 'failed'
	END::flowcomm.communication_status
$$;
COMMENT ON FUNCTION flowcomm.twilio_status_map(text) IS 'Twilio MessageStatus to flowcomm status: read → opened, undelivered/failed/canceled → failed; receiving/received and unknown → NULL (event only)';

-- twilio_status_event: fold one authenticated status callback into its message.
CREATE FUNCTION flowcomm.twilio_status_event(c flowcomm.communication, names text[], vals text[],
											 p_occurred timestamptz)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	raw_status text := lower(coalesce(twilio_param(names, vals, 'MessageStatus'), twilio_param(names, vals, 'SmsStatus')));
	err text := twilio_param(names, vals, 'ErrorCode');
	applied boolean;
BEGIN
	IF err IS NOT NULL AND twilio_status_map(raw_status) = 'failed' THEN
		-- classified by the provider error catalogue (46_provider_errors.sql)
		applied := twilio_status_error(c, raw_status, err, names, vals, p_occurred);
	ELSE
		applied := apply_provider_event(c, 'twilio_' || raw_status, twilio_status_map(raw_status), p_occurred, 'twilio',
										c.provider_message_id || ':' || raw_status, twilio_params_json(names, vals), err,
										coalesce(twilio_param(names, vals, 'ErrorMessage'),
												 CASE WHEN err IS NOT NULL THEN 'Twilio error ' || err
													  WHEN raw_status = 'canceled' THEN 'canceled at Twilio' END));
	END IF;
	IF applied AND twilio_param(names, vals, 'Price') ~ '^-?[0-9]{1,7}(\.[0-9]{1,5})?$' THEN
		UPDATE communication m
		   SET price = twilio_param(names, vals, 'Price')::numeric,
			   price_unit = left(twilio_param(names, vals, 'PriceUnit'), 8)
		 WHERE m.business_id = c.business_id AND m.id = c.id;
	END IF;
	RETURN applied;
END
$$;
COMMENT ON FUNCTION flowcomm.twilio_status_event(flowcomm.communication, text[], text[], timestamptz) IS 'Internal: apply one authenticated Twilio status callback to its message (status map, error classified by the provider error catalogue, price); false for a replay';

-- twilio_status_apply: a status callback as name/value arrays.
CREATE FUNCTION flowcomm.twilio_status_apply(p_url text, names text[], vals text[], signature text) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	v record;
	sid text;
	raw_status text;
	c communication;
	applied boolean;
BEGIN
	v := twilio_verify(webhook_url(p_url, 'webhook_twilio_status'), names, vals, signature);
	sid := coalesce(twilio_param(names, vals, 'MessageSid'), twilio_param(names, vals, 'SmsSid'));
	raw_status := lower(coalesce(twilio_param(names, vals, 'MessageStatus'), twilio_param(names, vals, 'SmsStatus')));
	IF sid IS NULL THEN
		PERFORM invalid('MessageSid', 'is required');
	END IF;
	IF raw_status IS NULL THEN
		PERFORM invalid('MessageStatus', 'is required');
	END IF;
	SELECT * INTO c FROM communication m WHERE m.provider_message_id = sid AND m.channel <> 'email';
	IF NOT FOUND THEN
		-- Perhaps faster than the worker: keep it for when the sid is stored.
		DELETE FROM provider_event_pending p WHERE p.received_at < now() - interval '1 day';
		INSERT INTO provider_event_pending (provider, provider_message_id, dedupe_key, names, vals, businesses, via_default)
		VALUES ('twilio', sid, sid || ':' || raw_status, names, vals, v.businesses, v.via_default)
		ON CONFLICT (provider_message_id, dedupe_key) DO NOTHING;
		PERFORM monitor_webhook_note('twilio', 'deferred');
		RETURN jsonb_build_object('matched', false, 'pending', true, 'messageSid', sid);
	END IF;
	-- A business's own token vouches only for its own messages.
	IF NOT (v.via_default OR c.business_id = ANY (v.businesses)) THEN
		RETURN jsonb_build_object('matched', false, 'messageSid', sid);
	END IF;
	applied := twilio_status_event(c, names, vals, now());
	SELECT * INTO c FROM communication m WHERE m.business_id = c.business_id AND m.id = c.id;
	RETURN jsonb_build_object('matched', true, 'applied', applied, 'duplicate', NOT applied,
							  'communicationId', c.id, 'status', c.status);
END
$$;
COMMENT ON FUNCTION flowcomm.twilio_status_apply(text, text[], text[], text) IS 'Internal: verify and apply one Twilio status callback given as name/value arrays; one for a message id not stored yet waits in provider_event_pending';

-- apply_pending_provider_events: trigger on communication: when a message
-- gets its provider id, apply the callbacks that arrived before it.
CREATE FUNCTION flowcomm.apply_pending_provider_events() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	p provider_event_pending;
	c communication;
BEGIN
	-- Statement level: the workers store provider ids 200 rows at a time, and
	-- early callbacks are rare, so one cheap check covers the whole batch.
	IF NOT EXISTS (SELECT 1 FROM provider_event_pending) THEN
		RETURN NULL;
	END IF;
	FOR c IN SELECT n.* FROM changed n
			  WHERE n.provider_message_id IS NOT NULL
				AND EXISTS (SELECT 1 FROM provider_event_pending x WHERE x.provider_message_id = n.provider_message_id)
	LOOP
		FOR p IN DELETE FROM provider_event_pending x WHERE x.provider_message_id = c.provider_message_id
				 RETURNING *
		LOOP
			IF p.provider = 'twilio' AND c.channel <> 'email' AND (p.via_default OR c.business_id = ANY (p.businesses)) THEN
				SELECT * INTO c FROM communication m WHERE m.business_id = c.business_id AND m.id = c.id;
				PERFORM twilio_status_event(c, p.names, p.vals, p.received_at);
			END IF;
		END LOOP;
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.apply_pending_provider_events() IS 'Trigger: apply provider callbacks that arrived before the message''s provider id was stored';
-- (Transition tables need one trigger per event.)
CREATE TRIGGER apply_pending_provider_events_insert
	AFTER INSERT ON flowcomm.communication REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.apply_pending_provider_events();
CREATE TRIGGER apply_pending_provider_events_update
	AFTER UPDATE ON flowcomm.communication REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION flowcomm.apply_pending_provider_events();

-- webhook_twilio_status: Twilio status callback (SMS, WhatsApp, Messenger).
-- twilio_form_webhook: decode a Twilio form body and apply it as a status
-- callback or an incoming message (the two raw-body entry points below).
CREATE FUNCTION flowcomm.twilio_form_webhook(kind text, url text, body text, signature text) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	f record;
BEGIN
	PERFORM monitor_webhook_note('twilio', 'received');  -- 90_monitoring.sql
	IF body IS NULL THEN
		PERFORM invalid('body', 'is required');
	END IF;
	f := form_decode(body);
	IF kind = 'status' THEN
		RETURN twilio_status_apply(url, f.names, f.vals, signature);
	END IF;
	RETURN twilio_inbound_apply(url, f.names, f.vals, signature);
END
$$;
COMMENT ON FUNCTION flowcomm.twilio_form_webhook(text, text, text, text) IS 'Internal: decode a Twilio form body and apply it (kind status or inbound)';

CREATE FUNCTION flowcomm.webhook_twilio_status(url text, body text, signature text) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT flowcomm.twilio_form_webhook('status', url, body, signature)
$$;
COMMENT ON FUNCTION flowcomm.webhook_twilio_status(text, text, text) IS 'Twilio status callback: url Twilio called (NULL: flowcomm.webhook_base_url + /rpc/webhook_twilio_status), raw form body, X-Twilio-Signature; returns matched, applied, duplicate, communicationId, status';

-- twilio_address: channel and bare contact of a Twilio From/To value.
CREATE FUNCTION flowcomm.twilio_address(addr text, OUT channel flowcomm.channel, OUT contact text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN addr ~* '^whatsapp:' THEN 'whatsapp' WHEN addr ~* '^messenger:' THEN 'messenger'
				ELSE 'sms' END::flowcomm.channel,
		   regexp_replace(addr, '^(whatsapp|messenger):', '', 'i')
$$;
COMMENT ON FUNCTION flowcomm.twilio_address(text) IS 'Internal: whatsapp:+1..., messenger:123 or +1... to (channel, contact)';

-- inbound_businesses: which businesses an inbound message is for.
--   1. businesses whose own account verified the request and whose
--      sms_from / whatsapp_from / messenger_page_id is the To address:
--      one such business gets it; several (one number shared between own
--      accounts) get it each, if they have a conversation with the sender;
--   2. on the platform's default account: business_id in the (signed)
--      callback URL's query string (a number dedicated to one business),
--      else the request's business (flowcomm.business_id or the JWT
--      claim), else every business without an own Twilio account that
--      has written to the sender on that channel.  Never "the last
--      writer": one send by B must not capture A's replies or STOPs
--      (issue 16); docs/webhooks.md has the trade-offs.
CREATE FUNCTION flowcomm.inbound_businesses(p_url text, v_businesses uuid[], v_default boolean,
											p_channel flowcomm.channel, p_to text, p_contact text)
RETURNS uuid[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	owners uuid[];
	b uuid;
BEGIN
	SELECT array_agg(DISTINCT a.business_id) INTO owners
	  FROM provider_account a
	 WHERE a.provider = 'twilio' AND a.business_id = ANY (v_businesses)
	   AND p_to IN (a.sms_from, a.whatsapp_from, a.messenger_page_id);
	IF cardinality(owners) = 1 THEN
		RETURN owners;
	ELSIF cardinality(owners) > 1 THEN
		RETURN (SELECT array_agg(o ORDER BY o) FROM unnest(owners) o
				 WHERE EXISTS (SELECT 1 FROM communication m
								WHERE m.business_id = o AND m.recipient_contact = p_contact
								  AND m.direction = 'outbound' AND m.channel = p_channel));
	END IF;
	IF NOT v_default THEN
		RETURN NULL;		-- not a number of the businesses that signed
	END IF;
	b := substring(p_url FROM '[?&]business_id=([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(&|$)')::uuid;
	IF b IS NOT NULL THEN
		RETURN ARRAY[b];
	END IF;
	BEGIN
		b := current_business_id();
	EXCEPTION WHEN insufficient_privilege OR invalid_parameter_value THEN
		b := NULL;
	END;
	IF b IS NOT NULL THEN
		RETURN ARRAY[b];
	END IF;
	-- Shared number: every business in conversation with the sender.
	RETURN (SELECT array_agg(DISTINCT m.business_id ORDER BY m.business_id) FROM communication m
			 WHERE m.recipient_contact = p_contact AND m.direction = 'outbound' AND m.channel = p_channel
			   AND NOT EXISTS (SELECT 1 FROM provider_account a
								WHERE a.business_id = m.business_id AND a.provider = 'twilio'
								  AND a.enabled AND a.twilio_account_sid IS NOT NULL));
END
$$;
COMMENT ON FUNCTION flowcomm.inbound_businesses(text, uuid[], boolean, flowcomm.channel, text, text) IS 'Internal: businesses an inbound message is for: the own account owning the To number (several: each in conversation with the sender), else (default account) business_id in the URL, the request''s business, or every business on the shared account that wrote to the sender on that channel';

-- inbound_keyword: Twilio's standard keyword sets (whole body, trimmed of
-- any whitespace, any case; "stop it please" is a reply), plus the Spanish
-- BAJA / ALTA / AYUDA, or Twilio's OptOutType when Advanced Opt-Out is on.
CREATE FUNCTION flowcomm.inbound_keyword(body text, opt_out_type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE
		WHEN upper(opt_out_type) = 'STOP' OR k IN ('STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'BAJA')
			THEN 'opt_out'
		WHEN upper(opt_out_type) = 'START' OR k IN ('START', 'UNSTOP', 'YES', 'ALTA')
			THEN 'opt_in'
		WHEN upper(opt_out_type) = 'HELP' OR k IN ('HELP', 'INFO', 'AYUDA')
			THEN 'help'
	END
	  FROM (SELECT upper(regexp_replace(body, '^[[:space:]]+|[[:space:]]+$', '', 'g')) AS k) x
$$;
COMMENT ON FUNCTION flowcomm.inbound_keyword(text, text) IS 'opt_out for STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, BAJA; opt_in for START, UNSTOP, YES, ALTA; help for HELP, INFO, AYUDA (whole body without surrounding whitespace, any case, or Twilio''s OptOutType); else NULL';

-- inbound_opt: apply a STOP or START reply for a business.  A STOP is
-- about the number on the channel it came on (CTIA and Twilio: the opt-out
-- blocks that sender → that number), not about a customer record: the
-- suppression (business, channel, number) blocks every later send, named by
-- recipientId or by raw recipientContact, and the messages still waiting in
-- the queue for that number on that channel are suppressed.  It does not
-- touch the customer's preferences: a WhatsApp STOP leaves email alone.
CREATE FUNCTION flowcomm.inbound_opt(b uuid, p_action text, p_channel flowcomm.channel, p_contact text,
									 p_keyword text, p_sid text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	kw text := upper(left(btrim(p_keyword), 20));
BEGIN
	IF p_action = 'opt_out' THEN
		PERFORM suppress(b, p_channel, p_contact, 'stop_keyword', 'twilio', format('%s reply (%s)', kw, p_sid));
		WITH waiting AS (
			UPDATE communication_queue q
			   SET status = 'cancelled', completed_at = now(), updated_at = now(),
				   last_error = format('recipient replied %s', kw)
			  FROM communication m
			 WHERE q.business_id = b AND q.communication_id = m.id AND q.status IN ('pending', 'held')
			   AND m.business_id = b AND m.recipient_contact = p_contact AND m.direction = 'outbound'
			   AND m.channel = p_channel AND m.status IN ('pending', 'queued')
			RETURNING m.id
		), marked AS (
			UPDATE communication m SET status = 'suppressed', updated_at = now(),
				   error_message = format('%s replied %s on %s (%s)', p_contact, kw, p_channel, p_sid)
			  FROM waiting w WHERE m.business_id = b AND m.id = w.id
			RETURNING m.id
		)
		INSERT INTO communication_event (business_id, communication_id, event, status, source, detail)
		SELECT b, id, 'suppressed', 'suppressed', 'twilio', format('recipient replied %s (%s)', kw, p_sid)
		  FROM marked;
	ELSIF p_action = 'opt_in' THEN
		-- Lift only what a STOP did (a STOP reply, or Twilio's 21610 for a STOP
		-- it received): bounces and admin suppressions stay.
		UPDATE suppression s
		   SET lifted_at = now(),
			   lifted_by = format('twilio:%s', kw),
			   detail = concat_ws(' | ', s.detail, format('lifted by %s reply (%s)', kw, p_sid))
		 WHERE s.business_id = b AND s.channel = p_channel AND lower(s.contact) = lower(p_contact)
		   AND s.lifted_at IS NULL AND s.reason IN ('stop_keyword', 'provider_unsubscribed');
		-- 0.2.0 also opted the whole record out on a STOP: undo that too.
		UPDATE communication_preference p
		   SET opted_out_at = NULL, opted_out_reason = NULL, updated_at = now()
		 WHERE p.business_id = b AND p.opted_out_reason LIKE 'stop\_keyword:%'
		   AND p_contact IN (p.preferred_phone, p.preferred_whatsapp);
	END IF;
END
$$;
COMMENT ON FUNCTION flowcomm.inbound_opt(uuid, text, flowcomm.channel, text, text, text) IS 'Internal: STOP → suppression (stop_keyword) of that number on that channel and its waiting messages suppressed; START → lift it (other suppressions untouched); preferences of other channels untouched';

-- inbound_store: one inbound message stored for one business, linked to
-- the last outbound message to that contact; NULL when already stored.
CREATE FUNCTION flowcomm.inbound_store(b uuid, p_sid text, p_provider_id text, p_channel flowcomm.channel,
									   p_contact text, to_contact text, body text, action text, params jsonb)
RETURNS flowcomm.communication
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	last_out communication;
	c communication;
BEGIN
	SELECT * INTO last_out FROM communication m
	 WHERE m.business_id = b AND m.recipient_contact = p_contact AND m.direction = 'outbound'
	 ORDER BY m.created_at DESC LIMIT 1;
	c.business_id := b;
	c.id := uuid_v7();
	c.created_by := 'SYSTEM_twilio';
	c.direction := 'inbound';
	c.recipient_type := coalesce(last_out.recipient_type, 'unknown');
	c.recipient_id := last_out.recipient_id;
	c.recipient_name := coalesce(last_out.recipient_name, left(params ->> 'ProfileName', 255));
	c.recipient_contact := left(p_contact, 255);
	c.channel := p_channel;
	c.type := 'inbound_reply';
	c.content := body;
	c.content_text := body;
	c.status := 'received';
	c.provider := 'twilio';
	c.provider_message_id := p_provider_id;
	c.original_communication_id := last_out.id;
	c.metadata := jsonb_build_object('to', to_contact, 'keyword', action, 'messageSid', p_sid,
		'numMedia', params ->> 'NumMedia',
		'media', (SELECT coalesce(jsonb_agg(jsonb_build_object('url', params ->> ('MediaUrl' || i),
								  'contentType', params ->> ('MediaContentType' || i)) ORDER BY i), '[]')
					FROM generate_series(0, 9) i WHERE params ? ('MediaUrl' || i)));
	c.retry_count := 0;
	c.max_retries := 0;
	c.created_at := now();
	c.updated_at := now();
	BEGIN
		INSERT INTO communication SELECT c.*;
	EXCEPTION WHEN unique_violation THEN
		RETURN NULL;	-- the same MessageSid stored by a concurrent delivery of this webhook
	END;
	INSERT INTO communication_event (business_id, communication_id, event, status, source, dedupe_key, payload)
	VALUES (b, c.id, 'received', 'received', 'twilio', p_sid || ':received', params);
	IF action IN ('opt_out', 'opt_in') AND p_channel IN ('sms', 'whatsapp') THEN
		PERFORM inbound_opt(b, action, p_channel, p_contact, body, p_sid);
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION flowcomm.inbound_store(uuid, text, text, flowcomm.channel, text, text, text, text, jsonb) IS 'Internal: store one inbound message for one business (conversation entry linked to the last outbound message, media URLs kept) and apply its STOP/START for that business; NULL when already stored';

-- twilio_inbound_apply: an incoming message as name/value arrays.  One
-- business: stored once under its MessageSid.  Several (a shared number):
-- one copy each, provider id MessageSid:business_id (the provider id index
-- is global), each applying the STOP/START for its own business.
CREATE FUNCTION flowcomm.twilio_inbound_apply(p_url text, names text[], vals text[], signature text) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	url text := webhook_url(p_url, 'webhook_twilio_inbound');
	v record;
	sid text;
	from_addr record;
	to_addr record;
	body text;
	targets uuid[];
	b uuid;
	pid text;
	action text;
	c communication;
	params jsonb;
	stored jsonb := '[]';
BEGIN
	v := twilio_verify(url, names, vals, signature);
	sid := coalesce(twilio_param(names, vals, 'MessageSid'), twilio_param(names, vals, 'SmsMessageSid'),
					twilio_param(names, vals, 'SmsSid'));
	IF sid IS NULL THEN
		PERFORM invalid('MessageSid', 'is required');
	END IF;
	IF nullif(twilio_param(names, vals, 'From'), '') IS NULL THEN
		PERFORM invalid('From', 'is required');
	END IF;
	from_addr := twilio_address(twilio_param(names, vals, 'From'));
	to_addr := twilio_address(coalesce(twilio_param(names, vals, 'To'), ''));
	body := coalesce(twilio_param(names, vals, 'Body'), '');
	params := twilio_params_json(names, vals);

	targets := inbound_businesses(url, v.businesses, v.via_default, from_addr.channel, to_addr.contact,
								  from_addr.contact);
	IF coalesce(cardinality(targets), 0) = 0 THEN
		RETURN jsonb_build_object('stored', false, 'reason', 'no business owns this number', 'messageSid', sid);
	END IF;
	action := inbound_keyword(body, twilio_param(names, vals, 'OptOutType'));
	FOREACH b IN ARRAY targets LOOP
		pid := CASE WHEN cardinality(targets) = 1 THEN sid ELSE sid || ':' || b END;
		IF EXISTS (SELECT 1 FROM communication m WHERE m.provider_message_id IN (sid, sid || ':' || b)
					  AND m.business_id = b) THEN
			CONTINUE;
		END IF;
		c := inbound_store(b, sid, pid, from_addr.channel, from_addr.contact, to_addr.contact, body, action, params);
		IF c.id IS NOT NULL THEN
			stored := stored || jsonb_build_object('businessId', b, 'communicationId', c.id,
												   'originalCommunicationId', c.original_communication_id);
		END IF;
	END LOOP;
	IF jsonb_array_length(stored) = 0 THEN
		RETURN jsonb_build_object('stored', false, 'duplicate', true, 'communicationId',
			(SELECT m.id FROM communication m WHERE m.provider_message_id IN (sid, sid || ':' || targets[1])
			  AND m.business_id = targets[1]));
	END IF;
	RETURN jsonb_build_object('stored', true, 'communicationId', stored -> 0 ->> 'communicationId',
							  'businessId', stored -> 0 ->> 'businessId',
							  'action', coalesce(action, 'reply'),
							  'originalCommunicationId', stored -> 0 ->> 'originalCommunicationId')
		   || CASE WHEN cardinality(targets) > 1 THEN jsonb_build_object('deliveries', stored) ELSE '{}' END;
END
$$;
COMMENT ON FUNCTION flowcomm.twilio_inbound_apply(text, text[], text[], text) IS 'Internal: verify and store one inbound Twilio message for each business it is for (a shared number: every business in conversation with the sender); STOP/START keywords opt the number out or back in per business';

-- webhook_twilio_inbound: Twilio incoming-message webhook (SMS, WhatsApp).
CREATE FUNCTION flowcomm.webhook_twilio_inbound(url text, body text, signature text) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT flowcomm.twilio_form_webhook('inbound', url, body, signature)
$$;
COMMENT ON FUNCTION flowcomm.webhook_twilio_inbound(text, text, text) IS 'Twilio incoming message: url Twilio called (NULL: flowcomm.webhook_base_url + /rpc/webhook_twilio_inbound), raw form body, X-Twilio-Signature; stores the reply (linked to the last outbound message) and applies STOP/START; returns stored, communicationId, action';

-- ---------------------------------------------------------------- suppressions

CREATE FUNCTION flowcomm.suppression_json(s flowcomm.suppression) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', s.id, 'businessId', s.business_id, 'channel', s.channel, 'contact', s.contact,
							  'reason', s.reason, 'source', s.source, 'detail', s.detail, 'createdAt', s.created_at,
							  'active', s.lifted_at IS NULL, 'liftedAt', s.lifted_at, 'liftedBy', s.lifted_by)
$$;
COMMENT ON FUNCTION flowcomm.suppression_json(flowcomm.suppression) IS 'A suppression as API JSON';

-- suppressions: list the current business's suppressions.
CREATE FUNCTION flowcomm.suppressions(filters jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	f jsonb := coalesce(filters, '{}');
	v_channel text;
	v_contact text;
	v_reason text;
	v_active boolean;
	v_page int;
	v_size int;
	v_count bigint;
	v_results jsonb;
BEGIN
	PERFORM check_request(f, ARRAY['channel', 'contact', 'reason', 'active', 'page', 'size'], 'filters');
	v_channel := req_enum(f, 'channel', enum_range(NULL::channel)::text[]);
	v_contact := req_text(f, 'contact', 255);
	v_reason := req_enum(f, 'reason', ARRAY['bounce', 'dropped', 'spamreport', 'unsubscribe', 'stop_keyword',
											'provider_unsubscribed', 'admin']);
	v_active := req_bool(f, 'active');
	v_page := coalesce(req_int(f, 'page', 1, 1000000), 1);
	v_size := coalesce(req_int(f, 'size', 1, 100), 20);
	WITH m AS (
		SELECT s.* FROM suppression s
		 WHERE s.business_id = b
		   AND (v_channel IS NULL OR s.channel = v_channel::channel)
		   AND (v_contact IS NULL OR lower(s.contact) = lower(v_contact))
		   AND (v_reason IS NULL OR s.reason = v_reason)
		   AND (v_active IS NULL OR (s.lifted_at IS NULL) = v_active))
	SELECT (SELECT count(*) FROM m),
		   coalesce((SELECT jsonb_agg(suppression_json(p) ORDER BY p.created_at DESC, p.id DESC)
					   FROM (SELECT * FROM m ORDER BY created_at DESC, id DESC
							 LIMIT v_size OFFSET (v_page - 1) * v_size) p), '[]')
	  INTO v_count, v_results;
	RETURN jsonb_build_object('results', v_results, 'count', v_count, 'page', v_page, 'size', v_size);
END
$$;
COMMENT ON FUNCTION flowcomm.suppressions(jsonb) IS 'Suppressions of the current business: filters channel, contact, reason, active, page, size; returns results, count, page, size';

-- suppression_add: an admin blocks a contact on a channel.
CREATE FUNCTION flowcomm.suppression_add(channel text, contact text, reason text DEFAULT 'admin', detail text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	req jsonb := jsonb_build_object('channel', channel, 'contact', contact, 'reason', coalesce(reason, 'admin'),
									'detail', detail);
	ch channel;
	v_contact text;
	s suppression;
	created boolean;
BEGIN
	IF req_enum(req, 'channel', enum_range(NULL::flowcomm.channel)::text[]) IS NULL THEN
		PERFORM invalid('channel', 'is required');
	END IF;
	ch := (req ->> 'channel')::flowcomm.channel;
	v_contact := check_contact(ch, req_text(req, 'contact', 255), 'contact');
	PERFORM req_enum(req, 'reason', ARRAY['bounce', 'dropped', 'spamreport', 'unsubscribe', 'stop_keyword',
										  'provider_unsubscribed', 'admin']);
	PERFORM req_text(req, 'detail', 500);
	created := suppress(b, ch, v_contact, req ->> 'reason', 'admin:' || current_actor(), req ->> 'detail');
	SELECT * INTO s FROM suppression x
	 WHERE x.business_id = b AND x.channel = ch AND lower(x.contact) = lower(v_contact) AND x.lifted_at IS NULL;
	RETURN suppression_json(s) || jsonb_build_object('created', created);
END
$$;
COMMENT ON FUNCTION flowcomm.suppression_add(text, text, text, text) IS 'Suppress a contact on a channel for the current business (admin); returns the active suppression, created false when one already existed';

-- suppression_lift: an admin lifts a suppression, with a reason.
CREATE FUNCTION flowcomm.suppression_lift(id uuid, reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	s suppression;
BEGIN
	IF suppression_lift.id IS NULL THEN
		PERFORM invalid('id', 'is required');
	END IF;
	IF nullif(btrim(suppression_lift.reason), '') IS NULL THEN
		PERFORM invalid('reason', 'is required', 'say why the contact may be messaged again');
	END IF;
	IF length(suppression_lift.reason) > 500 THEN
		PERFORM invalid('reason', 'is longer than 500 characters');
	END IF;
	SELECT * INTO s FROM suppression x WHERE x.business_id = b AND x.id = suppression_lift.id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'suppression % not found', suppression_lift.id USING ERRCODE = 'no_data_found';
	END IF;
	IF s.lifted_at IS NOT NULL THEN
		RAISE EXCEPTION 'suppression % is already lifted', suppression_lift.id
			USING ERRCODE = 'PT409', DETAIL = format('Lifted at %s by %s.', s.lifted_at, s.lifted_by);
	END IF;
	UPDATE suppression x
	   SET lifted_at = now(), lifted_by = left(current_actor(), 200),
		   detail = concat_ws(' | ', x.detail, 'lifted: ' || btrim(suppression_lift.reason))
	 WHERE x.business_id = b AND x.id = suppression_lift.id
	RETURNING * INTO s;
	RETURN suppression_json(s);
END
$$;
COMMENT ON FUNCTION flowcomm.suppression_lift(uuid, text) IS 'Lift a suppression of the current business (admin), recording who and why; the row stays for audit';

-- ------------------------------------------------------------ PostgREST API

CREATE SCHEMA IF NOT EXISTS api;
COMMENT ON SCHEMA api IS 'PostgREST-facing functions (db-schemas = api)';
GRANT USAGE ON SCHEMA api TO flowcomm_viewer, flowcomm_webhook;

-- api_header: one request header as PostgREST passes them (lower-case names).
CREATE FUNCTION flowcomm.api_header(p_name text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN nullif(current_setting('request.headers', true), '')::json ->> lower(p_name);
EXCEPTION WHEN invalid_text_representation THEN
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flowcomm.api_header(text) IS 'Internal: a header of the current PostgREST request, or NULL';

-- POST /rpc/webhook_sendgrid, Content-Type: application/json.  A single
-- unnamed json parameter receives the body unparsed (json keeps its text
-- byte for byte), which the signature covers.
CREATE FUNCTION api.webhook_sendgrid(json) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	RETURN flowcomm.webhook_sendgrid($1::text, flowcomm.api_header('x-twilio-email-event-webhook-signature'),
									 flowcomm.api_header('x-twilio-email-event-webhook-timestamp'));
END
$$;
COMMENT ON FUNCTION api.webhook_sendgrid(json) IS 'PostgREST: POST /rpc/webhook_sendgrid with Sendgrid''s signed event batch; signature headers from request.headers';

-- POST /rpc/webhook_twilio_status and /rpc/webhook_twilio_inbound,
-- Content-Type: application/x-www-form-urlencoded.  PostgREST turns each
-- form field into the named argument of the same name, so every parameter
-- Twilio documents for these webhooks is an optional argument here; the
-- ones present are the signed parameter set.  The URL signed is
-- flowcomm.webhook_base_url + /rpc/<function>.
DO $gen$
DECLARE
	-- Every parameter Twilio documents for status callbacks and incoming
	-- messages, in one list for both wrappers.
	twilio_fields text[] := ARRAY['MessageSid', 'SmsSid', 'SmsMessageSid', 'SmsStatus', 'MessageStatus', 'AccountSid',
		'MessagingServiceSid', 'From', 'To', 'Body', 'NumMedia', 'NumSegments', 'ApiVersion', 'ErrorCode',
		'ErrorMessage', 'ChannelToAddress', 'ChannelPrefix', 'ChannelInstallSid', 'ChannelStatusMessage',
		'ChannelStatusCode', 'ChannelMetadata', 'RawDlrDoneDate', 'Price', 'PriceUnit', 'EventType',
		'StructuredMessage', 'MessageType', 'OptOutType', 'ProfileName', 'WaId', 'Forwarded',
		'FrequentlyForwarded', 'ButtonText', 'ButtonPayload', 'FromCity', 'FromState', 'FromZip',
		'FromCountry', 'ToCity', 'ToState', 'ToZip', 'ToCountry', 'Latitude', 'Longitude', 'Address',
		'Label', 'ReferralNumMedia', 'ReferralBody', 'ReferralHeadline', 'ReferralSourceId',
		'ReferralSourceType', 'ReferralSourceUrl', 'ReferralMediaId', 'ReferralMediaContentType',
		'ReferralMediaUrl', 'ReferralCtwaClid', 'OriginalRepliedMessageSender', 'OriginalRepliedMessageSid',
		'ListId', 'ListTitle', 'ListItemId', 'ListItemTitle', 'MediaContentType0', 'MediaUrl0',
		'MediaContentType1', 'MediaUrl1', 'MediaContentType2', 'MediaUrl2', 'MediaContentType3',
		'MediaUrl3', 'MediaContentType4', 'MediaUrl4', 'MediaContentType5', 'MediaUrl5',
		'MediaContentType6', 'MediaUrl6', 'MediaContentType7', 'MediaUrl7', 'MediaContentType8',
		'MediaUrl8', 'MediaContentType9', 'MediaUrl9'];
	w record;
BEGIN
	FOR w IN SELECT * FROM (VALUES
		('webhook_twilio_status', 'twilio_status_apply', 'form-urlencoded Twilio status callback'),
		('webhook_twilio_inbound', 'twilio_inbound_apply', 'form-urlencoded Twilio incoming message')) v(fn, apply, what)
	LOOP
		EXECUTE format($f$
			CREATE FUNCTION api.%I(%s) RETURNS jsonb
			LANGUAGE plpgsql SECURITY DEFINER
			SET search_path = pg_catalog, flowcomm, pg_temp AS $body$
			DECLARE
				names text[];
				vals text[];
			BEGIN
				-- The fields present are the signed parameter set.
				SELECT coalesce(array_agg(n ORDER BY i), '{}'), coalesce(array_agg(v ORDER BY i), '{}')
				  INTO names, vals
				  FROM unnest(%L::text[], ARRAY[%s]) WITH ORDINALITY AS t(n, v, i) WHERE v IS NOT NULL;
				RETURN flowcomm.%I(NULL, names, vals, flowcomm.api_header('x-twilio-signature'));
			END
			$body$$f$,
			w.fn,
			(SELECT string_agg(format('%I text DEFAULT NULL', f), ', ' ORDER BY o) FROM unnest(twilio_fields) WITH ORDINALITY u(f, o)),
			twilio_fields,
			(SELECT string_agg(format('%I', f), ', ' ORDER BY o) FROM unnest(twilio_fields) WITH ORDINALITY u(f, o)),
			w.apply);
		EXECUTE format('COMMENT ON FUNCTION api.%I IS %L', w.fn,
					   format('PostgREST: POST /rpc/%s (%s); X-Twilio-Signature from request.headers', w.fn, w.what));
		EXECUTE format('GRANT EXECUTE ON FUNCTION api.%I TO flowcomm_webhook', w.fn);
	END LOOP;
END
$gen$;

-- Suppressions for admins: GET /rpc/suppressions?channel=email&active=true,
-- POST /rpc/suppression_add {"channel": ..., "contact": ...},
-- POST /rpc/suppression_lift {"id": ..., "reason": ...}.
CREATE FUNCTION api.suppressions(channel text DEFAULT NULL, contact text DEFAULT NULL, reason text DEFAULT NULL,
								 active text DEFAULT NULL, page text DEFAULT NULL, size text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.suppressions(jsonb_strip_nulls(jsonb_build_object(
		'channel', channel, 'contact', contact, 'reason', reason, 'active', active, 'page', page, 'size', size)))
$$;
COMMENT ON FUNCTION api.suppressions(text, text, text, text, text, text) IS 'GET /rpc/suppressions: the business''s suppressions (admin)';
CREATE FUNCTION api.suppression_add(channel text, contact text, reason text DEFAULT 'admin', detail text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.suppression_add(channel, contact, reason, detail)
$$;
COMMENT ON FUNCTION api.suppression_add(text, text, text, text) IS 'POST /rpc/suppression_add: suppress a contact on a channel (admin)';
CREATE FUNCTION api.suppression_lift(id uuid, reason text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.suppression_lift(id, reason)
$$;
COMMENT ON FUNCTION api.suppression_lift(uuid, text) IS 'POST /rpc/suppression_lift: lift a suppression with a reason (admin)';

-- ------------------------------------------------------------------- grants

GRANT EXECUTE ON FUNCTION flowcomm.webhook_sendgrid(text, text, text), flowcomm.webhook_twilio_status(text, text, text),
	flowcomm.webhook_twilio_inbound(text, text, text)
	TO flowcomm_webhook;
GRANT EXECUTE ON FUNCTION flowcomm.sendgrid_message_id(text), flowcomm.status_rank(flowcomm.communication_status),
	flowcomm.status_advances(flowcomm.communication_status, flowcomm.communication_status)
	TO flowcomm_webhook, flowcomm_viewer;
GRANT EXECUTE ON FUNCTION api.webhook_sendgrid(json) TO flowcomm_webhook;
GRANT EXECUTE ON FUNCTION flowcomm.suppressions(jsonb), flowcomm.suppression_add(text, text, text, text),
	flowcomm.suppression_lift(uuid, text), flowcomm.suppression_json(flowcomm.suppression),
	api.suppressions(text, text, text, text, text, text), api.suppression_add(text, text, text, text),
	api.suppression_lift(uuid, text)
	TO flowcomm_admin;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA api FROM PUBLIC;
