-- Twilio signature variants that Twilio's own SDKs accept (0.3.0): a URL
-- signed with the scheme's default port and received without it, or the
-- reverse; a parameter repeated with the same value, counted once (the
-- Python SDK) or every time (the other SDKs).  Each expected signature is
-- computed independently here with pgcrypto's HMAC-SHA1.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SELECT plan(10);

-- sig(url, [name, value, name, value, ...], token): base64 HMAC-SHA1 of url
-- followed by the name+value pairs sorted by name then value.
CREATE FUNCTION pg_temp.sig(url text, kv text[], token text) RETURNS text LANGUAGE sql AS $$
	SELECT encode(hmac(convert_to(url || coalesce(string_agg(n || v, '' ORDER BY n, v), ''), 'UTF8'),
					   convert_to(token, 'UTF8'), 'sha1'), 'base64')
	  FROM (SELECT kv[2 * i - 1] AS n, kv[2 * i] AS v FROM generate_series(1, coalesce(array_length(kv, 1), 0) / 2) i) p
$$;
CREATE FUNCTION pg_temp.valid(url text, kv text[], token text, signature text) RETURNS boolean LANGUAGE sql AS $$
	SELECT flowcomm.twilio_signature_valid(url,
		ARRAY(SELECT kv[2 * i - 1] FROM generate_series(1, array_length(kv, 1) / 2) i),
		ARRAY(SELECT kv[2 * i] FROM generate_series(1, array_length(kv, 1) / 2) i), token, signature)
$$;

SELECT ok(pg_temp.valid('https://hooks.example/rpc/webhook_twilio_inbound', '{From,+1415,Body,hi}', 'tok',
		pg_temp.sig('https://hooks.example:443/rpc/webhook_twilio_inbound', '{From,+1415,Body,hi}', 'tok')),
	'signed with :443, received without it: valid');
SELECT ok(pg_temp.valid('https://hooks.example:443/rpc/webhook_twilio_inbound?x=1', '{From,+1415,Body,hi}', 'tok',
		pg_temp.sig('https://hooks.example/rpc/webhook_twilio_inbound?x=1', '{From,+1415,Body,hi}', 'tok')),
	'signed without the port, received with :443: valid');
SELECT ok(pg_temp.valid('http://hooks.example/cb', '{A,1}', 'tok', pg_temp.sig('http://hooks.example:80/cb', '{A,1}', 'tok')),
	'http and :80 likewise');
SELECT ok(NOT pg_temp.valid('https://hooks.example/cb', '{A,1}', 'tok', pg_temp.sig('https://other.example:443/cb', '{A,1}', 'tok')),
	'the port variant does not make another host valid');
SELECT ok(NOT pg_temp.valid('https://hooks.example/cb', '{A,1}', 'tok', pg_temp.sig('https://hooks.example:443/cc', '{A,1}', 'tok')),
	'nor another path');
SELECT ok(NOT pg_temp.valid('https://hooks.example/cb', '{A,1}', 'other', pg_temp.sig('https://hooks.example:443/cb', '{A,1}', 'tok')),
	'nor another auth token');
SELECT ok(pg_temp.valid('https://hooks.example/cb', '{MediaUrl0,u,MediaUrl0,u,Body,x}', 'tok',
		pg_temp.sig('https://hooks.example/cb', '{MediaUrl0,u,Body,x}', 'tok')),
	'a parameter repeated with the same value, signed once (Python SDK): valid');
SELECT ok(pg_temp.valid('https://hooks.example/cb', '{MediaUrl0,u,MediaUrl0,u,Body,x}', 'tok',
		pg_temp.sig('https://hooks.example/cb', '{MediaUrl0,u,MediaUrl0,u,Body,x}', 'tok')),
	'the same, signed every time (other SDKs): valid');
SELECT ok(NOT pg_temp.valid('https://hooks.example/cb', '{To,a,To,b}', 'tok', pg_temp.sig('https://hooks.example/cb', '{To,a}', 'tok')),
	'a repeated parameter with another value is not dropped');
SELECT ok(NOT pg_temp.valid('ftp://hooks.example/cb', '{A,1}', 'tok', pg_temp.sig('ftp://hooks.example:443/cb', '{A,1}', 'tok')),
	'no port variant for a URL that is not http(s)');

SELECT * FROM finish();
ROLLBACK;
