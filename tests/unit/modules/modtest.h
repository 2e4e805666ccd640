/*
 * modtest.h - running a module's plan/apply in a unit test, with the
 * LOCAL transport under a temporary directory (STYLE.md section 7).
 *
 * Header-only (static functions) so that it is not a test program of its
 * own; included by tests/unit/modules/<name>.c.
 *
 *   struct mt *m = mt_new();
 *   mt_write(m, "f", "a\n");
 *   mt_cycle(m, "lineinfile", "path: {D}/f\nline: b\n");  // the 4 steps
 *   assert_string_equal(mt_read(m, "f"), "a\nb\n");
 *   mt_free(m);
 *
 * "{D}" in argument YAML is replaced by the temporary directory.
 */
#ifndef KISO_MODTEST_H
#define KISO_MODTEST_H

#include "kiso_common.h"
#include "args.h"
#include "arena.h"
#include "buf.h"
#include "diff.h"
#include "error.h"
#include "module.h"
#include "template.h"
#include "transport.h"
#include "value.h"
#include "yaml.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

struct mt {
	char dir[64];
	struct kiso_value *vars;        /* mt_vars() */
	struct kiso_tmpl_ctx ctx;
	struct kiso_arena *a;
	struct kiso_conn *c;
	struct kiso_error err;
	const char *search[4];
	struct kiso_tmpl_ctx *tmpl;
	struct kiso_task task;          /* of the last run */
	struct kiso_plan plan;
};

/* Every directory made, removed at exit too: a failed assertion jumps
 * past mt_free(). */
static char mt_dirs[64][64];
static size_t mt_ndirs;

static void mt_cleanup(void)
{
	char cmd[128];

	for (size_t i = 0; i < mt_ndirs; i++) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%.63s'", mt_dirs[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove '%s'\n", mt_dirs[i]);
	}
}

static __attribute__((unused)) struct mt *mt_new(void)
{
	struct mt *m = kiso_xcalloc(1, sizeof(*m));
	struct kiso_conn_opts o;

	snprintf(m->dir, sizeof(m->dir), "/tmp/kiso-mt-XXXXXX");
	assert_non_null(mkdtemp(m->dir));
	if (mt_ndirs == 0)
		atexit(mt_cleanup);
	if (mt_ndirs < sizeof(mt_dirs) / sizeof(mt_dirs[0]))
		snprintf(mt_dirs[mt_ndirs++], sizeof(mt_dirs[0]), "%s", m->dir);
	m->a = kiso_arena_new();
	kiso_conn_opts_init(&o);
	o.kind = KISO_CONN_LOCAL;
	kiso_conn_opts_set(&o.name, "localhost");
	m->c = kiso_conn_new(&o);
	kiso_conn_opts_release(&o);
	assert_int_equal(kiso_conn_open(m->c), 0);
	return m;
}

static __attribute__((unused)) void mt_free(struct mt *m)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", m->dir);
	assert_int_equal(system(cmd), 0);
	kiso_conn_free(m->c);
	kiso_arena_free(m->a);
	free(m);
}

/* s with every "{D}" replaced by the directory, in m->a */
static __attribute__((unused)) const char *mt_fmt(struct mt *m, const char *s)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *r;

	for (; *s; s++) {
		if (!strncmp(s, "{D}", 3)) {
			kiso_buf_puts(&b, m->dir);
			s += 2;
		} else {
			kiso_buf_putc(&b, *s);
		}
	}
	r = kiso_arena_strdup(m->a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

static __attribute__((unused)) const char *mt_path(struct mt *m, const char *rel)
{
	return kiso_arena_sprintf(m->a, "%s/%s", m->dir, rel);
}

static __attribute__((unused)) void mt_write(struct mt *m, const char *rel, const char *content)
{
	FILE *f = fopen(mt_path(m, rel), "wb");

	assert_non_null(f);
	fwrite(content, 1, strlen(content), f);
	assert_int_equal(fclose(f), 0);
}

/* the file's bytes, NUL-terminated, in m->a; NULL when it cannot be read */
static __attribute__((unused)) char *mt_read(struct mt *m, const char *rel)
{
	FILE *f = fopen(mt_path(m, rel), "rb");
	struct kiso_buf b = KISO_BUF_INIT;
	char buf[4096];
	size_t n;
	char *r;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		kiso_buf_add(&b, buf, n);
	fclose(f);
	r = kiso_arena_strndup(m->a, kiso_buf_cstr(&b), b.len);
	kiso_buf_release(&b);
	return r;
}

/* Output of a shell command ("{D}" replaced), in m->a. */
static __attribute__((unused)) const char *mt_sh(struct mt *m, const char *cmd)
{
	FILE *p = popen(mt_fmt(m, cmd), "r");
	struct kiso_buf b = KISO_BUF_INIT;
	char buf[4096];
	size_t n;
	const char *r;

	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		kiso_buf_add(&b, buf, n);
	pclose(p);
	r = kiso_arena_strdup(m->a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

static __attribute__((unused)) unsigned mt_mode(struct mt *m, const char *rel)
{
	struct stat st;

	if (lstat(mt_path(m, rel), &st) != 0)
		return 0xffffffffu;
	return st.st_mode & 07777u;
}

/* Everything under the directory: names, types, modes, sizes, link
 * targets, times and content checksums; for byte-identical checks. */
static __attribute__((unused)) char *mt_snapshot(struct mt *m)
{
	char cmd[256];
	FILE *p;
	struct kiso_buf b = KISO_BUF_INIT;
	char buf[4096];
	size_t n;
	char *r;

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && find . -printf '%%p %%y %%m %%U %%G %%s %%T@ %%l\\n' | sort && "
		 "find . -type f -exec sha1sum {} + | sort", m->dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		kiso_buf_add(&b, buf, n);
	assert_int_equal(pclose(p), 0);
	r = kiso_arena_strndup(m->a, kiso_buf_cstr(&b), b.len);
	kiso_buf_release(&b);
	return r;
}

static __attribute__((unused)) int mt_run_value(struct mt *m, const char *module,
						 const struct kiso_value *raw, bool apply, bool diff)
{
	const struct kiso_module *mod = kiso_module_find(module);
	struct kiso_value *args = NULL;
	struct kiso_diags d = KISO_DIAGS_INIT;
	int rc;

	assert_non_null(mod);
	assert_non_null(mod->plan);
	kiso_error_clear(&m->err);
	if (kiso_args_normalize(&args, m->a, mod, raw, KISO_POS_NONE, &d) < 0) {
		kiso_diags_print(stderr, &d);
		kiso_diags_release(&d);
		fail_msg("arguments of '%s' do not validate", module);
	}
	kiso_diags_release(&d);
	memset(&m->task, 0, sizeof(m->task));
	memset(&m->plan, 0, sizeof(m->plan));
	m->task.module = mod;
	m->task.args = args;
	m->task.conn = m->c;
	m->task.arena = m->a;
	m->task.host = "localhost";
	m->task.check = !apply;
	m->task.diff = diff;
	m->task.err = &m->err;
	m->task.search_path = m->search[0] ? m->search : NULL;
	m->task.tmpl = m->tmpl;
	m->plan.result = kiso_map_new(m->a, KISO_POS_NONE);
	if ((rc = mod->plan(&m->task, &m->plan)) < 0)
		return rc;
	if (apply && m->plan.changed)
		rc = mod->apply(&m->task, &m->plan);
	return rc;
}

/*
 * Normalises the arguments (YAML, "{D}" replaced), runs plan() and, when
 * 'apply' and it reports a change, apply(). Returns the first negative
 * code, or 0; m->plan and m->task hold the run (m->err its error).
 */
static __attribute__((unused)) int mt_run(struct mt *m, const char *module, const char *yaml,
					  bool apply, bool diff)
{
	struct kiso_value *raw = NULL;
	const char *text = mt_fmt(m, yaml);

	kiso_error_clear(&m->err);
	assert_int_equal(kiso_yaml_load(&raw, m->a, text, strlen(text), "<test>", &m->err), 0);
	return mt_run_value(m, module, raw, apply, diff);
}

static __attribute__((unused)) int mt_lookup(void *data, const char *name, struct kiso_value **out,
		     struct kiso_error *err)
{
	struct mt *m = data;

	(void)err;
	*out = kiso_map_get(m->vars, name);
	return 0;
}

/* Host variables for template rendering (a YAML map, "{D}" replaced). */
static __attribute__((unused)) void mt_vars(struct mt *m, const char *yaml)
{
	const char *text = mt_fmt(m, yaml);

	assert_int_equal(kiso_yaml_load(&m->vars, m->a, text, strlen(text), "<vars>", &m->err), 0);
	m->ctx.lookup = mt_lookup;
	m->ctx.data = m;
	m->ctx.arena = m->a;
	m->tmpl = &m->ctx;
}

/* The last run's result[key] as a string (str(value)), or NULL. */
static __attribute__((unused)) const char *mt_result(struct mt *m, const char *key)
{
	const struct kiso_value *v = kiso_map_get(m->plan.result, key);
	struct kiso_buf b = KISO_BUF_INIT;
	const char *r;

	if (!v)
		return NULL;
	kiso_value_str(&b, v);
	r = kiso_arena_strdup(m->a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

/* The rendered --diff text of the last run, in m->a. */
static __attribute__((unused)) const char *mt_diff_text(struct mt *m)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *r;

	for (size_t i = 0; i < m->plan.ndiffs; i++)
		assert_int_equal(kiso_diff_item_render(&b, &m->plan.diffs[i], false, &m->err), 0);
	r = kiso_arena_strdup(m->a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

static __attribute__((unused)) void mt_expect_ok(struct mt *m, int rc)
{
	if (rc < 0)
		fail_msg("module failed: %s", m->err.msg);
}

/*
 * The four steps of STYLE.md section 7 for one task:
 *  1. plan on the fixture reports a change, and check mode (plan only,
 *     with --diff) leaves the directory byte-identical;
 *  2. apply;
 *  3. plan again reports no change.
 */
static __attribute__((unused)) void mt_cycle(struct mt *m, const char *module, const char *yaml)
{
	char *before = mt_snapshot(m);

	mt_expect_ok(m, mt_run(m, module, yaml, false, true));
	if (!m->plan.changed)
		fail_msg("plan reports no change: %s", yaml);
	assert_string_equal(mt_snapshot(m), before);
	mt_expect_ok(m, mt_run(m, module, yaml, true, false));
	assert_true(m->plan.changed);
	mt_expect_ok(m, mt_run(m, module, yaml, false, false));
	if (m->plan.changed)
		fail_msg("second plan still reports a change: %s", yaml);
}

#endif
