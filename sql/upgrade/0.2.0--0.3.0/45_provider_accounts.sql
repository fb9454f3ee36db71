-- Businesses manage their own provider accounts through the API
-- (sql/src/72_provider_accounts.sql); secrets stay write-only.
COMMENT ON TABLE flowcomm.provider_account IS 'A business''s own provider credentials and sender identity; secrets readable only by the extension owner; tenants manage it through provider_account_set / provider_account_info, which never return a secret';
--@function flowcomm.provider_account_json
COMMENT ON FUNCTION flowcomm.provider_account_json(flowcomm.provider_account) IS 'Internal: a provider account without its secrets (hasSendgridApiKey / hasTwilioAuthToken say whether they are set)';
--@function flowcomm.provider_account_info
COMMENT ON FUNCTION flowcomm.provider_account_info() IS 'Provider accounts of the current business without their secrets (GET /rpc/provider_accounts)';
--@function flowcomm.check_rate_limits
COMMENT ON FUNCTION flowcomm.check_rate_limits(jsonb) IS 'Internal: validate a provider account''s per-channel rate limits; 22023 naming rateLimits';
--@function flowcomm.provider_account_set
COMMENT ON FUNCTION flowcomm.provider_account_set(jsonb) IS 'Create or update the current business''s account for a provider (sendgrid: sendgridApiKey, fromEmail, fromName; twilio: twilioAccountSid, twilioAuthToken, smsFrom, whatsappFrom, messengerPageId, messagingServiceSid; both: rateLimits, enabled). Secrets are write-only: a given one replaces (rotates) the stored one, none is ever returned';
--@function flowcomm.provider_account_disable
COMMENT ON FUNCTION flowcomm.provider_account_disable(text) IS 'Disable the current business''s own account for a provider (its messages go through the platform''s default account)';
--@function api.provider_accounts
COMMENT ON FUNCTION api.provider_accounts() IS 'GET /rpc/provider_accounts: the business''s provider accounts, secrets withheld';
--@function api.provider_account_set
COMMENT ON FUNCTION api.provider_account_set(jsonb) IS 'POST /rpc/provider_account_set: create, update or rotate the secrets of a provider account (secrets write-only)';
--@function api.provider_account_disable
COMMENT ON FUNCTION api.provider_account_disable(text) IS 'POST /rpc/provider_account_disable: stop using the business''s own account for a provider';
REVOKE EXECUTE ON FUNCTION flowcomm.provider_account_json(flowcomm.provider_account), flowcomm.provider_account_info(),
	flowcomm.check_rate_limits(jsonb), flowcomm.provider_account_set(jsonb), flowcomm.provider_account_disable(text),
	api.provider_accounts(), api.provider_account_set(jsonb), api.provider_account_disable(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flowcomm.provider_account_info(), flowcomm.provider_account_set(jsonb),
	flowcomm.provider_account_disable(text), api.provider_accounts(), api.provider_account_set(jsonb),
	api.provider_account_disable(text) TO flowcomm_admin;
