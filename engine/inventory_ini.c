/*
 * inventory_ini.c - Ansible's INI inventory format (plugins/inventory/ini.py).
 *
 * The parser is a line-by-line port of ini.py so that odd inputs behave as
 * they do in Ansible: lines are split like Python's str.splitlines(), hosts
 * before any section go to 'ungrouped', a [g:vars] or [g:children] section
 * may name a group that is only declared later (checked at the end, in the
 * order the references were made), host lines are split with POSIX shlex
 * (comments allowed), and every value goes through Python's
 * ast.literal_eval() (kiso_inv_literal) with the text kept when that
 * fails. Errors carry the line and the column of the offending text.
 */
#include "kiso_common.h"
#include "inventory.h"
#include "inventory_int.h"

/* A pending reference to a group not declared yet (ini.py's pending_declarations). */
struct pending {
	const char *name;
	bool children;            /* state 'children' (else 'vars') */
	int line, col;
	const char **parents;     /* for 'children': the referring groups */
	size_t nparents, cap;
	bool done;
};

struct ini {
	struct kiso_inventory *inv;
	struct kiso_arena *a;
	const char *file;
	struct kiso_error *err;
	int lineno;
	struct pending *pend;
	size_t npend, cappend;
};

/* ------------------------------------------------------------------ */
/* shlex */

int kiso_inv_shlex(char ***out, size_t **offs, struct kiso_arena *a, const char *line,
		   const char **why)
{
	size_t n = 0, cap = 8, i = 0, len = strlen(line);
	char **toks = kiso_arena_alloc(a, cap * sizeof(*toks));
	size_t *starts = kiso_arena_alloc(a, cap * sizeof(*starts));
	char *tok = kiso_arena_alloc(a, len + 1);

	for (;;) {
		size_t tl = 0, start = i;
		char state = ' ', escapedstate = ' ';
		bool quoted = false, have = false;

		for (;;) {
			char c = i < len ? line[i] : 0;
			bool eof = i >= len;

			if (!eof)
				i++;
			if (state == ' ') {
				if (eof) {
					state = 0;
					break;
				}
				if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
					if (tl || quoted)
						break;
					continue;
				}
				start = i - 1;
				if (c == '#') {
					i = len;
				} else if (c == '\\') {
					escapedstate = 'a';
					state = c;
				} else if (c == '\'' || c == '"') {
					state = c;
				} else {
					tok[tl++] = c;
					state = 'a';
				}
			} else if (state == '\'' || state == '"') {
				quoted = true;
				if (eof) {
					*why = "No closing quotation";
					return -1;
				}
				if (c == state)
					state = 'a';
				else if (c == '\\' && state == '"') {
					escapedstate = state;
					state = '\\';
				} else {
					tok[tl++] = c;
				}
			} else if (state == '\\') {
				if (eof) {
					*why = "No escaped character";
					return -1;
				}
				if ((escapedstate == '\'' || escapedstate == '"') && c != state &&
				    c != escapedstate)
					tok[tl++] = state;
				tok[tl++] = c;
				state = escapedstate;
			} else { /* 'a' */
				if (eof) {
					state = 0;
					break;
				}
				if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
					state = ' ';
					if (tl || quoted)
						break;
					continue;
				}
				if (c == '#') {
					i = len;
					state = ' ';
					if (tl || quoted)
						break;
					continue;
				}
				if (c == '\'' || c == '"')
					state = c;
				else if (c == '\\') {
					escapedstate = 'a';
					state = c;
				} else {
					tok[tl++] = c;
				}
			}
		}
		have = tl || quoted;
		if (!have)
			break;
		if (n == cap) {
			toks = kiso_arena_grow(a, toks, cap * sizeof(*toks), 2 * cap * sizeof(*toks));
			starts = kiso_arena_grow(a, starts, cap * sizeof(*starts),
						 2 * cap * sizeof(*starts));
			cap *= 2;
		}
		toks[n] = kiso_arena_strndup(a, tok, tl);
		starts[n] = start;
		n++;
		if (state == 0)
			break;
	}
	*out = toks;
	*offs = starts;
	return (int)n;
}

/* ------------------------------------------------------------------ */
/* helpers */

static struct kiso_pos at(struct ini *p, int col)
{
	return (struct kiso_pos){ p->file, p->lineno, col };
}

/* Python's str.isspace() on the ASCII range plus the separators it knows */
static bool py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool word_char(unsigned char c)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* The value text of an INI variable: Python literal or the text itself. */
static struct kiso_value *ini_value(struct ini *p, const char *s, size_t n, int col)
{
	struct kiso_value *v;

	if (kiso_inv_literal(&v, p->a, s, n, at(p, col)) == 0)
		return v;
	return kiso_strn(p->a, s, n, at(p, col));
}

/* Valid UTF-8? (Ansible decodes lines strictly, except comment lines.) */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return false;
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* pending declarations */

static struct pending *pending_find(struct ini *p, const char *name)
{
	for (size_t i = 0; i < p->npend; i++)
		if (!p->pend[i].done && strcmp(p->pend[i].name, name) == 0)
			return &p->pend[i];
	return NULL;
}

static struct pending *pending_add(struct ini *p, const char *name, bool children, int col)
{
	struct pending *d;

	if (p->npend == p->cappend) {
		size_t nc = p->cappend ? p->cappend * 2 : 8;

		p->pend = kiso_arena_grow(p->a, p->pend, p->cappend * sizeof(*p->pend),
					  nc * sizeof(*p->pend));
		p->cappend = nc;
	}
	d = &p->pend[p->npend++];
	memset(d, 0, sizeof(*d));
	d->name = kiso_arena_strdup(p->a, name);
	d->children = children;
	d->line = p->lineno;
	d->col = col;
	return d;
}

static void pending_parent(struct ini *p, struct pending *d, const char *parent)
{
	if (d->nparents == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 4;

		d->parents = kiso_arena_grow(p->a, d->parents, d->cap * sizeof(*d->parents),
					     nc * sizeof(*d->parents));
		d->cap = nc;
	}
	d->parents[d->nparents++] = kiso_arena_strdup(p->a, parent);
}

/* ini.py _add_pending_children() */
static int add_pending_children(struct ini *p, const char *group, unsigned depth)
{
	struct pending *d = pending_find(p, group);
	struct kiso_inv_group *child = kiso_inventory_group(p->inv, group);
	int rc;

	if (!d || !child || depth > 10000)
		return 0;
	d->done = true;
	for (size_t i = 0; i < d->nparents; i++) {
		struct kiso_inv_group *parent = kiso_inventory_group(p->inv, d->parents[i]);
		struct pending *pp;

		if (!parent)
			continue;
		rc = kiso_inv_add_child(p->inv, parent, child,
					(struct kiso_pos){ p->file, d->line, d->col }, p->err);
		if (rc < 0)
			return rc;
		pp = pending_find(p, d->parents[i]);
		if (pp && pp->children && (rc = add_pending_children(p, d->parents[i],
								      depth + 1)) < 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the three kinds of lines */

/* "[name]" or "[name:state]" with an optional trailing comment. */
static bool match_section(const char *line, size_t *nb, size_t *ne, size_t *sb, size_t *se)
{
	size_t i = 1;

	if (line[0] != '[')
		return false;
	*nb = i;
	while (line[i] && line[i] != ':' && line[i] != ']' && !py_space((unsigned char)line[i]))
		i++;
	if (i == *nb)
		return false;
	*ne = i;
	*sb = *se = 0;
	if (line[i] == ':') {
		i++;
		*sb = i;
		while (word_char((unsigned char)line[i]))
			i++;
		if (i == *sb)
			return false;
		*se = i;
	}
	if (line[i] != ']')
		return false;
	i++;
	while (py_space((unsigned char)line[i]))
		i++;
	return line[i] == 0 || line[i] == '#';
}

/* "name" with optional trailing comment (ini.py's groupname pattern) */
static bool match_groupname(const char *line, size_t *ne)
{
	size_t i = 0;

	while (line[i] && line[i] != ':' && line[i] != ']' && !py_space((unsigned char)line[i]))
		i++;
	if (i == 0)
		return false;
	*ne = i;
	while (py_space((unsigned char)line[i]))
		i++;
	return line[i] == 0 || line[i] == '#';
}

static int host_line(struct ini *p, const char *line, int col0, struct kiso_inv_group *g)
{
	char **toks, **names;
	size_t *offs;
	const char *why = NULL;
	char rwhy[256];
	int n = kiso_inv_shlex(&toks, &offs, p->a, line, &why);
	long nnames, port;
	struct kiso_value *vars;
	size_t plen;
	int rc;

	if (n < 0)
		return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col0),
				      "error parsing host definition '%s': %s", line, why);
	if (n == 0)
		return 0;
	nnames = kiso_inv_expand_hostpattern(&names, &port, p->a, toks[0], rwhy, sizeof(rwhy));
	if (nnames < 0)
		return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col0 + (int)offs[0]), "%s", rwhy);
	/* ini.py's extra checks */
	plen = strlen(toks[0]);
	{
		size_t e = plen;

		while (e && py_space((unsigned char)toks[0][e - 1]))
			e--;
		if (e && toks[0][e - 1] == ':' && port < 0)
			return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col0 + (int)offs[0]),
					      "invalid host pattern '%s' supplied, ending in ':' "
					      "is not allowed, this character is reserved to "
					      "provide a port", toks[0]);
	}
	for (long i = 0; i < nnames; i++) {
		const char *s = names[i];
		size_t b = 0, e = strlen(s);

		while (py_space((unsigned char)s[b]))
			b++;
		while (e > b && py_space((unsigned char)s[e - 1]))
			e--;
		if (e - b == 3 && strncmp(s + b, "---", 3) == 0)
			return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col0 + (int)offs[0]),
					      "invalid host pattern '%s' supplied, '---' is "
					      "normally a sign this is a YAML file", toks[0]);
	}
	vars = kiso_map_new(p->a, at(p, col0));
	for (int t = 1; t < n; t++) {
		char *eq = strchr(toks[t], '=');
		int col = col0 + (int)offs[t];

		if (!eq)
			return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col),
					      "expected key=value host variable assignment, "
					      "got: %s", toks[t]);
		kiso_map_setv(p->a, vars, kiso_strn(p->a, toks[t], (size_t)(eq - toks[t]), at(p, col)),
			      ini_value(p, eq + 1, strlen(eq + 1),
					col + (int)(eq - toks[t]) + 1));
	}
	for (long i = 0; i < nnames; i++) {
		struct kiso_inv_host *h;

		rc = kiso_inv_add_host(&h, p->inv, names[i], g, port, at(p, col0 + (int)offs[0]),
				       p->err);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < vars->u.map.len; k++)
			kiso_inv_host_set(p->inv, h, vars->u.map.items[k].key,
					  vars->u.map.items[k].val);
	}
	return 0;
}

static int vars_line(struct ini *p, const char *line, int col0, struct kiso_inv_group *g)
{
	const char *eq = strchr(line, '=');
	size_t kb = 0, ke, vb, ve;

	if (!eq)
		return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col0),
				      "expected key=value, got: %s", line);
	ke = (size_t)(eq - line);
	while (ke > kb && py_space((unsigned char)line[ke - 1]))
		ke--;
	vb = (size_t)(eq - line) + 1;
	while (line[vb] && py_space((unsigned char)line[vb]))
		vb++;
	ve = strlen(line);
	while (ve > vb && py_space((unsigned char)line[ve - 1]))
		ve--;
	return kiso_inv_group_set(p->inv, g, kiso_strn(p->a, line, ke, at(p, col0)),
				  ini_value(p, line + vb, ve - vb, col0 + (int)vb), p->err);
}

static int children_line(struct ini *p, const char *line, int col0, struct kiso_inv_group *g)
{
	size_t ne;
	char *child;
	struct kiso_inv_group *cg;

	if (!match_groupname(line, &ne))
		return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col0),
				      "expected group name, got: %s", line);
	child = kiso_arena_strndup(p->a, line, ne);
	cg = kiso_inventory_group(p->inv, child);
	if (!cg) {
		struct pending *d = pending_find(p, child);

		if (!d)
			d = pending_add(p, child, true, col0);
		pending_parent(p, d, g->name);
		return 0;
	}
	return kiso_inv_add_child(p->inv, g, cg, at(p, col0), p->err);
}

/* ------------------------------------------------------------------ */

/* Length of the line break at s (Python's str.splitlines() separators), 0 if none. */
static size_t line_break(const unsigned char *s, size_t left)
{
	if (s[0] == '\r')
		return left > 1 && s[1] == '\n' ? 2 : 1;
	if (s[0] == '\n' || s[0] == '\v' || s[0] == '\f' || (s[0] >= 0x1c && s[0] <= 0x1e))
		return 1;
	if (left > 1 && s[0] == 0xc2 && s[1] == 0x85)
		return 2;
	if (left > 2 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 3;
	return 0;
}

static int parse_line(struct ini *p, char *raw, size_t rawlen, struct kiso_inv_group **g,
		      char *state)
{
	size_t b = 0, e = rawlen, nb, ne, sb, se;
	char *line;
	int col0;

	while (b < e && py_space((unsigned char)raw[b]))
		b++;
	while (e > b && py_space((unsigned char)raw[e - 1]))
		e--;
	if (b == e || raw[b] == '#' || raw[b] == ';')
		return 0;
	if (!utf8_ok((const unsigned char *)raw, rawlen))
		return kiso_error_set(p->err, KISO_ESYNTAX, at(p, 1), "invalid UTF-8");
	if (memchr(raw + b, 0, e - b))
		return kiso_error_set(p->err, KISO_ESYNTAX, at(p, (int)b + 1),
				      "NUL byte in inventory line");
	line = kiso_arena_strndup(p->a, raw + b, e - b);
	col0 = (int)b + 1;

	if (match_section(line, &nb, &ne, &sb, &se)) {
		char *name = kiso_arena_strndup(p->a, line + nb, ne - nb);
		char *st = se ? kiso_arena_strndup(p->a, line + sb, se - sb) : "hosts";
		struct pending *d;

		if (strcmp(st, "hosts") == 0)
			*state = 'h';
		else if (strcmp(st, "children") == 0)
			*state = 'c';
		else if (strcmp(st, "vars") == 0)
			*state = 'v';
		else
			return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col0 + (int)sb),
					      "section [%s:%s] has unknown type: %s", name, st, st);
		if (!kiso_inventory_group(p->inv, name)) {
			if (*state == 'v' && !pending_find(p, name))
				pending_add(p, name, false, col0);
		}
		*g = kiso_inv_add_group(p->inv, name, at(p, col0));
		d = pending_find(p, name);
		if (d && *state != 'v') {
			if (d->children)
				return add_pending_children(p, name, 0);
			d->done = true;
		}
		return 0;
	}
	if (line[0] == '[' && line[e - b - 1] == ']')
		return kiso_error_set(p->err, KISO_ESYNTAX, at(p, col0),
				      "invalid section entry: '%s', make sure that there are no "
				      "spaces or other invalid characters in the section entry",
				      line);
	switch (*state) {
	case 'h':
		return host_line(p, line, col0, *g);
	case 'v':
		return vars_line(p, line, col0, *g);
	default:
		return children_line(p, line, col0, *g);
	}
}

int kiso_inv_parse_ini(struct kiso_inventory *inv, const char *text, size_t len,
		       const char *name, struct kiso_error *err)
{
	struct ini p = { inv, inv->arena, kiso_pos_file(name), err, 0, NULL, 0, 0 };
	struct kiso_inv_group *g = kiso_inventory_group(inv, "ungrouped");
	char state = 'h';
	size_t i = 0;
	char *copy = kiso_arena_alloc(inv->arena, len + 1);
	int rc;

	memcpy(copy, text, len);
	copy[len] = 0;
	while (i < len) {
		size_t j = i, br = 0;

		while (j < len && !(br = line_break((const unsigned char *)copy + j, len - j)))
			j++;
		p.lineno++;
		if ((rc = parse_line(&p, copy + i, j - i, &g, &state)) < 0)
			return rc;
		i = j + br;
	}
	for (size_t k = 0; k < p.npend; k++) {
		struct pending *d = &p.pend[k];
		struct kiso_pos pos = { p.file, d->line, d->col };

		if (d->done)
			continue;
		if (!d->children)
			return kiso_error_set(err, KISO_ESYNTAX, pos,
					      "section [%s:vars] not valid for undefined group: %s",
					      d->name, d->name);
		return kiso_error_set(err, KISO_ESYNTAX, pos,
				      "section [%s:children] includes undefined group: %s",
				      d->parents[d->nparents - 1], d->name);
	}
	return 0;
}
