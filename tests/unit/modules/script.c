/* Tests for modules/script.c with the local transport under a temporary
 * directory: Ansible's script action (creates/removes skip, search path,
 * arguments, chdir, executable, the remote copy removed afterwards). */
#include "kiso_common.h"
#include "modtask.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static int count_tmp(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strncmp(e->d_name, ".kiso-script-", 13) == 0;
	closedir(d);
	return n;
}

static void test_modules_script__runs_and_skips(void **state)
{
	struct modtask m;
	char dir[] = "/tmp/kiso-script-XXXXXX", task[512], p[300];
	FILE *f;
	int before = count_tmp();
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/files", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/files/hello.sh", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho \"$(basename \"$0\") $# [$1] [$2] $(pwd)\"\necho warn >&2\n"
	      "[ \"$1\" = fail ] && exit 3\ntouch made\n", f);
	fclose(f);
	assert_int_equal(chmod(p, 0644), 0);   /* not executable here: the copy is */
	modtask_init(&m);
	m.search_path[0] = dir;

	snprintf(task, sizeof(task), "{_raw_params: \"hello.sh 'a b' c\", chdir: '%s', creates: '%s/made'}",
		 dir, dir);
	assert_int_equal(modtask_plan(&m, "script", task, true), 0);
	assert_true(m.plan.changed);
	assert_false(m.plan.unpredictable);   /* creates given: check mode predicts */
	snprintf(p, sizeof(p), "%s/made", dir);
	assert_int_not_equal(stat(p, &st), 0);
	assert_int_equal(modtask_run(&m, "script", task), 0);
	assert_true(m.plan.changed);
	assert_string_equal(modtask_result_str(&m, "stdout"),
			    kiso_arena_sprintf(m.arena, "hello.sh 2 [a b] [c] %s\n", dir));
	assert_string_equal(modtask_result_str(&m, "stderr"), "warn\n");
	assert_int_equal(modtask_result(&m, "rc")->u.i, 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(count_tmp(), before);
	/* creates now exists: skipped */
	assert_int_equal(modtask_plan(&m, "script", task, false), 0);
	assert_false(m.plan.changed);
	assert_true(m.plan.skipped);
	assert_string_equal(m.plan.msg, kiso_arena_sprintf(m.arena, "%s/made exists, matching creates option", dir));
	/* removes */
	snprintf(task, sizeof(task), "{_raw_params: hello.sh, removes: '%s/nope'}", dir);
	assert_int_equal(modtask_plan(&m, "script", task, false), 0);
	assert_true(m.plan.skipped);
	assert_string_equal(m.plan.msg, kiso_arena_sprintf(m.arena, "%s/nope does not exist, matching removes option", dir));
	/* no creates/removes: check mode cannot predict */
	assert_int_equal(modtask_plan(&m, "script", "{_raw_params: 'hello.sh x'}", true), 0);
	assert_true(m.plan.unpredictable);
	/* executable, failure */
	snprintf(task, sizeof(task), "{_raw_params: 'hello.sh fail', executable: /bin/sh, chdir: '%s'}", dir);
	assert_true(modtask_run(&m, "script", task) < 0);
	assert_string_equal(m.err.msg, "non-zero return code");
	assert_int_equal(modtask_result(&m, "rc")->u.i, 3);
	assert_int_equal(count_tmp(), before);
	/* errors */
	assert_true(modtask_plan(&m, "script", "{_raw_params: nothere.sh}", false) < 0);
	assert_string_equal(m.err.msg, "Could not find or access 'nothere.sh' on the Ansible Controller.");
	assert_true(modtask_plan(&m, "script", "{_raw_params: hello.sh, chdir: rel}", false) < 0);
	assert_string_equal(m.err.msg, "chdir rel must be an absolute path for a Unix-aware remote node");
	modtask_release(&m);
	snprintf(task, sizeof(task), "rm -rf '%s'", dir);
	assert_int_equal(system(task), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_script__runs_and_skips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
