/*
 * Tests for modules/sysctl.c with the local transport: the sysctl file
 * lives in a temporary directory, and the live values are only READ from
 * this machine's /proc/sys (plan() with reload or sysctl_set reads them;
 * apply() is only called with reload: false and sysctl_set: false here).
 * Changing live values is tested on a lab host with a fake /proc/sys
 * (tests/unit/modules/remote.c), never on this kernel.
 *
 * Expected files are what ansible.posix.sysctl writes for the same task
 * (its fix_lines()/write_sysctl()).
 */
#include "kiso_common.h"
#include "modtask.h"

#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

struct fx {
	struct modtask m;
	char dir[64];
	char file[128];
	char task[1024];
};

static int setup(void **state)
{
	struct fx *f = kiso_xcalloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/kiso-sysctl-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->file, sizeof(f->file), "%s/sysctl.conf", f->dir);
	modtask_init(&f->m);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	modtask_release(&f->m);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void put(struct fx *f, const char *text)
{
	FILE *fp = fopen(f->file, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *get(struct fx *f)
{
	FILE *fp = fopen(f->file, "r");
	char buf[4096];
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return kiso_xstrdup(buf);
}

static void assert_file(struct fx *f, const char *want)
{
	char *got = get(f);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* a task on f->file; extra: more "key: value" pairs */
static const char *task(struct fx *f, const char *extra)
{
	snprintf(f->task, sizeof(f->task), "{sysctl_file: '%s', reload: false, %s}", f->file, extra);
	return f->task;
}

static char *live(const char *path)
{
	char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return kiso_xstrdup(buf);
}

static void test_modules_sysctl__new_file_pattern(void **state)
{
	struct fx *f = *state;
	const char *t = task(f, "name: vm.swappiness, value: 10");
	char tk[1024];

	snprintf(tk, sizeof(tk), "%s", t);
	/* check: a change, a diff, nothing written */
	assert_int_equal(modtask_plan(&f->m, "sysctl", tk, true), 0);
	assert_true(f->m.plan.changed);
	assert_false(f->m.plan.unpredictable);
	assert_int_equal(f->m.plan.ndiffs, 1);
	assert_string_equal(f->m.plan.diffs[0].before_header, f->file);
	assert_null(f->m.plan.diffs[0].before);
	assert_string_equal(f->m.plan.diffs[0].after, "vm.swappiness=10\n");
	assert_null(get(f));
	/* apply, then no change */
	assert_int_equal(modtask_plan(&f->m, "sysctl", tk, false), 0);
	assert_true(f->m.plan.changed);
	assert_int_equal(modtask_apply(&f->m), 0);
	assert_file(f, "vm.swappiness=10\n");
	assert_int_equal(modtask_plan(&f->m, "sysctl", tk, false), 0);
	assert_false(f->m.plan.changed);
	assert_int_equal(f->m.plan.ndiffs, 0);
}

static void test_modules_sysctl__rewrites_as_ansible(void **state)
{
	struct fx *f = *state;
	char *before;
	struct stat st;

	put(f, "# comment\n  ; other comment\n\nkernel.a = 1\nvm.swappiness = 60\n"
	       "junk line\nvm.swappiness=30\n   net.x  =  a  b  \n");
	assert_int_equal(chmod(f->file, 0600), 0);
	/* the last assignment counts: 30 -> change to 60 */
	assert_int_equal(modtask_plan(&f->m, "sysctl", task(f, "name: vm.swappiness, value: ' 60 '"), true), 0);
	assert_true(f->m.plan.changed);
	before = get(f);
	assert_int_equal(modtask_plan(&f->m, "sysctl", task(f, "name: vm.swappiness, value: ' 60 '"), false), 0);
	assert_int_equal(modtask_apply(&f->m), 0);
	assert_file(f, "# comment\n; other comment\n\nkernel.a=1\nvm.swappiness=60\n"
		       "junk line\nnet.x=a  b\n");
	/* mode kept */
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(before);
	assert_int_equal(modtask_plan(&f->m, "sysctl", task(f, "name: vm.swappiness, value: 60"), false), 0);
	assert_false(f->m.plan.changed);
	/* booleans are 1/0 as in the collection's _parse_value() */
	assert_int_equal(modtask_run(&f->m, "sysctl", task(f, "name: kernel.a, value: 'off'")), 0);
	assert_true(f->m.plan.changed);
	assert_file(f, "# comment\n; other comment\n\nkernel.a=0\nvm.swappiness=60\n"
		       "junk line\nnet.x=a  b\n");
	assert_int_equal(modtask_run(&f->m, "sysctl", task(f, "name: kernel.a, value: no")), 0);
	assert_false(f->m.plan.changed);
	/* absent removes the line, then nothing to do */
	assert_int_equal(modtask_run(&f->m, "sysctl", task(f, "name: net.x, state: absent")), 0);
	assert_true(f->m.plan.changed);
	assert_file(f, "# comment\n; other comment\n\nkernel.a=0\nvm.swappiness=60\njunk line\n");
	assert_int_equal(modtask_run(&f->m, "sysctl", task(f, "name: net.x, state: absent")), 0);
	assert_false(f->m.plan.changed);
	/* value required when present, not blank */
	assert_true(modtask_plan(&f->m, "sysctl", task(f, "name: kernel.a, value: ''"), false) < 0);
	assert_string_equal(f->m.err.msg, "value cannot be blank");
}

static void test_modules_sysctl__live_value_compare(void **state)
{
	struct fx *f = *state;
	char *rmem = live("/proc/sys/net/ipv4/tcp_rmem");
	char *swp = live("/proc/sys/vm/swappiness");
	char spaced[256], tk[1024];
	char *before;

	/* the kernel reads back "a\tb\tc\n": spaces in the task are the same value */
	rmem[strcspn(rmem, "\n")] = '\0';
	snprintf(spaced, sizeof(spaced), "%s", rmem);
	for (char *p = spaced; *p; p++)
		if (*p == '\t')
			*p = ' ';
	put(f, "");
	snprintf(tk, sizeof(tk), "{sysctl_file: '%s', name: net.ipv4.tcp_rmem, value: '%s', "
		 "sysctl_set: true, reload: true}", f->file, spaced);
	before = get(f);
	assert_int_equal(modtask_plan(&f->m, "sysctl", tk, true), 0);
	/* the file lacks it: a change, but only the file's */
	assert_true(f->m.plan.changed);
	assert_int_equal(f->m.plan.ndiffs, 1);
	assert_string_equal(f->m.plan.diffs[0].before_header, f->file);
	put(f, kiso_arena_sprintf(f->m.arena, "net.ipv4.tcp_rmem=%s\n", spaced));
	assert_int_equal(modtask_plan(&f->m, "sysctl", tk, true), 0);
	assert_false(f->m.plan.changed);
	/* a different live value: changed, with the live diff */
	swp[strcspn(swp, "\n")] = '\0';
	put(f, "vm.swappiness=7\n");
	snprintf(tk, sizeof(tk), "{sysctl_file: '%s', name: vm.swappiness, value: '%s', "
		 "sysctl_set: true, reload: false}", f->file, strcmp(swp, "7") ? "7" : "8");
	assert_int_equal(modtask_plan(&f->m, "sysctl", tk, true), 0);
	assert_true(f->m.plan.changed);
	assert_int_equal(f->m.plan.ndiffs, strcmp(swp, "7") ? 1 : 2);
	assert_string_equal(f->m.plan.diffs[f->m.plan.ndiffs - 1].before_header,
			    "/proc/sys/vm/swappiness");
	assert_string_equal(f->m.plan.diffs[f->m.plan.ndiffs - 1].before,
			    kiso_arena_sprintf(f->m.arena, "%s\n", swp));
	/* an unknown key reads as "" (sysctl -e -n): with reload, a change */
	snprintf(tk, sizeof(tk), "{sysctl_file: '%s', name: kiso.no.such.key, value: '1', reload: true}",
		 f->file);
	put(f, "kiso.no.such.key=1\n");
	assert_int_equal(modtask_plan(&f->m, "sysctl", tk, true), 0);
	assert_true(f->m.plan.changed);
	free(before);
	free(rmem);
	free(swp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modules_sysctl__new_file_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_sysctl__rewrites_as_ansible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_sysctl__live_value_compare, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
