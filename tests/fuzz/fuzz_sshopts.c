/*
 * fuzz_sshopts - ansible_ssh_common_args parsing on any input.
 *
 * kiso_sshopts_parse() takes a string from the inventory: it must never
 * crash, leak or hang, must leave the options consistent (counts within
 * their arrays, every jump with a host, ports in range), and a failure
 * must come with a message. The same for kiso_sshopts_split() and
 * kiso_sshopts_parse_jump() on the raw input.
 */
#include "kiso_common.h"
#include "transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiso_conn_opts o;
	struct kiso_jump_spec j;
	struct kiso_error err = KISO_ERROR_INIT;
	char **words = NULL;
	char *s;
	int rc;

	if (size > 4096)
		return 0;
	s = kiso_xstrndup((const char *)data, size);

	kiso_conn_opts_init(&o);
	rc = kiso_sshopts_parse(&o, s, &err);
	if (rc < 0 && (err.code == 0 || !err.msg[0]))
		KISO_BUG("parse failed without a message");
	if (o.n_identities > KISO_IDENTITIES_MAX || o.n_known_hosts > KISO_KNOWN_HOSTS_MAX ||
	    o.n_jumps > KISO_JUMPS_MAX || o.port < 0 || o.port > 65535)
		KISO_BUG("inconsistent options");
	for (size_t i = 0; i < o.n_jumps; i++)
		if (!o.jumps[i].host || !o.jumps[i].host[0] || o.jumps[i].port < 0 ||
		    o.jumps[i].port > 65535)
			KISO_BUG("bad jump %zu", i);
	/* a copy is as good as the original */
	{
		struct kiso_conn_opts copy;
		kiso_conn_opts_copy(&copy, &o);
		if (o.n_jumps) {
			struct kiso_conn_opts hop;
			kiso_conn_opts_for_jump(&hop, &copy, 0);
			kiso_conn_opts_release(&hop);
		}
		kiso_conn_opts_release(&copy);
	}
	kiso_conn_opts_release(&o);

	kiso_error_clear(&err);
	rc = kiso_sshopts_split(&words, s, &err);
	if (rc >= 0) {
		for (int i = 0; i < rc; i++)
			if (!words[i])
				KISO_BUG("word %d missing", i);
		if (words[rc])
			KISO_BUG("not NULL-terminated");
	}
	kiso_sshopts_free_words(words);

	kiso_error_clear(&err);
	if (kiso_sshopts_parse_jump(&j, s, &err) == 0) {
		if (!j.host || !j.host[0])
			KISO_BUG("jump without host");
		free(j.user);
		free(j.host);
	}
	free(s);
	return 0;
}
