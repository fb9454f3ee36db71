-- 72_provider_accounts.sql — a business manages its own provider accounts
-- (0.3.0): create, rotate secrets, disable, list.  Secrets are write-only:
-- they go in through provider_account_set and never come back out of any
-- function, view or column a tenant can read (tenant admins may SELECT only
-- the non-secret columns of provider_account, 10_security.sql).

-- provider_account_json: an account as the API shows it, secrets replaced by
-- whether they are set.
CREATE FUNCTION flowcomm.provider_account_json(a flowcomm.provider_account) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object(
		'provider', a.provider, 'enabled', a.enabled,
		'fromEmail', a.from_email, 'fromName', a.from_name,
		'twilioAccountSid', a.twilio_account_sid, 'smsFrom', a.sms_from, 'whatsappFrom', a.whatsapp_from,
		'messengerPageId', a.messenger_page_id, 'messagingServiceSid', a.messaging_service_sid,
		'rateLimits', a.rate_limits,
		'hasSendgridApiKey', CASE WHEN a.provider = 'sendgrid' THEN a.sendgrid_api_key IS NOT NULL END,
		'hasTwilioAuthToken', CASE WHEN a.provider = 'twilio' THEN a.twilio_auth_token IS NOT NULL END,
		'createdAt', a.created_at, 'updatedAt', a.updated_at))
$$;
COMMENT ON FUNCTION flowcomm.provider_account_json(flowcomm.provider_account) IS 'Internal: a provider account without its secrets (hasSendgridApiKey / hasTwilioAuthToken say whether they are set)';

-- provider_account_info: the current business's accounts, secrets withheld.
CREATE FUNCTION flowcomm.provider_account_info() RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
	SELECT coalesce(jsonb_agg(provider_account_json(a) ORDER BY a.provider), '[]')
	  FROM provider_account a WHERE a.business_id = require_business()
$$;
COMMENT ON FUNCTION flowcomm.provider_account_info() IS 'Provider accounts of the current business without their secrets (GET /rpc/provider_accounts)';

-- check_rate_limits: {"sms": {"rate": 5, "burst": 50}, ...}, channels only.
CREATE FUNCTION flowcomm.check_rate_limits(v jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	k text;
	o jsonb;
BEGIN
	IF jsonb_typeof(v) <> 'object' THEN
		PERFORM invalid('rateLimits', 'must be an object such as {"sms": {"rate": 5, "burst": 50}}');
	END IF;
	FOR k, o IN SELECT * FROM jsonb_each(v) LOOP
		IF NOT k = ANY (enum_range(NULL::channel)::text[]) THEN
			PERFORM invalid('rateLimits', format('"%s" is not a channel', left(k, 32)));
		END IF;
		IF jsonb_typeof(o) <> 'object' OR (o - 'rate' - 'burst') <> '{}'
		   OR jsonb_typeof(o -> 'rate') IS DISTINCT FROM 'number' OR jsonb_typeof(o -> 'burst') IS DISTINCT FROM 'number'
		   OR (o ->> 'rate')::numeric <= 0 OR (o ->> 'rate')::numeric > 1000
		   OR (o ->> 'burst')::numeric < 1 OR (o ->> 'burst')::numeric > 10000 THEN
			PERFORM invalid('rateLimits', format('%s needs {"rate": 0 < n <= 1000 per second, "burst": 1..10000}', k));
		END IF;
	END LOOP;
	RETURN v;
END
$$;
COMMENT ON FUNCTION flowcomm.check_rate_limits(jsonb) IS 'Internal: validate a provider account''s per-channel rate limits; 22023 naming rateLimits';

-- provider_account_set: create or update the current business's account for
-- one provider.  Fields not given keep their value; a secret given replaces
-- the stored one (rotation); required fields are checked on the result.
CREATE FUNCTION flowcomm.provider_account_set(account jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	req jsonb := coalesce(account, '{}');
	prov text;
	a provider_account;
	v text;
BEGIN
	PERFORM check_request(req, ARRAY['provider', 'sendgridApiKey', 'fromEmail', 'fromName', 'twilioAccountSid',
		'twilioAuthToken', 'smsFrom', 'whatsappFrom', 'messengerPageId', 'messagingServiceSid', 'rateLimits', 'enabled'],
		'account');
	prov := req_enum(req, 'provider', enum_range(NULL::provider)::text[]);
	IF prov IS NULL THEN
		PERFORM invalid('provider', 'is required', 'sendgrid or twilio');
	END IF;
	SELECT * INTO a FROM provider_account p WHERE p.business_id = b AND p.provider = prov::provider FOR UPDATE;
	IF NOT FOUND THEN
		a.business_id := b;
		a.provider := prov::provider;
		a.rate_limits := '{}';
		a.enabled := true;
		a.created_at := now();
	END IF;
	IF prov = 'sendgrid' THEN
		IF req ?| ARRAY['twilioAccountSid', 'twilioAuthToken', 'smsFrom', 'whatsappFrom', 'messengerPageId', 'messagingServiceSid'] THEN
			PERFORM invalid('provider', 'a sendgrid account takes sendgridApiKey, fromEmail, fromName, rateLimits, enabled');
		END IF;
		v := req_text(req, 'sendgridApiKey', 200);
		IF v IS NOT NULL AND v !~ '^SG\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' THEN
			PERFORM invalid('sendgridApiKey', 'is not a Sendgrid API key (SG.<id>.<secret>)');
		END IF;
		a.sendgrid_api_key := coalesce(v, a.sendgrid_api_key);
		v := req_text(req, 'fromEmail', 255);
		IF v IS NOT NULL AND NOT is_email(v) THEN
			PERFORM invalid('fromEmail', format('"%s" is not a valid email address', left(v, 80)));
		END IF;
		a.from_email := coalesce(lower(v), a.from_email);
		v := req_text(req, 'fromName', 100);
		IF v ~ '[\r\n]' THEN
			PERFORM invalid('fromName', 'may not contain line breaks');
		END IF;
		a.from_name := coalesce(v, a.from_name);
		IF a.sendgrid_api_key IS NULL THEN
			PERFORM invalid('sendgridApiKey', 'is required for a new sendgrid account');
		ELSIF a.from_email IS NULL THEN
			PERFORM invalid('fromEmail', 'is required for a sendgrid account');
		END IF;
	ELSE
		IF req ?| ARRAY['sendgridApiKey', 'fromEmail', 'fromName'] THEN
			PERFORM invalid('provider', 'a twilio account takes twilioAccountSid, twilioAuthToken, smsFrom, whatsappFrom, messengerPageId, messagingServiceSid, rateLimits, enabled');
		END IF;
		v := req_text(req, 'twilioAccountSid', 64);
		IF v IS NOT NULL AND v !~ '^AC[0-9a-fA-F]{32}$' THEN
			PERFORM invalid('twilioAccountSid', 'is not a Twilio Account SID (AC + 32 hex digits)');
		END IF;
		a.twilio_account_sid := coalesce(v, a.twilio_account_sid);
		v := req_text(req, 'twilioAuthToken', 64);
		IF v IS NOT NULL AND v !~ '^[0-9a-fA-F]{32}$' THEN
			PERFORM invalid('twilioAuthToken', 'is not a Twilio auth token (32 hex digits)');
		END IF;
		a.twilio_auth_token := coalesce(v, a.twilio_auth_token);
		v := req_text(req, 'smsFrom', 32);
		a.sms_from := coalesce(CASE WHEN v IS NOT NULL THEN check_contact('sms', v, 'smsFrom') END, a.sms_from);
		v := req_text(req, 'whatsappFrom', 32);
		a.whatsapp_from := coalesce(CASE WHEN v IS NOT NULL THEN check_contact('whatsapp', v, 'whatsappFrom') END, a.whatsapp_from);
		v := req_text(req, 'messengerPageId', 32);
		IF v IS NOT NULL AND v !~ '^[0-9]{1,32}$' THEN
			PERFORM invalid('messengerPageId', 'is not a Facebook page id (digits)');
		END IF;
		a.messenger_page_id := coalesce(v, a.messenger_page_id);
		v := req_text(req, 'messagingServiceSid', 64);
		IF v IS NOT NULL AND v !~ '^MG[0-9a-fA-F]{32}$' THEN
			PERFORM invalid('messagingServiceSid', 'is not a Twilio Messaging Service SID (MG + 32 hex digits)');
		END IF;
		a.messaging_service_sid := coalesce(v, a.messaging_service_sid);
		IF a.twilio_account_sid IS NULL THEN
			PERFORM invalid('twilioAccountSid', 'is required for a new twilio account');
		ELSIF a.twilio_auth_token IS NULL THEN
			PERFORM invalid('twilioAuthToken', 'is required for a new twilio account');
		ELSIF coalesce(a.sms_from, a.whatsapp_from, a.messenger_page_id, a.messaging_service_sid) IS NULL THEN
			PERFORM invalid('smsFrom', 'a twilio account needs a sender: smsFrom, whatsappFrom, messengerPageId or messagingServiceSid');
		END IF;
	END IF;
	IF req ? 'rateLimits' THEN
		a.rate_limits := check_rate_limits(req -> 'rateLimits');
	END IF;
	IF req ? 'enabled' THEN
		IF jsonb_typeof(req -> 'enabled') <> 'boolean' THEN
			PERFORM invalid('enabled', 'must be true or false');
		END IF;
		a.enabled := (req ->> 'enabled')::boolean;
	END IF;
	a.updated_at := now();
	INSERT INTO provider_account VALUES (a.*)
	ON CONFLICT (business_id, provider) DO UPDATE SET
		sendgrid_api_key = EXCLUDED.sendgrid_api_key, from_email = EXCLUDED.from_email, from_name = EXCLUDED.from_name,
		twilio_account_sid = EXCLUDED.twilio_account_sid, twilio_auth_token = EXCLUDED.twilio_auth_token,
		sms_from = EXCLUDED.sms_from, whatsapp_from = EXCLUDED.whatsapp_from,
		messenger_page_id = EXCLUDED.messenger_page_id, messaging_service_sid = EXCLUDED.messaging_service_sid,
		rate_limits = EXCLUDED.rate_limits, enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at;
	RETURN provider_account_json(a);
END
$$;
COMMENT ON FUNCTION flowcomm.provider_account_set(jsonb) IS 'Create or update the current business''s account for a provider (sendgrid: sendgridApiKey, fromEmail, fromName; twilio: twilioAccountSid, twilioAuthToken, smsFrom, whatsappFrom, messengerPageId, messagingServiceSid; both: rateLimits, enabled). Secrets are write-only: a given one replaces (rotates) the stored one, none is ever returned';

-- provider_account_disable: stop using the business's own account (the
-- platform's default account serves the business again).
CREATE FUNCTION flowcomm.provider_account_disable(provider text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, flowcomm, pg_temp AS $$
DECLARE
	b uuid := require_business();
	a provider_account;
BEGIN
	IF provider IS NULL OR NOT provider = ANY (enum_range(NULL::flowcomm.provider)::text[]) THEN
		PERFORM invalid('provider', format('"%s" is not a provider', left(coalesce(provider, ''), 32)), 'sendgrid or twilio');
	END IF;
	UPDATE provider_account p SET enabled = false, updated_at = now()
	 WHERE p.business_id = b AND p.provider = provider_account_disable.provider::flowcomm.provider
	RETURNING * INTO a;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no % account for this business', provider USING ERRCODE = 'no_data_found';
	END IF;
	RETURN provider_account_json(a);
END
$$;
COMMENT ON FUNCTION flowcomm.provider_account_disable(text) IS 'Disable the current business''s own account for a provider (its messages go through the platform''s default account)';

GRANT EXECUTE ON FUNCTION flowcomm.provider_account_info(), flowcomm.provider_account_set(jsonb),
	flowcomm.provider_account_disable(text) TO flowcomm_admin;

-- REST (PostgREST conventions).
-- GET /rpc/provider_accounts
CREATE FUNCTION api.provider_accounts() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.provider_account_info() $$;
COMMENT ON FUNCTION api.provider_accounts() IS 'GET /rpc/provider_accounts: the business''s provider accounts, secrets withheld';
-- POST /rpc/provider_account_set {"provider": "twilio", "twilioAuthToken": "…"}
CREATE FUNCTION api.provider_account_set(jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.provider_account_set($1) $$;
COMMENT ON FUNCTION api.provider_account_set(jsonb) IS 'POST /rpc/provider_account_set: create, update or rotate the secrets of a provider account (secrets write-only)';
-- POST /rpc/provider_account_disable {"provider": "sendgrid"}
CREATE FUNCTION api.provider_account_disable(provider text) RETURNS jsonb
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$ SELECT flowcomm.provider_account_disable(provider) $$;
COMMENT ON FUNCTION api.provider_account_disable(text) IS 'POST /rpc/provider_account_disable: stop using the business''s own account for a provider';
REVOKE EXECUTE ON FUNCTION api.provider_accounts(), api.provider_account_set(jsonb), api.provider_account_disable(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.provider_accounts(), api.provider_account_set(jsonb), api.provider_account_disable(text)
	TO flowcomm_admin;
