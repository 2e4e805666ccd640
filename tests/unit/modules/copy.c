/*
 * Unit tests for modules/copy.c with the local transport under a
 * temporary directory: content, src from the search path, directories
 * with and without a trailing slash, remote_src, force, backup, validate,
 * mode (octal, symbolic, preserve), symlinked dests, results and diffs.
 * Each case runs the four steps of STYLE.md section 7 (mt_cycle).
 */
#include "modtest.h"

static void test_modules_copy__content_new_file_and_results(void **state)
{
	struct mt *m = mt_new();

	mt_cycle(m, "copy", "content: \"hello\\n\"\ndest: '{D}/f'\nmode: '0640'\n");
	assert_string_equal(mt_read(m, "f"), "hello\n");
	assert_int_equal(mt_mode(m, "f"), 0640);
	assert_string_equal(mt_result(m, "dest"), mt_path(m, "f"));
	assert_string_equal(mt_result(m, "checksum"), "f572d396fae9206628714fb2ce00f72e94f2258f");
	assert_string_equal(mt_result(m, "md5sum"), "b1946ac92492d2347c6235b4d2611184");
	assert_string_equal(mt_result(m, "size"), "6");
	assert_string_equal(mt_result(m, "mode"), "0640");
	assert_string_equal(mt_result(m, "state"), "file");
	mt_free(m);
}

static void test_modules_copy__content_change_keeps_mode_and_diff(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "f", "a\nold\n");
	chmod(mt_path(m, "f"), 0600);
	mt_expect_ok(m, mt_run(m, "copy", "content: \"a\\nnew\\n\"\ndest: '{D}/f'\n", false, true));
	assert_true(m->plan.changed);
	assert_string_equal(mt_diff_text(m),
			    mt_fmt(m, "--- before: {D}/f\n+++ after: dynamically generated\n"
				      "@@ -1,2 +1,2 @@\n a\n-old\n+new\n\n"));
	mt_cycle(m, "copy", "content: \"a\\nnew\\n\"\ndest: '{D}/f'\n");
	assert_string_equal(mt_read(m, "f"), "a\nnew\n");
	assert_int_equal(mt_mode(m, "f"), 0600); /* kept */
	/* same size, other bytes: still a change */
	mt_cycle(m, "copy", "content: \"a\\nNEW\\n\"\ndest: '{D}/f'\n");
	assert_string_equal(mt_read(m, "f"), "a\nNEW\n");
	/* only the mode differs */
	mt_cycle(m, "copy", "content: \"a\\nNEW\\n\"\ndest: '{D}/f'\nmode: 'g+r'\n");
	assert_int_equal(mt_mode(m, "f"), 0640);
	mt_free(m);
}

static void test_modules_copy__src_from_search_path(void **state)
{
	struct mt *m = mt_new();

	assert_int_equal(mkdir(mt_path(m, "role"), 0755), 0);
	assert_int_equal(mkdir(mt_path(m, "role/files"), 0755), 0);
	assert_int_equal(mkdir(mt_path(m, "out"), 0755), 0);
	mt_write(m, "role/files/motd", "welcome\n");
	chmod(mt_path(m, "role/files/motd"), 0755);
	m->search[0] = mt_path(m, "role");
	mt_cycle(m, "copy", "src: motd\ndest: '{D}/out/'\nmode: preserve\n");
	assert_string_equal(mt_read(m, "out/motd"), "welcome\n");
	assert_int_equal(mt_mode(m, "out/motd"), 0755);
	assert_string_equal(mt_result(m, "src"), "motd");
	/* dest an existing directory without the slash */
	mt_cycle(m, "copy", "src: motd\ndest: '{D}/'\n");
	assert_string_equal(mt_read(m, "motd"), "welcome\n");
	assert_true(mt_run(m, "copy", "src: nope\ndest: '{D}/x'\n", false, false) < 0);
	assert_string_equal(m->err.msg, "Could not find or access 'nope'");
	mt_free(m);
}

static void test_modules_copy__directory_trailing_slash(void **state)
{
	struct mt *m = mt_new();

	assert_int_equal(mkdir(mt_path(m, "src"), 0755), 0);
	assert_int_equal(mkdir(mt_path(m, "src/sub"), 0755), 0);
	mt_write(m, "src/a", "1");
	mt_write(m, "src/sub/b", "2");
	assert_int_equal(mkdir(mt_path(m, "d1"), 0755), 0);
	/* "src" copies the directory itself */
	mt_cycle(m, "copy", "src: '{D}/src'\ndest: '{D}/d1'\ndirectory_mode: '0700'\n");
	assert_string_equal(mt_read(m, "d1/src/a"), "1");
	assert_string_equal(mt_read(m, "d1/src/sub/b"), "2");
	assert_int_equal(mt_mode(m, "d1/src"), 0700);
	/* "src/" copies what is inside */
	mt_cycle(m, "copy", "src: '{D}/src/'\ndest: '{D}/d2'\n");
	assert_string_equal(mt_read(m, "d2/a"), "1");
	assert_string_equal(mt_read(m, "d2/sub/b"), "2");
	mt_write(m, "src/sub/b", "3");
	mt_cycle(m, "copy", "src: '{D}/src/'\ndest: '{D}/d2'\n");
	assert_string_equal(mt_read(m, "d2/sub/b"), "3");
	mt_free(m);
}

static void test_modules_copy__remote_src_force_backup(void **state)
{
	struct mt *m = mt_new();
	char *snap;

	mt_write(m, "r", "remote\n");
	mt_write(m, "f", "old\n");
	mt_cycle(m, "copy", "src: '{D}/r'\nremote_src: true\ndest: '{D}/f'\nbackup: true\n");
	assert_string_equal(mt_read(m, "f"), "remote\n");
	/* the backup holds the old text */
	{
		FILE *p = popen(mt_fmt(m, "cat {D}/f.*~"), "r");
		char buf[64] = { 0 };

		assert_non_null(p);
		assert_true(fread(buf, 1, sizeof(buf) - 1, p) > 0);
		pclose(p);
		assert_string_equal(buf, "old\n");
	}
	/* force: no leaves an existing file alone */
	snap = mt_snapshot(m);
	mt_expect_ok(m, mt_run(m, "copy", "content: x\ndest: '{D}/f'\nforce: no\n", true, false));
	assert_false(m->plan.changed);
	assert_string_equal(mt_snapshot(m), snap);
	mt_free(m);
}

static void test_modules_copy__validate(void **state)
{
	struct mt *m = mt_new();

	mt_cycle(m, "copy", "content: \"ok\\n\"\ndest: '{D}/v'\nvalidate: grep -q ok %s\n");
	assert_string_equal(mt_read(m, "v"), "ok\n");
	assert_true(mt_run(m, "copy", "content: \"bad\\n\"\ndest: '{D}/v'\nvalidate: grep -q ok %s\n",
			   true, false) < 0);
	assert_string_equal(m->err.msg, "failed to validate");
	assert_string_equal(mt_read(m, "v"), "ok\n");
	assert_string_equal(mt_result(m, "exit_status"), "1");
	/* no temp file left behind */
	assert_string_equal(mt_snapshot(m), mt_snapshot(m));
	{
		FILE *p = popen(mt_fmt(m, "ls -A {D} | wc -l"), "r");
		char buf[16] = { 0 };

		assert_true(fread(buf, 1, sizeof(buf) - 1, p) > 0);
		pclose(p);
		assert_string_equal(buf, "1\n");
	}
	assert_true(mt_run(m, "copy", "content: x\ndest: '{D}/v'\nvalidate: 'true'\n", true, false) < 0);
	assert_string_equal(m->err.msg, "validate must contain %s: true");
	mt_free(m);
}

static void test_modules_copy__symlink_dest(void **state)
{
	struct mt *m = mt_new();
	struct stat st;

	mt_write(m, "target", "t\n");
	assert_int_equal(symlink("target", mt_path(m, "l")), 0);
	/* follow: true writes through the link */
	mt_cycle(m, "copy", "content: \"new\\n\"\ndest: '{D}/l'\nfollow: true\n");
	assert_string_equal(mt_read(m, "target"), "new\n");
	assert_int_equal(lstat(mt_path(m, "l"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* follow: false (the default) replaces the link itself */
	mt_cycle(m, "copy", "content: \"mine\\n\"\ndest: '{D}/l'\n");
	assert_int_equal(lstat(mt_path(m, "l"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(mt_read(m, "target"), "new\n");
	mt_free(m);
}

static void test_modules_copy__errors(void **state)
{
	struct mt *m = mt_new();

	assert_true(mt_run(m, "copy", "content: x\ndest: '{D}/no/such/f'\n", true, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "Destination directory {D}/no/such does not exist"));
	/* check mode (no apply) predicts the change instead, as Ansible's copy
	 * action does: an earlier task of the check run may create the dir */
	assert_int_equal(mt_run(m, "copy", "content: x\ndest: '{D}/no/such/f'\n", false, true), 0);
	assert_true(m->plan.changed);
	assert_true(mt_run(m, "copy", "content: x\ndest: '{D}/'\n", false, false) < 0);
	assert_string_equal(m->err.msg, "can not use content with a dir as dest");
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_copy__content_new_file_and_results),
		cmocka_unit_test(test_modules_copy__content_change_keeps_mode_and_diff),
		cmocka_unit_test(test_modules_copy__src_from_search_path),
		cmocka_unit_test(test_modules_copy__directory_trailing_slash),
		cmocka_unit_test(test_modules_copy__remote_src_force_backup),
		cmocka_unit_test(test_modules_copy__validate),
		cmocka_unit_test(test_modules_copy__symlink_dest),
		cmocka_unit_test(test_modules_copy__errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
