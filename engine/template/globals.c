/*
 * template/globals.c - the functions a template can call by name:
 * range(), dict(), namespace(), now(), joiner(), cycler(), and Ansible's
 * undef(hint), lookup(), query() and q() with the lookup plugins file, env, template, vars,
 * first_found, fileglob, items, list, dict, indexed_items, together,
 * nested, sequence, subelements, pipe and lines (the last two run a
 * command on the controller, as Ansible does; not in fuzzing builds).
 *
 * lookup() returns what Ansible's Templar._lookup returns: a list with
 * wantlist=True (and always for query/q), otherwise the strings joined
 * with ',' (or the one item, or the list, when items are not strings).
 * Lookup results are unsafe, as in Ansible (allow_unsafe is off): they
 * are not templated again.
 */
#include "kiso_common.h"
#include "template/internal.h"

/* printf formats assembled here from validated Python format specs */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static const char *const globals[] = {
	"range", "lookup", "query", "q", "dict", "namespace", "now", "joiner", "cycler", "undef",
	NULL,
};

bool tmpl_global_exists(const char *name)
{
	for (size_t i = 0; globals[i]; i++)
		if (!strcmp(globals[i], name))
			return true;
	return false;
}

struct gargs {
	struct kiso_value **args;
	size_t nargs;
	const char *const *kwn;
	struct kiso_value **kwv;
	size_t nkw;
};

static struct kiso_value *kw(const struct gargs *g, const char *name)
{
	for (size_t i = 0; i < g->nkw; i++)
		if (!strcmp(g->kwn[i], name))
			return g->kwv[i];
	return NULL;
}

static void ret(struct ev *out, struct kiso_value *v)
{
	memset(out, 0, sizeof(*out));
	out->kind = EV_VAL;
	out->v = v;
}

static struct kiso_value *owned_list(struct rstate *st)
{
	struct kiso_value *l = kiso_list_new(st->a, KISO_POS_NONE);

	l->flags |= TMPL_VF_OWNED;
	return l;
}

static bool intarg(const struct kiso_value *v, int64_t *out)
{
	if (v->type == KISO_INT)
		*out = v->u.i;
	else if (v->type == KISO_BOOL)
		*out = v->u.b;
	else
		return false;
	return true;
}

static int g_range(struct ev *out, struct rstate *st, uint32_t off, struct gargs *g)
{
	int64_t v[3] = { 0, 0, 1 };

	if (g->nargs < 1 || g->nargs > 3)
		return tmpl_err(st, KISO_EFAIL, off, "range expected 1 to 3 arguments, got %zu",
				g->nargs);
	for (size_t i = 0; i < g->nargs; i++)
		if (!intarg(g->args[i], &v[g->nargs == 1 ? 1 : i]))
			return tmpl_err(st, KISO_EFAIL, off,
					"'%s' object cannot be interpreted as an integer",
					kiso_value_type_name(g->args[i]));
	if (v[2] == 0)
		return tmpl_err(st, KISO_EFAIL, off, "range() arg 3 must not be zero");
	int64_t start = v[0], stop = v[1], step = v[2];
	/* count without overflow: work in unsigned 128 via long double */
	__int128 cnt = 0;

	if (step > 0 && start < stop)
		cnt = ((__int128)stop - start + step - 1) / step;
	else if (step < 0 && start > stop)
		cnt = ((__int128)start - stop - step - 1) / -(__int128)step;
	if (cnt > (__int128)tmpl_limits.max_items)
		return tmpl_err(st, KISO_EFAIL, off,
				"range too big (%llu items, kiso allows %zu)", (unsigned long long)cnt,
				tmpl_limits.max_items);
	struct kiso_value *l = owned_list(st);

	for (int64_t i = 0; i < (int64_t)cnt; i++)
		kiso_list_push(st->a, l, kiso_int(st->a, start + i * step, KISO_POS_NONE));
	ret(out, l);
	return 0;
}

static int g_dict(struct ev *out, struct rstate *st, uint32_t off, struct gargs *g)
{
	struct kiso_value *m = kiso_map_new(st->a, KISO_POS_NONE);

	m->flags |= TMPL_VF_OWNED;
	if (g->nargs > 1)
		return tmpl_err(st, KISO_EFAIL, off, "dict expected at most 1 argument, got %zu",
				g->nargs);
	if (g->nargs == 1) {
		struct kiso_value *a = g->args[0];

		if (a->type == KISO_MAP) {
			for (size_t i = 0; i < a->u.map.len; i++)
				kiso_map_setv(st->a, m, a->u.map.items[i].key, a->u.map.items[i].val);
		} else if (a->type == KISO_LIST) {
			for (size_t i = 0; i < a->u.list.len; i++) {
				struct kiso_value *p = a->u.list.items[i];

				if (p->type != KISO_LIST || p->u.list.len != 2)
					return tmpl_err(st, KISO_EFAIL, off,
							"dictionary update sequence element #%zu has "
							"the wrong length", i);
				if (p->u.list.items[0]->type == KISO_LIST || p->u.list.items[0]->type == KISO_MAP)
					return tmpl_err(st, KISO_EFAIL, off, "unhashable type: '%s'",
							kiso_value_type_name(p->u.list.items[0]));
				kiso_map_setv(st->a, m, p->u.list.items[0], p->u.list.items[1]);
			}
		} else {
			return tmpl_err(st, KISO_EFAIL, off, "'%s' object is not iterable",
					kiso_value_type_name(a));
		}
	}
	for (size_t i = 0; i < g->nkw; i++)
		kiso_map_set(st->a, m, g->kwn[i], g->kwv[i]);
	ret(out, m);
	return 0;
}

static int g_namespace(struct ev *out, struct rstate *st, uint32_t off, struct gargs *g)
{
	int rc = g_dict(out, st, off, g);

	if (rc)
		return rc;
	out->kind = EV_NS;
	return 0;
}

static int g_now(struct ev *out, struct rstate *st, uint32_t off, struct gargs *g)
{
	struct kiso_value *utc = kw(g, "utc"), *fmt = kw(g, "fmt");
	struct timespec ts;
	struct tm tm;
	char buf[256];

	if (!utc && g->nargs > 0)
		utc = g->args[0];
	if (!fmt && g->nargs > 1)
		fmt = g->args[1];
	clock_gettime(CLOCK_REALTIME, &ts);
	if (utc && kiso_value_truthy(utc))
		gmtime_r(&ts.tv_sec, &tm);
	else
		localtime_r(&ts.tv_sec, &tm);
	if (fmt && fmt->type == KISO_STR) {
		size_t n = strftime(buf, sizeof(buf), fmt->u.s.ptr, &tm);

		ret(out, kiso_strn(st->a, buf, n, KISO_POS_NONE));
		return 0;
	}
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);

	snprintf(buf + n, sizeof(buf) - n, ".%06ld", (long)(ts.tv_nsec / 1000));
	ret(out, kiso_str(st->a, buf, KISO_POS_NONE));
	return 0;
}

/* ---- files ---- */

static bool is_file(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

void tmpl_find_file(const char **out, struct rstate *st, const char *subdir, const char *name)
{
	const char *const *sp = st->ctx->search_path;
	static const char *const cwd[] = { ".", NULL };

	*out = NULL;
	if (name[0] == '/') {
		if (is_file(name))
			*out = kiso_arena_strdup(st->a, name);
		return;
	}
	if (!sp || !sp[0])
		sp = cwd;
	for (size_t i = 0; sp[i]; i++) {
		char *p;

		if (subdir) {
			p = kiso_arena_sprintf(st->a, "%s/%s/%s", sp[i], subdir, name);
			if (is_file(p)) {
				*out = p;
				return;
			}
		}
		p = kiso_arena_sprintf(st->a, "%s/%s", sp[i], name);
		if (is_file(p)) {
			*out = p;
			return;
		}
	}
}

int tmpl_read_file(char **out, size_t *len, struct rstate *st, uint32_t off, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct kiso_buf b = KISO_BUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f)
		return tmpl_err(st, KISO_ENOTFOUND, off, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		kiso_buf_add(&b, chunk, n);
		if (b.len > tmpl_limits.max_str) {
			fclose(f);
			kiso_buf_release(&b);
			return tmpl_err(st, KISO_EFAIL, off, "file '%s' is too big", path);
		}
	}
	bool bad = ferror(f);

	fclose(f);
	if (bad) {
		kiso_buf_release(&b);
		return tmpl_err(st, KISO_EFAIL, off, "cannot read '%s'", path);
	}
	*out = kiso_arena_strndup(st->a, kiso_buf_cstr(&b), b.len);
	*len = b.len;
	kiso_buf_release(&b);
	return 0;
}

/* ---- lookup plugins: each appends its results to 'res' ---- */

typedef int (*lookup_fn)(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g);

static int need_str_term(struct rstate *st, uint32_t off, const char *plugin,
			 const struct kiso_value *t)
{
	if (t->type != KISO_STR)
		return tmpl_err(st, KISO_EFAIL, off, "lookup '%s': expected a string term, got %s",
				plugin, kiso_value_type_name(t));
	return 0;
}

static int lk_file(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	struct kiso_value *lv = kw(g, "lstrip"), *rv = kw(g, "rstrip");
	bool lstrip = lv && kiso_value_truthy(lv), rstrip = !rv || kiso_value_truthy(rv);

	for (size_t i = 0; i < g->nargs; i++) {
		const char *path;
		char *data;
		size_t len;
		int rc;

		if ((rc = need_str_term(st, off, "file", g->args[i])))
			return rc;
		tmpl_find_file(&path, st, "files", g->args[i]->u.s.ptr);
		if (!path)
			return tmpl_err(st, KISO_ENOTFOUND, off, "could not locate file in lookup: %s",
					g->args[i]->u.s.ptr);
		if ((rc = tmpl_read_file(&data, &len, st, off, path)))
			return rc;
		size_t b = 0;

		if (lstrip)
			while (b < len && isspace((unsigned char)data[b]))
				b++;
		if (rstrip)
			while (len > b && isspace((unsigned char)data[len - 1]))
				len--;
		kiso_list_push(st->a, res, kiso_strn(st->a, data + b, len - b, KISO_POS_NONE));
	}
	return 0;
}

static int lk_env(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	struct kiso_value *dv = kw(g, "default");

	for (size_t i = 0; i < g->nargs; i++) {
		int rc = need_str_term(st, off, "env", g->args[i]);

		if (rc)
			return rc;
		const char *name = g->args[i]->u.s.ptr, *val = NULL;

		if (st->ctx->environ) {
			size_t nl = strlen(name);

			for (const char *const *e = st->ctx->environ; *e; e++)
				if (!strncmp(*e, name, nl) && (*e)[nl] == '=') {
					val = *e + nl + 1;
					break;
				}
		} else {
			val = getenv(name);
		}
		if (val)
			kiso_list_push(st->a, res, kiso_str(st->a, val, KISO_POS_NONE));
		else
			kiso_list_push(st->a, res, dv ? dv : kiso_str(st->a, "", KISO_POS_NONE));
	}
	return 0;
}

static int lk_template(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	for (size_t i = 0; i < g->nargs; i++) {
		const char *path;
		struct kiso_buf b = KISO_BUF_INIT;
		int rc = need_str_term(st, off, "template", g->args[i]);

		if (rc)
			return rc;
		tmpl_find_file(&path, st, "templates", g->args[i]->u.s.ptr);
		if (!path)
			return tmpl_err(st, KISO_ENOTFOUND, off,
					"the template file %s could not be found for the lookup",
					g->args[i]->u.s.ptr);
		if ((rc = tmpl_render_file(&b, st, off, path, false))) {
			kiso_buf_release(&b);
			return rc;
		}
		kiso_list_push(st->a, res, kiso_strn(st->a, kiso_buf_cstr(&b), b.len, KISO_POS_NONE));
		kiso_buf_release(&b);
	}
	return 0;
}

static int lk_vars(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	struct kiso_value *dv = kw(g, "default");

	for (size_t i = 0; i < g->nargs; i++) {
		struct ev e;
		int rc = need_str_term(st, off, "vars", g->args[i]);

		if (rc || (rc = tmpl_scope_find(&e, st, g->args[i]->u.s.ptr, off)))
			return rc;
		if (e.kind != EV_VAL) {
			if (dv) {
				kiso_list_push(st->a, res, dv);
				continue;
			}
			return tmpl_err(st, KISO_EUNDEFINED, off, "No variable found with this name: %s",
					g->args[i]->u.s.ptr);
		}
		kiso_list_push(st->a, res, e.v);
	}
	return 0;
}

/* Splits "a,b;c" on any of 'seps' (first_found's _split_on). */
static void split_on(struct rstate *st, struct kiso_value *into, const struct kiso_value *v,
		     const char *seps)
{
	if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			split_on(st, into, v->u.list.items[i], seps);
		return;
	}
	if (v->type != KISO_STR)
		return;
	const char *s = v->u.s.ptr;

	while (*s) {
		size_t n = strcspn(s, seps);

		kiso_list_push(st->a, into, kiso_strn(st->a, s, n, KISO_POS_NONE));
		s += n;
		if (*s)
			s++;
	}
}

static int lk_first_found(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	struct kiso_value *files = owned_list(st), *paths = owned_list(st);
	struct kiso_value *skipv = kw(g, "skip");
	bool skip = skipv && kiso_value_truthy(skipv);
	struct kiso_value *kf = kw(g, "files"), *kp = kw(g, "paths");

	/* terms: strings and lists are file names; dicts carry files/paths/skip */
	for (size_t i = 0; i < g->nargs; i++) {
		struct kiso_value *t = g->args[i];

		if (t->type == KISO_MAP) {
			struct kiso_value *f = kiso_map_get(t, "files"), *p = kiso_map_get(t, "paths");
			struct kiso_value *s = kiso_map_get(t, "skip");

			if (f)
				split_on(st, files, f, ",;");
			if (p)
				split_on(st, paths, p, ",:;");
			if (s)
				skip = kiso_value_truthy(s);
		} else if (t->type == KISO_LIST) {
			for (size_t k = 0; k < t->u.list.len; k++)
				if (t->u.list.items[k]->type == KISO_MAP) {
					struct gargs sub = { &t->u.list.items[k], 1, g->kwn, g->kwv, g->nkw };
					struct kiso_value *r2 = owned_list(st);
					int rc = lk_first_found(r2, st, off, &sub);

					if (rc)
						return rc;
					if (r2->u.list.len) {
						kiso_list_push(st->a, res, r2->u.list.items[0]);
						return 0;
					}
				} else {
					kiso_list_push(st->a, files, t->u.list.items[k]);
				}
		} else {
			kiso_list_push(st->a, files, t);
		}
	}
	if (kf)
		split_on(st, files, kf, ",;");
	if (kp)
		split_on(st, paths, kp, ",:;");
	for (size_t i = 0; i < files->u.list.len; i++) {
		struct kiso_value *f = files->u.list.items[i];
		const char *found = NULL;

		if (f->type != KISO_STR)
			continue;
		if (paths->u.list.len == 0) {
			tmpl_find_file(&found, st, "files", f->u.s.ptr);
		} else {
			for (size_t k = 0; k < paths->u.list.len && !found; k++) {
				const char *p = paths->u.list.items[k]->u.s.ptr;
				char *full = kiso_arena_sprintf(st->a, "%s/%s", p, f->u.s.ptr);

				if (f->u.s.ptr[0] == '/')
					full = f->u.s.ptr;
				tmpl_find_file(&found, st, "files", full);
			}
		}
		if (found) {
			kiso_list_push(st->a, res, kiso_str(st->a, found, KISO_POS_NONE));
			return 0;
		}
	}
	if (skip)
		return 0;
	return tmpl_err(st, KISO_ENOTFOUND, off,
			"No file was found when using first_found. Use errors='ignore' to allow this "
			"task to be skipped if no files are found");
}

static int lk_fileglob(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	for (size_t i = 0; i < g->nargs; i++) {
		int rc = need_str_term(st, off, "fileglob", g->args[i]);

		if (rc)
			return rc;
		const char *term = g->args[i]->u.s.ptr;
		const char *slash = strrchr(term, '/');
		const char *const *sp = st->ctx->search_path;
		static const char *const cwd[] = { ".", NULL };
		char *pats[64];
		size_t np = 0;

		if (term[0] == '/') {
			pats[np++] = kiso_arena_strdup(st->a, term);
		} else {
			if (!sp || !sp[0])
				sp = cwd;
			for (size_t k = 0; sp[k] && np + 2 <= KISO_ARRAY_SIZE(pats); k++) {
				pats[np++] = kiso_arena_sprintf(st->a, "%s/files/%s", sp[k], term);
				pats[np++] = kiso_arena_sprintf(st->a, "%s/%s", sp[k], term);
			}
		}
		(void)slash;
		for (size_t k = 0; k < np; k++) {
			glob_t gl;
			bool any = false;

			if (glob(pats[k], 0, NULL, &gl) == 0) {
				for (size_t j = 0; j < gl.gl_pathc; j++)
					if (is_file(gl.gl_pathv[j])) {
						kiso_list_push(st->a, res,
							       kiso_str(st->a, gl.gl_pathv[j], KISO_POS_NONE));
						any = true;
					}
			}
			globfree(&gl);
			if (any)
				break;
		}
	}
	return 0;
}

static int lk_items(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	for (size_t i = 0; i < g->nargs; i++) {
		struct kiso_value *t = g->args[i];

		if (t->type == KISO_LIST)
			for (size_t k = 0; k < t->u.list.len; k++)
				kiso_list_push(st->a, res, t->u.list.items[k]);
		else
			kiso_list_push(st->a, res, t);
	}
	return 0;
}

static int lk_list(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	for (size_t i = 0; i < g->nargs; i++)
		kiso_list_push(st->a, res, g->args[i]);
	return 0;
}

static int lk_dict(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	for (size_t i = 0; i < g->nargs; i++) {
		struct kiso_value *t = g->args[i];

		if (t->type != KISO_MAP)
			return tmpl_err(st, KISO_EFAIL, off,
					"with_dict expects a dict");
		for (size_t k = 0; k < t->u.map.len; k++) {
			struct kiso_value *m = kiso_map_new(st->a, KISO_POS_NONE);

			kiso_map_set(st->a, m, "key", t->u.map.items[k].key);
			kiso_map_set(st->a, m, "value", t->u.map.items[k].val);
			kiso_list_push(st->a, res, m);
		}
	}
	return 0;
}

static int lk_indexed_items(struct kiso_value *res, struct rstate *st, uint32_t off,
			    struct gargs *g)
{
	struct kiso_value *flat = owned_list(st);

	lk_items(flat, st, off, g);
	for (size_t i = 0; i < flat->u.list.len; i++) {
		struct kiso_value *p = kiso_list_new(st->a, KISO_POS_NONE);

		p->flags |= TMPL_VF_TUPLE;
		kiso_list_push(st->a, p, kiso_int(st->a, (int64_t)i, KISO_POS_NONE));
		kiso_list_push(st->a, p, flat->u.list.items[i]);
		kiso_list_push(st->a, res, p);
	}
	return 0;
}

static int lk_together(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	size_t maxlen = 0;

	if (g->nargs == 0)
		return tmpl_err(st, KISO_EFAIL, off, "with_together requires at least one element in each list");
	for (size_t i = 0; i < g->nargs; i++) {
		if (g->args[i]->type != KISO_LIST)
			return tmpl_err(st, KISO_EFAIL, off, "with_together expects lists");
		if (g->args[i]->u.list.len > maxlen)
			maxlen = g->args[i]->u.list.len;
	}
	for (size_t k = 0; k < maxlen; k++) {
		struct kiso_value *row = kiso_list_new(st->a, KISO_POS_NONE);

		for (size_t i = 0; i < g->nargs; i++)
			kiso_list_push(st->a, row, k < g->args[i]->u.list.len ? g->args[i]->u.list.items[k]
									       : kiso_null(st->a, KISO_POS_NONE));
		kiso_list_push(st->a, res, row);
	}
	return 0;
}

static int lk_nested(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	size_t total = 1;

	if (g->nargs == 0)
		return tmpl_err(st, KISO_EFAIL, off, "with_nested requires at least one element in the nested list");
	for (size_t i = 0; i < g->nargs; i++) {
		if (g->args[i]->type != KISO_LIST)
			return tmpl_err(st, KISO_EFAIL, off, "with_nested expects lists");
		total *= g->args[i]->u.list.len;
		if (total > tmpl_limits.max_items)
			return tmpl_err(st, KISO_EFAIL, off, "with_nested: too many combinations");
	}
	for (size_t k = 0; k < total; k++) {
		struct kiso_value *row = kiso_list_new(st->a, KISO_POS_NONE);
		size_t rem = k;
		struct kiso_value **tmp = kiso_arena_alloc(st->a, g->nargs * sizeof(*tmp));

		for (size_t i = g->nargs; i-- > 0;) {
			size_t n = g->args[i]->u.list.len;

			tmp[i] = g->args[i]->u.list.items[rem % n];
			rem /= n;
		}
		for (size_t i = 0; i < g->nargs; i++)
			kiso_list_push(st->a, row, tmp[i]);
		kiso_list_push(st->a, res, row);
	}
	return 0;
}

/* Python's int(s, 0): 0x/0o/0b prefixes, no leading zeros on decimals. */
static bool int0(const char *s, int64_t *out)
{
	int base = 10;
	const char *p = s;
	char *end;
	bool neg = false;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && p[1] && strchr("xXoObB", p[1])) {
		base = (p[1] | 0x20) == 'x' ? 16 : (p[1] | 0x20) == 'o' ? 8 : 2;
		p += 2;
	} else if (p[0] == '0' && p[1]) {
		return false;
	}
	if (!*p || *p == '-' || *p == '+' || isspace((unsigned char)*p))
		return false;
	errno = 0;
	long long v = strtoll(p, &end, base);

	if (*end || errno)
		return false;
	*out = neg ? -v : v;
	return true;
}

/* One printf conversion of a Python %-format with exactly one '%'. */
static int seq_format(struct kiso_buf *b, const char *fmt, int64_t v)
{
	const char *pc = strchr(fmt, '%');
	char spec[40];
	size_t k = 0;
	const char *q = pc + 1;

	spec[k++] = '%';
	while (*q && strchr("-+ #0", *q) && k < 10)
		spec[k++] = *q++;
	size_t w0 = k;

	while (*q && isdigit((unsigned char)*q) && k < 20)
		spec[k++] = *q++;
	/* widths and precisions past 5 digits would build strings beyond every output limit */
	if (k - w0 > 5)
		return -1;
	if (*q == '.') {
		spec[k++] = *q++;
		w0 = k;
		while (*q && isdigit((unsigned char)*q) && k < 30)
			spec[k++] = *q++;
		if (k - w0 > 5)
			return -1;
	}
	if (!*q || (isdigit((unsigned char)*q)))
		return -1;
	char conv = *q++;

	kiso_buf_add(b, fmt, (size_t)(pc - fmt));
	if (strchr("diouxX", conv)) {
		spec[k++] = 'l';
		spec[k++] = 'l';
		spec[k++] = conv == 'i' || conv == 'u' ? 'd' : conv;
		spec[k] = 0;
		kiso_buf_printf(b, spec, (long long)v);
	} else if (strchr("eEfFgG", conv)) {
		spec[k++] = conv;
		spec[k] = 0;
		kiso_buf_printf(b, spec, (double)v);
	} else if (conv == 's' || conv == 'r') {
		char num[32];

		snprintf(num, sizeof(num), "%lld", (long long)v);
		spec[k++] = 's';
		spec[k] = 0;
		kiso_buf_printf(b, spec, num);
	} else {
		return -1;
	}
	kiso_buf_puts(b, q);
	return 0;
}

static int lk_sequence(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	for (size_t i = 0; i < g->nargs; i++) {
		int rc = need_str_term(st, off, "sequence", g->args[i]);

		if (rc)
			return rc;
		const char *term = g->args[i]->u.s.ptr;
		int64_t start = 1, end = 0, stride = 1, count = 0;
		bool has_end = false, has_count = false;
		const char *fmt = "%d";
		/* shortcut: [start-]end[/stride][:format] */
		char *t = kiso_arena_strdup(st->a, term), *colon = strchr(t, ':');
		bool simple = true;

		if (colon) {
			*colon = 0;
			fmt = colon + 1;
			if (!*fmt)
				simple = false;
		}
		char *slash = strchr(t, '/'), *dash = strchr(t, '-');

		if (slash)
			*slash = 0;
		if (dash)
			*dash = 0;
		if (simple && dash && !int0(t, &start))
			simple = false;
		if (simple && !int0(dash ? dash + 1 : t, &end))
			simple = false;
		if (simple && slash && !int0(slash + 1, &stride))
			simple = false;
		has_end = simple;
		if (!simple) {
			/* key=value form */
			char *kv = kiso_arena_strdup(st->a, term), *save = NULL;

			start = 1;
			stride = 1;
			fmt = "%d";
			for (char *w = strtok_r(kv, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
				char *eq = strchr(w, '=');
				int64_t *slot = NULL;

				if (!eq)
					return tmpl_err(st, KISO_EFAIL, off, "unrecognized arguments to with_sequence: ['%s']", w);
				*eq = 0;
				if (!strcmp(w, "start"))
					slot = &start;
				else if (!strcmp(w, "end"))
					slot = &end, has_end = true;
				else if (!strcmp(w, "count"))
					slot = &count, has_count = true;
				else if (!strcmp(w, "stride"))
					slot = &stride;
				else if (!strcmp(w, "format"))
					fmt = eq + 1;
				else
					return tmpl_err(st, KISO_EFAIL, off, "unrecognized arguments to with_sequence: ['%s']", w);
				if (slot && !int0(eq + 1, slot))
					return tmpl_err(st, KISO_EFAIL, off, "can't parse %s=%s as integer", w, eq + 1);
			}
		}
		if (!has_end && !has_count)
			return tmpl_err(st, KISO_EFAIL, off, "must specify count or end in with_sequence");
		if (has_end && has_count)
			return tmpl_err(st, KISO_EFAIL, off, "can't specify both count and end in with_sequence");
		if (has_count) {
			if (count != 0) {
				end = start + count * stride - 1;
			} else {
				start = end = stride = 0;
			}
		}
		if (stride > 0 && end < start)
			return tmpl_err(st, KISO_EFAIL, off, "to count backwards make stride negative");
		if (stride < 0 && end > start)
			return tmpl_err(st, KISO_EFAIL, off, "to count forward don't make stride negative");
		size_t pcs = 0;

		for (const char *c = fmt; *c; c++)
			pcs += *c == '%';
		if (pcs != 1)
			return tmpl_err(st, KISO_EFAIL, off, "bad formatting string: %s", fmt);
		if (stride == 0)
			continue; /* Python: range() with step 0 raises; count=0 gives nothing */
		int64_t last = end + (stride >= 0 ? 1 : -1);
		__int128 n = stride > 0 ? ((__int128)last - start + stride - 1) / stride
					: ((__int128)start - last - stride - 1) / -(__int128)stride;

		if (n > (__int128)tmpl_limits.max_items)
			return tmpl_err(st, KISO_EFAIL, off, "sequence too long");
		for (int64_t k = 0; k < (int64_t)n; k++) {
			struct kiso_buf b = KISO_BUF_INIT;

			if (seq_format(&b, fmt, start + k * stride) < 0) {
				kiso_buf_release(&b);
				return tmpl_err(st, KISO_EFAIL, off,
						"problem formatting %lld with %s", (long long)(start + k * stride), fmt);
			}
			kiso_list_push(st->a, res, kiso_strn(st->a, kiso_buf_cstr(&b), b.len, KISO_POS_NONE));
			kiso_buf_release(&b);
		}
	}
	return 0;
}

/* A copy of map m without key k (Ansible's subelements pops the key). */
static struct kiso_value *map_without(struct rstate *st, const struct kiso_value *m, const char *k)
{
	struct kiso_value *c = kiso_map_new(st->a, m->pos);

	for (size_t i = 0; i < m->u.map.len; i++) {
		const struct kiso_value *key = m->u.map.items[i].key;

		if (key->type == KISO_STR && !strcmp(key->u.s.ptr, k))
			continue;
		kiso_map_setv(st->a, c, m->u.map.items[i].key, m->u.map.items[i].val);
	}
	return c;
}

/* item0 with the path's last key removed from its innermost dict. */
static struct kiso_value *pop_path(struct rstate *st, struct kiso_value *m, char **keys, size_t n)
{
	if (n == 1)
		return map_without(st, m, keys[0]);
	struct kiso_value *c = map_without(st, m, "");
	struct kiso_value *inner = kiso_map_get(m, keys[0]);

	kiso_map_set(st->a, c, keys[0], pop_path(st, inner, keys + 1, n - 1));
	return c;
}

static int lk_subelements(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	if (g->nargs < 2 || g->nargs > 3)
		return tmpl_err(st, KISO_EFAIL, off, "subelements lookup expects a list of two or three items, ");
	struct kiso_value *items = g->args[0];

	if ((items->type != KISO_LIST && items->type != KISO_MAP) || g->args[1]->type != KISO_STR)
		return tmpl_err(st, KISO_EFAIL, off,
				"subelements lookup expects a list of two or three items, first a dict "
				"or a list, second a string pointing to the subkey");
	bool skip_missing = false;
	char *path = kiso_arena_strdup(st->a, g->args[1]->u.s.ptr), *save = NULL;
	char *keys[64];
	size_t nk = 0;

	for (char *w = strtok_r(path, ".", &save); w && nk < KISO_ARRAY_SIZE(keys); w = strtok_r(NULL, ".", &save))
		keys[nk++] = w;
	if (nk == 0)
		return tmpl_err(st, KISO_EFAIL, off, "could not find '' key in iterated item");
	if (g->nargs == 3) {
		struct kiso_value *sm;

		if (g->args[2]->type != KISO_MAP)
			return tmpl_err(st, KISO_EFAIL, off,
					"subelements lookup expects a list of two or three items, the optional "
					"third item must be a dict with flags ['skip_missing']");
		if ((sm = kiso_map_get(g->args[2], "skip_missing")))
			skip_missing = kiso_value_truthy(sm);
	}
	if (items->type == KISO_MAP) {
		struct kiso_value *sk = kiso_map_get(items, "skipped"), *l = owned_list(st);

		if (sk && !(sk->type == KISO_BOOL && !sk->u.b))
			return 0;
		for (size_t i = 0; i < items->u.map.len; i++)
			kiso_list_push(st->a, l, items->u.map.items[i].val);
		items = l;
	}
	for (size_t i = 0; i < items->u.list.len; i++) {
		struct kiso_value *it = items->u.list.items[i], *sv = it, *sk;
		bool found = true;

		if (it->type != KISO_MAP) {
			struct kiso_buf b = KISO_BUF_INIT;

			tmpl_repr(&b, it);
			int rc = tmpl_err(st, KISO_EFAIL, off,
					  "subelements lookup expects a dictionary, got '%s'", kiso_buf_cstr(&b));

			kiso_buf_release(&b);
			return rc;
		}
		if ((sk = kiso_map_get(it, "skipped")) && !(sk->type == KISO_BOOL && !sk->u.b))
			continue;
		for (size_t k = 0; k < nk && found; k++) {
			struct kiso_value *next = kiso_map_get(sv, keys[k]);

			if (!next) {
				if (skip_missing) {
					found = false;
					break;
				}
				struct kiso_buf b = KISO_BUF_INIT;

				tmpl_repr(&b, sv);
				int rc = tmpl_err(st, KISO_EFAIL, off,
						  "could not find '%s' key in iterated item '%s'", keys[k],
						  kiso_buf_cstr(&b));

				kiso_buf_release(&b);
				return rc;
			}
			if (k + 1 < nk && next->type != KISO_MAP) {
				if (skip_missing) {
					found = false;
					break;
				}
				return tmpl_err(st, KISO_EFAIL, off,
						"the key %s should point to a dictionary, got '%s'", keys[k],
						kiso_value_type_name(next));
			}
			if (k + 1 == nk && next->type != KISO_LIST)
				return tmpl_err(st, KISO_EFAIL, off, "the key %s should point to a list, got '%s'",
						keys[k], kiso_value_type_name(next));
			sv = next;
		}
		if (!found)
			continue;
		struct kiso_value *item0 = pop_path(st, it, keys, nk);

		for (size_t k = 0; k < sv->u.list.len; k++) {
			struct kiso_value *pair = kiso_list_new(st->a, KISO_POS_NONE);

			pair->flags |= TMPL_VF_TUPLE;
			kiso_list_push(st->a, pair, item0);
			kiso_list_push(st->a, pair, sv->u.list.items[k]);
			kiso_list_push(st->a, res, pair);
		}
	}
	return 0;
}

#ifndef KISO_FUZZING
/* pipe and lines run a command on the controller through /bin/sh, as Ansible does. */
static int run_cmd(char **out, size_t *len, struct rstate *st, uint32_t off, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	struct kiso_buf b = KISO_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!p)
		return tmpl_err(st, KISO_EFAIL, off, "cannot run '%s': %s", cmd, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		if (b.len < tmpl_limits.max_str)
			kiso_buf_add(&b, chunk, n);
	int status = pclose(p);

	if (status != 0) {
		kiso_buf_release(&b);
		return tmpl_err(st, KISO_EFAIL, off, "lookup_plugin.pipe(%s) returned %d", cmd,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	*out = kiso_arena_strndup(st->a, kiso_buf_cstr(&b), b.len);
	*len = b.len;
	kiso_buf_release(&b);
	return 0;
}

static int lk_pipe(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	for (size_t i = 0; i < g->nargs; i++) {
		char *o;
		size_t n;
		int rc = need_str_term(st, off, "pipe", g->args[i]);

		if (rc || (rc = run_cmd(&o, &n, st, off, g->args[i]->u.s.ptr)))
			return rc;
		while (n && isspace((unsigned char)o[n - 1]))
			n--;
		kiso_list_push(st->a, res, kiso_strn(st->a, o, n, KISO_POS_NONE));
	}
	return 0;
}

static int lk_lines(struct kiso_value *res, struct rstate *st, uint32_t off, struct gargs *g)
{
	for (size_t i = 0; i < g->nargs; i++) {
		char *o;
		size_t n;
		int rc = need_str_term(st, off, "lines", g->args[i]);

		if (rc || (rc = run_cmd(&o, &n, st, off, g->args[i]->u.s.ptr)))
			return rc;
		for (size_t s = 0; s < n;) {
			size_t e = s;

			while (e < n && o[e] != '\n' && o[e] != '\r')
				e++;
			kiso_list_push(st->a, res, kiso_strn(st->a, o + s, e - s, KISO_POS_NONE));
			if (e < n && o[e] == '\r' && e + 1 < n && o[e + 1] == '\n')
				e++;
			s = e + 1;
		}
	}
	return 0;
}
#endif

static const struct {
	const char *name;
	lookup_fn fn;
} lookups[] = {
	{ "file", lk_file },
	{ "env", lk_env },
	{ "template", lk_template },
	{ "vars", lk_vars },
	{ "first_found", lk_first_found },
	{ "fileglob", lk_fileglob },
	{ "items", lk_items },
	{ "list", lk_list },
	{ "dict", lk_dict },
	{ "indexed_items", lk_indexed_items },
	{ "together", lk_together },
	{ "nested", lk_nested },
	{ "sequence", lk_sequence },
	{ "subelements", lk_subelements },
#ifndef KISO_FUZZING
	{ "pipe", lk_pipe },
	{ "lines", lk_lines },
#endif
};

static int g_lookup(struct ev *out, struct rstate *st, uint32_t off, struct gargs *g,
		    bool wantlist)
{
	if (g->nargs < 1 || g->args[0]->type != KISO_STR)
		return tmpl_err(st, KISO_EFAIL, off, "lookup() needs the plugin name as first argument");
	const char *name = g->args[0]->u.s.ptr;

	if (!strncmp(name, "ansible.builtin.", 16))
		name += 16;
	lookup_fn fn = NULL;

	for (size_t i = 0; i < KISO_ARRAY_SIZE(lookups); i++)
		if (!strcmp(lookups[i].name, name))
			fn = lookups[i].fn;
	if (!fn)
		return tmpl_err(st, KISO_EFAIL, off, "lookup plugin (%s) not found", name);
	/* plugin options: everything but wantlist and errors */
	struct gargs sub = { g->args + 1, g->nargs - 1, NULL, NULL, 0 };
	const char **kn = kiso_arena_alloc(st->a, (g->nkw + 1) * sizeof(*kn));
	struct kiso_value **kv = kiso_arena_alloc(st->a, (g->nkw + 1) * sizeof(*kv));
	const char *errors = "strict";

	for (size_t i = 0; i < g->nkw; i++) {
		if (!strcmp(g->kwn[i], "wantlist")) {
			wantlist = wantlist || kiso_value_truthy(g->kwv[i]);
		} else if (!strcmp(g->kwn[i], "errors")) {
			if (g->kwv[i]->type == KISO_STR)
				errors = g->kwv[i]->u.s.ptr;
		} else if (strcmp(g->kwn[i], "allow_unsafe") != 0) {
			kn[sub.nkw] = g->kwn[i];
			kv[sub.nkw++] = g->kwv[i];
		}
	}
	sub.kwn = kn;
	sub.kwv = kv;
	struct kiso_value *res = owned_list(st);
	int rc = fn(res, st, off, &sub);

	if (rc) {
		if (strcmp(errors, "strict") != 0 && rc != KISO_EUNDEFINED) {
			kiso_error_clear(st->err);
			ret(out, wantlist ? owned_list(st) : kiso_null(st->a, KISO_POS_NONE));
			return 0;
		}
		return rc;
	}
	struct kiso_value *r = res;

	if (res->u.list.len && !wantlist) {
		bool allstr = true;

		for (size_t i = 0; i < res->u.list.len; i++)
			allstr &= res->u.list.items[i]->type == KISO_STR;
		if (allstr) {
			struct kiso_buf b = KISO_BUF_INIT;

			for (size_t i = 0; i < res->u.list.len; i++) {
				if (i)
					kiso_buf_putc(&b, ',');
				kiso_buf_add(&b, res->u.list.items[i]->u.s.ptr, res->u.list.items[i]->u.s.len);
			}
			r = kiso_strn(st->a, kiso_buf_cstr(&b), b.len, KISO_POS_NONE);
			kiso_buf_release(&b);
		} else if (res->u.list.len == 1) {
			r = res->u.list.items[0];
		}
	}
	if (res->u.list.len) {
		if (r->flags & KISO_VF_UNSAFE) {
			/* already unsafe */
		} else if (r == res || r->type == KISO_STR) {
			r->flags |= KISO_VF_UNSAFE;
		} else {
			r = kiso_value_copy(st->a, r);
			r->flags |= KISO_VF_UNSAFE;
		}
		st->unsafe = true;
	}
	ret(out, r);
	return 0;
}

int tmpl_global_call(struct ev *out, struct rstate *st, uint32_t off, const char *name,
		     struct kiso_value **args, size_t nargs, const char *const *kwn,
		     struct kiso_value **kwv, size_t nkw)
{
	struct gargs g = { args, nargs, kwn, kwv, nkw };

	if (!strcmp(name, "range"))
		return g_range(out, st, off, &g);
	if (!strcmp(name, "dict"))
		return g_dict(out, st, off, &g);
	if (!strcmp(name, "namespace"))
		return g_namespace(out, st, off, &g);
	if (!strcmp(name, "now"))
		return g_now(out, st, off, &g);
	if (!strcmp(name, "undef")) {
		/* Ansible's undef(hint): an undefined value that says what is missing */
		struct kiso_value *hint = nargs ? args[0] : kw(&g, "hint");
		struct kiso_buf b = KISO_BUF_INIT;

		if (hint && !(hint->type == KISO_STR && hint->u.s.len == 0))
			tmpl_str(&b, hint);
		else
			kiso_buf_puts(&b, "Mandatory variable has not been overridden");
		memset(out, 0, sizeof(*out));
		out->kind = EV_UNDEF;
		out->undef = kiso_arena_strdup(st->a, kiso_buf_cstr(&b));
		kiso_buf_release(&b);
		return 0;
	}
	if (!strcmp(name, "joiner") || !strcmp(name, "cycler")) {
		struct helper *h = kiso_arena_zalloc(st->a, sizeof(*h));

		h->cycler = name[0] == 'c';
		h->items = owned_list(st);
		if (h->cycler) {
			if (nargs == 0)
				return tmpl_err(st, KISO_EFAIL, off, "at least one item has to be provided");
			for (size_t i = 0; i < nargs; i++)
				kiso_list_push(st->a, h->items, args[i]);
		} else {
			struct kiso_value *sep = nargs ? args[0] : kw(&g, "sep");

			kiso_list_push(st->a, h->items, sep ? sep : kiso_str(st->a, ", ", KISO_POS_NONE));
		}
		memset(out, 0, sizeof(*out));
		out->kind = EV_HELPER;
		out->p = h;
		return 0;
	}
	if (!strcmp(name, "lookup"))
		return g_lookup(out, st, off, &g, false);
	if (!strcmp(name, "query") || !strcmp(name, "q"))
		return g_lookup(out, st, off, &g, true);
	return tmpl_err(st, KISO_EFAIL, off, "'%s' is undefined", name);
}
