# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one list of error codes (_client.ERROR_CODES): every code the collection makes is in it, every
code in it is documented in docs/data-model.md, and nothing documented there is missing from it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._client import ERROR_CODES, WabizError

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..')
DATA_MODEL = os.path.join(ROOT, 'docs', 'data-model.md')
ERROR_TABLE = '## Error codes'
# the places an error code is written as a literal: WabizError('code', ...), ClusterConfigError('code', ...),
# {'code': 'code', ...}
MADE_RE = re.compile(r"""(?:WabizError|ClusterConfigError)\(\s*'([^']*)'|'code':\s*'([^']*)'""")


def _plugin_sources():
    for top, _dirs, files in os.walk(os.path.join(ROOT, 'plugins')):
        for name in files:
            if name.endswith('.py'):
                path = os.path.join(top, name)
                with open(path) as handle:
                    yield os.path.relpath(path, ROOT), handle.read()


def test_the_list_has_every_code_once():
    assert len(set(ERROR_CODES)) == len(ERROR_CODES)
    for code in ('unreachable', 'timeout', 'tls_error', 'auth_failed', 'password_change_required', 'rate_limited',
                 'app_expired', 'api_error', 'bad_response', 'invalid_policy', 'missing_library', 'module_failed',
                 'invalid_config', 'internal_error'):
        assert code in ERROR_CODES


def test_every_code_made_in_the_plugins_is_in_the_list():
    made = {}
    for path, text in _plugin_sources():
        for match in MADE_RE.finditer(text):
            made.setdefault(match.group(1) or match.group(2), path)
    assert 'invalid_config' in made and 'missing_library' in made  # the scan sees the plugins
    assert dict((code, path) for code, path in made.items() if code not in ERROR_CODES) == {}


def test_an_unknown_code_is_a_bug_of_the_caller():
    with pytest.raises(ValueError, match='not_a_code'):
        raise WabizError('not_a_code', 'message')
    assert WabizError('timeout', 'too slow').to_dict() == {'code': 'timeout', 'message': 'too slow'}


def test_the_documented_table_is_the_list():
    with open(DATA_MODEL) as handle:
        section = handle.read().split(ERROR_TABLE, 1)[1].split('\n## ', 1)[0]
    rows = [line for line in section.splitlines() if line.startswith('| `')]
    documented = [line.split('|')[1].strip().strip('`') for line in rows]
    assert sorted(documented) == sorted(ERROR_CODES)


def test_the_readme_lists_every_code():
    """README, "Error codes": an operator who meets a code (invalid_option from a session without a password,
    missing_library, module_failed from a role) finds it there."""
    with open(os.path.join(ROOT, 'README.md')) as handle:
        paragraph = handle.read().split('\nError codes (', 1)[1].split('\n\n', 1)[0]
    assert sorted(set(re.findall(r'`([a-z_0-9]+)`', paragraph)) & set(ERROR_CODES)) == sorted(ERROR_CODES)
