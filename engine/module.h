/*
 * module.h - what a module is: a name, aliases, a parameter schema and
 * its handlers. The only engine header a module includes.
 *
 * The schema is the one source of truth: the engine validates task
 * arguments against it before anything runs (unknown parameter, missing
 * required one, wrong type, value not among the choices), `make docs`
 * generates docs/modules/<name>.md from it, and modules receive typed,
 * defaulted arguments.
 *
 * Names, types, defaults and choices are Ansible's (see `ansible-doc -j
 * MODULE`), so that existing roles validate unchanged.
 */
#ifndef KISO_MODULE_H
#define KISO_MODULE_H

#include "kiso_common.h"
#include "error.h"
#include "value.h"

/* Ansible's argument spec types. */
enum kiso_ptype {
	KISO_T_STR,
	KISO_T_BOOL,
	KISO_T_INT,
	KISO_T_FLOAT,
	KISO_T_LIST,
	KISO_T_DICT,
	KISO_T_PATH, /* a str, '~' expanded */
	KISO_T_RAW,  /* anything, e.g. file modes (0644 or "u+rwx") */
};

/* param flags */
#define KISO_REQUIRED 0x01
#define KISO_NO_LOG 0x02     /* value hidden in output and reports */
#define KISO_DEPRECATED 0x04 /* accepted, with a warning */
#define KISO_REMOVED 0x08    /* rejected with a precise message */

struct kiso_param {
	const char *name;
	enum kiso_ptype type;
	unsigned flags;
	const char *def;      /* default in YAML scalar form ("yes", "0644"), or NULL */
	const char *choices;  /* comma-separated allowed values, or NULL */
	const char *aliases;  /* comma-separated other names, or NULL */
	enum kiso_ptype elements; /* element type of a KISO_T_LIST */
	const char *doc;      /* one sentence for the module reference */
};

/* module flags */
#define KISO_MOD_FREE_FORM 0x01 /* 'command: ls -l' gives _raw_params */
#define KISO_MOD_ACTION 0x02    /* runs on the controller (debug, set_fact, assert, ...) */
#define KISO_MOD_ANY_ARGS 0x04  /* takes arbitrary keys (set_fact, include_vars' free-form) */

struct kiso_task; /* the task context, defined by the runner */
struct kiso_plan; /* what plan() found, defined by the runner */

struct kiso_module {
	const char *name;                   /* "lineinfile" */
	const char *const *aliases;         /* NULL-terminated: "ansible.builtin.lineinfile", ... */
	unsigned flags;
	const struct kiso_param *params;    /* terminated by an entry with name NULL */
	const char *doc;                    /* one paragraph for the module reference */
	/*
	 * Cross-parameter rules (mutually exclusive, required one of, required
	 * if) on the already type-checked arguments 'args' (a map); NULL when
	 * there are none. Returns 0, or adds messages to 'd' and returns -1.
	 */
	int (*validate)(const struct kiso_value *args, struct kiso_pos pos, struct kiso_diags *d);
	/*
	 * A NULL plan means "schema registered, not runnable yet": tasks
	 * using the module load and validate, and the runner refuses to run
	 * them with a clear message.
	 */
	int (*plan)(struct kiso_task *t, struct kiso_plan *out);          /* reads only */
	int (*apply)(struct kiso_task *t, const struct kiso_plan *plan);  /* converges */
};

/*
 * The module for a task key: its name, an alias, "ansible.builtin.NAME",
 * "ansible.legacy.NAME" or a collection alias listed by the module. NULL
 * when unknown (the caller reports "unknown module 'x'" with file:line).
 */
const struct kiso_module *kiso_module_find(const char *name);

/* The registered modules, sorted by name; *n gets how many. */
const struct kiso_module *const *kiso_module_list(size_t *n);

/* The schema entry of parameter 'name' (or one of its aliases), or NULL. */
const struct kiso_param *kiso_module_param(const struct kiso_module *m, const char *name);

#endif
