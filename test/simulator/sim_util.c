/*-------------------------------------------------------------------------
 *
 * sim_util.c
 *	  Utilities of flowcomm-sim: clocks and RFC 2822 dates, unique message
 *	  ids (Sendgrid X-Message-Id, Twilio SIDs), base64, and the credentials
 *	  accepted by the simulated providers.
 *
 *-------------------------------------------------------------------------
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "sim.h"

/* ---------------- clocks ---------------- */

int64_t
sim_now_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
sim_now_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "Thu, 24 Aug 2023 05:01:45 +0000", cached per thread per second */
void
sim_rfc2822(int64_t realtime_us, char *out, size_t outlen)
{
	static __thread time_t cached_sec = -1;
	static __thread char cached[40];
	time_t		sec = (time_t) (realtime_us / 1000000);

	if (sec != cached_sec)
	{
		struct tm	tm;
		static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
		static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

		gmtime_r(&sec, &tm);
		snprintf(cached, sizeof(cached), "%s, %02d %s %04d %02d:%02d:%02d +0000",
				 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
				 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
		cached_sec = sec;
	}
	snprintf(out, outlen, "%s", cached);
}

/* ---------------- unique ids ---------------- */

static uint64_t id_nonce;
static _Atomic uint64_t id_counter;

/* bijective 64-bit mixer (splitmix64 finaliser): distinct in, distinct out */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void
sim_ids_init(void)
{
	uint64_t	r[2] = {0, 0};

	if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r))
		r[0] = (uint64_t) sim_now_realtime_us() ^ ((uint64_t) getpid() << 32);
	id_nonce = r[0];
	atomic_store(&id_counter, r[1] & 0xffffffff);
}

/*
 * 22 base62 characters.  The low 64 bits are a bijection of a process-wide
 * counter, so ids never repeat within a run; the high bits are a per-run
 * random nonce, so runs differ.
 */
void
sim_new_sendgrid_id(char out[23])
{
	static const char digits[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t	n = atomic_fetch_add(&id_counter, 1);
	unsigned __int128 v = ((unsigned __int128) id_nonce << 64) | mix64(n);

	for (int i = 21; i >= 0; i--)
	{
		out[i] = digits[(int) (v % 62)];
		v /= 62;
	}
	out[22] = '\0';
}

/* prefix ("SM"/"MM") + 32 lowercase hex digits, unique within a run */
void
sim_new_twilio_sid(const char *prefix, char out[35])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t	n = atomic_fetch_add(&id_counter, 1);
	uint64_t	parts[2] = {id_nonce, mix64(n)};

	out[0] = prefix[0];
	out[1] = prefix[1];
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 16; i++)
			out[2 + p * 16 + i] = hex[(parts[p] >> (60 - 4 * i)) & 15];
	out[34] = '\0';
}

/* ---------------- base64 ---------------- */

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode standard base64 (padding optional).  out needs inlen*3/4+3 bytes;
 * out may be NULL to only validate.
 */
bool
sim_base64_decode(const char *in, size_t inlen, char *out, size_t *outlen)
{
	uint32_t	acc = 0;
	int			bits = 0;
	size_t		n = 0;
	size_t		pad = 0;

	for (size_t i = 0; i < inlen; i++)
	{
		unsigned char c = (unsigned char) in[i];
		int			v;

		if (c == '=')
		{
			pad++;
			continue;
		}
		if (pad > 0)
			return false;		/* data after padding */
		if (c == '\r' || c == '\n')
			continue;			/* MIME line breaks are tolerated */
		v = b64val(c);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (out != NULL)
				out[n] = (char) ((acc >> bits) & 0xFF);
			n++;
		}
	}
	if (pad > 2 || bits >= 6)
		return false;
	if (outlen != NULL)
		*outlen = n;
	return true;
}

bool
sim_base64_valid(const char *in, size_t inlen)
{
	return sim_base64_decode(in, inlen, NULL, NULL);
}

bool
sim_strcaseprefix(const char *s, const char *prefix)
{
	return s != NULL && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* ---------------- credentials ---------------- */

typedef struct TwilioCred
{
	char	   *sid;
	char	   *token;
} TwilioCred;

static char **sg_keys;
static int	n_sg_keys;
static TwilioCred *tw_creds;
static int	n_tw_creds;

void
sim_creds_add_sendgrid(const char *key)
{
	sg_keys = realloc(sg_keys, sizeof(char *) * (size_t) (n_sg_keys + 1));
	if (sg_keys == NULL)
		abort();
	sg_keys[n_sg_keys++] = strdup(key);
}

bool
sim_creds_add_twilio(const char *sid_token)
{
	const char *colon = strchr(sid_token, ':');

	if (colon == NULL || colon[1] == '\0' ||
		!sim_is_account_sid(sid_token, (size_t) (colon - sid_token)))
		return false;
	tw_creds = realloc(tw_creds, sizeof(TwilioCred) * (size_t) (n_tw_creds + 1));
	if (tw_creds == NULL)
		abort();
	tw_creds[n_tw_creds].sid = strndup(sid_token, (size_t) (colon - sid_token));
	tw_creds[n_tw_creds].token = strdup(colon + 1);
	n_tw_creds++;
	return true;
}

bool
sim_creds_sendgrid_ok(const char *key)
{
	if (key == NULL || key[0] == '\0')
		return false;
	if (n_sg_keys == 0)
		return strncmp(key, "SG.", 3) == 0;
	for (int i = 0; i < n_sg_keys; i++)
		if (strcmp(sg_keys[i], key) == 0)
			return true;
	return false;
}

bool
sim_is_account_sid(const char *s, size_t len)
{
	if (len != 34 || s[0] != 'A' || s[1] != 'C')
		return false;
	for (size_t i = 2; i < 34; i++)
	{
		char		c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			  (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

bool
sim_creds_twilio_ok(const char *sid, const char *token)
{
	if (sid == NULL || token == NULL || token[0] == '\0')
		return false;
	if (n_tw_creds == 0)
		return sim_is_account_sid(sid, strlen(sid)) &&
			strcmp(token, "wrong-token") != 0;
	for (int i = 0; i < n_tw_creds; i++)
		if (strcmp(tw_creds[i].sid, sid) == 0 &&
			strcmp(tw_creds[i].token, token) == 0)
			return true;
	return false;
}
