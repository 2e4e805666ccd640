/* Unit tests for engine/value.c: the data model. */
#include "kiso_common.h"
#include "value.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define P KISO_POS_NONE

static struct kiso_arena *A;

static int setup(void **state)
{
	A = kiso_arena_new();
	return 0;
}

static int teardown(void **state)
{
	kiso_arena_free(A);
	return 0;
}

static char *repr(const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	kiso_value_repr(&b, v);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static char *json(const struct kiso_value *v, int indent, bool sort, bool ascii)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	kiso_value_json_ex(&b, v, indent, sort, ascii);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static char *frepr(double f)
{
	return repr(kiso_float(A, f, P));
}

static void test_engine_value__float_repr_matches_python(void **state)
{
	assert_string_equal(frepr(1.0), "1.0");
	assert_string_equal(frepr(0.1), "0.1");
	assert_string_equal(frepr(-2.5), "-2.5");
	assert_string_equal(frepr(1e16), "1e+16");
	assert_string_equal(frepr(1e15), "1000000000000000.0");
	assert_string_equal(frepr(123456.789), "123456.789");
	assert_string_equal(frepr(0.0001), "0.0001");
	assert_string_equal(frepr(0.00001), "1e-05");
	assert_string_equal(frepr(1.5e-7), "1.5e-07");
	assert_string_equal(frepr(1.0 / 3), "0.3333333333333333");
	assert_string_equal(frepr(2.5e100), "2.5e+100");
	assert_string_equal(frepr(0.0), "0.0");
	assert_string_equal(frepr(-0.0), "-0.0");
	assert_string_equal(frepr(INFINITY), "inf");
	assert_string_equal(frepr(NAN), "nan");
}

static void test_engine_value__repr_of_containers(void **state)
{
	struct kiso_value *l = kiso_list_new(A, P), *m = kiso_map_new(A, P);

	kiso_list_push(A, l, kiso_str(A, "a", P));
	kiso_list_push(A, l, kiso_int(A, 1, P));
	kiso_list_push(A, l, kiso_bool(A, true, P));
	kiso_list_push(A, l, kiso_null(A, P));
	kiso_map_set(A, m, "k", kiso_float(A, 1.5, P));
	kiso_map_set(A, m, "l", l);
	assert_string_equal(repr(l), "['a', 1, True, None]");
	assert_string_equal(repr(m), "{'k': 1.5, 'l': ['a', 1, True, None]}");
}

static void test_engine_value__string_repr_quotes_like_python(void **state)
{
	assert_string_equal(repr(kiso_str(A, "it's", P)), "\"it's\"");
	assert_string_equal(repr(kiso_str(A, "say \"hi\"", P)), "'say \"hi\"'");
	assert_string_equal(repr(kiso_str(A, "both ' and \"", P)), "'both \\' and \"'");
	assert_string_equal(repr(kiso_str(A, "a\\b\n\t\x01", P)), "'a\\\\b\\n\\t\\x01'");
	assert_string_equal(repr(kiso_str(A, "caf\xc3\xa9", P)), "'caf\xc3\xa9'");
	assert_string_equal(repr(kiso_str(A, "nb\xc2\xa0sp", P)), "'nb\\xa0sp'");
}

static void test_engine_value__str_of_string_is_itself(void **state)
{
	struct kiso_buf b = KISO_BUF_INIT;

	kiso_value_str(&b, kiso_str(A, "it's", P));
	assert_string_equal(kiso_buf_cstr(&b), "it's");
	kiso_buf_clear(&b);
	kiso_value_str(&b, kiso_bool(A, false, P));
	assert_string_equal(kiso_buf_cstr(&b), "False");
	kiso_buf_release(&b);
}

static void test_engine_value__map_keeps_order_and_replaces(void **state)
{
	struct kiso_value *m = kiso_map_new(A, P);
	char key[16];

	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", 99 - i);
		kiso_map_set(A, m, key, kiso_int(A, i, P));
	}
	assert_int_equal(m->u.map.len, 100);
	assert_string_equal(m->u.map.items[0].key->u.s.ptr, "k99");
	assert_string_equal(m->u.map.items[99].key->u.s.ptr, "k0");
	kiso_map_set(A, m, "k50", kiso_str(A, "x", P));
	assert_int_equal(m->u.map.len, 100);
	assert_string_equal(m->u.map.items[49].key->u.s.ptr, "k50");
	assert_string_equal(kiso_map_get(m, "k50")->u.s.ptr, "x");
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_non_null(kiso_map_get(m, key));
	}
	assert_null(kiso_map_get(m, "nope"));
	assert_true(kiso_map_del(m, "k50"));
	assert_false(kiso_map_del(m, "k50"));
	assert_null(kiso_map_get(m, "k50"));
	assert_int_equal(m->u.map.len, 99);
	assert_int_equal(kiso_map_get(m, "k49")->u.i, 50);
	assert_string_equal(m->u.map.items[49].key->u.s.ptr, "k49");
}

static void test_engine_value__map_non_string_keys(void **state)
{
	struct kiso_value *m = kiso_map_new(A, P);

	kiso_map_setv(A, m, kiso_int(A, 1, P), kiso_str(A, "one", P));
	assert_string_equal(kiso_map_getv(m, kiso_float(A, 1.0, P))->u.s.ptr, "one");
	assert_string_equal(kiso_map_getv(m, kiso_bool(A, true, P))->u.s.ptr, "one");
	assert_null(kiso_map_get(m, "1"));
	assert_string_equal(repr(m), "{1: 'one'}");
	assert_string_equal(json(m, -1, false, false), "{\"1\": \"one\"}");
}

static void test_engine_value__python_equality(void **state)
{
	assert_true(kiso_value_equal(kiso_int(A, 1, P), kiso_float(A, 1.0, P)));
	assert_true(kiso_value_equal(kiso_int(A, 1, P), kiso_bool(A, true, P)));
	assert_false(kiso_value_equal(kiso_int(A, 1, P), kiso_str(A, "1", P)));
	assert_false(kiso_value_equal(kiso_float(A, NAN, P), kiso_float(A, NAN, P)));
	assert_true(kiso_value_equal(kiso_null(A, P), kiso_null(A, P)));

	struct kiso_value *a = kiso_map_new(A, P), *b = kiso_map_new(A, P);
	kiso_map_set(A, a, "x", kiso_int(A, 1, P));
	kiso_map_set(A, a, "y", kiso_int(A, 2, P));
	kiso_map_set(A, b, "y", kiso_int(A, 2, P));
	kiso_map_set(A, b, "x", kiso_int(A, 1, P));
	assert_true(kiso_value_equal(a, b)); /* dict equality ignores order */
	kiso_map_set(A, b, "x", kiso_int(A, 3, P));
	assert_false(kiso_value_equal(a, b));
}

static void test_engine_value__python_ordering(void **state)
{
	int c;
	struct kiso_value *l1 = kiso_list_new(A, P), *l2 = kiso_list_new(A, P);

	assert_int_equal(kiso_value_compare(&c, kiso_int(A, 2, P), kiso_float(A, 2.5, P)), 0);
	assert_true(c < 0);
	assert_int_equal(kiso_value_compare(&c, kiso_str(A, "b", P), kiso_str(A, "ab", P)), 0);
	assert_true(c > 0);
	assert_int_equal(kiso_value_compare(&c, kiso_str(A, "a", P), kiso_str(A, "ab", P)), 0);
	assert_true(c < 0);
	kiso_list_push(A, l1, kiso_int(A, 1, P));
	kiso_list_push(A, l1, kiso_int(A, 2, P));
	kiso_list_push(A, l2, kiso_int(A, 1, P));
	kiso_list_push(A, l2, kiso_int(A, 3, P));
	assert_int_equal(kiso_value_compare(&c, l1, l2), 0);
	assert_true(c < 0);
	/* 9007199254740993 > 9007199254740992.0 although both are equal as doubles */
	assert_int_equal(kiso_value_compare(&c, kiso_int(A, 9007199254740993LL, P),
					    kiso_float(A, 9007199254740992.0, P)), 0);
	assert_true(c > 0);
	assert_int_equal(kiso_value_compare(&c, kiso_int(A, 1, P), kiso_str(A, "a", P)), -1);
	assert_int_equal(kiso_value_compare(&c, kiso_map_new(A, P), kiso_map_new(A, P)), -1);
}

static void test_engine_value__truthiness(void **state)
{
	assert_false(kiso_value_truthy(kiso_null(A, P)));
	assert_false(kiso_value_truthy(kiso_str(A, "", P)));
	assert_true(kiso_value_truthy(kiso_str(A, "0", P)));
	assert_false(kiso_value_truthy(kiso_int(A, 0, P)));
	assert_false(kiso_value_truthy(kiso_float(A, 0.0, P)));
	assert_false(kiso_value_truthy(kiso_list_new(A, P)));
	assert_false(kiso_value_truthy(kiso_map_new(A, P)));
}

static void test_engine_value__json_like_python(void **state)
{
	struct kiso_value *m = kiso_map_new(A, P), *l = kiso_list_new(A, P);

	kiso_map_set(A, m, "b", kiso_str(A, "\"q\"\n\xc3\xa9\x01", P));
	kiso_map_set(A, m, "a", l);
	kiso_list_push(A, l, kiso_float(A, 1.0, P));
	kiso_list_push(A, l, kiso_null(A, P));
	kiso_list_push(A, l, kiso_map_new(A, P));
	kiso_list_push(A, l, kiso_bool(A, false, P));
	kiso_map_set(A, m, "e", kiso_list_new(A, P));
	assert_string_equal(json(m, -1, false, false),
			    "{\"b\": \"\\\"q\\\"\\n\xc3\xa9\\u0001\", \"a\": [1.0, null, {}, false], \"e\": []}");
	assert_string_equal(json(m, -1, true, true),
			    "{\"a\": [1.0, null, {}, false], \"b\": \"\\\"q\\\"\\n\\u00e9\\u0001\", \"e\": []}");
	assert_string_equal(json(l, 4, false, false),
			    "[\n    1.0,\n    null,\n    {},\n    false\n]");
	assert_string_equal(json(kiso_str(A, "\xf0\x9f\x98\x80", P), -1, false, true),
			    "\"\\ud83d\\ude00\"");
	assert_string_equal(json(kiso_float(A, INFINITY, P), -1, false, false), "Infinity");
}

static void test_engine_value__copy_is_deep(void **state)
{
	struct kiso_value *m = kiso_map_new(A, P), *l = kiso_list_new(A, P), *c;

	kiso_list_push(A, l, kiso_str(A, "x", P));
	kiso_map_set(A, m, "l", l);
	m->flags = KISO_VF_UNSAFE;
	c = kiso_value_copy(A, m);
	assert_true(kiso_value_equal(c, m));
	assert_int_equal(c->flags, KISO_VF_UNSAFE);
	kiso_list_push(A, l, kiso_str(A, "y", P));
	assert_false(kiso_value_equal(c, m));
	assert_ptr_not_equal(kiso_map_get(c, "l"), l);
}

static void test_engine_value__type_names(void **state)
{
	assert_string_equal(kiso_value_type_name(kiso_null(A, P)), "NoneType");
	assert_string_equal(kiso_value_type_name(kiso_map_new(A, P)), "dict");
	assert_string_equal(kiso_value_type_name(kiso_str(A, "", P)), "str");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_value__float_repr_matches_python),
		cmocka_unit_test(test_engine_value__repr_of_containers),
		cmocka_unit_test(test_engine_value__string_repr_quotes_like_python),
		cmocka_unit_test(test_engine_value__str_of_string_is_itself),
		cmocka_unit_test(test_engine_value__map_keeps_order_and_replaces),
		cmocka_unit_test(test_engine_value__map_non_string_keys),
		cmocka_unit_test(test_engine_value__python_equality),
		cmocka_unit_test(test_engine_value__python_ordering),
		cmocka_unit_test(test_engine_value__truthiness),
		cmocka_unit_test(test_engine_value__json_like_python),
		cmocka_unit_test(test_engine_value__copy_is_deep),
		cmocka_unit_test(test_engine_value__type_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
