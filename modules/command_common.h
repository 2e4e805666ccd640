/*
 * command_common.h - what the command-like modules (command, shell, raw,
 * script) share: Ansible's command module logic, its result values, and
 * small helpers other modules of this group use (creates/removes globs,
 * Python's shlex.split and str.splitlines, datetime formatting).
 *
 * Not an engine header: only the module files include it.
 */
#ifndef KISO_MODULES_COMMAND_COMMON_H
#define KISO_MODULES_COMMAND_COMMON_H

#include "kiso_common.h"
#include "module.h"
#include "transport.h"

#include <time.h>

/*
 * ansible.builtin.command (shell == false) and ansible.builtin.shell
 * (shell == true, which is command with _uses_shell) as module.h's plan
 * and apply. plan: validates, changes into no directory but checks chdir,
 * decides creates/removes ("Would/Did not run command since ..."), and
 * otherwise reports a change: unpredictable unless creates or removes was
 * given (then check mode reports "Command would have run if not in check
 * mode" as changed, as Ansible does). apply: runs the command on the host
 * and sets rc, stdout, stderr, stdout_lines, stderr_lines, cmd, start,
 * end, delta and msg; a non-zero rc fails the task with "non-zero return
 * code" (the result keeps every value, for register).
 */
int kiso_command_plan(struct kiso_task *t, struct kiso_plan *out, bool shell);
int kiso_command_apply(struct kiso_task *t, struct kiso_plan *plan);

/*
 * Python's shlex.split(s) (POSIX mode, no comments): a list of strings in
 * t->arena. KISO_EINVALID with t->err "No closing quotation" / "No
 * escaped character" as Python raises them.
 */
int kiso_command_shlex_split(struct kiso_task *t, const char *s, char ***out, size_t *n);

/* Python's s.splitlines() as a list value (\n, \r\n, \r, \v, \f, \x1c-\x1e,
 * and U+0085, U+2028, U+2029 in UTF-8). */
struct kiso_value *kiso_command_splitlines(struct kiso_task *t, const char *s, size_t n);

/* str(datetime) of a CLOCK_REALTIME time, local: "2026-11-22 03:40:45.123456". */
const char *kiso_command_timestamp(struct kiso_task *t, const struct timespec *ts);

/* str(timedelta) of end - start: "0:00:00.003456" ("0:00:01" on a whole second). */
const char *kiso_command_delta(struct kiso_task *t, const struct timespec *start,
			   const struct timespec *end);

/*
 * Whether Python's glob.glob(pattern) on the host would find anything:
 * a pattern without * ? [ is an lstat (a dangling symlink exists); a
 * pattern with them is expanded by the host's shell. A relative pattern
 * is taken relative to 'cwd' when given. Transport errors pass up (t->err
 * set).
 */
int kiso_command_glob_exists(struct kiso_task *t, const char *pattern, const char *cwd, bool *out);

/* Passes a transport error up: t->err gets the connection's message. */
int kiso_command_conn_fail(struct kiso_task *t, int rc);

/* Sets rc, stdout, stderr, stdout_lines, stderr_lines from r; strip: drop
 * trailing "\r\n" characters as command's strip_empty_ends does. */
void kiso_command_set_output(struct kiso_task *t, struct kiso_plan *p,
			 const struct kiso_exec_result *r, bool strip);

/* Runs req on the task's host, recording the wall time around it. */
int kiso_command_exec(struct kiso_task *t, const struct kiso_exec_req *req,
		  struct kiso_exec_result *r, struct timespec *start, struct timespec *end);

#endif
