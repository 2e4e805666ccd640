/*
 * report_console.c - ansible-playbook's console output (the default
 * callback of ansible-core 2.14): banners of 80 columns, ok:/changed:/
 * skipping:/failed:/fatal: lines, "=> {json}" with -v (always for debug
 * and assert), diffs with --diff (engine/diff.h), PLAY RECAP columns.
 * Colours only when asked (a TTY).
 */
#include "kiso_common.h"

#include "buf.h"
#include "diff.h"
#include "report.h"

struct console {
	FILE *f;
	int verbosity;
	bool diff;
	bool color;
};

#define C_OK "0;32"
#define C_CHANGED "0;33"
#define C_ERROR "0;31"
#define C_SKIP "0;36"
#define C_UNREACH "1;31"
#define C_HIGHLIGHT "1;37"

const char *kiso_status_name(enum kiso_status s)
{
	switch (s) {
	case KISO_ST_SKIPPED: return "skipped";
	case KISO_ST_OK: return "ok";
	case KISO_ST_CHANGED: return "changed";
	case KISO_ST_FAILED: return "failed";
	case KISO_ST_UNREACHABLE: return "unreachable";
	}
	return "?";
}

static void line(struct console *c, const char *color, const char *text)
{
	if (c->color && color)
		fprintf(c->f, "\033[%sm%s\033[0m\n", color, text);
	else
		fprintf(c->f, "%s\n", text);
}

static void banner(struct console *c, const char *msg)
{
	struct kiso_buf b = KISO_BUF_INIT;
	size_t n = strlen(msg);
	size_t stars = n < 76 ? 79 - n : 3;

	kiso_buf_printf(&b, "\n%s ", msg);
	for (size_t i = 0; i < stars; i++)
		kiso_buf_putc(&b, '*');
	line(c, NULL, kiso_buf_cstr(&b) + 1 - 1);
	kiso_buf_release(&b);
}

static void c_play_start(void *self, const char *name)
{
	struct console *c = self;
	char *m = kiso_xasprintf("PLAY [%s]", name ? name : "");
	banner(c, m);
	free(m);
	fflush(c->f);
}

static void c_play_note(void *self, const char *text)
{
	struct console *c = self;

	if (!strcmp(text, "NO MORE HOSTS LEFT"))
		banner(c, text);
	else
		line(c, C_SKIP, text);
	fflush(c->f);
}

static void c_task_start(void *self, const char *kind, const char *name, const char *path)
{
	struct console *c = self;
	char *m = kiso_xasprintf("%s [%s]", kind, name ? name : "");

	banner(c, m);
	if (c->verbosity >= 2 && path)
		fprintf(c->f, "task path: %s\n", path);
	free(m);
	fflush(c->f);
}

static bool internal_key(const char *k)
{
	return !strncmp(k, "_ansible", 8) || !strcmp(k, "invocation") || !strcmp(k, "failed") ||
	       !strcmp(k, "diff");
}

void kiso_report_dump_result(struct kiso_buf *b, const struct kiso_task_result *r, int indent)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_value *m = kiso_map_new(a, KISO_POS_NONE);
	const struct kiso_value *res = r->res;
	bool debug = r->action && !strcmp(r->action, "debug");

	if (r->no_log) {
		const struct kiso_value *ch = res ? kiso_map_get(res, "changed") : NULL;
		kiso_map_set(a, m, "censored",
			     kiso_str(a, "the output has been hidden due to the fact that 'no_log: "
					 "true' was specified for this result", KISO_POS_NONE));
		kiso_map_set(a, m, "changed", ch ? kiso_value_copy(a, ch)
						 : kiso_bool(a, false, KISO_POS_NONE));
		kiso_value_json(b, m, indent, true);
		kiso_arena_free(a);
		return;
	}
	if (res && res->type == KISO_MAP) {
		bool has_msg = debug && kiso_map_get(res, "msg");
		for (size_t i = 0; i < res->u.map.len; i++) {
			const struct kiso_mapent *e = &res->u.map.items[i];
			const char *k = e->key->type == KISO_STR ? e->key->u.s.ptr : "";
			if (internal_key(k))
				continue;
			if (debug && r->status != KISO_ST_FAILED && r->status != KISO_ST_SKIPPED) {
				if (has_msg && strcmp(k, "msg") && strcmp(k, "item") &&
				    strcmp(k, "ansible_loop_var") && strcmp(k, "warnings"))
					continue;
				if (!has_msg && (!strcmp(k, "changed") || !strcmp(k, "failed")))
					continue;
			}
			kiso_map_setv(a, m, e->key, e->val);
		}
	}
	kiso_value_json(b, m, indent, true);
	kiso_arena_free(a);
}

static void c_result(void *self, const char *host, const struct kiso_task_result *r)
{
	struct console *c = self;
	struct kiso_buf b = KISO_BUF_INIT;
	char label[512];
	bool verbose = (c->verbosity > 0 || r->verbose_always);
	int indent = r->verbose_always ? 4 : -1;
	const char *color = NULL;

	if (r->delegated)
		snprintf(label, sizeof(label), "%s -> %s", host, r->delegated);
	else
		snprintf(label, sizeof(label), "%s", host);

	if (c->diff && !r->no_log && r->ndiffs &&
	    (r->status == KISO_ST_CHANGED || r->status == KISO_ST_OK)) {
		struct kiso_buf d = KISO_BUF_INIT;
		for (size_t i = 0; i < r->ndiffs; i++) {
			struct kiso_error err = KISO_ERROR_INIT;
			kiso_diff_item_render(&d, &r->diffs[i], c->color, &err);
		}
		if (d.len)
			fputs(kiso_buf_cstr(&d), c->f);
		kiso_buf_release(&d);
	}
	switch (r->status) {
	case KISO_ST_OK:
	case KISO_ST_CHANGED:
		color = r->status == KISO_ST_CHANGED ? C_CHANGED : C_OK;
		kiso_buf_printf(&b, "%s: [%s]", r->status == KISO_ST_CHANGED ? "changed" : "ok", label);
		if (r->item_label)
			kiso_buf_printf(&b, " => (item=%s)", r->item_label);
		if (verbose) {
			kiso_buf_puts(&b, " => ");
			kiso_report_dump_result(&b, r, indent);
		}
		break;
	case KISO_ST_SKIPPED:
		color = C_SKIP;
		kiso_buf_printf(&b, "skipping: [%s]", label);
		if (r->item_label)
			kiso_buf_printf(&b, " => (item=%s)", r->item_label);
		if (c->verbosity > 0) {
			kiso_buf_puts(&b, " => ");
			kiso_report_dump_result(&b, r, indent);
		}
		break;
	case KISO_ST_FAILED:
		color = C_ERROR;
		if (r->item_label)
			kiso_buf_printf(&b, "failed: [%s] (item=%s) => ", label, r->item_label);
		else
			kiso_buf_printf(&b, "fatal: [%s]: FAILED! => ", label);
		kiso_report_dump_result(&b, r, indent);
		break;
	case KISO_ST_UNREACHABLE:
		color = C_UNREACH;
		kiso_buf_printf(&b, "fatal: [%s]: UNREACHABLE! => ", label);
		kiso_report_dump_result(&b, r, indent);
		break;
	}
	line(c, color, kiso_buf_cstr(&b));
	if (r->status == KISO_ST_FAILED && r->ignored && !r->item_label)
		line(c, C_SKIP, "...ignoring");
	kiso_buf_release(&b);
	fflush(c->f);
}

static void col(struct kiso_buf *b, struct console *c, const char *lead, int n,
		const char *color)
{
	char num[32];

	snprintf(num, sizeof(num), "%d", n);
	if (c->color && n != 0 && color)
		kiso_buf_printf(b, "\033[%sm%s=%-4s\033[0m", color, lead, num);
	else
		kiso_buf_printf(b, "%s=%-4s", lead, num);
}

static void c_recap(void *self, const struct kiso_host_stats *st, size_t n)
{
	struct console *c = self;

	banner(c, "PLAY RECAP");
	for (size_t i = 0; i < n; i++) {
		const struct kiso_host_stats *s = &st[i];
		struct kiso_buf b = KISO_BUF_INIT;
		const char *hc = NULL;

		if (s->failed || s->unreachable)
			hc = C_ERROR;
		else if (s->changed)
			hc = C_CHANGED;
		else
			hc = C_OK;
		if (c->color)
			kiso_buf_printf(&b, "\033[%sm%-37s\033[0m", hc, s->host);
		else
			kiso_buf_printf(&b, "%-26s", s->host);
		kiso_buf_puts(&b, " : ");
		col(&b, c, "ok", s->ok, C_OK);
		kiso_buf_putc(&b, ' ');
		col(&b, c, "changed", s->changed, C_CHANGED);
		kiso_buf_putc(&b, ' ');
		col(&b, c, "unreachable", s->unreachable, C_UNREACH);
		kiso_buf_putc(&b, ' ');
		col(&b, c, "failed", s->failed, C_ERROR);
		kiso_buf_putc(&b, ' ');
		col(&b, c, "skipped", s->skipped, C_SKIP);
		kiso_buf_putc(&b, ' ');
		col(&b, c, "rescued", s->rescued, C_OK);
		kiso_buf_putc(&b, ' ');
		col(&b, c, "ignored", s->ignored, C_HIGHLIGHT);
		fprintf(c->f, "%s\n", kiso_buf_cstr(&b));
		kiso_buf_release(&b);
	}
	fprintf(c->f, "\n");
	fflush(c->f);
}

static void c_free(void *self)
{
	free(self);
}

static const struct kiso_report_ops console_ops = {
	.play_start = c_play_start,
	.play_note = c_play_note,
	.task_start = c_task_start,
	.result = c_result,
	.recap = c_recap,
	.free = c_free,
};

struct kiso_report kiso_report_console(FILE *out, int verbosity, bool diff, bool color)
{
	struct console *c = kiso_xcalloc(1, sizeof(*c));
	struct kiso_report r = { &console_ops, c };

	c->f = out;
	c->verbosity = verbosity;
	c->diff = diff;
	c->color = color;
	return r;
}
