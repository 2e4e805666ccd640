/*
 * report.h - what the runner tells its reports: plays, tasks, per-host
 * results and the recap. Sinks: report_console.c (ansible-playbook's
 * console format), report_json.c (--report json=FILE).
 *
 * The runner calls every sink under its own output lock, so sinks need no
 * locking of their own; they run on whichever host thread produced the
 * event. Values passed in are borrowed for the duration of the call (a
 * sink that keeps them copies them).
 */
#ifndef KISO_REPORT_H
#define KISO_REPORT_H

#include "kiso_common.h"
#include "module.h"
#include "value.h"

/* Ordered mildest to worst (STYLE.md section 3). */
enum kiso_status {
	KISO_ST_SKIPPED,
	KISO_ST_OK,
	KISO_ST_CHANGED,
	KISO_ST_FAILED,
	KISO_ST_UNREACHABLE,
};

const char *kiso_status_name(enum kiso_status s); /* "skipped", "ok", ... */

/* One task's result on one host (or one loop item of it). */
struct kiso_task_result {
	enum kiso_status status;
	bool ignored;           /* failed, ignore_errors: true */
	bool no_log;            /* values hidden */
	bool verbose_always;    /* debug/assert: print the result without -v */
	const char *action;     /* the module's name ("debug", "copy") */
	const char *item_label; /* loop item: "(item=...)" text, or NULL */
	const char *delegated;  /* delegate_to host, or NULL */
	/* the register dict (changed, failed, msg, rc, stdout, results ...) */
	const struct kiso_value *res;
	const struct kiso_diff_item *diffs;
	size_t ndiffs;
};

struct kiso_host_stats {
	const char *host;
	int ok, changed, unreachable, failed, skipped, rescued, ignored;
};

struct kiso_report_ops {
	void (*playbook_start)(void *self, const char *path);
	/* name: the play's name as displayed */
	void (*play_start)(void *self, const char *name);
	/* "NO MORE HOSTS LEFT" / "no hosts matched" */
	void (*play_note)(void *self, const char *text);
	/* kind: "TASK" or "RUNNING HANDLER" */
	void (*task_start)(void *self, const char *kind, const char *name, const char *path);
	/* a whole task's result (item_label NULL) or one item's */
	void (*result)(void *self, const char *host, const struct kiso_task_result *r);
	void (*recap)(void *self, const struct kiso_host_stats *st, size_t n);
	void (*free)(void *self);
};

struct kiso_report {
	const struct kiso_report_ops *ops;
	void *self;
};

/* The console: stdout, colours on a TTY, verbosity as -v count. */
struct kiso_report kiso_report_console(FILE *out, int verbosity, bool diff, bool color);

/* JSON report written to 'path' at recap (or free). */
struct kiso_report kiso_report_json(const char *path);

/*
 * The JSON of a result as ansible's callback prints it: internal keys
 * dropped, debug results cut to what debug shows, sorted keys; indent
 * 4 or compact (-1). no_log results print Ansible's censored text.
 */
void kiso_report_dump_result(struct kiso_buf *b, const struct kiso_task_result *r, int indent);

#endif
