/* Unit tests for engine/sshopts.c: ansible_ssh_common_args parsing. */
#include "kiso_common.h"
#include "transport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static void test_engine_sshopts__split_like_a_shell(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	char **w = NULL;
	int n = kiso_sshopts_split(&w, "  -o 'A=b c' \"x\\\"y\" a\\ b '' \"\"  -J h:2\t", &err);

	assert_int_equal(n, 8);
	assert_string_equal(w[0], "-o");
	assert_string_equal(w[1], "A=b c");
	assert_string_equal(w[2], "x\"y");
	assert_string_equal(w[3], "a b");
	assert_string_equal(w[4], "");
	assert_string_equal(w[5], "");
	assert_string_equal(w[6], "-J");
	assert_string_equal(w[7], "h:2");
	assert_null(w[8]);
	kiso_sshopts_free_words(w);

	n = kiso_sshopts_split(&w, "", &err);
	assert_int_equal(n, 0);
	assert_null(w[0]);
	kiso_sshopts_free_words(w);

	/* a trailing backslash ends the word (found by fuzz_sshopts: it leaked) */
	n = kiso_sshopts_split(&w, "-p a\\", &err);
	assert_int_equal(n, 2);
	assert_string_equal(w[1], "a");
	kiso_sshopts_free_words(w);

	n = kiso_sshopts_split(&w, "-o 'unterminated", &err);
	assert_int_equal(n, KISO_EINVALID);
	assert_null(w);
	assert_string_equal(err.msg, "unterminated quote in ssh arguments '-o 'unterminated'");
}

static void test_engine_sshopts__lab_inventory_args(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_error err = KISO_ERROR_INIT;

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_sshopts_parse(&o, "-o UserKnownHostsFile=/tmp/lab/known_hosts "
					    "-o StrictHostKeyChecking=yes", &err), 0);
	assert_int_equal(o.n_known_hosts, 1);
	assert_string_equal(o.known_hosts[0], "/tmp/lab/known_hosts");
	assert_int_equal(o.hostkey, KISO_HOSTKEY_STRICT);
	assert_int_equal(o.n_jumps, 0);
	kiso_conn_opts_release(&o);
}

static void test_engine_sshopts__jump_forms(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_error err = KISO_ERROR_INIT;

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_sshopts_parse(&o, "-J admin@hyp1:2222,hyp2", &err), 0);
	assert_int_equal(o.n_jumps, 2);
	assert_string_equal(o.jumps[0].user, "admin");
	assert_string_equal(o.jumps[0].host, "hyp1");
	assert_int_equal(o.jumps[0].port, 2222);
	assert_null(o.jumps[1].user);
	assert_string_equal(o.jumps[1].host, "hyp2");
	assert_int_equal(o.jumps[1].port, 0);
	kiso_conn_opts_release(&o);

	/* -o ProxyJump=, IPv6 in brackets, ssh:// prefix; first value wins */
	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_sshopts_parse(&o, "-o ProxyJump=ssh://u@[fd00::1]:22 -J other", &err), 0);
	assert_int_equal(o.n_jumps, 1);
	assert_string_equal(o.jumps[0].user, "u");
	assert_string_equal(o.jumps[0].host, "fd00::1");
	assert_int_equal(o.jumps[0].port, 22);
	kiso_conn_opts_release(&o);

	/* "-oProxyJump none" (space form) means no jump */
	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_sshopts_parse(&o, "-o 'ProxyJump none'", &err), 0);
	assert_int_equal(o.n_jumps, 0);
	kiso_conn_opts_release(&o);

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_sshopts_parse(&o, "-J u@h:99999", &err), KISO_EINVALID);
	assert_string_equal(err.msg, "invalid jump host 'u@h:99999'");
	assert_int_equal(o.n_jumps, 0);
	kiso_conn_opts_release(&o);
}

static void test_engine_sshopts__first_value_wins(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_error err = KISO_ERROR_INIT;

	/* ansible_port/ansible_user are set before the common args */
	kiso_conn_opts_init(&o);
	o.port = 2200;
	kiso_conn_opts_set(&o.user, "deploy");
	assert_int_equal(kiso_sshopts_parse(&o, "-p 22 -o User=root -oPort=23 "
					    "-o StrictHostKeyChecking=accept-new "
					    "-o StrictHostKeyChecking=yes", &err), 0);
	assert_int_equal(o.port, 2200);
	assert_string_equal(o.user, "deploy");
	assert_int_equal(o.hostkey, KISO_HOSTKEY_ACCEPT_NEW);
	kiso_conn_opts_release(&o);

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_sshopts_parse(&o, "-p 2222 -l admin -o port=9", &err), 0);
	assert_int_equal(o.port, 2222);
	assert_string_equal(o.user, "admin");
	kiso_conn_opts_release(&o);

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_sshopts_parse(&o, "-o Port=7 -o User=x", &err), 0);
	assert_int_equal(o.port, 7);
	assert_string_equal(o.user, "x");
	kiso_conn_opts_release(&o);
}

static void test_engine_sshopts__identities_and_known_hosts_accumulate(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_error err = KISO_ERROR_INIT;

	setenv("HOME", "/home/tester", 1);
	kiso_conn_opts_init(&o);
	kiso_conn_opts_add_identity(&o, "/keys/from_inventory");
	assert_int_equal(kiso_sshopts_parse(&o, "-i ~/.ssh/a -o IdentityFile=/b -i/c "
					    "-o \"UserKnownHostsFile=/k1 ~/k2\" "
					    "-o UserKnownHostsFile=/ignored "
					    "-o StrictHostKeyChecking=no -C -tt -4 "
					    "-o ControlMaster=auto -o ControlPersist=60s "
					    "-o ConnectTimeout=5", &err), 0);
	assert_int_equal(o.n_identities, 4);
	assert_string_equal(o.identities[0], "/keys/from_inventory");
	assert_string_equal(o.identities[1], "/home/tester/.ssh/a");
	assert_string_equal(o.identities[2], "/b");
	assert_string_equal(o.identities[3], "/c");
	assert_int_equal(o.n_known_hosts, 2);
	assert_string_equal(o.known_hosts[0], "/k1");
	assert_string_equal(o.known_hosts[1], "/home/tester/k2");
	assert_int_equal(o.hostkey, KISO_HOSTKEY_ACCEPT_NEW);
	assert_int_equal(o.connect_timeout_ms, 5000);
	kiso_conn_opts_release(&o);
}

static void test_engine_sshopts__errors(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_error err = KISO_ERROR_INIT;

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_sshopts_parse(&o, "-o ProxyCommand='ssh -W %h:%p jump'", &err),
			 KISO_EINVALID);
	assert_string_equal(err.msg, "ProxyCommand is not supported (use ProxyJump or -J): "
			    "'ssh -W %h:%p jump'");
	kiso_error_clear(&err);
	assert_int_equal(kiso_sshopts_parse(&o, "-p", &err), KISO_EINVALID);
	assert_string_equal(err.msg, "option '-p' needs an argument");
	kiso_error_clear(&err);
	assert_int_equal(kiso_sshopts_parse(&o, "-p 0", &err), KISO_EINVALID);
	assert_string_equal(err.msg, "invalid port '0'");
	kiso_error_clear(&err);
	assert_int_equal(kiso_sshopts_parse(&o, "host", &err), KISO_EINVALID);
	assert_string_equal(err.msg, "unexpected word 'host' in ssh arguments");
	kiso_error_clear(&err);
	assert_int_equal(kiso_sshopts_parse(&o, "-o StrictHostKeyChecking=maybe", &err),
			 KISO_EINVALID);
	assert_string_equal(err.msg, "invalid StrictHostKeyChecking value 'maybe'");
	kiso_conn_opts_release(&o);
}

static void test_engine_sshopts__jump_options_inherit(void **state)
{
	struct kiso_conn_opts o, j;
	struct kiso_error err = KISO_ERROR_INIT;

	kiso_conn_opts_init(&o);
	kiso_conn_opts_set(&o.user, "root");
	kiso_conn_opts_add_identity(&o, "/k");
	assert_int_equal(kiso_sshopts_parse(&o, "-J hyp:2201 -o UserKnownHostsFile=/kh", &err), 0);
	kiso_conn_opts_for_jump(&j, &o, 0);
	assert_string_equal(j.host, "hyp");
	assert_int_equal(j.port, 2201);
	assert_string_equal(j.user, "root");
	assert_string_equal(j.name, "root@hyp:2201");
	assert_int_equal(j.n_identities, 1);
	assert_string_equal(j.identities[0], "/k");
	assert_string_equal(j.known_hosts[0], "/kh");
	assert_int_equal(j.n_jumps, 0);
	kiso_conn_opts_release(&j);
	kiso_conn_opts_release(&o);
}

static void test_engine_sshopts__connection_kinds(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	enum kiso_conn_kind k = KISO_CONN_LOCAL;

	assert_int_equal(kiso_conn_kind_parse(&k, "ssh", &err), 0);
	assert_int_equal(k, KISO_CONN_SSH);
	assert_int_equal(kiso_conn_kind_parse(&k, "local", &err), 0);
	assert_int_equal(k, KISO_CONN_LOCAL);
	assert_int_equal(kiso_conn_kind_parse(&k, "smart", &err), 0);
	assert_int_equal(k, KISO_CONN_SSH);
	assert_int_equal(kiso_conn_kind_parse(&k, "docker", &err), KISO_EINVALID);
	assert_string_equal(err.msg, "unsupported connection type 'docker'");
}

/* host variables as a NULL-terminated list of name, value pairs */
static const char *lookup(const char *name, void *payload)
{
	const char *const *kv = payload;

	for (; kv[0]; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static void test_engine_sshopts__from_host_vars(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_error err = KISO_ERROR_INIT;
	const char *vars[] = {
		"ansible_host", "10.0.0.5", "ansible_port", "2222", "ansible_user", "deploy",
		"ansible_ssh_private_key_file", "/keys/inv",
		"ansible_ssh_common_args", "-o UserKnownHostsFile=/kh -p 22 -J hyp1 -i /keys/extra",
		"ansible_ssh_extra_args", "-o StrictHostKeyChecking=accept-new",
		"ansible_timeout", "7", NULL,
	};
	const char *local[] = { "ansible_connection", "local", NULL };
	const char *none[] = { NULL };
	const char *bad[] = { "ansible_ssh_port", "22x", NULL };
	const char *nocheck[] = { "ansible_host_key_checking", "False", "ansible_ssh_host", "h", NULL };

	kiso_conn_opts_init(&o);
	kiso_conn_opts_add_identity(&o, "/keys/cli");       /* --private-key */
	assert_int_equal(kiso_conn_opts_from_vars(&o, "web1", false, lookup, vars, &err), 0);
	assert_int_equal(o.kind, KISO_CONN_SSH);
	assert_string_equal(o.name, "web1");
	assert_string_equal(o.host, "10.0.0.5");
	assert_int_equal(o.port, 2222);                      /* ansible_port beats -p */
	assert_string_equal(o.user, "deploy");
	assert_int_equal(o.n_identities, 3);
	assert_string_equal(o.identities[0], "/keys/inv");
	assert_string_equal(o.identities[1], "/keys/cli");
	assert_string_equal(o.identities[2], "/keys/extra");
	assert_string_equal(o.known_hosts[0], "/kh");
	assert_int_equal(o.n_jumps, 1);
	assert_string_equal(o.jumps[0].host, "hyp1");
	assert_int_equal(o.hostkey, KISO_HOSTKEY_ACCEPT_NEW);
	assert_int_equal(o.connect_timeout_ms, 7000);
	kiso_conn_opts_release(&o);

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_conn_opts_from_vars(&o, "localhost", true, lookup, none, &err), 0);
	assert_int_equal(o.kind, KISO_CONN_LOCAL);
	assert_string_equal(o.host, "localhost");
	kiso_conn_opts_release(&o);
	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_conn_opts_from_vars(&o, "localhost", false, lookup, none, &err), 0);
	assert_int_equal(o.kind, KISO_CONN_SSH);
	kiso_conn_opts_release(&o);
	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_conn_opts_from_vars(&o, "db", false, lookup, local, &err), 0);
	assert_int_equal(o.kind, KISO_CONN_LOCAL);
	kiso_conn_opts_release(&o);

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_conn_opts_from_vars(&o, "x", false, lookup, nocheck, &err), 0);
	assert_int_equal(o.hostkey, KISO_HOSTKEY_ACCEPT_NEW);
	assert_string_equal(o.host, "h");
	kiso_conn_opts_release(&o);

	kiso_conn_opts_init(&o);
	assert_int_equal(kiso_conn_opts_from_vars(&o, "x", false, lookup, bad, &err), KISO_EINVALID);
	assert_string_equal(err.msg, "invalid ansible_ssh_port '22x'");
	kiso_conn_opts_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_sshopts__split_like_a_shell),
		cmocka_unit_test(test_engine_sshopts__lab_inventory_args),
		cmocka_unit_test(test_engine_sshopts__jump_forms),
		cmocka_unit_test(test_engine_sshopts__first_value_wins),
		cmocka_unit_test(test_engine_sshopts__identities_and_known_hosts_accumulate),
		cmocka_unit_test(test_engine_sshopts__errors),
		cmocka_unit_test(test_engine_sshopts__jump_options_inherit),
		cmocka_unit_test(test_engine_sshopts__connection_kinds),
		cmocka_unit_test(test_engine_sshopts__from_host_vars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
