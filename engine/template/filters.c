/*
 * template/filters.c - the filter registry and the helpers that the filter
 * families (filters_data.c, filters_list.c, filters_regex.c,
 * filters_string.c) share.
 */
#include "kiso_common.h"

#include <stdarg.h>
#include <strings.h>

#include "template/filters.h"
#include "template/internal.h"

_Static_assert(KISO_FVF_TUPLE == TMPL_VF_TUPLE, "the tuple flag is the evaluator's");
_Static_assert((KISO_FVF_UNDEF & (TMPL_VF_TUPLE | TMPL_VF_OWNED | KISO_VF_QUOTED | KISO_VF_UNSAFE |
				  KISO_VF_VAULT | KISO_VF_NOLOG)) == 0,
	       "the undefined placeholder flag is free");

struct kiso_value *kiso_ftuple(struct kiso_value *l)
{
	l->flags |= KISO_FVF_TUPLE;
	return l;
}

struct kiso_value *kiso_fundef(struct kiso_tmpl_call *c)
{
	struct kiso_value *v = kiso_null(c->arena, c->pos);

	v->flags |= KISO_FVF_UNDEF;
	return v;
}

bool kiso_fis_undef(const struct kiso_value *v)
{
	return v->type == KISO_NULL && (v->flags & KISO_FVF_UNDEF);
}

static const struct kiso_tmpl_filter *const families[] = {
	kiso_filters_data,
	kiso_filters_list,
	kiso_filters_random,
	kiso_filters_regex,
	kiso_filters_string,
};

/* Ansible's FQCN spellings of the builtin plugins. */
static const char *strip_fqcn(const char *name)
{
	static const char *const prefixes[] = { "ansible.builtin.", "ansible.legacy." };

	for (size_t i = 0; i < KISO_ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(name, prefixes[i], n) == 0)
			return name + n;
	}
	return name;
}

const struct kiso_tmpl_filter *kiso_tmpl_filter_find(const char *name)
{
	if (!name)
		return NULL;
	name = strip_fqcn(name);
	for (size_t f = 0; f < KISO_ARRAY_SIZE(families); f++)
		for (const struct kiso_tmpl_filter *e = families[f]; e->name; e++)
			if (strcmp(e->name, name) == 0)
				return e;
	return NULL;
}

/* ---- errors ---- */

int kiso_ferr(struct kiso_tmpl_call *c, const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kiso_error_set(c->err, KISO_EFAIL, c->pos, "%s", msg);
}

int kiso_ftypeerr(struct kiso_tmpl_call *c, const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kiso_error_set(c->err, KISO_EFAIL, c->pos,
			      "Unexpected templating type error occurred: %s", msg);
}

/* ---- arguments ---- */

int kiso_fbind(struct kiso_tmpl_call *c, const char *fn, const char *const *names, size_t n,
	       struct kiso_value **out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (c->nargs > n) {
		if (n == 0)
			return kiso_ftypeerr(c, "%s() takes 1 positional argument but %zu were given",
					     fn, c->nargs + 1);
		return kiso_ftypeerr(c,
				     "%s() takes from 1 to %zu positional arguments but %zu were given",
				     fn, n + 1, c->nargs + 1);
	}
	for (size_t i = 0; i < c->nargs; i++)
		out[i] = c->args[i];
	for (size_t k = 0; k < c->nkwargs; k++) {
		size_t i;

		for (i = 0; i < n; i++)
			if (strcmp(names[i], c->kwnames[k]) == 0)
				break;
		if (i == n)
			return kiso_ftypeerr(c, "%s() got an unexpected keyword argument '%s'", fn,
					     c->kwnames[k]);
		if (i < c->nargs)
			return kiso_ftypeerr(c, "%s() got multiple values for argument '%s'", fn,
					     names[i]);
		out[i] = c->kwargs[k];
	}
	return 0;
}

bool kiso_fbool(const struct kiso_value *v, bool dflt)
{
	return v ? kiso_value_truthy(v) : dflt;
}

static bool parse_int_text(int64_t *out, const char *s)
{
	char *end;
	long long v;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!*s)
		return false;
	v = strtoll(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

int kiso_fint(int64_t *out, struct kiso_tmpl_call *c, const struct kiso_value *v,
	      const char *what)
{
	switch (v->type) {
	case KISO_BOOL:
		*out = v->u.b;
		return 0;
	case KISO_INT:
		*out = v->u.i;
		return 0;
	case KISO_FLOAT:
		if (v->u.f != v->u.f || v->u.f > 9.2e18 || v->u.f < -9.2e18)
			return kiso_ferr(c, "cannot convert float %s to integer",
					 v->u.f != v->u.f ? "NaN" : "infinity");
		*out = (int64_t)v->u.f;
		return 0;
	case KISO_STR:
		if (parse_int_text(out, v->u.s.ptr))
			return 0;
		return kiso_ferr(c, "invalid literal for int() with base 10: %s",
				 kiso_frepr(c, v));
	default:
		return kiso_ftypeerr(c, "%s must be an integer, not '%s'", what,
				     kiso_value_type_name(v));
	}
}

/* ---- strings ---- */

const char *kiso_fstr(struct kiso_tmpl_call *c, const struct kiso_value *v, size_t *len)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	if (v->type == KISO_STR) {
		if (len)
			*len = v->u.s.len;
		return v->u.s.ptr;
	}
	kiso_value_str(&b, v);
	s = kiso_arena_strndup(c->arena, kiso_buf_cstr(&b), b.len);
	if (len)
		*len = b.len;
	kiso_buf_release(&b);
	return s;
}

const char *kiso_frepr(struct kiso_tmpl_call *c, const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	kiso_value_repr(&b, v);
	s = kiso_arena_strndup(c->arena, kiso_buf_cstr(&b), b.len);
	kiso_buf_release(&b);
	return s;
}

struct kiso_value *kiso_fnewstr(struct kiso_tmpl_call *c, const char *s, size_t n)
{
	return kiso_strn(c->arena, s ? s : "", n, c->pos);
}

struct kiso_value *kiso_fbufstr(struct kiso_tmpl_call *c, struct kiso_buf *b)
{
	struct kiso_value *v = kiso_strn(c->arena, kiso_buf_cstr(b), b->len, c->pos);

	kiso_buf_release(b);
	return v;
}

uint32_t kiso_utf8_next(const char *str, size_t n, size_t *i)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t p = *i;
	uint32_t cp;
	size_t need;

	if (s[p] < 0x80) {
		*i = p + 1;
		return s[p];
	}
	if ((s[p] & 0xe0) == 0xc0) {
		cp = s[p] & 0x1f;
		need = 1;
	} else if ((s[p] & 0xf0) == 0xe0) {
		cp = s[p] & 0x0f;
		need = 2;
	} else if ((s[p] & 0xf8) == 0xf0) {
		cp = s[p] & 0x07;
		need = 3;
	} else {
		*i = p + 1;
		return s[p];
	}
	if (p + need >= n) {
		*i = p + 1;
		return s[p];
	}
	for (size_t k = 1; k <= need; k++) {
		if ((s[p + k] & 0xc0) != 0x80) {
			*i = p + 1;
			return s[p];
		}
		cp = (cp << 6) | (s[p + k] & 0x3f);
	}
	*i = p + need + 1;
	return cp;
}

void kiso_utf8_put(struct kiso_buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		kiso_buf_add(b, u, 1);
	} else if (cp < 0x800) {
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

size_t kiso_utf8_count(const char *s, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		kiso_utf8_next(s, n, &i);
		count++;
	}
	return count;
}

size_t kiso_utf8_offset(const char *s, size_t n, size_t idx)
{
	size_t i = 0;

	while (i < n && idx > 0) {
		kiso_utf8_next(s, n, &i);
		idx--;
	}
	return i;
}

uint32_t kiso_cp_lower(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp < 0x80)
		return cp;
	if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2) ||
	    (cp >= 0x410 && cp <= 0x42f))
		return cp + 32;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 80;
	if (cp >= 0x100 && cp <= 0x17f && cp != 0x130 && cp != 0x131 && cp != 0x138 &&
	    cp != 0x149 && cp != 0x17f) {
		/* Latin Extended-A pairs: even upper/odd lower, shifted after 0x138 */
		bool shifted = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e);

		if (shifted ? (cp % 2 == 1) : (cp % 2 == 0))
			return cp + 1;
	}
	return cp;
}

uint32_t kiso_cp_upper(uint32_t cp)
{
	if (cp >= 'a' && cp <= 'z')
		return cp - 32;
	if (cp < 0x80)
		return cp;
	if ((cp >= 0xe0 && cp <= 0xfe && cp != 0xf7) || (cp >= 0x3b1 && cp <= 0x3cb && cp != 0x3c2) ||
	    (cp >= 0x430 && cp <= 0x44f))
		return cp - 32;
	if (cp == 0x3c2)
		return 0x3a3;
	if (cp == 0xff)
		return 0x178;
	if (cp >= 0x450 && cp <= 0x45f)
		return cp - 80;
	if (cp >= 0x100 && cp <= 0x17f && cp != 0x130 && cp != 0x131 && cp != 0x138 &&
	    cp != 0x149 && cp != 0x17f) {
		bool shifted = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e);

		if (shifted ? (cp % 2 == 0) : (cp % 2 == 1))
			return cp - 1;
	}
	return cp;
}

bool kiso_cp_space(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f) ||
	       cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* ---- containers ---- */

int kiso_fiter(struct kiso_value **out, struct kiso_tmpl_call *c, struct kiso_value *v)
{
	struct kiso_value *l;

	switch (v->type) {
	case KISO_LIST:
		*out = v;
		return 0;
	case KISO_MAP:
		l = kiso_list_new(c->arena, v->pos);
		for (size_t i = 0; i < v->u.map.len; i++)
			kiso_list_push(c->arena, l, v->u.map.items[i].key);
		*out = l;
		return 0;
	case KISO_STR: {
		size_t i = 0;

		l = kiso_list_new(c->arena, v->pos);
		while (i < v->u.s.len) {
			size_t start = i;

			kiso_utf8_next(v->u.s.ptr, v->u.s.len, &i);
			kiso_list_push(c->arena, l, kiso_fnewstr(c, v->u.s.ptr + start, i - start));
		}
		*out = l;
		return 0;
	}
	default:
		return kiso_ftypeerr(c, "'%s' object is not iterable", kiso_value_type_name(v));
	}
}

int kiso_fcontains(bool *out, struct kiso_tmpl_call *c, const struct kiso_value *container,
		   const struct kiso_value *x)
{
	*out = false;
	switch (container->type) {
	case KISO_LIST:
		for (size_t i = 0; i < container->u.list.len; i++)
			if (kiso_value_equal(container->u.list.items[i], x)) {
				*out = true;
				break;
			}
		return 0;
	case KISO_MAP:
		*out = kiso_map_getv(container, x) != NULL;
		return 0;
	case KISO_STR:
		if (x->type != KISO_STR)
			return kiso_ftypeerr(c, "'in <string>' requires string as left operand, not %s",
					     kiso_value_type_name(x));
		*out = x->u.s.len == 0 ||
		       memmem(container->u.s.ptr, container->u.s.len, x->u.s.ptr, x->u.s.len);
		return 0;
	default:
		return kiso_ftypeerr(c, "argument of type '%s' is not iterable",
				     kiso_value_type_name(container));
	}
}

int kiso_fattr(struct kiso_value **out, struct kiso_tmpl_call *c, const struct kiso_value *obj,
	       const struct kiso_value *attr)
{
	const char *path;

	if (attr->type == KISO_INT) {
		path = kiso_arena_sprintf(c->arena, "%lld", (long long)attr->u.i);
	} else if (attr->type == KISO_STR) {
		path = attr->u.s.ptr;
	} else {
		return kiso_ftypeerr(c, "attribute must be a string or an integer, not '%s'",
				     kiso_value_type_name(attr));
	}
	*out = NULL;
	return kiso_tmpl_getattr(out, obj, path);
}

int kiso_fattr_req(struct kiso_value **out, struct kiso_tmpl_call *c,
		   const struct kiso_value *obj, const struct kiso_value *attr)
{
	int rc = kiso_fattr(out, c, obj, attr);

	if (rc < 0)
		return rc;
	if (!*out)
		return kiso_error_set(c->err, KISO_EUNDEFINED, c->pos,
				      "'%s object' has no attribute '%s'",
				      obj->type == KISO_MAP ? "dict" : kiso_value_type_name(obj),
				      kiso_fstr(c, attr, NULL));
	return 0;
}

/* A string with every code point lowercased (for case-insensitive order). */
static struct kiso_value *fold(struct kiso_tmpl_call *c, const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	size_t i = 0;

	if (v->type == KISO_LIST) {
		struct kiso_value *l = kiso_list_new(c->arena, v->pos);

		for (size_t k = 0; k < v->u.list.len; k++)
			kiso_list_push(c->arena, l, fold(c, v->u.list.items[k]));
		return l;
	}
	if (v->type != KISO_STR)
		return (struct kiso_value *)v;
	while (i < v->u.s.len)
		kiso_utf8_put(&b, kiso_cp_lower(kiso_utf8_next(v->u.s.ptr, v->u.s.len, &i)));
	return kiso_fbufstr(c, &b);
}

int kiso_fcompare_op(int *out, struct kiso_tmpl_call *c, const struct kiso_value *x,
		     const struct kiso_value *y, bool case_sensitive, const char *op)
{
	if (!case_sensitive) {
		x = fold(c, x);
		y = fold(c, y);
	}
	if (kiso_value_compare(out, x, y) < 0)
		return kiso_ftypeerr(c, "'%s' not supported between instances of '%s' and '%s'", op,
				     kiso_value_type_name(x), kiso_value_type_name(y));
	return 0;
}

int kiso_fcompare(int *out, struct kiso_tmpl_call *c, const struct kiso_value *x,
		  const struct kiso_value *y, bool case_sensitive)
{
	return kiso_fcompare_op(out, c, x, y, case_sensitive, "<");
}

/* Jinja2's make_multi_attrgetter: "a,b" gives the list [x.a, x.b]. */
static int attr_key(struct kiso_value **out, struct kiso_tmpl_call *c, struct kiso_value *item,
		    const struct kiso_value *attr)
{
	const char *s, *comma;
	struct kiso_value *l, *part;
	int rc;

	if (attr->type != KISO_STR || !strchr(attr->u.s.ptr, ','))
		return kiso_fattr_req(out, c, item, attr);
	l = kiso_list_new(c->arena, c->pos);
	for (s = attr->u.s.ptr;; s = comma + 1) {
		struct kiso_value *name, *v;

		comma = strchr(s, ',');
		name = kiso_strn(c->arena, s, comma ? (size_t)(comma - s) : strlen(s), c->pos);
		part = name;
		if ((rc = kiso_fattr_req(&v, c, item, part)) < 0)
			return rc;
		kiso_list_push(c->arena, l, v);
		if (!comma)
			break;
	}
	*out = l;
	return 0;
}

struct sortent {
	struct kiso_value *key;
	struct kiso_value *item;
};

int kiso_fsort(struct kiso_tmpl_call *c, struct kiso_value **items, size_t n, bool reverse,
	       bool case_sensitive, const struct kiso_value *attr)
{
	struct sortent *e, *tmp;
	int rc = 0;

	if (n < 2) {
		if (n == 1 && attr) {
			struct kiso_value *k;

			return kiso_fattr_req(&k, c, items[0], attr);
		}
		return 0;
	}
	e = kiso_xmalloc(n * sizeof(*e));
	tmp = kiso_xmalloc(n * sizeof(*tmp));
	for (size_t i = 0; i < n; i++) {
		e[i].item = items[i];
		e[i].key = items[i];
		if (attr && (rc = attr_key(&e[i].key, c, items[i], attr)) < 0)
			goto out;
		if (!case_sensitive)
			e[i].key = fold(c, e[i].key);
	}
	/* bottom-up merge sort: stable, as Python's sort */
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t a = lo, b = mid, k = lo;

			while (a < mid && b < hi) {
				int cmp;

				if ((rc = kiso_fcompare(&cmp, c, e[b].key, e[a].key, true)) < 0)
					goto out;
				/* reverse keeps equal items in order, as Python */
				if (reverse ? cmp > 0 : cmp < 0)
					tmp[k++] = e[b++];
				else
					tmp[k++] = e[a++];
			}
			while (a < mid)
				tmp[k++] = e[a++];
			while (b < hi)
				tmp[k++] = e[b++];
		}
		memcpy(e, tmp, n * sizeof(*e));
	}
	for (size_t i = 0; i < n; i++)
		items[i] = e[i].item;
out:
	free(e);
	free(tmp);
	return rc;
}

static int subcall_init(struct kiso_tmpl_call *sub, struct kiso_tmpl_call *c,
			struct kiso_value *input, struct kiso_value **args, size_t nargs,
			const struct kiso_tmpl_call *kw, unsigned flags)
{
	memset(sub, 0, sizeof(*sub));
	if (kw) {
		sub->kwnames = kw->kwnames;
		sub->kwargs = kw->kwargs;
		sub->nkwargs = kw->nkwargs;
		sub->undef_name = kw->undef_name;
	}
	if (!input && !(flags & KISO_TMPL_UNDEF_OK))
		return kiso_error_set(c->err, KISO_EUNDEFINED, c->pos, "%s",
				      sub->undef_name ? sub->undef_name : "value is undefined");
	sub->input = input;
	sub->args = args;
	sub->nargs = nargs;
	sub->ctx = c->ctx;
	sub->arena = c->arena;
	sub->pos = c->pos;
	sub->err = c->err;
	return 0;
}

int kiso_fcall_filter(struct kiso_value **out, struct kiso_tmpl_call *c, const char *name,
		      struct kiso_value *input, struct kiso_value **args, size_t nargs,
		      const struct kiso_tmpl_call *kw)
{
	const struct kiso_tmpl_filter *f = kiso_tmpl_filter_find(name);
	struct kiso_tmpl_call sub;
	int rc;

	if (!f)
		return kiso_error_set(c->err, KISO_EINVALID, c->pos, "no filter named '%s'", name);
	if ((rc = subcall_init(&sub, c, input, args, nargs, kw, f->flags)) < 0)
		return rc;
	return f->fn(out, &sub);
}

int kiso_fcall_test(bool *out, struct kiso_tmpl_call *c, const char *name,
		    struct kiso_value *input, struct kiso_value **args, size_t nargs,
		    const struct kiso_tmpl_call *kw)
{
	const struct kiso_tmpl_test *t = kiso_tmpl_test_find(name);
	struct kiso_tmpl_call sub;
	int rc;

	if (!t)
		return kiso_error_set(c->err, KISO_EINVALID, c->pos, "no test named '%s'", name);
	if ((rc = subcall_init(&sub, c, input, args, nargs, kw, t->flags)) < 0)
		return rc;
	return t->fn(out, &sub);
}

bool kiso_ansible_to_bool(const struct kiso_value *v)
{
	switch (v->type) {
	case KISO_BOOL:
		return v->u.b;
	case KISO_INT:
		return v->u.i == 1;
	case KISO_FLOAT:
		return v->u.f == 1.0;
	case KISO_STR: {
		static const char *const yes[] = { "yes", "on", "1", "true" };

		for (size_t i = 0; i < KISO_ARRAY_SIZE(yes); i++)
			if (v->u.s.len == strlen(yes[i]) && strcasecmp(v->u.s.ptr, yes[i]) == 0)
				return true;
		return false;
	}
	default:
		return false;
	}
}
