/*-------------------------------------------------------------------------
 *
 * webhook_twilio.c
 *	  SQL entry points for Twilio webhooks: decoding a form-urlencoded body
 *	  and checking the X-Twilio-Signature of a request.
 *
 * The SQL layer (sql/src/50_webhooks.sql) looks up the auth token of the
 * account named in AccountSid and asks twilio_signature_valid() whether the
 * signature matches the URL and parameters.  The parameters arrive either
 * as the raw body (decoded here, duplicates and order kept) or as named
 * arguments from PostgREST; both end up as parallel name/value arrays.
 *
 * src/webhook_twilio.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "webhook.h"

PG_FUNCTION_INFO_V1(flowcomm_form_decode);
PG_FUNCTION_INFO_V1(flowcomm_twilio_signature_valid);

/*
 * text_array builds a one-dimensional text[] from n strings.
 */
static ArrayType *
text_array(Datum *items, int n)
{
	return construct_array(items, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * flowcomm.form_decode(body text, OUT names text[], OUT vals text[])
 *
 * Decodes an application/x-www-form-urlencoded body; names[i] = vals[i]
 * in body order.  Malformed escapes and non-UTF-8 text raise 22023.
 */
Datum
flowcomm_form_decode(PG_FUNCTION_ARGS)
{
	text	   *body = PG_GETARG_TEXT_PP(0);
	TupleDesc	tupdesc;
	FcForm		form;
	FcError		err;
	Datum	   *names;
	Datum	   *vals;
	Datum		result[2];
	bool		nulls[2] = {false, false};
	size_t		i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("form_decode must be called in a context that accepts a record")));
	tupdesc = BlessTupleDesc(tupdesc);

	if (!fc_form_parse(VARDATA_ANY(body), VARSIZE_ANY_EXHDR(body),
					   flowcomm_core_allocator(), &form, &err))
	{
		if (err.code == FC_ERR_OOM)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory decoding a form body")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid form body"),
				 errdetail("The %s.", err.message)));
	}

	names = palloc(sizeof(Datum) * (form.npairs + 1));
	vals = palloc(sizeof(Datum) * (form.npairs + 1));
	for (i = 0; i < form.npairs; i++)
	{
		names[i] = PointerGetDatum(cstring_to_text_with_len(form.pairs[i].name,
															(int) form.pairs[i].name_len));
		vals[i] = PointerGetDatum(cstring_to_text_with_len(form.pairs[i].value,
														   (int) form.pairs[i].value_len));
	}
	result[0] = PointerGetDatum(text_array(names, (int) form.npairs));
	result[1] = PointerGetDatum(text_array(vals, (int) form.npairs));
	fc_form_free(&form, flowcomm_core_allocator());
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, result, nulls)));
}

/*
 * text_items deconstructs a text[] argument, refusing NULL elements.
 */
static int
text_items(ArrayType *arr, Datum **items, const char *what)
{
	bool	   *nulls;
	int			n;
	int			i;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: must be a one-dimensional array", what)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, items, &nulls, &n);
	for (i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid %s: element %d is null", what, i + 1)));
	return n;
}

/*
 * flowcomm.twilio_signature_valid(url text, names text[], vals text[],
 *								   auth_token text, signature text)
 *		RETURNS boolean
 *
 * True when signature is the X-Twilio-Signature Twilio computes for this
 * URL and these POST parameters with this auth token.  A missing signature
 * or token is simply not valid.  The comparison is constant-time.
 */
Datum
flowcomm_twilio_signature_valid(PG_FUNCTION_ARGS)
{
	text	   *url;
	text	   *token;
	text	   *sig;
	Datum	   *names;
	Datum	   *vals;
	int			n;
	int			i;
	FcFormPair *pairs;
	FcError		err;
	bool		ok;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("twilio_signature_valid needs a url and parameter arrays")));
	if (PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_BOOL(false);
	url = PG_GETARG_TEXT_PP(0);
	token = PG_GETARG_TEXT_PP(3);
	sig = PG_GETARG_TEXT_PP(4);
	if (VARSIZE_ANY_EXHDR(token) == 0 || VARSIZE_ANY_EXHDR(sig) == 0)
		PG_RETURN_BOOL(false);

	n = text_items(PG_GETARG_ARRAYTYPE_P(1), &names, "names");
	if (text_items(PG_GETARG_ARRAYTYPE_P(2), &vals, "vals") != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid vals: must have as many elements as names")));
	pairs = palloc(sizeof(FcFormPair) * (n + 1));
	for (i = 0; i < n; i++)
	{
		text	   *nm = DatumGetTextPP(names[i]);
		text	   *v = DatumGetTextPP(vals[i]);

		pairs[i].name = VARDATA_ANY(nm);
		pairs[i].name_len = VARSIZE_ANY_EXHDR(nm);
		pairs[i].value = VARDATA_ANY(v);
		pairs[i].value_len = VARSIZE_ANY_EXHDR(v);
	}
	ok = fc_twilio_signature_matches(VARDATA_ANY(url), VARSIZE_ANY_EXHDR(url),
									 pairs, (size_t) n,
									 (const uint8_t *) VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token),
									 VARDATA_ANY(sig), VARSIZE_ANY_EXHDR(sig),
									 flowcomm_core_allocator(), &err);
	if (!ok && err.code != FC_OK)
		ereport(ERROR,
				(errcode(err.code == FC_ERR_OOM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute the twilio signature"),
				 errdetail("%s.", err.message)));
	PG_RETURN_BOOL(ok);
}
