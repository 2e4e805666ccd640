/*
 * error.c - first-wins error records, diagnostics lists, interned file
 * names for positions.
 */
#include "kiso_common.h"
#include "error.h"

#include <pthread.h>
#include <stdarg.h>

/* Interned file names: a small open hash set, never freed until exit. */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static char **intern_tab;
static size_t intern_cap, intern_len;

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static void intern_grow(void)
{
	size_t ncap = intern_cap ? intern_cap * 2 : 64;
	char **ntab = kiso_xcalloc(ncap, sizeof(*ntab));

	for (size_t i = 0; i < intern_cap; i++) {
		char *s = intern_tab[i];
		if (!s)
			continue;
		size_t j = hash_str(s) & (ncap - 1);
		while (ntab[j])
			j = (j + 1) & (ncap - 1);
		ntab[j] = s;
	}
	free(intern_tab);
	intern_tab = ntab;
	intern_cap = ncap;
}

const char *kiso_pos_file(const char *path)
{
	const char *out;
	size_t j;

	if (!path)
		return NULL;
	pthread_mutex_lock(&intern_lock);
	if ((intern_len + 1) * 2 > intern_cap)
		intern_grow();
	j = hash_str(path) & (intern_cap - 1);
	while (intern_tab[j] && strcmp(intern_tab[j], path) != 0)
		j = (j + 1) & (intern_cap - 1);
	if (!intern_tab[j]) {
		intern_tab[j] = kiso_xstrdup(path);
		intern_len++;
	}
	out = intern_tab[j];
	pthread_mutex_unlock(&intern_lock);
	return out;
}

static void error_vset(struct kiso_error *err, int code, struct kiso_pos pos, const char *fmt,
		       va_list ap)
{
	err->code = code;
	err->pos = pos;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int kiso_error_set(struct kiso_error *err, int code, struct kiso_pos pos, const char *fmt, ...)
{
	va_list ap;

	if (code >= 0)
		code = KISO_EFAIL;
	if (!err || err->code != 0)
		return code;
	va_start(ap, fmt);
	error_vset(err, code, pos, fmt, ap);
	va_end(ap);
	return code;
}

void kiso_error_clear(struct kiso_error *err)
{
	err->code = 0;
	err->pos = KISO_POS_NONE;
	err->msg[0] = '\0';
}

char *kiso_error_format(char *buf, size_t size, const struct kiso_error *err)
{
	const struct kiso_pos *p = &err->pos;

	if (p->file && p->line > 0)
		snprintf(buf, size, "%s:%d:%d: %s", p->file, p->line, p->col > 0 ? p->col : 1,
			 err->msg);
	else if (p->file)
		snprintf(buf, size, "%s: %s", p->file, err->msg);
	else
		snprintf(buf, size, "%s", err->msg);
	return buf;
}

void kiso_error_print(FILE *f, const struct kiso_error *err)
{
	char buf[KISO_ERROR_MSG_MAX + 512];

	fprintf(f, "%s\n", kiso_error_format(buf, sizeof(buf), err));
}

static struct kiso_error *diags_push(struct kiso_diags *d)
{
	if (d->len == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->items = kiso_xrealloc(d->items, d->cap * sizeof(*d->items));
	}
	return &d->items[d->len++];
}

void kiso_diags_add(struct kiso_diags *d, struct kiso_pos pos, const char *fmt, ...)
{
	struct kiso_error *e = diags_push(d);
	va_list ap;

	va_start(ap, fmt);
	error_vset(e, KISO_EINVALID, pos, fmt, ap);
	va_end(ap);
}

void kiso_diags_add_error(struct kiso_diags *d, const struct kiso_error *err)
{
	*diags_push(d) = *err;
}

void kiso_diags_print(FILE *f, const struct kiso_diags *d)
{
	for (size_t i = 0; i < d->len; i++)
		kiso_error_print(f, &d->items[i]);
}

void kiso_diags_release(struct kiso_diags *d)
{
	free(d->items);
	d->items = NULL;
	d->len = d->cap = 0;
}
