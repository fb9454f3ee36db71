/*-------------------------------------------------------------------------
 *
 * template_sql.c
 *	  SQL entry points of the template engine: flowcomm.render,
 *	  template_check, template_variables and html_to_text.
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

#include "template_int.h"

PG_FUNCTION_INFO_V1(flowcomm_render);
PG_FUNCTION_INFO_V1(flowcomm_template_check);
PG_FUNCTION_INFO_V1(flowcomm_template_variables);
PG_FUNCTION_INFO_V1(flowcomm_html_to_text);

#define CACHE_ENTRIES	64

typedef struct CacheEntry
{
	uint32		hash;
	uint64		last_used;
	MemoryContext cxt;			/* owns the compiled template */
	TplAllocator alloc;
	TplTemplate *tpl;
} CacheEntry;

static MemoryContext cache_cxt = NULL;
static CacheEntry cache[CACHE_ENTRIES];
static uint64 cache_clock = 0;

/* GUCs (kB for sizes) */
static bool gucs_defined = false;
static int	guc_max_size_kb = TPL_DEFAULT_MAX_TEMPLATE_SIZE / 1024;
static int	guc_max_depth = TPL_DEFAULT_MAX_DEPTH;
static int	guc_max_output_kb = TPL_DEFAULT_MAX_OUTPUT_SIZE / 1024;
static int	guc_max_partial_depth = TPL_DEFAULT_MAX_PARTIAL_DEPTH;

/*
 * The GUCs are defined on first use rather than in _PG_init, which the
 * module entry point owns; a value SET earlier is kept by the placeholder
 * mechanism.
 */
static void
define_gucs(void)
{
	if (gucs_defined)
		return;
	gucs_defined = true;
	DefineCustomIntVariable("flowcomm.template_max_size",
							"Largest template source flowcomm.render accepts.",
							NULL, &guc_max_size_kb,
							TPL_DEFAULT_MAX_TEMPLATE_SIZE / 1024, 1, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.template_max_depth",
							"Deepest nesting of sections in a template.",
							NULL, &guc_max_depth, TPL_DEFAULT_MAX_DEPTH, 1, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.template_max_output",
							"Largest output flowcomm.render produces.",
							NULL, &guc_max_output_kb,
							TPL_DEFAULT_MAX_OUTPUT_SIZE / 1024, 1, 512 * 1024,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.template_max_partial_depth",
							"Deepest nesting of partials while rendering.",
							NULL, &guc_max_partial_depth,
							TPL_DEFAULT_MAX_PARTIAL_DEPTH, 0, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
}

static void
current_limits(TplLimits *limits)
{
	define_gucs();
	tpl_limits_default(limits);
	limits->max_template_size = (size_t) guc_max_size_kb * 1024;
	limits->max_depth = guc_max_depth;
	limits->max_output_size = (size_t) guc_max_output_kb * 1024;
	limits->max_partial_depth = guc_max_partial_depth;
	/* query cancel and statement_timeout bound the work instead */
	limits->max_steps = 0;
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
	pg_tz	   *tz = pg_tzset(name);
	pg_time_t	t = (pg_time_t) utc;
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
	e->alloc.release = NULL;	/* the context goes as a whole */
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
	char	   *s;

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
	return TPL_ESCAPE_HTML;		/* keep compiler quiet */
}

static char *
jsonb_arg_text(FunctionCallInfo fcinfo, int argno, const char *what,
			   bool must_be_object, size_t *len)
{
	Jsonb	   *jb;
	char	   *s;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	jb = PG_GETARG_JSONB_P(argno);
	if (must_be_object && !JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", what)));
	s = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	*len = strlen(s);
	return s;
}

/*
 * flowcomm.render(template, variables, partials, escape, strict, locale)
 */
Datum
flowcomm_render(PG_FUNCTION_ARGS)
{
	TplRenderOptions opts;
	const TplTemplate *tpl;
	text	   *src;
	char	   *vars = NULL;
	char	   *partials = NULL;
	size_t		vars_len = 0;
	size_t		partials_len = 0;
	MemoryContext work;
	TplAllocator alloc;
	TplBuf		out;
	TplError	err;
	text	   *result;
	bool		ok;

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
	tpl = get_template(VARDATA_ANY(src), VARSIZE_ANY_EXHDR(src), &opts.limits);
	vars = jsonb_arg_text(fcinfo, 1, "variables", false, &vars_len);
	partials = jsonb_arg_text(fcinfo, 2, "partials", true, &partials_len);

	work = AllocSetContextCreate(CurrentMemoryContext, "flowcomm render",
								 ALLOCSET_DEFAULT_SIZES);
	alloc.alloc = pg_alloc;
	alloc.release = pg_release;
	alloc.ctx = work;
	ok = tpl_render_json(tpl, vars, vars_len, partials, partials_len, &opts,
						 &alloc, &out, &err);
	if (!ok)
		raise_error(&err);
	result = cstring_to_text_with_len(out.data, (int) out.len);
	MemoryContextDelete(work);
	PG_RETURN_TEXT_P(result);
}

/* flowcomm.template_check(template): compile errors, or nothing */
Datum
flowcomm_template_check(PG_FUNCTION_ARGS)
{
	text	   *src = PG_GETARG_TEXT_PP(0);
	TplLimits	limits;

	current_limits(&limits);
	(void) get_template(VARDATA_ANY(src), VARSIZE_ANY_EXHDR(src), &limits);
	PG_RETURN_VOID();
}

/* flowcomm.template_variables(template): top-level names it references */
Datum
flowcomm_template_variables(PG_FUNCTION_ARGS)
{
	text	   *src = PG_GETARG_TEXT_PP(0);
	TplLimits	limits;
	const TplStrList *vars;
	Datum	   *elems;
	size_t		i;

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

/* flowcomm.html_to_text(html): text/plain alternative of an e-mail */
Datum
flowcomm_html_to_text(PG_FUNCTION_ARGS)
{
	text	   *html = PG_GETARG_TEXT_PP(0);
	TplAllocator alloc;
	TplBuf		out;
	TplError	err;

	alloc.alloc = pg_alloc;
	alloc.release = pg_release;
	alloc.ctx = CurrentMemoryContext;
	if (!tpl_html_to_text(VARDATA_ANY(html), VARSIZE_ANY_EXHDR(html), &alloc,
						  &out, &err))
		raise_error(&err);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, (int) out.len));
}
