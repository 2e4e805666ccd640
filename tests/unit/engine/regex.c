/*
 * Unit tests for engine/regex.c: Python `re` semantics on PCRE2. Every
 * expected value below is what /usr/bin/python3 (3.11) prints for the
 * same pattern and subject (findall's tuples are lists in kiso's values).
 */
#include "kiso_common.h"
#include "regex.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

static struct kiso_arena *A;

static int setup(void **state)
{
	A = kiso_arena_new();
	return 0;
}

static int teardown(void **state)
{
	kiso_arena_free(A);
	kiso_regex_cache_clear();
	return 0;
}

static struct kiso_regex *re_ok(const char *pat, unsigned flags)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_regex *re = NULL;

	if (kiso_regex_compile(&re, pat, strlen(pat), flags, &err) < 0) {
		print_error("compile '%s': %s\n", pat, err.msg);
		fail();
	}
	return re;
}

/* re.sub(pat, repl, s, count) or "E:" + error. */
static const char *sub(const char *pat, const char *repl, const char *s, size_t count)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_regex *re = re_ok(pat, 0);
	const char *res;
	size_t n = 0;

	if (kiso_regex_sub(&b, &n, re, s, strlen(s), repl, strlen(repl), count, &err) < 0) {
		res = kiso_arena_sprintf(A, "E:%s", err.msg);
	} else {
		res = kiso_arena_strndup(A, kiso_buf_cstr(&b), b.len);
	}
	kiso_buf_release(&b);
	kiso_regex_free(re);
	return res;
}

/* repr(re.findall(pat, s, flags)) */
static const char *findall(const char *pat, unsigned flags, const char *s)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_regex *re = re_ok(pat, flags);
	struct kiso_value *l = NULL;
	const char *res;

	assert_int_equal(kiso_regex_findall(&l, A, re, s, strlen(s), &err), 0);
	kiso_value_repr(&b, l);
	res = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	kiso_regex_free(re);
	return res;
}

/* 1 when pattern matches in mode, 0 when not */
static int exec_mode(const char *pat, unsigned flags, const char *s, enum kiso_regex_mode mode)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_match m = KISO_MATCH_INIT;
	struct kiso_regex *re = re_ok(pat, flags);
	int rc = kiso_regex_exec(&m, re, s, strlen(s), 0, mode, &err);

	kiso_match_release(&m);
	kiso_regex_free(re);
	return rc;
}

static const char *compile_err(const char *pat)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_regex *re = NULL;

	assert_int_equal(kiso_regex_compile(&re, pat, strlen(pat), 0, &err), KISO_EINVALID);
	assert_null(re);
	return kiso_arena_strdup(A, err.msg);
}

static void test_engine_regex__search_match_fullmatch(void **state)
{
	assert_int_equal(exec_mode("b", 0, "abc", KISO_RE_SEARCH), 1);
	assert_int_equal(exec_mode("b", 0, "abc", KISO_RE_MATCH), 0);
	assert_int_equal(exec_mode("ab", 0, "abc", KISO_RE_MATCH), 1);
	assert_int_equal(exec_mode("ab", 0, "abc", KISO_RE_FULLMATCH), 0);
	/* fullmatch backtracks into the longer alternative, as Python */
	assert_int_equal(exec_mode("a|ab", 0, "ab", KISO_RE_FULLMATCH), 1);
	assert_int_equal(exec_mode("B", KISO_RE_IGNORECASE, "abc", KISO_RE_SEARCH), 1);
	assert_int_equal(exec_mode("^b", 0, "a\nb", KISO_RE_SEARCH), 0);
	assert_int_equal(exec_mode("^b", KISO_RE_MULTILINE, "a\nb", KISO_RE_SEARCH), 1);
	assert_int_equal(exec_mode("a.b", 0, "a\nb", KISO_RE_SEARCH), 0);
	assert_int_equal(exec_mode("a.b", KISO_RE_DOTALL, "a\nb", KISO_RE_SEARCH), 1);
	assert_int_equal(exec_mode("a b # comment", KISO_RE_VERBOSE, "ab", KISO_RE_SEARCH), 1);
	/* a '[' in a verbose comment opens no class */
	assert_int_equal(exec_mode("a # [x\n [[]", KISO_RE_VERBOSE, "a[", KISO_RE_SEARCH), 1);
	/* $ matches before a final newline, \Z only at the very end */
	assert_int_equal(exec_mode("a$", 0, "a\n", KISO_RE_SEARCH), 1);
	assert_int_equal(exec_mode("a\\Z", 0, "a\n", KISO_RE_SEARCH), 0);
	assert_int_equal(exec_mode("a\\Z", 0, "xa", KISO_RE_SEARCH), 1);
}

static void test_engine_regex__groups_and_offsets(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_match m = KISO_MATCH_INIT;
	struct kiso_regex *re = re_ok("(?P<user>\\w+)@(x)?(\\w+)", 0);
	const char *s = "mail joe@host";

	assert_int_equal(kiso_regex_ngroups(re), 3);
	assert_int_equal(kiso_regex_group_index(re, "user"), 1);
	assert_int_equal(kiso_regex_group_index(re, "nope"), -1);
	assert_int_equal(kiso_regex_exec(&m, re, s, strlen(s), 0, KISO_RE_SEARCH, &err), 1);
	assert_int_equal(m.ngroups, 3);
	assert_int_equal(m.ovec[0], 5);
	assert_int_equal(m.ovec[1], 13);
	assert_int_equal(m.ovec[2], 5);
	assert_int_equal(m.ovec[3], 8);
	assert_true(m.ovec[4] == KISO_RE_UNSET && m.ovec[5] == KISO_RE_UNSET);
	assert_int_equal(m.ovec[6], 9);
	kiso_match_release(&m);
	/* from a start offset */
	assert_int_equal(kiso_regex_exec(&m, re, s, strlen(s), 6, KISO_RE_SEARCH, &err), 1);
	assert_int_equal(m.ovec[0], 6);
	kiso_match_release(&m);
	assert_int_equal(kiso_regex_exec(&m, re, s, strlen(s), 20, KISO_RE_SEARCH, &err), 0);
	kiso_match_release(&m);
	kiso_regex_free(re);
}

static void test_engine_regex__python_spellings(void **state)
{
	/* x{,n} is {0,n} in Python, a literal in PCRE2 */
	assert_string_equal(sub("a{,2}", "-", "aaab", 0), "---b-");
	/* '[' inside a class is a literal, never a POSIX class */
	assert_string_equal(findall("[[]x", 0, "a[x"), "['[x']");
	assert_string_equal(findall("[[:alpha:]]+", 0, "ab:]"), "[':]']");
	/* \uXXXX escapes */
	assert_string_equal(findall("\\u00e9", 0, "caf\xc3\xa9"), "['\xc3\xa9']");
	/* (?P=name) back references, inline flags, (?u) dropped */
	assert_string_equal(findall("(?P<q>['\"])(.*?)(?P=q)", 0, "'a' \"b\""),
			    "[[\"'\", 'a'], ['\"', 'b']]");
	assert_string_equal(findall("(?iu)x", 0, "xX"), "['x', 'X']");
	assert_string_equal(findall("(?a:b)", 0, "ab"), "['b']");
}

static void test_engine_regex__unicode(void **state)
{
	assert_string_equal(findall("\\w+", 0, "h\xc3\xa9llo w\xc3\xb6rld"),
			    "['h\xc3\xa9llo', 'w\xc3\xb6rld']");
	assert_string_equal(findall("\xc3\xa9", KISO_RE_IGNORECASE, "\xc3\x89"), "['\xc3\x89']");
	/* a subject that is not valid UTF-8 still matches around the bad byte */
	assert_string_equal(sub("b", "x", "a\xff" "b", 0), "a\xff" "x");
}

static void test_engine_regex__findall_shapes(void **state)
{
	assert_string_equal(findall("\\d+", 0, "a1b22c333"), "['1', '22', '333']");
	assert_string_equal(findall("(\\w+)=", 0, "k1=v1 k2=v2"), "['k1', 'k2']");
	assert_string_equal(findall("(a)(b)?", 0, "ab a"), "[['a', 'b'], ['a', '']]");
	assert_string_equal(findall("x*", 0, "abc"), "['', '', '', '']");
	assert_string_equal(findall("^\\w", KISO_RE_MULTILINE, "ab\ncd\n"), "['a', 'c']");
	assert_string_equal(findall("^", KISO_RE_MULTILINE, "a\n"), "['', '']");
	assert_string_equal(findall("z", 0, ""), "[]");
}

static void test_engine_regex__sub_empty_matches(void **state)
{
	assert_string_equal(sub("x*", "-", "abxd", 0), "-a-b--d-");
	assert_string_equal(sub("$", "X", "a\n", 0), "aX\nX");
	assert_string_equal(sub("", "-", "ab", 0), "-a-b-");
	assert_string_equal(sub("", "-", "", 0), "-");
}

static void test_engine_regex__sub_templates(void **state)
{
	assert_string_equal(sub("(?P<n>\\w+)@(\\w+)", "\\2 at \\g<n> \\\\ \\t.", "joe@host", 0),
			    "host at joe \\ \t.");
	assert_string_equal(sub("(a)", "[\\g<1>\\g<0>]", "xay", 0), "x[aa]y");
	assert_string_equal(sub("o", "0", "foo boo", 2), "f00 boo");
	assert_string_equal(sub("(a)|(z)", "[\\2]", "ab", 0), "[]b");
	assert_string_equal(sub("a", "\\.", "a", 0), "\\.");
	assert_string_equal(sub("a", "\\n\\r\\v\\f", "a", 0), "\n\r\v\f");
	assert_string_equal(sub("a", "\\101\\0", "a", 0), "A");  /* \0 is NUL: cut by strdup */
	/* two-digit group numbers */
	assert_string_equal(sub("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", "\\11\\10", "abcdefghijk", 0),
			    "kj");
}

static void test_engine_regex__sub_template_errors(void **state)
{
	assert_string_equal(sub("(a)", "\\2", "xay", 0), "E:invalid group reference 2 at position 1");
	assert_string_equal(sub("(a)", "\\g<x>", "xay", 0), "E:unknown group name 'x'");
	assert_string_equal(sub("(a)", "\\g<1", "xay", 0),
			    "E:missing >, unterminated name at position 3");
	assert_string_equal(sub("(a)", "\\q", "xay", 0), "E:bad escape \\q at position 0");
	assert_string_equal(sub("(a)", "\\g<>", "xay", 0), "E:missing group name at position 3");
	assert_string_equal(sub("(a)", "\\g<1x>", "xay", 0),
			    "E:bad character in group name '1x' at position 3");
	assert_string_equal(sub("(a)", "\\g", "xay", 0), "E:missing < at position 2");
	assert_string_equal(sub("(a)", "a\\g<3>b", "xay", 0),
			    "E:invalid group reference 3 at position 4");
	assert_string_equal(sub("a", "x\\", "a", 0), "E:bad escape (end of pattern) at position 1");
	/* the template is checked even when nothing matches, as Python does */
	assert_string_equal(sub("z", "\\5", "abc", 0), "E:invalid group reference 5 at position 1");
}

static void test_engine_regex__compile_errors(void **state)
{
	assert_string_equal(compile_err("("),
			    "invalid regular expression '(': missing closing parenthesis at offset 1");
	assert_string_equal(compile_err("ab[c"),
			    "invalid regular expression 'ab[c': missing terminating ] for character "
			    "class at offset 4");
	/* the offset is in the pattern as written, before translation */
	assert_string_equal(compile_err("\\u00e9a{,2}("),
			    "invalid regular expression '\\u00e9a{,2}(': missing closing "
			    "parenthesis at offset 12");
	assert_string_equal(compile_err("a**"),
			    "invalid regular expression 'a**': quantifier does not follow a "
			    "repeatable item at offset 2");
}

static void test_engine_regex__cache_shares_and_survives_clear(void **state)
{
	struct kiso_regex *a = re_ok("c(a)che", 0), *b = re_ok("c(a)che", 0);
	struct kiso_regex *ci = re_ok("c(a)che", KISO_RE_IGNORECASE);
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_match m = KISO_MATCH_INIT;

	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, ci);
	kiso_regex_cache_clear();
	/* handles in use stay valid after the cache let go of them */
	assert_int_equal(kiso_regex_exec(&m, a, "CACHE cache", 11, 0, KISO_RE_SEARCH, &err), 1);
	assert_int_equal(m.ovec[0], 6);
	kiso_match_release(&m);
	kiso_regex_free(a);
	kiso_regex_free(b);
	kiso_regex_free(ci);
	kiso_regex_free(NULL);
	/* many patterns: the cache stays bounded and correct */
	for (int i = 0; i < 1200; i++) {
		char pat[32];
		struct kiso_regex *re;

		snprintf(pat, sizeof(pat), "x%dy", i);
		re = re_ok(pat, 0);
		assert_int_equal(kiso_regex_exec(&m, re, pat, strlen(pat), 0, KISO_RE_FULLMATCH,
						 &err), 1);
		kiso_match_release(&m);
		kiso_regex_free(re);
	}
}

static void test_engine_regex__escape(void **state)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s = "a-b.c*[x](y)+?^$|\\{z} #&~\t\n_1";

	kiso_regex_escape(&b, s, strlen(s));
	assert_string_equal(kiso_buf_cstr(&b),
			    "a\\-b\\.c\\*\\[x\\]\\(y\\)\\+\\?\\^\\$\\|\\\\\\{z\\}\\ \\#\\&\\~\\\t\\\n_1");
	kiso_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_regex__search_match_fullmatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__groups_and_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__python_spellings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__unicode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__findall_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__sub_empty_matches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__sub_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__sub_template_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__compile_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__cache_shares_and_survives_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_regex__escape, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
