/*
 * buf.c - growable byte strings with an optional cap.
 */
#include "kiso_common.h"
#include "buf.h"

static int buf_reserve(struct kiso_buf *b, size_t extra)
{
	size_t need;

	if (b->toobig)
		return -1;
	if (extra > SIZE_MAX - b->len - 1 || (b->max && b->len + extra > b->max)) {
		b->toobig = true;
		return -1;
	}
	need = b->len + extra + 1;
	if (need > b->cap) {
		size_t ncap = b->cap ? b->cap : 64;
		while (ncap < need)
			ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
		b->ptr = kiso_xrealloc(b->ptr, ncap);
		b->cap = ncap;
	}
	return 0;
}

int kiso_buf_add(struct kiso_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int kiso_buf_puts(struct kiso_buf *b, const char *s)
{
	return kiso_buf_add(b, s, strlen(s));
}

int kiso_buf_putc(struct kiso_buf *b, char c)
{
	return kiso_buf_add(b, &c, 1);
}

int kiso_buf_vprintf(struct kiso_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if (buf_reserve(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int kiso_buf_printf(struct kiso_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = kiso_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *kiso_buf_cstr(const struct kiso_buf *b)
{
	return b->ptr ? b->ptr : "";
}

void kiso_buf_clear(struct kiso_buf *b)
{
	b->len = 0;
	b->toobig = false;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *kiso_buf_detach(struct kiso_buf *b)
{
	char *p = b->ptr ? b->ptr : kiso_xstrdup("");

	b->ptr = NULL;
	b->len = b->cap = 0;
	b->toobig = false;
	return p;
}

void kiso_buf_release(struct kiso_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->toobig = false;
}
