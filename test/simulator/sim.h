/*-------------------------------------------------------------------------
 *
 * sim.h
 *	  Shared declarations of flowcomm-sim, the local Sendgrid/Twilio
 *	  provider simulator used by flowcomm's tests and benchmarks.
 *
 * The simulator is a libmicrohttpd server bound to 127.0.0.0/8 only.  Each
 * source file owns one responsibility:
 *
 *	sim_main.c		CLI, daemon set-up, request dispatch, response queueing
 *	sim_sendgrid.c	POST /v3/mail/send
 *	sim_twilio.c	POST/GET /2010-04-01/Accounts/{Sid}/Messages...
 *	sim_content.c	24-hour windows, GET /v1/Content/{Sid}/ApprovalRequests
 *	sim_control.c	/_sim/ control API, request recording ring, counters
 *	sim_faults.c	fault injection configuration and decisions
 *	sim_timer.c		timer thread resuming suspended (delayed) connections
 *	sim_json.c		small JSON parser and string buffer helpers
 *	sim_util.c		ids, base64, clocks, credentials
 *
 *-------------------------------------------------------------------------
 */
#ifndef SIM_H
#define SIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;

/* Providers (also the index of per-provider counters and fault configs) */
#define SIM_SENDGRID		0
#define SIM_TWILIO			1
#define SIM_NPROVIDERS		2
#define SIM_PROVIDER_NONE	(-1)

#define SIM_DEFAULT_MAX_BODY	(30L * 1024 * 1024)
#define SIM_MAX_STATUS		600

/* ---------------- sim_json.c ---------------- */

typedef enum SimJsonType
{
	SJ_NULL,
	SJ_BOOL,
	SJ_NUM,
	SJ_STR,
	SJ_ARR,
	SJ_OBJ
} SimJsonType;

typedef struct SimJson
{
	SimJsonType type;
	struct SimJson *next;		/* next sibling in the parent array/object */
	struct SimJson *child;		/* first element/member */
	const char *key;			/* member name when the parent is an object */
	size_t		keylen;
	const char *str;			/* decoded string value (NUL-terminated) */
	size_t		len;
	double		num;
	bool		is_int;			/* number had no fraction or exponent */
	bool		b;
	int			count;			/* number of children */
} SimJson;

typedef struct SimArenaBlock SimArenaBlock;

typedef struct SimArena
{
	SimArenaBlock *head;
} SimArena;

extern SimJson *sim_json_parse(const char *text, size_t len, SimArena *arena);
extern const SimJson *sim_json_get(const SimJson *obj, const char *key);
extern void sim_arena_free(SimArena *arena);

/* growable string buffer; data is always NUL-terminated */
typedef struct SimBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} SimBuf;

extern void sim_buf_init(SimBuf *b, size_t cap);
extern void sim_buf_reserve(SimBuf *b, size_t extra);
extern void sim_buf_append(SimBuf *b, const char *s, size_t n);
extern void sim_buf_puts(SimBuf *b, const char *s);
extern void sim_buf_printf(SimBuf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void sim_buf_json_str(SimBuf *b, const char *s, size_t n);
extern void sim_buf_json_str_or_null(SimBuf *b, const char *s);
extern void sim_buf_free(SimBuf *b);

/* ---------------- sim_util.c ---------------- */

extern int64_t sim_now_realtime_us(void);
extern int64_t sim_now_monotonic_us(void);
extern void sim_rfc2822(int64_t realtime_us, char *out, size_t outlen);
extern void sim_new_sendgrid_id(char out[23]);
extern void sim_new_twilio_sid(const char *prefix, char out[35]);
extern void sim_ids_init(void);
extern bool sim_base64_decode(const char *in, size_t inlen, char *out,
							  size_t *outlen);
extern bool sim_base64_valid(const char *in, size_t inlen);
extern bool sim_strcaseprefix(const char *s, const char *prefix);

/* credentials from the command line */
extern void sim_creds_add_sendgrid(const char *key);
extern bool sim_creds_add_twilio(const char *sid_token);
extern bool sim_creds_sendgrid_ok(const char *key);
extern bool sim_creds_twilio_ok(const char *sid, const char *token);
extern bool sim_is_account_sid(const char *s, size_t len);

/* ---------------- requests and results ---------------- */

/* one incoming HTTP request, from first callback to completion */
typedef struct SimReq
{
	struct MHD_Connection *conn;
	int			route;			/* SIM_ROUTE_* in sim_main.c */
	int			provider;		/* SIM_SENDGRID, SIM_TWILIO or NONE */
	const char *method;
	const char *url;
	int64_t		ts_us;			/* arrival, CLOCK_REALTIME */
	char	   *body;
	size_t		body_len;
	size_t		body_cap;
	size_t		max_body;
	bool		body_too_large;
	bool		in_flight;
	bool		suspended;
	struct MHD_Response *pending;	/* response held while delayed */
	unsigned int pending_status;
	bool		pending_drop;
} SimReq;

/* what a provider handler wants answered */
typedef struct SimResult
{
	int			status;
	SimBuf		body;			/* may be empty */
	const char *content_type;	/* NULL: no Content-Type */
	char		response_id[40];	/* X-Message-Id or SM sid, "" if none */
	int			retry_after;	/* > 0 adds Retry-After */
	bool		message_id_header;	/* add X-Message-Id: response_id */
} SimResult;

extern const char *sim_header(SimReq *req, const char *name);

/* ---------------- sim_sendgrid.c / sim_twilio.c ---------------- */

extern void sim_sendgrid_send(SimReq *req, SimResult *res);
extern void sim_sendgrid_error(SimResult *res, int status, const char *message,
							   const char *field, const char *help);
extern void sim_sendgrid_fault(SimResult *res, int status, int retry_after);

extern void sim_twilio_handle(SimReq *req, SimResult *res);
extern void sim_twilio_error(SimResult *res, int status, int code,
							 const char *message);
extern void sim_twilio_fault(SimResult *res, int status, int retry_after);
extern int	sim_twilio_segments(const char *body, size_t len, bool *ucs2);

/* fills account (35 bytes) with the Basic-auth user when the credentials are accepted */
extern bool sim_twilio_basic_auth(SimReq *req, char *account);

/* ---------------- sim_content.c ---------------- */

extern void sim_content_reset(void);
extern void sim_content_inbound(SimReq *req, SimResult *res);
extern void sim_content_define(SimReq *req, SimResult *res);
extern void sim_content_handle(SimReq *req, SimResult *res);
extern bool sim_content_refuse(const char *to, const char *from, bool has_body,
							   const char *content_sid, const char *content_variables,
							   SimResult *res);

/* ---------------- sim_faults.c ---------------- */

#define SIM_FAULT_NONE		0
#define SIM_FAULT_DROP		1
#define SIM_FAULT_ERROR		2	/* answer status/retry_after instead */

typedef struct SimFaultDecision
{
	int			action;
	int			status;
	int			retry_after;
	int			delay_ms;		/* delay before answering (stall or delay) */
	bool		stalled;
	int			code;			/* Twilio error code of a scripted error, 0: default */
	char		message[256];	/* its message ("": the provider's default) */
	char		field[128];		/* Sendgrid errors[].field */
} SimFaultDecision;

extern void sim_faults_init(int default_delay_ms);
extern void sim_faults_reset(void);
extern size_t sim_faults_max_body(int provider);
extern void sim_faults_decide(int provider, SimFaultDecision *d);
extern bool sim_faults_configure(const char *json, size_t len, SimBuf *err);
extern void sim_faults_describe(SimBuf *out);
extern void sim_faults_answer(int provider, const SimFaultDecision *d, SimResult *res);
extern bool sim_faults_recipient(int provider, const char *to, SimResult *res);

/* ---------------- sim_control.c ---------------- */

extern bool sim_record_init(size_t record_max);
extern void sim_record_shutdown(void);
extern void sim_record(SimReq *req, int status, const char *response_id);
extern void sim_stats_count(int provider, int status, bool dropped,
							bool stalled, bool delayed);
extern void sim_stats_in_flight(int delta);
extern int64_t sim_stats_get_in_flight(void);
extern void sim_control_handle(SimReq *req, SimResult *res);
/* find a recorded Twilio message; fills body/ts; returns false if absent */
extern bool sim_record_find_message(const char *sid, const char *account,
									SimBuf *form_body, int64_t *ts_us);

/* ---------------- sim_timer.c ---------------- */

extern bool sim_timer_start(void);
extern void sim_timer_stop(void);
extern void sim_timer_add(struct MHD_Connection *conn, int64_t wake_mono_us);

extern _Atomic int sim_shutting_down;	/* set once on SIGTERM/SIGINT */

#endif							/* SIM_H */
