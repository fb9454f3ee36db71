/*-------------------------------------------------------------------------
 *
 * template_int.h
 *	  Internal data structures shared by the template engine core files:
 *	  the arena, the JSON value model, the compiled syntax tree and the
 *	  helper table.  Not for use outside src/template_*.c.
 *
 * src/template_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWCOMM_TEMPLATE_INT_H
#define FLOWCOMM_TEMPLATE_INT_H

#include "template.h"

/* ---------- arena ---------- */

typedef struct TplArenaBlock
{
	struct TplArenaBlock *next;
	size_t		size;
	size_t		used;
	/* payload follows, max-aligned */
} TplArenaBlock;

typedef struct TplArena
{
	const TplAllocator *alloc;
	TplArenaBlock *head;
	size_t		total;
	TplError   *err;			/* where OOM is reported */
} TplArena;

extern void tpl_arena_init(TplArena *arena, const TplAllocator *alloc,
						   TplError *err);
extern void *tpl_arena_alloc(TplArena *arena, size_t size);
extern char *tpl_arena_strndup(TplArena *arena, const char *s, size_t len);
extern void tpl_arena_destroy(TplArena *arena);

/* ---------- errors and buffers ---------- */

extern void tpl_set_error(TplError *err, TplErrorCode code,
						  const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4)))
#endif
			;
extern void tpl_error_at(TplError *err, const char *src, size_t pos);

extern void tpl_buf_init(TplBuf *buf, const TplAllocator *alloc, size_t max);
extern bool tpl_buf_append(TplBuf *buf, const char *s, size_t len,
						   TplError *err);
extern bool tpl_buf_putc(TplBuf *buf, char c, TplError *err);

/* ---------- JSON values ---------- */

typedef enum TplValueType
{
	TV_NULL,
	TV_BOOL,
	TV_NUMBER,
	TV_STRING,
	TV_ARRAY,
	TV_OBJECT
} TplValueType;

typedef struct TplMember TplMember;

struct TplValue
{
	TplValueType type;
	bool		b;
	const char *str;			/* string bytes, or number text */
	size_t		len;
	double		num;
	TplValue  **items;			/* array elements */
	TplMember  *members;		/* object members */
	size_t		n;				/* element/member count */
};

struct TplMember
{
	const char *key;
	size_t		klen;
	TplValue   *value;
};

extern TplValue *tpl_json_parse(TplArena *arena, const char *text,
								size_t len, TplError *err);
extern const TplValue *tpl_value_get(const TplValue *obj, const char *key,
									 size_t klen);
extern bool tpl_value_truthy(const TplValue *v);

/* ---------- compiled template ---------- */

typedef enum TplArgKind
{
	ARG_PATH,					/* a.b.c, ., this, this.x, @index, @root.x */
	ARG_STRING,
	ARG_NUMBER,
	ARG_BOOL,
	ARG_NULL
} TplArgKind;

typedef struct TplPath
{
	int			nseg;
	const char **seg;
	size_t	   *seglen;
	bool		this_only;		/* "." / "this" / "this.x": no stack walk */
	bool		data;			/* @index, @key, @first, @last, @root... */
} TplPath;

typedef struct TplArg
{
	TplArgKind	kind;
	TplPath		path;
	const char *str;			/* literal text (decoded for strings) */
	size_t		len;
	double		num;
	bool		b;
	TplValue	literal;		/* literal as a value, built at compile */
} TplArg;

typedef enum TplNodeKind
{
	N_TEXT,
	N_VAR,						/* {{x}} {{{x}}} {{helper a b}} */
	N_SECTION,					/* {{#x}} */
	N_INVERTED,					/* {{^x}} */
	N_IF,
	N_UNLESS,
	N_EACH,
	N_WITH,
	N_IFEQUALS,
	N_PARTIAL
} TplNodeKind;

typedef struct TplHelper TplHelper;
typedef struct TplNode TplNode;

typedef struct TplNodeList
{
	TplNode   **nodes;
	int			n;
} TplNodeList;

struct TplNode
{
	TplNodeKind kind;
	size_t		pos;			/* byte offset of the tag in the source */
	const char *text;			/* N_TEXT bytes; N_PARTIAL name */
	size_t		len;
	const char *indent;			/* N_PARTIAL: standalone indentation */
	size_t		indent_len;
	bool		raw;			/* N_VAR: no HTML escaping */
	const TplHelper *helper;	/* N_VAR: inline helper or NULL */
	int			nargs;
	TplArg	   *args;			/* N_VAR path is args[0] when no helper */
	TplNodeList body;
	TplNodeList inverse;		/* {{else}} branch */
};

struct TplTemplate
{
	TplArena	arena;
	TplError	arena_err;
	const char *src;
	size_t		src_len;
	TplNodeList root;
	TplStrList	vars;
	TplLimits	limits;
};

/* ---------- helpers ---------- */

typedef struct TplRenderState TplRenderState;

typedef bool (*TplHelperFn) (TplRenderState *st, const TplNode *node,
							 const TplValue **argv, TplBuf *out);
typedef bool (*TplHelperCheck) (const TplNode *node, TplError *err);

struct TplHelper
{
	const char *name;
	int			min_args;
	int			max_args;
	TplHelperFn fn;
	TplHelperCheck check;		/* validates literal arguments at compile */
};

extern const TplHelper *tpl_helper_lookup(const char *name, size_t len);

/* Render-state accessors for helpers (defined in template_render.c) */
extern TplError *tpl_state_error(TplRenderState *st);
extern TplArena *tpl_state_arena(TplRenderState *st);
extern const TplRenderOptions *tpl_state_options(TplRenderState *st);
extern void tpl_state_error_at(TplRenderState *st, size_t pos);

/* Value text form used by interpolation and helpers */
extern bool tpl_value_text(const TplValue *v, const char **s, size_t *len);
extern bool tpl_values_equal(const TplValue *a, const TplValue *b);

/* UTF-8 helpers (template_helpers.c) */
extern size_t tpl_utf8_next(const char *s, size_t len, size_t i,
							uint32_t *cp);
extern int	tpl_utf8_encode(uint32_t cp, char *out);

#endif							/* FLOWCOMM_TEMPLATE_INT_H */
