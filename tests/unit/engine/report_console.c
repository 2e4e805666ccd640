/*
 * Unit tests for engine/report_console.c: the lines ansible-playbook's
 * default callback prints (texts copied from ansible-playbook 2.14 runs on
 * this machine: banners, ok/changed/skipping/fatal lines, debug results,
 * ...ignoring, the PLAY RECAP columns).
 */
#include "kiso_common.h"
#include "report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static struct kiso_arena *A;

static int setup(void **state)
{
	(void)state;
	A = kiso_arena_new();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kiso_arena_free(A);
	return 0;
}

static char *buf;
static size_t buflen;

static struct kiso_report open_console(FILE **f, int verbosity)
{
	*f = open_memstream(&buf, &buflen);
	return kiso_report_console(*f, verbosity, false, false);
}

static char *close_console(struct kiso_report r, FILE *f)
{
	char *s;

	r.ops->free(r.self);
	fclose(f);
	s = kiso_arena_strdup(A, buf);
	free(buf);
	buf = NULL;
	return s;
}

static struct kiso_value *res_map(bool changed, const char *msg)
{
	struct kiso_value *m = kiso_map_new(A, KISO_POS_NONE);

	kiso_map_set(A, m, "changed", kiso_bool(A, changed, KISO_POS_NONE));
	kiso_map_set(A, m, "failed", kiso_bool(A, false, KISO_POS_NONE));
	if (msg)
		kiso_map_set(A, m, "msg", kiso_str(A, msg, KISO_POS_NONE));
	return m;
}

static void test_engine_report_console__banners_and_lines(void **state)
{
	FILE *f;
	struct kiso_report r = open_console(&f, 0);
	struct kiso_task_result t = { 0 };
	char *s;

	(void)state;
	r.ops->play_start(r.self, "localhost");
	r.ops->task_start(r.self, "TASK", "debug", NULL);
	t.status = KISO_ST_OK;
	t.action = "debug";
	t.verbose_always = true;
	t.res = res_map(false, "hi");
	r.ops->result(r.self, "localhost", &t);
	r.ops->task_start(r.self, "TASK", "command", NULL);
	t.status = KISO_ST_CHANGED;
	t.action = "command";
	t.verbose_always = false;
	r.ops->result(r.self, "localhost", &t);
	t.status = KISO_ST_SKIPPED;
	t.item_label = "b";
	r.ops->result(r.self, "localhost", &t);
	t.item_label = NULL;
	t.status = KISO_ST_FAILED;
	t.ignored = true;
	t.res = res_map(false, "boom");
	r.ops->result(r.self, "localhost", &t);
	t.ignored = false;
	t.delegated = "localhost";
	t.status = KISO_ST_OK;
	r.ops->result(r.self, "h1", &t);
	s = close_console(r, f);
	assert_string_equal(s,
		"\nPLAY [localhost] ***************************************************************\n"
		"\nTASK [debug] *******************************************************************\n"
		"ok: [localhost] => {\n    \"msg\": \"hi\"\n}\n"
		"\nTASK [command] *****************************************************************\n"
		"changed: [localhost]\n"
		"skipping: [localhost] => (item=b)\n"
		"fatal: [localhost]: FAILED! => {\"changed\": false, \"msg\": \"boom\"}\n"
		"...ignoring\n"
		"ok: [h1 -> localhost]\n");
}

static void test_engine_report_console__verbose_and_no_log(void **state)
{
	FILE *f;
	struct kiso_report r = open_console(&f, 1);
	struct kiso_task_result t = { 0 };
	char *s;

	(void)state;
	t.status = KISO_ST_CHANGED;
	t.action = "copy";
	t.res = res_map(true, NULL);
	kiso_map_set(A, (struct kiso_value *)t.res, "dest", kiso_str(A, "/x", KISO_POS_NONE));
	r.ops->result(r.self, "h1", &t);
	t.no_log = true;
	r.ops->result(r.self, "h1", &t);
	t.no_log = false;
	t.status = KISO_ST_UNREACHABLE;
	t.res = res_map(false, "cannot connect");
	r.ops->result(r.self, "h2", &t);
	s = close_console(r, f);
	assert_string_equal(s,
		"changed: [h1] => {\"changed\": true, \"dest\": \"/x\"}\n"
		"changed: [h1] => {\"censored\": \"the output has been hidden due to the fact that "
		"'no_log: true' was specified for this result\", \"changed\": true}\n"
		"fatal: [h2]: UNREACHABLE! => {\"changed\": false, \"msg\": \"cannot connect\"}\n");
}

static void test_engine_report_console__recap(void **state)
{
	FILE *f;
	struct kiso_report r = open_console(&f, 0);
	struct kiso_host_stats st[2] = {
		{ "localhost", 8, 3, 0, 1, 1, 1, 1 },
		{ "a-much-longer-host-name.example", 12, 0, 0, 0, 0, 0, 0 },
	};
	char *s;

	(void)state;
	r.ops->recap(r.self, st, 2);
	s = close_console(r, f);
	assert_string_equal(s,
		"\nPLAY RECAP *********************************************************************\n"
		"localhost                  : ok=8    changed=3    unreachable=0    failed=1    "
		"skipped=1    rescued=1    ignored=1   \n"
		"a-much-longer-host-name.example : ok=12   changed=0    unreachable=0    failed=0    "
		"skipped=0    rescued=0    ignored=0   \n\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_report_console__banners_and_lines),
		cmocka_unit_test(test_engine_report_console__verbose_and_no_log),
		cmocka_unit_test(test_engine_report_console__recap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
