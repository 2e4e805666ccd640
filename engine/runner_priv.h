/*
 * runner_priv.h - the runner's state, shared by runner.c (plays, batches,
 * strategies, handlers) and runner_task.c (one task on one host).
 */
#ifndef KISO_RUNNER_PRIV_H
#define KISO_RUNNER_PRIV_H

#include "kiso_common.h"

#include <pthread.h>

#include "arena.h"
#include "buf.h"
#include "facts.h"
#include "inventory.h"
#include "module.h"
#include "playbook.h"
#include "report.h"
#include "runner.h"
#include "template.h"
#include "transport.h"
#include "vars.h"
#include "yaml.h"

/* what running a task (or list) gave */
enum { RN_OK = 0, RN_FAILED = 1, RN_STOP = 2 };

/* One inventory host for the whole run. */
struct rn_hostrec {
	const char *name;
	struct kiso_vars *vars;
	struct kiso_conn *conn;       /* opened on first use, kept */
	bool open_failed;
	struct kiso_error open_err;
	pthread_mutex_t mu;           /* guards opening conn */
	struct kiso_host_stats st;
	bool failed;                  /* failed in a play: out of later plays */
	bool unreachable;
	bool seen;                    /* in a play's batch: shown in the recap */
	/* connection options from the variables (prepare_conn, main thread) */
	bool copts_ready;
	struct kiso_conn_opts copts;
	int copts_rc;
	struct kiso_error copts_err;
	char *kjump;                  /* kiso_jump, or NULL */
};

struct rn_jump {
	char *key;
	struct kiso_conn *via;
	struct kiso_conn *conn;
	int rc;
};

struct rn_run {
	const struct kiso_run_opts *o;
	struct kiso_vars_run *vr;
	struct kiso_arena *a;         /* main thread only */
	pthread_mutex_t out;          /* reports, stats */
	pthread_mutex_t jmu;          /* jumps */
	pthread_mutex_t tunnel_mu;    /* opening a tunnelled session */
	struct rn_hostrec **hosts;
	size_t nhosts;
	struct rn_jump **jumps;       /* each allocated alone: pointers stay valid */
	size_t njumps;
	bool stop;                    /* no more plays/batches */
	bool hard_error;              /* exit 1 */
	bool abort_failed;            /* exit 2 even if no host counted failed */
	bool start_found;             /* --start-at-task reached (under out lock) */
};

struct rn_once {
	const struct kiso_taskdef *td;
	unsigned long step;
	bool done;
	struct kiso_value *res;       /* in the run arena (under b->mu) */
	struct kiso_value *facts;     /* set_fact results to copy, or NULL */
	const char *reg;
};

struct rn_host;

struct rn_batch {
	struct rn_run *r;
	struct kiso_play *play;
	struct rn_host **h;
	size_t n;
	bool linear;
	bool gather;
	const struct kiso_value *gather_subset;
	bool any_errors_fatal;
	bool has_max_fail;
	double max_fail;
	/* barrier */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t participants, arrived;
	unsigned long gen;
	bool abort;                   /* any_errors_fatal / max_fail_percentage hit */
	bool fatal_failure;
	bool end_play;
	bool all_failed;
	bool handlers_again;
	/* forks */
	pthread_mutex_t fmu;
	pthread_cond_t fcv;
	size_t busy, forks;
	/* header printing (under the output lock) */
	const struct kiso_taskdef *hdr_task;
	unsigned long hdr_step;
	/* handlers in definition order */
	struct kiso_taskdef **handlers;
	size_t nhandlers, caphandlers;
	/* run_once results (under mu) */
	struct rn_once *once;
	size_t nonce;
};

struct rn_deleg {
	char *name;
	struct kiso_conn *conn;
};

struct rn_host {
	struct rn_batch *b;
	struct rn_hostrec *hr;
	size_t idx;
	pthread_t th;
	bool *notified;
	bool left;                    /* out of the barrier */
	bool failed, unreachable, ended;
	bool more_left;               /* failed with tasks still to come */
	bool forced;                  /* running handlers after failing (--force-handlers) */
	int depth;                    /* nesting of blocks with rescue/always */
	unsigned long step;
	struct kiso_arena *ta;        /* per task */
	struct rn_deleg *deleg;
	size_t ndeleg;
};

/* runner.c */
void rn_barrier(struct rn_batch *b, struct rn_host *h);
void rn_leave(struct rn_batch *b, struct rn_host *h);
void rn_batch_policy(struct rn_batch *b);
void rn_fork_acquire(struct rn_batch *b);
void rn_fork_release(struct rn_batch *b);
void rn_out_lock(struct rn_run *r);
void rn_out_unlock(struct rn_run *r);
void rn_header(struct rn_host *h, const struct kiso_taskdef *td, const char *kind,
	       const char *name);
void rn_emit(struct rn_host *h, const struct kiso_task_result *res);
size_t rn_notify(struct rn_host *h, const char *name);
void rn_flush_handlers(struct rn_host *h);
void rn_host_failed(struct rn_host *h);
int rn_list(struct rn_host *h, const struct kiso_tasklist *l, bool noop);
void rn_role(struct rn_host *h, struct kiso_role *role, bool noop, int *rc);
int rn_open_rec(struct rn_run *r, struct rn_hostrec *hr, struct kiso_error *err);
struct kiso_conn *rn_conn(struct rn_host *h, const char *delegate, struct kiso_error *err);

/* runner_task.c */
int rn_task(struct rn_host *h, struct kiso_taskdef *td, bool noop);
int rn_gather(struct rn_host *h);

#endif
