# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the checks (_checks.py): sizes, free space boundaries and the expiry message (issue 13)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import PolicyError, check, evaluate, report_from_normalized
from ansible_collections.wabiz.onprem.plugins.module_utils._support import normalize
# the policy helpers (moving to _policy): imported here only
from ansible_collections.wabiz.onprem.plugins.module_utils._checks import human_size, merge_policy, parse_size

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NOW = '2026-03-01T00:00:00Z'
LOGS = 14269902848  # free_space_logs of the single fixture (13.3 GiB); its other directories are unbounded


def findings(policy, mutate=None):
    with open(os.path.join(FIXTURES, 'single.json')) as handle:
        body = json.load(handle)
    if mutate:
        mutate(body['support'])
    return [(f['severity'], f['code'], f['message']) for f in evaluate(body, policy=policy, now=NOW)['findings']]


@pytest.mark.parametrize('value, size', [('5GiB', 5368709120), ('500MB', 500000000), ('1.5G', 1610612736), ('1024', 1024),
                                         (1024, 1024), (2.0, 2), ('1 TB', 1000000000000)])
def test_parse_size(value, size):
    assert parse_size(value) == size


@pytest.mark.parametrize('value, text', [(None, 'unknown'), (0, '0 B'), (1023, '1023 B'), (1024, '1.0 KiB'),
                                         (1048575, '1024.0 KiB'), (1048576, '1.0 MiB'), (2 ** 62, '4.0 EiB')])
def test_human_size(value, text):
    assert human_size(value) == text


def test_free_space_at_a_level_is_not_below_it():
    assert findings({'free_space_warning': LOGS, 'free_space_critical': LOGS}) == []
    assert findings({'free_space_warning': LOGS + 1, 'free_space_critical': LOGS}) == [
        ('warning', 'free_space_low', 'logs free space 13.3 GiB is below the warning level 13.3 GiB')]
    assert findings({'free_space_warning': LOGS + 1, 'free_space_critical': LOGS + 1}) == [
        ('critical', 'free_space_low', 'logs free space 13.3 GiB is below the critical level 13.3 GiB')]


def test_a_none_free_space_override_before_another_directory():
    assert findings({'free_space': {'data': None, 'logs': {'critical': LOGS + 1, 'warning': LOGS + 1}}}) == [
        ('critical', 'free_space_low', 'logs free space 13.3 GiB is below the critical level 13.3 GiB')]


def test_build_expired_minutes_ago():
    def expired(support):
        support['expire_timestamp'] = '2026-02-28T23:59:00'
    assert findings({}, expired) == [
        ('critical', 'build_expired', 'build expired 0.01 days ago (expire_timestamp 2026-02-28T23:59:00Z; expected a date '
         'in the future)')]


ALL_CODES = ('build_expired, build_expiring, control_shard_owner, coreapp_multiple_shards, db_engine_mismatch, field_invalid, '
             'field_missing, field_unreadable, free_space_low, multi_connect_mismatch, node_error, node_key_duplicate, '
             'primary_master_count, role_count_mismatch, schema_mismatch, secondary_master_missing, shard_count_inferred, '
             'shard_count_invalid, shard_count_unknown, shard_multiple_owners, shard_owner_role, shard_unowned, socket_conn_down, '
             'socket_conn_transient, standby_coreapp_missing, unregistered, version_mismatch')


def policy_error(policy):
    with pytest.raises(PolicyError) as caught:
        merge_policy(policy)
    return str(caught.value)


def test_unknown_finding_code_message_in_full():
    assert policy_error({'ignore': ['nope']}) == "policy ignore: unknown finding code 'nope' (known codes: %s)" % ALL_CODES
    assert policy_error({'severity': {7: 'warning'}}) == 'policy severity: unknown finding code 7 (known codes: %s)' % ALL_CODES


def test_node_errors_without_code_or_title_read_unknown_error():
    report = evaluate({'support': {'errors': [{}, {'code': 'E' * 45, 'title': 't'}, [1], True, 7]}}, now=NOW)
    assert [(f['code'], f['message']) for f in report['findings']] == [
        ('node_error', 'node answered with an error instead of its support data: unknown error; %s t; unknown error: [1]; '
         'unknown error: True; unknown error: 7' % ('E' * 40))]


def test_an_integer_warning_window_of_ten_days_is_written_10():
    def expiring(support):
        support['expire_timestamp'] = '2026-03-03T12:00:00'
    assert findings({'build_expiry_warning_days': 10}, expiring) == [
        ('warning', 'build_expiring', 'build expires in 2.5 days (expire_timestamp 2026-03-03T12:00:00Z), within the warning '
         'window of 10 days')]
    assert findings({'build_expiry_warning_days': '2.60'}, expiring) == [
        ('warning', 'build_expiring', 'build expires in 2.5 days (expire_timestamp 2026-03-03T12:00:00Z), within the warning '
         'window of 2.6 days')]


def test_stored_data_rechecked_under_a_policy_that_pins_the_shard_count():
    with open(os.path.join(FIXTURES, 'mc4.json')) as handle:
        stored = normalize(json.load(handle), now=NOW)   # no shard count read: 4, inferred
    assert [(f['code'], f['message']) for f in check(stored, {'expected_shards': 8}, now=NOW)] == [
        ('shard_unowned', 'shard %d has no owner (expected exactly one coreapp)' % shard) for shard in (4, 5, 6, 7)]
    cluster = report_from_normalized(stored, {'expected_shards': 8}, now=NOW)['cluster']
    assert (cluster['shard_count'], cluster['shard_count_source']) == (8, 'policy')
