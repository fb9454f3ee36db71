/*-------------------------------------------------------------------------
 *
 * sim_faults.c
 *	  Fault injection of flowcomm-sim: per-route configuration set through
 *	  POST /_sim/faults (random 5xx, 429 with Retry-After, delays, stalls,
 *	  dropped connections, body size limit) and deterministic scripts whose
 *	  steps are consumed one per incoming provider request.
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

#include "sim.h"

typedef struct FaultCfg
{
	double		error_5xx_pct;
	double		rate_429_pct;
	int			retry_after;
	int			delay_ms;
	double		stall_pct;
	int			stall_ms;
	double		drop_pct;
	long long	max_body_bytes;
} FaultCfg;

typedef struct ScriptStep
{
	int			status;			/* 0: normal processing */
	int			retry_after;
	bool		drop;
	int			delay_ms;
	int			stall_ms;
} ScriptStep;

typedef struct Script
{
	ScriptStep *steps;
	int			n;
	int			next;
} Script;

#define SCRIPT_ANY	SIM_NPROVIDERS	/* route "*": shared by both providers */

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static FaultCfg cfg[SIM_NPROVIDERS];
static Script scripts[SIM_NPROVIDERS + 1];
static uint64_t rng_state;
static uint64_t rng_seed;
static int	cli_delay_ms;
static _Atomic int faults_active;	/* anything beyond the CLI defaults? */

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
	FaultCfg	d;

	cfg_default(&d);
	return c->error_5xx_pct == 0 && c->rate_429_pct == 0 &&
		c->stall_pct == 0 && c->drop_pct == 0 &&
		c->delay_ms == d.delay_ms && c->max_body_bytes == d.max_body_bytes;
}

/* caller holds fault_lock */
static void
update_active(void)
{
	bool		active = false;

	for (int i = 0; i < SIM_NPROVIDERS; i++)
		if (!cfg_is_default(&cfg[i]))
			active = true;
	for (int i = 0; i <= SIM_NPROVIDERS; i++)
		if (scripts[i].next < scripts[i].n)
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
	uint64_t	x = rng_state;

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
	set_seed(1);
	update_active();
	pthread_mutex_unlock(&fault_lock);
}

size_t
sim_faults_max_body(int provider)
{
	size_t		n;

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
	FaultCfg   *c;
	Script	   *s;

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
parse_script(const SimJson *arr, Script *out, SimBuf *err)
{
	int			i = 0;

	if (arr->type != SJ_ARR)
	{
		sim_buf_puts(err, "\"script\" must be an array");
		return false;
	}
	out->steps = calloc((size_t) arr->count + 1, sizeof(ScriptStep));
	if (out->steps == NULL)
		abort();
	for (const SimJson *e = arr->child; e != NULL; e = e->next, i++)
	{
		ScriptStep *st = &out->steps[i];
		const SimJson *drop = sim_json_get(e, "drop");
		double		status = 0,
					ra = 1,
					delay = 0,
					stall = 0;

		if (e->type != SJ_OBJ)
		{
			sim_buf_printf(err, "script[%d] must be an object", i);
			return false;
		}
		if (!get_num(e, "status", 0, 599, &status, err) ||
			!get_num(e, "retry_after", 0, 86400, &ra, err) ||
			!get_num(e, "delay_ms", 0, 3600000, &delay, err) ||
			!get_num(e, "stall_ms", 0, 3600000, &stall, err))
			return false;
		if (status != 0 && status < 100)
		{
			sim_buf_printf(err, "script[%d].status must be an HTTP status", i);
			return false;
		}
		st->status = (int) status;
		/* a 2xx status means "answer normally" */
		if (st->status >= 200 && st->status < 300)
			st->status = 0;
		st->retry_after = (int) ra;
		st->delay_ms = (int) delay;
		st->stall_ms = (int) stall;
		st->drop = drop != NULL && drop->type == SJ_BOOL && drop->b;
	}
	out->n = i;
	out->next = 0;
	return true;
}

/* apply one configuration object; caller holds fault_lock */
static bool
configure_one(const SimJson *o, SimBuf *err)
{
	const SimJson *route = sim_json_get(o, "route");
	const SimJson *script = sim_json_get(o, "script");
	const SimJson *seed = sim_json_get(o, "seed");
	FaultCfg	c;
	Script		sc = {0};
	double		v;
	int			target;

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
		!parse_script(script, &sc, err))
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
	}
	else
	{
		cfg[target] = c;
		script_clear(&scripts[target]);
		scripts[target] = sc;
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
	SimArena	arena = {0};
	SimJson    *root = sim_json_parse(json, len, &arena);
	bool		ok = true;

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
					   "\"delay_ms\":%d,\"stall_ms\":%d}",
					   i > s->next ? "," : "", st->status, st->retry_after,
					   st->drop ? "true" : "false", st->delay_ms, st->stall_ms);
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
		sim_buf_puts(out, "}");
	}
	sim_buf_puts(out, ",\"*\":{\"script\":");
	describe_script(out, &scripts[SCRIPT_ANY]);
	sim_buf_puts(out, "}}");
	pthread_mutex_unlock(&fault_lock);
}
