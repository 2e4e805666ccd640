/*
 * regex.c - Python `re` on PCRE2: pattern translation, a compile cache,
 * Python's iteration over matches (empty matches), findall and sub with
 * Python's replacement templates.
 */
#include "kiso_common.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>

#include "regex.h"

struct kiso_regex {
	pcre2_code *code;
	size_t ngroups;
	unsigned flags;
	int refs;                       /* under cache_lock */
	char *pat;                      /* the Python pattern, for the cache */
	size_t patlen;
	struct kiso_regex *next;        /* cache chain */
};

/* ---- translation ------------------------------------------------------ */

struct xlat {
	struct kiso_buf out;
	size_t *map;                    /* out offset -> pattern offset */
	size_t mapcap;
};

static void xput(struct xlat *x, const char *s, size_t n, size_t from)
{
	if (x->out.len + n + 1 > x->mapcap) {
		size_t cap = x->mapcap ? x->mapcap * 2 : 64;

		while (cap < x->out.len + n + 1)
			cap *= 2;
		x->map = kiso_xrealloc(x->map, cap * sizeof(*x->map));
		x->mapcap = cap;
	}
	for (size_t i = 0; i < n; i++)
		x->map[x->out.len + i] = from;
	kiso_buf_add(&x->out, s, n);
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Python spellings -> PCRE2 spellings; see regex.h. */
static void translate(struct xlat *x, const char *p, size_t n, bool verbose)
{
	bool in_class = false;
	size_t i = 0;

	while (i < n) {
		char c = p[i];

		if (verbose && !in_class && c == '#') {
			/* a comment runs to the end of the line: copy it untouched */
			size_t j = i;

			while (j < n && p[j] != '\n')
				j++;
			xput(x, p + i, j - i, i);
			i = j;
			continue;
		}

		if (c == '\\' && i + 1 < n) {
			char d = p[i + 1];
			size_t hex = d == 'u' ? 4 : d == 'U' ? 8 : 0;

			if (d == 'Z' && !in_class) {
				xput(x, "\\z", 2, i);
				i += 2;
				continue;
			}
			if (hex && i + 2 + hex <= n) {
				size_t k;

				for (k = 0; k < hex && is_hex(p[i + 2 + k]); k++)
					;
				if (k == hex) {
					xput(x, "\\x{", 3, i);
					xput(x, p + i + 2, hex, i + 2);
					xput(x, "}", 1, i + 2 + hex);
					i += 2 + hex;
					continue;
				}
			}
			xput(x, p + i, 2, i);
			i += 2;
			continue;
		}
		if (in_class) {
			if (c == '[') {
				xput(x, "\\[", 2, i);
				i++;
				continue;
			}
			if (c == ']') {
				in_class = false;
			}
			xput(x, p + i, 1, i);
			i++;
			continue;
		}
		if (c == '[') {
			size_t j = i + 1;

			in_class = true;
			if (j < n && p[j] == '^')
				j++;
			if (j < n && p[j] == ']')
				j++;                    /* a leading ']' is literal */
			xput(x, p + i, j - i, i);
			i = j;
			continue;
		}
		if (c == '{' && i + 1 < n && p[i + 1] == ',') {
			size_t j = i + 2;

			while (j < n && is_digit(p[j]))
				j++;
			if (j < n && p[j] == '}') {
				xput(x, "{0", 2, i);
				xput(x, p + i + 1, j + 1 - (i + 1), i + 1);
				i = j + 1;
				continue;
			}
		}
		if (c == '(' && i + 2 < n && p[i + 1] == '?') {
			size_t j = i + 2;

			while (j < n && strchr("aiLmsux-", p[j]) && p[j] != '\0')
				j++;
			if (j > i + 2 && j < n && (p[j] == ')' || p[j] == ':')) {
				xput(x, "(?", 2, i);
				for (size_t k = i + 2; k < j; k++)
					if (p[k] != 'a' && p[k] != 'u' && p[k] != 'L')
						xput(x, p + k, 1, k);
				xput(x, p + j, 1, j);
				i = j + 1;
				continue;
			}
		}
		xput(x, p + i, 1, i);
		i++;
	}
	xput(x, "", 0, n);              /* room for the end's entry */
	x->map[x->out.len] = n;
}

/* ---- cache -------------------------------------------------------------- */

#define CACHE_SLOTS 128
#define CACHE_MAX 512

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kiso_regex *cache[CACHE_SLOTS];
static size_t cache_count;

static uint32_t hash_pat(const char *p, size_t n, unsigned flags)
{
	uint32_t h = 2166136261u ^ flags;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

static void regex_destroy(struct kiso_regex *re)
{
	pcre2_code_free(re->code);
	free(re->pat);
	free(re);
}

/* Drops one reference; cache_lock held. */
static void unref_locked(struct kiso_regex *re)
{
	if (--re->refs == 0)
		regex_destroy(re);
}

static void cache_clear_locked(void)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct kiso_regex *re = cache[i], *next;

		for (; re; re = next) {
			next = re->next;
			re->next = NULL;
			unref_locked(re);
		}
		cache[i] = NULL;
	}
	cache_count = 0;
}

void kiso_regex_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	cache_clear_locked();
	pthread_mutex_unlock(&cache_lock);
}

void kiso_regex_free(struct kiso_regex *re)
{
	if (!re)
		return;
	pthread_mutex_lock(&cache_lock);
	unref_locked(re);
	pthread_mutex_unlock(&cache_lock);
}

static int compile_new(struct kiso_regex **out, const char *pat, size_t len, unsigned flags,
		       struct kiso_error *err)
{
	struct xlat x = { KISO_BUF_INIT, NULL, 0 };
	uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_ALT_CIRCUMFLEX;
	pcre2_compile_context *cc;
	pcre2_code *code;
	PCRE2_SIZE erroff = 0;
	int errcode = 0;
	uint32_t cap = 0;
	struct kiso_regex *re;

	if (flags & KISO_RE_IGNORECASE)
		opts |= PCRE2_CASELESS;
	if (flags & KISO_RE_MULTILINE)
		opts |= PCRE2_MULTILINE;
	if (flags & KISO_RE_DOTALL)
		opts |= PCRE2_DOTALL;
	if (flags & KISO_RE_VERBOSE)
		opts |= PCRE2_EXTENDED;
	translate(&x, pat, len, flags & KISO_RE_VERBOSE);
	cc = pcre2_compile_context_create(NULL);
	if (!cc)
		KISO_BUG("out of memory");
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	code = pcre2_compile((PCRE2_SPTR)kiso_buf_cstr(&x.out), x.out.len, opts, &errcode,
			     &erroff, cc);
	pcre2_compile_context_free(cc);
	if (!code) {
		PCRE2_UCHAR msg[256];
		size_t off = erroff <= x.out.len ? x.map[erroff] : len;

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		kiso_buf_release(&x.out);
		free(x.map);
		return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
				      "invalid regular expression '%.*s': %s at offset %zu",
				      (int)(len > 200 ? 200 : len), pat, (const char *)msg, off);
	}
	kiso_buf_release(&x.out);
	free(x.map);
	/* JIT is optional: when it fails the interpreter runs. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &cap);
	re = kiso_xcalloc(1, sizeof(*re));
	re->code = code;
	re->ngroups = cap;
	re->flags = flags;
	re->refs = 1;
	re->pat = kiso_xstrndup(pat, len);
	re->patlen = len;
	*out = re;
	return 0;
}

int kiso_regex_compile(struct kiso_regex **out, const char *pat, size_t len, unsigned flags,
		       struct kiso_error *err)
{
	uint32_t slot = hash_pat(pat, len, flags) % CACHE_SLOTS;
	struct kiso_regex *re;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&cache_lock);
	for (re = cache[slot]; re; re = re->next) {
		if (re->flags == flags && re->patlen == len && memcmp(re->pat, pat, len) == 0) {
			re->refs++;
			*out = re;
			pthread_mutex_unlock(&cache_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&cache_lock);

	if ((rc = compile_new(&re, pat, len, flags, err)) < 0)
		return rc;
	pthread_mutex_lock(&cache_lock);
	if (cache_count >= CACHE_MAX)
		cache_clear_locked();
	re->refs++;                     /* the cache's reference */
	re->next = cache[slot];
	cache[slot] = re;
	cache_count++;
	pthread_mutex_unlock(&cache_lock);
	*out = re;
	return 0;
}

size_t kiso_regex_ngroups(const struct kiso_regex *re)
{
	return re->ngroups;
}

int kiso_regex_group_index(const struct kiso_regex *re, const char *name)
{
	int n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);

	return n > 0 ? n : -1;
}

/* ---- matching ----------------------------------------------------------- */

static int match_error(struct kiso_error *err, int rc)
{
	PCRE2_UCHAR msg[256];

	pcre2_get_error_message(rc, msg, sizeof(msg));
	return kiso_error_set(err, KISO_EFAIL, KISO_POS_NONE, "regular expression match failed: %s",
			      (const char *)msg);
}

/* One pcre2_match(); 1 matched, 0 not, <0 error. */
static int run(pcre2_match_data *md, const struct kiso_regex *re, const char *s, size_t len,
	       size_t start, uint32_t opts, struct kiso_error *err)
{
	int rc;

	if (start > len)
		return 0;
	rc = pcre2_match(re->code, (PCRE2_SPTR)(s ? s : ""), len, start, opts, md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return match_error(err, rc);
	return 1;
}

static pcre2_match_data *md_new(const struct kiso_regex *re)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);

	if (!md)
		KISO_BUG("out of memory");
	return md;
}

static void fill_match(struct kiso_match *m, const struct kiso_regex *re, pcre2_match_data *md)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t n = pcre2_get_ovector_count(md);

	m->ngroups = re->ngroups;
	m->ovec = kiso_xmalloc(2 * (re->ngroups + 1) * sizeof(size_t));
	for (size_t g = 0; g <= re->ngroups; g++) {
		bool set = g < n && ov[2 * g] != PCRE2_UNSET;

		m->ovec[2 * g] = set ? ov[2 * g] : KISO_RE_UNSET;
		m->ovec[2 * g + 1] = set ? ov[2 * g + 1] : KISO_RE_UNSET;
	}
}

int kiso_regex_exec(struct kiso_match *m, const struct kiso_regex *re, const char *subject,
		    size_t len, size_t start, enum kiso_regex_mode mode, struct kiso_error *err)
{
	uint32_t opts = 0;
	pcre2_match_data *md;
	int rc;

	m->ngroups = 0;
	m->ovec = NULL;
	if (mode == KISO_RE_MATCH)
		opts = PCRE2_ANCHORED;
	else if (mode == KISO_RE_FULLMATCH)
		opts = PCRE2_ANCHORED | PCRE2_ENDANCHORED;
	md = md_new(re);
	rc = run(md, re, subject, len, start, opts, err);
	if (rc == 1)
		fill_match(m, re, md);
	pcre2_match_data_free(md);
	return rc;
}

void kiso_match_release(struct kiso_match *m)
{
	free(m->ovec);
	m->ovec = NULL;
	m->ngroups = 0;
}

/*
 * Python's finditer stepping: after an empty match the next match may not
 * be empty at the same place (sre's must_advance), but may be empty one
 * character further on or non-empty right there.
 */
struct iter {
	const struct kiso_regex *re;
	pcre2_match_data *md;
	const char *s;
	size_t len;
	size_t pos;
	bool prev_empty;
	bool done;
};

static int iter_next(struct iter *it, struct kiso_error *err)
{
	PCRE2_SIZE *ov;
	int rc;

	if (it->done)
		return 0;
	rc = run(it->md, it->re, it->s, it->len, it->pos,
		 it->prev_empty ? PCRE2_NOTEMPTY_ATSTART : 0, err);
	if (rc <= 0) {
		it->done = true;
		return rc;
	}
	ov = pcre2_get_ovector_pointer(it->md);
	if (ov[1] < ov[0]) {                   /* \K past the end: stop safely */
		it->done = true;
		return 0;
	}
	it->prev_empty = ov[0] == ov[1];
	it->pos = ov[1];
	return 1;
}

/* ---- findall ------------------------------------------------------------ */

static struct kiso_value *group_str(struct kiso_arena *a, const char *s, PCRE2_SIZE *ov,
				    size_t g)
{
	if (ov[2 * g] == PCRE2_UNSET)
		return kiso_str(a, "", KISO_POS_NONE);
	return kiso_strn(a, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g], KISO_POS_NONE);
}

int kiso_regex_findall(struct kiso_value **out, struct kiso_arena *a, const struct kiso_regex *re,
		       const char *subject, size_t len, struct kiso_error *err)
{
	struct iter it = { re, md_new(re), subject, len, 0, false, false };
	struct kiso_value *list = kiso_list_new(a, KISO_POS_NONE);
	int rc;

	while ((rc = iter_next(&it, err)) == 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(it.md);
		struct kiso_value *item;

		if (re->ngroups == 0) {
			item = group_str(a, subject, ov, 0);
		} else if (re->ngroups == 1) {
			item = group_str(a, subject, ov, 1);
		} else {
			item = kiso_list_new(a, KISO_POS_NONE);
			for (size_t g = 1; g <= re->ngroups; g++)
				kiso_list_push(a, item, group_str(a, subject, ov, g));
		}
		kiso_list_push(a, list, item);
	}
	pcre2_match_data_free(it.md);
	if (rc < 0)
		return rc;
	*out = list;
	return 0;
}

/* ---- sub ---------------------------------------------------------------- */

/* A parsed replacement: literal text and group references. */
struct piece {
	bool group;
	size_t n;               /* group number, or literal length */
	size_t off;             /* literal: offset in lit */
};

struct tmpl {
	struct kiso_buf lit;
	struct piece *p;
	size_t len, cap;
};

static void tmpl_push(struct tmpl *t, bool group, size_t n, size_t off)
{
	if (t->len == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->p = kiso_xrealloc(t->p, t->cap * sizeof(*t->p));
	}
	t->p[t->len++] = (struct piece){ group, n, off };
}

static void tmpl_lit(struct tmpl *t, const char *s, size_t n)
{
	if (t->len && !t->p[t->len - 1].group) {
		t->p[t->len - 1].n += n;
	} else {
		tmpl_push(t, false, n, t->lit.len);
	}
	kiso_buf_add(&t->lit, s, n);
}

static int tmpl_err(struct kiso_error *err, size_t pos, const char *fmt, ...)
	KISO_PRINTF(3, 4);

static int tmpl_err(struct kiso_error *err, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE, "%s at position %zu", msg, pos);
}

static bool is_ident(const char *s, size_t n)
{
	if (n == 0 || is_digit(s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c == '_' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      is_digit((char)c)))
			return false;
	}
	return true;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Appends code point cp (< 256 here) as UTF-8. */
static void put_cp(struct tmpl *t, unsigned cp)
{
	char u[2];

	if (cp < 0x80) {
		u[0] = (char)cp;
		tmpl_lit(t, u, 1);
	} else {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		tmpl_lit(t, u, 2);
	}
}

/* Python's sre_parse.parse_template(). */
static int tmpl_parse(struct tmpl *t, const struct kiso_regex *re, const char *r, size_t n,
		      struct kiso_error *err)
{
	size_t i = 0;

	while (i < n) {
		size_t start = i;
		char c;

		if (r[i] == '\\' && i + 1 >= n)
			return tmpl_err(err, i, "bad escape (end of pattern)");
		if (r[i] != '\\') {
			size_t j = i + 1;

			while (j < n && r[j] != '\\')
				j++;
			tmpl_lit(t, r + i, j - i);
			i = j;
			continue;
		}
		c = r[i + 1];
		i += 2;
		if (c == 'g') {
			size_t name, nlen;
			long idx = -1;

			if (i >= n || r[i] != '<')
				return tmpl_err(err, i, "missing <");
			name = ++i;
			while (i < n && r[i] != '>')
				i++;
			nlen = i - name;
			if (i >= n) {
				if (nlen == 0)
					return tmpl_err(err, i, "missing group name");
				return tmpl_err(err, name, "missing >, unterminated name");
			}
			if (nlen == 0)
				return tmpl_err(err, i, "missing group name");
			i++;            /* '>' */
			{
				char *nm = kiso_xstrndup(r + name, nlen);

				if (is_ident(nm, nlen)) {
					idx = kiso_regex_group_index(re, nm);
					if (idx < 0) {
						int rc = kiso_error_set(err, KISO_EINVALID,
									KISO_POS_NONE,
									"unknown group name '%s'",
									nm);

						free(nm);
						return rc;
					}
				} else {
					bool digits = true;

					for (size_t k = 0; k < nlen; k++)
						digits = digits && is_digit(nm[k]);
					if (!digits || nlen > 9) {
						int rc = tmpl_err(err, name,
								  "bad character in group name '%s'",
								  nm);

						free(nm);
						return rc;
					}
					idx = strtol(nm, NULL, 10);
				}
				free(nm);
			}
			if ((size_t)idx > re->ngroups) {
				char num[32];

				snprintf(num, sizeof(num), "%ld", idx);
				return tmpl_err(err, name, "invalid group reference %s", num);
			}
			tmpl_push(t, true, (size_t)idx, 0);
		} else if (c == '0') {
			unsigned v = 0;

			for (int k = 0; k < 2 && i < n && is_octal(r[i]); k++)
				v = v * 8 + (unsigned)(r[i++] - '0');
			put_cp(t, v & 0xff);
		} else if (is_digit(c)) {
			size_t g = (size_t)(c - '0');

			if (i < n && is_digit(r[i])) {
				if (is_octal(c) && is_octal(r[i]) && i + 1 < n && is_octal(r[i + 1])) {
					unsigned v = (unsigned)((c - '0') * 64 + (r[i] - '0') * 8 +
								(r[i + 1] - '0'));

					i += 2;
					if (v > 0377) {
						char txt[8];

						snprintf(txt, sizeof(txt), "%.4s", r + start);
						return tmpl_err(err, start,
								"octal escape value %s outside of range 0-0o377",
								txt);
					}
					put_cp(t, v);
					continue;
				}
				g = g * 10 + (size_t)(r[i++] - '0');
			}
			if (g > re->ngroups) {
				char num[32];

				snprintf(num, sizeof(num), "%zu", g);
				return tmpl_err(err, start + 1, "invalid group reference %s", num);
			}
			tmpl_push(t, true, g, 0);
		} else {
			static const char from[] = "abfnrtv\\";
			static const char to[] = "\a\b\f\n\r\t\v\\";
			const char *e = strchr(from, c);

			if (e && c) {
				tmpl_lit(t, &to[e - from], 1);
			} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
				char esc[3] = { '\\', c, 0 };

				return tmpl_err(err, start, "bad escape %s", esc);
			} else {
				tmpl_lit(t, r + start, 2);
			}
		}
	}
	return 0;
}

int kiso_regex_sub(struct kiso_buf *out, size_t *nsubs, const struct kiso_regex *re,
		   const char *subject, size_t len, const char *repl, size_t rlen, size_t count,
		   struct kiso_error *err)
{
	struct tmpl t = { KISO_BUF_INIT, NULL, 0, 0 };
	struct iter it = { re, NULL, subject, len, 0, false, false };
	size_t last = 0, done = 0;
	int rc;

	if (nsubs)
		*nsubs = 0;
	if ((rc = tmpl_parse(&t, re, repl, rlen, err)) < 0)
		goto out;
	it.md = md_new(re);
	while ((count == 0 || done < count) && (rc = iter_next(&it, err)) == 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(it.md);

		kiso_buf_add(out, subject + last, ov[0] - last);
		for (size_t k = 0; k < t.len; k++) {
			struct piece *p = &t.p[k];

			if (!p->group)
				kiso_buf_add(out, t.lit.ptr + p->off, p->n);
			else if (ov[2 * p->n] != PCRE2_UNSET)
				kiso_buf_add(out, subject + ov[2 * p->n],
					     ov[2 * p->n + 1] - ov[2 * p->n]);
		}
		last = ov[1];
		done++;
	}
	if (rc < 0)
		goto out;
	kiso_buf_add(out, subject + last, len - last);
	if (nsubs)
		*nsubs = done;
	rc = 0;
out:
	if (it.md)
		pcre2_match_data_free(it.md);
	kiso_buf_release(&t.lit);
	free(t.p);
	return rc;
}

void kiso_regex_escape(struct kiso_buf *out, const char *s, size_t len)
{
	static const char special[] = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\0' && strchr(special, s[i]))
			kiso_buf_putc(out, '\\');
		kiso_buf_add(out, s + i, 1);
	}
}
