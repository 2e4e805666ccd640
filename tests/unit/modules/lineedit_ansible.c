/*
 * Differential test of lineinfile, blockinfile and replace against
 * Ansible itself: every task of tests/unit/modules/data/lineedit_cases.yml
 * runs through kiso's modules (local transport) from the case's initial
 * file, and is compared with what ansible-playbook (ansible-core 2.14 on
 * this machine, local connection) did with the same task, recorded in
 * data/lineedit_ansible.json by data/lineedit_regen.py (a run of all
 * cases takes Ansible about 90 s, too slow for every `make test`; rerun
 * the script after changing the cases). For each task: the same changed
 * and failed flags, the same msg (paths spelled DIR), the same final
 * bytes, and on a second run the same changed flag as Ansible's second
 * run (paired execution); check mode leaves the directory byte-identical
 * and predicts the change.
 */
#include "modtest.h"
#include "json.h"

#define CASES "tests/unit/modules/data/lineedit_cases.yml"
#define GOLDEN "tests/unit/modules/data/lineedit_ansible.json"

/* s with every occurrence of 'from' replaced by 'to', in arena a */
static const char *replace_all(struct kiso_arena *a, const char *s, const char *from,
			       const char *to)
{
	struct kiso_buf b = KISO_BUF_INIT;
	size_t fl = strlen(from);
	const char *r;

	while (*s) {
		if (!strncmp(s, from, fl)) {
			kiso_buf_puts(&b, to);
			s += fl;
		} else {
			kiso_buf_putc(&b, *s++);
		}
	}
	r = kiso_arena_strdup(a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return r;
}

/* a deep copy of v with DIR in strings replaced by dir */
static struct kiso_value *subst(struct kiso_arena *a, const struct kiso_value *v, const char *dir)
{
	struct kiso_value *r;

	switch (v->type) {
	case KISO_STR:
		return kiso_str(a, replace_all(a, v->u.s.ptr, "DIR", dir), v->pos);
	case KISO_MAP:
		r = kiso_map_new(a, v->pos);
		for (size_t i = 0; i < v->u.map.len; i++)
			kiso_map_set(a, r, v->u.map.items[i].key->u.s.ptr,
				     subst(a, v->u.map.items[i].val, dir));
		return r;
	default:
		return (struct kiso_value *)v;
	}
}

static char *slurp_file(struct kiso_arena *a, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct kiso_buf b = KISO_BUF_INIT;
	char buf[4096];
	size_t n;
	char *r;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		kiso_buf_add(&b, buf, n);
	fclose(f);
	r = kiso_arena_strndup(a, kiso_buf_cstr(&b), b.len);
	if (len)
		*len = b.len;
	kiso_buf_release(&b);
	return r;
}

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fwrite(s, 1, n, f);
	assert_int_equal(fclose(f), 0);
}

static void test_modules_lineedit_ansible__same_as_ansible(void **state)
{
	struct mt *m = mt_new();
	struct kiso_arena *a = m->a;
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *doc = NULL, *out = NULL;
	const struct kiso_value *play, *initial, *tasks, *atasks;
	const char *kdir = mt_path(m, "kiso");
	char *json;
	size_t jlen, ncases = 0;

	assert_int_equal(kiso_yaml_load_file(&doc, a, CASES, &err), 0);
	play = doc->u.list.items[0];
	initial = kiso_map_get(kiso_map_get(play, "vars"), "initial");
	tasks = kiso_map_get(play, "tasks");
	assert_int_equal(mkdir(kdir, 0755), 0);
	for (size_t i = 0; i < initial->u.map.len; i++) {
		const char *name = initial->u.map.items[i].key->u.s.ptr;
		const struct kiso_value *v = initial->u.map.items[i].val;

		write_file(kiso_arena_sprintf(a, "%s/%s", kdir, name), v->u.s.ptr, v->u.s.len);
	}

	json = slurp_file(a, GOLDEN, &jlen);
	assert_non_null(json);
	assert_int_equal(kiso_json_parse(&out, a, json, jlen, GOLDEN, &err), 0);
	atasks = out;
	assert_int_equal(atasks->u.list.len, tasks->u.list.len);

	/* kiso's, task by task */
	for (size_t i = 0; i < tasks->u.list.len; i++) {
		const struct kiso_value *task = tasks->u.list.items[i];
		const char *name = kiso_map_get(task, "name")->u.s.ptr;
		const struct kiso_value *ares = atasks->u.list.items[i];
		const struct kiso_value *acontent = kiso_map_get(ares, "content");
		const struct kiso_value *af = kiso_map_get(ares, "failed");
		const struct kiso_value *amsg = kiso_map_get(ares, "msg");
		bool afailed = af && kiso_value_truthy(af);
		bool achanged = kiso_value_truthy(kiso_map_get(ares, "changed"));
		const char *module = NULL, *path, *kmsg, *want_msg;
		const struct kiso_value *args = NULL;
		char *snap, *kb;
		size_t lb = 0;
		int rc;

		for (size_t k = 0; k < task->u.map.len; k++) {
			const char *key = task->u.map.items[k].key->u.s.ptr;

			if (strcmp(key, "name") && kiso_module_find(key)) {
				module = key;
				args = subst(a, task->u.map.items[k].val, kdir);
			}
		}
		assert_non_null(module);
		path = kiso_map_get(args, "path")->u.s.ptr;
		/* check mode first: plan only, nothing written */
		snap = mt_snapshot(m);
		rc = mt_run_value(m, module, args, false, true);
		if (strcmp(mt_snapshot(m), snap))
			fail_msg("%s: check mode changed the directory", name);
		if (rc == 0 && m->plan.changed != achanged)
			fail_msg("%s: check mode predicts changed=%d, ansible says %d", name,
				 m->plan.changed, achanged);
		/* the run */
		rc = mt_run_value(m, module, args, true, false);
		kmsg = rc < 0 ? m->err.msg : m->plan.msg ? m->plan.msg : "";
		if ((rc < 0) != afailed)
			fail_msg("%s: kiso failed=%d (%s), ansible failed=%d (%s)", name, rc < 0, kmsg,
				 afailed, amsg ? amsg->u.s.ptr : "");
		if (!afailed && m->plan.changed != achanged)
			fail_msg("%s: kiso changed=%d, ansible changed=%d", name, m->plan.changed,
				 achanged);
		assert_string_equal(kiso_map_get(ares, "name")->u.s.ptr, name);
		want_msg = amsg && amsg->type == KISO_STR ? amsg->u.s.ptr : "";
		if (strcmp(replace_all(a, kmsg, kiso_arena_sprintf(a, "%s/", kdir), "DIR/"), want_msg))
			fail_msg("%s: kiso msg '%s', ansible msg '%s'", name,
				 replace_all(a, kmsg, kiso_arena_sprintf(a, "%s/", kdir), "DIR/"), want_msg);
		kb = slurp_file(a, path, &lb);
		if ((acontent->type == KISO_NULL) != (kb == NULL) ||
		    (kb && (acontent->u.s.len != lb || memcmp(acontent->u.s.ptr, kb, lb))))
			fail_msg("%s: files differ:\nansible: [%s]\nkiso:    [%s]", name,
				 acontent->type == KISO_STR ? acontent->u.s.ptr : "(none)",
				 kb ? kb : "(none)");
		/* paired execution: a second run changes what Ansible's second run did */
		if (!afailed) {
			bool want2 = kiso_value_truthy(kiso_map_get(ares, "changed2"));

			mt_expect_ok(m, mt_run_value(m, module, args, false, false));
			if (m->plan.changed != want2)
				fail_msg("%s: a second plan reports changed=%d, ansible's second run %d",
					 name, m->plan.changed, want2);
		}
		ncases++;
	}
	assert_true(ncases >= 40);
	mt_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_lineedit_ansible__same_as_ansible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
