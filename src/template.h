/*-------------------------------------------------------------------------
 *
 * template.h
 *	  Public API of the flowcomm template engine core.
 *
 * The core compiles Handlebars/mustache templates once and renders them
 * many times.  It deliberately does not depend on PostgreSQL: memory comes
 * from an allocator hook and failures are reported through TplError, never
 * by longjmp or exit, so the very same files build into the backend module,
 * the libFuzzer target and the standalone conformance checker.
 *
 * src/template.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWCOMM_TEMPLATE_H
#define FLOWCOMM_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default safety limits (see TplLimits) */
#define TPL_DEFAULT_MAX_TEMPLATE_SIZE (256 * 1024)
#define TPL_DEFAULT_MAX_DEPTH		  64
#define TPL_DEFAULT_MAX_OUTPUT_SIZE	  (4 * 1024 * 1024)
#define TPL_DEFAULT_MAX_PARTIAL_DEPTH 16
#define TPL_DEFAULT_MAX_STEPS		  20000000
/*
 * Stack the renderer may use below its entry point, whatever the limits
 * say: sections nested in partials nested in sections recurse, and
 * max_depth x max_partial_depth can exceed any thread's stack.
 */
#define TPL_STACK_BUDGET   (1024 * 1024)
#define TPL_JSON_MAX_DEPTH 1000

/* Error classes; the SQL glue maps each to a SQLSTATE */
typedef enum TplErrorCode
{
	TPL_OK = 0,
	TPL_ERR_SYNTAX,			/* malformed template */
	TPL_ERR_HELPER,			/* unknown helper or bad helper arguments */
	TPL_ERR_JSON,			/* malformed JSON variables/partials */
	TPL_ERR_PARTIAL,		/* bad partials object */
	TPL_ERR_VALUE,			/* helper got a value it cannot format */
	TPL_ERR_MISSING_VAR,	/* strict mode: variable absent */
	TPL_ERR_LIMIT_SIZE,		/* template too large */
	TPL_ERR_LIMIT_DEPTH,	/* sections nested too deeply */
	TPL_ERR_LIMIT_OUTPUT,	/* rendered output too large */
	TPL_ERR_LIMIT_PARTIAL,	/* partials recurse too deeply */
	TPL_ERR_LIMIT_INCLUDES, /* too many distinct partial compilations */
	TPL_ERR_LIMIT_STEPS,	/* rendering does too much work */
	TPL_ERR_OOM				/* allocator hook returned NULL */
} TplErrorCode;

typedef struct TplError
{
	TplErrorCode code;
	int			 line;		  /* 1-based; 0 when not about a position */
	int			 column;	  /* 1-based, in bytes */
	char		 partial[64]; /* partial the position refers to, or "" */
	char		 message[256];
} TplError;

/*
 * Allocator hook.  alloc returns memory aligned for any type, or NULL on
 * failure; release may be NULL when the owner frees everything at once
 * (a PostgreSQL memory context).
 */
typedef struct TplAllocator
{
	void *(*alloc)(void *ctx, size_t size);
	void (*release)(void *ctx, void *ptr);
	void *ctx;
} TplAllocator;

typedef enum TplEscape
{
	TPL_ESCAPE_HTML = 0, /* & < > " ' become entities */
	TPL_ESCAPE_NONE		 /* plain text: drop control characters */
} TplEscape;

typedef struct TplLimits
{
	size_t max_template_size;
	int	   max_depth;
	size_t max_output_size;
	int	   max_partial_depth;
	long   max_steps;
} TplLimits;

/*
 * Time zone hook used by the date helper: store the UTC offset (seconds
 * east) of zone `name` at instant `utc` into *offset.  Returns false for an
 * unknown zone.  Without a hook only "UTC", "Z" and "+hh:mm" are known.
 */
typedef bool (*TplTzHook)(void *ctx, const char *name, int64_t utc,
						  int *offset);

/* Called every few thousand render steps, e.g. to honour query cancel */
typedef void (*TplInterruptHook)(void *ctx);

/*
 * Called on every nested render step, e.g. PostgreSQL's check_stack_depth;
 * it may return false (too deep) or leave by longjmp.  The engine also
 * bounds its own stack use by TPL_STACK_BUDGET.
 */
typedef bool (*TplStackHook)(void *ctx);

typedef struct TplValue	   TplValue;
typedef struct TplTemplate TplTemplate;

typedef struct TplRenderOptions
{
	TplEscape		 escape;
	bool			 strict; /* missing top-level variable is an error */
	const char		*locale; /* helpers' default locale; NULL: en-US */
	TplLimits		 limits;
	TplTzHook		 tz_hook;
	void			*tz_ctx;
	TplInterruptHook interrupt_hook;
	void			*interrupt_ctx;
	TplStackHook	 stack_hook;
	void			*stack_ctx;
} TplRenderOptions;

/* Growable output buffer, bounded by max */
typedef struct TplBuf
{
	char			   *data;
	size_t				len;
	size_t				cap;
	size_t				max;
	const TplAllocator *alloc;
} TplBuf;

/* String list returned by tpl_variables */
typedef struct TplStrList
{
	const char **items;
	size_t		*lens;
	size_t		 n;
} TplStrList;

extern void				   tpl_limits_default(TplLimits *limits);
extern void				   tpl_render_options_default(TplRenderOptions *opts);
extern const TplAllocator *tpl_malloc_allocator(void);

/* Compile; returns NULL and fills err on failure.  Free with tpl_free. */
extern TplTemplate *tpl_compile(const char *src, size_t len,
								const TplLimits	   *limits,
								const TplAllocator *alloc, TplError *err);
extern void			tpl_free(TplTemplate *tpl);
extern size_t		tpl_memory_used(const TplTemplate *tpl);

/* Top-level variable names the template references (compile-time list) */
extern const TplStrList *tpl_variables(const TplTemplate *tpl);

/*
 * Render with `vars_json` (JSON text, object expected; NULL means {}) and
 * `partials_json` (JSON object of strings, or NULL).  On success the
 * NUL-terminated result is in *out (allocated with `alloc`, free with
 * tpl_buf_free) and true is returned.
 */
extern bool tpl_render_json(const TplTemplate *tpl,
							const char *vars_json, size_t vars_len,
							const char *partials_json, size_t partials_len,
							const TplRenderOptions *opts,
							const TplAllocator	   *alloc,
							TplBuf *out, TplError *err);

/* The same with already parsed values (see template_int.h) */
extern bool tpl_render_value(const TplTemplate *tpl, const TplValue *vars,
							 const TplValue			*partials,
							 const TplRenderOptions *opts,
							 const TplAllocator		*alloc,
							 TplBuf *out, TplError *err);

extern void tpl_buf_free(TplBuf *buf);

/* Plain-text alternative of an HTML e-mail body; false only on OOM */
extern bool tpl_html_to_text(const char *html, size_t len,
							 const TplAllocator *alloc, TplBuf *out,
							 TplError *err);

#endif /* FLOWCOMM_TEMPLATE_H */
