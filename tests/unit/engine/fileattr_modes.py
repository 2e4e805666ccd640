#!/usr/bin/python3
"""Regenerates fileattr_modes.json: Ansible's own
AnsibleModule._symbolic_mode_to_octal() (ansible-core on this machine,
umask 022) for symbolic modes x starting modes x file/directory, the
table tests/unit/engine/fileattr.c checks kiso_fattr_mode() against.
Run from the repository root."""
import json, os, stat
from ansible.module_utils.basic import AnsibleModule

os.umask(0o022)


class St:
    def __init__(self, m):
        self.st_mode = m


modes = ["u+x", "u-x", "g=u", "o=g", "a+X", "+x", "=r", "u=rwx,g=rx,o=", "u+s", "g+s", "+t",
         "o-rwx", "ug+w", "a=rw", "u=rw,g=u,o=g", "u+rwx-w", "go-w", "a-X", "u=X", "ugo=rX", "-w",
         "+w", "a+rwx,o-w", "u+t,o+s", "=", "u=", "o=u", "g+o", "u=rwX,g=rX,o=rX", "u", "ug"]
cases = []
for base in (0o644, 0o600, 0o755, 0o4711, 0o000, 0o1777):
    for isdir in (False, True):
        ftype = stat.S_IFDIR if isdir else stat.S_IFREG
        for m in modes:
            cases.append([m, base, isdir, AnsibleModule._symbolic_mode_to_octal(St(ftype | base), m)])
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fileattr_modes.json")
with open(out, "w") as f:
    json.dump(cases, f)
    f.write("\n")
print("%d cases" % len(cases))
