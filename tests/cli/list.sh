#!/usr/bin/env bash
# tests/cli/list.sh - `kiso apply --list-tasks/--list-hosts/--list-tags`
# against `ansible-playbook` with the same options on a corpus of
# playbooks (tests/cli/list/*/: site.yml, hosts, and 'cases', one line of
# extra options per case: -t, --skip-tags, --limit, -e, --list-tags).
# Prints TAP.
#
# ansible-playbook prints two things from Python sets, whose order is not
# defined: the play's TAGS on the "play #N" line and the hosts under
# "hosts (N):". Both outputs get those sorted before the comparison;
# everything else must be byte for byte the same.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd -P)
KISO=${KISO:-$root/kiso}
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/# /'
}

export ANSIBLE_ROLES_PATH=/nonexistent/roles
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0
export ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0

if ! command -v ansible-playbook >/dev/null 2>&1; then
	notok "ansible-playbook is needed for the comparison (make deps installs ansible-core)"
	echo "1..$n"
	exit 1
fi

# Sorts the set-ordered parts of a listing.
normalize() {
	/usr/bin/python3 -c '
import re, sys
lines = sys.stdin.read().split("\n")
out = []
i = 0
while i < len(lines):
    l = lines[i]
    m = re.match(r"^(  play #\d+ \(.*\): .*\tTAGS: \[)(.*)(\])$", l)
    if m:
        tags = sorted(t for t in m.group(2).split(",") if t)
        l = m.group(1) + ",".join(tags) + m.group(3)
    out.append(l)
    i += 1
    if re.match(r"^    hosts \(\d+\):$", l):
        hosts = []
        while i < len(lines) and lines[i].startswith("      "):
            hosts.append(lines[i])
            i += 1
        out.extend(sorted(hosts))
sys.stdout.write("\n".join(out))
'
}

for dir in "$root"/tests/cli/list/*/; do
	dir=${dir%/}
	name=list/$(basename "$dir")
	cd "$dir" || continue
	base="--list-tasks --list-hosts"
	[ -f base ] && base=$(cat base)
	while IFS= read -r case || [ -n "$case" ]; do
		eval "set -- $base $case"
		want=$(ansible-playbook -i hosts site.yml "$@" 2>/dev/null | normalize)
		arc=${PIPESTATUS[0]}
		got=$("$KISO" apply -i hosts site.yml "$@" 2>/dev/null | normalize)
		krc=${PIPESTATUS[0]}
		label="$name: $base${case:+ $case}"
		if [ "$arc" -ne "$krc" ]; then
			notok "$label" "exit: ansible $arc, kiso $krc"
		elif [ "$want" = "$got" ]; then
			ok "$label"
		else
			notok "$label" "diff (ansible-playbook, kiso):
$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got"))"
		fi
	done <cases
done

echo "1..$n"
[ "$failed" -eq 0 ]
