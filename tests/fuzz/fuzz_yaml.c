/*
 * fuzz_yaml.c - libFuzzer target for the YAML loader, the YAML dumper and
 * the JSON reader.
 *
 * Each input is loaded as a YAML stream; when that works the result is
 * dumped back (to_yaml and to_nice_yaml settings) and the dump must load
 * again and give an equal value for plain data. The same bytes go through
 * kiso_json_parse() too. One arena per input, freed at the end, so the
 * leak checker sees any leak.
 */
#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "value.h"
#include "yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when v holds no float NaN (NaN != NaN breaks the equality check). */
static bool comparable(const struct kiso_value *v, int depth)
{
	if (depth > 64)
		return false;
	switch (v->type) {
	case KISO_FLOAT:
		return v->u.f == v->u.f;
	case KISO_LIST:
		for (size_t i = 0; i < v->u.list.len; i++)
			if (!comparable(v->u.list.items[i], depth + 1))
				return false;
		return true;
	case KISO_MAP:
		for (size_t i = 0; i < v->u.map.len; i++)
			if (!comparable(v->u.map.items[i].key, depth + 1) ||
			    !comparable(v->u.map.items[i].val, depth + 1))
				return false;
		return true;
	default:
		return true;
	}
}

/*
 * Values reached walking v (aliases counted each time), up to 'limit': the
 * loader allows 10 million, too many to dump and compare within the
 * fuzzer's time per input.
 */
static size_t expanded(const struct kiso_value *v, size_t limit)
{
	size_t n = 1;

	if (v->type == KISO_LIST)
		for (size_t i = 0; i < v->u.list.len && n < limit; i++)
			n += expanded(v->u.list.items[i], limit - n);
	else if (v->type == KISO_MAP)
		for (size_t i = 0; i < v->u.map.len && n < limit; i++)
			n += 1 + expanded(v->u.map.items[i].val, limit - n);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *docs = NULL, *v = NULL, *back = NULL;
	const char *text = (const char *)data;

	if (kiso_yaml_load_all(&docs, a, text, size, "fuzz.yml", &err) == 0) {
		if (docs->type != KISO_LIST)
			KISO_BUG("load_all gave a %s", kiso_value_type_name(docs));
		for (size_t i = 0; i < docs->u.list.len && i < 4; i++) {
			struct kiso_buf b = KISO_BUF_INIT;
			struct kiso_yaml_dump_opts o = (i & 1) ? KISO_YAML_DUMP_TO_NICE_YAML
							       : KISO_YAML_DUMP_TO_YAML;

			v = docs->u.list.items[i];
			if (expanded(v, 100000) >= 100000)
				continue;
			kiso_error_clear(&err);
			if (kiso_yaml_dump(&b, v, &o, &err) == 0) {
				kiso_error_clear(&err);
				/* what kiso writes, kiso must read back */
				if (kiso_yaml_load(&back, a, b.ptr, b.len, "dump.yml", &err) < 0)
					KISO_BUG("dump does not load: %s\n%s", err.msg, b.ptr);
				if (comparable(v, 0) && !kiso_value_equal(v, back))
					KISO_BUG("dump loads as another value:\n%s", b.ptr);
			}
			kiso_buf_release(&b);
		}
	} else if (err.code == 0 || err.msg[0] == '\0') {
		KISO_BUG("load failed without a message");
	}
	kiso_error_clear(&err);
	if (kiso_json_parse(&v, a, text, size, "fuzz.json", &err) < 0 &&
	    (err.code == 0 || err.pos.line < 1))
		KISO_BUG("json failed without a message or position");
	kiso_arena_free(a);
	return 0;
}
