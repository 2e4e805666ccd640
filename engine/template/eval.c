/*
 * template/eval.c - evaluates Jinja2 expressions with Python semantics.
 *
 * Values are struct kiso_value; what is not data (undefined, the loop
 * object, namespaces, macros, bound methods, global functions) is a
 * struct ev kind. Undefined follows Ansible's AnsibleUndefined: an
 * attribute or item of an undefined is the same undefined (so the first
 * failure is reported, "'x' is undefined"), and any other use of it is
 * an error.
 *
 * Python's arithmetic: int/int '/' is a float, '//' and '%' floor,
 * bool counts as int, str*int repeats, list+list concatenates. Integers
 * are 64-bit: an overflow is an error where Python would go to bignums.
 */
#include "kiso_common.h"
#include "template/internal.h"

/* printf formats assembled here from validated Python format specs */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <math.h>
#include <stdarg.h>

struct tmpl_limits tmpl_limits = {
	.max_items = 10000000,
	.max_str = 256u << 20,
	.max_steps = 100000000,
	.max_depth = 200,
};

int tmpl_err(struct rstate *st, int code, uint32_t off, const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kiso_error_set(st->err, code ? code : KISO_EFAIL, tmpl_pos(st->t, off, st->base),
			      "%s", msg);
}

int tmpl_undef_err(struct rstate *st, uint32_t off, const struct ev *e)
{
	return tmpl_err(st, KISO_EUNDEFINED, e->has_uoff ? e->uoff : off, "%s",
			e->undef ? e->undef : "undefined value");
}

static void set_undef(struct ev *out, const char *msg)
{
	memset(out, 0, sizeof(*out));
	out->kind = EV_UNDEF;
	out->undef = msg;
}

static void set_val(struct ev *out, struct kiso_value *v)
{
	memset(out, 0, sizeof(*out));
	out->kind = EV_VAL;
	out->v = v;
}

const char *tmpl_type_object(const struct kiso_value *v)
{
	switch (v->type) {
	case KISO_NULL: return "None";
	case KISO_BOOL: return "bool object";
	case KISO_INT: return "int object";
	case KISO_FLOAT: return "float object";
	case KISO_STR: return "str object";
	case KISO_LIST: return v->flags & TMPL_VF_TUPLE ? "tuple object" : "list object";
	case KISO_MAP: return "dict object";
	}
	return "object";
}

static const char *tname(const struct kiso_value *v)
{
	if (v->type == KISO_LIST && (v->flags & TMPL_VF_TUPLE))
		return "tuple";
	return kiso_value_type_name(v);
}

/* ---- printing ---- */

void tmpl_repr(struct kiso_buf *b, const struct kiso_value *v)
{
	switch (v->type) {
	case KISO_LIST: {
		bool tup = v->flags & TMPL_VF_TUPLE;

		kiso_buf_putc(b, tup ? '(' : '[');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				kiso_buf_puts(b, ", ");
			tmpl_repr(b, v->u.list.items[i]);
		}
		if (tup && v->u.list.len == 1)
			kiso_buf_putc(b, ',');
		kiso_buf_putc(b, tup ? ')' : ']');
		break;
	}
	case KISO_MAP:
		kiso_buf_putc(b, '{');
		for (size_t i = 0; i < v->u.map.len; i++) {
			if (i)
				kiso_buf_puts(b, ", ");
			tmpl_repr(b, v->u.map.items[i].key);
			kiso_buf_puts(b, ": ");
			tmpl_repr(b, v->u.map.items[i].val);
		}
		kiso_buf_putc(b, '}');
		break;
	default:
		kiso_value_repr(b, v);
	}
}

void tmpl_str(struct kiso_buf *b, const struct kiso_value *v)
{
	if (v->type == KISO_STR)
		kiso_buf_add(b, v->u.s.ptr, v->u.s.len);
	else
		tmpl_repr(b, v);
}

int tmpl_ev_str(struct kiso_buf *b, struct rstate *st, uint32_t off, const struct ev *e)
{
	switch (e->kind) {
	case EV_VAL:
		tmpl_str(b, e->v);
		return 0;
	case EV_UNDEF:
		if (e->soft)
			return 0;
		return tmpl_undef_err(st, off, e);
	case EV_NS:
		kiso_buf_puts(b, "<Namespace ");
		tmpl_repr(b, e->v);
		kiso_buf_putc(b, '>');
		return 0;
	case EV_LOOP: {
		struct loopvar *lv = e->p;

		kiso_buf_printf(b, "<LoopContext %zu/%zu>", lv->index0 + 1, lv->items->u.list.len);
		return 0;
	}
	case EV_MACRO:
		kiso_buf_printf(b, "<Macro '%s'>", ((struct macro *)e->p)->def->s);
		return 0;
	case EV_METHOD:
		kiso_buf_printf(b, "<built-in method %s of %s>", e->name, tmpl_type_object(e->v));
		return 0;
	case EV_GLOBAL:
		kiso_buf_printf(b, "<function %s>", e->name);
		return 0;
	case EV_LOOPFN:
		kiso_buf_printf(b, "<bound method LoopContext.%s>", e->name);
		return 0;
	case EV_HELPER:
		kiso_buf_puts(b, ((struct helper *)e->p)->cycler ? "<Cycler>" : "<Joiner>");
		return 0;
	case EV_MODULE:
		kiso_buf_puts(b, "<TemplateModule>");
		return 0;
	case EV_SELF:
		kiso_buf_puts(b, "<TemplateReference>");
		return 0;
	case EV_BLOCKFN:
		kiso_buf_printf(b, "<bound method BlockReference '%s'>",
				((struct blockdef *)e->p)->def->s);
		return 0;
	}
	return 0;
}

int tmpl_ev_value(struct kiso_value **out, struct rstate *st, uint32_t off, const struct ev *e)
{
	if (e->kind == EV_VAL) {
		*out = e->v;
		return 0;
	}
	if (e->kind == EV_UNDEF)
		return tmpl_undef_err(st, off, e);
	if (e->kind == EV_NS) {
		*out = e->v;
		return 0;
	}
	struct kiso_buf b = KISO_BUF_INIT;

	tmpl_ev_str(&b, st, off, e);
	*out = kiso_strn(st->a, kiso_buf_cstr(&b), b.len, KISO_POS_NONE);
	kiso_buf_release(&b);
	return 0;
}

int tmpl_eval_value(struct kiso_value **out, struct rstate *st, const struct node *n)
{
	struct ev e;
	int rc = tmpl_eval(&e, st, n);

	if (rc)
		return rc;
	return tmpl_ev_value(out, st, n->off, &e);
}

/* ---- UTF-8 ---- */

size_t tmpl_utf8_len(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

size_t tmpl_utf8_off(const char *s, size_t n, size_t cp)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (k == cp)
				return i;
			k++;
		}
	}
	return n;
}

/* ---- attribute and item access ---- */

static const char *attr_undef(struct rstate *st, const struct kiso_value *obj, const char *name)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value key = { .type = KISO_STR };

	key.u.s.ptr = (char *)name;
	key.u.s.len = strlen(name);
	kiso_buf_printf(&b, "'%s' has no attribute ", tmpl_type_object(obj));
	kiso_value_repr(&b, &key);
	char *m = kiso_arena_strdup(st->a, kiso_buf_cstr(&b));

	kiso_buf_release(&b);
	return m;
}

static const char *elem_undef(struct rstate *st, const struct kiso_value *obj,
			      const struct kiso_value *key)
{
	struct kiso_buf b = KISO_BUF_INIT;

	kiso_buf_printf(&b, "%s has no element ", tmpl_type_object(obj));
	tmpl_repr(&b, key);
	char *m = kiso_arena_strdup(st->a, kiso_buf_cstr(&b));

	kiso_buf_release(&b);
	return m;
}

static bool as_index(const struct kiso_value *k, int64_t *i)
{
	if (k->type == KISO_INT) {
		*i = k->u.i;
		return true;
	}
	if (k->type == KISO_BOOL) {
		*i = k->u.b;
		return true;
	}
	return false;
}

/* obj[key] on data; *out NULL when missing. */
static struct kiso_value *item_of(struct rstate *st, struct kiso_value *obj,
				  const struct kiso_value *key)
{
	int64_t i;

	switch (obj->type) {
	case KISO_MAP:
		return kiso_map_getv(obj, key);
	case KISO_LIST:
		if (!as_index(key, &i))
			return NULL;
		if (i < 0)
			i += (int64_t)obj->u.list.len;
		if (i < 0 || (uint64_t)i >= obj->u.list.len)
			return NULL;
		return obj->u.list.items[i];
	case KISO_STR: {
		if (!as_index(key, &i))
			return NULL;
		size_t n = tmpl_utf8_len(obj->u.s.ptr, obj->u.s.len);

		if (i < 0)
			i += (int64_t)n;
		if (i < 0 || (uint64_t)i >= n)
			return NULL;
		size_t s = tmpl_utf8_off(obj->u.s.ptr, obj->u.s.len, (size_t)i);
		size_t e = s + 1;

		while (e < obj->u.s.len && ((unsigned char)obj->u.s.ptr[e] & 0xc0) == 0x80)
			e++;
		return kiso_strn(st->a, obj->u.s.ptr + s, e - s, KISO_POS_NONE);
	}
	default:
		return NULL;
	}
}

static void loop_attr(struct ev *out, struct rstate *st, struct loopvar *lv, const char *name)
{
	size_t len = lv->items->u.list.len, i = lv->index0;
	struct kiso_arena *a = st->a;
	struct kiso_pos np = KISO_POS_NONE;

	if (!strcmp(name, "index"))
		set_val(out, kiso_int(a, (int64_t)i + 1, np));
	else if (!strcmp(name, "index0"))
		set_val(out, kiso_int(a, (int64_t)i, np));
	else if (!strcmp(name, "revindex"))
		set_val(out, kiso_int(a, (int64_t)(len - i), np));
	else if (!strcmp(name, "revindex0"))
		set_val(out, kiso_int(a, (int64_t)(len - i - 1), np));
	else if (!strcmp(name, "first"))
		set_val(out, kiso_bool(a, i == 0, np));
	else if (!strcmp(name, "last"))
		set_val(out, kiso_bool(a, i + 1 == len, np));
	else if (!strcmp(name, "length"))
		set_val(out, kiso_int(a, (int64_t)len, np));
	else if (!strcmp(name, "depth") || !strcmp(name, "depth0"))
		set_val(out, kiso_int(a, (int64_t)lv->depth0 + (name[5] ? 0 : 1), np));
	else if (!strcmp(name, "previtem")) {
		if (i == 0)
			set_undef(out, "there is no previous item");
		else
			set_val(out, lv->items->u.list.items[i - 1]);
	} else if (!strcmp(name, "nextitem")) {
		if (i + 1 >= len)
			set_undef(out, "there is no next item");
		else
			set_val(out, lv->items->u.list.items[i + 1]);
	} else if (!strcmp(name, "cycle") || !strcmp(name, "changed")) {
		memset(out, 0, sizeof(*out));
		out->kind = EV_LOOPFN;
		out->p = lv;
		out->name = !strcmp(name, "cycle") ? "cycle" : "changed";
	} else {
		set_undef(out, kiso_arena_sprintf(a, "'LoopContext object' has no attribute '%s'", name));
	}
}

/* Jinja2's environment.getattr: method first, then item. */
static void get_attr(struct ev *out, struct rstate *st, const struct ev *obj, const char *name)
{
	switch (obj->kind) {
	case EV_UNDEF:
		*out = *obj;
		out->soft = false;
		return;
	case EV_LOOP:
		loop_attr(out, st, obj->p, name);
		return;
	case EV_NS: {
		struct kiso_value *v = kiso_map_get(obj->v, name);

		if (v)
			set_val(out, v);
		else
			set_undef(out, kiso_arena_sprintf(st->a, "'Namespace object' has no attribute '%s'",
							  name));
		return;
	}
	case EV_VAL:
		break;
	case EV_HELPER: {
		struct helper *h = obj->p;

		if (h->cycler && !strcmp(name, "current")) {
			set_val(out, h->items->u.list.items[h->pos]);
			return;
		}
		if (h->cycler && (!strcmp(name, "next") || !strcmp(name, "reset"))) {
			*out = *obj;
			out->name = !strcmp(name, "next") ? "next" : "reset";
			return;
		}
		set_undef(out, kiso_arena_sprintf(st->a, "'%s object' has no attribute '%s'",
						  h->cycler ? "Cycler" : "Joiner", name));
		return;
	}
	case EV_MODULE: {
		struct frame *f = obj->p;

		for (size_t i = f->n; i-- > 0;)
			if (name[0] != '_' && !strcmp(f->vars[i].name, name)) {
				*out = f->vars[i].val;
				return;
			}
		set_undef(out, kiso_arena_sprintf(st->a,
						  "'jinja2.environment.TemplateModule object' has "
						  "no attribute '%s'", name));
		return;
	}
	case EV_SELF:
		for (struct blockdef *b = st->blocks; b; b = b->next)
			if (!strcmp(b->def->s, name)) {
				memset(out, 0, sizeof(*out));
				out->kind = EV_BLOCKFN;
				out->p = b;
				return;
			}
		set_undef(out, kiso_arena_sprintf(st->a,
						  "'jinja2.runtime.TemplateReference object' has "
						  "no attribute '%s'", name));
		return;
	default:
		set_undef(out, kiso_arena_sprintf(st->a, "'function object' has no attribute '%s'", name));
		return;
	}
	struct kiso_value *v = obj->v;

	if (tmpl_method_exists(v, name)) {
		memset(out, 0, sizeof(*out));
		out->kind = EV_METHOD;
		out->v = v;
		out->name = name;
		return;
	}
	if (v->type == KISO_MAP) {
		struct kiso_value *r = kiso_map_get(v, name);

		if (r) {
			set_val(out, r);
			return;
		}
	}
	set_undef(out, attr_undef(st, v, name));
}

/* Jinja2's environment.getitem: item first, then attribute for strings. */
static void get_item(struct ev *out, struct rstate *st, const struct ev *obj,
		     struct kiso_value *key)
{
	if (obj->kind != EV_VAL) {
		if (key->type == KISO_STR && obj->kind != EV_UNDEF) {
			get_attr(out, st, obj, key->u.s.ptr);
			return;
		}
		if (obj->kind == EV_UNDEF) {
			*out = *obj;
			out->soft = false;
			return;
		}
		set_undef(out, "object is not subscriptable");
		return;
	}
	struct kiso_value *r = item_of(st, obj->v, key);

	if (r) {
		set_val(out, r);
		return;
	}
	if (key->type == KISO_STR) {
		if (tmpl_method_exists(obj->v, key->u.s.ptr)) {
			memset(out, 0, sizeof(*out));
			out->kind = EV_METHOD;
			out->v = obj->v;
			out->name = key->u.s.ptr;
			return;
		}
		set_undef(out, attr_undef(st, obj->v, key->u.s.ptr));
		return;
	}
	set_undef(out, elem_undef(st, obj->v, key));
}

int kiso_tmpl_getattr(struct kiso_value **out, const struct kiso_value *obj, const char *path)
{
	const struct kiso_value *cur = obj;
	const char *p = path;

	*out = NULL;
	while (cur) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		const struct kiso_value *next = NULL;

		if (cur->type == KISO_MAP) {
			for (size_t i = 0; i < cur->u.map.len; i++) {
				const struct kiso_value *k = cur->u.map.items[i].key;

				if (k->type == KISO_STR && k->u.s.len == n && !memcmp(k->u.s.ptr, p, n)) {
					next = cur->u.map.items[i].val;
					break;
				}
			}
			/* an integer key written as digits (Jinja2 tries the int too) */
			if (!next && n > 0 && n < 19 && strspn(p, "0123456789") >= n) {
				struct kiso_value ik = { .type = KISO_INT };

				ik.u.i = strtoll(p, NULL, 10);
				next = kiso_map_getv(cur, &ik);
			}
		} else if (cur->type == KISO_LIST && n > 0 && n < 19 &&
			   strspn(p, "0123456789") >= n) {
			long long i = strtoll(p, NULL, 10);

			if ((size_t)i < cur->u.list.len)
				next = cur->u.list.items[i];
		}
		cur = next;
		if (!dot)
			break;
		p = dot + 1;
	}
	*out = (struct kiso_value *)cur;
	return 0;
}

struct kiso_value *kiso_tmpl_arg(const struct kiso_tmpl_call *c, size_t index, const char *kwname)
{
	if (kwname)
		for (size_t i = 0; i < c->nkwargs; i++)
			if (!strcmp(c->kwnames[i], kwname))
				return c->kwargs[i];
	if (index < c->nargs)
		return c->args[index];
	return NULL;
}

/* ---- slices ---- */

static int slice_bound(struct rstate *st, uint32_t off, const struct node *n, int64_t *out,
		       bool *present)
{
	*present = false;
	if (!n)
		return 0;
	struct kiso_value *v;
	int rc = tmpl_eval_value(&v, st, n);

	if (rc)
		return rc;
	if (v->type == KISO_NULL)
		return 0;
	if (!as_index(v, out))
		return tmpl_err(st, KISO_EFAIL, off,
				"slice indices must be integers or None or have an __index__ method");
	*present = true;
	return 0;
}

static int do_slice(struct ev *out, struct rstate *st, const struct node *n)
{
	struct ev obj;
	int rc = tmpl_eval(&obj, st, n->a);

	if (rc)
		return rc;
	int64_t b = 0, e = 0, step = 1;
	bool hb, he, hs;

	if ((rc = slice_bound(st, n->off, n->b, &b, &hb)) ||
	    (rc = slice_bound(st, n->off, n->c, &e, &he)) ||
	    (rc = slice_bound(st, n->off, n->d, &step, &hs)))
		return rc;
	if (obj.kind == EV_UNDEF) {
		*out = obj;
		return 0;
	}
	if (obj.kind != EV_VAL || (obj.v->type != KISO_LIST && obj.v->type != KISO_STR)) {
		set_undef(out, "object is not sliceable");
		if (obj.kind == EV_VAL)
			set_undef(out, kiso_arena_sprintf(st->a, "%s has no element slice",
							  tmpl_type_object(obj.v)));
		return 0;
	}
	if (step == 0)
		return tmpl_err(st, KISO_EFAIL, n->off, "slice step cannot be zero");
	struct kiso_value *v = obj.v;
	bool isstr = v->type == KISO_STR;
	int64_t len = isstr ? (int64_t)tmpl_utf8_len(v->u.s.ptr, v->u.s.len) : (int64_t)v->u.list.len;

	/* Python's PySlice_AdjustIndices */
	if (!hb) {
		b = step < 0 ? len - 1 : 0;
	} else {
		if (b < 0)
			b += len;
		if (b < 0)
			b = step < 0 ? -1 : 0;
		else if (b >= len)
			b = step < 0 ? len - 1 : len;
	}
	if (!he) {
		e = step < 0 ? -1 : len;
	} else {
		if (e < 0)
			e += len;
		if (e < 0)
			e = step < 0 ? -1 : 0;
		else if (e >= len)
			e = step < 0 ? len - 1 : len;
	}
	if (isstr) {
		struct kiso_buf buf = KISO_BUF_INIT;
		/* offsets of each code point for random access */
		size_t *offs = kiso_arena_alloc(st->a, ((size_t)len + 1) * sizeof(size_t));
		size_t k = 0;

		for (size_t i = 0; i < v->u.s.len; i++)
			if (((unsigned char)v->u.s.ptr[i] & 0xc0) != 0x80)
				offs[k++] = i;
		offs[k] = v->u.s.len;
		for (int64_t i = b; step > 0 ? i < e : i > e; i += step)
			kiso_buf_add(&buf, v->u.s.ptr + offs[i], offs[i + 1] - offs[i]);
		set_val(out, kiso_strn(st->a, kiso_buf_cstr(&buf), buf.len, KISO_POS_NONE));
		kiso_buf_release(&buf);
		return 0;
	}
	struct kiso_value *l = kiso_list_new(st->a, KISO_POS_NONE);

	l->flags |= TMPL_VF_OWNED | (v->flags & TMPL_VF_TUPLE);
	for (int64_t i = b; step > 0 ? i < e : i > e; i += step)
		kiso_list_push(st->a, l, v->u.list.items[i]);
	set_val(out, l);
	return 0;
}

/* ---- arithmetic ---- */

static bool is_num(const struct kiso_value *v)
{
	return v->type == KISO_INT || v->type == KISO_FLOAT || v->type == KISO_BOOL;
}

static bool is_intlike(const struct kiso_value *v)
{
	return v->type == KISO_INT || v->type == KISO_BOOL;
}

static int64_t ival(const struct kiso_value *v)
{
	return v->type == KISO_BOOL ? v->u.b : v->u.i;
}

static double fval(const struct kiso_value *v)
{
	return v->type == KISO_FLOAT ? v->u.f : (double)ival(v);
}

static int unsupported(struct rstate *st, uint32_t off, enum op op, const struct kiso_value *l,
		       const struct kiso_value *r)
{
	return tmpl_err(st, KISO_EFAIL, off, "unsupported operand type(s) for %s: '%s' and '%s'",
			tmpl_op_str(op), tname(l), tname(r));
}

static int overflow(struct rstate *st, uint32_t off)
{
	return tmpl_err(st, KISO_EFAIL, off, "integer overflow (kiso integers are 64-bit)");
}

static int repeat(struct kiso_value **out, struct rstate *st, uint32_t off,
		  const struct kiso_value *seq, int64_t times)
{
	if (times < 0)
		times = 0;
	if (seq->type == KISO_STR) {
		if (seq->u.s.len && (uint64_t)times > tmpl_limits.max_str / seq->u.s.len)
			return tmpl_err(st, KISO_EFAIL, off, "string too long (more than %zu bytes)",
					tmpl_limits.max_str);
		size_t n = seq->u.s.len * (size_t)times;
		char *p = kiso_arena_alloc(st->a, n + 1);

		for (int64_t i = 0; i < times; i++)
			memcpy(p + (size_t)i * seq->u.s.len, seq->u.s.ptr, seq->u.s.len);
		p[n] = 0;
		*out = kiso_str_borrow(st->a, p, n, KISO_POS_NONE);
		return 0;
	}
	if (seq->u.list.len && (uint64_t)times > tmpl_limits.max_items / seq->u.list.len)
		return tmpl_err(st, KISO_EFAIL, off, "list too long (more than %zu items)",
				tmpl_limits.max_items);
	struct kiso_value *l = kiso_list_new(st->a, KISO_POS_NONE);

	l->flags |= TMPL_VF_OWNED | (seq->flags & TMPL_VF_TUPLE);
	for (int64_t i = 0; i < times; i++)
		for (size_t j = 0; j < seq->u.list.len; j++)
			kiso_list_push(st->a, l, seq->u.list.items[j]);
	*out = l;
	return 0;
}

static int str_format_mod(struct kiso_value **out, struct rstate *st, uint32_t off,
			  const struct kiso_value *fmt, const struct kiso_value *args);

static int binop(struct kiso_value **out, struct rstate *st, uint32_t off, enum op op,
		 struct kiso_value *l, struct kiso_value *r)
{
	struct kiso_arena *a = st->a;
	struct kiso_pos np = KISO_POS_NONE;
	int64_t x, y, z;

	if (is_num(l) && is_num(r)) {
		bool flt = l->type == KISO_FLOAT || r->type == KISO_FLOAT;

		x = flt ? 0 : ival(l);
		y = flt ? 0 : ival(r);
		switch (op) {
		case OP_ADD:
			if (flt) {
				*out = kiso_float(a, fval(l) + fval(r), np);
			} else {
				if (__builtin_add_overflow(x, y, &z))
					return overflow(st, off);
				*out = kiso_int(a, z, np);
			}
			return 0;
		case OP_SUB:
			if (flt) {
				*out = kiso_float(a, fval(l) - fval(r), np);
			} else {
				if (__builtin_sub_overflow(x, y, &z))
					return overflow(st, off);
				*out = kiso_int(a, z, np);
			}
			return 0;
		case OP_MUL:
			if (flt) {
				*out = kiso_float(a, fval(l) * fval(r), np);
			} else {
				if (__builtin_mul_overflow(x, y, &z))
					return overflow(st, off);
				*out = kiso_int(a, z, np);
			}
			return 0;
		case OP_DIV:
			if (fval(r) == 0)
				return tmpl_err(st, KISO_EFAIL, off, "division by zero");
			*out = kiso_float(a, fval(l) / fval(r), np);
			return 0;
		case OP_FLOORDIV:
			if (flt) {
				if (fval(r) == 0)
					return tmpl_err(st, KISO_EFAIL, off, "float floor division by zero");
				/* CPython's float_floor_div */
				double vx = fval(l), wx = fval(r);
				double m = fmod(vx, wx);
				double d = (vx - m) / wx;

				if (m != 0 && ((wx < 0) != (m < 0)))
					d -= 1.0;
				double fd = floor(d);

				if (d - fd > 0.5)
					fd += 1.0;
				*out = kiso_float(a, fd, np);
				return 0;
			}
			if (y == 0)
				return tmpl_err(st, KISO_EFAIL, off, "integer division or modulo by zero");
			if (x == INT64_MIN && y == -1)
				return overflow(st, off);
			z = x / y;
			if ((x % y != 0) && ((x < 0) != (y < 0)))
				z--;
			*out = kiso_int(a, z, np);
			return 0;
		case OP_MOD:
			if (flt) {
				if (fval(r) == 0)
					return tmpl_err(st, KISO_EFAIL, off, "float modulo");
				double m = fmod(fval(l), fval(r));

				if (m != 0 && ((fval(r) < 0) != (m < 0)))
					m += fval(r);
				*out = kiso_float(a, m, np);
				return 0;
			}
			if (y == 0)
				return tmpl_err(st, KISO_EFAIL, off, "integer modulo by zero");
			if (y == -1) {
				*out = kiso_int(a, 0, np);
				return 0;
			}
			z = x % y;
			if (z != 0 && ((z < 0) != (y < 0)))
				z += y;
			*out = kiso_int(a, z, np);
			return 0;
		case OP_POW:
			if (!flt && y >= 0) {
				int64_t res = 1, base = x;
				int64_t e = y;

				while (e > 0) {
					if (e & 1) {
						if (__builtin_mul_overflow(res, base, &res))
							return overflow(st, off);
					}
					e >>= 1;
					if (e && __builtin_mul_overflow(base, base, &base))
						return overflow(st, off);
				}
				*out = kiso_int(a, res, np);
				return 0;
			}
			if (fval(l) == 0 && fval(r) < 0)
				return tmpl_err(st, KISO_EFAIL, off,
						"0.0 cannot be raised to a negative power");
			if (fval(l) < 0 && fval(r) != floor(fval(r)))
				return tmpl_err(st, KISO_EFAIL, off,
						"negative number cannot be raised to a fractional power");
			*out = kiso_float(a, pow(fval(l), fval(r)), np);
			return 0;
		default:
			break;
		}
	}
	switch (op) {
	case OP_ADD:
		if (l->type == KISO_STR && r->type == KISO_STR) {
			if (l->u.s.len + r->u.s.len > tmpl_limits.max_str)
				return tmpl_err(st, KISO_EFAIL, off, "string too long");
			size_t n = l->u.s.len + r->u.s.len;
			char *p = kiso_arena_alloc(a, n + 1);

			memcpy(p, l->u.s.ptr, l->u.s.len);
			memcpy(p + l->u.s.len, r->u.s.ptr, r->u.s.len);
			p[n] = 0;
			*out = kiso_str_borrow(a, p, n, np);
			return 0;
		}
		if (l->type == KISO_LIST && r->type == KISO_LIST &&
		    (l->flags & TMPL_VF_TUPLE) == (r->flags & TMPL_VF_TUPLE)) {
			struct kiso_value *n = kiso_list_new(a, np);

			n->flags |= TMPL_VF_OWNED | (l->flags & TMPL_VF_TUPLE);
			for (size_t i = 0; i < l->u.list.len; i++)
				kiso_list_push(a, n, l->u.list.items[i]);
			for (size_t i = 0; i < r->u.list.len; i++)
				kiso_list_push(a, n, r->u.list.items[i]);
			*out = n;
			return 0;
		}
		if (l->type == KISO_STR || l->type == KISO_LIST)
			return tmpl_err(st, KISO_EFAIL, off,
					"can only concatenate %s (not \"%s\") to %s", tname(l), tname(r),
					tname(l));
		return unsupported(st, off, op, l, r);
	case OP_MUL:
		if ((l->type == KISO_STR || l->type == KISO_LIST) && is_intlike(r))
			return repeat(out, st, off, l, ival(r));
		if ((r->type == KISO_STR || r->type == KISO_LIST) && is_intlike(l))
			return repeat(out, st, off, r, ival(l));
		if (l->type == KISO_STR || l->type == KISO_LIST)
			return tmpl_err(st, KISO_EFAIL, off,
					"can't multiply sequence by non-int of type '%s'", tname(r));
		if (r->type == KISO_STR || r->type == KISO_LIST)
			return tmpl_err(st, KISO_EFAIL, off,
					"can't multiply sequence by non-int of type '%s'", tname(l));
		return unsupported(st, off, op, l, r);
	case OP_MOD:
		if (l->type == KISO_STR)
			return str_format_mod(out, st, off, l, r);
		return unsupported(st, off, op, l, r);
	case OP_POW:
		return unsupported(st, off, op, l, r);
	default:
		return unsupported(st, off, op, l, r);
	}
}

/* Python's printf-style 'fmt % args': %s %r %d %i %f %x %o %e %g %%, width and precision. */
static int str_format_mod(struct kiso_value **out, struct rstate *st, uint32_t off,
			  const struct kiso_value *fmt, const struct kiso_value *args)
{
	struct kiso_buf b = KISO_BUF_INIT;
	size_t ai = 0;
	const char *s = fmt->u.s.ptr;
	size_t n = fmt->u.s.len;
	bool tuple = args->type == KISO_LIST && (args->flags & TMPL_VF_TUPLE);
	size_t nargs = tuple ? args->u.list.len : 1;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			kiso_buf_putc(&b, s[i]);
			continue;
		}
		if (++i >= n) {
			rc = tmpl_err(st, KISO_EFAIL, off, "incomplete format");
			goto out;
		}
		if (s[i] == '%') {
			kiso_buf_putc(&b, '%');
			continue;
		}
		char spec[32];
		size_t k = 0;
		const struct kiso_value *mapped = NULL;

		/* '%(key)s' takes the value from a mapping */
		if (s[i] == '(') {
			const char *close = memchr(s + i, ')', n - i);

			if (!close) {
				rc = tmpl_err(st, KISO_EFAIL, off, "incomplete format key");
				goto out;
			}
			if (args->type != KISO_MAP) {
				rc = tmpl_err(st, KISO_EFAIL, off, "format requires a mapping");
				goto out;
			}
			struct kiso_value *key = kiso_strn(st->a, s + i + 1, (size_t)(close - s) - i - 1,
							   KISO_POS_NONE);

			mapped = kiso_map_getv(args, key);
			if (!mapped) {
				struct kiso_buf kb = KISO_BUF_INIT;

				kiso_value_repr(&kb, key);
				rc = tmpl_err(st, KISO_EFAIL, off, "%s", kiso_buf_cstr(&kb));
				kiso_buf_release(&kb);
				goto out;
			}
			i = (size_t)(close - s) + 1;
		}
		spec[k++] = '%';
		while (i < n && strchr("-+ #0", s[i]) && k < 8)
			spec[k++] = s[i++];
		while (i < n && s[i] >= '0' && s[i] <= '9' && k < 16)
			spec[k++] = s[i++];
		if (i < n && s[i] == '.') {
			spec[k++] = s[i++];
			while (i < n && s[i] >= '0' && s[i] <= '9' && k < 24)
				spec[k++] = s[i++];
		}
		if (i >= n) {
			rc = tmpl_err(st, KISO_EFAIL, off, "incomplete format");
			goto out;
		}
		char conv = s[i];

		/* width and precision: Python allows any, kiso bounds the output */
		for (size_t q = 1; q < k; q++)
			if (spec[q] >= '1' && spec[q] <= '9' && strtol(spec + q, NULL, 10) > 100000) {
				rc = tmpl_err(st, KISO_EFAIL, off, "format width or precision too big");
				goto out;
			}
		if (!mapped && ai >= nargs) {
			rc = tmpl_err(st, KISO_EFAIL, off, "not enough arguments for format string");
			goto out;
		}
		const struct kiso_value *v = mapped ? mapped : tuple ? args->u.list.items[ai] : args;

		if (!mapped)
			ai++;
		switch (conv) {
		case 's':
		case 'r': {
			struct kiso_buf t = KISO_BUF_INIT;

			if (conv == 's')
				tmpl_str(&t, v);
			else
				tmpl_repr(&t, v);
			spec[k++] = 's';
			spec[k] = 0;
			kiso_buf_printf(&b, spec, kiso_buf_cstr(&t));
			kiso_buf_release(&t);
			break;
		}
		case 'd': case 'i': case 'x': case 'X': case 'o':
			if (!is_num(v)) {
				rc = tmpl_err(st, KISO_EFAIL, off, "%%%c format: a real number is required, not %s",
					      conv, tname(v));
				goto out;
			}
			spec[k++] = 'l';
			spec[k++] = 'l';
			spec[k++] = conv == 'i' ? 'd' : conv;
			spec[k] = 0;
			kiso_buf_printf(&b, spec, (long long)(v->type == KISO_FLOAT ? (int64_t)v->u.f : ival(v)));
			break;
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
			if (!is_num(v)) {
				rc = tmpl_err(st, KISO_EFAIL, off, "must be real number, not %s", tname(v));
				goto out;
			}
			spec[k++] = conv;
			spec[k] = 0;
			kiso_buf_printf(&b, spec, fval(v));
			break;
		default:
			rc = tmpl_err(st, KISO_EFAIL, off, "unsupported format character '%c'", conv);
			goto out;
		}
	}
	if (ai < nargs && (tuple || args->type != KISO_MAP)) {
		rc = tmpl_err(st, KISO_EFAIL, off, "not all arguments converted during string formatting");
		goto out;
	}
	*out = kiso_strn(st->a, kiso_buf_cstr(&b), b.len, KISO_POS_NONE);
out:
	kiso_buf_release(&b);
	return rc;
}

/* ---- comparisons ---- */

static int contains(bool *out, struct rstate *st, uint32_t off, const struct kiso_value *needle,
		    const struct kiso_value *hay)
{
	switch (hay->type) {
	case KISO_STR:
		if (needle->type != KISO_STR)
			return tmpl_err(st, KISO_EFAIL, off,
					"'in <string>' requires string as left operand, not %s",
					tname(needle));
		*out = needle->u.s.len == 0 ||
		       memmem(hay->u.s.ptr, hay->u.s.len, needle->u.s.ptr, needle->u.s.len) != NULL;
		return 0;
	case KISO_LIST:
		*out = false;
		for (size_t i = 0; i < hay->u.list.len; i++)
			if (kiso_value_equal(needle, hay->u.list.items[i])) {
				*out = true;
				break;
			}
		return 0;
	case KISO_MAP:
		if ((needle->type == KISO_LIST && !(needle->flags & TMPL_VF_TUPLE)) ||
		    needle->type == KISO_MAP)
			return tmpl_err(st, KISO_EFAIL, off, "unhashable type: '%s'", tname(needle));
		*out = kiso_map_getv(hay, needle) != NULL;
		return 0;
	default:
		return tmpl_err(st, KISO_EFAIL, off, "argument of type '%s' is not iterable",
				tname(hay));
	}
}

static int compare(bool *out, struct rstate *st, uint32_t off, enum op op,
		   const struct kiso_value *l, const struct kiso_value *r)
{
	int c;

	switch (op) {
	case OP_EQ:
		*out = kiso_value_equal(l, r);
		return 0;
	case OP_NE:
		*out = !kiso_value_equal(l, r);
		return 0;
	case OP_IN:
		return contains(out, st, off, l, r);
	case OP_NOTIN: {
		int rc = contains(out, st, off, l, r);

		*out = !*out;
		return rc;
	}
	default:
		break;
	}
	if (kiso_value_compare(&c, l, r) < 0)
		return tmpl_err(st, KISO_EFAIL, off,
				"'%s' not supported between instances of '%s' and '%s'",
				tmpl_op_str(op), tname(l), tname(r));
	switch (op) {
	case OP_LT: *out = c < 0; break;
	case OP_LE: *out = c <= 0; break;
	case OP_GT: *out = c > 0; break;
	default: *out = c >= 0; break;
	}
	return 0;
}

/* ---- truth ---- */

static int truth(bool *out, struct rstate *st, uint32_t off, const struct ev *e)
{
	switch (e->kind) {
	case EV_VAL:
		*out = kiso_value_truthy(e->v);
		return 0;
	case EV_UNDEF:
		if (e->soft) {
			*out = false;
			return 0;
		}
		return tmpl_undef_err(st, off, e);
	case EV_NS:
	default:
		*out = true;
		return 0;
	}
}

/* ---- calls: filters, tests, functions ---- */

struct argv {
	struct kiso_value **args;
	size_t nargs;
	struct kiso_value **kwv;
	size_t nkw;
	struct ev *eargs;       /* raw evaluated (macros) */
	struct ev *ekw;
	const char *undef;      /* first undefined argument's message */
	uint32_t undef_off;
};

static int eval_args(struct argv *av, struct rstate *st, const struct node *n, bool keep_undef)
{
	memset(av, 0, sizeof(*av));
	av->nargs = n->n;
	av->nkw = n->n2;
	av->args = kiso_arena_alloc(st->a, (n->n + 1) * sizeof(*av->args));
	av->kwv = kiso_arena_alloc(st->a, (n->n2 + 1) * sizeof(*av->kwv));
	av->eargs = kiso_arena_alloc(st->a, (n->n + 1) * sizeof(*av->eargs));
	av->ekw = kiso_arena_alloc(st->a, (n->n2 + 1) * sizeof(*av->ekw));
	for (size_t i = 0; i < n->n + n->n2; i++) {
		const struct node *an = i < n->n ? n->list[i] : n->list2[i - n->n];
		struct ev *e = i < n->n ? &av->eargs[i] : &av->ekw[i - n->n];
		struct kiso_value **slot = i < n->n ? &av->args[i] : &av->kwv[i - n->n];
		int rc = tmpl_eval(e, st, an);

		if (rc)
			return rc;
		if (e->kind == EV_UNDEF) {
			if (!keep_undef)
				return tmpl_undef_err(st, an->off, e);
			if (!av->undef) {
				av->undef = e->undef;
				av->undef_off = an->off;
			}
			*slot = NULL;
			continue;
		}
		if ((rc = tmpl_ev_value(slot, st, an->off, e)))
			return rc;
	}
	return 0;
}

/* Ansible's STRING_TYPE_FILTERS: their output is not literal_eval'd (as written, not FQCN). */
static bool is_string_type_filter(const char *name)
{
	static const char *const names[] = { "string", "to_json", "to_nice_json", "to_yaml",
					     "to_nice_yaml", "ppretty", "json" };

	for (size_t i = 0; i < KISO_ARRAY_SIZE(names); i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static int call_filter(struct ev *out, struct rstate *st, const struct node *n,
		       const struct ev *input)
{
	const struct kiso_tmpl_filter *f = n->filter;
	bool undef_ok = f->flags & KISO_TMPL_UNDEF_OK;
	struct kiso_tmpl_call c = { 0 };
	struct argv av;
	int rc;

	if (input->kind == EV_UNDEF && !undef_ok)
		return tmpl_undef_err(st, n->a ? n->a->off : n->off, input);
	if ((rc = eval_args(&av, st, n, undef_ok)))
		return rc;
	if (input->kind == EV_UNDEF) {
		c.input = NULL;
		c.undef_name = input->undef;
	} else if ((rc = tmpl_ev_value(&c.input, st, n->off, input))) {
		return rc;
	}
	c.args = av.args;
	c.nargs = av.nargs;
	c.kwnames = n->names;
	c.kwargs = av.kwv;
	c.nkwargs = av.nkw;
	c.ctx = st->ctx;
	c.arena = st->a;
	c.pos = tmpl_pos(st->t, n->off, st->base);
	c.err = st->err;
	struct kiso_value *res = NULL;

	if ((rc = f->fn(&res, &c)) < 0) {
		if (!st->err->code)
			tmpl_err(st, rc, n->off, "filter '%s' failed", n->s);
		return rc;
	}
	if (!res) {
		set_undef(out, av.undef ? av.undef : input->kind == EV_UNDEF ? input->undef
									 : "undefined value");
		return 0;
	}
	if (res->flags & KISO_VF_UNSAFE)
		st->unsafe = true;
	if (res->type == KISO_STR && is_string_type_filter(n->s)) {
		struct kiso_value *nt = kiso_arena_alloc(st->a, sizeof(*nt));

		*nt = *res;
		nt->flags |= TMPL_VF_NATIVE_TEXT;
		res = nt;
	}
	set_val(out, res);
	return 0;
}

int tmpl_filter_chain(struct ev *out, struct rstate *st, const struct node *chain,
		      const struct ev *input)
{
	struct ev in = *input;

	if (chain->a) {
		int rc = tmpl_filter_chain(&in, st, chain->a, input);

		if (rc)
			return rc;
	}
	return call_filter(out, st, chain, &in);
}

static int call_test(bool *out, struct rstate *st, const struct node *n, const struct ev *input)
{
	const struct kiso_tmpl_test *t = n->test;
	bool undef_ok = t->flags & KISO_TMPL_UNDEF_OK;
	struct kiso_tmpl_call c = { 0 };
	struct argv av;
	int rc;

	if (input->kind == EV_UNDEF && !undef_ok)
		return tmpl_undef_err(st, n->a->off, input);
	if ((rc = eval_args(&av, st, n, false)))
		return rc;
	if (input->kind == EV_UNDEF) {
		c.input = NULL;
		c.undef_name = input->undef;
	} else if ((rc = tmpl_ev_value(&c.input, st, n->off, input))) {
		return rc;
	}
	c.args = av.args;
	c.nargs = av.nargs;
	c.kwnames = n->names;
	c.kwargs = av.kwv;
	c.nkwargs = av.nkw;
	c.ctx = st->ctx;
	c.arena = st->a;
	c.pos = tmpl_pos(st->t, n->off, st->base);
	c.err = st->err;
	if ((rc = t->fn(out, &c)) < 0) {
		if (!st->err->code)
			tmpl_err(st, rc, n->off, "test '%s' failed", n->s);
		return rc;
	}
	if (n->op == OP_NOT)
		*out = !*out;
	return 0;
}

static int loop_fn(struct ev *out, struct rstate *st, const struct node *n, const struct ev *fn)
{
	struct loopvar *lv = fn->p;
	struct argv av;
	int rc = eval_args(&av, st, n, false);

	if (rc)
		return rc;
	if (!strcmp(fn->name, "cycle")) {
		if (av.nargs == 0)
			return tmpl_err(st, KISO_EFAIL, n->off, "no items for cycling given");
		set_val(out, av.args[lv->index0 % av.nargs]);
		return 0;
	}
	/* changed(*values): true on the first call and whenever the values differ */
	struct kiso_value *l = kiso_list_new(st->a, KISO_POS_NONE);

	for (size_t i = 0; i < av.nargs; i++)
		kiso_list_push(st->a, l, av.args[i]);
	bool changed = !lv->last_changed || !kiso_value_equal(lv->last_changed, l);

	lv->last_changed = l;
	set_val(out, kiso_bool(st->a, changed, KISO_POS_NONE));
	return 0;
}

static int do_call(struct ev *out, struct rstate *st, const struct node *n,
		   const struct macro *caller)
{
	struct ev fn;
	struct argv av;
	int rc = tmpl_eval(&fn, st, n->a);

	if (rc)
		return rc;
	if (caller && fn.kind != EV_MACRO)
		return tmpl_err(st, KISO_EFAIL, n->off, "{%% call %%} needs a macro");
	switch (fn.kind) {
	case EV_UNDEF:
		return tmpl_undef_err(st, n->a->off, &fn);
	case EV_MACRO:
		if ((rc = eval_args(&av, st, n, true)))
			return rc;
		return tmpl_call_macro(out, st, n->off, fn.p, av.eargs, av.nargs, n->names, av.ekw,
				       av.nkw, caller);
	case EV_LOOPFN:
		return loop_fn(out, st, n, &fn);
	case EV_LOOP: {
		struct ev it;

		if (n->n != 1 || n->n2)
			return tmpl_err(st, KISO_EFAIL, n->off, "loop() takes exactly one argument");
		if ((rc = tmpl_eval(&it, st, n->list[0])))
			return rc;
		return tmpl_loop_call(out, st, n->off, fn.p, &it);
	}
	case EV_BLOCKFN:
		if (n->n || n->n2)
			return tmpl_err(st, KISO_EFAIL, n->off, "a block takes no arguments");
		return tmpl_render_block(out, st, n->off, fn.p);
	case EV_HELPER: {
		struct helper *h = fn.p;

		if (n->n || n->n2)
			return tmpl_err(st, KISO_EFAIL, n->off, "takes no arguments");
		if (!h->cycler) {
			/* joiner(): '' the first time, then the separator */
			set_val(out, h->used ? h->items->u.list.items[0]
					     : kiso_str(st->a, "", KISO_POS_NONE));
			h->used = true;
			return 0;
		}
		if (!fn.name)
			return tmpl_err(st, KISO_EFAIL, n->off, "'Cycler' object is not callable");
		if (!strcmp(fn.name, "reset")) {
			h->pos = 0;
			set_val(out, kiso_null(st->a, KISO_POS_NONE));
			return 0;
		}
		set_val(out, h->items->u.list.items[h->pos]);
		h->pos = (h->pos + 1) % h->items->u.list.len;
		return 0;
	}
	case EV_METHOD:
		if ((rc = eval_args(&av, st, n, false)))
			return rc;
		rc = tmpl_method_call(out, st, n->off, fn.v, fn.name, av.args, av.nargs, n->names,
				      av.kwv, av.nkw);
		if (rc == 1)
			return tmpl_err(st, KISO_EFAIL, n->off, "'%s' has no method '%s'",
					tmpl_type_object(fn.v), fn.name);
		return rc;
	case EV_GLOBAL:
		if ((rc = eval_args(&av, st, n, false)))
			return rc;
		return tmpl_global_call(out, st, n->off, fn.name, av.args, av.nargs, n->names, av.kwv,
					av.nkw);
	case EV_VAL:
		return tmpl_err(st, KISO_EFAIL, n->off, "'%s' object is not callable", tname(fn.v));
	default:
		return tmpl_err(st, KISO_EFAIL, n->off, "object is not callable");
	}
}

int tmpl_call_block(struct ev *out, struct rstate *st, const struct node *call,
		    const struct macro *caller)
{
	return do_call(out, st, call, caller);
}

/* ---- the evaluator ---- */

static struct kiso_value *const_copy(struct rstate *st, const struct kiso_value *v)
{
	switch (v->type) {
	case KISO_STR:
		return kiso_strn(st->a, v->u.s.ptr, v->u.s.len, KISO_POS_NONE);
	case KISO_NULL:
		return kiso_null(st->a, KISO_POS_NONE);
	case KISO_BOOL:
		return kiso_bool(st->a, v->u.b, KISO_POS_NONE);
	case KISO_INT:
		return kiso_int(st->a, v->u.i, KISO_POS_NONE);
	case KISO_FLOAT:
		return kiso_float(st->a, v->u.f, KISO_POS_NONE);
	default:
		return kiso_value_copy(st->a, v);
	}
}

static int eval_node(struct ev *out, struct rstate *st, const struct node *n);

/* Nested evaluations (expressions in macros in loops ...) in one render. */
#define MAX_EVAL_DEPTH 1000

int tmpl_eval(struct ev *out, struct rstate *st, const struct node *n)
{
	if (st->edepth >= MAX_EVAL_DEPTH)
		return tmpl_err(st, KISO_EFAIL, n->off, "template nested too deeply");
	st->edepth++;
	int rc = eval_node(out, st, n);

	st->edepth--;

	if (!rc && out->kind == EV_UNDEF && !out->has_uoff) {
		out->has_uoff = true;
		out->uoff = n->off;
	}
	return rc;
}

static int eval_node(struct ev *out, struct rstate *st, const struct node *n)
{
	struct ev l, r;
	struct kiso_value *lv, *rv;
	int rc;
	bool b;

	switch (n->kind) {
	case N_CONST:
		set_val(out, const_copy(st, n->v));
		return 0;
	case N_NAME:
		return tmpl_scope_find(out, st, n->s, n->off);
	case N_GETATTR:
		if ((rc = tmpl_eval(&l, st, n->a)))
			return rc;
		get_attr(out, st, &l, n->s);
		return 0;
	case N_GETITEM:
		if ((rc = tmpl_eval(&l, st, n->a)))
			return rc;
		if ((rc = tmpl_eval_value(&rv, st, n->b)))
			return rc;
		get_item(out, st, &l, rv);
		return 0;
	case N_SLICE:
		return do_slice(out, st, n);
	case N_BINOP:
		if ((rc = tmpl_eval_value(&lv, st, n->a)) || (rc = tmpl_eval_value(&rv, st, n->b)))
			return rc;
		if ((rc = binop(&lv, st, n->off, n->op, lv, rv)))
			return rc;
		set_val(out, lv);
		return 0;
	case N_CONCAT: {
		struct kiso_buf buf = KISO_BUF_INIT;

		if ((rc = tmpl_eval(&l, st, n->a)) || (rc = tmpl_eval(&r, st, n->b)))
			return rc;
		if (l.kind == EV_UNDEF)
			return tmpl_undef_err(st, n->a->off, &l);
		if (r.kind == EV_UNDEF)
			return tmpl_undef_err(st, n->b->off, &r);
		tmpl_ev_str(&buf, st, n->off, &l);
		tmpl_ev_str(&buf, st, n->off, &r);
		if (buf.len > tmpl_limits.max_str) {
			kiso_buf_release(&buf);
			return tmpl_err(st, KISO_EFAIL, n->off, "string too long");
		}
		set_val(out, kiso_strn(st->a, kiso_buf_cstr(&buf), buf.len, KISO_POS_NONE));
		kiso_buf_release(&buf);
		return 0;
	}
	case N_UNARY:
		if ((rc = tmpl_eval(&l, st, n->a)))
			return rc;
		if (n->op == OP_NOT) {
			if ((rc = truth(&b, st, n->a->off, &l)))
				return rc;
			set_val(out, kiso_bool(st->a, !b, KISO_POS_NONE));
			return 0;
		}
		if ((rc = tmpl_ev_value(&lv, st, n->a->off, &l)))
			return rc;
		if (!is_num(lv))
			return tmpl_err(st, KISO_EFAIL, n->off, "bad operand type for unary %s: '%s'",
					n->op == OP_NEG ? "-" : "+", tname(lv));
		if (n->op == OP_POS)
			set_val(out, lv->type == KISO_BOOL ? kiso_int(st->a, lv->u.b, KISO_POS_NONE) : lv);
		else if (lv->type == KISO_FLOAT)
			set_val(out, kiso_float(st->a, -lv->u.f, KISO_POS_NONE));
		else if (ival(lv) == INT64_MIN)
			return overflow(st, n->off);
		else
			set_val(out, kiso_int(st->a, -ival(lv), KISO_POS_NONE));
		return 0;
	case N_AND:
	case N_OR:
		if ((rc = tmpl_eval(&l, st, n->a)) || (rc = truth(&b, st, n->a->off, &l)))
			return rc;
		if ((n->kind == N_AND) != b) {
			*out = l;
			return 0;
		}
		return tmpl_eval(out, st, n->b);
	case N_COMPARE:
		if ((rc = tmpl_eval_value(&lv, st, n->a)))
			return rc;
		for (size_t i = 0; i < n->n; i++) {
			if ((rc = tmpl_eval_value(&rv, st, n->list[i])))
				return rc;
			if ((rc = compare(&b, st, n->list[i]->off, n->ops[i], lv, rv)))
				return rc;
			if (!b)
				break;
			lv = rv;
		}
		set_val(out, kiso_bool(st->a, b, KISO_POS_NONE));
		return 0;
	case N_COND:
		if ((rc = tmpl_eval(&l, st, n->a)) || (rc = truth(&b, st, n->a->off, &l)))
			return rc;
		if (b)
			return tmpl_eval(out, st, n->b);
		if (n->c)
			return tmpl_eval(out, st, n->c);
		set_undef(out, "the inline if-expression evaluated to false and no else section was defined");
		out->soft = true;
		return 0;
	case N_FILTER:
		if ((rc = tmpl_eval(&l, st, n->a)))
			return rc;
		return call_filter(out, st, n, &l);
	case N_TEST:
		if ((rc = tmpl_eval(&l, st, n->a)) || (rc = call_test(&b, st, n, &l)))
			return rc;
		set_val(out, kiso_bool(st->a, b, KISO_POS_NONE));
		return 0;
	case N_CALL:
		return do_call(out, st, n, NULL);
	case N_LIST:
	case N_TUPLE: {
		struct kiso_value *list = kiso_list_new(st->a, KISO_POS_NONE);

		list->flags |= TMPL_VF_OWNED | (n->kind == N_TUPLE ? TMPL_VF_TUPLE : 0);
		for (size_t i = 0; i < n->n; i++) {
			if ((rc = tmpl_eval_value(&lv, st, n->list[i])))
				return rc;
			kiso_list_push(st->a, list, lv);
		}
		set_val(out, list);
		return 0;
	}
	case N_DICT: {
		struct kiso_value *map = kiso_map_new(st->a, KISO_POS_NONE);

		map->flags |= TMPL_VF_OWNED;
		for (size_t i = 0; i < n->n; i++) {
			if ((rc = tmpl_eval_value(&lv, st, n->list[i])) ||
			    (rc = tmpl_eval_value(&rv, st, n->list2[i])))
				return rc;
			if ((lv->type == KISO_LIST && !(lv->flags & TMPL_VF_TUPLE)) || lv->type == KISO_MAP)
				return tmpl_err(st, KISO_EFAIL, n->list[i]->off, "unhashable type: '%s'",
						tname(lv));
			kiso_map_setv(st->a, map, lv, rv);
		}
		set_val(out, map);
		return 0;
	}
	default:
		KISO_BUG("not an expression node: %d", (int)n->kind);
	}
}

int tmpl_iterate(struct kiso_value **out_list, struct rstate *st, uint32_t off, const struct ev *e)
{
	if (e->kind == EV_UNDEF)
		return tmpl_undef_err(st, off, e);
	if (e->kind != EV_VAL && e->kind != EV_NS)
		return tmpl_err(st, KISO_EFAIL, off, "object is not iterable");
	struct kiso_value *v = e->v;

	switch (v->type) {
	case KISO_LIST:
		*out_list = v;
		return 0;
	case KISO_MAP: {
		struct kiso_value *l = kiso_list_new(st->a, KISO_POS_NONE);

		for (size_t i = 0; i < v->u.map.len; i++)
			kiso_list_push(st->a, l, v->u.map.items[i].key);
		*out_list = l;
		return 0;
	}
	case KISO_STR: {
		struct kiso_value *l = kiso_list_new(st->a, KISO_POS_NONE);

		for (size_t i = 0; i < v->u.s.len;) {
			size_t j = i + 1;

			while (j < v->u.s.len && ((unsigned char)v->u.s.ptr[j] & 0xc0) == 0x80)
				j++;
			kiso_list_push(st->a, l, kiso_strn(st->a, v->u.s.ptr + i, j - i, KISO_POS_NONE));
			i = j;
		}
		*out_list = l;
		return 0;
	}
	default:
		return tmpl_err(st, KISO_EFAIL, off, "'%s' object is not iterable", tname(v));
	}
}
