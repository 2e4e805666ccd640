/*
 * transport.c - connection options, the kiso_conn lifecycle and the
 * kiso_transport_* wrappers that dispatch to a backend.
 *
 * The wrappers are where become is decided: SFTP (and the local POSIX
 * calls) act as the login user, so under become every file primitive goes
 * through transport_shell.c, which runs coreutils commands with the
 * backend's exec (itself wrapped in sudo). Without become, the backend's own
 * file slots run.
 */
#include "kiso_common.h"
#include "transport.h"
#include "transport_shell.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <unistd.h>

void kiso_conn_opts_init(struct kiso_conn_opts *o)
{
	memset(o, 0, sizeof(*o));
}

void kiso_conn_opts_release(struct kiso_conn_opts *o)
{
	free(o->name);
	free(o->host);
	free(o->user);
	for (size_t i = 0; i < o->n_identities; i++)
		free(o->identities[i]);
	for (size_t i = 0; i < o->n_known_hosts; i++)
		free(o->known_hosts[i]);
	for (size_t i = 0; i < o->n_jumps; i++) {
		free(o->jumps[i].user);
		free(o->jumps[i].host);
	}
	kiso_conn_opts_init(o);
}

static char *dup_or_null(const char *s)
{
	return s ? kiso_xstrdup(s) : NULL;
}

void kiso_conn_opts_copy(struct kiso_conn_opts *dst, const struct kiso_conn_opts *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->host = dup_or_null(src->host);
	dst->user = dup_or_null(src->user);
	for (size_t i = 0; i < src->n_identities; i++)
		dst->identities[i] = kiso_xstrdup(src->identities[i]);
	for (size_t i = 0; i < src->n_known_hosts; i++)
		dst->known_hosts[i] = kiso_xstrdup(src->known_hosts[i]);
	for (size_t i = 0; i < src->n_jumps; i++) {
		dst->jumps[i].user = dup_or_null(src->jumps[i].user);
		dst->jumps[i].host = dup_or_null(src->jumps[i].host);
	}
}

void kiso_conn_opts_set(char **field, const char *value)
{
	char *old = *field;

	*field = dup_or_null(value);
	free(old);
}

int kiso_conn_opts_add_identity(struct kiso_conn_opts *o, const char *path)
{
	if (o->n_identities >= KISO_IDENTITIES_MAX)
		return -1;
	o->identities[o->n_identities++] = kiso_xstrdup(path);
	return 0;
}

int kiso_conn_opts_add_known_hosts(struct kiso_conn_opts *o, const char *path)
{
	if (o->n_known_hosts >= KISO_KNOWN_HOSTS_MAX)
		return -1;
	o->known_hosts[o->n_known_hosts++] = kiso_xstrdup(path);
	return 0;
}

void kiso_conn_opts_for_jump(struct kiso_conn_opts *out, const struct kiso_conn_opts *o,
			     size_t i)
{
	const struct kiso_jump_spec *j = &o->jumps[i];
	const char *user = j->user ? j->user : o->user;

	if (i >= o->n_jumps)
		KISO_BUG("jump %zu of %zu", i, o->n_jumps);
	kiso_conn_opts_init(out);
	out->kind = KISO_CONN_SSH;
	out->host = kiso_xstrdup(j->host);
	out->port = j->port;
	out->user = dup_or_null(user);
	out->name = kiso_xasprintf("%s%s%s:%d", user ? user : "", user ? "@" : "", j->host,
				   j->port ? j->port : 22);
	for (size_t k = 0; k < o->n_identities; k++)
		out->identities[k] = kiso_xstrdup(o->identities[k]);
	out->n_identities = o->n_identities;
	for (size_t k = 0; k < o->n_known_hosts; k++)
		out->known_hosts[k] = kiso_xstrdup(o->known_hosts[k]);
	out->n_known_hosts = o->n_known_hosts;
	out->no_default_known_hosts = o->no_default_known_hosts;
	out->no_default_identities = o->no_default_identities;
	out->hostkey = o->hostkey;
	out->connect_timeout_ms = o->connect_timeout_ms;
	out->command_timeout_ms = o->command_timeout_ms;
}

void kiso_exec_result_release(struct kiso_exec_result *r)
{
	kiso_buf_release(&r->out);
	kiso_buf_release(&r->err);
	r->status = -1;
	r->signal[0] = '\0';
}

const char *kiso_ftype_name(enum kiso_ftype t)
{
	switch (t) {
	case KISO_FT_NONE: return "absent";
	case KISO_FT_REG: return "file";
	case KISO_FT_DIR: return "directory";
	case KISO_FT_LNK: return "link";
	case KISO_FT_CHR: return "chr";
	case KISO_FT_BLK: return "blk";
	case KISO_FT_FIFO: return "fifo";
	case KISO_FT_SOCK: return "socket";
	case KISO_FT_OTHER: return "other";
	}
	return "other";
}

/* ------------------------------------------------------------------ */

struct kiso_conn *kiso_conn_new(const struct kiso_conn_opts *opts)
{
	struct kiso_conn *c = kiso_xcalloc(1, sizeof(*c));

	kiso_conn_opts_copy(&c->opts, opts);
	c->fail_after = -1;
	if (!c->opts.connect_timeout_ms)
		c->opts.connect_timeout_ms = KISO_CONNECT_TIMEOUT_MS;
	c->ops = opts->kind == KISO_CONN_LOCAL ? &kiso_transport_local : &kiso_transport_ssh;
	return c;
}

int kiso_conn_open(struct kiso_conn *c)
{
	int rc;

	if (c->open)
		return 0;
	if (c->opts.kind == KISO_CONN_SSH && !c->opts.host && !c->opts.name)
		return kiso_conn_fail(c, KISO_EINVALID, "no host to connect to");
	if ((rc = c->ops->open(c)) < 0)
		return rc;
	c->open = true;
	return 0;
}

void kiso_conn_free(struct kiso_conn *c)
{
	if (!c)
		return;
	c->ops->close(c);
	kiso_conn_opts_release(&c->opts);
	free(c);
}

const struct kiso_error *kiso_conn_error(const struct kiso_conn *c)
{
	return &c->err;
}

void kiso_conn_clear_error(struct kiso_conn *c)
{
	kiso_error_clear(&c->err);
}

void kiso_conn_set_become(struct kiso_conn *c, const struct kiso_become *b)
{
	c->become = b;
}

int kiso_conn_fail(struct kiso_conn *c, int code, const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kiso_error_set(&c->err, code ? code : KISO_EFAIL, KISO_POS_NONE, "%s", msg);
}

const char *kiso_conn_label(const struct kiso_conn *c)
{
	if (c->opts.name)
		return c->opts.name;
	if (c->opts.host)
		return c->opts.host;
	return "localhost";
}

/* ------------------------------------------------------------------ */
/* Wrappers                                                             */

static int not_open(struct kiso_conn *c)
{
	return kiso_conn_fail(c, KISO_EUNREACHABLE, "connection to '%s' is not open",
			      kiso_conn_label(c));
}

void kiso_conn_fail_after(struct kiso_conn *c, long n)
{
	c->fail_after = n < 0 ? -1 : n;
}

static bool injected(struct kiso_conn *c)
{
	if (c->fail_after < 0)
		return false;
	if (c->fail_after > 0) {
		c->fail_after--;
		return false;
	}
	return true;
}

#define CHECK_OPEN(c) do {                                                     \
	if (!(c)->open)                                                         \
		return not_open(c);                                             \
	if (injected(c))                                                        \
		return kiso_conn_fail((c), KISO_EUNREACHABLE,                   \
				      "injected failure on '%s'", kiso_conn_label(c)); \
} while (0)
#define CHECK_PATH(c, p) do { if (!(p) || !*(p)) \
	return kiso_conn_fail((c), KISO_EINVALID, "empty path"); } while (0)

static bool use_shell(const struct kiso_conn *c)
{
	return c->become != NULL;
}

int kiso_transport_exec(struct kiso_conn *c, const struct kiso_exec_req *req,
			struct kiso_exec_result *out)
{
	CHECK_OPEN(c);
	if (!req->cmd)
		KISO_BUG("exec without a command");
	kiso_exec_result_release(out);
	return c->ops->exec(c, req, out);
}

int kiso_transport_run(struct kiso_conn *c, const char *cmd, struct kiso_exec_result *out)
{
	struct kiso_exec_req req = { .cmd = cmd };

	return kiso_transport_exec(c, &req, out);
}

int kiso_transport_stat(struct kiso_conn *c, const char *path, int flags,
			struct kiso_stat *out)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	memset(out, 0, sizeof(*out));
	if (use_shell(c))
		return kiso_shell_stat(c, path, flags, out);
	return c->ops->stat(c, path, flags, out);
}

int kiso_transport_read(struct kiso_conn *c, const char *path, size_t max,
			struct kiso_buf *out)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	if (!max)
		max = KISO_READ_MAX;
	if (use_shell(c))
		return kiso_shell_read(c, path, max, out);
	return c->ops->read(c, path, max, out);
}

int kiso_transport_write_atomic(struct kiso_conn *c, const char *path, const void *data,
				size_t len, const struct kiso_write_opts *o)
{
	static const struct kiso_write_opts defaults = KISO_WRITE_OPTS_INIT;

	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	if (!o)
		o = &defaults;
	if (o->mode != KISO_MODE_KEEP && (o->mode < 0 || o->mode > 07777))
		return kiso_conn_fail(c, KISO_EINVALID, "invalid mode %o for '%s'", o->mode, path);
	if (use_shell(c))
		return kiso_shell_write_atomic(c, path, data, len, o);
	return c->ops->write_atomic(c, path, data, len, o);
}

int kiso_transport_mkdir(struct kiso_conn *c, const char *path, unsigned mode)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	if (use_shell(c))
		return kiso_shell_mkdir(c, path, mode & 07777);
	return c->ops->mkdir(c, path, mode & 07777);
}

int kiso_transport_rename(struct kiso_conn *c, const char *from, const char *to)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, from);
	CHECK_PATH(c, to);
	if (use_shell(c))
		return kiso_shell_rename(c, from, to);
	return c->ops->rename(c, from, to);
}

int kiso_transport_chmod(struct kiso_conn *c, const char *path, unsigned mode)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	if (use_shell(c))
		return kiso_shell_chmod(c, path, mode & 07777);
	return c->ops->chmod(c, path, mode & 07777);
}

int kiso_transport_chown(struct kiso_conn *c, const char *path, const char *owner,
			 const char *group, bool follow)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	if ((!owner || !*owner) && (!group || !*group))
		return 0;
	if (use_shell(c))
		return kiso_shell_chown(c, path, owner, group, follow);
	return c->ops->chown(c, path, owner, group, follow);
}

int kiso_transport_symlink(struct kiso_conn *c, const char *target, const char *linkpath)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, target);
	CHECK_PATH(c, linkpath);
	if (use_shell(c))
		return kiso_shell_symlink(c, target, linkpath);
	return c->ops->symlink(c, target, linkpath);
}

int kiso_transport_readlink(struct kiso_conn *c, const char *path, struct kiso_buf *out)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	if (use_shell(c))
		return kiso_shell_readlink(c, path, out);
	return c->ops->readlink(c, path, out);
}

int kiso_transport_unlink(struct kiso_conn *c, const char *path)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	if (use_shell(c))
		return kiso_shell_unlink(c, path);
	return c->ops->unlink(c, path);
}

int kiso_transport_rmdir(struct kiso_conn *c, const char *path)
{
	CHECK_OPEN(c);
	CHECK_PATH(c, path);
	if (use_shell(c))
		return kiso_shell_rmdir(c, path);
	return c->ops->rmdir(c, path);
}

/* ------------------------------------------------------------------ */
/* Shell quoting and become                                             */

void kiso_shell_quote(struct kiso_buf *b, const char *s)
{
	kiso_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			kiso_buf_puts(b, "'\\''");
		else
			kiso_buf_putc(b, *s);
	}
	kiso_buf_putc(b, '\'');
}

void kiso_buf_add_capped(struct kiso_buf *b, const void *p, size_t n)
{
	size_t room;

	if (b->toobig || !n)
		return;
	if (!b->max || b->len + n <= b->max) {
		kiso_buf_add(b, p, n);
		return;
	}
	room = b->max - b->len;
	if (room)
		kiso_buf_add(b, p, room);
	b->toobig = true;
}

/*
 * The prompt and the marker are unique per call (a counter and the pid),
 * so neither a file's content nor a command's output can fake them by
 * accident: "[kiso-sudo-prompt-1234-7]" and "kiso-become-ok-1234-7".
 */
void kiso_become_wrap(struct kiso_buf *b, const struct kiso_become *become, const char *cmd,
		      struct kiso_become_filter *f)
{
	static atomic_ulong seq;
	unsigned long n = atomic_fetch_add(&seq, 1);
	const char *user = become->user && *become->user ? become->user : "root";
	const char *flags = become->flags;
	bool pw = become->password != NULL;

	memset(f, 0, sizeof(*f));
	snprintf(f->prompt, sizeof(f->prompt), "[kiso-sudo-prompt-%ld-%lu]", (long)getpid(), n);
	snprintf(f->marker, sizeof(f->marker), "kiso-become-ok-%ld-%lu", (long)getpid(), n);
	f->password = become->password;
	if (!flags)
		flags = pw ? "-H -S" : "-H -S -n";
	kiso_buf_printf(b, "sudo %s ", flags);
	if (pw) {
		kiso_buf_puts(b, "-p ");
		kiso_shell_quote(b, f->prompt);
		kiso_buf_putc(b, ' ');
	}
	kiso_buf_puts(b, "-u ");
	kiso_shell_quote(b, user);
	kiso_buf_printf(b, " /bin/sh -c 'echo %s $$ >&2; exec /bin/sh -c \"$1\"' kiso ", f->marker);
	kiso_shell_quote(b, cmd);
}

void kiso_become_feed(struct kiso_become_filter *f, const char *p, size_t n,
		      struct kiso_buf *err, bool *send_pw)
{
	*send_pw = false;
	if (f->done || f->failed) {
		kiso_buf_add_capped(err, p, n);
		return;
	}
	kiso_buf_add(&f->pending, p, n);
	for (;;) {
		const char *s = kiso_buf_cstr(&f->pending);
		const char *m = strstr(s, f->marker);
		const char *q = f->password ? strstr(s, f->prompt) : NULL;

		if (m && (!q || m < q)) {
			const char *rest = m + strlen(f->marker);
			const char *nl = strchr(rest, '\n');

			if (!nl)
				return;         /* the pid is not all there yet */
			if (*rest == ' ')
				f->pid = strtol(rest + 1, NULL, 10);
			rest = nl + 1;
			/* what came before the marker is sudo's (a lecture): dropped */
			f->done = true;
			kiso_buf_add_capped(err, rest, f->pending.len - (size_t)(rest - s));
			kiso_buf_release(&f->pending);
			return;
		}
		if (!q)
			return;
		/* a prompt: drop it from pending and answer (once) */
		{
			size_t off = (size_t)(q - s) + strlen(f->prompt);
			size_t left = f->pending.len - off;
			char *tail = kiso_xstrndup(s + off, left);

			kiso_buf_clear(&f->pending);
			kiso_buf_add(&f->pending, tail, left);
			free(tail);
		}
		if (++f->prompts > 1) {
			f->failed = true;
			return;
		}
		*send_pw = true;
	}
}

void kiso_become_finish(struct kiso_become_filter *f, struct kiso_buf *err)
{
	if (f->pending.len)
		kiso_buf_add_capped(err, f->pending.ptr, f->pending.len);
	kiso_buf_release(&f->pending);
}

void kiso_become_filter_release(struct kiso_become_filter *f)
{
	kiso_buf_release(&f->pending);
}
