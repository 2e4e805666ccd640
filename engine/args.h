/*
 * args.h - task arguments checked against a module's parameter schema.
 *
 * The engine validates every task's arguments before anything runs
 * (`kiso lint`, the playbook loader) and again after templating (the
 * runner), with the rules of Ansible's ArgumentSpecValidator:
 *
 *  - every key must be a parameter or one of its aliases
 *    ("unsupported parameter"), unless the module takes any keys
 *    (KISO_MOD_ANY_ARGS, e.g. set_fact); keys starting with
 *    "_ansible_" are Ansible internals and always ignored;
 *  - a parameter may be given once, under one name: giving it under
 *    two of its names is an error (Ansible only warns and keeps the
 *    alias's value; kiso refuses the ambiguity);
 *  - required parameters must be present;
 *  - each value must convert to the parameter's type the way Ansible's
 *    check_type_* functions convert (see kiso_args_convert());
 *  - a value with choices must be one of them (each element, for lists);
 *  - then the module's validate() callback checks the cross-parameter
 *    rules (kiso_args_mutually_exclusive() and friends below).
 *
 * A string that contains a Jinja2 template (kiso_tmpl_has_template())
 * cannot be checked before it is rendered: its type and choice checks
 * are skipped, and the cross-parameter rules give it the benefit of the
 * doubt (it may render to a value, or to 'omit'). A null value (`dest:`
 * with nothing after it) counts as given (no default replaces it) but is
 * not type-checked, as in Ansible; like Ansible, a null is not among any
 * parameter's choices ("... got: None").
 *
 * Messages follow Ansible's, in kiso's lowercase style:
 *   unsupported parameter 'foo' for module 'copy' (supported: attributes, ...)
 *   missing required arguments: path
 *   value of state must be one of: absent, directory, file, got: bogus
 *   argument 'mode' is of type list and we were unable to convert to int: ...
 *   parameters are mutually exclusive: content|src
 * Each carries the position of the offending key or value, or of the
 * task's argument map ('pos') for a missing argument.
 */
#ifndef KISO_ARGS_H
#define KISO_ARGS_H

#include "kiso_common.h"
#include "arena.h"
#include "error.h"
#include "module.h"
#include "value.h"

/*
 * kiso_args_normalize() flags a value it took from the schema's default
 * rather than from the task with KISO_VF_DEFAULT (value.h), so that rules
 * about what the user gave (mutually exclusive parameters) ignore it, as
 * Ansible checks them before it fills in defaults.
 */

/*
 * Checks 'args' (a map, or NULL for no arguments) against module m and
 * adds one diagnostic to 'd' per problem found: all of them, not just the
 * first. 'pos' is where the task's module key is, used for problems that
 * have no key of their own. Returns 0 when clean, -1 when anything was
 * reported.
 */
int kiso_args_validate(const struct kiso_module *m, const struct kiso_value *args,
		       struct kiso_pos pos, struct kiso_diags *d);

/*
 * The arguments the module receives: a new map in arena 'a' with
 *  - every alias folded into the parameter's main name,
 *  - values converted to the parameter's type (bool 'yes' -> true, int
 *    "12" -> 12, list "a,b" -> ['a', 'b'], ...), list elements to the
 *    element type,
 *  - every parameter with a default and no value set to its default,
 *  - keys in the order given, then defaulted ones in schema order,
 *  - unknown keys kept as given when the module takes any keys.
 * Template strings are kept as they are (the runner renders first). Does
 * the same checks as kiso_args_validate(); on any problem, reports them
 * all to 'd', leaves *out NULL and returns -1.
 */
int kiso_args_normalize(struct kiso_value **out, struct kiso_arena *a,
			const struct kiso_module *m, const struct kiso_value *args,
			struct kiso_pos pos, struct kiso_diags *d);

/*
 * Converts one value to type t like Ansible's check_type_<t>(); 'elements'
 * is the element type for a list. Sets *out (arena a; may be v itself
 * when no conversion is needed) and returns 0, or sets 'why' (Python's
 * wording, e.g. "'bogus' is not a valid boolean") and returns -1.
 *   str/path: strings as they are; numbers and booleans by Python's str()
 *             (12 -> "12", true -> "True"), lists and maps too
 *             ("['a']"); '~' in a path is left for the module (it is the
 *             remote user's home, unknown here)
 *   bool:     true/false, and yes/no/on/off/y/n/t/f/true/false/1/0 in
 *             any case, the ints 1 and 0, the floats 1.0 and 0.0
 *   int:      ints, strings that Python's int() reads ("12", " -3 ",
 *             "1_000"); a boolean stays a boolean (Python's True is an
 *             int, and check_type_int() returns it unchanged): read an
 *             int parameter as 'b' when its type is KISO_BOOL
 *   float:    floats, ints, strings that Python's float() reads
 *   list:     lists; a string is split on ',' ("a,b" -> ['a', 'b']); a
 *             number becomes a one-item list of its str()
 *   dict:     maps; a string "{...}" read as JSON (YAML flow), a string
 *             "k=v k2=v2" (or comma separated) split into a map
 *   raw:      anything, unchanged
 */
int kiso_args_convert(struct kiso_value **out, struct kiso_arena *a,
		      const struct kiso_value *v, enum kiso_ptype t, enum kiso_ptype elements,
		      char *why, size_t whysize);

/* The Ansible name of a parameter type: "str", "bool", ..., "raw". */
const char *kiso_ptype_name(enum kiso_ptype t);

/*
 * Cross-parameter rules, for modules' validate() callbacks. Each takes
 * the normalised argument map, a NULL-terminated list of parameter
 * names, adds a diagnostic at 'pos' (or at the offending value) when the
 * rule is broken and returns -1 then, 0 otherwise. Messages are
 * Ansible's, and so is what counts as given: a key that is there, even
 * with a null value, except that required_by wants non-null values;
 * defaults count, except for mutually exclusive parameters (Ansible
 * checks those before it fills in defaults). A template may still render
 * to 'omit': it never breaks a rule by being there, and it satisfies any
 * rule that wants it there, so templated arguments give no false errors.
 */
/* "parameters are mutually exclusive: a|b": at most one is set. */
int kiso_args_mutually_exclusive(const struct kiso_value *args, struct kiso_pos pos,
				 struct kiso_diags *d, ...);
/* "one of the following is required: a, b". */
int kiso_args_required_one_of(const struct kiso_value *args, struct kiso_pos pos,
			      struct kiso_diags *d, ...);
/* "parameters are required together: a, b": all or none. */
int kiso_args_required_together(const struct kiso_value *args, struct kiso_pos pos,
				struct kiso_diags *d, ...);
/*
 * "state is link but all of the following are missing: src": when 'key'
 * equals 'value' (compared in the parameter's type: "true" matches a
 * bool true, "5" an int 5), all the names (any_of: at least one) must be
 * present. Ansible's wording for any_of is "... but any of the following
 * are missing: ...". any_of is an int, not a bool: it comes right before
 * the variable arguments, and va_start() must not see a promoted type.
 */
int kiso_args_required_if(const struct kiso_value *args, struct kiso_pos pos,
			  struct kiso_diags *d, const char *key, const char *value, int any_of,
			  ...);
/* "missing parameter(s) required by 'key': a, b": when 'key' is set. */
int kiso_args_required_by(const struct kiso_value *args, struct kiso_pos pos,
			  struct kiso_diags *d, const char *key, ...);
/*
 * "src option requires state to be 'link' or 'hard'": when 'name' is set
 * to a true value (Python truth) and 'key' is set, 'key' must be one of
 * the values. A check that Ansible modules make in their own code.
 */
int kiso_args_requires_value(const struct kiso_value *args, struct kiso_pos pos,
			     struct kiso_diags *d, const char *name, const char *key, ...);

#endif
