/*
 * cli.c - helpers shared by the subcommands.
 */
#include "kiso_common.h"
#include "cli.h"

#include <stdarg.h>

void kiso_cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("kiso: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
