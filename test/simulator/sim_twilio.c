/*-------------------------------------------------------------------------
 *
 * sim_twilio.c
 *	  Simulated Twilio Programmable Messaging (API 2010-04-01):
 *	  POST /2010-04-01/Accounts/{AccountSid}/Messages.json (create) and
 *	  GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json (fetch).
 *
 * HTTP Basic authentication, form-encoded parameters (percent-decoding,
 * '+' as space, repeated MediaUrl), validation with Twilio error codes and
 * the magic test numbers, and the Message resource JSON of the published
 * OpenAPI description (twilio_messages.json).  SMS, WhatsApp
 * ("whatsapp:+E164") and Messenger ("messenger:<id>") addresses.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "sim.h"

#define API_PREFIX	   "/2010-04-01/Accounts/"
#define MAX_BODY_CHARS 1600

typedef struct TwilioForm
{
	char	   *buf; /* decoded copy of the body */
	const char *to;
	const char *from;
	const char *body;
	size_t		body_len;
	const char *mss; /* MessagingServiceSid */
	const char *content_sid;
	const char *content_variables;
	int			num_media;
} TwilioForm;

typedef enum Channel
{
	CH_SMS,
	CH_WHATSAPP,
	CH_MESSENGER
} Channel;

/* ---------------- errors ---------------- */

void
sim_twilio_error(SimResult *res, int status, int code, const char *message)
{
	sim_buf_init(&res->body, 256);
	sim_buf_printf(&res->body, "{\"code\":%d,\"message\":", code);
	sim_buf_json_str_or_null(&res->body, message);
	sim_buf_printf(&res->body,
				   ",\"more_info\":\"https://www.twilio.com/docs/errors/%d\",\"status\":%d}",
				   code, status);
	res->status = status;
	res->content_type = "application/json";
}

void
sim_twilio_fault(SimResult *res, int status, int retry_after)
{
	switch (status)
	{
		case 429:
			res->retry_after = retry_after > 0 ? retry_after : 1;
			sim_twilio_error(res, 429, 20429, "Too Many Requests");
			break;
		case 500:
			sim_twilio_error(res, 500, 20500, "An internal server error has occurred");
			break;
		case 503:
			sim_twilio_error(res, 503, 20503, "Service is unavailable. Please try again");
			break;
		case 401:
			sim_twilio_error(res, 401, 20003, "Authentication Error - invalid username");
			break;
		default:
			if (status >= 500)
				sim_twilio_error(res, status, 20500, "An internal server error has occurred");
			else
				sim_twilio_error(res, status, 20001, "Bad request");
			break;
	}
}

static void
error_fmt(SimResult *res, int code, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
	sim_twilio_error(res, 400, code, msg);
}

/* ---------------- form decoding ---------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* decode s[0..n) in place ('+' is space, %XX); returns the new length */
static size_t
url_decode(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
	{
		if (s[i] == '+')
			s[o++] = ' ';
		else if (s[i] == '%' && i + 2 < n &&
				 hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0)
		{
			s[o++] = (char) (hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

static void
parse_form(const char *body, size_t len, TwilioForm *f)
{
	char *p;
	char *end;

	memset(f, 0, sizeof(*f));
	f->buf = malloc(len + 1);
	if (f->buf == NULL)
		abort();
	memcpy(f->buf, body, len);
	f->buf[len] = '\0';
	p = f->buf;
	end = f->buf + len;
	while (p < end)
	{
		char  *amp = memchr(p, '&', (size_t) (end - p));
		char  *pair_end = amp ? amp : end;
		char  *eq = memchr(p, '=', (size_t) (pair_end - p));
		char  *val;
		size_t vlen;

		*pair_end = '\0';
		if (eq == NULL)
		{
			val = pair_end; /* empty value */
			url_decode(p, (size_t) (pair_end - p));
			vlen = 0;
		}
		else
		{
			*eq = '\0';
			url_decode(p, (size_t) (eq - p));
			val = eq + 1;
			vlen = url_decode(val, (size_t) (pair_end - val));
		}
		/* first occurrence wins for scalar parameters */
		if (strcmp(p, "To") == 0 && f->to == NULL)
			f->to = val;
		else if (strcmp(p, "From") == 0 && f->from == NULL)
			f->from = val;
		else if (strcmp(p, "Body") == 0 && f->body == NULL)
		{
			f->body = val;
			f->body_len = vlen;
		}
		else if (strcmp(p, "MessagingServiceSid") == 0 && f->mss == NULL)
			f->mss = val;
		else if (strcmp(p, "ContentSid") == 0 && f->content_sid == NULL)
			f->content_sid = val;
		else if (strcmp(p, "ContentVariables") == 0 && f->content_variables == NULL)
			f->content_variables = val;
		else if (strcmp(p, "MediaUrl") == 0 && vlen > 0)
			f->num_media++;
		p = pair_end + 1;
	}
}

/* ---------------- addresses ---------------- */

static bool
is_e164(const char *s)
{
	size_t n = 0;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	for (s++; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n >= 8 && n <= 15;
}

/* channel of an address and whether its syntax is valid */
static bool
parse_address(const char *s, Channel *ch, bool is_from)
{
	if (strncmp(s, "whatsapp:", 9) == 0)
	{
		*ch = CH_WHATSAPP;
		return is_e164(s + 9);
	}
	if (strncmp(s, "messenger:", 10) == 0)
	{
		const char *id = s + 10;

		*ch = CH_MESSENGER;
		if (*id == '\0')
			return false;
		for (; *id; id++)
			if (!((*id >= '0' && *id <= '9') || (*id >= 'a' && *id <= 'z') ||
				  (*id >= 'A' && *id <= 'Z') || *id == '_' || *id == '-' || *id == '.'))
				return false;
		return true;
	}
	*ch = CH_SMS;
	if (is_e164(s))
		return true;
	if (is_from)
	{
		size_t n = strlen(s);
		bool   digits = n >= 3 && n <= 8;
		bool   alnum = n >= 1 && n <= 11;
		bool   has_letter = false;

		/* short code, or alphanumeric sender ID */
		for (const char *p = s; *p; p++)
		{
			if (*p < '0' || *p > '9')
				digits = false;
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
				has_letter = true;
			else if (!((*p >= '0' && *p <= '9') || *p == ' ' || *p == '-' ||
					   *p == '_' || *p == '.'))
				alnum = false;
		}
		return digits || (alnum && has_letter);
	}
	return false;
}

static bool
is_sid(const char *s, const char *prefix)
{
	if (s == NULL || strlen(s) != 34 || strncmp(s, prefix, 2) != 0)
		return false;
	for (int i = 2; i < 34; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

/* ---------------- segments ---------------- */

/* 0: not GSM-7, 1: GSM-7 basic set, 2: GSM-7 extension (escape + char) */
static int
gsm_septets(unsigned int cp)
{
	if (cp < 0x80)
	{
		if (cp == '\n' || cp == '\r')
			return 1;
		if (cp == 0x0C)
			return 2;
		if (cp < 0x20 || cp == 0x7F || cp == '`')
			return 0;
		if (strchr("^{}\\[~]|", (int) cp) != NULL)
			return 2;
		return 1;
	}
	switch (cp)
	{
		case 0xA1:
		case 0xA3:
		case 0xA4:
		case 0xA5:
		case 0xA7:
		case 0xBF:
		case 0xC4:
		case 0xC5:
		case 0xC6:
		case 0xC7:
		case 0xC9:
		case 0xD1:
		case 0xD6:
		case 0xD8:
		case 0xDC:
		case 0xDF:
		case 0xE0:
		case 0xE4:
		case 0xE5:
		case 0xE6:
		case 0xE8:
		case 0xE9:
		case 0xEC:
		case 0xF1:
		case 0xF2:
		case 0xF6:
		case 0xF8:
		case 0xF9:
		case 0xFC:
		case 0x393:
		case 0x394:
		case 0x398:
		case 0x39B:
		case 0x39E:
		case 0x3A0:
		case 0x3A3:
		case 0x3A6:
		case 0x3A8:
		case 0x3A9:
			return 1;
		case 0x20AC:
			return 2;
		default:
			return 0;
	}
}

/* next code point of UTF-8 text; invalid bytes decode as Latin-1 */
static unsigned int
next_cp(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	unsigned int		 cp = p[0];
	int					 extra = 0;

	if (cp >= 0xF0 && cp < 0xF8)
	{
		extra = 3;
		cp &= 0x07;
	}
	else if (cp >= 0xE0)
	{
		extra = cp < 0xF0 ? 2 : 0;
		cp &= 0x0F;
	}
	else if (cp >= 0xC0)
	{
		extra = 1;
		cp &= 0x1F;
	}
	if (cp >= 0x80 && extra == 0)
	{
		*pp = p + 1;
		return p[0];
	}
	if (end - p <= extra)
	{
		*pp = p + 1;
		return p[0];
	}
	for (int i = 1; i <= extra; i++)
	{
		if ((p[i] & 0xC0) != 0x80)
		{
			*pp = p + 1;
			return p[0];
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*pp = p + 1 + extra;
	return cp;
}

/* number of characters (code points) */
static size_t
count_chars(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;
	size_t				 n = 0;

	while (p < end)
	{
		next_cp(&p, end);
		n++;
	}
	return n;
}

/*
 * SMS segments: GSM-7 160 septets in one segment, 153 per segment when
 * concatenated; UCS-2 (any non-GSM character) 70 / 67 UTF-16 units.
 */
int
sim_twilio_segments(const char *body, size_t len, bool *ucs2)
{
	const unsigned char *p = (const unsigned char *) body;
	const unsigned char *end = p + len;
	size_t				 septets = 0;
	size_t				 units = 0;
	bool				 gsm = true;

	while (p < end)
	{
		unsigned int cp = next_cp(&p, end);
		int			 s = gsm_septets(cp);

		if (s == 0)
			gsm = false;
		septets += (size_t) s;
		units += cp > 0xFFFF ? 2 : 1;
	}
	if (ucs2)
		*ucs2 = !gsm;
	if (gsm)
		return septets <= 160 ? 1 : (int) ((septets + 152) / 153);
	return units <= 70 ? 1 : (int) ((units + 66) / 67);
}

/* ---------------- message resource ---------------- */

static void
message_json(SimBuf *b, const char *account, const char *sid, const TwilioForm *f,
			 const char *status, int64_t created_us, bool sent)
{
	char date[40];
	int	 segments = f->body ? sim_twilio_segments(f->body, f->body_len, NULL) : 1;

	sim_rfc2822(created_us, date, sizeof(date));
	sim_buf_reserve(b, 1024 + f->body_len * 2);
	sim_buf_printf(b, "{\"account_sid\":\"%s\",\"api_version\":\"2010-04-01\",\"body\":", account);
	sim_buf_json_str(b, f->body ? f->body : "", f->body ? f->body_len : 0);
	sim_buf_printf(b, ",\"date_created\":\"%s\",\"date_sent\":", date);
	if (sent)
		sim_buf_printf(b, "\"%s\"", date);
	else
		sim_buf_puts(b, "null");
	sim_buf_printf(b, ",\"date_updated\":\"%s\",\"direction\":\"outbound-api\","
					  "\"error_code\":null,\"error_message\":null,\"from\":",
				   date);
	sim_buf_json_str_or_null(b, f->from && f->from[0] ? f->from : NULL);
	sim_buf_puts(b, ",\"messaging_service_sid\":");
	sim_buf_json_str_or_null(b, f->mss && f->mss[0] ? f->mss : NULL);
	sim_buf_printf(b, ",\"num_media\":\"%d\",\"num_segments\":\"%d\",\"price\":null,"
					  "\"price_unit\":\"USD\",\"sid\":\"%s\",\"status\":\"%s\","
					  "\"subresource_uris\":{\"media\":\"" API_PREFIX "%s/Messages/%s/Media.json\"},"
					  "\"to\":",
				   f->num_media, segments, sid, status, account, sid);
	sim_buf_json_str_or_null(b, f->to);
	sim_buf_printf(b, ",\"uri\":\"" API_PREFIX "%s/Messages/%s.json\"}", account, sid);
}

/* validate and accept a create; returns with res filled */
static void
create_message(SimReq *req, SimResult *res, const char *account)
{
	const char *ctype = sim_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	TwilioForm	f;
	Channel		to_ch,
		from_ch = CH_SMS;
	bool has_from;

	if (req->body_too_large)
	{
		sim_twilio_error(res, 413, 20413, "Request entity too large");
		return;
	}
	/* Twilio reads parameters only from a form body */
	if (ctype != NULL && sim_strcaseprefix(ctype, "application/x-www-form-urlencoded"))
		parse_form(req->body ? req->body : "", req->body_len, &f);
	else
		parse_form("", 0, &f);

	has_from = f.from != NULL && f.from[0] != '\0';
	if (f.to == NULL || f.to[0] == '\0')
		sim_twilio_error(res, 400, 21604, "A 'To' phone number is required.");
	else if (!has_from && (f.mss == NULL || f.mss[0] == '\0'))
		sim_twilio_error(res, 400, 21603, "A 'From' phone number is required.");
	else if (f.mss != NULL && f.mss[0] != '\0' && !is_sid(f.mss, "MG"))
		error_fmt(res, 21701, "The Messaging Service Sid %s is invalid.", f.mss);
	else if ((f.body == NULL || f.body_len == 0) && f.num_media == 0 &&
			 (f.content_sid == NULL || f.content_sid[0] == '\0'))
		sim_twilio_error(res, 400, 21602, "Message body is required.");
	else if (f.body != NULL && count_chars(f.body, f.body_len) > MAX_BODY_CHARS)
		sim_twilio_error(res, 400, 21617,
						 "The concatenated message body exceeds the 1600 character limit.");
	else if (!parse_address(f.to, &to_ch, false) || strcmp(f.to, "+15005550001") == 0)
		error_fmt(res, 21211, "The 'To' number %s is not a valid phone number.", f.to);
	else if (has_from && (!parse_address(f.from, &from_ch, true) ||
						  strcmp(f.from, "+15005550001") == 0))
		error_fmt(res, 21212, "The 'From' number %s is not a valid phone number, "
							  "shortcode, or alphanumeric sender ID.",
				  f.from);
	else if (has_from && from_ch != to_ch)
		sim_twilio_error(res, 400, 21910, "Invalid 'From' and 'To' pair. 'From' and 'To' "
										  "should be of the same channel");
	else if (has_from && strcmp(f.from, f.to) == 0)
		error_fmt(res, 21266, "'To' and 'From' number cannot be the same: %s", f.to);
	else if (has_from && strcmp(f.from, "+15005550007") == 0)
		error_fmt(res, 21606, "The From phone number %s is not a valid, SMS-capable "
							  "inbound phone number or short code for your account.",
				  f.from);
	else if (has_from && strcmp(f.from, "+15005550008") == 0)
		sim_twilio_error(res, 400, 21611, "This 'From' number has exceeded the maximum "
										  "number of queued messages");
	else if (strcmp(f.to, "+15005550002") == 0)
		error_fmt(res, 21612, "The 'To' phone number: %s, is not currently reachable "
							  "using the 'From' phone number via SMS.",
				  f.to);
	else if (strcmp(f.to, "+15005550004") == 0)
		sim_twilio_error(res, 400, 21610, "Attempt to send to unsubscribed recipient");
	else if (strcmp(f.to, "+15005550009") == 0)
		sim_twilio_error(res, 400, 21614, "'To' number is not a valid mobile number");
	else if (to_ch != CH_SMS &&
			 sim_content_refuse(f.to, f.from, f.body != NULL && f.body_len > 0, f.content_sid,
								f.content_variables, res))
		; /* outside the 24-hour window, or a bad Content template (sim_content.c) */
	else if (sim_faults_recipient(SIM_TWILIO, f.to, res))
		; /* an injected error for this recipient ("errors" fault rule) */
	else
	{
		sim_new_twilio_sid(f.num_media > 0 ? "MM" : "SM", res->response_id);
		sim_buf_init(&res->body, 1024);
		message_json(&res->body, account, res->response_id, &f, "queued",
					 req->ts_us, false);
		res->status = 201;
		res->content_type = "application/json";
	}
	free(f.buf);
}

static void
fetch_message(SimReq *req, SimResult *res, const char *account, const char *sid)
{
	SimBuf	form;
	int64_t ts = 0;

	sim_buf_init(&form, 256);
	if ((is_sid(sid, "SM") || is_sid(sid, "MM")) &&
		sim_record_find_message(sid, account, &form, &ts))
	{
		TwilioForm f;

		parse_form(form.data, form.len, &f);
		sim_buf_init(&res->body, 1024);
		message_json(&res->body, account, sid, &f, "sent", ts, true);
		res->status = 200;
		res->content_type = "application/json";
		free(f.buf);
	}
	else
	{
		char msg[300];

		snprintf(msg, sizeof(msg), "The requested resource %.200s was not found", req->url);
		sim_twilio_error(res, 404, 20404, msg);
	}
	sim_buf_free(&form);
}

/* Basic auth for `account`; true if accepted */
static bool
check_auth(SimReq *req, const char *account)
{
	const char *auth = sim_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	char		dec[512];
	size_t		declen;
	size_t		alen;
	char	   *colon;

	if (auth == NULL || !sim_strcaseprefix(auth, "Basic "))
		return false;
	auth += 6;
	while (*auth == ' ')
		auth++;
	alen = strlen(auth);
	if (alen > (sizeof(dec) - 4) / 3 * 4 ||
		!sim_base64_decode(auth, alen, dec, &declen))
		return false;
	dec[declen] = '\0';
	colon = memchr(dec, ':', declen);
	if (colon == NULL || strlen(dec) != declen)
		return false;
	*colon = '\0';
	return strcmp(dec, account) == 0 && sim_creds_twilio_ok(dec, colon + 1);
}

/* Basic auth without an account in the path (Content API): the user is the account */
bool
sim_twilio_basic_auth(SimReq *req, char *account)
{
	const char *auth = sim_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	char		dec[512];
	size_t		declen;
	char	   *colon;

	if (auth == NULL || !sim_strcaseprefix(auth, "Basic ") || strlen(auth + 6) > (sizeof(dec) - 4) / 3 * 4 ||
		!sim_base64_decode(auth + 6, strlen(auth + 6), dec, &declen))
		return false;
	dec[declen] = '\0';
	colon = memchr(dec, ':', declen);
	if (colon == NULL || colon - dec != 34)
		return false;
	memcpy(account, dec, 34);
	account[34] = '\0';
	return check_auth(req, account);
}

/* everything under /2010-04-01/ */
void
sim_twilio_handle(SimReq *req, SimResult *res)
{
	const char *url = req->url;
	char		account[35];
	const char *rest;
	const char *slash;
	bool		is_post = strcmp(req->method, "POST") == 0;
	bool		is_get = strcmp(req->method, "GET") == 0;

	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) != 0)
		goto not_found;
	rest = url + strlen(API_PREFIX);
	slash = strchr(rest, '/');
	if (slash == NULL || slash - rest != 34)
		goto not_found;
	memcpy(account, rest, 34);
	account[34] = '\0';
	rest = slash;

	if (!check_auth(req, account))
	{
		sim_twilio_error(res, 401, 20003, "Authentication Error - invalid username");
		return;
	}
	if (strcmp(rest, "/Messages.json") == 0)
	{
		if (is_post)
			create_message(req, res, account);
		else
			sim_twilio_error(res, 405, 20004, "Method not allowed");
		return;
	}
	if (strncmp(rest, "/Messages/", 10) == 0)
	{
		const char *sid = rest + 10;
		size_t		n = strlen(sid);

		if (n == 34 + 5 && strcmp(sid + 34, ".json") == 0)
		{
			char s[35];

			memcpy(s, sid, 34);
			s[34] = '\0';
			if (is_get)
				fetch_message(req, res, account, s);
			else
				sim_twilio_error(res, 405, 20004, "Method not allowed");
			return;
		}
	}

not_found:
{
	char msg[300];

	snprintf(msg, sizeof(msg), "The requested resource %.200s was not found", url);
	sim_twilio_error(res, 404, 20404, msg);
}
}
