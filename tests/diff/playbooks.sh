#!/usr/bin/env bash
# tests/diff/playbooks.sh - differential tests of `kiso apply` against
# ansible-playbook on twin lab hosts. Prints TAP.
#
# Two fresh lab hosts (tests/lab/up 2, SYSCTL_MODE=fake, under a mktemp
# LAB, torn down by a trap): h1 for ansible-playbook, h2 for kiso. Each
# playbook of tests/diff/playbooks/ (hosts: "{{ target }}") runs twice with
# each tool; the test asserts, for each run, the same exit status and the
# same ok / changed / unreachable / failed / skipped / rescued / ignored
# counts in the recap, and after the runs the same final state of
# every path its "# files:" line lists (type, mode, owner:group, content
# digest), read on each host over SSH.
#
# Needs root (the lab), ansible-playbook and a built ./kiso. Arguments:
# playbooks to run instead of all of them.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
KISO=${KISO:-$root/kiso}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

if [ "$(id -u)" != 0 ] || ! command -v ansible-playbook >/dev/null || [ ! -x "$KISO" ]; then
	echo "not ok 1 - playbooks.sh needs root, ansible-playbook and $KISO"
	exit 1
fi

export LAB=$(mktemp -d /tmp/kiso-test-diffpb-XXXXXX)
# engineer C's test ports, 28100..28990: a free slot of 10
for try in $(seq 0 89); do
	BASE_PORT=$((28100 + (($$ + try * 7) % 90) * 10))
	[ "$(ss -Hltn "sport >= :$BASE_PORT and sport <= :$((BASE_PORT + 9))" 2>/dev/null | grep -c .)" = 0 ] && break
done
export BASE_PORT SYSCTL_MODE=fake
trap 'tests/lab/down all >>"$LAB.log" 2>&1; rm -rf "$LAB" "$LAB.log"' EXIT
if ! tests/lab/up 2 >>"$LAB.log" 2>&1; then
	sed 's/^/# /' "$LAB.log" | tail -20
	echo "not ok 1 - cannot bring up the lab hosts"
	exit 1
fi
cat > "$LAB/ansible.cfg" <<CFG
[defaults]
forks = 5
retry_files_enabled = False
[ssh_connection]
pipelining = True
CFG
export ANSIBLE_CONFIG=$LAB/ansible.cfg ANSIBLE_NOCOLOR=1

# "ok changed unreachable failed skipped rescued ignored" of host $2 in the recap of log $1
counts() {
	awk -v h="$2" '$1 == h && $2 == ":" { for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print "ok=" v["ok"], "changed=" v["changed"], "unreachable=" v["unreachable"], "failed=" v["failed"], "skipped=" v["skipped"], "rescued=" v["rescued"], "ignored=" v["ignored"] }' "$1"
}

# the state of the listed paths on host $1
state() {
	local h=$1; shift
	ssh -F "$LAB/state/ssh_config" -o BatchMode=yes "$h" '
		for p in '"$*"'; do
			if [ -e "$p" ] || [ -L "$p" ]; then
				printf "%s %s " "$p" "$(stat -c "%F %a %U:%G" "$p")"
				if [ -f "$p" ]; then md5sum < "$p" | cut -d" " -f1; elif [ -L "$p" ]; then readlink "$p"; else echo; fi
			else
				echo "$p absent"
			fi
		done'
}

pbs=("$@")
[ ${#pbs[@]} -gt 0 ] || pbs=(tests/diff/playbooks/*.yml)
for pb in "${pbs[@]}"; do
	name=$(basename "$pb" .yml)
	files=$(sed -n 's/^# files: //p' "$pb")
	for run in 1 2; do
		ansible-playbook -i "$LAB/state/inventory.ini" "$pb" -e target=h1 >"$LAB/$name.a$run" 2>&1
		arc=$?
		"$KISO" apply "$pb" -i "$LAB/state/inventory.yml" -e target=h2 >"$LAB/$name.k$run" 2>&1
		krc=$?
		a=$(counts "$LAB/$name.a$run" h1)
		k=$(counts "$LAB/$name.k$run" h2)
		if [ "$arc" = "$krc" ] && [ -n "$a" ] && [ "$a" = "$k" ]; then
			ok "$name run $run: recap $k, exit $krc as ansible-playbook"
		else
			notok "$name run $run: ansible exit $arc [$a], kiso exit $krc [$k]"
			sed 's/^/# ansible: /' "$LAB/$name.a$run" | tail -30
			sed 's/^/# kiso: /' "$LAB/$name.k$run" | tail -30
		fi
	done
	sa=$(state h1 $files)
	sk=$(state h2 $files)
	if [ -n "$sa" ] && [ "$sa" = "$sk" ]; then
		ok "$name: the same files (type, mode, owner, content)"
	else
		notok "$name: the final files differ"
		diff <(echo "$sa") <(echo "$sk") | sed 's/^/# /'
	fi
done

[ "$failed" -eq 0 ]
