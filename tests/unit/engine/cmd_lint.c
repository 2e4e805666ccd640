/*
 * Unit tests for engine/cmd_lint.c: how diagnostics are printed (file
 * names relative to the current directory, warnings marked, errors and
 * warnings merged in order), kiso_lint_check() over playbooks and
 * inventories, and `kiso lint`'s exit codes.
 */
#include "kiso_common.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "lint.h"
#include "playbook_fixture.h"

static char *print_to_string(const struct kiso_diags *e, const struct kiso_diags *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	kiso_lint_print_all(f, e, w);
	fclose(f);
	return buf;
}

static void test_engine_cmd_lint__print_relative_and_merged(void **state)
{
	struct kiso_diags e = KISO_DIAGS_INIT, w = KISO_DIAGS_INIT;
	char cwd[PATH_MAX], *out;
	const char *inside, *outside = kiso_pos_file("/elsewhere/x.yml");

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	inside = kiso_pos_file(kiso_arena_sprintf(FX.a, "%s/roles/r/tasks/main.yml", cwd));
	kiso_diags_add(&e, (struct kiso_pos){ inside, 3, 3 }, "task has no module");
	kiso_diags_add(&e, (struct kiso_pos){ inside, 9, 5 }, "second");
	kiso_diags_add(&e, (struct kiso_pos){ outside, 1, 1 }, "outside");
	kiso_diags_add(&e, KISO_POS_NONE, "no position");
	kiso_diags_add(&w, (struct kiso_pos){ inside, 5, 7 }, "a warning");
	out = print_to_string(&e, &w);
	assert_string_equal(out, "roles/r/tasks/main.yml:3:3: task has no module\n"
				 "roles/r/tasks/main.yml:5:7: warning: a warning\n"
				 "roles/r/tasks/main.yml:9:5: second\n"
				 "/elsewhere/x.yml:1:1: outside\n"
				 "no position\n");
	free(out);
	kiso_diags_release(&e);
	kiso_diags_release(&w);
}

static void test_engine_cmd_lint__check_playbooks_and_inventory(void **state)
{
	struct kiso_diags e = KISO_DIAGS_INIT, w = KISO_DIAGS_INIT;
	struct kiso_load_opts opts = { 0 };
	struct kiso_playbook *pbs[2] = { NULL, NULL };
	char *books[2], *inv[1];

	(void)state;
	fx_write("a.yml", "- hosts: all\n  tasks: [{ping: }]\n");
	fx_write("b.yml", "- hosts: all\n  tasks: [{pingg: }]\n");
	fx_write("hosts", "[web\nw1\n");
	books[0] = (char *)fx_path("a.yml");
	books[1] = (char *)fx_path("b.yml");
	inv[0] = (char *)fx_path("hosts");
	opts.env_roles_path = "/nonexistent";
	assert_int_equal(kiso_lint_check(FX.a, books, 2, inv, 1, &opts, &e, &w, pbs), 2);
	assert_non_null(pbs[0]);
	assert_int_equal(pbs[0]->nplays, 1);
	assert_non_null(pbs[1]);
	/* the inventory first, then each playbook in turn */
	assert_true(fx_ends_with(e.items[0].pos.file, "hosts"));
	fx_expect_at(&e, 1, "b.yml", 2, 12, "unknown module or task keyword 'pingg'");
	kiso_diags_release(&e);
	kiso_diags_release(&w);
}

static void test_engine_cmd_lint__warnings_in_load_order(void **state)
{
	struct kiso_diags e = KISO_DIAGS_INIT, w = KISO_DIAGS_INIT;
	struct kiso_load_opts opts = { 0 };
	struct kiso_playbook *pb = NULL;
	char *books[1], *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	/* a warning in site.yml, an error in the role read after it */
	fx_write("site.yml", "- hosts: all\n"
			     "  roles: [r]\n"
			     "  tasks:\n"
			     "    - import_tasks: \"{{ x }}.yml\"\n");
	fx_write("roles/r/tasks/main.yml", "- bogus: 1\n");
	books[0] = (char *)fx_path("site.yml");
	opts.env_roles_path = "/nonexistent";
	assert_int_equal(kiso_lint_check(FX.a, books, 1, NULL, 0, &opts, &e, &w, &pb), 1);
	assert_int_equal(w.len, 1);
	assert_true(pb->nfiles >= 2);
	assert_true(fx_ends_with(pb->files[0], "site.yml"));
	f = open_memstream(&out, &len);
	kiso_lint_print_ordered(f, &e, &w, &pb, 1);
	fclose(f);
	/* the warning (site.yml, read first) before the error (the role) */
	assert_non_null(strstr(out, "warning: file name"));
	assert_true(strstr(out, "warning: file name") < strstr(out, "unknown module"));
	free(out);
	kiso_diags_release(&e);
	kiso_diags_release(&w);
}

static int run_lint(const char *a1, const char *a2, const char *a3)
{
	char *argv[5] = { (char *)"lint", (char *)a1, (char *)a2, (char *)a3, NULL };
	int argc = 1 + (a1 != NULL) + (a2 != NULL) + (a3 != NULL);
	int rc;
	FILE *saved = stdout;

	/* the report goes to stdout: keep the test output clean */
	stdout = fopen("/dev/null", "w");
	rc = kiso_cmd_lint(argc, argv);
	fclose(stdout);
	stdout = saved;
	return rc;
}

static void test_engine_cmd_lint__exit_codes(void **state)
{
	(void)state;
	fx_write("good.yml", "- hosts: all\n  tasks: [{ping: }]\n");
	fx_write("bad.yml", "- hosts: all\n  tasks: [{pingg: }]\n");
	setenv("ANSIBLE_ROLES_PATH", "/nonexistent", 1);
	assert_int_equal(run_lint(fx_path("good.yml"), NULL, NULL), KISO_EXIT_OK);
	assert_int_equal(run_lint(fx_path("bad.yml"), NULL, NULL), KISO_EXIT_PARSE);
	assert_int_equal(run_lint(fx_path("good.yml"), fx_path("bad.yml"), NULL), KISO_EXIT_PARSE);
	assert_int_equal(run_lint(fx_path("missing.yml"), NULL, NULL), KISO_EXIT_PARSE);
	assert_int_equal(run_lint("--roles-path", fx_path("roles"), fx_path("good.yml")), KISO_EXIT_OK);
	assert_int_equal(run_lint(NULL, NULL, NULL), KISO_EXIT_USAGE);
	assert_int_equal(run_lint("--bogus", fx_path("good.yml"), NULL), KISO_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_cmd_lint__print_relative_and_merged, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_cmd_lint__check_playbooks_and_inventory, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_cmd_lint__warnings_in_load_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_cmd_lint__exit_codes, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
