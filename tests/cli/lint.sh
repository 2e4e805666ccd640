#!/usr/bin/env bash
# tests/cli/lint.sh - `kiso lint` and `kiso apply --syntax-check` on the
# fixtures in tests/cli/lint/, compared with what they must print, and with
# ansible-playbook --syntax-check on the same playbooks. Prints TAP.
#
# Each fixture is a directory with site.yml (and its roles, task files):
#   expected   the exact "file:line:col: message" lines kiso must print, in
#              order (@DIR@ stands for the fixture's absolute directory);
#              exit 4, or 0 when they are all warnings ("...: warning: ...");
#              no 'expected' file: the playbook is clean (exit 0)
#   ansible    what ansible-playbook --syntax-check does with it:
#                syntax-check  Ansible rejects it too (exit non-zero; for
#                              'warnings': the templated names need variables
#                              that Ansible wants at load time)
#                runtime       Ansible only finds the problem when it runs
#                              the play (its syntax check passes)
#                clean         Ansible accepts it
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

# Role searches must not depend on this machine's role directories.
export ANSIBLE_ROLES_PATH=/nonexistent/roles
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0

have_ansible=0
command -v ansible-playbook >/dev/null 2>&1 && have_ansible=1

for dir in "$root"/tests/cli/lint/*/; do
	dir=${dir%/}
	name=lint/$(basename "$dir")
	cd "$dir" || continue
	here=$(pwd -P)
	out=$("$KISO" lint site.yml 2>&1)
	rc=$?
	body=$(printf '%s\n' "$out" | sed '$d')
	summary=$(printf '%s\n' "$out" | tail -n 1)
	if [ -f expected ]; then
		want=$(sed "s|@DIR@|$here|g" expected)
		nwarn=$(printf '%s\n' "$want" | grep -c ': warning: ')
		nwant=$(( $(printf '%s\n' "$want" | grep -c .) - nwarn ))
		wantrc=4; [ "$nwant" -eq 0 ] && wantrc=0
		if [ "$rc" -eq "$wantrc" ] && [ "$body" = "$want" ]; then
			ok "$name: kiso lint prints every problem and exits $wantrc"
		else
			notok "$name: kiso lint prints every problem and exits $wantrc" \
				"exit $rc; diff (want, got):
$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$body"))"
		fi
		plural=s; [ "$nwant" -eq 1 ] && plural=
		wplural=s; [ "$nwarn" -eq 1 ] && wplural=
		if [ "$summary" = "$nwant error$plural, $nwarn warning$wplural" ]; then
			ok "$name: summary counts $nwant error$plural, $nwarn warning$wplural"
		else
			notok "$name: summary counts $nwant error$plural, $nwarn warning$wplural" "got: $summary"
		fi
		sout=$("$KISO" apply --syntax-check site.yml 2>&1 >/dev/null)
		src=$?
		if [ "$wantrc" -eq 4 ]; then
			sbody=$(printf '%s\n' "$sout" | sed '$d')
			if [ "$src" -eq 4 ] && [ "$sbody" = "$want" ]; then
				ok "$name: kiso apply --syntax-check rejects it the same way"
			else
				notok "$name: kiso apply --syntax-check rejects it the same way" "exit $src: $sout"
			fi
		else
			if [ "$src" -eq 0 ] && [ "$sout" = "$want" ]; then
				ok "$name: kiso apply --syntax-check passes with the warnings on stderr"
			else
				notok "$name: kiso apply --syntax-check passes with the warnings on stderr" "exit $src: $sout"
			fi
		fi
	else
		if [ "$rc" -eq 0 ] && [ "$out" = "0 errors, 0 warnings" ]; then
			ok "$name: clean playbook passes kiso lint"
		else
			notok "$name: clean playbook passes kiso lint" "exit $rc: $out"
		fi
		sout=$("$KISO" apply --syntax-check site.yml 2>&1)
		src=$?
		if [ "$src" -eq 0 ] && [ "$sout" = "$(printf '\nplaybook: site.yml')" ]; then
			ok "$name: kiso apply --syntax-check prints the playbook like ansible"
		else
			notok "$name: kiso apply --syntax-check prints the playbook like ansible" "exit $src: $sout"
		fi
	fi
	if [ -f ansible ] && [ "$have_ansible" = 1 ]; then
		verdict=$(cat ansible)
		aout=$(ansible-playbook -i localhost, --syntax-check site.yml 2>&1)
		arc=$?
		case "$verdict" in
		syntax-check)
			if [ "$arc" -ne 0 ]; then
				ok "$name: ansible-playbook --syntax-check rejects it too"
			else
				notok "$name: ansible-playbook --syntax-check rejects it too" "$aout"
			fi ;;
		runtime|clean)
			if [ "$arc" -eq 0 ]; then
				ok "$name: ansible-playbook --syntax-check accepts it ($verdict)"
			else
				notok "$name: ansible-playbook --syntax-check accepts it ($verdict)" "$aout"
			fi ;;
		*) notok "$name: unknown verdict '$verdict' in $dir/ansible" ;;
		esac
	elif [ -f ansible ]; then
		notok "$name: ansible-playbook is needed to compare (make deps installs ansible-core)"
	fi
done

# lint without a playbook is a usage error; a missing playbook an error
cd "$root" || exit 1
"$KISO" lint >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 5 ]; then ok "lint without a playbook: exit 5"; else notok "lint without a playbook: exit 5" "exit $rc"; fi
out=$("$KISO" lint /nonexistent/site.yml 2>&1)
rc=$?
if [ "$rc" -eq 4 ] && printf '%s' "$out" | grep -q "the playbook '/nonexistent/site.yml' could not be found"; then
	ok "lint of a missing playbook: exit 4 with a message"
else
	notok "lint of a missing playbook: exit 4 with a message" "exit $rc: $out"
fi

# -i: the inventory is loaded and checked too
tmpinv=$(mktemp)
printf '[app\napp1\n' >"$tmpinv"
out=$(cd tests/cli/lint/clean-site && "$KISO" lint site.yml -i "$tmpinv" 2>&1)
rc=$?
if [ "$rc" -eq 4 ] && [ "$(printf '%s\n' "$out" | head -n 1)" = "$tmpinv:1:1: invalid host range in '[app'" ]; then
	ok "lint -i checks the inventory"
else
	notok "lint -i checks the inventory" "exit $rc: $out"
fi
out=$(cd tests/cli/lint/clean-site && "$KISO" lint site.yml -i hosts 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then ok "lint -i with a good inventory: exit 0"; else notok "lint -i with a good inventory: exit 0" "exit $rc: $out"; fi
rm -f "$tmpinv"

# a broken playbook is refused before anything else happens
out=$("$KISO" apply tests/cli/lint/role-no-module/site.yml --list-tasks 2>&1)
rc=$?
if [ "$rc" -eq 4 ] && printf '%s' "$out" | grep -q "roles/x/tasks/main.yml:3:3: task has no module"; then
	ok "listing a broken playbook: exit 4 with the problems"
else
	notok "listing a broken playbook: exit 4 with the problems" "exit $rc: $out"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
