/*
 * runner_task.c - one task on one host: tags, when, loops, templated and
 * normalized arguments, plan/apply, changed_when/failed_when, until,
 * register, notify, run_once, delegate_to, become, results and stats.
 *
 * Controller actions that need the runner's state are handled here:
 * set_fact, include_vars, meta, setup (and facts gathering),
 * include_tasks/import_tasks/include_role/import_role. debug's
 * 'verbosity' is checked here too; debug, assert, fail and pause
 * themselves are modules (their plan()).
 */
#include "kiso_common.h"

#include <fnmatch.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "runner_priv.h"

struct tctx {
	struct rn_host *h;
	struct kiso_taskdef *td;
	struct kiso_arena *a;
	struct kiso_vars *v;
	struct kiso_tmpl_ctx tmpl;
	const char *name;
	const char *action;
	bool check, diff, no_log, ignore_errors, run_once;
	const char *delegate;
	const char *reg;
	const char **search;
	struct kiso_become become;
	bool use_become;
	const struct kiso_value *environment;
	bool handler;
};

/* the outcome of one execution (one item, one attempt) */
struct outcome {
	struct kiso_value *res;       /* map */
	bool changed, failed, skipped, unreachable;
	struct kiso_diff_item *diffs;
	size_t ndiffs;
};

static struct kiso_value *S(struct kiso_arena *a, const char *s)
{
	return kiso_str(a, s ? s : "", KISO_POS_NONE);
}

static struct kiso_value *B(struct kiso_arena *a, bool b)
{
	return kiso_bool(a, b, KISO_POS_NONE);
}

/* ------------------------------------------------------------ helpers */

static const struct kiso_value *kw(const struct kiso_taskdef *td, const char *k)
{
	return kiso_taskdef_kw(td, k);
}

static bool truthy_str(const char *s)
{
	return !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1") ||
	       !strcasecmp(s, "on") || !strcasecmp(s, "y") || !strcasecmp(s, "t");
}

static int render(struct tctx *c, const struct kiso_value *v, struct kiso_value **out,
		  struct kiso_error *err)
{
	return kiso_tmpl_render_value(out, &c->tmpl, v, err);
}

static bool kw_bool(struct tctx *c, const char *k, bool dflt)
{
	const struct kiso_value *v = kw(c->td, k);
	struct kiso_value *r = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	if (!v || v->type == KISO_NULL)
		return dflt;
	if (render(c, v, &r, &err) < 0 || !r)
		return dflt;
	if (r->type == KISO_BOOL)
		return r->u.b;
	if (r->type == KISO_INT)
		return r->u.i != 0;
	if (r->type == KISO_STR)
		return truthy_str(r->u.s.ptr);
	return kiso_value_truthy(r);
}

static const char *kw_str(struct tctx *c, const char *k)
{
	const struct kiso_value *v = kw(c->td, k);
	struct kiso_value *r = NULL;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	if (!v || v->type == KISO_NULL)
		return NULL;
	if (render(c, v, &r, &err) < 0 || !r || r->type == KISO_NULL)
		return NULL;
	kiso_value_str(&b, r);
	s = kiso_arena_strdup(c->a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static const char *var_str(struct tctx *c, const char *name)
{
	struct kiso_value *v = NULL;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	if (kiso_vars_get(&v, c->v, name, &err) < 0 || !v || v->type == KISO_NULL)
		return NULL;
	kiso_value_str(&b, v);
	s = kiso_arena_strdup(c->a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

/*
 * A conditional ('when', 'changed_when', ...) as Ansible evaluates it: a
 * bool is itself; a string with {{ }} is rendered first; the rest is a
 * bare expression. Returns 0 and *out, or -1 with err set in Ansible's
 * words.
 */
static int cond_one(struct tctx *c, const struct kiso_value *cond, bool *out,
		    struct kiso_error *err)
{
	struct kiso_value *r = NULL;
	struct kiso_error e = KISO_ERROR_INIT;

	if (!cond || cond->type == KISO_NULL) {
		*out = true;
		return 0;
	}
	if (cond->type == KISO_BOOL) {
		*out = cond->u.b;
		return 0;
	}
	if (cond->type == KISO_INT) {
		*out = cond->u.i != 0;
		return 0;
	}
	if (cond->type != KISO_STR) {
		*out = kiso_value_truthy(cond);
		return 0;
	}
	if (kiso_tmpl_has_template(cond->u.s.ptr, cond->u.s.len)) {
		if (kiso_tmpl_render_value(&r, &c->tmpl, cond, &e) < 0)
			goto fail;
		if (r->type == KISO_STR) {
			const char *s = r->u.s.ptr;
			if (truthy_str(s)) {
				*out = true;
				return 0;
			}
			if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0") ||
			    !strcasecmp(s, "off") || !*s || !strcasecmp(s, "none")) {
				*out = false;
				return 0;
			}
			if (kiso_tmpl_eval(&r, &c->tmpl, s, strlen(s), cond->pos, &e) < 0)
				goto fail;
		}
		*out = kiso_value_truthy(r);
		return 0;
	}
	if (kiso_tmpl_eval(&r, &c->tmpl, cond->u.s.ptr, cond->u.s.len, cond->pos, &e) < 0)
		goto fail;
	*out = kiso_value_truthy(r);
	return 0;
fail:
	return kiso_error_set(err, e.code ? e.code : KISO_EFAIL, cond->pos,
			      "The conditional check '%s' failed. The error was: %s", cond->u.s.ptr,
			      e.msg);
}

/* Every condition of a list (or one); *false_cond gets the first false one. */
static int cond_all(struct tctx *c, const struct kiso_value *conds, bool *out,
		    const struct kiso_value **false_cond, struct kiso_error *err)
{
	*out = true;
	if (!conds)
		return 0;
	if (conds->type != KISO_LIST) {
		if (cond_one(c, conds, out, err) < 0)
			return -1;
		if (!*out && false_cond)
			*false_cond = conds;
		return 0;
	}
	for (size_t i = 0; i < conds->u.list.len; i++) {
		bool b;
		if (cond_one(c, conds->u.list.items[i], &b, err) < 0)
			return -1;
		if (!b) {
			*out = false;
			if (false_cond)
				*false_cond = conds->u.list.items[i];
			return 0;
		}
	}
	return 0;
}

/* Drops every value that is the 'omit' placeholder (recursively). */
static struct kiso_value *drop_omit(struct kiso_arena *a, struct kiso_value *v)
{
	if (!v)
		return v;
	if (v->type == KISO_MAP) {
		struct kiso_value *m = kiso_map_new(a, v->pos);
		for (size_t i = 0; i < v->u.map.len; i++) {
			struct kiso_value *x = v->u.map.items[i].val;
			if (x->type == KISO_STR && !strcmp(x->u.s.ptr, KISO_TMPL_OMIT))
				continue;
			kiso_map_setv(a, m, v->u.map.items[i].key, drop_omit(a, x));
		}
		return m;
	}
	if (v->type == KISO_LIST) {
		struct kiso_value *l = kiso_list_new(a, v->pos);
		for (size_t i = 0; i < v->u.list.len; i++) {
			struct kiso_value *x = v->u.list.items[i];
			if (x->type == KISO_STR && !strcmp(x->u.s.ptr, KISO_TMPL_OMIT))
				continue;
			kiso_list_push(a, l, drop_omit(a, x));
		}
		return l;
	}
	return v;
}

static void split_lines(struct kiso_arena *a, struct kiso_value *res, const char *key,
			const char *lkey)
{
	struct kiso_value *s = kiso_map_get(res, key), *l;

	if (!s || s->type != KISO_STR || kiso_map_get(res, lkey))
		return;
	l = kiso_list_new(a, KISO_POS_NONE);
	{
		const char *p = s->u.s.ptr, *end = p + s->u.s.len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			size_t m = n;
			if (m && p[m - 1] == '\r')
				m--;
			kiso_list_push(a, l, kiso_strn(a, p, m, KISO_POS_NONE));
			p += n + (nl ? 1 : 0);
		}
	}
	kiso_map_set(a, res, lkey, l);
}

static void fail_out(struct tctx *c, struct outcome *o, const char *msg)
{
	if (!o->res)
		o->res = kiso_map_new(c->a, KISO_POS_NONE);
	o->failed = true;
	kiso_map_set(c->a, o->res, "failed", B(c->a, true));
	kiso_map_set(c->a, o->res, "msg", S(c->a, msg));
	if (!kiso_map_get(o->res, "changed"))
		kiso_map_set(c->a, o->res, "changed", B(c->a, false));
}

static void stats_add(struct rn_host *h, enum kiso_status st, bool changed, bool ignored)
{
	struct kiso_host_stats *s = &h->hr->st;

	switch (st) {
	case KISO_ST_SKIPPED: s->skipped++; break;
	case KISO_ST_OK: s->ok++; break;
	case KISO_ST_CHANGED: s->ok++; s->changed++; break;
	case KISO_ST_UNREACHABLE: s->unreachable++; break;
	case KISO_ST_FAILED:
		if (ignored) {
			s->ok++;
			s->ignored++;
			if (changed)
				s->changed++;
		} else {
			s->failed++;
		}
		break;
	}
}

/* ------------------------------------------------------------ actions */

static void set_fact_action(struct tctx *c, struct kiso_value *args, struct outcome *o)
{
	struct kiso_value *facts = kiso_map_new(c->a, KISO_POS_NONE);

	for (size_t i = 0; i < args->u.map.len; i++) {
		const struct kiso_mapent *e = &args->u.map.items[i];
		if (e->key->type != KISO_STR || !strcmp(e->key->u.s.ptr, "cacheable"))
			continue;
		kiso_map_setv(c->a, facts, e->key, e->val);
	}
	rn_out_lock(c->h->b->r);
	for (size_t i = 0; i < facts->u.map.len; i++)
		kiso_vars_set_fact(c->v, facts->u.map.items[i].key->u.s.ptr,
				   facts->u.map.items[i].val);
	rn_out_unlock(c->h->b->r);
	kiso_map_set(c->a, o->res, "ansible_facts", facts);
	kiso_map_set(c->a, o->res, "changed", B(c->a, false));
}

static void include_vars_action(struct tctx *c, struct kiso_value *args, struct outcome *o)
{
	const struct kiso_value *f = kiso_map_get(args, "file");
	const struct kiso_value *nm = kiso_map_get(args, "name");
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *m = NULL;
	char *path = NULL;
	const char *name;

	if (!f || f->type != KISO_STR)
		f = kiso_map_get(args, "_raw_params");
	if (!f || f->type != KISO_STR) {
		fail_out(c, o, "include_vars needs 'file' (or a file name) in this build");
		return;
	}
	name = f->u.s.ptr;
	if (name[0] == '/') {
		path = kiso_xstrdup(name);
	} else {
		const char *dirs[3] = { NULL, NULL, NULL };
		size_t nd = 0;
		if (c->td->role)
			dirs[nd++] = kiso_arena_sprintf(c->a, "%s/vars", c->td->role->path);
		dirs[nd++] = c->td->play->basedir;
		for (size_t i = 0; i < nd && !path; i++) {
			char *p = kiso_xasprintf("%s/%s", dirs[i], name);
			if (access(p, R_OK) == 0)
				path = p;
			else
				free(p);
		}
	}
	if (!path || access(path, R_OK) != 0) {
		fail_out(c, o, kiso_arena_sprintf(c->a, "Could not find or access '%s'", name));
		free(path);
		return;
	}
	if (kiso_yaml_load_file(&m, c->a, path, &err) < 0) {
		char buf[KISO_ERROR_MSG_MAX + 256];
		fail_out(c, o, kiso_error_format(buf, sizeof(buf), &err));
		free(path);
		return;
	}
	if (!m || m->type == KISO_NULL)
		m = kiso_map_new(c->a, KISO_POS_NONE);
	if (m->type != KISO_MAP) {
		fail_out(c, o, kiso_arena_sprintf(c->a, "%s must be stored as a dictionary/hash", path));
		free(path);
		return;
	}
	if (nm && nm->type == KISO_STR) {
		struct kiso_value *w = kiso_map_new(c->a, KISO_POS_NONE);
		kiso_map_set(c->a, w, nm->u.s.ptr, m);
		m = w;
	}
	rn_out_lock(c->h->b->r);
	/* the layer keeps the map's keys: they must outlive this task's arena */
	kiso_vars_include_vars(c->v, kiso_value_copy(kiso_vars_arena(c->v), m));
	rn_out_unlock(c->h->b->r);
	kiso_map_set(c->a, o->res, "ansible_facts", m);
	{
		struct kiso_value *l = kiso_list_new(c->a, KISO_POS_NONE);
		kiso_list_push(c->a, l, S(c->a, path));
		kiso_map_set(c->a, o->res, "ansible_included_var_files", l);
	}
	kiso_map_set(c->a, o->res, "changed", B(c->a, false));
	free(path);
}

static void setup_action(struct tctx *c, struct kiso_conn *conn, struct kiso_value *args,
			 struct outcome *o)
{
	struct kiso_value *facts = NULL;
	struct kiso_error err = KISO_ERROR_INIT;
	int rc = kiso_facts_gather(&facts, c->a, conn, &err);

	if (rc < 0) {
		if (rc == KISO_EUNREACHABLE)
			o->unreachable = true;
		fail_out(c, o, err.msg);
		return;
	}
	facts = kiso_facts_filter(c->a, facts, args ? kiso_map_get(args, "gather_subset") : NULL,
				  args ? kiso_map_get(args, "filter") : NULL);
	rn_out_lock(c->h->b->r);
	kiso_vars_set_facts(c->v, facts);
	rn_out_unlock(c->h->b->r);
	{
		struct kiso_value *pref = kiso_map_new(c->a, KISO_POS_NONE);
		for (size_t i = 0; i < facts->u.map.len; i++) {
			const char *k = facts->u.map.items[i].key->u.s.ptr;
			kiso_map_set(c->a, pref,
				     strncmp(k, "ansible_", 8) ? kiso_arena_sprintf(c->a, "ansible_%s", k) : k,
				     facts->u.map.items[i].val);
		}
		kiso_map_set(c->a, o->res, "ansible_facts", pref);
	}
	kiso_map_set(c->a, o->res, "changed", B(c->a, false));
}

static bool controller_only(const char *name)
{
	static const char *const names[] = { "debug", "set_fact", "assert", "fail", "pause",
					     "include_vars", "meta", "add_host", "group_by", NULL };
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* The controller's search path for src= files and lookups. */
static const char **search_path(struct tctx *c, const char *sub)
{
	const char **p = kiso_arena_zalloc(c->a, 8 * sizeof(*p));
	size_t n = 0;

	if (c->td->role) {
		p[n++] = kiso_arena_sprintf(c->a, "%s/%s", c->td->role->path, sub);
		p[n++] = c->td->role->path;
	}
	if (c->td->pos.file) {
		char *d = kiso_arena_strdup(c->a, c->td->pos.file);
		char *s = strrchr(d, '/');
		if (s) {
			*s = '\0';
			p[n++] = kiso_arena_sprintf(c->a, "%s/%s", d, sub);
			p[n++] = d;
		}
	}
	p[n++] = kiso_arena_sprintf(c->a, "%s/%s", c->td->play->basedir, sub);
	p[n++] = c->td->play->basedir;
	return p;
}

/* One execution of the module (no loop, no retry). */
static void exec_once(struct tctx *c, struct outcome *o)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *args = NULL, *nargs = NULL;
	const struct kiso_module *m = c->td->module;
	const char *mname = m ? m->name : c->action;
	struct kiso_conn *conn = NULL;

	memset(o, 0, sizeof(*o));
	o->res = kiso_map_new(c->a, KISO_POS_NONE);
	if (render(c, c->td->args, &args, &err) < 0) {
		fail_out(c, o, err.msg);
		return;
	}
	args = drop_omit(c->a, args);
	if (!m) {
		fail_out(c, o, kiso_arena_sprintf(c->a, "unknown module '%s'", c->action));
		return;
	}
	{
		struct kiso_diags d = KISO_DIAGS_INIT;
		if (kiso_args_normalize(&nargs, c->a, m, args, c->td->pos, &d) < 0) {
			struct kiso_buf b = KISO_BUF_INIT;
			for (size_t i = 0; i < d.len; i++)
				kiso_buf_printf(&b, "%s%s", i ? "; " : "", d.items[i].msg);
			fail_out(c, o, kiso_buf_cstr(&b));
			kiso_buf_release(&b);
			kiso_diags_release(&d);
			return;
		}
		kiso_diags_release(&d);
	}
	if (!strcmp(mname, "set_fact")) {
		set_fact_action(c, nargs, o);
		return;
	}
	if (!strcmp(mname, "include_vars")) {
		include_vars_action(c, nargs, o);
		return;
	}
	if (!controller_only(mname)) {
		conn = rn_conn(c->h, c->delegate, &err);
		if (!conn) {
			o->unreachable = true;
			fail_out(c, o, err.msg);
			kiso_map_set(c->a, o->res, "unreachable", B(c->a, true));
			return;
		}
	}
	if (!strcmp(mname, "setup")) {
		setup_action(c, conn, nargs, o);
		return;
	}
	if (!m->plan) {
		fail_out(c, o, kiso_arena_sprintf(c->a, "module '%s' cannot run in this build yet",
						  mname));
		return;
	}
	{
		struct kiso_task t;
		struct kiso_plan p;
		int rc;

		memset(&t, 0, sizeof(t));
		memset(&p, 0, sizeof(p));
		t.module = m;
		t.args = nargs;
		t.pos = c->td->pos;
		t.conn = conn;
		t.arena = c->a;
		t.host = c->h->hr->name;
		t.check = c->check;
		t.diff = c->diff;
		t.err = &err;
		t.search_path = search_path(c, !strcmp(mname, "template") ? "templates" : "files");
		t.tmpl = &c->tmpl;
		t.engine = c;
		t.environment = c->environment;
		p.result = o->res;
		if (conn) {
			kiso_conn_clear_error(conn);
			kiso_conn_set_become(conn, c->use_become ? &c->become : NULL);
		}
		rc = m->plan(&t, &p);
		if (rc == 0 && c->check && p.unpredictable) {
			o->skipped = true;
			kiso_map_set(c->a, o->res, "changed", B(c->a, false));
			kiso_map_set(c->a, o->res, "skipped", B(c->a, true));
			kiso_map_set(c->a, o->res, "msg",
				     S(c->a, "Command would have run if not in check mode"));
			if (conn)
				kiso_conn_set_become(conn, NULL);
			return;
		}
		if (rc == 0 && p.changed && !c->check && m->apply)
			rc = m->apply(&t, &p);
		if (conn)
			kiso_conn_set_become(conn, NULL);
		o->res = p.result ? p.result : o->res;
		o->changed = p.changed;
		if (rc == 0 && p.skipped) {
			/* the module decided not to act (script's creates/removes) */
			o->skipped = true;
			kiso_map_set(c->a, o->res, "skipped", B(c->a, true));
		}
		o->diffs = p.diffs;
		o->ndiffs = p.ndiffs;
		if (p.msg && !kiso_map_get(o->res, "msg"))
			kiso_map_set(c->a, o->res, "msg", S(c->a, p.msg));
		if (rc < 0) {
			if (rc == KISO_EUNREACHABLE) {
				o->unreachable = true;
				kiso_map_set(c->a, o->res, "unreachable", B(c->a, true));
			}
			if (!err.code && conn && kiso_conn_error(conn)->code)
				err = *kiso_conn_error(conn);
			kiso_map_set(c->a, o->res, "changed", B(c->a, o->changed));
			fail_out(c, o, err.code ? err.msg : "module failed");
			return;
		}
		kiso_map_set(c->a, o->res, "changed", B(c->a, o->changed));
		if (kiso_map_get(o->res, "failed") && kiso_value_truthy(kiso_map_get(o->res, "failed")))
			o->failed = true;
		split_lines(c->a, o->res, "stdout", "stdout_lines");
		split_lines(c->a, o->res, "stderr", "stderr_lines");
	}
}

/* Registers r under the task's register name (under the output lock:
 * other hosts' hostvars read these layers). */
static void do_register(struct tctx *c, struct kiso_value *res)
{
	if (!c->reg)
		return;
	rn_out_lock(c->h->b->r);
	kiso_vars_register(c->v, c->reg, res);
	rn_out_unlock(c->h->b->r);
}

/* changed_when / failed_when / until, retries, for one item. */
static void exec_item(struct tctx *c, struct outcome *o)
{
	const struct kiso_value *until = kiso_map_get(c->td->kw, "until");
	const struct kiso_value *cw = kiso_map_get(c->td->kw, "changed_when");
	const struct kiso_value *fw = kiso_map_get(c->td->kw, "failed_when");
	long retries = 1, delay = 5;
	long attempt;

	if (until) {
		const char *rs = kw_str(c, "retries");
		const char *ds = kw_str(c, "delay");
		retries = rs ? atol(rs) : 3;
		retries = retries <= 0 ? 1 : retries + 1;
		if (ds)
			delay = atol(ds);
	}
	for (attempt = 1;; attempt++) {
		struct kiso_error err = KISO_ERROR_INIT;
		bool b;

		exec_once(c, o);
		if (o->unreachable)
			return;
		if ((cw || fw || until) && c->reg)
			do_register(c, o->res);
		if (cw) {
			if (cond_all(c, cw, &b, NULL, &err) < 0) {
				fail_out(c, o, err.msg);
				return;
			}
			o->changed = b;
			kiso_map_set(c->a, o->res, "changed", B(c->a, b));
		}
		if (fw) {
			if (cond_all(c, fw, &b, NULL, &err) < 0) {
				fail_out(c, o, err.msg);
				return;
			}
			o->failed = b;
			kiso_map_set(c->a, o->res, "failed_when_result", B(c->a, b));
			kiso_map_set(c->a, o->res, "failed", B(c->a, b));
		}
		if (!until)
			break;
		kiso_map_set(c->a, o->res, "attempts", kiso_int(c->a, attempt, KISO_POS_NONE));
		if (c->reg)
			do_register(c, o->res);
		if (cond_all(c, until, &b, NULL, &err) < 0) {
			fail_out(c, o, err.msg);
			return;
		}
		if (b)
			break;
		if (attempt >= retries) {
			o->failed = true;
			kiso_map_set(c->a, o->res, "failed", B(c->a, true));
			break;
		}
		rn_out_lock(c->h->b->r);
		printf("FAILED - RETRYING: [%s]: %s (%ld retries left).\n", c->h->hr->name, c->name,
		       retries - attempt);
		fflush(stdout);
		rn_out_unlock(c->h->b->r);
		if (delay > 0)
			sleep((unsigned)delay);
	}
	if (!kiso_map_get(o->res, "failed"))
		kiso_map_set(c->a, o->res, "failed", B(c->a, o->failed));
}

static enum kiso_status status_of(const struct outcome *o)
{
	if (o->unreachable)
		return KISO_ST_UNREACHABLE;
	if (o->failed)
		return KISO_ST_FAILED;
	if (o->skipped)
		return KISO_ST_SKIPPED;
	return o->changed ? KISO_ST_CHANGED : KISO_ST_OK;
}

static void emit(struct tctx *c, enum kiso_status st, const struct kiso_value *res,
		 const struct kiso_diff_item *diffs, size_t nd, const char *label, bool ignored)
{
	struct kiso_task_result r;

	memset(&r, 0, sizeof(r));
	r.status = st;
	r.ignored = ignored;
	r.no_log = c->no_log;
	r.action = c->td->module ? c->td->module->name : c->action;
	r.verbose_always = r.action && (!strcmp(r.action, "debug") || !strcmp(r.action, "assert"));
	if (r.verbose_always && !strcmp(r.action, "assert") && res &&
	    kiso_map_get(c->td->args, "quiet") && st != KISO_ST_FAILED) {
		struct kiso_value *q = kiso_map_get(c->td->args, "quiet");
		if (kiso_value_truthy(q) && !(q->type == KISO_STR && !truthy_str(q->u.s.ptr)))
			r.verbose_always = false;
	}
	r.item_label = label;
	r.delegated = c->delegate && strcmp(c->delegate, c->h->hr->name) ? c->delegate : NULL;
	r.res = res;
	r.diffs = diffs;
	r.ndiffs = nd;
	rn_emit(c->h, &r);
}

static const char *item_label(struct tctx *c, struct kiso_value *item,
			      const struct kiso_value *lc)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;
	const struct kiso_value *label = lc && lc->type == KISO_MAP ? kiso_map_get(lc, "label") : NULL;

	if (c->no_log)
		return "None";
	if (label) {
		struct kiso_value *r = NULL;
		struct kiso_error err = KISO_ERROR_INIT;
		if (render(c, label, &r, &err) == 0 && r)
			item = r;
	}
	kiso_value_str(&b, item);
	s = kiso_arena_strdup(c->a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

/* The loop's items, or NULL with *failmsg set. */
static struct kiso_value *loop_items(struct tctx *c, const char **failmsg)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *terms = NULL, *out = NULL;

	if (render(c, c->td->loop, &terms, &err) < 0) {
		*failmsg = kiso_arena_strdup(c->a, err.msg);
		return NULL;
	}
	if (!c->td->loop_with) {
		if (!terms || terms->type != KISO_LIST) {
			*failmsg = "Invalid data passed to 'loop', it requires a list, got this instead: "
				   "a non-list value. Hint: If you passed a list/dict of just one "
				   "element, try adding wantlist=True to your lookup invocation or use "
				   "q/query instead of lookup.";
			return NULL;
		}
		return terms;
	}
	/* with_X: query('X', *terms), the terms bound to private names */
	{
		struct kiso_value *vars = kiso_map_new(c->a, KISO_POS_NONE);
		struct kiso_buf expr = KISO_BUF_INIT;
		size_t n;

		if (!terms || terms->type != KISO_LIST) {
			struct kiso_value *l = kiso_list_new(c->a, KISO_POS_NONE);
			if (terms)
				kiso_list_push(c->a, l, terms);
			terms = l;
		}
		n = terms->u.list.len;
		kiso_buf_printf(&expr, "query('%s'", c->td->loop_with);
		if (!strcmp(c->td->loop_with, "items") || !strcmp(c->td->loop_with, "list")) {
			/* the items lookup flattens one level itself */
			kiso_map_set(c->a, vars, "__kiso_t0", terms);
			kiso_buf_puts(&expr, ", __kiso_t0");
		} else {
			for (size_t i = 0; i < n; i++) {
				char k[32];
				snprintf(k, sizeof(k), "__kiso_t%zu", i);
				kiso_map_set(c->a, vars, k, terms->u.list.items[i]);
				kiso_buf_printf(&expr, ", %s", k);
			}
		}
		kiso_buf_puts(&expr, ")");
		kiso_vars_push(c->v, KISO_VARS_LOOP, vars);
		if (kiso_tmpl_eval(&out, &c->tmpl, kiso_buf_cstr(&expr), expr.len, c->td->loop->pos,
				   &err) < 0) {
			*failmsg = kiso_arena_strdup(c->a, err.msg);
			out = NULL;
		}
		kiso_vars_pop(c->v, KISO_VARS_LOOP);
		kiso_buf_release(&expr);
		if (out && out->type != KISO_LIST) {
			struct kiso_value *l = kiso_list_new(c->a, KISO_POS_NONE);
			kiso_list_push(c->a, l, out);
			out = l;
		}
		return out;
	}
}

static struct kiso_value *loop_vars(struct tctx *c, const struct kiso_value *lc,
				    struct kiso_value *items, size_t i, const char **loop_var)
{
	struct kiso_value *m = kiso_map_new(c->a, KISO_POS_NONE);
	const struct kiso_value *lv = lc ? kiso_map_get(lc, "loop_var") : NULL;
	const struct kiso_value *iv = lc ? kiso_map_get(lc, "index_var") : NULL;
	const struct kiso_value *ext = lc ? kiso_map_get(lc, "extended") : NULL;
	size_t n = items->u.list.len;

	*loop_var = lv && lv->type == KISO_STR ? lv->u.s.ptr : "item";
	kiso_map_set(c->a, m, *loop_var, items->u.list.items[i]);
	kiso_map_set(c->a, m, "ansible_loop_var", S(c->a, *loop_var));
	if (iv && iv->type == KISO_STR) {
		kiso_map_set(c->a, m, iv->u.s.ptr, kiso_int(c->a, (int64_t)i, KISO_POS_NONE));
		kiso_map_set(c->a, m, "ansible_index_var", S(c->a, iv->u.s.ptr));
	}
	if (ext && kiso_value_truthy(ext)) {
		struct kiso_value *l = kiso_map_new(c->a, KISO_POS_NONE);
		kiso_map_set(c->a, l, "allitems", items);
		kiso_map_set(c->a, l, "index", kiso_int(c->a, (int64_t)i + 1, KISO_POS_NONE));
		kiso_map_set(c->a, l, "index0", kiso_int(c->a, (int64_t)i, KISO_POS_NONE));
		kiso_map_set(c->a, l, "revindex", kiso_int(c->a, (int64_t)(n - i), KISO_POS_NONE));
		kiso_map_set(c->a, l, "revindex0", kiso_int(c->a, (int64_t)(n - i - 1), KISO_POS_NONE));
		kiso_map_set(c->a, l, "first", B(c->a, i == 0));
		kiso_map_set(c->a, l, "last", B(c->a, i + 1 == n));
		kiso_map_set(c->a, l, "length", kiso_int(c->a, (int64_t)n, KISO_POS_NONE));
		if (i > 0)
			kiso_map_set(c->a, l, "previtem", items->u.list.items[i - 1]);
		if (i + 1 < n)
			kiso_map_set(c->a, l, "nextitem", items->u.list.items[i + 1]);
		kiso_map_set(c->a, m, "ansible_loop", l);
	}
	return m;
}

static struct kiso_value *skip_result(struct tctx *c, const struct kiso_value *fc)
{
	struct kiso_value *r = kiso_map_new(c->a, KISO_POS_NONE);

	kiso_map_set(c->a, r, "changed", B(c->a, false));
	kiso_map_set(c->a, r, "skipped", B(c->a, true));
	kiso_map_set(c->a, r, "skip_reason", S(c->a, "Conditional result was False"));
	if (fc) {
		struct kiso_buf b = KISO_BUF_INIT;
		kiso_value_str(&b, fc);
		kiso_map_set(c->a, r, "false_condition", S(c->a, kiso_buf_cstr(&b)));
		kiso_buf_release(&b);
	}
	return r;
}

static void notify(struct tctx *c)
{
	const struct kiso_value *n = kiso_map_get(c->td->kw, "notify");
	struct kiso_value *r = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	if (!n)
		return;
	if (render(c, n, &r, &err) < 0 || !r)
		return;
	if (r->type == KISO_STR) {
		rn_notify(c->h, r->u.s.ptr);
		return;
	}
	if (r->type == KISO_LIST)
		for (size_t i = 0; i < r->u.list.len; i++)
			if (r->u.list.items[i]->type == KISO_STR)
				rn_notify(c->h, r->u.list.items[i]->u.s.ptr);
}

/* The vars of the enclosing blocks and imports, outermost first, merged. */
static struct kiso_value *parent_vars(struct tctx *c)
{
	const struct kiso_taskdef *chain[64];
	size_t n = 0;
	struct kiso_value *m = NULL;

	for (const struct kiso_taskdef *p = c->td->parent; p && n < 64; p = p->parent)
		chain[n++] = p;
	while (n--) {
		const struct kiso_value *v = kiso_map_get(chain[n]->kw, "vars");
		if (!v || v->type != KISO_MAP)
			continue;
		if (!m)
			m = kiso_map_new(c->a, KISO_POS_NONE);
		for (size_t i = 0; i < v->u.map.len; i++)
			kiso_map_setv(c->a, m, v->u.map.items[i].key, v->u.map.items[i].val);
	}
	return m;
}

static void setup_ctx(struct tctx *c, struct rn_host *h, struct kiso_taskdef *td)
{
	struct rn_run *r = h->b->r;

	memset(c, 0, sizeof(*c));
	c->h = h;
	c->td = td;
	c->a = h->ta;
	c->v = h->hr->vars;
	c->action = td->action ? td->action : (td->module ? td->module->name : "meta");
	kiso_vars_tmpl_ctx(&c->tmpl, c->v, c->a);
	kiso_vars_set_role(c->v, td->role ? td->role->name : NULL, td->role ? td->role->path : NULL);
	c->search = search_path(c, "files");
	kiso_vars_set_search_path(c->v, c->search);
	kiso_vars_tmpl_ctx(&c->tmpl, c->v, c->a);
	c->handler = td->is_handler;
	{
		struct kiso_error err = KISO_ERROR_INIT;
		const char *dn = kiso_taskdef_display_name(c->a, td);
		struct kiso_value *rv = NULL;
		c->name = dn;
		if (dn && kiso_tmpl_has_template(dn, strlen(dn)) &&
		    kiso_tmpl_render_value(&rv, &c->tmpl, kiso_str(c->a, dn, td->pos), &err) == 0 &&
		    rv && rv->type == KISO_STR)
			c->name = rv->u.s.ptr;
	}
	c->check = kw_bool(c, "check_mode", r->o->check);
	c->diff = kw_bool(c, "diff", r->o->diff);
	c->no_log = kw_bool(c, "no_log", false);
	c->ignore_errors = kw_bool(c, "ignore_errors", false);
	c->run_once = kw_bool(c, "run_once", false);
	c->delegate = kw_str(c, "delegate_to");
	{
		const struct kiso_value *rg = kiso_map_get(td->kw, "register");
		c->reg = rg && rg->type == KISO_STR ? rg->u.s.ptr : NULL;
	}
	/* become: the keyword, else ansible_become */
	{
		bool become;
		const struct kiso_value *bk = kw(td, "become");
		if (bk)
			become = kw_bool(c, "become", false);
		else {
			const char *s = var_str(c, "ansible_become");
			become = s && truthy_str(s);
		}
		if (become) {
			const char *m = kw_str(c, "become_method");
			c->use_become = !m || !strcmp(m, "sudo");
			c->become.user = kw_str(c, "become_user");
			if (!c->become.user)
				c->become.user = var_str(c, "ansible_become_user");
			c->become.flags = kw_str(c, "become_flags");
			if (!c->become.flags)
				c->become.flags = var_str(c, "ansible_become_flags");
			c->become.password = var_str(c, "ansible_become_password");
			if (!c->become.password)
				c->become.password = var_str(c, "ansible_become_pass");
			if (!c->become.password)
				c->become.password = var_str(c, "ansible_sudo_pass");
		}
	}
	/* environment: Ansible extends it along the chain (play, roles,
	 * blocks, task), each level a map or a list of maps, inner wins */
	{
		struct kiso_value *all = kiso_taskdef_kw_all(c->a, td, "environment");
		struct kiso_value *m = kiso_map_new(c->a, KISO_POS_NONE);

		for (size_t j = 0; j < all->u.list.len; j++) {
			struct kiso_value *re = NULL;
			struct kiso_error err = KISO_ERROR_INIT;
			struct kiso_value *one = kiso_list_new(c->a, KISO_POS_NONE);

			if (render(c, all->u.list.items[j], &re, &err) < 0 || !re)
				continue;
			if (re->type == KISO_LIST)
				one = re;
			else
				kiso_list_push(c->a, one, re);
			for (size_t i = 0; i < one->u.list.len; i++) {
				struct kiso_value *x = one->u.list.items[i];
				if (x->type != KISO_MAP)
					continue;
				for (size_t k = 0; k < x->u.map.len; k++)
					kiso_map_setv(c->a, m, x->u.map.items[k].key,
						      x->u.map.items[k].val);
			}
		}
		if (m->u.map.len)
			c->environment = m;
	}
}

static int unreachable(struct tctx *c, const struct kiso_value *res)
{
	struct rn_host *h = c->h;
	struct rn_run *r = h->b->r;

	rn_out_lock(r);
	rn_header(h, c->td, c->handler ? "RUNNING HANDLER" : "TASK", c->name);
	emit(c, KISO_ST_UNREACHABLE, res, NULL, 0, NULL, false);
	stats_add(h, KISO_ST_UNREACHABLE, false, false);
	h->unreachable = true;
	h->hr->unreachable = true;
	rn_out_unlock(r);
	rn_leave(h->b, h);
	return RN_STOP;
}

/* A module task on this host, after tags and the barrier. */
static int module_task(struct rn_host *h, struct kiso_taskdef *td)
{
	struct rn_run *r = h->b->r;
	struct tctx c;
	struct kiso_value *bv, *tv;
	const struct kiso_value *lc = kiso_map_get(td->kw, "loop_control");
	struct kiso_value *conds = kiso_list_new(h->ta, td->pos);
	struct kiso_value *final = NULL;
	struct kiso_diff_item *diffs = NULL;
	size_t ndiffs = 0;
	enum kiso_status st;
	bool changed = false, ignored = false;
	int ret = RN_OK;

	kiso_arena_reset(h->ta);
	conds = kiso_list_new(h->ta, td->pos);
	setup_ctx(&c, h, td);
	bv = parent_vars(&c);
	tv = kiso_map_get(td->kw, "vars");
	kiso_vars_push(c.v, KISO_VARS_BLOCK, bv);
	kiso_vars_push(c.v, KISO_VARS_TASK, tv && tv->type == KISO_MAP ? tv : NULL);
	kiso_vars_tmpl_ctx(&c.tmpl, c.v, c.a);
	kiso_taskdef_when(c.a, conds, td);

	/* debug's verbosity threshold */
	if (td->module && !strcmp(td->module->name, "debug")) {
		const struct kiso_value *vb = kiso_map_get(td->args, "verbosity");
		struct kiso_value *rv = NULL;
		struct kiso_error err = KISO_ERROR_INIT;
		if (vb && render(&c, vb, &rv, &err) == 0 && rv) {
			long lv = rv->type == KISO_INT ? (long)rv->u.i
							: (rv->type == KISO_STR ? atol(rv->u.s.ptr) : 0);
			if (lv > r->o->verbosity) {
				final = kiso_map_new(c.a, KISO_POS_NONE);
				kiso_map_set(c.a, final, "skipped_reason", S(c.a, "Verbosity threshold not met."));
				kiso_map_set(c.a, final, "skipped", B(c.a, true));
				kiso_map_set(c.a, final, "changed", B(c.a, false));
				st = KISO_ST_SKIPPED;
				goto report;
			}
		}
	}

	if (!td->loop) {
		bool ok;
		const struct kiso_value *fc = NULL;
		struct kiso_error err = KISO_ERROR_INIT;
		struct outcome o;

		if (cond_all(&c, conds, &ok, &fc, &err) < 0) {
			memset(&o, 0, sizeof(o));
			fail_out(&c, &o, err.msg);
			final = o.res;
			st = KISO_ST_FAILED;
		} else if (!ok) {
			final = skip_result(&c, fc);
			st = KISO_ST_SKIPPED;
		} else {
			exec_item(&c, &o);
			if (o.unreachable) {
				kiso_vars_pop(c.v, KISO_VARS_TASK);
				kiso_vars_pop(c.v, KISO_VARS_BLOCK);
				return unreachable(&c, o.res);
			}
			final = o.res;
			diffs = o.diffs;
			ndiffs = o.ndiffs;
			changed = o.changed;
			st = status_of(&o);
		}
	} else {
		const char *fm = NULL;
		struct kiso_value *items = loop_items(&c, &fm);
		struct kiso_value *results = kiso_list_new(c.a, KISO_POS_NONE);
		bool any_failed = false, all_skipped = true;
		size_t nd_cap = 0;

		if (!items) {
			struct outcome o;
			memset(&o, 0, sizeof(o));
			fail_out(&c, &o, fm);
			final = o.res;
			st = KISO_ST_FAILED;
			goto report;
		}
		for (size_t i = 0; i < items->u.list.len; i++) {
			const char *lvname;
			struct kiso_value *lv = loop_vars(&c, lc, items, i, &lvname);
			const char *label;
			bool ok;
			const struct kiso_value *fc = NULL;
			struct kiso_error err = KISO_ERROR_INIT;
			struct outcome o;
			enum kiso_status ist;

			kiso_vars_push(c.v, KISO_VARS_LOOP, lv);
			kiso_vars_tmpl_ctx(&c.tmpl, c.v, c.a);
			label = item_label(&c, items->u.list.items[i], lc);
			memset(&o, 0, sizeof(o));
			if (cond_all(&c, conds, &ok, &fc, &err) < 0) {
				fail_out(&c, &o, err.msg);
			} else if (!ok) {
				o.res = skip_result(&c, fc);
				o.skipped = true;
			} else {
				exec_item(&c, &o);
			}
			kiso_vars_pop(c.v, KISO_VARS_LOOP);
			if (o.unreachable) {
				kiso_vars_pop(c.v, KISO_VARS_TASK);
				kiso_vars_pop(c.v, KISO_VARS_BLOCK);
				return unreachable(&c, o.res);
			}
			kiso_map_set(c.a, o.res, lvname, items->u.list.items[i]);
			kiso_map_set(c.a, o.res, "ansible_loop_var", S(c.a, lvname));
			ist = status_of(&o);
			if (ist != KISO_ST_SKIPPED)
				all_skipped = false;
			if (ist == KISO_ST_FAILED)
				any_failed = true;
			if (o.changed && ist != KISO_ST_SKIPPED)
				changed = true;
			for (size_t k = 0; k < o.ndiffs; k++) {
				if (ndiffs == nd_cap) {
					size_t nc = nd_cap ? 2 * nd_cap : 4;
					diffs = kiso_arena_grow(c.a, diffs, nd_cap * sizeof(*diffs),
								nc * sizeof(*diffs));
					nd_cap = nc;
				}
				diffs[ndiffs++] = o.diffs[k];
			}
			kiso_list_push(c.a, results, o.res);
			rn_out_lock(r);
			rn_header(h, td, c.handler ? "RUNNING HANDLER" : "TASK", c.name);
			emit(&c, ist, o.res, o.diffs, o.ndiffs, label, ist == KISO_ST_FAILED && c.ignore_errors);
			rn_out_unlock(r);
			{
				const struct kiso_value *pz = lc ? kiso_map_get(lc, "pause") : NULL;
				if (pz && (pz->type == KISO_INT || pz->type == KISO_FLOAT) &&
				    i + 1 < items->u.list.len) {
					double secs = pz->type == KISO_INT ? (double)pz->u.i : pz->u.f;
					struct timespec ts = { (time_t)secs,
							       (long)((secs - (double)(time_t)secs) * 1e9) };
					nanosleep(&ts, NULL);
				}
			}
		}
		final = kiso_map_new(c.a, KISO_POS_NONE);
		kiso_map_set(c.a, final, "changed", B(c.a, changed));
		kiso_map_set(c.a, final, "msg", S(c.a, any_failed ? "One or more items failed"
								 : "All items completed"));
		kiso_map_set(c.a, final, "results", results);
		if (items->u.list.len == 0 || all_skipped) {
			kiso_map_set(c.a, final, "skipped", B(c.a, true));
			if (items->u.list.len == 0)
				kiso_map_set(c.a, final, "skipped_reason", S(c.a, "No items in the list"));
			st = KISO_ST_SKIPPED;
		} else if (any_failed) {
			kiso_map_set(c.a, final, "failed", B(c.a, true));
			st = KISO_ST_FAILED;
		} else {
			st = changed ? KISO_ST_CHANGED : KISO_ST_OK;
		}
	}
report:
	if (st == KISO_ST_FAILED && c.ignore_errors)
		ignored = true;
	do_register(&c, final);
	if (st == KISO_ST_CHANGED || (st == KISO_ST_FAILED && changed && ignored))
		notify(&c);
	/* run_once: the other hosts of the batch get the result */
	if (c.run_once) {
		pthread_mutex_lock(&h->b->mu);
		for (size_t i = 0; i < h->b->nonce; i++) {
			struct rn_once *on = &h->b->once[i];
			if (on->td == td && on->step == h->step) {
				on->done = true;
				on->res = kiso_value_copy(kiso_vars_arena(c.v), final);
				on->reg = c.reg;
				if (td->module && !strcmp(td->module->name, "set_fact"))
					on->facts = kiso_map_get(on->res, "ansible_facts");
			}
		}
		pthread_mutex_unlock(&h->b->mu);
	}
	rn_out_lock(r);
	{
		bool show = !(td->loop && st != KISO_ST_FAILED && st != KISO_ST_SKIPPED);
		if (td->loop && st == KISO_ST_SKIPPED &&
		    kiso_map_get(final, "results") &&
		    kiso_map_get(final, "results")->u.list.len)
			show = true;
		if (show) {
			rn_header(h, td, c.handler ? "RUNNING HANDLER" : "TASK", c.name);
			emit(&c, st, final, td->loop ? NULL : diffs, td->loop ? 0 : ndiffs, NULL, ignored);
		}
	}
	stats_add(h, st, changed, ignored);
	if (st == KISO_ST_FAILED && !ignored && kw_bool(&c, "any_errors_fatal", h->b->any_errors_fatal))
		h->b->fatal_failure = true;
	rn_out_unlock(r);
	if (st == KISO_ST_FAILED && !ignored) {
		ret = RN_FAILED;
		rn_out_lock(r);
		kiso_vars_set_magic(c.v, "ansible_failed_result", final);
		{
			struct kiso_value *ft = kiso_map_new(c.a, KISO_POS_NONE);
			kiso_map_set(c.a, ft, "name", S(c.a, td->name ? td->name : ""));
			kiso_map_set(c.a, ft, "action", S(c.a, c.action));
			kiso_map_set(c.a, ft, "args", td->args);
			kiso_vars_set_magic(c.v, "ansible_failed_task", ft);
		}
		rn_out_unlock(r);
	}
	kiso_vars_pop(c.v, KISO_VARS_TASK);
	kiso_vars_pop(c.v, KISO_VARS_BLOCK);
	return ret;
}

/* ---------------------------------------------------------------- meta */

static int meta_task(struct rn_host *h, struct kiso_taskdef *td, bool noop)
{
	const struct kiso_value *rp = kiso_map_get(td->args, "_raw_params");
	const char *act = rp && rp->type == KISO_STR ? rp->u.s.ptr : "noop";
	struct tctx c;
	struct kiso_value *conds;
	bool ok = true;
	struct kiso_error err = KISO_ERROR_INIT;

	if (!strcmp(act, "flush_handlers")) {
		rn_flush_handlers(h);
		return h->left ? RN_STOP : RN_OK;
	}
	h->step++;
	rn_barrier(h->b, h);
	if (h->b->abort || h->b->end_play) {
		rn_leave(h->b, h);
		return RN_STOP;
	}
	if (noop || h->left)
		return h->left ? RN_STOP : RN_OK;
	kiso_arena_reset(h->ta);
	setup_ctx(&c, h, td);
	conds = kiso_list_new(c.a, td->pos);
	kiso_taskdef_when(c.a, conds, td);
	if (cond_all(&c, conds, &ok, NULL, &err) < 0 || !ok)
		return RN_OK;
	if (!strcmp(act, "end_play") || !strcmp(act, "end_batch")) {
		pthread_mutex_lock(&h->b->mu);
		h->b->end_play = true;
		pthread_mutex_unlock(&h->b->mu);
		h->ended = true;
		rn_leave(h->b, h);
		return RN_STOP;
	}
	if (!strcmp(act, "end_host")) {
		h->ended = true;
		rn_leave(h->b, h);
		return RN_STOP;
	}
	if (!strcmp(act, "reset_connection")) {
		pthread_mutex_lock(&h->hr->mu);
		kiso_conn_free(h->hr->conn);
		h->hr->conn = NULL;
		pthread_mutex_unlock(&h->hr->mu);
		return RN_OK;
	}
	if (!strcmp(act, "clear_facts")) {
		struct kiso_task_result r;
		struct kiso_value *res = kiso_map_new(c.a, KISO_POS_NONE);

		/* the vars layer has no way to forget facts: say so, do not pretend */
		kiso_map_set(c.a, res, "failed", B(c.a, true));
		kiso_map_set(c.a, res, "msg", S(c.a, "meta: clear_facts is not supported by kiso yet"));
		memset(&r, 0, sizeof(r));
		r.status = KISO_ST_FAILED;
		r.action = "meta";
		r.res = res;
		rn_out_lock(h->b->r);
		rn_header(h, td, "TASK", c.name);
		rn_emit(h, &r);
		stats_add(h, KISO_ST_FAILED, false, false);
		rn_out_unlock(h->b->r);
		return RN_FAILED;
	}
	/* noop, refresh_inventory, clear_host_errors: nothing to do */
	return RN_OK;
}

/* -------------------------------------------------------------- includes */

static bool tags_ok(struct rn_host *h, const struct kiso_taskdef *td)
{
	const struct kiso_run_opts *o = h->b->r->o;
	struct kiso_value *tags = kiso_list_new(h->ta, td->pos);

	kiso_taskdef_tags(h->ta, tags, td);
	return kiso_tags_should_run(tags, o->only_tags, o->skip_tags);
}

/* --start-at-task: false while the named task has not been reached. */
static bool started(struct rn_host *h, const struct kiso_taskdef *td)
{
	struct rn_run *r = h->b->r;
	bool ok;

	rn_out_lock(r);
	if (!r->start_found) {
		const char *dn = kiso_taskdef_display_name(h->ta, td);
		if ((td->name && !strcmp(td->name, r->o->start_at_task)) ||
		    (dn && !strcmp(dn, r->o->start_at_task)) ||
		    (td->name && fnmatch(r->o->start_at_task, td->name, 0) == 0))
			r->start_found = true;
	}
	ok = r->start_found;
	rn_out_unlock(r);
	return ok;
}

static int include_task(struct rn_host *h, struct kiso_taskdef *td, bool noop)
{
	struct rn_run *r = h->b->r;
	bool is_role = td->kind == KISO_TD_INCLUDE_ROLE;
	struct tctx c;
	struct kiso_value *conds;
	bool ok = true;
	struct kiso_error err = KISO_ERROR_INIT;
	int rc = RN_OK;

	if (!tags_ok(h, td) || !started(h, td))
		return RN_OK;
	h->step++;
	rn_barrier(h->b, h);
	if (h->b->abort || h->b->end_play) {
		rn_leave(h->b, h);
		return RN_STOP;
	}
	if (h->left)
		return RN_STOP;
	if (!noop) {
		kiso_arena_reset(h->ta);
		setup_ctx(&c, h, td);
		conds = kiso_list_new(c.a, td->pos);
		kiso_taskdef_when(c.a, conds, td);
		if (cond_all(&c, conds, &ok, NULL, &err) < 0) {
			struct outcome o;
			memset(&o, 0, sizeof(o));
			fail_out(&c, &o, err.msg);
			rn_out_lock(r);
			rn_header(h, td, "TASK", c.name);
			emit(&c, KISO_ST_FAILED, o.res, NULL, 0, NULL, false);
			stats_add(h, KISO_ST_FAILED, false, false);
			rn_out_unlock(r);
			return RN_FAILED;
		}
		if ((is_role && !td->inc_role) || (!is_role && !td->loaded_static)) {
			struct outcome o;
			memset(&o, 0, sizeof(o));
			if (!ok)
				return RN_OK;
			fail_out(&c, &o, kiso_arena_sprintf(c.a, "cannot include '%s': a templated "
							       "file or role name is not supported yet",
							       is_role ? td->role_name : td->file));
			rn_out_lock(r);
			rn_header(h, td, "TASK", c.name);
			emit(&c, KISO_ST_FAILED, o.res, NULL, 0, NULL, false);
			stats_add(h, KISO_ST_FAILED, false, false);
			rn_out_unlock(r);
			return RN_FAILED;
		}
	}
	if (noop || !ok) {
		/* step through the same tasks so the barriers stay matched */
		if (td->loop)
			return RN_OK;
		if (is_role) {
			if (td->inc_role)
				rn_role(h, td->inc_role, true, &rc);
		} else {
			rc = rn_list(h, &td->body, true);
		}
		return rc == RN_STOP ? RN_STOP : RN_OK;
	}
	{
		struct kiso_value *items = NULL;
		const struct kiso_value *lc = kiso_map_get(td->kw, "loop_control");
		struct kiso_value *iv = kiso_map_get(td->kw, "vars");
		struct kiso_value *params = NULL;
		size_t n = 1;
		bool detached = false;
		struct kiso_vars *v = h->hr->vars;

		/* include_tasks' free-form file and 'vars' are parameters of the include */
		if (iv && iv->type == KISO_MAP)
			params = iv;
		if (td->loop) {
			const char *fm = NULL;
			items = loop_items(&c, &fm);
			if (!items) {
				struct outcome o;
				memset(&o, 0, sizeof(o));
				fail_out(&c, &o, fm);
				rn_out_lock(r);
				rn_header(h, td, "TASK", c.name);
				emit(&c, KISO_ST_FAILED, o.res, NULL, 0, NULL, false);
				stats_add(h, KISO_ST_FAILED, false, false);
				rn_out_unlock(r);
				return RN_FAILED;
			}
			n = items->u.list.len;
			/* items differ per host: run the included tasks out of step */
			if (h->b->linear) {
				pthread_mutex_lock(&h->b->mu);
				h->b->participants--;
				if (h->b->arrived && h->b->arrived >= h->b->participants) {
					rn_batch_policy(h->b);
					h->b->arrived = 0;
					h->b->gen++;
					pthread_cond_broadcast(&h->b->cv);
				}
				pthread_mutex_unlock(&h->b->mu);
				h->left = true;
				h->forced = true;
				detached = true;
			}
		}
		if (!is_role) {
			rn_out_lock(r);
			printf("included: %s for %s\n", td->file_path ? td->file_path : td->file,
			       h->hr->name);
			fflush(stdout);
			rn_out_unlock(r);
		}
		for (size_t i = 0; i < n && rc == RN_OK; i++) {
			struct kiso_value *lv = NULL;
			int x = RN_OK;

			if (items) {
				const char *lvname;
				lv = kiso_value_copy(kiso_vars_arena(v), loop_vars(&c, lc, items, i, &lvname));
			}
			if (params)
				kiso_vars_push(v, KISO_VARS_ROLE_PARAMS, params);
			if (lv)
				kiso_vars_push(v, KISO_VARS_LOOP, lv);
			if (is_role)
				rn_role(h, td->inc_role, false, &x);
			else
				x = rn_list(h, &td->body, false);
			if (lv)
				kiso_vars_pop(v, KISO_VARS_LOOP);
			if (params)
				kiso_vars_pop(v, KISO_VARS_ROLE_PARAMS);
			if (x == RN_FAILED || x == RN_STOP)
				rc = x;
		}
		if (detached) {
			bool dead = h->failed || h->unreachable || h->ended;
			h->forced = false;
			if (!dead) {
				pthread_mutex_lock(&h->b->mu);
				h->b->participants++;
				pthread_mutex_unlock(&h->b->mu);
				h->left = false;
			}
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- entry */

int rn_task(struct rn_host *h, struct kiso_taskdef *td, bool noop)
{
	switch (td->kind) {
	case KISO_TD_BLOCK: {
		bool guarded = td->rescue.len || td->always.len;
		int rc, r2;

		if (noop) {
			rc = rn_list(h, &td->block, true);
			if (rc != RN_STOP)
				rc = rn_list(h, &td->rescue, true);
			if (rc != RN_STOP)
				rc = rn_list(h, &td->always, true);
			return rc == RN_STOP ? RN_STOP : RN_OK;
		}
		if (guarded)
			h->depth++;
		rc = rn_list(h, &td->block, false);
		if (rc == RN_STOP) {
			if (guarded)
				h->depth--;
			return RN_STOP;
		}
		if (rc == RN_FAILED && td->rescue.len) {
			r2 = rn_list(h, &td->rescue, false);
			if (r2 == RN_OK) {
				rn_out_lock(h->b->r);
				h->hr->st.failed--;
				h->hr->st.rescued++;
				if (h->b->fatal_failure) {
					/* a rescued failure is not fatal to the others */
				}
				rn_out_unlock(h->b->r);
			}
			rc = r2;
		} else if (td->rescue.len) {
			if (rn_list(h, &td->rescue, true) == RN_STOP) {
				if (guarded)
					h->depth--;
				return RN_STOP;
			}
		}
		if (td->always.len && rc != RN_STOP) {
			r2 = rn_list(h, &td->always, false);
			if (r2 != RN_OK)
				rc = r2;
		}
		if (guarded)
			h->depth--;
		return rc;
	}
	case KISO_TD_IMPORT_TASKS:
		return rn_list(h, &td->body, noop);
	case KISO_TD_IMPORT_ROLE: {
		int rc = RN_OK;
		if (td->inc_role)
			rn_role(h, td->inc_role, noop, &rc);
		return rc;
	}
	case KISO_TD_INCLUDE_TASKS:
	case KISO_TD_INCLUDE_ROLE:
		return include_task(h, td, noop);
	case KISO_TD_META:
		if (!tags_ok(h, td) || !started(h, td))
			return RN_OK;
		return meta_task(h, td, noop);
	case KISO_TD_MODULE:
		break;
	}
	if (td->module && !strcmp(td->module->name, "meta")) {
		if (!tags_ok(h, td) || !started(h, td))
			return RN_OK;
		return meta_task(h, td, noop);
	}
	if (!td->is_handler && (!tags_ok(h, td) || !started(h, td)))
		return RN_OK;
	if (!td->is_handler) {
		h->step++;
		rn_barrier(h->b, h);
		if (h->b->abort || h->b->end_play) {
			rn_leave(h->b, h);
			return RN_STOP;
		}
	}
	if (noop)
		return h->left && !h->forced ? RN_STOP : RN_OK;
	if (h->left && !h->forced)
		return RN_STOP;

	/* run_once: the first live host of the batch runs it for all */
	{
		struct tctx c0;
		bool once;

		kiso_arena_reset(h->ta);
		setup_ctx(&c0, h, td);
		once = c0.run_once;
		if (once) {
			struct rn_batch *b = h->b;
			bool mine = false;
			struct rn_once *on = NULL, dummy;
			int rc = RN_OK;

			pthread_mutex_lock(&b->mu);
			for (size_t i = 0; i < b->nonce; i++)
				if (b->once[i].td == td && (b->once[i].step == h->step || !b->linear))
					on = &b->once[i];
			if (!on && b->linear) {
				/* the first host of the batch still in play runs it */
				for (size_t i = 0; i < b->n; i++)
					if (!b->h[i]->left || b->h[i] == h) {
						if (b->h[i] != h)
							on = &dummy;
						break;
					}
			}
			if (!on) {
				b->once = kiso_xrealloc(b->once, (b->nonce + 1) * sizeof(*b->once));
				on = &b->once[b->nonce++];
				memset(on, 0, sizeof(*on));
				on->td = td;
				on->step = h->step;
				mine = true;
			}
			pthread_mutex_unlock(&b->mu);
			if (mine) {
				rn_fork_acquire(b);
				rc = module_task(h, td);
				rn_fork_release(b);
			}
			if (b->linear) {
				h->step++;
				rn_barrier(b, h);
			}
			if (!mine && !h->left) {
				struct kiso_value *res = NULL, *facts = NULL;
				const char *reg = NULL;
				pthread_mutex_lock(&b->mu);
				for (size_t i = 0; i < b->nonce; i++)
					if (b->once[i].td == td && b->once[i].done) {
						res = b->once[i].res;
						facts = b->once[i].facts;
						reg = b->once[i].reg;
					}
				pthread_mutex_unlock(&b->mu);
				rn_out_lock(b->r);
				if (res && reg)
					kiso_vars_register(h->hr->vars, reg, res);
				if (facts && facts->type == KISO_MAP)
					for (size_t i = 0; i < facts->u.map.len; i++)
						kiso_vars_set_fact(h->hr->vars,
								   facts->u.map.items[i].key->u.s.ptr,
								   facts->u.map.items[i].val);
				rn_out_unlock(b->r);
			}
			return rc;
		}
	}
	{
		int rc;
		rn_fork_acquire(h->b);
		rc = module_task(h, td);
		rn_fork_release(h->b);
		return rc;
	}
}

/* The play's implicit fact gathering ("Gathering Facts"). */
int rn_gather(struct rn_host *h)
{
	struct rn_run *r = h->b->r;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *facts = NULL;
	struct kiso_conn *conn;
	struct kiso_task_result res;
	struct kiso_value *rm;
	int rc;

	h->step++;
	rn_barrier(h->b, h);
	rn_fork_acquire(h->b);
	kiso_arena_reset(h->ta);
	rm = kiso_map_new(h->ta, KISO_POS_NONE);
	conn = rn_conn(h, NULL, &err);
	rc = conn ? kiso_facts_gather(&facts, h->ta, conn, &err) : KISO_EUNREACHABLE;
	rn_fork_release(h->b);
	memset(&res, 0, sizeof(res));
	res.action = "gather_facts";
	res.res = rm;
	rn_out_lock(r);
	rn_header(h, NULL, "TASK", "Gathering Facts");
	if (rc < 0) {
		kiso_map_set(h->ta, rm, "changed", B(h->ta, false));
		kiso_map_set(h->ta, rm, "msg", S(h->ta, err.msg));
		if (rc == KISO_EUNREACHABLE || rc == KISO_ETIMEOUT) {
			kiso_map_set(h->ta, rm, "unreachable", B(h->ta, true));
			res.status = KISO_ST_UNREACHABLE;
			stats_add(h, KISO_ST_UNREACHABLE, false, false);
			h->unreachable = true;
			h->hr->unreachable = true;
		} else {
			kiso_map_set(h->ta, rm, "failed", B(h->ta, true));
			res.status = KISO_ST_FAILED;
			stats_add(h, KISO_ST_FAILED, false, false);
			h->failed = true;
			h->hr->failed = true;
		}
		rn_emit(h, &res);
		rn_out_unlock(r);
		rn_leave(h->b, h);
		return RN_STOP;
	}
	facts = kiso_facts_filter(h->ta, facts, h->b->gather_subset, NULL);
	kiso_vars_set_facts(h->hr->vars, facts);
	kiso_map_set(h->ta, rm, "changed", B(h->ta, false));
	res.status = KISO_ST_OK;
	stats_add(h, KISO_ST_OK, false, false);
	rn_emit(h, &res);
	rn_out_unlock(r);
	return RN_OK;
}
