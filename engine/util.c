/*
 * util.c - allocation wrappers and KISO_BUG().
 *
 * Out of memory is not something kiso recovers from: the wrappers print
 * and abort, so callers never check for NULL (OpenSSH's xmalloc).
 */
#include "kiso_common.h"

#include <stdarg.h>

static KISO_NORETURN void oom(size_t n)
{
	fprintf(stderr, "kiso: out of memory (%zu bytes)\n", n);
	abort();
}

void kiso_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kiso: BUG at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *kiso_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *kiso_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *kiso_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *kiso_xstrdup(const char *s)
{
	return kiso_xstrndup(s, strlen(s));
}

char *kiso_xstrndup(const char *s, size_t n)
{
	char *p = kiso_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *kiso_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom(strlen(fmt));
	va_end(ap);
	return s;
}
