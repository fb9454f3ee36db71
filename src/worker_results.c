/*-------------------------------------------------------------------------
 *
 * worker_results.c
 *	  Write a batch of delivery results in one statement.
 *
 * Each finished job becomes one element of a set of parallel arrays; one
 * data-modifying statement then updates the queue rows, the messages, adds
 * one communication_event per transition and the provider_unsubscribed
 * suppressions.  So a batch costs one round of SQL, not one transaction per
 * message.  Guards keep late results from overwriting newer state: only a
 * queue row still processing and locked by this worker is touched, and only
 * a message still pending/queued/sending changes status.
 *
 * If the batch statement fails (say, a unique provider id collides), the
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

#define N_RESULT_ARGS 15

static SPIPlanPtr result_plan = NULL;

static const char *const result_sql =
"WITH r AS ("
"  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[],"
"                       $7::text[], $8::text[], $9::int[], $10::text[], $11::text[], $12::text[],"
"                       $13::float8[], $14::boolean[])"
"    AS r(bid, qid, cid, outcome, attempt, provider, pmid, presp, segs, enc, ecode, emsg, delay, suppress)"
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
"    FROM r WHERE q.business_id = r.bid AND q.id = r.qid"
"     AND q.status = 'processing' AND q.locked_by = $15"
"  RETURNING r.*, q.scheduled_at AS next_at"
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
"  RETURNING c.business_id, c.id, c.channel, c.recipient_contact"
"), e AS ("
"  INSERT INTO flowcomm.communication_event"
"         (business_id, communication_id, event, status, attempt, source, detail, payload)"
"  SELECT q.bid, q.cid,"
"         CASE q.outcome WHEN 'sent' THEN 'sent' WHEN 'retry' THEN 'retry_scheduled'"
"              WHEN 'dead' THEN 'dead_lettered' WHEN 'failed' THEN 'failed_permanent'"
"              ELSE q.outcome END,"
"         CASE WHEN c.id IS NULL THEN NULL"
"              ELSE (CASE q.outcome WHEN 'sent' THEN 'sent' WHEN 'dead' THEN 'failed'"
"                    WHEN 'failed' THEN 'failed' ELSE 'queued' END)::flowcomm.communication_status END,"
"         q.attempt, 'worker',"
"         CASE WHEN c.id IS NULL AND q.outcome = 'sent'"
"              THEN 'accepted by the provider after the message stopped being sendable'"
"              ELSE q.emsg END,"
"         jsonb_strip_nulls(jsonb_build_object('provider', q.provider, 'provider_message_id', q.pmid,"
"              'error_code', q.ecode,"
"              'next_attempt_at', CASE WHEN q.outcome IN ('retry', 'uncertain_retry') THEN q.next_at END))"
"    FROM q LEFT JOIN c ON c.business_id = q.bid AND c.id = q.cid"
"   WHERE c.id IS NOT NULL OR q.outcome IN ('sent', 'uncertain_retry', 'held_uncertain')"
"), s AS ("
"  INSERT INTO flowcomm.suppression (business_id, channel, contact, reason, source, detail)"
"  SELECT DISTINCT ON (c.business_id, c.channel, lower(c.recipient_contact))"
"         c.business_id, c.channel, c.recipient_contact, 'provider_unsubscribed', 'twilio', q.emsg"
"    FROM q JOIN c ON c.business_id = q.bid AND c.id = q.cid"
"   WHERE q.suppress"
"  ON CONFLICT DO NOTHING"
") "
"SELECT count(*) FROM q";

static const char *outcome_name(FcJob *job);
static Datum array_of(Datum *elems, bool *nulls, int n, Oid type);
static bool run_statement(int worker_id, FcJob **jobs, int n);
static bool run_in_subxact(int worker_id, FcJob **jobs, int n);
static void count_results(int worker_id, FcJob **jobs, int n);

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
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  type, typlen, typbyval, typalign));
}

/* Nullable C string to text Datum. */
#define TEXT_OR_NULL(s, i, arr, nulls) \
	do { (nulls)[i] = ((s) == NULL); (arr)[i] = (s) ? CStringGetTextDatum(s) : (Datum) 0; } while (0)

/*
 * run_statement builds the argument arrays and runs the batch statement.
 */
static bool
run_statement(int worker_id, FcJob **jobs, int n)
{
	Datum		args[N_RESULT_ARGS];
	Datum	   *col[14];
	bool	   *nul[14];

	for (int k = 0; k < 14; k++)
	{
		col[k] = palloc(sizeof(Datum) * n);
		nul[k] = palloc0(sizeof(bool) * n);
	}
	for (int i = 0; i < n; i++)
	{
		FcJob	   *j = jobs[i];
		bool		transmitted = j->outcome != FC_OUT_CANCELLED && j->outcome != FC_OUT_HANDBACK;

		col[0][i] = UUIDPGetDatum(&j->business_id);
		col[1][i] = UUIDPGetDatum(&j->queue_id);
		col[2][i] = UUIDPGetDatum(&j->communication_id);
		col[3][i] = CStringGetTextDatum(outcome_name(j));
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

	if (result_plan == NULL)
	{
		Oid			types[N_RESULT_ARGS] = {
			UUIDARRAYOID, UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID, INT4ARRAYOID,
			TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID,
			TEXTARRAYOID, TEXTARRAYOID, FLOAT8ARRAYOID, BOOLARRAYOID, INT4OID
		};
		SPIPlanPtr	plan = SPI_prepare(result_sql, N_RESULT_ARGS, types);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "flowcomm could not prepare the result statement: %s",
				 SPI_result_code_string(SPI_result));
		result_plan = plan;
	}
	return SPI_execute_plan(result_plan, args, NULL, false, 0) == SPI_OK_SELECT;
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
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
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
