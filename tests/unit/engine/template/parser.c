/*
 * Unit tests for engine/template/parser.c: Jinja2's precedence and
 * grammar corners (checked against jinja2 3.1 on this machine), and
 * every syntax error with its message and line:col.
 */
#include "helpers.h"

static void test_engine_template_parser__precedence(void **state)
{
	static const struct tcase cases[] = {
		{ "-2 ** 2", "int 4" },              /* Jinja2: unary binds tighter than ** */
		{ "2 ** 3 ** 2", "int 64" },         /* and ** is left-associative */
		{ "1 + 2 * 3", "int 7" },
		{ "(1 + 2) * 3", "int 9" },
		{ "10 - 2 - 3", "int 5" },
		{ "2 * 3 % 4", "int 2" },
		{ "'a' ~ 1 + 2 ~ 'b'", "str 'a12b'" },  /* '~' binds tighter than '+' */
		{ "not 1 == 2", "bool True" },
		{ "not 1 and 0", "bool False" },
		{ "1 or 0 and 0", "int 1" },
		{ "1 < 2 == 2", "bool True" },
		{ "3 - 1 | abs", "int 2" },
		{ "-3 | abs", "int 3" },
		{ "[1, 2] | length * 2", "int 4" },
		{ "1 if 0 else 2 if 1 else 3", "int 2" },
		{ "1 in [1] and 2 not in [1]", "bool True" },
		{ "'x' ~ 1 if 0 else 'y'", "str 'y'" },
		{ "d.b[1] + l[0]", "int 3" },
		{ "(1, 2)[1]", "int 2" },
		{ "[1, 2, 3][1:][0]", "int 2" },
		{ "'abc'.upper()[1]", "str 'B'" },
		{ "d.get('a') | string ~ '!'", "str '1!'" },
		{ "not not 1", "bool True" },
		{ "- - 1", "int 1" },
		{ "2 * -1", "int -2" },
		{ "l | first + 1", "int 2" },
		{ "{'a': 1}.a", "int 1" },
		{ "6 // 4 * 2", "int 2" },
		{ "7 - -1", "int 8" },
		{ "i is divisibleby 5", "bool True" },
		{ "i is not divisibleby(3)", "bool True" },
		{ "l | map('string') | join('-')", "str '1-2-3'" },
		{ "l|join(d=1) if false else 0", "int 0" },
		{ "(1,)", "list (1,)" },
		{ "()", "list ()" },
		{ "[1, 2,]", "list [1, 2]" },
		{ "{'a': 1, 'b': 2,}", "dict {'a': 1, 'b': 2}" },
		{ "'a' 'b'", "str 'ab'" },
		{ "s|upper()", "str 'STR'" },
		{ "i is ansible.builtin.number", "bool True" },
		{ "s | ansible.builtin.upper", "str 'STR'" },
	};

	RUN(cases, E);
}

static void test_engine_template_parser__syntax_errors(void **state)
{
	static const struct tcase cases[] = {
		{ "{{ x y }}", "ERROR t.yml:1:6: expected token 'end of print statement', got 'y'" },
		{ "{{ a = 1 }}", "ERROR t.yml:1:6: expected token 'end of print statement', got '='" },
		{ "{% if 1 %}", "ERROR t.yml:1:11: unexpected end of template, expected 'elif' or 'else' or 'endif'" },
		{ "{% if 1 %}{% else %}", "ERROR t.yml:1:21: unexpected end of template, expected 'endif'" },
		{ "{% for x in l %}\n\n", "ERROR t.yml:2:1: unexpected end of template, expected 'endfor' or 'else'" },
		{ "{% set x %}", "ERROR t.yml:1:12: unexpected end of template, expected 'endset'" },
		{ "{% macro m() %}", "ERROR t.yml:1:16: unexpected end of template, expected 'endmacro'" },
		{ "{{ 1 | nosuchfilter }}", "ERROR t.yml:1:8: no filter named 'nosuchfilter'" },
		{ "{{ 1 | a.b.c }}", "ERROR t.yml:1:8: no filter named 'a.b.c'" },
		{ "{{ 1 is nosuchtest }}", "ERROR t.yml:1:9: no test named 'nosuchtest'" },
		{ "{% set x | nosuch %}{% endset %}", "ERROR t.yml:1:12: no filter named 'nosuch'" },
		{ "{{ 1 + }}", "ERROR t.yml:1:8: unexpected 'end of print statement'" },
		{ "{{ 1 +", "ERROR t.yml:1:7: unexpected end of template" },
		{ "{{ }}", "ERROR t.yml:1:4: expected an expression, got 'end of print statement'" },
		{ "{% for %}", "ERROR t.yml:1:8: expected an expression, got 'end of statement block'" },
		{ "{% for x %}", "ERROR t.yml:1:10: expected token 'in', got 'end of statement block'" },
		{ "{% for 1 in l %}{% endfor %}", "ERROR t.yml:1:8: can't assign to 'const'" },
		{ "{% set 1 = 2 %}", "ERROR t.yml:1:8: can't assign to 'const'" },
		{ "{% set x.y.z = 2 %}", "ERROR t.yml:1:11: expected token '=', got '.'" },
		{ "{% bla %}", "ERROR t.yml:1:4: encountered unknown tag 'bla'" },
		{ "{% endif %}", "ERROR t.yml:1:4: encountered unknown tag 'endif'" },
		{ "{% if 1 %}{% endfor %}", "ERROR t.yml:1:14: encountered unknown tag 'endfor', expected 'elif' or 'else' or 'endif'" },
		{ "{% for x in l %}{% endif %}", "ERROR t.yml:1:20: encountered unknown tag 'endif', expected 'endfor' or 'else'" },
		{ "{% if 1 %}{% endif x %}", "ERROR t.yml:1:20: expected token 'end of statement block', got 'x'" },
		{ "{% %}", "ERROR t.yml:1:4: tag name expected" },
		{ "{{ foo( }}", "ERROR t.yml:1:9: unexpected '}', expected ')'" },
		{ "{{ f(a=1, 2) }}", "ERROR t.yml:1:11: invalid syntax for function call expression" },
		{ "{{ f(*x) }}", "ERROR t.yml:1:6: '*args' and '**kwargs' calls are not supported" },
		{ "{{ 1 is odd is odd }}", "ERROR t.yml:1:13: you cannot chain multiple tests with is" },
		{ "{{ x. }}", "ERROR t.yml:1:7: expected name or number" },
		{ "{{ x[] }}", "ERROR t.yml:1:5: expected an expression, got ']'" },
		{ "{{ x[1, ::2] }}", "ERROR t.yml:1:9: slices in a tuple subscript are not supported" },
		{ "{% macro m(a=1, b) %}{% endmacro %}", "ERROR t.yml:1:17: non-default argument follows default argument" },
		{ "{% for x in l if x recursive %}{% endfor %}x", "str x" },
		{ "{% for x in l recursive if x %}{% endfor %}", "ERROR t.yml:1:25: expected token 'end of statement block', got 'if'" },
		{ "{% block a %}{% endblock %}\n{% block a %}{% endblock %}", "ERROR t.yml:2:4: block 'a' defined twice" },
		{ "{% block a %}{% block b %}{% block a %}{% endblock %}{% endblock %}{% endblock %}", "ERROR t.yml:1:30: block 'a' defined twice" },
		{ "{% block a required %} x {% endblock %}", "ERROR t.yml:1:4: required blocks can only contain comments or whitespace" },
		{ "{% block a required %}{{ 1 }}{% endblock %}", "ERROR t.yml:1:4: required blocks can only contain comments or whitespace" },
		{ "x {% endblock %}", "ERROR t.yml:1:6: encountered unknown tag 'endblock'" },
		{ "{% block a %}", "ERROR t.yml:1:14: unexpected end of template, expected 'endblock'" },
		{ "{% block %}{% endblock %}", "ERROR t.yml:1:10: expected token 'name', got 'end of statement block'" },
		{ "{% block a %}{% endblock b %}", "ERROR t.yml:1:26: expected token 'end of statement block', got 'b'" },
		{ "{% block a %}{% endif %}", "ERROR t.yml:1:17: encountered unknown tag 'endif', expected 'endblock'" },
		{ "{% extends %}", "ERROR t.yml:1:12: unexpected 'end of statement block'" },
		{ "{% import 'm.j2' %}", "ERROR t.yml:1:18: expected token 'as', got 'end of statement block'" },
		{ "{% import 'm.j2' as %}", "ERROR t.yml:1:21: expected token 'name', got 'end of statement block'" },
		{ "{% from 'm.j2' import %}", "ERROR t.yml:1:23: expected token 'name', got 'end of statement block'" },
		{ "{% from 'm.j2' import _x %}", "ERROR t.yml:1:23: names starting with an underline can not be imported" },
		{ "{% from 'm.j2' a %}", "ERROR t.yml:1:16: expected token 'import', got 'a'" },
		{ "{% from 'm.j2' import a b %}", "ERROR t.yml:1:25: expected token 'end of statement block', got 'b'" },
		{ "{{ {'a' 1} }}", "ERROR t.yml:1:9: expected token ':', got 'integer'" },
		{ "{{ [1 2] }}", "ERROR t.yml:1:7: expected token ',', got 'integer'" },
		{ "line1\n  line2 {{ x x }}", "ERROR t.yml:2:14: expected token 'end of print statement', got 'x'" },
		{ "{{ 'é' x }}", "ERROR t.yml:1:8: expected token 'end of print statement', got 'x'" },
	};

	RUN(cases, T);
}

static void test_engine_template_parser__nesting_limit(void **state)
{
	struct kiso_buf b = KISO_BUF_INIT;

	kiso_buf_puts(&b, "{{ ");
	for (int i = 0; i < 300; i++)
		kiso_buf_puts(&b, "not ");
	kiso_buf_puts(&b, "1 }}");
	assert_non_null(strstr(T(kiso_buf_cstr(&b)), "expression nested too deeply"));
	kiso_buf_clear(&b);
	for (int i = 0; i < 300; i++)
		kiso_buf_puts(&b, "{% if 1 %}");
	assert_non_null(strstr(T(kiso_buf_cstr(&b)), "nested too deeply"));
	kiso_buf_clear(&b);
	/* 60 levels are fine (jinja2 itself gives up at about 90) */
	kiso_buf_puts(&b, "{{ ");
	for (int i = 0; i < 60; i++)
		kiso_buf_puts(&b, "(");
	kiso_buf_puts(&b, "1");
	for (int i = 0; i < 60; i++)
		kiso_buf_puts(&b, ")");
	kiso_buf_puts(&b, " }}");
	assert_string_equal(T(kiso_buf_cstr(&b)), "str 1");
	kiso_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_template_parser__precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_parser__syntax_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_parser__nesting_limit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
