#!/usr/bin/python3
"""Expected results of module argument validation, from Ansible itself.

    /usr/bin/python3 tests/unit/engine/args_ansible.py > tests/unit/engine/args_ansible.json

For a corpus of (module, arguments) cases, runs ansible-core's own
ArgumentSpecValidator with the module's real argument spec (captured as
docs/gen_module_schemas.py captures it; for the collection modules, the
spec transcribed there) and records whether Ansible accepts the arguments
and, when it does, repr() of every validated parameter (null for None).
tests/unit/engine/args_ansible.c checks that kiso_args_normalize() agrees
case by case; tests/diff/args_ansible.sh regenerates this file and fails
when it differs from the committed one.

Checks that Ansible makes in module code rather than in the spec are
added the way the module makes them (kiso's extra rules in the generator),
so that "accepted" means accepted by Ansible end to end. Cases avoid what
kiso deliberately does differently (a parameter given under two names,
templates, '~' and '$' in paths).
"""
import json
import os
import sys

# Ansible's messages list sets (the valid booleans): fix the hash seed so
# that the file is the same on every run.
if os.environ.get('PYTHONHASHSEED') != '0':
    os.environ['PYTHONHASHSEED'] = '0'
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'docs'))
import gen_module_schemas as gen  # noqa: E402
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

SAMPLE = {'str': 'x', None: 'x', 'path': '/srv/x', 'int': '12', 'bool': 'yes', 'list': 'a,b',
          'dict': {'k': 'v'}, 'raw': '0644', 'float': '1.5', 'json': 'x', 'jsonarg': 'x',
          'bytes': '1K', 'bits': '1Mb'}
BAD = {'int': 'twelve', 'bool': 'maybe', 'float': 'x1', 'list': {'a': 1}, 'dict': 'plain'}

MODULES = ['apt', 'apt_repository', 'blockinfile', 'command', 'copy', 'cron', 'dnf', 'file',
           'get_url', 'group', 'hostname', 'lineinfile', 'package_facts', 'ping', 'replace',
           'service', 'service_facts', 'setup', 'slurp', 'stat', 'systemd', 'unarchive', 'uri',
           'user', 'wait_for', 'yum', 'yum_repository',
           'authorized_key', 'modprobe', 'mount', 'sysctl', 'virt', 'virt_net', 'virt_pool']


def spec_of(name):
    if name in gen.COLLECTIONS:
        c = gen.COLLECTIONS[name]
        spec = {p: {k: v for k, v in s.items() if k != 'doc'} for p, s in c['spec'].items()}
        if c.get('file_common'):
            from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS
            for k, v in FILE_COMMON_ARGUMENTS.items():
                spec.setdefault(k, {x: y for x, y in v.items() if x != 'fallback'})
        return spec, list(c.get('rules', []))
    cap = gen.capture_spec(name)
    rules = list(cap['rules']) + list(gen.MODULES.get(name, {}).get('rules', []))
    spec = cap['spec']
    for p, over in gen.MODULES.get(name, {}).get('params', {}).items():
        if p in spec and 'aliases' in over:
            spec[p] = dict(spec[p], aliases=list(spec[p].get('aliases') or []) + over['aliases'])
    return spec, rules


def ansible(spec, rules, args):
    kw = {'mutually_exclusive': [], 'required_one_of': [], 'required_together': [],
          'required_if': [], 'required_by': {}}
    extra = []
    for kind, r in rules:
        if kind == 'required_by':
            kw['required_by'][r[0]] = r[1:]
        elif kind == 'requires_value':
            extra.append(r)
        else:
            kw[kind].append(r)
    v = ArgumentSpecValidator(spec, **{k: (x or None) for k, x in kw.items()})
    res = v.validate(json.loads(json.dumps(args)))
    errors = [str(e) for e in res.error_messages]
    p = res.validated_parameters
    for name, key, *values in extra:  # modules/file.py check_state()
        if p.get(name) and p.get(key) is not None and p[key] not in values:
            errors.append('%s option requires %s to be %s' % (name, key, ' or '.join("'%s'" % x for x in values)))
    if errors:
        return {'ok': False, 'errors': errors}
    # every parameter of the spec: repr() of its value, or null when unset
    return {'ok': True, 'params': {k: None if x is None else repr(x)
                                   for k, x in p.items() if k in spec}}


def required(spec):
    return {p: SAMPLE[s.get('type')] for p, s in spec.items() if s.get('required')}


def cases_for(name, spec, rules):
    base = required(spec)
    out = [{}, dict(base)]
    for p, s in sorted(spec.items()):
        t = s.get('type')
        if p.startswith('_'):
            continue
        if s.get('choices'):
            for c in list(s['choices'])[:2]:
                out.append(dict(base, **{p: [c] if t == 'list' else c}))
            out.append(dict(base, **{p: 'bogus'}))
        elif t in SAMPLE:
            out.append(dict(base, **{p: SAMPLE[t]}))
        if t in BAD:
            out.append(dict(base, **{p: BAD[t]}))
        for a in (s.get('aliases') or [])[:1]:
            if p not in base:
                out.append(dict(base, **{a: SAMPLE.get(t, 'x') if not s.get('choices') else s['choices'][0]}))
    out.append(dict(base, bogus_parameter='x'))
    # a null for each parameter ('force:' with nothing after it)
    for p in sorted(spec):
        if not p.startswith('_'):
            out.append(dict(base, **{p: None}))
    good = lambda x: SAMPLE.get(spec[x].get('type'), 'x') if not spec[x].get('choices') else spec[x]['choices'][0]
    for kind, r in rules:
        if kind == 'mutually_exclusive':
            out.append(dict(base, **{x: good(x) for x in r}))
            out.append(dict(base, **{x: (None if i == 0 else good(x)) for i, x in enumerate(r)}))
        if kind == 'required_if':
            key, val = r[0], r[1]
            out.append(dict(base, **{key: val}))
            out.append(dict(base, **{key: val}, **{x: None for x in r[2]}))
        if kind == 'required_one_of':
            out.append(dict(base, **{x: None for x in r}))
        if kind == 'required_together':
            out.append(dict(base, **{r[0]: None}))
        if kind == 'required_by':
            out.append(dict(base, **{r[0]: good(r[0])}, **{x: None for x in r[1:]}))
            out.append(dict(base, **{r[0]: None}))
    return out


# Hand-written cases: conversions and rules worth naming.
EXTRA = [
    ('file', {'path': '/a', 'mode': 644}),
    ('file', {'path': '/a', 'mode': 'u=rw,g=r'}),
    ('file', {'path': '/a', 'force': 'On', 'follow': 0, 'recurse': 1.0}),
    ('file', {'path': '/a', 'force': 2}),
    ('file', {'path': '/a', 'src': '/b', 'state': 'directory'}),
    ('file', {'path': '/a', 'src': '/b', 'state': 'hard'}),
    ('file', {'path': '/a', 'recurse': True, 'state': 'file'}),
    ('file', {'path': '/a', 'owner': 0, 'group': 12.5}),
    ('file', {'path': ['/a']}),
    ('copy', {'dest': '/a', 'content': 'x', 'src': 'y'}),
    ('copy', {'dest': '/a', 'content': 12}),
    ('copy', {'dest': '/a', 'content': {'a': 1, 'b': [True, None, 1.5, "it's"]}}),
    ('copy', {'dest': '/a', 'content': ['x', {'y': 'z'}]}),
    ('copy', {'dest': '/a', 'content': 1e20}),
    ('copy', {'dest': '/a', 'content': -0.0}),
    ('copy', {'dest': '/a', 'content': 'caf\u00e9 \u2603\n'}),
    ('sysctl', {'name': 'x', 'value': 0.5}),
    ('sysctl', {'name': 'x', 'value': True}),
    ('sysctl', {'name': 'x', 'value': 100000000000000000}),
    ('user', {'name': 'u', 'uid': '\t42\n'}),
    ('user', {'name': 'u', 'uid': '4 2'}),
    ('user', {'name': 'u', 'uid': '-0'}),
    ('user', {'name': 'u', 'groups': ''}),
    ('user', {'name': 'u', 'groups': []}),
    ('user', {'name': 'u', 'append': 'Yes'}),
    ('user', {'name': 'u', 'append': 'yes '}),
    ('user', {'name': 'u', 'append': '\x1c\tNo\x1f'}),
    ('user', {'name': 'u', 'uid': '\x1d5\x1e'}),
    ('user', {'name': 'u', 'uid': '\x005'}),
    ('user', {'name': 'u', 'append': 0.0}),
    ('user', {'name': 'u', 'append': 0.5}),
    ('uri', {'url': 'http://x', 'timeout': 1.9}),
    ('uri', {'url': 'http://x', 'headers': ''}),
    ('uri', {'url': 'http://x', 'headers': 'a'}),
    ('uri', {'url': 'http://x', 'headers': 'a=1=2 b'}),
    ('uri', {'url': 'http://x', 'headers': "a='x, y' b=\\'"}),
    ('uri', {'url': 'http://x', 'headers': '{"a": [1, 2], "b": {"c": null}}'}),
    ('uri', {'url': 'http://x', 'headers': ['a=1']}),
    ('uri', {'url': 'http://x', 'body': {'k': [1, 2]}, 'body_format': 'json'}),
    ('get_url', {'url': 'http://x', 'dest': '/t', 'timeout': '1e1'}),
    ('wait_for', {'timeout': '+7', 'sleep': ' 1 '}),
    ('copy', {'dest': '/a'}),
    ('copy', {'src': 'a'}),
    ('lineinfile', {'path': '/a', 'line': 'x', 'insertafter': 'EOF', 'insertbefore': 'BOF'}),
    ('lineinfile', {'path': '/a', 'line': 'x', 'search_string': 's', 'backrefs': False}),
    ('lineinfile', {'path': '/a', 'state': 'absent'}),
    ('lineinfile', {'path': '/a', 'state': 'absent', 'search_string': 'x'}),
    ('lineinfile', {'path': '/a', 'regexp': 'x'}),
    ('lineinfile', {'path': '/a', 'line': 'x', 'backrefs': True}),
    ('user', {'name': 'u', 'uid': ' 1001 ', 'groups': 'a,b,,c', 'append': 'TRUE'}),
    ('user', {'name': 'u', 'uid': '1_001'}),
    ('user', {'name': 'u', 'uid': '0x10'}),
    ('user', {'name': 'u', 'uid': 10.0}),
    ('user', {'name': 'u', 'uid': True}),
    ('user', {'name': 'u', 'groups': 7}),
    ('user', {'name': 'u', 'groups': ['a', 1, 2.5, True]}),
    ('user', {'name': 'u', 'password_expire_max': '-1'}),
    ('apt', {'name': 'vim', 'upgrade': True}),
    ('apt', {'name': 'vim', 'upgrade': False}),
    ('apt', {'name': 'vim', 'cache_valid_time': '3600'}),
    ('apt', {'pkg': ['vim', 'git'], 'state': 'latest', 'update_cache': 'yes'}),
    ('apt', {'deb': '/x.deb', 'name': 'x'}),
    ('apt', {}),
    ('apt', {'autoremove': True}),
    ('dnf', {'name': 'x', 'list': 'installed'}),
    ('dnf', {'name': ['a', 'b'], 'state': 'bogus'}),
    ('systemd', {'state': 'started'}),
    ('systemd', {'name': 'x', 'enabled': 'no'}),
    ('systemd', {'daemon-reload': True}),
    ('systemd', {'name': 'x', 'scope': 'global', 'masked': 'off'}),
    ('service', {'name': 'x'}),
    ('service', {'name': 'x', 'args': '-f', 'enabled': 'y'}),
    ('service', {'name': 'x', 'sleep': '2', 'state': 'reloaded'}),
    ('group', {'name': 'g', 'non_unique': True}),
    ('group', {'name': 'g', 'non_unique': True, 'gid': '500'}),
    ('uri', {'url': 'http://x', 'body': 'a', 'src': 'b'}),
    ('uri', {'url': 'http://x', 'headers': 'a=1 b="x y",c=3'}),
    ('uri', {'url': 'http://x', 'headers': '{"a": 1}'}),
    ('uri', {'url': 'http://x', 'status_code': '200,201'}),
    ('uri', {'url': 'http://x', 'status_code': [200, '201']}),
    ('uri', {'url': 'http://x', 'timeout': '1.5'}),
    ('get_url', {'url': 'http://x', 'dest': '/t', 'timeout': 30, 'headers': {'a': 'b'}}),
    ('wait_for', {'port': '22', 'state': 'started', 'timeout': '300', 'delay': 'x'}),
    ('wait_for', {'path': '/x', 'search_regex': 'r', 'exclude_hosts': 'a,b'}),
    ('unarchive', {'src': 'a.tgz', 'dest': '/x', 'include': ['a'], 'exclude': ['b']}),
    ('unarchive', {'src': 'a.tgz', 'dest': '/x', 'remote_src': 'yes', 'extra_opts': '--strip=1'}),
    ('cron', {'name': 'c', 'job': 'true', 'minute': 5, 'special_time': 'reboot'}),
    ('cron', {'name': 'c', 'insertafter': 'a', 'insertbefore': 'b'}),
    ('blockinfile', {'path': '/a', 'block': 'x', 'marker': '# {mark} X'}),
    ('blockinfile', {'path': '/a', 'insertafter': 'a', 'insertbefore': 'b'}),
    ('stat', {'path': '/a', 'get_checksum': 'no', 'checksum_algorithm': 'sha256'}),
    ('stat', {'path': '/a', 'checksum_algorithm': 'crc'}),
    ('command', {'_raw_params': 'ls', 'argv': ['ls']}),
    ('command', {'argv': ['ls', '-l'], 'chdir': '/tmp'}),
    ('command', {'cmd': 'ls'}),
    ('command', {'chdir': '/tmp'}),
    ('sysctl', {'name': 'vm.swappiness', 'value': 10, 'sysctl_set': 'yes', 'reload': 'no'}),
    ('sysctl', {'key': 'vm.swappiness', 'val': '10'}),
    ('sysctl', {'name': 'vm.swappiness'}),
    ('sysctl', {'name': 'vm.swappiness', 'state': 'absent'}),
    ('mount', {'path': '/m', 'src': 'nfs:/x', 'fstype': 'nfs', 'state': 'mounted', 'opts': 'ro', 'dump': 0, 'passno': 2}),
    ('mount', {'name': '/m', 'state': 'present', 'src': '/dev/x'}),
    ('mount', {'path': '/m', 'state': 'unmounted'}),
    ('mount', {'path': '/m'}),
    ('authorized_key', {'user': 'root', 'key': 'ssh-ed25519 AAA x', 'exclusive': 'yes'}),
    ('modprobe', {'name': 'br_netfilter', 'persistent': 'present', 'params': 'a=1'}),
    ('modprobe', {'name': 'x', 'persistent': 'sometimes'}),
    ('virt', {'name': 'g', 'state': 'running', 'autostart': 'yes'}),
    ('virt', {'command': 'list_vms'}),
    ('virt', {'name': 'g', 'command': 'define', 'xml': '<domain/>', 'mutate_flags': ['ADD_UUID', 'NOPE']}),
    ('virt', {'name': 'g', 'command': 'undefine', 'flags': 'nvram,keep_nvram'}),
    ('virt_net', {'name': 'n', 'state': 'active', 'autostart': True}),
    ('virt_pool', {'name': 'p', 'command': 'build', 'mode': 'new'}),
    ('virt_pool', {'name': 'p', 'mode': 'fast'}),
]


def main():
    cases = []
    specs = {}
    for m in MODULES:
        specs[m] = spec_of(m)
        seen = set()
        for args in cases_for(m, *specs[m]):
            key = json.dumps(args, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            cases.append(dict(module=m, args=args, **ansible(*specs[m], args)))
    for m, args in EXTRA:
        cases.append(dict(module=m, args=args, **ansible(*specs[m], args)))
    # one case a line: readable diffs when Ansible changes
    sys.stdout.write('[\n' + ',\n'.join(json.dumps(c, sort_keys=True) for c in cases) + '\n]\n')


if __name__ == '__main__':
    main()
