/*
 * Unit tests for modules/fetch.c with the local transport: dest/HOST/PATH
 * and flat layouts, trailing slashes, changes detected by checksum, the
 * missing-file and directory rules (fail_on_missing), and the four steps
 * of STYLE.md section 7 (the controller side is the same temporary
 * directory here).
 */
#include "modtest.h"

static void test_modules_fetch__host_layout(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "remote.txt", "data\n");
	mt_cycle(m, "fetch", "src: '{D}/remote.txt'\ndest: '{D}/out'\n");
	assert_string_equal(mt_read(m, mt_fmt(m, "out/localhost{D}/remote.txt")), "data\n");
	assert_string_equal(mt_result(m, "checksum"), "c5d84736ba451747dd5f0eb9d17e104f3697ef47");
	assert_string_equal(mt_result(m, "dest"), mt_fmt(m, "{D}/out/localhost{D}/remote.txt"));
	/* the remote file changes: fetched again */
	mt_write(m, "remote.txt", "data2\n");
	mt_cycle(m, "fetch", "src: '{D}/remote.txt'\ndest: '{D}/out'\n");
	assert_string_equal(mt_read(m, mt_fmt(m, "out/localhost{D}/remote.txt")), "data2\n");
	mt_free(m);
}

static void test_modules_fetch__flat(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "r", "x\n");
	assert_int_equal(mkdir(mt_path(m, "d"), 0755), 0);
	mt_cycle(m, "fetch", "src: '{D}/r'\ndest: '{D}/d/'\nflat: true\n");
	assert_string_equal(mt_read(m, "d/r"), "x\n");
	mt_cycle(m, "fetch", "src: '{D}/r'\ndest: '{D}/new/sub/copy'\nflat: true\n");
	assert_string_equal(mt_read(m, "new/sub/copy"), "x\n");
	assert_true(mt_run(m, "fetch", "src: '{D}/r'\ndest: '{D}/d'\nflat: true\n", false, false) < 0);
	assert_non_null(strstr(m->err.msg, "dest is an existing directory"));
	mt_free(m);
}

static void test_modules_fetch__missing(void **state)
{
	struct mt *m = mt_new();

	assert_true(mt_run(m, "fetch", "src: '{D}/nope'\ndest: '{D}/o'\n", false, false) < 0);
	assert_string_equal(m->err.msg, "the remote file does not exist, not transferring, ignored");
	mt_expect_ok(m, mt_run(m, "fetch", "src: '{D}/nope'\ndest: '{D}/o'\nfail_on_missing: false\n",
			       true, false));
	assert_false(m->plan.changed);
	assert_string_equal(m->plan.msg, "the remote file does not exist, not transferring, ignored");
	assert_true(mt_run(m, "fetch", "src: '{D}'\ndest: '{D}/o'\n", false, false) < 0);
	assert_string_equal(m->err.msg, "remote file is a directory, fetch cannot work on directories");
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_fetch__host_layout),
		cmocka_unit_test(test_modules_fetch__flat),
		cmocka_unit_test(test_modules_fetch__missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
