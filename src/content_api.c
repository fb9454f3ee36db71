/*-------------------------------------------------------------------------
 *
 * content_api.c
 *	  WhatsApp/Messenger 24-hour windows at send time, and the WhatsApp
 *	  approval status of Twilio Content templates.
 *
 * WhatsApp takes a free-form Body only within 24 hours of the customer's
 * last message; outside it a business-initiated message must be an approved
 * template (ContentSid + ContentVariables).  The choice is made when a
 * worker claims the message, not when it was queued: fc_send_forms asks
 * flowcomm.send_form (sql/src/52_windows.sql) for every WhatsApp and
 * Messenger job of a claim, inside the claim's transaction, so the decision
 * and its "send_form" event commit with the claim.  fc_twilio_build then
 * sends a Body, the template, or nothing (whatsapp_template_required).
 *
 * fc_content_refresh is a worker step: it leases the Content template
 * bindings due for a check (content_status_due), fetches
 * GET <content base>/v1/Content/{Sid}/ApprovalRequests for each with the
 * business's Twilio credentials, outside any transaction, and records the
 * answers (content_status_record).  A binding is checked on bind and then
 * every flowcomm.content_refresh_seconds.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "flowcomm.h"

#define CONTENT_CHECK_BATCH 10 /* bindings per refresh step (literal in due_plan) */
#define CONTENT_BODY_MAX	(256 * 1024)

char	  *fc_twilio_content_base_url = NULL;
static int fc_content_refresh_seconds = 3600;

static SPIPlanPtr form_plan = NULL;
static SPIPlanPtr due_plan = NULL;
static SPIPlanPtr record_plan = NULL;

/* One binding to check, from content_status_due to content_status_record. */
typedef struct ContentCheck
{
	char		  *business_id;
	char		  *id;
	char		  *content_sid;
	char		  *account_sid;
	char		  *auth_token;
	long		   http_status;
	StringInfoData body;
	char		  *error;
} ContentCheck;

/*
 * flowcomm_content_guc_init defines the Content API settings.  The base URL
 * is superuser-only like the other provider URLs (credentials go there).
 */
void
flowcomm_content_guc_init(void)
{
	DefineCustomStringVariable("flowcomm.twilio_content_base_url",
							   "Base URL of Twilio's Content API (approval status of Content templates).",
							   NULL, &fc_twilio_content_base_url, "https://content.twilio.com",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	DefineCustomIntVariable("flowcomm.content_refresh_seconds",
							"Seconds between fetches of an approved (or rejected) Content template's WhatsApp approval status.",
							"Pending ones are fetched at least every 5 minutes; a new binding at once.",
							&fc_content_refresh_seconds, 3600, 10, 7 * 86400,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
}

static SPIPlanPtr
keep(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types)
{
	if (*plan == NULL)
	{
		SPIPlanPtr p = SPI_prepare(sql, nargs, types);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "flowcomm could not prepare a content statement: %s",
				 SPI_result_code_string(SPI_result));
		*plan = p;
	}
	return *plan;
}

/*
 * schema_has reports whether a function of the installed extension version
 * exists: a worker of a new library may serve a database still at an older
 * version (until ALTER EXTENSION UPDATE), where the old behaviour holds.
 */
static bool
schema_has(const char *signature)
{
	Datum arg = CStringGetTextDatum(signature);
	Oid	  type = TEXTOID;
	bool  isnull;

	if (SPI_execute_with_args("SELECT pg_catalog.to_regprocedure($1) IS NOT NULL", 1, &type, &arg, NULL,
							  true, 1) != SPI_OK_SELECT)
		elog(ERROR, "flowcomm could not look up %s", signature);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

static char *
copy_text(HeapTuple tup, TupleDesc desc, int col, MemoryContext cxt)
{
	char *v = SPI_getvalue(tup, desc, col);

	return v ? MemoryContextStrdup(cxt, v) : NULL;
}

/* job_sender is the business's address a window is kept for on the job's channel. */
static const char *
job_sender(FcJob *job)
{
	return job->channel == FC_CH_WHATSAPP ? job->account.whatsapp_from : job->account.messenger_page_id;
}

/* decide_one runs send_form for one job and stores the answer in the job. */
static void
decide_one(FcJob *job)
{
	Datum	  args[5];
	char	  nulls[5] = {' ', ' ', ' ', ' ', ' '};
	HeapTuple tup;
	TupleDesc desc;
	char	 *form;
	Oid		  types[5] = {UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID};

	keep(&form_plan,
		 "SELECT form, content_sid, content_variables, error_code, error_message"
		 "  FROM flowcomm.send_form($1, $2, $3, $4, $5)",
		 5, types);
	args[0] = UUIDPGetDatum(&job->business_id);
	args[1] = UUIDPGetDatum(&job->communication_id);
	args[2] = CStringGetTextDatum(fc_channel_names[job->channel]);
	args[3] = CStringGetTextDatum(job_sender(job));
	args[4] = CStringGetTextDatum(job->contact);
	if (SPI_execute_plan(form_plan, args, nulls, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "flowcomm send_form failed");
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	form = SPI_getvalue(tup, desc, 1);
	if (form && strcmp(form, "template") == 0)
	{
		job->send_form = FC_FORM_TEMPLATE;
		job->content_sid = copy_text(tup, desc, 2, job->cxt);
		job->content_variables = copy_text(tup, desc, 3, job->cxt);
	}
	else if (form && strcmp(form, "none") == 0)
	{
		job->send_form = FC_FORM_NONE;
		job->form_error_code = copy_text(tup, desc, 4, job->cxt);
		job->form_error_message = copy_text(tup, desc, 5, job->cxt);
	}
	else
		job->send_form = FC_FORM_FREEFORM;
}

/*
 * fc_send_forms decides the form of every WhatsApp and Messenger job of a
 * claim (call inside the claim's transaction, before it commits).  Jobs
 * without a sender keep the free form: their build fails with no_sender.
 */
void
fc_send_forms(FcJob **jobs, int n)
{
	bool any = false;

	for (int i = 0; i < n; i++)
		if ((jobs[i]->channel == FC_CH_WHATSAPP || jobs[i]->channel == FC_CH_MESSENGER) &&
			!jobs[i]->cancelled && job_sender(jobs[i]) != NULL)
			any = true;
	if (!any)
		return;
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (schema_has("flowcomm.send_form(uuid,uuid,text,text,text)"))
	{
		for (int i = 0; i < n; i++)
		{
			FcJob *job = jobs[i];

			if ((job->channel == FC_CH_WHATSAPP || job->channel == FC_CH_MESSENGER) && !job->cancelled &&
				job_sender(job) != NULL)
				decide_one(job);
		}
	}
	PopActiveSnapshot();
	SPI_finish();
}

/* ------------------------------------------------------------ approval refresh */

static size_t
body_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	ContentCheck *c = (ContentCheck *) arg;
	size_t		  n = size * nmemb;

	if (c->body.len + n > CONTENT_BODY_MAX)
		return 0; /* an approval answer is small: stop a runaway one */
	appendBinaryStringInfo(&c->body, data, (int) n);
	return n;
}

/*
 * fetch_approval runs GET /v1/Content/{Sid}/ApprovalRequests for one
 * binding (blocking, bounded by flowcomm.request_timeout_ms).
 */
static void
fetch_approval(CURL *easy, ContentCheck *c)
{
	char	*url;
	CURLcode rc;
	char	 errbuf[CURL_ERROR_SIZE];

	initStringInfo(&c->body);
	if (c->account_sid == NULL || c->auth_token == NULL)
	{
		c->http_status = 0;
		c->error = pstrdup("no enabled twilio account with a sid and auth token for this business or the default");
		return;
	}
	url = psprintf("%s/v1/Content/%s/ApprovalRequests", fc_twilio_content_base_url, c->content_sid);
	errbuf[0] = '\0';
	curl_easy_reset(easy);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
	curl_easy_setopt(easy, CURLOPT_USERNAME, c->account_sid);
	curl_easy_setopt(easy, CURLOPT_PASSWORD, c->auth_token);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long) Min(fc_request_timeout_ms, 10000));
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long) Min(fc_request_timeout_ms, 5000));
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "flowcomm/0.3.0");
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(easy);
	if (rc != CURLE_OK)
	{
		c->http_status = 0;
		c->error = psprintf("Content API request failed: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &c->http_status);
}

/* lease_due copies the bindings due for a check into cxt; returns their count. */
static int
lease_due(ContentCheck **out, MemoryContext cxt)
{
	int			  n = 0;
	ContentCheck *checks = NULL;

	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (schema_has("flowcomm.content_status_due(integer)"))
	{
		keep(&due_plan,
			 "SELECT business_id, id, content_sid, account_sid, auth_token"
			 "  FROM flowcomm.content_status_due(10)" /* CONTENT_CHECK_BATCH */,
			 0, NULL);
		if (SPI_execute_plan(due_plan, NULL, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "flowcomm content_status_due failed");
		n = (int) SPI_processed;
		checks = MemoryContextAllocZero(cxt, sizeof(ContentCheck) * Max(n, 1));
		for (int i = 0; i < n; i++)
		{
			HeapTuple tup = SPI_tuptable->vals[i];
			TupleDesc desc = SPI_tuptable->tupdesc;

			checks[i].business_id = copy_text(tup, desc, 1, cxt);
			checks[i].id = copy_text(tup, desc, 2, cxt);
			checks[i].content_sid = copy_text(tup, desc, 3, cxt);
			checks[i].account_sid = copy_text(tup, desc, 4, cxt);
			checks[i].auth_token = copy_text(tup, desc, 5, cxt);
		}
	}
	PopActiveSnapshot();
	SPI_finish();
	*out = checks;
	return n;
}

/* record_all stores the answers in one transaction. */
static void
record_all(ContentCheck *checks, int n)
{
	Oid types[5] = {UUIDOID, UUIDOID, INT4OID, TEXTOID, TEXTOID};

	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	keep(&record_plan, "SELECT flowcomm.content_status_record($1, $2, $3, $4, $5)", 5, types);
	for (int i = 0; i < n; i++)
	{
		ContentCheck *c = &checks[i];
		Datum		  args[5];
		char		  nulls[5] = {' ', ' ', ' ', ' ', ' '};

		args[0] = DirectFunctionCall1(uuid_in, CStringGetDatum(c->business_id));
		args[1] = DirectFunctionCall1(uuid_in, CStringGetDatum(c->id));
		args[2] = Int32GetDatum((int32) c->http_status);
		args[3] = CStringGetTextDatum(c->body.data);
		if (c->error)
			args[4] = CStringGetTextDatum(c->error);
		else
			nulls[4] = 'n';
		if (SPI_execute_plan(record_plan, args, nulls, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "flowcomm content_status_record failed");
	}
	PopActiveSnapshot();
	SPI_finish();
}

/*
 * fc_content_refresh fetches the approval status of the Content templates
 * due for a check (a worker step: run_db_step catches its errors).  The HTTP
 * requests run between the two transactions, so no lock is held while
 * Twilio answers; a worker that dies meanwhile leaves the lease to expire.
 */
void
fc_content_refresh(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	ContentCheck *checks;
	int			  n;
	CURL		 *easy;

	fc_start_xact();
	n = lease_due(&checks, cxt);
	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);
	if (n == 0)
		return;
	easy = curl_easy_init();
	if (easy == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("flowcomm could not create a curl handle")));
	for (int i = 0; i < n; i++)
		fetch_approval(easy, &checks[i]);
	curl_easy_cleanup(easy);
	fc_start_xact();
	record_all(checks, n);
	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);
}
