/*
 * Unit tests for engine/cmd_inventory.c: option handling and exit codes
 * (the output itself is compared with ansible-inventory's by
 * tests/diff/inventory.sh).
 */
#include "kiso_common.h"
#include "cli.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

static char dir[64];
static char *good, *bad;

static int setup(void **state)
{
	FILE *f;

	strcpy(dir, "/tmp/kiso-cmdinv-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	good = kiso_xasprintf("%s/hosts", dir);
	bad = kiso_xasprintf("%s/bad", dir);
	f = fopen(good, "w");
	fputs("[web]\nw1\nw2\n[db]\nd1\n", f);
	fclose(f);
	f = fopen(bad, "w");
	fputs("[a:children]\nb\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	unlink(good);
	unlink(bad);
	rmdir(dir);
	free(good);
	free(bad);
	return 0;
}

/* runs `kiso inventory ARGS...` with stdout thrown away */
static int run(const char *first, ...)
{
	char *argv[16];
	int argc = 0, rc, saved;
	va_list ap;
	FILE *null = fopen("/dev/null", "w");

	argv[argc++] = "inventory";
	va_start(ap, first);
	for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	saved = dup(1);
	dup2(fileno(null), 1);
	rc = kiso_cmd_inventory(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(null);
	return rc;
}

static void test_engine_cmd_inventory__actions(void **state)
{
	assert_int_equal(run("-i", good, "--list", NULL), KISO_EXIT_OK);
	assert_int_equal(run("-i", good, "--graph", NULL), KISO_EXIT_OK);
	assert_int_equal(run("-i", good, "--graph", "web", "--vars", NULL), KISO_EXIT_OK);
	assert_int_equal(run("-i", good, "--host", "w2", NULL), KISO_EXIT_OK);
	assert_int_equal(run("-i", good, "--host", "db", NULL), KISO_EXIT_OK);
	assert_int_equal(run("-i", good, "--list", "--export", "--playbook-dir", dir, NULL),
			 KISO_EXIT_OK);
	assert_int_equal(run("-i", good, "--list", "-y", NULL), KISO_EXIT_OK);
	assert_int_equal(run("-i", good, "--host", "d1", "--yaml", NULL), KISO_EXIT_OK);
	assert_int_equal(run("--help", NULL), KISO_EXIT_OK);
}

static void test_engine_cmd_inventory__usage_errors(void **state)
{
	assert_int_equal(run("-i", good, NULL), KISO_EXIT_USAGE);
	assert_int_equal(run("-i", good, "--list", "--graph", NULL), KISO_EXIT_USAGE);
	assert_int_equal(run("-i", good, "--bogus", NULL), KISO_EXIT_USAGE);
	assert_int_equal(run("-i", NULL), KISO_EXIT_USAGE);
	assert_int_equal(run("-i", good, "--graph", "nosuchgroup", NULL), KISO_EXIT_USAGE);
	/* --host must name exactly one host */
	assert_int_equal(run("-i", good, "--host", "web", NULL), KISO_EXIT_USAGE);
	assert_int_equal(run("-i", good, "--host", "nope", NULL), KISO_EXIT_USAGE);
	assert_int_equal(run("-i", good, "--list", "a", "b", NULL), KISO_EXIT_USAGE);
}

static void test_engine_cmd_inventory__load_errors(void **state)
{
	assert_int_equal(run("-i", bad, "--list", NULL), KISO_EXIT_PARSE);
	assert_int_equal(run("-i", "/nonexistent/inventory", "--list", NULL), KISO_EXIT_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_cmd_inventory__actions),
		cmocka_unit_test(test_engine_cmd_inventory__usage_errors),
		cmocka_unit_test(test_engine_cmd_inventory__load_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
