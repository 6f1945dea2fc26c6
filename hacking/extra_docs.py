# Generate the collection's extra docs (docs/docsite/rst/*.rst) from the Markdown guides in docs/ (the one source).
#
# usage: python hacking/extra_docs.py [--check]
#   without --check: (re)writes docs/docsite/rst/<guide>.rst for every guide in GUIDES;
#   --check: writes nothing, exits 1 and names the files that differ from what would be generated.
# Galaxy, Automation Hub and antsibull-docs render extra docs only as RST; docs/docsite/extra-docs.yml lists them.
# Needs pypandoc-binary (pandoc in a wheel): requirements-tools.txt.
"""Generate the RST extra docs from the Markdown guides."""

from __future__ import annotations

import pathlib
import sys

import pypandoc

REPO = pathlib.Path(__file__).resolve().parent.parent
RST_DIR = REPO / 'docs' / 'docsite' / 'rst'
# Markdown guide in docs/ -> name of the extra doc (and of its label)
GUIDES = {'data-model.md': 'data_model', 'awx.md': 'awx'}


def render(markdown: pathlib.Path, name: str) -> str:
    body = pypandoc.convert_text(markdown.read_text(encoding='utf-8'), 'rst', format='gfm-gfm_auto_identifiers',
                                 extra_args=['--wrap=preserve', '--columns=120'])
    return '\n'.join([
        '..',
        '  Generated from docs/%s by hacking/extra_docs.py: edit the Markdown file, not this one.' % markdown.name,
        '',
        '.. _ansible_collections.wabiz.onprem.docsite.%s:' % name,
        '',
        body.strip(),
        '',
    ])


def main(argv: list[str]) -> int:
    if argv[1:] not in ([], ['--check']):
        print('usage: extra_docs.py [--check]', file=sys.stderr)
        return 2
    check = argv[1:] == ['--check']
    stale = []
    for source, name in GUIDES.items():
        target = RST_DIR / (name + '.rst')
        text = render(REPO / 'docs' / source, name)
        if target.exists() and target.read_text(encoding='utf-8') == text:
            continue
        stale.append(str(target.relative_to(REPO)))
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding='utf-8')
    if check and stale:
        print('out of date (run `python hacking/extra_docs.py`): %s' % ', '.join(stale), file=sys.stderr)
        return 1
    print('%s: %s' % ('stale' if check else 'written', ', '.join(stale)) if stale else 'extra docs up to date')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
