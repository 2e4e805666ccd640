/*
 * Unit tests for modules/template.c with the local transport under a
 * temporary directory: rendering with host variables and the template_*
 * variables, the templates/ search path, mode, validate, backup,
 * newline_sequence, and render errors. Each case runs the four steps of
 * STYLE.md section 7 (mt_cycle).
 */
#include "modtest.h"

static void test_modules_template__render_with_vars(void **state)
{
	struct mt *m = mt_new();

	assert_int_equal(mkdir(mt_path(m, "role"), 0755), 0);
	assert_int_equal(mkdir(mt_path(m, "role/templates"), 0755), 0);
	mt_write(m, "role/templates/app.conf.j2",
		 "# {{ ansible_managed }}\n"
		 "port={{ port }}\n"
		 "{% for u in users %}\nuser={{ u }}\n{% endfor %}\n"
		 "path={{ template_path }} dest={{ template_destpath }}\n");
	m->search[0] = mt_path(m, "role");
	mt_vars(m, "port: 8080\nusers: [a, b]\n");
	mt_cycle(m, "template", "src: app.conf.j2\ndest: '{D}/app.conf'\nmode: '0600'\n");
	assert_string_equal(mt_read(m, "app.conf"),
			    mt_fmt(m, "# Ansible managed\nport=8080\nuser=a\nuser=b\n"
				      "path=app.conf.j2 dest={D}/app.conf\n"));
	assert_int_equal(mt_mode(m, "app.conf"), 0600);
	/* a variable changes: a diff names the template */
	mt_vars(m, "port: 9090\nusers: [a, b]\n");
	mt_expect_ok(m, mt_run(m, "template", "src: app.conf.j2\ndest: '{D}/app.conf'\n", false, true));
	assert_true(m->plan.changed);
	assert_non_null(strstr(mt_diff_text(m), "-port=8080\n+port=9090\n"));
	assert_non_null(strstr(mt_diff_text(m), mt_fmt(m, "--- before: {D}/app.conf\n")));
	mt_cycle(m, "template", "src: app.conf.j2\ndest: '{D}/app.conf'\nbackup: yes\n");
	/* the backup holds the text before the change */
	assert_non_null(strstr(mt_sh(m, "cat {D}/app.conf.*~"), "port=8080\n"));
	mt_free(m);
}

static void test_modules_template__newline_sequence_and_validate(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "t.j2", "a={{ x }}\nb\n");
	mt_vars(m, "x: 1\n");
	mt_cycle(m, "template", "src: '{D}/t.j2'\ndest: '{D}/out'\nnewline_sequence: '\\r\\n'\n"
				"validate: grep -q a=1 %s\n");
	assert_string_equal(mt_read(m, "out"), "a=1\r\nb\r\n");
	mt_vars(m, "x: 2\n");
	assert_true(mt_run(m, "template", "src: '{D}/t.j2'\ndest: '{D}/out'\nvalidate: grep -q a=1 %s\n",
			   true, false) < 0);
	assert_string_equal(m->err.msg, "failed to validate");
	assert_string_equal(mt_read(m, "out"), "a=1\r\nb\r\n");
	mt_free(m);
}

static void test_modules_template__errors(void **state)
{
	struct mt *m = mt_new();

	mt_write(m, "t.j2", "{{ nope }}\n");
	mt_vars(m, "x: 1\n");
	assert_true(mt_run(m, "template", "src: '{D}/t.j2'\ndest: '{D}/out'\n", false, false) < 0);
	assert_non_null(strstr(m->err.msg, "'nope' is undefined"));
	assert_null(mt_read(m, "out"));
	assert_true(mt_run(m, "template", "src: missing.j2\ndest: '{D}/out'\n", false, false) < 0);
	assert_string_equal(m->err.msg, "Could not find or access 'missing.j2'");
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_template__render_with_vars),
		cmocka_unit_test(test_modules_template__newline_sequence_and_validate),
		cmocka_unit_test(test_modules_template__errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
