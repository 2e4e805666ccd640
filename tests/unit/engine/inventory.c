/*
 * Unit tests for engine/inventory.c: sources (files, directories, host
 * lists, format detection), reconciliation across sources, group depth
 * and order, vars layers (group_vars/ host_vars/ next to the inventory and
 * the playbook) and the merged variables of a host.
 */
#include "kiso_common.h"
#include "inventory.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static struct kiso_arena *A;
static char dir[64];

/* Writes dir/rel (creating parent directories). */
static void put(const char *rel, const char *text)
{
	char *path = kiso_arena_sprintf(A, "%s/%s", dir, rel);
	FILE *f;

	for (char *p = path + strlen(dir) + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0755);
			*p = '/';
		}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *P(const char *rel)
{
	return kiso_arena_sprintf(A, "%s/%s", dir, rel);
}

static int setup(void **state)
{
	A = kiso_arena_new();
	strcpy(dir, "/tmp/kiso-inv-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char *cmd = kiso_arena_sprintf(A, "rm -rf '%s'", dir);

	if (system(cmd) != 0)
		return -1;
	kiso_arena_free(A);
	return 0;
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

/* merged variable 'var' of host */
static const char *mv(struct kiso_inventory *inv, const char *host, const char *var)
{
	struct kiso_inv_host *h = kiso_inventory_host(inv, host);

	if (!h)
		return "<no host>";
	return repr(kiso_map_get(kiso_inventory_host_vars(A, inv, h), var));
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

static const char *hnames(struct kiso_inv_host *const *h, size_t n)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	for (size_t i = 0; i < n; i++)
		kiso_buf_printf(&b, "%s%s", i ? " " : "", h[i]->name);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static struct kiso_inventory *load(const char *const *sources, struct kiso_error *err)
{
	struct kiso_inventory *inv = kiso_inventory_new();

	for (; *sources; sources++)
		if (kiso_inventory_load(inv, *sources, err) < 0) {
			kiso_inventory_free(inv);
			return NULL;
		}
	return inv;
}

static void test_engine_inventory__precedence(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv;

	put("p/hosts", "[all:vars]\nv1=all-inv\nv2=all-inv\nv9=all-inv\n"
		       "[parent:children]\nchild\n[parent:vars]\nv1=parent-inv\nv3=parent-inv\n"
		       "[child]\nn1 v4=host-inv\nn2\n"
		       "[child:vars]\nv3=child-inv\nv4=child-inv\nv5=child-inv\n");
	put("p/group_vars/all.yml", "v2: all-gv\nv5: all-gv\nv6: all-gv\n");
	put("p/group_vars/parent.yml", "v6: parent-gv\nv7: parent-gv\nv4: parent-gv\n");
	put("p/group_vars/child", "v7: child-gv\n");
	put("p/host_vars/n2.yml", "v7: n2-hv\nv1: n2-hv\n");
	inv = load((const char *[]){ P("p/hosts"), NULL }, &err);
	assert_non_null(inv);
	assert_string_equal(mv(inv, "n1", "v1"), "'parent-inv'");
	assert_string_equal(mv(inv, "n1", "v2"), "'all-gv'");
	assert_string_equal(mv(inv, "n1", "v3"), "'child-inv'");
	/* the host's inventory vars beat every group_vars file */
	assert_string_equal(mv(inv, "n1", "v4"), "'host-inv'");
	assert_string_equal(mv(inv, "n2", "v4"), "'parent-gv'");
	/* group_vars/all beats a group's inventory vars */
	assert_string_equal(mv(inv, "n1", "v5"), "'all-gv'");
	assert_string_equal(mv(inv, "n1", "v6"), "'parent-gv'");
	assert_string_equal(mv(inv, "n1", "v7"), "'child-gv'");
	assert_string_equal(mv(inv, "n2", "v7"), "'n2-hv'");
	assert_string_equal(mv(inv, "n2", "v1"), "'n2-hv'");
	assert_string_equal(mv(inv, "n2", "v9"), "'all-inv'");
	/* inventory_file and inventory_dir, as Ansible sets them */
	assert_string_equal(mv(inv, "n1", "inventory_file"), repr(kiso_str(A, P("p/hosts"),
									   KISO_POS_NONE)));
	assert_string_equal(mv(inv, "n1", "inventory_dir"), repr(kiso_str(A, P("p"),
									  KISO_POS_NONE)));
	kiso_inventory_free(inv);
}

static void test_engine_inventory__playbook_layer(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv;

	put("q/inv/hosts", "[app]\na1 from=host-inv\na2\n[app:vars]\nfrom=app-inv\n");
	put("q/inv/group_vars/all.yml", "from: inv-all\nx: inv-all\n");
	put("q/inv/group_vars/app.yml", "from: inv-app\n");
	put("q/pb/group_vars/all.yml", "from: pb-all\nx: pb-all\n");
	put("q/pb/group_vars/app.yml", "y: pb-app\n");
	put("q/inv/host_vars/a2.yml", "from: inv-host\n");
	put("q/pb/host_vars/a2.yml", "from: pb-host\n");
	inv = load((const char *[]){ P("q/inv/hosts"), NULL }, &err);
	assert_non_null(inv);
	assert_string_equal(mv(inv, "a2", "from"), "'inv-host'");
	assert_int_equal(kiso_inventory_add_vars_dir(inv, P("q/pb"), &err), 0);
	/* the playbook group_vars/all beats the inventory group_vars/all */
	assert_string_equal(mv(inv, "a1", "x"), "'pb-all'");
	assert_string_equal(mv(inv, "a1", "from"), "'host-inv'");
	assert_string_equal(mv(inv, "a1", "y"), "'pb-app'");
	/* playbook host_vars beat inventory host_vars */
	assert_string_equal(mv(inv, "a2", "from"), "'pb-host'");
	kiso_inventory_free(inv);

	put("r/hosts", "[app]\na1\n");
	put("r/group_vars/all.yml", "from: inv-all\n");
	put("r/group_vars/app.yml", "from: inv-app\n");
	put("r/pb/group_vars/all.yml", "from: pb-all\n");
	inv = load((const char *[]){ P("r/hosts"), NULL }, &err);
	assert_non_null(inv);
	assert_int_equal(kiso_inventory_add_vars_dir(inv, P("r/pb"), &err), 0);
	/* inventory group_vars/app beats playbook group_vars/all */
	assert_string_equal(mv(inv, "a1", "from"), "'inv-app'");
	kiso_inventory_free(inv);
}

static void test_engine_inventory__vars_files(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv;

	put("v/hosts.yml", "all:\n  children:\n    web:\n      hosts:\n        w1:\n        w2:\n");
	put("v/group_vars/web/a.yml", "shared: a\nfrom_a: 1\n");
	put("v/group_vars/web/b.json", "{\"shared\": \"b\"}");
	put("v/group_vars/web/sub/c", "shared: c\n");
	put("v/group_vars/web/z.yaml", "shared: z\n");
	put("v/group_vars/web/notes.txt", "shared: txt\n");
	put("v/group_vars/web/.hidden.yml", "shared: hidden\n");
	put("v/group_vars/web/old.yml~", "shared: backup\n");
	put("v/host_vars/w1", "only: no-extension\n");
	put("v/host_vars/w1.yml", "only: yml\n");
	put("v/host_vars/w2.yml", "---\n");
	put("v/host_vars/ghost.yml", "broken: [\n");
	inv = load((const char *[]){ P("v/hosts.yml"), NULL }, &err);
	assert_non_null(inv);
	assert_string_equal(mv(inv, "w1", "shared"), "'z'");
	assert_string_equal(mv(inv, "w1", "from_a"), "1");
	/* only the first of NAME, NAME.yml, NAME.yaml, NAME.json is read */
	assert_string_equal(mv(inv, "w1", "only"), "'no-extension'");
	assert_string_equal(mv(inv, "w2", "only"), "<missing>");
	kiso_inventory_free(inv);

	put("w/hosts", "h1\n");
	put("w/group_vars/all.yml", "a: [\n");
	inv = load((const char *[]){ P("w/hosts"), NULL }, &err);
	assert_null(inv);
	assert_string_equal(err.pos.file, P("w/group_vars/all.yml"));
	assert_int_equal(err.pos.line, 2);
	kiso_error_clear(&err);

	put("x/hosts", "h1\n");
	put("x/host_vars/h1.yml", "- a\n- b\n");
	inv = load((const char *[]){ P("x/hosts"), NULL }, &err);
	assert_null(inv);
	assert_string_equal(err.msg, "variables file must hold a mapping, not a list");
	assert_int_equal(err.pos.line, 1);
	kiso_error_clear(&err);

	put("y/hosts", "h1\n");
	put("y/group_vars/all.yml", "$ANSIBLE_VAULT;1.1;AES256\n3133\n");
	inv = load((const char *[]){ P("y/hosts"), NULL }, &err);
	assert_null(inv);
	assert_string_equal(err.msg, kiso_arena_sprintf(A, "'%s' is encrypted with ansible-vault, "
							"which kiso cannot decrypt",
							P("y/group_vars/all.yml")));
	kiso_error_clear(&err);
}

static void test_engine_inventory__directory_source(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv;

	put("d/inv/01-hosts", "[web]\nw1\n");
	put("d/inv/02-cloud.yml", "cloud:\n  hosts:\n    vm1:\n");
	put("d/inv/hosts.ini", "[ignored]\nx1\n");
	put("d/inv/a.retry", "x2\n");
	put("d/inv/b.orig", "x3\n");
	put("d/inv/c~", "x4\n");
	put("d/inv/.hidden", "x5\n");
	put("d/inv/README.md", "x6\n");
	put("d/inv/sub/03-nested", "[nested]\nn1\n");
	put("d/inv/group_vars/web.yml", "port: 443\n");
	put("d/inv/host_vars/vm1", "size: large\n");
	inv = load((const char *[]){ P("d/inv"), NULL }, &err);
	assert_non_null(inv);
	assert_string_equal(hnames(inv->hosts, inv->nhosts), "w1 vm1 n1");
	assert_null(kiso_inventory_group(inv, "ignored"));
	assert_string_equal(mv(inv, "w1", "port"), "443");
	assert_string_equal(mv(inv, "vm1", "size"), "'large'");
	kiso_inventory_free(inv);
}

static void test_engine_inventory__format_detection(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv;

	put("f/yaml_noext", "all:\n  hosts:\n    y1:\n");
	put("f/ini_noext", "[g]\ni1\n");
	put("f/ini.yml", "[g2]\ni2\n");
	put("f/empty.yml", "");
	put("f/list.yaml", "- a\n");
	inv = load((const char *[]){ P("f/yaml_noext"), P("f/ini_noext"), P("f/ini.yml"),
				     P("f/empty.yml"), NULL }, &err);
	assert_non_null(inv);
	assert_string_equal(hnames(inv->hosts, inv->nhosts), "y1 i1 i2");
	kiso_inventory_free(inv);

	/* a broken .yml inventory reports the YAML problem */
	put("f/broken.yml", "all:\n  hosts: [a\n");
	inv = load((const char *[]){ P("f/broken.yml"), NULL }, &err);
	assert_null(inv);
	assert_string_equal(err.pos.file, P("f/broken.yml"));
	kiso_error_clear(&err);
	/* a broken INI file without extension reports the INI problem */
	put("f/broken", "[a:children]\nb\n");
	inv = load((const char *[]){ P("f/broken"), NULL }, &err);
	assert_null(inv);
	assert_string_equal(err.msg, "section [a:children] includes undefined group: b");
	assert_int_equal(err.pos.line, 2);
	kiso_error_clear(&err);
	put("f/x.toml", "[a]\n");
	inv = load((const char *[]){ P("f/x.toml"), NULL }, &err);
	assert_null(inv);
	assert_string_equal(err.msg, "toml inventories are not supported");
	kiso_error_clear(&err);
	inv = load((const char *[]){ P("f/missing"), NULL }, &err);
	assert_null(inv);
	assert_int_equal(err.code, KISO_ENOTFOUND);
	kiso_error_clear(&err);
}

static void test_engine_inventory__host_list(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv = load((const char *[]){ "a.example.com, b:2222,,c,a.example.com",
							    NULL }, &err);

	assert_non_null(inv);
	assert_string_equal(hnames(inv->hosts, inv->nhosts), "a.example.com b c");
	assert_string_equal(mv(inv, "b", "ansible_port"), "2222");
	assert_string_equal(gnames(inv->hosts[0]->groups, inv->hosts[0]->ngroups), "ungrouped");
	kiso_inventory_free(inv);
}

static void test_engine_inventory__reconcile_across_sources(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv;
	struct kiso_inv_group *all, *ung;

	put("m/a.ini", "s1\n[web]\nw1\n");
	put("m/b.yml", "all:\n  hosts:\n    s2:\n    w2:\n  children:\n    web:\n    db:\n"
		       "      hosts:\n        d1:\n");
	put("m/c", "[db]\nw2\n[top:children]\nweb\n");
	inv = load((const char *[]){ P("m/a.ini"), P("m/b.yml"), P("m/c"), NULL }, &err);
	assert_non_null(inv);
	all = kiso_inventory_group(inv, "all");
	ung = kiso_inventory_group(inv, "ungrouped");
	/* as if reconciled once at the end: explicit children first */
	assert_string_equal(gnames(all->children, all->nchildren), "ungrouped web db top");
	/* w2 joined db in the third source: no longer ungrouped */
	assert_string_equal(hnames(ung->hosts, ung->nhosts), "s1 s2");
	assert_int_equal(kiso_inventory_group(inv, "web")->depth, 2);
	kiso_inventory_free(inv);
}

static void test_engine_inventory__groups_and_names(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv;
	struct kiso_inv_group **gs;
	size_t n;
	struct kiso_value *gv;

	put("g/hosts", "[alpha]\nh1\n[beta]\nh1\nh2\n[gamma]\nh1\n[top:children]\ngamma\n"
		       "[alpha:vars]\nc=alpha\nansible_group_priority=10\n[beta:vars]\nc=beta\n"
		       "[gamma:vars]\nc=gamma\n");
	inv = load((const char *[]){ P("g/hosts"), NULL }, &err);
	assert_non_null(inv);
	n = kiso_inventory_host_groups(&gs, A, inv, kiso_inventory_host(inv, "h1"));
	/* depth, then priority, then name */
	assert_string_equal(gnames(gs, n), "all beta top alpha gamma");
	assert_string_equal(mv(inv, "h1", "c"), "'gamma'");
	assert_string_equal(repr(kiso_inventory_group_names(A, inv, kiso_inventory_host(inv, "h1"))),
			    "['alpha', 'beta', 'gamma', 'top']");
	gv = kiso_inventory_groups_value(A, inv);
	assert_string_equal(repr(gv), "{'all': ['h1', 'h2'], 'ungrouped': [], 'alpha': ['h1'], "
				      "'beta': ['h1', 'h2'], 'gamma': ['h1'], 'top': ['h1']}");
	kiso_inventory_free(inv);
}

struct worker {
	struct kiso_inventory *inv;
	const char *want;
	int bad;
};

/* every host's merged vars, group names and the groups map, as one text */
static char *snapshot(struct kiso_arena *a, struct kiso_inventory *inv)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_inv_hostlist hl;
	struct kiso_error err = KISO_ERROR_INIT;
	char *s;

	for (size_t i = 0; i < inv->nhosts; i++) {
		kiso_value_json(&b, kiso_inventory_host_vars(a, inv, inv->hosts[i]), -1, true);
		kiso_value_repr(&b, kiso_inventory_group_names(a, inv, inv->hosts[i]));
	}
	kiso_value_repr(&b, kiso_inventory_groups_value(a, inv));
	if (kiso_inventory_match(&hl, a, inv, "g*:!h1*", "all", &err) == 0)
		for (size_t i = 0; i < hl.len; i++)
			kiso_buf_puts(&b, hl.items[i]->name);
	s = kiso_arena_strdup(a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static void *work(void *p)
{
	struct worker *w = p;

	for (int i = 0; i < 20; i++) {
		struct kiso_arena *a = kiso_arena_new();

		if (strcmp(snapshot(a, w->inv), w->want) != 0)
			w->bad++;
		kiso_arena_free(a);
	}
	return NULL;
}

static void test_engine_inventory__threads(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv;
	struct kiso_buf text = KISO_BUF_INIT;
	struct worker w[4];
	pthread_t t[4];

	for (int g = 0; g < 20; g++) {
		kiso_buf_printf(&text, "[g%d]\n", g);
		for (int h = 0; h < 20; h++)
			kiso_buf_printf(&text, "h%d-%d v=%d\n", h, (g + h) % 7, g);
		kiso_buf_printf(&text, "[g%d:vars]\nx=%d\n[top%d:children]\ng%d\n", g, g, g % 3, g);
	}
	put("t/hosts", kiso_buf_cstr(&text));
	kiso_buf_release(&text);
	put("t/group_vars/g3.yml", "y: 3\n");
	inv = load((const char *[]){ P("t/hosts"), NULL }, &err);
	assert_non_null(inv);
	for (int i = 0; i < 4; i++) {
		w[i].inv = inv;
		w[i].want = snapshot(A, inv);
		w[i].bad = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].bad, 0);
	}
	kiso_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_inventory__precedence),
		cmocka_unit_test(test_engine_inventory__playbook_layer),
		cmocka_unit_test(test_engine_inventory__vars_files),
		cmocka_unit_test(test_engine_inventory__directory_source),
		cmocka_unit_test(test_engine_inventory__format_detection),
		cmocka_unit_test(test_engine_inventory__host_list),
		cmocka_unit_test(test_engine_inventory__reconcile_across_sources),
		cmocka_unit_test(test_engine_inventory__groups_and_names),
		cmocka_unit_test(test_engine_inventory__threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
