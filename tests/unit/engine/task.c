/*
 * Unit tests for engine/task.c: Ansible's split_args()/parse_kv() on
 * free-form arguments (cases computed with ansible-core 2.14's splitter
 * on this machine), and task entries: module detection (key, FQCN,
 * action/local_action), args merging, keywords and their types, loops,
 * blocks, handlers, includes and imports, with messages and positions.
 */
#include "kiso_common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "playbook_fixture.h"
#include "module.h"
#include "value.h"

struct split_case {
	const char *in;
	const char *split[8];
	const char *kv[10];     /* key, value, key, value, ... */
	const char *kv_raw[10]; /* with check_raw (free-form modules) */
};

/* generated from ansible-core 2.14's splitter on this machine */
static const struct split_case split_cases[] = {
	{ "",
	  { NULL },
	  { NULL },
	  { NULL } },
	{ "a",
	  { "a", NULL },
	  { "_raw_params", "a", NULL },
	  { "_raw_params", "a", NULL } },
	{ "a=b",
	  { "a=b", NULL },
	  { "a", "b", NULL },
	  { "_raw_params", "a=b", NULL } },
	{ "src=/etc/hosts dest=/tmp/hosts",
	  { "src=/etc/hosts", "dest=/tmp/hosts", NULL },
	  { "src", "/etc/hosts", "dest", "/tmp/hosts", NULL },
	  { "_raw_params", "src=/etc/hosts dest=/tmp/hosts", NULL } },
	{ "msg=\"hello world\"",
	  { "msg=\"hello world\"", NULL },
	  { "msg", "hello world", NULL },
	  { "_raw_params", "msg=\"hello world\"", NULL } },
	{ "msg='single quoted'",
	  { "msg='single quoted'", NULL },
	  { "msg", "single quoted", NULL },
	  { "_raw_params", "msg='single quoted'", NULL } },
	{ "\"quoted words only\"",
	  { "\"quoted words only\"", NULL },
	  { "_raw_params", "\"quoted words only\"", NULL },
	  { "_raw_params", "\"quoted words only\"", NULL } },
	{ "echo one two three",
	  { "echo", "one", "two", "three", NULL },
	  { "_raw_params", "echo one two three", NULL },
	  { "_raw_params", "echo one two three", NULL } },
	{ "a=b c=\"d e f\" g=h",
	  { "a=b", "c=\"d e f\"", "g=h", NULL },
	  { "a", "b", "c", "d e f", "g", "h", NULL },
	  { "_raw_params", "a=b c=\"d e f\" g=h", NULL } },
	{ "cmd=\"echo \\\"inner quotes\\\"\" x=1",
	  { "cmd=\"echo \\\"inner quotes\\\"\"", "x=1", NULL },
	  { "cmd", "echo \"inner quotes\"", "x", "1", NULL },
	  { "_raw_params", "cmd=\"echo \\\"inner quotes\\\"\" x=1", NULL } },
	{ "msg=\"it's fine\"",
	  { "msg=\"it's fine\"", NULL },
	  { "msg", "it's fine", NULL },
	  { "_raw_params", "msg=\"it's fine\"", NULL } },
	{ "x\\=y",
	  { "x\\=y", NULL },
	  { "_raw_params", "x=y", NULL },
	  { "_raw_params", "x=y", NULL } },
	{ "path=C:\\\\dir",
	  { "path=C:\\\\dir", NULL },
	  { "path", "C:\\dir", NULL },
	  { "_raw_params", "path=C:\\\\dir", NULL } },
	{ "msg=\"first\nsecond\"",
	  { "msg=\"first\nsecond\"", NULL },
	  { "msg", "first\nsecond", NULL },
	  { "_raw_params", "msg=\"first\nsecond\"", NULL } },
	{ "msg=\"a\n\nb\"",
	  { "msg=\"a\n\nb\"", NULL },
	  { "msg", "a\n\nb", NULL },
	  { "_raw_params", "msg=\"a\n\nb\"", NULL } },
	{ "echo one \\\ntwo",
	  { "echo", "one", "two", NULL },
	  { "_raw_params", "echo one two", NULL },
	  { "_raw_params", "echo one two", NULL } },
	{ "not a template}}",
	  { "not", "a", "template}}", NULL },
	  { "_raw_params", "not a template}}", NULL },
	  { "_raw_params", "not a template}}", NULL } },
	{ "a={{ x }}",
	  { "a={{ x }}", NULL },
	  { "a", "{{ x }}", NULL },
	  { "_raw_params", "a={{ x }}", NULL } },
	{ "a={{x}}",
	  { "a={{x}}", NULL },
	  { "a", "{{x}}", NULL },
	  { "_raw_params", "a={{x}}", NULL } },
	{ "a={{ x | default(\"a b\") }} b=2",
	  { "a={{ x | default(\"a b\") }}", "b=2", NULL },
	  { "a", "{{ x | default(\"a b\") }}", "b", "2", NULL },
	  { "_raw_params", "a={{ x | default(\"a b\") }} b=2", NULL } },
	{ "a={% if x %}y{% endif %}",
	  { "a={% if x %}y{% endif %}", NULL },
	  { "a", "{% if x %}y{% endif %}", NULL },
	  { "_raw_params", "a={% if x %}y{% endif %}", NULL } },
	{ "a={# c #}",
	  { "a={# c #}", NULL },
	  { "a", "{# c #}", NULL },
	  { "_raw_params", "a={# c #}", NULL } },
	{ "a=\"{{ x }} {{ y }}\"",
	  { "a=\"{{ x }} {{ y }}\"", NULL },
	  { "a", "{{ x }} {{ y }}", NULL },
	  { "_raw_params", "a=\"{{ x }} {{ y }}\"", NULL } },
	{ "a={{ x }}{{ y }}",
	  { "a={{ x }}{{ y }}", NULL },
	  { "a", "{{ x }}{{ y }}", NULL },
	  { "_raw_params", "a={{ x }}{{ y }}", NULL } },
	{ "k={{ a }} v={{ b }}",
	  { "k={{ a }}", "v={{ b }}", NULL },
	  { "k", "{{ a }}", "v", "{{ b }}", NULL },
	  { "_raw_params", "k={{ a }} v={{ b }}", NULL } },
	{ "a=\303\274mlaut b=na\303\257ve",
	  { "a=\303\274mlaut", "b=na\303\257ve", NULL },
	  { "a", "\303\274mlaut", "b", "na\303\257ve", NULL },
	  { "_raw_params", "a=\303\274mlaut b=na\303\257ve", NULL } },
	{ "line1\n  line2\n",
	  { "line1\n ", "line2\n", NULL },
	  { "_raw_params", "line1\n  line2\n", NULL },
	  { "_raw_params", "line1\n  line2\n", NULL } },
	{ "tab\there",
	  { "tab\there", NULL },
	  { "_raw_params", "tab\there", NULL },
	  { "_raw_params", "tab\there", NULL } },
	{ "a=\"x y\" raw words here",
	  { "a=\"x y\"", "raw", "words", "here", NULL },
	  { "a", "x y", "_raw_params", "raw words here", NULL },
	  { "_raw_params", "a=\"x y\" raw words here", NULL } },
	{ "creates=/tmp/x echo hi",
	  { "creates=/tmp/x", "echo", "hi", NULL },
	  { "creates", "/tmp/x", "_raw_params", "echo hi", NULL },
	  { "creates", "/tmp/x", "_raw_params", "echo hi", NULL } },
	{ "chdir=/tmp ls -l removes=/x",
	  { "chdir=/tmp", "ls", "-l", "removes=/x", NULL },
	  { "chdir", "/tmp", "removes", "/x", "_raw_params", "ls -l", NULL },
	  { "chdir", "/tmp", "removes", "/x", "_raw_params", "ls -l", NULL } },
	{ "echo a=b",
	  { "echo", "a=b", NULL },
	  { "a", "b", "_raw_params", "echo", NULL },
	  { "_raw_params", "echo a=b", NULL } },
	{ "msg=\\x41\\u00e9",
	  { "msg=\\x41\\u00e9", NULL },
	  { "msg", "A\303\251", NULL },
	  { "_raw_params", "msg=\\x41\\u00e9", NULL } },
	{ "a='b c' d",
	  { "a='b c'", "d", NULL },
	  { "a", "b c", "_raw_params", "d", NULL },
	  { "_raw_params", "a='b c' d", NULL } },
	{ "key= spaced ",
	  { "key=", "spaced ", NULL },
	  { "key", "", "_raw_params", "spaced ", NULL },
	  { "_raw_params", "key= spaced ", NULL } },
	{ "a==b",
	  { "a==b", NULL },
	  { "a", "=b", NULL },
	  { "_raw_params", "a==b", NULL } },
	{ "=a",
	  { "=a", NULL },
	  { "_raw_params", "=a", NULL },
	  { "_raw_params", "=a", NULL } },
	{ "msg={{ \"a\" ~ \"b\" }}",
	  { "msg={{ \"a\" ~ \"b\" }}", NULL },
	  { "msg", "{{ \"a\" ~ \"b\" }}", NULL },
	  { "_raw_params", "msg={{ \"a\" ~ \"b\" }}", NULL } },
	{ "echo \"a  b\"",
	  { "echo", "\"a  b\"", NULL },
	  { "_raw_params", "echo \"a  b\"", NULL },
	  { "_raw_params", "echo \"a  b\"", NULL } },
	{ "echo   multiple   spaces",
	  { "echo  ", "multiple  ", "spaces", NULL },
	  { "_raw_params", "echo   multiple   spaces", NULL },
	  { "_raw_params", "echo   multiple   spaces", NULL } },
	{ "a=b\\ c",
	  { "a=b\\", "c", NULL },
	  { "a", "b\\", "_raw_params", "c", NULL },
	  { "_raw_params", "a=b\\ c", NULL } },
	{ "foo=\"bar\\nbaz\"",
	  { "foo=\"bar\\nbaz\"", NULL },
	  { "foo", "bar\nbaz", NULL },
	  { "_raw_params", "foo=\"bar\\nbaz\"", NULL } },
};
static const char *const split_errors[] = {
	"\"",
	"'",
	"{{",
	"{%",
	"{#",
	"a=\"b",
	"x='y",
	"a={{ b",
	"\nlead\n  x\n",
	"a=\"unterminated\\\"",
};

static void check_kv(struct kiso_arena *a, const char *in, bool raw, const char *const *want)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *m = NULL;
	size_t n = 0;

	if (kiso_task_parse_kv(&m, a, in, KISO_POS_NONE, raw, &err) < 0)
		fail_msg("parse_kv(%s): %s", in, err.msg);
	while (want[n])
		n++;
	if (m->u.map.len * 2 != n)
		fail_msg("parse_kv(%s%s): %zu keys, want %zu", in, raw ? ", raw" : "", m->u.map.len,
			 n / 2);
	for (size_t i = 0; i < m->u.map.len; i++) {
		assert_string_equal(m->u.map.items[i].key->u.s.ptr, want[2 * i]);
		assert_int_equal(m->u.map.items[i].val->type, KISO_STR);
		if (strcmp(m->u.map.items[i].val->u.s.ptr, want[2 * i + 1]) != 0)
			fail_msg("parse_kv(%s)[%s] = '%s', want '%s'", in, want[2 * i],
				 m->u.map.items[i].val->u.s.ptr, want[2 * i + 1]);
	}
}

static void test_engine_task__split_args_like_ansible(void **state)
{
	struct kiso_arena *a = kiso_arena_new();

	(void)state;
	for (size_t c = 0; c < KISO_ARRAY_SIZE(split_cases); c++) {
		const struct split_case *sc = &split_cases[c];
		struct kiso_error err = KISO_ERROR_INIT;
		struct kiso_value *l = NULL;
		size_t n = 0;

		if (kiso_task_split_args(&l, a, sc->in, KISO_POS_NONE, &err) < 0)
			fail_msg("split_args(%s): %s", sc->in, err.msg);
		while (sc->split[n])
			n++;
		if (l->u.list.len != n)
			fail_msg("split_args(%s): %zu words, want %zu", sc->in, l->u.list.len, n);
		for (size_t i = 0; i < n; i++)
			if (strcmp(l->u.list.items[i]->u.s.ptr, sc->split[i]) != 0)
				fail_msg("split_args(%s)[%zu] = '%s', want '%s'", sc->in, i,
					 l->u.list.items[i]->u.s.ptr, sc->split[i]);
	}
	kiso_arena_free(a);
}

static void test_engine_task__parse_kv_like_ansible(void **state)
{
	struct kiso_arena *a = kiso_arena_new();

	(void)state;
	for (size_t c = 0; c < KISO_ARRAY_SIZE(split_cases); c++) {
		check_kv(a, split_cases[c].in, false, split_cases[c].kv);
		check_kv(a, split_cases[c].in, true, split_cases[c].kv_raw);
	}
	kiso_arena_free(a);
}

static void test_engine_task__split_errors(void **state)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_pos pos = { "t.yml", 4, 9 };

	(void)state;
	for (size_t c = 0; c < KISO_ARRAY_SIZE(split_errors); c++) {
		struct kiso_error err = KISO_ERROR_INIT;
		struct kiso_value *v = NULL;

		if (kiso_task_parse_kv(&v, a, split_errors[c], pos, false, &err) == 0)
			fail_msg("parse_kv(%s) should fail", split_errors[c]);
		assert_int_equal(err.pos.line, 4);
		assert_int_equal(err.pos.col, 9);
		assert_non_null(strstr(err.msg, "failed at splitting arguments"));
		kiso_error_clear(&err);
		if (kiso_task_split_args(&v, a, split_errors[c], pos, &err) == 0)
			fail_msg("split_args(%s) should fail", split_errors[c]);
	}
	kiso_arena_free(a);
}

/* ------------------------------------------------------------ task entries */

static const struct kiso_taskdef *first_task(void)
{
	assert_non_null(FX.pb);
	assert_true(FX.pb->nplays >= 1);
	assert_true(FX.pb->plays[0]->tasks.len >= 1);
	return FX.pb->plays[0]->tasks.items[0];
}

static const struct kiso_taskdef *task_n(size_t i)
{
	assert_true(FX.pb->plays[0]->tasks.len > i);
	return FX.pb->plays[0]->tasks.items[i];
}

static void test_engine_task__module_key_with_dict_args(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - name: copy it\n"
			     "      copy:\n"
			     "        src: a.txt\n"
			     "        dest: /tmp/a.txt\n"
			     "      become: yes\n");
	fx_write("files/a.txt", "a\n");
	fx_load("site.yml");
	fx_expect_clean();
	const struct kiso_taskdef *t = first_task();
	assert_int_equal(t->kind, KISO_TD_MODULE);
	assert_string_equal(t->file_path, fx_path("files/a.txt"));
	assert_string_equal(t->action, "copy");
	assert_non_null(t->module);
	assert_string_equal(t->module->name, "copy");
	assert_string_equal(t->name, "copy it");
	assert_string_equal(fx_str(t->args, "src"), "a.txt");
	assert_string_equal(fx_str(t->args, "dest"), "/tmp/a.txt");
	assert_int_equal(t->args->u.map.len, 2);
	/* keywords kept as written, the module key is not one */
	assert_non_null(kiso_map_get(t->kw, "become"));
	assert_null(kiso_map_get(t->kw, "copy"));
	assert_int_equal(t->pos.line, 3);
	assert_int_equal(t->pos.col, 7);
}

static void test_engine_task__fqcn_and_free_form(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - ansible.builtin.file: path=/tmp/x state=directory mode=0755\n"
			     "    - command: ls -l creates=/tmp/y chdir=/tmp\n"
			     "    - shell: echo \"a b\" > /tmp/z\n"
			     "    - ansible.legacy.debug: msg=\"hello world\"\n");
	fx_load("site.yml");
	fx_expect_clean();
	const struct kiso_taskdef *t = task_n(0);
	assert_string_equal(t->action, "ansible.builtin.file");
	assert_string_equal(t->module->name, "file");
	assert_string_equal(fx_str(t->args, "path"), "/tmp/x");
	assert_string_equal(fx_str(t->args, "state"), "directory");
	assert_string_equal(fx_str(t->args, "mode"), "0755");
	t = task_n(1);
	assert_string_equal(fx_str(t->args, "_raw_params"), "ls -l");
	assert_string_equal(fx_str(t->args, "creates"), "/tmp/y");
	assert_string_equal(fx_str(t->args, "chdir"), "/tmp");
	t = task_n(2);
	assert_string_equal(fx_str(t->args, "_raw_params"), "echo \"a b\" > /tmp/z");
	t = task_n(3);
	assert_string_equal(t->module->name, "debug");
	assert_string_equal(fx_str(t->args, "msg"), "hello world");
}

static void test_engine_task__action_and_local_action(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - action: copy src=a dest=b\n"
			     "    - local_action: command echo hi\n"
			     "    - action:\n"
			     "        module: file\n"
			     "        path: /tmp/q\n"
			     "        state: absent\n");
	fx_write("a", "a\n");
	fx_load("site.yml");
	fx_expect_clean();
	const struct kiso_taskdef *t = task_n(0);
	assert_string_equal(t->action, "copy");
	assert_string_equal(fx_str(t->args, "src"), "a");
	assert_string_equal(fx_str(t->args, "dest"), "b");
	t = task_n(1);
	assert_string_equal(t->action, "command");
	assert_string_equal(fx_str(t->args, "_raw_params"), "echo hi");
	assert_string_equal(fx_str(t->kw, "delegate_to"), "localhost");
	t = task_n(2);
	assert_string_equal(t->action, "file");
	assert_string_equal(fx_str(t->args, "path"), "/tmp/q");
	assert_null(kiso_map_get(t->args, "module"));
}

static void test_engine_task__args_keyword_merged(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - command: /bin/true\n"
			     "      args:\n"
			     "        chdir: /srv\n"
			     "    - file: path=/a\n"
			     "      args:\n"
			     "        path: /ignored\n"
			     "        state: touch\n"
			     "    - file:\n"
			     "      args: \"{{ file_args }}\"\n");
	fx_load("site.yml");
	fx_expect_clean();
	assert_string_equal(fx_str(task_n(0)->args, "chdir"), "/srv");
	assert_string_equal(fx_str(task_n(0)->args, "_raw_params"), "/bin/true");
	/* the module's own arguments win over args: */
	assert_string_equal(fx_str(task_n(1)->args, "path"), "/a");
	assert_string_equal(fx_str(task_n(1)->args, "state"), "touch");
	assert_string_equal(fx_str(task_n(2)->args, "_variable_params"), "{{ file_args }}");
}

static void test_engine_task__conflicting_actions(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - name: a\n"
			     "      copy: src=a dest=b\n"
			     "      file: path=x\n");
	fx_load("site.yml");
	fx_expect_error("site.yml", 5, 7, "conflicting action statements: copy, file");
}

static void test_engine_task__no_module(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  roles: [x]\n");
	fx_write("roles/x/tasks/main.yml", "- name: fine\n"
					   "  debug: msg=1\n"
					   "- name: nothing to do\n"
					   "  when: yes\n");
	fx_load("site.yml");
	fx_expect_error("roles/x/tasks/main.yml", 3, 3, "task has no module");
}

static void test_engine_task__unknown_keyword_or_module(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - debug: msg=x\n"
			     "      retires: 3\n"
			     "    - copyy: src=a dest=b\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 2);
	fx_expect_at(&FX.errors, 0, "site.yml", 4, 7, "unknown module or task keyword 'retires'");
	fx_expect_at(&FX.errors, 1, "site.yml", 5, 7, "unknown module or task keyword 'copyy'");
}

static void test_engine_task__keyword_types(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - debug: msg=x\n"
			     "      retries: often\n"
			     "      delay: \"{{ d }}\"\n"
			     "      when: {a: 1}\n"
			     "      tags: 5\n"
			     "      register: [r]\n"
			     "      ignore_errors: maybe\n"
			     "      become: yes\n"
			     "      notify: [ok, {x: 1}]\n"
			     "      vars: [1]\n"
			     "      until: [\"x\", true]\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 8);
	fx_expect_at(&FX.errors, 0, "site.yml", 4, 16, "keyword 'retries' must be an integer, got 'often'");
	fx_expect_at(&FX.errors, 1, "site.yml", 6, 13,
		     "keyword 'when' must be a string, a boolean or a list of them, got a mapping");
	fx_expect_at(&FX.errors, 2, "site.yml", 7, 13, "keyword 'tags' must be a string or a list, got an integer");
	fx_expect_at(&FX.errors, 3, "site.yml", 8, 17, "keyword 'register' must be a string, got a list");
	fx_expect_at(&FX.errors, 4, "site.yml", 9, 22, "keyword 'ignore_errors' must be a boolean, got 'maybe'");
	/* 'ok' is a valid name, but no handler has it */
	fx_expect_at(&FX.errors, 5, "site.yml", 11, 16,
		     "the handler 'ok' is not defined: no handler of the play has this name or listens to it");
	fx_expect_at(&FX.errors, 6, "site.yml", 11, 20, "keyword 'notify' must be a list of strings, got a mapping");
	fx_expect_at(&FX.errors, 7, "site.yml", 12, 14, "vars in a list must each be a mapping, got an integer");
}

/* Every task keyword: a good value loads clean, a bad one gives its message. */
static const struct kwcase {
	const char *kw, *good, *bad, *msg;
} kwcases[] = {
	{ "name", "\"a name\"", "[1]", "keyword 'name' must be a string, got a list" },
	{ "when", "[a, \"b | bool\", true]", "{a: 1}", "keyword 'when' must be a string, a boolean or a list of them, got a mapping" },
	{ "changed_when", "false", "{a: 1}", "keyword 'changed_when' must be a string, a boolean or a list of them, got a mapping" },
	{ "failed_when", "\"rc != 0\"", "[[1]]", "keyword 'failed_when' must be a string, a boolean or a list of them, got a list" },
	{ "until", "\"r is success\"", "{a: 1}", "keyword 'until' must be a string, a boolean or a list of them, got a mapping" },
	{ "retries", "5", "five", "keyword 'retries' must be an integer, got 'five'" },
	{ "delay", "\"{{ d }}\"", "[1]", "keyword 'delay' must be an integer, got a list" },
	{ "register", "out", "{a: 1}", "keyword 'register' must be a string, got a mapping" },
	{ "ignore_errors", "yes", "sometimes", "keyword 'ignore_errors' must be a boolean, got 'sometimes'" },
	{ "ignore_unreachable", "true", "2", "keyword 'ignore_unreachable' must be a boolean, got an integer" },
	{ "become", "on", "[yes]", "keyword 'become' must be a boolean, got a list" },
	{ "become_user", "root", "[root]", "keyword 'become_user' must be a string, got a list" },
	{ "become_method", "sudo", "{a: 1}", "keyword 'become_method' must be a string, got a mapping" },
	{ "become_flags", "\"-H\"", "[1]", "keyword 'become_flags' must be a string, got a list" },
	{ "become_exe", "sudo", "[1]", "keyword 'become_exe' must be a string, got a list" },
	{ "check_mode", "no", "maybe", "keyword 'check_mode' must be a boolean, got 'maybe'" },
	{ "diff", "false", "{}", "keyword 'diff' must be a boolean, got a mapping" },
	{ "no_log", "true", "secret", "keyword 'no_log' must be a boolean, got 'secret'" },
	{ "run_once", "True", "[]", "keyword 'run_once' must be a boolean, got a list" },
	{ "any_errors_fatal", "1", "x", "keyword 'any_errors_fatal' must be a boolean, got 'x'" },
	{ "delegate_to", "localhost", "[a, b]", "keyword 'delegate_to' must be a string, got a list" },
	{ "delegate_facts", "true", "x", "keyword 'delegate_facts' must be a boolean, got 'x'" },
	{ "remote_user", "admin", "[a]", "keyword 'remote_user' must be a string, got a list" },
	{ "connection", "local", "[a]", "keyword 'connection' must be a string, got a list" },
	{ "port", "2222", "ssh", "keyword 'port' must be an integer, got 'ssh'" },
	{ "throttle", "2", "many", "keyword 'throttle' must be an integer, got 'many'" },
	{ "timeout", "30", "1.5x", "keyword 'timeout' must be an integer, got '1.5x'" },
	{ "async", "60", "later", "keyword 'async' must be an integer, got 'later'" },
	{ "poll", "0", "[1]", "keyword 'poll' must be an integer, got a list" },
	{ "tags", "\"a, b\"", "{a: 1}", "keyword 'tags' must be a string or a list, got a mapping" },
	{ "notify", "[h1]", "{a: 1}", "keyword 'notify' must be a string or a list of strings, got a mapping" },
	{ "vars", "{x: 1}", "[1]", "vars in a list must each be a mapping, got an integer" },
	{ "environment", "{LANG: C}", "5", "environment must be a mapping or a list of mappings, got an integer" },
	{ "module_defaults", "{file: {owner: root}}", NULL, NULL },
	{ "collections", "[community.general]", "{a: 1}", "keyword 'collections' must be a string or a list of strings, got a mapping" },
	{ "debugger", "on_failed", "[1]", "keyword 'debugger' must be a string, got a list" },
	{ "loop", "[1, 2]", NULL, NULL },
	{ "loop_control", "{loop_var: x, index_var: i, label: l, pause: 0.5, extended: yes}", "{pause: soon}",
	  "keyword 'pause' must be a number, got 'soon'" },
};

static void test_engine_task__every_keyword(void **state)
{
	(void)state;
	for (size_t i = 0; i < KISO_ARRAY_SIZE(kwcases); i++) {
		const struct kwcase *c = &kwcases[i];
		const char *notify = strcmp(c->kw, "notify") == 0 ? "  handlers:\n    - name: h1\n      ping:\n" : "";

		fx_write("site.yml", kiso_arena_sprintf(FX.a, "- hosts: all\n"
							      "  tasks:\n"
							      "    - ping:\n"
							      "      %s: %s\n%s",
							c->kw, c->good, notify));
		fx_load("site.yml");
		if (FX.errors.len)
			fx_dump(&FX.errors);
		if (FX.errors.len)
			fail_msg("keyword '%s: %s' should load clean", c->kw, c->good);
		assert_non_null(kiso_map_get(FX.pb->plays[0]->tasks.items[0]->kw, c->kw));
		if (!c->bad)
			continue;
		fx_write("site.yml", kiso_arena_sprintf(FX.a, "- hosts: all\n"
							      "  tasks:\n"
							      "    - ping:\n"
							      "      %s: %s\n",
							c->kw, c->bad));
		fx_load("site.yml");
		if (FX.errors.len != 1 || strcmp(FX.errors.items[0].msg, c->msg) != 0 ||
		    FX.errors.items[0].pos.line != 4) {
			fx_dump(&FX.errors);
			fail_msg("keyword '%s: %s': want one error at line 4: %s", c->kw, c->bad, c->msg);
		}
	}
}

static void test_engine_task__loops(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - debug: msg={{ item }}\n"
			     "      with_items: [1, 2]\n"
			     "    - debug: msg={{ item.key }}\n"
			     "      loop: \"{{ d | dict2items }}\"\n"
			     "      loop_control:\n"
			     "        loop_var: it\n"
			     "        label: \"{{ it.key }}\"\n"
			     "        pause: 1\n"
			     "    - debug: msg=x\n"
			     "      with_sequence: start=1 end=3\n");
	fx_load("site.yml");
	fx_expect_clean();
	assert_string_equal(task_n(0)->loop_with, "items");
	assert_int_equal(task_n(0)->loop->type, KISO_LIST);
	assert_null(task_n(1)->loop_with);
	assert_string_equal(task_n(1)->loop->u.s.ptr, "{{ d | dict2items }}");
	assert_non_null(kiso_map_get(task_n(1)->kw, "loop_control"));
	assert_string_equal(task_n(2)->loop_with, "sequence");
}

static void test_engine_task__loop_errors(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - debug: msg=x\n"
			     "      loop: [1]\n"
			     "      with_items: [2]\n"
			     "    - debug: msg=x\n"
			     "      with_bogus: [1]\n"
			     "    - debug: msg=x\n"
			     "      with_items:\n"
			     "    - debug: msg=x\n"
			     "      loop: [1]\n"
			     "      loop_control:\n"
			     "        loopvar: x\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 4);
	fx_expect_at(&FX.errors, 0, "site.yml", 5, 7, "duplicate loop in task: items");
	fx_expect_at(&FX.errors, 1, "site.yml", 7, 7,
		     "'with_bogus' is not a valid loop: there is no lookup named 'bogus'");
	fx_expect_at(&FX.errors, 2, "site.yml", 9, 7, "you must specify a value when using with_items");
	fx_expect_at(&FX.errors, 3, "site.yml", 13, 9, "'loopvar' is not a valid attribute for a LoopControl");
}

static void test_engine_task__blocks_nested(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - name: outer\n"
			     "      become: true\n"
			     "      block:\n"
			     "        - debug: msg=1\n"
			     "        - block:\n"
			     "            - command: /bin/false\n"
			     "          rescue:\n"
			     "            - debug: msg=rescued\n"
			     "          always:\n"
			     "            - debug: msg=always\n"
			     "      when: x is defined\n"
			     "    - block:\n"
			     "        - debug: msg=x\n"
			     "      register: nope\n");
	fx_load("site.yml");
	fx_expect_error("site.yml", 16, 7, "'register' is not a valid attribute for a Block");
	const struct kiso_taskdef *b = task_n(0);
	assert_int_equal(b->kind, KISO_TD_BLOCK);
	assert_string_equal(b->name, "outer");
	assert_int_equal(b->block.len, 2);
	const struct kiso_taskdef *inner = b->block.items[1];
	assert_int_equal(inner->kind, KISO_TD_BLOCK);
	assert_int_equal(inner->block.len, 1);
	assert_int_equal(inner->rescue.len, 1);
	assert_int_equal(inner->always.len, 1);
	assert_ptr_equal(inner->parent, b);
	const struct kiso_taskdef *t = inner->rescue.items[0];
	assert_ptr_equal(t->parent, inner);
	/* inherited keyword through two blocks */
	const struct kiso_value *v = kiso_taskdef_kw(t, "become");
	assert_non_null(v);
	assert_int_equal(v->type, KISO_BOOL);
	assert_true(v->u.b);
}

static void test_engine_task__handlers_listen_and_notify(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - command: /bin/true\n"
			     "      notify: restart web\n"
			     "    - command: /bin/true\n"
			     "      notify: [web changed, reload]\n"
			     "    - command: /bin/true\n"
			     "      notify: \"{{ handler_name }}\"\n"
			     "  handlers:\n"
			     "    - name: restart web\n"
			     "      service: name=httpd state=restarted\n"
			     "    - name: other\n"
			     "      debug: msg=x\n"
			     "      listen: web changed\n");
	fx_load("site.yml");
	fx_expect_error("site.yml", 6, 29,
			"the handler 'reload' is not defined: no handler of the play has this name or listens to it");
	const struct kiso_play *p = FX.pb->plays[0];
	assert_int_equal(p->handlers.len, 2);
	assert_true(p->handlers.items[0]->is_handler);
	assert_non_null(p->handlers.items[1]->listen);
	assert_int_equal(p->handlers.items[1]->listen->u.list.len, 1);
	assert_string_equal(p->handlers.items[1]->listen->u.list.items[0]->u.s.ptr, "web changed");
}

static void test_engine_task__listen_only_in_handlers(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - debug: msg=x\n"
			     "      listen: foo\n"
			     "  handlers:\n"
			     "    - block:\n"
			     "        - debug: msg=x\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 2);
	fx_expect_at(&FX.errors, 0, "site.yml", 4, 7, "unknown module or task keyword 'listen'");
	fx_expect_at(&FX.errors, 1, "site.yml", 6, 7, "using a block as a handler is not supported");
}

static void test_engine_task__import_and_include_tasks(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - import_tasks: sub/one.yml\n"
			     "      tags: imp\n"
			     "    - include_tasks: sub/one.yml\n"
			     "    - include_tasks:\n"
			     "        file: \"{{ which }}.yml\"\n"
			     "    - ansible.builtin.import_tasks: missing.yml\n");
	fx_write("sub/one.yml", "- name: one\n"
				"  debug: msg=1\n"
				"- import_tasks: two.yml\n");
	fx_write("sub/two.yml", "- name: two\n"
				"  debug: msg=2\n");
	fx_load("site.yml");
	fx_expect_error("site.yml", 8, 37, "could not find or access 'missing.yml'");
	const struct kiso_taskdef *t = task_n(0);
	assert_int_equal(t->kind, KISO_TD_IMPORT_TASKS);
	assert_true(t->loaded_static);
	assert_int_equal(t->body.len, 2);
	assert_string_equal(t->body.items[0]->name, "one");
	/* two.yml found next to the file that imports it */
	const struct kiso_taskdef *two = t->body.items[1];
	assert_int_equal(two->kind, KISO_TD_IMPORT_TASKS);
	assert_int_equal(two->body.len, 1);
	assert_string_equal(two->body.items[0]->name, "two");
	assert_ptr_equal(two->body.items[0]->parent, two);
	assert_ptr_equal(two->parent, t);
	/* tags of the import reach the imported tasks */
	struct kiso_value *tags = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_taskdef_tags(FX.a, tags, two->body.items[0]);
	assert_int_equal(tags->u.list.len, 1);
	assert_string_equal(tags->u.list.items[0]->u.s.ptr, "imp");

	t = task_n(1);
	assert_int_equal(t->kind, KISO_TD_INCLUDE_TASKS);
	assert_true(t->loaded_static);
	assert_int_equal(t->body.len, 2);
	t = task_n(2);
	assert_int_equal(t->kind, KISO_TD_INCLUDE_TASKS);
	assert_false(t->loaded_static);
	assert_string_equal(t->file, "{{ which }}.yml");
	assert_int_equal(t->body.len, 0);
}

static void test_engine_task__include_keywords_and_options(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - include_tasks: one.yml\n"
			     "      become: true\n"
			     "    - import_tasks: one.yml\n"
			     "      loop: [1, 2]\n"
			     "    - include_tasks:\n"
			     "        file: one.yml\n"
			     "        bogus: 1\n"
			     "    - include_role:\n"
			     "        tasks_from: x\n");
	fx_write("one.yml", "- debug: msg=1\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 4);
	fx_expect_at(&FX.errors, 0, "site.yml", 4, 7, "'become' is not a valid attribute for a TaskInclude");
	fx_expect_at(&FX.errors, 1, "site.yml", 6, 13,
		     "you cannot use loops on 'import_tasks' statements, use 'include_tasks' instead");
	fx_expect_at(&FX.errors, 2, "site.yml", 9, 9, "invalid option for include_tasks: 'bogus'");
	fx_expect_at(&FX.errors, 3, "site.yml", 10, 7, "'name' is a required field for include_role");
}

static void test_engine_task__meta(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - meta: flush_handlers\n"
			     "    - meta: end_everything\n");
	fx_load("site.yml");
	fx_expect_error("site.yml", 4, 13, "invalid meta action requested: end_everything");
	assert_int_equal(task_n(0)->kind, KISO_TD_META);
	assert_string_equal(fx_str(task_n(0)->args, "_raw_params"), "flush_handlers");
}

static void test_engine_task__extra_params_and_module_args(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - copy: some text\n"
			     "    - copy: \"{{ copy_args }}\"\n"
			     "    - file:\n"
			     "        path: /x\n"
			     "        stat: directory\n"
			     "    - set_fact: a=1 b=2\n"
			     "    - command: echo hi\n"
			     "      args:\n"
			     "        cmd: echo ho\n");
	fx_load("site.yml");
	assert_true(FX.errors.len >= 3);
	fx_expect_at(&FX.errors, 0, "site.yml", 3, 13,
		     "this task 'copy' has extra params, which is only allowed in free-form modules such as command, shell, raw, script, set_fact, include_vars");
	/* module parameters are checked against the schema (engine/args.c) */
	assert_int_equal(FX.errors.items[1].pos.line, 7);
	assert_int_equal(FX.errors.items[1].pos.col, 9);
	assert_non_null(strstr(FX.errors.items[1].msg, "unsupported parameter 'stat'"));
	fx_expect_at(&FX.errors, 2, "site.yml", 9, 16,
		     "the 'cmd' argument cannot be used when other raw parameters are specified");
	/* a templated free-form argument becomes _variable_params */
	assert_string_equal(fx_str(task_n(1)->args, "_variable_params"), "{{ copy_args }}");
	assert_string_equal(fx_str(task_n(3)->args, "a"), "1");
}

static void test_engine_task__src_files_checked(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  roles: [r]\n"
			     "  tasks:\n"
			     "    - template: src=top.j2 dest=/etc/top\n"
			     "    - copy: src=missing.txt dest=/tmp/x\n"
			     "    - copy: src=/etc/on/target dest=/tmp/y remote_src=yes\n"
			     "    - template:\n"
			     "        src: \"{{ which }}.j2\"\n"
			     "        dest: /tmp/z\n"
			     "    - copy: src=somedir/ dest=/tmp/d\n");
	fx_write("templates/top.j2", "{{ ok }}\n");
	fx_write("files/somedir/f", "x\n");
	fx_write("roles/r/tasks/main.yml", "- template: src=conf.j2 dest=/etc/conf\n");
	fx_write("roles/r/templates/conf.j2", "line one\n{% if x %}\nno end\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 2);
	fx_expect_at(&FX.errors, 0, "site.yml", 5, 13, "could not find or access 'missing.txt'");
	/* the template engine's message; where it is matters here */
	assert_true(fx_ends_with(FX.errors.items[1].pos.file, "roles/r/templates/conf.j2"));
	assert_true(FX.errors.items[1].pos.line >= 2);
	assert_string_equal(FX.pb->plays[0]->tasks.items[0]->file_path, fx_path("templates/top.j2"));
	assert_string_equal(FX.pb->plays[0]->roles[0]->tasks.items[0]->file_path,
			    fx_path("roles/r/templates/conf.j2"));
	assert_null(FX.pb->plays[0]->tasks.items[2]->file_path);
}

static void test_engine_task__not_a_mapping(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - just a string\n"
			     "    - debug: [1, 2]\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 2);
	fx_expect_at(&FX.errors, 0, "site.yml", 3, 7, "a task must be a mapping, got a string");
	fx_expect_at(&FX.errors, 1, "site.yml", 4, 14,
		     "arguments of 'debug' must be a mapping or a string, got a list");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_task__split_args_like_ansible),
		cmocka_unit_test(test_engine_task__parse_kv_like_ansible),
		cmocka_unit_test(test_engine_task__split_errors),
		cmocka_unit_test_setup_teardown(test_engine_task__module_key_with_dict_args, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__fqcn_and_free_form, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__action_and_local_action, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__args_keyword_merged, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__conflicting_actions, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__no_module, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__unknown_keyword_or_module, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__keyword_types, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__every_keyword, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__loops, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__loop_errors, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__blocks_nested, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__handlers_listen_and_notify, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__listen_only_in_handlers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__import_and_include_tasks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__include_keywords_and_options, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__meta, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__extra_params_and_module_args, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__src_files_checked, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_task__not_a_mapping, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
