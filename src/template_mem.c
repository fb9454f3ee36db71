/*-------------------------------------------------------------------------
 *
 * template_mem.c
 *	  Memory and error plumbing of the template engine core: a bump arena
 *	  over the allocator hook, the bounded output buffer and TplError.
 *
 * Compiled templates and per-render scratch data live in arenas so that
 * freeing is one walk over a few blocks, whichever allocator is behind.
 *
 * src/template_mem.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

#define ARENA_MIN_BLOCK		8192
#define ARENA_ALIGN			16
#define ALIGN_UP(x)			(((x) + ARENA_ALIGN - 1) & ~((size_t) ARENA_ALIGN - 1))
#define BLOCK_HEADER		ALIGN_UP(sizeof(TplArenaBlock))

static void *
malloc_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void
malloc_release(void *ctx, void *ptr)
{
	free(ptr);
}

static const TplAllocator malloc_allocator = {malloc_alloc, malloc_release, NULL};

const TplAllocator *
tpl_malloc_allocator(void)
{
	return &malloc_allocator;
}

void
tpl_limits_default(TplLimits *limits)
{
	limits->max_template_size = TPL_DEFAULT_MAX_TEMPLATE_SIZE;
	limits->max_depth = TPL_DEFAULT_MAX_DEPTH;
	limits->max_output_size = TPL_DEFAULT_MAX_OUTPUT_SIZE;
	limits->max_partial_depth = TPL_DEFAULT_MAX_PARTIAL_DEPTH;
	limits->max_steps = TPL_DEFAULT_MAX_STEPS;
}

void
tpl_render_options_default(TplRenderOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->escape = TPL_ESCAPE_HTML;
	tpl_limits_default(&opts->limits);
}

void
tpl_set_error(TplError *err, TplErrorCode code, const char *fmt,...)
{
	va_list		ap;

	/* keep the first error: later ones are usually consequences */
	if (err->code != TPL_OK)
		return;
	err->code = code;
	err->line = 0;
	err->column = 0;
	err->partial[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* Record line/column of byte offset pos, unless a position is already set */
void
tpl_error_at(TplError *err, const char *src, size_t pos)
{
	int			line = 1;
	int			col = 1;
	size_t		i;

	if (err->line != 0 || src == NULL)
		return;
	for (i = 0; i < pos && src[i] != '\0'; i++)
	{
		if (src[i] == '\n')
		{
			line++;
			col = 1;
		}
		else
			col++;
	}
	err->line = line;
	err->column = col;
}

void
tpl_arena_init(TplArena *arena, const TplAllocator *alloc, TplError *err)
{
	arena->alloc = alloc;
	arena->head = NULL;
	arena->total = 0;
	arena->err = err;
}

void *
tpl_arena_alloc(TplArena *arena, size_t size)
{
	TplArenaBlock *b = arena->head;
	void	   *p;

	size = ALIGN_UP(size == 0 ? 1 : size);
	if (b == NULL || b->size - b->used < size)
	{
		size_t		bsize = ARENA_MIN_BLOCK;

		/* grow geometrically so big templates need few blocks */
		if (arena->total / 2 > bsize)
			bsize = arena->total / 2;
		if (bsize > 1024 * 1024)
			bsize = 1024 * 1024;
		if (bsize < size + BLOCK_HEADER)
			bsize = size + BLOCK_HEADER;
		b = arena->alloc->alloc(arena->alloc->ctx, bsize);
		if (b == NULL)
		{
			tpl_set_error(arena->err, TPL_ERR_OOM, "out of memory");
			return NULL;
		}
		b->size = bsize;
		b->used = BLOCK_HEADER;
		b->next = arena->head;
		arena->head = b;
		arena->total += bsize;
	}
	p = (char *) b + b->used;
	b->used += size;
	return p;
}

char *
tpl_arena_strndup(TplArena *arena, const char *s, size_t len)
{
	char	   *p = tpl_arena_alloc(arena, len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void
tpl_arena_destroy(TplArena *arena)
{
	TplArenaBlock *b = arena->head;

	while (b != NULL)
	{
		TplArenaBlock *next = b->next;

		if (arena->alloc->release)
			arena->alloc->release(arena->alloc->ctx, b);
		b = next;
	}
	arena->head = NULL;
	arena->total = 0;
}

void
tpl_buf_init(TplBuf *buf, const TplAllocator *alloc, size_t max)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->max = max;
	buf->alloc = alloc;
}

static bool
buf_grow(TplBuf *buf, size_t need, TplError *err)
{
	size_t		ncap = buf->cap ? buf->cap * 2 : 256;
	char	   *n;

	while (ncap < need)
		ncap *= 2;
	n = buf->alloc->alloc(buf->alloc->ctx, ncap);
	if (n == NULL)
	{
		tpl_set_error(err, TPL_ERR_OOM, "out of memory");
		return false;
	}
	if (buf->len)
		memcpy(n, buf->data, buf->len);
	if (buf->data && buf->alloc->release)
		buf->alloc->release(buf->alloc->ctx, buf->data);
	buf->data = n;
	buf->cap = ncap;
	return true;
}

bool
tpl_buf_append(TplBuf *buf, const char *s, size_t len, TplError *err)
{
	if (buf->len + len > buf->max)
	{
		tpl_set_error(err, TPL_ERR_LIMIT_OUTPUT,
					  "rendered output exceeds the limit of %zu bytes",
					  buf->max);
		return false;
	}
	if (buf->len + len + 1 > buf->cap &&
		!buf_grow(buf, buf->len + len + 1, err))
		return false;
	if (len)
		memcpy(buf->data + buf->len, s, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return true;
}

bool
tpl_buf_putc(TplBuf *buf, char c, TplError *err)
{
	return tpl_buf_append(buf, &c, 1, err);
}

void
tpl_buf_free(TplBuf *buf)
{
	if (buf->data && buf->alloc && buf->alloc->release)
		buf->alloc->release(buf->alloc->ctx, buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
}
