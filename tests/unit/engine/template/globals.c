/*
 * Unit tests for engine/template/globals.c: range(), dict(),
 * namespace(), now(), and lookup()/query()/q() with the lookup plugins
 * on a temporary directory tree used as the search path.
 */
#include "helpers.h"

#include <sys/stat.h>
#include <unistd.h>

static char DIR_[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", DIR_, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int fs_setup(void **state)
{
	char p[256];

	if (setup(state))
		return -1;
	strcpy(DIR_, "/tmp/kiso-globals-XXXXXX");
	if (!mkdtemp(DIR_))
		return -1;
	snprintf(p, sizeof(p), "%s/files", DIR_);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/templates", DIR_);
	mkdir(p, 0700);
	put("files/a.txt", "hello\n\n");
	put("b.txt", "  b  \n");
	put("templates/t.j2", "x={{ i }}\n{% for x in l %}{{ x }}{% endfor %}\n");
	put("files/g1.conf", "1");
	put("files/g2.conf", "2");
	SEARCH[0] = DIR_;
	SEARCH[1] = NULL;
	return 0;
}

static int fs_teardown(void **state)
{
	static const char *const files[] = { "files/a.txt", "b.txt", "templates/t.j2",
					     "files/g1.conf", "files/g2.conf", "files", "templates" };
	char p[256];

	for (size_t i = 0; i < KISO_ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", DIR_, files[i]);
		if (unlink(p) != 0)
			rmdir(p);
	}
	rmdir(DIR_);
	SEARCH[0] = NULL;
	return teardown(state);
}

/* 'text' with every "%s" replaced by the temporary directory. */
static const char *with_dir(const char *text)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *r;

	for (const char *p = text; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			kiso_buf_puts(&b, DIR_);
			p++;
		} else {
			kiso_buf_putc(&b, *p);
		}
	}
	r = kiso_arena_strdup(A, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

static void test_engine_template_globals__range(void **state)
{
	static const struct tcase cases[] = {
		{ "range(3)", "list [0, 1, 2]" },
		{ "range(1, 4)", "list [1, 2, 3]" },
		{ "range(10, 0, -3)", "list [10, 7, 4, 1]" },
		{ "range(0)", "list []" },
		{ "range(5, 1)", "list []" },
		{ "range(True)", "list [0]" },
		{ "range()", "ERROR t.yml:1:6: range expected 1 to 3 arguments, got 0" },
		{ "range(1, 2, 0)", "ERROR t.yml:1:6: range() arg 3 must not be zero" },
		{ "range('3')", "ERROR t.yml:1:6: 'str' object cannot be interpreted as an integer" },
		{ "range(-9223372036854775807, 9223372036854775807)",
		  "ERROR t.yml:1:6: range too big (18446744073709551614 items, kiso allows 10000000)" },
	};

	RUN(cases, E);
}

static void test_engine_template_globals__dict_namespace_now(void **state)
{
	assert_string_equal(E("dict(a=1, b='x')"), "dict {'a': 1, 'b': 'x'}");
	assert_string_equal(E("dict([('k', 1), ['j', 2]])"), "dict {'k': 1, 'j': 2}");
	assert_string_equal(E("dict(d, a=5)"), "dict {'a': 5, 'b': [1, 2]}");
	assert_string_equal(E("dict([1])"), "ERROR t.yml:1:5: dictionary update sequence element #0 has the wrong length");
	assert_string_equal(T("{% set ns = namespace(a=1) %}{% set ns.b = 2 %}{{ ns.a + ns.b }} {{ ns }}"),
			    "str 3 <Namespace {'a': 1, 'b': 2}>");
	assert_string_equal(T("{% set ns = namespace() %}{{ ns.x }}"),
			    "ERROR t.yml:1:33: 'Namespace object' has no attribute 'x'");
	const char *r = E("now(utc=true, fmt='%Y')");

	assert_int_equal(strlen(r), strlen("str '2026'"));
	assert_string_equal(E("now() is string"), "bool True");
	/* joiner() and cycler(), as in Jinja2 (None prints as '' in Ansible) */
	assert_string_equal(T("{% set j = joiner(',') %}{% for x in l %}{{ j() }}{{ x }}{% endfor %}"), "str 1,2,3");
	assert_string_equal(T("{% set j = joiner() %}{% for x in [1, 2] %}{{ j() }}{{ x }}{% endfor %}"), "str 1, 2");
	assert_string_equal(T("{% set c = cycler('a', 'b') %}{% for x in l %}{{ c.next() }}{% endfor %}"
			      "{{ c.current }}{{ c.reset() }}{{ c.current }}"), "str ababa");
	assert_string_equal(T("{{ cycler() }}"), "ERROR t.yml:1:10: at least one item has to be provided");
	/* Ansible's undef(): an undefined value with a hint */
	assert_string_equal(R("{{ undef() }}"), "ERROR t.yml:1:9: Mandatory variable has not been overridden");
	assert_string_equal(R("{{ undef(hint='set foo') }}"), "ERROR t.yml:1:9: set foo");
	assert_string_equal(R("{{ undef('x') | default(3) }}{{ undef() is defined }}"), "str '3False'");
	/* globals come after the variables: a variable may hide one */
	assert_string_equal(E("range is defined"), "bool True");
	assert_string_equal(E("omit"), "str '" KISO_TMPL_OMIT "'");
}

static void test_engine_template_globals__file(void **state)
{
	assert_string_equal(E("lookup('file', 'a.txt')"), "str 'hello'");
	assert_true(LAST->flags & KISO_VF_UNSAFE);
	assert_string_equal(E("lookup('ansible.builtin.file', 'b.txt', lstrip=True)"), "str 'b'");
	assert_string_equal(E("lookup('file', 'b.txt', rstrip=False)"), "str '  b  \\n'");
	assert_string_equal(E("lookup('file', 'a.txt', 'b.txt')"), "str 'hello,  b'");
	assert_string_equal(E("query('file', 'a.txt', 'b.txt')"), "list ['hello', '  b']");
	assert_string_equal(E("lookup('file', 'a.txt', wantlist=True)"), "list ['hello']");
	assert_string_equal(E(with_dir("lookup('file', '%s/files/a.txt')")), "str 'hello'");
	assert_string_equal(E("lookup('file', 'nope.txt')"),
			    "ERROR t.yml:1:7: could not locate file in lookup: nope.txt");
	assert_string_equal(E("lookup('file', 'nope.txt', errors='ignore')"), "NoneType None");
	assert_string_equal(E("query('file', 'nope.txt', errors='warn')"), "list []");
	assert_string_equal(E("lookup('nosuch', 1)"), "ERROR t.yml:1:7: lookup plugin (nosuch) not found");
}

static void test_engine_template_globals__template_env_vars(void **state)
{
	static const char *const env[] = { "KISO_T=on", "OTHER=x", NULL };

	assert_string_equal(E("lookup('template', 't.j2')"), "str 'x=5\\n123\\n'");
	assert_string_equal(E("lookup('template', 'nope.j2')"),
			    "ERROR t.yml:1:7: the template file nope.j2 could not be found for the lookup");
	CTX.environ = env;
	assert_string_equal(E("lookup('env', 'KISO_T')"), "str 'on'");
	assert_string_equal(E("lookup('env', 'KISO_T', 'NOPE')"), "str 'on,'");
	assert_string_equal(E("lookup('env', 'NOPE', default='d')"), "str 'd'");
	CTX.environ = NULL;
	assert_string_equal(E("lookup('vars', 's')"), "str 'str'");
	assert_string_equal(E("lookup('vars', 'l')"), "list [1, 2, 3]");
	assert_string_equal(E("lookup('vars', 'nope')"),
			    "ERROR t.yml:1:7: No variable found with this name: nope");
	assert_string_equal(E("lookup('vars', 'nope', default=0)"), "int 0");
}

static void test_engine_template_globals__first_found_fileglob(void **state)
{
	assert_string_equal(E("lookup('first_found', ['nope', 'a.txt', 'b.txt'])"),
			    with_dir("str '%s/files/a.txt'"));
	assert_string_equal(E("lookup('first_found', files='nope,b.txt')"), with_dir("str '%s/b.txt'"));
	assert_string_equal(E(with_dir("lookup('first_found', {'files': ['x', 'a.txt'], 'paths': ['%s/files']})")),
			    with_dir("str '%s/files/a.txt'"));
	assert_string_equal(E(with_dir("lookup('first_found', files=['nope'], paths=['%s'], skip=True)")),
			    "list []");
	/* a plain string term is one name, not split on commas */
	assert_string_equal(E("lookup('first_found', 'nope,b.txt', errors='ignore')"), "NoneType None");
	assert_string_equal(E("lookup('first_found', ['nope'])"),
			    "ERROR t.yml:1:7: No file was found when using first_found. Use errors='ignore' to allow this task to be skipped if no files are found");
	assert_string_equal(E("lookup('fileglob', '*.conf')"),
			    with_dir("str '%s/files/g1.conf,%s/files/g2.conf'"));
	assert_string_equal(E("query('fileglob', '*.none')"), "list []");
}

static void test_engine_template_globals__loop_lookups(void **state)
{
	static const struct tcase cases[] = {
		{ "lookup('items', [1, 2], [3])", "list [1, 2, 3]" },
		{ "lookup('items', ['a', 'b'])", "str 'a,b'" },
		{ "lookup('items', [1])", "int 1" },
		{ "lookup('items', [])", "list []" },
		{ "query('list', 'a', 'b')", "list ['a', 'b']" },
		{ "q('dict', {'a': 1})", "list [{'key': 'a', 'value': 1}]" },
		{ "q('indexed_items', ['a', 'b'])", "list [(0, 'a'), (1, 'b')]" },
		{ "q('together', [1, 2], ['a'])", "list [[1, 'a'], [2, None]]" },
		{ "q('nested', [1, 2], ['a', 'b'])", "list [[1, 'a'], [1, 'b'], [2, 'a'], [2, 'b']]" },
		{ "q('dict', [1])", "ERROR t.yml:1:2: with_dict expects a dict" },
	};

	RUN(cases, E);
}

/* Ansible 2.14's results for the same calls (Templar.template) */
static const struct tcase sequence_subelements_pipe[] = {
	{ "{{ lookup('sequence', '5') }}",
	  "str '1,2,3,4,5'" },
	{ "{{ query('sequence', '2-10/2') }}",
	  "list ['2', '4', '6', '8', '10']" },
	{ "{{ query('sequence', '4:host%02d') }}",
	  "list ['host01', 'host02', 'host03', 'host04']" },
	/* a width of a gigabyte is refused, not built (found by fuzzing) */
	{ "{{ query('sequence', '2:h%0010900000000d') }}",
	  "ERROR t.yml:1:9: problem formatting 1 with h%0010900000000d" },
	{ "{{ query('sequence', '1:%.123456f') }}",
	  "ERROR t.yml:1:9: problem formatting 1 with %.123456f" },
	{ "{{ query('sequence', '1:%12345d') | first | length }}", "str '12345'" },
	{ "{{ query('sequence', 'start=5 end=11 stride=2 format=0x%02x') }}",
	  "list ['0x05', '0x07', '0x09', '0x0b']" },
	{ "{{ query('sequence', 'count=3') }}",
	  "list ['1', '2', '3']" },
	{ "{{ query('sequence', 'start=0 count=0') }}",
	  "list []" },
	{ "{{ query('sequence', 'start=1 end=3 format=%s!') }}",
	  "list ['1!', '2!', '3!']" },
	{ "{{ query('sequence', '10:%5.1f') }}",
	  "list ['  1.0', '  2.0', '  3.0', '  4.0', '  5.0', '  6.0', '  7.0', '  8.0', '  9.0', ' 10.0']" },
	{ "{{ query('sequence', 'start=10 end=1 stride=-3') }}",
	  "list ['10', '7', '4', '1']" },
	{ "{{ query('sequence', '0x10-0x12') }}",
	  "list ['16', '17', '18']" },
	{ "{{ query('subelements', [{'n': 1, 'k': [1, 2]}, {'n': 2}], 'k', {'skip_missing': True}) }}",
	  "list [[{'n': 1}, 1], [{'n': 1}, 2]]" },
	{ "{{ query('subelements', users | map('combine', {'g': ['a', 'b']}) | list, 'g') }}",
	  "list [[{'name': 'bob', 'uid': 1001}, 'a'], [{'name': 'bob', 'uid': 1001}, 'b'], [{'name': 'ann', 'uid': 1000}, 'a'], [{'name': 'ann', 'uid': 1000}, 'b']]" },
	{ "{{ query('subelements', [{'n': 1, 'a': {'b': [5], 'c': 0}}], 'a.b') }}",
	  "list [[{'n': 1, 'a': {'c': 0}}, 5]]" },
	{ "{{ query('subelements', {'x': {'k': [1]}}, 'k') }}",
	  "list [[{}, 1]]" },
	{ "{{ query('subelements', [{'k': [1], 'skipped': true}, {'k': [2]}], 'k') }}",
	  "list [[{}, 2]]" },
	{ "{{ lookup('pipe', 'echo hi; echo there') }}",
	  "str 'hi\\nthere'" },
	{ "{{ query('lines', 'printf \"a\\nb\\n\"') }}",
	  "list ['a', 'b']" },
};

static void test_engine_template_globals__sequence_subelements_pipe(void **state)
{
	RUN(sequence_subelements_pipe, R);
	assert_string_equal(E("q('sequence', 'end=1 count=2')"),
			    "ERROR t.yml:1:2: can't specify both count and end in with_sequence");
	assert_string_equal(E("q('sequence', '5-1')"), "ERROR t.yml:1:2: to count backwards make stride negative");
	assert_string_equal(E("q('sequence', 'start=x end=2')"), "ERROR t.yml:1:2: can't parse start=x as integer");
	assert_string_equal(E("q('sequence', '3:%d%d')"), "ERROR t.yml:1:2: bad formatting string: %d%d");
	assert_string_equal(E("q('subelements', [{'n': 1}], 'k')"),
			    "ERROR t.yml:1:2: could not find 'k' key in iterated item '{'n': 1}'");
	assert_string_equal(E("lookup('pipe', 'exit 3')"), "ERROR t.yml:1:7: lookup_plugin.pipe(exit 3) returned 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_template_globals__range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_globals__dict_namespace_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_globals__file, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_globals__template_env_vars, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_globals__first_found_fileglob, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_globals__loop_lookups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_globals__sequence_subelements_pipe, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
