/*-------------------------------------------------------------------------
 *
 * webhook_core.c
 *	  Form-urlencoded parser, Twilio and Sendgrid signature checks, Sendgrid
 *	  message ids and the payment-link token codec, without PostgreSQL.
 *
 * Twilio (X-Twilio-Signature): base64 of HMAC-SHA1, keyed by the account's
 * auth token, over the full callback URL followed by every POST parameter
 * as name immediately followed by value, sorted by name (then value).
 *
 * Sendgrid (Signed Event Webhook): ECDSA P-256 with SHA-256 over the
 * X-Twilio-Email-Event-Webhook-Timestamp header text immediately followed
 * by the raw request body; the signature header is base64 of the DER
 * signature and the public key is base64 of the DER SubjectPublicKeyInfo.
 *
 * src/webhook_core.c
 *
 *-------------------------------------------------------------------------
 */
#include "webhook_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
set_error(FcError *err, FcErrorCode code, const char *message)
{
	err->code = code;
	snprintf(err->message, sizeof(err->message), "%s", message);
}

static void *
fc_alloc(const FcAllocator *a, size_t size, FcError *err)
{
	void *p = a->alloc(a->ctx, size > 0 ? size : 1);

	if (p == NULL)
		set_error(err, FC_ERR_OOM, "out of memory");
	return p;
}

static void
fc_release(const FcAllocator *a, void *p)
{
	if (p != NULL && a->release != NULL)
		a->release(a->ctx, p);
}

/*
 * fc_utf8_valid accepts well-formed UTF-8 without NUL bytes (what a
 * PostgreSQL text value in a UTF-8 database may hold): no overlongs, no
 * surrogates, nothing above U+10FFFF.
 */
bool
fc_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t				 i = 0;

	while (i < len)
	{
		unsigned char c = p[i];
		size_t		  n;
		uint32_t	  cp;
		size_t		  k;

		if (c == 0)
			return false;
		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
		{
			n = 1;
			cp = c & 0x1F;
		}
		else if (c >= 0xE0 && c <= 0xEF)
		{
			n = 2;
			cp = c & 0x0F;
		}
		else if (c >= 0xF0 && c <= 0xF4)
		{
			n = 3;
			cp = c & 0x07;
		}
		else
			return false;
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++)
		{
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
			(cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		i += n + 1;
	}
	return true;
}

/* ------------------------------------------------------- form-urlencoded */

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * form_decode percent-decodes src[0..len) into dst ('+' is a space) and
 * NUL-terminates it.  Returns the decoded length, or (size_t) -1 on a bad
 * escape.
 */
static size_t
form_decode(const char *src, size_t len, char *dst)
{
	size_t i;
	size_t o = 0;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) src[i];

		if (c == '+')
			dst[o++] = ' ';
		else if (c == '%')
		{
			int hi;
			int lo;

			if (len - i < 3)
				return (size_t) -1;
			hi = hex_value((unsigned char) src[i + 1]);
			lo = hex_value((unsigned char) src[i + 2]);
			if (hi < 0 || lo < 0)
				return (size_t) -1;
			dst[o++] = (char) ((hi << 4) | lo);
			i += 2;
		}
		else
			dst[o++] = (char) c;
	}
	dst[o] = '\0';
	return o;
}

/*
 * decode_field decodes one name or value into *out at buf and checks it is
 * text PostgreSQL can hold.
 */
static bool
decode_field(const char *src, size_t len, char **buf, char **out, size_t *out_len,
			 const char *what, FcError *err)
{
	size_t n = form_decode(src, len, *buf);

	if (n == (size_t) -1)
	{
		char msg[96];

		snprintf(msg, sizeof(msg), "bad percent escape in a parameter %s", what);
		set_error(err, FC_ERR_MALFORMED, msg);
		return false;
	}
	if (!fc_utf8_valid(*buf, n))
	{
		char msg[96];

		snprintf(msg, sizeof(msg), "a parameter %s is not valid UTF-8 text", what);
		set_error(err, FC_ERR_MALFORMED, msg);
		return false;
	}
	*out = *buf;
	*out_len = n;
	*buf += n + 1;
	return true;
}

/*
 * fc_form_parse decodes an application/x-www-form-urlencoded body into
 * name/value pairs in body order.  Empty segments ("a=1&&b=2") are
 * skipped; a segment without '=' is a name with an empty value.  On
 * failure nothing stays allocated.
 */
bool
fc_form_parse(const char *body, size_t len, const FcAllocator *a, FcForm *form, FcError *err)
{
	size_t maxpairs = 1;
	size_t i;
	size_t start = 0;
	char  *strings;
	char  *cursor;

	form->pairs = NULL;
	form->npairs = 0;
	err->code = FC_OK;
	err->message[0] = '\0';
	if (len > FC_FORM_MAX_BODY)
	{
		set_error(err, FC_ERR_LIMIT, "form body is larger than 256 kB");
		return false;
	}
	for (i = 0; i < len; i++)
		if (body[i] == '&')
			maxpairs++;
	if (maxpairs > FC_FORM_MAX_PAIRS * 4)
	{
		set_error(err, FC_ERR_LIMIT, "form body has too many parameters");
		return false;
	}
	form->pairs = fc_alloc(a, maxpairs * sizeof(FcFormPair), err);
	if (form->pairs == NULL)
		return false;
	/* decoded text is never longer than encoded; +2 NULs per pair */
	strings = fc_alloc(a, len + 2 * maxpairs + 1, err);
	if (strings == NULL)
	{
		fc_release(a, form->pairs);
		form->pairs = NULL;
		return false;
	}
	cursor = strings;
	for (i = 0; i <= len; i++)
	{
		const char *seg;
		size_t		seglen;
		const char *eq;
		FcFormPair *p;

		if (i < len && body[i] != '&')
			continue;
		seg = body + start;
		seglen = i - start;
		start = i + 1;
		if (seglen == 0)
			continue;
		if (form->npairs == FC_FORM_MAX_PAIRS)
		{
			set_error(err, FC_ERR_LIMIT, "form body has more than 500 parameters");
			goto fail;
		}
		p = &form->pairs[form->npairs];
		eq = memchr(seg, '=', seglen);
		if (!decode_field(seg, eq ? (size_t) (eq - seg) : seglen, &cursor,
						  &p->name, &p->name_len, "name", err))
			goto fail;
		if (eq)
		{
			if (!decode_field(eq + 1, seglen - (size_t) (eq - seg) - 1, &cursor,
							  &p->value, &p->value_len, "value", err))
				goto fail;
		}
		else
		{
			*cursor = '\0';
			p->value = cursor++;
			p->value_len = 0;
		}
		form->npairs++;
	}
	if (form->npairs == 0)
	{
		/* keep the strings block reachable for fc_form_free */
		fc_release(a, strings);
		fc_release(a, form->pairs);
		form->pairs = NULL;
	}
	return true;

fail:
	fc_release(a, strings);
	fc_release(a, form->pairs);
	form->pairs = NULL;
	form->npairs = 0;
	return false;
}

/*
 * fc_form_free releases what fc_form_parse allocated: the pairs array and
 * the strings block, which starts at the first pair's name.
 */
void
fc_form_free(FcForm *form, const FcAllocator *a)
{
	if (form->pairs != NULL && form->npairs > 0)
		fc_release(a, form->pairs[0].name);
	fc_release(a, form->pairs);
	form->pairs = NULL;
	form->npairs = 0;
}

/* ----------------------------------------------------------------- Twilio */

static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static int
pair_cmp(const void *x, const void *y)
{
	const FcFormPair *a = *(const FcFormPair *const *) x;
	const FcFormPair *b = *(const FcFormPair *const *) y;
	int				  c = bytes_cmp(a->name, a->name_len, b->name, b->name_len);

	if (c != 0)
		return c;
	return bytes_cmp(a->value, a->value_len, b->value, b->value_len);
}

/*
 * twilio_mac computes the signature of url + the sorted pairs into out.
 * With dedup, a pair equal (name and value) to the one before it is left
 * out: Twilio's Python SDK builds the string from the set of values of
 * each name, so a parameter repeated with the same value counts once
 * there, and every time in the other SDKs.
 */
static bool
twilio_mac(const char *url, size_t url_len, const FcFormPair **sorted, size_t npairs,
		   bool dedup, const uint8_t *token, size_t token_len, char *out, size_t *out_len,
		   FcError *err)
{
	FcHmac	h;
	uint8_t mac[FC_MAC_MAX_LEN];
	size_t	maclen;
	size_t	i;
	bool	ok;

	if (!fc_hmac_init(&h, FC_DIGEST_SHA1, token, token_len))
	{
		set_error(err, FC_ERR_CRYPTO, "could not initialise HMAC-SHA1");
		return false;
	}
	ok = fc_hmac_update(&h, url, url_len);
	for (i = 0; ok && i < npairs; i++)
	{
		if (dedup && i > 0 && pair_cmp(&sorted[i - 1], &sorted[i]) == 0)
			continue;
		ok = fc_hmac_update(&h, sorted[i]->name, sorted[i]->name_len) &&
			 fc_hmac_update(&h, sorted[i]->value, sorted[i]->value_len);
	}
	if (!ok)
	{
		fc_hmac_free(&h);
		set_error(err, FC_ERR_CRYPTO, "HMAC-SHA1 failed");
		return false;
	}
	if (!fc_hmac_final(&h, mac, &maclen))
	{
		set_error(err, FC_ERR_CRYPTO, "HMAC-SHA1 failed");
		return false;
	}
	*out_len = fc_base64_encode(mac, maclen, out, false);
	out[*out_len] = '\0';
	return true;
}

/*
 * sort_pairs returns an allocated array of pointers to the pairs, sorted by
 * name then value (NULL, with err unset, when there are none).
 */
static const FcFormPair **
sort_pairs(const FcFormPair *pairs, size_t npairs, const FcAllocator *a, bool *ok, FcError *err)
{
	const FcFormPair **sorted;
	size_t			   i;

	*ok = true;
	if (npairs == 0)
		return NULL;
	sorted = fc_alloc(a, npairs * sizeof(*sorted), err);
	if (sorted == NULL)
	{
		*ok = false;
		return NULL;
	}
	for (i = 0; i < npairs; i++)
		sorted[i] = &pairs[i];
	qsort(sorted, npairs, sizeof(*sorted), pair_cmp);
	return sorted;
}

/*
 * fc_twilio_signature computes the X-Twilio-Signature value for a request
 * into out (at least 29 bytes: 28 base64 characters and a NUL).
 */
bool
fc_twilio_signature(const char *url, size_t url_len,
					const FcFormPair *pairs, size_t npairs,
					const uint8_t *token, size_t token_len,
					const FcAllocator *a, char *out, size_t *out_len,
					FcError *err)
{
	const FcFormPair **sorted;
	bool			   ok;

	sorted = sort_pairs(pairs, npairs, a, &ok, err);
	if (!ok)
		return false;
	ok = twilio_mac(url, url_len, sorted, npairs, false, token, token_len, out, out_len, err);
	fc_release(a, sorted);
	return ok;
}

/*
 * fc_twilio_url_port_variant writes into out (url_len + 7 bytes at least)
 * the same URL with its port toggled: an http(s) URL without a port gets
 * the scheme's default one (:443 or :80), one with a port loses it.  This
 * is what Twilio's SDKs try, since Twilio signs some requests with the
 * port and some without.  false when url is not an http(s) URL.
 */
bool
fc_twilio_url_port_variant(const char *url, size_t url_len, char *out, size_t *out_len)
{
	size_t		host;
	size_t		end;
	size_t		colon = 0;
	size_t		i;
	const char *port;

	if (url_len >= 8 && strncasecmp(url, "https://", 8) == 0)
		host = 8, port = ":443";
	else if (url_len >= 7 && strncasecmp(url, "http://", 7) == 0)
		host = 7, port = ":80";
	else
		return false;
	for (end = host; end < url_len && url[end] != '/' && url[end] != '?' && url[end] != '#'; end++)
	{
		if (url[end] == '@')
			colon = 0; /* user info: a ':' before it is no port */
		else if (url[end] == ']')
			colon = 0; /* IPv6 literal: its ':' are no port */
		else if (url[end] == ':')
			colon = end;
	}
	if (end == host)
		return false;
	if (colon != 0)
	{
		for (i = colon + 1; i < end; i++)
			if (url[i] < '0' || url[i] > '9')
				return false;
		memcpy(out, url, colon);
		memcpy(out + colon, url + end, url_len - end);
		*out_len = colon + (url_len - end);
	}
	else
	{
		size_t plen = strlen(port);

		memcpy(out, url, end);
		memcpy(out + end, port, plen);
		memcpy(out + end + plen, url + end, url_len - end);
		*out_len = url_len + plen;
	}
	out[*out_len] = '\0';
	return true;
}

/*
 * fc_twilio_signature_matches compares the received signature, in constant
 * time, with the ones Twilio's SDKs accept: the URL as received and with
 * its port toggled (fc_twilio_url_port_variant), each over all parameters
 * and, when a parameter repeats with the same value, over the parameters
 * with that repetition counted once.  false with err->code FC_OK means
 * "does not match"; any other code is a failure to compute.
 */
bool
fc_twilio_signature_matches(const char *url, size_t url_len,
							const FcFormPair *pairs, size_t npairs,
							const uint8_t *token, size_t token_len,
							const char *signature, size_t sig_len,
							const FcAllocator *a, FcError *err)
{
	const FcFormPair **sorted;
	char			  *alt;
	size_t			   alt_len = 0;
	bool			   have_alt;
	bool			   dups = false;
	bool			   ok;
	bool			   match = false;
	size_t			   i;
	int				   u;
	int				   d;

	err->code = FC_OK;
	err->message[0] = '\0';
	sorted = sort_pairs(pairs, npairs, a, &ok, err);
	if (!ok)
		return false;
	for (i = 1; i < npairs; i++)
		dups = dups || pair_cmp(&sorted[i - 1], &sorted[i]) == 0;
	alt = fc_alloc(a, url_len + 8, err);
	if (alt == NULL)
	{
		fc_release(a, sorted);
		return false;
	}
	have_alt = fc_twilio_url_port_variant(url, url_len, alt, &alt_len);
	for (u = 0; ok && u < (have_alt ? 2 : 1); u++)
		for (d = 0; ok && d < (dups ? 2 : 1); d++)
		{
			char   expected[64];
			size_t explen;

			ok = twilio_mac(u == 0 ? url : alt, u == 0 ? url_len : alt_len, sorted, npairs,
							d == 1, token, token_len, expected, &explen, err);
			/* every candidate is computed and compared: no early exit */
			match = (ok && fc_equal_ct(expected, explen, signature, sig_len)) || match;
		}
	fc_release(a, alt);
	fc_release(a, sorted);
	return ok && match;
}

/* --------------------------------------------------------------- Sendgrid */

/*
 * fc_sendgrid_message_id_len: Sendgrid reports sg_message_id as the
 * X-Message-Id returned at send time followed by ".filter..." routing
 * details; the part before the first dot is the id we stored.
 */
size_t
fc_sendgrid_message_id_len(const char *id, size_t len)
{
	const char *dot = memchr(id, '.', len);

	return dot ? (size_t) (dot - id) : len;
}

/*
 * fc_parse_unix_seconds accepts 1 to 12 ASCII digits (no sign, no spaces).
 */
bool
fc_parse_unix_seconds(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;
	size_t	i;

	if (len == 0 || len > 12)
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * fc_sendgrid_verify checks the Signed Event Webhook signature.  The
 * timestamp's freshness is the caller's business (it needs the clock).
 */
bool
fc_sendgrid_verify(const char *public_key, size_t key_len,
				   const char *signature, size_t sig_len,
				   const char *timestamp, size_t ts_len,
				   const char *payload, size_t payload_len,
				   FcError *err)
{
	uint8_t	 sig[FC_SIGNATURE_MAX_TEXT];
	size_t	 siglen;
	FcVerify v;

	err->code = FC_OK;
	err->message[0] = '\0';
	if (sig_len == 0)
	{
		set_error(err, FC_ERR_SIGNATURE, "signature is missing");
		return false;
	}
	if (sig_len > FC_SIGNATURE_MAX_TEXT - 3 ||
		!fc_base64_decode(signature, sig_len, sig, &siglen, false))
	{
		set_error(err, FC_ERR_MALFORMED, "signature is not base64");
		return false;
	}
	v = fc_ecdsa_p256_verify(public_key, key_len, timestamp, ts_len,
							 payload, payload_len, sig, siglen);
	switch (v)
	{
		case FC_VERIFY_OK:
			return true;
		case FC_VERIFY_MISMATCH:
			set_error(err, FC_ERR_SIGNATURE, "signature does not match the timestamp and payload");
			break;
		case FC_VERIFY_BAD_SIGNATURE:
			set_error(err, FC_ERR_SIGNATURE, "signature is not a DER-encoded ECDSA signature");
			break;
		case FC_VERIFY_BAD_KEY:
			set_error(err, FC_ERR_KEY, "configured public key is not an EC P-256 public key");
			break;
		case FC_VERIFY_FAILURE:
			set_error(err, FC_ERR_CRYPTO, "ECDSA verification failed inside OpenSSL");
			break;
	}
	return false;
}

/* ----------------------------------------------------------- payment links */

static bool
key_id_valid(const char *k, size_t len)
{
	size_t i;

	if (len == 0 || len > FC_PAYLINK_KEY_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
	{
		char c = k[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool
paylink_mac(const char *signed_part, size_t len, const uint8_t *secret, size_t secret_len,
			uint8_t *mac, FcError *err)
{
	size_t maclen;

	if (!fc_hmac(FC_DIGEST_SHA256, secret, secret_len, signed_part, len, mac, &maclen))
	{
		set_error(err, FC_ERR_CRYPTO, "HMAC-SHA256 failed");
		return false;
	}
	return true;
}

/*
 * fc_paylink_sign builds "<key id>.<base64url payload>.<base64url MAC>",
 * the MAC being HMAC-SHA256 over everything before the second dot.
 * Returns an allocated NUL-terminated token, or NULL.
 */
char *
fc_paylink_sign(const char *key_id, size_t key_id_len,
				const uint8_t *secret, size_t secret_len,
				const char *payload, size_t payload_len,
				const FcAllocator *a, size_t *token_len, FcError *err)
{
	size_t	plen = fc_base64_encoded_len(payload_len, true);
	size_t	mlen = fc_base64_encoded_len(FC_SHA256_LEN, true);
	size_t	total = key_id_len + 1 + plen + 1 + mlen;
	uint8_t mac[FC_MAC_MAX_LEN];
	char   *tok;
	size_t	o;

	err->code = FC_OK;
	if (!key_id_valid(key_id, key_id_len))
	{
		set_error(err, FC_ERR_MALFORMED, "key id must be 1 to 32 letters, digits, '_' or '-'");
		return NULL;
	}
	if (total > FC_PAYLINK_MAX_TOKEN)
	{
		set_error(err, FC_ERR_LIMIT, "token payload is too large");
		return NULL;
	}
	tok = fc_alloc(a, total + 1, err);
	if (tok == NULL)
		return NULL;
	memcpy(tok, key_id, key_id_len);
	o = key_id_len;
	tok[o++] = '.';
	o += fc_base64_encode((const uint8_t *) payload, payload_len, tok + o, true);
	if (!paylink_mac(tok, o, secret, secret_len, mac, err))
	{
		fc_release(a, tok);
		return NULL;
	}
	tok[o++] = '.';
	o += fc_base64_encode(mac, FC_SHA256_LEN, tok + o, true);
	tok[o] = '\0';
	*token_len = o;
	return tok;
}

/*
 * find_dots locates the two separators of a token; false unless there are
 * exactly two.
 */
static bool
find_dots(const char *token, size_t len, size_t *d1, size_t *d2)
{
	const char *p1 = memchr(token, '.', len);
	const char *p2;

	if (p1 == NULL)
		return false;
	p2 = memchr(p1 + 1, '.', len - (size_t) (p1 - token) - 1);
	if (p2 == NULL || memchr(p2 + 1, '.', len - (size_t) (p2 - token) - 1) != NULL)
		return false;
	*d1 = (size_t) (p1 - token);
	*d2 = (size_t) (p2 - token);
	return true;
}

/*
 * fc_paylink_split checks a token's shape and decodes its payload, without
 * authenticating it (the caller needs the key id to find the secret).
 */
bool
fc_paylink_split(const char *token, size_t len, const FcAllocator *a,
				 FcPaylinkParts *parts, FcError *err)
{
	size_t	d1;
	size_t	d2;
	uint8_t mac[FC_SHA256_LEN + 3];
	size_t	maclen;
	char   *payload;
	size_t	plen;

	err->code = FC_OK;
	parts->payload = NULL;
	if (len == 0 || len > FC_PAYLINK_MAX_TOKEN || !find_dots(token, len, &d1, &d2))
	{
		set_error(err, FC_ERR_MALFORMED, "token is not <key id>.<payload>.<signature>");
		return false;
	}
	if (!key_id_valid(token, d1))
	{
		set_error(err, FC_ERR_MALFORMED, "token key id is malformed");
		return false;
	}
	if (len - d2 - 1 != fc_base64_encoded_len(FC_SHA256_LEN, true) ||
		!fc_base64_decode(token + d2 + 1, len - d2 - 1, mac, &maclen, true) ||
		maclen != FC_SHA256_LEN)
	{
		set_error(err, FC_ERR_MALFORMED, "token signature is malformed");
		return false;
	}
	payload = fc_alloc(a, fc_base64_decoded_max(d2 - d1 - 1) + 1, err);
	if (payload == NULL)
		return false;
	if (d2 - d1 - 1 == 0 ||
		!fc_base64_decode(token + d1 + 1, d2 - d1 - 1, (uint8_t *) payload, &plen, true) ||
		!fc_utf8_valid(payload, plen))
	{
		fc_release(a, payload);
		set_error(err, FC_ERR_MALFORMED, "token payload is malformed");
		return false;
	}
	payload[plen] = '\0';
	parts->key_id = token;
	parts->key_id_len = d1;
	parts->payload = payload;
	parts->payload_len = plen;
	return true;
}

/*
 * fc_paylink_mac_matches recomputes the MAC of a (split-checked) token and
 * compares it in constant time.
 */
bool
fc_paylink_mac_matches(const char *token, size_t len,
					   const uint8_t *secret, size_t secret_len, FcError *err)
{
	size_t	d1;
	size_t	d2;
	uint8_t given[FC_SHA256_LEN + 3];
	size_t	givenlen;
	uint8_t expected[FC_MAC_MAX_LEN];

	err->code = FC_OK;
	if (len > FC_PAYLINK_MAX_TOKEN || !find_dots(token, len, &d1, &d2) ||
		len - d2 - 1 != fc_base64_encoded_len(FC_SHA256_LEN, true) ||
		!fc_base64_decode(token + d2 + 1, len - d2 - 1, given, &givenlen, true))
	{
		set_error(err, FC_ERR_MALFORMED, "token is malformed");
		return false;
	}
	if (!paylink_mac(token, d2, secret, secret_len, expected, err))
		return false;
	return fc_equal_ct(expected, FC_SHA256_LEN, given, givenlen);
}

/* ------------------------------------------------------ short payment links */

/*
 * Short payment-link tokens (0.3.0): base64url(link id || truncated MAC),
 * 22 characters, so that a link fits an SMS.  The link id is random and
 * names a stored payment_link row (which holds the invoice, amount,
 * currency, expiry and signing key); the MAC is the first
 * FC_PAYLINK_SHORT_MAC_LEN bytes of HMAC-SHA256 under that key over a
 * domain tag, the id and the row's terms, so a token can neither be
 * guessed (128 bits) nor be pointed at other terms.
 */
static const char paylink_short_tag[] = "flowcomm-paylink-v2";

static bool
paylink_short_mac(const uint8_t *id, const uint8_t *secret, size_t secret_len,
				  const char *terms, size_t terms_len, uint8_t *mac, FcError *err)
{
	FcHmac h;
	size_t maclen;
	bool   ok;

	if (!fc_hmac_init(&h, FC_DIGEST_SHA256, secret, secret_len))
	{
		set_error(err, FC_ERR_CRYPTO, "could not initialise HMAC-SHA256");
		return false;
	}
	/* the tag's NUL separates it from the id */
	ok = fc_hmac_update(&h, paylink_short_tag, sizeof(paylink_short_tag)) &&
		 fc_hmac_update(&h, id, FC_PAYLINK_SHORT_ID_LEN) &&
		 fc_hmac_update(&h, terms, terms_len);
	if (!ok)
	{
		fc_hmac_free(&h);
		set_error(err, FC_ERR_CRYPTO, "HMAC-SHA256 failed");
		return false;
	}
	if (!fc_hmac_final(&h, mac, &maclen))
	{
		set_error(err, FC_ERR_CRYPTO, "HMAC-SHA256 failed");
		return false;
	}
	return true;
}

/*
 * fc_paylink_short_sign writes the FC_PAYLINK_SHORT_TOKEN_LEN-character
 * token of a link id and its terms into out (one more byte for the NUL).
 */
bool
fc_paylink_short_sign(const uint8_t *id, const uint8_t *secret, size_t secret_len,
					  const char *terms, size_t terms_len, char *out, FcError *err)
{
	uint8_t raw[FC_PAYLINK_SHORT_ID_LEN + FC_MAC_MAX_LEN];
	size_t	n;

	err->code = FC_OK;
	err->message[0] = '\0';
	memcpy(raw, id, FC_PAYLINK_SHORT_ID_LEN);
	if (!paylink_short_mac(id, secret, secret_len, terms, terms_len,
						   raw + FC_PAYLINK_SHORT_ID_LEN, err))
		return false;
	n = fc_base64_encode(raw, FC_PAYLINK_SHORT_ID_LEN + FC_PAYLINK_SHORT_MAC_LEN, out, true);
	out[n] = '\0';
	return true;
}

/*
 * paylink_short_decode: true when token has the short shape (exactly
 * FC_PAYLINK_SHORT_TOKEN_LEN base64url characters in canonical form), with
 * the id and MAC bytes in raw.  The canonical check makes each link have
 * exactly one spelling.
 */
static bool
paylink_short_decode(const char *token, size_t len, uint8_t *raw)
{
	uint8_t buf[FC_PAYLINK_SHORT_ID_LEN + FC_PAYLINK_SHORT_MAC_LEN + 3];
	char	again[FC_PAYLINK_SHORT_TOKEN_LEN + 4];
	size_t	n;

	if (len != FC_PAYLINK_SHORT_TOKEN_LEN || !fc_base64_decode(token, len, buf, &n, true) ||
		n != FC_PAYLINK_SHORT_ID_LEN + FC_PAYLINK_SHORT_MAC_LEN)
		return false;
	if (fc_base64_encode(buf, n, again, true) != len || memcmp(again, token, len) != 0)
		return false;
	memcpy(raw, buf, n);
	return true;
}

/*
 * fc_paylink_short_id extracts the link id of a short token; false when the
 * token does not have the short shape.
 */
bool
fc_paylink_short_id(const char *token, size_t len, uint8_t *id)
{
	uint8_t raw[FC_PAYLINK_SHORT_ID_LEN + FC_PAYLINK_SHORT_MAC_LEN];

	if (!paylink_short_decode(token, len, raw))
		return false;
	memcpy(id, raw, FC_PAYLINK_SHORT_ID_LEN);
	return true;
}

/*
 * fc_paylink_short_matches: constant-time check of a short token's MAC for
 * the given terms.  false with err->code FC_OK means "does not match" (or
 * not a short token).
 */
bool
fc_paylink_short_matches(const char *token, size_t len, const uint8_t *secret, size_t secret_len,
						 const char *terms, size_t terms_len, FcError *err)
{
	uint8_t raw[FC_PAYLINK_SHORT_ID_LEN + FC_PAYLINK_SHORT_MAC_LEN];
	uint8_t expected[FC_MAC_MAX_LEN];

	err->code = FC_OK;
	err->message[0] = '\0';
	if (!paylink_short_decode(token, len, raw))
		return false;
	if (!paylink_short_mac(raw, secret, secret_len, terms, terms_len, expected, err))
		return false;
	return fc_equal_ct(expected, FC_PAYLINK_SHORT_MAC_LEN, raw + FC_PAYLINK_SHORT_ID_LEN,
					   FC_PAYLINK_SHORT_MAC_LEN);
}
