#!/usr/bin/env bash
# Every engine header compiles on its own (libgit2's headertest): a header
# that forgets an include of its own fails here, not in some later user.
set -u
cd "$(dirname "$0")/../.."
cflags="-std=c17 -Wall -Wextra -Werror -iquote engine -iquote . $(pkg-config --cflags yaml-0.1 libssh2 libgit2 libpcre2-8 libcrypto 2>/dev/null)"
n=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for h in $(find engine -name '*.h' | sort); do
	n=$((n + 1))
	rel=${h#engine/}
	printf '#include "%s"\n#include "%s"\nint kiso_headertest_%d;\n' "$rel" "$rel" "$n" >"$tmp/t.c"
	if out=$(cc $cflags -c -o "$tmp/t.o" "$tmp/t.c" 2>&1); then
		echo "ok $n - $h compiles alone and twice"
	else
		echo "not ok $n - $h"
		echo "$out" | sed 's/^/# /' | head -20
		fail=1
	fi
done
exit $fail
