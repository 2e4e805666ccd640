/*
 * Unit tests for engine/diff.c: unified diffs and attribute diffs as
 * ansible-playbook --diff prints them. The expected texts were produced by
 * Ansible 2.14's own CallbackBase._get_diff() (with and without
 * ANSIBLE_COLOR) on the same inputs.
 */
#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "diff.h"
#include "value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static const char *const want_change =
		"--- before: /etc/motd\n"
		"+++ after: /etc/motd\n"
		"@@ -1,2 +1,2 @@\n"
		" hello\n"
		"-old\n"
		"+new\n"
		"\n"
		"";
static const char *const want_create =
		"--- before: /f\n"
		"+++ after: /f\n"
		"@@ -0,0 +1,2 @@\n"
		"+a\n"
		"+b\n"
		"\n"
		"";
static const char *const want_noeol =
		"--- before: /f\n"
		"+++ after: /f\n"
		"@@ -1,2 +1,2 @@\n"
		" a\n"
		"-b\n"
		"\\ No newline at end of file\n"
		"+b\n"
		"\n"
		"";
static const char *const want_same =
		"";
static const char *const want_hunks =
		"--- before: /f\n"
		"+++ after: /f\n"
		"@@ -1,6 +1,6 @@\n"
		" l0\n"
		" l1\n"
		"-l2\n"
		"+L2\n"
		" l3\n"
		" l4\n"
		" l5\n"
		"@@ -13,7 +13,7 @@\n"
		" l12\n"
		" l13\n"
		" l14\n"
		"-l15\n"
		"+L15\n"
		" l16\n"
		" l17\n"
		" l18\n"
		"\n"
		"";
static const char *const want_state =
		"--- before\n"
		"+++ after\n"
		"@@ -1,5 +1,5 @@\n"
		" {\n"
		"-    \"mode\": \"0644\",\n"
		"+    \"mode\": \"0600\",\n"
		"     \"path\": \"/x\",\n"
		"     \"state\": \"file\"\n"
		" }\n"
		"\n"
		"";
static const char *const want_change_color =
		"\033""[0;31m--- before: /etc/motd\033""[0m\n"
		"\033""[0;31m\033""[0m\033""[0;32m+++ after: /etc/motd\033""[0m\n"
		"\033""[0;32m\033""[0m\033""[0;36m@@ -1,2 +1,2 @@\033""[0m\n"
		"\033""[0;36m\033""[0m hello\n"
		"\033""[0;31m-old\033""[0m\n"
		"\033""[0;31m\033""[0m\033""[0;32m+new\033""[0m\n"
		"\033""[0;32m\033""[0m\n"
		"";
static const char *const want_create_color =
		"\033""[0;31m--- before: /f\033""[0m\n"
		"\033""[0;31m\033""[0m\033""[0;32m+++ after: /f\033""[0m\n"
		"\033""[0;32m\033""[0m\033""[0;36m@@ -0,0 +1,2 @@\033""[0m\n"
		"\033""[0;36m\033""[0m\033""[0;32m+a\033""[0m\n"
		"\033""[0;32m\033""[0m\033""[0;32m+b\033""[0m\n"
		"\033""[0;32m\033""[0m\n"
		"";
static const char *const want_noeol_color =
		"\033""[0;31m--- before: /f\033""[0m\n"
		"\033""[0;31m\033""[0m\033""[0;32m+++ after: /f\033""[0m\n"
		"\033""[0;32m\033""[0m\033""[0;36m@@ -1,2 +1,2 @@\033""[0m\n"
		"\033""[0;36m\033""[0m a\n"
		"\033""[0;31m-b\033""[0m\n"
		"\033""[0;31m\\ No newline at end of file\033""[0m\n"
		"\033""[0;31m\033""[0m\033""[0;32m+b\033""[0m\n"
		"\033""[0;32m\033""[0m\n"
		"";

static char *render(const char *bh, const char *b, const char *ah, const char *a, bool color)
{
	struct kiso_buf out = KISO_BUF_INIT;
	struct kiso_error err = KISO_ERROR_INIT;

	assert_int_equal(kiso_diff_unified(&out, bh, b, b ? strlen(b) : 0, ah, a,
					   a ? strlen(a) : 0, color, &err), 0);
	return kiso_buf_detach(&out);
}

static void check(const char *want, const char *bh, const char *b, const char *ah,
		  const char *a, bool color)
{
	char *got = render(bh, b, ah, a, color);

	assert_string_equal(got, want);
	free(got);
}

static void test_engine_diff__changed_line(void **state)
{
	(void)state;
	check(want_change, "/etc/motd", "hello\nold\n", "/etc/motd", "hello\nnew\n", false);
	check(want_change_color, "/etc/motd", "hello\nold\n", "/etc/motd", "hello\nnew\n", true);
}

static void test_engine_diff__new_file(void **state)
{
	(void)state;
	check(want_create, "/f", "", "/f", "a\nb\n", false);
	check(want_create, "/f", NULL, "/f", "a\nb\n", false);
	check(want_create_color, "/f", "", "/f", "a\nb\n", true);
}

static void test_engine_diff__no_newline_at_end(void **state)
{
	(void)state;
	check(want_noeol, "/f", "a\nb", "/f", "a\nb\n", false);
	check(want_noeol_color, "/f", "a\nb", "/f", "a\nb\n", true);
}

static void test_engine_diff__identical_prints_nothing(void **state)
{
	(void)state;
	check(want_same, "/f", "x\n", "/f", "x\n", false);
	check("", NULL, NULL, NULL, NULL, true);
}

static void test_engine_diff__two_hunks_with_context(void **state)
{
	struct kiso_buf b = KISO_BUF_INIT, a = KISO_BUF_INIT;

	(void)state;
	for (int i = 0; i < 20; i++) {
		kiso_buf_printf(&b, "l%d\n", i);
		kiso_buf_printf(&a, i == 2 || i == 15 ? "L%d\n" : "l%d\n", i);
	}
	check(want_hunks, "/f", b.ptr, "/f", a.ptr, false);
	kiso_buf_release(&b);
	kiso_buf_release(&a);
}

static void test_engine_diff__state_dicts(void **state)
{
	struct kiso_arena *ar = kiso_arena_new();
	struct kiso_value *before = kiso_map_new(ar, KISO_POS_NONE);
	struct kiso_value *after = kiso_map_new(ar, KISO_POS_NONE);
	struct kiso_buf bt = KISO_BUF_INIT, at = KISO_BUF_INIT;

	(void)state;
	kiso_map_set(ar, before, "path", kiso_str(ar, "/x", KISO_POS_NONE));
	kiso_map_set(ar, before, "mode", kiso_str(ar, "0644", KISO_POS_NONE));
	kiso_map_set(ar, before, "state", kiso_str(ar, "file", KISO_POS_NONE));
	kiso_map_set(ar, after, "state", kiso_str(ar, "file", KISO_POS_NONE));
	kiso_map_set(ar, after, "path", kiso_str(ar, "/x", KISO_POS_NONE));
	kiso_map_set(ar, after, "mode", kiso_str(ar, "0600", KISO_POS_NONE));
	kiso_diff_state_text(&bt, before);
	kiso_diff_state_text(&at, after);
	assert_string_equal(bt.ptr, "{\n    \"mode\": \"0644\",\n    \"path\": \"/x\",\n"
				    "    \"state\": \"file\"\n}\n");
	check(want_state, NULL, bt.ptr, NULL, at.ptr, false);
	kiso_buf_clear(&bt);
	kiso_diff_state_text(&bt, NULL);
	assert_string_equal(bt.ptr, "{}\n");
	kiso_buf_release(&bt);
	kiso_buf_release(&at);
	kiso_arena_free(ar);
}

static void test_engine_diff__item_render(void **state)
{
	struct kiso_diff_item d = { "/f", "/f", "a\nb", 3, "a\nb\n", 4 };
	struct kiso_buf out = KISO_BUF_INIT;
	struct kiso_error err = KISO_ERROR_INIT;

	(void)state;
	assert_int_equal(kiso_diff_item_render(&out, &d, false, &err), 0);
	assert_string_equal(out.ptr, want_noeol);
	kiso_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_diff__changed_line),
		cmocka_unit_test(test_engine_diff__new_file),
		cmocka_unit_test(test_engine_diff__no_newline_at_end),
		cmocka_unit_test(test_engine_diff__identical_prints_nothing),
		cmocka_unit_test(test_engine_diff__two_hunks_with_context),
		cmocka_unit_test(test_engine_diff__state_dicts),
		cmocka_unit_test(test_engine_diff__item_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
