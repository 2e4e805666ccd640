/*
 * cmd_lint.c - `kiso lint PLAYBOOK... [-i INV]... [--roles-path DIR]...`
 *
 * Loads and validates every playbook (with its imports, roles and task
 * files) and prints every problem as "file:line:col: message", in file
 * order, then a summary line. Exit 4 on any error, 0 when clean.
 */
#include "kiso_common.h"

#include <getopt.h>
#include <limits.h>
#include <unistd.h>

#include "arena.h"
#include "cli.h"
#include "inventory.h"
#include "lint.h"
#include "playbook.h"

static const char *rel_file(const char *file, char *cwd)
{
	size_t n = strlen(cwd);

	if (file && file[0] == '/' && n > 1 && strncmp(file, cwd, n) == 0 && file[n] == '/')
		return file + n + 1;
	return file;
}

void kiso_lint_print(FILE *f, const struct kiso_error *e, bool warning)
{
	char cwd[PATH_MAX];
	const char *file;

	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = 0;
	file = rel_file(e->pos.file, cwd);
	if (file && e->pos.line)
		fprintf(f, "%s:%d:%d: ", file, e->pos.line, e->pos.col);
	else if (file)
		fprintf(f, "%s: ", file);
	fprintf(f, "%s%s\n", warning ? "warning: " : "", e->msg);
}

void kiso_lint_print_all(FILE *f, const struct kiso_diags *errors,
			 const struct kiso_diags *warnings)
{
	size_t i = 0, j = 0;
	size_t nw = warnings ? warnings->len : 0;

	/*
	 * Both lists are in load order; a warning goes before the next error
	 * when it is in the same file at an earlier line.
	 */
	while (i < errors->len || j < nw) {
		bool take_warning = false;
		if (j < nw && i < errors->len) {
			const struct kiso_error *e = &errors->items[i], *w = &warnings->items[j];
			take_warning = e->pos.file && w->pos.file && strcmp(e->pos.file, w->pos.file) == 0 &&
				       (w->pos.line < e->pos.line ||
					(w->pos.line == e->pos.line && w->pos.col < e->pos.col));
		} else if (j < nw) {
			take_warning = true;
		}
		if (take_warning)
			kiso_lint_print(f, &warnings->items[j++], true);
		else
			kiso_lint_print(f, &errors->items[i++], false);
	}
}

/*
 * The place of a file in the load order: files no playbook read (the
 * inventories, checked first) come first, then each playbook's files in
 * turn; no file at all last.
 */
static size_t file_rank(const char *file, struct kiso_playbook *const *pbs, size_t npbs)
{
	size_t base = 1;

	if (!file)
		return SIZE_MAX;
	for (size_t i = 0; i < npbs; i++) {
		if (!pbs[i])
			continue;
		for (size_t j = 0; j < pbs[i]->nfiles; j++)
			if (pbs[i]->files[j] == file || strcmp(pbs[i]->files[j], file) == 0)
				return base + j;
		base += pbs[i]->nfiles;
	}
	return 0;
}

void kiso_lint_print_ordered(FILE *f, const struct kiso_diags *errors,
			     const struct kiso_diags *warnings, struct kiso_playbook *const *pbs,
			     size_t npbs)
{
	size_t i = 0, j = 0;
	size_t nw = warnings ? warnings->len : 0;

	while (i < errors->len || j < nw) {
		bool take_warning = j < nw;
		if (j < nw && i < errors->len) {
			const struct kiso_error *e = &errors->items[i], *w = &warnings->items[j];
			size_t re = file_rank(e->pos.file, pbs, npbs), rw = file_rank(w->pos.file, pbs, npbs);
			take_warning = rw < re || (rw == re && (w->pos.line < e->pos.line ||
								(w->pos.line == e->pos.line &&
								 w->pos.col < e->pos.col)));
		}
		if (take_warning)
			kiso_lint_print(f, &warnings->items[j++], true);
		else
			kiso_lint_print(f, &errors->items[i++], false);
	}
}

size_t kiso_lint_check(struct kiso_arena *a, char *const *playbooks, size_t nplaybooks,
		       char *const *inventories, size_t ninv, const struct kiso_load_opts *opts,
		       struct kiso_diags *errors, struct kiso_diags *warnings,
		       struct kiso_playbook **out_pbs)
{
	size_t before = errors->len;

	for (size_t i = 0; i < ninv; i++) {
		struct kiso_inventory *inv = kiso_inventory_new();
		struct kiso_error err = KISO_ERROR_INIT;

		if (kiso_inventory_load(inv, inventories[i], &err) < 0)
			kiso_diags_add_error(errors, &err);
		kiso_inventory_free(inv);
	}
	for (size_t i = 0; i < nplaybooks; i++) {
		struct kiso_playbook *pb = NULL;

		kiso_playbook_load(&pb, a, playbooks[i], opts, errors, warnings);
		if (out_pbs)
			out_pbs[i] = pb;
	}
	return errors->len - before;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kiso lint PLAYBOOK... [-i INVENTORY]... [--roles-path DIR]...\n"
		"\n"
		"Loads the playbooks with their imports, roles and task files and checks\n"
		"them: keywords, modules and their parameters, keyword types, template\n"
		"syntax, missing files and roles, notify without a handler. Prints every\n"
		"problem as file:line:col: message, then a summary. Exit 4 on any error.\n"
		"\n"
		"  -i, --inventory INV    also load and check this inventory (repeatable)\n"
		"      --roles-path DIR   search roles here too (repeatable)\n");
}

int kiso_cmd_lint(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "roles-path", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **inv = kiso_xcalloc((size_t)argc + 1, sizeof(*inv));
	const char **roles = kiso_xcalloc((size_t)argc + 1, sizeof(*roles));
	size_t ninv = 0, nroles = 0;
	struct kiso_diags errors = KISO_DIAGS_INIT, warnings = KISO_DIAGS_INIT;
	struct kiso_load_opts opts = { 0 };
	struct kiso_arena *a = NULL;
	struct kiso_playbook **pbs = NULL;
	size_t npbs;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			inv[ninv++] = optarg;
			break;
		case 'R':
			roles[nroles++] = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = KISO_EXIT_OK;
			goto out;
		default:
			usage(stderr);
			rc = KISO_EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		kiso_cli_error("lint needs a playbook");
		usage(stderr);
		rc = KISO_EXIT_USAGE;
		goto out;
	}
	opts.roles_path = roles;
	a = kiso_arena_new();
	npbs = (size_t)(argc - optind);
	pbs = kiso_xcalloc(npbs, sizeof(*pbs));
	kiso_lint_check(a, argv + optind, npbs, inv, ninv, &opts, &errors, &warnings, pbs);
	kiso_lint_print_ordered(stdout, &errors, &warnings, pbs, npbs);
	printf("%zu error%s, %zu warning%s\n", errors.len, errors.len == 1 ? "" : "s",
	       warnings.len, warnings.len == 1 ? "" : "s");
	rc = errors.len ? KISO_EXIT_PARSE : KISO_EXIT_OK;
out:
	kiso_diags_release(&errors);
	kiso_diags_release(&warnings);
	kiso_arena_free(a);
	free(pbs);
	free(inv);
	free(roles);
	return rc;
}
