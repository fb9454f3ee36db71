/*-------------------------------------------------------------------------
 *
 * webhook_sendgrid.c
 *	  Sendgrid Signed Event Webhook verification and the configuration
 *	  parameters of the webhook and payment-link modules.
 *
 * flowcomm.sendgrid_verify() authenticates a delivery-event POST before the
 * SQL layer (sql/src/50_webhooks.sql) parses and applies its events:
 * signature present, timestamp fresh (within flowcomm.webhook_max_age
 * either way), ECDSA P-256 / SHA-256 signature over timestamp + raw body
 * valid under flowcomm.sendgrid_webhook_public_key.
 *
 * src/webhook_sendgrid.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "flowcomm.h"
#include "webhook.h"

PG_FUNCTION_INFO_V1(flowcomm_sendgrid_verify);
PG_FUNCTION_INFO_V1(flowcomm_sendgrid_message_id);

char *flowcomm_sendgrid_public_key = NULL;
int	  flowcomm_webhook_max_age = 300;
char *flowcomm_webhook_base_url = NULL;
char *flowcomm_payment_base_url = NULL;
int	  flowcomm_payment_key_grace = 30 * 24 * 3600;

/* ------------------------------------------------------------ allocator */

static void *
core_alloc(void *ctx, size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_NO_OOM);
}

static void
core_release(void *ctx, void *ptr)
{
	pfree(ptr);
}

static const FcAllocator core_allocator = {core_alloc, core_release, NULL};

const FcAllocator *
flowcomm_core_allocator(void)
{
	return &core_allocator;
}

/* ------------------------------------------------------------------ GUCs */

static bool
check_public_key(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (fc_ecdsa_p256_check_key(*newval, strlen(*newval)) != FC_VERIFY_OK)
	{
		GUC_check_errdetail("The key must be an EC P-256 public key: base64 of its DER SubjectPublicKeyInfo, as Sendgrid shows it, or PEM.");
		return false;
	}
	return true;
}

static bool
check_http_url(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;

	if (v == NULL || v[0] == '\0')
		return true;
	if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) ||
		strpbrk(v, " \t\r\n") != NULL)
	{
		GUC_check_errdetail("The value must be an absolute http(s) URL without spaces.");
		return false;
	}
	return true;
}

/*
 * flowcomm_webhook_guc_init defines the configuration parameters of the
 * webhooks and payment links; _PG_init must call it.  All are settable by
 * superusers only: they decide what the platform trusts.
 */
void
flowcomm_webhook_guc_init(void)
{
	DefineCustomStringVariable("flowcomm.sendgrid_webhook_public_key",
							   "Public key of Sendgrid's Signed Event Webhook.",
							   "Base64 of the DER SubjectPublicKeyInfo (the verification key Sendgrid shows) or PEM; "
							   "empty rejects every Sendgrid event post.",
							   &flowcomm_sendgrid_public_key, "",
							   PGC_SUSET, 0, check_public_key, NULL, NULL);
	DefineCustomIntVariable("flowcomm.webhook_max_age",
							"Largest accepted difference between a signed webhook's timestamp and now.",
							NULL,
							&flowcomm_webhook_max_age, 300, 1, 7 * 24 * 3600,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomStringVariable("flowcomm.webhook_base_url",
							   "Public URL prefix under which providers call the webhooks.",
							   "Twilio signs the full URL it calls: this prefix plus the RPC path must be exactly that URL.",
							   &flowcomm_webhook_base_url, "",
							   PGC_SUSET, 0, check_http_url, NULL, NULL);
	DefineCustomStringVariable("flowcomm.payment_base_url",
							   "URL prefix of payment links; the token is appended.",
							   NULL,
							   &flowcomm_payment_base_url, "https://pay.flowpos.example/p/",
							   PGC_SUSET, 0, check_http_url, NULL, NULL);
	DefineCustomIntVariable("flowcomm.payment_key_grace",
							"How long payment links signed with a retired key still verify.",
							NULL,
							&flowcomm_payment_key_grace, 30 * 24 * 3600, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
}

/* ---------------------------------------------------------- verification */

/*
 * check_freshness rejects a timestamp further than webhook_max_age from
 * now, in the past (a replay) or in the future (a forged clock).
 */
static void
check_freshness(int64 ts)
{
	int64 now = (int64) timestamptz_to_time_t(GetCurrentTimestamp());
	int64 age = now - ts;

	if (age > flowcomm_webhook_max_age || -age > flowcomm_webhook_max_age)
		fc_webhook_note(FC_PROV_SENDGRID, FC_WH_REJECTED_STALE);
	if (age > flowcomm_webhook_max_age)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("stale sendgrid webhook timestamp"),
				 errdetail("The signed timestamp is " INT64_FORMAT " seconds old; flowcomm.webhook_max_age allows %d.",
						   age, flowcomm_webhook_max_age)));
	if (-age > flowcomm_webhook_max_age)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("sendgrid webhook timestamp is in the future"),
				 errdetail("The signed timestamp is " INT64_FORMAT " seconds ahead; flowcomm.webhook_max_age allows %d.",
						   -age, flowcomm_webhook_max_age),
				 errhint("Check the database server's clock.")));
}

static void
raise_verify_error(const FcError *err)
{
	switch (err->code)
	{
		case FC_ERR_MALFORMED:
		case FC_ERR_LIMIT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid sendgrid webhook signature"),
					 errdetail("The %s.", err->message)));
			break;
		case FC_ERR_KEY:
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("sendgrid webhook public key is unusable"),
					 errdetail("The %s.", err->message),
					 errhint("Set flowcomm.sendgrid_webhook_public_key to the verification key shown in Sendgrid's Mail Settings.")));
			break;
		case FC_ERR_SIGNATURE:
			fc_webhook_note(FC_PROV_SENDGRID, FC_WH_REJECTED_SIGNATURE);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("sendgrid webhook signature does not verify"),
					 errdetail("The %s.", err->message)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not verify sendgrid webhook signature"),
					 errdetail("%s.", err->message)));
	}
}

/*
 * flowcomm.sendgrid_verify(payload text, signature text, ts text)
 *		RETURNS timestamptz
 *
 * Raises unless the post is authentic and fresh; returns the signed
 * timestamp.  Not STRICT: a missing header is an authentication failure.
 */
Datum
flowcomm_sendgrid_verify(PG_FUNCTION_ARGS)
{
	text	   *payload = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	text	   *sig = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	text	   *ts = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	const char *key = flowcomm_sendgrid_public_key;
	int64		seconds;
	FcError		err;

	if (key == NULL || key[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sendgrid webhook public key is not configured"),
				 errhint("Enable the Signed Event Webhook in Sendgrid and set flowcomm.sendgrid_webhook_public_key to its verification key.")));
	if (payload == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sendgrid webhook payload is missing")));
	if (sig == NULL || VARSIZE_ANY_EXHDR(sig) == 0)
		fc_webhook_note(FC_PROV_SENDGRID, FC_WH_REJECTED_SIGNATURE);
	if (sig == NULL || VARSIZE_ANY_EXHDR(sig) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("sendgrid webhook signature is missing"),
				 errdetail("The request has no X-Twilio-Email-Event-Webhook-Signature header.")));
	if (ts == NULL || VARSIZE_ANY_EXHDR(ts) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("sendgrid webhook timestamp is missing"),
				 errdetail("The request has no X-Twilio-Email-Event-Webhook-Timestamp header.")));
	if (!fc_parse_unix_seconds(VARDATA_ANY(ts), VARSIZE_ANY_EXHDR(ts), &seconds))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid sendgrid webhook timestamp"),
				 errdetail("The timestamp header must be Unix seconds (1 to 12 digits).")));
	check_freshness(seconds);
	if (!fc_sendgrid_verify(key, strlen(key),
							VARDATA_ANY(sig), VARSIZE_ANY_EXHDR(sig),
							VARDATA_ANY(ts), VARSIZE_ANY_EXHDR(ts),
							VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), &err))
		raise_verify_error(&err);
	PG_RETURN_TIMESTAMPTZ(time_t_to_timestamptz((pg_time_t) seconds));
}

/*
 * flowcomm.sendgrid_message_id(sg_message_id text) RETURNS text
 *
 * The X-Message-Id part of an event's sg_message_id (before the first dot).
 */
Datum
flowcomm_sendgrid_message_id(PG_FUNCTION_ARGS)
{
	text  *id = PG_GETARG_TEXT_PP(0);
	size_t len = fc_sendgrid_message_id_len(VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id));

	if (len == 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(VARDATA_ANY(id), (int) len));
}
