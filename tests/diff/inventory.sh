#!/usr/bin/env bash
# tests/diff/inventory.sh - kiso inventory against ansible-inventory.
#
# For each case directory tests/diff/inventory/NN-name/ (run from inside it):
#   args      the inventory arguments, e.g. "-i hosts -i extra.yml" (required)
#   host      host patterns to check with --host, one a line (optional;
#             default: the first host by name; --list already compares
#             every host's variables)
#   graph     groups to draw with --graph besides 'all', one a line (optional)
#   nograph   present: skip --graph --vars (ansible-inventory cannot print
#             vault values there)
#   extra     more option sets to compare, one a line, e.g. "--list --export"
#             (as JSON; as text with --graph; as parsed YAML with --yaml, as
#             kiso writes shared values out where PyYAML uses anchors)
#   expect-error  for a broken inventory: the message kiso must print (its
#             file name relative to the case); kiso must exit 4 and
#             ansible-inventory must fail to parse the source too (it only
#             warns and goes on with an empty inventory)
# it compares, for kiso and ansible-inventory:
#   --list                          as parsed JSON
#   --graph --vars, --graph GROUP   as text
#   --host H                        as parsed JSON
# and prints one TAP line per comparison. Run from the repository root;
# it expects ./kiso to be built and builds nothing.
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
kiso=${KISO:-"$root/kiso"}
py=/usr/bin/python3

if [ ! -x "$kiso" ]; then
	echo "1..1"
	echo "not ok 1 - ./kiso is not built"
	exit 1
fi
if ! command -v ansible-inventory >/dev/null; then
	echo "1..1"
	echo "not ok 1 - ansible-inventory is not installed"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/empty.cfg"
# no configuration, no warnings, nothing written to ~/.ansible
export ANSIBLE_CONFIG="$tmp/empty.cfg"
export ANSIBLE_HOME="$tmp/ansible-home"
export ANSIBLE_LOCAL_TEMP="$tmp/ansible-tmp"
export ANSIBLE_INVENTORY_UNPARSED_WARNING=False
export ANSIBLE_LOCALHOST_WARNING=False
export ANSIBLE_HOST_PATTERN_MISMATCH=ignore
export ANSIBLE_DEPRECATION_WARNINGS=False
export ANSIBLE_SYSTEM_WARNINGS=False
export ANSIBLE_NOCOLOR=1
# group names like "g.with.dots" are kept as they are, without a warning
export ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS=ignore
export ANSIBLE_FORCE_COLOR=0
unset ANSIBLE_INVENTORY

# Each case runs in the background and writes "ok - NAME" / "not ok - NAME"
# lines (with "# " diff lines) to $tmp/results/CASE; they are numbered at the end.
mkdir -p "$tmp/results"

ok() {
	echo "ok - $1" >>"$res"
}

notok() {
	echo "not ok - $1" >>"$res"
	sed 's/^/# /' "$2" >>"$res"
}

# json_same A B -> 0 when both files hold the same JSON; writes a diff to $tmp/diff
json_same() {
	"$py" - "$1" "$2" >"$w/diff" 2>&1 <<'EOF'
import json, sys, difflib
def load(p):
    with open(p) as f:
        return json.load(f)
try:
    a, b = load(sys.argv[1]), load(sys.argv[2])
except Exception as e:
    print("cannot parse output: %s" % e)
    for p in sys.argv[1:]:
        print("--- %s" % p)
        print(open(p).read()[:3000])
    sys.exit(1)
if a == b:
    sys.exit(0)
d = difflib.unified_diff(json.dumps(b, indent=2, sort_keys=True).splitlines(),
                         json.dumps(a, indent=2, sort_keys=True).splitlines(),
                         'ansible-inventory', 'kiso', lineterm='')
print("\n".join(list(d)[:200]))
sys.exit(1)
EOF
}

yaml_same() {
	"$py" - "$1" "$2" >"$w/diff" 2>&1 <<'EOF'
import sys, yaml, json, difflib
try:
    a, b = (yaml.safe_load(open(p)) for p in sys.argv[1:])
except Exception as e:
    print("cannot parse output: %s" % e)
    sys.exit(1)
if a == b:
    sys.exit(0)
d = difflib.unified_diff(json.dumps(b, indent=2, sort_keys=True).splitlines(),
                         json.dumps(a, indent=2, sort_keys=True).splitlines(),
                         'ansible-inventory', 'kiso', lineterm='')
print("\n".join(list(d)[:200]))
sys.exit(1)
EOF
}

text_same() {
	diff -u --label ansible-inventory --label kiso "$2" "$1" >"$w/diff" 2>&1
}

# compare NAME KIND -- ARGS...: runs both tools with ARGS, compares as KIND (json|text)
compare() {
	local name=$1 kind=$2
	shift 3
	local krc arc
	"$kiso" inventory "$@" >"$w/k.out" 2>"$w/k.err"
	krc=$?
	ansible-inventory "$@" >"$w/a.out" 2>"$w/a.err"
	arc=$?
	if [ "$krc" -ne "$arc" ]; then
		{
			echo "exit status: kiso $krc, ansible-inventory $arc"
			echo "kiso stderr:"; cat "$w/k.err"
			echo "ansible-inventory stderr:"; cat "$w/a.err"
		} >"$w/diff"
		notok "$name" "$w/diff"
		return
	fi
	if [ -s "$w/a.err" ]; then
		# a warning means ansible-inventory saw something kiso must refuse
		{ echo "ansible-inventory warned:"; cat "$w/a.err"; } >"$w/diff"
		notok "$name" "$w/diff"
		return
	fi
	if [ "$kind" = json ]; then
		json_same "$w/k.out" "$w/a.out"
	elif [ "$kind" = yaml ]; then
		yaml_same "$w/k.out" "$w/a.out"
	else
		text_same "$w/k.out" "$w/a.out"
	fi
	if [ $? -eq 0 ]; then
		ok "$name"
	else
		notok "$name" "$w/diff"
	fi
}

# check_error NAME: kiso refuses the inventory as expected, and so does Ansible
check_error() {
	local krc
	"$kiso" inventory "${args[@]}" --list >"$w/k.out" 2>"$w/k.err"
	krc=$?
	ansible-inventory "${args[@]}" --list >"$w/a.out" 2>"$w/a.err"
	if [ "$krc" -ne 4 ] || ! diff -u expect-error "$w/k.err" >"$w/diff" 2>&1; then
		{ echo "kiso exit status $krc (want 4)"; cat "$w/diff"; } >"$w/d2"
		notok "$1 error" "$w/d2"
	elif ! grep -q "Failed to parse" "$w/a.err"; then
		{ echo "ansible-inventory parsed it:"; cat "$w/a.out" "$w/a.err"; } >"$w/diff"
		notok "$1 error" "$w/diff"
	else
		ok "$1 error"
	fi
}

run_case() {
	local dir=$1 case hosts g h
	case=$(basename "$dir")
	w="$tmp/work/$case"
	res="$tmp/results/$case"
	mkdir -p "$w"
	: >"$res"
	read -r -a args <"$dir/args"
	cd "$dir" || return

	if [ -f expect-error ]; then
		check_error "$case"
		return
	fi

	compare "$case --list" json -- "${args[@]}" --list
	cp "$w/a.out" "$w/list.json"
	[ -f nograph ] || compare "$case --graph --vars" text -- "${args[@]}" --graph --vars
	if [ -f graph ]; then
		while read -r g; do
			[ -n "$g" ] && compare "$case --graph $g" text -- "${args[@]}" --graph "$g"
		done <graph
	fi
	if [ -f extra ]; then
		while read -r -a more; do
			[ "${#more[@]}" -gt 0 ] || continue
			case " ${more[*]} " in
			*" --graph "*) compare "$case ${more[*]}" text -- "${args[@]}" "${more[@]}" ;;
			*" --yaml "*) compare "$case ${more[*]}" yaml -- "${args[@]}" "${more[@]}" ;;
			*) compare "$case ${more[*]}" json -- "${args[@]}" "${more[@]}" ;;
			esac
		done <extra
	fi
	if [ -f host ]; then
		hosts=$(cat host)
	else
		hosts=$("$py" -c 'import json,sys; d=json.load(sys.stdin); print((sorted(d["_meta"]["hostvars"]) or [""])[0])' <"$w/list.json")
	fi
	for h in $hosts; do
		compare "$case --host $h" json -- "${args[@]}" --host "$h"
	done
}

jobs_max=$(nproc 2>/dev/null || echo 4)
for dir in tests/diff/inventory/*/; do
	[ -f "$dir/args" ] || continue
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		sleep 0.1
	done
	(run_case "$root/$dir") &
done
wait

n=0
failed=0
for f in "$tmp"/results/*; do
	while IFS= read -r line; do
		case $line in
		"ok - "*)
			n=$((n + 1))
			echo "ok $n - ${line#ok - }"
			;;
		"not ok - "*)
			n=$((n + 1))
			failed=$((failed + 1))
			echo "not ok $n - ${line#not ok - }"
			;;
		*)
			echo "$line"
			;;
		esac
	done <"$f"
done
echo "1..$n"
[ "$failed" -eq 0 ]
