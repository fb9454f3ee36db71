/*-------------------------------------------------------------------------
 *
 * uuid.c
 *	  Time-ordered UUIDs (RFC 9562 version 7) for every flowcomm id.
 *
 * Version 7 ids sort by creation time, so new rows land at the right edge of
 * the primary-key indexes (no random page splits under load) and a range of
 * ids is a range of time: the history tables can be range-partitioned by id
 * later without adding a column to their keys.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "flowcomm.h"

PG_FUNCTION_INFO_V1(flowcomm_uuid_v7);

/* Last timestamp and counter, so ids from one backend are strictly increasing. */
static uint64 last_ms = 0;
static uint32 seq_in_ms = 0;

/*
 * Random bytes are drawn from pg_strong_random a pool at a time: one call
 * per id cost about 1.7 us (OpenSSL's RAND_bytes dispatch), 5% of a bulk
 * enqueue that makes three ids per message.  The pool belongs to the process
 * that filled it (pool_pid), so a forked child never reuses its parent's.
 */
#define RANDOM_POOL_SIZE 4096
static uint8 random_pool[RANDOM_POOL_SIZE];
static int	 random_pool_used = RANDOM_POOL_SIZE;
static int	 random_pool_pid = 0;

/* Copy n (<= RANDOM_POOL_SIZE) strong random bytes into out. */
static void
take_random(uint8 *out, int n)
{
	if (random_pool_pid != MyProcPid || random_pool_used + n > RANDOM_POOL_SIZE)
	{
		if (!pg_strong_random(random_pool, RANDOM_POOL_SIZE))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate random bytes for a uuid")));
		random_pool_used = 0;
		random_pool_pid = MyProcPid;
	}
	memcpy(out, random_pool + random_pool_used, n);
	/* Never hand out the same bytes twice. */
	memset(random_pool + random_pool_used, 0, n);
	random_pool_used += n;
}

/*
 * flowcomm_fill_uuid_v7 writes a new version 7 UUID into out.
 *
 * 48 bits of Unix milliseconds, then a 12-bit per-backend sequence in the
 * rand_a field (monotonic within a millisecond, as RFC 9562 method 1 allows),
 * then 62 random bits.
 */
void
flowcomm_fill_uuid_v7(pg_uuid_t *out)
{
	TimestampTz now = GetCurrentTimestamp();
	uint64		ms = (uint64) ((now / 1000) + ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000));
	uint8	   *b = out->data;

	if (ms <= last_ms)
	{
		/* Same millisecond (or clock went back): keep ordering with the sequence. */
		ms = last_ms;
		if (++seq_in_ms > 0xFFF)
		{
			ms = ++last_ms;
			seq_in_ms = 0;
		}
	}
	else
	{
		last_ms = ms;
		seq_in_ms = 0;
	}

	take_random(b + 8, 8);

	b[0] = (uint8) (ms >> 40);
	b[1] = (uint8) (ms >> 32);
	b[2] = (uint8) (ms >> 24);
	b[3] = (uint8) (ms >> 16);
	b[4] = (uint8) (ms >> 8);
	b[5] = (uint8) ms;
	b[6] = (uint8) (0x70 | ((seq_in_ms >> 8) & 0x0F));
	b[7] = (uint8) (seq_in_ms & 0xFF);
	b[8] = (uint8) ((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
}

/*
 * flowcomm_uuid_v7 is the SQL function flowcomm.uuid_v7().
 */
Datum
flowcomm_uuid_v7(PG_FUNCTION_ARGS)
{
	pg_uuid_t *u = palloc(sizeof(pg_uuid_t));

	flowcomm_fill_uuid_v7(u);
	PG_RETURN_UUID_P(u);
}
