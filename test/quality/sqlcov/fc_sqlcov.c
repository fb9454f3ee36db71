/*-------------------------------------------------------------------------
 *
 * fc_sqlcov.c
 *	  Test-only PostgreSQL module for `make coverage`: records which functions
 *	  and views of the flowcomm extension the test suite actually uses.
 *
 * Loaded with shared_preload_libraries only by test/quality/coverage.sh; it is
 * never installed with the extension.  Every fact is appended, as soon as a
 * backend first sees it, to the file named by fc_sqlcov.file (one line per
 * fact, O_APPEND writes, so concurrent backends don't interleave and a later
 * kill -9 or crash-restart loses nothing already written):
 *
 *	  f <TAB> database <TAB> schema.function(argtypes)
 *	  v <TAB> database <TAB> schema.view
 *
 * Functions: needs_fmgr_hook answers "yes" for the extension's functions.
 * That routes their calls through fmgr_hook (where they are recorded) and
 * stops the planner from inlining SQL-language functions (inline_function()
 * and inline_set_returning_function() give up when FmgrHookIsNeeded), which
 * pg_stat_user_functions never counts.  SECURITY DEFINER and SET-clause
 * functions reach fmgr_hook without needs_fmgr_hook being asked.  Names are
 * written as pg_identify_object() spells them (types schema-qualified).
 *
 * Views: the rewriter expands a view into a subquery but leaves the view's
 * own RTE_RELATION entry (used for its permission check) in the range table
 * of the planned statement, so ExecutorStart sees every view a statement
 * reads, directly or through other views, or writes through (materialized
 * views too).  EXPLAIN without ANALYZE does not count.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_proc.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static char *sqlcov_file = NULL;
static char *sqlcov_extension = NULL;

static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/* Per-backend memo: object oid -> state, keyed separately for procs and views. */
typedef struct SqlcovEntry
{
	Oid			oid;			/* hash key */
	bool		member;			/* belongs to the tracked extension */
	bool		logged;			/* already written to the file */
} SqlcovEntry;

static HTAB *proc_memo = NULL;
static HTAB *view_memo = NULL;
static Oid	memo_db = InvalidOid;

static HTAB *
sqlcov_memo(HTAB **tab, const char *name)
{
	if (memo_db != MyDatabaseId)
	{
		/* A backend serves one database; be safe anyway. */
		if (proc_memo)
			hash_destroy(proc_memo);
		if (view_memo)
			hash_destroy(view_memo);
		proc_memo = view_memo = NULL;
		memo_db = MyDatabaseId;
	}
	if (*tab == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(SqlcovEntry);
		ctl.hcxt = TopMemoryContext;
		*tab = hash_create(name, 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return *tab;
}

/* Is (classid, oid) a member of the tracked extension?  Needs catalog access. */
static bool
sqlcov_is_member(Oid classid, Oid objid)
{
	Oid			ext = getExtensionOfObject(classid, objid);
	char	   *name;
	bool		result;

	if (!OidIsValid(ext))
		return false;
	name = get_extension_name(ext);
	result = name != NULL && strcmp(name, sqlcov_extension) == 0;
	if (name)
		pfree(name);
	return result;
}

static void
sqlcov_write(char kind, const char *object)
{
	char	   *db;
	char	   *line;
	int			fd;

	if (sqlcov_file == NULL || sqlcov_file[0] == '\0')
		return;
	db = get_database_name(MyDatabaseId);
	line = psprintf("%c\t%s\t%s\n", kind, db ? db : "?", object);
	fd = open(sqlcov_file, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0)
	{
		if (write(fd, line, strlen(line)) < 0)
			elog(WARNING, "fc_sqlcov: could not write \"%s\": %m", sqlcov_file);
		close(fd);
	}
	else
		elog(WARNING, "fc_sqlcov: could not open \"%s\": %m", sqlcov_file);
	pfree(line);
	if (db)
		pfree(db);
}

/*
 * Memo entry of a function, looked up on first sight.  NULL for built-in
 * functions and outside a transaction (no catalog access there).
 */
static SqlcovEntry *
sqlcov_proc_entry(Oid fn_oid)
{
	SqlcovEntry *e;
	bool		found;

	if (fn_oid < FirstNormalObjectId || !IsTransactionState())
		return NULL;
	e = hash_search(sqlcov_memo(&proc_memo, "fc_sqlcov procs"), &fn_oid, HASH_ENTER, &found);
	if (!found)
	{
		e->member = false;
		e->logged = false;
		PG_TRY();
		{
			e->member = sqlcov_is_member(ProcedureRelationId, fn_oid);
		}
		PG_CATCH();
		{
			hash_search(proc_memo, &fn_oid, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	return e;
}

static bool
sqlcov_needs_fmgr_hook(Oid fn_oid)
{
	SqlcovEntry *e;

	if (prev_needs_fmgr_hook && prev_needs_fmgr_hook(fn_oid))
		return true;
	e = sqlcov_proc_entry(fn_oid);
	return e != NULL && e->member;
}

/*
 * Called around every call of a function for which needs_fmgr_hook said yes,
 * and of every SECURITY DEFINER or SET-clause function (fmgr_info routes
 * those through fmgr_security_definer without asking needs_fmgr_hook).
 */
static void
sqlcov_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START)
	{
		SqlcovEntry *e = sqlcov_proc_entry(flinfo->fn_oid);

		if (e && e->member && !e->logged)
		{
			char	   *sig = format_procedure_qualified(flinfo->fn_oid);

			sqlcov_write('f', sig);
			pfree(sig);
			e->logged = true;
		}
	}
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
}

static void
sqlcov_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	ListCell   *lc;

	/* EXPLAIN without ANALYZE plans a view but reads nothing from it. */
	foreach(lc, (eflags & EXEC_FLAG_EXPLAIN_ONLY) ? NIL : queryDesc->plannedstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		SqlcovEntry *e;
		bool		found;

		if (rte->rtekind != RTE_RELATION || rte->relid < FirstNormalObjectId)
			continue;
		e = hash_search(sqlcov_memo(&view_memo, "fc_sqlcov views"), &rte->relid, HASH_ENTER, &found);
		if (!found)
		{
			e->logged = false;
			e->member = (get_rel_relkind(rte->relid) == RELKIND_VIEW ||
						 get_rel_relkind(rte->relid) == RELKIND_MATVIEW) &&
				sqlcov_is_member(RelationRelationId, rte->relid);
		}
		if (e->member && !e->logged)
		{
			char	   *nsp = get_namespace_name(get_rel_namespace(rte->relid));
			char	   *rel = get_rel_name(rte->relid);

			sqlcov_write('v', quote_qualified_identifier(nsp, rel));
			e->logged = true;
		}
	}

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errmsg("fc_sqlcov must be loaded via shared_preload_libraries")));

	DefineCustomStringVariable("fc_sqlcov.file",
							   "File the calls and view uses are appended to.",
							   NULL, &sqlcov_file, NULL,
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("fc_sqlcov.extension",
							   "Extension whose functions and views are tracked.",
							   NULL, &sqlcov_extension, "flowcomm",
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("fc_sqlcov");

	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = sqlcov_needs_fmgr_hook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = sqlcov_fmgr_hook;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = sqlcov_ExecutorStart;
}
