/*
 * Unit tests for engine/template/literal.c: ast.literal_eval with
 * Ansible's Json2Python names, as ansible_eval_concat applies it.
 * Expected values are Python 3.11's (tuples shown as tuples).
 */
#include "helpers.h"

static const char *L(const char *text)
{
	struct kiso_value *v;

	if (tmpl_literal_eval(&v, A, text, strlen(text)) < 0)
		return "not a literal";
	return show(v, true);
}

static void test_engine_template_literal__values(void **state)
{
	static const struct tcase cases[] = {
		{ "[1, 2]", "list [1, 2]" },
		{ "[]", "list []" },
		{ "{}", "dict {}" },
		{ "{'a': 1, \"b\": [None, True, False]}", "dict {'a': 1, 'b': [None, True, False]}" },
		{ "[true, false, null]", "list [True, False, None]" },
		{ "True", "bool True" },
		{ "False", "bool False" },
		{ "['it\\'s', \"q\\\"\", '\\n', '\\x41']", "list [\"it's\", 'q\"', '\\n', 'A']" },
		{ "[r'\\d', u'x', 'a' 'b']", "list ['\\\\d', 'x', 'ab']" },
		{ "['''tri\nple''']", "list ['tri\\nple']" },
		{ "[0x10, 0o7, 0b11, 1_000, -5, +3, - 2]", "list [16, 7, 3, 1000, -5, 3, -2]" },
		{ "[1.5, 1e3, .5, 5., -2.5e-3]", "list [1.5, 1000.0, 0.5, 5.0, -0.0025]" },
		{ "[(1, 2), (3,), ()]", "list [(1, 2), (3,), ()]" },
		{ "[(1)]", "list [1]" },
		{ "{(1, 2): 'x'}", "dict {(1, 2): 'x'}" },
		{ "{'a': 1, 'a': 2}", "dict {'a': 2}" },
		{ "[1, 2,]", "list [1, 2]" },
		{ "[\n  1,\n  2\n]", "list [1, 2]" },
		{ "[1] # comment", "list [1]" },
		{ "[[[[]]]]", "list [[[[]]]]" },
		{ "['é', '\\u00e9']", "list ['é', 'é']" },
		/* not literals: Ansible keeps the string */
		{ "[1, 2", "not a literal" },
		{ "[1 2]", "not a literal" },
		{ "[a]", "not a literal" },
		{ "{1, 2}", "not a literal" },
		{ "[b'x']", "not a literal" },
		{ "[01]", "not a literal" },
		{ "[1] [2]", "not a literal" },
		{ "[[1]: 2]", "not a literal" },
		{ "{[1]: 2}", "not a literal" },
		{ "[f(1)]", "not a literal" },
		{ "['unterminated]", "not a literal" },
		{ "[1 + 2]", "not a literal" },
		{ "[99999999999999999999]", "not a literal" },
	};

	RUN(cases, L);
}

static void test_engine_template_literal__deep(void **state)
{
	struct kiso_buf b = KISO_BUF_INIT;

	for (int i = 0; i < 5000; i++)
		kiso_buf_putc(&b, '[');
	assert_string_equal(L(kiso_buf_cstr(&b)), "not a literal");
	for (int i = 0; i < 5000; i++)
		kiso_buf_putc(&b, ']');
	assert_string_equal(L(kiso_buf_cstr(&b)), "not a literal");
	kiso_buf_release(&b);
}

static void test_engine_template_literal__render(void **state)
{
	/* only output starting with '[' or '{', or exactly True/False, is converted */
	assert_string_equal(R("{{ '[1, 2]' }}"), "list [1, 2]");
	assert_string_equal(R("{{ ' [1, 2]' }}"), "str ' [1, 2]'");
	assert_string_equal(R("{{ '1' }}"), "str '1'");
	assert_string_equal(R("{{ 'None' }}"), "str 'None'");
	assert_string_equal(R("{{ 'True' }}"), "bool True");
	assert_string_equal(R("{{ 'true' }}"), "str 'true'");
	assert_string_equal(R("{{ '{\"a\": null}' }}"), "dict {'a': None}");
	assert_string_equal(R("[{{ i }}, '{{ s }}']"), "list [5, 'str']");
	assert_string_equal(R("{{ d.items() | list }}"), "list [['a', 1], ['b', [1, 2]]]");
	assert_string_equal(R("{{ (1, 2) }}"), "str '(1, 2)'");
	assert_string_equal(R("{{ '[oops' }}"), "str '[oops'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_template_literal__values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_literal__deep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_literal__render, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
