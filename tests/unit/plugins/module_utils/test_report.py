# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet report (module_utils/_report.py): whatever the verdicts hold, every format renders and stays well-formed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._report import (
    REPORT_SCHEMA,
    RENDERERS,
    ReportError,
    build_report,
    render_json,
    summarize,
    render_junit,
    render_markdown,
    summary_lines,
)

NOW = '2026-03-01T00:00:00Z'
HOSTILE = u'eu|1\nnext \ufffe\uffff\ud800 \x00\x1b[31m <b>&amp;</b> `x`'


def gate(**overrides):
    verdict = {
        'cluster': 'eu-1', 'url': 'https://wa.example:9090', 'passed': False, 'status': 'critical', 'fail_on': 'critical',
        'topology': 'multiconnect', 'checked_at': NOW, 'message': 'eu-1 FAILED', 'error': None,
        'findings': [{'code': 'shard_unowned', 'severity': 'critical', 'node': None, 'message': 'shard 2 has no owner'}],
        'blocking': [{'code': 'shard_unowned', 'severity': 'critical', 'node': None, 'message': 'shard 2 has no owner'}],
    }
    verdict.update(overrides)
    return verdict


def upgrade(**overrides):
    verdict = gate(go=True, findings=[], blocking=[], status='ok', target_version='v2.59.0', current_version='v2.57.2',
                   plan=[{'step': 1, 'node': '10.0.0.1:core-0', 'hostname': '10.0.0.1', 'container_id': 'core-0', 'role': 'coreapp',
                          'shards': [0], 'version': 'v2.57.2', 'phase': 'shard_owners', 'note': 'owns shard 0'}],
                   schema_upgrade={'step': 1, 'node': '10.0.0.1:core-0', 'note': 'DB schema upgrade'})
    verdict.update(overrides)
    return verdict


def cells(row):
    """Cells of one Markdown table row, honouring backslash escapes (GFM)."""
    result, current, index = [], '', 0
    assert row.startswith('|') and row.endswith('|') and not row.endswith('\\|'), row
    row = row[1:-1]
    while index < len(row):
        char = row[index]
        if char == '\\':
            current += row[index:index + 2]
            index += 2
            continue
        if char == '|':
            result.append(current)
            current = ''
        else:
            current += char
        index += 1
    return result + [current]


def tables(text):
    """Every Markdown table of ``text`` as a list of rows (lists of cells)."""
    found, current = [], []
    for line in text.split('\n'):
        if line.startswith('|'):
            current.append(cells(line))
        elif current:
            found.append(current)
            current = []
    return found + ([current] if current else [])


def assert_tables_well_formed(text):
    for table in tables(text):
        assert len(set(len(row) for row in table)) == 1, table


def render_all(report):
    texts = dict((name, render(report)) for name, render in RENDERERS.items())
    for text in texts.values():
        text.encode('utf-8')  # no lone surrogate left: every format can be written as UTF-8
    ET.fromstring(texts['junit'].encode('utf-8'))
    jsonschema.validate(json.loads(texts['json']), REPORT_SCHEMA)
    assert_tables_well_formed(texts['markdown'])
    return texts


def test_hostile_text_everywhere_renders_every_format():
    finding = {'code': 'shard_unowned', 'severity': 'critical', 'node': HOSTILE, 'message': HOSTILE}
    step = dict(upgrade()['plan'][0], node=HOSTILE, role=HOSTILE, note=HOSTILE, version=HOSTILE)
    entries = [
        {'host': HOSTILE, 'wabiz_gate': gate(cluster=HOSTILE, message=HOSTILE, findings=[finding], blocking=[finding])},
        {'host': 'up', 'wabiz_pre_upgrade': upgrade(cluster=HOSTILE, plan=[step], target_version=HOSTILE, findings=[finding])},
        {'host': 'down', 'wabiz_gate': gate(error={'code': 'unreachable', 'message': HOSTILE, 'details': HOSTILE})},
    ]
    texts = render_all(build_report(entries, title=HOSTILE, generated_at=NOW))
    for text in texts.values():
        for char in (u'\ufffe', u'\uffff', u'\ud800', u'\x00', u'\x1b'):
            assert char not in text
    restart = [table for table in tables(texts['markdown']) if table[0][0].strip() == 'Step'][0]
    assert len(restart[2]) == 6 and 'eu\\|1 next' in restart[2][1]


def test_url_user_info_and_query_never_reach_a_report():
    secret = 'see https://monitor:hunter2@wa.example:9090/v1/support?token=abc#x and http://[broken'
    finding = {'code': 'node_error', 'severity': 'critical', 'node': 'n', 'message': secret}
    entries = [{'host': 'eu-1', 'wabiz_gate': gate(message=secret, findings=[finding], blocking=[finding], url='https://u:p@h?q=1',
                                                   error=None)},
               {'host': 'eu-2', 'wabiz_gate': gate(error={'code': 'api_error', 'message': secret, 'details': secret})}]
    report = build_report(entries, generated_at=NOW)
    for text in render_all(report).values():
        assert 'hunter2' not in text and 'token=abc' not in text and 'monitor:' not in text and 'q=1' not in text
    assert 'https://wa.example:9090/v1/support' in report['results'][0]['message']


def test_a_verdict_never_passes_on_a_non_boolean_or_with_blocking_findings():
    entries = [{'host': 'a', 'wabiz_gate': gate(passed='false', findings=[], blocking=[])},
               {'host': 'b', 'wabiz_gate': gate(passed=True)},
               {'host': 'c', 'wabiz_pre_upgrade': upgrade(go=1)}]
    assert [r['outcome'] for r in build_report(entries, generated_at=NOW)['results']] == ['failed', 'failed', 'failed']


def test_a_verdict_whose_findings_or_status_contradict_its_pass_fails():
    # passed=True with the blocking list emptied: the critical finding, the error status, a warning under
    # fail_on=warning still say the cluster cannot pass (it was reported passed)
    entries = [{'host': 'a', 'wabiz_gate': gate(passed=True, blocking=[])},
               {'host': 'b', 'wabiz_gate': gate(passed=True, blocking=[], findings=[], status='error')},
               {'host': 'c', 'wabiz_gate': gate(passed=True, blocking=[], status='warning', fail_on='warning', findings=[
                   {'code': 'free_space_low', 'severity': 'warning', 'node': None, 'message': 'low'}])},
               {'host': 'd', 'wabiz_gate': gate(passed=True, blocking=[], status='warning', findings=[
                   {'code': 'free_space_low', 'severity': 'warning', 'node': None, 'message': 'low'}])}]
    assert [r['outcome'] for r in build_report(entries, generated_at=NOW)['results']] == ['failed', 'failed', 'failed', 'passed']


UNKNOWN_CODE = [{'code': 'invalid_code', 'severity': 'critical', 'node': None, 'message': ''}]
EMPTY_STEP = [{'node': None, 'hostname': None, 'container_id': None, 'role': None, 'version': None, 'note': None, 'step': 1,
               'phase': None, 'shards': []}]


@pytest.mark.parametrize('field, value, upgrade_result, gate_result', [
    ('plan', [{'step': 'x', 'shards': ['a', float('inf'), True, 10 ** 400, [1]], 'node': None, 'phase': 'reboot'}],
     ('passed', EMPTY_STEP), ('failed', None)),
    ('plan', 'nope', ('passed', []), ('failed', None)),
    # an unknown code or severity is a critical finding, and a critical finding contradicts a pass
    ('findings', [{'code': 'Not A Code', 'severity': 'fatal', 'message': None}, 'junk'], ('failed', UNKNOWN_CODE), ('failed', UNKNOWN_CODE)),
    ('error', {'code': 7, 'message': {'deep': [[[1]]]}, 'status': '500', 'api_code': float('nan'), 'retry_after': float('inf')},
     ('error', {'code': '7', 'message': 'a value of type object'}), ('error', {'code': '7', 'message': 'a value of type object'})),
    ('error', 'just a string', ('error', {'code': 'module_failed', 'message': 'just a string'}),
     ('error', {'code': 'module_failed', 'message': 'just a string'})),
    ('status', {'x': 1}, ('passed', None), ('failed', None)),
    ('topology', 'mesh', ('passed', None), ('failed', None)),
    ('fail_on', ['critical'], ('passed', None), ('failed', None)),
    ('checked_at', 10 ** 5000, ('passed', 'an integer of 16610 bits'), ('failed', 'an integer of 16610 bits')),
    ('schema_upgrade', {'step': None}, ('passed', {'step': None, 'node': None, 'note': None}), ('failed', None)),
    ('current_version', float('nan'), ('passed', 'nan'), ('failed', None)),
], ids=['plan-junk', 'plan-str', 'findings', 'error-dict', 'error-str', 'status', 'topology', 'fail_on', 'checked_at', 'schema_upgrade',
        'current_version'])
def test_arbitrary_verdict_fields_give_a_valid_report(field, value, upgrade_result, gate_result):
    """Each field that does not fit becomes a value of its type (or null); the outcome follows go / passed, blocking and error."""
    entries = [{'host': 'eu-1', 'wabiz_pre_upgrade': upgrade(**{field: value})}, {'host': 'eu-2', 'wabiz_gate': gate(**{field: value})}]
    report = build_report(entries, generated_at=NOW)
    render_all(report)
    assert [(result['outcome'], result.get(field)) for result in report['results']] == [upgrade_result, gate_result]
    marks = {'passed': 'PASS', 'failed': 'FAIL', 'error': 'ERROR'}
    expected = [['eu-1', 'pre_upgrade', marks[upgrade_result[0]]], ['eu-1', 'health_gate', marks[gate_result[0]]]]
    assert [line.split()[:3] for line in summary_lines(report)[1:3]] == expected


def test_deep_nesting_in_a_verdict():
    deep = []
    for dummy in range(100000):
        deep = [deep]
    entries = [{'host': 'eu-1', 'wabiz_gate': gate(message=deep, error={'code': 'bad_response', 'message': deep, 'details': deep})}]
    report = build_report(entries, generated_at=NOW)
    render_all(report)
    result = report['results'][0]
    assert (result['outcome'], result['message'], result['error']) == (
        'error', 'a value of type list', {'code': 'bad_response', 'message': 'a value of type list', 'details': 'a value of type list'})


@pytest.mark.parametrize('report, reason', [
    ({}, 'report: report_version is missing'), ({'summary': []}, 'report: report_version is missing'),
    ([], 'report: expected object'), ('x', 'report: expected object'), (None, 'report: expected object'),
    (dict(build_report([{'host': 'a', 'wabiz_gate': gate()}], generated_at=NOW), results=[{'host': 1}]), 'report.results[0]: cluster is missing'),
    (dict(build_report([{'host': 'a', 'wabiz_gate': gate()}], generated_at=NOW), summary={'verdict': 3}), 'report.summary: results is missing'),
], ids=['empty', 'summary-list', 'list', 'str', 'none', 'bad-result', 'bad-summary'])
def test_renderers_reject_what_is_not_a_report_with_a_typed_error(report, reason):
    for render in list(RENDERERS.values()) + [summary_lines]:
        with pytest.raises(ReportError) as caught:
            render(report)
        assert str(caught.value) == 'not a report made by build_report: ' + reason


def test_pre_upgrade_result_carries_the_schema_upgrade_step():
    report = build_report([{'host': 'eu-1', 'wabiz_pre_upgrade': upgrade()}], generated_at=NOW)
    assert report['results'][0]['schema_upgrade'] == {'step': 1, 'node': '10.0.0.1:core-0', 'note': 'DB schema upgrade'}
    assert 'Schema upgrade: step 1' in render_markdown(report)
    assert 'name="schema_upgrade" value="step 1' in render_junit(report)
    assert json.loads(render_json(report))['results'][0]['schema_upgrade'] == {'step': 1, 'node': '10.0.0.1:core-0', 'note': 'DB schema upgrade'}


def test_renderers_accept_text_subclasses_as_ansible_passes_them():
    class Tagged(str):
        pass

    def tag(value):
        if isinstance(value, dict):
            return dict((Tagged(key), tag(item)) for key, item in value.items())
        if isinstance(value, list):
            return [tag(item) for item in value]
        return Tagged(value) if isinstance(value, str) else value

    report = build_report([{'host': 'eu-1', 'wabiz_gate': gate()}, {'host': 'eu-2', 'wabiz_pre_upgrade': upgrade()}], generated_at=NOW)
    for render in RENDERERS.values():
        assert render(tag(report)) == render(report)


@pytest.mark.parametrize('outcomes, verdict', [
    ([], 'not_run'),
    (['passed', 'passed'], 'passed'),
    (['passed', 'not_run'], 'incomplete'),
    (['not_run', 'not_run'], 'not_run'),
    (['passed', 'failed', 'not_run'], 'failed'),
    (['passed', 'error'], 'failed'),
])
def test_summarize_counts_each_outcome_and_gives_the_verdict(outcomes, verdict):
    results = [{'host': 'h%d' % (index // 2), 'check': ('health_gate', 'pre_upgrade')[index % 2], 'outcome': outcome}
               for index, outcome in enumerate(outcomes)]
    summary = summarize(results)
    assert summary['verdict'] == verdict
    assert [summary[outcome] for outcome in ('passed', 'failed', 'error', 'not_run')] == [outcomes.count(outcome) for outcome in (
        'passed', 'failed', 'error', 'not_run')]
    assert (summary['results'], summary['clusters']) == (len(outcomes), len(set(result['host'] for result in results)))
    assert summary['checks'] == sorted(set(result['check'] for result in results))


def test_a_report_summary_is_summarize_of_its_results():
    report = build_report([{'host': 'a', 'wabiz_gate': gate(passed=True, blocking=[], findings=[], status='ok')},
                           {'host': 'b', 'wabiz_gate': gate(passed=False)}, {'host': 'c'}], generated_at=NOW)
    assert report['summary'] == summarize(report['results'])
    assert (report['summary']['passed'], report['summary']['not_run'], report['summary']['verdict']) == (1, 1, 'failed')
