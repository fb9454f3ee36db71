/*-------------------------------------------------------------------------
 *
 * http_encode.c
 *	  Encoders and small readers for provider requests and answers.
 *
 * JSON string escaping and form (x-www-form-urlencoded) encoding for the
 * request bodies, a tag stripper for the plain-text part of an email, the
 * secret masker applied to every error text we store or log, and a reader
 * of top-level fields of a provider's JSON answer built on PostgreSQL's own
 * JSON parser (so a hostile answer cannot confuse a hand-written scanner).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"

#include "flowcomm.h"

/*
 * fc_json_escape appends s as a JSON string literal (with quotes).
 */
void
fc_json_escape(StringInfo buf, const char *s)
{
	const unsigned char *p = (const unsigned char *) (s ? s : "");
	const unsigned char *run = p;

	/*
	 * Runs of characters that need no escaping are copied with one append:
	 * email bodies of tens of kB pass through here twice per message.
	 */
	appendStringInfoChar(buf, '"');
	for (;; p++)
	{
		unsigned char ch = *p;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		if (p > run)
			appendBinaryStringInfo(buf, (const char *) run, (int) (p - run));
		if (ch == '\0')
			break;
		run = p + 1;
		switch (ch)
		{
			case '"':
				appendBinaryStringInfo(buf, "\\\"", 2);
				break;
			case '\\':
				appendBinaryStringInfo(buf, "\\\\", 2);
				break;
			case '\n':
				appendBinaryStringInfo(buf, "\\n", 2);
				break;
			case '\r':
				appendBinaryStringInfo(buf, "\\r", 2);
				break;
			case '\t':
				appendBinaryStringInfo(buf, "\\t", 2);
				break;
			default:
				appendStringInfo(buf, "\\u%04x", ch);
		}
	}
	appendStringInfoChar(buf, '"');
}

/*
 * fc_form_append appends key=value, percent-encoding everything outside
 * RFC 3986's unreserved set (so "+" in E.164 numbers becomes %2B).
 */
void
fc_form_append(StringInfo buf, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const char		 *parts[2] = {key, value ? value : ""};

	if (buf->len > 0)
		appendStringInfoChar(buf, '&');
	for (int k = 0; k < 2; k++)
	{
		if (k == 1)
			appendStringInfoChar(buf, '=');
		for (const unsigned char *p = (const unsigned char *) parts[k]; *p; p++)
		{
			if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
				(*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~')
				appendStringInfoChar(buf, (char) *p);
			else
			{
				appendStringInfoChar(buf, '%');
				appendStringInfoChar(buf, hex[*p >> 4]);
				appendStringInfoChar(buf, hex[*p & 15]);
			}
		}
	}
}

/* mask_one replaces every occurrence of secret in s by "****". */
static char *
mask_one(char *s, const char *secret)
{
	StringInfoData out;
	char		  *hit;
	char		  *p = s;
	size_t		   len;

	if (secret == NULL || (len = strlen(secret)) < 4 || strstr(s, secret) == NULL)
		return s;
	initStringInfo(&out);
	while ((hit = strstr(p, secret)) != NULL)
	{
		appendBinaryStringInfo(&out, p, hit - p);
		appendStringInfoString(&out, "****");
		p = hit + len;
	}
	appendStringInfoString(&out, p);
	return out.data;
}

/*
 * fc_mask_secrets returns msg with the account's API key and auth token
 * masked, so no stored or logged text can leak them.
 */
char *
fc_mask_secrets(const char *msg, const FcAccount *acct)
{
	char *s = pstrdup(msg ? msg : "");

	s = mask_one(s, acct->sendgrid_api_key);
	s = mask_one(s, acct->twilio_auth_token);
	return s;
}

/* State of a top-level field lookup. */
typedef struct FieldFind
{
	const char *key;
	int			depth;
	bool		want;
	char	   *value;
} FieldFind;

static void
ff_struct_start(void *state)
{
	((FieldFind *) state)->depth++;
}

static void
ff_struct_end(void *state)
{
	((FieldFind *) state)->depth--;
}

static void
ff_field_start(void *state, char *fname, bool isnull)
{
	FieldFind *f = (FieldFind *) state;

	if (f->depth == 1 && f->value == NULL && strcmp(fname, f->key) == 0)
		f->want = true;
}

static void
ff_field_end(void *state, char *fname, bool isnull)
{
	((FieldFind *) state)->want = false;
}

static void
ff_scalar(void *state, char *token, JsonTokenType tokentype)
{
	FieldFind *f = (FieldFind *) state;

	if (f->want && f->depth == 1 && tokentype != JSON_TOKEN_NULL)
		f->value = pstrdup(token);
	f->want = false;
}

/*
 * fc_json_find_string returns the scalar value of a top-level field of a
 * JSON object as text, or NULL (absent, null, not an object, invalid JSON).
 */
char *
fc_json_find_string(const char *json, const char *key)
{
	FieldFind		f = {key, 0, false, NULL};
	JsonSemAction	sem;
	JsonLexContext *lex;

	if (json == NULL || *json == '\0')
		return NULL;
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &f;
	sem.object_start = ff_struct_start;
	sem.object_end = ff_struct_end;
	sem.array_start = ff_struct_start;
	sem.array_end = ff_struct_end;
	sem.object_field_start = ff_field_start;
	sem.object_field_end = ff_field_end;
	sem.scalar = ff_scalar;
	lex = makeJsonLexContextCstringLen(unconstify(char *, json), strlen(json), PG_UTF8, true);
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS)
		return NULL;
	return f.value;
}

/*
 * fc_json_find_int is fc_json_find_string for an integer field.
 */
int
fc_json_find_int(const char *json, const char *key, int dflt)
{
	char *v = fc_json_find_string(json, key);

	return v ? atoi(v) : dflt;
}

/*
 * fc_json_valid says whether text parses as JSON (so jsonb casts succeed).
 */
bool
fc_json_valid(const char *json)
{
	JsonLexContext *lex;

	if (json == NULL || *json == '\0')
		return false;
	lex = makeJsonLexContextCstringLen(unconstify(char *, json), strlen(json), PG_UTF8, false);
	return pg_parse_json(lex, &nullSemAction) == JSON_SUCCESS;
}
