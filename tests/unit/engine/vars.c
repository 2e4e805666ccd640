/*
 * Unit tests for engine/vars.c: precedence of every layer, replace (not
 * merge) of maps, magic variables, lazy templated lookup, its cache,
 * recursive loop detection, unsafe values, facts, register, hostvars.
 */
#include "kiso_common.h"
#include "inventory.h"
#include "vars.h"
#include "yaml.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define P KISO_POS_NONE

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
	kiso_tmpl_cache_clear();
	return 0;
}

static struct kiso_value *yaml(const char *text)
{
	struct kiso_value *v = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	if (kiso_yaml_load(&v, A, text, strlen(text), "test.yml", &err) < 0)
		fail_msg("yaml: %s", err.msg);
	return v;
}

static char *repr(const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	if (!v)
		return "<undefined>";
	kiso_value_repr(&b, v);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

/* The rendered variable as repr(), "<undefined>", or "ERROR msg". */
static char *get(struct kiso_vars *v, const char *name)
{
	struct kiso_value *out = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	if (kiso_vars_get(&out, v, name, &err) < 0)
		return kiso_arena_sprintf(A, "ERROR %s", err.msg);
	return repr(out);
}

static char *render(struct kiso_vars *v, const char *text)
{
	struct kiso_tmpl_ctx ctx;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_error err = KISO_ERROR_INIT;
	char *s;

	kiso_vars_tmpl_ctx(&ctx, v, A);
	if (kiso_tmpl_render_text(&b, &ctx, text, strlen(text), (struct kiso_pos){ "t", 1, 1 },
				  &err) < 0) {
		kiso_buf_release(&b);
		return kiso_arena_sprintf(A, "ERROR %s", err.msg);
	}
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static struct kiso_vars *localhost(struct kiso_vars_run *run)
{
	struct kiso_vars *v = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	assert_int_equal(kiso_vars_host(&v, run, "localhost", &err), 0);
	assert_non_null(v);
	return v;
}

/* The layers the runner pushes, lowest first (host magic, extra vars
 * and magic are vars.c's own). */
static const enum kiso_vars_layer pushable[] = {
	KISO_VARS_ROLE_DEFAULTS, KISO_VARS_INV_ALL, KISO_VARS_INV_GROUP, KISO_VARS_PB_GROUP,
	KISO_VARS_INV_HOST, KISO_VARS_PB_HOST, KISO_VARS_FACTS, KISO_VARS_PLAY,
	KISO_VARS_VARS_FILES, KISO_VARS_ROLE_VARS, KISO_VARS_BLOCK, KISO_VARS_TASK,
	KISO_VARS_INCLUDE_VARS, KISO_VARS_SET_FACT, KISO_VARS_ROLE_PARAMS, KISO_VARS_EXTRA,
	KISO_VARS_MAGIC, KISO_VARS_LOOP,
};

/*
 * Every layer pair: push a map {x: <layer name>} for every layer in a
 * shuffled order; the highest layer must win; popping the winner hands
 * x to the next lower layer, down to the lowest.
 */
static void test_engine_vars__precedence_every_layer(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);
	size_t n = KISO_ARRAY_SIZE(pushable);
	static const size_t order[] = { 7, 0, 17, 3, 12, 9, 1, 15, 5, 14, 2, 11, 16, 6, 10, 4, 13, 8 };
	enum kiso_vars_layer got;

	(void)state;
	assert_int_equal(KISO_ARRAY_SIZE(order), n);
	for (size_t i = 0; i < n; i++) {
		enum kiso_vars_layer l = pushable[order[i]];
		struct kiso_value *m = kiso_map_new(A, P);

		kiso_map_set(A, m, "x", kiso_str(A, kiso_vars_layer_name(l), P));
		assert_int_equal(kiso_vars_push(v, l, m), 0);
	}
	for (size_t i = n; i > 0; i--) {
		enum kiso_vars_layer want = pushable[i - 1];

		assert_string_equal(get(v, "x"),
				    kiso_arena_sprintf(A, "'%s'", kiso_vars_layer_name(want)));
		assert_non_null(kiso_vars_raw(v, "x", &got));
		assert_int_equal(got, want);
		assert_true(kiso_vars_pop(v, want));
	}
	assert_string_equal(get(v, "x"), "<undefined>");
	assert_false(kiso_vars_pop(v, KISO_VARS_TASK));
	kiso_vars_run_free(run);
}

/* Within one kind the later push wins; pop uncovers the earlier one. */
static void test_engine_vars__same_kind_stack(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);

	(void)state;
	kiso_vars_push(v, KISO_VARS_BLOCK, yaml("{x: outer, y: outer}"));
	kiso_vars_push(v, KISO_VARS_BLOCK, yaml("{x: inner}"));
	kiso_vars_push(v, KISO_VARS_ROLE_VARS, yaml("{x: role, y: role}"));
	assert_string_equal(get(v, "x"), "'inner'");
	assert_string_equal(get(v, "y"), "'outer'");
	assert_true(kiso_vars_pop(v, KISO_VARS_BLOCK));
	assert_string_equal(get(v, "x"), "'outer'");
	assert_true(kiso_vars_pop(v, KISO_VARS_BLOCK));
	assert_string_equal(get(v, "x"), "'role'");
	assert_int_equal(kiso_vars_push(v, KISO_VARS_TASK, yaml("[1]")), -1);
	assert_false(kiso_vars_pop(v, KISO_VARS_TASK));
	/* NULL is an empty layer: it pairs with its pop */
	assert_int_equal(kiso_vars_push(v, KISO_VARS_TASK, NULL), 0);
	assert_string_equal(get(v, "x"), "'role'");
	assert_true(kiso_vars_pop(v, KISO_VARS_TASK));
	assert_false(kiso_vars_pop(v, KISO_VARS_TASK));
	kiso_vars_run_free(run);
}

/* hash_behaviour=replace: a higher layer's map replaces the whole map. */
static void test_engine_vars__maps_replaced_not_merged(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);

	(void)state;
	kiso_vars_push(v, KISO_VARS_ROLE_DEFAULTS, yaml("{cfg: {a: 1, b: {c: 2}}}"));
	kiso_vars_push(v, KISO_VARS_PLAY, yaml("{cfg: {b: {d: 3}}}"));
	assert_string_equal(get(v, "cfg"), "{'b': {'d': 3}}");
	kiso_vars_run_free(run);
}

/* Extra vars beat set_fact; magic beats extra vars, but inventory_hostname
 * (a host variable in Ansible) does not. */
static void test_engine_vars__extra_vars_and_magic(void **state)
{
	struct kiso_vars_run *run =
		kiso_vars_run_new(NULL, yaml("{a: extra, groups: mine, inventory_hostname: x}"), NULL);
	struct kiso_vars *v = localhost(run);

	(void)state;
	kiso_vars_set_fact(v, "a", yaml("fact"));
	kiso_vars_push(v, KISO_VARS_ROLE_PARAMS, yaml("{a: param}"));
	assert_string_equal(get(v, "a"), "'extra'");
	assert_string_equal(get(v, "groups"), "{'all': [], 'ungrouped': []}");
	assert_string_equal(get(v, "inventory_hostname"), "'x'");
	assert_string_equal(get(v, "inventory_hostname_short"), "'localhost'");
	assert_string_equal(get(v, "group_names"), "[]");
	assert_string_equal(get(v, "omit"), "'" KISO_TMPL_OMIT "'");
	assert_string_equal(get(v, "ansible_check_mode"), "False");
	assert_string_equal(get(v, "ansible_version"),
			    "{'string': '2.14.18', 'full': '2.14.18', 'major': 2, 'minor': 14, "
			    "'revision': 18}");
	assert_string_equal(get(v, "ansible_connection"), "'local'");
	kiso_vars_run_free(run);
}

static void test_engine_vars__options_and_play_magic(void **state)
{
	const char *srcs[] = { "/x/hosts", NULL };
	struct kiso_vars_opts o = { .check_mode = true, .diff_mode = true, .forks = 20,
				    .playbook_dir = "/", .inventory_sources = srcs };
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, &o);
	struct kiso_vars *v = localhost(run);

	(void)state;
	assert_string_equal(get(v, "ansible_check_mode"), "True");
	assert_string_equal(get(v, "ansible_diff_mode"), "True");
	assert_string_equal(get(v, "ansible_forks"), "20");
	assert_string_equal(get(v, "playbook_dir"), "'/'");
	assert_string_equal(get(v, "ansible_inventory_sources"), "['/x/hosts']");
	assert_string_equal(get(v, "play_hosts"), "<undefined>");
	kiso_vars_run_set_play(run, "site", yaml("[a, b]"), NULL, yaml("[a]"));
	assert_string_equal(get(v, "ansible_play_hosts_all"), "['a', 'b']");
	assert_string_equal(get(v, "ansible_play_hosts"), "['a', 'b']");
	assert_string_equal(get(v, "ansible_play_batch"), "['a']");
	assert_string_equal(get(v, "play_hosts"), "['a']");
	assert_string_equal(get(v, "ansible_play_name"), "'site'");
	kiso_vars_run_set_play(run, NULL, NULL, NULL, NULL);
	assert_string_equal(get(v, "play_hosts"), "<undefined>");
	kiso_vars_set_role(v, "ntp", "/roles/ntp");
	assert_string_equal(get(v, "role_name"), "'ntp'");
	assert_string_equal(get(v, "role_path"), "'/roles/ntp'");
	kiso_vars_set_role(v, NULL, NULL);
	assert_string_equal(get(v, "role_name"), "<undefined>");
	kiso_vars_run_free(run);
}

/* Values that are templates are rendered when used, recursively. */
static void test_engine_vars__lazy_resolution(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);

	(void)state;
	kiso_vars_push(v, KISO_VARS_PLAY,
		       yaml("{scheme: https, host: zbx, url: '{{ scheme }}://{{ host }}/',"
			    " servers: ['{{ host }}1', '{{ host }}2'], port: 8000,"
			    " next: '{{ port + 1 }}', all: '{{ servers + [\"x\"] }}',"
			    " cfg: {u: '{{ url }}', n: 1}}"));
	assert_string_equal(get(v, "url"), "'https://zbx/'");
	assert_string_equal(get(v, "servers"), "['zbx1', 'zbx2']");
	assert_string_equal(get(v, "next"), "'8001'");
	assert_string_equal(get(v, "all"), "['zbx1', 'zbx2', 'x']");
	assert_string_equal(get(v, "cfg"), "{'u': 'https://zbx/', 'n': 1}");
	assert_string_equal(render(v, "{{ cfg.u }} {{ servers | length }}"), "https://zbx/ 2");
	kiso_vars_run_free(run);
}

/* The cache never serves a value after the layers it came from changed. */
static void test_engine_vars__cache_invalidated_on_change(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);

	(void)state;
	kiso_vars_push(v, KISO_VARS_PLAY, yaml("{b: play, a: 'a-{{ b }}'}"));
	assert_string_equal(get(v, "a"), "'a-play'");
	assert_string_equal(get(v, "a"), "'a-play'");
	kiso_vars_push(v, KISO_VARS_TASK, yaml("{b: task}"));
	assert_string_equal(get(v, "a"), "'a-task'");
	kiso_vars_set_fact(v, "b", yaml("fact"));
	assert_string_equal(get(v, "a"), "'a-fact'");
	kiso_vars_pop(v, KISO_VARS_TASK);
	assert_string_equal(get(v, "a"), "'a-fact'");
	kiso_vars_push(v, KISO_VARS_LOOP, yaml("{b: item}"));
	assert_string_equal(get(v, "a"), "'a-item'");
	kiso_vars_run_free(run);
}

static void test_engine_vars__recursive_loop_detected(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);
	struct kiso_value *out = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	(void)state;
	kiso_vars_push(v, KISO_VARS_PLAY,
		       yaml("a: '{{ b }}'\nb: '{{ a }}'\nc: 'x{{ c }}'\nd: ['{{ e }}']\ne: '{{ d }}'\n"));
	assert_true(kiso_vars_get(&out, v, "a", &err) < 0);
	assert_string_equal(err.msg, "recursive loop detected in template string: {{ a }}");
	assert_string_equal(err.pos.file, "test.yml");
	assert_int_equal(err.pos.line, 2);
	assert_int_equal(err.pos.col, 4);
	assert_string_equal(get(v, "c"), "ERROR recursive loop detected in template string: x{{ c }}");
	assert_string_equal(get(v, "d"), "ERROR recursive loop detected in template string: {{ d }}");
	/* the scope is usable afterwards */
	kiso_vars_push(v, KISO_VARS_TASK, yaml("{b: fine}"));
	assert_string_equal(get(v, "a"), "'fine'");
	assert_true(strncmp(render(v, "{{ c }}"), "ERROR recursive loop detected", 29) == 0);
	kiso_vars_run_free(run);
}

/* A very long chain of variables is an error, not a stack overflow. */
static void test_engine_vars__deep_chain_bounded(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);
	struct kiso_value *m = kiso_map_new(A, P);

	(void)state;
	for (int i = 0; i < 5000; i++)
		kiso_map_set(A, m, kiso_arena_sprintf(A, "v%d", i),
			     kiso_str(A, kiso_arena_sprintf(A, "{{ v%d }}", i + 1), P));
	kiso_map_set(A, m, "v5000", kiso_str(A, "end", P));
	kiso_map_set(A, m, "v4800", kiso_str(A, "{{ v4900 }}", P));
	kiso_vars_push(v, KISO_VARS_PLAY, m);
	assert_string_equal(get(v, "v4800"), "'end'");
	assert_true(strncmp(get(v, "v0"), "ERROR variables nested too deeply", 33) == 0);
	kiso_vars_run_free(run);
}

/* Ansible: a variable whose template is undefined is itself undefined. */
static void test_engine_vars__undefined_inside_is_undefined(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);

	(void)state;
	kiso_vars_push(v, KISO_VARS_PLAY, yaml("{x: '{{ nope }}', l: [1, '{{ nope }}']}"));
	assert_string_equal(get(v, "x"), "<undefined>");
	assert_string_equal(get(v, "l"), "<undefined>");
	assert_string_equal(render(v, "{{ x | default('d') }} {{ l is defined }}"), "d False");
	assert_true(strncmp(render(v, "{{ x }}"), "ERROR ", 6) == 0);
	kiso_vars_run_free(run);
}

static void test_engine_vars__unsafe_facts_register_untemplated(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);

	(void)state;
	kiso_vars_push(v, KISO_VARS_PLAY, yaml("{pw: !unsafe '{{ x }}', x: 1}"));
	assert_string_equal(get(v, "pw"), "'{{ x }}'");
	kiso_vars_register(v, "result", yaml("{stdout: '{{ x }}', rc: 0}"));
	assert_string_equal(get(v, "result"), "{'stdout': '{{ x }}', 'rc': 0}");
	assert_string_equal(render(v, "{{ result.stdout }}"), "{{ x }}");
	kiso_vars_set_facts(v, yaml("{hostname: '{{ x }}', ansible_os_family: Debian}"));
	assert_string_equal(get(v, "ansible_hostname"), "'{{ x }}'");
	assert_string_equal(get(v, "ansible_os_family"), "'Debian'");
	assert_string_equal(get(v, "ansible_facts"), "{'hostname': '{{ x }}', 'os_family': 'Debian'}");
	/* set_fact values are templated as any variable */
	kiso_vars_set_fact(v, "sf", yaml("'{{ x }}'"));
	assert_string_equal(get(v, "sf"), "1"); /* Ansible's single-variable shortcut */
	kiso_vars_run_free(run);
}

/* include_vars sits below set_fact and above task vars. */
static void test_engine_vars__include_vars_place(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, NULL, NULL);
	struct kiso_vars *v = localhost(run);

	(void)state;
	kiso_vars_push(v, KISO_VARS_TASK, yaml("{a: task, b: task}"));
	kiso_vars_include_vars(v, yaml("{a: inc, b: inc}"));
	kiso_vars_set_fact(v, "b", yaml("fact"));
	assert_string_equal(get(v, "a"), "'inc'");
	assert_string_equal(get(v, "b"), "'fact'");
	kiso_vars_run_free(run);
}

/* 'vars' is every visible variable, raw. */
static void test_engine_vars__vars_is_raw(void **state)
{
	struct kiso_vars_run *run = kiso_vars_run_new(NULL, yaml("{e: 1}"), NULL);
	struct kiso_vars *v = localhost(run);
	struct kiso_value *all = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	(void)state;
	kiso_vars_push(v, KISO_VARS_PLAY, yaml("{s: web, fqdn: '{{ s }}.org'}"));
	assert_int_equal(kiso_vars_get(&all, v, "vars", &err), 0);
	assert_string_equal(repr(kiso_map_get(all, "fqdn")), "'{{ s }}.org'");
	assert_string_equal(repr(kiso_map_get(all, "e")), "1");
	assert_non_null(kiso_map_get(all, "inventory_hostname"));
	assert_string_equal(render(v, "{{ vars['s'] }} {{ fqdn }}"), "web web.org");
	kiso_vars_run_free(run);
}

static const char inventory_text[] =
	"[web]\n"
	"web1 port=80 url='http://{{ inventory_hostname }}:{{ port }}'\n"
	"web2 port=8080 url='http://{{ inventory_hostname }}:{{ port }}'\n"
	"[db]\n"
	"db1 broken='{{ nowhere }}'\n"
	"[web:vars]\n"
	"role=frontend\n";

static struct kiso_inventory *inventory(void)
{
	struct kiso_inventory *inv = kiso_inventory_new();
	struct kiso_error err = KISO_ERROR_INIT;

	if (kiso_inventory_load_string(inv, inventory_text, strlen(inventory_text), "hosts",
				       KISO_INV_INI, &err) < 0)
		fail_msg("inventory: %s", err.msg);
	return inv;
}

static void test_engine_vars__host_scope_from_inventory(void **state)
{
	struct kiso_inventory *inv = inventory();
	struct kiso_vars_run *run = kiso_vars_run_new(inv, NULL, NULL);
	struct kiso_vars *v = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	(void)state;
	assert_int_equal(kiso_vars_host(&v, run, "web2", &err), 0);
	assert_string_equal(kiso_vars_hostname(v), "web2");
	assert_string_equal(get(v, "url"), "'http://web2:8080'");
	assert_string_equal(get(v, "role"), "'frontend'");
	assert_string_equal(get(v, "group_names"), "['web']");
	assert_string_equal(get(v, "groups"),
			    "{'all': ['web1', 'web2', 'db1'], 'ungrouped': [], "
			    "'web': ['web1', 'web2'], 'db': ['db1']}");
	/* the same scope comes back */
	{
		struct kiso_vars *again = NULL;

		assert_int_equal(kiso_vars_host(&again, run, "web2", &err), 0);
		assert_ptr_equal(again, v);
	}
	assert_int_equal(kiso_vars_host(&v, run, "nope", &err), KISO_ENOTFOUND);
	assert_string_equal(err.msg, "no host 'nope' in the inventory");
	kiso_vars_run_free(run);
	kiso_inventory_free(inv);
}

/* hostvars[h].x is rendered in h's context, sees h's set_fact and not the
 * play vars of the asking host. */
static void test_engine_vars__hostvars(void **state)
{
	struct kiso_inventory *inv = inventory();
	struct kiso_vars_run *run = kiso_vars_run_new(inv, yaml("{ev: 1}"), NULL);
	struct kiso_vars *v = NULL, *w2 = NULL;
	struct kiso_error err = KISO_ERROR_INIT;

	(void)state;
	assert_int_equal(kiso_vars_host(&v, run, "web1", &err), 0);
	kiso_vars_push(v, KISO_VARS_PLAY, yaml("{pv: play, port: 1}"));
	assert_string_equal(render(v, "{{ hostvars['web2'].url }}"), "http://web2:8080");
	assert_string_equal(render(v, "{{ hostvars.web1.url }} {{ url }}"),
			    "http://web1:80 http://web1:1");
	assert_string_equal(render(v, "{{ hostvars.web1.pv | default('none') }}"), "none");
	assert_string_equal(render(v, "{{ hostvars.db1.ev }} {{ hostvars.db1.broken | default('x') }}"),
			    "1 x");
	assert_string_equal(render(v, "{{ groups.web | map('extract', hostvars, 'port') | list }}"),
			    "[80, 8080]");
	/* inventory order, then Ansible's implicit localhost */
	assert_string_equal(render(v, "{{ hostvars | list }}"), "['web1', 'web2', 'db1', 'localhost']");
	assert_string_equal(render(v, "{{ hostvars.localhost.ansible_connection }}"), "local");

	kiso_vars_push(v, KISO_VARS_TASK, yaml("{peer: \"{{ hostvars['web2'].port }}\"}"));
	assert_string_equal(get(v, "peer"), "'8080'");
	assert_int_equal(kiso_vars_host(&w2, run, "web2", &err), 0);
	kiso_vars_set_fact(w2, "port", yaml("9090"));
	assert_string_equal(render(v, "{{ hostvars['web2'].url }}"), "http://web2:9090");
	/* web1's cached 'peer' must not survive web2's set_fact */
	assert_string_equal(get(v, "peer"), "'9090'");
	kiso_vars_run_free(run);
	kiso_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_vars__precedence_every_layer),
		cmocka_unit_test(test_engine_vars__same_kind_stack),
		cmocka_unit_test(test_engine_vars__maps_replaced_not_merged),
		cmocka_unit_test(test_engine_vars__extra_vars_and_magic),
		cmocka_unit_test(test_engine_vars__options_and_play_magic),
		cmocka_unit_test(test_engine_vars__lazy_resolution),
		cmocka_unit_test(test_engine_vars__cache_invalidated_on_change),
		cmocka_unit_test(test_engine_vars__recursive_loop_detected),
		cmocka_unit_test(test_engine_vars__deep_chain_bounded),
		cmocka_unit_test(test_engine_vars__undefined_inside_is_undefined),
		cmocka_unit_test(test_engine_vars__unsafe_facts_register_untemplated),
		cmocka_unit_test(test_engine_vars__include_vars_place),
		cmocka_unit_test(test_engine_vars__vars_is_raw),
		cmocka_unit_test(test_engine_vars__host_scope_from_inventory),
		cmocka_unit_test(test_engine_vars__hostvars),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
