/*
 * Unit tests for engine/runner_util.c: serial batches (Ansible's
 * _get_serialized_batches/pct_to_int), tag selection
 * (Taggable.evaluate_tags) and the max_fail_percentage test.
 */
#include "kiso_common.h"
#include "runner.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static struct kiso_arena *A;

static int setup(void **state)
{
	(void)state;
	A = kiso_arena_new();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kiso_arena_free(A);
	return 0;
}

static struct kiso_value *I(int64_t i)
{
	return kiso_int(A, i, KISO_POS_NONE);
}

static struct kiso_value *S(const char *s)
{
	return kiso_str(A, s, KISO_POS_NONE);
}

/* a list of strings from "a,b,c" ("" is the empty list) */
static struct kiso_value *L(const char *csv)
{
	struct kiso_value *l = kiso_list_new(A, KISO_POS_NONE);
	char *d = kiso_arena_strdup(A, csv), *save = NULL;

	for (char *t = strtok_r(d, ",", &save); t; t = strtok_r(NULL, ",", &save))
		kiso_list_push(A, l, S(t));
	return l;
}

static char *batches(const struct kiso_value *serial, size_t n)
{
	size_t sizes[64];
	int k = kiso_serial_batches(serial, n, sizes, 64);
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	if (k < 0)
		return kiso_arena_strdup(A, "error");
	for (int i = 0; i < k; i++)
		kiso_buf_printf(&b, "%s%zu", i ? " " : "", sizes[i]);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static void test_engine_runner_util__serial_numbers(void **state)
{
	(void)state;
	assert_string_equal(batches(NULL, 5), "5");
	assert_string_equal(batches(I(0), 5), "5");
	assert_string_equal(batches(I(2), 5), "2 2 1");
	assert_string_equal(batches(I(10), 3), "3");
	assert_string_equal(batches(S("2"), 5), "2 2 1");
	assert_string_equal(batches(I(1), 0), "");
}

static void test_engine_runner_util__serial_percentages(void **state)
{
	(void)state;
	/* int(30/100*10) = 3 */
	assert_string_equal(batches(S("30%"), 10), "3 3 3 1");
	/* int(10/100*5) = 0 -> at least 1 */
	assert_string_equal(batches(S("10%"), 5), "1 1 1 1 1");
	assert_string_equal(batches(S("100%"), 4), "4");
	assert_string_equal(batches(S("bogus"), 4), "error");
	assert_string_equal(batches(S("5%x"), 4), "error");
}

static void test_engine_runner_util__serial_lists(void **state)
{
	struct kiso_value *l = kiso_list_new(A, KISO_POS_NONE);

	(void)state;
	kiso_list_push(A, l, I(1));
	kiso_list_push(A, l, S("50%"));
	kiso_list_push(A, l, I(3));
	/* 1, then 50% of 10 = 5, then 3 repeated */
	assert_string_equal(batches(l, 10), "1 5 3 1");
	assert_string_equal(batches(l, 2), "1 1");
	assert_string_equal(batches(kiso_list_new(A, KISO_POS_NONE), 3), "3");
}

static bool run(const char *tags, const char *only, const char *skip)
{
	return kiso_tags_should_run(L(tags), L(only), skip ? L(skip) : NULL);
}

static void test_engine_runner_util__tags(void **state)
{
	(void)state;
	/* no --tags: everything but 'never' */
	assert_true(run("", "", NULL));
	assert_true(run("a", "", NULL));
	assert_true(run("a", "all", NULL));
	assert_false(run("never", "", NULL));
	assert_false(run("never,x", "all", NULL));
	assert_true(run("never,always", "", NULL));
	/* --tags a */
	assert_true(run("a,b", "a", NULL));
	assert_false(run("b", "a", NULL));
	assert_false(run("", "a", NULL));
	assert_true(run("always", "a", NULL));
	assert_true(run("never,a", "a", NULL));
	/* special selectors */
	assert_true(run("", "untagged", NULL));
	assert_false(run("a", "untagged", NULL));
	assert_true(run("a", "tagged", NULL));
	assert_false(run("never", "tagged", NULL));
	/* --skip-tags */
	assert_false(run("a", "", "a"));
	assert_true(run("b", "", "a"));
	assert_false(run("always", "", "always"));
	assert_true(run("always", "", "all"));
	assert_false(run("x", "", "all"));
	assert_false(run("", "", "untagged"));
	assert_false(run("x", "", "tagged"));
	assert_false(run("a", "a", "a"));
}

static void test_engine_runner_util__max_fail(void **state)
{
	(void)state;
	/* Ansible: failed / batch_size > pct / 100 */
	assert_false(kiso_max_fail_exceeded(1, 2, 50));
	assert_true(kiso_max_fail_exceeded(2, 3, 50));
	assert_true(kiso_max_fail_exceeded(1, 3, 0));
	assert_false(kiso_max_fail_exceeded(0, 3, 0));
	assert_false(kiso_max_fail_exceeded(3, 3, 100));
	assert_false(kiso_max_fail_exceeded(0, 0, 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_runner_util__serial_numbers),
		cmocka_unit_test(test_engine_runner_util__serial_percentages),
		cmocka_unit_test(test_engine_runner_util__serial_lists),
		cmocka_unit_test(test_engine_runner_util__tags),
		cmocka_unit_test(test_engine_runner_util__max_fail),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
