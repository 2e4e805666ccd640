/*
 * inventory.c - the inventory model, loading of sources, vars layers and
 * the merged variables of a host.
 *
 * The model mirrors ansible-core 2.14's InventoryData, Group and Host. Two
 * details shape the code:
 *
 *  - Ansible reconciles the inventory once, after every source is parsed
 *    (top-level groups become children of 'all', hosts in no group join
 *    'ungrouped'). kiso loads one source per call, so it reconciles after
 *    each call but first undoes what the previous reconciliation added
 *    (flags 'implicit_all' and 'implicit_ungrouped'). The end state, order
 *    included, is the one a single final reconciliation gives.
 *  - Group.depth is kept incrementally by Ansible; its value is always the
 *    length of the longest path from 'all', which is what we compute.
 *
 * Vars layers (group_vars/ and host_vars/ next to a source or a playbook)
 * cache, per directory, the merged content of every file that applies to
 * each group and host: 'gcache' and 'hcache' map a name to that map, or to
 * null when no file applies.
 */
#include "kiso_common.h"
#include "inventory.h"
#include "inventory_int.h"
#include "yaml.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

struct group_x {
	struct kiso_inv_group g; /* first: a group_x * is a kiso_inv_group * */
	size_t cap_children, cap_parents, cap_hosts;
	bool implicit_all;       /* child of 'all' by reconciliation only */
	unsigned stamp;          /* scratch for is_ancestor() */
	size_t indeg;            /* scratch for depths */
};

struct host_x {
	struct kiso_inv_host h;  /* first */
	size_t cap_groups;
	bool implicit_ungrouped; /* in 'ungrouped' by reconciliation only */
};

/* A name -> pointer table (open addressing, arena-backed). */
struct table {
	const char **keys;
	void **vals;
	size_t cap, len;
};

struct vdir {                    /* one directory holding group_vars/ host_vars/ */
	const char *dir;                /* absolute, normalised: the identity */
	const char *shown;              /* as the user named it: for file names */
	struct kiso_value *gcache;
	struct kiso_value *hcache;
};

struct layer {
	struct vdir *vd;
	bool playbook;
};

struct kiso_inventory_priv {
	struct table hosts, groups;
	size_t cap_hosts, cap_groups;
	struct vdir **vdirs;
	size_t nvdirs, cap_vdirs;
	struct layer *layers;
	size_t nlayers, cap_layers;
	struct kiso_value *cur_file; /* inventory_file for new hosts (str or null) */
	struct kiso_value *cur_dir;  /* inventory_dir */
	unsigned stamp;              /* for is_ancestor() */
};

/* ------------------------------------------------------------------ */
/* small helpers */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void *table_get(const struct table *t, const char *key)
{
	if (!t->cap)
		return NULL;
	for (size_t i = hash_str(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->keys[i])
			return NULL;
		if (strcmp(t->keys[i], key) == 0)
			return t->vals[i];
	}
}

static void table_put(struct kiso_arena *a, struct table *t, const char *key, void *val);

static void table_grow(struct kiso_arena *a, struct table *t)
{
	struct table n = { NULL, NULL, t->cap ? t->cap * 2 : 16, 0 };

	n.keys = kiso_arena_zalloc(a, n.cap * sizeof(*n.keys));
	n.vals = kiso_arena_zalloc(a, n.cap * sizeof(*n.vals));
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i])
			table_put(a, &n, t->keys[i], t->vals[i]);
	*t = n;
}

static void table_put(struct kiso_arena *a, struct table *t, const char *key, void *val)
{
	size_t i;

	if ((t->len + 1) * 2 > t->cap)
		table_grow(a, t);
	for (i = hash_str(key) & (t->cap - 1); t->keys[i]; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->keys[i], key) == 0) {
			t->vals[i] = val;
			return;
		}
	t->keys[i] = key;
	t->vals[i] = val;
	t->len++;
}

/* Appends p to an arena array of pointers (*arr, *n, *cap). */
static void ptr_push(struct kiso_arena *a, void *arrp, size_t *n, size_t *cap, void *p)
{
	void ***arr = arrp;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;

		*arr = kiso_arena_grow(a, *arr, *cap * sizeof(void *), nc * sizeof(void *));
		*cap = nc;
	}
	(*arr)[(*n)++] = p;
}

/* Removes the first occurrence of p from an array; true if found. */
static bool ptr_remove(void *arrp, size_t *n, const void *p)
{
	void **arr = *(void ***)arrp;

	for (size_t i = 0; i < *n; i++)
		if (arr[i] == p) {
			memmove(arr + i, arr + i + 1, (*n - i - 1) * sizeof(void *));
			(*n)--;
			return true;
		}
	return false;
}

static bool ptr_has(void *const *arr, size_t n, const void *p)
{
	for (size_t i = 0; i < n; i++)
		if (arr[i] == p)
			return true;
	return false;
}

static struct group_x *GX(struct kiso_inv_group *g)
{
	return (struct group_x *)g;
}

static struct host_x *HX(struct kiso_inv_host *h)
{
	return (struct host_x *)h;
}

/* An absolute, normalised path without following symlinks (unfrackpath). */
static char *abs_path(struct kiso_arena *a, const char *path)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char cwd[PATH_MAX];
	char *out, *s, *save = NULL;
	const char **parts;
	size_t n = 0;

	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			strcpy(cwd, "/");
		kiso_buf_puts(&b, cwd);
		kiso_buf_putc(&b, '/');
	}
	kiso_buf_puts(&b, path);
	s = kiso_arena_strdup(a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	parts = kiso_arena_alloc(a, (strlen(s) / 2 + 2) * sizeof(*parts));
	for (char *t = strtok_r(s, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (n)
				n--;
			continue;
		}
		parts[n++] = t;
	}
	for (size_t i = 0; i < n; i++) {
		kiso_buf_putc(&b, '/');
		kiso_buf_puts(&b, parts[i]);
	}
	out = kiso_arena_strdup(a, b.len ? kiso_buf_cstr(&b) : "/");
	kiso_buf_release(&b);
	return out;
}

static char *dir_name(struct kiso_arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return kiso_arena_strdup(a, ".");
	if (slash == path)
		return kiso_arena_strdup(a, "/");
	return kiso_arena_strndup(a, path, (size_t)(slash - path));
}

/* path without trailing slashes ("/" stays) */
static char *trim_slashes(struct kiso_arena *a, const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return kiso_arena_strndup(a, path, n);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ------------------------------------------------------------------ */
/* the model */

struct kiso_inventory *kiso_inventory_new(void)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_inventory *inv = kiso_arena_zalloc(a, sizeof(*inv));
	struct kiso_inv_group *all, *ungrouped;

	inv->arena = a;
	inv->priv = kiso_arena_zalloc(a, sizeof(*inv->priv));
	inv->priv->cur_file = kiso_null(a, KISO_POS_NONE);
	inv->priv->cur_dir = kiso_null(a, KISO_POS_NONE);
	all = kiso_inv_add_group(inv, "all", KISO_POS_NONE);
	ungrouped = kiso_inv_add_group(inv, "ungrouped", KISO_POS_NONE);
	kiso_inv_add_child(inv, all, ungrouped, KISO_POS_NONE, NULL);
	return inv;
}

void kiso_inventory_free(struct kiso_inventory *inv)
{
	if (inv)
		kiso_arena_free(inv->arena);
}

struct kiso_inv_host *kiso_inventory_host(const struct kiso_inventory *inv, const char *name)
{
	return table_get(&inv->priv->hosts, name);
}

struct kiso_inv_group *kiso_inventory_group(const struct kiso_inventory *inv, const char *name)
{
	return table_get(&inv->priv->groups, name);
}

struct kiso_inv_group *kiso_inv_add_group(struct kiso_inventory *inv, const char *name,
					  struct kiso_pos pos)
{
	struct kiso_inv_group *g = kiso_inventory_group(inv, name);
	struct group_x *gx;

	if (g)
		return g;
	gx = kiso_arena_zalloc(inv->arena, sizeof(*gx));
	g = &gx->g;
	g->name = kiso_arena_strdup(inv->arena, name);
	g->pos = pos;
	g->vars = kiso_map_new(inv->arena, pos);
	g->priority = 1;
	table_put(inv->arena, &inv->priv->groups, g->name, g);
	ptr_push(inv->arena, &inv->groups, &inv->ngroups, &inv->priv->cap_groups, g);
	return g;
}

static void join_group(struct kiso_inventory *inv, struct kiso_inv_host *h,
		       struct kiso_inv_group *g)
{
	if (ptr_has((void *const *)h->groups, h->ngroups, g)) {
		if (HX(h)->implicit_ungrouped && strcmp(g->name, "ungrouped") == 0) {
			/* made explicit: moves to where Ansible would add it */
			HX(h)->implicit_ungrouped = false;
			ptr_remove(&g->hosts, &g->nhosts, h);
			ptr_push(inv->arena, &g->hosts, &g->nhosts, &GX(g)->cap_hosts, h);
		}
		return;
	}
	ptr_push(inv->arena, &g->hosts, &g->nhosts, &GX(g)->cap_hosts, h);
	ptr_push(inv->arena, &h->groups, &h->ngroups, &HX(h)->cap_groups, g);
}

int kiso_inv_add_host(struct kiso_inv_host **out, struct kiso_inventory *inv, const char *name,
		      struct kiso_inv_group *g, long port, struct kiso_pos pos,
		      struct kiso_error *err)
{
	struct kiso_inv_host *h;
	struct host_x *hx;

	if (!name || !*name)
		return kiso_error_set(err, KISO_EINVALID, pos, "invalid empty host name");
	h = kiso_inventory_host(inv, name);
	if (!h) {
		hx = kiso_arena_zalloc(inv->arena, sizeof(*hx));
		h = &hx->h;
		h->name = kiso_arena_strdup(inv->arena, name);
		h->pos = pos;
		h->index = inv->nhosts;
		h->vars = kiso_map_new(inv->arena, pos);
		if (port > 0)
			kiso_map_set(inv->arena, h->vars, "ansible_port",
				     kiso_int(inv->arena, port, pos));
		kiso_map_set(inv->arena, h->vars, "inventory_file", inv->priv->cur_file);
		kiso_map_set(inv->arena, h->vars, "inventory_dir", inv->priv->cur_dir);
		table_put(inv->arena, &inv->priv->hosts, h->name, h);
		ptr_push(inv->arena, &inv->hosts, &inv->nhosts, &inv->priv->cap_hosts, h);
	}
	if (g)
		join_group(inv, h, g);
	if (out)
		*out = h;
	return 0;
}

/* Is 'anc' an ancestor of g (or g itself)? Iterative, each group seen once. */
static bool is_ancestor(struct kiso_inventory *inv, const struct kiso_inv_group *anc,
			struct kiso_inv_group *g)
{
	struct kiso_inv_group **stack = NULL;
	size_t n = 0, cap = 0;
	unsigned stamp = ++inv->priv->stamp;
	bool found = false;

	ptr_push(inv->arena, &stack, &n, &cap, g);
	GX(g)->stamp = stamp;
	while (n && !found) {
		struct kiso_inv_group *x = stack[--n];

		if (x == anc) {
			found = true;
			break;
		}
		for (size_t i = 0; i < x->nparents; i++)
			if (GX(x->parents[i])->stamp != stamp) {
				GX(x->parents[i])->stamp = stamp;
				ptr_push(inv->arena, &stack, &n, &cap, x->parents[i]);
			}
	}
	return found;
}

int kiso_inv_add_child(struct kiso_inventory *inv, struct kiso_inv_group *parent,
		       struct kiso_inv_group *child, struct kiso_pos pos, struct kiso_error *err)
{
	if (parent == child)
		return kiso_error_set(err, KISO_EINVALID, pos, "cannot add group '%s' to itself",
				      child->name);
	if (ptr_has((void *const *)parent->children, parent->nchildren, child)) {
		/*
		 * A link the last reconciliation made becomes explicit, at the
		 * place where Ansible, which reconciles only at the end, adds it.
		 */
		if (GX(child)->implicit_all && strcmp(parent->name, "all") == 0) {
			GX(child)->implicit_all = false;
			ptr_remove(&parent->children, &parent->nchildren, child);
			ptr_push(inv->arena, &parent->children, &parent->nchildren,
				 &GX(parent)->cap_children, child);
		}
		return 0;
	}
	if (is_ancestor(inv, child, parent))
		return kiso_error_set(err, KISO_EINVALID, pos,
				      "adding group '%s' as child to '%s' creates a recursive "
				      "dependency loop", child->name, parent->name);
	ptr_push(inv->arena, &parent->children, &parent->nchildren, &GX(parent)->cap_children,
		 child);
	if (!ptr_has((void *const *)child->parents, child->nparents, parent))
		ptr_push(inv->arena, &child->parents, &child->nparents, &GX(child)->cap_parents,
			 parent);
	return 0;
}

/* Python's int() of a value, for ansible_group_priority. */
static int py_int(long long *out, const struct kiso_value *v)
{
	switch (v->type) {
	case KISO_BOOL:
		*out = v->u.b;
		return 0;
	case KISO_INT:
		*out = v->u.i;
		return 0;
	case KISO_FLOAT:
		if (v->u.f != v->u.f || v->u.f > 9e18 || v->u.f < -9e18)
			return -1;
		*out = (long long)v->u.f;
		return 0;
	case KISO_STR: {
		const char *s = v->u.s.ptr;
		char digits[64];
		size_t n = 0;
		bool neg = false;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
		       *s == '\v')
			s++;
		if (*s == '+' || *s == '-')
			neg = *s++ == '-';
		if (!(*s >= '0' && *s <= '9'))
			return -1;
		for (; *s; s++) {
			if (*s >= '0' && *s <= '9') {
				if (n + 1 >= sizeof(digits))
					return -1;
				digits[n++] = *s;
			} else if (*s == '_' && s[1] >= '0' && s[1] <= '9' && s[-1] != '_') {
				continue;
			} else {
				break;
			}
		}
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
		       *s == '\v')
			s++;
		if (*s)
			return -1;
		digits[n] = 0;
		errno = 0;
		*out = strtoll(digits, NULL, 10);
		if (errno)
			return -1;
		if (neg)
			*out = -*out;
		return 0;
	}
	default:
		return -1;
	}
}

int kiso_inv_group_set(struct kiso_inventory *inv, struct kiso_inv_group *g,
		       struct kiso_value *key, struct kiso_value *val, struct kiso_error *err)
{
	if (key->type == KISO_STR && strcmp(key->u.s.ptr, "ansible_group_priority") == 0) {
		long long p;

		if (py_int(&p, val) < 0 || p > INT_MAX || p < INT_MIN) {
			struct kiso_buf b = KISO_BUF_INIT;
			int rc;

			kiso_value_repr(&b, val);
			rc = kiso_error_set(err, KISO_EINVALID, val->pos,
					    "ansible_group_priority of group '%s' is not an "
					    "integer: %s", g->name, kiso_buf_cstr(&b));
			kiso_buf_release(&b);
			return rc;
		}
		g->priority = (int)p;
		return 0;
	}
	kiso_map_setv(inv->arena, g->vars, key, val);
	return 0;
}

void kiso_inv_host_set(struct kiso_inventory *inv, struct kiso_inv_host *h,
		       struct kiso_value *key, struct kiso_value *val)
{
	kiso_map_setv(inv->arena, h->vars, key, val);
}

/* ------------------------------------------------------------------ */
/* reconciliation and depth */

/*
 * Group.depth: the longest path from a group without parents, computed in
 * topological order (the graph has no cycles: kiso_inv_add_child refuses).
 */
static void compute_depths(struct kiso_inventory *inv)
{
	struct kiso_inv_group **queue = kiso_arena_alloc(inv->arena,
							 (inv->ngroups + 1) * sizeof(*queue));
	size_t head = 0, tail = 0;

	for (size_t i = 0; i < inv->ngroups; i++) {
		struct kiso_inv_group *g = inv->groups[i];

		g->depth = 0;
		GX(g)->indeg = g->nparents;
		if (!g->nparents)
			queue[tail++] = g;
	}
	while (head < tail) {
		struct kiso_inv_group *g = queue[head++];

		for (size_t i = 0; i < g->nchildren; i++) {
			struct kiso_inv_group *c = g->children[i];

			if (c->depth < g->depth + 1)
				c->depth = g->depth + 1;
			if (GX(c)->indeg && --GX(c)->indeg == 0)
				queue[tail++] = c;
		}
	}
}

/* Does h belong (directly or through ancestors) to a group but all/ungrouped? */
static bool in_real_group(struct kiso_inventory *inv, struct kiso_inv_host *h)
{
	struct kiso_inv_group *all = inv->groups[0], *ungrouped = inv->groups[1];

	for (size_t i = 0; i < h->ngroups; i++) {
		struct kiso_inv_group *g = h->groups[i];

		if (g != all && g != ungrouped)
			return true;
		/* ungrouped itself might have been made a child of something */
		for (size_t j = 0; j < g->nparents; j++)
			if (g->parents[j] != all)
				return true;
	}
	return false;
}

static void reconcile(struct kiso_inventory *inv)
{
	struct kiso_inv_group *all = inv->groups[0], *ungrouped = inv->groups[1];
	size_t k = 0;

	/* undo the previous reconciliation (in bulk: inventories may be big) */
	for (size_t i = 0; i < all->nchildren; i++) {
		struct kiso_inv_group *g = all->children[i];

		if (GX(g)->implicit_all) {
			ptr_remove(&g->parents, &g->nparents, all);
			GX(g)->implicit_all = false;
		} else {
			all->children[k++] = g;
		}
	}
	all->nchildren = k;
	k = 0;
	for (size_t i = 0; i < ungrouped->nhosts; i++) {
		struct kiso_inv_host *h = ungrouped->hosts[i];

		if (HX(h)->implicit_ungrouped) {
			ptr_remove(&h->groups, &h->ngroups, ungrouped);
			HX(h)->implicit_ungrouped = false;
		} else {
			ungrouped->hosts[k++] = h;
		}
	}
	ungrouped->nhosts = k;
	/* every group without a parent is a child of all */
	for (size_t i = 1; i < inv->ngroups; i++) {
		struct kiso_inv_group *g = inv->groups[i];

		if (g->nparents == 0) {
			ptr_push(inv->arena, &all->children, &all->nchildren,
				 &GX(all)->cap_children, g);
			ptr_push(inv->arena, &g->parents, &g->nparents, &GX(g)->cap_parents, all);
			GX(g)->implicit_all = true;
		}
	}
	/* hosts in a real group leave ungrouped; hosts in none join it */
	k = 0;
	for (size_t i = 0; i < ungrouped->nhosts; i++) {
		struct kiso_inv_host *h = ungrouped->hosts[i];

		if (in_real_group(inv, h))
			ptr_remove(&h->groups, &h->ngroups, ungrouped);
		else
			ungrouped->hosts[k++] = h;
	}
	ungrouped->nhosts = k;
	for (size_t i = 0; i < inv->nhosts; i++) {
		struct kiso_inv_host *h = inv->hosts[i];

		if (h->ngroups == 0 || (h->ngroups == 1 && h->groups[0] == all)) {
			join_group(inv, h, ungrouped);
			HX(h)->implicit_ungrouped = true;
		}
	}
	compute_depths(inv);
}

/* ------------------------------------------------------------------ */
/* vars layers */

static struct vdir *vdir_get(struct kiso_inventory *inv, const char *dir, const char *shown)
{
	struct kiso_inventory_priv *p = inv->priv;
	struct vdir *vd;

	for (size_t i = 0; i < p->nvdirs; i++)
		if (strcmp(p->vdirs[i]->dir, dir) == 0)
			return p->vdirs[i];
	vd = kiso_arena_zalloc(inv->arena, sizeof(*vd));
	vd->dir = kiso_arena_strdup(inv->arena, dir);
	vd->shown = kiso_arena_strdup(inv->arena, shown);
	vd->gcache = kiso_map_new(inv->arena, KISO_POS_NONE);
	vd->hcache = kiso_map_new(inv->arena, KISO_POS_NONE);
	ptr_push(inv->arena, &p->vdirs, &p->nvdirs, &p->cap_vdirs, vd);
	return vd;
}

static void add_layer(struct kiso_inventory *inv, const char *dir, const char *shown,
		      bool playbook)
{
	struct kiso_inventory_priv *p = inv->priv;

	if (p->nlayers == p->cap_layers) {
		size_t nc = p->cap_layers ? p->cap_layers * 2 : 4;

		p->layers = kiso_arena_grow(inv->arena, p->layers, p->cap_layers * sizeof(*p->layers),
					    nc * sizeof(*p->layers));
		p->cap_layers = nc;
	}
	p->layers[p->nlayers].vd = vdir_get(inv, dir, shown);
	p->layers[p->nlayers].playbook = playbook;
	p->nlayers++;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The sorted entries of a directory (hidden ones too); caller frees. */
static char **list_dir(const char *path, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			names = kiso_xrealloc(names, cap * sizeof(*names));
		}
		names[(*n)++] = kiso_xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static const char *const vars_exts[] = { ".yml", ".yaml", ".json" };

/* os.path.splitext(name)[1], without treating a leading dot as one */
static const char *ext_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *p = name;

	if (!dot)
		return "";
	while (*p == '.')
		p++;
	if (dot < p)
		return "";
	return dot;
}

static bool vars_ext_ok(const char *ext)
{
	if (!*ext)
		return true;
	for (size_t i = 0; i < KISO_ARRAY_SIZE(vars_exts); i++)
		if (strcmp(ext, vars_exts[i]) == 0)
			return true;
	return false;
}

/* DataLoader._get_dir_vars_files() */
static void dir_vars_files(struct kiso_arena *a, const char *path, const char ***files,
			   size_t *n, size_t *cap, unsigned depth)
{
	size_t nn;
	char **names;

	if (depth > 64)
		return;
	names = list_dir(path, &nn);
	for (size_t i = 0; i < nn; i++) {
		const char *s = names[i];
		const char *ext = ext_of(s);
		char *full;

		if (s[0] == '.' || s[strlen(s) - 1] == '~')
			continue;
		full = kiso_arena_sprintf(a, "%s/%s", path, s);
		if (is_dir(full) && !*ext)
			dir_vars_files(a, full, files, n, cap, depth + 1);
		else if (is_file(full) && vars_ext_ok(ext))
			ptr_push(a, files, n, cap, full);
	}
	free_list(names, nn);
}

/* Merges 'src' (a map) into 'dst' key by key (hash_behaviour=replace). */
static void combine(struct kiso_arena *a, struct kiso_value *dst, const struct kiso_value *src)
{
	if (!src || src->type != KISO_MAP)
		return;
	for (size_t i = 0; i < src->u.map.len; i++)
		kiso_map_setv(a, dst, src->u.map.items[i].key, src->u.map.items[i].val);
}

/*
 * The merged vars of entity 'name' in directory 'base'/'subdir' (Ansible's
 * host_group_vars plugin): *out is a map or NULL when no file applies.
 */
static int load_entity_vars(struct kiso_value **out, struct kiso_inventory *inv,
			    const char *base, const char *subdir, const char *name,
			    struct kiso_error *err)
{
	struct kiso_arena *a = inv->arena;
	char *opath;
	const char **files = NULL;
	size_t nfiles = 0, cap = 0;
	struct kiso_value *data = NULL;

	*out = NULL;
	if (name[0] == '/')
		return 0;
	opath = kiso_arena_sprintf(a, "%s/%s", base, subdir);
	if (!is_dir(opath))
		return 0;
	for (size_t i = 0; i <= KISO_ARRAY_SIZE(vars_exts); i++) {
		char *full = kiso_arena_sprintf(a, "%s/%s%s", opath, name,
						i ? vars_exts[i - 1] : "");

		if (!exists(full))
			continue;
		if (is_dir(full))
			dir_vars_files(a, full, &files, &nfiles, &cap, 0);
		else
			ptr_push(a, &files, &nfiles, &cap, full);
		break;
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct kiso_value *v;
		int rc = kiso_yaml_load_file(&v, a, files[i], err);

		if (rc < 0)
			return rc;
		if (!kiso_value_truthy(v))
			continue;
		if (v->type == KISO_STR && strncmp(v->u.s.ptr, "$ANSIBLE_VAULT;", 15) == 0)
			return kiso_error_set(err, KISO_EINVALID, v->pos,
					      "'%s' is encrypted with ansible-vault, which kiso "
					      "cannot decrypt", files[i]);
		if (v->type != KISO_MAP)
			return kiso_error_set(err, KISO_EINVALID, v->pos,
					      "variables file must hold a mapping, not a %s",
					      kiso_value_type_name(v));
		if (!data)
			data = kiso_map_new(a, v->pos);
		combine(a, data, v);
	}
	*out = data;
	return 0;
}

static int vdir_entity(struct kiso_value **out, struct kiso_inventory *inv, struct vdir *vd,
		       bool host, const char *name, struct kiso_error *err)
{
	struct kiso_value *cache = host ? vd->hcache : vd->gcache;
	struct kiso_value *v = kiso_map_get(cache, name);
	int rc;

	if (v) {
		*out = v->type == KISO_MAP ? v : NULL;
		return 0;
	}
	rc = load_entity_vars(out, inv, vd->shown, host ? "host_vars" : "group_vars", name, err);
	if (rc < 0)
		return rc;
	kiso_map_set(inv->arena, cache, name, *out ? *out : kiso_null(inv->arena, KISO_POS_NONE));
	return 0;
}

/* Reads every vars file that applies to a known group or host. */
static int load_layers(struct kiso_inventory *inv, struct kiso_error *err)
{
	struct kiso_inventory_priv *p = inv->priv;
	struct kiso_value *v;
	int rc;

	for (size_t i = 0; i < p->nvdirs; i++) {
		for (size_t j = 0; j < inv->ngroups; j++)
			if ((rc = vdir_entity(&v, inv, p->vdirs[i], false, inv->groups[j]->name,
					      err)) < 0)
				return rc;
		for (size_t j = 0; j < inv->nhosts; j++)
			if ((rc = vdir_entity(&v, inv, p->vdirs[i], true, inv->hosts[j]->name,
					      err)) < 0)
				return rc;
		if (inv->localhost && inv->localhost->implicit &&
		    (rc = vdir_entity(&v, inv, p->vdirs[i], true, inv->localhost->name, err)) < 0)
			return rc;
	}
	return 0;
}

int kiso_inventory_add_vars_dir(struct kiso_inventory *inv, const char *dir,
				struct kiso_error *err)
{
	add_layer(inv, abs_path(inv->arena, dir), trim_slashes(inv->arena, dir), true);
	return load_layers(inv, err);
}

int kiso_inv_load_layers(struct kiso_inventory *inv, struct kiso_error *err)
{
	return load_layers(inv, err);
}

/* ------------------------------------------------------------------ */
/* sources */

static void set_current(struct kiso_inventory *inv, const char *file, const char *dir)
{
	struct kiso_arena *a = inv->arena;

	inv->priv->cur_file = file ? kiso_str(a, file, KISO_POS_NONE) : kiso_null(a, KISO_POS_NONE);
	inv->priv->cur_dir = dir ? kiso_str(a, dir, KISO_POS_NONE) : kiso_null(a, KISO_POS_NONE);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Ansible's IGNORED regex for entries of a directory source. */
static bool ignored_entry(const char *name)
{
	static const char *const exts[] = { ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md",
					    ".txt", ".rst", ".orig", ".ini", ".cfg", ".retry" };

	if (name[0] == '.' || strcmp(name, "host_vars") == 0 ||
	    strcmp(name, "group_vars") == 0 || strcmp(name, "vars_plugins") == 0)
		return true;
	for (size_t i = 0; i < KISO_ARRAY_SIZE(exts); i++)
		if (has_suffix(name, exts[i]))
			return true;
	return false;
}

static int read_file(char **out, size_t *len, struct kiso_arena *a, const char *path,
		     struct kiso_error *err)
{
	FILE *f = fopen(path, "rb");
	struct kiso_buf b = KISO_BUF_INIT;
	char chunk[65536];
	size_t n;

	if (!f)
		return kiso_error_set(err, errno == ENOENT ? KISO_ENOTFOUND : KISO_EFAIL,
				      KISO_POS_NONE, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kiso_buf_add(&b, chunk, n);
	if (ferror(f)) {
		fclose(f);
		kiso_buf_release(&b);
		return kiso_error_set(err, KISO_EFAIL, KISO_POS_NONE, "cannot read '%s'", path);
	}
	fclose(f);
	*len = b.len;
	*out = kiso_arena_alloc(a, b.len + 1);
	if (b.len)
		memcpy(*out, b.ptr, b.len);
	(*out)[b.len] = 0;
	kiso_buf_release(&b);
	return 0;
}

/*
 * Parses one text: YAML first when 'try_yaml', then INI when that is no
 * YAML inventory (Ansible tries its yaml plugin, then its ini plugin, and
 * takes the first that succeeds). When both fail, the YAML error is the
 * one reported for a .yml/.yaml/.json name ('yaml_first') or for a text
 * that loaded as a mapping, the INI error otherwise.
 */
static int parse_text(struct kiso_inventory *inv, const char *text, size_t len,
		      const char *name, bool try_yaml, bool try_ini, bool yaml_first,
		      struct kiso_error *err)
{
	struct kiso_error yerr = KISO_ERROR_INIT, ierr = KISO_ERROR_INIT;
	int yrc = 0, rc;
	bool mapping = false;

	if (try_yaml) {
		struct kiso_value *doc;

		yrc = kiso_yaml_load(&doc, inv->arena, text, len, name, &yerr);
		if (yrc == 0) {
			mapping = doc->type == KISO_MAP;
			yrc = kiso_inv_parse_yaml(inv, doc, name, &yerr);
		}
		if (yrc == 0)
			return 0;
		if (!try_ini) {
			kiso_error_set(err, yerr.code, yerr.pos, "%s", yerr.msg);
			return yerr.code ? yerr.code : KISO_EFAIL;
		}
	}
	rc = kiso_inv_parse_ini(inv, text, len, name, &ierr);
	if (rc == 0)
		return 0;
	if (try_yaml && (yaml_first || mapping) && yerr.code) {
		kiso_error_set(err, yerr.code, yerr.pos, "%s", yerr.msg);
		return yerr.code;
	}
	kiso_error_set(err, ierr.code, ierr.pos, "%s", ierr.msg);
	return rc;
}

/* Loads file 'path' (as the user named it; 'abs' is its absolute path). */
static int load_file(struct kiso_inventory *inv, const char *path, const char *abs,
		     struct kiso_error *err)
{
	const char *ext = ext_of(strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	bool yaml_ext = strcmp(ext, ".yml") == 0 || strcmp(ext, ".yaml") == 0 ||
			strcmp(ext, ".json") == 0;
	char *text;
	size_t len;
	int rc;

	if (strcmp(ext, ".toml") == 0)
		return kiso_error_set(err, KISO_EINVALID, (struct kiso_pos){ kiso_pos_file(path), 0, 0 },
				      "toml inventories are not supported");
	if ((rc = read_file(&text, &len, inv->arena, path, err)) < 0)
		return rc;
	set_current(inv, abs, dir_name(inv->arena, abs));
	rc = parse_text(inv, text, len, kiso_pos_file(path), yaml_ext || !*ext, true, yaml_ext,
			err);
	set_current(inv, NULL, NULL);
	return rc;
}

static int load_dir(struct kiso_inventory *inv, const char *path, const char *abs,
		    unsigned depth, struct kiso_error *err)
{
	size_t n;
	char **names;
	int rc = 0;

	if (depth > 32)
		return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
				      "inventory directory '%s' nests too deep", path);
	names = list_dir(path, &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *full, *fabs;

		if (ignored_entry(names[i]))
			continue;
		full = strcmp(path, "/") == 0 ? kiso_arena_sprintf(inv->arena, "/%s", names[i])
					      : kiso_arena_sprintf(inv->arena, "%s/%s", path, names[i]);
		fabs = strcmp(abs, "/") == 0 ? kiso_arena_sprintf(inv->arena, "/%s", names[i])
					     : kiso_arena_sprintf(inv->arena, "%s/%s", abs, names[i]);
		if (is_dir(full))
			rc = load_dir(inv, full, fabs, depth + 1, err);
		else if (exists(full))
			rc = load_file(inv, full, fabs, err);
	}
	free_list(names, n);
	return rc;
}

/* Ansible's host_list plugin: "a,b:2222,c" */
static int load_host_list(struct kiso_inventory *inv, const char *list, struct kiso_error *err)
{
	char *copy = kiso_arena_strdup(inv->arena, list), *save = NULL;
	struct kiso_inv_group *ungrouped = inv->groups[1];
	struct kiso_pos pos = { kiso_pos_file("<host list>"), 1, 1 };

	set_current(inv, list, NULL);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *host;
		long port;
		size_t n = strlen(t);
		int rc;

		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++, n--;
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\n' ||
			     t[n - 1] == '\r'))
			t[--n] = 0;
		if (!*t)
			continue;
		if (kiso_inv_parse_address(&host, &port, inv->arena, t, false) < 0) {
			host = t;
			port = -1;
		}
		if (kiso_inventory_host(inv, host))
			continue;
		if ((rc = kiso_inv_add_host(NULL, inv, host, ungrouped, port, pos, err)) < 0)
			return rc;
	}
	set_current(inv, NULL, NULL);
	return 0;
}

int kiso_inventory_load(struct kiso_inventory *inv, const char *source, struct kiso_error *err)
{
	char *path, *shown;
	int rc;

	if (strchr(source, ',') && !exists(source)) {
		rc = load_host_list(inv, source, err);
		reconcile(inv);
		if (rc == 0)
			rc = load_layers(inv, err);
		return rc;
	}
	path = abs_path(inv->arena, source);
	shown = trim_slashes(inv->arena, source);
	if (!exists(path))
		return kiso_error_set(err, KISO_ENOTFOUND, KISO_POS_NONE,
				      "inventory source '%s' does not exist", source);
	if (is_dir(path)) {
		rc = load_dir(inv, shown, path, 0, err);
		add_layer(inv, path, shown, false);
	} else {
		rc = load_file(inv, shown, path, err);
		add_layer(inv, dir_name(inv->arena, path), dir_name(inv->arena, shown), false);
	}
	set_current(inv, NULL, NULL);
	reconcile(inv);
	if (rc == 0)
		rc = load_layers(inv, err);
	return rc;
}

int kiso_inventory_load_string(struct kiso_inventory *inv, const char *text, size_t len,
			       const char *name, enum kiso_inv_format fmt,
			       struct kiso_error *err)
{
	int rc;

	name = kiso_pos_file(name);
	set_current(inv, name, NULL);
	rc = parse_text(inv, text, len, name, fmt != KISO_INV_INI, fmt != KISO_INV_YAML,
			fmt == KISO_INV_YAML, err);
	set_current(inv, NULL, NULL);
	reconcile(inv);
	return rc;
}

/* ------------------------------------------------------------------ */
/* queries */

/*
 * Appends g and all its ancestors to arr, each once ('seen' is a table by
 * name in the caller's arena: the query functions touch nothing shared, so
 * host threads may call them at the same time).
 */
static void collect_ancestors(struct kiso_inv_group *g, struct kiso_inv_group ***arr, size_t *n,
			      size_t *cap, struct table *seen, struct kiso_arena *a)
{
	size_t from = *n;

	if (table_get(seen, g->name))
		return;
	table_put(a, seen, g->name, g);
	ptr_push(a, arr, n, cap, g);
	/* the array itself is the work list */
	for (size_t i = from; i < *n; i++) {
		struct kiso_inv_group *x = (*arr)[i];

		for (size_t j = 0; j < x->nparents; j++)
			if (!table_get(seen, x->parents[j]->name)) {
				table_put(a, seen, x->parents[j]->name, x->parents[j]);
				ptr_push(a, arr, n, cap, x->parents[j]);
			}
	}
}

static int cmp_groups(const void *x, const void *y)
{
	const struct kiso_inv_group *g = *(struct kiso_inv_group *const *)x;
	const struct kiso_inv_group *h = *(struct kiso_inv_group *const *)y;

	if (g->depth != h->depth)
		return g->depth < h->depth ? -1 : 1;
	if (g->priority != h->priority)
		return g->priority < h->priority ? -1 : 1;
	return strcmp(g->name, h->name);
}

size_t kiso_inventory_host_groups(struct kiso_inv_group ***out, struct kiso_arena *a,
				  const struct kiso_inventory *inv,
				  const struct kiso_inv_host *h)
{
	struct kiso_inv_group **arr = NULL;
	size_t n = 0, cap = 0;
	struct table seen = { 0 };

	for (size_t i = 0; i < h->ngroups; i++)
		collect_ancestors(h->groups[i], &arr, &n, &cap, &seen, a);
	if (n)
		qsort(arr, n, sizeof(*arr), cmp_groups);
	*out = arr;
	return n;
}

struct kiso_value *kiso_inventory_group_names(struct kiso_arena *a,
					      const struct kiso_inventory *inv,
					      const struct kiso_inv_host *h)
{
	struct kiso_inv_group **gs;
	size_t n = kiso_inventory_host_groups(&gs, a, inv, h);
	const char **names = kiso_arena_alloc(a, (n + 1) * sizeof(*names));
	size_t m = 0;
	struct kiso_value *list = kiso_list_new(a, KISO_POS_NONE);

	for (size_t i = 0; i < n; i++)
		if (strcmp(gs[i]->name, "all") != 0)
			names[m++] = gs[i]->name;
	if (m)
		qsort(names, m, sizeof(*names), cmp_str);
	for (size_t i = 0; i < m; i++)
		kiso_list_push(a, list, kiso_str(a, names[i], KISO_POS_NONE));
	return list;
}

struct kiso_inv_hostlist kiso_inventory_group_hosts(struct kiso_arena *a,
						    const struct kiso_inventory *inv,
						    const struct kiso_inv_group *g)
{
	struct kiso_inv_hostlist out = { NULL, 0 };
	struct kiso_inv_group **order = NULL;
	size_t n = 0, cap = 0, hcap = 0, start;
	bool is_all = strcmp(g->name, "all") == 0;
	struct table seen = { 0 }, gseen = { 0 };

	/*
	 * Group._walk_relationship('child_groups', include_self, preserve_ordering),
	 * with a local table rather than marks on the groups: thread-safe.
	 */
	ptr_push(a, &order, &n, &cap, (void *)g);
	table_put(a, &gseen, g->name, (void *)g);
	for (size_t i = 0; i < g->nchildren; i++)
		if (!table_get(&gseen, g->children[i]->name)) {
			table_put(a, &gseen, g->children[i]->name, g->children[i]);
			ptr_push(a, &order, &n, &cap, g->children[i]);
		}
	start = 0;
	while (start < n) {
		size_t end = n;

		for (size_t i = start; i < end; i++)
			for (size_t j = 0; j < order[i]->nchildren; j++) {
				struct kiso_inv_group *c = order[i]->children[j];

				if (!table_get(&gseen, c->name)) {
					table_put(a, &gseen, c->name, c);
					ptr_push(a, &order, &n, &cap, c);
				}
			}
		start = end;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < order[i]->nhosts; j++) {
			struct kiso_inv_host *h = order[i]->hosts[j];

			if (table_get(&seen, h->name))
				continue;
			table_put(a, &seen, h->name, h);
			if (is_all && h->implicit)
				continue;
			ptr_push(a, &out.items, &out.len, &hcap, h);
		}
	}
	return out;
}

struct kiso_value *kiso_inventory_groups_value(struct kiso_arena *a,
					       const struct kiso_inventory *inv)
{
	struct kiso_value *m = kiso_map_new(a, KISO_POS_NONE);

	for (size_t i = 0; i < inv->ngroups; i++) {
		struct kiso_inv_hostlist hl = kiso_inventory_group_hosts(a, inv, inv->groups[i]);
		struct kiso_value *l = kiso_list_new(a, KISO_POS_NONE);

		for (size_t j = 0; j < hl.len; j++)
			kiso_list_push(a, l, kiso_str(a, hl.items[j]->name, KISO_POS_NONE));
		kiso_map_set(a, m, inv->groups[i]->name, l);
	}
	return m;
}

void kiso_inv_layers_combine(struct kiso_arena *a, struct kiso_value *out,
			   const struct kiso_inventory *inv, bool playbook, bool host,
			   const char *name)
{
	const struct kiso_inventory_priv *p = inv->priv;

	for (size_t i = 0; i < p->nlayers; i++) {
		struct kiso_value *v;

		if (p->layers[i].playbook != playbook)
			continue;
		v = kiso_map_get(host ? p->layers[i].vd->hcache : p->layers[i].vd->gcache, name);
		if (v && v->type == KISO_MAP)
			combine(a, out, v);
	}
}

struct kiso_value *kiso_inventory_host_vars(struct kiso_arena *a,
					    const struct kiso_inventory *inv,
					    const struct kiso_inv_host *h)
{
	struct kiso_value *out = kiso_map_new(a, h->pos);
	struct kiso_inv_group *all = inv->groups[0];
	struct kiso_inv_group **gs;
	size_t n = kiso_inventory_host_groups(&gs, a, inv, h);
	const struct kiso_inventory_priv *p = inv->priv;

	combine(a, out, all->vars);
	for (size_t i = 0; i < n; i++)
		if (gs[i] != all)
			combine(a, out, gs[i]->vars);
	kiso_inv_layers_combine(a, out, inv, false, false, "all");
	kiso_inv_layers_combine(a, out, inv, true, false, "all");
	for (int pb = 0; pb < 2; pb++)
		for (size_t l = 0; l < p->nlayers; l++) {
			struct kiso_value *cache = p->layers[l].vd->gcache;

			if (p->layers[l].playbook != (pb == 1))
				continue;
			for (size_t i = 0; i < n; i++) {
				struct kiso_value *v;

				if (gs[i] == all)
					continue;
				v = kiso_map_get(cache, gs[i]->name);
				if (v && v->type == KISO_MAP)
					combine(a, out, v);
			}
		}
	combine(a, out, h->vars);
	kiso_inv_layers_combine(a, out, inv, false, true, h->name);
	kiso_inv_layers_combine(a, out, inv, true, true, h->name);
	return out;
}
