/*
 * buf.h - one growable byte string with an optional size cap.
 *
 * Invariants: ptr is NULL or points at len bytes followed by a NUL, so
 * ptr is always usable as a C string once anything was added (use
 * kiso_buf_cstr() to get "" for an empty buffer). 'max' (0 = no cap)
 * bounds len: an append past it fails with -1 and sets 'toobig', so
 * remote command output can never exhaust memory (curl's dynbuf).
 *
 * Memory is malloc'd; kiso_buf_release() frees it. KISO_BUF_INIT is an
 * empty buffer without cap.
 */
#ifndef KISO_BUF_H
#define KISO_BUF_H

#include "kiso_common.h"

#include <stdarg.h>

struct kiso_buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t max;     /* 0: unbounded */
	bool toobig;
};

#define KISO_BUF_INIT { NULL, 0, 0, 0, false }

/* Appends n bytes; 0 or -1 when the cap would be passed (nothing added). */
int kiso_buf_add(struct kiso_buf *b, const void *p, size_t n);
int kiso_buf_puts(struct kiso_buf *b, const char *s);
int kiso_buf_putc(struct kiso_buf *b, char c);
int kiso_buf_printf(struct kiso_buf *b, const char *fmt, ...) KISO_PRINTF(2, 3);
int kiso_buf_vprintf(struct kiso_buf *b, const char *fmt, va_list ap);

/* The contents as a C string, "" when empty; borrowed from b. */
const char *kiso_buf_cstr(const struct kiso_buf *b);

/* Empties b, keeps its memory. */
void kiso_buf_clear(struct kiso_buf *b);

/* Hands the malloc'd string to the caller (never NULL) and empties b. */
char *kiso_buf_detach(struct kiso_buf *b);

/* Frees the memory; b is then empty and reusable. */
void kiso_buf_release(struct kiso_buf *b);

#endif
