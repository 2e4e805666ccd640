/*
 * vars.h - variable scopes, Ansible's precedence, lazy templated lookup,
 * magic variables and extra vars.
 *
 * Two objects:
 *
 *   struct kiso_vars_run   one per run: the inventory, the extra vars
 *                          (-e), the run options (check/diff mode ...),
 *                          the play-level magic variables, and the scope
 *                          of every host seen so far (for hostvars).
 *   struct kiso_vars       one per host, owned by the run: a stack of
 *                          named layers walked highest to lowest.
 *
 * Precedence, lowest to highest (enum kiso_vars_layer, Ansible 2.14's
 * VariableManager.get_vars() order):
 *
 *   role defaults < inventory 'all' group_vars < inventory group_vars
 *   < playbook group_vars < inventory host_vars < playbook host_vars
 *   < host magic (inventory_hostname, inventory_hostname_short,
 *     group_names, inventory_file, inventory_dir)
 *   < host facts < play vars < vars_files < role vars < block vars
 *   < task vars < include_vars < set_fact and registered vars
 *   < role and include parameters < extra vars
 *   < magic variables (groups, omit, playbook_dir, ansible_version,
 *     ansible_check_mode, ansible_diff_mode, ansible_play_hosts ...,
 *     role_name, role_path; Ansible puts these above extra vars)
 *   < loop variables (item, loop_var, index_var, ansible_loop)
 *
 * The inventory already merges its nine layers into one map per host
 * (kiso_inventory_host_vars(), see inventory.h): a host's scope holds
 * that map in KISO_VARS_INV_HOST. The finer inventory kinds exist for
 * callers that hold such maps separately.
 *
 * Maps are replaced, not merged (hash_behaviour=replace): the highest
 * layer that defines a top-level name wins with its whole value.
 *
 * Lazy resolution, as Ansible's AnsibleJ2Vars: kiso_vars_get() finds the
 * raw value and, when it holds templates (a string with '{{', '{%' or
 * '{#', or such strings anywhere inside a list or map), renders it in the
 * host's context with kiso_tmpl_render_value() (strings that render to a
 * list/dict/bool text become values, as Ansible does). Variables that
 * such a template uses are resolved the same way, recursively. A loop
 * (a: "{{ b }}", b: "{{ a }}") is an error with Ansible's words:
 * "recursive loop detected in template string: {{ a }}", positioned at
 * the value being rendered. A variable whose template uses an undefined
 * variable is itself undefined (so 'x | default(..)' and 'x is defined'
 * work as in Ansible). Values flagged KISO_VF_UNSAFE, facts and
 * registered results are returned as they are, never templated.
 * Rendered results are cached per host and thrown away whenever any
 * layer of that host (or of the run) changes.
 *
 * Special names: 'vars' is the map of every visible variable, raw (not
 * templated, as in Ansible); 'hostvars' maps every inventory host to its
 * variables as another host sees them (Ansible's HostVars: inventory
 * vars, facts, include_vars, set_fact/register, extra vars and host-level
 * magic, but no play/role/task vars and no 'hostvars'), each rendered in
 * that host's own context. A variable of another host whose template
 * fails is left out (undefined when used). hostvars is built on first
 * use and cached until a host's persistent layers or the extra vars
 * change.
 *
 * Threads: a scope belongs to one thread at a time. hostvars reads other
 * hosts' persistent layers (facts, set_fact, include_vars); the runner
 * changes those only between tasks (or under its own lock).
 *
 * Memory: each scope has its own arena (rendered values, copies of
 * set_fact values); the run has one for run-wide values. Maps passed to
 * kiso_vars_push() are borrowed and must stay valid until popped.
 */
#ifndef KISO_VARS_H
#define KISO_VARS_H

#include "kiso_common.h"
#include "arena.h"
#include "error.h"
#include "value.h"
#include "template.h"

struct kiso_inventory;

/* The value of the magic variable 'omit' is KISO_TMPL_OMIT (template.h). */

/* The Ansible version kiso answers to in 'ansible_version'. */
#define KISO_ANSIBLE_COMPAT_VERSION "2.14.18"

enum kiso_vars_layer {
	KISO_VARS_ROLE_DEFAULTS,
	KISO_VARS_INV_ALL,      /* inventory group_vars/all */
	KISO_VARS_INV_GROUP,    /* inventory group_vars/<group> */
	KISO_VARS_PB_GROUP,     /* playbook group_vars */
	KISO_VARS_INV_HOST,     /* inventory host_vars; the merged inventory map */
	KISO_VARS_PB_HOST,      /* playbook host_vars */
	KISO_VARS_HOST_MAGIC,   /* inventory_hostname ... (set by vars.c) */
	KISO_VARS_FACTS,        /* kiso_vars_set_facts(); never templated */
	KISO_VARS_PLAY,
	KISO_VARS_VARS_FILES,
	KISO_VARS_ROLE_VARS,
	KISO_VARS_BLOCK,
	KISO_VARS_TASK,
	KISO_VARS_INCLUDE_VARS, /* kiso_vars_include_vars() */
	KISO_VARS_SET_FACT,     /* kiso_vars_set_fact(), kiso_vars_register() */
	KISO_VARS_ROLE_PARAMS,  /* role and include parameters */
	KISO_VARS_EXTRA,        /* the run's extra vars (set by vars.c) */
	KISO_VARS_MAGIC,        /* run, play and task magic (set by vars.c) */
	KISO_VARS_LOOP,         /* loop variables */
	KISO_VARS_NLAYERS
};

/* "role defaults", "play vars", ... for messages and `kiso render -v`. */
const char *kiso_vars_layer_name(enum kiso_vars_layer layer);

/* Run-wide options that become magic variables. */
struct kiso_vars_opts {
	bool check_mode;                /* ansible_check_mode */
	bool diff_mode;                 /* ansible_diff_mode */
	int forks;                      /* ansible_forks (0: 5) */
	int verbosity;                  /* ansible_verbosity */
	const char *playbook_dir;       /* playbook_dir; NULL: the current directory */
	const char *limit;              /* ansible_limit, or NULL */
	const char *const *inventory_sources; /* ansible_inventory_sources, NULL-terminated */
	const char *const *run_tags;    /* ansible_run_tags (NULL: none) */
	const char *const *skip_tags;   /* ansible_skip_tags (NULL: none) */
};

struct kiso_vars_run;
struct kiso_vars;

/*
 * A new run. inv may be NULL (no inventory: only the implicit localhost);
 * it is borrowed and must outlive the run. extra is the extra vars map
 * (see kiso_extravars_parse()) or NULL; it is copied. opts may be NULL.
 */
struct kiso_vars_run *kiso_vars_run_new(struct kiso_inventory *inv, const struct kiso_value *extra,
					const struct kiso_vars_opts *opts);

/* Frees the run, every host scope and everything they allocated. */
void kiso_vars_run_free(struct kiso_vars_run *run);

/*
 * Play-level magic: ansible_play_name, ansible_play_hosts_all,
 * ansible_play_hosts, ansible_play_batch and play_hosts (= the batch).
 * Lists of host names (strings); copied. NULL for hosts/batch means "same
 * as hosts_all". Call with all NULL to clear them between plays.
 */
void kiso_vars_run_set_play(struct kiso_vars_run *run, const char *play_name,
			    const struct kiso_value *hosts_all, const struct kiso_value *hosts,
			    const struct kiso_value *batch);

/*
 * The scope of host 'name', created on first use: the inventory's merged
 * vars, the host magic, the extra vars and the run magic are in place.
 * A name the inventory does not know is KISO_ENOTFOUND (err set), except
 * 'localhost' (and 127.0.0.1, ::1), which is Ansible's implicit
 * localhost (ansible_connection=local, no groups). The scope is owned by
 * the run.
 */
int kiso_vars_host(struct kiso_vars **out, struct kiso_vars_run *run, const char *name,
		   struct kiso_error *err);

/* The host's name. */
const char *kiso_vars_hostname(const struct kiso_vars *v);

/* The host's arena (valid until the run is freed). */
struct kiso_arena *kiso_vars_arena(struct kiso_vars *v);

/*
 * Pushes a map of variables as a layer of kind 'layer' (above the other
 * layers of the same kind). The map is borrowed. NULL pushes an empty
 * layer (so that every push pairs with a pop). A value that is not a map
 * is a caller's bug: nothing is pushed and -1 returned. O(layers).
 */
int kiso_vars_push(struct kiso_vars *v, enum kiso_vars_layer layer, const struct kiso_value *map);

/* Removes the most recently pushed layer of kind 'layer'; false if none. */
bool kiso_vars_pop(struct kiso_vars *v, enum kiso_vars_layer layer);

/*
 * Persistent per-host layers (they survive plays). Values are copied
 * into the host's arena.
 *   set_fact: the value is stored as given (it was rendered by the task).
 *   register: the result is stored flagged unsafe (never templated).
 *   include_vars: each top-level key of map is set (replaced).
 *   set_facts: gathered facts; each key k becomes ansible_facts[k] and
 *   the variable ansible_<k> (ansible_ prefix not doubled), as Ansible's
 *   INJECT_FACTS_AS_VARS; later calls update keys.
 */
void kiso_vars_set_fact(struct kiso_vars *v, const char *name, const struct kiso_value *val);
void kiso_vars_register(struct kiso_vars *v, const char *name, const struct kiso_value *result);
void kiso_vars_include_vars(struct kiso_vars *v, const struct kiso_value *map);
void kiso_vars_set_facts(struct kiso_vars *v, const struct kiso_value *facts);

/*
 * Task-level magic: role_name and role_path (NULL: no role; both cleared),
 * and for `template`-like callers any extra magic (ansible_managed ...):
 * kiso_vars_set_magic() sets one magic variable of this host (NULL value:
 * removes it). Copied.
 */
void kiso_vars_set_role(struct kiso_vars *v, const char *role_name, const char *role_path);
void kiso_vars_set_magic(struct kiso_vars *v, const char *name, const struct kiso_value *val);

/*
 * Search path for lookup('file') etc. in templates rendered through this
 * scope (see struct kiso_tmpl_ctx); borrowed; NULL: current directory.
 */
void kiso_vars_set_search_path(struct kiso_vars *v, const char *const *search_path);

/*
 * The variable 'name', rendered (see above). *out is NULL when it is
 * undefined (not an error). Errors: a recursive loop, a syntax error in
 * the variable's template, any other template failure but undefined.
 * The value lives in the host's arena (or is the raw value itself).
 */
int kiso_vars_get(struct kiso_value **out, struct kiso_vars *v, const char *name,
		  struct kiso_error *err);

/* The raw (untemplated) value of 'name' and the layer it comes from; NULL if undefined. */
const struct kiso_value *kiso_vars_raw(const struct kiso_vars *v, const char *name,
				       enum kiso_vars_layer *layer);

/*
 * Fills ctx for rendering templates in this host's context: the lookup
 * callback (kiso_vars_get), the search path, and 'arena' for results
 * (NULL: the host's arena).
 */
void kiso_vars_tmpl_ctx(struct kiso_tmpl_ctx *ctx, struct kiso_vars *v, struct kiso_arena *arena);

/* The lookup callback itself, for struct kiso_tmpl_ctx (data: struct kiso_vars *). */
int kiso_vars_lookup(void *data, const char *name, struct kiso_value **out,
		     struct kiso_error *err);

/* ---- extra vars (extravars.c) ---- */

/*
 * Ansible's parse_kv(args) (parsing/splitter.py, check_raw=False):
 * splits on whitespace keeping quoted and {{ }}/{% %}/{# #} spans
 * together, decodes Python escapes (\n, \t, \x41, \u00e9 ...) and makes
 * key=value pairs (unquoted values, '\=' does not split); words without
 * '=' are joined into '_raw_params'. Values are strings. An unbalanced
 * quote or block is KISO_ESYNTAX ("failed at splitting arguments, either
 * an unbalanced jinja2 block or quotes: ARGS").
 */
int kiso_parse_kv(struct kiso_value **out, struct kiso_arena *a, const char *args,
		  struct kiso_error *err);

/*
 * One -e argument as ansible-playbook reads it (utils/vars.py
 * load_extra_vars), merged into the map *acc (created when NULL; a later
 * argument replaces top-level keys):
 *   @FILE        a YAML (or JSON) file, which must hold a map
 *   {... / [...  inline YAML/JSON, which must be a map
 *   /x or ./x    an error: "please prepend extra_vars filename '/x' with '@'"
 *   k=v ...      parse_kv()
 * An empty argument is ignored. Errors name the argument.
 */
int kiso_extravars_add(struct kiso_value **acc, struct kiso_arena *a, const char *arg,
		       struct kiso_error *err);

#endif
