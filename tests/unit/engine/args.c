/*
 * Unit tests for engine/args.c: task arguments checked against module
 * schemas (messages and positions), Ansible's type conversions, and the
 * normalised map modules receive.
 *
 * Arguments are written as YAML (the way they reach kiso from a playbook)
 * and loaded with kiso_yaml_load(), so positions are real file:line:col.
 */
#include "kiso_common.h"
#include "args.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "module.h"
#include "value.h"
#include "yaml.h"

#include <math.h>
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
	A = NULL;
	return 0;
}

static const struct kiso_pos TASK = { "task.yml", 1, 3 };

static struct kiso_value *yaml(const char *text)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL;

	if (kiso_yaml_load(&v, A, text, strlen(text), "args.yml", &err) < 0)
		fail_msg("yaml: %s", err.msg);
	return v;
}

static const struct kiso_module *mod(const char *name)
{
	const struct kiso_module *m = kiso_module_find(name);

	if (!m)
		fail_msg("module '%s' not registered", name);
	return m;
}

/* Validates; returns how many problems were reported. */
static size_t check(const char *module, const char *text, struct kiso_diags *d)
{
	size_t before = d->len;
	int rc = kiso_args_validate(mod(module), text ? yaml(text) : NULL, TASK, d);

	assert_int_equal(rc, d->len > before ? -1 : 0);
	return d->len - before;
}

static void assert_diag(const struct kiso_diags *d, size_t i, int line, int col, const char *msg)
{
	assert_true(i < d->len);
	assert_string_equal(d->items[i].msg, msg);
	assert_int_equal(d->items[i].pos.line, line);
	assert_int_equal(d->items[i].pos.col, col);
}

static struct kiso_value *norm(const char *module, const char *text)
{
	struct kiso_diags d = KISO_DIAGS_INIT;
	struct kiso_value *out = NULL;
	int rc = kiso_args_normalize(&out, A, mod(module), text ? yaml(text) : NULL, TASK, &d);

	if (rc < 0)
		fail_msg("normalize %s: %s", module, d.items[0].msg);
	kiso_diags_release(&d);
	assert_non_null(out);
	return out;
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

/* ---- validation: messages and positions ------------------------------ */

static void test_engine_args__unsupported_parameter(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("copy", "src: a\ndest: /b\nbogus: 1\n", &d), 1);
	assert_diag(&d, 0, 3, 1,
		    "unsupported parameter 'bogus' for module 'copy' (supported: "
		    "_original_basename, attributes, backup, checksum, content, decrypt, dest, "
		    "directory_mode, follow, force, group, local_follow, mode, owner, remote_src, "
		    "selevel, serole, setype, seuser, src, unsafe_writes, validate (attr))");
	kiso_diags_release(&d);
}

static void test_engine_args__reports_every_problem(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	/* unknown key, bad choice, bad bool, and 'path' missing */
	assert_int_equal(check("file", "state: bogus\nfoo: 1\nforce: maybe\n", &d), 4);
	assert_diag(&d, 0, 1, 8,
		    "value of state must be one of: absent, directory, file, hard, link, touch, "
		    "got: bogus");
	assert_diag(&d, 1, 2, 1,
		    "unsupported parameter 'foo' for module 'file' (supported: _diff_peek, "
		    "_original_basename, access_time, access_time_format, attributes, follow, force, "
		    "group, mode, modification_time, modification_time_format, owner, path, recurse, "
		    "selevel, serole, setype, seuser, src, state, unsafe_writes (attr, dest, name))");
	assert_diag(&d, 2, 3, 8,
		    "argument 'force' is of type str and we were unable to convert to bool: "
		    "the value 'maybe' is not a valid boolean");
	assert_diag(&d, 3, 1, 3, "missing required arguments: path");
	assert_string_equal(d.items[3].pos.file, "task.yml");
	kiso_diags_release(&d);
}

static void test_engine_args__missing_required_lists_all(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("authorized_key", "state: absent\n", &d), 1);
	assert_diag(&d, 0, 1, 3, "missing required arguments: key, user");
	/* no arguments at all */
	assert_int_equal(check("template", NULL, &d), 1);
	assert_diag(&d, 1, 1, 3, "missing required arguments: dest, src");
	/* a null value counts as given, as in Ansible */
	assert_int_equal(check("stat", "path:\n", &d), 0);
	kiso_diags_release(&d);
}

static void test_engine_args__wrong_types(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("user", "name: u\nuid: abc\nappend: 2\ngroups: {a: 1}\n", &d), 3);
	assert_diag(&d, 0, 2, 6,
		    "argument 'uid' is of type str and we were unable to convert to int: "
		    "str cannot be converted to an int");
	assert_diag(&d, 1, 3, 9,
		    "argument 'append' is of type int and we were unable to convert to bool: "
		    "the value '2' is not a valid boolean");
	assert_diag(&d, 2, 4, 9,
		    "argument 'groups' is of type dict and we were unable to convert to list: "
		    "dict cannot be converted to a list");
	/* a float is no int for Ansible, not even 1.0 */
	assert_int_equal(check("wait_for", "timeout: 1.0\n", &d), 1);
	assert_diag(&d, 3, 1, 10,
		    "argument 'timeout' is of type float and we were unable to convert to int: "
		    "float cannot be converted to an int");
	/* list elements are checked one by one */
	assert_int_equal(check("command", "argv: [ls, {a: 1}]\n", &d), 0); /* str(dict) is a str */
	assert_int_equal(check("get_url", "url: http://x\ndest: /t\ntimeout: '10'\n", &d), 0);
	kiso_diags_release(&d);
}

static void test_engine_args__ansible_conversions_are_valid(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	/* yes/no/on/off, quoted or not, and 1/0 are booleans */
	assert_int_equal(check("file", "path: /a\nforce: 'yes'\nrecurse: off\nfollow: 1\n", &d), 0);
	assert_int_equal(check("file", "path: /a\nforce: 'TRUE'\nfollow: 'n'\n", &d), 0);
	/* modes are raw: an int or a string */
	assert_int_equal(check("file", "path: /a\nmode: '0644'\n", &d), 0);
	assert_int_equal(check("file", "path: /a\nmode: 0644\n", &d), 0);
	assert_int_equal(check("file", "path: /a\nmode: u+rwx\n", &d), 0);
	/* a numeric string is an int; a comma string is a list */
	assert_int_equal(check("user", "name: u\nuid: '1001'\ngroups: wheel,adm\n", &d), 0);
	assert_int_equal(check("apt", "name: vim,curl\ncache_valid_time: ' 3600 '\n", &d), 0);
	/* a number given for a string is converted, as Ansible does */
	assert_int_equal(check("sysctl", "name: vm.swappiness\nvalue: 10\n", &d), 0);
	assert_int_equal(d.len, 0);
	kiso_diags_release(&d);
}

static void test_engine_args__alias_given_twice(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("file", "path: /a\ndest: /b\n", &d), 1);
	assert_diag(&d, 0, 2, 1,
		    "parameter 'path' of module 'file' is given twice, as 'path' and as 'dest'");
	assert_int_equal(check("lineinfile", "dest: /a\nname: /b\nline: x\n", &d), 1);
	assert_diag(&d, 1, 2, 1,
		    "parameter 'path' of module 'lineinfile' is given twice, as 'dest' and as 'name'");
	kiso_diags_release(&d);
}

static void test_engine_args__templates_are_not_type_checked(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("file", "path: /a\nstate: '{{ wanted }}'\nforce: '{{ f }}'\n", &d), 0);
	assert_int_equal(check("user", "name: u\nuid: '{{ uid }}'\ngroups: ['{{ g }}', b]\n", &d), 0);
	assert_int_equal(check("apt", "name: x\nstate: '{% if a %}present{% endif %}'\n", &d), 0);
	/* a template does not hide other problems */
	assert_int_equal(check("file", "path: '{{ p }}'\nstate: nope\n", &d), 1);
	assert_diag(&d, 0, 2, 8,
		    "value of state must be one of: absent, directory, file, hard, link, touch, "
		    "got: nope");
	kiso_diags_release(&d);
}

static void test_engine_args__choices(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	/* YAML's yes is a bool; Ansible maps it back to the one boolean choice */
	assert_int_equal(check("apt", "upgrade: yes\n", &d), 0);
	assert_int_equal(check("apt", "upgrade: dist\n", &d), 0);
	/* each element of a list with choices */
	assert_int_equal(check("virt", "name: g\ncommand: define\nmutate_flags: [ADD_UUID, NOPE, X]\n",
			       &d), 1);
	assert_diag(&d, 0, 3, 15,
		    "value of mutate_flags must be one or more of: ADD_UUID, ADD_MAC_ADDRESSES, "
		    "ADD_MAC_ADDRESSES_FUZZY. got no match for: NOPE, X");
	assert_int_equal(check("service", "name: x\nstate: start\n", &d), 1);
	assert_diag(&d, 1, 2, 8,
		    "value of state must be one of: started, stopped, reloaded, restarted, got: start");
	/* a null is not type-checked, but it is no choice either */
	assert_int_equal(check("file", "path: /a\nforce:\n", &d), 0);
	assert_int_equal(check("file", "path: /a\nstate:\n", &d), 1);
	assert_diag(&d, 2, 2, 7,
		    "value of state must be one of: absent, directory, file, hard, link, touch, "
		    "got: None");
	kiso_diags_release(&d);
}

/* ---- cross-parameter rules ------------------------------------------- */

static void test_engine_args__mutually_exclusive(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("copy", "src: a\ncontent: b\ndest: /c\n", &d), 1);
	assert_diag(&d, 0, 2, 10, "parameters are mutually exclusive: content|src");
	/* either may render to omit: no error before templating */
	assert_int_equal(check("copy", "src: a\ncontent: '{{ c | default(omit) }}'\ndest: /c\n", &d),
			 0);
	/* an explicit null counts, as in Ansible */
	assert_int_equal(check("copy", "src: a\ncontent:\ndest: /c\n", &d), 1);
	assert_diag(&d, 1, 2, 9, "parameters are mutually exclusive: content|src");
	/* a default does not count: debug's msg defaults to 'Hello world!' */
	assert_int_equal(check("debug", "var: x\n", &d), 0);
	assert_int_equal(check("debug", "var: x\nmsg: hi\n", &d), 1);
	assert_diag(&d, 2, 2, 6, "parameters are mutually exclusive: msg|var");
	/* given explicitly, even false counts (Ansible checks presence) */
	assert_int_equal(check("lineinfile", "path: /a\nline: x\nsearch_string: y\nbackrefs: false\n",
			       &d), 1);
	assert_diag(&d, 3, 4, 11, "parameters are mutually exclusive: backrefs|search_string");
	kiso_diags_release(&d);
}

static void test_engine_args__required_one_of(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("copy", "dest: /c\n", &d), 1);
	assert_diag(&d, 0, 1, 3, "one of the following is required: content, src");
	assert_int_equal(check("command", "chdir: /tmp\n", &d), 1);
	assert_diag(&d, 1, 1, 3, "one of the following is required: _raw_params, argv");
	assert_int_equal(check("command", "_raw_params: ls -l\nchdir: /tmp\n", &d), 0);
	/* 'cmd' is another name of the free-form argument */
	assert_int_equal(check("shell", "cmd: ls | wc -l\n", &d), 0);
	assert_int_equal(check("include_tasks", "file: x.yml\n", &d), 0);
	assert_int_equal(check("include_tasks", "apply: {tags: [a]}\n", &d), 1);
	assert_diag(&d, 2, 1, 3, "one of the following is required: file, _raw_params");
	kiso_diags_release(&d);
}

static void test_engine_args__required_if_and_by(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	/* lineinfile: state defaults to present, which needs line */
	assert_int_equal(check("lineinfile", "path: /a\nregexp: '^x'\n", &d), 1);
	assert_diag(&d, 0, 1, 3, "state is present but all of the following are missing: line");
	assert_int_equal(check("lineinfile", "path: /a\nstate: absent\n", &d), 1);
	assert_diag(&d, 1, 2, 8,
		    "state is absent but any of the following are missing: line, search_string, "
		    "regexp");
	assert_int_equal(check("lineinfile", "path: /a\nstate: absent\nregexp: x\n", &d), 0);
	/* sysctl: state=present needs value */
	assert_int_equal(check("ansible.posix.sysctl", "name: vm.swappiness\n", &d), 1);
	assert_diag(&d, 2, 1, 3, "state is present but all of the following are missing: value");
	/* mount: state=mounted needs src and fstype */
	assert_int_equal(check("ansible.posix.mount", "path: /m\nstate: mounted\nsrc: /dev/x\n", &d),
			 1);
	assert_diag(&d, 3, 2, 8, "state is mounted but all of the following are missing: fstype");
	/* group: non_unique=true needs gid */
	assert_int_equal(check("group", "name: g\nnon_unique: yes\n", &d), 1);
	assert_diag(&d, 4, 2, 13, "non_unique is True but all of the following are missing: gid");
	/* systemd: state needs name */
	assert_int_equal(check("systemd", "state: started\n", &d), 1);
	assert_diag(&d, 5, 1, 8, "missing parameter(s) required by 'state': name");
	assert_int_equal(check("systemd_service", "daemon_reload: true\n", &d), 0);
	kiso_diags_release(&d);
}

static void test_engine_args__file_state_rules(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("file", "path: /a\nsrc: /b\nstate: directory\n", &d), 1);
	assert_diag(&d, 0, 2, 6, "src option requires state to be 'link' or 'hard'");
	assert_int_equal(check("file", "path: /a\nsrc: /b\nstate: link\n", &d), 0);
	/* no state: it comes from the file on the host, so it cannot be judged now */
	assert_int_equal(check("file", "path: /a\nsrc: /b\n", &d), 0);
	assert_int_equal(check("file", "path: /a\nrecurse: yes\nstate: file\n", &d), 1);
	assert_diag(&d, 1, 2, 10, "recurse option requires state to be 'directory'");
	assert_int_equal(check("file", "path: /a\nrecurse: no\nstate: file\n", &d), 0);
	kiso_diags_release(&d);
}

static void test_engine_args__any_args_and_internal_keys(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;
	struct kiso_value *v;

	assert_int_equal(check("set_fact", "a: 1\nb: [x]\ncacheable: yes\n", &d), 0);
	assert_int_equal(check("set_fact", "cacheable: sometimes\n", &d), 1);
	assert_int_equal(check("ping", "_ansible_check_mode: true\n", &d), 0);
	v = norm("set_fact", "b: '{{ x }}'\na: 1\n");
	assert_string_equal(repr(v), "{'b': '{{ x }}', 'a': 1, 'cacheable': False}");
	kiso_diags_release(&d);
}

static void test_engine_args__bad_shapes(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;

	assert_int_equal(check("ping", "- a\n- b\n", &d), 1);
	assert_diag(&d, 0, 1, 1, "arguments of module 'ping' must be a mapping, got list");
	assert_int_equal(check("ping", "1: a\n", &d), 1);
	assert_diag(&d, 1, 1, 1, "parameter names of module 'ping' must be strings, got 1");
	kiso_diags_release(&d);
}

/* ---- normalisation ---------------------------------------------------- */

static void test_engine_args__normalize_folds_aliases_and_fills_defaults(void **state)
{
	struct kiso_value *v = norm("file", "dest: /etc/x\nstate: directory\nmode: '0755'\n");

	assert_string_equal(repr(v),
			    "{'path': '/etc/x', 'state': 'directory', 'mode': '0755', "
			    "'access_time_format': '%Y%m%d%H%M.%S', 'follow': True, 'force': False, "
			    "'modification_time_format': '%Y%m%d%H%M.%S', 'recurse': False, "
			    "'unsafe_writes': False}");
	/* given values keep their position; defaults are flagged */
	assert_int_equal(kiso_map_get(v, "path")->pos.line, 1);
	assert_int_equal(kiso_map_get(v, "path")->pos.col, 7);
	assert_false(kiso_map_get(v, "path")->flags & KISO_VF_DEFAULT);
	assert_true(kiso_map_get(v, "follow")->flags & KISO_VF_DEFAULT);
	assert_int_equal(kiso_map_get(v, "follow")->pos.line, TASK.line);
}

static void test_engine_args__normalize_converts_types(void **state)
{
	struct kiso_value *v;

	v = norm("user", "name: u\nuid: '1001'\ngroups: wheel,adm\nappend: 'yes'\ncreate_home: 0\n");
	assert_int_equal(kiso_map_get(v, "uid")->type, KISO_INT);
	assert_int_equal(kiso_map_get(v, "uid")->u.i, 1001);
	assert_string_equal(repr(kiso_map_get(v, "groups")), "['wheel', 'adm']");
	assert_true(kiso_map_get(v, "append")->type == KISO_BOOL && kiso_map_get(v, "append")->u.b);
	assert_true(kiso_map_get(v, "create_home")->type == KISO_BOOL &&
		    !kiso_map_get(v, "create_home")->u.b);

	/* elements: numbers in a list of str become strings */
	v = norm("apt", "pkg: [vim, 1, 2.5, true]\n");
	assert_string_equal(repr(kiso_map_get(v, "package")), "['vim', '1', '2.5', 'True']");
	/* a number given for a list is a one-item list of its str() */
	v = norm("user", "name: u\ngroups: 12\n");
	assert_string_equal(repr(kiso_map_get(v, "groups")), "['12']");
	/* a number for a string parameter */
	v = norm("sysctl", "key: vm.swappiness\nval: 10\n");
	assert_string_equal(repr(v),
			    "{'name': 'vm.swappiness', 'value': '10', 'ignoreerrors': False, "
			    "'reload': True, 'state': 'present', 'sysctl_file': '/etc/sysctl.conf', "
			    "'sysctl_set': False, 'unsafe_writes': False}");
	/* raw keeps the YAML type */
	v = norm("file", "path: /a\nmode: 0644\n");
	assert_int_equal(kiso_map_get(v, "mode")->type, KISO_INT);
	assert_int_equal(kiso_map_get(v, "mode")->u.i, 420);
	/* the boolean word among the choices */
	v = norm("apt", "upgrade: yes\n");
	assert_string_equal(repr(kiso_map_get(v, "upgrade")), "'yes'");
	/* list and dict defaults */
	v = norm("package_facts", NULL);
	assert_string_equal(repr(kiso_map_get(v, "manager")), "['auto']");
	v = norm("uri", "url: http://x\n");
	assert_string_equal(repr(kiso_map_get(v, "headers")), "{}");
	assert_string_equal(repr(kiso_map_get(v, "status_code")), "[200]");
	assert_int_equal(kiso_map_get(v, "status_code")->u.list.items[0]->type, KISO_INT);
	/* action plugins without a spec take messages and conditions as they are */
	v = norm("assert", "that: x in [1, 2]\nmsg: [a, b]\n");
	assert_string_equal(repr(v), "{'that': 'x in [1, 2]', 'fail_msg': ['a', 'b'], "
			    "'quiet': False}");
	v = norm("debug", "msg: {a: 1}\n");
	assert_string_equal(repr(kiso_map_get(v, "msg")), "{'a': 1}");
	/* an explicit null stays null: no default replaces it (as in Ansible) */
	v = norm("file", "path: /a\nforce:\n");
	assert_int_equal(kiso_map_get(v, "force")->type, KISO_NULL);
	/* a template stays as it is, for the runner to render */
	v = norm("user", "name: u\nuid: '{{ u }}'\n");
	assert_string_equal(repr(kiso_map_get(v, "uid")), "'{{ u }}'");
}

static void test_engine_args__normalize_dicts(void **state)
{
	struct kiso_value *v;

	v = norm("uri", "url: http://x\nheaders: 'a=1 b=\"x y\",c=3'\n");
	assert_string_equal(repr(kiso_map_get(v, "headers")), "{'a': '1', 'b': 'x y', 'c': '3'}");
	v = norm("uri", "url: http://x\nheaders: '{\"Accept\": \"json\", \"n\": 1}'\n");
	assert_string_equal(repr(kiso_map_get(v, "headers")), "{'Accept': 'json', 'n': 1}");

	struct kiso_diags d = KISO_DIAGS_INIT;
	assert_int_equal(check("uri", "url: http://x\nheaders: plain\n", &d), 1);
	assert_diag(&d, 0, 2, 10,
		    "argument 'headers' is of type str and we were unable to convert to dict: "
		    "dictionary requested, could not parse JSON or key=value");
	kiso_diags_release(&d);
}

static void test_engine_args__normalize_fails_with_all_errors(void **state)
{
	struct kiso_diags d = KISO_DIAGS_INIT;
	struct kiso_value *out = (struct kiso_value *)1;

	assert_int_equal(kiso_args_normalize(&out, A, mod("file"), yaml("state: x\nfoo: 1\n"), TASK,
					     &d), -1);
	assert_null(out);
	assert_int_equal(d.len, 3);
	kiso_diags_release(&d);
}

/* ---- kiso_args_convert: Python's rules -------------------------------- */

static int conv(struct kiso_value **out, const char *yml, enum kiso_ptype t)
{
	char why[256];

	return kiso_args_convert(out, A, yaml(yml), t, KISO_T_RAW, why, sizeof(why));
}

static void test_engine_args__convert_int_like_python(void **state)
{
	struct kiso_value *v;

	assert_int_equal(conv(&v, "' -12 '", KISO_T_INT), 0);
	assert_int_equal(v->u.i, -12);
	assert_int_equal(conv(&v, "'+1_000'", KISO_T_INT), 0);
	assert_int_equal(v->u.i, 1000);
	assert_int_equal(conv(&v, "true", KISO_T_INT), 0);
	assert_true(v->type == KISO_BOOL && v->u.b);
	assert_int_equal(conv(&v, "'1__0'", KISO_T_INT), -1);
	assert_int_equal(conv(&v, "'_1'", KISO_T_INT), -1);
	assert_int_equal(conv(&v, "'0x10'", KISO_T_INT), -1);
	assert_int_equal(conv(&v, "'12.0'", KISO_T_INT), -1);
	assert_int_equal(conv(&v, "''", KISO_T_INT), -1);
	assert_int_equal(conv(&v, "'99999999999999999999'", KISO_T_INT), -1);
}

static void test_engine_args__convert_float_like_python(void **state)
{
	struct kiso_value *v;

	assert_int_equal(conv(&v, "'1e3'", KISO_T_FLOAT), 0);
	assert_true(v->type == KISO_FLOAT && v->u.f == 1000.0);
	assert_int_equal(conv(&v, "'.5'", KISO_T_FLOAT), 0);
	assert_true(v->u.f == 0.5);
	assert_int_equal(conv(&v, "'5.'", KISO_T_FLOAT), 0);
	assert_true(v->u.f == 5.0);
	assert_int_equal(conv(&v, "' -Infinity'", KISO_T_FLOAT), 0);
	assert_true(isinf(v->u.f) && v->u.f < 0);
	assert_int_equal(conv(&v, "'nan'", KISO_T_FLOAT), 0);
	assert_true(isnan(v->u.f));
	assert_int_equal(conv(&v, "3", KISO_T_FLOAT), 0);
	assert_true(v->type == KISO_FLOAT && v->u.f == 3.0);
	assert_int_equal(conv(&v, "'1e'", KISO_T_FLOAT), -1);
	assert_int_equal(conv(&v, "'0x1p3'", KISO_T_FLOAT), -1);
	assert_int_equal(conv(&v, "'.'", KISO_T_FLOAT), -1);
	assert_int_equal(conv(&v, "[1]", KISO_T_FLOAT), -1);
}

static void test_engine_args__convert_bool_str_list(void **state)
{
	struct kiso_value *v;
	char why[256];

	for (const char *const *s = (const char *const[]){ "'Y'", "'On'", "'t'", "'1'", "1", "1.0",
							   "'TRUE'", NULL }; *s; s++) {
		assert_int_equal(conv(&v, *s, KISO_T_BOOL), 0);
		assert_true(v->type == KISO_BOOL && v->u.b);
	}
	assert_int_equal(conv(&v, "'off'", KISO_T_BOOL), 0);
	assert_false(v->u.b);
	assert_int_equal(kiso_args_convert(&v, A, yaml("'2'"), KISO_T_BOOL, KISO_T_RAW, why,
					   sizeof(why)), -1);
	assert_string_equal(why, "the value '2' is not a valid boolean");
	assert_int_equal(conv(&v, "[]", KISO_T_BOOL), -1);

	assert_int_equal(conv(&v, "1.5", KISO_T_STR), 0);
	assert_string_equal(v->u.s.ptr, "1.5");
	assert_int_equal(conv(&v, "false", KISO_T_PATH), 0);
	assert_string_equal(v->u.s.ptr, "False");
	assert_int_equal(conv(&v, "[a, 1]", KISO_T_STR), 0);
	assert_string_equal(v->u.s.ptr, "['a', 1]");
	assert_int_equal(conv(&v, "~/x", KISO_T_PATH), 0);
	assert_string_equal(v->u.s.ptr, "~/x");

	assert_int_equal(conv(&v, "'a,,b'", KISO_T_LIST), 0);
	assert_string_equal(repr(v), "['a', '', 'b']");
	assert_int_equal(conv(&v, "''", KISO_T_LIST), 0);
	assert_string_equal(repr(v), "['']");
	assert_int_equal(kiso_args_convert(&v, A, yaml("[1, x]"), KISO_T_LIST, KISO_T_INT, why,
					   sizeof(why)), -1);
	assert_string_equal(why, "elements value is of type str and we were unable to convert "
			    "to int: str cannot be converted to an int");
	assert_int_equal(conv(&v, "null", KISO_T_RAW), 0);
	assert_int_equal(v->type, KISO_NULL);
}

static void test_engine_args__ptype_names(void **state)
{
	assert_string_equal(kiso_ptype_name(KISO_T_STR), "str");
	assert_string_equal(kiso_ptype_name(KISO_T_DICT), "dict");
	assert_string_equal(kiso_ptype_name(KISO_T_PATH), "path");
	assert_string_equal(kiso_ptype_name(KISO_T_RAW), "raw");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_args__unsupported_parameter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__reports_every_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__missing_required_lists_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__wrong_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__ansible_conversions_are_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__alias_given_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__templates_are_not_type_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__choices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__mutually_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__required_one_of, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__required_if_and_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__file_state_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__any_args_and_internal_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__bad_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__normalize_folds_aliases_and_fills_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__normalize_converts_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__normalize_dicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__normalize_fails_with_all_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__convert_int_like_python, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__convert_float_like_python, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_args__convert_bool_str_list, setup, teardown),
		cmocka_unit_test(test_engine_args__ptype_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
