# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the gate verdict (_verdict.py): the behaviours the mutation run showed unpinned (issue 13)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import time
from datetime import datetime, timezone

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import (
    blocking, check_gate_options, finding_line, freshest_stored, gate_verdict, gate_with_report, layered_policy, safe_error, safe_url, stored_age,
    support_report, utc_now)

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NOW = '2026-03-01T00:00:00Z'


def report(name, mutate=None):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        body = json.load(handle)
    if mutate:
        mutate(body['support'])
    return evaluate(body, now=NOW)


def finding(severity, code='shard_unowned', node=None, message='shard 2 has no owner'):
    return {'severity': severity, 'code': code, 'node': node, 'message': message}


# --- small helpers -------------------------------------------------------------------------------------------------

def test_utc_now_is_whole_seconds_in_utc():
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', utc_now())


def test_safe_error_of_non_dicts_and_incomplete_dicts():
    assert safe_error(None) is None
    assert safe_error('boom') == {'code': 'module_failed', 'message': 'boom'}
    assert safe_error(42) == {'code': 'module_failed', 'message': 'the call failed with an error of type int'}
    assert safe_error({}) == {'code': 'module_failed', 'message': 'the call failed without a message'}
    assert safe_error({'code': 'unreachable', 'message': None, 'password': 'hunter2', 'status': 0, 'retry_after': None}) == {
        'code': 'unreachable', 'message': 'the call failed without a message', 'status': 0}
    assert safe_error({'code': 'http_error', 'message': 'm', 'status': 503, 'api_code': 1, 'title': 't',
                       'details': 'd', 'retry_after': 5, 'url': 'https://u:p@h'}) == {
        'code': 'http_error', 'message': 'm', 'status': 503, 'api_code': 1, 'title': 't', 'details': 'd', 'retry_after': 5}


def test_safe_url_hides_credentials_and_drops_what_does_not_parse():
    assert safe_url('https://admin:hunter2@wa.example:9090/v1') == 'https://wa.example:9090/v1'
    assert safe_url('https://[::1') is None
    assert safe_url(None) is None


def test_bad_fail_on_message():
    with pytest.raises(ValueError) as info:
        blocking([], 'info')
    assert str(info.value) == "fail_on must be one of critical, warning, got 'info'"


def test_blocking_default_threshold_and_unknown_severity_ranks_as_critical():
    findings = [finding('warning'), finding('critical'), finding('info'), finding(None), {'code': 'x'}]
    assert blocking(findings) == [finding('critical'), finding('info'), finding(None), {'code': 'x'}]
    assert blocking(findings, 'warning') == findings
    assert blocking([finding('warning')], 'critical') == []


def test_finding_line_with_and_without_node():
    assert finding_line(finding('critical')) == '[critical] shard_unowned (cluster): shard 2 has no owner'
    assert finding_line(finding('warning', 'disk_low', '10.0.0.11:wa-master-0', 'low')) == (
        '[warning] disk_low (10.0.0.11:wa-master-0): low')


def test_layered_policy():
    assert layered_policy(None, {'a': 1}) == {'a': 1}
    assert layered_policy({'a': 1, 'b': 2}, None) == {'a': 1, 'b': 2}
    assert layered_policy({'a': 1, 'b': 2}, {'b': 3}) == {'a': 1, 'b': 3}
    assert layered_policy({'a': 1}, 'bad') == 'bad'


# --- support_report -----------------------------------------------------------------------------------------------

def test_support_report_of_failed_calls():
    error = {'code': 'unreachable', 'message': 'refused', 'password': 'x'}
    assert support_report({'error': error, 'nodes': []}) == (None, {'code': 'unreachable', 'message': 'refused'})
    assert support_report({'failed': True, 'msg': 'bad argument'}) == (
        None, {'code': 'module_failed', 'message': 'bad argument'})
    assert support_report({'failed': False, 'failed_when_result': False, 'msg': 'missing url'}) == (
        None, {'code': 'module_failed', 'message': 'missing url'})
    assert support_report({'failed': True}) == (None, {'code': 'module_failed', 'message': 'the call failed without a message'})


def test_support_report_of_data_that_is_not_support_data():
    with pytest.raises(ValueError) as info:
        support_report({'nodes': [], 'b': 1, 2: 3})
    assert str(info.value) == ('expected support data with topology, nodes and cluster (a support_info result, the '
                               'wabiz_support fact or a report); got keys 2, b, nodes')
    with pytest.raises(ValueError) as info:
        support_report([])
    assert str(info.value) == ('expected support data (a support_info result, the wabiz_support fact or a report), '
                               'got list')


def test_support_report_now_values():
    with pytest.raises(ValueError) as info:
        support_report(report('ha'), now=12)
    assert str(info.value) == 'now: expected an ISO 8601 time such as 2026-03-01T12:00:00Z, got int'
    with pytest.raises(ValueError) as info:
        support_report(report('ha'), now='yesterday')
    assert str(info.value).startswith('now: ')


def test_support_report_wraps_bad_policy_and_bad_nodes():
    result, error = support_report(report('ha'), policy={'min_standby_coreapps': 'many'}, now=NOW)
    assert result is None
    assert error['code'] == 'invalid_policy'
    data = report('ha')
    data['nodes'] = [{'hostname': 1}]
    result, error = support_report(data, now=NOW)
    assert result is None
    assert error['code'] == 'bad_response'
    assert error['message'].startswith('the stored support data cannot be checked again: ')


# --- gate_verdict -------------------------------------------------------------------------------------------------

def test_verdict_of_an_unreachable_cluster_has_every_key():
    verdict = gate_verdict({'failed': True, 'error': {'code': 'unreachable', 'message': 'refused'}}, cluster='eu-1',
                           checked_at='2026-03-01T00:00:00Z', url='https://u:pw@h/x', now=NOW)
    assert verdict == {
        'cluster': 'eu-1', 'url': 'https://h/x', 'passed': False, 'status': 'error', 'fail_on': 'critical',
        'findings': [], 'blocking': [], 'error': {'code': 'unreachable', 'message': 'refused'}, 'topology': None,
        'checked_at': '2026-03-01T00:00:00Z', 'message': 'eu-1 could not be checked: [unreachable] refused',
        'source': None, 'attempts': None}


def test_verdict_unnamed_cluster_and_default_checked_at():
    verdict = gate_verdict({'failed': True, 'error': {'code': 'unreachable', 'message': 'refused'}}, now=NOW)
    assert verdict['message'] == 'cluster could not be checked: [unreachable] refused'
    assert verdict['cluster'] is None
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', verdict['checked_at'])


INFERRED = ('\n- [warning] shard_count_inferred (cluster): message shard count 1 is only inferred from the owned shards '
            '(GET /v1/account/shards was not read and the policy has no expected_shards), so a missing owner of a higher '
            'shard cannot be seen: set policy.expected_shards to the real count, or let the monitoring user read '
            'GET /v1/account/shards')


def test_verdict_messages_of_the_three_outcomes():
    clean = gate_verdict(report('single'), cluster='one', checked_at='t', now=NOW)
    assert clean['message'] == 'one passed the health gate (fail_on critical, single, 1 node(s)): no findings'
    assert (clean['passed'], clean['status'], clean['topology'], clean['findings'], clean['blocking'], clean['error']) == (
        True, 'ok', 'single', [], [], None)

    below = gate_verdict(report('ha'), checked_at='t', now=NOW)
    assert below['message'] == ('cluster passed the health gate (fail_on critical, ha, 4 node(s)) with 1 finding(s) below '
                                'the threshold:' + INFERRED)
    assert (below['passed'], below['status'], below['blocking']) == (True, 'warning', [])
    assert [f['code'] for f in below['findings']] == ['shard_count_inferred']

    failed = gate_verdict(report('ha'), fail_on='warning', cluster='eu', checked_at='t', now=NOW)
    assert failed['message'] == ('eu FAILED the health gate (fail_on warning, ha, 4 node(s)): 1 blocking of 1 finding(s):'
                                 + INFERRED)
    assert (failed['passed'], failed['status'], failed['fail_on']) == (False, 'warning', 'warning')
    assert failed['blocking'] == failed['findings']


def test_verdict_node_count_of_a_multiconnect_cluster():
    assert gate_verdict(report('mc4'), policy={'expected_shards': 4}, cluster='mc', checked_at='t', now=NOW)['message'] == (
        'mc passed the health gate (fail_on critical, multiconnect, 7 node(s)): no findings')


DOWN = {'failed': True, 'error': {'code': 'unreachable', 'message': 'refused'}}


def test_deadline_message_only_when_the_gate_did_not_pass():
    assert gate_verdict(DOWN, wait_timeout=30, attempts=4, source='api', checked_at='t')['message'] == (
        'deadline of 30 s passed after 4 poll(s), the last one says: cluster could not be checked: [unreachable] refused')
    assert gate_verdict(DOWN, wait_timeout=2.5, checked_at='t')['message'] == (
        'deadline of 2.5 s passed after ? poll(s), the last one says: cluster could not be checked: [unreachable] refused')
    assert gate_verdict(DOWN, wait_timeout=0, attempts=0, checked_at='t')['message'] == (
        'cluster could not be checked: [unreachable] refused')
    passed = gate_verdict(report('single'), wait_timeout=30, attempts=1, source='stored', checked_at='t', now=NOW)
    assert passed['message'] == 'cluster passed the health gate (fail_on critical, single, 1 node(s)): no findings'
    assert (passed['source'], passed['attempts']) == ('stored', 1)


@pytest.mark.parametrize('kwargs, message', [
    ({'attempts': True}, 'attempts: expected a number of polls, got bool'),
    ({'attempts': '3'}, 'attempts: expected a number of polls, got str'),
    ({'attempts': -1}, 'attempts: expected a number of polls, got int'),
    ({'attempts': 2 ** 63}, 'attempts: expected a number of polls, got int'),
    ({'wait_timeout': -0.5}, 'wait_timeout: expected a number of seconds, got float'),
    ({'wait_timeout': [1]}, 'wait_timeout: expected a number of seconds, got list'),
    ({'source': 1}, 'source: expected a string, got int'),
    ({'cluster': 1, 'checked_at': 2}, 'checked_at: expected a string, got int'),
    ({'cluster': 1}, 'cluster: expected a string, got int'),
    ({'fail_on': 'info'}, "fail_on must be one of critical, warning, got 'info'"),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError) as info:
        gate_verdict(DOWN, **kwargs)
    assert str(info.value) == message


def test_largest_numbers_of_polls_and_seconds_are_accepted():
    verdict = gate_verdict(DOWN, attempts=2 ** 63 - 1, wait_timeout=0.0, checked_at='t')
    assert verdict['attempts'] == 9223372036854775807
    assert gate_verdict(DOWN, attempts=0, checked_at='t')['attempts'] == 0


def test_utc_now_is_utc_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv('TZ', 'Asia/Kolkata')  # UTC+05:30
    time.tzset()
    try:
        before = datetime.now(timezone.utc).replace(microsecond=0)
        stamp = datetime.strptime(utc_now(), '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=timezone.utc)
        after = datetime.now(timezone.utc)
    finally:
        monkeypatch.undo()  # the TZ of the session back, then read again
        time.tzset()
    assert before <= stamp <= after


def test_data_that_records_a_failed_read_is_an_error_even_with_nodes():
    """Stored data with an error says the last read failed: its nodes cannot prove the cluster healthy now."""
    data = report('single')
    data.update(error={'code': 'unreachable', 'message': 'refused'}, failed=True)
    result, error = support_report(data, now=NOW)
    assert (result, error['code'], error['message']) == (None, 'unreachable', 'refused')


def test_invalid_policy_message():
    assert support_report(report('single'), policy={'min_standby_coreapps': 'many'}, now=NOW) == (None, {
        'code': 'invalid_policy', 'message': "policy min_standby_coreapps: expected an integer from 0 to 1000000, got 'many'"})


def test_every_finding_on_its_own_line():
    verdict = gate_verdict(report('ha'), fail_on='warning', policy={'expected_shards': 2}, checked_at='t', now=NOW)
    lines = verdict['message'].split('\n')
    assert len(verdict['findings']) >= 2
    assert lines[1:] == ['- ' + finding_line(finding) for finding in verdict['findings']]


@pytest.mark.parametrize('data, now, age', [
    ({'fetched_at': '2026-03-01T00:00:00Z'}, '2026-03-01T00:01:30Z', 90.0),
    ({'fetched_at': '2026-03-01T00:01:00+01:00'}, '2026-03-01T00:00:00Z', 3540.0),
    ({'fetched_at': '2026-03-01T00:01:00Z'}, datetime(2026, 3, 1, 0, 0, 0, tzinfo=timezone.utc), None),  # after now: unknown
    ({'fetched_at': '2026-03-01T00:01:00Z'}, '2026-03-01T00:01:00Z', 0.0),
    ({'fetched_at': '2026-03-01'}, NOW, 0.0),
    ({'fetched_at': 'yesterday'}, NOW, None),
    ({'fetched_at': 1772323200}, NOW, None),
    ({'fetched_at': None}, NOW, None),
    ({}, NOW, None),
    ([{'fetched_at': NOW}], NOW, None),
    (None, NOW, None),
])
def test_stored_age(data, now, age):
    assert stored_age(data, now) == age


def test_stored_age_defaults_to_the_current_time():
    age = stored_age({'fetched_at': '2026-03-01T00:00:00Z'})
    assert age >= time.time() - 1772323200 - 1  # 1772323200 = 2026-03-01T00:00:00Z
    assert stored_age({'fetched_at': '2999-01-01T00:00:00Z'}) is None


def test_stored_age_bad_now():
    with pytest.raises(ValueError) as info:
        stored_age({'fetched_at': NOW}, now=12)
    assert str(info.value) == 'now: expected an ISO 8601 time such as 2026-03-01T12:00:00Z, got int'
    with pytest.raises(ValueError) as info:
        stored_age({'fetched_at': NOW}, now='yesterday')
    assert str(info.value).startswith('now: ')


OLD = {'fetched_at': '2026-03-01T00:00:00Z', 'name': 'old'}
NEW = {'fetched_at': '2026-03-01T00:05:00Z', 'name': 'new'}
UNDATED = {'name': 'undated'}


@pytest.mark.parametrize('readings, read_at, expected', [
    ((OLD, NEW), None, NEW),  # the most recent, whatever the order
    ((NEW, OLD), None, NEW),
    ((OLD, dict(OLD, name='var')), None, OLD),  # equally recent: the first (the fact)
    ((UNDATED, OLD), None, None),  # undated and dated: which is later is unknown (an error fact has no fetched_at)
    ((OLD, UNDATED), None, None),
    ((UNDATED, dict(UNDATED, name='var')), None, UNDATED),
    ((None, 'text', [NEW]), None, None),  # nothing stored
    ((OLD, None), '2026-03-01T00:05:00Z', None),  # the inventory read it later: its reading is hidden
    ((OLD, NEW), '2026-03-01T00:05:00Z', NEW),
    ((NEW, None), '2026-03-01T00:00:00Z', NEW),  # a fact read after the inventory's read
    ((NEW, None), '2026-03-01T01:05:00+01:00', NEW),  # the same instant in another zone
    ((UNDATED, None), '2026-03-01T00:00:00Z', None),
    ((NEW, None), 'yesterday', None),  # a read time that proves nothing never lets a reading through
    ((NEW, None), 1772323200, None),
])
def test_freshest_stored(readings, read_at, expected):
    assert freshest_stored(readings, read_at) is expected


def test_a_failed_flag_with_nodes_and_no_error_is_checked_again():
    """failed / failed_when_result without nodes is a module that never answered; with nodes (and no error) the data is checked."""
    data = report('single')
    data.update(failed=True, failed_when_result=True)
    result, error = support_report(data, now=NOW)
    assert (error, result['status'], result['topology']) == (None, 'ok', 'single')


def test_the_default_fail_on_is_critical():
    """check_gate_options() and gate_with_report() without fail_on: critical (a mutated default is no known level)."""
    assert check_gate_options() is None
    dummy, verdict = gate_with_report(report('single'), now=NOW)
    assert verdict['fail_on'] == 'critical'


@pytest.mark.parametrize('code', ['invalid_option', 'invalid_policy', 'password_change_required', 'missing_library',
                                  'module_failed'])
def test_a_wait_stopped_by_its_options_says_why_not_that_a_deadline_passed(code):
    stopped = {'failed': True, 'error': {'code': code, 'message': 'bad'}}
    assert gate_verdict(stopped, wait_timeout=300, attempts=1, source='api', checked_at='t')['message'] == (
        'cluster could not be checked: [%s] bad' % code)
