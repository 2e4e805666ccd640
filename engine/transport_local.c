/*
 * transport_local.c - the remote primitives on this machine
 * (ansible_connection=local, implicit localhost): POSIX calls, commands
 * through /bin/sh -c.
 *
 * exec: stdin is a socketpair, not a pipe, so that a child that exits
 * without reading its input gives EPIPE to send(MSG_NOSIGNAL) instead of a
 * SIGPIPE that would kill kiso. The child gets its own process group; a
 * timeout kills the whole group.
 */
#include "kiso_common.h"
#include "transport.h"
#include "transport_shell.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int sys_fail(struct kiso_conn *c, int e, const char *verb, const char *path)
{
	return kiso_conn_fail(c, e == ENOENT ? KISO_ENOTFOUND : KISO_EFAIL, "cannot %s '%s': %s",
			      verb, path, strerror(e));
}

static int local_open(struct kiso_conn *c)
{
	(void)c;
	return 0;
}

static void local_close(struct kiso_conn *c)
{
	c->open = false;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGHUP: return "HUP";
	case SIGINT: return "INT";
	case SIGQUIT: return "QUIT";
	case SIGILL: return "ILL";
	case SIGABRT: return "ABRT";
	case SIGFPE: return "FPE";
	case SIGKILL: return "KILL";
	case SIGSEGV: return "SEGV";
	case SIGPIPE: return "PIPE";
	case SIGALRM: return "ALRM";
	case SIGTERM: return "TERM";
	case SIGUSR1: return "USR1";
	case SIGUSR2: return "USR2";
	}
	return "UNKNOWN";
}

static int local_exec(struct kiso_conn *c, const struct kiso_exec_req *req,
		      struct kiso_exec_result *out)
{
	struct kiso_buf cmd = KISO_BUF_INIT;
	struct kiso_become_filter bf;
	bool become = c->become && !req->no_become;
	int in[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	int timeout = req->timeout_ms ? req->timeout_ms : c->opts.command_timeout_ms;
	int64_t deadline = timeout > 0 ? now_ms() + timeout : 0;
	const char *data = req->in;
	size_t data_len = req->in ? req->in_len : 0, data_off = 0;
	char *pw = NULL;
	size_t pw_len = 0, pw_off = 0;
	bool data_ok;   /* may data be sent yet? */
	pid_t pid = -1;
	int rc = 0, status;

	memset(&bf, 0, sizeof(bf));
	out->out.max = req->out_max ? req->out_max : KISO_EXEC_OUT_MAX;
	out->err.max = req->err_max ? req->err_max : KISO_EXEC_OUT_MAX;
	if (become)
		kiso_become_wrap(&cmd, c->become, req->cmd, &bf);
	else
		kiso_buf_puts(&cmd, req->cmd);
	data_ok = !become || !bf.password;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	    pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		rc = kiso_conn_fail(c, KISO_EFAIL, "cannot run a command: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = kiso_conn_fail(c, KISO_EFAIL, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(in[1], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", kiso_buf_cstr(&cmd), (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(in[1]); in[1] = -1;
	close(po[1]); po[1] = -1;
	close(pe[1]); pe[1] = -1;
	fcntl(in[0], F_SETFL, O_NONBLOCK);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	if (!data_len && data_ok) {
		shutdown(in[0], SHUT_WR);
	}

	while (po[0] >= 0 || pe[0] >= 0) {
		struct pollfd p[3];
		int np = 0, wait_ms = -1, ip = -1, op = -1, ep = -1;
		bool want_write = in[0] >= 0 && ((pw && pw_off < pw_len) ||
						 (data_ok && data_off < data_len));

		if (want_write) { ip = np; p[np++] = (struct pollfd){ in[0], POLLOUT, 0 }; }
		if (po[0] >= 0) { op = np; p[np++] = (struct pollfd){ po[0], POLLIN, 0 }; }
		if (pe[0] >= 0) { ep = np; p[np++] = (struct pollfd){ pe[0], POLLIN, 0 }; }
		if (deadline) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				kill(-pid, SIGKILL);
				/* sudo runs its command in a session of its own */
				if (become && bf.pid > 1)
					kill(-(pid_t)bf.pid, SIGKILL);
				rc = kiso_conn_fail(c, KISO_ETIMEOUT,
						    "command timed out after %d ms on '%s'", timeout,
						    kiso_conn_label(c));
				goto out;
			}
			wait_ms = (int)left;
		}
		if (poll(p, (nfds_t)np, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			rc = kiso_conn_fail(c, KISO_EFAIL, "poll: %s", strerror(errno));
			goto out;
		}
		if (ip >= 0 && (p[ip].revents & (POLLOUT | POLLERR | POLLHUP))) {
			const char *src = pw && pw_off < pw_len ? pw + pw_off : data + data_off;
			size_t left = pw && pw_off < pw_len ? pw_len - pw_off : data_len - data_off;
			ssize_t n = send(in[0], src, left, MSG_NOSIGNAL);

			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				/* the command does not read its input: fine */
				close(in[0]); in[0] = -1;
			} else if (n > 0) {
				if (pw && pw_off < pw_len)
					pw_off += (size_t)n;
				else
					data_off += (size_t)n;
				if (data_ok && data_off == data_len && (!pw || pw_off == pw_len))
					shutdown(in[0], SHUT_WR);
			}
		}
		for (int k = 0; k < 2; k++) {
			int idx = k ? ep : op;
			int *fd = k ? &pe[0] : &po[0];
			char chunk[65536];
			ssize_t n;

			if (idx < 0 || !(p[idx].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fd, chunk, sizeof(chunk));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				close(*fd); *fd = -1;
				continue;
			}
			if (!k) {
				kiso_buf_add_capped(&out->out, chunk, (size_t)n);
			} else if (become) {
				bool send_pw = false;

				kiso_become_feed(&bf, chunk, (size_t)n, &out->err, &send_pw);
				if (send_pw && !pw) {
					pw = kiso_xasprintf("%s\n", bf.password);
					pw_len = strlen(pw);
				}
				if (bf.failed) {
					kill(-pid, SIGKILL);
					rc = kiso_conn_fail(c, KISO_EFAIL, "incorrect sudo password for '%s'",
							    kiso_conn_label(c));
					goto out;
				}
				if (bf.done && !data_ok) {
					data_ok = true;
					if (data_off == data_len && in[0] >= 0 && (!pw || pw_off == pw_len))
						shutdown(in[0], SHUT_WR);
				}
			} else {
				kiso_buf_add_capped(&out->err, chunk, (size_t)n);
			}
		}
	}
	if (become)
		kiso_become_finish(&bf, &out->err);
	/* the output is over, the command may not be (it closed its
	 * descriptors): wait for it within the timeout */
	for (int nap = 1;;) {
		pid_t r = waitpid(pid, &status, deadline ? WNOHANG : 0);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			rc = kiso_conn_fail(c, KISO_EFAIL, "waitpid: %s", strerror(errno));
			goto out;
		}
		if (r == 0 && now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			if (become && bf.pid > 1)
				kill(-(pid_t)bf.pid, SIGKILL);
			rc = kiso_conn_fail(c, KISO_ETIMEOUT, "command timed out after %d ms on '%s'",
					    timeout, kiso_conn_label(c));
			goto out;
		}
		if (r == 0) {
			usleep((useconds_t)nap * 1000);
			nap = nap < 20 ? nap * 2 : 20;
		}
	}
	pid = -1;
	if (WIFEXITED(status)) {
		out->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		out->status = 128 + WTERMSIG(status);
		snprintf(out->signal, sizeof(out->signal), "%s", signame(WTERMSIG(status)));
	}
	if (become && !bf.done && out->status != 0 && rc == 0 && bf.password && bf.prompts)
		rc = kiso_conn_fail(c, KISO_EFAIL, "incorrect sudo password for '%s'",
				    kiso_conn_label(c));
out:
	if (pid > 0) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	for (int k = 0; k < 2; k++) {
		if (in[k] >= 0) close(in[k]);
		if (po[k] >= 0) close(po[k]);
		if (pe[k] >= 0) close(pe[k]);
	}
	if (pw) {
		explicit_bzero(pw, pw_len);
		free(pw);
	}
	kiso_become_filter_release(&bf);
	kiso_buf_release(&cmd);
	c->n_exec++;
	return rc;
}

static enum kiso_ftype type_of(mode_t m)
{
	if (S_ISREG(m)) return KISO_FT_REG;
	if (S_ISDIR(m)) return KISO_FT_DIR;
	if (S_ISLNK(m)) return KISO_FT_LNK;
	if (S_ISCHR(m)) return KISO_FT_CHR;
	if (S_ISBLK(m)) return KISO_FT_BLK;
	if (S_ISFIFO(m)) return KISO_FT_FIFO;
	if (S_ISSOCK(m)) return KISO_FT_SOCK;
	return KISO_FT_OTHER;
}

static int local_stat(struct kiso_conn *c, const char *path, int flags, struct kiso_stat *out)
{
	struct stat st;
	int r = (flags & KISO_STAT_FOLLOW) ? stat(path, &st) : lstat(path, &st);

	memset(out, 0, sizeof(*out));
	if (r < 0) {
		if (errno == ENOENT)
			return 0;
		return sys_fail(c, errno, "stat", path);
	}
	out->type = type_of(st.st_mode);
	out->mode = st.st_mode & 07777;
	out->uid = st.st_uid;
	out->gid = st.st_gid;
	out->size = (uint64_t)st.st_size;
	out->mtime = st.st_mtime;
	if (out->type == KISO_FT_LNK) {
		ssize_t n = readlink(path, out->link, sizeof(out->link) - 1);
		out->link[n > 0 ? n : 0] = '\0';
	}
	return 0;
}

static int local_read(struct kiso_conn *c, const char *path, size_t max, struct kiso_buf *out)
{
	struct kiso_buf tmp = KISO_BUF_INIT;
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0)
		return sys_fail(c, errno, "read", path);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = sys_fail(c, errno, "read", path);
			goto out;
		}
		if (tmp.len + (size_t)n > max) {
			rc = kiso_conn_fail(c, KISO_EFAIL, "'%s' is larger than %zu bytes", path, max);
			goto out;
		}
		kiso_buf_add(&tmp, chunk, (size_t)n);
	}
	if (tmp.len && kiso_buf_add(out, tmp.ptr, tmp.len) < 0)
		rc = kiso_conn_fail(c, KISO_EFAIL, "'%s' is larger than the buffer's cap", path);
out:
	close(fd);
	kiso_buf_release(&tmp);
	return rc;
}

/* A user/group name or decimal id to an id; -1 when unknown. */
static int lookup_id(const char *s, bool group, unsigned long *out)
{
	char *end;
	char buf[16384];

	if (!s || !*s)
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*end && errno == 0) {
		*out = v;
		return 0;
	}
	if (group) {
		struct group g, *r = NULL;
		if (getgrnam_r(s, &g, buf, sizeof(buf), &r) != 0 || !r)
			return -1;
		*out = r->gr_gid;
	} else {
		struct passwd p, *r = NULL;
		if (getpwnam_r(s, &p, buf, sizeof(buf), &r) != 0 || !r)
			return -1;
		*out = r->pw_uid;
	}
	return 0;
}

static int resolve_owner(struct kiso_conn *c, const char *owner, const char *group,
			 uid_t *uid, gid_t *gid)
{
	unsigned long v;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (owner && *owner) {
		if (lookup_id(owner, false, &v) < 0)
			return kiso_conn_fail(c, KISO_EFAIL, "unknown user '%s'", owner);
		*uid = (uid_t)v;
	}
	if (group && *group) {
		if (lookup_id(group, true, &v) < 0)
			return kiso_conn_fail(c, KISO_EFAIL, "unknown group '%s'", group);
		*gid = (gid_t)v;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int local_write_atomic(struct kiso_conn *c, const char *path, const void *data,
			      size_t len, const struct kiso_write_opts *o)
{
	char *real = NULL, *dir = NULL, *base = NULL, *tmp = NULL;
	const char *target = path;
	struct stat st;
	bool exists;
	uid_t uid;
	gid_t gid;
	int fd = -1, dfd = -1, rc;
	mode_t mode;

	if ((rc = resolve_owner(c, o->owner, o->group, &uid, &gid)) < 0)
		return rc;
	if (o->follow && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		char buf[PATH_MAX];

		/* like readlink -f: the final target need not exist */
		if (!realpath(path, buf)) {
			char *d, *b, dbuf[PATH_MAX];
			char lnk[PATH_MAX];
			ssize_t n = readlink(path, lnk, sizeof(lnk) - 1);

			if (n < 0)
				return sys_fail(c, errno, "write", path);
			lnk[n] = '\0';
			if (lnk[0] == '/') {
				real = kiso_xstrdup(lnk);
			} else {
				kiso_path_split(path, &d, &b);
				real = kiso_xasprintf("%s/%s", d, lnk);
				free(d);
				free(b);
			}
			kiso_path_split(real, &d, &b);
			if (realpath(d, dbuf)) {
				free(real);
				real = kiso_xasprintf("%s/%s", strcmp(dbuf, "/") ? dbuf : "", b);
			}
			free(d);
			free(b);
		} else {
			real = kiso_xstrdup(buf);
		}
		target = real;
	}
	exists = lstat(target, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		rc = kiso_conn_fail(c, KISO_EFAIL, "cannot write '%s': Is a directory", target);
		goto out;
	}
	exists = exists && S_ISREG(st.st_mode);
	kiso_path_split(target, &dir, &base);
	tmp = kiso_xasprintf("%s/.%s.kiso-XXXXXX", dir, base);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		int e = errno;
		free(tmp);
		tmp = NULL;
		rc = sys_fail(c, e, "write", target);
		goto out;
	}
	if (write_all(fd, data, len) < 0)
		goto fail;
	mode = o->mode != KISO_MODE_KEEP ? (mode_t)o->mode : exists ? st.st_mode & 07777 : 0644;
	if (exists) {
		if (uid == (uid_t)-1)
			uid = st.st_uid;
		if (gid == (gid_t)-1)
			gid = st.st_gid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		goto fail;
	/* after fchown, which clears set-id bits */
	if (fchmod(fd, mode) < 0)
		goto fail;
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target) < 0)
		goto fail;
	free(tmp);
	tmp = NULL;
	/* make the rename itself durable */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
	goto out;
fail:
	rc = sys_fail(c, errno, "write", target);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(real);
	free(dir);
	free(base);
	return rc;
}

static int local_mkdir(struct kiso_conn *c, const char *path, unsigned mode)
{
	if (mkdir(path, 0700) < 0)
		return sys_fail(c, errno, "create directory", path);
	if (chmod(path, mode) < 0)
		return sys_fail(c, errno, "chmod", path);
	return 0;
}

static int local_rename(struct kiso_conn *c, const char *from, const char *to)
{
	if (rename(from, to) < 0)
		return sys_fail(c, errno, "rename", from);
	return 0;
}

static int local_chmod(struct kiso_conn *c, const char *path, unsigned mode)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return sys_fail(c, errno, "chmod", path);
	if (S_ISLNK(st.st_mode))
		return kiso_conn_fail(c, KISO_EFAIL, "cannot chmod '%s': is a symlink", path);
	if (chmod(path, mode) < 0)
		return sys_fail(c, errno, "chmod", path);
	return 0;
}

static int local_chown(struct kiso_conn *c, const char *path, const char *owner,
		       const char *group, bool follow)
{
	uid_t uid;
	gid_t gid;
	int rc;

	if ((rc = resolve_owner(c, owner, group, &uid, &gid)) < 0)
		return rc;
	if ((follow ? chown(path, uid, gid) : lchown(path, uid, gid)) < 0)
		return sys_fail(c, errno, "chown", path);
	return 0;
}

static int local_symlink(struct kiso_conn *c, const char *target, const char *linkpath)
{
	if (symlink(target, linkpath) < 0)
		return sys_fail(c, errno, "create symlink", linkpath);
	return 0;
}

static int local_readlink(struct kiso_conn *c, const char *path, struct kiso_buf *out)
{
	char buf[KISO_PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf));

	if (n < 0)
		return sys_fail(c, errno, "readlink", path);
	kiso_buf_add(out, buf, (size_t)n);
	return 0;
}

static int local_unlink(struct kiso_conn *c, const char *path)
{
	if (unlink(path) < 0)
		return sys_fail(c, errno, "remove", path);
	return 0;
}

static int local_rmdir(struct kiso_conn *c, const char *path)
{
	if (rmdir(path) < 0)
		return sys_fail(c, errno, "remove directory", path);
	return 0;
}

const struct kiso_transport_ops kiso_transport_local = {
	.name         = "local",
	.open         = local_open,
	.close        = local_close,
	.exec         = local_exec,
	.stat         = local_stat,
	.read         = local_read,
	.write_atomic = local_write_atomic,
	.mkdir        = local_mkdir,
	.rename       = local_rename,
	.chmod        = local_chmod,
	.chown        = local_chown,
	.symlink      = local_symlink,
	.readlink     = local_readlink,
	.unlink       = local_unlink,
	.rmdir        = local_rmdir,
};
