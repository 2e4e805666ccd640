/*
 * Shared by the template unit tests (not a test program itself): an
 * arena, a few variables, and one-call helpers that render or evaluate a
 * string and return the result as text, so that each case is one line:
 *
 *   T(src)  kiso_tmpl_render_text     -> "str TEXT" or "ERROR f:l:c: msg"
 *   R(src)  kiso_tmpl_render_value    -> "TYPE REPR" (Python repr, lists for tuples)
 *   E(expr) kiso_tmpl_eval            -> "TYPE REPR" with tuples as '(1, 2)'
 *
 * Errors are positioned from "t.yml" line 1 column 1 unless BASE is set.
 */
#ifndef KISO_TEST_TEMPLATE_HELPERS_H
#define KISO_TEST_TEMPLATE_HELPERS_H

#include "kiso_common.h"
#include "template.h"
#include "json.h"
#include "template/internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static struct kiso_arena *A;
static struct kiso_value *V;
static struct kiso_pos BASE;
static const char *SEARCH[8];
static int LOOKUPS; /* calls of the variable lookup */

static const char VARS_JSON[] =
	"{\"d\": {\"a\": 1, \"b\": [1, 2]}, \"l\": [1, 2, 3], \"s\": \"str\", \"n\": null,"
	" \"i\": 5, \"f\": 1.5, \"t\": true, \"e\": [], \"u\": \"{{ i }}\","
	" \"users\": [{\"name\": \"bob\", \"uid\": 1001}, {\"name\": \"ann\", \"uid\": 1000}],"
	" \"msg\": \"hello world\", \"num_str\": \"42\", \"nested\": {\"x\": {\"y\": \"deep\"}}}";

static int var_lookup(void *data, const char *name, struct kiso_value **out,
		      struct kiso_error *err)
{
	(void)data;
	__atomic_fetch_add(&LOOKUPS, 1, __ATOMIC_RELAXED);
	if (!strcmp(name, "broken"))
		return kiso_error_set(err, KISO_EFAIL, KISO_POS_NONE, "recursive loop in 'broken'");
	*out = kiso_map_get(V, name);
	return 0;
}

static struct kiso_tmpl_ctx CTX;

static int setup(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;

	(void)state;
	A = kiso_arena_new();
	if (kiso_json_parse(&V, A, VARS_JSON, strlen(VARS_JSON), "vars", &err) < 0) {
		kiso_error_print(stderr, &err);
		return -1;
	}
	/* 'u' is !unsafe: never templated */
	kiso_map_get(V, "u")->flags |= KISO_VF_UNSAFE;
	BASE = (struct kiso_pos){ kiso_pos_file("t.yml"), 1, 1 };
	memset(&CTX, 0, sizeof(CTX));
	CTX.lookup = var_lookup;
	CTX.arena = A;
	CTX.search_path = SEARCH;
	LOOKUPS = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kiso_arena_free(A);
	kiso_tmpl_cache_clear();
	return 0;
}

static const char *fmt_err(const struct kiso_error *err)
{
	char m[KISO_ERROR_MSG_MAX + 256];

	kiso_error_format(m, sizeof(m), err);
	return kiso_arena_sprintf(A, "ERROR %s", m);
}

static __attribute__((unused)) const char *T(const char *src)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_error err = KISO_ERROR_INIT;
	const char *r;

	if (kiso_tmpl_render_text(&b, &CTX, src, strlen(src), BASE, &err) < 0)
		r = fmt_err(&err);
	else
		r = kiso_arena_sprintf(A, "str %s", kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

static __attribute__((unused)) const char *show(const struct kiso_value *v, bool tuples)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *r;

	if (tuples)
		tmpl_repr(&b, v);
	else
		kiso_value_repr(&b, v);
	r = kiso_arena_sprintf(A, "%s %s", kiso_value_type_name(v), kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

static struct kiso_value *LAST; /* the value R() or E() returned */

static __attribute__((unused)) const char *R(const char *src)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *in = kiso_str(A, src, BASE), *out = NULL;

	if (kiso_tmpl_render_value(&out, &CTX, in, &err) < 0)
		return fmt_err(&err);
	LAST = out;
	return show(out, false);
}

static __attribute__((unused)) const char *E(const char *expr)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *out = NULL;

	if (kiso_tmpl_eval(&out, &CTX, expr, strlen(expr), BASE, &err) < 0)
		return fmt_err(&err);
	LAST = out;
	return show(out, true);
}

struct tcase {
	const char *in;
	const char *want;
};

/* Runs a table through fn; every row must match (the failing input is printed). */
static __attribute__((unused)) void run_cases(const struct tcase *c, size_t n, const char *(*fn)(const char *))
{
	for (size_t i = 0; i < n; i++) {
		const char *got = fn(c[i].in);

		if (strcmp(got, c[i].want) != 0)
			print_error("case %zu: %s\n  want: %s\n  got:  %s\n", i, c[i].in, c[i].want, got);
		assert_string_equal(got, c[i].want);
	}
}

#define RUN(table, fn) run_cases(table, KISO_ARRAY_SIZE(table), fn)

#endif
