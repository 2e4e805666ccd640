/*
 * task.c - task, block and handler entries: keywords, module detection,
 * free-form k=v arguments, import/include of task files.
 *
 * Follows ansible-core 2.14: parsing/mod_args.py (how a task's module and
 * arguments are found), parsing/splitter.py (split_args, parse_kv),
 * playbook/task.py, block.py, helpers.py (load_list_of_tasks) and
 * task_include.py/role_include.py (include/import arguments).
 */
#include "kiso_common.h"

#include <ctype.h>
#include <strings.h>
#include <sys/stat.h>

#include "args.h"
#include "module.h"
#include "playbook.h"
#include "playbook_priv.h"
#include "template.h"

/* ---------------------------------------------------------------- strings */

/* A growable vector of malloc'd strings (split_args' params). */
struct strvec {
	char **v;
	size_t len, cap;
};

static void sv_push(struct strvec *s, char *str)
{
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = kiso_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->len++] = str;
}

static void sv_free(struct strvec *s)
{
	for (size_t i = 0; i < s->len; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->len = s->cap = 0;
}

/* params[-1] += fmt... */
static void sv_append_last(struct strvec *s, const char *a, size_t alen, const char *b, size_t blen)
{
	char *old = s->v[s->len - 1];
	size_t ol = strlen(old);
	char *n = kiso_xmalloc(ol + alen + blen + 1);

	memcpy(n, old, ol);
	memcpy(n + ol, a, alen);
	memcpy(n + ol + alen, b, blen);
	n[ol + alen + blen] = 0;
	free(old);
	s->v[s->len - 1] = n;
}

/* Python's str.count() of a non-overlapping substring in [p, p+n). */
static int count_sub(const char *p, size_t n, const char *sub)
{
	size_t sl = strlen(sub);
	int c = 0;

	for (size_t i = 0; i + sl <= n;) {
		if (memcmp(p + i, sub, sl) == 0) {
			c++;
			i += sl;
		} else {
			i++;
		}
	}
	return c;
}

static int count_blocks(const char *tok, size_t n, int depth, const char *open, const char *close)
{
	int no = count_sub(tok, n, open), nc = count_sub(tok, n, close);

	if (no != nc) {
		depth += no - nc;
		if (depth < 0)
			depth = 0;
	}
	return depth;
}

static char quote_state(const char *tok, size_t n, char quote)
{
	for (size_t i = 0; i < n; i++) {
		char c = tok[i];
		char prev = i > 0 ? tok[i - 1] : 0;

		if ((c == '"' || c == '\'') && prev != '\\') {
			if (quote) {
				if (c == quote)
					quote = 0;
			} else {
				quote = c;
			}
		}
	}
	return quote;
}

/* splitter.split_args(); 0 or -1 on unbalanced quotes/blocks. */
static int split_args(struct strvec *params, const char *args)
{
	char quote = 0;
	bool inside_quotes = false;
	int print_depth = 0, block_depth = 0, comment_depth = 0;
	const char *item = args;
	size_t nitems = 1;

	for (const char *p = args; *p; p++)
		if (*p == '\n')
			nitems++;

	for (size_t itemidx = 0; itemidx < nitems; itemidx++) {
		const char *end = strchr(item, '\n');
		size_t ilen = end ? (size_t)(end - item) : strlen(item);
		bool line_continuation = false;
		size_t ntok = 1;

		for (size_t k = 0; k < ilen; k++)
			if (item[k] == ' ')
				ntok++;

		const char *tok = item;
		for (size_t idx = 0; idx < ntok; idx++) {
			const char *tend = memchr(tok, ' ', (size_t)(item + ilen - tok));
			size_t tl = tend ? (size_t)(tend - tok) : (size_t)(item + ilen - tok);
			bool appended = false;

			if (tl == 0 && idx != 0) {
				if (!params->len)
					return -1; /* Python: IndexError */
				sv_append_last(params, " ", 1, "", 0);
				goto next;
			}
			if (tl == 1 && tok[0] == '\\' && !inside_quotes) {
				line_continuation = true;
				goto next;
			}
			bool was_inside = inside_quotes;
			quote = quote_state(tok, tl, quote);
			inside_quotes = quote != 0;

			if (inside_quotes && !was_inside && !(print_depth || block_depth || comment_depth)) {
				sv_push(params, kiso_xstrndup(tok, tl));
				appended = true;
			} else if (print_depth || block_depth || comment_depth || inside_quotes || was_inside) {
				if (params->len == 0) {
					return -1; /* Python: IndexError */
				} else if (idx == 0 && was_inside) {
					sv_append_last(params, tok, tl, "", 0);
				} else if (ntok > 1) {
					sv_append_last(params, idx > 0 ? " " : "", idx > 0 ? 1 : 0, tok, tl);
				} else {
					sv_append_last(params, "\n", 1, tok, tl);
				}
				appended = true;
			}

			int prev = print_depth;
			print_depth = count_blocks(tok, tl, print_depth, "{{", "}}");
			if (print_depth != prev && !appended) {
				sv_push(params, kiso_xstrndup(tok, tl));
				appended = true;
			}
			prev = block_depth;
			block_depth = count_blocks(tok, tl, block_depth, "{%", "%}");
			if (block_depth != prev && !appended) {
				sv_push(params, kiso_xstrndup(tok, tl));
				appended = true;
			}
			prev = comment_depth;
			comment_depth = count_blocks(tok, tl, comment_depth, "{#", "#}");
			if (comment_depth != prev && !appended) {
				sv_push(params, kiso_xstrndup(tok, tl));
				appended = true;
			}
			if (!(print_depth || block_depth || comment_depth) && !inside_quotes && !appended &&
			    tl != 0)
				sv_push(params, kiso_xstrndup(tok, tl));
next:
			tok = tend ? tend + 1 : item + ilen;
		}
		if (nitems > 1 && itemidx != nitems - 1 && !line_continuation) {
			if (!params->len)
				return -1; /* Python: IndexError */
			sv_append_last(params, "\n", 1, "", 0);
		}
		item = end ? end + 1 : item + ilen;
	}
	if (print_depth || block_depth || comment_depth || inside_quotes)
		return -1;
	return 0;
}

static void put_utf8(struct kiso_buf *b, uint32_t cp)
{
	char o[4];

	if (cp < 0x80) {
		kiso_buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		kiso_buf_add(b, o, 2);
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		kiso_buf_add(b, o, 3);
	} else {
		o[0] = (char)(0xF0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		kiso_buf_add(b, o, 4);
	}
}

static bool hexn(const char *p, int n, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return false;
		v = v * 16 + (uint32_t)(isdigit((unsigned char)p[i]) ? p[i] - '0'
								   : (tolower((unsigned char)p[i]) - 'a' + 10));
	}
	*out = v;
	return true;
}

/* splitter._decode_escapes(): Python escape sequences; malloc'd result. */
static char *decode_escapes(const char *s)
{
	struct kiso_buf b = KISO_BUF_INIT;

	for (const char *p = s; *p; p++) {
		uint32_t cp;

		if (*p != '\\' || !p[1]) {
			kiso_buf_putc(&b, *p);
			continue;
		}
		switch (p[1]) {
		case 'U':
			if (hexn(p + 2, 8, &cp) && cp <= 0x10FFFF) {
				put_utf8(&b, cp);
				p += 9;
				continue;
			}
			break;
		case 'u':
			if (hexn(p + 2, 4, &cp)) {
				put_utf8(&b, cp);
				p += 5;
				continue;
			}
			break;
		case 'x':
			if (hexn(p + 2, 2, &cp)) {
				put_utf8(&b, cp);
				p += 3;
				continue;
			}
			break;
		case '\\': kiso_buf_putc(&b, '\\'); p++; continue;
		case '\'': kiso_buf_putc(&b, '\''); p++; continue;
		case '"': kiso_buf_putc(&b, '"'); p++; continue;
		case 'a': kiso_buf_putc(&b, '\a'); p++; continue;
		case 'b': kiso_buf_putc(&b, '\b'); p++; continue;
		case 'f': kiso_buf_putc(&b, '\f'); p++; continue;
		case 'n': kiso_buf_putc(&b, '\n'); p++; continue;
		case 'r': kiso_buf_putc(&b, '\r'); p++; continue;
		case 't': kiso_buf_putc(&b, '\t'); p++; continue;
		case 'v': kiso_buf_putc(&b, '\v'); p++; continue;
		default:
			break;
		}
		kiso_buf_putc(&b, *p);
	}
	return kiso_buf_detach(&b);
}

static bool is_pyspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Python's s.strip() into a fresh malloc'd string. */
static char *strip_dup(const char *s, size_t n)
{
	while (n && is_pyspace(*s)) {
		s++;
		n--;
	}
	while (n && is_pyspace(s[n - 1]))
		n--;
	return kiso_xstrndup(s, n);
}

/* quoting.unquote() in place. */
static void unquote(char *s)
{
	size_t n = strlen(s);

	if (n > 1 && s[0] == s[n - 1] && (s[0] == '"' || s[0] == '\'') && s[n - 2] != '\\') {
		memmove(s, s + 1, n - 2);
		s[n - 2] = 0;
	}
}

int kiso_task_split_args(struct kiso_value **out, struct kiso_arena *a, const char *text,
			 struct kiso_pos pos, struct kiso_error *err)
{
	struct strvec sv = { 0 };

	if (split_args(&sv, text) < 0) {
		sv_free(&sv);
		return kiso_error_set(err, KISO_ESYNTAX, pos,
				      "failed at splitting arguments, either an unbalanced jinja2 block or quotes: %s",
				      text);
	}
	*out = kiso_list_new(a, pos);
	for (size_t i = 0; i < sv.len; i++)
		kiso_list_push(a, *out, kiso_str(a, sv.v[i], pos));
	sv_free(&sv);
	return 0;
}

static const char *const raw_ok_keys[] = {
	"creates", "removes", "chdir", "executable", "warn", "stdin", "stdin_add_newline",
	"strip_empty_ends", NULL,
};

static bool in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (strcmp(s, *l) == 0)
			return true;
	return false;
}

int kiso_task_parse_kv(struct kiso_value **out, struct kiso_arena *a, const char *text,
		       struct kiso_pos pos, bool free_form, struct kiso_error *err)
{
	struct strvec sv = { 0 };
	struct kiso_buf raw = KISO_BUF_INIT;
	size_t nraw = 0;

	*out = kiso_map_new(a, pos);
	if (split_args(&sv, text) < 0) {
		sv_free(&sv);
		return kiso_error_set(err, KISO_ESYNTAX, pos,
				      "failed at splitting arguments, either an unbalanced jinja2 block or quotes: %s",
				      text);
	}
	for (size_t i = 0; i < sv.len; i++) {
		const char *orig = sv.v[i];
		char *x = decode_escapes(orig);
		const char *add = orig;
		char *tmp = NULL;
		char *eq = strchr(x, '=');

		if (eq) {
			/* the first '=' after index 0 not preceded by a backslash */
			size_t p = 0, n = strlen(x);
			bool found = false;

			for (p = 1; p < n; p++) {
				if (x[p] == '=' && x[p - 1] != '\\') {
					found = true;
					break;
				}
			}
			if (!found) {
				/* x.replace('\\=', '=') */
				struct kiso_buf r = KISO_BUF_INIT;
				for (const char *q = x; *q; q++) {
					if (q[0] == '\\' && q[1] == '=') {
						kiso_buf_putc(&r, '=');
						q++;
					} else {
						kiso_buf_putc(&r, *q);
					}
				}
				tmp = kiso_buf_detach(&r);
				add = tmp;
			} else {
				char *k = strip_dup(x, p);
				if (free_form && !in_list(k, raw_ok_keys)) {
					free(k);
				} else {
					char *v = strip_dup(x + p + 1, n - p - 1);
					unquote(v);
					kiso_map_set(a, *out, k, kiso_str(a, v, pos));
					free(k);
					free(v);
					free(x);
					continue;
				}
			}
		}
		if (nraw == 0 || (raw.len && raw.ptr[raw.len - 1] == '\n'))
			kiso_buf_puts(&raw, add);
		else {
			kiso_buf_putc(&raw, ' ');
			kiso_buf_puts(&raw, add);
		}
		nraw++;
		free(tmp);
		free(x);
	}
	if (nraw)
		kiso_map_set(a, *out, "_raw_params",
			     kiso_strn(a, kiso_buf_cstr(&raw), raw.len, pos));
	kiso_buf_release(&raw);
	sv_free(&sv);
	return 0;
}

/* ---------------------------------------------------------------- keywords */

enum kwtype {
	KW_STR,
	KW_BOOL,
	KW_INT,
	KW_FLOAT,
	KW_PERCENT,
	KW_EXPR,     /* when, changed_when, failed_when, until */
	KW_TAGS,
	KW_STRLIST,  /* notify, listen, collections: str or list of str */
	KW_VARS,     /* dict, or list of dicts */
	KW_DICT,
	KW_ENV,      /* dict, list of dicts, or a template */
	KW_LIST,     /* anything; a scalar becomes a one-element list */
	KW_LOOPCTL,
	KW_ANY,
};

struct kwdef {
	const char *name;
	enum kwtype type;
};

/* Base, Conditional, Taggable, CollectionSearch (every object). */
static const struct kwdef base_kws[] = {
	{ "name", KW_STR },           { "connection", KW_STR },     { "port", KW_INT },
	{ "remote_user", KW_STR },    { "vars", KW_VARS },          { "module_defaults", KW_LIST },
	{ "environment", KW_ENV },    { "no_log", KW_BOOL },        { "run_once", KW_BOOL },
	{ "ignore_errors", KW_BOOL }, { "ignore_unreachable", KW_BOOL },
	{ "check_mode", KW_BOOL },    { "diff", KW_BOOL },          { "any_errors_fatal", KW_BOOL },
	{ "throttle", KW_INT },       { "timeout", KW_INT },        { "debugger", KW_STR },
	{ "become", KW_BOOL },        { "become_method", KW_STR },  { "become_user", KW_STR },
	{ "become_flags", KW_STR },   { "become_exe", KW_STR },     { "collections", KW_STRLIST },
	{ "tags", KW_TAGS },          { NULL, KW_ANY },
};

static const struct kwdef task_kws[] = {
	{ "when", KW_EXPR },          { "changed_when", KW_EXPR },  { "failed_when", KW_EXPR },
	{ "until", KW_EXPR },         { "async", KW_INT },          { "poll", KW_INT },
	{ "delay", KW_INT },          { "retries", KW_INT },        { "delegate_to", KW_STR },
	{ "delegate_facts", KW_BOOL },{ "loop", KW_ANY },           { "loop_control", KW_LOOPCTL },
	{ "notify", KW_STRLIST },     { "register", KW_STR },       { NULL, KW_ANY },
};

static const struct kwdef block_kws[] = {
	{ "when", KW_EXPR },          { "delegate_to", KW_STR },    { "delegate_facts", KW_BOOL },
	{ "notify", KW_STRLIST },     { NULL, KW_ANY },
};

static const struct kwdef play_kws[] = {
	{ "hosts", KW_ANY },          { "gather_facts", KW_BOOL },  { "gather_subset", KW_LIST },
	{ "gather_timeout", KW_INT }, { "fact_path", KW_STR },      { "vars_files", KW_LIST },
	{ "vars_prompt", KW_ANY },    { "roles", KW_ANY },          { "handlers", KW_ANY },
	{ "pre_tasks", KW_ANY },      { "post_tasks", KW_ANY },     { "tasks", KW_ANY },
	{ "force_handlers", KW_BOOL },{ "max_fail_percentage", KW_PERCENT },
	{ "serial", KW_LIST },        { "strategy", KW_STR },       { "order", KW_STR },
	{ NULL, KW_ANY },
};

static const struct kwdef role_kws[] = {
	{ "when", KW_EXPR },          { "delegate_to", KW_STR },    { "delegate_facts", KW_BOOL },
	{ "role", KW_STR },           { NULL, KW_ANY },
};

static const struct kwdef loopctl_kws[] = {
	{ "loop_var", KW_STR },       { "index_var", KW_STR },      { "label", KW_STR },
	{ "pause", KW_FLOAT },        { "extended", KW_BOOL },      { "extended_allitems", KW_BOOL },
	{ NULL, KW_ANY },
};

static const struct kwdef *kw_in(const struct kwdef *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static const struct kwdef *kw_find(const char *name, bool task, bool block, bool play, bool role)
{
	const struct kwdef *d = kw_in(base_kws, name);

	if (!d && task)
		d = kw_in(task_kws, name);
	if (!d && block)
		d = kw_in(block_kws, name);
	if (!d && play)
		d = kw_in(play_kws, name);
	if (!d && role)
		d = kw_in(role_kws, name);
	return d;
}

/* Ansible's lookup plugins (ansible.builtin), for with_<lookup>. */
static const char *const lookups[] = {
	"config", "csvfile", "dict", "env", "file", "fileglob", "first_found", "indexed_items",
	"ini", "inventory_hostnames", "items", "lines", "list", "nested", "password", "pipe",
	"random_choice", "sequence", "subelements", "template", "together", "unvault", "url",
	"varnames", "vars", NULL,
};

bool pb_is_template(const struct kiso_value *v)
{
	return v && v->type == KISO_STR && !(v->flags & KISO_VF_UNSAFE) &&
	       kiso_tmpl_has_template(v->u.s.ptr, v->u.s.len);
}

const char *pb_type_desc(const struct kiso_value *v)
{
	switch (v->type) {
	case KISO_NULL: return "null";
	case KISO_BOOL: return "a boolean";
	case KISO_INT: return "an integer";
	case KISO_FLOAT: return "a float";
	case KISO_STR: return "a string";
	case KISO_LIST: return "a list";
	case KISO_MAP: return "a mapping";
	}
	return "?";
}

static bool str_is_bool(const char *s)
{
	static const char *const b[] = { "yes", "on", "1", "true", "y", "t", "no", "off", "0",
					 "false", "n", "f", NULL };
	char low[8];
	size_t n = strlen(s);

	if (n >= sizeof(low))
		return false;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	return in_list(low, b);
}

static bool str_is_number(const char *s, bool intonly)
{
	char *end;

	while (is_pyspace(*s))
		s++;
	if (!*s)
		return false;
	if (intonly)
		(void)strtoll(s, &end, 10);
	else
		(void)strtod(s, &end);
	while (is_pyspace(*end))
		end++;
	return *end == 0;
}

void pb_check_templates(struct pb_loader *L, const struct kiso_value *v)
{
	struct kiso_error err = KISO_ERROR_INIT;

	if (!v)
		return;
	switch (v->type) {
	case KISO_STR:
		if (!(v->flags & (KISO_VF_UNSAFE | KISO_VF_VAULT)) &&
		    kiso_tmpl_has_template(v->u.s.ptr, v->u.s.len) &&
		    kiso_tmpl_check(v->u.s.ptr, v->u.s.len, v->pos, &err) < 0)
			kiso_diags_add_error(L->diags, &err);
		break;
	case KISO_LIST:
		for (size_t i = 0; i < v->u.list.len; i++)
			pb_check_templates(L, v->u.list.items[i]);
		break;
	case KISO_MAP:
		for (size_t i = 0; i < v->u.map.len; i++) {
			pb_check_templates(L, v->u.map.items[i].key);
			pb_check_templates(L, v->u.map.items[i].val);
		}
		break;
	default:
		break;
	}
}

static void check_one_expr(struct pb_loader *L, const char *key, const struct kiso_value *v)
{
	struct kiso_error err = KISO_ERROR_INIT;

	if (v->type == KISO_BOOL || v->type == KISO_NULL)
		return;
	if (v->type == KISO_INT || v->type == KISO_FLOAT)
		return; /* Ansible evaluates "{{ 1 }}": truthy */
	if (v->type != KISO_STR) {
		pb_error(L, v->pos, "keyword '%s' must be a string, a boolean or a list of them, got %s",
			 key, pb_type_desc(v));
		return;
	}
	if (v->flags & KISO_VF_UNSAFE)
		return;
	if (kiso_tmpl_has_template(v->u.s.ptr, v->u.s.len)) {
		if (kiso_tmpl_check(v->u.s.ptr, v->u.s.len, v->pos, &err) < 0)
			kiso_diags_add_error(L->diags, &err);
		return;
	}
	if (kiso_tmpl_check_expr(v->u.s.ptr, v->u.s.len, v->pos, &err) < 0)
		kiso_diags_add_error(L->diags, &err);
}

void pb_check_expr(struct pb_loader *L, const char *key, const struct kiso_value *v)
{
	if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			check_one_expr(L, key, v->u.list.items[i]);
		return;
	}
	check_one_expr(L, key, v);
}

static void type_error(struct pb_loader *L, const char *key, const char *want,
		       const struct kiso_value *v)
{
	pb_error(L, v->pos, "keyword '%s' must be %s, got %s", key, want, pb_type_desc(v));
}

static bool check_typed(struct pb_loader *L, const char *key, enum kwtype t,
			const struct kiso_value *v);

static void check_loop_control(struct pb_loader *L, const struct kiso_value *v)
{
	if (v->type != KISO_MAP) {
		pb_error(L, v->pos,
			 "the 'loop_control' value must be a mapping and cannot be a variable itself");
		return;
	}
	for (size_t i = 0; i < v->u.map.len; i++) {
		const struct kiso_mapent *e = &v->u.map.items[i];
		const char *k = e->key->type == KISO_STR ? e->key->u.s.ptr : "";
		const struct kwdef *d = kw_in(loopctl_kws, k);

		if (!d) {
			pb_error(L, e->key->pos, "'%s' is not a valid attribute for a LoopControl", k);
			continue;
		}
		check_typed(L, k, d->type, e->val);
	}
}

static bool check_typed(struct pb_loader *L, const char *key, enum kwtype t,
			const struct kiso_value *v)
{
	if (t != KW_EXPR && t != KW_LOOPCTL && pb_is_template(v)) {
		pb_check_templates(L, v);
		return true;
	}
	switch (t) {
	case KW_STR:
		if (v->type == KISO_LIST || v->type == KISO_MAP) {
			type_error(L, key, "a string", v);
			return false;
		}
		break;
	case KW_BOOL:
		if (v->type == KISO_BOOL || v->type == KISO_NULL)
			break;
		if (v->type == KISO_INT && (v->u.i == 0 || v->u.i == 1))
			break;
		if (v->type == KISO_FLOAT && (v->u.f == 0.0 || v->u.f == 1.0))
			break;
		if (v->type == KISO_STR && str_is_bool(v->u.s.ptr))
			break;
		if (v->type == KISO_STR)
			pb_error(L, v->pos, "keyword '%s' must be a boolean, got '%s'", key, v->u.s.ptr);
		else
			type_error(L, key, "a boolean", v);
		return false;
	case KW_INT:
	case KW_FLOAT:
	case KW_PERCENT:
		if (v->type == KISO_INT || v->type == KISO_NULL ||
		    (v->type == KISO_FLOAT && t != KW_INT) || v->type == KISO_BOOL)
			break;
		if (v->type == KISO_FLOAT) /* int(1.5) is 1 in Python: accepted */
			break;
		if (v->type == KISO_STR) {
			char *s = kiso_xstrdup(v->u.s.ptr);
			size_t n = strlen(s);
			bool ok;

			if (t == KW_PERCENT && n && s[n - 1] == '%')
				s[n - 1] = 0;
			ok = str_is_number(s, t == KW_INT);
			free(s);
			if (ok)
				break;
			pb_error(L, v->pos, "keyword '%s' must be %s, got '%s'", key,
				 t == KW_INT ? "an integer" : t == KW_PERCENT ? "a percentage" : "a number",
				 v->u.s.ptr);
			return false;
		}
		type_error(L, key, t == KW_INT ? "an integer" : "a number", v);
		return false;
	case KW_EXPR:
		pb_check_expr(L, key, v);
		return true;
	case KW_TAGS:
		if (v->type == KISO_STR || v->type == KISO_NULL)
			break;
		if (v->type == KISO_LIST) {
			for (size_t i = 0; i < v->u.list.len; i++) {
				const struct kiso_value *e = v->u.list.items[i];
				if (e->type != KISO_STR && e->type != KISO_INT) {
					pb_error(L, e->pos, "keyword 'tags' must be a list of strings, got %s",
						 pb_type_desc(e));
					return false;
				}
			}
			break;
		}
		pb_error(L, v->pos, "keyword 'tags' must be a string or a list, got %s", pb_type_desc(v));
		return false;
	case KW_STRLIST:
		if (v->type == KISO_STR || v->type == KISO_NULL)
			break;
		if (v->type == KISO_LIST) {
			for (size_t i = 0; i < v->u.list.len; i++) {
				const struct kiso_value *e = v->u.list.items[i];
				if (e->type != KISO_STR) {
					pb_error(L, e->pos, "keyword '%s' must be a list of strings, got %s",
						 key, pb_type_desc(e));
					return false;
				}
			}
			break;
		}
		pb_error(L, v->pos, "keyword '%s' must be a string or a list of strings, got %s", key,
			 pb_type_desc(v));
		return false;
	case KW_VARS:
		if (v->type == KISO_MAP || v->type == KISO_NULL)
			break;
		if (v->type == KISO_LIST) {
			for (size_t i = 0; i < v->u.list.len; i++)
				if (v->u.list.items[i]->type != KISO_MAP) {
					pb_error(L, v->u.list.items[i]->pos,
						 "vars in a list must each be a mapping, got %s",
						 pb_type_desc(v->u.list.items[i]));
					return false;
				}
			break;
		}
		pb_error(L, v->pos, "vars must be specified as a mapping, got %s", pb_type_desc(v));
		return false;
	case KW_DICT:
		if (v->type == KISO_MAP || v->type == KISO_NULL)
			break;
		type_error(L, key, "a mapping", v);
		return false;
	case KW_ENV:
		if (v->type == KISO_MAP || v->type == KISO_NULL)
			break;
		if (v->type == KISO_LIST) {
			for (size_t i = 0; i < v->u.list.len; i++) {
				const struct kiso_value *e = v->u.list.items[i];
				if (e->type != KISO_MAP && !pb_is_template(e)) {
					pb_error(L, e->pos,
						 "environment must be a mapping or a list of mappings, got %s in the list",
						 pb_type_desc(e));
					return false;
				}
			}
			break;
		}
		pb_error(L, v->pos, "environment must be a mapping or a list of mappings, got %s",
			 pb_type_desc(v));
		return false;
	case KW_LOOPCTL:
		check_loop_control(L, v);
		return true;
	case KW_LIST:
	case KW_ANY:
		break;
	}
	pb_check_templates(L, v);
	return true;
}

bool pb_check_keyword(struct pb_loader *L, const char *key, const struct kiso_value *v)
{
	const struct kwdef *d = kw_find(key, true, true, true, true);

	return check_typed(L, key, d ? d->type : KW_ANY, v);
}

/* ------------------------------------------------------------ task loading */

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* "ansible.builtin.X" / "ansible.legacy.X" -> "X"; else s. */
static const char *short_action(const char *s)
{
	if (starts_with(s, "ansible.builtin."))
		return s + strlen("ansible.builtin.");
	if (starts_with(s, "ansible.legacy."))
		return s + strlen("ansible.legacy.");
	return s;
}

enum builtin {
	BI_NONE,
	BI_META,
	BI_INCLUDE,
	BI_INCLUDE_TASKS,
	BI_IMPORT_TASKS,
	BI_INCLUDE_ROLE,
	BI_IMPORT_ROLE,
};

static enum builtin builtin_task(const char *name)
{
	const char *s = short_action(name);

	if (strcmp(s, "meta") == 0)
		return BI_META;
	if (strcmp(s, "include") == 0)
		return BI_INCLUDE;
	if (strcmp(s, "include_tasks") == 0)
		return BI_INCLUDE_TASKS;
	if (strcmp(s, "import_tasks") == 0)
		return BI_IMPORT_TASKS;
	if (strcmp(s, "include_role") == 0)
		return BI_INCLUDE_ROLE;
	if (strcmp(s, "import_role") == 0)
		return BI_IMPORT_ROLE;
	return BI_NONE;
}

/* Ansible's FREEFORM_ACTIONS: k=v pairs go into _raw_params too. */
static bool check_raw_action(const char *action)
{
	static const char *const ff[] = { "command", "shell", "raw", "script", "win_command",
					  "win_shell", NULL };
	const char *s = short_action(action);

	if (starts_with(action, "ansible.windows."))
		s = action + strlen("ansible.windows.");
	return in_list(s, ff);
}

/* Ansible's RAW_PARAM_MODULES (plus kiso modules flagged free-form). */
static bool raw_params_ok(const char *action, const struct kiso_module *m)
{
	static const char *const rp[] = { "include", "include_vars", "include_tasks",
					  "include_role", "import_tasks", "import_role",
					  "add_host", "group_by", "set_fact", "meta", NULL };

	if (check_raw_action(action))
		return true;
	if (m && (m->flags & KISO_MOD_FREE_FORM))
		return true;
	return in_list(short_action(action), rp);
}

static const char *meta_actions[] = {
	"noop", "flush_handlers", "refresh_inventory", "clear_facts", "clear_host_errors",
	"end_play", "end_host", "end_batch", "reset_connection", "role_complete", NULL,
};

/* Keywords that include_tasks/include_role accept (TaskInclude.VALID_INCLUDE_KEYWORDS). */
static const char *const include_kws[] = {
	"action", "args", "collections", "debugger", "ignore_errors", "loop", "loop_control",
	"loop_with", "name", "no_log", "register", "run_once", "tags", "timeout", "vars", "when",
	NULL,
};

struct kiso_value *pb_map(struct pb_loader *L, struct kiso_pos pos)
{
	return kiso_map_new(L->a, pos);
}

struct kiso_value *pb_list(struct pb_loader *L, struct kiso_pos pos)
{
	return kiso_list_new(L->a, pos);
}

void pb_tasklist_push(struct kiso_arena *a, struct kiso_tasklist *l, struct kiso_taskdef *t)
{
	if (l->len == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		l->items = kiso_arena_grow(a, l->items, l->cap * sizeof(*l->items),
					   nc * sizeof(*l->items));
		l->cap = nc;
	}
	l->items[l->len++] = t;
}

static const char *keystr(const struct kiso_mapent *e)
{
	return e->key->type == KISO_STR ? e->key->u.s.ptr : NULL;
}

/* An action's arguments (the value of 'copy:' etc.) as a map. */
static struct kiso_value *normalize_args(struct pb_loader *L, const char *action,
					 const struct kiso_value *thing, struct kiso_pos pos)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *args;

	if (!thing || thing->type == KISO_NULL)
		return pb_map(L, pos);
	if (thing->type == KISO_MAP) {
		args = pb_map(L, thing->pos);
		for (size_t i = 0; i < thing->u.map.len; i++)
			kiso_map_setv(L->a, args, thing->u.map.items[i].key, thing->u.map.items[i].val);
		return args;
	}
	if (thing->type == KISO_STR) {
		if (kiso_task_parse_kv(&args, L->a, thing->u.s.ptr, thing->pos,
				       check_raw_action(action), &err) < 0) {
			kiso_diags_add_error(L->diags, &err);
			return pb_map(L, thing->pos);
		}
		return args;
	}
	pb_error(L, thing->pos, "arguments of '%s' must be a mapping or a string, got %s", action,
		 pb_type_desc(thing));
	return pb_map(L, pos);
}

/* 'action: copy src=a' / 'action: {module: copy, src: a}' */
static struct kiso_value *old_style(struct pb_loader *L, const struct kiso_value *thing,
				    const char **action)
{
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *words, *args;
	const char *rest = "";
	const struct kiso_value *modv;

	*action = NULL;
	if (thing->type == KISO_STR) {
		modv = thing;
	} else if (thing->type == KISO_MAP) {
		modv = kiso_map_get(thing, "module");
		if (!modv || modv->type != KISO_STR) {
			pb_error(L, thing->pos, "'action' mapping needs a 'module' string");
			return pb_map(L, thing->pos);
		}
	} else {
		pb_error(L, thing->pos, "unexpected parameter type in action: %s", pb_type_desc(thing));
		return pb_map(L, thing->pos);
	}
	if (kiso_task_split_args(&words, L->a, modv->u.s.ptr, modv->pos, &err) < 0) {
		kiso_diags_add_error(L->diags, &err);
		return pb_map(L, thing->pos);
	}
	if (words->u.list.len == 0) {
		pb_error(L, modv->pos, "'action' names no module");
		return pb_map(L, thing->pos);
	}
	{
		char *m = strip_dup(words->u.list.items[0]->u.s.ptr, words->u.list.items[0]->u.s.len);
		*action = kiso_arena_strdup(L->a, m);
		free(m);
	}
	if (words->u.list.len > 1) {
		struct kiso_buf b = KISO_BUF_INIT;
		for (size_t i = 1; i < words->u.list.len; i++) {
			if (i > 1)
				kiso_buf_putc(&b, ' ');
			kiso_buf_puts(&b, words->u.list.items[i]->u.s.ptr);
		}
		rest = kiso_arena_strdup(L->a, kiso_buf_cstr(&b));
		kiso_buf_release(&b);
	}
	if (kiso_task_parse_kv(&args, L->a, rest, modv->pos, check_raw_action(*action), &err) < 0) {
		kiso_diags_add_error(L->diags, &err);
		args = pb_map(L, modv->pos);
	}
	if (thing->type == KISO_MAP) {
		struct kiso_value *m = pb_map(L, thing->pos);
		for (size_t i = 0; i < thing->u.map.len; i++) {
			const char *k = keystr(&thing->u.map.items[i]);
			if (k && strcmp(k, "module") == 0)
				continue;
			kiso_map_setv(L->a, m, thing->u.map.items[i].key, thing->u.map.items[i].val);
		}
		for (size_t i = 0; i < args->u.map.len; i++)
			kiso_map_setv(L->a, m, args->u.map.items[i].key, args->u.map.items[i].val);
		args = m;
	}
	/* 'args' inside the old-style form */
	struct kiso_value *inner = kiso_map_get(args, "args");
	if (inner) {
		kiso_map_del(args, "args");
		if (inner->type == KISO_STR) {
			struct kiso_value *kv;
			if (kiso_task_parse_kv(&kv, L->a, inner->u.s.ptr, inner->pos, false, &err) < 0)
				kiso_diags_add_error(L->diags, &err);
			else
				inner = kv;
		}
		if (inner->type == KISO_MAP)
			for (size_t i = 0; i < inner->u.map.len; i++)
				kiso_map_setv(L->a, args, inner->u.map.items[i].key,
					      inner->u.map.items[i].val);
	}
	return args;
}

static void validate_args(struct pb_loader *L, struct kiso_taskdef *t, struct kiso_pos pos)
{
	if (!t->module || L->opts->no_args_check)
		return;
	if (kiso_map_get(t->args, "_variable_params"))
		return; /* arguments come from a variable: checked at run time */
	kiso_args_validate(t->module, t->args, pos, L->diags);
}

static const char *args_str(struct pb_loader *L, struct kiso_taskdef *t, const char *key,
			    struct kiso_value **vout)
{
	struct kiso_value *v = kiso_map_get(t->args, key);

	if (vout)
		*vout = v;
	if (!v)
		return NULL;
	if (v->type != KISO_STR) {
		pb_error(L, v->pos, "'%s' of %s must be a string, got %s", key, t->action,
			 pb_type_desc(v));
		return NULL;
	}
	return v->u.s.ptr;
}

/* Finds an imported task file the way Ansible does (simplified). */
static const char *find_task_file(struct pb_loader *L, const char *name, const char *dir,
				  struct kiso_role *role, bool handlers)
{
	const char *cand[6];
	size_t n = 0;

	if (name[0] == '/')
		return name;
	if (dir)
		cand[n++] = pb_join(L, dir, name);
	if (role) {
		cand[n++] = pb_join(L, pb_join(L, role->path, handlers ? "handlers" : "tasks"), name);
		cand[n++] = pb_join(L, pb_join(L, role->path, "tasks"), name);
		cand[n++] = pb_join(L, role->path, name);
	}
	cand[n++] = pb_join(L, L->basedir, name);
	for (size_t i = 0; i < n; i++)
		if (pb_is_file(cand[i]))
			return cand[i];
	return NULL;
}

static void load_include_tasks(struct pb_loader *L, struct kiso_taskdef *t, enum builtin bi,
			       const char *dir, bool handlers)
{
	struct kiso_value *fv = NULL;
	const char *file;
	bool is_static = bi == BI_IMPORT_TASKS;

	for (size_t i = 0; i < t->args->u.map.len; i++) {
		const char *k = keystr(&t->args->u.map.items[i]);
		if (!k || (strcmp(k, "file") && strcmp(k, "_raw_params") && strcmp(k, "apply")))
			pb_error(L, t->args->u.map.items[i].key->pos, "invalid option for %s: '%s'",
				 t->action, k ? k : "?");
		else if (strcmp(k, "apply") == 0 && bi != BI_INCLUDE_TASKS)
			pb_error(L, t->args->u.map.items[i].key->pos, "invalid option for %s: 'apply'",
				 t->action);
		else if (strcmp(k, "apply") == 0 && t->args->u.map.items[i].val->type != KISO_MAP)
			pb_error(L, t->args->u.map.items[i].val->pos,
				 "'apply' must be a mapping, got %s",
				 pb_type_desc(t->args->u.map.items[i].val));
	}
	file = args_str(L, t, "file", &fv);
	if (!file && !fv)
		file = args_str(L, t, "_raw_params", &fv);
	if (!file) {
		if (!fv)
			pb_error(L, t->pos, "no file specified for %s", t->action);
		return;
	}
	t->file = file;
	if (bi == BI_INCLUDE)
		is_static = !pb_is_template(fv) && !t->loop;
	t->kind = is_static ? KISO_TD_IMPORT_TASKS : KISO_TD_INCLUDE_TASKS;
	if (is_static && t->loop) {
		pb_error(L, t->loop->pos,
			 "you cannot use loops on 'import_tasks' statements, use 'include_tasks' instead");
		return;
	}
	if (pb_is_template(fv)) {
		if (is_static)
			pb_warn(L, fv->pos, "file name '%s' of import_tasks is a template: not checked",
				file);
		return;
	}
	const char *path = find_task_file(L, file, dir, t->role, handlers);
	if (!path) {
		pb_error(L, fv->pos, "could not find or access '%s'", file);
		return;
	}
	t->file_path = path;
	t->loaded_static = true;
	pb_load_task_file(L, &t->body, path, fv->pos, t, t->role, handlers);
}

static void load_include_role(struct pb_loader *L, struct kiso_taskdef *t, enum builtin bi)
{
	static const char *const valid[] = { "name", "role", "tasks_from", "vars_from",
					     "defaults_from", "handlers_from", "apply", "public",
					     "allow_duplicates", "rolespec_validate", NULL };
	struct pb_role_from from = { 0 };
	struct kiso_value *nv = NULL;
	const char *name;

	t->kind = bi == BI_IMPORT_ROLE ? KISO_TD_IMPORT_ROLE : KISO_TD_INCLUDE_ROLE;
	for (size_t i = 0; i < t->args->u.map.len; i++) {
		const struct kiso_mapent *e = &t->args->u.map.items[i];
		const char *k = keystr(e);
		if (!k || !in_list(k, valid)) {
			pb_error(L, e->key->pos, "invalid option for %s: '%s'", t->action, k ? k : "?");
		} else if ((strcmp(k, "apply") == 0 || strcmp(k, "public") == 0) &&
			   bi == BI_IMPORT_ROLE) {
			pb_error(L, e->key->pos, "invalid option for %s: '%s'", t->action, k);
		} else if (strcmp(k, "apply") == 0 && e->val->type != KISO_MAP) {
			pb_error(L, e->val->pos, "'apply' must be a mapping, got %s",
				 pb_type_desc(e->val));
		} else if (strcmp(k, "public") == 0 || strcmp(k, "allow_duplicates") == 0 ||
			   strcmp(k, "rolespec_validate") == 0) {
			check_typed(L, k, KW_BOOL, e->val);
		}
	}
	name = args_str(L, t, "name", &nv);
	if (!name && !nv)
		name = args_str(L, t, "role", &nv);
	if (!name) {
		if (!nv)
			pb_error(L, t->pos, "'name' is a required field for %s", t->action);
		return;
	}
	from.tasks = args_str(L, t, "tasks_from", NULL);
	from.vars = args_str(L, t, "vars_from", NULL);
	from.defaults = args_str(L, t, "defaults_from", NULL);
	from.handlers = args_str(L, t, "handlers_from", NULL);
	t->role_name = name;
	if (bi == BI_IMPORT_ROLE && t->loop) {
		pb_error(L, t->loop->pos,
			 "you cannot use loops on 'import_role' statements, use 'include_role' instead");
		return;
	}
	if (pb_is_template(nv)) {
		if (bi == BI_IMPORT_ROLE)
			pb_warn(L, nv->pos, "role name '%s' of import_role is a template: not checked",
				name);
		return;
	}
	if ((from.tasks && kiso_tmpl_has_template(from.tasks, strlen(from.tasks))) ||
	    (from.vars && kiso_tmpl_has_template(from.vars, strlen(from.vars))) ||
	    (from.defaults && kiso_tmpl_has_template(from.defaults, strlen(from.defaults))) ||
	    (from.handlers && kiso_tmpl_has_template(from.handlers, strlen(from.handlers))))
		return; /* resolved at run time */
	t->inc_role = pb_load_role(L, NULL, name, nv->pos,
				   bi == BI_IMPORT_ROLE ? KISO_ROLE_IMPORT : KISO_ROLE_INCLUDE,
				   t->role, t, &from);
}

static void load_meta(struct pb_loader *L, struct kiso_taskdef *t)
{
	struct kiso_value *v = kiso_map_get(t->args, "_raw_params");

	t->kind = KISO_TD_META;
	if (!v || v->type != KISO_STR) {
		pb_error(L, t->pos, "meta needs an action (e.g. 'meta: flush_handlers')");
		return;
	}
	for (size_t i = 0; i < t->args->u.map.len; i++) {
		const char *k = keystr(&t->args->u.map.items[i]);
		if (!k || strcmp(k, "_raw_params"))
			pb_error(L, t->args->u.map.items[i].key->pos, "invalid option for meta: '%s'",
				 k ? k : "?");
	}
	if (!pb_is_template(v) && !in_list(v->u.s.ptr, meta_actions))
		pb_error(L, v->pos, "invalid meta action requested: %s", v->u.s.ptr);
}

static void load_block(struct pb_loader *L, struct kiso_taskdef *t, const struct kiso_value *ds,
		       bool handlers, const char *dir)
{
	t->kind = KISO_TD_BLOCK;
	for (size_t i = 0; i < ds->u.map.len; i++) {
		const struct kiso_mapent *e = &ds->u.map.items[i];
		const char *k = keystr(e);
		const struct kwdef *d;

		if (!k) {
			pb_error(L, e->key->pos, "keys of a block must be strings");
			continue;
		}
		if (strcmp(k, "block") == 0 || strcmp(k, "rescue") == 0 || strcmp(k, "always") == 0) {
			struct kiso_tasklist *l = k[0] == 'b' ? &t->block
						 : k[0] == 'r' ? &t->rescue : &t->always;
			if (e->val->type != KISO_LIST && e->val->type != KISO_NULL) {
				pb_error(L, e->val->pos, "'%s' must be a list of tasks, got %s", k,
					 pb_type_desc(e->val));
				continue;
			}
			pb_load_tasks(L, l, e->val, t, t->role, handlers, dir);
			continue;
		}
		d = kw_find(k, false, true, false, false);
		if (!d) {
			pb_error(L, e->key->pos, "'%s' is not a valid attribute for a Block", k);
			continue;
		}
		check_typed(L, k, d->type, e->val);
		kiso_map_setv(L->a, t->kw, e->key, e->val);
	}
}

static void check_include_vars(struct pb_loader *L, struct kiso_taskdef *t, const char *dir);
static void check_src_file(struct pb_loader *L, struct kiso_taskdef *t, const char *dir);

static void load_task(struct pb_loader *L, struct kiso_taskdef *t, const struct kiso_value *ds,
		      bool handlers, const char *dir)
{
	const char *action = NULL;
	const struct kiso_value *action_key = NULL;
	const struct kiso_value *thing = NULL;
	const struct kiso_value *extra = kiso_map_get(ds, "args");
	struct kiso_value *args = NULL;
	bool local = false;
	bool bad = false;
	enum builtin bi;

	/* 1. the action: 'action:', 'local_action:', or a module key */
	const struct kiso_mapent *ae = kiso_map_entry(ds, "action");
	const struct kiso_mapent *le = kiso_map_entry(ds, "local_action");
	size_t nerr = L->diags->len;
	if (ae) {
		args = old_style(L, ae->val, &action);
		action_key = ae->key;
	}
	if (le) {
		if (ae) {
			pb_error(L, le->key->pos, "action and local_action are mutually exclusive");
			bad = true;
		} else {
			args = old_style(L, le->val, &action);
			action_key = le->key;
			local = true;
		}
	}
	for (size_t i = 0; i < ds->u.map.len; i++) {
		const struct kiso_mapent *e = &ds->u.map.items[i];
		const char *k = keystr(e);

		if (!k) {
			pb_error(L, e->key->pos, "keys of a task must be strings");
			bad = true;
			continue;
		}
		if (strcmp(k, "action") == 0 || strcmp(k, "local_action") == 0 ||
		    strcmp(k, "args") == 0 || strncmp(k, "with_", 5) == 0 || strcmp(k, "static") == 0)
			continue;
		if (kw_find(k, true, false, false, false) || (handlers && strcmp(k, "listen") == 0))
			continue;
		if (builtin_task(k) == BI_NONE && !kiso_module_find(k)) {
			pb_error(L, e->key->pos, "unknown module or task keyword '%s'", k);
			bad = true;
			continue;
		}
		if (action) {
			pb_error(L, e->key->pos, "conflicting action statements: %s, %s", action, k);
			bad = true;
			continue;
		}
		action = k;
		action_key = e->key;
		thing = e->val;
		args = normalize_args(L, k, e->val, e->key->pos);
	}
	if (!action) {
		if (!bad && L->diags->len == nerr)
			pb_error(L, t->pos, "task has no module");
		action = "";
		args = pb_map(L, t->pos);
	}
	(void)thing;
	t->action = action;

	/* 2. 'args:' merged below the action's own arguments */
	if (extra && extra->type != KISO_NULL) {
		struct kiso_value *m = pb_map(L, extra->pos);
		if (extra->type == KISO_MAP) {
			for (size_t i = 0; i < extra->u.map.len; i++)
				kiso_map_setv(L->a, m, extra->u.map.items[i].key,
					      extra->u.map.items[i].val);
		} else if (pb_is_template(extra)) {
			kiso_map_set(L->a, m, "_variable_params", (struct kiso_value *)extra);
		} else if (extra->type == KISO_STR) {
			pb_error(L, extra->pos,
				 "complex args must use the full variable style ('{{ var_name }}'), not a bare variable");
		} else {
			pb_error(L, extra->pos, "complex args must be a mapping or a variable string, got %s",
				 pb_type_desc(extra));
		}
		for (size_t i = 0; i < args->u.map.len; i++)
			kiso_map_setv(L->a, m, args->u.map.items[i].key, args->u.map.items[i].val);
		args = m;
	}
	t->args = args;
	if (local) {
		kiso_map_set(L->a, t->kw, "delegate_to", kiso_str(L->a, "localhost", le->key->pos));
	}

	/* 3. keywords */
	for (size_t i = 0; i < ds->u.map.len; i++) {
		const struct kiso_mapent *e = &ds->u.map.items[i];
		const char *k = keystr(e);
		const struct kwdef *d;

		if (!k || strcmp(k, "action") == 0 || strcmp(k, "local_action") == 0 ||
		    strcmp(k, "args") == 0 || strcmp(k, action) == 0)
			continue;
		if (strncmp(k, "with_", 5) == 0) {
			if (!in_list(k + 5, lookups)) {
				pb_error(L, e->key->pos,
					 "'%s' is not a valid loop: there is no lookup named '%s'", k, k + 5);
				continue;
			}
			if (t->loop) {
				pb_error(L, e->key->pos, "duplicate loop in task: %s", k + 5);
				continue;
			}
			if (e->val->type == KISO_NULL) {
				pb_error(L, e->key->pos, "you must specify a value when using %s", k);
				continue;
			}
			t->loop_with = kiso_arena_strdup(L->a, k + 5);
			t->loop = e->val;
			pb_check_templates(L, e->val);
			continue;
		}
		if (strcmp(k, "static") == 0) {
			pb_warn(L, e->key->pos, "the 'static' keyword is ignored");
			continue;
		}
		if (handlers && strcmp(k, "listen") == 0) {
			if (check_typed(L, k, KW_STRLIST, e->val)) {
				struct kiso_value *l = pb_list(L, e->val->pos);
				if (e->val->type == KISO_STR)
					kiso_list_push(L->a, l, e->val);
				else if (e->val->type == KISO_LIST)
					for (size_t j = 0; j < e->val->u.list.len; j++)
						kiso_list_push(L->a, l, e->val->u.list.items[j]);
				t->listen = l;
			}
			kiso_map_setv(L->a, t->kw, e->key, e->val);
			continue;
		}
		d = kw_find(k, true, false, false, false);
		if (!d)
			continue; /* reported above */
		if (strcmp(k, "loop") == 0) {
			if (t->loop) {
				pb_error(L, e->key->pos, "duplicate loop in task: %s",
					 t->loop_with ? t->loop_with : "loop");
				continue;
			}
			t->loop = e->val;
		}
		check_typed(L, k, d->type, e->val);
		kiso_map_setv(L->a, t->kw, e->key, e->val);
	}
	/* a later 'loop' after 'with_X' was caught above; 'loop' before 'with_X' too */
	{
		struct kiso_value *nv = kiso_map_get(t->kw, "name");
		if (nv && nv->type == KISO_STR)
			t->name = nv->u.s.ptr;
		else if (nv && nv->type != KISO_NULL) {
			struct kiso_buf b = KISO_BUF_INIT;
			kiso_value_str(&b, nv);
			t->name = kiso_arena_strdup(L->a, kiso_buf_cstr(&b));
			kiso_buf_release(&b);
		}
	}
	if (!*action)
		return;

	/* 4. what kind of action */
	bi = builtin_task(action);
	if (bi != BI_NONE && bi != BI_META && bi != BI_IMPORT_TASKS && bi != BI_IMPORT_ROLE &&
	    bi != BI_INCLUDE) {
		const char *what = bi == BI_INCLUDE_ROLE ? "IncludeRole" : "TaskInclude";
		for (size_t i = 0; i < ds->u.map.len; i++) {
			const struct kiso_mapent *e = &ds->u.map.items[i];
			const char *k = keystr(e);
			if (!k || strcmp(k, action) == 0 || strncmp(k, "with_", 5) == 0)
				continue;
			if (kw_find(k, true, false, false, false) && !in_list(k, include_kws))
				pb_error(L, e->key->pos, "'%s' is not a valid attribute for a %s", k,
					 what);
		}
	}
	if (handlers && (bi == BI_INCLUDE_ROLE || bi == BI_IMPORT_ROLE)) {
		pb_error(L, action_key->pos, "using '%s' as a handler is not supported", action);
		return;
	}
	if (bi == BI_NONE)
		t->module = kiso_module_find(action);

	/* _raw_params only for modules that take free-form text */
	struct kiso_value *raw = kiso_map_get(t->args, "_raw_params");
	if (raw && raw->type == KISO_STR && raw->u.s.len && !raw_params_ok(action, t->module)) {
		if (pb_is_template(raw)) {
			kiso_map_del(t->args, "_raw_params");
			kiso_map_set(L->a, t->args, "_variable_params", raw);
		} else {
			pb_error(L, raw->pos,
				 "this task '%s' has extra params, which is only allowed in free-form modules such as command, shell, raw, script, set_fact, include_vars",
				 action);
			return;
		}
	}
	if (bi == BI_NONE && check_raw_action(action) && kiso_map_get(t->args, "cmd") && raw &&
	    raw->type == KISO_STR && raw->u.s.len) {
		pb_error(L, raw->pos,
			 "the 'cmd' argument cannot be used when other raw parameters are specified");
		t->kind = KISO_TD_MODULE;
		return;
	}
	if (!raw_params_ok(action, t->module) || bi != BI_NONE)
		for (size_t i = 0; i < t->args->u.map.len; i++) {
			const char *k = keystr(&t->args->u.map.items[i]);
			if (k && strncmp(k, "_ansible_", 9) == 0)
				pb_error(L, t->args->u.map.items[i].key->pos,
					 "invalid parameter specified for action '%s': '%s'", action, k);
		}

	switch (bi) {
	case BI_META:
		if (L->diags->len == nerr)
			load_meta(L, t);
		else
			t->kind = KISO_TD_META;
		break;
	case BI_INCLUDE:
	case BI_INCLUDE_TASKS:
	case BI_IMPORT_TASKS:
		pb_check_templates(L, t->args);
		load_include_tasks(L, t, bi, dir, handlers);
		break;
	case BI_INCLUDE_ROLE:
	case BI_IMPORT_ROLE:
		pb_check_templates(L, t->args);
		load_include_role(L, t, bi);
		break;
	case BI_NONE:
		t->kind = KISO_TD_MODULE;
		pb_check_templates(L, t->args);
		if (L->diags->len == nerr) /* arguments that did not parse are not checked */
			validate_args(L, t, action_key ? action_key->pos : t->pos);
		if (L->diags->len == nerr && t->module && strcmp(t->module->name, "include_vars") == 0)
			check_include_vars(L, t, dir);
		if (L->diags->len == nerr && t->module && (strcmp(t->module->name, "template") == 0 ||
							  strcmp(t->module->name, "copy") == 0))
			check_src_file(L, t, dir);
		break;
	}
}

/*
 * include_vars with a file name that holds no template: the file must
 * exist (searched like Ansible's _find_needle('vars', ...): the role's
 * vars/ and the role, the task file's directory and its vars/, the
 * playbook directory and its vars/) and hold a YAML mapping. The
 * resolved path goes into t->file_path for the runner.
 */
static void check_include_vars(struct pb_loader *L, struct kiso_taskdef *t, const char *dir)
{
	struct kiso_value *fv = kiso_map_get(t->args, "file");
	const char *cand[8];
	size_t n = 0;

	if (!fv)
		fv = kiso_map_get(t->args, "_raw_params");
	if (!fv || fv->type != KISO_STR || !fv->u.s.len || pb_is_template(fv) ||
	    kiso_map_get(t->args, "dir"))
		return;
	const char *name = fv->u.s.ptr;
	if (name[0] == '/') {
		cand[n++] = name;
	} else {
		if (t->role) {
			cand[n++] = pb_join(L, pb_join(L, t->role->path, "vars"), name);
			cand[n++] = pb_join(L, t->role->path, name);
		}
		if (dir) {
			cand[n++] = pb_join(L, pb_join(L, dir, "vars"), name);
			cand[n++] = pb_join(L, dir, name);
		}
		cand[n++] = pb_join(L, pb_join(L, L->basedir, "vars"), name);
		cand[n++] = pb_join(L, L->basedir, name);
	}
	for (size_t i = 0; i < n; i++) {
		if (!pb_is_file(cand[i]))
			continue;
		struct kiso_value *v = pb_load_yaml(L, cand[i], fv->pos);
		if (v && v->type != KISO_MAP && v->type != KISO_NULL)
			pb_error(L, v->pos, "'%s' must hold a mapping of variables, got %s", name,
				 pb_type_desc(v));
		else if (v)
			pb_check_templates(L, v);
		t->file_path = cand[i];
		return;
	}
	pb_error(L, fv->pos, "could not find or access '%s'", name);
}

/*
 * The 'src' of template and copy (not remote_src) when it holds no
 * template: it must exist, searched like Ansible's _find_needle() (the
 * role's templates/ or files/ and the role, the task file's directory
 * and its subdirectory, the playbook directory and its subdirectory); a
 * template file is syntax-checked too. The path goes into t->file_path.
 */
static void check_src_file(struct pb_loader *L, struct kiso_taskdef *t, const char *dir)
{
	bool is_template = strcmp(t->module->name, "template") == 0;
	const char *sub = is_template ? "templates" : "files";
	struct kiso_value *sv = kiso_map_get(t->args, "src");
	struct kiso_value *rs = kiso_map_get(t->args, "remote_src");
	const char *cand[8];
	size_t n = 0;

	if (!sv || sv->type != KISO_STR || !sv->u.s.len || pb_is_template(sv))
		return;
	if (rs && !(rs->type == KISO_BOOL && !rs->u.b) &&
	    !(rs->type == KISO_STR && str_is_bool(rs->u.s.ptr) &&
	      strchr("nNfF0oO", rs->u.s.ptr[0]) && strcasecmp(rs->u.s.ptr, "on") != 0))
		return; /* a file on the target (or decided at run time) */
	const char *name = sv->u.s.ptr;
	if (name[0] == '/' || name[0] == '~') {
		if (name[0] == '~')
			return;
		cand[n++] = name;
	} else {
		if (t->role) {
			cand[n++] = pb_join(L, pb_join(L, t->role->path, sub), name);
			cand[n++] = pb_join(L, t->role->path, name);
		}
		if (dir) {
			cand[n++] = pb_join(L, pb_join(L, dir, sub), name);
			cand[n++] = pb_join(L, dir, name);
		}
		cand[n++] = pb_join(L, pb_join(L, L->basedir, sub), name);
		cand[n++] = pb_join(L, L->basedir, name);
	}
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(cand[i], &st) != 0)
			continue;
		t->file_path = cand[i];
		if (is_template && S_ISREG(st.st_mode))
			pb_check_template_file(L, cand[i], sv->pos);
		return;
	}
	pb_error(L, sv->pos, "could not find or access '%s'", name);
}

static bool is_block(const struct kiso_value *ds)
{
	return kiso_map_get(ds, "block") || kiso_map_get(ds, "rescue") || kiso_map_get(ds, "always");
}

void pb_load_tasks(struct pb_loader *L, struct kiso_tasklist *out, const struct kiso_value *list,
		   struct kiso_taskdef *parent, struct kiso_role *role, bool handlers,
		   const char *dir)
{
	if (!list || list->type == KISO_NULL)
		return;
	if (list->type != KISO_LIST) {
		pb_error(L, list->pos, "a list of tasks was expected, got %s", pb_type_desc(list));
		return;
	}
	for (size_t i = 0; i < list->u.list.len; i++) {
		const struct kiso_value *ds = list->u.list.items[i];
		struct kiso_taskdef *t;

		if (ds->type != KISO_MAP) {
			pb_error(L, ds->pos, "a task must be a mapping, got %s", pb_type_desc(ds));
			continue;
		}
		t = kiso_arena_zalloc(L->a, sizeof(*t));
		t->pos = ds->pos;
		t->parent = parent;
		t->role = role;
		t->play = L->play;
		t->is_handler = handlers;
		t->kw = pb_map(L, ds->pos);
		if (is_block(ds)) {
			if (handlers) {
				pb_error(L, ds->pos, "using a block as a handler is not supported");
				continue;
			}
			load_block(L, t, ds, handlers, dir);
			struct kiso_value *nv = kiso_map_get(t->kw, "name");
			if (nv && nv->type == KISO_STR)
				t->name = nv->u.s.ptr;
		} else {
			load_task(L, t, ds, handlers, dir);
		}
		pb_tasklist_push(L->a, out, t);
	}
}

void pb_load_task_file(struct pb_loader *L, struct kiso_tasklist *out, const char *path,
		       struct kiso_pos from, struct kiso_taskdef *parent, struct kiso_role *role,
		       bool handlers)
{
	struct kiso_value *data;
	const char *shown = parent && parent->file ? parent->file : path;

	if (!pb_push_file(L, path, shown, from))
		return;
	data = pb_load_yaml(L, path, from);
	if (data && data->type != KISO_NULL && data->type != KISO_LIST)
		pb_error(L, data->pos, "a task file must contain a list of tasks, got %s",
			 pb_type_desc(data));
	else if (data)
		pb_load_tasks(L, out, data, parent, role, handlers, pb_dirname(L, path));
	pb_pop_file(L);
}
