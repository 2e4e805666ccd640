/*
 * template/cache.c - compiled templates, cached by source text.
 *
 * A playbook renders the same strings for every host and every loop
 * item; each distinct text (and lexer mode) is lexed and parsed once.
 * Compiled templates are immutable, so many threads may evaluate one at
 * the same time; the table itself is guarded by a mutex. Syntax errors
 * are cached too (as byte offsets: the caller's position is applied when
 * the error is reported).
 *
 * Entries live until kiso_tmpl_cache_clear(), which must not run while
 * another thread renders.
 */
#include "kiso_common.h"
#include "template/internal.h"

#include <pthread.h>

#define NBUCKETS 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tmpl *buckets[NBUCKETS];

static uint64_t hash(const char *s, size_t n, unsigned flags)
{
	uint64_t h = 1469598103934665603ULL ^ flags;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct tmpl *compile(const char *src, size_t len, unsigned flags, uint64_t h)
{
	struct kiso_arena *a = kiso_arena_new();
	struct tmpl *t = kiso_arena_zalloc(a, sizeof(*t));
	char *s = kiso_arena_alloc(a, len + 1);
	size_t n = 0;

	t->arena = a;
	t->hash = h;
	t->flags = flags;
	/* newlines normalised to '\n', as Jinja2's lexer does */
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\r') {
			s[n++] = '\n';
			if (i + 1 < len && src[i + 1] == '\n')
				i++;
		} else {
			s[n++] = src[i];
		}
	}
	s[n] = 0;
	t->src = s;
	t->len = n;
	for (size_t i = n; i > 0 && s[i - 1] == '\n'; i--)
		t->trailing_nl++;
	/* keep_trailing_newline is off: one final newline is dropped */
	size_t lexlen = (!(flags & LEX_EXPR) && n && s[n - 1] == '\n') ? n - 1 : n;
	struct tokens toks = { 0 };
	uint32_t eoff = 0;
	const char *emsg = NULL;
	int rc;

	if (len > UINT32_MAX - 16) {
		t->ecode = KISO_ESYNTAX;
		t->emsg = "template too big";
		return t;
	}
	rc = tmpl_lex(&toks, a, s, lexlen, flags, &eoff, &emsg);
	if (rc) {
		t->ecode = rc;
		t->eoff = eoff;
		t->emsg = emsg;
		return t;
	}
	tmpl_parse(t, &toks);
	return t;
}

const struct tmpl *tmpl_get(const char *src, size_t len, unsigned flags)
{
	uint64_t h = hash(src, len, flags);
	size_t b = h % NBUCKETS;
	struct tmpl *t;

	pthread_mutex_lock(&lock);
	for (t = buckets[b]; t; t = t->next)
		if (t->hash == h && t->flags == flags && t->origlen == len &&
		    !memcmp(t->orig, src, len))
			break;
	pthread_mutex_unlock(&lock);
	if (t)
		return t;
	t = compile(src, len, flags, h);
	t->orig = t->len == len ? t->src : kiso_arena_strndup(t->arena, src, len);
	t->origlen = len;
	pthread_mutex_lock(&lock);
	/* another thread may have compiled the same text meanwhile: keep one */
	for (struct tmpl *o = buckets[b]; o; o = o->next)
		if (o->hash == h && o->flags == flags && o->origlen == len &&
		    !memcmp(o->orig, src, len)) {
			pthread_mutex_unlock(&lock);
			kiso_arena_free(t->arena);
			return o;
		}
	t->next = buckets[b];
	buckets[b] = t;
	pthread_mutex_unlock(&lock);
	return t;
}

void kiso_tmpl_cache_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct tmpl *t = buckets[i];

		while (t) {
			struct tmpl *next = t->next;

			kiso_arena_free(t->arena);
			t = next;
		}
		buckets[i] = NULL;
	}
	pthread_mutex_unlock(&lock);
}
