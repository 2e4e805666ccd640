/*
 * Unit tests for engine/inventory_ini.c: Ansible's INI inventory format.
 * Error texts follow ini.py's (lowercase), with the line and column.
 */
#include "kiso_common.h"
#include "inventory.h"
#include "inventory_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static struct kiso_arena *A;

static int setup(void **state)
{
	A = kiso_arena_new();
	return 0;
}

static int teardown(void **state)
{
	kiso_arena_free(A);
	return 0;
}

/* Parses text; returns NULL and *out the inventory, or "line:col: message". */
static const char *parse(struct kiso_inventory **out, const char *text)
{
	struct kiso_inventory *inv = kiso_inventory_new();
	struct kiso_error err = KISO_ERROR_INIT;

	if (kiso_inventory_load_string(inv, text, strlen(text), "hosts", KISO_INV_INI, &err) < 0) {
		const char *s = kiso_arena_sprintf(A, "%s:%d:%d: %s", err.pos.file ? err.pos.file : "",
						   err.pos.line, err.pos.col, err.msg);

		kiso_inventory_free(inv);
		if (out)
			*out = NULL;
		return s;
	}
	if (out)
		*out = inv;
	else
		kiso_inventory_free(inv);
	return NULL;
}

static const char *names(struct kiso_inv_host *const *hosts, size_t n)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	for (size_t i = 0; i < n; i++)
		kiso_buf_printf(&b, "%s%s", i ? " " : "", hosts[i]->name);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static const char *gnames(struct kiso_inv_group *const *g, size_t n)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	for (size_t i = 0; i < n; i++)
		kiso_buf_printf(&b, "%s%s", i ? " " : "", g[i]->name);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static const char *repr(const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	if (!v)
		return "<missing>";
	kiso_value_repr(&b, v);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static const char *hvar(struct kiso_inventory *inv, const char *host, const char *var)
{
	struct kiso_inv_host *h = kiso_inventory_host(inv, host);

	return h ? repr(kiso_map_get(h->vars, var)) : "<no host>";
}

static const char *gvar(struct kiso_inventory *inv, const char *group, const char *var)
{
	struct kiso_inv_group *g = kiso_inventory_group(inv, group);

	return g ? repr(kiso_map_get(g->vars, var)) : "<no group>";
}

static void test_engine_inventory_ini__groups(void **state)
{
	struct kiso_inventory *inv;
	struct kiso_inv_group *g;

	assert_null(parse(&inv, "u1\n[web]\nw1\nw2\n\n[db]\nd1\nw1\n"));
	assert_string_equal(names(inv->hosts, inv->nhosts), "u1 w1 w2 d1");
	assert_string_equal(gnames(inv->groups, inv->ngroups), "all ungrouped web db");
	g = kiso_inventory_group(inv, "all");
	assert_string_equal(gnames(g->children, g->nchildren), "ungrouped web db");
	assert_string_equal(names(g->hosts, g->nhosts), "");
	g = kiso_inventory_group(inv, "ungrouped");
	assert_string_equal(names(g->hosts, g->nhosts), "u1");
	g = kiso_inventory_group(inv, "db");
	assert_string_equal(names(g->hosts, g->nhosts), "d1 w1");
	assert_int_equal(g->depth, 1);
	assert_int_equal(kiso_inventory_host(inv, "w1")->ngroups, 2);
	assert_int_equal(kiso_inventory_host(inv, "d1")->pos.line, 7);
	kiso_inventory_free(inv);
}

static void test_engine_inventory_ini__children(void **state)
{
	struct kiso_inventory *inv;
	struct kiso_inv_group *g;

	/* children may be declared after they are named */
	assert_null(parse(&inv, "[prod:children]\nweb\ndb\n[web]\nw1\n[db:children]\ndbp\n"
				"[dbp]\np1\n[other:vars]\nx=1\n[other]\n"));
	g = kiso_inventory_group(inv, "prod");
	assert_string_equal(gnames(g->children, g->nchildren), "web db");
	g = kiso_inventory_group(inv, "all");
	assert_string_equal(gnames(g->children, g->nchildren), "ungrouped prod other");
	assert_int_equal(kiso_inventory_group(inv, "dbp")->depth, 3);
	assert_string_equal(gnames(kiso_inventory_group(inv, "dbp")->parents, 1), "db");
	assert_string_equal(gvar(inv, "other", "x"), "1");
	kiso_inventory_free(inv);
}

static void test_engine_inventory_ini__ranges_and_ports(void **state)
{
	struct kiso_inventory *inv;

	assert_null(parse(&inv, "[b]\nblade[01:03] r=1\nw[a:b].x:2222\nn[1:5:2]\n"));
	assert_string_equal(names(inv->hosts, inv->nhosts),
			    "blade01 blade02 blade03 wa.x wb.x n1 n3 n5");
	assert_string_equal(hvar(inv, "blade02", "r"), "1");
	assert_string_equal(hvar(inv, "wb.x", "ansible_port"), "2222");
	assert_string_equal(hvar(inv, "n1", "ansible_port"), "<missing>");
	kiso_inventory_free(inv);
	/* a port on a host that exists already is ignored, as in Ansible */
	assert_null(parse(&inv, "h1\n[g]\nh1:2200\n"));
	assert_string_equal(hvar(inv, "h1", "ansible_port"), "<missing>");
	kiso_inventory_free(inv);
}

static void test_engine_inventory_ini__values(void **state)
{
	struct kiso_inventory *inv;

	assert_null(parse(&inv,
			  "[a]\n"
			  "h i=1 f=1.5 t=True y=yes s=\"x y\" q='2' l=\"[1, 'a']\" m=0755 "
			  "n=None e= w=a\\ b # comment\n"
			  "[a:vars]\n"
			  "gi = 42\n"
			  "gs = \"quoted\"\n"
			  "gp = hello world\n"
			  "gd = {'k': [True, None]}\n"
			  "ge =\n"
			  "gh = a # b\n"
			  "gx = 1 # python comment\n"));
	assert_string_equal(hvar(inv, "h", "i"), "1");
	assert_string_equal(hvar(inv, "h", "f"), "1.5");
	assert_string_equal(hvar(inv, "h", "t"), "True");
	assert_string_equal(hvar(inv, "h", "y"), "'yes'");
	assert_string_equal(hvar(inv, "h", "s"), "'x y'");
	assert_string_equal(hvar(inv, "h", "q"), "2");
	assert_string_equal(hvar(inv, "h", "l"), "[1, 'a']");
	assert_string_equal(hvar(inv, "h", "m"), "'0755'");
	assert_string_equal(hvar(inv, "h", "n"), "None");
	assert_string_equal(hvar(inv, "h", "e"), "''");
	assert_string_equal(hvar(inv, "h", "w"), "'a b'");
	assert_string_equal(gvar(inv, "a", "gi"), "42");
	assert_string_equal(gvar(inv, "a", "gs"), "'quoted'");
	assert_string_equal(gvar(inv, "a", "gp"), "'hello world'");
	assert_string_equal(gvar(inv, "a", "gd"), "{'k': [True, None]}");
	assert_string_equal(gvar(inv, "a", "ge"), "''");
	assert_string_equal(gvar(inv, "a", "gh"), "'a # b'");
	assert_string_equal(gvar(inv, "a", "gx"), "1");
	kiso_inventory_free(inv);
}

static void test_engine_inventory_ini__comments_and_lines(void **state)
{
	struct kiso_inventory *inv;

	assert_null(parse(&inv, "# c\n; c\n  \n[g] # trailing\r\nh1 semi=a;b\r\n"
				"\th2\n[g:vars]\n;x=1\n"));
	assert_string_equal(names(inv->hosts, inv->nhosts), "h1 h2");
	assert_string_equal(hvar(inv, "h1", "semi"), "'a;b'");
	kiso_inventory_free(inv);
	/* a section with a ';' comment is no section: a host line, and "[g]" a bad range */
	assert_string_equal(parse(NULL, "[g] ; c\n"),
			    "hosts:1:1: host range must be begin:end or begin:end:step");
}

static void test_engine_inventory_ini__group_priority(void **state)
{
	struct kiso_inventory *inv;

	assert_null(parse(&inv, "[a]\nh\n[a:vars]\nansible_group_priority=7\nx=1\n"));
	assert_int_equal(kiso_inventory_group(inv, "a")->priority, 7);
	assert_string_equal(gvar(inv, "a", "ansible_group_priority"), "<missing>");
	kiso_inventory_free(inv);
	assert_string_equal(parse(NULL, "[a]\n[a:vars]\nansible_group_priority=high\n"),
			    "hosts:3:24: ansible_group_priority of group 'a' is not an integer: "
			    "'high'");
}

static void test_engine_inventory_ini__errors(void **state)
{
	assert_string_equal(parse(NULL, "[a:children]\nb\n"),
			    "hosts:2:1: section [a:children] includes undefined group: b");
	assert_string_equal(parse(NULL, "[a:children]\nb\n[c:children]\n  b\n"),
			    "hosts:2:1: section [c:children] includes undefined group: b");
	assert_string_equal(parse(NULL, "\n[a:vars]\nx=1\n"),
			    "hosts:2:1: section [a:vars] not valid for undefined group: a");
	assert_string_equal(parse(NULL, "[a:foo]\n"),
			    "hosts:1:4: section [a:foo] has unknown type: foo");
	assert_string_equal(parse(NULL, "[a]\n [a b]\n"),
			    "hosts:2:2: invalid section entry: '[a b]', make sure that there are "
			    "no spaces or other invalid characters in the section entry");
	assert_string_equal(parse(NULL, "[a]\nh  x\n"),
			    "hosts:2:4: expected key=value host variable assignment, got: x");
	assert_string_equal(parse(NULL, "[a]\nh \"x\n"),
			    "hosts:2:1: error parsing host definition 'h \"x': No closing quotation");
	assert_string_equal(parse(NULL, "[a]\nh x=\\"),
			    "hosts:2:1: error parsing host definition 'h x=\\': No escaped character");
	assert_string_equal(parse(NULL, "[a:vars]\nnovalue\n[a]\n"),
			    "hosts:2:1: expected key=value, got: novalue");
	assert_string_equal(parse(NULL, "[a:children]\nb c\n"),
			    "hosts:2:1: expected group name, got: b c");
	assert_string_equal(parse(NULL, "[a]\nh:\n"),
			    "hosts:2:1: invalid host pattern 'h:' supplied, ending in ':' is not "
			    "allowed, this character is reserved to provide a port");
	assert_string_equal(parse(NULL, "[a]\n---\n"),
			    "hosts:2:1: invalid host pattern '---' supplied, '---' is normally a "
			    "sign this is a YAML file");
	assert_string_equal(parse(NULL, "[a]\nh[1]\n"),
			    "hosts:2:1: host range must be begin:end or begin:end:step");
	assert_string_equal(parse(NULL, "[a:children]\na\n"),
			    "hosts:2:1: cannot add group 'a' to itself");
	assert_string_equal(parse(NULL, "[a:children]\nb\n[b:children]\na\n"),
			    "hosts:4:1: adding group 'a' as child to 'b' creates a recursive "
			    "dependency loop");
	assert_string_equal(parse(NULL, "[a]\nh \xff\n"), "hosts:2:1: invalid UTF-8");
}

static void test_engine_inventory_ini__shlex(void **state)
{
	char **t;
	size_t *o;
	const char *why = NULL;

	assert_int_equal(kiso_inv_shlex(&t, &o, A, "a 'b c' \"d\\\"e\" f\\ g h#i j", &why), 5);
	assert_string_equal(t[0], "a");
	assert_string_equal(t[1], "b c");
	assert_string_equal(t[2], "d\"e");
	assert_string_equal(t[3], "f g");
	assert_string_equal(t[4], "h");
	assert_int_equal(o[1], 2);
	assert_int_equal(kiso_inv_shlex(&t, &o, A, "x='' \"a\\b\"", &why), 2);
	assert_string_equal(t[0], "x=");
	assert_string_equal(t[1], "a\\b");
	assert_int_equal(kiso_inv_shlex(&t, &o, A, "''", &why), 1);
	assert_string_equal(t[0], "");
	assert_int_equal(kiso_inv_shlex(&t, &o, A, "# all comment", &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_inventory_ini__groups),
		cmocka_unit_test(test_engine_inventory_ini__children),
		cmocka_unit_test(test_engine_inventory_ini__ranges_and_ports),
		cmocka_unit_test(test_engine_inventory_ini__values),
		cmocka_unit_test(test_engine_inventory_ini__comments_and_lines),
		cmocka_unit_test(test_engine_inventory_ini__group_priority),
		cmocka_unit_test(test_engine_inventory_ini__errors),
		cmocka_unit_test(test_engine_inventory_ini__shlex),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
