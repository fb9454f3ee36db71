/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The launcher: one delivery worker set per configured database.
 *
 * A static background worker started at postmaster start (and restarted by
 * the postmaster if it dies).  It reads flowcomm.databases, looks the names
 * up in pg_database (a shared catalog, so it needs no database of its own)
 * and keeps workers_per_database dynamic workers running for each database
 * that exists: a worker that exits is started again after a short delay,
 * one whose database left the setting is stopped.  Workers are dynamic so
 * that SIGHUP can change the set without a restart.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "utils/snapmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "flowcomm.h"

/* Minimum pause before a worker that exited is started again. */
#define RESTART_DELAY_MS 1000

typedef struct LaunchedWorker
{
	bool		active;
	Oid			dboid;
	int			index;			/* 0 .. workers_per_database-1 */
	int			slot;			/* FcWorkerSlot / locked_by id */
	BackgroundWorkerHandle *handle;
	TimestampTz stopped_at;
} LaunchedWorker;

static LaunchedWorker launched[FC_MAX_WORKERS];

static List *wanted_databases(void);
static void reconcile_workers(void);
static void start_worker(LaunchedWorker *lw);
static bool wanted(List *dbs, Oid dboid, int index);
static void ensure_started(Oid dboid, int index);

/*
 * fc_register_launcher registers the static launcher from _PG_init.
 */
void
fc_register_launcher(void)
{
	BackgroundWorker bgw;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = 5;
	strlcpy(bgw.bgw_library_name, "flowcomm", BGW_MAXLEN);
	strlcpy(bgw.bgw_function_name, "flowcomm_launcher_main", BGW_MAXLEN);
	strlcpy(bgw.bgw_name, "flowcomm launcher", BGW_MAXLEN);
	strlcpy(bgw.bgw_type, "flowcomm launcher", BGW_MAXLEN);
	RegisterBackgroundWorker(&bgw);
}

/*
 * wanted_databases returns the OIDs of the configured databases that exist.
 *
 * Like the autovacuum launcher, it scans pg_database sequentially: without
 * a database of its own the launcher cannot use catalog indexes, whose
 * relcache entries may need pg_class (after crash recovery, for one).
 */
static List *
wanted_databases(void)
{
	char	   *raw = pstrdup(fc_databases ? fc_databases : "");
	List	   *names = NIL;
	List	   *oids = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	MemoryContext cxt = CurrentMemoryContext;

	if (!SplitIdentifierString(raw, ',', &names))
	{
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid flowcomm.databases list \"%s\"", fc_databases)));
		return NIL;
	}
	fc_start_xact();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
		ListCell   *lc;

		if (!db->datallowconn)
			continue;
		foreach(lc, names)
		{
			if (strcmp(NameStr(db->datname), (char *) lfirst(lc)) == 0)
			{
				MemoryContext old = MemoryContextSwitchTo(cxt);

				oids = list_append_unique_oid(oids, db->oid);
				MemoryContextSwitchTo(old);
			}
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);
	return oids;
}

static bool
wanted(List *dbs, Oid dboid, int index)
{
	return list_member_oid(dbs, dboid) && index < fc_workers_per_database;
}

/*
 * start_worker registers the dynamic worker of one launched entry.
 */
static void
start_worker(LaunchedWorker *lw)
{
	BackgroundWorker bgw;

	/*
	 * A worker from before a launcher restart may still own the slot; start
	 * a new one only once it is gone.
	 */
	if (fc_shared->workers[lw->slot].in_use)
	{
		lw->handle = NULL;
		lw->stopped_at = GetCurrentTimestamp();
		return;
	}
	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(bgw.bgw_library_name, "flowcomm", BGW_MAXLEN);
	strlcpy(bgw.bgw_function_name, "flowcomm_worker_main", BGW_MAXLEN);
	snprintf(bgw.bgw_name, BGW_MAXLEN, "flowcomm worker %d (db %u)", lw->slot, lw->dboid);
	strlcpy(bgw.bgw_type, "flowcomm worker", BGW_MAXLEN);
	bgw.bgw_main_arg = Int32GetDatum(lw->slot);
	bgw.bgw_notify_pid = MyProcPid;
	memcpy(bgw.bgw_extra, &lw->dboid, sizeof(Oid));

	if (!RegisterDynamicBackgroundWorker(&bgw, &lw->handle))
	{
		lw->handle = NULL;
		lw->stopped_at = GetCurrentTimestamp();
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start flowcomm worker for database %u", lw->dboid),
				 errhint("Raise max_worker_processes.")));
	}
}

/*
 * ensure_started makes sure a launched entry exists for (dboid, index).
 */
static void
ensure_started(Oid dboid, int index)
{
	int			free_slot = -1;

	for (int i = 0; i < FC_MAX_WORKERS; i++)
	{
		if (launched[i].active && launched[i].dboid == dboid && launched[i].index == index)
			return;
		if (!launched[i].active && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return;
	launched[free_slot].active = true;
	launched[free_slot].dboid = dboid;
	launched[free_slot].index = index;
	launched[free_slot].slot = free_slot;
	launched[free_slot].handle = NULL;
	launched[free_slot].stopped_at = 0;
	start_worker(&launched[free_slot]);
}

/*
 * reconcile_workers stops unwanted workers, restarts exited ones and starts
 * missing ones.
 */
static void
reconcile_workers(void)
{
	List	   *dbs = wanted_databases();
	ListCell   *lc;
	TimestampTz now = GetCurrentTimestamp();

	for (int i = 0; i < FC_MAX_WORKERS; i++)
	{
		LaunchedWorker *lw = &launched[i];
		pid_t		pid;

		if (!lw->active)
			continue;
		if (!wanted(dbs, lw->dboid, lw->index))
		{
			if (lw->handle)
				TerminateBackgroundWorker(lw->handle);
			lw->active = false;
			continue;
		}
		if (lw->handle && GetBackgroundWorkerPid(lw->handle, &pid) == BGWH_STOPPED)
		{
			pfree(lw->handle);
			lw->handle = NULL;
			lw->stopped_at = now;
		}
		if (lw->handle == NULL &&
			TimestampDifferenceExceeds(lw->stopped_at, now, RESTART_DELAY_MS))
			start_worker(lw);
	}
	foreach(lc, dbs)
		for (int k = 0; k < fc_workers_per_database; k++)
			ensure_started(lfirst_oid(lc), k);
	list_free(dbs);
}

/*
 * flowcomm_launcher_main is the launcher's main loop.
 */
void
flowcomm_launcher_main(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("flowcomm launcher");

	memset(launched, 0, sizeof(launched));
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ShutdownRequestPending)
			break;
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		pgstat_report_activity(STATE_RUNNING, "reconciling workers");
		reconcile_workers();
		pgstat_report_activity(STATE_IDLE, NULL);
		/* bgw_notify_pid makes worker exits set our latch. */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 RESTART_DELAY_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	proc_exit(0);
}
