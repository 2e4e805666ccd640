/*
 * template/render.c - statements, scopes, macros, includes and the
 * public API of template.h.
 *
 * Scopes follow Jinja2: a 'for' iteration, a macro call, an include and
 * a 'with' block each get a new frame, so '{% set %}' inside a loop does
 * not leak out; 'if' has no scope of its own. A name is looked up in the
 * frames, then in the caller's variables (ctx->lookup), then among the
 * globals (range, lookup, omit ...).
 *
 * Rendering follows Ansible's Templar: finalize turns None into '', the
 * output of a value string is turned back into a value when it starts
 * with '[' or '{' or is True/False (ansible_eval_concat), the trailing
 * newlines of the source are kept (preserve_trailing_newlines), and
 * "{{ name }}" alone returns a number, bool or None variable as it is.
 */
#include "kiso_common.h"
#include "template/internal.h"

#include <ctype.h>

/* ---- scopes ---- */

static struct frame *frame_new(struct rstate *st, struct frame *parent)
{
	struct frame *f = kiso_arena_zalloc(st->a, sizeof(*f));

	f->parent = parent;
	return f;
}

void tmpl_scope_set(struct rstate *st, struct frame *f, const char *name, const struct ev *v)
{
	if (!f)
		f = st->scope;
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->vars[i].name, name)) {
			f->vars[i].val = *v;
			return;
		}
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 4;

		f->vars = kiso_arena_grow(st->a, f->vars, f->cap * sizeof(*f->vars),
					  ncap * sizeof(*f->vars));
		f->cap = ncap;
	}
	f->vars[f->n].name = name;
	f->vars[f->n].val = *v;
	f->n++;
}

int tmpl_scope_find(struct ev *out, struct rstate *st, const char *name, uint32_t off)
{
	for (struct frame *f = st->scope; f; f = f->parent)
		for (size_t i = f->n; i-- > 0;)
			if (!strcmp(f->vars[i].name, name)) {
				*out = f->vars[i].val;
				return 0;
			}
	memset(out, 0, sizeof(*out));
	if (!strcmp(name, "self")) {
		out->kind = EV_SELF;
		return 0;
	}
	if (!strcmp(name, "super") && st->cur_block) {
		struct blockdef *b = st->cur_block->next;

		while (b && strcmp(b->def->s, st->cur_block->def->s))
			b = b->next;
		if (b) {
			out->kind = EV_BLOCKFN;
			out->p = b;
		} else {
			out->kind = EV_UNDEF;
			out->undef = kiso_arena_sprintf(st->a, "there is no parent block called '%s'.",
							st->cur_block->def->s);
		}
		return 0;
	}
	if (st->ctx->lookup && !st->isolated) {
		struct kiso_value *v = NULL;
		int rc = st->ctx->lookup(st->ctx->data, name, &v, st->err);

		if (rc < 0) {
			if (!st->err->code)
				tmpl_err(st, rc, off, "cannot resolve variable '%s'", name);
			return rc;
		}
		if (v) {
			out->kind = EV_VAL;
			out->v = v;
			return 0;
		}
	}
	if (tmpl_global_exists(name)) {
		out->kind = EV_GLOBAL;
		out->name = name;
		return 0;
	}
	if (!strcmp(name, "omit")) {
		out->kind = EV_VAL;
		out->v = kiso_str(st->a, KISO_TMPL_OMIT, KISO_POS_NONE);
		return 0;
	}
	out->kind = EV_UNDEF;
	out->undef = kiso_arena_sprintf(st->a, "'%s' is undefined", name);
	return 0;
}

/* ---- helpers ---- */

static bool has_unsafe(const struct kiso_value *v, int depth)
{
	if (v->flags & KISO_VF_UNSAFE)
		return true;
	if (depth > 32)
		return false;
	if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			if (has_unsafe(v->u.list.items[i], depth + 1))
				return true;
	} else if (v->type == KISO_MAP) {
		for (size_t i = 0; i < v->u.map.len; i++)
			if (has_unsafe(v->u.map.items[i].val, depth + 1) ||
			    has_unsafe(v->u.map.items[i].key, depth + 1))
				return true;
	}
	return false;
}

static int step(struct rstate *st, uint32_t off)
{
	if (++st->steps > tmpl_limits.max_steps)
		return tmpl_err(st, KISO_EFAIL, off,
				"template too expensive (more than %zu loop iterations and calls)",
				tmpl_limits.max_steps);
	return 0;
}

static int out_check(struct rstate *st, struct kiso_buf *out, uint32_t off)
{
	if (out->len > tmpl_limits.max_str)
		return tmpl_err(st, KISO_EFAIL, off, "template output too big (more than %zu bytes)",
				tmpl_limits.max_str);
	return 0;
}

/* Binds names (one, or a tuple unpacked) to v in frame f. */
static int assign(struct rstate *st, struct frame *f, uint32_t off, const char *const *names,
		  size_t nnames, bool tuple, const struct ev *v)
{
	if (!tuple) {
		tmpl_scope_set(st, f, names[0], v);
		return 0;
	}
	struct kiso_value *items;
	int rc;

	if (v->kind == EV_VAL && v->v->type != KISO_LIST && v->v->type != KISO_MAP &&
	    v->v->type != KISO_STR)
		return tmpl_err(st, KISO_EFAIL, off, "cannot unpack non-iterable %s",
				tmpl_type_object(v->v));
	if ((rc = tmpl_iterate(&items, st, off, v)))
		return rc;
	if (items->u.list.len != nnames) {
		if (items->u.list.len > nnames)
			return tmpl_err(st, KISO_EFAIL, off, "too many values to unpack (expected %zu)",
					nnames);
		return tmpl_err(st, KISO_EFAIL, off,
				"not enough values to unpack (expected %zu, got %zu)", nnames,
				items->u.list.len);
	}
	for (size_t i = 0; i < nnames; i++) {
		struct ev e = { .kind = EV_VAL, .v = items->u.list.items[i] };

		tmpl_scope_set(st, f, names[i], &e);
	}
	return 0;
}

/* ---- statements ---- */

/* Runs loop n over the items of 'it' (depth0 > 0: a recursive call, loop(x)). */
static int loop_run(struct kiso_buf *out, struct rstate *st, const struct node *n,
		    const struct ev *it, int depth0)
{
	struct kiso_value *items;
	int rc;

	if ((rc = tmpl_iterate(&items, st, n->a->off, it)))
		return rc;
	struct frame *saved = st->scope;

	if (n->b) {
		/* the loop filter sees the target names, not 'loop' */
		struct kiso_value *kept = kiso_list_new(st->a, KISO_POS_NONE);
		struct frame *f = frame_new(st, saved);

		st->scope = f;
		for (size_t i = 0; i < items->u.list.len; i++) {
			struct ev e = { .kind = EV_VAL, .v = items->u.list.items[i] }, c;
			bool b;

			f->n = 0;
			if ((rc = step(st, n->off)) ||
			    (rc = assign(st, f, n->off, n->names, n->nnames, n->flag, &e)) ||
			    (rc = tmpl_eval(&c, st, n->b)))
				goto out;
			if (c.kind == EV_UNDEF) {
				rc = tmpl_undef_err(st, n->b->off, &c);
				goto out;
			}
			b = c.kind != EV_VAL || kiso_value_truthy(c.v);
			if (b)
				kiso_list_push(st->a, kept, items->u.list.items[i]);
		}
		items = kept;
	}
	struct loopvar *lv = kiso_arena_zalloc(st->a, sizeof(*lv));

	lv->items = items;
	lv->loop = n;
	lv->depth0 = depth0;
	lv->outer = saved;
	struct frame *f = frame_new(st, saved);

	st->scope = f;
	for (size_t i = 0; i < items->u.list.len; i++) {
		struct ev e = { .kind = EV_VAL, .v = items->u.list.items[i] };
		struct ev le = { .kind = EV_LOOP, .p = lv };

		f->n = 0;
		lv->index0 = i;
		if ((rc = step(st, n->off)))
			goto out;
		tmpl_scope_set(st, f, "loop", &le);
		if ((rc = assign(st, f, n->off, n->names, n->nnames, n->flag, &e)) ||
		    (rc = tmpl_exec(out, st, n->list, n->n)))
			goto out;
	}
	st->scope = saved;
	if (items->u.list.len == 0 && n->n2)
		return tmpl_exec(out, st, n->list2, n->n2);
	return 0;
out:
	st->scope = saved;
	return rc;
}

static int exec_for(struct kiso_buf *out, struct rstate *st, const struct node *n)
{
	struct ev it;
	int rc;

	if ((rc = tmpl_eval(&it, st, n->a)))
		return rc;
	return loop_run(out, st, n, &it, 0);
}

int tmpl_loop_call(struct ev *out, struct rstate *st, uint32_t off, struct loopvar *lv,
		   const struct ev *items)
{
	if (!lv->loop || !lv->loop->recursive)
		return tmpl_err(st, KISO_EFAIL, off,
				"the loop must be marked as 'recursive' to call it");
	if (st->depth >= tmpl_limits.max_depth || lv->depth0 >= tmpl_limits.max_depth)
		return tmpl_err(st, KISO_EFAIL, off, "recursive loop nested too deeply");
	struct kiso_buf b = KISO_BUF_INIT;
	struct frame *saved = st->scope;
	int rc;

	st->scope = lv->outer;
	st->depth++;
	rc = loop_run(&b, st, lv->loop, items, lv->depth0 + 1);
	st->depth--;
	st->scope = saved;
	if (!rc) {
		memset(out, 0, sizeof(*out));
		out->kind = EV_VAL;
		out->v = kiso_strn(st->a, kiso_buf_cstr(&b), b.len, KISO_POS_NONE);
	}
	kiso_buf_release(&b);
	return rc;
}

static int exec_set(struct rstate *st, const struct node *n)
{
	struct ev v;
	int rc = tmpl_eval(&v, st, n->a);

	if (rc)
		return rc;
	if (n->c) {
		struct ev ns;

		if ((rc = tmpl_eval(&ns, st, n->c)))
			return rc;
		if (ns.kind != EV_NS)
			return tmpl_err(st, KISO_EFAIL, n->off,
					"cannot assign attribute on non-namespace object");
		struct kiso_value *val;

		if ((rc = tmpl_ev_value(&val, st, n->a->off, &v)))
			return rc;
		kiso_map_set(st->a, ns.v, n->s, val);
		return 0;
	}
	return assign(st, NULL, n->off, n->names, n->nnames, n->flag, &v);
}

static int render_body_str(struct ev *out, struct rstate *st, struct node *const *body, size_t n,
			   const struct node *chain, uint32_t off)
{
	struct kiso_buf b = KISO_BUF_INIT;
	bool top = st->toplevel;

	st->toplevel = false;
	int rc = tmpl_exec(&b, st, body, n);

	st->toplevel = top;
	if (rc) {
		kiso_buf_release(&b);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	out->kind = EV_VAL;
	out->v = kiso_strn(st->a, kiso_buf_cstr(&b), b.len, KISO_POS_NONE);
	kiso_buf_release(&b);
	if (chain)
		return tmpl_filter_chain(out, st, chain, out);
	return 0;
}

static int exec_include(struct kiso_buf *out, struct rstate *st, const struct node *n)
{
	struct kiso_value *name;
	int rc = tmpl_eval_value(&name, st, n->a);

	if (rc)
		return rc;
	size_t cnt = name->type == KISO_LIST ? name->u.list.len : 1;

	for (size_t i = 0; i < cnt; i++) {
		struct kiso_value *x = name->type == KISO_LIST ? name->u.list.items[i] : name;
		const char *path;

		if (x->type != KISO_STR)
			return tmpl_err(st, KISO_EFAIL, n->a->off, "include expects a template name");
		tmpl_find_file(&path, st, "templates", x->u.s.ptr);
		if (path)
			return tmpl_render_file(out, st, n->off, path, true);
	}
	if (n->flag)
		return 0;
	struct kiso_buf b = KISO_BUF_INIT;

	tmpl_repr(&b, name);
	rc = tmpl_err(st, KISO_ENOTFOUND, n->a->off, "template not found: %s", kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return rc;
}

/* Loads template 'name' for extends/import: *out compiled, *base its position. */
static int load_template(const struct tmpl **out, struct kiso_pos *base, struct rstate *st,
			 const struct node *n)
{
	struct kiso_value *name;
	const char *path;
	char *data;
	size_t len;
	int rc = tmpl_eval_value(&name, st, n->a);

	if (rc)
		return rc;
	if (name->type != KISO_STR)
		return tmpl_err(st, KISO_EFAIL, n->a->off, "expected a template name");
	tmpl_find_file(&path, st, "templates", name->u.s.ptr);
	if (!path)
		return tmpl_err(st, KISO_ENOTFOUND, n->a->off, "template not found: '%s'",
				name->u.s.ptr);
	if ((rc = tmpl_read_file(&data, &len, st, n->a->off, path)))
		return rc;
	*out = tmpl_get(data, len, 0);
	*base = (struct kiso_pos){ kiso_pos_file(path), 1, 1 };
	if ((*out)->ecode)
		return tmpl_syntax_error(*out, *base, st->err);
	return 0;
}

/* Renders block definition b with 'scope' as the parent of its frame. */
static int render_blockdef(struct kiso_buf *out, struct rstate *st, uint32_t off,
			   struct blockdef *b, struct frame *scope)
{
	if (st->depth >= tmpl_limits.max_depth)
		return tmpl_err(st, KISO_EFAIL, off, "blocks nested too deeply");
	int rc = step(st, off);

	if (rc)
		return rc;
	if (b->def->required)
		return tmpl_err(st, KISO_EFAIL, off, "required block '%s' not found", b->def->s);
	struct rstate saved = *st;

	st->t = b->t;
	st->base = b->base;
	st->scope = frame_new(st, scope);
	st->cur_block = b;
	st->toplevel = false;
	st->depth++;
	rc = tmpl_exec(out, st, b->def->list, b->def->n);
	saved.steps = st->steps;
	saved.unsafe = st->unsafe;
	*st = saved;
	return rc;
}

int tmpl_render_block(struct ev *out, struct rstate *st, uint32_t off, struct blockdef *b)
{
	struct kiso_buf buf = KISO_BUF_INIT;
	int rc = render_blockdef(&buf, st, off, b, st->top ? st->top : st->scope);

	if (!rc) {
		memset(out, 0, sizeof(*out));
		out->kind = EV_VAL;
		out->v = kiso_strn(st->a, kiso_buf_cstr(&buf), buf.len, KISO_POS_NONE);
	}
	kiso_buf_release(&buf);
	return rc;
}

static int exec_block(struct kiso_buf *out, struct rstate *st, const struct node *n)
{
	struct blockdef *b = st->blocks;

	while (b && strcmp(b->def->s, n->s))
		b = b->next;
	if (!b) {
		/* a block outside the template's body (in a macro of an imported template) */
		b = kiso_arena_zalloc(st->a, sizeof(*b));
		b->def = n;
		b->t = st->t;
		b->base = st->base;
	}
	if (st->depth == 0) {
		st->nodes++;
		st->native_text = false;
	}
	return render_blockdef(out, st, n->off, b,
			       n->flag || !st->top ? st->scope : st->top);
}

static int exec_extends(struct rstate *st, const struct node *n)
{
	if (st->parent)
		return tmpl_err(st, KISO_EFAIL, n->off, "extended multiple times");
	return load_template(&st->parent, &st->parent_base, st, n);
}

/* {% import %} and {% from ... import %}: runs the template for its names. */
static int exec_import(struct rstate *st, const struct node *n)
{
	const struct tmpl *t;
	struct kiso_pos base;
	int rc;

	if (st->depth >= tmpl_limits.max_depth)
		return tmpl_err(st, KISO_EFAIL, n->off, "templates imported too deeply");
	if ((rc = load_template(&t, &base, st, n)))
		return rc;
	struct rstate saved = *st;
	struct kiso_buf scratch = KISO_BUF_INIT;
	struct frame *mod = frame_new(st, n->flag ? st->scope : NULL);

	st->scope = mod;
	st->isolated = saved.isolated || !n->flag;
	st->depth++;
	rc = tmpl_exec_template(&scratch, st, t, base);
	kiso_buf_release(&scratch);
	saved.steps = st->steps;
	saved.unsafe = st->unsafe;
	*st = saved;
	if (rc)
		return rc;
	if (n->kind == S_IMPORT) {
		struct ev v = { .kind = EV_MODULE, .p = mod };

		tmpl_scope_set(st, NULL, n->s, &v);
		return 0;
	}
	for (size_t k = 0; k + 1 < n->nnames; k += 2) {
		struct ev v = { .kind = EV_UNDEF };
		bool found = false;

		for (size_t i = mod->n; i-- > 0 && !found;)
			if (!strcmp(mod->vars[i].name, n->names[k])) {
				v = mod->vars[i].val;
				found = true;
			}
		if (!found) {
			struct kiso_value *name = NULL;

			if (tmpl_eval_value(&name, st, n->a) == 0 && name->type == KISO_STR)
				v.undef = kiso_arena_sprintf(
					st->a,
					"the template '%s' (imported on line %d) does not export the "
					"requested name '%s'",
					name->u.s.ptr, tmpl_pos(st->t, n->off, st->base).line,
					n->names[k]);
			else
				v.undef = kiso_arena_sprintf(st->a, "'%s' is undefined", n->names[k]);
		}
		tmpl_scope_set(st, NULL, n->names[k + 1], &v);
	}
	return 0;
}

/*
 * The top level of a template: after {% extends %} its text, {{ }}, blocks,
 * {% call %} and {% filter %} output nothing (tmpl_exec checks st->toplevel),
 * as Jinja2; includes still do.
 */
static int exec_top(struct kiso_buf *out, struct rstate *st, struct node *const *body, size_t n)
{
	int rc = 0;

	st->toplevel = true;
	rc = tmpl_exec(out, st, body, n);
	return rc;
}

static void add_blocks(struct rstate *st, const struct tmpl *t, struct kiso_pos base)
{
	struct blockdef **tail = &st->blocks;

	while (*tail)
		tail = &(*tail)->next;
	for (size_t i = 0; i < t->nblocks; i++) {
		struct blockdef *b = kiso_arena_zalloc(st->a, sizeof(*b));

		b->def = t->blocks[i];
		b->t = t;
		b->base = base;
		*tail = b;
		tail = &b->next;
	}
}

int tmpl_exec_template(struct kiso_buf *out, struct rstate *st, const struct tmpl *t,
		       struct kiso_pos base)
{
	struct rstate saved = *st;
	int rc = 0, hops = 0;

	st->blocks = NULL;
	st->cur_block = NULL;
	st->parent = NULL;
	st->top = st->scope;
	for (;;) {
		add_blocks(st, t, base);
		st->t = t;
		st->base = base;
		rc = exec_top(out, st, t->body, t->nbody);
		if (rc || !st->parent)
			break;
		t = st->parent;
		base = st->parent_base;
		st->parent = NULL;
		if (++hops > tmpl_limits.max_depth) {
			rc = tmpl_err(st, KISO_EFAIL, 0, "templates extended too deeply");
			break;
		}
	}
	saved.steps = st->steps;
	saved.unsafe = st->unsafe;
	saved.nodes = st->nodes;
	saved.native_text = st->native_text;
	saved.scope = st->scope;
	*st = saved;
	return rc;
}

int tmpl_exec(struct kiso_buf *out, struct rstate *st, struct node *const *body, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		const struct node *s = body[i];
		struct ev v;
		bool b;

		if (st->parent && st->toplevel &&
		    (s->kind == S_DATA || s->kind == S_OUTPUT || s->kind == S_BLOCK))
			continue;
		switch (s->kind) {
		case S_DATA:
			if (st->depth == 0) {
				st->nodes++;
				st->native_text = false;
			}
			kiso_buf_add(out, s->s, s->slen);
			rc = out_check(st, out, s->off);
			break;
		case S_OUTPUT:
			if ((rc = tmpl_eval(&v, st, s->a)))
				break;
			if (st->depth == 0) {
				st->nodes++;
				st->native_text = v.kind == EV_VAL && (v.v->flags & TMPL_VF_NATIVE_TEXT);
			}
			/* Ansible's finalize: None prints as '' */
			if (v.kind == EV_VAL && v.v->type == KISO_NULL)
				break;
			if (v.kind == EV_VAL && !st->unsafe && has_unsafe(v.v, 0))
				st->unsafe = true;
			if ((rc = tmpl_ev_str(out, st, s->a->off, &v)))
				break;
			rc = out_check(st, out, s->off);
			break;
		case S_IF:
			if ((rc = tmpl_eval(&v, st, s->a)))
				break;
			if (v.kind == EV_UNDEF && !v.soft) {
				rc = tmpl_undef_err(st, s->a->off, &v);
				break;
			}
			b = v.kind == EV_VAL ? kiso_value_truthy(v.v) : v.kind != EV_UNDEF;
			if (b)
				rc = tmpl_exec(out, st, s->list, s->n);
			else
				rc = tmpl_exec(out, st, s->list2, s->n2);
			break;
		case S_FOR:
			rc = exec_for(out, st, s);
			break;
		case S_SET:
			rc = exec_set(st, s);
			break;
		case S_SETBLOCK:
			if ((rc = render_body_str(&v, st, s->list, s->n, s->b, s->off)))
				break;
			tmpl_scope_set(st, NULL, s->names[0], &v);
			break;
		case S_MACRO: {
			struct macro *m = kiso_arena_zalloc(st->a, sizeof(*m));

			m->def = s;
			m->t = st->t;
			m->base = st->base;
			m->scope = st->scope;
			m->isolated = st->isolated;
			v = (struct ev){ .kind = EV_MACRO, .p = m };
			tmpl_scope_set(st, NULL, s->s, &v);
			break;
		}
		case S_INCLUDE:
			rc = exec_include(out, st, s);
			break;
		case S_BLOCK:
			rc = exec_block(out, st, s);
			break;
		case S_EXTENDS:
			rc = exec_extends(st, s);
			break;
		case S_IMPORT:
		case S_FROMIMPORT:
			rc = exec_import(st, s);
			break;
		case S_CALLBLOCK: {
			struct macro *m = kiso_arena_zalloc(st->a, sizeof(*m));

			m->def = s;
			m->t = st->t;
			m->base = st->base;
			m->scope = st->scope;
			m->isolated = st->isolated;
			if ((rc = tmpl_call_block(&v, st, s->a, m)))
				break;
			if (!(st->parent && st->toplevel))
				rc = tmpl_ev_str(out, st, s->off, &v);
			break;
		}
		case S_FILTERBLOCK:
			if ((rc = render_body_str(&v, st, s->list, s->n, s->b, s->off)))
				break;
			if (!(st->parent && st->toplevel))
				rc = tmpl_ev_str(out, st, s->off, &v);
			break;
		case S_WITH: {
			struct frame *saved = st->scope, *f = frame_new(st, saved);

			for (size_t k = 0; k < s->n2 && !rc; k++) {
				if ((rc = tmpl_eval(&v, st, s->list2[k])))
					break;
				tmpl_scope_set(st, f, s->names[k], &v);
			}
			if (!rc) {
				st->scope = f;
				rc = tmpl_exec(out, st, s->list, s->n);
				st->scope = saved;
			}
			break;
		}
		default:
			KISO_BUG("not a statement node: %d", (int)s->kind);
		}
	}
	return rc;
}

int tmpl_call_macro(struct ev *out, struct rstate *st, uint32_t off, const struct macro *m,
		    struct ev *args, size_t nargs, const char *const *kwn, struct ev *kwv,
		    size_t nkw, const struct macro *caller)
{
	const struct node *d = m->def;
	int rc;

	if (nargs > d->nnames)
		return tmpl_err(st, KISO_EFAIL, off, "macro '%s' takes not more than %zu argument(s)",
				d->s, d->nnames);
	for (size_t k = 0; k < nkw; k++) {
		bool known = false;

		for (size_t i = 0; i < d->nnames; i++)
			known |= !strcmp(d->names[i], kwn[k]);
		if (!known)
			return tmpl_err(st, KISO_EFAIL, off, "macro '%s' takes no keyword argument '%s'",
					d->s, kwn[k]);
	}
	if (st->depth >= tmpl_limits.max_depth)
		return tmpl_err(st, KISO_EFAIL, off, "macro calls nested too deeply");
	if ((rc = step(st, off)))
		return rc;
	struct rstate saved = *st;
	struct frame *f = frame_new(st, m->scope);

	st->t = m->t;
	st->base = m->base;
	st->scope = f;
	st->isolated = m->isolated;
	st->toplevel = false;
	st->depth++;
	if (caller) {
		struct ev ce = { .kind = EV_MACRO, .p = (void *)caller };

		tmpl_scope_set(st, f, "caller", &ce);
	}
	for (size_t i = 0; i < d->nnames && !rc; i++) {
		struct ev v;
		bool set = false;

		if (i < nargs) {
			v = args[i];
			set = true;
		}
		for (size_t k = 0; k < nkw; k++)
			if (!strcmp(kwn[k], d->names[i])) {
				v = kwv[k];
				set = true;
			}
		if (!set && d->list2[i]) {
			rc = tmpl_eval(&v, st, d->list2[i]);
			set = true;
		}
		if (!set) {
			memset(&v, 0, sizeof(v));
			v.kind = EV_UNDEF;
			v.undef = kiso_arena_sprintf(st->a, "'%s' is undefined", d->names[i]);
		}
		if (!rc)
			tmpl_scope_set(st, f, d->names[i], &v);
	}
	if (!rc)
		rc = render_body_str(out, st, d->list, d->n, NULL, off);
	saved.steps = st->steps;
	saved.unsafe = st->unsafe;
	*st = saved;
	return rc;
}

/* ---- positions and errors ---- */

struct kiso_pos tmpl_pos(const struct tmpl *t, uint32_t off, struct kiso_pos base)
{
	struct kiso_pos p = base;
	int line = base.line > 0 ? base.line : 1, col = base.col > 0 ? base.col : 1;
	size_t last_nl = SIZE_MAX;

	if (off > t->len)
		off = (uint32_t)t->len;
	for (size_t i = 0; i < off; i++)
		if (t->src[i] == '\n') {
			line++;
			last_nl = i;
		}
	p.line = line;
	if (last_nl == SIZE_MAX)
		p.col = col + (int)tmpl_utf8_len(t->src, off);
	else
		p.col = 1 + (int)tmpl_utf8_len(t->src + last_nl + 1, off - last_nl - 1);
	return p;
}

int tmpl_syntax_error(const struct tmpl *t, struct kiso_pos base, struct kiso_error *err)
{
	return kiso_error_set(err, t->ecode, tmpl_pos(t, t->eoff, base), "%s", t->emsg);
}

/* Adds the newlines the source ended with that the output lacks (Ansible). */
static void keep_newlines(struct kiso_buf *out, size_t start, int want)
{
	int have = 0;

	while ((size_t)have < out->len - start && out->ptr[out->len - 1 - (size_t)have] == '\n')
		have++;
	for (; have < want; have++)
		kiso_buf_putc(out, '\n');
}

int tmpl_render_file(struct kiso_buf *out, struct rstate *st, uint32_t off, const char *path,
		     bool with_scope)
{
	char *data;
	size_t len;
	int rc;

	if (st->depth >= tmpl_limits.max_depth)
		return tmpl_err(st, KISO_EFAIL, off, "templates included too deeply");
	if ((rc = tmpl_read_file(&data, &len, st, off, path)))
		return rc;
	const struct tmpl *t = tmpl_get(data, len, 0);
	struct kiso_pos base = { kiso_pos_file(path), 1, 1 };

	if (t->ecode)
		return tmpl_syntax_error(t, base, st->err);
	struct rstate saved = *st;
	size_t start = out->len;

	st->t = t;
	st->base = base;
	st->scope = frame_new(st, with_scope ? st->scope : NULL);
	st->depth++;
	rc = tmpl_exec_template(out, st, t, base);
	saved.steps = st->steps;
	saved.unsafe = st->unsafe;
	*st = saved;
	if (!rc && !with_scope)
		keep_newlines(out, start, t->trailing_nl);
	return rc;
}

/* ---- public API ---- */

bool kiso_tmpl_has_template(const char *s, size_t len)
{
	for (const char *p = s; (p = memchr(p, '{', len - (size_t)(p - s))) != NULL; p++) {
		if ((size_t)(p - s) + 1 >= len)
			break;
		if (p[1] == '{' || p[1] == '%' || p[1] == '#')
			return true;
	}
	return false;
}


static void state_init(struct rstate *st, struct kiso_tmpl_ctx *ctx, struct kiso_error *err,
		       const struct tmpl *t, struct kiso_pos pos, struct kiso_arena *fallback)
{
	memset(st, 0, sizeof(*st));
	if (!ctx || !(ctx->arena || fallback))
		KISO_BUG("struct kiso_tmpl_ctx without an arena");
	st->ctx = ctx;
	st->a = st->ctx->arena ? st->ctx->arena : fallback;
	st->err = err;
	st->t = t;
	st->base = pos;
	st->scope = frame_new(st, NULL);
}

int kiso_tmpl_check(const char *src, size_t len, struct kiso_pos pos, struct kiso_error *err)
{
	const struct tmpl *t = tmpl_get(src, len, LEX_ESCAPE_BS);

	return t->ecode ? tmpl_syntax_error(t, pos, err) : 0;
}

int kiso_tmpl_check_expr(const char *expr, size_t len, struct kiso_pos pos,
			 struct kiso_error *err)
{
	const struct tmpl *t = tmpl_get(expr, len, LEX_EXPR);

	return t->ecode ? tmpl_syntax_error(t, pos, err) : 0;
}

/*
 * Renders t's body into out (appending); sets *unsafe, and *native when
 * the output is one string from a STRING_TYPE_FILTERS filter.
 */
static int render(struct kiso_buf *out, bool *unsafe, bool *native, struct kiso_tmpl_ctx *ctx,
		  const struct tmpl *t, struct kiso_pos pos, struct kiso_error *err)
{
	struct rstate st;
	struct kiso_error local = KISO_ERROR_INIT;

	if (!err)
		err = &local;
	if (t->ecode)
		return tmpl_syntax_error(t, pos, err);
	state_init(&st, ctx, err, t, pos, ctx->arena);
	size_t start = out->len;
	int rc = tmpl_exec_template(out, &st, t, pos);

	if (rc)
		return rc;
	keep_newlines(out, start, t->trailing_nl);
	*unsafe = st.unsafe;
	*native = st.nodes == 1 && st.native_text;
	return 0;
}

int kiso_tmpl_render_text(struct kiso_buf *out, struct kiso_tmpl_ctx *ctx, const char *src,
			  size_t len, struct kiso_pos pos, struct kiso_error *err)
{
	bool unsafe = false, native = false;

	return render(out, &unsafe, &native, ctx, tmpl_get(src, len, 0), pos, err);
}

/* Ansible's SINGLE_VAR: "^{{\s*(\w*)\s*}}$" (Python's '$' also before a final newline). */
static bool single_var(const char *s, size_t len, char *name, size_t size)
{
	size_t i = 2, b, e;

	if (len && s[len - 1] == '\n')
		len--;
	if (len < 4 || s[0] != '{' || s[1] != '{' || s[len - 1] != '}' || s[len - 2] != '}')
		return false;
	len -= 2;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	b = i;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	e = i;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i != len || e == b || e - b >= size)
		return false;
	memcpy(name, s + b, e - b);
	name[e - b] = 0;
	return true;
}

static int render_str(struct kiso_value **out, struct kiso_tmpl_ctx *ctx,
		      const struct kiso_value *v, struct kiso_error *err)
{
	char name[256];

	if (!kiso_tmpl_has_template(v->u.s.ptr, v->u.s.len)) {
		*out = (struct kiso_value *)v;
		return 0;
	}
	if (ctx->lookup && single_var(v->u.s.ptr, v->u.s.len, name, sizeof(name))) {
		struct kiso_value *var = NULL;
		int rc = ctx->lookup(ctx->data, name, &var, err);

		if (rc < 0)
			return rc;
		if (var && (var->type == KISO_BOOL || var->type == KISO_INT ||
			    var->type == KISO_FLOAT || var->type == KISO_NULL)) {
			*out = var;
			return 0;
		}
	}
	const struct tmpl *t = tmpl_get(v->u.s.ptr, v->u.s.len, LEX_ESCAPE_BS);
	struct kiso_buf b = KISO_BUF_INIT;
	bool unsafe = false, native = false;
	int rc = render(&b, &unsafe, &native, ctx, t, v->pos, err);

	if (rc) {
		kiso_buf_release(&b);
		return rc;
	}
	const char *s = kiso_buf_cstr(&b);
	struct kiso_value *r = NULL;

	/* Ansible's NativeJinjaText (to_json ... as the whole output) stays a string */
	if (!native && ((b.len && (s[0] == '[' || s[0] == '{')) || !strcmp(s, "True") ||
			!strcmp(s, "False")))
		if (tmpl_literal_eval(&r, ctx->arena, s, b.len) < 0)
			r = NULL;
	if (!r) {
		r = kiso_strn(ctx->arena, s, b.len, v->pos);
		if (native)
			r->flags |= TMPL_VF_NATIVE_TEXT;
	} else {
		r->pos = v->pos;
	}
	if (unsafe)
		r->flags |= KISO_VF_UNSAFE;
	kiso_buf_release(&b);
	*out = r;
	return 0;
}

static int render_rec(struct kiso_value **out, struct kiso_tmpl_ctx *ctx,
		      const struct kiso_value *v, struct kiso_error *err, int depth)
{
	int rc;

	if (depth > 1000)
		return kiso_error_set(err, KISO_EFAIL, v->pos, "value nested too deeply");
	if (v->flags & (KISO_VF_UNSAFE | KISO_VF_VAULT)) {
		*out = (struct kiso_value *)v;
		return 0;
	}
	switch (v->type) {
	case KISO_STR:
		return render_str(out, ctx, v, err);
	case KISO_LIST: {
		struct kiso_value *l = NULL;

		for (size_t i = 0; i < v->u.list.len; i++) {
			struct kiso_value *x;

			if ((rc = render_rec(&x, ctx, v->u.list.items[i], err, depth + 1)))
				return rc;
			if (x != v->u.list.items[i] && !l) {
				/* first change: copy what came before */
				l = kiso_list_new(ctx->arena, v->pos);
				l->flags = v->flags;
				for (size_t k = 0; k < i; k++)
					kiso_list_push(ctx->arena, l, v->u.list.items[k]);
			}
			if (l)
				kiso_list_push(ctx->arena, l, x);
		}
		*out = l ? l : (struct kiso_value *)v;
		return 0;
	}
	case KISO_MAP: {
		struct kiso_value *m = NULL;

		for (size_t i = 0; i < v->u.map.len; i++) {
			struct kiso_value *x;
			const struct kiso_mapent *e = &v->u.map.items[i];

			if ((rc = render_rec(&x, ctx, e->val, err, depth + 1)))
				return rc;
			if (x != e->val && !m) {
				m = kiso_map_new(ctx->arena, v->pos);
				m->flags = v->flags;
				for (size_t k = 0; k < i; k++)
					kiso_map_setv(ctx->arena, m, v->u.map.items[k].key,
						      v->u.map.items[k].val);
			}
			if (m)
				kiso_map_setv(ctx->arena, m, e->key, x);
		}
		*out = m ? m : (struct kiso_value *)v;
		return 0;
	}
	default:
		*out = (struct kiso_value *)v;
		return 0;
	}
}

int kiso_tmpl_render_value(struct kiso_value **out, struct kiso_tmpl_ctx *ctx,
			   const struct kiso_value *v, struct kiso_error *err)
{
	if (!ctx || !ctx->arena)
		KISO_BUG("struct kiso_tmpl_ctx without an arena");
	return render_rec(out, ctx, v, err, 0);
}

/* Values leaving the engine are nobody's to change in place any more. */
static void disown(struct kiso_value *v, int depth)
{
	if (!(v->flags & TMPL_VF_OWNED) || depth > 1000)
		return;
	v->flags &= ~(unsigned)TMPL_VF_OWNED;
	if (v->type == KISO_LIST)
		for (size_t i = 0; i < v->u.list.len; i++)
			disown(v->u.list.items[i], depth + 1);
	else if (v->type == KISO_MAP)
		for (size_t i = 0; i < v->u.map.len; i++)
			disown(v->u.map.items[i].val, depth + 1);
}

int kiso_tmpl_eval(struct kiso_value **out, struct kiso_tmpl_ctx *ctx, const char *expr,
		   size_t len, struct kiso_pos pos, struct kiso_error *err)
{
	const struct tmpl *t = tmpl_get(expr, len, LEX_EXPR);
	struct rstate st;
	struct ev e;
	int rc;

	if (t->ecode)
		return tmpl_syntax_error(t, pos, err);
	state_init(&st, ctx, err, t, pos, ctx->arena);
	if ((rc = tmpl_eval(&e, &st, t->expr)))
		return rc;
	if ((rc = tmpl_ev_value(out, &st, t->expr->off, &e)))
		return rc;
	disown(*out, 0);
	if (st.unsafe && !((*out)->flags & KISO_VF_UNSAFE)) {
		*out = kiso_value_copy(st.a, *out);
		(*out)->flags |= KISO_VF_UNSAFE;
	}
	return 0;
}
