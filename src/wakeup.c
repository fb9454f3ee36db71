/*-------------------------------------------------------------------------
 *
 * wakeup.c
 *	  flowcomm.wake_workers(): wake this database's workers at commit.
 *
 * flowcomm.send calls wake_workers() after queueing a message.  Waking at
 * once would let a worker look before the row is visible, and waking on
 * abort would be useless, so the call only marks the transaction; an
 * XactCallback sets the workers' latches when it commits (pg_net's idea).
 * A worker therefore starts within a millisecond of the commit and needs
 * polling only as a safety net.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"

#include "flowcomm.h"

PG_FUNCTION_INFO_V1(flowcomm_wake_workers);

static bool wake_pending = false;
static bool callback_registered = false;

static void wake_xact_callback(XactEvent event, void *arg);
static void wake_database_workers(Oid dboid);

/*
 * wake_database_workers sets the latch of every worker serving dboid.
 */
static void
wake_database_workers(Oid dboid)
{
	if (fc_shared == NULL)
		return;
	LWLockAcquire(fc_shared->lock, LW_SHARED);
	for (int i = 0; i < FC_MAX_WORKERS; i++)
	{
		FcWorkerSlot *w = &fc_shared->workers[i];

		if (w->in_use && w->dboid == dboid && w->latch != NULL)
			SetLatch(w->latch);
	}
	LWLockRelease(fc_shared->lock);
}

static void
wake_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (wake_pending)
				wake_database_workers(MyDatabaseId);
			wake_pending = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			wake_pending = false;
			break;
		default:
			break;
	}
}

/*
 * fc_wakeup_init registers the transaction callback once per backend.
 */
void
fc_wakeup_init(void)
{
	if (callback_registered)
		return;
	RegisterXactCallback(wake_xact_callback, NULL);
	callback_registered = true;
}

/*
 * flowcomm_wake_workers marks the transaction: its commit wakes the workers.
 */
Datum
flowcomm_wake_workers(PG_FUNCTION_ARGS)
{
	fc_wakeup_init();
	wake_pending = true;
	PG_RETURN_VOID();
}
