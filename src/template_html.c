/*-------------------------------------------------------------------------
 *
 * template_html.c
 *	  Derive the text/plain alternative of an HTML e-mail body.
 *
 * This is not an HTML parser: e-mail bodies come from our own templates,
 * so a forgiving single pass is enough.  Tags are dropped (with the
 * content of script, style, head and title), block boundaries become line
 * breaks, links keep their target as "text (url)", entities are decoded
 * and source whitespace collapses the way a browser would show it.
 *
 * src/template_html.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template_int.h"

typedef struct H2T
{
	const char *s;
	size_t		len;
	size_t		pos;
	TplBuf	   *out;
	TplError   *err;
	int			newlines;		/* trailing '\n' count in out */
	bool		space;			/* a collapsed space is pending */
	const char *href;			/* open <a href>, or NULL */
	size_t		href_len;
	size_t		link_start;		/* out->len when the <a> opened */
} H2T;

typedef enum BreakKind
{
	BRK_NONE,
	BRK_SPACE,					/* table cells */
	BRK_LINE,
	BRK_PARA,
	BRK_ITEM					/* <li>: new line and a dash */
} BreakKind;

static bool
emit_raw(H2T *h, const char *s, size_t n)
{
	if (n == 0)
		return true;
	h->newlines = (s[n - 1] == '\n') ? h->newlines + 1 : 0;
	return tpl_buf_append(h->out, s, n, h->err);
}

/* Visible text: a pending space is written only between words */
static bool
emit_text(H2T *h, const char *s, size_t n)
{
	if (h->space && h->out->len > 0 && h->newlines == 0 &&
		!emit_raw(h, " ", 1))
		return false;
	h->space = false;
	return emit_raw(h, s, n);
}

static bool
emit_break(H2T *h, BreakKind kind)
{
	int			want = (kind == BRK_PARA) ? 2 : 1;

	if (kind == BRK_NONE)
		return true;
	h->space = (kind == BRK_SPACE);
	if (kind == BRK_SPACE || h->out->len == 0)
		return true;
	/* no blanks before a line break */
	while (h->out->len > 0 && h->out->data[h->out->len - 1] == ' ')
		h->out->len--;
	while (h->newlines < want)
		if (!emit_raw(h, "\n", 1))
			return false;
	if (kind == BRK_ITEM)
		return emit_raw(h, "- ", 2);
	return true;
}

static const struct
{
	const char *name;
	uint32_t	cp;
}			entities[] =
{
	{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
	{"nbsp", ' '}, {"copy", 0xA9}, {"reg", 0xAE}, {"trade", 0x2122},
	{"euro", 0x20AC}, {"pound", 0xA3}, {"yen", 0xA5}, {"cent", 0xA2},
	{"mdash", 0x2014}, {"ndash", 0x2013}, {"hellip", 0x2026},
	{"laquo", 0xAB}, {"raquo", 0xBB}, {"bull", 0x2022}, {"middot", 0xB7},
	{"iexcl", 0xA1}, {"iquest", 0xBF}, {"deg", 0xB0}, {"times", 0xD7},
	{"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
	{"aacute", 0xE1}, {"eacute", 0xE9}, {"iacute", 0xED}, {"oacute", 0xF3},
	{"uacute", 0xFA}, {"ntilde", 0xF1}, {"uuml", 0xFC}, {"ouml", 0xF6},
	{"auml", 0xE4}, {"szlig", 0xDF}, {"ccedil", 0xE7}, {"agrave", 0xE0},
	{"egrave", 0xE8}, {"Aacute", 0xC1}, {"Eacute", 0xC9}, {"Iacute", 0xCD},
	{"Oacute", 0xD3}, {"Uacute", 0xDA}, {"Ntilde", 0xD1}, {"Uuml", 0xDC},
	{"Ouml", 0xD6}, {"Auml", 0xC4},
};

/* Decode the entity at s[i] == '&'; returns bytes consumed or 0 */
static size_t
decode_entity(const char *s, size_t len, size_t i, uint32_t *cp)
{
	size_t		j = i + 1;
	size_t		k;

	while (j < len && j - i < 12 && s[j] != ';' && s[j] != '&' && s[j] != '<')
		j++;
	if (j >= len || s[j] != ';' || j == i + 1)
		return 0;
	if (s[i + 1] == '#')
	{
		bool		hex = (j > i + 2 && (s[i + 2] == 'x' || s[i + 2] == 'X'));
		char		buf[12];
		size_t		n = j - i - (hex ? 3 : 2);
		char	   *end;
		long		v;

		if (n == 0 || n >= sizeof(buf))
			return 0;
		memcpy(buf, s + i + (hex ? 3 : 2), n);
		buf[n] = '\0';
		v = strtol(buf, &end, hex ? 16 : 10);
		if (*end != '\0' || v <= 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			return 0;
		*cp = (uint32_t) v;
		return j - i + 1;
	}
	for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
		if (strlen(entities[k].name) == j - i - 1 &&
			memcmp(entities[k].name, s + i + 1, j - i - 1) == 0)
		{
			*cp = entities[k].cp;
			return j - i + 1;
		}
	return 0;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Copy a run of text up to the next tag, decoding and collapsing */
static bool
text_run(H2T *h)
{
	while (h->pos < h->len && h->s[h->pos] != '<')
	{
		char		c = h->s[h->pos];
		size_t		start = h->pos;
		uint32_t	cp;
		size_t		n;

		if (is_ws(c))
		{
			h->space = true;
			h->pos++;
			continue;
		}
		if (c == '&' && (n = decode_entity(h->s, h->len, h->pos, &cp)) > 0)
		{
			char		enc[4];

			h->pos += n;
			if (cp == ' ')
			{
				h->space = true;
				continue;
			}
			if (!emit_text(h, enc, tpl_utf8_encode(cp, enc)))
				return false;
			continue;
		}
		while (h->pos < h->len && !is_ws(h->s[h->pos]) &&
			   h->s[h->pos] != '<' && h->s[h->pos] != '&')
			h->pos++;
		if (h->pos == start)
			h->pos++;
		if (!emit_text(h, h->s + start, h->pos - start))
			return false;
	}
	return true;
}

/* Find attribute `name` inside the tag text [a, b) */
static bool
find_attr(const char *s, size_t a, size_t b, const char *name,
		  const char **val, size_t *vlen)
{
	size_t		nlen = strlen(name);
	size_t		i;

	for (i = a; i + nlen < b; i++)
	{
		size_t		j;
		char		q;

		if (!is_ws(s[i]) || strncasecmp(s + i + 1, name, nlen) != 0)
			continue;
		j = i + 1 + nlen;
		while (j < b && is_ws(s[j]))
			j++;
		if (j >= b || s[j] != '=')
			continue;
		j++;
		while (j < b && is_ws(s[j]))
			j++;
		q = (j < b && (s[j] == '"' || s[j] == '\'')) ? s[j++] : '\0';
		*val = s + j;
		while (j < b && (q ? s[j] != q : !is_ws(s[j]) && s[j] != '>'))
			j++;
		*vlen = (size_t) (s + j - *val);
		return true;
	}
	return false;
}

static BreakKind
tag_break(const char *name, size_t n, bool closing)
{
	static const char *const para[] = {"p", "h1", "h2", "h3", "h4", "h5",
	"h6", "table", "ul", "ol", "blockquote"};
	static const char *const line[] = {"br", "div", "tr", "li", "hr",
	"section", "article", "header", "footer", "dt", "dd", "pre"};
	size_t		i;

	if (!closing && n == 2 && strncasecmp(name, "li", 2) == 0)
		return BRK_ITEM;
	for (i = 0; i < sizeof(para) / sizeof(para[0]); i++)
		if (strlen(para[i]) == n && strncasecmp(name, para[i], n) == 0)
			return BRK_PARA;
	for (i = 0; i < sizeof(line) / sizeof(line[0]); i++)
		if (strlen(line[i]) == n && strncasecmp(name, line[i], n) == 0)
			return BRK_LINE;
	if ((n == 2 && (strncasecmp(name, "td", 2) == 0 || strncasecmp(name, "th", 2) == 0)))
		return BRK_SPACE;
	return BRK_NONE;
}

/* Skip past the closing tag of a raw-content element such as <script> */
static void
skip_element(H2T *h, const char *name, size_t n)
{
	while (h->pos < h->len)
	{
		if (h->s[h->pos] == '<' && h->pos + 2 + n <= h->len &&
			h->s[h->pos + 1] == '/' &&
			strncasecmp(h->s + h->pos + 2, name, n) == 0)
		{
			const char *gt = memchr(h->s + h->pos, '>', h->len - h->pos);

			h->pos = gt ? (size_t) (gt - h->s) + 1 : h->len;
			return;
		}
		h->pos++;
	}
}

static bool
close_link(H2T *h)
{
	const char *text = h->out->data + h->link_start;
	size_t		tlen = h->out->len > h->link_start ? h->out->len - h->link_start : 0;
	const char *href = h->href;
	size_t		hlen = h->href_len;

	h->href = NULL;
	if (hlen == 0 || href[0] == '#' ||
		(hlen >= 11 && strncasecmp(href, "javascript:", 11) == 0))
		return true;
	if (hlen > 7 && strncasecmp(href, "mailto:", 7) == 0 &&
		tlen == hlen - 7 && memcmp(text, href + 7, tlen) == 0)
		return true;
	if (tlen == hlen && memcmp(text, href, hlen) == 0)
		return true;
	h->space = true;
	return emit_text(h, "(", 1) && emit_raw(h, href, hlen) && emit_raw(h, ")", 1);
}

static bool
handle_tag(H2T *h, const char *name, size_t n, bool closing, size_t a,
		   size_t b)
{
	const char *val;
	size_t		vlen;

	if (!closing && ((n == 6 && (strncasecmp(name, "script", 6) == 0 ||
								 strncasecmp(name, "style", 5) == 0)) ||
					 (n == 5 && strncasecmp(name, "style", 5) == 0) ||
					 (n == 4 && strncasecmp(name, "head", 4) == 0) ||
					 (n == 5 && strncasecmp(name, "title", 5) == 0)))
	{
		skip_element(h, name, n);
		return true;
	}
	if (n == 1 && (name[0] == 'a' || name[0] == 'A'))
	{
		if (closing)
			return h->href ? close_link(h) : true;
		if (find_attr(h->s, a, b, "href", &val, &vlen))
		{
			h->href = val;
			h->href_len = vlen;
			if (h->space && h->out->len > 0 && h->newlines == 0 &&
				!emit_raw(h, " ", 1))
				return false;
			h->space = false;
			h->link_start = h->out->len;
		}
		return true;
	}
	if (!closing && n == 3 && strncasecmp(name, "img", 3) == 0 &&
		find_attr(h->s, a, b, "alt", &val, &vlen) && vlen > 0)
		return emit_text(h, val, vlen);
	return emit_break(h, tag_break(name, n, closing));
}

static bool
tag(H2T *h)
{
	size_t		start = h->pos;
	const char *gt;
	size_t		end;
	size_t		i;
	bool		closing;

	if (h->len - start >= 4 && memcmp(h->s + start, "<!--", 4) == 0)
	{
		const char *p = h->s + start + 4;
		size_t		left = h->len - start - 4;

		for (; left >= 3 && memcmp(p, "-->", 3) != 0; p++, left--)
			;
		h->pos = left >= 3 ? (size_t) (p - h->s) + 3 : h->len;
		return true;
	}
	i = start + 1;
	closing = (i < h->len && h->s[i] == '/');
	if (closing)
		i++;
	if (i >= h->len || !((h->s[i] >= 'a' && h->s[i] <= 'z') ||
						 (h->s[i] >= 'A' && h->s[i] <= 'Z') || h->s[i] == '!'))
	{
		/* a lone '<' is text */
		h->pos++;
		return emit_text(h, "<", 1);
	}
	gt = memchr(h->s + i, '>', h->len - i);
	end = gt ? (size_t) (gt - h->s) : h->len;
	h->pos = gt ? end + 1 : h->len;
	start = i;
	while (i < end && !is_ws(h->s[i]) && h->s[i] != '/' && h->s[i] != '>')
		i++;
	return handle_tag(h, h->s + start, i - start, closing, i, end);
}

bool
tpl_html_to_text(const char *html, size_t len, const TplAllocator *alloc,
				 TplBuf *out, TplError *err)
{
	H2T			h;

	memset(err, 0, sizeof(*err));
	memset(&h, 0, sizeof(h));
	h.s = html;
	h.len = len;
	h.out = out;
	h.err = err;
	tpl_buf_init(out, alloc, (size_t) -1 / 2);
	if (!tpl_buf_append(out, "", 0, err))
		return false;
	while (h.pos < h.len)
	{
		if (!(h.s[h.pos] == '<' ? tag(&h) : text_run(&h)))
		{
			tpl_buf_free(out);
			return false;
		}
	}
	while (out->len > 0 && is_ws(out->data[out->len - 1]))
		out->len--;
	out->data[out->len] = '\0';
	return true;
}
