/*-------------------------------------------------------------------------
 *
 * http_multi.c
 *	  Many provider requests in flight per worker with the curl multi API.
 *
 * One multi handle per worker holds every in-flight request; it owns the
 * connection cache, so connections are reused across requests (keep-alive)
 * and HTTP/2 streams share one connection where the server offers it
 * (CURL_HTTP_VERSION_2TLS + PIPEWAIT).  Connections per host are capped so a
 * big batch never opens hundreds of sockets at once (pg_net's failure).
 *
 * Only MAX_ACTIVE transfers are handed to curl at a time; the other claimed
 * requests wait in our own FIFO.  curl_multi_perform walks every handle it
 * holds, so a thousand queued handles would make each call a thousand times
 * dearer; and a request's timeout should run from when it can actually
 * leave, not while it waits for a connection.  Easy handles carry the job
 * pointer (CURLOPT_PRIVATE); when a transfer ends the provider module
 * classifies it and the job is returned.
 *
 * Running out of local resources (file descriptors, ephemeral ports, kernel
 * buffers, memory for a handle) is not the provider's doing and the request
 * never left, so such a job is handed back without spending an attempt, and
 * the number of transfers handed to curl is halved; it grows back by one per
 * successful request (additive increase, multiplicative decrease), so the
 * worker settles just below what the machine allows instead of failing
 * every other request, and returns to full speed when the pressure goes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>

#include <curl/curl.h>

#include "lib/ilist.h"
#include "utils/memutils.h"

#include "flowcomm.h"

/*
 * Connections per provider host come from flowcomm.max_connections_per_host;
 * transfers handed to curl are bounded by two hosts' worth of connections.
 */
#define MAX_ACTIVE		   (2 * fc_max_connections_per_host)
#define MAX_RESPONSE_BYTES (64 * 1024)
#define EASY_POOL_SIZE	   (2 * FC_MAX_CONNECTIONS_PER_HOST_LIMIT)
#define MIN_ACTIVE		   4	 /* floor of the reduced transfer cap */
#define EXHAUSTED_RETRY_S  1.0	 /* hand-back delay after a local shortage */
#define EXHAUSTED_LOG_MS   10000 /* at most one shortage log line per 10 s */
#define DECREASE_EVERY_MS  100	 /* one halving per burst of failures */

struct FcHttp
{
	CURLM	   *multi;
	int			in_flight;			  /* active + waiting */
	int			active;				  /* handed to curl */
	dlist_head	jobs;				  /* active jobs */
	dlist_head	waiting;			  /* built requests waiting for a slot, FIFO */
	CURL	   *pool[EASY_POOL_SIZE]; /* finished easy handles, reused */
	int			n_pool;
	int			host_limit; /* max_connections_per_host applied to multi */
	int			cap;		/* transfers curl may hold now (<= MAX_ACTIVE) */
	bool		reduced;	/* cap lowered after a local resource shortage */
	uint64		shortages;	/* requests handed back for local shortages */
	TimestampTz last_shortage_log;
	TimestampTz last_decrease;
};

static size_t		 write_cb(char *data, size_t size, size_t nmemb, void *arg);
static size_t		 header_cb(char *data, size_t size, size_t nmemb, void *arg);
static bool			 header_value(const char *line, size_t len, const char *name, char **value, MemoryContext cxt);
static bool			 build_request(FcJob *job);
static CURL			*make_easy(FcHttp *http, FcJob *job);
static void			 finish_job(FcHttp *http, FcJob *job, CURLcode code);
static void			 release_easy(FcHttp *http, FcJob *job);
static void			 activate_waiting(FcHttp *http, FcJob **failed, int *n_failed, int max_failed);
static bool			 add_to_multi(FcHttp *http, FcJob *job);
static void			 apply_connection_limits(FcHttp *http);
static bool			 local_shortage(FcJob *job, CURLcode code, int *os_errno);
static curl_socket_t open_socket_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *addr);
static void			 hand_back_shortage(FcHttp *http, FcJob *job, const char *what, int os_errno);
static void			 grow_cap(FcHttp *http);

FcHttp *
fc_http_create(void)
{
	FcHttp *http = MemoryContextAllocZero(TopMemoryContext, sizeof(FcHttp));

	http->multi = curl_multi_init();
	if (http->multi == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("flowcomm could not create a curl multi handle")));
	apply_connection_limits(http);
	curl_multi_setopt(http->multi, CURLMOPT_PIPELINING, (long) CURLPIPE_MULTIPLEX);
	dlist_init(&http->jobs);
	dlist_init(&http->waiting);
	return http;
}

void
fc_http_destroy(FcHttp *http)
{
	while (http->n_pool > 0)
		curl_easy_cleanup(http->pool[--http->n_pool]);
	curl_multi_cleanup(http->multi);
	pfree(http);
}

int
fc_http_in_flight(FcHttp *http)
{
	return http->in_flight;
}

/*
 * fc_http_room returns how many more requests are worth claiming now: the
 * worker keeps at most two rounds of transfer slots waiting, because a
 * claimed job that waits is still "processing" and would become uncertain
 * in a crash for no gain.
 */
int
fc_http_room(FcHttp *http)
{
	int waiting = http->in_flight - http->active;

	return Max(0, 2 * Min(http->cap, MAX_ACTIVE) - waiting);
}

/*
 * fc_http_capacity is fc_http_room with nothing waiting: the most worth
 * claiming at once under the current transfer cap.
 */
int
fc_http_capacity(FcHttp *http)
{
	return 2 * Min(http->cap, MAX_ACTIVE);
}

/*
 * apply_connection_limits hands the current flowcomm.max_connections_per_host
 * to curl; called at start and before each run, so a reload takes effect.
 */
static void
apply_connection_limits(FcHttp *http)
{
	if (http->host_limit == fc_max_connections_per_host)
		return;
	http->host_limit = fc_max_connections_per_host;
	if (!http->reduced)
		http->cap = MAX_ACTIVE;
	curl_multi_setopt(http->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) http->host_limit);
	curl_multi_setopt(http->multi, CURLMOPT_MAXCONNECTS, (long) http->host_limit * 2);
}

/* write_cb collects the response body (bounded). */
static size_t
write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	FcJob *job = (FcJob *) arg;
	size_t len = size * nmemb;

	if (job->response.len + len <= MAX_RESPONSE_BYTES)
		appendBinaryStringInfo(&job->response, data, (int) len);
	return len;
}

/*
 * header_value matches "Name: value" case-insensitively and copies the
 * trimmed value into cxt.
 */
static bool
header_value(const char *line, size_t len, const char *name, char **value, MemoryContext cxt)
{
	size_t		nlen = strlen(name);
	const char *v;
	const char *end = line + len;

	if (len <= nlen || pg_strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return false;
	v = line + nlen + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	*value = MemoryContextStrdup(cxt, pnstrdup(v, end - v));
	return true;
}

/* header_cb keeps X-Message-Id (Sendgrid) and Retry-After (429). */
static size_t
header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	FcJob *job = (FcJob *) arg;
	size_t len = size * nmemb;
	char  *v;

	if (header_value(data, len, "X-Message-Id", &v, job->cxt))
		job->header_message_id = v;
	else if (header_value(data, len, "Retry-After", &v, job->cxt))
		job->retry_after = atoi(v);
	return len;
}

/*
 * build_request lets the provider module fill job->req; false means the job
 * cannot be sent and already carries a permanent failure.
 */
static bool
build_request(FcJob *job)
{
	MemoryContext old = MemoryContextSwitchTo(job->cxt);
	bool		  ok;

	initStringInfo(&job->req.body);
	if (job->provider == FC_PROV_SENDGRID)
		ok = fc_sendgrid_build(job, &job->req);
	else
		ok = fc_twilio_build(job, &job->req);
	MemoryContextSwitchTo(old);
	return ok;
}

/*
 * make_easy sets up an easy handle for the job: a finished one from the pool
 * (curl_easy_reset keeps its allocations; connections live in the multi
 * handle's cache either way), else a new one.
 */
static CURL *
make_easy(FcHttp *http, FcJob *job)
{
	CURL			  *easy;
	struct curl_slist *hdr = NULL;
	FcRequest		  *req = &job->req;

	if (http->n_pool > 0)
	{
		easy = http->pool[--http->n_pool];
		curl_easy_reset(easy);
	}
	else
		easy = curl_easy_init();
	if (easy == NULL)
		return NULL;
	hdr = curl_slist_append(hdr, psprintf("Content-Type: %s", req->content_type));
	hdr = curl_slist_append(hdr, "Accept: application/json");
	hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip */
	if (req->bearer)
		hdr = curl_slist_append(hdr, psprintf("Authorization: Bearer %s", req->bearer));
	job->headers = hdr;

	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body.data);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long) req->body.len);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdr);
	if (req->basic_user)
	{
		curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
		curl_easy_setopt(easy, CURLOPT_USERNAME, req->basic_user);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, req->basic_password);
	}
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long) fc_request_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long) Min(fc_request_timeout_ms, 10000));
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "flowcomm/0.1.0");
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, job);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, job);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, job);
	job->socket_errno = 0;
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, job);
	return easy;
}

/*
 * add_to_multi hands a built request to curl; false (with a retryable
 * result set) if curl refused it.
 */
static bool
add_to_multi(FcHttp *http, FcJob *job)
{
	CURL *easy = make_easy(http, job);

	if (easy == NULL || curl_multi_add_handle(http->multi, easy) != CURLM_OK)
	{
		if (easy)
			curl_easy_cleanup(easy);
		curl_slist_free_all((struct curl_slist *) job->headers);
		job->headers = NULL;
		job->curl_code = CURLE_OUT_OF_MEMORY;
		hand_back_shortage(http, job, "could not start a transfer", ENOMEM);
		return false;
	}
	job->easy = easy;
	job->started_at = GetCurrentTimestamp();
	dlist_push_tail(&http->jobs, &job->node);
	http->active++;
	return true;
}

/*
 * activate_waiting moves waiting requests to curl while slots are free;
 * requests curl refuses are returned in failed.
 */
static void
activate_waiting(FcHttp *http, FcJob **failed, int *n_failed, int max_failed)
{
	while (http->active < Min(http->cap, MAX_ACTIVE) && !dlist_is_empty(&http->waiting) &&
		   *n_failed < max_failed)
	{
		FcJob *job = dlist_container(FcJob, node, dlist_pop_head_node(&http->waiting));

		if (!add_to_multi(http, job))
		{
			http->in_flight--;
			failed[(*n_failed)++] = job;
		}
	}
}

/*
 * fc_http_start builds the job's request and queues it to leave as soon as
 * a transfer slot is free.  Returns false if the job cannot be sent; it then
 * carries a final result.
 */
bool
fc_http_start(FcHttp *http, FcJob *job)
{
	if (!build_request(job))
		return false;
	dlist_push_tail(&http->waiting, &job->node);
	http->in_flight++;
	return true;
}

static void
release_easy(FcHttp *http, FcJob *job)
{
	curl_multi_remove_handle(http->multi, (CURL *) job->easy);
	if (http->n_pool < EASY_POOL_SIZE)
		http->pool[http->n_pool++] = (CURL *) job->easy;
	else
		curl_easy_cleanup((CURL *) job->easy);
	curl_slist_free_all((struct curl_slist *) job->headers);
	job->easy = NULL;
	job->headers = NULL;
	dlist_delete(&job->node);
	http->active--;
	http->in_flight--;
}

/*
 * open_socket_cb opens the transfer's socket as curl would, and remembers
 * why it could not: curl reports a failed socket() only as "could not
 * connect", which would make a shortage of ours look like the provider's.
 */
static curl_socket_t
open_socket_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	FcJob		 *job = (FcJob *) arg;
	curl_socket_t sock = socket(addr->family, addr->socktype, addr->protocol);

	if (sock == CURL_SOCKET_BAD)
		job->socket_errno = errno;
	return sock;
}

/*
 * local_shortage tells whether a failed transfer never left this machine
 * for want of a local resource: no socket (EMFILE/ENFILE), no buffer or
 * memory (ENOBUFS/ENOMEM), no free local port (EADDRNOTAVAIL).  A refused
 * or reset connection is the provider's side and is not a shortage.
 */
static bool
local_shortage(FcJob *job, CURLcode code, int *os_errno)
{
	long err = 0;

	if (code == CURLE_OUT_OF_MEMORY)
	{
		*os_errno = ENOMEM;
		return true;
	}
	if (code != CURLE_COULDNT_CONNECT)
		return false;
	/* curl keeps connect()'s errno, not socket()'s: open_socket_cb keeps that. */
	if (job->socket_errno != 0)
		err = job->socket_errno;
	else
		curl_easy_getinfo((CURL *) job->easy, CURLINFO_OS_ERRNO, &err);
	*os_errno = (int) err;
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM || err == EADDRNOTAVAIL;
}

/*
 * hand_back_shortage returns a job that could not leave for a local
 * shortage (no attempt spent), halves the transfer cap and says so in the
 * log, at most once per EXHAUSTED_LOG_MS.
 */
static void
hand_back_shortage(FcHttp *http, FcJob *job, const char *what, int os_errno)
{
	int			old_cap = Min(http->cap, MAX_ACTIVE);
	TimestampTz now = GetCurrentTimestamp();

	/*
	 * Transfers that fail together are one signal: halve once per burst, or
	 * a few hundred simultaneous failures would drive the cap to its floor.
	 */
	if (!http->reduced || TimestampDifferenceExceeds(http->last_decrease, now, DECREASE_EVERY_MS))
	{
		http->cap = Max(MIN_ACTIVE, Min(old_cap, http->active + 1) / 2);
		http->last_decrease = now;
	}
	http->reduced = true;
	http->shortages++;
	job->outcome = FC_OUT_HANDBACK;
	job->delay_seconds = EXHAUSTED_RETRY_S;
	job->error_code = MemoryContextStrdup(job->cxt, "local_resources");
	job->error_message = MemoryContextStrdup(job->cxt,
											 psprintf("%s: %s (request not sent; handed back)", what, strerror(os_errno)));
	if (TimestampDifferenceExceeds(http->last_shortage_log, now, EXHAUSTED_LOG_MS))
	{
		http->last_shortage_log = now;
		ereport(WARNING,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("flowcomm worker is short of local resources: %s: %s", what, strerror(os_errno)),
				 errdetail("%llu request(s) handed back without spending an attempt so far; "
						   "concurrent requests lowered from %d to %d.",
						   (unsigned long long) http->shortages, old_cap, http->cap),
				 errhint("Raise the open-files limit (ulimit -n) of the PostgreSQL server, or lower "
						 "flowcomm.max_connections_per_host or flowcomm.max_in_flight.")));
	}
}

/*
 * grow_cap raises a lowered transfer cap by one per completed request, and
 * logs when it is back to the full cap.
 */
static void
grow_cap(FcHttp *http)
{
	if (!http->reduced)
		return;
	if (++http->cap < MAX_ACTIVE)
		return;
	http->cap = MAX_ACTIVE;
	http->reduced = false;
	ereport(LOG,
			(errmsg("flowcomm worker is back to %d concurrent requests after a local resource shortage",
					http->cap)));
}

/*
 * finish_job records status and latency, then lets the provider module
 * turn the answer into an outcome.
 */
static void
finish_job(FcHttp *http, FcJob *job, CURLcode code)
{
	MemoryContext old;
	int			  os_errno = 0;
	bool		  shortage;

	job->curl_code = (int) code;
	if (code == CURLE_OK)
		curl_easy_getinfo((CURL *) job->easy, CURLINFO_RESPONSE_CODE, &job->http_status);
	shortage = local_shortage(job, code, &os_errno);
	release_easy(http, job);
	if (shortage)
	{
		hand_back_shortage(http, job, "could not open a connection", os_errno);
		return;
	}
	fc_record_latency(job->provider, job->channel,
					  GetCurrentTimestamp() - job->started_at);
	grow_cap(http);

	old = MemoryContextSwitchTo(job->cxt);
	if (code != CURLE_OK)
	{
		job->curl_error = pstrdup(curl_easy_strerror(code));
		fc_classify_transport(job);
	}
	else if (job->provider == FC_PROV_SENDGRID)
		fc_sendgrid_result(job);
	else
		fc_twilio_result(job);
	MemoryContextSwitchTo(old);
}

/*
 * fc_http_run drives transfers for up to timeout_ms, or until wake_fd (if
 * not -1) is readable (*woken is then set), and returns the jobs that
 * finished (at most max_done).
 */
int
fc_http_run(FcHttp *http, long timeout_ms, FcJob **done, int max_done, int wake_fd, bool *woken)
{
	int		 running;
	int		 n = 0;
	int		 left;
	CURLMsg *msg;

	apply_connection_limits(http);
	activate_waiting(http, done, &n, max_done);
	curl_multi_perform(http->multi, &running);
	if (running > 0 && running == http->active)
	{
		/* The wake socket ends the wait when new work is committed. */
		struct curl_waitfd extra = {.fd = wake_fd, .events = CURL_WAIT_POLLIN, .revents = 0};

		curl_multi_poll(http->multi, wake_fd >= 0 ? &extra : NULL, wake_fd >= 0 ? 1 : 0,
						(int) timeout_ms, NULL);
		*woken = wake_fd >= 0 && (extra.revents & CURL_WAIT_POLLIN) != 0;
		curl_multi_perform(http->multi, &running);
	}
	while (n < max_done && (msg = curl_multi_info_read(http->multi, &left)) != NULL)
	{
		FcJob *job;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &job);
		finish_job(http, job, msg->data.result);
		done[n++] = job;
	}
	activate_waiting(http, done, &n, max_done);
	return n;
}

/*
 * fc_http_abandon_all stops every in-flight transfer (shutdown) and returns
 * their jobs: FC_OUT_UNCERTAIN for transfers curl had started (the request
 * may have reached the provider), FC_OUT_HANDBACK for requests still
 * waiting for a slot (they certainly did not leave).
 */
int
fc_http_abandon_all(FcHttp *http, FcJob **out, int max_out)
{
	int				   n = 0;
	dlist_mutable_iter it;

	dlist_foreach_modify(it, &http->waiting)
	{
		FcJob *job = dlist_container(FcJob, node, it.cur);

		if (n >= max_out)
			break;
		dlist_delete(&job->node);
		http->in_flight--;
		job->outcome = FC_OUT_HANDBACK;
		out[n++] = job;
	}

	dlist_foreach_modify(it, &http->jobs)
	{
		FcJob *job = dlist_container(FcJob, node, it.cur);

		if (n >= max_out)
			break;
		release_easy(http, job);
		job->outcome = FC_OUT_UNCERTAIN;
		out[n++] = job;
	}
	return n;
}
