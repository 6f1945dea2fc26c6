# Generate roles/<role>/README.md from roles/<role>/meta/argument_specs.yml (the one source of role docs).
#
# usage: python hacking/role_readmes.py [--check]
#   without --check: (re)writes every role README;
#   --check: writes nothing, exits 1 and names the READMEs that differ from what would be generated.
# Needs PyYAML and antsibull-docs-parser (Ansible markup -> Markdown): requirements-tools.txt.
"""Generate the role READMEs from the role argument specs."""

from __future__ import annotations

import pathlib
import sys

import yaml
from antsibull_docs_parser import dom
from antsibull_docs_parser.md import to_md
from antsibull_docs_parser.parser import Context, parse

REPO = pathlib.Path(__file__).resolve().parent.parent
HEADER = '<!-- Generated from meta/argument_specs.yml by hacking/role_readmes.py: edit the argument specs, not this file. -->'


def collection_name() -> str:
    galaxy = yaml.safe_load((REPO / 'galaxy.yml').read_text(encoding='utf-8'))
    return '%s.%s' % (galaxy['namespace'], galaxy['name'])


def markup(text, role_fqcn: str, entry_point: str, par_sep: str = '\n\n') -> str:
    """Ansible doc markup (C(), O(), M(), R(), ...) of a string or a list of paragraphs, as Markdown."""
    if text is None:
        return ''
    if isinstance(text, str):
        text = [text]
    context = Context(current_plugin=dom.PluginIdentifier(fqcn=role_fqcn, type='role'), role_entrypoint=entry_point)
    return to_md(parse(text, context, errors='exception'), par_sep=par_sep)


def cell(value) -> str:
    if value is None:
        return ''
    if isinstance(value, (list, dict, bool)):
        value = yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix('...').strip()
    return '`%s`' % str(value).replace('|', '\\|') if str(value) else '`""`'


def option_rows(options: dict, role_fqcn: str, entry_point: str, prefix: str = ''):
    for name in sorted(options):
        spec = options[name] or {}
        kind = spec.get('type', 'str')
        if spec.get('elements'):
            kind = '%s of %s' % (kind, spec['elements'])
        description = markup(spec.get('description'), role_fqcn, entry_point, par_sep='<br>')
        if spec.get('choices'):
            description += '<br>Choices: %s.' % ', '.join(cell(choice) for choice in spec['choices'])
        if spec.get('no_log'):
            description += '<br>Secret: never logged.'
        yield '| `%s%s` | %s | %s | %s | %s |' % (
            prefix, name, kind, 'yes' if spec.get('required') else '', cell(spec.get('default')),
            description.replace('\n', ' '))
        if spec.get('options'):
            yield from option_rows(spec['options'], role_fqcn, entry_point, prefix='%s%s.' % (prefix, name))


def render(role: str, specs: dict, fqcn_prefix: str) -> str:
    role_fqcn = '%s.%s' % (fqcn_prefix, role)
    lines = [HEADER, '', '# %s' % role_fqcn, '']
    main = specs.get('main') or next(iter(specs.values()))
    lines += [markup(main.get('short_description'), role_fqcn, 'main'), '']
    lines += ['Full documentation: `ansible-doc -t role %s`.' % role_fqcn, '']
    for entry_point in sorted(specs, key=lambda name: (name != 'main', name)):
        spec = specs[entry_point]
        lines += ['## Entry point `%s`' % entry_point, '']
        if entry_point != 'main':
            lines += [markup(spec.get('short_description'), role_fqcn, entry_point), '']
        lines += [markup(spec.get('description'), role_fqcn, entry_point), '']
        usage = {'ansible.builtin.include_role': {'name': role_fqcn}}
        if entry_point != 'main':
            usage['ansible.builtin.include_role']['tasks_from'] = entry_point
        lines += ['```yaml', '- name: Run %s' % role_fqcn, yaml.safe_dump(usage, indent=2, sort_keys=False)
                  .rstrip().replace('\n', '\n  ').join(['  ', '']), '```', '']
        options = spec.get('options') or {}
        if options:
            lines += ['| option | type | required | default | description |', '|---|---|---|---|---|']
            lines += list(option_rows(options, role_fqcn, entry_point))
            lines.append('')
        authors = spec.get('author')
        if authors:
            lines += ['Authors: %s.' % ', '.join([authors] if isinstance(authors, str) else authors), '']
    lines += ['## License', '', 'GPL-3.0-or-later, see the `LICENSE` file of the collection.', '']
    return '\n'.join(lines)


def main(argv: list[str]) -> int:
    check = argv[1:] == ['--check']
    if argv[1:] not in ([], ['--check']):
        print('usage: role_readmes.py [--check]', file=sys.stderr)
        return 2
    fqcn_prefix = collection_name()
    stale = []
    for spec_file in sorted(REPO.glob('roles/*/meta/argument_specs.yml')):
        role_dir = spec_file.parent.parent
        specs = yaml.safe_load(spec_file.read_text(encoding='utf-8'))['argument_specs']
        text = render(role_dir.name, specs, fqcn_prefix)
        readme = role_dir / 'README.md'
        current = readme.read_text(encoding='utf-8') if readme.exists() else None
        if current == text:
            continue
        stale.append(str(readme.relative_to(REPO)))
        if not check:
            readme.write_text(text, encoding='utf-8')
    if check and stale:
        print('out of date (run `python hacking/role_readmes.py`): %s' % ', '.join(stale), file=sys.stderr)
        return 1
    print('%s: %s' % ('stale' if check else 'written', ', '.join(stale)) if stale else 'role READMEs up to date')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
