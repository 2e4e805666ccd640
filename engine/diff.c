/*
 * diff.c - unified diffs as ansible-playbook --diff prints them, on
 * libgit2's patch-from-buffers API.
 *
 * git_patch_to_buf() would write git's own headers ("diff --git", "index",
 * "--- a/x") and hunk headers with a function-name suffix, so the patch is
 * walked hunk by hunk and line by line instead and written in difflib's
 * form: Ansible users compare this output with what they know.
 */
#include "kiso_common.h"
#include "diff.h"

#include <git2.h>
#include <pthread.h>

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_init(void)
{
	git_libgit2_init(); /* reference-counted; kept for the process */
}

/* Appends one line, wrapped in colour as ansible's stringc() does: each
 * '\n'-separated piece (also the empty one after a final newline). */
static void put_line(struct kiso_buf *out, const char *p, size_t n, bool color)
{
	const char *code = NULL;

	if (color && n > 0) {
		if (p[0] == '+')
			code = KISO_DIFF_COLOR_ADD;
		else if (p[0] == '-')
			code = KISO_DIFF_COLOR_REMOVE;
		else if (n >= 2 && p[0] == '@' && p[1] == '@')
			code = KISO_DIFF_COLOR_LINES;
	}
	if (!code) {
		kiso_buf_add(out, p, n);
		return;
	}
	for (;;) {
		const char *nl = memchr(p, '\n', n);
		size_t piece = nl ? (size_t)(nl - p) : n;

		kiso_buf_printf(out, "\033[%sm", code);
		kiso_buf_add(out, p, piece);
		kiso_buf_puts(out, "\033[0m");
		if (!nl)
			break;
		kiso_buf_putc(out, '\n');
		p = nl + 1;
		n -= piece + 1;
	}
}

/* difflib's _format_range_unified */
static void put_range(struct kiso_buf *b, int start, int len)
{
	if (len == 1)
		kiso_buf_printf(b, "%d", start);
	else
		kiso_buf_printf(b, "%d,%d", start, len);
}

static int git_fail(struct kiso_error *err)
{
	const git_error *e = git_error_last();

	return kiso_error_set(err, KISO_EFAIL, KISO_POS_NONE, "cannot compute the diff: %s",
			      e && e->message ? e->message : "libgit2 failed");
}

int kiso_diff_unified(struct kiso_buf *out, const char *before_header, const char *before,
		      size_t before_len, const char *after_header, const char *after,
		      size_t after_len, bool color, struct kiso_error *err)
{
	git_diff_options opts;
	git_patch *patch = NULL;
	struct kiso_buf b = KISO_BUF_INIT, line = KISO_BUF_INIT;
	size_t nhunks;
	int rc = -1;

	pthread_once(&git_once, git_init);
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = 3;
	/* a diff of text, whatever bytes it holds (ansible decides binary
	 * before asking for a diff) */
	opts.flags |= GIT_DIFF_FORCE_TEXT;
	if (git_patch_from_buffers(&patch, before ? before : "", before ? before_len : 0, NULL,
				   after ? after : "", after ? after_len : 0, NULL, &opts) < 0) {
		rc = git_fail(err);
		goto out;
	}
	nhunks = git_patch_num_hunks(patch);
	if (nhunks == 0) {
		rc = 0;
		goto out;
	}
	kiso_buf_clear(&line);
	kiso_buf_puts(&line, "--- before");
	if (before_header)
		kiso_buf_printf(&line, ": %s", before_header);
	kiso_buf_putc(&line, '\n');
	put_line(&b, line.ptr, line.len, color);
	kiso_buf_clear(&line);
	kiso_buf_puts(&line, "+++ after");
	if (after_header)
		kiso_buf_printf(&line, ": %s", after_header);
	kiso_buf_putc(&line, '\n');
	put_line(&b, line.ptr, line.len, color);

	for (size_t h = 0; h < nhunks; h++) {
		const git_diff_hunk *hunk;
		size_t nlines;

		if (git_patch_get_hunk(&hunk, &nlines, patch, h) < 0) {
			rc = git_fail(err);
			goto out;
		}
		kiso_buf_clear(&line);
		kiso_buf_puts(&line, "@@ -");
		put_range(&line, hunk->old_start, hunk->old_lines);
		kiso_buf_puts(&line, " +");
		put_range(&line, hunk->new_start, hunk->new_lines);
		kiso_buf_puts(&line, " @@\n");
		put_line(&b, line.ptr, line.len, color);

		for (size_t i = 0; i < nlines; i++) {
			const git_diff_line *l;
			char origin;

			if (git_patch_get_line_in_hunk(&l, patch, h, i) < 0) {
				rc = git_fail(err);
				goto out;
			}
			switch (l->origin) {
			case GIT_DIFF_LINE_CONTEXT:
				origin = ' ';
				break;
			case GIT_DIFF_LINE_ADDITION:
				origin = '+';
				break;
			case GIT_DIFF_LINE_DELETION:
				origin = '-';
				break;
			default:
				/* *_EOFNL: the marker, already written with
				 * the line that lacks its newline (Ansible puts
				 * it inside that line: one coloured unit) */
				continue;
			}
			kiso_buf_clear(&line);
			kiso_buf_putc(&line, origin);
			kiso_buf_add(&line, l->content, l->content_len);
			/* a last line without its newline */
			if (l->content_len == 0 || l->content[l->content_len - 1] != '\n')
				kiso_buf_puts(&line, "\n\\ No newline at end of file\n");
			put_line(&b, line.ptr, line.len, color);
			kiso_buf_clear(&line);
		}
	}
	kiso_buf_putc(&b, '\n');
	kiso_buf_add(out, b.ptr, b.len);
	rc = 0;
out:
	git_patch_free(patch);
	kiso_buf_release(&b);
	kiso_buf_release(&line);
	return rc;
}

int kiso_diff_item_render(struct kiso_buf *out, const struct kiso_diff_item *d, bool color,
			  struct kiso_error *err)
{
	return kiso_diff_unified(out, d->before_header, d->before, d->before_len, d->after_header,
				 d->after, d->after_len, color, err);
}

void kiso_diff_state_text(struct kiso_buf *out, const struct kiso_value *map)
{
	if (!map) {
		kiso_buf_puts(out, "{}\n");
		return;
	}
	kiso_value_json_ex(out, map, 4, true, true);
	kiso_buf_putc(out, '\n');
}
