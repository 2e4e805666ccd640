/*
 * regex.h - regular expressions with Python `re` semantics, on PCRE2.
 *
 * Ansible's filters and tests (regex_replace, regex_search, 'is match'),
 * host patterns ('~regex') and the lineinfile/replace modules all take
 * Python regular expressions. This layer compiles them with PCRE2 (8-bit,
 * UTF-8 mode with Unicode properties, invalid UTF-8 in subjects allowed)
 * after translating the few spellings that differ:
 *
 *   \Z              -> \z        (Python's \Z is an absolute end)
 *   \uXXXX \UXXXXXXXX -> \x{...}
 *   x{,n}           -> x{0,n}
 *   '[' inside a character class is a literal, never a POSIX class
 *   (?u) (?a) (?L)  inline flags are dropped
 *
 * (?P<name>...), (?P=name), lookarounds, atomic groups, possessive
 * quantifiers and the flags (?imsx) mean the same in both.
 *
 * Subjects and patterns are byte strings with a length; offsets are byte
 * offsets. Matching follows Python: search() anywhere, match() anchored at
 * the start, fullmatch() at both ends; findall() and sub() step over empty
 * matches as Python 3.7+ does ('x*' on 'abxd' gives '-a-b--d-').
 *
 * Compiled patterns are cached by (pattern, flags) in a process-wide,
 * thread-safe cache; every handle from kiso_regex_compile() is released
 * with kiso_regex_free().
 */
#ifndef KISO_REGEX_H
#define KISO_REGEX_H

#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "value.h"

/* Compile flags, as Python's re.I, re.M, re.S, re.X. */
#define KISO_RE_IGNORECASE 0x01u
#define KISO_RE_MULTILINE 0x02u
#define KISO_RE_DOTALL 0x04u
#define KISO_RE_VERBOSE 0x08u

/* An offset of a group that did not take part in the match. */
#define KISO_RE_UNSET ((size_t)-1)

/* Where a match may start and end. */
enum kiso_regex_mode {
	KISO_RE_SEARCH,         /* re.search: anywhere from 'start' */
	KISO_RE_MATCH,          /* re.match: at 'start' exactly */
	KISO_RE_FULLMATCH,      /* re.fullmatch: at 'start', up to the end */
};

struct kiso_regex;

/*
 * A match: group g spans [ovec[2g], ovec[2g+1]) of the subject, both
 * KISO_RE_UNSET when the group did not participate. Group 0 is the whole
 * match. 'ngroups' counts the capturing groups (without group 0).
 */
struct kiso_match {
	size_t ngroups;
	size_t *ovec;           /* 2 * (ngroups + 1) entries, malloc'd */
};

#define KISO_MATCH_INIT { 0, NULL }

/*
 * Compiles 'pat' (len bytes) with KISO_RE_* flags. On failure returns
 * KISO_EINVALID with err set to
 * "invalid regular expression 'PAT': <pcre2 message> at offset N"
 * (N is the offset in 'pat', as written by the user).
 */
int kiso_regex_compile(struct kiso_regex **out, const char *pat, size_t len, unsigned flags,
		       struct kiso_error *err);

/* Releases a handle from kiso_regex_compile(); NULL is fine. */
void kiso_regex_free(struct kiso_regex *re);

/* Number of capturing groups. */
size_t kiso_regex_ngroups(const struct kiso_regex *re);

/* The number of the group called 'name', or -1 when there is none. */
int kiso_regex_group_index(const struct kiso_regex *re, const char *name);

/*
 * Matches subject[0..len) from byte offset 'start'. Returns 1 and fills
 * *m (released with kiso_match_release(), also on 0 and on error) when it
 * matched, 0 when it did not, or a negative code with err set when PCRE2
 * gave up (match limit, ...).
 */
int kiso_regex_exec(struct kiso_match *m, const struct kiso_regex *re, const char *subject,
		    size_t len, size_t start, enum kiso_regex_mode mode, struct kiso_error *err);

void kiso_match_release(struct kiso_match *m);

/*
 * Python's re.sub(pattern, repl, subject, count): replaces the matches
 * (all of them when count is 0) and appends the result to 'out'. 'repl'
 * uses Python's template syntax: \1 .. \99, \g<1>, \g<name>, \n \t \r
 * \f \v \a \b \\, octal \0 and \NNN; other escapes of non-letters are
 * kept as written; unmatched groups give ''. *nsubs (may be NULL) gets
 * the number of replacements. Bad templates fail with Python's text:
 * "invalid group reference 3 at position 1", "unknown group name 'x'",
 * "bad escape \q at position 0", "missing >, unterminated name at
 * position 3".
 */
int kiso_regex_sub(struct kiso_buf *out, size_t *nsubs, const struct kiso_regex *re,
		   const char *subject, size_t len, const char *repl, size_t rlen, size_t count,
		   struct kiso_error *err);

/*
 * Python's re.findall(): a list of strings (the whole match when the
 * pattern has no group, group 1 when it has one) or of lists (one string
 * per group when it has several; unmatched groups are ''), in arena a.
 */
int kiso_regex_findall(struct kiso_value **out, struct kiso_arena *a, const struct kiso_regex *re,
		       const char *subject, size_t len, struct kiso_error *err);

/*
 * Python's re.escape(): a backslash before each of
 * ()[]{}?*+-|^$\.&~# and space, tab, newline, CR, VT and FF.
 */
void kiso_regex_escape(struct kiso_buf *out, const char *s, size_t len);

/* Drops every cached pattern (handles in use stay valid). */
void kiso_regex_cache_clear(void);

#endif
