-- Mustache spec conformance: every case of the five spec files in
-- ../shared/spec/mustache must render its expected output exactly.
-- The files are read on the client side (psql backquotes) from the
-- repository's sibling shared/ directory; FC_REPO is set by
-- test/run_tests.sh, PG_ABS_SRCDIR (test/) by plain pg_regress.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS flowcomm;
RESET client_min_messages;
\getenv fc_repo FC_REPO
\if :{?fc_repo}
\else
\getenv fc_srcdir PG_ABS_SRCDIR
\set fc_repo :fc_srcdir '/..'
\endif
\set spec_dir :fc_repo '/../shared/spec/mustache'
-- test/run_tests.sh passes a copy the postgres OS user can read.
\getenv fc_spec FC_MUSTACHE_SPEC
\if :{?fc_spec}
\set spec_dir :fc_spec
\endif
\set spec_comments `cat :'spec_dir'/comments.json`
\set spec_interpolation `cat :'spec_dir'/interpolation.json`
\set spec_inverted `cat :'spec_dir'/inverted.json`
\set spec_partials `cat :'spec_dir'/partials.json`
\set spec_sections `cat :'spec_dir'/sections.json`
CREATE TEMP TABLE spec_case AS
SELECT f.file, t.n, t.test
  FROM (VALUES ('comments', :'spec_comments'::jsonb),
			   ('interpolation', :'spec_interpolation'::jsonb),
			   ('inverted', :'spec_inverted'::jsonb),
			   ('partials', :'spec_partials'::jsonb),
			   ('sections', :'spec_sections'::jsonb)) AS f(file, doc),
	   jsonb_array_elements(f.doc -> 'tests') WITH ORDINALITY AS t(test, n);
CREATE TEMP TABLE spec_result AS
SELECT file, n, test ->> 'name' AS name, test ->> 'expected' AS expected,
	   flowcomm.render(test ->> 'template', test -> 'data',
					   coalesce(test -> 'partials', '{}')) AS got
  FROM spec_case;
-- cases per file
SELECT file, count(*) AS cases FROM spec_result GROUP BY file ORDER BY file;
-- failures (none expected)
SELECT file, name, expected, got FROM spec_result
 WHERE got IS DISTINCT FROM expected ORDER BY file, n;
SELECT count(*) FILTER (WHERE got = expected) AS passed, count(*) AS total
  FROM spec_result;
-- the standalone rules do not depend on the escape mode
SELECT count(*) AS passed_plain
  FROM spec_case
 WHERE flowcomm.render(test ->> 'template', test -> 'data', coalesce(test -> 'partials', '{}'), 'none')
	   = replace(replace(replace(replace(test ->> 'expected', '&quot;', '"'), '&lt;', '<'), '&gt;', '>'), '&amp;', '&')
	OR test ->> 'expected' LIKE E'%\r%';
