/*
 * Unit tests for engine/yaml.c: what Ansible's loader gives for each YAML
 * construct (checked against PyYAML 6 / Ansible 2.14 on this machine when
 * written), the errors with their positions, the limits, and the dumper's
 * bytes (expected texts are what yaml.dump(..., Dumper=AnsibleDumper)
 * printed; tests/diff/yaml_dump.sh compares many more live).
 */
#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "value.h"
#include "yaml.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>
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
	A = NULL;
	return 0;
}

/* One document; fails the test on a load error. */
static struct kiso_value *load(const char *text)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL;

	if (kiso_yaml_load(&v, A, text, strlen(text), "t.yml", &err) < 0)
		fail_msg("unexpected error: %d:%d: %s", err.pos.line, err.pos.col, err.msg);
	return v;
}

/* The first item of the list a "- x" document gives. */
static struct kiso_value *item(const char *text)
{
	struct kiso_value *v = load(text);

	assert_int_equal(v->type, KISO_LIST);
	assert_true(v->u.list.len >= 1);
	return v->u.list.items[0];
}

static char *json(const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	char *s;

	kiso_value_json(&b, v, -1, false);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

/* JSON of the whole single document. */
static char *lj(const char *text)
{
	return json(load(text));
}

/* Loading must fail: returns "line:col: message". */
static char *load_err(const char *text, int *code)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = NULL;

	if (kiso_yaml_load_all(&v, A, text, strlen(text), "t.yml", &err) == 0)
		fail_msg("expected an error for '%s', got %s", text, json(v));
	assert_non_null(err.pos.file);
	assert_string_equal(err.pos.file, "t.yml");
	if (code)
		*code = err.code;
	return kiso_arena_sprintf(A, "%d:%d: %s", err.pos.line, err.pos.col, err.msg);
}

static void assert_bool_item(const char *text, bool want)
{
	struct kiso_value *v = item(text);

	assert_int_equal(v->type, KISO_BOOL);
	assert_int_equal(v->u.b, want);
	assert_int_equal(v->flags & KISO_VF_QUOTED, 0);
}

static void assert_str_item(const char *text, const char *want)
{
	struct kiso_value *v = item(text);

	assert_int_equal(v->type, KISO_STR);
	assert_string_equal(v->u.s.ptr, want);
}

static void assert_int_item(const char *text, int64_t want)
{
	struct kiso_value *v = item(text);

	assert_int_equal(v->type, KISO_INT);
	assert_true(v->u.i == want);
}

static void assert_float_item(const char *text, double want)
{
	struct kiso_value *v = item(text);

	assert_int_equal(v->type, KISO_FLOAT);
	if (isnan(want))
		assert_true(isnan(v->u.f));
	else
		assert_true(v->u.f == want);
}

/* One test per YAML 1.1 boolean spelling that PyYAML's resolver knows. */
#define BOOL_TEST(word, val) \
	static void test_engine_yaml__bool_##word(void **state) \
	{ \
		assert_bool_item("- " #word "\n", val); \
		/* quoted, the same word is a string */ \
		assert_str_item("- '" #word "'\n", #word); \
	}
BOOL_TEST(yes, true)
BOOL_TEST(Yes, true)
BOOL_TEST(YES, true)
BOOL_TEST(no, false)
BOOL_TEST(No, false)
BOOL_TEST(NO, false)
BOOL_TEST(true, true)
BOOL_TEST(True, true)
BOOL_TEST(TRUE, true)
BOOL_TEST(false, false)
BOOL_TEST(False, false)
BOOL_TEST(FALSE, false)
BOOL_TEST(on, true)
BOOL_TEST(On, true)
BOOL_TEST(ON, true)
BOOL_TEST(off, false)
BOOL_TEST(Off, false)
BOOL_TEST(OFF, false)

static void test_engine_yaml__not_bools(void **state)
{
	/* other casings and YAML 1.1's y/n are strings in PyYAML */
	assert_str_item("- yES\n", "yES");
	assert_str_item("- y\n", "y");
	assert_str_item("- n\n", "n");
	assert_str_item("- Y\n", "Y");
	assert_str_item("- oN\n", "oN");
	assert_str_item("- tRUE\n", "tRUE");
	assert_str_item("- yes please\n", "yes please");
}

static void test_engine_yaml__nulls(void **state)
{
	assert_string_equal(lj("[~, null, Null, NULL, nULL, '', !!null x]"),
			    "[null, null, null, null, \"nULL\", \"\", null]");
	assert_string_equal(lj("a:\nb: ~\n"), "{\"a\": null, \"b\": null}");
	assert_string_equal(lj("- \n- &x\n"), "[null, null]");
}

static void test_engine_yaml__ints(void **state)
{
	assert_int_item("- 42\n", 42);
	assert_int_item("- -17\n", -17);
	assert_int_item("- +5\n", 5);
	assert_int_item("- 0\n", 0);
	assert_int_item("- -0\n", 0);
	assert_int_item("- 1_000_000\n", 1000000);
	assert_int_item("- 0b1010\n", 10);
	assert_int_item("- -0b11\n", -3);
	assert_int_item("- 0x1F\n", 31);
	assert_int_item("- -0x1f\n", -31);
	assert_int_item("- 0xFF_FF\n", 65535);
	assert_int_item("- 9223372036854775807\n", INT64_MAX);
	assert_int_item("- -9223372036854775808\n", INT64_MIN);
	/* sexagesimal */
	assert_int_item("- 1:30\n", 90);
	assert_int_item("- 190:20:30\n", 685230);
	assert_int_item("- -1:30\n", -90);
	assert_str_item("- 12:60\n", "12:60");
	assert_str_item("- 01:30\n", "01:30");
	/* not ints in YAML 1.1 */
	assert_str_item("- 0o17\n", "0o17");
	assert_str_item("- 12abc\n", "12abc");
	assert_str_item("- 1 2\n", "1 2");
}

static void test_engine_yaml__octal(void **state)
{
	assert_int_item("- 0644\n", 420);
	assert_int_item("- 0755\n", 493);
	assert_int_item("- 00\n", 0);
	assert_int_item("- 0_7\n", 7);
	assert_int_item("- -010\n", -8);
	/* 8 and 9 are not octal digits: a string */
	assert_str_item("- 0999\n", "0999");
	assert_str_item("- 0778\n", "0778");
	/* quoted modes stay strings, flagged */
	struct kiso_value *v = load("mode: '0644'\n");

	assert_int_equal(kiso_map_get(v, "mode")->type, KISO_STR);
	assert_true(kiso_map_get(v, "mode")->flags & KISO_VF_QUOTED);
}

static void test_engine_yaml__big_ints_are_kept_as_text(void **state)
{
	assert_str_item("- 9223372036854775808\n", "9223372036854775808");
	assert_str_item("- 99999999999999999999999\n", "99999999999999999999999");
	assert_str_item("- 0x10000000000000000\n", "0x10000000000000000");
}

static void test_engine_yaml__floats(void **state)
{
	assert_float_item("- 1.5\n", 1.5);
	assert_float_item("- -2.25\n", -2.25);
	assert_float_item("- 1.\n", 1.0);
	assert_float_item("- .5\n", 0.5);
	assert_float_item("- 1_0.5_\n", 10.5);
	assert_float_item("- 1.0e+3\n", 1000.0);
	assert_float_item("- 1.5E-2\n", 0.015);
	assert_float_item("- 1:30.5\n", 90.5);
	assert_float_item("- .inf\n", INFINITY);
	assert_float_item("- -.Inf\n", -INFINITY);
	assert_float_item("- +.INF\n", INFINITY);
	assert_float_item("- .nan\n", NAN);
	assert_float_item("- .NaN\n", NAN);
	/* PyYAML's float needs a dot and a signed exponent */
	assert_str_item("- 1e3\n", "1e3");
	assert_str_item("- 1.0e5\n", "1.0e5");
	assert_str_item("- -.5\n", "-.5");
	assert_str_item("- .iNf\n", ".iNf");
	assert_str_item("- -.nan\n", "-.nan");
}

static void test_engine_yaml__timestamps_stay_strings(void **state)
{
	/* Ansible gets datetime.date here; kiso keeps the text */
	assert_str_item("- 2001-12-14\n", "2001-12-14");
	assert_str_item("- 2001-12-14t21:59:43.10-05:00\n", "2001-12-14t21:59:43.10-05:00");
	assert_str_item("- !!timestamp 2001-12-14\n", "2001-12-14");
}

static void test_engine_yaml__resolver_kinds(void **state)
{
	assert_int_equal(kiso_yaml_resolve("", 0), KISO_YAML_NULL);
	assert_int_equal(kiso_yaml_resolve("Off", 3), KISO_YAML_BOOL);
	assert_int_equal(kiso_yaml_resolve("0x1F", 4), KISO_YAML_INT);
	assert_int_equal(kiso_yaml_resolve("1.5", 3), KISO_YAML_FLOAT);
	assert_int_equal(kiso_yaml_resolve("2001-12-14", 10), KISO_YAML_TIMESTAMP);
	assert_int_equal(kiso_yaml_resolve("<<", 2), KISO_YAML_MERGE);
	assert_int_equal(kiso_yaml_resolve("=", 1), KISO_YAML_VALUE);
	assert_int_equal(kiso_yaml_resolve("*", 1), KISO_YAML_OTHER);
	assert_int_equal(kiso_yaml_resolve("1e3", 3), KISO_YAML_STR);
	assert_int_equal(kiso_yaml_resolve("hello", 5), KISO_YAML_STR);
}

static void test_engine_yaml__quoted_and_block_scalars_are_strings(void **state)
{
	struct kiso_value *v = load("a: 'yes'\nb: \"12\"\nc: |\n  x\n  y\nd: >\n  p\n  q\ne: plain\n"
				    "f: |-\n  s\ng: |+\n  k\n\n");

	assert_string_equal(json(v), "{\"a\": \"yes\", \"b\": \"12\", \"c\": \"x\\ny\\n\", "
				     "\"d\": \"p q\\n\", \"e\": \"plain\", \"f\": \"s\", \"g\": \"k\\n\\n\"}");
	assert_true(kiso_map_get(v, "a")->flags & KISO_VF_QUOTED);
	assert_true(kiso_map_get(v, "b")->flags & KISO_VF_QUOTED);
	assert_true(kiso_map_get(v, "c")->flags & KISO_VF_QUOTED);
	assert_true(kiso_map_get(v, "d")->flags & KISO_VF_QUOTED);
	assert_int_equal(kiso_map_get(v, "e")->flags & KISO_VF_QUOTED, 0);
	/* escapes in double quotes */
	assert_string_equal(lj("x: \"t\\tu\\u00e9\\x41\"\n"), "{\"x\": \"t\\tuéA\"}");
}

static void test_engine_yaml__standard_tags(void **state)
{
	assert_string_equal(lj("- !!str 123\n- !!int '0x10'\n- !!float '1'\n- !!bool 'yes'\n"
			       "- !!null ''\n- !!map {a: 1}\n- !!seq [1]\n- !!str\n"),
			    "[\"123\", 16, 1.0, true, null, {\"a\": 1}, [1], \"\"]");
	/* the non-specific tag '!' resolves like a plain scalar */
	assert_string_equal(lj("- ! 12\n- !!python/unicode 5\n- !!python/dict {a: 1}\n"),
			    "[12, \"5\", {\"a\": 1}]");
	/* verbatim and %TAG forms */
	assert_string_equal(lj("- !<tag:yaml.org,2002:str> 1\n"), "[\"1\"]");
	assert_string_equal(lj("%TAG !e! tag:yaml.org,2002:\n---\n- !e!str 1\n"), "[\"1\"]");
}

static void test_engine_yaml__bad_tag_values(void **state)
{
	assert_string_equal(load_err("x: !!int abc\n", NULL),
			    "1:4: invalid literal for int() with base 10: 'abc'");
	assert_string_equal(load_err("x: !!int 0b\n", NULL), "1:4: invalid literal for int() with base 2: ''");
	assert_string_equal(load_err("x: 0b_\n", NULL), "1:4: invalid literal for int() with base 2: ''");
	assert_string_equal(load_err("x: !!float abc\n", NULL),
			    "1:4: could not convert string to float: 'abc'");
	assert_string_equal(load_err("x: !!bool maybe\n", NULL),
			    "1:4: cannot construct a boolean from 'maybe'");
	assert_string_equal(load_err("x: !!str [1]\n", NULL),
			    "1:4: expected a scalar node, but found sequence");
	assert_string_equal(load_err("x: !!map 1\n", NULL),
			    "1:4: expected a mapping node, but found scalar");
	assert_string_equal(load_err("x: !!seq {a: 1}\n", NULL),
			    "1:4: expected a sequence node, but found mapping");
}

static void test_engine_yaml__unknown_tag(void **state)
{
	int code;

	assert_string_equal(load_err("a: 1\nx: !foo bar\n", &code), "2:4: unknown tag '!foo'");
	assert_int_equal(code, KISO_EINVALID);
	assert_string_equal(load_err("x: !!binary aGk=\n", NULL), "1:4: unknown tag '!!binary'");
	assert_string_equal(load_err("- !bar [1]\n", NULL), "1:3: unknown tag '!bar'");
}

static void test_engine_yaml__unsafe(void **state)
{
	struct kiso_value *v = load("a: !unsafe '{{ x }}'\nb: !unsafe 12\nc: !unsafe\nd: '{{ y }}'\n");
	struct kiso_value *a = kiso_map_get(v, "a"), *b = kiso_map_get(v, "b");

	assert_int_equal(a->type, KISO_STR);
	assert_string_equal(a->u.s.ptr, "{{ x }}");
	assert_true(a->flags & KISO_VF_UNSAFE);
	/* never resolved: a string */
	assert_int_equal(b->type, KISO_STR);
	assert_string_equal(b->u.s.ptr, "12");
	assert_true(b->flags & KISO_VF_UNSAFE);
	assert_int_equal(kiso_map_get(v, "c")->type, KISO_STR);
	assert_true(kiso_map_get(v, "c")->flags & KISO_VF_UNSAFE);
	assert_int_equal(kiso_map_get(v, "d")->flags & KISO_VF_UNSAFE, 0);
}

static void test_engine_yaml__unsafe_collection_marks_every_string(void **state)
{
	struct kiso_value *v = load("s: &s ['{{ a }}']\nu: !unsafe [x, {k: '{{ v }}'}, 1, *s]\n");
	struct kiso_value *u = kiso_map_get(v, "u"), *m, *s = kiso_map_get(v, "s");

	assert_string_equal(json(u), "[\"x\", {\"k\": \"{{ v }}\"}, 1, [\"{{ a }}\"]]");
	assert_true(u->u.list.items[0]->flags & KISO_VF_UNSAFE);
	m = u->u.list.items[1];
	assert_true(m->u.map.items[0].key->flags & KISO_VF_UNSAFE);
	assert_true(m->u.map.items[0].val->flags & KISO_VF_UNSAFE);
	assert_int_equal(u->u.list.items[2]->type, KISO_INT);
	assert_true(u->u.list.items[3]->u.list.items[0]->flags & KISO_VF_UNSAFE);
	/* the anchored list itself is not changed */
	assert_int_equal(s->u.list.items[0]->flags & KISO_VF_UNSAFE, 0);
}

static void test_engine_yaml__vault(void **state)
{
	const char *text = "pw: !vault |\n"
			   "  $ANSIBLE_VAULT;1.1;AES256\n"
			   "  62313365396662343061393464336163\n";
	struct kiso_value *v = load(text), *pw = kiso_map_get(v, "pw");

	assert_int_equal(pw->type, KISO_STR);
	assert_true(pw->flags & KISO_VF_VAULT);
	assert_string_equal(pw->u.s.ptr, "$ANSIBLE_VAULT;1.1;AES256\n62313365396662343061393464336163\n");
	assert_int_equal(pw->pos.line, 1);
	assert_int_equal(pw->pos.col, 5);
	pw = kiso_map_get(load("pw: !vault-encrypted x\n"), "pw");
	assert_true(pw->flags & KISO_VF_VAULT);
	assert_string_equal(load_err("pw: !vault {a: 1}\n", NULL),
			    "1:5: expected a scalar node, but found mapping");
}

static void test_engine_yaml__anchors_and_aliases(void **state)
{
	struct kiso_value *v = load("a: &x\n  b: &y [1, 2]\nc: *y\nd: *x\ne: &s str\nf: *s\n");

	assert_string_equal(json(v), "{\"a\": {\"b\": [1, 2]}, \"c\": [1, 2], \"d\": {\"b\": [1, 2]}, "
				     "\"e\": \"str\", \"f\": \"str\"}");
	/* an alias shares the anchored value */
	assert_ptr_equal(kiso_map_get(v, "c"), kiso_map_get(kiso_map_get(v, "a"), "b"));
	assert_ptr_equal(kiso_map_get(v, "d"), kiso_map_get(v, "a"));
}

static void test_engine_yaml__alias_errors(void **state)
{
	assert_string_equal(load_err("a: *nope\n", NULL), "1:4: found undefined alias 'nope'");
	assert_string_equal(load_err("a: &x [1, *x]\n", NULL),
			    "1:11: found recursive alias 'x': a node cannot contain itself");
	assert_string_equal(load_err("a: &x {b: *x}\n", NULL),
			    "1:11: found recursive alias 'x': a node cannot contain itself");
	assert_string_equal(load_err("a: &x 1\nb: &x 2\n", NULL),
			    "2:4: found duplicate anchor 'x'; first occurrence at line 1, column 4");
	/* anchors do not cross documents */
	assert_string_equal(load_err("a: &x 1\n---\nb: *x\n", NULL), "3:4: found undefined alias 'x'");
}

static void test_engine_yaml__merge_one_map(void **state)
{
	struct kiso_value *v = load("base: &b {a: 1, b: 2}\nx:\n  c: 3\n  <<: *b\n  b: 9\n");

	/* merged keys come first; keys written in the map win */
	assert_string_equal(json(kiso_map_get(v, "x")), "{\"a\": 1, \"b\": 9, \"c\": 3}");
	assert_null(kiso_map_get(kiso_map_get(v, "x"), "<<"));
}

static void test_engine_yaml__merge_list_precedence(void **state)
{
	/* earlier maps in the list win over later ones */
	assert_string_equal(lj("a: {<<: [{x: 1, y: 1}, {x: 2, z: 2}], w: 3, y: 9}\n"),
			    "{\"a\": {\"x\": 1, \"z\": 2, \"y\": 9, \"w\": 3}}");
	assert_string_equal(lj("- &A {k: 1}\n- &B {k: 2, j: 2}\n- <<: [*A, *B]\n"),
			    "[{\"k\": 1}, {\"k\": 2, \"j\": 2}, {\"k\": 1, \"j\": 2}]");
	/* two merge keys: the later one wins over the earlier one */
	assert_string_equal(lj("m:\n  c: 0\n  <<: {a: 1}\n  <<: {a: 2, b: 2}\n"),
			    "{\"m\": {\"a\": 2, \"b\": 2, \"c\": 0}}");
	/* a merged map that merges itself */
	assert_string_equal(lj("a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n"),
			    "{\"a\": {\"x\": 1}, \"b\": {\"x\": 1, \"y\": 2}, \"c\": {\"x\": 1, \"y\": 2, "
			    "\"z\": 3}}");
	/* a quoted '<<' is an ordinary key */
	assert_string_equal(lj("'<<': {a: 1}\n"), "{\"<<\": {\"a\": 1}}");
}

static void test_engine_yaml__merge_errors(void **state)
{
	assert_string_equal(load_err("<<: 1\n", NULL),
			    "1:5: expected a mapping or list of mappings for merging, but found scalar");
	assert_string_equal(load_err("<<: [{a: 1}, 2]\n", NULL),
			    "1:14: expected a mapping for merging, but found scalar");
	assert_string_equal(load_err("x: <<\n", NULL),
			    "1:4: could not determine a constructor for the tag "
			    "'tag:yaml.org,2002:merge'");
	assert_string_equal(load_err("x: =\n", NULL),
			    "1:4: could not determine a constructor for the tag "
			    "'tag:yaml.org,2002:value'");
	/* '=' as a key is the string "=" */
	assert_string_equal(lj("=: 1\n"), "{\"=\": 1}");
}

static void test_engine_yaml__duplicate_keys_later_wins(void **state)
{
	struct kiso_value *v = load("a: 1\nb: 2\na: 3\n");

	assert_string_equal(json(v), "{\"a\": 3, \"b\": 2}");
	/* Python equality: 1, 1.0 and true are the same key */
	assert_string_equal(lj("1: a\ntrue: b\n1.0: c\n"), "{\"1\": \"c\"}");
	/* PyYAML's '.nan' is one shared object: all NaN keys are one key */
	v = load("{.nan: 1, a: 2, .NaN: 3}");
	assert_int_equal(v->u.map.len, 2);
	assert_true(isnan(v->u.map.items[0].key->u.f));
	assert_int_equal(v->u.map.items[0].val->u.i, 3);
}

static void test_engine_yaml__scalar_keys(void **state)
{
	struct kiso_value *v = load("1: a\n2.5: b\nfalse: c\nnull: d\n");

	assert_int_equal(v->u.map.items[0].key->type, KISO_INT);
	assert_int_equal(v->u.map.items[1].key->type, KISO_FLOAT);
	assert_int_equal(v->u.map.items[2].key->type, KISO_BOOL);
	assert_int_equal(v->u.map.items[3].key->type, KISO_NULL);
}

static void test_engine_yaml__non_scalar_keys_are_errors(void **state)
{
	assert_string_equal(load_err("[1, 2]: x\n", NULL),
			    "1:1: mapping key must be a scalar, found a sequence");
	assert_string_equal(load_err("a: 1\n? {b: 1}\n: x\n", NULL),
			    "2:3: mapping key must be a scalar, found a mapping");
}

static void test_engine_yaml__multi_document(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v;
	const char *text = "--- 1\n--- [a]\n...\n---\nk: v\n";

	assert_int_equal(kiso_yaml_load_all(&v, A, text, strlen(text), "m.yml", &err), 0);
	assert_string_equal(json(v), "[1, [\"a\"], {\"k\": \"v\"}]");
	assert_int_equal(v->u.list.items[2]->pos.line, 5);
	/* a single-document load refuses the second document */
	assert_true(kiso_yaml_load(&v, A, text, strlen(text), "m.yml", &err) < 0);
	assert_string_equal(err.msg, "expected a single document in the stream, but found another "
				     "document");
	assert_int_equal(err.pos.line, 2);
	assert_int_equal(err.pos.col, 1);
}

static void test_engine_yaml__empty_streams(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v;

	assert_int_equal(kiso_yaml_load_all(&v, A, "", 0, "e.yml", &err), 0);
	assert_int_equal(v->type, KISO_LIST);
	assert_int_equal(v->u.list.len, 0);
	assert_int_equal(kiso_yaml_load_all(&v, A, "# only\n", 7, "e.yml", &err), 0);
	assert_int_equal(v->u.list.len, 0);
	assert_int_equal(kiso_yaml_load(&v, A, "", 0, "e.yml", &err), 0);
	assert_int_equal(v->type, KISO_NULL);
	assert_int_equal(kiso_yaml_load(&v, A, "---\n", 4, "e.yml", &err), 0);
	assert_int_equal(v->type, KISO_NULL);
	assert_int_equal(kiso_yaml_load(&v, A, NULL, 0, "e.yml", &err), 0);
	assert_int_equal(v->type, KISO_NULL);
}

static void test_engine_yaml__positions(void **state)
{
	struct kiso_value *v = load("# c\nplay:\n  hosts: all\n  tasks:\n    - name: x\n      copy: {src: a}\n");
	struct kiso_value *play = kiso_map_get(v, "play");
	struct kiso_value *tasks = kiso_map_get(play, "tasks");
	struct kiso_value *t0 = tasks->u.list.items[0];
	const struct kiso_mapent *e = kiso_map_entry(play, "hosts");

	assert_string_equal(v->pos.file, "t.yml");
	assert_int_equal(v->pos.line, 2);
	assert_int_equal(v->pos.col, 1);
	assert_int_equal(play->pos.line, 3);
	assert_int_equal(play->pos.col, 3);
	assert_int_equal(e->key->pos.line, 3);
	assert_int_equal(e->key->pos.col, 3);
	assert_int_equal(e->val->pos.line, 3);
	assert_int_equal(e->val->pos.col, 10);
	assert_int_equal(tasks->pos.line, 5);
	assert_int_equal(tasks->pos.col, 5);
	assert_int_equal(t0->pos.line, 5);
	assert_int_equal(t0->pos.col, 7);
	assert_int_equal(kiso_map_get(kiso_map_get(t0, "copy"), "src")->pos.col, 19);
	assert_int_equal(kiso_map_get(t0, "copy")->pos.col, 13);
}

static void test_engine_yaml__syntax_errors_use_libyaml_text(void **state)
{
	int code;

	assert_string_equal(load_err("a: b: c\n", &code),
			    "1:5: mapping values are not allowed in this context");
	assert_int_equal(code, KISO_ESYNTAX);
	assert_string_equal(load_err("a:\n\tb: 1\n", NULL),
			    "2:1: found character that cannot start any token (while scanning for the "
			    "next token at line 2, column 1)");
	assert_string_equal(load_err("a: 'unterminated\n", NULL),
			    "2:1: found unexpected end of stream (while scanning a quoted scalar at "
			    "line 1, column 4)");
	assert_string_equal(load_err("x: @bad\n", NULL),
			    "1:4: found character that cannot start any token (while scanning for the "
			    "next token at line 1, column 4)");
	assert_string_equal(load_err("a:\n  - 1\n - 2\n", NULL),
			    "3:2: did not find expected key (while parsing a block mapping at line 1, "
			    "column 1)");
	assert_string_equal(load_err("- a\nb: 1\n", NULL),
			    "2:1: did not find expected '-' indicator (while parsing a block collection "
			    "at line 1, column 1)");
	assert_string_equal(load_err("a: \"bad \\q\"\n", NULL),
			    "1:9: found unknown escape character (while parsing a quoted scalar at "
			    "line 1, column 4)");
}

static void test_engine_yaml__error_precedence_like_pyyaml(void **state)
{
	/* PyYAML composes a document before constructing it: syntax and alias
	 * errors anywhere in the document win over construction errors */
	assert_string_equal(load_err("[a]: [b", NULL),
			    "2:1: did not find expected ',' or ']' (while parsing a flow sequence at "
			    "line 1, column 6)");
	assert_string_equal(load_err("x: !foo 1\ny: *nope\n", NULL), "2:4: found undefined alias 'nope'");
	/* ... but a document is constructed before the next one is read */
	assert_string_equal(load_err("x: !foo 1\n---\n[\n", NULL), "1:4: unknown tag '!foo'");
	/* the first construction error of the document is the one reported */
	assert_string_equal(load_err("a: !!int x\nb: !bar 1\n", NULL),
			    "1:4: invalid literal for int() with base 10: 'x'");
}

static void test_engine_yaml__truncated_input(void **state)
{
	assert_string_equal(load_err("[1, 2\n", NULL),
			    "2:1: did not find expected ',' or ']' (while parsing a flow sequence at "
			    "line 1, column 1)");
	assert_string_equal(load_err("{a: 1\n", NULL),
			    "2:1: did not find expected ',' or '}' (while parsing a flow mapping at "
			    "line 1, column 1)");
	assert_string_equal(load_err("a: [1, {b: \"x", NULL),
			    "1:14: found unexpected end of stream (while scanning a quoted scalar at "
			    "line 1, column 12)");
	assert_string_equal(load_err("a: &", NULL),
			    "1:5: did not find expected alphabetic or numeric character (while "
			    "scanning an anchor at line 1, column 4)");
}

static void test_engine_yaml__garbage_input(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v;
	const char bad_utf8[] = "a: 1\nb: \xff\xfe\n";
	const char nul[] = "a: x\0y\n";

	assert_true(kiso_yaml_load_all(&v, A, bad_utf8, sizeof(bad_utf8) - 1, "g.yml", &err) < 0);
	assert_string_equal(err.msg, "invalid leading UTF-8 octet: #FF");
	assert_int_equal(err.pos.line, 2);
	assert_int_equal(err.pos.col, 4);
	kiso_error_clear(&err);
	assert_true(kiso_yaml_load_all(&v, A, nul, sizeof(nul) - 1, "g.yml", &err) < 0);
	assert_string_equal(err.msg, "control characters are not allowed: #0");
	assert_int_equal(err.pos.line, 1);
	assert_int_equal(err.pos.col, 5);
	/* random bytes: an error, never a crash */
	for (unsigned seed = 1; seed < 200; seed++) {
		static const char alphabet[] = "ab: -[]{}&*!|>'\"%@`#,?\n\t 01.~<=";
		char junk[64];
		unsigned x = seed;

		for (size_t i = 0; i < sizeof(junk); i++) {
			x = x * 1103515245u + 12345u;
			junk[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
		}
		kiso_error_clear(&err);
		if (kiso_yaml_load_all(&v, A, junk, sizeof(junk), "g.yml", &err) < 0)
			assert_true(err.msg[0] != '\0' && err.pos.line >= 1);
	}
}

static void test_engine_yaml__alias_bomb_fails_cleanly(void **state)
{
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	char *msg = load_err(bomb, NULL);

	assert_non_null(strstr(msg, "document too large: more than 10000000 values with aliases "
				    "expanded (an alias bomb?)"));
	assert_int_equal(strncmp(msg, "7:", 2), 0);
	/* a smaller expansion is fine and shares the nodes */
	struct kiso_value *v = load("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n");

	assert_ptr_equal(kiso_map_get(v, "c")->u.list.items[0], kiso_map_get(v, "b"));
}

static void test_engine_yaml__nesting_limits(void **state)
{
	size_t n = KISO_YAML_MAX_DEPTH + 10;
	char *deep = kiso_arena_alloc(A, 2 * n + 1), *msg;

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	msg = load_err(deep, NULL);
	assert_non_null(strstr(msg, "nesting too deep: more than 1000 levels"));
	/* at the limit it loads */
	memset(deep, '[', KISO_YAML_MAX_DEPTH);
	memset(deep + KISO_YAML_MAX_DEPTH, ']', KISO_YAML_MAX_DEPTH);
	deep[2 * KISO_YAML_MAX_DEPTH] = '\0';
	assert_int_equal(load(deep)->type, KISO_LIST);

	/* aliases cannot stack depth past the limit either */
	struct kiso_buf b = KISO_BUF_INIT;

	for (int i = 0; i < 600; i++)
		kiso_buf_putc(&b, '[');
	kiso_buf_puts(&b, "&a x");
	for (int i = 0; i < 600; i++)
		kiso_buf_putc(&b, ']');
	kiso_buf_puts(&b, "\n");
	/* a map holding the 600-deep list twice nested in another 600 */
	struct kiso_buf c = KISO_BUF_INIT;

	kiso_buf_puts(&c, "- &d ");
	kiso_buf_add(&c, b.ptr, b.len);
	kiso_buf_puts(&c, "- ");
	for (int i = 0; i < 600; i++)
		kiso_buf_putc(&c, '[');
	kiso_buf_puts(&c, "*d");
	for (int i = 0; i < 600; i++)
		kiso_buf_putc(&c, ']');
	kiso_buf_puts(&c, "\n");
	msg = load_err(kiso_buf_cstr(&c), NULL);
	assert_non_null(strstr(msg, "nesting too deep: more than 1000 levels (with aliases expanded)"));
	kiso_buf_release(&b);
	kiso_buf_release(&c);
}

static void test_engine_yaml__load_file(void **state)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v;
	char path[] = "/tmp/kiso-yaml-test-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "k: [1, 2]\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(kiso_yaml_load_file(&v, A, path, &err), 0);
	assert_string_equal(json(v), "{\"k\": [1, 2]}");
	assert_string_equal(kiso_map_get(v, "k")->pos.file, path);
	unlink(path);
	assert_int_equal(kiso_yaml_load_file(&v, A, path, &err), KISO_ENOTFOUND);
	assert_string_equal(err.msg, kiso_arena_sprintf(A, "cannot read '%s': %s", path,
							 strerror(ENOENT)));
	kiso_error_clear(&err);
	assert_true(kiso_yaml_load_file(&v, A, "/", &err) < 0);
	assert_string_equal(err.msg, kiso_arena_sprintf(A, "cannot read '/': %s", strerror(EISDIR)));
}

/* ---- the dumper ---- */

static char *dump(const char *yaml, struct kiso_yaml_dump_opts o)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_error err = KISO_ERROR_INIT;
	char *s;

	if (kiso_yaml_dump(&b, load(yaml), &o, &err) < 0)
		fail_msg("dump failed: %s", err.msg);
	s = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

static const char *SAMPLE = "{b: [1, 2], a: {x: 'yes', y: '123', z: '', w: 'a: b'}, "
			    "c: [{k: v}, plain]}";

static void test_engine_yaml__dump_to_yaml(void **state)
{
	assert_string_equal(dump(SAMPLE, KISO_YAML_DUMP_TO_YAML),
			    "a: {w: 'a: b', x: 'yes', y: '123', z: ''}\n"
			    "b: [1, 2]\n"
			    "c:\n"
			    "- {k: v}\n"
			    "- plain\n");
}

static void test_engine_yaml__dump_to_nice_yaml(void **state)
{
	assert_string_equal(dump(SAMPLE, KISO_YAML_DUMP_TO_NICE_YAML),
			    "a:\n"
			    "    w: 'a: b'\n"
			    "    x: 'yes'\n"
			    "    y: '123'\n"
			    "    z: ''\n"
			    "b:\n"
			    "- 1\n"
			    "- 2\n"
			    "c:\n"
			    "-   k: v\n"
			    "- plain\n");
	assert_string_equal(dump("{k: \"line1\\nline2\\n\", n: [[1, 2], [3]]}",
				 KISO_YAML_DUMP_TO_NICE_YAML),
			    "k: 'line1\n\n    line2\n\n    '\nn:\n-   - 1\n    - 2\n-   - 3\n");
}

static void test_engine_yaml__dump_quoting(void **state)
{
	struct kiso_yaml_dump_opts block = KISO_YAML_DUMP_TO_YAML;

	block.flow_style = 0;
	assert_string_equal(dump("['*star', '&amp', '!bang', '- dash', '-dash', ': colon', 'a #hash', "
				 "'#lead', '0644', '1.5', '1e3', '1:30', '2001-12-14', '~', 'null', "
				 "'on', '<<', '=', ' lead', 'trail ', \"it's\", \"tab\\tx\", '', "
				 "\"yes\\n\"]",
				 block),
			    "- '*star'\n- '&amp'\n- '!bang'\n- '- dash'\n- -dash\n- ': colon'\n"
			    "- 'a #hash'\n- '#lead'\n- '0644'\n- '1.5'\n- 1e3\n- '1:30'\n"
			    "- '2001-12-14'\n- '~'\n- 'null'\n- 'on'\n- '<<'\n- '='\n- ' lead'\n"
			    "- 'trail '\n- it's\n- \"tab\\tx\"\n- ''\n- 'yes\n\n  '\n");
	/* the same list inline, folded at 80 columns */
	assert_string_equal(dump("['*star', '&amp', '!bang', '- dash', '-dash', ': colon', 'a #hash', "
				 "'#lead', '0644', '1.5', '1e3', '1:30', '2001-12-14', '~', 'null', "
				 "'on', '<<', '=', ' lead', 'trail ', \"it's\", \"tab\\tx\"]",
				 KISO_YAML_DUMP_TO_YAML),
			    "['*star', '&amp', '!bang', '- dash', -dash, ': colon', 'a #hash', '#lead', "
			    "'0644',\n  '1.5', 1e3, '1:30', '2001-12-14', '~', 'null', 'on', '<<', '=', "
			    "' lead', 'trail ',\n  it's, \"tab\\tx\"]\n");
}

static void test_engine_yaml__dump_scalars(void **state)
{
	assert_string_equal(dump("[1.0, 0.5, 1.0e+17, 1.0e-05, .inf, -.inf, .nan, -0.0, null, true, "
				 "false, -7]",
				 KISO_YAML_DUMP_TO_YAML),
			    "[1.0, 0.5, 1.0e+17, 1.0e-05, .inf, -.inf, .nan, -0.0, null, true, false, "
			    "-7]\n");
	/* a lone scalar document */
	assert_string_equal(dump("abc", KISO_YAML_DUMP_TO_YAML), "abc\n");
	assert_string_equal(dump("'yes'", KISO_YAML_DUMP_TO_YAML), "'yes'\n");
	assert_string_equal(dump("{l: [], m: {}}", KISO_YAML_DUMP_TO_NICE_YAML), "l: []\nm: {}\n");
}

static void test_engine_yaml__dump_unicode_and_long_lines(void **state)
{
	struct kiso_yaml_dump_opts ascii = KISO_YAML_DUMP_TO_NICE_YAML;

	assert_string_equal(dump("{name: café 中文, emoji: \"\\U0001F600\"}", KISO_YAML_DUMP_TO_YAML),
			    "{emoji: \"\\U0001F600\", name: café 中文}\n");
	ascii.allow_unicode = false;
	assert_string_equal(dump("{e: café}", ascii), "e: \"caf\\xE9\"\n");
	assert_string_equal(dump("{k: 'word word word word word word word word word word word word "
				 "word word word word word word word word word word word word word '}",
				 KISO_YAML_DUMP_TO_YAML),
			    "{k: 'word word word word word word word word word word word word word word "
			    "word word\n    word word word word word word word word word '}\n");
}

static void test_engine_yaml__dump_options(void **state)
{
	struct kiso_yaml_dump_opts o = KISO_YAML_DUMP_TO_YAML;

	o.flow_style = 1;
	assert_string_equal(dump("{a: [1, {b: 2}]}", o), "{a: [1, {b: 2}]}\n");
	o = KISO_YAML_DUMP_TO_NICE_YAML;
	o.explicit_start = true;
	assert_string_equal(dump("{a: 1}", o), "---\na: 1\n");
	o = KISO_YAML_DUMP_TO_NICE_YAML;
	o.sort_keys = false;
	assert_string_equal(dump("{b: 1, a: 2}", o), "b: 1\na: 2\n");
	/* keys Python cannot sort keep their order, as PyYAML does */
	assert_string_equal(dump("{b: 2, 1: a, a: 3}", KISO_YAML_DUMP_TO_NICE_YAML),
			    "b: 2\n1: a\na: 3\n");
}

static void test_engine_yaml__dump_vault(void **state)
{
	assert_string_equal(dump("pw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n",
				 KISO_YAML_DUMP_TO_YAML),
			    "pw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n");
}

static void test_engine_yaml__dump_round_trip(void **state)
{
	const char *text = "a: [1, '2', 3.5, null, true, 'on', '0644', \"x\\ny\", '', ' s ']\n"
			   "b: {c: {d: [e, {f: g}]}}\n";
	struct kiso_value *v = load(text), *back;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_error err = KISO_ERROR_INIT;

	assert_int_equal(kiso_yaml_dump(&b, v, NULL, &err), 0);
	back = load(kiso_buf_cstr(&b));
	assert_true(kiso_value_equal(v, back));
	assert_string_equal(json(v), json(back));
	kiso_buf_release(&b);
}

static void test_engine_yaml__dump_bad_utf8_and_nul(void **state)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *v = kiso_strn(A, "a\xff" "b\0c", 5, KISO_POS_NONE);

	assert_int_equal(kiso_yaml_dump(&b, v, NULL, &err), 0);
	assert_string_equal(kiso_buf_cstr(&b), "\"a\xEF\xBF\xBD" "b\\0c\"\n");
	kiso_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_yaml__bool_yes),
		cmocka_unit_test(test_engine_yaml__bool_Yes),
		cmocka_unit_test(test_engine_yaml__bool_YES),
		cmocka_unit_test(test_engine_yaml__bool_no),
		cmocka_unit_test(test_engine_yaml__bool_No),
		cmocka_unit_test(test_engine_yaml__bool_NO),
		cmocka_unit_test(test_engine_yaml__bool_true),
		cmocka_unit_test(test_engine_yaml__bool_True),
		cmocka_unit_test(test_engine_yaml__bool_TRUE),
		cmocka_unit_test(test_engine_yaml__bool_false),
		cmocka_unit_test(test_engine_yaml__bool_False),
		cmocka_unit_test(test_engine_yaml__bool_FALSE),
		cmocka_unit_test(test_engine_yaml__bool_on),
		cmocka_unit_test(test_engine_yaml__bool_On),
		cmocka_unit_test(test_engine_yaml__bool_ON),
		cmocka_unit_test(test_engine_yaml__bool_off),
		cmocka_unit_test(test_engine_yaml__bool_Off),
		cmocka_unit_test(test_engine_yaml__bool_OFF),
		cmocka_unit_test(test_engine_yaml__not_bools),
		cmocka_unit_test(test_engine_yaml__nulls),
		cmocka_unit_test(test_engine_yaml__ints),
		cmocka_unit_test(test_engine_yaml__octal),
		cmocka_unit_test(test_engine_yaml__big_ints_are_kept_as_text),
		cmocka_unit_test(test_engine_yaml__floats),
		cmocka_unit_test(test_engine_yaml__timestamps_stay_strings),
		cmocka_unit_test(test_engine_yaml__resolver_kinds),
		cmocka_unit_test(test_engine_yaml__quoted_and_block_scalars_are_strings),
		cmocka_unit_test(test_engine_yaml__standard_tags),
		cmocka_unit_test(test_engine_yaml__bad_tag_values),
		cmocka_unit_test(test_engine_yaml__unknown_tag),
		cmocka_unit_test(test_engine_yaml__unsafe),
		cmocka_unit_test(test_engine_yaml__unsafe_collection_marks_every_string),
		cmocka_unit_test(test_engine_yaml__vault),
		cmocka_unit_test(test_engine_yaml__anchors_and_aliases),
		cmocka_unit_test(test_engine_yaml__alias_errors),
		cmocka_unit_test(test_engine_yaml__merge_one_map),
		cmocka_unit_test(test_engine_yaml__merge_list_precedence),
		cmocka_unit_test(test_engine_yaml__merge_errors),
		cmocka_unit_test(test_engine_yaml__duplicate_keys_later_wins),
		cmocka_unit_test(test_engine_yaml__scalar_keys),
		cmocka_unit_test(test_engine_yaml__non_scalar_keys_are_errors),
		cmocka_unit_test(test_engine_yaml__multi_document),
		cmocka_unit_test(test_engine_yaml__empty_streams),
		cmocka_unit_test(test_engine_yaml__positions),
		cmocka_unit_test(test_engine_yaml__syntax_errors_use_libyaml_text),
		cmocka_unit_test(test_engine_yaml__error_precedence_like_pyyaml),
		cmocka_unit_test(test_engine_yaml__truncated_input),
		cmocka_unit_test(test_engine_yaml__garbage_input),
		cmocka_unit_test(test_engine_yaml__alias_bomb_fails_cleanly),
		cmocka_unit_test(test_engine_yaml__nesting_limits),
		cmocka_unit_test(test_engine_yaml__load_file),
		cmocka_unit_test(test_engine_yaml__dump_to_yaml),
		cmocka_unit_test(test_engine_yaml__dump_to_nice_yaml),
		cmocka_unit_test(test_engine_yaml__dump_quoting),
		cmocka_unit_test(test_engine_yaml__dump_scalars),
		cmocka_unit_test(test_engine_yaml__dump_unicode_and_long_lines),
		cmocka_unit_test(test_engine_yaml__dump_options),
		cmocka_unit_test(test_engine_yaml__dump_vault),
		cmocka_unit_test(test_engine_yaml__dump_round_trip),
		cmocka_unit_test(test_engine_yaml__dump_bad_utf8_and_nul),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
