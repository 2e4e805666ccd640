/*
 * modtask.h - runs one module's plan/apply the way the runner does, for
 * module unit tests: arguments from a YAML flow mapping, validated and
 * normalized against the module's schema, a task context on a connection
 * (local by default), a fresh plan per call.
 */
#ifndef KISO_TEST_MODTASK_H
#define KISO_TEST_MODTASK_H

#include "kiso_common.h"
#include "module.h"
#include "transport.h"

struct modtask {
	struct kiso_arena *arena;
	struct kiso_conn *conn;         /* owned unless borrowed_conn */
	bool borrowed_conn;
	struct kiso_error err;
	struct kiso_task task;
	struct kiso_plan plan;
	const char *search_path[4];
};

/* A local connection (ansible_connection=local). */
void modtask_init(struct modtask *m);
/* On an open connection the caller keeps. */
void modtask_init_conn(struct modtask *m, struct kiso_conn *c);
void modtask_release(struct modtask *m);

/*
 * plan() of module 'name' with arguments 'yaml' (a YAML mapping, e.g.
 * "{_raw_params: 'echo hi', creates: /tmp/x}"); check: the task's check
 * flag. Validation problems fail the test. Returns plan()'s code; the
 * plan is in m->plan, the error in m->err.
 */
int modtask_plan(struct modtask *m, const char *name, const char *yaml, bool check);

/* apply() on the last plan. */
int modtask_apply(struct modtask *m);

/* plan, and apply when the plan says changed (what a real run does). */
int modtask_run(struct modtask *m, const char *name, const char *yaml);

/* result[key] of the last plan/apply, or NULL. */
const struct kiso_value *modtask_result(const struct modtask *m, const char *key);
/* result[key] as a string (must be one), or NULL when absent/null. */
const char *modtask_result_str(const struct modtask *m, const char *key);

#endif
