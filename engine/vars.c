/*
 * vars.c - variable scopes and precedence, lazy templated lookup.
 *
 * Why a sorted array of layers and not one merged map: the runner pushes
 * and pops block and task vars for every task of every host. Merging
 * would copy the whole variable set each time; walking a dozen layers
 * from the top costs a few hash lookups per variable, and only the
 * variables a template actually uses are ever looked at. The array is
 * kept sorted by layer kind (stable), so a lookup walks it from the end.
 *
 * Why a cache keyed by a generation counter: a variable like
 * `zabbix_server: "zbx.{{ domain }}"` is used by many tasks; rendering it
 * once per host is enough as long as no layer changed. Any push, pop,
 * set_fact, register, facts update or magic change bumps the scope's
 * generation (and run-wide changes the run's), which drops the cache.
 *
 * Why hostvars is rendered per host and not per variable: the template
 * engine's values have no lazy objects, so hostvars['h'] must be a real
 * map. It is built on first use, with h's variables rendered in h's own
 * context (tolerantly: a failing one is left out), and cached until a
 * persistent layer of some host changes.
 */
#include "kiso_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "inventory.h"
#include "vars.h"

/* Variables rendering variables: a bound on the C stack (Python's
 * recursion limit stops Ansible near the same depth). */
#define MAX_DEPTH 400

struct layer {
	enum kiso_vars_layer kind;
	const struct kiso_value *map;
	bool raw; /* values are never templated (facts) */
};

struct frame {
	const char *name;
	const struct kiso_value *raw;
};

struct kiso_vars {
	struct kiso_vars_run *run;
	struct kiso_vars *owner;        /* for a hostvars view: the host's scope */
	struct kiso_vars *view;         /* the host's hostvars view, or NULL */
	const char *name;
	struct kiso_inv_host *ih;       /* NULL: implicit localhost without inventory */
	struct kiso_arena *arena;

	struct layer *layers;
	size_t nlayers, cap;

	/* persistent maps (owned, in arena) */
	struct kiso_value *inv_vars;
	struct kiso_value *host_magic;
	struct kiso_value *facts_vars;  /* ansible_facts + ansible_* */
	struct kiso_value *facts;       /* the ansible_facts map */
	struct kiso_value *include_vars;
	struct kiso_value *set_fact;
	struct kiso_value *task_magic;

	uint64_t gen;                   /* any change of this scope */
	uint64_t pgen;                  /* change of a persistent layer */

	struct kiso_value *cache;       /* name -> rendered value */
	uint64_t cache_gen, cache_run_gen;
	struct kiso_value *all_raw;     /* the 'vars' map */
	uint64_t all_gen, all_run_gen;
	struct kiso_value *rendered;    /* view: all variables rendered */
	uint64_t rendered_gen, rendered_run_gen;

	struct frame *stack;            /* variables being rendered */
	size_t depth, stack_cap;

	const char *const *search_path;
};

struct kiso_vars_run {
	struct kiso_inventory *inv;
	struct kiso_arena *arena;
	struct kiso_value *extra;       /* map */
	struct kiso_value *magic;       /* run magic (also seen through hostvars) */
	struct kiso_value *play_magic;  /* play magic */
	uint64_t gen;                   /* extra/magic changes */
	_Atomic uint64_t epoch;         /* any persistent change anywhere */
	struct kiso_vars **hosts;
	size_t nhosts, cap;
	struct kiso_value *hostvars;
	uint64_t hostvars_epoch;
	bool hostvars_valid;
	bool building_hostvars;
	pthread_mutex_t lock;           /* hostvars and views */
};

static const char *const layer_names[KISO_VARS_NLAYERS] = {
	[KISO_VARS_ROLE_DEFAULTS] = "role defaults",
	[KISO_VARS_INV_ALL] = "inventory group_vars/all",
	[KISO_VARS_INV_GROUP] = "inventory group_vars",
	[KISO_VARS_PB_GROUP] = "playbook group_vars",
	[KISO_VARS_INV_HOST] = "inventory host_vars",
	[KISO_VARS_PB_HOST] = "playbook host_vars",
	[KISO_VARS_HOST_MAGIC] = "host magic vars",
	[KISO_VARS_FACTS] = "host facts",
	[KISO_VARS_PLAY] = "play vars",
	[KISO_VARS_VARS_FILES] = "play vars_files",
	[KISO_VARS_ROLE_VARS] = "role vars",
	[KISO_VARS_BLOCK] = "block vars",
	[KISO_VARS_TASK] = "task vars",
	[KISO_VARS_INCLUDE_VARS] = "include_vars",
	[KISO_VARS_SET_FACT] = "set_fact and registered vars",
	[KISO_VARS_ROLE_PARAMS] = "role and include params",
	[KISO_VARS_EXTRA] = "extra vars",
	[KISO_VARS_MAGIC] = "magic vars",
	[KISO_VARS_LOOP] = "loop vars",
};

const char *kiso_vars_layer_name(enum kiso_vars_layer layer)
{
	if ((unsigned)layer >= KISO_VARS_NLAYERS)
		return "unknown layer";
	return layer_names[layer];
}

/* ---- small value helpers ---- */

static struct kiso_value *str_list(struct kiso_arena *a, const char *const *items)
{
	struct kiso_value *l = kiso_list_new(a, KISO_POS_NONE);

	for (size_t i = 0; items && items[i]; i++)
		kiso_list_push(a, l, kiso_str(a, items[i], KISO_POS_NONE));
	return l;
}

static struct kiso_value *copy_or_empty_list(struct kiso_arena *a, const struct kiso_value *v)
{
	if (v && v->type == KISO_LIST)
		return kiso_value_copy(a, v);
	return kiso_list_new(a, KISO_POS_NONE);
}

/* True when v holds a template anywhere (map keys are not templated). */
static bool needs_template(const struct kiso_value *v)
{
	if (v->flags & KISO_VF_UNSAFE)
		return false;
	switch (v->type) {
	case KISO_STR:
		return kiso_tmpl_has_template(v->u.s.ptr, v->u.s.len);
	case KISO_LIST:
		for (size_t i = 0; i < v->u.list.len; i++)
			if (needs_template(v->u.list.items[i]))
				return true;
		return false;
	case KISO_MAP:
		for (size_t i = 0; i < v->u.map.len; i++)
			if (needs_template(v->u.map.items[i].val))
				return true;
		return false;
	default:
		return false;
	}
}

/* ---- layers ---- */

static void bump(struct kiso_vars *v, bool persistent)
{
	v->gen++;
	if (persistent) {
		v->pgen++;
		atomic_fetch_add(&v->run->epoch, 1);
	}
}

static void insert_layer(struct kiso_vars *v, enum kiso_vars_layer kind,
			 const struct kiso_value *map, bool raw)
{
	size_t at = v->nlayers;

	if (v->nlayers == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 16;

		v->layers = kiso_xrealloc(v->layers, ncap * sizeof(*v->layers));
		v->cap = ncap;
	}
	while (at > 0 && v->layers[at - 1].kind > kind)
		at--;
	memmove(&v->layers[at + 1], &v->layers[at], (v->nlayers - at) * sizeof(*v->layers));
	v->layers[at] = (struct layer){ kind, map, raw };
	v->nlayers++;
}

int kiso_vars_push(struct kiso_vars *v, enum kiso_vars_layer layer, const struct kiso_value *map)
{
	if ((map && map->type != KISO_MAP) || (unsigned)layer >= KISO_VARS_NLAYERS)
		return -1;
	if (!map)
		map = kiso_map_new(v->arena, KISO_POS_NONE);
	insert_layer(v, layer, map, layer == KISO_VARS_FACTS);
	bump(v, false);
	return 0;
}

bool kiso_vars_pop(struct kiso_vars *v, enum kiso_vars_layer layer)
{
	for (size_t i = v->nlayers; i > 0; i--) {
		if (v->layers[i - 1].kind != layer)
			continue;
		memmove(&v->layers[i - 1], &v->layers[i], (v->nlayers - i) * sizeof(*v->layers));
		v->nlayers--;
		bump(v, false);
		return true;
	}
	return false;
}

static const struct layer *find_layer(const struct kiso_vars *v, const char *name,
				      const struct kiso_value **out)
{
	for (size_t i = v->nlayers; i > 0; i--) {
		const struct layer *l = &v->layers[i - 1];
		struct kiso_value *x = kiso_map_get(l->map, name);

		if (x) {
			*out = x;
			return l;
		}
	}
	*out = NULL;
	return NULL;
}

const struct kiso_value *kiso_vars_raw(const struct kiso_vars *v, const char *name,
				       enum kiso_vars_layer *layer)
{
	const struct kiso_value *x;
	const struct layer *l = find_layer(v, name, &x);

	if (layer && l)
		*layer = l->kind;
	return x;
}

/* ---- run ---- */

static void build_run_magic(struct kiso_vars_run *run, const struct kiso_vars_opts *o)
{
	struct kiso_arena *a = run->arena;
	struct kiso_value *m = kiso_map_new(a, KISO_POS_NONE);
	struct kiso_value *ver = kiso_map_new(a, KISO_POS_NONE);
	char cwd[4096];
	const char *pbdir = o && o->playbook_dir ? o->playbook_dir : NULL;
	char *abs = NULL;

	if (!pbdir)
		pbdir = getcwd(cwd, sizeof(cwd)) ? cwd : ".";
	abs = realpath(pbdir, NULL);
	kiso_map_set(a, m, "playbook_dir", kiso_str(a, abs ? abs : pbdir, KISO_POS_NONE));
	free(abs);
	if (run->inv) {
		kiso_map_set(a, m, "groups", kiso_inventory_groups_value(a, run->inv));
	} else {
		struct kiso_value *g = kiso_map_new(a, KISO_POS_NONE);

		kiso_map_set(a, g, "all", kiso_list_new(a, KISO_POS_NONE));
		kiso_map_set(a, g, "ungrouped", kiso_list_new(a, KISO_POS_NONE));
		kiso_map_set(a, m, "groups", g);
	}
	kiso_map_set(a, m, "omit", kiso_str(a, KISO_TMPL_OMIT, KISO_POS_NONE));

	kiso_map_set(a, ver, "string", kiso_str(a, KISO_ANSIBLE_COMPAT_VERSION, KISO_POS_NONE));
	kiso_map_set(a, ver, "full", kiso_str(a, KISO_ANSIBLE_COMPAT_VERSION, KISO_POS_NONE));
	{
		int maj = 0, min = 0, rev = 0;

		sscanf(KISO_ANSIBLE_COMPAT_VERSION, "%d.%d.%d", &maj, &min, &rev);
		kiso_map_set(a, ver, "major", kiso_int(a, maj, KISO_POS_NONE));
		kiso_map_set(a, ver, "minor", kiso_int(a, min, KISO_POS_NONE));
		kiso_map_set(a, ver, "revision", kiso_int(a, rev, KISO_POS_NONE));
	}
	kiso_map_set(a, m, "ansible_version", ver);
	kiso_map_set(a, m, "ansible_check_mode", kiso_bool(a, o && o->check_mode, KISO_POS_NONE));
	kiso_map_set(a, m, "ansible_diff_mode", kiso_bool(a, o && o->diff_mode, KISO_POS_NONE));
	kiso_map_set(a, m, "ansible_forks",
		     kiso_int(a, o && o->forks > 0 ? o->forks : 5, KISO_POS_NONE));
	kiso_map_set(a, m, "ansible_inventory_sources",
		     str_list(a, o ? o->inventory_sources : NULL));
	if (o && o->limit)
		kiso_map_set(a, m, "ansible_limit", kiso_str(a, o->limit, KISO_POS_NONE));
	kiso_map_set(a, m, "ansible_run_tags", str_list(a, o ? o->run_tags : NULL));
	kiso_map_set(a, m, "ansible_skip_tags", str_list(a, o ? o->skip_tags : NULL));
	kiso_map_set(a, m, "ansible_verbosity", kiso_int(a, o ? o->verbosity : 0, KISO_POS_NONE));
	run->magic = m;
}

struct kiso_vars_run *kiso_vars_run_new(struct kiso_inventory *inv, const struct kiso_value *extra,
					const struct kiso_vars_opts *opts)
{
	struct kiso_vars_run *run = kiso_xcalloc(1, sizeof(*run));

	run->inv = inv;
	run->arena = kiso_arena_new();
	if (extra && extra->type == KISO_MAP)
		run->extra = kiso_value_copy(run->arena, extra);
	else
		run->extra = kiso_map_new(run->arena, KISO_POS_NONE);
	run->play_magic = kiso_map_new(run->arena, KISO_POS_NONE);
	build_run_magic(run, opts);
	pthread_mutex_init(&run->lock, NULL);
	return run;
}

static void scope_free(struct kiso_vars *v)
{
	if (!v)
		return;
	scope_free(v->view);
	free(v->layers);
	free(v->stack);
	if (!v->owner)
		kiso_arena_free(v->arena);
	free(v);
}

void kiso_vars_run_free(struct kiso_vars_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->nhosts; i++)
		scope_free(run->hosts[i]);
	free(run->hosts);
	pthread_mutex_destroy(&run->lock);
	kiso_arena_free(run->arena);
	free(run);
}

void kiso_vars_run_set_play(struct kiso_vars_run *run, const char *play_name,
			    const struct kiso_value *hosts_all, const struct kiso_value *hosts,
			    const struct kiso_value *batch)
{
	struct kiso_arena *a = run->arena;
	struct kiso_value *m = kiso_map_new(a, KISO_POS_NONE);

	if (play_name || hosts_all || hosts || batch) {
		struct kiso_value *all = copy_or_empty_list(a, hosts_all);
		struct kiso_value *h = hosts ? copy_or_empty_list(a, hosts) : all;
		struct kiso_value *b = batch ? copy_or_empty_list(a, batch) : h;

		if (play_name)
			kiso_map_set(a, m, "ansible_play_name", kiso_str(a, play_name, KISO_POS_NONE));
		kiso_map_set(a, m, "ansible_play_hosts_all", all);
		kiso_map_set(a, m, "ansible_play_hosts", h);
		kiso_map_set(a, m, "ansible_play_batch", b);
		kiso_map_set(a, m, "play_hosts", b);
	}
	/* the scopes point at run->play_magic: swap its contents in place */
	*run->play_magic = *m;
	run->gen++;
}

/* ---- host scopes ---- */

static bool is_localhost_name(const char *name)
{
	return strcmp(name, "localhost") == 0 || strcmp(name, "127.0.0.1") == 0 ||
	       strcmp(name, "::1") == 0;
}

static struct kiso_value *build_host_magic(struct kiso_vars *v)
{
	struct kiso_arena *a = v->arena;
	struct kiso_value *m = kiso_map_new(a, KISO_POS_NONE);
	const char *dot = strchr(v->name, '.');

	kiso_map_set(a, m, "inventory_hostname", kiso_str(a, v->name, KISO_POS_NONE));
	kiso_map_set(a, m, "inventory_hostname_short",
		     dot ? kiso_strn(a, v->name, (size_t)(dot - v->name), KISO_POS_NONE)
			 : kiso_str(a, v->name, KISO_POS_NONE));
	if (v->ih && v->run->inv && !v->ih->implicit)
		kiso_map_set(a, m, "group_names",
			     kiso_inventory_group_names(a, v->run->inv, v->ih));
	else
		kiso_map_set(a, m, "group_names", kiso_list_new(a, KISO_POS_NONE));
	return m;
}

/* The layers every scope (and view) starts with. */
static void base_layers(struct kiso_vars *v, const struct kiso_vars *src)
{
	insert_layer(v, KISO_VARS_INV_HOST, src->inv_vars, false);
	insert_layer(v, KISO_VARS_HOST_MAGIC, src->host_magic, false);
	insert_layer(v, KISO_VARS_FACTS, src->facts_vars, true);
	insert_layer(v, KISO_VARS_INCLUDE_VARS, src->include_vars, false);
	insert_layer(v, KISO_VARS_SET_FACT, src->set_fact, false);
	insert_layer(v, KISO_VARS_EXTRA, v->run->extra, false);
	insert_layer(v, KISO_VARS_MAGIC, v->run->magic, false);
}

static struct kiso_vars *scope_new(struct kiso_vars_run *run, const char *name,
				   struct kiso_inv_host *ih)
{
	struct kiso_vars *v = kiso_xcalloc(1, sizeof(*v));
	struct kiso_arena *a;

	v->run = run;
	v->arena = a = kiso_arena_new();
	v->name = kiso_arena_strdup(a, name);
	v->ih = ih;
	if (ih && run->inv)
		v->inv_vars = kiso_inventory_host_vars(a, run->inv, ih);
	if (!v->inv_vars || v->inv_vars->type != KISO_MAP) {
		v->inv_vars = kiso_map_new(a, KISO_POS_NONE);
		if (!ih || ih->implicit)
			kiso_map_set(a, v->inv_vars, "ansible_connection",
				     kiso_str(a, "local", KISO_POS_NONE));
	}
	v->host_magic = build_host_magic(v);
	v->facts = kiso_map_new(a, KISO_POS_NONE);
	v->facts_vars = kiso_map_new(a, KISO_POS_NONE);
	kiso_map_set(a, v->facts_vars, "ansible_facts", v->facts);
	v->include_vars = kiso_map_new(a, KISO_POS_NONE);
	v->set_fact = kiso_map_new(a, KISO_POS_NONE);
	v->task_magic = kiso_map_new(a, KISO_POS_NONE);
	base_layers(v, v);
	insert_layer(v, KISO_VARS_MAGIC, run->play_magic, false);
	insert_layer(v, KISO_VARS_MAGIC, v->task_magic, false);
	v->gen = 1;
	return v;
}

int kiso_vars_host(struct kiso_vars **out, struct kiso_vars_run *run, const char *name,
		   struct kiso_error *err)
{
	struct kiso_inv_host *ih = NULL;
	struct kiso_vars *v;

	*out = NULL;
	pthread_mutex_lock(&run->lock);
	for (size_t i = 0; i < run->nhosts; i++) {
		if (strcmp(run->hosts[i]->name, name) == 0) {
			*out = run->hosts[i];
			pthread_mutex_unlock(&run->lock);
			return 0;
		}
	}
	if (run->inv)
		ih = kiso_inventory_host(run->inv, name);
	if (!ih && run->inv && is_localhost_name(name)) {
		struct kiso_inv_hostlist hl = { NULL, 0 };
		struct kiso_error e = KISO_ERROR_INIT;

		if (kiso_inventory_match(&hl, run->arena, run->inv, name, NULL, &e) == 0 &&
		    hl.len == 1)
			ih = hl.items[0];
	}
	if (!ih && !is_localhost_name(name)) {
		pthread_mutex_unlock(&run->lock);
		return kiso_error_set(err, KISO_ENOTFOUND, KISO_POS_NONE,
				      "no host '%s' in the inventory", name);
	}
	v = scope_new(run, name, ih);
	if (run->nhosts == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 16;
		run->hosts = kiso_xrealloc(run->hosts, run->cap * sizeof(*run->hosts));
	}
	run->hosts[run->nhosts++] = v;
	atomic_fetch_add(&run->epoch, 1);
	pthread_mutex_unlock(&run->lock);
	*out = v;
	return 0;
}

const char *kiso_vars_hostname(const struct kiso_vars *v)
{
	return v->name;
}

struct kiso_arena *kiso_vars_arena(struct kiso_vars *v)
{
	return v->arena;
}

void kiso_vars_set_search_path(struct kiso_vars *v, const char *const *search_path)
{
	v->search_path = search_path;
}

/* ---- persistent layers ---- */

void kiso_vars_set_fact(struct kiso_vars *v, const char *name, const struct kiso_value *val)
{
	kiso_map_set(v->arena, v->set_fact, name, kiso_value_copy(v->arena, val));
	bump(v, true);
}

void kiso_vars_register(struct kiso_vars *v, const char *name, const struct kiso_value *result)
{
	struct kiso_value *c = kiso_value_copy(v->arena, result);

	c->flags |= KISO_VF_UNSAFE;
	kiso_map_set(v->arena, v->set_fact, name, c);
	bump(v, true);
}

void kiso_vars_include_vars(struct kiso_vars *v, const struct kiso_value *map)
{
	if (!map || map->type != KISO_MAP)
		return;
	for (size_t i = 0; i < map->u.map.len; i++)
		kiso_map_setv(v->arena, v->include_vars,
			      kiso_value_copy(v->arena, map->u.map.items[i].key),
			      kiso_value_copy(v->arena, map->u.map.items[i].val));
	bump(v, true);
}

void kiso_vars_set_facts(struct kiso_vars *v, const struct kiso_value *facts)
{
	struct kiso_arena *a = v->arena;

	if (!facts || facts->type != KISO_MAP)
		return;
	for (size_t i = 0; i < facts->u.map.len; i++) {
		const struct kiso_mapent *e = &facts->u.map.items[i];
		const char *k;
		struct kiso_value *val;

		if (e->key->type != KISO_STR)
			continue;
		k = e->key->u.s.ptr;
		if (strncmp(k, "ansible_", 8) == 0)
			k += 8;
		val = kiso_value_copy(a, e->val);
		kiso_map_set(a, v->facts, k, val);
		kiso_map_set(a, v->facts_vars, kiso_arena_sprintf(a, "ansible_%s", k), val);
	}
	bump(v, true);
}

void kiso_vars_set_magic(struct kiso_vars *v, const char *name, const struct kiso_value *val)
{
	if (val)
		kiso_map_set(v->arena, v->task_magic, name, kiso_value_copy(v->arena, val));
	else
		kiso_map_del(v->task_magic, name);
	bump(v, false);
}

void kiso_vars_set_role(struct kiso_vars *v, const char *role_name, const char *role_path)
{
	struct kiso_arena *a = v->arena;

	if (role_name) {
		kiso_map_set(a, v->task_magic, "role_name", kiso_str(a, role_name, KISO_POS_NONE));
		kiso_map_set(a, v->task_magic, "role_path",
			     kiso_str(a, role_path ? role_path : "", KISO_POS_NONE));
	} else {
		kiso_map_del(v->task_magic, "role_name");
		kiso_map_del(v->task_magic, "role_path");
	}
	bump(v, false);
}

/* ---- lookup ---- */

static uint64_t stamp(const struct kiso_vars *v)
{
	return v->owner ? v->owner->pgen : v->gen;
}

/*
 * What the run adds to a cache's validity: its magic and extra vars and,
 * for a host's own scope, every host's persistent layers (a variable may
 * read hostvars). Views never see hostvars.
 */
static uint64_t run_stamp(const struct kiso_vars *v)
{
	if (v->owner)
		return v->run->gen;
	return v->run->gen + atomic_load(&v->run->epoch);
}

static int loop_error(struct kiso_vars *v, struct kiso_error *err)
{
	const struct kiso_value *raw = v->stack[v->depth - 1].raw;
	struct kiso_buf b = KISO_BUF_INIT;
	int rc;

	kiso_value_str(&b, raw);
	rc = kiso_error_set(err, KISO_EFAIL, raw->pos,
			    "recursive loop detected in template string: %s", kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return rc;
}

static int hostvars_get(struct kiso_vars *v, struct kiso_value **out, struct kiso_error *err);

/* The 'vars' map: every visible variable, raw. */
static struct kiso_value *all_vars_raw(struct kiso_vars *v)
{
	struct kiso_value *m;

	if (v->all_raw && v->all_gen == stamp(v) && v->all_run_gen == v->run->gen)
		return v->all_raw;
	m = kiso_map_new(v->arena, KISO_POS_NONE);
	for (size_t i = 0; i < v->nlayers; i++) {
		const struct kiso_value *l = v->layers[i].map;

		for (size_t j = 0; j < l->u.map.len; j++)
			kiso_map_setv(v->arena, m, l->u.map.items[j].key, l->u.map.items[j].val);
	}
	v->all_raw = m;
	v->all_gen = stamp(v);
	v->all_run_gen = v->run->gen;
	return m;
}

int kiso_vars_get(struct kiso_value **out, struct kiso_vars *v, const char *name,
		  struct kiso_error *err)
{
	const struct kiso_value *raw;
	const struct layer *l;
	struct kiso_value *res = NULL;
	struct kiso_tmpl_ctx ctx;
	struct kiso_error e = KISO_ERROR_INIT;
	int rc;

	*out = NULL;
	if (!v->owner && strcmp(name, "hostvars") == 0)
		return hostvars_get(v, out, err);
	if (!v->owner && strcmp(name, "vars") == 0) {
		*out = all_vars_raw(v);
		return 0;
	}
	l = find_layer(v, name, &raw);
	if (!l)
		return 0;
	if (l->raw || !needs_template(raw)) {
		*out = (struct kiso_value *)raw;
		return 0;
	}

	if (!v->cache || v->cache_gen != stamp(v) || v->cache_run_gen != run_stamp(v)) {
		v->cache = kiso_map_new(v->arena, KISO_POS_NONE);
		v->cache_gen = stamp(v);
		v->cache_run_gen = run_stamp(v);
	}
	if ((res = kiso_map_get(v->cache, name)) != NULL) {
		*out = res;
		return 0;
	}

	for (size_t i = 0; i < v->depth; i++)
		if (strcmp(v->stack[i].name, name) == 0)
			return loop_error(v, err);
	if (v->depth >= MAX_DEPTH)
		return kiso_error_set(err, KISO_EFAIL, raw->pos,
				      "variables nested too deeply (more than %d) at '%s'",
				      MAX_DEPTH, name);
	if (v->depth == v->stack_cap) {
		v->stack_cap = v->stack_cap ? v->stack_cap * 2 : 16;
		v->stack = kiso_xrealloc(v->stack, v->stack_cap * sizeof(*v->stack));
	}
	v->stack[v->depth++] = (struct frame){ name, raw };

	kiso_vars_tmpl_ctx(&ctx, v, NULL);
	rc = kiso_tmpl_render_value(&res, &ctx, raw, &e);
	v->depth--;
	if (rc < 0 || !res) {
		/* Ansible turns an undefined inside the variable into an
		 * undefined variable, failing only where it is used */
		if (e.code == KISO_EUNDEFINED)
			return 0;
		if (!e.code)
			return kiso_error_set(err, rc ? rc : KISO_EFAIL, raw->pos,
					      "cannot template variable '%s'", name);
		return kiso_error_set(err, e.code, e.pos, "%s", e.msg);
	}
	/* the cache may have been replaced while rendering (a nested hostvars
	 * build does not change this scope, but stay safe) */
	if (v->cache && v->cache_gen == stamp(v) && v->cache_run_gen == run_stamp(v))
		kiso_map_set(v->arena, v->cache, name, res);
	*out = res;
	return 0;
}

int kiso_vars_lookup(void *data, const char *name, struct kiso_value **out,
		     struct kiso_error *err)
{
	return kiso_vars_get(out, data, name, err);
}

void kiso_vars_tmpl_ctx(struct kiso_tmpl_ctx *ctx, struct kiso_vars *v, struct kiso_arena *arena)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->lookup = kiso_vars_lookup;
	ctx->data = v;
	ctx->arena = arena ? arena : v->arena;
	ctx->search_path = v->owner ? v->owner->search_path : v->search_path;
	ctx->environ = NULL;
}

/* ---- hostvars ---- */

/*
 * The view of a host that other hosts see through hostvars: its
 * persistent layers, extra vars and run magic, nothing of the play.
 * Called with run->lock held; allocates in the run's arena.
 */
static struct kiso_vars *view_of(struct kiso_vars *h)
{
	struct kiso_vars *w;

	if (h->view)
		return h->view;
	w = kiso_xcalloc(1, sizeof(*w));
	w->run = h->run;
	w->owner = h;
	w->name = h->name;
	w->ih = h->ih;
	w->arena = h->run->arena;
	base_layers(w, h);
	h->view = w;
	return w;
}

/* Every variable of view w, rendered in w's context; failures left out. */
static struct kiso_value *render_all(struct kiso_vars *w)
{
	struct kiso_arena *a = w->arena;
	struct kiso_value *m;

	if (w->rendered && w->rendered_gen == stamp(w) && w->rendered_run_gen == w->run->gen)
		return w->rendered;
	m = kiso_map_new(a, KISO_POS_NONE);
	for (size_t i = 0; i < w->nlayers; i++) {
		const struct kiso_value *l = w->layers[i].map;

		for (size_t j = 0; j < l->u.map.len; j++) {
			const struct kiso_value *k = l->u.map.items[j].key;
			struct kiso_value *val = NULL;
			struct kiso_error e = KISO_ERROR_INIT;

			if (k->type != KISO_STR || kiso_map_getv(m, k))
				continue;
			if (kiso_vars_get(&val, w, k->u.s.ptr, &e) == 0 && val)
				kiso_map_setv(a, m, (struct kiso_value *)k, val);
		}
	}
	/* keep Ansible's order: lowest layer's keys first, as all_vars is built */
	w->rendered = m;
	w->rendered_gen = stamp(w);
	w->rendered_run_gen = w->run->gen;
	return m;
}

static int hostvars_get(struct kiso_vars *v, struct kiso_value **out, struct kiso_error *err)
{
	struct kiso_vars_run *run = v->run;
	struct kiso_value *m;
	struct kiso_error e = KISO_ERROR_INIT;

	(void)err;
	pthread_mutex_lock(&run->lock);
	if (run->hostvars_valid && run->hostvars_epoch == atomic_load(&run->epoch) + run->gen) {
		*out = run->hostvars;
		pthread_mutex_unlock(&run->lock);
		return 0;
	}
	pthread_mutex_unlock(&run->lock);

	/* make sure every inventory host has a scope (creation takes the
	 * lock), and localhost: Ansible's HostVars creates the implicit
	 * localhost on demand, so it is always there */
	if (run->inv) {
		for (size_t i = 0; i < run->inv->nhosts; i++) {
			struct kiso_vars *h;

			kiso_vars_host(&h, run, run->inv->hosts[i]->name, &e);
		}
	}
	{
		struct kiso_vars *h;

		kiso_vars_host(&h, run, "localhost", &e);
	}

	pthread_mutex_lock(&run->lock);
	/* inventory order first, then hosts outside it (implicit localhost) */
	m = kiso_map_new(run->arena, KISO_POS_NONE);
	for (size_t i = 0; run->inv && i < run->inv->nhosts; i++) {
		for (size_t j = 0; j < run->nhosts; j++) {
			if (run->hosts[j]->ih == run->inv->hosts[i]) {
				struct kiso_vars *w = view_of(run->hosts[j]);

				kiso_map_set(run->arena, m, w->name, render_all(w));
				break;
			}
		}
	}
	for (size_t j = 0; j < run->nhosts; j++) {
		if (!kiso_map_get(m, run->hosts[j]->name)) {
			struct kiso_vars *w = view_of(run->hosts[j]);

			kiso_map_set(run->arena, m, w->name, render_all(w));
		}
	}
	run->hostvars = m;
	run->hostvars_epoch = atomic_load(&run->epoch) + run->gen;
	run->hostvars_valid = true;
	*out = m;
	pthread_mutex_unlock(&run->lock);
	return 0;
}
