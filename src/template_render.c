/*-------------------------------------------------------------------------
 *
 * template_render.c
 *	  Template renderer: walks a compiled tree against a JSON context with
 *	  mustache's context-stack lookup, Handlebars block helpers, partials
 *	  and the per-channel escaping modes.
 *
 * All per-render data (parsed variables, context frames, compiled
 * partials) goes into one scratch arena that is dropped at the end, so a
 * render costs a handful of allocator calls however big the data is.
 *
 * src/template_render.c
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "template_int.h"

#define INTERRUPT_EVERY		  4096
#define MAX_PARTIAL_INSTANCES 256

typedef struct CtxFrame
{
	const TplValue *value;
	bool			has_data; /* frame of an iteration: @index & co */
	TplValue		index;	  /* @index as a number */
	TplValue		key;	  /* @key (string, or number for arrays) */
	TplValue		first;
	TplValue		last;
	char			idxbuf[24];
} CtxFrame;

typedef struct PartialCache
{
	struct PartialCache *next;
	const char			*name;
	size_t				 nlen;
	const char			*indent;
	size_t				 ilen;
	TplTemplate			*tpl;
} PartialCache;

struct TplRenderState
{
	const TplRenderOptions *opts;
	const TplAllocator	   *alloc;
	TplArena				arena;
	TplError			   *err;
	TplBuf				   *out;
	TplBuf					tmp;	/* helper output before escaping */
	CtxFrame			  **frames; /* frames never move once allocated */
	int						depth;	/* frames in use */
	int						nalloc; /* frames allocated */
	int						cap;	/* slots in frames[] */
	const TplValue		   *root;
	const TplValue		   *partials;
	PartialCache		   *pcache;
	int						npartials; /* entries in pcache */
	int						partial_depth;
	long					steps;
	const char			   *cur_src;	 /* source of the template being rendered */
	const char			   *cur_partial; /* its partial name, NULL for the main one */
	size_t					cur_partial_len;
	const char			   *stack_base; /* address of a local of the entry point */
};

static bool render_list(TplRenderState *st, const TplNodeList *list);

/* ---------- accessors for helpers ---------- */

TplError *
tpl_state_error(TplRenderState *st)
{
	return st->err;
}

TplArena *
tpl_state_arena(TplRenderState *st)
{
	return &st->arena;
}

const TplRenderOptions *
tpl_state_options(TplRenderState *st)
{
	return st->opts;
}

void
tpl_state_error_at(TplRenderState *st, size_t pos)
{
	tpl_error_at(st->err, st->cur_src, pos);
	if (st->cur_partial != NULL && st->err->partial[0] == '\0')
		snprintf(st->err->partial, sizeof(st->err->partial), "%.*s",
				 (int) st->cur_partial_len, st->cur_partial);
}

static bool
fail_node(TplRenderState *st, const TplNode *node)
{
	tpl_state_error_at(st, node->pos);
	return false;
}

/* ---------- context stack ---------- */

static CtxFrame *
push_frame(TplRenderState *st, const TplValue *value)
{
	CtxFrame *f;

	if (st->depth == st->cap)
	{
		int		   ncap = st->cap ? st->cap * 2 : 16;
		CtxFrame **n = tpl_arena_alloc(&st->arena, ncap * sizeof(CtxFrame *));

		if (n == NULL)
			return NULL;
		if (st->depth)
			memcpy(n, st->frames, st->depth * sizeof(CtxFrame *));
		st->frames = n;
		st->cap = ncap;
	}
	if (st->depth == st->nalloc)
	{
		if ((st->frames[st->nalloc] = tpl_arena_alloc(&st->arena, sizeof(CtxFrame))) == NULL)
			return NULL;
		st->nalloc++;
	}
	f = st->frames[st->depth++];
	f->value = value;
	f->has_data = false;
	return f;
}

static void
set_iteration(CtxFrame *f, size_t i, size_t n, const char *key, size_t klen)
{
	int len = snprintf(f->idxbuf, sizeof(f->idxbuf), "%zu", i);

	f->has_data = true;
	memset(&f->index, 0, sizeof(f->index));
	f->index.type = TV_NUMBER;
	f->index.str = f->idxbuf;
	f->index.len = len;
	f->index.num = (double) i;
	f->key = f->index;
	if (key != NULL)
	{
		f->key.type = TV_STRING;
		f->key.str = key;
		f->key.len = klen;
	}
	memset(&f->first, 0, sizeof(f->first));
	f->first.type = TV_BOOL;
	f->last = f->first;
	f->first.b = (i == 0);
	f->last.b = (i + 1 == n);
}

static const TplValue *
descend(const TplValue *v, const TplPath *p, int from)
{
	int i;

	for (i = from; i < p->nseg && v != NULL; i++)
		v = tpl_value_get(v, p->seg[i], p->seglen[i]);
	return v;
}

static const TplValue *
lookup_data(TplRenderState *st, const TplPath *p)
{
	const char *name = p->seg[0];
	size_t		len = p->seglen[0];
	int			d;

	if (len == 4 && memcmp(name, "root", 4) == 0)
		return descend(st->root, p, 1);
	for (d = st->depth - 1; d >= 0; d--)
	{
		CtxFrame *f = st->frames[d];

		if (!f->has_data)
			continue;
		if (len == 5 && memcmp(name, "index", 5) == 0)
			return &f->index;
		if (len == 3 && memcmp(name, "key", 3) == 0)
			return &f->key;
		if (len == 5 && memcmp(name, "first", 5) == 0)
			return &f->first;
		if (len == 4 && memcmp(name, "last", 4) == 0)
			return &f->last;
		return NULL;
	}
	return NULL;
}

/*
 * Mustache lookup: the first path segment is searched from the innermost
 * context outwards; the rest descends from where it was found, without
 * walking up again (spec: "Dotted Names - Broken Chain Resolution").
 */
static const TplValue *
lookup(TplRenderState *st, const TplPath *p)
{
	int d;

	if (p->data)
		return lookup_data(st, p);
	if (p->this_only)
		return descend(st->frames[st->depth - 1]->value, p, 0);
	for (d = st->depth - 1; d >= 0; d--)
	{
		const TplValue *v = tpl_value_get(st->frames[d]->value,
										  p->seg[0], p->seglen[0]);

		if (v != NULL)
			return descend(v, p, 1);
	}
	return NULL;
}

static const TplValue *
eval_arg(TplRenderState *st, const TplArg *arg)
{
	if (arg->kind == ARG_PATH)
		return lookup(st, &arg->path);
	return &arg->literal;
}

/* ---------- output ---------- */

static bool
write_html(TplRenderState *st, const char *s, size_t len)
{
	size_t run = 0;
	size_t i;

	for (i = 0; i < len; i++)
	{
		const char *ent;

		switch (s[i])
		{
			case '&':
				ent = "&amp;";
				break;
			case '<':
				ent = "&lt;";
				break;
			case '>':
				ent = "&gt;";
				break;
			case '"':
				ent = "&quot;";
				break;
			case '\'':
				ent = "&#39;";
				break;
			default:
				continue;
		}
		if (!tpl_buf_append(st->out, s + run, i - run, st->err) ||
			!tpl_buf_append(st->out, ent, strlen(ent), st->err))
			return false;
		run = i + 1;
	}
	return tpl_buf_append(st->out, s + run, len - run, st->err);
}

/* Plain-text channels: keep \n and \t, drop other ASCII controls */
static bool
write_plain(TplRenderState *st, const char *s, size_t len)
{
	size_t run = 0;
	size_t i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if ((c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t')
			continue;
		if (!tpl_buf_append(st->out, s + run, i - run, st->err))
			return false;
		run = i + 1;
	}
	return tpl_buf_append(st->out, s + run, len - run, st->err);
}

static bool
write_value_text(TplRenderState *st, const char *s, size_t len, bool raw)
{
	if (st->opts->escape == TPL_ESCAPE_NONE)
		return write_plain(st, s, len);
	if (raw)
		return tpl_buf_append(st->out, s, len, st->err);
	return write_html(st, s, len);
}

static bool
render_helper(TplRenderState *st, const TplNode *node)
{
	const TplValue *argv[8];
	int				i;

	for (i = 1; i < node->nargs && i <= 8; i++)
		argv[i - 1] = eval_arg(st, &node->args[i]);
	st->tmp.len = 0;
	if (!node->helper->fn(st, node, argv, &st->tmp))
		return fail_node(st, node);
	if (st->tmp.len == 0)
		return true;
	return write_value_text(st, st->tmp.data, st->tmp.len, node->raw);
}

static bool
render_var(TplRenderState *st, const TplNode *node)
{
	const char *s;
	size_t		len;

	if (node->helper != NULL)
		return render_helper(st, node);
	if (!tpl_value_text(eval_arg(st, &node->args[0]), &s, &len))
		return true;
	return write_value_text(st, s, len, node->raw);
}

/* ---------- blocks ---------- */

static bool
render_with(TplRenderState *st, const TplNodeList *body, const TplValue *v)
{
	bool ok;

	if (push_frame(st, v) == NULL)
		return false;
	ok = render_list(st, body);
	st->depth--;
	return ok;
}

static bool
render_array(TplRenderState *st, const TplNode *node, const TplValue *v)
{
	CtxFrame *f;
	size_t	  i;

	if ((f = push_frame(st, NULL)) == NULL)
		return false;
	for (i = 0; i < v->n; i++)
	{
		f->value = v->items[i];
		set_iteration(f, i, v->n, NULL, 0);
		if (!render_list(st, &node->body))
			return false;
	}
	st->depth--;
	return true;
}

static bool
render_object_each(TplRenderState *st, const TplNode *node, const TplValue *v)
{
	CtxFrame *f;
	size_t	  i;

	if ((f = push_frame(st, NULL)) == NULL)
		return false;
	for (i = 0; i < v->n; i++)
	{
		f->value = v->members[i].value;
		set_iteration(f, i, v->n, v->members[i].key, v->members[i].klen);
		if (!render_list(st, &node->body))
			return false;
	}
	st->depth--;
	return true;
}

static bool
render_section(TplRenderState *st, const TplNode *node)
{
	const TplValue *v = eval_arg(st, &node->args[0]);

	if (!tpl_value_truthy(v))
		return render_list(st, &node->inverse);
	if (v->type == TV_ARRAY)
		return render_array(st, node, v);
	return render_with(st, &node->body, v);
}

static bool
render_each(TplRenderState *st, const TplNode *node)
{
	const TplValue *v = eval_arg(st, &node->args[1]);

	if (v != NULL && v->type == TV_ARRAY && v->n > 0)
		return render_array(st, node, v);
	if (v != NULL && v->type == TV_OBJECT && v->n > 0)
		return render_object_each(st, node, v);
	return render_list(st, &node->inverse);
}

/* Handlebars' #if: mustache truthiness, and zero is false too */
static bool
hbs_truthy(const TplValue *v)
{
	if (v != NULL && v->type == TV_NUMBER && v->num == 0)
		return false;
	return tpl_value_truthy(v);
}

static bool
render_partial(TplRenderState *st, const TplNode *node);

/*
 * Nested sections and partials recurse through render_node: stop before
 * the stack runs out, by the engine's own budget and the host's hook.
 */
static bool
stack_ok(TplRenderState *st, const TplNode *node)
{
	char	  here;
	ptrdiff_t used = st->stack_base - &here;

	if (used < 0)
		used = -used;
	if (used > TPL_STACK_BUDGET ||
		(st->opts->stack_hook != NULL && !st->opts->stack_hook(st->opts->stack_ctx)))
	{
		tpl_set_error(st->err, TPL_ERR_LIMIT_DEPTH,
					  "template nesting (sections within partials) is too deep for the stack");
		return fail_node(st, node);
	}
	return true;
}

static bool
render_node(TplRenderState *st, const TplNode *node)
{
	const TplValue *v;

	if (node->kind != N_TEXT && node->kind != N_VAR && !stack_ok(st, node))
		return false;
	if (++st->steps % INTERRUPT_EVERY == 0 && st->opts->interrupt_hook)
		st->opts->interrupt_hook(st->opts->interrupt_ctx);
	if (st->opts->limits.max_steps > 0 && st->steps > st->opts->limits.max_steps)
	{
		tpl_set_error(st->err, TPL_ERR_LIMIT_STEPS,
					  "template rendering exceeded the limit of %ld steps",
					  st->opts->limits.max_steps);
		return fail_node(st, node);
	}
	switch (node->kind)
	{
		case N_TEXT:
			return tpl_buf_append(st->out, node->text, node->len, st->err);
		case N_VAR:
			return render_var(st, node);
		case N_SECTION:
			return render_section(st, node);
		case N_INVERTED:
			v = eval_arg(st, &node->args[0]);
			return render_list(st, tpl_value_truthy(v) ? &node->inverse : &node->body);
		case N_IF:
			v = eval_arg(st, &node->args[1]);
			return render_list(st, hbs_truthy(v) ? &node->body : &node->inverse);
		case N_UNLESS:
			v = eval_arg(st, &node->args[1]);
			return render_list(st, hbs_truthy(v) ? &node->inverse : &node->body);
		case N_EACH:
			return render_each(st, node);
		case N_WITH:
			v = eval_arg(st, &node->args[1]);
			if (!tpl_value_truthy(v))
				return render_list(st, &node->inverse);
			return render_with(st, &node->body, v);
		case N_IFEQUALS:
			return render_list(st, tpl_values_equal(eval_arg(st, &node->args[1]),
													eval_arg(st, &node->args[2]))
									   ? &node->body
									   : &node->inverse);
		case N_PARTIAL:
			return render_partial(st, node);
	}
	return true;
}

static bool
render_list(TplRenderState *st, const TplNodeList *list)
{
	int i;

	for (i = 0; i < list->n; i++)
		if (!render_node(st, list->nodes[i]))
			return false;
	return true;
}

/* ---------- partials ---------- */

/*
 * A standalone partial tag's indentation applies to every line of the
 * partial's source (not to interpolated data), so the source is indented
 * before it is compiled.
 */
static char *
indent_source(TplRenderState *st, const char *src, size_t len,
			  const char *indent, size_t ilen, size_t *outlen)
{
	size_t lines = 1;
	size_t i;
	size_t o = 0;
	char  *out;

	for (i = 0; i < len; i++)
		if (src[i] == '\n')
			lines++;
	if ((out = tpl_arena_alloc(&st->arena, len + lines * ilen + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
	{
		if (i == 0 || (src[i - 1] == '\n'))
		{
			memcpy(out + o, indent, ilen);
			o += ilen;
		}
		out[o++] = src[i];
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static TplTemplate *
compile_partial(TplRenderState *st, const TplNode *node, const TplValue *src)
{
	PartialCache *pc;
	const char	 *text = src->str;
	size_t		  len = src->len;
	TplError	  perr;

	for (pc = st->pcache; pc != NULL; pc = pc->next)
		if (pc->nlen == node->len && memcmp(pc->name, node->text, pc->nlen) == 0 &&
			pc->ilen == node->indent_len &&
			memcmp(pc->indent, node->indent, pc->ilen) == 0)
			return pc->tpl;
	/* each distinct indentation is a separate compilation: bound them */
	if (++st->npartials > MAX_PARTIAL_INSTANCES)
	{
		tpl_set_error(st->err, TPL_ERR_LIMIT_INCLUDES,
					  "more than %d distinct partial inclusions in one render",
					  MAX_PARTIAL_INSTANCES);
		tpl_state_error_at(st, node->pos);
		return NULL;
	}
	if ((pc = tpl_arena_alloc(&st->arena, sizeof(PartialCache))) == NULL)
		return NULL;
	if (node->indent_len > 0 &&
		(text = indent_source(st, text, len, node->indent, node->indent_len,
							  &len)) == NULL)
		return NULL;
	if ((pc->tpl = tpl_compile(text, len, &st->opts->limits, st->alloc, &perr)) == NULL)
	{
		*st->err = perr;
		snprintf(st->err->partial, sizeof(st->err->partial), "%.*s",
				 (int) node->len, node->text);
		return NULL;
	}
	pc->name = node->text;
	pc->nlen = node->len;
	pc->indent = node->indent;
	pc->ilen = node->indent_len;
	pc->next = st->pcache;
	st->pcache = pc;
	return pc->tpl;
}

static bool
render_partial(TplRenderState *st, const TplNode *node)
{
	const TplValue	  *src = tpl_value_get(st->partials, node->text, node->len);
	const TplTemplate *ptpl;
	const char		  *save_src = st->cur_src;
	const char		  *save_name = st->cur_partial;
	size_t			   save_len = st->cur_partial_len;
	bool			   ok;

	if (src == NULL || src->type != TV_STRING)
		return true; /* mustache: a missing partial is empty */
	if (st->partial_depth >= st->opts->limits.max_partial_depth)
	{
		tpl_set_error(st->err, TPL_ERR_LIMIT_PARTIAL,
					  "partials are nested more than %d levels deep",
					  st->opts->limits.max_partial_depth);
		return fail_node(st, node);
	}
	if ((ptpl = compile_partial(st, node, src)) == NULL)
		return false;
	st->partial_depth++;
	st->cur_src = ptpl->src;
	st->cur_partial = node->text;
	st->cur_partial_len = node->len;
	ok = render_list(st, &ptpl->root);
	st->cur_src = save_src;
	st->cur_partial = save_name;
	st->cur_partial_len = save_len;
	st->partial_depth--;
	return ok;
}

/* ---------- entry point ---------- */

static bool
check_strict(TplRenderState *st, const TplTemplate *tpl)
{
	size_t i;

	for (i = 0; i < tpl->vars.n; i++)
	{
		if (tpl_value_get(st->root, tpl->vars.items[i], tpl->vars.lens[i]) != NULL)
			continue;
		tpl_set_error(st->err, TPL_ERR_MISSING_VAR,
					  "missing template variable \"%.*s\"",
					  (int) (tpl->vars.lens[i] > 100 ? 100 : tpl->vars.lens[i]),
					  tpl->vars.items[i]);
		return false;
	}
	return true;
}

static bool
check_partials(TplRenderState *st)
{
	size_t i;

	if (st->partials == NULL)
		return true;
	if (st->partials->type != TV_OBJECT)
	{
		tpl_set_error(st->err, TPL_ERR_PARTIAL, "partials must be a JSON object");
		return false;
	}
	for (i = 0; i < st->partials->n; i++)
	{
		const TplMember *m = &st->partials->members[i];

		if (m->value->type == TV_STRING)
			continue;
		tpl_set_error(st->err, TPL_ERR_PARTIAL,
					  "partial \"%.*s\" must be a JSON string",
					  (int) (m->klen > 100 ? 100 : m->klen), m->key);
		return false;
	}
	return true;
}

bool
tpl_render_value(const TplTemplate *tpl, const TplValue *vars,
				 const TplValue *partials, const TplRenderOptions *opts,
				 const TplAllocator *alloc, TplBuf *out, TplError *err)
{
	static const TplValue empty_object = {TV_OBJECT};
	TplRenderState		  st;
	PartialCache		 *pc;
	bool				  ok;
	char				  base;

	memset(err, 0, sizeof(*err));
	memset(&st, 0, sizeof(st));
	st.stack_base = &base;
	st.opts = opts;
	st.alloc = alloc;
	st.err = err;
	st.out = out;
	st.cur_src = tpl->src;
	st.root = vars ? vars : &empty_object;
	st.partials = partials;
	tpl_arena_init(&st.arena, alloc, err);
	tpl_buf_init(out, alloc, opts->limits.max_output_size);
	tpl_buf_init(&st.tmp, alloc, opts->limits.max_output_size);
	/* the empty append allocates, so even an empty result is a C string */
	ok = check_partials(&st) &&
		 (!opts->strict || check_strict(&st, tpl)) &&
		 push_frame(&st, st.root) != NULL &&
		 tpl_buf_append(out, "", 0, err) &&
		 render_list(&st, &tpl->root);
	for (pc = st.pcache; pc != NULL; pc = pc->next)
		tpl_free(pc->tpl);
	tpl_buf_free(&st.tmp);
	tpl_arena_destroy(&st.arena);
	if (!ok)
		tpl_buf_free(out);
	return ok;
}
