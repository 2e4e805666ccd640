/* Tests for modules/ping.c with the local transport. */
#include "kiso_common.h"
#include "modtask.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static void test_modules_ping__pong(void **state)
{
	struct modtask m;

	modtask_init(&m);
	assert_int_equal(modtask_plan(&m, "ping", "{}", false), 0);
	assert_false(m.plan.changed);
	assert_false(m.plan.unpredictable);
	assert_string_equal(modtask_result_str(&m, "ping"), "pong");
	/* also in check mode, with data */
	assert_int_equal(modtask_plan(&m, "ansible.builtin.ping", "{data: hello}", true), 0);
	assert_false(m.plan.changed);
	assert_string_equal(modtask_result_str(&m, "ping"), "hello");
	assert_true(modtask_plan(&m, "ping", "{data: crash}", false) < 0);
	assert_string_equal(m.err.msg, "boom");
	modtask_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_ping__pong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
