/*
 * yaml.h - YAML files to values, through libyaml.
 *
 * What Ansible's loader accepts: anchors and aliases, merge keys ('<<',
 * with one map or a list of maps, explicit keys win), several documents
 * in one stream, YAML 1.1 scalars as PyYAML resolves them (yes/no/on/off/
 * true/false in any of their cases are booleans, ~ and null are null,
 * 0x1F and 0o17 ints, 1_000 ints, .inf and .nan floats), quoted and block
 * scalars always strings (flag KISO_VF_QUOTED), !unsafe strings flagged
 * KISO_VF_UNSAFE, !vault strings flagged KISO_VF_VAULT and kept as
 * ciphertext. Duplicate keys: the later wins, as in Ansible.
 *
 * Every value carries its position (1-based line and column). Errors
 * read "file:line:col: what is wrong", using libyaml's problem text
 * ("mapping values are not allowed here") and its mark.
 */
#ifndef KISO_YAML_H
#define KISO_YAML_H

#include "kiso_common.h"
#include "value.h"

/*
 * Loads every document of the stream: *out is a list with one value per
 * document (an empty stream gives an empty list). 'name' is the file name
 * used in positions and messages.
 */
int kiso_yaml_load_all(struct kiso_value **out, struct kiso_arena *a, const char *text,
		       size_t len, const char *name, struct kiso_error *err);

/*
 * Loads a stream that must hold at most one document: *out is it, or a
 * null value for an empty file. Two or more documents are an error.
 */
int kiso_yaml_load(struct kiso_value **out, struct kiso_arena *a, const char *text, size_t len,
		   const char *name, struct kiso_error *err);

/* Reads and loads file 'path' (one document); errors name the path. */
int kiso_yaml_load_file(struct kiso_value **out, struct kiso_arena *a, const char *path,
			struct kiso_error *err);

/*
 * Appends v as YAML in the style of PyYAML's yaml.dump() as Ansible's
 * to_yaml / to_nice_yaml filters call it (block style, indent 'indent',
 * keys in their order unless sort_keys, strings quoted only where PyYAML
 * would quote them, ending with a newline).
 */
void kiso_yaml_dump(struct kiso_buf *out, const struct kiso_value *v, int indent, bool sort_keys);

#endif
