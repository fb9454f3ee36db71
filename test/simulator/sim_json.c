/*-------------------------------------------------------------------------
 *
 * sim_json.c
 *	  Small JSON helpers for flowcomm-sim: a strict RFC 8259 parser that
 *	  builds a read-only tree in an arena (used to validate Sendgrid bodies
 *	  and to read fault configurations), and a growable string buffer that
 *	  writes JSON string literals.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_JSON_MAX_DEPTH	64
#define SIM_ARENA_BLOCK		(64 * 1024)

struct SimArenaBlock
{
	SimArenaBlock *next;
	size_t		used;
	size_t		size;
	char		data[];
};

typedef struct JsonParser
{
	const char *p;
	const char *end;
	SimArena   *arena;
	int			depth;
} JsonParser;

static void *
arena_alloc(SimArena *arena, size_t n)
{
	SimArenaBlock *b = arena->head;

	n = (n + 7) & ~(size_t) 7;
	if (b == NULL || b->size - b->used < n)
	{
		size_t		size = n > SIM_ARENA_BLOCK ? n : SIM_ARENA_BLOCK;

		b = malloc(sizeof(SimArenaBlock) + size);
		if (b == NULL)
			abort();
		b->next = arena->head;
		b->used = 0;
		b->size = size;
		arena->head = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

void
sim_arena_free(SimArena *arena)
{
	SimArenaBlock *b = arena->head;

	while (b != NULL)
	{
		SimArenaBlock *next = b->next;

		free(b);
		b = next;
	}
	arena->head = NULL;
}

static void
skip_ws(JsonParser *ps)
{
	while (ps->p < ps->end &&
		   (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
read_hex4(JsonParser *ps, unsigned int *out)
{
	unsigned int v = 0;

	if (ps->end - ps->p < 4)
		return false;
	for (int i = 0; i < 4; i++)
	{
		int			h = hexval(ps->p[i]);

		if (h < 0)
			return false;
		v = (v << 4) | (unsigned int) h;
	}
	ps->p += 4;
	*out = v;
	return true;
}

static size_t
put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80)
	{
		o[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		o[0] = (char) (0xC0 | (cp >> 6));
		o[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		o[0] = (char) (0xE0 | (cp >> 12));
		o[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char) (0xF0 | (cp >> 18));
	o[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/* parse a string literal at ps->p (the opening quote); decoded into arena */
static bool
parse_string(JsonParser *ps, const char **out, size_t *outlen)
{
	const char *s = ps->p + 1;
	const char *q = s;
	char	   *buf;
	size_t		n = 0;

	/* find the closing quote to size the buffer */
	while (q < ps->end && *q != '"')
	{
		if (*q == '\\')
			q++;
		q++;
	}
	if (q >= ps->end)
		return false;
	buf = arena_alloc(ps->arena, (size_t) (q - s) + 1);
	ps->p = s;
	while (ps->p < ps->end && *ps->p != '"')
	{
		unsigned char c = (unsigned char) *ps->p;

		if (c < 0x20)
			return false;
		if (c != '\\')
		{
			buf[n++] = (char) c;
			ps->p++;
			continue;
		}
		ps->p++;
		if (ps->p >= ps->end)
			return false;
		c = (unsigned char) *ps->p++;
		switch (c)
		{
			case '"':
			case '\\':
			case '/':
				buf[n++] = (char) c;
				break;
			case 'b':
				buf[n++] = '\b';
				break;
			case 'f':
				buf[n++] = '\f';
				break;
			case 'n':
				buf[n++] = '\n';
				break;
			case 'r':
				buf[n++] = '\r';
				break;
			case 't':
				buf[n++] = '\t';
				break;
			case 'u':
				{
					unsigned int cp;

					if (!read_hex4(ps, &cp))
						return false;
					if (cp >= 0xD800 && cp <= 0xDBFF &&
						ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u')
					{
						unsigned int lo;

						ps->p += 2;
						if (!read_hex4(ps, &lo) || lo < 0xDC00 || lo > 0xDFFF)
							return false;
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					}
					/* an escape never decodes longer than its 6 chars */
					n += put_utf8(buf + n, cp);
					break;
				}
			default:
				return false;
		}
	}
	if (ps->p >= ps->end)
		return false;
	ps->p++;					/* closing quote */
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return true;
}

static SimJson *parse_value(JsonParser *ps);

static SimJson *
new_node(JsonParser *ps, SimJsonType type)
{
	SimJson    *v = arena_alloc(ps->arena, sizeof(SimJson));

	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

static bool
match_word(JsonParser *ps, const char *w)
{
	size_t		n = strlen(w);

	if ((size_t) (ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static SimJson *
parse_number(JsonParser *ps)
{
	const char *s = ps->p;
	char		tmp[64];
	SimJson    *v;
	bool		is_int = true;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end)
		return NULL;
	if (*ps->p == '0')
		ps->p++;
	else if (*ps->p >= '1' && *ps->p <= '9')
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	else
		return NULL;
	if (ps->p < ps->end && *ps->p == '.')
	{
		is_int = false;
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return NULL;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E'))
	{
		is_int = false;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return NULL;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if ((size_t) (ps->p - s) >= sizeof(tmp))
	{
		/* absurdly long literal: keep it valid but imprecise */
		v = new_node(ps, SJ_NUM);
		v->num = 0;
		v->is_int = false;
		return v;
	}
	memcpy(tmp, s, (size_t) (ps->p - s));
	tmp[ps->p - s] = '\0';
	v = new_node(ps, SJ_NUM);
	v->num = strtod(tmp, NULL);
	v->is_int = is_int;
	return v;
}

static SimJson *
parse_container(JsonParser *ps, bool is_obj)
{
	SimJson    *v = new_node(ps, is_obj ? SJ_OBJ : SJ_ARR);
	SimJson   **tail = &v->child;
	char		close = is_obj ? '}' : ']';

	if (++ps->depth > SIM_JSON_MAX_DEPTH)
		return NULL;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close)
	{
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;)
	{
		const char *key = NULL;
		size_t		keylen = 0;
		SimJson    *item;

		skip_ws(ps);
		if (is_obj)
		{
			if (ps->p >= ps->end || *ps->p != '"' ||
				!parse_string(ps, &key, &keylen))
				return NULL;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return NULL;
			ps->p++;
		}
		item = parse_value(ps);
		if (item == NULL)
			return NULL;
		item->key = key;
		item->keylen = keylen;
		*tail = item;
		tail = &item->next;
		v->count++;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return NULL;
		if (*ps->p == ',')
		{
			ps->p++;
			continue;
		}
		if (*ps->p == close)
		{
			ps->p++;
			break;
		}
		return NULL;
	}
	ps->depth--;
	return v;
}

static SimJson *
parse_value(JsonParser *ps)
{
	SimJson    *v;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return NULL;
	switch (*ps->p)
	{
		case '{':
			return parse_container(ps, true);
		case '[':
			return parse_container(ps, false);
		case '"':
			v = new_node(ps, SJ_STR);
			if (!parse_string(ps, &v->str, &v->len))
				return NULL;
			return v;
		case 't':
			if (!match_word(ps, "true"))
				return NULL;
			v = new_node(ps, SJ_BOOL);
			v->b = true;
			return v;
		case 'f':
			if (!match_word(ps, "false"))
				return NULL;
			return new_node(ps, SJ_BOOL);
		case 'n':
			if (!match_word(ps, "null"))
				return NULL;
			return new_node(ps, SJ_NULL);
		default:
			return parse_number(ps);
	}
}

/*
 * Parse a whole JSON text.  Returns NULL on any syntax error or trailing
 * garbage.  All nodes and strings live in *arena until sim_arena_free().
 */
SimJson *
sim_json_parse(const char *text, size_t len, SimArena *arena)
{
	JsonParser	ps;
	SimJson    *v;

	ps.p = text;
	ps.end = text + len;
	ps.arena = arena;
	ps.depth = 0;
	v = parse_value(&ps);
	if (v == NULL)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end)
		return NULL;
	return v;
}

/* member of an object by name (last one wins, like most parsers) */
const SimJson *
sim_json_get(const SimJson *obj, const char *key)
{
	const SimJson *found = NULL;
	size_t		n = strlen(key);

	if (obj == NULL || obj->type != SJ_OBJ)
		return NULL;
	for (const SimJson *m = obj->child; m != NULL; m = m->next)
		if (m->keylen == n && memcmp(m->key, key, n) == 0)
			found = m;
	return found;
}

/* ---------------- string buffer ---------------- */

void
sim_buf_init(SimBuf *b, size_t cap)
{
	if (cap < 16)
		cap = 16;
	b->data = malloc(cap);
	if (b->data == NULL)
		abort();
	b->data[0] = '\0';
	b->len = 0;
	b->cap = cap;
}

void
sim_buf_reserve(SimBuf *b, size_t extra)
{
	size_t		need = b->len + extra + 1;

	if (b->data == NULL)
		sim_buf_init(b, need);
	if (need <= b->cap)
		return;
	while (b->cap < need)
		b->cap *= 2;
	b->data = realloc(b->data, b->cap);
	if (b->data == NULL)
		abort();
}

void
sim_buf_append(SimBuf *b, const char *s, size_t n)
{
	sim_buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
sim_buf_puts(SimBuf *b, const char *s)
{
	sim_buf_append(b, s, strlen(s));
}

void
sim_buf_printf(SimBuf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	sim_buf_reserve(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n >= b->cap - b->len)
	{
		sim_buf_reserve(b, (size_t) n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t) n;
}

/* append s as a JSON string literal, escaping what RFC 8259 requires */
void
sim_buf_json_str(SimBuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char	   *o;

	/* worst case: every byte becomes \u00XX */
	sim_buf_reserve(b, n * 6 + 2);
	o = b->data + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\')
		{
			*o++ = '\\';
			*o++ = (char) c;
		}
		else if (c == '\n')
		{
			*o++ = '\\';
			*o++ = 'n';
		}
		else if (c == '\r')
		{
			*o++ = '\\';
			*o++ = 'r';
		}
		else if (c == '\t')
		{
			*o++ = '\\';
			*o++ = 't';
		}
		else if (c < 0x20 || c == 0x7f)
		{
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
		else
			*o++ = (char) c;
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t) (o - b->data);
}

void
sim_buf_json_str_or_null(SimBuf *b, const char *s)
{
	if (s == NULL)
		sim_buf_append(b, "null", 4);
	else
		sim_buf_json_str(b, s, strlen(s));
}

void
sim_buf_free(SimBuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
