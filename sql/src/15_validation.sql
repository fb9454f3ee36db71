-- 15_validation.sql — input validation shared by every public function.
--
-- Bad input gets SQLSTATE 22023 (invalid_parameter_value; PostgREST: 400)
-- with a message naming the field, before anything is written.

CREATE FUNCTION flowcomm.is_e164(phone text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT phone ~ '^\+[1-9][0-9]{6,14}$'
$$;
COMMENT ON FUNCTION flowcomm.is_e164(text) IS 'True for an E.164 phone number: +, country code, 7 to 15 digits in all';

CREATE FUNCTION flowcomm.is_email(address text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT length(address) <= 254
	   AND address ~ '^[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$'
	   AND length(split_part(address, '@', 1)) <= 64
$$;
COMMENT ON FUNCTION flowcomm.is_email(text) IS 'True for a deliverable-looking address: dot-atom local part (max 64), dotted domain with alphabetic TLD';

CREATE FUNCTION flowcomm.is_messenger_id(psid text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT psid ~ '^[0-9]{5,32}$'
$$;
COMMENT ON FUNCTION flowcomm.is_messenger_id(text) IS 'True for a Facebook page-scoped id (PSID): 5 to 32 digits';

-- invalid: raise the standard bad-input error for a field.
CREATE FUNCTION flowcomm.invalid(field text, problem text, hint text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF hint IS NULL THEN
		RAISE EXCEPTION 'invalid %: %', field, problem
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
	END IF;
	RAISE EXCEPTION 'invalid %: %', field, problem
		USING ERRCODE = 'invalid_parameter_value', COLUMN = field, HINT = hint;
END
$$;
COMMENT ON FUNCTION flowcomm.invalid(text, text, text) IS 'Raise SQLSTATE 22023 "invalid <field>: <problem>"';

CREATE FUNCTION flowcomm.check_contact(channel flowcomm.channel, contact text, field text DEFAULT 'recipientContact')
RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF contact IS NULL OR contact = '' THEN
		PERFORM flowcomm.invalid(field, 'is required');
	END IF;
	CASE channel
		WHEN 'email' THEN
			IF NOT flowcomm.is_email(contact) THEN
				PERFORM flowcomm.invalid(field, format('"%s" is not a valid email address', left(contact, 80)));
			END IF;
			RETURN lower(contact);
		WHEN 'sms', 'whatsapp' THEN
			IF NOT flowcomm.is_e164(contact) THEN
				PERFORM flowcomm.invalid(field, format('"%s" is not an E.164 phone number', left(contact, 80)),
										 'write it as +<country code><number>, e.g. +14155550100');
			END IF;
		WHEN 'messenger' THEN
			IF NOT flowcomm.is_messenger_id(contact) THEN
				PERFORM flowcomm.invalid(field, format('"%s" is not a Messenger page-scoped id', left(contact, 80)));
			END IF;
	END CASE;
	RETURN contact;
END
$$;
COMMENT ON FUNCTION flowcomm.check_contact(flowcomm.channel, text, text) IS 'Validate (and normalise) a contact for a channel; 22023 naming the field when invalid';

-- Typed getters for JSON request bodies: absent or null → NULL; wrong JSON
-- type, oversize or bad format → 22023 naming the field.
CREATE FUNCTION flowcomm.req_text(req jsonb, field text, max_len int DEFAULT 255) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v jsonb := req -> field;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) <> 'string' THEN
		PERFORM flowcomm.invalid(field, format('must be a string, not %s', jsonb_typeof(v)));
	END IF;
	IF length(v #>> '{}') > max_len THEN
		PERFORM flowcomm.invalid(field, format('is longer than %s characters', max_len));
	END IF;
	RETURN v #>> '{}';
END
$$;

CREATE FUNCTION flowcomm.req_uuid(req jsonb, field text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	t text := flowcomm.req_text(req, field, 64);
BEGIN
	IF t IS NULL THEN
		RETURN NULL;
	END IF;
	IF t !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$' THEN
		PERFORM flowcomm.invalid(field, format('"%s" is not a uuid', left(t, 64)));
	END IF;
	RETURN t::uuid;
END
$$;

CREATE FUNCTION flowcomm.req_int(req jsonb, field text, min_v int, max_v int) RETURNS int
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v jsonb := req -> field;
	n numeric;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) = 'string' AND (v #>> '{}') ~ '^-?[0-9]{1,10}$' THEN
		n := (v #>> '{}')::numeric;		-- query-string style numbers, as PostgREST passes them
	ELSIF jsonb_typeof(v) = 'number' THEN
		n := v::numeric;
	ELSE
		PERFORM flowcomm.invalid(field, 'must be an integer');
	END IF;
	IF n <> trunc(n) OR n < min_v OR n > max_v THEN
		PERFORM flowcomm.invalid(field, format('must be an integer between %s and %s', min_v, max_v));
	END IF;
	RETURN n::int;
END
$$;

CREATE FUNCTION flowcomm.req_bool(req jsonb, field text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v jsonb := req -> field;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) = 'boolean' THEN
		RETURN v::boolean;
	END IF;
	IF jsonb_typeof(v) = 'string' AND (v #>> '{}') IN ('true', 'false') THEN
		RETURN (v #>> '{}')::boolean;
	END IF;
	PERFORM flowcomm.invalid(field, 'must be true or false');
END
$$;

CREATE FUNCTION flowcomm.req_timestamptz(req jsonb, field text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t text := flowcomm.req_text(req, field, 64);
BEGIN
	IF t IS NULL THEN
		RETURN NULL;
	END IF;
	IF t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$' THEN
		PERFORM flowcomm.invalid(field, format('"%s" is not an ISO 8601 date or timestamp', left(t, 64)));
	END IF;
	BEGIN
		RETURN t::timestamptz;
	EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
		PERFORM flowcomm.invalid(field, format('"%s" is not a valid date', left(t, 64)));
	END;
END
$$;

-- req_date_range: startDate/endDate of a filter object as a half-open range
-- [from, to); a bare date as endDate means that whole day.
CREATE FUNCTION flowcomm.req_date_range(f jsonb, OUT v_from timestamptz, OUT v_to timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	v_from := flowcomm.req_timestamptz(f, 'startDate');
	v_to := flowcomm.req_timestamptz(f, 'endDate');
	IF (f ->> 'endDate') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		v_to := v_to + interval '1 day';
	END IF;
	IF v_from > v_to THEN
		PERFORM flowcomm.invalid('startDate', 'is after endDate');
	END IF;
END
$$;
COMMENT ON FUNCTION flowcomm.req_date_range(jsonb) IS 'startDate/endDate of a filter as [from, to); a bare endDate date includes that day; 22023 when reversed';

-- req_enum: text value that must be one of the labels of an enum type.
CREATE FUNCTION flowcomm.req_enum(req jsonb, field text, labels text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	t text := flowcomm.req_text(req, field, 64);
BEGIN
	IF t IS NOT NULL AND NOT t = ANY (labels) THEN
		PERFORM flowcomm.invalid(field, format('"%s" is not one of %s', left(t, 64), array_to_string(labels, ', ')));
	END IF;
	RETURN t;
END
$$;

CREATE FUNCTION flowcomm.req_object(req jsonb, field text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v jsonb := req -> field;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) <> 'object' THEN
		PERFORM flowcomm.invalid(field, format('must be a JSON object, not %s', jsonb_typeof(v)));
	END IF;
	IF length(v::text) > 262144 THEN
		PERFORM flowcomm.invalid(field, 'is larger than 256 kB');
	END IF;
	RETURN v;
END
$$;

-- check_request: the body must be a JSON object with only known fields.
CREATE FUNCTION flowcomm.check_request(req jsonb, allowed text[], what text DEFAULT 'request') RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	unknown text;
BEGIN
	IF req IS NULL OR jsonb_typeof(req) <> 'object' THEN
		PERFORM flowcomm.invalid(what, format('must be a JSON object, not %s', coalesce(jsonb_typeof(req), 'null')));
	END IF;
	SELECT k INTO unknown FROM jsonb_object_keys(req) k WHERE NOT k = ANY (allowed) ORDER BY k LIMIT 1;
	IF unknown IS NOT NULL THEN
		PERFORM flowcomm.invalid(CASE WHEN what = 'request' THEN '' ELSE what || '.' END || left(unknown, 64), 'unknown field',
								 'known fields: ' || array_to_string(allowed, ', '));
	END IF;
	RETURN req;
END
$$;

DO $$
DECLARE
	f text;
BEGIN
	FOR f IN SELECT p.oid::regprocedure::text FROM pg_proc p
			  WHERE p.pronamespace = 'flowcomm'::regnamespace
				AND p.proname IN ('is_e164', 'is_email', 'is_messenger_id', 'invalid', 'check_contact', 'req_text',
								  'req_uuid', 'req_int', 'req_bool', 'req_timestamptz', 'req_enum', 'req_object', 'req_date_range',
								  'check_request')
	LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO flowcomm_viewer, flowcomm_webhook', f);
	END LOOP;
END
$$;
COMMENT ON FUNCTION flowcomm.req_text(jsonb, text, int) IS 'JSON request field as text; 22023 naming the field if not a string or too long';
COMMENT ON FUNCTION flowcomm.req_uuid(jsonb, text) IS 'JSON request field as uuid; 22023 naming the field if malformed';
COMMENT ON FUNCTION flowcomm.req_int(jsonb, text, int, int) IS 'JSON request field as a bounded integer; 22023 naming the field';
COMMENT ON FUNCTION flowcomm.req_bool(jsonb, text) IS 'JSON request field as boolean; 22023 naming the field';
COMMENT ON FUNCTION flowcomm.req_timestamptz(jsonb, text) IS 'JSON request field as an ISO 8601 timestamp; 22023 naming the field';
COMMENT ON FUNCTION flowcomm.req_enum(jsonb, text, text[]) IS 'JSON request field that must be one of the given labels; 22023 naming the field';
COMMENT ON FUNCTION flowcomm.req_object(jsonb, text) IS 'JSON request field that must be an object (max 256 kB); 22023 naming the field';
COMMENT ON FUNCTION flowcomm.check_request(jsonb, text[], text) IS 'Request body must be an object with only the listed fields; 22023 naming an unknown one';
