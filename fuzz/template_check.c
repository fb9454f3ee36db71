/*-------------------------------------------------------------------------
 *
 * template_check.c
 *	  Standalone conformance check of the template engine core: runs every
 *	  case of the mustache spec JSON files, then a table of flowcomm helper
 *	  cases, without PostgreSQL, so that it can run under valgrind.
 *
 * Usage: template_check SPEC_DIR
 * Prints one line per failure and a closing "N passed, N failed" line;
 * exits 1 if anything failed.
 *
 * fuzz/template_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

static int	passed;
static int	failed;

static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	if (buf == NULL || fread(buf, 1, n, f) != (size_t) n)
	{
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t) n;
	return buf;
}

static const TplValue *
member(const TplValue *obj, const char *key)
{
	return tpl_value_get(obj, key, strlen(key));
}

/* Compile and render; returns malloc'd output or an "ERROR: ..." string */
static char *
render(const char *src, size_t len, const TplValue *data,
	   const TplValue *partials, TplEscape escape, bool strict)
{
	TplLimits	limits;
	TplRenderOptions opts;
	TplTemplate *tpl;
	TplError	err;
	TplBuf		out;
	char	   *res;

	tpl_limits_default(&limits);
	tpl_render_options_default(&opts);
	opts.escape = escape;
	opts.strict = strict;
	tpl = tpl_compile(src, len, &limits, tpl_malloc_allocator(), &err);
	if (tpl != NULL &&
		tpl_render_value(tpl, data, partials, &opts, tpl_malloc_allocator(),
						 &out, &err))
	{
		res = strdup(out.data);
		tpl_buf_free(&out);
		tpl_free(tpl);
		return res;
	}
	tpl_free(tpl);
	res = malloc(sizeof(err.message) + 64);
	snprintf(res, sizeof(err.message) + 64, "ERROR: %s (%d:%d)", err.message,
			 err.line, err.column);
	return res;
}

static void
report(const char *suite, const char *name, size_t nlen,
	   const char *expected, size_t elen, const char *got)
{
	if (strlen(got) == elen && memcmp(got, expected, elen) == 0)
	{
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s / %.*s\n  expected: [%.*s]\n  got:      [%s]\n",
		   suite, (int) nlen, name, (int) elen, expected, got);
}

static void
run_spec_file(const char *dir, const char *file)
{
	char		path[1024];
	char	   *text;
	size_t		len;
	TplArena	arena;
	TplError	err = {0};
	const TplValue *root;
	const TplValue *tests;
	size_t		i;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((text = read_file(path, &len)) == NULL)
	{
		printf("FAIL cannot read %s\n", path);
		failed++;
		return;
	}
	tpl_arena_init(&arena, tpl_malloc_allocator(), &err);
	root = tpl_json_parse(&arena, text, len, &err);
	tests = member(root, "tests");
	if (tests == NULL || tests->type != TV_ARRAY)
	{
		printf("FAIL %s: %s\n", path, err.message);
		failed++;
	}
	for (i = 0; tests != NULL && i < tests->n; i++)
	{
		const TplValue *t = tests->items[i];
		const TplValue *tpl = member(t, "template");
		const TplValue *exp = member(t, "expected");
		char	   *got = render(tpl->str, tpl->len, member(t, "data"),
								 member(t, "partials"), TPL_ESCAPE_HTML, false);

		report(file, member(t, "name")->str, member(t, "name")->len,
			   exp->str, exp->len, got);
		free(got);
	}
	tpl_arena_destroy(&arena);
	free(text);
}

typedef struct Case
{
	const char *tpl;
	const char *data;
	const char *expected;
	TplEscape	escape;
	bool		strict;
} Case;

static const Case cases[] = {
	{"{{currency a \"USD\"}}", "{\"a\": 1234.5}", "$1,234.50"},
	{"{{currency a \"USD\" \"en-US\"}}", "{\"a\": -1234567.125}", "-$1,234,567.13"},
	{"{{currency a \"EUR\" \"de-DE\"}}", "{\"a\": 1234.5}", "1.234,50 €"},
	{"{{currency a \"EUR\" \"es-ES\"}}", "{\"a\": 1234.5}", "1234,50 €"},
	{"{{currency a \"MXN\" \"es-MX\"}}", "{\"a\": \"99999.995\"}", "$100,000.00"},
	{"{{currency a \"JPY\"}}", "{\"a\": 1234.5}", "¥1,235"},
	{"{{currency a \"KWD\"}}", "{\"a\": 1.2345}", "KWD 1.235"},
	{"{{currency a \"USD\" \"en-US\" \"code\"}}", "{\"a\": 0.004}", "USD 0.00"},
	{"{{currency a \"USD\"}}", "{\"a\": -0.004}", "$0.00"},
	{"{{currency a \"USD\"}}", "{\"a\": 1.5e3}", "$1,500.00"},
	{"{{currency a \"BRL\" \"pt-BR\"}}", "{\"a\": 1234.5}", "R$ 1.234,50"},
	{"{{currency a c}}", "{\"a\": 5, \"c\": \"gbp\"}", "£5.00"},
	{"{{currency a \"USD\"}}", "{}", ""},
	{"{{date d \"long\"}}", "{\"d\": \"2024-03-05\"}", "March 5, 2024"},
	{"{{date d \"full\" \"UTC\" \"es-MX\"}}", "{\"d\": \"2024-03-05\"}", "martes, 5 de marzo de 2024"},
	{"{{date d \"short\" \"UTC\" \"de-DE\"}}", "{\"d\": \"2024-03-05\"}", "05.03.24"},
	{"{{date d \"iso\" \"-06:00\"}}", "{\"d\": \"2024-03-05T02:30:00Z\"}", "2024-03-04T20:30:00-06:00"},
	{"{{date d \"datetime\" \"+05:30\"}}", "{\"d\": \"2024-12-31T20:00:00Z\"}", "Jan 1, 2025, 1:30 AM"},
	{"{{date d}}", "{\"d\": \"2024-02-29\"}", "Feb 29, 2024"},
	{"{{default a \"n/a\"}}|{{default b \"n/a\"}}", "{\"a\": \"x\", \"b\": \"\"}", "x|n/a"},
	{"{{upper a}} {{lower a}}", "{\"a\": \"José Ñandú\"}", "JOSÉ ÑANDÚ josé ñandú"},
	{"{{truncate a 8}}", "{\"a\": \"Café con leche\"}", "Café co…"},
	{"{{truncate a 20}}", "{\"a\": \"short\"}", "short"},
	{"{{phone a}}", "{\"a\": \"+15551234567\"}", "+1 (555) 123-4567"},
	{"{{phone a}}", "{\"a\": \"+525512345678\"}", "+52 551 234 5678"},
	{"{{phone a}}", "{\"a\": \"555-1234\"}", "555-1234"},
	{"{{#if a}}y{{else}}n{{/if}}{{#if b}}y{{else}}n{{/if}}", "{\"a\": 1, \"b\": 0}", "yn"},
	{"{{#unless a}}y{{/unless}}", "{\"a\": []}", "y"},
	{"{{#ifEquals a \"paid\"}}P{{else}}U{{/ifEquals}}", "{\"a\": \"paid\"}", "P"},
	{"{{#ifEquals a 3}}3{{/ifEquals}}", "{\"a\": \"3\"}", "3"},
	{"{{#each xs}}{{@index}}{{this}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}},{{/each}}", "{\"xs\": [\"a\",\"b\"]}", "0aF,1bL,"},
	{"{{#each o}}{{@key}}={{.}};{{/each}}", "{\"o\": {\"x\": 1, \"y\": 2}}", "x=1;y=2;"},
	{"{{#each xs}}x{{else}}empty{{/each}}", "{\"xs\": []}", "empty"},
	{"{{#with c}}{{name}}{{/with}}", "{\"c\": {\"name\": \"Ana\"}}", "Ana"},
	{"a  {{~ x ~}}  b", "{\"x\": 1}", "a1b"},
	{"<p>\n  {{~#if x~}}\n  yes\n  {{~/if~}}\n</p>", "{\"x\": true}", "<p>yes</p>"},
	{"{{x}}", "{\"x\": \"<a href='x'>\"}", "&lt;a href=&#39;x&#39;&gt;"},
	{"{{x}}|{{{x}}}", "{\"x\": \"a\\u0001b\\r\\n\\tc<\"}", "ab\n\tc<|ab\n\tc<", TPL_ESCAPE_NONE},
	{"{{a}}{{b}}", "{\"a\": 1}", "ERROR: missing template variable \"b\" (0:0)", TPL_ESCAPE_HTML, true},
	{"{{#if a}}{{b}}{{/if}}", "{\"a\": 1, \"b\": null}", "", TPL_ESCAPE_HTML, true},
	{"{{nope x}}", "{}", "ERROR: unknown helper \"nope\" (1:1)"},
	{"x\n {{truncate a \"x\"}}", "{}", "ERROR: helper \"truncate\" argument 2: length must be a non-negative integer, got \"x\" (2:2)"},
	{"{{currency a \"XYZ\"}}", "{}", "ERROR: helper \"currency\" argument 2: unknown currency code \"XYZ\" (1:1)"},
	{"{{#a}}", "{}", "ERROR: unclosed section \"a\" (1:1)"},
	{"{{#a}}{{/b}}", "{}", "ERROR: closing tag \"b\" does not match open section \"a\" (1:7)"},
	{"{{upper}}", "{\"upper\": \"v\"}", "v"},
};

static void
run_cases(void)
{
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		const Case *c = &cases[i];
		TplArena	arena;
		TplError	err = {0};
		const TplValue *data;
		char	   *got;

		tpl_arena_init(&arena, tpl_malloc_allocator(), &err);
		data = tpl_json_parse(&arena, c->data, strlen(c->data), &err);
		got = render(c->tpl, strlen(c->tpl), data, NULL, c->escape, c->strict);
		report("helpers", c->tpl, strlen(c->tpl), c->expected, strlen(c->expected), got);
		free(got);
		tpl_arena_destroy(&arena);
	}
}

static void
run_html_to_text(void)
{
	const char *html = "<html><head><title>T</title><style>p{}</style></head>"
		"<body><p>Hello&nbsp;<b>Ana</b>,</p><p>Pay <a href=\"https://x.io/p\">here</a>"
		" or at <a href=\"https://x.io\">https://x.io</a>.</p><ul><li>One</li>"
		"<li>Two &amp; more</li></ul><table><tr><td>A</td><td>1</td></tr></table>"
		"<script>alert(1)</script>Bye<br>&#161;Adi&oacute;s!</body></html>";
	const char *expected = "Hello Ana,\n\nPay here (https://x.io/p) or at https://x.io.\n\n"
		"- One\n- Two & more\n\nA 1\n\nBye\n¡Adiós!";
	TplBuf		out;
	TplError	err;

	if (!tpl_html_to_text(html, strlen(html), tpl_malloc_allocator(), &out, &err))
	{
		report("html", "html_to_text", 12, expected, strlen(expected), err.message);
		return;
	}
	report("html", "html_to_text", 12, expected, strlen(expected), out.data);
	tpl_buf_free(&out);
}

int
main(int argc, char **argv)
{
	static const char *const files[] = {
		"comments.json", "interpolation.json", "inverted.json",
		"partials.json", "sections.json"
	};
	const char *dir = argc > 1 ? argv[1] : "../../shared/spec/mustache";
	size_t		i;
	int			spec_passed;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		run_spec_file(dir, files[i]);
	spec_passed = passed;
	printf("mustache spec: %d of %d cases pass\n", spec_passed, passed + failed);
	run_cases();
	run_html_to_text();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
