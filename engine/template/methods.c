/*
 * template/methods.c - the Python methods that templates call on values:
 * str.split(), 'x'.join(), d.items(), d.get(), l.index() ...
 *
 * Results are what Python returns: dict.items() is a list of 2-tuples,
 * keys()/values() lists (Ansible's finalize unrolls views into lists, so
 * "{{ d.keys() }}" prints "['a']" there too). Case mapping (lower, upper,
 * title ...) uses the C.UTF-8 locale's simple mappings ('é' -> 'É'), not
 * Python's full ones ('ß'.upper() stays 'ß', Python gives 'SS').
 *
 * Mutating methods (list.append/extend, dict.update) only work on
 * containers the current render built itself (TMPL_VF_OWNED), because
 * variables are shared values; on others they fail with a clear message.
 */
#include "kiso_common.h"
#include "template/internal.h"

/* printf formats assembled here from validated Python format specs */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <wctype.h>

static locale_t utf8_loc;

static void utf8_locale_init(void)
{
	utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

struct margs {
	struct kiso_value **args;
	size_t nargs;
	const char *const *kwn;
	struct kiso_value **kwv;
	size_t nkw;
	const char *name;
};

typedef int (*method_fn)(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
			 struct margs *m);

struct method {
	enum kiso_type type;
	const char *name;
	method_fn fn;
	int min, max; /* positional argument counts */
};

static struct kiso_value *arg(struct margs *m, size_t i, const char *kw)
{
	if (kw)
		for (size_t k = 0; k < m->nkw; k++)
			if (!strcmp(m->kwn[k], kw))
				return m->kwv[k];
	return i < m->nargs ? m->args[i] : NULL;
}

static void ret(struct ev *out, struct kiso_value *v)
{
	memset(out, 0, sizeof(*out));
	out->kind = EV_VAL;
	out->v = v;
}

static struct kiso_value *mkstr(struct rstate *st, const char *s, size_t n)
{
	return kiso_strn(st->a, s, n, KISO_POS_NONE);
}

static struct kiso_value *mklist(struct rstate *st)
{
	struct kiso_value *l = kiso_list_new(st->a, KISO_POS_NONE);

	l->flags |= TMPL_VF_OWNED;
	return l;
}

static int need_str(struct rstate *st, uint32_t off, struct kiso_value *v, const char *what,
		    struct margs *m)
{
	if (v && v->type != KISO_STR)
		return tmpl_err(st, KISO_EFAIL, off, "%s() argument %s must be str, not %s", m->name,
				what, kiso_value_type_name(v));
	return 0;
}

static bool py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* ---- str ---- */

static int s_split_impl(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
			struct margs *m, bool right)
{
	struct kiso_value *sepv = arg(m, 0, "sep"), *maxv = arg(m, 1, "maxsplit");
	int64_t maxsplit = -1;
	const char *s = obj->u.s.ptr;
	size_t n = obj->u.s.len;
	struct kiso_value *l = mklist(st);

	if (sepv && sepv->type == KISO_NULL)
		sepv = NULL;
	if (need_str(st, off, sepv, "sep", m))
		return -1;
	if (maxv) {
		if (maxv->type != KISO_INT)
			return tmpl_err(st, KISO_EFAIL, off, "'%s' object cannot be interpreted as an integer",
					kiso_value_type_name(maxv));
		maxsplit = maxv->u.i;
	}
	if (sepv && sepv->u.s.len == 0)
		return tmpl_err(st, KISO_EFAIL, off, "empty separator");
	/* collect pieces as [start, end) pairs, then order them */
	size_t cap = 16, np = 0;
	size_t *ps = kiso_xmalloc(cap * 2 * sizeof(size_t));

#define ADD(a_, b_)                                                                   \
	do {                                                                          \
		if (np == cap) {                                                      \
			cap *= 2;                                                     \
			ps = kiso_xrealloc(ps, cap * 2 * sizeof(size_t));             \
		}                                                                     \
		ps[2 * np] = (a_);                                                    \
		ps[2 * np + 1] = (b_);                                                \
		np++;                                                                 \
	} while (0)
	if (!sepv) {
		if (!right) {
			size_t i = 0;

			for (;;) {
				while (i < n && py_space((unsigned char)s[i]))
					i++;
				if (i >= n)
					break;
				if (maxsplit >= 0 && (int64_t)np >= maxsplit) {
					size_t e = n;

					while (e > i && py_space((unsigned char)s[e - 1]))
						e--;
					ADD(i, e);
					break;
				}
				size_t j = i;

				while (j < n && !py_space((unsigned char)s[j]))
					j++;
				ADD(i, j);
				i = j;
			}
		} else {
			size_t i = n;

			for (;;) {
				while (i > 0 && py_space((unsigned char)s[i - 1]))
					i--;
				if (i == 0)
					break;
				if (maxsplit >= 0 && (int64_t)np >= maxsplit) {
					size_t b = 0;

					while (b < i && py_space((unsigned char)s[b]))
						b++;
					ADD(b, i);
					break;
				}
				size_t j = i;

				while (j > 0 && !py_space((unsigned char)s[j - 1]))
					j--;
				ADD(j, i);
				i = j;
			}
		}
	} else {
		const char *sep = sepv->u.s.ptr;
		size_t sl = sepv->u.s.len;

		if (!right) {
			size_t i = 0;

			for (;;) {
				const char *f = (maxsplit < 0 || (int64_t)np < maxsplit)
					? memmem(s + i, n - i, sep, sl) : NULL;

				if (!f) {
					ADD(i, n);
					break;
				}
				ADD(i, (size_t)(f - s));
				i = (size_t)(f - s) + sl;
			}
		} else {
			size_t e = n;

			for (;;) {
				size_t found = SIZE_MAX;

				if (maxsplit < 0 || (int64_t)np < maxsplit)
					for (size_t k = e; k >= sl; k--)
						if (!memcmp(s + k - sl, sep, sl)) {
							found = k - sl;
							break;
						}
				if (found == SIZE_MAX) {
					ADD(0, e);
					break;
				}
				ADD(found + sl, e);
				e = found;
			}
		}
	}
#undef ADD
	for (size_t k = 0; k < np; k++) {
		size_t idx = right ? np - 1 - k : k;

		kiso_list_push(st->a, l, mkstr(st, s + ps[2 * idx], ps[2 * idx + 1] - ps[2 * idx]));
	}
	free(ps);
	ret(out, l);
	return 0;
}

static int s_split(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		   struct margs *m)
{
	return s_split_impl(out, st, off, obj, m, false);
}

static int s_rsplit(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		    struct margs *m)
{
	return s_split_impl(out, st, off, obj, m, true);
}

static int s_strip_impl(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
			struct margs *m, int which)
{
	struct kiso_value *cv = arg(m, 0, "chars");
	const char *s = obj->u.s.ptr;
	size_t b = 0, e = obj->u.s.len;

	if (cv && cv->type == KISO_NULL)
		cv = NULL;
	if (need_str(st, off, cv, "chars", m))
		return -1;
#define STRIPPABLE(c) (cv ? memchr(cv->u.s.ptr, (c), cv->u.s.len) != NULL : py_space((unsigned char)(c)))
	if (which & 1)
		while (b < e && STRIPPABLE(s[b]))
			b++;
	if (which & 2)
		while (e > b && STRIPPABLE(s[e - 1]))
			e--;
#undef STRIPPABLE
	ret(out, mkstr(st, s + b, e - b));
	return 0;
}

static int s_strip(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		   struct margs *m)
{
	return s_strip_impl(out, st, off, obj, m, 3);
}

static int s_lstrip(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		    struct margs *m)
{
	return s_strip_impl(out, st, off, obj, m, 1);
}

static int s_rstrip(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		    struct margs *m)
{
	return s_strip_impl(out, st, off, obj, m, 2);
}

static int affix(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		 struct margs *m, bool end)
{
	struct kiso_value *p = arg(m, 0, NULL);
	bool res = false;
	size_t cnt = p->type == KISO_LIST ? p->u.list.len : 1;

	for (size_t i = 0; i < cnt && !res; i++) {
		struct kiso_value *x = p->type == KISO_LIST ? p->u.list.items[i] : p;

		if (x->type != KISO_STR)
			return tmpl_err(st, KISO_EFAIL, off,
					"%s first arg must be str or a tuple of str, not %s", m->name,
					kiso_value_type_name(x));
		if (x->u.s.len <= obj->u.s.len)
			res = !memcmp(obj->u.s.ptr + (end ? obj->u.s.len - x->u.s.len : 0), x->u.s.ptr,
				      x->u.s.len);
	}
	ret(out, kiso_bool(st->a, res, KISO_POS_NONE));
	return 0;
}

static int s_startswith(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
			struct margs *m)
{
	return affix(out, st, off, obj, m, false);
}

static int s_endswith(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		      struct margs *m)
{
	return affix(out, st, off, obj, m, true);
}

enum casemode { C_LOWER, C_UPPER, C_SWAP, C_TITLE, C_CAP };

/* C.UTF-8's simple case mappings (towlower_l); ASCII when that locale is missing. */
static locale_t utf8_locale(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, utf8_locale_init);
	return utf8_loc;
}

/* Decodes one UTF-8 sequence at s[*i]; invalid bytes come back as themselves (< 0x100). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i, size_t *len)
{
	unsigned char c = s[*i];
	size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	uint32_t cp;

	if (k == 0 || *i + k > n) {
		*len = 1;
		return 0xffffffffu;
	}
	cp = k == 1 ? c : k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
	for (size_t j = 1; j < k; j++) {
		if ((s[*i + j] & 0xc0) != 0x80) {
			*len = 1;
			return 0xffffffffu;
		}
		cp = (cp << 6) | (s[*i + j] & 0x3f);
	}
	*len = k;
	return cp;
}

static void utf8_put(struct kiso_buf *b, uint32_t cp)
{
	char o[4];
	size_t k;

	if (cp < 0x80) {
		o[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		o[0] = (char)(0xf0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	kiso_buf_add(b, o, k);
}

static uint32_t to_lower(uint32_t cp, locale_t loc)
{
	if (cp < 0x80)
		return (uint32_t)tolower((int)cp);
	return loc ? (uint32_t)towlower_l((wint_t)cp, loc) : cp;
}

static uint32_t to_upper(uint32_t cp, locale_t loc)
{
	if (cp < 0x80)
		return (uint32_t)toupper((int)cp);
	return loc ? (uint32_t)towupper_l((wint_t)cp, loc) : cp;
}

static bool is_cased(uint32_t cp, locale_t loc)
{
	if (cp < 0x80)
		return isalpha((int)cp);
	return loc && (to_lower(cp, loc) != cp || to_upper(cp, loc) != cp);
}

static int s_case(struct ev *out, struct rstate *st, struct kiso_value *obj, enum casemode mode)
{
	const unsigned char *s = (const unsigned char *)obj->u.s.ptr;
	size_t n = obj->u.s.len;
	locale_t loc = utf8_locale();
	struct kiso_buf b = KISO_BUF_INIT;
	bool prev_cased = false, first = true;

	for (size_t i = 0; i < n;) {
		size_t len;
		uint32_t cp = utf8_next(s, n, &i, &len), r;

		if (cp == 0xffffffffu) {
			kiso_buf_putc(&b, (char)s[i]);
			i += len;
			continue;
		}
		switch (mode) {
		case C_LOWER: r = to_lower(cp, loc); break;
		case C_UPPER: r = to_upper(cp, loc); break;
		case C_SWAP:
			r = to_lower(cp, loc);
			if (r == cp)
				r = to_upper(cp, loc);
			break;
		case C_TITLE:
			r = prev_cased ? to_lower(cp, loc) : to_upper(cp, loc);
			prev_cased = is_cased(cp, loc);
			break;
		default: r = first ? to_upper(cp, loc) : to_lower(cp, loc); break;
		}
		utf8_put(&b, r);
		first = false;
		i += len;
	}
	ret(out, mkstr(st, kiso_buf_cstr(&b), b.len));
	kiso_buf_release(&b);
	return 0;
}

static int s_lower(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		   struct margs *m)
{
	return s_case(out, st, obj, C_LOWER);
}

static int s_upper(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		   struct margs *m)
{
	return s_case(out, st, obj, C_UPPER);
}

static int s_swapcase(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		      struct margs *m)
{
	return s_case(out, st, obj, C_SWAP);
}

static int s_title(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		   struct margs *m)
{
	return s_case(out, st, obj, C_TITLE);
}

static int s_capitalize(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
			struct margs *m)
{
	return s_case(out, st, obj, C_CAP);
}

static int s_replace(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		     struct margs *m)
{
	struct kiso_value *ov = arg(m, 0, NULL), *nv = arg(m, 1, NULL), *cv = arg(m, 2, "count");
	int64_t count = -1;
	struct kiso_buf b = KISO_BUF_INIT;

	if (need_str(st, off, ov, "1", m) || need_str(st, off, nv, "2", m))
		return -1;
	if (cv && cv->type == KISO_INT)
		count = cv->u.i;
	const char *s = obj->u.s.ptr;
	size_t n = obj->u.s.len, i = 0;

	if (ov->u.s.len == 0) {
		/* Python inserts 'new' between characters and at both ends */
		size_t cps = tmpl_utf8_len(s, n) + 1;

		if (nv->u.s.len && cps > tmpl_limits.max_str / nv->u.s.len)
			return tmpl_err(st, KISO_EFAIL, off, "string too long");
		for (size_t k = 0; k <= n; k++) {
			if (k == n || ((unsigned char)s[k] & 0xc0) != 0x80) {
				if (count < 0 || count-- > 0)
					kiso_buf_add(&b, nv->u.s.ptr, nv->u.s.len);
			}
			if (k < n)
				kiso_buf_putc(&b, s[k]);
		}
	} else {
		while (i <= n) {
			const char *f = count != 0 ? memmem(s + i, n - i, ov->u.s.ptr, ov->u.s.len) : NULL;

			if (!f) {
				kiso_buf_add(&b, s + i, n - i);
				break;
			}
			kiso_buf_add(&b, s + i, (size_t)(f - s) - i);
			kiso_buf_add(&b, nv->u.s.ptr, nv->u.s.len);
			if (b.len > tmpl_limits.max_str) {
				kiso_buf_release(&b);
				return tmpl_err(st, KISO_EFAIL, off, "string too long");
			}
			i = (size_t)(f - s) + ov->u.s.len;
			if (count > 0)
				count--;
		}
	}
	ret(out, mkstr(st, kiso_buf_cstr(&b), b.len));
	kiso_buf_release(&b);
	return 0;
}

static int s_join(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		  struct margs *m)
{
	struct ev e = { .kind = EV_VAL, .v = arg(m, 0, NULL) };
	struct kiso_value *items;
	struct kiso_buf b = KISO_BUF_INIT;
	int rc = tmpl_iterate(&items, st, off, &e);

	if (rc)
		return rc;
	for (size_t i = 0; i < items->u.list.len; i++) {
		struct kiso_value *x = items->u.list.items[i];

		if (x->type != KISO_STR) {
			kiso_buf_release(&b);
			return tmpl_err(st, KISO_EFAIL, off,
					"sequence item %zu: expected str instance, %s found", i,
					kiso_value_type_name(x));
		}
		if (i)
			kiso_buf_add(&b, obj->u.s.ptr, obj->u.s.len);
		kiso_buf_add(&b, x->u.s.ptr, x->u.s.len);
		if (b.len > tmpl_limits.max_str) {
			kiso_buf_release(&b);
			return tmpl_err(st, KISO_EFAIL, off, "string too long");
		}
	}
	ret(out, mkstr(st, kiso_buf_cstr(&b), b.len));
	kiso_buf_release(&b);
	return 0;
}

/* find/index/count/rfind/rindex share this: byte offsets turned into code points. */
static int s_search(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		    struct margs *m)
{
	struct kiso_value *sub = arg(m, 0, NULL);
	const char *s = obj->u.s.ptr;
	size_t n = obj->u.s.len;
	bool rev = m->name[0] == 'r';
	const char *what = rev ? m->name + 1 : m->name;

	if (need_str(st, off, sub, "1", m))
		return -1;
	if (!strcmp(what, "count")) {
		int64_t c = 0;

		if (sub->u.s.len == 0) {
			c = (int64_t)tmpl_utf8_len(s, n) + 1;
		} else {
			for (size_t i = 0; i + sub->u.s.len <= n;) {
				const char *f = memmem(s + i, n - i, sub->u.s.ptr, sub->u.s.len);

				if (!f)
					break;
				c++;
				i = (size_t)(f - s) + sub->u.s.len;
			}
		}
		ret(out, kiso_int(st->a, c, KISO_POS_NONE));
		return 0;
	}
	int64_t pos = -1;

	if (!rev) {
		const char *f = sub->u.s.len ? memmem(s, n, sub->u.s.ptr, sub->u.s.len) : s;

		if (f)
			pos = (int64_t)tmpl_utf8_len(s, (size_t)(f - s));
	} else if (sub->u.s.len <= n) {
		for (size_t k = n - sub->u.s.len + 1; k-- > 0;)
			if (!memcmp(s + k, sub->u.s.ptr, sub->u.s.len)) {
				pos = (int64_t)tmpl_utf8_len(s, k);
				break;
			}
	}
	if (pos < 0 && !strcmp(what, "index"))
		return tmpl_err(st, KISO_EFAIL, off, "substring not found");
	ret(out, kiso_int(st->a, pos, KISO_POS_NONE));
	return 0;
}

static int s_splitlines(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
			struct margs *m)
{
	struct kiso_value *kv = arg(m, 0, "keepends");
	bool keep = kv && kiso_value_truthy(kv);
	const char *s = obj->u.s.ptr;
	size_t n = obj->u.s.len, i = 0;
	struct kiso_value *l = mklist(st);

	while (i < n) {
		size_t j = i;

		while (j < n && !strchr("\n\r\v\f\x1c\x1d\x1e", s[j]))
			j++;
		size_t e = j;

		if (j < n)
			e = (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n') ? j + 2 : j + 1;
		kiso_list_push(st->a, l, mkstr(st, s + i, (keep ? e : j) - i));
		i = e;
	}
	ret(out, l);
	return 0;
}

static int s_is(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		struct margs *m)
{
	const char *w = m->name + 2;
	bool res = obj->u.s.len > 0, cased = false;

	for (size_t i = 0; i < obj->u.s.len && res; i++) {
		unsigned char c = (unsigned char)obj->u.s.ptr[i];

		if (!strcmp(w, "digit") || !strcmp(w, "numeric") || !strcmp(w, "decimal"))
			res = isdigit(c);
		else if (!strcmp(w, "alpha"))
			res = isalpha(c);
		else if (!strcmp(w, "alnum"))
			res = isalnum(c);
		else if (!strcmp(w, "space"))
			res = py_space(c);
		else if (!strcmp(w, "lower")) {
			res = !isupper(c);
			cased |= islower(c);
		} else if (!strcmp(w, "upper")) {
			res = !islower(c);
			cased |= isupper(c);
		} else if (!strcmp(w, "identifier"))
			res = isalpha(c) || c == '_' || (i > 0 && isdigit(c));
	}
	if ((!strcmp(w, "lower") || !strcmp(w, "upper")) && !cased)
		res = false;
	ret(out, kiso_bool(st->a, res, KISO_POS_NONE));
	return 0;
}

static int s_pad(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		 struct margs *m)
{
	struct kiso_value *wv = arg(m, 0, NULL), *fv = arg(m, 1, NULL);
	const char *fill = " ";
	size_t fl = 1;

	if (wv->type != KISO_INT)
		return tmpl_err(st, KISO_EFAIL, off, "'%s' object cannot be interpreted as an integer",
				kiso_value_type_name(wv));
	if (fv) {
		if (fv->type != KISO_STR || tmpl_utf8_len(fv->u.s.ptr, fv->u.s.len) != 1)
			return tmpl_err(st, KISO_EFAIL, off,
					"The fill character must be exactly one character long");
		fill = fv->u.s.ptr;
		fl = fv->u.s.len;
	}
	size_t len = tmpl_utf8_len(obj->u.s.ptr, obj->u.s.len);
	int64_t width = wv->u.i;

	if (width > (int64_t)(tmpl_limits.max_str / 4))
		return tmpl_err(st, KISO_EFAIL, off, "string too long");
	if (width <= (int64_t)len) {
		ret(out, obj);
		return 0;
	}
	size_t pad = (size_t)width - len, left = 0;

	if (!strcmp(m->name, "rjust"))
		left = pad;
	else if (!strcmp(m->name, "center"))
		left = pad / 2 + (pad & (size_t)width & 1);
	else if (!strcmp(m->name, "zfill")) {
		fill = "0";
		left = pad;
	}
	struct kiso_buf b = KISO_BUF_INIT;
	size_t start = 0;

	if (!strcmp(m->name, "zfill") && obj->u.s.len && (obj->u.s.ptr[0] == '-' || obj->u.s.ptr[0] == '+')) {
		kiso_buf_putc(&b, obj->u.s.ptr[0]);
		start = 1;
	}
	for (size_t i = 0; i < left; i++)
		kiso_buf_add(&b, fill, fl);
	kiso_buf_add(&b, obj->u.s.ptr + start, obj->u.s.len - start);
	for (size_t i = left; i < pad; i++)
		kiso_buf_add(&b, fill, fl);
	ret(out, mkstr(st, kiso_buf_cstr(&b), b.len));
	kiso_buf_release(&b);
	return 0;
}

static int s_partition(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		       struct margs *m)
{
	struct kiso_value *sep = arg(m, 0, NULL);
	const char *s = obj->u.s.ptr;
	size_t n = obj->u.s.len;
	bool rev = m->name[0] == 'r';
	struct kiso_value *l = mklist(st);
	const char *f = NULL;

	if (need_str(st, off, sep, "1", m))
		return -1;
	if (sep->u.s.len == 0)
		return tmpl_err(st, KISO_EFAIL, off, "empty separator");
	if (!rev) {
		f = memmem(s, n, sep->u.s.ptr, sep->u.s.len);
	} else if (sep->u.s.len <= n) {
		for (size_t k = n - sep->u.s.len + 1; k-- > 0;)
			if (!memcmp(s + k, sep->u.s.ptr, sep->u.s.len)) {
				f = s + k;
				break;
			}
	}
	l->flags |= TMPL_VF_TUPLE;
	if (!f) {
		kiso_list_push(st->a, l, rev ? mkstr(st, "", 0) : obj);
		kiso_list_push(st->a, l, mkstr(st, "", 0));
		kiso_list_push(st->a, l, rev ? obj : mkstr(st, "", 0));
	} else {
		size_t k = (size_t)(f - s);

		kiso_list_push(st->a, l, mkstr(st, s, k));
		kiso_list_push(st->a, l, sep);
		kiso_list_push(st->a, l, mkstr(st, s + k + sep->u.s.len, n - k - sep->u.s.len));
	}
	ret(out, l);
	return 0;
}

/* str.format(): '{}', '{0}', '{name}', '{0.attr}', '{0[key]}', conversions and a format spec. */
static int fmt_spec(struct kiso_buf *b, struct rstate *st, uint32_t off, struct kiso_value *v,
		    const char *spec, size_t sl)
{
	char fill = ' ', align = 0, sign = 0, type = 0;
	size_t i = 0;
	long width = -1, prec = -1;
	bool zero = false, comma = false;

	if (sl >= 2 && strchr("<>^=", spec[1])) {
		fill = spec[0];
		align = spec[1];
		i = 2;
	} else if (sl >= 1 && strchr("<>^=", spec[0])) {
		align = spec[0];
		i = 1;
	}
	if (i < sl && strchr("+- ", spec[i]))
		sign = spec[i++];
	if (i < sl && spec[i] == '0') {
		zero = true;
		i++;
	}
	while (i < sl && isdigit((unsigned char)spec[i]) && width < 100000)
		width = (width < 0 ? 0 : width) * 10 + (spec[i++] - '0');
	if (i < sl && spec[i] == ',') {
		comma = true;
		i++;
	}
	if (i < sl && spec[i] == '.') {
		i++;
		prec = 0;
		while (i < sl && isdigit((unsigned char)spec[i]) && prec < 1000)
			prec = prec * 10 + (spec[i++] - '0');
	}
	if (i < sl)
		type = spec[i++];
	if (i < sl)
		return tmpl_err(st, KISO_EFAIL, off, "invalid format specifier");
	struct kiso_buf t = KISO_BUF_INIT;
	bool numeric = v->type == KISO_INT || v->type == KISO_FLOAT || v->type == KISO_BOOL;

	if (type == 0 || type == 's') {
		if (type == 's' && v->type != KISO_STR) {
			kiso_buf_release(&t);
			return tmpl_err(st, KISO_EFAIL, off,
					"unknown format code 's' for object of type '%s'",
					kiso_value_type_name(v));
		}
		tmpl_str(&t, v);
		if (prec >= 0 && v->type == KISO_STR && (size_t)prec < t.len)
			t.len = tmpl_utf8_off(t.ptr, t.len, (size_t)prec), t.ptr[t.len] = 0;
	} else if (strchr("dxXob", type)) {
		if (v->type != KISO_INT && v->type != KISO_BOOL) {
			kiso_buf_release(&t);
			return tmpl_err(st, KISO_EFAIL, off,
					"unknown format code '%c' for object of type '%s'", type,
					kiso_value_type_name(v));
		}
		long long x = v->type == KISO_BOOL ? v->u.b : v->u.i;
		char f[8] = "%lld";

		if (sign == '+' && x >= 0)
			kiso_buf_putc(&t, '+');
		if (type == 'b') {
			char bits[70];
			int k = 0;
			unsigned long long ux = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;

			if (x < 0)
				kiso_buf_putc(&t, '-');
			do {
				bits[k++] = (char)('0' + (ux & 1));
				ux >>= 1;
			} while (ux);
			while (k)
				kiso_buf_putc(&t, bits[--k]);
		} else {
			if (type != 'd')
				f[3] = type;
			kiso_buf_printf(&t, f, x);
		}
	} else if (strchr("feEgG%", type)) {
		if (!numeric) {
			kiso_buf_release(&t);
			return tmpl_err(st, KISO_EFAIL, off,
					"unknown format code '%c' for object of type '%s'", type,
					kiso_value_type_name(v));
		}
		double x = v->type == KISO_FLOAT ? v->u.f : (double)(v->type == KISO_BOOL ? v->u.b : v->u.i);

		if (sign == '+' && x >= 0)
			kiso_buf_putc(&t, '+');
		if (type == '%')
			kiso_buf_printf(&t, "%.*f%%", (int)(prec < 0 ? 6 : prec), x * 100);
		else
			kiso_buf_printf(&t, (char[]){ '%', '.', '*', type, 0 }, (int)(prec < 0 ? 6 : prec), x);
	} else {
		kiso_buf_release(&t);
		return tmpl_err(st, KISO_EFAIL, off, "unknown format code '%c'", type);
	}
	if (comma && numeric && (type == 0 || type == 'd' || type == 'f')) {
		/* thousands separators in the integer part */
		const char *ts = kiso_buf_cstr(&t);
		size_t lead = strspn(ts, "+-"), digits = strspn(ts + lead, "0123456789");
		struct kiso_buf c = KISO_BUF_INIT;

		kiso_buf_add(&c, ts, lead);
		for (size_t k = 0; k < digits; k++) {
			if (k && (digits - k) % 3 == 0)
				kiso_buf_putc(&c, ',');
			kiso_buf_putc(&c, ts[lead + k]);
		}
		kiso_buf_puts(&c, ts + lead + digits);
		kiso_buf_release(&t);
		t = c;
	}
	size_t len = tmpl_utf8_len(kiso_buf_cstr(&t), t.len);

	if (!align)
		align = numeric && type != 's' ? '>' : '<';
	if (zero && !align)
		fill = '0';
	if (zero) {
		fill = '0';
		if (numeric)
			align = '=';
	}
	size_t pad = width > (long)len ? (size_t)width - len : 0;
	size_t left = align == '>' || align == '=' ? pad : align == '^' ? pad / 2 : 0;

	if (align == '=' && t.len && (t.ptr[0] == '-' || t.ptr[0] == '+')) {
		kiso_buf_putc(b, t.ptr[0]);
		for (size_t k = 0; k < left; k++)
			kiso_buf_putc(b, fill);
		kiso_buf_add(b, t.ptr + 1, t.len - 1);
	} else {
		for (size_t k = 0; k < left; k++)
			kiso_buf_putc(b, fill);
		kiso_buf_add(b, kiso_buf_cstr(&t), t.len);
	}
	for (size_t k = left; k < pad; k++)
		kiso_buf_putc(b, fill);
	kiso_buf_release(&t);
	return 0;
}

static int s_format(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		    struct margs *m)
{
	const char *s = obj->u.s.ptr;
	size_t n = obj->u.s.len, autoidx = 0;
	struct kiso_buf b = KISO_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '}') {
			if (i + 1 < n && s[i + 1] == '}') {
				kiso_buf_putc(&b, '}');
				i++;
				continue;
			}
			rc = tmpl_err(st, KISO_EFAIL, off, "Single '}' encountered in format string");
			goto out;
		}
		if (s[i] != '{') {
			kiso_buf_putc(&b, s[i]);
			continue;
		}
		if (i + 1 < n && s[i + 1] == '{') {
			kiso_buf_putc(&b, '{');
			i++;
			continue;
		}
		const char *close = memchr(s + i, '}', n - i);

		if (!close) {
			rc = tmpl_err(st, KISO_EFAIL, off, "Single '{' encountered in format string");
			goto out;
		}
		const char *f = s + i + 1;
		size_t fl = (size_t)(close - f);
		const char *colon = memchr(f, ':', fl);
		const char *bang = memchr(f, '!', colon ? (size_t)(colon - f) : fl);
		size_t namelen = bang ? (size_t)(bang - f) : colon ? (size_t)(colon - f) : fl;
		size_t nl = strcspn(f, ".[");
		struct kiso_value *v = NULL;

		if (nl > namelen)
			nl = namelen;
		if (nl == 0) {
			v = arg(m, autoidx++, NULL);
		} else if (isdigit((unsigned char)f[0])) {
			v = arg(m, (size_t)strtoul(f, NULL, 10), NULL);
		} else {
			char *key = kiso_arena_strndup(st->a, f, nl);

			for (size_t k = 0; k < m->nkw; k++)
				if (!strcmp(m->kwn[k], key))
					v = m->kwv[k];
			if (!v) {
				rc = tmpl_err(st, KISO_EFAIL, off, "'%s'", key);
				goto out;
			}
		}
		if (!v) {
			rc = tmpl_err(st, KISO_EFAIL, off,
				      "Replacement index %zu out of range for positional args tuple",
				      autoidx ? autoidx - 1 : 0);
			goto out;
		}
		/* .attr and [key] parts */
		for (size_t k = nl; k < namelen && v;) {
			size_t e;
			char *key;

			if (f[k] == '.') {
				e = k + 1 + strcspn(f + k + 1, ".[");
				if (e > namelen)
					e = namelen;
				key = kiso_arena_strndup(st->a, f + k + 1, e - k - 1);
				k = e;
			} else {
				const char *rb = memchr(f + k, ']', namelen - k);

				if (!rb)
					break;
				key = kiso_arena_strndup(st->a, f + k + 1, (size_t)(rb - f) - k - 1);
				k = (size_t)(rb - f) + 1;
			}
			struct kiso_value *nv = NULL;

			kiso_tmpl_getattr(&nv, v, key);
			if (!nv) {
				rc = tmpl_err(st, KISO_EFAIL, off, "'%s'", key);
				goto out;
			}
			v = nv;
		}
		if (bang && bang + 1 < s + n && bang[1] == 'r') {
			struct kiso_buf r = KISO_BUF_INIT;

			tmpl_repr(&r, v);
			v = mkstr(st, kiso_buf_cstr(&r), r.len);
			kiso_buf_release(&r);
		}
		if (colon)
			rc = fmt_spec(&b, st, off, v, colon + 1, (size_t)(close - colon - 1));
		else
			tmpl_str(&b, v);
		if (rc)
			goto out;
		i = (size_t)(close - s);
	}
	ret(out, mkstr(st, kiso_buf_cstr(&b), b.len));
out:
	kiso_buf_release(&b);
	return rc;
}

/* ---- list ---- */

static int l_index(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		   struct margs *m)
{
	struct kiso_value *x = arg(m, 0, NULL);

	for (size_t i = 0; i < obj->u.list.len; i++)
		if (kiso_value_equal(obj->u.list.items[i], x)) {
			ret(out, kiso_int(st->a, (int64_t)i, KISO_POS_NONE));
			return 0;
		}
	struct kiso_buf b = KISO_BUF_INIT;

	tmpl_repr(&b, x);
	int rc = tmpl_err(st, KISO_EFAIL, off, "%s is not in list", kiso_buf_cstr(&b));

	kiso_buf_release(&b);
	return rc;
}

static int l_count(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		   struct margs *m)
{
	struct kiso_value *x = arg(m, 0, NULL);
	int64_t c = 0;

	for (size_t i = 0; i < obj->u.list.len; i++)
		c += kiso_value_equal(obj->u.list.items[i], x);
	ret(out, kiso_int(st->a, c, KISO_POS_NONE));
	return 0;
}

static int mutable_check(struct rstate *st, uint32_t off, struct kiso_value *obj, const char *name)
{
	if (obj->flags & TMPL_VF_TUPLE)
		return tmpl_err(st, KISO_EFAIL, off, "'tuple' object has no attribute '%s'", name);
	if (!(obj->flags & TMPL_VF_OWNED))
		return tmpl_err(st, KISO_EFAIL, off,
				"cannot change a variable in place with %s() (kiso variables are "
				"immutable; build a new value with '+' or filters)", name);
	return 0;
}

static int l_append(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		    struct margs *m)
{
	if (mutable_check(st, off, obj, m->name))
		return -1;
	if (obj->u.list.len >= tmpl_limits.max_items)
		return tmpl_err(st, KISO_EFAIL, off, "list too long");
	if (!strcmp(m->name, "append")) {
		kiso_list_push(st->a, obj, arg(m, 0, NULL));
	} else {
		struct ev e = { .kind = EV_VAL, .v = arg(m, 0, NULL) };
		struct kiso_value *items;
		int rc = tmpl_iterate(&items, st, off, &e);

		if (rc)
			return rc;
		if (obj->u.list.len + items->u.list.len > tmpl_limits.max_items)
			return tmpl_err(st, KISO_EFAIL, off, "list too long");
		size_t cnt = items->u.list.len;

		for (size_t i = 0; i < cnt; i++)
			kiso_list_push(st->a, obj, items->u.list.items[i]);
	}
	ret(out, kiso_null(st->a, KISO_POS_NONE));
	return 0;
}

static int l_copy(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		  struct margs *m)
{
	struct kiso_value *c;

	if (obj->type == KISO_LIST) {
		c = mklist(st);
		for (size_t i = 0; i < obj->u.list.len; i++)
			kiso_list_push(st->a, c, obj->u.list.items[i]);
	} else {
		c = kiso_map_new(st->a, KISO_POS_NONE);
		c->flags |= TMPL_VF_OWNED;
		for (size_t i = 0; i < obj->u.map.len; i++)
			kiso_map_setv(st->a, c, obj->u.map.items[i].key, obj->u.map.items[i].val);
	}
	ret(out, c);
	return 0;
}

/* ---- dict ---- */

static int d_items(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		   struct margs *m)
{
	struct kiso_value *l = mklist(st);
	int which = m->name[0] == 'i' ? 0 : m->name[0] == 'k' ? 1 : 2;

	for (size_t i = 0; i < obj->u.map.len; i++) {
		const struct kiso_mapent *e = &obj->u.map.items[i];

		if (which == 0) {
			struct kiso_value *p = kiso_list_new(st->a, KISO_POS_NONE);

			p->flags |= TMPL_VF_TUPLE;
			kiso_list_push(st->a, p, e->key);
			kiso_list_push(st->a, p, e->val);
			kiso_list_push(st->a, l, p);
		} else {
			kiso_list_push(st->a, l, which == 1 ? e->key : e->val);
		}
	}
	ret(out, l);
	return 0;
}

static int d_get(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		 struct margs *m)
{
	struct kiso_value *k = arg(m, 0, NULL), *d = arg(m, 1, NULL);
	struct kiso_value *v = kiso_map_getv(obj, k);

	ret(out, v ? v : d ? d : kiso_null(st->a, KISO_POS_NONE));
	return 0;
}

static int d_update(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		    struct margs *m)
{
	struct kiso_value *o = arg(m, 0, NULL);

	if (mutable_check(st, off, obj, "update"))
		return -1;
	if (o) {
		if (o->type != KISO_MAP)
			return tmpl_err(st, KISO_EFAIL, off, "dict.update() argument must be a dict");
		for (size_t i = 0; i < o->u.map.len; i++)
			kiso_map_setv(st->a, obj, o->u.map.items[i].key, o->u.map.items[i].val);
	}
	for (size_t i = 0; i < m->nkw; i++)
		kiso_map_set(st->a, obj, m->kwn[i], m->kwv[i]);
	ret(out, kiso_null(st->a, KISO_POS_NONE));
	return 0;
}

static const struct method methods[] = {
	{ KISO_STR, "split", s_split, 0, 2 },
	{ KISO_STR, "rsplit", s_rsplit, 0, 2 },
	{ KISO_STR, "strip", s_strip, 0, 1 },
	{ KISO_STR, "lstrip", s_lstrip, 0, 1 },
	{ KISO_STR, "rstrip", s_rstrip, 0, 1 },
	{ KISO_STR, "startswith", s_startswith, 1, 1 },
	{ KISO_STR, "endswith", s_endswith, 1, 1 },
	{ KISO_STR, "lower", s_lower, 0, 0 },
	{ KISO_STR, "casefold", s_lower, 0, 0 },
	{ KISO_STR, "upper", s_upper, 0, 0 },
	{ KISO_STR, "swapcase", s_swapcase, 0, 0 },
	{ KISO_STR, "title", s_title, 0, 0 },
	{ KISO_STR, "capitalize", s_capitalize, 0, 0 },
	{ KISO_STR, "replace", s_replace, 2, 3 },
	{ KISO_STR, "join", s_join, 1, 1 },
	{ KISO_STR, "format", s_format, 0, 1000 },
	{ KISO_STR, "count", s_search, 1, 1 },
	{ KISO_STR, "find", s_search, 1, 1 },
	{ KISO_STR, "index", s_search, 1, 1 },
	{ KISO_STR, "rfind", s_search, 1, 1 },
	{ KISO_STR, "rindex", s_search, 1, 1 },
	{ KISO_STR, "splitlines", s_splitlines, 0, 1 },
	{ KISO_STR, "isdigit", s_is, 0, 0 },
	{ KISO_STR, "isnumeric", s_is, 0, 0 },
	{ KISO_STR, "isdecimal", s_is, 0, 0 },
	{ KISO_STR, "isalpha", s_is, 0, 0 },
	{ KISO_STR, "isalnum", s_is, 0, 0 },
	{ KISO_STR, "isspace", s_is, 0, 0 },
	{ KISO_STR, "islower", s_is, 0, 0 },
	{ KISO_STR, "isupper", s_is, 0, 0 },
	{ KISO_STR, "isidentifier", s_is, 0, 0 },
	{ KISO_STR, "center", s_pad, 1, 2 },
	{ KISO_STR, "ljust", s_pad, 1, 2 },
	{ KISO_STR, "rjust", s_pad, 1, 2 },
	{ KISO_STR, "zfill", s_pad, 1, 1 },
	{ KISO_STR, "partition", s_partition, 1, 1 },
	{ KISO_STR, "rpartition", s_partition, 1, 1 },
	{ KISO_LIST, "index", l_index, 1, 1 },
	{ KISO_LIST, "count", l_count, 1, 1 },
	{ KISO_LIST, "append", l_append, 1, 1 },
	{ KISO_LIST, "extend", l_append, 1, 1 },
	{ KISO_LIST, "copy", l_copy, 0, 0 },
	{ KISO_MAP, "items", d_items, 0, 0 },
	{ KISO_MAP, "keys", d_items, 0, 0 },
	{ KISO_MAP, "values", d_items, 0, 0 },
	{ KISO_MAP, "get", d_get, 1, 2 },
	{ KISO_MAP, "copy", l_copy, 0, 0 },
	{ KISO_MAP, "update", d_update, 0, 1 },
};

static const struct method *find(const struct kiso_value *obj, const char *name)
{
	for (size_t i = 0; i < KISO_ARRAY_SIZE(methods); i++)
		if (methods[i].type == obj->type && !strcmp(methods[i].name, name))
			return &methods[i];
	return NULL;
}

bool tmpl_method_exists(const struct kiso_value *obj, const char *name)
{
	return find(obj, name) != NULL;
}

int tmpl_method_call(struct ev *out, struct rstate *st, uint32_t off, struct kiso_value *obj,
		     const char *name, struct kiso_value **args, size_t nargs,
		     const char *const *kwn, struct kiso_value **kwv, size_t nkw)
{
	const struct method *me = find(obj, name);

	if (!me)
		return 1;
	if ((int)nargs < me->min && !(me->fn == d_update)) {
		/* keyword forms count as positional for the ones that accept them */
		if ((int)(nargs + nkw) < me->min)
			return tmpl_err(st, KISO_EFAIL, off,
					"%s.%s() takes at least %d argument%s (%zu given)",
					kiso_value_type_name(obj), name, me->min, me->min == 1 ? "" : "s",
					nargs);
	}
	if ((int)nargs > me->max)
		return tmpl_err(st, KISO_EFAIL, off, "%s.%s() takes at most %d argument%s (%zu given)",
				kiso_value_type_name(obj), name, me->max, me->max == 1 ? "" : "s", nargs);
	struct margs m = { args, nargs, kwn, kwv, nkw, name };

	if (me->min > 0 && !arg(&m, 0, NULL) && me->fn != s_split && me->fn != s_rsplit)
		return tmpl_err(st, KISO_EFAIL, off, "%s.%s() missing required argument",
				kiso_value_type_name(obj), name);
	int rc = me->fn(out, st, off, obj, &m);

	return rc < 0 ? (st->err->code ? st->err->code : rc) : rc;
}
