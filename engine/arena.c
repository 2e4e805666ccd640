/*
 * arena.c - chunked region allocator.
 *
 * Allocations are carved from chunks that double in size up to 1 MiB;
 * an allocation larger than a quarter chunk gets a chunk of its own so
 * that big strings do not waste the tail of a shared chunk. Under
 * KISO_DEBUG_ARENA every allocation is its own malloc() block kept on a
 * list, so that AddressSanitizer checks each one.
 */
#include "kiso_common.h"
#include "arena.h"

#include <stdarg.h>

#define ALIGN 16
#define FIRST_CHUNK 4096
#define MAX_CHUNK (1u << 20)

struct chunk {
	struct chunk *next;
	size_t size; /* bytes of data[] */
	size_t used;
	_Alignas(ALIGN) unsigned char data[];
};

struct kiso_arena {
	struct chunk *head;
	size_t next_size;
	size_t total;
};

struct kiso_arena *kiso_arena_new(void)
{
	struct kiso_arena *a = kiso_xcalloc(1, sizeof(*a));

	a->next_size = FIRST_CHUNK;
	return a;
}

static void free_chunks(struct kiso_arena *a)
{
	struct chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

void kiso_arena_free(struct kiso_arena *a)
{
	if (!a)
		return;
	free_chunks(a);
	free(a);
}

void kiso_arena_reset(struct kiso_arena *a)
{
	free_chunks(a);
	a->next_size = FIRST_CHUNK;
	a->total = 0;
}

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = kiso_xmalloc(sizeof(*c) + size);

	c->size = size;
	c->used = 0;
	c->next = NULL;
	return c;
}

void *kiso_arena_alloc(struct kiso_arena *a, size_t n)
{
	struct chunk *c;
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);

	if (need < n)
		KISO_BUG("arena allocation of %zu bytes overflows", n);
	a->total += n;
#ifdef KISO_DEBUG_ARENA
	c = chunk_new(n);
	c->used = n;
	c->next = a->head;
	a->head = c;
	return c->data;
#else
	c = a->head;
	if (c && c->size - c->used >= need) {
		void *p = c->data + c->used;
		c->used += need;
		return p;
	}
	if (need > a->next_size / 4) {
		/* a block of its own, linked behind the current chunk */
		struct chunk *big = chunk_new(need);
		big->used = need;
		if (c) {
			big->next = c->next;
			c->next = big;
		} else {
			a->head = big;
		}
		return big->data;
	}
	c = chunk_new(a->next_size);
	if (a->next_size < MAX_CHUNK)
		a->next_size *= 2;
	c->next = a->head;
	a->head = c;
	c->used = need;
	return c->data;
#endif
}

void *kiso_arena_zalloc(struct kiso_arena *a, size_t n)
{
	void *p = kiso_arena_alloc(a, n);

	memset(p, 0, n);
	return p;
}

void *kiso_arena_grow(struct kiso_arena *a, void *p, size_t old, size_t n)
{
	void *q = kiso_arena_alloc(a, n);

	if (p && old)
		memcpy(q, p, old < n ? old : n);
	return q;
}

char *kiso_arena_strndup(struct kiso_arena *a, const char *s, size_t n)
{
	char *p = kiso_arena_alloc(a, n + 1);

	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *kiso_arena_strdup(struct kiso_arena *a, const char *s)
{
	return kiso_arena_strndup(a, s, strlen(s));
}

char *kiso_arena_sprintf(struct kiso_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		KISO_BUG("bad format '%s'", fmt);
	p = kiso_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t kiso_arena_used(const struct kiso_arena *a)
{
	return a->total;
}
