/*
 * cmd_render.c - `kiso render`: try a Jinja2 expression or template file
 * against a host's variables, from the command line.
 *
 * The output is what Ansible's template module would write for a
 * template file holding the same text, for the same host: variables
 * from the inventory (-i), extra vars (-e), the magic variables of a play
 * on 'all' (or on Ansible's implicit 'localhost' without --host), and for
 * --file the variables the template module adds (ansible_managed,
 * template_path, template_fullpath, template_host, template_uid,
 * template_destpath). tests/diff/templates.sh checks it against Ansible.
 */
#include "kiso_common.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "cli.h"
#include "error.h"
#include "inventory.h"
#include "template.h"
#include "value.h"
#include "vars.h"

static const char usage[] =
	"usage: kiso render [-i INVENTORY]... [--host NAME] [-e EXTRA_VARS]...\n"
	"                   (--expr 'TEXT' | --file TEMPLATE)\n"
	"\n"
	"Renders TEXT (a template such as '{{ groups.web | join(\",\") }}') or the\n"
	"template file TEMPLATE with Ansible's Jinja2 settings, for host NAME, and\n"
	"prints the result: for --expr the rendered text and a newline (a list\n"
	"prints as ['a', 'b'], a boolean as True, a dict as {'k': 1}); for --file\n"
	"exactly the bytes the template module would write, nothing added.\n"
	"\n"
	"  -i, --inventory INV   inventory file, directory or 'host1,host2,' list\n"
	"                        (repeatable, in order)\n"
	"  --host NAME           render for this inventory host: its group_vars,\n"
	"                        host_vars, inventory vars and magic variables\n"
	"                        (inventory_hostname, group_names, groups, hostvars,\n"
	"                        ansible_play_hosts = all hosts ...). Without --host\n"
	"                        the host is Ansible's implicit 'localhost'.\n"
	"  -e, --extra-vars ARG  extra variables, as ansible-playbook -e: 'k=v k2=\"a b\"'\n"
	"                        (strings), '@file.yml' (YAML/JSON file), '{\"k\": [1]}'\n"
	"                        (inline JSON/YAML); repeatable, later ones win\n"
	"  --expr TEXT           the template text (errors are placed in \"<expr>\")\n"
	"  --file TEMPLATE       a template file (adds ansible_managed, template_path,\n"
	"                        template_fullpath, template_host, template_uid)\n"
	"  -h, --help            this text\n"
	"\n"
	"Errors are printed as 'file:line:col: message' on stderr.\n"
	"Exit status: 0 rendered; 1 the template failed (undefined variable,\n"
	"recursive loop, filter error ...) or a file is missing; 4 a syntax error\n"
	"in the template, the inventory or a vars file; 5 bad options.\n";

enum { OPT_HOST = 256, OPT_EXPR, OPT_FILE };

static const struct option longopts[] = {
	{ "inventory", required_argument, NULL, 'i' },
	{ "extra-vars", required_argument, NULL, 'e' },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "expr", required_argument, NULL, OPT_EXPR },
	{ "file", required_argument, NULL, OPT_FILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* "file:line:col: message", or "kiso: render: message" without a place. */
static void print_error(const struct kiso_error *err)
{
	if (err->pos.file)
		kiso_error_print(stderr, err);
	else
		kiso_cli_error("render: %s", err->msg);
}

static int exit_for(const struct kiso_error *err)
{
	if (err->code == KISO_ESYNTAX)
		return KISO_EXIT_PARSE;
	return KISO_EXIT_ERROR;
}

static char *read_file(const char *path, size_t *len, struct kiso_error *err)
{
	FILE *f = fopen(path, "rb");
	struct kiso_buf b = KISO_BUF_INIT;
	char chunk[65536];
	size_t n;

	if (!f) {
		kiso_error_set(err, errno == ENOENT ? KISO_ENOTFOUND : KISO_EFAIL, KISO_POS_NONE,
			       "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kiso_buf_add(&b, chunk, n);
	if (ferror(f)) {
		kiso_error_set(err, KISO_EFAIL, KISO_POS_NONE, "cannot read '%s'", path);
		fclose(f);
		kiso_buf_release(&b);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return kiso_buf_detach(&b);
}

/* The names of hosts (strings) of a list. */
static struct kiso_value *host_names(struct kiso_arena *a, const struct kiso_inv_hostlist *hl)
{
	struct kiso_value *l = kiso_list_new(a, KISO_POS_NONE);

	for (size_t i = 0; i < hl->len; i++)
		kiso_list_push(a, l, kiso_str(a, hl->items[i]->name, KISO_POS_NONE));
	return l;
}

/* What the template module adds (generate_ansible_template_vars). */
static void template_vars(struct kiso_vars *v, struct kiso_arena *a, const char *path)
{
	struct utsname u;
	struct stat st;
	char *full = realpath(path, NULL);
	struct kiso_value *uid = NULL;

	if (uname(&u) == 0)
		kiso_vars_set_magic(v, "template_host", kiso_str(a, u.nodename, KISO_POS_NONE));
	kiso_vars_set_magic(v, "template_path", kiso_str(a, path, KISO_POS_NONE));
	kiso_vars_set_magic(v, "template_fullpath", kiso_str(a, full ? full : path, KISO_POS_NONE));
	free(full);
	if (stat(path, &st) == 0) {
		struct passwd *pw = getpwuid(st.st_uid);

		uid = pw ? kiso_str(a, pw->pw_name, KISO_POS_NONE)
			 : kiso_str(a, kiso_arena_sprintf(a, "%u", (unsigned)st.st_uid),
				    KISO_POS_NONE);
		kiso_vars_set_magic(v, "template_uid", uid);
	}
	kiso_vars_set_magic(v, "template_destpath", kiso_null(a, KISO_POS_NONE));
	kiso_vars_set_magic(v, "ansible_managed", kiso_str(a, "Ansible managed", KISO_POS_NONE));
}

int kiso_cmd_render(int argc, char **argv)
{
	const char **invs = NULL, **extras = NULL, **abs_invs = NULL;
	size_t ninv = 0, nextra = 0;
	const char *host = NULL, *expr = NULL, *file = NULL;
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_inventory *inv = NULL;
	struct kiso_vars_run *run = NULL;
	struct kiso_vars *v = NULL;
	struct kiso_value *extra = NULL;
	struct kiso_vars_opts opts;
	struct kiso_tmpl_ctx ctx;
	struct kiso_buf out = KISO_BUF_INIT;
	char *src = NULL;
	size_t srclen = 0;
	const char *search[5] = { NULL };
	char *dir = NULL, *cwd = NULL;
	int c, status = KISO_EXIT_OK;

	invs = kiso_xcalloc((size_t)argc + 1, sizeof(*invs));
	extras = kiso_xcalloc((size_t)argc + 1, sizeof(*extras));
	abs_invs = kiso_xcalloc((size_t)argc + 1, sizeof(*abs_invs));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:e:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			invs[ninv++] = optarg;
			break;
		case 'e':
			extras[nextra++] = optarg;
			break;
		case OPT_HOST:
			host = optarg;
			break;
		case OPT_EXPR:
			expr = optarg;
			break;
		case OPT_FILE:
			file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			goto out;
		case ':':
			kiso_cli_error("render: option '%s' needs an argument", argv[optind - 1]);
			status = KISO_EXIT_USAGE;
			goto out;
		default:
			kiso_cli_error("render: unknown option '%s' (see 'kiso render --help')",
				       argv[optind - 1]);
			status = KISO_EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		kiso_cli_error("render: unexpected argument '%s'", argv[optind]);
		status = KISO_EXIT_USAGE;
		goto out;
	}
	if (!expr == !file) {
		kiso_cli_error("render: give exactly one of --expr and --file (see 'kiso render --help')");
		status = KISO_EXIT_USAGE;
		goto out;
	}

	for (size_t i = 0; i < nextra; i++) {
		if (kiso_extravars_add(&extra, a, extras[i], &err) < 0) {
			print_error(&err);
			status = err.code == KISO_ESYNTAX && extras[i][0] == '@' ? KISO_EXIT_PARSE
			       : err.code == KISO_ENOTFOUND ? KISO_EXIT_ERROR
			       : err.code == KISO_ESYNTAX && (extras[i][0] == '{' || extras[i][0] == '[')
				       ? KISO_EXIT_PARSE
				       : KISO_EXIT_USAGE;
			goto out;
		}
	}

	if (ninv) {
		inv = kiso_inventory_new();
		for (size_t i = 0; i < ninv; i++) {
			char *r = strchr(invs[i], ',') ? NULL : realpath(invs[i], NULL);

			abs_invs[i] = r ? kiso_arena_strdup(a, r) : invs[i];
			free(r);
			if (kiso_inventory_load(inv, invs[i], &err) < 0) {
				print_error(&err);
				status = err.code == KISO_ESYNTAX ? KISO_EXIT_PARSE : KISO_EXIT_ERROR;
				goto out;
			}
		}
	}

	memset(&opts, 0, sizeof(opts));
	opts.inventory_sources = abs_invs;
	run = kiso_vars_run_new(inv, extra, &opts);
	if (kiso_vars_host(&v, run, host ? host : "localhost", &err) < 0) {
		print_error(&err);
		status = KISO_EXIT_ERROR;
		goto out;
	}

	/* the magic of a play on 'all' (or on the implicit localhost) */
	if (host) {
		struct kiso_inv_hostlist hl = { NULL, 0 };

		if (inv && kiso_inventory_match(&hl, a, inv, "all", NULL, &err) == 0) {
			struct kiso_value *names = host_names(a, &hl);

			kiso_vars_run_set_play(run, "all", names, names, names);
		}
		kiso_error_clear(&err);
	} else {
		struct kiso_value *names = kiso_list_new(a, KISO_POS_NONE);

		kiso_list_push(a, names, kiso_str(a, "localhost", KISO_POS_NONE));
		/* Ansible leaves the implicit localhost out of the batch */
		kiso_vars_run_set_play(run, "localhost", names, names,
				       kiso_list_new(a, KISO_POS_NONE));
	}

	if (file) {
		const char *slash;

		if (!(src = read_file(file, &srclen, &err))) {
			print_error(&err);
			status = KISO_EXIT_ERROR;
			goto out;
		}
		template_vars(v, a, file);
		/* the template module's search path: basedir and the template's
		 * directory, each with templates/ first */
		cwd = getcwd(NULL, 0);
		slash = strrchr(file, '/');
		dir = slash ? kiso_xstrndup(file, (size_t)(slash - file + (slash == file)))
			    : kiso_xstrdup(".");
		search[0] = kiso_arena_sprintf(a, "%s/templates", cwd ? cwd : ".");
		search[1] = cwd ? cwd : ".";
		search[2] = kiso_arena_sprintf(a, "%s/templates", dir);
		search[3] = dir;
		kiso_vars_set_search_path(v, search);
	} else {
		src = kiso_xstrdup(expr);
		srclen = strlen(expr);
	}

	kiso_vars_tmpl_ctx(&ctx, v, a);
	if (kiso_tmpl_render_text(&out, &ctx, src, srclen,
				  (struct kiso_pos){ kiso_pos_file(file ? file : "<expr>"), 1, 1 },
				  &err) < 0) {
		print_error(&err);
		status = exit_for(&err);
		goto out;
	}
	fwrite(kiso_buf_cstr(&out), 1, out.len, stdout);
	if (expr)
		fputc('\n', stdout);
	if (fflush(stdout) != 0) {
		kiso_cli_error("render: cannot write the output: %s", strerror(errno));
		status = KISO_EXIT_ERROR;
	}
out:
	kiso_buf_release(&out);
	free(src);
	free(dir);
	free(cwd);
	kiso_vars_run_free(run);
	kiso_inventory_free(inv);
	kiso_arena_free(a);
	free(invs);
	free(extras);
	free(abs_invs);
	return status;
}
