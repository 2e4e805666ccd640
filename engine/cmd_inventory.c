/*
 * cmd_inventory.c - `kiso inventory`: what ansible-inventory prints.
 *
 *   kiso inventory [-i INV]... [--playbook-dir DIR] --list [--export]
 *   kiso inventory [-i INV]... --host PATTERN
 *   kiso inventory [-i INV]... --graph [--vars] [GROUP]
 *
 * The output is ansible-inventory's (ansible-core 2.14, cli/inventory.py):
 * JSON with sorted keys and an indent of 4 (or YAML with -y, without
 * anchors for shared values); --graph's tree with "  |--".
 * Like Ansible, the playbook directory for host variables is the current
 * directory unless --playbook-dir is given; group variables (--graph
 * --vars, --export) only see an explicit --playbook-dir.
 *
 * Unlike ansible-inventory, which only warns about a source it cannot
 * parse and goes on with an empty inventory, kiso stops with the error
 * ("file:line:col: message") and exit status 4.
 */
#include "kiso_common.h"
#include "cli.h"
#include "inventory.h"
#include "inventory_int.h"
#include "yaml.h"

#include <getopt.h>
#include <limits.h>
#include <unistd.h>

/* cli/inventory.py INTERNAL_VARS */
static const char *const internal_vars[] = {
	"ansible_diff_mode", "ansible_config_file", "ansible_facts", "ansible_forks",
	"ansible_inventory_sources", "ansible_limit", "ansible_playbook_python",
	"ansible_run_tags", "ansible_skip_tags", "ansible_verbosity", "ansible_version",
	"inventory_dir", "inventory_file", "inventory_hostname", "inventory_hostname_short",
	"groups", "group_names", "omit", "playbook_dir",
};

struct opts {
	const char **inv;
	size_t ninv;
	const char *pbdir;
	bool list, graph, show_vars, export_, yaml;
	const char *host;
	const char *pattern;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kiso inventory [-i INVENTORY]... [--playbook-dir DIR]\n"
		"                      (--list [--export] [-y] | --host HOST [-y] | --graph [--vars] [GROUP])\n"
		"\n"
		"Shows an inventory as ansible-inventory does.\n"
		"\n"
		"  -i, --inventory INV   inventory file, directory or 'host1,host2,' list\n"
		"                        (repeatable; default: $ANSIBLE_INVENTORY or\n"
		"                        /etc/ansible/hosts)\n"
		"      --playbook-dir DIR  look for group_vars/ and host_vars/ there too\n"
		"      --list            every group and each host's variables, as JSON\n"
		"      --export          with --list: group variables, and host variables\n"
		"                        not merged with their groups'\n"
		"  -y, --yaml            with --list or --host: YAML instead of JSON\n"
		"      --host HOST       the merged variables of one host, as JSON\n"
		"      --graph [GROUP]   the group tree (from 'all' or GROUP)\n"
		"      --vars            with --graph: show variables too\n"
		"  -h, --help            this help\n");
}

static void strip_internal(struct kiso_value *m)
{
	for (size_t i = 0; i < KISO_ARRAY_SIZE(internal_vars); i++)
		kiso_map_del(m, internal_vars[i]);
}

/* InventoryCLI._get_host_variables() */
static struct kiso_value *host_variables(struct kiso_arena *a, const struct kiso_inventory *inv,
					 const struct kiso_inv_host *h, const struct opts *o)
{
	struct kiso_value *v;

	if (o->export_) {
		v = kiso_map_new(a, KISO_POS_NONE);
		for (size_t i = 0; i < h->vars->u.map.len; i++)
			kiso_map_setv(a, v, h->vars->u.map.items[i].key, h->vars->u.map.items[i].val);
		kiso_inv_layers_combine(a, v, inv, false, true, h->name);
		if (o->pbdir)
			kiso_inv_layers_combine(a, v, inv, true, true, h->name);
	} else {
		v = kiso_inventory_host_vars(a, inv, h);
	}
	strip_internal(v);
	return v;
}

/* InventoryCLI._get_group_variables() */
static struct kiso_value *group_variables(struct kiso_arena *a, const struct kiso_inventory *inv,
					  const struct kiso_inv_group *g, const struct opts *o)
{
	struct kiso_value *v = kiso_map_new(a, KISO_POS_NONE);

	for (size_t i = 0; i < g->vars->u.map.len; i++)
		kiso_map_setv(a, v, g->vars->u.map.items[i].key, g->vars->u.map.items[i].val);
	kiso_inv_layers_combine(a, v, inv, false, false, g->name);
	if (o->pbdir)
		kiso_inv_layers_combine(a, v, inv, true, false, g->name);
	if (g->priority != 1)
		kiso_map_set(a, v, "ansible_group_priority", kiso_int(a, g->priority, KISO_POS_NONE));
	strip_internal(v);
	return v;
}

/*
 * AnsibleJSONEncoder(preprocess_unsafe=True): an !unsafe string prints as
 * {"__ansible_unsafe": s}, a !vault one as {"__ansible_vault": ciphertext}.
 * Returns v itself when nothing in it needs that.
 */
static const struct kiso_value *json_ready(struct kiso_arena *a, const struct kiso_value *v,
					   unsigned depth)
{
	if (depth > 10000)
		return v;
	if (v->type == KISO_STR && (v->flags & (KISO_VF_UNSAFE | KISO_VF_VAULT))) {
		struct kiso_value *m = kiso_map_new(a, v->pos);

		kiso_map_set(a, m, v->flags & KISO_VF_VAULT ? "__ansible_vault" : "__ansible_unsafe",
			     kiso_strn(a, v->u.s.ptr, v->u.s.len, v->pos));
		return m;
	}
	if (v->type == KISO_LIST) {
		struct kiso_value *l = NULL;

		for (size_t i = 0; i < v->u.list.len; i++) {
			const struct kiso_value *x = json_ready(a, v->u.list.items[i], depth + 1);

			if (x != v->u.list.items[i] && !l) {
				l = kiso_list_new(a, v->pos);
				for (size_t j = 0; j < i; j++)
					kiso_list_push(a, l, v->u.list.items[j]);
			}
			if (l)
				kiso_list_push(a, l, (struct kiso_value *)x);
		}
		return l ? l : v;
	}
	if (v->type == KISO_MAP) {
		struct kiso_value *m = NULL;

		for (size_t i = 0; i < v->u.map.len; i++) {
			const struct kiso_value *x = json_ready(a, v->u.map.items[i].val, depth + 1);

			if (x != v->u.map.items[i].val && !m) {
				m = kiso_map_new(a, v->pos);
				for (size_t j = 0; j < i; j++)
					kiso_map_setv(a, m, v->u.map.items[j].key,
						      v->u.map.items[j].val);
			}
			if (m)
				kiso_map_setv(a, m, v->u.map.items[i].key, (struct kiso_value *)x);
		}
		return m ? m : v;
	}
	return v;
}

static void print_json(struct kiso_arena *a, const struct kiso_value *v)
{
	struct kiso_buf b = KISO_BUF_INIT;

	kiso_value_json(&b, json_ready(a, v, 0), 4, true);
	fwrite(kiso_buf_cstr(&b), 1, b.len, stdout);
	fputc('\n', stdout);
	kiso_buf_release(&b);
}

/* json_inventory()'s format_group() */
static void format_group(struct kiso_value *results, struct kiso_arena *a,
			 const struct kiso_inventory *inv, const struct kiso_inv_group *g,
			 struct kiso_value *seen, const struct opts *o)
{
	struct kiso_value *me = kiso_map_new(a, KISO_POS_NONE);
	struct kiso_value *children = kiso_list_new(a, KISO_POS_NONE);

	kiso_map_set(a, results, g->name, me);
	if (strcmp(g->name, "all") != 0) {
		struct kiso_value *hosts = kiso_list_new(a, KISO_POS_NONE);

		for (size_t i = 0; i < g->nhosts; i++)
			kiso_list_push(a, hosts, kiso_str(a, g->hosts[i]->name, KISO_POS_NONE));
		kiso_map_set(a, me, "hosts", hosts);
	}
	kiso_map_set(a, me, "children", children);
	for (size_t i = 0; i < g->nchildren; i++) {
		const struct kiso_inv_group *c = g->children[i];

		kiso_list_push(a, children, kiso_str(a, c->name, KISO_POS_NONE));
		if (!kiso_map_get(seen, c->name)) {
			format_group(results, a, inv, c, seen, o);
			kiso_map_set(a, seen, c->name, kiso_bool(a, true, KISO_POS_NONE));
		}
	}
	if (o->export_)
		kiso_map_set(a, me, "vars", group_variables(a, inv, g, o));
	/* _remove_empty() */
	for (size_t i = 0; i < 3; i++) {
		static const char *const keys[] = { "hosts", "vars", "children" };
		struct kiso_value *v = kiso_map_get(me, keys[i]);

		if (v && !kiso_value_truthy(v))
			kiso_map_del(me, keys[i]);
	}
	if (me->u.map.len == 0)
		kiso_map_del(results, g->name);
}

/*
 * ansible-inventory's yaml.dump(..., Dumper=AnsibleDumper,
 * default_flow_style=False, allow_unicode=True). Unlike PyYAML, kiso never
 * writes anchors and aliases for values shared by several hosts: it writes
 * them out each time (the same data once loaded).
 */
static const struct kiso_yaml_dump_opts yaml_opts = { 0, 2, 80, true, true, false, false };

/* yaml_inventory()'s format_group() */
static struct kiso_value *yaml_group(struct kiso_arena *a, const struct kiso_inventory *inv,
				     const struct kiso_inv_group *g, struct kiso_value *seen,
				     const struct opts *o)
{
	struct kiso_value *me = kiso_map_new(a, KISO_POS_NONE);
	struct kiso_value *children = kiso_map_new(a, KISO_POS_NONE);
	struct kiso_value *hosts = kiso_map_new(a, KISO_POS_NONE);

	kiso_map_set(a, me, "children", children);
	for (size_t i = 0; i < g->nchildren; i++) {
		const struct kiso_inv_group *c = g->children[i];

		if (strcmp(c->name, "all") != 0)
			kiso_map_set(a, children, c->name, yaml_group(a, inv, c, seen, o));
	}
	kiso_map_set(a, me, "hosts", hosts);
	if (strcmp(g->name, "all") != 0)
		for (size_t i = 0; i < g->nhosts; i++) {
			const struct kiso_inv_host *h = g->hosts[i];
			struct kiso_value *v = kiso_map_new(a, KISO_POS_NONE);

			if (!kiso_map_get(seen, h->name)) {
				kiso_map_set(a, seen, h->name, kiso_bool(a, true, KISO_POS_NONE));
				v = host_variables(a, inv, h, o);
			}
			kiso_map_set(a, hosts, h->name, v);
		}
	if (o->export_) {
		struct kiso_value *gv = group_variables(a, inv, g, o);

		if (kiso_value_truthy(gv))
			kiso_map_set(a, me, "vars", gv);
	}
	for (size_t i = 0; i < 3; i++) {
		static const char *const keys[] = { "hosts", "vars", "children" };
		struct kiso_value *v = kiso_map_get(me, keys[i]);

		if (v && !kiso_value_truthy(v))
			kiso_map_del(me, keys[i]);
	}
	return me;
}

static int do_list(struct kiso_arena *a, struct kiso_inventory *inv, const struct opts *o)
{
	struct kiso_value *results = kiso_map_new(a, KISO_POS_NONE);
	struct kiso_value *seen = kiso_map_new(a, KISO_POS_NONE);
	struct kiso_value *meta = kiso_map_new(a, KISO_POS_NONE);
	struct kiso_value *hostvars = kiso_map_new(a, KISO_POS_NONE);
	struct kiso_inv_hostlist hl = kiso_inventory_group_hosts(a, inv, inv->groups[0]);

	if (o->yaml) {
		struct kiso_value *top = kiso_map_new(a, KISO_POS_NONE);
		struct kiso_buf b = KISO_BUF_INIT;

		kiso_map_set(a, top, "all", yaml_group(a, inv, inv->groups[0], seen, o));
		kiso_yaml_dump(&b, top, &yaml_opts, NULL);
		fwrite(kiso_buf_cstr(&b), 1, b.len, stdout);
		kiso_buf_release(&b);
		return KISO_EXIT_OK;
	}
	format_group(results, a, inv, inv->groups[0], seen, o);
	for (size_t i = 0; i < hl.len; i++) {
		struct kiso_value *v = host_variables(a, inv, hl.items[i], o);

		if (kiso_value_truthy(v))
			kiso_map_set(a, hostvars, hl.items[i]->name, v);
	}
	kiso_map_set(a, meta, "hostvars", hostvars);
	kiso_map_set(a, results, "_meta", meta);
	print_json(a, results);
	return KISO_EXIT_OK;
}

static void graph_line(struct kiso_buf *b, const char *name, int depth)
{
	if (b->len)
		kiso_buf_putc(b, '\n');
	for (int i = 0; i < depth; i++)
		kiso_buf_puts(b, "  |");
	if (depth)
		kiso_buf_puts(b, "--");
	kiso_buf_puts(b, name);
}

static int cmp_entries(const void *x, const void *y)
{
	const struct kiso_mapent *p = x, *q = y;
	int c = 0;

	if (kiso_value_compare(&c, p->key, q->key) < 0)
		return 0;
	return c;
}

static void show_vars(struct kiso_buf *b, struct kiso_arena *a, const struct kiso_value *vars,
		      int depth)
{
	size_t n = vars->u.map.len;
	struct kiso_mapent *e = kiso_arena_alloc(a, (n + 1) * sizeof(*e));

	if (n)
		memcpy(e, vars->u.map.items, n * sizeof(*e));
	if (n)
		qsort(e, n, sizeof(*e), cmp_entries);
	for (size_t i = 0; i < n; i++) {
		struct kiso_buf t = KISO_BUF_INIT;

		kiso_buf_putc(&t, '{');
		kiso_value_str(&t, e[i].key);
		kiso_buf_puts(&t, " = ");
		kiso_value_str(&t, e[i].val);
		kiso_buf_putc(&t, '}');
		graph_line(b, kiso_buf_cstr(&t), depth);
		kiso_buf_release(&t);
	}
}

static void graph_group(struct kiso_buf *b, struct kiso_arena *a, const struct kiso_inventory *inv,
			const struct kiso_inv_group *g, int depth, const struct opts *o)
{
	char *title = kiso_arena_sprintf(a, "@%s:", g->name);

	graph_line(b, title, depth);
	depth++;
	for (size_t i = 0; i < g->nchildren; i++)
		graph_group(b, a, inv, g->children[i], depth, o);
	if (strcmp(g->name, "all") != 0)
		for (size_t i = 0; i < g->nhosts; i++) {
			graph_line(b, g->hosts[i]->name, depth);
			if (o->show_vars)
				show_vars(b, a, host_variables(a, inv, g->hosts[i], o), depth + 1);
		}
	if (o->show_vars)
		show_vars(b, a, group_variables(a, inv, g, o), depth);
}

static int do_graph(struct kiso_arena *a, struct kiso_inventory *inv, const struct opts *o)
{
	const struct kiso_inv_group *g = kiso_inventory_group(inv, o->pattern);
	struct kiso_buf b = KISO_BUF_INIT;

	if (!g) {
		kiso_cli_error("pattern must be a valid group name when using --graph");
		return KISO_EXIT_USAGE;
	}
	graph_group(&b, a, inv, g, 0, o);
	puts(kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return KISO_EXIT_OK;
}

static int do_host(struct kiso_arena *a, struct kiso_inventory *inv, const struct opts *o)
{
	struct kiso_inv_hostlist hl;
	struct kiso_error err = KISO_ERROR_INIT;

	if (kiso_inventory_match(&hl, a, inv, o->host, NULL, &err) < 0) {
		kiso_error_print(stderr, &err);
		return KISO_EXIT_ERROR;
	}
	if (hl.len != 1) {
		kiso_cli_error("you must pass a single valid host to --host parameter");
		return KISO_EXIT_USAGE;
	}
	if (o->yaml) {
		struct kiso_buf b = KISO_BUF_INIT;

		kiso_yaml_dump(&b, host_variables(a, inv, hl.items[0], o), &yaml_opts, NULL);
		fwrite(kiso_buf_cstr(&b), 1, b.len, stdout);
		kiso_buf_release(&b);
		return KISO_EXIT_OK;
	}
	print_json(a, host_variables(a, inv, hl.items[0], o));
	return KISO_EXIT_OK;
}

int kiso_cmd_inventory(int argc, char **argv)
{
	enum { O_LIST = 256, O_HOST, O_GRAPH, O_VARS, O_EXPORT, O_PBDIR };
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "inventory-file", required_argument, NULL, 'i' },
		{ "list", no_argument, NULL, O_LIST },
		{ "host", required_argument, NULL, O_HOST },
		{ "graph", no_argument, NULL, O_GRAPH },
		{ "vars", no_argument, NULL, O_VARS },
		{ "export", no_argument, NULL, O_EXPORT },
		{ "yaml", no_argument, NULL, 'y' },
		{ "playbook-dir", required_argument, NULL, O_PBDIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_inventory *inv = NULL;
	struct kiso_error err = KISO_ERROR_INIT;
	int c, actions, rc = KISO_EXIT_OK;
	char cwd[PATH_MAX];

	o.inv = kiso_arena_zalloc(a, (size_t)(argc + 1) * sizeof(*o.inv));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:hy", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.inv[o.ninv++] = optarg;
			break;
		case O_LIST:
			o.list = true;
			break;
		case O_HOST:
			o.host = optarg;
			break;
		case O_GRAPH:
			o.graph = true;
			break;
		case O_VARS:
			o.show_vars = true;
			break;
		case O_EXPORT:
			o.export_ = true;
			break;
		case 'y':
			o.yaml = true;
			break;
		case O_PBDIR:
			o.pbdir = optarg;
			break;
		case 'h':
			usage(stdout);
			goto out;
		case ':':
			kiso_cli_error("option '%s' needs an argument", argv[optind - 1]);
			rc = KISO_EXIT_USAGE;
			goto out;
		default:
			kiso_cli_error("unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			rc = KISO_EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc)
		o.pattern = argv[optind++];
	if (optind < argc) {
		kiso_cli_error("unexpected argument '%s'", argv[optind]);
		rc = KISO_EXIT_USAGE;
		goto out;
	}
	if (!o.pattern)
		o.pattern = "all";
	actions = o.list + o.graph + (o.host != NULL);
	if (actions == 0) {
		kiso_cli_error("no action selected, at least one of --host, --graph or --list "
			       "needs to be specified");
		rc = KISO_EXIT_USAGE;
		goto out;
	}
	if (actions > 1) {
		kiso_cli_error("conflicting options used, only one of --host, --graph or --list "
			       "can be used at the same time");
		rc = KISO_EXIT_USAGE;
		goto out;
	}
	if (!o.ninv) {
		const char *env = getenv("ANSIBLE_INVENTORY");

		if (env && *env) {
			char *copy = kiso_arena_strdup(a, env), *save = NULL;

			o.inv = kiso_arena_zalloc(a, (strlen(env) + 2) * sizeof(*o.inv));
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
				o.inv[o.ninv++] = t;
		} else if (access("/etc/ansible/hosts", F_OK) == 0) {
			o.inv[o.ninv++] = "/etc/ansible/hosts";
		}
	}
	inv = kiso_inventory_new();
	for (size_t i = 0; i < o.ninv; i++)
		if (kiso_inventory_load(inv, o.inv[i], &err) < 0) {
			kiso_error_print(stderr, &err);
			rc = err.code == KISO_ENOTFOUND ? KISO_EXIT_ERROR : KISO_EXIT_PARSE;
			goto out;
		}
	if (kiso_inventory_add_vars_dir(inv, o.pbdir ? o.pbdir : (getcwd(cwd, sizeof(cwd)) ? cwd : "."),
					&err) < 0) {
		kiso_error_print(stderr, &err);
		rc = KISO_EXIT_PARSE;
		goto out;
	}
	if (o.list)
		rc = do_list(a, inv, &o);
	else if (o.graph)
		rc = do_graph(a, inv, &o);
	else
		rc = do_host(a, inv, &o);
out:
	kiso_inventory_free(inv);
	kiso_arena_free(a);
	return rc;
}
