/*
 * kiso_common.h - included first by every .c file of kiso.
 *
 * Feature macros, the standard headers every file uses, and the few
 * helpers that are everywhere: KISO_BUG() for programming errors,
 * KISO_ARRAY_SIZE(), and the allocation wrappers that never return NULL
 * (out of memory is not an error kiso recovers from: it aborts with a
 * message, as OpenSSH's xmalloc does).
 */
#ifndef KISO_COMMON_H
#define KISO_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KISO_VERSION "0.1.0"

#define KISO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define KISO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KISO_NORETURN __attribute__((noreturn))
#else
#define KISO_PRINTF(f, a)
#define KISO_NORETURN
#endif

/* A programming error: prints where and aborts. Never for bad input. */
#define KISO_BUG(...) kiso_bug(__FILE__, __LINE__, __VA_ARGS__)
KISO_NORETURN void kiso_bug(const char *file, int line, const char *fmt, ...)
	KISO_PRINTF(3, 4);

/* malloc/calloc/realloc/strdup that abort on out of memory; never NULL. */
void *kiso_xmalloc(size_t n);
void *kiso_xcalloc(size_t n, size_t size);
void *kiso_xrealloc(void *p, size_t n);
char *kiso_xstrdup(const char *s);
char *kiso_xstrndup(const char *s, size_t n);
/* printf into a fresh malloc'd string; caller frees. */
char *kiso_xasprintf(const char *fmt, ...) KISO_PRINTF(1, 2);

#endif
