/*
 * template/lexer.c - Jinja2's lexer with Ansible's settings.
 *
 * Follows jinja2/lexer.py: template data up to the next '{{', '{%' or
 * '{#'; '-' after the opening delimiter strips the whitespace before it,
 * '-' before the closing one strips the whitespace after it; trim_blocks
 * (Ansible's setting) drops the one newline right after '%}' and '#}'
 * unless the tag ends with '+%}'. {% raw %} ... {% endraw %} is data.
 * Inside a tag, '}}' or '%}' only ends the tag when no bracket is open
 * (Jinja's balancing stack), so '{{ {"a": {"b": 1}} }}' works.
 *
 * The source given here has newlines normalised to '\n' (cache.c does
 * that), so offsets count lines the same way the original does.
 */
#include "kiso_common.h"
#include "template/internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

struct lexer {
	struct tokens *toks;
	struct kiso_arena *a;
	const char *src;
	size_t len;
	size_t p;
	unsigned flags;
	uint32_t eoff;
	const char *emsg;
	char stack[256];        /* open brackets */
	int sp;
};

static const char *const op_strs[] = {
	[OP_NONE] = "", [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
	[OP_FLOORDIV] = "//", [OP_MOD] = "%", [OP_POW] = "**", [OP_TILDE] = "~",
	[OP_LPAREN] = "(", [OP_RPAREN] = ")", [OP_LBRACKET] = "[", [OP_RBRACKET] = "]",
	[OP_LBRACE] = "{", [OP_RBRACE] = "}", [OP_COMMA] = ",", [OP_DOT] = ".",
	[OP_COLON] = ":", [OP_PIPE] = "|", [OP_ASSIGN] = "=", [OP_SEMICOLON] = ";",
	[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">",
	[OP_GE] = ">=", [OP_IN] = "in", [OP_NOTIN] = "not in", [OP_NOT] = "not",
	[OP_NEG] = "-", [OP_POS] = "+",
};

const char *tmpl_op_str(enum op op)
{
	return op_strs[op];
}

const char *tmpl_tok_describe(const struct token *t)
{
	switch (t->type) {
	case TK_EOF: return "end of template";
	case TK_DATA: return "template data / text";
	case TK_VAR_BEGIN: return "begin of print statement";
	case TK_VAR_END: return "end of print statement";
	case TK_BLOCK_BEGIN: return "begin of statement block";
	case TK_BLOCK_END: return "end of statement block";
	case TK_NAME: return t->s;
	case TK_STRING: return "string";
	case TK_INT: return "integer";
	case TK_FLOAT: return "float";
	case TK_OP: return op_strs[t->op];
	}
	return "?";
}

static int fail(struct lexer *lx, size_t off, const char *msg)
{
	lx->eoff = (uint32_t)off;
	lx->emsg = msg;
	return KISO_ESYNTAX;
}

static struct token *push(struct lexer *lx, enum tok_type type, size_t off, size_t end)
{
	struct tokens *t = lx->toks;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;

		t->v = kiso_arena_grow(lx->a, t->v, t->cap * sizeof(*t->v), ncap * sizeof(*t->v));
		t->cap = ncap;
	}
	struct token *k = &t->v[t->n++];

	memset(k, 0, sizeof(*k));
	k->type = type;
	k->off = (uint32_t)off;
	k->end = (uint32_t)end;
	return k;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Adds template text [s, e), with 'rstrip' removing trailing whitespace. */
static void add_data(struct lexer *lx, size_t s, size_t e, bool rstrip)
{
	if (rstrip)
		while (e > s && is_ws(lx->src[e - 1]))
			e--;
	if (e == s)
		return;
	struct token *k = push(lx, TK_DATA, s, e);

	k->s = lx->src + s;
	k->slen = e - s;
}

/* ---- strings ---- */

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

static void put_utf8(char *o, size_t *k, uint32_t cp)
{
	if (cp < 0x80) {
		o[(*k)++] = (char)cp;
	} else if (cp < 0x800) {
		o[(*k)++] = (char)(0xc0 | (cp >> 6));
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		o[(*k)++] = (char)(0xe0 | (cp >> 12));
		o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		o[(*k)++] = (char)(0xf0 | (cp >> 18));
		o[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/*
 * Python's unicode-escape decoding as Jinja2 applies it to string
 * literals. NULL on a bad escape (*outlen then holds the offset of the
 * escape and the message is the caller's).
 */
char *tmpl_unescape(struct kiso_arena *a, const char *s, size_t n, size_t *outlen)
{
	char *o = kiso_arena_alloc(a, n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			o[k++] = s[i];
			continue;
		}
		char c = s[++i];
		int digits = 0;

		switch (c) {
		case '\n': break;
		case '\\': o[k++] = '\\'; break;
		case '\'': o[k++] = '\''; break;
		case '"': o[k++] = '"'; break;
		case 'a': o[k++] = '\a'; break;
		case 'b': o[k++] = '\b'; break;
		case 'f': o[k++] = '\f'; break;
		case 'n': o[k++] = '\n'; break;
		case 'r': o[k++] = '\r'; break;
		case 't': o[k++] = '\t'; break;
		case 'v': o[k++] = '\v'; break;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		default:
			if (c >= '0' && c <= '7') {
				uint32_t v = 0;
				int m = 0;

				while (m < 3 && i < n && s[i] >= '0' && s[i] <= '7') {
					v = v * 8 + (uint32_t)(s[i] - '0');
					i++, m++;
				}
				i--;
				put_utf8(o, &k, v);
			} else {
				o[k++] = '\\';
				o[k++] = c;
			}
			break;
		}
		if (digits) {
			uint32_t v = 0;

			for (int m = 0; m < digits; m++) {
				int h = i + 1 + (size_t)m < n ? hexval(s[i + 1 + m]) : -1;

				if (h < 0) {
					*outlen = i - 1;
					return NULL;
				}
				v = v * 16 + (uint32_t)h;
			}
			if (v > 0x10ffff) {
				*outlen = i - 1;
				return NULL;
			}
			i += (size_t)digits;
			/* \xhh and \u need at most 4 bytes: room is there (>= 4 source bytes) */
			put_utf8(o, &k, v);
		}
	}
	o[k] = 0;
	*outlen = k;
	return o;
}

static int lex_string(struct lexer *lx, bool in_var)
{
	size_t start = lx->p;
	char q = lx->src[lx->p++];

	while (lx->p < lx->len && lx->src[lx->p] != q) {
		if (lx->src[lx->p] == '\\' && lx->p + 1 < lx->len)
			lx->p++;
		lx->p++;
	}
	if (lx->p >= lx->len)
		return fail(lx, start, q == '"' ? "unexpected char '\"'" : "unexpected char '''");
	lx->p++;
	struct token *k = push(lx, TK_STRING, start, lx->p);
	const char *body = lx->src + start + 1;
	size_t blen = lx->p - start - 2;

	if ((lx->flags & LEX_ESCAPE_BS) && in_var) {
		k->s = kiso_arena_strndup(lx->a, body, blen);
		k->slen = blen;
		return 0;
	}
	size_t olen;
	char *o = tmpl_unescape(lx->a, body, blen, &olen);

	if (!o)
		return fail(lx, start + 1 + olen, "invalid escape in string literal");
	k->s = o;
	k->slen = olen;
	return 0;
}

/* ---- numbers ---- */

static bool digits_us(const char *s, size_t len, size_t *p, int (*ok)(int))
{
	size_t q = *p;

	if (q >= len || !ok((unsigned char)s[q]))
		return false;
	while (q < len && (ok((unsigned char)s[q]) ||
			   (s[q] == '_' && q + 1 < len && ok((unsigned char)s[q + 1]))))
		q++;
	*p = q;
	return true;
}

static int isodig(int c)
{
	return c >= '0' && c <= '7';
}

static int isbdig(int c)
{
	return c == '0' || c == '1';
}

static int lex_number(struct lexer *lx)
{
	const char *s = lx->src;
	size_t start = lx->p, p = lx->p;
	char buf[128];
	size_t bl = 0;

	if (s[p] == '0' && p + 1 < lx->len && strchr("xXoObB", s[p + 1])) {
		int base = (s[p + 1] | 0x20) == 'x' ? 16 : (s[p + 1] | 0x20) == 'o' ? 8 : 2;
		size_t q = p + 2;

		if (q < lx->len && s[q] == '_')
			q++;
		if (digits_us(s, lx->len, &q, base == 16 ? isxdigit : base == 8 ? isodig : isbdig)) {
			uint64_t v = 0;

			for (size_t i = p + 2; i < q; i++) {
				if (s[i] == '_')
					continue;
				uint64_t d = (uint64_t)hexval(s[i]);

				if (v > (UINT64_MAX - d) / (uint64_t)base || v * (uint64_t)base + d > INT64_MAX)
					return fail(lx, start, "integer literal too large");
				v = v * (uint64_t)base + d;
			}
			struct token *k = push(lx, TK_INT, start, q);

			k->i = (int64_t)v;
			lx->p = q;
			return 0;
		}
	}
	digits_us(s, lx->len, &p, isdigit);
	bool isfloat = false;
	size_t q = p;

	/* fraction: '.' followed by a digit */
	if (q + 1 < lx->len && s[q] == '.' && isdigit((unsigned char)s[q + 1])) {
		q++;
		digits_us(s, lx->len, &q, isdigit);
		isfloat = true;
	}
	if (q < lx->len && (s[q] == 'e' || s[q] == 'E')) {
		size_t r = q + 1;

		if (r < lx->len && (s[r] == '+' || s[r] == '-'))
			r++;
		if (digits_us(s, lx->len, &r, isdigit)) {
			q = r;
			isfloat = true;
		}
	}
	if (!isfloat) {
		/* Jinja: integers are [1-9](_?\d)* or 0(_?0)* */
		if (s[start] == '0') {
			q = start + 1;
			while (q < lx->len && (s[q] == '0' || (s[q] == '_' && q + 1 < lx->len &&
							       s[q + 1] == '0')))
				q++;
		}
	}
	for (size_t i = start; i < q && bl < sizeof(buf) - 1; i++)
		if (s[i] != '_')
			buf[bl++] = s[i];
	buf[bl] = 0;
	if (q - start >= sizeof(buf) - 1 && !isfloat)
		return fail(lx, start, "integer literal too large");
	struct token *k = push(lx, isfloat ? TK_FLOAT : TK_INT, start, q);

	errno = 0;
	if (isfloat) {
		k->f = strtod(buf, NULL);
	} else {
		k->i = strtoll(buf, NULL, 10);
		if (errno == ERANGE)
			return fail(lx, start, "integer literal too large");
	}
	lx->p = q;
	return 0;
}

/* ---- tags ---- */

static enum op match_op(const char *s, size_t left, size_t *oplen)
{
	*oplen = 2;
	if (left >= 2) {
		if (s[0] == '/' && s[1] == '/') return OP_FLOORDIV;
		if (s[0] == '*' && s[1] == '*') return OP_POW;
		if (s[0] == '=' && s[1] == '=') return OP_EQ;
		if (s[0] == '!' && s[1] == '=') return OP_NE;
		if (s[0] == '<' && s[1] == '=') return OP_LE;
		if (s[0] == '>' && s[1] == '=') return OP_GE;
	}
	*oplen = 1;
	switch (s[0]) {
	case '+': return OP_ADD;
	case '-': return OP_SUB;
	case '*': return OP_MUL;
	case '/': return OP_DIV;
	case '%': return OP_MOD;
	case '~': return OP_TILDE;
	case '(': return OP_LPAREN;
	case ')': return OP_RPAREN;
	case '[': return OP_LBRACKET;
	case ']': return OP_RBRACKET;
	case '{': return OP_LBRACE;
	case '}': return OP_RBRACE;
	case ',': return OP_COMMA;
	case '.': return OP_DOT;
	case ':': return OP_COLON;
	case '|': return OP_PIPE;
	case '=': return OP_ASSIGN;
	case ';': return OP_SEMICOLON;
	case '<': return OP_LT;
	case '>': return OP_GT;
	}
	return OP_NONE;
}

static bool at(const struct lexer *lx, size_t p, const char *s)
{
	size_t n = strlen(s);

	return p + n <= lx->len && memcmp(lx->src + p, s, n) == 0;
}

/*
 * Tokens of one tag's inside, up to its end delimiter. kind: 'v' for
 * '{{', 'b' for '{%', 'e' for a bare expression (ends at EOF only).
 * Leaves lx->p after the end delimiter (and what it strips).
 */
static int lex_inside(struct lexer *lx, char kind)
{
	const char *s = lx->src;

	lx->sp = 0;
	for (;;) {
		while (lx->p < lx->len && is_ws(s[lx->p]))
			lx->p++;
		if (lx->p >= lx->len)
			return 0; /* the parser reports the missing end */
		size_t p = lx->p;

		if (lx->sp == 0 && kind != 'e') {
			const char *end = kind == 'v' ? "}}" : "%}";
			bool minus = s[p] == '-' && at(lx, p + 1, end);
			bool plus = kind == 'b' && s[p] == '+' && at(lx, p + 1, end);

			if (minus || plus || at(lx, p, end)) {
				size_t q = p + 2 + (minus || plus);

				push(lx, kind == 'v' ? TK_VAR_END : TK_BLOCK_END, p, q);
				if (minus)
					while (q < lx->len && is_ws(s[q]))
						q++;
				else if (kind == 'b' && !plus && !(lx->flags & LEX_NO_TRIM) &&
					 q < lx->len && s[q] == '\n')
					q++;
				lx->p = q;
				return 0;
			}
		}
		unsigned char c = (unsigned char)s[p];

		if (isalpha(c) || c == '_') {
			size_t q = p;

			while (q < lx->len && (isalnum((unsigned char)s[q]) || s[q] == '_'))
				q++;
			struct token *k = push(lx, TK_NAME, p, q);

			k->s = kiso_arena_strndup(lx->a, s + p, q - p);
			k->slen = q - p;
			lx->p = q;
			continue;
		}
		if (c == '\'' || c == '"') {
			int rc = lex_string(lx, kind == 'v');

			if (rc)
				return rc;
			continue;
		}
		if (isdigit(c)) {
			/* Jinja: no number right after a '.', so 'x.0.1' is x[0][1] */
			bool after_dot = lx->toks->n && lx->toks->v[lx->toks->n - 1].type == TK_OP &&
					 lx->toks->v[lx->toks->n - 1].op == OP_DOT &&
					 lx->toks->v[lx->toks->n - 1].end == p;

			if (after_dot) {
				size_t q = p;
				int64_t v = 0;

				while (q < lx->len && isdigit((unsigned char)s[q])) {
					if (v > (INT64_MAX - 9) / 10)
						return fail(lx, p, "integer literal too large");
					v = v * 10 + (s[q] - '0');
					q++;
				}
				struct token *k = push(lx, TK_INT, p, q);

				k->i = v;
				lx->p = q;
				continue;
			}
			int rc = lex_number(lx);

			if (rc)
				return rc;
			continue;
		}
		size_t oplen;
		enum op op = match_op(s + p, lx->len - p, &oplen);

		if (op == OP_NONE) {
			char *m = kiso_arena_sprintf(lx->a, "unexpected char '%c'", c);

			if (c < 0x20 || c >= 0x7f)
				m = kiso_arena_sprintf(lx->a, "unexpected char '\\x%02x'", c);
			return fail(lx, p, m);
		}
		if (op == OP_LPAREN || op == OP_LBRACKET || op == OP_LBRACE) {
			if (lx->sp == (int)sizeof(lx->stack))
				return fail(lx, p, "brackets nested too deeply");
			lx->stack[lx->sp++] = (char)(op == OP_LPAREN ? ')' : op == OP_LBRACKET ? ']' : '}');
		} else if (op == OP_RPAREN || op == OP_RBRACKET || op == OP_RBRACE) {
			if (lx->sp == 0)
				return fail(lx, p, kiso_arena_sprintf(lx->a, "unexpected '%c'", c));
			char want = lx->stack[--lx->sp];

			if (want != (char)c)
				return fail(lx, p, kiso_arena_sprintf(lx->a, "unexpected '%c', expected '%c'",
								      c, want));
		}
		struct token *k = push(lx, TK_OP, p, p + oplen);

		k->op = op;
		lx->p = p + oplen;
	}
}

/* After '{%' (and an optional '-'/'+'): is this '{% raw %}'? Sets *after past it. */
static bool is_raw_tag(const struct lexer *lx, size_t p, size_t *after)
{
	const char *s = lx->src;

	while (p < lx->len && is_ws(s[p]))
		p++;
	if (!at(lx, p, "raw"))
		return false;
	p += 3;
	while (p < lx->len && is_ws(s[p]))
		p++;
	bool minus = false, plus = false;

	if (p < lx->len && (s[p] == '-' || s[p] == '+')) {
		minus = s[p] == '-';
		plus = s[p] == '+';
		p++;
	}
	if (!at(lx, p, "%}"))
		return false;
	p += 2;
	/* Jinja2: '-' strips after {% raw -%}; trim_blocks does not apply here */
	if (minus)
		while (p < lx->len && is_ws(s[p]))
			p++;
	(void)plus;
	*after = p;
	return true;
}

/* Finds '{%-? endraw -?%}' from p; sets the data end and the position after it. */
static bool find_endraw(const struct lexer *lx, size_t p, size_t *dend, bool *strip_before,
			size_t *after)
{
	const char *s = lx->src;

	for (; p + 1 < lx->len; p++) {
		if (s[p] != '{' || s[p + 1] != '%')
			continue;
		size_t q = p + 2;
		bool minus = false;

		if (q < lx->len && (s[q] == '-' || s[q] == '+')) {
			minus = s[q] == '-';
			q++;
		}
		while (q < lx->len && is_ws(s[q]))
			q++;
		if (!at(lx, q, "endraw"))
			continue;
		q += 6;
		while (q < lx->len && is_ws(s[q]))
			q++;
		bool m2 = false, plus = false;

		if (q < lx->len && (s[q] == '-' || s[q] == '+')) {
			m2 = s[q] == '-';
			plus = s[q] == '+';
			q++;
		}
		if (!at(lx, q, "%}"))
			continue;
		q += 2;
		if (m2)
			while (q < lx->len && is_ws(s[q]))
				q++;
		else if (!plus && !(lx->flags & LEX_NO_TRIM) && q < lx->len && s[q] == '\n')
			q++;
		*dend = p;
		*strip_before = minus;
		*after = q;
		return true;
	}
	return false;
}

int tmpl_lex(struct tokens *toks, struct kiso_arena *a, const char *src, size_t len,
	     unsigned flags, uint32_t *eoff, const char **emsg)
{
	struct lexer lx = { .toks = toks, .a = a, .src = src, .len = len, .flags = flags };
	int rc = 0;

	if (flags & LEX_EXPR) {
		rc = lex_inside(&lx, 'e');
		goto out;
	}
	while (lx.p < len) {
		size_t s = lx.p, q = s;

		/* next '{{', '{%' or '{#' */
		for (;;) {
			const char *m = memchr(src + q, '{', len - q);

			if (!m) {
				q = len;
				break;
			}
			q = (size_t)(m - src);
			if (q + 1 < len && (src[q + 1] == '{' || src[q + 1] == '%' || src[q + 1] == '#'))
				break;
			q++;
		}
		if (q >= len) {
			add_data(&lx, s, len, false);
			lx.p = len;
			break;
		}
		size_t tagq = q;        /* the tag; q: the end of the data before it */
		char kind = src[q + 1];
		size_t p = q + 2;
		bool minus = p < len && src[p] == '-';
		bool plus = p < len && src[p] == '+';

		/* lstrip_blocks: blanks from the start of the line to a block or comment tag */
		if ((flags & LEX_LSTRIP) && kind != '{' && !minus && !plus) {
			size_t b = q;

			while (b > s && (src[b - 1] == ' ' || src[b - 1] == '\t'))
				b--;
			if ((b > s && src[b - 1] == '\n') || (b == s && (s == 0 || src[s - 1] == '\n')))
				q = b;
		}

		if (p < len && (src[p] == '-' || src[p] == '+'))
			p++;
		if (kind == '%') {
			size_t after;

			if (is_raw_tag(&lx, p, &after)) {
				size_t dend;
				bool sb;
				size_t after2;

				add_data(&lx, s, q, minus);
				if (!find_endraw(&lx, after, &dend, &sb, &after2)) {
					rc = fail(&lx, tagq, "missing end of raw directive");
					goto out;
				}
				add_data(&lx, after, dend, sb);
				lx.p = after2;
				continue;
			}
		}
		add_data(&lx, s, q, minus);
		if (kind == '#') {
			size_t e = p;
			bool found = false;

			for (; e + 1 < len; e++) {
				if (src[e] == '#' && src[e + 1] == '}') {
					found = true;
					break;
				}
			}
			if (!found) {
				rc = fail(&lx, tagq, "missing end of comment tag");
				goto out;
			}
			bool cminus = e > p && src[e - 1] == '-';
			size_t r = e + 2;

			if (cminus)
				while (r < len && is_ws(src[r]))
					r++;
			else if (!(flags & LEX_NO_TRIM) && r < len && src[r] == '\n')
				r++;
			lx.p = r;
			continue;
		}
		push(&lx, kind == '{' ? TK_VAR_BEGIN : TK_BLOCK_BEGIN, tagq, p);
		lx.p = p;
		rc = lex_inside(&lx, kind == '{' ? 'v' : 'b');
		if (rc)
			goto out;
	}
out:
	push(&lx, TK_EOF, len, len);
	if (rc) {
		*eoff = lx.eoff;
		*emsg = lx.emsg;
	}
	return rc;
}
