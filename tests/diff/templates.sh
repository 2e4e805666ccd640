#!/bin/sh
# Differential test of `kiso render` against Ansible's templating; see
# templates_ref.py for the corpus format. TAP on stdout, exit 1 on mismatch.
cd "$(dirname "$0")/../.." || exit 1
exec /usr/bin/python3 tests/diff/templates_ref.py "$@"
