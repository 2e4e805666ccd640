/*
 * diff.h - the text ansible-playbook --diff prints for a task's diffs.
 *
 * Modules report what they would change as before/after pairs
 * (struct kiso_diff_item, module.h: kiso_plan_diff()). This renders one
 * pair the way Ansible's callback (CallbackBase._get_diff) does:
 *
 *   --- before: /etc/motd
 *   +++ after: /etc/motd
 *   @@ -1,2 +1,2 @@
 *    hello
 *   -old
 *   +new
 *
 * followed by an empty line. A missing header gives "--- before" /
 * "+++ after" (Ansible's default, used for attribute diffs). Hunks come
 * from libgit2's patch-from-buffers API (git_patch_from_buffers, Myers
 * with 3 lines of context, as C.DIFF_CONTEXT); hunk ranges are written as
 * Python's difflib writes them ("-3" for one line, "-3,0" for none), and a
 * last line without a newline is followed by "\ No newline at end of
 * file". Identical texts print nothing at all (no headers, no empty
 * line), as Ansible does.
 *
 * Colour: with 'color', every line starting with '+' is wrapped in
 * ESC[0;32m..ESC[0m, '-' in ESC[0;31m, '@@' in ESC[0;36m, exactly as
 * ansible.utils.color.stringc() does (each '\n'-separated piece wrapped,
 * the piece after the final newline too). Use it for a TTY only.
 *
 * Attribute ("state") diffs: Ansible's file module reports
 * before: {path, state, mode, owner...} / after: {...} as dicts, which
 * the callback serialises with json.dumps(sort_keys=True, indent=4) plus
 * a newline. kiso_diff_state_text() produces that text from a map, so a
 * module passes it to kiso_plan_diff() with NULL headers.
 *
 * Thread-safety: every function may be called from several threads.
 */
#ifndef KISO_DIFF_H
#define KISO_DIFF_H

#include "kiso_common.h"
#include "buf.h"
#include "error.h"
#include "module.h"

/* ANSI colours of the diff lines (ansible's defaults green/red/cyan). */
#define KISO_DIFF_COLOR_ADD "0;32"
#define KISO_DIFF_COLOR_REMOVE "0;31"
#define KISO_DIFF_COLOR_LINES "0;36"

/*
 * Appends to out the unified diff of before -> after (either text may be
 * NULL: empty), with "--- before[: H]" / "+++ after[: H]" headers from
 * before_header / after_header (NULL: no ": H"). Returns 0, or -1 with
 * err set when libgit2 fails (out is then left as it was).
 */
int kiso_diff_unified(struct kiso_buf *out, const char *before_header, const char *before,
		      size_t before_len, const char *after_header, const char *after,
		      size_t after_len, bool color, struct kiso_error *err);

/* kiso_diff_unified() of a module's diff item. */
int kiso_diff_item_render(struct kiso_buf *out, const struct kiso_diff_item *d, bool color,
			  struct kiso_error *err);

/*
 * A dict as the callback serialises it for a diff: JSON, keys sorted,
 * indent 4, separators ',' and ': ', non-ASCII escaped as \uXXXX (Python's
 * json.dumps defaults), then "\n". Appended to out. 'map' may hold any
 * value types; NULL gives "{}\n".
 */
void kiso_diff_state_text(struct kiso_buf *out, const struct kiso_value *map);

#endif
