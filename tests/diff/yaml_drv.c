/*
 * yaml_drv.c - driver for the YAML differential tests (tests/diff/yaml_*.sh).
 *
 *   yaml_drv dump FLOW INDENT WIDTH SORT   JSON values, one a line, on stdin;
 *                                          writes kiso_yaml_dump() of each
 *   yaml_drv load                          YAML streams separated by \x1e;
 *                                          writes each as JSON, or "ERR l:c: msg"
 *
 * Every output record ends with \x1e.
 */
#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "value.h"
#include "yaml.h"

static void put_error(const struct kiso_error *err)
{
	printf("ERR %d:%d: %s", err->pos.line, err->pos.col, err->msg);
}

int main(int argc, char **argv)
{
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_buf in = KISO_BUF_INIT;
	char chunk[65536];
	size_t n;

	if (argc < 2 || (strcmp(argv[1], "dump") == 0 && argc < 6)) {
		fprintf(stderr, "usage: yaml_drv dump FLOW INDENT WIDTH SORT | load\n");
		return 2;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		kiso_buf_add(&in, chunk, n);
	const char *p = kiso_buf_cstr(&in), *end = p + in.len;
	bool dump = strcmp(argv[1], "dump") == 0;
	struct kiso_yaml_dump_opts o = KISO_YAML_DUMP_TO_YAML;

	if (dump) {
		o.flow_style = atoi(argv[2]);
		o.indent = atoi(argv[3]);
		o.width = atoi(argv[4]);
		o.sort_keys = atoi(argv[5]) != 0;
	}
	while (p < end) {
		const char *rec_end = memchr(p, dump ? '\n' : '\x1e', (size_t)(end - p));
		struct kiso_error err = KISO_ERROR_INIT;
		struct kiso_buf out = KISO_BUF_INIT;
		struct kiso_value *v;

		if (!rec_end)
			rec_end = end;
		if (dump) {
			if (kiso_json_parse(&v, a, p, (size_t)(rec_end - p), "value.json", &err) < 0)
				put_error(&err);
			else if (kiso_yaml_dump(&out, v, &o, &err) < 0)
				put_error(&err);
			else
				fwrite(out.ptr, 1, out.len, stdout);
		} else {
			if (kiso_yaml_load_all(&v, a, p, (size_t)(rec_end - p), "t.yml", &err) < 0) {
				put_error(&err);
			} else {
				kiso_value_json(&out, v, -1, false);
				fputs(kiso_buf_cstr(&out), stdout);
			}
		}
		putchar('\x1e');
		kiso_buf_release(&out);
		p = rec_end + 1;
	}
	kiso_buf_release(&in);
	kiso_arena_free(a);
	return 0;
}
