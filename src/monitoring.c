/*-------------------------------------------------------------------------
 *
 * monitoring.c
 *	  Shared-memory counters for Prometheus (sql/src/90_monitoring.sql).
 *
 * The exporter scrapes every 15 s, also when a million messages wait, so
 * everything here reads the fixed shared struct only: per provider and
 * channel delivery counters with the latency histogram in Prometheus form
 * (cumulative buckets, seconds), the rate-limit buckets of this database
 * (tokens left, pause, 429s), and the webhook counters the SQL entry points
 * bump through monitor_webhook_note().  Counters are monotonic since server
 * start, which is what Prometheus' rate() expects (a restart is a reset).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "flowcomm.h"

PG_FUNCTION_INFO_V1(flowcomm_monitor_delivery);
PG_FUNCTION_INFO_V1(flowcomm_monitor_rate_buckets);
PG_FUNCTION_INFO_V1(flowcomm_monitor_webhooks);
PG_FUNCTION_INFO_V1(flowcomm_monitor_webhook_note);

static const char *const webhook_outcome_names[FC_NUM_WEBHOOK_OUTCOMES] = {
	"received", "rejected_signature", "rejected_stale", "applied", "deferred"};

static void		  require_shmem(void);
static void		  emit_delivery(Tuplestorestate *ts, TupleDesc desc, int p, int c);
static ArrayType *float8_array(const double *v, int n);
static ArrayType *int8_array(const int64 *v, int n);
static bool		  bucket_visible(const FcBucket *b);
static void		  emit_bucket(Tuplestorestate *ts, TupleDesc desc, const FcBucket *b, TimestampTz now);

static void
require_shmem(void)
{
	if (fc_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flowcomm is not loaded through shared_preload_libraries"),
				 errhint("Add flowcomm to shared_preload_libraries and restart the server.")));
}

/*
 * fc_webhook_note counts one webhook outcome; lock-free, and outside any
 * transaction's fate: a rejected request rolls back, its count stays.
 */
void
fc_webhook_note(FcProvider prov, FcWebhookOutcome outcome)
{
	if (fc_shared == NULL || prov < 0 || prov >= FC_NUM_PROVIDERS || outcome < 0 ||
		outcome >= FC_NUM_WEBHOOK_OUTCOMES)
		return;
	pg_atomic_fetch_add_u64(&fc_shared->webhooks[prov][outcome], 1);
}

static ArrayType *
float8_array(const double *v, int n)
{
	Datum *d = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static ArrayType *
int8_array(const int64 *v, int n)
{
	Datum *d = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(v[i]);
	return construct_array(d, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * emit_delivery writes one provider/channel row.  The histogram is turned
 * into Prometheus' form: bucket upper bounds in seconds (the open last
 * bucket is +Inf) and cumulative counts, so the +Inf bucket equals count.
 */
static void
emit_delivery(Tuplestorestate *ts, TupleDesc desc, int p, int c)
{
	FcCounters *k = &fc_shared->counters[p][c];
	Datum		v[11];
	bool		n[11] = {0};
	double		le[FC_LATENCY_BUCKETS];
	int64		cum[FC_LATENCY_BUCKETS];
	int64		running = 0;

	for (int b = 0; b < FC_LATENCY_BUCKETS; b++)
	{
		running += (int64) pg_atomic_read_u64(&k->latency_hist[b]);
		cum[b] = running;
		le[b] = (b == FC_LATENCY_BUCKETS - 1) ? INFINITY : fc_latency_bounds_ms[b] / 1000.0;
	}
	v[0] = CStringGetTextDatum(fc_provider_names[p]);
	v[1] = CStringGetTextDatum(fc_channel_names[c]);
	v[2] = Int64GetDatum((int64) pg_atomic_read_u64(&k->sent));
	v[3] = Int64GetDatum((int64) pg_atomic_read_u64(&k->failed));
	v[4] = Int64GetDatum((int64) pg_atomic_read_u64(&k->retried));
	v[5] = Int64GetDatum((int64) pg_atomic_read_u64(&k->dead));
	v[6] = Int64GetDatum((int64) pg_atomic_read_u64(&k->throttled));
	v[7] = PointerGetDatum(float8_array(le, FC_LATENCY_BUCKETS));
	v[8] = PointerGetDatum(int8_array(cum, FC_LATENCY_BUCKETS));
	v[9] = Float8GetDatum((double) pg_atomic_read_u64(&k->latency_sum_us) / 1e6);
	/* the +Inf bucket, read once: count and buckets agree in one row */
	v[10] = Int64GetDatum(running);
	tuplestore_putvalues(ts, desc, v, n);
}

/*
 * flowcomm_monitor_delivery: one row per provider and channel that can
 * carry traffic (Sendgrid email, Twilio sms/whatsapp/messenger).
 */
Datum
flowcomm_monitor_delivery(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	emit_delivery(rsinfo->setResult, rsinfo->setDesc, FC_PROV_SENDGRID, FC_CH_EMAIL);
	for (int c = FC_CH_SMS; c < FC_NUM_CHANNELS; c++)
		emit_delivery(rsinfo->setResult, rsinfo->setDesc, FC_PROV_TWILIO, c);
	return (Datum) 0;
}

static bool
bucket_visible(const FcBucket *b)
{
	return b->used && b->dboid == MyDatabaseId;
}

/*
 * emit_bucket writes one rate-limit bucket.  Tokens are shown as they are
 * now (refilled at the bucket's rate since its last refill, capped at the
 * burst), without changing the bucket: a scrape must not take part in
 * rate limiting.
 */
static void
emit_bucket(Tuplestorestate *ts, TupleDesc desc, const FcBucket *b, TimestampTz now)
{
	Datum				   v[8];
	bool				   n[8] = {0};
	static const pg_uuid_t zero;
	double				   elapsed = (now - b->refilled_at) / 1e6;
	double				   paused = b->paused_until > now ? (b->paused_until - now) / 1e6 : 0;
	double				   tokens;
	pg_uuid_t			  *acct = palloc(sizeof(pg_uuid_t));

	/* as ratelimit.c's refill(): negative tokens mean "full after the pause" */
	if (paused > 0)
		tokens = 0;
	else if (b->tokens < 0)
		tokens = b->burst;
	else
		tokens = Min(b->burst, b->tokens + Max(elapsed, 0) * b->rate);
	*acct = b->account;
	n[0] = (memcmp(&b->account, &zero, sizeof(zero)) == 0);
	v[0] = n[0] ? (Datum) 0 : UUIDPGetDatum(acct);
	v[1] = CStringGetTextDatum(b->channel == FC_CH_EMAIL ? "sendgrid" : "twilio");
	v[2] = CStringGetTextDatum(fc_channel_names[b->channel]);
	v[3] = Float8GetDatum(b->rate);
	v[4] = Float8GetDatum(b->burst);
	v[5] = Float8GetDatum(tokens);
	v[6] = Float8GetDatum(paused);
	v[7] = Int64GetDatum((int64) b->throttled_429);
	tuplestore_putvalues(ts, desc, v, n);
}

/*
 * flowcomm_monitor_rate_buckets lists this database's rate-limit buckets
 * (at most FC_MAX_BUCKETS, fixed).  The buckets are copied under the
 * bucket lock in slices, so a sender never waits on a scrape for long.
 */
Datum
flowcomm_monitor_rate_buckets(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FcBucket	  *copy = palloc(sizeof(FcBucket) * 64);
	TimestampTz	   now = GetCurrentTimestamp();

	require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	for (int start = 0; start < FC_MAX_BUCKETS; start += 64)
	{
		LWLockAcquire(fc_shared->bucket_lock, LW_SHARED);
		memcpy(copy, &fc_shared->buckets[start], sizeof(FcBucket) * 64);
		LWLockRelease(fc_shared->bucket_lock);
		for (int i = 0; i < 64; i++)
			if (bucket_visible(&copy[i]))
				emit_bucket(rsinfo->setResult, rsinfo->setDesc, &copy[i], now);
	}
	return (Datum) 0;
}

/*
 * flowcomm_monitor_webhooks: one row per provider and outcome.
 */
Datum
flowcomm_monitor_webhooks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	for (int p = 0; p < FC_NUM_PROVIDERS; p++)
		for (int o = 0; o < FC_NUM_WEBHOOK_OUTCOMES; o++)
		{
			Datum v[3];
			bool  n[3] = {0};

			v[0] = CStringGetTextDatum(fc_provider_names[p]);
			v[1] = CStringGetTextDatum(webhook_outcome_names[o]);
			v[2] = Int64GetDatum((int64) pg_atomic_read_u64(&fc_shared->webhooks[p][o]));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
		}
	return (Datum) 0;
}

/*
 * flowcomm_monitor_webhook_note(provider text, outcome text): count one
 * webhook outcome from the SQL entry points.  Unknown names are an error
 * (a typo in a caller must not silently count nothing).
 */
Datum
flowcomm_monitor_webhook_note(PG_FUNCTION_ARGS)
{
	char *prov = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char *outcome = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int	  p = -1;
	int	  o = -1;

	for (int i = 0; i < FC_NUM_PROVIDERS; i++)
		if (strcmp(prov, fc_provider_names[i]) == 0)
			p = i;
	for (int i = 0; i < FC_NUM_WEBHOOK_OUTCOMES; i++)
		if (strcmp(outcome, webhook_outcome_names[i]) == 0)
			o = i;
	if (p < 0 || o < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown webhook counter %s/%s", prov, outcome),
				 errhint("provider is sendgrid or twilio; outcome is received, rejected_signature, rejected_stale, applied or deferred.")));
	fc_webhook_note((FcProvider) p, (FcWebhookOutcome) o);
	PG_RETURN_VOID();
}
