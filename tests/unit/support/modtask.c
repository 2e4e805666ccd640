/* modtask.c - see modtask.h. */
#include "kiso_common.h"
#include "modtask.h"
#include "args.h"
#include "yaml.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

void modtask_init(struct modtask *m)
{
	struct kiso_conn_opts o;

	memset(m, 0, sizeof(*m));
	kiso_conn_opts_init(&o);
	o.kind = KISO_CONN_LOCAL;
	kiso_conn_opts_set(&o.name, "localhost");
	m->conn = kiso_conn_new(&o);
	kiso_conn_opts_release(&o);
	assert_int_equal(kiso_conn_open(m->conn), 0);
	m->arena = kiso_arena_new();
}

void modtask_init_conn(struct modtask *m, struct kiso_conn *c)
{
	memset(m, 0, sizeof(*m));
	m->conn = c;
	m->borrowed_conn = true;
	m->arena = kiso_arena_new();
}

void modtask_release(struct modtask *m)
{
	if (!m->borrowed_conn)
		kiso_conn_free(m->conn);
	kiso_arena_free(m->arena);
	memset(m, 0, sizeof(*m));
}

int modtask_plan(struct modtask *m, const char *name, const char *yaml, bool check)
{
	const struct kiso_module *mod = kiso_module_find(name);
	struct kiso_value *raw = NULL, *args = NULL;
	struct kiso_diags d = KISO_DIAGS_INIT;
	struct kiso_error err = KISO_ERROR_INIT;

	assert_non_null(mod);
	assert_non_null(mod->plan);
	kiso_arena_reset(m->arena);
	if (kiso_yaml_load(&raw, m->arena, yaml, strlen(yaml), "test.yml", &err) < 0)
		fail_msg("bad test yaml '%s': %s", yaml, err.msg);
	if (kiso_args_normalize(&args, m->arena, mod, raw, raw->pos, &d) < 0 ||
	    (mod->validate && mod->validate(args, raw->pos, &d) < 0)) {
		kiso_diags_print(stderr, &d);
		kiso_diags_release(&d);
		fail_msg("arguments '%s' do not validate", yaml);
	}
	kiso_diags_release(&d);
	kiso_error_clear(&m->err);
	memset(&m->task, 0, sizeof(m->task));
	memset(&m->plan, 0, sizeof(m->plan));
	m->task.module = mod;
	m->task.args = args;
	m->task.pos = raw->pos;
	m->task.conn = m->conn;
	m->task.arena = m->arena;
	m->task.host = "testhost";
	m->task.check = check;
	m->task.diff = true;
	m->task.err = &m->err;
	m->task.search_path = m->search_path[0] ? m->search_path : NULL;
	m->plan.result = kiso_map_new(m->arena, raw->pos);
	return mod->plan(&m->task, &m->plan);
}

int modtask_apply(struct modtask *m)
{
	assert_non_null(m->task.module->apply);
	return m->task.module->apply(&m->task, &m->plan);
}

int modtask_run(struct modtask *m, const char *name, const char *yaml)
{
	int rc = modtask_plan(m, name, yaml, false);

	if (rc < 0 || !m->plan.changed)
		return rc;
	return modtask_apply(m);
}

const struct kiso_value *modtask_result(const struct modtask *m, const char *key)
{
	return m->plan.result ? kiso_map_get(m->plan.result, key) : NULL;
}

const char *modtask_result_str(const struct modtask *m, const char *key)
{
	const struct kiso_value *v = modtask_result(m, key);

	if (!v || v->type == KISO_NULL)
		return NULL;
	assert_int_equal(v->type, KISO_STR);
	return v->u.s.ptr;
}
