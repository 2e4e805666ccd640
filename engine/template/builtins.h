/*
 * template/builtins.h - the contract between the Jinja2 evaluator and
 * its filters and tests.
 *
 * The evaluator (template/eval.c and friends) parses `x | f(a, k=v)` and
 * `x is t(a)` and calls the functions registered here with the evaluated
 * arguments. Filters live in template/filters*.c, tests in
 * template/tests.c; both tables are looked up by name.
 *
 * Undefined: 'input' (or an argument) is NULL when the expression was
 * undefined. Only entries flagged KISO_TMPL_UNDEF_OK receive a NULL
 * input ('default', 'mandatory', 'defined', 'undefined'); for every other
 * filter or test the evaluator raises the undefined error itself before
 * calling. 'undef_name' then names what was undefined, for messages.
 */
#ifndef KISO_TEMPLATE_BUILTINS_H
#define KISO_TEMPLATE_BUILTINS_H

#include "kiso_common.h"
#include "value.h"
#include "template.h"

struct kiso_tmpl_call {
	struct kiso_value *input;       /* left of '|' or 'is'; NULL: undefined */
	const char *undef_name;         /* when input is NULL: "'foo' is undefined" text */
	struct kiso_value **args;       /* positional arguments */
	size_t nargs;
	const char *const *kwnames;     /* keyword arguments */
	struct kiso_value **kwargs;
	size_t nkwargs;
	struct kiso_tmpl_ctx *ctx;      /* variables, search path, arena */
	struct kiso_arena *arena;       /* == ctx->arena: results go here */
	struct kiso_pos pos;            /* where the filter or test is written */
	struct kiso_error *err;
};

/* Returns 0 with *out set, or a negative code with c->err set. */
typedef int (*kiso_tmpl_filter_fn)(struct kiso_value **out, struct kiso_tmpl_call *c);
typedef int (*kiso_tmpl_test_fn)(bool *out, struct kiso_tmpl_call *c);

#define KISO_TMPL_UNDEF_OK 0x01

struct kiso_tmpl_filter {
	const char *name;
	kiso_tmpl_filter_fn fn;
	unsigned flags;
};

struct kiso_tmpl_test {
	const char *name;
	kiso_tmpl_test_fn fn;
	unsigned flags;
};

/*
 * By name: Jinja2 and Ansible names ('to_json', 'ansible.builtin.to_json',
 * 'd' for 'default'). NULL when unknown; the parser reports
 * "no filter named 'x'" / "no test named 'x'" at the call's position.
 */
const struct kiso_tmpl_filter *kiso_tmpl_filter_find(const char *name);
const struct kiso_tmpl_test *kiso_tmpl_test_find(const char *name);

/*
 * Jinja2's attribute and item access for 'x.name' and map(attribute=),
 * selectattr, sort(attribute=) ...: a map's key, or a Python method
 * name bound to the value is NOT returned here (only data). *out NULL
 * when missing (undefined). Dotted paths ('a.b.0') are followed as
 * Jinja2's environment.getitem/getattr chain does.
 */
int kiso_tmpl_getattr(struct kiso_value **out, const struct kiso_value *obj, const char *path);

/* Helpers for filters: argument by position or keyword, NULL if absent. */
struct kiso_value *kiso_tmpl_arg(const struct kiso_tmpl_call *c, size_t index, const char *kwname);

#endif
