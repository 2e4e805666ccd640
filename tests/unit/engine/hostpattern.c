/*
 * Unit tests for engine/hostpattern.c: host patterns, --limit, host
 * ranges, addresses and globs. Expected results were taken from
 * ansible-core 2.14's InventoryManager.get_hosts() on the same inventory.
 */
#include "kiso_common.h"
#include "inventory.h"
#include "inventory_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
#include <cmocka.h>

static const char INV[] =
	"solo\n"
	"[web]\nweb1\nweb2\nweb3\n"
	"[db]\ndb1\ndb2\nweb2\n"
	"[lb]\nlb1\n"
	"[prod:children]\nweb\ndb\n"
	"[dev]\ndev-web1\ndev-db1\n";

static struct kiso_inventory *inv;
static struct kiso_arena *A;

static int setup(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;

	inv = kiso_inventory_new();
	A = kiso_arena_new();
	if (kiso_inventory_load_string(inv, INV, strlen(INV), "hosts", KISO_INV_INI, &err) < 0) {
		kiso_error_print(stderr, &err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	kiso_inventory_free(inv);
	kiso_arena_free(A);
	return 0;
}

/* "a b c" of the hosts matching pattern (and limit), or "ERROR: msg" */
static const char *match(const char *pattern, const char *limit)
{
	struct kiso_inv_hostlist hl;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	if (kiso_inventory_match(&hl, A, inv, pattern, limit, &err) < 0) {
		kiso_buf_printf(&b, "ERROR: %s", err.msg);
	} else {
		for (size_t i = 0; i < hl.len; i++)
			kiso_buf_printf(&b, "%s%s", i ? " " : "", hl.items[i]->name);
	}
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static void test_engine_hostpattern__all(void **state)
{
	assert_string_equal(match("all", NULL),
			    "solo lb1 dev-web1 dev-db1 web1 web2 web3 db1 db2");
	assert_string_equal(match("*", NULL),
			    "solo lb1 dev-web1 dev-db1 web1 web2 web3 db1 db2");
	assert_string_equal(match("ungrouped", NULL), "solo");
}

static void test_engine_hostpattern__groups_and_hosts(void **state)
{
	assert_string_equal(match("web", NULL), "web1 web2 web3");
	assert_string_equal(match("web:db", NULL), "web1 web2 web3 db1 db2");
	assert_string_equal(match("web,db", NULL), "web1 web2 web3 db1 db2");
	assert_string_equal(match("db1,web1,solo", NULL), "db1 web1 solo");
	assert_string_equal(match(" web , lb ", NULL), "web1 web2 web3 lb1");
	assert_string_equal(match("nope", NULL), "");
}

static void test_engine_hostpattern__intersection_exclusion(void **state)
{
	assert_string_equal(match("web:&db", NULL), "web2");
	assert_string_equal(match("web:!db", NULL), "web1 web3");
	assert_string_equal(match("!db", NULL), "solo lb1 dev-web1 dev-db1 web1 web3");
	assert_string_equal(match("&web", NULL), "web1 web2 web3");
	assert_string_equal(match("prod:!web2", NULL), "web1 web3 db1 db2");
	/* order of evaluation: positives, then &, then ! */
	assert_string_equal(match("web:db:!web2:&prod", NULL), "web1 web3 db1 db2");
	assert_string_equal(match("!web2:&prod:web", NULL), "web1 web3");
	assert_string_equal(match("dev-*:&prod", NULL), "");
}

static void test_engine_hostpattern__globs_and_regex(void **state)
{
	assert_string_equal(match("web*", NULL), "web1 web2 web3");
	assert_string_equal(match("*1", NULL), "web1 db1 lb1 dev-web1 dev-db1");
	assert_string_equal(match("w?b1", NULL), "web1");
	assert_string_equal(match("[wd]*1", NULL), "web1 db1 dev-web1 dev-db1");
	assert_string_equal(match("~web[13]", NULL), "web1 web3");
	assert_string_equal(match("~^d", NULL), "db1 db2 web2 dev-web1 dev-db1");
	assert_string_equal(match("~(", NULL), "ERROR: invalid host list pattern: ~(");
}

static void test_engine_hostpattern__subscripts(void **state)
{
	assert_string_equal(match("web[0]", NULL), "web1");
	assert_string_equal(match("web[-1]", NULL), "web3");
	assert_string_equal(match("web[1:2]", NULL), "web2 web3");
	assert_string_equal(match("prod[1:]", NULL), "web2 web3 db1 db2");
	assert_string_equal(match("web[0-1]", NULL), "web1 web2");
	assert_string_equal(match("web[5]", NULL),
			    "ERROR: no hosts matched the subscripted pattern 'web[5]'");
	assert_string_equal(match("web[12]", NULL),
			    "ERROR: no hosts matched the subscripted pattern 'web[12]'");
	assert_string_equal(match("web[1]:db[0]", NULL), "web2 db1");
}

static void test_engine_hostpattern__limit(void **state)
{
	char path[] = "/tmp/kiso-limit-XXXXXX";
	int fd = mkstemp(path);
	char *lim;

	assert_string_equal(match("all", "db"), "web2 db1 db2");
	assert_string_equal(match("prod", "!web*"), "db1 db2");
	assert_string_equal(match("web", "web1,web3"), "web1 web3");
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "db2\n web1 \n", 11), 11);
	close(fd);
	lim = kiso_arena_sprintf(A, "@%s", path);
	assert_string_equal(match("all", lim), "web1 db2");
	unlink(path);
	assert_string_equal(match("all", lim),
			    kiso_arena_sprintf(A, "ERROR: unable to find limit file '%s'", path));
}

static void test_engine_hostpattern__implicit_localhost(void **state)
{
	struct kiso_value *v;

	assert_null(inv->localhost);
	assert_string_equal(match("localhost", NULL), "localhost");
	assert_non_null(inv->localhost);
	assert_true(inv->localhost->implicit);
	/* not part of 'all' */
	assert_string_equal(match("all", NULL),
			    "solo lb1 dev-web1 dev-db1 web1 web2 web3 db1 db2");
	v = kiso_map_get(inv->localhost->vars, "ansible_connection");
	assert_non_null(v);
	assert_string_equal(v->u.s.ptr, "local");
	/* another localhost name gives the same host */
	assert_string_equal(match("127.0.0.1", NULL), "localhost");
	assert_int_equal(kiso_inventory_group_names(A, inv, inv->localhost)->u.list.len, 0);
}

static void test_engine_hostpattern__explicit_localhost(void **state)
{
	struct kiso_inventory *i2 = kiso_inventory_new();
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inv_hostlist hl;
	const char *text = "127.0.0.1 ansible_connection=local\n";

	assert_int_equal(kiso_inventory_load_string(i2, text, strlen(text), "h", KISO_INV_INI,
						    &err), 0);
	/* 'localhost' is not in the inventory: the localhost-like host is used */
	assert_int_equal(kiso_inventory_match(&hl, A, i2, "localhost", NULL, &err), 0);
	assert_int_equal(hl.len, 1);
	assert_string_equal(hl.items[0]->name, "127.0.0.1");
	assert_false(hl.items[0]->implicit);
	kiso_inventory_free(i2);
}

static void test_engine_hostpattern__expand_range(void **state)
{
	char **names, why[256];
	long n;

	n = kiso_inv_expand_range(&names, A, "blade[01:03]", why, sizeof(why));
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "blade01");
	assert_string_equal(names[2], "blade03");
	n = kiso_inv_expand_range(&names, A, "web[1:10:3].x", why, sizeof(why));
	assert_int_equal(n, 4);
	assert_string_equal(names[3], "web10.x");
	n = kiso_inv_expand_range(&names, A, "[a:c]-[1:2]", why, sizeof(why));
	assert_int_equal(n, 6);
	assert_string_equal(names[0], "a-1");
	assert_string_equal(names[1], "a-2");
	assert_string_equal(names[5], "c-2");
	n = kiso_inv_expand_range(&names, A, "n[:2]", why, sizeof(why));
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "n0");
	n = kiso_inv_expand_range(&names, A, "x[Y:b]", why, sizeof(why));
	assert_int_equal(n, -1);
	assert_string_equal(why, "host range must have begin <= end");
	n = kiso_inv_expand_range(&names, A, "x[01:3]", why, sizeof(why));
	assert_int_equal(n, -1);
	assert_string_equal(why, "host range must specify equal-length begin and end formats");
	n = kiso_inv_expand_range(&names, A, "x[1:]", why, sizeof(why));
	assert_int_equal(n, -1);
	assert_string_equal(why, "host range must specify end value");
	n = kiso_inv_expand_range(&names, A, "x[1]", why, sizeof(why));
	assert_int_equal(n, -1);
	assert_string_equal(why, "host range must be begin:end or begin:end:step");
	n = kiso_inv_expand_range(&names, A, "x[1:3", why, sizeof(why));
	assert_int_equal(n, -1);
	n = kiso_inv_expand_range(&names, A, "x[0:99999999]", why, sizeof(why));
	assert_int_equal(n, -1);
	n = kiso_inv_expand_range(&names, A, "x[3:1]", why, sizeof(why));
	assert_int_equal(n, 0);
}

static void test_engine_hostpattern__parse_address(void **state)
{
	char *host;
	long port;

	assert_int_equal(kiso_inv_parse_address(&host, &port, A, "web1:2222", false), 0);
	assert_string_equal(host, "web1");
	assert_int_equal(port, 2222);
	assert_int_equal(kiso_inv_parse_address(&host, &port, A, "[2001:db8::1]:22", false), 0);
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(port, 22);
	assert_int_equal(kiso_inv_parse_address(&host, &port, A, "2001:db8::1", false), 0);
	assert_int_equal(port, -1);
	assert_int_equal(kiso_inv_parse_address(&host, &port, A, "10.0.0.[1:3]:80", true), 0);
	assert_string_equal(host, "10.0.0.[1:3]");
	assert_int_equal(kiso_inv_parse_address(&host, &port, A, "10.0.0.[1:3]", false), -1);
	assert_int_equal(kiso_inv_parse_address(&host, &port, A, "bad_", false), -1);
	assert_int_equal(kiso_inv_parse_address(&host, &port, A, "a b", false), -1);
}

static void test_engine_hostpattern__fnmatch(void **state)
{
	assert_true(kiso_inv_fnmatch("web*", "web1"));
	assert_false(kiso_inv_fnmatch("web*", "Web1"));
	assert_true(kiso_inv_fnmatch("w[!x]b", "wab"));
	assert_false(kiso_inv_fnmatch("w[!a]b", "wab"));
	assert_true(kiso_inv_fnmatch("[a-c]x", "bx"));
	assert_true(kiso_inv_fnmatch("a[", "a["));
	assert_true(kiso_inv_fnmatch("a.b", "a.b"));
	assert_false(kiso_inv_fnmatch("a.b", "axb"));
	assert_true(kiso_inv_fnmatch("[]]", "]"));
	assert_true(kiso_inv_fnmatch("*", "anything\nat all"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_hostpattern__all),
		cmocka_unit_test(test_engine_hostpattern__groups_and_hosts),
		cmocka_unit_test(test_engine_hostpattern__intersection_exclusion),
		cmocka_unit_test(test_engine_hostpattern__globs_and_regex),
		cmocka_unit_test(test_engine_hostpattern__subscripts),
		cmocka_unit_test(test_engine_hostpattern__limit),
		cmocka_unit_test(test_engine_hostpattern__implicit_localhost),
		cmocka_unit_test(test_engine_hostpattern__explicit_localhost),
		cmocka_unit_test(test_engine_hostpattern__expand_range),
		cmocka_unit_test(test_engine_hostpattern__parse_address),
		cmocka_unit_test(test_engine_hostpattern__fnmatch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
