/*-------------------------------------------------------------------------
 *
 * stats.c
 *	  SQL views of the shared-memory state: workers and delivery counters.
 *
 * flowcomm.worker_status() lists the delivery workers of the cluster;
 * flowcomm.delivery_counters() returns the cumulative counters per provider
 * and channel (sent, failed, retried, 429s, latency histogram) that the
 * queue_health view and a Prometheus exporter read.  Both read shared
 * memory only, so they are cheap enough to poll every few seconds.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "flowcomm.h"

PG_FUNCTION_INFO_V1(flowcomm_worker_status);
PG_FUNCTION_INFO_V1(flowcomm_delivery_counters);

static const char *const state_names[] = {"starting", "idle", "working", "no_extension", "stopping", "backoff"};

static void require_shmem(void);
static void emit_worker(Tuplestorestate *ts, TupleDesc desc, FcWorkerSlot *w, int slot);
static void emit_counters(Tuplestorestate *ts, TupleDesc desc, int p, int c);

static void
require_shmem(void)
{
	if (fc_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flowcomm is not loaded through shared_preload_libraries"),
				 errhint("Add flowcomm to shared_preload_libraries and restart the server.")));
}

static void
emit_worker(Tuplestorestate *ts, TupleDesc desc, FcWorkerSlot *w, int slot)
{
	Datum v[10];
	bool  n[10] = {0};

	v[0] = Int32GetDatum(slot);
	v[1] = CStringGetTextDatum(w->dbname);
	v[2] = Int32GetDatum(w->pid);
	v[3] = CStringGetTextDatum(state_names[w->state]);
	v[4] = Int32GetDatum(w->in_flight);
	v[5] = Int64GetDatum((int64) pg_atomic_read_u64(&w->sent));
	v[6] = Int64GetDatum((int64) pg_atomic_read_u64(&w->failed));
	v[7] = Int64GetDatum((int64) pg_atomic_read_u64(&w->retried));
	v[8] = CStringGetTextDatum(w->last_error);
	n[8] = (w->last_error[0] == '\0');
	v[9] = TimestampTzGetDatum(w->last_loop_at);
	tuplestore_putvalues(ts, desc, v, n);
}

/*
 * flowcomm_worker_status returns one row per running delivery worker.
 */
Datum
flowcomm_worker_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FcWorkerSlot   copy[FC_MAX_WORKERS];

	require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	/* copy under the lock, build tuples without it */
	LWLockAcquire(fc_shared->lock, LW_SHARED);
	memcpy(copy, fc_shared->workers, sizeof(copy));
	LWLockRelease(fc_shared->lock);
	for (int i = 0; i < FC_MAX_WORKERS; i++)
		if (copy[i].in_use)
			emit_worker(rsinfo->setResult, rsinfo->setDesc, &copy[i], i);
	return (Datum) 0;
}

static void
emit_counters(Tuplestorestate *ts, TupleDesc desc, int p, int c)
{
	FcCounters *k = &fc_shared->counters[p][c];
	Datum		v[9];
	bool		n[9] = {0};
	Datum		hist[FC_LATENCY_BUCKETS];
	uint64		count = pg_atomic_read_u64(&k->latency_count);
	uint64		sum = pg_atomic_read_u64(&k->latency_sum_us);

	for (int b = 0; b < FC_LATENCY_BUCKETS; b++)
		hist[b] = Int64GetDatum((int64) pg_atomic_read_u64(&k->latency_hist[b]));
	v[0] = CStringGetTextDatum(fc_provider_names[p]);
	v[1] = CStringGetTextDatum(fc_channel_names[c]);
	v[2] = Int64GetDatum((int64) pg_atomic_read_u64(&k->sent));
	v[3] = Int64GetDatum((int64) pg_atomic_read_u64(&k->failed));
	v[4] = Int64GetDatum((int64) pg_atomic_read_u64(&k->retried));
	v[5] = Int64GetDatum((int64) pg_atomic_read_u64(&k->throttled));
	v[6] = Int64GetDatum((int64) count);
	v[7] = Float8GetDatum(count ? (double) sum / count / 1000.0 : 0.0);
	n[7] = (count == 0);
	v[8] = PointerGetDatum(construct_array(hist, FC_LATENCY_BUCKETS, INT8OID, 8,
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	tuplestore_putvalues(ts, desc, v, n);
}

/*
 * flowcomm_delivery_counters returns the counters of every provider and
 * channel pair that can carry traffic.
 */
Datum
flowcomm_delivery_counters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	require_shmem();
	InitMaterializedSRF(fcinfo, 0);
	emit_counters(rsinfo->setResult, rsinfo->setDesc, FC_PROV_SENDGRID, FC_CH_EMAIL);
	for (int c = FC_CH_SMS; c < FC_NUM_CHANNELS; c++)
		emit_counters(rsinfo->setResult, rsinfo->setDesc, FC_PROV_TWILIO, c);
	return (Datum) 0;
}
