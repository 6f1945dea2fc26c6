# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the fleet report's normalisation of verdicts (_report.py): what the mutation run showed unpinned
(issue 13)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._report import (
    ReportError, build_report, fingerprint, render_json, report_text)

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
