/*
 * transport_shell.h - the file primitives as commands run through a
 * backend's exec (so that they run under become: sudo cannot change SFTP's
 * user). Same contracts as the kiso_transport_* functions in transport.h;
 * used by transport.c when become is set, and by a backend wherever a
 * command is the best way (for example SSH's rename over an existing
 * file). The commands are POSIX sh plus GNU coreutils (stat -c, mktemp,
 * sync FILE, mv -T, chown --reference), all present on the Linux hosts kiso
 * targets.
 */
#ifndef KISO_TRANSPORT_SHELL_H
#define KISO_TRANSPORT_SHELL_H

#include "transport.h"

int kiso_shell_stat(struct kiso_conn *c, const char *path, int flags, struct kiso_stat *out);
int kiso_shell_read(struct kiso_conn *c, const char *path, size_t max, struct kiso_buf *out);
int kiso_shell_write_atomic(struct kiso_conn *c, const char *path, const void *data, size_t len,
			    const struct kiso_write_opts *o);
int kiso_shell_mkdir(struct kiso_conn *c, const char *path, unsigned mode);
int kiso_shell_rename(struct kiso_conn *c, const char *from, const char *to);
int kiso_shell_chmod(struct kiso_conn *c, const char *path, unsigned mode);
int kiso_shell_chown(struct kiso_conn *c, const char *path, const char *owner,
		     const char *group, bool follow);
int kiso_shell_symlink(struct kiso_conn *c, const char *target, const char *linkpath);
int kiso_shell_readlink(struct kiso_conn *c, const char *path, struct kiso_buf *out);
int kiso_shell_unlink(struct kiso_conn *c, const char *path);
int kiso_shell_rmdir(struct kiso_conn *c, const char *path);

/* Splits path into directory ("." when none, "/" for "/x") and base name,
 * both malloc'd. */
void kiso_path_split(const char *path, char **dir, char **base);

#endif
