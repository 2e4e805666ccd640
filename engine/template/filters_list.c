/*
 * template/filters_list.c - filters on lists and maps: length, first/last,
 * min/max/sum, sort/unique/reverse, join, map/select/reject and their attr
 * forms, zip, flatten, batch/slice, the set operations, combine,
 * dict2items/items2dict, subelements, extract, dictsort, groupby, items,
 * product/permutations/combinations. Iterators that Python would return
 * (zip, product, reverse) are lists here, as '| list' makes them.
 */
#include "kiso_common.h"

#include "template/filters.h"

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

static struct kiso_value *new_list(struct kiso_tmpl_call *c)
{
	return kiso_list_new(c->arena, c->pos);
}

static void push(struct kiso_tmpl_call *c, struct kiso_value *l, struct kiso_value *v)
{
	kiso_list_push(c->arena, l, v);
}

/* A Python tuple (x, y). */
static struct kiso_value *pair(struct kiso_tmpl_call *c, struct kiso_value *x,
			       struct kiso_value *y)
{
	struct kiso_value *l = new_list(c);

	push(c, l, x);
	push(c, l, y);
	return kiso_ftuple(l);
}

/* A private copy of a list's item array (for sorting). */
static struct kiso_value *copy_list(struct kiso_tmpl_call *c, const struct kiso_value *v)
{
	struct kiso_value *l = new_list(c);

	for (size_t i = 0; i < v->u.list.len; i++)
		push(c, l, v->u.list.items[i]);
	return l;
}

/* ---- length, first, last ---- */

static int f_length(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input;
	size_t n;
	BIND0("length");

	switch (v->type) {
	case KISO_STR:
		n = kiso_utf8_count(v->u.s.ptr, v->u.s.len);
		break;
	case KISO_LIST:
		n = v->u.list.len;
		break;
	case KISO_MAP:
		n = v->u.map.len;
		break;
	default:
		return kiso_ftypeerr(c, "object of type '%s' has no len()", kiso_value_type_name(v));
	}
	*out = kiso_int(c->arena, (int64_t)n, c->pos);
	return 0;
}

static int f_first(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l;
	int rc;
	BIND0("first");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	/* Jinja2 gives Undefined ("No first item, sequence was empty."), which
	 * '| default()' can replace: *out NULL is undefined for the evaluator */
	*out = l->u.list.len && !kiso_fis_undef(l->u.list.items[0]) ? l->u.list.items[0] : NULL;
	return 0;
}

static int f_last(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l;
	int rc;
	BIND0("last");

	if (c->input->type != KISO_LIST && c->input->type != KISO_MAP &&
	    c->input->type != KISO_STR)
		return kiso_ftypeerr(c, "'%s' object is not reversible",
				     kiso_value_type_name(c->input));
	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	*out = l->u.list.len && !kiso_fis_undef(l->u.list.items[l->u.list.len - 1]) ?
		       l->u.list.items[l->u.list.len - 1] : NULL;
	return 0;
}

/* ---- min, max, sum ---- */

static int minmax(struct kiso_value **out, struct kiso_tmpl_call *c, const char *fn, int sign)
{
	struct kiso_value *l, *best = NULL, *bestkey = NULL;
	int rc;
	BIND(fn, "case_sensitive", "attribute");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	for (size_t i = 0; i < l->u.list.len; i++) {
		struct kiso_value *item = l->u.list.items[i], *key = item;
		int cmp;

		if (a[1] && a[1]->type != KISO_NULL && (rc = kiso_fattr_req(&key, c, item, a[1])) < 0)
			return rc;
		if (best) {
			if ((rc = kiso_fcompare_op(&cmp, c, key, bestkey, kiso_fbool(a[0], false),
						   sign > 0 ? "<" : ">")) < 0)
				return rc;
			if (cmp * sign >= 0)
				continue;
		}
		best = item;
		bestkey = key;
	}
	*out = best;    /* NULL (undefined) when empty, as Jinja2's Undefined */
	return 0;
}

static int f_min(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return minmax(out, c, "min", 1);
}

static int f_max(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return minmax(out, c, "max", -1);
}

/* Python's x + y for numbers, strings and lists. */
static int py_add(struct kiso_value **out, struct kiso_tmpl_call *c, struct kiso_value *x,
		  struct kiso_value *y)
{
	bool xn = x->type == KISO_INT || x->type == KISO_BOOL || x->type == KISO_FLOAT;
	bool yn = y->type == KISO_INT || y->type == KISO_BOOL || y->type == KISO_FLOAT;

	if (xn && yn) {
		if (x->type == KISO_FLOAT || y->type == KISO_FLOAT) {
			double fx = x->type == KISO_FLOAT ? x->u.f :
				    x->type == KISO_INT ? (double)x->u.i : x->u.b;
			double fy = y->type == KISO_FLOAT ? y->u.f :
				    y->type == KISO_INT ? (double)y->u.i : y->u.b;

			*out = kiso_float(c->arena, fx + fy, c->pos);
		} else {
			int64_t ix = x->type == KISO_INT ? x->u.i : x->u.b;
			int64_t iy = y->type == KISO_INT ? y->u.i : y->u.b, r;

			if (__builtin_add_overflow(ix, iy, &r))
				return kiso_ferr(c, "integer overflow in sum()");
			*out = kiso_int(c->arena, r, c->pos);
		}
		return 0;
	}
	if (x->type == KISO_LIST && y->type == KISO_LIST) {
		struct kiso_value *l = copy_list(c, x);

		for (size_t i = 0; i < y->u.list.len; i++)
			push(c, l, y->u.list.items[i]);
		*out = l;
		return 0;
	}
	if (x->type == KISO_STR && y->type == KISO_STR) {
		struct kiso_buf b = KISO_BUF_INIT;

		kiso_buf_add(&b, x->u.s.ptr, x->u.s.len);
		kiso_buf_add(&b, y->u.s.ptr, y->u.s.len);
		*out = kiso_fbufstr(c, &b);
		return 0;
	}
	return kiso_ftypeerr(c, "unsupported operand type(s) for +: '%s' and '%s'",
			     kiso_value_type_name(x), kiso_value_type_name(y));
}

static int f_sum(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l, *acc;
	int rc;
	BIND("sum", "attribute", "start");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	acc = a[1] ? a[1] : kiso_int(c->arena, 0, c->pos);
	if (acc->type == KISO_STR)
		return kiso_ftypeerr(c, "sum() can't sum strings [use ''.join(seq) instead]");
	for (size_t i = 0; i < l->u.list.len; i++) {
		struct kiso_value *item = l->u.list.items[i];

		if (a[0] && a[0]->type != KISO_NULL && (rc = kiso_fattr_req(&item, c, item, a[0])) < 0)
			return rc;
		if ((rc = py_add(&acc, c, acc, item)) < 0)
			return rc;
	}
	*out = acc;
	return 0;
}

/* ---- sort, unique, reverse, list ---- */

static int f_sort(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l;
	int rc;
	BIND("sort", "reverse", "case_sensitive", "attribute");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	l = copy_list(c, l);
	if ((rc = kiso_fsort(c, l->u.list.items, l->u.list.len, kiso_fbool(a[0], false),
			     kiso_fbool(a[1], false),
			     a[2] && a[2]->type != KISO_NULL ? a[2] : NULL)) < 0)
		return rc;
	*out = l;
	return 0;
}

/* Jinja2's unique (first of each key), with Ansible's fallback to plain
 * equality when an item cannot be hashed (a list or a dict). */
static int unique_list(struct kiso_value **out, struct kiso_tmpl_call *c, struct kiso_value *l,
		       bool case_sensitive, const struct kiso_value *attr)
{
	struct kiso_value *res = new_list(c), *keys = new_list(c);
	int rc;

	for (size_t i = 0; i < l->u.list.len; i++) {
		struct kiso_value *item = l->u.list.items[i], *key = item;
		bool seen = false;

		if (attr && (rc = kiso_fattr_req(&key, c, item, attr)) < 0)
			return rc;
		if (!case_sensitive && key->type == KISO_STR) {
			struct kiso_value *fl;

			if ((rc = kiso_fcall_filter(&fl, c, "lower", key, NULL, 0, NULL)) < 0)
				return rc;
			key = fl;
		}
		for (size_t k = 0; k < keys->u.list.len && !seen; k++)
			seen = kiso_value_equal(keys->u.list.items[k], key);
		if (seen)
			continue;
		push(c, keys, key);
		push(c, res, item);
	}
	*out = res;
	return 0;
}

static int f_unique(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l;
	bool cs;
	int rc;
	BIND("unique", "case_sensitive", "attribute");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	cs = kiso_fbool(a[0], false);
	if (!a[1] || a[1]->type == KISO_NULL) {
		/* unhashable items: Ansible falls back to 'x not in c' */
		for (size_t i = 0; i < l->u.list.len; i++) {
			enum kiso_type t = l->u.list.items[i]->type;

			if (t == KISO_LIST || t == KISO_MAP) {
				if (a[0] && !cs && a[0]->type == KISO_BOOL)
					return kiso_ferr(c, "Jinja2's unique filter failed and we "
							    "cannot fall back to Ansible's version as "
							    "it does not support the parameters "
							    "supplied");
				cs = true;
				break;
			}
		}
	}
	return unique_list(out, c, l, cs, a[1] && a[1]->type != KISO_NULL ? a[1] : NULL);
}

static int f_reverse(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input, *l, *r;
	int rc;
	BIND0("reverse");

	if (v->type == KISO_STR) {
		struct kiso_buf b = KISO_BUF_INIT;
		size_t i = v->u.s.len;

		while (i > 0) {
			size_t start = i - 1;

			while (start > 0 && ((unsigned char)v->u.s.ptr[start] & 0xc0) == 0x80 &&
			       i - start < 4)
				start--;
			{
				size_t j = start;

				kiso_utf8_next(v->u.s.ptr, v->u.s.len, &j);
				if (j != i)     /* not one valid character: one byte */
					start = i - 1;
			}
			kiso_buf_add(&b, v->u.s.ptr + start, i - start);
			i = start;
		}
		*out = kiso_fbufstr(c, &b);
		return 0;
	}
	if (v->type != KISO_LIST && v->type != KISO_MAP)
		return kiso_ferr(c, "argument must be iterable");
	if ((rc = kiso_fiter(&l, c, v)) < 0)
		return rc;
	r = new_list(c);
	for (size_t i = l->u.list.len; i > 0; i--)
		push(c, r, l->u.list.items[i - 1]);
	*out = r;
	return 0;
}

static int f_list(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l;
	int rc;
	BIND0("list");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	*out = l == c->input ? copy_list(c, l) : l;
	return 0;
}

/* ---- join ---- */

static int f_join(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value *l;
	const char *sep = "";
	size_t nsep = 0;
	int rc;
	BIND("join", "d", "attribute");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	if (a[0])
		sep = kiso_fstr(c, a[0], &nsep);
	for (size_t i = 0; i < l->u.list.len; i++) {
		struct kiso_value *item = l->u.list.items[i];
		const char *s;
		size_t n;

		if (a[1] && a[1]->type != KISO_NULL &&
		    (rc = kiso_fattr_req(&item, c, item, a[1])) < 0) {
			kiso_buf_release(&b);
			return rc;
		}
		if (i)
			kiso_buf_add(&b, sep, nsep);
		s = kiso_fstr(c, item, &n);
		kiso_buf_add(&b, s, n);
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* ---- map, select, reject, selectattr, rejectattr ---- */

static int f_map(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l, *res, *attr = NULL, *dflt = NULL;
	const char *name = NULL;
	int rc;

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	if (c->nargs == 0) {
		for (size_t k = 0; k < c->nkwargs; k++) {
			if (strcmp(c->kwnames[k], "attribute") == 0)
				attr = c->kwargs[k];
			else if (strcmp(c->kwnames[k], "default") == 0)
				dflt = c->kwargs[k];
			else
				return kiso_ferr(c, "Unexpected keyword argument '%s'",
						 c->kwnames[k]);
		}
		if (!attr)
			return kiso_ferr(c, "map requires a filter argument");
	} else {
		if (c->args[0]->type != KISO_STR)
			return kiso_ferr(c, "map requires a filter argument");
		name = c->args[0]->u.s.ptr;
		if (!kiso_tmpl_filter_find(name))
			return kiso_ferr(c, "No filter named '%s'.", name);
	}
	res = new_list(c);
	for (size_t i = 0; i < l->u.list.len; i++) {
		struct kiso_value *item = l->u.list.items[i], *v;

		if (attr) {
			if ((rc = kiso_fattr(&v, c, item, attr)) < 0)
				return rc;
			if (!v)
				v = dflt;
		} else {
			if ((rc = kiso_fcall_filter(&v, c, name, item, c->args + 1, c->nargs - 1,
						    c)) < 0)
				return rc;
		}
		push(c, res, v ? v : kiso_fundef(c));
	}
	*out = res;
	return 0;
}

/* Jinja2's select_or_reject(): lookup_attr for the *attr forms. */
static int select_common(struct kiso_value **out, struct kiso_tmpl_call *c, bool lookup_attr,
			 bool want)
{
	struct kiso_value *l, *res, *attr = NULL;
	const char *test = NULL;
	size_t off = 0;
	int rc;

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	if (lookup_attr) {
		if (c->nargs < 1)
			return kiso_ftypeerr(c, "select_or_reject() missing the attribute argument");
		attr = c->args[0];
		off = 1;
	}
	if (c->nargs > off) {
		if (c->args[off]->type != KISO_STR)
			return kiso_ferr(c, "No test named %s.", kiso_frepr(c, c->args[off]));
		test = c->args[off]->u.s.ptr;
		if (!kiso_tmpl_test_find(test))
			return kiso_ferr(c, "No test named '%s'.", test);
	}
	res = new_list(c);
	for (size_t i = 0; i < l->u.list.len; i++) {
		struct kiso_value *item = l->u.list.items[i], *v = item;
		struct kiso_tmpl_call undef = *c;
		bool ok;

		undef.undef_name = NULL;
		if (kiso_fis_undef(item)) {
			v = NULL;
			undef.undef_name = "undefined value";
		} else if (attr) {
			if ((rc = kiso_fattr(&v, c, item, attr)) < 0)
				return rc;
			if (!v)
				undef.undef_name = kiso_arena_sprintf(
					c->arena, "'%s object' has no attribute '%s'",
					item->type == KISO_MAP ? "dict" : kiso_value_type_name(item),
					kiso_fstr(c, attr, NULL));
		}
		if (test) {
			if ((rc = kiso_fcall_test(&ok, c, test, v, c->args + off + 1,
						  c->nargs - off - 1, &undef)) < 0)
				return rc;
		} else {
			if (!v)
				return kiso_error_set(c->err, KISO_EUNDEFINED, c->pos, "%s",
						      undef.undef_name);
			ok = kiso_value_truthy(v);
		}
		if (ok == want)
			push(c, res, item);
	}
	*out = res;
	return 0;
}

static int f_select(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return select_common(out, c, false, true);
}

static int f_reject(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return select_common(out, c, false, false);
}

static int f_selectattr(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return select_common(out, c, true, true);
}

static int f_rejectattr(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return select_common(out, c, true, false);
}

/* ---- zip, zip_longest ---- */

static int zip_common(struct kiso_value **out, struct kiso_tmpl_call *c, bool longest)
{
	size_t n = c->nargs + 1, len = longest ? 0 : SIZE_MAX;
	struct kiso_value **its = kiso_arena_alloc(c->arena, n * sizeof(*its));
	struct kiso_value *fill = NULL, *res;
	int rc;

	for (size_t k = 0; k < c->nkwargs; k++) {
		if (longest && strcmp(c->kwnames[k], "fillvalue") == 0)
			fill = c->kwargs[k];
		else
			return kiso_ftypeerr(c, "%s() got an unexpected keyword argument '%s'",
					     longest ? "zip_longest" : "zip", c->kwnames[k]);
	}
	if (!fill)
		fill = kiso_null(c->arena, c->pos);
	for (size_t i = 0; i < n; i++) {
		struct kiso_value *v = i == 0 ? c->input : c->args[i - 1];

		if ((rc = kiso_fiter(&its[i], c, v)) < 0)
			return rc;
		if (longest ? its[i]->u.list.len > len : its[i]->u.list.len < len)
			len = its[i]->u.list.len;
	}
	res = new_list(c);
	for (size_t k = 0; k < len; k++) {
		struct kiso_value *t = new_list(c);

		for (size_t i = 0; i < n; i++)
			push(c, t, k < its[i]->u.list.len ? its[i]->u.list.items[k] : fill);
		push(c, res, kiso_ftuple(t));
	}
	*out = res;
	return 0;
}

static int f_zip(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return zip_common(out, c, false);
}

static int f_zip_longest(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	return zip_common(out, c, true);
}

/* ---- flatten ---- */

static bool skip_null(const struct kiso_value *v)
{
	return v->type == KISO_NULL ||
	       (v->type == KISO_STR && (strcmp(v->u.s.ptr, "None") == 0 ||
					strcmp(v->u.s.ptr, "null") == 0));
}

static void flatten(struct kiso_tmpl_call *c, struct kiso_value *res, const struct kiso_value *l,
		    int64_t levels, bool skip_nulls, int depth)
{
	for (size_t i = 0; i < l->u.list.len; i++) {
		struct kiso_value *e = l->u.list.items[i];

		if (skip_nulls && skip_null(e))
			continue;
		if (e->type == KISO_LIST && (levels < 0 || levels >= 1) && depth < 10000)
			flatten(c, res, e, levels < 0 ? -1 : levels - 1, skip_nulls, depth + 1);
		else
			push(c, res, e);
	}
}

static int f_flatten(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l, *res;
	int64_t levels = -1;
	int rc;
	BIND("flatten", "levels", "skip_nulls");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	if (a[0] && a[0]->type != KISO_NULL) {
		if ((rc = kiso_fint(&levels, c, a[0], "levels")) < 0)
			return rc;
		if (levels < 0)
			levels = 0;
	}
	res = new_list(c);
	flatten(c, res, l, levels, kiso_fbool(a[1], true), 0);
	*out = res;
	return 0;
}

/* ---- batch, slice ---- */

static int f_batch(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l, *res, *tmp = NULL;
	int64_t count;
	int rc;
	BIND("batch", "linecount", "fill_with");

	if (!a[0])
		return kiso_ftypeerr(c, "do_batch() missing 1 required positional argument: "
					"'linecount'");
	if ((rc = kiso_fint(&count, c, a[0], "linecount")) < 0)
		return rc;
	if (count <= 0)
		return kiso_ferr(c, "math domain error: linecount must be positive");
	if (count > 10000000)
		return kiso_ferr(c, "linecount %lld is too large", (long long)count);
	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	res = new_list(c);
	for (size_t i = 0; i < l->u.list.len; i++) {
		if (!tmp)
			tmp = new_list(c);
		push(c, tmp, l->u.list.items[i]);
		if ((int64_t)tmp->u.list.len == count) {
			push(c, res, tmp);
			tmp = NULL;
		}
	}
	if (tmp) {
		if (a[1] && a[1]->type != KISO_NULL)
			while ((int64_t)tmp->u.list.len < count)
				push(c, tmp, a[1]);
		push(c, res, tmp);
	}
	*out = res;
	return 0;
}

static int f_slice(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l, *res;
	int64_t slices, per, extra, offset = 0;
	int rc;
	BIND("slice", "slices", "fill_with");

	if (!a[0])
		return kiso_ftypeerr(c, "do_slice() missing 1 required positional argument: "
					"'slices'");
	if ((rc = kiso_fint(&slices, c, a[0], "slices")) < 0)
		return rc;
	if (slices <= 0)
		return kiso_ferr(c, "integer division or modulo by zero");
	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	per = (int64_t)l->u.list.len / slices;
	extra = (int64_t)l->u.list.len % slices;
	res = new_list(c);
	for (int64_t k = 0; k < slices && k < 100000; k++) {
		int64_t start = offset + k * per, end;
		struct kiso_value *tmp = new_list(c);

		if (k < extra)
			offset++;
		end = offset + (k + 1) * per;
		for (int64_t i = start; i < end && i < (int64_t)l->u.list.len; i++)
			push(c, tmp, l->u.list.items[i]);
		if (a[1] && a[1]->type != KISO_NULL && k >= extra)
			push(c, tmp, a[1]);
		push(c, res, tmp);
	}
	*out = res;
	return 0;
}

/* ---- set operations (Ansible's mathstuff, list forms) ---- */

static bool list_has(const struct kiso_value *l, const struct kiso_value *x)
{
	for (size_t i = 0; i < l->u.list.len; i++)
		if (kiso_value_equal(l->u.list.items[i], x))
			return true;
	return false;
}

/* Python's a + b of union() and symmetric_difference() on unhashable lists. */
static int concat_check(struct kiso_tmpl_call *c, const struct kiso_value *x,
			const struct kiso_value *y)
{
	if (x->type == KISO_LIST && y->type == KISO_LIST)
		return 0;
	if (x->type == KISO_STR)
		return kiso_ftypeerr(c, "can only concatenate str (not \"%s\") to str",
				     kiso_value_type_name(y));
	if (x->type == KISO_LIST)
		return kiso_ftypeerr(c, "can only concatenate list (not \"%s\") to list",
				     kiso_value_type_name(y));
	return kiso_ftypeerr(c, "unsupported operand type(s) for +: '%s' and '%s'",
			     kiso_value_type_name(x), kiso_value_type_name(y));
}

static int set_args(struct kiso_tmpl_call *c, const char *fn, struct kiso_value **x,
		    struct kiso_value **y, int concat)
{
	struct kiso_value *b;
	int rc;
	BIND(fn, "b");

	if (!a[0])
		return kiso_ftypeerr(c, "%s() missing 1 required positional argument: 'b'", fn);
	b = a[0];
	/* union() adds first; symmetric_difference() iterates (intersect) first */
	if (concat == 1 && (rc = concat_check(c, c->input, b)) < 0)
		return rc;
	if ((rc = kiso_fiter(x, c, c->input)) < 0 || (rc = kiso_fiter(y, c, b)) < 0)
		return rc;
	return concat == 2 ? concat_check(c, c->input, b) : 0;
}

static struct kiso_value *dedupe(struct kiso_tmpl_call *c, struct kiso_value *l)
{
	struct kiso_value *res = new_list(c);

	for (size_t i = 0; i < l->u.list.len; i++)
		if (!list_has(res, l->u.list.items[i]))
			push(c, res, l->u.list.items[i]);
	return res;
}

static int f_union(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *x, *y, *all;
	int rc;

	if ((rc = set_args(c, "union", &x, &y, 1)) < 0)
		return rc;
	all = copy_list(c, x);
	for (size_t i = 0; i < y->u.list.len; i++)
		push(c, all, y->u.list.items[i]);
	*out = dedupe(c, all);
	return 0;
}

static int f_intersect(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *x, *y, *l;
	int rc;

	if ((rc = set_args(c, "intersect", &x, &y, 0)) < 0)
		return rc;
	l = new_list(c);
	for (size_t i = 0; i < x->u.list.len; i++)
		if (list_has(y, x->u.list.items[i]))
			push(c, l, x->u.list.items[i]);
	*out = dedupe(c, l);
	return 0;
}

static int f_difference(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *x, *y, *l;
	int rc;

	if ((rc = set_args(c, "difference", &x, &y, 0)) < 0)
		return rc;
	l = new_list(c);
	for (size_t i = 0; i < x->u.list.len; i++)
		if (!list_has(y, x->u.list.items[i]))
			push(c, l, x->u.list.items[i]);
	*out = dedupe(c, l);
	return 0;
}

static int f_symmetric_difference(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *x, *y, *all, *res;
	int rc;

	if ((rc = set_args(c, "symmetric_difference", &x, &y, 2)) < 0)
		return rc;
	all = copy_list(c, x);
	for (size_t i = 0; i < y->u.list.len; i++)
		push(c, all, y->u.list.items[i]);
	all = dedupe(c, all);
	res = new_list(c);
	for (size_t i = 0; i < all->u.list.len; i++) {
		struct kiso_value *e = all->u.list.items[i];

		if (!(list_has(x, e) && list_has(y, e)))
			push(c, res, e);
	}
	*out = res;
	return 0;
}

/* ---- combine ---- */

enum list_merge { LM_REPLACE, LM_KEEP, LM_APPEND, LM_PREPEND, LM_APPEND_RP, LM_PREPEND_RP };

static struct kiso_value *copy_map(struct kiso_tmpl_call *c, const struct kiso_value *m)
{
	struct kiso_value *r = kiso_map_new(c->arena, c->pos);

	for (size_t i = 0; i < m->u.map.len; i++)
		kiso_map_setv(c->arena, r, m->u.map.items[i].key, m->u.map.items[i].val);
	return r;
}

/* Ansible's merge_hash(x, y): y's keys win; x and y stay as they are. */
static int merge_hash(struct kiso_value **out, struct kiso_tmpl_call *c, struct kiso_value *x,
		      struct kiso_value *y, bool recursive, enum list_merge lm, int depth)
{
	struct kiso_value *r;
	int rc;

	if (x->type != KISO_MAP || y->type != KISO_MAP) {
		struct kiso_buf bx = KISO_BUF_INIT, by = KISO_BUF_INIT;

		kiso_value_json(&bx, x, -1, false);
		kiso_value_json(&by, y, -1, false);
		rc = kiso_ferr(c, "failed to combine variables, expected dicts but got a '%s' and "
				  "a '%s': \n%s\n%s",
			       kiso_value_type_name(x), kiso_value_type_name(y),
			       kiso_buf_cstr(&bx), kiso_buf_cstr(&by));
		kiso_buf_release(&bx);
		kiso_buf_release(&by);
		return rc;
	}
	if (x->u.map.len == 0 || kiso_value_equal(x, y)) {
		*out = copy_map(c, y);
		return 0;
	}
	r = copy_map(c, x);
	for (size_t i = 0; i < y->u.map.len; i++) {
		struct kiso_value *key = y->u.map.items[i].key, *yv = y->u.map.items[i].val;
		struct kiso_value *xv = kiso_map_getv(r, key);

		if (!xv || (!recursive && lm == LM_REPLACE)) {
			kiso_map_setv(c->arena, r, key, yv);
			continue;
		}
		if (xv->type == KISO_MAP && yv->type == KISO_MAP) {
			if (recursive && depth < 1000) {
				struct kiso_value *m;

				if ((rc = merge_hash(&m, c, xv, yv, recursive, lm, depth + 1)) < 0)
					return rc;
				kiso_map_setv(c->arena, r, key, m);
			} else {
				kiso_map_setv(c->arena, r, key, yv);
			}
			continue;
		}
		if (xv->type == KISO_LIST && yv->type == KISO_LIST) {
			struct kiso_value *l = new_list(c);

			switch (lm) {
			case LM_REPLACE:
				l = yv;
				break;
			case LM_KEEP:
				l = xv;
				break;
			case LM_APPEND:
			case LM_PREPEND: {
				struct kiso_value *first = lm == LM_APPEND ? xv : yv;
				struct kiso_value *second = lm == LM_APPEND ? yv : xv;

				for (size_t k = 0; k < first->u.list.len; k++)
					push(c, l, first->u.list.items[k]);
				for (size_t k = 0; k < second->u.list.len; k++)
					push(c, l, second->u.list.items[k]);
				break;
			}
			case LM_APPEND_RP:
				for (size_t k = 0; k < xv->u.list.len; k++)
					if (!list_has(yv, xv->u.list.items[k]))
						push(c, l, xv->u.list.items[k]);
				for (size_t k = 0; k < yv->u.list.len; k++)
					push(c, l, yv->u.list.items[k]);
				break;
			case LM_PREPEND_RP:
				for (size_t k = 0; k < yv->u.list.len; k++)
					push(c, l, yv->u.list.items[k]);
				for (size_t k = 0; k < xv->u.list.len; k++)
					if (!list_has(yv, xv->u.list.items[k]))
						push(c, l, xv->u.list.items[k]);
				break;
			}
			kiso_map_setv(c->arena, r, key, l);
			continue;
		}
		kiso_map_setv(c->arena, r, key, yv);
	}
	*out = r;
	return 0;
}

static int f_combine(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	static const char *const lms[] = { "replace", "keep", "append", "prepend", "append_rp",
					   "prepend_rp" };
	struct kiso_value *dicts = new_list(c), *res;
	bool recursive = false;
	enum list_merge lm = LM_REPLACE;
	int rc;

	for (size_t k = 0; k < c->nkwargs; k++) {
		if (strcmp(c->kwnames[k], "recursive") == 0) {
			recursive = kiso_value_truthy(c->kwargs[k]);
		} else if (strcmp(c->kwnames[k], "list_merge") == 0) {
			const char *s = kiso_fstr(c, c->kwargs[k], NULL);
			size_t i;

			for (i = 0; i < KISO_ARRAY_SIZE(lms); i++)
				if (strcmp(lms[i], s) == 0)
					break;
			if (i == KISO_ARRAY_SIZE(lms))
				return kiso_ferr(c, "merge_hash: 'list_merge' argument can only be "
						    "equal to 'replace', 'keep', 'append', "
						    "'prepend', 'append_rp' or 'prepend_rp'");
			lm = (enum list_merge)i;
		} else {
			return kiso_ferr(c, "'recursive' and 'list_merge' are the only valid "
					    "keyword arguments");
		}
	}
	/* flatten(terms, levels=1) */
	for (size_t i = 0; i <= c->nargs; i++) {
		struct kiso_value *t = i == 0 ? c->input : c->args[i - 1];

		if (skip_null(t))
			continue;
		if (t->type == KISO_LIST) {
			for (size_t k = 0; k < t->u.list.len; k++)
				if (!skip_null(t->u.list.items[k]))
					push(c, dicts, t->u.list.items[k]);
		} else {
			push(c, dicts, t);
		}
	}
	if (dicts->u.list.len == 0) {
		*out = kiso_map_new(c->arena, c->pos);
		return 0;
	}
	if (dicts->u.list.len == 1) {
		*out = dicts->u.list.items[0];
		return 0;
	}
	res = dicts->u.list.items[dicts->u.list.len - 1];
	for (size_t i = dicts->u.list.len - 1; i > 0; i--)
		if ((rc = merge_hash(&res, c, dicts->u.list.items[i - 1], res, recursive, lm, 0)) < 0)
			return rc;
	*out = res;
	return 0;
}

/* ---- dict2items, items2dict, dictsort, items ---- */

static int f_dict2items(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input, *res;
	const char *kn = "key", *vn = "value";
	BIND("dict2items", "key_name", "value_name");

	if (v->type != KISO_MAP)
		return kiso_ftypeerr(c, "dict2items requires a dictionary, got <class '%s'> instead.",
				     kiso_value_type_name(v));
	if (a[0])
		kn = kiso_fstr(c, a[0], NULL);
	if (a[1])
		vn = kiso_fstr(c, a[1], NULL);
	res = new_list(c);
	for (size_t i = 0; i < v->u.map.len; i++) {
		struct kiso_value *m = kiso_map_new(c->arena, c->pos);

		kiso_map_set(c->arena, m, kn, v->u.map.items[i].key);
		kiso_map_set(c->arena, m, vn, v->u.map.items[i].val);
		push(c, res, m);
	}
	*out = res;
	return 0;
}

static int f_items2dict(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input, *res;
	const char *kn = "key", *vn = "value";
	BIND("items2dict", "key_name", "value_name");

	if (v->type != KISO_LIST)
		return kiso_ftypeerr(c, "items2dict requires a list, got <class '%s'> instead.",
				     kiso_value_type_name(v));
	if (a[0])
		kn = kiso_fstr(c, a[0], NULL);
	if (a[1])
		vn = kiso_fstr(c, a[1], NULL);
	res = kiso_map_new(c->arena, c->pos);
	for (size_t i = 0; i < v->u.list.len; i++) {
		struct kiso_value *item = v->u.list.items[i], *k, *val;

		if (item->type != KISO_MAP)
			return kiso_ftypeerr(c, "items2dict requires a list of dictionaries, got %s "
						"instead.",
					     kiso_frepr(c, v));
		k = kiso_map_get(item, kn);
		val = kiso_map_get(item, vn);
		if (!k || !val)
			return kiso_ftypeerr(c, "items2dict requires each dictionary in the list to "
						"contain the keys '%s' and '%s', got %s instead.",
					     kn, vn, kiso_frepr(c, v));
		if (k->type == KISO_LIST || k->type == KISO_MAP)
			return kiso_ftypeerr(c, "unhashable type: '%s'", kiso_value_type_name(k));
		kiso_map_setv(c->arena, res, k, val);
	}
	*out = res;
	return 0;
}

static int f_dictsort(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input, *res, *keys;
	const char *by = "key";
	int rc;
	BIND("dictsort", "case_sensitive", "by", "reverse");

	if (v->type != KISO_MAP)
		return kiso_ftypeerr(c, "'%s' object has no attribute 'items'",
				     kiso_value_type_name(v));
	if (a[1])
		by = kiso_fstr(c, a[1], NULL);
	if (strcmp(by, "key") != 0 && strcmp(by, "value") != 0)
		return kiso_ferr(c, "You can only sort by either \"key\" or \"value\"");
	res = new_list(c);
	for (size_t i = 0; i < v->u.map.len; i++)
		push(c, res, pair(c, v->u.map.items[i].key, v->u.map.items[i].val));
	keys = kiso_int(c->arena, strcmp(by, "key") == 0 ? 0 : 1, c->pos);
	if ((rc = kiso_fsort(c, res->u.list.items, res->u.list.len, kiso_fbool(a[2], false),
			     kiso_fbool(a[0], false), keys)) < 0)
		return rc;
	*out = res;
	return 0;
}

static int f_items(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input, *res;
	BIND0("items");

	if (!v) {
		*out = new_list(c);
		return 0;
	}
	if (v->type != KISO_MAP)
		return kiso_ftypeerr(c, "Can only get item pairs from a mapping.");
	res = new_list(c);
	for (size_t i = 0; i < v->u.map.len; i++)
		push(c, res, pair(c, v->u.map.items[i].key, v->u.map.items[i].val));
	*out = res;
	return 0;
}

/* ---- groupby ---- */

static int f_groupby(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l, *res, *keys;
	bool cs;
	int rc;
	BIND("groupby", "attribute", "default", "case_sensitive");

	if (!a[0])
		return kiso_ftypeerr(c, "do_groupby() missing 1 required positional argument: "
					"'attribute'");
	cs = kiso_fbool(a[2], false);
	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	l = copy_list(c, l);
	/* fill the keys (with the default) before sorting */
	keys = new_list(c);
	for (size_t i = 0; i < l->u.list.len; i++) {
		struct kiso_value *k, *item = l->u.list.items[i];

		if ((rc = kiso_fattr(&k, c, item, a[0])) < 0)
			return rc;
		if (!k && a[1])
			k = a[1];
		if (!k && (rc = kiso_fattr_req(&k, c, item, a[0])) < 0)
			return rc;
		push(c, keys, pair(c, k, item));
	}
	{
		struct kiso_value *zero = kiso_int(c->arena, 0, c->pos);

		if ((rc = kiso_fsort(c, keys->u.list.items, keys->u.list.len, false, cs, zero)) < 0)
			return rc;
	}
	res = new_list(c);
	for (size_t i = 0; i < keys->u.list.len;) {
		struct kiso_value *k0 = keys->u.list.items[i]->u.list.items[0];
		struct kiso_value *grp = new_list(c);
		size_t j = i;

		while (j < keys->u.list.len) {
			struct kiso_error e2 = KISO_ERROR_INIT;
			struct kiso_tmpl_call c2 = *c;
			struct kiso_value *kj = keys->u.list.items[j]->u.list.items[0];
			int cmp = 1;

			c2.err = &e2;
			if (kiso_fcompare(&cmp, &c2, kj, k0, cs) < 0)
				cmp = kiso_value_equal(kj, k0) ? 0 : 1;
			if (cmp != 0)
				break;
			push(c, grp, keys->u.list.items[j]->u.list.items[1]);
			j++;
		}
		push(c, res, pair(c, k0, grp));
		i = j;
	}
	*out = res;
	return 0;
}

/* ---- subelements, extract ---- */

static int f_subelements(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *obj = c->input, *elems, *path, *res;
	bool skip_missing;
	int rc;
	BIND("subelements", "subelements", "skip_missing");

	if (!a[0])
		return kiso_ftypeerr(c, "subelements() missing 1 required positional argument: "
					"'subelements'");
	skip_missing = kiso_fbool(a[1], false);
	if (obj->type == KISO_MAP) {
		elems = new_list(c);
		for (size_t i = 0; i < obj->u.map.len; i++)
			push(c, elems, obj->u.map.items[i].val);
	} else if (obj->type == KISO_LIST) {
		elems = obj;
	} else {
		return kiso_ferr(c, "obj must be a list of dicts or a nested dict");
	}
	if (a[0]->type == KISO_LIST) {
		path = a[0];
	} else if (a[0]->type == KISO_STR) {
		struct kiso_value *dot = kiso_str(c->arena, ".", c->pos), *args[1] = { dot };

		if ((rc = kiso_fcall_filter(&path, c, "split", a[0], args, 1, NULL)) < 0)
			return rc;
	} else {
		return kiso_ftypeerr(c, "subelements must be a list or a string");
	}
	res = new_list(c);
	for (size_t i = 0; i < elems->u.list.len; i++) {
		struct kiso_value *el = elems->u.list.items[i], *vals = el;

		for (size_t k = 0; k < path->u.list.len; k++) {
			struct kiso_value *key = path->u.list.items[k], *next = NULL;

			if (vals->type == KISO_MAP) {
				next = kiso_map_getv(vals, key);
			} else if (vals->type == KISO_LIST && key->type == KISO_INT) {
				if (key->u.i >= 0 && (size_t)key->u.i < vals->u.list.len)
					next = vals->u.list.items[key->u.i];
				else
					return kiso_ferr(c, "list index out of range");
			} else {
				return kiso_ftypeerr(c, "the key %s should point to a dictionary, "
							"got '%s'",
						     kiso_fstr(c, key, NULL), kiso_fstr(c, vals, NULL));
			}
			if (!next) {
				if (skip_missing) {
					vals = new_list(c);
					break;
				}
				return kiso_ferr(c, "could not find %s key in iterated item %s",
						 kiso_frepr(c, key), kiso_frepr(c, vals));
			}
			vals = next;
		}
		if (vals->type != KISO_LIST)
			return kiso_ftypeerr(c, "the key %s should point to a list, got %s",
					     kiso_frepr(c, path->u.list.items[path->u.list.len - 1]),
					     kiso_frepr(c, vals));
		for (size_t k = 0; k < vals->u.list.len; k++)
			push(c, res, pair(c, el, vals->u.list.items[k]));
	}
	*out = res;
	return 0;
}

/* Jinja2's environment.getitem(obj, key), failing as its Undefined does. */
static int getitem(struct kiso_value **out, struct kiso_tmpl_call *c, struct kiso_value *obj,
		   struct kiso_value *key, bool undef_ok)
{
	struct kiso_value *v = NULL;

	if (obj->type == KISO_MAP) {
		v = kiso_map_getv(obj, key);
	} else if (obj->type == KISO_LIST && (key->type == KISO_INT || key->type == KISO_BOOL)) {
		int64_t i = key->type == KISO_INT ? key->u.i : key->u.b;

		if (i < 0)
			i += (int64_t)obj->u.list.len;
		if (i >= 0 && (size_t)i < obj->u.list.len)
			v = obj->u.list.items[i];
	} else if (key->type == KISO_STR) {
		if (kiso_fattr(&v, c, obj, key) < 0)
			return -1;
	}
	if (!v && undef_ok) {
		*out = NULL;
		return 0;
	}
	if (!v && key->type == KISO_STR)
		return kiso_error_set(c->err, KISO_EUNDEFINED, c->pos,
				      "'%s object' has no attribute %s",
				      obj->type == KISO_MAP ? "dict" : kiso_value_type_name(obj),
				      kiso_frepr(c, key));
	if (!v)
		return kiso_error_set(c->err, KISO_EUNDEFINED, c->pos, "%s object has no element %s",
				      obj->type == KISO_MAP ? "dict" : kiso_value_type_name(obj),
				      kiso_frepr(c, key));
	*out = v;
	return 0;
}

static int f_extract(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = NULL;
	int rc = 0;
	BIND("extract", "container", "morekeys");

	if (!a[0])
		return kiso_ftypeerr(c, "extract() missing 1 required positional argument: "
					"'container'");
	/* a missing last key gives Undefined (for '| default', select('defined'));
	 * a missing key on the way fails as Jinja2's Undefined does when used */
	if (a[1] && a[1]->type != KISO_NULL) {
		struct kiso_value *keys = a[1];
		size_t n;

		if (keys->type != KISO_LIST) {
			keys = new_list(c);
			push(c, keys, a[1]);
		}
		n = keys->u.list.len;
		if ((rc = getitem(&v, c, a[0], c->input, n == 0)) < 0 || !v)
			goto out;
		for (size_t i = 0; i < n; i++)
			if ((rc = getitem(&v, c, v, keys->u.list.items[i], i + 1 == n)) < 0 || !v)
				goto out;
	} else if ((rc = getitem(&v, c, a[0], c->input, true)) < 0) {
		return rc;
	}
out:
	*out = v;
	return rc < 0 ? rc : 0;
}

/* ---- product, permutations, combinations ---- */

#define COMBI_MAX 1000000

static int f_product(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	size_t n = c->nargs + 1, total = 1;
	int64_t repeat = 1;
	struct kiso_value **pools, *res;
	size_t *idx, npools;
	int rc;

	for (size_t k = 0; k < c->nkwargs; k++) {
		if (strcmp(c->kwnames[k], "repeat") != 0)
			return kiso_ftypeerr(c, "product() got an unexpected keyword argument '%s'",
					     c->kwnames[k]);
		if ((rc = kiso_fint(&repeat, c, c->kwargs[k], "repeat")) < 0)
			return rc;
		if (repeat < 0)
			return kiso_ferr(c, "repeat argument cannot be negative");
	}
	if (repeat > 64)
		return kiso_ferr(c, "product() result is too large");
	npools = n * (size_t)repeat;
	pools = kiso_arena_alloc(c->arena, (npools + 1) * sizeof(*pools));
	for (size_t i = 0; i < n; i++) {
		struct kiso_value *l;

		if ((rc = kiso_fiter(&l, c, i == 0 ? c->input : c->args[i - 1])) < 0)
			return rc;
		for (int64_t r = 0; r < repeat; r++)
			pools[(size_t)r * n + i] = l;
	}
	for (size_t i = 0; i < npools; i++) {
		total *= pools[i]->u.list.len;
		if (total > COMBI_MAX)
			return kiso_ferr(c, "product() result is too large");
	}
	res = new_list(c);
	if (total == 0) {
		*out = res;
		return 0;
	}
	idx = kiso_xcalloc(npools + 1, sizeof(*idx));
	for (;;) {
		struct kiso_value *t = new_list(c);
		size_t p;

		for (size_t i = 0; i < npools; i++)
			push(c, t, pools[i]->u.list.items[idx[i]]);
		push(c, res, kiso_ftuple(t));
		for (p = npools; p > 0; p--) {
			if (++idx[p - 1] < pools[p - 1]->u.list.len)
				break;
			idx[p - 1] = 0;
		}
		if (p == 0)
			break;
	}
	free(idx);
	*out = res;
	return 0;
}

static int f_permutations(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l, *res;
	int64_t r;
	size_t n, *idx, *cyc;
	double count = 1;
	int rc;
	BIND("permutations", "r");

	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	n = l->u.list.len;
	r = (int64_t)n;
	if (a[0] && a[0]->type != KISO_NULL && (rc = kiso_fint(&r, c, a[0], "r")) < 0)
		return rc;
	if (r < 0)
		return kiso_ferr(c, "r must be non-negative");
	res = new_list(c);
	if ((size_t)r > n) {
		*out = res;
		return 0;
	}
	for (int64_t k = 0; k < r; k++)
		count *= (double)(n - (size_t)k);
	if (count > COMBI_MAX)
		return kiso_ferr(c, "permutations() result is too large");
	/* CPython's itertools.permutations algorithm, for its order */
	idx = kiso_xmalloc((n + 1) * sizeof(*idx));
	cyc = kiso_xmalloc(((size_t)r + 1) * sizeof(*cyc));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = 0; i < (size_t)r; i++)
		cyc[i] = n - i;
	for (;;) {
		struct kiso_value *t = new_list(c);
		size_t i;

		for (size_t k = 0; k < (size_t)r; k++)
			push(c, t, l->u.list.items[idx[k]]);
		push(c, res, kiso_ftuple(t));
		if (n == 0 || r == 0)
			break;
		for (i = (size_t)r; i > 0; i--) {
			size_t ii = i - 1;

			if (--cyc[ii] == 0) {
				size_t first = idx[ii];

				memmove(idx + ii, idx + ii + 1, (n - ii - 1) * sizeof(*idx));
				idx[n - 1] = first;
				cyc[ii] = n - ii;
			} else {
				size_t j = cyc[ii], tmp = idx[ii];

				idx[ii] = idx[n - j];
				idx[n - j] = tmp;
				break;
			}
		}
		if (i == 0)
			break;
	}
	free(idx);
	free(cyc);
	*out = res;
	return 0;
}

static int f_combinations(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *l, *res;
	int64_t r;
	size_t n, *idx;
	double count = 1;
	int rc;
	BIND("combinations", "r");

	if (!a[0])
		return kiso_ftypeerr(c, "combinations() missing required argument 'r' (pos 2)");
	if ((rc = kiso_fiter(&l, c, c->input)) < 0)
		return rc;
	if ((rc = kiso_fint(&r, c, a[0], "r")) < 0)
		return rc;
	if (r < 0)
		return kiso_ferr(c, "r must be non-negative");
	n = l->u.list.len;
	res = new_list(c);
	if ((size_t)r > n) {
		*out = res;
		return 0;
	}
	for (int64_t k = 0; k < r; k++)
		count = count * (double)(n - (size_t)k) / (double)(k + 1);
	if (count > COMBI_MAX)
		return kiso_ferr(c, "combinations() result is too large");
	idx = kiso_xmalloc(((size_t)r + 1) * sizeof(*idx));
	for (size_t i = 0; i < (size_t)r; i++)
		idx[i] = i;
	for (;;) {
		struct kiso_value *t = new_list(c);
		size_t i;

		for (size_t k = 0; k < (size_t)r; k++)
			push(c, t, l->u.list.items[idx[k]]);
		push(c, res, kiso_ftuple(t));
		for (i = (size_t)r; i > 0; i--)
			if (idx[i - 1] != i - 1 + n - (size_t)r)
				break;
		if (i == 0)
			break;
		idx[i - 1]++;
		for (size_t j = i; j < (size_t)r; j++)
			idx[j] = idx[j - 1] + 1;
	}
	free(idx);
	*out = res;
	return 0;
}

/* ---- rekey_on_member ---- */

static int f_rekey_on_member(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input, *items, *res;
	const char *dup = "error";
	BIND("rekey_on_member", "key", "duplicates");

	if (!a[0])
		return kiso_ftypeerr(c, "rekey_on_member() missing 1 required positional argument: "
					"'key'");
	if (a[1])
		dup = kiso_fstr(c, a[1], NULL);
	if (strcmp(dup, "error") != 0 && strcmp(dup, "overwrite") != 0)
		return kiso_ferr(c, "duplicates parameter to rekey_on_member has unknown value: %s",
				 dup);
	if (v->type == KISO_MAP) {
		items = new_list(c);
		for (size_t i = 0; i < v->u.map.len; i++)
			push(c, items, v->u.map.items[i].val);
	} else if (v->type == KISO_LIST) {
		items = v;
	} else {
		return kiso_ferr(c, "Type is not a valid list, set, or dict");
	}
	res = kiso_map_new(c->arena, c->pos);
	for (size_t i = 0; i < items->u.list.len; i++) {
		struct kiso_value *item = items->u.list.items[i], *k, *old;

		if (item->type != KISO_MAP)
			return kiso_ferr(c, "List item is not a valid dict");
		k = kiso_map_getv(item, a[0]);
		if (!k)
			return kiso_ferr(c, "Key %s was not found", kiso_fstr(c, a[0], NULL));
		if (k->type == KISO_LIST || k->type == KISO_MAP)
			return kiso_ferr(c, "unhashable type: '%s'", kiso_value_type_name(k));
		old = kiso_map_getv(res, k);
		if (old && kiso_value_truthy(old) && strcmp(dup, "error") == 0)
			return kiso_ferr(c, "Key %s is not unique, cannot correctly turn into dict",
					 kiso_fstr(c, k, NULL));
		kiso_map_setv(c->arena, res, k, item);
	}
	*out = res;
	return 0;
}

const struct kiso_tmpl_filter kiso_filters_list[] = {
	{ "batch", f_batch, 0 },
	{ "combinations", f_combinations, 0 },
	{ "combine", f_combine, 0 },
	{ "count", f_length, 0 },
	{ "dict2items", f_dict2items, 0 },
	{ "dictsort", f_dictsort, 0 },
	{ "difference", f_difference, 0 },
	{ "extract", f_extract, 0 },
	{ "first", f_first, 0 },
	{ "flatten", f_flatten, 0 },
	{ "groupby", f_groupby, 0 },
	{ "intersect", f_intersect, 0 },
	{ "items", f_items, KISO_TMPL_UNDEF_OK },
	{ "items2dict", f_items2dict, 0 },
	{ "join", f_join, 0 },
	{ "last", f_last, 0 },
	{ "length", f_length, 0 },
	{ "list", f_list, 0 },
	{ "map", f_map, 0 },
	{ "max", f_max, 0 },
	{ "min", f_min, 0 },
	{ "permutations", f_permutations, 0 },
	{ "product", f_product, 0 },
	{ "reject", f_reject, 0 },
	{ "rejectattr", f_rejectattr, 0 },
	{ "rekey_on_member", f_rekey_on_member, 0 },
	{ "reverse", f_reverse, 0 },
	{ "select", f_select, 0 },
	{ "selectattr", f_selectattr, 0 },
	{ "slice", f_slice, 0 },
	{ "sort", f_sort, 0 },
	{ "subelements", f_subelements, 0 },
	{ "sum", f_sum, 0 },
	{ "symmetric_difference", f_symmetric_difference, 0 },
	{ "union", f_union, 0 },
	{ "unique", f_unique, 0 },
	{ "zip", f_zip, 0 },
	{ "zip_longest", f_zip_longest, 0 },
	{ NULL, NULL, 0 },
};
