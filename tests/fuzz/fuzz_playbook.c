/*
 * fuzz_playbook.c - libFuzzer target for the playbook loader (plays,
 * roles, tasks, free-form arguments, keyword checks) and Ansible's
 * split_args/parse_kv.
 *
 * Each input is written as a playbook (site.yml) and as the tasks of a
 * role 'r' next to it, so that "roles: [r]" and "import_tasks:" inputs
 * reach the task parser through a role and an import too; then it is
 * loaded with every check on. The same bytes go through
 * kiso_task_parse_kv(). One arena per input, freed at the end, so the
 * leak checker sees any leak.
 */
#include "kiso_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "error.h"
#include "playbook.h"
#include "value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* The scratch playbook directory goes when the fuzzer exits. */
static void remove_dir(void)
{
	static const char *const files[] = { "roles/r/tasks/main.yml", "site.yml", NULL };
	static const char *const dirs[] = { "roles/r/tasks", "roles/r", "roles", "", NULL };
	char p[160];

	for (size_t i = 0; files[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	for (size_t i = 0; dirs[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		rmdir(p);
	}
}

static void put(const char *rel, const uint8_t *data, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiso_load_opts opts = { 0 };
	struct kiso_diags errors = KISO_DIAGS_INIT, warnings = KISO_DIAGS_INIT;
	struct kiso_playbook *pb = NULL;
	struct kiso_arena *a;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *kv = NULL;
	char path[128], *text;

	if (size > 1 << 16)
		return 0;
	if (!dir[0]) {
		char p[128];
		strcpy(dir, "/tmp/kiso-fuzz-pb-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
		snprintf(p, sizeof(p), "%s/roles", dir);
		mkdir(p, 0700);
		snprintf(p, sizeof(p), "%s/roles/r", dir);
		mkdir(p, 0700);
		snprintf(p, sizeof(p), "%s/roles/r/tasks", dir);
		mkdir(p, 0700);
	}
	put("site.yml", data, size);
	put("roles/r/tasks/main.yml", data, size);

	a = kiso_arena_new();
	snprintf(path, sizeof(path), "%s/site.yml", dir);
	opts.env_roles_path = "/nonexistent";
	kiso_playbook_load(&pb, a, path, &opts, &errors, &warnings);
	for (size_t i = 0; pb && i < pb->nplays; i++) {
		const struct kiso_play *p = pb->plays[i];
		struct kiso_value *hosts = kiso_list_new(a, KISO_POS_NONE);

		kiso_play_hosts_split(a, hosts, p->hosts);
		for (size_t j = 0; j < p->tasks.len; j++) {
			struct kiso_value *l = kiso_list_new(a, KISO_POS_NONE);
			kiso_taskdef_tags(a, l, p->tasks.items[j]);
			kiso_taskdef_when(a, l, p->tasks.items[j]);
			(void)kiso_taskdef_kw(p->tasks.items[j], "become");
			(void)kiso_taskdef_display_name(a, p->tasks.items[j]);
		}
	}
	kiso_diags_release(&errors);
	kiso_diags_release(&warnings);

	text = kiso_xstrndup((const char *)data, size);
	(void)kiso_task_parse_kv(&kv, a, text, KISO_POS_NONE, size & 1, &err);
	free(text);
	kiso_arena_free(a);
	return 0;
}
