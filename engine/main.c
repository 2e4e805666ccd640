/*
 * main.c - the kiso command line: a table of subcommands.
 *
 * Each subcommand parses its own options and returns the exit status
 * (see cli.h for the meanings, which are ansible-playbook's).
 */
#include "kiso_common.h"
#include "cli.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <git2.h>
#include <libssh2.h>
#include <pcre2.h>
#include <yaml.h>

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help; /* NULL: hidden */
};

static const struct subcommand subcommands[] = {
	{ "apply", kiso_cmd_apply, "apply a playbook to hosts (--check, --diff; --syntax-check, --list-tasks, --list-hosts)" },
	{ "check", kiso_cmd_check, "dry run of a playbook with diffs (apply --check --diff)" },
	{ "doc-modules", kiso_cmd_doc_modules, NULL },
	{ "facts", kiso_cmd_facts, "gather the facts of hosts and print them as JSON" },
	{ "inventory", kiso_cmd_inventory, "show an inventory (--list, --host NAME, --graph) like ansible-inventory" },
	{ "lint", kiso_cmd_lint, "validate a playbook and its roles; print every problem" },
	{ "render", kiso_cmd_render, "render a Jinja2 expression or template file for a host" },
};

static void print_version(void)
{
	int maj = 0, min = 0, rev = 0;
	char pcre[64] = "";

	git_libgit2_version(&maj, &min, &rev);
	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	printf("kiso %s\n", KISO_VERSION);
	printf("  libyaml %s\n", yaml_get_version_string());
	printf("  libssh2 %s\n", libssh2_version(0));
	printf("  libgit2 %d.%d.%d\n", maj, min, rev);
	printf("  pcre2 %s\n", pcre);
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: kiso [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < KISO_ARRAY_SIZE(subcommands); i++)
		if (subcommands[i].help)
			fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].help);
	fprintf(f, "\n'kiso COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return KISO_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		print_version();
		return KISO_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_usage(stdout);
		return KISO_EXIT_OK;
	}
	for (size_t i = 0; i < KISO_ARRAY_SIZE(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].fn(argc - 1, argv + 1);
	kiso_cli_error("unknown command '%s' (see 'kiso --help')", argv[1]);
	return KISO_EXIT_USAGE;
}
