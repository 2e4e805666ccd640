/*
 * Unit tests for modules/file.c with the local transport under a
 * temporary directory: every state, octal and symbolic modes, recurse,
 * follow and force, results and the --diff attribute dicts. Each case runs
 * the four steps of STYLE.md section 7 (mt_cycle). Owner/group changes
 * need root: tests/lab/modules.sh runs them on a lab host.
 */
#include "modtest.h"

static void test_modules_file__directory_with_parents_and_mode(void **state)
{
	struct mt *m = mt_new();

	mt_cycle(m, "file", "path: '{D}/a/b/c'\nstate: directory\nmode: '0750'\n");
	assert_int_equal(mt_mode(m, "a/b/c"), 0750);
	assert_int_equal(mt_mode(m, "a"), 0750); /* created parents get the mode too */
	assert_string_equal(mt_result(m, "state"), "directory");
	assert_string_equal(mt_result(m, "mode"), "0750");
	/* the diff of a new directory, as ansible-playbook --diff shows it */
	mt_expect_ok(m, mt_run(m, "file", "path: '{D}/n'\nstate: directory\nmode: '0750'\n",
			       false, true));
	assert_string_equal(mt_diff_text(m),
			    mt_fmt(m, "--- before\n+++ after\n@@ -1,5 +1,5 @@\n {\n"
				      "-    \"mode\": \"0755\",\n+    \"mode\": \"0750\",\n"
				      "     \"path\": \"{D}/n\",\n-    \"state\": \"absent\"\n"
				      "+    \"state\": \"directory\"\n }\n\n"));
	mt_free(m);
}

static void test_modules_file__file_mode_octal_and_diff(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "f", "x\n");
	chmod(mt_path(m, "f"), 0644);
	mt_cycle(m, "file", "path: '{D}/f'\nmode: 0600\n");
	assert_int_equal(mt_mode(m, "f"), 0600);
	assert_string_equal(mt_result(m, "mode"), "0600");
	assert_string_equal(mt_result(m, "state"), "file");
	assert_string_equal(mt_result(m, "size"), "2");
	/* --diff before the change shows the attribute dicts */
	chmod(mt_path(m, "f"), 0644);
	mt_expect_ok(m, mt_run(m, "file", "path: '{D}/f'\nmode: '600'\n", false, true));
	assert_true(m->plan.changed);
	assert_string_equal(mt_diff_text(m),
			    mt_fmt(m, "--- before\n+++ after\n@@ -1,4 +1,4 @@\n {\n"
				      "-    \"mode\": \"0644\",\n+    \"mode\": \"0600\",\n"
				      "     \"path\": \"{D}/f\"\n }\n\n"));
	mt_free(m);
}

static void test_modules_file__symbolic_modes(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "f", "");
	chmod(mt_path(m, "f"), 0644);
	mt_cycle(m, "file", "path: '{D}/f'\nmode: 'u+x,g-r,o=w'\n");
	assert_int_equal(mt_mode(m, "f"), 0702);
	mt_cycle(m, "file", "path: '{D}/f'\nmode: 'a+X'\n"); /* has x: X applies */
	assert_int_equal(mt_mode(m, "f"), 0713);
	mt_cycle(m, "file", "path: '{D}/f'\nmode: 'u=rw,g=r,o='\n");
	assert_int_equal(mt_mode(m, "f"), 0640);
	/* g=u and o=g copy the ORIGINAL mode (not idempotent, as in Ansible) */
	mt_expect_ok(m, mt_run(m, "file", "path: '{D}/f'\nmode: 'u=rwx,g=u,o=g'\n", true, false));
	assert_int_equal(mt_mode(m, "f"), 0764);
	mt_cycle(m, "file", "path: '{D}/f'\nmode: '=r'\n");
	assert_int_equal(mt_mode(m, "f"), 0444); /* no who: umask 022 applies */
	mt_cycle(m, "file", "path: '{D}/f'\nmode: 'u+s,+t'\n");
	assert_int_equal(mt_mode(m, "f"), 05444);
	mt_expect_ok(m, mt_run(m, "file", "path: '{D}/f'\nmode: 'u=rwx'\n", false, false));
	assert_true(mt_run(m, "file", "path: '{D}/f'\nmode: 'u+q'\n", false, false) < 0);
	assert_string_equal(m->err.msg, "mode must be in octal or symbolic form");
	assert_true(mt_run(m, "file", "path: '{D}/f'\nmode: '017777'\n", false, false) < 0);
	assert_string_equal(m->err.msg, "Invalid mode supplied, only permission info is allowed");
	mt_free(m);
}

static void test_modules_file__touch(void **state)
{
	struct mt *m = mt_new();

	mt_cycle(m, "file", "path: '{D}/t'\nstate: touch\nmode: '0640'\n"
			    "access_time: preserve\nmodification_time: preserve\n");
	assert_string_equal(mt_read(m, "t"), "");
	assert_int_equal(mt_mode(m, "t"), 0640);
	/* plain touch of an existing file changes its times, as in Ansible */
	mt_expect_ok(m, mt_run(m, "file", "path: '{D}/t'\nstate: touch\n", false, false));
	assert_true(m->plan.changed);
	assert_string_equal(mt_result(m, "dest"), mt_path(m, "t"));
	mt_free(m);
}

static void test_modules_file__absent_file_and_tree(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "f", "x");
	mt_cycle(m, "file", "path: '{D}/f'\nstate: absent\n");
	assert_null(mt_read(m, "f"));
	assert_int_equal(mkdir(mt_path(m, "d"), 0755), 0);
	assert_int_equal(mkdir(mt_path(m, "d/e"), 0755), 0);
	mt_write(m, "d/e/g", "y");
	mt_cycle(m, "file", "path: '{D}/d'\nstate: absent\n");
	assert_int_equal(mt_mode(m, "d"), 0xffffffffu);
	assert_string_equal(mt_result(m, "state"), "absent");
	mt_free(m);
}

static void test_modules_file__symlink(void **state)
{
	struct mt *m = mt_new();
	char buf[256];
	ssize_t n;

	mt_write(m, "target", "x");
	mt_cycle(m, "file", "path: '{D}/l'\nsrc: target\nstate: link\n");
	n = readlink(mt_path(m, "l"), buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "target");
	assert_string_equal(mt_result(m, "src"), "target");
	/* retarget */
	mt_write(m, "other", "y");
	mt_cycle(m, "file", "path: '{D}/l'\nsrc: '{D}/other'\nstate: link\n");
	assert_string_equal(mt_read(m, "l"), "y");
	/* missing src without force */
	assert_true(mt_run(m, "file", "path: '{D}/l2'\nsrc: nope\nstate: link\n", false, false) < 0);
	assert_non_null(strstr(m->err.msg, "src file does not exist"));
	mt_cycle(m, "file", "path: '{D}/l2'\nsrc: nope\nstate: link\nforce: true\n");
	/* a file in the way needs force */
	mt_write(m, "f", "z");
	assert_true(mt_run(m, "file", "path: '{D}/f'\nsrc: target\nstate: link\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "refusing to convert from file to symlink for {D}/f"));
	mt_cycle(m, "file", "path: '{D}/f'\nsrc: target\nstate: link\nforce: yes\n");
	assert_string_equal(mt_read(m, "f"), "x");
	mt_free(m);
}

static void test_modules_file__follow_mode_on_link_target(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "target", "x");
	chmod(mt_path(m, "target"), 0644);
	assert_int_equal(symlink("target", mt_path(m, "l")), 0);
	mt_cycle(m, "file", "path: '{D}/l'\nstate: file\nmode: '0600'\n");
	assert_int_equal(mt_mode(m, "target"), 0600);
	/* follow: false: a link is not a file */
	assert_true(mt_run(m, "file", "path: '{D}/l'\nstate: file\nfollow: false\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "file ({D}/l) is link, cannot continue"));
	mt_free(m);
}

static void test_modules_file__hard_link(void **state)
{
	struct mt *m = mt_new();
	struct stat a, b;

	mt_write(m, "src", "data");
	mt_cycle(m, "file", "path: '{D}/h'\nsrc: '{D}/src'\nstate: hard\n");
	assert_int_equal(stat(mt_path(m, "src"), &a), 0);
	assert_int_equal(stat(mt_path(m, "h"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	mt_free(m);
}

static void test_modules_file__recurse(void **state)
{
	struct mt *m = mt_new();

	assert_int_equal(mkdir(mt_path(m, "d"), 0755), 0);
	assert_int_equal(mkdir(mt_path(m, "d/sub"), 0755), 0);
	mt_write(m, "d/sub/f", "1");
	mt_write(m, "d/g", "2");
	chmod(mt_path(m, "d/g"), 0644);
	chmod(mt_path(m, "d/sub/f"), 0755);
	mt_cycle(m, "file", "path: '{D}/d'\nstate: directory\nrecurse: true\nmode: 'u=rwX,g=rX,o='\n");
	assert_int_equal(mt_mode(m, "d"), 0750);
	assert_int_equal(mt_mode(m, "d/sub"), 0750);
	assert_int_equal(mt_mode(m, "d/g"), 0640);
	assert_int_equal(mt_mode(m, "d/sub/f"), 0750); /* X: it had x */
	mt_free(m);
}

static void test_modules_file__errors(void **state)
{
	struct mt *m = mt_new();

	assert_true(mt_run(m, "file", "path: '{D}/nope'\nstate: file\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "file ({D}/nope) is absent, cannot continue"));
	mt_write(m, "f", "");
	assert_true(mt_run(m, "file", "path: '{D}/f'\nstate: directory\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "{D}/f already exists as a file"));
	assert_true(mt_run(m, "file", "path: '{D}/f'\nowner: no-such-user-kiso\n", false, false) < 0);
	assert_string_equal(m->err.msg, "chown failed: failed to look up user no-such-user-kiso");
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_file__directory_with_parents_and_mode),
		cmocka_unit_test(test_modules_file__file_mode_octal_and_diff),
		cmocka_unit_test(test_modules_file__symbolic_modes),
		cmocka_unit_test(test_modules_file__touch),
		cmocka_unit_test(test_modules_file__absent_file_and_tree),
		cmocka_unit_test(test_modules_file__symlink),
		cmocka_unit_test(test_modules_file__follow_mode_on_link_target),
		cmocka_unit_test(test_modules_file__hard_link),
		cmocka_unit_test(test_modules_file__recurse),
		cmocka_unit_test(test_modules_file__errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
