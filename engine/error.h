/*
 * error.h - source positions, error details and diagnostics lists.
 *
 * Fallible functions return int: 0 for success, a negative code for
 * failure. The details go into a struct kiso_error owned by the caller
 * (per host, per load), never into a global. The first message wins:
 * kiso_error_set() on an error that is already set keeps the old one, so
 * callers pass codes up without rewriting them (libgit2's rule).
 *
 * Messages are lowercase, without a full stop, the problem first and the
 * subject in quotes: "unknown module 'copyy'". Printed, an error reads
 * "file:line:col: message" (or just "message" without a position).
 */
#ifndef KISO_ERROR_H
#define KISO_ERROR_H

#include "kiso_common.h"

enum {
	KISO_EFAIL = -1,        /* anything else */
	KISO_ENOTFOUND = -2,    /* file, variable, host, module not found */
	KISO_EUNREACHABLE = -3, /* host cannot be reached */
	KISO_ETIMEOUT = -4,
	KISO_EUNDEFINED = -5,   /* template used an undefined variable */
	KISO_ESYNTAX = -6,      /* YAML, INI or template syntax error */
	KISO_EINVALID = -7,     /* well-formed input that does not validate */
};

/*
 * A place in a source file. 'file' is interned (see kiso_pos_file()) and
 * lives until the process ends, so positions may be copied freely and
 * outlive every arena. line and col are 1-based; 0 means unknown.
 */
struct kiso_pos {
	const char *file;
	int line;
	int col;
};

#define KISO_POS_NONE ((struct kiso_pos){ NULL, 0, 0 })

/* The interned copy of a file name, valid until exit. Thread-safe. */
const char *kiso_pos_file(const char *path);

#define KISO_ERROR_MSG_MAX 1024

struct kiso_error {
	int code;               /* 0: no error */
	struct kiso_pos pos;
	char msg[KISO_ERROR_MSG_MAX];
};

#define KISO_ERROR_INIT { 0, { NULL, 0, 0 }, { 0 } }

/*
 * Records an error unless one is already recorded; returns 'code' (or
 * KISO_EFAIL when code is 0) so that callers can write
 * 'return kiso_error_set(err, KISO_ESYNTAX, pos, "...")'. err may be NULL.
 */
int kiso_error_set(struct kiso_error *err, int code, struct kiso_pos pos,
		   const char *fmt, ...) KISO_PRINTF(4, 5);

/* Forgets the recorded error. */
void kiso_error_clear(struct kiso_error *err);

/* "file:line:col: msg" into buf (always NUL-terminated); returns buf. */
char *kiso_error_format(char *buf, size_t size, const struct kiso_error *err);

/* Writes the formatted error and a newline to 'f'. */
void kiso_error_print(FILE *f, const struct kiso_error *err);

/*
 * A list of diagnostics, for `kiso lint`: every problem of a load, not
 * just the first. Messages are copied in.
 */
struct kiso_diags {
	struct kiso_error *items;
	size_t len;
	size_t cap;
};

#define KISO_DIAGS_INIT { NULL, 0, 0 }

void kiso_diags_add(struct kiso_diags *d, struct kiso_pos pos, const char *fmt, ...)
	KISO_PRINTF(3, 4);
void kiso_diags_add_error(struct kiso_diags *d, const struct kiso_error *err);
/* Prints each one as "file:line:col: msg", one a line, in the order added. */
void kiso_diags_print(FILE *f, const struct kiso_diags *d);
void kiso_diags_release(struct kiso_diags *d);

#endif
