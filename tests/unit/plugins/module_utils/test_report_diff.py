# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed since the previous fleet report."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import jsonschema

from ansible_collections.wabiz.onprem.plugins.module_utils._report import REPORT_SCHEMA, RENDERERS, build_report
from ansible_collections.wabiz.onprem.plugins.module_utils._report_diff import change_lines, report_changes

NOW = '2026-03-01T00:00:00Z'
DOWN = {'code': 'socket_conn_down', 'severity': 'critical', 'node': 'wacore2:ab', 'message': 'the node is DN'}
LOW = {'code': 'free_space_low', 'severity': 'warning', 'node': 'wacore1:cd', 'message': 'logs: 4.1 GiB left'}


def verdict(*findings):
    critical = [finding for finding in findings if finding['severity'] == 'critical']
    return {'passed': not critical, 'status': 'critical' if critical else ('warning' if findings else 'ok'), 'fail_on': 'critical',
            'findings': list(findings), 'blocking': critical, 'error': None}


def report(**clusters):
    return build_report([{'host': host, 'wabiz_gate': gate} for host, gate in sorted(clusters.items())], generated_at=NOW)


def test_new_and_cleared_findings_per_cluster():
    before = report(eu=verdict(LOW), us=verdict(DOWN))
    after = report(eu=verdict(dict(LOW, message='logs: 3.9 GiB left'), DOWN), us=verdict())
    changes = report_changes(json.loads(RENDERERS['json'](before)), after)
    assert changes['previous_generated_at'] == NOW and changes['previous_fingerprint'] == before['fingerprint']
    assert changes['clusters'] == [
        {'cluster': 'eu', 'check': 'health_gate', 'previous_outcome': 'passed', 'outcome': 'failed', 'new': [DOWN], 'cleared': []},
        {'cluster': 'us', 'check': 'health_gate', 'previous_outcome': 'failed', 'outcome': 'passed', 'new': [], 'cleared': [DOWN]},
    ]
    assert change_lines(changes) == [
        'changes since the report of 2026-03-01T00:00:00Z:',
        '  eu health_gate: passed -> failed; new [critical] socket_conn_down (wacore2:ab)',
        '  us health_gate: failed -> passed; cleared [critical] socket_conn_down (wacore2:ab)',
    ]


def test_severity_change_is_new_and_cleared():
    changes = report_changes(report(eu=verdict(LOW)), report(eu=verdict(dict(LOW, severity='critical'))))
    assert len(changes['clusters']) == 1
    assert [f['severity'] for f in changes['clusters'][0]['new']] == ['critical']
    assert [f['severity'] for f in changes['clusters'][0]['cleared']] == ['warning']


def test_clusters_that_appear_or_leave():
    changes = report_changes(report(eu=verdict()), report(us=verdict(LOW)))
    assert [(c['cluster'], c['previous_outcome'], c['outcome'], len(c['new']), len(c['cleared'])) for c in changes['clusters']] == [
        ('eu', 'passed', None, 0, 0), ('us', None, 'passed', 1, 0)]


def test_same_report_no_change_and_no_previous():
    same = report(eu=verdict(LOW))
    assert report_changes(same, same)['clusters'] == []
    assert change_lines(report_changes(same, same)) == ['changes since the report of 2026-03-01T00:00:00Z: none']
    for garbage in (None, [], 'text', {'results': 'x'}, {}):
        assert report_changes(garbage, same) is None
    assert change_lines(None) == ['changes: no previous report to compare with']


def test_hand_edited_previous_report_does_not_crash():
    previous = {'generated_at': 5, 'results': [None, {'cluster': 1}, {'cluster': 'eu', 'check': 'health_gate', 'findings': [3, {'code': 7}]}]}
    changes = report_changes(previous, report(eu=verdict()))
    assert changes['previous_generated_at'] is None
    assert changes['clusters'] == [{'cluster': 'eu', 'check': 'health_gate', 'previous_outcome': None, 'outcome': 'passed', 'new': [],
                                    'cleared': [{'code': None, 'severity': None, 'node': None, 'message': None}]}]


def test_previous_report_whose_findings_are_not_a_list_does_not_crash():
    # findings: 5 in the previous file raised TypeError out of the fleet_report_write action (a traceback)
    previous = {'results': [{'cluster': 'eu', 'check': 'health_gate', 'outcome': 'passed', 'findings': 5},
                            {'cluster': 'us', 'check': 'health_gate', 'outcome': 'passed', 'findings': True}]}
    changes = report_changes(previous, report(eu=verdict()))
    assert changes['clusters'] == [{'cluster': 'us', 'check': 'health_gate', 'previous_outcome': 'passed', 'outcome': None,
                                    'new': [], 'cleared': []}]


def test_report_with_changes_validates_and_renders():
    current = report(eu=verdict(DOWN))
    current['changes'] = report_changes(report(eu=verdict()), current)
    jsonschema.validate(json.loads(RENDERERS['json'](current)), REPORT_SCHEMA)
    assert 'new [critical] socket_conn_down (wacore2:ab)' in RENDERERS['html'](current)
