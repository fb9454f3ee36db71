-- 58_unsubscribe.sql — one-click unsubscribe (RFC 8058) for the email types
-- a recipient can opt out of, and the per-type opt-outs it records.
--
-- Gmail's and Yahoo's sender rules (docs/delivery.md "Unsubscribe") ask
-- every subscription-like message for a List-Unsubscribe header with an
-- https URL and List-Unsubscribe-Post: List-Unsubscribe=One-Click, and an
-- opt-out honoured within two days.  Transactional mail (what the recipient
-- just did or asked for: invoices, payment links, payment confirmations) is
-- exempt and keeps going out.  So:
--
--   * the worker asks unsubscribe_headers() for the headers of each claimed
--     email (src/unsubscribe.c): reminders, collection notices, low-stock
--     alerts and general notifications get them, transactional types not;
--   * the URL is flowcomm.unsubscribe_base_url + a token signed like a 0.2.0
--     payment link, <key id>.<base64url payload>.<base64url HMAC-SHA256>,
--     with the payment-link signing keys; its payload
--       {"u":1,"b":business,"m":message,"r":address,"y":type,"c":channel,
--        "t":issued,"e":expires}
--     carries "u" and never "v", so it is no payment link and a payment
--     link is no unsubscribe token (payment_link_check wants "v":1);
--   * api.unsubscribe(token) — what the platform's web front calls on the
--     RFC 8058 POST — records an opt-out of that address from that type on
--     that channel in flowcomm.unsubscribe, once, cancels the messages of
--     that type still waiting for the address, and writes an 'unsubscribed'
--     event into the history of the message the link came from;
--   * every send path (build_message, send_bulk) refuses such a message with
--     PT409, as a suppression does — but only for that type: the address
--     still gets its invoices.
--
-- Like a STOP reply (50_webhooks.sql inbound_opt), the opt-out is about the
-- address, not a customer record: it blocks the type whether the send names
-- the recipient by recipientId or by raw recipientContact.

-- ------------------------------------------------------------------ storage

-- unsubscribable: the types that are subscription-like (the same four that
-- wait for the end of quiet hours, hold_for_quiet_hours in 20_api.sql).
CREATE FUNCTION flowcomm.unsubscribable(t flowcomm.communication_type) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT t IN ('invoice_reminder', 'collection_notice', 'low_stock_alert', 'general_notification')
$$;
COMMENT ON FUNCTION flowcomm.unsubscribable(flowcomm.communication_type) IS 'Whether a message type is subscription-like and carries a one-click unsubscribe (reminders, collection notices, low-stock alerts, general notifications); invoices, payment links and confirmations are transactional';

CREATE TABLE flowcomm.unsubscribe (
	business_id       uuid NOT NULL,
	id                uuid NOT NULL DEFAULT flowcomm.uuid_v7(),
	channel           flowcomm.channel NOT NULL,
	contact           text NOT NULL CHECK (length(contact) BETWEEN 1 AND 255),
	type              flowcomm.communication_type NOT NULL CHECK (flowcomm.unsubscribable(type)),
	source            text NOT NULL CHECK (source IN ('one_click', 'sendgrid')),
	detail            text CHECK (length(detail) <= 500),
	communication_id  uuid,
	created_at        timestamptz NOT NULL DEFAULT now(),
	lifted_at         timestamptz,
	lifted_by         text,
	PRIMARY KEY (business_id, id)
);
COMMENT ON TABLE flowcomm.unsubscribe IS 'Per-type opt-outs of an address on a channel (one-click unsubscribe, Sendgrid group unsubscribe): messages of that type are refused, other types still go; lifting keeps the row for audit';
COMMENT ON COLUMN flowcomm.unsubscribe.contact IS 'The address that opted out (email addresses lower-cased)';
COMMENT ON COLUMN flowcomm.unsubscribe.communication_id IS 'The message whose link or event it came from (no foreign key: history may be purged before the opt-out)';
-- The send-time probe (unsubscribe_block, send_bulk's join) and the
-- idempotent insert: at most one active opt-out per address, channel and type.
CREATE UNIQUE INDEX unsubscribe_active_idx ON flowcomm.unsubscribe (business_id, channel, lower(contact), type)
	WHERE lifted_at IS NULL;
ALTER TABLE flowcomm.unsubscribe ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flowcomm.unsubscribe
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));
GRANT SELECT ON flowcomm.unsubscribe TO flowcomm_viewer;

-- ------------------------------------------------------------------ tokens

-- unsubscribe_sign: the token for an address, type and channel.
CREATE FUNCTION flowcomm.unsubscribe_sign(b uuid, p_message uuid, p_contact text, p_type flowcomm.communication_type,
										  p_channel flowcomm.channel, p_issued timestamptz, p_expires timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	k signing_key := signing_key_current();
BEGIN
	IF k.key_id IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN paylink_sign(k.key_id, k.secret, jsonb_build_object(
		'u', 1, 'b', b, 'm', p_message, 'r', p_contact, 'y', p_type, 'c', p_channel,
		't', extract(epoch FROM date_trunc('second', p_issued))::bigint,
		'e', extract(epoch FROM date_trunc('second', p_expires))::bigint)::text);
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe_sign(uuid, uuid, text, flowcomm.communication_type, flowcomm.channel, timestamptz, timestamptz) IS 'Internal: one-click unsubscribe token (newest active signing key) for business, message, address, type, channel, issue and expiry time; NULL when no key is active';

-- unsubscribe_headers: the headers the worker adds to an email, or NULL.
CREATE FUNCTION flowcomm.unsubscribe_headers(c flowcomm.communication) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	base text := nullif(current_setting('flowcomm.unsubscribe_base_url', true), '');
	mailto text := nullif(current_setting('flowcomm.unsubscribe_mailto', true), '');
	lifetime interval := coalesce(nullif(current_setting('flowcomm.unsubscribe_link_lifetime', true), ''), '180d')::interval;
	token text;
	value text;
BEGIN
	IF c.channel IS DISTINCT FROM 'email' OR c.direction IS DISTINCT FROM 'outbound' OR NOT unsubscribable(c.type)
	   OR base IS NULL THEN
		RETURN NULL;
	END IF;
	token := unsubscribe_sign(c.business_id, c.id, lower(c.recipient_contact), c.type, c.channel, now(), now() + lifetime);
	IF token IS NULL THEN
		RETURN NULL;
	END IF;
	value := format('<%s%s>', base, token);
	IF mailto IS NOT NULL THEN
		value := value || format(', <mailto:%s?subject=unsubscribe%%20%s>', mailto, token);
	END IF;
	RETURN jsonb_build_object('List-Unsubscribe', value, 'List-Unsubscribe-Post', 'List-Unsubscribe=One-Click');
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe_headers(flowcomm.communication) IS 'Internal: List-Unsubscribe (signed https URL from flowcomm.unsubscribe_base_url, plus flowcomm.unsubscribe_mailto when set) and List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058) for an outbound email of an unsubscribable type; NULL for transactional types, other channels, or without a base URL or signing key';

-- unsubscribe_check: verify a token as of a given time (tests use a fixed
-- clock); the envelope is signed_token_open's, as for payment links.
CREATE FUNCTION flowcomm.unsubscribe_check(token text, at timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	o jsonb := signed_token_open(token, at);
	p jsonb := o -> 'payload';
	expires timestamptz;
BEGIN
	IF NOT (o ->> 'valid')::boolean THEN
		RETURN o;
	END IF;
	-- Signed by us, so well formed unless it is another kind of token (a
	-- payment link has "v", not "u").
	IF p ->> 'u' IS DISTINCT FROM '1' OR jsonb_typeof(p -> 'e') <> 'number'
	   OR NOT (p ->> 'y') = ANY (enum_range(NULL::communication_type)::text[])
	   OR NOT (p ->> 'c') = ANY (enum_range(NULL::channel)::text[]) THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'malformed', 'detail', 'not an unsubscribe token');
	END IF;
	expires := to_timestamp((p ->> 'e')::double precision);
	IF expires <= at THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'expired', 'expiresAt', expires);
	END IF;
	RETURN jsonb_build_object('valid', true, 'businessId', p ->> 'b', 'communicationId', p ->> 'm',
							  'contact', p ->> 'r', 'type', p ->> 'y', 'channel', p ->> 'c',
							  'issuedAt', to_timestamp((p ->> 't')::double precision), 'expiresAt', expires,
							  'keyId', o -> 'keyId');
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe_check(text, timestamptz) IS 'Internal: verify a one-click unsubscribe token as of a given time: valid with businessId, communicationId, contact, type, channel, expiresAt; or valid false with reason malformed, unknown_key, tampered, key_retired or expired';

-- ------------------------------------------------------------------ record

-- unsubscribe_record: an active per-type opt-out (idempotent); the messages
-- of that type still waiting for the address are cancelled as suppressed.
-- Returns true when new.
CREATE FUNCTION flowcomm.unsubscribe_record(b uuid, p_channel flowcomm.channel, p_contact text,
											p_type flowcomm.communication_type, p_source text, p_detail text,
											p_message uuid)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	addr text := CASE WHEN p_channel = 'email' THEN lower(p_contact) ELSE p_contact END;
BEGIN
	IF NOT unsubscribable(p_type) THEN
		RETURN false;		-- transactional mail has no opt-out of its own
	END IF;
	INSERT INTO unsubscribe (business_id, channel, contact, type, source, detail, communication_id)
	VALUES (b, p_channel, addr, p_type, p_source, left(p_detail, 500), p_message)
	ON CONFLICT (business_id, channel, lower(contact), type) WHERE lifted_at IS NULL DO NOTHING;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	WITH waiting AS (
		UPDATE communication_queue q
		   SET status = 'cancelled', completed_at = now(), updated_at = now(),
			   last_error = format('recipient unsubscribed from %s', p_type)
		  FROM communication m
		 WHERE q.business_id = b AND q.communication_id = m.id AND q.status IN ('pending', 'held')
		   AND m.business_id = b AND lower(m.recipient_contact) = lower(addr) AND m.direction = 'outbound'
		   AND m.channel = p_channel AND m.type = p_type AND m.status IN ('pending', 'queued')
		RETURNING m.id
	), marked AS (
		UPDATE communication m SET status = 'suppressed', updated_at = now(),
			   error_message = format('%s unsubscribed from %s on %s', addr, p_type, p_channel)
		  FROM waiting w WHERE m.business_id = b AND m.id = w.id
		RETURNING m.id
	)
	INSERT INTO communication_event (business_id, communication_id, event, status, source, detail)
	SELECT b, id, 'suppressed', 'suppressed', CASE WHEN p_source = 'sendgrid' THEN 'sendgrid' ELSE 'api' END,
		   format('recipient unsubscribed from %s (%s)', p_type, p_source)
	  FROM marked;
	RETURN true;
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe_record(uuid, flowcomm.channel, text, flowcomm.communication_type, text, text, uuid) IS 'Internal: add an active opt-out of an address from a type on a channel unless one exists (true when new); its waiting messages of that type are suppressed';

-- unsubscribe_resubscribe: lift what one source recorded (Sendgrid's
-- group_resubscribe undoes its group_unsubscribe, never a one-click opt-out
-- the recipient made on our page).  Returns true when one was lifted.
CREATE FUNCTION flowcomm.unsubscribe_resubscribe(b uuid, p_channel flowcomm.channel, p_contact text,
												 p_type flowcomm.communication_type, p_source text, p_detail text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	UPDATE unsubscribe u
	   SET lifted_at = now(), lifted_by = p_source,
		   detail = left(concat_ws(' | ', u.detail, 'lifted: ' || p_detail), 500)
	 WHERE u.business_id = b AND u.channel = p_channel AND lower(u.contact) = lower(p_contact)
	   AND u.type = p_type AND u.source = p_source AND u.lifted_at IS NULL;
	RETURN FOUND;
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe_resubscribe(uuid, flowcomm.channel, text, flowcomm.communication_type, text, text) IS 'Internal: lift the active per-type opt-out of an address that one source (sendgrid) recorded; true when one was lifted';

-- unsubscribe_block: why a message of this type must not go to the address.
CREATE FUNCTION flowcomm.unsubscribe_block(b uuid, p_channel flowcomm.channel, p_contact text,
										   p_type flowcomm.communication_type)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
BEGIN
	IF NOT unsubscribable(p_type) THEN
		RETURN NULL;		-- transactional: no opt-out recorded for it can apply
	END IF;
	RETURN (SELECT format('%s unsubscribed from %s on %s (%s)', p_contact, p_type, p_channel, u.source)
			  FROM unsubscribe u
			 WHERE u.business_id = b AND u.channel = p_channel AND lower(u.contact) = lower(p_contact)
			   AND u.type = p_type AND u.lifted_at IS NULL);
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe_block(uuid, flowcomm.channel, text, flowcomm.communication_type) IS 'Reason a message of a type must not go to an address on a channel (an active per-type opt-out), or NULL';

-- unsubscribe: the one-click POST.  Anyone holding the link may call it:
-- the signature is the authority, as with a payment link.
CREATE FUNCTION flowcomm.unsubscribe(token text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	r jsonb := unsubscribe_check(token, now());
	b uuid;
	m uuid;
	created boolean;
BEGIN
	IF NOT (r ->> 'valid')::boolean THEN
		CASE r ->> 'reason'
			WHEN 'malformed' THEN
				RAISE EXCEPTION 'invalid token: not an unsubscribe token'
					USING ERRCODE = 'invalid_parameter_value', DETAIL = format('The %s.', r ->> 'detail');
			WHEN 'expired' THEN
				RAISE EXCEPTION 'unsubscribe link has expired'
					USING ERRCODE = 'PT410', DETAIL = format('It expired at %s.', r ->> 'expiresAt'),
						  HINT = 'Unsubscribe with the link in a newer message, or ask the business.';
			ELSE
				RAISE EXCEPTION 'unsubscribe token is not genuine'
					USING ERRCODE = 'PT403', DETAIL = format('Reason: %s.', r ->> 'reason');
		END CASE;
	END IF;
	b := (r ->> 'businessId')::uuid;
	m := (r ->> 'communicationId')::uuid;
	created := unsubscribe_record(b, (r ->> 'channel')::channel, r ->> 'contact', (r ->> 'type')::communication_type,
								  'one_click', 'List-Unsubscribe one-click', m);
	IF created THEN
		INSERT INTO communication_event (business_id, communication_id, event, source, detail)
		SELECT b, x.id, 'unsubscribed', 'api',
			   format('%s unsubscribed from %s %s (one-click)', r ->> 'contact', r ->> 'type', r ->> 'channel')
		  FROM communication x WHERE x.business_id = b AND x.id = m;
	END IF;
	RETURN jsonb_build_object('unsubscribed', true, 'created', created, 'businessId', b,
							  'contact', r ->> 'contact', 'type', r ->> 'type', 'channel', r ->> 'channel');
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe(text) IS 'One-click unsubscribe (RFC 8058 POST): verify the signed token and record the opt-out of its address from its type on its channel, once (created false on a repeat); 22023 malformed, PT403 forged or tampered, PT410 expired, nothing changed';

-- ---------------------------------------------------------------- Sendgrid

-- sendgrid_suppression_reason: the suppression a bounce or dropped event
-- calls for, or NULL.  A hard bounce (type "bounce") suppresses the
-- address, a block (type "blocked": reputation, content, rate) does not —
-- Sendgrid does not list blocks as bounces either.  A drop names the list
-- Sendgrid already holds the address on; a drop for the message itself
-- (invalid SMTPAPI header, spam content, quota) is no fault of the address.
CREATE FUNCTION flowcomm.sendgrid_suppression_reason(ev jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE ev ->> 'event'
		WHEN 'bounce' THEN CASE WHEN coalesce(ev ->> 'type', 'bounce') = 'bounce' THEN 'bounce' END
		WHEN 'dropped' THEN CASE lower(coalesce(ev ->> 'reason', ''))
			WHEN 'bounced address' THEN 'bounce'
			WHEN 'spam reporting address' THEN 'spamreport'
			WHEN 'unsubscribed address' THEN 'unsubscribe'
			WHEN 'invalid' THEN 'dropped'
			WHEN '' THEN 'dropped'
		END
		WHEN 'spamreport' THEN 'spamreport'
		WHEN 'unsubscribe' THEN 'unsubscribe'
	END
$$;
COMMENT ON FUNCTION flowcomm.sendgrid_suppression_reason(jsonb) IS 'Internal: suppression reason for a Sendgrid event: hard bounce → bounce (type blocked: none); dropped for Bounced Address → bounce, Spam Reporting Address → spamreport, Unsubscribed Address → unsubscribe, Invalid → dropped, other drops none; spamreport; unsubscribe (global); else NULL';

-- ------------------------------------------------------------------- admin

CREATE FUNCTION flowcomm.unsubscribe_json(u flowcomm.unsubscribe) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', u.id, 'businessId', u.business_id, 'channel', u.channel, 'contact', u.contact,
							  'type', u.type, 'source', u.source, 'detail', u.detail,
							  'communicationId', u.communication_id, 'createdAt', u.created_at,
							  'active', u.lifted_at IS NULL, 'liftedAt', u.lifted_at, 'liftedBy', u.lifted_by)
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe_json(flowcomm.unsubscribe) IS 'A per-type opt-out as API JSON';

-- unsubscribes: the current business's per-type opt-outs.
CREATE FUNCTION flowcomm.unsubscribes(filters jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	f jsonb := coalesce(filters, '{}');
	v_contact text;
	v_type text;
	v_active boolean;
	v_page int;
	v_size int;
	v_count bigint;
	v_results jsonb;
BEGIN
	PERFORM check_request(f, ARRAY['contact', 'type', 'active', 'page', 'size'], 'filters');
	v_contact := req_text(f, 'contact', 255);
	v_type := req_enum(f, 'type', enum_range(NULL::communication_type)::text[]);
	v_active := req_bool(f, 'active');
	v_page := coalesce(req_int(f, 'page', 1, 1000000), 1);
	v_size := coalesce(req_int(f, 'size', 1, 100), 20);
	WITH m AS (
		SELECT u.* FROM unsubscribe u
		 WHERE u.business_id = b
		   AND (v_contact IS NULL OR lower(u.contact) = lower(v_contact))
		   AND (v_type IS NULL OR u.type = v_type::communication_type)
		   AND (v_active IS NULL OR (u.lifted_at IS NULL) = v_active))
	SELECT (SELECT count(*) FROM m),
		   coalesce((SELECT jsonb_agg(unsubscribe_json(p) ORDER BY p.created_at DESC, p.id DESC)
					   FROM (SELECT * FROM m ORDER BY created_at DESC, id DESC
							 LIMIT v_size OFFSET (v_page - 1) * v_size) p), '[]')
	  INTO v_count, v_results;
	RETURN jsonb_build_object('results', v_results, 'count', v_count, 'page', v_page, 'size', v_size);
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribes(jsonb) IS 'Per-type opt-outs of the current business (admin): filters contact, type, active, page, size; returns results, count, page, size';

-- unsubscribe_lift: an admin re-subscribes an address to a type, with a
-- reason (the recipient asked to get reminders again).
CREATE FUNCTION flowcomm.unsubscribe_lift(id uuid, reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	u unsubscribe;
BEGIN
	IF unsubscribe_lift.id IS NULL THEN
		PERFORM invalid('id', 'is required');
	END IF;
	IF nullif(btrim(unsubscribe_lift.reason), '') IS NULL THEN
		PERFORM invalid('reason', 'is required', 'say why the address may get this type again');
	END IF;
	IF length(unsubscribe_lift.reason) > 400 THEN
		PERFORM invalid('reason', 'is longer than 400 characters');
	END IF;
	UPDATE unsubscribe x
	   SET lifted_at = now(), lifted_by = left(current_actor(), 200),
		   detail = left(concat_ws(' | ', x.detail, 'lifted: ' || btrim(unsubscribe_lift.reason)), 500)
	 WHERE x.business_id = b AND x.id = unsubscribe_lift.id AND x.lifted_at IS NULL
	RETURNING * INTO u;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'active unsubscribe % not found', unsubscribe_lift.id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN unsubscribe_json(u);
END
$$;
COMMENT ON FUNCTION flowcomm.unsubscribe_lift(uuid, text) IS 'Lift a per-type opt-out of the current business (admin), recording who and why; the row stays for audit';

-- ------------------------------------------------------------- PostgREST

-- POST /rpc/unsubscribe {"token": "..."}: the platform's page behind
-- flowcomm.unsubscribe_base_url forwards the RFC 8058 one-click POST here.
CREATE FUNCTION api.unsubscribe(token text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.unsubscribe(token)
$$;
COMMENT ON FUNCTION api.unsubscribe(text) IS 'POST /rpc/unsubscribe {"token"}: one-click unsubscribe from a message type (RFC 8058); callable without a login, the signed token is the authority';
-- GET /rpc/unsubscribes?type=invoice_reminder&active=true
CREATE FUNCTION api.unsubscribes(contact text DEFAULT NULL, type text DEFAULT NULL, active text DEFAULT NULL,
								 page text DEFAULT NULL, size text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.unsubscribes(jsonb_strip_nulls(jsonb_build_object(
		'contact', contact, 'type', type, 'active', active, 'page', page, 'size', size)))
$$;
COMMENT ON FUNCTION api.unsubscribes(text, text, text, text, text) IS 'GET /rpc/unsubscribes: the business''s per-type opt-outs (admin)';
CREATE FUNCTION api.unsubscribe_lift(id uuid, reason text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.unsubscribe_lift(id, reason)
$$;
COMMENT ON FUNCTION api.unsubscribe_lift(uuid, text) IS 'POST /rpc/unsubscribe_lift {"id", "reason"}: re-subscribe an address to a type (admin)';

GRANT EXECUTE ON FUNCTION flowcomm.unsubscribe(text), api.unsubscribe(text) TO flowcomm_viewer, flowcomm_webhook;
GRANT EXECUTE ON FUNCTION flowcomm.unsubscribable(flowcomm.communication_type) TO flowcomm_viewer, flowcomm_webhook;
GRANT EXECUTE ON FUNCTION flowcomm.unsubscribes(jsonb), flowcomm.unsubscribe_lift(uuid, text),
	flowcomm.unsubscribe_json(flowcomm.unsubscribe), api.unsubscribes(text, text, text, text, text),
	api.unsubscribe_lift(uuid, text)
	TO flowcomm_admin;
