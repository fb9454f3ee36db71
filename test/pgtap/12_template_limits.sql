-- Template engine limits: a non-superuser can only lower them; no input
-- makes a backend die (stack) or burn a core (steps).  On 0.2.0 the raise
-- succeeded and the render below ended in signal 11.
BEGIN;
SELECT plan(18);

SET LOCAL ROLE flowcomm_viewer;
SELECT throws_ok($$SET flowcomm.template_max_partial_depth = 1000$$, '42501', NULL,
	'a viewer cannot raise template_max_partial_depth');
SELECT throws_ok($$SET flowcomm.template_max_depth = 1000$$, '42501', NULL, 'nor template_max_depth');
SELECT throws_ok($$SET flowcomm.template_max_output = '512MB'$$, '42501', NULL, 'nor template_max_output');
SELECT throws_ok($$SET flowcomm.template_max_size = '1GB'$$, '42501', NULL, 'nor template_max_size');
SELECT throws_ok($$SET flowcomm.template_max_steps = 2000000000$$, '42501', NULL, 'nor template_max_steps');
SELECT throws_ok($$SELECT set_config('flowcomm.template_max_partial_depth', '1000', true)$$, '42501', NULL,
	'nor through set_config');
SELECT lives_ok($$SET LOCAL flowcomm.template_max_partial_depth = 4$$, 'lowering a limit is allowed');
SELECT lives_ok($$SET LOCAL flowcomm.template_max_partial_depth = 16$$, 'raising back up to the server''s value is allowed');
SELECT throws_ok($$SET LOCAL flowcomm.template_max_partial_depth = 17$$, '42501', NULL,
	'raising above the server''s value is not');
RESET ROLE;
RESET flowcomm.template_max_partial_depth;

-- A function's SET clause is applied as its caller.
CREATE FUNCTION pg_temp.raised() RETURNS text LANGUAGE sql SET flowcomm.template_max_partial_depth = 1000
	AS $$ SELECT current_setting('flowcomm.template_max_partial_depth') $$;
GRANT EXECUTE ON FUNCTION pg_temp.raised() TO PUBLIC;
SET LOCAL ROLE flowcomm_viewer;
SELECT throws_ok($$SELECT pg_temp.raised()$$, '42501', NULL, 'a function''s SET clause cannot raise it for a viewer');
RESET ROLE;

-- The crash of issue 16, with the limits raised by a superuser: a clear error, not signal 11.
SET LOCAL flowcomm.template_max_partial_depth = 1000;
SET LOCAL flowcomm.template_max_depth = 1000;
SELECT throws_ok($$SELECT flowcomm.render('{{> p}}', '{"a":true}', jsonb_build_object('p', repeat('{{#a}}',63) || '{{> p}}' || repeat('{{/a}}',63)))$$,
	'54000', 'template nesting (sections within partials) is too deep for the stack',
	'sections within partials stop at the engine''s stack budget');
SELECT is(flowcomm.render(repeat('{{#a}}', 1000) || 'x' || repeat('{{/a}}', 1000), '{"a":true}'), 'x',
	'1000 nested sections (the ceiling of template_max_depth) render within the stack budget');
SET LOCAL max_stack_depth = '300kB';
SELECT throws_ok($$SELECT flowcomm.render('{{> p}}', '{"a":true}', jsonb_build_object('p', repeat('{{#a}}',63) || '{{> p}}' || repeat('{{/a}}',63)))$$,
	'54001', NULL, 'check_stack_depth() stops it first under a lower max_stack_depth');
RESET max_stack_depth;
SELECT is(flowcomm.render('{{> p}}', '{"a":true}', '{"p": "{{#a}}ok{{/a}}"}'), 'ok', 'the backend is alive and renders');
RESET flowcomm.template_max_partial_depth;
RESET flowcomm.template_max_depth;

-- The step limit is on: nested each over @root is a clear error in bounded time.
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
SELECT throws_ok($$SELECT flowcomm.render(repeat('{{#each @root}}', 8) || 'x' || repeat('{{/each}}', 8),
	(SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 60) i))$$,
	'54000', 'template rendering exceeded the limit of 2000000 steps', 'a 1 kB template cannot loop for minutes');
SELECT cmp_ok(extract(epoch FROM clock_timestamp() - (SELECT t FROM t0))::numeric, '<', 20::numeric,
	'and the error comes within seconds (generous bound for a loaded machine)');
SET LOCAL ROLE flowcomm_viewer;
SET LOCAL flowcomm.template_max_steps = 1000;
SELECT throws_ok($$SELECT flowcomm.render('{{#each r}}{{.}}{{/each}}', jsonb_build_object('r', (SELECT jsonb_agg(i) FROM generate_series(1, 2000) i)))$$,
	'54000', NULL, 'a lowered step limit applies');
RESET ROLE;
RESET flowcomm.template_max_steps;
SELECT is(length(flowcomm.render('{{#each r}}{{.}}{{/each}}', jsonb_build_object('r', (SELECT jsonb_agg(i) FROM generate_series(1, 2000) i)))), 6893,
	'a large legitimate loop is within the default step limit');

SELECT * FROM finish();
ROLLBACK;
