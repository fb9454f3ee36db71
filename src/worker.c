/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The delivery worker: claim, send through curl multi, write results.
 *
 * One worker serves one database.  It keeps up to flowcomm.max_in_flight
 * provider requests in flight and claims more as slots free, so one slow
 * provider call never holds up the others (pg_net's batch-at-a-time loop
 * does).  Results are written in batches: every RESULT_FLUSH_COUNT results
 * or RESULT_FLUSH_MS milliseconds.  Idle, it sleeps on its latch, which
 * flowcomm.wake_workers() sets when a queueing transaction commits, with
 * flowcomm.poll_interval_ms (or the next scheduled job) as a safety net.
 *
 * A database step that fails (disk full, out of memory, a lock or statement
 * timeout, an I/O error) does not end the worker: ending it would turn every
 * request in flight into an uncertain one and every unwritten result into a
 * resend when its lease expires.  The step's transaction is rolled back,
 * the error logged, and database work pauses with a doubling backoff while
 * the transfers in flight go on; finished results stay in memory and are
 * written when the database accepts them again (see run_db_step).
 *
 * SIGTERM: stop claiming, let in-flight requests finish for up to
 * SHUTDOWN_GRACE_MS, write their results, and hand the rest back under
 * flowcomm.uncertain_policy (their request may have reached the provider).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "flowcomm.h"

#define RESULT_FLUSH_COUNT	  200
#define RESULT_FLUSH_MS		  20
#define BUSY_POLL_MS		  10
#define SHUTDOWN_GRACE_MS	  5000
#define NO_EXTENSION_SLEEP_MS 5000
#define RECOVER_EVERY_MS	  1000
#define DB_BACKOFF_MIN_MS	  250
#define DB_BACKOFF_MAX_MS	  30000
#define CONTENT_CHECK_MS	  2000

/* Worker-lifetime state. */
typedef struct WorkerState
{
	int			  slot;
	FcHttp		 *http;
	MemoryContext jobs_cxt;	 /* parent of one context per claimed job */
	MemoryContext loop_cxt;	 /* reset every loop */
	MemoryContext claim_cxt; /* jobs of a claim not yet committed, or NULL */
	FcJob		**results;	 /* finished jobs waiting to be written */
	int			  n_results;
	int			  results_cap;
	TimestampTz	  first_result_at;
	TimestampTz	  next_claim_at; /* poll timer: claim even without a wakeup */
	TimestampTz	  next_recover_at;
	TimestampTz	  last_automation_at; /* scheduled reminders (automation.c) */
	TimestampTz	  next_content_at;	  /* Content template approvals (content_api.c) */
	bool		  more_work;		  /* the last claim was full */
	int			  db_backoff_ms;	  /* current pause after a failed step, 0 if none */
	TimestampTz	  db_paused_until;	  /* no database work before this */
	int			  db_failures;		  /* consecutive failed steps */
	int			  wake_fd;			  /* wake socket (wakeup.c), or -1 */
} WorkerState;

typedef void (*DbStep)(WorkerState *ws);

static void attach_slot(int slot, Oid dboid);
static void detach_slot(int code, Datum arg);
static void set_state(int slot, FcWorkerState state, int in_flight);
static void wait_for_extension(int slot);
static void add_result(WorkerState *ws, FcJob *job);
static void flush_results(WorkerState *ws);
static void claim_and_start(WorkerState *ws);
static void dispatch_job(WorkerState *ws, FcJob *job);
static bool claim_due(WorkerState *ws, TimestampTz now);
static int	claim_size(WorkerState *ws);
static void schedule_next_poll(WorkerState *ws, int claimed, int wanted);
static void drive_http(WorkerState *ws, long timeout_ms);
static void shutdown_drain(WorkerState *ws);
static void process_signals(void);
static void apply_commit_mode(void);
static long idle_timeout_ms(WorkerState *ws);
static bool run_db_step(WorkerState *ws, DbStep step, const char *what);
static void db_step_failed(WorkerState *ws, const char *what);
static void write_results(WorkerState *ws);
static void run_automation(WorkerState *ws);
static void run_content_refresh(WorkerState *ws);
static bool db_ready(WorkerState *ws, TimestampTz now);

/*
 * attach_slot publishes this worker in its shared slot.
 */
static void
attach_slot(int slot, Oid dboid)
{
	FcWorkerSlot *w = &fc_shared->workers[slot];

	LWLockAcquire(fc_shared->lock, LW_EXCLUSIVE);
	if (w->in_use)
	{
		LWLockRelease(fc_shared->lock);
		ereport(LOG,
				(errmsg("flowcomm worker slot %d is already in use by pid %d", slot, w->pid)));
		proc_exit(0);
	}
	w->in_use = true;
	w->dboid = dboid;
	w->dbname[0] = '\0';
	w->pid = MyProcPid;
	w->latch = MyLatch;
	w->state = FC_WS_STARTING;
	w->in_flight = 0;
	w->last_error[0] = '\0';
	w->last_loop_at = GetCurrentTimestamp();
	LWLockRelease(fc_shared->lock);
	on_shmem_exit(detach_slot, Int32GetDatum(slot));
}

static void
detach_slot(int code, Datum arg)
{
	FcWorkerSlot *w = &fc_shared->workers[DatumGetInt32(arg)];

	LWLockAcquire(fc_shared->lock, LW_EXCLUSIVE);
	w->in_use = false;
	w->latch = NULL;
	w->pid = 0;
	LWLockRelease(fc_shared->lock);
}

static void
set_state(int slot, FcWorkerState state, int in_flight)
{
	FcWorkerSlot *w = &fc_shared->workers[slot];

	/* Plain stores: readers tolerate a torn view of these two ints. */
	w->state = state;
	w->in_flight = in_flight;
	w->last_loop_at = GetCurrentTimestamp();
}

/*
 * apply_commit_mode gives this worker's transactions the commit mode of
 * flowcomm.worker_synchronous_commit (a session setting, so a reload of
 * the server's synchronous_commit does not undo it).
 */
static void
apply_commit_mode(void)
{
	SetConfigOption("synchronous_commit", fc_worker_synchronous_commit ? "on" : "off",
					PGC_SUSET, PGC_S_SESSION);
}

static void
process_signals(void)
{
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
		apply_commit_mode();
	}
}

/*
 * wait_for_extension sleeps until CREATE EXTENSION flowcomm has run here,
 * quietly: a configured database without the extension is not an error.
 */
static void
wait_for_extension(int slot)
{
	for (;;)
	{
		bool present;

		process_signals();
		if (ShutdownRequestPending)
			proc_exit(0);
		fc_start_xact();
		present = fc_extension_present();
		CommitTransactionCommand();
		if (present)
			return;
		set_state(slot, FC_WS_NO_EXTENSION, 0);
		pgstat_report_activity(STATE_IDLE, "waiting for CREATE EXTENSION flowcomm");
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 NO_EXTENSION_SLEEP_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

static void
add_result(WorkerState *ws, FcJob *job)
{
	if (ws->n_results == 0)
		ws->first_result_at = GetCurrentTimestamp();
	if (ws->n_results >= ws->results_cap)
	{
		ws->results_cap *= 2;
		ws->results = repalloc(ws->results, sizeof(FcJob *) * ws->results_cap);
	}
	ws->results[ws->n_results++] = job;
}

/*
 * flush_results writes the pending results in one transaction and frees
 * their jobs.
 */
static void
write_results(WorkerState *ws)
{
	pgstat_report_activity(STATE_RUNNING, "writing delivery results");
	fc_results_flush(ws->slot, ws->results, ws->n_results);
}

static void
flush_results(WorkerState *ws)
{
	if (ws->n_results == 0)
		return;
	/* On failure the results stay and are written after the backoff. */
	if (!run_db_step(ws, write_results, "write delivery results"))
		return;
	MemoryContextSwitchTo(ws->loop_cxt);
	for (int i = 0; i < ws->n_results; i++)
		MemoryContextDelete(ws->results[i]->cxt);
	ws->n_results = 0;
}

/*
 * dispatch_job sends a claimed job, or turns it straight into a result:
 * cancelled meanwhile, throttled (handed back), or unsendable.
 */
static void
dispatch_job(WorkerState *ws, FcJob *job)
{
	double wait = 0;

	if (job->cancelled)
	{
		job->outcome = FC_OUT_CANCELLED;
		add_result(ws, job);
		return;
	}
	if (!fc_ratelimit_take(job, &wait))
	{
		job->outcome = FC_OUT_HANDBACK;
		job->delay_seconds = wait;
		add_result(ws, job);
		return;
	}
	if (!fc_http_start(ws->http, job))
		add_result(ws, job); /* the builder set a permanent failure */
}

/*
 * claim_size is how many jobs to claim now: a batch, bounded by the free
 * in-flight slots and by what the HTTP layer can start soon.
 */
static int
claim_size(WorkerState *ws)
{
	int free_slots = fc_max_in_flight - fc_http_in_flight(ws->http);

	return Max(0, Min(Min(fc_batch_size, free_slots), fc_http_room(ws->http)));
}

static bool
claim_due(WorkerState *ws, TimestampTz now)
{
	if (ShutdownRequestPending)
		return false;
	/* Wait for a quarter of a batch of room, as the HTTP layer sizes it now. */
	if (claim_size(ws) < Max(1, Min(Min(fc_batch_size, fc_max_in_flight), fc_http_capacity(ws->http)) / 4))
		return false;
	return ws->more_work || MyLatch->is_set || now >= ws->next_claim_at;
}

/*
 * schedule_next_poll sets the poll timer after a claim: at once if the
 * batch was full, else at the next scheduled job or the poll interval.
 */
static void
schedule_next_poll(WorkerState *ws, int claimed, int wanted)
{
	TimestampTz now = GetCurrentTimestamp();
	double		until;
	int64		ms;

	ws->more_work = (claimed >= wanted);
	if (ws->more_work)
	{
		ws->next_claim_at = now;
		return;
	}
	fc_start_xact();
	until = fc_seconds_until_next_due();
	CommitTransactionCommand();
	MemoryContextSwitchTo(ws->loop_cxt);
	ms = fc_poll_interval_ms;
	if (until >= 0)
		ms = Min(ms, (int64) (until * 1000.0) + 1);
	/* Due jobs we could not claim are locked by another worker: no spin. */
	ms = Max(ms, BUSY_POLL_MS);
	ws->next_claim_at = TimestampTzPlusMilliseconds(now, ms);
}

/*
 * claim_and_start claims a batch in one transaction and starts its requests.
 */
static void
claim_and_start(WorkerState *ws)
{
	FcJob	  **jobs = NULL;
	int			n;
	int			wanted;
	TimestampTz now = GetCurrentTimestamp();

	ResetLatch(MyLatch);
	if (now >= ws->next_recover_at)
	{
		fc_start_xact();
		(void) fc_recover_expired(ws->slot, false);
		CommitTransactionCommand();
		MemoryContextSwitchTo(ws->loop_cxt);
		ws->next_recover_at = TimestampTzPlusMilliseconds(now, RECOVER_EVERY_MS);
	}
	wanted = claim_size(ws);
	pgstat_report_activity(STATE_RUNNING, "claiming messages");
	/*
	 * The jobs are built under a claim context until the claim commits: if
	 * it fails, db_step_failed deletes that context and frees them all.
	 */
	ws->claim_cxt = AllocSetContextCreate(ws->jobs_cxt, "flowcomm claim", ALLOCSET_SMALL_SIZES);
	fc_start_xact();
	n = fc_claim_jobs(ws->slot, wanted, ws->claim_cxt, &jobs);
	fc_send_forms(jobs, n);		  /* WhatsApp/Messenger: window or template, at send time */
	fc_unsubscribe_load(jobs, n); /* List-Unsubscribe of the batch's emails */
	CommitTransactionCommand();
	/* Commit leaves CurrentMemoryContext at TopMemoryContext. */
	MemoryContextSwitchTo(ws->loop_cxt);
	for (int i = 0; i < n; i++)
		MemoryContextSetParent(jobs[i]->cxt, ws->jobs_cxt);

	/* The claim is committed: from here every job ends as a result. */
	for (int i = 0; i < n; i++)
		dispatch_job(ws, jobs[i]);
	MemoryContextDelete(ws->claim_cxt); /* the jobs array; the jobs moved out */
	ws->claim_cxt = NULL;
	schedule_next_poll(ws, n, wanted);
}

/*
 * drive_http runs curl for up to timeout_ms and collects finished requests.
 */
static void
drive_http(WorkerState *ws, long timeout_ms)
{
	int		cap = fc_http_in_flight(ws->http);
	FcJob **done;
	int		n;
	bool	woken = false;

	if (cap == 0)
		return;
	done = palloc(sizeof(FcJob *) * cap);
	pg_atomic_write_u32(&fc_shared->workers[ws->slot].http_waiting, 1);
	n = fc_http_run(ws->http, timeout_ms, done, cap, ws->wake_fd, &woken);
	pg_atomic_write_u32(&fc_shared->workers[ws->slot].http_waiting, 0);
	/* The commit that woke us also set the latch, which claim_due reads. */
	if (woken)
		(void) fc_wake_socket_drain(ws->wake_fd);
	for (int i = 0; i < n; i++)
		add_result(ws, done[i]);
}

static long
idle_timeout_ms(WorkerState *ws)
{
	long secs;
	int	 usecs;

	TimestampTz wake = ws->next_claim_at;

	/* Results waiting out a database backoff are written when it ends. */
	if (ws->n_results > 0 && ws->db_paused_until > 0)
		wake = Min(wake, ws->db_paused_until);
	TimestampDifference(GetCurrentTimestamp(), wake, &secs, &usecs);
	return Max(1, Min((long) fc_poll_interval_ms, secs * 1000 + usecs / 1000));
}

/*
 * db_ready says whether database work may run now (no backoff pending).
 */
static bool
db_ready(WorkerState *ws, TimestampTz now)
{
	return ws->db_backoff_ms == 0 || now >= ws->db_paused_until;
}

/*
 * run_db_step runs one database step of the loop; false if it failed, in
 * which case its transaction is rolled back and database work pauses.
 */
static bool
run_db_step(WorkerState *ws, DbStep step, const char *what)
{
	volatile bool ok = true;

	PG_TRY();
	{
		step(ws);
	}
	PG_CATCH();
	{
		db_step_failed(ws, what);
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(ws->loop_cxt);
	if (ok && ws->db_backoff_ms > 0)
	{
		ereport(LOG,
				(errmsg("flowcomm worker database work resumed after %d failed attempt(s)",
						ws->db_failures)));
		ws->db_backoff_ms = 0;
		ws->db_failures = 0;
	}
	return ok;
}

/*
 * db_step_failed is run_db_step's error path: the same clean-up the main
 * loop of a backend does (roll back, release locks and buffers, forget the
 * error), then a warning that says what waits, and the next backoff.
 */
static void
db_step_failed(WorkerState *ws, const char *what)
{
	ErrorData *edata;

	HOLD_INTERRUPTS();
	MemoryContextSwitchTo(ws->loop_cxt);
	edata = CopyErrorData();
	FlushErrorState();
	AbortCurrentTransaction();
	MemoryContextSwitchTo(ws->loop_cxt);
	RESUME_INTERRUPTS();
	if (ws->claim_cxt)
	{
		MemoryContextDelete(ws->claim_cxt); /* a claim that did not commit */
		ws->claim_cxt = NULL;
	}

	ws->db_failures++;
	ws->db_backoff_ms = ws->db_backoff_ms == 0 ? DB_BACKOFF_MIN_MS
											   : Min(ws->db_backoff_ms * 2, DB_BACKOFF_MAX_MS);
	ws->db_paused_until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ws->db_backoff_ms);
	ws->next_claim_at = Max(ws->next_claim_at, ws->db_paused_until);
	ws->more_work = false;
	ereport(WARNING,
			(errcode(edata->sqlerrcode),
			 errmsg("flowcomm worker could not %s: %s", what, edata->message),
			 errdetail("Database work pauses for %d ms (failure %d in a row); %d request(s) in flight "
					   "go on and %d result(s) wait in memory to be written.",
					   ws->db_backoff_ms, ws->db_failures, fc_http_in_flight(ws->http), ws->n_results),
			 edata->hint ? errhint("%s", edata->hint) : 0));
	fc_worker_set_error(ws->slot, edata->message);
	FreeErrorData(edata);
}

static void
run_automation(WorkerState *ws)
{
	fc_automation_run();
}

static void
run_content_refresh(WorkerState *ws)
{
	fc_content_refresh();
}

/*
 * shutdown_drain lets in-flight requests finish for a grace period, then
 * hands the rest back as uncertain.
 */
static void
shutdown_drain(WorkerState *ws)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), SHUTDOWN_GRACE_MS);

	set_state(ws->slot, FC_WS_STOPPING, fc_http_in_flight(ws->http));
	pgstat_report_activity(STATE_RUNNING, "finishing in-flight requests");
	while (fc_http_in_flight(ws->http) > 0 && GetCurrentTimestamp() < deadline)
	{
		MemoryContextReset(ws->loop_cxt);
		drive_http(ws, BUSY_POLL_MS);
	}
	if (fc_http_in_flight(ws->http) > 0)
	{
		int		cap = fc_http_in_flight(ws->http);
		FcJob **left = palloc(sizeof(FcJob *) * cap);
		int		n = fc_http_abandon_all(ws->http, left, cap);

		for (int i = 0; i < n; i++)
		{
			if (left[i]->outcome != FC_OUT_UNCERTAIN)
			{
				add_result(ws, left[i]); /* never left: plain handback */
				continue;
			}
			left[i]->error_code = MemoryContextStrdup(left[i]->cxt, "uncertain");
			left[i]->error_message = MemoryContextStrdup(left[i]->cxt,
														 "worker stopped with the request in flight: outcome unknown");
			add_result(ws, left[i]);
		}
	}
	flush_results(ws);
}

/*
 * flowcomm_worker_main is the entry point of a database delivery worker.
 */
void
flowcomm_worker_main(Datum main_arg)
{
	WorkerState	  ws;
	Oid			  dboid;
	MemoryContext oldcxt;

	memset(&ws, 0, sizeof(ws));
	ws.slot = DatumGetInt32(main_arg);
	memcpy(&dboid, MyBgworkerEntry->bgw_extra, sizeof(Oid));

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pgstat_report_appname("flowcomm worker");
	apply_commit_mode();
	attach_slot(ws.slot, dboid);
	fc_start_xact();
	strlcpy(fc_shared->workers[ws.slot].dbname, get_database_name(dboid), NAMEDATALEN);
	CommitTransactionCommand();

	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("flowcomm could not initialize libcurl")));

	ws.jobs_cxt = AllocSetContextCreate(TopMemoryContext, "flowcomm jobs", ALLOCSET_DEFAULT_SIZES);
	ws.loop_cxt = AllocSetContextCreate(TopMemoryContext, "flowcomm loop", ALLOCSET_DEFAULT_SIZES);
	ws.results_cap = 1024;
	ws.results = MemoryContextAlloc(TopMemoryContext, sizeof(FcJob *) * ws.results_cap);
	ws.http = fc_http_create();
	ws.wake_fd = fc_wake_socket_open(ws.slot);

	wait_for_extension(ws.slot);

	/* Jobs still locked by this slot belong to our crashed predecessor. */
	fc_start_xact();
	(void) fc_recover_expired(ws.slot, true);
	CommitTransactionCommand();

	oldcxt = MemoryContextSwitchTo(ws.loop_cxt);
	while (!ShutdownRequestPending)
	{
		TimestampTz now;
		int			in_flight;

		/* callees that commit leave CurrentMemoryContext at TopMemoryContext */
		MemoryContextSwitchTo(ws.loop_cxt);
		MemoryContextReset(ws.loop_cxt);
		process_signals();
		now = GetCurrentTimestamp();
		in_flight = fc_http_in_flight(ws.http);
		if (!db_ready(&ws, now))
			set_state(ws.slot, FC_WS_BACKOFF, in_flight);
		else
			set_state(ws.slot, in_flight > 0 ? FC_WS_WORKING : FC_WS_IDLE, in_flight);

		if (db_ready(&ws, now) && claim_due(&ws, now))
			(void) run_db_step(&ws, claim_and_start, "claim messages");
		drive_http(&ws, BUSY_POLL_MS);

		now = GetCurrentTimestamp();
		if (db_ready(&ws, now) &&
			(ws.n_results >= RESULT_FLUSH_COUNT ||
			 (ws.n_results > 0 && (fc_http_in_flight(ws.http) == 0 ||
								   TimestampDifferenceExceeds(ws.first_result_at, now, RESULT_FLUSH_MS)))))
			flush_results(&ws);

		if (db_ready(&ws, GetCurrentTimestamp()) &&
			fc_automation_due(GetCurrentTimestamp(), &ws.last_automation_at))
			(void) run_db_step(&ws, run_automation, "run scheduled automation");

		if (db_ready(&ws, GetCurrentTimestamp()) && GetCurrentTimestamp() >= ws.next_content_at)
		{
			ws.next_content_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), CONTENT_CHECK_MS);
			(void) run_db_step(&ws, run_content_refresh, "fetch Content template approvals");
		}

		if (fc_http_in_flight(ws.http) == 0 && !ws.more_work && !ShutdownRequestPending)
		{
			pgstat_report_activity(STATE_IDLE, NULL);
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 idle_timeout_ms(&ws), PG_WAIT_EXTENSION);
		}
	}
	shutdown_drain(&ws);
	MemoryContextSwitchTo(oldcxt);
	fc_http_destroy(ws.http);
	proc_exit(0);
}
