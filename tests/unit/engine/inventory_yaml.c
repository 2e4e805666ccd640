/*
 * Unit tests for engine/inventory_yaml.c: Ansible's YAML inventory format.
 */
#include "kiso_common.h"
#include "inventory.h"

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

static const char *parse(struct kiso_inventory **out, const char *text)
{
	struct kiso_inventory *inv = kiso_inventory_new();
	struct kiso_error err = KISO_ERROR_INIT;

	if (kiso_inventory_load_string(inv, text, strlen(text), "inv.yml", KISO_INV_YAML,
				       &err) < 0) {
		const char *s = kiso_arena_sprintf(A, "%d:%d: %s", err.pos.line, err.pos.col,
						   err.msg);

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

static const char *list(void *const *items, size_t n, bool groups)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	for (size_t i = 0; i < n; i++)
		kiso_buf_printf(&b, "%s%s", i ? " " : "",
				groups ? ((struct kiso_inv_group *)items[i])->name
				       : ((struct kiso_inv_host *)items[i])->name);
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

static void test_engine_inventory_yaml__nested(void **state)
{
	struct kiso_inventory *inv;
	struct kiso_inv_group *g;
	struct kiso_inv_host *h;

	assert_null(parse(&inv,
			  "all:\n"
			  "  hosts:\n"
			  "    mail:\n"
			  "  vars:\n"
			  "    ntp: ntp1\n"
			  "  children:\n"
			  "    web:\n"
			  "      hosts:\n"
			  "        w[1:2]:\n"
			  "          port: 80\n"
			  "        w3:2222:\n"
			  "      children:\n"
			  "        web_eu:\n"
			  "          hosts: weu1\n"
			  "    db:\n"
			  "db:\n"
			  "  vars: {engine: pg}\n"
			  "  children: web_eu\n"));
	assert_string_equal(list((void *const *)inv->hosts, inv->nhosts, false),
			    "mail w1 w2 w3 weu1");
	g = kiso_inventory_group(inv, "all");
	assert_string_equal(list((void *const *)g->children, g->nchildren, true),
			    "ungrouped web db");
	assert_string_equal(list((void *const *)g->hosts, g->nhosts, false), "mail");
	g = kiso_inventory_group(inv, "ungrouped");
	assert_string_equal(list((void *const *)g->hosts, g->nhosts, false), "mail");
	g = kiso_inventory_group(inv, "web_eu");
	assert_string_equal(list((void *const *)g->parents, g->nparents, true), "web db");
	assert_int_equal(g->depth, 2);
	h = kiso_inventory_host(inv, "w2");
	assert_string_equal(repr(kiso_map_get(h->vars, "port")), "80");
	h = kiso_inventory_host(inv, "w3");
	assert_string_equal(repr(kiso_map_get(h->vars, "ansible_port")), "2222");
	assert_int_equal(h->pos.line, 11);
	assert_int_equal(h->pos.col, 9);
	assert_string_equal(repr(kiso_map_get(kiso_inventory_group(inv, "db")->vars, "engine")),
			    "'pg'");
	assert_string_equal(repr(kiso_map_get(kiso_inventory_group(inv, "all")->vars, "ntp")),
			    "'ntp1'");
	kiso_inventory_free(inv);
}

static void test_engine_inventory_yaml__skipped(void **state)
{
	struct kiso_inventory *inv;

	/* what Ansible skips with a warning: not an error */
	assert_null(parse(&inv,
			  "notagroup: 5\n"
			  "g:\n"
			  "  other: 1\n"
			  "  unknown: {a: 1}\n"
			  "  hosts:\n"
			  "    h1: 0\n"
			  "  vars:\n"
			  "    ansible_group_priority: 3\n"));
	assert_null(kiso_inventory_group(inv, "notagroup"));
	assert_int_equal(kiso_inventory_group(inv, "g")->priority, 3);
	assert_non_null(kiso_inventory_host(inv, "h1"));
	kiso_inventory_free(inv);
}

static void test_engine_inventory_yaml__errors(void **state)
{
	assert_string_equal(parse(NULL, "g:\n  hosts: [a, b]\n"),
			    "2:10: invalid \"hosts\" entry for \"g\" group, requires a dictionary, "
			    "found \"list\" instead");
	assert_string_equal(parse(NULL, "g:\n  hosts:\n    h1: [1]\n"),
			    "3:9: invalid data for host 'h1': expected a dictionary, got a list");
	assert_string_equal(parse(NULL, "g:\n  hosts:\n    5:\n"),
			    "3:5: host pattern 5 must be a string, enclose integers/floats in "
			    "quotation marks");
	assert_string_equal(parse(NULL, "g:\n  hosts:\n    h[1:]:\n"),
			    "3:5: host range must specify end value");
	assert_string_equal(parse(NULL, "g:\n  children:\n    5: {}\n"),
			    "3:5: unable to add group 5: invalid group name, expected a string "
			    "but got a int");
	assert_string_equal(parse(NULL, "g:\n  children:\n    h: [1]\n"),
			    "3:5: h is not a known host nor group");
	assert_string_equal(parse(NULL, "a:\n  children:\n    b:\nb:\n  children:\n    a:\n"),
			    "6:5: adding group 'a' as child to 'b' creates a recursive dependency "
			    "loop");
	assert_string_equal(parse(NULL, "- a\n"),
			    "1:1: YAML inventory has invalid structure, it should be a dictionary, "
			    "got: list");
	assert_string_equal(parse(NULL, "plugin: aws_ec2\n"),
			    "1:9: plugin configuration YAML file, not YAML inventory");
	assert_string_equal(parse(NULL, "g:\n  vars:\n    ansible_group_priority: x\n"),
			    "3:29: ansible_group_priority of group 'g' is not an integer: 'x'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_inventory_yaml__nested),
		cmocka_unit_test(test_engine_inventory_yaml__skipped),
		cmocka_unit_test(test_engine_inventory_yaml__errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
