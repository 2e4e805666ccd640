/*
 * template/literal.c - Python's ast.literal_eval, for Ansible's
 * ansible_eval_concat: a rendered string that starts with '[' or '{' (or
 * is True/False) becomes a value again when it is a Python literal.
 *
 * Accepted: strings (quotes, triple quotes, r/u prefixes, escapes,
 * adjacent literals joined), ints (0x/0o/0b, underscores), floats,
 * True/False/None and Ansible's JSON names true/false/null, unary +/-
 * on numbers, lists, tuples and dicts. Anything else (sets, bytes,
 * complex numbers, names, calls, integers beyond 64 bits) is "not a
 * literal" and the caller keeps the string, as Ansible does when
 * literal_eval raises ValueError or SyntaxError.
 */
#include "kiso_common.h"
#include "template/internal.h"

#include <ctype.h>
#include <errno.h>

struct lp {
	const char *s;
	size_t n, i;
	struct kiso_arena *a;
	int depth;
};

static void ws(struct lp *p)
{
	while (p->i < p->n) {
		char c = p->s[p->i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			p->i++;
		} else if (c == '\\' && p->i + 1 < p->n && p->s[p->i + 1] == '\n') {
			p->i += 2;
		} else if (c == '#') {
			while (p->i < p->n && p->s[p->i] != '\n')
				p->i++;
		} else {
			break;
		}
	}
}

static int value(struct kiso_value **out, struct lp *p);

static bool is_id(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static int string_lit(struct kiso_buf *b, struct lp *p)
{
	bool raw = false;

	/* prefixes: r, u, R, U (b/f are not representable or not literals) */
	while (p->i < p->n && strchr("rRuU", p->s[p->i]) && p->i + 1 < p->n) {
		if (p->s[p->i] == 'r' || p->s[p->i] == 'R')
			raw = true;
		p->i++;
	}
	if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"'))
		return -1;
	char q = p->s[p->i];
	bool triple = p->i + 2 < p->n && p->s[p->i + 1] == q && p->s[p->i + 2] == q;
	size_t start;

	p->i += triple ? 3 : 1;
	start = p->i;
	for (;;) {
		if (p->i >= p->n)
			return -1;
		char c = p->s[p->i];

		if (c == '\\') {
			p->i += 2;
			continue;
		}
		if (c == '\n' && !triple)
			return -1;
		if (c == q) {
			if (!triple)
				break;
			if (p->i + 2 < p->n && p->s[p->i + 1] == q && p->s[p->i + 2] == q)
				break;
		}
		p->i++;
	}
	size_t end = p->i;

	p->i += triple ? 3 : 1;
	if (raw) {
		kiso_buf_add(b, p->s + start, end - start);
		return 0;
	}
	size_t olen;
	char *o = tmpl_unescape(p->a, p->s + start, end - start, &olen);

	if (!o)
		return -1;
	kiso_buf_add(b, o, olen);
	return 0;
}

static int number(struct kiso_value **out, struct lp *p, bool neg)
{
	const char *s = p->s;
	size_t st = p->i, i = p->i;
	char buf[512];
	size_t k = 0;
	bool flt = false;

	if (s[i] == '0' && i + 1 < p->n && strchr("xXoObB", s[i + 1])) {
		int base = (s[i + 1] | 0x20) == 'x' ? 16 : (s[i + 1] | 0x20) == 'o' ? 8 : 2;

		i += 2;
		while (i < p->n && (isxdigit((unsigned char)s[i]) || s[i] == '_') && k < sizeof(buf) - 1)
			if (s[i++] != '_')
				buf[k++] = s[i - 1];
		buf[k] = 0;
		if (!k || (i < p->n && is_id(s[i])))
			return -1;
		char *end;

		errno = 0;
		unsigned long long v = strtoull(buf, &end, base);

		if (*end || errno || v > (unsigned long long)INT64_MAX + neg)
			return -1;
		p->i = i;
		*out = kiso_int(p->a, neg ? (int64_t)(0 - v) : (int64_t)v, KISO_POS_NONE);
		return 0;
	}
	while (i < p->n && k < sizeof(buf) - 1 &&
	       (isdigit((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == 'e' ||
		s[i] == 'E' || ((s[i] == '+' || s[i] == '-') && i > st && (s[i - 1] | 0x20) == 'e'))) {
		if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
			flt = true;
		if (s[i] != '_')
			buf[k++] = s[i];
		i++;
	}
	buf[k] = 0;
	if (k == 0 || (i < p->n && is_id(s[i])))
		return -1;
	char *end;

	errno = 0;
	if (flt) {
		double d = strtod(buf, &end);

		if (*end)
			return -1;
		*out = kiso_float(p->a, neg ? -d : d, KISO_POS_NONE);
	} else {
		if (k > 1 && buf[0] == '0' && strspn(buf, "0") != k)
			return -1; /* Python 3: no leading zeros */
		long long v = strtoll(buf, &end, 10);

		if (*end || errno)
			return -1;
		*out = kiso_int(p->a, neg ? -v : v, KISO_POS_NONE);
	}
	p->i = i;
	return 0;
}

static int seq(struct kiso_value **out, struct lp *p, char close, bool tuple)
{
	struct kiso_value *l = kiso_list_new(p->a, KISO_POS_NONE);
	bool comma = false;

	p->i++;
	for (;;) {
		ws(p);
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			break;
		}
		if (l->u.list.len && !comma)
			return -1;
		struct kiso_value *v;

		if (value(&v, p))
			return -1;
		kiso_list_push(p->a, l, v);
		ws(p);
		comma = p->i < p->n && p->s[p->i] == ',';
		if (comma)
			p->i++;
	}
	if (tuple) {
		/* '(x)' is x itself; '(x,)' and '()' are tuples */
		if (l->u.list.len == 1 && !comma) {
			*out = l->u.list.items[0];
			return 0;
		}
		l->flags |= TMPL_VF_TUPLE;
	}
	*out = l;
	return 0;
}

static int dict(struct kiso_value **out, struct lp *p)
{
	struct kiso_value *m = kiso_map_new(p->a, KISO_POS_NONE);
	bool comma = false;

	p->i++;
	for (;;) {
		ws(p);
		if (p->i < p->n && p->s[p->i] == '}') {
			p->i++;
			break;
		}
		if (m->u.map.len && !comma)
			return -1;
		struct kiso_value *k, *v;

		if (value(&k, p))
			return -1;
		ws(p);
		if (p->i >= p->n || p->s[p->i] != ':')
			return -1; /* a set, or garbage */
		p->i++;
		if (value(&v, p))
			return -1;
		if (k->type == KISO_LIST && !(k->flags & TMPL_VF_TUPLE))
			return -1; /* unhashable */
		if (k->type == KISO_MAP)
			return -1;
		kiso_map_setv(p->a, m, k, v);
		ws(p);
		comma = p->i < p->n && p->s[p->i] == ',';
		if (comma)
			p->i++;
	}
	*out = m;
	return 0;
}

static int value(struct kiso_value **out, struct lp *p)
{
	int rc;

	ws(p);
	if (p->i >= p->n || ++p->depth > 200)
		return -1;
	char c = p->s[p->i];

	if (c == '[') {
		rc = seq(out, p, ']', false);
	} else if (c == '(') {
		rc = seq(out, p, ')', true);
	} else if (c == '{') {
		rc = dict(out, p);
	} else if (c == '\'' || c == '"' ||
		   (strchr("rRuU", c) && p->i + 1 < p->n &&
		    (p->s[p->i + 1] == '\'' || p->s[p->i + 1] == '"' ||
		     (strchr("rRuU", p->s[p->i + 1]) && p->i + 2 < p->n &&
		      (p->s[p->i + 2] == '\'' || p->s[p->i + 2] == '"'))))) {
		struct kiso_buf b = KISO_BUF_INIT;

		rc = 0;
		for (;;) {
			if ((rc = string_lit(&b, p)))
				break;
			ws(p);
			if (p->i >= p->n)
				break;
			char d = p->s[p->i];

			if (!(d == '\'' || d == '"' ||
			      (strchr("rRuU", d) && p->i + 1 < p->n &&
			       (p->s[p->i + 1] == '\'' || p->s[p->i + 1] == '"'))))
				break;
		}
		if (!rc)
			*out = kiso_strn(p->a, kiso_buf_cstr(&b), b.len, KISO_POS_NONE);
		kiso_buf_release(&b);
	} else if (c == '-' || c == '+') {
		bool neg = false;

		while (p->i < p->n && (p->s[p->i] == '-' || p->s[p->i] == '+')) {
			neg ^= p->s[p->i] == '-';
			p->i++;
			ws(p);
		}
		if (p->i >= p->n || !(isdigit((unsigned char)p->s[p->i]) || p->s[p->i] == '.'))
			rc = -1;
		else
			rc = number(out, p, neg);
	} else if (isdigit((unsigned char)c) || (c == '.' && p->i + 1 < p->n &&
						 isdigit((unsigned char)p->s[p->i + 1]))) {
		rc = number(out, p, false);
	} else if (isalpha((unsigned char)c) || c == '_') {
		size_t st = p->i;

		while (p->i < p->n && is_id(p->s[p->i]))
			p->i++;
		size_t len = p->i - st;
		const char *w = p->s + st;

#define IS(lit) (len == sizeof(lit) - 1 && !memcmp(w, lit, len))
		if (IS("True") || IS("true"))
			*out = kiso_bool(p->a, true, KISO_POS_NONE);
		else if (IS("False") || IS("false"))
			*out = kiso_bool(p->a, false, KISO_POS_NONE);
		else if (IS("None") || IS("null"))
			*out = kiso_null(p->a, KISO_POS_NONE);
		else
			return -1;
#undef IS
		rc = 0;
	} else {
		rc = -1;
	}
	p->depth--;
	return rc;
}

int tmpl_literal_eval(struct kiso_value **out, struct kiso_arena *a, const char *s, size_t len)
{
	struct lp p = { .s = s, .n = len, .a = a };
	struct kiso_value *v;

	if (value(&v, &p))
		return -1;
	ws(&p);
	if (p.i != p.n)
		return -1;
	*out = v;
	return 0;
}
