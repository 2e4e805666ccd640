#!/usr/bin/env bash
# tests/cli/integration.sh - `kiso apply` against real lab hosts (tests/lab):
# every directory tests/integration/NNNN-name/ holds a playbook.yml and an
# 'expect' file, a bash fragment run with the helpers below, which print
# TAP lines. The lab (3 hosts h1..h3, LAB under a mktemp dir, ports from
# BASE_PORT=26100) is brought up once and torn down on exit.
#
# Helpers for 'expect' files (the current directory is the test's dir):
#   run [ARGS...]          kiso apply -i INV ARGS... playbook.yml; sets $OUT
#                          (stdout+stderr), $RC and $REPORT (JSON report)
#   expect_rc N            the last run's exit status
#   expect_recap H "k=v.." the last run's PLAY RECAP line of host H has these
#   expect_out REGEX       the last run's output matches (grep -E)
#   expect_no_out REGEX    ... does not match
#   on_host H CMD          runs CMD on host H over ssh (stdout)
#   expect_host H CMD WANT CMD's output on H is exactly WANT
#   converge [ARGS...]     the check-mode contract: snapshot every host's
#                          overlay upper dir; a --check run; the upper dirs
#                          are byte-identical (sha256, mode, owner of every
#                          file); a real run changes exactly the (task, host)
#                          pairs the check predicted; a second run has
#                          changed=0 on every host
# Prints TAP; exits non-zero when a test failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd -P)
KISO=$(readlink -f "${KISO:-$root/kiso}")
PY=/usr/bin/python3
only=${1:-}

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	echo "1..0 # SKIP lab hosts need root"
	exit 0
fi

tmp=$(mktemp -d /tmp/kiso-integ.XXXXXX)
export LAB=$tmp/lab
export BASE_PORT=${INTEG_BASE_PORT:-26100}
cleanup() {
	if ! "$root/tests/lab/down" >"$tmp/down.log" 2>&1; then
		echo "# tests/lab/down failed; LAB kept in $LAB:"
		sed 's/^/# /' "$tmp/down.log"
		return
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! "$root/tests/lab/up" 3 >"$tmp/lab.log" 2>&1; then
	echo "not ok 1 - lab hosts come up"
	sed 's/^/# /' "$tmp/lab.log" | tail -20
	exit 1
fi
INV=$LAB/state/inventory.yml
KEY=$LAB/keys/id_ed25519
SSHOPTS=(-F "$LAB/state/ssh_config" -o BatchMode=yes)

n=0
failed=0
OUT=
RC=0
REPORT=
T=

ok() {
	n=$((n + 1))
	echo "ok $n - $T: $1"
}

notok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $T: $1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/# /'
	done
}

run() {
	REPORT=$tmp/report.$n.$RANDOM.json
	OUT=$(timeout 300 "$KISO" apply -i "$INV" "$@" --report "json=$REPORT" playbook.yml 2>&1)
	RC=$?
}

expect_rc() {
	if [ "$RC" = "$1" ]; then ok "exit status $1"; else notok "exit status $RC, want $1" "$OUT"; fi
}

expect_recap() {
	local h=$1 want=$2 line kv bad=
	line=$(printf '%s\n' "$OUT" | sed -n '/^PLAY RECAP/,$p' | grep -E "^$h +:")
	for kv in $want; do
		echo "$line" | grep -qE "(^| )$kv( |$)" || bad="$bad $kv"
	done
	if [ -z "$bad" ] && [ -n "$line" ]; then ok "recap $h $want"; else notok "recap $h: want$bad" "$line" "$OUT"; fi
}

expect_out() {
	if printf '%s\n' "$OUT" | grep -qE -- "$1"; then ok "output has /$1/"; else notok "output lacks /$1/" "$OUT"; fi
}

expect_no_out() {
	if printf '%s\n' "$OUT" | grep -qE -- "$1"; then notok "output has /$1/" "$OUT"; else ok "output lacks /$1/"; fi
}

on_host() {
	local h=$1
	shift
	ssh "${SSHOPTS[@]}" "$h" "$@" 2>/dev/null
}

expect_host() {
	local got
	got=$(on_host "$1" "$2")
	if [ "$got" = "$3" ]; then ok "on $1: $2"; else notok "on $1: $2" "got: $got" "want: $3"; fi
}

snapshot() {
	local d
	for d in "$LAB"/hosts/h*/; do
		(cd "$d/upper" && find . -xdev -printf '%p %y %m %U %G %s %l\n' | LC_ALL=C sort &&
			find . -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) |
			sed "s|^|$(basename "$d") |"
	done
}

# the (task, host) pairs a JSON report says changed, one a line; with a
# second report (the check run's), pairs that check mode skipped as
# unpredictable (commands) are left out
changed_pairs() {
	"$PY" - "$@" <<'EOF'
import json, sys
def pairs(path, want):
    d = json.load(open(path))
    out = set()
    for p in d.get("plays", []):
        for t in p["tasks"]:
            for h, r in t["hosts"].items():
                st = r.get("status")
                if want == "changed" and (st == "changed" or (r.get("changed") and st != "skipped")):
                    out.add("%s|%s" % (t["name"], h))
                msg = (r.get("result") or {}).get("msg", "")
                if want == "unpredictable" and st == "skipped" and "check mode" in str(msg):
                    out.add("%s|%s" % (t["name"], h))
    return out
got = pairs(sys.argv[1], "changed")
if len(sys.argv) > 2:
    got -= pairs(sys.argv[2], "unpredictable")
for x in sorted(got):
    print(x)
EOF
}

converge() {
	local before after want got
	before=$(snapshot)
	run --check "$@"
	if [ "$RC" != 0 ]; then notok "check run exit $RC" "$OUT"; return; fi
	want=$(changed_pairs "$REPORT")
	after=$(snapshot)
	if [ "$before" = "$after" ]; then
		ok "check run leaves every upper dir byte-identical"
	else
		notok "check run changed an upper dir" "$(diff <(echo "$before") <(echo "$after") | head -20)"
	fi
	local check_report=$REPORT
	run "$@"
	if [ "$RC" != 0 ]; then notok "first run exit $RC" "$OUT"; return; fi
	got=$(changed_pairs "$REPORT" "$check_report")
	if [ -n "$got" ] && [ "$want" = "$got" ]; then
		ok "check predicted the first run's changes ($(echo "$got" | wc -l) task/host pairs)"
	else
		notok "check predicted other changes than the first run made" "check: $want" "run: $got"
	fi
	run "$@"
	if [ "$RC" = 0 ] && ! printf '%s\n' "$OUT" | sed -n '/^PLAY RECAP/,$p' | grep -qE 'changed=[1-9]'; then
		ok "second run changed=0"
	else
		notok "second run not idempotent (exit $RC)" "$OUT"
	fi
}

for dir in "$root"/tests/integration/[0-9]*/; do
	T=$(basename "$dir")
	[ -n "$only" ] && [ "$T" != "$only" ] && continue
	(cd "$dir" && . ./expect) >"$tmp/tap" 2>&1
	# the fragment ran in a subshell: renumber its lines into ours
	while IFS= read -r l; do
		case $l in
		"ok "*) n=$((n + 1)); echo "ok $n ${l#ok * }" ;;
		"not ok "*) n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n ${l#not ok * }" ;;
		*) echo "$l" ;;
		esac
	done <"$tmp/tap"
done
echo "1..$n"
[ "$failed" = 0 ]
