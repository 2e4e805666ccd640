#!/usr/bin/env bash
# tests/cli/render.sh - `kiso render` as a command: output framing (a
# newline after --expr, nothing added to --file), exit statuses (0, 1
# template error, 4 syntax error, 5 usage), and where errors are placed.
# What the templates render to is tests/diff/templates.sh's business.
# Prints TAP.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd -P)
KISO=${KISO:-$root/kiso}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# check NAME WANT_STATUS WANT_STDOUT STDERR_SUBSTRING -- ARGS...
# WANT_STDOUT is compared exactly (printf %b escapes); '*' skips it.
check() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4 rc out err
	shift 5
	"$KISO" render "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(od -An -c "$tmp/out")
	err=$(cat "$tmp/err")
	n=$((n + 1))
	if [ "$rc" != "$want_rc" ]; then
		echo "not ok $n - $name"
		echo "# status $rc, want $want_rc; stderr: $err"
		failed=$((failed + 1))
	elif [ "$want_out" != '*' ] && [ "$out" != "$(printf '%b' "$want_out" | od -An -c)" ]; then
		echo "not ok $n - $name"
		echo "# stdout:$out"
		echo "# want:  $(printf '%b' "$want_out" | od -An -c)"
		failed=$((failed + 1))
	elif [ -n "$want_err" ] && [[ "$err" != *"$want_err"* ]]; then
		echo "not ok $n - $name"
		echo "# stderr lacks '$want_err': $err"
		failed=$((failed + 1))
	else
		echo "ok $n - $name"
	fi
}

printf 'a\n{{ x }}' >"$tmp/t.j2"
printf 'a\n{{ x }}\n\n' >"$tmp/nl.j2"
printf 'line one\n{%% if x %%}\nno end\n' >"$tmp/bad.j2"
printf 'ok {{ y }}\n' >"$tmp/undef.j2"
printf 'a: from-file\nb: [1, 2]\n' >"$tmp/vars.yml"
printf '[web]\nweb1 port=80\n' >"$tmp/hosts"

check "expr: text and a newline" 0 '[1, '"'"'a'"'"'] True\n' "" -- --expr '{{ [1, "a"] }} {{ 1 == 1 }}'
check "file: exactly the rendered bytes" 0 'a\n1' "" -- -e x=1 --file "$tmp/t.j2"
check "file: trailing newlines kept" 0 'a\n1\n\n' "" -- -e x=1 --file "$tmp/nl.j2"
check "-e: later wins, files and json" 0 'x 2\n' "" -- -e @"$tmp/vars.yml" -e a=x \
	-e '{"c": 2}' --expr '{{ a }} {{ b | length }}'
check "--host: inventory vars and magic" 0 'web1 80 ['"'"'web'"'"']\n' "" -- -i "$tmp/hosts" \
	--host web1 --expr '{{ inventory_hostname }} {{ port }} {{ group_names }}'
check "--help" 0 '*' "" -- --help
check "undefined variable: status 1, placed in <expr>" 1 '' "<expr>:1:4: 'nope' is undefined" -- \
	--expr '{{ nope }}'
check "undefined variable in a file: file:line:col" 1 '' "$tmp/undef.j2:1:7: 'y' is undefined" -- \
	--file "$tmp/undef.j2"
check "syntax error: status 4" 4 '' "$tmp/bad.j2:" -- --file "$tmp/bad.j2"
check "recursive loop: status 1" 1 '' "recursive loop detected in template string" -- \
	-e 'a={{b}}' -e 'b={{a}}' --expr '{{ a }}'
check "unknown host: status 1" 1 '' "no host 'db9' in the inventory" -- -i "$tmp/hosts" \
	--host db9 --expr x
check "missing template file: status 1" 1 '' "$tmp/none.j2" -- --file "$tmp/none.j2"
check "missing vars file: status 1" 1 '' "$tmp/none.yml" -- -e @"$tmp/none.yml" --expr x
check "-e not a dict: status 5" 5 '' "could not be made into a dictionary" -- -e '[1]' --expr x
check "-e bare path: status 5" 5 '' "with '@'" -- -e /etc/hosts --expr x
check "neither --expr nor --file: status 5" 5 '' "exactly one of" --
check "both --expr and --file: status 5" 5 '' "exactly one of" -- --expr x --file "$tmp/t.j2"
check "unknown option: status 5" 5 '' "unknown option" -- --bogus --expr x
check "stray argument: status 5" 5 '' "unexpected argument" -- --expr x extra

echo "1..$n"
[ "$failed" -eq 0 ]
