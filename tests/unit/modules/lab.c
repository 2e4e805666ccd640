/*
 * The command-like modules and sysctl on a real lab host over SSH
 * (tests/lab/up: namespaces, overlay root, own sshd), brought up for this
 * program under a mktemp LAB and torn down at its end, whatever happens
 * to the tests. SYSCTL_MODE=fake: the host's /proc/sys is a private
 * writable copy, so sysctl_set and reload change the host's values and
 * never this machine's kernel (checked).
 *
 * Each module follows the pattern: check mode predicts and leaves the
 * host's overlay upper directory identical; apply; plan again: no change.
 * Must run as root, from the repository root (tests/run does).
 */
#include "kiso_common.h"
#include "modtask.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static char lab[256];
static int base_port;

static int sh(const char *fmt, ...) KISO_PRINTF(1, 2);
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The whole output of a command on this machine; malloc'd. */
static char *sh_out(const char *fmt, ...) KISO_PRINTF(1, 2);
static char *sh_out(const char *fmt, ...)
{
	char cmd[4096], chunk[4096];
	struct kiso_buf b = KISO_BUF_INIT;
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (f) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			kiso_buf_add(&b, chunk, n);
		pclose(f);
	}
	kiso_buf_puts(&b, "");
	return kiso_buf_detach(&b);
}

static void lab_down(void)
{
	if (lab[0]) {
		sh("LAB='%s' BASE_PORT=%d tests/lab/down all >>'%s.log' 2>&1", lab, base_port, lab);
		sh("rm -rf '%s' '%s.log'", lab, lab);
		lab[0] = '\0';
	}
}

static int lab_up(void)
{
	char tmpl[] = "/tmp/kiso-test-modules-XXXXXX";

	if (getuid() != 0) {
		fprintf(stderr, "modules/lab: lab hosts need root\n");
		return -1;
	}
	if (access("tests/lab/up", X_OK) != 0) {
		fprintf(stderr, "modules/lab: run from the repository root\n");
		return -1;
	}
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(lab, sizeof(lab), "%s", tmpl);
	/* engineer C's test range, 28100..28990: a free slot of 10 ports */
	for (int tries = 0; tries < 90; tries++) {
		char *busy;
		bool ok;

		base_port = 28100 + (int)((getpid() + tries) % 90) * 10;
		busy = sh_out("ss -Hltn 'sport >= :%d and sport <= :%d' 2>/dev/null | grep -c . || true",
			      base_port, base_port + 9);
		ok = strncmp(busy, "0", 1) == 0;
		free(busy);
		if (ok)
			break;
	}
	if (sh("LAB='%s' BASE_PORT=%d SYSCTL_MODE=fake tests/lab/up 1 >>'%s.log' 2>&1", lab, base_port,
	       lab) != 0) {
		sh("cat '%s.log' >&2", lab);
		return -1;
	}
	return 0;
}

static struct kiso_conn *open_h1(void)
{
	struct kiso_conn_opts o;
	struct kiso_conn *c;
	char path[300];

	kiso_conn_opts_init(&o);
	kiso_conn_opts_set(&o.name, "h1");
	kiso_conn_opts_set(&o.host, "127.0.0.1");
	o.port = base_port + 1;
	kiso_conn_opts_set(&o.user, "root");
	snprintf(path, sizeof(path), "%s/keys/id_ed25519", lab);
	kiso_conn_opts_add_identity(&o, path);
	snprintf(path, sizeof(path), "%s/state/known_hosts", lab);
	kiso_conn_opts_add_known_hosts(&o, path);
	o.hostkey = KISO_HOSTKEY_STRICT;
	o.no_default_identities = true;
	o.no_default_known_hosts = true;
	o.connect_timeout_ms = 5000;
	c = kiso_conn_new(&o);
	kiso_conn_opts_release(&o);
	if (kiso_conn_open(c) < 0)
		fail_msg("cannot open h1: %s", kiso_conn_error(c)->msg);
	return c;
}

/* Everything in h1's overlay upper dir: names, types, modes, sizes, contents. */
static char *upper_fingerprint(void)
{
	return sh_out("cd '%s/hosts/h1/upper' && find . -printf '%%p %%y %%m %%s %%U:%%G\\n' | sort && "
		      "find . -type f -print0 | sort -z | xargs -0 -r md5sum", lab);
}

static char *upper_read(const char *path)
{
	return sh_out("cat '%s/hosts/h1/upper%s' 2>/dev/null", lab, path);
}

/* stdout of a command on h1 */
static char *remote(struct kiso_conn *c, const char *cmd)
{
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	char *s;

	if (kiso_transport_run(c, cmd, &r) < 0)
		fail_msg("'%s': %s", cmd, kiso_conn_error(c)->msg);
	s = kiso_xstrdup(kiso_buf_cstr(&r.out));
	kiso_exec_result_release(&r);
	return s;
}

/* check mode: plan says changed (or unpredictable), the host is untouched */
static void check_leaves_host(struct modtask *m, const char *mod, const char *task, bool predict)
{
	char *before = upper_fingerprint(), *after;

	assert_int_equal(modtask_plan(m, mod, task, true), 0);
	assert_true(m->plan.changed);
	assert_int_equal(m->plan.unpredictable, !predict);
	after = upper_fingerprint();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_modules_lab__sysctl_fake_proc(void **state)
{
	struct kiso_conn *c = open_h1();
	struct modtask m;
	char *real_before = sh_out("cat /proc/sys/vm/swappiness /proc/sys/net/ipv4/tcp_rmem");
	char *real_after, *s, *old, *want;
	const char *task = "{name: vm.swappiness, value: '17', sysctl_file: /etc/sysctl.d/90-kiso.conf, "
			   "sysctl_set: true, reload: true}";

	modtask_init_conn(&m, c);
	old = remote(c, "cat /proc/sys/vm/swappiness");
	if (strcmp(old, "17\n") == 0)
		fail_msg("the snapshot already has 17");
	check_leaves_host(&m, "sysctl", task, true);
	assert_int_equal(m.plan.ndiffs, 2);
	assert_string_equal(m.plan.diffs[0].before_header, "/etc/sysctl.d/90-kiso.conf");
	assert_string_equal(m.plan.diffs[0].after, "vm.swappiness=17\n");
	assert_string_equal(m.plan.diffs[1].before_header, "/proc/sys/vm/swappiness");
	assert_string_equal(m.plan.diffs[1].before, old);
	assert_string_equal(m.plan.diffs[1].after, "17\n");
	/* apply: the file in the overlay, the value in the host's /proc/sys */
	assert_int_equal(modtask_plan(&m, "sysctl", task, false), 0);
	assert_int_equal(modtask_apply(&m), 0);
	s = upper_read("/etc/sysctl.d/90-kiso.conf");
	assert_string_equal(s, "vm.swappiness=17\n");
	free(s);
	s = remote(c, "cat /proc/sys/vm/swappiness");
	assert_string_equal(s, "17\n");
	free(s);
	assert_int_equal(modtask_plan(&m, "sysctl", task, false), 0);
	assert_false(m.plan.changed);

	/* reload alone sets it from the file (sysctl -p) */
	task = "{name: vm.swappiness, value: '23', sysctl_file: /etc/sysctl.d/90-kiso.conf}";
	assert_int_equal(modtask_run(&m, "sysctl", task), 0);
	assert_true(m.plan.changed);
	s = remote(c, "cat /proc/sys/vm/swappiness");
	assert_string_equal(s, "23\n");
	free(s);
	assert_int_equal(modtask_plan(&m, "sysctl", task, false), 0);
	assert_false(m.plan.changed);

	/* a multi-word value: spaces in the task, whatever separators the
	 * read-back has: no flapping */
	task = "{name: net.ipv4.tcp_rmem, value: '4096 87380 6291456', "
	       "sysctl_file: /etc/sysctl.d/90-kiso.conf, sysctl_set: true}";
	assert_int_equal(modtask_run(&m, "sysctl", task), 0);
	assert_true(m.plan.changed);
	s = remote(c, "tr '\\t' ' ' < /proc/sys/net/ipv4/tcp_rmem");
	assert_string_equal(s, "4096 87380 6291456\n");
	free(s);
	s = remote(c, "printf '4096\\t87380\\t6291456\\n' > /proc/sys/net/ipv4/tcp_rmem");
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(modtask_plan(&m, "sysctl", task, false), 0);
	assert_false(m.plan.changed);
	want = "vm.swappiness=23\nnet.ipv4.tcp_rmem=4096 87380 6291456\n";
	s = upper_read("/etc/sysctl.d/90-kiso.conf");
	assert_string_equal(s, want);
	free(s);

	/* absent */
	task = "{name: vm.swappiness, state: absent, sysctl_file: /etc/sysctl.d/90-kiso.conf}";
	assert_int_equal(modtask_run(&m, "sysctl", task), 0);
	assert_true(m.plan.changed);
	s = upper_read("/etc/sysctl.d/90-kiso.conf");
	assert_string_equal(s, "net.ipv4.tcp_rmem=4096 87380 6291456\n");
	free(s);
	assert_int_equal(modtask_plan(&m, "sysctl", task, false), 0);
	assert_false(m.plan.changed);

	/* an unknown key fails the reload, unless ignoreerrors */
	task = "{name: kiso.nokey, value: '1', sysctl_file: /etc/sysctl.d/91-kiso.conf}";
	assert_int_equal(modtask_plan(&m, "sysctl", task, false), 0);
	assert_true(modtask_apply(&m) < 0);
	assert_true(strncmp(m.err.msg, "Failed to reload sysctl: ", 25) == 0);

	/* this machine's kernel never changed */
	real_after = sh_out("cat /proc/sys/vm/swappiness /proc/sys/net/ipv4/tcp_rmem");
	assert_string_equal(real_before, real_after);
	free(real_before);
	free(real_after);
	free(old);
	modtask_release(&m);
	kiso_conn_free(c);
}

static void test_modules_lab__commands(void **state)
{
	struct kiso_conn *c = open_h1();
	struct modtask m;
	char *s, script[300];
	FILE *f;
	const char *task;

	modtask_init_conn(&m, c);
	/* command with creates */
	task = "{_raw_params: 'touch /srv/made', creates: /srv/made}";
	check_leaves_host(&m, "command", task, true);
	assert_int_equal(modtask_run(&m, "command", task), 0);
	assert_true(m.plan.changed);
	assert_int_equal(sh("test -f '%s/hosts/h1/upper/srv/made'", lab), 0);
	assert_int_equal(modtask_plan(&m, "command", task, false), 0);
	assert_false(m.plan.changed);
	assert_string_equal(m.plan.msg, "Did not run command since '/srv/made' exists");
	/* $HOME is the target's, words are not split again */
	assert_int_equal(modtask_run(&m, "command", "{_raw_params: \"printf '[%s]' $HOME 'a b' ~\"}"), 0);
	assert_string_equal(modtask_result_str(&m, "stdout"), "[/root][a b][/root]");
	assert_int_equal(modtask_run(&m, "command", "{_raw_params: hostname}"), 0);
	assert_string_equal(modtask_result_str(&m, "stdout"), "h1");
	/* shell with removes */
	task = "{_raw_params: 'cat /srv/made | wc -c > /srv/count && rm /srv/made', removes: /srv/made}";
	check_leaves_host(&m, "shell", task, true);
	assert_int_equal(modtask_run(&m, "shell", task), 0);
	assert_true(m.plan.changed);
	s = upper_read("/srv/count");
	assert_string_equal(s, "0\n");
	free(s);
	assert_int_equal(modtask_plan(&m, "shell", task, false), 0);
	assert_false(m.plan.changed);
	/* raw: unpredictable, runs as written */
	check_leaves_host(&m, "raw", "{_raw_params: 'echo raw > /srv/raw'}", false);
	assert_int_equal(modtask_run(&m, "raw", "{_raw_params: 'echo raw > /srv/raw; uname -n'}"), 0);
	assert_string_equal(modtask_result_str(&m, "stdout"), "h1\n");
	s = upper_read("/srv/raw");
	assert_string_equal(s, "raw\n");
	free(s);
	/* script: copied, run, removed */
	snprintf(script, sizeof(script), "%s/probe.sh", lab);
	f = fopen(script, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho \"$1 on $(hostname)\" > /srv/script.out\n", f);
	fclose(f);
	m.search_path[0] = lab;
	task = "{_raw_params: 'probe.sh hello', creates: /srv/script.out}";
	check_leaves_host(&m, "script", task, true);
	assert_int_equal(modtask_run(&m, "script", task), 0);
	assert_true(m.plan.changed);
	s = upper_read("/srv/script.out");
	assert_string_equal(s, "hello on h1\n");
	free(s);
	s = remote(c, "ls -a /tmp | grep -c kiso-script || true");
	assert_string_equal(s, "0\n");
	free(s);
	assert_int_equal(modtask_plan(&m, "script", task, false), 0);
	assert_true(m.plan.skipped);
	/* ping; wait_for the host's own sshd port (22 inside? no: BASE+1 on 127.0.0.1) */
	assert_int_equal(modtask_plan(&m, "ping", "{}", false), 0);
	assert_string_equal(modtask_result_str(&m, "ping"), "pong");
	{
		char wt[200];

		snprintf(wt, sizeof(wt), "{port: %d, search_regex: OpenSSH, timeout: 10}", base_port + 1);
		assert_int_equal(modtask_run(&m, "wait_for", wt), 0);
		assert_false(m.plan.changed);
	}
	modtask_release(&m);
	kiso_conn_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_lab__sysctl_fake_proc),
		cmocka_unit_test(test_modules_lab__commands),
	};
	int rc, status;
	pid_t pid;

	if (lab_up() < 0) {
		lab_down();
		printf("not ok 1 - modules/lab: cannot bring up the lab host\n");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid > 0) {
		signal(SIGPIPE, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
	}
	if (pid == 0)
		exit(cmocka_run_group_tests(tests, NULL, NULL) ? 1 : 0);
	rc = 1;
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	lab_down();
	return rc;
}
