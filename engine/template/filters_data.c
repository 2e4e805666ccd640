/*
 * template/filters_data.c - filters on scalars and on whole data: default,
 * mandatory, the type conversions (bool, int, float, string), numbers
 * (abs, round), ternary, JSON and YAML, base64, hashes, type_debug and the
 * human-readable sizes. Behaviour is Jinja2 3.1's and Ansible 2.14's.
 */
#include "kiso_common.h"

#include <math.h>
#include <openssl/evp.h>

#include "template/filters.h"
#include "json.h"
#include "yaml.h"

#define BIND(fn, ...)                                                                    \
	static const char *const bind_names[] = { __VA_ARGS__ };                         \
	struct kiso_value *a[KISO_ARRAY_SIZE(bind_names)];                               \
	int rc_ = kiso_fbind(c, fn, bind_names, KISO_ARRAY_SIZE(bind_names), a);          \
	if (rc_ < 0)                                                                     \
		return rc_

#define BIND0(fn)                                                                        \
	int rc_ = kiso_fbind(c, fn, NULL, 0, NULL);                                      \
	if (rc_ < 0)                                                                     \
		return rc_

/* ---- default, mandatory, ternary ---- */

static int f_default(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND("default", "default_value", "boolean");

	if (!c->input || (kiso_fbool(a[1], false) && !kiso_value_truthy(c->input))) {
		*out = a[0] ? a[0] : kiso_str(c->arena, "", c->pos);
		return 0;
	}
	*out = c->input;
	return 0;
}

/* The last quoted name of an undefined-error text ("'x' is undefined"). */
static const char *undef_var(struct kiso_tmpl_call *c)
{
	const char *s = c->undef_name, *end, *start;

	if (!s)
		return NULL;
	end = strrchr(s, '\'');
	if (!end || end == s)
		return NULL;
	for (start = end - 1; start > s && *start != '\''; start--)
		;
	if (*start != '\'')
		return NULL;
	return kiso_arena_strndup(c->arena, start + 1, (size_t)(end - start - 1));
}

static int f_mandatory(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND("mandatory", "msg");

	if (!c->input) {
		const char *name = undef_var(c);

		if (a[0] && a[0]->type != KISO_NULL)
			return kiso_error_set(c->err, KISO_EUNDEFINED, c->pos, "%s",
					      kiso_fstr(c, a[0], NULL));
		if (name)
			return kiso_error_set(c->err, KISO_EUNDEFINED, c->pos,
					      "Mandatory variable '%s'  not defined.", name);
		return kiso_error_set(c->err, KISO_EUNDEFINED, c->pos,
				      "Mandatory variable  not defined.");
	}
	*out = c->input;
	return 0;
}

static int f_ternary(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND("ternary", "true_val", "false_val", "none_val");

	if (!a[0] || !a[1])
		return kiso_ftypeerr(c, "ternary() missing required positional argument: '%s'",
				     a[0] ? "false_val" : "true_val");
	if (c->input->type == KISO_NULL && a[2] && a[2]->type != KISO_NULL)
		*out = a[2];
	else
		*out = kiso_value_truthy(c->input) ? a[0] : a[1];
	return 0;
}

/* ---- conversions ---- */

static int f_bool(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND0("bool");

	if (c->input->type == KISO_NULL || c->input->type == KISO_BOOL)
		*out = c->input;
	else
		*out = kiso_bool(c->arena, kiso_ansible_to_bool(c->input), c->pos);
	return 0;
}

static bool digit_in_base(char ch, int base, int *val)
{
	int v;

	if (ch >= '0' && ch <= '9')
		v = ch - '0';
	else if (ch >= 'a' && ch <= 'z')
		v = ch - 'a' + 10;
	else if (ch >= 'A' && ch <= 'Z')
		v = ch - 'A' + 10;
	else
		return false;
	*val = v;
	return v < base;
}

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
		s++;
	return s;
}

static const char *rskip_space(const char *s, const char *end)
{
	while (end > s && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
		end--;
	return end;
}

/*
 * Python's int(text, base): whitespace around, a sign, the 0x/0o/0b prefix
 * matching the base (base 0 picks it), single underscores between digits.
 * 1: parsed; 0: not a valid literal; -1: out of the int64 range.
 */
static int py_int(int64_t *out, const char *s, size_t n, int base)
{
	const char *end = rskip_space(s, s + n);
	bool neg = false, any = false, prev_us = false;
	uint64_t v = 0;
	int dv;

	s = skip_space(s, end);
	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	if (end - s >= 2 && s[0] == '0' && strchr("xXoObB", s[1])) {
		int pb = (s[1] | 0x20) == 'x' ? 16 : (s[1] | 0x20) == 'o' ? 8 : 2;

		if (base == 0 || base == pb) {
			base = pb;
			s += 2;
			prev_us = true;         /* '0x_1' is valid: '_' may follow */
			any = false;
			if (s < end && *s == '_')
				s++;
			prev_us = false;
			if (s >= end)
				return 0;
		}
	}
	if (base == 0) {
		/* decimal; leading zeros only when the number is zero */
		base = 10;
		if (s < end && *s == '0') {
			for (const char *p = s; p < end; p++)
				if (*p != '0' && *p != '_')
					return 0;
		}
	}
	for (; s < end; s++) {
		if (*s == '_') {
			if (!any || prev_us)
				return 0;
			prev_us = true;
			continue;
		}
		if (!digit_in_base(*s, base, &dv))
			return 0;
		if (v > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)dv;
		any = true;
		prev_us = false;
	}
	if (!any || prev_us)
		return 0;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

/*
 * Python's float(text): whitespace around, inf/infinity/nan in any case,
 * decimal digits with single underscores between digits, an exponent.
 */
static bool py_float(double *out, const char *s, size_t n)
{
	const char *end = rskip_space(s, s + n), *p;
	char buf[512];
	size_t k = 0;
	bool neg = false, digits = false;

	s = skip_space(s, end);
	p = s;
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if ((size_t)(end - p) == 3 && strncasecmp(p, "inf", 3) == 0) {
		*out = neg ? -INFINITY : INFINITY;
		return true;
	}
	if ((size_t)(end - p) == 8 && strncasecmp(p, "infinity", 8) == 0) {
		*out = neg ? -INFINITY : INFINITY;
		return true;
	}
	if ((size_t)(end - p) == 3 && strncasecmp(p, "nan", 3) == 0) {
		*out = NAN;
		return true;
	}
	if (end - s >= (ptrdiff_t)sizeof(buf))
		return false;
	if (neg)
		buf[k++] = '-';
	/* mantissa */
	for (; p < end && ((*p >= '0' && *p <= '9') || *p == '_'); p++) {
		if (*p == '_') {
			if (!digits || p + 1 >= end || p[1] < '0' || p[1] > '9')
				return false;
			continue;
		}
		buf[k++] = *p;
		digits = true;
	}
	if (p < end && *p == '.') {
		bool frac = false;

		buf[k++] = *p++;
		for (; p < end && ((*p >= '0' && *p <= '9') || *p == '_'); p++) {
			if (*p == '_') {
				if (!frac || p + 1 >= end || p[1] < '0' || p[1] > '9')
					return false;
				continue;
			}
			buf[k++] = *p;
			frac = true;
		}
		digits = digits || frac;
	}
	if (!digits)
		return false;
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool ed = false;

		buf[k++] = *p++;
		if (p < end && (*p == '+' || *p == '-'))
			buf[k++] = *p++;
		for (; p < end && ((*p >= '0' && *p <= '9') || *p == '_'); p++) {
			if (*p == '_') {
				if (!ed || p + 1 >= end || p[1] < '0' || p[1] > '9')
					return false;
				continue;
			}
			buf[k++] = *p;
			ed = true;
		}
		if (!ed)
			return false;
	}
	if (p != end)
		return false;
	buf[k] = '\0';
	*out = strtod(buf, NULL);
	return true;
}

static int float_to_int(int64_t *out, struct kiso_tmpl_call *c, double f)
{
	if (f != f)
		return kiso_ferr(c, "cannot convert float NaN to integer");
	if (isinf(f))
		return kiso_ferr(c, "cannot convert float infinity to integer");
	if (f >= 9223372036854775808.0 || f < -9223372036854775808.0)
		return kiso_ferr(c, "integer %.0f is out of the supported range", f);
	*out = (int64_t)f;
	return 0;
}

static int f_int(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input;
	int64_t base = 10, i = 0;
	double f;
	int rc;
	BIND("int", "default", "base");

	if (a[1] && (rc = kiso_fint(&base, c, a[1], "base")) < 0)
		return rc;
	if (base != 0 && (base < 2 || base > 36))
		return kiso_ferr(c, "int() base must be >= 2 and <= 36, or 0");
	switch (v->type) {
	case KISO_BOOL:
		i = v->u.b;
		break;
	case KISO_INT:
		i = v->u.i;
		break;
	case KISO_FLOAT:
		if ((rc = float_to_int(&i, c, v->u.f)) < 0)
			return rc;
		break;
	case KISO_STR:
		rc = py_int(&i, v->u.s.ptr, v->u.s.len, (int)base);
		if (rc < 0)
			return kiso_ferr(c, "integer '%s' is out of the supported range",
					 v->u.s.ptr);
		if (rc == 1)
			break;
		if (py_float(&f, v->u.s.ptr, v->u.s.len) && f == f) {
			if ((rc = float_to_int(&i, c, f)) < 0)
				return rc;
			break;
		}
		/* fall through */
	default:
		*out = a[0] ? a[0] : kiso_int(c->arena, 0, c->pos);
		return 0;
	}
	*out = kiso_int(c->arena, i, c->pos);
	return 0;
}

static int f_float(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input;
	double f;
	BIND("float", "default");

	switch (v->type) {
	case KISO_BOOL:
		f = v->u.b;
		break;
	case KISO_INT:
		f = (double)v->u.i;
		break;
	case KISO_FLOAT:
		*out = v;
		return 0;
	case KISO_STR:
		if (py_float(&f, v->u.s.ptr, v->u.s.len))
			break;
		/* fall through */
	default:
		*out = a[0] ? a[0] : kiso_float(c->arena, 0.0, c->pos);
		return 0;
	}
	*out = kiso_float(c->arena, f, c->pos);
	return 0;
}

static int f_string(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	size_t n;
	const char *s;
	BIND0("string");

	if (c->input->type == KISO_STR) {
		*out = c->input;
		return 0;
	}
	s = kiso_fstr(c, c->input, &n);
	*out = kiso_fnewstr(c, s, n);
	return 0;
}

static int f_type_debug(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND0("type_debug");

	*out = kiso_str(c->arena, kiso_value_type_name(c->input), c->pos);
	return 0;
}

/* ---- numbers ---- */

static int f_abs(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input;
	BIND0("abs");

	switch (v->type) {
	case KISO_BOOL:
		*out = kiso_int(c->arena, v->u.b, c->pos);
		return 0;
	case KISO_INT:
		if (v->u.i == INT64_MIN)
			return kiso_ferr(c, "integer overflow in abs()");
		*out = kiso_int(c->arena, v->u.i < 0 ? -v->u.i : v->u.i, c->pos);
		return 0;
	case KISO_FLOAT:
		*out = kiso_float(c->arena, fabs(v->u.f), c->pos);
		return 0;
	default:
		return kiso_ftypeerr(c, "bad operand type for abs(): '%s'", kiso_value_type_name(v));
	}
}

/* Python's round(x, n) for a float: correctly rounded, ties to even. */
static double py_round(double x, int64_t n)
{
	char buf[400];

	if (!isfinite(x))
		return x;
	if (n > 300)
		return x;
	if (n >= 0) {
		snprintf(buf, sizeof(buf), "%.*f", (int)n, x);
		return strtod(buf, NULL);
	}
	if (n < -308)
		return 0.0 * x;
	{
		double p = pow(10.0, (double)-n), y = x / p, r = nearbyint(y);

		return r * p;
	}
}

static int f_round(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input;
	int64_t prec = 0;
	const char *method = "common";
	double x, p;
	int rc;
	BIND("round", "precision", "method");

	if (a[0] && (rc = kiso_fint(&prec, c, a[0], "precision")) < 0)
		return rc;
	if (a[1])
		method = kiso_fstr(c, a[1], NULL);
	if (strcmp(method, "common") && strcmp(method, "ceil") && strcmp(method, "floor"))
		return kiso_ferr(c, "method must be common, ceil or floor");
	if (v->type != KISO_INT && v->type != KISO_FLOAT && v->type != KISO_BOOL) {
		if (strcmp(method, "common") == 0)
			return kiso_ftypeerr(c, "type %s doesn't define __round__ method",
					     kiso_value_type_name(v));
		/* value * 10**precision first: strings and lists repeat, others fail */
		if (v->type != KISO_STR && v->type != KISO_LIST)
			return kiso_ftypeerr(c, "unsupported operand type(s) for *: '%s' and 'int'",
					     kiso_value_type_name(v));
		return kiso_ftypeerr(c, "must be real number, not %s", kiso_value_type_name(v));
	}
	x = v->type == KISO_FLOAT ? v->u.f : v->type == KISO_INT ? (double)v->u.i : v->u.b;
	if (strcmp(method, "common") == 0) {
		if (v->type != KISO_FLOAT) {
			int64_t i = v->type == KISO_INT ? v->u.i : v->u.b;

			if (prec < 0) {
				int64_t m = 1, q, r;

				bool big = false;

				for (int64_t k = 0; k < -prec; k++) {
					if (m > INT64_MAX / 10) {
						big = true;     /* 10**-prec > any int64 */
						break;
					}
					m *= 10;
				}
				if (big) {
					i = 0;
				} else {
					q = i / m;
					r = i % m;
					if (r < 0) {
						r += m;
						q--;
					}
					if (r > m - r || (r == m - r && (q & 1)))
						q++;
					if (__builtin_mul_overflow(q, m, &i))
						return kiso_ferr(c, "integer overflow in round()");
				}
			}
			*out = kiso_int(c->arena, i, c->pos);
			return 0;
		}
		*out = kiso_float(c->arena, py_round(x, prec), c->pos);
		return 0;
	}
	if (!isfinite(x))
		return kiso_ferr(c, "cannot convert float %s to integer",
				 x != x ? "NaN" : "infinity");
	p = pow(10.0, (double)prec);
	/* math.ceil/floor give an int: never a negative zero */
	x = (strcmp(method, "ceil") == 0 ? ceil(x * p) : floor(x * p)) + 0.0;
	*out = kiso_float(c->arena, x / p, c->pos);
	return 0;
}

/* ---- JSON and YAML ---- */

static int json_common(struct kiso_value **out, struct kiso_tmpl_call *c, int indent,
		       bool sort_keys, struct kiso_value *ind, struct kiso_value *sk,
		       struct kiso_value *ea)
{
	struct kiso_buf b = KISO_BUF_INIT;
	int64_t i;
	int rc;

	if (ind && ind->type != KISO_NULL) {
		if ((rc = kiso_fint(&i, c, ind, "indent")) < 0)
			return rc;
		indent = i < 0 ? 0 : i > 64 ? 64 : (int)i;
	}
	if (sk)
		sort_keys = kiso_value_truthy(sk);
	kiso_value_json_ex(&b, c->input, indent, sort_keys, kiso_fbool(ea, true));
	*out = kiso_fbufstr(c, &b);
	return 0;
}

static int f_to_json(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND("to_json", "skipkeys", "ensure_ascii", "check_circular", "allow_nan", "cls",
	     "indent", "separators", "default", "sort_keys", "vault_to_text",
	     "preprocess_unsafe");

	return json_common(out, c, -1, false, a[5], a[8], a[1]);
}

static int f_to_nice_json(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND("to_nice_json", "indent", "sort_keys", "skipkeys", "ensure_ascii",
	     "check_circular", "allow_nan", "cls", "separators", "default", "vault_to_text",
	     "preprocess_unsafe");

	return json_common(out, c, 4, true, a[0], a[1], a[3]);
}

/* Jinja2's tojson: sorted keys, HTML-sensitive characters escaped. */
static int f_tojson(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT, e = KISO_BUF_INIT;
	int64_t indent = -1;
	int rc;
	BIND("tojson", "indent");

	if (a[0] && a[0]->type != KISO_NULL && (rc = kiso_fint(&indent, c, a[0], "indent")) < 0)
		return rc;
	kiso_value_json_ex(&b, c->input, indent < 0 ? -1 : indent > 64 ? 64 : (int)indent, true,
			   true);
	for (size_t i = 0; i < b.len; i++) {
		switch (b.ptr[i]) {
		case '<': kiso_buf_puts(&e, "\\u003c"); break;
		case '>': kiso_buf_puts(&e, "\\u003e"); break;
		case '&': kiso_buf_puts(&e, "\\u0026"); break;
		case '\'': kiso_buf_puts(&e, "\\u0027"); break;
		default: kiso_buf_add(&e, b.ptr + i, 1); break;
		}
	}
	kiso_buf_release(&b);
	*out = kiso_fbufstr(c, &e);
	return 0;
}

/*
 * A parse error inside a string given to from_json/from_yaml: the message
 * keeps the place in the string, the error takes the filter's position.
 */
static int string_parse_error(struct kiso_tmpl_call *c, int rc)
{
	struct kiso_error inner = *c->err;

	kiso_error_clear(c->err);
	if (inner.pos.line > 0)
		return kiso_error_set(c->err, rc, c->pos, "%s: line %d column %d", inner.msg,
				      inner.pos.line, inner.pos.col);
	return kiso_error_set(c->err, rc, c->pos, "%s", inner.msg);
}

static int f_from_json(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	int rc;
	BIND("from_json", "cls", "object_hook", "parse_float", "parse_int", "parse_constant",
	     "object_pairs_hook", "strict");

	if (c->input->type != KISO_STR)
		return kiso_ftypeerr(c, "the JSON object must be str, bytes or bytearray, not %s",
				     kiso_value_type_name(c->input));
	rc = kiso_json_parse(out, c->arena, c->input->u.s.ptr, c->input->u.s.len, "<string>",
			     c->err);
	return rc < 0 ? string_parse_error(c, rc) : 0;
}

/* PyYAML's yaml.dump() keyword arguments into kiso_yaml_dump() options. */
static int yaml_common(struct kiso_value **out, struct kiso_tmpl_call *c,
		       struct kiso_yaml_dump_opts o, struct kiso_value **a, const char *const *names,
		       size_t n)
{
	struct kiso_buf b = KISO_BUF_INIT;
	int64_t i;
	int rc;

	for (size_t k = 0; k < n; k++) {
		if (!a[k])
			continue;
		if (strcmp(names[k], "indent") == 0 || strcmp(names[k], "width") == 0) {
			if (a[k]->type == KISO_NULL)
				continue;
			if ((rc = kiso_fint(&i, c, a[k], names[k])) < 0)
				return rc;
			if (i > 1000000)
				i = 1000000;
			if (i < -1000000)
				i = -1000000;
			if (names[k][0] == 'i')
				o.indent = (int)i;
			else
				o.width = (int)i;
		} else if (strcmp(names[k], "default_flow_style") == 0) {
			o.flow_style = a[k]->type == KISO_NULL ? -1 : kiso_value_truthy(a[k]);
		} else if (strcmp(names[k], "sort_keys") == 0) {
			o.sort_keys = kiso_value_truthy(a[k]);
		} else if (strcmp(names[k], "allow_unicode") == 0) {
			o.allow_unicode = kiso_value_truthy(a[k]);
		} else if (strcmp(names[k], "explicit_start") == 0) {
			o.explicit_start = kiso_value_truthy(a[k]);
		} else if (strcmp(names[k], "explicit_end") == 0) {
			o.explicit_end = kiso_value_truthy(a[k]);
		}
	}
	if ((rc = kiso_yaml_dump(&b, c->input, &o, c->err)) < 0) {
		kiso_buf_release(&b);
		return rc;
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

static int f_to_yaml(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND("to_yaml", "indent", "default_flow_style", "width", "allow_unicode",
	     "explicit_start", "explicit_end", "sort_keys");

	return yaml_common(out, c, KISO_YAML_DUMP_TO_YAML, a, bind_names,
			   KISO_ARRAY_SIZE(bind_names));
}

static int f_to_nice_yaml(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND("to_nice_yaml", "indent", "width", "allow_unicode", "explicit_start",
	     "explicit_end", "sort_keys");

	return yaml_common(out, c, KISO_YAML_DUMP_TO_NICE_YAML, a, bind_names,
			   KISO_ARRAY_SIZE(bind_names));
}

static int f_from_yaml(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	int rc;
	BIND0("from_yaml");

	if (c->input->type != KISO_STR) {
		*out = c->input;
		return 0;
	}
	rc = kiso_yaml_load(out, c->arena, c->input->u.s.ptr, c->input->u.s.len, "<string>",
			    c->err);
	return rc < 0 ? string_parse_error(c, rc) : 0;
}

static int f_from_yaml_all(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	int rc;
	BIND0("from_yaml_all");

	if (c->input->type != KISO_STR) {
		*out = c->input;
		return 0;
	}
	rc = kiso_yaml_load_all(out, c->arena, c->input->u.s.ptr, c->input->u.s.len, "<string>",
				c->err);
	return rc < 0 ? string_parse_error(c, rc) : 0;
}

/* ---- base64 and hashes ---- */

static bool utf8_encoding(const char *enc)
{
	return strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0 ||
	       strcasecmp(enc, "utf_8") == 0;
}

static int f_b64encode(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct kiso_buf b = KISO_BUF_INIT;
	const unsigned char *s;
	size_t n;
	BIND("b64encode", "encoding");

	if (a[0] && !utf8_encoding(kiso_fstr(c, a[0], NULL)))
		return kiso_ferr(c, "unsupported encoding '%s' (kiso supports utf-8)",
				 kiso_fstr(c, a[0], NULL));
	s = (const unsigned char *)kiso_fstr(c, c->input, &n);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		kiso_buf_putc(&b, tbl[(v >> 18) & 63]);
		kiso_buf_putc(&b, tbl[(v >> 12) & 63]);
		kiso_buf_putc(&b, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
		kiso_buf_putc(&b, i + 2 < n ? tbl[v & 63] : '=');
	}
	*out = kiso_fbufstr(c, &b);
	return 0;
}

static int b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* CPython's binascii.a2b_base64 in its default (non-strict) mode. */
static int f_b64decode(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_buf b = KISO_BUF_INIT;
	const unsigned char *s;
	size_t n, ndata = 0;
	int quad = 0, pads = 0;
	unsigned left = 0;
	BIND("b64decode", "encoding");

	if (a[0] && !utf8_encoding(kiso_fstr(c, a[0], NULL)))
		return kiso_ferr(c, "unsupported encoding '%s' (kiso supports utf-8)",
				 kiso_fstr(c, a[0], NULL));
	s = (const unsigned char *)kiso_fstr(c, c->input, &n);
	for (size_t i = 0; i < n; i++) {
		int v;
		char ch;

		if (s[i] == '=') {
			if (quad >= 2 && quad + ++pads >= 4)
				goto done;
			continue;
		}
		if ((v = b64val(s[i])) < 0)
			continue;
		pads = 0;
		switch (quad) {
		case 0:
			quad = 1;
			left = (unsigned)v;
			break;
		case 1:
			quad = 2;
			ch = (char)((left << 2) | ((unsigned)v >> 4));
			kiso_buf_add(&b, &ch, 1);
			left = (unsigned)v & 0x0f;
			break;
		case 2:
			quad = 3;
			ch = (char)((left << 4) | ((unsigned)v >> 2));
			kiso_buf_add(&b, &ch, 1);
			left = (unsigned)v & 0x03;
			break;
		default:
			quad = 0;
			ch = (char)((left << 6) | (unsigned)v);
			kiso_buf_add(&b, &ch, 1);
			left = 0;
			break;
		}
		ndata++;
	}
	if (quad != 0) {
		size_t produced = b.len;

		kiso_buf_release(&b);
		if (quad == 1)
			return kiso_ferr(c, "Invalid base64-encoded string: number of data characters "
					    "(%zu) cannot be 1 more than a multiple of 4",
					 produced / 3 * 4 + 1);
		return kiso_ferr(c, "Incorrect padding");
	}
done:
	(void)ndata;
	*out = kiso_fbufstr(c, &b);
	return 0;
}

/* hashlib.new() names to OpenSSL digest names. */
static const EVP_MD *digest_by_name(const char *name)
{
	static const struct {
		const char *py, *ossl;
	} names[] = {
		{ "md5", "MD5" },           { "sha1", "SHA1" },         { "sha224", "SHA224" },
		{ "sha256", "SHA256" },     { "sha384", "SHA384" },     { "sha512", "SHA512" },
		{ "sha512_224", "SHA512-224" }, { "sha512_256", "SHA512-256" },
		{ "sha3_224", "SHA3-224" }, { "sha3_256", "SHA3-256" }, { "sha3_384", "SHA3-384" },
		{ "sha3_512", "SHA3-512" }, { "blake2b", "BLAKE2B512" },
		{ "blake2s", "BLAKE2S256" },
	};

	for (size_t i = 0; i < KISO_ARRAY_SIZE(names); i++)
		if (strcasecmp(name, names[i].py) == 0)
			return EVP_get_digestbyname(names[i].ossl);
	return NULL;
}

static int hash_value(struct kiso_value **out, struct kiso_tmpl_call *c, const char *type)
{
	const EVP_MD *md = digest_by_name(type);
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	const char *s;
	size_t n;

	if (!md)
		return kiso_ferr(c, "unsupported hash type %s", type);
	s = kiso_fstr(c, c->input, &n);
	if (!EVP_Digest(s, n, dig, &dlen, md, NULL))
		return kiso_ferr(c, "cannot compute the %s hash", type);
	for (unsigned i = 0; i < dlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	*out = kiso_fnewstr(c, hex, 2 * (size_t)dlen);
	return 0;
}

static int f_hash(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND("hash", "hashtype");

	return hash_value(out, c, a[0] ? kiso_fstr(c, a[0], NULL) : "sha1");
}

static int f_sha1(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND0("checksum");

	return hash_value(out, c, "sha1");
}

static int f_md5(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	BIND0("md5");

	return hash_value(out, c, "md5");
}

/* ---- human-readable sizes ---- */

static const struct {
	char suffix;
	double limit;
} size_ranges[] = {
	{ 'Y', 1208925819614629174706176.0 }, { 'Z', 1180591620717411303424.0 },
	{ 'E', 1152921504606846976.0 },       { 'P', 1125899906842624.0 },
	{ 'T', 1099511627776.0 },             { 'G', 1073741824.0 },
	{ 'M', 1048576.0 },                   { 'K', 1024.0 },
	{ 'B', 1.0 },
};

static int f_human_readable(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	struct kiso_value *v = c->input;
	const char *unit = NULL;
	bool isbits;
	double size, limit = 1;
	char suffix = 'B', text[128];
	BIND("human_readable", "isbits", "unit");

	isbits = kiso_fbool(a[0], false);
	if (a[1] && a[1]->type != KISO_NULL)
		unit = kiso_fstr(c, a[1], NULL);
	if (v->type != KISO_INT && v->type != KISO_FLOAT && v->type != KISO_BOOL) {
		if (!unit)
			return kiso_ferr(c, "human_readable() failed on bad input: '>=' not "
					    "supported between instances of '%s' and 'int'",
					 kiso_value_type_name(v));
		return kiso_ferr(c, "human_readable() failed on bad input: unsupported operand "
				    "type(s) for /: '%s' and 'int'",
				 kiso_value_type_name(v));
	}
	size = v->type == KISO_FLOAT ? v->u.f : v->type == KISO_INT ? (double)v->u.i : v->u.b;
	for (size_t i = 0; i < KISO_ARRAY_SIZE(size_ranges); i++) {
		suffix = size_ranges[i].suffix;
		limit = size_ranges[i].limit;
		if ((!unit && size >= limit) ||
		    (unit && unit[0] && !unit[1] && (char)(unit[0] & ~0x20) == suffix))
			break;
	}
	if (limit != 1)
		snprintf(text, sizeof(text), "%.2f %c%c", size / limit, suffix, isbits ? 'b' : 'B');
	else
		snprintf(text, sizeof(text), "%.2f %s", size / limit, isbits ? "bits" : "Bytes");
	*out = kiso_str(c->arena, text, c->pos);
	return 0;
}

static int f_human_to_bytes(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	const char *text, *p, *num, *unit = NULL, *dflt = NULL;
	size_t nnum, nunit = 0;
	double f, limit = 0, r;
	bool isbits;
	char key;
	BIND("human_to_bytes", "default_unit", "isbits");

	isbits = kiso_fbool(a[1], false);
	if (a[0] && a[0]->type != KISO_NULL)
		dflt = kiso_fstr(c, a[0], NULL);
	text = kiso_fstr(c, c->input, NULL);
	/* ^\s*(\d*\.?\d*)\s*([A-Za-z]+)? */
	p = text;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	num = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.')
		p++;
	while (*p >= '0' && *p <= '9')
		p++;
	nnum = (size_t)(p - num);
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
		unit = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		nunit = (size_t)(p - unit);
	}
	if (!py_float(&f, num, nnum))
		return kiso_ferr(c, "human_to_bytes() can't interpret following string: %s", text);
	if (!unit && dflt) {
		unit = dflt;
		nunit = strlen(dflt);
	}
	if (!unit || nunit == 0) {
		r = nearbyint(f);
		*out = kiso_int(c->arena, (int64_t)r, c->pos);
		return 0;
	}
	key = (char)(unit[0] >= 'a' && unit[0] <= 'z' ? unit[0] - 32 : unit[0]);
	for (size_t i = 0; i < KISO_ARRAY_SIZE(size_ranges); i++)
		if (size_ranges[i].suffix == key)
			limit = size_ranges[i].limit;
	if (limit == 0)
		return kiso_ferr(c, "human_to_bytes() can't interpret following string: %s", text);
	if (nunit > 1) {
		const char *cls_name = isbits ? "bit" : "byte";
		char *lower = kiso_arena_strndup(c->arena, unit, nunit);

		for (char *q = lower; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q + 32);
		if (!strstr(lower, cls_name) && unit[1] != (isbits ? 'b' : 'B'))
			return kiso_ferr(c, "human_to_bytes() can't interpret following string: %s",
					 text);
	}
	r = nearbyint(f * limit);
	if (r >= 9223372036854775808.0)
		return kiso_ferr(c, "human_to_bytes() can't interpret following string: %s", text);
	*out = kiso_int(c->arena, (int64_t)r, c->pos);
	return 0;
}

/* ---- log, pow, root (Ansible's mathstuff) ---- */

static int num_arg(double *out, struct kiso_tmpl_call *c, const struct kiso_value *v,
		   const char *fn)
{
	switch (v->type) {
	case KISO_INT:
		*out = (double)v->u.i;
		return 0;
	case KISO_FLOAT:
		*out = v->u.f;
		return 0;
	case KISO_BOOL:
		*out = v->u.b;
		return 0;
	default:
		return kiso_ftypeerr(c, "%s() can only be used on numbers: must be real number, "
					"not %s",
				     fn, kiso_value_type_name(v));
	}
}

static int f_log(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	double x, base = M_E, r;
	int rc;
	BIND("log", "base");

	if ((rc = num_arg(&x, c, c->input, "log")) < 0)
		return rc;
	if (a[0] && (rc = num_arg(&base, c, a[0], "log")) < 0)
		return rc;
	if (x <= 0 || (a[0] && (base <= 0 || base == 1)))
		return kiso_ferr(c, base == 1 ? "float division by zero" : "math domain error");
	r = base == 10 ? log10(x) : a[0] ? log(x) / log(base) : log(x);
	*out = kiso_float(c->arena, r, c->pos);
	return 0;
}

static int f_pow(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	double x, y, r;
	int rc;
	BIND("pow", "y");

	if (!a[0])
		return kiso_ftypeerr(c, "power() missing 1 required positional argument: 'y'");
	if ((rc = num_arg(&x, c, c->input, "pow")) < 0 || (rc = num_arg(&y, c, a[0], "pow")) < 0)
		return rc;
	if ((x == 0 && y < 0) || (x < 0 && y != floor(y)))
		return kiso_ferr(c, "math domain error");
	r = pow(x, y);
	if (isinf(r) && !isinf(x) && !isinf(y))
		return kiso_ferr(c, "math range error");
	*out = kiso_float(c->arena, r, c->pos);
	return 0;
}

static int f_root(struct kiso_value **out, struct kiso_tmpl_call *c)
{
	double x, base = 2;
	int rc;
	BIND("root", "base");

	if ((rc = num_arg(&x, c, c->input, "root")) < 0)
		return rc;
	if (a[0] && (rc = num_arg(&base, c, a[0], "root")) < 0)
		return rc;
	if (base == 2) {
		if (x < 0)
			return kiso_ferr(c, "root() can only be used on numbers: math domain error");
		*out = kiso_float(c->arena, sqrt(x), c->pos);
		return 0;
	}
	if (base == 0)
		return kiso_ferr(c, "float division by zero");
	if (x < 0 && 1.0 / base != floor(1.0 / base))
		return kiso_ferr(c, "root() can only be used on numbers: math domain error");
	*out = kiso_float(c->arena, pow(x, 1.0 / base), c->pos);
	return 0;
}

const struct kiso_tmpl_filter kiso_filters_data[] = {
	{ "abs", f_abs, 0 },
	{ "b64decode", f_b64decode, 0 },
	{ "b64encode", f_b64encode, 0 },
	{ "bool", f_bool, 0 },
	{ "checksum", f_sha1, 0 },
	{ "d", f_default, KISO_TMPL_UNDEF_OK },
	{ "default", f_default, KISO_TMPL_UNDEF_OK },
	{ "float", f_float, 0 },
	{ "from_json", f_from_json, 0 },
	{ "from_yaml", f_from_yaml, 0 },
	{ "from_yaml_all", f_from_yaml_all, 0 },
	{ "hash", f_hash, 0 },
	{ "human_readable", f_human_readable, 0 },
	{ "human_to_bytes", f_human_to_bytes, 0 },
	{ "int", f_int, 0 },
	{ "log", f_log, 0 },
	{ "mandatory", f_mandatory, KISO_TMPL_UNDEF_OK },
	{ "md5", f_md5, 0 },
	{ "pow", f_pow, 0 },
	{ "root", f_root, 0 },
	{ "round", f_round, 0 },
	{ "sha1", f_sha1, 0 },
	{ "string", f_string, 0 },
	{ "ternary", f_ternary, 0 },
	{ "to_json", f_to_json, 0 },
	{ "to_nice_json", f_to_nice_json, 0 },
	{ "to_nice_yaml", f_to_nice_yaml, 0 },
	{ "to_yaml", f_to_yaml, 0 },
	{ "tojson", f_tojson, 0 },
	{ "type_debug", f_type_debug, 0 },
	{ NULL, NULL, 0 },
};
