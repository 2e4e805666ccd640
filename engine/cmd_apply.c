/*
 * cmd_apply.c - `kiso apply PLAYBOOK... [-i INV]... [options]`
 *
 * This build loads and validates playbooks and lists them the way
 * ansible-playbook does:
 *   --syntax-check   same checks as `kiso lint`; "playbook: site.yml" when clean
 *   --list-hosts     each play's pattern and the hosts it matches
 *   --list-tasks     each play's tasks (after -t/--skip-tags filtering)
 *   --list-tags      each play's tags
 * honouring -t/--tags, --skip-tags, -l/--limit and -e (extra vars are
 * used to render a templated 'hosts:'). Running against hosts arrives
 * with the SSH runner: a plain run validates and then says so (exit 1).
 *
 * The listing format is ansible-playbook 2.14's (cli/playbook.py), with
 * two differences where Ansible prints Python sets (unordered): play
 * tags in the order written and hosts in inventory order.
 */
#include "kiso_common.h"

#include <getopt.h>

#include "arena.h"
#include "buf.h"
#include "cli.h"
#include "inventory.h"
#include "lint.h"
#include "playbook.h"
#include "runner.h"
#include "template.h"
#include "vars.h"

struct apply_opts {
	char **inv;
	size_t ninv;
	const char **roles;
	size_t nroles;
	const char *limit;
	struct kiso_value *only_tags;  /* list of str */
	struct kiso_value *skip_tags;
	struct kiso_value *extra;      /* map */
	bool syntax, list_tasks, list_hosts, list_tags;
	/* running (runner.h) */
	bool check, diff, force_handlers, accept_new;
	int forks, verbosity, timeout;
	const char *start_at, *private_key;
	const char **reports;
	size_t nreports;
};

static void add_tags(struct kiso_arena *a, struct kiso_value *list, const char *arg)
{
	const char *p = arg;

	while (1) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		while (n && *p == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		if (n)
			kiso_list_push(a, list, kiso_strn(a, p, n, KISO_POS_NONE));
		if (!c)
			break;
		p = c + 1;
	}
}

/* ----------------------------------------------------------- host patterns */

struct xv_ctx {
	const struct kiso_value *vars;
};

static int xv_lookup(void *data, const char *name, struct kiso_value **out,
		     struct kiso_error *err)
{
	struct xv_ctx *x = data;

	(void)err;
	*out = x->vars ? kiso_map_get(x->vars, name) : NULL;
	return 0;
}

/*
 * play.hosts as Ansible sees it after templating (with the extra vars
 * only: kiso does not template play vars here). On an error (an
 * undefined variable) err says where.
 */
static int play_hosts(struct kiso_value **out, struct kiso_arena *a, const struct kiso_play *p,
		      const struct kiso_value *extra, struct kiso_error *err)
{
	struct kiso_value *h = p->hosts;

	*out = kiso_list_new(a, p->pos);
	if (!h)
		return 0;
	if (h->type == KISO_STR || h->type == KISO_LIST) {
		struct xv_ctx x = { extra };
		struct kiso_tmpl_ctx ctx = { 0 };
		struct kiso_value *r = NULL;
		int rc;

		ctx.lookup = xv_lookup;
		ctx.data = &x;
		ctx.arena = a;
		rc = kiso_tmpl_render_value(&r, &ctx, h, err);
		if (rc < 0)
			return rc;
		h = r;
	}
	kiso_play_hosts_split(a, *out, h);
	return 0;
}

/*
 * The play's name as Ansible lists it: templated (kept as written when
 * that fails), or the host patterns when there is none.
 */
static const char *play_name(struct kiso_arena *a, const struct kiso_play *p,
			     const struct kiso_value *extra, const char *patterns)
{
	const struct kiso_value *n = kiso_map_get(p->kw, "name");
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_value *r = NULL;
	struct kiso_buf b = KISO_BUF_INIT;
	const char *s;

	if (!n || n->type == KISO_NULL)
		return patterns;
	if (n->type == KISO_STR && kiso_tmpl_has_template(n->u.s.ptr, n->u.s.len)) {
		struct xv_ctx x = { extra };
		struct kiso_tmpl_ctx ctx = { 0 };

		ctx.lookup = xv_lookup;
		ctx.data = &x;
		ctx.arena = a;
		if (kiso_tmpl_render_value(&r, &ctx, n, &err) == 0)
			n = r;
	}
	kiso_value_str(&b, n);
	s = kiso_arena_strdup(a, kiso_buf_cstr(&b));
	kiso_buf_release(&b);
	return s;
}

/* ----------------------------------------------------------------- tags */

static bool tag_in(const struct kiso_value *tags, const char *t)
{
	for (size_t i = 0; i < tags->u.list.len; i++)
		if (strcmp(tags->u.list.items[i]->u.s.ptr, t) == 0)
			return true;
	return false;
}

static bool disjoint(const struct kiso_value *x, const struct kiso_value *y)
{
	for (size_t i = 0; i < x->u.list.len; i++)
		if (tag_in(y, x->u.list.items[i]->u.s.ptr))
			return false;
	return true;
}

/* Taggable.evaluate_tags(). */
static bool should_run(const struct kiso_value *tags, const struct kiso_value *only,
		       const struct kiso_value *skip)
{
	bool untagged = tags->u.list.len == 0;
	bool run = true;

	if (only->u.list.len) {
		run = false;
		if (!untagged && tag_in(tags, "always"))
			run = true;
		else if (tag_in(only, "all") && (untagged || !tag_in(tags, "never")))
			run = true;
		else if (untagged ? tag_in(only, "untagged") : !disjoint(tags, only))
			run = true;
		else if (tag_in(only, "tagged") && !untagged && !tag_in(tags, "never"))
			run = true;
	}
	if (run && skip->u.list.len) {
		if (tag_in(skip, "all")) {
			if (untagged || !tag_in(tags, "always") || tag_in(skip, "always"))
				run = false;
		} else if (untagged ? tag_in(skip, "untagged") : !disjoint(tags, skip)) {
			run = false;
		} else if (tag_in(skip, "tagged") && !untagged) {
			run = false;
		}
	}
	return run;
}

/* --------------------------------------------------------------- listing */

struct lister {
	struct kiso_arena *a;
	const struct apply_opts *o;
	struct kiso_buf out;
	struct kiso_value *play_tags;  /* strings */
	struct kiso_value *all_tags;   /* strings */
};

static int cmp_strp(const void *x, const void *y)
{
	const struct kiso_value *const *a = x, *const *b = y;
	return strcmp((*a)->u.s.ptr, (*b)->u.s.ptr);
}

static void add_unique(struct kiso_arena *a, struct kiso_value *l, struct kiso_value *s)
{
	if (!tag_in(l, s->u.s.ptr))
		kiso_list_push(a, l, s);
}

static void list_tasks(struct lister *ls, const struct kiso_tasklist *l);
static void list_role(struct lister *ls, const struct kiso_role *r);

static void list_task(struct lister *ls, const struct kiso_taskdef *t)
{
	struct kiso_value *tags;

	switch (t->kind) {
	case KISO_TD_BLOCK:
		/* Ansible lists a block's 'block' tasks (not rescue/always) */
		list_tasks(ls, &t->block);
		return;
	case KISO_TD_IMPORT_TASKS:
		list_tasks(ls, &t->body);
		return;
	case KISO_TD_IMPORT_ROLE:
		if (t->inc_role)
			list_role(ls, t->inc_role);
		return;
	default:
		break;
	}
	tags = kiso_list_new(ls->a, t->pos);
	kiso_taskdef_tags(ls->a, tags, t);
	if (!should_run(tags, ls->o->only_tags, ls->o->skip_tags))
		return;
	for (size_t i = 0; i < tags->u.list.len; i++)
		add_unique(ls->a, ls->all_tags, tags->u.list.items[i]);
	if (!ls->o->list_tasks)
		return;
	struct kiso_value *cur = kiso_list_new(ls->a, t->pos);
	for (size_t i = 0; i < ls->play_tags->u.list.len; i++)
		add_unique(ls->a, cur, ls->play_tags->u.list.items[i]);
	for (size_t i = 0; i < tags->u.list.len; i++)
		add_unique(ls->a, cur, tags->u.list.items[i]);
	if (cur->u.list.len > 1)
		qsort(cur->u.list.items, cur->u.list.len, sizeof(*cur->u.list.items), cmp_strp);
	if (t->name && t->role)
		kiso_buf_printf(&ls->out, "      %s : %s", t->role->name, t->name);
	else if (t->name)
		kiso_buf_printf(&ls->out, "      %s", t->name);
	else
		kiso_buf_printf(&ls->out, "      %s", t->action ? t->action : "");
	kiso_buf_puts(&ls->out, "\tTAGS: [");
	for (size_t i = 0; i < cur->u.list.len; i++)
		kiso_buf_printf(&ls->out, "%s%s", i ? ", " : "", cur->u.list.items[i]->u.s.ptr);
	kiso_buf_puts(&ls->out, "]\n");
}

static void list_tasks(struct lister *ls, const struct kiso_tasklist *l)
{
	for (size_t i = 0; i < l->len; i++)
		list_task(ls, l->items[i]);
}

static void list_role(struct lister *ls, const struct kiso_role *r)
{
	for (size_t i = 0; i < r->ndeps; i++)
		list_role(ls, r->deps[i]);
	list_tasks(ls, &r->tasks);
}

static void list_play(struct lister *ls, struct kiso_inventory *inv,
		      const struct kiso_play *p, struct kiso_value *hosts, int idx)
{
	struct kiso_buf msg = KISO_BUF_INIT;
	struct kiso_buf pat = KISO_BUF_INIT;

	for (size_t i = 0; i < hosts->u.list.len; i++)
		kiso_buf_printf(&pat, "%s%s", i ? "," : "", hosts->u.list.items[i]->u.s.ptr);

	ls->play_tags = kiso_list_new(ls->a, p->pos);
	{
		struct kiso_value *t = kiso_map_get(p->kw, "tags");
		if (t) {
			struct kiso_value *tmp = kiso_list_new(ls->a, p->pos);
			/* same splitting as task tags */
			struct kiso_taskdef d = { 0 };
			d.kw = kiso_map_new(ls->a, p->pos);
			kiso_map_set(ls->a, d.kw, "tags", t);
			kiso_taskdef_tags(ls->a, tmp, &d);
			for (size_t i = 0; i < tmp->u.list.len; i++)
				add_unique(ls->a, ls->play_tags, tmp->u.list.items[i]);
		}
	}
	ls->all_tags = kiso_list_new(ls->a, p->pos);

	kiso_buf_printf(&msg, "\n  play #%d (%s): %s", idx, kiso_buf_cstr(&pat),
			play_name(ls->a, p, ls->o->extra, kiso_buf_cstr(&pat)));
	kiso_buf_puts(&msg, "\tTAGS: [");
	for (size_t i = 0; i < ls->play_tags->u.list.len; i++)
		kiso_buf_printf(&msg, "%s%s", i ? "," : "", ls->play_tags->u.list.items[i]->u.s.ptr);
	kiso_buf_puts(&msg, "]");
	if (ls->o->list_hosts) {
		struct kiso_inv_hostlist hl = { 0 };
		struct kiso_error err = KISO_ERROR_INIT;
		struct kiso_buf rep = KISO_BUF_INIT;

		kiso_value_repr(&rep, hosts);
		if (hosts->u.list.len &&
		    kiso_inventory_match(&hl, ls->a, inv, kiso_buf_cstr(&pat), ls->o->limit, &err) < 0)
			kiso_error_print(stderr, &err);
		kiso_buf_printf(&msg, "\n    pattern: %s\n    hosts (%zu):", kiso_buf_cstr(&rep),
				hl.len);
		for (size_t i = 0; i < hl.len; i++)
			kiso_buf_printf(&msg, "\n      %s", hl.items[i]->name);
		kiso_buf_release(&rep);
	}
	printf("%s\n", kiso_buf_cstr(&msg));

	if (ls->o->list_tags || ls->o->list_tasks) {
		kiso_buf_clear(&ls->out);
		if (ls->o->list_tasks)
			kiso_buf_puts(&ls->out, "    tasks:\n");
		list_tasks(ls, &p->pre_tasks);
		for (size_t i = 0; i < p->nroles; i++)
			list_role(ls, p->roles[i]);
		list_tasks(ls, &p->tasks);
		list_tasks(ls, &p->post_tasks);
		if (ls->o->list_tags) {
			struct kiso_value *cur = kiso_list_new(ls->a, p->pos);
			for (size_t i = 0; i < ls->play_tags->u.list.len; i++)
				add_unique(ls->a, cur, ls->play_tags->u.list.items[i]);
			for (size_t i = 0; i < ls->all_tags->u.list.len; i++)
				add_unique(ls->a, cur, ls->all_tags->u.list.items[i]);
			if (cur->u.list.len > 1)
				qsort(cur->u.list.items, cur->u.list.len, sizeof(*cur->u.list.items),
				      cmp_strp);
			kiso_buf_puts(&ls->out, "      TASK TAGS: [");
			for (size_t i = 0; i < cur->u.list.len; i++)
				kiso_buf_printf(&ls->out, "%s%s", i ? ", " : "",
						cur->u.list.items[i]->u.s.ptr);
			kiso_buf_puts(&ls->out, "]\n");
		}
		/* Ansible's display() adds a newline only when the text has none */
		printf("%s", kiso_buf_cstr(&ls->out));
	}
	kiso_buf_release(&msg);
	kiso_buf_release(&pat);
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kiso apply PLAYBOOK... [-i INVENTORY]... [options]\n"
		"\n"
		"  -i, --inventory INV     inventory file, directory or host list (repeatable)\n"
		"  -l, --limit PATTERN     only hosts matching this pattern\n"
		"  -t, --tags TAGS         only tasks with these tags (comma-separated, repeatable)\n"
		"      --skip-tags TAGS    skip tasks with these tags\n"
		"  -e, --extra-vars VARS   k=v, YAML/JSON text or @file (repeatable)\n"
		"      --roles-path DIR    search roles here too (repeatable)\n"
		"      --syntax-check      load and validate, print every problem\n"
		"      --list-hosts        list the hosts of each play\n"
		"      --list-tasks        list the tasks of each play\n"
		"      --list-tags         list the tags of each play\n"
		"  -C, --check             dry run: plan only, change nothing\n"
		"  -D, --diff              show the diffs of what changes\n"
		"  -f, --forks N           hosts worked on at once (default: all of a batch, max 200)\n"
		"  -v, --verbose           more output (-vv, -vvv)\n"
		"      --start-at-task NAME  start at the task with this name\n"
		"      --force-handlers    run notified handlers even on failed hosts\n"
		"      --private-key FILE  SSH private key\n"
		"      --ssh-accept-new    accept unknown host keys (and remember them)\n"
		"  -T, --timeout S         SSH connect timeout in seconds\n"
		"      --report json=FILE  write the run as JSON too (repeatable)\n");
}

int kiso_cmd_apply(int argc, char **argv)
{
	enum { O_SKIP = 256, O_SYNTAX, O_LTASKS, O_LHOSTS, O_LTAGS, O_ROLES, O_START, O_FORCE,
	       O_KEY, O_ACCEPT, O_REPORT };
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "limit", required_argument, NULL, 'l' },
		{ "tags", required_argument, NULL, 't' },
		{ "skip-tags", required_argument, NULL, O_SKIP },
		{ "extra-vars", required_argument, NULL, 'e' },
		{ "roles-path", required_argument, NULL, O_ROLES },
		{ "syntax-check", no_argument, NULL, O_SYNTAX },
		{ "list-tasks", no_argument, NULL, O_LTASKS },
		{ "list-hosts", no_argument, NULL, O_LHOSTS },
		{ "list-tags", no_argument, NULL, O_LTAGS },
		{ "check", no_argument, NULL, 'C' },
		{ "diff", no_argument, NULL, 'D' },
		{ "forks", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "start-at-task", required_argument, NULL, O_START },
		{ "force-handlers", no_argument, NULL, O_FORCE },
		{ "private-key", required_argument, NULL, O_KEY },
		{ "ssh-accept-new", no_argument, NULL, O_ACCEPT },
		{ "timeout", required_argument, NULL, 'T' },
		{ "report", required_argument, NULL, O_REPORT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct apply_opts o = { 0 };
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_diags errors = KISO_DIAGS_INIT, warnings = KISO_DIAGS_INIT;
	struct kiso_load_opts lo = { 0 };
	struct kiso_playbook **pbs = NULL;
	struct kiso_inventory *inv = NULL;
	int c, rc = KISO_EXIT_OK;

	o.inv = kiso_xcalloc((size_t)argc + 1, sizeof(*o.inv));
	o.roles = kiso_xcalloc((size_t)argc + 1, sizeof(*o.roles));
	o.reports = kiso_xcalloc((size_t)argc + 1, sizeof(*o.reports));
	o.only_tags = kiso_list_new(a, KISO_POS_NONE);
	o.skip_tags = kiso_list_new(a, KISO_POS_NONE);

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:l:t:e:CDf:vT:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o.inv[o.ninv++] = optarg; break;
		case 'l': o.limit = optarg; break;
		case 't': add_tags(a, o.only_tags, optarg); break;
		case O_SKIP: add_tags(a, o.skip_tags, optarg); break;
		case 'e': {
			struct kiso_error err = KISO_ERROR_INIT;
			if (kiso_extravars_add(&o.extra, a, optarg, &err) < 0) {
				kiso_error_print(stderr, &err);
				rc = KISO_EXIT_ERROR;
				goto out;
			}
			break;
		}
		case O_ROLES: o.roles[o.nroles++] = optarg; break;
		case O_SYNTAX: o.syntax = true; break;
		case O_LTASKS: o.list_tasks = true; break;
		case O_LHOSTS: o.list_hosts = true; break;
		case O_LTAGS: o.list_tags = true; break;
		case 'C': o.check = true; break;
		case 'D': o.diff = true; break;
		case 'v': o.verbosity++; break;
		case 'f':
		case 'T': {
			char *end = NULL;
			long x = strtol(optarg, &end, 10);
			if (!*optarg || *end || x <= 0 || x > 100000) {
				kiso_cli_error("-%c needs a positive number, not '%s'", c, optarg);
				rc = KISO_EXIT_USAGE;
				goto out;
			}
			if (c == 'f')
				o.forks = (int)x;
			else
				o.timeout = (int)x;
			break;
		}
		case O_START: o.start_at = optarg; break;
		case O_FORCE: o.force_handlers = true; break;
		case O_KEY: o.private_key = optarg; break;
		case O_ACCEPT: o.accept_new = true; break;
		case O_REPORT: o.reports[o.nreports++] = optarg; break;
		case 'h':
			usage(stdout);
			goto out;
		default:
			usage(stderr);
			rc = KISO_EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		kiso_cli_error("apply needs a playbook");
		usage(stderr);
		rc = KISO_EXIT_USAGE;
		goto out;
	}
	if (o.only_tags->u.list.len == 0)
		kiso_list_push(a, o.only_tags, kiso_str(a, "all", KISO_POS_NONE));

	size_t npb = (size_t)(argc - optind);
	pbs = kiso_xcalloc(npb, sizeof(*pbs));
	lo.roles_path = o.roles;
	kiso_lint_check(a, argv + optind, npb, NULL, 0, &lo, &errors, &warnings, pbs);
	if (errors.len) {
		kiso_lint_print_all(stderr, &errors, &warnings);
		fprintf(stderr, "%zu error%s, %zu warning%s\n", errors.len,
			errors.len == 1 ? "" : "s", warnings.len, warnings.len == 1 ? "" : "s");
		rc = KISO_EXIT_PARSE;
		goto out;
	}
	if (warnings.len)
		kiso_lint_print_all(stderr, &errors, &warnings);

	if (o.syntax && !o.list_hosts && !o.list_tasks && !o.list_tags) {
		for (size_t i = 0; i < npb; i++)
			printf("\nplaybook: %s\n", argv[optind + (int)i]);
		goto out;
	}

	inv = kiso_inventory_new();
	for (size_t i = 0; i < o.ninv; i++) {
		struct kiso_error err = KISO_ERROR_INIT;
		if (kiso_inventory_load(inv, o.inv[i], &err) < 0) {
			kiso_error_print(stderr, &err);
			rc = KISO_EXIT_ERROR;
			goto out;
		}
	}
	/* group_vars/ and host_vars/ next to each playbook, as Ansible's
	 * host_group_vars plugin reads them for the playbook's directory */
	for (size_t i = 0; i < npb; i++) {
		struct kiso_error err = KISO_ERROR_INIT;
		char *dir = kiso_xstrdup(argv[optind + (int)i]);
		char *slash = strrchr(dir, '/');

		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		else
			strcpy(dir, ".");
		if (kiso_inventory_add_vars_dir(inv, dir, &err) < 0) {
			kiso_error_print(stderr, &err);
			free(dir);
			rc = KISO_EXIT_PARSE;
			goto out;
		}
		free(dir);
	}

	if (!o.list_hosts && !o.list_tasks && !o.list_tags) {
		struct kiso_run_opts ro = { 0 };

		ro.inv = inv;
		ro.extra = o.extra;
		ro.limit = o.limit;
		ro.only_tags = o.only_tags;
		ro.skip_tags = o.skip_tags;
		ro.start_at_task = o.start_at;
		ro.check = o.check;
		ro.diff = o.diff;
		ro.force_handlers = o.force_handlers;
		ro.forks = o.forks;
		ro.verbosity = o.verbosity;
		ro.timeout_s = o.timeout;
		ro.private_key = o.private_key;
		ro.ssh_accept_new = o.accept_new;
		ro.inventory_sources = (const char *const *)o.inv;
		rc = kiso_apply_run(pbs, npb, &ro, o.reports, o.nreports);
		goto out;
	}

	for (size_t i = 0; i < npb; i++) {
		struct lister ls = { a, &o, KISO_BUF_INIT, NULL, NULL };
		struct kiso_value **hosts = kiso_arena_zalloc(a, (pbs[i]->nplays + 1) * sizeof(*hosts));

		/* like ansible-playbook, a bad 'hosts' stops before any output */
		for (size_t j = 0; j < pbs[i]->nplays; j++) {
			struct kiso_error err = KISO_ERROR_INIT;
			if (play_hosts(&hosts[j], a, pbs[i]->plays[j], o.extra, &err) < 0) {
				char pos[64] = "";
				const char *f = err.pos.file ? err.pos.file : pbs[i]->plays[j]->file;
				int line = err.pos.file ? err.pos.line : pbs[i]->plays[j]->pos.line;
				int col = err.pos.file ? err.pos.col : pbs[i]->plays[j]->pos.col;
				snprintf(pos, sizeof(pos), ":%d:%d", line, col);
				fprintf(stderr, "%s%s: the field 'hosts' has an invalid value: %s\n", f, pos,
					err.msg);
				rc = KISO_EXIT_PARSE;
				goto out;
			}
		}
		printf("\nplaybook: %s\n", argv[optind + (int)i]);
		for (size_t j = 0; j < pbs[i]->nplays; j++)
			list_play(&ls, inv, pbs[i]->plays[j], hosts[j], (int)j + 1);
		kiso_buf_release(&ls.out);
	}
out:
	kiso_inventory_free(inv);
	kiso_diags_release(&errors);
	kiso_diags_release(&warnings);
	kiso_arena_free(a);
	free(pbs);
	free(o.inv);
	free(o.roles);
	free(o.reports);
	return rc;
}
