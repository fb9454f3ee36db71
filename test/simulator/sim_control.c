/*-------------------------------------------------------------------------
 *
 * sim_control.c
 *	  Control API of flowcomm-sim (/_sim/...), the ring of recorded provider
 *	  requests and the exact counters.
 *
 *	GET  /_sim/health				200 "ok"
 *	GET  /_sim/requests?since=&limit=	recorded requests, oldest first
 *	GET  /_sim/stats				counters
 *	POST /_sim/reset				clear recordings, counters, faults, windows, templates
 *	POST /_sim/inbound, /_sim/content	windows and Content templates (sim_content.c)
 *	GET  /_sim/faults, POST /_sim/faults	fault configuration
 *
 * Recording copies the request into one malloc'd blob outside the lock and
 * swaps it into a preallocated ring under a mutex held for a few stores.
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "sim.h"

typedef struct SimRecord
{
	uint64_t	seq; /* 0: empty slot */
	int64_t		ts_us;
	int			provider;
	int			status;
	char	   *blob; /* all strings below point into it */
	const char *method;
	const char *path;
	const char *authorization; /* NULL if absent */
	const char *content_type;  /* NULL if absent */
	const char *body;
	size_t		body_len;
	const char *response_id; /* NULL if none */
} SimRecord;

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static SimRecord	  *ring;
static size_t		   ring_size;
static uint64_t		   last_seq; /* protected by rec_lock */

/* counters */
static _Atomic uint64_t st_total;
static _Atomic uint64_t st_provider[SIM_NPROVIDERS];
static _Atomic uint64_t st_status[SIM_MAX_STATUS];
static _Atomic uint64_t st_dropped;
static _Atomic uint64_t st_stalled;
static _Atomic uint64_t st_delayed;
static _Atomic int64_t	st_in_flight;
static _Atomic uint64_t st_control;

static const char *const provider_names[] = {"sendgrid", "twilio"};

bool
sim_record_init(size_t record_max)
{
	ring_size = record_max;
	if (ring_size == 0)
		return true;
	ring = calloc(ring_size, sizeof(SimRecord));
	return ring != NULL;
}

void
sim_record_shutdown(void)
{
	for (size_t i = 0; i < ring_size; i++)
		free(ring[i].blob);
	free(ring);
	ring = NULL;
	ring_size = 0;
}

static char *
put_str(char **o, const char *s, size_t n)
{
	char *start = *o;

	memcpy(start, s, n);
	start[n] = '\0';
	*o += n + 1;
	return start;
}

void
sim_record(SimReq *req, int status, const char *response_id)
{
	SimRecord	r;
	char	   *old;
	char	   *o;
	const char *auth = sim_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *ctype = sim_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t		mlen = strlen(req->method);
	size_t		plen = strlen(req->url);
	size_t		alen = auth ? strlen(auth) : 0;
	size_t		clen = ctype ? strlen(ctype) : 0;
	size_t		rlen = response_id && response_id[0] ? strlen(response_id) : 0;
	size_t		blen = req->body_too_large ? 0 : req->body_len;

	if (ring_size == 0)
		return;
	r.blob = malloc(mlen + plen + alen + clen + rlen + blen + 6);
	if (r.blob == NULL)
		return;
	o = r.blob;
	r.method = put_str(&o, req->method, mlen);
	r.path = put_str(&o, req->url, plen);
	r.authorization = auth ? put_str(&o, auth, alen) : NULL;
	r.content_type = ctype ? put_str(&o, ctype, clen) : NULL;
	r.body = put_str(&o, req->body ? req->body : "", blen);
	r.body_len = blen;
	r.response_id = rlen ? put_str(&o, response_id, rlen) : NULL;
	r.ts_us = req->ts_us;
	r.provider = req->provider;
	r.status = status;

	pthread_mutex_lock(&rec_lock);
	r.seq = ++last_seq;
	{
		SimRecord *slot = &ring[r.seq % ring_size];

		old = slot->blob;
		*slot = r;
	}
	pthread_mutex_unlock(&rec_lock);
	free(old);
}

void
sim_stats_count(int provider, int status, bool dropped, bool stalled,
				bool delayed)
{
	if (provider < 0)
	{
		atomic_fetch_add_explicit(&st_control, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&st_total, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st_provider[provider], 1, memory_order_relaxed);
	if (status >= 0 && status < SIM_MAX_STATUS)
		atomic_fetch_add_explicit(&st_status[status], 1, memory_order_relaxed);
	if (dropped)
		atomic_fetch_add_explicit(&st_dropped, 1, memory_order_relaxed);
	if (stalled)
		atomic_fetch_add_explicit(&st_stalled, 1, memory_order_relaxed);
	if (delayed)
		atomic_fetch_add_explicit(&st_delayed, 1, memory_order_relaxed);
}

void
sim_stats_in_flight(int delta)
{
	atomic_fetch_add_explicit(&st_in_flight, delta, memory_order_relaxed);
}

int64_t
sim_stats_get_in_flight(void)
{
	return atomic_load(&st_in_flight);
}

static void
stats_reset(void)
{
	atomic_store(&st_total, 0);
	for (int i = 0; i < SIM_NPROVIDERS; i++)
		atomic_store(&st_provider[i], 0);
	for (int i = 0; i < SIM_MAX_STATUS; i++)
		atomic_store(&st_status[i], 0);
	atomic_store(&st_dropped, 0);
	atomic_store(&st_stalled, 0);
	atomic_store(&st_delayed, 0);
	atomic_store(&st_control, 0);
}

static void
record_reset(void)
{
	pthread_mutex_lock(&rec_lock);
	for (size_t i = 0; i < ring_size; i++)
	{
		free(ring[i].blob);
		memset(&ring[i], 0, sizeof(SimRecord));
	}
	last_seq = 0;
	pthread_mutex_unlock(&rec_lock);
}

/*
 * Find the newest successful Twilio create that answered `sid` for
 * `account`; copies its form body.  O(ring) scan: meant for tests.
 */
bool
sim_record_find_message(const char *sid, const char *account, SimBuf *form_body,
						int64_t *ts_us)
{
	bool   found = false;
	size_t alen = strlen(account);

	pthread_mutex_lock(&rec_lock);
	for (uint64_t s = last_seq; s > 0 && last_seq - s < ring_size; s--)
	{
		SimRecord  *r = &ring[s % ring_size];
		const char *p;

		if (r->seq != s || r->provider != SIM_TWILIO || r->status != 201 ||
			r->response_id == NULL || strcmp(r->response_id, sid) != 0)
			continue;
		/* path is /2010-04-01/Accounts/{AccountSid}/Messages.json */
		p = strstr(r->path, "/Accounts/");
		if (p == NULL || strncmp(p + 10, account, alen) != 0 || p[10 + alen] != '/')
			break;
		sim_buf_append(form_body, r->body, r->body_len);
		*ts_us = r->ts_us;
		found = true;
		break;
	}
	pthread_mutex_unlock(&rec_lock);
	return found;
}

static void
json_reply(SimResult *res, int status)
{
	res->status = status;
	res->content_type = "application/json";
}

static void
control_requests(SimReq *req, SimResult *res)
{
	const char *since_s = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "since");
	const char *limit_s = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "limit");
	uint64_t	since = since_s ? strtoull(since_s, NULL, 10) : 0;
	uint64_t	limit = limit_s ? strtoull(limit_s, NULL, 10) : 1000;
	uint64_t	first;
	uint64_t	n = 0;
	SimBuf	   *b = &res->body;

	if (limit == 0)
		limit = 1000;
	sim_buf_init(b, 4096);
	sim_buf_puts(b, "[");
	pthread_mutex_lock(&rec_lock);
	first = since + 1;
	if (ring_size > 0 && last_seq >= ring_size && first <= last_seq - ring_size)
		first = last_seq - ring_size + 1;
	for (uint64_t s = first; s <= last_seq && n < limit; s++)
	{
		SimRecord *r = &ring[s % ring_size];

		if (r->seq != s)
			continue;
		sim_buf_printf(b, "%s{\"seq\":%llu,\"ts_us\":%lld,\"provider\":\"%s\",\"method\":",
					   n ? "," : "", (unsigned long long) r->seq, (long long) r->ts_us,
					   provider_names[r->provider]);
		sim_buf_json_str_or_null(b, r->method);
		sim_buf_puts(b, ",\"path\":");
		sim_buf_json_str_or_null(b, r->path);
		sim_buf_printf(b, ",\"status\":%d,\"authorization\":", r->status);
		sim_buf_json_str_or_null(b, r->authorization);
		sim_buf_puts(b, ",\"content_type\":");
		sim_buf_json_str_or_null(b, r->content_type);
		sim_buf_puts(b, ",\"body\":");
		sim_buf_json_str(b, r->body, r->body_len);
		sim_buf_puts(b, ",\"response_id\":");
		sim_buf_json_str_or_null(b, r->response_id);
		sim_buf_puts(b, "}");
		n++;
	}
	pthread_mutex_unlock(&rec_lock);
	sim_buf_puts(b, "]");
	json_reply(res, 200);
}

static void
control_stats(SimResult *res)
{
	SimBuf	*b = &res->body;
	bool	 first = true;
	uint64_t recorded;

	pthread_mutex_lock(&rec_lock);
	recorded = last_seq;
	pthread_mutex_unlock(&rec_lock);

	sim_buf_init(b, 1024);
	sim_buf_printf(b, "{\"total\":%llu,\"by_provider\":{\"sendgrid\":%llu,\"twilio\":%llu},"
					  "\"by_status\":{",
				   (unsigned long long) atomic_load(&st_total),
				   (unsigned long long) atomic_load(&st_provider[SIM_SENDGRID]),
				   (unsigned long long) atomic_load(&st_provider[SIM_TWILIO]));
	for (int i = 1; i < SIM_MAX_STATUS; i++)
	{
		uint64_t v = atomic_load(&st_status[i]);

		if (v == 0)
			continue;
		sim_buf_printf(b, "%s\"%d\":%llu", first ? "" : ",", i, (unsigned long long) v);
		first = false;
	}
	sim_buf_printf(b, "},\"dropped\":%llu,\"stalled\":%llu,\"delayed\":%llu,"
					  "\"in_flight\":%lld,\"recorded\":%llu,\"record_max\":%zu,"
					  "\"control\":%llu}",
				   (unsigned long long) atomic_load(&st_dropped),
				   (unsigned long long) atomic_load(&st_stalled),
				   (unsigned long long) atomic_load(&st_delayed),
				   (long long) atomic_load(&st_in_flight),
				   (unsigned long long) recorded, ring_size,
				   (unsigned long long) atomic_load(&st_control));
	json_reply(res, 200);
}

static void
control_error(SimResult *res, int status, const char *msg)
{
	sim_buf_init(&res->body, 128);
	sim_buf_puts(&res->body, "{\"error\":");
	sim_buf_json_str_or_null(&res->body, msg);
	sim_buf_puts(&res->body, "}");
	json_reply(res, status);
}

void
sim_control_handle(SimReq *req, SimResult *res)
{
	const char *path = req->url + strlen("/_sim/");
	bool		is_get = strcmp(req->method, "GET") == 0;
	bool		is_post = strcmp(req->method, "POST") == 0;

	if (strcmp(path, "health") == 0 && is_get)
	{
		sim_buf_init(&res->body, 8);
		sim_buf_puts(&res->body, "ok");
		res->status = 200;
		res->content_type = "text/plain";
	}
	else if (strcmp(path, "requests") == 0 && is_get)
		control_requests(req, res);
	else if (strcmp(path, "stats") == 0 && is_get)
		control_stats(res);
	else if (strcmp(path, "reset") == 0 && is_post)
	{
		sim_faults_reset();
		sim_content_reset();
		record_reset();
		stats_reset();
		sim_buf_init(&res->body, 32);
		sim_buf_puts(&res->body, "{\"reset\":true}");
		json_reply(res, 200);
	}
	else if (strcmp(path, "inbound") == 0 && is_post)
		sim_content_inbound(req, res);
	else if (strcmp(path, "content") == 0 && is_post)
		sim_content_define(req, res);
	else if (strcmp(path, "faults") == 0 && is_get)
	{
		sim_buf_init(&res->body, 1024);
		sim_faults_describe(&res->body);
		json_reply(res, 200);
	}
	else if (strcmp(path, "faults") == 0 && is_post)
	{
		SimBuf err;

		sim_buf_init(&err, 128);
		if (sim_faults_configure(req->body ? req->body : "", req->body_len, &err))
		{
			sim_buf_init(&res->body, 1024);
			sim_faults_describe(&res->body);
			json_reply(res, 200);
		}
		else
			control_error(res, 400, err.data);
		sim_buf_free(&err);
	}
	else if (strcmp(path, "health") == 0 || strcmp(path, "requests") == 0 ||
			 strcmp(path, "stats") == 0 || strcmp(path, "reset") == 0 ||
			 strcmp(path, "faults") == 0)
		control_error(res, 405, "method not allowed");
	else
		control_error(res, 404, "unknown control endpoint");
}
