-- Template engine contract: signatures, volatility, SQLSTATEs, cache.
BEGIN;
SELECT plan(24);

SELECT has_function('flowcomm', 'render', ARRAY['text', 'jsonb', 'jsonb', 'text', 'boolean', 'text'], 'render(...) exists');
SELECT function_returns('flowcomm', 'render', ARRAY['text', 'jsonb', 'jsonb', 'text', 'boolean', 'text'], 'text', 'render returns text');
SELECT volatility_is('flowcomm', 'render', ARRAY['text', 'jsonb', 'jsonb', 'text', 'boolean', 'text'], 'stable', 'render is STABLE (time zones)');
SELECT isnt_strict('flowcomm', 'render', ARRAY['text', 'jsonb', 'jsonb', 'text', 'boolean', 'text'], 'render is not STRICT: NULL variables mean {}');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'flowcomm.render(text, jsonb, jsonb, text, boolean, text)'::regprocedure),
		  's'::"char", 'render is PARALLEL SAFE');
SELECT function_returns('flowcomm', 'template_check', ARRAY['text'], 'void', 'template_check returns void');
SELECT function_returns('flowcomm', 'template_variables', ARRAY['text'], 'text[]', 'template_variables returns text[]');
SELECT volatility_is('flowcomm', 'html_to_text', ARRAY['text'], 'immutable', 'html_to_text is IMMUTABLE');
SELECT is_strict('flowcomm', 'html_to_text', ARRAY['text'], 'html_to_text is STRICT');
SELECT ok(obj_description('flowcomm.render(text, jsonb, jsonb, text, boolean, text)'::regprocedure, 'pg_proc') IS NOT NULL,
		  'render has a comment');

-- defaults: partials {}, escape html, not strict
SELECT is(flowcomm.render('{{a}}', '{"a": "<x>"}'), '&lt;x&gt;', 'escapes by default');
SELECT is(flowcomm.render('{{a}}{{b}}', '{"a": 1}'), '1', 'missing variables render empty by default');
SELECT is(flowcomm.render('{{a}}', NULL), '', 'NULL variables are {}');

-- SQLSTATEs
SELECT throws_ok($$SELECT flowcomm.render('{{#a}}', '{}')$$, '22023', NULL, 'compile error is 22023');
SELECT throws_ok($$SELECT flowcomm.template_check('{{nope x}}')$$, '22023', 'unknown helper "nope"', 'unknown helper named');
SELECT throws_ok($$SELECT flowcomm.render('{{a}}', '{}', '{}', 'text')$$, '22023',
				 'invalid value for parameter "escape": "text"', 'escape is validated');
SELECT throws_ok($$SELECT flowcomm.render('{{a}}', '{}', '{"p": true}')$$, '22023',
				 'partial "p" must be a JSON string', 'partials must be strings');
SELECT throws_ok($$SELECT flowcomm.render('{{a}}', '{}', strict => true)$$, '22023',
				 'missing template variable "a"', 'strict mode names the variable');
SELECT throws_ok($$SELECT flowcomm.render(repeat('{{#a}}', 65) || repeat('{{/a}}', 65), '{}')$$, '54000',
				 'sections are nested more than 64 levels deep', 'depth limit is 54000');
SELECT throws_ok($$SELECT flowcomm.render('{{>p}}', '{}', '{"p": "{{>p}}"}')$$, '54000',
				 'partials are nested more than 16 levels deep', 'partial recursion limit is 54000');

-- the per-backend cache is keyed by text: an edited template is recompiled
CREATE TEMP TABLE tpl (body text);
INSERT INTO tpl VALUES ('Hello {{name}}');
SELECT is(flowcomm.render(body, '{"name": "Ana"}'), 'Hello Ana', 'first version') FROM tpl;
UPDATE tpl SET body = 'Bye {{name}}';
SELECT is(flowcomm.render(body, '{"name": "Ana"}'), 'Bye Ana', 'edited version') FROM tpl;
SELECT is(count(*) FILTER (WHERE flowcomm.render('{{n}}-' || (i % 100), jsonb_build_object('n', i))
								 = i || '-' || (i % 100))::int, 700,
		  'more templates than cache slots render correctly') FROM generate_series(1, 700) i;

SELECT is(flowcomm.template_variables('{{#each items}}{{name}}{{/each}} {{total}}'), ARRAY['items', 'total'],
		  'template_variables lists top-level names');

SELECT * FROM finish();
ROLLBACK;
