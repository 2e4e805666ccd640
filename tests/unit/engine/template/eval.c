/*
 * Unit tests for engine/template/eval.c: Python arithmetic and
 * comparison semantics, attribute/item access, undefined handling,
 * Python's error messages, and the limits that keep hostile templates
 * from exhausting memory or time.
 */
#include "helpers.h"

static void test_engine_template_eval__arithmetic(void **state)
{
	static const struct tcase cases[] = {
		{ "7 / 2", "float 3.5" },
		{ "4 / 2", "float 2.0" },
		{ "-7 // 2", "int -4" },
		{ "7 // -2", "int -4" },
		{ "-7 % 3", "int 2" },
		{ "7 % -3", "int -2" },
		{ "-7.5 // 2", "float -4.0" },
		{ "7.5 % 2", "float 1.5" },
		{ "-7.5 % 2", "float 0.5" },
		{ "2 ** 10", "int 1024" },
		{ "2 ** -1", "float 0.5" },
		{ "4 ** 0.5", "float 2.0" },
		{ "True + True", "int 2" },
		{ "1 + 1.5", "float 2.5" },
		{ "'ab' * 3", "str 'ababab'" },
		{ "3 * 'ab'", "str 'ababab'" },
		{ "'ab' * -1", "str ''" },
		{ "[1] * 2 + [2]", "list [1, 1, 2]" },
		{ "(1,) + (2,)", "list (1, 2)" },
		{ "'a' ~ 1 ~ none ~ [1] ~ true", "str 'a1None[1]True'" },
		{ "'%s=%d' % ('a', 5)", "str 'a=5'" },
		{ "'%05.2f|%-3s|%x|%%' % (3.14159, 'a', 255)", "str '03.14|a  |ff|%'" },
		{ "'%s' % [1, 2]", "str '[1, 2]'" },
		{ "'%(a)s-%(b)05d|%%' % {'a': 'x', 'b': 7}", "str 'x-00007|%'" },
		{ "'%s' % {'a': 1}", "str \"{'a': 1}\"" },
		{ "-i", "int -5" },
		{ "+f", "float 1.5" },
		{ "9223372036854775807 - 1", "int 9223372036854775806" },
	};

	RUN(cases, E);
}

static void test_engine_template_eval__arithmetic_errors(void **state)
{
	static const struct tcase cases[] = {
		{ "1 / 0", "ERROR t.yml:1:3: division by zero" },
		{ "1 // 0", "ERROR t.yml:1:3: integer division or modulo by zero" },
		{ "1 % 0", "ERROR t.yml:1:3: integer modulo by zero" },
		{ "1.0 // 0", "ERROR t.yml:1:5: float floor division by zero" },
		{ "0 ** -1", "ERROR t.yml:1:3: 0.0 cannot be raised to a negative power" },
		{ "1 + 'a'", "ERROR t.yml:1:3: unsupported operand type(s) for +: 'int' and 'str'" },
		{ "'a' + 1", "ERROR t.yml:1:5: can only concatenate str (not \"int\") to str" },
		{ "[] + 1", "ERROR t.yml:1:4: can only concatenate list (not \"int\") to list" },
		{ "'a' - 'b'", "ERROR t.yml:1:5: unsupported operand type(s) for -: 'str' and 'str'" },
		{ "'a' * 'b'", "ERROR t.yml:1:5: can't multiply sequence by non-int of type 'str'" },
		{ "'a' * 1.5", "ERROR t.yml:1:5: can't multiply sequence by non-int of type 'float'" },
		{ "-'a'", "ERROR t.yml:1:1: bad operand type for unary -: 'str'" },
		{ "{} + {}", "ERROR t.yml:1:4: unsupported operand type(s) for +: 'dict' and 'dict'" },
		{ "'%d' % 'x'", "ERROR t.yml:1:6: %d format: a real number is required, not str" },
		{ "'%s %s' % ('a',)", "ERROR t.yml:1:9: not enough arguments for format string" },
		{ "'%s' % ('a', 'b')", "ERROR t.yml:1:6: not all arguments converted during string formatting" },
		{ "'%(z)s' % {'a': 1}", "ERROR t.yml:1:9: 'z'" },
		{ "'%(a)s' % (1,)", "ERROR t.yml:1:9: format requires a mapping" },
		/* kiso's integers are 64-bit */
		{ "9223372036854775807 + 1", "ERROR t.yml:1:21: integer overflow (kiso integers are 64-bit)" },
		{ "2 ** 64", "ERROR t.yml:1:3: integer overflow (kiso integers are 64-bit)" },
	};

	RUN(cases, E);
}

static void test_engine_template_eval__comparisons(void **state)
{
	static const struct tcase cases[] = {
		{ "1 == 1.0", "bool True" },
		{ "1 == True", "bool True" },
		{ "'1' == 1", "bool False" },
		{ "[1, 2] < [1, 3]", "bool True" },
		{ "'abc' < 'abd'", "bool True" },
		{ "1 < 2 < 3", "bool True" },
		{ "3 > 2 > 2", "bool False" },
		{ "2 >= 2 <= 3", "bool True" },
		{ "d == {'a': 1, 'b': [1, 2]}", "bool True" },
		{ "n == none", "bool True" },
		{ "'tr' in s", "bool True" },
		{ "'' in s", "bool True" },
		{ "2 in l", "bool True" },
		{ "2.0 in l", "bool True" },
		{ "'a' in d", "bool True" },
		{ "'z' not in d", "bool True" },
		{ "0 or ''", "str ''" },
		{ "0 or 'x'", "str 'x'" },
		{ "1 and []", "list []" },
		{ "n or e or 'last'", "str 'last'" },
		{ "1 < 'a'", "ERROR t.yml:1:5: '<' not supported between instances of 'int' and 'str'" },
		{ "{} <= {}", "ERROR t.yml:1:7: '<=' not supported between instances of 'dict' and 'dict'" },
		{ "1 in 5", "ERROR t.yml:1:6: argument of type 'int' is not iterable" },
		{ "1 in 'abc'", "ERROR t.yml:1:6: 'in <string>' requires string as left operand, not int" },
		{ "[1] in d", "ERROR t.yml:1:8: unhashable type: 'list'" },
	};

	RUN(cases, E);
}

static void test_engine_template_eval__access(void **state)
{
	static const struct tcase cases[] = {
		{ "d.a", "int 1" },
		{ "d['a']", "int 1" },
		{ "d.b.0", "int 1" },
		{ "d.b[-1]", "int 2" },
		{ "l[1:]", "list [2, 3]" },
		{ "l[:-1]", "list [1, 2]" },
		{ "l[::-1]", "list [3, 2, 1]" },
		{ "l[5:]", "list []" },
		{ "l[-10:1]", "list [1]" },
		{ "s[0]", "str 's'" },
		{ "s[-1]", "str 'r'" },
		{ "s[::-1]", "str 'rts'" },
		{ "'héllo'[1]", "str 'é'" },
		{ "'héllo'[1:3]", "str 'él'" },
		{ "users[0].name", "str 'bob'" },
		{ "users | map(attribute='uid') | list", "list [1001, 1000]" },
		{ "nested.x.y", "str 'deep'" },
		{ "nested['x']['y']", "str 'deep'" },
		/* a dict's methods win over its keys for '.', keys win for [] */
		{ "{'items': 1}['items']", "int 1" },
		{ "{'items': 1}.items()", "list [('items', 1)]" },
		{ "{'x': 1}.x", "int 1" },
		{ "{1: 'one'}[1]", "str 'one'" },
		{ "{1: 'one'}[1.0]", "str 'one'" },
		{ "{(1, 2): 'p'}[(1, 2)]", "str 'p'" },
		{ "l[1, 2]", "ERROR t.yml:1:2: list object has no element (1, 2)" },
		{ "s.nope", "ERROR t.yml:1:3: 'str object' has no attribute 'nope'" },
		{ "l[::0]", "ERROR t.yml:1:3: slice step cannot be zero" },
		{ "l['a':]", "ERROR t.yml:1:3: slice indices must be integers or None or have an __index__ method" },
		{ "5()", "ERROR t.yml:1:2: 'int' object is not callable" },
		{ "nope()", "ERROR t.yml:1:1: 'nope' is undefined" },
		{ "s.nosuchmethod()", "ERROR t.yml:1:3: 'str object' has no attribute 'nosuchmethod'" },
		{ "{[1]: 2}", "ERROR t.yml:1:2: unhashable type: 'list'" },
	};

	RUN(cases, E);
}

static void test_engine_template_eval__loop_object(void **state)
{
	assert_string_equal(T("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
			      "{{ loop.revindex0 }}{{ loop.first|int }}{{ loop.last|int }}{{ loop.length }} {% endfor %}"),
			    "str 1032103 2121003 3210013 ");
	assert_string_equal(T("{% for x in l %}{{ loop.cycle('a', 'b') }}{% endfor %}"), "str aba");
	assert_string_equal(T("{% for x in l %}{% if loop.previtem is defined %}{{ loop.previtem }}{% endif %}<{{ x }}>{% endfor %}"),
			    "str <1>1<2>2<3>");
	assert_string_equal(T("{% for x in l %}{{ loop.nextitem | default('end') }}{% endfor %}"), "str 23end");
	assert_string_equal(T("{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{% endfor %}"), "str TrueFalseTrue");
	assert_string_equal(T("{% for x in l %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}"), "str 101010");
	assert_string_equal(T("{% for x in l %}{{ loop.cycle() }}{% endfor %}"),
			    "ERROR t.yml:1:30: no items for cycling given");
	assert_string_equal(T("{% for x in l %}{{ loop.nope }}{% endfor %}"),
			    "ERROR t.yml:1:25: 'LoopContext object' has no attribute 'nope'");
	/* iterating a dict gives its keys, a string its characters */
	assert_string_equal(T("{% for k in d %}{{ k }}{% endfor %}{% for c in 'hé' %}[{{ c }}]{% endfor %}"),
			    "str ab[h][é]");
	assert_string_equal(T("{% for x in i %}{% endfor %}"), "ERROR t.yml:1:13: 'int' object is not iterable");
}

static void test_engine_template_eval__limits(void **state)
{
	assert_string_equal(E("range(10000000000)"),
			    "ERROR t.yml:1:6: range too big (10000000000 items, kiso allows 10000000)");
	assert_string_equal(E("'ab' * 10000000000"), "ERROR t.yml:1:6: string too long (more than 268435456 bytes)");
	assert_string_equal(E("[1, 2] * 10000000000"), "ERROR t.yml:1:8: list too long (more than 10000000 items)");
	/* the number of loop iterations is bounded too */
	size_t saved = tmpl_limits.max_steps;

	tmpl_limits.max_steps = 1000;
	assert_string_equal(T("{% for a in range(100) %}{% for b in range(100) %}{% endfor %}{% endfor %}"),
			    "ERROR t.yml:1:29: template too expensive (more than 1000 loop iterations and calls)");
	tmpl_limits.max_steps = saved;
	/* deep expressions inside recursive macros: the C stack is bounded too */
	struct kiso_buf b = KISO_BUF_INIT;

	kiso_buf_puts(&b, "{% macro m(n) %}{{ ");
	for (int k = 0; k < 80; k++)
		kiso_buf_puts(&b, "not ");
	kiso_buf_puts(&b, "m(n + 1)");
	kiso_buf_puts(&b, " }}{% endmacro %}{{ m(0) }}");
	assert_non_null(strstr(T(kiso_buf_cstr(&b)), "template nested too deeply"));
	kiso_buf_release(&b);
	/* and the output */
	saved = tmpl_limits.max_str;
	tmpl_limits.max_str = 100;
	assert_string_equal(T("{% for a in range(100) %}xx{% endfor %}"),
			    "ERROR t.yml:1:26: template output too big (more than 100 bytes)");
	tmpl_limits.max_str = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_template_eval__arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_eval__arithmetic_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_eval__comparisons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_eval__access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_eval__loop_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_eval__limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
