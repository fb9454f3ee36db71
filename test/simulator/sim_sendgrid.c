/*-------------------------------------------------------------------------
 *
 * sim_sendgrid.c
 *	  Simulated Sendgrid v3 mail send: POST /v3/mail/send.
 *
 * Bearer-key authentication, JSON body validation following the published
 * OpenAPI description (test/../spec/providers/sendgrid_mail_send.json), and
 * Sendgrid-shaped error bodies:
 *	{"errors":[{"message":"...","field":"personalizations.0.to","help":"..."}]}
 * Success is 202 with an empty body and an X-Message-Id header.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <microhttpd.h>

#include "sim.h"

#define HELP_BASE  "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#"
#define MAX_ERRORS 50

typedef struct Validator
{
	SimBuf out; /* the "errors" array being built */
	int	   nerrors;
} Validator;

static void
add_error(Validator *v, const char *message, const char *field, const char *help)
{
	if (v->nerrors >= MAX_ERRORS)
		return;
	sim_buf_puts(&v->out, v->nerrors ? ",{\"message\":" : "{\"message\":");
	sim_buf_json_str_or_null(&v->out, message);
	sim_buf_puts(&v->out, ",\"field\":");
	sim_buf_json_str_or_null(&v->out, field);
	sim_buf_puts(&v->out, ",\"help\":");
	if (help)
	{
		SimBuf h;

		sim_buf_init(&h, 128);
		sim_buf_puts(&h, HELP_BASE);
		sim_buf_puts(&h, help);
		sim_buf_json_str(&v->out, h.data, h.len);
		sim_buf_free(&h);
	}
	else
		sim_buf_puts(&v->out, "null");
	sim_buf_puts(&v->out, "}");
	v->nerrors++;
}

/* one Sendgrid error as a whole response */
void
sim_sendgrid_error(SimResult *res, int status, const char *message,
				   const char *field, const char *help)
{
	Validator v;

	sim_buf_init(&v.out, 256);
	v.nerrors = 0;
	sim_buf_puts(&v.out, "{\"errors\":[");
	add_error(&v, message, field, help);
	sim_buf_puts(&v.out, "]}");
	res->status = status;
	res->body = v.out;
	res->content_type = "application/json";
}

/* injected faults: 429 with Retry-After, 5xx */
void
sim_sendgrid_fault(SimResult *res, int status, int retry_after)
{
	const char *msg;

	switch (status)
	{
		case 429:
			msg = "too many requests";
			res->retry_after = retry_after > 0 ? retry_after : 1;
			break;
		case 500:
			msg = "Internal Server Error";
			break;
		case 502:
			msg = "Bad Gateway";
			break;
		case 503:
			msg = "Service Unavailable";
			break;
		case 504:
			msg = "Gateway Timeout";
			break;
		case 401:
			msg = "The provided authorization grant is invalid, expired, or revoked";
			break;
		case 413:
			msg = "Payload Too Large";
			break;
		default:
			msg = status >= 500 ? "Internal Server Error" : "Bad Request";
			break;
	}
	sim_sendgrid_error(res, status, msg, NULL, NULL);
}

/* pragmatic address syntax check: local@domain.tld, no spaces or controls */
static bool
valid_email(const char *s, size_t n)
{
	const char *at = NULL;
	const char *domain;
	size_t		dlen;
	bool		has_dot = false;

	if (n < 3 || n > 254)
		return false;
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '(' ||
			c == ')' || c == ',' || c == ';' || c == ':' || c == '\\' ||
			c == '"' || c == '[' || c == ']')
			return false;
		if (c == '@')
		{
			if (at != NULL)
				return false;
			at = s + i;
		}
	}
	if (at == NULL || at == s || at - s > 64)
		return false;
	if (s[0] == '.' || at[-1] == '.')
		return false;
	domain = at + 1;
	dlen = (size_t) (s + n - domain);
	if (dlen < 3 || domain[0] == '.' || domain[0] == '-' ||
		domain[dlen - 1] == '.' || domain[dlen - 1] == '-')
		return false;
	for (size_t i = 0; i < dlen; i++)
	{
		if (domain[i] == '.')
		{
			if (domain[i + 1] == '.')
				return false;
			has_dot = true;
		}
	}
	for (const char *p = s; p + 1 < at; p++)
		if (p[0] == '.' && p[1] == '.')
			return false;
	return has_dot;
}

static bool
is_nonempty_string(const SimJson *v)
{
	return v != NULL && v->type == SJ_STR && v->len > 0;
}

/* validate an {email, name?} object at `field` (e.g. "from") */
static void
check_address(Validator *v, const SimJson *a, const char *field,
			  const char *missing_msg, const char *help)
{
	char		   f[128];
	const SimJson *email = sim_json_get(a, "email");
	const SimJson *name = sim_json_get(a, "name");

	snprintf(f, sizeof(f), "%s.email", field);
	if (a == NULL || a->type != SJ_OBJ || email == NULL || email->type == SJ_NULL)
	{
		add_error(v, missing_msg, f, help);
		return;
	}
	if (email->type != SJ_STR || !valid_email(email->str, email->len))
		add_error(v, "Does not contain a valid address.", f, help);
	if (name != NULL && name->type != SJ_STR && name->type != SJ_NULL)
	{
		snprintf(f, sizeof(f), "%s.name", field);
		add_error(v, "The name must be a string.", f, help);
	}
}

static void
check_address_list(Validator *v, const SimJson *list, const char *field,
				   bool required, const char *help)
{
	char f[128];
	int	 j = 0;

	if (list == NULL || list->type == SJ_NULL)
	{
		if (required)
			add_error(v, "The to array is required for all personalization objects, "
						 "and must have at least one email object with a valid email address.",
					  field, help);
		return;
	}
	if (list->type != SJ_ARR || (required && list->count == 0))
	{
		add_error(v, required ? "The to array is required for all personalization objects, "
								"and must have at least one email object with a valid email address."
							  : "The value must be an array of email objects.",
				  field, help);
		return;
	}
	if (list->count > 1000)
		add_error(v, "The personalization block can contain at most 1000 recipients.",
				  field, help);
	for (const SimJson *a = list->child; a != NULL; a = a->next, j++)
	{
		snprintf(f, sizeof(f), "%s.%d", field, j);
		check_address(v, a, f, "The email address is required.", help);
	}
}

static void
check_string_map(Validator *v, const SimJson *m, const char *field,
				 const char *help)
{
	if (m == NULL || m->type == SJ_NULL)
		return;
	if (m->type != SJ_OBJ)
	{
		add_error(v, "The custom_args parameter must be an object whose values are strings.",
				  field, help);
		return;
	}
	for (const SimJson *e = m->child; e != NULL; e = e->next)
		if (e->type != SJ_STR)
		{
			add_error(v, "Every custom_args value must be a string.", field, help);
			return;
		}
}

/*
 * headers: an object of string values (v3 mail/send: "The key/value pairs
 * must be strings ... These headers cannot be one of the reserved
 * headers"); a value may not break the header it becomes.
 */
static void
check_headers(Validator *v, const SimJson *h)
{
	static const char *const reserved[] = {
		"x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type",
		"content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc", NULL};

	if (h == NULL || h->type == SJ_NULL)
		return;
	if (h->type != SJ_OBJ)
	{
		add_error(v, "The headers parameter must be an object.", "headers", "message.headers");
		return;
	}
	for (const SimJson *e = h->child; e != NULL; e = e->next)
	{
		if (e->type != SJ_STR || strpbrk(e->str, "\r\n") != NULL)
		{
			add_error(v, "Every headers value must be a string without line breaks.", "headers",
					  "message.headers");
			return;
		}
		for (int i = 0; reserved[i] != NULL; i++)
			if (strlen(reserved[i]) == e->keylen && strncasecmp(e->key, reserved[i], e->keylen) == 0)
			{
				add_error(v, "The headers parameter may not contain a reserved header.", "headers",
						  "message.headers");
				return;
			}
	}
}

/* tracking_settings / mail_settings: objects of objects with boolean enable */
static void
check_settings(Validator *v, const SimJson *s, const char *field, const char *help)
{
	char f[128];

	if (s == NULL || s->type == SJ_NULL)
		return;
	if (s->type != SJ_OBJ)
	{
		add_error(v, "The settings must be an object.", field, help);
		return;
	}
	for (const SimJson *e = s->child; e != NULL; e = e->next)
	{
		const SimJson *en;

		snprintf(f, sizeof(f), "%s.%.*s", field, (int) (e->keylen > 60 ? 60 : e->keylen), e->key);
		if (e->type != SJ_OBJ)
		{
			add_error(v, "The setting must be an object.", f, help);
			continue;
		}
		en = sim_json_get(e, "enable");
		if (en != NULL && en->type != SJ_BOOL)
		{
			snprintf(f, sizeof(f), "%s.%.*s.enable", field,
					 (int) (e->keylen > 60 ? 60 : e->keylen), e->key);
			add_error(v, "The enable parameter must be a boolean.", f, help);
		}
	}
}

static void
validate_mail(Validator *v, const SimJson *root)
{
	const SimJson *pers = sim_json_get(root, "personalizations");
	const SimJson *template_id = sim_json_get(root, "template_id");
	const SimJson *subject = sim_json_get(root, "subject");
	const SimJson *content = sim_json_get(root, "content");
	const SimJson *attachments = sim_json_get(root, "attachments");
	const SimJson *reply_to = sim_json_get(root, "reply_to");
	const SimJson *categories = sim_json_get(root, "categories");
	const SimJson *send_at = sim_json_get(root, "send_at");
	bool		   has_template = is_nonempty_string(template_id);
	bool		   all_pers_subject = true;
	char		   f[128];
	int			   i;

	/* personalizations */
	if (pers == NULL || pers->type != SJ_ARR || pers->count == 0)
	{
		add_error(v, "The personalizations field is required and must have at least one personalization.",
				  "personalizations", "message.personalizations");
		all_pers_subject = false;
	}
	else
	{
		if (pers->count > 1000)
			add_error(v, "You may not have more than 1000 personalizations per API request.",
					  "personalizations", "message.personalizations");
		i = 0;
		for (const SimJson *p = pers->child; p != NULL; p = p->next, i++)
		{
			const SimJson *ps;

			if (p->type != SJ_OBJ)
			{
				snprintf(f, sizeof(f), "personalizations.%d", i);
				add_error(v, "Each personalization must be an object.", f,
						  "message.personalizations");
				all_pers_subject = false;
				continue;
			}
			snprintf(f, sizeof(f), "personalizations.%d.to", i);
			check_address_list(v, sim_json_get(p, "to"), f, true,
							   "message.personalizations.to");
			snprintf(f, sizeof(f), "personalizations.%d.cc", i);
			check_address_list(v, sim_json_get(p, "cc"), f, false,
							   "message.personalizations.cc");
			snprintf(f, sizeof(f), "personalizations.%d.bcc", i);
			check_address_list(v, sim_json_get(p, "bcc"), f, false,
							   "message.personalizations.bcc");
			if (sim_json_get(p, "from") != NULL)
			{
				snprintf(f, sizeof(f), "personalizations.%d.from", i);
				check_address(v, sim_json_get(p, "from"), f,
							  "The from email is required.", "message.personalizations.from");
			}
			ps = sim_json_get(p, "subject");
			if (ps != NULL && ps->type != SJ_NULL && !is_nonempty_string(ps))
			{
				snprintf(f, sizeof(f), "personalizations.%d.subject", i);
				add_error(v, "The subject of your email must be a string at least one character in length.",
						  f, "message.personalizations.subject");
			}
			if (!is_nonempty_string(ps))
				all_pers_subject = false;
			snprintf(f, sizeof(f), "personalizations.%d.custom_args", i);
			check_string_map(v, sim_json_get(p, "custom_args"), f,
							 "message.personalizations.custom_args");
			ps = sim_json_get(p, "send_at");
			if (ps != NULL && (ps->type != SJ_NUM || !ps->is_int))
			{
				snprintf(f, sizeof(f), "personalizations.%d.send_at", i);
				add_error(v, "The send_at parameter must be a unix timestamp.", f,
						  "message.personalizations.send_at");
			}
		}
	}

	/* from */
	check_address(v, sim_json_get(root, "from"), "from",
				  "The from object must be provided for every email send. It is an object "
				  "that requires the email parameter, but may also contain a name parameter.",
				  "message.from");
	if (reply_to != NULL && reply_to->type != SJ_NULL)
		check_address(v, reply_to, "reply_to", "The reply_to email is required.",
					  "message.reply_to");

	/* subject */
	if (subject != NULL && subject->type != SJ_NULL && !is_nonempty_string(subject))
		add_error(v, "The subject of your email must be a string at least one character in length.",
				  "subject", "message.subject");
	else if (!is_nonempty_string(subject) && !has_template && !all_pers_subject)
		add_error(v, "The subject is required. You can get around this requirement if you use a "
					 "template with a subject defined or if every personalization has a subject defined.",
				  "subject", "message.subject");

	/* content */
	if (content == NULL || content->type == SJ_NULL)
	{
		if (!has_template)
			add_error(v, "Unless a valid template_id is provided, the content parameter is required. "
						 "There must be at least one defined content block.",
					  "content", "message.content");
	}
	else if (content->type != SJ_ARR || (content->count == 0 && !has_template))
		add_error(v, "Unless a valid template_id is provided, the content parameter is required. "
					 "There must be at least one defined content block.",
				  "content", "message.content");
	else
	{
		int plain_at = -1,
			html_at = -1;

		i = 0;
		for (const SimJson *c = content->child; c != NULL; c = c->next, i++)
		{
			const SimJson *type = sim_json_get(c, "type");
			const SimJson *value = sim_json_get(c, "value");

			if (c->type != SJ_OBJ)
			{
				snprintf(f, sizeof(f), "content.%d", i);
				add_error(v, "Each content block must be an object.", f, "message.content");
				continue;
			}
			if (!is_nonempty_string(type))
			{
				snprintf(f, sizeof(f), "content.%d.type", i);
				add_error(v, "The content type must be a string at least one character in length.",
						  f, "message.content.type");
			}
			else if (strpbrk(type->str, ";\r\n") != NULL)
			{
				snprintf(f, sizeof(f), "content.%d.type", i);
				add_error(v, "The content type cannot contain ';', or CRLF characters.",
						  f, "message.content.type");
			}
			else if (strcmp(type->str, "text/plain") == 0 && plain_at < 0)
				plain_at = i;
			else if (strcmp(type->str, "text/html") == 0 && html_at < 0)
				html_at = i;
			if (!is_nonempty_string(value))
			{
				snprintf(f, sizeof(f), "content.%d.value", i);
				add_error(v, "The content value must be a string at least one character in length.",
						  f, "message.content.value");
			}
		}
		if (plain_at > 0 || (html_at >= 0 && html_at > (plain_at >= 0 ? 1 : 0)))
			add_error(v, "The text/plain content type must be first, followed by the text/html "
						 "content type, followed by any other content.",
					  "content", "message.content");
	}

	/* attachments */
	if (attachments != NULL && attachments->type != SJ_NULL)
	{
		if (attachments->type != SJ_ARR)
			add_error(v, "The attachments parameter must be an array.", "attachments",
					  "message.attachments");
		else
		{
			i = 0;
			for (const SimJson *a = attachments->child; a != NULL; a = a->next, i++)
			{
				const SimJson *ac = sim_json_get(a, "content");
				const SimJson *fn = sim_json_get(a, "filename");
				const SimJson *disp = sim_json_get(a, "disposition");
				const SimJson *type = sim_json_get(a, "type");

				snprintf(f, sizeof(f), "attachments.%d.content", i);
				if (!is_nonempty_string(ac))
					add_error(v, "The attachment content is required.", f,
							  "message.attachments.content");
				else if (!sim_base64_valid(ac->str, ac->len))
					add_error(v, "The attachment content must be base64 encoded.", f,
							  "message.attachments.content");
				snprintf(f, sizeof(f), "attachments.%d.filename", i);
				if (!is_nonempty_string(fn))
					add_error(v, "The attachment filename parameter is required.", f,
							  "message.attachments.filename");
				if (type != NULL && !is_nonempty_string(type))
				{
					snprintf(f, sizeof(f), "attachments.%d.type", i);
					add_error(v, "The attachment type must be a string at least one character in length.",
							  f, "message.attachments.type");
				}
				if (disp != NULL && (disp->type != SJ_STR ||
									 (strcmp(disp->str, "inline") != 0 &&
									  strcmp(disp->str, "attachment") != 0)))
				{
					snprintf(f, sizeof(f), "attachments.%d.disposition", i);
					add_error(v, "The disposition must be either inline or attachment.", f,
							  "message.attachments.disposition");
				}
				else if (disp != NULL && strcmp(disp->str, "inline") == 0 &&
						 !is_nonempty_string(sim_json_get(a, "content_id")))
				{
					snprintf(f, sizeof(f), "attachments.%d.content_id", i);
					add_error(v, "The content_id parameter is required for inline attachments.", f,
							  "message.attachments.content_id");
				}
			}
		}
	}

	if (template_id != NULL && template_id->type != SJ_STR && template_id->type != SJ_NULL)
		add_error(v, "The template_id must be a string.", "template_id", "message.template_id");
	if (categories != NULL && categories->type != SJ_NULL)
	{
		bool ok = categories->type == SJ_ARR && categories->count <= 10;

		if (ok)
			for (const SimJson *c = categories->child; c != NULL; c = c->next)
				if (c->type != SJ_STR || c->len > 255)
					ok = false;
		if (!ok)
			add_error(v, "The categories parameter must be an array of at most 10 strings "
						 "of at most 255 characters.",
					  "categories", "message.categories");
	}
	if (send_at != NULL && (send_at->type != SJ_NUM || !send_at->is_int))
		add_error(v, "The send_at parameter must be a unix timestamp.", "send_at",
				  "message.send_at");
	check_string_map(v, sim_json_get(root, "custom_args"), "custom_args",
					 "message.custom_args");
	check_settings(v, sim_json_get(root, "tracking_settings"), "tracking_settings",
				   "message.tracking_settings");
	check_settings(v, sim_json_get(root, "mail_settings"), "mail_settings",
				   "message.mail_settings");
	check_headers(v, sim_json_get(root, "headers"));
}

/* personalizations[0].to[0].email of a validated request */
static const char *
first_recipient(const SimJson *root)
{
	const SimJson *p = sim_json_get(root, "personalizations");
	const SimJson *to = p && p->child ? sim_json_get(p->child, "to") : NULL;
	const SimJson *email = to && to->child ? sim_json_get(to->child, "email") : NULL;

	return email && email->type == SJ_STR ? email->str : NULL;
}

/* POST /v3/mail/send */
void
sim_sendgrid_send(SimReq *req, SimResult *res)
{
	const char *auth = sim_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *ctype = sim_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *key = NULL;
	SimArena	arena = {0};
	SimJson	   *root;
	Validator	v;

	if (auth != NULL && sim_strcaseprefix(auth, "Bearer "))
	{
		key = auth + 7;
		while (*key == ' ')
			key++;
	}
	if (!sim_creds_sendgrid_ok(key))
	{
		sim_sendgrid_error(res, 401,
						   "The provided authorization grant is invalid, expired, or revoked",
						   NULL, NULL);
		return;
	}
	/* a key without the mail.send scope (documented 403) */
	if (strcmp(key, "SG.no-mail-send") == 0)
	{
		sim_sendgrid_error(res, 403, "access forbidden", NULL, NULL);
		return;
	}
	if (req->body_too_large)
	{
		sim_sendgrid_error(res, 413,
						   "The JSON payload you have included in your request is too large.",
						   NULL, NULL);
		return;
	}
	if (ctype == NULL || !sim_strcaseprefix(ctype, "application/json"))
	{
		sim_sendgrid_error(res, 400, "Content-Type should be application/json.",
						   NULL, NULL);
		return;
	}
	root = sim_json_parse(req->body ? req->body : "", req->body_len, &arena);
	if (root == NULL || root->type != SJ_OBJ)
	{
		sim_arena_free(&arena);
		sim_sendgrid_error(res, 400, "Bad Request", NULL, NULL);
		return;
	}
	sim_buf_init(&v.out, 256);
	v.nerrors = 0;
	sim_buf_puts(&v.out, "{\"errors\":[");
	validate_mail(&v, root);
	if (v.nerrors > 0)
	{
		sim_arena_free(&arena);
		sim_buf_puts(&v.out, "]}");
		res->status = 400;
		res->body = v.out;
		res->content_type = "application/json";
		return;
	}
	sim_buf_free(&v.out);
	/* an injected error for the first recipient ("errors" fault rule) */
	if (sim_faults_recipient(SIM_SENDGRID, first_recipient(root), res))
	{
		sim_arena_free(&arena);
		return;
	}
	sim_arena_free(&arena);
	res->status = 202;
	sim_new_sendgrid_id(res->response_id);
	res->message_id_header = true;
}
