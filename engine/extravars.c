/*
 * extravars.c - `-e` arguments as ansible-playbook reads them.
 *
 * A line-by-line port of ansible-core 2.14's parsing/splitter.py
 * (split_args, parse_kv, _decode_escapes) and utils/vars.py
 * (load_extra_vars), because users rely on its exact quirks: tokens are
 * split on single spaces and re-joined inside quotes and Jinja2 blocks,
 * the first '=' at index 0 does not count, '\=' does not split, values
 * are unquoted only when both ends carry the same quote.
 */
#include "kiso_common.h"

#include "buf.h"
#include "vars.h"
#include "yaml.h"

struct strlist {
	struct kiso_buf *v;
	size_t n, cap;
};

static void sl_push(struct strlist *l, const char *s, size_t n)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = kiso_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n] = (struct kiso_buf)KISO_BUF_INIT;
	kiso_buf_add(&l->v[l->n], s, n);
	l->n++;
}

static void sl_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		kiso_buf_release(&l->v[i]);
	free(l->v);
	*l = (struct strlist){ NULL, 0, 0 };
}

/* _get_quote_state(): the quote still open after token (0: none). */
static char quote_state(const char *t, size_t n, char q)
{
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		char prev = i > 0 ? t[i - 1] : 0;

		if ((c == '"' || c == '\'') && prev != '\\') {
			if (q) {
				if (c == q)
					q = 0;
			} else {
				q = c;
			}
		}
	}
	return q;
}

/* Python's str.count(): non-overlapping occurrences of the 2-byte s. */
static int count2(const char *t, size_t n, const char *s)
{
	int c = 0;

	for (size_t i = 0; i + 2 <= n;) {
		if (t[i] == s[0] && t[i + 1] == s[1]) {
			c++;
			i += 2;
		} else {
			i++;
		}
	}
	return c;
}

static int count_blocks(const char *t, size_t n, int depth, const char *open, const char *close)
{
	int o = count2(t, n, open), c = count2(t, n, close);

	if (o != c) {
		depth += o - c;
		if (depth < 0)
			depth = 0;
	}
	return depth;
}

/* split_args(). Returns 0, or -1 (unbalanced) or -2 (IndexError). */
static int split_args(struct strlist *params, const char *args)
{
	char q = 0;
	bool inside = false;
	int pdepth = 0, bdepth = 0, cdepth = 0;
	const char *item = args;
	size_t nitems = 1;

	for (const char *p = args; *p; p++)
		if (*p == '\n')
			nitems++;

	for (size_t itemidx = 0; itemidx < nitems; itemidx++) {
		const char *iend = strchr(item, '\n');
		size_t ilen = iend ? (size_t)(iend - item) : strlen(item);
		bool cont = false;
		size_t ntok = 1;
		const char *tok = item;

		for (size_t i = 0; i < ilen; i++)
			if (item[i] == ' ')
				ntok++;
		for (size_t idx = 0; idx < ntok; idx++) {
			const char *tend = memchr(tok, ' ', (size_t)(item + ilen - tok));
			size_t tlen = tend ? (size_t)(tend - tok) : (size_t)(item + ilen - tok);
			bool was_inside, appended = false;
			int prev;

			if (tlen == 0 && idx != 0) {
				if (!params->n)
					return -2;
				kiso_buf_putc(&params->v[params->n - 1], ' ');
				goto next;
			}
			if (tlen == 1 && tok[0] == '\\' && !inside) {
				cont = true;
				goto next;
			}
			was_inside = inside;
			q = quote_state(tok, tlen, q);
			inside = q != 0;
			if (inside && !was_inside && !(pdepth || bdepth || cdepth)) {
				sl_push(params, tok, tlen);
				appended = true;
			} else if (pdepth || bdepth || cdepth || inside || was_inside) {
				struct kiso_buf *last;

				if (!params->n)
					return -2;
				last = &params->v[params->n - 1];
				if (idx == 0 && was_inside) {
					kiso_buf_add(last, tok, tlen);
				} else if (ntok > 1) {
					if (idx > 0)
						kiso_buf_putc(last, ' ');
					kiso_buf_add(last, tok, tlen);
				} else {
					kiso_buf_putc(last, '\n');
					kiso_buf_add(last, tok, tlen);
				}
				appended = true;
			}
			prev = pdepth;
			pdepth = count_blocks(tok, tlen, pdepth, "{{", "}}");
			if (pdepth != prev && !appended) {
				sl_push(params, tok, tlen);
				appended = true;
			}
			prev = bdepth;
			bdepth = count_blocks(tok, tlen, bdepth, "{%", "%}");
			if (bdepth != prev && !appended) {
				sl_push(params, tok, tlen);
				appended = true;
			}
			prev = cdepth;
			cdepth = count_blocks(tok, tlen, cdepth, "{#", "#}");
			if (cdepth != prev && !appended) {
				sl_push(params, tok, tlen);
				appended = true;
			}
			if (!(pdepth || bdepth || cdepth) && !inside && !appended && tlen)
				sl_push(params, tok, tlen);
next:
			tok = tend ? tend + 1 : item + ilen;
		}
		if (nitems > 1 && itemidx != nitems - 1 && !cont) {
			if (!params->n)
				return -2;
			kiso_buf_putc(&params->v[params->n - 1], '\n');
		}
		item = iend ? iend + 1 : item + ilen;
	}
	if (pdepth || bdepth || cdepth || inside)
		return -1;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(struct kiso_buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		kiso_buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		kiso_buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		kiso_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		kiso_buf_add(b, u, 4);
	}
}

/*
 * _decode_escapes(): \UXXXXXXXX \uXXXX \xXX and \\ \' \" \a \b \f \n \r
 * \t \v become the characters; anything else (\N{...} too) stays.
 */
static void decode_escapes(struct kiso_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[i + 1];
			const char *simple = "\\'\"abfnrtv";
			const char *sv = "\\'\"\a\b\f\n\r\t\v";
			const char *hit = strchr(simple, c);
			size_t digits = c == 'U' ? 8 : c == 'u' ? 4 : c == 'x' ? 2 : 0;

			if (hit && c) {
				kiso_buf_putc(out, sv[hit - simple]);
				i++;
				continue;
			}
			if (digits && i + 1 + digits < n + 1) {
				uint32_t cp = 0;
				size_t k;

				for (k = 0; k < digits && i + 2 + k < n; k++) {
					int h = hexval(s[i + 2 + k]);

					if (h < 0)
						break;
					cp = cp * 16 + (uint32_t)h;
				}
				if (k == digits && cp <= 0x10FFFF) {
					put_utf8(out, cp);
					i += 1 + digits;
					continue;
				}
			}
		}
		kiso_buf_putc(out, s[i]);
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Python's str.strip() bounds. */
static void strip(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

int kiso_parse_kv(struct kiso_value **out, struct kiso_arena *a, const char *args,
		  struct kiso_error *err)
{
	struct strlist params = { NULL, 0, 0 };
	struct kiso_buf raw = KISO_BUF_INIT;
	bool have_raw = false;
	int rc;

	*out = kiso_map_new(a, KISO_POS_NONE);
	rc = split_args(&params, args);
	if (rc == -1) {
		rc = kiso_error_set(err, KISO_ESYNTAX, KISO_POS_NONE,
				    "failed at splitting arguments, either an unbalanced jinja2 "
				    "block or quotes: %s", args);
		goto out;
	}
	if (rc < 0) {
		rc = kiso_error_set(err, KISO_ESYNTAX, KISO_POS_NONE,
				    "unable to parse argument string '%s'", args);
		goto out;
	}
	for (size_t i = 0; i < params.n; i++) {
		const char *orig = kiso_buf_cstr(&params.v[i]);
		size_t olen = params.v[i].len;
		struct kiso_buf x = KISO_BUF_INIT;
		const char *xs;
		size_t xl, pos = 0;
		bool found = false;
		const char *add = orig;
		size_t addlen = olen;
		struct kiso_buf repl = KISO_BUF_INIT;

		decode_escapes(&x, orig, olen);
		xs = kiso_buf_cstr(&x);
		xl = x.len;
		if (memchr(xs, '=', xl)) {
			for (pos = 1; pos < xl; pos++) {
				if (xs[pos] == '=' && xs[pos - 1] != '\\') {
					found = true;
					break;
				}
			}
			if (found) {
				const char *k = xs, *val = xs + pos + 1;
				size_t kl = pos, vl = xl - pos - 1;

				strip(&k, &kl);
				strip(&val, &vl);
				if (vl > 1 && val[0] == val[vl - 1] && (val[0] == '"' || val[0] == '\'') &&
				    val[vl - 2] != '\\') {
					val++;
					vl -= 2;
				}
				kiso_map_set(a, *out, kiso_arena_strndup(a, k, kl),
					     kiso_strn(a, val, vl, KISO_POS_NONE));
				kiso_buf_release(&x);
				continue;
			}
			/* '=' only at index 0 or escaped: raw, with '\=' -> '=' */
			for (size_t j = 0; j < xl; j++) {
				if (xs[j] == '\\' && j + 1 < xl && xs[j + 1] == '=') {
					kiso_buf_putc(&repl, '=');
					j++;
				} else {
					kiso_buf_putc(&repl, xs[j]);
				}
			}
			add = kiso_buf_cstr(&repl);
			addlen = repl.len;
		}
		/* join_args(): a space unless the result is empty or ends in \n */
		if (have_raw && !(raw.len && raw.ptr[raw.len - 1] == '\n'))
			kiso_buf_putc(&raw, ' ');
		kiso_buf_add(&raw, add, addlen);
		have_raw = true;
		kiso_buf_release(&repl);
		kiso_buf_release(&x);
	}
	if (have_raw)
		kiso_map_set(a, *out, "_raw_params",
			     kiso_strn(a, kiso_buf_cstr(&raw), raw.len, KISO_POS_NONE));
	rc = 0;
out:
	kiso_buf_release(&raw);
	sl_release(&params);
	return rc;
}

int kiso_extravars_add(struct kiso_value **acc, struct kiso_arena *a, const char *arg,
		       struct kiso_error *err)
{
	struct kiso_value *data = NULL;
	int rc;

	if (!*acc)
		*acc = kiso_map_new(a, KISO_POS_NONE);
	if (!arg || !*arg)
		return 0;
	if (arg[0] == '@') {
		rc = kiso_yaml_load_file(&data, a, arg + 1, err);
		if (rc < 0)
			return rc;
	} else if (arg[0] == '/' || arg[0] == '.') {
		return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
				      "please prepend extra_vars filename '%s' with '@'", arg);
	} else if (arg[0] == '[' || arg[0] == '{') {
		rc = kiso_yaml_load(&data, a, arg, strlen(arg), "<extra vars>", err);
		if (rc < 0)
			return rc;
	} else {
		rc = kiso_parse_kv(&data, a, arg, err);
		if (rc < 0)
			return rc;
		/* so that errors in these values can say where they come from */
		for (size_t i = 0; i < data->u.map.len; i++)
			data->u.map.items[i].val->pos =
				(struct kiso_pos){ kiso_pos_file("<extra vars>"), 1, 1 };
	}
	if (!data || data->type != KISO_MAP)
		return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
				      "invalid extra vars data supplied. '%s' could not be made "
				      "into a dictionary", arg);
	for (size_t i = 0; i < data->u.map.len; i++)
		kiso_map_setv(a, *acc, data->u.map.items[i].key, data->u.map.items[i].val);
	return 0;
}
