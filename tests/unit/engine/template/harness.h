/*
 * harness.h - calls kiso's filters and tests the way the evaluator does,
 * for the unit tests of template/filters*.c and template/tests.c.
 *
 * A case gives the input, the positional and the keyword arguments as
 * YAML text (loaded with kiso's YAML loader, as gen_cases.py loads them
 * with PyYAML) and the expected Python repr() of the result, or "E:" and
 * (a part of) the error message. Cases are grouped into one cmocka test
 * per filter or test name.
 */
#ifndef TEST_TEMPLATE_HARNESS_H
#define TEST_TEMPLATE_HARNESS_H

#include "kiso_common.h"
#include "template/builtins.h"
#include "template/internal.h"     /* tmpl_repr(): repr() with tuples */
#include "yaml.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

struct tcase {
	const char *name;
	const char *input;      /* YAML; NULL: undefined */
	const char *args;       /* YAML flow list or "" */
	const char *kwargs;     /* YAML flow map or "" */
	const char *expected;   /* repr(), or "E:" + message part */
};

/*
 * Where kiso's error text differs from Python's by design (PCRE2's
 * messages for bad patterns), the part of kiso's message to expect.
 */
struct tcase_override {
	const char *name, *input, *args, *kwargs;
	const char *expected;
};

static struct kiso_arena *H_A;

static struct kiso_value *h_yaml(const char *text)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL;

	if (kiso_yaml_load(&v, H_A, text, strlen(text), "<case>", &err) < 0) {
		print_error("bad YAML in case: %s: %s\n", text, err.msg);
		fail();
	}
	return v;
}

/*
 * Calls filter (is_test false) or test 'name' and returns the repr() of
 * the result (True/False for tests) or "E:" + the error message, in H_A.
 */
static const char *h_call(bool is_test, const char *name, const char *input, const char *args,
			  const char *kwargs)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_tmpl_ctx ctx;
	struct kiso_tmpl_call c;
	struct kiso_value *al = NULL, *kw = NULL, *out = NULL;
	struct kiso_buf b = KISO_BUF_INIT;
	const char **names = NULL;
	struct kiso_value **kv = NULL;
	const char *res;
	bool tb = false;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.arena = H_A;
	memset(&c, 0, sizeof(c));
	c.input = input ? h_yaml(input) : NULL;
	c.undef_name = "'_undef' is undefined";
	if (args && *args) {
		al = h_yaml(args);
		assert_int_equal(al->type, KISO_LIST);
		c.args = al->u.list.items;
		c.nargs = al->u.list.len;
	}
	if (kwargs && *kwargs) {
		kw = h_yaml(kwargs);
		assert_int_equal(kw->type, KISO_MAP);
		names = kiso_arena_alloc(H_A, (kw->u.map.len + 1) * sizeof(*names));
		kv = kiso_arena_alloc(H_A, (kw->u.map.len + 1) * sizeof(*kv));
		for (size_t i = 0; i < kw->u.map.len; i++) {
			names[i] = kw->u.map.items[i].key->u.s.ptr;
			kv[i] = kw->u.map.items[i].val;
		}
		c.kwnames = names;
		c.kwargs = kv;
		c.nkwargs = kw->u.map.len;
	}
	c.ctx = &ctx;
	c.arena = H_A;
	c.pos = (struct kiso_pos){ "<case>", 1, 1 };
	c.err = &err;
	if (is_test) {
		const struct kiso_tmpl_test *t = kiso_tmpl_test_find(name);

		if (!t)
			return kiso_arena_sprintf(H_A, "E:no test named '%s'", name);
		if (!c.input && !(t->flags & KISO_TMPL_UNDEF_OK))
			return "E:undefined input";
		rc = t->fn(&tb, &c);
		if (rc == 0)
			return tb ? "True" : "False";
	} else {
		const struct kiso_tmpl_filter *f = kiso_tmpl_filter_find(name);

		if (!f)
			return kiso_arena_sprintf(H_A, "E:no filter named '%s'", name);
		if (!c.input && !(f->flags & KISO_TMPL_UNDEF_OK))
			return "E:undefined input";
		rc = f->fn(&out, &c);
		if (rc == 0) {
			if (!out)
				return "Undefined";
			tmpl_repr(&b, out);
			res = kiso_arena_strdup(H_A, kiso_buf_cstr(&b));
			kiso_buf_release(&b);
			return res;
		}
	}
	assert_true(rc < 0);
	assert_int_not_equal(err.code, 0);
	assert_true(err.msg[0] != '\0');
	return kiso_arena_sprintf(H_A, "E:%s", err.msg);
}

static bool h_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The expectation of case k, with the overrides applied. */
static const char *h_expected(const struct tcase *k, const struct tcase_override *ov, size_t nov)
{
	for (size_t i = 0; i < nov; i++)
		if (strcmp(ov[i].name, k->name) == 0 && h_same(ov[i].input, k->input) &&
		    strcmp(ov[i].args, k->args) == 0 && strcmp(ov[i].kwargs, k->kwargs) == 0)
			return ov[i].expected;
	return k->expected;
}

/* Runs every case called 'name'; prints each mismatch; fails if any. */
static void h_run_cases(bool is_test, const char *name, const struct tcase *cases, size_t n,
			const struct tcase_override *ov, size_t nov)
{
	size_t failures = 0, ran = 0;

	for (size_t i = 0; i < n; i++) {
		const struct tcase *k = &cases[i];
		const char *want, *got;
		bool ok;

		if (strcmp(k->name, name) != 0)
			continue;
		H_A = kiso_arena_new();
		want = h_expected(k, ov, nov);
		got = h_call(is_test, k->name, k->input, k->args, k->kwargs);
		if (strncmp(want, "E:", 2) == 0)
			ok = strncmp(got, "E:", 2) == 0 && strstr(got + 2, want + 2) != NULL;
		else
			ok = strcmp(got, want) == 0;
		if (!ok) {
			print_error("%s | %s(%s, %s) [input %s]\n   want: %s\n   got:  %s\n",
				    is_test ? "is" : "", k->name, k->args, k->kwargs,
				    k->input ? k->input : "(undefined)", want, got);
			failures++;
		}
		ran++;
		kiso_arena_free(H_A);
		H_A = NULL;
	}
	assert_true(ran > 0);
	assert_int_equal(failures, 0);
}

/* One cmocka test per distinct name of the case table. */
struct h_group {
	bool is_test;
	const char *name;
	const struct tcase *cases;
	size_t n;
	const struct tcase_override *ov;
	size_t nov;
};

static void h_group_test(void **state)
{
	const struct h_group *g = *state;

	h_run_cases(g->is_test, g->name, g->cases, g->n, g->ov, g->nov);
}

static int h_run_table(const char *group, const char *prefix, bool is_test,
		       const struct tcase *cases, size_t n, const struct tcase_override *ov,
		       size_t nov, const struct CMUnitTest *extra, size_t nextra)
{
	struct CMUnitTest *tests = calloc(n + nextra, sizeof(*tests));
	struct h_group *groups = calloc(n + 1, sizeof(*groups));
	size_t nt = 0;
	int rc;

	for (size_t i = 0; i < nextra; i++)
		tests[nt++] = extra[i];
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(cases[k].name, cases[i].name) == 0;
		if (seen)
			continue;
		groups[i] = (struct h_group){ is_test, cases[i].name, cases, n, ov, nov };
		tests[nt].name = kiso_xasprintf("%s%s", prefix, cases[i].name);
		tests[nt].test_func = h_group_test;
		tests[nt].initial_state = &groups[i];
		nt++;
	}
	rc = _cmocka_run_group_tests(group, tests, nt, NULL, NULL);
	for (size_t i = nextra; i < nt; i++)
		free((char *)tests[i].name);
	free(tests);
	free(groups);
	return rc;
}

#endif
