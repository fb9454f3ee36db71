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
 * A bucket of the default account is shared by every business without its
 * own account, so its tokens are shared fairly (start-time fair queueing in
 * small): each business that draws from it has a share clock that advances
 * by (active businesses / rate) per token it takes, so a business is "within
 * its share" when its clock is not ahead of now.  A business refused a token
 * while within its share is marked starved; until it is served (or the mark
 * expires), businesses ahead of their share are refused even when a token is
 * free, so the starved one's handed-back job finds that token when it comes
 * back one token interval later.  One business's 100,000 queued messages
 * therefore delay another's invoice by about one token interval, not by the
 * time the bucket needs to serve the 100,000.  With one business on the
 * bucket (its own account) this reduces to the plain token bucket.
 *
 * The claim asks the buckets first (fc_ratelimit_claim_rooms): a business
 * drawing from a bucket gets no more jobs per claim than that bucket can
 * serve now.  Otherwise each claim would take a whole batch of the noisy
 * business's jobs only to hand almost all of them back: a queue write per
 * job, a claim cycle of hundreds of milliseconds on a loaded machine, and
 * another business's invoice committed meanwhile waits for that cycle to
 * end before any claim can see it (measured: 1.5 s at batch_size 500 behind
 * 100,000 jobs at 100/s).  With the rooms the noisy business's claims are a
 * few rows each, so the next claim (woken by the invoice's commit) comes
 * within milliseconds.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "flowcomm.h"

#define PROBE_LIMIT			 64
#define MAX_HANDBACK_SECONDS 300.0
/*
 * A job next in line for a token earned within this long waits for it in
 * the worker instead of going back to the queue: a hand-back costs a queue
 * write and a new claim, which under a neighbour's backlog (each claim also
 * handing back its throttled jobs) is what the starved business would wait
 * for.  Once per business at a time (the starved mark), so a worker pauses
 * at most this long per business per batch.
 */
#define NEXT_IN_LINE_WAIT_SECONDS 0.025

/* Channel defaults (the seed): rate per second and burst. */
static const double default_rate[FC_NUM_CHANNELS] = {10, 5, 4, 4};
static const double default_burst[FC_NUM_CHANNELS] = {100, 50, 40, 40};

static FcBucket *find_bucket(const FcJob *job, TimestampTz now);
static uint32	 bucket_hash(const pg_uuid_t *account, int channel);
static void		 refill(FcBucket *b, const FcJob *job, TimestampTz now);
static FcShare	*find_share(FcBucket *b, const pg_uuid_t *business, TimestampTz now);
static bool		 share_active(const FcBucket *b, const FcShare *s, TimestampTz now);
static bool		 other_starved(const FcBucket *b, const FcShare *mine, TimestampTz now);

static uint32
bucket_hash(const pg_uuid_t *account, int channel)
{
	uint32 h = 2166136261u ^ (uint32) MyDatabaseId;

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
	pg_uuid_t key;
	uint32	  h;
	FcBucket *victim = NULL;

	if (job->account.is_default)
		memset(&key, 0, sizeof(key));
	else
		key = job->business_id;
	h = bucket_hash(&key, job->channel);
	for (int i = 0; i < PROBE_LIMIT; i++)
	{
		FcBucket *b = &fc_shared->buckets[(h + i) % FC_MAX_BUCKETS];

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
	victim->tokens = -1; /* filled to burst by the first refill */
	return victim;
}

/* refill applies the account's current limits and adds earned tokens. */
static void
refill(FcBucket *b, const FcJob *job, TimestampTz now)
{
	double elapsed = (double) (now - b->refilled_at) / USECS_PER_SEC;

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
 * The window in which a share counts as active and a starved mark holds:
 * long enough for a handed-back job to come back and be claimed again.
 */
static TimestampTz
share_window(const FcBucket *b)
{
	return (TimestampTz) ((2.0 + 2.0 / b->rate) * USECS_PER_SEC);
}

static bool
share_active(const FcBucket *b, const FcShare *s, TimestampTz now)
{
	return s->last_seen != 0 && now - s->last_seen < share_window(b);
}

/*
 * find_share returns the business's share of the bucket, taking a free or
 * the least recently seen entry for a new one (an evicted business simply
 * starts again within its share).
 */
static FcShare *
find_share(FcBucket *b, const pg_uuid_t *business, TimestampTz now)
{
	FcShare *victim = &b->shares[0];

	for (int i = 0; i < FC_BUCKET_SHARES; i++)
	{
		FcShare *s = &b->shares[i];

		if (s->last_seen != 0 && memcmp(&s->business, business, sizeof(pg_uuid_t)) == 0)
			return s;
		if (s->last_seen < victim->last_seen)
			victim = s;
	}
	memset(victim, 0, sizeof(*victim));
	victim->business = *business;
	victim->last_seen = now;
	return victim;
}

/* other_starved: another active business waits for a token within its share. */
static bool
other_starved(const FcBucket *b, const FcShare *mine, TimestampTz now)
{
	for (int i = 0; i < FC_BUCKET_SHARES; i++)
	{
		const FcShare *s = &b->shares[i];

		if (s != mine && share_active(b, s, now) && s->starved_at != 0 &&
			now - s->starved_at < share_window(b))
			return true;
	}
	return false;
}

static int
active_shares(const FcBucket *b, TimestampTz now)
{
	int n = 0;

	for (int i = 0; i < FC_BUCKET_SHARES; i++)
		n += share_active(b, &b->shares[i], now) ? 1 : 0;
	return Max(n, 1);
}

/*
 * hand_back_slot reserves the bucket's next free slot for a refused job and
 * returns it; never now itself, so a job refused for fairness with tokens
 * in the bucket does not come straight back.
 */
static TimestampTz
hand_back_slot(FcBucket *b, TimestampTz now)
{
	TimestampTz slot = Max(Max(now, b->next_slot), b->paused_until);

	if (slot == now)
		slot = now + (TimestampTz) ((b->tokens < 1.0 ? 1.0 - b->tokens : 1.0) / b->rate * USECS_PER_SEC);
	b->next_slot = slot + (TimestampTz) (USECS_PER_SEC / b->rate);
	return slot;
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
	FcShare	   *share;
	bool		within;
	bool		ok;

	*wait_seconds = 0;
	if (!fc_rate_limit_enabled || fc_shared == NULL)
		return true;
	now = GetCurrentTimestamp();
	LWLockAcquire(fc_shared->bucket_lock, LW_EXCLUSIVE);
	b = find_bucket(job, now);
	refill(b, job, now);
	share = find_share(b, &job->business_id, now);
	share->last_seen = now;
	/* alone on the bucket (its own account), a business is always within its share */
	within = share->next_slot <= now || active_shares(b, now) == 1;
	ok = (now >= b->paused_until && b->tokens >= 1.0 && (within || !other_starved(b, share, now)));
	if (ok)
	{
		b->tokens -= 1.0;
		share->next_slot = Max(now, share->next_slot) +
						   (TimestampTz) (active_shares(b, now) / b->rate * USECS_PER_SEC);
		share->starved_at = 0;
	}
	else if (within && share->starved_at == 0 && now >= b->paused_until && active_shares(b, now) > 1)
	{
		/*
		 * Next in line: the next token earned is this business's, and
		 * others ahead of their share are refused until it is served.  Wait
		 * for it here when it is near, else come back when it is earned,
		 * without queueing behind the slots reserved for others.  One job
		 * per business at a time; its others queue as before.
		 */
		double wait = Max(1.0 - b->tokens, 0.0) / b->rate;

		share->starved_at = now;
		if (wait <= NEXT_IN_LINE_WAIT_SECONDS)
		{
			LWLockRelease(fc_shared->bucket_lock);
			pg_usleep((long) (wait * USECS_PER_SEC) + 1000);
			return fc_ratelimit_take(job, wait_seconds);
		}
		*wait_seconds = wait;
	}
	else
	{
		/* reserve the next free slot of this bucket for the job (once: Min is a macro) */
		double slot_wait = (double) (hand_back_slot(b, now) - now) / USECS_PER_SEC;

		*wait_seconds = Min(MAX_HANDBACK_SECONDS, slot_wait);
	}
	LWLockRelease(fc_shared->bucket_lock);
	return ok;
}

/*
 * share_room is how many jobs of the share's business the bucket can serve
 * now: the tokens it holds (after the refill due by now), none while a 429
 * pauses it.  On a bucket shared with others, a business ahead of its share
 * while another is starved gets none (those tokens are the starved one's),
 * and a business within its share gets at least one even with no token: the
 * next token earned is reserved for it by fc_ratelimit_take, which is what
 * bounds its wait to one token interval.  Caller holds bucket_lock.
 */
static int
share_room(const FcBucket *b, const FcShare *s, TimestampTz now)
{
	double elapsed = (double) (now - b->refilled_at) / USECS_PER_SEC;
	double tokens = Min(b->burst, b->tokens + Max(elapsed, 0.0) * b->rate);
	int	   room;

	if (now < b->paused_until)
		return 0;
	room = (int) Min(floor(tokens), (double) INT_MAX);
	if (active_shares(b, now) > 1)
	{
		if (s->next_slot > now && other_starved(b, s, now))
			room = 0;
		else if (s->next_slot <= now)
			room = Max(room, 1);
	}
	return Max(room, 0);
}

/*
 * fc_ratelimit_claim_rooms lists, for the claim about to run, the businesses
 * that recently drew from a bucket of this database which cannot serve
 * limit jobs now, each with how many jobs the claim may give it (the least
 * over its buckets); returns how many (arrays in CurrentMemoryContext).
 * Businesses not listed are claimed as before: one whose bucket is unknown
 * yet learns its room from its first claim's hand-backs.
 *
 * The room is per business, not per bucket, because the claim takes a
 * business's jobs in its own claim order over all channels (one index
 * descent per business).  So a business's backlog on a throttled account
 * also holds its later messages on other channels in claim order; other
 * businesses are never held by it.
 */
int
fc_ratelimit_claim_rooms(int limit, pg_uuid_t **businesses, int **rooms)
{
	TimestampTz now;
	int			n = 0;
	int			cap = 16;

	*businesses = NULL;
	*rooms = NULL;
	if (!fc_rate_limit_enabled || fc_shared == NULL || limit <= 0)
		return 0;
	*businesses = palloc(sizeof(pg_uuid_t) * cap);
	*rooms = palloc(sizeof(int) * cap);
	now = GetCurrentTimestamp();
	LWLockAcquire(fc_shared->bucket_lock, LW_SHARED);
	for (int i = 0; i < FC_MAX_BUCKETS; i++)
	{
		const FcBucket *b = &fc_shared->buckets[i];

		if (!b->used || b->dboid != MyDatabaseId || b->rate <= 0)
			continue;
		for (int j = 0; j < FC_BUCKET_SHARES; j++)
		{
			const FcShare *s = &b->shares[j];
			int			   room;
			int			   k;

			if (!share_active(b, s, now) || (room = share_room(b, s, now)) >= limit)
				continue;
			for (k = 0; k < n; k++)
				if (memcmp(&(*businesses)[k], &s->business, sizeof(pg_uuid_t)) == 0)
					break;
			if (k < n)
			{
				(*rooms)[k] = Min((*rooms)[k], room);
				continue;
			}
			if (n == cap)
			{
				cap *= 2;
				*businesses = repalloc(*businesses, sizeof(pg_uuid_t) * cap);
				*rooms = repalloc(*rooms, sizeof(int) * cap);
			}
			(*businesses)[n] = s->business;
			(*rooms)[n++] = room;
		}
	}
	LWLockRelease(fc_shared->bucket_lock);
	return n;
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
	b->throttled_429++;
	LWLockRelease(fc_shared->bucket_lock);
}
