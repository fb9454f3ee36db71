/*-------------------------------------------------------------------------
 *
 * template_json.c
 *	  Rendering from JSON text: a strict RFC 8259 parser into the engine's
 *	  value model, and tpl_render_json.
 *
 * The extension hands the engine jsonb values directly (template_sql.c), so
 * this file is not part of flowcomm.so; it serves the standalone programs
 * under fuzz/ (the spec checker, the fuzzer, the valgrind runs), which
 * compile the engine without PostgreSQL.  Numbers keep their source text so
 * that interpolation prints exactly what the caller sent; strings are
 * decoded to UTF-8.
 *
 * src/template_json.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

typedef struct JsonParser
{
	TplArena   *arena;
	const char *s;
	size_t		len;
	size_t		pos;
	int			depth;
	TplError   *err;
} JsonParser;

static TplValue *json_value(JsonParser *p);

static bool
json_fail(JsonParser *p, const char *what)
{
	tpl_set_error(p->err, TPL_ERR_JSON, "invalid JSON: %s at offset %zu",
				  what, p->pos);
	return false;
}

static void
json_ws(JsonParser *p)
{
	while (p->pos < p->len)
	{
		char		c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static TplValue *
json_new(JsonParser *p, TplValueType type)
{
	TplValue   *v = tpl_arena_alloc(p->arena, sizeof(TplValue));

	if (v == NULL)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

static int
hex4(const char *s)
{
	int			v = 0;
	int			i;

	for (i = 0; i < 4; i++)
	{
		char		c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Decode a \u escape (pos at the 'u'), surrogate pairs included */
static bool
json_unicode(JsonParser *p, char *out, size_t *olen)
{
	int			cp;

	if (p->pos + 5 > p->len || (cp = hex4(p->s + p->pos + 1)) < 0)
		return json_fail(p, "bad \\u escape");
	p->pos += 5;
	if (cp >= 0xD800 && cp <= 0xDBFF)
	{
		int			lo;

		if (p->pos + 6 > p->len || p->s[p->pos] != '\\' ||
			p->s[p->pos + 1] != 'u' ||
			(lo = hex4(p->s + p->pos + 2)) < 0xDC00 || lo > 0xDFFF)
			return json_fail(p, "unpaired surrogate");
		p->pos += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	else if (cp >= 0xDC00 && cp <= 0xDFFF)
		return json_fail(p, "unpaired surrogate");
	*olen += tpl_utf8_encode((uint32_t) cp, out + *olen);
	return true;
}

static bool
json_escape(JsonParser *p, char *out, size_t *olen)
{
	char		c;

	p->pos++;					/* backslash */
	if (p->pos >= p->len)
		return json_fail(p, "unterminated string");
	c = p->s[p->pos];
	switch (c)
	{
		case '"':
		case '\\':
		case '/':
			out[(*olen)++] = c;
			break;
		case 'b':
			out[(*olen)++] = '\b';
			break;
		case 'f':
			out[(*olen)++] = '\f';
			break;
		case 'n':
			out[(*olen)++] = '\n';
			break;
		case 'r':
			out[(*olen)++] = '\r';
			break;
		case 't':
			out[(*olen)++] = '\t';
			break;
		case 'u':
			return json_unicode(p, out, olen);
		default:
			return json_fail(p, "bad escape");
	}
	p->pos++;
	return true;
}

/* Parse a string at p->pos (the opening quote) into *s / *slen */
static bool
json_string(JsonParser *p, const char **s, size_t *slen)
{
	size_t		start = ++p->pos;
	size_t		end = start;
	char	   *out;
	size_t		olen = 0;

	/* fast scan: strings without escapes are referenced in place */
	while (end < p->len && p->s[end] != '"' && p->s[end] != '\\')
	{
		if ((unsigned char) p->s[end] < 0x20)
		{
			p->pos = end;
			return json_fail(p, "control character in string");
		}
		end++;
	}
	if (end < p->len && p->s[end] == '"')
	{
		*s = p->s + start;
		*slen = end - start;
		p->pos = end + 1;
		return true;
	}
	/* find the closing quote: escapes never make a string longer */
	while (end < p->len && p->s[end] != '"')
		end += (p->s[end] == '\\') ? 2 : 1;
	out = tpl_arena_alloc(p->arena, (end < p->len ? end : p->len) - start + 1);
	if (out == NULL)
		return false;
	while (p->pos < p->len && p->s[p->pos] != '"')
	{
		unsigned char c = (unsigned char) p->s[p->pos];

		if (c < 0x20)
			return json_fail(p, "control character in string");
		if (c == '\\')
		{
			if (!json_escape(p, out, &olen))
				return false;
			continue;
		}
		out[olen++] = (char) c;
		p->pos++;
	}
	if (p->pos >= p->len)
		return json_fail(p, "unterminated string");
	p->pos++;
	out[olen] = '\0';
	*s = out;
	*slen = olen;
	return true;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static TplValue *
json_number(JsonParser *p)
{
	size_t		start = p->pos;
	TplValue   *v;
	char		tmp[64];
	size_t		n;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || !is_digit(p->s[p->pos]))
		return json_fail(p, "bad number"), NULL;
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.')
	{
		p->pos++;
		if (p->pos >= p->len || !is_digit(p->s[p->pos]))
			return json_fail(p, "bad number"), NULL;
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E'))
	{
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !is_digit(p->s[p->pos]))
			return json_fail(p, "bad number"), NULL;
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	}
	if ((v = json_new(p, TV_NUMBER)) == NULL)
		return NULL;
	v->str = p->s + start;
	v->len = p->pos - start;
	n = v->len < sizeof(tmp) - 1 ? v->len : sizeof(tmp) - 1;
	memcpy(tmp, v->str, n);
	tmp[n] = '\0';
	v->num = strtod(tmp, NULL);
	return v;
}

static bool
json_literal(JsonParser *p, const char *word)
{
	size_t		n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return json_fail(p, "unexpected token");
	p->pos += n;
	return true;
}

/*
 * Containers are collected into a temporary growable array in the arena,
 * doubling; the waste is bounded by the input size.
 */
static TplValue *
json_array(JsonParser *p)
{
	TplValue   *v = json_new(p, TV_ARRAY);
	size_t		cap = 0;

	if (v == NULL)
		return NULL;
	p->pos++;
	json_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']')
	{
		p->pos++;
		return v;
	}
	for (;;)
	{
		TplValue   *item;

		if ((item = json_value(p)) == NULL)
			return NULL;
		if (v->n == cap)
		{
			TplValue  **n;

			cap = cap ? cap * 2 : 4;
			if ((n = tpl_arena_alloc(p->arena, cap * sizeof(TplValue *))) == NULL)
				return NULL;
			if (v->n)
				memcpy(n, v->items, v->n * sizeof(TplValue *));
			v->items = n;
		}
		v->items[v->n++] = item;
		json_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',')
		{
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']')
		{
			p->pos++;
			return v;
		}
		return json_fail(p, "expected ',' or ']'"), NULL;
	}
}

static bool
json_member(JsonParser *p, TplValue *v, size_t *cap)
{
	const char *key;
	size_t		klen;
	TplValue   *val;

	json_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return json_fail(p, "expected object key");
	if (!json_string(p, &key, &klen))
		return false;
	json_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return json_fail(p, "expected ':'");
	p->pos++;
	if ((val = json_value(p)) == NULL)
		return false;
	if (v->n == *cap)
	{
		TplMember  *n;

		*cap = *cap ? *cap * 2 : 8;
		if ((n = tpl_arena_alloc(p->arena, *cap * sizeof(TplMember))) == NULL)
			return false;
		if (v->n)
			memcpy(n, v->members, v->n * sizeof(TplMember));
		v->members = n;
	}
	v->members[v->n].key = key;
	v->members[v->n].klen = klen;
	v->members[v->n].value = val;
	v->n++;
	return true;
}

static TplValue *
json_object(JsonParser *p)
{
	TplValue   *v = json_new(p, TV_OBJECT);
	size_t		cap = 0;

	if (v == NULL)
		return NULL;
	p->pos++;
	json_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}')
	{
		p->pos++;
		return v;
	}
	for (;;)
	{
		if (!json_member(p, v, &cap))
			return NULL;
		json_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',')
		{
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}')
		{
			p->pos++;
			return v;
		}
		return json_fail(p, "expected ',' or '}'"), NULL;
	}
}

static TplValue *
json_value(JsonParser *p)
{
	TplValue   *v = NULL;

	json_ws(p);
	if (p->pos >= p->len)
		return json_fail(p, "unexpected end of input"), NULL;
	if (++p->depth > TPL_JSON_MAX_DEPTH)
		return json_fail(p, "nesting too deep"), NULL;
	switch (p->s[p->pos])
	{
		case '{':
			v = json_object(p);
			break;
		case '[':
			v = json_array(p);
			break;
		case '"':
			if ((v = json_new(p, TV_STRING)) != NULL &&
				!json_string(p, &v->str, &v->len))
				v = NULL;
			break;
		case 't':
			if (json_literal(p, "true") && (v = json_new(p, TV_BOOL)) != NULL)
				v->b = true;
			break;
		case 'f':
			if (json_literal(p, "false"))
				v = json_new(p, TV_BOOL);
			break;
		case 'n':
			if (json_literal(p, "null"))
				v = json_new(p, TV_NULL);
			break;
		default:
			v = json_number(p);
			break;
	}
	p->depth--;
	return v;
}

TplValue *
tpl_json_parse(TplArena *arena, const char *text, size_t len, TplError *err)
{
	JsonParser	p;
	TplValue   *v;

	p.arena = arena;
	p.s = text;
	p.len = len;
	p.pos = 0;
	p.depth = 0;
	p.err = err;
	if ((v = json_value(&p)) == NULL)
		return NULL;
	json_ws(&p);
	if (p.pos != p.len)
		return json_fail(&p, "trailing characters"), NULL;
	return v;
}

/* Prefix an error message with "partials: " (a JSON error in partials) */
static void
prefix_message(TplError *err, const char *prefix)
{
	char		tmp[sizeof(err->message)];

	snprintf(tmp, sizeof(tmp), "%s%.200s", prefix, err->message);
	memcpy(err->message, tmp, sizeof(tmp));
}

bool
tpl_render_json(const TplTemplate *tpl,
				const char *vars_json, size_t vars_len,
				const char *partials_json, size_t partials_len,
				const TplRenderOptions *opts, const TplAllocator *alloc,
				TplBuf *out, TplError *err)
{
	TplArena	arena;
	const TplValue *vars = NULL;
	const TplValue *partials = NULL;
	bool		ok = false;

	memset(err, 0, sizeof(*err));
	tpl_arena_init(&arena, alloc, err);
	if (vars_json != NULL &&
		(vars = tpl_json_parse(&arena, vars_json, vars_len, err)) == NULL)
		goto done;
	if (partials_json != NULL &&
		(partials = tpl_json_parse(&arena, partials_json, partials_len, err)) == NULL)
	{
		prefix_message(err, "partials: ");
		goto done;
	}
	ok = tpl_render_value(tpl, vars, partials, opts, alloc, out, err);
done:
	tpl_arena_destroy(&arena);
	return ok;
}
