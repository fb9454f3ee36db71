/*-------------------------------------------------------------------------
 *
 * ratelimit.c
 *	  Token buckets per provider account and channel, in shared memory.
 *
 * Every worker of the cluster draws from the same bucket, so the limit
 * holds whatever the number of workers.  A bucket is keyed by database,
 * account (the business id, or zero for the default account, which all
 * businesses without their own account share) and channel.  Rates come from
 * the account's rate_limits JSON, else the channel defaults below.
 *
 * A worker never sleeps on a bucket: a job without a token is handed back
 * with a delay, so other accounts' work keeps flowing.  Each job turned away
 * reserves the bucket's next free slot (next_slot advances by 1/rate), so
 * handed-back jobs return spread over the time the bucket needs to serve
 * them instead of all at the same instant.  A 429 pauses the bucket for
 * Retry-After.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "flowcomm.h"

#define PROBE_LIMIT 64
#define MAX_HANDBACK_SECONDS 300.0

/* Channel defaults (the seed): rate per second and burst. */
static const double default_rate[FC_NUM_CHANNELS] = {10, 5, 4, 4};
static const double default_burst[FC_NUM_CHANNELS] = {100, 50, 40, 40};

static FcBucket *find_bucket(const FcJob *job, TimestampTz now);
static uint32 bucket_hash(const pg_uuid_t *account, int channel);
static void refill(FcBucket *b, const FcJob *job, TimestampTz now);

static uint32
bucket_hash(const pg_uuid_t *account, int channel)
{
	uint32		h = 2166136261u ^ (uint32) MyDatabaseId;

	for (int i = 0; i < UUID_LEN; i++)
		h = (h ^ account->data[i]) * 16777619u;
	return (h ^ (uint32) channel) * 16777619u;
}

/*
 * find_bucket returns the job's bucket, creating it (or recycling the least
 * recently used one within the probe window).  Caller holds bucket_lock.
 */
static FcBucket *
find_bucket(const FcJob *job, TimestampTz now)
{
	pg_uuid_t	key;
	uint32		h;
	FcBucket   *victim = NULL;

	if (job->account.is_default)
		memset(&key, 0, sizeof(key));
	else
		key = job->business_id;
	h = bucket_hash(&key, job->channel);
	for (int i = 0; i < PROBE_LIMIT; i++)
	{
		FcBucket   *b = &fc_shared->buckets[(h + i) % FC_MAX_BUCKETS];

		if (b->used && b->dboid == MyDatabaseId && b->channel == job->channel &&
			memcmp(&b->account, &key, sizeof(key)) == 0)
			return b;
		if (!b->used)
		{
			victim = b;
			break;
		}
		if (victim == NULL || b->last_used < victim->last_used)
			victim = b;
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->dboid = MyDatabaseId;
	victim->account = key;
	victim->channel = job->channel;
	victim->refilled_at = now;
	victim->tokens = -1;		/* filled to burst by the first refill */
	return victim;
}

/* refill applies the account's current limits and adds earned tokens. */
static void
refill(FcBucket *b, const FcJob *job, TimestampTz now)
{
	double		elapsed = (double) (now - b->refilled_at) / USECS_PER_SEC;

	b->rate = job->account.rate > 0 ? job->account.rate : default_rate[job->channel];
	b->burst = job->account.burst > 0 ? job->account.burst : Max(default_burst[job->channel], b->rate);
	if (b->tokens < 0)
		b->tokens = b->burst;
	else if (elapsed > 0)
		b->tokens = Min(b->burst, b->tokens + elapsed * b->rate);
	b->refilled_at = now;
	b->last_used = now;
}

/*
 * fc_ratelimit_take takes a token for the job.  If there is none, returns
 * false and how long to hand the job back for.
 */
bool
fc_ratelimit_take(const FcJob *job, double *wait_seconds)
{
	TimestampTz now;
	FcBucket   *b;
	bool		ok;

	*wait_seconds = 0;
	if (!fc_rate_limit_enabled || fc_shared == NULL)
		return true;
	now = GetCurrentTimestamp();
	LWLockAcquire(fc_shared->bucket_lock, LW_EXCLUSIVE);
	b = find_bucket(job, now);
	refill(b, job, now);
	ok = (now >= b->paused_until && b->tokens >= 1.0);
	if (ok)
		b->tokens -= 1.0;
	else
	{
		/* reserve the next free slot of this bucket for the job */
		TimestampTz slot = Max(Max(now, b->next_slot), b->paused_until);

		if (b->tokens < 1.0 && slot == now)
			slot = now + (TimestampTz) ((1.0 - b->tokens) / b->rate * USECS_PER_SEC);
		b->next_slot = slot + (TimestampTz) (USECS_PER_SEC / b->rate);
		*wait_seconds = Min(MAX_HANDBACK_SECONDS, (double) (slot - now) / USECS_PER_SEC);
	}
	LWLockRelease(fc_shared->bucket_lock);
	return ok;
}

/*
 * fc_ratelimit_pause stops the job's bucket for seconds (429 Retry-After).
 */
void
fc_ratelimit_pause(const FcJob *job, int seconds)
{
	TimestampTz now;
	FcBucket   *b;

	if (fc_shared == NULL)
		return;
	now = GetCurrentTimestamp();
	LWLockAcquire(fc_shared->bucket_lock, LW_EXCLUSIVE);
	b = find_bucket(job, now);
	refill(b, job, now);
	b->paused_until = Max(b->paused_until, TimestampTzPlusMilliseconds(now, seconds * 1000));
	b->tokens = Min(b->tokens, 0);
	LWLockRelease(fc_shared->bucket_lock);
}
