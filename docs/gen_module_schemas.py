#!/usr/bin/python3
"""Generate modules/<name>.c parameter schemas for the ansible-core modules.

Run from the repository root with Debian's ansible-core installed:

    /usr/bin/python3 docs/gen_module_schemas.py [--out DIR] [NAME...]

DIR defaults to modules/. tests/diff/args_ansible.sh writes into a
temporary DIR and checks that the committed files are what it generates.

For each module it reads `ansible-doc -j ansible.builtin.NAME` (descriptions,
and types/defaults/choices of action plugins) and, when the module has Python
code, its real argument spec, captured by replacing AnsibleModule before
main() runs (types, defaults, aliases, choices, no_log and the cross-parameter
rules mutually_exclusive, required_one_of, required_together, required_if,
required_by). The argument spec wins over the documentation where both speak.
Modules from collections (ansible.posix, community.*) are written by hand.
"""
import importlib
import json
import re
import subprocess
import sys

# name: settings. 'flags' are kiso module flags; 'rules' extra rules kiso
# checks that live in module code or action plugins rather than in the spec;
# 'aliases' extra module names; 'params' per-parameter overrides.
MODULES = {
    'add_host': dict(flags=['ACTION', 'ANY_ARGS']),
    'apt': {},
    'apt_repository': {},
    # Action plugins without an argument spec use these as they come: a
    # message may be any value, and a string 'that' is one condition (no
    # comma splitting), so they are raw.
    'assert': dict(flags=['ACTION'], params={'that': dict(required=True, type='raw'),
                                             'fail_msg': dict(type='raw'),
                                             'success_msg': dict(type='raw')}),
    'blockinfile': {},
    'command': dict(flags=['FREE_FORM'], params={'_raw_params': dict(aliases=['cmd'])},
                    rules=[('required_one_of', ['_raw_params', 'argv']),
                           ('mutually_exclusive', ['_raw_params', 'argv'])]),
    # plugins/action/copy.py: 'src (or content) is required', 'src and
    # content are mutually exclusive'
    'copy': dict(rules=[('required_one_of', ['content', 'src']),
                        ('mutually_exclusive', ['content', 'src'])]),
    'cron': {},
    'debug': dict(flags=['ACTION'], params={'msg': dict(type='raw')},
                  rules=[('mutually_exclusive', ['msg', 'var'])]),
    'dnf': {},
    'fail': dict(flags=['ACTION'], params={'msg': dict(type='raw')}),
    'fetch': dict(params={'src': dict(required=True), 'dest': dict(required=True)}),
    # modules/file.py check_state(): the state is only known when given
    'file': dict(rules=[('requires_value', ['recurse', 'state', 'directory']),
                        ('requires_value', ['src', 'state', 'link', 'hard'])]),
    'get_url': {},
    'group': {},
    'group_by': dict(flags=['ACTION']),
    'hostname': {},
    'import_playbook': dict(flags=['FREE_FORM', 'ACTION'],
                            params={'_raw_params': dict(required=True)}),
    'import_role': dict(flags=['ACTION']),
    'import_tasks': dict(flags=['FREE_FORM', 'ACTION'],
                         rules=[('required_one_of', ['file', '_raw_params'])]),
    'include_role': dict(flags=['ACTION']),
    'include_tasks': dict(flags=['FREE_FORM', 'ACTION'],
                          rules=[('required_one_of', ['file', '_raw_params'])]),
    'include_vars': dict(flags=['FREE_FORM', 'ACTION']),
    # modules/lineinfile.py main()
    'lineinfile': dict(rules=[('required_if', ['state', 'present', ['line']]),
                              ('required_if', ['backrefs', True, ['regexp']]),
                              ('required_if', ['state', 'absent', ['line', 'search_string',
                                                                   'regexp'], True])]),
    'meta': dict(flags=['FREE_FORM', 'ACTION'], params={'_raw_params': dict(required=True)}),
    # the doc marks state required, but the action plugin passes the
    # arguments to apt/dnf/yum, whose state defaults to present
    'package': dict(params={'state': dict(required=False)}),
    'package_facts': {},
    # plugins/action/pause.py validates its own argument spec
    'pause': dict(flags=['ACTION'], params={'minutes': dict(type='int'), 'seconds': dict(type='int')},
                  rules=[('mutually_exclusive', ['minutes', 'seconds'])]),
    'ping': {},
    'raw': dict(flags=['FREE_FORM'], params={'_raw_params': dict(required=True)}),
    # the documented default of reboot_command is prose, not a value
    'reboot': dict(params={'reboot_command': dict(default=None)}),
    'replace': {},
    'script': dict(flags=['FREE_FORM'],
                   params={'_raw_params': dict(aliases=['cmd'])},
                   rules=[('required_one_of', ['_raw_params'])]),
    'service': {},
    'service_facts': {},
    'set_fact': dict(flags=['ACTION', 'ANY_ARGS']),
    'setup': {},
    'shell': dict(flags=['FREE_FORM'], params={'_raw_params': dict(aliases=['cmd'])},
                  rules=[('required_one_of', ['_raw_params'])]),
    'slurp': {},
    'stat': {},
    'systemd': dict(aliases=['systemd_service', 'ansible.builtin.systemd_service',
                             'ansible.legacy.systemd_service']),
    'template': dict(params={'src': dict(required=True), 'dest': dict(required=True)}),
    'unarchive': {},
    'uri': {},
    'user': {},
    'wait_for': {},
    'wait_for_connection': dict(flags=['ACTION']),
    'yum': {},
    'yum_repository': {},
}

# Modules from collections that are not installed here: argument specs
# written from each collection's module source and documentation
# (ansible.posix 1.5, community.general 8, community.libvirt 1.3).
COLLECTIONS = {
    'authorized_key': dict(
        fqcn=['ansible.posix.authorized_key'],
        short='Adds or removes an SSH authorized key',
        desc='Adds or removes SSH authorized keys for particular user accounts.',
        spec=dict(
            user=dict(type='str', required=True, doc='The username on the remote host whose authorized_keys file will be modified.'),
            key=dict(type='str', required=True, doc='The SSH public key(s), as a string or (since Ansible 1.9) url (https://github.com/username.keys).'),
            path=dict(type='path', doc='Alternate path to the authorized_keys file. When unset, this value defaults to *~/.ssh/authorized_keys*.'),
            manage_dir=dict(type='bool', default=True, doc='Whether this module should manage the directory of the authorized key file.'),
            state=dict(type='str', default='present', choices=['absent', 'present'], doc='Whether the given key (with the given key_options) should or should not be in the file.'),
            key_options=dict(type='str', doc='A string of ssh key options to be prepended to the key in the authorized_keys file.'),
            exclusive=dict(type='bool', default=False, doc='Whether to remove all other non-specified keys from the authorized_keys file.'),
            comment=dict(type='str', doc='Change the comment on the public key.'),
            validate_certs=dict(type='bool', default=True, doc='This only applies if using a https url as the source of the keys. If set to `false`, the SSL certificates will not be validated.'),
            follow=dict(type='bool', default=False, doc='Follow path symlink instead of replacing it.'),
        )),
    'modprobe': dict(
        fqcn=['community.general.modprobe', 'community.general.system.modprobe'],
        short='Load or unload kernel modules',
        desc='Load or unload kernel modules.',
        spec=dict(
            name=dict(type='str', required=True, doc='Name of kernel module to manage.'),
            state=dict(type='str', default='present', choices=['absent', 'present'], doc='Whether the module should be present or absent.'),
            params=dict(type='str', default='', doc='Modules parameters.'),
            persistent=dict(type='str', default='disabled', choices=['disabled', 'present', 'absent'], doc='Persistency between reboots for configured module.'),
        )),
    'mount': dict(
        fqcn=['ansible.posix.mount'],
        short='Control active and configured mount points',
        desc='This module controls active and configured mount points in `/etc/fstab`.',
        spec=dict(
            path=dict(type='path', required=True, aliases=['name'], doc='Path to the mount point (e.g. `/mnt/files`).'),
            src=dict(type='path', doc='Device (or NFS volume, or something else) to be mounted on *path*.'),
            fstype=dict(type='str', doc='Filesystem type.'),
            opts=dict(type='str', doc='Mount options (see fstab(5), or vfstab(4) on Solaris).'),
            dump=dict(type='str', default='0', doc='Dump (see fstab(5)).'),
            passno=dict(type='str', default='0', doc='Passno (see fstab(5)).'),
            state=dict(type='str', required=True, choices=['absent', 'absent_from_fstab', 'mounted', 'present', 'unmounted', 'remounted', 'ephemeral'], doc='If `mounted`, the device will be actively mounted and appropriately configured in *fstab*; `present` only configures *fstab*; `absent` unmounts and removes the entry; `unmounted` unmounts without touching *fstab*; `remounted` remounts; `ephemeral` mounts without touching *fstab*.'),
            fstab=dict(type='str', doc='File to use instead of `/etc/fstab`.'),
            boot=dict(type='bool', default=True, doc='Determines if the filesystem should be mounted on boot (`noauto` is added to *opts* when false).'),
            backup=dict(type='bool', default=False, doc='Create a backup file including the timestamp information so you can get the original file back if you somehow clobbered it incorrectly.'),
            opts_no_log=dict(type='bool', default=False, doc='Do not log opts.'),
        ),
        rules=[('required_if', ['state', 'mounted', ['src', 'fstype']]),
               ('required_if', ['state', 'present', ['src', 'fstype']]),
               ('required_if', ['state', 'ephemeral', ['src', 'fstype']])]),
    'sysctl': dict(
        fqcn=['ansible.posix.sysctl'],
        short='Manage entries in sysctl.conf',
        desc='This module manipulates sysctl entries and optionally performs a `/sbin/sysctl -p` after changing them.',
        spec=dict(
            name=dict(type='str', required=True, aliases=['key'], doc='The dot-separated path (also known as *key*) specifying the sysctl variable.'),
            value=dict(type='str', aliases=['val'], doc='Desired value of the sysctl key.'),
            state=dict(type='str', default='present', choices=['present', 'absent'], doc='Whether the entry should be present or absent in the sysctl file.'),
            ignoreerrors=dict(type='bool', default=False, doc='Use this option to ignore errors about unknown keys.'),
            reload=dict(type='bool', default=True, doc='If `true`, performs a `/sbin/sysctl -p` if the `sysctl_file` is updated. If `false`, does not reload `sysctl` even if the `sysctl_file` is updated.'),
            sysctl_file=dict(type='path', default='/etc/sysctl.conf', doc='Specifies the absolute path to `sysctl.conf`, if not `/etc/sysctl.conf`.'),
            sysctl_set=dict(type='bool', default=False, doc='Verify token value with the sysctl command and set with -w if necessary.'),
        ),
        file_common=True,
        rules=[('required_if', ['state', 'present', ['value']])]),
    'virt': dict(
        fqcn=['community.libvirt.virt'],
        short='Manages virtual machines supported by libvirt',
        desc='Manages virtual machines supported by *libvirt*.',
        spec=dict(
            name=dict(type='str', aliases=['guest'], doc='Name of the guest VM being managed.'),
            state=dict(type='str', choices=['destroyed', 'paused', 'running', 'shutdown'], doc='Note that there may be some lag for state requests like `shutdown` since these refer only to VM states. After starting a guest, it may not be immediately accessible.'),
            autostart=dict(type='bool', doc='Start VM at host startup.'),
            command=dict(type='str', choices=['create', 'define', 'destroy', 'get_xml', 'get_interfaces', 'pause', 'shutdown', 'status', 'start', 'stop', 'undefine', 'unpause', 'uuid', 'freemem', 'info', 'list_vms', 'nodeinfo', 'virttype'], doc='In addition to state management, various non-idempotent commands are available.'),
            uri=dict(type='str', default='qemu:///system', doc='Libvirt connection uri.'),
            xml=dict(type='str', doc='XML document used with the define command.'),
            force=dict(type='bool', doc='Enforce an action, e.g. overwrite an existing domain on `define`.'),
            mutate_flags=dict(type='list', elements='str', default=['ADD_UUID'], choices=['ADD_UUID', 'ADD_MAC_ADDRESSES', 'ADD_MAC_ADDRESSES_FUZZY'], doc='For each mutate_flag, we will modify the given XML in some way.'),
            flags=dict(type='list', elements='str', choices=['managed_save', 'snapshots_metadata', 'nvram', 'keep_nvram', 'checkpoints_metadata', 'delete_volumes'], doc='Pass additional parameters, currently to the undefine command.'),
        )),
    'virt_net': dict(
        fqcn=['community.libvirt.virt_net'],
        short='Manage libvirt network configuration',
        desc='Manage *libvirt* networks.',
        spec=dict(
            name=dict(type='str', required=True, aliases=['network'], doc='Name of the network being managed. Note that network must be previously defined with xml.'),
            state=dict(type='str', choices=['active', 'inactive', 'present', 'absent'], doc='Specify which state you want a network to be in.'),
            command=dict(type='str', choices=['create', 'status', 'start', 'stop', 'undefine', 'destroy', 'get_xml', 'define', 'modify', 'list_nets', 'facts', 'info'], doc='In addition to state management, various non-idempotent commands are available.'),
            autostart=dict(type='bool', doc='Specify if a given network should be started automatically on system boot.'),
            uri=dict(type='str', default='qemu:///system', doc='Libvirt connection uri.'),
            xml=dict(type='str', doc='XML document used with the define command.'),
        )),
    'virt_pool': dict(
        fqcn=['community.libvirt.virt_pool'],
        short='Manage libvirt storage pools',
        desc='Manage *libvirt* storage pools.',
        spec=dict(
            name=dict(type='str', aliases=['pool'], doc='Name of the storage pool being managed. Note that pool must be previously defined with xml.'),
            state=dict(type='str', choices=['active', 'inactive', 'present', 'absent', 'undefined', 'deleted'], doc='Specify which state you want a storage pool to be in.'),
            command=dict(type='str', choices=['create', 'status', 'start', 'stop', 'build', 'delete', 'undefine', 'destroy', 'get_xml', 'define', 'refresh', 'list_pools', 'facts', 'info'], doc='In addition to state management, various non-idempotent commands are available.'),
            autostart=dict(type='bool', doc='Specify if a given storage pool should be started automatically on system boot.'),
            uri=dict(type='str', default='qemu:///system', doc='Libvirt connection uri.'),
            xml=dict(type='str', doc='XML document used with the define command.'),
            mode=dict(type='str', choices=['new', 'repair', 'resize', 'no_overwrite', 'overwrite', 'normal', 'zeroed'], doc='Pass additional parameters to `build` or `delete` commands.'),
        )),
}

# include_role/import_role take 'role' as another name for 'name'
# (playbook/role_include.py); import_* take no 'apply'.
EXTRA_ALIASES = {('include_role', 'name'): ['role'], ('import_role', 'name'): ['role']}
DROP = {('import_role', 'apply'), ('import_tasks', 'apply')}

TYPES = {None: 'STR', 'str': 'STR', 'bool': 'BOOL', 'int': 'INT', 'float': 'FLOAT',
         'list': 'LIST', 'dict': 'DICT', 'path': 'PATH', 'raw': 'RAW', 'json': 'STR',
         'jsonarg': 'STR', 'bytes': 'STR', 'bits': 'STR', 'sid': 'STR'}


class Captured(Exception):
    pass


def capture_spec(name):
    """The argument spec and rules the module gives AnsibleModule, or None."""
    import ansible.module_utils.basic as basic
    cap = {}

    class FakeModule:
        def __init__(self, argument_spec=None, **kw):
            spec = dict(argument_spec or {})
            if kw.get('add_file_common_args'):
                for k, v in basic.FILE_COMMON_ARGUMENTS.items():
                    spec.setdefault(k, v)
            cap['spec'] = spec
            cap['rules'] = [(r, x) for r in ('mutually_exclusive', 'required_one_of',
                                             'required_together', 'required_if',
                                             'required_by') for x in (kw.get(r) or [])]
            if kw.get('required_by'):
                cap['rules'] = [x for x in cap['rules'] if x[0] != 'required_by']
                for k, v in kw['required_by'].items():
                    cap['rules'].append(('required_by', [k] + ([v] if isinstance(v, str) else list(v))))
            raise Captured()

    orig = basic.AnsibleModule
    basic.AnsibleModule = FakeModule
    try:
        mod = importlib.import_module('ansible.modules.' + name)
        if not hasattr(mod, 'main'):
            return None
        if hasattr(mod, 'AnsibleModule'):
            mod.AnsibleModule = FakeModule
        try:
            mod.main()
        except Captured:
            pass
        except SystemExit:
            pass
    finally:
        basic.AnsibleModule = orig
    return cap or None


MARKUP = [(re.compile(r'[CMO]\(([^)]*)\)'), r'`\1`'), (re.compile(r'I\(([^)]*)\)'), r'*\1*'),
          (re.compile(r'B\(([^)]*)\)'), r'**\1**'), (re.compile(r'U\(([^)]*)\)'), r'\1'),
          (re.compile(r'L\(([^,]*),([^)]*)\)'), r'\1'), (re.compile(r'V\(([^)]*)\)'), r'`\1`'),
          (re.compile(r'HORIZONTALLINE'), '')]


def text(desc):
    if desc is None:
        return ''
    if isinstance(desc, list):
        desc = desc[0] if desc else ''
    s = str(desc)
    for rx, rep in MARKUP:
        s = rx.sub(rep, s)
    return ' '.join(s.split())


def cstr(s):
    if s is None:
        return 'NULL'
    s = s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')
    return '"' + s + '"'


def yaml_scalar(v, ptype):
    """A default in the YAML form kiso's schema keeps."""
    if v is None:
        return None
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (list, tuple)):
        return '[' + ', '.join(str(x) for x in v) + ']'
    if isinstance(v, dict):
        return json.dumps(v)
    return str(v)


def choice_str(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return str(v)


def wrap_c_string(prefix, s, width=100):
    """'prefix"...",' broken into adjacent literals under 'width' columns."""
    lit = cstr(s)
    plen = len(prefix.expandtabs(8))
    if plen + len(lit) + 1 <= width or lit == 'NULL':
        return [prefix + lit + ',']
    words = re.split(r'(?<=[ ,])', s)
    lines, cur = [], ''
    avail = width - plen - 4
    for w in words:
        if cur and len(cur) + len(w) > avail:
            lines.append(cur)
            cur = ''
        cur += w
    if cur:
        lines.append(cur)
    tabs = len(prefix) - len(prefix.lstrip('\t'))
    ind = '\t' * tabs + ' ' * (len(prefix) - tabs)
    out = [prefix + cstr(lines[0])]
    for ln in lines[1:]:
        out.append(ind + cstr(ln))
    out[-1] += ','
    return out


def build(name, conf, doc, cap):
    opts = doc.get('options') or {}
    params = {}
    spec = cap['spec'] if cap else None
    if spec:
        for p, s in spec.items():
            params[p] = dict(type=s.get('type'), default=s.get('default'),
                             choices=s.get('choices'), aliases=list(s.get('aliases') or []),
                             required=bool(s.get('required')), no_log=bool(s.get('no_log')),
                             elements=s.get('elements'), doc=None)
    for p, o in opts.items():
        key = p
        if p in ('free_form', 'free-form', 'key_value'):
            if 'ANY_ARGS' in conf.get('flags', []) and p == 'key_value':
                continue
            key = '_raw_params'
        d = params.get(key)
        if d is None:
            # documented under one of its aliases (apt documents 'name',
            # the spec says 'package' with the alias 'name')
            for q, qd in params.items():
                if key in qd['aliases']:
                    d = qd
                    break
        if d is None:
            if spec is not None and key not in ('_raw_params',):
                # documented, handled by the action plugin rather than the module
                pass
            d = dict(type=o.get('type'), default=o.get('default'), choices=o.get('choices'),
                     aliases=list(o.get('aliases') or []), required=bool(o.get('required')),
                     no_log=bool(o.get('no_log')), elements=o.get('elements'), doc=None)
            if key == '_raw_params':
                d['required'] = False
            params[key] = d
        d['doc'] = text(o.get('description'))
        if d['type'] is None and o.get('type'):
            d['type'] = o.get('type')
    for p, over in conf.get('params', {}).items():
        params.setdefault(p, dict(type=None, default=None, choices=None, aliases=[],
                                  required=False, no_log=False, elements=None, doc=None))
        for k, v in over.items():
            if k == 'aliases':
                params[p]['aliases'] += [a for a in v if a not in params[p]['aliases']]
            else:
                params[p][k] = v
    for (m, p), al in EXTRA_ALIASES.items():
        if m == name and p in params:
            params[p]['aliases'] += al
    for p in [p for p in params if p != '_raw_params' and any(
            p in d['aliases'] for q, d in params.items() if q != p)]:
        del params[p]  # documented as an option, really another name (cmd)
    for (m, p) in DROP:
        if m == name:
            params.pop(p, None)
    if name in ('include_role', 'import_role', 'include_tasks') and 'apply' in params:
        params['apply']['type'] = 'dict'
    for p, d in params.items():
        if not d['doc']:
            if p == '_raw_params':
                d['doc'] = 'The free-form argument.'
            elif p.startswith('_'):
                d['doc'] = 'Internal: set by the action plugin, not by playbooks.'
            else:
                d['doc'] = 'Undocumented in ansible-doc.'
    rules = list(cap['rules']) if cap else []
    rules += conf.get('rules', [])
    return params, rules


def rule_call(kind, r, params):
    q = lambda xs: ', '.join(cstr(x) for x in xs)
    if kind == 'requires_value':
        return 'kiso_args_requires_value(args, pos, d, %s, %s, %s, NULL)' % (
            cstr(r[0]), cstr(r[1]), q(r[2:]))
    if kind == 'required_if':
        key, val, req = r[0], r[1], r[2]
        anyof = len(r) > 3 and bool(r[3])
        return 'kiso_args_required_if(args, pos, d, %s, %s, %s, %s, NULL)' % (
            cstr(key), cstr(choice_str(val)), 'true' if anyof else 'false', q(req))
    return 'kiso_args_%s(args, pos, d, %s, NULL)' % (kind, q(r))


def rule_text(kind, r):
    """The rule as a sentence for the module reference."""
    c = lambda xs: ', '.join('`%s`' % x for x in xs)
    if kind == 'mutually_exclusive':
        return '%s are mutually exclusive.' % c(r)
    if kind == 'required_one_of':
        return 'One of %s is required.' % c(r)
    if kind == 'required_together':
        return '%s must be given together.' % c(r)
    if kind == 'required_if':
        anyof = len(r) > 3 and r[3]
        return 'With `%s: %s`, %s %s required.' % (
            r[0], choice_str(r[1]), ('one of ' if anyof else '') + c(r[2]),
            'is' if anyof or len(r[2]) == 1 else 'are')
    if kind == 'required_by':
        return '`%s` requires %s.' % (r[0], c(r[1:]))
    if kind == 'requires_value':
        return '`%s` requires `%s` to be %s.' % (r[0], r[1], ' or '.join('`%s`' % x for x in r[2:]))
    raise ValueError(kind)


def emit(name, conf, doc, params, rules):
    if conf.get('fqcn'):
        mod_aliases = conf['fqcn']
    else:
        mod_aliases = ['ansible.builtin.' + name, 'ansible.legacy.' + name]
    mod_aliases = mod_aliases + conf.get('aliases', [])
    flags = ['KISO_MOD_' + f for f in conf.get('flags', [])]
    short = text(doc.get('short_description'))
    desc = text(doc.get('description'))
    mdoc = short.rstrip('.') + '. ' + desc if desc else short
    if rules:
        mdoc += ' ' + ' '.join(rule_text(k, r) for k, r in rules)
    L = []
    L.append('/*')
    L.append(' * modules/%s.c - %s: parameter schema.' % (name, mod_aliases[0]))
    L.append(' *')
    if conf.get('fqcn'):
        L.append(' * Generated by docs/gen_module_schemas.py from the argument spec and')
        L.append(' * documentation of %s, transcribed into the' % mod_aliases[0])
        L.append(' * generator by hand (the collection is not installed here).')
    elif conf.get('_cap'):
        L.append(' * Generated by docs/gen_module_schemas.py from `ansible-doc -j')
        L.append(' * ansible.builtin.%s` and the argument spec the module gives' % name)
        L.append(' * AnsibleModule (ansible-core %s).' % ANSIBLE_VERSION)
    else:
        L.append(' * Generated by docs/gen_module_schemas.py from `ansible-doc -j')
        L.append(' * ansible.builtin.%s` (ansible-core %s; an action plugin, no' % (name, ANSIBLE_VERSION))
        L.append(' * argument spec).')
    L.append(' * plan/apply are NULL until the module is implemented: the schema is')
    L.append(' * registered, so tasks validate, but the runner refuses to run them.')
    L.append(' */')
    L.append('#include "kiso_common.h"')
    L.append('#include "module.h"')
    if rules:
        L.append('#include "args.h"')
    L.append('')
    L.append('static const char *const %s_aliases[] = {' % name)
    for a in mod_aliases:
        L.append('\t%s,' % cstr(a))
    L.append('\tNULL,')
    L.append('};')
    L.append('')
    L.append('static const struct kiso_param %s_params[] = {' % name)
    for p in sorted(params):
        d = params[p]
        t = TYPES.get(d['type'])
        if t is None:
            sys.exit('%s.%s: unknown type %r' % (name, p, d['type']))
        fl = []
        if d['required']:
            fl.append('KISO_REQUIRED')
        if d['no_log']:
            fl.append('KISO_NO_LOG')
        L.append('\t{')
        L.append('\t\t.name = %s,' % cstr(p))
        L.append('\t\t.type = KISO_T_%s,' % t)
        if fl:
            L.append('\t\t.flags = %s,' % ' | '.join(fl))
        dv = yaml_scalar(d['default'], d['type'])
        if dv is not None and not (d['type'] in ('list', 'dict') and dv in ('[]', '{}') and False):
            L.append('\t\t.def = %s,' % cstr(dv))
        if d['choices']:
            L.extend(wrap_c_string('\t\t.choices = ', ','.join(choice_str(c) for c in d['choices'])))
        if d['aliases']:
            L.append('\t\t.aliases = %s,' % cstr(','.join(d['aliases'])))
        if t == 'LIST':
            L.append('\t\t.elements = KISO_T_%s,' % TYPES.get(d['elements'], 'RAW')
                     if d['elements'] else '\t\t.elements = KISO_T_RAW,')
        L.extend(wrap_c_string('\t\t.doc = ', d['doc']))
        L.append('\t},')
    L.append('\t{ .name = NULL },')
    L.append('};')
    L.append('')
    if rules:
        L.append('/* Cross-parameter rules of the argument spec, and of the module code. */')
        L.append('static int %s_validate(const struct kiso_value *args, struct kiso_pos pos,'
                 % name)
        L.append('\t\t%sstruct kiso_diags *d)' % (' ' * (len(name) + 5)))
        L.append('{')
        L.append('\tint rc = 0;')
        L.append('')
        for kind, r in rules:
            call = rule_call(kind, r, params)
            line = '\tif (%s < 0)' % call
            if len(line.expandtabs(8)) > 100:
                # break the argument list, aligned after the '('
                head, args = call.split('(', 1)
                parts = args[:-1].split(', ')
                ind = '\t' + ' ' * (4 + len(head) + 1)
                out, cur = [], '\tif (' + head + '('
                for i, a in enumerate(parts):
                    piece = a + (', ' if i < len(parts) - 1 else ') < 0)')
                    if len((cur + piece).rstrip().expandtabs(8)) > 100:
                        out.append(cur.rstrip())
                        cur = ind
                    cur += piece
                out.append(cur)
                L.extend(out)
            else:
                L.append(line)
            L.append('\t\trc = -1;')
        L.append('\treturn rc;')
        L.append('}')
        L.append('')
    L.append('const struct kiso_module kiso_module_%s = {' % name)
    L.append('\t.name = %s,' % cstr(name))
    L.append('\t.aliases = %s_aliases,' % name)
    if flags:
        L.append('\t.flags = %s,' % ' | '.join(flags))
    L.append('\t.params = %s_params,' % name)
    L.extend(wrap_c_string('\t.doc = ', mdoc))
    if rules:
        L.append('\t.validate = %s_validate,' % name)
    L.append('};')
    return '\n'.join(L) + '\n'


def main():
    global ANSIBLE_VERSION
    import ansible.release
    ANSIBLE_VERSION = ansible.release.__version__
    argv = sys.argv[1:]
    outdir = 'modules'
    if argv[:1] == ['--out']:
        outdir, argv = argv[1], argv[2:]
    names = argv or sorted(list(MODULES) + list(COLLECTIONS))
    core = [n for n in names if n in MODULES]
    docs = json.loads(subprocess.run(['ansible-doc', '-j'] + ['ansible.builtin.' + n for n in core],
                                     check=True, capture_output=True, text=True).stdout) if core else {}
    for n in names:
        if n in COLLECTIONS:
            conf = COLLECTIONS[n]
            spec = dict(conf['spec'])
            if conf.get('file_common'):
                # add_file_common_args=True: mode, owner, ... as ansible.builtin.file has them
                import ansible.module_utils.basic as basic
                fdoc = json.loads(subprocess.run(['ansible-doc', '-j', 'ansible.builtin.file'],
                                                 check=True, capture_output=True, text=True).stdout)
                fopts = fdoc['ansible.builtin.file']['doc']['options']
                for k, v in basic.FILE_COMMON_ARGUMENTS.items():
                    d = {x: y for x, y in v.items() if x != 'fallback'}
                    d['doc'] = text(fopts[k]['description'])
                    spec.setdefault(k, d)
            doc = dict(short_description=conf['short'], description=conf['desc'],
                       options={p: dict(s) for p, s in spec.items()})
            for o in doc['options'].values():
                o['description'] = o['doc']
            cap = dict(spec=spec, rules=conf.get('rules', []))
            params, rules = build(n, dict(conf, rules=[]), doc, cap)
            with open('%s/%s.c' % (outdir, n), 'w') as f:
                f.write(emit(n, conf, doc, params, rules))
            print('%s/%s.c: %d parameters, %d rules' % (outdir, n, len(params), len(rules)))
            continue
        conf = dict(MODULES[n])
        doc = docs['ansible.builtin.' + n]['doc']
        cap = capture_spec(n)
        conf['_cap'] = bool(cap)
        params, rules = build(n, conf, doc, cap)
        with open('%s/%s.c' % (outdir, n), 'w') as f:
            f.write(emit(n, conf, doc, params, rules))
        print('%s/%s.c: %d parameters, %d rules' % (outdir, n, len(params), len(rules)))


if __name__ == '__main__':
    main()
