/*
 * json.c - a strict JSON reader with Python's json.loads() rules.
 *
 * Recursive descent over the bytes; depth is bounded so the C stack is
 * too. Positions count characters, not bytes, as Python's do: UTF-8 lead
 * bytes are counted from the last position asked for, so the cost stays
 * linear.
 */
#include "kiso_common.h"

#include "json.h"

#include <math.h>

struct parser {
	struct kiso_arena *a;
	const char *s;
	size_t len;
	size_t i;
	const char *file;
	struct kiso_error *err;
	int depth;
	/* byte 'line_pos' is at line 'line', column 'col' */
	size_t line_pos;
	int line, col;
};

static struct kiso_pos pos_at(struct parser *p, size_t at)
{
	if (at < p->line_pos) { /* going back (errors only): recount from the start */
		p->line_pos = 0;
		p->line = 1;
		p->col = 1;
	}
	for (size_t k = p->line_pos; k < at && k < p->len; k++) {
		if (p->s[k] == '\n') {
			p->line++;
			p->col = 1;
		} else if (((unsigned char)p->s[k] & 0xC0) != 0x80) {
			p->col++;
		}
	}
	p->line_pos = at;
	return (struct kiso_pos){ p->file, p->line, p->col };
}

static int fail_at(struct parser *p, size_t at, const char *msg)
{
	return kiso_error_set(p->err, KISO_ESYNTAX, pos_at(p, at), "%s", msg);
}

static void skip_ws(struct parser *p)
{
	while (p->i < p->len &&
	       (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static bool starts(const struct parser *p, const char *lit)
{
	size_t n = strlen(lit);

	return p->len - p->i >= n && memcmp(p->s + p->i, lit, n) == 0;
}

static void put_utf8(struct kiso_buf *b, uint32_t c)
{
	char u[4];

	if (c < 0x80) {
		kiso_buf_putc(b, (char)c);
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		kiso_buf_add(b, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		kiso_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		kiso_buf_add(b, u, 4);
	}
}

/* Four hex digits at s[at]; -1 if they are not. */
static long hex4(const struct parser *p, size_t at)
{
	long v = 0;

	if (p->len - at < 4)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		char c = p->s[at + k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A string starting at the opening quote p->s[p->i]. */
static int parse_string(struct parser *p, struct kiso_value **out)
{
	size_t start = p->i++;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_pos pos;
	char *copy;
	int rc = 0;

	for (;;) {
		size_t run = p->i;
		unsigned char c;

		while (p->i < p->len && p->s[p->i] != '"' && p->s[p->i] != '\\' &&
		       (unsigned char)p->s[p->i] >= 0x20)
			p->i++;
		kiso_buf_add(&b, p->s + run, p->i - run);
		if (p->i >= p->len) {
			rc = fail_at(p, start, "unterminated string starting here");
			goto out;
		}
		c = (unsigned char)p->s[p->i];
		if (c == '"') {
			p->i++;
			break;
		}
		if (c < 0x20) {
			rc = fail_at(p, p->i, "invalid control character in string");
			goto out;
		}
		/* a backslash */
		if (p->i + 1 >= p->len) {
			rc = fail_at(p, start, "unterminated string starting here");
			goto out;
		}
		c = (unsigned char)p->s[p->i + 1];
		switch (c) {
		case '"': kiso_buf_putc(&b, '"'); break;
		case '\\': kiso_buf_putc(&b, '\\'); break;
		case '/': kiso_buf_putc(&b, '/'); break;
		case 'b': kiso_buf_putc(&b, '\b'); break;
		case 'f': kiso_buf_putc(&b, '\f'); break;
		case 'n': kiso_buf_putc(&b, '\n'); break;
		case 'r': kiso_buf_putc(&b, '\r'); break;
		case 't': kiso_buf_putc(&b, '\t'); break;
		case 'u': {
			long u = hex4(p, p->i + 2);
			uint32_t cp;

			if (u < 0) {
				rc = fail_at(p, p->i + 1, "invalid \\uXXXX escape");
				goto out;
			}
			cp = (uint32_t)u;
			if (cp >= 0xD800 && cp <= 0xDBFF && p->len - p->i >= 12 &&
			    p->s[p->i + 6] == '\\' && p->s[p->i + 7] == 'u') {
				long lo = hex4(p, p->i + 8);

				if (lo < 0) {
					rc = fail_at(p, p->i + 7, "invalid \\uXXXX escape");
					goto out;
				}
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
					p->i += 6;
				}
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD; /* a lone surrogate: UTF-8 cannot hold it */
			put_utf8(&b, cp);
			p->i += 4;
			break;
		}
		default:
			rc = fail_at(p, p->i, "invalid \\escape");
			goto out;
		}
		p->i += 2;
	}
	pos = pos_at(p, start);
	copy = kiso_arena_alloc(p->a, b.len + 1);
	if (b.len)
		memcpy(copy, b.ptr, b.len);
	copy[b.len] = '\0';
	*out = kiso_str_borrow(p->a, copy, b.len, pos);
out:
	kiso_buf_release(&b);
	return rc;
}

static bool dig(char c)
{
	return c >= '0' && c <= '9';
}

/* -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? at p->i; 1 if there is none. */
static int parse_number(struct parser *p, struct kiso_value **out)
{
	size_t start = p->i, k = p->i;
	bool is_float = false;
	char *tmp;

	if (k < p->len && p->s[k] == '-')
		k++;
	if (k >= p->len || !dig(p->s[k]))
		return 1;
	if (p->s[k] == '0')
		k++;
	else
		while (k < p->len && dig(p->s[k]))
			k++;
	if (k + 1 < p->len && p->s[k] == '.' && dig(p->s[k + 1])) {
		is_float = true;
		for (k++; k < p->len && dig(p->s[k]); k++)
			;
	}
	if (k < p->len && (p->s[k] == 'e' || p->s[k] == 'E')) {
		size_t e = k + 1;

		if (e < p->len && (p->s[e] == '+' || p->s[e] == '-'))
			e++;
		if (e < p->len && dig(p->s[e])) {
			is_float = true;
			for (k = e; k < p->len && dig(p->s[k]); k++)
				;
		}
	}
	tmp = kiso_xstrndup(p->s + start, k - start);
	if (is_float) {
		*out = kiso_float(p->a, strtod(tmp, NULL), pos_at(p, start));
	} else {
		bool neg = tmp[0] == '-';
		uint64_t mag = 0;
		bool over = false;

		for (const char *c = tmp + neg; *c; c++)
			if (__builtin_mul_overflow(mag, (uint64_t)10, &mag) ||
			    __builtin_add_overflow(mag, (uint64_t)(*c - '0'), &mag))
				over = true;
		if (over || mag > (uint64_t)INT64_MAX + (neg ? 1 : 0))
			*out = kiso_strn(p->a, tmp, k - start, pos_at(p, start));
		else
			*out = kiso_int(p->a, neg ? (int64_t)(0 - mag) : (int64_t)mag, pos_at(p, start));
	}
	free(tmp);
	p->i = k;
	return 0;
}

static int parse_value(struct parser *p, struct kiso_value **out);

static int parse_array(struct parser *p, struct kiso_value **out)
{
	struct kiso_value *list = kiso_list_new(p->a, pos_at(p, p->i)), *item;
	int rc;

	p->i++;
	skip_ws(p);
	if (p->i < p->len && p->s[p->i] == ']') {
		p->i++;
		*out = list;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if ((rc = parse_value(p, &item)) < 0)
			return rc;
		kiso_list_push(p->a, list, item);
		skip_ws(p);
		if (p->i < p->len && p->s[p->i] == ']') {
			p->i++;
			break;
		}
		if (p->i >= p->len || p->s[p->i] != ',')
			return fail_at(p, p->i, "expecting ',' delimiter");
		p->i++;
	}
	*out = list;
	return 0;
}

static int parse_object(struct parser *p, struct kiso_value **out)
{
	struct kiso_value *map = kiso_map_new(p->a, pos_at(p, p->i)), *key, *val;
	int rc;

	p->i++;
	skip_ws(p);
	if (p->i < p->len && p->s[p->i] == '}') {
		p->i++;
		*out = map;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (p->i >= p->len || p->s[p->i] != '"')
			return fail_at(p, p->i, "expecting property name enclosed in double quotes");
		if ((rc = parse_string(p, &key)) < 0)
			return rc;
		skip_ws(p);
		if (p->i >= p->len || p->s[p->i] != ':')
			return fail_at(p, p->i, "expecting ':' delimiter");
		p->i++;
		skip_ws(p);
		if ((rc = parse_value(p, &val)) < 0)
			return rc;
		kiso_map_setv(p->a, map, key, val);
		skip_ws(p);
		if (p->i < p->len && p->s[p->i] == '}') {
			p->i++;
			break;
		}
		if (p->i >= p->len || p->s[p->i] != ',')
			return fail_at(p, p->i, "expecting ',' delimiter");
		p->i++;
	}
	*out = map;
	return 0;
}

static int parse_value(struct parser *p, struct kiso_value **out)
{
	size_t at = p->i;
	int rc;

	if (p->i >= p->len)
		return fail_at(p, p->i, "expecting value");
	switch (p->s[p->i]) {
	case '"':
		return parse_string(p, out);
	case '[':
	case '{':
		if (p->depth >= KISO_JSON_MAX_DEPTH)
			return fail_at(p, p->i, "maximum nesting depth exceeded");
		p->depth++;
		rc = p->s[p->i] == '[' ? parse_array(p, out) : parse_object(p, out);
		p->depth--;
		return rc;
	}
	if (starts(p, "null")) {
		p->i += 4;
		*out = kiso_null(p->a, pos_at(p, at));
		return 0;
	}
	if (starts(p, "true") || starts(p, "false")) {
		bool t = p->s[p->i] == 't';

		p->i += t ? 4 : 5;
		*out = kiso_bool(p->a, t, pos_at(p, at));
		return 0;
	}
	if (starts(p, "NaN")) {
		p->i += 3;
		*out = kiso_float(p->a, NAN, pos_at(p, at));
		return 0;
	}
	if (starts(p, "Infinity")) {
		p->i += 8;
		*out = kiso_float(p->a, INFINITY, pos_at(p, at));
		return 0;
	}
	if (starts(p, "-Infinity")) {
		p->i += 9;
		*out = kiso_float(p->a, -INFINITY, pos_at(p, at));
		return 0;
	}
	if (parse_number(p, out) == 0)
		return 0;
	return fail_at(p, p->i, "expecting value");
}

int kiso_json_parse(struct kiso_value **out, struct kiso_arena *a, const char *text, size_t len,
		    const char *name, struct kiso_error *err)
{
	struct parser p = { 0 };
	struct kiso_value *v;
	int rc;

	p.a = a;
	p.s = text ? text : "";
	p.len = text ? len : 0;
	p.file = kiso_pos_file(name ? name : "<json>");
	p.err = err;
	p.line = 1;
	p.col = 1;
	if (p.len >= 3 && memcmp(p.s, "\xEF\xBB\xBF", 3) == 0)
		return fail_at(&p, 0, "unexpected UTF-8 BOM (decode using utf-8-sig)");
	skip_ws(&p);
	if ((rc = parse_value(&p, &v)) < 0)
		return rc;
	skip_ws(&p);
	if (p.i != p.len)
		return fail_at(&p, p.i, "extra data");
	*out = v;
	return 0;
}
