/*
 * facts.h - Ansible's common facts (ansible_hostname, ansible_os_family,
 * ansible_default_ipv4, ...), gathered in ONE round trip: one command
 * runs a POSIX shell script on the host that prints everything as
 * "key=value" lines (the environment last, NUL-separated), and the
 * controller parses it.
 *
 * Keys are ansible_facts' keys, without the "ansible_" prefix
 * (hostname, distribution, ...); kiso_vars_set_facts() adds the prefixed
 * variables.
 */
#ifndef KISO_FACTS_H
#define KISO_FACTS_H

#include "kiso_common.h"
#include "arena.h"
#include "error.h"
#include "value.h"

struct kiso_conn;

/* The script run on the host (for tests and docs). */
extern const char kiso_facts_script[];

/* Runs the script over c and parses its output into *out (a map). */
int kiso_facts_gather(struct kiso_value **out, struct kiso_arena *a, struct kiso_conn *c,
		      struct kiso_error *err);

/* Parses the script's output (pure). Never fails: unknown lines are ignored. */
struct kiso_value *kiso_facts_parse(struct kiso_arena *a, const char *text, size_t len);

/*
 * setup's gather_subset and filter: subset (str or list: all, min,
 * hardware, network, virtual, and their !negations; NULL: all) and filter
 * (str or list of shell globs matched against "ansible_" + key; NULL or
 * empty: everything). Returns a new map.
 */
struct kiso_value *kiso_facts_filter(struct kiso_arena *a, const struct kiso_value *facts,
				     const struct kiso_value *subset,
				     const struct kiso_value *filter);

#endif
