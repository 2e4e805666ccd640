/*
 * Unit tests for modules/slurp.c with the local transport: base64 of
 * text and binary content (checked against base64(1)), the errors for a
 * missing file and a directory, and no change ever.
 */
#include "modtest.h"

static void test_modules_slurp__content_base64(void **state)
{
	struct mt *m = mt_new();
	static const char bin[] = { 'a', 0, (char)0xff, 'b', '\n' };
	FILE *f;

	mt_write(m, "t", "hello world\n");
	mt_expect_ok(m, mt_run(m, "slurp", "src: '{D}/t'\n", false, false));
	assert_false(m->plan.changed);
	assert_string_equal(mt_result(m, "content"), "aGVsbG8gd29ybGQK");
	assert_string_equal(mt_result(m, "encoding"), "base64");
	assert_string_equal(mt_result(m, "source"), mt_path(m, "t"));
	f = fopen(mt_path(m, "b"), "wb");
	fwrite(bin, 1, sizeof(bin), f);
	fclose(f);
	for (int n = 0; n < 4; n++) { /* every padding length */
		const char *want;

		truncate(mt_path(m, "b"), (off_t)(sizeof(bin) - (size_t)n));
		want = mt_sh(m, "base64 -w0 {D}/b");
		mt_expect_ok(m, mt_run(m, "slurp", "src: '{D}/b'\n", false, false));
		assert_string_equal(mt_result(m, "content"), want);
	}
	mt_write(m, "e", "");
	mt_expect_ok(m, mt_run(m, "slurp", "src: '{D}/e'\n", false, false));
	assert_string_equal(mt_result(m, "content"), "");
	mt_free(m);
}

static void test_modules_slurp__errors(void **state)
{
	struct mt *m = mt_new();

	assert_true(mt_run(m, "slurp", "src: '{D}/nope'\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "file not found: {D}/nope"));
	assert_true(mt_run(m, "slurp", "src: '{D}'\n", false, false) < 0);
	assert_string_equal(m->err.msg, mt_fmt(m, "source is a directory and must be a file: {D}"));
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_slurp__content_base64),
		cmocka_unit_test(test_modules_slurp__errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
