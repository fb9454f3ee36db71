/*-------------------------------------------------------------------------
 *
 * worker_results.c
 *	  Write a batch of delivery results in one transaction.
 *
 * Each finished job becomes one element of a set of parallel arrays; one
 * data-modifying statement then updates the queue rows and the messages,
 * a second adds one communication_event per transition (with the error's
 * class, reason and provider code/message), a third (rarely) the
 * suppressions that a provider error calls for.  So a batch costs one round of
 * SQL, not one transaction per message.  Guards keep late results from overwriting newer state: only a
 * queue row still processing and locked by this worker is touched, and only
 * a message still pending/queued/sending changes status.
 *
 * If the batch fails (say, a unique provider id collides), the
 * batch is rewritten one job per subtransaction so one bad row never rolls
 * back the others; a job that still fails stays processing and is recovered
 * after its lease like any interrupted job.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "flowcomm.h"

#define N_RESULT_ARGS	15
#define N_EVENT_ARGS	11
#define N_SUPPRESS_ARGS 6

static SPIPlanPtr result_plan = NULL;
static SPIPlanPtr event_plan = NULL;
static SPIPlanPtr suppress_plan = NULL;

/*
 * The batch is written by up to three statements in one (sub)transaction:
 *
 * 1. result_sql updates the queue rows (guarded: still processing and locked
 *    by this worker) and then the messages of those rows (guarded: still
 *    pending/queued/sending), and returns which batch positions (ordinality
 *    of the arrays) matched each guard.  The CTEs are never joined with each
 *    other: the generic plan estimates one row for every CTE and for the
 *    processing jobs (the claim index statistics), so such a join, or the
 *    join of the queue with the unnest() of the arrays, becomes a nested
 *    loop that rescans the inner side per row -- quadratic in the batch
 *    (170 ms instead of 17 ms for 200 results).  Joining the queue on the
 *    row's ctid, looked up by primary key per array element, makes that
 *    rescan expensive in the planner's eyes too, so it hashes instead.
 * 2. event_sql inserts one communication_event per transition, built in C
 *    from what statement 1 returned.
 * 3. suppress_sql adds the suppressions of results whose provider error the
 *    catalogue marks "suppress" (provider_unsubscribed for Twilio 21610,
 *    bounce for a number out of service; only when a batch has one).
 */
static const char *const result_sql =
	"WITH r AS ("
	"  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[],"
	"                       $7::text[], $8::text[], $9::int[], $10::text[], $11::text[], $12::text[],"
	"                       $13::float8[], $14::boolean[]) WITH ORDINALITY"
	"    AS r(bid, qid, cid, outcome, attempt, provider, pmid, presp, segs, enc, ecode, emsg, delay, suppress, idx)"
	"), t AS ("
	"  SELECT r.*, (SELECT q0.ctid FROM flowcomm.communication_queue q0"
	"                WHERE q0.business_id = r.bid AND q0.id = r.qid) AS tid"
	"    FROM r"
	"), q AS ("
	"  UPDATE flowcomm.communication_queue q"
	"     SET status = (CASE r.outcome WHEN 'sent' THEN 'completed' WHEN 'dead' THEN 'dead'"
	"                        WHEN 'failed' THEN 'failed' WHEN 'cancelled' THEN 'cancelled'"
	"                        WHEN 'held_uncertain' THEN 'held' ELSE 'pending' END)::flowcomm.queue_status,"
	"         attempts = CASE WHEN r.outcome = 'handback' THEN greatest(q.attempts - 1, 0) ELSE q.attempts END,"
	"         scheduled_at = CASE WHEN r.outcome IN ('retry', 'handback', 'uncertain_retry')"
	"                             THEN now() + make_interval(secs => r.delay) ELSE q.scheduled_at END,"
	"         locked_by = NULL, lease_expires_at = NULL, updated_at = now(),"
	"         completed_at = CASE WHEN r.outcome IN ('sent', 'dead', 'failed', 'cancelled') THEN now() END,"
	"         last_error = coalesce(r.emsg, q.last_error)"
	"    FROM t r WHERE q.ctid = r.tid AND q.business_id = r.bid AND q.id = r.qid"
	"     AND q.status = 'processing' AND q.locked_by = $15"
	"  RETURNING r.idx, r.bid, r.cid, r.outcome, r.attempt, r.provider, r.pmid, r.presp, r.segs, r.enc,"
	"            r.ecode, r.emsg, q.scheduled_at AS next_at"
	"), c AS ("
	"  UPDATE flowcomm.communication c"
	"     SET status = (CASE WHEN q.outcome = 'sent' THEN 'sent'"
	"                        WHEN q.outcome IN ('dead', 'failed') THEN 'failed'"
	"                        ELSE c.status::text END)::flowcomm.communication_status,"
	"         sent_at = CASE WHEN q.outcome = 'sent' THEN now() ELSE c.sent_at END,"
	"         failed_at = CASE WHEN q.outcome IN ('dead', 'failed') THEN now() ELSE c.failed_at END,"
	"         provider = coalesce(q.provider::flowcomm.provider, c.provider),"
	"         provider_message_id = CASE WHEN q.outcome = 'sent' THEN q.pmid ELSE c.provider_message_id END,"
	"         provider_response = coalesce(q.presp::jsonb, c.provider_response),"
	"         segments = coalesce(q.segs, c.segments),"
	"         encoding = coalesce(q.enc, c.encoding),"
	"         retry_count = CASE WHEN q.outcome = 'retry' THEN q.attempt ELSE greatest(q.attempt - 1, 0) END,"
	"         next_retry_at = CASE WHEN q.outcome = 'retry' THEN q.next_at END,"
	"         error_code = CASE WHEN q.outcome = 'sent' THEN NULL ELSE coalesce(q.ecode, c.error_code) END,"
	"         error_message = CASE WHEN q.outcome = 'sent' THEN NULL ELSE coalesce(q.emsg, c.error_message) END,"
	"         updated_at = now()"
	"    FROM q WHERE c.business_id = q.bid AND c.id = q.cid"
	"     AND q.outcome IN ('sent', 'retry', 'dead', 'failed')"
	"     AND c.status IN ('pending', 'queued', 'sending')"
	"  RETURNING q.idx, c.channel::text AS channel, c.recipient_contact"
	") "
	"SELECT idx::int4, false AS msg, next_at, NULL::text AS channel, NULL::text AS contact FROM q"
	" UNION ALL "
	"SELECT idx::int4, true, NULL, channel, recipient_contact FROM c";

static const char *const event_sql =
	"INSERT INTO flowcomm.communication_event"
	"       (business_id, communication_id, event, status, attempt, source, detail, payload)"
	"SELECT e.bid, e.cid, e.ev, e.st::flowcomm.communication_status, e.att, 'worker', e.det,"
	"       jsonb_strip_nulls(jsonb_build_object('provider', e.prov, 'provider_message_id', e.pmid,"
	"            'error_code', e.ecode, 'next_attempt_at', e.nxt) || coalesce(e.info::jsonb, '{}'))"
	"  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[],"
	"              $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[])"
	"    AS e(bid, cid, ev, st, att, det, prov, pmid, ecode, nxt, info)";

static const char *const suppress_sql =
	"INSERT INTO flowcomm.suppression (business_id, channel, contact, reason, source, detail)"
	"SELECT DISTINCT ON (s.bid, s.ch, lower(s.contact))"
	"       s.bid, s.ch, CASE WHEN s.ch = 'email' THEN lower(s.contact) ELSE s.contact END, s.reason, s.src,"
	"       left(s.emsg, 500)"
	"  FROM (SELECT bid, ch::flowcomm.channel AS ch, contact, emsg, reason, src"
	"          FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])"
	"            AS u(bid, ch, contact, emsg, reason, src)) s"
	" ON CONFLICT DO NOTHING";

static const char *outcome_name(FcJob *job);
static Datum	   array_of(Datum *elems, bool *nulls, int n, Oid type);
static bool		   run_statement(int worker_id, FcJob **jobs, int n);
static bool		   run_in_subxact(int worker_id, FcJob **jobs, int n);
static bool		   transient_error(int sqlerrcode);
static void		   count_results(int worker_id, FcJob **jobs, int n);

/*
 * outcome_name maps a job result to its name in the batch statement.
 */
static const char *
outcome_name(FcJob *job)
{
	switch (job->outcome)
	{
		case FC_OUT_SENT:
			return "sent";
		case FC_OUT_RETRY:
			return "retry";
		case FC_OUT_DEAD:
			return "dead";
		case FC_OUT_FAILED:
			return "failed";
		case FC_OUT_CANCELLED:
			return "cancelled";
		case FC_OUT_HANDBACK:
			return "handback";
		case FC_OUT_UNCERTAIN:
			if (fc_uncertain_policy == FC_UNCERTAIN_HOLD)
				return "held_uncertain";
			return job->attempt >= job->max_attempts ? "dead" : "uncertain_retry";
	}
	return "retry";
}

static Datum
array_of(Datum *elems, bool *nulls, int n, Oid type)
{
	int	  dims[1] = {n};
	int	  lbs[1] = {1};
	int16 typlen;
	bool  typbyval;
	char  typalign;

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  type, typlen, typbyval, typalign));
}

/* Nullable C string to text Datum. */
#define TEXT_OR_NULL(s, i, arr, nulls)                       \
	do                                                       \
	{                                                        \
		(nulls)[i] = ((s) == NULL);                          \
		(arr)[i] = (s) ? CStringGetTextDatum(s) : (Datum) 0; \
	} while (0)

/* keep_plan prepares a statement once per worker. */
static SPIPlanPtr
keep_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types)
{
	if (*plan == NULL)
	{
		SPIPlanPtr p = SPI_prepare(sql, nargs, types);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "flowcomm could not prepare a result statement: %s",
				 SPI_result_code_string(SPI_result));
		*plan = p;
	}
	return *plan;
}

/* event_name is the communication_event.event of a result. */
static const char *
event_name(const char *outcome)
{
	if (strcmp(outcome, "sent") == 0)
		return "sent";
	if (strcmp(outcome, "retry") == 0)
		return "retry_scheduled";
	if (strcmp(outcome, "dead") == 0)
		return "dead_lettered";
	if (strcmp(outcome, "failed") == 0)
		return "failed_permanent";
	return outcome;
}

/* event_status is the message status a result moved the message to. */
static const char *
event_status(const char *outcome)
{
	if (strcmp(outcome, "sent") == 0)
		return "sent";
	if (strcmp(outcome, "dead") == 0 || strcmp(outcome, "failed") == 0)
		return "failed";
	return "queued";
}

/*
 * run_statement builds the argument arrays and runs the batch statements.
 */
static bool
run_statement(int worker_id, FcJob **jobs, int n)
{
	Datum		 args[N_RESULT_ARGS];
	Datum		*col[14];
	bool		*nul[14];
	const char **outcome = palloc(sizeof(char *) * n);
	bool		*q_matched = palloc0(sizeof(bool) * n);
	bool		*c_matched = palloc0(sizeof(bool) * n);
	TimestampTz *next_at = palloc0(sizeof(TimestampTz) * n);
	bool		*next_null = palloc(sizeof(bool) * n);
	char	   **s_channel = palloc0(sizeof(char *) * n);
	char	   **s_contact = palloc0(sizeof(char *) * n);
	int			 n_events = 0;
	int			 n_suppress = 0;

	for (int k = 0; k < 14; k++)
	{
		col[k] = palloc(sizeof(Datum) * n);
		nul[k] = palloc0(sizeof(bool) * n);
	}
	for (int i = 0; i < n; i++)
	{
		FcJob *j = jobs[i];
		bool   transmitted = j->outcome != FC_OUT_CANCELLED && j->outcome != FC_OUT_HANDBACK;

		outcome[i] = outcome_name(j);
		next_null[i] = true;
		col[0][i] = UUIDPGetDatum(&j->business_id);
		col[1][i] = UUIDPGetDatum(&j->queue_id);
		col[2][i] = UUIDPGetDatum(&j->communication_id);
		col[3][i] = CStringGetTextDatum(outcome[i]);
		col[4][i] = Int32GetDatum(j->attempt);
		TEXT_OR_NULL(transmitted ? fc_provider_names[j->provider] : NULL, i, col[5], nul[5]);
		TEXT_OR_NULL(j->provider_message_id, i, col[6], nul[6]);
		TEXT_OR_NULL(j->provider_response, i, col[7], nul[7]);
		col[8][i] = Int32GetDatum(j->segments);
		nul[8][i] = (j->segments < 0);
		TEXT_OR_NULL(j->encoding, i, col[9], nul[9]);
		TEXT_OR_NULL(j->error_code, i, col[10], nul[10]);
		TEXT_OR_NULL(j->error_message, i, col[11], nul[11]);
		col[12][i] = Float8GetDatum(Max(j->delay_seconds, 0.0));
		col[13][i] = BoolGetDatum(j->suppress);
	}
	args[0] = array_of(col[0], nul[0], n, UUIDOID);
	args[1] = array_of(col[1], nul[1], n, UUIDOID);
	args[2] = array_of(col[2], nul[2], n, UUIDOID);
	args[3] = array_of(col[3], nul[3], n, TEXTOID);
	args[4] = array_of(col[4], nul[4], n, INT4OID);
	for (int k = 5; k <= 7; k++)
		args[k] = array_of(col[k], nul[k], n, TEXTOID);
	args[8] = array_of(col[8], nul[8], n, INT4OID);
	for (int k = 9; k <= 11; k++)
		args[k] = array_of(col[k], nul[k], n, TEXTOID);
	args[12] = array_of(col[12], nul[12], n, FLOAT8OID);
	args[13] = array_of(col[13], nul[13], n, BOOLOID);
	args[14] = Int32GetDatum(worker_id);

	{
		Oid types[N_RESULT_ARGS] = {
			UUIDARRAYOID, UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID,
			TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID,
			TEXTARRAYOID, TEXTARRAYOID, FLOAT8ARRAYOID, BOOLARRAYOID, INT4OID};

		keep_plan(&result_plan, result_sql, N_RESULT_ARGS, types);
	}
	if (SPI_execute_plan(result_plan, args, NULL, false, 0) != SPI_OK_SELECT)
		return false;

	/* Which positions matched the queue guard, and the message guard. */
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple tup = SPI_tuptable->vals[r];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool	  isnull;
		int		  i = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull)) - 1;
		bool	  msg = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));

		if (i < 0 || i >= n)
			elog(ERROR, "flowcomm result statement returned position %d of %d", i + 1, n);
		if (msg)
		{
			c_matched[i] = true;
			if (jobs[i]->suppress)
			{
				s_channel[i] = SPI_getvalue(tup, desc, 4);
				s_contact[i] = SPI_getvalue(tup, desc, 5);
			}
		}
		else
		{
			Datum d = SPI_getbinval(tup, desc, 3, &isnull);

			q_matched[i] = true;
			next_null[i] = isnull;
			if (!isnull)
				next_at[i] = DatumGetTimestampTz(d);
		}
	}

	/* One event per transition (the old single statement's rules). */
	{
		Datum  eargs[N_EVENT_ARGS];
		Datum *ec[N_EVENT_ARGS];
		bool  *en[N_EVENT_ARGS];

		for (int k = 0; k < N_EVENT_ARGS; k++)
		{
			ec[k] = palloc(sizeof(Datum) * n);
			en[k] = palloc0(sizeof(bool) * n);
		}
		for (int i = 0; i < n; i++)
		{
			FcJob	   *j = jobs[i];
			const char *o = outcome[i];
			bool		is_sent = strcmp(o, "sent") == 0;
			int			e = n_events;

			if (!q_matched[i])
				continue;
			if (!(c_matched[i] || is_sent || strcmp(o, "uncertain_retry") == 0 ||
				  strcmp(o, "held_uncertain") == 0))
				continue;
			n_events++;
			ec[0][e] = col[0][i];
			ec[1][e] = col[2][i];
			ec[2][e] = CStringGetTextDatum(event_name(o));
			TEXT_OR_NULL(c_matched[i] ? event_status(o) : NULL, e, ec[3], en[3]);
			ec[4][e] = Int32GetDatum(j->attempt);
			TEXT_OR_NULL(!c_matched[i] && is_sent
							 ? "accepted by the provider after the message stopped being sendable"
							 : j->error_message,
						 e, ec[5], en[5]);
			ec[6][e] = col[5][i];
			en[6][e] = nul[5][i];
			ec[7][e] = col[6][i];
			en[7][e] = nul[6][i];
			ec[8][e] = col[10][i];
			en[8][e] = nul[10][i];
			en[9][e] = !((strcmp(o, "retry") == 0 || strcmp(o, "uncertain_retry") == 0) && !next_null[i]);
			ec[9][e] = en[9][e] ? (Datum) 0 : TimestampTzGetDatum(next_at[i]);
			TEXT_OR_NULL(is_sent ? NULL : j->error_info, e, ec[10], en[10]);
		}
		if (n_events > 0)
		{
			Oid types[N_EVENT_ARGS] = {
				UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID,
				TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID};

			eargs[0] = array_of(ec[0], en[0], n_events, UUIDOID);
			eargs[1] = array_of(ec[1], en[1], n_events, UUIDOID);
			for (int k = 2; k <= 3; k++)
				eargs[k] = array_of(ec[k], en[k], n_events, TEXTOID);
			eargs[4] = array_of(ec[4], en[4], n_events, INT4OID);
			for (int k = 5; k <= 8; k++)
				eargs[k] = array_of(ec[k], en[k], n_events, TEXTOID);
			eargs[9] = array_of(ec[9], en[9], n_events, TIMESTAMPTZOID);
			eargs[10] = array_of(ec[10], en[10], n_events, TEXTOID);
			keep_plan(&event_plan, event_sql, N_EVENT_ARGS, types);
			if (SPI_execute_plan(event_plan, eargs, NULL, false, 0) != SPI_OK_INSERT)
				return false;
		}
	}

	/* suppressions called for by the provider errors of messages this batch failed */
	for (int i = 0; i < n; i++)
		if (c_matched[i] && jobs[i]->suppress)
			n_suppress++;
	if (n_suppress > 0)
	{
		Datum  sargs[N_SUPPRESS_ARGS];
		Datum *sc[N_SUPPRESS_ARGS];
		bool  *sn[N_SUPPRESS_ARGS];
		int	   e = 0;
		Oid	   types[N_SUPPRESS_ARGS] = {UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
										 TEXTARRAYOID, TEXTARRAYOID};

		for (int k = 0; k < N_SUPPRESS_ARGS; k++)
		{
			sc[k] = palloc(sizeof(Datum) * n_suppress);
			sn[k] = palloc0(sizeof(bool) * n_suppress);
		}
		for (int i = 0; i < n; i++)
		{
			if (!(c_matched[i] && jobs[i]->suppress))
				continue;
			sc[0][e] = col[0][i];
			TEXT_OR_NULL(s_channel[i], e, sc[1], sn[1]);
			TEXT_OR_NULL(s_contact[i], e, sc[2], sn[2]);
			TEXT_OR_NULL(jobs[i]->error_message, e, sc[3], sn[3]);
			TEXT_OR_NULL(jobs[i]->suppress_reason ? jobs[i]->suppress_reason : "provider_unsubscribed", e, sc[4],
						 sn[4]);
			TEXT_OR_NULL(fc_provider_names[jobs[i]->provider], e, sc[5], sn[5]);
			e++;
		}
		sargs[0] = array_of(sc[0], sn[0], n_suppress, UUIDOID);
		for (int k = 1; k < N_SUPPRESS_ARGS; k++)
			sargs[k] = array_of(sc[k], sn[k], n_suppress, TEXTOID);
		keep_plan(&suppress_plan, suppress_sql, N_SUPPRESS_ARGS, types);
		if (SPI_execute_plan(suppress_plan, sargs, NULL, false, 0) != SPI_OK_INSERT)
			return false;
	}
	return true;
}

/*
 * transient_error tells a failure of the server, which passes, from one of
 * the batch's data, which would fail again: insufficient resources (53),
 * system and I/O errors (58), rollbacks for deadlock or serialization (40),
 * operator intervention such as a statement timeout (57), and a lock not
 * available (55P03).
 */
static bool
transient_error(int sqlerrcode)
{
	int category = ERRCODE_TO_CATEGORY(sqlerrcode);

	return category == ERRCODE_INSUFFICIENT_RESOURCES || category == ERRCODE_SYSTEM_ERROR ||
		   category == ERRCODE_TRANSACTION_ROLLBACK || category == ERRCODE_OPERATOR_INTERVENTION ||
		   category == ERRCODE_CONNECTION_EXCEPTION || sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE;
}

/*
 * run_in_subxact runs the batch statement in a subtransaction; on error it
 * logs, rolls the subtransaction back and returns false.
 */
static bool
run_in_subxact(int worker_id, FcJob **jobs, int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		ok = run_statement(worker_id, jobs, n);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		/*
		 * A shortage of the server (disk full, out of memory, an I/O error,
		 * a lock or statement timeout) would fail every job the same way:
		 * the worker keeps the results and writes them after a backoff.
		 */
		if (transient_error(edata->sqlerrcode))
			ReThrowError(edata);
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("flowcomm could not record %d delivery result(s): %s", n, edata->message),
				 errdetail("The affected jobs stay processing and are recovered when their lease expires.")));
		fc_worker_set_error(worker_id, edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return ok;
}

/*
 * count_results adds the batch to the shared counters.
 */
static void
count_results(int worker_id, FcJob **jobs, int n)
{
	FcWorkerSlot *w = &fc_shared->workers[worker_id];

	for (int i = 0; i < n; i++)
	{
		FcCounters *k = &fc_shared->counters[jobs[i]->provider][jobs[i]->channel];

		switch (jobs[i]->outcome)
		{
			case FC_OUT_SENT:
				pg_atomic_fetch_add_u64(&k->sent, 1);
				pg_atomic_fetch_add_u64(&w->sent, 1);
				break;
			case FC_OUT_DEAD:
			case FC_OUT_FAILED:
				/* a dead letter is also a failure */
				if (jobs[i]->outcome == FC_OUT_DEAD)
					pg_atomic_fetch_add_u64(&k->dead, 1);
				pg_atomic_fetch_add_u64(&k->failed, 1);
				pg_atomic_fetch_add_u64(&w->failed, 1);
				break;
			case FC_OUT_RETRY:
			case FC_OUT_UNCERTAIN:
				pg_atomic_fetch_add_u64(&k->retried, 1);
				pg_atomic_fetch_add_u64(&w->retried, 1);
				break;
			default:
				break;
		}
		if (jobs[i]->error_message && jobs[i]->outcome != FC_OUT_SENT)
			fc_worker_set_error(worker_id, jobs[i]->error_message);
	}
}

/*
 * fc_results_flush writes n results in one transaction (falling back to one
 * subtransaction per job if the batch fails).
 */
void
fc_results_flush(int worker_id, FcJob **jobs, int n)
{
	fc_start_xact();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (!run_in_subxact(worker_id, jobs, n) && n > 1)
	{
		for (int i = 0; i < n; i++)
			(void) run_in_subxact(worker_id, &jobs[i], 1);
	}
	PopActiveSnapshot();
	SPI_finish();
	CommitTransactionCommand();
	count_results(worker_id, jobs, n);
}
