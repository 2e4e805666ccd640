/*
 * fuzz_template.c - compiles and renders arbitrary bytes as a Jinja2
 * template. The first byte picks the entry point: template text
 * (kiso_tmpl_render_text), a value string (kiso_tmpl_render_value, with
 * Ansible's backslash escaping and literal_eval of the result) or a bare
 * expression (kiso_tmpl_eval); the rest is the source. A few variables
 * are defined. Limits are lowered so that range(10**6), 'x' * 10**9 and
 * nested loops fail fast instead of running for long.
 */
#include "kiso_common.h"
#include "template.h"
#include "json.h"
#include "template/internal.h"

static const char vars_json[] =
	"{\"d\": {\"a\": 1, \"b\": [1, 2]}, \"l\": [1, 2, 3], \"s\": \"str\", \"n\": null,"
	" \"i\": 5, \"f\": 1.5, \"t\": true, \"users\": [{\"name\": \"bob\"}]}";

static struct kiso_value *vars;

static int lookup(void *data, const char *name, struct kiso_value **out, struct kiso_error *err)
{
	(void)data;
	(void)err;
	*out = kiso_map_get(vars, name);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const search[] = { "/nonexistent-kiso-fuzz", NULL };
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_tmpl_ctx ctx = { .lookup = lookup, .arena = a, .search_path = search };
	struct kiso_pos pos = { "fuzz", 1, 1 };
	struct kiso_value *out;

	tmpl_limits.max_items = 100000;
	tmpl_limits.max_str = 1u << 20;
	tmpl_limits.max_steps = 200000;
	if (kiso_json_parse(&vars, a, vars_json, sizeof(vars_json) - 1, "vars", &err) < 0)
		abort();
	if (size == 0)
		goto out;
	const char *src = (const char *)data + 1;
	size_t len = size - 1;

	kiso_error_clear(&err);
	switch (data[0] % 3) {
	case 0: {
		struct kiso_buf b = KISO_BUF_INIT;

		kiso_tmpl_render_text(&b, &ctx, src, len, pos, &err);
		kiso_buf_release(&b);
		break;
	}
	case 1: {
		struct kiso_value *in = kiso_strn(a, src, len, pos);

		kiso_tmpl_render_value(&out, &ctx, in, &err);
		break;
	}
	default:
		kiso_tmpl_check_expr(src, len, pos, &err);
		kiso_error_clear(&err);
		kiso_tmpl_eval(&out, &ctx, src, len, pos, &err);
		break;
	}
out:
	kiso_arena_free(a);
	kiso_tmpl_cache_clear();
	return 0;
}
