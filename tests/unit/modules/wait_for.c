/* Tests for modules/wait_for.c with the local transport: paths under a
 * temporary directory, ports on a socket this test listens on. */
#include "kiso_common.h"
#include "modtask.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_modules_wait_for__path(void **state)
{
	struct modtask m;
	char dir[] = "/tmp/kiso-waitfor-XXXXXX", task[512], p[300];
	const struct kiso_value *g;
	FILE *f;
	double t0;

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/ready", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("starting\nlistening on port 8080\n", f);
	fclose(f);
	modtask_init(&m);
	/* check mode: Ansible's wait_for has none (skipped) */
	snprintf(task, sizeof(task), "{path: '%s', timeout: 3}", p);
	assert_int_equal(modtask_plan(&m, "wait_for", task, true), 0);
	assert_true(m.plan.unpredictable);
	assert_int_equal(modtask_run(&m, "wait_for", task), 0);
	assert_false(m.plan.changed);
	assert_string_equal(modtask_result_str(&m, "state"), "started");
	assert_string_equal(modtask_result_str(&m, "path"), p);
	assert_int_equal(modtask_result(&m, "elapsed")->u.i, 0);
	/* search_regex, groups as Python's */
	snprintf(task, sizeof(task), "{path: '%s', search_regex: 'port (?P<port>\\d+)$', timeout: 3}", p);
	assert_int_equal(modtask_run(&m, "wait_for", task), 0);
	g = modtask_result(&m, "match_groups");
	assert_int_equal(g->u.list.len, 1);
	assert_string_equal(g->u.list.items[0]->u.s.ptr, "8080");
	g = modtask_result(&m, "match_groupdict");
	assert_string_equal(kiso_map_get(g, "port")->u.s.ptr, "8080");
	/* a regex that never matches: the timeout message */
	snprintf(task, sizeof(task), "{path: '%s', search_regex: nomatch, timeout: 1}", p);
	t0 = mono();
	assert_true(modtask_run(&m, "wait_for", task) < 0);
	assert_true(mono() - t0 >= 1.0);
	assert_string_equal(m.err.msg, kiso_arena_sprintf(m.arena, "Timeout when waiting for search string nomatch in %s", p));
	assert_int_equal(modtask_result(&m, "elapsed")->u.i, 1);
	/* absent: times out while it exists, with msg overriding */
	snprintf(task, sizeof(task), "{path: '%s', state: absent, timeout: 1, msg: still there}", p);
	assert_true(modtask_run(&m, "wait_for", task) < 0);
	assert_string_equal(m.err.msg, "still there");
	unlink(p);
	assert_int_equal(modtask_run(&m, "wait_for", task), 0);
	/* validation */
	assert_true(modtask_plan(&m, "wait_for", "{path: /x, port: 22}", false) < 0);
	assert_string_equal(m.err.msg, "port and path parameter can not both be passed to wait_for");
	assert_true(modtask_plan(&m, "wait_for", "{path: /x, state: stopped}", false) < 0);
	modtask_release(&m);
	rmdir(dir);
}

static void test_modules_wait_for__port(void **state)
{
	struct modtask m;
	char task[256];
	int port, fd = listener(&port);

	modtask_init(&m);
	snprintf(task, sizeof(task), "{port: %d, timeout: 3}", port);
	assert_int_equal(modtask_run(&m, "wait_for", task), 0);
	assert_int_equal(modtask_result(&m, "port")->u.i, port);
	snprintf(task, sizeof(task), "{port: %d, state: stopped, timeout: 1}", port);
	assert_true(modtask_run(&m, "wait_for", task) < 0);
	assert_string_equal(m.err.msg,
			    kiso_arena_sprintf(m.arena, "Timeout when waiting for 127.0.0.1:%d to stop.", port));
	close(fd);
	assert_int_equal(modtask_run(&m, "wait_for", task), 0);
	snprintf(task, sizeof(task), "{port: %d, timeout: 1, connect_timeout: 1}", port);
	assert_true(modtask_run(&m, "wait_for", task) < 0);
	assert_string_equal(m.err.msg, kiso_arena_sprintf(m.arena, "Timeout when waiting for 127.0.0.1:%d", port));
	/* drained: no connection on a closed port */
	snprintf(task, sizeof(task), "{port: %d, state: drained, timeout: 2}", port);
	assert_int_equal(modtask_run(&m, "wait_for", task), 0);
	modtask_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_wait_for__path),
		cmocka_unit_test(test_modules_wait_for__port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
