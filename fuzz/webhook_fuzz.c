/*-------------------------------------------------------------------------
 *
 * webhook_fuzz.c
 *	  libFuzzer target for the webhook and payment-link core: everything an
 *	  unauthenticated request reaches before its signature is checked.
 *
 * The first input byte picks the path, the rest is split at NUL bytes:
 *	 0  Twilio: form body -> fc_form_parse -> signature over the pairs;
 *		a computed signature must match itself and not a mutation.
 *	 1  Sendgrid: timestamp \0 signature \0 payload -> timestamp parse,
 *		fc_sendgrid_verify with a fixed P-256 key, sg_message_id
 *		normalisation of the payload text.
 *	 2  Payment link: token -> fc_paylink_split / fc_paylink_mac_matches;
 *		a token signed from the input must split back to the same payload.
 *	 3  base64 / base64url: decode, and encode -> decode round trip.
 * The Sendgrid event array itself is parsed by PostgreSQL's jsonb input in
 * the backend (sql/src/50_webhooks.sql), not by this core.
 *
 * fuzz/webhook_fuzz.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "webhook_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A P-256 public key generated for this target (its private key was discarded) */
static const char fuzz_public_key[] =
"-----BEGIN PUBLIC KEY-----\n"
"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmV50C/fIdJ5a8NR2kpyajCnXxiba\n"
"Xy6xFFceiNwni9LCT+T0XPOFtikAimb128vnCOGt78HVZdkxQnWdBP65yA==\n"
"-----END PUBLIC KEY-----\n";

static const uint8_t fuzz_secret[32] = "0123456789abcdef0123456789abcdef";

static void *
fz_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void
fz_release(void *ctx, void *ptr)
{
	free(ptr);
}

static const FcAllocator fz_allocator = {fz_alloc, fz_release, NULL};

/* next_part: the bytes up to the next NUL (or the end) */
static const char *
next_part(const char **s, size_t *len, size_t *plen)
{
	const char *start = *s;
	const char *nul = *len ? memchr(*s, '\0', *len) : NULL;

	*plen = nul ? (size_t) (nul - *s) : *len;
	*s += *plen + (nul ? 1 : 0);
	*len -= *plen + (nul ? 1 : 0);
	return start;
}

static void
fuzz_twilio(const char *s, size_t len)
{
	FcForm		form;
	FcError		err;
	char		sig[64];
	size_t		siglen;
	static const char url[] = "https://hooks.example.com/rpc/webhook_twilio_status";
	static const uint8_t token[] = "fuzz-token";

	if (!fc_form_parse(s, len, &fz_allocator, &form, &err))
	{
		if (err.code == FC_OK || err.message[0] == '\0')
			abort();
		return;
	}
	if (fc_twilio_signature(url, sizeof(url) - 1, form.pairs, form.npairs, token, sizeof(token) - 1,
							&fz_allocator, sig, &siglen, &err))
	{
		if (siglen != 28 ||
			!fc_twilio_signature_matches(url, sizeof(url) - 1, form.pairs, form.npairs,
										 token, sizeof(token) - 1, sig, siglen, &fz_allocator, &err))
			abort();
		sig[0] = sig[0] == 'A' ? 'B' : 'A';
		if (fc_twilio_signature_matches(url, sizeof(url) - 1, form.pairs, form.npairs,
										token, sizeof(token) - 1, sig, siglen, &fz_allocator, &err))
			abort();
	}
	fc_form_free(&form, &fz_allocator);
}

static void
fuzz_sendgrid(const char *s, size_t len)
{
	const char *ts;
	const char *sig;
	const char *payload;
	size_t		tslen;
	size_t		siglen;
	size_t		plen;
	int64_t		seconds;
	FcError		err;
	size_t		idlen;

	ts = next_part(&s, &len, &tslen);
	sig = next_part(&s, &len, &siglen);
	payload = next_part(&s, &len, &plen);
	(void) fc_parse_unix_seconds(ts, tslen, &seconds);
	if (!fc_sendgrid_verify(fuzz_public_key, sizeof(fuzz_public_key) - 1, sig, siglen,
							ts, tslen, payload, plen, &err) &&
		(err.code == FC_ERR_KEY || err.message[0] == '\0'))
		abort();				/* the key is valid; a failure names its cause */
	idlen = fc_sendgrid_message_id_len(payload, plen);
	if (idlen > plen || (idlen < plen && payload[idlen] != '.'))
		abort();
}

static void
fuzz_paylink(const char *s, size_t len)
{
	FcPaylinkParts parts;
	FcError		err;
	char	   *tok;
	size_t		toklen;

	if (fc_paylink_split(s, len, &fz_allocator, &parts, &err))
	{
		(void) fc_paylink_mac_matches(s, len, fuzz_secret, sizeof(fuzz_secret), &err);
		free(parts.payload);
	}
	tok = fc_paylink_sign("fz", 2, fuzz_secret, sizeof(fuzz_secret), s, len, &fz_allocator, &toklen, &err);
	if (tok == NULL)
		return;
	if (!fc_paylink_mac_matches(tok, toklen, fuzz_secret, sizeof(fuzz_secret), &err))
		abort();
	if (fc_paylink_split(tok, toklen, &fz_allocator, &parts, &err))
	{
		if (parts.payload_len != len || memcmp(parts.payload, s, len) != 0)
			abort();
		free(parts.payload);
	}
	else if (fc_utf8_valid(s, len) && len > 0)
		abort();				/* a text payload must round-trip */
	free(tok);
}

static void
fuzz_base64(const char *s, size_t len)
{
	uint8_t    *dec = malloc(fc_base64_decoded_max(len) + 1);
	char	   *enc = malloc(fc_base64_encoded_len(len, false) + 1);
	uint8_t    *back = malloc(len + 4);
	size_t		n;
	int			url;

	(void) fc_base64_decode(s, len, dec, &n, false);
	(void) fc_base64_decode(s, len, dec, &n, true);
	for (url = 0; url <= 1; url++)
	{
		size_t		elen = fc_base64_encode((const uint8_t *) s, len, enc, url);

		if (elen != fc_base64_encoded_len(len, url) ||
			!fc_base64_decode(enc, elen, back, &n, url) || n != len || memcmp(back, s, len) != 0)
			abort();
	}
	free(dec);
	free(enc);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data + 1;

	if (size == 0)
		return 0;
	switch (data[0] % 4)
	{
		case 0:
			fuzz_twilio(s, size - 1);
			break;
		case 1:
			fuzz_sendgrid(s, size - 1);
			break;
		case 2:
			fuzz_paylink(s, size - 1);
			break;
		case 3:
			fuzz_base64(s, size - 1);
			break;
	}
	return 0;
}
