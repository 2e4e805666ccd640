/*
 * Unit tests for engine/template/lexer.c: template data and tags,
 * whitespace control, trim_blocks, raw blocks, comments, string and
 * number literals, and the lexer's errors with their positions.
 */
#include "helpers.h"

static void test_engine_template_lexer__whitespace_control(void **state)
{
	static const struct tcase cases[] = {
		/* trim_blocks: the newline after a block tag or comment goes */
		{ "{% if true %}\nx\n{% endif %}\ny", "str x\ny" },
		{ "{# c #}\nx", "str x" },
		/* ... but not after '}}' */
		{ "{{ 1 }}\nx", "str 1\nx" },
		/* lstrip_blocks is off: indentation before a tag stays */
		{ "  {% if true %}x{% endif %}", "str   x" },
		/* '-' strips all whitespace on its side, newlines included */
		{ "a \n {%- if true %}b{% endif %}", "str ab" },
		{ "{% if true -%} \n b{% endif %}", "str b" },
		{ "a {{- 1 -}} \n b", "str a1b" },
		{ "a {#- c -#} b", "str ab" },
		/* '+%}' keeps the newline trim_blocks would remove */
		{ "{% if true +%}\nx{% endif %}", "str \nx" },
		/* {% raw %} */
		{ "{% raw %}{{ x }}{% if %}{% endraw %}", "str {{ x }}{% if %}" },
		{ "a {%- raw -%} {{ x }} {%- endraw -%} b", "str a{{ x }}b" },
		{ "{% raw %}\nx{% endraw %}\ny", "str \nxy" },
		/* a dict literal: '}}' inside brackets does not end the tag */
		{ "{{ {'a': {'b': 1}} }}", "str {'a': {'b': 1}}" },
		{ "{{ {'a': {'b': 1}}}}", "str {'a': {'b': 1}}" },
		/* one final newline of the source is dropped, Ansible adds it back */
		{ "x\n", "str x\n" },
		{ "{{ 'a' }}", "str a" },
		/* lone braces are data */
		{ "{ x } {x}", "str { x } {x}" },
		{ "a {", "str a {" },
	};

	RUN(cases, T);
}

/* Ansible's '#jinja2:' first line; expected values from ansible-core's do_template */
static const struct tcase overrides[] = {
	{ "#jinja2: lstrip_blocks: True\n[servers]\n{% for s in users %}\n    {% if s.uid > 1000 %}\n{{ s.name }}\n    {% endif %}\n{% endfor %}\n",
	  "str [servers]\nbob\n" },
	{ "#jinja2: trim_blocks: False, lstrip_blocks: False\n{% if true %}\nx\n{% endif %}\n",
	  "str \nx\n" },
	{ "#jinja2:trim_blocks:False\n{% if true %}\nx\n{% endif %}",
	  "str \nx\n" },
	{ "#jinja2: keep_trailing_newline: True\nx\n",
	  "str x\n" },
	{ "#jinja2: lstrip_blocks: True\n  {# c #}\n  {%+ if true %}a{% endif %}\n  {{ 'v' }}\n\t{% raw %}r{% endraw %}\n",
	  "str   a  v\nr\n" },
	{ "#jinja2: lstrip_blocks: True, trim_blocks: False\n  {% if true %}\n  x\n  {% endif %}\n",
	  "str \n  x\n" },
};

static void test_engine_template_lexer__jinja2_overrides(void **state)
{
	RUN(overrides, T);
	assert_string_equal(T("#jinja2: variable_start_string: '[['\n[[ x ]]"),
			    "ERROR t.yml:1:1: unsupported jinja2 override (kiso takes trim_blocks, lstrip_blocks, keep_trailing_newline)");
	assert_string_equal(T("#jinja2: trim_blocks\nx"),
			    "ERROR t.yml:1:1: failed to parse jinja2 override: use 'key: value' pairs separated by ','");
	/* positions still count the override line */
	assert_string_equal(T("#jinja2: trim_blocks: False\n{{ nope }}"), "ERROR t.yml:2:4: 'nope' is undefined");
	assert_string_equal(T("#jinja2: trim_blocks: False\n{{ x y }}"),
			    "ERROR t.yml:2:6: expected token 'end of print statement', got 'y'");
	/* only at the very start */
	assert_string_equal(T(" #jinja2: trim_blocks: False\n"), "str  #jinja2: trim_blocks: False\n");
}

static void test_engine_template_lexer__literals(void **state)
{
	static const struct tcase cases[] = {
		{ "'a\\nb'", "str 'a\\nb'" },
		{ "'\\x41\\u00e9\\U0001F600\\101'", "str 'Aé😀A'" },
		{ "'\\q'", "str '\\\\q'" },
		{ "\"it's\" 'x' \"y\"", "str \"it'sxy\"" },
		{ "'é'", "str 'é'" },
		{ "42", "int 42" },
		{ "1_000_000", "int 1000000" },
		{ "0x1F + 0o17 + 0b101", "int 51" },
		{ "0", "int 0" },
		{ "1.5", "float 1.5" },
		{ "1e3", "float 1000.0" },
		{ "2.5E-3", "float 0.0025" },
		{ "l.0", "int 1" },
		{ "d.b.1", "int 2" },
		{ "True", "bool True" },
		{ "false", "bool False" },
		{ "none", "NoneType None" },
		{ "9223372036854775807", "int 9223372036854775807" },
	};

	RUN(cases, E);
}

static void test_engine_template_lexer__escape_backslashes(void **state)
{
	/*
	 * Ansible's _escape_backslashes: in a value string (YAML), a
	 * backslash inside a {{ }} string literal is literal; in a template
	 * file and in bare expressions it is an escape.
	 */
	assert_string_equal(R("{{ 'a\\nb' }}"), "str 'a\\\\nb'");
	assert_string_equal(T("{{ 'a\\tb' }}"), "str a\tb");
	assert_string_equal(E("'a\\tb'"), "str 'a\\tb'");
	assert_string_equal(R("{% set x = 'a\\tb' %}{{ x }}"), "str 'a\\tb'");
}

static void test_engine_template_lexer__errors(void **state)
{
	static const struct tcase cases[] = {
		{ "{{ 'abc }}", "ERROR t.yml:1:4: unexpected char '''" },
		{ "{{ \"abc }}", "ERROR t.yml:1:4: unexpected char '\"'" },
		{ "{{ @ }}", "ERROR t.yml:1:4: unexpected char '@'" },
		{ "{{ } }}", "ERROR t.yml:1:4: unexpected '}'" },
		{ "{{ 1 ]}}", "ERROR t.yml:1:6: unexpected ']'" },
		{ "{{ (1 }}", "ERROR t.yml:1:7: unexpected '}', expected ')'" },
		{ "{{ [1, }}", "ERROR t.yml:1:8: unexpected '}', expected ']'" },
		{ "a\n  {# never closed", "ERROR t.yml:2:3: missing end of comment tag" },
		{ "{% raw %}abc", "ERROR t.yml:1:1: missing end of raw directive" },
		{ "{{ '\\x4' }}", "ERROR t.yml:1:5: invalid escape in string literal" },
		{ "{{ 99999999999999999999 }}", "ERROR t.yml:1:4: integer literal too large" },
	};

	RUN(cases, T);
}

static void test_engine_template_lexer__deep_brackets(void **state)
{
	char src[2100];
	size_t k = 0;

	k += (size_t)sprintf(src, "{{ ");
	for (int i = 0; i < 1000; i++)
		src[k++] = '[';
	src[k] = 0;
	strcat(src, " }}");
	const char *r = T(src);

	assert_non_null(strstr(r, "nested too deeply"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_template_lexer__whitespace_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_lexer__jinja2_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_lexer__literals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_lexer__escape_backslashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_lexer__errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_lexer__deep_brackets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
