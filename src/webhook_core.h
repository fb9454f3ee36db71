/*-------------------------------------------------------------------------
 *
 * webhook_core.h
 *	  Parsing and signature checks for provider webhooks and payment-link
 *	  tokens, independent of PostgreSQL.
 *
 * Everything a request from the internet reaches before it is
 * authenticated lives here: the form-urlencoded parser, the Twilio and
 * Sendgrid signature checks, the Sendgrid message id normalisation and the
 * payment-link token codec.  Memory comes from an allocator hook (palloc in
 * the backend, malloc in the fuzz target) and failures are reported in an
 * FcError, never by longjmp, so the fuzz target (fuzz/webhook_fuzz.c)
 * exercises exactly the code the backend runs.
 *
 * src/webhook_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWCOMM_WEBHOOK_CORE_H
#define FLOWCOMM_WEBHOOK_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/* Limits on unauthenticated input */
#define FC_FORM_MAX_BODY	  (256 * 1024)
#define FC_FORM_MAX_PAIRS	  500
#define FC_SIGNATURE_MAX_TEXT 512
#define FC_PAYLINK_MAX_TOKEN  2048
#define FC_PAYLINK_KEY_ID_MAX 32

typedef enum FcErrorCode
{
	FC_OK = 0,
	FC_ERR_MALFORMED, /* input is not what the format requires */
	FC_ERR_LIMIT,	  /* input exceeds a size limit */
	FC_ERR_SIGNATURE, /* authentication failed */
	FC_ERR_KEY,		  /* configured key unusable */
	FC_ERR_CRYPTO,	  /* OpenSSL failure */
	FC_ERR_OOM		  /* allocator returned NULL */
} FcErrorCode;

typedef struct FcError
{
	FcErrorCode code;
	char		message[160];
} FcError;

typedef struct FcAllocator
{
	void *(*alloc)(void *ctx, size_t size);
	void (*release)(void *ctx, void *ptr); /* may be NULL */
	void *ctx;
} FcAllocator;

/* One decoded name=value pair; both NUL-terminated, lengths exclude it */
typedef struct FcFormPair
{
	char  *name;
	size_t name_len;
	char  *value;
	size_t value_len;
} FcFormPair;

typedef struct FcForm
{
	FcFormPair *pairs;
	size_t		npairs;
} FcForm;

extern bool fc_utf8_valid(const char *s, size_t len);

extern bool fc_form_parse(const char *body, size_t len, const FcAllocator *a,
						  FcForm *form, FcError *err);
extern void fc_form_free(FcForm *form, const FcAllocator *a);

extern bool fc_twilio_signature(const char *url, size_t url_len,
								const FcFormPair *pairs, size_t npairs,
								const uint8_t *token, size_t token_len,
								const FcAllocator *a, char *out, size_t *out_len,
								FcError *err);
extern bool fc_twilio_url_port_variant(const char *url, size_t url_len, char *out, size_t *out_len);
extern bool fc_twilio_signature_matches(const char *url, size_t url_len,
										const FcFormPair *pairs, size_t npairs,
										const uint8_t *token, size_t token_len,
										const char *signature, size_t sig_len,
										const FcAllocator *a, FcError *err);

extern size_t fc_sendgrid_message_id_len(const char *id, size_t len);
extern bool	  fc_parse_unix_seconds(const char *s, size_t len, int64_t *out);
extern bool	  fc_sendgrid_verify(const char *public_key, size_t key_len,
								 const char *signature, size_t sig_len,
								 const char *timestamp, size_t ts_len,
								 const char *payload, size_t payload_len,
								 FcError *err);

/* Payment-link tokens: <key id>.<base64url payload>.<base64url HMAC-SHA256> */
typedef struct FcPaylinkParts
{
	const char *key_id; /* points into the token */
	size_t		key_id_len;
	char	   *payload; /* decoded, NUL-terminated, allocated */
	size_t		payload_len;
} FcPaylinkParts;

extern char *fc_paylink_sign(const char *key_id, size_t key_id_len,
							 const uint8_t *secret, size_t secret_len,
							 const char *payload, size_t payload_len,
							 const FcAllocator *a, size_t *token_len, FcError *err);
extern bool	 fc_paylink_split(const char *token, size_t len, const FcAllocator *a,
							  FcPaylinkParts *parts, FcError *err);
extern bool	 fc_paylink_mac_matches(const char *token, size_t len,
									const uint8_t *secret, size_t secret_len,
									FcError *err);

/*
 * Short payment-link tokens (0.3.0): base64url(8-byte random link id ||
 * first 8 bytes of HMAC-SHA256 over a tag, the id and the link's terms),
 * 22 characters; the id names a stored payment_link row.
 */
#define FC_PAYLINK_SHORT_ID_LEN	   8
#define FC_PAYLINK_SHORT_MAC_LEN   8
#define FC_PAYLINK_SHORT_TOKEN_LEN 22

extern bool fc_paylink_short_sign(const uint8_t *id, const uint8_t *secret, size_t secret_len,
								  const char *terms, size_t terms_len, char *out, FcError *err);
extern bool fc_paylink_short_id(const char *token, size_t len, uint8_t *id);
extern bool fc_paylink_short_matches(const char *token, size_t len,
									 const uint8_t *secret, size_t secret_len,
									 const char *terms, size_t terms_len, FcError *err);

#endif /* FLOWCOMM_WEBHOOK_CORE_H */
