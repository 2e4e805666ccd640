/*
 * role.c - roles: search, layout, meta dependencies, parameters.
 *
 * Follows ansible-core 2.14 playbook/role/definition.py (search order,
 * role params), role/__init__.py (_load_role_yaml: main.yml, main.yaml,
 * main.json, main, and for vars/defaults a main/ directory whose files
 * are merged in sorted order) and role/metadata.py (dependencies,
 * allow_duplicates).
 */
#include "kiso_common.h"

#include <dirent.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/stat.h>

#include "playbook.h"
#include "playbook_priv.h"
#include "template.h"

/* Keywords of a role use (RoleInclude's attributes). */
static const char *const role_keywords[] = {
	"any_errors_fatal", "become", "become_exe", "become_flags", "become_method", "become_user",
	"check_mode", "collections", "connection", "debugger", "delegate_facts", "delegate_to",
	"diff", "environment", "ignore_errors", "ignore_unreachable", "module_defaults", "name",
	"no_log", "port", "remote_user", "role", "run_once", "tags", "throttle", "timeout",
	"vars", "when", NULL,
};

static bool is_role_keyword(const char *k)
{
	for (const char *const *p = role_keywords; *p; p++)
		if (strcmp(*p, k) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* _get_dir_vars_files(): files in dir (recursively, sorted by name). */
static void dir_vars_files(struct pb_loader *L, const char *dir, const char ***files, size_t *n,
			   size_t *cap, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0, nc = 0;

	if (!d || depth > 16) {
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		size_t l = strlen(de->d_name);
		if (l && de->d_name[l - 1] == '~')
			continue;
		if (nn == nc) {
			nc = nc ? nc * 2 : 16;
			names = kiso_xrealloc(names, nc * sizeof(*names));
		}
		names[nn++] = kiso_xstrdup(de->d_name);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		const char *full = pb_join(L, dir, names[i]);
		const char *ext = strrchr(names[i], '.');

		if (pb_is_dir(full) && !ext) {
			dir_vars_files(L, full, files, n, cap, depth + 1);
		} else if (pb_is_file(full) &&
			   (!ext || strcmp(ext, ".yml") == 0 || strcmp(ext, ".yaml") == 0 ||
			    strcmp(ext, ".json") == 0)) {
			if (*n == *cap) {
				size_t c = *cap ? *cap * 2 : 8;
				*files = kiso_arena_grow(L->a, (void *)*files, *cap * sizeof(**files),
							 c * sizeof(**files));
				*cap = c;
			}
			(*files)[(*n)++] = full;
		}
		free(names[i]);
	}
	free(names);
}

/*
 * Role._load_role_yaml(): the files for 'subdir' ('main' or the *_from
 * name). Returns how many; *out the paths. -1 when a *_from file is
 * missing.
 */
static int role_files(struct pb_loader *L, const char *role_path, const char *subdir,
		      const char *main, bool allow_dir, const char ***out)
{
	static const char *const ext_main[] = { ".yml", ".yaml", ".json", "", NULL };
	static const char *const ext_from[] = { "", ".yml", ".yaml", ".json", NULL };
	const char *dir = pb_join(L, role_path, subdir);
	const char *const *exts = main ? ext_from : ext_main;
	const char *name = main ? main : "main";
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!pb_is_dir(dir))
		return main ? -1 : 0;
	for (size_t i = 0; exts[i]; i++) {
		const char *p;
		const char *base = pb_join(L, dir, name);

		if (exts[i][0])
			p = kiso_arena_sprintf(L->a, "%s%s", base, exts[i]);
		else
			p = base;
		if (pb_is_dir(p)) {
			if (!allow_dir)
				continue;
			dir_vars_files(L, p, out, &n, &cap, 0);
			return (int)n;
		}
		if (pb_is_file(p)) {
			*out = kiso_arena_alloc(L->a, sizeof(**out));
			(*out)[0] = p;
			return 1;
		}
	}
	return main ? -1 : 0;
}

/* Loads vars/ or defaults/ of a role: a map (files merged, later wins). */
static struct kiso_value *load_role_vars(struct pb_loader *L, struct kiso_role *r,
					 const char *subdir, const char *from, struct kiso_pos pos)
{
	const char **files;
	int n = role_files(L, r->path, subdir, from, true, &files);
	struct kiso_value *m = pb_map(L, pos);

	if (n < 0) {
		pb_error(L, pos, "could not find specified file in role '%s': %s/%s", r->name, subdir,
			 from);
		return m;
	}
	for (int i = 0; i < n; i++) {
		struct kiso_value *v = pb_load_yaml(L, files[i], pos);
		if (!v || v->type == KISO_NULL)
			continue;
		if (v->type != KISO_MAP) {
			pb_error(L, v->pos,
				 "the %s file for role '%s' must contain a dictionary of variables",
				 subdir, r->name);
			continue;
		}
		for (size_t j = 0; j < v->u.map.len; j++)
			kiso_map_setv(L->a, m, v->u.map.items[j].key, v->u.map.items[j].val);
		pb_check_templates(L, v);
	}
	return m;
}

static void load_role_tasks(struct pb_loader *L, struct kiso_role *r, bool handlers,
			    const char *from, struct kiso_pos pos)
{
	const char *subdir = handlers ? "handlers" : "tasks";
	const char **files;
	int n = role_files(L, r->path, subdir, from, false, &files);

	if (n < 0) {
		pb_error(L, pos, "could not find specified file in role '%s': %s/%s", r->name, subdir,
			 from);
		return;
	}
	if (n == 0)
		return;
	pb_load_task_file(L, handlers ? &r->handlers : &r->tasks, files[0], pos, NULL, r, handlers);
}

/* The search path of role names, in Ansible's order. */
static size_t role_search_paths(struct pb_loader *L, const char **out, size_t max,
				struct kiso_role *parent)
{
	size_t n = 0;
	const char *env;

	out[n++] = pb_join(L, L->basedir, "roles");
	if (L->opts->roles_path)
		for (size_t i = 0; L->opts->roles_path[i] && n < max - 3; i++)
			out[n++] = pb_abspath(L, L->opts->roles_path[i]);
	env = L->opts->env_roles_path ? L->opts->env_roles_path : getenv("ANSIBLE_ROLES_PATH");
	if (!env) {
		const char *home = getenv("HOME");
		if (home && n < max - 3)
			out[n++] = kiso_arena_sprintf(L->a, "%s/.ansible/roles", home);
		if (n < max - 3)
			out[n++] = "/usr/share/ansible/roles";
		if (n < max - 3)
			out[n++] = "/etc/ansible/roles";
	} else {
		const char *p = env;
		while (*p && n < max - 3) {
			const char *c = strchr(p, ':');
			size_t l = c ? (size_t)(c - p) : strlen(p);
			if (l) {
				const char *d = kiso_arena_strndup(L->a, p, l);
				if (d[0] == '~' && (d[1] == '/' || !d[1]) && getenv("HOME"))
					d = kiso_arena_sprintf(L->a, "%s%s", getenv("HOME"), d + 1);
				out[n++] = pb_abspath(L, d);
			}
			p = c ? c + 1 : p + l;
		}
	}
	if (parent && n < max - 2)
		out[n++] = pb_dirname(L, parent->path);
	out[n++] = L->basedir;
	return n;
}

static bool path_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static const char *basename_of(const char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		n--;
	const char *s = p + n;
	while (s > p && s[-1] != '/')
		s--;
	return s;
}

/* Finds role 'name': its absolute path, or NULL (reported). */
static const char *find_role(struct pb_loader *L, const char *name, struct kiso_pos pos,
			     struct kiso_role *parent, const char **rname)
{
	const char *paths[80];
	size_t n = role_search_paths(L, paths, KISO_ARRAY_SIZE(paths), parent);
	struct kiso_buf b = KISO_BUF_INIT;

	*rname = name;
	for (size_t i = 0; i < n; i++) {
		const char *p = pb_join(L, paths[i], name);
		if (path_exists(p))
			return pb_abspath(L, p);
	}
	if (path_exists(name)) {
		*rname = kiso_arena_strdup(L->a, basename_of(name));
		return pb_abspath(L, name);
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			kiso_buf_putc(&b, ':');
		kiso_buf_puts(&b, paths[i]);
	}
	pb_error(L, pos, "the role '%s' was not found in %s", name, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return NULL;
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool same_use(const struct kiso_role *a, const struct kiso_role *b)
{
	if (strcmp(a->path, b->path) != 0)
		return false;
	if ((a->origin == KISO_ROLE_INCLUDE) != (b->origin == KISO_ROLE_INCLUDE))
		return false;
	if (!kiso_value_equal(a->params, b->params) || !kiso_value_equal(a->use_vars, b->use_vars))
		return false;
	const struct kiso_value *wa = kiso_map_get(a->kw, "when"), *wb = kiso_map_get(b->kw, "when");
	const struct kiso_value *ta = kiso_map_get(a->kw, "tags"), *tb = kiso_map_get(b->kw, "tags");
	if ((wa || wb) && (!wa || !wb || !kiso_value_equal(wa, wb)))
		return false;
	if ((ta || tb) && (!ta || !tb || !kiso_value_equal(ta, tb)))
		return false;
	return same_str(a->tasks_from, b->tasks_from) && same_str(a->vars_from, b->vars_from) &&
	       same_str(a->defaults_from, b->defaults_from) &&
	       same_str(a->handlers_from, b->handlers_from);
}

static void load_meta(struct pb_loader *L, struct kiso_role *r)
{
	const char **files;
	int n = role_files(L, r->path, "meta", NULL, false, &files);
	struct kiso_value *meta, *deps;

	if (n <= 0)
		return;
	meta = pb_load_yaml(L, files[0], r->pos);
	if (!meta || meta->type == KISO_NULL)
		return;
	if (meta->type != KISO_MAP) {
		pb_error(L, meta->pos, "the meta/main.yml file for role '%s' must contain a mapping",
			 r->name);
		return;
	}
	r->meta = meta;
	for (size_t i = 0; i < meta->u.map.len; i++) {
		const struct kiso_mapent *e = &meta->u.map.items[i];
		const char *k = e->key->type == KISO_STR ? e->key->u.s.ptr : "";
		if (strcmp(k, "allow_duplicates") == 0 || strcmp(k, "dependencies") == 0 ||
		    strcmp(k, "galaxy_info") == 0 || strcmp(k, "argument_specs") == 0 ||
		    strcmp(k, "collections") == 0)
			continue;
		pb_error(L, e->key->pos, "'%s' is not a valid attribute for a RoleMetadata", k);
	}
	const struct kiso_value *ad = kiso_map_get(meta, "allow_duplicates");
	if (ad) {
		const char *s = ad->type == KISO_STR ? ad->u.s.ptr : NULL;
		if (ad->type == KISO_BOOL)
			r->allow_duplicates = ad->u.b;
		else if (s && (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") ||
			       !strcasecmp(s, "on")))
			r->allow_duplicates = true;
		else if (!(s && (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0") ||
				 !strcasecmp(s, "off"))))
			pb_error(L, ad->pos, "'allow_duplicates' must be a boolean, got %s",
				 pb_type_desc(ad));
	}
	deps = kiso_map_get(meta, "dependencies");
	if (!deps || deps->type == KISO_NULL)
		return;
	if (deps->type != KISO_LIST) {
		pb_error(L, deps->pos, "'dependencies' must be a list of roles, got %s",
			 pb_type_desc(deps));
		return;
	}
	r->deps = kiso_arena_zalloc(L->a, (deps->u.list.len + 1) * sizeof(*r->deps));
	for (size_t i = 0; i < deps->u.list.len; i++) {
		struct kiso_value *e = deps->u.list.items[i];
		struct kiso_role *d = pb_load_role(L, e, NULL, e->pos, KISO_ROLE_DEPENDENCY, r, NULL,
						   NULL);
		if (d)
			r->deps[r->ndeps++] = d;
	}
}

struct kiso_role *pb_load_role(struct pb_loader *L, const struct kiso_value *entry,
			       const char *name, struct kiso_pos pos, enum kiso_role_origin origin,
			       struct kiso_role *parent, struct kiso_taskdef *via,
			       const struct pb_role_from *from)
{
	static const struct pb_role_from nofrom = { 0 };
	struct kiso_role *r = kiso_arena_zalloc(L->a, sizeof(*r));
	const char *path, *rname;

	if (!from)
		from = &nofrom;
	r->pos = pos;
	r->origin = origin;
	r->parent = parent;
	r->via = via;
	r->play = L->play;
	r->kw = pb_map(L, pos);
	r->params = pb_map(L, pos);
	r->use_vars = pb_map(L, pos);
	r->defaults = pb_map(L, pos);
	r->vars = pb_map(L, pos);
	r->allow_duplicates = origin == KISO_ROLE_INCLUDE;
	r->tasks_from = from->tasks;
	r->vars_from = from->vars;
	r->defaults_from = from->defaults;
	r->handlers_from = from->handlers;

	if (entry) {
		const struct kiso_value *nv = NULL;

		if (entry->type == KISO_STR) {
			nv = entry;
		} else if (entry->type == KISO_INT) {
			name = kiso_arena_sprintf(L->a, "%lld", (long long)entry->u.i);
		} else if (entry->type == KISO_MAP) {
			nv = kiso_map_get(entry, "role");
			if (!nv)
				nv = kiso_map_get(entry, "name");
			if (!nv || nv->type != KISO_STR || !nv->u.s.len) {
				pb_error(L, entry->pos, "role definitions must contain a role name");
				return NULL;
			}
			for (size_t i = 0; i < entry->u.map.len; i++) {
				const struct kiso_mapent *e = &entry->u.map.items[i];
				const char *k = e->key->type == KISO_STR ? e->key->u.s.ptr : NULL;
				if (!k) {
					pb_error(L, e->key->pos, "keys of a role entry must be strings");
					continue;
				}
				if (!is_role_keyword(k)) {
					kiso_map_setv(L->a, r->params, e->key, e->val);
					pb_check_templates(L, e->val);
					continue;
				}
				if (strcmp(k, "role") == 0 || (strcmp(k, "name") == 0 && nv == e->val))
					continue;
				pb_check_keyword(L, k, e->val);
				if (strcmp(k, "vars") == 0) {
					const struct kiso_value *v = e->val;
					if (v->type == KISO_MAP)
						for (size_t j = 0; j < v->u.map.len; j++)
							kiso_map_setv(L->a, r->use_vars, v->u.map.items[j].key,
								      v->u.map.items[j].val);
					else if (v->type == KISO_LIST)
						for (size_t j = 0; j < v->u.list.len; j++) {
							const struct kiso_value *m = v->u.list.items[j];
							if (m->type != KISO_MAP)
								continue;
							for (size_t q = 0; q < m->u.map.len; q++)
								kiso_map_setv(L->a, r->use_vars,
									      m->u.map.items[q].key,
									      m->u.map.items[q].val);
						}
					continue;
				}
				kiso_map_setv(L->a, r->kw, e->key, e->val);
			}
		} else {
			pb_error(L, entry->pos, "a role must be a name or a mapping, got %s",
				 pb_type_desc(entry));
			return NULL;
		}
		if (nv) {
			name = nv->u.s.ptr;
			pos = nv->pos;
			r->pos = entry->pos;
		}
	}
	if (!name || !*name) {
		pb_error(L, pos, "role definitions must contain a role name");
		return NULL;
	}
	if (kiso_tmpl_has_template(name, strlen(name))) {
		pb_warn(L, pos, "role name '%s' is a template: the role is not checked", name);
		return NULL;
	}
	/*
	 * Each use loads the role's files again (Ansible shares equal uses):
	 * a dependency graph full of diamonds would grow exponentially.
	 */
	if (++L->role_loads > 4096) { /* per play: reset by load_play() */
		if (!L->role_loads_reported)
			pb_error(L, pos, "too many role uses: the role dependencies are too tangled to load");
		L->role_loads_reported = true;
		return NULL;
	}
	if (L->role_depth > 32) {
		pb_error(L, pos,
			 "a recursion loop was detected with the roles specified: role '%s' depends on itself",
			 name);
		return NULL;
	}
	path = find_role(L, name, pos, parent, &rname);
	if (!path)
		return NULL;
	r->name = rname;
	r->path = path;
	for (struct kiso_role *p = parent; p; p = p->parent)
		if (strcmp(p->path, path) == 0 && L->role_depth > 8) {
			pb_error(L, pos,
				 "a recursion loop was detected with the roles specified: role '%s' depends on itself",
				 rname);
			return NULL;
		}

	L->role_depth++;
	load_meta(L, r);
	r->defaults = load_role_vars(L, r, "defaults", from->defaults, pos);
	r->vars = load_role_vars(L, r, "vars", from->vars, pos);
	load_role_tasks(L, r, false, from->tasks, pos);
	load_role_tasks(L, r, true, from->handlers, pos);
	L->role_depth--;

	for (size_t i = 0; i < L->nuses; i++) {
		struct kiso_role *o = L->uses[i];
		if (same_use(o, r)) {
			r->same_as = o->same_as ? o->same_as : o;
			break;
		}
	}
	if (L->nuses == L->capuses) {
		size_t c = L->capuses ? L->capuses * 2 : 16;
		L->uses = kiso_arena_grow(L->a, L->uses, L->capuses * sizeof(*L->uses),
					  c * sizeof(*L->uses));
		L->capuses = c;
	}
	L->uses[L->nuses++] = r;
	return r;
}
