/*
 * engine/args.c against Ansible itself: for every case of
 * tests/unit/engine/args_ansible.json (written by args_ansible.py from
 * ansible-core's own ArgumentSpecValidator and the modules' real argument
 * specs), kiso_args_normalize() must accept exactly the arguments Ansible
 * accepts, and produce the same value, by Python repr(), for every
 * parameter Ansible sets.
 */
#include "kiso_common.h"
#include "args.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "module.h"
#include "value.h"
#include "yaml.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

/* The corpus sits next to this file; tests run from the repository root. */
static char *corpus_path(void)
{
	const char *me = __FILE__;
	const char *slash = strrchr(me, '/');

	return kiso_xasprintf("%.*sargs_ansible.json", slash ? (int)(slash - me + 1) : 0, me);
}

static const char *repr(struct kiso_buf *b, const struct kiso_value *v)
{
	kiso_buf_clear(b);
	kiso_value_repr(b, v);
	return kiso_buf_cstr(b);
}

static void test_engine_args__ansible_accepts_and_converts_alike(void **state)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *cases = NULL;
	struct kiso_buf b = KISO_BUF_INIT, args_repr = KISO_BUF_INIT;
	char *path = corpus_path();
	size_t bad = 0, ok = 0, rejected = 0;

	if (kiso_yaml_load_file(&cases, a, path, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(cases->type, KISO_LIST);
	assert_true(cases->u.list.len > 500);

	for (size_t i = 0; i < cases->u.list.len; i++) {
		const struct kiso_value *c = cases->u.list.items[i];
		const char *name = kiso_map_get(c, "module")->u.s.ptr;
		const struct kiso_value *args = kiso_map_get(c, "args");
		bool want_ok = kiso_map_get(c, "ok")->u.b;
		const struct kiso_module *m = kiso_module_find(name);
		struct kiso_diags d = KISO_DIAGS_INIT;
		struct kiso_value *out = NULL;

		assert_non_null(m);
		kiso_args_normalize(&out, a, m, args, KISO_POS_NONE, &d);
		repr(&args_repr, args);
		if (want_ok != (out != NULL)) {
			const struct kiso_value *errs = kiso_map_get(c, "errors");

			print_error("%s %s: ansible %s, kiso %s\n", name, kiso_buf_cstr(&args_repr),
				    want_ok ? "accepts" : repr(&b, errs),
				    d.len ? d.items[0].msg : "accepts");
			bad++;
		} else if (out) {
			const struct kiso_value *params = kiso_map_get(c, "params");

			/*
			 * Every parameter of Ansible's spec: the same value and
			 * type, or unset in both. (Parameters that only the
			 * action plugin knows, like copy's decrypt, are not in it.)
			 */
			for (size_t k = 0; k < params->u.map.len; k++) {
				const char *key = params->u.map.items[k].key->u.s.ptr;
				const struct kiso_value *w = params->u.map.items[k].val;
				const char *want = w->type == KISO_STR ? w->u.s.ptr : NULL;
				const struct kiso_value *got = kiso_map_get(out, key);

				if (got && got->type == KISO_NULL)
					got = NULL;
				if ((!want) != (!got) ||
				    (got && strcmp(repr(&b, got), want) != 0)) {
					print_error("%s %s: %s is %s in ansible, %s in kiso\n", name,
						    kiso_buf_cstr(&args_repr), key,
						    want ? want : "unset",
						    got ? repr(&b, got) : "unset");
					bad++;
				}
			}
			ok++;
		} else {
			rejected++;
		}
		kiso_diags_release(&d);
	}
	print_message("%zu cases: %zu accepted, %zu rejected by both\n", cases->u.list.len, ok,
		      rejected);
	kiso_buf_release(&b);
	kiso_buf_release(&args_repr);
	kiso_arena_free(a);
	free(path);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_args__ansible_accepts_and_converts_alike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
