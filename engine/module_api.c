/*
 * module_api.c - the helpers a module uses on its task context and plan
 * (module.h): typed argument access, failures, results and diffs.
 */
#include "kiso_common.h"
#include "module.h"

#include <stdarg.h>

const struct kiso_value *kiso_arg(const struct kiso_task *t, const char *name)
{
	const struct kiso_value *v;

	if (!t->args || t->args->type != KISO_MAP)
		return NULL;
	v = kiso_map_get(t->args, name);
	return v && v->type != KISO_NULL ? v : NULL;
}

const char *kiso_arg_str(const struct kiso_task *t, const char *name)
{
	const struct kiso_value *v = kiso_arg(t, name);

	return v && v->type == KISO_STR ? v->u.s.ptr : NULL;
}

bool kiso_arg_bool(const struct kiso_task *t, const char *name, bool fallback)
{
	const struct kiso_value *v = kiso_arg(t, name);

	if (!v)
		return fallback;
	if (v->type == KISO_BOOL)
		return v->u.b;
	return kiso_value_truthy(v);
}

int64_t kiso_arg_int(const struct kiso_task *t, const char *name, int64_t fallback)
{
	const struct kiso_value *v = kiso_arg(t, name);

	if (!v)
		return fallback;
	if (v->type == KISO_INT)
		return v->u.i;
	if (v->type == KISO_BOOL)
		return v->u.b;
	if (v->type == KISO_FLOAT)
		return (int64_t)v->u.f;
	return fallback;
}

int kiso_task_fail(struct kiso_task *t, int code, const char *fmt, ...)
{
	char msg[KISO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kiso_error_set(t->err, code, t->pos, "%s", msg);
}

void kiso_result_set(struct kiso_task *t, struct kiso_plan *p, const char *key,
		     struct kiso_value *v)
{
	if (!p->result)
		p->result = kiso_map_new(t->arena, t->pos);
	kiso_map_set(t->arena, p->result, key, v);
}

void kiso_result_set_str(struct kiso_task *t, struct kiso_plan *p, const char *key,
			 const char *s)
{
	kiso_result_set(t, p, key, kiso_str(t->arena, s, t->pos));
}

static const char *copy_text(struct kiso_arena *a, const char *s, size_t n)
{
	return s ? kiso_arena_strndup(a, s, n) : NULL;
}

void kiso_plan_diff(struct kiso_task *t, struct kiso_plan *p, const char *before_header,
		    const char *before, size_t before_len, const char *after_header,
		    const char *after, size_t after_len)
{
	struct kiso_diff_item *d;

	p->diffs = kiso_arena_grow(t->arena, p->diffs, p->ndiffs * sizeof(*d),
				   (p->ndiffs + 1) * sizeof(*d));
	d = &p->diffs[p->ndiffs++];
	d->before_header = before_header ? kiso_arena_strdup(t->arena, before_header) : NULL;
	d->after_header = after_header ? kiso_arena_strdup(t->arena, after_header) : NULL;
	d->before = copy_text(t->arena, before, before_len);
	d->before_len = before ? before_len : 0;
	d->after = copy_text(t->arena, after, after_len);
	d->after_len = after ? after_len : 0;
}
