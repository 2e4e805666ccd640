/*
 * The file modules on a real lab host over SSH (tests/lab/up: namespaces,
 * overlay root, own sshd), brought up for this program under a mktemp LAB
 * (engineer M's test ports, 27100..27990) and torn down at its end,
 * whatever happens to the tests. What the local-transport unit tests
 * cannot show: owner/group as root, files of the host's own image (copied
 * up into the overlay with their owner and mode kept), SFTP and the
 * command paths of the transport, and become from a non-root login user.
 *
 * Every task follows STYLE.md section 7: check mode predicts the change
 * and leaves the host's overlay upper directory byte-identical; apply;
 * plan again reports no change. Results are asserted on the upper
 * directory itself. Must run as root, from the repository root.
 */
#include "modtest.h"

#include <signal.h>

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

static char *sh_out(struct kiso_arena *a, const char *fmt, ...) KISO_PRINTF(2, 3);
static char *sh_out(struct kiso_arena *a, const char *fmt, ...)
{
	char cmd[4096], chunk[4096];
	struct kiso_buf b = KISO_BUF_INIT;
	va_list ap;
	FILE *f;
	size_t n;
	char *r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (f) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			kiso_buf_add(&b, chunk, n);
		pclose(f);
	}
	r = kiso_arena_strdup(a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

static void lab_down(void)
{
	if (lab[0]) {
		sh("LAB='%s' BASE_PORT=%d tests/lab/down all >>'%s.log' 2>&1", lab, base_port, lab);
		sh("rm -rf '%s' '%s.log'", lab, lab);
		lab[0] = '\0';
	}
}

static void on_signal(int sig)
{
	lab_down();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int lab_up(void **state)
{
	char tmpl[] = "/tmp/kiso-test-files-XXXXXX";
	struct kiso_arena *a = kiso_arena_new();

	(void)state;
	if (getuid() != 0 || access("tests/lab/up", X_OK) != 0) {
		fprintf(stderr, "modules/lab_files: needs root and the repository root as cwd\n");
		kiso_arena_free(a);
		return -1;
	}
	if (!mkdtemp(tmpl)) {
		kiso_arena_free(a);
		return -1;
	}
	snprintf(lab, sizeof(lab), "%s", tmpl);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (int tries = 0; tries < 90; tries++) {
		base_port = 27100 + (int)((getpid() + tries) % 90) * 10;
		if (!strncmp(sh_out(a, "ss -Hltn 'sport >= :%d and sport <= :%d' 2>/dev/null | "
				       "grep -c . || true", base_port, base_port + 9), "0", 1))
			break;
	}
	kiso_arena_free(a);
	if (sh("LAB='%s' BASE_PORT=%d tests/lab/up 1 >>'%s.log' 2>&1", lab, base_port, lab) != 0) {
		sh("cat '%s.log' >&2", lab);
		lab_down();
		return -1;
	}
	return 0;
}

static int lab_teardown(void **state)
{
	(void)state;
	lab_down();
	return 0;
}

static struct kiso_conn *open_h1(const char *user)
{
	struct kiso_conn_opts o;
	struct kiso_conn *c;
	char path[300];

	kiso_conn_opts_init(&o);
	kiso_conn_opts_set(&o.name, "h1");
	kiso_conn_opts_set(&o.host, "127.0.0.1");
	o.port = base_port + 1;
	kiso_conn_opts_set(&o.user, user);
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
		fail_msg("cannot open h1 as %s: %s", user, kiso_conn_error(c)->msg);
	return c;
}

/* a modtest context whose "{D}" is a directory on h1 */
static struct mt *lab_mt(const char *user, const char *dir)
{
	struct mt *m = kiso_xcalloc(1, sizeof(*m));

	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	m->a = kiso_arena_new();
	m->c = open_h1(user);
	return m;
}

static void lab_mt_free(struct mt *m)
{
	kiso_conn_free(m->c);
	kiso_arena_free(m->a);
	free(m);
}

/* Everything in h1's overlay upper dir: names, types, modes, owners,
 * sizes and contents. */
static const char *upper(struct mt *m)
{
	return sh_out(m->a, "cd '%s/hosts/h1/upper' && find . -printf '%%p %%y %%m %%s %%U:%%G\\n' | "
			    "sort && find . -type f -print0 | sort -z | xargs -0 -r md5sum", lab);
}

static const char *upper_path(struct mt *m, const char *path)
{
	return kiso_arena_sprintf(m->a, "%s/hosts/h1/upper%s", lab, mt_fmt(m, path));
}

static const char *upper_read(struct mt *m, const char *path)
{
	return sh_out(m->a, "cat '%s' 2>/dev/null", upper_path(m, path));
}

/* "%U:%G %m" of a path in the upper dir */
static const char *upper_attrs(struct mt *m, const char *path)
{
	return sh_out(m->a, "stat -c '%%U:%%G %%a' '%s'", upper_path(m, path));
}

/* the same as the host sees it (names from the host's own passwd) */
static const char *host_attrs(struct mt *m, const char *path)
{
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	const char *s;

	if (kiso_transport_run(m->c, kiso_arena_sprintf(m->a, "stat -c '%%U:%%G %%a' '%s'",
							mt_fmt(m, path)), &r) < 0)
		fail_msg("stat on h1: %s", kiso_conn_error(m->c)->msg);
	s = kiso_arena_strdup(m->a, kiso_buf_cstr(&r.out));
	kiso_exec_result_release(&r);
	return s;
}

static void lab_cycle(struct mt *m, const char *module, const char *yaml)
{
	const char *before = upper(m);

	mt_expect_ok(m, mt_run(m, module, yaml, false, true));
	if (!m->plan.changed)
		fail_msg("plan reports no change: %s", yaml);
	assert_string_equal(upper(m), before);
	mt_expect_ok(m, mt_run(m, module, yaml, true, false));
	assert_true(m->plan.changed);
	mt_expect_ok(m, mt_run(m, module, yaml, false, false));
	if (m->plan.changed)
		fail_msg("second plan still reports a change: %s", yaml);
}

static void test_modules_lab_files__as_root(void **state)
{
	struct mt *m = lab_mt("root", "/srv/kt");
	const char *s;

	(void)state;
	lab_cycle(m, "file", "path: '{D}/d/e'\nstate: directory\nowner: nobody\ngroup: nogroup\n"
			     "mode: 'u=rwx,g=rx,o='\n");
	assert_string_equal(upper_attrs(m, "{D}/d/e"), "nobody:nogroup 750\n");
	assert_string_equal(mt_result(m, "owner"), "nobody");
	/* the owner alone, on an existing directory */
	lab_cycle(m, "file", "path: '{D}/d'\nowner: daemon\n");
	assert_string_equal(upper_attrs(m, "{D}/d"), "daemon:nogroup 750\n");

	lab_cycle(m, "copy", "content: \"secret\\n\"\ndest: '{D}/d/e/f'\nowner: daemon\n"
			     "group: daemon\nmode: '0640'\n");
	assert_string_equal(upper_read(m, "{D}/d/e/f"), "secret\n");
	assert_string_equal(upper_attrs(m, "{D}/d/e/f"), "daemon:daemon 640\n");
	/* new content keeps the owner and mode it has */
	lab_cycle(m, "copy", "content: \"secret2\\n\"\ndest: '{D}/d/e/f'\n");
	assert_string_equal(upper_attrs(m, "{D}/d/e/f"), "daemon:daemon 640\n");

	/* a file of the host's image: copied up with its owner and mode */
	s = sh_out(m->a, "stat -c '%%U:%%G %%a' /etc/issue.net");
	lab_cycle(m, "lineinfile", "path: /etc/issue.net\nline: 'kiso was here'\n");
	assert_string_equal(upper_attrs(m, "/etc/issue.net"), s);
	assert_non_null(strstr(upper_read(m, "/etc/issue.net"), "kiso was here\n"));
	lab_cycle(m, "blockinfile", "path: /etc/issue.net\nblock: \"b1\\nb2\"\n");
	assert_non_null(strstr(upper_read(m, "/etc/issue.net"),
			       "# BEGIN ANSIBLE MANAGED BLOCK\nb1\nb2\n# END ANSIBLE MANAGED BLOCK\n"));
	lab_cycle(m, "replace", "path: /etc/issue.net\nregexp: '^kiso (was) here$'\n"
				"replace: 'kiso \\1 there'\n");
	assert_non_null(strstr(upper_read(m, "/etc/issue.net"), "kiso was there\n"));

	mt_vars(m, "who: world\n");
	{
		char tpl[] = "/tmp/kiso-tpl-XXXXXX";
		int fd = mkstemp(tpl);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "hello {{ who }}\n", 16), 16);
		close(fd);
		lab_cycle(m, "template", kiso_arena_sprintf(m->a, "src: '%s'\ndest: '{D}/t'\n"
							  "owner: nobody\n", tpl));
		unlink(tpl);
	}
	assert_string_equal(upper_read(m, "{D}/t"), "hello world\n");
	assert_string_equal(upper_attrs(m, "{D}/t"), "nobody:root 644\n");

	lab_cycle(m, "file", "path: '{D}/l'\nsrc: d/e/f\nstate: link\n");
	assert_string_equal(sh_out(m->a, "readlink '%s'", upper_path(m, "{D}/l")), "d/e/f\n");
	lab_cycle(m, "file", "path: '{D}/d'\nstate: absent\n");
	/* a whiteout (or nothing) in the upper dir: gone for the host */
	mt_expect_ok(m, mt_run(m, "stat", "path: '{D}/d'\n", false, false));
	assert_false(kiso_value_truthy(kiso_map_get(kiso_map_get(m->plan.result, "stat"), "exists")));
	mt_expect_ok(m, mt_run(m, "stat", "path: /etc/passwd\n", false, false));
	assert_string_equal(kiso_map_get(kiso_map_get(m->plan.result, "stat"), "pw_name")->u.s.ptr,
			    "root");
	mt_expect_ok(m, mt_run(m, "slurp", "src: '{D}/t'\n", false, false));
	assert_string_equal(mt_result(m, "content"), "aGVsbG8gd29ybGQK");
	{
		char dir[] = "/tmp/kiso-fetch-XXXXXX";

		assert_non_null(mkdtemp(dir));
		lab_cycle(m, "fetch", kiso_arena_sprintf(m->a, "src: '{D}/t'\ndest: '%s'\n", dir));
		assert_string_equal(sh_out(m->a, "cat '%s/localhost/srv/kt/t'", dir), "hello world\n");
		sh("rm -rf '%s'", dir);
	}
	lab_mt_free(m);
}

static void test_modules_lab_files__become(void **state)
{
	struct mt *root = lab_mt("root", "/srv/kb");
	struct mt *m;
	struct kiso_become b = { NULL, NULL, NULL };
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;

	(void)state;
	assert_int_equal(kiso_transport_run(root->c,
		"set -e; id -u kisonp >/dev/null 2>&1 || useradd -m -s /bin/sh kisonp; "
		"install -d -m 700 -o kisonp -g kisonp /home/kisonp/.ssh; "
		"install -m 600 -o kisonp -g kisonp /root/.ssh/authorized_keys "
		"/home/kisonp/.ssh/authorized_keys; "
		"echo 'kisonp ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/kisonp; "
		"chmod 440 /etc/sudoers.d/kisonp; mkdir -p -m 700 /srv/kb", &r), 0);
	assert_int_equal(r.status, 0);
	kiso_exec_result_release(&r);
	lab_mt_free(root);

	m = lab_mt("kisonp", "/srv/kb");
	/* without become the login user may not even look */
	assert_true(mt_run(m, "copy", "content: x\ndest: '{D}/f'\n", false, false) < 0);
	kiso_conn_set_become(m->c, &b);
	lab_cycle(m, "copy", "content: \"as root\\n\"\ndest: '{D}/f'\nmode: '0600'\n");
	assert_string_equal(upper_attrs(m, "{D}/f"), "root:root 600\n");
	lab_cycle(m, "lineinfile", "path: '{D}/f'\nline: second\nowner: kisonp\n");
	assert_string_equal(upper_read(m, "{D}/f"), "as root\nsecond\n");
	assert_string_equal(host_attrs(m, "{D}/f"), "kisonp:root 600\n");
	lab_cycle(m, "file", "path: '{D}/sub'\nstate: directory\nowner: kisonp\n");
	assert_string_equal(host_attrs(m, "{D}/sub"), "kisonp:root 755\n");
	/* the upper dir holds it with the host's uid */
	assert_string_equal(sh_out(m->a, "stat -c %%u '%s'", upper_path(m, "{D}/sub")),
			    kiso_arena_sprintf(m->a, "%s\n", mt_result(m, "uid")));
	kiso_conn_set_become(m->c, NULL);
	lab_mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_lab_files__as_root),
		cmocka_unit_test(test_modules_lab_files__become),
	};
	int rc = cmocka_run_group_tests(tests, lab_up, lab_teardown);

	lab_down();
	return rc;
}
