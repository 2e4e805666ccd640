/*
 * cli.h - the subcommands of the kiso program.
 *
 * main.c holds the table of subcommands and dispatches to these. Each
 * subcommand lives in its own engine/cmd_<name>.c, parses its own options
 * (getopt_long; argv[0] is the subcommand name) and returns the process
 * exit status, with ansible-playbook's meanings:
 */
#ifndef KISO_CLI_H
#define KISO_CLI_H

#include "kiso_common.h"

enum {
	KISO_EXIT_OK = 0,
	KISO_EXIT_ERROR = 1,       /* other errors */
	KISO_EXIT_HOST_FAILED = 2, /* a host failed */
	KISO_EXIT_UNREACHABLE = 3, /* a host was unreachable, none failed */
	KISO_EXIT_PARSE = 4,       /* parse or validation error */
	KISO_EXIT_USAGE = 5,       /* bad command-line options */
};

int kiso_cmd_apply(int argc, char **argv);     /* cmd_apply.c */
int kiso_cmd_check(int argc, char **argv);     /* cmd_run.c: apply --check --diff */
int kiso_cmd_facts(int argc, char **argv);     /* cmd_run.c */
int kiso_cmd_inventory(int argc, char **argv); /* cmd_inventory.c */
int kiso_cmd_lint(int argc, char **argv);      /* cmd_lint.c */
int kiso_cmd_render(int argc, char **argv);    /* cmd_render.c */
/* hidden: writes docs/modules/<name>.md from the schemas (make docs) */
int kiso_cmd_doc_modules(int argc, char **argv); /* cmd_doc_modules.c */

/* Prints "kiso: " and the message to stderr; for the command-line layer. */
void kiso_cli_error(const char *fmt, ...) KISO_PRINTF(1, 2);

#endif
