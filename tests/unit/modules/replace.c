/*
 * Unit tests for modules/replace.c with the local transport: the four
 * steps of STYLE.md section 7, --diff headed by the path, backup, the
 * after/before section, attributes. The matching rules are checked
 * against Ansible in lineedit_ansible.c.
 */
#include "modtest.h"

static void test_modules_replace__cycle_diff_backup(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "f", "port = 80\nname = x\n");
	mt_expect_ok(m, mt_run(m, "replace", "path: '{D}/f'\nregexp: '^port = \\d+$'\nreplace: port = 8080\n",
			       false, true));
	assert_string_equal(m->plan.msg, "1 replacements made");
	assert_string_equal(mt_diff_text(m), mt_fmt(m, "--- before: {D}/f\n+++ after: {D}/f\n"
						       "@@ -1,2 +1,2 @@\n-port = 80\n+port = 8080\n"
						       " name = x\n\n"));
	mt_cycle(m, "replace", "path: '{D}/f'\nregexp: '^port = \\d+$'\nreplace: port = 8080\n"
			       "backup: true\nmode: '0600'\n");
	assert_string_equal(mt_read(m, "f"), "port = 8080\nname = x\n");
	assert_int_equal(mt_mode(m, "f"), 0600);
	assert_string_equal(mt_sh(m, "cat {D}/f.*~"), "port = 80\nname = x\n");
	mt_free(m);
}

static void test_modules_replace__section(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "f", "a=1\n[x]\na=1\n[y]\na=1\n");
	mt_cycle(m, "replace", "path: '{D}/f'\nregexp: 'a=1'\nreplace: a=2\nafter: '\\[x\\]'\n"
			       "before: '\\[y\\]'\n");
	assert_string_equal(mt_read(m, "f"), "a=1\n[x]\na=2\n[y]\na=1\n");
	assert_true(mt_run(m, "replace", "path: '{D}/none'\nregexp: x\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "Path {D}/none does not exist !"));
	assert_string_equal(mt_result(m, "rc"), "257");
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_replace__cycle_diff_backup),
		cmocka_unit_test(test_modules_replace__section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
