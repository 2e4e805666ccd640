/*
 * Unit tests for engine/template/methods.c: the Python methods
 * templates call on strings, lists and dicts. The expected results of
 * the table are what jinja2 3.1 on Python 3.11 returns for the same
 * expressions.
 */
#include "helpers.h"

static void test_engine_template_methods__python(void **state)
{
	static const struct tcase cases[] = {
		{ "'a b  c'.split()", "list ['a', 'b', 'c']" },
		{ "' a b '.split(' ')", "list ['', 'a', 'b', '']" },
		{ "'a,b,,c'.split(',', 2)", "list ['a', 'b', ',c']" },
		{ "'a b c'.rsplit(None, 1)", "list ['a b', 'c']" },
		{ "'a-b-c'.rsplit('-', 1)", "list ['a-b', 'c']" },
		{ "'a-b-c'.rsplit('-')", "list ['a', 'b', 'c']" },
		{ "'  x  '.strip()", "str 'x'" },
		{ "'xxhixx'.strip('x')", "str 'hi'" },
		{ "'  x'.lstrip()", "str 'x'" },
		{ "'x  '.rstrip()", "str 'x'" },
		{ "'abc'.startswith('ab')", "bool True" },
		{ "'abc'.startswith(('x', 'a'))", "bool True" },
		{ "'abc'.endswith('bc')", "bool True" },
		{ "'Hello World'.lower()", "str 'hello world'" },
		{ "'Hello'.upper()", "str 'HELLO'" },
		{ "'hello world'.title()", "str 'Hello World'" },
		{ "\"they're bill's\".title()", "str \"They'Re Bill'S\"" },
		{ "'hELLO'.capitalize()", "str 'Hello'" },
		{ "'Hello'.swapcase()", "str 'hELLO'" },
		{ "'aaa'.replace('a', 'b', 2)", "str 'bba'" },
		{ "'abc'.replace('', '-')", "str '-a-b-c-'" },
		{ "'a.b'.replace('.', '')", "str 'ab'" },
		{ "'-'.join(['a', 'b'])", "str 'a-b'" },
		{ "''.join('abc')", "str 'abc'" },
		{ "'{} {}'.format(1, 'a')", "str '1 a'" },
		{ "'{0}{1}{0}'.format('a', 'b')", "str 'aba'" },
		{ "'{x}!'.format(x=5)", "str '5!'" },
		{ "'{:>5}|{:<4}|{:^7}|'.format('ab', 'c', 'mid')", "str '   ab|c   |  mid  |'" },
		{ "'{:05d}|{:.2f}|{:x}|{:,}'.format(42, 3.14159, 255, 1234567)", "str '00042|3.14|ff|1,234,567'" },
		{ "'{!r}'.format('a')", "str \"'a'\"" },
		{ "'{{}}{}'.format(1)", "str '{}1'" },
		{ "'{:b}'.format(5)", "str '101'" },
		{ "'{:+d}'.format(5)", "str '+5'" },
		{ "'{:.1%}'.format(0.256)", "str '25.6%'" },
		{ "'{0[1]}{1[a]}'.format([1, 2], {'a': 'x'})", "str '2x'" },
		{ "'{:*^9}'.format('mid')", "str '***mid***'" },
		{ "'{:8.3f}|'.format(2.5)", "str '   2.500|'" },
		{ "'abcabc'.count('bc')", "int 2" },
		{ "'abc'.find('c')", "int 2" },
		{ "'abc'.find('z')", "int -1" },
		{ "'abcabc'.rfind('b')", "int 4" },
		{ "'abc'.index('b')", "int 1" },
		{ "'a\\nb\\r\\nc\\n'.splitlines()", "list ['a', 'b', 'c']" },
		{ "'a\\nb'.splitlines(True)", "list ['a\\n', 'b']" },
		{ "'123'.isdigit()", "bool True" },
		{ "''.isdigit()", "bool False" },
		{ "'abc'.isalpha()", "bool True" },
		{ "'ab1'.isalnum()", "bool True" },
		{ "' \\t'.isspace()", "bool True" },
		{ "'abc'.islower()", "bool True" },
		{ "'ABC'.isupper()", "bool True" },
		{ "'123'.islower()", "bool False" },
		{ "'x'.center(5, '*')", "str '**x**'" },
		{ "'ab'.center(5)", "str '  ab '" },
		{ "'abc'.center(6)", "str ' abc  '" },
		{ "'ab'.ljust(4, '.')", "str 'ab..'" },
		{ "'ab'.rjust(4)", "str '  ab'" },
		{ "'-42'.zfill(5)", "str '-0042'" },
		{ "'a.b.c'.partition('.')", "list ('a', '.', 'b.c')" },
		{ "'a.b.c'.rpartition('.')", "list ('a.b', '.', 'c')" },
		{ "'abc'.partition('x')", "list ('abc', '', '')" },
		{ "'abc'.rpartition('x')", "list ('', '', 'abc')" },
		{ "[1, 2, 3].index(2)", "int 1" },
		{ "[1, 1, 2].count(1)", "int 2" },
		{ "{'a': 1}.get('a')", "int 1" },
		{ "{'a': 1}.get('b')", "NoneType None" },
		{ "{'a': 1}.get('b', 0)", "int 0" },
		{ "{'a': 1, 'b': 2}.items()|list", "list [('a', 1), ('b', 2)]" },
		{ "{'a': 1}.keys()|list", "list ['a']" },
		{ "{'a': 1}.values()|list", "list [1]" },
		{ "'x y'.split(maxsplit=1)", "list ['x', 'y']" },
		{ "'abc'.casefold()", "str 'abc'" },
		{ "'a1'.isidentifier()", "bool True" },
		{ "{'a': 1}.copy()", "dict {'a': 1}" },
		{ "[1, 2].copy()", "list [1, 2]" },
	};

	RUN(cases, E);
}

static void test_engine_template_methods__unicode_case(void **state)
{
	/* as Python 3.11, except full mappings such as 'ß'.upper() == 'SS' */
	static const struct tcase cases[] = {
		{ "'héLLo wörld'.upper()", "str 'HÉLLO WÖRLD'" },
		{ "'ÉCOLE'.lower()", "str 'école'" },
		{ "'élan vital'.title()", "str 'Élan Vital'" },
		{ "'Ça Va'.swapcase()", "str 'çA vA'" },
		{ "'éA'.capitalize()", "str 'Éa'" },
		{ "'Привет'.upper()", "str 'ПРИВЕТ'" },
	};

	RUN(cases, E);
}

static void test_engine_template_methods__errors(void **state)
{
	static const struct tcase cases[] = {
		{ "'abc'.index('z')", "ERROR t.yml:1:12: substring not found" },
		{ "[1].index(5)", "ERROR t.yml:1:10: 5 is not in list" },
		{ "'a'.split('')", "ERROR t.yml:1:10: empty separator" },
		{ "'a'.split(1)", "ERROR t.yml:1:10: split() argument sep must be str, not int" },
		{ "'-'.join([1, 2])", "ERROR t.yml:1:9: sequence item 0: expected str instance, int found" },
		{ "'a'.replace('a')", "ERROR t.yml:1:12: str.replace() takes at least 2 arguments (1 given)" },
		{ "'a'.upper(1)", "ERROR t.yml:1:10: str.upper() takes at most 0 arguments (1 given)" },
		{ "'{} {}'.format(1)", "ERROR t.yml:1:15: Replacement index 1 out of range for positional args tuple" },
		{ "'{x}'.format(y=1)", "ERROR t.yml:1:13: 'x'" },
		{ "'{'.format()", "ERROR t.yml:1:11: Single '{' encountered in format string" },
		{ "'{:d}'.format('a')", "ERROR t.yml:1:14: unknown format code 'd' for object of type 'str'" },
		{ "'x'.center(3, 'ab')", "ERROR t.yml:1:11: The fill character must be exactly one character long" },
	};

	RUN(cases, E);
}

static void test_engine_template_methods__mutation(void **state)
{
	/* lists and dicts the template built may change, as in Jinja2 */
	assert_string_equal(T("{% set r = [] %}{% for x in l %}{{ r.append(x * 2) }}{% endfor %}{{ r }}"),
			    "str [2, 4, 6]");
	assert_string_equal(T("{% set r = [0] %}{% set _ = r.extend(l) %}{{ r }}"), "str [0, 1, 2, 3]");
	assert_string_equal(T("{% set m = {} %}{% set _ = m.update({'a': 1}, b=2) %}{{ m }}"),
			    "str {'a': 1, 'b': 2}");
	assert_string_equal(T("{% set c = d.copy() %}{% set _ = c.update(z=0) %}{{ c }}|{{ d }}"),
			    "str {'a': 1, 'b': [1, 2], 'z': 0}|{'a': 1, 'b': [1, 2]}");
	/* variables are shared between hosts and templates: never changed in place */
	assert_string_equal(T("{{ l.append(4) }}"),
			    "ERROR t.yml:1:12: cannot change a variable in place with append() (kiso variables are immutable; build a new value with '+' or filters)");
	assert_string_equal(T("{{ d.update(a=2) }}"),
			    "ERROR t.yml:1:12: cannot change a variable in place with update() (kiso variables are immutable; build a new value with '+' or filters)");
	assert_string_equal(E("(1, 2).append(3)"), "ERROR t.yml:1:14: 'tuple' object has no attribute 'append'");
	assert_string_equal(E("l"), "list [1, 2, 3]");
	/* results of eval are not changeable by later renders */
	assert_string_equal(E("[1]"), "list [1]");
	assert_false(LAST->flags & TMPL_VF_OWNED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_template_methods__python, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_methods__unicode_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_methods__errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_methods__mutation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
