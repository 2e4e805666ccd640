/*
 * inventory.h - Ansible inventories: hosts, groups, their variables,
 * group_vars/ and host_vars/, and host patterns.
 *
 * The model follows ansible-core 2.14 (inventory/data.py, inventory/group.py,
 * inventory/host.py, plugins/inventory/{ini,yaml}.py, vars/manager.py,
 * plugins/vars/host_group_vars.py, inventory/manager.py):
 *
 *  - Every inventory has the groups 'all' and 'ungrouped'. After each load
 *    every group without a parent is a child of 'all', and every host that
 *    is in no group but 'all' is in 'ungrouped' (Ansible's
 *    reconcile_inventory()).
 *  - Hosts are kept in inventory order (the order in which they were first
 *    seen, across all sources, in the order the sources were loaded).
 *  - Each host and group has its own vars: the ones written in the inventory
 *    source itself (INI inline vars and [g:vars], YAML 'vars:').
 *  - group_vars/ and host_vars/ directories are "vars layers": one next to
 *    each inventory source (the source's directory for a file, the directory
 *    itself for a directory source), plus any number added with
 *    kiso_inventory_add_vars_dir() ("next to the playbook"). In a layer,
 *    an entity NAME reads the first that exists of NAME, NAME.yml,
 *    NAME.yaml, NAME.json; when that is a directory, every file in it
 *    without extension or with one of those (recursively, sorted by name,
 *    hidden files and names ending in ~ skipped), merged in that order
 *    (a later file wins per top-level key). Empty files are fine; a file
 *    that is no mapping is an error.
 *  - Files of the vars layers are read eagerly: kiso_inventory_load() and
 *    kiso_inventory_add_vars_dir() read every file that applies to a host or
 *    group known at that time, so broken YAML is reported before anything
 *    runs. Files for names that are no host/group are ignored (as Ansible).
 *
 * Merged variables of a host (kiso_inventory_host_vars), lowest first,
 * exactly Ansible's VariableManager with the default VARIABLE_PRECEDENCE
 * and hash_behaviour=replace (a later layer replaces a whole top-level key):
 *
 *   1. 'all' group's inventory vars
 *   2. the host's groups' inventory vars (groups sorted as Ansible's
 *      sort_groups: by depth, then ansible_group_priority, then name; 'all'
 *      excluded)
 *   3. group_vars/all of each inventory source's layer (sources in load order)
 *   4. group_vars/all of each playbook layer
 *   5. group_vars/<group> of each inventory layer (per layer, groups sorted)
 *   6. group_vars/<group> of each playbook layer
 *   7. the host's own inventory vars
 *   8. host_vars/<host> of each inventory layer
 *   9. host_vars/<host> of each playbook layer
 *
 * So: inventory all group_vars < inventory group_vars < playbook group_vars
 * < inventory host_vars < playbook host_vars, as the issue requires. As in
 * Ansible, a host's own vars hold inventory_file and inventory_dir (the
 * absolute path of the source that first named it, and its directory;
 * null for a host list), plus ansible_port for "host:port". The other
 * magic variables (inventory_hostname, group_names, groups, ...) are not
 * part of the merged vars; kiso_inventory_group_names() and
 * kiso_inventory_groups_value() give what vars.c needs to build them.
 *
 * ansible_group_priority written in the inventory source (not in a
 * group_vars file, as in Ansible) sets the group's priority.
 *
 * Memory: an inventory owns an arena; every host, group, name and value it
 * hands out lives there and is valid until kiso_inventory_free(). Treat
 * them as read-only.
 *
 * Threads: loading is for one thread. Once loaded, the queries (host,
 * group, host_vars, host_groups, group_names, group_hosts, groups_value,
 * match) change nothing and may run in several threads at once, each with
 * its own arena -- except that the first kiso_inventory_match() that needs
 * the implicit localhost creates it (and reads its host_vars files).
 *
 * Errors read "file:line:col: message", e.g.
 *   hosts.ini:7:1: section [web:children] includes undefined group: nope
 */
#ifndef KISO_INVENTORY_H
#define KISO_INVENTORY_H

#include "kiso_common.h"
#include "arena.h"
#include "error.h"
#include "value.h"

struct kiso_inv_group;

struct kiso_inv_host {
	const char *name;
	struct kiso_pos pos;            /* where the host was first named */
	size_t index;                   /* place in inventory order */
	struct kiso_value *vars;        /* own inventory vars: a map, never NULL */
	struct kiso_inv_group **groups; /* direct groups, in the order joined */
	size_t ngroups;
	bool implicit;                  /* Ansible's implicit localhost */
};

struct kiso_inv_group {
	const char *name;
	struct kiso_pos pos;               /* where the group was first named */
	struct kiso_value *vars;           /* own inventory vars: a map, never NULL */
	struct kiso_inv_group **children;  /* in the order added */
	size_t nchildren;
	struct kiso_inv_group **parents;   /* in the order added */
	size_t nparents;
	struct kiso_inv_host **hosts;      /* direct members, in the order added */
	size_t nhosts;
	int priority;                      /* ansible_group_priority, default 1 */
	int depth;                         /* Ansible's Group.depth ('all' is 0) */
};

/* An ordered list of hosts (pattern results); items live in an arena. */
struct kiso_inv_hostlist {
	struct kiso_inv_host **items;
	size_t len;
};

/*
 * The inventory. Fields are read-only for users; hosts[] is in inventory
 * order (implicit localhost, once created by a pattern, is not in it).
 * groups[] is in creation order ('all' and 'ungrouped' first).
 */
struct kiso_inventory {
	struct kiso_arena *arena;
	struct kiso_inv_host **hosts;
	size_t nhosts;
	struct kiso_inv_group **groups;
	size_t ngroups;
	struct kiso_inv_host *localhost; /* implicit localhost once needed, or NULL */
	struct kiso_inventory_priv *priv; /* private */
};

/* A new inventory holding only the groups 'all' and 'ungrouped'. */
struct kiso_inventory *kiso_inventory_new(void);

/* Frees inv and everything it handed out; NULL is fine. */
void kiso_inventory_free(struct kiso_inventory *inv);

/*
 * Loads one -i source and adds it to inv (call once per -i, in order):
 *  - a directory: every entry in it, sorted by name, except those Ansible
 *    ignores (names starting with '.', group_vars, host_vars, vars_plugins,
 *    and names ending in ~ .orig .ini .cfg .retry .pyc .pyo .swp .bak .rpm
 *    .md .txt .rst); subdirectories are walked the same way; plus the vars
 *    layer of the directory itself;
 *  - a file: as Ansible's plugins try it: YAML first when the name has no
 *    extension or ends in .yml/.yaml/.json (a YAML inventory is a mapping
 *    of groups), then INI; plus the vars layer of the file's directory.
 *    When both fail, the YAML error is reported for a .yml/.yaml/.json
 *    name or a text that loaded as a mapping, the INI error otherwise.
 *    .toml files are refused; executable files are read as static files
 *    (Ansible would run them as inventory scripts);
 *  - a string with a comma that is not a path ("a,b:2222,c" or "host,"):
 *    the host names, as Ansible's host_list plugin (no ranges).
 * Unlike ansible-inventory, which warns and goes on, any source that
 * cannot be parsed is an error.
 *
 * After each call the inventory is reconciled (see above) so that it can
 * be used at once; the result after several calls is the one Ansible gets
 * with a single reconciliation after its last source.
 *
 * Returns 0, KISO_ENOTFOUND when the path does not exist, KISO_ESYNTAX or
 * KISO_EINVALID on a parse error, or another negative code; err says where
 * and why.
 */
int kiso_inventory_load(struct kiso_inventory *inv, const char *source, struct kiso_error *err);

enum kiso_inv_format {
	KISO_INV_AUTO, /* YAML if it parses as a YAML inventory mapping, else INI */
	KISO_INV_INI,
	KISO_INV_YAML,
};

/*
 * Parses one inventory text from memory ('name' is used in positions) and
 * adds it to inv. No vars layer is attached. For tests and fuzzing.
 */
int kiso_inventory_load_string(struct kiso_inventory *inv, const char *text, size_t len,
			       const char *name, enum kiso_inv_format fmt,
			       struct kiso_error *err);

/*
 * Adds a playbook vars layer: DIR/group_vars and DIR/host_vars (either may
 * be missing). Layers added later win over earlier playbook layers.
 */
int kiso_inventory_add_vars_dir(struct kiso_inventory *inv, const char *dir,
				struct kiso_error *err);

/* The host or group named 'name', or NULL. */
struct kiso_inv_host *kiso_inventory_host(const struct kiso_inventory *inv, const char *name);
struct kiso_inv_group *kiso_inventory_group(const struct kiso_inventory *inv, const char *name);

/*
 * The merged variables of host h (see the order above): a new map in arena
 * 'a' whose values are shared with the inventory (do not modify them).
 */
struct kiso_value *kiso_inventory_host_vars(struct kiso_arena *a,
					    const struct kiso_inventory *inv,
					    const struct kiso_inv_host *h);

/*
 * Every group h belongs to, directly or through child groups, 'all'
 * included, sorted as Ansible's sort_groups() (depth, priority, name).
 * Returns the count; *out is an array in arena a.
 */
size_t kiso_inventory_host_groups(struct kiso_inv_group ***out, struct kiso_arena *a,
				  const struct kiso_inventory *inv,
				  const struct kiso_inv_host *h);

/*
 * The magic variable group_names of h: a list of strings, the names of
 * all its groups except 'all', sorted by name (the implicit localhost has
 * none).
 */
struct kiso_value *kiso_inventory_group_names(struct kiso_arena *a,
					      const struct kiso_inventory *inv,
					      const struct kiso_inv_host *h);

/*
 * All hosts of group g, its own first and then those of its descendants,
 * without duplicates (Ansible's Group.get_hosts()).
 */
struct kiso_inv_hostlist kiso_inventory_group_hosts(struct kiso_arena *a,
						    const struct kiso_inventory *inv,
						    const struct kiso_inv_group *g);

/*
 * The magic variable groups: a map group name -> list of host names
 * (Group.get_hosts() order), every group, in creation order.
 */
struct kiso_value *kiso_inventory_groups_value(struct kiso_arena *a,
					       const struct kiso_inventory *inv);

/*
 * Hosts matching an Ansible host pattern, as InventoryManager.get_hosts(
 * pattern) with the subset 'limit' (NULL: no limit) applied, in Ansible's
 * order: a group gives its hosts, then those of its descendants level by
 * level (so 'all' lists 'ungrouped' first, then the top-level groups in
 * the order they were created, ...); hosts matched by name come in
 * inventory order; each host once, where it first appears. A list of
 * patterns (a play's 'hosts: [a, b]') is the same joined with ','; an
 * empty pattern means 'all'.
 *   all  *  name  glob*  ~regex  group  g[0]  g[1:3]  g[-1]  g[2:]
 *   a:b  a,b  a:&b  a:!b     (union first, then &, then !)
 *   limit may also contain @file (one pattern a line).
 * 'localhost', '127.0.0.1' and '::1' match Ansible's implicit localhost
 * when no such host is in the inventory (inv->localhost is created; its
 * vars are ansible_connection=local). No match is not an error: the list
 * is empty. Errors: a bad regex, a bad subscript, an unreadable @file.
 * The list lives in arena a.
 */
int kiso_inventory_match(struct kiso_inv_hostlist *out, struct kiso_arena *a,
			 struct kiso_inventory *inv, const char *pattern, const char *limit,
			 struct kiso_error *err);

#endif
