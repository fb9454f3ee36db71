/*-------------------------------------------------------------------------
 *
 * provider_sendgrid.c
 *	  Email through Sendgrid: POST /v3/mail/send and its answer.
 *
 * The body follows Sendgrid's v3 mail-send schema: one personalization per
 * message, text/plain before text/html (Sendgrid requires that order),
 * attachments base64-encoded, custom_args carrying our ids so the event
 * webhook can find the message, open/click tracking from the job payload,
 * List-Unsubscribe headers on subscription-like mail (unsubscribe.c).
 * Sendgrid answers 202 with an empty body; the message id is the
 * X-Message-Id header.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "flowcomm.h"

static void append_content(StringInfo b, FcJob *job);
static void append_attachments(StringInfo b, FcJob *job);
static void append_address(StringInfo b, const char *email, const char *name);

static void
append_address(StringInfo b, const char *email, const char *name)
{
	appendStringInfoString(b, "{\"email\":");
	fc_json_escape(b, email);
	if (name && *name)
	{
		appendStringInfoString(b, ",\"name\":");
		fc_json_escape(b, name);
	}
	appendStringInfoChar(b, '}');
}

static void
append_content(StringInfo b, FcJob *job)
{
	const char *text = job->content_text ? job->content_text : fc_html_to_text(job->content);

	appendStringInfoString(b, ",\"content\":[{\"type\":\"text/plain\",\"value\":");
	enlargeStringInfo(b, (int) (strlen(text) + strlen(job->content)) + 64);
	fc_json_escape(b, *text ? text : " ");
	appendStringInfoString(b, "},{\"type\":\"text/html\",\"value\":");
	fc_json_escape(b, job->content);
	appendStringInfoString(b, "}]");
}

static void
append_attachments(StringInfo b, FcJob *job)
{
	bool first = true;

	for (int i = 0; i < job->n_attachments; i++)
	{
		FcAttachment *a = &job->attachments[i];

		/* URL-only attachments are for WhatsApp media; email needs bytes. */
		if (a->content_b64 == NULL)
			continue;
		appendStringInfoString(b, first ? ",\"attachments\":[" : ",");
		first = false;
		appendStringInfoString(b, "{\"content\":");
		fc_json_escape(b, a->content_b64);
		appendStringInfoString(b, ",\"filename\":");
		fc_json_escape(b, a->filename);
		appendStringInfoString(b, ",\"type\":");
		fc_json_escape(b, a->mime_type);
		appendStringInfoString(b, ",\"disposition\":\"attachment\"}");
	}
	if (!first)
		appendStringInfoChar(b, ']');
}

/*
 * fc_sendgrid_build fills req for an email job; false (with a permanent
 * failure set) if the account cannot send email.
 */
bool
fc_sendgrid_build(FcJob *job, FcRequest *req)
{
	StringInfo b = &req->body;

	if (job->account.sendgrid_api_key == NULL || job->account.from_email == NULL)
	{
		fc_set_failed(job, "no_account",
					  "no enabled sendgrid account with an api key and from_email for this business or the default");
		return false;
	}
	req->url = psprintf("%s/v3/mail/send", fc_sendgrid_base_url);
	req->content_type = "application/json";
	req->bearer = job->account.sendgrid_api_key;

	appendStringInfoString(b, "{\"personalizations\":[{\"to\":[");
	append_address(b, job->contact, job->recipient_name);
	appendStringInfoString(b, "]}],\"from\":");
	append_address(b, job->account.from_email, job->account.from_name);
	appendStringInfoString(b, ",\"subject\":");
	fc_json_escape(b, job->subject && *job->subject ? job->subject : "(no subject)");
	append_content(b, job);
	append_attachments(b, job);
	/* RFC 8058 one-click unsubscribe (unsubscribe.c): a JSON object of strings */
	if (job->email_headers != NULL)
	{
		appendStringInfoString(b, ",\"headers\":");
		appendStringInfoString(b, job->email_headers);
	}
	appendStringInfoString(b, ",\"custom_args\":{\"communication_id\":");
	fc_json_escape(b, job->communication_id_str);
	appendStringInfoString(b, ",\"business_id\":");
	fc_json_escape(b, job->business_id_str);
	appendStringInfo(b, "},\"tracking_settings\":{\"click_tracking\":{\"enable\":%s},"
						"\"open_tracking\":{\"enable\":%s}}}",
					 job->track_clicks ? "true" : "false",
					 job->track_opens ? "true" : "false");
	return true;
}

/*
 * fc_sendgrid_result classifies Sendgrid's answer.
 */
void
fc_sendgrid_result(FcJob *job)
{
	StringInfoData r;
	char		  *text = NULL;
	char		  *errors = NULL;

	if (job->http_status >= 200 && job->http_status < 300)
	{
		job->outcome = FC_OUT_SENT;
		job->provider_message_id = job->header_message_id;
		initStringInfo(&r);
		appendStringInfo(&r, "{\"status\":%ld,\"x_message_id\":", job->http_status);
		if (job->header_message_id)
			fc_json_escape(&r, job->header_message_id);
		else
			appendStringInfoString(&r, "null");
		appendStringInfoChar(&r, '}');
		job->provider_response = r.data;
		return;
	}
	/* Sendgrid errors: {"errors":[{"message":...,"field":...}]}, keyed by status */
	if (fc_json_valid(job->response.data))
	{
		job->provider_response = job->response.data;
		fc_sendgrid_errors(job->response.data, &text, &errors);
	}
	fc_classify_http_error(job, NULL,
						   text ? text : job->response.len > 0 ? pnstrdup(job->response.data, 300)
															   : NULL,
						   errors);
}
