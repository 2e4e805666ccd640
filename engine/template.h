/*
 * template.h - the Jinja2 language as Ansible uses it.
 *
 * A real lexer, parser and evaluator (engine/template/), not string
 * substitution. Settings are Ansible's: trim_blocks on, lstrip_blocks
 * off, keep_trailing_newline on for template files, undefined variables
 * are errors unless 'default' or 'is defined' handles them.
 *
 * Variables come from the caller through struct kiso_tmpl_ctx.lookup, so
 * that vars.c can resolve them lazily (a variable whose value is itself
 * a template is rendered when used, as Ansible does).
 *
 * Results are allocated in ctx->arena. Compiled templates are cached by
 * source text inside the template engine; callers never see them.
 *
 * Errors: syntax errors (also unknown filters and tests, as Jinja2's
 * compile step reports them) are KISO_ESYNTAX; using an undefined value
 * is KISO_EUNDEFINED with Jinja2's text ("'x' is undefined", "'dict
 * object' has no attribute 'y'", "list object has no element 3");
 * Python's TypeError/ValueError texts otherwise ("unsupported operand
 * type(s) for +: 'int' and 'str'"). Every message carries the
 * file:line:col of the expression, computed from the position given for
 * the start of the source.
 *
 * Known differences from Jinja2/Ansible:
 * integers are 64-bit (overflow is an error, not a bignum); tuples are
 * lists outside the engine (inside, '(1, 2)' prints as Python does);
 * list.append/extend and dict.update only change containers the template
 * built itself ({% set l = [] %}), never variables; str methods map case
 * with simple (one-to-one) Unicode mappings; no recursive loops, {% extends %},
 * {% import %}; sets and bytes are not values. Hostile templates are
 * bounded: 10 million items per list (range(), '*'), 256 MiB per string
 * and output, 100 million loop iterations and macro calls per render,
 * nesting depth 200.
 */
#ifndef KISO_TEMPLATE_H
#define KISO_TEMPLATE_H

#include "kiso_common.h"
#include "value.h"

/*
 * The value of Ansible's 'omit' variable: "__omit_place_holder__" and 40
 * hex digits. The template engine also knows 'omit' as a global (after
 * the caller's variables), so it is defined even without vars.c.
 */
#ifndef KISO_TMPL_OMIT
#define KISO_TMPL_OMIT "__omit_place_holder__4a5611eb18b564e0829b9cc6f6e2ba16c00174a0"
#endif

struct kiso_tmpl_ctx {
	/*
	 * Finds variable 'name'. Sets *out to the value, or to NULL when the
	 * variable is undefined (not an error by itself). Returns 0, or a
	 * negative code with err set (e.g. a loop between variables).
	 * The value returned must be fully rendered already (vars.c renders
	 * lazily before returning), or flagged KISO_VF_UNSAFE.
	 */
	int (*lookup)(void *data, const char *name, struct kiso_value **out,
		      struct kiso_error *err);
	void *data;
	struct kiso_arena *arena;  /* results live here */
	/*
	 * Directories searched, in order, by lookup('file'), lookup('template'),
	 * first_found, fileglob and the 'template' of include files: for a task
	 * in a role, the role's files/ or templates/, the role dir, then the
	 * playbook dir. NULL-terminated; NULL means the current directory.
	 */
	const char *const *search_path;
	/* Process environment for lookup('env'); NULL means getenv(). */
	const char *const *environ;
};

/* True when s contains '{{', '{%' or '{#' (a string worth templating). */
bool kiso_tmpl_has_template(const char *s, size_t len);

/*
 * Parses 'src' as a template and reports the first syntax error with its
 * file:line:col (pos is where src starts in its file; the column of an
 * error inside the string is relative to it). Renders nothing.
 */
int kiso_tmpl_check(const char *src, size_t len, struct kiso_pos pos, struct kiso_error *err);

/* Parses a bare expression ('when:', 'changed_when:'); syntax check only. */
int kiso_tmpl_check_expr(const char *expr, size_t len, struct kiso_pos pos,
			 struct kiso_error *err);

/*
 * Renders template text to text (a template file, `kiso render --file`),
 * appending to out. This is what Ansible's template module writes:
 * trim_blocks on, lstrip_blocks off, None printed as '', the source's
 * trailing newlines kept, '\r\n' turned into '\n', backslash escapes in
 * string literals interpreted.
 */
int kiso_tmpl_render_text(struct kiso_buf *out, struct kiso_tmpl_ctx *ctx, const char *src,
			  size_t len, struct kiso_pos pos, struct kiso_error *err);

/*
 * Ansible's Templar.template(v): strings are rendered, lists and maps
 * recursively (map values; keys are not templated, as in Ansible 2.14),
 * other scalars, KISO_VF_UNSAFE and KISO_VF_VAULT values are returned as
 * they are. A container with nothing to render comes back as the same
 * pointer; otherwise a new container (the input is never changed). A
 * string "{{ name }}" alone whose variable is a number, bool or None
 * returns that value (Ansible's SINGLE_VAR shortcut). Inside {{ }} of a
 * value string, backslashes in string literals are literal (Ansible's
 * escape_backslashes). The result is flagged KISO_VF_UNSAFE when an
 * unsafe value or a lookup contributed to it. A string whose rendered text starts with '[' or
 * '{', or is 'True'/'False', is turned back into a value as Ansible's
 * ansible_concat does (ast.literal_eval); anything else stays a string
 * ("{{ 1 + 1 }}" gives the string '2'). A string without template markers
 * is returned unchanged (same pointer).
 */
int kiso_tmpl_render_value(struct kiso_value **out, struct kiso_tmpl_ctx *ctx,
			   const struct kiso_value *v, struct kiso_error *err);

/*
 * Evaluates a bare Jinja2 expression to its native value ('when:' is
 * "{{ (EXPR) }}" in Ansible, but kiso keeps the native result so that
 * callers can take its truth value). An undefined result is an error.
 * Tuples come back as lists.
 */
int kiso_tmpl_eval(struct kiso_value **out, struct kiso_tmpl_ctx *ctx, const char *expr,
		   size_t len, struct kiso_pos pos, struct kiso_error *err);

/* Drops the cache of compiled templates (tests, fuzzing). */
void kiso_tmpl_cache_clear(void);

#endif
