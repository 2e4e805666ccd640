/*
 * value.h - the one data model of kiso.
 *
 * Every value is one of null, bool, int, float, string, list or map, and
 * remembers where it came from (file, line, column). Maps keep the order
 * in which keys were added, as Python dicts do. Values live in an arena
 * (see arena.h): constructors take the arena, nothing is freed one value
 * at a time.
 *
 * Sharing: a value may be referenced from several places (a YAML alias,
 * a variable used twice). Treat a value as immutable once it has been
 * handed to someone else; build new containers instead of changing
 * shared ones (kiso_value_copy() gives a private deep copy).
 *
 * Equality and ordering follow Python, because the template language is
 * Jinja2 on Python: 1 == 1.0 == True, 'a' < 'b', [1, 2] < [1, 3].
 */
#ifndef KISO_VALUE_H
#define KISO_VALUE_H

#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"

enum kiso_type {
	KISO_NULL,
	KISO_BOOL,
	KISO_INT,
	KISO_FLOAT,
	KISO_STR,
	KISO_LIST,
	KISO_MAP,
};

/* flags */
#define KISO_VF_QUOTED 0x01 /* a YAML scalar written in quotes or as a block */
#define KISO_VF_UNSAFE 0x02 /* tagged !unsafe: never templated */
#define KISO_VF_VAULT 0x04  /* tagged !vault: s holds the ciphertext, opaque */
#define KISO_VF_NOLOG 0x08  /* a secret: reports print a placeholder */
#define KISO_VF_DEFAULT 0x10 /* args.c: taken from the schema's default, not the task */
/*
 * 0x1000 to 0x8000 are the template engine's private bits, listed here so
 * that no two users share one: 0x1000 a Jinja2 Undefined standing in a
 * list (a null; template/filters.h), 0x2000 NativeJinjaText strings,
 * 0x4000 tuples, 0x8000 containers a render built itself
 * (template/internal.h).
 */

struct kiso_value;

struct kiso_mapent {
	struct kiso_value *key; /* usually a string; never NULL */
	struct kiso_value *val; /* never NULL (a null value is KISO_NULL) */
};

struct kiso_value {
	enum kiso_type type;
	unsigned flags;
	struct kiso_pos pos;
	union {
		bool b;
		int64_t i;
		double f;
		struct {
			char *ptr; /* NUL-terminated; may contain NULs before len */
			size_t len;
		} s;
		struct {
			struct kiso_value **items;
			size_t len;
			size_t cap;
		} list;
		struct {
			struct kiso_mapent *items;
			size_t len;
			size_t cap;
			uint32_t *index; /* hash index, built lazily; private */
			size_t index_cap;
		} map;
	} u;
};

/* Constructors: never NULL. The position may be KISO_POS_NONE. */
struct kiso_value *kiso_null(struct kiso_arena *a, struct kiso_pos pos);
struct kiso_value *kiso_bool(struct kiso_arena *a, bool b, struct kiso_pos pos);
struct kiso_value *kiso_int(struct kiso_arena *a, int64_t i, struct kiso_pos pos);
struct kiso_value *kiso_float(struct kiso_arena *a, double f, struct kiso_pos pos);
/* Copies s (NUL-terminated) or n bytes of s into the arena. */
struct kiso_value *kiso_str(struct kiso_arena *a, const char *s, struct kiso_pos pos);
struct kiso_value *kiso_strn(struct kiso_arena *a, const char *s, size_t n, struct kiso_pos pos);
/* Takes a string that already lives in arena 'a' (no copy). */
struct kiso_value *kiso_str_borrow(struct kiso_arena *a, char *s, size_t n, struct kiso_pos pos);
struct kiso_value *kiso_list_new(struct kiso_arena *a, struct kiso_pos pos);
struct kiso_value *kiso_map_new(struct kiso_arena *a, struct kiso_pos pos);

/* Appends v to list (grown in arena a). */
void kiso_list_push(struct kiso_arena *a, struct kiso_value *list, struct kiso_value *v);

/* The value under string key 'key', or NULL. Only string keys match. */
struct kiso_value *kiso_map_get(const struct kiso_value *map, const char *key);
/* The value under any key, compared with Python equality, or NULL. */
struct kiso_value *kiso_map_getv(const struct kiso_value *map, const struct kiso_value *key);
/* The entry for a string key, or NULL (to reach the key's position). */
const struct kiso_mapent *kiso_map_entry(const struct kiso_value *map, const char *key);
/*
 * Sets map[key] = v. An existing key keeps its place in the order and
 * gets the new value; a new key is appended. The key string is copied.
 */
void kiso_map_set(struct kiso_arena *a, struct kiso_value *map, const char *key,
		  struct kiso_value *v);
void kiso_map_setv(struct kiso_arena *a, struct kiso_value *map, struct kiso_value *key,
		   struct kiso_value *v);
/* Removes key; true if it was there. Keeps the order of the others. */
bool kiso_map_del(struct kiso_value *map, const char *key);

/* A deep copy of v in arena a (positions and flags kept). */
struct kiso_value *kiso_value_copy(struct kiso_arena *a, const struct kiso_value *v);

/* Python's bool(v): null, false, 0, 0.0, "", [], {} are false. */
bool kiso_value_truthy(const struct kiso_value *v);

/* Python's ==. */
bool kiso_value_equal(const struct kiso_value *x, const struct kiso_value *y);

/*
 * Python's ordering for sort(), min(), max() and the < operators: numbers
 * (bool, int, float) with each other, strings with strings (by code
 * point), lists with lists (element-wise). *out is <0, 0 or >0. Returns
 * -1 when Python would raise TypeError (e.g. 1 < 'a', {} < {}).
 */
int kiso_value_compare(int *out, const struct kiso_value *x, const struct kiso_value *y);

/* Python's type name of v: NoneType, bool, int, float, str, list, dict. */
const char *kiso_value_type_name(const struct kiso_value *v);

/*
 * Python's str(v) and repr(v), appended to b. str of a string is the
 * string itself; everything else as Python prints it: True, None, 1.0,
 * 1e+16, ['a', 1], {'k': 'v'}, with Python's choice of quotes and escapes.
 */
void kiso_value_str(struct kiso_buf *b, const struct kiso_value *v);
void kiso_value_repr(struct kiso_buf *b, const struct kiso_value *v);

/* Python's repr() of a float, shortest round-trip form ('1.0', '1e-05'). */
void kiso_float_repr(struct kiso_buf *b, double f);

/*
 * JSON, as Python's json.dumps(v, indent=indent, sort_keys=sort_keys)
 * with ensure_ascii=False: indent < 0 is the compact one-line form with
 * ", " and ": " separators (Python's default); indent >= 0 puts each item
 * on its own line.
 */
void kiso_value_json(struct kiso_buf *b, const struct kiso_value *v, int indent, bool sort_keys);
/* The same with Python's ensure_ascii (non-ASCII as \uXXXX escapes), as
 * Ansible's to_json filter writes it. */
void kiso_value_json_ex(struct kiso_buf *b, const struct kiso_value *v, int indent, bool sort_keys,
			bool ensure_ascii);

#endif
