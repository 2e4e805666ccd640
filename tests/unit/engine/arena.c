/* Unit tests for engine/arena.c, engine/buf.c and engine/error.c. */
#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static void test_engine_arena__many_allocations_are_distinct_and_aligned(void **state)
{
	struct kiso_arena *a = kiso_arena_new();
	char *prev = NULL;

	for (int i = 0; i < 10000; i++) {
		char *p = kiso_arena_alloc(a, (size_t)(i % 97) + 1);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 'x', (size_t)(i % 97) + 1);
		assert_ptr_not_equal(p, prev);
		prev = p;
	}
	char *big = kiso_arena_alloc(a, 5u << 20);
	memset(big, 0, 5u << 20);
	assert_true(kiso_arena_used(a) > (5u << 20));
	kiso_arena_reset(a);
	assert_int_equal(kiso_arena_used(a), 0);
	assert_string_equal(kiso_arena_sprintf(a, "%s-%d", "a", 7), "a-7");
	kiso_arena_free(a);
	kiso_arena_free(NULL);
}

static void test_engine_arena__grow_keeps_contents(void **state)
{
	struct kiso_arena *a = kiso_arena_new();
	char *p = kiso_arena_strdup(a, "hello");
	char *q = kiso_arena_grow(a, p, 6, 64);

	assert_string_equal(q, "hello");
	assert_non_null(kiso_arena_zalloc(a, 0));
	kiso_arena_free(a);
}

static void test_engine_buf__cap_sets_toobig(void **state)
{
	struct kiso_buf b = KISO_BUF_INIT;

	assert_string_equal(kiso_buf_cstr(&b), "");
	b.max = 8;
	assert_int_equal(kiso_buf_puts(&b, "12345"), 0);
	assert_int_equal(kiso_buf_puts(&b, "6789"), -1);
	assert_true(b.toobig);
	assert_string_equal(kiso_buf_cstr(&b), "12345");
	kiso_buf_clear(&b);
	assert_int_equal(kiso_buf_printf(&b, "%d%s", 42, "x"), 0);
	assert_string_equal(kiso_buf_cstr(&b), "42x");
	char *s = kiso_buf_detach(&b);
	assert_string_equal(s, "42x");
	free(s);
	kiso_buf_release(&b);
}

static void test_engine_error__first_message_wins(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_pos pos = { kiso_pos_file("site.yml"), 12, 7 };
	char buf[256];

	assert_int_equal(kiso_error_set(&err, KISO_ESYNTAX, pos, "mapping values are not allowed here"),
			 KISO_ESYNTAX);
	assert_int_equal(kiso_error_set(&err, KISO_EFAIL, KISO_POS_NONE, "later"), KISO_EFAIL);
	assert_string_equal(kiso_error_format(buf, sizeof(buf), &err),
			    "site.yml:12:7: mapping values are not allowed here");
	kiso_error_clear(&err);
	assert_int_equal(err.code, 0);
	kiso_error_set(&err, 0, KISO_POS_NONE, "no position");
	assert_int_equal(err.code, KISO_EFAIL);
	assert_string_equal(kiso_error_format(buf, sizeof(buf), &err), "no position");
	assert_int_equal(kiso_error_set(NULL, KISO_ENOTFOUND, pos, "x"), KISO_ENOTFOUND);
}

static void test_engine_error__interned_files_are_shared(void **state)
{
	char name[32];

	strcpy(name, "roles/x/tasks/main.yml");
	const char *a = kiso_pos_file(name);
	strcpy(name, "other");
	assert_string_equal(a, "roles/x/tasks/main.yml");
	assert_ptr_equal(a, kiso_pos_file("roles/x/tasks/main.yml"));
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		kiso_pos_file(name);
	}
	assert_ptr_equal(a, kiso_pos_file("roles/x/tasks/main.yml"));
	assert_null(kiso_pos_file(NULL));
}

static void test_engine_error__diags_collect_every_problem(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;
	struct kiso_pos p = { kiso_pos_file("a.yml"), 3, 3 };

	for (int i = 0; i < 20; i++)
		kiso_diags_add(&d, p, "problem %d", i);
	assert_int_equal(d.len, 20);
	assert_string_equal(d.items[19].msg, "problem 19");
	assert_int_equal(d.items[0].pos.line, 3);
	kiso_diags_release(&d);
	assert_int_equal(d.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_arena__many_allocations_are_distinct_and_aligned),
		cmocka_unit_test(test_engine_arena__grow_keeps_contents),
		cmocka_unit_test(test_engine_buf__cap_sets_toobig),
		cmocka_unit_test(test_engine_error__first_message_wins),
		cmocka_unit_test(test_engine_error__interned_files_are_shared),
		cmocka_unit_test(test_engine_error__diags_collect_every_problem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
