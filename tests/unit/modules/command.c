/*
 * Tests for modules/command.c and modules/shell.c (command_common.c) with
 * the local transport under a temporary directory: the module pattern
 * (plan change, apply, plan no change, check mode leaves the fixture as it
 * was) and Ansible's result values, checked against what ansible-core
 * 2.14's command module returns for the same task.
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
	char yaml[2048];
};

static int setup(void **state)
{
	struct fx *f = kiso_xcalloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/kiso-cmd-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
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

/* printf into f->yaml; %D is not special: use f->dir explicitly */
static const char *y(struct fx *f, const char *fmt, ...) KISO_PRINTF(2, 3);
static const char *y(struct fx *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->yaml, sizeof(f->yaml), fmt, ap);
	va_end(ap);
	return f->yaml;
}

static bool exists(struct fx *f, const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	return lstat(p, &st) == 0;
}

/* the directory listing, as a fingerprint of the fixture */
static char *listing(struct fx *f)
{
	char cmd[256], buf[4096] = "";
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "cd '%s' && find . -printf '%%p %%m %%s\\n' | sort", f->dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return kiso_xstrdup(buf);
}

static void assert_list(const struct kiso_value *v, size_t n, ...)
{
	va_list ap;

	assert_non_null(v);
	assert_int_equal(v->type, KISO_LIST);
	assert_int_equal(v->u.list.len, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);

		assert_int_equal(v->u.list.items[i]->type, KISO_STR);
		assert_string_equal(v->u.list.items[i]->u.s.ptr, want);
	}
	va_end(ap);
}

static int64_t rc_of(struct fx *f)
{
	const struct kiso_value *v = modtask_result(&f->m, "rc");

	assert_non_null(v);
	assert_int_equal(v->type, KISO_INT);
	return v->u.i;
}

static void test_modules_command__creates_pattern(void **state)
{
	struct fx *f = *state;
	char *before, *after;
	const char *task = y(f, "{_raw_params: 'touch %s/made', creates: '%s/made'}", f->dir, f->dir);
	char t2[2048];

	snprintf(t2, sizeof(t2), "%s", task);
	/* check mode first: predicts a change, writes nothing */
	before = listing(f);
	assert_int_equal(modtask_plan(&f->m, "command", t2, true), 0);
	assert_true(f->m.plan.changed);
	assert_false(f->m.plan.unpredictable);
	assert_string_equal(modtask_result_str(&f->m, "msg"),
			    "Command would have run if not in check mode");
	after = listing(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_false(exists(f, "made"));

	/* plan change -> apply */
	assert_int_equal(modtask_plan(&f->m, "command", t2, false), 0);
	assert_true(f->m.plan.changed);
	assert_int_equal(modtask_apply(&f->m), 0);
	assert_true(f->m.plan.changed);
	assert_true(exists(f, "made"));
	assert_int_equal(rc_of(f), 0);
	assert_string_equal(modtask_result_str(&f->m, "msg"), "");
	assert_non_null(modtask_result_str(&f->m, "start"));
	assert_list(modtask_result(&f->m, "cmd"), 2, "touch",
		    kiso_arena_sprintf(f->m.arena, "%s/made", f->dir));

	/* plan again: no change, Ansible's message and stdout */
	assert_int_equal(modtask_plan(&f->m, "command", t2, false), 0);
	assert_false(f->m.plan.changed);
	assert_string_equal(f->m.plan.msg,
			    kiso_arena_sprintf(f->m.arena, "Did not run command since '%s/made' exists",
					       f->dir));
	assert_string_equal(modtask_result_str(&f->m, "stdout"),
			    kiso_arena_sprintf(f->m.arena, "skipped, since %s/made exists", f->dir));
	assert_int_equal(rc_of(f), 0);
	assert_null(modtask_result_str(&f->m, "start"));
	/* check mode says "Would" */
	assert_int_equal(modtask_plan(&f->m, "command", t2, true), 0);
	assert_false(f->m.plan.changed);
	assert_string_equal(f->m.plan.msg,
			    kiso_arena_sprintf(f->m.arena, "Would not run command since '%s/made' exists",
					       f->dir));
}

static void test_modules_command__removes_and_glob(void **state)
{
	struct fx *f = *state;
	char task[1024];

	snprintf(task, sizeof(task), "{_raw_params: 'rm %s/a.tmp', removes: '%s/*.tmp'}", f->dir, f->dir);
	assert_int_equal(modtask_plan(&f->m, "command", task, false), 0);
	assert_false(f->m.plan.changed);
	assert_string_equal(f->m.plan.msg,
			    kiso_arena_sprintf(f->m.arena,
					       "Did not run command since '%s/*.tmp' does not exist", f->dir));
	assert_int_equal(system(kiso_arena_sprintf(f->m.arena, "touch '%s/a.tmp'", f->dir)), 0);
	assert_int_equal(modtask_run(&f->m, "command", task), 0);
	assert_true(f->m.plan.changed);
	assert_false(exists(f, "a.tmp"));
	assert_int_equal(modtask_plan(&f->m, "command", task, false), 0);
	assert_false(f->m.plan.changed);
	/* a glob for creates, relative to chdir */
	snprintf(task, sizeof(task), "{_raw_params: 'touch b.log', chdir: '%s', creates: '*.log'}", f->dir);
	assert_int_equal(modtask_run(&f->m, "command", task), 0);
	assert_true(f->m.plan.changed);
	assert_true(exists(f, "b.log"));
	assert_int_equal(modtask_plan(&f->m, "command", task, false), 0);
	assert_false(f->m.plan.changed);
}

static void test_modules_command__unpredictable_without_creates(void **state)
{
	struct fx *f = *state;

	assert_int_equal(modtask_plan(&f->m, "command", "{_raw_params: 'true'}", true), 0);
	assert_true(f->m.plan.changed);
	assert_true(f->m.plan.unpredictable);
}

static void test_modules_command__output(void **state)
{
	struct fx *f = *state;
	const char *delta;

	assert_int_equal(modtask_run(&f->m, "command",
				     "{_raw_params: \"printf 'a\\nb\\n\\n'\"}"), 0);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), "a\nb");
	assert_list(modtask_result(&f->m, "stdout_lines"), 2, "a", "b");
	assert_string_equal(modtask_result_str(&f->m, "stderr"), "");
	assert_list(modtask_result(&f->m, "stderr_lines"), 0);
	assert_list(modtask_result(&f->m, "cmd"), 2, "printf", "a\nb\n\n");
	delta = modtask_result_str(&f->m, "delta");
	assert_non_null(delta);
	assert_true(strncmp(delta, "0:00:0", 6) == 0);
	assert_int_equal(strlen(modtask_result_str(&f->m, "start")), 26);
	/* strip_empty_ends: false keeps the newlines */
	assert_int_equal(modtask_run(&f->m, "command",
				     "{_raw_params: \"printf 'a\\r\\n\\n'\", strip_empty_ends: false}"), 0);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), "a\r\n\n");
	assert_list(modtask_result(&f->m, "stdout_lines"), 2, "a", "");
	/* stderr */
	assert_int_equal(modtask_run(&f->m, "shell", "{_raw_params: 'echo oops >&2'}"), 0);
	assert_string_equal(modtask_result_str(&f->m, "stderr"), "oops");
	assert_list(modtask_result(&f->m, "stderr_lines"), 1, "oops");
}

static void test_modules_command__nonzero_fails(void **state)
{
	struct fx *f = *state;

	assert_true(modtask_run(&f->m, "command", "{_raw_params: 'sh -c \"echo x; exit 3\"'}") < 0);
	assert_string_equal(f->m.err.msg, "non-zero return code");
	assert_int_equal(rc_of(f), 3);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), "x");
	assert_string_equal(modtask_result_str(&f->m, "msg"), "non-zero return code");
	/* a program that does not exist: Python's ENOENT */
	assert_true(modtask_run(&f->m, "command", "{_raw_params: 'kiso-no-such-program -x'}") < 0);
	assert_string_equal(f->m.err.msg,
			    "[Errno 2] No such file or directory: b'kiso-no-such-program'");
	assert_int_equal(rc_of(f), 2);
	/* nothing to run */
	assert_true(modtask_plan(&f->m, "command", "{_raw_params: '  '}", false) < 0);
	assert_string_equal(f->m.err.msg, "no command given");
	assert_int_equal(rc_of(f), 256);
	/* shlex.split's error */
	assert_true(modtask_plan(&f->m, "command", "{_raw_params: 'echo \"abc'}", false) < 0);
	assert_string_equal(f->m.err.msg, "No closing quotation");
}

static void test_modules_command__chdir_and_stdin(void **state)
{
	struct fx *f = *state;
	char task[1024];

	snprintf(task, sizeof(task), "{_raw_params: pwd, chdir: '%s'}", f->dir);
	assert_int_equal(modtask_run(&f->m, "command", task), 0);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), f->dir);
	snprintf(task, sizeof(task), "{_raw_params: pwd, chdir: '%s/nope'}", f->dir);
	assert_true(modtask_plan(&f->m, "command", task, false) < 0);
	assert_string_equal(f->m.err.msg,
			    kiso_arena_sprintf(f->m.arena, "Unable to change directory before execution: "
					       "[Errno 2] No such file or directory: b'%s/nope'", f->dir));
	/* stdin gets a newline unless told not to */
	assert_int_equal(modtask_run(&f->m, "command", "{_raw_params: 'od -c', stdin: 'hi'}"), 0);
	assert_non_null(strstr(modtask_result_str(&f->m, "stdout"), "h   i  \\n"));
	assert_int_equal(modtask_run(&f->m, "command",
				     "{_raw_params: 'wc -c', stdin: 'hi', stdin_add_newline: false}"), 0);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), "2");
}

static void test_modules_command__words_as_python(void **state)
{
	struct fx *f = *state;
	char want[512];

	/* shlex.split, then expandvars + expanduser per word, no shell */
	setenv("KISO_T_EMPTY", "", 1);
	unsetenv("KISO_T_UNSET");
	assert_int_equal(modtask_run(&f->m, "command",
				     "{_raw_params: \"printf '[%s]' $HOME ${HOME}x a$KISO_T_UNSET "
				     "'b c' \\\"d\\\\$e\\\" x$KISO_T_EMPTY ~ ~/q '*' $1 ${KISO_T_UNSET}\"}"), 0);
	snprintf(want, sizeof(want), "[%s][%sx][a$KISO_T_UNSET][b c][d\\$e][x][%s][%s/q][*][$1][${KISO_T_UNSET}]",
		 getenv("HOME"), getenv("HOME"), getenv("HOME"), getenv("HOME"));
	assert_string_equal(modtask_result_str(&f->m, "stdout"), want);
	/* argv: no splitting, same expansion */
	assert_int_equal(modtask_run(&f->m, "command",
				     "{argv: [printf, '[%s]', 'a b', '$KISO_T_UNSET', \"it's\"]}"), 0);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), "[a b][$KISO_T_UNSET][it's]");
	assert_list(modtask_result(&f->m, "cmd"), 5, "printf", "[%s]", "a b", "$KISO_T_UNSET", "it's");
	/* argv and a command string are exclusive (the schema says so first) */
}

static void test_modules_command__shell(void **state)
{
	struct fx *f = *state;
	char task[1024];
	const struct kiso_value *cmd;

	snprintf(task, sizeof(task), "{_raw_params: 'echo one | tr o O > out; cat out', chdir: '%s'}",
		 f->dir);
	assert_int_equal(modtask_run(&f->m, "shell", task), 0);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), "One");
	cmd = modtask_result(&f->m, "cmd");
	assert_int_equal(cmd->type, KISO_STR);
	assert_string_equal(cmd->u.s.ptr, "echo one | tr o O > out; cat out");
	assert_true(exists(f, "out"));
	/* executable */
	assert_int_equal(modtask_run(&f->m, "shell",
				     "{_raw_params: 'echo ${BASH_VERSION:+bash}', executable: /bin/bash}"), 0);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), "bash");
	assert_int_equal(modtask_run(&f->m, "shell", "{_raw_params: 'echo ${BASH_VERSION:+bash}'}"), 0);
	assert_string_equal(modtask_result_str(&f->m, "stdout"), "");
	/* shell's exit status */
	assert_true(modtask_run(&f->m, "shell", "{_raw_params: 'exit 4'}") < 0);
	assert_int_equal(rc_of(f), 4);
	/* creates works the same way */
	snprintf(task, sizeof(task), "{_raw_params: 'date > stamp', chdir: '%s', creates: stamp}", f->dir);
	assert_int_equal(modtask_run(&f->m, "shell", task), 0);
	assert_true(f->m.plan.changed);
	assert_int_equal(modtask_plan(&f->m, "shell", task, false), 0);
	assert_false(f->m.plan.changed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modules_command__creates_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_command__removes_and_glob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_command__unpredictable_without_creates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modules_command__output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_command__nonzero_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_command__chdir_and_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_command__words_as_python, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_command__shell, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
