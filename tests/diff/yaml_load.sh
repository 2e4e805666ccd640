#!/bin/sh
# kiso_yaml_load_all() against Ansible's AnsibleLoader; see yaml_ref.py. TAP.
cd "$(dirname "$0")/../.." || exit 1
exec /usr/bin/python3 tests/diff/yaml_ref.py load
