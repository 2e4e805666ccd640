/*
 * args.c - task arguments against a module's parameter schema.
 *
 * Follows ansible/module_utils/common/arg_spec.py (ArgumentSpecValidator)
 * and validation.py (check_type_*) of ansible-core 2.14; see args.h for
 * the rules. Validation and normalisation are one pass (normalize), so
 * what lint accepts is exactly what the runner can convert.
 */
#include "kiso_common.h"
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>

#include "buf.h"
#include "template.h"
#include "yaml.h"

const char *kiso_ptype_name(enum kiso_ptype t)
{
	switch (t) {
	case KISO_T_STR: return "str";
	case KISO_T_BOOL: return "bool";
	case KISO_T_INT: return "int";
	case KISO_T_FLOAT: return "float";
	case KISO_T_LIST: return "list";
	case KISO_T_DICT: return "dict";
	case KISO_T_PATH: return "path";
	case KISO_T_RAW: return "raw";
	}
	return "raw";
}

/* ---- Python's number parsing ---------------------------------------- */

/* The whitespace int() and float() skip: C's isspace() in the C locale. */
static bool py_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* str.isspace() on ASCII, what str.strip() removes: also \x1c-\x1f. */
static bool py_str_space(char c)
{
	return py_space(c) || (c >= '\x1c' && c <= '\x1f');
}

static void strip_with(const char **s, size_t *n, bool (*space)(char))
{
	while (*n && space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && space((*s)[*n - 1]))
		(*n)--;
}

static void py_strip(const char **s, size_t *n)
{
	strip_with(s, n, py_space);
}

/*
 * Digits with single underscores between them (Python's literal rule),
 * appended to b without the underscores. Returns how many characters were
 * read, 0 when there is no digit at s.
 */
static size_t py_digits(struct kiso_buf *b, const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !isdigit((unsigned char)s[0]))
		return 0;
	while (i < n) {
		if (isdigit((unsigned char)s[i])) {
			kiso_buf_putc(b, s[i]);
			i++;
		} else if (s[i] == '_' && i + 1 < n && isdigit((unsigned char)s[i + 1])) {
			i++;
		} else {
			break;
		}
	}
	return i;
}

/* Python's int(s) for base 10, within int64. */
static bool py_int(const char *s, size_t n, int64_t *out)
{
	struct kiso_buf b = KISO_BUF_INIT;
	bool ok = false;
	size_t k;

	py_strip(&s, &n);
	if (n && (*s == '+' || *s == '-')) {
		kiso_buf_putc(&b, *s);
		s++;
		n--;
	}
	k = py_digits(&b, s, n);
	if (k && k == n) {
		char *end;

		errno = 0;
		long long v = strtoll(kiso_buf_cstr(&b), &end, 10);
		if (errno == 0 && *end == '\0') {
			*out = v;
			ok = true;
		}
	}
	kiso_buf_release(&b);
	return ok;
}

/* Python's float(s): decimal literals, inf, infinity, nan (any case, signed). */
static bool py_float(const char *s, size_t n, double *out)
{
	struct kiso_buf b = KISO_BUF_INIT;
	bool ok = false, sign = false, neg = false;
	size_t i = 0, k, mant = 0;

	py_strip(&s, &n);
	if (n && (*s == '+' || *s == '-')) {
		sign = true;
		neg = *s == '-';
		s++;
		n--;
	}
	(void)sign;
	if ((n == 3 && strncasecmp(s, "inf", 3) == 0) ||
	    (n == 8 && strncasecmp(s, "infinity", 8) == 0)) {
		*out = neg ? -INFINITY : INFINITY;
		return true;
	}
	if (n == 3 && strncasecmp(s, "nan", 3) == 0) {
		*out = NAN;
		return true;
	}
	if (neg)
		kiso_buf_putc(&b, '-');
	k = py_digits(&b, s, n);
	mant += k;
	i += k;
	if (i < n && s[i] == '.') {
		kiso_buf_putc(&b, '.');
		i++;
		k = py_digits(&b, s + i, n - i);
		mant += k;
		i += k;
	}
	if (mant && i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t save = i;

		kiso_buf_putc(&b, 'e');
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			kiso_buf_putc(&b, s[i++]);
		k = py_digits(&b, s + i, n - i);
		if (k == 0)
			i = save; /* "1e" is not a number: fails below */
		else
			i += k;
	}
	if (mant && i == n) {
		char *end;

		*out = strtod(kiso_buf_cstr(&b), &end);
		ok = *end == '\0';
	}
	kiso_buf_release(&b);
	return ok;
}

/*
 * Ansible's boolean(): a string lowercased and stripped, then one of
 * BOOLEANS_TRUE / BOOLEANS_FALSE.
 */
static bool py_bool_str(const char *s, bool *out)
{
	static const char *const yes[] = { "y", "yes", "on", "1", "true", "t" };
	static const char *const no[] = { "n", "no", "off", "0", "false", "f" };
	size_t n = strlen(s);

	strip_with(&s, &n, py_str_space);
	for (size_t i = 0; i < KISO_ARRAY_SIZE(yes); i++) {
		if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0) {
			*out = true;
			return true;
		}
		if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* ---- type conversion -------------------------------------------------- */

static bool is_template(const struct kiso_value *v)
{
	if (v->flags & KISO_VF_UNSAFE)
		return false;
	if (v->flags & KISO_VF_VAULT)
		return true; /* decrypted later: as unknown as a template */
	return v->type == KISO_STR && kiso_tmpl_has_template(v->u.s.ptr, v->u.s.len);
}

/* Whether v or anything inside it is a template (so it cannot be converted yet). */
static bool has_template_deep(const struct kiso_value *v)
{
	if (is_template(v))
		return true;
	if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			if (has_template_deep(v->u.list.items[i]))
				return true;
	} else if (v->type == KISO_MAP) {
		for (size_t i = 0; i < v->u.map.len; i++)
			if (has_template_deep(v->u.map.items[i].key) ||
			    has_template_deep(v->u.map.items[i].val))
				return true;
	}
	return false;
}

static struct kiso_value *py_str(struct kiso_arena *a, const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value *s;

	kiso_value_str(&b, v);
	s = kiso_strn(a, kiso_buf_cstr(&b), b.len, v->pos);
	kiso_buf_release(&b);
	return s;
}

/* check_type_dict's "k=v k2='v 2',k3=v3" parser. */
static int kv_dict(struct kiso_value **out, struct kiso_arena *a, const struct kiso_value *v,
		   char *why, size_t whysize)
{
	struct kiso_value *m = kiso_map_new(a, v->pos);
	struct kiso_buf field = KISO_BUF_INIT;
	const char *s = v->u.s.ptr;
	size_t n = v->u.s.len;
	char quote = 0;
	bool esc = false;
	int rc = 0;

	strip_with(&s, &n, py_str_space); /* value.strip() */
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : ' ';
		bool end = i == n;

		if (!end && esc) {
			kiso_buf_putc(&field, c);
			esc = false;
		} else if (!end && c == '\\') {
			esc = true;
		} else if (!end && !quote && (c == '\'' || c == '"')) {
			quote = c;
		} else if (!end && quote && c == quote) {
			quote = 0;
		} else if (end || (!quote && (c == ',' || c == ' '))) {
			if (field.len) {
				const char *f = kiso_buf_cstr(&field);
				const char *eq = strchr(f, '=');

				if (!eq) {
					snprintf(why, whysize,
						 "dictionary update sequence element has length 1; 2 is required");
					rc = -1;
					break;
				}
				struct kiso_value *key = kiso_strn(a, f, (size_t)(eq - f), v->pos);
				kiso_map_setv(a, m, key,
					      kiso_strn(a, eq + 1, field.len - (size_t)(eq - f) - 1,
							v->pos));
			}
			kiso_buf_clear(&field);
		} else {
			kiso_buf_putc(&field, c);
		}
	}
	kiso_buf_release(&field);
	if (rc == 0)
		*out = m;
	return rc;
}

static int to_dict(struct kiso_value **out, struct kiso_arena *a, const struct kiso_value *v,
		   char *why, size_t whysize)
{
	if (v->type == KISO_MAP) {
		*out = (struct kiso_value *)v;
		return 0;
	}
	if (v->type == KISO_STR) {
		if (v->u.s.ptr[0] == '{') {
			struct kiso_error err = KISO_ERROR_INIT;
			struct kiso_value *m = NULL;

			/* JSON, or Python's literal: YAML's flow mapping reads both */
			if (kiso_yaml_load(&m, a, v->u.s.ptr, v->u.s.len,
					   v->pos.file ? v->pos.file : "<argument>", &err) == 0 &&
			    m->type == KISO_MAP) {
				*out = m;
				return 0;
			}
			snprintf(why, whysize, "unable to evaluate string as dictionary");
			return -1;
		}
		if (memchr(v->u.s.ptr, '=', v->u.s.len))
			return kv_dict(out, a, v, why, whysize);
		snprintf(why, whysize, "dictionary requested, could not parse JSON or key=value");
		return -1;
	}
	snprintf(why, whysize, "%s cannot be converted to a dict", kiso_value_type_name(v));
	return -1;
}

int kiso_args_convert(struct kiso_value **out, struct kiso_arena *a,
		      const struct kiso_value *v, enum kiso_ptype t, enum kiso_ptype elements,
		      char *why, size_t whysize)
{
	struct kiso_value *self = (struct kiso_value *)v;
	int64_t i;
	double f;
	bool b;

	switch (t) {
	case KISO_T_RAW:
		*out = self;
		return 0;
	case KISO_T_STR:
	case KISO_T_PATH:
		*out = v->type == KISO_STR ? self : py_str(a, v);
		return 0;
	case KISO_T_BOOL:
		if (v->type == KISO_BOOL) {
			*out = self;
			return 0;
		}
		if (v->type == KISO_STR && strlen(v->u.s.ptr) == v->u.s.len &&
		    py_bool_str(v->u.s.ptr, &b)) {
			*out = kiso_bool(a, b, v->pos);
			return 0;
		}
		if ((v->type == KISO_INT && (v->u.i == 0 || v->u.i == 1)) ||
		    (v->type == KISO_FLOAT && (v->u.f == 0.0 || v->u.f == 1.0))) {
			*out = kiso_bool(a, v->type == KISO_INT ? v->u.i != 0 : v->u.f != 0.0,
					 v->pos);
			return 0;
		}
		if (v->type == KISO_STR || v->type == KISO_INT || v->type == KISO_FLOAT) {
			struct kiso_buf s = KISO_BUF_INIT;

			kiso_value_str(&s, v);
			snprintf(why, whysize, "the value '%s' is not a valid boolean",
				 kiso_buf_cstr(&s));
			kiso_buf_release(&s);
		} else {
			snprintf(why, whysize, "%s cannot be converted to a bool",
				 kiso_value_type_name(v));
		}
		return -1;
	case KISO_T_INT:
		if (v->type == KISO_INT || v->type == KISO_BOOL) {
			/* Python's True is an int: check_type_int() keeps it as it is */
			*out = self;
			return 0;
		}
		if (v->type == KISO_STR && strlen(v->u.s.ptr) == v->u.s.len &&
		    py_int(v->u.s.ptr, v->u.s.len, &i)) {
			*out = kiso_int(a, i, v->pos);
			return 0;
		}
		snprintf(why, whysize, "%s cannot be converted to an int", kiso_value_type_name(v));
		return -1;
	case KISO_T_FLOAT:
		if (v->type == KISO_FLOAT) {
			*out = self;
			return 0;
		}
		if (v->type == KISO_INT || v->type == KISO_BOOL) {
			*out = kiso_float(a, v->type == KISO_INT ? (double)v->u.i : v->u.b, v->pos);
			return 0;
		}
		if (v->type == KISO_STR && strlen(v->u.s.ptr) == v->u.s.len &&
		    py_float(v->u.s.ptr, v->u.s.len, &f)) {
			*out = kiso_float(a, f, v->pos);
			return 0;
		}
		snprintf(why, whysize, "%s cannot be converted to a float", kiso_value_type_name(v));
		return -1;
	case KISO_T_DICT:
		return to_dict(out, a, v, why, whysize);
	case KISO_T_LIST: {
		struct kiso_value *l;

		if (v->type == KISO_LIST) {
			l = self;
		} else if (v->type == KISO_STR) {
			const char *s = v->u.s.ptr, *e = s + v->u.s.len;

			l = kiso_list_new(a, v->pos);
			for (;;) {
				const char *c = memchr(s, ',', (size_t)(e - s));

				kiso_list_push(a, l, kiso_strn(a, s, (size_t)((c ? c : e) - s),
							       v->pos));
				if (!c)
					break;
				s = c + 1;
			}
		} else if (v->type == KISO_INT || v->type == KISO_FLOAT || v->type == KISO_BOOL) {
			l = kiso_list_new(a, v->pos);
			kiso_list_push(a, l, py_str(a, v));
		} else {
			snprintf(why, whysize, "%s cannot be converted to a list",
				 kiso_value_type_name(v));
			return -1;
		}
		if (elements != KISO_T_RAW) {
			struct kiso_value *conv = NULL;
			bool changed = false;

			for (size_t k = 0; k < l->u.list.len; k++) {
				struct kiso_value *e = l->u.list.items[k], *c = e;

				if (e->type != KISO_NULL && !has_template_deep(e) &&
				    kiso_args_convert(&c, a, e, elements, KISO_T_RAW, why, whysize) < 0) {
					char inner[256];

					snprintf(inner, sizeof(inner), "%s", why);
					snprintf(why, whysize,
						 "elements value is of type %s and we were unable to "
						 "convert to %s: %s", kiso_value_type_name(e),
						 kiso_ptype_name(elements), inner);
					return -1;
				}
				if (c != e && !changed) {
					/* copy on first change: the input may be shared */
					conv = kiso_list_new(a, l->pos);
					conv->flags = l->flags;
					for (size_t j = 0; j < k; j++)
						kiso_list_push(a, conv, l->u.list.items[j]);
					changed = true;
				}
				if (changed)
					kiso_list_push(a, conv, c);
			}
			if (changed)
				l = conv;
		}
		*out = l;
		return 0;
	}
	}
	KISO_BUG("unknown parameter type %d", (int)t);
}

/* ---- defaults and choices -------------------------------------------- */

/*
 * The schema default as a value: "[a, b]" and "{...}" for lists and
 * dicts, otherwise a scalar converted to the parameter's type.
 */
static struct kiso_value *default_value(struct kiso_arena *a, const struct kiso_param *p,
					struct kiso_pos pos)
{
	struct kiso_value *raw, *v = NULL;
	char why[256];
	const char *d = p->def;

	if (p->type == KISO_T_LIST && d[0] == '[') {
		size_t n = strlen(d);
		const char *s = d + 1, *e = d + (n > 1 && d[n - 1] == ']' ? n - 1 : n);

		raw = kiso_list_new(a, pos);
		while (s < e) {
			const char *c = memchr(s, ',', (size_t)(e - s));
			const char *fe = c ? c : e;
			size_t fn = (size_t)(fe - s);

			while (fn && py_space(*s)) {
				s++;
				fn--;
			}
			while (fn && py_space(s[fn - 1]))
				fn--;
			if (fn || c)
				kiso_list_push(a, raw, kiso_strn(a, s, fn, pos));
			s = c ? c + 1 : e;
		}
	} else {
		raw = kiso_str(a, d, pos);
	}
	if (p->type == KISO_T_RAW) {
		v = raw; /* the raw defaults of ansible-core are all strings */
	} else if (kiso_args_convert(&v, a, raw, p->type, p->elements, why, sizeof(why)) < 0) {
		KISO_BUG("bad default '%s' for parameter '%s': %s", d, p->name, why);
	}
	if (v == raw || v->type == KISO_LIST || v->type == KISO_MAP)
		v = kiso_value_copy(a, v);
	v->flags |= KISO_VF_DEFAULT;
	v->pos = pos;
	return v;
}

/* Whether v equals the choice text c, compared in v's type. */
static bool choice_eq(const struct kiso_value *v, const char *c, size_t n)
{
	char buf[256];
	int64_t i;
	double f;
	bool b;

	if (n >= sizeof(buf))
		return v->type == KISO_STR && v->u.s.len == n && memcmp(v->u.s.ptr, c, n) == 0;
	memcpy(buf, c, n);
	buf[n] = '\0';
	switch (v->type) {
	case KISO_STR:
		return v->u.s.len == n && memcmp(v->u.s.ptr, c, n) == 0;
	case KISO_BOOL:
		return py_bool_str(buf, &b) && b == v->u.b && !py_int(buf, n, &i);
	case KISO_INT:
		return py_int(buf, n, &i) && i == v->u.i;
	case KISO_FLOAT:
		return py_float(buf, n, &f) && f == v->u.f;
	default:
		return false;
	}
}

static bool in_choices(const struct kiso_value *v, const char *choices)
{
	const char *s = choices;

	for (;;) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);

		if (choice_eq(v, s, n))
			return true;
		if (!c)
			return false;
		s = c + 1;
	}
}

/* "a,b,c" as "a, b, c" into b. */
static void put_list(struct kiso_buf *b, const char *csv)
{
	for (const char *s = csv; *s; s++) {
		kiso_buf_putc(b, *s);
		if (*s == ',')
			kiso_buf_putc(b, ' ');
	}
}

/*
 * Ansible turns a YAML boolean given for a string parameter back into the
 * one boolean word among the choices ('upgrade: yes' with choices
 * dist,full,no,safe,yes). Returns that choice or NULL.
 */
static struct kiso_value *bool_choice(struct kiso_arena *a, const struct kiso_value *v,
				      const char *choices)
{
	const char *s = choices, *hit = NULL;
	size_t hitn = 0;
	int hits = 0;
	bool want;

	if (v->type != KISO_STR || (strcmp(v->u.s.ptr, "True") != 0 &&
				    strcmp(v->u.s.ptr, "False") != 0))
		return NULL;
	want = v->u.s.ptr[0] == 'T';
	for (;;) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		char buf[16];
		bool b;

		if (n < sizeof(buf)) {
			memcpy(buf, s, n);
			buf[n] = '\0';
			if (py_bool_str(buf, &b) && b == want) {
				hit = s;
				hitn = n;
				hits++;
			}
		}
		if (!c)
			break;
		s = c + 1;
	}
	return hits == 1 ? kiso_strn(a, hit, hitn, v->pos) : NULL;
}

static int check_choices(struct kiso_value **val, struct kiso_arena *a,
			 const struct kiso_param *p, struct kiso_pos pos, struct kiso_diags *d)
{
	struct kiso_value *v = *val;
	struct kiso_buf b = KISO_BUF_INIT;
	int rc = 0;

	if (v->type == KISO_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++) {
			struct kiso_value *e = v->u.list.items[i];

			if (has_template_deep(e) || in_choices(e, p->choices))
				continue;
			if (b.len)
				kiso_buf_puts(&b, ", ");
			kiso_value_str(&b, e);
		}
		if (b.len) {
			struct kiso_buf c = KISO_BUF_INIT;

			put_list(&c, p->choices);
			kiso_diags_add(d, pos, "value of %s must be one or more of: %s. got no match for: %s",
				       p->name, kiso_buf_cstr(&c), kiso_buf_cstr(&b));
			kiso_buf_release(&c);
			rc = -1;
		}
	} else if (!in_choices(v, p->choices)) {
		struct kiso_value *fixed = bool_choice(a, v, p->choices);

		if (fixed) {
			*val = fixed;
		} else {
			put_list(&b, p->choices);
			kiso_buf_puts(&b, ", got: ");
			kiso_value_str(&b, v);
			kiso_diags_add(d, pos, "value of %s must be one of: %s", p->name,
				       kiso_buf_cstr(&b));
			rc = -1;
		}
	}
	kiso_buf_release(&b);
	return rc;
}

/* ---- validation and normalisation ------------------------------------ */

static struct kiso_pos pick_pos(struct kiso_pos p, struct kiso_pos fallback)
{
	return p.file || p.line ? p : fallback;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "a, b, c (alias1, alias2)": Ansible's "Supported parameters include". */
static void supported_list(struct kiso_buf *b, const struct kiso_module *m)
{
	const char **names = NULL, **aliases = NULL;
	size_t nn = 0, na = 0, cap_a = 0;
	const struct kiso_param *p;

	for (p = m->params; p && p->name; p++)
		nn++;
	names = kiso_xcalloc(nn ? nn : 1, sizeof(*names));
	nn = 0;
	for (p = m->params; p && p->name; p++) {
		names[nn++] = p->name;
		for (const char *s = p->aliases; s && *s;) {
			const char *c = strchr(s, ',');
			size_t n = c ? (size_t)(c - s) : strlen(s);

			if (na == cap_a) {
				cap_a = cap_a ? 2 * cap_a : 8;
				aliases = kiso_xrealloc(aliases, cap_a * sizeof(*aliases));
			}
			aliases[na++] = kiso_xstrndup(s, n);
			s = c ? c + 1 : s + n;
		}
	}
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	if (na)
		qsort(aliases, na, sizeof(*aliases), cmp_str);
	for (size_t i = 0; i < nn; i++)
		kiso_buf_printf(b, "%s%s", i ? ", " : "", names[i]);
	if (nn == 0)
		kiso_buf_puts(b, "none");
	if (na) {
		kiso_buf_puts(b, " (");
		for (size_t i = 0; i < na; i++) {
			kiso_buf_printf(b, "%s%s", i ? ", " : "", aliases[i]);
			free((void *)aliases[i]);
		}
		kiso_buf_putc(b, ')');
	}
	free(aliases);
	free(names);
}

/* Keys Ansible adds to every module call; never the user's to check. */
static bool ansible_internal(const char *key)
{
	return strncmp(key, "_ansible_", 9) == 0;
}

int kiso_args_normalize(struct kiso_value **out, struct kiso_arena *a,
			const struct kiso_module *m, const struct kiso_value *args,
			struct kiso_pos pos, struct kiso_diags *d)
{
	const struct kiso_param *p;
	const struct kiso_mapent **given = NULL; /* per param: the entry that set it */
	struct kiso_value *res;
	size_t nparams = 0, errs0 = d->len;
	struct kiso_buf missing = KISO_BUF_INIT;

	*out = NULL;
	if (args && args->type == KISO_NULL)
		args = NULL;
	if (args && args->type != KISO_MAP) {
		kiso_diags_add(d, pick_pos(args->pos, pos),
			       "arguments of module '%s' must be a mapping, got %s", m->name,
			       kiso_value_type_name(args));
		return -1;
	}
	for (p = m->params; p && p->name; p++)
		nparams++;
	given = kiso_xcalloc(nparams ? nparams : 1, sizeof(*given));
	res = kiso_map_new(a, args ? args->pos : pos);

	for (size_t i = 0; args && i < args->u.map.len; i++) {
		const struct kiso_mapent *e = &args->u.map.items[i];
		struct kiso_pos kpos = pick_pos(e->key->pos, pos);
		struct kiso_pos vpos = pick_pos(e->val->pos, kpos);
		struct kiso_value *v = e->val;
		const char *key;
		char why[512];

		if (e->key->type != KISO_STR) {
			struct kiso_buf kb = KISO_BUF_INIT;

			kiso_value_repr(&kb, e->key);
			kiso_diags_add(d, kpos, "parameter names of module '%s' must be strings, got %s",
				       m->name, kiso_buf_cstr(&kb));
			kiso_buf_release(&kb);
			continue;
		}
		key = e->key->u.s.ptr;
		if (ansible_internal(key))
			continue;
		p = kiso_module_param(m, key);
		if (!p) {
			if (m->flags & KISO_MOD_ANY_ARGS) {
				kiso_map_setv(a, res, e->key, v);
				continue;
			}
			struct kiso_buf sb = KISO_BUF_INIT;

			supported_list(&sb, m);
			kiso_diags_add(d, kpos, "unsupported parameter '%s' for module '%s' (supported: %s)",
				       key, m->name, kiso_buf_cstr(&sb));
			kiso_buf_release(&sb);
			continue;
		}
		size_t idx = (size_t)(p - m->params);

		if (given[idx]) {
			kiso_diags_add(d, kpos,
				       "parameter '%s' of module '%s' is given twice, as '%s' and as '%s'",
				       p->name, m->name, given[idx]->key->u.s.ptr, key);
			continue;
		}
		given[idx] = e;
		if (p->flags & KISO_REMOVED) {
			kiso_diags_add(d, kpos, "parameter '%s' of module '%s' has been removed",
				       key, m->name);
			continue;
		}
		if (v->type != KISO_NULL && !has_template_deep(v)) {
			struct kiso_value *c = NULL;

			if (kiso_args_convert(&c, a, v, p->type, p->elements, why, sizeof(why)) < 0) {
				if (p->type == KISO_T_LIST && strncmp(why, "elements ", 9) == 0)
					kiso_diags_add(d, vpos, "%s for option '%s'", why, p->name);
				else
					kiso_diags_add(d, vpos,
						       "argument '%s' is of type %s and we were unable to "
						       "convert to %s: %s", key, kiso_value_type_name(v),
						       kiso_ptype_name(p->type), why);
				c = v;
			} else if (p->choices) {
				check_choices(&c, a, p, vpos, d);
			}
			v = c;
		} else if (v->type == KISO_NULL && p->choices) {
			/* Ansible skips the type of a null, but not its choices */
			check_choices(&v, a, p, vpos, d);
		}
		kiso_map_set(a, res, p->name, v);
	}

	for (p = m->params; p && p->name; p++) {
		size_t idx = (size_t)(p - m->params);

		if (given[idx])
			continue;
		if (p->flags & KISO_REQUIRED) {
			kiso_buf_printf(&missing, "%s%s", missing.len ? ", " : "", p->name);
			continue;
		}
		if (p->def)
			kiso_map_set(a, res, p->name, default_value(a, p, pos));
	}
	if (missing.len)
		kiso_diags_add(d, pos, "missing required arguments: %s", kiso_buf_cstr(&missing));
	kiso_buf_release(&missing);
	free(given);

	if (m->validate)
		m->validate(res, pos, d);
	if (d->len != errs0)
		return -1;
	*out = res;
	return 0;
}

int kiso_args_validate(const struct kiso_module *m, const struct kiso_value *args,
		       struct kiso_pos pos, struct kiso_diags *d)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_value *out;
	int rc = kiso_args_normalize(&out, a, m, args, pos, d);

	kiso_arena_free(a);
	return rc;
}

/* ---- cross-parameter rules -------------------------------------------- */

/*
 * How a parameter is there, for the rules. Ansible counts a key that is
 * present, even with a null value ('src:'), except in required_by, which
 * wants non-null values. A template may still render to 'omit', so it
 * never breaks a rule by being there, and always satisfies one.
 */
enum presence {
	ABSENT,   /* not given (or only a default, where defaults do not count) */
	TEMPLATE, /* a template: unknown until rendered */
	NULLV,    /* given as null */
	SET,      /* given a value */
};

static enum presence presence(const struct kiso_value *args, const char *name, bool defaults)
{
	const struct kiso_value *v = args && args->type == KISO_MAP ? kiso_map_get(args, name) : NULL;

	if (!v)
		return ABSENT;
	if ((v->flags & KISO_VF_DEFAULT) && !defaults)
		return ABSENT;
	if (has_template_deep(v))
		return TEMPLATE;
	if (v->type == KISO_NULL)
		return NULLV;
	return SET;
}

static struct kiso_pos value_pos(const struct kiso_value *args, const char *name,
				 struct kiso_pos fallback)
{
	const struct kiso_value *v = kiso_map_get(args, name);

	return v ? pick_pos(v->pos, fallback) : fallback;
}

int kiso_args_mutually_exclusive(const struct kiso_value *args, struct kiso_pos pos,
				 struct kiso_diags *d, ...)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_pos where = pos;
	const char *name;
	int set = 0;
	va_list ap;

	va_start(ap, d);
	while ((name = va_arg(ap, const char *)) != NULL) {
		kiso_buf_printf(&b, "%s%s", b.len ? "|" : "", name);
		enum presence pr = presence(args, name, false);

		if (pr == SET || pr == NULLV) {
			struct kiso_pos p = value_pos(args, name, pos);

			/* point at the one given last */
			if (set++ == 0 || p.line > where.line ||
			    (p.line == where.line && p.col > where.col))
				where = p;
		}
	}
	va_end(ap);
	if (set > 1)
		kiso_diags_add(d, where, "parameters are mutually exclusive: %s", kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return set > 1 ? -1 : 0;
}

int kiso_args_required_one_of(const struct kiso_value *args, struct kiso_pos pos,
			      struct kiso_diags *d, ...)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const char *name;
	bool found = false;
	va_list ap;

	va_start(ap, d);
	while ((name = va_arg(ap, const char *)) != NULL) {
		kiso_buf_printf(&b, "%s%s", b.len ? ", " : "", name);
		if (presence(args, name, true) != ABSENT)
			found = true;
	}
	va_end(ap);
	if (!found)
		kiso_diags_add(d, pos, "one of the following is required: %s", kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return found ? 0 : -1;
}

int kiso_args_required_together(const struct kiso_value *args, struct kiso_pos pos,
				struct kiso_diags *d, ...)
{
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_pos where = pos;
	const char *name;
	bool any_set = false, any_absent = false;
	va_list ap;

	va_start(ap, d);
	while ((name = va_arg(ap, const char *)) != NULL) {
		enum presence pr = presence(args, name, true);

		kiso_buf_printf(&b, "%s%s", b.len ? ", " : "", name);
		if ((pr == SET || pr == NULLV) && !any_set) {
			any_set = true;
			where = value_pos(args, name, pos);
		}
		if (pr == ABSENT)
			any_absent = true;
	}
	va_end(ap);
	if (any_set && any_absent)
		kiso_diags_add(d, where, "parameters are required together: %s", kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return any_set && any_absent ? -1 : 0;
}

int kiso_args_required_if(const struct kiso_value *args, struct kiso_pos pos,
			  struct kiso_diags *d, const char *key, const char *value, int any_of,
			  ...)
{
	struct kiso_buf miss = KISO_BUF_INIT;
	const struct kiso_value *kv;
	const char *name;
	size_t total = 0, absent = 0;
	va_list ap;
	int rc = 0;

	if (presence(args, key, true) != SET)
		return 0;
	kv = kiso_map_get(args, key);
	if (!choice_eq(kv, value, strlen(value)))
		return 0;
	va_start(ap, any_of);
	while ((name = va_arg(ap, const char *)) != NULL) {
		total++;
		if (presence(args, name, true) == ABSENT) {
			absent++;
			kiso_buf_printf(&miss, "%s%s", miss.len ? ", " : "", name);
		}
	}
	va_end(ap);
	if ((any_of && absent == total) || (!any_of && absent > 0)) {
		struct kiso_buf v = KISO_BUF_INIT;

		kiso_value_str(&v, kv);
		kiso_diags_add(d, value_pos(args, key, pos),
			       "%s is %s but %s of the following are missing: %s", key,
			       kiso_buf_cstr(&v), any_of ? "any" : "all", kiso_buf_cstr(&miss));
		kiso_buf_release(&v);
		rc = -1;
	}
	kiso_buf_release(&miss);
	return rc;
}

int kiso_args_required_by(const struct kiso_value *args, struct kiso_pos pos,
			  struct kiso_diags *d, const char *key, ...)
{
	struct kiso_buf miss = KISO_BUF_INIT;
	const char *name;
	va_list ap;
	int rc = 0;

	if (presence(args, key, true) != SET)
		return 0;
	va_start(ap, key);
	while ((name = va_arg(ap, const char *)) != NULL)
		if (presence(args, name, true) == ABSENT || presence(args, name, true) == NULLV)
			kiso_buf_printf(&miss, "%s%s", miss.len ? ", " : "", name);
	va_end(ap);
	if (miss.len) {
		kiso_diags_add(d, value_pos(args, key, pos),
			       "missing parameter(s) required by '%s': %s", key,
			       kiso_buf_cstr(&miss));
		rc = -1;
	}
	kiso_buf_release(&miss);
	return rc;
}

int kiso_args_requires_value(const struct kiso_value *args, struct kiso_pos pos,
			     struct kiso_diags *d, const char *name, const char *key, ...)
{
	struct kiso_buf want = KISO_BUF_INIT;
	const struct kiso_value *kv;
	const char *val;
	bool ok = false;
	size_t n = 0;
	va_list ap;

	if (presence(args, name, true) != SET || !kiso_value_truthy(kiso_map_get(args, name)) ||
	    presence(args, key, true) != SET)
		return 0;
	kv = kiso_map_get(args, key);
	va_start(ap, key);
	while ((val = va_arg(ap, const char *)) != NULL) {
		if (choice_eq(kv, val, strlen(val)))
			ok = true;
		kiso_buf_printf(&want, "%s'%s'", n++ ? " or " : "", val);
	}
	va_end(ap);
	if (!ok)
		kiso_diags_add(d, value_pos(args, name, pos), "%s option requires %s to be %s", name,
			       key, kiso_buf_cstr(&want));
	kiso_buf_release(&want);
	return ok ? 0 : -1;
}
