#!/usr/bin/env bash
# tests/cli/doc_modules.sh - `kiso doc-modules DIR`: the module reference
# generated from the schemas. Prints TAP.
#  - the committed docs/modules/ is what the schemas give today (run
#    `make docs` after changing a schema);
#  - a page per registered module plus the index, each parameter a row;
#  - usage errors exit 5, an unwritable DIR exits 1.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd -P)
KISO=${KISO:-$root/kiso}
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

"$KISO" doc-modules "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr"
check "doc-modules exits 0" '[ $? -eq 0 ]'
check "doc-modules prints nothing" '[ ! -s "$tmp/stdout" ] && [ ! -s "$tmp/stderr" ]'
if diff -r "$root/docs/modules" "$tmp/out" >"$tmp/diff"; then
	ok "docs/modules is up to date with the schemas"
else
	sed 's/^/# /' "$tmp/diff" | head -20
	notok "docs/modules is up to date with the schemas"
fi
pages=$(ls "$tmp/out" | grep -vc '^README.md$')
links=$(grep -c '^| \[' "$tmp/out/README.md")
check "one page per module, each in the index ($pages pages)" '[ "$pages" -ge 56 ] && [ "$pages" -eq "$links" ]'
check "collection modules are documented under their names" \
	'grep -q "Also known as: \`ansible.posix.sysctl\`" "$tmp/out/sysctl.md"'
check "a parameter row: name, type, required, default, choices, aliases" \
	'grep -qF "| \`state\` | str | no | \`present\` | \`present\`, \`absent\` |  |" "$tmp/out/sysctl.md"'
check "an alias and a required parameter" \
	'grep -qF "| \`path\` | path | yes |  |  | \`dest\`, \`name\` |" "$tmp/out/file.md"'
check "rerunning changes nothing" \
	'"$KISO" doc-modules "$tmp/out" && diff -r "$root/docs/modules" "$tmp/out" >/dev/null'

"$KISO" doc-modules >/dev/null 2>&1
check "no DIR is a usage error (exit 5)" '[ $? -eq 5 ]'
"$KISO" doc-modules a b >/dev/null 2>&1
check "two DIRs is a usage error (exit 5)" '[ $? -eq 5 ]'
touch "$tmp/file"
"$KISO" doc-modules "$tmp/file/sub" >/dev/null 2>"$tmp/err"
check "an unwritable DIR exits 1 with a message" \
	'[ $? -eq 1 ] && grep -q "cannot create" "$tmp/err"'
"$KISO" doc-modules --help >"$tmp/help"
check "--help prints the usage" '[ $? -eq 0 ] && grep -q "usage: kiso doc-modules DIR" "$tmp/help"'

echo "1..$n"
[ "$failed" -eq 0 ]
