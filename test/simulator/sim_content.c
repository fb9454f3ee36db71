/*-------------------------------------------------------------------------
 *
 * sim_content.c
 *	  WhatsApp/Messenger 24-hour windows and Twilio's Content API, as the
 *	  real service enforces them.
 *
 * Windows: the simulator remembers the inbound messages it was asked to
 * deliver (POST /_sim/inbound: "the customer writes to the business"), per
 * customer and business address.  A free-form Body to a WhatsApp or
 * Messenger address more than 24 hours after the customer last wrote (or
 * who never wrote) is refused as Twilio does since 2025-04-01: HTTP 400,
 * code 63016.  A ContentSid must name a known Content template (else 21655),
 * its ContentVariables must be a JSON object of strings with exactly the
 * template's placeholders (else 21656), and outside the window it must be
 * approved for WhatsApp (else 63016).
 *
 * Content API: GET /v1/Content/{Sid}/ApprovalRequests (HTTP Basic, as the
 * Messages API) answers the approval fetch resource {sid, account_sid, url,
 * whatsapp: {name, category, content_type, status, rejection_reason,
 * allow_category_change, type}}; unknown SID: 404 code 20404.
 *
 * Control (sim_control.c dispatches):
 *	POST /_sim/inbound {"from": "whatsapp:+1555...", "to": "whatsapp:+1415...",
 *						"ago_s": 0}			record an inbound message
 *	POST /_sim/content {"sid": "HX..." (optional), "variables": ["1", "2"],
 *						"status": "approved", "name": "invoice_en"}
 *											create or update a Content template
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MAX_WINDOWS	  65536
#define MAX_TEMPLATES 256
#define MAX_VARS	  16
#define ADDR_LEN	  80
#define WINDOW_US	  (24LL * 3600 * 1000000)

typedef struct Window
{
	char	customer[ADDR_LEN]; /* From of the inbound message */
	char	business[ADDR_LEN]; /* its To */
	int64_t last_us;			/* CLOCK_REALTIME */
} Window;

typedef struct Template
{
	char sid[35];
	char name[64];
	char status[24];
	int	 nvars;
	char vars[MAX_VARS][8];
} Template;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Window		   windows[MAX_WINDOWS];
static int			   n_windows = 0;
static Template		   templates[MAX_TEMPLATES];
static int			   n_templates = 0;

void
sim_content_reset(void)
{
	pthread_mutex_lock(&lock);
	n_windows = 0;
	n_templates = 0;
	pthread_mutex_unlock(&lock);
}

/* call with lock held */
static Window *
find_window(const char *customer, const char *business)
{
	for (int i = 0; i < n_windows; i++)
		if (strcmp(windows[i].customer, customer) == 0 && strcmp(windows[i].business, business) == 0)
			return &windows[i];
	return NULL;
}

/* call with lock held */
static Template *
find_template(const char *sid)
{
	for (int i = 0; i < n_templates; i++)
		if (strcmp(templates[i].sid, sid) == 0)
			return &templates[i];
	return NULL;
}

static bool
window_open(const char *customer, const char *business)
{
	Window *w;
	bool	open = false;

	pthread_mutex_lock(&lock);
	w = find_window(customer, business);
	if (w != NULL)
		open = sim_now_realtime_us() - w->last_us < WINDOW_US;
	pthread_mutex_unlock(&lock);
	return open;
}

/* copy a JSON string member into out (truncated); false if absent */
static bool
json_str(const SimJson *obj, const char *key, char *out, size_t outlen)
{
	const SimJson *v = sim_json_get(obj, key);

	if (v == NULL || v->type != SJ_STR)
		return false;
	snprintf(out, outlen, "%s", v->str);
	return true;
}

static void
reply(SimResult *res, int status)
{
	res->status = status;
	res->content_type = "application/json";
}

static void
reply_error(SimResult *res, int status, const char *msg)
{
	sim_buf_init(&res->body, 128);
	sim_buf_puts(&res->body, "{\"error\":");
	sim_buf_json_str_or_null(&res->body, msg);
	sim_buf_puts(&res->body, "}");
	reply(res, status);
}

/* record_window opens (renews) one window at time at; false when full */
static bool
record_window(const char *from, const char *to, int64_t at)
{
	Window *w;

	pthread_mutex_lock(&lock);
	w = find_window(from, to);
	if (w == NULL && n_windows < MAX_WINDOWS)
	{
		w = &windows[n_windows++];
		snprintf(w->customer, sizeof(w->customer), "%s", from);
		snprintf(w->business, sizeof(w->business), "%s", to);
	}
	if (w != NULL)
		w->last_us = at; /* a test may also move a window back in time */
	pthread_mutex_unlock(&lock);
	return w != NULL;
}

/* one {"from", "to", "ago_s"} element: its window, or false if malformed */
static bool
inbound_one(const SimJson *j, char *from, char *to, int64_t *at)
{
	const SimJson *ago;

	*at = sim_now_realtime_us();
	if (j == NULL || j->type != SJ_OBJ || !json_str(j, "from", from, ADDR_LEN) ||
		!json_str(j, "to", to, ADDR_LEN) || from[0] == '\0' || to[0] == '\0')
		return false;
	ago = sim_json_get(j, "ago_s");
	if (ago != NULL && ago->type == SJ_NUM)
		*at -= (int64_t) (ago->num * 1000000.0);
	return true;
}

/*
 * POST /_sim/inbound: one message {"from", "to", "ago_s"}, answered with a
 * MessageSid for the webhook; or an array of them (bulk set-up of windows),
 * answered with their count.
 */
void
sim_content_inbound(SimReq *req, SimResult *res)
{
	SimArena	   arena = {0};
	const SimJson *j = sim_json_parse(req->body ? req->body : "", req->body_len, &arena);
	char		   from[ADDR_LEN],
		to[ADDR_LEN],
		sid[35];
	int64_t at;
	int		n = 0;

	if (j != NULL && j->type == SJ_ARR)
	{
		for (const SimJson *e = j->child; e != NULL; e = e->next)
			if (inbound_one(e, from, to, &at) && record_window(from, to, at))
				n++;
		sim_buf_init(&res->body, 64);
		sim_buf_printf(&res->body, "{\"windows\":%d}", n);
		reply(res, 200);
		sim_arena_free(&arena);
		return;
	}
	if (!inbound_one(j, from, to, &at))
		reply_error(res, 400, "want {\"from\": customer address, \"to\": business address, \"ago_s\": seconds}");
	else if (!record_window(from, to, at))
		reply_error(res, 507, "too many windows");
	else
	{
		sim_new_twilio_sid("SM", sid);
		sim_buf_init(&res->body, 256);
		sim_buf_printf(&res->body, "{\"messageSid\":\"%s\",\"from\":", sid);
		sim_buf_json_str_or_null(&res->body, from);
		sim_buf_puts(&res->body, ",\"to\":");
		sim_buf_json_str_or_null(&res->body, to);
		sim_buf_printf(&res->body, ",\"windowOpen\":%s}",
					   sim_now_realtime_us() - at < WINDOW_US ? "true" : "false");
		reply(res, 200);
	}
	sim_arena_free(&arena);
}

/* POST /_sim/content */
void
sim_content_define(SimReq *req, SimResult *res)
{
	SimArena	   arena = {0};
	const SimJson *j = sim_json_parse(req->body ? req->body : "", req->body_len, &arena);
	const SimJson *vars;
	Template	   t;
	Template	  *slot;

	memset(&t, 0, sizeof(t));
	if (j == NULL || j->type != SJ_OBJ)
	{
		reply_error(res, 400, "want {\"sid\"?, \"variables\": [\"1\", ...], \"status\": \"approved\"}");
		sim_arena_free(&arena);
		return;
	}
	if (!json_str(j, "sid", t.sid, sizeof(t.sid)))
		sim_new_twilio_sid("HX", t.sid);
	if (!json_str(j, "status", t.status, sizeof(t.status)))
		snprintf(t.status, sizeof(t.status), "approved");
	if (!json_str(j, "name", t.name, sizeof(t.name)))
		snprintf(t.name, sizeof(t.name), "flowcomm_template");
	vars = sim_json_get(j, "variables");
	if (vars != NULL && vars->type == SJ_ARR)
		for (const SimJson *v = vars->child; v != NULL && t.nvars < MAX_VARS; v = v->next)
			if (v->type == SJ_STR)
				snprintf(t.vars[t.nvars++], sizeof(t.vars[0]), "%s", v->str);
	pthread_mutex_lock(&lock);
	slot = find_template(t.sid);
	if (slot == NULL && n_templates < MAX_TEMPLATES)
		slot = &templates[n_templates++];
	if (slot != NULL)
	{
		/* a status-only update keeps the placeholders */
		if (vars == NULL && slot->sid[0] != '\0')
		{
			t.nvars = slot->nvars;
			memcpy(t.vars, slot->vars, sizeof(t.vars));
		}
		*slot = t;
	}
	pthread_mutex_unlock(&lock);
	if (slot == NULL)
	{
		reply_error(res, 507, "too many templates");
		sim_arena_free(&arena);
		return;
	}
	sim_buf_init(&res->body, 128);
	sim_buf_printf(&res->body, "{\"sid\":\"%s\",\"status\":", t.sid);
	sim_buf_json_str_or_null(&res->body, t.status);
	sim_buf_printf(&res->body, ",\"variables\":%d}", t.nvars);
	reply(res, 200);
	sim_arena_free(&arena);
}

/* the ContentVariables of a send match the template's placeholders exactly */
static bool
variables_match(const Template *t, const char *json)
{
	SimArena	   arena = {0};
	const SimJson *j;
	bool		   ok;

	if (json == NULL || json[0] == '\0')
		return t->nvars == 0;
	j = sim_json_parse(json, strlen(json), &arena);
	ok = j != NULL && j->type == SJ_OBJ && j->count == t->nvars;
	for (int i = 0; ok && i < t->nvars; i++)
	{
		const SimJson *v = sim_json_get(j, t->vars[i]);

		ok = v != NULL && v->type == SJ_STR;
	}
	sim_arena_free(&arena);
	return ok;
}

/*
 * sim_content_refuse applies the window and template rules to a create of a
 * WhatsApp or Messenger message; true (res filled) when it is refused.
 */
bool
sim_content_refuse(const char *to, const char *from, bool has_body, const char *content_sid,
				   const char *content_variables, SimResult *res)
{
	bool open = from != NULL && window_open(to, from);

	if (content_sid != NULL && content_sid[0] != '\0')
	{
		Template t;
		bool	 known;

		pthread_mutex_lock(&lock);
		known = find_template(content_sid) != NULL;
		if (known)
			t = *find_template(content_sid);
		pthread_mutex_unlock(&lock);
		if (!known)
		{
			sim_twilio_error(res, 400, 21655, "The ContentSid is Invalid");
			return true;
		}
		if (!variables_match(&t, content_variables))
		{
			sim_twilio_error(res, 400, 21656, "The ContentVariables Parameter is invalid");
			return true;
		}
		if (!open && strcmp(t.status, "approved") != 0)
		{
			sim_twilio_error(res, 400, 63016,
							 "Failed to send freeform message because you are outside the allowed window. "
							 "If you are using WhatsApp, please use a Message Template.");
			return true;
		}
		return false;
	}
	if (has_body && !open)
	{
		sim_twilio_error(res, 400, 63016,
						 "Failed to send freeform message because you are outside the allowed window. "
						 "If you are using WhatsApp, please use a Message Template.");
		return true;
	}
	return false;
}

/* GET /v1/Content/{Sid}/ApprovalRequests */
void
sim_content_handle(SimReq *req, SimResult *res)
{
	const char *prefix = "/v1/Content/";
	const char *rest = req->url + strlen(prefix);
	char		sid[35];
	char		account[35];
	Template	t;
	bool		known = false;

	if (strncmp(req->url, prefix, strlen(prefix)) != 0 || strlen(rest) != 34 + strlen("/ApprovalRequests") ||
		strcmp(rest + 34, "/ApprovalRequests") != 0)
	{
		char msg[300];

		snprintf(msg, sizeof(msg), "The requested resource %.200s was not found", req->url);
		sim_twilio_error(res, 404, 20404, msg);
		return;
	}
	if (!sim_twilio_basic_auth(req, account))
	{
		sim_twilio_error(res, 401, 20003, "Authentication Error - invalid username");
		return;
	}
	if (strcmp(req->method, "GET") != 0)
	{
		sim_twilio_error(res, 405, 20004, "Method not allowed");
		return;
	}
	memcpy(sid, rest, 34);
	sid[34] = '\0';
	pthread_mutex_lock(&lock);
	if (find_template(sid) != NULL)
	{
		t = *find_template(sid);
		known = true;
	}
	pthread_mutex_unlock(&lock);
	if (!known)
	{
		char msg[300];

		snprintf(msg, sizeof(msg), "The requested resource /Content/%s/ApprovalRequests was not found", sid);
		sim_twilio_error(res, 404, 20404, msg);
		return;
	}
	sim_buf_init(&res->body, 512);
	sim_buf_printf(&res->body,
				   "{\"sid\":\"%s\",\"account_sid\":\"%s\","
				   "\"url\":\"https://content.twilio.com/v1/Content/%s/ApprovalRequests\","
				   "\"whatsapp\":{\"type\":\"whatsapp\",\"name\":",
				   sid, account, sid);
	sim_buf_json_str_or_null(&res->body, t.name);
	sim_buf_puts(&res->body, ",\"category\":\"UTILITY\",\"content_type\":\"twilio/text\",\"status\":");
	sim_buf_json_str_or_null(&res->body, t.status);
	sim_buf_printf(&res->body, ",\"rejection_reason\":\"%s\",\"allow_category_change\":true,\"flows\":null}}",
				   strcmp(t.status, "rejected") == 0 ? "INVALID_FORMAT" : "");
	reply(res, 200);
}
