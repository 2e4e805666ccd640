/*
 * fuzz_args - module argument validation and normalisation on any input.
 *
 * The first byte picks a module (among the registered ones), the rest is
 * YAML for its arguments. kiso_args_normalize() must never crash, leak
 * or hang, whatever the shape and types of the arguments; when it
 * succeeds, validating its own output again must succeed too (what lint
 * accepts, the runner can take).
 */
#include "kiso_common.h"
#include "args.h"
#include "yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiso_arena *a;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL, *out = NULL;
	struct kiso_diags d = KISO_DIAGS_INIT;
	const struct kiso_module *const *mods;
	const struct kiso_module *m;
	size_t n;

	if (size < 1 || size > 4096)
		return 0;
	mods = kiso_module_list(&n);
	m = mods[data[0] % n];
	a = kiso_arena_new();
	if (kiso_yaml_load(&v, a, (const char *)data + 1, size - 1, "fuzz.yml", &err) == 0) {
		if (kiso_args_normalize(&out, a, m, v, KISO_POS_NONE, &d) == 0) {
			size_t before = d.len;

			if (kiso_args_validate(m, out, KISO_POS_NONE, &d) != 0 || d.len != before)
				KISO_BUG("normalised arguments of '%s' do not validate: %s", m->name,
					 d.items[before].msg);
		}
	}
	kiso_diags_release(&d);
	kiso_arena_free(a);
	return 0;
}
