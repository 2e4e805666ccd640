/*
 * Unit tests for engine/inventory_literal.c: Python's ast.literal_eval().
 * The table was produced by Python 3.11's ast.literal_eval() (tuples and
 * sets shown as lists, which is what kiso makes of them; NULL: Python
 * raises ValueError or SyntaxError, or gives a complex number).
 */
#include "kiso_common.h"
#include "inventory_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static const struct {
	const char *in;
	const char *repr; /* NULL: not a literal */
} cases[] = {
	{ "1", "1" },
	{ "-1", "-1" },
	{ "+7", "7" },
	{ "- 3", "-3" },
	{ "-(4)", "-4" },
	{ "1_000", "1000" },
	{ "0x1F", "31" },
	{ "0o17", "15" },
	{ "0b101", "5" },
	{ "0X_ff", "255" },
	{ "00", "0" },
	{ "0755", NULL },
	{ "0_7", NULL },
	{ "1.5", "1.5" },
	{ ".5", "0.5" },
	{ "5.", "5.0" },
	{ "1e3", "1000.0" },
	{ "1E-2", "0.01" },
	{ "1_0.5", "10.5" },
	{ "1__0", NULL },
	{ "1_", NULL },
	{ "1e", NULL },
	{ "1j", NULL },
	{ "1+2j", NULL },
	{ "True", "True" },
	{ "False", "False" },
	{ "None", "None" },
	{ "true", NULL },
	{ "yes", NULL },
	{ "'abc'", "'abc'" },
	{ "\"abc\"", "'abc'" },
	{ "'a' \"b\"", "'ab'" },
	{ "'''it\\'s'''", "\"it's\"" },
	{ "r'\\d+'", "'\\\\d+'" },
	{ "b'bytes'", "'bytes'" },
	{ "u'uni'", "'uni'" },
	{ "f'x'", NULL },
	{ "'\\x41\\u00e9\\101\\n'", "'A\u00e9A\\n'" },
	{ "'\\q'", "'\\\\q'" },
	{ "'unterminated", NULL },
	{ "[1, 'a', [2]]", "[1, 'a', [2]]" },
	{ "[1, 2,]", "[1, 2]" },
	{ "[]", "[]" },
	{ "(1, 2)", "[1, 2]" },
	{ "(1,)", "[1]" },
	{ "()", "[]" },
	{ "(1)", "1" },
	{ "1, 2", "[1, 2]" },
	{ "1,", "[1]" },
	{ "{'a': 1, 'b': [None]}", "{'a': 1, 'b': [None]}" },
	{ "{}", "{}" },
	{ "{1: 'x', 'k': 2}", "{1: 'x', 'k': 2}" },
	{ "{1, 2, 2}", "[1, 2]" },
	{ "{[1]: 2}", NULL },
	{ "hello world", NULL },
	{ "1 + 2", NULL },
	{ "1 # comment", "1" },
	{ "'x' # c", "'x'" },
	{ "  1", "1" },
	{ "a=b", NULL },
	{ "[1,", NULL },
	{ "--1", NULL },
	{ "-True", NULL },
	{ "1.2.3", NULL },
	{ "1abc", NULL },
	{ "0x", NULL },
	{ "'\\N{DASH}'", NULL },
	{ "(((1)))", "1" },
	{ "[(1, 2), {'x': (3,)}]", "[[1, 2], {'x': [3]}]" },
};

static void test_engine_inventory_literal__table(void **state)
{
	struct kiso_arena *a = kiso_arena_new();

	for (size_t i = 0; i < KISO_ARRAY_SIZE(cases); i++) {
		struct kiso_value *v = NULL;
		int rc = kiso_inv_literal(&v, a, cases[i].in, strlen(cases[i].in), KISO_POS_NONE);

		if (!cases[i].repr) {
			if (rc == 0)
				fail_msg("'%s' should not be a literal", cases[i].in);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' should be a literal", cases[i].in);
		{
			struct kiso_buf b = KISO_BUF_INIT;

			kiso_value_repr(&b, v);
			if (strcmp(kiso_buf_cstr(&b), cases[i].repr) != 0)
				fail_msg("'%s' gave %s, not %s", cases[i].in, kiso_buf_cstr(&b),
					 cases[i].repr);
			kiso_buf_release(&b);
		}
	}
	kiso_arena_free(a);
}

static void test_engine_inventory_literal__types(void **state)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_value *v;

	assert_int_equal(kiso_inv_literal(&v, a, "9223372036854775807", 19, KISO_POS_NONE), 0);
	assert_int_equal(v->type, KISO_INT);
	assert_true(v->u.i == INT64_MAX);
	assert_int_equal(kiso_inv_literal(&v, a, "-9223372036854775808", 20, KISO_POS_NONE), 0);
	assert_true(v->u.i == INT64_MIN);
	/* beyond 64 bits: kept as text */
	assert_int_equal(kiso_inv_literal(&v, a, "9223372036854775808", 19, KISO_POS_NONE), -1);
	assert_int_equal(kiso_inv_literal(&v, a, "1.0", 3, KISO_POS_NONE), 0);
	assert_int_equal(v->type, KISO_FLOAT);
	assert_int_equal(kiso_inv_literal(&v, a, "'a\\x00b'", 8, KISO_POS_NONE), 0);
	assert_int_equal(v->type, KISO_STR);
	assert_int_equal(v->u.s.len, 3);
	/* NUL bytes in the source: Python refuses */
	assert_int_equal(kiso_inv_literal(&v, a, "1\0", 2, KISO_POS_NONE), -1);
	/* deep nesting is refused, not a crash */
	{
		char deep[1001];

		memset(deep, '[', 1000);
		deep[1000] = 0;
		assert_int_equal(kiso_inv_literal(&v, a, deep, 1000, KISO_POS_NONE), -1);
	}
	kiso_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_inventory_literal__table),
		cmocka_unit_test(test_engine_inventory_literal__types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
