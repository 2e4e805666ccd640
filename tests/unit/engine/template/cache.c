/*
 * Unit tests for engine/template/cache.c: one compiled template per
 * text and mode, syntax errors cached with positions applied at report
 * time, newline normalisation, and concurrent use from several threads.
 */
#include "helpers.h"

#include <pthread.h>

static void test_engine_template_cache__same_text_once(void **state)
{
	const char *src = "{{ i + 1 }}";
	const struct tmpl *a = tmpl_get(src, strlen(src), 0);
	char copy[32];

	strcpy(copy, src);
	assert_ptr_equal(tmpl_get(copy, strlen(copy), 0), a);
	/* another mode is another entry */
	assert_ptr_not_equal(tmpl_get(src, strlen(src), LEX_ESCAPE_BS), a);
	assert_ptr_not_equal(tmpl_get(src, strlen(src) - 1, 0), a);
	assert_int_equal(a->ecode, 0);
	assert_int_equal(a->nbody, 1);
	kiso_tmpl_cache_clear();
	/* still usable after a clear: compiled again */
	assert_string_equal(T("{{ i + 1 }}"), "str 6");
}

static void test_engine_template_cache__errors_cached(void **state)
{
	const struct tmpl *t = tmpl_get("{{ 1 +", 6, 0);

	assert_int_equal(t->ecode, KISO_ESYNTAX);
	assert_int_equal(t->eoff, 6);
	assert_string_equal(t->emsg, "unexpected end of template");
	assert_ptr_equal(tmpl_get("{{ 1 +", 6, 0), t);
}

static void test_engine_template_cache__newlines(void **state)
{
	/* \r\n and \r count as one line break, as in Jinja2 */
	assert_string_equal(T("a\r\nb\r{{ x y }}"), "ERROR t.yml:3:6: expected token 'end of print statement', got 'y'");
	const struct tmpl *t = tmpl_get("a\r\n", 3, 0);

	assert_int_equal(t->len, 2);
	assert_int_equal(t->trailing_nl, 1);
	assert_string_equal(T("a\r\n\r\n"), "str a\n\n");
	/* the cache key is the text as given */
	assert_ptr_not_equal(tmpl_get("a\n", 2, 0), t);
}

struct job {
	int id;
	int ok;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_tmpl_ctx ctx = CTX;
	char src[64];

	ctx.arena = a;
	j->ok = 1;
	for (int k = 0; k < 200; k++) {
		struct kiso_buf b = KISO_BUF_INIT;
		struct kiso_error err = KISO_ERROR_INIT;

		/* a shared text, and one per thread and round */
		snprintf(src, sizeof(src), "{%% for x in l %%}{{ x * %d }}{%% endfor %%}", k % 7);
		if (kiso_tmpl_render_text(&b, &ctx, src, strlen(src), BASE, &err) < 0)
			j->ok = 0;
		char want[64];

		snprintf(want, sizeof(want), "%d%d%d", k % 7, 2 * (k % 7), 3 * (k % 7));
		if (strcmp(kiso_buf_cstr(&b), want) != 0)
			j->ok = 0;
		kiso_buf_release(&b);
	}
	kiso_arena_free(a);
	return NULL;
}

static void test_engine_template_cache__threads(void **state)
{
	pthread_t th[8];
	struct job jobs[8];

	for (int i = 0; i < 8; i++) {
		jobs[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(jobs[i].ok, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_engine_template_cache__same_text_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_cache__errors_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_cache__newlines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_template_cache__threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
