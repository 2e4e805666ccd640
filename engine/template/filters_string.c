/*
 * template/filters_string.c - filters on text: case, trimming, replacing,
 * padding and indenting, Python %-formatting, shell quoting, comments,
 * paths, URL encoding, dates, HTML escaping and UUIDs. Non-string inputs
 * are turned into text with Python's str() first, as Jinja2's soft_str()
 * and Ansible's to_text() do.
 */
#include "kiso_common.h"

#include <math.h>
#include <openssl/evp.h>
#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "template/filters.h"
#include "regex.h"

#define BIND(fn, ...)                                                                    \
	static const char *const bind_names[] = { __VA_ARGS__ };                         \
	struct kiso_value *a[KISO_ARRAY_SIZE(bind_names)];                               \
	int rc_ = kiso_fbind(c, fn, bind_names, KISO_ARRAY_SIZE(bind_names), a);          \
	if (rc_ < 0)                                                                     \
		return rc_

#define BIND0(fn)                                                                        \
	int rc_ = kiso_fbind(c, fn, NULL, 0, NULL);                                      \
	if (rc_ < 0)                                                                     \
		return rc_

/* ---- case ---- */

enum casemode { LOWER, UPPER, CAPITALIZE, TITLE };

static bool title_sep(uint32_t cp)
{
	return cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || kiso_cp_space(cp);
}

static struct kiso_value *recase(struct kiso_tmpl_call *c, const char *s, size_t n,
				 enum casemode mode)
{
	struct kiso_buf b = KISO_BUF_INIT;
	size_t i = 0;
	bool start = true;

	while (i < n) {
		size_t from = i;
		uint32_t cp = kiso_utf8_next(s, n, &i);

		if (cp == 0xdf && (mode == UPPER || ((mode == CAPITALIZE && from == 0) ||
						      (mode == TITLE && start)))) {
			/* Python's full case mapping: 'ß'.upper() is 'SS' (Jinja2's title
			 * upper()s the first letter), 'ß'.capitalize() is 'Ss' */
			kiso_buf_puts(&b, mode == CAPITALIZE ? "Ss" : "SS");
			start = false;
		} else if (cp < 0x80 || i - from > 1) {
			uint32_t r = cp;

			switch (mode) {
			case LOWER:
				r = kiso_cp_lower(cp);
				break;
			case UPPER:
				r = kiso_cp_upper(cp);
				break;
			case CAPITALIZE:
				r = from == 0 ? kiso_cp_upper(cp) : kiso_cp_lower(cp);
				break;
			case TITLE:
				r = start ? kiso_cp_upper(cp) : kiso_cp_lower(cp);
				start = title_sep(cp);
				break;
			}
			kiso_utf8_put(&b, r);
		} else {
			kiso_buf_add(&b, s + from, i - from);   /* invalid byte: as is */
			start = false;
		}
	}
	return kiso_fbufstr(c, &b);
}

static int case_filter(struct kiso_value **out, struct kiso_tmpl_call *c, const char *fn,
		       enum casemode mode)
{
	const char *s;
	size_t n;
	int rc = kiso_fbind(c, fn, NULL, 0, NULL);

	if (rc < 0)
		return rc;
	s = kiso_fstr(c, c->input, &n);
	*out = recase(c, s, n, mode);
	return 0;
}

static int f_lower(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return case_filter(out, c, "lower", LOWER);
}

static int f_upper(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return case_filter(out, c, "upper", UPPER);
}

static int f_capitalize(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return case_filter(out, c, "capitalize", CAPITALIZE);
}

static int f_title(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return case_filter(out, c, "title", TITLE);
}

/* ---- trim, replace, center, indent, truncate, wordcount ---- */

/* Is code point cp among the characters of 'set' (Python's strip(chars)). */
static bool in_set(const char *set, size_t n, uint32_t cp)
{
	size_t i = 0;

	while (i < n)
		if (kiso_utf8_next(set, n, &i) == cp)
			return true;
	return false;
}

static int f_trim(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	const char *s, *set = NULL;
	size_t n, nset = 0, i = 0, start, end;
	BIND("trim", "chars");

	s = kiso_fstr(c, c->input, &n);
	if (a[0] && a[0]->type != KISO_NULL)
		set = kiso_fstr(c, a[0], &nset);
	/* leading */
	for (;;) {
		size_t j = i;
		uint32_t cp;

		if (i >= n)
			break;
		cp = kiso_utf8_next(s, n, &j);
		if (set ? !in_set(set, nset, cp) : !kiso_cp_space(cp))
			break;
		i = j;
	}
	start = i;
	end = start;
	while (i < n) {
		uint32_t cp = kiso_utf8_next(s, n, &i);

		if (set ? !in_set(set, nset, cp) : !kiso_cp_space(cp))
			end = i;
	}
	*out = kiso_fnewstr(c, s + start, end - start);
	return 0;
}

/* Python's str.replace(old, new, count) (count < 0: all). */
static struct kiso_value *replace(struct kiso_tmpl_call *c, const char *s, size_t n,
				  const char *old, size_t nold, const char *new, size_t nnew,
				  int64_t count)
{
	struct kiso_buf b = KISO_BUF_INIT;
	size_t i = 0;
	int64_t done = 0;

	if (nold == 0) {
		/* between every character, and at both ends */
		while (count < 0 || done < count) {
			size_t from = i;

			kiso_buf_add(&b, new, nnew);
			done++;
			if (i >= n)
				break;
			kiso_utf8_next(s, n, &i);
			kiso_buf_add(&b, s + from, i - from);
		}
		kiso_buf_add(&b, s + i, n - i);
		return kiso_fbufstr(c, &b);
	}
	while (i < n && (count < 0 || done < count)) {
		const char *hit = memmem(s + i, n - i, old, nold);

		if (!hit)
			break;
		kiso_buf_add(&b, s + i, (size_t)(hit - (s + i)));
		kiso_buf_add(&b, new, nnew);
		i = (size_t)(hit - s) + nold;
		done++;
	}
	kiso_buf_add(&b, s + i, n - i);
	return kiso_fbufstr(c, &b);
}

static int f_replace(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	const char *s, *old, *new;
	size_t n, nold, nnew;
	int64_t count = -1;
	int rc;
	BIND("replace", "old", "new", "count");

	if (!a[0] || !a[1])
		return kiso_ftypeerr(c, "do_replace() missing required argument: '%s'",
				     a[0] ? "new" : "old");
	if (a[2] && a[2]->type != KISO_NULL && (rc = kiso_fint(&count, c, a[2], "count")) < 0)
		return rc;
	s = kiso_fstr(c, c->input, &n);
	old = kiso_fstr(c, a[0], &nold);
	new = kiso_fstr(c, a[1], &nnew);
	*out = replace(c, s, n, old, nold, new, nnew, count);
	return 0;
}

static int f_center(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;
	size_t n, len;
	int64_t width = 80, marg, left;
	int rc;
	BIND("center", "width");

	if (a[0] && (rc = kiso_fint(&width, c, a[0], "width")) < 0)
		return rc;
	s = kiso_fstr(c, c->input, &n);
	len = kiso_utf8_count(s, n);
	if ((int64_t)len >= width || width > 1 << 20) {
		*out = kiso_fnewstr(c, s, n);
		return 0;
	}
	marg = width - (int64_t)len;
	left = marg / 2 + (marg & width & 1);
	for (int64_t i = 0; i < left; i++)
		kiso_buf_putc(&b, ' ');
	kiso_buf_add(&b, s, n);
	for (int64_t i = 0; i < marg - left; i++)
		kiso_buf_putc(&b, ' ');
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* Python's str.splitlines() boundaries (\n, \r\n, \r, \v, \f, \x1c-\x1e, ...). */
static size_t line_break(const char *s, size_t n, size_t i, size_t *brlen)
{
	while (i < n) {
		size_t j = i;
		uint32_t cp = kiso_utf8_next(s, n, &j);

		if (cp == '\r' && j < n && s[j] == '\n') {
			*brlen = 2;
			return i;
		}
		if (cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || (cp >= 0x1c && cp <= 0x1e) ||
		    cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
			*brlen = j - i;
			return i;
		}
		i = j;
	}
	*brlen = 0;
	return n;
}

static int f_indent(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT, ind = KISO_BUF_INIT;
	const char *s;
	size_t n, i = 0;
	bool first, blank, first_line = true;
	BIND("indent", "width", "first", "blank");

	if (a[0] && a[0]->type == KISO_STR) {
		kiso_buf_add(&ind, a[0]->u.s.ptr, a[0]->u.s.len);
	} else {
		int64_t w = 4;
		int rc;

		if (a[0] && (rc = kiso_fint(&w, c, a[0], "width")) < 0)
			return rc;
		for (int64_t k = 0; k < w && k < 4096; k++)
			kiso_buf_putc(&ind, ' ');
	}
	first = kiso_fbool(a[1], false);
	blank = kiso_fbool(a[2], false);
	s = kiso_fstr(c, c->input, &n);
	/* Jinja2 appends "\n" and joins s.splitlines() with "\n" + indent */
	while (i <= n) {
		size_t br, e = line_break(s, n, i, &br);
		bool empty = e == i;

		if (!first_line) {
			kiso_buf_putc(&b, '\n');
			if (blank || !empty)
				kiso_buf_add(&b, kiso_buf_cstr(&ind), ind.len);
		} else if (first) {
			kiso_buf_add(&b, kiso_buf_cstr(&ind), ind.len);
		}
		kiso_buf_add(&b, s + i, e - i);
		first_line = false;
		if (e == n)
			break;
		i = e + br;
	}
	kiso_buf_release(&ind);
	*out = kiso_fbufstr(c, &b);
	return 0;
}

static int f_truncate(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	const char *s, *end = "...";
	size_t n, len, nend = 3, cut;
	int64_t length = 255, leeway = 5;
	int rc;
	BIND("truncate", "length", "killwords", "end", "leeway");

	if (a[0] && (rc = kiso_fint(&length, c, a[0], "length")) < 0)
		return rc;
	if (a[2])
		end = kiso_fstr(c, a[2], &nend);
	if (a[3] && a[3]->type != KISO_NULL && (rc = kiso_fint(&leeway, c, a[3], "leeway")) < 0)
		return rc;
	if (length < (int64_t)kiso_utf8_count(end, nend))
		return kiso_ferr(c, "expected length >= %zu, got %lld", kiso_utf8_count(end, nend),
				 (long long)length);
	if (leeway < 0)
		return kiso_ferr(c, "expected leeway >= 0, got %lld", (long long)leeway);
	s = kiso_fstr(c, c->input, &n);
	len = kiso_utf8_count(s, n);
	if ((int64_t)len - leeway <= length) {
		*out = c->input->type == KISO_STR ? c->input : kiso_fnewstr(c, s, n);
		return 0;
	}
	cut = kiso_utf8_offset(s, n, (size_t)length - kiso_utf8_count(end, nend));
	if (!kiso_fbool(a[1], false)) {
		/* rsplit(" ", 1)[0] */
		for (size_t k = cut; k > 0; k--)
			if (s[k - 1] == ' ') {
				cut = k - 1;
				break;
			}
	}
	{
		struct kiso_buf b = KISO_BUF_INIT;

		kiso_buf_add(&b, s, cut);
		kiso_buf_add(&b, end, nend);
		*out = kiso_fbufstr(c, &b);
	}
	return 0;
}

static int f_wordcount(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_regex *re;
	struct kiso_value *l;
	const char *s;
	size_t n;
	int rc;
	BIND0("wordcount");

	s = kiso_fstr(c, c->input, &n);
	if ((rc = kiso_regex_compile(&re, "\\w+", 3, 0, c->err)) < 0)
		return rc;
	rc = kiso_regex_findall(&l, c->arena, re, s, n, c->err);
	kiso_regex_free(re);
	if (rc < 0)
		return rc;
	*out = kiso_int(c->arena, (int64_t)l->u.list.len, c->pos);
	return 0;
}

/* ---- split ---- */

static int f_split(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l;
	const char *s, *sep = NULL;
	size_t n, nsep = 0, i = 0;
	int64_t max = -1, done = 0;
	int rc;
	BIND("split", "sep", "maxsplit");

	if (c->input->type != KISO_STR)
		return kiso_ftypeerr(c, "descriptor 'split' for 'str' objects doesn't apply to a "
					"'%s' object",
				     kiso_value_type_name(c->input));
	if (a[0] && a[0]->type != KISO_NULL) {
		if (a[0]->type != KISO_STR)
			return kiso_ftypeerr(c, "must be str or None, not %s",
					     kiso_value_type_name(a[0]));
		sep = a[0]->u.s.ptr;
		nsep = a[0]->u.s.len;
		if (nsep == 0)
			return kiso_ferr(c, "empty separator");
	}
	if (a[1] && (rc = kiso_fint(&max, c, a[1], "maxsplit")) < 0)
		return rc;
	s = c->input->u.s.ptr;
	n = c->input->u.s.len;
	l = kiso_list_new(c->arena, c->pos);
	if (sep) {
		for (;;) {
			const char *hit = (max < 0 || done < max) ? memmem(s + i, n - i, sep, nsep)
								   : NULL;

			if (!hit) {
				kiso_list_push(c->arena, l, kiso_fnewstr(c, s + i, n - i));
				break;
			}
			kiso_list_push(c->arena, l, kiso_fnewstr(c, s + i, (size_t)(hit - (s + i))));
			i = (size_t)(hit - s) + nsep;
			done++;
		}
		*out = l;
		return 0;
	}
	/* whitespace runs */
	for (;;) {
		size_t start, j;

		while (i < n) {
			j = i;
			if (!kiso_cp_space(kiso_utf8_next(s, n, &j)))
				break;
			i = j;
		}
		if (i >= n)
			break;
		start = i;
		if (max >= 0 && done >= max) {
			/* the rest as it is (trailing whitespace kept, as Python) */
			kiso_list_push(c->arena, l, kiso_fnewstr(c, s + start, n - start));
			break;
		}
		while (i < n) {
			j = i;
			if (kiso_cp_space(kiso_utf8_next(s, n, &j)))
				break;
			i = j;
		}
		kiso_list_push(c->arena, l, kiso_fnewstr(c, s + start, i - start));
		done++;
	}
	*out = l;
	return 0;
}

/* ---- format: Python's printf-style % operator ---- */

struct spec {
	bool left, plus, space, alt, zero;
	int64_t width;          /* -1: none */
	int64_t prec;           /* -1: none */
	char conv;
};

static void pad_out(struct kiso_buf *b, const struct spec *sp, const char *body, size_t n,
		    size_t chars)
{
	int64_t pad = sp->width > (int64_t)chars ? sp->width - (int64_t)chars : 0;

	if (!sp->left)
		for (int64_t i = 0; i < pad; i++)
			kiso_buf_putc(b, ' ');
	kiso_buf_add(b, body, n);
	if (sp->left)
		for (int64_t i = 0; i < pad; i++)
			kiso_buf_putc(b, ' ');
}

static int fmt_int(struct kiso_buf *b, struct kiso_tmpl_call *c, const struct spec *sp,
		   const struct kiso_value *v)
{
	char digits[80], body[256];
	const char *prefix = "";
	uint64_t mag;
	int64_t i;
	bool neg;
	size_t nd, k = 0;
	int base = sp->conv == 'o' ? 8 : (sp->conv == 'x' || sp->conv == 'X') ? 16 : 10;

	if (v->type == KISO_INT || v->type == KISO_BOOL) {
		i = v->type == KISO_INT ? v->u.i : v->u.b;
	} else if (v->type == KISO_FLOAT && base == 10) {
		if (!isfinite(v->u.f))
			return kiso_ferr(c, "cannot convert float %s to integer",
					 v->u.f != v->u.f ? "NaN" : "infinity");
		i = (int64_t)v->u.f;
	} else if (base == 10) {
		return kiso_ftypeerr(c, "%%%c format: a real number is required, not %s", sp->conv,
				     kiso_value_type_name(v));
	} else {
		return kiso_ftypeerr(c, "%%%c format: an integer is required, not %s", sp->conv,
				     kiso_value_type_name(v));
	}
	neg = i < 0;
	mag = neg ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	snprintf(digits, sizeof(digits), base == 8 ? "%llo" : base == 16 ? "%llx" : "%llu",
		 (unsigned long long)mag);
	if (sp->conv == 'X')
		for (char *p = digits; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 32);
	if (sp->alt && base == 8)
		prefix = "0o";
	else if (sp->alt && base == 16)
		prefix = sp->conv == 'X' ? "0X" : "0x";
	nd = strlen(digits);
	if (neg)
		body[k++] = '-';
	else if (sp->plus)
		body[k++] = '+';
	else if (sp->space)
		body[k++] = ' ';
	k += (size_t)snprintf(body + k, sizeof(body) - k, "%s", prefix);
	{
		int64_t zeros = 0;

		if (sp->prec > (int64_t)nd)
			zeros = sp->prec - (int64_t)nd;
		if (sp->zero && !sp->left && sp->width > (int64_t)(k + nd + (size_t)zeros))
			zeros = sp->width - (int64_t)(k + nd);
		for (int64_t z = 0; z < zeros && k < sizeof(body) - 80; z++)
			body[k++] = '0';
	}
	memcpy(body + k, digits, nd);
	k += nd;
	pad_out(b, sp, body, k, k);
	return 0;
}

/* The format is built from validated flags: a literal cannot express it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int fmt_float(struct kiso_buf *b, struct kiso_tmpl_call *c, const struct spec *sp,
		     const struct kiso_value *v)
{
	char fmt[32], body[512];
	double f;
	size_t k = 0;
	int n;

	if (v->type == KISO_FLOAT)
		f = v->u.f;
	else if (v->type == KISO_INT)
		f = (double)v->u.i;
	else if (v->type == KISO_BOOL)
		f = v->u.b;
	else
		return kiso_ftypeerr(c, "must be real number, not %s", kiso_value_type_name(v));
	fmt[k++] = '%';
	if (sp->left)
		fmt[k++] = '-';
	if (sp->plus)
		fmt[k++] = '+';
	if (sp->space)
		fmt[k++] = ' ';
	if (sp->alt)
		fmt[k++] = '#';
	if (sp->zero)
		fmt[k++] = '0';
	fmt[k++] = '*';
	fmt[k++] = '.';
	fmt[k++] = '*';
	fmt[k++] = sp->conv;
	fmt[k] = '\0';
	n = snprintf(body, sizeof(body), fmt, (int)(sp->width < 0 ? 0 : sp->width > 400 ? 400 : sp->width),
		     (int)(sp->prec < 0 ? 6 : sp->prec > 100 ? 100 : sp->prec), f);
	if (n < 0)
		return kiso_ferr(c, "cannot format %g", f);
	kiso_buf_add(b, body, (size_t)n < sizeof(body) ? (size_t)n : sizeof(body) - 1);
	return 0;
}

#pragma GCC diagnostic pop

static int fmt_one(struct kiso_buf *b, struct kiso_tmpl_call *c, const struct spec *sp,
		   const struct kiso_value *v)
{
	const char *s;
	size_t n, chars;

	switch (sp->conv) {
	case 's':
	case 'r':
	case 'a':
		s = sp->conv == 's' ? kiso_fstr(c, v, &n) : kiso_frepr(c, v);
		if (sp->conv != 's')
			n = strlen(s);
		chars = kiso_utf8_count(s, n);
		if (sp->prec >= 0 && (size_t)sp->prec < chars) {
			n = kiso_utf8_offset(s, n, (size_t)sp->prec);
			chars = (size_t)sp->prec;
		}
		pad_out(b, sp, s, n, chars);
		return 0;
	case 'd':
	case 'i':
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		return fmt_int(b, c, sp, v);
	case 'e':
	case 'E':
	case 'f':
	case 'F':
	case 'g':
	case 'G':
		return fmt_float(b, c, sp, v);
	case 'c': {
		struct kiso_buf ch = KISO_BUF_INIT;

		if (v->type == KISO_INT && v->u.i >= 0 && v->u.i <= 0x10ffff) {
			kiso_utf8_put(&ch, (uint32_t)v->u.i);
		} else if (v->type == KISO_STR && kiso_utf8_count(v->u.s.ptr, v->u.s.len) == 1) {
			kiso_buf_add(&ch, v->u.s.ptr, v->u.s.len);
		} else {
			kiso_buf_release(&ch);
			return kiso_ftypeerr(c, "%%c requires int or char");
		}
		pad_out(b, sp, kiso_buf_cstr(&ch), ch.len, 1);
		kiso_buf_release(&ch);
		return 0;
	}
	default:
		return kiso_ferr(c, "unsupported format character '%c' (0x%x)", sp->conv,
				 (unsigned char)sp->conv);
	}
}

/* Python's 'fmt % args' where args is a tuple, or a mapping when 'map'. */
static int py_format(struct kiso_buf *b, struct kiso_tmpl_call *c, const char *f, size_t n,
		     struct kiso_value **args, size_t nargs, const struct kiso_value *map)
{
	size_t i = 0, next = 0;
	bool used_map = false;

	while (i < n) {
		struct spec sp = { false, false, false, false, false, -1, -1, 0 };
		const struct kiso_value *v = NULL;
		const char *pct = memchr(f + i, '%', n - i);
		int rc;

		if (!pct) {
			kiso_buf_add(b, f + i, n - i);
			break;
		}
		kiso_buf_add(b, f + i, (size_t)(pct - (f + i)));
		i = (size_t)(pct - f) + 1;
		if (i < n && f[i] == '(') {
			size_t depth = 1, k = i + 1;

			while (k < n && depth) {
				if (f[k] == '(')
					depth++;
				else if (f[k] == ')')
					depth--;
				k++;
			}
			if (depth)
				return kiso_ferr(c, "incomplete format key");
			if (!map)
				return kiso_ftypeerr(c, "format requires a mapping");
			{
				char *key = kiso_arena_strndup(c->arena, f + i + 1, k - i - 2);

				v = kiso_map_get(map, key);
				if (!v)
					return kiso_ferr(c, "'%s'", key);
			}
			used_map = true;
			i = k;
		}
		for (; i < n && strchr("-+ #0", f[i]) && f[i]; i++) {
			switch (f[i]) {
			case '-': sp.left = true; break;
			case '+': sp.plus = true; break;
			case ' ': sp.space = true; break;
			case '#': sp.alt = true; break;
			default: sp.zero = true; break;
			}
		}
		if (i < n && f[i] == '*') {
			int64_t w;

			i++;
			if (map || next >= nargs)
				return kiso_ftypeerr(c, "not enough arguments for format string");
			if (args[next]->type != KISO_INT)
				return kiso_ftypeerr(c, "* wants int");
			w = args[next++]->u.i;
			if (w < -100000 || w > 100000)
				return kiso_ferr(c, "width too big");
			if (w < 0) {
				sp.left = true;
				w = -w;
			}
			sp.width = w;
		} else {
			for (; i < n && f[i] >= '0' && f[i] <= '9'; i++)
				if (sp.width <= 1000000)
					sp.width = (sp.width < 0 ? 0 : sp.width) * 10 + (f[i] - '0');
		}
		if (i < n && f[i] == '.') {
			i++;
			sp.prec = 0;
			if (i < n && f[i] == '*') {
				i++;
				if (map || next >= nargs)
					return kiso_ftypeerr(c, "not enough arguments for format string");
				if (args[next]->type != KISO_INT)
					return kiso_ftypeerr(c, "* wants int");
				sp.prec = args[next++]->u.i;
				if (sp.prec < 0)
					sp.prec = 0;
			} else {
				for (; i < n && f[i] >= '0' && f[i] <= '9'; i++)
					if (sp.prec <= 1000000)
						sp.prec = sp.prec * 10 + (f[i] - '0');
			}
		}
		if (sp.width > 100000 || sp.prec > 100000)
			return kiso_ferr(c, "width too big");
		while (i < n && (f[i] == 'h' || f[i] == 'l' || f[i] == 'L'))
			i++;
		if (i >= n)
			return kiso_ferr(c, "incomplete format");
		sp.conv = f[i++];
		if (sp.conv == '%') {
			kiso_buf_putc(b, '%');
			continue;
		}
		if (!v) {
			if (map) {
				v = map;        /* '%s' % {'a': 1} formats the dict itself */
				used_map = true;
			} else if (next < nargs) {
				v = args[next++];
			} else {
				return kiso_ftypeerr(c, "not enough arguments for format string");
			}
		}
		if ((rc = fmt_one(b, c, &sp, v)) < 0)
			return rc;
	}
	(void)used_map;
	if (!map && next < nargs)
		return kiso_ftypeerr(c, "not all arguments converted during string formatting");
	return 0;
}

static int f_format(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value *map = NULL;
	const char *f;
	size_t n;
	int rc;

	if (c->nargs && c->nkwargs)
		return kiso_ferr(c, "can't handle positional and keyword arguments at the same time");
	if (c->nkwargs) {
		map = kiso_map_new(c->arena, c->pos);
		for (size_t k = 0; k < c->nkwargs; k++)
			kiso_map_set(c->arena, map, c->kwnames[k], c->kwargs[k]);
	}
	f = kiso_fstr(c, c->input, &n);
	if ((rc = py_format(&b, c, f, n, c->args, c->nargs, map)) < 0) {
		kiso_buf_release(&b);
		return rc;
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* ---- quote, comment ---- */

static int f_quote(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;
	size_t n;
	bool safe = true;
	BIND0("quote");

	if (c->input->type == KISO_NULL) {
		s = "";
		n = 0;
	} else {
		s = kiso_fstr(c, c->input, &n);
	}
	if (n == 0) {
		*out = kiso_str(c->arena, "''", c->pos);
		return 0;
	}
	for (size_t i = 0; i < n && safe; i++) {
		unsigned char ch = (unsigned char)s[i];

		safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		       (ch >= '0' && ch <= '9') || (ch && strchr("_@%+=:,./-", ch));
	}
	if (safe) {
		*out = kiso_fnewstr(c, s, n);
		return 0;
	}
	kiso_buf_putc(&b, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'')
			kiso_buf_puts(&b, "'\"'\"'");
		else
			kiso_buf_add(&b, s + i, 1);
	}
	kiso_buf_putc(&b, '\'');
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* Ansible's comment filter, parameter for parameter. */
static int f_comment(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	static const struct {
		const char *name, *beginning, *decoration, *end;
	} styles[] = {
		{ "plain", "", "# ", "" },      { "erlang", "", "% ", "" },
		{ "c", "", "// ", "" },         { "cblock", "/*", " * ", " */" },
		{ "xml", "<!--", " - ", "-->" },
	};
	const char *style = "plain", *newline = "\n", *beginning, *decoration, *end, *text;
	const char *prefix, *postfix;
	int64_t prefix_count = 1, postfix_count = 1;
	size_t si, ntext;
	struct kiso_buf b = KISO_BUF_INIT, deco = KISO_BUF_INIT, t = KISO_BUF_INIT;
	char *rdeco;
	size_t k;
	int rc;

	if (c->nargs > 1)
		return kiso_ftypeerr(c, "comment() takes from 1 to 2 positional arguments but %zu "
					"were given",
				     c->nargs + 1);
	if (c->nargs)
		style = kiso_fstr(c, c->args[0], NULL);
	for (si = 0; si < KISO_ARRAY_SIZE(styles); si++)
		if (strcmp(styles[si].name, style) == 0)
			break;
	if (si == KISO_ARRAY_SIZE(styles))
		return kiso_ferr(c, "'%s'", style);
	beginning = styles[si].beginning;
	decoration = styles[si].decoration;
	end = styles[si].end;
	prefix = postfix = NULL;
	for (size_t kw = 0; kw < c->nkwargs; kw++) {
		const char *name = c->kwnames[kw];
		struct kiso_value *v = c->kwargs[kw];

		if (strcmp(name, "decoration") == 0)
			decoration = kiso_fstr(c, v, NULL);
		else if (strcmp(name, "newline") == 0)
			newline = kiso_fstr(c, v, NULL);
		else if (strcmp(name, "beginning") == 0)
			beginning = kiso_fstr(c, v, NULL);
		else if (strcmp(name, "end") == 0)
			end = kiso_fstr(c, v, NULL);
		else if (strcmp(name, "prefix") == 0)
			prefix = kiso_fstr(c, v, NULL);
		else if (strcmp(name, "postfix") == 0)
			postfix = kiso_fstr(c, v, NULL);
		else if (strcmp(name, "prefix_count") == 0) {
			if ((rc = kiso_fint(&prefix_count, c, v, "prefix_count")) < 0)
				return rc;
		} else if (strcmp(name, "postfix_count") == 0) {
			if ((rc = kiso_fint(&postfix_count, c, v, "postfix_count")) < 0)
				return rc;
		}
	}
	/* the decoration of the style (or the keyword), right-stripped, is the
	 * default prefix and postfix; p.update(style) then sets 'decoration'
	 * back to the style's own unless given as a keyword */
	kiso_buf_puts(&deco, decoration);
	while (deco.len && strchr(" \t\n\r\v\f", deco.ptr[deco.len - 1]) &&
			    true)
		deco.ptr[--deco.len] = '\0';
	rdeco = kiso_arena_strdup(c->arena, kiso_buf_cstr(&deco));
	kiso_buf_release(&deco);
	if (!prefix)
		prefix = rdeco;
	if (!postfix)
		postfix = rdeco;
	if (prefix_count < 0)
		prefix_count = 0;
	if (postfix_count < 0)
		postfix_count = 0;
	text = kiso_fstr(c, c->input, &ntext);
	if (*beginning) {
		kiso_buf_puts(&b, beginning);
		kiso_buf_puts(&b, newline);
	}
	if (*prefix) {
		for (int64_t i = 0; i < prefix_count && i < 1000; i++) {
			if (strcmp(prefix, newline) != 0)
				kiso_buf_puts(&b, prefix);
			kiso_buf_puts(&b, newline);
		}
	}
	/* decoration + text with newline -> newline + decoration, then
	 * decoration + newline -> rstrip(decoration) + newline */
	kiso_buf_puts(&t, decoration);
	{
		size_t nl = strlen(newline), i = 0;

		while (i < ntext) {
			if (nl && i + nl <= ntext && memcmp(text + i, newline, nl) == 0) {
				kiso_buf_puts(&t, newline);
				kiso_buf_puts(&t, decoration);
				i += nl;
			} else {
				kiso_buf_add(&t, text + i, 1);
				i++;
			}
		}
	}
	{
		char *from = kiso_arena_sprintf(c->arena, "%s%s", decoration, newline);
		char *rstripped = kiso_arena_strdup(c->arena, decoration);
		size_t rl = strlen(rstripped);
		struct kiso_value *r;

		while (rl && strchr(" \t\n\r\v\f", rstripped[rl - 1]))
			rstripped[--rl] = '\0';
		r = replace(c, kiso_buf_cstr(&t), t.len, from, strlen(from),
			    kiso_arena_sprintf(c->arena, "%s%s", rstripped, newline),
			    rl + strlen(newline), -1);
		kiso_buf_add(&b, r->u.s.ptr, r->u.s.len);
	}
	kiso_buf_release(&t);
	for (k = 0; k < (size_t)postfix_count && k < 1000; k++) {
		kiso_buf_puts(&b, newline);
		kiso_buf_puts(&b, postfix);
	}
	if (*end) {
		kiso_buf_puts(&b, newline);
		kiso_buf_puts(&b, end);
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* ---- paths ---- */

static int f_basename(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	const char *s, *slash;
	size_t n;
	BIND0("basename");

	s = kiso_fstr(c, c->input, &n);
	slash = memrchr(s, '/', n);
	*out = slash ? kiso_fnewstr(c, slash + 1, n - (size_t)(slash + 1 - s)) :
		       kiso_fnewstr(c, s, n);
	return 0;
}

static int f_dirname(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	const char *s, *slash;
	size_t n, h;
	bool all_slash = true;
	BIND0("dirname");

	s = kiso_fstr(c, c->input, &n);
	slash = memrchr(s, '/', n);
	h = slash ? (size_t)(slash - s) + 1 : 0;
	for (size_t i = 0; i < h; i++)
		all_slash = all_slash && s[i] == '/';
	if (h && !all_slash)
		while (h > 0 && s[h - 1] == '/')
			h--;
	*out = kiso_fnewstr(c, s, h);
	return 0;
}

static int f_expanduser(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	const char *s, *home = NULL, *slash;
	size_t n, nuser;
	BIND0("expanduser");

	s = kiso_fstr(c, c->input, &n);
	if (n == 0 || s[0] != '~') {
		*out = kiso_fnewstr(c, s, n);
		return 0;
	}
	slash = memchr(s, '/', n);
	nuser = slash ? (size_t)(slash - s) - 1 : n - 1;
	if (nuser == 0) {
		home = getenv("HOME");
		if (!home) {
			struct passwd *pw = getpwuid(getuid());

			home = pw ? kiso_arena_strdup(c->arena, pw->pw_dir) : NULL;
		}
	} else {
		char *user = kiso_arena_strndup(c->arena, s + 1, nuser);
		struct passwd *pw = getpwnam(user);

		home = pw ? kiso_arena_strdup(c->arena, pw->pw_dir) : NULL;
	}
	if (!home) {
		*out = kiso_fnewstr(c, s, n);
		return 0;
	}
	{
		struct kiso_buf b = KISO_BUF_INIT;
		size_t hl = strlen(home);

		while (hl > 1 && home[hl - 1] == '/')
			hl--;
		kiso_buf_add(&b, home, hl);
		kiso_buf_add(&b, s + 1 + nuser, n - 1 - nuser);
		if (b.len == 0)
			kiso_buf_putc(&b, '/');
		*out = kiso_fbufstr(c, &b);
	}
	return 0;
}

static int f_splitext(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	const char *s, *slash, *dot;
	size_t n, cut;
	struct kiso_value *l;
	BIND0("splitext");

	s = kiso_fstr(c, c->input, &n);
	slash = memrchr(s, '/', n);
	dot = memrchr(s, '.', n);
	cut = n;
	if (dot && (!slash || dot > slash)) {
		for (const char *p = slash ? slash + 1 : s; p < dot; p++)
			if (*p != '.') {
				cut = (size_t)(dot - s);
				break;
			}
	}
	l = kiso_list_new(c->arena, c->pos);
	kiso_list_push(c->arena, l, kiso_fnewstr(c, s, cut));
	kiso_list_push(c->arena, l, kiso_fnewstr(c, s + cut, n - cut));
	*out = kiso_ftuple(l);
	return 0;
}

static int f_path_join(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value *v = c->input;
	BIND0("path_join");

	if (v->type == KISO_STR) {
		*out = v;
		return 0;
	}
	if (v->type != KISO_LIST)
		return kiso_ftypeerr(c, "|path_join expects string or sequence, got <class '%s'> "
					"instead.",
				     kiso_value_type_name(v));
	for (size_t i = 0; i < v->u.list.len; i++) {
		struct kiso_value *p = v->u.list.items[i];

		if (p->type != KISO_STR) {
			kiso_buf_release(&b);
			return kiso_ftypeerr(c, "join() argument must be str, bytes, or os.PathLike "
						"object, not '%s'",
					     kiso_value_type_name(p));
		}
		if (p->u.s.len && p->u.s.ptr[0] == '/')
			kiso_buf_clear(&b);
		else if (b.len && b.ptr[b.len - 1] != '/')
			kiso_buf_putc(&b, '/');
		kiso_buf_add(&b, p->u.s.ptr, p->u.s.len);
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* ---- URLs, dates, HTML ---- */

static void url_quote(struct kiso_buf *b, const char *s, size_t n, bool for_qs)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-' || ch == '~' || (ch == '/' && !for_qs))
			kiso_buf_putc(b, (char)ch);
		else if (ch == ' ' && for_qs)
			kiso_buf_putc(b, '+');
		else
			kiso_buf_printf(b, "%%%02X", ch);
	}
}

static int f_urlencode(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value *v = c->input;
	const char *s;
	size_t n;
	BIND0("urlencode");

	if (v->type == KISO_STR) {
		url_quote(&b, v->u.s.ptr, v->u.s.len, false);
	} else if (v->type == KISO_MAP) {
		for (size_t i = 0; i < v->u.map.len; i++) {
			if (i)
				kiso_buf_putc(&b, '&');
			s = kiso_fstr(c, v->u.map.items[i].key, &n);
			url_quote(&b, s, n, true);
			kiso_buf_putc(&b, '=');
			s = kiso_fstr(c, v->u.map.items[i].val, &n);
			url_quote(&b, s, n, true);
		}
	} else if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++) {
			struct kiso_value *p = v->u.list.items[i];

			if (p->type != KISO_LIST || p->u.list.len != 2) {
				kiso_buf_release(&b);
				return kiso_ferr(c, "too many values to unpack (expected 2)");
			}
			if (i)
				kiso_buf_putc(&b, '&');
			s = kiso_fstr(c, p->u.list.items[0], &n);
			url_quote(&b, s, n, true);
			kiso_buf_putc(&b, '=');
			s = kiso_fstr(c, p->u.list.items[1], &n);
			url_quote(&b, s, n, true);
		}
	} else {
		s = kiso_fstr(c, v, &n);
		url_quote(&b, s, n, false);
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* Python's float() of a string, near enough for an epoch time. */
static bool float_text(double *out, const char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || (*s != '-' && *s != '+' && *s != '.' && (*s < '0' || *s > '9')))
		return false;
	*out = strtod(s, &end);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return *end == '\0';
}

/* strftime() takes the user's format, as Python's time.strftime does. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int f_strftime(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct tm tm;
	time_t t;
	char buf[1024];
	size_t n;
	BIND("strftime", "second", "utc");

	if (a[0] && a[0]->type != KISO_NULL) {
		double sec;

		if (a[0]->type == KISO_INT)
			sec = (double)a[0]->u.i;
		else if (a[0]->type == KISO_FLOAT)
			sec = a[0]->u.f;
		else if (a[0]->type == KISO_STR && float_text(&sec, a[0]->u.s.ptr))
			;
		else
			return kiso_ferr(c, "Invalid value for epoch value (%s)",
					 kiso_fstr(c, a[0], NULL));
		if (!isfinite(sec))
			return kiso_ferr(c, "Invalid value for epoch value (%s)",
					 kiso_fstr(c, a[0], NULL));
		t = (time_t)sec;
	} else {
		t = time(NULL);
	}
	if (kiso_fbool(a[1], false))
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	n = strftime(buf, sizeof(buf), kiso_fstr(c, c->input, NULL), &tm);
	*out = kiso_fnewstr(c, buf, n);
	return 0;
}

#pragma GCC diagnostic pop

static int f_escape(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;
	size_t n;
	BIND0("escape");

	s = kiso_fstr(c, c->input, &n);
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': kiso_buf_puts(&b, "&amp;"); break;
		case '<': kiso_buf_puts(&b, "&lt;"); break;
		case '>': kiso_buf_puts(&b, "&gt;"); break;
		case '"': kiso_buf_puts(&b, "&#34;"); break;
		case '\'': kiso_buf_puts(&b, "&#39;"); break;
		default: kiso_buf_add(&b, s + i, 1); break;
		}
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

static int f_safe(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND0("safe");

	*out = c->input;
	return 0;
}

static int f_filesizeformat(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	static const char *const dec[] = { "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
	static const char *const bin[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB" };
	struct kiso_value *v = c->input;
	double bytes, base, unit = 1;
	bool binary;
	char text[128];
	BIND("filesizeformat", "binary");

	binary = kiso_fbool(a[0], false);
	base = binary ? 1024 : 1000;
	if (v->type == KISO_INT)
		bytes = (double)v->u.i;
	else if (v->type == KISO_FLOAT)
		bytes = v->u.f;
	else if (v->type == KISO_BOOL)
		bytes = v->u.b;
	else if (v->type != KISO_STR || !v->u.s.len ||
		 (bytes = strtod(v->u.s.ptr, NULL), false))
		return kiso_ferr(c, "could not convert string to float: %s", kiso_frepr(c, v));
	if (bytes == 1) {
		*out = kiso_str(c->arena, "1 Byte", c->pos);
		return 0;
	}
	if (bytes < base) {
		snprintf(text, sizeof(text), "%lld Bytes", (long long)bytes);
		*out = kiso_str(c->arena, text, c->pos);
		return 0;
	}
	for (size_t i = 0; i < 8; i++) {
		unit = pow(base, (double)(i + 2));
		if (bytes < unit || i == 7) {
			snprintf(text, sizeof(text), "%.1f %s", base * bytes / unit,
				 binary ? bin[i] : dec[i]);
			break;
		}
	}
	*out = kiso_str(c->arena, text, c->pos);
	return 0;
}

/* Ansible's to_uuid: uuid5 in Ansible's namespace (or the one given). */
static int f_to_uuid(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	unsigned char ns[16] = { 0x36, 0x1e, 0x6d, 0x51, 0xfa, 0xec, 0x44, 0x4a,
				 0x90, 0x79, 0x34, 0x13, 0x86, 0xda, 0x8e, 0x2e };
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	EVP_MD_CTX *md;
	const char *s;
	size_t n;
	char text[40];
	BIND("to_uuid", "namespace");

	if (a[0]) {
		const char *t = kiso_fstr(c, a[0], NULL);
		size_t k = 0;

		for (const char *p = t; *p; p++) {
			int hv;

			if (*p == '-' || *p == '{' || *p == '}')
				continue;
			if (*p >= '0' && *p <= '9')
				hv = *p - '0';
			else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
				hv = (*p | 0x20) - 'a' + 10;
			else
				k = 99;
			if (k >= 32)
				return kiso_ferr(c, "Invalid value '%s' for 'namespace': badly formed "
						    "hexadecimal UUID string", t);
			if (k % 2 == 0)
				ns[k / 2] = (unsigned char)(hv << 4);
			else
				ns[k / 2] |= (unsigned char)hv;
			k++;
		}
		if (k != 32)
			return kiso_ferr(c, "Invalid value '%s' for 'namespace': badly formed "
					    "hexadecimal UUID string", t);
	}
	s = kiso_fstr(c, c->input, &n);
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha1(), NULL) || !EVP_DigestUpdate(md, ns, 16) ||
	    !EVP_DigestUpdate(md, s, n) || !EVP_DigestFinal_ex(md, dig, &dlen)) {
		EVP_MD_CTX_free(md);
		return kiso_ferr(c, "cannot compute the uuid");
	}
	EVP_MD_CTX_free(md);
	dig[6] = (unsigned char)((dig[6] & 0x0f) | 0x50);
	dig[8] = (unsigned char)((dig[8] & 0x3f) | 0x80);
	snprintf(text, sizeof(text),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", dig[0],
		 dig[1], dig[2], dig[3], dig[4], dig[5], dig[6], dig[7], dig[8], dig[9], dig[10],
		 dig[11], dig[12], dig[13], dig[14], dig[15]);
	*out = kiso_str(c->arena, text, c->pos);
	return 0;
}

/* os.path.expandvars: $NAME and ${NAME} of set variables; others stay. */
static int f_expandvars(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;
	size_t n, i = 0;
	BIND0("expandvars");

	s = kiso_fstr(c, c->input, &n);
	while (i < n) {
		size_t start = i, name, nlen;
		bool brace;
		char *var;
		const char *val;

		if (s[i] != '$') {
			kiso_buf_add(&b, s + i, 1);
			i++;
			continue;
		}
		brace = i + 1 < n && s[i + 1] == '{';
		name = i + 1 + (brace ? 1 : 0);
		nlen = 0;
		while (name + nlen < n && (s[name + nlen] == '_' ||
					   (s[name + nlen] >= 'a' && s[name + nlen] <= 'z') ||
					   (s[name + nlen] >= 'A' && s[name + nlen] <= 'Z') ||
					   (s[name + nlen] >= '0' && s[name + nlen] <= '9') ||
					   (brace && s[name + nlen] != '}')))
			nlen++;
		if (nlen == 0 || (brace && (name + nlen >= n || s[name + nlen] != '}'))) {
			kiso_buf_putc(&b, '$');
			i++;
			continue;
		}
		i = name + nlen + (brace ? 1 : 0);
		var = kiso_arena_strndup(c->arena, s + name, nlen);
		val = NULL;
		if (c->ctx && c->ctx->environ) {
			for (const char *const *e = c->ctx->environ; *e; e++)
				if (strncmp(*e, var, nlen) == 0 && (*e)[nlen] == '=')
					val = *e + nlen + 1;
		} else {
			val = getenv(var);
		}
		if (val)
			kiso_buf_puts(&b, val);
		else
			kiso_buf_add(&b, s + start, i - start);
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* Ansible's fileglob: the regular files matching a glob, on the controller. */
static int f_fileglob(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l;
	glob_t g;
	int rc;
	BIND0("fileglob");

	l = kiso_list_new(c->arena, c->pos);
	memset(&g, 0, sizeof(g));
	rc = glob(kiso_fstr(c, c->input, NULL), GLOB_NOSORT, NULL, &g);
	if (rc == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct stat st;

			if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode))
				kiso_list_push(c->arena, l, kiso_str(c->arena, g.gl_pathv[i], c->pos));
		}
	}
	globfree(&g);
	*out = l;
	return 0;
}

/* HTML entities as Python's html.unescape() reads the common ones. */
static void html_unescape(struct kiso_buf *b, const char *s, size_t n)
{
	static const struct {
		const char *name;
		uint32_t cp;
	} ents[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
		{ "nbsp", 0xa0 }, { "copy", 0xa9 },
	};

	for (size_t i = 0; i < n;) {
		const char *semi;

		if (s[i] != '&' || !(semi = memchr(s + i, ';', n - i)) || semi - (s + i) > 12) {
			kiso_buf_add(b, s + i, 1);
			i++;
			continue;
		}
		{
			size_t len = (size_t)(semi - (s + i)) - 1;
			const char *e = s + i + 1;
			uint32_t cp = 0;
			bool found = false;

			if (len >= 2 && e[0] == '#') {
				char *end;
				unsigned long v = (e[1] == 'x' || e[1] == 'X') ?
					strtoul(e + 2, &end, 16) : strtoul(e + 1, &end, 10);

				found = end == semi && v > 0 && v <= 0x10ffff;
				cp = (uint32_t)v;
			} else {
				for (size_t k = 0; k < KISO_ARRAY_SIZE(ents) && !found; k++)
					if (strlen(ents[k].name) == len && memcmp(ents[k].name, e, len) == 0) {
						cp = ents[k].cp;
						found = true;
					}
			}
			if (!found) {
				kiso_buf_add(b, s + i, 1);
				i++;
				continue;
			}
			kiso_utf8_put(b, cp);
			i = (size_t)(semi - s) + 1;
		}
	}
}

/* Jinja2's striptags: no comments, no tags, whitespace runs as one space. */
static int f_striptags(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf t1 = KISO_BUF_INIT, t2 = KISO_BUF_INIT, w = KISO_BUF_INIT;
	struct kiso_regex *com = NULL, *tag = NULL;
	struct kiso_value *words;
	const char *s;
	size_t n;
	int rc;
	BIND0("striptags");

	s = kiso_fstr(c, c->input, &n);
	if ((rc = kiso_regex_compile(&com, "<!--.*?-->", 10, KISO_RE_DOTALL, c->err)) < 0 ||
	    (rc = kiso_regex_compile(&tag, "<.*?>", 5, KISO_RE_DOTALL, c->err)) < 0 ||
	    (rc = kiso_regex_sub(&t1, NULL, com, s, n, "", 0, 0, c->err)) < 0 ||
	    (rc = kiso_regex_sub(&t2, NULL, tag, kiso_buf_cstr(&t1), t1.len, "", 0, 0,
				 c->err)) < 0)
		goto out;
	if ((rc = kiso_fcall_filter(&words, c, "split", kiso_fbufstr(c, &t2), NULL, 0, NULL)) < 0)
		goto out;
	{
		struct kiso_buf j = KISO_BUF_INIT;

		for (size_t i = 0; i < words->u.list.len; i++) {
			if (i)
				kiso_buf_putc(&j, ' ');
			kiso_buf_add(&j, words->u.list.items[i]->u.s.ptr, words->u.list.items[i]->u.s.len);
		}
		html_unescape(&w, kiso_buf_cstr(&j), j.len);
		kiso_buf_release(&j);
	}
	*out = kiso_fbufstr(c, &w);
out:
	kiso_buf_release(&t1);
	kiso_buf_release(&t2);
	kiso_buf_release(&w);
	kiso_regex_free(com);
	kiso_regex_free(tag);
	return rc;
}

/* ---- URLs: urlsplit, urldecode (Python's urllib.parse) ---- */

static bool scheme_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '+' || ch == '-' || ch == '.';
}

int kiso_furlsplit(struct kiso_furl *u, struct kiso_tmpl_call *c, const char *in, size_t n,
		   const char **why)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s, *end, *colon, *p;
	bool lb, rb;

	memset(u, 0, sizeof(*u));
	/* leading C0 controls and spaces go; tabs and newlines anywhere go */
	while (n && (unsigned char)in[0] <= 0x20) {
		in++;
		n--;
	}
	for (size_t i = 0; i < n; i++)
		if (in[i] != '\t' && in[i] != '\r' && in[i] != '\n')
			kiso_buf_add(&b, in + i, 1);
	s = kiso_arena_strndup(c->arena, kiso_buf_cstr(&b), b.len);
	end = s + b.len;
	kiso_buf_release(&b);
	u->scheme = s;
	u->scheme_lower = kiso_arena_strdup(c->arena, "");
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon && colon > s && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) {
		for (p = s; p < colon && scheme_char(*p); p++)
			;
		if (p == colon) {
			u->nscheme = (size_t)(colon - s);
			u->scheme_lower = kiso_arena_strndup(c->arena, s, u->nscheme);
			for (char *q = u->scheme_lower; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q + 32);
			s = colon + 1;
		}
	}
	if (end - s >= 2 && s[0] == '/' && s[1] == '/') {
		s += 2;
		u->netloc = s;
		for (p = s; p < end && *p != '/' && *p != '?' && *p != '#'; p++)
			;
		u->nnetloc = (size_t)(p - s);
		s = p;
		lb = memchr(u->netloc, '[', u->nnetloc) != NULL;
		rb = memchr(u->netloc, ']', u->nnetloc) != NULL;
		if (lb != rb) {
			*why = "Invalid IPv6 URL";
			return -1;
		}
	}
	p = memchr(s, '#', (size_t)(end - s));
	if (p) {
		u->fragment = p + 1;
		u->nfragment = (size_t)(end - p - 1);
		end = p;
	}
	p = memchr(s, '?', (size_t)(end - s));
	if (p) {
		u->query = p + 1;
		u->nquery = (size_t)(end - p - 1);
		end = p;
	}
	u->path = s;
	u->npath = (size_t)(end - s);
	return 0;
}

static int f_urlsplit(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	static const char *const parts[] = { "fragment", "hostname", "netloc", "password",
					     "path", "port", "query", "scheme", "username" };
	struct kiso_value *m, *v[9];
	struct kiso_furl u;
	const char *why = NULL, *at, *host, *hend, *port = NULL, *q = "";
	size_t hl, np = 0;
	BIND("urlsplit", "query");

	if (c->input->type != KISO_STR)
		return kiso_ftypeerr(c, "Cannot mix str and non-str arguments");
	if (kiso_furlsplit(&u, c, c->input->u.s.ptr, c->input->u.s.len, &why) < 0)
		return kiso_ferr(c, "%s", why);
	for (size_t i = 0; i < 9; i++)
		v[i] = kiso_null(c->arena, c->pos);
	v[0] = kiso_fnewstr(c, u.fragment, u.nfragment);
	v[2] = kiso_fnewstr(c, u.netloc, u.nnetloc);
	v[4] = kiso_fnewstr(c, u.path, u.npath);
	v[6] = kiso_fnewstr(c, u.query, u.nquery);
	v[7] = kiso_str(c->arena, u.scheme_lower, c->pos);
	/* userinfo@hostinfo, split at the last '@' */
	at = u.nnetloc ? memrchr(u.netloc, '@', u.nnetloc) : NULL;
	host = at ? at + 1 : u.nnetloc ? u.netloc : NULL;
	hend = host ? u.netloc + u.nnetloc : NULL;
	if (at) {
		const char *pc = memchr(u.netloc, ':', (size_t)(at - u.netloc));

		v[8] = kiso_fnewstr(c, u.netloc, pc ? (size_t)(pc - u.netloc) : (size_t)(at - u.netloc));
		if (pc)
			v[3] = kiso_fnewstr(c, pc + 1, (size_t)(at - pc - 1));
	}
	if (host) {
		const char *br = memchr(host, '[', (size_t)(hend - host)), *hs = host, *he;

		if (br) {
			const char *close = memchr(br, ']', (size_t)(hend - br));

			hs = br + 1;
			he = close ? close : hend;
			if (close) {
				const char *pc = memchr(close, ':', (size_t)(hend - close));

				if (pc) {
					port = pc + 1;
					np = (size_t)(hend - port);
				}
			}
		} else {
			const char *pc = memchr(host, ':', (size_t)(hend - host));

			he = pc ? pc : hend;
			if (pc) {
				port = pc + 1;
				np = (size_t)(hend - port);
			}
		}
		hl = (size_t)(he - hs);
		if (hl) {
			struct kiso_value *hv = kiso_fnewstr(c, hs, hl);

			for (size_t i = 0; i < hl; i++)
				if (hv->u.s.ptr[i] >= 'A' && hv->u.s.ptr[i] <= 'Z')
					hv->u.s.ptr[i] = (char)(hv->u.s.ptr[i] + 32);
			v[1] = hv;
		}
	}
	if (a[0] && a[0]->type != KISO_NULL)
		q = kiso_fstr(c, a[0], NULL);
	if (np && (!*q || strcmp(q, "port") == 0)) {
		int64_t pv = 0;

		for (size_t i = 0; i < np; i++) {
			if (port[i] < '0' || port[i] > '9')
				return kiso_ferr(c, "Port could not be cast to integer value as %s",
						 kiso_frepr(c, kiso_fnewstr(c, port, np)));
			if (pv < 100000)
				pv = pv * 10 + (port[i] - '0');
		}
		if (pv > 65535)
			return kiso_ferr(c, "Port out of range 0-65535");
		v[5] = kiso_int(c->arena, pv, c->pos);
	}
	if (*q) {
		for (size_t i = 0; i < 9; i++)
			if (strcmp(parts[i], q) == 0) {
				*out = v[i];
				return 0;
			}
		return kiso_ferr(c, "urlsplit: unknown URL component: %s", q);
	}
	m = kiso_map_new(c->arena, c->pos);
	for (size_t i = 0; i < 9; i++)
		kiso_map_set(c->arena, m, parts[i], v[i]);
	*out = m;
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
		return (ch | 0x20) - 'a' + 10;
	return -1;
}

/* Python's unquote_plus(): '+' is a space, %XX a byte (bad UTF-8 is U+FFFD). */
static int f_urldecode(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT, r = KISO_BUF_INIT;
	const char *s;
	size_t n, i = 0;
	BIND0("urldecode");

	if (c->input->type != KISO_STR)
		return kiso_ftypeerr(c, "'%s' object has no attribute 'replace'",
				     kiso_value_type_name(c->input));
	s = c->input->u.s.ptr;
	n = c->input->u.s.len;
	for (size_t k = 0; k < n; k++) {
		if (s[k] == '+') {
			kiso_buf_putc(&b, ' ');
		} else if (s[k] == '%' && k + 2 < n && hexval(s[k + 1]) >= 0 &&
			   hexval(s[k + 2]) >= 0) {
			kiso_buf_putc(&b, (char)(hexval(s[k + 1]) * 16 + hexval(s[k + 2])));
			k += 2;
		} else {
			kiso_buf_add(&b, s + k, 1);
		}
	}
	/* decoded bytes that are not UTF-8 become U+FFFD, as errors='replace' */
	while (i < b.len) {
		size_t from = i;
		uint32_t cp = kiso_utf8_next(b.ptr, b.len, &i);

		if (cp >= 0x80 && i - from == 1)
			kiso_utf8_put(&r, 0xfffd);
		else
			kiso_buf_add(&r, b.ptr + from, i - from);
	}
	kiso_buf_release(&b);
	*out = kiso_fbufstr(c, &r);
	return 0;
}

/* ---- relpath (os.path.relpath, on the controller) ---- */

/* os.path.abspath(): normalised, relative to the current directory. */
static struct kiso_value *abspath(struct kiso_tmpl_call *c, const char *p)
{
	struct kiso_value *parts = kiso_list_new(c->arena, c->pos);
	struct kiso_buf b = KISO_BUF_INIT;
	char cwd[4096];
	const char *full = p;

	if (p[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			snprintf(cwd, sizeof(cwd), "/");
		full = kiso_arena_sprintf(c->arena, "%s/%s", cwd, p);
	}
	for (const char *s = full; *s;) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len == 0 || (len == 1 && s[0] == '.')) {
			/* skip */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (parts->u.list.len)
				parts->u.list.len--;
		} else {
			kiso_list_push(c->arena, parts, kiso_fnewstr(c, s, len));
		}
		s += len + (e ? 1 : 0);
		if (!e)
			break;
	}
	kiso_buf_release(&b);
	return parts;
}

static int f_relpath(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *pl, *sl;
	struct kiso_buf b = KISO_BUF_INIT;
	const char *path, *start = ".";
	size_t i = 0;
	BIND("relpath", "start");

	path = kiso_fstr(c, c->input, NULL);
	if (!*path)
		return kiso_ferr(c, "no path specified");
	if (a[0] && a[0]->type != KISO_NULL)
		start = kiso_fstr(c, a[0], NULL);
	pl = abspath(c, path);
	sl = abspath(c, start);
	while (i < pl->u.list.len && i < sl->u.list.len &&
	       kiso_value_equal(pl->u.list.items[i], sl->u.list.items[i]))
		i++;
	for (size_t k = i; k < sl->u.list.len; k++) {
		if (b.len)
			kiso_buf_putc(&b, '/');
		kiso_buf_puts(&b, "..");
	}
	for (size_t k = i; k < pl->u.list.len; k++) {
		if (b.len)
			kiso_buf_putc(&b, '/');
		kiso_buf_add(&b, pl->u.list.items[k]->u.s.ptr, pl->u.list.items[k]->u.s.len);
	}
	if (!b.len)
		kiso_buf_putc(&b, '.');
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* ---- wordwrap: Jinja2 over Python's textwrap.wrap() ---- */

/* textwrap.TextWrapper.wordsep_re and wordsep_simple_re, without re.VERBOSE. */
static const char wordsep_re[] =
	"([\\t\\n\\x0b\\x0c\\r ]+"
	"|(?<=[\\w!\"'&.,?])-{2,}(?=\\w)"
	"|[^\\t\\n\\x0b\\x0c\\r ]+?(?:-(?:(?<=[^\\d\\W]{2}-)|(?<=[^\\d\\W]-[^\\d\\W]-))"
	"(?=[^\\d\\W]-?[^\\d\\W])"
	"|(?=[\\t\\n\\x0b\\x0c\\r ]|\\Z)"
	"|(?<=[\\w!\"'&.,?])(?=-{2,}\\w)))";
static const char wordsep_simple_re[] = "([\\t\\n\\x0b\\x0c\\r ]+)";

struct chunk {
	const char *p;
	size_t n;               /* bytes */
};

static bool blank_chunk(const struct chunk *k)
{
	size_t i = 0;

	while (i < k->n)
		if (!kiso_cp_space(kiso_utf8_next(k->p, k->n, &i)))
			return false;
	return true;
}

/* re.split(pattern, line) without the empty pieces: gaps and matches in order. */
static int split_chunks(struct chunk **out, size_t *nout, struct kiso_tmpl_call *c,
			const struct kiso_regex *re, const char *s, size_t n)
{
	struct chunk *k = NULL;
	size_t len = 0, cap = 0, pos = 0;
	int rc;

	for (;;) {
		struct kiso_match m = KISO_MATCH_INIT;
		size_t ms, me;

		rc = kiso_regex_exec(&m, re, s, n, pos, KISO_RE_SEARCH, c->err);
		if (rc < 0) {
			free(k);
			return rc;
		}
		ms = rc ? m.ovec[0] : n;
		me = rc ? m.ovec[1] : n;
		kiso_match_release(&m);
		if (rc && me <= ms)
			me = ms + 1;    /* cannot happen: no empty matches; never loop */
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 16;
			k = kiso_xrealloc(k, cap * sizeof(*k));
		}
		if (ms > pos)
			k[len++] = (struct chunk){ s + pos, ms - pos };
		if (!rc)
			break;
		if (me > n)
			me = n;
		k[len++] = (struct chunk){ s + ms, me - ms };
		pos = me;
		if (pos >= n)
			break;
	}
	*out = k;
	*nout = len;
	return 0;
}

/* TextWrapper._wrap_chunks() with drop_whitespace, no indents, no max_lines. */
static void wrap_chunks(struct kiso_buf *out, struct chunk *k, size_t n, int64_t width,
			bool break_long, bool break_hyphens, const char *sep, size_t nsep)
{
	size_t i = 0, nlines = 0;
	struct chunk *cur = kiso_xmalloc((n + 1) * sizeof(*cur));

	while (i < n) {
		size_t ncur = 0;
		int64_t cur_len = 0;

		if (blank_chunk(&k[i]) && nlines)
			i++;
		while (i < n) {
			int64_t l = (int64_t)kiso_utf8_count(k[i].p, k[i].n);

			if (cur_len + l > width)
				break;
			cur[ncur++] = k[i++];
			cur_len += l;
		}
		if (i < n && (int64_t)kiso_utf8_count(k[i].p, k[i].n) > width) {
			int64_t space_left = width < 1 ? 1 : width - cur_len;

			if (break_long) {
				size_t end = (size_t)space_left, clen = kiso_utf8_count(k[i].p, k[i].n);
				size_t endb;

				if (break_hyphens && clen > (size_t)space_left) {
					/* rfind('-', 0, space_left), in characters */
					size_t off = 0, ci = 0, hyphen = 0;
					bool found = false, other = false, other_before = false;

					while (off < k[i].n && ci < (size_t)space_left) {
						uint32_t cp = kiso_utf8_next(k[i].p, k[i].n, &off);

						if (cp == '-') {
							hyphen = ci;
							found = true;
							other_before = other;
						} else {
							other = true;
						}
						ci++;
					}
					if (found && hyphen > 0 && other_before)
						end = hyphen + 1;
				}
				endb = kiso_utf8_offset(k[i].p, k[i].n, end);
				cur[ncur++] = (struct chunk){ k[i].p, endb };
				k[i].p += endb;
				k[i].n -= endb;
			} else if (!ncur) {
				cur[ncur++] = k[i++];
			}
		}
		if (ncur && blank_chunk(&cur[ncur - 1]))
			ncur--;
		if (ncur) {
			if (nlines++)
				kiso_buf_add(out, sep, nsep);
			for (size_t j = 0; j < ncur; j++)
				kiso_buf_add(out, cur[j].p, cur[j].n);
		}
	}
	free(cur);
}

static int f_wordwrap(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_regex *re = NULL;
	const char *s, *sep = "\n";
	size_t n, nsep = 1, i = 0;
	int64_t width = 79;
	bool break_long, break_hyphens, first = true;
	int rc;
	BIND("wordwrap", "width", "break_long_words", "wrapstring", "break_on_hyphens");

	if (a[0] && (rc = kiso_fint(&width, c, a[0], "width")) < 0)
		return rc;
	if (width <= 0)
		return kiso_ferr(c, "invalid width %lld (must be > 0)", (long long)width);
	break_long = kiso_fbool(a[1], true);
	if (a[2] && a[2]->type != KISO_NULL)
		sep = kiso_fstr(c, a[2], &nsep);
	break_hyphens = kiso_fbool(a[3], true);
	if ((rc = break_hyphens ?
		  kiso_regex_compile(&re, wordsep_re, sizeof(wordsep_re) - 1, 0, c->err) :
		  kiso_regex_compile(&re, wordsep_simple_re, sizeof(wordsep_simple_re) - 1, 0,
				     c->err)) < 0)
		return rc;
	s = kiso_fstr(c, c->input, &n);
	/* s.splitlines(): the lines, without a last empty one */
	while (i < n) {
		size_t br, e = line_break(s, n, i, &br);
		struct chunk *k = NULL;
		size_t nk = 0;

		if ((rc = split_chunks(&k, &nk, c, re, s + i, e - i)) < 0) {
			kiso_regex_free(re);
			kiso_buf_release(&b);
			return rc;
		}
		if (!first)
			kiso_buf_add(&b, sep, nsep);
		first = false;
		wrap_chunks(&b, k, nk, width, break_long, break_hyphens, sep, nsep);
		free(k);
		i = e + br;
		if (br == 0)
			break;
	}
	kiso_regex_free(re);
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* HTML escaping of Markup's escape(): & < > " ' */
static void html_escape(struct kiso_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': kiso_buf_puts(b, "&amp;"); break;
		case '<': kiso_buf_puts(b, "&lt;"); break;
		case '>': kiso_buf_puts(b, "&gt;"); break;
		case '"': kiso_buf_puts(b, "&#34;"); break;
		case '\'': kiso_buf_puts(b, "&#39;"); break;
		default: kiso_buf_add(b, s + i, 1); break;
		}
	}
}

/* Jinja2's xmlattr: ' key="value"' for the values that are not none. */
static int f_xmlattr(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value *d = c->input;
	BIND("xmlattr", "autospace");

	if (d->type != KISO_MAP)
		return kiso_ferr(c, "'%s' object has no attribute 'items'", kiso_value_type_name(d));
	for (size_t i = 0; i < d->u.map.len; i++) {
		struct kiso_value *k = d->u.map.items[i].key, *v = d->u.map.items[i].val;
		const char *ks, *vs;
		size_t kn, vn;

		if (v->type == KISO_NULL)
			continue;
		ks = kiso_fstr(c, k, &kn);
		for (size_t j = 0; j < kn; j++)
			if (strchr(" \t\n\r\f\v/>=", ks[j]) && ks[j]) {
				kiso_buf_release(&b);
				return kiso_ferr(c, "Invalid character in attribute name: %s",
						 kiso_frepr(c, k));
			}
		if (b.len || kiso_fbool(a[0], true))
			kiso_buf_putc(&b, ' ');
		html_escape(&b, ks, kn);
		kiso_buf_puts(&b, "=\"");
		vs = kiso_fstr(c, v, &vn);
		html_escape(&b, vs, vn);
		kiso_buf_putc(&b, '"');
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

const struct kiso_tmpl_filter kiso_filters_string[] = {
	{ "basename", f_basename, 0 },
	{ "capitalize", f_capitalize, 0 },
	{ "center", f_center, 0 },
	{ "comment", f_comment, 0 },
	{ "dirname", f_dirname, 0 },
	{ "e", f_escape, 0 },
	{ "escape", f_escape, 0 },
	{ "expanduser", f_expanduser, 0 },
	{ "expandvars", f_expandvars, 0 },
	{ "fileglob", f_fileglob, 0 },
	{ "filesizeformat", f_filesizeformat, 0 },
	{ "forceescape", f_escape, 0 },
	{ "format", f_format, 0 },
	{ "indent", f_indent, 0 },
	{ "lower", f_lower, 0 },
	{ "path_join", f_path_join, 0 },
	{ "quote", f_quote, 0 },
	{ "relpath", f_relpath, 0 },
	{ "replace", f_replace, 0 },
	{ "safe", f_safe, 0 },
	{ "split", f_split, 0 },
	{ "splitext", f_splitext, 0 },
	{ "strftime", f_strftime, 0 },
	{ "striptags", f_striptags, 0 },
	{ "title", f_title, 0 },
	{ "to_uuid", f_to_uuid, 0 },
	{ "trim", f_trim, 0 },
	{ "truncate", f_truncate, 0 },
	{ "upper", f_upper, 0 },
	{ "urldecode", f_urldecode, 0 },
	{ "urlencode", f_urlencode, 0 },
	{ "urlsplit", f_urlsplit, 0 },
	{ "wordcount", f_wordcount, 0 },
	{ "wordwrap", f_wordwrap, 0 },
	{ "xmlattr", f_xmlattr, 0 },
	{ NULL, NULL, 0 },
};
