/*
 * inventory_yaml.c - Ansible's YAML inventory format (plugins/inventory/yaml.py).
 *
 *   all:
 *     hosts: {web1: null, web2: {ansible_port: 2222}}
 *     vars: {ntp: ntp1}
 *     children:
 *       db: {hosts: {db[01:03]:}}
 *
 * Every top-level key is a group; a group is a mapping (or null) with the
 * sections 'hosts', 'vars' and 'children', processed in the order they are
 * written. A section may be a single string (a one-entry mapping). Keys that
 * are no section, and groups that are no mapping, are skipped (Ansible
 * warns). Host keys may carry ranges and ":port".
 */
#include "kiso_common.h"
#include "inventory.h"
#include "inventory_int.h"

struct ydoc {
	struct kiso_inventory *inv;
	struct kiso_arena *a;
	struct kiso_error *err;
};

static bool map_or_null(const struct kiso_value *v)
{
	return v->type == KISO_MAP || v->type == KISO_NULL;
}

static const char *pytype(const struct kiso_value *v)
{
	return kiso_value_type_name(v);
}

/* section 'name' of a group as a mapping (or null); a string s is {s: null} */
static int section(struct kiso_value **out, struct ydoc *y, const char *group,
		   const char *name, struct kiso_value *v)
{
	if (v->type == KISO_STR) {
		struct kiso_value *m = kiso_map_new(y->a, v->pos);

		kiso_map_setv(y->a, m, v, kiso_null(y->a, v->pos));
		*out = m;
		return 0;
	}
	if (!map_or_null(v))
		return kiso_error_set(y->err, KISO_EINVALID, v->pos,
				      "invalid \"%s\" entry for \"%s\" group, requires a "
				      "dictionary, found \"%s\" instead", name, group, pytype(v));
	*out = v;
	return 0;
}

static int parse_group(const char **name_out, struct ydoc *y, const struct kiso_value *key,
		       struct kiso_value *data, unsigned depth);

static int hosts_section(struct ydoc *y, struct kiso_inv_group *g, struct kiso_value *hosts)
{
	for (size_t i = 0; i < hosts->u.map.len; i++) {
		struct kiso_value *k = hosts->u.map.items[i].key;
		struct kiso_value *v = hosts->u.map.items[i].val;
		char **names, why[256];
		long n, port;

		if (k->type != KISO_STR) {
			struct kiso_buf b = KISO_BUF_INIT;
			int rc;

			kiso_value_str(&b, k);
			rc = kiso_error_set(y->err, KISO_EINVALID, k->pos,
					    "host pattern %s must be a string, enclose "
					    "integers/floats in quotation marks", kiso_buf_cstr(&b));
			kiso_buf_release(&b);
			return rc;
		}
		n = kiso_inv_expand_hostpattern(&names, &port, y->a, k->u.s.ptr, why, sizeof(why));
		if (n < 0)
			return kiso_error_set(y->err, KISO_EINVALID, k->pos, "%s", why);
		if (!kiso_value_truthy(v))
			v = NULL;
		else if (v->type != KISO_MAP)
			return kiso_error_set(y->err, KISO_EINVALID, v->pos,
					      "invalid data for host '%s': expected a dictionary, "
					      "got a %s", k->u.s.ptr, pytype(v));
		for (long j = 0; j < n; j++) {
			struct kiso_inv_host *h;
			int rc = kiso_inv_add_host(&h, y->inv, names[j], g, port, k->pos, y->err);

			if (rc < 0)
				return rc;
			for (size_t q = 0; v && q < v->u.map.len; q++)
				kiso_inv_host_set(y->inv, h, v->u.map.items[q].key,
						  v->u.map.items[q].val);
		}
	}
	return 0;
}

static int parse_group(const char **name_out, struct ydoc *y, const struct kiso_value *key,
		       struct kiso_value *data, unsigned depth)
{
	struct kiso_inv_group *g;
	const char *gname;
	int rc;

	if (depth > 1000)
		return kiso_error_set(y->err, KISO_EINVALID, key->pos,
				      "inventory groups nest too deep");
	if (key->type != KISO_STR || !kiso_value_truthy(key)) {
		/* Ansible reports such a name only for a valid group definition */
		struct kiso_buf b = KISO_BUF_INIT;

		kiso_value_str(&b, key);
		*name_out = kiso_arena_strdup(y->a, kiso_buf_cstr(&b));
		kiso_buf_release(&b);
		if (!map_or_null(data))
			return 0;
		if (!kiso_value_truthy(key))
			return kiso_error_set(y->err, KISO_EINVALID, key->pos,
					      "unable to add group %s: invalid empty/false group "
					      "name", *name_out);
		return kiso_error_set(y->err, KISO_EINVALID, key->pos,
				      "unable to add group %s: invalid group name, expected a "
				      "string but got a %s", *name_out, pytype(key));
	}
	gname = key->u.s.ptr;
	*name_out = gname;
	if (!map_or_null(data))
		return 0; /* Ansible: "Skipping '...' as this is not a valid group definition" */
	g = kiso_inv_add_group(y->inv, gname, key->pos);
	if (data->type == KISO_NULL)
		return 0;
	for (size_t i = 0; i < data->u.map.len; i++) {
		struct kiso_value *k = data->u.map.items[i].key;
		struct kiso_value *v = data->u.map.items[i].val;
		const char *s = k->type == KISO_STR ? k->u.s.ptr : "";

		if (strcmp(s, "vars") == 0 || strcmp(s, "children") == 0 ||
		    strcmp(s, "hosts") == 0) {
			if ((rc = section(&v, y, gname, s, v)) < 0)
				return rc;
		}
		if (!map_or_null(v) || v->type == KISO_NULL)
			continue; /* skipped (Ansible warns) */
		if (strcmp(s, "vars") == 0) {
			for (size_t j = 0; j < v->u.map.len; j++)
				if ((rc = kiso_inv_group_set(y->inv, g, v->u.map.items[j].key,
							     v->u.map.items[j].val, y->err)) < 0)
					return rc;
		} else if (strcmp(s, "children") == 0) {
			for (size_t j = 0; j < v->u.map.len; j++) {
				const struct kiso_value *ck = v->u.map.items[j].key;
				const char *cname;
				struct kiso_inv_group *cg;
				struct kiso_inv_host *ch;

				if ((rc = parse_group(&cname, y, ck, v->u.map.items[j].val,
						      depth + 1)) < 0)
					return rc;
				/* InventoryData.add_child(): a group, or else a host */
				if ((cg = kiso_inventory_group(y->inv, cname))) {
					rc = kiso_inv_add_child(y->inv, g, cg, ck->pos, y->err);
				} else if ((ch = kiso_inventory_host(y->inv, cname))) {
					rc = kiso_inv_add_host(NULL, y->inv, cname, g, -1, ck->pos,
							       y->err);
				} else {
					rc = kiso_error_set(y->err, KISO_EINVALID, ck->pos,
							    "%s is not a known host nor group",
							    cname);
				}
				if (rc < 0)
					return rc;
			}
		} else if (strcmp(s, "hosts") == 0) {
			if ((rc = hosts_section(y, g, v)) < 0)
				return rc;
		}
		/* other keys: skipped (Ansible warns) */
	}
	return 0;
}

int kiso_inv_parse_yaml(struct kiso_inventory *inv, const struct kiso_value *doc,
			const char *name, struct kiso_error *err)
{
	struct ydoc y = { inv, inv->arena, err };
	struct kiso_pos pos = doc->pos.file ? doc->pos : (struct kiso_pos){ name, 1, 1 };
	const struct kiso_value *plugin;

	if (!kiso_value_truthy(doc)) {
		kiso_error_set(err, KISO_EINVALID, pos, "parsed empty YAML file");
		return 1;
	}
	if (doc->type != KISO_MAP) {
		kiso_error_set(err, KISO_EINVALID, pos,
			       "YAML inventory has invalid structure, it should be a "
			       "dictionary, got: %s", pytype(doc));
		return 1;
	}
	plugin = kiso_map_get(doc, "plugin");
	if (plugin && kiso_value_truthy(plugin)) {
		kiso_error_set(err, KISO_EINVALID, plugin->pos,
			       "plugin configuration YAML file, not YAML inventory");
		return 1;
	}
	for (size_t i = 0; i < doc->u.map.len; i++) {
		const char *gname;
		int rc = parse_group(&gname, &y, doc->u.map.items[i].key, doc->u.map.items[i].val,
				     0);

		if (rc < 0)
			return rc;
	}
	return 0;
}
