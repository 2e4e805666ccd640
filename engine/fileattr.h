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

/* A name for a temp file beside path: "DIR/.BASE.kiso-WHAT-PID-N", unique
 * in this process (N counts up atomically), in t->arena. */
const char *kiso_path_temp(struct kiso_task *t, const char *path, const char *what);

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

/* ------------------------------------------------------------------ */
/*
 * Writing a whole file (copy, template, lineinfile, blockinfile,
 * replace): load the current state, plan the new content and attributes,
 * apply with one atomic write.
 */
struct kiso_fcontent {
	const char *path;       /* as given */
	bool follow;            /* write through a symlink to its target */
	struct kiso_stat st;    /* of path (its target when following) */
	bool is_link;           /* path is a symlink (not followed) */
	const char *old;        /* current content when read (t->arena) */
	size_t old_len;
	bool have_old;
	const char *data;       /* the new content (t->arena) */
	size_t len;
	bool content_changed;
	bool attrs_changed;
	unsigned mode;          /* wanted mode, when mode_set */
	bool mode_set;
	struct kiso_value *abefore, *aafter; /* attribute diff dicts */
	bool mkdir_parents;     /* apply: create the missing parent directories */
	/* --diff of attribute changes: NULL for none (copy, template and
	 * replace show content only); lineinfile and blockinfile set
	 * "PATH (file attributes)" as theirs do */
	const char *attr_header;
};

/*
 * Stats path (following a symlink when 'follow') and, when 'read' and it
 * is a regular file, reads it into fc->old. 1 stat (+1 for a link) and a
 * read: 4-5 round trips over SSH. Fails on a directory ("Path X is a
 * directory !" is for the caller: check fc->st.type).
 */
int kiso_fcontent_load(struct kiso_task *t, struct kiso_fcontent *fc, const char *path,
		       bool follow, bool read);

/*
 * For the line editors (lineinfile, blockinfile, replace): loads path
 * following symlinks and reads it; a directory fails ("Path X is a
 * directory !", as Ansible). *exists tells whether it is there.
 */
int kiso_fcontent_load_edit(struct kiso_task *t, struct kiso_fcontent *fc, const char *path,
			    bool *exists);

/* Reads the current content (after a load without 'read'); does nothing
 * when it is not a regular file or was read already. */
int kiso_fcontent_read(struct kiso_task *t, struct kiso_fcontent *fc);

/*
 * Plans writing data (copied into t->arena) with the attributes fa:
 * content_changed when the file does not exist, is a symlink not
 * followed, or differs; attrs_changed when mode/owner/group differ (for a
 * new file: from what it will be created with, 0644). When t->diff, adds
 * the content diff (headers before_header/after_header; before_header
 * NULL for a new file prints "before") and, with fc->attr_header, the
 * attribute dicts ({"mode": ...}, as set_mode_if_different fills them).
 * Sets p->changed when anything changes. Needs fc->old loaded when the
 * file exists (or passes a size check: a different size is a change).
 */
int kiso_fcontent_plan(struct kiso_task *t, struct kiso_plan *p, struct kiso_fcontent *fc,
		       const struct kiso_fattr *fa, const char *data, size_t len,
		       const char *before_header, const char *after_header);

/*
 * Makes it so: a backup of the old file first when 'backup' and it
 * exists (*backup_out gets its name, else ""), the validate command when
 * given, then one kiso_transport_write_atomic() with the wanted mode and
 * owner (or the existing ones), or only chown/chmod when just attributes
 * differ. Stats the result into fc->st (1 round trip).
 */
int kiso_fcontent_apply(struct kiso_task *t, struct kiso_plan *p, struct kiso_fcontent *fc,
			const struct kiso_fattr *fa, bool backup, const char *validate,
			const char **backup_out);

/*
 * Results of a copy-like module (copy, template): dest, checksum (SHA-1
 * of the content), md5sum, size, state, mode, uid, gid, owner, group, as
 * Ansible's copy module returns them; 'src' when given.
 */
void kiso_fcontent_result(struct kiso_task *t, struct kiso_plan *p, const struct kiso_fcontent *fc,
			  const struct kiso_fattr *fa, const char *src);

/*
 * A controller file for src= of copy/template/script: an absolute path as
 * is, else the first of DIR/SUB/src, DIR/src for DIR in t->search_path (SUB:
 * "files" or "templates", Ansible's find_needle), else src relative to the
 * current directory. NULL when none exists (t->arena).
 */
const char *kiso_find_local(struct kiso_task *t, const char *sub, const char *src);

/* Reads a controller file whole into t->arena; fails the task. */
int kiso_read_local(struct kiso_task *t, const char *path, const char **data, size_t *len);

#endif
