-- One envelope check for every long signed token (payment links, one-click
-- unsubscribe links) and one lookup of the key that signs new tokens.
--@function flowcomm.signing_key_current
COMMENT ON FUNCTION flowcomm.signing_key_current() IS 'Internal: the newest active signing key (all NULL when none is active)';
--@function flowcomm.signed_token_open
COMMENT ON FUNCTION flowcomm.signed_token_open(text, timestamptz) IS 'Internal: the shared envelope check of a long signed token (form, key, MAC, key retirement, JSON object payload) as of a given time; valid true with payload and keyId, or valid false with the reason';
REVOKE ALL ON FUNCTION flowcomm.signing_key_current(), flowcomm.signed_token_open(text, timestamptz) FROM PUBLIC;
