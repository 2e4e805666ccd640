/*
 * Unit tests for modules/lineinfile.c with the local transport: the four
 * steps of STYLE.md section 7, --diff output headed "PATH (content)" as
 * Ansible's, backup, validate, create with missing directories, symlinks
 * followed to the real file, attributes alone. The matching rules are
 * checked against Ansible in lineedit_ansible.c.
 */
#include "modtest.h"

static void test_modules_lineinfile__cycle_and_diff(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "f", "a\nb\n");
	mt_expect_ok(m, mt_run(m, "lineinfile", "path: '{D}/f'\nregexp: '^b'\nline: B\n", false, true));
	assert_string_equal(mt_diff_text(m), mt_fmt(m, "--- before: {D}/f (content)\n"
						       "+++ after: {D}/f (content)\n"
						       "@@ -1,2 +1,2 @@\n a\n-b\n+B\n\n"));
	assert_string_equal(m->plan.msg, "line replaced");
	mt_cycle(m, "lineinfile", "path: '{D}/f'\nregexp: '^b'\nline: B\nbackup: true\n");
	assert_string_equal(mt_read(m, "f"), "a\nB\n");
	assert_string_equal(mt_sh(m, "cat {D}/f.*~"), "a\nb\n");
	mt_free(m);
}

static void test_modules_lineinfile__create_and_attributes(void **state)
{
	struct mt *m = mt_new();

	mt_cycle(m, "lineinfile", "path: '{D}/new/dir/f'\nline: x\ncreate: true\nmode: '0600'\n");
	assert_string_equal(mt_read(m, "new/dir/f"), "x\n");
	assert_int_equal(mt_mode(m, "new/dir/f"), 0600);
	/* only the mode differs */
	mt_cycle(m, "lineinfile", "path: '{D}/new/dir/f'\nline: x\nmode: '0640'\n");
	assert_int_equal(mt_mode(m, "new/dir/f"), 0640);
	assert_string_equal(mt_read(m, "new/dir/f"), "x\n");
	mt_expect_ok(m, mt_run(m, "lineinfile", "path: '{D}/new/dir/f'\nline: y\nmode: '0600'\n",
			       false, false));
	assert_string_equal(m->plan.msg, "line added and ownership, perms or SE linux context changed");
	/* attributes alone: their own diff, headed as lineinfile's */
	mt_expect_ok(m, mt_run(m, "lineinfile", "path: '{D}/new/dir/f'\nline: x\nmode: '0600'\n",
			       false, true));
	assert_string_equal(mt_diff_text(m),
			    mt_fmt(m, "--- before: {D}/new/dir/f (file attributes)\n"
				      "+++ after: {D}/new/dir/f (file attributes)\n"
				      "@@ -1,3 +1,3 @@\n {\n-    \"mode\": \"0640\"\n"
				      "+    \"mode\": \"0600\"\n }\n\n"));
	mt_free(m);
}

static void test_modules_lineinfile__follows_symlinks_and_validates(void **state)
{
	struct mt *m = mt_new();
	struct stat st;

	mt_write(m, "real", "a\n");
	assert_int_equal(symlink("real", mt_path(m, "l")), 0);
	mt_cycle(m, "lineinfile", "path: '{D}/l'\nline: b\n");
	assert_string_equal(mt_read(m, "real"), "a\nb\n");
	assert_int_equal(lstat(mt_path(m, "l"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_true(mt_run(m, "lineinfile", "path: '{D}/real'\nline: c\nvalidate: 'grep -q zzz %s'\n",
			   true, false) < 0);
	assert_string_equal(mt_read(m, "real"), "a\nb\n");
	assert_true(mt_run(m, "lineinfile", "path: '{D}'\nline: c\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "Path {D} is a directory !"));
	assert_true(mt_run(m, "lineinfile", "path: '{D}/real'\nregexp: '('\nline: c\n", false, false) < 0);
	assert_non_null(strstr(m->err.msg, "invalid regular expression"));
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_lineinfile__cycle_and_diff),
		cmocka_unit_test(test_modules_lineinfile__create_and_attributes),
		cmocka_unit_test(test_modules_lineinfile__follows_symlinks_and_validates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
