/*
 * asan_early_init.c — LD_PRELOAD shim for `make test SANITIZE=1` (preloaded
 * right after libasan into the uninstrumented PostgreSQL server).
 *
 * Debian's postgres links libgcrypt -> libgpg-error, whose ELF constructor
 * runs before libasan's and calls bindtextdomain().  glibc holds its gettext
 * write lock (_nl_state_lock) while bindtextdomain() calls malloc(); that
 * first malloc() initialises ASan, whose initialisation calls dlerror(), which
 * calls dcgettext(), which takes the same lock again: the lock is corrupted
 * and the process hangs in the next bindtextdomain() (postgres -V never
 * returns).  This shim interposes bindtextdomain() and makes the first
 * malloc() happen before the lock is taken.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

char	   *bindtextdomain(const char *domainname, const char *dirname);

char *
bindtextdomain(const char *domainname, const char *dirname)
{
	static char *(*real) (const char *, const char *) = NULL;

	if (real == NULL)
	{
		void	   *volatile p = malloc(1);	/* initialises ASan, outside
											 * glibc's lock (volatile: the
											 * compiler may not drop it) */

		free(p);
		real = (char *(*) (const char *, const char *)) dlsym(RTLD_NEXT, "bindtextdomain");
	}
	return real(domainname, dirname);
}
