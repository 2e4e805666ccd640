/*
 * playbook_priv.h - what playbook.c, role.c and task.c share while loading.
 * Not for other parts of kiso: they use playbook.h.
 */
#ifndef KISO_PLAYBOOK_PRIV_H
#define KISO_PLAYBOOK_PRIV_H

#include "kiso_common.h"
#include "playbook.h"

/* The state of one kiso_playbook_load(). */
struct pb_loader {
	struct kiso_arena *a;
	const struct kiso_load_opts *opts;
	struct kiso_diags *diags;
	struct kiso_diags *warns;
	struct kiso_play *play;    /* play being loaded */
	const char *basedir;       /* directory of the playbook file of the play */
	/* files being loaded (import cycles) */
	const char *stack[64];
	int depth;
	/* every file loaded, in order: diagnostics are sorted by it */
	const char **files;
	size_t nfiles, capfiles;
	/* role uses of the current play (for same_as) */
	struct kiso_role **uses;
	size_t nuses, capuses;
	int role_depth;
	size_t role_loads;         /* role uses loaded in the current play */
	bool role_loads_reported;
};

/* Reports an error / a warning at pos. */
void pb_error(struct pb_loader *L, struct kiso_pos pos, const char *fmt, ...) KISO_PRINTF(3, 4);
void pb_warn(struct pb_loader *L, struct kiso_pos pos, const char *fmt, ...) KISO_PRINTF(3, 4);

/*
 * Loads YAML file 'path' (one document) and remembers it in the file
 * order. A YAML error is reported; returns NULL then (and for a missing
 * file, reported at 'from' as "cannot read 'path': ...").
 */
struct kiso_value *pb_load_yaml(struct pb_loader *L, const char *path, struct kiso_pos from);

/*
 * Reads template file 'path' and syntax-checks it (errors at their
 * line:col in the file); a file that cannot be read is reported at 'from'.
 */
void pb_check_template_file(struct pb_loader *L, const char *path, struct kiso_pos from);

/*
 * Pushes a file on the import stack; false (reported, naming the file as
 * 'shown') on a cycle or too deep.
 */
bool pb_push_file(struct pb_loader *L, const char *path, const char *shown, struct kiso_pos from);
void pb_pop_file(struct pb_loader *L);

/* Appends t to list l. */
void pb_tasklist_push(struct kiso_arena *a, struct kiso_tasklist *l, struct kiso_taskdef *t);

/* Path helpers (results in L->a). */
const char *pb_join(struct pb_loader *L, const char *dir, const char *name);
const char *pb_dirname(struct pb_loader *L, const char *path);
const char *pb_abspath(struct pb_loader *L, const char *path);
bool pb_is_file(const char *path);
bool pb_is_dir(const char *path);

/*
 * Keyword value checks, shared by plays, blocks, tasks and role uses.
 * 'what' names the object in messages ("Play", "Task", ...). Reports
 * problems; returns false when the value is unusable.
 */
bool pb_check_keyword(struct pb_loader *L, const char *key, const struct kiso_value *v);

/* Syntax-checks every string in v (recursively) as a template. */
void pb_check_templates(struct pb_loader *L, const struct kiso_value *v);

/* Checks an expression keyword value (when, changed_when, ...). */
void pb_check_expr(struct pb_loader *L, const char *key, const struct kiso_value *v);

/* "a string", "a mapping", ...: a value's type for messages. */
const char *pb_type_desc(const struct kiso_value *v);

/* True when v is a string holding template markers. */
bool pb_is_template(const struct kiso_value *v);

/*
 * Loads a list of task entries 'list' (a YAML sequence, or null) into
 * 'out'. 'dir' is the directory of the file the list is in (for
 * import_tasks relative names). handlers: the list is a handlers list.
 */
void pb_load_tasks(struct pb_loader *L, struct kiso_tasklist *out, const struct kiso_value *list,
		   struct kiso_taskdef *parent, struct kiso_role *role, bool handlers,
		   const char *dir);

/*
 * Loads a task file (import_tasks, tasks/main.yml) into 'out': its top
 * level must be a list of tasks (or empty).
 */
void pb_load_task_file(struct pb_loader *L, struct kiso_tasklist *out, const char *path,
		       struct kiso_pos from, struct kiso_taskdef *parent, struct kiso_role *role,
		       bool handlers);

/* Where a role use comes from, for pb_load_role(). */
struct pb_role_from {
	const char *tasks, *vars, *defaults, *handlers; /* *_from, or NULL */
};

/*
 * Loads one role use: 'entry' is a 'roles:' item or dependency (a string
 * or a map) or NULL with 'name' given (import_role/include_role). Returns
 * NULL when the role cannot be loaded (reported).
 */
struct kiso_role *pb_load_role(struct pb_loader *L, const struct kiso_value *entry,
			       const char *name, struct kiso_pos pos, enum kiso_role_origin origin,
			       struct kiso_role *parent, struct kiso_taskdef *via,
			       const struct pb_role_from *from);

/* A new empty map / list in the arena. */
struct kiso_value *pb_map(struct pb_loader *L, struct kiso_pos pos);
struct kiso_value *pb_list(struct pb_loader *L, struct kiso_pos pos);

#endif
