/*-------------------------------------------------------------------------
 *
 * sim_timer.c
 *	  Timer thread of flowcomm-sim.  Delayed and stalled answers suspend
 *	  their connection (MHD_suspend_connection) instead of blocking a worker;
 *	  this thread keeps a min-heap of wake-up times and resumes each
 *	  connection when its time comes, so thousands can wait at once.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <microhttpd.h>

#include "sim.h"

#define TIMER_SLACK_US	1000

typedef struct TimerEntry
{
	int64_t		wake_us;		/* CLOCK_MONOTONIC */
	struct MHD_Connection *conn;
} TimerEntry;

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond;
static pthread_t timer_thread;
static TimerEntry *heap;
static size_t heap_len;
static size_t heap_cap;
static bool timer_stop;
static bool timer_running;

static void
heap_push(TimerEntry e)
{
	size_t		i;

	if (heap_len == heap_cap)
	{
		heap_cap = heap_cap ? heap_cap * 2 : 1024;
		heap = realloc(heap, heap_cap * sizeof(TimerEntry));
		if (heap == NULL)
			abort();
	}
	i = heap_len++;
	while (i > 0)
	{
		size_t		parent = (i - 1) / 2;

		if (heap[parent].wake_us <= e.wake_us)
			break;
		heap[i] = heap[parent];
		i = parent;
	}
	heap[i] = e;
}

static TimerEntry
heap_pop(void)
{
	TimerEntry	top = heap[0];
	TimerEntry	last = heap[--heap_len];
	size_t		i = 0;

	for (;;)
	{
		size_t		c = 2 * i + 1;

		if (c >= heap_len)
			break;
		if (c + 1 < heap_len && heap[c + 1].wake_us < heap[c].wake_us)
			c++;
		if (last.wake_us <= heap[c].wake_us)
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (heap_len > 0)
		heap[i] = last;
	return top;
}

static void *
timer_main(void *arg)
{
	struct MHD_Connection **batch = NULL;
	size_t		batch_cap = 0;

	(void) arg;
	pthread_mutex_lock(&timer_lock);
	for (;;)
	{
		int64_t		now = sim_now_monotonic_us();
		size_t		n = 0;

		/* collect everything due (everything, when stopping) */
		while (heap_len > 0 && (timer_stop || heap[0].wake_us <= now))
		{
			if (n == batch_cap)
			{
				batch_cap = batch_cap ? batch_cap * 2 : 256;
				batch = realloc(batch, batch_cap * sizeof(*batch));
				if (batch == NULL)
					abort();
			}
			batch[n++] = heap_pop().conn;
		}
		if (n > 0)
		{
			pthread_mutex_unlock(&timer_lock);
			for (size_t i = 0; i < n; i++)
				MHD_resume_connection(batch[i]);
			pthread_mutex_lock(&timer_lock);
			continue;
		}
		if (timer_stop)
			break;
		if (heap_len == 0)
			pthread_cond_wait(&timer_cond, &timer_lock);
		else
		{
			struct timespec ts;

			/*
			 * Wake a little late (at most SLACK) so that each pass resumes a
			 * batch: every resume makes MHD scan its suspended list.
			 */
			int64_t		w = heap[0].wake_us + TIMER_SLACK_US;

			ts.tv_sec = (time_t) (w / 1000000);
			ts.tv_nsec = (long) (w % 1000000) * 1000;
			pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
		}
	}
	pthread_mutex_unlock(&timer_lock);
	free(batch);
	return NULL;
}

bool
sim_timer_start(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&timer_cond, &attr);
	pthread_condattr_destroy(&attr);
	timer_stop = false;
	if (pthread_create(&timer_thread, NULL, timer_main, NULL) != 0)
		return false;
	timer_running = true;
	return true;
}

/* resume every waiting connection now and end the thread */
void
sim_timer_stop(void)
{
	if (!timer_running)
		return;
	pthread_mutex_lock(&timer_lock);
	timer_stop = true;
	pthread_cond_signal(&timer_cond);
	pthread_mutex_unlock(&timer_lock);
	pthread_join(timer_thread, NULL);
	timer_running = false;
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
	pthread_cond_destroy(&timer_cond);
}

/* called from a worker right after MHD_suspend_connection(conn) */
void
sim_timer_add(struct MHD_Connection *conn, int64_t wake_mono_us)
{
	TimerEntry	e = {wake_mono_us, conn};
	bool		wake;

	pthread_mutex_lock(&timer_lock);
	if (timer_stop)
	{
		pthread_mutex_unlock(&timer_lock);
		MHD_resume_connection(conn);
		return;
	}
	heap_push(e);
	wake = heap[0].conn == conn;
	if (wake)
		pthread_cond_signal(&timer_cond);
	pthread_mutex_unlock(&timer_lock);
}
