#!/bin/sh
# Differential test of the module schemas and of engine/args.c against
# the ansible-core installed here (TAP on stdout, exit 1 on a mismatch):
#  1. modules/*.c are what docs/gen_module_schemas.py generates from
#     `ansible-doc -j` and the modules' argument specs today;
#  2. tests/unit/engine/args_ansible.json, the expected results that the
#     unit test tests/unit/engine/args_ansible.c checks kiso against, is
#     what Ansible's own ArgumentSpecValidator says today.
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
echo "1..2"

if /usr/bin/python3 docs/gen_module_schemas.py --out "$tmp" >"$tmp/gen.log" 2>&1; then
	# The generator writes the schema part of each module file (aliases,
	# parameter table, cross-parameter rules); the handlers (plan/apply)
	# are written by hand around it. Every top-level block the generator
	# emits, but the module descriptor, must stand in the committed file
	# as it is.
	drift=$(/usr/bin/python3 - "$tmp" <<'PY'
import glob, os, re, sys
def blocks(path):
    text = open(path).read()
    out = []
    for m in re.finditer(r'^(static [^\n]*\n(?:.*\n)*?)^\}?;?\n', text, re.M):
        out.append(m.group(0))
    return out
bad = []
for gen in sorted(glob.glob(os.path.join(sys.argv[1], '*.c'))):
    name = os.path.basename(gen)
    try:
        have = open(os.path.join('modules', name)).read()
    except OSError:
        bad.append(name)
        continue
    if any(b not in have for b in blocks(gen)):
        bad.append(name)
print(' '.join(bad))
PY
)
	if [ -z "$drift" ]; then
		echo "ok 1 - modules/*.c match ansible-doc and the argument specs"
	else
		echo "not ok 1 - modules/*.c differ from the generator's output:$drift"
		rc=1
	fi
else
	sed 's/^/# /' "$tmp/gen.log"
	echo "not ok 1 - docs/gen_module_schemas.py failed"
	rc=1
fi

if /usr/bin/python3 tests/unit/engine/args_ansible.py >"$tmp/corpus.json" 2>"$tmp/corpus.log" &&
	cmp -s "$tmp/corpus.json" tests/unit/engine/args_ansible.json; then
	echo "ok 2 - args_ansible.json matches ansible-core's ArgumentSpecValidator"
else
	sed 's/^/# /' "$tmp/corpus.log"
	diff "$tmp/corpus.json" tests/unit/engine/args_ansible.json | head -20 | sed 's/^/# /'
	echo "not ok 2 - args_ansible.json differs from ansible-core's ArgumentSpecValidator"
	rc=1
fi
exit $rc
