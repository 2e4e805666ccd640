/*
 * arena.h - region allocator: many small allocations, freed by one call.
 *
 * kiso keeps one arena per run (parsed playbook, inventory) and one per
 * host (variables, rendered templates, command output). Memory from an
 * arena is never freed one piece at a time; kiso_arena_free() or
 * kiso_arena_reset() releases all of it.
 *
 * Built with -DKISO_DEBUG_ARENA every allocation is its own malloc(), so
 * AddressSanitizer sees overflows and use-after-reset (libgit2's
 * GIT_DEBUG_POOL idea). The sanitizer build of the tests uses it.
 *
 * An arena is not thread-safe: one owner at a time.
 */
#ifndef KISO_ARENA_H
#define KISO_ARENA_H

#include "kiso_common.h"

struct kiso_arena;

/* A new empty arena; never NULL. */
struct kiso_arena *kiso_arena_new(void);

/* Releases everything allocated from 'a' and 'a' itself; NULL is fine. */
void kiso_arena_free(struct kiso_arena *a);

/* Releases everything allocated from 'a'; 'a' stays usable. */
void kiso_arena_reset(struct kiso_arena *a);

/* 'n' bytes aligned for any type, uninitialised. Never NULL (aborts on OOM). */
void *kiso_arena_alloc(struct kiso_arena *a, size_t n);

/* 'n' zeroed bytes. */
void *kiso_arena_zalloc(struct kiso_arena *a, size_t n);

/* A copy of 'p' (old size 'old', new size 'n'), the old block stays until
 * the arena is reset. p may be NULL (then old must be 0). */
void *kiso_arena_grow(struct kiso_arena *a, void *p, size_t old, size_t n);

/* NUL-terminated copies into the arena. */
char *kiso_arena_strdup(struct kiso_arena *a, const char *s);
char *kiso_arena_strndup(struct kiso_arena *a, const char *s, size_t n);
char *kiso_arena_sprintf(struct kiso_arena *a, const char *fmt, ...)
	KISO_PRINTF(2, 3);

/* Bytes handed out so far (for tests and -vvv statistics). */
size_t kiso_arena_used(const struct kiso_arena *a);

#endif
