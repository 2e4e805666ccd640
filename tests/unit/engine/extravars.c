/*
 * Unit tests for engine/extravars.c: parse_kv and -e as ansible-playbook
 * reads them. Expected values were taken from ansible-core 2.14's
 * parse_kv() / load_extra_vars() on this machine.
 */
#include "kiso_common.h"
#include "vars.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
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

static char *repr(const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	kiso_value_repr(&b, v);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

/* parse_kv(args) as Python's repr() of the dict. */
static char *kv(const char *args)
{
	struct kiso_value *m = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	if (kiso_parse_kv(&m, A, args, &err) < 0)
		return kiso_arena_sprintf(A, "ERROR %s", err.msg);
	return repr(m);
}

static void test_engine_extravars__kv_simple(void **state)
{
	(void)state;
	assert_string_equal(kv("a=1 b=two"), "{'a': '1', 'b': 'two'}");
	assert_string_equal(kv(""), "{}");
	assert_string_equal(kv("a= b="), "{'a': '', 'b': ''}");
	assert_string_equal(kv("a=1=2"), "{'a': '1=2'}");
}

static void test_engine_extravars__kv_quotes(void **state)
{
	(void)state;
	assert_string_equal(kv("a=1 b=\"x y\" c='q'"), "{'a': '1', 'b': 'x y', 'c': 'q'}");
	assert_string_equal(kv("msg=\"hello world\" path='/opt/my dir'"),
			    "{'msg': 'hello world', 'path': '/opt/my dir'}");
	/* quotes only at one end stay */
	assert_string_equal(kv("a='x"), "ERROR failed at splitting arguments, either an "
					 "unbalanced jinja2 block or quotes: a='x");
	/* quotes inside a value are kept */
	assert_string_equal(kv("a=it\\'s"), "{'a': \"it's\"}");
}

static void test_engine_extravars__kv_escapes(void **state)
{
	(void)state;
	assert_string_equal(kv("d=a\\nb"), "{'d': 'a\\nb'}");
	assert_string_equal(kv("s=a\\tb\\x41\\u00e9"), "{'s': 'a\\tbAé'}");
	/* '\=' does not split and stays as written in the value */
	assert_string_equal(kv("a=b\\=c"), "{'a': 'b\\\\=c'}");
	assert_string_equal(kv("x\\=y"), "{'_raw_params': 'x=y'}");
}

static void test_engine_extravars__kv_raw_params(void **state)
{
	(void)state;
	assert_string_equal(kv("yaml: x"), "{'_raw_params': 'yaml: x'}");
	assert_string_equal(kv("x"), "{'_raw_params': 'x'}");
	assert_string_equal(kv("echo hi a=1"), "{'a': '1', '_raw_params': 'echo hi'}");
	/* '=' at index 0 does not count */
	assert_string_equal(kv("=abc"), "{'_raw_params': '=abc'}");
}

static void test_engine_extravars__kv_jinja_blocks(void **state)
{
	(void)state;
	assert_string_equal(kv("a=\"{{ x }}\" b={{ y }}"), "{'a': '{{ x }}', 'b': '{{ y }}'}");
	assert_string_equal(kv("b={{ a | upper }} c=1"), "{'b': '{{ a | upper }}', 'c': '1'}");
	assert_string_equal(kv("a={% if x %}1{% endif %}"), "{'a': '{% if x %}1{% endif %}'}");
	assert_string_equal(kv("a={{ x"), "ERROR failed at splitting arguments, either an "
					   "unbalanced jinja2 block or quotes: a={{ x");
}

static void test_engine_extravars__kv_spaces_and_newlines(void **state)
{
	(void)state;
	assert_string_equal(kv("a=1  b=2"), "{'a': '1', 'b': '2'}");
	assert_string_equal(kv("a=1\nb=2"), "{'a': '1', 'b': '2'}");
	assert_string_equal(kv("a=\"x\ny\""), "{'a': 'x\\ny'}");
	/* a space before anything: Python's IndexError */
	assert_string_equal(kv(" a=1"), "{'a': '1'}");
	assert_true(strncmp(kv("  a=1"), "ERROR", 5) == 0);
}

static int add(struct kiso_value **acc, const char *arg, struct kiso_error *err)
{
	return kiso_extravars_add(acc, A, arg, err);
}

static void test_engine_extravars__merge_later_wins(void **state)
{
	struct kiso_value *acc = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	(void)state;
	assert_int_equal(add(&acc, "a=1 b=1", &err), 0);
	assert_int_equal(add(&acc, "a=2", &err), 0);
	assert_int_equal(add(&acc, "{\"b\": 3, \"d\": {\"x\": 1}}", &err), 0);
	assert_int_equal(add(&acc, "{d: {z: [1, 2]}}", &err), 0);
	assert_int_equal(add(&acc, "", &err), 0);
	assert_string_equal(repr(acc), "{'a': '2', 'b': 3, 'd': {'z': [1, 2]}}");
}

static void test_engine_extravars__file(void **state)
{
	char path[] = "/tmp/kiso-extravars-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "a: [1, \"{{ x }}\"]\nb: {c: yes}\n";
	struct kiso_value *acc = NULL;
	struct kiso_error err = KISO_ERROR_INIT;
	char *arg;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	arg = kiso_arena_sprintf(A, "@%s", path);
	assert_int_equal(add(&acc, arg, &err), 0);
	assert_string_equal(repr(acc), "{'a': [1, '{{ x }}'], 'b': {'c': True}}");
	unlink(path);

	kiso_error_clear(&err);
	assert_true(add(&acc, arg, &err) < 0); /* gone now */
	assert_non_null(strstr(err.msg, path));
}

static void test_engine_extravars__errors(void **state)
{
	struct kiso_value *acc = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	(void)state;
	assert_true(add(&acc, "[1, 2]", &err) < 0);
	assert_string_equal(err.msg, "invalid extra vars data supplied. '[1, 2]' could not be "
				     "made into a dictionary");
	kiso_error_clear(&err);
	assert_true(add(&acc, "/etc/passwd", &err) < 0);
	assert_string_equal(err.msg, "please prepend extra_vars filename '/etc/passwd' with '@'");
	kiso_error_clear(&err);
	assert_true(add(&acc, "./x.yml", &err) < 0);
	kiso_error_clear(&err);
	assert_true(add(&acc, "{a: [1", &err) < 0);
	assert_int_equal(err.code, KISO_ESYNTAX);
	kiso_error_clear(&err);
	assert_true(add(&acc, "k=\"unterminated", &err) < 0);
	assert_int_equal(err.code, KISO_ESYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_extravars__kv_simple),
		cmocka_unit_test(test_engine_extravars__kv_quotes),
		cmocka_unit_test(test_engine_extravars__kv_escapes),
		cmocka_unit_test(test_engine_extravars__kv_raw_params),
		cmocka_unit_test(test_engine_extravars__kv_jinja_blocks),
		cmocka_unit_test(test_engine_extravars__kv_spaces_and_newlines),
		cmocka_unit_test(test_engine_extravars__merge_later_wins),
		cmocka_unit_test(test_engine_extravars__file),
		cmocka_unit_test(test_engine_extravars__errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
