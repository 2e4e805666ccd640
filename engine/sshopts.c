/*
 * sshopts.c - ansible_ssh_common_args: the part of an ssh command line
 * that kiso understands, applied to struct kiso_conn_opts.
 *
 * OpenSSH keeps the first value it obtains for an option, and ansible puts
 * ansible_port/ansible_user/the private key before the common args, so an
 * option already set in the struct is kept. Identity and known_hosts files
 * accumulate, as with ssh.
 */
#include "kiso_common.h"
#include "transport.h"

#include <ctype.h>
#include <errno.h>
#include <strings.h>

int kiso_conn_kind_parse(enum kiso_conn_kind *out, const char *s, struct kiso_error *err)
{
	if (!s || !strcmp(s, "ssh") || !strcmp(s, "smart") || !strcmp(s, "paramiko") ||
	    !strcmp(s, "ansible.builtin.ssh") || !strcmp(s, "ansible.builtin.paramiko_ssh")) {
		*out = KISO_CONN_SSH;
		return 0;
	}
	if (!strcmp(s, "local") || !strcmp(s, "ansible.builtin.local")) {
		*out = KISO_CONN_LOCAL;
		return 0;
	}
	return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
			      "unsupported connection type '%s'", s);
}

void kiso_sshopts_free_words(char **words)
{
	if (!words)
		return;
	for (char **w = words; *w; w++)
		free(*w);
	free(words);
}

int kiso_sshopts_split(char ***out, const char *s, struct kiso_error *err)
{
	char **words = NULL;
	size_t n = 0, cap = 0;
	struct kiso_buf w = KISO_BUF_INIT;
	bool in_word = false;

	*out = NULL;
	for (const char *p = s ? s : ""; ; p++) {
		char ch = *p;

		if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n') {
			if (in_word) {
				if (n + 2 > cap) {
					cap = cap ? cap * 2 : 8;
					words = kiso_xrealloc(words, cap * sizeof(*words));
				}
				words[n++] = w.ptr ? kiso_buf_detach(&w) : kiso_xstrdup("");
				in_word = false;
			}
			if (ch == '\0')
				break;
			continue;
		}
		in_word = true;
		if (ch == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				goto unterminated;
			kiso_buf_add(&w, p + 1, (size_t)(end - p - 1));
			if (!w.ptr)
				kiso_buf_puts(&w, "");
			p = end;
		} else if (ch == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' ||
						   p[1] == '`' || p[1] == '\n'))
					p++;
				kiso_buf_putc(&w, *p);
			}
			if (!*p)
				goto unterminated;
			if (!w.ptr)
				kiso_buf_puts(&w, "");
		} else if (ch == '\\') {
			if (p[1] == '\0')
				continue;       /* a trailing backslash: dropped */
			p++;
			kiso_buf_putc(&w, *p);
		} else {
			kiso_buf_putc(&w, ch);
		}
	}
	if (!words) {
		words = kiso_xcalloc(1, sizeof(*words));
	}
	words[n] = NULL;
	*out = words;
	return (int)n;
unterminated:
	kiso_buf_release(&w);
	if (words) {
		words[n] = NULL;
		kiso_sshopts_free_words(words);
	}
	return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
			      "unterminated quote in ssh arguments '%s'", s);
}

static int parse_port(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

int kiso_sshopts_parse_jump(struct kiso_jump_spec *out, const char *spec,
			    struct kiso_error *err)
{
	const char *at, *hp, *colon;
	char *host;
	int port = 0;

	memset(out, 0, sizeof(*out));
	if (strncmp(spec, "ssh://", 6) == 0)
		spec += 6;
	at = strrchr(spec, '@');
	hp = at ? at + 1 : spec;
	if (*hp == '[') {
		const char *close = strchr(hp, ']');
		if (!close)
			goto bad;
		host = kiso_xstrndup(hp + 1, (size_t)(close - hp - 1));
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon) {
			free(host);
			goto bad;
		}
	} else {
		colon = strchr(hp, ':');
		host = colon ? kiso_xstrndup(hp, (size_t)(colon - hp)) : kiso_xstrdup(hp);
	}
	if (colon && parse_port(colon + 1, &port) < 0) {
		free(host);
		goto bad;
	}
	if (!*host || (at && at == spec)) {
		free(host);
		goto bad;
	}
	out->host = host;
	out->port = port;
	out->user = at ? kiso_xstrndup(spec, (size_t)(at - spec)) : NULL;
	return 0;
bad:
	return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE, "invalid jump host '%s'", spec);
}

static int set_jumps(struct kiso_conn_opts *o, const char *list, struct kiso_error *err)
{
	char *copy, *save = NULL;
	int rc = 0;

	if (o->n_jumps)
		return 0;       /* first value wins */
	if (strcasecmp(list, "none") == 0)
		return 0;
	copy = kiso_xstrdup(list);
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_jumps >= KISO_JUMPS_MAX) {
			rc = kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
					    "too many jump hosts in '%s'", list);
			break;
		}
		if ((rc = kiso_sshopts_parse_jump(&o->jumps[o->n_jumps], tok, err)) < 0)
			break;
		o->n_jumps++;
	}
	free(copy);
	if (rc < 0) {
		for (size_t i = 0; i < o->n_jumps; i++) {
			free(o->jumps[i].user);
			free(o->jumps[i].host);
		}
		memset(o->jumps, 0, sizeof(o->jumps));
		o->n_jumps = 0;
	}
	return rc;
}

/* "~/x" -> "$HOME/x" */
static char *expand_home(const char *path)
{
	const char *home = getenv("HOME");

	if (path[0] == '~' && path[1] == '/' && home)
		return kiso_xasprintf("%s%s", home, path + 1);
	return kiso_xstrdup(path);
}

static int add_path(struct kiso_conn_opts *o, bool identity, const char *path,
		    struct kiso_error *err)
{
	char *p = expand_home(path);
	int rc = identity ? kiso_conn_opts_add_identity(o, p) : kiso_conn_opts_add_known_hosts(o, p);

	free(p);
	if (rc < 0)
		return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE, "too many %s files",
				      identity ? "identity" : "known_hosts");
	return 0;
}

/* One "-o Key=Value" (or "Key Value") option. */
static int apply_option(struct kiso_conn_opts *o, const char *opt, struct kiso_error *err,
			bool *known_hosts_set)
{
	const char *sep = opt + strcspn(opt, "= \t");
	size_t klen = (size_t)(sep - opt);
	const char *val = sep;
	char key[64];

	while (*val == '=' || *val == ' ' || *val == '\t')
		val++;
	if (!klen || klen >= sizeof(key) || !*val)
		return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
				      "invalid ssh option '%s'", opt);
	memcpy(key, opt, klen);
	key[klen] = '\0';

	if (strcasecmp(key, "ProxyJump") == 0)
		return set_jumps(o, val, err);
	if (strcasecmp(key, "ProxyCommand") == 0) {
		if (strcasecmp(val, "none") == 0)
			return 0;
		return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
				      "ProxyCommand is not supported (use ProxyJump or -J): '%s'", val);
	}
	if (strcasecmp(key, "UserKnownHostsFile") == 0) {
		char **words = NULL;
		int n, rc = 0;

		if (*known_hosts_set)
			return 0;
		*known_hosts_set = true;
		/* several files, space separated; "none" = /dev/null */
		if ((n = kiso_sshopts_split(&words, val, err)) < 0)
			return n;
		for (int i = 0; i < n && rc == 0; i++) {
			if (strcasecmp(words[i], "none") == 0)
				continue;
			rc = add_path(o, false, words[i], err);
		}
		kiso_sshopts_free_words(words);
		return rc;
	}
	if (strcasecmp(key, "StrictHostKeyChecking") == 0) {
		if (o->hostkey != KISO_HOSTKEY_UNSET)
			return 0;
		if (!strcasecmp(val, "yes") || !strcasecmp(val, "ask") || !strcasecmp(val, "true"))
			o->hostkey = KISO_HOSTKEY_STRICT;
		else if (!strcasecmp(val, "accept-new") || !strcasecmp(val, "no") ||
			 !strcasecmp(val, "off") || !strcasecmp(val, "false"))
			o->hostkey = KISO_HOSTKEY_ACCEPT_NEW;
		else
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
					      "invalid StrictHostKeyChecking value '%s'", val);
		return 0;
	}
	if (strcasecmp(key, "Port") == 0) {
		int port;

		if (parse_port(val, &port) < 0)
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
					      "invalid port '%s'", val);
		if (!o->port)
			o->port = port;
		return 0;
	}
	if (strcasecmp(key, "User") == 0) {
		if (!o->user)
			kiso_conn_opts_set(&o->user, val);
		return 0;
	}
	if (strcasecmp(key, "IdentityFile") == 0)
		return add_path(o, true, val, err);
	if (strcasecmp(key, "ConnectTimeout") == 0) {
		char *end;
		long v = strtol(val, &end, 10);

		if (*end || v < 0 || v > 86400)
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
					      "invalid ConnectTimeout '%s'", val);
		if (v && !o->connect_timeout_ms)
			o->connect_timeout_ms = (int)v * 1000;
		return 0;
	}
	if (strcasecmp(key, "HostName") == 0) {
		if (!o->host)
			kiso_conn_opts_set(&o->host, val);
		return 0;
	}
	/* ControlMaster, ControlPersist, ServerAliveInterval, ...: nothing
	 * for kiso to do (it keeps one session per host anyway) */
	return 0;
}

int kiso_sshopts_parse(struct kiso_conn_opts *o, const char *args, struct kiso_error *err)
{
	char **w = NULL;
	int n, rc = 0;
	bool known_hosts_set = false;
	/* flags of ssh(1) that take an argument, beside the ones handled */
	static const char with_arg[] = "BbcDEeFIiJLlmOoPpQRSWw";

	if ((n = kiso_sshopts_split(&w, args, err)) < 0)
		return n;
	for (int i = 0; i < n && rc == 0; i++) {
		const char *a = w[i];
		const char *arg;
		char flag;

		if (a[0] != '-' || !a[1]) {
			rc = kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
					    "unexpected word '%s' in ssh arguments", a);
			break;
		}
		/* a cluster of flags without argument: -tt, -CA, -4 */
		for (size_t k = 1; a[k]; k++) {
			flag = a[k];
			if (!strchr(with_arg, flag))
				continue;
			if (a[k + 1]) {
				arg = a + k + 1;
			} else if (i + 1 < n) {
				arg = w[++i];
			} else {
				rc = kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
						    "option '-%c' needs an argument", flag);
				break;
			}
			switch (flag) {
			case 'o':
				rc = apply_option(o, arg, err, &known_hosts_set);
				break;
			case 'J':
				rc = set_jumps(o, arg, err);
				break;
			case 'i':
				rc = add_path(o, true, arg, err);
				break;
			case 'p': {
				int port;
				if (parse_port(arg, &port) < 0)
					rc = kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
							    "invalid port '%s'", arg);
				else if (!o->port)
					o->port = port;
				break;
			}
			case 'l':
				if (!o->user)
					kiso_conn_opts_set(&o->user, arg);
				break;
			default:
				break;  /* -F, -E, -L...: accepted, no meaning for kiso */
			}
			break;
		}
	}
	kiso_sshopts_free_words(w);
	return rc;
}

/* The first of two variable names that is set. */
static const char *var2(kiso_conn_var_fn get, void *payload, const char *a, const char *b,
			const char **which)
{
	const char *v = get(a, payload);

	*which = a;
	if (!v && b) {
		v = get(b, payload);
		*which = b;
	}
	return v;
}

/* ansible's boolean strings */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "y", "t" };
	static const char *const no[] = { "no", "false", "off", "0", "n", "f" };

	for (size_t i = 0; i < KISO_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int kiso_conn_opts_from_vars(struct kiso_conn_opts *o, const char *inventory_name,
			     bool implicit_localhost, kiso_conn_var_fn get, void *payload,
			     struct kiso_error *err)
{
	const char *v, *which;
	int rc, port;

	kiso_conn_opts_set(&o->name, inventory_name);
	v = get("ansible_connection", payload);
	if (v) {
		if ((rc = kiso_conn_kind_parse(&o->kind, v, err)) < 0)
			return rc;
	} else {
		o->kind = implicit_localhost ? KISO_CONN_LOCAL : KISO_CONN_SSH;
	}
	v = var2(get, payload, "ansible_host", "ansible_ssh_host", &which);
	kiso_conn_opts_set(&o->host, v && *v ? v : inventory_name);
	if ((v = var2(get, payload, "ansible_port", "ansible_ssh_port", &which))) {
		if (parse_port(v, &port) < 0)
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE, "invalid %s '%s'",
					      which, v);
		o->port = port;
	}
	if ((v = var2(get, payload, "ansible_user", "ansible_ssh_user", &which)) && *v)
		kiso_conn_opts_set(&o->user, v);
	v = var2(get, payload, "ansible_ssh_private_key_file", "ansible_private_key_file", &which);
	if (v && *v) {
		char *p = expand_home(v);

		/* first in the list: before --private-key and -i */
		if (o->n_identities >= KISO_IDENTITIES_MAX) {
			free(p);
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
					      "too many identity files");
		}
		memmove(o->identities + 1, o->identities, o->n_identities * sizeof(*o->identities));
		o->identities[0] = p;
		o->n_identities++;
	}
	v = var2(get, payload, "ansible_ssh_host_key_checking", "ansible_host_key_checking", &which);
	if (v) {
		bool check;

		if (parse_bool(v, &check) < 0)
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE, "invalid %s '%s'",
					      which, v);
		if (!check && o->hostkey == KISO_HOSTKEY_UNSET)
			o->hostkey = KISO_HOSTKEY_ACCEPT_NEW;
	}
	if ((v = var2(get, payload, "ansible_ssh_timeout", "ansible_timeout", &which))) {
		char *end;
		long secs = strtol(v, &end, 10);

		if (*end || end == v || secs <= 0 || secs > 86400)
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE, "invalid %s '%s'",
					      which, v);
		o->connect_timeout_ms = (int)secs * 1000;
	}
	if ((v = get("ansible_ssh_common_args", payload)) &&
	    (rc = kiso_sshopts_parse(o, v, err)) < 0)
		return rc;
	if ((v = get("ansible_ssh_extra_args", payload)) &&
	    (rc = kiso_sshopts_parse(o, v, err)) < 0)
		return rc;
	return 0;
}
