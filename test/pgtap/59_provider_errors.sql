-- Provider errors, classified (issue 17): the catalogue (flowcomm.provider_error
-- and provider_error_lookup) holds every code the issue names with its class
-- and a reason; the lookup falls back by HTTP status as the workers do; a
-- status callback's ErrorCode is applied by class (permanent, suppress,
-- retry → requeued while attempts remain, replays no-ops); stats() gives the
-- top failure reasons per channel.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(31);

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$;

-- The catalogue -----------------------------------------------------------------
SELECT set_eq($$SELECT provider, code, error_class FROM flowcomm.provider_error
				 WHERE (provider, code) IN (SELECT 'twilio', unnest(ARRAY['20003', '20429', '21211', '21408', '21608', '21610',
						'21614', '30003', '30005', '30006', '30007', '30008', '63003', '63016', '63018', '63024', '63032']))
					OR provider = 'sendgrid'$$,
	$$VALUES ('twilio', '20003', 'permanent'), ('twilio', '20429', 'retry'), ('twilio', '21211', 'permanent'),
			 ('twilio', '21408', 'permanent'), ('twilio', '21608', 'permanent'), ('twilio', '21610', 'suppress'),
			 ('twilio', '21614', 'suppress'), ('twilio', '30003', 'retry'), ('twilio', '30005', 'suppress'),
			 ('twilio', '30006', 'permanent'), ('twilio', '30007', 'permanent'), ('twilio', '30008', 'retry'),
			 ('twilio', '63003', 'suppress'), ('twilio', '63016', 'permanent'), ('twilio', '63018', 'retry'),
			 ('twilio', '63024', 'permanent'), ('twilio', '63032', 'permanent'),
			 ('sendgrid', 'http_400', 'permanent'), ('sendgrid', 'http_401', 'permanent'),
			 ('sendgrid', 'http_403', 'permanent'), ('sendgrid', 'http_413', 'permanent'),
			 ('sendgrid', 'http_429', 'retry'), ('sendgrid', '5xx', 'retry'), ('sendgrid', 'other', 'permanent')$$,
	'every code the issue names is catalogued with its class');
SELECT is((SELECT count(*) FROM flowcomm.provider_error
			WHERE nullif(title, '') IS NULL OR length(reason) < 30 OR reference NOT LIKE 'https://www.twilio.com/docs/%'),
		  0::bigint, 'every row has a title, a plain reason and the provider''s reference');
SELECT is((SELECT count(*) FROM flowcomm.provider_error
			WHERE (error_class = 'suppress') <> (suppression_reason IS NOT NULL)
			   OR suppression_reason NOT IN ('provider_unsubscribed', 'bounce')),
		  0::bigint, 'exactly the suppress rows name a suppression reason the suppression table accepts');
SELECT is((SELECT suppression_reason FROM flowcomm.provider_error WHERE provider = 'twilio' AND code = '21610'),
		  'provider_unsubscribed', '21610 suppresses as provider_unsubscribed, like the worker always did');
SELECT is((SELECT count(*) FROM (SELECT 1 FROM flowcomm.provider_error GROUP BY provider, code HAVING count(*) > 1) d), 0::bigint,
		  'codes are unique per provider');
SELECT is((SELECT reference FROM flowcomm.provider_error WHERE provider = 'twilio' AND code = '30007'),
		  'https://www.twilio.com/docs/api/errors/30007', 'Twilio rows link their error dictionary page');
SELECT ok(has_table_privilege('flowcomm_viewer', 'flowcomm.provider_error', 'SELECT'), 'viewers may read the catalogue');
SELECT ok(NOT has_function_privilege('public', 'flowcomm.failure_reasons(uuid, timestamptz, timestamptz, text)', 'EXECUTE'),
		  'internal helpers are not executable by PUBLIC');

-- Lookup: the code's row, else by HTTP status ---------------------------------------
SELECT is((SELECT code || ' ' || error_class FROM flowcomm.provider_error_lookup('twilio', '30007', 400)),
		  '30007 permanent', 'lookup finds the code');
SELECT is((SELECT code || ' ' || error_class FROM flowcomm.provider_error_lookup('twilio', '20599', 502)),
		  '5xx retry', 'an unlisted Twilio code with a 5xx answer is retried');
SELECT is((SELECT code || ' ' || error_class FROM flowcomm.provider_error_lookup('sendgrid', 'http_408', 408)),
		  '5xx retry', '408 is retried');
SELECT is((SELECT code || ' ' || error_class FROM flowcomm.provider_error_lookup('twilio', '21999')),
		  'other permanent', 'an unlisted code without a status is permanent');
SELECT is((SELECT code FROM flowcomm.provider_error_lookup('sendgrid', NULL, 503)), '5xx', 'no code: the status decides');
SELECT matches(pg_temp.err($$SELECT flowcomm.provider_error_lookup('mailgun', '1')$$), '^22023 invalid provider',
			   'an unknown provider is refused (22023)');
SELECT matches(pg_temp.err($$SELECT flowcomm.provider_error_lookup(NULL, '1')$$), '^22004 ', 'a null provider is refused (22004)');
SELECT is(flowcomm.retry_delay_seconds(1000),
		  (SELECT (string_to_array(current_setting('flowcomm.retry_schedule'), ','))[
				   cardinality(string_to_array(current_setting('flowcomm.retry_schedule'), ','))]::int),
		  'retry_delay_seconds: the last entry of retry_schedule repeats');

-- Status callback ErrorCodes, by class --------------------------------------------
INSERT INTO flowcomm.communication (business_id, id, created_by, recipient_type, recipient_contact, channel, type,
									content, status, provider, provider_message_id, sent_at)
SELECT 'b0000000-0000-0000-0000-000000005901', ('c0000000-0000-7000-8000-00000000590' || n)::uuid, 'test', 'customer',
	   '+1415555590' || n, 'sms', 'invoice', 'Invoice', 'sent', 'twilio', 'SM' || repeat(n::text, 32), now()
  FROM generate_series(1, 4) n;
INSERT INTO flowcomm.communication_queue (business_id, communication_id, channel, status, attempts, max_attempts, completed_at)
SELECT 'b0000000-0000-0000-0000-000000005901', ('c0000000-0000-7000-8000-00000000590' || n)::uuid, 'sms', 'completed', 1,
	   CASE WHEN n = 4 THEN 1 ELSE 3 END, now()
  FROM generate_series(1, 4) n;
CREATE FUNCTION pg_temp.cb(n int, st text, code text) RETURNS boolean LANGUAGE sql AS $$
	SELECT flowcomm.twilio_status_error(c, st, code, ARRAY['MessageSid', 'MessageStatus', 'ErrorCode'],
										ARRAY[c.provider_message_id, st, code], now())
	  FROM flowcomm.communication c WHERE c.id = ('c0000000-0000-7000-8000-00000000590' || n)::uuid
$$;

SELECT ok(pg_temp.cb(1, 'undelivered', '30006'), '30006 (permanent) applied');
SELECT is((SELECT status || ' ' || error_code FROM flowcomm.communication WHERE id = 'c0000000-0000-7000-8000-000000005901'),
		  'failed 30006', 'permanent: failed with the code');
SELECT ok(NOT pg_temp.cb(1, 'undelivered', '30006'), 'a replayed callback is a no-op');
SELECT ok(pg_temp.cb(2, 'failed', '30005'), '30005 (suppress) applied');
SELECT is((SELECT reason || ' ' || source || ' ' || (detail LIKE 'twilio 30005 (failed): Unknown destination handset - %')
			 FROM flowcomm.suppression WHERE business_id = 'b0000000-0000-0000-0000-000000005901' AND contact = '+14155555902'),
		  'bounce twilio true', 'suppress: the number is suppressed on SMS with the reason');
SELECT ok(pg_temp.cb(3, 'undelivered', '30008'), '30008 (retry) applied');
SELECT is((SELECT c.status || ' ' || q.status || ' ' || (q.scheduled_at > now()) || ' ' || c.retry_count
			 FROM flowcomm.communication c JOIN flowcomm.communication_queue q ON q.business_id = c.business_id AND q.communication_id = c.id
			WHERE c.id = 'c0000000-0000-7000-8000-000000005903'),
		  'queued pending true 1', 'retry: the message is queued again after the backoff');
SELECT ok(NOT pg_temp.cb(3, 'undelivered', '30008'), 'a replayed retry callback is a no-op');
SELECT is((SELECT count(*) FROM flowcomm.communication_event WHERE communication_id = 'c0000000-0000-7000-8000-000000005903'
			  AND event = 'retry_scheduled' AND payload ->> 'error_class' = 'retry'),
		  1::bigint, 'one retry_scheduled event, with its class');
SELECT ok(pg_temp.cb(4, 'undelivered', '30003'), '30003 with no attempt left applied');
SELECT is((SELECT status::text FROM flowcomm.communication WHERE id = 'c0000000-0000-7000-8000-000000005904'),
		  'failed', 'retry with no attempt left: failed');

-- stats(): top failure reasons per channel -------------------------------------------
INSERT INTO flowcomm.communication (business_id, created_by, recipient_type, recipient_contact, channel, type, content,
									status, provider, error_code, error_message, created_at)
SELECT 'b0000000-0000-0000-0000-000000005902', 'test', 'customer', '+14155550000', ch::flowcomm.channel, 'invoice', 'x',
	   'failed', CASE WHEN ch = 'email' THEN 'sendgrid' ELSE 'twilio' END::flowcomm.provider, code, 'msg ' || code,
	   now() - interval '1 hour'
  FROM (VALUES ('sms', '21211', 3), ('sms', '30007', 2), ('sms', 'no_account', 1), ('sms', '21408', 1),
			   ('sms', '21608', 1), ('sms', '30006', 1), ('email', 'http_400', 2)) v(ch, code, k),
	   generate_series(1, k);
SELECT set_config('flowcomm.business_id', 'b0000000-0000-0000-0000-000000005902', true);
SELECT is((SELECT string_agg(r ->> 'code' || ':' || (r ->> 'count'), ' ' ORDER BY o)
			 FROM jsonb_array_elements(flowcomm.stats('{}') -> 'topFailureReasons' -> 'sms') WITH ORDINALITY x(r, o)),
		  '21211:3 30007:2 21408:1 21608:1 30006:1', 'top five SMS failure codes, most frequent first');
SELECT is(flowcomm.stats('{}') #> '{topFailureReasons,sms,0}',
		  jsonb_build_object('code', '21211', 'count', 3, 'errorClass', 'permanent',
							 'reason', (SELECT reason FROM flowcomm.provider_error WHERE provider = 'twilio' AND code = '21211')),
		  'each entry: code, count, class and the catalogue reason');
SELECT is(flowcomm.stats('{"channel": "email"}') -> 'topFailureReasons',
		  jsonb_build_object('email', jsonb_build_array(jsonb_build_object('code', 'http_400', 'count', 2,
			  'errorClass', 'permanent',
			  'reason', (SELECT reason FROM flowcomm.provider_error WHERE provider = 'sendgrid' AND code = 'http_400')))),
		  'the channel filter applies');
SELECT is(flowcomm.failure_reasons('b0000000-0000-0000-0000-000000005902', now() - interval '1 day', now(), 'sms') #> '{sms}'
			@> '[{"code": "no_account", "count": 1}]', false,
		  'a flowcomm code outside the top five is left out');

SELECT * FROM finish();
ROLLBACK;
