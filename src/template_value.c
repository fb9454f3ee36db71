/*-------------------------------------------------------------------------
 *
 * template_value.c
 *	  The small JSON value model the template engine renders from.
 *
 * Numbers keep their source text so that interpolation prints exactly what
 * the caller sent (jsonb keeps numeric scale: 1.50 stays 1.50); the double
 * is only used for comparisons.  Strings are decoded to UTF-8.
 *
 * src/template_value.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

/* Member lookup; the last duplicate wins, as in jsonb */
const TplValue *
tpl_value_get(const TplValue *obj, const char *key, size_t klen)
{
	size_t i;

	/* An array's elements by index, as Handlebars: items.0, items.[0] */
	if (obj != NULL && obj->type == TV_ARRAY && klen > 0 && klen <= 9)
	{
		size_t idx = 0;

		for (i = 0; i < klen; i++)
		{
			if (key[i] < '0' || key[i] > '9')
				return NULL;
			idx = idx * 10 + (size_t) (key[i] - '0');
		}
		return idx < obj->n ? obj->items[idx] : NULL;
	}
	if (obj == NULL || obj->type != TV_OBJECT)
		return NULL;
	for (i = obj->n; i > 0; i--)
	{
		const TplMember *m = &obj->members[i - 1];

		if (m->klen == klen && memcmp(m->key, key, klen) == 0)
			return m->value;
	}
	return NULL;
}

/*
 * Mustache truthiness: false, null, missing, the empty list and the empty
 * string are false.  Zero and empty objects are true (Handlebars' #if is
 * stricter about zero; the renderer handles that itself).
 */
bool
tpl_value_truthy(const TplValue *v)
{
	if (v == NULL)
		return false;
	switch (v->type)
	{
		case TV_NULL:
			return false;
		case TV_BOOL:
			return v->b;
		case TV_STRING:
			return v->len > 0;
		case TV_ARRAY:
			return v->n > 0;
		default:
			return true;
	}
}

/* Text form for interpolation; false for values that print nothing */
bool
tpl_value_text(const TplValue *v, const char **s, size_t *len)
{
	if (v == NULL)
		return false;
	switch (v->type)
	{
		case TV_STRING:
		case TV_NUMBER:
			*s = v->str;
			*len = v->len;
			return true;
		case TV_BOOL:
			*s = v->b ? "true" : "false";
			*len = strlen(*s);
			return true;
		default:
			return false;
	}
}

/*
 * Equality for ifEquals: same type and value, except that a number and a
 * numeric string compare by value, since JSON producers disagree on whether
 * identifiers are strings or numbers.
 */
bool
tpl_values_equal(const TplValue *a, const TplValue *b)
{
	const TplValue *tmp;
	char			buf[64];
	char		   *end;
	double			d;

	if (a == NULL || b == NULL)
		return (a == NULL || a->type == TV_NULL) && (b == NULL || b->type == TV_NULL);
	if (a->type == TV_STRING && b->type == TV_NUMBER)
	{
		tmp = a;
		a = b;
		b = tmp;
	}
	if (a->type == TV_NUMBER && b->type == TV_STRING)
	{
		if (b->len == 0 || b->len >= sizeof(buf))
			return false;
		memcpy(buf, b->str, b->len);
		buf[b->len] = '\0';
		d = strtod(buf, &end);
		return *end == '\0' && d == a->num;
	}
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case TV_NULL:
			return true;
		case TV_BOOL:
			return a->b == b->b;
		case TV_NUMBER:
			return a->num == b->num;
		case TV_STRING:
			return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
		default:
			return a == b;
	}
}
