/*-------------------------------------------------------------------------
 *
 * flowcomm.h
 *	  Declarations shared across flowcomm's C modules.
 *
 * The delivery engine is split by concern (pgvector style): flowcomm.c
 * (settings, hooks), shmem.c (shared state), launcher.c and worker.c
 * (processes), claim.c and worker_results.c (queue SQL), http_multi.c (libcurl),
 * provider_*.c (request shapes and error classes), ratelimit.c, wakeup.c,
 * stats.c, sms_segments.c and http_encode.c (escapers).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWCOMM_H
#define FLOWCOMM_H

#include "lib/ilist.h"
#include "lib/stringinfo.h"
#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

/* uuid.c */
extern void flowcomm_fill_uuid_v7(pg_uuid_t *out);

/* ------------------------------------------------------------ settings */

typedef enum FcUncertainPolicy
{
	FC_UNCERTAIN_RETRY,
	FC_UNCERTAIN_HOLD
} FcUncertainPolicy;

extern char *fc_databases;
extern int	 fc_workers_per_database;
extern int	 fc_batch_size;
extern int	 fc_max_in_flight;
extern int	 fc_poll_interval_ms;
extern int	 fc_request_timeout_ms;
extern int	 fc_max_connections_per_host;
extern bool	 fc_worker_synchronous_commit;
#define FC_MAX_CONNECTIONS_PER_HOST_LIMIT 1024
extern int	 fc_lease_seconds;
extern char *fc_retry_schedule;
extern int	 fc_uncertain_policy;
extern bool	 fc_rate_limit_enabled;
extern char *fc_sendgrid_base_url;
extern char *fc_twilio_base_url;
extern char *fc_status_callback_url;

/* Parsed retry schedule (seconds); refreshed by fc_parse_retry_schedule. */
extern int fc_retry_delay_seconds(int attempt);

/* ------------------------------------------------------------ channels */

typedef enum FcChannel
{
	FC_CH_EMAIL,
	FC_CH_SMS,
	FC_CH_WHATSAPP,
	FC_CH_MESSENGER,
	FC_NUM_CHANNELS
} FcChannel;

typedef enum FcProvider
{
	FC_PROV_SENDGRID,
	FC_PROV_TWILIO,
	FC_NUM_PROVIDERS
} FcProvider;

extern const char *const fc_channel_names[FC_NUM_CHANNELS];
extern const char *const fc_provider_names[FC_NUM_PROVIDERS];
extern FcChannel		 fc_channel_from_name(const char *name);

/* ------------------------------------------------------------ shared memory */

#define FC_MAX_WORKERS	   64
#define FC_MAX_BUCKETS	   4096
#define FC_LATENCY_BUCKETS 12
#define FC_LAST_ERROR_LEN  256

typedef enum FcWorkerState
{
	FC_WS_STARTING,
	FC_WS_IDLE,
	FC_WS_WORKING,
	FC_WS_NO_EXTENSION,
	FC_WS_STOPPING,
	FC_WS_BACKOFF /* database work paused after a failed step */
} FcWorkerState;

/* One database worker as seen by the launcher, wake_workers and worker_status. */
typedef struct FcWorkerSlot
{
	bool			 in_use; /* a worker process owns the slot */
	Oid				 dboid;
	char			 dbname[NAMEDATALEN];
	int				 pid;
	Latch			*latch;		   /* the worker's procLatch, for wake at commit */
	pg_atomic_uint32 http_waiting; /* in curl_multi_poll: wake its socket too */
	int				 state;		   /* FcWorkerState */
	int				 in_flight;
	pg_atomic_uint64 sent;
	pg_atomic_uint64 failed;
	pg_atomic_uint64 retried;
	TimestampTz		 last_loop_at;
	char			 last_error[FC_LAST_ERROR_LEN];
} FcWorkerSlot;

/*
 * One business's use of a shared bucket: its fair-share clock and whether it
 * was refused a token while under its share (it then gets the next one).
 */
#define FC_BUCKET_SHARES 8
typedef struct FcShare
{
	pg_uuid_t	business;
	TimestampTz next_slot;	/* when it is within its share again */
	TimestampTz starved_at; /* refused while within its share; 0 once served */
	TimestampTz last_seen;	/* 0: free entry */
} FcShare;

/* A token bucket of one provider account (business or default) and channel. */
typedef struct FcBucket
{
	bool		used;
	Oid			dboid;
	pg_uuid_t	account; /* business id, or all zero for the default account */
	int			channel;
	double		rate; /* tokens per second */
	double		burst;
	double		tokens;
	TimestampTz refilled_at;
	TimestampTz paused_until; /* 429 Retry-After */
	TimestampTz next_slot;	  /* next send time promised to a handed-back job */
	TimestampTz last_used;
	uint64		throttled_429;			  /* 429 answers that paused it (monitoring.c) */
	FcShare		shares[FC_BUCKET_SHARES]; /* businesses sharing the account */
} FcBucket;

/* Cheap cumulative counters per provider and channel (Prometheus later). */
typedef struct FcCounters
{
	pg_atomic_uint64 sent;
	pg_atomic_uint64 failed;
	pg_atomic_uint64 retried;
	pg_atomic_uint64 throttled; /* HTTP 429 answers */
	pg_atomic_uint64 dead;		/* dead-lettered (also counted in failed) */
	pg_atomic_uint64 latency_count;
	pg_atomic_uint64 latency_sum_us;
	pg_atomic_uint64 latency_hist[FC_LATENCY_BUCKETS];
} FcCounters;

/* Provider webhooks seen by the SQL entry points (monitoring.c). */
typedef enum FcWebhookOutcome
{
	FC_WH_RECEIVED,
	FC_WH_REJECTED_SIGNATURE, /* missing or forged signature */
	FC_WH_REJECTED_STALE,	  /* signed timestamp outside webhook_max_age */
	FC_WH_APPLIED,			  /* an event recorded on its message */
	FC_WH_DEFERRED,			  /* parked in provider_event_pending */
	FC_NUM_WEBHOOK_OUTCOMES
} FcWebhookOutcome;

typedef struct FcShared
{
	LWLock			*lock;		  /* worker slots */
	LWLock			*bucket_lock; /* rate buckets */
	FcWorkerSlot	 workers[FC_MAX_WORKERS];
	FcCounters		 counters[FC_NUM_PROVIDERS][FC_NUM_CHANNELS];
	FcBucket		 buckets[FC_MAX_BUCKETS];
	pg_atomic_uint64 webhooks[FC_NUM_PROVIDERS][FC_NUM_WEBHOOK_OUTCOMES];
} FcShared;

extern FcShared *fc_shared;
extern const int fc_latency_bounds_ms[FC_LATENCY_BUCKETS];

extern void fc_shmem_request(void);
extern void fc_shmem_startup(void);
extern void fc_record_latency(FcProvider prov, FcChannel ch, int64 usec);
extern void fc_worker_set_error(int slot, const char *msg);
extern void fc_webhook_note(FcProvider prov, FcWebhookOutcome outcome);

/* ------------------------------------------------------------ processes */

extern PGDLLEXPORT void flowcomm_launcher_main(Datum main_arg);
extern PGDLLEXPORT void flowcomm_worker_main(Datum main_arg);
extern void				fc_register_launcher(void);

/* ------------------------------------------------------------ jobs */

typedef struct FcAttachment
{
	char *filename;
	char *mime_type;
	char *file_url;
	char *content_b64; /* NULL when the attachment is a URL only */
} FcAttachment;

/* Sender identity and credentials of the account a message leaves through. */
typedef struct FcAccount
{
	bool   is_default; /* default_provider_account */
	char  *sendgrid_api_key;
	char  *from_email;
	char  *from_name;
	char  *twilio_account_sid;
	char  *twilio_auth_token;
	char  *sms_from;
	char  *whatsapp_from;
	char  *messenger_page_id;
	char  *messaging_service_sid;
	double rate; /* from rate_limits, or 0 for the channel default */
	double burst;
} FcAccount;

typedef enum FcOutcome
{
	FC_OUT_SENT,
	FC_OUT_RETRY,
	FC_OUT_DEAD,
	FC_OUT_FAILED,
	FC_OUT_CANCELLED,
	FC_OUT_HANDBACK, /* throttled before sending: not an attempt */
	FC_OUT_UNCERTAIN /* abandoned in flight at shutdown */
} FcOutcome;

/* provider requests and response classification */
typedef struct FcRequest
{
	char		  *url;
	StringInfoData body;
	char		  *content_type;
	char		  *bearer;	   /* Authorization: Bearer (Sendgrid) */
	char		  *basic_user; /* HTTP Basic (Twilio) */
	char		  *basic_password;
} FcRequest;

/* A claimed message, from claim to result; lives in its own memory context. */
typedef struct FcJob
{
	MemoryContext cxt;
	pg_uuid_t	  business_id;
	pg_uuid_t	  queue_id;
	pg_uuid_t	  communication_id;
	char		 *business_id_str;
	char		 *communication_id_str;
	FcChannel	  channel;
	FcProvider	  provider;
	int			  attempt; /* attempts after this claim */
	int			  max_attempts;
	bool		  cancelled; /* communication no longer sendable */
	char		 *contact;
	char		 *recipient_name;
	char		 *subject;
	char		 *content;
	char		 *content_text;
	bool		  track_opens;
	bool		  track_clicks;
	int			  n_attachments;
	FcAttachment *attachments;
	FcAccount	  account;

	/* request / response (http_multi.c) */
	dlist_node	   node;	/* in the in-flight list */
	void		  *easy;	/* CURL * */
	void		  *headers; /* struct curl_slist * */
	FcRequest	   req;
	TimestampTz	   started_at;
	long		   http_status;
	StringInfoData response;
	char		  *header_message_id; /* Sendgrid X-Message-Id */
	int			   retry_after;		  /* seconds, -1 if absent */
	int			   curl_code;
	char		  *curl_error;
	int			   socket_errno; /* errno of a failed socket(), 0 if none */

	/* result */
	FcOutcome	outcome;
	char	   *provider_message_id;
	char	   *provider_response; /* JSON text */
	int			segments;
	const char *encoding;
	char	   *error_code;
	char	   *error_message;
	double		delay_seconds;	 /* until the next try */
	bool		suppress;		 /* add a suppression of the contact */
	const char *suppress_reason; /* its suppression.reason */
	char	   *error_info;		 /* JSON object: class, reason, provider code/message */

	/* email only: extra headers as a JSON object (unsubscribe.c), or NULL */
	char *email_headers;

	/* WhatsApp/Messenger form chosen at send time (content_api.c) */
	int	  send_form;		 /* FcSendForm */
	char *content_sid;		 /* FC_FORM_TEMPLATE: ContentSid */
	char *content_variables; /* FC_FORM_TEMPLATE: ContentVariables JSON */
	char *form_error_code;	 /* FC_FORM_NONE: why it is not sent */
	char *form_error_message;
} FcJob;

/* How a WhatsApp/Messenger message goes out (flowcomm.send_form). */
typedef enum FcSendForm
{
	FC_FORM_FREEFORM, /* Body: inside the 24-hour window (and SMS, email) */
	FC_FORM_TEMPLATE, /* ContentSid + ContentVariables, no Body */
	FC_FORM_NONE	  /* not sent: no window and no approved template */
} FcSendForm;

/* claim.c */
extern int	  fc_claim_jobs(int worker_id, int limit, MemoryContext parent,
							FcJob ***jobs_out);
extern int	  fc_recover_expired(int worker_id, bool own_rows_only);
extern double fc_seconds_until_next_due(void);
extern bool	  fc_extension_present(void);

/* worker_results.c */
extern void fc_results_flush(int worker_id, FcJob **jobs, int n);

/* http_multi.c */
typedef struct FcHttp FcHttp;
extern FcHttp		 *fc_http_create(void);
extern void			  fc_http_destroy(FcHttp *http);
extern bool			  fc_http_start(FcHttp *http, FcJob *job);
extern int			  fc_http_run(FcHttp *http, long timeout_ms, FcJob **done, int max_done, int wake_fd,
								  bool *woken);
extern int			  fc_http_in_flight(FcHttp *http);
extern int			  fc_http_room(FcHttp *http);
extern int			  fc_http_capacity(FcHttp *http);
extern int			  fc_http_abandon_all(FcHttp *http, FcJob **out, int max_out);

extern bool fc_sendgrid_build(FcJob *job, FcRequest *req);
extern void fc_sendgrid_result(FcJob *job);
extern bool fc_twilio_build(FcJob *job, FcRequest *req);
extern void fc_twilio_result(FcJob *job);
extern void fc_classify_transport(FcJob *job);
extern void fc_set_retry_or_dead(FcJob *job, const char *code, const char *msg);
extern void fc_set_failed(FcJob *job, const char *code, const char *msg);
extern void fc_classify_http_error(FcJob *job, const char *provider_code, const char *provider_message,
								   const char *errors_json);

/* provider_errors.c: the provider error catalogue */
typedef enum FcErrorClass
{
	FC_EC_RETRY,	 /* worth sending again (with backoff) */
	FC_EC_PERMANENT, /* would fail the same way: the message fails */
	FC_EC_SUPPRESS	 /* fails, and the contact is suppressed on the channel */
} FcErrorClass;

typedef struct FcProviderError
{
	FcProvider	 provider;
	const char	*code;		  /* Twilio code, Sendgrid "http_NNN", or "5xx" / "other" */
	int			 http_status; /* the status it usually comes with */
	FcErrorClass cls;
	const char	*title;
	const char	*reason;			 /* plain language: what it means and what happens */
	const char	*suppression_reason; /* suppression.reason when cls is SUPPRESS */
	const char	*reference;
} FcProviderError;

extern const FcProviderError *fc_provider_error_find(FcProvider provider, const char *code, long http_status);
extern const char			 *fc_error_class_name(FcErrorClass cls);
extern void					  fc_sendgrid_errors(const char *body, char **text, char **json);

/* sms_segments.c */
#define FC_SMS_MAX_CHARS 1600
extern char *fc_sms_truncate(const char *text, int max_chars);
extern void	 fc_sms_segments(const char *text, int *segments, const char **encoding);

/* http_encode.c */
extern void	 fc_json_escape(StringInfo buf, const char *s);
extern void	 fc_form_append(StringInfo buf, const char *key, const char *value);
extern char *fc_html_to_text(const char *html);

/* template_sql.c: the flowcomm.template_max_* limits (defined by _PG_init) */
#define TPL_SQL_DEFAULT_MAX_STEPS 2000000
extern void	 tpl_define_gucs(void);
extern char *fc_mask_secrets(const char *msg, const FcAccount *acct);
extern char *fc_json_find_string(const char *json, const char *key);
extern int	 fc_json_find_int(const char *json, const char *key, int dflt);
extern bool	 fc_json_valid(const char *json);

/* ratelimit.c */
extern bool fc_ratelimit_take(const FcJob *job, double *wait_seconds);
extern void fc_ratelimit_pause(const FcJob *job, int seconds);
extern int	fc_ratelimit_claim_rooms(int limit, pg_uuid_t **businesses, int **rooms);

/*
 * fc_start_xact starts a worker transaction.  A background worker must set
 * the statement start time itself, or now() stays at its start time.
 */
#define fc_start_xact()                      \
	do                                       \
	{                                        \
		SetCurrentStatementStartTimestamp(); \
		StartTransactionCommand();           \
	} while (0)

/* wakeup.c */
extern void fc_wakeup_init(void);
extern int	fc_wake_socket_open(int slot);
extern bool fc_wake_socket_drain(int fd);

/* automation.c */
extern int	 fc_automation_interval_s;
extern char *fc_overdue_source;
extern void	 flowcomm_automation_guc_init(void);
extern bool	 fc_automation_due(TimestampTz now, TimestampTz *last_run);
extern void	 fc_automation_run(void);

/* content_api.c: 24-hour windows and Twilio Content templates */
extern char *fc_twilio_content_base_url;
extern void	 flowcomm_content_guc_init(void);
extern void	 fc_send_forms(FcJob **jobs, int n);
extern void	 fc_content_refresh(void);
/* unsubscribe.c */
extern char *fc_unsubscribe_base_url;
extern void	 fc_unsubscribe_guc_init(void);
extern void	 fc_unsubscribe_load(FcJob **jobs, int n);

#endif /* FLOWCOMM_H */
