/*
 * value.c - the data model: constructors, ordered maps, Python equality,
 * ordering, str(), repr() and JSON output.
 *
 * Maps keep entries in insertion order in an array. Past a few entries a
 * hash index over the string keys is kept up to date by every insertion
 * (never built during a lookup), so that maps shared between host
 * threads are only ever read by lookups.
 */
#include "kiso_common.h"
#include "value.h"

#include <math.h>

#define INDEX_MIN 8 /* maps with fewer entries are scanned */

static struct kiso_value *value_new(struct kiso_arena *a, enum kiso_type t, struct kiso_pos pos)
{
	struct kiso_value *v = kiso_arena_zalloc(a, sizeof(*v));

	v->type = t;
	v->pos = pos;
	return v;
}

struct kiso_value *kiso_null(struct kiso_arena *a, struct kiso_pos pos)
{
	return value_new(a, KISO_NULL, pos);
}

struct kiso_value *kiso_bool(struct kiso_arena *a, bool b, struct kiso_pos pos)
{
	struct kiso_value *v = value_new(a, KISO_BOOL, pos);

	v->u.b = b;
	return v;
}

struct kiso_value *kiso_int(struct kiso_arena *a, int64_t i, struct kiso_pos pos)
{
	struct kiso_value *v = value_new(a, KISO_INT, pos);

	v->u.i = i;
	return v;
}

struct kiso_value *kiso_float(struct kiso_arena *a, double f, struct kiso_pos pos)
{
	struct kiso_value *v = value_new(a, KISO_FLOAT, pos);

	v->u.f = f;
	return v;
}

struct kiso_value *kiso_strn(struct kiso_arena *a, const char *s, size_t n, struct kiso_pos pos)
{
	return kiso_str_borrow(a, kiso_arena_strndup(a, s, n), n, pos);
}

struct kiso_value *kiso_str(struct kiso_arena *a, const char *s, struct kiso_pos pos)
{
	return kiso_strn(a, s, strlen(s), pos);
}

struct kiso_value *kiso_str_borrow(struct kiso_arena *a, char *s, size_t n, struct kiso_pos pos)
{
	struct kiso_value *v = value_new(a, KISO_STR, pos);

	v->u.s.ptr = s;
	v->u.s.len = n;
	return v;
}

struct kiso_value *kiso_list_new(struct kiso_arena *a, struct kiso_pos pos)
{
	return value_new(a, KISO_LIST, pos);
}

struct kiso_value *kiso_map_new(struct kiso_arena *a, struct kiso_pos pos)
{
	return value_new(a, KISO_MAP, pos);
}

void kiso_list_push(struct kiso_arena *a, struct kiso_value *list, struct kiso_value *v)
{
	if (list->type != KISO_LIST)
		KISO_BUG("kiso_list_push on a %s", kiso_value_type_name(list));
	if (list->u.list.len == list->u.list.cap) {
		size_t ncap = list->u.list.cap ? list->u.list.cap * 2 : 4;
		list->u.list.items = kiso_arena_grow(a, list->u.list.items,
						     list->u.list.cap * sizeof(v), ncap * sizeof(v));
		list->u.list.cap = ncap;
	}
	list->u.list.items[list->u.list.len++] = v;
}

/* ---- maps ---- */

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void index_insert(struct kiso_value *map, size_t entry)
{
	const struct kiso_value *k = map->u.map.items[entry].key;
	size_t mask = map->u.map.index_cap - 1;
	size_t j;

	if (k->type != KISO_STR)
		return;
	j = hash_bytes(k->u.s.ptr, k->u.s.len) & mask;
	while (map->u.map.index[j])
		j = (j + 1) & mask;
	map->u.map.index[j] = (uint32_t)entry + 1;
}

static void index_rebuild(struct kiso_arena *a, struct kiso_value *map, size_t cap)
{
	if (a && cap != map->u.map.index_cap) {
		map->u.map.index = kiso_arena_alloc(a, cap * sizeof(uint32_t));
		map->u.map.index_cap = cap;
	}
	memset(map->u.map.index, 0, map->u.map.index_cap * sizeof(uint32_t));
	for (size_t i = 0; i < map->u.map.len; i++)
		index_insert(map, i);
}

static const struct kiso_mapent *map_find(const struct kiso_value *map, const char *key, size_t n)
{
	if (map->type != KISO_MAP)
		return NULL;
	if (map->u.map.index) {
		size_t mask = map->u.map.index_cap - 1;
		size_t j = hash_bytes(key, n) & mask;
		uint32_t e;

		while ((e = map->u.map.index[j]) != 0) {
			const struct kiso_mapent *me = &map->u.map.items[e - 1];
			if (me->key->u.s.len == n && memcmp(me->key->u.s.ptr, key, n) == 0)
				return me;
			j = (j + 1) & mask;
		}
		return NULL;
	}
	for (size_t i = 0; i < map->u.map.len; i++) {
		const struct kiso_value *k = map->u.map.items[i].key;
		if (k->type == KISO_STR && k->u.s.len == n && memcmp(k->u.s.ptr, key, n) == 0)
			return &map->u.map.items[i];
	}
	return NULL;
}

const struct kiso_mapent *kiso_map_entry(const struct kiso_value *map, const char *key)
{
	return map_find(map, key, strlen(key));
}

struct kiso_value *kiso_map_get(const struct kiso_value *map, const char *key)
{
	const struct kiso_mapent *e = map_find(map, key, strlen(key));

	return e ? e->val : NULL;
}

static const struct kiso_mapent *map_findv(const struct kiso_value *map,
					   const struct kiso_value *key)
{
	if (map->type != KISO_MAP)
		return NULL;
	if (key->type == KISO_STR)
		return map_find(map, key->u.s.ptr, key->u.s.len);
	for (size_t i = 0; i < map->u.map.len; i++)
		if (kiso_value_equal(map->u.map.items[i].key, key))
			return &map->u.map.items[i];
	return NULL;
}

struct kiso_value *kiso_map_getv(const struct kiso_value *map, const struct kiso_value *key)
{
	const struct kiso_mapent *e = map_findv(map, key);

	return e ? e->val : NULL;
}

void kiso_map_setv(struct kiso_arena *a, struct kiso_value *map, struct kiso_value *key,
		   struct kiso_value *v)
{
	struct kiso_mapent *e;

	if (map->type != KISO_MAP)
		KISO_BUG("kiso_map_set on a %s", kiso_value_type_name(map));
	e = (struct kiso_mapent *)map_findv(map, key);
	if (e) {
		e->val = v;
		return;
	}
	if (map->u.map.len == map->u.map.cap) {
		size_t ncap = map->u.map.cap ? map->u.map.cap * 2 : 4;
		map->u.map.items = kiso_arena_grow(a, map->u.map.items,
						   map->u.map.cap * sizeof(*e), ncap * sizeof(*e));
		map->u.map.cap = ncap;
	}
	e = &map->u.map.items[map->u.map.len++];
	e->key = key;
	e->val = v;
	if (map->u.map.len >= INDEX_MIN) {
		if (map->u.map.len * 2 > map->u.map.index_cap) {
			size_t cap = 16;
			while (cap < map->u.map.len * 4)
				cap *= 2;
			index_rebuild(a, map, cap);
		} else {
			index_insert(map, map->u.map.len - 1);
		}
	}
}

void kiso_map_set(struct kiso_arena *a, struct kiso_value *map, const char *key,
		  struct kiso_value *v)
{
	const struct kiso_mapent *e = map_find(map, key, strlen(key));

	if (e) {
		((struct kiso_mapent *)e)->val = v;
		return;
	}
	kiso_map_setv(a, map, kiso_str(a, key, v->pos), v);
}

bool kiso_map_del(struct kiso_value *map, const char *key)
{
	const struct kiso_mapent *e = map_find(map, key, strlen(key));
	size_t i;

	if (!e)
		return false;
	i = (size_t)(e - map->u.map.items);
	memmove(&map->u.map.items[i], &map->u.map.items[i + 1],
		(map->u.map.len - i - 1) * sizeof(*e));
	map->u.map.len--;
	if (map->u.map.index)
		index_rebuild(NULL, map, map->u.map.index_cap);
	return true;
}

/* ---- copy, truth, equality, order ---- */

struct kiso_value *kiso_value_copy(struct kiso_arena *a, const struct kiso_value *v)
{
	struct kiso_value *c;

	switch (v->type) {
	case KISO_STR:
		c = kiso_strn(a, v->u.s.ptr, v->u.s.len, v->pos);
		break;
	case KISO_LIST:
		c = kiso_list_new(a, v->pos);
		for (size_t i = 0; i < v->u.list.len; i++)
			kiso_list_push(a, c, kiso_value_copy(a, v->u.list.items[i]));
		break;
	case KISO_MAP:
		c = kiso_map_new(a, v->pos);
		for (size_t i = 0; i < v->u.map.len; i++)
			kiso_map_setv(a, c, kiso_value_copy(a, v->u.map.items[i].key),
				      kiso_value_copy(a, v->u.map.items[i].val));
		break;
	default:
		c = value_new(a, v->type, v->pos);
		c->u = v->u;
		break;
	}
	c->flags = v->flags;
	return c;
}

bool kiso_value_truthy(const struct kiso_value *v)
{
	switch (v->type) {
	case KISO_NULL:
		return false;
	case KISO_BOOL:
		return v->u.b;
	case KISO_INT:
		return v->u.i != 0;
	case KISO_FLOAT:
		return v->u.f != 0.0;
	case KISO_STR:
		return v->u.s.len != 0;
	case KISO_LIST:
		return v->u.list.len != 0;
	case KISO_MAP:
		return v->u.map.len != 0;
	}
	return false;
}

static bool is_number(const struct kiso_value *v)
{
	return v->type == KISO_BOOL || v->type == KISO_INT || v->type == KISO_FLOAT;
}

static int64_t as_int(const struct kiso_value *v)
{
	return v->type == KISO_BOOL ? (int64_t)v->u.b : v->u.i;
}

/* Compares two numbers exactly, as Python does for int against float. */
static int number_cmp(const struct kiso_value *x, const struct kiso_value *y, bool *unordered)
{
	*unordered = false;
	if (x->type != KISO_FLOAT && y->type != KISO_FLOAT) {
		int64_t a = as_int(x), b = as_int(y);
		return (a > b) - (a < b);
	}
	double a = x->type == KISO_FLOAT ? x->u.f : (double)as_int(x);
	double b = y->type == KISO_FLOAT ? y->u.f : (double)as_int(y);
	if (isnan(a) || isnan(b)) {
		*unordered = true;
		return 1;
	}
	if (x->type != KISO_FLOAT && a == b) {
		/* int vs float equal as doubles: compare exactly (2**53 + 1 vs 2.0**53) */
		if (b >= 9223372036854775808.0)
			return -1;
		if (b < -9223372036854775808.0)
			return 1;
		int64_t bi = (int64_t)b;
		int64_t ai = as_int(x);
		return (ai > bi) - (ai < bi);
	}
	if (y->type != KISO_FLOAT && a == b) {
		if (a >= 9223372036854775808.0)
			return 1;
		if (a < -9223372036854775808.0)
			return -1;
		int64_t ai = (int64_t)a;
		int64_t bi = as_int(y);
		return (ai > bi) - (ai < bi);
	}
	return (a > b) - (a < b);
}

bool kiso_value_equal(const struct kiso_value *x, const struct kiso_value *y)
{
	if (x == y)
		return !(x->type == KISO_FLOAT && isnan(x->u.f));
	if (is_number(x) && is_number(y)) {
		bool unordered;
		int c = number_cmp(x, y, &unordered);
		return !unordered && c == 0;
	}
	if (x->type != y->type)
		return false;
	switch (x->type) {
	case KISO_NULL:
		return true;
	case KISO_STR:
		return x->u.s.len == y->u.s.len && memcmp(x->u.s.ptr, y->u.s.ptr, x->u.s.len) == 0;
	case KISO_LIST:
		if (x->u.list.len != y->u.list.len)
			return false;
		for (size_t i = 0; i < x->u.list.len; i++)
			if (!kiso_value_equal(x->u.list.items[i], y->u.list.items[i]))
				return false;
		return true;
	case KISO_MAP:
		if (x->u.map.len != y->u.map.len)
			return false;
		for (size_t i = 0; i < x->u.map.len; i++) {
			const struct kiso_value *o = kiso_map_getv(y, x->u.map.items[i].key);
			if (!o || !kiso_value_equal(x->u.map.items[i].val, o))
				return false;
		}
		return true;
	default:
		return false;
	}
}

int kiso_value_compare(int *out, const struct kiso_value *x, const struct kiso_value *y)
{
	if (is_number(x) && is_number(y)) {
		bool unordered;
		int c = number_cmp(x, y, &unordered);
		*out = unordered ? 0 : c;
		return 0;
	}
	if (x->type != y->type)
		return -1;
	if (x->type == KISO_STR) {
		size_t n = x->u.s.len < y->u.s.len ? x->u.s.len : y->u.s.len;
		int c = memcmp(x->u.s.ptr, y->u.s.ptr, n);
		if (c == 0)
			c = (x->u.s.len > y->u.s.len) - (x->u.s.len < y->u.s.len);
		*out = (c > 0) - (c < 0);
		return 0;
	}
	if (x->type == KISO_LIST) {
		size_t n = x->u.list.len < y->u.list.len ? x->u.list.len : y->u.list.len;
		for (size_t i = 0; i < n; i++) {
			const struct kiso_value *a = x->u.list.items[i], *b = y->u.list.items[i];
			if (kiso_value_equal(a, b))
				continue;
			return kiso_value_compare(out, a, b);
		}
		*out = (x->u.list.len > y->u.list.len) - (x->u.list.len < y->u.list.len);
		return 0;
	}
	return -1;
}

const char *kiso_value_type_name(const struct kiso_value *v)
{
	static const char *const names[] = { "NoneType", "bool", "int", "float",
					     "str", "list", "dict" };

	return names[v->type];
}

/* ---- text forms ---- */

void kiso_float_repr(struct kiso_buf *b, double f)
{
	char digits[40];
	int prec, exp10;

	if (isnan(f)) {
		kiso_buf_puts(b, "nan");
		return;
	}
	if (isinf(f)) {
		kiso_buf_puts(b, f < 0 ? "-inf" : "inf");
		return;
	}
	if (f == 0.0) {
		kiso_buf_puts(b, signbit(f) ? "-0.0" : "0.0");
		return;
	}
	/* the shortest %.Ne that reads back as the same double */
	for (prec = 0; prec < 17; prec++) {
		snprintf(digits, sizeof(digits), "%.*e", prec, f);
		if (strtod(digits, NULL) == f)
			break;
	}
	/* digits: [-]D[.DDD]e[+-]XX -> mantissa digits and exponent */
	char mant[32];
	size_t m = 0;
	const char *p = digits;
	bool neg = false;
	if (*p == '-') {
		neg = true;
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			mant[m++] = *p;
	mant[m] = '\0';
	exp10 = atoi(p + 1);
	while (m > 1 && mant[m - 1] == '0')
		mant[--m] = '\0';
	if (neg)
		kiso_buf_putc(b, '-');
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			kiso_buf_puts(b, "0.");
			for (int i = -1; i > exp10; i--)
				kiso_buf_putc(b, '0');
			kiso_buf_puts(b, mant);
		} else if ((size_t)exp10 + 1 >= m) {
			kiso_buf_puts(b, mant);
			for (size_t i = m; i < (size_t)exp10 + 1; i++)
				kiso_buf_putc(b, '0');
			kiso_buf_puts(b, ".0");
		} else {
			kiso_buf_add(b, mant, (size_t)exp10 + 1);
			kiso_buf_putc(b, '.');
			kiso_buf_puts(b, mant + exp10 + 1);
		}
		return;
	}
	kiso_buf_putc(b, mant[0]);
	if (m > 1) {
		kiso_buf_putc(b, '.');
		kiso_buf_puts(b, mant + 1);
	}
	kiso_buf_printf(b, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

/* Decodes one UTF-8 sequence; returns its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && n >= 2 && (s[1] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return *cp >= 0x80 ? 2 : 0;
	}
	if ((s[0] & 0xf0) == 0xe0 && n >= 3 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		      (s[2] & 0x3f);
		return *cp >= 0x800 ? 3 : 0;
	}
	if ((s[0] & 0xf8) == 0xf0 && n >= 4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
		      ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		return *cp >= 0x10000 && *cp <= 0x10ffff ? 4 : 0;
	}
	return 0;
}

/* Python's str.isprintable() for the code points that matter in practice. */
static bool cp_printable(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad)
		return false;
	if ((cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
	    (cp >= 0x205f && cp <= 0x206f) || cp == 0x1680 || cp == 0x3000 || cp == 0xfeff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfff9 && cp <= 0xfffb))
		return false;
	return true;
}

static void str_repr(struct kiso_buf *b, const char *s, size_t n)
{
	char q = '\'';

	if (memchr(s, '\'', n) && !memchr(s, '"', n))
		q = '"';
	kiso_buf_putc(b, q);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t l;

		if (c == '\\' || c == (unsigned char)q) {
			kiso_buf_putc(b, '\\');
			kiso_buf_putc(b, (char)c);
			i++;
			continue;
		}
		if (c == '\n' || c == '\r' || c == '\t') {
			kiso_buf_puts(b, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
			i++;
			continue;
		}
		l = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (l == 0) {
			kiso_buf_printf(b, "\\x%02x", c);
			i++;
			continue;
		}
		if (!cp_printable(cp)) {
			if (cp < 0x100)
				kiso_buf_printf(b, "\\x%02x", (unsigned)cp);
			else if (cp < 0x10000)
				kiso_buf_printf(b, "\\u%04x", (unsigned)cp);
			else
				kiso_buf_printf(b, "\\U%08x", (unsigned)cp);
		} else {
			kiso_buf_add(b, s + i, l);
		}
		i += l;
	}
	kiso_buf_putc(b, q);
}

void kiso_value_repr(struct kiso_buf *b, const struct kiso_value *v)
{
	switch (v->type) {
	case KISO_NULL:
		kiso_buf_puts(b, "None");
		break;
	case KISO_BOOL:
		kiso_buf_puts(b, v->u.b ? "True" : "False");
		break;
	case KISO_INT:
		kiso_buf_printf(b, "%lld", (long long)v->u.i);
		break;
	case KISO_FLOAT:
		kiso_float_repr(b, v->u.f);
		break;
	case KISO_STR:
		str_repr(b, v->u.s.ptr, v->u.s.len);
		break;
	case KISO_LIST:
		kiso_buf_putc(b, '[');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				kiso_buf_puts(b, ", ");
			kiso_value_repr(b, v->u.list.items[i]);
		}
		kiso_buf_putc(b, ']');
		break;
	case KISO_MAP:
		kiso_buf_putc(b, '{');
		for (size_t i = 0; i < v->u.map.len; i++) {
			if (i)
				kiso_buf_puts(b, ", ");
			kiso_value_repr(b, v->u.map.items[i].key);
			kiso_buf_puts(b, ": ");
			kiso_value_repr(b, v->u.map.items[i].val);
		}
		kiso_buf_putc(b, '}');
		break;
	}
}

void kiso_value_str(struct kiso_buf *b, const struct kiso_value *v)
{
	if (v->type == KISO_STR)
		kiso_buf_add(b, v->u.s.ptr, v->u.s.len);
	else
		kiso_value_repr(b, v);
}

/* ---- JSON ---- */

static void json_str(struct kiso_buf *b, const char *s, size_t n, bool ascii)
{
	kiso_buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t l;

		switch (c) {
		case '"':
			kiso_buf_puts(b, "\\\"");
			i++;
			continue;
		case '\\':
			kiso_buf_puts(b, "\\\\");
			i++;
			continue;
		case '\n':
			kiso_buf_puts(b, "\\n");
			i++;
			continue;
		case '\r':
			kiso_buf_puts(b, "\\r");
			i++;
			continue;
		case '\t':
			kiso_buf_puts(b, "\\t");
			i++;
			continue;
		case '\b':
			kiso_buf_puts(b, "\\b");
			i++;
			continue;
		case '\f':
			kiso_buf_puts(b, "\\f");
			i++;
			continue;
		}
		if (c < 0x20 || (ascii && c == 0x7f)) {
			kiso_buf_printf(b, "\\u%04x", c);
			i++;
			continue;
		}
		if (c < 0x80) {
			kiso_buf_putc(b, (char)c);
			i++;
			continue;
		}
		l = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (l == 0) {
			/* not UTF-8: Python would have failed to decode; escape the byte */
			kiso_buf_printf(b, "\\u%04x", c);
			i++;
			continue;
		}
		if (!ascii) {
			kiso_buf_add(b, s + i, l);
		} else if (cp >= 0x10000) {
			uint32_t u = cp - 0x10000;
			kiso_buf_printf(b, "\\u%04x\\u%04x", 0xd800 + (unsigned)(u >> 10),
					0xdc00 + (unsigned)(u & 0x3ff));
		} else {
			kiso_buf_printf(b, "\\u%04x", (unsigned)cp);
		}
		i += l;
	}
	kiso_buf_putc(b, '"');
}

static void json_key(struct kiso_buf *b, const struct kiso_value *k, bool ascii)
{
	struct kiso_buf tmp = KISO_BUF_INIT;

	switch (k->type) {
	case KISO_STR:
		json_str(b, k->u.s.ptr, k->u.s.len, ascii);
		return;
	case KISO_NULL:
		kiso_buf_puts(b, "\"null\"");
		return;
	case KISO_BOOL:
		kiso_buf_puts(b, k->u.b ? "\"true\"" : "\"false\"");
		return;
	case KISO_FLOAT:
		/* Python's json writes float keys as it writes float values */
		kiso_buf_putc(b, '"');
		if (isnan(k->u.f))
			kiso_buf_puts(b, "NaN");
		else if (isinf(k->u.f))
			kiso_buf_puts(b, k->u.f < 0 ? "-Infinity" : "Infinity");
		else
			kiso_float_repr(b, k->u.f);
		kiso_buf_putc(b, '"');
		return;
	default:
		kiso_value_repr(&tmp, k);
		json_str(b, kiso_buf_cstr(&tmp), tmp.len, ascii);
		kiso_buf_release(&tmp);
		return;
	}
}

static void json_indent(struct kiso_buf *b, int indent, int depth)
{
	kiso_buf_putc(b, '\n');
	for (int i = 0; i < indent * depth; i++)
		kiso_buf_putc(b, ' ');
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct kiso_mapent *a = *(const struct kiso_mapent *const *)pa;
	const struct kiso_mapent *b = *(const struct kiso_mapent *const *)pb;
	int c = 0;

	if (kiso_value_compare(&c, a->key, b->key) < 0)
		c = strcmp(kiso_value_type_name(a->key), kiso_value_type_name(b->key));
	return c;
}

static void json_value(struct kiso_buf *b, const struct kiso_value *v, int indent, bool sort,
		       bool ascii, int depth)
{
	switch (v->type) {
	case KISO_NULL:
		kiso_buf_puts(b, "null");
		break;
	case KISO_BOOL:
		kiso_buf_puts(b, v->u.b ? "true" : "false");
		break;
	case KISO_INT:
		kiso_buf_printf(b, "%lld", (long long)v->u.i);
		break;
	case KISO_FLOAT:
		if (isnan(v->u.f))
			kiso_buf_puts(b, "NaN");
		else if (isinf(v->u.f))
			kiso_buf_puts(b, v->u.f < 0 ? "-Infinity" : "Infinity");
		else
			kiso_float_repr(b, v->u.f);
		break;
	case KISO_STR:
		json_str(b, v->u.s.ptr, v->u.s.len, ascii);
		break;
	case KISO_LIST:
		if (v->u.list.len == 0) {
			kiso_buf_puts(b, "[]");
			break;
		}
		kiso_buf_putc(b, '[');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				kiso_buf_puts(b, indent >= 0 ? "," : ", ");
			if (indent >= 0)
				json_indent(b, indent, depth + 1);
			json_value(b, v->u.list.items[i], indent, sort, ascii, depth + 1);
		}
		if (indent >= 0)
			json_indent(b, indent, depth);
		kiso_buf_putc(b, ']');
		break;
	case KISO_MAP: {
		size_t n = v->u.map.len;
		const struct kiso_mapent **ents;

		if (n == 0) {
			kiso_buf_puts(b, "{}");
			break;
		}
		ents = kiso_xmalloc(n * sizeof(*ents));
		for (size_t i = 0; i < n; i++)
			ents[i] = &v->u.map.items[i];
		if (sort)
			qsort(ents, n, sizeof(*ents), key_cmp);
		kiso_buf_putc(b, '{');
		for (size_t i = 0; i < n; i++) {
			if (i)
				kiso_buf_puts(b, indent >= 0 ? "," : ", ");
			if (indent >= 0)
				json_indent(b, indent, depth + 1);
			json_key(b, ents[i]->key, ascii);
			kiso_buf_puts(b, ": ");
			json_value(b, ents[i]->val, indent, sort, ascii, depth + 1);
		}
		free(ents);
		if (indent >= 0)
			json_indent(b, indent, depth);
		kiso_buf_putc(b, '}');
		break;
	}
	}
}

void kiso_value_json_ex(struct kiso_buf *b, const struct kiso_value *v, int indent, bool sort_keys,
			bool ensure_ascii)
{
	json_value(b, v, indent, sort_keys, ensure_ascii, 0);
}

void kiso_value_json(struct kiso_buf *b, const struct kiso_value *v, int indent, bool sort_keys)
{
	json_value(b, v, indent, sort_keys, false, 0);
}
