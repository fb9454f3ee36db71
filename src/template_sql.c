/*-------------------------------------------------------------------------
 *
 * template_sql.c
 *	  SQL entry points of the template engine: flowcomm.render,
 *	  template_check, template_variables and html_to_text (also the
 *	  worker's fc_html_to_text).
 *
 * This is the only template file that knows about PostgreSQL.  It gives
 * the core a palloc-based allocator, maps TplError to ereport, resolves
 * IANA time zones through PostgreSQL's tz database, lets query cancel
 * interrupt long renders and keeps a per-backend cache of compiled
 * templates keyed by their text (an edited template row simply misses).
 *
 * src/template_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "flowcomm.h"
#include "template_int.h"

PG_FUNCTION_INFO_V1(flowcomm_render);
PG_FUNCTION_INFO_V1(flowcomm_template_check);
PG_FUNCTION_INFO_V1(flowcomm_template_variables);
PG_FUNCTION_INFO_V1(flowcomm_html_to_text);

#define CACHE_ENTRIES 64

typedef struct CacheEntry
{
	uint32		  hash;
	uint64		  last_used;
	MemoryContext cxt; /* owns the compiled template */
	TplAllocator  alloc;
	TplTemplate	 *tpl;
} CacheEntry;

static MemoryContext cache_cxt = NULL;
static CacheEntry	 cache[CACHE_ENTRIES];
static uint64		 cache_clock = 0;

/* GUCs (kB for sizes) */
static bool gucs_defined = false;
static int	guc_max_size_kb = TPL_DEFAULT_MAX_TEMPLATE_SIZE / 1024;
static int	guc_max_depth = TPL_DEFAULT_MAX_DEPTH;
static int	guc_max_output_kb = TPL_DEFAULT_MAX_OUTPUT_SIZE / 1024;
static int	guc_max_partial_depth = TPL_DEFAULT_MAX_PARTIAL_DEPTH;
static int	guc_max_steps = TPL_SQL_DEFAULT_MAX_STEPS;

/*
 * Ceilings: the values set by the server's configuration (postgresql.conf,
 * ALTER SYSTEM, the command line, ALTER ROLE/DATABASE ALL), which only a
 * superuser can write.  Any other role may lower a limit, never raise it
 * above its ceiling: the limits are what keeps a render's memory, stack and
 * time bounded, and a tenant must not be able to lift them.
 */
static int ceil_size_kb = TPL_DEFAULT_MAX_TEMPLATE_SIZE / 1024;
static int ceil_depth = TPL_DEFAULT_MAX_DEPTH;
static int ceil_output_kb = TPL_DEFAULT_MAX_OUTPUT_SIZE / 1024;
static int ceil_partial_depth = TPL_DEFAULT_MAX_PARTIAL_DEPTH;
static int ceil_steps = TPL_SQL_DEFAULT_MAX_STEPS;

static bool
limit_check(const char *name, int *ceiling, int newval, GucSource source)
{
	if (source <= PGC_S_GLOBAL)
	{
		*ceiling = newval;
		return true;
	}
	/* a parallel worker restores what its leader already checked */
	if (InitializingParallelWorker || newval <= *ceiling || superuser())
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("only a superuser may raise %s above %d", name, *ceiling);
	GUC_check_errhint("The server configuration sets the ceiling; lower values are always allowed.");
	return false;
}

#define LIMIT_HOOK(fn, name, ceiling)                           \
	static bool fn(int *newval, void **extra, GucSource source) \
	{                                                           \
		return limit_check(name, &(ceiling), *newval, source);  \
	}

LIMIT_HOOK(check_size, "flowcomm.template_max_size", ceil_size_kb)
LIMIT_HOOK(check_depth, "flowcomm.template_max_depth", ceil_depth)
LIMIT_HOOK(check_output, "flowcomm.template_max_output", ceil_output_kb)
LIMIT_HOOK(check_partial_depth, "flowcomm.template_max_partial_depth", ceil_partial_depth)
LIMIT_HOOK(check_steps, "flowcomm.template_max_steps", ceil_steps)

/*
 * Defined by _PG_init (tpl_define_gucs) so that no session SET can precede
 * the definition, and again on first use when the library was loaded some
 * other way; a value SET earlier is kept by the placeholder mechanism and
 * goes through the check hooks.
 */
void
tpl_define_gucs(void)
{
	if (gucs_defined)
		return;
	gucs_defined = true;
	DefineCustomIntVariable("flowcomm.template_max_size",
							"Largest template source flowcomm.render accepts.",
							"A non-superuser may only lower it.", &guc_max_size_kb,
							TPL_DEFAULT_MAX_TEMPLATE_SIZE / 1024, 1, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB, check_size, NULL, NULL);
	DefineCustomIntVariable("flowcomm.template_max_depth",
							"Deepest nesting of sections in a template.",
							"A non-superuser may only lower it.", &guc_max_depth,
							TPL_DEFAULT_MAX_DEPTH, 1, 1000,
							PGC_USERSET, 0, check_depth, NULL, NULL);
	DefineCustomIntVariable("flowcomm.template_max_output",
							"Largest output flowcomm.render produces.",
							"A non-superuser may only lower it.", &guc_max_output_kb,
							TPL_DEFAULT_MAX_OUTPUT_SIZE / 1024, 1, 512 * 1024,
							PGC_USERSET, GUC_UNIT_KB, check_output, NULL, NULL);
	DefineCustomIntVariable("flowcomm.template_max_partial_depth",
							"Deepest nesting of partials while rendering.",
							"A non-superuser may only lower it.", &guc_max_partial_depth,
							TPL_DEFAULT_MAX_PARTIAL_DEPTH, 0, 1000,
							PGC_USERSET, 0, check_partial_depth, NULL, NULL);
	DefineCustomIntVariable("flowcomm.template_max_steps",
							"Most render steps (nodes visited) of one flowcomm.render call.",
							"Bounds the CPU time of a render; a non-superuser may only lower it.",
							&guc_max_steps, TPL_SQL_DEFAULT_MAX_STEPS, 1000, INT_MAX,
							PGC_USERSET, 0, check_steps, NULL, NULL);
}

static void
current_limits(TplLimits *limits)
{
	tpl_define_gucs();
	tpl_limits_default(limits);
	limits->max_template_size = (size_t) guc_max_size_kb * 1024;
	limits->max_depth = guc_max_depth;
	limits->max_output_size = (size_t) guc_max_output_kb * 1024;
	limits->max_partial_depth = guc_max_partial_depth;
	/* on: a small template can otherwise loop for minutes (each over @root) */
	limits->max_steps = guc_max_steps;
}

/* ---------- allocator and hooks ---------- */

static void *
pg_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
}

static void
pg_release(void *ctx, void *ptr)
{
	pfree(ptr);
}

static bool
pg_tz_offset(void *ctx, const char *name, int64_t utc, int *offset)
{
	pg_tz		 *tz = pg_tzset(name);
	pg_time_t	  t = (pg_time_t) utc;
	struct pg_tm *tm;

	if (tz == NULL || (tm = pg_localtime(&t, tz)) == NULL)
		return false;
	*offset = (int) tm->tm_gmtoff;
	return true;
}

static void
pg_interrupt(void *ctx)
{
	CHECK_FOR_INTERRUPTS();
}

/* ERROR (54001) before the stack runs out, as PostgreSQL's own recursion */
static bool
pg_stack_ok(void *ctx)
{
	check_stack_depth();
	return true;
}

/* ---------- errors ---------- */

static int
sqlstate_of(const TplError *err)
{
	switch (err->code)
	{
		case TPL_ERR_LIMIT_SIZE:
		case TPL_ERR_LIMIT_DEPTH:
		case TPL_ERR_LIMIT_OUTPUT:
		case TPL_ERR_LIMIT_PARTIAL:
		case TPL_ERR_LIMIT_INCLUDES:
		case TPL_ERR_LIMIT_STEPS:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case TPL_ERR_OOM:
			return ERRCODE_OUT_OF_MEMORY;
		default:
			return ERRCODE_INVALID_PARAMETER_VALUE;
	}
}

static int
position_detail(const TplError *err)
{
	if (err->line == 0)
		return 0;
	if (err->partial[0] != '\0')
		return errdetail("In partial \"%s\" at line %d, column %d.",
						 err->partial, err->line, err->column);
	return errdetail("At line %d, column %d.", err->line, err->column);
}

static int
error_hint(const TplError *err)
{
	if (err->code == TPL_ERR_HELPER)
		return errhint("Inline helpers: currency, date, default, lower, phone, truncate, upper; "
					   "block helpers: if, unless, each, with, ifEquals.");
	if (err->code == TPL_ERR_LIMIT_OUTPUT || err->code == TPL_ERR_LIMIT_SIZE ||
		err->code == TPL_ERR_LIMIT_DEPTH || err->code == TPL_ERR_LIMIT_PARTIAL)
		return errhint("The limits are the flowcomm.template_max_* settings.");
	return 0;
}

static void
raise_error(const TplError *err)
{
	ereport(ERROR,
			(errcode(sqlstate_of(err)),
			 errmsg("%s", err->message),
			 position_detail(err),
			 error_hint(err)));
}

/* ---------- compiled template cache ---------- */

static bool
entry_matches(const CacheEntry *e, uint32 hash, const char *src, size_t len,
			  const TplLimits *limits)
{
	const TplTemplate *t = e->tpl;

	return t != NULL && e->hash == hash && t->src_len == len &&
		   t->limits.max_depth == limits->max_depth &&
		   t->limits.max_template_size == limits->max_template_size &&
		   memcmp(t->src, src, len) == 0;
}

static CacheEntry *
cache_victim(void)
{
	CacheEntry *victim = &cache[0];
	int			i;

	for (i = 0; i < CACHE_ENTRIES; i++)
	{
		if (cache[i].tpl == NULL)
			return &cache[i];
		if (cache[i].last_used < victim->last_used)
			victim = &cache[i];
	}
	return victim;
}

/* Compile (or find) `src`; raises the compile error */
static const TplTemplate *
get_template(const char *src, size_t len, const TplLimits *limits)
{
	uint32		hash = hash_bytes((const unsigned char *) src, (int) len);
	CacheEntry *e;
	TplError	err;
	int			i;

	for (i = 0; i < CACHE_ENTRIES; i++)
		if (entry_matches(&cache[i], hash, src, len, limits))
		{
			cache[i].last_used = ++cache_clock;
			return cache[i].tpl;
		}
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext,
										  "flowcomm template cache",
										  ALLOCSET_SMALL_SIZES);
	e = cache_victim();
	if (e->cxt != NULL)
		MemoryContextDelete(e->cxt);
	e->tpl = NULL;
	e->cxt = AllocSetContextCreate(cache_cxt, "flowcomm template",
								   ALLOCSET_SMALL_SIZES);
	e->alloc.alloc = pg_alloc;
	e->alloc.release = NULL; /* the context goes as a whole */
	e->alloc.ctx = e->cxt;
	e->tpl = tpl_compile(src, len, limits, &e->alloc, &err);
	if (e->tpl == NULL)
	{
		MemoryContextDelete(e->cxt);
		e->cxt = NULL;
		raise_error(&err);
	}
	e->hash = hash;
	e->last_used = ++cache_clock;
	return e->tpl;
}

/* ---------- argument helpers ---------- */

static TplEscape
escape_arg(FunctionCallInfo fcinfo, int argno)
{
	char *s;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return TPL_ESCAPE_HTML;
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(s, "html") == 0)
		return TPL_ESCAPE_HTML;
	if (strcmp(s, "none") == 0)
		return TPL_ESCAPE_NONE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for parameter \"escape\": \"%s\"", s),
			 errhint("Use \"html\" for e-mail or \"none\" for SMS and chat channels.")));
	return TPL_ESCAPE_HTML; /* keep compiler quiet */
}

/* ---------- jsonb to TplValue ---------- */

/*
 * Variables go straight from jsonb to the core's value model: printing the
 * jsonb as text only for the core to parse it again would be most of the
 * cost of rendering a short SMS.  Strings point into the detoasted datum,
 * which outlives the call's work context.
 */
static bool
scalar_value(TplArena *arena, const JsonbValue *jv, TplValue *v)
{
	memset(v, 0, sizeof(*v));
	switch (jv->type)
	{
		case jbvNull:
			v->type = TV_NULL;
			break;
		case jbvBool:
			v->type = TV_BOOL;
			v->b = jv->val.boolean;
			break;
		case jbvString:
			v->type = TV_STRING;
			v->str = jv->val.string.val;
			v->len = jv->val.string.len;
			break;
		case jbvNumeric:
			v->type = TV_NUMBER;
			v->str = DatumGetCString(DirectFunctionCall1(numeric_out,
														 NumericGetDatum(jv->val.numeric)));
			v->len = strlen(v->str);
			v->num = strtod(v->str, NULL);
			break;
		default:
			return false;
	}
	return true;
}

typedef struct BuildFrame
{
	TplValue   *container;
	const char *key; /* pending object key */
	int			keylen;
} BuildFrame;

static TplValue *
new_container(TplArena *arena, const JsonbValue *jv, JsonbIteratorToken tok)
{
	TplValue *v = tpl_arena_alloc(arena, sizeof(TplValue));
	int		  n = (tok == WJB_BEGIN_OBJECT) ? jv->val.object.nPairs : jv->val.array.nElems;

	if (v == NULL)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->type = (tok == WJB_BEGIN_OBJECT) ? TV_OBJECT : TV_ARRAY;
	if (n > 0 && tok == WJB_BEGIN_OBJECT)
		v->members = tpl_arena_alloc(arena, n * sizeof(TplMember));
	else if (n > 0)
		v->items = tpl_arena_alloc(arena, n * sizeof(TplValue *));
	if (n > 0 && v->members == NULL && v->items == NULL)
		return NULL;
	return v;
}

static void
attach(BuildFrame *f, TplValue *child)
{
	TplValue *c = f->container;

	if (c->type == TV_OBJECT)
	{
		c->members[c->n].key = f->key;
		c->members[c->n].klen = f->keylen;
		c->members[c->n].value = child;
	}
	else
		c->items[c->n] = child;
	c->n++;
}

static const TplValue *
jsonb_to_value(TplArena *arena, Jsonb *jb)
{
	JsonbIterator	  *it = JsonbIteratorInit(&jb->root);
	JsonbIteratorToken tok;
	JsonbValue		   jv;
	BuildFrame		  *stack = NULL;
	int				   depth = 0;
	int				   cap = 0;
	TplValue		  *root = NULL;

	while ((tok = JsonbIteratorNext(&it, &jv, false)) != WJB_DONE)
	{
		TplValue *v;

		if (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY)
		{
			depth--;
			continue;
		}
		if (tok == WJB_KEY)
		{
			stack[depth - 1].key = jv.val.string.val;
			stack[depth - 1].keylen = jv.val.string.len;
			continue;
		}
		if (tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY)
			v = new_container(arena, &jv, tok);
		else if ((v = tpl_arena_alloc(arena, sizeof(TplValue))) != NULL &&
				 !scalar_value(arena, &jv, v))
			v = NULL;
		if (v == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		if (depth > 0)
			attach(&stack[depth - 1], v);
		else
			root = v;
		if (tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY)
		{
			if (depth == cap)
			{
				cap = cap ? cap * 2 : 16;
				stack = stack ? repalloc(stack, cap * sizeof(BuildFrame)) : palloc(cap * sizeof(BuildFrame));
			}
			stack[depth].container = v;
			stack[depth].key = NULL;
			stack[depth].keylen = 0;
			depth++;
		}
	}
	/* a scalar document is stored as a one-element "raw scalar" array */
	if (JB_ROOT_IS_SCALAR(jb) && root != NULL && root->n == 1)
		return root->items[0];
	return root;
}

static const TplValue *
jsonb_arg(FunctionCallInfo fcinfo, int argno, TplArena *arena,
		  const char *what, bool must_be_object)
{
	Jsonb *jb;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	jb = PG_GETARG_JSONB_P(argno);
	if (must_be_object && !JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", what)));
	return jsonb_to_value(arena, jb);
}

/*
 * flowcomm.render(template, variables, partials, escape, strict, locale)
 */
Datum
flowcomm_render(PG_FUNCTION_ARGS)
{
	TplRenderOptions   opts;
	const TplTemplate *tpl;
	text			  *src;
	const TplValue	  *vars;
	const TplValue	  *partials;
	MemoryContext	   work;
	MemoryContext	   old;
	TplAllocator	   alloc;
	TplArena		   arena;
	TplBuf			   out;
	TplError		   err;
	text			  *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	src = PG_GETARG_TEXT_PP(0);
	tpl_render_options_default(&opts);
	current_limits(&opts.limits);
	opts.escape = escape_arg(fcinfo, 3);
	opts.strict = PG_NARGS() > 4 && !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	if (PG_NARGS() > 5 && !PG_ARGISNULL(5))
		opts.locale = text_to_cstring(PG_GETARG_TEXT_PP(5));
	opts.tz_hook = pg_tz_offset;
	opts.interrupt_hook = pg_interrupt;
	opts.stack_hook = pg_stack_ok;
	tpl = get_template(VARDATA_ANY(src), VARSIZE_ANY_EXHDR(src), &opts.limits);

	/* everything below lives in one context, dropped after the copy out */
	work = AllocSetContextCreate(CurrentMemoryContext, "flowcomm render",
								 ALLOCSET_DEFAULT_SIZES);
	alloc.alloc = pg_alloc;
	alloc.release = pg_release;
	alloc.ctx = work;
	old = MemoryContextSwitchTo(work);
	tpl_arena_init(&arena, &alloc, &err);
	vars = jsonb_arg(fcinfo, 1, &arena, "variables", false);
	partials = jsonb_arg(fcinfo, 2, &arena, "partials", true);
	if (!tpl_render_value(tpl, vars, partials, &opts, &alloc, &out, &err))
		raise_error(&err);
	MemoryContextSwitchTo(old);
	result = cstring_to_text_with_len(out.data, (int) out.len);
	MemoryContextDelete(work);
	PG_RETURN_TEXT_P(result);
}

/* flowcomm.template_check(template): compile errors, or nothing */
Datum
flowcomm_template_check(PG_FUNCTION_ARGS)
{
	text	 *src = PG_GETARG_TEXT_PP(0);
	TplLimits limits;

	current_limits(&limits);
	(void) get_template(VARDATA_ANY(src), VARSIZE_ANY_EXHDR(src), &limits);
	PG_RETURN_VOID();
}

/* flowcomm.template_variables(template): top-level names it references */
Datum
flowcomm_template_variables(PG_FUNCTION_ARGS)
{
	text			 *src = PG_GETARG_TEXT_PP(0);
	TplLimits		  limits;
	const TplStrList *vars;
	Datum			 *elems;
	size_t			  i;

	current_limits(&limits);
	vars = tpl_variables(get_template(VARDATA_ANY(src), VARSIZE_ANY_EXHDR(src),
									  &limits));
	elems = palloc(sizeof(Datum) * (vars->n + 1));
	for (i = 0; i < vars->n; i++)
		elems[i] = PointerGetDatum(cstring_to_text_with_len(vars->items[i],
															(int) vars->lens[i]));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, (int) vars->n, TEXTOID, -1,
										  false, TYPALIGN_INT));
}

/* html_to_text runs the engine's converter with a palloc allocator. */
static bool
html_to_text(const char *html, size_t len, TplBuf *out, TplError *err)
{
	TplAllocator alloc;

	alloc.alloc = pg_alloc;
	alloc.release = pg_release;
	alloc.ctx = CurrentMemoryContext;
	return tpl_html_to_text(html, len, &alloc, out, err);
}

/*
 * fc_html_to_text is the same conversion for the worker, for an e-mail
 * queued without a text part (flowcomm.send always stores one): one
 * converter, so both parts of every e-mail agree.  Never raises: a body the
 * converter refuses gets an empty text part, the HTML part still goes.
 */
char *
fc_html_to_text(const char *html)
{
	TplBuf	 out;
	TplError err;

	if (html == NULL || !html_to_text(html, strlen(html), &out, &err))
		return pstrdup("");
	return out.data;
}

/* flowcomm.html_to_text(html): text/plain alternative of an e-mail */
Datum
flowcomm_html_to_text(PG_FUNCTION_ARGS)
{
	text	*html = PG_GETARG_TEXT_PP(0);
	TplBuf	 out;
	TplError err;

	if (!html_to_text(VARDATA_ANY(html), VARSIZE_ANY_EXHDR(html), &out, &err))
		raise_error(&err);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, (int) out.len));
}
