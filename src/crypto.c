/*-------------------------------------------------------------------------
 *
 * crypto.c
 *	  HMAC-SHA1/SHA256, ECDSA P-256 signature verification, base64 and
 *	  constant-time comparison for webhook signatures and payment links.
 *
 * Everything goes through OpenSSL 3's EVP interfaces (EVP_MAC for HMAC,
 * EVP_DigestVerify for ECDSA).  No PostgreSQL dependency: see crypto.h.
 *
 * src/crypto.c
 *
 *-------------------------------------------------------------------------
 */
#include "crypto.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* Longest public key text accepted (a PEM P-256 key is ~180 bytes) */
#define FC_MAX_KEY_TEXT		8192

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ------------------------------------------------------------------ HMAC */

/*
 * fc_hmac_init prepares an HMAC with the given digest and key.  On failure
 * everything is released and false returned.
 */
bool
fc_hmac_init(FcHmac *h, FcDigest digest, const uint8_t *key, size_t keylen)
{
	OSSL_PARAM	params[2];
	char	   *md = (char *) (digest == FC_DIGEST_SHA1 ? "SHA1" : "SHA256");
	static const uint8_t empty = 0;

	h->mac = NULL;
	h->ctx = NULL;
	h->len = digest == FC_DIGEST_SHA1 ? FC_SHA1_LEN : FC_SHA256_LEN;

	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (h->mac == NULL)
		goto fail;
	h->ctx = EVP_MAC_CTX_new(h->mac);
	if (h->ctx == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* OpenSSL refuses a NULL key pointer even with length 0 */
	if (!EVP_MAC_init(h->ctx, keylen > 0 ? key : &empty, keylen, params))
		goto fail;
	return true;

fail:
	fc_hmac_free(h);
	return false;
}

bool
fc_hmac_update(FcHmac *h, const void *data, size_t len)
{
	if (len == 0)
		return true;
	return EVP_MAC_update(h->ctx, data, len) == 1;
}

/*
 * fc_hmac_final writes the MAC (h->len bytes, at most FC_MAC_MAX_LEN) and
 * releases the state.
 */
bool
fc_hmac_final(FcHmac *h, uint8_t *out, size_t *outlen)
{
	bool		ok = EVP_MAC_final(h->ctx, out, outlen, FC_MAC_MAX_LEN) == 1;

	fc_hmac_free(h);
	return ok && *outlen == h->len;
}

void
fc_hmac_free(FcHmac *h)
{
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	h->ctx = NULL;
	h->mac = NULL;
	ERR_clear_error();
}

/*
 * fc_hmac computes a MAC over one buffer.
 */
bool
fc_hmac(FcDigest digest, const uint8_t *key, size_t keylen,
		const void *data, size_t len, uint8_t *out, size_t *outlen)
{
	FcHmac		h;

	if (!fc_hmac_init(&h, digest, key, keylen))
		return false;
	if (!fc_hmac_update(&h, data, len))
	{
		fc_hmac_free(&h);
		return false;
	}
	return fc_hmac_final(&h, out, outlen);
}

/*
 * fc_equal_ct compares two byte strings in time that depends only on their
 * lengths, never on where they differ.
 */
bool
fc_equal_ct(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return false;
	if (alen == 0)
		return true;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

/* ---------------------------------------------------------------- base64 */

size_t
fc_base64_encoded_len(size_t len, bool url)
{
	if (url)
		return (len / 3) * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
	return ((len + 2) / 3) * 4;
}

/*
 * fc_base64_encode writes fc_base64_encoded_len(len, url) characters (no
 * terminator) and returns that count.  url: base64url alphabet, no padding.
 */
size_t
fc_base64_encode(const uint8_t *src, size_t len, char *dst, bool url)
{
	const char *alpha = url ? b64_url : b64_std;
	size_t		i = 0;
	size_t		o = 0;

	while (i + 3 <= len)
	{
		uint32_t	v = ((uint32_t) src[i] << 16) | ((uint32_t) src[i + 1] << 8) | src[i + 2];

		dst[o++] = alpha[(v >> 18) & 63];
		dst[o++] = alpha[(v >> 12) & 63];
		dst[o++] = alpha[(v >> 6) & 63];
		dst[o++] = alpha[v & 63];
		i += 3;
	}
	if (len - i == 1)
	{
		uint32_t	v = (uint32_t) src[i] << 16;

		dst[o++] = alpha[(v >> 18) & 63];
		dst[o++] = alpha[(v >> 12) & 63];
		if (!url)
		{
			dst[o++] = '=';
			dst[o++] = '=';
		}
	}
	else if (len - i == 2)
	{
		uint32_t	v = ((uint32_t) src[i] << 16) | ((uint32_t) src[i + 1] << 8);

		dst[o++] = alpha[(v >> 18) & 63];
		dst[o++] = alpha[(v >> 12) & 63];
		dst[o++] = alpha[(v >> 6) & 63];
		if (!url)
			dst[o++] = '=';
	}
	return o;
}

size_t
fc_base64_decoded_max(size_t len)
{
	return (len / 4) * 3 + 3;
}

static int
b64_value(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/*
 * fc_base64_decode decodes into dst (at least fc_base64_decoded_max(len)
 * bytes).  Standard mode skips whitespace and accepts optional correct
 * padding; url mode is strict: no padding, no whitespace.  Both reject
 * stray characters and non-zero bits after the last byte, so every byte
 * string has exactly one accepted encoding.
 */
bool
fc_base64_decode(const char *src, size_t len, uint8_t *dst, size_t *dstlen, bool url)
{
	uint32_t	acc = 0;
	size_t		nchars = 0;
	size_t		npad = 0;
	size_t		o = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) src[i];
		int			v;

		if (!url && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			continue;
		if (!url && c == '=')
		{
			npad++;
			continue;
		}
		v = b64_value(c, url);
		if (v < 0 || npad > 0)
			return false;
		acc = (acc << 6) | (uint32_t) v;
		nchars++;
		if (nchars % 4 == 0)
		{
			dst[o++] = (uint8_t) (acc >> 16);
			dst[o++] = (uint8_t) (acc >> 8);
			dst[o++] = (uint8_t) acc;
			acc = 0;
		}
	}
	switch (nchars % 4)
	{
		case 0:
			if (npad != 0)
				return false;
			break;
		case 1:
			return false;
		case 2:
			if ((npad != 0 && npad != 2) || (acc & 0xF) != 0)
				return false;
			dst[o++] = (uint8_t) (acc >> 4);
			break;
		case 3:
			if ((npad != 0 && npad != 1) || (acc & 0x3) != 0)
				return false;
			dst[o++] = (uint8_t) (acc >> 10);
			dst[o++] = (uint8_t) (acc >> 2);
			break;
	}
	*dstlen = o;
	return true;
}

/* ----------------------------------------------------------------- ECDSA */

/*
 * load_p256_key reads a public key given as PEM ("-----BEGIN PUBLIC KEY-----")
 * or as base64 of the DER SubjectPublicKeyInfo (how Sendgrid shows it), and
 * accepts it only if it is an EC key on P-256.  Returns NULL otherwise.
 */
static EVP_PKEY *
load_p256_key(const char *key, size_t keylen)
{
	EVP_PKEY   *pkey = NULL;
	char		group[64];
	size_t		glen = 0;

	if (keylen == 0 || keylen > FC_MAX_KEY_TEXT)
		return NULL;
	if (keylen >= 10 && memcmp(key, "-----BEGIN", 10) == 0)
	{
		BIO		   *bio = BIO_new_mem_buf(key, (int) keylen);

		if (bio == NULL)
			return NULL;
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	else
	{
		uint8_t		der[FC_MAX_KEY_TEXT];
		size_t		derlen;
		const unsigned char *p = der;

		if (fc_base64_decoded_max(keylen) > sizeof(der) ||
			!fc_base64_decode(key, keylen, der, &derlen, false) || derlen == 0)
			return NULL;
		pkey = d2i_PUBKEY(NULL, &p, (long) derlen);
		if (pkey != NULL && p != der + derlen)
		{
			/* trailing bytes after the key: not a clean SubjectPublicKeyInfo */
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	if (pkey == NULL)
		return NULL;
	if (!EVP_PKEY_is_a(pkey, "EC") ||
		!EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) ||
		(strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0))
	{
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/*
 * fc_ecdsa_p256_check_key tells whether a key text is a usable P-256
 * public key (for validating configuration).
 */
FcVerify
fc_ecdsa_p256_check_key(const char *key, size_t keylen)
{
	EVP_PKEY   *pkey = load_p256_key(key, keylen);

	ERR_clear_error();
	if (pkey == NULL)
		return FC_VERIFY_BAD_KEY;
	EVP_PKEY_free(pkey);
	return FC_VERIFY_OK;
}

/*
 * fc_ecdsa_p256_verify checks a DER-encoded ECDSA signature with SHA-256
 * over msg1 followed by msg2 (Sendgrid signs timestamp + payload).
 */
FcVerify
fc_ecdsa_p256_verify(const char *key, size_t keylen,
					 const void *msg1, size_t len1,
					 const void *msg2, size_t len2,
					 const uint8_t *sig, size_t siglen)
{
	EVP_PKEY   *pkey;
	EVP_MD_CTX *md = NULL;
	FcVerify	result = FC_VERIFY_FAILURE;
	int			rc;

	pkey = load_p256_key(key, keylen);
	if (pkey == NULL)
	{
		ERR_clear_error();
		return FC_VERIFY_BAD_KEY;
	}
	/* A P-256 DER signature is at most 72 bytes; a SEQUENCE starts with 0x30 */
	if (siglen < 8 || siglen > 72 || sig[0] != 0x30)
	{
		EVP_PKEY_free(pkey);
		return FC_VERIFY_BAD_SIGNATURE;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL ||
		EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pkey, NULL) != 1 ||
		(len1 > 0 && EVP_DigestVerifyUpdate(md, msg1, len1) != 1) ||
		(len2 > 0 && EVP_DigestVerifyUpdate(md, msg2, len2) != 1))
		goto done;
	rc = EVP_DigestVerifyFinal(md, sig, siglen);
	if (rc == 1)
		result = FC_VERIFY_OK;
	else if (rc == 0)
		result = FC_VERIFY_MISMATCH;
	else
		result = FC_VERIFY_BAD_SIGNATURE;	/* malformed DER */

done:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return result;
}
