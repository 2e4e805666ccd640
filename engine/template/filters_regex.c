/*
 * template/filters_regex.c - Ansible's regular expression filters:
 * regex_replace, regex_search, regex_findall and regex_escape, on the
 * Python-compatible PCRE2 layer of regex.h.
 */
#include "kiso_common.h"

#include "template/filters.h"
#include "regex.h"

#define BIND(fn, ...)                                                                    \
	static const char *const bind_names[] = { __VA_ARGS__ };                         \
	struct kiso_value *a[KISO_ARRAY_SIZE(bind_names)];                               \
	int rc_ = kiso_fbind(c, fn, bind_names, KISO_ARRAY_SIZE(bind_names), a);          \
	if (rc_ < 0)                                                                     \
		return rc_

static unsigned re_flags(const struct kiso_value *ignorecase, const struct kiso_value *multiline)
{
	return (kiso_fbool(ignorecase, false) ? KISO_RE_IGNORECASE : 0) |
	       (kiso_fbool(multiline, false) ? KISO_RE_MULTILINE : 0);
}

/* Compiles str(pat) with the call's position on errors. */
static int compile(struct kiso_regex **out, struct kiso_tmpl_call *c, const struct kiso_value *pat,
		   unsigned flags)
{
	size_t n = 0;
	const char *s = "";

	if (pat && pat->type != KISO_STR)
		return kiso_ftypeerr(c, "first argument must be string or compiled pattern");
	if (pat)
		s = kiso_fstr(c, pat, &n);
	if (kiso_regex_compile(out, s, n, flags, c->err) < 0) {
		c->err->pos = c->pos;
		return c->err->code;
	}
	return 0;
}

static int f_regex_replace(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_regex *re;
	const char *s, *r = "";
	size_t n, nr = 0;
	int rc;
	BIND("regex_replace", "pattern", "replacement", "ignorecase", "multiline");

	if ((rc = compile(&re, c, a[0], re_flags(a[2], a[3]))) < 0)
		return rc;
	s = kiso_fstr(c, c->input, &n);
	if (a[1])
		r = kiso_fstr(c, a[1], &nr);
	rc = kiso_regex_sub(&b, NULL, re, s, n, r, nr, 0, c->err);
	kiso_regex_free(re);
	if (rc < 0) {
		kiso_buf_release(&b);
		c->err->pos = c->pos;
		return rc;
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

static struct kiso_value *group_value(struct kiso_tmpl_call *c, const struct kiso_match *m,
				      const char *s, size_t g)
{
	if (m->ovec[2 * g] == KISO_RE_UNSET)
		return kiso_null(c->arena, c->pos);
	return kiso_fnewstr(c, s + m->ovec[2 * g], m->ovec[2 * g + 1] - m->ovec[2 * g]);
}

/* regex_search(value, regex, '\\1', '\\g<name>', ignorecase=, multiline=) */
static int f_regex_search(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_match m = KISO_MATCH_INIT;
	struct kiso_value *ic = NULL, *ml = NULL, *pat = NULL;
	struct kiso_regex *re;
	const char *s;
	size_t n;
	int rc;

	for (size_t k = 0; k < c->nkwargs; k++) {
		if (strcmp(c->kwnames[k], "ignorecase") == 0)
			ic = c->kwargs[k];
		else if (strcmp(c->kwnames[k], "multiline") == 0)
			ml = c->kwargs[k];
		else if (strcmp(c->kwnames[k], "regex") == 0)
			pat = c->kwargs[k];
	}
	if (c->nargs > 0 && pat)
		return kiso_ftypeerr(c, "regex_search() got multiple values for argument 'regex'");
	if (c->nargs > 0)
		pat = c->args[0];
	if (!pat)
		return kiso_ftypeerr(c, "regex_search() missing 1 required positional argument: "
					"'regex'");
	for (size_t i = 1; i < c->nargs; i++) {
		const char *g = kiso_fstr(c, c->args[i], NULL);

		if (g[0] != '\\' || !(g[1] == 'g' ? g[2] == '<' && strchr(g, '>') :
					 (g[1] >= '0' && g[1] <= '9')))
			return kiso_ferr(c, "Unknown argument");
	}
	if ((rc = compile(&re, c, pat, re_flags(ic, ml))) < 0)
		return rc;
	s = kiso_fstr(c, c->input, &n);
	rc = kiso_regex_exec(&m, re, s, n, 0, KISO_RE_SEARCH, c->err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		*out = kiso_null(c->arena, c->pos);
		rc = 0;
		goto out;
	}
	if (c->nargs <= 1) {
		*out = group_value(c, &m, s, 0);
		rc = 0;
		goto out;
	}
	*out = kiso_list_new(c->arena, c->pos);
	for (size_t i = 1; i < c->nargs; i++) {
		const char *g = kiso_fstr(c, c->args[i], NULL);
		long idx;

		if (g[1] == 'g') {
			const char *end = strchr(g, '>');
			char *name = kiso_arena_strndup(c->arena, g + 3, (size_t)(end - g - 3));
			char *e2;

			idx = strtol(name, &e2, 10);
			if (!*name || *e2)
				idx = kiso_regex_group_index(re, name);
		} else {
			idx = strtol(g + 1, NULL, 10);
		}
		if (idx < 0 || (size_t)idx > kiso_regex_ngroups(re)) {
			rc = kiso_ferr(c, "no such group");
			goto out;
		}
		kiso_list_push(c->arena, *out, group_value(c, &m, s, (size_t)idx));
	}
	rc = 0;
out:
	kiso_match_release(&m);
	kiso_regex_free(re);
	if (rc < 0)
		c->err->pos = c->pos;
	return rc;
}

static int f_regex_findall(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_regex *re;
	const char *s;
	size_t n;
	int rc;
	BIND("regex_findall", "regex", "multiline", "ignorecase");

	if (!a[0])
		return kiso_ftypeerr(c, "regex_findall() missing 1 required positional argument: "
					"'regex'");
	if ((rc = compile(&re, c, a[0], re_flags(a[2], a[1]))) < 0)
		return rc;
	s = kiso_fstr(c, c->input, &n);
	rc = kiso_regex_findall(out, c->arena, re, s, n, c->err);
	kiso_regex_free(re);
	if (rc < 0) {
		c->err->pos = c->pos;
		return rc;
	}
	for (size_t i = 0; i < (*out)->u.list.len; i++)       /* groups are tuples */
		if ((*out)->u.list.items[i]->type == KISO_LIST)
			kiso_ftuple((*out)->u.list.items[i]);
	return 0;
}

static int f_regex_escape(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s, *type = "python";
	size_t n;
	BIND("regex_escape", "re_type");

	if (a[0])
		type = kiso_fstr(c, a[0], NULL);
	s = kiso_fstr(c, c->input, &n);
	if (strcmp(type, "python") == 0) {
		kiso_regex_escape(&b, s, n);
	} else if (strcmp(type, "posix_basic") == 0) {
		for (size_t i = 0; i < n; i++) {
			if (strchr("].[^$*\\", s[i]) && s[i])
				kiso_buf_putc(&b, '\\');
			kiso_buf_add(&b, s + i, 1);
		}
	} else if (strcmp(type, "posix_extended") == 0) {
		return kiso_ferr(c, "Regex type (%s) not yet implemented", type);
	} else {
		return kiso_ferr(c, "Invalid regex type (%s)", type);
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

const struct kiso_tmpl_filter kiso_filters_regex[] = {
	{ "regex_escape", f_regex_escape, 0 },
	{ "regex_findall", f_regex_findall, 0 },
	{ "regex_replace", f_regex_replace, 0 },
	{ "regex_search", f_regex_search, 0 },
	{ NULL, NULL, 0 },
};
