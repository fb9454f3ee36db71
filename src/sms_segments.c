/*-------------------------------------------------------------------------
 *
 * sms_segments.c
 *	  SMS length rules: the 1600-character cut and segment counting.
 *
 * Twilio refuses bodies over 1600 characters, so text is cut there without
 * splitting a UTF-8 sequence.  The segment count is what the carrier bills:
 * a body made only of GSM 03.38 characters is GSM-7 (160 septets in one
 * segment, 153 per segment when concatenated; characters of the extension
 * table take two septets), anything else is UCS-2 (70 UTF-16 units, 67 when
 * concatenated; characters outside the BMP take two units).
 *
 * flowcomm.sms_segments(text) exposes the count to SQL, so a template's
 * cost can be checked before anything is sent.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "flowcomm.h"

static int		gsm_septets(pg_wchar c);
static pg_wchar next_char(const unsigned char **p);

/* Non-ASCII code points of the GSM 03.38 basic character set. */
static const pg_wchar gsm_basic_extra[] = {
	0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
	0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6,
	0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC,
	0x0393, 0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9};

/*
 * gsm_septets returns how many septets c takes in GSM-7, or 0 if it has no
 * GSM-7 encoding.
 */
static int
gsm_septets(pg_wchar c)
{
	if (c == '\n' || c == '\r')
		return 1;
	if (c == '^' || c == '{' || c == '}' || c == '\\' || c == '[' || c == ']' ||
		c == '~' || c == '|' || c == 0x20AC || c == '\f')
		return 2;
	if (c >= 0x20 && c < 0x7F)
		return c == '`' ? 0 : 1;
	for (int i = 0; i < lengthof(gsm_basic_extra); i++)
		if (gsm_basic_extra[i] == c)
			return 1;
	return 0;
}

/* next_char decodes one UTF-8 character and advances *p. */
static pg_wchar
next_char(const unsigned char **p)
{
	int		 len = pg_utf_mblen(*p);
	pg_wchar c;

	for (int i = 1; i < len; i++)
		if ((*p)[i] == '\0')
		{
			/* truncated sequence: consume the rest as one unknown char */
			*p += i;
			return 0xFFFD;
		}
	c = utf8_to_unicode(*p);
	*p += len;
	return c;
}

/*
 * fc_sms_truncate returns text cut to at most max_chars characters, never
 * inside a UTF-8 sequence.
 */
char *
fc_sms_truncate(const char *text, int max_chars)
{
	const unsigned char *p = (const unsigned char *) (text ? text : "");
	int					 n = 0;

	while (*p && n < max_chars)
	{
		(void) next_char(&p);
		n++;
	}
	return pnstrdup(text ? text : "", (const char *) p - (text ? text : ""));
}

/*
 * fc_sms_segments counts billed segments and picks the encoding.
 */
void
fc_sms_segments(const char *text, int *segments, const char **encoding)
{
	const unsigned char *p = (const unsigned char *) (text ? text : "");
	int					 septets = 0;
	int					 units = 0;
	bool				 gsm = true;

	while (*p)
	{
		pg_wchar c = next_char(&p);
		int		 s = gsm_septets(c);

		if (s == 0)
			gsm = false;
		septets += s;
		units += (c > 0xFFFF) ? 2 : 1;
	}
	if (gsm)
	{
		*encoding = "GSM-7";
		*segments = septets <= 160 ? 1 : (septets + 152) / 153;
	}
	else
	{
		*encoding = "UCS-2";
		*segments = units <= 70 ? 1 : (units + 66) / 67;
	}
}

PG_FUNCTION_INFO_V1(flowcomm_sms_segments);

/*
 * flowcomm.sms_segments(body text, OUT segments int, OUT encoding text)
 */
Datum
flowcomm_sms_segments(PG_FUNCTION_ARGS)
{
	char	   *body = text_to_cstring(PG_GETARG_TEXT_PP(0));
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			segments;
	const char *encoding;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("sms_segments must be called in a context that accepts a record")));
	tupdesc = BlessTupleDesc(tupdesc);
	fc_sms_segments(body, &segments, &encoding);
	values[0] = Int32GetDatum(segments);
	values[1] = CStringGetTextDatum(encoding);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
