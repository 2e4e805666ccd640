#!/usr/bin/python3
"""Differential tests of kiso's YAML loader and dumper against Ansible's.

    yaml_ref.py dump   kiso_yaml_dump() vs yaml.dump(Dumper=AnsibleDumper)
                       (what to_yaml / to_nice_yaml run) for a fixed set of
                       values and a seeded random set, under six option sets
    yaml_ref.py load   kiso_yaml_load_all() vs Ansible's AnsibleLoader for a
                       corpus of documents: equal data, or errors at the
                       same line:col (libyaml's problem text must match too)

Prints TAP; exits 1 on any mismatch. Run from the repository root; builds
tests/diff/yaml_drv.c against build/release/libkiso.a.
"""
import json
import os
import random
import subprocess
import sys

import yaml
from ansible import constants as C
from ansible.parsing.yaml.dumper import AnsibleDumper
from ansible.parsing.yaml.loader import AnsibleLoader

C.DUPLICATE_YAML_DICT_KEY = 'ignore'
DRV = 'build/diff/yaml_drv'


def build_driver():
    lib = 'build/release/libkiso.a'
    if not os.path.exists(lib):
        subprocess.run(['make', '-s', lib], check=True)
    os.makedirs('build/diff', exist_ok=True)
    pkgs = ['yaml-0.1', 'libssh2', 'libgit2', 'libpcre2-8', 'libcrypto']
    cflags = subprocess.run(['pkg-config', '--cflags'] + pkgs, capture_output=True, text=True).stdout.split()
    libs = subprocess.run(['pkg-config', '--libs'] + pkgs, capture_output=True, text=True).stdout.split()
    subprocess.run(['cc', '-std=c17', '-O1', '-Iengine', '-I.'] + cflags +
                   ['-o', DRV, 'tests/diff/yaml_drv.c', lib] + libs + ['-lpthread', '-lm'], check=True)


STRS = ["", "a", "yes", "no", "on", "Off", "true", "null", "~", "123", "1.5", "1e3", "0644",
        "0x1F", "1:30", "2001-12-14", "<<", "=", "!", "&", "*", "*a", "&a", "!a", "a: b", "a:b",
        ": ", "a #b", "a#b", "#a", "- a", "-a", "-", "--", "---", "---a", "...", "? a", "?a",
        "a?", "[a]", "a]", "{a}", "a,b", "'q'", '"dq"', "it's", "tab\there", "line1\nline2",
        "line1\n", "\nlead", "trail ", " lead", "a  b", "multi\n\nblank", "sp \nbr", "br\n sp",
        "caf\u00e9", "\u00e9t\u00e9", "\u4e2d\u6587", "emoji\U0001F600", "nbsp\u00a0x",
        "bom\ufeff", "nel\x85x", "ls\u2028x", "ctl\x01x", "del\x7fx", "nul\x00x", "back\\slash",
        "%pct", "@at", "`bt", "|pipe", ">gt", "a|b", "a>b", "x" * 100, "word " * 30,
        ("long" * 30 + " ") * 3, "a " * 60, "\u00e9 " * 50, "\"" * 3, "' '", "a'b'c",
        "key with spaces", "UPPER", "Yes please", "1_000", "+1", "-1", ".5", "-.5", "1.", "0b11",
        "0o17", ".inf", ".NaN", "NULL", "Null", "nULL", "x\r\ny", "\t", " ", "  ", "a\u2029b",
        "q'\nq", "longline " * 12 + "\n" + "second " * 15, "{{ jinja }}", "{% if x %}y{% endif %}",
        "/etc/hosts", "user@host", "http://x.y/z?a=1&b=2", "10.0.0.1", "192.168.1.0/24", "2222",
        "-rw-r--r--", "$HOME", "a\\nb", "C:\\path"]
INTS = [0, 1, -5, 420, 2 ** 62, -2 ** 63, 2 ** 63 - 1, 12345678901]
FLOATS = [0.0, -0.0, 1.5, 1e17, 1e16, 1e-5, 3.14159, 1e300, 2.5e-300, 123456789.123,
          float('inf'), float('-inf'), 0.1, 100.0, 1e22, 5e-324]


def rscalar(r):
    x = r.random()
    if x < 0.55:
        return r.choice(STRS)
    if x < 0.65:
        return r.choice(INTS)
    if x < 0.78:
        return r.choice(FLOATS)
    if x < 0.85:
        return r.choice([True, False])
    return None


def rval(r, d=0):
    x = r.random()
    if d > 3 or x < 0.35:
        return rscalar(r)
    if x < 0.65:
        return [rval(r, d + 1) for _ in range(r.randint(0, 5))]
    m = {}
    for _ in range(r.randint(0, 5)):
        m[r.choice(STRS + ["k1", "k2", "name", "value"])] = rval(r, d + 1)
    return m


FIXED = [
    {"b": [1, 2], "a": {"x": "yes", "y": "123", "z": "", "w": "a: b"}, "c": [{"k": "v"}, "plain"]},
    {"a": {"b": [1, {"c": 2}]}}, [[1, 2], [3]], {"a": "x" * 200}, {"k": ["a" * 50, "b" * 50]},
    "abc", "yes", 1, 1.5, None, True, [], {}, {"a": []}, {"a": {}}, [[]], ["x\ny"], {"x\ny": 1},
    {"": 1}, {"k" * 130: 1}, {"k" * 120: 1}, [{"a": 1, "b": [1, 2, {"c": None}]}],
    {"hosts": "all", "become": True, "tasks": [{"name": "copy", "copy": {"src": "a", "dest": "/b",
                                                                        "mode": "0644"}}]},
    {"users": [{"name": "alice", "groups": ["wheel", "adm"], "shell": "/bin/bash"},
               {"name": "bob", "groups": [], "uid": 1001}]},
    {"sysctl": {"kernel.softlockup_panic": 0, "vm.swappiness": "10", "net.ipv4.ip_forward": "1"}},
    {"motd": "Welcome to {{ inventory_hostname }}\nManaged by kiso\n"},
    # (maps with non-string keys cannot travel as JSON: tests/unit/engine/yaml.c has them)
]
OPTION_SETS = [(-1, 2, 80, 1), (0, 4, 80, 1), (1, 2, 80, 1), (-1, 2, 40, 1), (0, 2, 1000, 1),
               (0, 3, 20, 1), (-1, 2, 80, 0), (0, 2, -1, 1)]


def run_dump():
    r = random.Random(20261122)
    values = FIXED + [rval(r) for _ in range(150)]
    n = 0
    bad = 0
    for flow, indent, width, sort in OPTION_SETS:
        inp = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values)
        out = subprocess.run([DRV, "dump", str(flow), str(indent), str(width), str(sort)],
                             input=inp.encode(), capture_output=True).stdout.decode().split("\x1e")
        for i, v in enumerate(values):
            n += 1
            kw = dict(Dumper=AnsibleDumper, allow_unicode=True, indent=indent, width=width,
                      sort_keys=bool(sort), default_flow_style=None if flow < 0 else bool(flow))
            want = yaml.dump(v, **kw)
            got = out[i] if i < len(out) else "<missing>"
            name = "dump flow=%d indent=%d width=%d sort=%d value %d" % (flow, indent, width, sort, i)
            if got == want:
                print("ok %d - %s" % (n, name))
            else:
                bad += 1
                print("not ok %d - %s" % (n, name))
                print("# value:  %r" % (v,))
                print("# python: %r" % (want,))
                print("# kiso:   %r" % (got,))
    return n, bad


DOCS = [
    "a: 1\nb: [1, 2]\nc: {d: e}\n",
    "- &a {x: 1, y: 2}\n- <<: *a\n  z: 3\n- <<: *a\n  x: 9\n",
    "base: &b {a: 1, b: 2}\nother: &o {b: 3, c: 4}\nm:\n  <<: [*b, *o]\n  d: 5\n",
    "m:\n  c: 0\n  <<: {a: 1}\n  <<: {a: 2, b: 2}\n",
    "a: {<<: [{x: 1, y: 1}, {x: 2, z: 2}], w: 3, y: 9}\n",
    "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n",
    "a: 1\na: 2\nb: 3\n",
    "1: a\ntrue: b\n1.0: c\n",
    "--- 1\n--- 2\n...\n--- [a]\n",
    "", "---\n", "# just a comment\n",
    "x: |\n  line1\n  line2\n\ny: >\n  folded\n  text\n\n  para\nz: |-\n  strip\nw: |+\n  keep\n\n",
    "x: 'single ''q'''\ny: \"dq \\t \\u00e9 \\x41\"\nz: plain text here\n",
    "{a: 1, b: [x, y], c: {d: null}}",
    "- !!str 123\n- !!int '0x10'\n- !!float '1'\n- !!bool 'yes'\n- !!null ''\n- !!map {a: 1}\n- !!seq [1]\n",
    "- ! 12\n- ! '12'\n- !!python/unicode 5\n- !!python/dict {a: 1}\n",
    "a: &x\n  b: &y [1, 2]\nc: *y\nd: *x\n",
    "1: a\n2.5: b\nfalse: c\nnull: d\n",
    "a:\n- 1\n- - 2\n  - 3\n- {b: c}\n",
    "%YAML 1.1\n---\na: 1\n",
    "%TAG !e! tag:yaml.org,2002:\n---\na: !e!str 1\n",
    "a: !<tag:yaml.org,2002:str> 1\n",
    "x: \"\\ud83d\\ude00 \\U0001F600\"\n",
    "x: \u00e9t\u00e9\n",
    "- 0644\n- 0o644\n- 0b11\n- 0x_1\n- 1_000\n- 1:20\n- 1e5\n- 1.5e+5\n- .5\n- -.inf\n- .NaN\n",
    "- yes\n- No\n- ON\n- off\n- y\n- n\n- True\n- FALSE\n",
    "- ~\n- null\n- Null\n- NULL\n- nULL\n-\n",
    "x: 12:60\ny: 190:20:30\nz: 1:30.5\n",
    "x: 9223372036854775807\ny: -9223372036854775808\n",
    "'<<': {a: 1}\n=: 2\n",
    "a: \"multi\n  line\n\n  quoted\"\n",
    "a: plain\n  continued\n\n  para\n",
    "? a\n? b\n", "a:\nb:\n", "\ufeffa: 1\n", "a: 1\n...\n", "--- |\n  root literal\n",
    "a: >-\n  x\n\n\n  y\n",
    "play:\n  hosts: all\n  tasks:\n    - name: x\n      copy: {src: a, dest: /b, mode: 0644}\n",
    # errors: libyaml's, with the same mark
    "x: @bad\n", "a: b: c\n", "a:\n  - 1\n - 2\n", "[1, 2\n", "{a: 1\n", "a: 'unterminated\n",
    "a: \"bad \\q escape\"\n", "a:\n\tb: 1\n", "- a\nb: 1\n", "key: value\n  bad: indent\n",
    "a: 'x'y\n", "a: [b]c\n", "x: [a, , b]\n", "a: &\n", "a: *\n", "[a]: [b",
    # errors kiso words its own way, at Ansible's position
    "a: *undefined\n", "a: &x 1\nb: &x 2\n", "<<: 1\n", "<<: [{a: 1}, 3]\n", "x: <<\n", "x: =\n",
    "[1, 2]: x\n", "? {a: 1}\n: x\n", "x: !foo bar\n", "x: !!str [1]\n", "x: !!map 1\n",
    "x: !!int abc\n", "x: !!float abc\n", "x: !!bool maybe\n",
]


def ansible_load(doc):
    """('ok', json) or ('err', line, col, problem or None)."""
    try:
        loader = AnsibleLoader(doc, file_name='t.yml')
        data = []
        while loader.check_data():
            data.append(loader.get_data())
        return ('ok', json.dumps(data, ensure_ascii=False))
    except yaml.MarkedYAMLError as e:
        m = e.problem_mark or e.context_mark
        libyaml = isinstance(e, (yaml.scanner.ScannerError, yaml.parser.ParserError))
        return ('err', m.line + 1, m.column + 1, e.problem if libyaml else None)
    except Exception:
        return ('err', None, None, None)


def run_load():
    out = subprocess.run([DRV, "load"], input="\x1e".join(DOCS).encode() + b"\x1e",
                         capture_output=True).stdout.decode().split("\x1e")
    n = 0
    bad = 0
    for i, doc in enumerate(DOCS):
        n += 1
        want = ansible_load(doc)
        got = out[i] if i < len(out) else "<missing>"
        if want[0] == 'ok':
            ok = not got.startswith("ERR") and json.dumps(json.loads(got), ensure_ascii=False) == want[1]
        else:
            ok = got.startswith("ERR ")
            _, line, col, problem = want
            if ok and line is not None:
                pos, _, msg = got[4:].partition(": ")
                ok = pos == "%d:%d" % (line, col) and (problem is None or msg.startswith(problem))
        print("%s %d - load %r" % ("ok" if ok else "not ok", n, doc[:40]))
        if not ok:
            bad += 1
            print("# ansible: %r" % (want,))
            print("# kiso:    %r" % (got,))
    return n, bad


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    build_driver()
    n, bad = run_dump() if sys.argv[1:] == ["dump"] else run_load()
    print("1..%d" % n)
    print("# %d of %d differ" % (bad, n))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
