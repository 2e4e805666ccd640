/*
 * playbook.h - playbooks, plays, roles, blocks and tasks: loaded and
 * validated, the model the runner executes.
 *
 * kiso_playbook_load() reads a playbook file and everything it reaches
 * statically (import_playbook, roles and their meta dependencies,
 * import_role, import_tasks, and include_tasks/include_role whose file or
 * role name holds no template), and validates all of it before anything
 * runs: unknown keywords, unknown modules, module parameters (through
 * kiso_args_validate()), keyword types, template syntax, missing files and
 * roles. Every problem goes into a struct kiso_diags as "file:line:col:
 * message", in file order; loading goes on after an error, so that `kiso
 * lint` shows them all.
 *
 * Nothing is templated here: values are kept exactly as loaded (strings
 * still hold their "{{ }}"), with their positions. The runner and vars.c
 * template them per host.
 *
 * The model
 * ---------
 *
 *   kiso_playbook
 *     plays[]                 import_playbook already expanded, in order
 *       kiso_play
 *         kw                  every play keyword as written (a map)
 *         vars, vars_files
 *         roles[]             kiso_role, in the order of 'roles:'
 *         pre_tasks, tasks, post_tasks, handlers   (kiso_tasklist)
 *
 *   kiso_role                 one *use* of a role: a 'roles:' entry, a meta
 *                             dependency, an import_role or include_role;
 *                             its files are loaded for each use
 *     defaults, vars          maps from defaults/main and vars/main
 *     params                  role parameters of this use (a map)
 *     deps[]                  meta/main.yml dependencies, each a kiso_role
 *     tasks, handlers         from tasks/main (or tasks_from), handlers/main
 *
 *   kiso_taskdef              one entry of a task list: a module call, a
 *                             block, an import/include of tasks or a role
 *
 * Keyword inheritance (Ansible's): a task's effective value of an
 * inheritable keyword (become, become_user, remote_user, environment,
 * ignore_errors, check_mode, diff, no_log, delegate_to, run_once, ...)
 * is the nearest one set on the task, then its enclosing blocks and
 * imports (parent chain), then the role use (and the role uses that
 * pulled it in as a dependency), then the play. kiso_taskdef_kw() does
 * that walk. 'when' and 'tags' are not overridden but accumulated along
 * the same chain: kiso_taskdef_tags() and kiso_taskdef_when() collect
 * them. 'vars' are merged outermost first (role < block < task).
 *
 * Running a play, as Ansible compiles it (play.compile()): pre_tasks,
 * then handlers flushed; each role of 'roles:' (for each: its deps[]
 * first, recursively, then its tasks; a use with same_as set is skipped
 * for a host that already ran that role, unless allow_duplicates); tasks;
 * handlers flushed; post_tasks; handlers flushed. A BLOCK runs 'block',
 * then 'rescue' on failure, then 'always'. IMPORT_TASKS runs 'body';
 * IMPORT_ROLE runs inc_role like a 'roles:' entry; INCLUDE_TASKS and
 * INCLUDE_ROLE are expanded per host when reached (using body/inc_role
 * when they were loaded, else loading at run time). A play's handlers
 * are its own 'handlers' plus the handlers of every role use in it;
 * a handler is notified by its name, by "role : name" for a role
 * handler, or by a 'listen' topic.
 *
 * Memory: everything lives in the arena given to kiso_playbook_load();
 * strings and values are borrowed from it. Positions' file names are
 * interned (error.h) and live until exit.
 */
#ifndef KISO_PLAYBOOK_H
#define KISO_PLAYBOOK_H

#include "kiso_common.h"
#include "arena.h"
#include "error.h"
#include "value.h"

struct kiso_module;
struct kiso_play;
struct kiso_role;
struct kiso_taskdef;

/* A growable array of tasks (in the playbook's arena). */
struct kiso_tasklist {
	struct kiso_taskdef **items;
	size_t len;
	size_t cap;
};

enum kiso_taskdef_kind {
	KISO_TD_MODULE,        /* a module call: module, action, args */
	KISO_TD_BLOCK,         /* block/rescue/always */
	KISO_TD_IMPORT_TASKS,  /* static: 'body' holds the imported file's tasks */
	KISO_TD_INCLUDE_TASKS, /* dynamic: 'file' is rendered per host at run time;
				* when it holds no template, 'body' is the file's
				* tasks, loaded and validated now (loaded_static) */
	KISO_TD_IMPORT_ROLE,   /* static: 'inc_role' loaded (its deps[] and tasks) */
	KISO_TD_INCLUDE_ROLE,  /* dynamic: 'inc_role' loaded now when its name and
				* *_from hold no template, else NULL and
				* 'role_name' is rendered at run time */
	KISO_TD_META,          /* 'meta: flush_handlers' etc.: args "_raw_params"
				* holds the action (the runner's job) */
};

struct kiso_taskdef {
	enum kiso_taskdef_kind kind;
	struct kiso_pos pos;          /* the task's mapping (its first key) */
	struct kiso_taskdef *parent;  /* enclosing block/import/include, or NULL */
	struct kiso_role *role;       /* role use this task comes from, or NULL */
	struct kiso_play *play;       /* never NULL */
	bool is_handler;              /* in a handlers list (or below one) */

	/*
	 * Every keyword as written, keys in file order, values untemplated
	 * (with positions): name, when, become, loop, ... but not the module
	 * key, 'args', 'action'/'local_action', with_X (see loop_with) nor
	 * block/rescue/always. Keyword
	 * types are already validated (when: str/bool/list, tags: str/int/list,
	 * retries: int or template, ...). Never NULL (maybe empty).
	 */
	struct kiso_value *kw;
	const char *name;             /* kw "name" as a string, or NULL */

	/* KISO_TD_MODULE, and the include/import kinds (their action) */
	const char *action;           /* as written: "copy", "ansible.builtin.copy" */
	const struct kiso_module *module; /* resolved; NULL for include/import kinds
					   * and for an unknown module (an error) */
	/*
	 * The module arguments: a map. Free-form text is split Ansible's way
	 * (k=v pairs; the rest in "_raw_params" for free-form modules), the
	 * 'args:' keyword merged in (task keys win), local_action adds
	 * delegate_to: localhost to kw. Arguments that come from a variable
	 * ('args: "{{ x }}"', 'copy: "{{ x }}"') are kept as
	 * "_variable_params": the runner renders it (a map) and merges the
	 * other keys over it, then validates. Never NULL for KISO_TD_MODULE,
	 * META and the include/import kinds (their options: file, name,
	 * tasks_from, apply, ...).
	 */
	struct kiso_value *args;

	/*
	 * Loops: 'loop:' gives loop_with NULL and loop the value; 'with_X:'
	 * gives loop_with "X" (a lookup name: items, dict, fileglob, ...) and
	 * loop its value (term(s) for the lookup). NULL loop: no loop.
	 * loop_control is kw "loop_control" (a map) or NULL.
	 */
	const char *loop_with;
	struct kiso_value *loop;

	/* handlers: 'listen' as a list of strings (NULL when none) */
	struct kiso_value *listen;

	/* KISO_TD_BLOCK */
	struct kiso_tasklist block, rescue, always;

	/* KISO_TD_IMPORT_TASKS / KISO_TD_INCLUDE_TASKS */
	const char *file;             /* as written (may be a template) */
	/* resolved path when loaded now, else NULL; also set for a module
	 * task whose file holds no template and was found and checked:
	 * include_vars (the vars file), template (the template, searched in
	 * templates/), copy without remote_src (the source, in files/) */
	const char *file_path;
	bool loaded_static;           /* body was loaded at load time */
	struct kiso_tasklist body;

	/* KISO_TD_IMPORT_ROLE / KISO_TD_INCLUDE_ROLE */
	const char *role_name;        /* as written */
	struct kiso_role *inc_role;   /* loaded use, or NULL (templated name) */
};

/* How a role use came about. */
enum kiso_role_origin {
	KISO_ROLE_PLAY,         /* the play's 'roles:' */
	KISO_ROLE_DEPENDENCY,   /* meta/main.yml 'dependencies:' of 'parent' */
	KISO_ROLE_IMPORT,       /* import_role task 'via' */
	KISO_ROLE_INCLUDE,      /* include_role task 'via' */
};

struct kiso_role {
	const char *name;             /* the role's name as written ("common",
				       * "roles/x" or a path found on the search
				       * path), or the base name of a path */
	const char *path;             /* the role directory (absolute) */
	struct kiso_pos pos;          /* where this use is written */
	enum kiso_role_origin origin;
	struct kiso_role *parent;     /* the role whose dependency this is, or NULL */
	struct kiso_taskdef *via;     /* the import_role/include_role task, or NULL */
	struct kiso_play *play;

	/*
	 * Keywords of the use (when, tags, become, ... on a 'roles:' entry or
	 * a dependency entry), as in kiso_taskdef.kw. Never NULL.
	 */
	struct kiso_value *kw;
	/*
	 * Role parameters of this use: the entry's keys that are not keywords
	 * (include_role/import_role: none). Never NULL (maybe empty).
	 */
	struct kiso_value *params;
	/*
	 * The entry's 'vars:' (Ansible's role.vars: below vars/main in
	 * precedence, params above it). Never NULL (maybe empty).
	 */
	struct kiso_value *use_vars;

	struct kiso_value *defaults;  /* defaults/main (or defaults_from): map, never NULL */
	struct kiso_value *vars;      /* vars/main (or vars_from): map, never NULL */
	struct kiso_value *meta;      /* meta/main as loaded, or NULL */
	/* tasks_from, vars_from, defaults_from, handlers_from of an
	 * import_role/include_role, or NULL (main) */
	const char *tasks_from, *vars_from, *defaults_from, *handlers_from;
	bool allow_duplicates;        /* meta allow_duplicates (include_role: always true) */

	struct kiso_role **deps;      /* meta dependencies, in order */
	size_t ndeps;

	struct kiso_tasklist tasks;   /* tasks/main (or tasks_from) */
	struct kiso_tasklist handlers;/* handlers/main (or handlers_from) */

	/*
	 * The first earlier use in the same play with the same name and equal
	 * params (Ansible runs such a role once per host unless
	 * allow_duplicates), or NULL.
	 */
	struct kiso_role *same_as;
};

struct kiso_play {
	struct kiso_pos pos;
	const char *file;             /* the playbook file holding the play */
	const char *basedir;          /* its directory (absolute) */
	int index;                    /* 1-based, across imports ("play #N") */

	struct kiso_value *kw;        /* every play keyword as written (a map), plus
				       * what import_playbook added: never NULL */
	const char *name;             /* kw "name" as a string, or NULL */
	/*
	 * 'hosts' as written: a string (maybe a template, maybe a comma list)
	 * or a list of strings. Use kiso_play_hosts() for the pattern list.
	 */
	struct kiso_value *hosts;
	struct kiso_value *vars;      /* map, never NULL; import_playbook vars merged */
	struct kiso_value *vars_files;/* list (each a str or a list of str), never NULL */
	/*
	 * Extra conditions from the 'when:' of the import_playbook statements
	 * that brought this play in (a list of expression strings), applied to
	 * every task of the play; NULL when none.
	 */
	struct kiso_value *import_when;

	struct kiso_role **roles;
	size_t nroles;
	struct kiso_tasklist pre_tasks, tasks, post_tasks, handlers;
};

struct kiso_playbook {
	const char *path;             /* as given */
	const char *dir;              /* its directory (absolute) */
	struct kiso_play **plays;
	size_t nplays;
	/* every file read while loading (playbooks, task files, role files,
	 * vars files, templates), interned (error.h), in the order first read:
	 * the order diagnostics are sorted in */
	const char **files;
	size_t nfiles;
};

struct kiso_load_opts {
	/* --roles-path directories, in order, NULL-terminated; may be NULL */
	const char *const *roles_path;
	/* ANSIBLE_ROLES_PATH (colon-separated); NULL means getenv() */
	const char *env_roles_path;
	/* validate module arguments with kiso_args_validate() (default on) */
	bool no_args_check;
};

/*
 * Loads and validates the playbook at 'path'. Every problem found is
 * added to 'diags' (errors) or 'warnings' (may be NULL), sorted in file
 * order of the files as they were loaded. *out gets the model as far as it
 * could be built, even on errors (lint reports, never runs it).
 * Returns 0 when no error was found, KISO_EINVALID (or KISO_ENOTFOUND
 * when 'path' cannot be read) otherwise.
 */
int kiso_playbook_load(struct kiso_playbook **out, struct kiso_arena *a, const char *path,
		       const struct kiso_load_opts *opts, struct kiso_diags *diags,
		       struct kiso_diags *warnings);

/*
 * The effective value of an inheritable keyword for task t (see above):
 * t, its parents, its role uses, its play. NULL when set nowhere.
 */
const struct kiso_value *kiso_taskdef_kw(const struct kiso_taskdef *t, const char *key);

/*
 * Every value of keyword 'key' along the same chain, outermost first
 * (play, role uses, blocks, the task): for the keywords Ansible extends
 * rather than overrides ('environment': the maps merged, inner wins). A
 * list in arena a (empty when no level sets it).
 */
struct kiso_value *kiso_taskdef_kw_all(struct kiso_arena *a, const struct kiso_taskdef *t,
				       const char *key);

/*
 * All tags that apply to t (its own, its parents', its role uses', its
 * play's and the import_playbook ones), each once, as strings in the
 * order met from t outwards; appended to list 'out' (allocated in a).
 */
void kiso_taskdef_tags(struct kiso_arena *a, struct kiso_value *out,
		       const struct kiso_taskdef *t);

/*
 * All 'when' conditions that guard t, outermost first (play import, role
 * uses, blocks, t): each a value as written (str or bool), appended to
 * list 'out'. The task runs when every one is true.
 */
void kiso_taskdef_when(struct kiso_arena *a, struct kiso_value *out,
		       const struct kiso_taskdef *t);

/*
 * Ansible's Task.get_name(): "role : name" (or "role : action" without a
 * name) for a role task, else the name, else the action. Allocated in a.
 * (--list-tasks prints the bare action for a task without a name, even
 * in a role: cmd_apply.c does that itself.)
 */
const char *kiso_taskdef_display_name(struct kiso_arena *a, const struct kiso_taskdef *t);

/*
 * The host patterns of a play as Ansible's play.hosts: a string is a
 * one-element list, a list is taken as it is (each element a string); an
 * empty or null 'hosts' gives an empty list. Appended to list 'out'. A
 * template is not rendered here (the caller renders 'hosts' first when
 * kiso_tmpl_has_template() says so). Join the result with ',' to get a
 * pattern for kiso_inventory_match().
 */
void kiso_play_hosts_split(struct kiso_arena *a, struct kiso_value *out,
			   const struct kiso_value *hosts);

/*
 * Ansible's split_args()/parse_kv() on free-form task arguments 'text':
 * k=v pairs (quotes, escapes and Jinja2 blocks kept together) into map
 * *out; everything else joined into "_raw_params" when free_form is set,
 * an error otherwise. 'pos' is where text starts (for values' positions
 * and errors).
 */
int kiso_task_parse_kv(struct kiso_value **out, struct kiso_arena *a, const char *text,
		       struct kiso_pos pos, bool free_form, struct kiso_error *err);

/*
 * Ansible's split_args(): the words of 'text' with quotes kept, Jinja2
 * blocks and quoted strings never split. *out is a list of strings.
 */
int kiso_task_split_args(struct kiso_value **out, struct kiso_arena *a, const char *text,
			 struct kiso_pos pos, struct kiso_error *err);

#endif
