/*
 * yaml.c - YAML to values (libyaml's event parser) and values to YAML.
 *
 * The loader reproduces what Ansible gets from PyYAML: libyaml's parser
 * (Ansible uses CParser when it is there), PyYAML's composer rules
 * (anchors registered when a node starts, duplicate anchors rejected,
 * anchors forgotten at each document), SafeConstructor's scalar
 * constructors and merge-key flattening, and the YAML 1.1 implicit
 * resolver. The regular expressions of PyYAML's resolver are written out
 * below as small matchers, one per expression, in the same order.
 *
 * Values are built bottom-up from the events with an explicit stack (no
 * recursion, so deep input cannot overflow the C stack). Aliases share the
 * anchored value; to keep consumers that walk values safe, every node
 * records how many values it expands to and how deep it reaches, and the
 * load fails past KISO_YAML_MAX_NODES or KISO_YAML_MAX_DEPTH.
 *
 * The dumper does what Ansible's AnsibleDumper does: it is PyYAML's
 * CSafeDumper, i.e. SafeRepresenter's choices (tags, implicit flags, flow
 * style, sorted keys) turned into events for libyaml's own emitter, the
 * same library and version as on the Ansible side, so the bytes match.
 */
#include "kiso_common.h"

/* libyaml's own header: the build uses -iquote for kiso's headers */
#include <yaml.h>
#include "yaml.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* The YAML 1.1 resolver (PyYAML's yaml/resolver.py)                   */
/* ------------------------------------------------------------------ */

static bool isdig(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * (?::[0-5]?[0-9])+ starting at p[*j] == ':'; the groups must be followed
 * by 'term' (or the end when term is 0). Each group is one digit or a
 * [0-5] digit pair; only one of the two can be followed by ':' or term, so
 * no backtracking is needed.
 */
static bool match_sexa(const char *p, size_t m, size_t *j, char term)
{
	size_t i = *j;
	bool any = false;

	while (i < m && p[i] == ':') {
		size_t k = i + 1;

#define AT_END(x) ((x) == m || p[x] == ':' || (term && p[x] == term))
		if (k + 1 < m && p[k] >= '0' && p[k] <= '5' && isdig(p[k + 1]) && AT_END(k + 2))
			i = k + 2;
		else if (k < m && isdig(p[k]) && AT_END(k + 1))
			i = k + 1;
		else
			return false;
#undef AT_END
		any = true;
	}
	*j = i;
	return any && (term ? (i < m && p[i] == term) : i == m);
}

static bool all_in(const char *p, size_t m, const char *set)
{
	for (size_t i = 0; i < m; i++)
		if (!p[i] || !strchr(set, p[i]))
			return false;
	return true;
}

/*
 * ^(?:[-+]?0b[0-1_]+ |[-+]?0[0-7_]+ |[-+]?(?:0|[1-9][0-9_]*)
 *    |[-+]?0x[0-9a-fA-F_]+ |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$
 */
static bool match_int(const char *s, size_t n)
{
	size_t i = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	const char *p = s + i;
	size_t m = n - i, j;

	if (m == 0)
		return false;
	if (m >= 3 && p[0] == '0' && p[1] == 'b' && all_in(p + 2, m - 2, "01_"))
		return true;
	if (m >= 3 && p[0] == '0' && p[1] == 'x' &&
	    all_in(p + 2, m - 2, "0123456789abcdefABCDEF_"))
		return true;
	if (m >= 2 && p[0] == '0' && all_in(p + 1, m - 1, "01234567_"))
		return true;
	if (m == 1 && p[0] == '0')
		return true;
	if (p[0] < '1' || p[0] > '9')
		return false;
	for (j = 1; j < m && (isdig(p[j]) || p[j] == '_'); j++)
		;
	if (j == m)
		return true;
	return p[j] == ':' && match_sexa(p, m, &j, 0);
}

/* [eE][-+][0-9]+ to the end, from p[j]; or nothing at all. */
static bool match_exp_end(const char *p, size_t m, size_t j)
{
	if (j == m)
		return true;
	if ((p[j] != 'e' && p[j] != 'E') || j + 2 >= m || (p[j + 1] != '-' && p[j + 1] != '+'))
		return false;
	j += 2;
	for (; j < m; j++)
		if (!isdig(p[j]))
			return false;
	return true;
}

/*
 * ^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
 *    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
 *    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
 *    |[-+]?\.(?:inf|Inf|INF) |\.(?:nan|NaN|NAN))$
 */
static bool match_float(const char *s, size_t n)
{
	size_t i = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	const char *p = s + i;
	size_t m = n - i, j;

	if (m == 0)
		return false;
	if (m == 4 && p[0] == '.' &&
	    (!memcmp(p, ".inf", 4) || !memcmp(p, ".Inf", 4) || !memcmp(p, ".INF", 4)))
		return true;
	if (i == 0 && n == 4 &&
	    (!memcmp(s, ".nan", 4) || !memcmp(s, ".NaN", 4) || !memcmp(s, ".NAN", 4)))
		return true;
	if (p[0] == '.') {
		/* \.[0-9][0-9_]*(exp)? without a sign */
		if (i != 0 || m < 2 || !isdig(p[1]))
			return false;
		for (j = 2; j < m && (isdig(p[j]) || p[j] == '_'); j++)
			;
		return match_exp_end(p, m, j);
	}
	if (!isdig(p[0]))
		return false;
	for (j = 1; j < m && (isdig(p[j]) || p[j] == '_'); j++)
		;
	if (j < m && p[j] == ':') {
		if (!match_sexa(p, m, &j, '.'))
			return false;
		for (j++; j < m; j++)
			if (!isdig(p[j]) && p[j] != '_')
				return false;
		return true;
	}
	if (j == m || p[j] != '.')
		return false;
	for (j++; j < m && (isdig(p[j]) || p[j] == '_'); j++)
		;
	return match_exp_end(p, m, j);
}

/* Digits [lo, hi] of count 1..max at p[*j]. */
static bool digits(const char *p, size_t m, size_t *j, size_t min, size_t max)
{
	size_t k = 0;

	while (k < max && *j + k < m && isdig(p[*j + k]))
		k++;
	if (k < min)
		return false;
	*j += k;
	return true;
}

/*
 * ^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
 *    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
 *     (?:[Tt]|[ \t]+)[0-9][0-9]? :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
 *     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$
 */
static bool match_timestamp(const char *p, size_t m)
{
	size_t j = 0;

	if (m == 10 && digits(p, m, &j, 4, 4) && p[4] == '-' && isdig(p[5]) && isdig(p[6]) &&
	    p[7] == '-' && isdig(p[8]) && isdig(p[9]))
		return true;
	j = 0;
	if (!digits(p, m, &j, 4, 4) || j >= m || p[j++] != '-' || !digits(p, m, &j, 1, 2) ||
	    j >= m || p[j++] != '-' || !digits(p, m, &j, 1, 2) || j >= m)
		return false;
	if (p[j] == 'T' || p[j] == 't') {
		j++;
	} else if (p[j] == ' ' || p[j] == '\t') {
		while (j < m && (p[j] == ' ' || p[j] == '\t'))
			j++;
	} else {
		return false;
	}
	if (!digits(p, m, &j, 1, 2) || j >= m || p[j++] != ':' || !digits(p, m, &j, 2, 2) ||
	    j >= m || p[j++] != ':' || !digits(p, m, &j, 2, 2))
		return false;
	if (j < m && p[j] == '.') {
		j++;
		while (j < m && isdig(p[j]))
			j++;
	}
	if (j == m)
		return true;
	while (j < m && (p[j] == ' ' || p[j] == '\t'))
		j++;
	if (j == m)
		return false;
	if (p[j] == 'Z')
		return j + 1 == m;
	if (p[j] != '-' && p[j] != '+')
		return false;
	j++;
	if (!digits(p, m, &j, 1, 2))
		return false;
	if (j == m)
		return true;
	if (p[j++] != ':' || !digits(p, m, &j, 2, 2))
		return false;
	return j == m;
}

static bool eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

enum kiso_yaml_kind kiso_yaml_resolve(const char *s, size_t n)
{
	static const char *const bools[] = {
		"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
		"false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
	};

	if (n == 0 || eq(s, n, "~") || eq(s, n, "null") || eq(s, n, "Null") || eq(s, n, "NULL"))
		return KISO_YAML_NULL;
	for (size_t i = 0; i < KISO_ARRAY_SIZE(bools); i++)
		if (eq(s, n, bools[i]))
			return KISO_YAML_BOOL;
	/* PyYAML tries float, then int, then timestamp for a leading digit */
	if (match_float(s, n))
		return KISO_YAML_FLOAT;
	if (match_int(s, n))
		return KISO_YAML_INT;
	if (match_timestamp(s, n))
		return KISO_YAML_TIMESTAMP;
	if (eq(s, n, "<<"))
		return KISO_YAML_MERGE;
	if (eq(s, n, "="))
		return KISO_YAML_VALUE;
	if (eq(s, n, "!") || eq(s, n, "&") || eq(s, n, "*"))
		return KISO_YAML_OTHER;
	return KISO_YAML_STR;
}

/* ------------------------------------------------------------------ */
/* Scalar constructors (PyYAML's SafeConstructor)                       */
/* ------------------------------------------------------------------ */

/* s without '_' (PyYAML's value.replace('_', '')), malloc'd. */
static char *strip_underscores(const char *s, size_t n)
{
	char *d = kiso_xmalloc(n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			d[k++] = s[i];
	d[k] = '\0';
	return d;
}

static bool pyspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Python's int(s, base) * outer_sign for s without underscores:
 * surrounding blanks, an optional sign, the base's optional prefix (0b,
 * 0o, 0x), at least one digit. 0 ok, 1 out of int64 range, -1 not a number.
 */
static int py_int(int64_t *out, const char *s, int base, int outer_sign)
{
	const char *p = s, *e = s + strlen(s);
	bool neg = outer_sign < 0;
	uint64_t mag = 0;
	bool over = false;

	while (p < e && pyspace(*p))
		p++;
	while (e > p && pyspace(e[-1]))
		e--;
	if (p < e && (*p == '+' || *p == '-'))
		neg ^= *p++ == '-';
	if (e - p >= 2 && p[0] == '0' &&
	    ((base == 2 && (p[1] == 'b' || p[1] == 'B')) ||
	     (base == 8 && (p[1] == 'o' || p[1] == 'O')) ||
	     (base == 16 && (p[1] == 'x' || p[1] == 'X'))))
		p += 2;
	if (p == e)
		return -1;
	for (; p < e; p++) {
		int d;

		if (isdig(*p))
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		if (!over && (__builtin_mul_overflow(mag, (uint64_t)base, &mag) ||
			      __builtin_add_overflow(mag, (uint64_t)d, &mag)))
			over = true;
	}
	if (over || mag > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return 1;
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

/*
 * PyYAML's construct_yaml_int. 0 ok, 1 out of range (the caller keeps the
 * text as a string), -1 invalid with msg set.
 */
static int construct_int(int64_t *out, const char *s, size_t n, char *msg, size_t msgsize)
{
	char *v = strip_underscores(s, n), *p = v;
	int64_t sign = 1, r = 0;
	int rc = 0, base = 10;

	if (*p == '\0') {
		snprintf(msg, msgsize, "invalid literal for int(): '%s'", v);
		rc = -1;
		goto out;
	}
	if (*p == '-')
		sign = -1;
	if (*p == '+' || *p == '-')
		p++;
	if (strcmp(p, "0") == 0) {
		r = 0;
	} else if (strncmp(p, "0b", 2) == 0) {
		base = 2;
		rc = py_int(&r, p + 2, 2, (int)sign);
	} else if (strncmp(p, "0x", 2) == 0) {
		base = 16;
		rc = py_int(&r, p + 2, 16, (int)sign);
	} else if (p[0] == '0') {
		base = 8;
		rc = py_int(&r, p, 8, (int)sign);
	} else if (strchr(p, ':')) {
		/* sexagesimal: 190:20:30 = 190*3600 + 20*60 + 30 */
		int64_t mul = 1;
		char *end = p + strlen(p);

		while (rc == 0) {
			char *colon = end;
			int64_t d, t;

			while (colon > p && colon[-1] != ':')
				colon--;
			char save = *end;
			*end = '\0';
			rc = py_int(&d, colon, 10, (int)sign);
			*end = save;
			if (rc != 0)
				break;
			if (__builtin_mul_overflow(d, mul, &t) || __builtin_add_overflow(r, t, &r)) {
				rc = 1;
				break;
			}
			if (colon == p)
				break;
			end = colon - 1;
			if (__builtin_mul_overflow(mul, (int64_t)60, &mul))
				mul = INT64_MAX; /* only matters if another group follows */
		}
	} else {
		rc = py_int(&r, p, 10, (int)sign);
	}
	if (rc < 0) {
		const char *digs = p + (base == 2 || base == 16 ? 2 : 0);

		snprintf(msg, msgsize, "invalid literal for int() with base %d: '%s'", base,
			 strchr(p, ':') && base == 10 ? p : digs);
		goto out;
	}
	*out = r; /* the sign went into each py_int() */
out:
	free(v);
	return rc;
}

/* Python's float(s): 0 ok, -1 not a float. */
static int py_float(double *out, const char *s)
{
	const char *p = s, *e = s + strlen(s), *q;
	char *tmp, *end;
	bool digs = false;

	while (p < e && pyspace(*p))
		p++;
	while (e > p && pyspace(e[-1]))
		e--;
	q = p;
	if (q < e && (*q == '+' || *q == '-'))
		q++;
	/* inf, infinity, nan in any case */
	if ((e - q == 3 && (!strncasecmp(q, "inf", 3) || !strncasecmp(q, "nan", 3))) ||
	    (e - q == 8 && !strncasecmp(q, "infinity", 8))) {
		double v = (tolower((unsigned char)q[0]) == 'n') ? NAN : INFINITY;

		*out = (*p == '-') ? -v : v;
		return 0;
	}
	while (q < e && isdig(*q)) {
		q++;
		digs = true;
	}
	if (q < e && *q == '.') {
		q++;
		while (q < e && isdig(*q)) {
			q++;
			digs = true;
		}
	}
	if (!digs)
		return -1;
	if (q < e && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		if (q == e || !isdig(*q))
			return -1;
		while (q < e && isdig(*q))
			q++;
	}
	if (q != e)
		return -1;
	tmp = kiso_xstrndup(p, (size_t)(e - p));
	*out = strtod(tmp, &end);
	free(tmp);
	return 0;
}

/* PyYAML's construct_yaml_float. 0 ok, -1 invalid with msg set. */
static int construct_float(double *out, const char *s, size_t n, char *msg, size_t msgsize)
{
	char *v = strip_underscores(s, n), *p = v;
	double sign = 1.0, r = 0.0;
	int rc = 0;

	for (char *c = v; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (*p == '-')
		sign = -1.0;
	if (*p == '+' || *p == '-')
		p++;
	if (strcmp(p, ".inf") == 0) {
		r = sign * INFINITY;
	} else if (strcmp(p, ".nan") == 0) {
		r = NAN;
	} else if (strchr(p, ':')) {
		double mul = 1.0;
		char *end = p + strlen(p);

		for (;;) {
			char *colon = end;
			double d;

			while (colon > p && colon[-1] != ':')
				colon--;
			char save = *end;
			*end = '\0';
			rc = py_float(&d, colon);
			*end = save;
			if (rc < 0)
				break;
			r += d * mul;
			if (colon == p)
				break;
			end = colon - 1;
			mul *= 60.0;
		}
		r *= sign;
	} else {
		rc = py_float(&r, p);
		r *= sign;
	}
	if (rc < 0)
		snprintf(msg, msgsize, "could not convert string to float: '%s'", p);
	*out = r;
	free(v);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Small hash tables (anchors by name, values by address)               */
/* ------------------------------------------------------------------ */

enum special {
	SP_NONE,
	SP_MERGE, /* '<<' (tag:yaml.org,2002:merge): only valid as a key */
	SP_VALUE, /* '=' (tag:yaml.org,2002:value): a string as a key, else an error */
};

struct anchor {
	char *name; /* malloc'd; NULL marks a free slot */
	struct kiso_value *v; /* NULL while the anchored node is being built */
	uint64_t size;
	int height;
	enum special special;
	struct kiso_pos pos;
};

struct anchors {
	struct anchor *slots;
	size_t cap; /* power of two or 0 */
	size_t used;
};

static uint64_t hash_bytes(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct anchor *anchors_find(struct anchors *t, const char *name, bool *found)
{
	size_t i;

	*found = false;
	if (!t->cap)
		return NULL;
	for (i = hash_bytes(name) & (t->cap - 1); t->slots[i].name; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slots[i].name, name) == 0) {
			*found = true;
			return &t->slots[i];
		}
	return &t->slots[i];
}

static struct anchor *anchors_add(struct anchors *t, const char *name)
{
	struct anchor *slot;
	bool found;

	if ((t->used + 1) * 2 > t->cap) {
		struct anchors n = { NULL, t->cap ? t->cap * 2 : 16, 0 };

		n.slots = kiso_xcalloc(n.cap, sizeof(*n.slots));
		for (size_t i = 0; i < t->cap; i++)
			if (t->slots[i].name) {
				slot = anchors_find(&n, t->slots[i].name, &found);
				*slot = t->slots[i];
				n.used++;
			}
		free(t->slots);
		*t = n;
	}
	slot = anchors_find(t, name, &found);
	memset(slot, 0, sizeof(*slot));
	slot->name = kiso_xstrdup(name);
	t->used++;
	return slot;
}

static void anchors_clear(struct anchors *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].name);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

struct ptrmap {
	const void **keys;
	void **vals;
	size_t cap, used;
};

static size_t ptr_hash(const void *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 17) & (cap - 1);
}

static void *ptrmap_get(const struct ptrmap *m, const void *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = ptr_hash(k, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return m->vals[i];
	return NULL;
}

static void ptrmap_put(struct ptrmap *m, const void *k, void *v)
{
	size_t i;

	if ((m->used + 1) * 2 > m->cap) {
		struct ptrmap n = { NULL, NULL, m->cap ? m->cap * 2 : 64, 0 };

		n.keys = kiso_xcalloc(n.cap, sizeof(*n.keys));
		n.vals = kiso_xcalloc(n.cap, sizeof(*n.vals));
		for (i = 0; i < m->cap; i++)
			if (m->keys[i])
				ptrmap_put(&n, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = n;
	}
	for (i = ptr_hash(k, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k) {
			m->vals[i] = v;
			return;
		}
	m->keys[i] = k;
	m->vals[i] = v;
	m->used++;
}

static void ptrmap_release(struct ptrmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* The loader                                                           */
/* ------------------------------------------------------------------ */

#define TAG_PREFIX "tag:yaml.org,2002:"

struct pair {
	struct kiso_value *key;
	struct kiso_value *val;
	struct kiso_pos vpos; /* where the value was written (an alias's place) */
	bool merge;
};

struct frame {
	bool is_map;
	bool unsafe;
	struct kiso_pos pos;
	struct kiso_value *list; /* sequences: built as items arrive */
	char *anchor; /* malloc'd name, or NULL */
	uint64_t size;
	int height; /* of the tallest child */
	struct pair *pairs;
	size_t npairs, cap;
	bool have_key;
	struct kiso_value *key;
	bool key_merge;
};

struct loader {
	struct kiso_arena *a;
	const char *file;
	struct kiso_error *err;
	struct frame *stack;
	size_t depth, cap;
	struct anchors anchors;
	uint64_t total; /* values in the documents finished so far */
	struct kiso_value *docs;
	struct kiso_value *root;
	bool single;
	size_t ndocs;
	struct kiso_error pending; /* a construction error, reported at the document's end */
};

static struct kiso_pos mark_pos(const struct loader *ld, yaml_mark_t m)
{
	return (struct kiso_pos){ ld->file, (int)m.line + 1, (int)m.column + 1 };
}

static int fail(struct loader *ld, struct kiso_pos pos, const char *fmt, ...) KISO_PRINTF(3, 4);

static int fail(struct loader *ld, struct kiso_pos pos, const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kiso_error_set(ld->err, KISO_EINVALID, pos, "%s", msg);
}

/*
 * A construction error. PyYAML composes a whole document (all of libyaml's
 * events, anchors and aliases) before it constructs values, so a syntax
 * error or an alias error later in the same document is what Ansible
 * reports. The first construction error is kept, the load goes on with a
 * stand-in value, and the error is reported at the end of the document.
 */
static void cfail(struct loader *ld, struct kiso_pos pos, const char *fmt, ...) KISO_PRINTF(3, 4);

static void cfail(struct loader *ld, struct kiso_pos pos, const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	if (ld->pending.code)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kiso_error_set(&ld->pending, KISO_EINVALID, pos, "%s", msg);
}

/* '!!str' for 'tag:yaml.org,2002:str', the tag itself otherwise. */
static void tag_short(char *buf, size_t size, const char *tag)
{
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0)
		snprintf(buf, size, "!!%s", tag + strlen(TAG_PREFIX));
	else
		snprintf(buf, size, "%s", tag);
}

static const char *kind_word(int kind)
{
	return kind == 0 ? "scalar" : kind == 1 ? "sequence" : "mapping";
}

static uint64_t sat_add(uint64_t x, uint64_t y)
{
	uint64_t r = x + y;

	return (r < x || r > (uint64_t)KISO_YAML_MAX_NODES + 1) ? (uint64_t)KISO_YAML_MAX_NODES + 1 : r;
}

static const char *type_word(const struct kiso_value *v)
{
	return v->type == KISO_LIST ? "sequence" : v->type == KISO_MAP ? "mapping" : "scalar";
}

/*
 * A finished node: the root of the document, an item of the enclosing
 * sequence, or a key or value of the enclosing mapping. 'at' is where it
 * was written (for an alias, the alias).
 */
static int complete(struct loader *ld, struct kiso_value *v, uint64_t size, int height,
		    enum special sp, struct kiso_pos at)
{
	struct frame *f;

	if ((uint64_t)ld->depth + (uint64_t)height > KISO_YAML_MAX_DEPTH)
		return fail(ld, at, "nesting too deep: more than %d levels (with aliases expanded)",
			    KISO_YAML_MAX_DEPTH);
	if (sp != SP_NONE && !(ld->depth > 0 && ld->stack[ld->depth - 1].is_map &&
				 !ld->stack[ld->depth - 1].have_key)) {
		/* '<<' and '=' are only keys */
		cfail(ld, at, "could not determine a constructor for the tag '%s'",
		      sp == SP_MERGE ? TAG_PREFIX "merge" : TAG_PREFIX "value");
		sp = SP_NONE;
	}
	if (ld->depth == 0) {
		ld->total = sat_add(ld->total, size);
		if (ld->total > KISO_YAML_MAX_NODES)
			goto bomb;
		ld->root = v;
		return 0;
	}
	f = &ld->stack[ld->depth - 1];
	f->size = sat_add(f->size, size);
	if (sat_add(f->size, ld->total) > KISO_YAML_MAX_NODES)
		goto bomb;
	if (height > f->height)
		f->height = height;
	if (!f->is_map) {
		kiso_list_push(ld->a, f->list, v);
		return 0;
	}
	if (!f->have_key) {
		if (v->type == KISO_LIST || v->type == KISO_MAP) {
			cfail(ld, at, "mapping key must be a scalar, found a %s", type_word(v));
			v = kiso_null(ld->a, at);
		}
		f->have_key = true;
		f->key = v;
		f->key_merge = sp == SP_MERGE;
		return 0;
	}
	if (f->npairs == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->pairs = kiso_xrealloc(f->pairs, f->cap * sizeof(*f->pairs));
	}
	f->pairs[f->npairs++] = (struct pair){ f->key, v, at, f->key_merge };
	f->have_key = false;
	return 0;
bomb:
	return fail(ld, at, "document too large: more than %d values with aliases expanded "
		    "(an alias bomb?)", KISO_YAML_MAX_NODES);
}

/*
 * PyYAML registers an anchor when its node starts (so an alias inside the
 * node finds it and makes a recursive structure, which kiso rejects) and
 * refuses the same anchor twice in a document.
 */
static int anchor_start(struct loader *ld, const char *name, struct kiso_pos pos)
{
	bool found;
	struct anchor *an = anchors_find(&ld->anchors, name, &found);

	if (found)
		return fail(ld, pos, "found duplicate anchor '%s'; first occurrence at line %d, "
			    "column %d", name, an->pos.line, an->pos.col);
	an = anchors_add(&ld->anchors, name);
	an->pos = pos;
	return 0;
}

static void anchor_finish(struct loader *ld, const char *name, struct kiso_value *v,
			  uint64_t size, int height, enum special sp)
{
	bool found;
	struct anchor *an = anchors_find(&ld->anchors, name, &found);

	if (!found)
		KISO_BUG("anchor '%s' vanished", name);
	an->v = v;
	an->size = size;
	an->height = height;
	an->special = sp;
}

/*
 * Ansible's wrap_var(): a copy of v with every string (keys too) flagged
 * unsafe. Shared values are copied once (memo), so aliases cannot make
 * this blow up; the copy has the same shape and sharing as v.
 */
static struct kiso_value *mark_unsafe(struct loader *ld, struct ptrmap *memo, struct kiso_value *v)
{
	struct kiso_value *n = ptrmap_get(memo, v);

	if (n)
		return n;
	switch (v->type) {
	case KISO_STR:
		if (v->flags & KISO_VF_UNSAFE)
			return v;
		n = kiso_arena_alloc(ld->a, sizeof(*n));
		*n = *v; /* strings are immutable: sharing the bytes is fine */
		n->flags |= KISO_VF_UNSAFE;
		break;
	case KISO_LIST:
		n = kiso_list_new(ld->a, v->pos);
		n->flags = v->flags;
		for (size_t i = 0; i < v->u.list.len; i++)
			kiso_list_push(ld->a, n, mark_unsafe(ld, memo, v->u.list.items[i]));
		break;
	case KISO_MAP:
		n = kiso_map_new(ld->a, v->pos);
		n->flags = v->flags;
		for (size_t i = 0; i < v->u.map.len; i++)
			kiso_map_setv(ld->a, n, mark_unsafe(ld, memo, v->u.map.items[i].key),
				      mark_unsafe(ld, memo, v->u.map.items[i].val));
		break;
	default:
		return v;
	}
	ptrmap_put(memo, v, n);
	return n;
}

static struct kiso_value *wrap_unsafe(struct loader *ld, struct kiso_value *v)
{
	struct ptrmap memo = { 0 };
	struct kiso_value *r = mark_unsafe(ld, &memo, v);

	ptrmap_release(&memo);
	return r;
}

static int is_tag(const char *tag, const char *name)
{
	return tag && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0 &&
	       strcmp(tag + strlen(TAG_PREFIX), name) == 0;
}

/*
 * Checks the tag of a collection (kind 1 sequence, 2 mapping). Sets
 * *unsafe for !unsafe.
 */
/* A collection with a tag it cannot have: reported later, built untagged. */
static int bad_tag(struct loader *ld, struct kiso_pos pos, const char *fmt, ...) KISO_PRINTF(3, 4);

static int bad_tag(struct loader *ld, struct kiso_pos pos, const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfail(ld, pos, "%s", msg);
	return 0;
}

static int collection_tag(struct loader *ld, const char *tag, int kind, struct kiso_pos pos,
			  bool *unsafe)
{
	char t[256];

	*unsafe = false;
	if (!tag || strcmp(tag, "!") == 0)
		return 0;
	if (strcmp(tag, "!unsafe") == 0) {
		*unsafe = true;
		return 0;
	}
	if (kind == 1 && is_tag(tag, "seq"))
		return 0;
	if (kind == 2 && (is_tag(tag, "map") || is_tag(tag, "python/dict")))
		return 0;
	if (is_tag(tag, "seq"))
		return bad_tag(ld, pos, "expected a sequence node, but found %s", kind_word(kind));
	if (is_tag(tag, "map") || is_tag(tag, "python/dict"))
		return bad_tag(ld, pos, "expected a mapping node, but found %s", kind_word(kind));
	if (is_tag(tag, "str") || is_tag(tag, "python/unicode") || is_tag(tag, "int") ||
	    is_tag(tag, "float") || is_tag(tag, "bool") || is_tag(tag, "null") ||
	    is_tag(tag, "timestamp") || strcmp(tag, "!vault") == 0 ||
	    strcmp(tag, "!vault-encrypted") == 0)
		return bad_tag(ld, pos, "expected a scalar node, but found %s", kind_word(kind));
	tag_short(t, sizeof(t), tag);
	return bad_tag(ld, pos, "unknown tag '%s'", t);
}

/* A scalar event as PyYAML's composer and SafeConstructor see it. */
/* A scalar that cannot be constructed: reported later, a null meanwhile. */
static int bad_scalar(struct loader *ld, struct kiso_pos pos, struct kiso_value **out,
		      const char *fmt, ...) KISO_PRINTF(4, 5);

static int bad_scalar(struct loader *ld, struct kiso_pos pos, struct kiso_value **out,
		      const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfail(ld, pos, "%s", msg);
	*out = kiso_null(ld->a, pos);
	return 0;
}

static int scalar_value(struct loader *ld, const yaml_event_t *ev, struct kiso_pos pos,
			struct kiso_value **out, enum special *sp)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
		     ev->data.scalar.style == YAML_ANY_SCALAR_STYLE;
	unsigned qflag = plain ? 0 : KISO_VF_QUOTED;
	enum kiso_yaml_kind kind;
	char msg[512], t[256];
	int64_t i;
	double f;
	int rc;

	*sp = SP_NONE;
	if (!tag || strcmp(tag, "!") == 0) {
		/* libyaml sets plain_implicit for plain scalars and for '!' */
		kind = ev->data.scalar.plain_implicit ? kiso_yaml_resolve(s, n) : KISO_YAML_STR;
	} else if (is_tag(tag, "str") || is_tag(tag, "python/unicode")) {
		kind = KISO_YAML_STR;
	} else if (is_tag(tag, "int")) {
		kind = KISO_YAML_INT;
	} else if (is_tag(tag, "float")) {
		kind = KISO_YAML_FLOAT;
	} else if (is_tag(tag, "bool")) {
		kind = KISO_YAML_BOOL;
	} else if (is_tag(tag, "null")) {
		kind = KISO_YAML_NULL;
	} else if (is_tag(tag, "timestamp")) {
		kind = KISO_YAML_TIMESTAMP;
	} else if (is_tag(tag, "merge")) {
		kind = KISO_YAML_MERGE;
	} else if (is_tag(tag, "value")) {
		kind = KISO_YAML_VALUE;
	} else if (strcmp(tag, "!unsafe") == 0) {
		*out = kiso_strn(ld->a, s, n, pos);
		(*out)->flags |= KISO_VF_UNSAFE | qflag;
		return 0;
	} else if (strcmp(tag, "!vault") == 0 || strcmp(tag, "!vault-encrypted") == 0) {
		*out = kiso_strn(ld->a, s, n, pos);
		(*out)->flags |= KISO_VF_VAULT | qflag;
		return 0;
	} else if (is_tag(tag, "seq")) {
		return bad_scalar(ld, pos, out, "expected a sequence node, but found scalar");
	} else if (is_tag(tag, "map") || is_tag(tag, "python/dict")) {
		return bad_scalar(ld, pos, out, "expected a mapping node, but found scalar");
	} else {
		tag_short(t, sizeof(t), tag);
		return bad_scalar(ld, pos, out, "unknown tag '%s'", t);
	}

	switch (kind) {
	case KISO_YAML_NULL:
		*out = kiso_null(ld->a, pos);
		return 0;
	case KISO_YAML_BOOL: {
		static const char *const t_[] = { "yes", "true", "on" };
		static const char *const f_[] = { "no", "false", "off" };

		for (size_t k = 0; k < 3; k++) {
			if (n == strlen(t_[k]) && strncasecmp(s, t_[k], n) == 0) {
				*out = kiso_bool(ld->a, true, pos);
				return 0;
			}
			if (n == strlen(f_[k]) && strncasecmp(s, f_[k], n) == 0) {
				*out = kiso_bool(ld->a, false, pos);
				return 0;
			}
		}
		return bad_scalar(ld, pos, out, "cannot construct a boolean from '%.*s'", (int)(n > 64 ? 64 : n), s);
	}
	case KISO_YAML_INT:
		if (memchr(s, '\0', n))
			return bad_scalar(ld, pos, out, "invalid literal for int(): embedded NUL");
		rc = construct_int(&i, s, n, msg, sizeof(msg));
		if (rc < 0)
			return bad_scalar(ld, pos, out, "%s", msg);
		if (rc > 0) /* beyond int64: keep the digits (Python has big ints) */
			*out = kiso_strn(ld->a, s, n, pos);
		else
			*out = kiso_int(ld->a, i, pos);
		(*out)->flags |= qflag;
		return 0;
	case KISO_YAML_FLOAT:
		if (memchr(s, '\0', n))
			return bad_scalar(ld, pos, out, "could not convert string to float: embedded NUL");
		if (construct_float(&f, s, n, msg, sizeof(msg)) < 0)
			return bad_scalar(ld, pos, out, "%s", msg);
		*out = kiso_float(ld->a, f, pos);
		(*out)->flags |= qflag;
		return 0;
	case KISO_YAML_MERGE:
		*sp = SP_MERGE;
		break;
	case KISO_YAML_VALUE:
		*sp = SP_VALUE;
		break;
	case KISO_YAML_TIMESTAMP: /* Ansible gets a datetime.date; kiso keeps the text */
	case KISO_YAML_STR:
	case KISO_YAML_OTHER:
		break;
	}
	*out = kiso_strn(ld->a, s, n, pos);
	(*out)->flags |= qflag;
	return 0;
}

static void push_frame(struct loader *ld, bool is_map, bool unsafe, struct kiso_pos pos,
		       const char *anchor)
{
	struct frame *f;

	if (ld->depth == ld->cap) {
		ld->cap = ld->cap ? ld->cap * 2 : 16;
		ld->stack = kiso_xrealloc(ld->stack, ld->cap * sizeof(*ld->stack));
	}
	f = &ld->stack[ld->depth++];
	memset(f, 0, sizeof(*f));
	f->is_map = is_map;
	f->unsafe = unsafe;
	f->pos = pos;
	f->anchor = anchor ? kiso_xstrdup(anchor) : NULL;
	if (!is_map)
		f->list = kiso_list_new(ld->a, pos);
}

static void frame_release(struct frame *f)
{
	free(f->pairs);
	free(f->anchor);
	f->pairs = NULL;
	f->anchor = NULL;
}

/*
 * map[key] = val. A NaN key never equals itself, but PyYAML returns one
 * shared NaN object for '.nan', and Python's dict matches keys by identity
 * first: every NaN key of a mapping is the same key. *nan is the index of
 * the mapping's NaN entry, or SIZE_MAX.
 */
static void map_put(struct loader *ld, struct kiso_value *map, struct kiso_value *key,
		    struct kiso_value *val, size_t *nan)
{
	if (key->type == KISO_FLOAT && isnan(key->u.f)) {
		if (*nan != SIZE_MAX) {
			map->u.map.items[*nan].val = val;
			return;
		}
		*nan = map->u.map.len;
	}
	kiso_map_setv(ld->a, map, key, val);
}

static void merge_entries(struct loader *ld, struct kiso_value *dst, const struct kiso_value *src,
			  size_t *nan)
{
	for (size_t i = 0; i < src->u.map.len; i++)
		map_put(ld, dst, src->u.map.items[i].key, src->u.map.items[i].val, nan);
}

/*
 * PyYAML's flatten_mapping() then construct_mapping(): the pairs of every
 * merged map first (for a list of maps, the last map first so that the
 * earlier ones overwrite it), then the mapping's own pairs in order. Later
 * pairs overwrite earlier ones and keys keep their first place.
 */
static int build_map(struct loader *ld, struct frame *f, struct kiso_value **out)
{
	struct kiso_value *map = kiso_map_new(ld->a, f->pos);
	size_t nan = SIZE_MAX;

	for (size_t i = 0; i < f->npairs; i++) {
		const struct pair *p = &f->pairs[i];
		const struct kiso_value *v = p->val;

		if (!p->merge)
			continue;
		if (v->type == KISO_MAP) {
			merge_entries(ld, map, v, &nan);
		} else if (v->type == KISO_LIST) {
			bool all_maps = true;

			for (size_t k = 0; k < v->u.list.len && all_maps; k++)
				if (v->u.list.items[k]->type != KISO_MAP) {
					cfail(ld, v->u.list.items[k]->pos,
					      "expected a mapping for merging, but found %s",
					      type_word(v->u.list.items[k]));
					all_maps = false;
				}
			for (size_t k = v->u.list.len; all_maps && k-- > 0;)
				merge_entries(ld, map, v->u.list.items[k], &nan);
		} else {
			cfail(ld, p->vpos, "expected a mapping or list of mappings for merging, but found %s",
			      type_word(v));
		}
	}
	for (size_t i = 0; i < f->npairs; i++)
		if (!f->pairs[i].merge)
			map_put(ld, map, f->pairs[i].key, f->pairs[i].val, &nan);
	*out = map;
	return 0;
}

static int libyaml_error(struct loader *ld, yaml_parser_t *p, const char *text, size_t len)
{
	struct kiso_pos pos = { ld->file, 0, 0 };
	const char *problem = p->problem ? p->problem : "unknown error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return kiso_error_set(ld->err, KISO_EFAIL, pos, "out of memory while parsing YAML");
	case YAML_READER_ERROR: {
		size_t off = p->problem_offset < len ? p->problem_offset : len;

		pos.line = 1;
		pos.col = 1;
		for (size_t i = 0; i < off; i++) {
			if (text[i] == '\n') {
				pos.line++;
				pos.col = 1;
			} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
				pos.col++;
			}
		}
		if (p->problem_value != -1)
			return kiso_error_set(ld->err, KISO_ESYNTAX, pos, "%s: #%X", problem,
					      (unsigned)p->problem_value);
		return kiso_error_set(ld->err, KISO_ESYNTAX, pos, "%s", problem);
	}
	default:
		pos = mark_pos(ld, p->problem_mark);
		if (p->context)
			return kiso_error_set(ld->err, KISO_ESYNTAX, pos, "%s (%s at line %zu, column %zu)",
					      problem, p->context, p->context_mark.line + 1,
					      p->context_mark.column + 1);
		return kiso_error_set(ld->err, KISO_ESYNTAX, pos, "%s", problem);
	}
}

/* One event; 1 at the end of the stream, 0 to go on, <0 on error. */
static int handle_event(struct loader *ld, const yaml_event_t *ev)
{
	struct kiso_pos pos = mark_pos(ld, ev->start_mark);
	struct kiso_value *v = NULL;
	enum special sp;
	const char *anchor;
	bool found, unsafe;
	struct frame *f;
	int rc;

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		if (ld->pending.code)
			return kiso_error_set(ld->err, ld->pending.code, ld->pending.pos, "%s",
					      ld->pending.msg);
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (ld->single && ld->ndocs >= 1)
			return fail(ld, pos, "expected a single document in the stream, but found "
				    "another document");
		anchors_clear(&ld->anchors);
		ld->root = NULL;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		/* a single-document load first looks for a second document */
		if (ld->pending.code && !ld->single)
			return kiso_error_set(ld->err, ld->pending.code, ld->pending.pos, "%s",
					      ld->pending.msg);
		if (ld->root)
			kiso_list_push(ld->a, ld->docs, ld->root);
		ld->ndocs++;
		return 0;
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		struct anchor *an = anchors_find(&ld->anchors, name, &found);

		if (!found)
			return fail(ld, pos, "found undefined alias '%s'", name);
		if (!an->v)
			return fail(ld, pos, "found recursive alias '%s': a node cannot contain itself",
				    name);
		return complete(ld, an->v, an->size, an->height, an->special, pos);
	}
	case YAML_SCALAR_EVENT:
		anchor = (const char *)ev->data.scalar.anchor;
		if (anchor && (rc = anchor_start(ld, anchor, pos)) < 0)
			return rc;
		if ((rc = scalar_value(ld, ev, pos, &v, &sp)) < 0)
			return rc;
		if (anchor)
			anchor_finish(ld, anchor, v, 1, 1, sp);
		return complete(ld, v, 1, 1, sp, pos);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool is_map = ev->type == YAML_MAPPING_START_EVENT;
		const char *tag = (const char *)(is_map ? ev->data.mapping_start.tag
						       : ev->data.sequence_start.tag);

		anchor = (const char *)(is_map ? ev->data.mapping_start.anchor
					       : ev->data.sequence_start.anchor);
		if (ld->depth >= KISO_YAML_MAX_DEPTH)
			return fail(ld, pos, "nesting too deep: more than %d levels",
				    KISO_YAML_MAX_DEPTH);
		if ((rc = collection_tag(ld, tag, is_map ? 2 : 1, pos, &unsafe)) < 0)
			return rc;
		if (anchor && (rc = anchor_start(ld, anchor, pos)) < 0)
			return rc;
		push_frame(ld, is_map, unsafe, pos, anchor);
		return 0;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		struct frame done;
		uint64_t size;
		int height;

		if (ld->depth == 0)
			KISO_BUG("collection end without start");
		f = &ld->stack[ld->depth - 1];
		if (f->is_map) {
			if ((rc = build_map(ld, f, &v)) < 0)
				return rc; /* the frame is released by the caller */
		} else {
			v = f->list;
		}
		if (f->unsafe)
			v = wrap_unsafe(ld, v);
		done = *f;
		ld->depth--;
		size = sat_add(done.size, 1);
		height = done.height + 1;
		if (done.anchor)
			anchor_finish(ld, done.anchor, v, size, height, SP_NONE);
		rc = complete(ld, v, size, height, SP_NONE, done.pos);
		frame_release(&done);
		return rc;
	}
	default:
		return 0;
	}
}

static int load_stream(struct kiso_value **out, struct kiso_arena *a, const char *text,
		       size_t len, const char *name, struct kiso_error *err, bool single)
{
	struct loader ld = { 0 };
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0;

	ld.a = a;
	ld.file = kiso_pos_file(name ? name : "<string>");
	ld.err = err;
	ld.single = single;
	ld.docs = kiso_list_new(a, (struct kiso_pos){ ld.file, 1, 1 });
	if (!yaml_parser_initialize(&parser))
		return kiso_error_set(err, KISO_EFAIL, KISO_POS_NONE, "cannot initialise libyaml");
	yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""),
				     text ? len : 0);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = libyaml_error(&ld, &parser, text ? text : "", text ? len : 0);
			break;
		}
		rc = handle_event(&ld, &ev);
		yaml_event_delete(&ev);
		if (rc != 0)
			break;
	}
	if (rc > 0)
		rc = 0;
	for (size_t i = 0; i < ld.depth; i++)
		frame_release(&ld.stack[i]);
	free(ld.stack);
	anchors_clear(&ld.anchors);
	yaml_parser_delete(&parser);
	if (rc == 0)
		*out = ld.docs;
	return rc;
}

int kiso_yaml_load_all(struct kiso_value **out, struct kiso_arena *a, const char *text,
		       size_t len, const char *name, struct kiso_error *err)
{
	return load_stream(out, a, text, len, name, err, false);
}

int kiso_yaml_load(struct kiso_value **out, struct kiso_arena *a, const char *text, size_t len,
		   const char *name, struct kiso_error *err)
{
	struct kiso_value *docs;
	int rc = load_stream(&docs, a, text, len, name, err, true);

	if (rc < 0)
		return rc;
	if (docs->u.list.len == 0)
		*out = kiso_null(a, (struct kiso_pos){ kiso_pos_file(name ? name : "<string>"), 1, 1 });
	else
		*out = docs->u.list.items[0];
	return 0;
}

int kiso_yaml_load_file(struct kiso_value **out, struct kiso_arena *a, const char *path,
			struct kiso_error *err)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");
	int rc;

	if (!fp)
		return kiso_error_set(err, errno == ENOENT ? KISO_ENOTFOUND : KISO_EFAIL,
				      KISO_POS_NONE, "cannot read '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		kiso_buf_add(&b, chunk, n);
	if (ferror(fp)) {
		int e = errno ? errno : EIO;

		fclose(fp);
		kiso_buf_release(&b);
		return kiso_error_set(err, KISO_EFAIL, KISO_POS_NONE, "cannot read '%s': %s", path,
				      strerror(e));
	}
	fclose(fp);
	rc = kiso_yaml_load(out, a, kiso_buf_cstr(&b), b.len, path, err);
	kiso_buf_release(&b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The dumper (PyYAML's SafeRepresenter and CEmitter over libyaml)      */
/* ------------------------------------------------------------------ */

#define DUMP_MAX_DEPTH 10000

struct dumper {
	yaml_emitter_t em;
	struct kiso_buf *out;
	struct kiso_yaml_dump_opts o;
	struct kiso_error *err;
	int depth;
};

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	struct dumper *d = data;

	kiso_buf_add(d->out, buffer, size);
	return 1;
}

static int emit(struct dumper *d, yaml_event_t *ev, bool init_ok, struct kiso_pos pos)
{
	if (!init_ok)
		return kiso_error_set(d->err, KISO_EFAIL, pos, "cannot make a YAML event");
	if (!yaml_emitter_emit(&d->em, ev))
		return kiso_error_set(d->err, KISO_EFAIL, pos, "cannot write YAML: %s",
				      d->em.problem ? d->em.problem : "unknown emitter error");
	return 0;
}

/* Python's repr(float).lower() fixed up as SafeRepresenter.represent_float. */
static char *float_text(double f)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *r, *ep;

	if (isnan(f))
		return kiso_xstrdup(".nan");
	if (isinf(f))
		return kiso_xstrdup(f > 0 ? ".inf" : "-.inf");
	kiso_float_repr(&b, f);
	r = kiso_buf_detach(&b);
	for (char *c = r; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (!strchr(r, '.') && (ep = strchr(r, 'e'))) {
		char *n = kiso_xasprintf("%.*s.0%s", (int)(ep - r), r, ep);

		free(r);
		r = n;
	}
	return r;
}

/*
 * s with every byte that is not valid UTF-8 replaced by U+FFFD (libyaml
 * refuses invalid UTF-8; a Python str cannot hold it). NULL when s is
 * valid already.
 */
static char *utf8_fix(const char *s, size_t len, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	struct kiso_buf b = KISO_BUF_INIT;
	bool bad = false;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t need = c < 0x80 ? 0 : (c >= 0xC2 && c <= 0xDF) ? 1 : (c >= 0xE0 && c <= 0xEF) ? 2
			      : (c >= 0xF0 && c <= 0xF4) ? 3 : 99;
		bool ok = need != 99 && i + need < len + (need ? 0 : 1);
		uint32_t v = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);

		for (size_t j = 1; ok && j <= need; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				ok = false;
			v = (v << 6) | (p[i + j] & 0x3F);
		}
		if (ok && ((need == 2 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
			   (need == 3 && (v < 0x10000 || v > 0x10FFFF))))
			ok = false;
		if (!ok) {
			bad = true;
			kiso_buf_add(&b, "\xEF\xBF\xBD", 3);
			i++;
		} else {
			kiso_buf_add(&b, p + i, need + 1);
			i += need + 1;
		}
	}
	if (!bad) {
		kiso_buf_release(&b);
		return NULL;
	}
	*outlen = b.len;
	return kiso_buf_detach(&b);
}

static int dump_scalar(struct dumper *d, const struct kiso_value *v)
{
	yaml_event_t ev;
	char num[32];
	char *text = NULL, *fixed = NULL;
	const char *tag, *val;
	size_t len;
	int plain_implicit = 1, quoted_implicit = 0;
	yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
	bool ok;

	switch (v->type) {
	case KISO_NULL:
		tag = TAG_PREFIX "null";
		val = "null";
		break;
	case KISO_BOOL:
		tag = TAG_PREFIX "bool";
		val = v->u.b ? "true" : "false";
		break;
	case KISO_INT:
		snprintf(num, sizeof(num), "%" PRId64, v->u.i);
		tag = TAG_PREFIX "int";
		val = num;
		break;
	case KISO_FLOAT:
		tag = TAG_PREFIX "float";
		val = text = float_text(v->u.f);
		break;
	case KISO_STR:
		val = v->u.s.ptr;
		len = v->u.s.len;
		if (v->flags & KISO_VF_VAULT) {
			/* Ansible's represent_vault_encrypted_unicode */
			tag = "!vault";
			plain_implicit = 0;
			style = YAML_LITERAL_SCALAR_STYLE;
		} else {
			tag = TAG_PREFIX "str";
			plain_implicit = kiso_yaml_resolve(val, len) == KISO_YAML_STR;
			quoted_implicit = 1;
		}
		if ((fixed = utf8_fix(val, len, &len)))
			val = fixed;
		goto have_len;
	default:
		KISO_BUG("not a scalar");
	}
	len = strlen(val);
have_len:
	ok = yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)val,
					  (int)len, plain_implicit, quoted_implicit, style);
	free(text);
	free(fixed);
	return emit(d, &ev, ok, v->pos);
}

/* SafeRepresenter's flow style for a list or map (default_flow_style). */
static bool node_flow(const struct dumper *d, const struct kiso_value *v)
{
	if (d->o.flow_style >= 0)
		return d->o.flow_style > 0;
#define PLAIN_NODE(c) \
	((c)->type != KISO_LIST && (c)->type != KISO_MAP && \
	 !((c)->type == KISO_STR && ((c)->flags & KISO_VF_VAULT)))
	if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			if (!PLAIN_NODE(v->u.list.items[i]))
				return false;
	} else {
		for (size_t i = 0; i < v->u.map.len; i++)
			if (!PLAIN_NODE(v->u.map.items[i].key) || !PLAIN_NODE(v->u.map.items[i].val))
				return false;
	}
#undef PLAIN_NODE
	return true;
}

/* The order in which a map's entries are written: Python's sorted(d.items()). */
struct sorter {
	const struct kiso_value *map;
	bool failed;
};

static bool key_less(struct sorter *st, size_t i, size_t j)
{
	const struct kiso_value *a = st->map->u.map.items[i].key, *b = st->map->u.map.items[j].key;
	int c;

	if (kiso_value_compare(&c, a, b) < 0) {
		st->failed = true;
		return false;
	}
	return c < 0;
}

static void merge_sort(struct sorter *st, size_t *idx, size_t *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(st, idx, tmp, mid);
	merge_sort(st, idx + mid, tmp, n - mid);
	while (i < mid && j < n) {
		if (key_less(st, idx[j], idx[i]))
			tmp[k++] = idx[j++];
		else
			tmp[k++] = idx[i++];
	}
	while (i < mid)
		tmp[k++] = idx[i++];
	while (j < n)
		tmp[k++] = idx[j++];
	memcpy(idx, tmp, n * sizeof(*idx));
}

/*
 * PyYAML sorts with sorted(mapping.items()) and, on TypeError (keys Python
 * cannot order, like 1 and 'a'), keeps the insertion order.
 */
static size_t *map_order(const struct dumper *d, const struct kiso_value *m)
{
	size_t n = m->u.map.len;
	size_t *idx = kiso_xmalloc((n + 1) * sizeof(*idx));

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	if (d->o.sort_keys && n > 1) {
		size_t *tmp = kiso_xmalloc(n * sizeof(*tmp));
		struct sorter st = { m, false };

		merge_sort(&st, idx, tmp, n);
		free(tmp);
		if (st.failed)
			for (size_t i = 0; i < n; i++)
				idx[i] = i;
	}
	return idx;
}

static int dump_node(struct dumper *d, const struct kiso_value *v)
{
	yaml_event_t ev;
	size_t *idx = NULL;
	int rc = 0;
	bool ok;

	if (v->type != KISO_LIST && v->type != KISO_MAP)
		return dump_scalar(d, v);
	if (d->depth >= DUMP_MAX_DEPTH)
		return kiso_error_set(d->err, KISO_EINVALID, v->pos,
				      "value nested too deeply to dump (more than %d levels)",
				      DUMP_MAX_DEPTH);
	d->depth++;
	if (v->type == KISO_LIST) {
		ok = yaml_sequence_start_event_initialize(&ev, NULL, (yaml_char_t *)TAG_PREFIX "seq", 1,
							  node_flow(d, v) ? YAML_FLOW_SEQUENCE_STYLE
									  : YAML_BLOCK_SEQUENCE_STYLE);
		if ((rc = emit(d, &ev, ok, v->pos)) < 0)
			goto out;
		for (size_t i = 0; i < v->u.list.len; i++)
			if ((rc = dump_node(d, v->u.list.items[i])) < 0)
				goto out;
		rc = emit(d, &ev, yaml_sequence_end_event_initialize(&ev), v->pos);
	} else {
		idx = map_order(d, v);
		ok = yaml_mapping_start_event_initialize(&ev, NULL, (yaml_char_t *)TAG_PREFIX "map", 1,
							 node_flow(d, v) ? YAML_FLOW_MAPPING_STYLE
									 : YAML_BLOCK_MAPPING_STYLE);
		if ((rc = emit(d, &ev, ok, v->pos)) < 0)
			goto out;
		for (size_t i = 0; i < v->u.map.len; i++) {
			const struct kiso_mapent *me = &v->u.map.items[idx[i]];

			if ((rc = dump_node(d, me->key)) < 0 || (rc = dump_node(d, me->val)) < 0)
				goto out;
		}
		rc = emit(d, &ev, yaml_mapping_end_event_initialize(&ev), v->pos);
	}
out:
	free(idx);
	d->depth--;
	return rc;
}

int kiso_yaml_dump(struct kiso_buf *out, const struct kiso_value *v,
		   const struct kiso_yaml_dump_opts *opts, struct kiso_error *err)
{
	struct dumper d = { 0 };
	yaml_event_t ev;
	int rc;

	d.out = out;
	d.o = opts ? *opts : KISO_YAML_DUMP_TO_YAML;
	d.err = err;
	if (!yaml_emitter_initialize(&d.em))
		return kiso_error_set(err, KISO_EFAIL, v->pos, "cannot initialise the YAML emitter");
	/* what PyYAML's CEmitter sets for yaml.dump(..., indent, width, allow_unicode) */
	yaml_emitter_set_output(&d.em, write_handler, &d);
	yaml_emitter_set_indent(&d.em, d.o.indent);
	yaml_emitter_set_width(&d.em, d.o.width);
	yaml_emitter_set_unicode(&d.em, d.o.allow_unicode);
	if ((rc = emit(&d, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING),
		       v->pos)) < 0)
		goto out;
	if ((rc = emit(&d, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL,
								     !d.o.explicit_start),
		       v->pos)) < 0)
		goto out;
	if ((rc = dump_node(&d, v)) < 0)
		goto out;
	if ((rc = emit(&d, &ev, yaml_document_end_event_initialize(&ev, !d.o.explicit_end),
		       v->pos)) < 0)
		goto out;
	if ((rc = emit(&d, &ev, yaml_stream_end_event_initialize(&ev), v->pos)) < 0)
		goto out;
	if (!yaml_emitter_flush(&d.em))
		rc = kiso_error_set(err, KISO_EFAIL, v->pos, "cannot write YAML: %s",
				    d.em.problem ? d.em.problem : "flush failed");
out:
	yaml_emitter_delete(&d.em);
	return rc;
}
