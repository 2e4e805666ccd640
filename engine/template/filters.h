/*
 * template/filters.h - private to the filter and test files
 * (template/filters*.c, template/tests.c): the per-family tables and the
 * helpers they share. The evaluator uses template/builtins.h only.
 *
 * Error texts follow Ansible 2.14 / Jinja2 3.1: an AnsibleFilterError's
 * message is kept as it is ("dict2items requires a dictionary, got <class
 * 'str'> instead."); a Python TypeError raised inside a filter reaches
 * the user as "Unexpected templating type error occurred: MSG" (Ansible
 * adds "on (TEMPLATE)", the evaluator adds the position instead).
 */
#ifndef KISO_TEMPLATE_FILTERS_H
#define KISO_TEMPLATE_FILTERS_H

#include "kiso_common.h"
#include "template/builtins.h"

/* The families; each array ends with a { NULL } entry. */
extern const struct kiso_tmpl_filter kiso_filters_data[];
extern const struct kiso_tmpl_filter kiso_filters_list[];
extern const struct kiso_tmpl_filter kiso_filters_random[];
extern const struct kiso_tmpl_filter kiso_filters_regex[];
extern const struct kiso_tmpl_filter kiso_filters_string[];

/* ---- value flags ---- */

/*
 * Bits of kiso_value.flags that value.h leaves to the template engine:
 * a list that is a Python tuple (printed '(1, 2)'; the same bit as
 * TMPL_VF_TUPLE of template/internal.h, checked in filters.c), and a null
 * standing for a Jinja2 Undefined inside a list (map(attribute='x') on an
 * item without 'x', map('extract', ...) of a missing key), which select(),
 * reject(), first and last treat as undefined, as Jinja2 does.
 */
#define KISO_FVF_TUPLE 0x4000u
#define KISO_FVF_UNDEF 0x1000u

/* Marks list l as a tuple and returns it. */
struct kiso_value *kiso_ftuple(struct kiso_value *l);
/* An Undefined placeholder for a list item. */
struct kiso_value *kiso_fundef(struct kiso_tmpl_call *c);
/* True for a placeholder from kiso_fundef(). */
bool kiso_fis_undef(const struct kiso_value *v);

/* ---- errors ---- */

/* An error whose text is 'fmt' as it is (Ansible's AnsibleFilterError). */
int kiso_ferr(struct kiso_tmpl_call *c, const char *fmt, ...) KISO_PRINTF(2, 3);
/* A Python TypeError inside a filter, with Ansible's prefix. */
int kiso_ftypeerr(struct kiso_tmpl_call *c, const char *fmt, ...) KISO_PRINTF(2, 3);

/* ---- arguments ---- */

/*
 * Binds the call's arguments after the input to the parameter names
 * names[0..n) as Python does: out[i] is the value or NULL when not given.
 * Fails with Python's TypeError texts (too many positional arguments,
 * unexpected or repeated keyword) naming function 'fn'.
 */
int kiso_fbind(struct kiso_tmpl_call *c, const char *fn, const char *const *names, size_t n,
	       struct kiso_value **out);

/* Python's int() of an argument that must be a number; 'what' names it. */
int kiso_fint(int64_t *out, struct kiso_tmpl_call *c, const struct kiso_value *v,
	      const char *what);

/* Python's truth value; NULL (absent) gives 'dflt'. */
bool kiso_fbool(const struct kiso_value *v, bool dflt);

/* ---- strings ---- */

/* Python str(v) as a NUL-terminated arena string; *len gets its length. */
const char *kiso_fstr(struct kiso_tmpl_call *c, const struct kiso_value *v, size_t *len);
/* Python repr(v) in the arena. */
const char *kiso_frepr(struct kiso_tmpl_call *c, const struct kiso_value *v);
/* A string value holding n bytes of s. */
struct kiso_value *kiso_fnewstr(struct kiso_tmpl_call *c, const char *s, size_t n);
/* Takes over a kiso_buf's contents as a string value (the buf is released). */
struct kiso_value *kiso_fbufstr(struct kiso_tmpl_call *c, struct kiso_buf *b);

/* UTF-8: code points in s[0..n), and the byte offset of code point i. */
size_t kiso_utf8_count(const char *s, size_t n);
size_t kiso_utf8_offset(const char *s, size_t n, size_t i);
/* Decodes one code point at s[*i] (invalid bytes decode as themselves). */
uint32_t kiso_utf8_next(const char *s, size_t n, size_t *i);
void kiso_utf8_put(struct kiso_buf *b, uint32_t cp);
/* Python str.lower()/upper() of one code point (ASCII, Latin-1, Greek,
 * Cyrillic) and the character classes the string filters need. */
uint32_t kiso_cp_lower(uint32_t cp);
uint32_t kiso_cp_upper(uint32_t cp);
bool kiso_cp_space(uint32_t cp);

/* ---- containers ---- */

/*
 * Python's list(v): a list's items, a map's keys, a string's characters.
 * Other types fail with "'int' object is not iterable" (a TypeError).
 * The result may be v itself when v is a list: do not change it.
 */
int kiso_fiter(struct kiso_value **out, struct kiso_tmpl_call *c, struct kiso_value *v);

/* Python's 'x in container' (list item, map key, substring). */
int kiso_fcontains(bool *out, struct kiso_tmpl_call *c, const struct kiso_value *container,
		   const struct kiso_value *x);

/*
 * Jinja2's attribute getter for map(attribute=), sort(attribute=) ...:
 * 'attr' is a string (dotted path) or an int. *out is NULL when missing.
 */
int kiso_fattr(struct kiso_value **out, struct kiso_tmpl_call *c, const struct kiso_value *obj,
	       const struct kiso_value *attr);
/* The same, failing with Jinja2's "'dict object' has no attribute 'x'". */
int kiso_fattr_req(struct kiso_value **out, struct kiso_tmpl_call *c,
		   const struct kiso_value *obj, const struct kiso_value *attr);

/* Sorts items[0..n) with Python ordering (stable); case-folding strings
 * unless case_sensitive; fails as Python does for mixed types. */
int kiso_fsort(struct kiso_tmpl_call *c, struct kiso_value **items, size_t n, bool reverse,
	       bool case_sensitive, const struct kiso_value *attr);

/* Python comparison (ignore case for strings when !case_sensitive). */
int kiso_fcompare(int *out, struct kiso_tmpl_call *c, const struct kiso_value *x,
		  const struct kiso_value *y, bool case_sensitive);
/* The same, naming operator 'op' ("<", ">") when Python would raise. */
int kiso_fcompare_op(int *out, struct kiso_tmpl_call *c, const struct kiso_value *x,
		     const struct kiso_value *y, bool case_sensitive, const char *op);

/*
 * Calls the filter or test called 'name' on 'input' with positional
 * arguments args[0..nargs) and the keyword arguments of 'kw' (may be
 * NULL): map('upper'), select('odd'), map('regex_replace', 'a', 'b').
 * A NULL input (undefined) reaches only KISO_TMPL_UNDEF_OK entries;
 * for others the call fails with kw->undef_name's text.
 */
int kiso_fcall_filter(struct kiso_value **out, struct kiso_tmpl_call *c, const char *name,
		      struct kiso_value *input, struct kiso_value **args, size_t nargs,
		      const struct kiso_tmpl_call *kw);
int kiso_fcall_test(bool *out, struct kiso_tmpl_call *c, const char *name,
		    struct kiso_value *input, struct kiso_value **args, size_t nargs,
		    const struct kiso_tmpl_call *kw);

/*
 * Python's urllib.parse.urlsplit() (3.11): the parts point into the input
 * (len 0 when empty). Returns 0, or -1 when Python raises ValueError
 * ("Invalid IPv6 URL"); the text of that error is in *why.
 */
struct kiso_furl {
	const char *scheme, *netloc, *path, *query, *fragment;
	size_t nscheme, nnetloc, npath, nquery, nfragment;
	char *scheme_lower;     /* the scheme lowercased, malloc'd by the caller's arena */
};

int kiso_furlsplit(struct kiso_furl *out, struct kiso_tmpl_call *c, const char *s, size_t n,
		   const char **why);

/* Ansible's to_bool(), shared by 'bool' and the tests. */
bool kiso_ansible_to_bool(const struct kiso_value *v);

#endif
