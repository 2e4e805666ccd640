/*
 * Unit tests for modules/blockinfile.c with the local transport: the four
 * steps of STYLE.md section 7 for insert, update and removal, --diff
 * headers, backup_file, create. The placement rules are checked against
 * Ansible in lineedit_ansible.c.
 */
#include "modtest.h"

static void test_modules_blockinfile__insert_update_remove(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "f", "a\n");
	mt_cycle(m, "blockinfile", "path: '{D}/f'\nblock: \"x=1\\ny=2\"\n");
	assert_string_equal(mt_read(m, "f"), "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx=1\ny=2\n"
					      "# END ANSIBLE MANAGED BLOCK\n");
	mt_expect_ok(m, mt_run(m, "blockinfile", "path: '{D}/f'\nblock: \"x=3\"\n", false, true));
	assert_string_equal(m->plan.msg, "Block inserted");
	assert_string_equal(mt_diff_text(m), mt_fmt(m, "--- before: {D}/f (content)\n"
						       "+++ after: {D}/f (content)\n"
						       "@@ -1,5 +1,4 @@\n a\n # BEGIN ANSIBLE MANAGED BLOCK\n"
						       "-x=1\n-y=2\n+x=3\n # END ANSIBLE MANAGED BLOCK\n\n"));
	mt_cycle(m, "blockinfile", "path: '{D}/f'\nblock: \"x=3\"\nbackup: yes\n");
	assert_string_equal(mt_sh(m, "grep -c x=1 {D}/f.*~"), "1\n");
	mt_cycle(m, "blockinfile", "path: '{D}/f'\nstate: absent\n");
	assert_string_equal(mt_read(m, "f"), "a\n");
	mt_free(m);
}

static void test_modules_blockinfile__create(void **state)
{
	struct mt *m = mt_new();

	mt_cycle(m, "blockinfile", "path: '{D}/n'\nblock: b\ncreate: true\nmarker: '// {mark}'\n");
	assert_string_equal(mt_read(m, "n"), "// BEGIN\nb\n// END\n");
	assert_string_equal(mt_result(m, "msg"), "");
	assert_true(mt_run(m, "blockinfile", "path: '{D}/none'\nblock: b\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "Path {D}/none does not exist !"));
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_blockinfile__insert_update_remove),
		cmocka_unit_test(test_modules_blockinfile__create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
