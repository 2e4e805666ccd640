/*
 * Unit tests for engine/role.c: the role search order (roles/ next to
 * the playbook, --roles-path, ANSIBLE_ROLES_PATH, the playbook
 * directory, a path), the layout (main.yml, main.yaml, main/ for vars),
 * meta dependencies, role params and keywords, import_role/include_role
 * with *_from, duplicate uses, and the errors with their positions.
 */
#include "kiso_common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "playbook_fixture.h"
#include "value.h"

static const char *PLAY_R = "- hosts: all\n"
			    "  roles:\n"
			    "    - r\n";

static const struct kiso_role *only_role(void)
{
	assert_int_equal(FX.pb->nplays, 1);
	assert_int_equal(FX.pb->plays[0]->nroles, 1);
	return FX.pb->plays[0]->roles[0];
}

static void role_task(const char *dir, const char *name)
{
	char rel[256], text[256];

	snprintf(rel, sizeof(rel), "%s/tasks/main.yml", dir);
	snprintf(text, sizeof(text), "- name: %s\n  debug: msg=x\n", name);
	fx_write(rel, text);
}

static void test_engine_playbook_role__search_order(void **state)
{
	struct kiso_load_opts o = { 0 };
	const char *rp[3];

	(void)state;
	fx_write("pb/site.yml", PLAY_R);
	role_task("pb/roles/r", "next to playbook");
	role_task("extra1/r", "roles-path 1");
	role_task("extra2/r", "roles-path 2");
	role_task("envdir/r", "env");
	role_task("pb/r", "playbook dir");
	rp[0] = fx_path("extra1");
	rp[1] = fx_path("extra2");
	rp[2] = NULL;
	o.roles_path = rp;
	o.env_roles_path = kiso_arena_sprintf(FX.a, "%s:%s", fx_path("nothere"), fx_path("envdir"));

	fx_load_opts("pb/site.yml", &o);
	fx_expect_clean();
	assert_string_equal(only_role()->tasks.items[0]->name, "next to playbook");
	assert_string_equal(only_role()->name, "r");
	assert_string_equal(only_role()->path, fx_path("pb/roles/r"));

	fx_write("pb/roles/r/tasks/main.yml", "[]\n");
	remove(fx_path("pb/roles/r/tasks/main.yml"));
	rmdir(fx_path("pb/roles/r/tasks"));
	rmdir(fx_path("pb/roles/r"));
	fx_load_opts("pb/site.yml", &o);
	assert_string_equal(only_role()->tasks.items[0]->name, "roles-path 1");

	rp[0] = fx_path("nothere");
	fx_load_opts("pb/site.yml", &o);
	assert_string_equal(only_role()->tasks.items[0]->name, "roles-path 2");

	rp[1] = NULL;
	fx_load_opts("pb/site.yml", &o);
	assert_string_equal(only_role()->tasks.items[0]->name, "env");

	o.env_roles_path = fx_path("nothere");
	fx_load_opts("pb/site.yml", &o);
	fx_expect_clean();
	assert_string_equal(only_role()->tasks.items[0]->name, "playbook dir");
	assert_string_equal(only_role()->path, fx_path("pb/r"));
}

static void test_engine_playbook_role__role_as_path(void **state)
{
	(void)state;
	role_task("elsewhere/myrole", "by path");
	fx_write("site.yml", kiso_arena_sprintf(FX.a, "- hosts: all\n"
						      "  roles:\n"
						      "    - role: %s\n",
						fx_path("elsewhere/myrole")));
	fx_load("site.yml");
	fx_expect_clean();
	/* Ansible keeps the name as written when a search path finds it */
	assert_string_equal(only_role()->name, fx_path("elsewhere/myrole"));
	assert_string_equal(only_role()->path, fx_path("elsewhere/myrole"));
	assert_string_equal(only_role()->tasks.items[0]->name, "by path");
}

static void test_engine_playbook_role__not_found(void **state)
{
	struct kiso_load_opts o = { 0 };

	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  roles:\n"
			     "    - common\n"
			     "    - { role: nope, tags: x }\n");
	role_task("roles/common", "c");
	o.env_roles_path = "/nonexistent-a:/nonexistent-b";
	fx_load_opts("site.yml", &o);
	fx_expect_error("site.yml", 4, 15,
			kiso_arena_sprintf(FX.a,
					   "the role 'nope' was not found in %s/roles:/nonexistent-a:/nonexistent-b:%s",
					   FX.dir, FX.dir));
	assert_int_equal(FX.pb->plays[0]->nroles, 1);
}

static void test_engine_playbook_role__layout(void **state)
{
	(void)state;
	fx_write("site.yml", PLAY_R);
	fx_write("roles/r/tasks/main.yaml", "- name: from yaml\n  ping:\n");
	fx_write("roles/r/handlers/main.yml", "- name: restart\n  debug: msg=h\n");
	fx_write("roles/r/defaults/main.yml", "a: 1\nb: 1\n");
	/* vars/main/ is a directory: its files merged in sorted order */
	fx_write("roles/r/vars/main/20-second.yml", "x: second\ny: 2\n");
	fx_write("roles/r/vars/main/10-first.yml", "x: first\nz: 3\n");
	fx_write("roles/r/vars/main/sub/30-third.yaml", "w: 4\n");
	fx_write("roles/r/vars/main/ignored.txt", "x: nope\n");
	fx_write("roles/r/templates/a.j2", "{{ a }}\n");
	fx_load("site.yml");
	fx_expect_clean();
	const struct kiso_role *r = only_role();
	assert_string_equal(r->tasks.items[0]->name, "from yaml");
	assert_ptr_equal(r->tasks.items[0]->role, r);
	assert_int_equal(r->handlers.len, 1);
	assert_true(r->handlers.items[0]->is_handler);
	assert_int_equal(kiso_map_get(r->defaults, "a")->u.i, 1);
	assert_string_equal(fx_str(r->vars, "x"), "second");
	assert_int_equal(kiso_map_get(r->vars, "y")->u.i, 2);
	assert_int_equal(kiso_map_get(r->vars, "z")->u.i, 3);
	assert_int_equal(kiso_map_get(r->vars, "w")->u.i, 4);
	assert_int_equal(r->origin, KISO_ROLE_PLAY);
	assert_null(r->same_as);
}

static void test_engine_playbook_role__layout_errors(void **state)
{
	(void)state;
	fx_write("site.yml", PLAY_R);
	fx_write("roles/r/tasks/main.yml", "name: not a list\n");
	fx_write("roles/r/vars/main.yml", "- not a map\n");
	fx_write("roles/r/meta/main.yml", "dependencies: []\nauthor: me\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 3);
	fx_expect_at(&FX.errors, 0, "roles/r/meta/main.yml", 2, 1,
		     "'author' is not a valid attribute for a RoleMetadata");
	fx_expect_at(&FX.errors, 1, "roles/r/vars/main.yml", 1, 1,
		     "the vars file for role 'r' must contain a dictionary of variables");
	fx_expect_at(&FX.errors, 2, "roles/r/tasks/main.yml", 1, 1,
		     "a task file must contain a list of tasks, got a mapping");
}

static void test_engine_playbook_role__params_and_keywords(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  roles:\n"
			     "    - role: r\n"
			     "      http_port: 8080\n"
			     "      become: yes\n"
			     "      when: ok\n"
			     "      vars:\n"
			     "        v: 1\n"
			     "    - name: r\n"
			     "      http_port: 8080\n"
			     "      become: yes\n"
			     "      when: ok\n"
			     "      vars:\n"
			     "        v: 1\n"
			     "    - { role: r, http_port: 9090 }\n");
	role_task("roles/r", "t");
	fx_load("site.yml");
	fx_expect_clean();
	const struct kiso_play *p = FX.pb->plays[0];
	assert_int_equal(p->nroles, 3);
	const struct kiso_role *r = p->roles[0];
	assert_int_equal(r->params->u.map.len, 1);
	assert_int_equal(kiso_map_get(r->params, "http_port")->u.i, 8080);
	assert_non_null(kiso_map_get(r->kw, "become"));
	assert_non_null(kiso_map_get(r->kw, "when"));
	assert_null(kiso_map_get(r->kw, "vars"));
	assert_int_equal(kiso_map_get(r->use_vars, "v")->u.i, 1);
	/* the same role with the same params: runs once (same_as) */
	assert_ptr_equal(p->roles[1]->same_as, r);
	assert_null(p->roles[2]->same_as);
	assert_int_equal(r->pos.line, 3);
}

static void test_engine_playbook_role__dependencies(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  roles: [app]\n");
	role_task("roles/app", "app task");
	fx_write("roles/app/meta/main.yml", "allow_duplicates: yes\n"
					    "dependencies:\n"
					    "  - base\n"
					    "  - role: db\n"
					    "    db_port: 5432\n"
					    "    when: use_db\n"
					    "    tags: [dbtag]\n"
					    "  - role: missing\n");
	role_task("roles/base", "base task");
	role_task("roles/db", "db task");
	fx_load("site.yml");
	fx_expect_error("roles/app/meta/main.yml", 8, 11,
			kiso_arena_sprintf(FX.a, "the role 'missing' was not found in %s/roles:%s:%s/roles:%s",
					   FX.dir, fx_path("no-such-roles-dir"), FX.dir, FX.dir));
	const struct kiso_role *app = only_role();
	assert_true(app->allow_duplicates);
	assert_int_equal(app->ndeps, 2);
	const struct kiso_role *db = app->deps[1];
	assert_string_equal(db->name, "db");
	assert_int_equal(db->origin, KISO_ROLE_DEPENDENCY);
	assert_ptr_equal(db->parent, app);
	assert_int_equal(kiso_map_get(db->params, "db_port")->u.i, 5432);
	struct kiso_value *tags = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_taskdef_tags(FX.a, tags, db->tasks.items[0]);
	assert_int_equal(tags->u.list.len, 1);
	assert_string_equal(tags->u.list.items[0]->u.s.ptr, "dbtag");
	struct kiso_value *when = kiso_list_new(FX.a, KISO_POS_NONE);
	kiso_taskdef_when(FX.a, when, db->tasks.items[0]);
	assert_int_equal(when->u.list.len, 1);
	assert_string_equal(when->u.list.items[0]->u.s.ptr, "use_db");
}

static void test_engine_playbook_role__dependency_loop(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  roles: [a]\n");
	role_task("roles/a", "a");
	role_task("roles/b", "b");
	fx_write("roles/a/meta/main.yml", "dependencies: [b]\n");
	fx_write("roles/b/meta/main.yml", "dependencies: [a]\n");
	fx_load("site.yml");
	assert_true(FX.errors.len >= 1);
	assert_non_null(strstr(FX.errors.items[0].msg, "a recursion loop was detected"));
}

static void test_engine_playbook_role__dependency_diamonds_bounded(void **state)
{
	(void)state;
	/* r0 -> r1 twice -> r2 twice ... : 2^14 uses if nothing stopped it */
	fx_write("site.yml", "- hosts: all\n"
			     "  roles: [r0]\n");
	for (int i = 0; i < 14; i++) {
		char rel[64], text[128];
		snprintf(rel, sizeof(rel), "roles/r%d/tasks/main.yml", i);
		fx_write(rel, "- ping:\n");
		snprintf(rel, sizeof(rel), "roles/r%d/meta/main.yml", i);
		snprintf(text, sizeof(text), "dependencies:\n  - {role: r%d, a: 1}\n  - {role: r%d, a: 2}\n",
			 i + 1, i + 1);
		fx_write(rel, text);
	}
	fx_write("roles/r14/tasks/main.yml", "- ping:\n");
	fx_load("site.yml");
	assert_int_equal(FX.errors.len, 1);
	assert_non_null(strstr(FX.errors.items[0].msg, "too many role uses"));
}

static void test_engine_playbook_role__import_and_include_role(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  tasks:\n"
			     "    - import_role:\n"
			     "        name: r\n"
			     "        tasks_from: extra\n"
			     "        vars_from: other.yml\n"
			     "        defaults_from: more\n"
			     "      become: yes\n"
			     "    - include_role: name=r handlers_from=h2\n"
			     "    - include_role:\n"
			     "        name: \"{{ role_to_use }}\"\n"
			     "    - import_role:\n"
			     "        name: r\n"
			     "        tasks_from: nothere\n");
	role_task("roles/r", "main");
	fx_write("roles/r/tasks/extra.yml", "- name: extra\n  debug: msg=e\n");
	fx_write("roles/r/vars/other.yml", "o: 1\n");
	fx_write("roles/r/defaults/more.yml", "m: 1\n");
	fx_write("roles/r/handlers/h2.yml", "- name: h2\n  debug: msg=h\n");
	fx_load("site.yml");
	fx_expect_error("site.yml", 13, 15, "could not find specified file in role 'r': tasks/nothere");
	const struct kiso_play *p = FX.pb->plays[0];
	const struct kiso_taskdef *t = p->tasks.items[0];
	assert_int_equal(t->kind, KISO_TD_IMPORT_ROLE);
	assert_non_null(t->inc_role);
	assert_int_equal(t->inc_role->origin, KISO_ROLE_IMPORT);
	assert_ptr_equal(t->inc_role->via, t);
	assert_string_equal(t->inc_role->tasks_from, "extra");
	assert_string_equal(t->inc_role->tasks.items[0]->name, "extra");
	assert_non_null(kiso_map_get(t->inc_role->vars, "o"));
	assert_non_null(kiso_map_get(t->inc_role->defaults, "m"));
	/* keywords of the import_role task reach the role's tasks */
	assert_true(kiso_taskdef_kw(t->inc_role->tasks.items[0], "become")->u.b);

	t = p->tasks.items[1];
	assert_int_equal(t->kind, KISO_TD_INCLUDE_ROLE);
	assert_true(t->inc_role->allow_duplicates);
	assert_string_equal(t->inc_role->tasks.items[0]->name, "main");
	assert_string_equal(t->inc_role->handlers.items[0]->name, "h2");

	t = p->tasks.items[2];
	assert_int_equal(t->kind, KISO_TD_INCLUDE_ROLE);
	assert_null(t->inc_role);
	assert_string_equal(t->role_name, "{{ role_to_use }}");
}

static void test_engine_playbook_role__handlers_of_roles_notified(void **state)
{
	(void)state;
	fx_write("site.yml", "- hosts: all\n"
			     "  roles: [web]\n"
			     "  tasks:\n"
			     "    - command: /bin/true\n"
			     "      notify: \"web : restart nginx\"\n"
			     "    - command: /bin/true\n"
			     "      notify: reload everything\n");
	fx_write("roles/web/tasks/main.yml", "- command: /bin/true\n"
					     "  notify: restart nginx\n");
	fx_write("roles/web/handlers/main.yml", "- name: restart nginx\n"
						"  service: name=nginx state=restarted\n");
	fx_load("site.yml");
	fx_expect_error("site.yml", 7, 15,
			"the handler 'reload everything' is not defined: no handler of the play has this name or listens to it");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__search_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__role_as_path, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__not_found, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__layout, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__layout_errors, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__params_and_keywords, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__dependencies, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__dependency_loop, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__dependency_diamonds_bounded, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__import_and_include_role, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_engine_playbook_role__handlers_of_roles_notified, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
