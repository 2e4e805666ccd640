/*
 * modules/registry.c - the one list of modules, alphabetical.
 *
 * A new module is one file modules/<name>.c exporting
 * kiso_module_<name>, and one line here.
 */
#include "kiso_common.h"
#include "module.h"

extern const struct kiso_module kiso_module_add_host;
extern const struct kiso_module kiso_module_apt;
extern const struct kiso_module kiso_module_apt_repository;
extern const struct kiso_module kiso_module_assert;
extern const struct kiso_module kiso_module_authorized_key;
extern const struct kiso_module kiso_module_blockinfile;
extern const struct kiso_module kiso_module_command;
extern const struct kiso_module kiso_module_copy;
extern const struct kiso_module kiso_module_cron;
extern const struct kiso_module kiso_module_debug;
extern const struct kiso_module kiso_module_dnf;
extern const struct kiso_module kiso_module_fail;
extern const struct kiso_module kiso_module_fetch;
extern const struct kiso_module kiso_module_file;
extern const struct kiso_module kiso_module_get_url;
extern const struct kiso_module kiso_module_group;
extern const struct kiso_module kiso_module_group_by;
extern const struct kiso_module kiso_module_hostname;
extern const struct kiso_module kiso_module_import_playbook;
extern const struct kiso_module kiso_module_import_role;
extern const struct kiso_module kiso_module_import_tasks;
extern const struct kiso_module kiso_module_include_role;
extern const struct kiso_module kiso_module_include_tasks;
extern const struct kiso_module kiso_module_include_vars;
extern const struct kiso_module kiso_module_lineinfile;
extern const struct kiso_module kiso_module_meta;
extern const struct kiso_module kiso_module_modprobe;
extern const struct kiso_module kiso_module_mount;
extern const struct kiso_module kiso_module_package;
extern const struct kiso_module kiso_module_package_facts;
extern const struct kiso_module kiso_module_pause;
extern const struct kiso_module kiso_module_ping;
extern const struct kiso_module kiso_module_raw;
extern const struct kiso_module kiso_module_reboot;
extern const struct kiso_module kiso_module_replace;
extern const struct kiso_module kiso_module_script;
extern const struct kiso_module kiso_module_service;
extern const struct kiso_module kiso_module_service_facts;
extern const struct kiso_module kiso_module_set_fact;
extern const struct kiso_module kiso_module_setup;
extern const struct kiso_module kiso_module_shell;
extern const struct kiso_module kiso_module_slurp;
extern const struct kiso_module kiso_module_stat;
extern const struct kiso_module kiso_module_sysctl;
extern const struct kiso_module kiso_module_systemd;
extern const struct kiso_module kiso_module_template;
extern const struct kiso_module kiso_module_unarchive;
extern const struct kiso_module kiso_module_uri;
extern const struct kiso_module kiso_module_user;
extern const struct kiso_module kiso_module_virt;
extern const struct kiso_module kiso_module_virt_net;
extern const struct kiso_module kiso_module_virt_pool;
extern const struct kiso_module kiso_module_wait_for;
extern const struct kiso_module kiso_module_wait_for_connection;
extern const struct kiso_module kiso_module_yum;
extern const struct kiso_module kiso_module_yum_repository;

/* Sorted by name (strcmp order); tests/unit/modules/registry.c checks it. */
static const struct kiso_module *const kiso_modules[] = {
	&kiso_module_add_host,
	&kiso_module_apt,
	&kiso_module_apt_repository,
	&kiso_module_assert,
	&kiso_module_authorized_key,
	&kiso_module_blockinfile,
	&kiso_module_command,
	&kiso_module_copy,
	&kiso_module_cron,
	&kiso_module_debug,
	&kiso_module_dnf,
	&kiso_module_fail,
	&kiso_module_fetch,
	&kiso_module_file,
	&kiso_module_get_url,
	&kiso_module_group,
	&kiso_module_group_by,
	&kiso_module_hostname,
	&kiso_module_import_playbook,
	&kiso_module_import_role,
	&kiso_module_import_tasks,
	&kiso_module_include_role,
	&kiso_module_include_tasks,
	&kiso_module_include_vars,
	&kiso_module_lineinfile,
	&kiso_module_meta,
	&kiso_module_modprobe,
	&kiso_module_mount,
	&kiso_module_package,
	&kiso_module_package_facts,
	&kiso_module_pause,
	&kiso_module_ping,
	&kiso_module_raw,
	&kiso_module_reboot,
	&kiso_module_replace,
	&kiso_module_script,
	&kiso_module_service,
	&kiso_module_service_facts,
	&kiso_module_set_fact,
	&kiso_module_setup,
	&kiso_module_shell,
	&kiso_module_slurp,
	&kiso_module_stat,
	&kiso_module_sysctl,
	&kiso_module_systemd,
	&kiso_module_template,
	&kiso_module_unarchive,
	&kiso_module_uri,
	&kiso_module_user,
	&kiso_module_virt,
	&kiso_module_virt_net,
	&kiso_module_virt_pool,
	&kiso_module_wait_for,
	&kiso_module_wait_for_connection,
	&kiso_module_yum,
	&kiso_module_yum_repository,
};

static const struct kiso_module *find_name(const char *name)
{
	size_t lo = 0, hi = KISO_ARRAY_SIZE(kiso_modules);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, kiso_modules[mid]->name);

		if (c == 0)
			return kiso_modules[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct kiso_module *kiso_module_find(const char *name)
{
	const struct kiso_module *m;

	if (!name)
		return NULL;
	if ((m = find_name(name)) != NULL)
		return m;
	/* "ansible.builtin.copy", "ansible.posix.sysctl", "systemd_service" */
	for (size_t i = 0; i < KISO_ARRAY_SIZE(kiso_modules); i++) {
		const char *const *al = kiso_modules[i]->aliases;

		for (; al && *al; al++)
			if (strcmp(*al, name) == 0)
				return kiso_modules[i];
	}
	return NULL;
}

const struct kiso_module *const *kiso_module_list(size_t *n)
{
	if (n)
		*n = KISO_ARRAY_SIZE(kiso_modules);
	return kiso_modules;
}

/* Whether 'name' is one of the comma-separated names in 'list'. */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (list && *list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		if (len == n && strncmp(list, name, n) == 0)
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}

const struct kiso_param *kiso_module_param(const struct kiso_module *m, const char *name)
{
	const struct kiso_param *p;

	if (!m || !m->params || !name)
		return NULL;
	for (p = m->params; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	for (p = m->params; p->name; p++)
		if (p->aliases && in_list(p->aliases, name))
			return p;
	return NULL;
}
