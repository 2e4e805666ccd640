/* Tests for modules/raw.c with the local transport: Ansible's raw action. */
#include "kiso_common.h"
#include "modtask.h"

#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static void test_modules_raw__runs_unstripped(void **state)
{
	struct modtask m;
	char dir[] = "/tmp/kiso-raw-XXXXXX", task[256], p[300];
	struct stat st;
	const struct kiso_value *lines;

	assert_non_null(mkdtemp(dir));
	modtask_init(&m);
	snprintf(task, sizeof(task), "{_raw_params: 'cd %s && echo a > f; echo out; echo err >&2'}", dir);
	/* check mode: unpredictable (skipped), nothing written */
	assert_int_equal(modtask_plan(&m, "raw", task, true), 0);
	assert_true(m.plan.changed);
	assert_true(m.plan.unpredictable);
	snprintf(p, sizeof(p), "%s/f", dir);
	assert_int_not_equal(stat(p, &st), 0);
	/* run: changed, output kept as is */
	assert_int_equal(modtask_run(&m, "raw", task), 0);
	assert_true(m.plan.changed);
	assert_int_equal(stat(p, &st), 0);
	assert_string_equal(modtask_result_str(&m, "stdout"), "out\n");
	assert_string_equal(modtask_result_str(&m, "stderr"), "err\n");
	lines = modtask_result(&m, "stdout_lines");
	assert_int_equal(lines->u.list.len, 1);
	assert_string_equal(lines->u.list.items[0]->u.s.ptr, "out");
	assert_int_equal(modtask_result(&m, "rc")->u.i, 0);
	/* executable */
	assert_int_equal(modtask_run(&m, "raw", "{_raw_params: 'echo ${BASH_VERSION:+bash}', "
				     "executable: /bin/bash}"), 0);
	assert_string_equal(modtask_result_str(&m, "stdout"), "bash\n");
	/* non-zero rc fails */
	assert_true(modtask_run(&m, "raw", "{_raw_params: 'echo x; exit 5'}") < 0);
	assert_string_equal(m.err.msg, "non-zero return code");
	assert_int_equal(modtask_result(&m, "rc")->u.i, 5);
	assert_string_equal(modtask_result_str(&m, "stdout"), "x\n");
	modtask_release(&m);
	snprintf(task, sizeof(task), "rm -rf '%s'", dir);
	assert_int_equal(system(task), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_raw__runs_unstripped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
