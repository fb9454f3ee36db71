-- 60_paylinks.sql — signed, expiring payment links and their signing keys.
--
-- A payment link is flowcomm.payment_base_url + a token.  Since 0.3.0 the
-- token is short (22 characters, one SMS segment for the whole message):
-- a payment_link row's random id and a MAC over its terms (below).  Tokens
-- issued by 0.2.0 keep verifying:
--   <key id>.<base64url payload>.<base64url HMAC-SHA256>
-- whose payload is JSON {"v":1,"b":business,"i":invoice,"a":"12.50",
-- "c":"USD","t":issued,"e":expires} (Unix seconds; amount as exact decimal
-- text at the currency's minor unit).  The newest active signing_key signs;
-- a retired key still verifies for flowcomm.payment_key_grace, a removed one
-- never.  The payload is signed, not encrypted: it holds ids and an amount,
-- no personal data.  docs/paylinks.md.

-- ------------------------------------------------------------------ C helpers

CREATE FUNCTION flowcomm.paylink_sign(key_id text, secret bytea, payload text) RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_sign';
COMMENT ON FUNCTION flowcomm.paylink_sign(text, bytea, text) IS 'Internal: token <key id>.<base64url payload>.<base64url HMAC-SHA256>';

CREATE FUNCTION flowcomm.paylink_open(token text, OUT key_id text, OUT payload text, OUT problem text)
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_open';
COMMENT ON FUNCTION flowcomm.paylink_open(text) IS 'Internal: key id and decoded payload of a token (not authenticated), or problem when malformed';

CREATE FUNCTION flowcomm.paylink_mac_valid(token text, secret bytea) RETURNS boolean
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_mac_valid';
COMMENT ON FUNCTION flowcomm.paylink_mac_valid(text, bytea) IS 'Internal: constant-time check of a token''s HMAC-SHA256 under a secret';

CREATE FUNCTION flowcomm.random_bytes(n int) RETURNS bytea
LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'flowcomm_random_bytes';
COMMENT ON FUNCTION flowcomm.random_bytes(int) IS 'Internal: n bytes (1..1024) from the OS cryptographic random source (pg_strong_random)';

CREATE FUNCTION flowcomm.paylink_short_sign(link_id bytea, secret bytea, terms text) RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_short_sign';
COMMENT ON FUNCTION flowcomm.paylink_short_sign(bytea, bytea, text) IS 'Internal: short token base64url(link id || first 8 bytes of HMAC-SHA256 over a tag, the id and the terms), 22 characters';

CREATE FUNCTION flowcomm.paylink_short_id(token text) RETURNS bytea
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_short_id';
COMMENT ON FUNCTION flowcomm.paylink_short_id(text) IS 'Internal: the 8-byte link id of a short token (not authenticated), NULL when the token does not have the short shape';

CREATE FUNCTION flowcomm.paylink_short_valid(token text, secret bytea, terms text) RETURNS boolean
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_paylink_short_valid';
COMMENT ON FUNCTION flowcomm.paylink_short_valid(text, bytea, text) IS 'Internal: constant-time check of a short token''s MAC for the given terms';

CREATE FUNCTION flowcomm.sms_segments(body text, OUT segments int, OUT encoding text)
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'flowcomm_sms_segments';
COMMENT ON FUNCTION flowcomm.sms_segments(text) IS 'Billed SMS segments of a body and its encoding (GSM-7: 160, 153 per part; UCS-2: 70, 67 per part), as the workers record them';

-- ------------------------------------------------------- short links (0.3.0)

-- A long token (~290 characters with its URL) made a payment-link SMS take
-- three segments.  Since 0.3.0 a link is a row here and its token is 22
-- characters: the random link id and a MAC over the row's terms (src/paylink.c).
-- Verification comes with the token alone, so the row is found by link_id.
CREATE TABLE flowcomm.payment_link (
	link_id      bytea PRIMARY KEY CHECK (length(link_id) = 8),
	business_id  uuid NOT NULL,
	invoice_id   uuid NOT NULL,
	amount       text NOT NULL,
	currency     text NOT NULL,
	key_id       text NOT NULL,
	issued_at    timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL
);
COMMENT ON TABLE flowcomm.payment_link IS 'Payment links issued since 0.3.0: the terms a short token (link id + MAC) stands for. Read only through payment_link_verify; no role has direct access';
COMMENT ON COLUMN flowcomm.payment_link.link_id IS 'Random 8-byte id, the first half of the token; primary key because a token is verified without knowing its business';
COMMENT ON COLUMN flowcomm.payment_link.amount IS 'Exact decimal text at the currency''s minor unit, as signed';
COMMENT ON COLUMN flowcomm.payment_link.key_id IS 'signing_key that signed the token (not a foreign key: a removed key must leave its links unverifiable, not undeletable)';
ALTER TABLE flowcomm.payment_link ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON flowcomm.payment_link
	USING (business_id = (SELECT flowcomm.current_business_id())) WITH CHECK (business_id = (SELECT flowcomm.current_business_id()));

-- paylink_terms: the text a short token's MAC covers.
CREATE FUNCTION flowcomm.paylink_terms(l flowcomm.payment_link) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT format('%s|%s|%s|%s|%s|%s', l.business_id, l.invoice_id, l.amount, l.currency,
				  extract(epoch FROM l.issued_at)::bigint, extract(epoch FROM l.expires_at)::bigint)
$$;
COMMENT ON FUNCTION flowcomm.paylink_terms(flowcomm.payment_link) IS 'Internal: the terms of a payment link as its short token signs them';

-- ------------------------------------------------------------------ currency

-- currency_exponent: minor-unit digits of an active ISO 4217 currency,
-- NULL for anything else (funds codes and metals are not payable).
CREATE FUNCTION flowcomm.currency_exponent(code text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE
		WHEN code = ANY ('{BIF,CLP,DJF,GNF,ISK,JPY,KMF,KRW,PYG,RWF,UGX,VND,VUV,XAF,XOF,XPF}'::text[]) THEN 0
		WHEN code = ANY ('{BHD,IQD,JOD,KWD,LYD,OMR,TND}'::text[]) THEN 3
		WHEN code = ANY ('{AED,AFN,ALL,AMD,ANG,AOA,ARS,AUD,AWG,AZN,BAM,BBD,BDT,BGN,BMD,BND,BOB,BRL,BSD,BTN,
						   BWP,BYN,BZD,CAD,CDF,CHF,CNY,COP,CRC,CUP,CVE,CZK,DKK,DOP,DZD,EGP,ERN,ETB,EUR,FJD,
						   FKP,GBP,GEL,GHS,GIP,GMD,GTQ,GYD,HKD,HNL,HTG,HUF,IDR,ILS,INR,IRR,JMD,KES,KGS,KHR,
						   KPW,KYD,KZT,LAK,LBP,LKR,LRD,LSL,MAD,MDL,MGA,MKD,MMK,MNT,MOP,MRU,MUR,MVR,MWK,MXN,
						   MYR,MZN,NAD,NGN,NIO,NOK,NPR,NZD,PAB,PEN,PGK,PHP,PKR,PLN,QAR,RON,RSD,RUB,SAR,SBD,
						   SCR,SDG,SEK,SGD,SHP,SLE,SOS,SRD,SSP,STN,SVC,SYP,SZL,THB,TJS,TMT,TOP,TRY,TTD,TWD,
						   TZS,UAH,USD,UYU,UZS,VED,VES,WST,XCD,XCG,YER,ZAR,ZMW,ZWG}'::text[]) THEN 2
	END
$$;
COMMENT ON FUNCTION flowcomm.currency_exponent(text) IS 'Minor-unit digits of an active ISO 4217 currency code (0, 2 or 3), NULL when not a payable currency';

-- ---------------------------------------------------------------- issue/verify

-- payment_link_issue: a signed, expiring link to pay an invoice.
CREATE FUNCTION flowcomm.payment_link_issue(invoice_id uuid, amount numeric, currency text,
											expires_in interval DEFAULT '7 days')
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	cur text := upper(btrim(currency));
	digits int := currency_exponent(upper(btrim(currency)));
	k signing_key;
	expires timestamptz;
	amount_text text;
	l payment_link;
	token text;
BEGIN
	IF invoice_id IS NULL THEN
		PERFORM invalid('invoiceId', 'is required');
	END IF;
	IF currency IS NULL THEN
		PERFORM invalid('currency', 'is required');
	END IF;
	IF digits IS NULL THEN
		PERFORM invalid('currency', format('"%s" is not an ISO 4217 currency code', left(currency, 16)),
						'use an active three-letter code such as USD, EUR or MXN');
	END IF;
	IF amount IS NULL OR amount <= 0 OR amount >= 1e12 THEN
		PERFORM invalid('amount', 'must be greater than 0 and less than 1000000000000');
	END IF;
	IF amount <> round(amount, digits) THEN
		PERFORM invalid('amount', format('has more than %s decimal places for %s', digits, cur));
	END IF;
	-- Compared as points in time: an interval compares months as 30 days, so
	-- '12 months 6 days' would pass a 366-day cap it exceeds.
	IF expires_in IS NULL OR now() + expires_in < now() + interval '1 minute'
	   OR now() + expires_in > now() + interval '366 days' THEN
		PERFORM invalid('expiresIn', 'must be between 1 minute and 366 days');
	END IF;
	k := signing_key_current();
	IF k.key_id IS NULL THEN
		RAISE EXCEPTION 'no active payment link signing key'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'A platform admin must call flowcomm.signing_key_add(key_id).';
	END IF;
	expires := date_trunc('second', now() + expires_in);
	amount_text := to_char(round(amount, digits), 'FM999999999999' || CASE WHEN digits > 0 THEN '.' || repeat('0', digits) ELSE '' END);
	INSERT INTO payment_link (link_id, business_id, invoice_id, amount, currency, key_id, issued_at, expires_at)
	VALUES (random_bytes(8), b, invoice_id, amount_text, cur, k.key_id, date_trunc('second', now()), expires)
	RETURNING * INTO l;
	token := paylink_short_sign(l.link_id, k.secret, paylink_terms(l));
	RETURN jsonb_build_object(
		'token', token,
		'url', coalesce(nullif(current_setting('flowcomm.payment_base_url', true), ''), 'https://pay.flowpos.example/p/') || token,
		'expiresAt', expires, 'keyId', k.key_id, 'businessId', b, 'invoiceId', invoice_id,
		'amount', amount_text, 'currency', cur);
END
$$;
COMMENT ON FUNCTION flowcomm.payment_link_issue(uuid, numeric, text, interval) IS 'Signed payment link for an invoice of the current business: amount (exact at the currency''s minor unit), ISO 4217 currency, expiry (1 minute to 366 days, default 7 days); returns token, url, expiresAt, keyId';

-- payment_link_check_short: verify a short (0.3.0) token at a given time,
-- with the same reasons as a long one.
CREATE FUNCTION flowcomm.payment_link_check_short(token text, expected_amount numeric, at timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	id bytea := paylink_short_id(token);
	l payment_link;
	k signing_key;
	grace interval := coalesce(nullif(current_setting('flowcomm.payment_key_grace', true), ''), '30d')::interval;
BEGIN
	IF id IS NULL THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'malformed', 'detail', 'not a payment link token');
	END IF;
	SELECT * INTO l FROM payment_link p WHERE p.link_id = id;
	IF NOT FOUND THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'tampered', 'detail', 'no such link');
	END IF;
	SELECT * INTO k FROM signing_key s WHERE s.key_id = l.key_id AND s.purpose = 'payment_link';
	IF NOT FOUND THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'unknown_key', 'keyId', l.key_id);
	END IF;
	IF NOT paylink_short_valid(token, k.secret, paylink_terms(l)) THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'tampered', 'detail', 'signature does not match');
	END IF;
	IF (NOT k.active OR k.retired_at IS NOT NULL) AND coalesce(k.retired_at, k.created_at) + grace < at THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'key_retired', 'keyId', k.key_id);
	END IF;
	IF l.expires_at <= at THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'expired', 'expiresAt', l.expires_at);
	END IF;
	IF expected_amount IS NOT NULL AND expected_amount <> l.amount::numeric THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'amount_mismatch', 'amount', l.amount, 'currency', l.currency);
	END IF;
	RETURN jsonb_build_object('valid', true, 'businessId', l.business_id, 'invoiceId', l.invoice_id,
							  'amount', l.amount, 'currency', l.currency, 'issuedAt', l.issued_at,
							  'expiresAt', l.expires_at, 'keyId', k.key_id);
END
$$;
COMMENT ON FUNCTION flowcomm.payment_link_check_short(text, numeric, timestamptz) IS 'Internal: verify a short (0.3.0) payment link token as of a given time';

-- signing_key_current: the newest active key, which signs every new token
-- (payment links and unsubscribe links share the keys and their rotation).
CREATE FUNCTION flowcomm.signing_key_current() RETURNS flowcomm.signing_key
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT s.* FROM signing_key s
	 WHERE s.purpose = 'payment_link' AND s.active AND s.retired_at IS NULL
	 ORDER BY s.created_at DESC, s.key_id DESC LIMIT 1
$$;
COMMENT ON FUNCTION flowcomm.signing_key_current() IS 'Internal: the newest active signing key (all NULL when none is active)';

-- signed_token_open: the envelope check every long token shares, as of a
-- given time: well formed, a known key, an authentic MAC, a key not retired
-- past its grace, a JSON object payload.  Returns valid false with the
-- reason (malformed, unknown_key, tampered, key_retired), or valid true with
-- the payload and keyId for the caller's own checks of its kind of token.
CREATE FUNCTION flowcomm.signed_token_open(token text, at timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	t record;
	k signing_key;
	p jsonb;
	grace interval := coalesce(nullif(current_setting('flowcomm.payment_key_grace', true), ''), '30d')::interval;
BEGIN
	IF nullif(token, '') IS NULL THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'malformed', 'detail', 'token is missing');
	END IF;
	IF length(token) > 4096 THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'malformed', 'detail', 'token is too long');
	END IF;
	t := paylink_open(token);
	IF t.problem IS NOT NULL THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'malformed', 'detail', t.problem);
	END IF;
	SELECT * INTO k FROM signing_key s WHERE s.key_id = t.key_id AND s.purpose = 'payment_link';
	IF NOT FOUND THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'unknown_key', 'keyId', t.key_id);
	END IF;
	IF NOT paylink_mac_valid(token, k.secret) THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'tampered', 'detail', 'signature does not match');
	END IF;
	IF (NOT k.active OR k.retired_at IS NOT NULL) AND coalesce(k.retired_at, k.created_at) + grace < at THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'key_retired', 'keyId', k.key_id);
	END IF;
	BEGIN
		p := t.payload::jsonb;
	EXCEPTION WHEN invalid_text_representation THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'malformed', 'detail', 'payload is not JSON');
	END;
	IF jsonb_typeof(p) <> 'object' THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'malformed', 'detail', 'unsupported payload');
	END IF;
	RETURN jsonb_build_object('valid', true, 'payload', p, 'keyId', k.key_id);
END
$$;
COMMENT ON FUNCTION flowcomm.signed_token_open(text, timestamptz) IS 'Internal: the shared envelope check of a long signed token (form, key, MAC, key retirement, JSON object payload) as of a given time; valid true with payload and keyId, or valid false with the reason';

-- payment_link_check: verify a token at a given time.  Internal (tests use
-- it with a fixed clock); payment_link_verify is the public face.
CREATE FUNCTION flowcomm.payment_link_check(token text, expected_amount numeric, at timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	o jsonb;
	p jsonb;
	expires timestamptz;
BEGIN
	IF nullif(token, '') IS NOT NULL AND strpos(token, '.') = 0 THEN
		RETURN payment_link_check_short(token, expected_amount, at);
	END IF;
	o := signed_token_open(token, at);
	IF NOT (o ->> 'valid')::boolean THEN
		RETURN o;
	END IF;
	p := o -> 'payload';
	IF p ->> 'v' IS DISTINCT FROM '1' OR jsonb_typeof(p -> 'e') <> 'number' THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'malformed', 'detail', 'unsupported payload');
	END IF;
	expires := to_timestamp((p ->> 'e')::double precision);
	IF expires <= at THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'expired', 'expiresAt', expires);
	END IF;
	IF expected_amount IS NOT NULL AND expected_amount <> (p ->> 'a')::numeric THEN
		RETURN jsonb_build_object('valid', false, 'reason', 'amount_mismatch', 'amount', p ->> 'a',
								  'currency', p ->> 'c');
	END IF;
	RETURN jsonb_build_object('valid', true, 'businessId', p ->> 'b', 'invoiceId', p ->> 'i',
							  'amount', p ->> 'a', 'currency', p ->> 'c',
							  'issuedAt', to_timestamp((p ->> 't')::double precision),
							  'expiresAt', expires, 'keyId', o -> 'keyId');
END
$$;
COMMENT ON FUNCTION flowcomm.payment_link_check(text, numeric, timestamptz) IS 'Internal: verify a payment link token as of a given time';

-- payment_link_verify: is this link genuine, current and for this amount?
CREATE FUNCTION flowcomm.payment_link_verify(token text, expected_amount numeric DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT flowcomm.payment_link_check(token, expected_amount, now())
$$;
COMMENT ON FUNCTION flowcomm.payment_link_verify(text, numeric) IS 'Verify a payment link token: valid with businessId, invoiceId, amount, currency, expiresAt; or valid false with reason malformed, unknown_key, tampered, key_retired, expired or amount_mismatch';

-- --------------------------------------------------------------- signing keys

CREATE FUNCTION flowcomm.signing_key_json(k flowcomm.signing_key) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('keyId', k.key_id, 'purpose', k.purpose, 'active', k.active,
							  'createdAt', k.created_at, 'retiredAt', k.retired_at)
$$;
COMMENT ON FUNCTION flowcomm.signing_key_json(flowcomm.signing_key) IS 'A signing key as API JSON, never its secret';

-- signing_key_add: a new payment-link key; it signs from now on.
CREATE FUNCTION flowcomm.signing_key_add(key_id text, secret bytea DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	k signing_key;
BEGIN
	IF signing_key_add.key_id IS NULL OR signing_key_add.key_id !~ '^[A-Za-z0-9_-]{1,32}$' THEN
		PERFORM invalid('keyId', 'must be 1 to 32 letters, digits, ''_'' or ''-''');
	END IF;
	IF signing_key_add.secret IS NOT NULL AND length(signing_key_add.secret) < 32 THEN
		PERFORM invalid('secret', 'must be at least 32 bytes', 'omit it to get 32 random bytes');
	END IF;
	INSERT INTO signing_key (key_id, secret)
	VALUES (signing_key_add.key_id, coalesce(signing_key_add.secret, random_bytes(32)))
	ON CONFLICT DO NOTHING
	RETURNING * INTO k;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'signing key % already exists', signing_key_add.key_id USING ERRCODE = 'PT409';
	END IF;
	RETURN signing_key_json(k);
END
$$;
COMMENT ON FUNCTION flowcomm.signing_key_add(text, bytea) IS 'Add a payment-link signing key (platform admin; secret defaults to 32 random bytes and is never returned); the newest active key signs';

-- signing_key_retire: stop signing with a key; its links verify for the grace period.
CREATE FUNCTION flowcomm.signing_key_retire(key_id text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	k signing_key;
BEGIN
	UPDATE signing_key s SET active = false, retired_at = coalesce(s.retired_at, now())
	 WHERE s.key_id = signing_key_retire.key_id
	RETURNING * INTO k;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'signing key % not found', signing_key_retire.key_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN signing_key_json(k);
END
$$;
COMMENT ON FUNCTION flowcomm.signing_key_retire(text) IS 'Retire a signing key (platform admin): it no longer signs; its links verify until flowcomm.payment_key_grace after retirement';

-- signing_key_remove: delete a retired key; its links stop verifying at once.
CREATE FUNCTION flowcomm.signing_key_remove(key_id text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	k signing_key;
BEGIN
	SELECT * INTO k FROM signing_key s WHERE s.key_id = signing_key_remove.key_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'signing key % not found', signing_key_remove.key_id USING ERRCODE = 'no_data_found';
	END IF;
	IF k.active THEN
		RAISE EXCEPTION 'signing key % is still active', k.key_id
			USING ERRCODE = 'PT409', HINT = 'Retire it first with flowcomm.signing_key_retire.';
	END IF;
	DELETE FROM signing_key s WHERE s.key_id = k.key_id;
	RETURN signing_key_json(k) || jsonb_build_object('removed', true);
END
$$;
COMMENT ON FUNCTION flowcomm.signing_key_remove(text) IS 'Delete a retired signing key (platform admin): links it signed no longer verify';

-- signing_keys: list keys without secrets.
CREATE FUNCTION flowcomm.signing_keys() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT coalesce(jsonb_agg(flowcomm.signing_key_json(k) ORDER BY k.created_at DESC, k.key_id DESC), '[]')
	  FROM flowcomm.signing_key k
$$;
COMMENT ON FUNCTION flowcomm.signing_keys() IS 'Payment-link signing keys, newest first, without secrets (platform admin)';

-- PostgREST: thin SECURITY INVOKER wrappers (the caller needs EXECUTE on
-- the flowcomm function behind), camelCase parameters as in docs/api.md.
-- POST /rpc/payment_link_issue {"invoiceId": "...", "amount": 12.5, "currency": "USD"}
CREATE FUNCTION api.payment_link_issue("invoiceId" uuid, amount numeric, currency text,
									   "expiresIn" interval DEFAULT '7 days')
RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.payment_link_issue("invoiceId", amount, currency, "expiresIn")
$$;
COMMENT ON FUNCTION api.payment_link_issue(uuid, numeric, text, interval) IS 'POST /rpc/payment_link_issue: signed, expiring payment link for an invoice';
-- GET /rpc/payment_link_verify?token=...&expectedAmount=12.50
CREATE FUNCTION api.payment_link_verify(token text, "expectedAmount" numeric DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT flowcomm.payment_link_verify(token, "expectedAmount")
$$;
COMMENT ON FUNCTION api.payment_link_verify(text, numeric) IS 'GET /rpc/payment_link_verify?token=: is the link genuine, current and for this amount';

GRANT EXECUTE ON FUNCTION flowcomm.payment_link_issue(uuid, numeric, text, interval) TO flowcomm_sender;
GRANT EXECUTE ON FUNCTION flowcomm.payment_link_verify(text, numeric) TO flowcomm_viewer, flowcomm_webhook;
GRANT EXECUTE ON FUNCTION flowcomm.currency_exponent(text) TO flowcomm_viewer, flowcomm_webhook;
GRANT EXECUTE ON FUNCTION api.payment_link_issue(uuid, numeric, text, interval) TO flowcomm_sender;
GRANT EXECUTE ON FUNCTION api.payment_link_verify(text, numeric) TO flowcomm_viewer, flowcomm_webhook;
REVOKE EXECUTE ON FUNCTION api.payment_link_issue(uuid, numeric, text, interval), api.payment_link_verify(text, numeric)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.signing_key_add(text, bytea), flowcomm.signing_key_retire(text),
	flowcomm.signing_key_remove(text), flowcomm.signing_keys()
	TO flowcomm_platform_admin;
