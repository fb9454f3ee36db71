/*-------------------------------------------------------------------------
 *
 * send_template.c
 *	  flowcomm.render_for_send in C, with a per-backend cache of resolved
 *	  templates.
 *
 * Every templated send resolves its template (by id, or by code and channel
 * through the locale chain) and renders it.  In PL/pgSQL that was five
 * function calls and four queries per send (resolve_template, locale_chain,
 * render_with, optional_variables; 0.23 ms of a 1.2 ms send in the
 * profile of docs/performance.md).  Here the resolved template and what is
 * derived from its source (the variables it references, those it only
 * tests, whether it may use partials) are cached per backend, keyed by
 * everything the resolution depends on: business, channel, id, code,
 * locale and the current user (row-level security).
 *
 * The cache is dropped whenever a table the resolution reads changes:
 * statement triggers on communication_template, system_template and
 * business_setting (sql/src/36_template_cache.sql) send a relcache
 * invalidation of their table, which every backend receives at its next
 * transaction start (and the changing backend at once); the relcache
 * callback here then empties the cache.  A rolled-back change replays its
 * invalidations locally, so nothing uncommitted stays cached.
 *
 * Only the common case is done here: the template resolved, every variable
 * it references given (or only tested), no partial.  Anything else (a
 * missing variable, partials, a template of another channel, an unknown
 * template) runs the SQL functions exactly as before, so every error keeps
 * its SQLSTATE and message (test/pgtap/08_bad_input.sql is the contract).
 *
 * src/send_template.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/uuid.h"

#include "flowcomm.h"

PG_FUNCTION_INFO_V1(flowcomm_render_for_send);
PG_FUNCTION_INFO_V1(flowcomm_template_cache_invalidate);

/* the C entry points of the template engine (src/template_sql.c) */
extern Datum flowcomm_render(PG_FUNCTION_ARGS);
extern Datum flowcomm_template_variables(PG_FUNCTION_ARGS);
extern Datum flowcomm_html_to_text(PG_FUNCTION_ARGS);

#define TCACHE_KEY_LEN	   400	/* longer keys are not cached */
#define TCACHE_MAX_ENTRIES 1000 /* beyond, the cache starts over */

typedef struct TemplateEntry
{
	char	  key[TCACHE_KEY_LEN];
	pg_uuid_t id;
	char	 *code;
	char	 *locale;
	char	 *channel;
	char	 *subject; /* NULL when the template has none */
	char	 *body;
	int		  nvars; /* variables referenced and not optional */
	char	**vars;
	bool	  needs_partials; /* a {{> or {{= tag: the SQL path */
} TemplateEntry;

static HTAB			*tcache = NULL;
static MemoryContext tcache_cxt = NULL;
static bool			 tcache_callback_registered = false;
static Oid			 tcache_rels[3]; /* the tables whose changes drop the cache */

static SPIPlanPtr resolve_plan = NULL;
static SPIPlanPtr derive_plan = NULL;
static SPIPlanPtr render_with_plan = NULL;
static SPIPlanPtr invalid_plan = NULL;

/* empty the cache (memory and table) */
static void
tcache_reset(void)
{
	if (tcache_cxt != NULL)
		MemoryContextDelete(tcache_cxt);
	tcache_cxt = NULL;
	tcache = NULL;
}

/* relcache callback: a watched table changed (or every relation did) */
static void
tcache_relcache_callback(Datum arg, Oid relid)
{
	if (tcache == NULL)
		return;
	if (relid == InvalidOid || relid == tcache_rels[0] || relid == tcache_rels[1] ||
		relid == tcache_rels[2])
		tcache_reset();
}

static void
tcache_init(void)
{
	HASHCTL ctl;
	Oid		nsp;

	if (!tcache_callback_registered)
	{
		CacheRegisterRelcacheCallback(tcache_relcache_callback, (Datum) 0);
		tcache_callback_registered = true;
	}
	/* the OIDs change when the extension is recreated: looked up per fill */
	nsp = get_namespace_oid("flowcomm", false);
	tcache_rels[0] = get_relname_relid("communication_template", nsp);
	tcache_rels[1] = get_relname_relid("system_template", nsp);
	tcache_rels[2] = get_relname_relid("business_setting", nsp);

	tcache_cxt = AllocSetContextCreate(TopMemoryContext, "flowcomm template cache",
									   ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = TCACHE_KEY_LEN;
	ctl.entrysize = sizeof(TemplateEntry);
	ctl.hcxt = tcache_cxt;
	tcache = hash_create("flowcomm template cache", 64, &ctl,
						 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/* append one key part, length-prefixed so no value can imitate another */
static void
key_part(StringInfo k, const char *v)
{
	if (v == NULL)
		appendStringInfoString(k, "-|");
	else
		appendStringInfo(k, "%zu:%s|", strlen(v), v);
}

static SPIPlanPtr
prepare_saved(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr p = SPI_prepare(sql, nargs, types);

	if (p == NULL)
		elog(ERROR, "flowcomm: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(p);
	return p;
}

static char *
col_text(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);
}

/*
 * Resolve through the SQL function (its errors are the contract) and derive
 * what each send needs from the source: the variables it references minus
 * those it only tests, and whether it may use a partial.  Returns the new
 * entry, or NULL when the template is of another channel (the caller then
 * raises render_for_send's error).
 */
static TemplateEntry *
tcache_fill(const char *key, Datum *args, char *nulls, const char *channel, bool *wrong_channel)
{
	Oid			   rtypes[5] = {UUIDOID, TEXTOID, UUIDOID, TEXTOID, TEXTOID};
	Oid			   dtypes[2] = {TEXTOID, TEXTOID};
	Datum		   dargs[2];
	char		   dnulls[2] = {' ', ' '};
	TemplateEntry  tmp;
	TemplateEntry *e;
	HeapTuple	   tup;
	TupleDesc	   desc;
	bool		   isnull;
	Datum		   d;
	ArrayType	  *arr;
	Datum		  *elems;
	bool		  *enulls;
	int			   n;
	MemoryContext  old;

	if (resolve_plan == NULL)
		resolve_plan = prepare_saved(
			"SELECT id, channel::text, code, locale, subject_template, body_template "
			"FROM flowcomm.resolve_template($1, $2::flowcomm.channel, $3, $4, $5)",
			5, rtypes);
	if (SPI_execute_plan(resolve_plan, args, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "flowcomm: template resolution failed");
	/* resolve_template raises when nothing matches */
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.channel = col_text(tup, desc, 2);
	*wrong_channel = strcmp(tmp.channel, channel) != 0;
	if (*wrong_channel)
		return NULL;
	d = SPI_getbinval(tup, desc, 1, &isnull);
	memcpy(&tmp.id, DatumGetUUIDP(d), sizeof(pg_uuid_t));
	tmp.code = col_text(tup, desc, 3);
	tmp.locale = col_text(tup, desc, 4);
	tmp.subject = col_text(tup, desc, 5);
	tmp.body = col_text(tup, desc, 6);
	if (tmp.body == NULL)
	{
		/* no body (not allowed by the tables today): render_with decides */
		tmp.body = "";
		tmp.needs_partials = true;
	}

	/* the same derivations render_with makes, once per template */
	if (derive_plan == NULL)
		derive_plan = prepare_saved(
			"WITH s(src) AS (SELECT coalesce($1, '') || ' ' || $2) "
			"SELECT (SELECT coalesce(array_agg(v ORDER BY v), '{}') FROM unnest(flowcomm.template_variables(src)) v "
			"         WHERE NOT v = ANY (flowcomm.optional_variables(src))), "
			"       src ~ '\\{\\{~?\\s*[>=]' FROM s",
			2, dtypes);
	dargs[0] = tmp.subject ? CStringGetTextDatum(tmp.subject) : (Datum) 0;
	dnulls[0] = tmp.subject ? ' ' : 'n';
	dargs[1] = CStringGetTextDatum(tmp.body);
	if (SPI_execute_plan(derive_plan, dargs, dnulls, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "flowcomm: template derivation failed");
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	arr = DatumGetArrayTypeP(SPI_getbinval(tup, desc, 1, &isnull));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	tmp.needs_partials |= DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));

	if (tcache == NULL)
		tcache_init();
	else if (hash_get_num_entries(tcache) >= TCACHE_MAX_ENTRIES)
	{
		tcache_reset();
		tcache_init();
	}
	old = MemoryContextSwitchTo(tcache_cxt);
	e = (TemplateEntry *) hash_search(tcache, key, HASH_ENTER, NULL);
	memcpy(&e->id, &tmp.id, sizeof(pg_uuid_t));
	e->code = tmp.code ? pstrdup(tmp.code) : NULL;
	e->locale = pstrdup(tmp.locale);
	e->channel = pstrdup(tmp.channel);
	e->subject = tmp.subject ? pstrdup(tmp.subject) : NULL;
	e->body = pstrdup(tmp.body);
	e->needs_partials = tmp.needs_partials;
	e->nvars = n;
	e->vars = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		e->vars[i] = TextDatumGetCString(elems[i]);
	MemoryContextSwitchTo(old);
	return e;
}

/* flowcomm.render(src, vars, '{}', escape, false, locale) */
static text *
render_text(const char *src, Jsonb *vars, const char *escape, const char *locale)
{
	LOCAL_FCINFO(fcinfo, 6);
	Datum r;

	InitFunctionCallInfoData(*fcinfo, NULL, 6, DEFAULT_COLLATION_OID, NULL, NULL);
	fcinfo->args[0].value = CStringGetTextDatum(src);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = JsonbPGetDatum(vars);
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	fcinfo->args[2].isnull = false;
	fcinfo->args[3].value = CStringGetTextDatum(escape);
	fcinfo->args[3].isnull = false;
	fcinfo->args[4].value = BoolGetDatum(false);
	fcinfo->args[4].isnull = false;
	fcinfo->args[5].value = locale ? CStringGetTextDatum(locale) : (Datum) 0;
	fcinfo->args[5].isnull = locale == NULL;
	r = flowcomm_render(fcinfo);
	if (fcinfo->isnull)
		return NULL;
	return DatumGetTextPP(r);
}

/* every variable the template needs is a key of vars */
static bool
vars_given(TemplateEntry *e, Jsonb *vars)
{
	for (int i = 0; i < e->nvars; i++)
	{
		JsonbValue k;

		k.type = jbvString;
		k.val.string.val = e->vars[i];
		k.val.string.len = strlen(e->vars[i]);
		if (findJsonbValueFromContainer(&vars->root, JB_FOBJECT, &k) == NULL)
			return false;
	}
	return true;
}

/*
 * flowcomm.render_for_send(b, channel, id, code, locale, vars)
 *   RETURNS TABLE (template_id, template_code, locale, subject, body, body_text)
 */
Datum
flowcomm_render_for_send(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		   args[5];
	char		   nulls[5];
	char		  *channel;
	char		  *locale;
	Jsonb		  *vars;
	StringInfoData key;
	TemplateEntry *e = NULL;
	bool		   found = false;
	bool		   wrong_channel = false;
	Datum		   out[6];
	bool		   onulls[6] = {false, false, false, true, false, true};
	char		  *rlocale;
	char		  *subject;
	char		  *bodysrc;
	pg_uuid_t	   id;
	bool		   fast;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		elog(ERROR, "flowcomm.render_for_send: business and channel are required");
	InitMaterializedSRF(fcinfo, 0);
	channel = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(1)));
	locale = PG_ARGISNULL(4) ? NULL : TextDatumGetCString(PG_GETARG_DATUM(4));
	vars = PG_ARGISNULL(5) ? DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")))
						   : PG_GETARG_JSONB_P(5);

	args[0] = PG_GETARG_DATUM(0);
	args[1] = CStringGetTextDatum(channel);
	for (int i = 0; i < 5; i++)
		nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	if (!PG_ARGISNULL(2))
		args[2] = PG_GETARG_DATUM(2);
	if (!PG_ARGISNULL(3))
		args[3] = PG_GETARG_DATUM(3);
	if (!PG_ARGISNULL(4))
		args[4] = PG_GETARG_DATUM(4);

	initStringInfo(&key);
	appendStringInfo(&key, "%u|", GetUserId());
	key_part(&key, DatumGetCString(DirectFunctionCall1(uuid_out, args[0])));
	key_part(&key, channel);
	key_part(&key, PG_ARGISNULL(2) ? NULL : DatumGetCString(DirectFunctionCall1(uuid_out, args[2])));
	key_part(&key, PG_ARGISNULL(3) ? NULL : TextDatumGetCString(args[3]));
	key_part(&key, locale);

	/*
	 * Template changes committed since this transaction began count as in
	 * the SQL path (READ COMMITTED sees them at its next statement): take
	 * the pending invalidations now, cheap when there are none.
	 */
	AcceptInvalidationMessages();
	if (key.len < TCACHE_KEY_LEN && tcache != NULL)
		e = (TemplateEntry *) hash_search(tcache, key.data, HASH_FIND, &found);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "flowcomm: SPI_connect failed");
	if (!found)
	{
		if (key.len >= TCACHE_KEY_LEN)
			tcache_reset(); /* not cacheable: fill and drop below */
		e = tcache_fill(key.len < TCACHE_KEY_LEN ? key.data : "", args, nulls, channel, &wrong_channel);
	}
	if (wrong_channel)
	{
		Oid	  t[2] = {TEXTOID, TEXTOID};
		Datum a[2];

		if (invalid_plan == NULL)
			invalid_plan = prepare_saved("SELECT flowcomm.invalid('templateId', "
										 "format('template %s is not a %s template', $1, $2))",
										 2, t);
		a[0] = CStringGetTextDatum(PG_ARGISNULL(2) ? "" : DatumGetCString(DirectFunctionCall1(uuid_out, args[2])));
		a[1] = CStringGetTextDatum(channel);
		/* p_id NULL cannot happen: by code, the channel is the one asked */
		SPI_execute_plan(invalid_plan, a, PG_ARGISNULL(2) ? "n " : "  ", false, 1);
		elog(ERROR, "flowcomm: template of another channel");
	}

	/*
	 * Copies of the entry: an SPI call below may take a lock, process an
	 * invalidation and empty the cache under us.
	 */
	memcpy(&id, &e->id, sizeof(pg_uuid_t));
	subject = e->subject ? pstrdup(e->subject) : NULL;
	bodysrc = pstrdup(e->body);
	rlocale = pstrdup(locale ? locale : e->locale);
	out[0] = UUIDPGetDatum(&id);
	out[1] = e->code ? CStringGetTextDatum(e->code) : (Datum) 0;
	onulls[1] = e->code == NULL;
	out[2] = CStringGetTextDatum(e->locale);
	fast = !e->needs_partials && vars_given(e, vars);

	if (fast)
	{
		/* the fast path: what render_with does when nothing is missing */
		bool  email = strcmp(channel, "email") == 0;
		text *body;

		if (subject)
		{
			text *s = render_text(subject, vars, "none", rlocale);

			if (s)
			{
				out[3] = PointerGetDatum(s);
				onulls[3] = false;
			}
		}
		body = render_text(bodysrc, vars, email ? "html" : "none", rlocale);
		out[4] = PointerGetDatum(body);
		onulls[4] = body == NULL;
		if (email && body)
		{
			out[5] = DirectFunctionCall1(flowcomm_html_to_text, PointerGetDatum(body));
			onulls[5] = false;
		}
	}
	else
	{
		/* partials, or a variable missing: render_with decides (and raises) */
		Oid		  t[6] = {UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID};
		Datum	  a[6];
		char	  n[6] = {' ', ' ', ' ', ' ', ' ', ' '};
		HeapTuple tup;
		TupleDesc desc;
		bool	  isnull;

		if (render_with_plan == NULL)
			render_with_plan = prepare_saved(
				"SELECT subject, body, body_text FROM flowcomm.render_with($1, $2::flowcomm.channel, $3, $4, $5, $6)",
				6, t);
		a[0] = args[0];
		a[1] = CStringGetTextDatum(channel);
		a[2] = CStringGetTextDatum(rlocale);
		a[3] = subject ? CStringGetTextDatum(subject) : (Datum) 0;
		n[3] = subject ? ' ' : 'n';
		a[4] = CStringGetTextDatum(bodysrc);
		a[5] = JsonbPGetDatum(vars);
		if (SPI_execute_plan(render_with_plan, a, n, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "flowcomm: render_with failed");
		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		for (int i = 0; i < 3; i++)
		{
			Datum v = SPI_getbinval(tup, desc, i + 1, &isnull);

			onulls[3 + i] = isnull;
			/* copied out of SPI's memory before SPI_finish */
			out[3 + i] = isnull ? (Datum) 0 : SPI_datumTransfer(v, false, -1);
		}
	}
	/* copy the result row out while the entry and SPI's memory still hold */
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, onulls);
	SPI_finish();
	if (key.len >= TCACHE_KEY_LEN)
		tcache_reset();
	return (Datum) 0;
}

/*
 * flowcomm.template_cache_invalidate(): statement trigger on the tables a
 * template resolution reads.  The relcache invalidation of the table
 * reaches every backend's callback above (at commit for the others).
 */
Datum
flowcomm_template_cache_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flowcomm.template_cache_invalidate() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
