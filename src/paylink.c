/*-------------------------------------------------------------------------
 *
 * paylink.c
 *	  Signing and checking payment-link tokens, and random key material.
 *
 * A token is "<key id>.<base64url payload>.<base64url HMAC-SHA256>", the
 * MAC covering "<key id>.<base64url payload>" under the signing_key secret
 * with that id.  The SQL layer (sql/src/60_paylinks.sql) builds the
 * payload JSON, picks the key and interprets the verified payload; these
 * functions only touch bytes, and never print a secret.
 *
 * 0.3.0 adds short tokens for SMS: base64url(8-byte random link id || the
 * first 8 bytes of HMAC-SHA256 over a tag, the id and the link's terms),
 * 22 characters.  The id names a stored flowcomm.payment_link row holding
 * the terms; the MAC means a leaked copy of that table forges no link.
 *
 * src/paylink.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "webhook.h"

PG_FUNCTION_INFO_V1(flowcomm_paylink_sign);
PG_FUNCTION_INFO_V1(flowcomm_paylink_open);
PG_FUNCTION_INFO_V1(flowcomm_paylink_mac_valid);
PG_FUNCTION_INFO_V1(flowcomm_random_bytes);
PG_FUNCTION_INFO_V1(flowcomm_paylink_short_sign);
PG_FUNCTION_INFO_V1(flowcomm_paylink_short_id);
PG_FUNCTION_INFO_V1(flowcomm_paylink_short_valid);

/* Shortest accepted HMAC key, as signing_key's CHECK constraint requires */
#define PAYLINK_MIN_SECRET 32

static void
check_secret(bytea *secret)
{
	if (VARSIZE_ANY_EXHDR(secret) < PAYLINK_MIN_SECRET)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid signing key: shorter than %d bytes", PAYLINK_MIN_SECRET)));
}

/*
 * flowcomm.paylink_sign(key_id text, secret bytea, payload text) RETURNS text
 */
Datum
flowcomm_paylink_sign(PG_FUNCTION_ARGS)
{
	text   *key_id = PG_GETARG_TEXT_PP(0);
	bytea  *secret = PG_GETARG_BYTEA_PP(1);
	text   *payload = PG_GETARG_TEXT_PP(2);
	FcError err;
	char   *token;
	size_t	len;

	check_secret(secret);
	token = fc_paylink_sign(VARDATA_ANY(key_id), VARSIZE_ANY_EXHDR(key_id),
							(const uint8_t *) VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
							VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload),
							flowcomm_core_allocator(), &len, &err);
	if (token == NULL)
		ereport(ERROR,
				(errcode(err.code == FC_ERR_CRYPTO ? ERRCODE_INTERNAL_ERROR : err.code == FC_ERR_OOM ? ERRCODE_OUT_OF_MEMORY
																									 : ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not sign payment link"),
				 errdetail("The %s.", err.message)));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(token, (int) len));
}

/*
 * flowcomm.paylink_open(token text, OUT key_id text, OUT payload text,
 *						 OUT problem text)
 *
 * Splits a token without authenticating it: key id and decoded payload,
 * or problem set (and the others null) when the token is malformed.
 */
Datum
flowcomm_paylink_open(PG_FUNCTION_ARGS)
{
	text		  *token = PG_GETARG_TEXT_PP(0);
	TupleDesc	   tupdesc;
	FcPaylinkParts parts;
	FcError		   err;
	Datum		   values[3];
	bool		   nulls[3] = {true, true, true};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("paylink_open must be called in a context that accepts a record")));
	tupdesc = BlessTupleDesc(tupdesc);

	if (fc_paylink_split(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token),
						 flowcomm_core_allocator(), &parts, &err))
	{
		values[0] = PointerGetDatum(cstring_to_text_with_len(parts.key_id, (int) parts.key_id_len));
		values[1] = PointerGetDatum(cstring_to_text_with_len(parts.payload, (int) parts.payload_len));
		nulls[0] = nulls[1] = false;
	}
	else if (err.code == FC_ERR_OOM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory reading a payment link token")));
	else
	{
		values[2] = PointerGetDatum(cstring_to_text(err.message));
		nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * flowcomm.paylink_mac_valid(token text, secret bytea) RETURNS boolean
 *
 * Constant-time check of the token's MAC under secret.
 */
Datum
flowcomm_paylink_mac_valid(PG_FUNCTION_ARGS)
{
	text   *token = PG_GETARG_TEXT_PP(0);
	bytea  *secret = PG_GETARG_BYTEA_PP(1);
	FcError err;
	bool	ok;

	check_secret(secret);
	ok = fc_paylink_mac_matches(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token),
								(const uint8_t *) VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
								&err);
	if (!ok && err.code == FC_ERR_CRYPTO)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not check payment link signature"),
				 errdetail("%s.", err.message)));
	PG_RETURN_BOOL(ok);
}

/*
 * flowcomm.random_bytes(n int) RETURNS bytea
 *
 * n bytes from the operating system's cryptographic random source.
 */
Datum
flowcomm_random_bytes(PG_FUNCTION_ARGS)
{
	int32  n = PG_GETARG_INT32(0);
	bytea *result;

	if (n < 1 || n > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid length: %d is not between 1 and 1024", n)));
	result = palloc(VARHDRSZ + n);
	SET_VARSIZE(result, VARHDRSZ + n);
	if (!pg_strong_random(VARDATA(result), n))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
	PG_RETURN_BYTEA_P(result);
}

/*
 * flowcomm.paylink_short_sign(link_id bytea, secret bytea, terms text)
 * RETURNS text: the short token of a stored link.
 */
Datum
flowcomm_paylink_short_sign(PG_FUNCTION_ARGS)
{
	bytea  *id = PG_GETARG_BYTEA_PP(0);
	bytea  *secret = PG_GETARG_BYTEA_PP(1);
	text   *terms = PG_GETARG_TEXT_PP(2);
	char	out[FC_PAYLINK_SHORT_TOKEN_LEN + 4];
	FcError err;

	check_secret(secret);
	if (VARSIZE_ANY_EXHDR(id) != FC_PAYLINK_SHORT_ID_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid link id: not %d bytes", FC_PAYLINK_SHORT_ID_LEN)));
	if (!fc_paylink_short_sign((const uint8_t *) VARDATA_ANY(id),
							   (const uint8_t *) VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
							   VARDATA_ANY(terms), VARSIZE_ANY_EXHDR(terms), out, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not sign payment link"),
				 errdetail("%s.", err.message)));
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/*
 * flowcomm.paylink_short_id(token text) RETURNS bytea: the link id of a
 * short token, NULL when the token does not have the short shape.
 */
Datum
flowcomm_paylink_short_id(PG_FUNCTION_ARGS)
{
	text  *token = PG_GETARG_TEXT_PP(0);
	bytea *result = palloc(VARHDRSZ + FC_PAYLINK_SHORT_ID_LEN);

	if (!fc_paylink_short_id(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token), (uint8_t *) VARDATA(result)))
		PG_RETURN_NULL();
	SET_VARSIZE(result, VARHDRSZ + FC_PAYLINK_SHORT_ID_LEN);
	PG_RETURN_BYTEA_P(result);
}

/*
 * flowcomm.paylink_short_valid(token text, secret bytea, terms text)
 * RETURNS boolean: constant-time check of a short token's MAC.
 */
Datum
flowcomm_paylink_short_valid(PG_FUNCTION_ARGS)
{
	text   *token = PG_GETARG_TEXT_PP(0);
	bytea  *secret = PG_GETARG_BYTEA_PP(1);
	text   *terms = PG_GETARG_TEXT_PP(2);
	FcError err;
	bool	ok;

	check_secret(secret);
	ok = fc_paylink_short_matches(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token),
								  (const uint8_t *) VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
								  VARDATA_ANY(terms), VARSIZE_ANY_EXHDR(terms), &err);
	if (!ok && err.code == FC_ERR_CRYPTO)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not check payment link signature"),
				 errdetail("%s.", err.message)));
	PG_RETURN_BOOL(ok);
}
