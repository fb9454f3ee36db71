/*-------------------------------------------------------------------------
 *
 * sim_faults.c
 *	  Fault injection of flowcomm-sim: per-route configuration set through
 *	  POST /_sim/faults (random 5xx, 429 with Retry-After, delays, stalls,
 *	  dropped connections, body size limit), deterministic scripts whose
 *	  steps are consumed one per incoming provider request, and provider
 *	  error rules for one recipient ("errors"): each answers a given Twilio
 *	  error code or Sendgrid errors[] entry, in the providers' own shapes,
 *	  for that recipient's next N sends.
 *
 * When no fault is configured the request path reads one atomic flag and
 * takes no lock.
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

typedef struct FaultCfg
{
	double	  error_5xx_pct;
	double	  rate_429_pct;
	int		  retry_after;
	int		  delay_ms;
	double	  stall_pct;
	int		  stall_ms;
	double	  drop_pct;
	long long max_body_bytes;
} FaultCfg;

/* a provider error to answer: Twilio code/message, Sendgrid message/field */
typedef struct ErrorSpec
{
	int	 code; /* Twilio error code; 0: the status's default */
	char message[256];
	char field[128];
} ErrorSpec;

typedef struct ScriptStep
{
	int		  status; /* 0: normal processing */
	int		  retry_after;
	bool	  drop;
	int		  delay_ms;
	int		  stall_ms;
	ErrorSpec err;
} ScriptStep;

/* "errors": answer a provider error to one recipient, count times (-1: always) */
typedef struct ErrorRule
{
	char	  to[256];
	int		  status;
	int		  retry_after;
	int		  count;
	ErrorSpec err;
} ErrorRule;

#define MAX_ERROR_RULES 64

typedef struct Script
{
	ScriptStep *steps;
	int			n;
	int			next;
} Script;

#define SCRIPT_ANY SIM_NPROVIDERS /* route "*": shared by both providers */

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static FaultCfg		   cfg[SIM_NPROVIDERS];
static Script		   scripts[SIM_NPROVIDERS + 1];
static ErrorRule	   rules[SIM_NPROVIDERS][MAX_ERROR_RULES];
static int			   n_rules[SIM_NPROVIDERS];
static uint64_t		   rng_state;
static uint64_t		   rng_seed;
static int			   cli_delay_ms;
static _Atomic int	   faults_active; /* anything beyond the CLI defaults? */

static const char *const route_names[] = {"sendgrid", "twilio"};

static void
cfg_default(FaultCfg *c)
{
	memset(c, 0, sizeof(*c));
	c->retry_after = 1;
	c->delay_ms = cli_delay_ms;
	c->max_body_bytes = SIM_DEFAULT_MAX_BODY;
}

static bool
cfg_is_default(const FaultCfg *c)
{
	FaultCfg d;

	cfg_default(&d);
	return c->error_5xx_pct == 0 && c->rate_429_pct == 0 &&
		   c->stall_pct == 0 && c->drop_pct == 0 &&
		   c->delay_ms == d.delay_ms && c->max_body_bytes == d.max_body_bytes;
}

/* caller holds fault_lock */
static void
update_active(void)
{
	bool active = false;

	for (int i = 0; i < SIM_NPROVIDERS; i++)
		if (!cfg_is_default(&cfg[i]))
			active = true;
	for (int i = 0; i <= SIM_NPROVIDERS; i++)
		if (scripts[i].next < scripts[i].n)
			active = true;
	for (int i = 0; i < SIM_NPROVIDERS; i++)
		if (n_rules[i] > 0)
			active = true;
	atomic_store(&faults_active, active ? 1 : 0);
}

static void
script_clear(Script *s)
{
	free(s->steps);
	s->steps = NULL;
	s->n = s->next = 0;
}

/* xorshift64*: deterministic for a given seed */
static double
rng_pct(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (double) ((x * UINT64_C(2685821657736338717)) >> 11) /
		   (double) (UINT64_C(1) << 53) * 100.0;
}

static void
set_seed(uint64_t seed)
{
	rng_seed = seed;
	rng_state = seed ^ UINT64_C(0x9E3779B97F4A7C15);
	if (rng_state == 0)
		rng_state = 1;
}

void
sim_faults_init(int default_delay_ms)
{
	cli_delay_ms = default_delay_ms;
	sim_faults_reset();
}

void
sim_faults_reset(void)
{
	pthread_mutex_lock(&fault_lock);
	for (int i = 0; i < SIM_NPROVIDERS; i++)
		cfg_default(&cfg[i]);
	for (int i = 0; i <= SIM_NPROVIDERS; i++)
		script_clear(&scripts[i]);
	memset(n_rules, 0, sizeof(n_rules));
	set_seed(1);
	update_active();
	pthread_mutex_unlock(&fault_lock);
}

size_t
sim_faults_max_body(int provider)
{
	size_t n;

	if (!atomic_load_explicit(&faults_active, memory_order_relaxed) ||
		provider < 0)
		return SIM_DEFAULT_MAX_BODY;
	pthread_mutex_lock(&fault_lock);
	n = (size_t) cfg[provider].max_body_bytes;
	pthread_mutex_unlock(&fault_lock);
	return n;
}

/*
 * Decide what to do with one provider request: a pending script step wins
 * (route script first, then the "*" script); otherwise the random faults in
 * the order drop, stall, 5xx, 429.  delay_ms applies to every answer.
 */
void
sim_faults_decide(int provider, SimFaultDecision *d)
{
	FaultCfg *c;
	Script	 *s;

	memset(d, 0, sizeof(*d));
	if (!atomic_load_explicit(&faults_active, memory_order_relaxed))
	{
		d->delay_ms = cli_delay_ms;
		return;
	}
	pthread_mutex_lock(&fault_lock);
	c = &cfg[provider];
	d->delay_ms = c->delay_ms;
	s = &scripts[provider];
	if (s->next >= s->n)
		s = &scripts[SCRIPT_ANY];
	if (s->next < s->n)
	{
		ScriptStep *st = &s->steps[s->next++];

		if (st->drop)
			d->action = SIM_FAULT_DROP;
		else if (st->status != 0)
		{
			d->action = SIM_FAULT_ERROR;
			d->status = st->status;
			d->retry_after = st->retry_after;
			d->code = st->err.code;
			snprintf(d->message, sizeof(d->message), "%s", st->err.message);
			snprintf(d->field, sizeof(d->field), "%s", st->err.field);
		}
		if (st->stall_ms > 0)
		{
			d->delay_ms = st->stall_ms;
			d->stalled = true;
		}
		else if (st->delay_ms > 0)
			d->delay_ms = st->delay_ms;
		if (s->next >= s->n)
			update_active();
	}
	else
	{
		if (c->drop_pct > 0 && rng_pct() < c->drop_pct)
			d->action = SIM_FAULT_DROP;
		else if (c->stall_pct > 0 && rng_pct() < c->stall_pct)
		{
			d->delay_ms = c->stall_ms;
			d->stalled = true;
		}
		else if (c->error_5xx_pct > 0 && rng_pct() < c->error_5xx_pct)
		{
			d->action = SIM_FAULT_ERROR;
			d->status = rng_pct() < 50.0 ? 500 : 503;
		}
		else if (c->rate_429_pct > 0 && rng_pct() < c->rate_429_pct)
		{
			d->action = SIM_FAULT_ERROR;
			d->status = 429;
			d->retry_after = c->retry_after;
		}
	}
	pthread_mutex_unlock(&fault_lock);
}

static bool
get_num(const SimJson *obj, const char *key, double lo, double hi,
		double *out, SimBuf *err)
{
	const SimJson *v = sim_json_get(obj, key);

	if (v == NULL || v->type == SJ_NULL)
		return true;
	if (v->type != SJ_NUM || v->num < lo || v->num > hi)
	{
		sim_buf_printf(err, "\"%s\" must be a number between %g and %g", key, lo, hi);
		return false;
	}
	*out = v->num;
	return true;
}

static bool
get_str(const SimJson *obj, const char *key, char *out, size_t outlen, SimBuf *err)
{
	const SimJson *v = sim_json_get(obj, key);

	out[0] = '\0';
	if (v == NULL || v->type == SJ_NULL)
		return true;
	if (v->type != SJ_STR || v->len >= outlen)
	{
		sim_buf_printf(err, "\"%s\" must be a string of at most %zu bytes", key, outlen - 1);
		return false;
	}
	memcpy(out, v->str, v->len + 1);
	return true;
}

/* "code", "message", "field" of a script step or an error rule */
static bool
parse_error_spec(const SimJson *o, ErrorSpec *e, SimBuf *err)
{
	double code = 0;

	if (!get_num(o, "code", 0, 99999999, &code, err) ||
		!get_str(o, "message", e->message, sizeof(e->message), err) ||
		!get_str(o, "field", e->field, sizeof(e->field), err))
		return false;
	e->code = (int) code;
	return true;
}

/*
 * The HTTP status a Twilio error code comes with when none is given:
 * authentication 401, rate limits 429, the rest 400.
 */
static int
status_for_code(int provider, int code)
{
	if (provider == SIM_TWILIO && code == 20003)
		return 401;
	if (provider == SIM_TWILIO && (code == 20429 || code == 63018))
		return 429;
	return 400;
}

static bool
parse_script(const SimJson *arr, Script *out, int provider, SimBuf *err)
{
	int i = 0;
	int n = 0;

	if (arr->type != SJ_ARR)
	{
		sim_buf_puts(err, "\"script\" must be an array");
		return false;
	}
	/* "repeat": N makes a step N steps */
	for (const SimJson *e = arr->child; e != NULL; e = e->next)
	{
		double rep = 1;

		if (e->type == SJ_OBJ && !get_num(e, "repeat", 1, 10000, &rep, err))
			return false;
		n += (int) rep;
	}
	out->steps = calloc((size_t) n + 1, sizeof(ScriptStep));
	if (out->steps == NULL)
		abort();
	for (const SimJson *e = arr->child; e != NULL; e = e->next)
	{
		ScriptStep	  *st = &out->steps[i];
		const SimJson *drop = sim_json_get(e, "drop");
		double		   status = 0,
			   ra = 1,
			   delay = 0,
			   stall = 0,
			   rep = 1;

		if (e->type != SJ_OBJ)
		{
			sim_buf_printf(err, "script[%d] must be an object", i);
			return false;
		}
		if (!get_num(e, "status", 0, 599, &status, err) ||
			!get_num(e, "retry_after", 0, 86400, &ra, err) ||
			!get_num(e, "delay_ms", 0, 3600000, &delay, err) ||
			!get_num(e, "stall_ms", 0, 3600000, &stall, err) ||
			!get_num(e, "repeat", 1, 10000, &rep, err) ||
			!parse_error_spec(e, &st->err, err))
			return false;
		if (status != 0 && status < 100)
		{
			sim_buf_printf(err, "script[%d].status must be an HTTP status", i);
			return false;
		}
		/* a bare error code answers with its usual status */
		if (status == 0 && st->err.code != 0)
			status = status_for_code(provider < 0 ? SIM_TWILIO : provider, st->err.code);
		st->status = (int) status;
		/* a 2xx status means "answer normally" */
		if (st->status >= 200 && st->status < 300)
			st->status = 0;
		st->retry_after = (int) ra;
		st->delay_ms = (int) delay;
		st->stall_ms = (int) stall;
		st->drop = drop != NULL && drop->type == SJ_BOOL && drop->b;
		for (int k = 1; k < (int) rep; k++)
			out->steps[i + k] = *st;
		i += (int) rep;
	}
	out->n = i;
	out->next = 0;
	return true;
}

/* "errors": [{"to", "code"|"status", "message", "field", "count", "retry_after"}] */
static bool
parse_rules(const SimJson *arr, int provider, ErrorRule *out, int *n_out, SimBuf *err)
{
	int i = 0;

	if (arr->type != SJ_ARR || arr->count > MAX_ERROR_RULES)
	{
		sim_buf_printf(err, "\"errors\" must be an array of at most %d rules", MAX_ERROR_RULES);
		return false;
	}
	for (const SimJson *e = arr->child; e != NULL; e = e->next, i++)
	{
		ErrorRule *r = &out[i];
		double	   status = 0,
			   ra = 1,
			   count = -1;

		memset(r, 0, sizeof(*r));
		if (e->type != SJ_OBJ || !get_str(e, "to", r->to, sizeof(r->to), err) || r->to[0] == '\0')
		{
			if (err->len == 0)
				sim_buf_printf(err, "errors[%d] must be an object with a \"to\" recipient", i);
			return false;
		}
		if (!get_num(e, "status", 300, 599, &status, err) ||
			!get_num(e, "retry_after", 0, 86400, &ra, err) ||
			!get_num(e, "count", -1, 1e9, &count, err) ||
			!parse_error_spec(e, &r->err, err))
			return false;
		if (status == 0 && r->err.code == 0)
		{
			sim_buf_printf(err, "errors[%d] needs a \"code\" or a \"status\"", i);
			return false;
		}
		r->status = status != 0 ? (int) status : status_for_code(provider, r->err.code);
		r->retry_after = (int) ra;
		r->count = (int) count;
	}
	*n_out = i;
	return true;
}

/* apply one configuration object; caller holds fault_lock */
static bool
configure_one(const SimJson *o, SimBuf *err)
{
	const SimJson *route = sim_json_get(o, "route");
	const SimJson *script = sim_json_get(o, "script");
	const SimJson *seed = sim_json_get(o, "seed");
	const SimJson *errs = sim_json_get(o, "errors");
	FaultCfg	   c;
	Script		   sc = {0};
	ErrorRule	   nr[MAX_ERROR_RULES];
	int			   n_nr = 0;
	double		   v;
	int			   target;

	if (o->type != SJ_OBJ)
	{
		sim_buf_puts(err, "fault configuration must be a JSON object");
		return false;
	}
	if (route == NULL || (route->type == SJ_STR && strcmp(route->str, "*") == 0))
		target = -1;
	else if (route->type == SJ_STR && strcmp(route->str, "sendgrid") == 0)
		target = SIM_SENDGRID;
	else if (route->type == SJ_STR && strcmp(route->str, "twilio") == 0)
		target = SIM_TWILIO;
	else
	{
		sim_buf_puts(err, "\"route\" must be \"sendgrid\", \"twilio\" or \"*\"");
		return false;
	}

	cfg_default(&c);
	if (!get_num(o, "error_5xx_pct", 0, 100, &c.error_5xx_pct, err) ||
		!get_num(o, "rate_429_pct", 0, 100, &c.rate_429_pct, err) ||
		!get_num(o, "stall_pct", 0, 100, &c.stall_pct, err) ||
		!get_num(o, "drop_pct", 0, 100, &c.drop_pct, err))
		return false;
	v = c.retry_after;
	if (!get_num(o, "retry_after", 0, 86400, &v, err))
		return false;
	c.retry_after = (int) v;
	v = c.delay_ms;
	if (!get_num(o, "delay_ms", 0, 3600000, &v, err))
		return false;
	c.delay_ms = (int) v;
	v = 0;
	if (!get_num(o, "stall_ms", 0, 3600000, &v, err))
		return false;
	c.stall_ms = (int) v;
	v = (double) c.max_body_bytes;
	if (!get_num(o, "max_body_bytes", 0, 1e12, &v, err))
		return false;
	c.max_body_bytes = (long long) v;
	if (script != NULL && script->type != SJ_NULL &&
		!parse_script(script, &sc, target, err))
	{
		free(sc.steps);
		return false;
	}
	if (errs != NULL && errs->type != SJ_NULL && target < 0)
	{
		free(sc.steps);
		sim_buf_puts(err, "\"errors\" needs a \"route\" of \"sendgrid\" or \"twilio\"");
		return false;
	}
	if (errs != NULL && errs->type != SJ_NULL && !parse_rules(errs, target, nr, &n_nr, err))
	{
		free(sc.steps);
		return false;
	}
	if (seed != NULL && seed->type != SJ_NULL)
	{
		if (seed->type != SJ_NUM || seed->num < 0)
		{
			free(sc.steps);
			sim_buf_puts(err, "\"seed\" must be a non-negative integer");
			return false;
		}
		set_seed((uint64_t) seed->num);
	}

	if (target < 0)
	{
		cfg[SIM_SENDGRID] = c;
		cfg[SIM_TWILIO] = c;
		for (int i = 0; i <= SIM_NPROVIDERS; i++)
			script_clear(&scripts[i]);
		scripts[SCRIPT_ANY] = sc;
		memset(n_rules, 0, sizeof(n_rules));
	}
	else
	{
		cfg[target] = c;
		script_clear(&scripts[target]);
		scripts[target] = sc;
		memcpy(rules[target], nr, sizeof(ErrorRule) * n_nr);
		n_rules[target] = n_nr;
	}
	return true;
}

/*
 * POST /_sim/faults: one object, or an array of objects applied in order.
 * Each object replaces the whole configuration of its route.
 */
bool
sim_faults_configure(const char *json, size_t len, SimBuf *err)
{
	SimArena arena = {0};
	SimJson *root = sim_json_parse(json, len, &arena);
	bool	 ok = true;

	if (root == NULL)
	{
		sim_buf_puts(err, "body is not valid JSON");
		sim_arena_free(&arena);
		return false;
	}
	pthread_mutex_lock(&fault_lock);
	if (root->type == SJ_ARR)
	{
		for (const SimJson *e = root->child; e != NULL && ok; e = e->next)
			ok = configure_one(e, err);
	}
	else
		ok = configure_one(root, err);
	update_active();
	pthread_mutex_unlock(&fault_lock);
	sim_arena_free(&arena);
	return ok;
}

static void
describe_script(SimBuf *out, const Script *s)
{
	sim_buf_puts(out, "[");
	for (int i = s->next; i < s->n; i++)
	{
		const ScriptStep *st = &s->steps[i];

		sim_buf_printf(out, "%s{\"status\":%d,\"retry_after\":%d,\"drop\":%s,"
							"\"delay_ms\":%d,\"stall_ms\":%d,\"code\":%d}",
					   i > s->next ? "," : "", st->status, st->retry_after,
					   st->drop ? "true" : "false", st->delay_ms, st->stall_ms, st->err.code);
	}
	sim_buf_puts(out, "]");
}

/* GET /_sim/faults */
void
sim_faults_describe(SimBuf *out)
{
	pthread_mutex_lock(&fault_lock);
	sim_buf_printf(out, "{\"seed\":%llu,\"active\":%s",
				   (unsigned long long) rng_seed,
				   atomic_load(&faults_active) ? "true" : "false");
	for (int i = 0; i < SIM_NPROVIDERS; i++)
	{
		const FaultCfg *c = &cfg[i];

		sim_buf_printf(out, ",\"%s\":{\"error_5xx_pct\":%g,\"rate_429_pct\":%g,"
							"\"retry_after\":%d,\"delay_ms\":%d,\"stall_pct\":%g,"
							"\"stall_ms\":%d,\"drop_pct\":%g,\"max_body_bytes\":%lld,"
							"\"script\":",
					   route_names[i], c->error_5xx_pct, c->rate_429_pct,
					   c->retry_after, c->delay_ms, c->stall_pct, c->stall_ms,
					   c->drop_pct, c->max_body_bytes);
		describe_script(out, &scripts[i]);
		sim_buf_puts(out, ",\"errors\":[");
		for (int k = 0; k < n_rules[i]; k++)
		{
			const ErrorRule *r = &rules[i][k];

			sim_buf_puts(out, k > 0 ? ",{\"to\":" : "{\"to\":");
			sim_buf_json_str_or_null(out, r->to);
			sim_buf_printf(out, ",\"status\":%d,\"code\":%d,\"count\":%d}", r->status, r->err.code,
						   r->count);
		}
		sim_buf_puts(out, "]}");
	}
	sim_buf_puts(out, ",\"*\":{\"script\":");
	describe_script(out, &scripts[SCRIPT_ANY]);
	sim_buf_puts(out, "}}");
	pthread_mutex_unlock(&fault_lock);
}

/* ---------------- provider-shaped error answers ---------------- */

/* Twilio's own message for the codes tests inject, else NULL */
static const char *
twilio_message(int code)
{
	static const struct
	{
		int			code;
		const char *message;
	} known[] = {
		{20003, "Authentication Error - invalid username"},
		{20429, "Too Many Requests"},
		{21211, "The 'To' number is not a valid phone number."},
		{21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number."},
		{21608, "The 'To' phone number provided is not yet verified for this account."},
		{21610, "Attempt to send to unsubscribed recipient"},
		{21614, "'To' number is not a valid mobile number"},
		{30003, "Unreachable destination handset"},
		{30005, "Unknown destination handset"},
		{30006, "Landline or unreachable carrier"},
		{30007, "Message filtered"},
		{30008, "Unknown error"},
		{63003, "Channel could not find To address"},
		{63016, "Failed to send freeform message because you are outside the allowed window. If you are using "
				"WhatsApp, please use a Message Template."},
		{63018, "Rate limit exceeded for Channel"},
		{63024, "Invalid message recipient"},
		{63032, "We cannot send this message to this user because of a WhatsApp limitation."},
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].code == code)
			return known[i].message;
	return NULL;
}

static void
answer(int provider, int status, int retry_after, const ErrorSpec *e, SimResult *res)
{
	if (provider == SIM_TWILIO && e->code != 0)
	{
		const char *msg = e->message[0] ? e->message : twilio_message(e->code);

		sim_twilio_error(res, status, e->code, msg ? msg : "Error");
		if (status == 429)
			res->retry_after = retry_after > 0 ? retry_after : 1;
	}
	else if (provider == SIM_SENDGRID && e->message[0])
	{
		/* help anchor as Sendgrid forms it: message.<field without indexes> */
		char   help[160] = "message";
		size_t n = strlen(help);

		for (const char *p = e->field; *p && n + 2 < sizeof(help); p++)
		{
			if (*p == '.' && p[1] >= '0' && p[1] <= '9')
			{
				while (p[1] >= '0' && p[1] <= '9')
					p++;
				continue;
			}
			if (p == e->field)
				help[n++] = '.';
			help[n++] = *p;
		}
		help[n] = '\0';
		sim_sendgrid_error(res, status, e->message, e->field[0] ? e->field : NULL, e->field[0] ? help : NULL);
		if (status == 429)
			res->retry_after = retry_after > 0 ? retry_after : 1;
	}
	else if (provider == SIM_SENDGRID)
		sim_sendgrid_fault(res, status, retry_after);
	else
		sim_twilio_fault(res, status, retry_after);
}

/* the answer to a fault decision of SIM_FAULT_ERROR */
void
sim_faults_answer(int provider, const SimFaultDecision *d, SimResult *res)
{
	ErrorSpec e;

	memset(&e, 0, sizeof(e));
	e.code = d->code;
	snprintf(e.message, sizeof(e.message), "%s", d->message);
	snprintf(e.field, sizeof(e.field), "%s", d->field);
	answer(provider, d->status, d->retry_after, &e, res);
}

/* does "to" name this recipient (the address with or without its channel scheme)? */
static bool
recipient_matches(const char *rule, const char *to)
{
	const char *colon = strchr(to, ':');

	return strcasecmp(rule, to) == 0 || (colon != NULL && strcasecmp(rule, colon + 1) == 0);
}

/*
 * sim_faults_recipient: when an "errors" rule of the route names this
 * recipient, fill res with its provider error (consuming one of its count)
 * and return true.
 */
bool
sim_faults_recipient(int provider, const char *to, SimResult *res)
{
	bool found = false;

	if (to == NULL || !atomic_load_explicit(&faults_active, memory_order_relaxed))
		return false;
	pthread_mutex_lock(&fault_lock);
	for (int i = 0; i < n_rules[provider] && !found; i++)
	{
		ErrorRule *r = &rules[provider][i];

		if (r->count == 0 || !recipient_matches(r->to, to))
			continue;
		answer(provider, r->status, r->retry_after, &r->err, res);
		if (r->count > 0)
			r->count--;
		found = true;
	}
	pthread_mutex_unlock(&fault_lock);
	return found;
}
