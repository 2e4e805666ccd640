/*
 * Unit tests for modules/registry.c and the schemas of every module:
 * lookups by name and alias, the table's order, and the consistency of
 * each parameter entry (type, doc, aliases, defaults, choices).
 */
#include "kiso_common.h"
#include "args.h"
#include "arena.h"
#include "error.h"
#include "module.h"
#include "value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static void test_modules_registry__find_by_name_and_builtin_names(void **state)
{
	const struct kiso_module *copy = kiso_module_find("copy");

	assert_non_null(copy);
	assert_string_equal(copy->name, "copy");
	assert_ptr_equal(kiso_module_find("ansible.builtin.copy"), copy);
	assert_ptr_equal(kiso_module_find("ansible.legacy.copy"), copy);
	assert_ptr_equal(kiso_module_find("ansible.builtin.include_role"),
			 kiso_module_find("include_role"));
	assert_ptr_equal(kiso_module_find("ansible.builtin.set_fact"), kiso_module_find("set_fact"));
}

static void test_modules_registry__find_collection_names(void **state)
{
	const struct kiso_module *sysctl = kiso_module_find("sysctl");

	assert_non_null(sysctl);
	assert_ptr_equal(kiso_module_find("ansible.posix.sysctl"), sysctl);
	assert_ptr_equal(kiso_module_find("ansible.posix.mount"), kiso_module_find("mount"));
	assert_ptr_equal(kiso_module_find("ansible.posix.authorized_key"),
			 kiso_module_find("authorized_key"));
	assert_ptr_equal(kiso_module_find("community.general.modprobe"),
			 kiso_module_find("modprobe"));
	assert_ptr_equal(kiso_module_find("community.libvirt.virt"), kiso_module_find("virt"));
	assert_ptr_equal(kiso_module_find("community.libvirt.virt_net"),
			 kiso_module_find("virt_net"));
	assert_ptr_equal(kiso_module_find("community.libvirt.virt_pool"),
			 kiso_module_find("virt_pool"));
	/* systemd_service is another name of systemd */
	assert_ptr_equal(kiso_module_find("systemd_service"), kiso_module_find("systemd"));
	assert_ptr_equal(kiso_module_find("ansible.builtin.systemd_service"),
			 kiso_module_find("systemd"));
	/* a collection module is not in ansible.builtin */
	assert_null(kiso_module_find("ansible.builtin.sysctl"));
	assert_null(kiso_module_find("ansible.posix.copy"));
}

static void test_modules_registry__unknown_is_null(void **state)
{
	assert_null(kiso_module_find("copyy"));
	assert_null(kiso_module_find(""));
	assert_null(kiso_module_find("ansible.builtin."));
	assert_null(kiso_module_find("ansible.builtin.nope"));
	assert_null(kiso_module_find("COPY"));
	assert_null(kiso_module_find(NULL));
}

static void test_modules_registry__every_listed_module_is_there(void **state)
{
	static const char *const wanted[] = {
		"command", "shell", "raw", "script", "file", "copy", "template", "lineinfile",
		"blockinfile", "replace", "stat", "slurp", "fetch", "debug", "set_fact", "assert",
		"fail", "pause", "meta", "ping", "wait_for", "setup", "include_vars", "package",
		"apt", "dnf", "yum", "apt_repository", "yum_repository", "service", "systemd",
		"systemd_service", "service_facts", "package_facts", "user", "group",
		"authorized_key", "hostname", "cron", "modprobe", "sysctl", "mount", "get_url",
		"unarchive", "reboot", "virt", "virt_net", "virt_pool", "add_host", "group_by",
		"wait_for_connection", "uri", "include_tasks", "import_tasks", "include_role",
		"import_role", "import_playbook",
	};

	for (size_t i = 0; i < KISO_ARRAY_SIZE(wanted); i++)
		if (!kiso_module_find(wanted[i]))
			fail_msg("module '%s' is not registered", wanted[i]);
}

static void test_modules_registry__table_sorted_and_unique(void **state)
{
	size_t n = 0;
	const struct kiso_module *const *mods = kiso_module_list(&n);

	assert_true(n >= 56);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(mods[i]->name);
		if (i > 0 && strcmp(mods[i - 1]->name, mods[i]->name) >= 0)
			fail_msg("'%s' before '%s'", mods[i - 1]->name, mods[i]->name);
		/* every name and alias finds exactly this module */
		assert_ptr_equal(kiso_module_find(mods[i]->name), mods[i]);
		for (const char *const *al = mods[i]->aliases; al && *al; al++) {
			if (kiso_module_find(*al) != mods[i])
				fail_msg("alias '%s' of '%s' finds another module", *al, mods[i]->name);
			for (size_t k = 0; k < n; k++)
				if (strcmp(mods[k]->name, *al) == 0)
					fail_msg("alias '%s' is also a module name", *al);
		}
		assert_non_null(mods[i]->doc);
		assert_true(strlen(mods[i]->doc) > 10);
		/* no apply without a plan; actions that never change the host
		 * (debug, assert, fail, pause) have a plan and no apply */
		assert_true(mods[i]->apply == NULL || mods[i]->plan != NULL);
	}
	assert_ptr_equal(kiso_module_list(NULL), mods);
}

/* Each item of a comma list: non-empty, no spaces around. */
static void check_csv(const char *mod, const char *param, const char *what, const char *csv)
{
	const char *s = csv;

	for (;;) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);

		if (len == 0 || s[0] == ' ' || s[len - 1] == ' ')
			fail_msg("%s.%s: bad %s list '%s'", mod, param, what, csv);
		if (!c)
			break;
		s = c + 1;
	}
}

static void test_modules_registry__every_param_is_well_formed(void **state)
{
	size_t n = 0;
	const struct kiso_module *const *mods = kiso_module_list(&n);

	for (size_t i = 0; i < n; i++) {
		const struct kiso_module *m = mods[i];
		const struct kiso_param *p;

		assert_non_null(m->params);
		for (p = m->params; p->name; p++) {
			if (!p->doc || !*p->doc)
				fail_msg("%s.%s has no doc", m->name, p->name);
			if ((unsigned)p->type > KISO_T_RAW || (unsigned)p->elements > KISO_T_RAW)
				fail_msg("%s.%s has a bad type", m->name, p->name);
			if (p->type != KISO_T_LIST && p->elements != KISO_T_STR)
				fail_msg("%s.%s: elements on a non-list", m->name, p->name);
			if ((p->flags & KISO_REQUIRED) && p->def)
				fail_msg("%s.%s is required and has a default", m->name, p->name);
			if (p > m->params && strcmp(p[-1].name, p->name) >= 0)
				fail_msg("%s: parameters not sorted at '%s'", m->name, p->name);
			/* the name and each alias lead back to this entry */
			assert_ptr_equal(kiso_module_param(m, p->name), p);
			if (p->aliases) {
				char *al = kiso_xstrdup(p->aliases), *save = NULL;

				check_csv(m->name, p->name, "alias", p->aliases);
				for (char *t = strtok_r(al, ",", &save); t; t = strtok_r(NULL, ",", &save))
					if (kiso_module_param(m, t) != p)
						fail_msg("%s: alias '%s' of '%s' is ambiguous", m->name, t,
							 p->name);
				free(al);
			}
			if (p->choices)
				check_csv(m->name, p->name, "choice", p->choices);
		}
		assert_null(kiso_module_param(m, "no_such_parameter"));
	}
	assert_null(kiso_module_param(NULL, "x"));
}

/*
 * Every default converts to its parameter's type and, where there are
 * choices, is one of them: normalising empty arguments fills them all
 * in (a bad default would abort with KISO_BUG).
 */
static void test_modules_registry__defaults_convert_and_match_choices(void **state)
{
	size_t n = 0;
	const struct kiso_module *const *mods = kiso_module_list(&n);
	struct kiso_arena *a = kiso_arena_new();

	for (size_t i = 0; i < n; i++) {
		const struct kiso_module *m = mods[i];
		struct kiso_value *args = kiso_map_new(a, KISO_POS_NONE);
		struct kiso_value *out = NULL;
		struct kiso_diags d = KISO_DIAGS_INIT;
		const struct kiso_param *p;

		/* give the required ones a template, which is never type-checked */
		for (p = m->params; p->name; p++)
			if (p->flags & KISO_REQUIRED)
				kiso_map_set(a, args, p->name, kiso_str(a, "{{ x }}", KISO_POS_NONE));
		kiso_args_normalize(&out, a, m, args, KISO_POS_NONE, &d);
		for (size_t k = 0; k < d.len; k++)
			if (strstr(d.items[k].msg, "must be one"))
				fail_msg("%s: a default is not among the choices: %s", m->name,
					 d.items[k].msg);
		kiso_diags_release(&d);
		if (!out)
			continue; /* a cross-parameter rule wants more than the required ones */
		for (p = m->params; p->name; p++) {
			struct kiso_value *v = kiso_map_get(out, p->name);

			if (p->def && !(p->flags & KISO_REQUIRED)) {
				if (!v || !(v->flags & KISO_VF_DEFAULT))
					fail_msg("%s.%s: default '%s' not filled in", m->name, p->name,
						 p->def);
			}
		}
	}
	kiso_arena_free(a);
}

static void test_modules_registry__param_lookup(void **state)
{
	const struct kiso_module *file = kiso_module_find("file");
	const struct kiso_param *path = kiso_module_param(file, "path");

	assert_non_null(path);
	assert_ptr_equal(kiso_module_param(file, "dest"), path);
	assert_ptr_equal(kiso_module_param(file, "name"), path);
	assert_true(path->flags & KISO_REQUIRED);
	assert_int_equal(path->type, KISO_T_PATH);
	assert_string_equal(kiso_module_param(file, "state")->choices,
			    "absent,directory,file,hard,link,touch");
	assert_int_equal(kiso_module_param(file, "mode")->type, KISO_T_RAW);
	assert_null(kiso_module_param(file, "pat"));
	assert_null(kiso_module_param(file, ""));

	/* Ansible's names, types and defaults, spot-checked */
	const struct kiso_module *copy = kiso_module_find("copy");
	assert_null(kiso_module_param(copy, "path")); /* copy has dest, no alias */
	assert_true(kiso_module_param(copy, "content")->flags & KISO_NO_LOG);
	assert_string_equal(kiso_module_param(copy, "force")->def, "true");
	const struct kiso_module *apt = kiso_module_find("apt");
	assert_string_equal(kiso_module_param(apt, "name")->name, "package");
	assert_int_equal(kiso_module_param(apt, "pkg")->type, KISO_T_LIST);
	assert_int_equal(kiso_module_param(apt, "pkg")->elements, KISO_T_STR);
	assert_string_equal(kiso_module_param(apt, "state")->def, "present");
	const struct kiso_module *user = kiso_module_find("user");
	assert_true(kiso_module_param(user, "password")->flags & KISO_NO_LOG);
	assert_int_equal(kiso_module_param(user, "uid")->type, KISO_T_INT);
	const struct kiso_module *sysctl = kiso_module_find("ansible.posix.sysctl");
	assert_string_equal(kiso_module_param(sysctl, "key")->name, "name");
	assert_string_equal(kiso_module_param(sysctl, "sysctl_file")->def, "/etc/sysctl.conf");
	const struct kiso_module *mount = kiso_module_find("mount");
	assert_string_equal(kiso_module_param(mount, "name")->name, "path");
	assert_true(kiso_module_param(mount, "state")->flags & KISO_REQUIRED);
	const struct kiso_module *ir = kiso_module_find("include_role");
	assert_string_equal(kiso_module_param(ir, "role")->name, "name");
	assert_non_null(kiso_module_param(ir, "apply"));
	assert_null(kiso_module_param(kiso_module_find("import_role"), "apply"));
	assert_non_null(kiso_module_param(kiso_module_find("import_tasks"), "_raw_params"));
}

static void test_modules_registry__flags(void **state)
{
	static const char *const free_form[] = {
		"command", "shell", "raw", "script", "include_vars", "include_tasks",
		"import_tasks", "import_playbook", "meta",
	};

	for (size_t i = 0; i < KISO_ARRAY_SIZE(free_form); i++) {
		const struct kiso_module *m = kiso_module_find(free_form[i]);

		assert_true(m->flags & KISO_MOD_FREE_FORM);
		assert_non_null(kiso_module_param(m, "_raw_params"));
	}
	assert_true(kiso_module_find("set_fact")->flags & KISO_MOD_ANY_ARGS);
	assert_true(kiso_module_find("add_host")->flags & KISO_MOD_ANY_ARGS);
	assert_true(kiso_module_find("debug")->flags & KISO_MOD_ACTION);
	assert_false(kiso_module_find("copy")->flags & (KISO_MOD_FREE_FORM | KISO_MOD_ANY_ARGS));
	assert_false(kiso_module_find("copy")->flags & KISO_MOD_ACTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_registry__find_by_name_and_builtin_names),
		cmocka_unit_test(test_modules_registry__find_collection_names),
		cmocka_unit_test(test_modules_registry__unknown_is_null),
		cmocka_unit_test(test_modules_registry__every_listed_module_is_there),
		cmocka_unit_test(test_modules_registry__table_sorted_and_unique),
		cmocka_unit_test(test_modules_registry__every_param_is_well_formed),
		cmocka_unit_test(test_modules_registry__defaults_convert_and_match_choices),
		cmocka_unit_test(test_modules_registry__param_lookup),
		cmocka_unit_test(test_modules_registry__flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
