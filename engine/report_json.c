/*
 * report_json.c - `--report json=FILE`: the whole run as one JSON
 * document, written at the recap:
 *
 *   { "stats": { HOST: {ok, changed, unreachable, failed, skipped,
 *                       rescued, ignored} },
 *     "plays": [ { "name": ..., "tasks": [ { "name": ..., "kind": "TASK",
 *                  "hosts": { HOST: { "status", "changed", "msg",
 *                             "diff": [ {before, after, before_header,
 *                                        after_header} ], "items": [...] } } } ] } ] }
 *
 * no_log results keep their status only; their values and diffs are
 * never written.
 */
#include "kiso_common.h"

#include "buf.h"
#include "report.h"

struct jrep {
	char *path;
	struct kiso_arena *a;
	struct kiso_value *root, *plays, *play, *tasks, *task;
	bool written;
};

static struct kiso_value *S(struct kiso_arena *a, const char *s)
{
	return kiso_str(a, s ? s : "", KISO_POS_NONE);
}

static void j_play_start(void *self, const char *name)
{
	struct jrep *j = self;

	j->play = kiso_map_new(j->a, KISO_POS_NONE);
	kiso_map_set(j->a, j->play, "name", S(j->a, name));
	j->tasks = kiso_list_new(j->a, KISO_POS_NONE);
	kiso_map_set(j->a, j->play, "tasks", j->tasks);
	kiso_list_push(j->a, j->plays, j->play);
	j->task = NULL;
}

static void j_task_start(void *self, const char *kind, const char *name, const char *path)
{
	struct jrep *j = self;

	(void)path;
	if (!j->play)
		j_play_start(self, "");
	j->task = kiso_map_new(j->a, KISO_POS_NONE);
	kiso_map_set(j->a, j->task, "name", S(j->a, name));
	kiso_map_set(j->a, j->task, "kind", S(j->a, kind));
	kiso_map_set(j->a, j->task, "hosts", kiso_map_new(j->a, KISO_POS_NONE));
	kiso_list_push(j->a, j->tasks, j->task);
}

static void j_result(void *self, const char *host, const struct kiso_task_result *r)
{
	struct jrep *j = self;
	struct kiso_value *hosts, *h, *d;
	const struct kiso_value *msg = r->res ? kiso_map_get(r->res, "msg") : NULL;
	const struct kiso_value *ch = r->res ? kiso_map_get(r->res, "changed") : NULL;

	if (!j->task)
		j_task_start(self, "TASK", "", NULL);
	hosts = kiso_map_get(j->task, "hosts");
	h = kiso_map_new(j->a, KISO_POS_NONE);
	kiso_map_set(j->a, h, "status", S(j->a, kiso_status_name(r->status)));
	kiso_map_set(j->a, h, "changed",
		     kiso_bool(j->a, r->status == KISO_ST_CHANGED || (ch && kiso_value_truthy(ch)),
			       KISO_POS_NONE));
	if (r->ignored)
		kiso_map_set(j->a, h, "ignored", kiso_bool(j->a, true, KISO_POS_NONE));
	if (r->delegated)
		kiso_map_set(j->a, h, "delegated_to", S(j->a, r->delegated));
	if (r->no_log) {
		kiso_map_set(j->a, h, "msg", S(j->a, "the output has been hidden due to the fact that "
						      "'no_log: true' was specified for this result"));
	} else {
		if (msg) {
			struct kiso_buf b = KISO_BUF_INIT;
			kiso_value_str(&b, msg);
			kiso_map_set(j->a, h, "msg", S(j->a, kiso_buf_cstr(&b)));
			kiso_buf_release(&b);
		}
		d = kiso_list_new(j->a, KISO_POS_NONE);
		for (size_t i = 0; i < r->ndiffs; i++) {
			const struct kiso_diff_item *x = &r->diffs[i];
			struct kiso_value *m = kiso_map_new(j->a, KISO_POS_NONE);
			kiso_map_set(j->a, m, "before",
				     x->before ? kiso_strn(j->a, x->before, x->before_len, KISO_POS_NONE)
					       : S(j->a, ""));
			kiso_map_set(j->a, m, "after",
				     x->after ? kiso_strn(j->a, x->after, x->after_len, KISO_POS_NONE)
					      : S(j->a, ""));
			if (x->before_header)
				kiso_map_set(j->a, m, "before_header", S(j->a, x->before_header));
			if (x->after_header)
				kiso_map_set(j->a, m, "after_header", S(j->a, x->after_header));
			kiso_list_push(j->a, d, m);
		}
		kiso_map_set(j->a, h, "diff", d);
		if (r->res)
			kiso_map_set(j->a, h, "result", kiso_value_copy(j->a, r->res));
	}
	if (r->item_label) {
		struct kiso_value *prev = kiso_map_get(hosts, host), *items;
		if (!prev) {
			prev = kiso_map_new(j->a, KISO_POS_NONE);
			kiso_map_set(j->a, hosts, host, prev);
		}
		items = kiso_map_get(prev, "items");
		if (!items) {
			items = kiso_list_new(j->a, KISO_POS_NONE);
			kiso_map_set(j->a, prev, "items", items);
		}
		kiso_map_set(j->a, h, "item", S(j->a, r->item_label));
		kiso_list_push(j->a, items, h);
		/* the task's status so far: the worst item */
		{
			struct kiso_value *st = kiso_map_get(prev, "status");
			if (!st || r->status > KISO_ST_SKIPPED)
				kiso_map_set(j->a, prev, "status", S(j->a, kiso_status_name(r->status)));
			if (r->status == KISO_ST_CHANGED)
				kiso_map_set(j->a, prev, "changed", kiso_bool(j->a, true, KISO_POS_NONE));
		}
		return;
	}
	{
		struct kiso_value *prev = kiso_map_get(hosts, host);
		if (prev && kiso_map_get(prev, "items"))
			kiso_map_set(j->a, h, "items", kiso_map_get(prev, "items"));
	}
	kiso_map_set(j->a, hosts, host, h);
}

static void write_out(struct jrep *j)
{
	struct kiso_buf b = KISO_BUF_INIT;
	FILE *f;

	if (j->written)
		return;
	j->written = true;
	kiso_value_json(&b, j->root, 2, false);
	kiso_buf_putc(&b, '\n');
	f = fopen(j->path, "w");
	if (!f) {
		fprintf(stderr, "kiso: cannot write report '%s'\n", j->path);
	} else {
		fwrite(b.ptr, 1, b.len, f);
		fclose(f);
	}
	kiso_buf_release(&b);
}

static void j_recap(void *self, const struct kiso_host_stats *st, size_t n)
{
	struct jrep *j = self;
	struct kiso_value *stats = kiso_map_get(j->root, "stats");

	for (size_t i = 0; i < n; i++) {
		struct kiso_value *m = kiso_map_new(j->a, KISO_POS_NONE);
#define F(x) kiso_map_set(j->a, m, #x, kiso_int(j->a, st[i].x, KISO_POS_NONE))
		F(ok);
		F(changed);
		F(unreachable);
		F(failed);
		F(skipped);
		F(rescued);
		F(ignored);
#undef F
		kiso_map_set(j->a, stats, st[i].host, m);
	}
	write_out(j);
}

static void j_free(void *self)
{
	struct jrep *j = self;

	kiso_arena_free(j->a);
	free(j->path);
	free(j);
}

static const struct kiso_report_ops json_ops = {
	.play_start = j_play_start,
	.task_start = j_task_start,
	.result = j_result,
	.recap = j_recap,
	.free = j_free,
};

struct kiso_report kiso_report_json(const char *path)
{
	struct jrep *j = kiso_xcalloc(1, sizeof(*j));
	struct kiso_report r = { &json_ops, j };

	j->path = kiso_xstrdup(path);
	j->a = kiso_arena_new();
	j->root = kiso_map_new(j->a, KISO_POS_NONE);
	kiso_map_set(j->a, j->root, "stats", kiso_map_new(j->a, KISO_POS_NONE));
	j->plays = kiso_list_new(j->a, KISO_POS_NONE);
	kiso_map_set(j->a, j->root, "plays", j->plays);
	return r;
}
