/*
 * known_hosts.h - host key verification for the SSH transport
 * (libssh2_knownhost_*): OpenSSH known_hosts files, hashed entries
 * (|1|salt|hash) and [host]:port entries.
 *
 * Files read: every opts->known_hosts file (UserKnownHostsFile), then
 * ~/.ssh/known_hosts unless opts->no_default_known_hosts. Lines libssh2
 * cannot parse (markers such as @cert-authority, key types it lacks) are
 * skipped, as OpenSSH skips what it does not understand. A missing file is
 * an empty one.
 */
#ifndef KISO_KNOWN_HOSTS_H
#define KISO_KNOWN_HOSTS_H

#include "transport.h"

#include <libssh2.h>

/*
 * Checks the key the server of session s presented for host:port.
 *   known            0
 *   unknown          KISO_HOSTKEY_ACCEPT_NEW: appended (to known_hosts[0],
 *                    else ~/.ssh/known_hosts, created 0600 in a 0700
 *                    ~/.ssh), 0; otherwise refused: KISO_EUNREACHABLE
 *                    "host key for 'h1' (127.0.0.1:24001) is not known
 *                    (ssh-ed25519 SHA256:...); ..."
 *   changed          always refused, KISO_EUNREACHABLE, naming the host and
 *                    both fingerprints ("... has CHANGED: known SHA256:x,
 *                    offered SHA256:y ...")
 * The error goes to c. s must be past its handshake. Appends are
 * serialised with flock() so parallel hosts do not interleave lines.
 */
int kiso_known_hosts_check(struct kiso_conn *c, LIBSSH2_SESSION *s, const char *host, int port);

/*
 * A libssh2 host key method preference list ("ssh-ed25519,ecdsa-...")
 * putting first the key types known_hosts holds for host:port, so that
 * the server is asked for a key we can verify (OpenSSH does the same).
 * Call before the handshake. malloc'd; caller frees.
 */
char *kiso_known_hosts_prefs(struct kiso_conn *c, LIBSSH2_SESSION *s, const char *host, int port);

/* "SHA256:<base64 without padding>" of a raw key blob, as ssh-keygen -l. */
void kiso_fingerprint_sha256(char *out, size_t size, const unsigned char *blob, size_t len);

#endif
