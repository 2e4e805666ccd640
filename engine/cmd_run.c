/*
 * cmd_run.c - the command-line side of running: `kiso apply` once the
 * playbooks are loaded (kiso_apply_run), `kiso check` (= apply --check
 * --diff) and `kiso facts PATTERN -i INV`.
 */
#include "kiso_common.h"

#include <getopt.h>
#include <unistd.h>

#include "cli.h"
#include "inventory.h"
#include "runner.h"
#include "vars.h"

static const char *const runner_actions[] = {
	"set_fact", "include_vars", "setup", "meta", "include_tasks", "import_tasks",
	"include_role", "import_role", NULL,
};

static bool runner_handles(const char *name)
{
	for (size_t i = 0; runner_actions[i]; i++)
		if (!strcmp(name, runner_actions[i]))
			return true;
	return false;
}

static size_t check_list(const struct kiso_tasklist *l);

static size_t check_role(const struct kiso_role *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ndeps; i++)
		n += check_role(r->deps[i]);
	return n + check_list(&r->tasks) + check_list(&r->handlers);
}

/* Reports tasks whose module has no plan() yet; returns how many. */
static size_t check_list(const struct kiso_tasklist *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->len; i++) {
		const struct kiso_taskdef *t = l->items[i];

		switch (t->kind) {
		case KISO_TD_MODULE:
			if (t->module && !t->module->plan && !runner_handles(t->module->name)) {
				fprintf(stderr, "%s:%d:%d: module '%s' cannot run in this build yet\n",
					t->pos.file ? t->pos.file : "", t->pos.line, t->pos.col,
					t->module->name);
				n++;
			}
			break;
		case KISO_TD_BLOCK:
			n += check_list(&t->block) + check_list(&t->rescue) + check_list(&t->always);
			break;
		case KISO_TD_IMPORT_TASKS:
		case KISO_TD_INCLUDE_TASKS:
			n += check_list(&t->body);
			break;
		case KISO_TD_IMPORT_ROLE:
		case KISO_TD_INCLUDE_ROLE:
			if (t->inc_role)
				n += check_role(t->inc_role);
			break;
		default:
			break;
		}
	}
	return n;
}

int kiso_apply_run(struct kiso_playbook *const *pbs, size_t n, struct kiso_run_opts *o,
		   const char *const *report_specs, size_t nspecs)
{
	struct kiso_report *reps = kiso_xcalloc(nspecs + 1, sizeof(*reps));
	size_t bad = 0, nrep = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < pbs[i]->nplays; j++) {
			const struct kiso_play *p = pbs[i]->plays[j];
			bad += check_list(&p->pre_tasks) + check_list(&p->tasks) +
			       check_list(&p->post_tasks) + check_list(&p->handlers);
			for (size_t k = 0; k < p->nroles; k++)
				bad += check_role(p->roles[k]);
		}
	if (bad) {
		free(reps);
		return KISO_EXIT_PARSE;
	}
	reps[nrep++] = kiso_report_console(stdout, o->verbosity, o->diff, isatty(1) != 0);
	for (size_t i = 0; i < nspecs; i++) {
		const char *s = report_specs[i];
		if (!strncmp(s, "json=", 5) && s[5]) {
			reps[nrep++] = kiso_report_json(s + 5);
		} else {
			kiso_cli_error("unknown report '%s' (use json=FILE)", s);
			for (size_t k = 0; k < nrep; k++)
				reps[k].ops->free(reps[k].self);
			free(reps);
			return KISO_EXIT_USAGE;
		}
	}
	o->reports = reps;
	o->nreports = nrep;
	rc = kiso_run_playbooks(pbs, n, o);
	for (size_t k = 0; k < nrep; k++)
		reps[k].ops->free(reps[k].self);
	free(reps);
	o->reports = NULL;
	o->nreports = 0;
	return rc;
}

/* `kiso check PLAYBOOK...` is `kiso apply --check --diff PLAYBOOK...` */
int kiso_cmd_check(int argc, char **argv)
{
	char **av = kiso_xcalloc((size_t)argc + 3, sizeof(*av));
	int rc;

	av[0] = "apply";
	av[1] = "--check";
	av[2] = "--diff";
	for (int i = 1; i < argc; i++)
		av[i + 2] = argv[i];
	rc = kiso_cmd_apply(argc + 2, av);
	free(av);
	return rc;
}

static void facts_usage(FILE *f)
{
	fprintf(f, "usage: kiso facts PATTERN -i INVENTORY [options]\n"
		   "\n"
		   "  -i, --inventory INV     inventory file, directory or host list (repeatable)\n"
		   "  -l, --limit PATTERN     only hosts matching this pattern too\n"
		   "      --private-key FILE  SSH private key\n"
		   "      --ssh-accept-new    accept unknown host keys (and remember them)\n"
		   "  -T, --timeout S         connect timeout in seconds\n"
		   "  -e, --extra-vars VARS   k=v, YAML/JSON text or @file\n");
}

int kiso_cmd_facts(int argc, char **argv)
{
	enum { O_KEY = 256, O_ACCEPT };
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "limit", required_argument, NULL, 'l' },
		{ "private-key", required_argument, NULL, O_KEY },
		{ "ssh-accept-new", no_argument, NULL, O_ACCEPT },
		{ "timeout", required_argument, NULL, 'T' },
		{ "extra-vars", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kiso_run_opts o;
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_inventory *inv = kiso_inventory_new();
	struct kiso_value *extra = NULL, *out = NULL;
	int c, rc = KISO_EXIT_OK;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:l:T:e:h", longopts, NULL)) != -1) {
		struct kiso_error err = KISO_ERROR_INIT;
		switch (c) {
		case 'i':
			if (kiso_inventory_load(inv, optarg, &err) < 0) {
				kiso_error_print(stderr, &err);
				rc = KISO_EXIT_ERROR;
				goto out;
			}
			break;
		case 'l': o.limit = optarg; break;
		case O_KEY: o.private_key = optarg; break;
		case O_ACCEPT: o.ssh_accept_new = true; break;
		case 'T': o.timeout_s = atoi(optarg); break;
		case 'e':
			if (kiso_extravars_add(&extra, a, optarg, &err) < 0) {
				kiso_error_print(stderr, &err);
				rc = KISO_EXIT_ERROR;
				goto out;
			}
			break;
		case 'h':
			facts_usage(stdout);
			goto out;
		default:
			facts_usage(stderr);
			rc = KISO_EXIT_USAGE;
			goto out;
		}
	}
	if (optind + 1 != argc) {
		kiso_cli_error("facts needs one host pattern");
		facts_usage(stderr);
		rc = KISO_EXIT_USAGE;
		goto out;
	}
	o.inv = inv;
	o.extra = extra;
	rc = kiso_run_facts(&out, a, argv[optind], &o);
	if (out) {
		struct kiso_buf b = KISO_BUF_INIT;
		kiso_value_json(&b, out, 4, false);
		printf("%s\n", kiso_buf_cstr(&b));
		kiso_buf_release(&b);
	}
out:
	kiso_inventory_free(inv);
	kiso_arena_free(a);
	return rc;
}
