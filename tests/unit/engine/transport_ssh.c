/*
 * Tests for engine/transport_ssh.c (and known_hosts.c, the become path of
 * transport.c/transport_shell.c) against real sshd processes: lab hosts
 * brought up by tests/lab/up for this program and torn down at its end.
 *
 *   h1, h2     NET_MODE=host: sshd on 127.0.0.1:BASE+1, BASE+2
 *   hJ, hJ+1   NET_MODE=netns on a private bridge; hJ+1 drops every packet
 *              to the controller's bridge address (a blackhole route in its
 *              namespace), so it is reachable only through hJ
 *
 * Must run as root (the lab needs it; CI runs as root). Run from the
 * repository root (tests/run does). KISO_BENCH=1 adds timings (TAP
 * comments) of every primitive and of session setup.
 */
#include "kiso_common.h"
#include "transport.h"
#include "transport_shell.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static char lab[256];           /* absolute $LAB */
static int base_port;
static int jidx;                /* index of the jump host (netns) */
static char bridge[16];
static char prefix[16];         /* NET_PREFIX */
static char key[300], known[300];

/* assert_int_equal(expr, 0), printing the connection's error if not */
#define assert_ok(c, expr) do { int rc_ = (expr); \
	if (rc_ != 0) fail_msg("%s = %d: %s", #expr, rc_, kiso_conn_error(c)->msg); } while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

/* The first line of a command's output, trimmed; malloc'd. */
static char *sh_out(const char *fmt, ...) KISO_PRINTF(1, 2);
static char *sh_out(const char *fmt, ...)
{
	char cmd[4096], line[4096] = "";
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		pclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	return kiso_xstrdup(line);
}

static char *netns_ip(int i)
{
	return kiso_xasprintf("%s.%d.%d", prefix, i / 250, i % 250 + 2);
}

static const char *lab_env(void)
{
	static char env[512];

	snprintf(env, sizeof(env), "LAB='%s' BASE_PORT=%d BRIDGE=%s NET_PREFIX=%s", lab, base_port,
		 bridge, prefix);
	return env;
}

static void lab_down(void)
{
	if (lab[0]) {
		sh("%s tests/lab/down all >>'%s.log' 2>&1", lab_env(), lab);
		sh("rm -rf '%s' '%s.log'", lab, lab);
		lab[0] = '\0';
	}
}

static int lab_up(void)
{
	char tmpl[] = "/tmp/kiso-test-transport-XXXXXX";
	char *gw;
	int rc;

	if (getuid() != 0) {
		fprintf(stderr, "transport_ssh: lab hosts need root\n");
		return -1;
	}
	if (access("tests/lab/up", X_OK) != 0) {
		fprintf(stderr, "transport_ssh: run from the repository root\n");
		return -1;
	}
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(lab, sizeof(lab), "%s", tmpl);
	/* ports and veth names (vhN) nobody else on this machine uses now:
	 * other labs may be up at the same time */
	for (int tries = 0; tries < 50; tries++) {
		char *busy;

		base_port = 25000 + (int)((getpid() + tries * 37) % 400) * 10;
		jidx = 150 + (int)((getpid() + tries * 13) % 40) * 2;
		busy = sh_out("{ ss -Hltn 'sport >= :%d and sport <= :%d'; ip -o link show vh%d; "
			      "ip -o link show vh%d; } 2>/dev/null | grep -c . || true",
			      base_port, base_port + 9, jidx, jidx + 1);
		bool ok = strcmp(busy, "0") == 0;
		free(busy);
		if (ok)
			break;
	}
	snprintf(bridge, sizeof(bridge), "ktr%d", (int)(getpid() % 100000));
	/* a private /16 no interface of this machine uses yet */
	for (int x = 240 + (int)(getpid() % 10), tries = 0; tries < 15; tries++, x = 240 + (x - 239) % 15) {
		char *used = sh_out("ip -o -4 addr show | grep -c ' inet 10\\.%d\\.' || true", x);
		bool free_ = strcmp(used, "0") == 0;
		free(used);
		snprintf(prefix, sizeof(prefix), "10.%d", x);
		if (free_)
			break;
	}
	snprintf(key, sizeof(key), "%s/keys/id_ed25519", lab);
	snprintf(known, sizeof(known), "%s/state/known_hosts", lab);
	rc = sh("%s tests/lab/up 2 >>'%s.log' 2>&1 && %s NET_MODE=netns tests/lab/up 2 %d >>'%s.log' 2>&1",
		lab_env(), lab, lab_env(), jidx, lab);
	if (rc != 0) {
		sh("cat '%s.log' >&2", lab);
		return -1;
	}
	/* the target answers nobody at the controller's bridge address */
	gw = kiso_xasprintf("%s.0.1", prefix);
	rc = sh("nsenter -t $(cat '%s/hosts/h%d/init.pid') -n ip route add blackhole %s/32",
		lab, jidx + 1, gw);
	free(gw);
	return rc == 0 ? 0 : -1;
}

/* Options for lab host i (host mode), or for a netns host when ip given. */
static void lab_opts(struct kiso_conn_opts *o, const char *name, const char *ip, int port,
		     const char *user)
{
	kiso_conn_opts_init(o);
	kiso_conn_opts_set(&o->name, name);
	kiso_conn_opts_set(&o->host, ip);
	o->port = port;
	kiso_conn_opts_set(&o->user, user ? user : "root");
	kiso_conn_opts_add_identity(o, key);
	kiso_conn_opts_add_known_hosts(o, known);
	o->hostkey = KISO_HOSTKEY_STRICT;
	o->no_default_identities = true;
	o->no_default_known_hosts = true;
	o->connect_timeout_ms = 5000;
}

static struct kiso_conn *open_host(int i, const char *user)
{
	struct kiso_conn_opts o;
	struct kiso_conn *c;
	char name[16];

	snprintf(name, sizeof(name), "h%d", i);
	lab_opts(&o, name, "127.0.0.1", base_port + i, user);
	c = kiso_conn_new(&o);
	kiso_conn_opts_release(&o);
	if (kiso_conn_open(c) < 0) {
		kiso_error_print(stderr, kiso_conn_error(c));
		fail_msg("cannot open h%d", i);
	}
	return c;
}

static char *run_ok(struct kiso_conn *c, const char *cmd)
{
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	char *out;

	if (kiso_transport_run(c, cmd, &r) < 0) {
		kiso_error_print(stderr, kiso_conn_error(c));
		fail_msg("'%s' failed", cmd);
	}
	if (r.status != 0)
		fail_msg("'%s' exited %d: %s", cmd, r.status, kiso_buf_cstr(&r.err));
	out = kiso_xstrdup(kiso_buf_cstr(&r.out));
	kiso_exec_result_release(&r);
	return out;
}

static void run_check(struct kiso_conn *c, const char *cmd)
{
	free(run_ok(c, cmd));
}

/* stat(2) of a path inside host hN's overlay upper directory. */
static int upper_stat(int i, const char *path, struct stat *st)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/hosts/h%d/upper%s", lab, i, path);
	return lstat(p, st);
}

static char *upper_read(int i, const char *path)
{
	char p[512];
	FILE *f;
	struct kiso_buf b = KISO_BUF_INIT;
	char chunk[4096];
	size_t n;

	snprintf(p, sizeof(p), "%s/hosts/h%d/upper%s", lab, i, path);
	if (!(f = fopen(p, "r")))
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kiso_buf_add(&b, chunk, n);
	fclose(f);
	return kiso_buf_detach(&b);
}

/* ------------------------------------------------------------------ */

static void test_engine_transport_ssh__exec(void **state)
{
	struct kiso_conn *c = open_host(1, NULL);
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_exec_req q = { .cmd = "cat; echo oops >&2; exit 3", .in = "in\n", .in_len = 3 };
	double t0;

	assert_int_equal(kiso_transport_exec(c, &q, &r), 0);
	assert_int_equal(r.status, 3);
	assert_string_equal(kiso_buf_cstr(&r.out), "in\n");
	assert_string_equal(kiso_buf_cstr(&r.err), "oops\n");

	assert_int_equal(kiso_transport_run(c, "hostname", &r), 0);
	assert_string_equal(kiso_buf_cstr(&r.out), "h1\n");
	assert_int_equal(r.status, 0);

	assert_int_equal(kiso_transport_run(c, "kill -TERM $$", &r), 0);
	assert_int_equal(r.status, 143);
	assert_string_equal(r.signal, "TERM");

	/* big stdin, all of it arrives; a command that ignores it is fine */
	{
		size_t n = 5u << 20;
		char *big = kiso_xmalloc(n);
		memset(big, 'b', n);
		struct kiso_exec_req q2 = { .cmd = "wc -c", .in = big, .in_len = n };
		assert_int_equal(kiso_transport_exec(c, &q2, &r), 0);
		assert_int_equal(atol(kiso_buf_cstr(&r.out)), (long)n);
		struct kiso_exec_req q3 = { .cmd = "exit 0", .in = big, .in_len = n };
		assert_int_equal(kiso_transport_exec(c, &q3, &r), 0);
		assert_int_equal(r.status, 0);
		free(big);
	}

	/* big output: capped, the rest drained, the status still there */
	struct kiso_exec_req q4 = { .cmd = "head -c 20000000 /dev/zero; echo end >&2; exit 7",
				    .out_max = 1000 };
	assert_int_equal(kiso_transport_exec(c, &q4, &r), 0);
	assert_int_equal(r.out.len, 1000);
	assert_true(r.out.toobig);
	assert_string_equal(kiso_buf_cstr(&r.err), "end\n");
	assert_int_equal(r.status, 7);

	/* timeout: the command and its children are killed, the session is
	 * still usable after it */
	struct kiso_exec_req q5 = { .cmd = "sleep 30 & echo $! > /srv/sleeper; wait",
				    .timeout_ms = 300 };
	t0 = now();
	assert_int_equal(kiso_transport_exec(c, &q5, &r), KISO_ETIMEOUT);
	assert_true(now() - t0 < 2.0);
	assert_string_equal(kiso_conn_error(c)->msg, "command timed out after 300 ms on 'h1'");
	kiso_conn_clear_error(c);
	assert_int_equal(kiso_transport_run(c, "echo still", &r), 0);
	assert_string_equal(kiso_buf_cstr(&r.out), "still\n");
	assert_int_equal(kiso_transport_run(c, "kill -0 $(cat /srv/sleeper) 2>/dev/null && echo alive "
					    "|| echo gone", &r), 0);
	assert_string_equal(kiso_buf_cstr(&r.out), "gone\n");
	/* output closed early, the command still running: a timeout, and
	 * without one its real exit status */
	struct kiso_exec_req q7 = { .cmd = "exec >/dev/null 2>&1; sleep 5", .timeout_ms = 400 };
	t0 = now();
	assert_int_equal(kiso_transport_exec(c, &q7, &r), KISO_ETIMEOUT);
	assert_true(now() - t0 < 2.0);
	kiso_conn_clear_error(c);
	struct kiso_exec_req q8 = { .cmd = "exec >/dev/null 2>&1; sleep 0.3; exit 5" };
	assert_int_equal(kiso_transport_exec(c, &q8, &r), 0);
	assert_int_equal(r.status, 5);
	/* a timeout does not eat the first line of stderr of a command that
	 * finishes in time */
	struct kiso_exec_req q6 = { .cmd = "echo first >&2; echo out", .timeout_ms = 5000 };
	assert_int_equal(kiso_transport_exec(c, &q6, &r), 0);
	assert_string_equal(kiso_buf_cstr(&r.err), "first\n");
	assert_string_equal(kiso_buf_cstr(&r.out), "out\n");

	kiso_exec_result_release(&r);
	kiso_conn_free(c);
}

static void test_engine_transport_ssh__file_primitives(void **state)
{
	struct kiso_conn *c = open_host(1, NULL);
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_stat st;
	struct stat ust;
	char *s;

	run_check(c, "rm -rf /srv/kt && mkdir -p /srv/kt");
	assert_int_equal(kiso_transport_stat(c, "/srv/kt/none", 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_NONE);

	/* mkdir: exact mode whatever sftp-server's umask */
	assert_int_equal(kiso_transport_mkdir(c, "/srv/kt/d", 02775), 0);
	assert_int_equal(upper_stat(1, "/srv/kt/d", &ust), 0);
	assert_true(S_ISDIR(ust.st_mode));
	assert_int_equal(ust.st_mode & 07777, 02775);
	assert_int_equal(kiso_transport_mkdir(c, "/srv/kt/d", 0755), KISO_EFAIL);
	kiso_conn_clear_error(c);

	/* write a new file (SFTP rename path) and read it back */
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kt/d/f", "hello\n", 6, NULL), 0);
	assert_int_equal(upper_stat(1, "/srv/kt/d/f", &ust), 0);
	assert_int_equal(ust.st_mode & 07777, 0644);
	s = upper_read(1, "/srv/kt/d/f");
	assert_string_equal(s, "hello\n");
	free(s);
	assert_int_equal(kiso_transport_read(c, "/srv/kt/d/f", 0, &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "hello\n");
	assert_int_equal(kiso_transport_stat(c, "/srv/kt/d/f", 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_REG);
	assert_int_equal(st.size, 6);
	assert_int_equal(st.mode, 0644);
	assert_int_equal(st.uid, 0);
	assert_true(st.mtime > 1700000000);

	/* read: cap and not found */
	kiso_buf_clear(&b);
	assert_int_equal(kiso_transport_read(c, "/srv/kt/d/f", 5, &b), KISO_EFAIL);
	assert_string_equal(kiso_conn_error(c)->msg, "'/srv/kt/d/f' is larger than 5 bytes");
	assert_int_equal(b.len, 0);
	kiso_conn_clear_error(c);
	assert_int_equal(kiso_transport_read(c, "/srv/kt/nope", 0, &b), KISO_ENOTFOUND);
	assert_string_equal(kiso_conn_error(c)->msg,
			    "cannot read '/srv/kt/nope': No such file or directory");
	kiso_conn_clear_error(c);

	/* a big file both ways */
	{
		size_t n = 3u << 20;
		char *big = kiso_xmalloc(n);
		for (size_t i = 0; i < n; i++)
			big[i] = (char)('a' + i % 23);
		assert_int_equal(kiso_transport_write_atomic(c, "/srv/kt/big", big, n, NULL), 0);
		kiso_buf_clear(&b);
		assert_int_equal(kiso_transport_read(c, "/srv/kt/big", 0, &b), 0);
		assert_int_equal(b.len, n);
		assert_memory_equal(b.ptr, big, n);
		free(big);
	}

	/* symlink, readlink, stat of a link with and without follow */
	assert_ok(c, kiso_transport_symlink(c, "d/f", "/srv/kt/l"));
	assert_int_equal(upper_stat(1, "/srv/kt/l", &ust), 0);
	assert_true(S_ISLNK(ust.st_mode));
	assert_int_equal(kiso_transport_stat(c, "/srv/kt/l", 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_LNK);
	assert_string_equal(st.link, "d/f");
	assert_int_equal(kiso_transport_stat(c, "/srv/kt/l", KISO_STAT_FOLLOW, &st), 0);
	assert_int_equal(st.type, KISO_FT_REG);
	assert_int_equal(st.size, 6);
	kiso_buf_clear(&b);
	assert_int_equal(kiso_transport_readlink(c, "/srv/kt/l", &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "d/f");
	assert_int_equal(kiso_transport_readlink(c, "/srv/kt/d/f", &b), KISO_EFAIL);
	kiso_conn_clear_error(c);

	/* chmod: a file yes, a symlink no */
	assert_int_equal(kiso_transport_chmod(c, "/srv/kt/d/f", 04711), 0);
	assert_int_equal(upper_stat(1, "/srv/kt/d/f", &ust), 0);
	assert_int_equal(ust.st_mode & 07777, 04711);
	assert_int_equal(kiso_transport_chmod(c, "/srv/kt/l", 0600), KISO_EFAIL);
	assert_string_equal(kiso_conn_error(c)->msg, "cannot chmod '/srv/kt/l': is a symlink");
	kiso_conn_clear_error(c);

	/* chown: by id, by name, a link's own owner, an unknown name */
	assert_int_equal(kiso_transport_chown(c, "/srv/kt/d/f", "1234", "2345", false), 0);
	assert_int_equal(upper_stat(1, "/srv/kt/d/f", &ust), 0);
	assert_int_equal(ust.st_uid, 1234);
	assert_int_equal(ust.st_gid, 2345);
	assert_int_equal(kiso_transport_chown(c, "/srv/kt/d/f", "nobody", NULL, false), 0);
	assert_int_equal(kiso_transport_chown(c, "/srv/kt/d/f", NULL, "nogroup", false), 0);
	assert_int_equal(upper_stat(1, "/srv/kt/d/f", &ust), 0);
	assert_int_equal(ust.st_uid, 65534);
	assert_int_equal(ust.st_gid, 65534);
	assert_int_equal(kiso_transport_chown(c, "/srv/kt/l", "1234", "1234", false), 0);
	assert_int_equal(upper_stat(1, "/srv/kt/l", &ust), 0);
	assert_int_equal(ust.st_uid, 1234);
	assert_int_equal(upper_stat(1, "/srv/kt/d/f", &ust), 0);
	assert_int_equal(ust.st_uid, 65534);         /* the link's target kept its owner */
	assert_int_equal(kiso_transport_chown(c, "/srv/kt/d/f", "no-such-kiso-user", NULL, false),
			 KISO_EFAIL);
	assert_non_null(strstr(kiso_conn_error(c)->msg, "invalid user"));
	kiso_conn_clear_error(c);

	/* rename: to a new name (SFTP), over an existing file (mv -T) */
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kt/a", "A", 1, NULL), 0);
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kt/b", "B", 1, NULL), 0);
	assert_int_equal(kiso_transport_rename(c, "/srv/kt/a", "/srv/kt/c"), 0);
	assert_int_equal(kiso_transport_rename(c, "/srv/kt/c", "/srv/kt/b"), 0);
	s = upper_read(1, "/srv/kt/b");
	assert_string_equal(s, "A");
	free(s);
	assert_int_equal(kiso_transport_stat(c, "/srv/kt/c", 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_NONE);
	assert_int_equal(kiso_transport_rename(c, "/srv/kt/zz", "/srv/kt/b"), KISO_ENOTFOUND);
	kiso_conn_clear_error(c);

	/* unlink, rmdir */
	assert_int_equal(kiso_transport_rmdir(c, "/srv/kt/d"), KISO_EFAIL);
	kiso_conn_clear_error(c);
	assert_int_equal(kiso_transport_unlink(c, "/srv/kt/d/f"), 0);
	assert_int_equal(kiso_transport_unlink(c, "/srv/kt/d/f"), KISO_ENOTFOUND);
	kiso_conn_clear_error(c);
	assert_int_equal(kiso_transport_rmdir(c, "/srv/kt/d"), 0);
	assert_int_equal(upper_stat(1, "/srv/kt/d", &ust), -1);
	assert_int_equal(kiso_transport_rmdir(c, "/srv/kt/d"), KISO_ENOTFOUND);
	kiso_conn_clear_error(c);
	assert_int_equal(kiso_transport_unlink(c, "/srv/kt/l"), 0);

	/* no temp file left behind by any of it */
	s = run_ok(c, "ls -a /srv/kt | grep -c kiso- || true");
	assert_string_equal(s, "0\n");
	free(s);
	kiso_buf_release(&b);
	kiso_conn_free(c);
}

static void test_engine_transport_ssh__write_atomic_keeps_owner_mode(void **state)
{
	struct kiso_conn *c = open_host(1, NULL);
	struct kiso_write_opts wo = KISO_WRITE_OPTS_INIT;
	struct stat ust, before;
	char *s;

	run_check(c, "rm -rf /srv/kw && mkdir -p /srv/kw && echo old > /srv/kw/f && "
		  "chown 1234:2345 /srv/kw/f && chmod 2640 /srv/kw/f");
	assert_int_equal(upper_stat(1, "/srv/kw/f", &before), 0);
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kw/f", "new\n", 4, NULL), 0);
	assert_int_equal(upper_stat(1, "/srv/kw/f", &ust), 0);
	assert_int_equal(ust.st_uid, 1234);
	assert_int_equal(ust.st_gid, 2345);
	assert_int_equal(ust.st_mode & 07777, 02640);
	assert_int_not_equal(ust.st_ino, before.st_ino);     /* a new inode: renamed over */
	s = upper_read(1, "/srv/kw/f");
	assert_string_equal(s, "new\n");
	free(s);

	/* told otherwise: owner and group by name, explicit mode */
	wo.owner = "nobody";
	wo.group = "nogroup";
	wo.mode = 0600;
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kw/f", "x", 1, &wo), 0);
	assert_int_equal(upper_stat(1, "/srv/kw/f", &ust), 0);
	assert_int_equal(ust.st_uid, 65534);
	assert_int_equal(ust.st_gid, 65534);
	assert_int_equal(ust.st_mode & 07777, 0600);
	/* by id, on a new file */
	wo.owner = "4321";
	wo.group = "4322";
	wo.mode = 04755;
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kw/n", "x", 1, &wo), 0);
	assert_int_equal(upper_stat(1, "/srv/kw/n", &ust), 0);
	assert_int_equal(ust.st_uid, 4321);
	assert_int_equal(ust.st_gid, 4322);
	assert_int_equal(ust.st_mode & 07777, 04755);

	/* symlinks: replaced unless told to follow */
	run_check(c, "echo target > /srv/kw/t && chmod 0604 /srv/kw/t && ln -s t /srv/kw/l && "
		  "ln -s gone /srv/kw/dangling");
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kw/l", "via\n", 4,
						     &(struct kiso_write_opts){ KISO_MODE_KEEP, NULL,
										NULL, true }), 0);
	assert_int_equal(upper_stat(1, "/srv/kw/l", &ust), 0);
	assert_true(S_ISLNK(ust.st_mode));
	assert_int_equal(upper_stat(1, "/srv/kw/t", &ust), 0);
	assert_int_equal(ust.st_mode & 07777, 0604);
	s = upper_read(1, "/srv/kw/t");
	assert_string_equal(s, "via\n");
	free(s);
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kw/dangling", "d\n", 2,
						     &(struct kiso_write_opts){ KISO_MODE_KEEP, NULL,
										NULL, true }), 0);
	s = upper_read(1, "/srv/kw/gone");
	assert_string_equal(s, "d\n");
	free(s);
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kw/l", "own\n", 4, NULL), 0);
	assert_int_equal(upper_stat(1, "/srv/kw/l", &ust), 0);
	assert_true(S_ISREG(ust.st_mode));
	s = upper_read(1, "/srv/kw/t");
	assert_string_equal(s, "via\n");
	free(s);

	/* errors: a directory, a missing directory */
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kw", "x", 1, NULL), KISO_EFAIL);
	assert_string_equal(kiso_conn_error(c)->msg, "cannot write '/srv/kw': Is a directory");
	kiso_conn_clear_error(c);
	assert_int_equal(kiso_transport_write_atomic(c, "/srv/kw/no/f", "x", 1, NULL),
			 KISO_ENOTFOUND);
	kiso_conn_clear_error(c);
	s = run_ok(c, "ls -a /srv/kw | grep -c kiso- || true");
	assert_string_equal(s, "0\n");
	free(s);
	kiso_conn_free(c);
}

struct reader {
	struct kiso_conn *c;
	char *out;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	/* every read sees one whole version: the sums of A and B only */
	r->out = run_ok(r->c, "i=0; while [ $i -lt 200 ]; do md5sum < /srv/ka/f; i=$((i+1)); done "
			"| sort | uniq -c | awk '{print $2}' | sort | tr '\\n' ' '");
	return NULL;
}

static void test_engine_transport_ssh__write_atomic_is_atomic(void **state)
{
	struct kiso_conn *w = open_host(2, NULL);
	struct reader r = { open_host(2, NULL), NULL };
	size_t n = 1u << 20;
	char *a = kiso_xmalloc(n), *b = kiso_xmalloc(n);
	char *suma, *sumb, *want;
	pthread_t th;

	memset(a, 'A', n);
	memset(b, 'B', n);
	run_check(w, "rm -rf /srv/ka && mkdir /srv/ka");
	assert_int_equal(kiso_transport_write_atomic(w, "/srv/ka/f", a, n, NULL), 0);
	assert_int_equal(kiso_transport_write_atomic(w, "/srv/ka/b", b, n, NULL), 0);
	suma = run_ok(w, "md5sum < /srv/ka/f | awk '{printf $1}'");
	sumb = run_ok(w, "md5sum < /srv/ka/b | awk '{printf $1}'");
	pthread_create(&th, NULL, reader_main, &r);
	for (int i = 0; i < 40; i++)
		assert_int_equal(kiso_transport_write_atomic(w, "/srv/ka/f", i % 2 ? a : b, n, NULL), 0);
	pthread_join(th, NULL);
	/* both versions were seen, and nothing else */
	want = kiso_xasprintf(strcmp(suma, sumb) < 0 ? "%s %s " : "%2$s %1$s ", suma, sumb);
	if (strcmp(r.out, want) != 0) {
		/* the reader may have run entirely between two writes */
		char *one_a = kiso_xasprintf("%s ", suma), *one_b = kiso_xasprintf("%s ", sumb);
		assert_true(strcmp(r.out, one_a) == 0 || strcmp(r.out, one_b) == 0);
		free(one_a);
		free(one_b);
	}
	free(want);
	free(r.out);
	r.out = run_ok(w, "ls -a /srv/ka | grep -c kiso- || true");
	assert_string_equal(r.out, "0\n");
	free(r.out);
	free(suma);
	free(sumb);
	free(a);
	free(b);
	kiso_conn_free(r.c);
	kiso_conn_free(w);
}

/* ssh-keygen's fingerprint of host hN's key. */
static char *host_fp(int i)
{
	return sh_out("ssh-keygen -lf '%s/hosts/h%d/upper/etc/ssh/ssh_host_ed25519_key.pub' "
		      "| awk '{print $2}'", lab, i);
}

static void test_engine_transport_ssh__known_hosts(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_conn *c;
	char kh[400], line[1024];
	char *fp1 = host_fp(1), *fp2 = host_fp(2), *s;
	FILE *f;

	/* unknown: refused, naming the host and the key */
	snprintf(kh, sizeof(kh), "%s/kh-test", lab);
	assert_int_equal(sh("rm -f '%s'; : > '%s'", kh, kh), 0);
	lab_opts(&o, "h1", "127.0.0.1", base_port + 1, NULL);
	kiso_conn_opts_set(&o.known_hosts[0], kh);
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), KISO_EUNREACHABLE);
	s = kiso_xasprintf("host key for 'h1' (127.0.0.1:%d) is not known (ssh-ed25519 %s); add it "
			   "to known_hosts or use --ssh-accept-new", base_port + 1, fp1);
	assert_string_equal(kiso_conn_error(c)->msg, s);
	free(s);
	kiso_conn_free(c);

	/* accept-new: accepted and appended in OpenSSH's [host]:port form */
	o.hostkey = KISO_HOSTKEY_ACCEPT_NEW;
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), 0);
	kiso_conn_free(c);
	s = sh_out("ssh-keygen -F '[127.0.0.1]:%d' -f '%s' | grep -v '^#' | awk '{print $1}'",
		   base_port + 1, kh);
	{
		char *w = kiso_xasprintf("[127.0.0.1]:%d", base_port + 1);
		assert_string_equal(s, w);
		free(w);
	}
	free(s);
	/* the appended line is the host's key: a strict connect now works */
	o.hostkey = KISO_HOSTKEY_STRICT;
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), 0);
	kiso_conn_free(c);

	/* hashed entries (ssh-keygen -H) work too */
	assert_int_equal(sh("ssh-keygen -q -H -f '%s' >/dev/null 2>&1 && ! grep -q 127.0.0.1 '%s'",
			    kh, kh), 0);
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), 0);
	kiso_conn_free(c);

	/* changed: h2's key recorded for h1's address; refused even with
	 * accept-new, both fingerprints named */
	f = fopen(kh, "w");
	assert_non_null(f);
	s = sh_out("cut -d' ' -f1,2 '%s/hosts/h2/upper/etc/ssh/ssh_host_ed25519_key.pub'", lab);
	snprintf(line, sizeof(line), "[127.0.0.1]:%d %s\n", base_port + 1, s);
	free(s);
	fputs("# a comment, an unknown marker and a bad line are skipped\n"
	      "@cert-authority * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL2y3Huu4Ro5humpqXSztl8VAwtLoFOKw8MVDIX9mYOT\n"
	      "garbage\n", f);
	fputs(line, f);
	fclose(f);
	o.hostkey = KISO_HOSTKEY_ACCEPT_NEW;
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), KISO_EUNREACHABLE);
	s = kiso_xasprintf("host key for 'h1' (127.0.0.1:%d) has CHANGED: known_hosts has "
			   "ssh-ed25519 %s, the host offered ssh-ed25519 %s; refusing to connect "
			   "(possible man-in-the-middle attack; remove the old key if the change "
			   "is expected)", base_port + 1, fp2, fp1);
	assert_string_equal(kiso_conn_error(c)->msg, s);
	free(s);
	kiso_conn_free(c);
	/* and nothing was appended */
	s = sh_out("grep -c . '%s'", kh);
	assert_string_equal(s, "4");
	free(s);

	kiso_conn_opts_release(&o);
	free(fp1);
	free(fp2);
}

static void test_engine_transport_ssh__auth(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_conn *c;
	char wrong[400];
	char *s;

	snprintf(wrong, sizeof(wrong), "%s/wrong_key", lab);
	assert_int_equal(sh("rm -f '%s' '%s.pub'; ssh-keygen -q -t ed25519 -N '' -f '%s'", wrong,
			    wrong, wrong), 0);

	/* a key the host does not know: refused, saying what was tried */
	lab_opts(&o, "h1", "127.0.0.1", base_port + 1, NULL);
	kiso_conn_opts_set(&o.identities[0], wrong);
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), KISO_EUNREACHABLE);
	s = kiso_xasprintf("cannot authenticate to 'h1' (127.0.0.1:%d) as 'root': tried key '%s' "
			   "(refused)", base_port + 1, wrong);
	assert_string_equal(kiso_conn_error(c)->msg, s);
	free(s);
	kiso_conn_free(c);

	/* keys are tried in order: a missing one, the wrong one, the right one */
	kiso_conn_opts_set(&o.identities[0], "/nonexistent/key");
	kiso_conn_opts_add_identity(&o, wrong);
	kiso_conn_opts_add_identity(&o, key);
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), 0);
	s = run_ok(c, "id -un");
	assert_string_equal(s, "root\n");
	free(s);
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);

	/* no key at all */
	lab_opts(&o, "h1", "127.0.0.1", base_port + 1, NULL);
	free(o.identities[0]);
	o.n_identities = 0;
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), KISO_EUNREACHABLE);
	assert_non_null(strstr(kiso_conn_error(c)->msg, "cannot authenticate to 'h1'"));
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);
}

/* ssh-agent: the second way to authenticate, after explicit keys */
static void test_engine_transport_ssh__agent(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_conn *c;
	char sock[400], home[400];
	char *pid, *s, *old_home = getenv("HOME") ? kiso_xstrdup(getenv("HOME")) : NULL;

	snprintf(sock, sizeof(sock), "%s/agent.sock", lab);
	snprintf(home, sizeof(home), "%s/emptyhome", lab);
	assert_int_equal(sh("mkdir -p '%s' && rm -f '%s'", home, sock), 0);
	pid = sh_out("ssh-agent -a '%s' -s | sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\);.*/\\1/p'", sock);
	assert_true(atoi(pid) > 0);
	assert_int_equal(sh("SSH_AUTH_SOCK='%s' ssh-add -q '%s' 2>/dev/null", sock, key), 0);
	setenv("SSH_AUTH_SOCK", sock, 1);
	setenv("HOME", home, 1);        /* no ~/.ssh/id_* to fall back on */

	lab_opts(&o, "h1", "127.0.0.1", base_port + 1, NULL);
	free(o.identities[0]);
	o.n_identities = 0;
	o.no_default_identities = false;
	c = kiso_conn_new(&o);
	if (kiso_conn_open(c) < 0)
		fail_msg("%s", kiso_conn_error(c)->msg);
	s = run_ok(c, "id -un");
	assert_string_equal(s, "root\n");
	free(s);
	kiso_conn_free(c);

	/* the agent holds no key the host knows: refused, saying so */
	assert_int_equal(sh("SSH_AUTH_SOCK='%s' ssh-add -q -D 2>/dev/null", sock), 0);
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), KISO_EUNREACHABLE);
	s = kiso_xasprintf("cannot authenticate to 'h1' (127.0.0.1:%d) as 'root': tried ssh-agent "
			   "(0 keys refused)", base_port + 1);
	assert_string_equal(kiso_conn_error(c)->msg, s);
	free(s);
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);
	unsetenv("SSH_AUTH_SOCK");
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	sh("kill %d", atoi(pid));
	free(pid);
}

/*
 * A host with two key types whose known_hosts lists only one: kiso asks
 * for the type it can verify (libssh2 would otherwise pick ECDSA first).
 */
static void test_engine_transport_ssh__hostkey_type_from_known_hosts(void **state)
{
	struct kiso_conn *root = open_host(2, NULL);
	struct kiso_conn_opts o;
	struct kiso_conn *c;
	char kh[400], up[400];
	char *s;

	/* give h2 an ECDSA key too (its upper dir hides the machine's) */
	snprintf(up, sizeof(up), "%s/hosts/h2/upper/etc/ssh", lab);
	assert_int_equal(sh("rm -f '%s/ssh_host_ecdsa_key' '%s/ssh_host_ecdsa_key.pub' && "
			    "ssh-keygen -q -t ecdsa -N '' -f '%s/ssh_host_ecdsa_key'", up, up, up), 0);
	run_check(root, "printf 'HostKey /etc/ssh/ssh_host_ed25519_key\\nHostKey /etc/ssh/ssh_host_ecdsa_key\\n' "
		  "> /etc/ssh/sshd_config.d/01-two-keys.conf");
	kiso_conn_free(root);
	assert_int_equal(sh("kill -HUP $(cat '%s/hosts/h2/sshd.pid')", lab), 0);
	usleep(500 * 1000);
	/* sshd really offers ECDSA now */
	s = sh_out("ssh-keyscan -t ecdsa -p %d 127.0.0.1 2>/dev/null | awk '{print $2}'", base_port + 2);
	assert_string_equal(s, "ecdsa-sha2-nistp256");
	free(s);

	/* known_hosts with the ed25519 key only (the lab's), then ECDSA only */
	lab_opts(&o, "h2", "127.0.0.1", base_port + 2, NULL);
	c = kiso_conn_new(&o);
	if (kiso_conn_open(c) < 0)
		fail_msg("%s", kiso_conn_error(c)->msg);
	kiso_conn_free(c);
	snprintf(kh, sizeof(kh), "%s/kh-ecdsa", lab);
	assert_int_equal(sh("printf '[127.0.0.1]:%d %%s\\n' \"$(cut -d' ' -f1,2 '%s/ssh_host_ecdsa_key.pub')\" > '%s'",
			    base_port + 2, up, kh), 0);
	kiso_conn_opts_set(&o.known_hosts[0], kh);
	c = kiso_conn_new(&o);
	if (kiso_conn_open(c) < 0)
		fail_msg("%s", kiso_conn_error(c)->msg);
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);
}

static void test_engine_transport_ssh__unreachable(void **state)
{
	struct kiso_conn_opts o;
	struct kiso_conn *c;
	char *s, *ip;
	double t0;

	/* nothing listens on BASE+9 */
	lab_opts(&o, "h3", "127.0.0.1", base_port + 9, NULL);
	c = kiso_conn_new(&o);
	t0 = now();
	assert_int_equal(kiso_conn_open(c), KISO_EUNREACHABLE);
	assert_true(now() - t0 < 1.0);
	s = kiso_xasprintf("cannot connect to 'h3' (127.0.0.1:%d): Connection refused", base_port + 9);
	assert_string_equal(kiso_conn_error(c)->msg, s);
	free(s);
	/* a closed connection refuses work instead of crashing */
	{
		struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
		kiso_conn_clear_error(c);
		assert_int_equal(kiso_transport_run(c, "true", &r), KISO_EUNREACHABLE);
		kiso_exec_result_release(&r);
	}
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);

	/* a host that does not answer: the connect timeout */
	ip = netns_ip(jidx + 1);
	lab_opts(&o, "hidden", ip, 22, NULL);
	o.connect_timeout_ms = 700;
	c = kiso_conn_new(&o);
	t0 = now();
	assert_int_equal(kiso_conn_open(c), KISO_ETIMEOUT);
	assert_true(now() - t0 < 2.0);
	s = kiso_xasprintf("cannot connect to 'hidden' (%s:22): timed out after 700 ms", ip);
	assert_string_equal(kiso_conn_error(c)->msg, s);
	free(s);
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);
	free(ip);

	/* a name that does not resolve */
	lab_opts(&o, "h4", "no-such-host.invalid", 22, NULL);
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), KISO_EUNREACHABLE);
	assert_non_null(strstr(kiso_conn_error(c)->msg,
			       "cannot connect to 'h4' (no-such-host.invalid:22): "));
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);
}

struct worker {
	struct kiso_conn *c;
	const char *expect;
	int ok;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_stat st;

	for (int i = 0; i < 30; i++) {
		if (kiso_transport_run(w->c, "hostname", &r) < 0 || r.status != 0 ||
		    strcmp(kiso_buf_cstr(&r.out), w->expect) != 0)
			break;
		if (kiso_transport_stat(w->c, "/etc/hostname", 0, &st) < 0 || st.type != KISO_FT_REG)
			break;
		w->ok++;
	}
	kiso_exec_result_release(&r);
	return NULL;
}

static void test_engine_transport_ssh__jump(void **state)
{
	struct kiso_conn_opts o, jo;
	struct kiso_conn *jump, *c, *c2, *via;
	struct kiso_error err = KISO_ERROR_INIT;
	char *jip = netns_ip(jidx), *tip = netns_ip(jidx + 1), *s, *args;
	char jname[16], tname[16], expect_t[20], expect_j[20];
	double t0;

	snprintf(jname, sizeof(jname), "h%d", jidx);
	snprintf(tname, sizeof(tname), "h%d", jidx + 1);
	snprintf(expect_j, sizeof(expect_j), "h%d\n", jidx);
	snprintf(expect_t, sizeof(expect_t), "h%d\n", jidx + 1);

	/* directly: no answer */
	lab_opts(&o, tname, tip, 22, NULL);
	o.connect_timeout_ms = 700;
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), KISO_ETIMEOUT);
	kiso_conn_free(c);

	/* through the jump host (kiso_jump: <inventory host>) */
	lab_opts(&jo, jname, jip, 22, NULL);
	jump = kiso_conn_new(&jo);
	assert_int_equal(kiso_conn_open(jump), 0);
	o.jump = jump;
	o.connect_timeout_ms = 5000;
	c = kiso_conn_new(&o);
	t0 = now();
	if (kiso_conn_open(c) < 0)
		fail_msg("%s", kiso_conn_error(c)->msg);
	print_message("# session through the jump host in %.1f ms\n", (now() - t0) * 1e3);
	s = run_ok(c, "hostname");
	assert_string_equal(s, expect_t);
	free(s);
	/* the target sees the jump host as its peer */
	s = run_ok(c, "echo $SSH_CLIENT | cut -d' ' -f1");
	{
		char *w = kiso_xasprintf("%s\n", jip);
		assert_string_equal(s, w);
		free(w);
	}
	free(s);

	/* SFTP and a big exec through the tunnel */
	{
		size_t n = 2u << 20;
		char *big = kiso_xmalloc(n);
		struct kiso_buf b = KISO_BUF_INIT;
		for (size_t i = 0; i < n; i++)
			big[i] = (char)(i * 7);
		assert_int_equal(kiso_transport_write_atomic(c, "/srv/jumped", big, n, NULL), 0);
		assert_int_equal(kiso_transport_read(c, "/srv/jumped", 0, &b), 0);
		assert_int_equal(b.len, n);
		assert_memory_equal(b.ptr, big, n);
		kiso_buf_release(&b);
		free(big);
		s = upper_read(jidx + 1, "/etc/hostname");
		assert_string_equal(s, expect_t);
		free(s);
		struct stat ust;
		assert_int_equal(upper_stat(jidx + 1, "/srv/jumped", &ust), 0);
		assert_int_equal(ust.st_size, (off_t)n);
	}

	/* two sessions through the same jump session, and the jump host's
	 * own thread, all at once */
	c2 = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c2), 0);
	{
		struct worker w[3] = { { c, expect_t, 0 }, { c2, expect_t, 0 }, { jump, expect_j, 0 } };
		pthread_t th[3];
		for (int i = 0; i < 3; i++)
			pthread_create(&th[i], NULL, worker_main, &w[i]);
		for (int i = 0; i < 3; i++)
			pthread_join(th[i], NULL);
		for (int i = 0; i < 3; i++)
			assert_int_equal(w[i].ok, 30);
	}
	kiso_conn_free(c2);
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);

	/* the ProxyJump form: -J root@JUMP from ansible_ssh_common_args */
	lab_opts(&o, tname, tip, 22, NULL);
	args = kiso_xasprintf("-o ProxyJump=root@%s:22", jip);
	assert_int_equal(kiso_sshopts_parse(&o, args, &err), 0);
	free(args);
	assert_int_equal(o.n_jumps, 1);
	{
		struct kiso_conn_opts hop;
		kiso_conn_opts_for_jump(&hop, &o, 0);
		via = kiso_conn_new(&hop);
		kiso_conn_opts_release(&hop);
	}
	assert_int_equal(kiso_conn_open(via), 0);
	o.jump = via;
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), 0);
	s = run_ok(c, "hostname");
	assert_string_equal(s, expect_t);
	free(s);
	kiso_conn_free(c);
	kiso_conn_free(via);
	kiso_conn_opts_release(&o);

	/* a chain, -J h1,hJ: h1 (on loopback) -> hJ -> target; the second
	 * hop's session itself runs through the first hop's tunnel */
	{
		struct kiso_conn *hops[2];
		char *chain = kiso_xasprintf("-J root@127.0.0.1:%d,root@%s", base_port + 1, jip);

		lab_opts(&o, tname, tip, 22, NULL);
		assert_int_equal(kiso_sshopts_parse(&o, chain, &err), 0);
		free(chain);
		assert_int_equal(o.n_jumps, 2);
		for (size_t i = 0; i < 2; i++) {
			struct kiso_conn_opts hop;
			kiso_conn_opts_for_jump(&hop, &o, i);
			hop.jump = i ? hops[i - 1] : NULL;
			hops[i] = kiso_conn_new(&hop);
			kiso_conn_opts_release(&hop);
			if (kiso_conn_open(hops[i]) < 0)
				fail_msg("hop %zu: %s", i, kiso_conn_error(hops[i])->msg);
		}
		o.jump = hops[1];
		c = kiso_conn_new(&o);
		if (kiso_conn_open(c) < 0)
			fail_msg("%s", kiso_conn_error(c)->msg);
		s = run_ok(c, "hostname");
		assert_string_equal(s, expect_t);
		free(s);
		s = run_ok(hops[1], "hostname");
		assert_string_equal(s, expect_j);
		free(s);
		kiso_conn_free(c);
		kiso_conn_free(hops[1]);
		kiso_conn_free(hops[0]);
		kiso_conn_opts_release(&o);
	}

	/* a target behind the jump host that is not there */
	lab_opts(&o, "ghost", tip, 2222, NULL);
	o.jump = jump;
	c = kiso_conn_new(&o);
	assert_int_equal(kiso_conn_open(c), KISO_EUNREACHABLE);
	s = kiso_xasprintf("cannot connect to 'ghost' (%s:2222) through '%s': ", tip, jname);
	assert_true(strncmp(kiso_conn_error(c)->msg, s, strlen(s)) == 0);
	free(s);
	kiso_conn_free(c);
	kiso_conn_opts_release(&o);

	/* the jump host still works for its own tasks */
	s = run_ok(jump, "hostname");
	assert_string_equal(s, expect_j);
	free(s);
	kiso_conn_free(jump);
	kiso_conn_opts_release(&jo);
	free(jip);
	free(tip);
}

static void test_engine_transport_ssh__become(void **state)
{
	struct kiso_conn *root = open_host(1, NULL), *c, *np;
	struct kiso_become pw = { "root", "s3cret p'w", NULL };
	struct kiso_become bad = { "root", "wrong", NULL };
	struct kiso_become nopw = { NULL, NULL, NULL };
	struct kiso_become to_user = { "kisopw", NULL, NULL };
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_write_opts wo = KISO_WRITE_OPTS_INIT;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_stat st;
	struct stat ust;
	char *s;

	/* kisopw: sudo with a password; kisonp: NOPASSWD */
	run_check(root,
		  "set -e; for u in kisopw kisonp; do id -u $u >/dev/null 2>&1 || useradd -m -s /bin/sh $u; "
		  "install -d -m 700 -o $u -g $u /home/$u/.ssh; "
		  "install -m 600 -o $u -g $u /root/.ssh/authorized_keys /home/$u/.ssh/authorized_keys; done; "
		  "printf '%s\\n' \"kisopw:s3cret p'w\" | chpasswd; "
		  "echo 'kisopw ALL=(ALL) ALL' > /etc/sudoers.d/kisopw; "
		  "echo 'kisonp ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/kisonp; "
		  "chmod 440 /etc/sudoers.d/kisopw /etc/sudoers.d/kisonp; "
		  "rm -rf /root/kb; mkdir -m 700 /root/kb");
	c = open_host(1, "kisopw");

	/* without become: SFTP as kisopw cannot see into /root */
	assert_int_equal(kiso_transport_stat(c, "/root/kb/x", 0, &st), KISO_EFAIL);
	assert_non_null(strstr(kiso_conn_error(c)->msg, "Permission denied"));
	kiso_conn_clear_error(c);

	kiso_conn_set_become(c, &pw);
	s = run_ok(c, "id -un");
	assert_string_equal(s, "root\n");
	free(s);
	/* stdin reaches the command intact; neither the password, sudo's
	 * prompt nor the marker leak into its output */
	{
		struct kiso_exec_req q = { .cmd = "cat; echo e >&2", .in = "payload\n", .in_len = 8 };
		assert_int_equal(kiso_transport_exec(c, &q, &r), 0);
		assert_string_equal(kiso_buf_cstr(&r.out), "payload\n");
		assert_string_equal(kiso_buf_cstr(&r.err), "e\n");
		assert_int_equal(r.status, 0);
	}
	/* the password is on no command line: sudo reads it from stdin */
	assert_int_equal(kiso_transport_run(c, "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; "
					 "echo; done 2>/dev/null | grep -c 's3cre[t]' || true", &r), 0);
	assert_string_equal(kiso_buf_cstr(&r.out), "0\n");

	/* file primitives under become */
	wo.mode = 0600;
	assert_int_equal(kiso_transport_write_atomic(c, "/root/kb/f", "secret\n", 7, &wo), 0);
	assert_int_equal(upper_stat(1, "/root/kb/f", &ust), 0);
	assert_int_equal(ust.st_uid, 0);
	assert_int_equal(ust.st_mode & 07777, 0600);
	assert_int_equal(kiso_transport_stat(c, "/root/kb/f", 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_REG);
	assert_int_equal(st.uid, 0);
	assert_int_equal(st.mode, 0600);
	assert_int_equal(st.size, 7);
	assert_int_equal(kiso_transport_stat(c, "/root/kb/none", 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_NONE);
	assert_int_equal(kiso_transport_read(c, "/root/kb/f", 0, &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "secret\n");
	kiso_buf_clear(&b);
	assert_int_equal(kiso_transport_read(c, "/root/kb/none", 0, &b), KISO_ENOTFOUND);
	kiso_conn_clear_error(c);
	/* keep owner/mode under become too */
	run_check(root, "chown 1234:2345 /root/kb/f && chmod 0640 /root/kb/f");
	assert_int_equal(kiso_transport_write_atomic(c, "/root/kb/f", "v2\n", 3, NULL), 0);
	assert_int_equal(upper_stat(1, "/root/kb/f", &ust), 0);
	assert_int_equal(ust.st_uid, 1234);
	assert_int_equal(ust.st_gid, 2345);
	assert_int_equal(ust.st_mode & 07777, 0640);
	s = upper_read(1, "/root/kb/f");
	assert_string_equal(s, "v2\n");
	free(s);
	assert_int_equal(kiso_transport_mkdir(c, "/root/kb/d", 0750), 0);
	assert_int_equal(upper_stat(1, "/root/kb/d", &ust), 0);
	assert_int_equal(ust.st_mode & 07777, 0750);
	assert_int_equal(kiso_transport_chown(c, "/root/kb/d", "kisopw", "kisopw", false), 0);
	assert_int_equal(kiso_transport_stat(c, "/root/kb/d", 0, &st), 0);
	assert_int_not_equal(st.uid, 0);
	assert_int_equal(kiso_transport_chmod(c, "/root/kb/d", 0700), 0);
	assert_int_equal(kiso_transport_symlink(c, "/root/kb/f", "/root/kb/l"), 0);
	assert_int_equal(kiso_transport_stat(c, "/root/kb/l", 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_LNK);
	assert_string_equal(st.link, "/root/kb/f");
	assert_int_equal(kiso_transport_readlink(c, "/root/kb/l", &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "/root/kb/f");
	assert_ok(c, kiso_transport_write_atomic(c, "/root/kb/g", "g", 1, NULL));
	assert_ok(c, kiso_transport_rename(c, "/root/kb/l", "/root/kb/g"));
	assert_int_equal(upper_stat(1, "/root/kb/g", &ust), 0);
	assert_true(S_ISLNK(ust.st_mode));
	assert_int_equal(upper_stat(1, "/root/kb/l", &ust), -1);
	assert_ok(c, kiso_transport_unlink(c, "/root/kb/g"));
	assert_ok(c, kiso_transport_unlink(c, "/root/kb/f"));
	assert_int_equal(kiso_transport_rmdir(c, "/root/kb/d"), 0);
	assert_int_equal(upper_stat(1, "/root/kb/d", &ust), -1);

	/* a command under become that times out is killed too (it is root's) */
	{
		struct kiso_exec_req q = { .cmd = "sleep 30 & echo $! > /root/kb/sleeper; wait",
					   .timeout_ms = 2000 };
		assert_int_equal(kiso_transport_exec(c, &q, &r), KISO_ETIMEOUT);
		kiso_conn_clear_error(c);
		s = run_ok(root, "sleep 0.2; kill -0 $(cat /root/kb/sleeper) 2>/dev/null && echo alive || echo gone");
		assert_string_equal(s, "gone\n");
		free(s);
	}

	/* a wrong password */
	kiso_conn_set_become(c, &bad);
	assert_int_equal(kiso_transport_run(c, "id -un", &r), KISO_EFAIL);
	assert_string_equal(kiso_conn_error(c)->msg, "incorrect sudo password for 'h1'");
	kiso_conn_clear_error(c);
	/* no password where one is needed: sudo -n says so */
	kiso_conn_set_become(c, &nopw);
	assert_int_equal(kiso_transport_run(c, "id -un", &r), 0);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(kiso_buf_cstr(&r.err), "password is required"));
	kiso_conn_set_become(c, NULL);
	s = run_ok(c, "id -un");
	assert_string_equal(s, "kisopw\n");
	free(s);

	/* NOPASSWD, with and without a password given; become_user */
	np = open_host(1, "kisonp");
	kiso_conn_set_become(np, &nopw);
	s = run_ok(np, "id -un");
	assert_string_equal(s, "root\n");
	free(s);
	kiso_conn_set_become(np, &pw);
	{
		struct kiso_exec_req q = { .cmd = "cat", .in = "only this", .in_len = 9 };
		assert_int_equal(kiso_transport_exec(np, &q, &r), 0);
		assert_string_equal(kiso_buf_cstr(&r.out), "only this");
	}
	kiso_conn_set_become(np, &to_user);
	s = run_ok(np, "id -un; echo $HOME");
	assert_string_equal(s, "kisopw\n/home/kisopw\n");
	free(s);

	kiso_buf_release(&b);
	kiso_exec_result_release(&r);
	kiso_conn_free(np);
	kiso_conn_free(c);
	kiso_conn_free(root);
}

/* KISO_BENCH=1: timings of every primitive, printed as TAP comments. */
static void test_engine_transport_ssh__bench(void **state)
{
	struct kiso_conn *c;
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_stat st;
	struct kiso_buf b = KISO_BUF_INIT;
	double t0, t;
	unsigned long sftp0, exec0;
	int n;

	if (!getenv("KISO_BENCH")) {
		print_message("# KISO_BENCH unset: timings not measured\n");
		return;
	}
	t0 = now();
	for (int i = 0; i < 10; i++)
		kiso_conn_free(open_host(1, NULL));
	print_message("# session setup (TCP, kex, host key, auth): %.2f ms\n",
		      (now() - t0) * 1e3 / 10);
	c = open_host(1, NULL);
	t0 = now();
	assert_int_equal(kiso_transport_stat(c, "/", 0, &st), 0);
	print_message("# first stat (starts SFTP): %.2f ms\n", (now() - t0) * 1e3);
	run_check(c, "mkdir -p /srv/kb && echo x > /srv/kb/f");

#define BENCH(label, count, expr) do {                                                   \
	sftp0 = c->n_sftp; exec0 = c->n_exec; t0 = now();                                \
	for (n = 0; n < (count); n++)                                                     \
		assert_int_equal((expr), 0);                                              \
	t = now() - t0;                                                                   \
	print_message("# %-34s %6.3f ms each (%d in %.2f s; %.1f SFTP requests, %.1f execs each)\n", \
		      label, t * 1e3 / (count), (count), t, (double)(c->n_sftp - sftp0) / (count), \
		      (double)(c->n_exec - exec0) / (count));                             \
} while (0)

	BENCH("stat", 1000, kiso_transport_stat(c, "/srv/kb/f", 0, &st));
	BENCH("exec 'true'", 100, kiso_transport_run(c, "true", &r));
	BENCH("read (2 bytes)", 200, (kiso_buf_clear(&b), kiso_transport_read(c, "/srv/kb/f", 0, &b)));
	BENCH("write_atomic, existing file", 100,
	      kiso_transport_write_atomic(c, "/srv/kb/f", "y\n", 2, NULL));
	BENCH("write_atomic, one command (shell)", 100,
	      kiso_shell_write_atomic(c, "/srv/kb/f", "y\n", 2,
				      &(struct kiso_write_opts)KISO_WRITE_OPTS_INIT));
	BENCH("chmod", 200, kiso_transport_chmod(c, "/srv/kb/f", 0644));
	BENCH("rename (new name)", 100,
	      kiso_transport_rename(c, n % 2 ? "/srv/kb/g" : "/srv/kb/f", n % 2 ? "/srv/kb/f" : "/srv/kb/g"));
	kiso_buf_release(&b);
	kiso_exec_result_release(&r);
	kiso_conn_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_transport_ssh__exec),
		cmocka_unit_test(test_engine_transport_ssh__file_primitives),
		cmocka_unit_test(test_engine_transport_ssh__write_atomic_keeps_owner_mode),
		cmocka_unit_test(test_engine_transport_ssh__write_atomic_is_atomic),
		cmocka_unit_test(test_engine_transport_ssh__known_hosts),
		cmocka_unit_test(test_engine_transport_ssh__auth),
		cmocka_unit_test(test_engine_transport_ssh__agent),
		cmocka_unit_test(test_engine_transport_ssh__hostkey_type_from_known_hosts),
		cmocka_unit_test(test_engine_transport_ssh__unreachable),
		cmocka_unit_test(test_engine_transport_ssh__jump),
		cmocka_unit_test(test_engine_transport_ssh__become),
		cmocka_unit_test(test_engine_transport_ssh__bench),
	};
	int rc, status;
	pid_t pid;

	if (lab_up() < 0) {
		lab_down();
		printf("not ok 1 - transport_ssh: cannot bring up the lab hosts\n");
		return 1;
	}
	/* the tests run in a child, so that the lab goes down even when one
	 * crashes (a sanitizer report aborts the process) */
	fflush(stdout);
	pid = fork();
	if (pid > 0) {
		/* whatever happens to the tests (^C, a closed pipe), the lab
		 * goes down: the parent outlives them */
		signal(SIGPIPE, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
	}
	if (pid == 0)
		exit(cmocka_run_group_tests(tests, NULL, NULL) ? 1 : 0);  /* exit: LeakSanitizer runs */
	rc = 1;
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	lab_down();
	return rc;
}
