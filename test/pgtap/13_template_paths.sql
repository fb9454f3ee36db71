-- Template paths as in Handlebars (0.3.0): array indexes (items.0.name,
-- items.[0].name) and segment literals ([a b]) render instead of being
-- silently empty; block parameters get a clear error instead of "unknown
-- helper".
BEGIN;
SELECT plan(12);
SELECT is(flowcomm.render('{{items.0.name}}', '{"items": [{"name": "a"}, {"name": "b"}]}'), 'a', 'items.0.name');
SELECT is(flowcomm.render('{{items.[1].name}}', '{"items": [{"name": "a"}, {"name": "b"}]}'), 'b', 'items.[1].name');
SELECT is(flowcomm.render('{{items.2.name}}', '{"items": [{"name": "a"}]}'), '', 'an index past the end is empty, as Handlebars');
SELECT is(flowcomm.render('{{#with items.[0]}}{{name}}{{/with}}', '{"items": [{"name": "a"}]}'), 'a', 'an index in a block');
SELECT is(flowcomm.render('{{[a b]}}/{{x.[c.d]}}', '{"a b": 1, "x": {"c.d": 2}}'), '1/2', 'segment literals with a space and a dot');
SELECT is(flowcomm.render('{{#if [is ok]}}y{{/if}}', '{"is ok": true}'), 'y', 'a segment literal as a helper argument');
SELECT throws_ok($$SELECT flowcomm.render('{{#each items as |x i|}}{{x}}{{/each}}', '{"items": [1]}')$$, '22023',
	'block parameters (as |x i|) are not supported: inside {{#each}} use this and @index', 'block parameters: a clear error');
SELECT throws_ok($$SELECT flowcomm.render('{{[a b}}', '{}')$$, '22023', 'unclosed [ in a name', 'an unclosed [: a clear error');
SELECT throws_ok($$SELECT flowcomm.render('{{a[0]}}', '{}')$$, '22023', NULL, 'brackets inside a segment: invalid name');
SELECT is(flowcomm.render('{{"first name"}}', '{"first name": "Ana"}'), 'Ana', 'a lone quoted string is a name, as in Handlebars');
SELECT is(flowcomm.render('{{upper "abc"}}', '{}'), 'ABC', 'a quoted string is a literal as a helper argument');
SELECT is(flowcomm.render('{{n}}|{{m}}', '{"n": 1.50, "m": 1e3}'), '1.50|1000', 'numbers print as jsonb text: scale kept, exponent written out');
SELECT * FROM finish();
ROLLBACK;
