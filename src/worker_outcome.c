/*-------------------------------------------------------------------------
 *
 * worker_outcome.c
 *	  Turn a finished request into an outcome: sent, retry, dead or failed.
 *
 * The policy, shared by both providers: network errors, timeouts, 5xx and
 * 429 are worth retrying; anything else the provider rejected (bad number,
 * unsubscribed, bad credentials, other 4xx) will fail the same way again,
 * so it fails permanently at once.  Retries follow flowcomm.retry_schedule
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
static char *clean_message(FcJob *job, const char *msg);

static double
jittered(int seconds)
{
	return seconds * (0.8 + 0.4 * pg_prng_double(&pg_global_prng_state));
}

/* clean_message masks the account's secrets and bounds the length. */
static char *
clean_message(FcJob *job, const char *msg)
{
	char	   *m = fc_mask_secrets(msg ? msg : "", &job->account);

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
 * fc_classify_transport handles a request that got no HTTP answer.
 */
void
fc_classify_transport(FcJob *job)
{
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
 * fc_classify_http_error handles a non-2xx answer; provider_code is the
 * provider's error code (Twilio) or 0.
 */
void
fc_classify_http_error(FcJob *job, int provider_code, const char *detail)
{
	const char *prov = fc_provider_names[job->provider];
	char	   *msg = psprintf("%s HTTP %ld%s%s", prov, job->http_status,
							   detail ? ": " : "", detail ? detail : "");
	char	   *code;

	if (job->http_status == 429)
	{
		int			wait = job->retry_after > 0 ? job->retry_after : DEFAULT_RETRY_AFTER;

		pg_atomic_fetch_add_u64(&fc_shared->counters[job->provider][job->channel].throttled, 1);
		fc_ratelimit_pause(job, wait);
		job->error_code = pstrdup("429");
		job->error_message = clean_message(job, msg);
		job->outcome = FC_OUT_RETRY;
		job->delay_seconds = wait;
		return;
	}
	code = provider_code ? psprintf("%d", provider_code) : psprintf("http_%ld", job->http_status);
	if (job->http_status >= 500 || job->http_status == 408)
		fc_set_retry_or_dead(job, code, msg);
	else
	{
		fc_set_failed(job, code, msg);
		job->suppress = (provider_code == 21610);
	}
}
