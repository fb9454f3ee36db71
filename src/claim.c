/*-------------------------------------------------------------------------
 *
 * claim.c
 *	  Queue claim and lease recovery (SPI, prepared once per worker).
 *
 * The claim is the durable "about to send" record: it sets the job to
 * processing with attempts+1 and a lease, and commits before any request
 * leaves.  A worker that dies leaves its jobs processing; once the lease
 * expires (or at once, when a new worker takes over the same slot) they are
 * recovered under flowcomm.uncertain_policy with an event, never dropped.
 *
 * Jobs are picked with FOR UPDATE SKIP LOCKED, round robin between the
 * businesses with pending work and in claim order (priority, then
 * scheduled_at) within each, through communication_queue_business_claim_idx,
 * so workers never block on or share each other's jobs and no business
 * waits behind another's backlog.  Nothing here depends on a
 * cross-tenant sequence, so the same statements run per shard.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "flowcomm.h"

static SPIPlanPtr claim_plan = NULL;
static SPIPlanPtr recover_plan = NULL;
static SPIPlanPtr next_due_plan = NULL;

/* The business this worker's previous claim started with: the next one starts after it. */
static pg_uuid_t claim_cursor;

/*
 * The claim is fair between businesses: a loose index scan of
 * communication_queue_business_claim_idx lists the businesses with pending
 * work, starting after the business the previous claim of this worker
 * started with ($4) and wrapping round, at most $2 of them (so the start
 * moves by one business per claim: every business comes first in turn, and
 * with more businesses than a batch, the window slides over all of them); each gets an equal share
 * of the batch ($2 / businesses, at least 1), taken in its own claim order
 * (priority, then scheduled_at).  So one business's 100,000 urgent jobs
 * cannot keep another's single invoice waiting: priority orders the work
 * within a business, never across businesses.  The rows come back round
 * robin (each business's first job, then each one's second, ...), so that a
 * rate-limit token goes to every business in turn within a batch too.
 *
 * A business listed in $5 gets at most its entry of $6 jobs: what the
 * rate-limit buckets it draws from can serve now (fc_ratelimit_claim_rooms).
 * Claiming a whole share of a throttled business's backlog would only hand
 * it back (a queue write each), and the claim cycles that takes are what a
 * neighbour's newly queued invoice waits behind.  $5/$6 are NULL when no
 * bucket is short (rate limits off: the plain drain's statement).
 *
 * A picked job whose recipient was suppressed (STOP, bounce, spam report,
 * unsubscribe, admin) or opted out of the channel after it was queued is
 * not sent: the same rules as flowcomm.delivery_block, by joins (one probe
 * each per job), checked here because send and send_bulk checked them only
 * at enqueue, possibly days before.  Its job is cancelled, its message
 * becomes 'suppressed' with the reason, and a 'suppressed' event says why,
 * in the claim's own transaction; such jobs never reach the worker.
 */
static const char *const claim_sql =
	"WITH RECURSIVE hi AS ("
	"  (SELECT business_id FROM flowcomm.communication_queue"
	"     WHERE status = 'pending' AND business_id > $4 ORDER BY business_id LIMIT 1)"
	"  UNION ALL"
	"  SELECT (SELECT x.business_id FROM flowcomm.communication_queue x"
	"           WHERE x.status = 'pending' AND x.business_id > hi.business_id"
	"           ORDER BY x.business_id LIMIT 1) FROM hi WHERE hi.business_id IS NOT NULL"
	"), lo AS ("
	"  (SELECT business_id FROM flowcomm.communication_queue"
	"     WHERE status = 'pending' AND business_id <= $4 ORDER BY business_id LIMIT 1)"
	"  UNION ALL"
	"  SELECT (SELECT x.business_id FROM flowcomm.communication_queue x"
	"           WHERE x.status = 'pending' AND x.business_id > lo.business_id AND x.business_id <= $4"
	"           ORDER BY x.business_id LIMIT 1) FROM lo WHERE lo.business_id IS NOT NULL"
	"), biz AS ("
	"  SELECT business_id, row_number() OVER () AS turn FROM ("
	"    SELECT business_id FROM hi WHERE business_id IS NOT NULL"
	"    UNION ALL SELECT business_id FROM lo WHERE business_id IS NOT NULL LIMIT $2) b"
	"), share AS ("
	"  SELECT greatest(1, $2 / nullif(count(*), 0))::int AS n, (array_agg(business_id ORDER BY turn))[1] AS first"
	"    FROM biz"
	"), room AS ("
	"  SELECT * FROM unnest($5::uuid[], $6::int[]) AS r(business_id, n)"
	"), picked AS ("
	"  SELECT p.ctid FROM biz CROSS JOIN share LEFT JOIN room ON room.business_id = biz.business_id"
	"   CROSS JOIN LATERAL (SELECT x.ctid FROM flowcomm.communication_queue x"
	"      WHERE x.business_id = biz.business_id AND x.status = 'pending' AND x.scheduled_at <= now()"
	"      ORDER BY x.priority DESC, x.scheduled_at LIMIT least(share.n, coalesce(room.n, share.n))"
	"      FOR UPDATE SKIP LOCKED) p"
	"), blocked AS ("
	"  SELECT x.ctid AS tid, x.business_id, x.communication_id, coalesce("
	"           CASE WHEN p.opted_out_at IS NOT NULL THEN 'recipient opted out'"
	"                WHEN x.channel = 'email' AND NOT p.email_enabled THEN 'recipient disabled email'"
	"                WHEN x.channel = 'sms' AND NOT p.sms_enabled THEN 'recipient disabled sms'"
	"                WHEN x.channel = 'whatsapp' AND NOT p.whatsapp_enabled THEN 'recipient disabled whatsapp'"
	"                WHEN x.channel = 'messenger' AND NOT p.messenger_enabled THEN 'recipient disabled messenger' END,"
	"           (SELECT format('%s is suppressed for %s (%s)', c.recipient_contact, x.channel, s.reason)"
	"              FROM flowcomm.suppression s WHERE s.business_id = x.business_id AND s.channel = x.channel"
	"               AND lower(s.contact) = lower(c.recipient_contact) AND s.lifted_at IS NULL LIMIT 1)) AS reason"
	"    FROM flowcomm.communication_queue x"
	"    JOIN flowcomm.communication c ON c.business_id = x.business_id AND c.id = x.communication_id"
	"    LEFT JOIN flowcomm.communication_preference p ON c.recipient_id IS NOT NULL"
	"         AND p.business_id = c.business_id AND p.entity_type = c.recipient_type AND p.entity_id = c.recipient_id"
	"   WHERE x.ctid = ANY (ARRAY(SELECT ctid FROM picked))"
	"), stop AS ("
	"  SELECT * FROM blocked WHERE reason IS NOT NULL"
	"), q AS ("
	"  UPDATE flowcomm.communication_queue q"
	"     SET status = 'processing', attempts = q.attempts + 1, locked_by = $1,"
	"         lease_expires_at = now() + make_interval(secs => $3),"
	"         started_at = now(), updated_at = now()"
	"   WHERE q.ctid = ANY (ARRAY(SELECT ctid FROM picked)) AND q.status = 'pending'"
	"     AND q.ctid <> ALL (ARRAY(SELECT tid FROM stop))"
	"  RETURNING q.business_id, q.id, q.communication_id, q.channel, q.attempts,"
	"            q.max_attempts, q.payload, q.priority, q.scheduled_at"
	"), sq AS ("
	"  UPDATE flowcomm.communication_queue q"
	"     SET status = 'cancelled', completed_at = now(), updated_at = now(), last_error = stop.reason"
	"    FROM stop WHERE q.ctid = stop.tid AND q.status = 'pending'"
	"  RETURNING q.business_id, q.communication_id, stop.reason"
	"), sc AS ("
	"  UPDATE flowcomm.communication c"
	"     SET status = 'suppressed', error_code = 'suppressed', error_message = sq.reason, updated_at = now()"
	"    FROM sq WHERE c.business_id = sq.business_id AND c.id = sq.communication_id"
	"     AND c.status IN ('pending', 'queued', 'sending')"
	"  RETURNING c.business_id, c.id, sq.reason"
	"), se AS ("
	"  INSERT INTO flowcomm.communication_event (business_id, communication_id, event, status, source, detail)"
	"  SELECT business_id, id, 'suppressed', 'suppressed', 'worker', 'not sent: ' || reason FROM sc"
	") "
	"SELECT q.business_id, q.id, q.communication_id, q.channel::text, q.attempts, q.max_attempts,"
	"       c.status::text, c.recipient_contact, c.recipient_name, c.subject, c.content, c.content_text,"
	"       coalesce((q.payload->>'track_opens')::boolean, true),"
	"       coalesce((q.payload->>'track_clicks')::boolean, true),"
	"       pa.business_id IS NULL,"
	"       CASE WHEN pa.business_id IS NULL THEN d.sendgrid_api_key ELSE pa.sendgrid_api_key END,"
	"       CASE WHEN pa.business_id IS NULL THEN d.from_email ELSE pa.from_email END,"
	"       CASE WHEN pa.business_id IS NULL THEN d.from_name ELSE pa.from_name END,"
	"       CASE WHEN pa.business_id IS NULL THEN d.twilio_account_sid ELSE pa.twilio_account_sid END,"
	"       CASE WHEN pa.business_id IS NULL THEN d.twilio_auth_token ELSE pa.twilio_auth_token END,"
	"       CASE WHEN pa.business_id IS NULL THEN d.sms_from ELSE pa.sms_from END,"
	"       CASE WHEN pa.business_id IS NULL THEN d.whatsapp_from ELSE pa.whatsapp_from END,"
	"       CASE WHEN pa.business_id IS NULL THEN d.messenger_page_id ELSE pa.messenger_page_id END,"
	"       CASE WHEN pa.business_id IS NULL THEN d.messaging_service_sid ELSE pa.messaging_service_sid END,"
	"       (coalesce(pa.rate_limits, d.rate_limits) -> q.channel::text ->> 'rate')::float8,"
	"       (coalesce(pa.rate_limits, d.rate_limits) -> q.channel::text ->> 'burst')::float8,"
	"       att.filenames, att.mimes, att.urls, att.contents, (SELECT first FROM share)"
	"  FROM q"
	"  JOIN flowcomm.communication c ON c.business_id = q.business_id AND c.id = q.communication_id"
	"  LEFT JOIN flowcomm.provider_account pa ON pa.business_id = q.business_id AND pa.enabled"
	"       AND pa.provider = (CASE WHEN q.channel = 'email' THEN 'sendgrid' ELSE 'twilio' END)::flowcomm.provider"
	"  LEFT JOIN flowcomm.default_provider_account d ON d.enabled"
	"       AND d.provider = (CASE WHEN q.channel = 'email' THEN 'sendgrid' ELSE 'twilio' END)::flowcomm.provider"
	"  LEFT JOIN LATERAL ("
	"       SELECT array_agg(a.filename ORDER BY a.id) AS filenames,"
	"              array_agg(coalesce(a.mime_type, 'application/octet-stream') ORDER BY a.id) AS mimes,"
	"              array_agg(a.file_url ORDER BY a.id) AS urls,"
	"              array_agg(translate(encode(a.content, 'base64'), E'\\n', '') ORDER BY a.id) AS contents"
	"         FROM flowcomm.communication_attachment a"
	"        WHERE a.business_id = q.business_id AND a.communication_id = q.communication_id) att ON true"
	" ORDER BY row_number() OVER (PARTITION BY q.business_id ORDER BY q.priority DESC, q.scheduled_at),"
	"          q.business_id > $4 DESC, q.business_id";

/*
 * Recovery: $1 worker id, $2 also take this worker id's rows regardless of
 * the lease (a new worker in a crashed worker's slot), $3 policy.  A job
 * out of attempts is dead-lettered rather than retried.
 */
static const char *const recover_sql =
	"WITH x AS ("
	"  SELECT business_id, id FROM flowcomm.communication_queue"
	"   WHERE status = 'processing' AND (lease_expires_at < now() OR ($2 AND locked_by = $1))"
	"   ORDER BY lease_expires_at LIMIT 5000 FOR UPDATE SKIP LOCKED"
	"), q AS ("
	"  UPDATE flowcomm.communication_queue q"
	"     SET status = (CASE WHEN $3 = 'hold' THEN 'held'"
	"                        WHEN q.attempts >= q.max_attempts THEN 'dead' ELSE 'pending' END)::flowcomm.queue_status,"
	"         scheduled_at = now(), locked_by = NULL, lease_expires_at = NULL, updated_at = now(),"
	"         completed_at = CASE WHEN $3 <> 'hold' AND q.attempts >= q.max_attempts THEN now() END,"
	"         last_error = 'worker stopped with the request in flight: outcome unknown'"
	"    FROM x WHERE q.business_id = x.business_id AND q.id = x.id"
	"  RETURNING q.business_id, q.communication_id, q.status, q.attempts"
	"), c AS ("
	"  UPDATE flowcomm.communication c"
	"     SET status = 'failed', failed_at = now(), error_code = 'uncertain',"
	"         error_message = 'worker stopped with the request in flight: outcome unknown',"
	"         retry_count = greatest(q.attempts - 1, 0), updated_at = now()"
	"    FROM q WHERE q.status = 'dead' AND c.business_id = q.business_id AND c.id = q.communication_id"
	"     AND c.status IN ('pending', 'queued', 'sending')"
	"  RETURNING c.id"
	") "
	"INSERT INTO flowcomm.communication_event"
	"       (business_id, communication_id, event, status, attempt, source, detail)"
	"SELECT q.business_id, q.communication_id,"
	"       CASE q.status WHEN 'held' THEN 'held_uncertain' WHEN 'dead' THEN 'dead_lettered' ELSE 'uncertain_retry' END,"
	"       (CASE q.status WHEN 'held' THEN NULL WHEN 'dead' THEN 'failed' ELSE 'queued' END)::flowcomm.communication_status,"
	"       q.attempts, 'worker', 'worker stopped with the request in flight: outcome unknown'"
	"  FROM q";

/*
 * When the worker next has something to do: the earliest pending job per
 * priority (through the claim index), or the earliest lease to recover.
 */
static const char *const next_due_sql =
	"SELECT extract(epoch FROM least(min(x.s),"
	"         (SELECT min(lease_expires_at) FROM flowcomm.communication_queue"
	"           WHERE status = 'processing')) - clock_timestamp())::float8"
	"  FROM (VALUES ('urgent'::flowcomm.queue_priority), ('high'), ('normal'), ('low')) p(pr)"
	"  CROSS JOIN LATERAL (SELECT scheduled_at AS s FROM flowcomm.communication_queue"
	"                       WHERE status = 'pending' AND priority = p.pr"
	"                       ORDER BY scheduled_at LIMIT 1) x";

static SPIPlanPtr prepare_plan(const char *sql, int nargs, Oid *argtypes);
static char		 *get_text(HeapTuple tup, TupleDesc desc, int col);
static void		  get_uuid(HeapTuple tup, TupleDesc desc, int col, pg_uuid_t *out);
static void		  load_attachments(FcJob *job, HeapTuple tup, TupleDesc desc);
static void		  load_account(FcJob *job, HeapTuple tup, TupleDesc desc);
static FcJob	 *job_from_tuple(HeapTuple tup, TupleDesc desc, MemoryContext parent);
static void		  rooms_to_arrays(int n, pg_uuid_t *business, int *room, Datum *b_arg, char *b_null,
								  Datum *r_arg, char *r_null);

static SPIPlanPtr
prepare_plan(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "flowcomm could not prepare a queue statement: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "flowcomm could not keep a queue statement");
	return plan;
}

/*
 * fc_extension_present says whether CREATE EXTENSION flowcomm ran in this
 * database (call inside a transaction).
 */
bool
fc_extension_present(void)
{
	return OidIsValid(get_extension_oid("flowcomm", true));
}

/* get_text copies a nullable text column into CurrentMemoryContext. */
static char *
get_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool  isnull;
	Datum d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static void
get_uuid(HeapTuple tup, TupleDesc desc, int col, pg_uuid_t *out)
{
	bool  isnull;
	Datum d = SPI_getbinval(tup, desc, col, &isnull);

	memcpy(out, DatumGetUUIDP(d), sizeof(pg_uuid_t));
}

/* text_array_elems deconstructs a nullable text[] column. */
static int
text_array_elems(HeapTuple tup, TupleDesc desc, int col, Datum **elems, bool **nulls)
{
	bool  isnull;
	Datum d = SPI_getbinval(tup, desc, col, &isnull);
	int	  n;

	if (isnull)
		return 0;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  elems, nulls, &n);
	return n;
}

static void
load_attachments(FcJob *job, HeapTuple tup, TupleDesc desc)
{
	Datum *names,
		*mimes,
		*urls,
		*contents;
	bool *nn,
		*mn,
		*un,
		*cn;
	int n = text_array_elems(tup, desc, 27, &names, &nn);

	job->n_attachments = n;
	if (n == 0)
		return;
	(void) text_array_elems(tup, desc, 28, &mimes, &mn);
	(void) text_array_elems(tup, desc, 29, &urls, &un);
	(void) text_array_elems(tup, desc, 30, &contents, &cn);
	job->attachments = palloc0(sizeof(FcAttachment) * n);
	for (int i = 0; i < n; i++)
	{
		FcAttachment *a = &job->attachments[i];

		a->filename = nn[i] ? pstrdup("attachment") : TextDatumGetCString(names[i]);
		a->mime_type = mn[i] ? pstrdup("application/octet-stream") : TextDatumGetCString(mimes[i]);
		a->file_url = un[i] ? NULL : TextDatumGetCString(urls[i]);
		a->content_b64 = cn[i] ? NULL : TextDatumGetCString(contents[i]);
	}
}

static void
load_account(FcJob *job, HeapTuple tup, TupleDesc desc)
{
	FcAccount *a = &job->account;
	bool	   isnull;
	Datum	   d;

	a->is_default = DatumGetBool(SPI_getbinval(tup, desc, 15, &isnull));
	a->sendgrid_api_key = get_text(tup, desc, 16);
	a->from_email = get_text(tup, desc, 17);
	a->from_name = get_text(tup, desc, 18);
	a->twilio_account_sid = get_text(tup, desc, 19);
	a->twilio_auth_token = get_text(tup, desc, 20);
	a->sms_from = get_text(tup, desc, 21);
	a->whatsapp_from = get_text(tup, desc, 22);
	a->messenger_page_id = get_text(tup, desc, 23);
	a->messaging_service_sid = get_text(tup, desc, 24);
	d = SPI_getbinval(tup, desc, 25, &isnull);
	a->rate = isnull ? 0 : DatumGetFloat8(d);
	d = SPI_getbinval(tup, desc, 26, &isnull);
	a->burst = isnull ? 0 : DatumGetFloat8(d);
}

/*
 * job_from_tuple copies one claimed row into a new job with its own context.
 */
static FcJob *
job_from_tuple(HeapTuple tup, TupleDesc desc, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "flowcomm job", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	FcJob		 *job = palloc0(sizeof(FcJob));
	bool		  isnull;
	char		 *status;

	job->cxt = cxt;
	get_uuid(tup, desc, 1, &job->business_id);
	get_uuid(tup, desc, 2, &job->queue_id);
	get_uuid(tup, desc, 3, &job->communication_id);
	job->business_id_str = SPI_getvalue(tup, desc, 1);
	job->communication_id_str = SPI_getvalue(tup, desc, 3);
	job->channel = fc_channel_from_name(get_text(tup, desc, 4));
	job->provider = job->channel == FC_CH_EMAIL ? FC_PROV_SENDGRID : FC_PROV_TWILIO;
	job->attempt = DatumGetInt32(SPI_getbinval(tup, desc, 5, &isnull));
	job->max_attempts = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
	status = get_text(tup, desc, 7);
	/* cancel/suppress may have won the race with the claim */
	job->cancelled = !(strcmp(status, "queued") == 0 || strcmp(status, "pending") == 0 ||
					   strcmp(status, "sending") == 0);
	job->contact = get_text(tup, desc, 8);
	job->recipient_name = get_text(tup, desc, 9);
	job->subject = get_text(tup, desc, 10);
	job->content = get_text(tup, desc, 11);
	job->content_text = get_text(tup, desc, 12);
	job->track_opens = DatumGetBool(SPI_getbinval(tup, desc, 13, &isnull));
	job->track_clicks = DatumGetBool(SPI_getbinval(tup, desc, 14, &isnull));
	load_account(job, tup, desc);
	load_attachments(job, tup, desc);
	job->retry_after = -1;
	job->segments = -1;
	initStringInfo(&job->response);
	MemoryContextSwitchTo(old);
	return job;
}

/*
 * rooms_to_arrays turns the bucket rooms into the claim's $5 uuid[] and $6
 * int4[] (NULL, NULL when there are none).
 */
static void
rooms_to_arrays(int n, pg_uuid_t *business, int *room, Datum *b_arg, char *b_null,
				Datum *r_arg, char *r_null)
{
	Datum *b;
	Datum *r;

	*b_null = *r_null = (n == 0) ? 'n' : ' ';
	*b_arg = *r_arg = (Datum) 0;
	if (n == 0)
		return;
	b = palloc(sizeof(Datum) * n);
	r = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		b[i] = UUIDPGetDatum(&business[i]);
		r[i] = Int32GetDatum(room[i]);
	}
	*b_arg = PointerGetDatum(construct_array(b, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
	*r_arg = PointerGetDatum(construct_array(r, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

/*
 * fc_claim_jobs claims up to limit due jobs for worker_id (call inside a
 * transaction); returns their count and an array allocated in parent.
 */
int
fc_claim_jobs(int worker_id, int limit, MemoryContext parent, FcJob ***jobs_out)
{
	Datum	   args[6];
	char	   nulls[7] = "      ";
	int		   lease = Max(fc_lease_seconds, fc_request_timeout_ms / 1000 + 10);
	int		   n;
	FcJob	 **jobs;
	pg_uuid_t *room_business;
	int		  *room;
	int		   n_rooms;

	*jobs_out = NULL;
	if (limit <= 0)
		return 0;
	/* read the buckets just before the claim: its jobs take their tokens right after */
	n_rooms = fc_ratelimit_claim_rooms(limit, &room_business, &room);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (claim_plan == NULL)
	{
		Oid types[6] = {INT4OID, INT4OID, FLOAT8OID, UUIDOID, UUIDARRAYOID, INT4ARRAYOID};

		claim_plan = prepare_plan(claim_sql, 6, types);
	}
	args[0] = Int32GetDatum(worker_id);
	args[1] = Int32GetDatum(limit);
	args[2] = Float8GetDatum((double) lease);
	args[3] = UUIDPGetDatum(&claim_cursor);
	rooms_to_arrays(n_rooms, room_business, room, &args[4], &nulls[4], &args[5], &nulls[5]);
	if (SPI_execute_plan(claim_plan, args, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "flowcomm claim failed");
	n = (int) SPI_processed;
	if (n > 0)
		get_uuid(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 31, &claim_cursor);
	else
		memset(&claim_cursor, 0, sizeof(claim_cursor));
	jobs = MemoryContextAlloc(parent, sizeof(FcJob *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		jobs[i] = job_from_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, parent);
	PopActiveSnapshot();
	SPI_finish();
	*jobs_out = jobs;
	return n;
}

/*
 * fc_recover_expired hands back jobs of dead workers (call inside a
 * transaction); returns how many.
 */
int
fc_recover_expired(int worker_id, bool own_rows_only)
{
	Datum args[3];
	int	  n;

	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (recover_plan == NULL)
	{
		Oid types[3] = {INT4OID, BOOLOID, TEXTOID};

		recover_plan = prepare_plan(recover_sql, 3, types);
	}
	args[0] = Int32GetDatum(worker_id);
	args[1] = BoolGetDatum(own_rows_only);
	args[2] = CStringGetTextDatum(fc_uncertain_policy == FC_UNCERTAIN_HOLD ? "hold" : "retry");
	if (SPI_execute_plan(recover_plan, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "flowcomm lease recovery failed");
	n = (int) SPI_processed;
	PopActiveSnapshot();
	SPI_finish();
	if (n > 0)
		ereport(LOG,
				(errmsg("flowcomm recovered %d job(s) whose worker stopped mid-request", n),
				 errdetail("flowcomm.uncertain_policy is \"%s\".",
						   fc_uncertain_policy == FC_UNCERTAIN_HOLD ? "hold" : "retry")));
	return n;
}

/*
 * fc_seconds_until_next_due returns seconds until the earliest pending job
 * is due or lease expires (0 if already), or -1 when there is none.
 */
double
fc_seconds_until_next_due(void)
{
	bool   isnull;
	Datum  d;
	double result = -1;

	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (next_due_plan == NULL)
		next_due_plan = prepare_plan(next_due_sql, 0, NULL);
	if (SPI_execute_plan(next_due_plan, NULL, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "flowcomm next-due query failed");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		result = Max(DatumGetFloat8(d), 0.0);
	PopActiveSnapshot();
	SPI_finish();
	return result;
}
