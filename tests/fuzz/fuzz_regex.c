/*
 * fuzz_regex.c - libFuzzer target for engine/regex.c: the input is
 * "PATTERN\0SUBJECT\0REPLACEMENT" (missing parts are empty); the first
 * byte's low bits pick the flags. Compiles (translation, cache), then
 * search/match/fullmatch, findall and sub must not crash, leak or hang.
 */
#include "kiso_common.h"
#include "regex.h"

static const char *part(const uint8_t **p, const uint8_t *end, size_t *n)
{
	const uint8_t *s = *p, *z = memchr(s, 0, (size_t)(end - s));

	*n = z ? (size_t)(z - s) : (size_t)(end - s);
	*p = z ? z + 1 : end;
	return (const char *)s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_regex *re = NULL;
	struct kiso_arena *a;
	struct kiso_value *l = NULL;
	struct kiso_buf b = KISO_BUF_INIT;
	unsigned flags;
	const char *pat, *subj, *repl;
	size_t np, ns, nr;

	if (size == 0)
		return 0;
	flags = data[0] & 0x0f;
	p++;
	pat = part(&p, end, &np);
	subj = part(&p, end, &ns);
	repl = part(&p, end, &nr);
	if (kiso_regex_compile(&re, pat, np, flags, &err) < 0)
		return 0;
	a = kiso_arena_new();
	for (int mode = KISO_RE_SEARCH; mode <= KISO_RE_FULLMATCH; mode++) {
		struct kiso_match m = KISO_MATCH_INIT;

		kiso_error_clear(&err);
		kiso_regex_exec(&m, re, subj, ns, 0, (enum kiso_regex_mode)mode, &err);
		kiso_match_release(&m);
	}
	kiso_error_clear(&err);
	kiso_regex_findall(&l, a, re, subj, ns, &err);
	kiso_error_clear(&err);
	kiso_regex_sub(&b, NULL, re, subj, ns, repl, nr, 0, &err);
	kiso_buf_release(&b);
	kiso_regex_escape(&b, subj, ns);
	kiso_buf_release(&b);
	kiso_regex_free(re);
	kiso_arena_free(a);
	return 0;
}
