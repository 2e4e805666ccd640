/*
 * hostpattern.c - host names with ranges and ports, and host patterns.
 *
 * Ports of ansible-core 2.14:
 *  - parsing/utils/addresses.py parse_address(): the same regular
 *    expressions, run through kiso's Python-compatible regex layer;
 *  - plugins/inventory/__init__.py expand_hostname_range() and the base
 *    plugin's _expand_hostpattern();
 *  - inventory/manager.py split_host_pattern(), order_patterns(),
 *    _evaluate_patterns(), _match_one_pattern(), _enumerate_matches(),
 *    subscripts and subset() (--limit, with @file);
 *  - fnmatch.translate() of Python 3.11 for globs.
 */
#include "kiso_common.h"
#include "inventory.h"
#include "inventory_int.h"
#include "regex.h"

#include <errno.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* parse_address */

#define NUMERIC_RANGE "\\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\\]"
#define HEX_RANGE "\\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\\]"
#define ALNUM_RANGE "\\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\\]"
#define V6C "(?:[0-9a-f]{1,4}|" HEX_RANGE ")"
#define V4C "(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|" NUMERIC_RANGE ")"
#define LABEL "(?:[\\w]|" ALNUM_RANGE ")(?:[\\w_-]|" ALNUM_RANGE ")*(?<![_-])"

static const char RE_BRACKETED[] = "^\\[(.+)\\]:([0-9]+)$";
static const char RE_HOSTPORT[] = "^((?:[^:\\[\\]]|\\[[^\\]]*\\])*):([0-9]+)$";
static const char RE_IPV4[] = "^(?:" V4C "\\.){3}" V4C "$";
static const char RE_IPV6[] =
	"^(?:" V6C ":){7}" V6C "|"
	"(?:" V6C ":){1,6}:|"
	"(?:" V6C ":)(?::" V6C "){1,6}|"
	"(?:" V6C ":){2}(?::" V6C "){1,5}|"
	"(?:" V6C ":){3}(?::" V6C "){1,4}|"
	"(?:" V6C ":){4}(?::" V6C "){1,3}|"
	"(?:" V6C ":){5}(?::" V6C "){1,2}|"
	"(?:" V6C ":){6}(?::" V6C ")|"
	":(?::" V6C "){1,6}|"
	V6C "?::|"
	"(?:0:){6}(?:" V6C "\\.){3}" V6C "|"
	"::(?:ffff:)?(?:" V6C "\\.){3}" V6C "|"
	"(?:0:){5}ffff:(?:" V6C "\\.){3}" V6C "$";
static const char RE_HOSTNAME[] = "^" LABEL "(?:\\." LABEL ")*$";

/* re.match(pattern, s): 1 match (groups in *m if m), 0 no, -1 error */
static int re_match(struct kiso_match *m, const char *pat, unsigned flags, const char *s)
{
	struct kiso_regex *re;
	struct kiso_match tmp = KISO_MATCH_INIT;
	int rc;

	if (kiso_regex_compile(&re, pat, strlen(pat), flags, NULL) < 0)
		return -1;
	rc = kiso_regex_exec(m ? m : &tmp, re, s, strlen(s), 0, KISO_RE_MATCH, NULL);
	kiso_match_release(&tmp);
	kiso_regex_free(re);
	return rc;
}

int kiso_inv_parse_address(char **host, long *port, struct kiso_arena *a, const char *addr,
			   bool allow_ranges)
{
	static const char *const hp[] = { RE_BRACKETED, RE_HOSTPORT };
	char *cur = kiso_arena_strdup(a, addr);
	bool ok = false;

	*port = -1;
	for (size_t i = 0; i < 2; i++) {
		struct kiso_match m = KISO_MATCH_INIT;

		if (re_match(&m, hp[i], 0, cur) == 1) {
			const char *p = cur + m.ovec[4];
			size_t plen = m.ovec[5] - m.ovec[4];
			long v = 0;

			for (size_t k = 0; k < plen; k++) {
				if (v > 100000000L)
					break;
				v = v * 10 + (p[k] - '0');
			}
			*port = v;
			cur = kiso_arena_strndup(a, cur + m.ovec[2], m.ovec[3] - m.ovec[2]);
		}
		kiso_match_release(&m);
	}
	if (re_match(NULL, RE_IPV4, KISO_RE_IGNORECASE, cur) == 1 ||
	    re_match(NULL, RE_IPV6, KISO_RE_IGNORECASE, cur) == 1 ||
	    re_match(NULL, RE_HOSTNAME, KISO_RE_IGNORECASE, cur) == 1)
		ok = true;
	if (!ok || (!allow_ranges && strchr(cur, '[')))
		return -1;
	*host = cur;
	return 0;
}

/* ------------------------------------------------------------------ */
/* expand_hostname_range */

#define MAX_EXPANDED 100000

static const char LETTERS[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* Python's int(s) for the plain forms used in ranges. */
static bool py_int_str(long long *out, const char *s)
{
	bool neg = false;
	long long v = 0;
	bool any = false;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; *s; s++) {
		if (*s == '_' && any && s[1] >= '0' && s[1] <= '9')
			continue;
		if (*s < '0' || *s > '9')
			return false;
		if (v > 100000000000LL)
			return false;
		v = v * 10 + (*s - '0');
		any = true;
	}
	if (!any)
		return false;
	*out = neg ? -v : v;
	return true;
}

/* str(v).zfill(rlen) when rlen, else str(v) */
static char *fmt_num(struct kiso_arena *a, long long v, size_t rlen)
{
	char digits[32];
	size_t dl, total, pad;
	char *out;

	snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v);
	dl = strlen(digits);
	total = dl + (v < 0);
	pad = rlen > total ? rlen - total : 0;
	out = kiso_arena_alloc(a, total + pad + 1);
	if (v < 0)
		out[0] = '-';
	memset(out + (v < 0), '0', pad);
	memcpy(out + (v < 0) + pad, digits, dl + 1);
	return out;
}

struct names {
	char **items;
	size_t len, cap;
};

static void names_push(struct kiso_arena *a, struct names *n, char *s)
{
	if (n->len == n->cap) {
		size_t nc = n->cap ? n->cap * 2 : 8;

		n->items = kiso_arena_grow(a, n->items, n->cap * sizeof(char *), nc * sizeof(char *));
		n->cap = nc;
	}
	n->items[n->len++] = s;
}

static int expand(struct names *out, struct kiso_arena *a, const char *line, char *why,
		  size_t whysize, unsigned depth)
{
	char *work = kiso_arena_strdup(a, line);
	char *lb = strchr(work, '['), *rb, *head, *nrange, *tail, *c1, *c2, *beg, *end;
	const char *step = "1";
	long long step_v, ib, ie;
	size_t rlen = 0;
	bool letters = false;

	if (depth > 64) {
		snprintf(why, whysize, "host range '%s' nests too deep", line);
		return -1;
	}
	/* line.replace('[', '|', 1).replace(']', '|', 1).split('|') */
	if (lb)
		*lb = '|';
	rb = strchr(work, ']');
	if (rb)
		*rb = '|';
	head = work;
	nrange = strchr(head, '|');
	tail = nrange ? strchr(nrange + 1, '|') : NULL;
	if (!nrange || !tail || strchr(tail + 1, '|')) {
		snprintf(why, whysize, "invalid host range in '%s'", line);
		return -1;
	}
	*nrange++ = 0;
	*tail++ = 0;
	c1 = strchr(nrange, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || (c2 && strchr(c2 + 1, ':'))) {
		snprintf(why, whysize, "host range must be begin:end or begin:end:step");
		return -1;
	}
	*c1 = 0;
	beg = nrange;
	end = c1 + 1;
	if (c2) {
		*c2 = 0;
		step = c2 + 1;
	}
	if (!*beg)
		beg = "0";
	if (!*end) {
		snprintf(why, whysize, "host range must specify end value");
		return -1;
	}
	if (beg[0] == '0' && strlen(beg) > 1) {
		rlen = strlen(beg);
		if (rlen != strlen(end)) {
			snprintf(why, whysize,
				 "host range must specify equal-length begin and end formats");
			return -1;
		}
	}
	if (!py_int_str(&step_v, step)) {
		snprintf(why, whysize, "invalid literal for int() with base 10: '%s'", step);
		return -1;
	}
	{
		const char *pb = strstr(LETTERS, beg), *pe = strstr(LETTERS, end);

		if (*beg && *end && pb && pe) {
			letters = true;
			ib = pb - LETTERS;
			ie = pe - LETTERS;
			if (ib > ie) {
				snprintf(why, whysize, "host range must have begin <= end");
				return -1;
			}
			if (step_v == 0) {
				snprintf(why, whysize, "slice step cannot be zero");
				return -1;
			}
		} else {
			if (!py_int_str(&ib, beg)) {
				snprintf(why, whysize, "invalid literal for int() with base 10: '%s'",
					 beg);
				return -1;
			}
			if (!py_int_str(&ie, end)) {
				snprintf(why, whysize, "invalid literal for int() with base 10: '%s'",
					 end);
				return -1;
			}
			if (step_v == 0) {
				snprintf(why, whysize, "range() arg 3 must not be zero");
				return -1;
			}
		}
	}
	if (letters) {
		/* string.ascii_letters[ib:ie + 1:step] */
		long long n = (long long)strlen(LETTERS), stop = ie + 1 > n ? n : ie + 1;
		long long i = ib;

		if (step_v < 0) {
			/* a negative step walks from ib down to stop (exclusive) */
			if (i >= n)
				i = n - 1;
			for (; i > stop; i += step_v) {
				char *h = kiso_arena_sprintf(a, "%s%c%s", head, LETTERS[i], tail);

				if (strchr(h, '[')) {
					if (expand(out, a, h, why, whysize, depth + 1) < 0)
						return -1;
				} else {
					names_push(a, out, h);
				}
			}
			return 0;
		}
		for (; i < stop; i += step_v) {
			char *h = kiso_arena_sprintf(a, "%s%c%s", head, LETTERS[i], tail);

			if (out->len >= MAX_EXPANDED)
				goto toomany;
			if (strchr(h, '[')) {
				if (expand(out, a, h, why, whysize, depth + 1) < 0)
					return -1;
			} else {
				names_push(a, out, h);
			}
		}
		return 0;
	}
	/* range(ib, ie + 1, step) */
	for (long long i = ib; step_v > 0 ? i < ie + 1 : i > ie + 1; i += step_v) {
		char *h, *num;

		if (out->len >= MAX_EXPANDED)
			goto toomany;
		num = fmt_num(a, i, rlen);
		h = kiso_arena_sprintf(a, "%s%s%s", head, num, tail);
		if (strchr(h, '[')) {
			if (expand(out, a, h, why, whysize, depth + 1) < 0)
				return -1;
		} else {
			names_push(a, out, h);
		}
	}
	return 0;
toomany:
	snprintf(why, whysize, "host range '%s' gives more than %d hosts", line, MAX_EXPANDED);
	return -1;
}

long kiso_inv_expand_range(char ***out, struct kiso_arena *a, const char *pattern, char *why,
			   size_t whysize)
{
	struct names n = { NULL, 0, 0 };

	if (!strchr(pattern, '[')) {
		names_push(a, &n, kiso_arena_strdup(a, pattern));
	} else if (expand(&n, a, pattern, why, whysize, 0) < 0) {
		return -1;
	}
	*out = n.items;
	return (long)n.len;
}

long kiso_inv_expand_hostpattern(char ***out, long *port, struct kiso_arena *a,
				 const char *pattern, char *why, size_t whysize)
{
	char *host;

	if (kiso_inv_parse_address(&host, port, a, pattern, true) < 0) {
		host = (char *)pattern;
		*port = -1;
	}
	return kiso_inv_expand_range(out, a, host, why, whysize);
}

/* ------------------------------------------------------------------ */
/* fnmatch */

/* Python 3.11's fnmatch.translate(), without the atomic-group speedup. */
static void fnmatch_translate(struct kiso_buf *res, const char *pat)
{
	size_t i = 0, n = strlen(pat);

	kiso_buf_puts(res, "(?s:");
	while (i < n) {
		char c = pat[i++];

		if (c == '*') {
			if (!(res->len >= 2 && strcmp(res->ptr + res->len - 2, ".*") == 0 &&
			      !(res->len >= 3 && res->ptr[res->len - 3] == '\\')))
				kiso_buf_puts(res, ".*");
		} else if (c == '?') {
			kiso_buf_putc(res, '.');
		} else if (c == '[') {
			size_t j = i;

			if (j < n && pat[j] == '!')
				j++;
			if (j < n && pat[j] == ']')
				j++;
			while (j < n && pat[j] != ']')
				j++;
			if (j >= n) {
				kiso_buf_puts(res, "\\[");
			} else {
				struct kiso_buf stuff = KISO_BUF_INIT;
				const char *st;

				if (!memchr(pat + i, '-', j - i)) {
					for (size_t k = i; k < j; k++) {
						if (pat[k] == '\\')
							kiso_buf_putc(&stuff, '\\');
						kiso_buf_putc(&stuff, pat[k]);
					}
				} else {
					/* split into chunks at range hyphens */
					char **chunks = NULL;
					size_t nch = 0;
					size_t k = pat[i] == '!' ? i + 2 : i + 1;
					size_t ii = i;

					for (;;) {
						const char *f = k < j ? memchr(pat + k, '-', j - k) : NULL;

						if (!f)
							break;
						k = (size_t)(f - pat);
						chunks = kiso_xrealloc(chunks, (nch + 1) * sizeof(*chunks));
						chunks[nch++] = kiso_xstrndup(pat + ii, k - ii);
						ii = k + 1;
						k = k + 3;
					}
					if (j > ii) {
						chunks = kiso_xrealloc(chunks, (nch + 1) * sizeof(*chunks));
						chunks[nch++] = kiso_xstrndup(pat + ii, j - ii);
					} else if (nch) {
						char *c2 = kiso_xasprintf("%s-", chunks[nch - 1]);

						free(chunks[nch - 1]);
						chunks[nch - 1] = c2;
					}
					/* remove empty ranges */
					for (size_t q = nch ? nch - 1 : 0; q > 0; q--) {
						size_t pl = strlen(chunks[q - 1]);

						if (pl && chunks[q][0] &&
						    (unsigned char)chunks[q - 1][pl - 1] >
							    (unsigned char)chunks[q][0]) {
							char *m = kiso_xasprintf("%.*s%s", (int)(pl - 1),
										 chunks[q - 1],
										 chunks[q] + 1);

							free(chunks[q - 1]);
							free(chunks[q]);
							chunks[q - 1] = m;
							memmove(chunks + q, chunks + q + 1,
								(nch - q - 1) * sizeof(*chunks));
							nch--;
						}
					}
					for (size_t q = 0; q < nch; q++) {
						if (q)
							kiso_buf_putc(&stuff, '-');
						for (const char *s = chunks[q]; *s; s++) {
							if (*s == '\\' || *s == '-')
								kiso_buf_putc(&stuff, '\\');
							kiso_buf_putc(&stuff, *s);
						}
						free(chunks[q]);
					}
					free(chunks);
				}
				/* escape set operations */
				{
					struct kiso_buf e = KISO_BUF_INIT;

					for (size_t q = 0; q < stuff.len; q++) {
						if (strchr("&~|", stuff.ptr[q]))
							kiso_buf_putc(&e, '\\');
						kiso_buf_putc(&e, stuff.ptr[q]);
					}
					kiso_buf_release(&stuff);
					stuff = e;
				}
				i = j + 1;
				st = kiso_buf_cstr(&stuff);
				if (!stuff.len) {
					kiso_buf_puts(res, "(?!)");
				} else if (strcmp(st, "!") == 0) {
					kiso_buf_putc(res, '.');
				} else {
					kiso_buf_putc(res, '[');
					if (st[0] == '!') {
						kiso_buf_putc(res, '^');
						kiso_buf_puts(res, st + 1);
					} else {
						if (st[0] == '^' || st[0] == '[')
							kiso_buf_putc(res, '\\');
						kiso_buf_puts(res, st);
					}
					kiso_buf_putc(res, ']');
				}
				kiso_buf_release(&stuff);
			}
		} else {
			char one[2] = { c, 0 };

			kiso_regex_escape(res, one, 1);
		}
	}
	kiso_buf_puts(res, ")\\Z");
}

bool kiso_inv_fnmatch(const char *pat, const char *name)
{
	struct kiso_buf b = KISO_BUF_INIT;
	int rc;

	fnmatch_translate(&b, pat);
	rc = re_match(NULL, kiso_buf_cstr(&b), 0, name);
	kiso_buf_release(&b);
	return rc == 1;
}

/* ------------------------------------------------------------------ */
/* host patterns */

struct hl {
	struct kiso_inv_host **items;
	size_t len, cap;
};

static void hl_push(struct kiso_arena *a, struct hl *l, struct kiso_inv_host *h)
{
	if (l->len == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;

		l->items = kiso_arena_grow(a, l->items, l->cap * sizeof(*l->items),
					   nc * sizeof(*l->items));
		l->cap = nc;
	}
	l->items[l->len++] = h;
}

/* A set of host pointers (open addressing), for linear-time filtering. */
struct pset {
	const void **slots;
	size_t cap, len;
};

static size_t ptr_hash(const void *p, size_t cap)
{
	uintptr_t x = (uintptr_t)p;

	x ^= x >> 17;
	x *= 0x9E3779B97F4A7C15ull;
	return (size_t)(x >> 7) & (cap - 1);
}

static bool pset_has(const struct pset *s, const void *p)
{
	if (!s->cap)
		return false;
	for (size_t i = ptr_hash(p, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slots[i])
			return false;
		if (s->slots[i] == p)
			return true;
	}
}

/* Adds p; false when it was there already. */
static bool pset_add(struct kiso_arena *a, struct pset *s, const void *p)
{
	size_t i;

	if ((s->len + 1) * 2 > s->cap) {
		struct pset n = { NULL, s->cap ? s->cap * 2 : 32, 0 };

		n.slots = kiso_arena_zalloc(a, n.cap * sizeof(*n.slots));
		for (size_t k = 0; k < s->cap; k++)
			if (s->slots[k])
				pset_add(a, &n, s->slots[k]);
		*s = n;
	}
	for (i = ptr_hash(p, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == p)
			return false;
	s->slots[i] = p;
	s->len++;
	return true;
}

static struct pset pset_of(struct kiso_arena *a, const struct hl *l)
{
	struct pset s = { NULL, 0, 0 };

	for (size_t i = 0; i < l->len; i++)
		pset_add(a, &s, l->items[i]);
	return s;
}

struct strs {
	char **items;
	size_t len, cap;
};

static void strs_push(struct kiso_arena *a, struct strs *s, char *p)
{
	if (s->len == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;

		s->items = kiso_arena_grow(a, s->items, s->cap * sizeof(char *), nc * sizeof(char *));
		s->cap = nc;
	}
	s->items[s->len++] = p;
}

static char *strip(struct kiso_arena *a, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
		     *s == '\v'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
		     s[n - 1] == '\r' || s[n - 1] == '\f' || s[n - 1] == '\v'))
		n--;
	return kiso_arena_strndup(a, s, n);
}

/* split_host_pattern() */
static void split_pattern(struct strs *out, struct kiso_arena *a, const char *pattern)
{
	char *host;
	long port;

	if (strchr(pattern, ',')) {
		const char *s = pattern;

		for (;;) {
			const char *c = strchr(s, ',');
			char *p = strip(a, s, c ? (size_t)(c - s) : strlen(s));

			if (*p)
				strs_push(a, out, p);
			if (!c)
				break;
			s = c + 1;
		}
		return;
	}
	if (kiso_inv_parse_address(&host, &port, a, pattern, true) == 0) {
		char *p = strip(a, pattern, strlen(pattern));

		if (*p)
			strs_push(a, out, p);
		return;
	}
	/* re.findall(r'(?:[^\s:\[\]]|\[[^\]]*\])+', pattern) */
	for (const char *s = pattern; *s;) {
		const char *st = s;

		for (;;) {
			if (*s && !strchr(" \t\n\r\f\v:[]", *s)) {
				s++;
			} else if (*s == '[' && strchr(s + 1, ']')) {
				s = strchr(s + 1, ']') + 1;
			} else {
				break;
			}
		}
		if (s > st) {
			char *p = strip(a, st, (size_t)(s - st));

			if (*p)
				strs_push(a, out, p);
		} else {
			s++;
		}
	}
}

/* _match_list(): names matching a glob or (with '~') a regex, as re.match */
static int match_name(bool *out, const char *pat, const char *name, struct kiso_error *err)
{
	if (pat[0] == '~') {
		struct kiso_regex *re;
		struct kiso_match m = KISO_MATCH_INIT;
		int rc;

		if (kiso_regex_compile(&re, pat + 1, strlen(pat + 1), 0, NULL) < 0)
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
					      "invalid host list pattern: %s", pat);
		rc = kiso_regex_exec(&m, re, name, strlen(name), 0, KISO_RE_MATCH, err);
		kiso_match_release(&m);
		kiso_regex_free(re);
		if (rc < 0)
			return rc;
		*out = rc == 1;
		return 0;
	}
	*out = kiso_inv_fnmatch(pat, name);
	return 0;
}

static bool is_localhost_name(const char *s)
{
	return strcmp(s, "127.0.0.1") == 0 || strcmp(s, "localhost") == 0 ||
	       strcmp(s, "::1") == 0;
}

/* InventoryData.get_host() for a localhost-like name not in the inventory */
static struct kiso_inv_host *implicit_localhost(struct kiso_inventory *inv, const char *name)
{
	struct kiso_inv_host *h;

	if (inv->localhost)
		return inv->localhost;
	for (size_t i = 0; i < inv->nhosts; i++)
		if (is_localhost_name(inv->hosts[i]->name))
			return inv->hosts[i];
	h = kiso_arena_zalloc(inv->arena, sizeof(*h));
	h->name = kiso_arena_strdup(inv->arena, name);
	h->index = (size_t)-1;
	h->vars = kiso_map_new(inv->arena, KISO_POS_NONE);
	kiso_map_set(inv->arena, h->vars, "ansible_connection",
		     kiso_str(inv->arena, "local", KISO_POS_NONE));
	h->implicit = true;
	inv->localhost = h;
	return h;
}

/* _enumerate_matches() */
static int enumerate(struct hl *out, struct kiso_arena *a, struct kiso_inventory *inv,
		     const char *pat, struct kiso_error *err)
{
	bool any_group = false, m;
	int rc;

	for (size_t i = 0; i < inv->ngroups; i++) {
		if ((rc = match_name(&m, pat, inv->groups[i]->name, err)) < 0)
			return rc;
		if (m) {
			struct kiso_inv_hostlist gh = kiso_inventory_group_hosts(a, inv,
										 inv->groups[i]);

			any_group = true;
			for (size_t j = 0; j < gh.len; j++)
				hl_push(a, out, gh.items[j]);
		}
	}
	if (!any_group || pat[0] == '~' || strpbrk(pat, ".?*[")) {
		for (size_t i = 0; i < inv->nhosts; i++) {
			if ((rc = match_name(&m, pat, inv->hosts[i]->name, err)) < 0)
				return rc;
			if (m)
				hl_push(a, out, inv->hosts[i]);
		}
	}
	if (!out->len && is_localhost_name(pat))
		hl_push(a, out, implicit_localhost(inv, pat));
	return 0;
}

/* PATTERN_WITH_SUBSCRIPT: "expr[3]", "expr[-1]", "expr[1:3]", "expr[2:]", "expr[1-3]" */
static bool split_subscript(char **expr, long long *start, long long *end, bool *has_end,
			    struct kiso_arena *a, const char *pat)
{
	size_t n = strlen(pat), lb;
	const char *in;

	if (pat[0] == '~' || n < 4 || pat[n - 1] != ']')
		return false;
	lb = n - 1;
	while (lb > 0 && pat[lb - 1] != '[')
		lb--;
	if (lb < 2) /* (.+) needs one char before '[' */
		return false;
	in = pat + lb;
	/* inside: -?[0-9]+ | [0-9]+[:-][0-9]* */
	{
		size_t k = 0, m = n - 1 - lb;
		bool neg = false;
		long long x = 0, y = -1;
		size_t d = 0;

		if (in[0] == '-')
			neg = true, k++;
		while (k < m && in[k] >= '0' && in[k] <= '9') {
			if (x < 100000000000LL)
				x = x * 10 + (in[k] - '0');
			k++, d++;
		}
		if (!d)
			return false;
		if (k == m) {
			*start = neg ? -x : x;
			*has_end = false;
		} else {
			if (neg || (in[k] != ':' && in[k] != '-'))
				return false;
			k++;
			if (k < m) {
				y = 0;
				while (k < m && in[k] >= '0' && in[k] <= '9') {
					if (y < 100000000000LL)
						y = y * 10 + (in[k] - '0');
					k++;
				}
				if (k != m)
					return false;
			}
			*start = x;
			*end = y;
			*has_end = true;
		}
	}
	*expr = kiso_arena_strndup(a, pat, lb - 1);
	return true;
}

/* _match_one_pattern() */
static int match_one(struct hl *out, struct kiso_arena *a, struct kiso_inventory *inv,
		     const char *pattern, struct kiso_error *err)
{
	char *expr = (char *)pattern;
	long long start = 0, end = 0;
	bool has_sub, has_end = false;
	struct hl all = { NULL, 0, 0 };
	int rc;

	if (pattern[0] == '&' || pattern[0] == '!')
		pattern++;
	expr = (char *)pattern;
	has_sub = split_subscript(&expr, &start, &end, &has_end, a, pattern);
	if ((rc = enumerate(&all, a, inv, expr, err)) < 0)
		return rc;
	if (!has_sub || !all.len) {
		*out = all;
		return 0;
	}
	if (has_end && end != 0) {
		/* hosts[start:end + 1], end -1 meaning the last */
		long long n = (long long)all.len, s = start, e;

		if (end == -1)
			end = n - 1;
		e = end + 1;
		if (s > n)
			s = n;
		if (e > n)
			e = n;
		for (long long i = s; i < e; i++)
			hl_push(a, out, all.items[i]);
		return 0;
	}
	{
		long long n = (long long)all.len, idx = start;

		if (idx < 0)
			idx += n;
		if (idx < 0 || idx >= n)
			return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
					      "no hosts matched the subscripted pattern '%s'",
					      pattern);
		hl_push(a, out, all.items[idx]);
	}
	return 0;
}

/* _evaluate_patterns() */
static int evaluate(struct hl *out, struct kiso_arena *a, struct kiso_inventory *inv,
		    struct strs *pats, struct kiso_error *err)
{
	struct strs ordered = { NULL, 0, 0 };
	struct pset seen = { NULL, 0, 0 };
	int rc;

	/* order_patterns(): regular ones (or 'all'), then '&', then '!' */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < pats->len; i++) {
			char c = pats->items[i][0];
			int kind = c == '!' ? 2 : c == '&' ? 1 : 0;

			if (c && kind == pass)
				strs_push(a, &ordered, pats->items[i]);
		}
		if (pass == 0 && !ordered.len)
			strs_push(a, &ordered, "all");
	}
	/*
	 * Ansible keeps duplicates until the very end (deduplicate_list());
	 * keeping 'out' free of them from the start gives the same result.
	 */
	out->len = 0;
	for (size_t i = 0; i < ordered.len; i++) {
		const char *p = ordered.items[i];
		struct kiso_inv_host *h = kiso_inventory_host(inv, p);
		struct hl that = { NULL, 0, 0 };

		if (h) {
			if (pset_add(a, &seen, h))
				hl_push(a, out, h);
			continue;
		}
		if ((rc = match_one(&that, a, inv, p, err)) < 0)
			return rc;
		if (p[0] == '!' || p[0] == '&') {
			struct pset ts = pset_of(a, &that);
			size_t k = 0;

			seen = (struct pset){ NULL, 0, 0 };
			for (size_t j = 0; j < out->len; j++) {
				bool in = pset_has(&ts, out->items[j]);

				if ((p[0] == '!') != in) {
					out->items[k++] = out->items[j];
					pset_add(a, &seen, out->items[j]);
				}
			}
			out->len = k;
		} else {
			for (size_t j = 0; j < that.len; j++)
				if (pset_add(a, &seen, that.items[j]))
					hl_push(a, out, that.items[j]);
		}
	}
	return 0;
}

/* subset(): the --limit patterns with @file lists expanded */
static int limit_patterns(struct strs *out, struct kiso_arena *a, const char *limit,
			  struct kiso_error *err)
{
	struct strs parts = { NULL, 0, 0 };

	split_pattern(&parts, a, limit);
	for (size_t i = 0; i < parts.len; i++) {
		const char *x = parts.items[i];

		if (x[0] == '@') {
			struct stat st;
			FILE *f;
			char line[4096];

			if (stat(x + 1, &st) != 0)
				return kiso_error_set(err, KISO_ENOTFOUND, KISO_POS_NONE,
						      "unable to find limit file '%s'", x + 1);
			if (!S_ISREG(st.st_mode))
				return kiso_error_set(err, KISO_EINVALID, KISO_POS_NONE,
						      "limit starting with '@' must be a file, not "
						      "a directory: '%s'", x + 1);
			if (!(f = fopen(x + 1, "r")))
				return kiso_error_set(err, KISO_EFAIL, KISO_POS_NONE,
						      "cannot open limit file '%s': %s", x + 1,
						      strerror(errno));
			while (fgets(line, sizeof(line), f))
				strs_push(a, out, strip(a, line, strlen(line)));
			fclose(f);
		} else {
			strs_push(a, out, (char *)x);
		}
	}
	return 0;
}

int kiso_inventory_match(struct kiso_inv_hostlist *out, struct kiso_arena *a,
			 struct kiso_inventory *inv, const char *pattern, const char *limit,
			 struct kiso_error *err)
{
	struct strs pats = { NULL, 0, 0 };
	struct hl hosts = { NULL, 0, 0 }, res = { NULL, 0, 0 };
	bool had_local = inv->localhost != NULL;
	int rc;

	out->items = NULL;
	out->len = 0;
	split_pattern(&pats, a, pattern);
	if ((rc = evaluate(&hosts, a, inv, &pats, err)) < 0)
		return rc;
	if (limit) {
		struct strs lp = { NULL, 0, 0 };
		struct hl sub = { NULL, 0, 0 };
		struct pset subset;
		size_t k = 0;

		if ((rc = limit_patterns(&lp, a, limit, err)) < 0)
			return rc;
		if ((rc = evaluate(&sub, a, inv, &lp, err)) < 0)
			return rc;
		subset = pset_of(a, &sub);
		for (size_t i = 0; i < hosts.len; i++)
			if (pset_has(&subset, hosts.items[i]))
				hosts.items[k++] = hosts.items[i];
		hosts.len = k;
	}
	res = hosts;
	if (!had_local && inv->localhost && (rc = kiso_inv_load_layers(inv, err)) < 0)
		return rc;
	out->items = res.items;
	out->len = res.len;
	return 0;
}
