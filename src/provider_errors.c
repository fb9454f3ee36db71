/*-------------------------------------------------------------------------
 *
 * provider_errors.c
 *	  The catalogue of provider error codes: what each Twilio and Sendgrid
 *	  error means for a message (retry, fail, or fail and suppress the
 *	  contact) and why, in plain language.
 *
 * The table below is the one source of the classification.  The delivery
 * workers consult it in C for every failed request (a linear scan over a
 * few dozen static rows: no SQL, no cache to keep fresh); SQL reads the
 * same rows through flowcomm.provider_error_catalog() (the admin view
 * flowcomm.provider_error) and flowcomm.provider_error_lookup(), which the
 * Twilio status callback uses for an ErrorCode that arrives after the
 * message was accepted.
 *
 * Codes: Twilio's numeric error codes (the "code" of its error JSON, the
 * ErrorCode of a status callback); Sendgrid has no codes, so its rows are
 * keyed by HTTP status ("http_400").  A code not listed falls back to the
 * provider's "5xx" row (any 5xx or 408 answer: retried) or its "other" row
 * (permanent).  Meanings follow the providers' references: the Twilio Error
 * and Warning Dictionary (https://www.twilio.com/docs/api/errors) and the
 * Sendgrid v3 API errors pages; docs/delivery.md lists them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "flowcomm.h"

PG_FUNCTION_INFO_V1(flowcomm_provider_error_catalog);
PG_FUNCTION_INFO_V1(flowcomm_provider_error_lookup);

#define TW_REF		"https://www.twilio.com/docs/api/errors/"
#define SG_REF		"https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors"
#define SG_MAIL_REF "https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors"

static const char *const class_names[] = {"retry", "permanent", "suppress"};

static const FcProviderError catalogue[] = {
	/* Twilio: REST API answers and status-callback ErrorCodes */
	{FC_PROV_TWILIO, "20003", 401, FC_EC_PERMANENT, "Permission denied (authentication failed)",
	 "Twilio refused the account's credentials (wrong Account SID or Auth Token, a deleted token, a suspended "
	 "account); every message fails the same way until the account is fixed",
	 NULL, TW_REF "20003"},
	{FC_PROV_TWILIO, "20429", 429, FC_EC_RETRY, "Too many requests",
	 "Twilio is rate-limiting the account: the worker waits for Retry-After, pauses the account's bucket and "
	 "sends again",
	 NULL, TW_REF "20429"},
	{FC_PROV_TWILIO, "20500", 500, FC_EC_RETRY, "Internal server error",
	 "Twilio failed to process the request; sent again with backoff", NULL, TW_REF "20500"},
	{FC_PROV_TWILIO, "20503", 503, FC_EC_RETRY, "Service unavailable",
	 "Twilio is temporarily unavailable; sent again with backoff", NULL, TW_REF "20503"},
	{FC_PROV_TWILIO, "21211", 400, FC_EC_PERMANENT, "Invalid 'To' phone number",
	 "the number is not a valid E.164 phone number (a typo, a missing country code, a short code); correct "
	 "the contact",
	 NULL, TW_REF "21211"},
	{FC_PROV_TWILIO, "21212", 400, FC_EC_PERMANENT, "Invalid 'From' number",
	 "the account's sender is not a valid phone number, short code or sender id; fix the provider account",
	 NULL, TW_REF "21212"},
	{FC_PROV_TWILIO, "21408", 400, FC_EC_PERMANENT, "Permission to send to this region is not enabled",
	 "the destination country is disabled in the account's Messaging Geo Permissions (or Twilio does not "
	 "serve it); enable it in the Twilio Console",
	 NULL, TW_REF "21408"},
	{FC_PROV_TWILIO, "21602", 400, FC_EC_PERMANENT, "Message body is required",
	 "the message had no text, media or template to send", NULL, TW_REF "21602"},
	{FC_PROV_TWILIO, "21606", 400, FC_EC_PERMANENT, "'From' is not a message-capable number of this account",
	 "the account's sender cannot send on this channel; fix the provider account", NULL, TW_REF "21606"},
	{FC_PROV_TWILIO, "21608", 400, FC_EC_PERMANENT, "'To' number not verified (trial account)",
	 "a trial account, or one without an approved compliance profile, may only send to numbers verified in "
	 "Twilio; upgrade the account or verify the number",
	 NULL, TW_REF "21608"},
	{FC_PROV_TWILIO, "21610", 400, FC_EC_SUPPRESS, "Attempt to send to unsubscribed recipient",
	 "the recipient replied STOP to this sender: nothing more goes to this number on this channel until they "
	 "reply START",
	 "provider_unsubscribed", TW_REF "21610"},
	{FC_PROV_TWILIO, "21611", 400, FC_EC_RETRY, "'From' number has too many queued messages",
	 "the sender's queue at Twilio is full; sent again with backoff once it drains", NULL, TW_REF "21611"},
	{FC_PROV_TWILIO, "21612", 400, FC_EC_PERMANENT, "'To' number cannot be reached from this sender",
	 "Twilio cannot route between this sender and this number (e.g. an international or short-code route it "
	 "does not carry)",
	 NULL, TW_REF "21612"},
	{FC_PROV_TWILIO, "21614", 400, FC_EC_SUPPRESS, "'To' number is not a valid mobile number",
	 "the number is a landline or another line that cannot receive SMS: suppressed for this channel (another "
	 "channel may still reach the customer)",
	 "bounce", TW_REF "21614"},
	{FC_PROV_TWILIO, "21617", 400, FC_EC_PERMANENT, "Message body exceeds 1600 characters",
	 "the text is longer than Twilio accepts; shorten the template", NULL, TW_REF "21617"},
	{FC_PROV_TWILIO, "21910", 400, FC_EC_PERMANENT, "'To' and 'From' are on different channels",
	 "the sender and the recipient address belong to different channels; fix the provider account",
	 NULL, TW_REF "21910"},
	{FC_PROV_TWILIO, "30003", 400, FC_EC_RETRY, "Unreachable destination handset",
	 "the phone is off, out of coverage or roaming; Twilio advises trying again later, so it is sent again "
	 "with backoff",
	 NULL, TW_REF "30003"},
	{FC_PROV_TWILIO, "30005", 400, FC_EC_SUPPRESS, "Unknown destination handset",
	 "the carrier does not know the number or it is no longer in service: suppressed on this channel until an "
	 "admin lifts it",
	 "bounce", TW_REF "30005"},
	{FC_PROV_TWILIO, "30006", 400, FC_EC_PERMANENT, "Landline or unreachable carrier",
	 "the number is a landline or its carrier cannot take messages; sending it again fails the same way",
	 NULL, TW_REF "30006"},
	{FC_PROV_TWILIO, "30007", 400, FC_EC_PERMANENT, "Message filtered",
	 "the carrier or Twilio filtered the content as spam or unregistered traffic; the same message would be "
	 "filtered again: review the content and the sender's registration",
	 NULL, TW_REF "30007"},
	{FC_PROV_TWILIO, "30008", 400, FC_EC_RETRY, "Unknown error",
	 "the carrier rejected the message without a reason; Twilio advises resending, so it is sent again with "
	 "backoff",
	 NULL, TW_REF "30008"},
	{FC_PROV_TWILIO, "63003", 400, FC_EC_SUPPRESS, "Channel could not find 'To' address",
	 "the WhatsApp or Messenger address is not an active user of the channel: suppressed on this channel",
	 "bounce", TW_REF "63003"},
	{FC_PROV_TWILIO, "63016", 400, FC_EC_PERMANENT, "Free-form message outside the 24-hour window",
	 "WhatsApp and Messenger accept free-form text only within 24 hours of the customer's last message; "
	 "outside it an approved template is needed, so the message takes the channel fallback",
	 NULL, TW_REF "63016"},
	{FC_PROV_TWILIO, "63018", 429, FC_EC_RETRY, "Rate limit exceeded for the channel",
	 "the sender's channel throughput or WhatsApp messaging limit is used up; sent again later", NULL,
	 TW_REF "63018"},
	{FC_PROV_TWILIO, "63024", 400, FC_EC_PERMANENT, "Invalid message recipient",
	 "Meta says the number is not a usable WhatsApp account (not registered, terms not accepted, an old app); "
	 "the message takes the channel fallback",
	 NULL, TW_REF "63024"},
	{FC_PROV_TWILIO, "63032", 400, FC_EC_PERMANENT, "Recipient is in a WhatsApp marketing experiment",
	 "Meta withholds marketing templates from this user (its experiment group) outside an open conversation; "
	 "sending it again fails the same way, another channel can reach them",
	 NULL, TW_REF "63032"},
	{FC_PROV_TWILIO, "5xx", 500, FC_EC_RETRY, "Server error",
	 "Twilio failed to process the request; sent again with backoff", NULL, TW_REF},
	{FC_PROV_TWILIO, "other", 400, FC_EC_PERMANENT, "Request rejected",
	 "Twilio rejected the message; sending it again would fail the same way", NULL, TW_REF},

	/* Sendgrid: POST /v3/mail/send answers (no codes: keyed by HTTP status) */
	{FC_PROV_SENDGRID, "http_400", 400, FC_EC_PERMANENT, "Bad request",
	 "the request failed Sendgrid's validation; errors[] names each field and what is wrong with it", NULL,
	 SG_MAIL_REF},
	{FC_PROV_SENDGRID, "http_401", 401, FC_EC_PERMANENT, "Unauthorized",
	 "Sendgrid refused the API key (invalid, expired or revoked); every message fails the same way until the "
	 "account is fixed",
	 NULL, SG_REF},
	{FC_PROV_SENDGRID, "http_403", 403, FC_EC_PERMANENT, "Forbidden",
	 "the API key lacks the mail.send permission, the sender identity is not verified, or Sendgrid blocked the "
	 "key after too many bad requests; requeue the message once the account is fixed",
	 NULL, SG_REF},
	{FC_PROV_SENDGRID, "http_413", 413, FC_EC_PERMANENT, "Payload too large",
	 "the message with its attachments exceeds Sendgrid's 30 MB limit", NULL, SG_MAIL_REF},
	{FC_PROV_SENDGRID, "http_429", 429, FC_EC_RETRY, "Too many requests",
	 "Sendgrid is rate-limiting the key: the worker waits for Retry-After, pauses the account's bucket and "
	 "sends again",
	 NULL, SG_REF},
	{FC_PROV_SENDGRID, "5xx", 500, FC_EC_RETRY, "Server error",
	 "Sendgrid failed to process the request (500, 502, 503, 504); sent again with backoff", NULL, SG_REF},
	{FC_PROV_SENDGRID, "other", 400, FC_EC_PERMANENT, "Request rejected",
	 "Sendgrid rejected the message; sending it again would fail the same way", NULL, SG_REF},
};

#define N_CATALOGUE lengthof(catalogue)

/*
 * fc_provider_error_find returns the catalogue row of a provider's error:
 * the row of that code, else the "5xx" row for an answer that is worth
 * retrying by its HTTP status (5xx, 408), else the "other" row.  Never NULL.
 */
const FcProviderError *
fc_provider_error_find(FcProvider provider, const char *code, long http_status)
{
	const char *fallback = (http_status >= 500 || http_status == 408) ? "5xx" : "other";

	if (code != NULL)
		for (int i = 0; i < N_CATALOGUE; i++)
			if (catalogue[i].provider == provider && strcmp(catalogue[i].code, code) == 0)
				return &catalogue[i];
	for (int i = 0; i < N_CATALOGUE; i++)
		if (catalogue[i].provider == provider && strcmp(catalogue[i].code, fallback) == 0)
			return &catalogue[i];
	elog(ERROR, "flowcomm provider error catalogue has no \"%s\" row for %s", fallback,
		 fc_provider_names[provider]);
	return NULL; /* keep the compiler quiet */
}

const char *
fc_error_class_name(FcErrorClass cls)
{
	return class_names[cls];
}

/* ---------------------------------------------------------- Sendgrid errors[] */

/* State of the walk over {"errors":[{"field":..,"message":..},...]}. */
typedef struct SgErrors
{
	int			   depth;
	bool		   in_errors; /* inside the top-level "errors" array */
	const char	  *want;	  /* "field" or "message" while its value comes */
	char		  *field;
	char		  *message;
	int			   n;
	StringInfoData text; /* "field: message; ..." */
	StringInfoData json; /* [{"field":..,"message":..},...] */
} SgErrors;

static void
sg_object_start(void *state)
{
	SgErrors *s = state;

	s->depth++;
	if (s->in_errors && s->depth == 3)
		s->field = s->message = NULL;
}

static void
sg_object_end(void *state)
{
	SgErrors *s = state;

	if (s->in_errors && s->depth == 3 && s->n < 10)
	{
		appendStringInfoString(&s->text, s->n > 0 ? "; " : "");
		if (s->field)
			appendStringInfo(&s->text, "%s: ", s->field);
		appendStringInfoString(&s->text, s->message ? s->message : "(no message)");
		appendStringInfoString(&s->json, s->n > 0 ? ",{\"field\":" : "{\"field\":");
		if (s->field)
			fc_json_escape(&s->json, s->field);
		else
			appendStringInfoString(&s->json, "null");
		appendStringInfoString(&s->json, ",\"message\":");
		if (s->message)
			fc_json_escape(&s->json, s->message);
		else
			appendStringInfoString(&s->json, "null");
		appendStringInfoChar(&s->json, '}');
		s->n++;
	}
	s->depth--;
}

static void
sg_array_start(void *state)
{
	((SgErrors *) state)->depth++;
}

static void
sg_array_end(void *state)
{
	SgErrors *s = state;

	if (s->depth == 2)
		s->in_errors = false;
	s->depth--;
}

static void
sg_field_start(void *state, char *fname, bool isnull)
{
	SgErrors *s = state;

	if (s->depth == 1 && strcmp(fname, "errors") == 0)
		s->in_errors = true;
	else if (s->in_errors && s->depth == 3 && (strcmp(fname, "field") == 0 || strcmp(fname, "message") == 0))
		s->want = fname[0] == 'f' ? "field" : "message";
}

static void
sg_scalar(void *state, char *token, JsonTokenType tokentype)
{
	SgErrors *s = state;

	if (s->want && tokentype != JSON_TOKEN_NULL)
	{
		if (s->want[0] == 'f')
			s->field = pstrdup(token);
		else
			s->message = pstrdup(token);
	}
	s->want = NULL;
}

/*
 * fc_sendgrid_errors summarises Sendgrid's error body: *text becomes
 * "field: message; ..." and *json the array of {field, message} (at most
 * ten of each); both NULL when the body has no errors[].
 */
void
fc_sendgrid_errors(const char *body, char **text, char **json)
{
	SgErrors		s;
	JsonSemAction	sem;
	JsonLexContext *lex;

	*text = *json = NULL;
	if (body == NULL || *body == '\0')
		return;
	memset(&s, 0, sizeof(s));
	initStringInfo(&s.text);
	initStringInfo(&s.json);
	appendStringInfoChar(&s.json, '[');
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &s;
	sem.object_start = sg_object_start;
	sem.object_end = sg_object_end;
	sem.array_start = sg_array_start;
	sem.array_end = sg_array_end;
	sem.object_field_start = sg_field_start;
	sem.scalar = sg_scalar;
	lex = makeJsonLexContextCstringLen(unconstify(char *, body), strlen(body), PG_UTF8, true);
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS || s.n == 0)
		return;
	appendStringInfoChar(&s.json, ']');
	*text = s.text.data;
	*json = s.json.data;
}

/* ---------------------------------------------------------- SQL access */

#define N_COLS 8

static void
row_values(const FcProviderError *e, Datum *values, bool *nulls)
{
	memset(nulls, 0, sizeof(bool) * N_COLS);
	values[0] = CStringGetTextDatum(fc_provider_names[e->provider]);
	values[1] = CStringGetTextDatum(e->code);
	values[2] = Int32GetDatum(e->http_status);
	values[3] = CStringGetTextDatum(class_names[e->cls]);
	values[4] = CStringGetTextDatum(e->title);
	values[5] = CStringGetTextDatum(e->reason);
	nulls[6] = (e->suppression_reason == NULL);
	values[6] = e->suppression_reason ? CStringGetTextDatum(e->suppression_reason) : (Datum) 0;
	values[7] = CStringGetTextDatum(e->reference);
}

/*
 * flowcomm.provider_error_catalog() RETURNS SETOF (provider, code,
 * http_status, error_class, title, reason, suppression_reason, reference):
 * the shipped catalogue, in its order.
 */
Datum
flowcomm_provider_error_catalog(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		   values[N_COLS];
	bool		   nulls[N_COLS];

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < N_CATALOGUE; i++)
	{
		row_values(&catalogue[i], values, nulls);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * flowcomm.provider_error_lookup(provider text, code text, http_status int)
 * RETURNS the catalogue row that classifies this error (the code's own row,
 * else the provider's "5xx" or "other" row): the same rule as the workers.
 */
Datum
flowcomm_provider_error_lookup(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	const char *prov;
	FcProvider	provider;
	Datum		values[N_COLS];
	bool		nulls[N_COLS];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("provider must not be null")));
	prov = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strcmp(prov, "twilio") == 0)
		provider = FC_PROV_TWILIO;
	else if (strcmp(prov, "sendgrid") == 0)
		provider = FC_PROV_SENDGRID;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid provider: \"%s\"", prov),
				 errhint("Use twilio or sendgrid.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("provider_error_lookup must be called in a context that accepts a record")));
	row_values(fc_provider_error_find(provider, PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)),
									  PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2)),
			   values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
