/*-------------------------------------------------------------------------
 *
 * worker_outcome.c
 *	  Turn a finished request into an outcome: sent, retry, dead or failed.
 *
 * The policy comes from the provider error catalogue (provider_errors.c):
 * network errors, timeouts, 5xx, 429 and the codes it marks "retry" are
 * worth retrying; what it marks "permanent" (bad number, bad credentials,
 * filtered content, other 4xx) would fail the same way again, so it fails
 * at once; "suppress" codes (unsubscribed, number out of service) also
 * suppress the contact on that channel.  Retries follow flowcomm.retry_schedule
 * with +-20% jitter (so a burst of failures does not return as a burst)
 * until the job's max_attempts, then the job is dead-lettered.  A 429 waits
 * for Retry-After and pauses the account's bucket; it is never the reason a
 * job is dead-lettered, because the provider did not refuse the message.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "common/pg_prng.h"

#include "flowcomm.h"

#define DEFAULT_RETRY_AFTER 1

static double jittered(int seconds);
static char	 *clean_message(FcJob *job, const char *msg);

static double
jittered(int seconds)
{
	return seconds * (0.8 + 0.4 * pg_prng_double(&pg_global_prng_state));
}

/* clean_message masks the account's secrets and bounds the length. */
static char *
clean_message(FcJob *job, const char *msg)
{
	char *m = fc_mask_secrets(msg ? msg : "", &job->account);

	if (strlen(m) > 500)
		m[500] = '\0';
	return m;
}

/*
 * fc_set_retry_or_dead schedules the next try, or dead-letters the job when
 * it has used its attempts.
 */
void
fc_set_retry_or_dead(FcJob *job, const char *code, const char *msg)
{
	job->error_code = pstrdup(code);
	job->error_message = clean_message(job, msg);
	if (job->attempt >= job->max_attempts)
	{
		job->outcome = FC_OUT_DEAD;
		return;
	}
	job->outcome = FC_OUT_RETRY;
	job->delay_seconds = jittered(fc_retry_delay_seconds(job->attempt));
}

/*
 * fc_set_failed records a permanent failure.
 */
void
fc_set_failed(FcJob *job, const char *code, const char *msg)
{
	job->error_code = pstrdup(code);
	job->error_message = clean_message(job, msg);
	job->outcome = FC_OUT_FAILED;
}

/*
 * error_info is the JSON object an event of this failure carries: the
 * class and plain reason from the catalogue, the provider's own code and
 * message, and Sendgrid's errors[] (field and message of each).
 */
static char *
error_info(FcJob *job, const char *cls, const char *reason, const char *pcode, const char *pmsg,
		   const char *errors_json)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"error_class\":");
	fc_json_escape(&b, cls);
	appendStringInfoString(&b, ",\"reason\":");
	fc_json_escape(&b, reason);
	if (job->http_status > 0)
		appendStringInfo(&b, ",\"http_status\":%ld", job->http_status);
	if (pcode)
	{
		appendStringInfoString(&b, ",\"provider_code\":");
		fc_json_escape(&b, pcode);
	}
	if (pmsg)
	{
		appendStringInfoString(&b, ",\"provider_message\":");
		fc_json_escape(&b, clean_message(job, pmsg));
	}
	if (errors_json)
		appendStringInfo(&b, ",\"errors\":%s", clean_message(job, errors_json));
	appendStringInfoChar(&b, '}');
	return b.data;
}

/*
 * fc_classify_transport handles a request that got no HTTP answer.
 */
void
fc_classify_transport(FcJob *job)
{
	job->error_info = error_info(job, "retry",
								 "no answer from the provider (network error or timeout); sent again with backoff",
								 NULL, NULL, NULL);
	if (job->curl_code == CURLE_OPERATION_TIMEDOUT)
		fc_set_retry_or_dead(job, "timeout",
							 psprintf("%s request timed out after %d ms",
									  fc_provider_names[job->provider], fc_request_timeout_ms));
	else
		fc_set_retry_or_dead(job, "network",
							 psprintf("%s request failed: %s", fc_provider_names[job->provider],
									  job->curl_error ? job->curl_error : "unknown error"));
}

/*
 * fc_classify_http_error handles a non-2xx answer by the catalogue
 * (provider_errors.c).  provider_code is Twilio's error code (NULL:
 * Sendgrid, or a body without one: the HTTP status is the key),
 * provider_message the provider's message, errors_json Sendgrid's
 * errors[] as {field, message} objects.
 *
 * 429 (and a Twilio 20429/63018 with it) waits for Retry-After and pauses
 * the account's bucket; other retry-class errors back off on
 * flowcomm.retry_schedule; permanent ones fail; suppress-class ones fail
 * and suppress the contact on the message's channel.
 */
void
fc_classify_http_error(FcJob *job, const char *provider_code, const char *provider_message,
					   const char *errors_json)
{
	char				  *code = provider_code ? pstrdup(provider_code) : psprintf("http_%ld", job->http_status);
	const FcProviderError *e = fc_provider_error_find(job->provider, code, job->http_status);
	char				  *msg;

	msg = psprintf("%s %s (HTTP %ld): %s - %s", fc_provider_names[job->provider], code, job->http_status,
				   provider_message && *provider_message ? provider_message : e->title, e->reason);
	job->error_info = error_info(job, fc_error_class_name(e->cls), e->reason, code, provider_message, errors_json);

	if (job->http_status == 429)
	{
		int wait = job->retry_after > 0 ? job->retry_after : DEFAULT_RETRY_AFTER;

		pg_atomic_fetch_add_u64(&fc_shared->counters[job->provider][job->channel].throttled, 1);
		fc_ratelimit_pause(job, wait);
		job->error_code = code;
		job->error_message = clean_message(job, msg);
		job->outcome = FC_OUT_RETRY;
		job->delay_seconds = wait;
		return;
	}
	switch (e->cls)
	{
		case FC_EC_RETRY:
			fc_set_retry_or_dead(job, code, msg);
			break;
		case FC_EC_SUPPRESS:
			fc_set_failed(job, code, msg);
			job->suppress = true;
			job->suppress_reason = e->suppression_reason;
			break;
		case FC_EC_PERMANENT:
			fc_set_failed(job, code, msg);
			break;
	}
}
