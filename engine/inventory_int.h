/*
 * inventory_int.h - what the inventory files share among themselves
 * (inventory.c, inventory_ini.c, inventory_yaml.c, inventory_literal.c,
 * hostpattern.c). Not for use outside the inventory.
 */
#ifndef KISO_INVENTORY_INT_H
#define KISO_INVENTORY_INT_H

#include "kiso_common.h"
#include "inventory.h"

/* ---- the model (inventory.c), with Ansible's InventoryData semantics ---- */

/* The group 'name', created if needed (Ansible's add_group). */
struct kiso_inv_group *kiso_inv_add_group(struct kiso_inventory *inv, const char *name,
					  struct kiso_pos pos);

/*
 * Adds host 'name' (created at its first mention, with ansible_port =
 * 'port' when port > 0, and inventory_file/inventory_dir of the source
 * being parsed) and makes it a member of g (may be NULL). As in Ansible a
 * port given for a host that already exists is ignored. Empty names fail.
 */
int kiso_inv_add_host(struct kiso_inv_host **out, struct kiso_inventory *inv, const char *name,
		      struct kiso_inv_group *g, long port, struct kiso_pos pos,
		      struct kiso_error *err);

/* Makes child a child group of parent; errors on a dependency loop. */
int kiso_inv_add_child(struct kiso_inventory *inv, struct kiso_inv_group *parent,
		       struct kiso_inv_group *child, struct kiso_pos pos, struct kiso_error *err);

/*
 * Sets a variable of a group (ansible_group_priority sets the priority
 * instead, as int(value): an error when not a number) or of a host.
 */
int kiso_inv_group_set(struct kiso_inventory *inv, struct kiso_inv_group *g,
		       struct kiso_value *key, struct kiso_value *val, struct kiso_error *err);
void kiso_inv_host_set(struct kiso_inventory *inv, struct kiso_inv_host *h,
		       struct kiso_value *key, struct kiso_value *val);

/* Reads the vars files of every known host and group not read yet. */
int kiso_inv_load_layers(struct kiso_inventory *inv, struct kiso_error *err);

/*
 * Merges into 'dst' the group_vars (host false) or host_vars of 'name'
 * from every inventory layer (playbook false) or every playbook layer, in
 * the order the layers were added.
 */
void kiso_inv_layers_combine(struct kiso_arena *a, struct kiso_value *dst,
			     const struct kiso_inventory *inv, bool playbook, bool host,
			     const char *name);

/* ---- parsers: each adds one source's text to inv ---- */

/* Ansible's ini plugin. */
int kiso_inv_parse_ini(struct kiso_inventory *inv, const char *text, size_t len,
		       const char *name, struct kiso_error *err);

/*
 * Ansible's yaml plugin, on already loaded YAML. Returns 0, a negative
 * code with err set, or 1 with err set and nothing added when the
 * document is no YAML inventory at all (empty, not a mapping, a plugin
 * configuration), so that the caller may try INI.
 */
int kiso_inv_parse_yaml(struct kiso_inventory *inv, const struct kiso_value *doc,
			const char *name, struct kiso_error *err);

/*
 * Python's ast.literal_eval() on s[0..len), as Ansible's INI plugin uses
 * it for values: 0 and *out on success, -1 when Python would raise
 * ValueError or SyntaxError (the caller keeps the text as a string).
 * Tuples and sets become lists; complex numbers and bytes that are no
 * UTF-8 are refused.
 */
int kiso_inv_literal(struct kiso_value **out, struct kiso_arena *a, const char *s, size_t len,
		     struct kiso_pos pos);

/*
 * Python's shlex.split(line, comments=True) (POSIX mode). Tokens go into
 * *out (arena a) with the byte offset where each starts in *offs. Returns
 * the count, or -1 with 'why' set ("No closing quotation", "No escaped
 * character").
 */
int kiso_inv_shlex(char ***out, size_t **offs, struct kiso_arena *a, const char *line,
		   const char **why);

/* ---- host names and patterns (hostpattern.c) ---- */

/*
 * Ansible's parse_address(): splits "host:port", "[v6]:port" and checks
 * the host is an IPv4/IPv6 address or a host name (ranges allowed when
 * allow_ranges). Returns 0 with *host (arena a) and *port (-1: none), or
 * -1 when the text is no valid address.
 */
int kiso_inv_parse_address(char **host, long *port, struct kiso_arena *a, const char *addr,
			   bool allow_ranges);

/*
 * Ansible's expand_hostname_range(): "db[01:03]x" -> db01x db02x db03x,
 * "[a:c]", "[1:10:2]", several ranges. Names without '[' give themselves.
 * Returns the count of names (*out in arena a) or -1 with 'why' set.
 */
long kiso_inv_expand_range(char ***out, struct kiso_arena *a, const char *pattern,
			   char *why, size_t whysize);

/*
 * The base plugins' _expand_hostpattern(): parse_address with ranges (or
 * the text itself when that fails), then range expansion. *port is -1
 * when none was given.
 */
long kiso_inv_expand_hostpattern(char ***out, long *port, struct kiso_arena *a,
				 const char *pattern, char *why, size_t whysize);

/* Python's fnmatch.fnmatchcase(name, pat) (via fnmatch.translate + re.match). */
bool kiso_inv_fnmatch(const char *pat, const char *name);

#endif
