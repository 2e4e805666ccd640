/* Unit tests for engine/transport_local.c (and the wrappers in
 * engine/transport.c), under a temporary directory. */
#include "kiso_common.h"
#include "transport.h"

#include <dirent.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

struct fx {
	struct kiso_conn *c;
	char dir[64];
};

static int setup(void **state)
{
	struct fx *f = kiso_xcalloc(1, sizeof(*f));
	struct kiso_conn_opts o;

	kiso_conn_opts_init(&o);
	o.kind = KISO_CONN_LOCAL;
	kiso_conn_opts_set(&o.name, "localhost");
	f->c = kiso_conn_new(&o);
	kiso_conn_opts_release(&o);
	strcpy(f->dir, "/tmp/kiso-local-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (kiso_conn_open(f->c) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	kiso_conn_free(f->c);
	free(f);
	return 0;
}

static char *p(struct fx *f, const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", f->dir, name);
	return buf[i];
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Running (a zombie, which this machine's init reaps slowly, is dead). */
static bool alive(pid_t pid)
{
	char path[64], buf[512];
	FILE *f;
	char *close_paren;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z';
}

/* No ".NAME.kiso-*" temp file is left in the directory. */
static void assert_no_temp(struct fx *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, ".kiso-"));
	closedir(d);
}

static void test_engine_transport_local__exec(void **state)
{
	struct fx *f = *state;
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_exec_req q = { .cmd = "cat; echo oops >&2; exit 3", .in = "in\n", .in_len = 3 };

	assert_int_equal(kiso_transport_exec(f->c, &q, &r), 0);
	assert_int_equal(r.status, 3);
	assert_string_equal(kiso_buf_cstr(&r.out), "in\n");
	assert_string_equal(kiso_buf_cstr(&r.err), "oops\n");

	assert_int_equal(kiso_transport_run(f->c, "kill -TERM $$", &r), 0);
	assert_int_equal(r.status, 143);
	assert_string_equal(r.signal, "TERM");

	/* a command that does not read a big stdin: no SIGPIPE for us */
	{
		size_t n = 4u << 20;
		char *big = kiso_xmalloc(n);
		memset(big, 'a', n);
		struct kiso_exec_req q2 = { .cmd = "exit 0", .in = big, .in_len = n };
		assert_int_equal(kiso_transport_exec(f->c, &q2, &r), 0);
		assert_int_equal(r.status, 0);
		/* and one that does: all of it arrives */
		struct kiso_exec_req q3 = { .cmd = "wc -c", .in = big, .in_len = n };
		assert_int_equal(kiso_transport_exec(f->c, &q3, &r), 0);
		assert_int_equal(atol(kiso_buf_cstr(&r.out)), (long)n);
		free(big);
	}
	kiso_exec_result_release(&r);
}

static void test_engine_transport_local__output_cap_and_timeout(void **state)
{
	struct fx *f = *state;
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_exec_req q = { .cmd = "head -c 3000000 /dev/zero; echo done >&2",
				   .out_max = 1000 };
	double t0;

	assert_int_equal(kiso_transport_exec(f->c, &q, &r), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out.len, 1000);
	assert_true(r.out.toobig);
	assert_string_equal(kiso_buf_cstr(&r.err), "done\n");

	/* the output closed early, the command still running: still a timeout */
	struct kiso_exec_req quiet = { .cmd = "exec >/dev/null 2>&1; sleep 5", .timeout_ms = 300 };
	t0 = now();
	assert_int_equal(kiso_transport_exec(f->c, &quiet, &r), KISO_ETIMEOUT);
	assert_true(now() - t0 < 2.0);
	kiso_conn_clear_error(f->c);
	/* and without a timeout, its real exit status */
	struct kiso_exec_req late = { .cmd = "exec >/dev/null 2>&1; sleep 0.3; exit 5" };
	assert_int_equal(kiso_transport_exec(f->c, &late, &r), 0);
	assert_int_equal(r.status, 5);

	struct kiso_exec_req slow = { .cmd = "sleep 5; echo late", .timeout_ms = 200 };
	t0 = now();
	assert_int_equal(kiso_transport_exec(f->c, &slow, &r), KISO_ETIMEOUT);
	assert_true(now() - t0 < 2.0);
	assert_string_equal(kiso_conn_error(f->c)->msg,
			    "command timed out after 200 ms on 'localhost'");
	kiso_conn_clear_error(f->c);
	kiso_exec_result_release(&r);
}

static void test_engine_transport_local__write_atomic_modes(void **state)
{
	struct fx *f = *state;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_stat st;
	struct kiso_write_opts wo = KISO_WRITE_OPTS_INIT;
	mode_t old = umask(077);

	/* new file: 0644 whatever the umask */
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "a"), "one\n", 4, NULL), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "a"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_REG);
	assert_int_equal(st.mode, 0644);
	assert_int_equal(st.size, 4);
	assert_int_equal(st.uid, getuid());
	assert_int_equal(kiso_transport_read(f->c, p(f, "a"), 0, &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "one\n");

	/* existing mode kept, then an explicit one */
	assert_int_equal(chmod(p(f, "a"), 0600), 0);
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "a"), "two\n", 4, NULL), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "a"), 0, &st), 0);
	assert_int_equal(st.mode, 0600);
	wo.mode = 0751;
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "a"), "", 0, &wo), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "a"), 0, &st), 0);
	assert_int_equal(st.mode, 0751);
	assert_int_equal(st.size, 0);
	umask(old);

	/* a directory in the way, a missing directory */
	assert_int_equal(kiso_transport_write_atomic(f->c, f->dir, "x", 1, NULL), KISO_EFAIL);
	kiso_conn_clear_error(f->c);
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "no/such"), "x", 1, NULL),
			 KISO_ENOTFOUND);
	kiso_conn_clear_error(f->c);
	assert_no_temp(f);
	kiso_buf_release(&b);
}

static void test_engine_transport_local__write_atomic_symlinks(void **state)
{
	struct fx *f = *state;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_stat st;
	struct kiso_write_opts follow = KISO_WRITE_OPTS_INIT;

	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "target"), "T\n", 2, NULL), 0);
	assert_int_equal(kiso_transport_symlink(f->c, "target", p(f, "link")), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "link"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_LNK);
	assert_string_equal(st.link, "target");
	assert_int_equal(kiso_transport_stat(f->c, p(f, "link"), KISO_STAT_FOLLOW, &st), 0);
	assert_int_equal(st.type, KISO_FT_REG);
	assert_int_equal(st.size, 2);

	/* told to follow: the target changes, the link stays */
	follow.follow = true;
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "link"), "F\n", 2, &follow), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "link"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_LNK);
	assert_int_equal(kiso_transport_read(f->c, p(f, "target"), 0, &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "F\n");

	/* not told: the link itself is replaced, its target untouched */
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "link"), "L\n", 2, NULL), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "link"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_REG);
	kiso_buf_clear(&b);
	assert_int_equal(kiso_transport_read(f->c, p(f, "target"), 0, &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "F\n");

	/* a dangling link, followed: creates the target */
	assert_int_equal(kiso_transport_symlink(f->c, "newtarget", p(f, "dangling")), 0);
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "dangling"), "N\n", 2, &follow), 0);
	kiso_buf_clear(&b);
	assert_int_equal(kiso_transport_read(f->c, p(f, "newtarget"), 0, &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "N\n");
	kiso_buf_clear(&b);
	assert_int_equal(kiso_transport_readlink(f->c, p(f, "dangling"), &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "newtarget");
	assert_no_temp(f);
	kiso_buf_release(&b);
}

static void test_engine_transport_local__file_primitives(void **state)
{
	struct fx *f = *state;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_stat st;
	char uid[32];
	mode_t old = umask(077);

	/* stat of nothing is not an error */
	assert_int_equal(kiso_transport_stat(f->c, p(f, "none"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_NONE);
	assert_int_equal(kiso_conn_error(f->c)->code, 0);

	assert_int_equal(kiso_transport_mkdir(f->c, p(f, "d"), 02750), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "d"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_DIR);
	assert_int_equal(st.mode, 02750);
	umask(old);
	assert_int_equal(kiso_transport_mkdir(f->c, p(f, "d"), 0755), KISO_EFAIL);
	assert_non_null(strstr(kiso_conn_error(f->c)->msg, "File exists"));
	kiso_conn_clear_error(f->c);

	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "d/x"), "x", 1, NULL), 0);
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "y"), "y", 1, NULL), 0);
	/* rename replaces an existing file */
	assert_int_equal(kiso_transport_rename(f->c, p(f, "y"), p(f, "d/x")), 0);
	assert_int_equal(kiso_transport_read(f->c, p(f, "d/x"), 0, &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "y");
	assert_int_equal(kiso_transport_stat(f->c, p(f, "y"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_NONE);

	assert_int_equal(kiso_transport_chmod(f->c, p(f, "d/x"), 0604), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "d/x"), 0, &st), 0);
	assert_int_equal(st.mode, 0604);
	assert_int_equal(kiso_transport_symlink(f->c, "x", p(f, "d/l")), 0);
	assert_int_equal(kiso_transport_chmod(f->c, p(f, "d/l"), 0600), KISO_EFAIL);
	assert_string_equal(strrchr(kiso_conn_error(f->c)->msg, ':'), ": is a symlink");
	kiso_conn_clear_error(f->c);

	snprintf(uid, sizeof(uid), "%lu", (unsigned long)getuid());
	assert_int_equal(kiso_transport_chown(f->c, p(f, "d/l"), uid, NULL, false), 0);
	assert_int_equal(kiso_transport_chown(f->c, p(f, "d/x"), "no-such-user-kiso", NULL, true),
			 KISO_EFAIL);
	assert_string_equal(kiso_conn_error(f->c)->msg, "unknown user 'no-such-user-kiso'");
	kiso_conn_clear_error(f->c);

	kiso_buf_clear(&b);
	assert_int_equal(kiso_transport_readlink(f->c, p(f, "d/x"), &b), KISO_EFAIL);
	kiso_conn_clear_error(f->c);

	/* a file over the cap */
	kiso_buf_clear(&b);
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "big"), "0123456789", 10, NULL), 0);
	assert_int_equal(kiso_transport_read(f->c, p(f, "big"), 9, &b), KISO_EFAIL);
	assert_int_equal(b.len, 0);
	assert_non_null(strstr(kiso_conn_error(f->c)->msg, "is larger than 9 bytes"));
	kiso_conn_clear_error(f->c);
	assert_int_equal(kiso_transport_read(f->c, p(f, "nope"), 0, &b), KISO_ENOTFOUND);
	kiso_conn_clear_error(f->c);

	assert_int_equal(kiso_transport_rmdir(f->c, p(f, "d")), KISO_EFAIL);    /* not empty */
	kiso_conn_clear_error(f->c);
	assert_int_equal(kiso_transport_unlink(f->c, p(f, "d/l")), 0);
	assert_int_equal(kiso_transport_unlink(f->c, p(f, "d/x")), 0);
	assert_int_equal(kiso_transport_unlink(f->c, p(f, "d/x")), KISO_ENOTFOUND);
	kiso_conn_clear_error(f->c);
	assert_int_equal(kiso_transport_rmdir(f->c, p(f, "d")), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "d"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_NONE);
	assert_int_equal(kiso_transport_stat(f->c, "", 0, &st), KISO_EINVALID);
	kiso_conn_clear_error(f->c);
	kiso_buf_release(&b);
}

static void test_engine_transport_local__first_error_wins(void **state)
{
	struct fx *f = *state;
	struct kiso_buf b = KISO_BUF_INIT;

	assert_int_equal(kiso_transport_read(f->c, p(f, "first"), 0, &b), KISO_ENOTFOUND);
	assert_int_equal(kiso_transport_unlink(f->c, p(f, "second")), KISO_ENOTFOUND);
	assert_non_null(strstr(kiso_conn_error(f->c)->msg, "cannot read '"));
	assert_non_null(strstr(kiso_conn_error(f->c)->msg, "/first': No such file or directory"));
	assert_int_equal(kiso_conn_error(f->c)->code, KISO_ENOTFOUND);
	kiso_conn_clear_error(f->c);
	kiso_buf_release(&b);
}

/*
 * become through the local backend (sudo -n -u nobody). As root (how the
 * suite runs, CI included) sudo lets us through; otherwise sudo -n must
 * refuse cleanly, with its message in stderr and a failed status.
 */
static void test_engine_transport_local__become(void **state)
{
	struct fx *f = *state;
	struct kiso_become nobody = { "nobody", NULL, NULL };
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_exec_req q = { .cmd = "id -un; cat", .in = "through sudo\n", .in_len = 13 };
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_stat st;

	kiso_conn_set_become(f->c, &nobody);
	assert_int_equal(kiso_transport_exec(f->c, &q, &r), 0);
	if (getuid() != 0) {
		assert_int_not_equal(r.status, 0);
		assert_non_null(strstr(kiso_buf_cstr(&r.err), "sudo"));
		goto out;
	}
	assert_int_equal(r.status, 0);
	assert_string_equal(kiso_buf_cstr(&r.out), "nobody\nthrough sudo\n");
	assert_string_equal(kiso_buf_cstr(&r.err), "");

	/* the file primitives run as nobody too (transport_shell.c) */
	assert_int_equal(chown(f->dir, 65534, 65534), 0);
	assert_int_equal(kiso_transport_write_atomic(f->c, p(f, "n"), "x\n", 2, NULL), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "n"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_REG);
	assert_int_equal(st.uid, 65534);
	assert_int_equal(st.mode, 0644);
	assert_int_equal(kiso_transport_read(f->c, p(f, "n"), 0, &b), 0);
	assert_string_equal(kiso_buf_cstr(&b), "x\n");
	assert_int_equal(kiso_transport_mkdir(f->c, p(f, "d"), 0700), 0);
	assert_int_equal(kiso_transport_symlink(f->c, "n", p(f, "d/l")), 0);
	assert_int_equal(kiso_transport_stat(f->c, p(f, "d/l"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_LNK);
	assert_string_equal(st.link, "n");
	assert_int_equal(kiso_transport_stat(f->c, p(f, "none"), 0, &st), 0);
	assert_int_equal(st.type, KISO_FT_NONE);
	/* a timed-out command under become dies with its children */
	{
		struct kiso_exec_req t = { .cmd = NULL, .timeout_ms = 500 };
		char cmd[300], *end;
		FILE *pf;
		char line[32] = "";
		long spid;

		snprintf(cmd, sizeof(cmd), "cd '%s' || exit 1; sleep 30 & echo $! > sleeper; wait", f->dir);
		t.cmd = cmd;
		assert_int_equal(kiso_transport_exec(f->c, &t, &r), KISO_ETIMEOUT);
		kiso_conn_clear_error(f->c);
		pf = fopen(p(f, "sleeper"), "r");
		assert_non_null(pf);
		assert_non_null(fgets(line, sizeof(line), pf));
		fclose(pf);
		spid = strtol(line, &end, 10);
		assert_true(spid > 1);
		usleep(200 * 1000);
		assert_false(alive((pid_t)spid));
	}

	/* nobody may not chown to root */
	assert_int_equal(kiso_transport_chown(f->c, p(f, "n"), "root", NULL, false), KISO_EFAIL);
	assert_non_null(strstr(kiso_conn_error(f->c)->msg, "cannot chown '"));
	kiso_conn_clear_error(f->c);
	kiso_conn_set_become(f->c, NULL);
	/* as ourselves again: root sees nobody's files */
	assert_int_equal(kiso_transport_stat(f->c, p(f, "d"), 0, &st), 0);
	assert_int_equal(st.uid, 65534);
	assert_int_equal(st.mode, 0700);
out:
	kiso_conn_set_become(f->c, NULL);
	kiso_buf_release(&b);
	kiso_exec_result_release(&r);
}

static void test_engine_transport_local__fault_injection(void **state)
{
	struct fx *f = *state;
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_stat st;

	kiso_conn_fail_after(f->c, 2);
	assert_int_equal(kiso_transport_run(f->c, "true", &r), 0);
	assert_int_equal(kiso_transport_stat(f->c, f->dir, 0, &st), 0);
	assert_int_equal(kiso_transport_stat(f->c, f->dir, 0, &st), KISO_EUNREACHABLE);
	assert_string_equal(kiso_conn_error(f->c)->msg, "injected failure on 'localhost'");
	assert_int_equal(kiso_transport_run(f->c, "true", &r), KISO_EUNREACHABLE);
	kiso_conn_clear_error(f->c);
	kiso_conn_fail_after(f->c, -1);
	assert_int_equal(kiso_transport_run(f->c, "true", &r), 0);
	kiso_exec_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_transport_local__exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_transport_local__output_cap_and_timeout,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_transport_local__write_atomic_modes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_transport_local__write_atomic_symlinks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_transport_local__file_primitives,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_transport_local__first_error_wins,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_transport_local__become, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_transport_local__fault_injection,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
