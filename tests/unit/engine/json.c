/*
 * Unit tests for engine/json.c: Python's json.loads() rules and its error
 * positions (the expected line:col values are what Python reported for
 * the same text when these tests were written).
 */
#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "value.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static struct kiso_arena *A;

static int setup(void **state)
{
	A = kiso_arena_new();
	return 0;
}

static int teardown(void **state)
{
	kiso_arena_free(A);
	A = NULL;
	return 0;
}

static struct kiso_value *parse(const char *text)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL;

	if (kiso_json_parse(&v, A, text, strlen(text), "t.json", &err) < 0)
		fail_msg("unexpected error: %d:%d: %s", err.pos.line, err.pos.col, err.msg);
	return v;
}

static char *dumps(const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	kiso_value_json(&b, v, -1, false);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

/* Parse and print back: json.dumps(json.loads(text)). */
static char *rt(const char *text)
{
	return dumps(parse(text));
}

static char *perr(const char *text)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL;

	if (kiso_json_parse(&v, A, text, strlen(text), "t.json", &err) == 0)
		fail_msg("expected an error for '%s'", text);
	assert_int_equal(err.code, KISO_ESYNTAX);
	assert_string_equal(err.pos.file, "t.json");
	return kiso_arena_sprintf(A, "%d:%d: %s", err.pos.line, err.pos.col, err.msg);
}

static void test_engine_json__objects_keep_order(void **state)
{
	struct kiso_value *v = parse("{\"b\": 1, \"a\": 2, \"c\": {\"z\": [], \"y\": {}}}");

	assert_int_equal(v->type, KISO_MAP);
	assert_string_equal(v->u.map.items[0].key->u.s.ptr, "b");
	assert_string_equal(v->u.map.items[1].key->u.s.ptr, "a");
	assert_string_equal(dumps(v), "{\"b\": 1, \"a\": 2, \"c\": {\"z\": [], \"y\": {}}}");
}

static void test_engine_json__duplicate_keys_later_wins(void **state)
{
	assert_string_equal(rt("{\"a\": 1, \"b\": 2, \"a\": 3}"), "{\"a\": 3, \"b\": 2}");
}

static void test_engine_json__ints_and_floats(void **state)
{
	struct kiso_value *v = parse("[1, -0, 1.0, -1.5e3, 1E+2, 0.5e-1, 9223372036854775807, "
				     "-9223372036854775808]");

	assert_int_equal(v->u.list.items[0]->type, KISO_INT);
	assert_int_equal(v->u.list.items[1]->type, KISO_INT);
	assert_int_equal(v->u.list.items[2]->type, KISO_FLOAT);
	assert_int_equal(v->u.list.items[4]->type, KISO_FLOAT);
	assert_true(v->u.list.items[6]->u.i == INT64_MAX);
	assert_true(v->u.list.items[7]->u.i == INT64_MIN);
	assert_string_equal(dumps(v), "[1, 0, 1.0, -1500.0, 100.0, 0.05, 9223372036854775807, "
				      "-9223372036854775808]");
	/* beyond int64: the digits as a string */
	v = parse("12345678901234567890");
	assert_int_equal(v->type, KISO_STR);
	assert_string_equal(v->u.s.ptr, "12345678901234567890");
	assert_string_equal(rt("[1e999, -1e999, 1e-999]"), "[Infinity, -Infinity, 0.0]");
}

static void test_engine_json__nan_and_infinity(void **state)
{
	struct kiso_value *v = parse("[NaN, Infinity, -Infinity]");

	assert_true(isnan(v->u.list.items[0]->u.f));
	assert_true(isinf(v->u.list.items[1]->u.f) && v->u.list.items[1]->u.f > 0);
	assert_true(isinf(v->u.list.items[2]->u.f) && v->u.list.items[2]->u.f < 0);
}

static void test_engine_json__literals(void **state)
{
	assert_string_equal(rt(" \t\r\n[true, false, null] \n"), "[true, false, null]");
	assert_int_equal(parse("true")->type, KISO_BOOL);
	assert_int_equal(parse("null")->type, KISO_NULL);
}

static void test_engine_json__string_escapes(void **state)
{
	struct kiso_value *v = parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u4e2d\"");

	assert_string_equal(v->u.s.ptr, "q\" b\\ s/ \b\f\n\r\t é 中");
	/* a surrogate pair is one character, four UTF-8 bytes */
	v = parse("\"\\ud83d\\ude00\"");
	assert_string_equal(v->u.s.ptr, "\xF0\x9F\x98\x80");
	assert_int_equal(v->u.s.len, 4);
	/* a lone surrogate cannot be UTF-8: U+FFFD */
	assert_string_equal(parse("\"\\ud800x\"")->u.s.ptr, "\xEF\xBF\xBDx");
	assert_string_equal(parse("\"\\ud83d\\u0041\"")->u.s.ptr, "\xEF\xBF\xBD" "A");
	/* \u0000 keeps its NUL inside the length */
	v = parse("\"a\\u0000b\"");
	assert_int_equal(v->u.s.len, 3);
	assert_int_equal(v->u.s.ptr[1], '\0');
	/* raw UTF-8 and DEL pass through */
	assert_string_equal(parse("\"caf\xC3\xA9\x7f\"")->u.s.ptr, "caf\xC3\xA9\x7f");
}

static void test_engine_json__positions(void **state)
{
	struct kiso_value *v = parse("{\n  \"a\": [1,\n        \"é\", {\"b\": null}]\n}");
	struct kiso_value *a = kiso_map_get(v, "a");

	assert_int_equal(v->pos.line, 1);
	assert_int_equal(v->pos.col, 1);
	assert_int_equal(a->pos.line, 2);
	assert_int_equal(a->pos.col, 8);
	assert_int_equal(a->u.list.items[0]->pos.col, 9);
	assert_int_equal(a->u.list.items[1]->pos.line, 3);
	assert_int_equal(a->u.list.items[1]->pos.col, 9);
	/* columns count characters: "é" is one */
	assert_int_equal(a->u.list.items[2]->pos.col, 14);
	assert_int_equal(kiso_map_get(a->u.list.items[2], "b")->pos.col, 20);
}

static void test_engine_json__errors_like_python(void **state)
{
	assert_string_equal(perr(""), "1:1: expecting value");
	assert_string_equal(perr("[1,"), "1:4: expecting value");
	assert_string_equal(perr("{\"a\" 1}"), "1:6: expecting ':' delimiter");
	assert_string_equal(perr("{a:1}"), "1:2: expecting property name enclosed in double quotes");
	assert_string_equal(perr("[1 2]"), "1:4: expecting ',' delimiter");
	assert_string_equal(perr("{\"a\":1"), "1:7: expecting ',' delimiter");
	assert_string_equal(perr("01"), "1:2: extra data");
	assert_string_equal(perr("1."), "1:2: extra data");
	assert_string_equal(perr("[1]x"), "1:4: extra data");
	assert_string_equal(perr("\"é\" x"), "1:5: extra data");
	assert_string_equal(perr("-"), "1:1: expecting value");
	assert_string_equal(perr("tru"), "1:1: expecting value");
	assert_string_equal(perr("[1.e5]"), "1:3: expecting ',' delimiter");
	assert_string_equal(perr("  \n  [1,\n  x]"), "3:3: expecting value");
	assert_string_equal(perr("\xEF\xBB\xBF" "1"), "1:1: unexpected UTF-8 BOM (decode using utf-8-sig)");
}

static void test_engine_json__trailing_commas(void **state)
{
	assert_string_equal(perr("{\"a\":1,}"), "1:8: expecting property name enclosed in double quotes");
	assert_string_equal(perr("[1,]"), "1:4: expecting value");
	assert_string_equal(perr("[\n \"é\", \n  ]"), "3:3: expecting value");
}

static void test_engine_json__string_errors(void **state)
{
	assert_string_equal(perr("\"abc"), "1:1: unterminated string starting here");
	assert_string_equal(perr("[\"abc\\"), "1:2: unterminated string starting here");
	assert_string_equal(perr("\"a\x01\""), "1:3: invalid control character in string");
	assert_string_equal(perr("\"a\nb\""), "1:3: invalid control character in string");
	assert_string_equal(perr("\"\\q\""), "1:2: invalid \\escape");
	assert_string_equal(perr("\"\\u12\""), "1:3: invalid \\uXXXX escape");
	assert_string_equal(perr("\"\\u00zz\""), "1:3: invalid \\uXXXX escape");
}

static void test_engine_json__nul_and_length(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v;

	/* only len bytes are read */
	assert_int_equal(kiso_json_parse(&v, A, "[1]garbage", 3, "t.json", &err), 0);
	assert_string_equal(dumps(v), "[1]");
	assert_true(kiso_json_parse(&v, A, "[1]\0", 4, "t.json", &err) < 0);
	assert_string_equal(err.msg, "extra data");
	assert_int_equal(kiso_json_parse(&v, A, NULL, 0, "t.json", &err), KISO_ESYNTAX);
}

static void test_engine_json__nesting_limit(void **state)
{
	size_t n = KISO_JSON_MAX_DEPTH + 1;
	char *deep = kiso_arena_alloc(A, 2 * n + 1);

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	assert_string_equal(perr(deep), "1:1001: maximum nesting depth exceeded");
	deep[0] = ' ';
	deep[2 * n - 1] = ' ';
	assert_int_equal(parse(deep)->type, KISO_LIST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_json__objects_keep_order),
		cmocka_unit_test(test_engine_json__duplicate_keys_later_wins),
		cmocka_unit_test(test_engine_json__ints_and_floats),
		cmocka_unit_test(test_engine_json__nan_and_infinity),
		cmocka_unit_test(test_engine_json__literals),
		cmocka_unit_test(test_engine_json__string_escapes),
		cmocka_unit_test(test_engine_json__positions),
		cmocka_unit_test(test_engine_json__errors_like_python),
		cmocka_unit_test(test_engine_json__trailing_commas),
		cmocka_unit_test(test_engine_json__string_errors),
		cmocka_unit_test(test_engine_json__nul_and_length),
		cmocka_unit_test(test_engine_json__nesting_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
