/*-------------------------------------------------------------------------
 *
 * template_parse.c
 *	  Template compiler: tokenizer, mustache standalone-line and Handlebars
 *	  whitespace-control processing, and the parser building the tree that
 *	  template_render.c walks.
 *
 * Compilation happens in three passes over a token array because the
 * standalone rule needs to see the text on both sides of a tag before
 * deciding what to trim, and `~` must see the result of that.  Everything
 * a template needs after compilation (source copy, nodes, variable list)
 * lives in the template's own arena.
 *
 * src/template_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

typedef enum TokKind
{
	TK_TEXT,
	TK_VAR,
	TK_RAW,
	TK_COMMENT,
	TK_OPEN,
	TK_INVERT,
	TK_CLOSE,
	TK_PARTIAL,
	TK_ELSE
} TokKind;

typedef struct Token
{
	TokKind kind;
	size_t	start; /* text, or tag content (trimmed) */
	size_t	end;
	size_t	ostart; /* text range before any trimming */
	size_t	oend;
	size_t	tag_start;	  /* whole tag, braces included */
	size_t	indent_start; /* standalone partial indentation */
	size_t	indent_end;
	bool	strip_before; /* {{~ */
	bool	strip_after;  /* ~}} */
} Token;

typedef struct NodeVec
{
	TplNode **nodes;
	int		  n;
	int		  cap;
} NodeVec;

typedef struct Frame
{
	TplNode *node;
	NodeVec	 body;
	NodeVec	 inverse;
	bool	 in_else;
	bool	 pushes_context;
} Frame;

typedef struct Parser
{
	TplTemplate *tpl;
	TplArena	*arena;
	const char	*src;
	size_t		 len;
	TplError	*err;
	Token		*toks;
	int			 ntok;
	int			 captok;
	Frame		*frames;
	int			 depth;
	int			 scope; /* open blocks that push a context */
	size_t		 vars_cap;
	uint32_t	*vhash;		 /* open addressing: var index + 1, 0 = free */
	size_t		 vhash_size; /* power of two, > 2 * vars.n */
} Parser;

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		   c == '\f' || c == '\v';
}

static bool
fail_at(Parser *ps, size_t pos, TplErrorCode code, const char *msg,
		const char *name, size_t nlen)
{
	if (name != NULL)
		tpl_set_error(ps->err, code, msg, (int) (nlen > 60 ? 60 : nlen), name);
	else
		tpl_set_error(ps->err, code, "%s", msg);
	tpl_error_at(ps->err, ps->src, pos);
	return false;
}

/* ---------- tokenizer ---------- */

static Token *
push_token(Parser *ps, TokKind kind)
{
	Token *t;

	if (ps->ntok == ps->captok)
	{
		int	   ncap = ps->captok ? ps->captok * 2 : 32;
		Token *n = tpl_arena_alloc(ps->arena, ncap * sizeof(Token));

		if (n == NULL)
			return NULL;
		if (ps->ntok)
			memcpy(n, ps->toks, ps->ntok * sizeof(Token));
		ps->toks = n;
		ps->captok = ncap;
	}
	t = &ps->toks[ps->ntok++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	return t;
}

static bool
push_text(Parser *ps, size_t start, size_t end)
{
	Token *t = push_token(ps, TK_TEXT);

	if (t == NULL)
		return false;
	t->start = t->ostart = t->tag_start = start;
	t->end = t->oend = end;
	return true;
}

static size_t
find(const char *s, size_t len, size_t from, const char *needle)
{
	size_t nlen = strlen(needle);
	size_t i;

	for (i = from; i + nlen <= len; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, nlen) == 0)
			return i;
	return (size_t) -1;
}

static TokKind
sigil_kind(char c)
{
	switch (c)
	{
		case '{':
		case '&':
			return TK_RAW;
		case '!':
			return TK_COMMENT;
		case '#':
			return TK_OPEN;
		case '^':
			return TK_INVERT;
		case '/':
			return TK_CLOSE;
		case '>':
			return TK_PARTIAL;
		default:
			return TK_VAR;
	}
}

/* Where the tag's closing delimiter starts, or (size_t) -1 */
static size_t
find_close(Parser *ps, size_t j, char sigil)
{
	if (sigil == '{')
		return find(ps->src, ps->len, j, "}}}");
	if (sigil == '!' && ps->len - j >= 2 && memcmp(ps->src + j, "--", 2) == 0)
	{
		/* {{!-- may contain }} --}} */
		size_t e = find(ps->src, ps->len, j + 2, "--}}");
		size_t t = find(ps->src, ps->len, j + 2, "--~}}");

		if (t != (size_t) -1 && (e == (size_t) -1 || t < e))
			return t + 2;
		return e == (size_t) -1 ? e : e + 2;
	}
	return find(ps->src, ps->len, j, "}}");
}

/* Classify and trim a tag's content; `else` and `{{^}}` become TK_ELSE */
static bool
finish_tag(Parser *ps, Token *t)
{
	while (t->start < t->end && is_space(ps->src[t->start]))
		t->start++;
	while (t->end > t->start && is_space(ps->src[t->end - 1]))
		t->end--;
	if ((t->kind == TK_VAR && t->end - t->start == 4 &&
		 memcmp(ps->src + t->start, "else", 4) == 0) ||
		(t->kind == TK_INVERT && t->end == t->start))
		t->kind = TK_ELSE;
	if (t->end == t->start && t->kind != TK_COMMENT && t->kind != TK_ELSE)
		return fail_at(ps, t->tag_start, TPL_ERR_SYNTAX, "empty tag", NULL, 0);
	return true;
}

static bool
lex_tag(Parser *ps, size_t k, size_t *next)
{
	size_t j = k + 2;
	size_t e;
	char   sigil;
	Token *t;
	bool   strip_before = false;

	if (j < ps->len && ps->src[j] == '~')
	{
		strip_before = true;
		j++;
	}
	sigil = j < ps->len ? ps->src[j] : '\0';
	if (sigil == '=')
		return fail_at(ps, k, TPL_ERR_SYNTAX,
					   "set-delimiter tags are not supported", NULL, 0);
	if ((t = push_token(ps, sigil_kind(sigil))) == NULL)
		return false;
	t->tag_start = k;
	t->strip_before = strip_before;
	if (t->kind != TK_VAR)
		j++;
	if ((e = find_close(ps, j, sigil)) == (size_t) -1)
		return fail_at(ps, k, TPL_ERR_SYNTAX, "unclosed tag", NULL, 0);
	*next = e + (sigil == '{' ? 3 : 2);
	t->start = j;
	t->end = e;
	if (e > j && ps->src[e - 1] == '~')
	{
		t->strip_after = true;
		t->end--;
	}
	return finish_tag(ps, t);
}

static bool
tokenize(Parser *ps)
{
	size_t i = 0;

	while (i < ps->len)
	{
		size_t k = find(ps->src, ps->len, i, "{{");

		if (k == (size_t) -1)
			return push_text(ps, i, ps->len);
		if (k > i && !push_text(ps, i, k))
			return false;
		if (!lex_tag(ps, k, &i))
			return false;
	}
	return true;
}

/* ---------- whitespace: standalone lines and ~ ---------- */

static bool
standalone_kind(TokKind k)
{
	return k == TK_COMMENT || k == TK_OPEN || k == TK_INVERT ||
		   k == TK_CLOSE || k == TK_PARTIAL || k == TK_ELSE;
}

/* Is everything on the tag's line before it blank?  Sets *lstart */
static bool
blank_before(Parser *ps, int i, size_t *lstart)
{
	const Token *p;
	size_t		 q;

	if (i == 0)
	{
		*lstart = ps->toks[i].tag_start;
		return true;
	}
	p = &ps->toks[i - 1];
	if (p->kind != TK_TEXT)
		return false;
	q = p->oend;
	while (q > p->ostart && (ps->src[q - 1] == ' ' || ps->src[q - 1] == '\t'))
		q--;
	*lstart = q;
	if (q == p->ostart)
		return i - 1 == 0;
	return ps->src[q - 1] == '\n';
}

/* Is everything after the tag on its line blank?  Sets *after (past EOL) */
static bool
blank_after(Parser *ps, int i, size_t *after)
{
	const Token *nx;
	size_t		 q;

	if (i == ps->ntok - 1)
	{
		*after = ps->len;
		return true;
	}
	nx = &ps->toks[i + 1];
	if (nx->kind != TK_TEXT)
		return false;
	q = nx->ostart;
	while (q < nx->oend && (ps->src[q] == ' ' || ps->src[q] == '\t'))
		q++;
	if (q == nx->oend)
	{
		*after = q;
		return i + 1 == ps->ntok - 1;
	}
	if (ps->src[q] == '\n')
	{
		*after = q + 1;
		return true;
	}
	if (ps->src[q] == '\r' && q + 1 < nx->oend && ps->src[q + 1] == '\n')
	{
		*after = q + 2;
		return true;
	}
	return false;
}

static void
apply_standalone(Parser *ps)
{
	int i;

	for (i = 0; i < ps->ntok; i++)
	{
		Token *t = &ps->toks[i];
		size_t lstart;
		size_t after;

		if (!standalone_kind(t->kind) ||
			!blank_before(ps, i, &lstart) || !blank_after(ps, i, &after))
			continue;
		if (i > 0)
		{
			Token *p = &ps->toks[i - 1];

			t->indent_start = lstart;
			t->indent_end = p->oend;
			if (p->end > lstart)
				p->end = lstart;
			if (p->start > p->end)
				p->start = p->end;
		}
		if (i < ps->ntok - 1)
		{
			Token *nx = &ps->toks[i + 1];

			if (nx->start < after)
				nx->start = after;
			if (nx->end < nx->start)
				nx->end = nx->start;
		}
	}
}

static void
apply_tilde(Parser *ps)
{
	int i;

	for (i = 0; i < ps->ntok; i++)
	{
		Token *t = &ps->toks[i];

		if (t->kind == TK_TEXT)
			continue;
		if (t->strip_before && i > 0 && ps->toks[i - 1].kind == TK_TEXT)
		{
			Token *p = &ps->toks[i - 1];

			while (p->end > p->start && is_space(ps->src[p->end - 1]))
				p->end--;
		}
		if (t->strip_after && i < ps->ntok - 1 &&
			ps->toks[i + 1].kind == TK_TEXT)
		{
			Token *nx = &ps->toks[i + 1];

			while (nx->start < nx->end && is_space(ps->src[nx->start]))
				nx->start++;
		}
	}
}

/* ---------- expressions ---------- */

/*
 * set_segment stores path segment k: a segment literal "[a b]" (Handlebars'
 * way to name a key with spaces or dots, or an array index "[0]") without
 * its brackets.  false for an empty segment.
 */
static bool
set_segment(TplPath *path, int k, const char *s, size_t len)
{
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']')
		s++, len -= 2;
	else if (memchr(s, '[', len) != NULL || memchr(s, ']', len) != NULL)
		return false;
	if (len == 0)
		return false;
	path->seg[k] = s;
	path->seglen[k] = len;
	return true;
}

static bool
parse_path(Parser *ps, size_t pos, const char *w, size_t wlen, TplPath *path)
{
	size_t i;
	size_t segstart;
	int	   k = 0;
	bool   in_literal = false;

	memset(path, 0, sizeof(*path));
	if ((wlen == 1 && w[0] == '.') || (wlen == 4 && memcmp(w, "this", 4) == 0))
	{
		path->this_only = true;
		return true;
	}
	if (wlen > 5 && memcmp(w, "this.", 5) == 0)
	{
		path->this_only = true;
		w += 5;
		wlen -= 5;
	}
	else if (wlen >= 2 && (memcmp(w, "..", 2) == 0 || memcmp(w, "./", 2) == 0))
		return fail_at(ps, pos, TPL_ERR_SYNTAX,
					   "relative paths like \"%.*s\" are not supported", w, wlen);
	else if (w[0] == '@')
	{
		path->data = true;
		w++;
		wlen--;
	}
	path->nseg = 1;
	for (i = 0; i < wlen; i++)
	{
		if (w[i] == '[')
			in_literal = true;
		else if (w[i] == ']')
			in_literal = false;
		else if (w[i] == '.' && !in_literal)
			path->nseg++;
	}
	path->seg = tpl_arena_alloc(ps->arena, path->nseg * sizeof(char *));
	path->seglen = tpl_arena_alloc(ps->arena, path->nseg * sizeof(size_t));
	if (path->seg == NULL || path->seglen == NULL)
		return false;
	segstart = 0;
	in_literal = false;
	for (i = 0; i <= wlen; i++)
	{
		if (i < wlen && w[i] == '[')
			in_literal = true;
		else if (i < wlen && w[i] == ']')
			in_literal = false;
		if (i < wlen && (w[i] != '.' || in_literal))
			continue;
		if (!set_segment(path, k++, w + segstart, i - segstart))
			return fail_at(ps, pos, TPL_ERR_SYNTAX,
						   "invalid name \"%.*s\"", w, wlen);
		segstart = i + 1;
	}
	return true;
}

static bool
is_number_word(const char *w, size_t n)
{
	size_t i = 0;
	bool   digits = false;

	if (i < n && w[i] == '-')
		i++;
	while (i < n && w[i] >= '0' && w[i] <= '9')
		i++, digits = true;
	if (i < n && w[i] == '.')
	{
		i++;
		digits = false;
		while (i < n && w[i] >= '0' && w[i] <= '9')
			i++, digits = true;
	}
	return digits && i == n;
}

static bool
parse_string_arg(Parser *ps, size_t *i, size_t end, TplArg *arg)
{
	char   q = ps->src[*i];
	size_t start = ++(*i);
	char  *out;
	size_t n = 0;
	size_t k;

	while (*i < end && ps->src[*i] != q)
		*i += (ps->src[*i] == '\\' && *i + 1 < end) ? 2 : 1;
	if (*i >= end)
		return fail_at(ps, start - 1, TPL_ERR_SYNTAX,
					   "unterminated string literal", NULL, 0);
	if ((out = tpl_arena_alloc(ps->arena, *i - start + 1)) == NULL)
		return false;
	for (k = start; k < *i; k++)
	{
		if (ps->src[k] == '\\' && k + 1 < *i)
			k++;
		out[n++] = ps->src[k];
	}
	out[n] = '\0';
	(*i)++;
	arg->kind = ARG_STRING;
	arg->str = out;
	arg->len = n;
	arg->literal.type = TV_STRING;
	arg->literal.str = out;
	arg->literal.len = n;
	return true;
}

static bool
parse_word_arg(Parser *ps, size_t *i, size_t end, TplArg *arg)
{
	size_t		start = *i;
	const char *w = ps->src + start;
	size_t		n;

	while (*i < end && !is_space(ps->src[*i]))
	{
		char c = ps->src[*i];

		if (c == '=' || c == '(' || c == ')')
			return fail_at(ps, *i, TPL_ERR_SYNTAX, c == '=' ? "hash arguments are not supported" : "subexpressions are not supported", NULL, 0);
		if (c == '|')
			return fail_at(ps, *i, TPL_ERR_SYNTAX,
						   "block parameters (as |x i|) are not supported: inside {{#each}} use this and @index",
						   NULL, 0);
		if (c == '[')
		{
			/* a segment literal ([0], [a b]) may hold spaces and dots */
			const char *close = memchr(ps->src + *i, ']', end - *i);

			if (close == NULL)
				return fail_at(ps, *i, TPL_ERR_SYNTAX, "unclosed [ in a name", NULL, 0);
			*i = (size_t) (close - ps->src) + 1;
			continue;
		}
		(*i)++;
	}
	n = *i - start;
	arg->str = w;
	arg->len = n;
	if (is_number_word(w, n))
	{
		char buf[64];

		arg->kind = ARG_NUMBER;
		memcpy(buf, w, n < 63 ? n : 63);
		buf[n < 63 ? n : 63] = '\0';
		arg->num = strtod(buf, NULL);
		arg->literal.type = TV_NUMBER;
		arg->literal.str = w;
		arg->literal.len = n;
		arg->literal.num = arg->num;
		return true;
	}
	if ((n == 4 && memcmp(w, "true", 4) == 0) ||
		(n == 5 && memcmp(w, "false", 5) == 0))
	{
		arg->kind = ARG_BOOL;
		arg->b = (n == 4);
		arg->literal.type = TV_BOOL;
		arg->literal.b = arg->b;
		return true;
	}
	if (n == 4 && memcmp(w, "null", 4) == 0)
	{
		arg->kind = ARG_NULL;
		arg->literal.type = TV_NULL;
		return true;
	}
	arg->kind = ARG_PATH;
	return parse_path(ps, start, w, n, &arg->path);
}

/*
 * A lone word is a name even when it looks like a literal: mustache data
 * may well have keys called "null" or "1" ({{^null}} in the spec).  A lone
 * quoted string is a name too, as in Handlebars ({{"a b"}} is {{[a b]}}):
 * one segment, dots and all.
 */
static bool
word_as_name(Parser *ps, TplNode *node)
{
	TplArg *a = &node->args[0];

	if (node->nargs != 1 || a->kind == ARG_PATH)
		return true;
	if (a->kind == ARG_STRING)
	{
		if (a->len == 0)
			return fail_at(ps, node->pos, TPL_ERR_SYNTAX, "invalid name \"\"", NULL, 0);
		a->kind = ARG_PATH;
		memset(&a->path, 0, sizeof(a->path));
		a->path.nseg = 1;
		a->path.seg = tpl_arena_alloc(ps->arena, sizeof(char *));
		a->path.seglen = tpl_arena_alloc(ps->arena, sizeof(size_t));
		if (a->path.seg == NULL || a->path.seglen == NULL)
			return false;
		a->path.seg[0] = a->str;
		a->path.seglen[0] = a->len;
		return true;
	}
	a->kind = ARG_PATH;
	return parse_path(ps, node->pos, a->str, a->len, &a->path);
}

/* Split tag content into arguments */
static bool
parse_args(Parser *ps, const Token *t, TplNode *node)
{
	size_t i = t->start;
	int	   cap = 0;

	node->nargs = 0;
	while (i < t->end)
	{
		TplArg *arg;
		char	c = ps->src[i];

		if (is_space(c))
		{
			i++;
			continue;
		}
		if (node->nargs == cap)
		{
			TplArg *n;

			cap = cap ? cap * 2 : 4;
			if ((n = tpl_arena_alloc(ps->arena, cap * sizeof(TplArg))) == NULL)
				return false;
			if (node->nargs)
				memcpy(n, node->args, node->nargs * sizeof(TplArg));
			node->args = n;
		}
		arg = &node->args[node->nargs++];
		memset(arg, 0, sizeof(*arg));
		if (!((c == '"' || c == '\'') ? parse_string_arg(ps, &i, t->end, arg) : parse_word_arg(ps, &i, t->end, arg)))
			return false;
	}
	return true;
}

/* ---------- variable list ---------- */

static uint32_t
name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t	 i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char) s[i]) * 16777619u;
	return h;
}

/* Slot of `name` in the variable hash: its entry, or the free slot for it */
static size_t
vhash_slot(Parser *ps, const char *name, size_t len)
{
	const TplStrList *v = &ps->tpl->vars;
	size_t			  mask = ps->vhash_size - 1;
	size_t			  i = name_hash(name, len) & mask;

	while (ps->vhash[i] != 0)
	{
		size_t k = ps->vhash[i] - 1;

		if (v->lens[k] == len && memcmp(v->items[k], name, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static bool
vhash_grow(Parser *ps)
{
	const TplStrList *v = &ps->tpl->vars;
	size_t			  size = ps->vhash_size ? ps->vhash_size * 2 : 32;
	size_t			  k;

	if ((ps->vhash = tpl_arena_alloc(ps->arena, size * sizeof(uint32_t))) == NULL)
		return false;
	memset(ps->vhash, 0, size * sizeof(uint32_t));
	ps->vhash_size = size;
	for (k = 0; k < v->n; k++)
		ps->vhash[vhash_slot(ps, v->items[k], v->lens[k])] = (uint32_t) k + 1;
	return true;
}

static bool
vars_grow(Parser *ps)
{
	TplStrList	*v = &ps->tpl->vars;
	size_t		 ncap = ps->vars_cap ? ps->vars_cap * 2 : 8;
	const char **items = tpl_arena_alloc(ps->arena, ncap * sizeof(char *));
	size_t		*lens = tpl_arena_alloc(ps->arena, ncap * sizeof(size_t));

	if (items == NULL || lens == NULL)
		return false;
	if (v->n)
	{
		memcpy(items, v->items, v->n * sizeof(char *));
		memcpy(lens, v->lens, v->n * sizeof(size_t));
	}
	v->items = items;
	v->lens = lens;
	ps->vars_cap = ncap;
	return true;
}

/* Record a top-level name once, in order of first use */
static bool
note_variable(Parser *ps, const TplArg *arg)
{
	TplStrList *v = &ps->tpl->vars;
	const char *name;
	size_t		len;
	size_t		slot;

	if (ps->scope > 0 || arg->kind != ARG_PATH || arg->path.this_only ||
		arg->path.data)
		return true;
	name = arg->path.seg[0];
	len = arg->path.seglen[0];
	if ((v->n + 1) * 2 > ps->vhash_size && !vhash_grow(ps))
		return false;
	slot = vhash_slot(ps, name, len);
	if (ps->vhash[slot] != 0)
		return true;
	if (v->n == ps->vars_cap && !vars_grow(ps))
		return false;
	if ((v->items[v->n] = tpl_arena_strndup(ps->arena, name, len)) == NULL)
		return false;
	v->lens[v->n++] = len;
	ps->vhash[slot] = (uint32_t) v->n;
	return true;
}

static bool
note_args(Parser *ps, const TplNode *node, int first)
{
	int i;

	for (i = first; i < node->nargs; i++)
		if (!note_variable(ps, &node->args[i]))
			return false;
	return true;
}

/* ---------- tree building ---------- */

static bool
vec_push(Parser *ps, NodeVec *v, TplNode *node)
{
	if (v->n == v->cap)
	{
		int		  ncap = v->cap ? v->cap * 2 : 8;
		TplNode **n = tpl_arena_alloc(ps->arena, ncap * sizeof(TplNode *));

		if (n == NULL)
			return false;
		if (v->n)
			memcpy(n, v->nodes, v->n * sizeof(TplNode *));
		v->nodes = n;
		v->cap = ncap;
	}
	v->nodes[v->n++] = node;
	return true;
}

static bool
add_node(Parser *ps, TplNode *node)
{
	Frame *f = &ps->frames[ps->depth];

	return vec_push(ps, f->in_else ? &f->inverse : &f->body, node);
}

static TplNode *
new_node(Parser *ps, TplNodeKind kind, const Token *t)
{
	TplNode *n = tpl_arena_alloc(ps->arena, sizeof(TplNode));

	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->pos = t->tag_start;
	return n;
}

static bool
check_helper_args(Parser *ps, TplNode *node, const char *name, size_t nlen,
				  int min, int max)
{
	int got = node->nargs - 1;

	if (got >= min && got <= max)
		return true;
	if (min == max)
		tpl_set_error(ps->err, TPL_ERR_HELPER,
					  "helper \"%.*s\" expects %d argument%s, got %d",
					  (int) nlen, name, min, min == 1 ? "" : "s", got);
	else
		tpl_set_error(ps->err, TPL_ERR_HELPER,
					  "helper \"%.*s\" expects %d to %d arguments, got %d",
					  (int) nlen, name, min, max, got);
	tpl_error_at(ps->err, ps->src, node->pos);
	return false;
}

static bool
is_helper_name(const TplArg *a)
{
	return a->kind == ARG_PATH && !a->path.this_only && !a->path.data &&
		   a->path.nseg == 1;
}

static bool
parse_var(Parser *ps, const Token *t)
{
	TplNode		 *n = new_node(ps, N_VAR, t);
	const TplArg *a;

	if (n == NULL || !parse_args(ps, t, n) || !word_as_name(ps, n))
		return false;
	n->raw = (t->kind == TK_RAW);
	a = &n->args[0];
	if (n->nargs > 1)
	{
		if (!is_helper_name(a) ||
			(n->helper = tpl_helper_lookup(a->str, a->len)) == NULL)
			return fail_at(ps, t->tag_start, TPL_ERR_HELPER,
						   "unknown helper \"%.*s\"", a->str, a->len);
		if (!check_helper_args(ps, n, a->str, a->len,
							   n->helper->min_args, n->helper->max_args))
			return false;
		if (n->helper->check && !n->helper->check(n, ps->err))
		{
			tpl_error_at(ps->err, ps->src, n->pos);
			return false;
		}
	}
	if (!note_args(ps, n, n->nargs > 1 ? 1 : 0))
		return false;
	return add_node(ps, n);
}

static const struct
{
	const char *name;
	TplNodeKind kind;
	int			nargs;
	bool		pushes;
} block_helpers[] =
	{
		{"if", N_IF, 1, false},
		{"unless", N_UNLESS, 1, false},
		{"each", N_EACH, 1, true},
		{"with", N_WITH, 1, true},
		{"ifEquals", N_IFEQUALS, 2, false},
};

#define NBLOCK_HELPERS (sizeof(block_helpers) / sizeof(block_helpers[0]))

static bool
open_frame(Parser *ps, TplNode *n, bool pushes)
{
	Frame *f;

	if (ps->depth + 1 > ps->tpl->limits.max_depth)
	{
		tpl_set_error(ps->err, TPL_ERR_LIMIT_DEPTH,
					  "sections are nested more than %d levels deep",
					  ps->tpl->limits.max_depth);
		tpl_error_at(ps->err, ps->src, n->pos);
		return false;
	}
	f = &ps->frames[++ps->depth];
	memset(f, 0, sizeof(*f));
	f->node = n;
	f->pushes_context = pushes;
	if (pushes)
		ps->scope++;
	return true;
}

static bool
parse_open(Parser *ps, const Token *t)
{
	TplNode		 *n = new_node(ps, t->kind == TK_INVERT ? N_INVERTED : N_SECTION, t);
	const TplArg *a;
	size_t		  i;

	if (n == NULL || !parse_args(ps, t, n) || !word_as_name(ps, n))
		return false;
	a = &n->args[0];
	n->text = a->str;
	n->len = a->len;
	for (i = 0; t->kind == TK_OPEN && i < NBLOCK_HELPERS; i++)
	{
		if (a->len != strlen(block_helpers[i].name) ||
			memcmp(a->str, block_helpers[i].name, a->len) != 0)
			continue;
		n->kind = block_helpers[i].kind;
		if (!check_helper_args(ps, n, a->str, a->len,
							   block_helpers[i].nargs, block_helpers[i].nargs) ||
			!note_args(ps, n, 1) || !add_node(ps, n))
			return false;
		return open_frame(ps, n, block_helpers[i].pushes);
	}
	if (n->nargs > 1)
		return fail_at(ps, t->tag_start, TPL_ERR_HELPER,
					   tpl_helper_lookup(a->str, a->len) ? "helper \"%.*s\" cannot be used as a block" : "unknown helper \"%.*s\"", a->str, a->len);
	if (a->kind != ARG_PATH)
		return fail_at(ps, t->tag_start, TPL_ERR_SYNTAX,
					   "section name \"%.*s\" is not a name", a->str, a->len);
	if (!note_args(ps, n, 0) || !add_node(ps, n))
		return false;
	return open_frame(ps, n, n->kind == N_SECTION);
}

static bool
parse_close(Parser *ps, const Token *t)
{
	Frame *f = &ps->frames[ps->depth];
	size_t len = t->end - t->start;

	if (ps->depth == 0)
		return fail_at(ps, t->tag_start, TPL_ERR_SYNTAX,
					   "closing tag \"%.*s\" without an open section",
					   ps->src + t->start, len);
	if (len != f->node->len || memcmp(ps->src + t->start, f->node->text, len) != 0)
	{
		tpl_set_error(ps->err, TPL_ERR_SYNTAX,
					  "closing tag \"%.*s\" does not match open section \"%.*s\"",
					  (int) (len > 60 ? 60 : len), ps->src + t->start,
					  (int) (f->node->len > 60 ? 60 : f->node->len), f->node->text);
		tpl_error_at(ps->err, ps->src, t->tag_start);
		return false;
	}
	f->node->body.nodes = f->body.nodes;
	f->node->body.n = f->body.n;
	f->node->inverse.nodes = f->inverse.nodes;
	f->node->inverse.n = f->inverse.n;
	if (f->pushes_context)
		ps->scope--;
	ps->depth--;
	return true;
}

static bool
parse_else(Parser *ps, const Token *t)
{
	Frame *f = &ps->frames[ps->depth];

	if (ps->depth == 0)
		return fail_at(ps, t->tag_start, TPL_ERR_SYNTAX,
					   "{{else}} outside a section", NULL, 0);
	if (f->in_else)
		return fail_at(ps, t->tag_start, TPL_ERR_SYNTAX,
					   "second {{else}} in section \"%.*s\"",
					   f->node->text, f->node->len);
	f->in_else = true;
	/* the else branch renders in the enclosing context */
	if (f->pushes_context)
		ps->scope--;
	f->pushes_context = false;
	return true;
}

static bool
parse_partial(Parser *ps, const Token *t)
{
	TplNode *n = new_node(ps, N_PARTIAL, t);
	size_t	 i;

	if (n == NULL)
		return false;
	for (i = t->start; i < t->end; i++)
		if (is_space(ps->src[i]))
			return fail_at(ps, t->tag_start, TPL_ERR_SYNTAX,
						   "partial arguments are not supported", NULL, 0);
	n->text = ps->src + t->start;
	n->len = t->end - t->start;
	n->indent = ps->src + t->indent_start;
	n->indent_len = t->indent_end - t->indent_start;
	return add_node(ps, n);
}

static bool
parse_token(Parser *ps, const Token *t)
{
	TplNode *n;

	switch (t->kind)
	{
		case TK_TEXT:
			if (t->end == t->start)
				return true;
			if ((n = new_node(ps, N_TEXT, t)) == NULL)
				return false;
			n->text = ps->src + t->start;
			n->len = t->end - t->start;
			return add_node(ps, n);
		case TK_VAR:
		case TK_RAW:
			return parse_var(ps, t);
		case TK_COMMENT:
			return true;
		case TK_OPEN:
		case TK_INVERT:
			return parse_open(ps, t);
		case TK_CLOSE:
			return parse_close(ps, t);
		case TK_ELSE:
			return parse_else(ps, t);
		case TK_PARTIAL:
			return parse_partial(ps, t);
	}
	return true;
}

static bool
build_tree(Parser *ps)
{
	int i;

	ps->frames = tpl_arena_alloc(ps->arena,
								 (ps->tpl->limits.max_depth + 1) * sizeof(Frame));
	if (ps->frames == NULL)
		return false;
	memset(&ps->frames[0], 0, sizeof(Frame));
	for (i = 0; i < ps->ntok; i++)
		if (!parse_token(ps, &ps->toks[i]))
			return false;
	if (ps->depth > 0)
	{
		const TplNode *open = ps->frames[ps->depth].node;

		return fail_at(ps, open->pos, TPL_ERR_SYNTAX,
					   "unclosed section \"%.*s\"", open->text, open->len);
	}
	ps->tpl->root.nodes = ps->frames[0].body.nodes;
	ps->tpl->root.n = ps->frames[0].body.n;
	return true;
}

TplTemplate *
tpl_compile(const char *src, size_t len, const TplLimits *limits,
			const TplAllocator *alloc, TplError *err)
{
	TplArena	 arena;
	TplTemplate *tpl;
	Parser		 ps;

	memset(err, 0, sizeof(*err));
	if (limits->max_template_size > 0 && len > limits->max_template_size)
	{
		tpl_set_error(err, TPL_ERR_LIMIT_SIZE,
					  "template is %zu bytes, more than the maximum of %zu",
					  len, limits->max_template_size);
		return NULL;
	}
	tpl_arena_init(&arena, alloc, err);
	if ((tpl = tpl_arena_alloc(&arena, sizeof(TplTemplate))) == NULL)
		return NULL;
	memset(tpl, 0, sizeof(*tpl));
	tpl->limits = *limits;
	if (tpl->limits.max_depth < 1)
		tpl->limits.max_depth = 1;
	memset(&ps, 0, sizeof(ps));
	ps.tpl = tpl;
	ps.arena = &arena;
	ps.err = err;
	ps.len = len;
	ps.src = tpl_arena_strndup(&arena, src, len);
	tpl->src = ps.src;
	tpl->src_len = len;
	if (ps.src == NULL || !tokenize(&ps))
		goto fail;
	apply_standalone(&ps);
	apply_tilde(&ps);
	if (!build_tree(&ps))
		goto fail;
	/* from here on the arena reports OOM into the template's own slot */
	tpl->arena = arena;
	tpl->arena.err = &tpl->arena_err;
	return tpl;

fail:
	tpl_arena_destroy(&arena);
	return NULL;
}

void
tpl_free(TplTemplate *tpl)
{
	TplArena arena;

	if (tpl == NULL)
		return;
	/* the struct lives in its own arena: copy the handle out first */
	arena = tpl->arena;
	tpl_arena_destroy(&arena);
}

size_t
tpl_memory_used(const TplTemplate *tpl)
{
	return tpl->arena.total;
}

const TplStrList *
tpl_variables(const TplTemplate *tpl)
{
	return &tpl->vars;
}
