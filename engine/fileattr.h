/*
 * fileattr.h - what the file modules (file, copy, template, lineinfile,
 * blockinfile, replace, stat, fetch...) share: mode/owner/group as
 * Ansible's AnsibleModule handles them (set_mode_if_different,
 * set_owner_if_different, add_path_info), backups, validate commands,
 * SHA-1 checksums and passing transport errors up as task errors.
 *
 * Modes (Ansible's rules): an int is the mode itself (YAML 0644 is 420);
 * a string of octal digits ("0644", "644", "0o644") is octal; anything
 * else is symbolic ("u+rwx,g-w,o=r", "a+X", "u=g", "+x") applied to the
 * current mode of the path (or, for a path about to be created, to the
 * mode it will be created with). An empty 'who' means all and honours the
 * umask; the remote umask is taken to be 022 (the usual default, which
 * also decides what mode a new file gets: 0644, a new directory: 0755).
 * Failures: "mode must be in octal or symbolic form" and "Invalid mode
 * supplied, only permission info is allowed", as Ansible says them.
 *
 * Owners: a decimal id is used as is; a name is looked up on the host
 * with one command (getent) when the module starts: "chown failed:
 * failed to look up user 'x'" when it does not exist.
 */
#ifndef KISO_FILEATTR_H
#define KISO_FILEATTR_H

#include "kiso_common.h"
#include "module.h"
#include "transport.h"

#define KISO_UMASK 022u

/* The mode, owner and group a task asks for. */
struct kiso_fattr {
	const struct kiso_value *mode;  /* as written; NULL: keep */
	const char *owner;              /* as written; NULL: keep */
	const char *group;
	long uid;                       /* resolved; -1: not asked */
	long gid;
};

/*
 * Reads the task's mode/owner/group arguments into out and resolves
 * owner/group names on the host (at most one command; none when they are
 * absent or numeric). Fails the task (t->err) on an unknown name.
 */
int kiso_fattr_init(struct kiso_fattr *out, struct kiso_task *t);

/*
 * The mode wanted for a path whose current (or would-be) mode is 'cur'
 * (07777 bits) and that is a directory or not. *set is false when the task
 * gives no mode. Fails the task on a bad mode.
 */
int kiso_fattr_mode(unsigned *out, bool *set, struct kiso_task *t, const struct kiso_value *mode,
		    unsigned cur, bool is_dir);

/*
 * Compares the wanted attributes with st (the path's current state, or the
 * state it will have once created). *changed is set (never cleared) when
 * something differs; before/after (maps, may be NULL) get "mode" ("0644")
 * and "owner"/"group" (ids), as Ansible's --diff shows them. *mode_out
 * gets the wanted mode (or st->mode when none).
 */
int kiso_fattr_check(struct kiso_task *t, const struct kiso_fattr *fa, const struct kiso_stat *st,
		     bool *changed, unsigned *mode_out, struct kiso_value *before,
		     struct kiso_value *after);

/*
 * Makes path's owner/group/mode what fa asks (st: its current state),
 * owner first (chown clears set-id bits), then the mode. 'follow': act on
 * the file a symlink points to; a symlink itself never gets a mode (Linux
 * has no lchmod). Passes transport errors up as task errors.
 */
int kiso_fattr_apply(struct kiso_task *t, const struct kiso_fattr *fa, const char *path,
		     const struct kiso_stat *st, bool follow);

/*
 * add_path_info(): result[pathkey] = path and, when st says it exists,
 * uid, gid, owner, group (names when the task resolved them, else the
 * ids as strings), mode ("0644"), state (file/directory/link) and size.
 */
void kiso_fattr_result(struct kiso_task *t, struct kiso_plan *p, const char *pathkey,
		       const char *path, const struct kiso_stat *st, const struct kiso_fattr *fa);

/* "0%03o" as Ansible prints modes, in t->arena. */
const char *kiso_fattr_mode_str(struct kiso_task *t, unsigned mode);

/*
 * Copies path to "PATH.PID.YYYY-MM-DD@HH:MM:SS~" (Ansible's backup_local
 * name) keeping mode, owner and times (one `cp -p` command). *out gets
 * the backup's name (t->arena).
 */
int kiso_fattr_backup(struct kiso_task *t, const char *path, const char **out);

/*
 * Ansible's validate: writes data to a temp file beside 'path', runs the
 * command with %s replaced by the temp file's (quoted) name, removes the
 * temp file. A non-zero exit fails the task with "failed to validate"
 * (result: exit_status, stdout, stderr). A command without %s fails
 * ("validate must contain %s: CMD"). Two round trips: upload, command.
 */
int kiso_fattr_validate(struct kiso_task *t, struct kiso_plan *p, const char *validate,
			const char *path, const void *data, size_t len);

/* The transport's error (c->err) as the task's error; returns rc. */
int kiso_fattr_conn_fail(struct kiso_task *t, int rc);

/* SHA-1 / MD5 of n bytes as lowercase hex (41 / 33 bytes with the NUL). */
void kiso_sha1_hex(char out[41], const void *p, size_t n);
void kiso_md5_hex(char out[33], const void *p, size_t n);

/* Directory part of path in t->arena ("/a/b" -> "/a", "b" -> ".", "/b" -> "/"). */
const char *kiso_path_dirname(struct kiso_task *t, const char *path);
/* Last component ("/a/b/" -> "b"), in t->arena. */
const char *kiso_path_basename(struct kiso_task *t, const char *path);
/* dir + "/" + name, in t->arena. */
const char *kiso_path_join(struct kiso_task *t, const char *dir, const char *name);

#endif
