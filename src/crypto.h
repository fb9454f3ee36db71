/*-------------------------------------------------------------------------
 *
 * crypto.h
 *	  Message authentication primitives used by the webhooks and payment
 *	  links: HMAC, ECDSA P-256 verification, base64 and constant-time
 *	  comparison, on top of OpenSSL 3 EVP.
 *
 * These functions never include postgres.h, never allocate from a memory
 * context and never raise errors: they return a status, free everything
 * OpenSSL gave them before returning, and clear OpenSSL's error queue.  So
 * the same file links into the backend module and into the fuzz target,
 * and a PostgreSQL error raised by the caller can never leak OpenSSL
 * objects.
 *
 * src/crypto.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWCOMM_CRYPTO_H
#define FLOWCOMM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FC_SHA1_LEN		20
#define FC_SHA256_LEN	32
#define FC_MAC_MAX_LEN	64

typedef enum FcDigest
{
	FC_DIGEST_SHA1,
	FC_DIGEST_SHA256
} FcDigest;

/* Outcome of a signature verification */
typedef enum FcVerify
{
	FC_VERIFY_OK = 0,			/* signature matches */
	FC_VERIFY_MISMATCH,			/* well-formed, but does not match */
	FC_VERIFY_BAD_KEY,			/* public key unreadable or not EC P-256 */
	FC_VERIFY_BAD_SIGNATURE,	/* signature is not a DER ECDSA signature */
	FC_VERIFY_FAILURE			/* OpenSSL failed (out of memory, ...) */
} FcVerify;

/* Incremental HMAC; state is opaque OpenSSL objects. */
typedef struct FcHmac
{
	void	   *mac;			/* EVP_MAC * */
	void	   *ctx;			/* EVP_MAC_CTX * */
	size_t		len;			/* output length */
} FcHmac;

extern bool fc_hmac_init(FcHmac *h, FcDigest digest, const uint8_t *key, size_t keylen);
extern bool fc_hmac_update(FcHmac *h, const void *data, size_t len);
extern bool fc_hmac_final(FcHmac *h, uint8_t *out, size_t *outlen);
extern void fc_hmac_free(FcHmac *h);
extern bool fc_hmac(FcDigest digest, const uint8_t *key, size_t keylen,
					const void *data, size_t len, uint8_t *out, size_t *outlen);

extern bool fc_equal_ct(const void *a, size_t alen, const void *b, size_t blen);

/* base64 (RFC 4648 section 4) and base64url without padding (section 5) */
extern size_t fc_base64_encoded_len(size_t len, bool url);
extern size_t fc_base64_encode(const uint8_t *src, size_t len, char *dst, bool url);
extern size_t fc_base64_decoded_max(size_t len);
extern bool fc_base64_decode(const char *src, size_t len, uint8_t *dst, size_t *dstlen, bool url);

extern FcVerify fc_ecdsa_p256_verify(const char *key, size_t keylen,
									 const void *msg1, size_t len1,
									 const void *msg2, size_t len2,
									 const uint8_t *sig, size_t siglen);
extern FcVerify fc_ecdsa_p256_check_key(const char *key, size_t keylen);

#endif							/* FLOWCOMM_CRYPTO_H */
