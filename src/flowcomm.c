/*-------------------------------------------------------------------------
 *
 * flowcomm.c
 *	  Module entry point: settings, shared-memory hooks and the launcher.
 *
 * Everything the delivery engine can be tuned with is a flowcomm.* GUC
 * defined here.  The provider base URLs are PGC_SIGHUP (postgresql.conf or
 * ALTER SYSTEM only), so a tenant can never point a worker at an internal
 * address with SET.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "flowcomm.h"
#include "webhook.h"

PG_MODULE_MAGIC;

void _PG_init(void);

char *fc_databases = NULL;
int	  fc_workers_per_database = 1;
int	  fc_batch_size = 500;
int	  fc_max_in_flight = 1000;
int	  fc_poll_interval_ms = 1000;
int	  fc_request_timeout_ms = 30000;
int	  fc_max_connections_per_host = 256;
bool  fc_worker_synchronous_commit = true;
int	  fc_lease_seconds = 60;
char *fc_retry_schedule = NULL;
int	  fc_uncertain_policy = FC_UNCERTAIN_RETRY;
bool  fc_rate_limit_enabled = true;
char *fc_sendgrid_base_url = NULL;
char *fc_twilio_base_url = NULL;
char *fc_status_callback_url = NULL;

const char *const fc_channel_names[FC_NUM_CHANNELS] = {"email", "sms", "whatsapp", "messenger"};
const char *const fc_provider_names[FC_NUM_PROVIDERS] = {"sendgrid", "twilio"};

static const struct config_enum_entry uncertain_options[] = {
	{"retry", FC_UNCERTAIN_RETRY, false},
	{"hold", FC_UNCERTAIN_HOLD, false},
	{NULL, 0, false}};

/* Parsed flowcomm.retry_schedule, kept in step by the assign hook. */
#define FC_MAX_SCHEDULE 32
static int retry_delays[FC_MAX_SCHEDULE] = {60, 300, 900, 3600};
static int n_retry_delays = 4;

static bool parse_schedule(const char *s, int *out, int *n);
static bool check_retry_schedule(char **newval, void **extra, GucSource source);
static void assign_retry_schedule(const char *newval, void *extra);
static void define_worker_gucs(void);
static void define_provider_gucs(void);

/*
 * parse_schedule reads a comma list of positive second counts.
 */
static bool
parse_schedule(const char *s, int *out, int *n)
{
	const char *p = s;

	*n = 0;
	while (*p)
	{
		char *end;
		long  v;

		while (isspace((unsigned char) *p) || *p == ',')
			p++;
		if (*p == '\0')
			break;
		v = strtol(p, &end, 10);
		if (end == p || v <= 0 || v > 7 * 86400 || *n >= FC_MAX_SCHEDULE)
			return false;
		out[(*n)++] = (int) v;
		p = end;
	}
	return *n > 0;
}

static bool
check_retry_schedule(char **newval, void **extra, GucSource source)
{
	int tmp[FC_MAX_SCHEDULE];
	int n;

	if (*newval == NULL || !parse_schedule(*newval, tmp, &n))
	{
		GUC_check_errdetail("flowcomm.retry_schedule must be a comma-separated list of 1 to %d positive second counts.",
							FC_MAX_SCHEDULE);
		return false;
	}
	return true;
}

static void
assign_retry_schedule(const char *newval, void *extra)
{
	int tmp[FC_MAX_SCHEDULE];
	int n;

	if (newval && parse_schedule(newval, tmp, &n))
	{
		memcpy(retry_delays, tmp, sizeof(int) * n);
		n_retry_delays = n;
	}
}

/*
 * fc_retry_delay_seconds returns the base delay before the try that follows
 * failed attempt number attempt (1-based); the last entry repeats.
 */
int
fc_retry_delay_seconds(int attempt)
{
	int i = Max(attempt, 1) - 1;

	return retry_delays[Min(i, n_retry_delays - 1)];
}

/*
 * fc_channel_from_name maps the SQL enum label to FcChannel.
 */
FcChannel
fc_channel_from_name(const char *name)
{
	for (int i = 0; i < FC_NUM_CHANNELS; i++)
		if (strcmp(name, fc_channel_names[i]) == 0)
			return (FcChannel) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown flowcomm channel \"%s\"", name)));
	return FC_CH_EMAIL; /* keep compiler quiet */
}

static void
define_worker_gucs(void)
{
	DefineCustomStringVariable("flowcomm.databases",
							   "Comma-separated databases served by flowcomm delivery workers.",
							   NULL, &fc_databases, "postgres",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.workers_per_database",
							"Delivery workers started for each served database.",
							NULL, &fc_workers_per_database, 1, 0, 16,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.batch_size",
							"Most queue jobs a worker claims in one transaction.",
							NULL, &fc_batch_size, 500, 1, 10000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.max_in_flight",
							"Most provider requests one worker keeps in flight.",
							NULL, &fc_max_in_flight, 1000, 1, 10000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.poll_interval_ms",
							"Safety-net queue poll interval of an idle worker (commits wake workers at once).",
							NULL, &fc_poll_interval_ms, 1000, 10, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.request_timeout_ms",
							"Timeout of one provider request.",
							NULL, &fc_request_timeout_ms, 30000, 100, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.max_connections_per_host",
							"Keep-alive connections a worker opens to one provider host.",
							"Bounds the requests a worker has in flight; slow providers need many.",
							&fc_max_connections_per_host, 256, 1, FC_MAX_CONNECTIONS_PER_HOST_LIMIT,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("flowcomm.worker_synchronous_commit",
							 "Whether a worker's own commits (claims, results) wait for their WAL flush.",
							 "Off is an opt-in fast mode: messages are never lost (the sender's commit stays "
							 "synchronous), but a server crash can undo the last moments of claims and results, "
							 "so their messages are sent again.",
							 &fc_worker_synchronous_commit, true, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.lease_seconds",
							"Lease of a claimed job; an expired lease means its worker died.",
							NULL, &fc_lease_seconds, 60, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomStringVariable("flowcomm.retry_schedule",
							   "Retry delays in seconds after failed attempts 1, 2, ...; the last repeats.",
							   NULL, &fc_retry_schedule, "60,300,900,3600",
							   PGC_SIGHUP, 0, check_retry_schedule, assign_retry_schedule, NULL);
	DefineCustomEnumVariable("flowcomm.uncertain_policy",
							 "What to do with a job whose worker died while its request was in flight.",
							 "retry resends (at least once); hold parks it for an administrator.",
							 &fc_uncertain_policy, FC_UNCERTAIN_RETRY, uncertain_options,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("flowcomm.rate_limit_enabled",
							 "Apply per-account token-bucket rate limits.",
							 NULL, &fc_rate_limit_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
}

static void
define_provider_gucs(void)
{
	DefineCustomStringVariable("flowcomm.sendgrid_base_url",
							   "Base URL of the Sendgrid API.",
							   NULL, &fc_sendgrid_base_url, "https://api.sendgrid.com",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	DefineCustomStringVariable("flowcomm.twilio_base_url",
							   "Base URL of the Twilio API.",
							   NULL, &fc_twilio_base_url, "https://api.twilio.com",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	DefineCustomStringVariable("flowcomm.status_callback_url",
							   "Public base URL of the webhook receiver; Twilio status callbacks go to <url>/twilio/status.",
							   NULL, &fc_status_callback_url, "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
}

/*
 * _PG_init defines the settings everywhere, and when preloaded also asks for
 * shared memory and registers the launcher.
 */
void
_PG_init(void)
{
	define_worker_gucs();
	define_provider_gucs();
	flowcomm_webhook_guc_init();
	flowcomm_automation_guc_init();
	flowcomm_content_guc_init();
	fc_unsubscribe_guc_init();
	tpl_define_gucs();
	/* No MarkGUCPrefixReserved: flowcomm.business_id / user_id are session settings. */
	fc_wakeup_init();

	if (!process_shared_preload_libraries_in_progress)
		return;

	fc_shmem_request();
	fc_register_launcher();
}
