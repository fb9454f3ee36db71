/*-------------------------------------------------------------------------
 *
 * sim_main.c
 *	  flowcomm-sim entry point: command line, libmicrohttpd daemon (epoll,
 *	  internal thread pool, suspend/resume), request dispatch to the
 *	  simulated providers and the control API, fault application, response
 *	  queueing and clean shutdown on SIGTERM/SIGINT.
 *
 * Usage: flowcomm-sim [--bind 127.0.0.1] [--port N] [--port-file PATH]
 *		  [--threads N] [--record-max N] [--delay-ms N]
 *		  [--sendgrid-key KEY ...] [--twilio-account SID:TOKEN ...] [--quiet]
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>

#include "sim.h"

#define ROUTE_NOT_FOUND 0
#define ROUTE_CONTROL	1
#define ROUTE_SENDGRID	2 /* anything under /v3/ */
#define ROUTE_TWILIO	3 /* anything under /2010-04-01/ */
#define ROUTE_CONTENT	4 /* Twilio Content API, under /v1/Content */

#define CONTROL_MAX_BODY (1024 * 1024)

_Atomic int sim_shutting_down = 0;

static bool quiet = false;

const char *
sim_header(SimReq *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static void
classify(SimReq *req)
{
	const char *url = req->url;

	if (strncmp(url, "/_sim/", 6) == 0)
	{
		req->route = ROUTE_CONTROL;
		req->provider = SIM_PROVIDER_NONE;
	}
	else if (strncmp(url, "/v3/", 4) == 0)
	{
		req->route = ROUTE_SENDGRID;
		req->provider = SIM_SENDGRID;
	}
	else if (strncmp(url, "/2010-04-01/", 12) == 0)
	{
		req->route = ROUTE_TWILIO;
		req->provider = SIM_TWILIO;
	}
	else if (strncmp(url, "/v1/Content/", 12) == 0)
	{
		req->route = ROUTE_CONTENT;
		req->provider = SIM_TWILIO;
	}
	else
	{
		req->route = ROUTE_NOT_FOUND;
		req->provider = SIM_PROVIDER_NONE;
	}
}

/* is this a "send" request, subject to fault injection? */
static bool
is_send(const SimReq *req)
{
	size_t n;

	if (strcmp(req->method, "POST") != 0)
		return false;
	if (req->route == ROUTE_SENDGRID)
		return strcmp(req->url, "/v3/mail/send") == 0;
	if (req->route == ROUTE_TWILIO)
	{
		n = strlen(req->url);
		return n > 14 && strcmp(req->url + n - 14, "/Messages.json") == 0;
	}
	return false;
}

static void
append_body(SimReq *req, const char *data, size_t n)
{
	if (req->body_too_large)
		return;
	if (req->body_len + n > req->max_body)
	{
		req->body_too_large = true;
		free(req->body);
		req->body = NULL;
		req->body_len = req->body_cap = 0;
		return;
	}
	if (req->body_len + n + 1 > req->body_cap)
	{
		size_t cap = req->body_cap ? req->body_cap : 1024;

		while (cap < req->body_len + n + 1)
			cap *= 2;
		req->body = realloc(req->body, cap);
		if (req->body == NULL)
			abort();
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, n);
	req->body_len += n;
	req->body[req->body_len] = '\0';
}

static void
route_request(SimReq *req, SimResult *res)
{
	switch (req->route)
	{
		case ROUTE_CONTROL:
			sim_control_handle(req, res);
			break;
		case ROUTE_SENDGRID:
			if (strcmp(req->url, "/v3/mail/send") != 0)
				sim_sendgrid_error(res, 404, "resource not found", NULL, NULL);
			else if (strcmp(req->method, "POST") != 0)
				sim_sendgrid_error(res, 405, "method not allowed", NULL, NULL);
			else
				sim_sendgrid_send(req, res);
			break;
		case ROUTE_TWILIO:
			sim_twilio_handle(req, res);
			break;
		case ROUTE_CONTENT:
			sim_content_handle(req, res);
			break;
		default:
			sim_buf_init(&res->body, 64);
			sim_buf_puts(&res->body, "{\"error\":\"not found\"}");
			res->status = 404;
			res->content_type = "application/json";
			break;
	}
}

static struct MHD_Response *
build_response(SimResult *res)
{
	struct MHD_Response *r;
	char				 num[16];

	if (res->body.data != NULL && res->body.len > 0)
	{
		r = MHD_create_response_from_buffer(res->body.len, res->body.data,
											MHD_RESPMEM_MUST_FREE);
		if (r != NULL)
			res->body.data = NULL; /* now owned by the response */
	}
	else
		r = MHD_create_response_from_buffer(0, (void *) "", MHD_RESPMEM_PERSISTENT);
	sim_buf_free(&res->body);
	if (r == NULL)
		return NULL;
	if (res->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
	if (res->message_id_header)
		MHD_add_response_header(r, "X-Message-Id", res->response_id);
	if (res->retry_after > 0)
	{
		snprintf(num, sizeof(num), "%d", res->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	return r;
}

/* hold the answer (or the drop) until the timer thread resumes us */
static enum MHD_Result
suspend_for(SimReq *req, int delay_ms)
{
	req->suspended = true;
	MHD_suspend_connection(req->conn);
	sim_timer_add(req->conn, sim_now_monotonic_us() + (int64_t) delay_ms * 1000);
	return MHD_YES;
}

static enum MHD_Result
process(SimReq *req)
{
	SimResult			 res;
	SimFaultDecision	 d;
	struct MHD_Response *resp;
	enum MHD_Result		 ret;

	memset(&res, 0, sizeof(res));
	memset(&d, 0, sizeof(d));
	if (req->provider >= 0 && is_send(req))
		sim_faults_decide(req->provider, &d);
	if (atomic_load_explicit(&sim_shutting_down, memory_order_relaxed))
		d.delay_ms = 0;

	if (d.action == SIM_FAULT_DROP)
	{
		sim_record(req, 0, NULL);
		sim_stats_count(req->provider, 0, true, d.stalled, d.delay_ms > 0);
		if (d.delay_ms > 0)
		{
			req->pending_drop = true;
			return suspend_for(req, d.delay_ms);
		}
		return MHD_NO;
	}
	if (d.action == SIM_FAULT_ERROR)
		sim_faults_answer(req->provider, &d, &res);
	else
		route_request(req, &res);

	if (req->provider >= 0)
	{
		sim_record(req, res.status, res.status < 300 ? res.response_id : NULL);
		sim_stats_count(req->provider, res.status, false, d.stalled, d.delay_ms > 0);
	}
	else
		sim_stats_count(SIM_PROVIDER_NONE, res.status, false, false, false);

	resp = build_response(&res);
	if (resp == NULL)
		return MHD_NO;
	if (d.delay_ms > 0)
	{
		req->pending = resp;
		req->pending_status = (unsigned int) res.status;
		return suspend_for(req, d.delay_ms);
	}
	ret = MHD_queue_response(req->conn, (unsigned int) res.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url,
			   const char *method, const char *version, const char *upload_data,
			   size_t *upload_data_size, void **con_cls)
{
	SimReq *req = *con_cls;

	(void) cls;
	(void) version;
	if (req == NULL)
	{
		const char *cl;

		req = calloc(1, sizeof(SimReq));
		if (req == NULL)
			return MHD_NO;
		req->conn = conn;
		req->url = url;
		req->method = method;
		req->ts_us = sim_now_realtime_us();
		classify(req);
		if (req->provider >= 0)
		{
			req->max_body = sim_faults_max_body(req->provider);
			req->in_flight = true;
			sim_stats_in_flight(1);
		}
		else
			req->max_body = CONTROL_MAX_BODY;
		/* size the buffer once when the length is announced */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
										 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL)
		{
			unsigned long long n = strtoull(cl, NULL, 10);

			if (n > 0 && n <= req->max_body && n < 64 * 1024 * 1024)
			{
				req->body = malloc((size_t) n + 1);
				if (req->body != NULL)
				{
					req->body_cap = (size_t) n + 1;
					req->body[0] = '\0';
				}
			}
		}
		*con_cls = req;
		return MHD_YES;
	}

	if (req->suspended)
	{
		/* resumed by the timer thread */
		enum MHD_Result ret;

		req->suspended = false;
		if (req->pending_drop || req->pending == NULL)
			return MHD_NO;
		ret = MHD_queue_response(conn, req->pending_status, req->pending);
		MHD_destroy_response(req->pending);
		req->pending = NULL;
		return ret;
	}

	if (*upload_data_size != 0)
	{
		append_body(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return process(req);
}

static void
request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
				  enum MHD_RequestTerminationCode toe)
{
	SimReq *req = *con_cls;

	(void) cls;
	(void) conn;
	(void) toe;
	if (req == NULL)
		return;
	if (req->in_flight)
		sim_stats_in_flight(-1);
	if (req->pending != NULL)
		MHD_destroy_response(req->pending);
	free(req->body);
	free(req);
	*con_cls = NULL;
}

static void
usage(FILE *f)
{
	fprintf(f,
			"Usage: flowcomm-sim [options]\n"
			"  --bind ADDR              listen address, must be in 127.0.0.0/8 (default 127.0.0.1)\n"
			"  --port N                 port, 0 picks a free one (default 0)\n"
			"  --port-file PATH         write the chosen port to PATH\n"
			"  --threads N              worker threads (default: number of CPUs)\n"
			"  --record-max N           recorded requests kept (default 100000)\n"
			"  --delay-ms N             delay every provider answer by N ms (default 0)\n"
			"  --sendgrid-key KEY       accept only these Sendgrid keys (repeatable;\n"
			"                           default: any key starting with SG.)\n"
			"  --twilio-account SID:TOKEN  accept only these Twilio credentials (repeatable;\n"
			"                           default: any AC+32 hex SID, any token but wrong-token)\n"
			"  --quiet                  no libmicrohttpd error log\n");
}

static bool
parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long  v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool
write_port_file(const char *path, unsigned int port)
{
	char  tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int) getpid());
	f = fopen(tmp, "w");
	if (f == NULL)
		return false;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		return false;
	return rename(tmp, path) == 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"bind", required_argument, NULL, 'b'},
		{"port", required_argument, NULL, 'p'},
		{"port-file", required_argument, NULL, 'f'},
		{"threads", required_argument, NULL, 't'},
		{"record-max", required_argument, NULL, 'r'},
		{"delay-ms", required_argument, NULL, 'd'},
		{"sendgrid-key", required_argument, NULL, 's'},
		{"twilio-account", required_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char				   *bind_addr = "127.0.0.1";
	const char				   *port_file = NULL;
	long						port = 0;
	long						threads = sysconf(_SC_NPROCESSORS_ONLN);
	long						record_max = 100000;
	long						delay_ms = 0;
	struct sockaddr_in			sa;
	struct MHD_Daemon		   *daemon;
	const union MHD_DaemonInfo *info;
	unsigned int				bound_port;
	unsigned int				flags;
	struct rlimit				rl;
	sigset_t					sigs;
	int							sig;
	int							c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
	{
		switch (c)
		{
			case 'b':
				bind_addr = optarg;
				break;
			case 'p':
				if (!parse_int(optarg, 0, 65535, &port))
				{
					fprintf(stderr, "flowcomm-sim: invalid --port %s\n", optarg);
					return 2;
				}
				break;
			case 'f':
				port_file = optarg;
				break;
			case 't':
				if (!parse_int(optarg, 1, 256, &threads))
				{
					fprintf(stderr, "flowcomm-sim: invalid --threads %s\n", optarg);
					return 2;
				}
				break;
			case 'r':
				if (!parse_int(optarg, 0, 100000000, &record_max))
				{
					fprintf(stderr, "flowcomm-sim: invalid --record-max %s\n", optarg);
					return 2;
				}
				break;
			case 'd':
				if (!parse_int(optarg, 0, 3600000, &delay_ms))
				{
					fprintf(stderr, "flowcomm-sim: invalid --delay-ms %s\n", optarg);
					return 2;
				}
				break;
			case 's':
				sim_creds_add_sendgrid(optarg);
				break;
			case 'a':
				if (!sim_creds_add_twilio(optarg))
				{
					fprintf(stderr, "flowcomm-sim: --twilio-account wants AC<32 hex>:TOKEN\n");
					return 2;
				}
				break;
			case 'q':
				quiet = true;
				break;
			case 'h':
				usage(stdout);
				return 0;
			default:
				usage(stderr);
				return 2;
		}
	}
	if (optind < argc)
	{
		usage(stderr);
		return 2;
	}
	if (threads < 1)
		threads = 1;

	/* loopback only: this program must never face a real network */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t) port);
	if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1 ||
		(ntohl(sa.sin_addr.s_addr) >> 24) != 127)
	{
		fprintf(stderr, "flowcomm-sim: refusing to bind %s: only 127.0.0.0/8 is allowed\n",
				bind_addr);
		return 2;
	}

	/* thousands of concurrent connections need descriptors */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
	{
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* signals are taken synchronously by the main thread only */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	sim_ids_init();
	sim_faults_init((int) delay_ms);
	if (!sim_record_init((size_t) record_max))
	{
		fprintf(stderr, "flowcomm-sim: out of memory for %ld records\n", record_max);
		return 1;
	}
	if (!sim_timer_start())
	{
		fprintf(stderr, "flowcomm-sim: cannot start timer thread\n");
		return 1;
	}

	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
	if (!quiet)
		flags |= MHD_USE_ERROR_LOG;
	daemon = MHD_start_daemon(flags, (uint16_t) port, NULL, NULL,
							  access_handler, NULL,
							  MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sa,
							  MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) threads,
							  MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 60000,
							  MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int) 4096,
							  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 600,
							  /* MHD clears the whole per-connection pool between requests: keep it small */
							  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 8192,
							  MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
							  MHD_OPTION_END);
	if (daemon == NULL)
	{
		fprintf(stderr, "flowcomm-sim: cannot listen on %s:%ld\n", bind_addr, port);
		sim_timer_stop();
		return 1;
	}
	info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	bound_port = info ? info->port : (unsigned int) port;
	if (port_file != NULL && !write_port_file(port_file, bound_port))
	{
		fprintf(stderr, "flowcomm-sim: cannot write %s: %s\n", port_file, strerror(errno));
		MHD_stop_daemon(daemon);
		sim_timer_stop();
		return 1;
	}
	printf("flowcomm-sim listening on %s:%u\n", bind_addr, bound_port);
	fflush(stdout);

	do
	{
		if (sigwait(&sigs, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGINT && sig != SIGTERM);

	/* answer (immediately) whatever is waiting, then stop */
	atomic_store(&sim_shutting_down, 1);
	{
		MHD_socket ls = MHD_quiesce_daemon(daemon);

		if (ls != MHD_INVALID_SOCKET)
			close(ls);
	}
	sim_timer_stop();
	/* let the resumed (previously delayed) requests get their answers */
	for (int i = 0; i < 200 && sim_stats_get_in_flight() > 0; i++)
		usleep(10000);
	MHD_stop_daemon(daemon);
	sim_record_shutdown();
	if (!quiet)
		fprintf(stderr, "flowcomm-sim: stopped\n");
	return 0;
}
