# Render the documentation of every plugin and role of an installed collection with ansible-doc.
#
# usage: python hacking/check_docs.py COLLECTIONS_PATH NAMESPACE.NAME
#   COLLECTIONS_PATH holds ansible_collections/NAMESPACE/NAME (an installed copy of the built tarball).
# Plugins are found both with `ansible-doc --metadata-dump` and from the files on disk (so a plugin whose
# documentation cannot even be listed is still checked).  Exit code 1 if any doc fails to render.
"""Check that ansible-doc renders every plugin and role of a collection."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# plugin directory -> ansible-doc type, for types with one documented plugin per file
PER_FILE_TYPES = {
    'modules': 'module',
    'inventory': 'inventory',
    'lookup': 'lookup',
    'callback': 'callback',
    'connection': 'connection',
    'become': 'become',
    'cache': 'cache',
    'vars': 'vars',
    'strategy': 'strategy',
    'httpapi': 'httpapi',
    'cliconf': 'cliconf',
    'netconf': 'netconf',
    'shell': 'shell',
}


def ansible_doc(env, *args):
    """Run ansible-doc, return (rc, stdout, stderr)."""
    proc = subprocess.run(['ansible-doc'] + list(args), env=env, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def noise_free(stderr):
    """Drop known harmless warnings from ansible-doc's stderr."""
    return '\n'.join(line for line in stderr.splitlines() if '_protomatter' not in line and line.strip())


def names_on_disk(root, fqcn):
    """Return {doc_type: set(names)} for per-file plugin types and roles found in the collection tree."""
    found = {}
    for dirname, doc_type in PER_FILE_TYPES.items():
        base = os.path.join(root, 'plugins', dirname)
        for dirpath, dummy, files in os.walk(base):
            rel = os.path.relpath(dirpath, base)
            prefix = '' if rel == '.' else rel.replace(os.sep, '.') + '.'
            for filename in files:
                stem, ext = os.path.splitext(filename)
                allowed = ('.py', '.ps1') if dirname == 'modules' else ('.py',)
                if ext not in allowed or stem.startswith('_'):
                    continue
                found.setdefault(doc_type, set()).add('%s.%s%s' % (fqcn, prefix, stem))
    roles_dir = os.path.join(root, 'roles')
    if os.path.isdir(roles_dir):
        for role in sorted(os.listdir(roles_dir)):
            if os.path.isdir(os.path.join(roles_dir, role)):
                found.setdefault('role', set()).add('%s.%s' % (fqcn, role))
    return found


def main():
    """Entry point."""
    coll_path, fqcn = sys.argv[1], sys.argv[2]
    namespace, name = fqcn.split('.')
    root = os.path.join(coll_path, 'ansible_collections', namespace, name)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=coll_path, ANSIBLE_NOCOLOR='1')

    wanted = names_on_disk(root, fqcn)
    # one call lists every plugin type (ansible-doc -l per type costs ~0.5 s each)
    rc, out, err = ansible_doc(env, '--metadata-dump', '--no-fail-on-errors', fqcn)
    try:
        dump = json.loads(out)['all']
    except (ValueError, KeyError):
        print('FAIL  ansible-doc --metadata-dump %s (rc %d)\n%s' % (fqcn, rc, noise_free(err)))
        return 1
    for doc_type, plugins in dump.items():
        if doc_type == 'keyword':
            continue
        for plugin in plugins:
            if plugin.startswith(fqcn + '.'):
                wanted.setdefault(doc_type, set()).add(plugin)

    failures = checked = 0
    for doc_type in sorted(wanted):
        names = sorted(wanted[doc_type])
        if not names:
            continue
        rc, out, err = ansible_doc(env, '--json', '-t', doc_type, *names)
        try:
            rendered = json.loads(out) if rc == 0 else {}
        except ValueError:
            rendered = {}
        for plugin in names:
            checked += 1
            doc = rendered.get(plugin)
            if doc:
                print('ok    %-7s %s' % (doc_type, plugin))
                continue
            failures += 1
            # render it alone to get its own error message
            dummy, dummy2, err1 = ansible_doc(env, '-t', doc_type, plugin)
            reason = noise_free(err1) or noise_free(err)
            if not reason and doc_type == 'role':
                reason = 'ansible-doc renders nothing: the role needs meta/argument_specs.yml'
            print('FAIL  %-7s %s\n%s' % (doc_type, plugin, reason or 'ansible-doc returned no documentation'))
    print('ansible-doc: %d plugin(s)/role(s) checked, %d failure(s)' % (checked, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
