/*-------------------------------------------------------------------------
 *
 * template_fuzz.c
 *	  libFuzzer target for the template engine core.
 *
 * The input is split at NUL bytes into template, variables JSON and
 * partials JSON (missing parts are absent).  Every compile and render must
 * either succeed or fail with an error code and message; the sanitizers
 * catch everything else.  html_to_text is fed the template text as well.
 * One input in four runs with the nesting limits at the highest values a
 * superuser may set (flowcomm.template_max_depth and _max_partial_depth =
 * 1000): then only the engine's own stack budget stands between a template
 * and a stack overflow, and that is what it must hold.
 *
 * fuzz/template_fuzz.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
split(const char *s, size_t len, const char **part, size_t *plen, int n)
{
	int k;

	for (k = 0; k < n; k++)
	{
		const char *nul = len ? memchr(s, '\0', len) : NULL;

		part[k] = (k == 0 || len > 0 || nul) ? s : NULL;
		plen[k] = nul ? (size_t) (nul - s) : len;
		if (nul == NULL)
		{
			for (k++; k < n; k++)
				part[k] = NULL, plen[k] = 0;
			return;
		}
		len -= plen[k] + 1;
		s = nul + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*part[3];
	size_t			 plen[3];
	TplLimits		 limits;
	TplRenderOptions opts;
	TplTemplate		*tpl;
	TplError		 err;
	TplBuf			 out;

	split((const char *) data, size, part, plen, 3);
	tpl_limits_default(&limits);
	limits.max_depth = 32;
	tpl_render_options_default(&opts);
	opts.limits = limits;
	opts.limits.max_output_size = 256 * 1024;
	opts.limits.max_steps = 100000;
	opts.limits.max_partial_depth = 8;
	if ((size & 12) == 12)
	{
		limits.max_depth = 1000;
		opts.limits.max_depth = 1000;
		opts.limits.max_partial_depth = 1000;
	}
	opts.escape = (size & 1) ? TPL_ESCAPE_NONE : TPL_ESCAPE_HTML;
	opts.strict = (size & 2) != 0;

	tpl = tpl_compile(part[0], plen[0], &limits, tpl_malloc_allocator(), &err);
	if (tpl == NULL)
	{
		if (err.code == TPL_OK || err.message[0] == '\0')
			abort();
	}
	else
	{
		if (tpl_render_json(tpl, part[1], plen[1], part[2], plen[2], &opts,
							tpl_malloc_allocator(), &out, &err))
		{
			if (out.len > opts.limits.max_output_size || out.data[out.len] != '\0')
				abort();
			tpl_buf_free(&out);
		}
		else if (err.code == TPL_OK)
			abort();
		tpl_free(tpl);
	}
	if (tpl_html_to_text(part[0], plen[0], tpl_malloc_allocator(), &out, &err))
		tpl_buf_free(&out);
	return 0;
}
