/*
 * Unit tests for modules/stat.c with the local transport: the usual
 * return keys for files, directories, symlinks (follow or not) and
 * missing paths, checksums (sha1 by default, other algorithms), and that
 * stat never reports or makes a change (check mode is the same run).
 */
#include "modtest.h"

static const struct kiso_value *st_key(struct mt *m, const char *key)
{
	return kiso_map_get(kiso_map_get(m->plan.result, "stat"), key);
}

static const char *st_str(struct mt *m, const char *key)
{
	const struct kiso_value *v = st_key(m, key);
	struct kiso_buf b = KISO_BUF_INIT;
	const char *r;

	if (!v)
		return NULL;
	kiso_value_str(&b, v);
	r = kiso_arena_strdup(m->a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

static void test_modules_stat__regular_file(void **state)
{
	struct mt *m = mt_new();
	char *snap;

	mt_write(m, "f", "hello\n");
	chmod(mt_path(m, "f"), 0640);
	snap = mt_snapshot(m);
	mt_expect_ok(m, mt_run(m, "stat", "path: '{D}/f'\n", false, true));
	assert_false(m->plan.changed);
	assert_string_equal(mt_snapshot(m), snap);
	assert_string_equal(st_str(m, "exists"), "True");
	assert_string_equal(st_str(m, "isreg"), "True");
	assert_string_equal(st_str(m, "isdir"), "False");
	assert_string_equal(st_str(m, "mode"), "0640");
	assert_string_equal(st_str(m, "size"), "6");
	assert_string_equal(st_str(m, "checksum"), "f572d396fae9206628714fb2ce00f72e94f2258f");
	assert_string_equal(st_str(m, "rusr"), "True");
	assert_string_equal(st_str(m, "roth"), "False");
	assert_string_equal(st_str(m, "readable"), "True");
	assert_string_equal(st_str(m, "path"), mt_path(m, "f"));
	assert_int_equal(st_key(m, "uid")->u.i, getuid());
	assert_int_equal(st_key(m, "mtime")->type, KISO_FLOAT);
	assert_non_null(st_str(m, "pw_name"));
	assert_int_equal(st_key(m, "nlink")->u.i, 1);
	mt_expect_ok(m, mt_run(m, "stat", "path: '{D}/f'\nchecksum_algorithm: sha256\n", false, false));
	assert_string_equal(st_str(m, "checksum"),
			    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	mt_expect_ok(m, mt_run(m, "stat", "path: '{D}/f'\nget_checksum: false\n", false, false));
	assert_null(st_key(m, "checksum"));
	mt_free(m);
}

static void test_modules_stat__missing_dir_and_links(void **state)
{
	struct mt *m = mt_new();

	mt_expect_ok(m, mt_run(m, "stat", "path: '{D}/nope'\n", false, false));
	assert_string_equal(st_str(m, "exists"), "False");
	assert_null(st_key(m, "isreg"));
	mt_expect_ok(m, mt_run(m, "stat", "path: '{D}'\n", false, false));
	assert_string_equal(st_str(m, "isdir"), "True");
	mt_write(m, "t", "x");
	assert_int_equal(symlink("t", mt_path(m, "l")), 0);
	mt_expect_ok(m, mt_run(m, "stat", "path: '{D}/l'\n", false, false));
	assert_string_equal(st_str(m, "islnk"), "True");
	assert_string_equal(st_str(m, "lnk_target"), "t");
	assert_string_equal(st_str(m, "lnk_source"), mt_path(m, "t"));
	assert_null(st_key(m, "checksum"));
	mt_expect_ok(m, mt_run(m, "stat", "path: '{D}/l'\nfollow: true\n", false, false));
	assert_string_equal(st_str(m, "islnk"), "False");
	assert_string_equal(st_str(m, "isreg"), "True");
	assert_string_equal(st_str(m, "checksum"), "11f6ad8ec52a2984abaafd7c3b516503785c2072");
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_stat__regular_file),
		cmocka_unit_test(test_modules_stat__missing_dir_and_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
