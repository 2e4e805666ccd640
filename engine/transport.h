/*
 * transport.h - the remote primitives: how kiso acts on a host.
 *
 * Modules, facts and the runner never call libssh2 or the OS directly:
 * they hold a struct kiso_conn (one per host) and call the kiso_transport_*
 * functions below, which dispatch through a table of functions
 * (struct kiso_transport_ops, like SQLite's sqlite3_io_methods or curl's
 * Curl_ssl). Two backends exist:
 *
 *   kiso_transport_ssh    libssh2: ONE session per host, opened once by
 *                         kiso_conn_open() and reused for the whole run; a
 *                         channel per command; one SFTP subsystem for the
 *                         file primitives (transport_ssh.c)
 *   kiso_transport_local  POSIX calls on this machine; commands through
 *                         /bin/sh -c (transport_local.c)
 *
 * Lifecycle:
 *
 *   struct kiso_conn_opts o;
 *   kiso_conn_opts_init(&o);                  // defaults
 *   kiso_conn_opts_set(&o.host, "10.0.0.5");  // from the host's variables
 *   kiso_sshopts_parse(&o, common_args, &err);   // ansible_ssh_common_args
 *   kiso_conn_new(&c, &o);                    // no I/O; copies o
 *   if (kiso_conn_open(c) < 0) ... kiso_conn_error(c) ...   // UNREACHABLE
 *   kiso_transport_exec(c, &req, &res); kiso_transport_stat(c, ...); ...
 *   kiso_conn_free(c);                        // closes; NULL is fine
 *
 * Errors (STYLE.md section 4): every fallible function returns 0 or a
 * negative code and records the details in the connection's own
 * struct kiso_error (kiso_conn_error()); the first message wins until
 * kiso_conn_clear_error(). Codes callers act on:
 *
 *   KISO_EUNREACHABLE  cannot connect, authenticate, or verify the host
 *                      key, or the session died: the host is UNREACHABLE
 *                      ("cannot connect to 'h3' (127.0.0.1:22003):
 *                      Connection refused")
 *   KISO_ETIMEOUT      the connect timeout or a command's timeout passed
 *   KISO_ENOTFOUND     a path (or its parent) does not exist
 *   KISO_EFAIL         anything else (permission denied, not a directory...)
 *
 * A session that died (KISO_EUNREACHABLE or KISO_ETIMEOUT after connect) is
 * not reopened behind the caller's back: the host is reported unreachable.
 * libssh2 failures are wrapped once, at the boundary, with
 * libssh2_session_last_error()'s text.
 *
 * Thread-safety: a struct kiso_conn is used by one thread at a time (the
 * thread working on that host). Different connections may be used from
 * different threads at once, including connections tunnelled through a
 * shared jump connection: the jump connection's libssh2 session is guarded
 * by its own mutex, and a pump thread per jump session moves the tunnelled
 * bytes (transport_ssh.c explains why). The jump connection itself may be
 * used by its own host's thread at the same time.
 *
 * Paths are absolute remote paths (a relative path is relative to the login
 * user's home for SSH, to the current directory for local). Strings are
 * bytes; nothing is quoted by the caller: the transport quotes what it puts
 * on a command line.
 *
 * Cost over SSH (round trips measured through a 20 ms delay line, see
 * transport_ssh.c): session setup ~10, first file primitive +4 (starts
 * SFTP), stat 1 (+1 for a symlink's target), chmod/chown by id 2, rename
 * to a new name 1, mkdir 2, read 3-4, exec 2-3 plus the remote shell's
 * start, write_atomic ~11 for an existing file (SFTP upload, then one
 * `mv` command), ~9 for a new one. Operations that SFTP v3 cannot do
 * correctly run as one command instead: rename over an existing file,
 * chown by name or of a symlink itself, symlink, and every file primitive
 * under become.
 */
#ifndef KISO_TRANSPORT_H
#define KISO_TRANSPORT_H

#include "kiso_common.h"
#include "buf.h"
#include "error.h"

#include <sys/types.h>

struct kiso_conn;

/* ------------------------------------------------------------------ */
/* Connection options                                                   */

enum kiso_conn_kind {
	KISO_CONN_SSH = 0,      /* ansible_connection=ssh (the default) */
	KISO_CONN_LOCAL,        /* ansible_connection=local, or 'localhost' */
};

/*
 * What to do with a host key that is not in any known_hosts file. A key
 * that CHANGED (the file has another key of the same type for the host) is
 * always refused, whatever the policy, with a message naming the host and
 * both SHA256 fingerprints.
 */
enum kiso_hostkey_policy {
	KISO_HOSTKEY_UNSET = 0,     /* not given: means STRICT */
	KISO_HOSTKEY_STRICT,        /* StrictHostKeyChecking=yes: refuse */
	KISO_HOSTKEY_ACCEPT_NEW,    /* =accept-new / =no / --ssh-accept-new:
	                               accept and append to the first
	                               UserKnownHostsFile (or ~/.ssh/known_hosts) */
};

#define KISO_IDENTITIES_MAX 8
#define KISO_KNOWN_HOSTS_MAX 8
#define KISO_JUMPS_MAX 8

#define KISO_CONNECT_TIMEOUT_MS 10000   /* ansible's default timeout */
#define KISO_EXEC_OUT_MAX (64u << 20)   /* default cap of a command's stdout/stderr */
#define KISO_READ_MAX (64u << 20)       /* default cap of kiso_transport_read */

/*
 * One hop of a ProxyJump / -J list: "[user@]host[:port]". Strings malloc'd,
 * owned by the containing struct kiso_conn_opts.
 */
struct kiso_jump_spec {
	char *user;             /* NULL: the login user of the target */
	char *host;
	int port;               /* 0: 22 */
};

/*
 * How to reach one host. Every string is malloc'd and owned by the struct
 * (set them with kiso_conn_opts_set(), free with kiso_conn_opts_release()).
 *
 * Precedence follows ansible + OpenSSH ("the first value obtained wins"):
 * the runner sets the fields from ansible_host/_port/_user/
 * _ssh_private_key_file (and --private-key) FIRST, then calls
 * kiso_sshopts_parse() for ansible_ssh_common_args, which only fills
 * fields that are still unset (identities and known_hosts files are
 * appended).
 */
struct kiso_conn_opts {
	enum kiso_conn_kind kind;
	char *name;             /* inventory name, used in messages ("h3") */
	char *host;             /* address: ansible_host, else the name */
	int port;               /* 0: 22 */
	char *user;             /* NULL: the controller's user name */
	/* private keys tried first, in order (ansible_ssh_private_key_file,
	 * --private-key, -i ...); then ssh-agent, then ~/.ssh/id_{ed25519,
	 * ecdsa,rsa}. A ".pub" beside the key is not needed. */
	char *identities[KISO_IDENTITIES_MAX];
	size_t n_identities;
	/* extra known_hosts files (UserKnownHostsFile, may hold several
	 * names); ~/.ssh/known_hosts is always read too, unless
	 * no_default_known_hosts. New keys go to known_hosts[0] if any. */
	char *known_hosts[KISO_KNOWN_HOSTS_MAX];
	size_t n_known_hosts;
	bool no_default_known_hosts;    /* tests: do not read ~/.ssh/known_hosts */
	bool no_default_identities;     /* tests: no agent, no ~/.ssh/id_* */
	enum kiso_hostkey_policy hostkey;
	/* ProxyJump chain from -J / -o ProxyJump= (first hop first). The
	 * runner opens a connection to each hop, with the options from
	 * kiso_conn_opts_for_jump() and .jump set to the previous hop's
	 * connection (NULL for the first), shares each between all hosts
	 * behind the same hop, and passes the last one as 'jump'. */
	struct kiso_jump_spec jumps[KISO_JUMPS_MAX];
	size_t n_jumps;
	/* Tunnel through this open SSH connection (kiso_jump: <host>, or the
	 * last hop of 'jumps'). Borrowed: it must stay open until every
	 * connection through it is freed. NULL: connect directly. */
	struct kiso_conn *jump;
	int connect_timeout_ms;         /* 0: KISO_CONNECT_TIMEOUT_MS */
	int command_timeout_ms;         /* default per command; 0: none */
};

/*
 * ansible_connection to a kind: "ssh", "smart" and "paramiko" are SSH,
 * "local" is local; anything else (docker, winrm, ...) is KISO_EINVALID
 * with err set ("unsupported connection type 'docker'"). The inventory's
 * implicit localhost (a host named localhost/127.0.0.1 without
 * ansible_connection, as ansible treats it) is the runner's call: set
 * KISO_CONN_LOCAL for it.
 */
int kiso_conn_kind_parse(enum kiso_conn_kind *out, const char *s, struct kiso_error *err);

/*
 * Returns the value of host variable 'name' as a string (templated, as the
 * runner resolves it), or NULL when the host does not have it. Borrowed:
 * valid until the next call.
 */
typedef const char *(*kiso_conn_var_fn)(const char *name, void *payload);

/*
 * sshopts.c: fills o (initialised by the caller, possibly with --private-key
 * / --ssh-accept-new / --timeout already applied) from one host's
 * variables, the way ansible's ssh connection reads them:
 *
 *   ansible_connection                 kind (kiso_conn_kind_parse)
 *   ansible_host, ansible_ssh_host     host (else the inventory name)
 *   ansible_port, ansible_ssh_port     port
 *   ansible_user, ansible_ssh_user     user
 *   ansible_ssh_private_key_file,
 *   ansible_private_key_file           first identity (before --private-key
 *                                      and -i keys)
 *   ansible_host_key_checking,
 *   ansible_ssh_host_key_checking      false: KISO_HOSTKEY_ACCEPT_NEW
 *   ansible_ssh_timeout, ansible_timeout   connect timeout in seconds
 *   ansible_ssh_common_args, then
 *   ansible_ssh_extra_args             kiso_sshopts_parse()
 *
 * implicit_localhost: the host is ansible's implicit localhost (named
 * "localhost" but not in the inventory): local unless ansible_connection
 * says otherwise. kiso_jump is not read here: the runner resolves that
 * inventory name to a connection and sets o->jump. Errors: KISO_EINVALID
 * naming the variable ("invalid ansible_port 'abc'").
 */
int kiso_conn_opts_from_vars(struct kiso_conn_opts *o, const char *inventory_name,
			     bool implicit_localhost, kiso_conn_var_fn get, void *payload,
			     struct kiso_error *err);

/* Zeroes o (kind ssh, no strings, default timeouts). */
void kiso_conn_opts_init(struct kiso_conn_opts *o);

/* Frees every string of o; o is then as after kiso_conn_opts_init(). */
void kiso_conn_opts_release(struct kiso_conn_opts *o);

/* Deep copy of src into dst (dst is overwritten, not released). */
void kiso_conn_opts_copy(struct kiso_conn_opts *dst, const struct kiso_conn_opts *src);

/* *field = strdup(value) (NULL clears), freeing the old value. */
void kiso_conn_opts_set(char **field, const char *value);

/* Appends a private key path / known_hosts path; -1 when the list is full. */
int kiso_conn_opts_add_identity(struct kiso_conn_opts *o, const char *path);
int kiso_conn_opts_add_known_hosts(struct kiso_conn_opts *o, const char *path);

/*
 * Options to reach jump hop number i of o->jumps: host and port from the
 * spec, user from the spec or else o->user, identities, known_hosts and
 * host key policy and timeouts copied from o. out is initialised here;
 * release it with kiso_conn_opts_release(). The name is "user@host:port".
 */
void kiso_conn_opts_for_jump(struct kiso_conn_opts *out, const struct kiso_conn_opts *o,
			     size_t i);

/*
 * sshopts.c: applies an ansible_ssh_common_args (or ssh_extra_args) string
 * to o. The string is split like a POSIX shell would split it (single and
 * double quotes, backslashes; no expansions). Understood: -J SPEC,
 * -o ProxyJump=SPEC, -o UserKnownHostsFile=FILE..., -o
 * StrictHostKeyChecking=yes|no|accept-new|ask, -i FILE, -p PORT,
 * -o Port=N, -o User=U, -l USER, -o ConnectTimeout=S, and "-o Key Value" /
 * "-oKey=Value" forms (keys case-insensitive). Other -o options and flags
 * (-C, -A, -T, -q, -v, -o ControlMaster=..., ...) are accepted and ignored;
 * ProxyCommand is refused (KISO_EINVALID) since kiso does not spawn ssh.
 * Fields already set in o are kept (first value wins, as in OpenSSH);
 * "-J none" / "ProxyJump=none" sets no jump. '~/' in file names is the
 * controller's home. Returns 0, or KISO_EINVALID with err set.
 */
int kiso_sshopts_parse(struct kiso_conn_opts *o, const char *args, struct kiso_error *err);

/*
 * Splits s into words like sh would (quotes, backslash escapes, no
 * expansion). *out is a malloc'd NULL-terminated array of malloc'd words
 * (free with kiso_sshopts_free_words()); returns the count, or
 * KISO_EINVALID for an unterminated quote.
 */
int kiso_sshopts_split(char ***out, const char *s, struct kiso_error *err);
void kiso_sshopts_free_words(char **words);

/* Parses "[user@]host[:port]" (IPv6 as "[addr]:port"); KISO_EINVALID. */
int kiso_sshopts_parse_jump(struct kiso_jump_spec *out, const char *spec,
			    struct kiso_error *err);

/* ------------------------------------------------------------------ */
/* Commands                                                             */

/*
 * Privilege escalation for a task (ansible become). Borrowed by the
 * connection while set (kiso_conn_set_become()); the password is never put
 * on a command line: it is written to sudo's stdin (sudo -S) only when
 * sudo prompts for it, behind a unique prompt string.
 */
struct kiso_become {
	const char *user;       /* NULL: "root" */
	const char *password;   /* NULL: passwordless (sudo -n) */
	const char *flags;      /* become_flags; NULL: "-H -S -n" (ansible's) */
};

struct kiso_exec_req {
	/* The command line, run by the remote user's login shell (SSH, as
	 * OpenSSH runs it) or by /bin/sh -c (local). Under become it is run as
	 * /bin/sh -c CMD by sudo. */
	const char *cmd;
	const void *in;         /* bytes written to stdin, then EOF; NULL: none */
	size_t in_len;
	size_t out_max;         /* cap of stdout kept; 0: KISO_EXEC_OUT_MAX */
	size_t err_max;         /* cap of stderr kept; 0: KISO_EXEC_OUT_MAX */
	/* 0: the connection's command_timeout_ms (0 there: none); < 0: none */
	int timeout_ms;
	bool no_become;         /* run as the login user even if become is set */
};

struct kiso_exec_result {
	/* exit status 0..255; a command killed by a signal gives 128+signal
	 * (and 'signal' names it); -1 when the exit status is unknown */
	int status;
	char signal[16];        /* "TERM", "" when not signalled */
	/* Captured output; each is capped (req.out_max / req.err_max): past
	 * the cap the rest is read and thrown away and toobig is set, the
	 * exec still succeeds. Owned by the result: kiso_exec_result_release. */
	struct kiso_buf out;
	struct kiso_buf err;
};

#define KISO_EXEC_RESULT_INIT { -1, { 0 }, KISO_BUF_INIT, KISO_BUF_INIT }

void kiso_exec_result_release(struct kiso_exec_result *r);

/* ------------------------------------------------------------------ */
/* Files                                                                */

enum kiso_ftype {
	KISO_FT_NONE = 0,       /* does not exist */
	KISO_FT_REG,
	KISO_FT_DIR,
	KISO_FT_LNK,
	KISO_FT_CHR,
	KISO_FT_BLK,
	KISO_FT_FIFO,
	KISO_FT_SOCK,
	KISO_FT_OTHER,
};

/* The name of a type as ansible's stat/file modules say it ("file",
 * "directory", "link", "absent", ...). */
const char *kiso_ftype_name(enum kiso_ftype t);

#define KISO_PATH_MAX 4096

struct kiso_stat {
	enum kiso_ftype type;   /* KISO_FT_NONE: the path does not exist */
	unsigned mode;          /* permission bits, 07777 */
	unsigned long uid, gid;
	uint64_t size;
	int64_t mtime;          /* seconds since the epoch */
	char link[KISO_PATH_MAX]; /* KISO_FT_LNK: the target as stored; else "" */
};

enum {
	KISO_STAT_FOLLOW = 1 << 0,  /* stat(2): follow a final symlink */
};

/* Sentinel for "do not change / keep" in numeric fields. */
#define KISO_MODE_KEEP (-1)

struct kiso_write_opts {
	/* Mode of the file. KISO_MODE_KEEP: an existing regular file's mode,
	 * else 0644 (not masked by any umask). */
	int mode;
	/* Owner and group by name or decimal id. NULL: an existing regular
	 * file's owner/group, else whatever the transport's user creates. */
	const char *owner;
	const char *group;
	/* path is a symlink: false (default) replaces the link itself by a
	 * regular file; true writes to the file it points to (resolved, as
	 * realpath). A symlink is never followed unless this is set. */
	bool follow;
};

#define KISO_WRITE_OPTS_INIT { KISO_MODE_KEEP, NULL, NULL, false }

/* ------------------------------------------------------------------ */
/* The table of functions                                               */

/*
 * A backend. Every slot is mandatory. Callers use the kiso_transport_*
 * wrappers, never the slots: the wrappers check arguments, route file
 * operations through commands under become (SFTP runs as the login user,
 * so with become every file primitive is a command run under sudo:
 * transport_shell.c) and keep the error-handling rules.
 *
 * Slot contracts are those of the wrappers below, minus become handling:
 * a backend's file slots act as the login user; its exec slot honours
 * c->become unless req->no_become.
 */
struct kiso_transport_ops {
	const char *name;                               /* "ssh", "local" */
	int (*open)(struct kiso_conn *c);               /* connect + auth */
	void (*close)(struct kiso_conn *c);             /* idempotent */
	int (*exec)(struct kiso_conn *c, const struct kiso_exec_req *req,
		    struct kiso_exec_result *out);
	int (*stat)(struct kiso_conn *c, const char *path, int flags, struct kiso_stat *out);
	int (*read)(struct kiso_conn *c, const char *path, size_t max, struct kiso_buf *out);
	int (*write_atomic)(struct kiso_conn *c, const char *path, const void *data,
			    size_t len, const struct kiso_write_opts *o);
	int (*mkdir)(struct kiso_conn *c, const char *path, unsigned mode);
	int (*rename)(struct kiso_conn *c, const char *from, const char *to);
	int (*chmod)(struct kiso_conn *c, const char *path, unsigned mode);
	int (*chown)(struct kiso_conn *c, const char *path, const char *owner,
		     const char *group, bool follow);
	int (*symlink)(struct kiso_conn *c, const char *target, const char *linkpath);
	int (*readlink)(struct kiso_conn *c, const char *path, struct kiso_buf *out);
	int (*unlink)(struct kiso_conn *c, const char *path);
	int (*rmdir)(struct kiso_conn *c, const char *path);
};

extern const struct kiso_transport_ops kiso_transport_ssh;
extern const struct kiso_transport_ops kiso_transport_local;

/*
 * One host's connection. The fields are for the backends (and for
 * reading); callers use the functions.
 */
struct kiso_conn {
	const struct kiso_transport_ops *ops;
	struct kiso_conn_opts opts;     /* owned copy */
	struct kiso_error err;          /* first error since the last clear */
	const struct kiso_become *become; /* borrowed; NULL: none */
	bool open;
	void *impl;                     /* the backend's state */
	/* fault injection (tests): see kiso_conn_fail_after() */
	long fail_after;
	/* counters, for benchmarks and tests */
	unsigned long n_exec;           /* commands run (one channel each on SSH) */
	unsigned long n_sftp;           /* SFTP operations started (opens, stats,
	                                   setstats...; not every packet) */
};

/*
 * A new, unopened connection for opts (copied; the caller keeps its own).
 * Picks the backend from opts->kind; a host named "localhost" with no
 * explicit kind and no ansible_host is local (ansible's implicit
 * localhost) - the runner decides that and sets kind. Never fails.
 */
struct kiso_conn *kiso_conn_new(const struct kiso_conn_opts *opts);

/*
 * Connects: TCP (or a direct-tcpip channel through opts.jump), SSH
 * handshake, host key check, authentication, SFTP subsystem. Takes at most
 * about connect_timeout_ms. KISO_EUNREACHABLE / KISO_ETIMEOUT with the
 * message set. Opening an open connection does nothing.
 */
int kiso_conn_open(struct kiso_conn *c);

/* Closes and frees; NULL does nothing. Connections tunnelled through c must
 * be freed first. */
void kiso_conn_free(struct kiso_conn *c);

/* The first error since the last clear (code 0: none). Borrowed. */
const struct kiso_error *kiso_conn_error(const struct kiso_conn *c);
void kiso_conn_clear_error(struct kiso_conn *c);

/*
 * Sets (b != NULL) or clears (NULL) become for the following calls. b is
 * borrowed until cleared. With become, exec runs 'sudo FLAGS -u USER
 * /bin/sh -c CMD' and every file primitive is a command under sudo.
 */
void kiso_conn_set_become(struct kiso_conn *c, const struct kiso_become *b);

/*
 * Runs req->cmd, feeding req->in, capturing stdout/stderr (capped) and the
 * exit status into out (initialise it with KISO_EXEC_RESULT_INIT; it is
 * overwritten, release it after). A non-zero exit status is NOT an error:
 * the call returns 0. Errors: KISO_ETIMEOUT (the command ran longer than
 * its timeout: its process group is killed, over SSH by one more command
 * since libssh2 1.10 cannot send signals; a command under become is
 * killed through sudo), KISO_EUNREACHABLE (the session
 * died), KISO_EFAIL (the sudo password was refused: "incorrect sudo
 * password for 'h1'"). Under become, sudo's own failure (no password
 * given where one is needed, user not in sudoers) is an exit status and
 * sudo's message in out->err, like any command's.
 */
int kiso_transport_exec(struct kiso_conn *c, const struct kiso_exec_req *req,
			struct kiso_exec_result *out);

/* Shorthand: runs cmd with no stdin and default caps. */
int kiso_transport_run(struct kiso_conn *c, const char *cmd, struct kiso_exec_result *out);

/*
 * lstat(2) (or stat(2) with KISO_STAT_FOLLOW) of path into out. A path that
 * does not exist is NOT an error: 0 with out->type == KISO_FT_NONE (plan()
 * asks "does it exist?" all the time). Errors: permission denied, a parent
 * that is not a directory... (KISO_EFAIL).
 */
int kiso_transport_stat(struct kiso_conn *c, const char *path, int flags,
			struct kiso_stat *out);

/*
 * The whole content of a file (following symlinks) appended to out.
 * max: 0 means KISO_READ_MAX; a longer file fails (KISO_EFAIL, "'path' is
 * larger than N bytes") and out is left as it was. KISO_ENOTFOUND.
 */
int kiso_transport_read(struct kiso_conn *c, const char *path, size_t max,
			struct kiso_buf *out);

/*
 * Replaces path with data atomically: a temp file in the same directory
 * (".NAME.kiso-XXXXXX", created O_EXCL mode 0600), written, owner then mode
 * set (chown(2) clears set-id bits), fsync'd, then renamed over path
 * (rename(2)), so readers see the old or the new file, never a part, and
 * the new inode has the right owner/mode before anyone can open it. o may
 * be NULL (KISO_WRITE_OPTS_INIT). On failure the temp file is removed and
 * path is untouched. Errors: KISO_ENOTFOUND when the directory does not
 * exist; KISO_EFAIL when path is a directory, or the owner cannot be kept
 * (a login user that may not chown to it).
 */
int kiso_transport_write_atomic(struct kiso_conn *c, const char *path, const void *data,
				size_t len, const struct kiso_write_opts *o);

/* mkdir(2) of one directory (not -p), mode not masked by a umask. An
 * existing path fails. */
int kiso_transport_mkdir(struct kiso_conn *c, const char *path, unsigned mode);

/* rename(2): atomically replaces an existing 'to' (a file, or an empty
 * directory when 'from' is one). */
int kiso_transport_rename(struct kiso_conn *c, const char *from, const char *to);

/* chmod(2) of path (07777). A symlink is refused: Linux cannot chmod a
 * link and chmod would change the file it points to. */
int kiso_transport_chmod(struct kiso_conn *c, const char *path, unsigned mode);

/* Owner and/or group (by name or decimal id; NULL keeps it). follow false:
 * a symlink's own ownership (lchown); true: the file it points to. An
 * unknown name fails (KISO_EFAIL; locally "unknown user 'x'", on a host
 * chown(1)'s message: "cannot chown 'p': chown: invalid user: 'x'"). */
int kiso_transport_chown(struct kiso_conn *c, const char *path, const char *owner,
			 const char *group, bool follow);

/* symlink(2): creates linkpath pointing at target (stored as given). */
int kiso_transport_symlink(struct kiso_conn *c, const char *target, const char *linkpath);

/* readlink(2) appended to out; KISO_EFAIL when path is not a symlink. */
int kiso_transport_readlink(struct kiso_conn *c, const char *path, struct kiso_buf *out);

/* unlink(2) (not directories); KISO_ENOTFOUND. */
int kiso_transport_unlink(struct kiso_conn *c, const char *path);

/* rmdir(2) of an empty directory; KISO_ENOTFOUND. */
int kiso_transport_rmdir(struct kiso_conn *c, const char *path);

/*
 * Fault injection for tests of the layers above (SQLite's test_malloc
 * idea): after n more successful kiso_transport_* calls (exec and file
 * primitives), every call fails with KISO_EUNREACHABLE ("injected failure
 * on 'h1'") as if the session had died. n < 0 turns it off (the default).
 */
void kiso_conn_fail_after(struct kiso_conn *c, long n);

/* ------------------------------------------------------------------ */
/* For backends (transport.c, transport_shell.c)                        */

/* Sets c->err, and returns code. */
int kiso_conn_fail(struct kiso_conn *c, int code, const char *fmt, ...) KISO_PRINTF(3, 4);

/* "'name'" for messages: the inventory name, else host. Borrowed. */
const char *kiso_conn_label(const struct kiso_conn *c);

/* Appends s to b quoted for a POSIX shell ('...' with '\'' escapes). */
void kiso_shell_quote(struct kiso_buf *b, const char *s);

/*
 * Become, as both backends run it. kiso_become_wrap() appends to b the
 * command that runs cmd through sudo; prompt is the unique prompt string
 * passed with -p (when there is a password) and marker the line the
 * wrapper writes to stderr once sudo let it run (both NUL-terminated,
 * filled by kiso_become_wrap). The backend then feeds stderr through a
 * struct kiso_become_filter until it is done. The marker line is
 * "MARKER PID": the pid of the shell sudo started, for killing it.
 */
struct kiso_become_filter {
	char prompt[48];
	char marker[48];
	const char *password;   /* borrowed */
	struct kiso_buf pending; /* stderr seen before the marker */
	int prompts;            /* times sudo asked */
	long pid;               /* pid of the shell sudo started (from the marker) */
	bool done;              /* marker seen: the rest is the command's */
	bool failed;            /* sudo asked a second time: wrong password */
};

void kiso_become_wrap(struct kiso_buf *b, const struct kiso_become *become, const char *cmd,
		      struct kiso_become_filter *f);

/*
 * Feeds stderr bytes. Appends to 'err' the bytes that belong to the
 * command (or to sudo's own error output once it failed); sets *send_pw
 * when the password (plus "\n") must now be written to stdin.
 */
void kiso_become_feed(struct kiso_become_filter *f, const char *p, size_t n,
		      struct kiso_buf *err, bool *send_pw);

/* At EOF: hands what is pending to err (sudo's own messages). */
void kiso_become_finish(struct kiso_become_filter *f, struct kiso_buf *err);

void kiso_become_filter_release(struct kiso_become_filter *f);

/* Append-with-cap for the exec loops: adds what fits, sets toobig. */
void kiso_buf_add_capped(struct kiso_buf *b, const void *p, size_t n);

#endif
