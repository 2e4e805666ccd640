/*
 * lint.h - loading and checking playbooks for `kiso lint` and
 * `kiso apply --syntax-check`: shared by cmd_lint.c and cmd_apply.c.
 */
#ifndef KISO_LINT_H
#define KISO_LINT_H

#include "kiso_common.h"
#include "error.h"
#include "playbook.h"

/*
 * Prints one diagnostic as "file:line:col: message" (with "warning: "
 * before the message when 'warning'), the file name relative to the
 * current directory when it lies below it.
 */
void kiso_lint_print(FILE *f, const struct kiso_error *e, bool warning);

/*
 * Prints errors and warnings merged in their order (each list is sorted
 * already; errors first at equal positions).
 */
void kiso_lint_print_all(FILE *f, const struct kiso_diags *errors,
			 const struct kiso_diags *warnings);

/*
 * The same, with errors and warnings merged by file in the order the
 * playbooks read them (pbs[i]->files), then by line and column.
 */
void kiso_lint_print_ordered(FILE *f, const struct kiso_diags *errors,
			     const struct kiso_diags *warnings, struct kiso_playbook *const *pbs,
			     size_t npbs);

/*
 * Loads each playbook (and each -i inventory when given), collecting all
 * problems. Returns the number of errors.
 */
size_t kiso_lint_check(struct kiso_arena *a, char *const *playbooks, size_t nplaybooks,
		       char *const *inventories, size_t ninv, const struct kiso_load_opts *opts,
		       struct kiso_diags *errors, struct kiso_diags *warnings,
		       struct kiso_playbook **out_pbs);

#endif
