/*
 * yaml.h - YAML files to values and values to YAML, through libyaml.
 *
 * Loading accepts what Ansible's loader (libyaml's parser under PyYAML's
 * SafeConstructor and YAML 1.1 resolver) accepts, and gives the same data:
 *
 *  - plain scalars are resolved as PyYAML does: null (~, null, Null, NULL,
 *    empty), booleans (yes/no/true/false/on/off in lower, Capitalised and
 *    UPPER case), ints (decimal, 0b1010, 0x1F, leading-zero octal 0644 =
 *    420, underscores 1_000, sexagesimal 1:30 = 90; note 0o17 is a string
 *    in YAML 1.1), floats (a dot is required: 1.5, 1., .5, 1.0e+3, 1:30.5,
 *    .inf, -.inf, .nan; 1e3 and 1.0e5 are strings, as in PyYAML).
 *    Timestamps (2001-12-14) stay strings: Ansible gets a date object.
 *    Ints outside int64 are kept as strings of their text (Python has
 *    arbitrary ints; printing them gives the same digits).
 *  - quoted and block scalars are strings flagged KISO_VF_QUOTED.
 *  - tags: !unsafe (strings flagged KISO_VF_UNSAFE; on a sequence or a
 *    mapping every string inside, keys too, is flagged), !vault and
 *    !vault-encrypted (the string holds the ciphertext, flagged
 *    KISO_VF_VAULT), !!str !!int !!float !!bool !!null !!map !!seq
 *    !!timestamp (a string) !!python/dict !!python/unicode. Any other tag
 *    is an error "unknown tag '!x'", including !!binary, !!set, !!omap and
 *    !!pairs (PyYAML makes bytes, sets and pairs of them; kiso has none).
 *  - anchors and aliases (an alias shares the anchored value; an alias to
 *    an enclosing node, a recursive structure, is an error), merge keys
 *    ('<<' with one map or a list of maps; earlier maps of the list win
 *    over later ones, keys of the map itself win over merged ones, merged
 *    keys come first in the order, as in PyYAML), duplicate keys (the later
 *    value wins, the key keeps its first place), several documents.
 *  - keys must be scalars (null, bool, int, float or string).
 *
 * Every value carries its position: file, 1-based line and column of the
 * node's start. Errors use libyaml's problem text and mark, e.g. position
 * site.yml:12:7 and message "mapping values are not allowed in this
 * context", with libyaml's context appended in parentheses when it has one
 * (KISO_ESYNTAX). Errors in building values (unknown tag, bad !!int, a
 * list as a key, a bad merge: KISO_EINVALID) are reported, as by PyYAML,
 * only once the whole document has parsed, so a syntax error or an alias
 * error anywhere in the same document wins; the first one is reported.
 *
 * Limits, so that no input hangs or exhausts memory: a stream may expand
 * to at most KISO_YAML_MAX_NODES values counting every alias expansion
 * (billion laughs fail cleanly), and nest at most KISO_YAML_MAX_DEPTH
 * levels, aliases expanded (so recursive consumers are safe).
 */
#ifndef KISO_YAML_H
#define KISO_YAML_H

#include "kiso_common.h"
#include "value.h"

#define KISO_YAML_MAX_NODES 10000000
#define KISO_YAML_MAX_DEPTH 1000

/*
 * Loads every document of the stream: *out is a list with one value per
 * document (an empty stream gives an empty list). 'name' is the file name
 * used in positions and messages. Values live in arena 'a'. On failure
 * *out is untouched and err says what and where (KISO_ESYNTAX for bad
 * YAML, KISO_EINVALID for well-formed YAML that cannot be constructed).
 */
int kiso_yaml_load_all(struct kiso_value **out, struct kiso_arena *a, const char *text,
		       size_t len, const char *name, struct kiso_error *err);

/*
 * Loads a stream that must hold at most one document: *out is it, or a
 * null value for an empty stream. Two or more documents are an error
 * ("expected a single document in the stream").
 */
int kiso_yaml_load(struct kiso_value **out, struct kiso_arena *a, const char *text, size_t len,
		   const char *name, struct kiso_error *err);

/*
 * Reads and loads file 'path' (one document); positions name the path.
 * A file that cannot be read: "cannot read 'path': <strerror>",
 * KISO_ENOTFOUND when it does not exist.
 */
int kiso_yaml_load_file(struct kiso_value **out, struct kiso_arena *a, const char *path,
			struct kiso_error *err);

/*
 * How a plain (unquoted) scalar resolves under PyYAML's YAML 1.1 rules.
 * KISO_YAML_MERGE is '<<', KISO_YAML_VALUE is '=', KISO_YAML_OTHER is
 * the '!', '&', '*' indicators alone; these three and TIMESTAMP only
 * matter to the dumper (such strings must be quoted).
 */
enum kiso_yaml_kind {
	KISO_YAML_STR,
	KISO_YAML_NULL,
	KISO_YAML_BOOL,
	KISO_YAML_INT,
	KISO_YAML_FLOAT,
	KISO_YAML_TIMESTAMP,
	KISO_YAML_MERGE,
	KISO_YAML_VALUE,
	KISO_YAML_OTHER,
};
enum kiso_yaml_kind kiso_yaml_resolve(const char *s, size_t n);

/*
 * Options of kiso_yaml_dump(), the keyword arguments of PyYAML's
 * yaml.dump() that Ansible's filters pass or users give them:
 *
 *   flow_style  default_flow_style: -1 (None, to_yaml's default: a list or
 *               map holding only scalars is written inline, [a, b] and
 *               {k: v}), 0 (False, to_nice_yaml: block style everywhere),
 *               1 (True: everything inline).
 *   indent      2..9, else 2 (to_nice_yaml uses 4).
 *   width       the line width for folding long scalars and flow
 *               collections: 80 is PyYAML's default; a value <= 2 * indent
 *               means 80, a negative value no folding (libyaml's rules).
 *   sort_keys   PyYAML's default is true; a map whose keys Python cannot
 *               order (1 and 'a') keeps its own order, as PyYAML does.
 *   allow_unicode  Ansible passes true: non-ASCII printable characters are
 *               written as they are, otherwise escaped in double quotes.
 *   explicit_start / explicit_end  '---' before and '...' after.
 *
 * KISO_YAML_DUMP_TO_YAML and KISO_YAML_DUMP_TO_NICE_YAML are the settings
 * of Ansible's to_yaml and to_nice_yaml filters.
 */
struct kiso_yaml_dump_opts {
	int flow_style;
	int indent;
	int width;
	bool sort_keys;
	bool allow_unicode;
	bool explicit_start;
	bool explicit_end;
};

#define KISO_YAML_DUMP_TO_YAML ((struct kiso_yaml_dump_opts){ -1, 2, 80, true, true, false, false })
#define KISO_YAML_DUMP_TO_NICE_YAML \
	((struct kiso_yaml_dump_opts){ 0, 4, 80, true, true, false, false })

/*
 * Appends v as YAML, byte for byte what Ansible's to_yaml/to_nice_yaml
 * write: yaml.dump(v, Dumper=AnsibleDumper, allow_unicode=True, ...).
 * AnsibleDumper is PyYAML's CSafeDumper, i.e. SafeRepresenter's choices
 * fed to libyaml's emitter; kiso makes the same choices and uses the same
 * emitter. So: scalars are plain unless they would load back as something
 * else ('yes', '123', '', '1:30', '2001-12-14') or cannot be plain, block
 * sequences under a key sit at the key's indent ("key:\n- a"), long
 * scalars fold at 'width', a lone plain scalar document ends with "...",
 * the text ends with a newline. Strings flagged KISO_VF_VAULT are written
 * as "!vault |" blocks, as Ansible's dumper does. NULL opts means
 * KISO_YAML_DUMP_TO_YAML.
 *
 * Known differences from Ansible: a list or map reached twice (a shared
 * alias) is written twice, never as an anchor and aliases; bytes that are
 * not UTF-8 become U+FFFD (a Python str cannot hold them).
 *
 * Returns 0, or a negative code with err set when the value nests deeper
 * than 10000 levels (out then holds a partial text).
 */
int kiso_yaml_dump(struct kiso_buf *out, const struct kiso_value *v,
		   const struct kiso_yaml_dump_opts *opts, struct kiso_error *err);

#endif
