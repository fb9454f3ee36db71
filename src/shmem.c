/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  Shared state of the delivery engine: worker slots, counters, buckets.
 *
 * One fixed-size struct (no dynamic shared memory): worker slots for the
 * launcher, wake_workers() and worker_status(); cumulative per provider and
 * channel counters updated with atomics (a scraper reads them every few
 * seconds, so no lock is taken on the hot path); the rate-limit buckets.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "flowcomm.h"

FcShared *fc_shared = NULL;

/* Upper bounds of the latency histogram buckets, in ms; the last is open. */
const int fc_latency_bounds_ms[FC_LATENCY_BUCKETS] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, INT_MAX};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void fc_shmem_request_cb(void);
static void init_counters(FcShared *s);

static void
fc_shmem_request_cb(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(FcShared)));
	RequestNamedLWLockTranche("flowcomm", 2);
}

/*
 * fc_shmem_request installs the PG15 request hook and the startup hook.
 */
void
fc_shmem_request(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = fc_shmem_request_cb;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = fc_shmem_startup;
}

static void
init_counters(FcShared *s)
{
	for (int p = 0; p < FC_NUM_PROVIDERS; p++)
		for (int c = 0; c < FC_NUM_CHANNELS; c++)
		{
			FcCounters *k = &s->counters[p][c];

			pg_atomic_init_u64(&k->sent, 0);
			pg_atomic_init_u64(&k->failed, 0);
			pg_atomic_init_u64(&k->retried, 0);
			pg_atomic_init_u64(&k->throttled, 0);
			pg_atomic_init_u64(&k->dead, 0);
			pg_atomic_init_u64(&k->latency_count, 0);
			pg_atomic_init_u64(&k->latency_sum_us, 0);
			for (int b = 0; b < FC_LATENCY_BUCKETS; b++)
				pg_atomic_init_u64(&k->latency_hist[b], 0);
		}
	for (int p = 0; p < FC_NUM_PROVIDERS; p++)
		for (int o = 0; o < FC_NUM_WEBHOOK_OUTCOMES; o++)
			pg_atomic_init_u64(&s->webhooks[p][o], 0);
	for (int i = 0; i < FC_MAX_WORKERS; i++)
	{
		pg_atomic_init_u64(&s->workers[i].sent, 0);
		pg_atomic_init_u64(&s->workers[i].failed, 0);
		pg_atomic_init_u64(&s->workers[i].retried, 0);
		pg_atomic_init_u32(&s->workers[i].http_waiting, 0);
	}
}

/*
 * fc_shmem_startup attaches to (or creates) the shared struct.
 */
void
fc_shmem_startup(void)
{
	bool		  found;
	LWLockPadded *locks;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	fc_shared = ShmemInitStruct("flowcomm", sizeof(FcShared), &found);
	if (!found)
	{
		memset(fc_shared, 0, sizeof(FcShared));
		locks = GetNamedLWLockTranche("flowcomm");
		fc_shared->lock = &locks[0].lock;
		fc_shared->bucket_lock = &locks[1].lock;
		init_counters(fc_shared);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * fc_record_latency adds one provider round trip to the histogram.
 */
void
fc_record_latency(FcProvider prov, FcChannel ch, int64 usec)
{
	FcCounters *k;
	int64		ms = usec / 1000;
	int			b = 0;

	if (fc_shared == NULL)
		return;
	k = &fc_shared->counters[prov][ch];
	while (b < FC_LATENCY_BUCKETS - 1 && ms > fc_latency_bounds_ms[b])
		b++;
	pg_atomic_fetch_add_u64(&k->latency_hist[b], 1);
	pg_atomic_fetch_add_u64(&k->latency_count, 1);
	pg_atomic_fetch_add_u64(&k->latency_sum_us, (uint64) Max(usec, 0));
}

/*
 * fc_worker_set_error stores a (secret-free) last error for worker_status().
 */
void
fc_worker_set_error(int slot, const char *msg)
{
	if (fc_shared == NULL || slot < 0 || slot >= FC_MAX_WORKERS || msg == NULL)
		return;
	LWLockAcquire(fc_shared->lock, LW_EXCLUSIVE);
	strlcpy(fc_shared->workers[slot].last_error, msg, FC_LAST_ERROR_LEN);
	LWLockRelease(fc_shared->lock);
}
