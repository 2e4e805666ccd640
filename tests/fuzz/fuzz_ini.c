/*
 * fuzz_ini.c - libFuzzer target for the INI inventory parser, INI values
 * (Python literals) and host patterns.
 *
 * Each input is parsed as an INI inventory from memory (no files). When
 * that works, every host's merged variables are computed and dumped as
 * JSON, with its group names and the 'groups' map. The same bytes are
 * also read as one Python literal and as an inventory in automatic mode
 * (YAML inventory first, then INI), and each line of the input is used as
 * a host pattern against the inventory (lines with '@' are skipped: they
 * would name limit files). One inventory and one arena per input, freed
 * at the end, so the leak checker sees any leak.
 */
#include "kiso_common.h"
#include "arena.h"
#include "buf.h"
#include "error.h"
#include "inventory.h"
#include "inventory_int.h"
#include "value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kiso_inventory *inv = kiso_inventory_new();
	struct kiso_arena *a = kiso_arena_new();
	struct kiso_error err = KISO_ERROR_INIT;
	struct kiso_buf b = KISO_BUF_INIT;
	struct kiso_value *lit;
	const char *text = (const char *)data;

	if (kiso_inventory_load_string(inv, text, size, "fuzz.ini", KISO_INV_INI, &err) == 0) {
		for (size_t i = 0; i < inv->nhosts; i++) {
			struct kiso_inv_host *h = inv->hosts[i];

			kiso_value_json(&b, kiso_inventory_host_vars(a, inv, h), 4, true);
			kiso_value_repr(&b, kiso_inventory_group_names(a, inv, h));
			kiso_buf_clear(&b);
		}
		kiso_value_json(&b, kiso_inventory_groups_value(a, inv), -1, false);
		kiso_buf_clear(&b);
		/* each line as a host pattern */
		for (size_t i = 0, n = 0; i < size && n < 8; n++) {
			size_t j = i;
			char *line;
			struct kiso_inv_hostlist hl;
			struct kiso_error perr = KISO_ERROR_INIT;

			while (j < size && data[j] != '\n')
				j++;
			line = kiso_arena_strndup(a, text + i, j - i);
			if (*line && !strchr(line, '@') && strlen(line) == j - i)
				kiso_inventory_match(&hl, a, inv, line, "all", &perr);
			i = j + 1;
		}
	} else {
		char msg[2048];

		kiso_error_format(msg, sizeof(msg), &err);
	}
	if (kiso_inv_literal(&lit, a, text, size, KISO_POS_NONE) == 0)
		kiso_value_repr(&b, lit);
	{
		struct kiso_inventory *auto_inv = kiso_inventory_new();
		struct kiso_error aerr = KISO_ERROR_INIT;

		if (kiso_inventory_load_string(auto_inv, text, size, "fuzz", KISO_INV_AUTO,
					       &aerr) == 0)
			for (size_t i = 0; i < auto_inv->nhosts; i++)
				kiso_value_json(&b, kiso_inventory_host_vars(a, auto_inv,
									     auto_inv->hosts[i]),
						-1, true);
		kiso_inventory_free(auto_inv);
	}
	kiso_buf_release(&b);
	kiso_arena_free(a);
	kiso_inventory_free(inv);
	return 0;
}
