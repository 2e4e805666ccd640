/*
 * command_common.c - Ansible's command module (modules/command.py of
 * ansible-core 2.14) on kiso's transport, and the helpers command, shell,
 * raw and script share (command_common.h).
 *
 * Ansible runs the module on the target with Python: the argument string
 * is shlex.split(), each word gets os.path.expandvars() and expanduser(),
 * and the list is executed without a shell. kiso has no Python on the
 * target, so it writes one small POSIX sh script that does the same: every
 * word is single-quoted, except that $NAME / ${NAME} references become
 * "the variable's value if it is set in the environment, else the text as
 * written" (Python's expandvars) and a leading ~ or ~user is left to the
 * shell's tilde expansion (expanduser). The words are collected with
 * `set --` and run with `exec "$@"`, after a PATH lookup that gives
 * Python's "[Errno 2] No such file or directory: b'x'" for a missing
 * program.
 */
#include "kiso_common.h"
#include "command_common.h"

#include <errno.h>

/* stderr of the wrapper when the program is not found (then exit 127) */
#define ENOENT_MARK "\001kiso-enoent\001"

int kiso_command_conn_fail(struct kiso_task *t, int rc)
{
	const struct kiso_error *e = kiso_conn_error(t->conn);

	return kiso_task_fail(t, rc, "%s", e->code ? e->msg : "transport error");
}

/* ---- Python helpers ------------------------------------------------- */

int kiso_command_shlex_split(struct kiso_task *t, const char *s, char ***out, size_t *n)
{
	struct kiso_buf tok = KISO_BUF_INIT;
	char **words = NULL;
	size_t nw = 0;
	char state = ' ', escaped_state = 0;
	bool quoted = false;
	int rc = 0;

	for (const char *p = s;; p++) {
		char ch = *p;
		bool ws = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';

		if (state == '\\') {
			if (!ch) {
				rc = kiso_task_fail(t, KISO_EINVALID, "No escaped character");
				goto out;
			}
			if (escaped_state == '"' && ch != '"' && ch != '\\')
				kiso_buf_putc(&tok, '\\');
			kiso_buf_putc(&tok, ch);
			state = escaped_state;
			continue;
		}
		if (state == '\'' || state == '"') {
			if (!ch) {
				rc = kiso_task_fail(t, KISO_EINVALID, "No closing quotation");
				goto out;
			}
			if (ch == state)
				state = 'a';
			else if (state == '"' && ch == '\\')
				escaped_state = state, state = '\\';
			else
				kiso_buf_putc(&tok, ch);
			continue;
		}
		/* ' ' (between words) or 'a' (in a word) */
		if (!ch || ws) {
			if (state == 'a' || quoted) {
				words = kiso_arena_grow(t->arena, words, nw * sizeof(*words),
							(nw + 1) * sizeof(*words));
				words[nw++] = kiso_arena_strndup(t->arena, kiso_buf_cstr(&tok), tok.len);
				kiso_buf_clear(&tok);
			}
			state = ' ';
			quoted = false;
			if (!ch)
				break;
			continue;
		}
		if (ch == '\\') {
			escaped_state = 'a';
			state = '\\';
		} else if (ch == '\'' || ch == '"') {
			quoted = true;
			state = ch;
		} else {
			kiso_buf_putc(&tok, ch);
			state = 'a';
		}
		if (state == '\\' || state == '\'' || state == '"')
			quoted = true;
	}
	*out = words;
	*n = nw;
out:
	kiso_buf_release(&tok);
	return rc;
}

/* Length of the line break at p (0: none), as str.splitlines() sees it. */
static size_t line_break(const char *p, const char *end)
{
	unsigned char c = (unsigned char)*p;

	if (c == '\r')
		return p + 1 < end && p[1] == '\n' ? 2 : 1;
	if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e)
		return 1;
	if (c == 0xc2 && p + 1 < end && (unsigned char)p[1] == 0x85)
		return 2;
	if (c == 0xe2 && p + 2 < end && (unsigned char)p[1] == 0x80 &&
	    ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9))
		return 3;
	return 0;
}

struct kiso_value *kiso_command_splitlines(struct kiso_task *t, const char *s, size_t n)
{
	struct kiso_value *list = kiso_list_new(t->arena, t->pos);
	const char *p = s, *end = s + n, *start = s;

	while (p < end) {
		size_t br = line_break(p, end);

		if (!br) {
			p++;
			continue;
		}
		kiso_list_push(t->arena, list, kiso_strn(t->arena, start, (size_t)(p - start), t->pos));
		p += br;
		start = p;
	}
	if (start < end)
		kiso_list_push(t->arena, list, kiso_strn(t->arena, start, (size_t)(end - start), t->pos));
	return list;
}

const char *kiso_command_timestamp(struct kiso_task *t, const struct timespec *ts)
{
	struct tm tm;
	char buf[64];
	time_t sec = ts->tv_sec;

	localtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	return kiso_arena_sprintf(t->arena, "%s.%06ld", buf, ts->tv_nsec / 1000);
}

const char *kiso_command_delta(struct kiso_task *t, const struct timespec *start,
			   const struct timespec *end)
{
	int64_t us = ((int64_t)end->tv_sec - start->tv_sec) * 1000000 +
		     (end->tv_nsec - start->tv_nsec) / 1000;
	int64_t days, secs, frac;
	const char *d = "";

	if (us < 0)
		us = 0;
	days = us / 86400000000LL;
	secs = (us / 1000000) % 86400;
	frac = us % 1000000;
	if (days)
		d = kiso_arena_sprintf(t->arena, "%lld day%s, ", (long long)days,
				       days == 1 ? "" : "s");
	if (frac)
		return kiso_arena_sprintf(t->arena, "%s%lld:%02lld:%02lld.%06lld", d,
					  (long long)(secs / 3600), (long long)(secs / 60 % 60),
					  (long long)(secs % 60), (long long)frac);
	return kiso_arena_sprintf(t->arena, "%s%lld:%02lld:%02lld", d, (long long)(secs / 3600),
				  (long long)(secs / 60 % 60), (long long)(secs % 60));
}

/* ---- host side ------------------------------------------------------ */

/*
 * The task's 'environment' as "export NAME='value'; " in front of the
 * command, as Ansible sets it for the module's process (raw excepted,
 * which Ansible runs as it is). Names that are not shell identifiers are
 * refused rather than quoted into something else.
 */
static int env_prefix(struct kiso_task *t, struct kiso_buf *b)
{
	const struct kiso_value *env = t->environment;

	if (!env || env->type != KISO_MAP || strcmp(t->module->name, "raw") == 0)
		return 0;
	for (size_t i = 0; i < env->u.map.len; i++) {
		const struct kiso_value *k = env->u.map.items[i].key;
		const struct kiso_value *v = env->u.map.items[i].val;
		struct kiso_buf val = KISO_BUF_INIT;

		if (k->type != KISO_STR || !k->u.s.len || strspn(k->u.s.ptr,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != k->u.s.len ||
		    (k->u.s.ptr[0] >= '0' && k->u.s.ptr[0] <= '9'))
			return kiso_task_fail(t, KISO_EINVALID,
					      "invalid environment variable name '%s'",
					      k->type == KISO_STR ? k->u.s.ptr : "?");
		if (v->type != KISO_NULL)
			kiso_value_str(&val, v);
		kiso_buf_printf(b, "export %s=", k->u.s.ptr);
		kiso_shell_quote(b, kiso_buf_cstr(&val));
		kiso_buf_puts(b, "; ");
		kiso_buf_release(&val);
	}
	return 0;
}

int kiso_command_exec(struct kiso_task *t, const struct kiso_exec_req *req,
		  struct kiso_exec_result *r, struct timespec *start, struct timespec *end)
{
	struct kiso_buf cmd = KISO_BUF_INIT;
	struct kiso_exec_req with_env = *req;
	int rc;

	if ((rc = env_prefix(t, &cmd)) < 0) {
		kiso_buf_release(&cmd);
		return rc;
	}
	if (cmd.len) {
		kiso_buf_puts(&cmd, req->cmd);
		with_env.cmd = kiso_buf_cstr(&cmd);
	}
	clock_gettime(CLOCK_REALTIME, start);
	rc = kiso_transport_exec(t->conn, &with_env, r);
	clock_gettime(CLOCK_REALTIME, end);
	kiso_buf_release(&cmd);
	return rc < 0 ? kiso_command_conn_fail(t, rc) : 0;
}

static const char *join_cwd(struct kiso_task *t, const char *path, const char *cwd)
{
	if (!cwd || path[0] == '/' || path[0] == '~')
		return path;
	return kiso_arena_sprintf(t->arena, "%s%s%s", cwd,
				  cwd[0] && cwd[strlen(cwd) - 1] == '/' ? "" : "/", path);
}

int kiso_command_glob_exists(struct kiso_task *t, const char *pattern, const char *cwd, bool *out)
{
	const char *path = join_cwd(t, pattern, cwd);
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct kiso_buf cmd = KISO_BUF_INIT;
	struct kiso_stat st;
	int rc;

	if (!strpbrk(path, "*?[")) {
		if ((rc = kiso_transport_stat(t->conn, path, 0, &st)) < 0)
			return kiso_command_conn_fail(t, rc);
		*out = st.type != KISO_FT_NONE;
		return 0;
	}
	/* the glob characters unquoted, everything else quoted */
	kiso_buf_puts(&cmd, "for f in ''");
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "*?[");

		if (n) {
			char *lit = kiso_arena_strndup(t->arena, p, n);

			kiso_shell_quote(&cmd, lit);
			p += n;
		} else {
			kiso_buf_putc(&cmd, *p++);
		}
	}
	kiso_buf_puts(&cmd, "; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then exit 0; fi; done; exit 1");
	rc = kiso_transport_run(t->conn, kiso_buf_cstr(&cmd), &r);
	kiso_buf_release(&cmd);
	if (rc < 0) {
		kiso_exec_result_release(&r);
		return kiso_command_conn_fail(t, rc);
	}
	*out = r.status == 0;
	kiso_exec_result_release(&r);
	return 0;
}

static void strip_ends(const char **s, size_t *n)
{
	while (*n && ((*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

void kiso_command_set_output(struct kiso_task *t, struct kiso_plan *p,
			 const struct kiso_exec_result *r, bool strip)
{
	const char *o = kiso_buf_cstr(&r->out), *e = kiso_buf_cstr(&r->err);
	size_t on = r->out.len, en = r->err.len;

	if (strip) {
		strip_ends(&o, &on);
		strip_ends(&e, &en);
	}
	kiso_result_set(t, p, "rc", kiso_int(t->arena, r->status, t->pos));
	kiso_result_set(t, p, "stdout", kiso_strn(t->arena, o, on, t->pos));
	kiso_result_set(t, p, "stderr", kiso_strn(t->arena, e, en, t->pos));
	kiso_result_set(t, p, "stdout_lines", kiso_command_splitlines(t, o, on));
	kiso_result_set(t, p, "stderr_lines", kiso_command_splitlines(t, e, en));
}

/* ---- the command module -------------------------------------------- */

struct cmd_state {
	const char *script;     /* what the host runs */
	const char *program;    /* argv[0], for the "not found" message */
	bool strip;
	const char *in;         /* stdin bytes, or NULL */
	size_t in_len;
};

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_word_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool valid_sh_name(const char *s, size_t n)
{
	if (!n || !is_name_start(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word_char(s[i]))
			return false;
	return true;
}

static void quote_n(struct kiso_task *t, struct kiso_buf *b, const char *s, size_t n)
{
	kiso_shell_quote(b, kiso_arena_strndup(t->arena, s, n));
}

/*
 * Appends shell code that pushes one word onto "$@", expanded as Python's
 * os.path.expanduser(os.path.expandvars(word)).
 */
static void push_word(struct kiso_task *t, struct kiso_buf *b, const char *w)
{
	const char *p = w, *lit;

	if (!strchr(w, '$') && w[0] != '~') {
		kiso_buf_puts(b, "set -- \"$@\" ");
		kiso_shell_quote(b, w);
		kiso_buf_puts(b, "\n");
		return;
	}
	kiso_buf_puts(b, "__kiso_w=");
	/* a bare ~ or ~user (up to the first /): the assignment's own tilde
	 * expansion, unquoted and alone, else the shell would not expand it */
	if (w[0] == '~') {
		size_t n = strcspn(w, "/");
		bool plain = true;

		for (size_t i = 1; i < n; i++)
			if (!is_word_char(w[i]) && w[i] != '.' && w[i] != '-')
				plain = false;
		if (plain && !memchr(w, '$', n)) {
			kiso_buf_add(b, w, n);  /* tilde expansion of the assignment */
			p = w + n;
		}
	}
	if (p == w)
		kiso_buf_puts(b, "''");
	kiso_buf_puts(b, "\n");
	lit = p;
	while (*p) {
		const char *name = NULL, *ref = p;
		size_t nlen = 0;

		if (*p != '$') {
			p++;
			continue;
		}
		if (is_word_char(p[1])) {
			name = p + 1;
			while (is_word_char(name[nlen]))
				nlen++;
			p = name + nlen;
		} else if (p[1] == '{' && strchr(p + 2, '}')) {
			name = p + 2;
			nlen = (size_t)(strchr(name, '}') - name);
			p = name + nlen + 1;
		} else {
			p++;
			continue;
		}
		if (ref > lit) {
			kiso_buf_puts(b, "__kiso_w=\"$__kiso_w\"");
			quote_n(t, b, lit, (size_t)(ref - lit));
			kiso_buf_puts(b, "\n");
		}
		if (valid_sh_name(name, nlen)) {
			kiso_buf_printf(b, "if [ -n \"${%.*s+x}\" ]; then __kiso_w=\"$__kiso_w${%.*s}\"; "
				        "else __kiso_w=\"$__kiso_w\"", (int)nlen, name, (int)nlen, name);
			quote_n(t, b, ref, (size_t)(p - ref));
			kiso_buf_puts(b, "; fi\n");
		} else {
			kiso_buf_puts(b, "__kiso_w=\"$__kiso_w\"");
			quote_n(t, b, ref, (size_t)(p - ref));
			kiso_buf_puts(b, "\n");
		}
		lit = p;
	}
	if (*lit) {
		kiso_buf_puts(b, "__kiso_w=\"$__kiso_w\"");
		kiso_shell_quote(b, lit);
		kiso_buf_puts(b, "\n");
	}
	kiso_buf_puts(b, "set -- \"$@\" \"$__kiso_w\"\n");
}

static int fail_result(struct kiso_task *t, struct kiso_plan *out, int rc, const char *msg)
{
	kiso_result_set(t, out, "rc", kiso_int(t->arena, rc, t->pos));
	kiso_result_set_str(t, out, "msg", msg);
	out->msg = kiso_arena_strdup(t->arena, msg);
	return kiso_task_fail(t, KISO_EFAIL, "%s", msg);
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (!strchr(" \t\r\n\v\f", *s))
			return false;
	return true;
}

int kiso_command_plan(struct kiso_task *t, struct kiso_plan *out, bool shell)
{
	struct cmd_state *st = kiso_arena_zalloc(t->arena, sizeof(*st));
	const char *raw = kiso_arg_str(t, "_raw_params");
	const struct kiso_value *argv = kiso_arg(t, "argv");
	const char *chdir = kiso_arg_str(t, "chdir");
	const char *exe = kiso_arg_str(t, "executable");
	const char *creates = kiso_arg_str(t, "creates");
	const char *removes = kiso_arg_str(t, "removes");
	const char *stdin_ = kiso_arg_str(t, "stdin");
	const char *shoulda = t->check ? "Would" : "Did";
	struct kiso_value *cmdv;
	struct kiso_buf b = KISO_BUF_INIT;
	char **words = NULL;
	size_t nwords = 0;
	bool exists;
	int rc;

	if (kiso_arg_bool(t, "_uses_shell", false))
		shell = true;
	if (!shell)
		exe = NULL;  /* Ansible warns and ignores it */
	if (argv && (argv->type != KISO_LIST || argv->u.list.len == 0))
		argv = NULL;
	kiso_result_set_str(t, out, "stdout", "");
	kiso_result_set_str(t, out, "stderr", "");
	kiso_result_set(t, out, "rc", kiso_null(t->arena, t->pos));
	kiso_result_set(t, out, "cmd", kiso_null(t->arena, t->pos));
	kiso_result_set(t, out, "start", kiso_null(t->arena, t->pos));
	kiso_result_set(t, out, "end", kiso_null(t->arena, t->pos));
	kiso_result_set(t, out, "delta", kiso_null(t->arena, t->pos));
	kiso_result_set_str(t, out, "msg", "");
	if (blank(raw) && !argv)
		return fail_result(t, out, 256, "no command given");
	if (raw && argv)
		return fail_result(t, out, 256, "only command or argv can be given, not both");

	if (shell && raw) {
		cmdv = kiso_str(t->arena, raw, t->pos);
	} else {
		if (raw) {
			if ((rc = kiso_command_shlex_split(t, raw, &words, &nwords)) < 0)
				return rc;
		} else {
			nwords = argv->u.list.len;
			words = kiso_arena_alloc(t->arena, nwords * sizeof(*words));
			for (size_t i = 0; i < nwords; i++) {
				struct kiso_buf s = KISO_BUF_INIT;

				kiso_value_str(&s, argv->u.list.items[i]);
				words[i] = kiso_arena_strdup(t->arena, kiso_buf_cstr(&s));
				kiso_buf_release(&s);
			}
		}
		if (shell) {
			/* shell with argv: the words, quoted, make the string */
			struct kiso_buf s = KISO_BUF_INIT;

			for (size_t i = 0; i < nwords; i++) {
				if (i)
					kiso_buf_putc(&s, ' ');
				kiso_shell_quote(&s, words[i]);
			}
			raw = kiso_arena_strdup(t->arena, kiso_buf_cstr(&s));
			kiso_buf_release(&s);
			cmdv = kiso_str(t->arena, raw, t->pos);
		} else {
			cmdv = kiso_list_new(t->arena, t->pos);
			for (size_t i = 0; i < nwords; i++)
				kiso_list_push(t->arena, cmdv, kiso_str(t->arena, words[i], t->pos));
		}
	}
	kiso_result_set(t, out, "cmd", cmdv);

	if (chdir) {
		struct kiso_stat sb;

		if ((rc = kiso_transport_stat(t->conn, chdir, KISO_STAT_FOLLOW, &sb)) < 0)
			return kiso_command_conn_fail(t, rc);
		if (sb.type != KISO_FT_DIR) {
			const char *m = kiso_arena_sprintf(
				t->arena, "Unable to change directory before execution: [Errno %d] %s: b'%s'",
				sb.type == KISO_FT_NONE ? ENOENT : ENOTDIR,
				sb.type == KISO_FT_NONE ? "No such file or directory" : "Not a directory",
				chdir);

			out->msg = m;
			kiso_result_set_str(t, out, "msg", m);
			return kiso_task_fail(t, KISO_EFAIL, "%s", m);
		}
	}

	if (creates) {
		if ((rc = kiso_command_glob_exists(t, creates, chdir, &exists)) < 0)
			return rc;
		if (exists) {
			out->msg = kiso_arena_sprintf(t->arena, "%s not run command since '%s' exists",
						      shoulda, creates);
			kiso_result_set_str(t, out, "stdout",
					    kiso_arena_sprintf(t->arena, "skipped, since %s exists", creates));
		}
	}
	if (!out->msg && removes) {
		if ((rc = kiso_command_glob_exists(t, removes, chdir, &exists)) < 0)
			return rc;
		if (!exists) {
			out->msg = kiso_arena_sprintf(t->arena,
						      "%s not run command since '%s' does not exist",
						      shoulda, removes);
			kiso_result_set_str(t, out, "stdout",
					    kiso_arena_sprintf(t->arena, "skipped, since %s does not exist",
							       removes));
		}
	}
	if (out->msg) {
		const struct kiso_value *so = kiso_map_get(out->result, "stdout");

		kiso_result_set(t, out, "rc", kiso_int(t->arena, 0, t->pos));
		kiso_result_set_str(t, out, "msg", out->msg);
		kiso_result_set(t, out, "stdout_lines", kiso_command_splitlines(t, so->u.s.ptr, so->u.s.len));
		kiso_result_set(t, out, "stderr_lines", kiso_list_new(t->arena, t->pos));
		return 0;
	}

	/* it would run */
	out->changed = true;
	out->unpredictable = !creates && !removes;
	out->msg = "Command would have run if not in check mode";
	kiso_result_set(t, out, "rc", kiso_int(t->arena, 0, t->pos));
	kiso_result_set_str(t, out, "msg", out->msg);

	if (chdir) {
		kiso_buf_puts(&b, "cd ");
		kiso_shell_quote(&b, chdir);
		kiso_buf_puts(&b, " || exit 1\n");
	}
	if (shell) {
		kiso_buf_puts(&b, "exec ");
		kiso_shell_quote(&b, exe ? exe : "/bin/sh");
		kiso_buf_puts(&b, " -c ");
		kiso_shell_quote(&b, raw);
		st->program = exe ? exe : "/bin/sh";
	} else {
		kiso_buf_puts(&b, "set --\n");
		for (size_t i = 0; i < nwords; i++)
			push_word(t, &b, words[i]);
		/* Python's execvp: a missing program is ENOENT, not a shell error */
		kiso_buf_puts(&b, "case $1 in */*) [ -f \"$1\" ] && [ -x \"$1\" ];; "
			      "*) __kiso_f=; __kiso_ifs=$IFS; IFS=:; for __kiso_d in $PATH; do "
			      "if [ -f \"${__kiso_d:-.}/$1\" ] && [ -x \"${__kiso_d:-.}/$1\" ]; then "
			      "__kiso_f=1; break; fi; done; IFS=$__kiso_ifs; [ -n \"$__kiso_f\" ];; esac "
			      "|| { printf '%s' '" ENOENT_MARK "' >&2; exit 127; }\n"
			      "unset __kiso_w __kiso_f __kiso_ifs __kiso_d\nexec \"$@\"");
		st->program = words[0];
	}
	st->script = kiso_arena_strdup(t->arena, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	st->strip = kiso_arg_bool(t, "strip_empty_ends", true);
	if (stdin_ && stdin_[0]) {
		bool nl = kiso_arg_bool(t, "stdin_add_newline", true);

		st->in_len = strlen(stdin_) + (nl ? 1 : 0);
		st->in = kiso_arena_sprintf(t->arena, "%s%s", stdin_, nl ? "\n" : "");
	}
	out->state = st;
	return 0;
}

int kiso_command_apply(struct kiso_task *t, struct kiso_plan *plan)
{
	struct cmd_state *st = plan->state;
	struct kiso_exec_req req = { 0 };
	struct kiso_exec_result r = KISO_EXEC_RESULT_INIT;
	struct timespec start, end;
	int rc;

	req.cmd = st->script;
	req.in = st->in;
	req.in_len = st->in_len;
	if ((rc = kiso_command_exec(t, &req, &r, &start, &end)) < 0)
		goto out;
	plan->changed = true;
	if (r.status == 127 && r.err.len == strlen(ENOENT_MARK) &&
	    memcmp(r.err.ptr, ENOENT_MARK, r.err.len) == 0) {
		const char *m = kiso_arena_sprintf(t->arena, "[Errno 2] No such file or directory: b'%s'",
						   st->program);

		kiso_result_set(t, plan, "rc", kiso_int(t->arena, 2, t->pos));
		kiso_result_set_str(t, plan, "stdout", "");
		kiso_result_set_str(t, plan, "stderr", "");
		kiso_result_set(t, plan, "stdout_lines", kiso_list_new(t->arena, t->pos));
		kiso_result_set(t, plan, "stderr_lines", kiso_list_new(t->arena, t->pos));
		kiso_result_set_str(t, plan, "msg", m);
		plan->msg = m;
		rc = kiso_task_fail(t, KISO_EFAIL, "%s", m);
		goto out;
	}
	kiso_command_set_output(t, plan, &r, st->strip);
	kiso_result_set_str(t, plan, "start", kiso_command_timestamp(t, &start));
	kiso_result_set_str(t, plan, "end", kiso_command_timestamp(t, &end));
	kiso_result_set_str(t, plan, "delta", kiso_command_delta(t, &start, &end));
	if (r.status != 0) {
		plan->msg = "non-zero return code";
		kiso_result_set_str(t, plan, "msg", plan->msg);
		rc = kiso_task_fail(t, KISO_EFAIL, "non-zero return code");
		goto out;
	}
	plan->msg = "";
	kiso_result_set_str(t, plan, "msg", "");
out:
	kiso_exec_result_release(&r);
	return rc;
}
