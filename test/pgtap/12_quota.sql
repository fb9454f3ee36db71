-- Per-business limits (issue 16): queue quota, daily send limit and the
-- urgent allowance refuse with their SQLSTATE and a message naming the limit,
-- write nothing (send_bulk refuses the whole batch), and only the platform
-- admin can set them.
BEGIN;
SELECT plan(24);
SET LOCAL flowcomm.business_id = 'b0000000-0000-0000-0000-00000000f001';
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE req AS SELECT '{"channel": "sms", "type": "invoice", "recipientContact": "+14155550111", "content": "Invoice 42"}'::jsonb AS r;
CREATE FUNCTION pg_temp.n_msgs() RETURNS bigint LANGUAGE sql AS
	$$ SELECT count(*) FROM flowcomm.communication WHERE business_id = 'b0000000-0000-0000-0000-00000000f001' $$;
CREATE FUNCTION pg_temp.bulk(n int, prio text DEFAULT 'normal') RETURNS jsonb LANGUAGE sql AS
	$$ SELECT flowcomm.send_bulk((SELECT jsonb_agg(r || jsonb_build_object('priority', prio)) FROM req, generate_series(1, n))) $$;

-- Bad input to the platform's control.
SELECT throws_ok($$SELECT flowcomm.set_business_limits(NULL, 1, 1, 1)$$, '22023', 'invalid business: is required', 'limits need a business');
SELECT throws_like($$SELECT flowcomm.set_business_limits(flowcomm.current_business_id(), -1, NULL, 10)$$, 'invalid queue_quota: %', 'a negative quota is refused, naming queue_quota');
SELECT throws_like($$SELECT flowcomm.set_business_limits(flowcomm.current_business_id(), NULL, -5, 10)$$, 'invalid daily_send_limit: %', 'a negative daily limit is refused, naming daily_send_limit');
SELECT throws_like($$SELECT flowcomm.set_business_limits(flowcomm.current_business_id(), NULL, NULL, NULL)$$, 'invalid urgent_daily_allowance: %', 'the urgent allowance cannot be NULL');
SELECT is((SELECT count(*) FROM flowcomm.business_setting WHERE business_id = flowcomm.current_business_id()), 0::bigint, '(bad input wrote no settings row)');

-- Without a settings row: no quota, no daily limit, the default urgent allowance.
SELECT lives_ok($$SELECT flowcomm.send((SELECT r || '{"priority": "urgent"}' FROM req))$$, 'a business without settings may send urgent');

-- Queue quota: 3 pending at most.
SELECT flowcomm.set_business_limits(flowcomm.current_business_id(), 3, NULL, 1000);
SELECT lives_ok($$SELECT flowcomm.send((SELECT r FROM req))$$, 'second message within the quota of 3');
SELECT throws_like($$SELECT pg_temp.bulk(2)$$, 'queue_quota exceeded: 3 pending message(s) allowed, 2 pending, 2 more asked', 'a batch past the quota is refused whole');
SELECT throws_ok($$SELECT pg_temp.bulk(2)$$, '54000', NULL, '(with SQLSTATE 54000)');
SELECT is(pg_temp.n_msgs(), 2::bigint, '(nothing of the batch was written)');
SELECT lives_ok($$SELECT pg_temp.bulk(1)$$, 'a batch that fits the quota is queued');
SELECT throws_ok($$SELECT flowcomm.send((SELECT r FROM req))$$, '54000', 'queue_quota exceeded: 3 pending message(s) allowed, 3 pending, 1 more asked', 'send past the quota is refused');
SELECT is(pg_temp.n_msgs(), 3::bigint, '(nothing written)');
-- Sent messages leave the quota.
UPDATE flowcomm.communication_queue SET status = 'completed' WHERE business_id = flowcomm.current_business_id();
SELECT lives_ok($$SELECT flowcomm.send((SELECT r FROM req))$$, 'the quota counts pending messages only');

-- Daily limit: 6 a day (4 queued today so far).
SELECT flowcomm.set_business_limits(flowcomm.current_business_id(), NULL, 6, 1000);
SELECT throws_ok($$SELECT pg_temp.bulk(3)$$, '54000', 'daily_send_limit exceeded: 6 message(s) per day allowed, 4 queued today, 3 more asked', 'a batch past the daily limit is refused whole');
SELECT is(pg_temp.n_msgs(), 4::bigint, '(nothing of the batch was written)');
SELECT lives_ok($$SELECT pg_temp.bulk(2)$$, 'up to the daily limit is fine');
SELECT throws_like($$SELECT flowcomm.send((SELECT r FROM req))$$, 'daily_send_limit exceeded: %', 'one more today is refused');

-- Urgent allowance: 2 a day (1 used), no other limits.
SELECT flowcomm.set_business_limits(flowcomm.current_business_id(), NULL, NULL, 2);
SELECT throws_ok($$SELECT pg_temp.bulk(2, 'urgent')$$, '42501', 'urgent_daily_allowance exceeded: 2 urgent message(s) per day allowed, 1 already today, 2 more asked', 'urgent past the allowance is refused whole');
SELECT lives_ok($$SELECT pg_temp.bulk(2, 'high')$$, 'high priority is not limited by the urgent allowance');
SELECT lives_ok($$SELECT flowcomm.send((SELECT r || '{"priority": "urgent"}' FROM req))$$, 'the last urgent of the allowance');
SELECT throws_ok($$SELECT flowcomm.send((SELECT r || '{"priority": "urgent"}' FROM req))$$, '42501', NULL, 'then urgent is refused');

-- Tenants can't grant themselves limits.
SET LOCAL ROLE flowcomm_admin;
SELECT throws_ok($$UPDATE flowcomm.business_setting SET urgent_daily_allowance = 100000$$, '42501', NULL, 'a tenant admin cannot raise its urgent allowance');
SELECT throws_ok($$SELECT flowcomm.set_business_limits(flowcomm.current_business_id(), NULL, NULL, 100000)$$, '42501', NULL, 'nor call the platform''s control');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
