/*
 * fileattr.c - mode/owner/group, backups, validate and checksums for the
 * file modules (fileattr.h). The symbolic mode code follows
 * AnsibleModule._symbolic_mode_to_octal() line by line: 'X', 'u'/'g'/'o'
 * copies and the x-bit test look at the path's ORIGINAL mode, not at the
 * mode being built, as Ansible does.
 */
#include "kiso_common.h"
#include "fileattr.h"
#include "arena.h"
#include "diff.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int kiso_fattr_conn_fail(struct kiso_task *t, int rc)
{
	const struct kiso_error *e = kiso_conn_error(t->conn);

	if (e->code)
		rc = kiso_task_fail(t, e->code, "%s", e->msg);
	else
		rc = kiso_task_fail(t, rc, "transport failed");
	kiso_conn_clear_error(t->conn);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Modes                                                                */

static unsigned perms_for(char user, const char *perms, size_t n, bool use_umask, unsigned prev,
			  bool is_dir)
{
	unsigned rev = KISO_UMASK ^ 07777u, m = 0;
	bool apply_x = is_dir || (prev & 0111u);

	for (size_t i = 0; i < n; i++) {
		char p = perms[i];
		unsigned r = 0;

		switch (user) {
		case 'u':
			switch (p) {
			case 'r': r = use_umask ? rev & S_IRUSR : S_IRUSR; break;
			case 'w': r = use_umask ? rev & S_IWUSR : S_IWUSR; break;
			case 'x': r = use_umask ? rev & S_IXUSR : S_IXUSR; break;
			case 'X': r = apply_x ? S_IXUSR : 0; break;
			case 's': r = S_ISUID; break;
			case 't': r = 0; break;
			case 'u': r = prev & S_IRWXU; break;
			case 'g': r = (prev & S_IRWXG) << 3; break;
			case 'o': r = (prev & S_IRWXO) << 6; break;
			}
			break;
		case 'g':
			switch (p) {
			case 'r': r = use_umask ? rev & S_IRGRP : S_IRGRP; break;
			case 'w': r = use_umask ? rev & S_IWGRP : S_IWGRP; break;
			case 'x': r = use_umask ? rev & S_IXGRP : S_IXGRP; break;
			case 'X': r = apply_x ? S_IXGRP : 0; break;
			case 's': r = S_ISGID; break;
			case 't': r = 0; break;
			case 'u': r = (prev & S_IRWXU) >> 3; break;
			case 'g': r = prev & S_IRWXG; break;
			case 'o': r = (prev & S_IRWXO) << 3; break;
			}
			break;
		default: /* 'o' */
			switch (p) {
			case 'r': r = use_umask ? rev & S_IROTH : S_IROTH; break;
			case 'w': r = use_umask ? rev & S_IWOTH : S_IWOTH; break;
			case 'x': r = use_umask ? rev & S_IXOTH : S_IXOTH; break;
			case 'X': r = apply_x ? S_IXOTH : 0; break;
			case 's': r = 0; break;
			case 't': r = S_ISVTX; break;
			case 'u': r = (prev & S_IRWXU) >> 6; break;
			case 'g': r = (prev & S_IRWXG) >> 3; break;
			case 'o': r = prev & S_IRWXO; break;
			}
			break;
		}
		m |= r;
	}
	return m;
}

static unsigned apply_op(char user, char op, unsigned apply, unsigned cur)
{
	unsigned mask;

	if (op == '=') {
		mask = user == 'u' ? (S_IRWXU | S_ISUID)
		     : user == 'g' ? (S_IRWXG | S_ISGID) : (S_IRWXO | S_ISVTX);
		return (cur & (mask ^ 07777u)) | apply;
	}
	if (op == '+')
		return cur | apply;
	return cur - (cur & apply);
}

/* One comma-separated clause; false when malformed. */
static bool symbolic_clause(unsigned *mode, const char *s, size_t n, unsigned prev, bool is_dir)
{
	size_t i = 0, ustart, uend;
	char users[4] = "ugo";
	bool use_umask;

	while (i < n && s[i] != '+' && s[i] != '-' && s[i] != '=')
		i++;
	ustart = 0;
	uend = i;
	use_umask = uend == ustart;
	if (!(uend == 0 || (uend == 1 && s[0] == 'a'))) {
		if (uend > 3)
			return false;
		memcpy(users, s, uend);
		users[uend] = '\0';
		for (size_t k = 0; k < uend; k++)
			if (!strchr("ugo", s[k]))
				return false;
	}
	if (i == n)
		return true; /* no operator: no permission list, nothing to do (Ansible) */
	while (i < n) {
		char op = s[i++];
		size_t ps = i;

		while (i < n && s[i] != '+' && s[i] != '-' && s[i] != '=')
			i++;
		for (size_t k = ps; k < i; k++)
			if (!strchr("rwxXstugo", s[k]))
				return false;
		for (const char *u = users; *u; u++)
			*mode = apply_op(*u, op, perms_for(*u, s + ps, i - ps, use_umask, prev, is_dir),
					 *mode);
	}
	return true;
}

static bool octal_string(const char *s, unsigned long *out)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		s += 2;
	if (!*s || !strchr("01234567", *s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 8);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return !*end && errno == 0;
}

int kiso_fattr_mode(unsigned *out, bool *set, struct kiso_task *t, const struct kiso_value *mode,
		    unsigned cur, bool is_dir)
{
	unsigned long m;

	*set = false;
	if (!mode)
		return 0;
	if (mode->type == KISO_INT || mode->type == KISO_BOOL) {
		int64_t i = mode->type == KISO_INT ? mode->u.i : mode->u.b;

		if (i < 0 || i > 07777)
			return kiso_task_fail(t, KISO_EINVALID,
					      "Invalid mode supplied, only permission info is allowed");
		*out = (unsigned)i;
		*set = true;
		return 0;
	}
	if (mode->type != KISO_STR)
		return kiso_task_fail(t, KISO_EINVALID, "mode must be in octal or symbolic form");
	if (octal_string(mode->u.s.ptr, &m)) {
		if (m > 07777)
			return kiso_task_fail(t, KISO_EINVALID,
					      "Invalid mode supplied, only permission info is allowed");
		*out = (unsigned)m;
		*set = true;
		return 0;
	}
	{
		const char *s = mode->u.s.ptr;
		unsigned nm = cur & 07777u;

		for (;;) {
			const char *c = strchr(s, ',');
			size_t n = c ? (size_t)(c - s) : strlen(s);

			if (!symbolic_clause(&nm, s, n, cur & 07777u, is_dir))
				return kiso_task_fail(t, KISO_EINVALID,
						      "mode must be in octal or symbolic form");
			if (!c)
				break;
			s = c + 1;
		}
		*out = nm & 07777u;
		*set = true;
	}
	return 0;
}

const char *kiso_fattr_mode_str(struct kiso_task *t, unsigned mode)
{
	return kiso_arena_sprintf(t->arena, "0%03o", mode);
}

/* ------------------------------------------------------------------ */
/* Owners                                                               */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int kiso_fattr_init(struct kiso_fattr *out, struct kiso_task *t)
{
	struct kiso_buf cmd = KISO_BUF_INIT;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	bool need_u, need_g;
	int rc = 0;

	out->mode = kiso_arg(t, "mode");
	out->owner = kiso_arg_str(t, "owner");
	out->group = kiso_arg_str(t, "group");
	out->uid = out->gid = -1;
	if (out->owner && all_digits(out->owner))
		out->uid = strtol(out->owner, NULL, 10);
	if (out->group && all_digits(out->group))
		out->gid = strtol(out->group, NULL, 10);
	need_u = out->owner && out->uid < 0;
	need_g = out->group && out->gid < 0;
	if (!need_u && !need_g)
		return 0;
	/* one command for both: "UID\nGID\n", an empty line for unknown */
	kiso_buf_puts(&cmd, "u=; g=; ");
	if (need_u) {
		kiso_buf_puts(&cmd, "u=$(getent passwd ");
		kiso_shell_quote(&cmd, out->owner);
		kiso_buf_puts(&cmd, " | cut -d: -f3); ");
	}
	if (need_g) {
		kiso_buf_puts(&cmd, "g=$(getent group ");
		kiso_shell_quote(&cmd, out->group);
		kiso_buf_puts(&cmd, " | cut -d: -f3); ");
	}
	kiso_buf_puts(&cmd, "printf '%s\\n%s\\n' \"$u\" \"$g\"");
	if ((rc = kiso_transport_run(t->conn, cmd.ptr, &res)) < 0) {
		rc = kiso_fattr_conn_fail(t, rc);
		goto out;
	}
	{
		const char *s = kiso_buf_cstr(&res.out);
		const char *nl = strchr(s, '\n');

		if (need_u) {
			if (!nl || nl == s || !all_digits(kiso_arena_strndup(t->arena, s,
									   (size_t)(nl - s)))) {
				rc = kiso_task_fail(t, KISO_EFAIL,
						    "chown failed: failed to look up user %s",
						    out->owner);
				goto out;
			}
			out->uid = strtol(s, NULL, 10);
		}
		if (need_g) {
			const char *g = nl ? nl + 1 : "";
			const char *e = strchr(g, '\n');

			if (!e || e == g || !all_digits(kiso_arena_strndup(t->arena, g,
									  (size_t)(e - g)))) {
				rc = kiso_task_fail(t, KISO_EFAIL,
						    "chgrp failed: failed to look up group %s",
						    out->group);
				goto out;
			}
			out->gid = strtol(g, NULL, 10);
		}
	}
out:
	kiso_buf_release(&cmd);
	kiso_exec_result_release(&res);
	return rc;
}

int kiso_fattr_check(struct kiso_task *t, const struct kiso_fattr *fa, const struct kiso_stat *st,
		     bool *changed, unsigned *mode_out, struct kiso_value *before,
		     struct kiso_value *after)
{
	unsigned m = st->mode;
	bool set;
	int rc;

	if (fa->uid >= 0 && (unsigned long)fa->uid != st->uid) {
		*changed = true;
		if (before)
			kiso_map_set(t->arena, before, "owner", kiso_int(t->arena, (int64_t)st->uid, t->pos));
		if (after)
			kiso_map_set(t->arena, after, "owner", kiso_int(t->arena, fa->uid, t->pos));
	}
	if (fa->gid >= 0 && (unsigned long)fa->gid != st->gid) {
		*changed = true;
		if (before)
			kiso_map_set(t->arena, before, "group", kiso_int(t->arena, (int64_t)st->gid, t->pos));
		if (after)
			kiso_map_set(t->arena, after, "group", kiso_int(t->arena, fa->gid, t->pos));
	}
	if ((rc = kiso_fattr_mode(&m, &set, t, fa->mode, st->mode, st->type == KISO_FT_DIR)) < 0)
		return rc;
	/* Linux cannot chmod a symlink itself: nothing to compare */
	if (set && st->type != KISO_FT_LNK && m != st->mode) {
		*changed = true;
		if (before)
			kiso_map_set(t->arena, before, "mode",
				     kiso_str(t->arena, kiso_fattr_mode_str(t, st->mode), t->pos));
		if (after)
			kiso_map_set(t->arena, after, "mode",
				     kiso_str(t->arena, kiso_fattr_mode_str(t, m), t->pos));
	}
	if (mode_out)
		*mode_out = set ? m : st->mode;
	return 0;
}

int kiso_fattr_apply(struct kiso_task *t, const struct kiso_fattr *fa, const char *path,
		     const struct kiso_stat *st, bool follow)
{
	const char *owner = NULL, *group = NULL;
	unsigned m;
	bool set;
	int rc;

	if (fa->uid >= 0 && (unsigned long)fa->uid != st->uid)
		owner = kiso_arena_sprintf(t->arena, "%ld", fa->uid);
	if (fa->gid >= 0 && (unsigned long)fa->gid != st->gid)
		group = kiso_arena_sprintf(t->arena, "%ld", fa->gid);
	if ((owner || group) &&
	    (rc = kiso_transport_chown(t->conn, path, owner, group, follow)) < 0)
		return kiso_fattr_conn_fail(t, rc);
	if ((rc = kiso_fattr_mode(&m, &set, t, fa->mode, st->mode, st->type == KISO_FT_DIR)) < 0)
		return rc;
	if (!set || st->type == KISO_FT_LNK)
		return 0;
	/* chown(2) cleared set-id bits: chmod whenever they are wanted */
	if (m != st->mode || ((owner || group) && (m & 06000u)))
		if ((rc = kiso_transport_chmod(t->conn, path, m)) < 0)
			return kiso_fattr_conn_fail(t, rc);
	return 0;
}

void kiso_fattr_result(struct kiso_task *t, struct kiso_plan *p, const char *pathkey,
		       const char *path, const struct kiso_stat *st, const struct kiso_fattr *fa)
{
	struct kiso_arena *a = t->arena;
	const char *owner, *group;

	kiso_result_set_str(t, p, pathkey, path);
	if (st->type == KISO_FT_NONE) {
		kiso_result_set_str(t, p, "state", "absent");
		return;
	}
	owner = fa && fa->owner && fa->uid >= 0 && (unsigned long)fa->uid == st->uid
		? fa->owner : kiso_arena_sprintf(a, "%lu", st->uid);
	group = fa && fa->group && fa->gid >= 0 && (unsigned long)fa->gid == st->gid
		? fa->group : kiso_arena_sprintf(a, "%lu", st->gid);
	kiso_result_set(t, p, "uid", kiso_int(a, (int64_t)st->uid, t->pos));
	kiso_result_set(t, p, "gid", kiso_int(a, (int64_t)st->gid, t->pos));
	kiso_result_set_str(t, p, "owner", owner);
	kiso_result_set_str(t, p, "group", group);
	kiso_result_set_str(t, p, "mode", kiso_fattr_mode_str(t, st->mode));
	kiso_result_set_str(t, p, "state", st->type == KISO_FT_REG ? "file" : kiso_ftype_name(st->type));
	kiso_result_set(t, p, "size", kiso_int(a, (int64_t)st->size, t->pos));
}

/* ------------------------------------------------------------------ */
/* Backups and validation                                               */

int kiso_fattr_backup(struct kiso_task *t, const char *path, const char **out)
{
	struct kiso_buf cmd = KISO_BUF_INIT;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	const char *name;
	int rc = 0;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d@%H:%M:%S~", &tm);
	name = kiso_arena_sprintf(t->arena, "%s.%ld.%s", path, (long)getpid(), stamp);
	kiso_buf_puts(&cmd, "cp -p -- ");
	kiso_shell_quote(&cmd, path);
	kiso_buf_putc(&cmd, ' ');
	kiso_shell_quote(&cmd, name);
	if ((rc = kiso_transport_run(t->conn, cmd.ptr, &res)) < 0) {
		rc = kiso_fattr_conn_fail(t, rc);
		goto out;
	}
	if (res.status != 0) {
		rc = kiso_task_fail(t, KISO_EFAIL, "Could not make backup of %s to %s: %s", path,
				    name, kiso_buf_cstr(&res.err));
		goto out;
	}
	*out = name;
out:
	kiso_buf_release(&cmd);
	kiso_exec_result_release(&res);
	return rc;
}

int kiso_fattr_validate(struct kiso_task *t, struct kiso_plan *p, const char *validate,
			const char *path, const void *data, size_t len)
{
	struct kiso_write_opts wo = KISO_WRITE_OPTS_INIT;
	struct kiso_buf cmd = KISO_BUF_INIT, q = KISO_BUF_INIT;
	struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
	const char *tmp, *pct;
	int rc;

	if (!(pct = strstr(validate, "%s")))
		return kiso_task_fail(t, KISO_EINVALID, "validate must contain %%s: %s", validate);
	tmp = kiso_path_temp(t, path, "validate");
	wo.mode = 0600;
	if ((rc = kiso_transport_write_atomic(t->conn, tmp, data, len, &wo)) < 0)
		return kiso_fattr_conn_fail(t, rc);
	kiso_shell_quote(&q, tmp);
	/* every %s, as Python's 'validate % tmp' (a single %s in practice) */
	for (const char *s = validate; *s;) {
		if (s[0] == '%' && s[1] == 's') {
			kiso_buf_add(&cmd, q.ptr, q.len);
			s += 2;
		} else if (s[0] == '%' && s[1] == '%') {
			kiso_buf_putc(&cmd, '%');
			s += 2;
		} else {
			kiso_buf_putc(&cmd, *s++);
		}
	}
	kiso_buf_puts(&cmd, "; kiso_rc=$?; rm -f -- ");
	kiso_buf_add(&cmd, q.ptr, q.len);
	kiso_buf_puts(&cmd, "; exit $kiso_rc");
	if ((rc = kiso_transport_run(t->conn, cmd.ptr, &res)) < 0) {
		rc = kiso_fattr_conn_fail(t, rc);
		goto out;
	}
	if (res.status != 0) {
		kiso_result_set(t, p, "exit_status", kiso_int(t->arena, res.status, t->pos));
		kiso_result_set_str(t, p, "stdout", kiso_buf_cstr(&res.out));
		kiso_result_set_str(t, p, "stderr", kiso_buf_cstr(&res.err));
		rc = kiso_task_fail(t, KISO_EFAIL, "failed to validate");
		goto out;
	}
	rc = 0;
out:
	kiso_buf_release(&cmd);
	kiso_buf_release(&q);
	kiso_exec_result_release(&res);
	return rc;
}

/* ------------------------------------------------------------------ */

static void digest_hex(char *out, const EVP_MD *md, const void *p, size_t n)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	EVP_Digest(p, n, d, &len, md, NULL);
	for (unsigned i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * len] = '\0';
}

void kiso_sha1_hex(char out[41], const void *p, size_t n)
{
	digest_hex(out, EVP_sha1(), p, n);
}

void kiso_md5_hex(char out[33], const void *p, size_t n)
{
	digest_hex(out, EVP_md5(), p, n);
}

const char *kiso_path_dirname(struct kiso_task *t, const char *path)
{
	size_t n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	s = memrchr(path, '/', n);
	if (!s)
		return ".";
	while (s > path && s[-1] == '/')
		s--;
	if (s == path)
		return "/";
	return kiso_arena_strndup(t->arena, path, (size_t)(s - path));
}

const char *kiso_path_basename(struct kiso_task *t, const char *path)
{
	size_t n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	s = memrchr(path, '/', n);
	s = s ? s + 1 : path;
	return kiso_arena_strndup(t->arena, s, n - (size_t)(s - path));
}

const char *kiso_path_temp(struct kiso_task *t, const char *path, const char *what)
{
	static unsigned long counter;
	unsigned long n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);

	return kiso_arena_sprintf(t->arena, "%s/.%s.kiso-%s-%ld-%lu", kiso_path_dirname(t, path),
				  kiso_path_basename(t, path), what, (long)getpid(), n);
}

const char *kiso_path_join(struct kiso_task *t, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n && dir[n - 1] == '/')
		return kiso_arena_sprintf(t->arena, "%s%s", dir, name);
	return kiso_arena_sprintf(t->arena, "%s/%s", dir, name);
}

/* ------------------------------------------------------------------ */
/* Whole-file writes                                                    */

int kiso_fcontent_load(struct kiso_task *t, struct kiso_fcontent *fc, const char *path,
		       bool follow, bool read)
{
	int rc;

	memset(fc, 0, sizeof(*fc));
	fc->path = path;
	fc->follow = follow;
	if ((rc = kiso_transport_stat(t->conn, path, 0, &fc->st)) < 0)
		return kiso_fattr_conn_fail(t, rc);
	if (fc->st.type == KISO_FT_LNK) {
		if (follow) {
			if ((rc = kiso_transport_stat(t->conn, path, KISO_STAT_FOLLOW, &fc->st)) < 0)
				return kiso_fattr_conn_fail(t, rc);
		} else {
			fc->is_link = true;
		}
	}
	return read ? kiso_fcontent_read(t, fc) : 0;
}

int kiso_fcontent_read(struct kiso_task *t, struct kiso_fcontent *fc)
{
	struct kiso_buf b = KISO_BUF_INIT;
	int rc;

	if (fc->have_old || fc->st.type != KISO_FT_REG || fc->is_link)
		return 0;
	if ((rc = kiso_transport_read(t->conn, fc->path, 0, &b)) < 0) {
		kiso_buf_release(&b);
		return kiso_fattr_conn_fail(t, rc);
	}
	fc->old = kiso_arena_strndup(t->arena, kiso_buf_cstr(&b), b.len);
	fc->old_len = b.len;
	fc->have_old = true;
	kiso_buf_release(&b);
	return 0;
}

int kiso_fcontent_load_edit(struct kiso_task *t, struct kiso_fcontent *fc, const char *path,
			    bool *exists)
{
	int rc;

	if ((rc = kiso_fcontent_load(t, fc, path, true, true)) < 0)
		return rc;
	if (fc->st.type == KISO_FT_DIR)
		return kiso_task_fail(t, KISO_EFAIL, "Path %s is a directory !", path);
	*exists = fc->st.type != KISO_FT_NONE;
	return 0;
}

static bool has_nul(const char *p, size_t n)
{
	return p && memchr(p, '\0', n) != NULL;
}

int kiso_fcontent_plan(struct kiso_task *t, struct kiso_plan *p, struct kiso_fcontent *fc,
		       const struct kiso_fattr *fa, const char *data, size_t len,
		       const char *before_header, const char *after_header)
{
	bool exists = fc->st.type != KISO_FT_NONE && !fc->is_link;
	struct kiso_stat will;
	int rc;

	fc->data = kiso_arena_strndup(t->arena, data ? data : "", len);
	fc->len = len;
	if (!exists)
		fc->content_changed = true;
	else if (fc->have_old)
		fc->content_changed = fc->old_len != len || memcmp(fc->old, data, len) != 0;
	else
		fc->content_changed = true; /* not read: the caller saw a different size */

	fc->abefore = kiso_map_new(t->arena, t->pos);
	fc->aafter = kiso_map_new(t->arena, t->pos);
	if (exists) {
		will = fc->st;
	} else {
		memset(&will, 0, sizeof(will));
		will.type = KISO_FT_REG;
		will.mode = 0666u & ~KISO_UMASK;
		will.uid = will.gid = (unsigned long)-1;
	}
	if ((rc = kiso_fattr_check(t, fa, &will, &fc->attrs_changed, &fc->mode, fc->abefore,
				   fc->aafter)) < 0)
		return rc;
	{
		bool set;

		if ((rc = kiso_fattr_mode(&fc->mode, &set, t, fa->mode, will.mode, false)) < 0)
			return rc;
		fc->mode_set = set;
	}
	if (!exists)
		fc->attrs_changed = false; /* part of the creation */
	if (fc->content_changed || fc->attrs_changed)
		p->changed = true;
	if (t->diff && fc->content_changed &&
	    !has_nul(fc->old, fc->old_len) && !has_nul(data, len))
		kiso_plan_diff(t, p, exists ? before_header : NULL,
			       fc->have_old ? fc->old : "", fc->old_len, after_header, data ? data : "", len);
	if (t->diff && fc->attrs_changed && fc->attr_header) {
		struct kiso_buf b = KISO_BUF_INIT, a = KISO_BUF_INIT;

		kiso_diff_state_text(&b, fc->abefore);
		kiso_diff_state_text(&a, fc->aafter);
		kiso_plan_diff(t, p, fc->attr_header, b.ptr, b.len, fc->attr_header, a.ptr, a.len);
		kiso_buf_release(&b);
		kiso_buf_release(&a);
	}
	return 0;
}

int kiso_fcontent_apply(struct kiso_task *t, struct kiso_plan *p, struct kiso_fcontent *fc,
			const struct kiso_fattr *fa, bool backup, const char *validate,
			const char **backup_out)
{
	bool exists = fc->st.type != KISO_FT_NONE && !fc->is_link;
	int rc;

	if (backup_out)
		*backup_out = "";
	if (fc->content_changed) {
		struct kiso_write_opts wo = KISO_WRITE_OPTS_INIT;

		if (backup && exists && (rc = kiso_fattr_backup(t, fc->path, backup_out)) < 0)
			return rc;
		if (fc->mkdir_parents && !exists) {
			struct kiso_buf cmd = KISO_BUF_INIT;
			struct kiso_exec_result res = KISO_EXEC_RESULT_INIT;
			const char *dir = kiso_path_dirname(t, fc->path);

			kiso_buf_puts(&cmd, "mkdir -p -- ");
			kiso_shell_quote(&cmd, dir);
			rc = kiso_transport_run(t->conn, cmd.ptr, &res);
			kiso_buf_release(&cmd);
			if (rc < 0) {
				kiso_exec_result_release(&res);
				return kiso_fattr_conn_fail(t, rc);
			}
			if (res.status != 0) {
				rc = kiso_task_fail(t, KISO_EFAIL, "Error creating %s (%s)", dir,
						    kiso_buf_cstr(&res.err));
				kiso_exec_result_release(&res);
				return rc;
			}
			kiso_exec_result_release(&res);
		}
		if (validate &&
		    (rc = kiso_fattr_validate(t, p, validate, fc->path, fc->data, fc->len)) < 0)
			return rc;
		wo.follow = fc->follow;
		wo.mode = fc->mode_set ? (int)fc->mode : KISO_MODE_KEEP;
		if (fa->uid >= 0)
			wo.owner = kiso_arena_sprintf(t->arena, "%ld", fa->uid);
		if (fa->gid >= 0)
			wo.group = kiso_arena_sprintf(t->arena, "%ld", fa->gid);
		if ((rc = kiso_transport_write_atomic(t->conn, fc->path, fc->data, fc->len, &wo)) < 0)
			return kiso_fattr_conn_fail(t, rc);
	} else if (fc->attrs_changed) {
		if ((rc = kiso_fattr_apply(t, fa, fc->path, &fc->st, fc->follow)) < 0)
			return rc;
	}
	if ((rc = kiso_transport_stat(t->conn, fc->path, fc->follow ? KISO_STAT_FOLLOW : 0,
				      &fc->st)) < 0)
		return kiso_fattr_conn_fail(t, rc);
	fc->is_link = false;
	return 0;
}

void kiso_fcontent_result(struct kiso_task *t, struct kiso_plan *p, const struct kiso_fcontent *fc,
			  const struct kiso_fattr *fa, const char *src)
{
	char sha[41], md5[33];

	kiso_sha1_hex(sha, fc->data, fc->len);
	kiso_md5_hex(md5, fc->data, fc->len);
	kiso_fattr_result(t, p, "dest", fc->path, &fc->st, fa);
	kiso_result_set_str(t, p, "checksum", sha);
	kiso_result_set_str(t, p, "md5sum", md5);
	if (fc->st.type == KISO_FT_NONE || fc->content_changed)
		kiso_result_set(t, p, "size", kiso_int(t->arena, (int64_t)fc->len, t->pos));
	if (src)
		kiso_result_set_str(t, p, "src", src);
}

const char *kiso_find_local(struct kiso_task *t, const char *sub, const char *src)
{
	struct stat st;

	if (src[0] == '/')
		return stat(src, &st) == 0 ? src : NULL;
	for (const char *const *d = t->search_path; d && *d; d++) {
		const char *c = kiso_arena_sprintf(t->arena, "%s/%s/%s", *d, sub, src);

		if (stat(c, &st) == 0)
			return c;
		c = kiso_arena_sprintf(t->arena, "%s/%s", *d, src);
		if (stat(c, &st) == 0)
			return c;
	}
	return stat(src, &st) == 0 ? src : NULL;
}

int kiso_read_local(struct kiso_task *t, const char *path, const char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct kiso_buf b = KISO_BUF_INIT;
	char buf[65536];
	size_t n;

	if (!f)
		return kiso_task_fail(t, KISO_ENOTFOUND, "could not read '%s': %s", path,
				      strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		kiso_buf_add(&b, buf, n);
	if (ferror(f)) {
		fclose(f);
		kiso_buf_release(&b);
		return kiso_task_fail(t, KISO_EFAIL, "could not read '%s'", path);
	}
	fclose(f);
	*data = kiso_arena_strndup(t->arena, kiso_buf_cstr(&b), b.len);
	*len = b.len;
	kiso_buf_release(&b);
	return 0;
}
