# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the fleet report (module_utils/_report.py): arbitrary JSON in every field of a verdict gives a report
that validates against REPORT_SCHEMA, and every format renders: JUnit parses with xml.etree, every Markdown table row has
the right number of cells, the text encodes as UTF-8 and holds no user info or query of a URL. Arbitrary JSON given to a
renderer ends in its output or a ReportError. The number of examples comes from the hypothesis profile (conftest)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import xml.etree.ElementTree as ET

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.wabiz.onprem.plugins.module_utils._report import (
    REPORT_SCHEMA,
    RENDERERS,
    ReportError,
    build_report,
    summary_lines,
)

NOW = '2026-03-01T00:00:00Z'
SECRET = 'hunter2'
SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))
SPECIAL_TEXT = st.sampled_from([u'\ufffe', u'\uffff', u'\ud800', u'\udfff', u'\x00', u'\x1b', u'a|b\nc', u'`|`', u'\\|', u'\r\n|',
                                'https://monitor:%s@h:1/x?token=%s#f' % (SECRET, SECRET), 'see http://u:%s@[::1]:9/?q=%s end' % (SECRET, SECRET),
                                '<![CDATA[', ']]>', '&amp;', '<b>', '9' * 5000, '', ' ', '*_~#'])
TEXT = st.one_of(st.text(st.characters(exclude_categories=()), max_size=12), SPECIAL_TEXT)
HUGE = st.integers(4300, 5000).map(lambda digits: 10 ** digits)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), HUGE, st.floats(allow_nan=True, allow_infinity=True), TEXT)
JSON = st.recursive(SCALARS, lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
                    max_leaves=10)
FINDING = st.fixed_dictionaries({}, optional={'code': st.one_of(TEXT, st.sampled_from(['shard_unowned', 'upgrade_node_state'])),
                                              'severity': st.one_of(JSON, st.sampled_from(['critical', 'warning'])),
                                              'node': JSON, 'message': JSON})
STEP_KEYS = ('step', 'node', 'hostname', 'container_id', 'role', 'shards', 'version', 'phase', 'note')
STEP = st.fixed_dictionaries({}, optional=dict((key, JSON) for key in STEP_KEYS))
VERDICT = st.fixed_dictionaries({}, optional={
    'cluster': JSON, 'url': st.one_of(JSON, TEXT), 'passed': JSON, 'go': JSON, 'status': JSON, 'fail_on': JSON, 'topology': JSON,
    'checked_at': JSON, 'message': JSON, 'findings': st.one_of(JSON, st.lists(FINDING, max_size=3)),
    'blocking': st.one_of(JSON, st.lists(FINDING, max_size=3)), 'error': st.one_of(JSON, st.dictionaries(TEXT, JSON)),
    'target_version': JSON, 'current_version': JSON, 'plan': st.one_of(JSON, st.lists(STEP, max_size=3)), 'schema_upgrade': JSON,
})
ENTRY = st.fixed_dictionaries({'host': st.one_of(TEXT, JSON).filter(bool)},
                              optional={'wabiz_gate': st.one_of(VERDICT, JSON), 'wabiz_pre_upgrade': st.one_of(VERDICT, JSON)})


def cells(row):
    """Cells of one Markdown table row, honouring backslash escapes (GFM)."""
    result, current, index = [], '', 0
    row = row[1:-1]
    while index < len(row):
        if row[index] == '\\':
            current += row[index:index + 2]
            index += 2
            continue
        if row[index] == '|':
            result.append(current)
            current = ''
        else:
            current += row[index]
        index += 1
    return result + [current]


def table_widths(text):
    """Number of cells of every row, one list per table."""
    widths, current = [], []
    for line in text.split('\n') + ['']:
        if line.startswith('|'):
            assert line.endswith('|') and not line.endswith('\\|'), line
            current.append(len(cells(line)))
        elif current:
            widths.append(current)
            current = []
    return widths


@given(st.lists(ENTRY, max_size=4), st.one_of(st.none(), TEXT))
@SETTINGS
def test_any_verdict_gives_a_report_every_format_renders(entries, title):
    report = build_report(entries, title=title, generated_at=NOW)
    jsonschema.validate(report, REPORT_SCHEMA)
    for result in report['results']:
        if result['outcome'] == 'passed':
            assert result['blocking'] == [] and result['error'] is None
    for name, render in RENDERERS.items():
        text = render(report)
        assert SECRET not in text
        text.encode('utf-8')
        if name == 'junit':
            root = ET.fromstring(text.encode('utf-8'))
            assert len(root.findall('testsuite')) == len(report['results'])
        elif name == 'json':
            assert json.loads(text) == json.loads(json.dumps(report))
        else:
            for widths in table_widths(text):
                assert len(set(widths)) == 1, widths
    lines = summary_lines(report)
    assert len(lines) == len(report['results']) + 2


@given(st.one_of(JSON, st.dictionaries(st.sampled_from(sorted(REPORT_SCHEMA['properties'])), JSON)))
@SETTINGS
def test_a_renderer_given_anything_renders_or_raises_report_error(report):
    for render in list(RENDERERS.values()) + [summary_lines]:
        try:
            render(report)
        except ReportError:
            pass


@given(st.lists(ENTRY, max_size=3), st.sampled_from(sorted(REPORT_SCHEMA['$defs']['result']['properties'])), JSON)
@SETTINGS
def test_a_report_with_one_field_broken_renders_or_raises_report_error(entries, field, value):
    report = build_report(entries + [{'host': 'eu-1', 'wabiz_pre_upgrade': {'go': True}}], generated_at=NOW)
    report['results'][-1][field] = value
    for render in list(RENDERERS.values()) + [summary_lines]:
        try:
            render(report)
        except ReportError:
            pass
