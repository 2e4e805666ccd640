/*
 * known_hosts.c - host key verification (see known_hosts.h).
 *
 * libssh2_knownhost_readfile() gives up at the first line it cannot parse,
 * so files are read line by line with libssh2_knownhost_readline() and bad
 * lines are skipped. The key-type preference trick: libssh2_knownhost_checkp
 * with a dummy key of type T answers MISMATCH exactly when the file has an
 * entry of type T for the host (it compares keys only after the name and
 * type matched), which is how we learn which types to ask the server for,
 * hashed entries included.
 */
#include "kiso_common.h"
#include "known_hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : "/";
}

void kiso_fingerprint_sha256(char *out, size_t size, const unsigned char *blob, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned char b64[EVP_MAX_MD_SIZE * 2];
	int n;

	EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL);
	n = EVP_EncodeBlock(b64, md, (int)mdlen);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	b64[n] = '\0';
	snprintf(out, size, "SHA256:%s", (char *)b64);
}

/* Fingerprint of a base64 key as stored in known_hosts. */
static void fingerprint_b64(char *out, size_t size, const char *b64)
{
	size_t len = strlen(b64);
	unsigned char *raw = kiso_xmalloc(len + 4);
	int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);

	if (n < 0) {
		snprintf(out, size, "(undecodable key)");
	} else {
		/* EVP_DecodeBlock counts the padding as zero bytes */
		if (len >= 1 && b64[len - 1] == '=')
			n--;
		if (len >= 2 && b64[len - 2] == '=')
			n--;
		kiso_fingerprint_sha256(out, size, raw, (size_t)n);
	}
	free(raw);
}

static int load_file(LIBSSH2_KNOWNHOSTS *kh, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int count = 0;

	if (!f)
		return 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\0' || *p == '@')
			continue;
		if (libssh2_knownhost_readline(kh, p, strlen(p), LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0)
			count++;
	}
	free(line);
	fclose(f);
	return count;
}

static char *default_file(void)
{
	return kiso_xasprintf("%s/.ssh/known_hosts", home_dir());
}

static LIBSSH2_KNOWNHOSTS *load_all(struct kiso_conn *c, LIBSSH2_SESSION *s)
{
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);

	if (!kh)
		return NULL;
	for (size_t i = 0; i < c->opts.n_known_hosts; i++)
		load_file(kh, c->opts.known_hosts[i]);
	if (!c->opts.no_default_known_hosts) {
		char *d = default_file();
		load_file(kh, d);
		free(d);
	}
	return kh;
}

static int kh_type(int hostkey_type, const char **name)
{
	switch (hostkey_type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: *name = "ssh-rsa"; return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: *name = "ssh-dss"; return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: *name = "ecdsa-sha2-nistp256"; return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: *name = "ecdsa-sha2-nistp384"; return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: *name = "ecdsa-sha2-nistp521"; return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: *name = "ssh-ed25519"; return LIBSSH2_KNOWNHOST_KEY_ED25519;
	}
	*name = "unknown";
	return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

/* "[host]:port" for a non-22 port, as OpenSSH writes it. */
static char *entry_name(const char *host, int port)
{
	if (port && port != 22)
		return kiso_xasprintf("[%s]:%d", host, port);
	return kiso_xstrdup(host);
}

static int append_key(struct kiso_conn *c, LIBSSH2_KNOWNHOSTS *kh, const char *host, int port,
		      const char *key, size_t len, int type)
{
	struct libssh2_knownhost *node = NULL;
	char *name = entry_name(host, port);
	char *path = c->opts.n_known_hosts ? kiso_xstrdup(c->opts.known_hosts[0]) : default_file();
	char line[8192];
	size_t outlen = 0;
	int fd = -1, rc = 0;
	struct stat st;

	if (libssh2_knownhost_addc(kh, name, NULL, key, len, NULL, 0,
				   LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type,
				   &node) != 0 ||
	    libssh2_knownhost_writeline(kh, node, line, sizeof(line), &outlen,
					LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		rc = kiso_conn_fail(c, KISO_EFAIL, "cannot record the host key of '%s'",
				    kiso_conn_label(c));
		goto out;
	}
	if (!c->opts.n_known_hosts) {
		char *dir = kiso_xasprintf("%s/.ssh", home_dir());
		mkdir(dir, 0700);
		free(dir);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		rc = kiso_conn_fail(c, KISO_EFAIL, "cannot add the host key of '%s' to '%s': %s",
				    kiso_conn_label(c), path, strerror(errno));
		goto out;
	}
	/* a file that does not end with a newline gets one first */
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		char last = '\n';
		int rfd = open(path, O_RDONLY | O_CLOEXEC);
		if (rfd >= 0) {
			if (pread(rfd, &last, 1, st.st_size - 1) != 1)
				last = '\n';
			close(rfd);
		}
		if (last != '\n' && write(fd, "\n", 1) != 1)
			goto werr;
	}
	if (write(fd, line, outlen) != (ssize_t)outlen)
		goto werr;
	goto out;
werr:
	rc = kiso_conn_fail(c, KISO_EFAIL, "cannot add the host key of '%s' to '%s': %s",
			    kiso_conn_label(c), path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(name);
	free(path);
	return rc;
}

int kiso_known_hosts_check(struct kiso_conn *c, LIBSSH2_SESSION *s, const char *host, int port)
{
	size_t len = 0;
	int type = 0, rc = 0, check, kt;
	const char *key = libssh2_session_hostkey(s, &len, &type);
	const char *tname;
	struct libssh2_knownhost *found = NULL;
	LIBSSH2_KNOWNHOSTS *kh;
	char fp_new[128], fp_old[128];
	int p = port ? port : 22;

	if (!key)
		return kiso_conn_fail(c, KISO_EUNREACHABLE, "'%s' (%s:%d) sent no host key",
				      kiso_conn_label(c), host, p);
	kt = kh_type(type, &tname);
	kiso_fingerprint_sha256(fp_new, sizeof(fp_new), (const unsigned char *)key, len);
	if (!(kh = load_all(c, s)))
		return kiso_conn_fail(c, KISO_EFAIL, "cannot read known_hosts");
	check = libssh2_knownhost_checkp(kh, host, p, key, len,
					 LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kt,
					 &found);
	switch (check) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		fingerprint_b64(fp_old, sizeof(fp_old), found && found->key ? found->key : "");
		rc = kiso_conn_fail(c, KISO_EUNREACHABLE,
				    "host key for '%s' (%s:%d) has CHANGED: known_hosts has %s %s, "
				    "the host offered %s %s; refusing to connect (possible "
				    "man-in-the-middle attack; remove the old key if the change "
				    "is expected)", kiso_conn_label(c), host, p, tname, fp_old,
				    tname, fp_new);
		break;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (c->opts.hostkey == KISO_HOSTKEY_ACCEPT_NEW) {
			rc = append_key(c, kh, host, p, key, len, kt);
			break;
		}
		rc = kiso_conn_fail(c, KISO_EUNREACHABLE,
				    "host key for '%s' (%s:%d) is not known (%s %s); add it to "
				    "known_hosts or use --ssh-accept-new", kiso_conn_label(c), host,
				    p, tname, fp_new);
		break;
	default:
		rc = kiso_conn_fail(c, KISO_EUNREACHABLE, "cannot check the host key of '%s'",
				    kiso_conn_label(c));
		break;
	}
	libssh2_knownhost_free(kh);
	return rc;
}

char *kiso_known_hosts_prefs(struct kiso_conn *c, LIBSSH2_SESSION *s, const char *host, int port)
{
	static const struct { int kt; const char *methods; } types[] = {
		{ LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519" },
		{ LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256" },
		{ LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384" },
		{ LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521" },
		{ LIBSSH2_KNOWNHOST_KEY_SSHRSA, "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
	};
	static const char dummy[] = "kiso-dummy-key";
	LIBSSH2_KNOWNHOSTS *kh = load_all(c, s);
	struct kiso_buf first = KISO_BUF_INIT, rest = KISO_BUF_INIT;
	char *out;

	for (size_t i = 0; i < KISO_ARRAY_SIZE(types); i++) {
		struct libssh2_knownhost *found = NULL;
		int r = kh ? libssh2_knownhost_checkp(kh, host, port ? port : 22, dummy,
						      sizeof(dummy) - 1,
						      LIBSSH2_KNOWNHOST_TYPE_PLAIN |
						      LIBSSH2_KNOWNHOST_KEYENC_RAW | types[i].kt,
						      &found)
			   : LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
		struct kiso_buf *b = r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ? &first : &rest;

		kiso_buf_printf(b, "%s%s", b->len ? "," : "", types[i].methods);
	}
	if (kh)
		libssh2_knownhost_free(kh);
	if (first.len && rest.len)
		kiso_buf_putc(&first, ',');
	kiso_buf_add(&first, rest.ptr, rest.len);
	out = kiso_buf_detach(&first);
	kiso_buf_release(&rest);
	return out;
}
