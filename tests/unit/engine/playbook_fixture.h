/*
 * playbook_fixture.h - helpers for the playbook loader's unit tests
 * (tests/unit/engine/playbook*.c, task.c): a throwaway directory of
 * playbook, role and task files, a load, and checks on the diagnostics.
 *
 * Header-only (static functions): each test program includes it once.
 */
#ifndef KISO_TEST_PLAYBOOK_FIXTURE_H
#define KISO_TEST_PLAYBOOK_FIXTURE_H

#include "kiso_common.h"

#include <ftw.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "error.h"
#include "playbook.h"

struct fx {
	char dir[64];
	struct kiso_arena *a;
	struct kiso_playbook *pb;
	struct kiso_diags errors;
	struct kiso_diags warnings;
	int rc;
};

static struct fx FX;

static inline int fx_rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline int fx_setup(void **state)
{
	(void)state;
	memset(&FX, 0, sizeof(FX));
	strcpy(FX.dir, "/tmp/kiso-pbtest-XXXXXX");
	if (!mkdtemp(FX.dir))
		return -1;
	FX.a = kiso_arena_new();
	return 0;
}

static inline int fx_teardown(void **state)
{
	(void)state;
	nftw(FX.dir, fx_rm, 16, FTW_DEPTH | FTW_PHYS);
	kiso_diags_release(&FX.errors);
	kiso_diags_release(&FX.warnings);
	kiso_arena_free(FX.a);
	FX.a = NULL;
	return 0;
}

/* Writes FX.dir/rel (parent directories made) with 'text'. */
static inline void fx_write(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", FX.dir, rel);
	for (char *p = path + strlen(FX.dir) + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0755);
			*p = '/';
		}
	}
	f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static inline const char *fx_path(const char *rel)
{
	return kiso_arena_sprintf(FX.a, "%s/%s", FX.dir, rel);
}

/* Loads FX.dir/rel with opts (may be NULL). */
static inline struct kiso_playbook *fx_load_opts(const char *rel, const struct kiso_load_opts *opts)
{
	struct kiso_load_opts def = { 0 };

	if (!opts) {
		/* never look at the machine's own role directories */
		def.env_roles_path = fx_path("no-such-roles-dir");
		opts = &def;
	}
	kiso_diags_release(&FX.errors);
	kiso_diags_release(&FX.warnings);
	FX.rc = kiso_playbook_load(&FX.pb, FX.a, fx_path(rel), opts, &FX.errors, &FX.warnings);
	return FX.pb;
}

static inline struct kiso_playbook *fx_load(const char *rel)
{
	return fx_load_opts(rel, NULL);
}

static inline bool fx_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0 && (n == m || s[n - m - 1] == '/');
}

static inline void fx_dump(const struct kiso_diags *d)
{
	for (size_t i = 0; i < d->len; i++)
		print_message("  diag: %s:%d:%d: %s\n", d->items[i].pos.file ? d->items[i].pos.file : "-",
			      d->items[i].pos.line, d->items[i].pos.col, d->items[i].msg);
}

/* Asserts that diagnostic number i is file:line:col: msg (file: a suffix). */
static inline void fx_expect_at(const struct kiso_diags *d, size_t i, const char *file, int line,
			 int col, const char *msg)
{
	if (i >= d->len) {
		fx_dump(d);
		fail_msg("diagnostic #%zu missing (want %s:%d:%d: %s)", i, file, line, col, msg);
	}
	const struct kiso_error *e = &d->items[i];
	if (!e->pos.file || !fx_ends_with(e->pos.file, file) || e->pos.line != line ||
	    e->pos.col != col || strcmp(e->msg, msg) != 0) {
		fx_dump(d);
		fail_msg("diagnostic #%zu is %s:%d:%d: %s\n want %s:%d:%d: %s", i,
			 e->pos.file ? e->pos.file : "-", e->pos.line, e->pos.col, e->msg, file, line,
			 col, msg);
	}
}

/* Asserts exactly one error, file:line:col: msg. */
static inline void fx_expect_error(const char *file, int line, int col, const char *msg)
{
	fx_expect_at(&FX.errors, 0, file, line, col, msg);
	if (FX.errors.len != 1) {
		fx_dump(&FX.errors);
		fail_msg("%zu errors, want 1", FX.errors.len);
	}
	assert_int_not_equal(FX.rc, 0);
}

static inline void fx_expect_clean(void)
{
	if (FX.errors.len) {
		fx_dump(&FX.errors);
		fail_msg("%zu unexpected errors", FX.errors.len);
	}
	assert_int_equal(FX.rc, 0);
}

/* The string under key in map (asserted present and a string). */
static inline const char *fx_str(const struct kiso_value *map, const char *key)
{
	const struct kiso_value *v = kiso_map_get(map, key);

	if (!v || v->type != KISO_STR)
		fail_msg("no string '%s'", key);
	return v->u.s.ptr;
}

#endif
