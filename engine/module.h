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

struct kiso_task; /* the task context: below */
struct kiso_plan; /* what plan() found: below */

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
	int (*plan)(struct kiso_task *t, struct kiso_plan *out);   /* reads only */
	int (*apply)(struct kiso_task *t, struct kiso_plan *plan); /* converges */
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

/* ------------------------------------------------------------------ */
/* What a module sees when it runs: the task context and the plan      */

/*
 * The contract (DESIGN.md "Plan, then apply"):
 *
 *   plan(t, out)   reads the host's current state through t->conn (stat,
 *                  read, and read-only commands), decides whether a change
 *                  is needed (out->changed), fills out->result with the
 *                  module's return values as Ansible names them, and, when
 *                  t->diff, the before/after texts (kiso_plan_diff()).
 *                  It NEVER changes the host. Whatever apply() needs from
 *                  the reading goes into out->state (allocate in t->arena).
 *   apply(t, plan) is called only when plan->changed and not in check
 *                  mode; it makes the change in one call (atomic writes:
 *                  kiso_transport_write_atomic) and updates plan->result
 *                  (e.g. rc/stdout of a command). After a successful apply
 *                  the next plan() reports no change ("paired execution").
 *
 * Failure: return a negative code with t->err set (kiso_task_fail()); the
 * runner reports the task failed with that message. A host that cannot be
 * reached gives KISO_EUNREACHABLE (the transport's code, passed up as is).
 *
 * Check mode: the runner calls plan() only; its out->changed is what the
 * check run reports, so plan() must predict exactly what apply() will do.
 * A module that cannot predict (command, shell, raw, script) sets
 * out->unpredictable: in check mode the runner reports the task skipped,
 * as Ansible does, unless the task says check_mode: false.
 *
 * Memory: everything a module allocates for a task comes from t->arena,
 * which the runner resets after the task; results and diffs too.
 */

struct kiso_conn;     /* transport.h: the host's connection */
struct kiso_tmpl_ctx; /* template.h: the host's variables, for templating */

struct kiso_task {
	const struct kiso_module *module;
	/* Typed, defaulted, templated arguments (kiso_args_normalize):
	 * a map, read with the kiso_arg_* functions below. */
	const struct kiso_value *args;
	struct kiso_pos pos;            /* where the task is written */
	struct kiso_conn *conn;         /* the host, opened; see transport.h */
	struct kiso_arena *arena;       /* per task: reset after it */
	const char *host;               /* inventory_hostname */
	bool check;                     /* check mode: apply() is not called */
	bool diff;                      /* --diff: plan() fills diffs */
	struct kiso_error *err;         /* the task's error */
	/* Where src= of copy/template/script is looked up on the controller,
	 * in order (role files/ or templates/, role dir, playbook dir). */
	const char *const *search_path;
	/* The host's variables, for modules that render templates. */
	struct kiso_tmpl_ctx *tmpl;
	void *engine;                   /* runner-private */
	/* The task's 'environment' (a map of names to values, templated), or
	 * NULL: commands a module runs should see these variables. */
	const struct kiso_value *environment;
};

/* One before/after pair for --diff, headed like Ansible's
 * "--- before: PATH" / "+++ after: PATH". Texts may be NULL (no text,
 * e.g. a file that does not exist yet gives an empty before). */
struct kiso_diff_item {
	const char *before_header;
	const char *after_header;
	const char *before;
	size_t before_len;
	const char *after;
	size_t after_len;
};

struct kiso_plan {
	bool changed;           /* a change is needed (plan) / was made (apply) */
	bool unpredictable;     /* cannot be planned: skipped in check mode */
	bool skipped;           /* the module itself decided not to act
				 * (e.g. a condition of its own); msg says why */
	const char *msg;        /* the result's msg, or NULL */
	/* The module's return values (path, mode, rc, stdout, ...): a map,
	 * created empty by the runner; set with kiso_result_set(). */
	struct kiso_value *result;
	struct kiso_diff_item *diffs; /* kiso_plan_diff() adds */
	size_t ndiffs;
	void *state;            /* the module's own, from plan() to apply() */
};

/* Arguments (names as in the schema; aliases already folded). Absent or
 * null arguments give the fallback / NULL. */
const char *kiso_arg_str(const struct kiso_task *t, const char *name);
bool kiso_arg_bool(const struct kiso_task *t, const char *name, bool fallback);
int64_t kiso_arg_int(const struct kiso_task *t, const char *name, int64_t fallback);
const struct kiso_value *kiso_arg(const struct kiso_task *t, const char *name);

/* Sets t->err (first message wins) with the task's position; returns code. */
int kiso_task_fail(struct kiso_task *t, int code, const char *fmt, ...) KISO_PRINTF(3, 4);

/* result[key] = v (v in t->arena). */
void kiso_result_set(struct kiso_task *t, struct kiso_plan *p, const char *key,
		     struct kiso_value *v);
void kiso_result_set_str(struct kiso_task *t, struct kiso_plan *p, const char *key,
			 const char *s);

/* Adds a before/after pair (texts copied into t->arena). */
void kiso_plan_diff(struct kiso_task *t, struct kiso_plan *p, const char *before_header,
		    const char *before, size_t before_len, const char *after_header,
		    const char *after, size_t after_len);

#endif
