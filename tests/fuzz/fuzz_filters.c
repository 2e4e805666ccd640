/*
 * fuzz_filters.c - libFuzzer target for the Jinja2 filters and tests
 * (engine/template/filters*.c, tests.c): the input is
 * "NAME\0INPUT\0ARGS\0KWARGS" where INPUT is YAML, ARGS a YAML list and
 * KWARGS a YAML map (the parts that do not load are left out). NAME
 * starting with '?' calls the test of that name. Any filter on any data
 * must return a value or an error: no crash, leak or hang.
 */
#include "kiso_common.h"
#include "template/builtins.h"
#include "yaml.h"

static const char *part(const uint8_t **p, const uint8_t *end, size_t *n)
{
	const uint8_t *s = *p, *z = memchr(s, 0, (size_t)(end - s));

	*n = z ? (size_t)(z - s) : (size_t)(end - s);
	*p = z ? z + 1 : end;
	return (const char *)s;
}

static struct kiso_value *load(struct kiso_arena *a, const char *s, size_t n)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL;

	if (n == 0 || kiso_yaml_load(&v, a, s, n, "<fuzz>", &err) < 0)
		return NULL;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_tmpl_ctx ctx;
	struct kiso_tmpl_call c;
	struct kiso_arena *a;
	struct kiso_value *in, *args, *kw, *out = NULL;
	const char *name, *s;
	char *nm;
	size_t n;
	bool tb;

	if (size > 4096)
		return 0;
	name = part(&p, end, &n);
	if (n == 0 || n > 64)
		return 0;
	a = kiso_arena_new();
	nm = kiso_arena_strndup(a, name, n);
	s = part(&p, end, &n);
	in = load(a, s, n);
	s = part(&p, end, &n);
	args = load(a, s, n);
	s = part(&p, end, &n);
	kw = load(a, s, n);
	memset(&ctx, 0, sizeof(ctx));
	ctx.arena = a;
	memset(&c, 0, sizeof(c));
	c.input = in;
	c.undef_name = "'x' is undefined";
	if (args && args->type == KISO_LIST) {
		c.args = args->u.list.items;
		c.nargs = args->u.list.len;
	}
	if (kw && kw->type == KISO_MAP) {
		const char **names = kiso_arena_alloc(a, (kw->u.map.len + 1) * sizeof(*names));
		struct kiso_value **vals = kiso_arena_alloc(a, (kw->u.map.len + 1) * sizeof(*vals));
		size_t k = 0;

		for (size_t i = 0; i < kw->u.map.len; i++) {
			if (kw->u.map.items[i].key->type != KISO_STR)
				continue;
			names[k] = kw->u.map.items[i].key->u.s.ptr;
			vals[k++] = kw->u.map.items[i].val;
		}
		c.kwnames = names;
		c.kwargs = vals;
		c.nkwargs = k;
	}
	c.ctx = &ctx;
	c.arena = a;
	c.err = &err;
	if (nm[0] == '?') {
		const struct kiso_tmpl_test *t = kiso_tmpl_test_find(nm + 1);

		/* the file-system tests would stat() fuzzer paths: harmless, but slow */
		if (t && (in || (t->flags & KISO_TMPL_UNDEF_OK)))
			t->fn(&tb, &c);
	} else {
		const struct kiso_tmpl_filter *f = kiso_tmpl_filter_find(nm);

		if (f && strcmp(nm, "fileglob") != 0 && (in || (f->flags & KISO_TMPL_UNDEF_OK)))
			f->fn(&out, &c);
	}
	kiso_arena_free(a);
	return 0;
}
