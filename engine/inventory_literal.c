/*
 * inventory_literal.c - Python's ast.literal_eval() for INI inventory values.
 *
 * Ansible's INI plugin passes every value through ast.literal_eval() and
 * keeps the text when Python raises ValueError or SyntaxError. So "1" is an
 * int, "1.5" a float, "True" a bool, "'x'" the string x, "[1, 'a']" a list,
 * but "yes", "0755", "1.2.3" and "hello world" stay strings. This file
 * accepts exactly the literals Python accepts (numbers with underscores
 * and 0x/0o/0b prefixes, string prefixes r/u/b, escapes, implicit string
 * concatenation, tuples with or without parentheses, lists, dicts, sets,
 * True/False/None, one unary sign on a number, comments) and refuses
 * everything else, so the caller keeps the text.
 *
 * Where Python's result cannot be represented (complex numbers, bytes that
 * are no UTF-8, \N{...} escapes, ints beyond 64 bits, lone surrogates,
 * unhashable dict keys), kiso refuses as well and keeps the text; Ansible
 * would carry a value that its JSON output cannot print.
 */
#include "kiso_common.h"
#include "inventory_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>

#define MAX_DEPTH 100

struct lit {
	const char *s;
	size_t i, n;
	int paren;                /* bracket nesting: newlines are blanks inside */
	struct kiso_arena *a;
	struct kiso_pos pos;
	unsigned depth;
};

static bool ident_start(unsigned char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* Skips blanks, comments, line continuations (and newlines inside brackets). */
static void skip(struct lit *l)
{
	while (l->i < l->n) {
		char c = l->s[l->i];

		if (c == ' ' || c == '\t' || c == '\f') {
			l->i++;
		} else if (c == '#') {
			while (l->i < l->n && l->s[l->i] != '\n' && l->s[l->i] != '\r')
				l->i++;
		} else if (c == '\\' && l->i + 1 < l->n &&
			   (l->s[l->i + 1] == '\n' || l->s[l->i + 1] == '\r')) {
			l->i += 2;
			if (l->s[l->i - 1] == '\r' && l->i < l->n && l->s[l->i] == '\n')
				l->i++;
		} else if ((c == '\n' || c == '\r') && l->paren > 0) {
			l->i++;
		} else {
			break;
		}
	}
}

static bool peek(struct lit *l, char c)
{
	skip(l);
	return l->i < l->n && l->s[l->i] == c;
}

static bool eat(struct lit *l, char c)
{
	if (!peek(l, c))
		return false;
	l->i++;
	return true;
}

static void put_utf8(struct kiso_buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		kiso_buf_putc(b, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		kiso_buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		kiso_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		kiso_buf_add(b, u, 4);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i], cp;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return false;
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (p[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/*
 * One string literal (prefix, quotes, body) appended to b. *bytes says
 * whether it was a bytes literal. Returns 0 or -1.
 */
static int string_piece(struct lit *l, struct kiso_buf *b, bool *bytes)
{
	bool raw = false, isb = false, isu = false, isf = false;
	size_t i = l->i, np = 0;
	char q;
	bool triple;

	while (i < l->n && np < 3 && l->s[i] && strchr("rRbBuUfF", l->s[i])) {
		char c = (char)(l->s[i] | 0x20);
		bool *flag = c == 'r' ? &raw : c == 'b' ? &isb : c == 'u' ? &isu : &isf;

		if (*flag)
			return -1;
		*flag = true;
		i++;
		np++;
	}
	/* valid prefixes: r u b br rb (any case); f makes a JoinedStr, no literal */
	if (isf || np > 2 || (isu && np > 1) || (np == 2 && !(raw && isb)))
		return -1;
	if (i >= l->n || (l->s[i] != '\'' && l->s[i] != '"'))
		return -1;
	q = l->s[i];
	triple = i + 2 < l->n && l->s[i + 1] == q && l->s[i + 2] == q;
	i += triple ? 3 : 1;
	for (;;) {
		char c;

		if (i >= l->n)
			return -1; /* unterminated */
		c = l->s[i];
		if (c == q && (!triple || (i + 2 < l->n && l->s[i + 1] == q && l->s[i + 2] == q))) {
			i += triple ? 3 : 1;
			break;
		}
		if (!triple && (c == '\n' || c == '\r'))
			return -1;
		if (isb && (unsigned char)c >= 0x80)
			return -1;
		if (c == 0)
			return -1;
		if (c != '\\') {
			kiso_buf_putc(b, c);
			i++;
			continue;
		}
		if (i + 1 >= l->n)
			return -1;
		c = l->s[i + 1];
		if (raw) {
			/* the backslash stays, and keeps the next char from ending the string */
			kiso_buf_putc(b, '\\');
			kiso_buf_putc(b, c);
			i += 2;
			continue;
		}
		i += 2;
		switch (c) {
		case '\n':
			break;
		case '\r':
			if (i < l->n && l->s[i] == '\n')
				i++;
			break;
		case '\\': kiso_buf_putc(b, '\\'); break;
		case '\'': kiso_buf_putc(b, '\''); break;
		case '"': kiso_buf_putc(b, '"'); break;
		case 'a': kiso_buf_putc(b, '\a'); break;
		case 'b': kiso_buf_putc(b, '\b'); break;
		case 'f': kiso_buf_putc(b, '\f'); break;
		case 'n': kiso_buf_putc(b, '\n'); break;
		case 'r': kiso_buf_putc(b, '\r'); break;
		case 't': kiso_buf_putc(b, '\t'); break;
		case 'v': kiso_buf_putc(b, '\v'); break;
		case 'x': {
			int h1 = i < l->n ? hexval(l->s[i]) : -1;
			int h2 = i + 1 < l->n ? hexval(l->s[i + 1]) : -1;

			if (h1 < 0 || h2 < 0)
				return -1;
			i += 2;
			if (isb) {
				kiso_buf_putc(b, (char)(h1 * 16 + h2));
			} else {
				put_utf8(b, (unsigned)(h1 * 16 + h2));
			}
			break;
		}
		case 'u':
		case 'U': {
			unsigned cp = 0;
			int nd = c == 'u' ? 4 : 8;

			if (isb) {
				kiso_buf_putc(b, '\\');
				kiso_buf_putc(b, c);
				break;
			}
			for (int k = 0; k < nd; k++) {
				int h = i < l->n ? hexval(l->s[i]) : -1;

				if (h < 0)
					return -1;
				cp = cp * 16 + (unsigned)h;
				i++;
			}
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				return -1;
			put_utf8(b, cp);
			break;
		}
		case 'N':
			if (isb) {
				kiso_buf_putc(b, '\\');
				kiso_buf_putc(b, 'N');
				break;
			}
			return -1; /* named characters: not supported */
		default:
			if (c >= '0' && c <= '7') {
				unsigned v = (unsigned)(c - '0');

				for (int k = 0; k < 2 && i < l->n && l->s[i] >= '0' && l->s[i] <= '7'; k++)
					v = v * 8 + (unsigned)(l->s[i++] - '0');
				if (isb) {
					if (v > 0xff)
						return -1;
					kiso_buf_putc(b, (char)v);
				} else {
					put_utf8(b, v);
				}
			} else {
				kiso_buf_putc(b, '\\');
				kiso_buf_putc(b, c);
			}
		}
	}
	l->i = i;
	*bytes = isb;
	return 0;
}

static bool string_start(struct lit *l)
{
	size_t i = l->i;

	while (i < l->n && i - l->i < 3 && strchr("rRbBuUfF", l->s[i]) && l->s[i])
		i++;
	return i < l->n && (l->s[i] == '\'' || l->s[i] == '"');
}

static int parse_string(struct kiso_value **out, struct lit *l)
{
	struct kiso_buf b = KISO_BUF_INIT;
	bool first = true, bytes = false;

	kiso_buf_puts(&b, "");
	for (;;) {
		bool isb;

		skip(l);
		if (l->i >= l->n || !string_start(l))
			break;
		if (string_piece(l, &b, &isb) < 0 || (!first && isb != bytes))
			goto fail;
		bytes = isb;
		first = false;
	}
	if (!utf8_valid(b.ptr, b.len))
		goto fail;
	*out = kiso_strn(l->a, b.ptr, b.len, l->pos);
	kiso_buf_release(&b);
	return 0;
fail:
	kiso_buf_release(&b);
	return -1;
}

/* A number token: int or float. *out or -1 (bad token, complex, overflow). */
static int parse_number(struct kiso_value **out, struct lit *l, bool neg)
{
	const char *s = l->s;
	size_t i = l->i, n = l->n;
	char clean[128];
	size_t cl = 0;
	bool isfloat = false;

#define DIGITS(ok)                                                             \
	do {                                                                   \
		if (i >= n || !(ok(s[i])))                                     \
			return -1;                                             \
		while (i < n && (ok(s[i]) || (s[i] == '_' && i + 1 < n && ok(s[i + 1])))) { \
			if (s[i] != '_') {                                     \
				if (cl + 1 >= sizeof(clean))                   \
					return -1;                             \
				clean[cl++] = s[i];                            \
			}                                                      \
			i++;                                                   \
		}                                                              \
	} while (0)
#define DEC(c) ((c) >= '0' && (c) <= '9')
#define HEX(c) (hexval(c) >= 0)
#define OCT(c) ((c) >= '0' && (c) <= '7')
#define BIN(c) ((c) == '0' || (c) == '1')

	if (s[i] == '0' && i + 1 < n && strchr("xXoObB", s[i + 1]) && s[i + 1]) {
		char k = (char)(s[i + 1] | 0x20);
		int base = k == 'x' ? 16 : k == 'o' ? 8 : 2;
		unsigned long long v = 0;

		i += 2;
		if (i < n && s[i] == '_')
			i++;
		if (base == 16)
			DIGITS(HEX);
		else if (base == 8)
			DIGITS(OCT);
		else
			DIGITS(BIN);
		if (i < n && (ident_char((unsigned char)s[i]) || s[i] == '.'))
			return -1;
		for (size_t k2 = 0; k2 < cl; k2++) {
			unsigned d = (unsigned)hexval(clean[k2]);

			if (v > (ULLONG_MAX - d) / (unsigned)base)
				return -1;
			v = v * (unsigned)base + d;
		}
		if (v > (unsigned long long)INT64_MAX + (neg ? 1u : 0u))
			return -1;
		l->i = i;
		*out = kiso_int(l->a, neg ? (int64_t)(0 - v) : (int64_t)v, l->pos);
		return 0;
	}
	if (s[i] == '.') {
		isfloat = true;
	} else {
		size_t st = i;

		DIGITS(DEC);
		/* "0755" is a SyntaxError; "000" and "0_0" are fine */
		if (s[st] == '0' && !(i < n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
						s[i] == 'j' || s[i] == 'J'))) {
			for (size_t k = 0; k < cl; k++)
				if (clean[k] != '0')
					return -1;
		}
	}
	if (i < n && s[i] == '.') {
		isfloat = true;
		clean[cl++] = '.';
		i++;
		if (i < n && DEC(s[i]))
			DIGITS(DEC);
		else if (cl == 1)
			return -1; /* a lone '.' */
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		isfloat = true;
		clean[cl++] = 'e';
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			clean[cl++] = s[i++];
		DIGITS(DEC);
	}
	if (i < n && (s[i] == 'j' || s[i] == 'J'))
		return -1; /* complex */
	if (i < n && (ident_char((unsigned char)s[i]) || s[i] == '.'))
		return -1;
	clean[cl] = 0;
	l->i = i;
	if (isfloat) {
		double d = strtod(clean, NULL);

		*out = kiso_float(l->a, neg ? -d : d, l->pos);
		return 0;
	}
	errno = 0;
	{
		unsigned long long v = strtoull(clean, NULL, 10);

		if (errno || v > (unsigned long long)INT64_MAX + (neg ? 1u : 0u))
			return -1;
		*out = kiso_int(l->a, neg ? (int64_t)(0 - v) : (int64_t)v, l->pos);
	}
	return 0;
#undef DIGITS
#undef DEC
#undef HEX
#undef OCT
#undef BIN
}

static int parse_expr(struct kiso_value **out, struct lit *l);

/* Items up to 'close'; for '(' and '{' tells whether it was a tuple/set/dict. */
static int parse_seq(struct kiso_value *list, struct lit *l, char close, bool *comma)
{
	*comma = false;
	for (;;) {
		struct kiso_value *v;

		if (eat(l, close))
			return 0;
		if (parse_expr(&v, l) < 0)
			return -1;
		kiso_list_push(l->a, list, v);
		if (eat(l, ',')) {
			*comma = true;
			continue;
		}
		return eat(l, close) ? 0 : -1;
	}
}

static bool hashable(const struct kiso_value *v)
{
	return v->type != KISO_LIST && v->type != KISO_MAP;
}

static int parse_atom(struct kiso_value **out, struct lit *l)
{
	char c;

	skip(l);
	if (l->i >= l->n)
		return -1;
	c = l->s[l->i];
	if (c == '+' || c == '-') {
		struct kiso_value *v;
		bool neg = c == '-';
		int parens = 0;

		l->i++;
		skip(l);
		/* the operand must be a number constant, maybe in parentheses */
		while (l->i < l->n && l->s[l->i] == '(') {
			l->i++;
			l->paren++;
			parens++;
			skip(l);
		}
		if (l->i >= l->n || !(l->s[l->i] == '.' || (l->s[l->i] >= '0' && l->s[l->i] <= '9')))
			return -1;
		if (parse_number(&v, l, neg) < 0)
			return -1;
		while (parens--) {
			if (!eat(l, ')'))
				return -1;
			l->paren--;
		}
		*out = v;
		return 0;
	}
	if ((c >= '0' && c <= '9') || (c == '.' && l->i + 1 < l->n && l->s[l->i + 1] >= '0' &&
				       l->s[l->i + 1] <= '9'))
		return parse_number(out, l, false);
	if (string_start(l))
		return parse_string(out, l);
	if (ident_start((unsigned char)c)) {
		size_t st = l->i, len;

		while (l->i < l->n && ident_char((unsigned char)l->s[l->i]))
			l->i++;
		len = l->i - st;
		if (len == 4 && memcmp(l->s + st, "True", 4) == 0)
			*out = kiso_bool(l->a, true, l->pos);
		else if (len == 5 && memcmp(l->s + st, "False", 5) == 0)
			*out = kiso_bool(l->a, false, l->pos);
		else if (len == 4 && memcmp(l->s + st, "None", 4) == 0)
			*out = kiso_null(l->a, l->pos);
		else
			return -1;
		return 0;
	}
	if (++l->depth > MAX_DEPTH)
		return -1;
	if (c == '[' || c == '(') {
		struct kiso_value *list = kiso_list_new(l->a, l->pos);
		bool comma;

		l->i++;
		l->paren++;
		if (parse_seq(list, l, c == '[' ? ']' : ')', &comma) < 0)
			return -1;
		l->paren--;
		l->depth--;
		/* (x) is x; (x,) and () are tuples */
		if (c == '(' && list->u.list.len == 1 && !comma)
			*out = list->u.list.items[0];
		else
			*out = list;
		return 0;
	}
	if (c == '{') {
		struct kiso_value *map, *k, *v;

		l->i++;
		l->paren++;
		if (eat(l, '}')) {
			l->paren--;
			l->depth--;
			*out = kiso_map_new(l->a, l->pos);
			return 0;
		}
		if (parse_expr(&k, l) < 0)
			return -1;
		if (!eat(l, ':')) {
			/* a set: Python gives a set, kiso a list */
			struct kiso_value *list = kiso_list_new(l->a, l->pos);
			bool comma;

			if (!hashable(k))
				return -1;
			kiso_list_push(l->a, list, k);
			if (eat(l, ',')) {
				size_t from = list->u.list.len;

				if (parse_seq(list, l, '}', &comma) < 0)
					return -1;
				for (size_t i = from; i < list->u.list.len; i++)
					if (!hashable(list->u.list.items[i]))
						return -1;
			} else if (!eat(l, '}')) {
				return -1;
			}
			/* a set has no duplicates (Python equality) */
			{
				struct kiso_value *uniq = kiso_list_new(l->a, l->pos);

				for (size_t i = 0; i < list->u.list.len; i++) {
					bool dup = false;

					for (size_t j = 0; j < uniq->u.list.len && !dup; j++)
						dup = kiso_value_equal(uniq->u.list.items[j],
								       list->u.list.items[i]);
					if (!dup)
						kiso_list_push(l->a, uniq, list->u.list.items[i]);
				}
				list = uniq;
			}
			l->paren--;
			l->depth--;
			*out = list;
			return 0;
		}
		map = kiso_map_new(l->a, l->pos);
		for (;;) {
			if (parse_expr(&v, l) < 0 || !hashable(k))
				return -1;
			kiso_map_setv(l->a, map, k, v);
			if (!eat(l, ','))
				break;
			if (peek(l, '}'))
				break;
			if (parse_expr(&k, l) < 0 || !eat(l, ':'))
				return -1;
		}
		if (!eat(l, '}'))
			return -1;
		l->paren--;
		l->depth--;
		*out = map;
		return 0;
	}
	return -1;
}

static int parse_expr(struct kiso_value **out, struct lit *l)
{
	return parse_atom(out, l);
}

int kiso_inv_literal(struct kiso_value **out, struct kiso_arena *a, const char *s, size_t len,
		     struct kiso_pos pos)
{
	struct lit l = { s, 0, len, 0, a, pos, 0 };
	struct kiso_value *v, *tuple = NULL;

	if (memchr(s, 0, len))
		return -1;
	/* literal_eval lstrips spaces and tabs */
	while (l.i < len && (s[l.i] == ' ' || s[l.i] == '\t'))
		l.i++;
	if (parse_expr(&v, &l) < 0)
		return -1;
	/* "1, 2" is a tuple */
	while (eat(&l, ',')) {
		if (!tuple) {
			tuple = kiso_list_new(a, pos);
			kiso_list_push(a, tuple, v);
		}
		skip(&l);
		while (l.i < l.n && (l.s[l.i] == '\n' || l.s[l.i] == '\r'))
			l.i++;
		if (l.i >= l.n)
			break;
		if (parse_expr(&v, &l) < 0)
			return -1;
		kiso_list_push(a, tuple, v);
	}
	skip(&l);
	while (l.i < l.n && (l.s[l.i] == '\n' || l.s[l.i] == '\r')) {
		l.i++;
		skip(&l);
	}
	if (l.i != l.n)
		return -1;
	*out = tuple ? tuple : v;
	return 0;
}
