/*
 * transport_shell.c - file primitives as one shell command each.
 *
 * Every primitive is exactly one exec (one channel on SSH: three round
 * trips), whatever it does remotely. The scripts set LC_ALL=C so that
 * messages can be matched, exit 44 for "not found" (a code no tool used
 * here returns) and print their own problem on stderr, which becomes the
 * error message.
 */
#include "kiso_common.h"
#include "transport_shell.h"

#include <errno.h>

#define NOTFOUND_STATUS 44

void kiso_path_split(const char *path, char **dir, char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*dir = kiso_xstrdup(".");
		*base = kiso_xstrdup(path);
	} else if (slash == path) {
		*dir = kiso_xstrdup("/");
		*base = kiso_xstrdup(slash + 1);
	} else {
		*dir = kiso_xstrndup(path, (size_t)(slash - path));
		*base = kiso_xstrdup(slash + 1);
	}
}

/* The last line of stderr, for a message. */
static const char *last_line(struct kiso_buf *b, char *tmp, size_t size)
{
	const char *s = kiso_buf_cstr(b);
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	size_t start = n;
	while (start && s[start - 1] != '\n')
		start--;
	if (n - start >= size)
		n = start + size - 1;
	memcpy(tmp, s + start, n - start);
	tmp[n - start] = '\0';
	if (!tmp[0])
		snprintf(tmp, size, "failed");
	return tmp;
}

/*
 * Runs script (data on stdin); 0 when it exited 0, else the mapped error
 * "cannot VERB 'path': <last stderr line>". res is released by the caller.
 */
static int run(struct kiso_conn *c, const char *script, const void *in, size_t in_len,
	       size_t out_max, struct kiso_exec_result *res, const char *verb, const char *path)
{
	struct kiso_exec_req req = {
		.cmd = script, .in = in, .in_len = in_len, .out_max = out_max,
		.err_max = 64 * 1024,
	};
	char line[512];
	int rc;

	if ((rc = c->ops->exec(c, &req, res)) < 0)
		return rc;
	if (res->status == 0)
		return 0;
	last_line(&res->err, line, sizeof(line));
	if (res->status == NOTFOUND_STATUS || strstr(kiso_buf_cstr(&res->err), "No such file or directory"))
		return kiso_conn_fail(c, KISO_ENOTFOUND, "cannot %s '%s': %s", verb, path,
				      strstr(line, "No such file") || res->status == NOTFOUND_STATUS
				      ? "No such file or directory" : line);
	return kiso_conn_fail(c, KISO_EFAIL, "cannot %s '%s': %s", verb, path, line);
}

/* "LC_ALL=C; export LC_ALL; p='path'; " */
static void prologue(struct kiso_buf *b, const char *var, const char *path)
{
	if (!b->len)
		kiso_buf_puts(b, "LC_ALL=C; export LC_ALL; ");
	kiso_buf_printf(b, "%s=", var);
	kiso_shell_quote(b, path);
	kiso_buf_puts(b, "; ");
}

static enum kiso_ftype type_of(unsigned long m)
{
	switch (m & 0170000) {
	case 0100000: return KISO_FT_REG;
	case 0040000: return KISO_FT_DIR;
	case 0120000: return KISO_FT_LNK;
	case 0020000: return KISO_FT_CHR;
	case 0060000: return KISO_FT_BLK;
	case 0010000: return KISO_FT_FIFO;
	case 0140000: return KISO_FT_SOCK;
	}
	return KISO_FT_OTHER;
}

int kiso_shell_stat(struct kiso_conn *c, const char *path, int flags, struct kiso_stat *out)
{
	struct kiso_buf s = KISO_BUF_INIT;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	unsigned long mode, uid, gid;
	unsigned long long size;
	long long mtime;
	int rc, n = 0;

	prologue(&s, "p", path);
	if (flags & KISO_STAT_FOLLOW)
		kiso_buf_puts(&s, "if [ -e \"$p\" ]; then exec stat -L -c '%f %u %g %s %Y' -- \"$p\"; "
			      "else echo none; fi");
	else
		kiso_buf_puts(&s, "if [ -e \"$p\" ] || [ -L \"$p\" ]; then "
			      "stat -c '%f %u %g %s %Y' -- \"$p\" || exit 1; "
			      "if [ -L \"$p\" ]; then exec readlink -- \"$p\"; fi; else echo none; fi");
	rc = run(c, kiso_buf_cstr(&s), NULL, 0, 2 * KISO_PATH_MAX, &res, "stat", path);
	if (rc < 0)
		goto out;
	memset(out, 0, sizeof(*out));
	const char *o = kiso_buf_cstr(&res.out);
	if (strcmp(o, "none\n") == 0)
		goto out;
	if (sscanf(o, "%lx %lu %lu %llu %lld%n", &mode, &uid, &gid, &size, &mtime, &n) != 5) {
		rc = kiso_conn_fail(c, KISO_EFAIL, "cannot stat '%s': unexpected output '%.80s'",
				    path, o);
		goto out;
	}
	out->type = type_of(mode);
	out->mode = (unsigned)(mode & 07777);
	out->uid = uid;
	out->gid = gid;
	out->size = size;
	out->mtime = mtime;
	if (out->type == KISO_FT_LNK) {
		const char *l = o + n;
		size_t len;

		if (*l == '\n')
			l++;
		len = strlen(l);
		if (len && l[len - 1] == '\n')
			len--;
		if (len >= sizeof(out->link))
			len = sizeof(out->link) - 1;
		memcpy(out->link, l, len);
		out->link[len] = '\0';
	}
out:
	kiso_buf_release(&s);
	kiso_exec_result_release(&res);
	return rc;
}

int kiso_shell_read(struct kiso_conn *c, const char *path, size_t max, struct kiso_buf *out)
{
	struct kiso_buf s = KISO_BUF_INIT;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	int rc;

	prologue(&s, "p", path);
	kiso_buf_printf(&s, "[ -e \"$p\" ] || exit %d; exec cat -- \"$p\"", NOTFOUND_STATUS);
	rc = run(c, kiso_buf_cstr(&s), NULL, 0, max, &res, "read", path);
	if (rc < 0)
		goto out;
	if (res.out.toobig) {
		rc = kiso_conn_fail(c, KISO_EFAIL, "'%s' is larger than %zu bytes", path, max);
		goto out;
	}
	if (res.out.len && kiso_buf_add(out, res.out.ptr, res.out.len) < 0)
		rc = kiso_conn_fail(c, KISO_EFAIL, "'%s' is larger than the buffer's cap", path);
out:
	kiso_buf_release(&s);
	kiso_exec_result_release(&res);
	return rc;
}

/*
 * The temp file is created by mktemp (mode 0600, O_EXCL) next to the
 * target, filled from stdin, given the target's owner/mode (or the asked
 * ones), fsync'd by `sync FILE` and renamed over the target by `mv -T`
 * (rename(2), atomic). The EXIT trap removes it on any failure.
 */
int kiso_shell_write_atomic(struct kiso_conn *c, const char *path, const void *data, size_t len,
			    const struct kiso_write_opts *o)
{
	struct kiso_buf s = KISO_BUF_INIT;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	int rc;

	prologue(&s, "p", path);
	if (o->follow)
		kiso_buf_puts(&s, "if [ -L \"$p\" ]; then p=$(readlink -f -- \"$p\") || exit 1; fi; ");
	kiso_buf_printf(&s,
		"case $p in */*) d=${p%%/*}; d=${d:-/};; *) d=.;; esac; b=${p##*/}; "
		"[ -d \"$d\" ] || { echo \"directory '$d' does not exist\" >&2; exit %d; }; "
		"if [ -d \"$p\" ] && [ ! -L \"$p\" ]; then echo \"'$p' is a directory\" >&2; exit 1; fi; "
		"t=$(mktemp -- \"$d/.$b.kiso-XXXXXX\") || exit 1; "
		"trap 'rm -f -- \"$t\"' EXIT; "
		"cat > \"$t\" || exit 1; ", NOTFOUND_STATUS);
	kiso_buf_puts(&s, "if [ -f \"$p\" ] && [ ! -L \"$p\" ]; then "
		      "chown --reference=\"$p\" -- \"$t\" && chmod --reference=\"$p\" -- \"$t\" || exit 1; "
		      "else chmod 0644 -- \"$t\" || exit 1; fi; ");
	if (o->owner || o->group) {
		kiso_buf_puts(&s, "chown -- ");
		struct kiso_buf og = KISO_BUF_INIT;
		kiso_buf_printf(&og, "%s%s%s", o->owner ? o->owner : "", o->group ? ":" : "",
				o->group ? o->group : "");
		kiso_shell_quote(&s, kiso_buf_cstr(&og));
		kiso_buf_release(&og);
		kiso_buf_puts(&s, " \"$t\" || exit 1; ");
	}
	if (o->mode != KISO_MODE_KEEP)
		kiso_buf_printf(&s, "chmod %04o -- \"$t\" || exit 1; ", (unsigned)o->mode);
	kiso_buf_puts(&s, "sync -- \"$t\" && mv -fT -- \"$t\" \"$p\" || exit 1; trap - EXIT");
	rc = run(c, kiso_buf_cstr(&s), data ? data : "", len, 4096, &res, "write", path);
	kiso_buf_release(&s);
	kiso_exec_result_release(&res);
	return rc;
}

/* One simple command: PREFIX 'a' ['b'] */
static int simple(struct kiso_conn *c, const char *pre, const char *cmd, const char *a,
		  const char *b, const char *verb)
{
	struct kiso_buf s = KISO_BUF_INIT;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	int rc;

	prologue(&s, "a", a);
	if (b)
		prologue(&s, "b", b);
	if (pre)
		kiso_buf_puts(&s, pre);
	kiso_buf_puts(&s, cmd);
	rc = run(c, kiso_buf_cstr(&s), NULL, 0, 64 * 1024, &res, verb, a);
	kiso_buf_release(&s);
	kiso_exec_result_release(&res);
	return rc;
}

int kiso_shell_mkdir(struct kiso_conn *c, const char *path, unsigned mode)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "exec mkdir -m %04o -- \"$a\"", mode & 07777);
	return simple(c, NULL, cmd, path, NULL, "create directory");
}

/* mv -T is rename(2) but for one refusal: it will not move a symlink onto
 * the very file it points to ("are the same file"). */
int kiso_shell_rename(struct kiso_conn *c, const char *from, const char *to)
{
	return simple(c, NULL, "exec mv -fT -- \"$a\" \"$b\"", from, to, "rename");
}

int kiso_shell_chmod(struct kiso_conn *c, const char *path, unsigned mode)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "[ -e \"$a\" ] || [ -L \"$a\" ] || exit %d; "
		 "if [ -L \"$a\" ]; then echo 'is a symlink' >&2; exit 1; fi; "
		 "exec chmod %04o -- \"$a\"", NOTFOUND_STATUS, mode & 07777);
	return simple(c, NULL, cmd, path, NULL, "chmod");
}

int kiso_shell_chown(struct kiso_conn *c, const char *path, const char *owner,
		     const char *group, bool follow)
{
	struct kiso_buf cmd = KISO_BUF_INIT;
	int rc;

	kiso_buf_printf(&cmd, "[ -e \"$a\" ] || [ -L \"$a\" ] || exit %d; ", NOTFOUND_STATUS);
	if (owner && *owner) {
		struct kiso_buf og = KISO_BUF_INIT;

		kiso_buf_printf(&og, "%s%s%s", owner, group && *group ? ":" : "",
				group && *group ? group : "");
		kiso_buf_printf(&cmd, "exec chown %s-- ", follow ? "" : "-h ");
		kiso_shell_quote(&cmd, kiso_buf_cstr(&og));
		kiso_buf_release(&og);
	} else {
		kiso_buf_printf(&cmd, "exec chgrp %s-- ", follow ? "" : "-h ");
		kiso_shell_quote(&cmd, group);
	}
	kiso_buf_puts(&cmd, " \"$a\"");
	rc = simple(c, NULL, kiso_buf_cstr(&cmd), path, NULL, "chown");
	kiso_buf_release(&cmd);
	return rc;
}

int kiso_shell_symlink(struct kiso_conn *c, const char *target, const char *linkpath)
{
	/* -T: an existing directory at linkpath is an error, not a parent */
	return simple(c, NULL, "exec ln -sT -- \"$b\" \"$a\"", linkpath, target, "create symlink");
}

int kiso_shell_readlink(struct kiso_conn *c, const char *path, struct kiso_buf *out)
{
	struct kiso_buf s = KISO_BUF_INIT;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	int rc;

	prologue(&s, "a", path);
	kiso_buf_printf(&s, "[ -e \"$a\" ] || [ -L \"$a\" ] || exit %d; "
			"[ -L \"$a\" ] || { echo 'not a symlink' >&2; exit 1; }; "
			"exec readlink -- \"$a\"", NOTFOUND_STATUS);
	rc = run(c, kiso_buf_cstr(&s), NULL, 0, 2 * KISO_PATH_MAX, &res, "readlink", path);
	if (rc == 0) {
		size_t n = res.out.len;

		if (n && res.out.ptr[n - 1] == '\n')
			n--;
		kiso_buf_add(out, res.out.ptr ? res.out.ptr : "", n);
	}
	kiso_buf_release(&s);
	kiso_exec_result_release(&res);
	return rc;
}

int kiso_shell_unlink(struct kiso_conn *c, const char *path)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "[ -e \"$a\" ] || [ -L \"$a\" ] || exit %d; "
		 "if [ -d \"$a\" ] && [ ! -L \"$a\" ]; then echo 'is a directory' >&2; exit 1; fi; "
		 "exec rm -f -- \"$a\"", NOTFOUND_STATUS);
	return simple(c, NULL, cmd, path, NULL, "remove");
}

int kiso_shell_rmdir(struct kiso_conn *c, const char *path)
{
	return simple(c, NULL, "exec rmdir -- \"$a\"", path, NULL, "remove directory");
}
