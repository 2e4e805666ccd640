/*
 * template/tests.c - the Jinja2 tests ('x is t') of Jinja2 3.1 and
 * Ansible 2.14: types, comparisons, task results, regular expressions,
 * versions (loose, strict, semver), truthiness, sets and paths.
 */
#include "kiso_common.h"

#include <math.h>
#include <sys/stat.h>
#include <strings.h>

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

/* ---- defined, types ---- */

static int t_defined(bool *out, struct kiso_tmpl_call *c)
{
	BIND0("defined");

	*out = c->input != NULL;
	return 0;
}

static int t_undefined(bool *out, struct kiso_tmpl_call *c)
{
	BIND0("undefined");

	*out = c->input == NULL;
	return 0;
}

#define TYPE_TEST(fname, expr)                                         \
	static int fname(bool *out, struct kiso_tmpl_call *c)          \
	{                                                              \
		const struct kiso_value *v = c->input;                 \
		BIND0(#fname + 2);                                     \
                                                                       \
		*out = (expr);                                         \
		return 0;                                              \
	}

TYPE_TEST(t_none, v->type == KISO_NULL)
TYPE_TEST(t_boolean, v->type == KISO_BOOL)
TYPE_TEST(t_true, v->type == KISO_BOOL && v->u.b)
TYPE_TEST(t_false, v->type == KISO_BOOL && !v->u.b)
TYPE_TEST(t_integer, v->type == KISO_INT)
TYPE_TEST(t_float, v->type == KISO_FLOAT)
TYPE_TEST(t_number, v->type == KISO_INT || v->type == KISO_FLOAT || v->type == KISO_BOOL)
TYPE_TEST(t_string, v->type == KISO_STR)
TYPE_TEST(t_mapping, v->type == KISO_MAP)
TYPE_TEST(t_sequence, v->type == KISO_STR || v->type == KISO_LIST || v->type == KISO_MAP)
TYPE_TEST(t_iterable, v->type == KISO_STR || v->type == KISO_LIST || v->type == KISO_MAP)
TYPE_TEST(t_callable, v && false)
TYPE_TEST(t_escaped, v && false)
TYPE_TEST(t_vault_encrypted, v->type == KISO_STR && (v->flags & KISO_VF_VAULT))

/* Python's str.islower()/isupper(): some cased character, none of the other case. */
static int case_test(bool *out, struct kiso_tmpl_call *c, bool lower)
{
	const char *s;
	size_t n, i = 0;
	bool cased = false, wrong = false;
	int rc = kiso_fbind(c, lower ? "lower" : "upper", NULL, 0, NULL);

	if (rc < 0)
		return rc;
	s = kiso_fstr(c, c->input, &n);
	while (i < n) {
		uint32_t cp = kiso_utf8_next(s, n, &i);
		uint32_t lo = kiso_cp_lower(cp), up = kiso_cp_upper(cp);

		if (lo == up)
			continue;
		cased = true;
		if (lower ? cp != lo : cp != up)
			wrong = true;
	}
	*out = cased && !wrong;
	return 0;
}

static int t_lower(bool *out, struct kiso_tmpl_call *c)
{
	return case_test(out, c, true);
}

static int t_upper(bool *out, struct kiso_tmpl_call *c)
{
	return case_test(out, c, false);
}

static int t_filter(bool *out, struct kiso_tmpl_call *c)
{
	BIND0("filter");

	*out = c->input->type == KISO_STR && kiso_tmpl_filter_find(c->input->u.s.ptr);
	return 0;
}

static int t_test(bool *out, struct kiso_tmpl_call *c)
{
	BIND0("test");

	*out = c->input->type == KISO_STR && kiso_tmpl_test_find(c->input->u.s.ptr);
	return 0;
}

/* ---- numbers ---- */

/* Python's a % b for numbers; fails as Python does. */
static int py_mod(double *out, int64_t *iout, bool *is_int, struct kiso_tmpl_call *c,
		  const struct kiso_value *x, const struct kiso_value *y)
{
	bool xi = x->type == KISO_INT || x->type == KISO_BOOL;
	bool yi = y->type == KISO_INT || y->type == KISO_BOOL;
	bool xn = xi || x->type == KISO_FLOAT, yn = yi || y->type == KISO_FLOAT;

	if (x->type == KISO_STR)
		return kiso_ftypeerr(c, "not all arguments converted during string formatting");
	if (!xn || !yn)
		return kiso_ftypeerr(c, "unsupported operand type(s) for %%: '%s' and '%s'",
				     kiso_value_type_name(x), kiso_value_type_name(y));
	if (xi && yi) {
		int64_t a = x->type == KISO_INT ? x->u.i : x->u.b;
		int64_t b = y->type == KISO_INT ? y->u.i : y->u.b, r;

		if (b == 0)
			return kiso_ferr(c, "integer modulo by zero");
		if (b == -1) {
			r = 0;
		} else {
			r = a % b;
			if (r != 0 && ((r < 0) != (b < 0)))
				r += b;
		}
		*iout = r;
		*is_int = true;
		return 0;
	}
	{
		double a = x->type == KISO_FLOAT ? x->u.f : xi ? (double)(x->type == KISO_INT ? x->u.i : x->u.b) : 0;
		double b = y->type == KISO_FLOAT ? y->u.f : (double)(y->type == KISO_INT ? y->u.i : y->u.b);
		double r;

		if (b == 0)
			return kiso_ferr(c, "float modulo");
		r = fmod(a, b);
		if (r != 0 && ((r < 0) != (b < 0)))
			r += b;
		*out = r;
		*is_int = false;
	}
	return 0;
}

static int parity(bool *out, struct kiso_tmpl_call *c, int want)
{
	struct kiso_value two = { .type = KISO_INT, .u.i = 2 };
	double f = 0;
	int64_t i = 0;
	bool is_int;
	int rc = kiso_fbind(c, want ? "odd" : "even", NULL, 0, NULL);

	if (rc < 0)
		return rc;
	if ((rc = py_mod(&f, &i, &is_int, c, c->input, &two)) < 0)
		return rc;
	*out = is_int ? i == want : f == want;
	return 0;
}

static int t_odd(bool *out, struct kiso_tmpl_call *c)
{
	return parity(out, c, 1);
}

static int t_even(bool *out, struct kiso_tmpl_call *c)
{
	return parity(out, c, 0);
}

static int t_divisibleby(bool *out, struct kiso_tmpl_call *c)
{
	double f = 0;
	int64_t i = 0;
	bool is_int;
	int rc;
	BIND("divisibleby", "num");

	if (!a[0])
		return kiso_ftypeerr(c, "test_divisibleby() missing 1 required positional "
					"argument: 'num'");
	if ((rc = py_mod(&f, &i, &is_int, c, c->input, a[0])) < 0)
		return rc;
	*out = is_int ? i == 0 : f == 0;
	return 0;
}

static int t_isnan(bool *out, struct kiso_tmpl_call *c)
{
	const struct kiso_value *v = c->input;
	BIND0("isnan");

	if (v->type != KISO_FLOAT && v->type != KISO_INT && v->type != KISO_BOOL)
		return kiso_ftypeerr(c, "must be real number, not %s", kiso_value_type_name(v));
	*out = v->type == KISO_FLOAT && v->u.f != v->u.f;
	return 0;
}

/* ---- comparisons ---- */

enum cmpop { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

static int compare(bool *out, struct kiso_tmpl_call *c, enum cmpop op, const char *fn)
{
	static const char *const sym[] = { "==", "!=", "<", "<=", ">", ">=" };
	int cmp;
	BIND(fn, "other");

	if (!a[0])
		return kiso_ftypeerr(c, "%s() missing 1 required positional argument: 'other'",
				     fn);
	if (op == OP_EQ || op == OP_NE) {
		*out = kiso_value_equal(c->input, a[0]) == (op == OP_EQ);
		return 0;
	}
	if (kiso_value_compare(&cmp, c->input, a[0]) < 0)
		return kiso_ftypeerr(c, "'%s' not supported between instances of '%s' and '%s'",
				     sym[op], kiso_value_type_name(c->input),
				     kiso_value_type_name(a[0]));
	switch (op) {
	case OP_LT: *out = cmp < 0; break;
	case OP_LE: *out = cmp <= 0; break;
	case OP_GT: *out = cmp > 0; break;
	default: *out = cmp >= 0; break;
	}
	return 0;
}

static int t_eq(bool *out, struct kiso_tmpl_call *c)
{
	return compare(out, c, OP_EQ, "eq");
}

static int t_ne(bool *out, struct kiso_tmpl_call *c)
{
	return compare(out, c, OP_NE, "ne");
}

static int t_lt(bool *out, struct kiso_tmpl_call *c)
{
	return compare(out, c, OP_LT, "lt");
}

static int t_le(bool *out, struct kiso_tmpl_call *c)
{
	return compare(out, c, OP_LE, "le");
}

static int t_gt(bool *out, struct kiso_tmpl_call *c)
{
	return compare(out, c, OP_GT, "gt");
}

static int t_ge(bool *out, struct kiso_tmpl_call *c)
{
	return compare(out, c, OP_GE, "ge");
}

static int t_sameas(bool *out, struct kiso_tmpl_call *c)
{
	const struct kiso_value *x = c->input, *y;
	BIND("sameas", "other");

	if (!a[0])
		return kiso_ftypeerr(c, "test_sameas() missing 1 required positional argument: "
					"'other'");
	y = a[0];
	/* None, True and False are singletons in Python; other values are the
	 * same object only when they are the same value here */
	if (x->type == KISO_NULL || x->type == KISO_BOOL)
		*out = x->type == y->type && (x->type == KISO_NULL || x->u.b == y->u.b);
	else
		*out = x == y;
	return 0;
}

static int t_in(bool *out, struct kiso_tmpl_call *c)
{
	BIND("in", "seq");

	if (!a[0])
		return kiso_ftypeerr(c, "test_in() missing 1 required positional argument: 'seq'");
	return kiso_fcontains(out, c, a[0], c->input);
}

static int t_contains(bool *out, struct kiso_tmpl_call *c)
{
	BIND("contains", "value");

	if (!a[0])
		return kiso_ftypeerr(c, "contains() missing 1 required positional argument: "
					"'value'");
	return kiso_fcontains(out, c, c->input, a[0]);
}

/* ---- sets ---- */

static int as_set(struct kiso_value **out, struct kiso_tmpl_call *c, struct kiso_value *v)
{
	int rc = kiso_fiter(out, c, v);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < (*out)->u.list.len; i++) {
		enum kiso_type t = (*out)->u.list.items[i]->type;

		if (t == KISO_LIST || t == KISO_MAP)
			return kiso_ftypeerr(c, "unhashable type: '%s'",
					     kiso_value_type_name((*out)->u.list.items[i]));
	}
	return 0;
}

static int subset_of(bool *out, struct kiso_tmpl_call *c, struct kiso_value *x,
		     struct kiso_value *y)
{
	struct kiso_value *sx, *sy;
	int rc;

	if ((rc = as_set(&sx, c, x)) < 0 || (rc = as_set(&sy, c, y)) < 0)
		return rc;
	*out = true;
	for (size_t i = 0; i < sx->u.list.len && *out; i++) {
		bool found = false;

		for (size_t k = 0; k < sy->u.list.len && !found; k++)
			found = kiso_value_equal(sx->u.list.items[i], sy->u.list.items[k]);
		*out = found;
	}
	return 0;
}

static int t_subset(bool *out, struct kiso_tmpl_call *c)
{
	BIND("subset", "b");

	if (!a[0])
		return kiso_ftypeerr(c, "issubset() missing 1 required positional argument: 'b'");
	return subset_of(out, c, c->input, a[0]);
}

static int t_superset(bool *out, struct kiso_tmpl_call *c)
{
	BIND("superset", "b");

	if (!a[0])
		return kiso_ftypeerr(c, "issuperset() missing 1 required positional argument: "
					"'b'");
	return subset_of(out, c, a[0], c->input);
}

static int any_all(bool *out, struct kiso_tmpl_call *c, bool all)
{
	struct kiso_value *l;
	int rc = kiso_fbind(c, all ? "all" : "any", NULL, 0, NULL);

	if (rc < 0)
		return rc;
	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	*out = all;
	for (size_t i = 0; i < l->u.list.len; i++)
		if (kiso_value_truthy(l->u.list.items[i]) != all) {
			*out = !all;
			break;
		}
	return 0;
}

static int t_any(bool *out, struct kiso_tmpl_call *c)
{
	return any_all(out, c, false);
}

static int t_all(bool *out, struct kiso_tmpl_call *c)
{
	return any_all(out, c, true);
}

/* ---- task results ---- */

static int result_map(struct kiso_tmpl_call *c, const char *test)
{
	if (c->input->type != KISO_MAP)
		return kiso_ferr(c, "The '%s' test expects a dictionary", test);
	return 0;
}

static int result_flag(bool *out, struct kiso_tmpl_call *c, const char *test, const char *key,
		       bool negate)
{
	struct kiso_value *v;
	int rc = kiso_fbind(c, test, NULL, 0, NULL);

	if (rc < 0 || (rc = result_map(c, key)) < 0)
		return rc;
	v = kiso_map_get(c->input, key);
	*out = (v && kiso_value_truthy(v)) != negate;
	return 0;
}

static int t_failed(bool *out, struct kiso_tmpl_call *c)
{
	return result_flag(out, c, "failed", "failed", false);
}

static int t_success(bool *out, struct kiso_tmpl_call *c)
{
	return result_flag(out, c, "success", "failed", true);
}

static int t_unreachable(bool *out, struct kiso_tmpl_call *c)
{
	return result_flag(out, c, "unreachable", "unreachable", false);
}

static int t_reachable(bool *out, struct kiso_tmpl_call *c)
{
	return result_flag(out, c, "reachable", "unreachable", true);
}

static int t_skipped(bool *out, struct kiso_tmpl_call *c)
{
	return result_flag(out, c, "skipped", "skipped", false);
}

static int t_changed(bool *out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v, *res;
	BIND0("changed");

	if ((rc_ = result_map(c, "changed")) < 0)
		return rc_;
	if ((v = kiso_map_get(c->input, "changed"))) {
		*out = kiso_value_truthy(v);
		return 0;
	}
	*out = false;
	res = kiso_map_get(c->input, "results");
	if (res && res->type == KISO_LIST) {
		if (res->u.list.len == 0)
			return kiso_ferr(c, "list index out of range");
		if (res->u.list.items[0]->type != KISO_MAP)
			return 0;
		for (size_t i = 0; i < res->u.list.len; i++) {
			struct kiso_value *r = res->u.list.items[i], *ch;

			if (r->type != KISO_MAP)
				return kiso_ferr(c, "'%s' object has no attribute 'get'",
						 kiso_value_type_name(r));
			ch = kiso_map_get(r, "changed");
			if (ch && kiso_value_truthy(ch)) {
				*out = true;
				break;
			}
		}
	}
	return 0;
}

/* started/finished: 'key' == 1 when present, else true (not an async task). */
static int async_flag(bool *out, struct kiso_tmpl_call *c, const char *key)
{
	struct kiso_value *v, one = { .type = KISO_INT, .u.i = 1 };
	int rc = kiso_fbind(c, key, NULL, 0, NULL);

	if (rc < 0 || (rc = result_map(c, key)) < 0)
		return rc;
	v = kiso_map_get(c->input, key);
	*out = v ? kiso_value_equal(v, &one) : true;
	return 0;
}

static int t_finished(bool *out, struct kiso_tmpl_call *c)
{
	return async_flag(out, c, "finished");
}

static int t_started(bool *out, struct kiso_tmpl_call *c)
{
	return async_flag(out, c, "started");
}

/* ---- truthy, falsy ---- */

/* Ansible's convert_bool.boolean(); false when v is not boolean-like. */
static bool boolean_like(bool *out, const struct kiso_value *v)
{
	static const char *const yes[] = { "y", "yes", "on", "1", "true", "t" };
	static const char *const no[] = { "n", "no", "off", "0", "false", "f" };

	switch (v->type) {
	case KISO_BOOL:
		*out = v->u.b;
		return true;
	case KISO_INT:
		if (v->u.i != 0 && v->u.i != 1)
			return false;
		*out = v->u.i == 1;
		return true;
	case KISO_FLOAT:
		if (v->u.f != 0.0 && v->u.f != 1.0)
			return false;
		*out = v->u.f == 1.0;
		return true;
	case KISO_STR: {
		const char *s = v->u.s.ptr, *e = s + v->u.s.len;

		while (s < e && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
			s++;
		while (e > s && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <= '\r')))
			e--;
		for (size_t i = 0; i < KISO_ARRAY_SIZE(yes); i++) {
			if ((size_t)(e - s) == strlen(yes[i]) && strncasecmp(s, yes[i], (size_t)(e - s)) == 0) {
				*out = true;
				return true;
			}
			if ((size_t)(e - s) == strlen(no[i]) && strncasecmp(s, no[i], (size_t)(e - s)) == 0) {
				*out = false;
				return true;
			}
		}
		return false;
	}
	default:
		return false;
	}
}

static int truthiness(bool *out, struct kiso_tmpl_call *c, bool want)
{
	bool b;
	BIND(want ? "truthy" : "falsy", "convert_bool");

	if (kiso_fbool(a[0], false) && boolean_like(&b, c->input))
		*out = b == want;
	else
		*out = kiso_value_truthy(c->input) == want;
	return 0;
}

static int t_truthy(bool *out, struct kiso_tmpl_call *c)
{
	return truthiness(out, c, true);
}

static int t_falsy(bool *out, struct kiso_tmpl_call *c)
{
	return truthiness(out, c, false);
}

/* ---- match, search, regex ---- */

static int regex_test(bool *out, struct kiso_tmpl_call *c, const char *fn, enum kiso_regex_mode dflt,
		      bool allow_type)
{
	struct kiso_match m = KISO_MATCH_INIT;
	enum kiso_regex_mode mode = dflt;
	struct kiso_regex *re;
	const char *s, *p = "";
	size_t n, np = 0;
	unsigned flags = 0;
	int rc;
	BIND(fn, "pattern", "ignorecase", "multiline", "match_type");

	if (a[3] && !allow_type)
		return kiso_ftypeerr(c, "%s() got an unexpected keyword argument 'match_type'", fn);
	if (a[3]) {
		const char *t = kiso_fstr(c, a[3], NULL);

		if (strcmp(t, "search") == 0)
			mode = KISO_RE_SEARCH;
		else if (strcmp(t, "match") == 0)
			mode = KISO_RE_MATCH;
		else if (strcmp(t, "fullmatch") == 0)
			mode = KISO_RE_FULLMATCH;
		else
			return kiso_ftypeerr(c, "'str' object is not callable");
	}
	if (a[0] && a[0]->type != KISO_STR)
		return kiso_ftypeerr(c, "first argument must be string or compiled pattern");
	if (a[0])
		p = kiso_fstr(c, a[0], &np);
	if (kiso_fbool(a[1], false))
		flags |= KISO_RE_IGNORECASE;
	if (kiso_fbool(a[2], false))
		flags |= KISO_RE_MULTILINE;
	if ((rc = kiso_regex_compile(&re, p, np, flags, c->err)) < 0) {
		c->err->pos = c->pos;
		return rc;
	}
	s = kiso_fstr(c, c->input, &n);
	rc = kiso_regex_exec(&m, re, s, n, 0, mode, c->err);
	kiso_match_release(&m);
	kiso_regex_free(re);
	if (rc < 0) {
		c->err->pos = c->pos;
		return rc;
	}
	*out = rc == 1;
	return 0;
}

static int t_match(bool *out, struct kiso_tmpl_call *c)
{
	return regex_test(out, c, "match", KISO_RE_MATCH, false);
}

static int t_search(bool *out, struct kiso_tmpl_call *c)
{
	return regex_test(out, c, "search", KISO_RE_SEARCH, false);
}

static int t_regex(bool *out, struct kiso_tmpl_call *c)
{
	return regex_test(out, c, "regex", KISO_RE_SEARCH, true);
}

/* ---- versions ---- */

/* A parsed version: a list of ints and strings (loose), or semver parts. */
struct version {
	struct kiso_value *parts;       /* loose: components; strict: 3 ints */
	struct kiso_value *pre;         /* strict: [letter, n] or NULL; semver: identifiers */
};

/* LooseVersion: digit runs, lowercase-letter runs and the text between. */
static struct kiso_value *loose_parse(struct kiso_tmpl_call *c, const char *s)
{
	struct kiso_value *l = kiso_list_new(c->arena, c->pos);
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t j = i;

		if (s[i] >= '0' && s[i] <= '9') {
			int64_t v = 0;
			bool big = false;

			while (j < n && s[j] >= '0' && s[j] <= '9') {
				if (v > (INT64_MAX - 9) / 10)
					big = true;
				else
					v = v * 10 + (s[j] - '0');
				j++;
			}
			kiso_list_push(c->arena, l, big ? kiso_fnewstr(c, s + i, j - i) :
						      kiso_int(c->arena, v, c->pos));
		} else if (s[i] >= 'a' && s[i] <= 'z') {
			while (j < n && s[j] >= 'a' && s[j] <= 'z')
				j++;
			kiso_list_push(c->arena, l, kiso_fnewstr(c, s + i, j - i));
		} else if (s[i] == '.') {
			j++;
		} else {
			while (j < n && !(s[j] >= '0' && s[j] <= '9') && !(s[j] >= 'a' && s[j] <= 'z') &&
			       s[j] != '.')
				j++;
			kiso_list_push(c->arena, l, kiso_fnewstr(c, s + i, j - i));
		}
		i = j;
	}
	return l;
}

/* Python's list comparison, which fails on int against str. */
static int list_cmp(int *out, struct kiso_tmpl_call *c, const struct kiso_value *x,
		    const struct kiso_value *y)
{
	size_t n = x->u.list.len < y->u.list.len ? x->u.list.len : y->u.list.len;

	for (size_t i = 0; i < n; i++) {
		const struct kiso_value *a = x->u.list.items[i], *b = y->u.list.items[i];

		if (kiso_value_equal(a, b))
			continue;
		if (kiso_value_compare(out, a, b) < 0)
			return kiso_ferr(c, "Version comparison failed: '<' not supported between "
					    "instances of '%s' and '%s'",
					 kiso_value_type_name(a), kiso_value_type_name(b));
		return 0;
	}
	*out = x->u.list.len < y->u.list.len ? -1 : x->u.list.len > y->u.list.len ? 1 : 0;
	return 0;
}

static int strict_parse(struct version *v, struct kiso_tmpl_call *c, const char *s)
{
	static const char pat[] = "^(\\d+)\\.(\\d+)(\\.(\\d+))?([ab](\\d+))?$";
	struct kiso_match m = KISO_MATCH_INIT;
	struct kiso_regex *re;
	int rc;

	if ((rc = kiso_regex_compile(&re, pat, sizeof(pat) - 1, 0, c->err)) < 0)
		return rc;
	rc = kiso_regex_exec(&m, re, s, strlen(s), 0, KISO_RE_SEARCH, c->err);
	kiso_regex_free(re);
	if (rc < 0)
		return rc;
	if (rc == 0 || s[strlen(s) - 1] == '\n') {
		kiso_match_release(&m);
		return kiso_ferr(c, "Version comparison failed: invalid version number '%s'", s);
	}
	v->parts = kiso_list_new(c->arena, c->pos);
	for (int g = 1; g <= 4; g += g == 2 ? 2 : 1) {
		int64_t x = 0;

		if (m.ovec[2 * g] != KISO_RE_UNSET)
			x = strtoll(s + m.ovec[2 * g], NULL, 10);
		kiso_list_push(c->arena, v->parts, kiso_int(c->arena, x, c->pos));
	}
	v->pre = NULL;
	if (m.ovec[10] != KISO_RE_UNSET) {
		v->pre = kiso_list_new(c->arena, c->pos);
		kiso_list_push(c->arena, v->pre, kiso_fnewstr(c, s + m.ovec[10], 1));
		kiso_list_push(c->arena, v->pre,
			       kiso_int(c->arena, strtoll(s + m.ovec[12], NULL, 10), c->pos));
	}
	kiso_match_release(&m);
	return 0;
}

static int semver_parse(struct version *v, struct kiso_tmpl_call *c, const char *s)
{
	static const char pat[] =
		"^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)"
		"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
		"(?:\\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
		"(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";
	struct kiso_match m = KISO_MATCH_INIT;
	struct kiso_regex *re;
	int rc;

	if ((rc = kiso_regex_compile(&re, pat, sizeof(pat) - 1, 0, c->err)) < 0)
		return rc;
	rc = kiso_regex_exec(&m, re, s, strlen(s), 0, KISO_RE_SEARCH, c->err);
	kiso_regex_free(re);
	if (rc < 0)
		return rc;
	if (rc == 0 || s[strlen(s) - 1] == '\n') {
		kiso_match_release(&m);
		return kiso_ferr(c, "Version comparison failed: invalid semantic version '%s'", s);
	}
	v->parts = kiso_list_new(c->arena, c->pos);
	for (int g = 1; g <= 3; g++)
		kiso_list_push(c->arena, v->parts,
			       kiso_int(c->arena, strtoll(s + m.ovec[2 * g], NULL, 10), c->pos));
	v->pre = NULL;
	if (m.ovec[8] != KISO_RE_UNSET) {
		const char *p = s + m.ovec[8], *end = s + m.ovec[9];

		v->pre = kiso_list_new(c->arena, c->pos);
		while (p < end) {
			const char *dot = memchr(p, '.', (size_t)(end - p));
			size_t len = dot ? (size_t)(dot - p) : (size_t)(end - p);
			bool digits = true;

			for (size_t k = 0; k < len; k++)
				digits = digits && p[k] >= '0' && p[k] <= '9';
			kiso_list_push(c->arena, v->pre,
				       digits ? kiso_int(c->arena, strtoll(p, NULL, 10), c->pos) :
						kiso_fnewstr(c, p, len));
			p += len + (dot ? 1 : 0);
		}
	}
	kiso_match_release(&m);
	return 0;
}

/* semver prerelease identifiers: numbers before strings. */
static int semver_pre_cmp(const struct kiso_value *x, const struct kiso_value *y)
{
	size_t n = x->u.list.len < y->u.list.len ? x->u.list.len : y->u.list.len;

	for (size_t i = 0; i < n; i++) {
		const struct kiso_value *a = x->u.list.items[i], *b = y->u.list.items[i];
		int cmp = 0;

		if (a->type != b->type)
			return a->type == KISO_INT ? -1 : 1;
		kiso_value_compare(&cmp, a, b);
		if (cmp)
			return cmp;
	}
	return x->u.list.len < y->u.list.len ? -1 : x->u.list.len > y->u.list.len ? 1 : 0;
}

static int version_cmp(int *out, struct kiso_tmpl_call *c, const char *type, const char *x,
		       const char *y)
{
	struct version vx, vy;
	int rc;

	if (strcmp(type, "loose") == 0) {
		vx.parts = loose_parse(c, x);
		vy.parts = loose_parse(c, y);
		if (kiso_value_equal(vx.parts, vy.parts)) {
			*out = 0;
			return 0;
		}
		return list_cmp(out, c, vx.parts, vy.parts);
	}
	if (strcmp(type, "strict") == 0) {
		if ((rc = strict_parse(&vx, c, x)) < 0 || (rc = strict_parse(&vy, c, y)) < 0)
			return rc;
		if ((rc = list_cmp(out, c, vx.parts, vy.parts)) < 0 || *out)
			return rc;
		if (!vx.pre && !vy.pre)
			*out = 0;
		else if (!vx.pre)
			*out = 1;
		else if (!vy.pre)
			*out = -1;
		else
			return list_cmp(out, c, vx.pre, vy.pre);
		return 0;
	}
	/* semver */
	if ((rc = semver_parse(&vx, c, x)) < 0 || (rc = semver_parse(&vy, c, y)) < 0)
		return rc;
	if ((rc = list_cmp(out, c, vx.parts, vy.parts)) < 0 || *out)
		return rc;
	if (!vx.pre && !vy.pre)
		*out = 0;
	else if (!vy.pre)
		*out = -1;
	else if (!vx.pre)
		*out = 1;
	else
		*out = semver_pre_cmp(vx.pre, vy.pre);
	return 0;
}

static int t_version(bool *out, struct kiso_tmpl_call *c)
{
	static const struct {
		const char *name;
		enum cmpop op;
	} ops[] = {
		{ "==", OP_EQ }, { "=", OP_EQ },  { "eq", OP_EQ }, { "<", OP_LT },  { "lt", OP_LT },
		{ "<=", OP_LE }, { "le", OP_LE }, { ">", OP_GT },  { "gt", OP_GT }, { ">=", OP_GE },
		{ "ge", OP_GE }, { "!=", OP_NE }, { "<>", OP_NE }, { "ne", OP_NE },
	};
	const char *op = "eq", *type = "loose", *x, *y;
	size_t i;
	int cmp, rc;
	BIND("version", "version", "operator", "strict", "version_type");

	if (!a[0])
		return kiso_ftypeerr(c, "version_compare() missing 1 required positional argument: "
					"'version'");
	if (a[2] && a[2]->type != KISO_NULL && a[3] && a[3]->type != KISO_NULL)
		return kiso_ferr(c, "Cannot specify both 'strict' and 'version_type'");
	if (!kiso_value_truthy(c->input))
		return kiso_ferr(c, "Input version value cannot be empty");
	if (!kiso_value_truthy(a[0]))
		return kiso_ferr(c, "Version parameter to compare against cannot be empty");
	if (a[2] && kiso_value_truthy(a[2])) {
		type = "strict";
	} else if (a[3] && kiso_value_truthy(a[3])) {
		type = kiso_fstr(c, a[3], NULL);
		if (strcmp(type, "semantic") == 0)
			type = "semver";
		if (strcmp(type, "pep440") == 0)
			return kiso_ferr(c, "kiso does not support version_type 'pep440'");
		if (strcmp(type, "loose") && strcmp(type, "strict") && strcmp(type, "semver"))
			return kiso_ferr(c, "Invalid version type (%s). Must be one of 'loose', "
					    "'strict', 'semver', 'semantic', 'pep440'",
					 type);
	}
	if (a[1])
		op = kiso_fstr(c, a[1], NULL);
	for (i = 0; i < KISO_ARRAY_SIZE(ops); i++)
		if (strcmp(ops[i].name, op) == 0)
			break;
	if (i == KISO_ARRAY_SIZE(ops))
		return kiso_ferr(c, "Invalid operator type (%s). Must be one of '==', '=', 'eq', "
				    "'<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'",
				 op);
	x = kiso_fstr(c, c->input, NULL);
	y = kiso_fstr(c, a[0], NULL);
	if ((rc = version_cmp(&cmp, c, type, x, y)) < 0)
		return rc;
	switch (ops[i].op) {
	case OP_EQ: *out = cmp == 0; break;
	case OP_NE: *out = cmp != 0; break;
	case OP_LT: *out = cmp < 0; break;
	case OP_LE: *out = cmp <= 0; break;
	case OP_GT: *out = cmp > 0; break;
	default: *out = cmp >= 0; break;
	}
	return 0;
}

/* ---- paths (on the controller) ---- */

enum pathtest { P_DIR, P_FILE, P_LINK, P_EXISTS, P_LEXISTS, P_ABS, P_MOUNT };

static int path_test(bool *out, struct kiso_tmpl_call *c, enum pathtest t, const char *fn)
{
	struct stat st;
	const char *p;
	BIND0(fn);

	p = kiso_fstr(c, c->input, NULL);
	switch (t) {
	case P_ABS:
		*out = p[0] == '/';
		return 0;
	case P_DIR:
		*out = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
		return 0;
	case P_FILE:
		*out = stat(p, &st) == 0 && S_ISREG(st.st_mode);
		return 0;
	case P_LINK:
		*out = lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
		return 0;
	case P_EXISTS:
		*out = stat(p, &st) == 0;
		return 0;
	case P_LEXISTS:
		*out = lstat(p, &st) == 0;
		return 0;
	default: {
		struct stat parent;
		char *up = kiso_arena_sprintf(c->arena, "%s/..", p);

		*out = false;
		if (lstat(p, &st) != 0 || S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
			return 0;
		if (lstat(up, &parent) != 0)
			return 0;
		*out = parent.st_dev != st.st_dev || parent.st_ino == st.st_ino;
		return 0;
	}
	}
}

#define PATH_TEST(fname, kind)                                 \
	static int fname(bool *out, struct kiso_tmpl_call *c)  \
	{                                                      \
		return path_test(out, c, kind, #fname + 2);    \
	}

PATH_TEST(t_directory, P_DIR)
PATH_TEST(t_file, P_FILE)
PATH_TEST(t_link, P_LINK)
PATH_TEST(t_exists, P_EXISTS)
PATH_TEST(t_link_exists, P_LEXISTS)
PATH_TEST(t_abs, P_ABS)
PATH_TEST(t_mount, P_MOUNT)

static int t_same_file(bool *out, struct kiso_tmpl_call *c)
{
	struct stat s1, s2;
	const char *p1, *p2;
	BIND("same_file", "path2");

	if (!a[0])
		return kiso_ftypeerr(c, "samefile() missing 1 required positional argument: 'f2'");
	p1 = kiso_fstr(c, c->input, NULL);
	p2 = kiso_fstr(c, a[0], NULL);
	if (stat(p1, &s1) != 0)
		return kiso_ferr(c, "[Errno 2] No such file or directory: '%s'", p1);
	if (stat(p2, &s2) != 0)
		return kiso_ferr(c, "[Errno 2] No such file or directory: '%s'", p2);
	*out = s1.st_dev == s2.st_dev && s1.st_ino == s2.st_ino;
	return 0;
}

/* ---- uri, url, urn (urlparse never fails on a string) ---- */

static int uri_common(bool *out, struct kiso_tmpl_call *c, const char *fn, bool url,
		      const char *only)
{
	struct kiso_furl u;
	const char *why = NULL;
	struct kiso_value *schemes = NULL;
	int rc = 0;

	if (only) {
		rc = kiso_fbind(c, fn, NULL, 0, NULL);
	} else {
		static const char *const names[] = { "schemes" };

		rc = kiso_fbind(c, fn, names, 1, &schemes);
	}
	if (rc < 0)
		return rc;
	*out = false;
	if (c->input->type != KISO_STR)
		return 0;
	if (kiso_furlsplit(&u, c, c->input->u.s.ptr, c->input->u.s.len, &why) < 0)
		return 0;
	if (only) {
		*out = strcmp(u.scheme_lower, only) == 0;
		return 0;
	}
	*out = true;
	if (schemes && kiso_value_truthy(schemes)) {
		struct kiso_value *sv = kiso_str(c->arena, u.scheme_lower, c->pos);

		if ((rc = kiso_fcontains(out, c, schemes, sv)) < 0)
			return rc;
	}
	if (*out && url)
		*out = u.nnetloc > 0 || strcmp(u.scheme_lower, "file") == 0;
	return 0;
}

static int t_uri(bool *out, struct kiso_tmpl_call *c)
{
	return uri_common(out, c, "uri", false, NULL);
}

static int t_url(bool *out, struct kiso_tmpl_call *c)
{
	return uri_common(out, c, "url", true, NULL);
}

static int t_urn(bool *out, struct kiso_tmpl_call *c)
{
	return uri_common(out, c, "urn", false, "urn");
}

/* Alphabetical by name. */
static const struct kiso_tmpl_test tests[] = {
	{ "!=", t_ne, 0 },
	{ "<", t_lt, 0 },
	{ "<=", t_le, 0 },
	{ "==", t_eq, 0 },
	{ ">", t_gt, 0 },
	{ ">=", t_ge, 0 },
	{ "abs", t_abs, 0 },
	{ "all", t_all, 0 },
	{ "any", t_any, 0 },
	{ "boolean", t_boolean, 0 },
	{ "callable", t_callable, 0 },
	{ "change", t_changed, 0 },
	{ "changed", t_changed, 0 },
	{ "contains", t_contains, 0 },
	{ "defined", t_defined, KISO_TMPL_UNDEF_OK },
	{ "directory", t_directory, 0 },
	{ "divisibleby", t_divisibleby, 0 },
	{ "eq", t_eq, 0 },
	{ "equalto", t_eq, 0 },
	{ "escaped", t_escaped, 0 },
	{ "even", t_even, 0 },
	{ "exists", t_exists, 0 },
	{ "failed", t_failed, 0 },
	{ "failure", t_failed, 0 },
	{ "falsy", t_falsy, 0 },
	{ "false", t_false, 0 },
	{ "file", t_file, 0 },
	{ "filter", t_filter, 0 },
	{ "finished", t_finished, 0 },
	{ "float", t_float, 0 },
	{ "ge", t_ge, 0 },
	{ "greaterthan", t_gt, 0 },
	{ "gt", t_gt, 0 },
	{ "in", t_in, 0 },
	{ "integer", t_integer, 0 },
	{ "is_abs", t_abs, 0 },
	{ "is_dir", t_directory, 0 },
	{ "is_file", t_file, 0 },
	{ "is_link", t_link, 0 },
	{ "is_mount", t_mount, 0 },
	{ "is_same_file", t_same_file, 0 },
	{ "isnan", t_isnan, 0 },
	{ "issubset", t_subset, 0 },
	{ "issuperset", t_superset, 0 },
	{ "iterable", t_iterable, 0 },
	{ "le", t_le, 0 },
	{ "lessthan", t_lt, 0 },
	{ "link", t_link, 0 },
	{ "link_exists", t_link_exists, 0 },
	{ "lower", t_lower, 0 },
	{ "lt", t_lt, 0 },
	{ "mapping", t_mapping, 0 },
	{ "match", t_match, 0 },
	{ "mount", t_mount, 0 },
	{ "nan", t_isnan, 0 },
	{ "ne", t_ne, 0 },
	{ "none", t_none, 0 },
	{ "number", t_number, 0 },
	{ "odd", t_odd, 0 },
	{ "reachable", t_reachable, 0 },
	{ "regex", t_regex, 0 },
	{ "same_file", t_same_file, 0 },
	{ "sameas", t_sameas, 0 },
	{ "search", t_search, 0 },
	{ "sequence", t_sequence, 0 },
	{ "skip", t_skipped, 0 },
	{ "skipped", t_skipped, 0 },
	{ "started", t_started, 0 },
	{ "string", t_string, 0 },
	{ "subset", t_subset, 0 },
	{ "succeeded", t_success, 0 },
	{ "success", t_success, 0 },
	{ "successful", t_success, 0 },
	{ "superset", t_superset, 0 },
	{ "test", t_test, 0 },
	{ "true", t_true, 0 },
	{ "truthy", t_truthy, 0 },
	{ "undefined", t_undefined, KISO_TMPL_UNDEF_OK },
	{ "unreachable", t_unreachable, 0 },
	{ "upper", t_upper, 0 },
	{ "uri", t_uri, 0 },
	{ "url", t_url, 0 },
	{ "urn", t_urn, 0 },
	{ "vault_encrypted", t_vault_encrypted, 0 },
	{ "version", t_version, 0 },
	{ "version_compare", t_version, 0 },
};

const struct kiso_tmpl_test *kiso_tmpl_test_find(const char *name)
{
	if (!name)
		return NULL;
	if (strncmp(name, "ansible.builtin.", 16) == 0)
		name += 16;
	else if (strncmp(name, "ansible.legacy.", 15) == 0)
		name += 15;
	for (size_t i = 0; i < KISO_ARRAY_SIZE(tests); i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return NULL;
}
