/*
 * Unit tests for engine/fileattr.c: modes (octal forms and the symbolic
 * ones, against a table computed by Ansible's own
 * AnsibleModule._symbolic_mode_to_octal(), fileattr_modes.py), the
 * errors for bad modes, and the path helpers.
 */
#include "kiso_common.h"
#include "arena.h"
#include "fileattr.h"
#include "json.h"
#include "value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <cmocka.h>

#define TABLE "tests/unit/engine/fileattr_modes.json"

struct fx {
	struct kiso_arena *a;
	struct kiso_error err;
	struct kiso_task t;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->a = kiso_arena_new();
	f->t.arena = f->a;
	f->t.err = &f->err;
}

static void test_engine_fileattr__symbolic_modes_as_ansible(void **state)
{
	struct fx f;
	FILE *fp = fopen(TABLE, "rb");
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value *cases = NULL;
	char chunk[4096];
	size_t n;

	(void)state;
	fx_init(&f);
	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		kiso_buf_add(&b, chunk, n);
	fclose(fp);
	assert_int_equal(kiso_json_parse(&cases, f.a, b.ptr, b.len, TABLE, &f.err), 0);
	assert_true(cases->u.list.len > 300);
	for (size_t i = 0; i < cases->u.list.len; i++) {
		struct kiso_value *c = cases->u.list.items[i];
		const char *mode = c->u.list.items[0]->u.s.ptr;
		unsigned base = (unsigned)c->u.list.items[1]->u.i;
		bool is_dir = c->u.list.items[2]->u.b;
		unsigned want = (unsigned)c->u.list.items[3]->u.i, got = 0;
		bool set = false;

		assert_int_equal(kiso_fattr_mode(&got, &set, &f.t, c->u.list.items[0], base, is_dir), 0);
		assert_true(set);
		if (got != want)
			fail_msg("'%s' on %04o (%s): kiso %04o, ansible %04o", mode, base,
				 is_dir ? "dir" : "file", got, want);
	}
	kiso_buf_release(&b);
	kiso_arena_free(f.a);
}

static unsigned mode_of(struct fx *f, struct kiso_value *v, int *rc)
{
	unsigned m = 0;
	bool set;

	kiso_error_clear(&f->err);
	*rc = kiso_fattr_mode(&m, &set, &f->t, v, 0644, false);
	return m;
}

static void test_engine_fileattr__octal_forms_and_errors(void **state)
{
	struct fx f;
	int rc;
	unsigned m;
	bool set = true;

	(void)state;
	fx_init(&f);
	assert_int_equal(mode_of(&f, kiso_int(f.a, 0600, KISO_POS_NONE), &rc), 0600);
	assert_int_equal(mode_of(&f, kiso_str(f.a, "0750", KISO_POS_NONE), &rc), 0750);
	assert_int_equal(mode_of(&f, kiso_str(f.a, "750", KISO_POS_NONE), &rc), 0750);
	assert_int_equal(mode_of(&f, kiso_str(f.a, "0o2755", KISO_POS_NONE), &rc), 02755);
	assert_int_equal(rc, 0);
	mode_of(&f, kiso_str(f.a, "u+z", KISO_POS_NONE), &rc);
	assert_true(rc < 0);
	assert_string_equal(f.err.msg, "mode must be in octal or symbolic form");
	/* who without an operator changes nothing, as in Ansible */
	assert_int_equal(mode_of(&f, kiso_str(f.a, "u", KISO_POS_NONE), &rc), 0644);
	assert_int_equal(rc, 0);
	mode_of(&f, kiso_str(f.a, "x+r", KISO_POS_NONE), &rc);
	assert_true(rc < 0);
	mode_of(&f, kiso_str(f.a, "99999", KISO_POS_NONE), &rc);
	assert_true(rc < 0);
	mode_of(&f, kiso_str(f.a, "017777", KISO_POS_NONE), &rc);
	assert_true(rc < 0);
	assert_string_equal(f.err.msg, "Invalid mode supplied, only permission info is allowed");
	assert_int_equal(kiso_fattr_mode(&m, &set, &f.t, NULL, 0644, false), 0);
	assert_false(set);
	assert_string_equal(kiso_fattr_mode_str(&f.t, 0644), "0644");
	assert_string_equal(kiso_fattr_mode_str(&f.t, 04755), "04755");
	assert_string_equal(kiso_fattr_mode_str(&f.t, 0), "0000");
	kiso_arena_free(f.a);
}

static void test_engine_fileattr__paths(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f);
	assert_string_equal(kiso_path_dirname(&f.t, "/a/b"), "/a");
	assert_string_equal(kiso_path_dirname(&f.t, "/a/b/"), "/a");
	assert_string_equal(kiso_path_dirname(&f.t, "/b"), "/");
	assert_string_equal(kiso_path_dirname(&f.t, "b"), ".");
	assert_string_equal(kiso_path_dirname(&f.t, "a//b"), "a");
	assert_string_equal(kiso_path_basename(&f.t, "/a/b/"), "b");
	assert_string_equal(kiso_path_basename(&f.t, "b"), "b");
	assert_string_equal(kiso_path_join(&f.t, "/a/", "b"), "/a/b");
	assert_string_equal(kiso_path_join(&f.t, "/a", "b"), "/a/b");
	{
		char sha[41], md5[33];

		kiso_sha1_hex(sha, "", 0);
		kiso_md5_hex(md5, "", 0);
		assert_string_equal(sha, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
		assert_string_equal(md5, "d41d8cd98f00b204e9800998ecf8427e");
	}
	kiso_arena_free(f.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_fileattr__symbolic_modes_as_ansible),
		cmocka_unit_test(test_engine_fileattr__octal_forms_and_errors),
		cmocka_unit_test(test_engine_fileattr__paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
