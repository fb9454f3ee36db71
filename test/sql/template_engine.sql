-- Template engine beyond the mustache spec: helpers, escaping modes,
-- Handlebars blocks, whitespace control, strict mode, errors and limits.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowcomm;
RESET client_min_messages;
SET search_path = flowcomm, public;
\set VERBOSITY default

-- currency: minor units, locales, symbols, rounding (half away from zero)
SELECT c.code, c.loc, render('{{currency a c l}}', jsonb_build_object('a', a.v, 'c', c.code, 'l', c.loc)) AS out
  FROM (VALUES ('USD', 'en-US'), ('USD', 'es-MX'), ('MXN', 'es-MX'), ('EUR', 'de-DE'), ('EUR', 'es-ES'),
			   ('EUR', 'en-US'), ('JPY', 'en-US'), ('JPY', 'de-DE'), ('KWD', 'en-US'), ('BHD', 'es-MX'),
			   ('BRL', 'pt-BR'), ('GBP', 'en-GB'), ('CHF', 'de-CH'), ('COP', 'es-CO')) AS c(code, loc),
	   (VALUES ('1234567.125'::numeric)) AS a(v)
 ORDER BY 1, 2;
SELECT render('{{currency a "USD"}}|{{currency b "USD"}}|{{currency c "EUR" "de-DE"}}|{{currency d "JPY"}}|{{currency e "KWD" "en-US" "code"}}',
			  '{"a": -1234.5, "b": 0.005, "c": "-0.001", "d": 999.5, "e": 12.3456}');
SELECT render('{{currency a "EUR" "es-ES"}} / {{currency b "EUR" "es-ES"}}', '{"a": 1234.5, "b": 12345.5}');
SELECT render('{{currency a "usd"}}{{currency missing "USD"}}', '{"a": 1e3}');
SELECT render('{{currency a "USD"}}', '{"a": 5}', locale => 'de-DE') AS default_locale;

-- date: formats, languages, time zones (IANA through PostgreSQL, fixed offsets)
SELECT f, render('{{date d f}}', jsonb_build_object('d', '2024-03-05T18:30:00Z', 'f', f)) AS en,
	   render('{{date d f "UTC" "es-MX"}}', jsonb_build_object('d', '2024-03-05T18:30:00Z', 'f', f)) AS es,
	   render('{{date d f "UTC" "de-DE"}}', jsonb_build_object('d', '2024-03-05T18:30:00Z', 'f', f)) AS de
  FROM unnest(ARRAY['short', 'medium', 'long', 'full', 'time', 'datetime', 'iso']) AS f;
SELECT render('{{date d "datetime" "America/Mexico_City"}} | {{date d "iso" "Asia/Kolkata"}} | {{date d "iso" "-03:00"}}',
			  '{"d": "2024-01-01T03:15:00Z"}');
SELECT render('{{date d "iso" "Europe/Madrid"}} / {{date w "iso" "Europe/Madrid"}}',
			  '{"d": "2024-07-01T12:00:00+02:00", "w": "2024-01-15T12:00:00"}') AS dst;
SELECT render('{{date d "long"}}|{{date d "full" "America/New_York" "es"}}|{{date missing "long"}}',
			  '{"d": "2024-02-29"}') AS date_only;
SELECT render('{{date d "long" "Mars/Olympus"}}', '{"d": "2024-02-29T10:00:00Z"}');
SELECT render('{{date d "long"}}', '{"d": "2024-02-30"}');

-- default, upper, lower, truncate, phone
SELECT render('{{default a "n/a"}}|{{default b "n/a"}}|{{default c "n/a"}}|{{default d 0}}', '{"a": "x", "b": "", "c": null}');
SELECT render('{{upper s}}|{{lower s}}', '{"s": "José Ñandú Öl Łódź Привет"}');
SELECT render('{{truncate s 10}}|{{truncate s 100}}|{{truncate s 1}}|{{truncate s 0}}', '{"s": "Café con leche y churros"}');
SELECT p, render('{{phone p}}', jsonb_build_object('p', p)) AS pretty
  FROM unnest(ARRAY['+15551234567', '+525512345678', '+34912345678', '+442071234567', '+8613800138000', '+4930123456', '+3531234567',
					'555-1234', '+1 555 123 4567']) AS p;

-- helper output is escaped in {{ }} and raw in {{{ }}}
SELECT render('{{default a "<none>"}}|{{{default a "<none>"}}}', '{}');

-- escaping per mode; control characters are dropped in none
SELECT render('{{s}}|{{{s}}}|{{& s}}', $j${"s": "<b>\"Tom\" & Jerry's</b>"}$j$) AS html;
SELECT render('{{s}}|{{{s}}}', '{"s": "<b>Tom & Jerry</b>"}', escape => 'none') AS none;
SELECT encode(convert_to(render('{{s}}', '{"s": "a\u0001b\u0007c\td\ne\rf\u001bg\u007fh"}', escape => 'none'), 'UTF8'), 'escape') AS stripped;
SELECT render('{{a}}', '{"a": "x"}', escape => 'xml');

-- Handlebars blocks
SELECT render('{{#if a}}A{{else}}not A{{/if}} {{#if z}}Z{{else}}not Z{{/if}} {{#if e}}E{{else}}not E{{/if}} {{#unless a}}u{{else}}not u{{/unless}}',
			  '{"a": true, "z": 0, "e": []}');
SELECT render('{{#ifEquals status "paid"}}Paid{{else}}Due{{/ifEquals}} {{#ifEquals n 3}}three{{/ifEquals}} {{#ifEquals x y}}same{{else}}diff{{/ifEquals}}',
			  '{"status": "paid", "n": "3", "x": 1, "y": 2}');
SELECT render('{{#each items}}{{@index}}:{{name}}{{#if @first}}(first){{/if}}{{#if @last}}(last){{/if}} {{/each}}',
			  '{"items": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}');
SELECT render('{{#each tags}}[{{this}}|{{.}}]{{/each}} {{#each m}}{{@key}}={{this}};{{/each}} {{#each none}}x{{else}}empty{{/each}}',
			  '{"tags": ["x", "y"], "m": {"a": 1, "b": 2}, "none": []}');
SELECT render('{{#with customer}}{{name}} ({{email}}) of {{shop}}{{else}}nobody{{/with}} {{#with missing}}x{{else}}nobody{{/with}}',
			  '{"customer": {"name": "Ana", "email": "ana@example.com"}, "shop": "Tienda"}');
SELECT render('{{#list}}{{.}}{{else}}none{{/list}} {{^list}}inverted{{/list}}', '{"list": []}');
SELECT render('{{#each rows}}{{#each cells}}{{@index}}{{.}}{{/each}};{{/each}} {{@root.title}}', '{"rows": [{"cells": ["a","b"]}, {"cells": ["c"]}], "title": "T"}');

-- whitespace control and standalone block lines
SELECT render(E'<ul>\n  {{~#each xs~}}\n    <li>{{.}}</li>\n  {{~/each~}}\n</ul>', '{"xs": [1, 2]}');
SELECT render(E'Hi {{name}},\n{{#if due}}\nDue {{due}}.\n{{/if}}\nBye\n', '{"name": "Ana", "due": "today"}');
SELECT render(E'a {{~ b ~}} c {{~! note ~}} d', '{"b": "B"}');

-- strict mode: referenced top-level variables must be present (null counts)
SELECT render('{{a}} {{#if b}}{{c}}{{/if}}', '{"a": 1, "b": false, "c": null}', strict => true);
SELECT render('{{a}} {{#if b}}{{c}}{{/if}}', '{"a": 1, "b": true}', strict => true);
SELECT render('{{a}}', NULL) AS null_variables, render(NULL, '{}') AS null_template;

-- template_variables and template_check
SELECT template_variables('{{a}} {{b.c}} {{#sec}}{{inner}}{{/sec}} {{#if d}}{{e}}{{/if}} {{#each items}}{{name}}{{/each}} {{currency amt cur}} {{this}} {{@index}} {{> part}} {{a}}');
SELECT template_check('{{#if a}}ok{{/if}}');

-- compile errors: 22023 with the position
SELECT render(E'line one\n  {{fancy x}}', '{}');
SELECT render('{{currency x}}', '{}');
SELECT render('{{currency x "XYZ"}}', '{}');
SELECT render('{{currency x "USD" "xx-YY"}}', '{}');
SELECT render('{{truncate x "ten"}}', '{}');
SELECT render('{{date x "someday"}}', '{}');
SELECT render('{{#if}}x{{/if}}', '{}');
SELECT render('{{#ifEquals a}}x{{/ifEquals}}', '{}');
SELECT render(E'ok\n{{#items}}\n  {{name}}\n', '{}');
SELECT render('{{#a}}x{{/b}}', '{}');
SELECT render('{{/a}}', '{}');
SELECT render('{{else}}', '{}');
SELECT render('{{a', '{}');
SELECT render('{{a b=c}}', '{}');
SELECT render('{{=<% %>=}}', '{}');
SELECT template_check('{{upper a b}}');
SELECT render('{{currency a "USD"}}', '{"a": "lots"}');

-- partials: must be an object of strings; a compile error names the partial
SELECT render('[{{> p}}]', '{"x": 1}', '{"p": "{{x}}"}');
SELECT render('{{> p}}', '{}', '[]');
SELECT render('{{> p}}', '{}', '{"p": 1}');
SELECT render('{{> p}}', '{}', E'{"p": "ok\\n{{#x}}"}');

-- limits: each has its own message (54000)
SELECT render('{{> loop}}', '{}', '{"loop": "x{{> loop}}"}');
SELECT render(repeat('{{#a}}', 70) || repeat('{{/a}}', 70), '{}');
SELECT render(repeat('x', 300 * 1024), '{}');
SELECT render('{{#each r}}{{{s}}}{{/each}}', jsonb_build_object('s', repeat('y', 1024 * 1024), 'r', '[1,2,3,4,5]'::jsonb));
SET flowcomm.template_max_output = '1kB';
SELECT length(render('{{{s}}}', jsonb_build_object('s', repeat('y', 1024)))) AS at_limit;
SELECT render('{{{s}}}', jsonb_build_object('s', repeat('y', 1025)));
RESET flowcomm.template_max_output;

-- html_to_text
SELECT html_to_text(E'<html><head><title>Invoice</title><style>p { color: red }</style></head><body>\n'
	'<h1>Invoice  A-1</h1><p>Hello&nbsp;<b>Ana</b>,<br>thanks &amp; regards.</p>'
	'<p>Pay <a href="https://pay.example/i/1">online</a> or see <a href="https://example.com">https://example.com</a>.</p>'
	'<ul><li>One</li><li>Two &lt;2&gt;</li></ul><table><tr><td>Item</td><td>$5.00</td></tr><tr><td>Tax</td><td>$0.40</td></tr></table>'
	'<script>alert(1)</script><!-- hidden --><p>&iexcl;Gracias! &#169; &#x2014; caf&eacute;</p></body></html>');
SELECT html_to_text('plain   text,
 no tags') AS plain, html_to_text('') AS empty;

-- one render compiles a bounded number of partial instances (54000)
SELECT render(string_agg(repeat(' ', i) || '{{> p}}' || E'\n', ''), '{}', '{"p": "x"}')
  FROM generate_series(1, 300) AS i;
