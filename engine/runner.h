/*
 * runner.h - runs loaded playbooks on hosts.
 *
 * kiso_run_playbooks() executes validated playbooks (playbook.h) against
 * an inventory as ansible-playbook does:
 *
 *   for each play: hosts = pattern & --limit, split into batches
 *   (serial); for each batch, one thread per host (at most 'forks'
 *   working at once); the linear strategy keeps the hosts in step (a
 *   barrier after each task), 'strategy: free' lets each host run ahead.
 *   Sections pre_tasks, roles + tasks, post_tasks each end with a flush
 *   of notified handlers.
 *
 * Each host's connection is opened once (first task that needs it) and
 * kept for the whole run. Controller-side actions (debug, set_fact,
 * assert, fail, pause, meta, include_vars, setup, include_tasks, import_tasks, include_role, import_role)
 * are handled by the runner itself where they need its state (set_fact,
 * include_vars, meta, setup, include_*) and by the module's plan()
 * otherwise (debug, assert, fail, pause).
 *
 * Jump hosts: sessions tunnelled through a jump session are opened one
 * at a time (a run-wide lock): opening several through the same jump
 * session at once fails now and then in transport_ssh.c (mixed-up
 * handshakes, even a "host key CHANGED"); once open, they run in
 * parallel. A kiso_jump host gets a session of its own for tunnels,
 * apart from the one its own tasks use: a command on a session that
 * also carries tunnels can hang in transport_ssh.c.
 *
 * Known limits: the tasks of a dynamic include_tasks/include_role run out
 * of step with the other hosts (as under 'free'); environment is passed
 * to modules in struct kiso_task.environment (modules use it).
 */
#ifndef KISO_RUNNER_H
#define KISO_RUNNER_H

#include "kiso_common.h"
#include "playbook.h"
#include "report.h"
#include "value.h"

struct kiso_inventory;

struct kiso_run_opts {
	struct kiso_inventory *inv;
	const struct kiso_value *extra;         /* -e map, or NULL */
	const char *limit;                      /* --limit, or NULL */
	const struct kiso_value *only_tags;     /* list of str; empty: all */
	const struct kiso_value *skip_tags;     /* list of str, may be NULL */
	const char *start_at_task;              /* or NULL */
	bool check, diff, force_handlers;
	int forks;                              /* 0: every host of a batch, at most 200 */
	int verbosity;
	int timeout_s;                          /* --timeout: connect timeout; 0: default */
	const char *private_key;                /* --private-key, or NULL */
	bool ssh_accept_new;
	const char *const *inventory_sources;   /* for ansible_inventory_sources */
	struct kiso_report *reports;            /* sinks */
	size_t nreports;
};

/*
 * Runs the playbooks in order. Returns the exit status (cli.h): 0, 2 when
 * a host failed, 3 when a host was unreachable and none failed, 1 for
 * other errors (a play's hosts pattern cannot be rendered ...).
 */
int kiso_run_playbooks(struct kiso_playbook *const *pbs, size_t n, const struct kiso_run_opts *o);

/*
 * `kiso apply` after loading (cmd_run.c): refuses tasks whose module
 * cannot run yet (exit 4, before any host is touched), sets up the
 * console and the --report sinks ("json=FILE"; an unknown format is exit
 * 5) and runs. Returns the exit status.
 */
int kiso_apply_run(struct kiso_playbook *const *pbs, size_t n, struct kiso_run_opts *o,
		   const char *const *report_specs, size_t nspecs);

/*
 * Gathers the facts of every host matching 'pattern' (and o->limit), in
 * parallel. *out: a map host -> {"ansible_facts": {...}} or
 * {"unreachable": true, "msg": ...}. Returns 0, 3 when a host was
 * unreachable, 1 for a bad pattern (message printed).
 */
int kiso_run_facts(struct kiso_value **out, struct kiso_arena *a, const char *pattern,
		   const struct kiso_run_opts *o);

/* ---- pure parts, exposed for unit tests (runner_util.c) ---- */

/*
 * Ansible's serial batching: 'serial' (NULL, an int, a "30%" string or a
 * list of those; the last one repeats) over nhosts hosts. Writes batch
 * sizes into sizes[] (at most max) and returns how many batches; a
 * percentage rounds down but is at least 1; 0 or null means all at once.
 * Returns -1 for a value that is not a number or a percentage.
 */
int kiso_serial_batches(const struct kiso_value *serial, size_t nhosts, size_t *sizes,
			size_t max);

/*
 * Ansible's Taggable.evaluate_tags(): whether a task with 'tags' (list of
 * str) runs under --tags 'only' (empty list: all) and --skip-tags 'skip'
 * (may be NULL).
 */
bool kiso_tags_should_run(const struct kiso_value *tags, const struct kiso_value *only,
			  const struct kiso_value *skip);

/* Ansible's max_fail_percentage test: true when failed/total > pct. */
bool kiso_max_fail_exceeded(size_t failed, size_t total, double pct);

#endif
