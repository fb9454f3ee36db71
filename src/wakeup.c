/*-------------------------------------------------------------------------
 *
 * wakeup.c
 *	  flowcomm.wake_workers(): wake this database's workers at commit.
 *
 * flowcomm.send calls wake_workers() after queueing a message.  Waking at
 * once would let a worker look before the row is visible, and waking on
 * abort would be useless, so the call only marks the transaction; an
 * XactCallback sets the workers' latches when it commits (pg_net's idea).
 * A worker therefore starts within a millisecond of the commit and needs
 * polling only as a safety net.
 *
 * A worker busy with requests waits in curl_multi_poll, not on its latch,
 * and a latch cannot wake that.  So each worker also has a datagram socket
 * in the abstract namespace (named after the postmaster and the slot, so it
 * needs no file and cannot clash between clusters); while the worker sits
 * in curl_multi_poll it is among curl's descriptors, and the commit also
 * sends it one byte.  New work then starts at once instead of at the next
 * poll timeout.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"

#include "flowcomm.h"

PG_FUNCTION_INFO_V1(flowcomm_wake_workers);

static bool wake_pending = false;
static bool callback_registered = false;

static void		 wake_xact_callback(XactEvent event, void *arg);
static void		 wake_database_workers(Oid dboid);
static socklen_t wake_address(int slot, struct sockaddr_un *addr);
static void		 wake_socket_send(int slot);

/*
 * wake_address fills the abstract socket address of a worker slot.
 */
static socklen_t
wake_address(int slot, struct sockaddr_un *addr)
{
	int len;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace, no file to clean up */
	len = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "flowcomm-%d-%d", PostmasterPid, slot);
	return (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

/*
 * fc_wake_socket_open creates the worker's wake socket (non-blocking), or
 * returns -1 and logs: the worker then relies on its poll timeout.
 */
int
fc_wake_socket_open(int slot)
{
	struct sockaddr_un addr;
	socklen_t		   len = wake_address(slot, &addr);
	int				   fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && bind(fd, (struct sockaddr *) &addr, len) == 0)
		return fd;
	ereport(LOG,
			(errmsg("flowcomm worker could not create its wake socket: %m"),
			 errdetail("New messages wait for the next poll while requests are in flight.")));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * fc_wake_socket_drain empties the wake socket; true if it held a wakeup.
 */
bool
fc_wake_socket_drain(int fd)
{
	char buf[64];
	bool woken = false;

	while (fd >= 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		woken = true;
	return woken;
}

/*
 * wake_socket_send sends one byte to a worker's wake socket.  Best effort:
 * a full socket already holds a wakeup, and the latch and the poll timer
 * remain.
 */
static void
wake_socket_send(int slot)
{
	struct sockaddr_un addr;
	socklen_t		   len = wake_address(slot, &addr);
	static int		   fd = -1;

	if (fd < 0)
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		(void) sendto(fd, "w", 1, MSG_DONTWAIT, (struct sockaddr *) &addr, len);
}

/*
 * wake_database_workers sets the latch of every worker serving dboid.
 */
static void
wake_database_workers(Oid dboid)
{
	if (fc_shared == NULL)
		return;
	LWLockAcquire(fc_shared->lock, LW_SHARED);
	for (int i = 0; i < FC_MAX_WORKERS; i++)
	{
		FcWorkerSlot *w = &fc_shared->workers[i];

		if (w->in_use && w->dboid == dboid && w->latch != NULL)
		{
			SetLatch(w->latch);
			if (pg_atomic_read_u32(&w->http_waiting))
				wake_socket_send(i);
		}
	}
	LWLockRelease(fc_shared->lock);
}

static void
wake_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (wake_pending)
				wake_database_workers(MyDatabaseId);
			wake_pending = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			wake_pending = false;
			break;
		default:
			break;
	}
}

/*
 * fc_wakeup_init registers the transaction callback once per backend.
 */
void
fc_wakeup_init(void)
{
	if (callback_registered)
		return;
	RegisterXactCallback(wake_xact_callback, NULL);
	callback_registered = true;
}

/*
 * flowcomm_wake_workers marks the transaction: its commit wakes the workers.
 */
Datum
flowcomm_wake_workers(PG_FUNCTION_ARGS)
{
	fc_wakeup_init();
	wake_pending = true;
	PG_RETURN_VOID();
}
