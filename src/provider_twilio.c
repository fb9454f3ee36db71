/*-------------------------------------------------------------------------
 *
 * provider_twilio.c
 *	  SMS, WhatsApp and Messenger through Twilio's Messages resource.
 *
 * POST <base>/2010-04-01/Accounts/<AccountSid>/Messages.json, form-encoded,
 * HTTP Basic auth with the account sid and auth token.  The channel decides
 * the address scheme: E.164 for SMS, "whatsapp:+..." and
 * "messenger:<page id>" for the others.  Bodies are cut at 1600 characters
 * (Twilio's limit); for SMS the billed segments and encoding are recorded.
 * Twilio answers 201 with the Message resource (sid SM..., num_segments)
 * or an error object {code, message, more_info, status}.  WhatsApp and
 * Messenger go as the form content_api.c chose at claim: a Body inside the
 * 24-hour window, an approved template (ContentSid + ContentVariables)
 * outside it, or nothing (whatsapp_template_required); Twilio's 63016
 * (window closed meanwhile) fails the same way, so the fallback takes over.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "flowcomm.h"

static const char *sender_address(FcJob *job);
static char		  *recipient_address(FcJob *job);
static bool		   check_account(FcJob *job);

/* sender_address returns the From of the job's channel, or NULL. */
static const char *
sender_address(FcJob *job)
{
	FcAccount *a = &job->account;

	switch (job->channel)
	{
		case FC_CH_WHATSAPP:
			return a->whatsapp_from ? psprintf("whatsapp:%s", a->whatsapp_from) : NULL;
		case FC_CH_MESSENGER:
			return a->messenger_page_id ? psprintf("messenger:%s", a->messenger_page_id) : NULL;
		default:
			return a->sms_from;
	}
}

/* recipient_address prefixes the contact with the channel scheme. */
static char *
recipient_address(FcJob *job)
{
	const char *scheme = job->channel == FC_CH_WHATSAPP ? "whatsapp:" : job->channel == FC_CH_MESSENGER ? "messenger:"
																										: "";

	if (*scheme == '\0' || strncmp(job->contact, scheme, strlen(scheme)) == 0)
		return job->contact;
	return psprintf("%s%s", scheme, job->contact);
}

static bool
check_account(FcJob *job)
{
	FcAccount *a = &job->account;

	if (a->twilio_account_sid == NULL || a->twilio_auth_token == NULL)
	{
		fc_set_failed(job, "no_account",
					  "no enabled twilio account with a sid and auth token for this business or the default");
		return false;
	}
	if (sender_address(job) == NULL &&
		!(job->channel == FC_CH_SMS && a->messaging_service_sid != NULL))
	{
		fc_set_failed(job, "no_sender",
					  psprintf("the twilio account has no sender for channel %s",
							   fc_channel_names[job->channel]));
		return false;
	}
	return true;
}

/*
 * fc_twilio_build fills req for an SMS/WhatsApp/Messenger job; false (with
 * a permanent failure set) if the account cannot send on that channel.
 */
bool
fc_twilio_build(FcJob *job, FcRequest *req)
{
	StringInfo	b = &req->body;
	const char *from;
	char	   *body;

	if (!check_account(job))
		return false;
	if (job->send_form == FC_FORM_NONE)
	{
		/* outside the 24-hour window with no approved template: not sent */
		fc_set_failed(job, job->form_error_code, job->form_error_message);
		return false;
	}
	from = sender_address(job);
	body = fc_sms_truncate(job->content_text && job->channel != FC_CH_SMS ? job->content_text : job->content,
						   FC_SMS_MAX_CHARS);
	if (job->channel == FC_CH_SMS)
		fc_sms_segments(body, &job->segments, &job->encoding);

	req->url = psprintf("%s/2010-04-01/Accounts/%s/Messages.json",
						fc_twilio_base_url, job->account.twilio_account_sid);
	req->content_type = "application/x-www-form-urlencoded";
	req->basic_user = job->account.twilio_account_sid;
	req->basic_password = job->account.twilio_auth_token;

	fc_form_append(b, "To", recipient_address(job));
	if (from)
		fc_form_append(b, "From", from);
	else
		fc_form_append(b, "MessagingServiceSid", job->account.messaging_service_sid);
	if (job->send_form == FC_FORM_TEMPLATE)
	{
		/* an approved WhatsApp template: its text is Twilio's, no Body */
		fc_form_append(b, "ContentSid", job->content_sid);
		fc_form_append(b, "ContentVariables", job->content_variables);
	}
	else
		fc_form_append(b, "Body", body);
	if (job->channel != FC_CH_SMS && job->send_form != FC_FORM_TEMPLATE)
		for (int i = 0; i < job->n_attachments; i++)
			if (job->attachments[i].file_url)
				fc_form_append(b, "MediaUrl", job->attachments[i].file_url);
	if (fc_status_callback_url && *fc_status_callback_url)
		fc_form_append(b, "StatusCallback", psprintf("%s/twilio/status", fc_status_callback_url));
	return true;
}

/*
 * fc_twilio_result classifies Twilio's answer: an error's code and message
 * go to the catalogue (fc_classify_http_error).
 */
void
fc_twilio_result(FcJob *job)
{
	const char *json = job->response.data;
	bool		valid = fc_json_valid(json);

	if (valid)
		job->provider_response = pstrdup(json);
	if (job->http_status >= 200 && job->http_status < 300)
	{
		job->outcome = FC_OUT_SENT;
		job->provider_message_id = valid ? fc_json_find_string(json, "sid") : NULL;
		return;
	}
	fc_classify_http_error(job, valid ? fc_json_find_string(json, "code") : NULL,
						   valid ? fc_json_find_string(json, "message") : NULL, NULL);

	/*
	 * 63016: the window closed before the free-form message arrived.  The
	 * catalogue's permanent class, code and message stay in history; the
	 * reason is the one the send-time choice gives, so the fallback treats
	 * both alike.
	 */
	if (valid && fc_json_find_int(json, "code", 0) == 63016)
		job->error_code =
			pstrdup(job->channel == FC_CH_MESSENGER ? "messenger_window_closed" : "whatsapp_template_required");
}
