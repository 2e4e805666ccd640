/*
 * Unit tests for engine/playbook.c: plays and their keywords,
 * vars_prompt, import_playbook (vars, tags, when, nesting), errors with
 * positions in file order across files, and the model helpers
 * (keyword inheritance, accumulated tags and conditions, host patterns).
 */
#include "kiso_common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "playbook_fixture.h"
#include "value.h"

static void test_engine_playbook__play_keywords(void **state)
{
	(void)state;
	fx_write("site.yml", "---\n"
			     "- name: web servers\n"
			     "  hosts: web:&prod\n"
			     "  gather_facts: no\n"
			     "  become: yes\n"
			     "  become_user: root\n"
			     "  serial: [1, \"50%\"]\n"
			     "  strategy: free\n"
			     "  max_fail_percentage: 30%\n"
			     "  any_errors_fatal: true\n"
			     "  order: sorted\n"
			     "  environment: {LANG: C}\n"
			     "  module_defaults: {file: {owner: root}}\n"
			     "  collections: [community.general]\n"
			     "  force_handlers: true\n"
			     "  vars:\n"
			     "    port: 80\n"
			     "  vars_files:\n"
			     "    - vars/common.yml\n"
			     "    - [\"vars/{{ os }}.yml\", vars/default.yml]\n"
			     "  tasks:\n"
			     "    - ping:\n"
			     "- hosts: [db1, db2]\n"
			     "  tasks: []\n");
	fx_write("vars/common.yml", "x: 1\n");
	fx_write("vars/default.yml", "y: 1\n");
	fx_load("site.yml");
	fx_expect_clean();
	assert_int_equal(FX.pb->nplays, 2);
	const struct kiso_play *p = FX.pb->plays[0];
	assert_string_equal(p->name, "web servers");
	assert_int_equal(p->index, 1);
	assert_string_equal(p->hosts->u.s.ptr, "web:&prod");
	assert_int_equal(p->pos.line, 2);
	assert_int_equal(p->pos.col, 3);
	assert_non_null(kiso_map_get(p->kw, "strategy"));
	assert_int_equal(kiso_map_get(p->vars, "port")->u.i, 80);
	assert_int_equal(p->vars_files->u.list.len, 2);
	assert_int_equal(p->vars_files->u.list.items[1]->type, KISO_LIST);
	assert_int_equal(p->tasks.len, 1);
	assert_true(fx_ends_with(p->file, "site.yml"));

	struct kiso_value *hosts = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_play_hosts_split(FX.a, hosts, FX.pb->plays[1]->hosts);
	assert_int_equal(hosts->u.list.len, 2);
	assert_string_equal(hosts->u.list.items[1]->u.s.ptr, "db2");
	hosts = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_play_hosts_split(FX.a, hosts, p->hosts);
	assert_int_equal(hosts->u.list.len, 1);
	assert_null(FX.pb->plays[1]->name);
}

static void test_engine_playbook__play_errors(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  vars_prompt:\n"
			     "    - name: password\n"
			     "      prompt: pw?\n"
			     "  foo: 1\n"
			     "  gather_facts: sometimes\n"
			     "  serial: 2\n"
			     "  strategy: fastest\n"
			     "  order: \"{{ o }}\"\n"
			     "- name: no hosts\n"
			     "  tasks: []\n"
			     "- just a string\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 6);
	fx_expect_at(&FX.errors, 0, "site.yml", 2, 3, "vars_prompt is not supported: kiso is non-interactive");
	fx_expect_at(&FX.errors, 1, "site.yml", 5, 3, "'foo' is not a valid attribute for a Play");
	fx_expect_at(&FX.errors, 2, "site.yml", 6, 17, "keyword 'gather_facts' must be a boolean, got 'sometimes'");
	fx_expect_at(&FX.errors, 3, "site.yml", 8, 13,
		     "invalid strategy 'fastest' (choose from linear,free,host_pinned,debug)");
	fx_expect_at(&FX.errors, 4, "site.yml", 10, 3, "the field 'hosts' is required but was not set");
	fx_expect_at(&FX.errors, 5, "site.yml", 12, 3, "a play must be a mapping, got a string");
	assert_int_equal(FX.rc, KISO_EINVALID);
}

static void test_engine_playbook__vars_files_checked(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  vars_files:\n"
			     "    - vars/there.yml\n"
			     "    - vars/missing.yml\n"
			     "    - [\"vars/{{ os }}.yml\", vars/none.yml]\n"
			     "    - [vars/none.yml, vars/there.yml]\n"
			     "    - [vars/none.yml, vars/none2.yml]\n"
			     "    - vars/list.yml\n"
			     "    - \"vars/{{ env }}.yml\"\n"
			     "  tasks:\n"
			     "    - include_vars: more.yml\n"
			     "    - include_vars:\n"
			     "        file: nothere.yml\n"
			     "    - include_vars: \"{{ x }}.yml\"\n"
			     "    - include_vars:\n"
			     "        dir: whatever\n");
	fx_write("vars/there.yml", "a: 1\n");
	fx_write("vars/list.yml", "- a\n");
	fx_write("vars/more.yml", "b: \"{{ broken\"\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 5);
	fx_expect_at(&FX.errors, 0, "site.yml", 4, 7, "could not find or access vars file 'vars/missing.yml'");
	fx_expect_at(&FX.errors, 1, "site.yml", 7, 7, "none of the vars files in this list can be found");
	fx_expect_at(&FX.errors, 2, "site.yml", 13, 15, "could not find or access 'nothere.yml'");
	fx_expect_at(&FX.errors, 3, "vars/list.yml", 1, 1,
		     "vars file 'vars/list.yml' must hold a mapping of variables, got a list");
	/* the template engine's message; its place is what matters here */
	assert_true(fx_ends_with(FX.errors.items[4].pos.file, "vars/more.yml"));
	assert_int_equal(FX.errors.items[4].pos.line, 1);
	const struct kiso_taskdef *t = FX.pb->plays[0]->tasks.items[0];
	assert_string_equal(t->file_path, fx_path("vars/more.yml"));
}

static void test_engine_playbook__not_a_list_and_missing(void **state)
{
	(void)state;
	fx_write("site.yml", "hosts: all\n");
	fx_load("site.yml");
	fx_expect_error("site.yml", 1, 1, "a playbook must be a list of plays, got a mapping");

	fx_load("nope.yml");
	assert_int_equal(FX.rc, KISO_ENOTFOUND);
	assert_int_equal(FX.errors.len, 1);
	assert_non_null(strstr(FX.errors.items[0].msg, "could not be found"));
}

static void test_engine_playbook__yaml_error_reported(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - debug: msg=x\n"
			     "   bad: indent\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 1);
	assert_true(fx_ends_with(FX.errors.items[0].pos.file, "site.yml"));
	assert_int_equal(FX.errors.items[0].pos.line, 4);
}

static void test_engine_playbook__import_playbook(void **state)
{
	(void)state;
	fx_write("site.yml", "- import_playbook: plays/base.yml\n"
			     "  vars:\n"
			     "    level: 1\n"
			     "  tags: [base]\n"
			     "  when: do_base | bool\n"
			     "- hosts: all\n"
			     "  name: main\n"
			     "  tasks:\n"
			     "    - ping:\n");
	fx_write("plays/base.yml", "- hosts: all\n"
				   "  vars: {level: 0, own: yes}\n"
				   "  tags: mine\n"
				   "  tasks:\n"
				   "    - import_tasks: t.yml\n"
				   "- import_playbook: inner.yml tier=2\n");
	fx_write("plays/t.yml", "- debug: msg=t\n");
	fx_write("plays/inner.yml", "- hosts: db\n"
				    "  tasks: [{ping: }]\n");
	fx_load("site.yml");
	fx_expect_clean();
	assert_int_equal(FX.pb->nplays, 3);
	const struct kiso_play *p = FX.pb->plays[0];
	assert_int_equal(p->index, 1);
	assert_true(fx_ends_with(p->file, "plays/base.yml"));
	assert_true(fx_ends_with(p->basedir, "plays"));
	/* import vars win over the play's own */
	assert_int_equal(kiso_map_get(p->vars, "level")->u.i, 1);
	assert_non_null(kiso_map_get(p->vars, "own"));
	/* tags: the play's, then the import's */
	const struct kiso_value *tags = kiso_map_get(p->kw, "tags");
	assert_int_equal(tags->type, KISO_LIST);
	assert_int_equal(tags->u.list.len, 2);
	assert_string_equal(tags->u.list.items[0]->u.s.ptr, "mine");
	assert_string_equal(tags->u.list.items[1]->u.s.ptr, "base");
	assert_non_null(p->import_when);
	assert_int_equal(p->import_when->u.list.len, 1);
	/* t.yml is found next to base.yml (the play's basedir) */
	assert_int_equal(p->tasks.items[0]->body.len, 1);

	/* nested import: k=v params become vars, outer vars/tags/when carry */
	p = FX.pb->plays[1];
	assert_true(fx_ends_with(p->file, "plays/inner.yml"));
	assert_string_equal(fx_str(p->vars, "tier"), "2");
	assert_int_equal(kiso_map_get(p->vars, "level")->u.i, 1);
	assert_string_equal(kiso_map_get(p->kw, "tags")->u.list.items[0]->u.s.ptr, "base");
	assert_non_null(p->import_when);

	p = FX.pb->plays[2];
	assert_int_equal(p->index, 3);
	assert_string_equal(p->name, "main");
	assert_null(p->import_when);
	assert_null(kiso_map_get(p->kw, "tags"));

	struct kiso_value *when = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_taskdef_when(FX.a, when, FX.pb->plays[0]->tasks.items[0]->body.items[0]);
	assert_int_equal(when->u.list.len, 1);
	assert_string_equal(when->u.list.items[0]->u.s.ptr, "do_base | bool");
}

static void test_engine_playbook__import_errors(void **state)
{
	(void)state;
	fx_write("site.yml", "- import_playbook: missing.yml\n"
			     "- import_playbook: self.yml\n"
			     "- import_playbook: other.yml\n"
			     "  hosts: all\n");
	fx_write("self.yml", "- import_playbook: self.yml\n");
	fx_write("other.yml", "- hosts: all\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 3);
	fx_expect_at(&FX.errors, 0, "site.yml", 1, 20, "could not find or access 'missing.yml'");
	fx_expect_at(&FX.errors, 1, "site.yml", 4, 3, "'hosts' is not a valid attribute for a PlaybookInclude");
	fx_expect_at(&FX.errors, 2, "self.yml", 1, 20, "'self.yml' imports itself (import loop)");
}

static void test_engine_playbook__errors_in_file_order(void **state)
{
	(void)state;
	/* the role is loaded before the play's tasks, but errors are sorted */
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - bogus1: x\n"
			     "  roles:\n"
			     "    - r\n"
			     "  handlers:\n"
			     "    - bogus0: x\n");
	fx_write("roles/r/tasks/main.yml", "- bogus2: x\n"
					   "- include_tasks: more.yml\n");
	fx_write("roles/r/tasks/more.yml", "- bogus3: x\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 4);
	fx_expect_at(&FX.errors, 0, "site.yml", 3, 7, "unknown module or task keyword 'bogus1'");
	fx_expect_at(&FX.errors, 1, "site.yml", 7, 7, "unknown module or task keyword 'bogus0'");
	fx_expect_at(&FX.errors, 2, "roles/r/tasks/main.yml", 1, 3, "unknown module or task keyword 'bogus2'");
	fx_expect_at(&FX.errors, 3, "roles/r/tasks/more.yml", 1, 3, "unknown module or task keyword 'bogus3'");
}

static void test_engine_playbook__role_used_twice_reported_once(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: web\n"
			     "  roles: [r]\n"
			     "- hosts: db\n"
			     "  roles:\n"
			     "    - { role: r, x: 1 }\n"
			     "  tasks:\n"
			     "    - import_role: name=r\n");
	fx_write("roles/r/tasks/main.yml", "- bogus: 1\n"
					   "- debug: msg=x\n"
					   "  whn: y\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 2);
	fx_expect_at(&FX.errors, 0, "roles/r/tasks/main.yml", 1, 3, "unknown module or task keyword 'bogus'");
	fx_expect_at(&FX.errors, 1, "roles/r/tasks/main.yml", 3, 3, "unknown module or task keyword 'whn'");
	assert_int_equal(FX.pb->nplays, 2);
}

static void test_engine_playbook__keyword_inheritance(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  become: yes\n"
			     "  remote_user: admin\n"
			     "  tags: [p]\n"
			     "  roles:\n"
			     "    - role: r\n"
			     "      become_user: app\n"
			     "      tags: r1\n"
			     "      when: use_r\n"
			     "  tasks:\n"
			     "    - block:\n"
			     "        - name: inner\n"
			     "          debug: msg=x\n"
			     "          remote_user: deploy\n"
			     "          tags: t, u\n"
			     "          when: [a, b]\n"
			     "      tags: [blk]\n"
			     "      when: outer\n");
	fx_write("roles/r/tasks/main.yml", "- name: rt\n"
					   "  debug: msg=r\n");
	fx_load("site.yml");
	fx_expect_clean();
	const struct kiso_play *p = FX.pb->plays[0];
	const struct kiso_taskdef *inner = p->tasks.items[0]->block.items[0];
	const struct kiso_taskdef *rt = p->roles[0]->tasks.items[0];

	assert_string_equal(kiso_taskdef_kw(inner, "remote_user")->u.s.ptr, "deploy");
	assert_true(kiso_taskdef_kw(inner, "become")->u.b);
	assert_null(kiso_taskdef_kw(inner, "become_user"));
	assert_string_equal(kiso_taskdef_kw(rt, "become_user")->u.s.ptr, "app");
	assert_string_equal(kiso_taskdef_kw(rt, "remote_user")->u.s.ptr, "admin");

	struct kiso_value *tags = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_taskdef_tags(FX.a, tags, inner);
	assert_int_equal(tags->u.list.len, 4);
	assert_string_equal(tags->u.list.items[0]->u.s.ptr, "t");
	assert_string_equal(tags->u.list.items[1]->u.s.ptr, "u");
	assert_string_equal(tags->u.list.items[2]->u.s.ptr, "blk");
	assert_string_equal(tags->u.list.items[3]->u.s.ptr, "p");

	struct kiso_value *when = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_taskdef_when(FX.a, when, inner);
	assert_int_equal(when->u.list.len, 3);
	assert_string_equal(when->u.list.items[0]->u.s.ptr, "outer");
	assert_string_equal(when->u.list.items[1]->u.s.ptr, "a");
	assert_string_equal(when->u.list.items[2]->u.s.ptr, "b");

	when = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_taskdef_when(FX.a, when, rt);
	assert_int_equal(when->u.list.len, 1);
	assert_string_equal(when->u.list.items[0]->u.s.ptr, "use_r");

	assert_string_equal(kiso_taskdef_display_name(FX.a, rt), "r : rt");
	assert_string_equal(kiso_taskdef_display_name(FX.a, inner), "inner");
}

static void test_engine_playbook__templates_checked(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  vars:\n"
			     "    good: \"{{ a | default('b') }}\"\n"
			     "    bad: \"{{ a | }}\"\n"
			     "    raw: !unsafe \"{{ not a template\"\n"
			     "  tasks:\n"
			     "    - debug:\n"
			     "        msg: \"{{ x + }}\"\n"
			     "      when: x ==\n"
			     "    - debug: msg=ok\n"
			     "      when: \"{{ x }}\"\n"
			     "      changed_when: [false, \"y ==== 2\"]\n");
	fx_load("site.yml");
	/* the messages are the template engine's: only where they are matters here */
	assert_int_equal(FX.errors.len, 4);
	assert_int_equal(FX.errors.items[0].pos.line, 4);
	assert_int_equal(FX.errors.items[1].pos.line, 8);
	assert_int_equal(FX.errors.items[2].pos.line, 9);
	assert_int_equal(FX.errors.items[3].pos.line, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_playbook__play_keywords, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__play_errors, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__vars_files_checked, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__not_a_list_and_missing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__yaml_error_reported, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__import_playbook, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__import_errors, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__errors_in_file_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__role_used_twice_reported_once, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__keyword_inheritance, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook__templates_checked, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
