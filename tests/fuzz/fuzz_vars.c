/*
 * fuzz_vars.c - libFuzzer target for variable scopes (vars.c) and -e
 * parsing (extravars.c).
 *
 * The first line of an input is one -e argument (k=v words, inline
 * JSON/YAML, or @file -- which is refused here so that the fuzzer never
 * reads files); the rest is a YAML map pushed as play vars. Every
 * variable is then looked up (rendered lazily, recursively, with loop
 * detection), and so are 'vars' and 'hostvars'. Properties: no crash, no
 * leak, no hang, and every failure carries a message.
 */
#include "kiso_common.h"
#include "arena.h"
#include "error.h"
#include "value.h"
#include "vars.h"
#include "yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_error err = KISO_ERROR_INIT;
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t first = nl ? (size_t)(nl - text) : size;
	char *arg = kiso_arena_strndup(a, text, first);
	struct kiso_value *extra = NULL, *play = NULL, *out = NULL;
	struct kiso_vars_run *run = NULL;
	struct kiso_vars *v = NULL;

	if (size > 4096 || memchr(text, 0, size))
		goto out;
	if (arg[0] != '@' && kiso_extravars_add(&extra, a, arg, &err) < 0 && !err.msg[0])
		KISO_BUG("-e failed without a message");
	kiso_error_clear(&err);
	if (nl && kiso_yaml_load(&play, a, nl + 1, size - first - 1, "fuzz.yml", &err) < 0)
		play = NULL;
	kiso_error_clear(&err);

	run = kiso_vars_run_new(NULL, extra, NULL);
	if (kiso_vars_host(&v, run, "localhost", &err) < 0)
		KISO_BUG("no localhost scope: %s", err.msg);
	if (play && play->type == KISO_MAP) {
		kiso_vars_push(v, KISO_VARS_PLAY, play);
		for (size_t i = 0; i < play->u.map.len && i < 64; i++) {
			const struct kiso_value *k = play->u.map.items[i].key;

			if (k->type != KISO_STR)
				continue;
			kiso_error_clear(&err);
			if (kiso_vars_get(&out, v, k->u.s.ptr, &err) < 0 && !err.msg[0])
				KISO_BUG("lookup of '%s' failed without a message", k->u.s.ptr);
		}
		kiso_vars_pop(v, KISO_VARS_PLAY);
	}
	kiso_error_clear(&err);
	kiso_vars_get(&out, v, "vars", &err);
	kiso_error_clear(&err);
	kiso_vars_get(&out, v, "hostvars", &err);
out:
	kiso_vars_run_free(run);
	kiso_arena_free(a);
	return 0;
}
