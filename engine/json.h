/*
 * json.h - JSON text to values, as Python's json.loads() reads it.
 *
 * Used by `-e '{"a": 1}'` and the from_json filter, so the rules are
 * Python's: objects keep their key order (a repeated key keeps its first
 * place and takes the later value), numbers without a fraction or an
 * exponent are ints and the others floats (1e999 is inf), NaN, Infinity
 * and -Infinity are accepted, strings are UTF-8 with \uXXXX escapes (a
 * surrogate pair is one character; a lone surrogate, which UTF-8 cannot
 * hold, becomes U+FFFD), control characters inside strings are errors,
 * whitespace is space, tab, CR and LF, and nothing may follow the value.
 *
 * Differences from Python, by necessity: ints outside int64 are kept as
 * strings of their digits; nesting deeper than KISO_JSON_MAX_DEPTH is an
 * error (Python raises RecursionError at about the same depth).
 */
#ifndef KISO_JSON_H
#define KISO_JSON_H

#include "kiso_common.h"
#include "value.h"

#define KISO_JSON_MAX_DEPTH 1000

/*
 * Parses text[0..len) into *out (in arena a). 'name' names the source in
 * positions ("<extra vars>", a file name); every value carries its line
 * and column (1-based, in characters). On failure *out is untouched and
 * err holds Python's message in lowercase at the place Python reports,
 * e.g. "expecting ',' delimiter" or "extra data", code KISO_ESYNTAX.
 */
int kiso_json_parse(struct kiso_value **out, struct kiso_arena *a, const char *text, size_t len,
		    const char *name, struct kiso_error *err);

#endif
