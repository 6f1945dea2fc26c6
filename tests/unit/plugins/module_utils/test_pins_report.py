# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the fleet report's normalisation of verdicts (_report.py): what the mutation run showed unpinned
(issue 13)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._report import (
    ReportError, build_report, checked_report, fingerprint, render_json, render_junit, render_markdown, report_text, summary_lines)

AT = '2026-03-01T00:00:00Z'


def results(*entries, **kwargs):
    return build_report(list(entries), generated_at=AT, **kwargs)


@pytest.mark.parametrize('value, expected', [
    (None, None), ('a', 'a'), (True, 'true'), (False, 'false'), (0, '0'), (2 ** 63 - 1, '9223372036854775807'),
    (2 ** 63, 'an integer of 64 bits'), (-2 ** 63, 'an integer of 64 bits'), (1.5, '1.5'), ({}, 'a value of type object'),
    ([], 'a value of type list'), ((), 'a value of type list'), (set(), 'a value of type set'),
    ('x https://u:p@h/p?q=1 y', 'x https://h/p y'), (u'\x00a\ud800\ufffe\uffff\x7f\t', u'a\t'), ('http://[::1 z', '<url> z'),
])
def test_report_text(value, expected):
    assert report_text(value) == expected


def test_verdict_fields_are_normalised_never_trusted():
    verdict = {
        'go': True, 'blocking': [], 'cluster': None, 'status': 'bogus', 'topology': 'ha', 'fail_on': 'warning',
        'url': 'https://u:p@h/x?q',
        'findings': [{'code': 'Bad Code', 'severity': 'info', 'node': 3, 'message': None}, 'junk',
                     {'code': 'disk_low', 'severity': 'warning', 'node': 'n', 'message': 'm'}],
        'plan': [{'step': 0, 'node': 'n', 'shards': [-2, -1, 0, True, 1.0, 2], 'phase': 'x'},
                 {'step': 5, 'shards': '1', 'phase': 'primary_master'}, 'junk'],
        'schema_upgrade': {'step': True, 'node': 'n', 'note': 't'}, 'target_version': 'v2', 'current_version': None,
        'error': {'code': '', 'message': None, 'title': 't', 'details': None, 'status': True, 'api_code': 1006, 'retry_after': -1},
    }
    assert results({'host': 'h', 'wabiz_pre_upgrade': verdict})['results'] == [{
        'host': 'h', 'cluster': 'h', 'check': 'pre_upgrade', 'outcome': 'error', 'status': None, 'topology': 'ha',
        'url': 'https://h/x', 'fail_on': 'warning', 'checked_at': None, 'message': None,
        'findings': [{'code': 'invalid_code', 'severity': 'critical', 'node': '3', 'message': ''},
                     {'code': 'disk_low', 'severity': 'warning', 'node': 'n', 'message': 'm'}],
        'blocking': [],
        'error': {'code': 'module_failed', 'message': 'the call failed without a message', 'title': 't', 'api_code': 1006},
        'target_version': 'v2', 'current_version': None,
        'plan': [{'node': 'n', 'hostname': None, 'container_id': None, 'role': None, 'version': None, 'note': None, 'step': 1,
                  'phase': None, 'shards': [-1, 0, 2]},
                 {'node': None, 'hostname': None, 'container_id': None, 'role': None, 'version': None, 'note': None, 'step': 5,
                  'phase': 'primary_master', 'shards': []}],
        'schema_upgrade': {'step': None, 'node': 'n', 'note': 't'}}]


@pytest.mark.parametrize('retry_after, kept', [(0, True), (2.5, True), (-1, False), (float('inf'), False),
                                               (float('nan'), False), ('3', False), (True, False)])
def test_retry_after_is_kept_only_when_a_finite_number_of_seconds(retry_after, kept):
    error = results({'host': 'h', 'wabiz_gate': {'error': {'code': 'x', 'message': 'm', 'retry_after': retry_after}}})[
        'results'][0]['error']
    assert error == ({'code': 'x', 'message': 'm', 'retry_after': retry_after} if kept else {'code': 'x', 'message': 'm'})


def test_outcomes_order_and_summary():
    report = results({'host': 'b', 'wabiz_gate': {'passed': True}, 'wabiz_pre_upgrade': {'go': True, 'blocking': [{'code': 'x'}]}},
                     {'host': 'a', 'wabiz_gate': {'cluster': 'z', 'passed': True}}, title='')
    assert [(r['host'], r['cluster'], r['check'], r['outcome']) for r in report['results']] == [
        ('b', 'b', 'health_gate', 'passed'), ('b', 'b', 'pre_upgrade', 'failed'), ('a', 'z', 'health_gate', 'passed')]
    assert report['summary'] == {'passed': 2, 'failed': 1, 'error': 0, 'not_run': 0, 'results': 3, 'clusters': 2,
                                 'checks': ['health_gate', 'pre_upgrade'], 'verdict': 'failed'}
    assert (report['title'], report['generated_at'], report['report_version']) == ('wabiz.onprem fleet report', AT, 1)


@pytest.mark.parametrize('entries, verdict', [
    ([], 'not_run'),
    ([{'host': 'a'}], 'not_run'),
    ([{'host': 'a', 'wabiz_gate': {'passed': True}}, {'host': 'b'}], 'incomplete'),
    ([{'host': 'a', 'wabiz_gate': {'passed': True}}], 'passed'),
    ([{'host': 'a', 'wabiz_gate': {'passed': 'yes'}}], 'failed'),
    ([{'host': 'a', 'wabiz_gate': {'passed': True, 'error': {'code': 'x'}}}], 'failed'),
])
def test_fleet_verdict(entries, verdict):
    assert results(*entries)['summary']['verdict'] == verdict


def test_a_host_that_did_not_run():
    assert results({'host': 'a', 'wabiz_gate': None})['results'] == [{
        'host': 'a', 'cluster': 'a', 'check': 'health_gate', 'outcome': 'not_run', 'status': None, 'topology': None,
        'url': None, 'fail_on': None, 'checked_at': None, 'message': 'no verdict: the health gate did not run for this host',
        'findings': [], 'blocking': [], 'error': None}]
    result = results({'host': 'a', 'wabiz_pre_upgrade': 'x'})['results'][0]
    assert (result['message'], result['plan'], result['schema_upgrade'], result['target_version']) == (
        'no verdict: the pre upgrade did not run for this host', [], None, None)


def test_bad_input_messages():
    with pytest.raises(ReportError) as info:
        build_report({'host': 'a'})
    assert str(info.value) == 'expected a list of {host, wabiz_gate, wabiz_pre_upgrade}, got dict'
    with pytest.raises(ReportError) as info:
        build_report([], generated_at='2026-03-01 00:00:00')
    assert str(info.value) == 'generated_at: expected a time such as 2026-03-01T12:00:00Z, got 2026-03-01 00:00:00'
    with pytest.raises(ReportError) as info:
        build_report([{'host': ''}])
    assert str(info.value) == 'every entry needs a host, got a value of type object'
    with pytest.raises(ReportError) as info:
        build_report(['a'])
    assert str(info.value) == 'every entry needs a host, got a'


def test_fingerprint_leaves_out_times_and_nodes():
    # sha256 of '[{"a":[1,2],"b":1}]': sorted keys, no spaces
    assert fingerprint([{'b': 1, 'a': [1, 2], 'checked_at': 'x', 'nodes': [1]}]) == (
        '70293a3d1809df02ce7ae05ea2d1285f9d7be3edcddfadcb6e490c5d49d17656')


def test_render_json_text():
    assert render_json(results({'host': 'a'}, title='t')) == '\n'.join([
        '{',
        '  "fingerprint": "a2ba16cef67ee69ce65ccb5454bedf3f5e4d24c63e7a65ae03ac639bd8f6f308",',
        '  "generated_at": "2026-03-01T00:00:00Z",',
        '  "report_version": 1,',
        '  "results": [',
        '    {',
        '      "blocking": [],',
        '      "check": "health_gate",',
        '      "checked_at": null,',
        '      "cluster": "a",',
        '      "error": null,',
        '      "fail_on": null,',
        '      "findings": [],',
        '      "host": "a",',
        '      "message": "no verdict: the health gate did not run for this host",',
        '      "outcome": "not_run",',
        '      "status": null,',
        '      "topology": null,',
        '      "url": null',
        '    }',
        '  ],',
        '  "summary": {',
        '    "checks": [',
        '      "health_gate"',
        '    ],',
        '    "clusters": 1,',
        '    "error": 0,',
        '    "failed": 0,',
        '    "not_run": 1,',
        '    "passed": 0,',
        '    "results": 1,',
        '    "verdict": "not_run"',
        '  },',
        '  "title": "t"',
        '}',
        ''])


# A fleet of four clusters that walks every branch of the renderers: a failed gate with a blocking and a non-blocking
# finding, a passed pre-upgrade with a plan and a schema upgrade, an unreachable cluster whose name is not its host, a
# passed gate without findings and a host without verdict; a title holding every character Markdown escapes.
FLEET = [
    {'host': 'alpha', 'wabiz_gate': {
        'passed': False, 'status': 'critical', 'topology': 'ha', 'fail_on': 'warning', 'url': 'https://u:p@alpha:8443/x?q=1',
        'checked_at': '2026-03-01T00:00:01Z', 'message': 'gate failed',
        'findings': [{'code': 'disk_low', 'severity': 'critical', 'node': 'n1', 'message': 'disk <full>'},
                     {'code': 'build_expiring', 'severity': 'warning', 'node': None, 'message': 'soon'}],
        'blocking': [{'code': 'disk_low', 'severity': 'critical', 'node': 'n1', 'message': 'disk <full>'}]},
     'wabiz_pre_upgrade': {
        'go': True, 'status': 'ok', 'topology': 'ha', 'target_version': 'v2.45.1', 'current_version': 'v2.44.0',
        'plan': [{'step': 1, 'node': 'n|1`x', 'role': 'primary_master', 'shards': [0, 1], 'phase': 'primary_master', 'note': 'first'},
                 {'node': None, 'role': None, 'shards': [], 'phase': None, 'note': None}],
        'schema_upgrade': {'step': 2, 'node': None, 'note': None}}},
    {'host': 'beta', 'wabiz_gate': {'cluster': 'beta c', 'error': {'code': 'unreachable', 'message': 'no  route\nto host'}}},
    {'host': 'gamma'},
    {'host': 'delta', 'wabiz_gate': {'passed': True, 'status': 'ok', 'findings': []}},
]
FLEET_TITLE = 'T|i*t_l<e> `q` \\ x'
FLEET_FINGERPRINT = '264f4a69319dd8c1a7d30534aa218accca39b61be49c9804817868fd3e047952'


def fleet():
    return results(*copy.deepcopy(FLEET), title=FLEET_TITLE)


def test_fleet_fingerprint():
    assert fleet()['fingerprint'] == FLEET_FINGERPRINT


def test_render_markdown_text():
    assert render_markdown(fleet()) == '\n'.join([
        '# T\\|i\\*t\\_l&lt;e&gt; \\`q\\` \\\\ x',
        '',
        'Generated 2026-03-01T00:00:00Z by wabiz.onprem. Verdict: **FAILED**: 5 result(s) over 4 cluster(s): 2 passed, 1 failed, '
        '1 error, 1 not run.',
        '',
        '| Cluster | Check | Outcome | Status | Topology | Blocking | Findings | Checked at |',
        '|---|---|---|---|---|---:|---:|---|',
        '| alpha | `health_gate` | **FAIL** | critical | ha | 1 | 2 | 2026-03-01T00:00:01Z |',
        '| alpha | `pre_upgrade` | **PASS** | ok | ha | 0 | 0 | - |',
        '| beta c | `health_gate` | **ERROR** | - | - | 0 | 0 | - |',
        '| delta | `health_gate` | **PASS** | ok | - | 0 | 0 | - |',
        '| gamma | `health_gate` | **NOT RUN** | - | - | 0 | 0 | - |',
        '',
        '## alpha: health gate FAIL',
        '',
        'Endpoint: `https://alpha:8443/x`.',
        '',
        '| Severity | Blocking | Code | Node | Message |',
        '|---|---|---|---|---|',
        '| critical | yes | `disk_low` | n1 | disk &lt;full&gt; |',
        '| warning | no | `build_expiring` | cluster | soon |',
        '',
        '## alpha: pre upgrade PASS',
        '',
        'Upgrade: v2.44.0 -> v2.45.1.',
        'Schema upgrade: step 2 (?):.',
        'No findings.',
        '',
        'Restart order:',
        '',
        '| Step | Node | Role | Shards | Phase | Note |',
        '|---:|---|---|---|---|---|',
        "| 1 | `n\\|1'x` | primary\\_master | 0, 1 | primary\\_master | first |",
        '| 2 | - | - | - | - | - |',
        '',
        '## beta c: health gate ERROR',
        '',
        'Inventory host: beta.',
        'Error `unreachable`: no route to host',
        '',
        '## delta: health gate PASS',
        '',
        'No findings.',
        '',
        '## gamma: health gate NOT RUN',
        '',
        'no verdict: the health gate did not run for this host',
        '',
        '<!-- wabiz.onprem report fingerprint: %s -->' % FLEET_FINGERPRINT,
        ''])


def test_render_markdown_failed_without_findings_and_error_without_message():
    text = render_markdown(results({'host': 'a', 'wabiz_gate': {'passed': False}},
                                   {'host': 'b', 'wabiz_gate': {'error': {'code': 'x', 'message': ''}}}))
    assert text.split('\n')[9:] == [
        '## a: health gate FAIL', '', 'No findings.', '', '## b: health gate ERROR', '', 'Error `x`: -', '',
        '<!-- wabiz.onprem report fingerprint: 36e9132197899234854f1d8ce4f5d9cee6aa2e36656b92178d7254feb7ee896e -->', '']


def junit_suites(text):
    root = ET.fromstring(text.encode('utf-8'))
    suites = []
    for suite in root:
        props = [(p.get('name'), p.get('value')) for p in suite.find('properties')]
        assert all(p.tag == 'property' for p in suite.find('properties'))
        cases = [case for case in suite if case.tag == 'testcase']
        detailed = [(case.get('name'), [(child.tag, dict(child.attrib), child.text) for child in case])
                    for case in cases if len(case)]
        assert all(case.get('classname') == suite.get('name') and case.get('time') == '0' for case in cases)
        suites.append((dict(suite.attrib), props, len(cases), detailed))
    return dict(root.attrib), suites


def test_render_junit_text():
    text = render_junit(fleet())
    assert text.split('\n')[:3] == [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!-- wabiz.onprem report fingerprint: %s -->' % FLEET_FINGERPRINT,
        '<testsuites name="T|i*t_l&lt;e&gt; `q` \\ x" time="0" timestamp="2026-03-01T00:00:00Z" tests="98" failures="1" errors="1" '
        'skipped="1">']
    assert text.endswith('\n  </testsuite>\n</testsuites>\n')
    suite = {'time': '0', 'timestamp': AT}
    assert junit_suites(text) == ({'name': FLEET_TITLE, 'time': '0', 'timestamp': AT, 'tests': '98', 'failures': '1', 'errors': '1',
                                   'skipped': '1'}, [
        (dict(suite, name='wabiz.onprem.health_gate.alpha', tests='29', failures='1', errors='0', skipped='0'),
         [('host', 'alpha'), ('status', 'critical'), ('topology', 'ha'), ('fail_on', 'warning'),
          ('checked_at', '2026-03-01T00:00:01Z'), ('url', 'https://alpha:8443/x')],
         29,
         [('build_expiring', [('system-out', {}, '[warning] build_expiring (cluster): soon')]),
          ('disk_low', [('failure', {'type': 'disk_low', 'message': '1 blocking finding(s): disk <full>'},
                         '[critical] disk_low (n1): disk <full>')])]),
        (dict(suite, name='wabiz.onprem.pre_upgrade.alpha', tests='39', failures='0', errors='0', skipped='0'),
         [('host', 'alpha'), ('status', 'ok'), ('topology', 'ha'), ('target_version', 'v2.45.1'), ('current_version', 'v2.44.0'),
          ('schema_upgrade', 'step 2 (?): ')],
         39, []),
        (dict(suite, name='wabiz.onprem.health_gate.beta c', tests='1', failures='0', errors='1', skipped='0'),
         [('host', 'beta')], 1,
         [('reachable', [('error', {'type': 'unreachable', 'message': 'no  route\nto host'}, 'no  route\nto host')])]),
        (dict(suite, name='wabiz.onprem.health_gate.delta', tests='28', failures='0', errors='0', skipped='0'),
         [('host', 'delta'), ('status', 'ok')], 28, []),
        (dict(suite, name='wabiz.onprem.health_gate.gamma', tests='1', failures='0', errors='0', skipped='1'),
         [('host', 'gamma')], 1,
         [('verdict', [('skipped', {'message': 'no verdict: the health gate did not run for this host'}, None)])]),
    ])
    # the test cases of a check are its finding codes: the upgrade ones only for pre_upgrade
    assert '"wabiz.onprem.pre_upgrade.alpha" name="upgrade_node_state"' in text
    assert '"wabiz.onprem.health_gate.delta" name="upgrade_node_state"' not in text
    assert '"wabiz.onprem.health_gate.delta" name="version_mismatch"' in text


def test_render_junit_error_texts():
    report = results({'host': 'a', 'wabiz_gate': {'message': 'cannot reach a', 'error': {'code': 'x', 'message': 'm'}}},
                     {'host': 'b', 'wabiz_pre_upgrade': {'go': False, 'blocking': [
                         {'code': 'upgrade_node_state', 'severity': 'critical', 'node': 'n', 'message': 'one'},
                         {'code': 'upgrade_node_state', 'severity': 'warning', 'node': None, 'message': 'two'}]}})
    suites = junit_suites(render_junit(report))[1]
    assert suites[0][3] == [('reachable', [('error', {'type': 'x', 'message': 'm'}, 'cannot reach a')])]
    assert suites[1][3] == [('upgrade_node_state', [('failure', {'type': 'upgrade_node_state', 'message': '2 blocking finding(s): one'},
                                                     '[critical] upgrade_node_state (n): one\n[warning] upgrade_node_state (cluster): two')])]
    assert suites[1][0]['failures'] == '1'


def test_summary_lines_text():
    assert summary_lines(fleet()) == [
        'CLUSTER  CHECK        OUTCOME  STATUS    BLOCKING  FINDINGS  DETAIL',
        'alpha    health_gate  FAIL     critical  1         2         disk_low',
        'alpha    pre_upgrade  PASS     ok        0         0         v2.44.0 -> v2.45.1, 2 restart step(s)',
        'beta c   health_gate  ERROR    -         0         0         [unreachable] no route to host',
        'delta    health_gate  PASS     ok        0         0',
        'gamma    health_gate  NOT RUN  -         0         0         no verdict',
        'verdict FAILED: 2 passed, 1 failed, 1 error, 1 not run']


def test_summary_lines_details():
    blocking = [{'code': code, 'severity': 'critical', 'node': None, 'message': 'm'} for code in ('b_code', 'a_code', 'b_code')]
    lines = summary_lines(results({'host': 'a', 'wabiz_gate': {'error': {'code': 'x', 'message': 'y' * 200}}},
                                  {'host': 'b', 'wabiz_gate': {'passed': False, 'blocking': blocking}},
                                  {'host': 'c', 'wabiz_pre_upgrade': {'go': False, 'current_version': 'v1', 'plan': [{}]}},
                                  {'host': 'd', 'wabiz_gate': {'error': {'code': 'z', 'message': ''}}}))
    assert lines == [
        'CLUSTER  CHECK        OUTCOME  STATUS  BLOCKING  FINDINGS  DETAIL',
        'a        health_gate  ERROR    -       0         0         [x] ' + 'y' * 96,
        'b        health_gate  FAIL     -       3         0         a_code, b_code',
        'c        pre_upgrade  FAIL     -       0         0',
        'd        health_gate  ERROR    -       0         0         [z]',
        'verdict FAILED: 0 passed, 2 failed, 2 error, 0 not run']


def test_summary_lines_passed_pre_upgrade_and_verdict_words():
    assert summary_lines(results({'host': 'a', 'wabiz_pre_upgrade': {'go': True}}, {'host': 'b'})) == [
        'CLUSTER  CHECK        OUTCOME  STATUS  BLOCKING  FINDINGS  DETAIL',
        'a        pre_upgrade  PASS     -       0         0         None -> None, 0 restart step(s)',
        'b        health_gate  NOT RUN  -       0         0         no verdict',
        'verdict INCOMPLETE: 1 passed, 0 failed, 0 error, 1 not run']


def fleet_with(path, value):
    report = fleet()
    target = report
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return report


@pytest.mark.parametrize('path, value, reason', [
    (('report_version',), True, 'report.report_version: expected 1'),
    (('report_version',), 1.0, 'report.report_version: expected 1'),
    (('report_version',), 2, 'report.report_version: expected 1'),
    (('title',), None, 'report.title: expected string'),
    (('generated_at',), '2026-03-01 00:00:00', 'report.generated_at: does not match ^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$'),
    (('fingerprint',), 'A' * 64, 'report.fingerprint: does not match ^[0-9a-f]{64}$'),
    (('summary', 'passed'), -1, 'report.summary.passed: below 0'),
    (('summary', 'passed'), True, 'report.summary.passed: expected integer'),
    (('summary', 'passed'), 1.5, 'report.summary.passed: expected integer'),
    (('summary', 'passed'), 2 ** 63, 'report.summary.passed: expected integer'),
    (('summary', 'checks'), ['x'], 'report.summary.checks[0]: expected one of health_gate, pre_upgrade'),
    (('summary', 'checks'), ['health_gate', 1], 'report.summary.checks[1]: expected one of health_gate, pre_upgrade'),
    (('summary', 'verdict'), 'ok', 'report.summary.verdict: expected one of passed, failed, not_run, incomplete'),
    (('summary', 'extra'), 1, 'report.summary: unexpected key extra'),
    (('results', 0, 'status'), '', 'report.results[0].status: expected one of ok, warning, critical, error, None'),
    (('results', 0, 'status'), 0, 'report.results[0].status: expected one of ok, warning, critical, error, None'),
    (('results', 0, 'url'), 3, 'report.results[0].url: expected string or null'),
    (('results', 0, 'findings', 1, 'severity'), 'info', 'report.results[0].findings[1].severity: expected one of critical, warning'),
    (('results', 0, 'findings', 0, 'code'), 'X', 'report.results[0].findings[0].code: does not match ^[a-z][a-z0-9_]*$'),
    (('results', 0, 'error'), {'code': 'x'}, 'report.results[0].error: matches none of its forms'),
    (('results', 0, 'error'), 'x', 'report.results[0].error: matches none of its forms'),
    (('results', 2, 'error', 'retry_after'), -0.5, 'report.results[2].error: matches none of its forms'),
    (('results', 2, 'error', 'retry_after'), float('inf'), 'report.results[2].error: matches none of its forms'),
    (('results', 2, 'error', 'retry_after'), 0, None),
    (('results', 2, 'error', 'retry_after'), 1.5, None),
    (('results', 2, 'error', 'status'), None, None),
    (('results', 2, 'error', 'status'), 2 ** 63, 'report.results[2].error: matches none of its forms'),
    (('results', 1, 'plan', 0, 'step'), 0, 'report.results[1].plan[0].step: below 1'),
    (('results', 1, 'plan', 1, 'shards'), [-1, -2], 'report.results[1].plan[1].shards[1]: below -1'),
    (('results', 1, 'plan', 0, 'phase'), 'x',
     'report.results[1].plan[0].phase: expected one of standby_coreapps, secondary_masters, shard_owners, primary_master, single, None'),
    (('results', 1, 'schema_upgrade', 'step'), None, None),
    (('results', 1, 'schema_upgrade', 'step'), 0, 'report.results[1].schema_upgrade: matches none of its forms'),
    (('results', 0, 'nodes'), None, 'report.results[0].nodes: expected array'),
    (('results', 1, 'check'), 'health_gate', None),
])
def test_checked_report_names_the_first_field_that_does_not_fit(path, value, reason):
    report = fleet_with(path, value)
    if reason is None:
        assert checked_report(report) == report
    else:
        with pytest.raises(ReportError) as info:
            checked_report(report)
        assert str(info.value) == 'not a report made by build_report: ' + reason


def test_checked_report_requires_the_upgrade_keys_of_a_pre_upgrade_result():
    report = fleet()
    del report['results'][1]['target_version']
    with pytest.raises(ReportError) as info:
        checked_report(report)
    assert str(info.value) == 'not a report made by build_report: report.results[1]: target_version is missing'
    report = fleet()
    del report['results'][0]['message']
    with pytest.raises(ReportError) as info:
        checked_report(report)
    assert str(info.value) == 'not a report made by build_report: report.results[0]: message is missing'


def test_checked_report_cleans_texts_again():
    report = fleet_with(('results', 0, 'message'), u'see https://u:p@h/x?q=1 \x00now')
    report['results'][0]['findings'][0]['message'] = u'\ufffe!'
    cleaned = checked_report(report)
    assert (cleaned['results'][0]['message'], cleaned['results'][0]['findings'][0]['message']) == ('see https://h/x now', '!')
    assert report['results'][0]['message'] == u'see https://u:p@h/x?q=1 \x00now'


def test_fail_on_of_a_verdict_counts_for_the_health_gate_only():
    warning = [{'code': 'free_space_low', 'severity': 'warning', 'node': None, 'message': 'low'}]
    report = results({'host': 'a', 'wabiz_gate': {'passed': True, 'fail_on': 'warning', 'findings': warning}},
                     {'host': 'b', 'wabiz_pre_upgrade': {'go': True, 'fail_on': 'warning', 'findings': warning}},
                     {'host': 'c', 'wabiz_gate': {'passed': True, 'fail_on': 'critical', 'findings': warning}},
                     {'host': 'd', 'wabiz_gate': {'passed': True, 'status': 'critical'}})
    assert [(r['host'], r['outcome']) for r in report['results']] == [('a', 'failed'), ('b', 'passed'), ('c', 'passed'), ('d', 'failed')]


def test_error_keys_kept_and_cluster_falls_back_to_the_host():
    result = results({'host': 'h', 'wabiz_pre_upgrade': {
        'cluster': '', 'schema_upgrade': 'x',
        'error': {'code': 'api_error', 'message': 'm', 'status': 503, 'api_code': True, 'title': None, 'details': 'd', 'retry_after': 3}}})[
        'results'][0]
    assert (result['cluster'], result['schema_upgrade'], result['outcome'], result['error']) == (
        'h', None, 'error', {'code': 'api_error', 'message': 'm', 'status': 503, 'details': 'd', 'retry_after': 3})


def test_schema_upgrade_without_step_and_findings_of_one_code_in_junit():
    findings = [{'code': 'disk_low', 'severity': 'warning', 'node': 'n1', 'message': 'a'},
                {'code': 'disk_low', 'severity': 'warning', 'node': 'n2', 'message': 'b'}]
    upgrade = {'go': True, 'findings': findings, 'schema_upgrade': {'step': None, 'node': 'n1', 'note': 'schema'}}
    report = results({'host': 'a', 'wabiz_pre_upgrade': upgrade})
    suites = junit_suites(render_junit(report))[1]
    assert suites[0][1] == [('host', 'a'), ('schema_upgrade', 'step ? (n1): schema')]
    assert suites[0][3] == [('disk_low', [('system-out', {}, '[warning] disk_low (n1): a\n[warning] disk_low (n2): b')])]
    assert 'Schema upgrade: step ? (n1): schema.' in render_markdown(report).split('\n')


def test_markdown_verdict_words():
    assert render_markdown(results({'host': 'a'})).split('\n')[2] == (
        'Generated 2026-03-01T00:00:00Z by wabiz.onprem. Verdict: **NOT RUN**: 1 result(s) over 1 cluster(s): 0 passed, 0 failed, '
        '0 error, 1 not run.')


def test_render_junit_error_outcome_without_error_details():
    """A report edited by hand (it still fits the schema) with the outcome error and no error: a module_failed error case."""
    report = fleet_with(('results', 3, 'outcome'), 'error')
    report['results'][3]['message'] = None
    text = render_junit(report)
    assert junit_suites(text)[1][3][3] == [('reachable', [('error', {'type': 'module_failed', 'message': ''}, None)])]
    assert '<error type="module_failed" message="" />' in text  # an empty element: no text at all
    report['results'][3]['message'] = 'down'
    assert junit_suites(render_junit(report))[1][3][3] == [('reachable', [('error', {'type': 'module_failed', 'message': ''}, 'down')])]


def test_render_junit_counts_and_skipped_message():
    blocking = [{'code': code, 'severity': 'critical', 'node': None, 'message': code} for code in ('disk_low', 'node_error')]
    report = results({'host': 'a', 'wabiz_gate': {'passed': False, 'findings': blocking, 'blocking': blocking}}, {'host': 'b'})
    report['results'][1]['message'] = None  # a report edited by hand: it still fits the schema
    root, suites = junit_suites(render_junit(report))
    assert (root['tests'], root['failures'], root['skipped']) == ('30', '2', '1')
    assert (suites[0][0]['tests'], suites[0][0]['failures']) == ('29', '2')  # the 28 codes of the gate and disk_low
    assert suites[1][3] == [('verdict', [('skipped', {'message': 'no verdict'}, None)])]


def test_results_sorted_by_cluster_even_when_its_text_is_empty():
    report = results({'host': 'A', 'wabiz_gate': {'passed': True}}, {'host': u'\x00', 'wabiz_gate': {'passed': True}})
    assert [(r['host'], r['cluster']) for r in report['results']] == [('', ''), ('A', 'A')]


def test_node_data_found_under_the_host_name_as_the_report_writes_it():
    entry = {'host': 'https://u:p@h/x', 'wabiz_gate': {'passed': True, 'source': 'stored'}, 'wabiz_support': {'nodes': [{'name': 'n1'}]}}
    result = results(entry)['results'][0]
    assert (result['host'], [node['name'] for node in result['nodes']]) == ('https://h/x', ['n1'])
