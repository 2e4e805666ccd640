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

/*
 * Parses "key: value, key: value" of a '#jinja2:' line (values are Python
 * literals, as Ansible's ast.literal_eval reads them).
 */
static int overrides(const char *line, size_t n, unsigned *flags, const char **emsg)
{
	char buf[512];

	if (n >= sizeof(buf)) {
		*emsg = "jinja2 override line too long";
		return -1;
	}
	memcpy(buf, line, n);
	buf[n] = 0;
	for (char *save = NULL, *pair = strtok_r(buf, ",", &save); pair;
	     pair = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(pair, ':');

		if (!colon) {
			*emsg = "failed to parse jinja2 override: use 'key: value' pairs separated by ','";
			return -1;
		}
		*colon = 0;
		char *k = pair, *v = colon + 1;

		while (*k == ' ' || *k == '\t')
			k++;
		for (char *e = k + strlen(k); e > k && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = 0;
		while (*v == ' ' || *v == '\t')
			v++;
		for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); e--)
			e[-1] = 0;
		unsigned bit;
		bool invert = false, on;

		if (!strcmp(k, "trim_blocks")) {
			bit = LEX_NO_TRIM;
			invert = true;
		} else if (!strcmp(k, "lstrip_blocks")) {
			bit = LEX_LSTRIP;
		} else if (!strcmp(k, "keep_trailing_newline")) {
			bit = LEX_KEEP_NL;
		} else {
			*emsg = "unsupported jinja2 override (kiso takes trim_blocks, lstrip_blocks, "
				"keep_trailing_newline)";
			return -1;
		}
		if (!strcmp(v, "True")) {
			on = true;
		} else if (!strcmp(v, "False")) {
			on = false;
		} else {
			*emsg = "unsupported jinja2 override value (kiso takes True or False)";
			return -1;
		}
		on ^= invert;
		if (on)
			*flags |= bit;
		else
			*flags &= ~bit;
	}
	return 0;
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
	size_t start = 0;
	unsigned lexflags = flags;
	struct tokens toks = { 0 };
	uint32_t eoff = 0;
	const char *emsg = NULL;
	int rc;

	/* Ansible's '#jinja2: trim_blocks: False, lstrip_blocks: True' first line */
	if (!(flags & LEX_EXPR) && n >= 8 && !memcmp(s, "#jinja2:", 8)) {
		const char *eol = memchr(s, '\n', n);

		start = eol ? (size_t)(eol - s) + 1 : n;
		if (overrides(s + 8, (eol ? (size_t)(eol - s) : n) - 8, &lexflags, &t->emsg) < 0) {
			t->ecode = KISO_ESYNTAX;
			t->eoff = 0;
			return t;
		}
	}
	/* keep_trailing_newline is off: one final newline is dropped */
	size_t lexlen = (!(flags & LEX_EXPR) && !(lexflags & LEX_KEEP_NL) && n > start &&
			 s[n - 1] == '\n') ? n - 1 : n;

	if (len > UINT32_MAX - 16) {
		t->ecode = KISO_ESYNTAX;
		t->emsg = "template too big";
		return t;
	}
	rc = tmpl_lex(&toks, a, s + start, lexlen - start, lexflags, &eoff, &emsg);
	/* offsets are relative to the whole source */
	for (size_t i = 0; i < toks.n; i++) {
		toks.v[i].off += (uint32_t)start;
		toks.v[i].end += (uint32_t)start;
	}
	if (rc) {
		t->ecode = rc;
		t->eoff = eoff + (uint32_t)start;
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
