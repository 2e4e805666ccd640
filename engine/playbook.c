/*
 * playbook.c - playbooks and plays: loading, import_playbook, the checks
 * that need a whole play (notify -> handlers), and the model helpers of
 * playbook.h (keyword inheritance, tags, when, names).
 *
 * Follows ansible-core 2.14 playbook/__init__.py, play.py and
 * playbook_include.py.
 */
#include "kiso_common.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "playbook.h"
#include "playbook_priv.h"
#include "buf.h"
#include "template.h"
#include "yaml.h"

/* ------------------------------------------------------------- utilities */

static void add_diag(struct kiso_diags *d, struct kiso_pos pos, const char *fmt, va_list ap)
{
	char msg[KISO_ERROR_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	kiso_diags_add(d, pos, "%s", msg);
}

void pb_error(struct pb_loader *L, struct kiso_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_diag(L->diags, pos, fmt, ap);
	va_end(ap);
}

void pb_warn(struct pb_loader *L, struct kiso_pos pos, const char *fmt, ...)
{
	va_list ap;

	if (!L->warns)
		return;
	va_start(ap, fmt);
	add_diag(L->warns, pos, fmt, ap);
	va_end(ap);
}

bool pb_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool pb_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *pb_join(struct pb_loader *L, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (name[0] == '/')
		return kiso_arena_strdup(L->a, name);
	if (n == 0)
		return kiso_arena_strdup(L->a, name);
	if (dir[n - 1] == '/')
		return kiso_arena_sprintf(L->a, "%s%s", dir, name);
	return kiso_arena_sprintf(L->a, "%s/%s", dir, name);
}

/* Normalises an absolute path lexically ('.', '..', '//'), as unfrackpath. */
static char *normpath(struct kiso_arena *a, const char *p)
{
	size_t n = strlen(p);
	char *out = kiso_arena_alloc(a, n + 2);
	size_t o = 0;

	out[o++] = '/';
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t l = (size_t)(e - s);
		if (l == 0)
			break;
		if (l == 1 && s[0] == '.') {
			/* skip */
		} else if (l == 2 && s[0] == '.' && s[1] == '.') {
			if (o > 1) {
				o--;
				while (o > 1 && out[o - 1] != '/')
					o--;
				if (o > 1)
					o--;
				if (o == 0)
					o = 1;
			}
		} else {
			if (o > 1)
				out[o++] = '/';
			memcpy(out + o, s, l);
			o += l;
		}
		s = e;
	}
	out[o] = 0;
	return out;
}

const char *pb_abspath(struct pb_loader *L, const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return normpath(L->a, path);
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	return normpath(L->a, pb_join(L, cwd, path));
}

const char *pb_dirname(struct pb_loader *L, const char *path)
{
	const char *abs = pb_abspath(L, path);
	const char *s = strrchr(abs, '/');

	if (!s || s == abs)
		return "/";
	return kiso_arena_strndup(L->a, abs, (size_t)(s - abs));
}

static void note_file(struct pb_loader *L, const char *path)
{
	const char *f = kiso_pos_file(path);

	for (size_t i = 0; i < L->nfiles; i++)
		if (L->files[i] == f)
			return;
	if (L->nfiles == L->capfiles) {
		size_t c = L->capfiles ? L->capfiles * 2 : 16;
		L->files = kiso_arena_grow(L->a, L->files, L->capfiles * sizeof(*L->files),
					   c * sizeof(*L->files));
		L->capfiles = c;
	}
	L->files[L->nfiles++] = f;
}

struct kiso_value *pb_load_yaml(struct pb_loader *L, const char *path, struct kiso_pos from)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL;

	if (!pb_is_file(path)) {
		pb_error(L, from, "could not find or access '%s'", path);
		return NULL;
	}
	note_file(L, path);
	if (kiso_yaml_load_file(&v, L->a, path, &err) < 0) {
		kiso_diags_add_error(L->diags, &err);
		return NULL;
	}
	return v;
}

void pb_check_template_file(struct pb_loader *L, const char *path, struct kiso_pos from)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_buf b = KISO_BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		pb_error(L, from, "could not find or access '%s'", path);
		return;
	}
	b.max = 16u << 20; /* a template larger than 16 MiB is not checked */
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (kiso_buf_add(&b, chunk, n) < 0)
			break;
	fclose(f);
	if (!b.toobig) {
		struct kiso_pos pos = { kiso_pos_file(path), 1, 1 };
		note_file(L, path);
		if (kiso_tmpl_check(kiso_buf_cstr(&b), b.len, pos, &err) < 0)
			kiso_diags_add_error(L->diags, &err);
	}
	kiso_buf_release(&b);
}

bool pb_push_file(struct pb_loader *L, const char *path, const char *shown, struct kiso_pos from)
{
	const char *abs = pb_abspath(L, path);

	for (int i = 0; i < L->depth; i++)
		if (strcmp(L->stack[i], abs) == 0) {
			pb_error(L, from, "'%s' imports itself (import loop)", shown);
			return false;
		}
	if (L->depth >= (int)KISO_ARRAY_SIZE(L->stack)) {
		pb_error(L, from, "imports nested too deeply at '%s'", shown);
		return false;
	}
	L->stack[L->depth++] = abs;
	return true;
}

void pb_pop_file(struct pb_loader *L)
{
	if (L->depth > 0)
		L->depth--;
}

static const char *keystr(const struct kiso_mapent *e)
{
	return e->key->type == KISO_STR ? e->key->u.s.ptr : NULL;
}

/* ------------------------------------------------------------- plays */

/* Keywords of a play, beside the common ones (Play's attributes). */
static const char *const play_only[] = {
	"hosts", "gather_facts", "gather_subset", "gather_timeout", "fact_path", "vars_files",
	"vars_prompt", "roles", "handlers", "pre_tasks", "post_tasks", "tasks", "force_handlers",
	"max_fail_percentage", "serial", "strategy", "order", NULL,
};

static const char *const common_kws[] = {
	"name", "connection", "port", "remote_user", "vars", "module_defaults", "environment",
	"no_log", "run_once", "ignore_errors", "ignore_unreachable", "check_mode", "diff",
	"any_errors_fatal", "throttle", "timeout", "debugger", "become", "become_method",
	"become_user", "become_flags", "become_exe", "collections", "tags", NULL,
};

static bool in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (strcmp(s, *l) == 0)
			return true;
	return false;
}

static void merge_vars(struct pb_loader *L, struct kiso_value *into, const struct kiso_value *v)
{
	if (!v)
		return;
	if (v->type == KISO_MAP) {
		for (size_t i = 0; i < v->u.map.len; i++)
			kiso_map_setv(L->a, into, v->u.map.items[i].key, v->u.map.items[i].val);
	} else if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			merge_vars(L, into, v->u.list.items[i]);
	}
}

/* What import_playbook statements add to the plays they bring in. */
struct import_ctx {
	struct kiso_value *vars;   /* map or NULL */
	struct kiso_value *tags;   /* list of str or NULL */
	struct kiso_value *when;   /* list or NULL */
};

struct pb_state {
	struct kiso_playbook *pb;
	size_t cap;
};

static void check_handlers(struct pb_loader *L, struct kiso_play *p);

/* A play keyword with a fixed set of values (when not a template). */
static void check_choice(struct pb_loader *L, const struct kiso_value *kw, const char *key,
			 const char *choices)
{
	const struct kiso_value *v = kiso_map_get(kw, key);
	size_t n;

	if (!v || v->type != KISO_STR || pb_is_template(v))
		return;
	n = v->u.s.len;
	for (const char *c = choices; *c;) {
		const char *e = strchr(c, ',');
		size_t l = e ? (size_t)(e - c) : strlen(c);
		if (l == n && memcmp(c, v->u.s.ptr, n) == 0)
			return;
		c = e ? e + 1 : c + l;
	}
	pb_error(L, v->pos, "invalid %s '%s' (choose from %s)", key, v->u.s.ptr, choices);
}

/* Loads one vars file (a mapping of variables); false when missing. */
static bool load_vars_file(struct pb_loader *L, const struct kiso_value *name)
{
	const char *path = pb_join(L, L->basedir, name->u.s.ptr);
	struct kiso_value *v;

	if (!pb_is_file(path))
		return false;
	v = pb_load_yaml(L, path, name->pos);
	if (v && v->type != KISO_MAP && v->type != KISO_NULL)
		pb_error(L, v->pos, "vars file '%s' must hold a mapping of variables, got %s",
			 name->u.s.ptr, pb_type_desc(v));
	else if (v)
		pb_check_templates(L, v);
	return true;
}

/*
 * vars_files whose names hold no template are read now (relative to the
 * playbook's directory): a missing one is an error, and for a list of
 * alternatives (the first found wins) at least one must exist unless a
 * later one is a template.
 */
static void check_vars_files(struct pb_loader *L, struct kiso_play *p)
{
	for (size_t i = 0; i < p->vars_files->u.list.len; i++) {
		const struct kiso_value *e = p->vars_files->u.list.items[i];

		if (e->type == KISO_STR) {
			if (pb_is_template(e))
				continue;
			if (!load_vars_file(L, e))
				pb_error(L, e->pos, "could not find or access vars file '%s'", e->u.s.ptr);
		} else if (e->type == KISO_LIST) {
			bool found = false;
			for (size_t j = 0; j < e->u.list.len && !found; j++) {
				const struct kiso_value *f = e->u.list.items[j];
				if (f->type != KISO_STR)
					continue;
				if (pb_is_template(f))
					found = true; /* decided per host at run time */
				else
					found = load_vars_file(L, f);
			}
			if (!found)
				pb_error(L, e->pos, "none of the vars files in this list can be found");
		} else {
			pb_error(L, e->pos, "vars_files entries must be file names or lists of them, got %s",
				 pb_type_desc(e));
		}
	}
}

static void load_play(struct pb_loader *L, struct pb_state *S, const struct kiso_value *ds,
		      const char *file, const struct import_ctx *ic)
{
	struct kiso_play *p = kiso_arena_zalloc(L->a, sizeof(*p));
	const struct kiso_value *v;

	p->pos = ds->pos;
	p->file = kiso_pos_file(file);
	p->basedir = L->basedir;
	p->kw = pb_map(L, ds->pos);
	p->vars = pb_map(L, ds->pos);
	p->vars_files = pb_list(L, ds->pos);
	L->play = p;
	L->nuses = 0;
	L->role_loads = 0;
	L->role_loads_reported = false;

	for (size_t i = 0; i < ds->u.map.len; i++) {
		const struct kiso_mapent *e = &ds->u.map.items[i];
		const char *k = keystr(e);

		if (!k) {
			pb_error(L, e->key->pos, "keys of a play must be strings");
			continue;
		}
		if (strcmp(k, "vars_prompt") == 0) {
			pb_error(L, e->key->pos, "vars_prompt is not supported: kiso is non-interactive");
			continue;
		}
		if (!in_list(k, play_only) && !in_list(k, common_kws)) {
			pb_error(L, e->key->pos, "'%s' is not a valid attribute for a Play", k);
			continue;
		}
		kiso_map_setv(L->a, p->kw, e->key, e->val);
		if (strcmp(k, "roles") == 0 || strcmp(k, "tasks") == 0 ||
		    strcmp(k, "pre_tasks") == 0 || strcmp(k, "post_tasks") == 0 ||
		    strcmp(k, "handlers") == 0)
			continue;
		if (strcmp(k, "hosts") == 0) {
			const struct kiso_value *h = e->val;
			if (h->type == KISO_LIST) {
				for (size_t j = 0; j < h->u.list.len; j++)
					if (h->u.list.items[j]->type != KISO_STR) {
						pb_error(L, h->u.list.items[j]->pos,
							 "the field 'hosts' should be a list of strings, got %s in the list",
							 pb_type_desc(h->u.list.items[j]));
					}
			} else if (h->type != KISO_STR && h->type != KISO_NULL) {
				pb_error(L, h->pos, "the field 'hosts' must be a string or a list of strings, got %s",
					 pb_type_desc(h));
			}
			pb_check_templates(L, h);
			continue;
		}
		pb_check_keyword(L, k, e->val);
		if (strcmp(k, "vars_files") == 0) {
			const struct kiso_value *vf = e->val;
			if (vf->type == KISO_LIST) {
				for (size_t j = 0; j < vf->u.list.len; j++)
					kiso_list_push(L->a, p->vars_files, vf->u.list.items[j]);
			} else if (vf->type != KISO_NULL) {
				kiso_list_push(L->a, p->vars_files, e->val);
			}
		}
	}

	check_vars_files(L, p);
	check_choice(L, p->kw, "order", "inventory,sorted,reverse_sorted,reverse_inventory,shuffle");
	check_choice(L, p->kw, "strategy", "linear,free,host_pinned,debug");

	v = kiso_map_get(ds, "hosts");
	if (!v || v->type == KISO_NULL ||
	    (v->type == KISO_STR && v->u.s.len == 0) ||
	    (v->type == KISO_LIST && v->u.list.len == 0))
		pb_error(L, ds->pos, "the field 'hosts' is required but was not set");
	p->hosts = (struct kiso_value *)v;
	v = kiso_map_get(ds, "name");
	if (v && v->type == KISO_STR)
		p->name = v->u.s.ptr;
	merge_vars(L, p->vars, kiso_map_get(ds, "vars"));

	/* what import_playbook adds */
	if (ic && ic->vars)
		merge_vars(L, p->vars, ic->vars);
	if (ic && ic->tags) {
		struct kiso_value *tags = pb_list(L, ds->pos);
		const struct kiso_value *own = kiso_map_get(p->kw, "tags");
		if (own && own->type == KISO_LIST)
			for (size_t i = 0; i < own->u.list.len; i++)
				kiso_list_push(L->a, tags, own->u.list.items[i]);
		else if (own && own->type == KISO_STR)
			kiso_list_push(L->a, tags, (struct kiso_value *)own);
		for (size_t i = 0; i < ic->tags->u.list.len; i++)
			kiso_list_push(L->a, tags, ic->tags->u.list.items[i]);
		kiso_map_set(L->a, p->kw, "tags", tags);
	}
	if (ic && ic->when)
		p->import_when = ic->when;

	/* roles, then the task lists: Ansible's load order */
	v = kiso_map_get(ds, "roles");
	if (v && v->type != KISO_NULL) {
		if (v->type != KISO_LIST) {
			pb_error(L, v->pos, "'roles' must be a list of roles, got %s",
				 pb_type_desc(v));
		} else {
			p->roles = kiso_arena_zalloc(L->a, (v->u.list.len + 1) * sizeof(*p->roles));
			for (size_t i = 0; i < v->u.list.len; i++) {
				struct kiso_value *e = v->u.list.items[i];
				struct kiso_role *r = pb_load_role(L, e, NULL, e->pos, KISO_ROLE_PLAY,
								   NULL, NULL, NULL);
				if (r)
					p->roles[p->nroles++] = r;
			}
		}
	}
	pb_load_tasks(L, &p->pre_tasks, kiso_map_get(ds, "pre_tasks"), NULL, NULL, false,
		      L->basedir);
	pb_load_tasks(L, &p->tasks, kiso_map_get(ds, "tasks"), NULL, NULL, false, L->basedir);
	pb_load_tasks(L, &p->post_tasks, kiso_map_get(ds, "post_tasks"), NULL, NULL, false,
		      L->basedir);
	pb_load_tasks(L, &p->handlers, kiso_map_get(ds, "handlers"), NULL, NULL, true, L->basedir);

	check_handlers(L, p);

	if (S->pb->nplays == S->cap) {
		size_t c = S->cap ? S->cap * 2 : 8;
		S->pb->plays = kiso_arena_grow(L->a, S->pb->plays, S->cap * sizeof(*S->pb->plays),
					       c * sizeof(*S->pb->plays));
		S->cap = c;
	}
	S->pb->plays[S->pb->nplays++] = p;
	p->index = (int)S->pb->nplays;
}

static void load_playbook_file(struct pb_loader *L, struct pb_state *S, const char *path,
			       const char *shown, struct kiso_pos from, const struct import_ctx *ic);

static struct kiso_value *as_str_list(struct pb_loader *L, const struct kiso_value *v)
{
	struct kiso_value *l = pb_list(L, v->pos);

	if (v->type == KISO_STR) {
		/* Taggable._load_tags: split on commas */
		const char *s = v->u.s.ptr;
		while (1) {
			const char *c = strchr(s, ',');
			size_t n = c ? (size_t)(c - s) : strlen(s);
			while (n && (*s == ' ' || *s == '\t')) {
				s++;
				n--;
			}
			while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			kiso_list_push(L->a, l, kiso_strn(L->a, s, n, v->pos));
			if (!c)
				break;
			s = c + 1;
		}
	} else if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			kiso_list_push(L->a, l, v->u.list.items[i]);
	} else if (v->type != KISO_NULL) {
		kiso_list_push(L->a, l, (struct kiso_value *)v);
	}
	return l;
}

static void load_import(struct pb_loader *L, struct pb_state *S, const struct kiso_value *ds,
			const struct import_ctx *outer)
{
	static const char *const valid[] = { "import_playbook", "vars", "when", "tags", "name",
					     NULL };
	const struct kiso_value *iv = kiso_map_get(ds, "import_playbook");
	struct import_ctx ic = { 0 };
	const char *file;
	const char *saved = L->basedir;

	for (size_t i = 0; i < ds->u.map.len; i++) {
		const struct kiso_mapent *e = &ds->u.map.items[i];
		const char *k = keystr(e);
		if (!k || (!in_list(k, valid) && !in_list(k, common_kws)))
			pb_error(L, e->key->pos, "'%s' is not a valid attribute for a PlaybookInclude",
				 k ? k : "?");
		else if (strcmp(k, "import_playbook") != 0)
			pb_check_keyword(L, k, e->val);
	}
	if (!iv || iv->type != KISO_STR || !iv->u.s.len) {
		pb_error(L, iv ? iv->pos : ds->pos, "import_playbook needs a file name");
		return;
	}
	/* vars: the outer import's first, this one's win */
	ic.vars = pb_map(L, ds->pos);
	if (outer && outer->vars)
		merge_vars(L, ic.vars, outer->vars);
	file = iv->u.s.ptr;
	{
		struct kiso_error err = KISO_ERROR_INIT;
		struct kiso_value *words;
		if (kiso_task_split_args(&words, L->a, file, iv->pos, &err) < 0) {
			kiso_diags_add_error(L->diags, &err);
			return;
		}
		if (words->u.list.len > 1) {
			struct kiso_buf b = KISO_BUF_INIT;
			struct kiso_value *kv;
			for (size_t i = 1; i < words->u.list.len; i++) {
				if (i > 1)
					kiso_buf_putc(&b, ' ');
				kiso_buf_puts(&b, words->u.list.items[i]->u.s.ptr);
			}
			if (kiso_map_get(ds, "vars"))
				pb_error(L, iv->pos,
					 "import_playbook parameters cannot be mixed with 'vars' entries for import statements");
			if (kiso_task_parse_kv(&kv, L->a, kiso_buf_cstr(&b), iv->pos, false, &err) == 0)
				merge_vars(L, ic.vars, kv);
			kiso_buf_release(&b);
			file = words->u.list.items[0]->u.s.ptr;
		}
	}
	const struct kiso_value *vv = kiso_map_get(ds, "vars");
	if (vv && vv->type != KISO_MAP && vv->type != KISO_NULL)
		pb_error(L, vv->pos, "vars for import_playbook statements must be specified as a dictionary");
	merge_vars(L, ic.vars, vv && vv->type == KISO_MAP ? vv : NULL);

	ic.tags = pb_list(L, ds->pos);
	if (outer && outer->tags)
		for (size_t i = 0; i < outer->tags->u.list.len; i++)
			kiso_list_push(L->a, ic.tags, outer->tags->u.list.items[i]);
	const struct kiso_value *tv = kiso_map_get(ds, "tags");
	if (tv) {
		struct kiso_value *l = as_str_list(L, tv);
		for (size_t i = 0; i < l->u.list.len; i++)
			kiso_list_push(L->a, ic.tags, l->u.list.items[i]);
	}
	/* tags given as a 'tags' var: vars.pop('tags') split on ',' */
	const struct kiso_value *vt = kiso_map_get(ic.vars, "tags");
	if (vt && vt->type == KISO_STR) {
		struct kiso_value *l = as_str_list(L, vt);
		for (size_t i = 0; i < l->u.list.len; i++)
			kiso_list_push(L->a, ic.tags, l->u.list.items[i]);
		kiso_map_del(ic.vars, "tags");
	}
	const struct kiso_value *wv = kiso_map_get(ds, "when");
	if (wv || (outer && outer->when)) {
		ic.when = pb_list(L, ds->pos);
		if (wv) {
			if (wv->type == KISO_LIST)
				for (size_t i = 0; i < wv->u.list.len; i++)
					kiso_list_push(L->a, ic.when, wv->u.list.items[i]);
			else
				kiso_list_push(L->a, ic.when, (struct kiso_value *)wv);
		}
		if (outer && outer->when)
			for (size_t i = 0; i < outer->when->u.list.len; i++)
				kiso_list_push(L->a, ic.when, outer->when->u.list.items[i]);
	}
	if (kiso_tmpl_has_template(file, strlen(file))) {
		pb_warn(L, iv->pos, "playbook name '%s' is a template: not checked", file);
		return;
	}
	const char *path = pb_join(L, L->basedir, file);
	if (!pb_is_file(path)) {
		pb_error(L, iv->pos, "could not find or access '%s'", file);
		return;
	}
	load_playbook_file(L, S, path, file, iv->pos, &ic);
	L->basedir = saved;
}

static void load_playbook_file(struct pb_loader *L, struct pb_state *S, const char *path,
			       const char *shown, struct kiso_pos from, const struct import_ctx *ic)
{
	struct kiso_value *data;

	if (!pb_push_file(L, path, shown, from))
		return;
	L->basedir = pb_dirname(L, path);
	data = pb_load_yaml(L, path, from);
	if (!data)
		goto out;
	if (data->type == KISO_NULL)
		goto out;
	if (data->type != KISO_LIST) {
		pb_error(L, data->pos, "a playbook must be a list of plays, got %s",
			 pb_type_desc(data));
		goto out;
	}
	for (size_t i = 0; i < data->u.list.len; i++) {
		const struct kiso_value *ds = data->u.list.items[i];

		if (ds->type != KISO_MAP) {
			pb_error(L, ds->pos, "a play must be a mapping, got %s",
				 pb_type_desc(ds));
			continue;
		}
		if (kiso_map_get(ds, "import_playbook")) {
			const char *saved = L->basedir;
			load_import(L, S, ds, ic);
			L->basedir = saved;
			continue;
		}
		if (kiso_map_get(ds, "include")) {
			pb_error(L, kiso_map_entry(ds, "include")->key->pos,
				 "'include' of a playbook is not supported, use 'import_playbook'");
			continue;
		}
		load_play(L, S, ds, path, ic);
	}
out:
	pb_pop_file(L);
}

/* ----------------------------------------------------- notify -> handlers */

struct names {
	struct kiso_value *list; /* strings */
	bool dynamic;            /* a templated name or a runtime include: no check */
};

static void add_name(struct pb_loader *L, struct names *n, const char *s, struct kiso_pos pos)
{
	if (kiso_tmpl_has_template(s, strlen(s)))
		n->dynamic = true;
	kiso_list_push(L->a, n->list, kiso_str(L->a, s, pos));
}

static void collect_handlers(struct pb_loader *L, struct names *n, const struct kiso_tasklist *l,
			     const struct kiso_role *role);

static void collect_one(struct pb_loader *L, struct names *n, const struct kiso_taskdef *t,
			const struct kiso_role *role)
{
	if (t->name) {
		add_name(L, n, t->name, t->pos);
		if (role)
			add_name(L, n, kiso_arena_sprintf(L->a, "%s : %s", role->name, t->name), t->pos);
	}
	if (t->listen)
		for (size_t i = 0; i < t->listen->u.list.len; i++) {
			const struct kiso_value *v = t->listen->u.list.items[i];
			if (v->type == KISO_STR) {
				add_name(L, n, v->u.s.ptr, v->pos);
				if (role)
					add_name(L, n, kiso_arena_sprintf(L->a, "%s : %s", role->name,
									  v->u.s.ptr), v->pos);
			}
		}
	if (t->kind == KISO_TD_INCLUDE_TASKS && !t->loaded_static)
		n->dynamic = true;
	collect_handlers(L, n, &t->body, role);
	collect_handlers(L, n, &t->block, role);
}

static void collect_handlers(struct pb_loader *L, struct names *n, const struct kiso_tasklist *l,
			     const struct kiso_role *role)
{
	for (size_t i = 0; i < l->len; i++)
		collect_one(L, n, l->items[i], role);
}

static bool has_name(const struct names *n, const char *s)
{
	for (size_t i = 0; i < n->list->u.list.len; i++)
		if (strcmp(n->list->u.list.items[i]->u.s.ptr, s) == 0)
			return true;
	return false;
}

static void check_notify_list(struct pb_loader *L, const struct names *n,
			      const struct kiso_tasklist *l);

static void check_notify_one(struct pb_loader *L, const struct names *n,
			     const struct kiso_taskdef *t)
{
	const struct kiso_value *nv = kiso_map_get(t->kw, "notify");

	if (nv) {
		const struct kiso_value *one[1] = { nv };
		const struct kiso_value *const *items = one;
		size_t cnt = 1;
		if (nv->type == KISO_LIST) {
			items = (const struct kiso_value *const *)nv->u.list.items;
			cnt = nv->u.list.len;
		}
		for (size_t i = 0; i < cnt; i++) {
			const struct kiso_value *v = items[i];
			if (v->type != KISO_STR || pb_is_template(v))
				continue;
			if (!has_name(n, v->u.s.ptr))
				pb_error(L, v->pos,
					 "the handler '%s' is not defined: no handler of the play has this name or listens to it",
					 v->u.s.ptr);
		}
	}
	check_notify_list(L, n, &t->block);
	check_notify_list(L, n, &t->rescue);
	check_notify_list(L, n, &t->always);
	check_notify_list(L, n, &t->body);
}

static void check_notify_list(struct pb_loader *L, const struct names *n,
			      const struct kiso_tasklist *l)
{
	for (size_t i = 0; i < l->len; i++)
		check_notify_one(L, n, l->items[i]);
}

static void check_handlers(struct pb_loader *L, struct kiso_play *p)
{
	struct names n = { pb_list(L, p->pos), false };

	collect_handlers(L, &n, &p->handlers, NULL);
	for (size_t i = 0; i < L->nuses; i++) {
		const struct kiso_role *r = L->uses[i];
		collect_handlers(L, &n, &r->handlers, r);
	}
	if (n.dynamic)
		return;
	check_notify_list(L, &n, &p->pre_tasks);
	check_notify_list(L, &n, &p->tasks);
	check_notify_list(L, &n, &p->post_tasks);
	check_notify_list(L, &n, &p->handlers);
	for (size_t i = 0; i < L->nuses; i++) {
		check_notify_list(L, &n, &L->uses[i]->tasks);
		check_notify_list(L, &n, &L->uses[i]->handlers);
	}
}

/* -------------------------------------------------------------- the load */

/* Sorts diagnostics by file (in load order), line, column (stable), drops repeats. */
static void sort_diags(struct pb_loader *L, struct kiso_diags *d)
{
	size_t n = d->len;

	if (n < 2)
		return;
	size_t *rank = kiso_xmalloc(n * sizeof(*rank));
	for (size_t i = 0; i < n; i++) {
		rank[i] = L->nfiles;
		for (size_t f = 0; f < L->nfiles; f++)
			if (d->items[i].pos.file && strcmp(L->files[f], d->items[i].pos.file) == 0) {
				rank[i] = f;
				break;
			}
	}
	/* insertion sort: diags lists are short and mostly in order */
	for (size_t i = 1; i < n; i++) {
		struct kiso_error e = d->items[i];
		size_t r = rank[i];
		size_t j = i;
		while (j > 0) {
			const struct kiso_error *p = &d->items[j - 1];
			size_t pr = rank[j - 1];
			bool after = pr > r || (pr == r && (p->pos.line > e.pos.line ||
							    (p->pos.line == e.pos.line &&
							     p->pos.col > e.pos.col)));
			if (!after)
				break;
			d->items[j] = d->items[j - 1];
			rank[j] = rank[j - 1];
			j--;
		}
		d->items[j] = e;
		rank[j] = r;
	}
	free(rank);

	/*
	 * A role used twice (or a task file imported twice) is loaded twice:
	 * report each problem once. Equal diagnostics share a position, so
	 * they are within a run of equal positions.
	 */
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = out; j-- > 0;) {
			const struct kiso_error *p = &d->items[j], *e = &d->items[i];
			if (p->pos.line != e->pos.line || p->pos.col != e->pos.col ||
			    (p->pos.file != e->pos.file &&
			     (!p->pos.file || !e->pos.file || strcmp(p->pos.file, e->pos.file) != 0)))
				break;
			if (strcmp(p->msg, e->msg) == 0) {
				dup = true;
				break;
			}
		}
		if (!dup)
			d->items[out++] = d->items[i];
	}
	d->len = out;
}

int kiso_playbook_load(struct kiso_playbook **out, struct kiso_arena *a, const char *path,
		       const struct kiso_load_opts *opts, struct kiso_diags *diags,
		       struct kiso_diags *warnings)
{
	static const struct kiso_load_opts noopts = { 0 };
	struct pb_loader L = { 0 };
	struct pb_state S = { 0 };
	struct kiso_playbook *pb = kiso_arena_zalloc(a, sizeof(*pb));
	size_t before = diags->len;
	size_t wbefore = warnings ? warnings->len : 0;

	L.a = a;
	L.opts = opts ? opts : &noopts;
	L.diags = diags;
	L.warns = warnings;
	pb->path = kiso_arena_strdup(a, path);
	pb->dir = pb_dirname(&L, path);
	L.basedir = pb->dir;
	S.pb = pb;
	*out = pb;

	if (!pb_is_file(path)) {
		kiso_diags_add(diags, KISO_POS_NONE, "the playbook '%s' could not be found", path);
		return KISO_ENOTFOUND;
	}
	load_playbook_file(&L, &S, path, path, KISO_POS_NONE, NULL);
	pb->files = L.files;
	pb->nfiles = L.nfiles;

	/* sort what this load added */
	if (diags->len > before) {
		struct kiso_diags part = { diags->items + before, diags->len - before, 0 };
		sort_diags(&L, &part);
		diags->len = before + part.len;
	}
	if (warnings && warnings->len > wbefore) {
		struct kiso_diags wp = { warnings->items + wbefore, warnings->len - wbefore, 0 };
		sort_diags(&L, &wp);
		warnings->len = wbefore + wp.len;
	}
	return diags->len > before ? KISO_EINVALID : 0;
}

/* --------------------------------------------------------- model helpers */

static const struct kiso_value *kw_in_role(const struct kiso_role *r, const char *key);

static const struct kiso_value *kw_from_task(const struct kiso_taskdef *t, const char *key)
{
	const struct kiso_taskdef *n;

	for (n = t; n; n = n->parent) {
		const struct kiso_value *v = kiso_map_get(n->kw, key);
		if (v)
			return v;
	}
	if (t->role)
		return kw_in_role(t->role, key);
	return NULL;
}

static const struct kiso_value *kw_in_role(const struct kiso_role *r, const char *key)
{
	for (; r; r = r->parent) {
		const struct kiso_value *v = kiso_map_get(r->kw, key);
		if (v)
			return v;
		if (r->via)
			return kw_from_task(r->via, key);
	}
	return NULL;
}

static void all_in_role(struct kiso_arena *a, struct kiso_value *out, const struct kiso_role *r,
			const char *key);

/* Every value of 'key' on the chain from t outwards, innermost first. */
static void all_from_task(struct kiso_arena *a, struct kiso_value *out,
			  const struct kiso_taskdef *t, const char *key)
{
	for (const struct kiso_taskdef *n = t; n; n = n->parent) {
		struct kiso_value *v = kiso_map_get(n->kw, key);
		if (v)
			kiso_list_push(a, out, v);
	}
	if (t->role)
		all_in_role(a, out, t->role, key);
}

static void all_in_role(struct kiso_arena *a, struct kiso_value *out, const struct kiso_role *r,
			const char *key)
{
	for (; r; r = r->parent) {
		struct kiso_value *v = kiso_map_get(r->kw, key);
		if (v)
			kiso_list_push(a, out, v);
		if (r->via) {
			all_from_task(a, out, r->via, key);
			return;
		}
	}
}

struct kiso_value *kiso_taskdef_kw_all(struct kiso_arena *a, const struct kiso_taskdef *t,
				       const char *key)
{
	struct kiso_value *in = kiso_list_new(a, t->pos);
	struct kiso_value *out = kiso_list_new(a, t->pos);
	struct kiso_value *pv;

	all_from_task(a, in, t, key);
	if (t->play && (pv = kiso_map_get(t->play->kw, key)) != NULL)
		kiso_list_push(a, in, pv);
	for (size_t i = in->u.list.len; i > 0; i--)
		kiso_list_push(a, out, in->u.list.items[i - 1]);
	return out;
}

const struct kiso_value *kiso_taskdef_kw(const struct kiso_taskdef *t, const char *key)
{
	const struct kiso_value *v = kw_from_task(t, key);

	if (!v && t->play)
		v = kiso_map_get(t->play->kw, key);
	return v;
}

static void push_tags(struct kiso_arena *a, struct kiso_value *out, const struct kiso_value *v)
{
	if (!v)
		return;
	if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			push_tags(a, out, v->u.list.items[i]);
		return;
	}
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;
	size_t n;

	if (v->type == KISO_STR) {
		/* Taggable: a string is split on commas, each part stripped */
		const char *p = v->u.s.ptr;
		while (1) {
			const char *c = strchr(p, ',');
			n = c ? (size_t)(c - p) : strlen(p);
			const char *q = p;
			while (n && (*q == ' ' || *q == '\t')) {
				q++;
				n--;
			}
			while (n && (q[n - 1] == ' ' || q[n - 1] == '\t'))
				n--;
			bool dup = false;
			for (size_t i = 0; i < out->u.list.len; i++)
				if (out->u.list.items[i]->u.s.len == n &&
				    memcmp(out->u.list.items[i]->u.s.ptr, q, n) == 0)
					dup = true;
			if (!dup)
				kiso_list_push(a, out, kiso_strn(a, q, n, v->pos));
			if (!c)
				break;
			p = c + 1;
		}
		return;
	}
	if (v->type == KISO_NULL)
		return;
	kiso_value_str(&b, v);
	s = kiso_buf_cstr(&b);
	bool dup = false;
	for (size_t i = 0; i < out->u.list.len; i++)
		if (strcmp(out->u.list.items[i]->u.s.ptr, s) == 0)
			dup = true;
	if (!dup)
		kiso_list_push(a, out, kiso_str(a, s, v->pos));
	kiso_buf_release(&b);
}

static void tags_of_role(struct kiso_arena *a, struct kiso_value *out, const struct kiso_role *r);

static void tags_of_task(struct kiso_arena *a, struct kiso_value *out, const struct kiso_taskdef *t)
{
	for (const struct kiso_taskdef *n = t; n; n = n->parent)
		push_tags(a, out, kiso_map_get(n->kw, "tags"));
	if (t->role)
		tags_of_role(a, out, t->role);
}

static void tags_of_role(struct kiso_arena *a, struct kiso_value *out, const struct kiso_role *r)
{
	for (; r; r = r->parent) {
		push_tags(a, out, kiso_map_get(r->kw, "tags"));
		if (r->via) {
			tags_of_task(a, out, r->via);
			return;
		}
	}
}

void kiso_taskdef_tags(struct kiso_arena *a, struct kiso_value *out,
		       const struct kiso_taskdef *t)
{
	tags_of_task(a, out, t);
	if (t->play)
		push_tags(a, out, kiso_map_get(t->play->kw, "tags"));
}

static void when_push(struct kiso_arena *a, struct kiso_value *out, const struct kiso_value *v)
{
	if (!v)
		return;
	if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			kiso_list_push(a, out, v->u.list.items[i]);
	} else if (v->type != KISO_NULL) {
		kiso_list_push(a, out, (struct kiso_value *)v);
	}
}

static void when_of_role(struct kiso_arena *a, struct kiso_value *out, const struct kiso_role *r);

/* outermost first: role chain, then parents from the outside in, then t */
static void when_of_task(struct kiso_arena *a, struct kiso_value *out, const struct kiso_taskdef *t)
{
	const struct kiso_taskdef *chain[256];
	size_t n = 0;

	if (t->role)
		when_of_role(a, out, t->role);
	for (const struct kiso_taskdef *p = t; p && n < KISO_ARRAY_SIZE(chain); p = p->parent)
		chain[n++] = p;
	while (n > 0)
		when_push(a, out, kiso_map_get(chain[--n]->kw, "when"));
}

static void when_of_role(struct kiso_arena *a, struct kiso_value *out, const struct kiso_role *r)
{
	const struct kiso_role *chain[64];
	size_t n = 0;
	const struct kiso_taskdef *via = NULL;

	for (; r && n < KISO_ARRAY_SIZE(chain); r = r->parent) {
		chain[n++] = r;
		if (r->via) {
			via = r->via;
			break;
		}
	}
	if (via)
		when_of_task(a, out, via);
	while (n > 0)
		when_push(a, out, kiso_map_get(chain[--n]->kw, "when"));
}

void kiso_taskdef_when(struct kiso_arena *a, struct kiso_value *out,
		       const struct kiso_taskdef *t)
{
	if (t->play && t->play->import_when)
		when_push(a, out, t->play->import_when);
	when_of_task(a, out, t);
}

const char *kiso_taskdef_display_name(struct kiso_arena *a, const struct kiso_taskdef *t)
{
	const char *what = t->name ? t->name : t->action ? t->action : "block";

	if (t->role && t->name)
		return kiso_arena_sprintf(a, "%s : %s", t->role->name, what);
	if (t->role)
		return kiso_arena_sprintf(a, "%s : %s", t->role->name, what);
	return kiso_arena_strdup(a, what);
}

void kiso_play_hosts_split(struct kiso_arena *a, struct kiso_value *out,
			   const struct kiso_value *hosts)
{
	if (!hosts || hosts->type == KISO_NULL)
		return;
	if (hosts->type == KISO_LIST) {
		for (size_t i = 0; i < hosts->u.list.len; i++) {
			const struct kiso_value *h = hosts->u.list.items[i];
			if (h->type == KISO_STR) {
				kiso_list_push(a, out, (struct kiso_value *)h);
			} else {
				struct kiso_buf b = KISO_BUF_INIT;
				kiso_value_str(&b, h);
				kiso_list_push(a, out, kiso_str(a, kiso_buf_cstr(&b), h->pos));
				kiso_buf_release(&b);
			}
		}
		return;
	}
	if (hosts->type == KISO_STR) {
		kiso_list_push(a, out, (struct kiso_value *)hosts);
		return;
	}
	struct kiso_buf b = KISO_BUF_INIT;
	kiso_value_str(&b, hosts);
	kiso_list_push(a, out, kiso_str(a, kiso_buf_cstr(&b), hosts->pos));
	kiso_buf_release(&b);
}
