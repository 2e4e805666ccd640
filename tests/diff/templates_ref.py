#!/usr/bin/python3
"""Differential test: `kiso render` against Ansible's own templating.

Every case of tests/diff/templates/cases/*.yml is rendered twice:

  * by Ansible 2.14 (Debian's ansible-core on Debian's python3-jinja2), in
    this one Python process: InventoryManager + VariableManager give the
    host's variables (extra vars, inventory, magic vars of a play on
    'all' -- or on the implicit 'localhost' without a host), and a Templar
    with the template module's environment (AnsibleEnvironment,
    do_template(preserve_trailing_newlines=True, escape_backslashes=False))
    renders the text exactly as the template module would write it;
  * by `./kiso render` with the same -i, --host and -e arguments, once per
    case (in parallel).

The outputs must be equal byte for byte: for --expr kiso prints the text
and a newline, for --file exactly the rendered file. When Ansible fails
(undefined variable, syntax error, recursive loop) kiso must fail too,
with a non-zero exit status and a message on stderr.

A case is a map:

  name:      short name (required, unique)
  expr:      template text given with --expr           \\ exactly
  template:  template text, written to a file, --file  |  one of
  file:      a file under templates/files/, --file     /  these
  vars:      extra variables: a map (dumped as YAML) or YAML text, given
             as -e @FILE
  extra:     a list of raw -e arguments ("k=v x='a b'", '{"j": 1}', ...)
  inventory: a path (or list) under templates/inventories/, given as -i
  host:      the host to render for (--host)
  error:     true when Ansible must fail (a corpus sanity check)
  stderr:    a substring kiso's stderr must contain (error cases)
  note:      printed with a failure: where the fault was found to lie

Output: TAP ("ok N - file: name" / "not ok N - ..." with a short diff as
# comments) and a final count line; exit status 1 on any mismatch.

Usage: templates_ref.py [--kiso PATH] [--ref-only] [--jobs N] [SUBSTRING]
"""

import atexit
import shutil
import concurrent.futures
import difflib
import glob
import os
import pwd
import subprocess
import sys
import tempfile

os.environ.setdefault("ANSIBLE_CONFIG", os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates", "ansible.cfg"))
os.environ["ANSIBLE_LOCALHOST_WARNING"] = "False"
os.environ["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "False"
os.environ["ANSIBLE_DEPRECATION_WARNINGS"] = "False"
os.environ["ANSIBLE_NOCOLOR"] = "1"

import yaml  # noqa: E402

from ansible import context  # noqa: E402
from ansible.module_utils.common.collections import ImmutableDict  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "templates")
ROOT = os.path.dirname(os.path.dirname(HERE))


def set_cliargs(extra_vars, inventory):
    context.CLIARGS = ImmutableDict(
        extra_vars=tuple(extra_vars), check=False, diff=False, forks=5,
        inventory=tuple(inventory), subset=None, tags=(), skip_tags=(),
        verbosity=0)


set_cliargs([], [])

from ansible.cli import CLI  # noqa: E402
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.playbook.play import Play  # noqa: E402
from ansible.template import AnsibleEnvironment, Templar  # noqa: E402
from ansible.vars.hostvars import HostVars  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402
from ansible.utils.display import Display  # noqa: E402

# Ansible's warnings (duplicate keys after a merge, ...) are not results.
Display.warning = lambda self, *a, **k: None


class Case:
    def __init__(self, src, index, d, tmpdir):
        self.src = os.path.basename(src)
        self.name = d.get("name") or "case-%d" % index
        self.title = "%s: %s" % (self.src, self.name)
        self.error = bool(d.get("error", False))
        self.stderr_want = d.get("stderr")
        self.note = d.get("note")
        self.host = d.get("host")
        inv = d.get("inventory") or []
        if isinstance(inv, str):
            inv = [inv]
        self.inventory = [os.path.relpath(os.path.join(CORPUS, "inventories", i), ROOT)
                          for i in inv]
        self.extra = []
        v = d.get("vars")
        slug = "%s-%03d" % (self.src.replace(".yml", ""), index)
        if v is not None:
            path = os.path.join(tmpdir, slug + "-vars.yml")
            with open(path, "w", encoding="utf-8") as f:
                if isinstance(v, str):
                    f.write(v)
                else:
                    yaml.safe_dump(v, f, default_flow_style=False, allow_unicode=True,
                                   sort_keys=False)
            self.extra.append("@" + path)
        for e in d.get("extra") or []:
            self.extra.append(str(e))
        self.expr = None
        self.path = None
        if "expr" in d:
            self.expr = str(d["expr"])
        elif "template" in d:
            self.path = os.path.join(tmpdir, slug + ".j2")
            with open(self.path, "w", encoding="utf-8") as f:
                f.write(d["template"])
        elif "file" in d:
            self.path = os.path.relpath(os.path.join(CORPUS, "files", d["file"]), ROOT)
        else:
            raise SystemExit("%s: case '%s' has no expr, template or file" % (src, self.name))
        self.ref_out = None     # text Ansible renders
        self.ref_err = None     # or the exception text

    def kiso_args(self, kiso):
        args = [kiso, "render"]
        for i in self.inventory:
            args += ["-i", i]
        if self.host:
            args += ["--host", self.host]
        for e in self.extra:
            args += ["-e", e]
        if self.expr is not None:
            args += ["--expr", self.expr]
        else:
            args += ["--file", self.path]
        return args

    def text(self):
        if self.expr is not None:
            return self.expr
        with open(self.path, encoding="utf-8") as f:
            return f.read()


def render_reference(case):
    """Renders one case with Ansible, as the template module would."""
    set_cliargs(case.extra, case.inventory)
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=list(case.inventory))
    vm = VariableManager(loader=loader, inventory=inventory,
                         version_info=CLI.version_info(gitinfo=False))
    HostVars(inventory=inventory, variable_manager=vm, loader=loader)
    if case.host:
        host = inventory.get_host(case.host)
        if host is None:
            raise Exception("no host '%s' in the inventory" % case.host)
        play = Play.load(dict(hosts="all", gather_facts=False), variable_manager=vm,
                         loader=loader)
    else:
        host = inventory.get_host("localhost")
        play = Play.load(dict(hosts="localhost", gather_facts=False), variable_manager=vm,
                         loader=loader)
    variables = vm.get_vars(play=play, host=host, include_hostvars=True)
    if case.path is not None:
        # what the template module adds (generate_ansible_template_vars),
        # but for the two time stamps
        st = os.stat(case.path)
        try:
            uid = pwd.getpwuid(st.st_uid).pw_name
        except KeyError:
            uid = str(st.st_uid)
        variables.update({
            "template_host": os.uname()[1],
            "template_path": case.path,
            "template_fullpath": os.path.abspath(case.path),
            "template_uid": uid,
            "template_destpath": None,
            "ansible_managed": "Ansible managed",
        })
    # the template module's search path: basedir and the template's
    # directory, each with its templates/ first
    searchpath = [os.getcwd()]
    if case.path is not None:
        searchpath.append(os.path.dirname(os.path.abspath(case.path)))
    searchpath = [q for p in searchpath for q in (os.path.join(p, "templates"), p)]
    templar = Templar(loader=loader, variables=variables)
    templar = templar.copy_with_new_env(environment_class=AnsibleEnvironment,
                                        searchpath=searchpath,
                                        available_variables=variables)
    res = templar.do_template(case.text(), preserve_trailing_newlines=True,
                              escape_backslashes=False)
    return str(res)


def run_kiso(kiso, case):
    try:
        env = dict(os.environ)
        # a sanitizer report must not pass for an expected failure
        env.setdefault("ASAN_OPTIONS", "exitcode=66")
        env.setdefault("UBSAN_OPTIONS", "exitcode=66:print_stacktrace=1")
        p = subprocess.run(case.kiso_args(kiso), cwd=ROOT, capture_output=True, timeout=20,
                           env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -1, b"", b"timeout after 20 s"
    except OSError as e:
        return -1, b"", str(e).encode()


def short_diff(want, got):
    lines = list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                      "ansible", "kiso", n=1))
    out = []
    for ln in lines[:30]:
        out.append("#   " + repr(ln.rstrip("\n"))[1:-1])
    if len(lines) > 30:
        out.append("#   ... %d more diff lines" % (len(lines) - 30))
    return out


def judge(case, rc, out, err):
    """Returns (ok, diagnostic lines)."""
    diag = []
    errtext = err.decode("utf-8", "replace").strip()
    if "Sanitizer" in errtext or "runtime error:" in errtext:
        diag.append("# kiso hit a sanitizer report (status %d):" % rc)
        diag += ["#   " + ln for ln in errtext.splitlines()[:15]]
        return False, diag
    if case.ref_err is not None:
        if not case.error:
            diag.append("# ansible failed on a case not marked 'error: true': " +
                        case.ref_err.splitlines()[0][:300])
            return False, diag
        if rc == 0:
            diag.append("# ansible failed but kiso succeeded")
            diag.append("#   ansible: " + case.ref_err.splitlines()[0][:300])
            diag.append("#   kiso printed: " + repr(out.decode("utf-8", "replace"))[:300])
            return False, diag
        if rc < 0 or rc > 5:
            diag.append("# kiso crashed or hung (status %d): %s" % (rc, errtext[:300]))
            return False, diag
        if not errtext:
            diag.append("# kiso failed without a message")
            return False, diag
        if case.stderr_want and case.stderr_want not in errtext:
            diag.append("# kiso's message lacks %r: %s" % (case.stderr_want, errtext[:300]))
            return False, diag
        return True, ["#   ansible: " + case.ref_err.splitlines()[0][:200],
                      "#   kiso:    " + errtext.splitlines()[0][:200]]
    if case.error:
        diag.append("# case marked 'error: true' but ansible rendered %r" % case.ref_out[:200])
        return False, diag
    want = case.ref_out + ("\n" if case.expr is not None else "")
    if rc != 0:
        diag.append("# kiso failed (status %d): %s" % (rc, errtext[:500]))
        diag.append("#   ansible: " + repr(want)[:300])
        return False, diag
    got = out.decode("utf-8", "replace")
    if got != want:
        diag.append("# output differs")
        diag += short_diff(want, got)
        if len(want) < 200 and len(got) < 200:
            diag.append("#   want %r" % want)
            diag.append("#   got  %r" % got)
        return False, diag
    return True, []


def main():
    args = sys.argv[1:]
    kiso = os.path.join(ROOT, "kiso")
    ref_only = False
    jobs = os.cpu_count() or 4
    pattern = None
    while args:
        a = args.pop(0)
        if a == "--kiso":
            kiso = os.path.abspath(args.pop(0))
        elif a == "--ref-only":
            ref_only = True
        elif a == "--jobs":
            jobs = int(args.pop(0))
        else:
            pattern = a

    tmpdir = tempfile.mkdtemp(prefix="kiso-tmpl-")
    atexit.register(shutil.rmtree, tmpdir, True)
    cases = []
    names = set()
    for src in sorted(glob.glob(os.path.join(CORPUS, "cases", "*.yml"))):
        with open(src, encoding="utf-8") as f:
            data = yaml.safe_load(f) or []
        for i, d in enumerate(data):
            c = Case(src, i, d, tmpdir)
            if c.title in names:
                raise SystemExit("duplicate case name '%s'" % c.title)
            names.add(c.title)
            if pattern and pattern not in c.title:
                continue
            cases.append(c)

    cwd = os.getcwd()
    os.chdir(ROOT)
    for c in cases:
        try:
            c.ref_out = render_reference(c)
        except Exception as e:  # noqa: BLE001 - any failure is a result
            c.ref_err = "%s: %s" % (type(e).__name__, e)
    os.chdir(cwd)

    if ref_only:
        for c in cases:
            print("== %s" % c.title)
            print(repr(c.ref_out) if c.ref_err is None else "ERROR " + c.ref_err)
        return 0

    if not os.access(kiso, os.X_OK):
        print("1..0 # SKIP no kiso binary at %s" % kiso)
        return 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        results = list(ex.map(lambda c: run_kiso(kiso, c), cases))

    print("1..%d" % len(cases))
    failed = 0
    for n, (c, (rc, out, err)) in enumerate(zip(cases, results), 1):
        ok, diag = judge(c, rc, out, err)
        if ok:
            print("ok %d - %s" % (n, c.title))
        else:
            failed += 1
            print("not ok %d - %s" % (n, c.title))
            for d in diag:
                print(d)
            if c.note:
                print("# note: " + c.note.strip().replace("\n", "\n#   "))
    print("# %d passed, %d failed (of %d template cases)" % (len(cases) - failed, failed,
                                                            len(cases)))
    subprocess.run(["rm", "-rf", tmpdir])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
