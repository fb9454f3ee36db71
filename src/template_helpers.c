/*-------------------------------------------------------------------------
 *
 * template_helpers.c
 *	  Inline helpers of the template engine: currency, date, default,
 *	  upper, lower, truncate and phone, with their compile-time argument
 *	  checks and the locale tables they format with.
 *
 * Money is formatted with decimal string arithmetic (never binary floating
 * point) and rounded half away from zero, as Intl.NumberFormat does.
 * Separators are plain ASCII spaces where CLDR has no-break spaces: an
 * NBSP would push an SMS out of the GSM-7 alphabet and halve its length.
 *
 * src/template_helpers.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template_int.h"

/* ---------- UTF-8 ---------- */

/* Decode the code point at s[i]; invalid bytes decode as themselves */
size_t
tpl_utf8_next(const char *s, size_t len, size_t i, uint32_t *cp)
{
	unsigned char c = (unsigned char) s[i];
	int			n;
	uint32_t	v;
	int			k;

	if (c < 0x80)
		n = 0, v = c;
	else if ((c & 0xE0) == 0xC0)
		n = 1, v = c & 0x1F;
	else if ((c & 0xF0) == 0xE0)
		n = 2, v = c & 0x0F;
	else if ((c & 0xF8) == 0xF0)
		n = 3, v = c & 0x07;
	else
	{
		*cp = c;
		return i + 1;
	}
	if (i + n >= len + (n == 0))
	{
		*cp = c;
		return i + 1;
	}
	for (k = 1; k <= n; k++)
	{
		unsigned char cc = (unsigned char) s[i + k];

		if ((cc & 0xC0) != 0x80)
		{
			*cp = c;
			return i + 1;
		}
		v = (v << 6) | (cc & 0x3F);
	}
	*cp = v;
	return i + n + 1;
}

int
tpl_utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xC0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xE0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/* ---------- shared bits ---------- */

static bool
helper_fail(TplRenderState *st, const TplNode *node, const char *what,
			const char *s, size_t len)
{
	tpl_set_error(tpl_state_error(st), TPL_ERR_VALUE,
				  "helper \"%s\": %s \"%.*s\"", node->helper->name, what,
				  (int) (len > 60 ? 60 : len), s);
	return false;
}

static bool
literal_fail(const TplNode *node, TplError *err, int argno, const char *what)
{
	const TplArg *a = &node->args[argno];

	tpl_set_error(err, TPL_ERR_HELPER,
				  "helper \"%s\" argument %d: %s \"%.*s\"",
				  node->helper->name, argno, what,
				  (int) (a->len > 60 ? 60 : a->len), a->str);
	return false;
}

static bool
is_literal(const TplNode *node, int argno)
{
	return argno < node->nargs && node->args[argno].kind != ARG_PATH;
}

static bool
put(TplBuf *out, TplRenderState *st, const char *s)
{
	return tpl_buf_append(out, s, strlen(s), tpl_state_error(st));
}

static bool
is_null(const TplValue *v)
{
	return v == NULL || v->type == TV_NULL;
}

/* Text of an optional string argument, copied NUL-terminated into buf */
static bool
arg_string(const TplValue *v, char *buf, size_t size)
{
	if (v == NULL || v->type != TV_STRING || v->len == 0 || v->len >= size)
		return false;
	memcpy(buf, v->str, v->len);
	buf[v->len] = '\0';
	return true;
}

/* ---------- locales ---------- */

typedef struct LocaleInfo
{
	const char *tag;
	const char *group;			/* thousands separator */
	const char *decimal;
	bool		symbol_after;	/* 1.234,56 € */
	bool		symbol_space;	/* R$ 1,00 */
	int			min_group;		/* 2: no separator in 4-digit numbers */
	const char *home;			/* currency written with its local symbol */
	const char *home_symbol;
	int			lang;			/* index into name tables */
	const char *fmt[5];			/* short, medium, long, full, time */
} LocaleInfo;

enum
{
	LANG_EN, LANG_ES, LANG_DE, LANG_FR, LANG_PT
};

#define EN_US_DATES {"%n/%e/%y", "%b %e, %Y", "%B %e, %Y", "%A, %B %e, %Y", "%I:%M %p"}
#define EN_GB_DATES {"%d/%m/%Y", "%e %b %Y", "%e %B %Y", "%A %e %B %Y", "%H:%M"}
#define ES_DATES	{"%e/%n/%y", "%e %b %Y", "%e de %B de %Y", "%A, %e de %B de %Y", "%H:%M"}
#define ES_MX_DATES {"%d/%m/%y", "%e %b %Y", "%e de %B de %Y", "%A, %e de %B de %Y", "%H:%M"}
#define DE_DATES	{"%d.%m.%y", "%d.%m.%Y", "%e. %B %Y", "%A, %e. %B %Y", "%H:%M"}
#define FR_DATES	{"%d/%m/%Y", "%e %b %Y", "%e %B %Y", "%A %e %B %Y", "%H:%M"}
#define PT_DATES	{"%d/%m/%Y", "%e de %b de %Y", "%e de %B de %Y", "%A, %e de %B de %Y", "%H:%M"}

static const LocaleInfo locales[] = {
	{"en-US", ",", ".", false, false, 1, "USD", "$", LANG_EN, EN_US_DATES},
	{"en-GB", ",", ".", false, false, 1, "GBP", "£", LANG_EN, EN_GB_DATES},
	{"en-CA", ",", ".", false, false, 1, "CAD", "$", LANG_EN, EN_US_DATES},
	{"en-AU", ",", ".", false, false, 1, "AUD", "$", LANG_EN, EN_GB_DATES},
	{"en-IE", ",", ".", false, false, 1, "EUR", "€", LANG_EN, EN_GB_DATES},
	{"es-MX", ",", ".", false, false, 1, "MXN", "$", LANG_ES, ES_MX_DATES},
	{"es-US", ",", ".", false, false, 1, "USD", "$", LANG_ES, ES_MX_DATES},
	{"es-ES", ".", ",", true, true, 2, "EUR", "€", LANG_ES, ES_DATES},
	{"es-CO", ".", ",", false, true, 1, "COP", "$", LANG_ES, ES_MX_DATES},
	{"es-AR", ".", ",", false, true, 1, "ARS", "$", LANG_ES, ES_MX_DATES},
	{"es-CL", ".", ",", false, false, 1, "CLP", "$", LANG_ES, ES_MX_DATES},
	{"es-PE", ",", ".", false, true, 1, "PEN", "S/", LANG_ES, ES_MX_DATES},
	{"de-DE", ".", ",", true, true, 1, "EUR", "€", LANG_DE, DE_DATES},
	{"de-AT", ".", ",", false, true, 1, "EUR", "€", LANG_DE, DE_DATES},
	{"de-CH", "'", ".", false, true, 1, "CHF", "CHF", LANG_DE, DE_DATES},
	{"fr-FR", " ", ",", true, true, 1, "EUR", "€", LANG_FR, FR_DATES},
	{"fr-CA", " ", ",", true, true, 1, "CAD", "$", LANG_FR, FR_DATES},
	{"pt-BR", ".", ",", false, true, 1, "BRL", "R$", LANG_PT, PT_DATES},
	{"pt-PT", " ", ",", true, true, 2, "EUR", "€", LANG_PT, PT_DATES},
	{"it-IT", ".", ",", true, true, 1, "EUR", "€", LANG_EN, FR_DATES},
	{"nl-NL", ".", ",", false, true, 1, "EUR", "€", LANG_EN, FR_DATES},
	{"ja-JP", ",", ".", false, false, 1, "JPY", "￥", LANG_EN, EN_US_DATES},
};

#define NLOCALES (sizeof(locales) / sizeof(locales[0]))

/* Language-only tags map to the first locale of that language */
static const LocaleInfo *
find_locale(const char *tag, size_t len, bool exact_only)
{
	size_t		i;

	for (i = 0; i < NLOCALES; i++)
		if (strlen(locales[i].tag) == len &&
			strncasecmp(locales[i].tag, tag, len) == 0)
			return &locales[i];
	if (exact_only && len != 2)
		return NULL;
	for (i = 0; i < NLOCALES && len >= 2; i++)
		if (strncasecmp(locales[i].tag, tag, 2) == 0 &&
			(len == 2 || tag[2] == '-' || tag[2] == '_'))
			return &locales[i];
	return NULL;
}

/*
 * Runtime locale: the argument, else the render's default locale; unknown
 * regions degrade to their language, then to en-US.
 */
static const LocaleInfo *
runtime_locale(TplRenderState *st, const TplValue *v)
{
	const LocaleInfo *loc = NULL;
	const char *dflt = tpl_state_options(st)->locale;

	if (v != NULL && v->type == TV_STRING)
		loc = find_locale(v->str, v->len, false);
	else if (dflt != NULL)
		loc = find_locale(dflt, strlen(dflt), false);
	return loc ? loc : &locales[0];
}

static bool
check_locale_literal(const TplNode *node, TplError *err, int argno)
{
	const TplArg *a = &node->args[argno];

	if (!is_literal(node, argno))
		return true;
	if (a->kind != ARG_STRING || find_locale(a->str, a->len, true) == NULL)
		return literal_fail(node, err, argno, "unknown locale");
	return true;
}

/* ---------- currency ---------- */

typedef struct CurrencyInfo
{
	const char *code;
	int			minor;
	const char *symbol;			/* outside its home locale; NULL: code */
} CurrencyInfo;

static const CurrencyInfo currencies[] = {
	{"AED", 2, NULL}, {"AFN", 2, NULL}, {"ALL", 2, NULL}, {"AMD", 2, NULL},
	{"ANG", 2, NULL}, {"AOA", 2, NULL}, {"ARS", 2, NULL}, {"AUD", 2, "A$"},
	{"AWG", 2, NULL}, {"AZN", 2, NULL}, {"BAM", 2, NULL}, {"BBD", 2, NULL},
	{"BDT", 2, NULL}, {"BGN", 2, NULL}, {"BHD", 3, NULL}, {"BIF", 0, NULL},
	{"BMD", 2, NULL}, {"BND", 2, NULL}, {"BOB", 2, NULL}, {"BOV", 2, NULL},
	{"BRL", 2, "R$"}, {"BSD", 2, NULL}, {"BTN", 2, NULL}, {"BWP", 2, NULL},
	{"BYN", 2, NULL}, {"BZD", 2, NULL}, {"CAD", 2, "CA$"}, {"CDF", 2, NULL},
	{"CHE", 2, NULL}, {"CHF", 2, NULL}, {"CHW", 2, NULL}, {"CLF", 4, NULL},
	{"CLP", 0, NULL}, {"CNY", 2, "CN¥"}, {"COP", 2, NULL}, {"COU", 2, NULL},
	{"CRC", 2, NULL}, {"CUC", 2, NULL}, {"CUP", 2, NULL}, {"CVE", 2, NULL},
	{"CZK", 2, NULL}, {"DJF", 0, NULL}, {"DKK", 2, NULL}, {"DOP", 2, NULL},
	{"DZD", 2, NULL}, {"EGP", 2, NULL}, {"ERN", 2, NULL}, {"ETB", 2, NULL},
	{"EUR", 2, "€"}, {"FJD", 2, NULL}, {"FKP", 2, NULL}, {"GBP", 2, "£"},
	{"GEL", 2, NULL}, {"GHS", 2, NULL}, {"GIP", 2, NULL}, {"GMD", 2, NULL},
	{"GNF", 0, NULL}, {"GTQ", 2, NULL}, {"GYD", 2, NULL}, {"HKD", 2, "HK$"},
	{"HNL", 2, NULL}, {"HTG", 2, NULL}, {"HUF", 2, NULL}, {"IDR", 2, NULL},
	{"ILS", 2, "₪"}, {"INR", 2, "₹"}, {"IQD", 3, NULL}, {"IRR", 2, NULL},
	{"ISK", 0, NULL}, {"JMD", 2, NULL}, {"JOD", 3, NULL}, {"JPY", 0, "¥"},
	{"KES", 2, NULL}, {"KGS", 2, NULL}, {"KHR", 2, NULL}, {"KMF", 0, NULL},
	{"KPW", 2, NULL}, {"KRW", 0, "₩"}, {"KWD", 3, NULL}, {"KYD", 2, NULL},
	{"KZT", 2, NULL}, {"LAK", 2, NULL}, {"LBP", 2, NULL}, {"LKR", 2, NULL},
	{"LRD", 2, NULL}, {"LSL", 2, NULL}, {"LYD", 3, NULL}, {"MAD", 2, NULL},
	{"MDL", 2, NULL}, {"MGA", 2, NULL}, {"MKD", 2, NULL}, {"MMK", 2, NULL},
	{"MNT", 2, NULL}, {"MOP", 2, NULL}, {"MRU", 2, NULL}, {"MUR", 2, NULL},
	{"MVR", 2, NULL}, {"MWK", 2, NULL}, {"MXN", 2, "MX$"}, {"MXV", 2, NULL},
	{"MYR", 2, NULL}, {"MZN", 2, NULL}, {"NAD", 2, NULL}, {"NGN", 2, NULL},
	{"NIO", 2, NULL}, {"NOK", 2, NULL}, {"NPR", 2, NULL}, {"NZD", 2, "NZ$"},
	{"OMR", 3, NULL}, {"PAB", 2, NULL}, {"PEN", 2, NULL}, {"PGK", 2, NULL},
	{"PHP", 2, "₱"}, {"PKR", 2, NULL}, {"PLN", 2, NULL}, {"PYG", 0, NULL},
	{"QAR", 2, NULL}, {"RON", 2, NULL}, {"RSD", 2, NULL}, {"RUB", 2, NULL},
	{"RWF", 0, NULL}, {"SAR", 2, NULL}, {"SBD", 2, NULL}, {"SCR", 2, NULL},
	{"SDG", 2, NULL}, {"SEK", 2, NULL}, {"SGD", 2, NULL}, {"SHP", 2, NULL},
	{"SLE", 2, NULL}, {"SLL", 2, NULL}, {"SOS", 2, NULL}, {"SRD", 2, NULL},
	{"SSP", 2, NULL}, {"STN", 2, NULL}, {"SVC", 2, NULL}, {"SYP", 2, NULL},
	{"SZL", 2, NULL}, {"THB", 2, NULL}, {"TJS", 2, NULL}, {"TMT", 2, NULL},
	{"TND", 3, NULL}, {"TOP", 2, NULL}, {"TRY", 2, NULL}, {"TTD", 2, NULL},
	{"TWD", 2, "NT$"}, {"TZS", 2, NULL}, {"UAH", 2, NULL}, {"UGX", 0, NULL},
	{"USD", 2, "US$"}, {"USN", 2, NULL}, {"UYI", 0, NULL}, {"UYU", 2, NULL},
	{"UYW", 4, NULL}, {"UZS", 2, NULL}, {"VED", 2, NULL}, {"VES", 2, NULL},
	{"VND", 0, "₫"}, {"VUV", 0, NULL}, {"WST", 2, NULL}, {"XAF", 0, "FCFA"},
	{"XCD", 2, "EC$"}, {"XOF", 0, "F CFA"}, {"XPF", 0, "CFPF"}, {"YER", 2, NULL},
	{"ZAR", 2, NULL}, {"ZMW", 2, NULL}, {"ZWL", 2, NULL},
};

#define NCURRENCIES (sizeof(currencies) / sizeof(currencies[0]))

static const CurrencyInfo *
find_currency(const char *code, size_t len)
{
	char		up[4];
	size_t		lo = 0;
	size_t		hi = NCURRENCIES;
	int			i;

	if (len != 3)
		return NULL;
	for (i = 0; i < 3; i++)
		up[i] = (code[i] >= 'a' && code[i] <= 'z') ? code[i] - 32 : code[i];
	up[3] = '\0';
	while (lo < hi)				/* the table is sorted by code */
	{
		size_t		mid = (lo + hi) / 2;
		int			c = strcmp(currencies[mid].code, up);

		if (c == 0)
			return &currencies[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

#define MAX_DIGITS 80

/* A decimal amount as digit strings, after rounding */
typedef struct Decimal
{
	bool		negative;
	char		ip[MAX_DIGITS + 2];	/* integer digits, no leading zeros */
	char		fp[8];			/* exactly `minor` fraction digits */
} Decimal;

/* Split a JSON number text into sign, mantissa digits and point position */
static bool
decimal_scan(const char *s, size_t len, bool *neg, char *digits,
			 int *ndig, int *point)
{
	size_t		i = 0;
	int			exp = 0;
	bool		any = false;

	*neg = false;
	*ndig = 0;
	*point = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		*neg = (s[i++] == '-');
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, any = true)
	{
		if (*ndig >= MAX_DIGITS)
			return false;
		digits[(*ndig)++] = s[i];
		(*point)++;
	}
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, any = true)
		{
			if (*ndig >= MAX_DIGITS)
				return false;
			digits[(*ndig)++] = s[i];
		}
	if (any && i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		char		buf[16];
		size_t		n = len - i - 1;
		char	   *end;

		if (n == 0 || n >= sizeof(buf))
			return false;
		memcpy(buf, s + i + 1, n);
		buf[n] = '\0';
		exp = (int) strtol(buf, &end, 10);
		if (*end != '\0' || exp > 40 || exp < -40)
			return false;
		i = len;
	}
	*point += exp;
	return any && i == len && *point <= MAX_DIGITS;
}

/* Increment a digit string in place; false if it overflowed (all nines) */
static bool
digits_increment(char *d, int n)
{
	int			i;

	for (i = n - 1; i >= 0; i--)
	{
		if (d[i] != '9')
		{
			d[i]++;
			return true;
		}
		d[i] = '0';
	}
	return false;
}

/* Round to `minor` fraction digits, half away from zero */
static bool
decimal_round(const char *s, size_t len, int minor, Decimal *out)
{
	char		dig[MAX_DIGITS];
	char		all[2 * MAX_DIGITS + 8];
	int			ndig;
	int			point;
	int			n = 0;
	int			i;
	int			start;

	if (!decimal_scan(s, len, &out->negative, dig, &ndig, &point))
		return false;
	/* lay digits out as <guard zero><integer part><minor digits> */
	all[n++] = '0';
	for (i = (point < 0 ? point : 0); i < point + minor; i++)
		all[n++] = (i >= 0 && i < ndig) ? dig[i] : '0';
	if (point + minor >= 0 && point + minor < ndig && dig[point + minor] >= '5')
		digits_increment(all, n);
	/* split: the last `minor` digits are the fraction */
	memcpy(out->fp, all + n - minor, minor);
	out->fp[minor] = '\0';
	start = 0;
	while (start < n - minor - 1 && all[start] == '0')
		start++;
	memcpy(out->ip, all + start, n - minor - start);
	out->ip[n - minor - start] = '\0';
	if (out->ip[0] == '\0')
		strcpy(out->ip, "0");
	/* no "-0.00" */
	if (strcmp(out->ip, "0") == 0 && strspn(out->fp, "0") == (size_t) minor)
		out->negative = false;
	return true;
}

static bool
put_grouped(TplBuf *out, TplRenderState *st, const char *ip,
			const LocaleInfo *loc)
{
	size_t		n = strlen(ip);
	size_t		i;
	bool		group = n > 3 && (loc->min_group < 2 || n > 4);

	for (i = 0; i < n; i++)
	{
		if (group && i > 0 && (n - i) % 3 == 0 && !put(out, st, loc->group))
			return false;
		if (!tpl_buf_putc(out, ip[i], tpl_state_error(st)))
			return false;
	}
	return true;
}

static const char *
currency_symbol(const CurrencyInfo *cur, const LocaleInfo *loc, bool code)
{
	if (code)
		return cur->code;
	if (strcmp(cur->code, loc->home) == 0)
		return loc->home_symbol;
	return cur->symbol ? cur->symbol : cur->code;
}

static bool
ends_alpha(const char *s)
{
	size_t		n = strlen(s);
	char		c = n ? s[n - 1] : '\0';

	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
put_money(TplBuf *out, TplRenderState *st, const Decimal *d, int minor,
		  const char *sym, const LocaleInfo *loc)
{
	bool		space = loc->symbol_space || ends_alpha(sym) ||
		(sym[0] >= 'A' && sym[0] <= 'Z' && loc->symbol_after);

	if (d->negative && !put(out, st, "-"))
		return false;
	if (!loc->symbol_after &&
		(!put(out, st, sym) || (space && !put(out, st, " "))))
		return false;
	if (!put_grouped(out, st, d->ip, loc))
		return false;
	if (minor > 0 && (!put(out, st, loc->decimal) || !put(out, st, d->fp)))
		return false;
	if (loc->symbol_after &&
		((space && !put(out, st, " ")) || !put(out, st, sym)))
		return false;
	return true;
}

/* {{currency amount "USD" ["es-MX"] ["symbol"|"code"]}} */
static bool
helper_currency(TplRenderState *st, const TplNode *node,
				const TplValue **argv, TplBuf *out)
{
	const TplValue *amount = argv[0];
	const CurrencyInfo *cur;
	const LocaleInfo *loc = runtime_locale(st, node->nargs > 3 ? argv[2] : NULL);
	bool		code = false;
	Decimal		d;

	if (is_null(amount))
		return true;
	if (argv[1] == NULL || argv[1]->type != TV_STRING ||
		(cur = find_currency(argv[1]->str, argv[1]->len)) == NULL)
		return helper_fail(st, node, "unknown currency code",
						   argv[1] && argv[1]->type == TV_STRING ? argv[1]->str : "",
						   argv[1] && argv[1]->type == TV_STRING ? argv[1]->len : 0);
	if (node->nargs > 4 && argv[3] != NULL && argv[3]->type == TV_STRING)
		code = (argv[3]->len == 4 && memcmp(argv[3]->str, "code", 4) == 0);
	if ((amount->type != TV_NUMBER && amount->type != TV_STRING) ||
		!decimal_round(amount->str, amount->len, cur->minor, &d))
		return helper_fail(st, node, "not a decimal amount",
						   amount->type == TV_STRING ? amount->str : "",
						   amount->type == TV_STRING ? amount->len : 0);
	return put_money(out, st, &d, cur->minor,
					 currency_symbol(cur, loc, code), loc);
}

static bool
check_currency(const TplNode *node, TplError *err)
{
	const TplArg *a;
	Decimal		d;

	if (is_literal(node, 1))
	{
		a = &node->args[1];
		if ((a->kind != ARG_NUMBER && a->kind != ARG_STRING) ||
			!decimal_round(a->str, a->len, 2, &d))
			return literal_fail(node, err, 1, "not a decimal amount");
	}
	if (is_literal(node, 2))
	{
		a = &node->args[2];
		if (a->kind != ARG_STRING || find_currency(a->str, a->len) == NULL)
			return literal_fail(node, err, 2, "unknown currency code");
	}
	if (!check_locale_literal(node, err, 3))
		return false;
	if (is_literal(node, 4))
	{
		a = &node->args[4];
		if (a->kind != ARG_STRING ||
			!((a->len == 4 && memcmp(a->str, "code", 4) == 0) ||
			  (a->len == 6 && memcmp(a->str, "symbol", 6) == 0)))
			return literal_fail(node, err, 4, "expected \"symbol\" or \"code\", got");
	}
	return true;
}

/* ---------- date ---------- */

static const char *const month_names[][12] = {
	{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"},
	{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
	"agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
	"August", "September", "Oktober", "November", "Dezember"},
	{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre"},
	{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho",
	"agosto", "setembro", "outubro", "novembro", "dezembro"},
};

static const char *const month_abbr[][12] = {
	{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"},
	{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct",
	"nov", "dic"},
	{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.",
	"Okt.", "Nov.", "Dez."},
	{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
	"sept.", "oct.", "nov.", "déc."},
	{"jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.",
	"out.", "nov.", "dez."},
};

static const char *const weekday_names[][7] = {
	{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"},
	{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes",
	"sábado"},
	{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
	"Samstag"},
	{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
	"samedi"},
	{"domingo", "segunda-feira", "terça-feira", "quarta-feira",
	"quinta-feira", "sexta-feira", "sábado"},
};

static const char *const date_formats[] = {
	"short", "medium", "long", "full", "time", "datetime", "iso"
};

#define NDATE_FORMATS (sizeof(date_formats) / sizeof(date_formats[0]))

typedef struct DateTime
{
	int			year;
	int			month;
	int			day;
	int			hour;
	int			minute;
	int			second;
	bool		has_time;
	bool		has_offset;
	int			offset;			/* seconds east of UTC */
} DateTime;

static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t		era;
	int			yoe;
	int			doy;
	int			doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (int) (y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		era;
	int			doe;
	int			yoe;
	int			doy;
	int			mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (int) (z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

static bool
digits_at(const char *s, size_t len, size_t i, int n, int *out)
{
	int			v = 0;
	int			k;

	if (i + n > len)
		return false;
	for (k = 0; k < n; k++)
	{
		if (s[i + k] < '0' || s[i + k] > '9')
			return false;
		v = v * 10 + (s[i + k] - '0');
	}
	*out = v;
	return true;
}

/* "Z", "+hh", "+hhmm", "+hh:mm"; consumes the whole rest of s */
static bool
parse_offset(const char *s, size_t len, int *offset)
{
	int			h = 0;
	int			m = 0;
	int			sign;

	if ((len == 1 && (s[0] == 'Z' || s[0] == 'z')) ||
		(len == 3 && strncasecmp(s, "UTC", 3) == 0) ||
		(len == 3 && strncasecmp(s, "GMT", 3) == 0))
	{
		*offset = 0;
		return true;
	}
	if (len < 3 || (s[0] != '+' && s[0] != '-') || !digits_at(s, len, 1, 2, &h))
		return false;
	sign = s[0] == '-' ? -1 : 1;
	if (len == 5 && !digits_at(s, len, 3, 2, &m))
		return false;
	if (len == 6 && (s[3] != ':' || !digits_at(s, len, 4, 2, &m)))
		return false;
	if ((len != 3 && len != 5 && len != 6) || h > 18 || m > 59)
		return false;
	*offset = sign * (h * 3600 + m * 60);
	return true;
}

static bool
parse_time_part(const char *s, size_t len, size_t i, DateTime *dt)
{
	if (!digits_at(s, len, i, 2, &dt->hour) || i + 2 >= len ||
		s[i + 2] != ':' || !digits_at(s, len, i + 3, 2, &dt->minute))
		return false;
	i += 5;
	if (i < len && s[i] == ':')
	{
		if (!digits_at(s, len, i + 1, 2, &dt->second))
			return false;
		i += 3;
		if (i < len && (s[i] == '.' || s[i] == ','))
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
				;
	}
	dt->has_time = true;
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
		return false;
	if (i == len)
		return true;
	dt->has_offset = true;
	return parse_offset(s + i, len - i, &dt->offset);
}

static bool
parse_iso(const char *s, size_t len, DateTime *dt)
{
	memset(dt, 0, sizeof(*dt));
	if (!digits_at(s, len, 0, 4, &dt->year) || len < 10 || s[4] != '-' ||
		!digits_at(s, len, 5, 2, &dt->month) || s[7] != '-' ||
		!digits_at(s, len, 8, 2, &dt->day))
		return false;
	if (dt->month < 1 || dt->month > 12 || dt->day < 1 ||
		dt->day > days_in_month(dt->year, dt->month))
		return false;
	if (len == 10)
		return true;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return false;
	return parse_time_part(s, len, 11, dt);
}

/* Move an instant to the wall clock of time zone `tz` */
static bool
apply_zone(TplRenderState *st, DateTime *dt, const char *tz)
{
	const TplRenderOptions *opts = tpl_state_options(st);
	int64_t		days = days_from_civil(dt->year, dt->month, dt->day);
	int64_t		utc = days * 86400 + dt->hour * 3600 + dt->minute * 60 +
		dt->second - (dt->has_offset ? dt->offset : 0);
	int			off;
	int64_t		local;

	if (!parse_offset(tz, strlen(tz), &off) &&
		(opts->tz_hook == NULL || !opts->tz_hook(opts->tz_ctx, tz, utc, &off)))
		return false;
	local = utc + off;
	days = (local >= 0 ? local : local - 86399) / 86400;
	civil_from_days(days, &dt->year, &dt->month, &dt->day);
	local -= days * 86400;
	dt->hour = (int) (local / 3600);
	dt->minute = (int) (local / 60 % 60);
	dt->second = (int) (local % 60);
	dt->has_offset = true;
	dt->offset = off;
	return true;
}

static bool
put_num(TplBuf *out, TplRenderState *st, int v, int width)
{
	char		buf[16];

	snprintf(buf, sizeof(buf), "%0*d", width, v);
	return put(out, st, buf);
}

static bool
put_date_code(TplBuf *out, TplRenderState *st, char code, const DateTime *dt,
			  int lang)
{
	int			wday = (int) ((days_from_civil(dt->year, dt->month, dt->day) % 7 + 11) % 7);

	switch (code)
	{
		case 'e':
			return put_num(out, st, dt->day, 1);
		case 'd':
			return put_num(out, st, dt->day, 2);
		case 'n':
			return put_num(out, st, dt->month, 1);
		case 'm':
			return put_num(out, st, dt->month, 2);
		case 'y':
			return put_num(out, st, dt->year % 100, 2);
		case 'Y':
			return put_num(out, st, dt->year, 4);
		case 'B':
			return put(out, st, month_names[lang][dt->month - 1]);
		case 'b':
			return put(out, st, month_abbr[lang][dt->month - 1]);
		case 'A':
			return put(out, st, weekday_names[lang][wday]);
		case 'H':
			return put_num(out, st, dt->hour, 2);
		case 'M':
			return put_num(out, st, dt->minute, 2);
		case 'I':
			return put_num(out, st, dt->hour % 12 == 0 ? 12 : dt->hour % 12, 1);
		case 'p':
			return put(out, st, dt->hour < 12 ? "AM" : "PM");
	}
	return tpl_buf_putc(out, code, tpl_state_error(st));
}

static bool
put_pattern(TplBuf *out, TplRenderState *st, const char *pat,
			const DateTime *dt, int lang)
{
	for (; *pat; pat++)
	{
		bool		ok = (*pat == '%' && pat[1]) ?
			put_date_code(out, st, *++pat, dt, lang) :
			tpl_buf_putc(out, *pat, tpl_state_error(st));

		if (!ok)
			return false;
	}
	return true;
}

static bool
put_iso(TplBuf *out, TplRenderState *st, const DateTime *dt)
{
	char		buf[48];
	int			off = dt->offset < 0 ? -dt->offset : dt->offset;

	if (!dt->has_time)
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", dt->year, dt->month, dt->day);
	else if (!dt->has_offset || dt->offset == 0)
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", dt->year,
				 dt->month, dt->day, dt->hour, dt->minute, dt->second);
	else
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
				 dt->year, dt->month, dt->day, dt->hour, dt->minute,
				 dt->second, dt->offset < 0 ? '-' : '+', off / 3600,
				 off / 60 % 60);
	return put(out, st, buf);
}

static int
date_format_index(const char *s, size_t len)
{
	size_t		i;

	for (i = 0; i < NDATE_FORMATS; i++)
		if (strlen(date_formats[i]) == len && memcmp(date_formats[i], s, len) == 0)
			return (int) i;
	return -1;
}

static bool
put_date(TplBuf *out, TplRenderState *st, int fmt, const DateTime *dt,
		 const LocaleInfo *loc)
{
	if (fmt == 6)
		return put_iso(out, st, dt);
	if (fmt == 5)				/* datetime: medium date, time */
		return put_pattern(out, st, loc->fmt[1], dt, loc->lang) &&
			(!dt->has_time || (put(out, st, ", ") &&
							   put_pattern(out, st, loc->fmt[4], dt, loc->lang)));
	return put_pattern(out, st, loc->fmt[fmt], dt, loc->lang);
}

/* {{date value ["medium"] ["America/Mexico_City"] ["es-MX"]}} */
static bool
helper_date(TplRenderState *st, const TplNode *node, const TplValue **argv,
			TplBuf *out)
{
	const TplValue *v = argv[0];
	DateTime	dt;
	int			fmt = 1;
	char		tz[128];

	if (is_null(v) || (v->type == TV_STRING && v->len == 0))
		return true;
	if (v->type != TV_STRING || !parse_iso(v->str, v->len, &dt))
		return helper_fail(st, node, "not an ISO 8601 date",
						   v->type == TV_STRING ? v->str : "",
						   v->type == TV_STRING ? v->len : 0);
	if (node->nargs > 2 && argv[1] != NULL && argv[1]->type == TV_STRING &&
		(fmt = date_format_index(argv[1]->str, argv[1]->len)) < 0)
		return helper_fail(st, node, "unknown date format",
						   argv[1]->str, argv[1]->len);
	if (node->nargs > 3 && dt.has_time && arg_string(argv[2], tz, sizeof(tz)) &&
		!apply_zone(st, &dt, tz))
		return helper_fail(st, node, "unknown time zone", argv[2]->str,
						   argv[2]->len);
	if (fmt == 4 && !dt.has_time)
		return true;
	return put_date(out, st, fmt, &dt,
					runtime_locale(st, node->nargs > 4 ? argv[3] : NULL));
}

static bool
check_date(const TplNode *node, TplError *err)
{
	const TplArg *a;

	if (is_literal(node, 2))
	{
		a = &node->args[2];
		if (a->kind != ARG_STRING || date_format_index(a->str, a->len) < 0)
			return literal_fail(node, err, 2, "unknown date format");
	}
	if (is_literal(node, 3))
	{
		a = &node->args[3];
		if (a->kind != ARG_STRING || a->len == 0 || a->len >= 128)
			return literal_fail(node, err, 3, "invalid time zone");
	}
	return check_locale_literal(node, err, 4);
}

/* ---------- text helpers ---------- */

/* {{default value "fallback"}} */
static bool
helper_default(TplRenderState *st, const TplNode *node, const TplValue **argv,
			   TplBuf *out)
{
	const TplValue *v = tpl_value_truthy(argv[0]) ? argv[0] : argv[1];
	const char *s;
	size_t		len;

	if (!tpl_value_text(v, &s, &len))
		return true;
	return tpl_buf_append(out, s, len, tpl_state_error(st));
}

/*
 * Simple case mapping for the scripts our customers write in: ASCII,
 * Latin-1, Latin Extended-A, Greek and Cyrillic.  No special casing
 * (German sharp s stays as it is).
 */
static bool
latin_ext_lower(uint32_t c)
{
	if (c >= 0x100 && c <= 0x137 && c != 0x130 && c != 0x131)
		return c & 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return !(c & 1);
	if (c >= 0x14A && c <= 0x177)
		return c & 1;
	return false;
}

static bool
latin_ext_upper(uint32_t c)
{
	if (c >= 0x100 && c <= 0x137 && c != 0x130 && c != 0x131)
		return !(c & 1);
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return c & 1;
	if (c >= 0x14A && c <= 0x177)
		return !(c & 1);
	return false;
}

static uint32_t
case_map(uint32_t c, bool upper)
{
	if (upper)
	{
		if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) ||
			(c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
			return c - 32;
		if (c >= 0x450 && c <= 0x45F)
			return c - 80;
		if (c == 0xFF)
			return 0x178;
		return latin_ext_lower(c) ? c - 1 : c;
	}
	if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
		(c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c == 0x178)
		return 0xFF;
	return latin_ext_upper(c) ? c + 1 : c;
}

static bool
put_case(TplRenderState *st, const TplValue *v, TplBuf *out, bool upper)
{
	const char *s;
	size_t		len;
	size_t		i = 0;

	if (!tpl_value_text(v, &s, &len))
		return true;
	while (i < len)
	{
		uint32_t	cp;
		size_t		next = tpl_utf8_next(s, len, i, &cp);
		char		enc[4];
		bool		ok;
		uint32_t	mapped = case_map(cp, upper);

		/* unchanged (or undecodable) characters keep their exact bytes */
		if (mapped == cp)
			ok = tpl_buf_append(out, s + i, next - i, tpl_state_error(st));
		else
			ok = tpl_buf_append(out, enc, tpl_utf8_encode(mapped, enc),
								tpl_state_error(st));
		if (!ok)
			return false;
		i = next;
	}
	return true;
}

static bool
helper_upper(TplRenderState *st, const TplNode *node, const TplValue **argv,
			 TplBuf *out)
{
	return put_case(st, argv[0], out, true);
}

static bool
helper_lower(TplRenderState *st, const TplNode *node, const TplValue **argv,
			 TplBuf *out)
{
	return put_case(st, argv[0], out, false);
}

/*
 * {{truncate text 20}}: at most 20 characters (code points) in all; a cut
 * text ends in "…", which counts as one of them.
 */
static bool
helper_truncate(TplRenderState *st, const TplNode *node, const TplValue **argv,
				TplBuf *out)
{
	const char *s;
	size_t		len;
	size_t		i = 0;
	size_t		count = 0;
	size_t		cut = 0;
	double		max = (argv[1] && argv[1]->type == TV_NUMBER) ? argv[1]->num : -1;

	if (max < 0 || max > 1e9 || max != (double) (long) max)
		return helper_fail(st, node, "length must be a non-negative integer, got",
						   argv[1] && argv[1]->str ? argv[1]->str : "",
						   argv[1] && argv[1]->str ? argv[1]->len : 0);
	if (!tpl_value_text(argv[0], &s, &len))
		return true;
	while (i < len)
	{
		uint32_t	cp;

		i = tpl_utf8_next(s, len, i, &cp);
		if (++count + 1 == (size_t) max)
			cut = i;
	}
	if (count <= (size_t) max)
		return tpl_buf_append(out, s, len, tpl_state_error(st));
	if (max < 1)
		return true;
	/* keep max-1 characters, minus trailing blanks, then the ellipsis */
	while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == '\n' || s[cut - 1] == '\t'))
		cut--;
	return tpl_buf_append(out, s, cut, tpl_state_error(st)) &&
		put(out, st, "\xE2\x80\xA6");
}

static bool
check_truncate(const TplNode *node, TplError *err)
{
	const TplArg *a = &node->args[2];

	if (is_literal(node, 2) &&
		(a->kind != ARG_NUMBER || a->num < 0 || a->num > 1e9 ||
		 a->num != (double) (long) a->num))
		return literal_fail(node, err, 2, "length must be a non-negative integer, got");
	return true;
}

/* ---------- phone ---------- */

/* Country calling codes that are not three digits long */
static int
calling_code_length(const char *d)
{
	static const char *const two[] = {
		"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41",
		"43", "44", "45", "46", "47", "48", "49", "51", "52", "53", "54",
		"55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66",
		"81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"
	};
	size_t		i;

	if (d[0] == '1' || d[0] == '7')
		return 1;
	for (i = 0; i < sizeof(two) / sizeof(two[0]); i++)
		if (d[0] == two[i][0] && d[1] == two[i][1])
			return 2;
	return 3;
}

/*
 * Group a national number: threes, with the remainder absorbed by making
 * the last one or two groups four digits long (3 3 4, 3 4 4, 4 4).
 */
static void
put_groups(char *res, size_t size, int o, const char *d, size_t n)
{
	size_t		fours = (n < 7) ? 0 : n % 3;
	size_t		i = 0;

	if (n <= 4 || n == 6)
		fours = 0;
	while (i < n && o < (int) size)
	{
		size_t		rest = n - i;
		size_t		take;

		if (n <= 4)
			take = n;
		else if (n == 5)
			take = (i == 0) ? 2 : 3;
		else
			take = (rest <= fours * 4) ? 4 : 3;
		o += snprintf(res + o, size - o, " %.*s", (int) take, d + i);
		i += take;
	}
}

/*
 * {{phone "+15551234567"}}: NANP numbers as +1 (555) 123-4567, others as
 * the country code and the national number grouped by put_groups.
 * Anything that is not E.164 is left alone.
 */
static bool
helper_phone(TplRenderState *st, const TplNode *node, const TplValue **argv,
			 TplBuf *out)
{
	const char *s;
	size_t		len;
	char		d[16];
	size_t		n = 0;
	size_t		i;
	char		res[48];
	int			o;
	int			cc;

	if (!tpl_value_text(argv[0], &s, &len))
		return true;
	for (i = 1; len > 1 && s[0] == '+' && i < len && n < sizeof(d) - 1; i++)
	{
		if (s[i] >= '0' && s[i] <= '9')
			d[n++] = s[i];
		else if (s[i] != ' ' && s[i] != '-' && s[i] != '(' && s[i] != ')' && s[i] != '.')
			break;
	}
	d[n] = '\0';
	if (len < 2 || s[0] != '+' || i != len || n < 8 || n > 15)
		return tpl_buf_append(out, s, len, tpl_state_error(st));
	if (d[0] == '1' && n == 11)
		snprintf(res, sizeof(res), "+1 (%.3s) %.3s-%.4s", d + 1, d + 4, d + 7);
	else
	{
		cc = calling_code_length(d);
		o = snprintf(res, sizeof(res), "+%.*s", cc, d);
		put_groups(res, sizeof(res), o, d + cc, n - cc);
	}
	return put(out, st, res);
}

/* ---------- table ---------- */

static const TplHelper helpers[] = {
	{"currency", 2, 4, helper_currency, check_currency},
	{"date", 1, 4, helper_date, check_date},
	{"default", 2, 2, helper_default, NULL},
	{"lower", 1, 1, helper_lower, NULL},
	{"phone", 1, 1, helper_phone, NULL},
	{"truncate", 2, 2, helper_truncate, check_truncate},
	{"upper", 1, 1, helper_upper, NULL},
};

const TplHelper *
tpl_helper_lookup(const char *name, size_t len)
{
	size_t		i;

	for (i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (strlen(helpers[i].name) == len && memcmp(helpers[i].name, name, len) == 0)
			return &helpers[i];
	return NULL;
}
