# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the checks (_checks.py) and of the policy they run under: what the mutation runs showed unpinned (issue 13).

Behaviour only, through the public entry points (evaluate, check, report_from_normalized and the policy helpers), so that the
pins hold whatever the internal helpers are called."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import check, evaluate, report_from_normalized
from ansible_collections.wabiz.onprem.plugins.module_utils._support import normalize
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import PolicyError, human_size, merge_policy, parse_size

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
             'socket_conn_transient, socket_conn_unexpected, standby_coreapp_missing, unregistered, version_mismatch')


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


SIZE_HELP = ('expected bytes as an integer, or a number with a unit B, KB, MB, GB, TB (powers of 1000), K/KiB, M/MiB, G/GiB, T/TiB '
             '(powers of 1024)')


@pytest.mark.parametrize('value, size', [(0, 0), ('0', 0), ('0.5', 0), ('.5', 0), (1.9, 1), (2 ** 64, 2 ** 64), ('1.5 kib', 1536)])
def test_parse_size_edges(value, size):
    assert parse_size(value) == size


@pytest.mark.parametrize('value, message', [
    (2 ** 64 + 1, 'invalid size 18446744073709551617: expected 0 up to 2^64 bytes'),
    (-1, 'invalid size -1: expected 0 up to 2^64 bytes'),
    ('-1', "invalid size '-1': " + SIZE_HELP),
    (True, 'invalid size True: ' + SIZE_HELP),
    ('5 XB', "invalid size '5 XB': " + SIZE_HELP),
    ('1' * 65, "invalid size '11111111111111111...111111111111111111': " + SIZE_HELP),
    (float('inf'), 'invalid size inf: ' + SIZE_HELP),
    (None, 'invalid size None: ' + SIZE_HELP),
])
def test_parse_size_errors(value, message):
    with pytest.raises(ValueError) as caught:
        parse_size(value)
    assert str(caught.value) == message


def test_default_policy_in_full():
    assert merge_policy(None) == {
        'role_counts': {}, 'expected_shards': None, 'expected_version': None, 'expected_db_engine': None, 'min_secondary_masters': 1,
        'min_standby_coreapps': 1, 'free_space_warning': 5368709120, 'free_space_critical': 1073741824, 'free_space': {},
        'build_expiry_warning_days': 7, 'require_registered': True, 'severity': {}, 'ignore': []}


@pytest.mark.parametrize('policy, key, value', [
    ({'build_expiry_warning_days': '3'}, 'build_expiry_warning_days', 3),
    ({'build_expiry_warning_days': ' 2.5 '}, 'build_expiry_warning_days', 2.5),
    ({'build_expiry_warning_days': 0}, 'build_expiry_warning_days', 0),
    ({'ignore': 'node_error'}, 'ignore', ['node_error']),
    ({'ignore': ('node_error', 'unregistered', 'node_error')}, 'ignore', ['node_error', 'unregistered']),
    ({'severity': {'node_error': ' Warning '}}, 'severity', {'node_error': 'warning'}),
    ({'expected_version': ' v2.57.2 '}, 'expected_version', 'v2.57.2'),
    ({'expected_db_engine': ' pgsql '}, 'expected_db_engine', 'PGSQL'),
    ({'expected_shards': '16'}, 'expected_shards', 16),
    ({'role_counts': {'coreapp': '3', 'single': None}}, 'role_counts', {'coreapp': 3}),
    ({'min_standby_coreapps': 1000000}, 'min_standby_coreapps', 1000000),
    ({'min_standby_coreapps': 0}, 'min_standby_coreapps', 0),
    ({'free_space': {'data': None, 'logs': {'warning': '1K', 'critical': None}, 'media_incoming': {}}}, 'free_space', {'logs': {'warning': 1024}}),
    ({'require_registered': 'off'}, 'require_registered', False),
])
def test_policy_values(policy, key, value):
    assert merge_policy(policy)[key] == value


@pytest.mark.parametrize('policy, message', [
    (5, 'policy: expected a mapping, got 5'),
    ({1: 2, 'x': 3}, "policy: unknown key(s) 1, 'x' (known keys: role_counts, expected_shards, expected_version, expected_db_engine, "
                     'min_secondary_masters, min_standby_coreapps, free_space_warning, free_space_critical, free_space, '
                     'build_expiry_warning_days, require_registered, severity, ignore)'),
    ({'severity': {'node_error': 1}}, 'policy severity.node_error: expected warning or critical, got 1'),
    ({'severity': []}, 'policy severity: expected a mapping of finding code -> warning|critical, got []'),
    ({'build_expiry_warning_days': -1}, 'policy build_expiry_warning_days: expected a number of days from 0 to 1000000, got -1'),
    ({'build_expiry_warning_days': 1000000.5}, 'policy build_expiry_warning_days: expected a number of days from 0 to 1000000, got 1000000.5'),
    ({'build_expiry_warning_days': True}, 'policy build_expiry_warning_days: expected a number of days from 0 to 1000000, got True'),
    ({'build_expiry_warning_days': '1e3'}, "policy build_expiry_warning_days: expected a number of days from 0 to 1000000, got '1e3'"),
    ({'expected_shards': 3}, 'policy expected_shards: expected one of 1, 2, 4, 8, 16, 32, got 3'),
    ({'expected_shards': 'x'}, "policy expected_shards: expected one of 1, 2, 4, 8, 16, 32, got 'x'"),
    ({'min_standby_coreapps': 1000001}, 'policy min_standby_coreapps: expected an integer from 0 to 1000000, got 1000001'),
    ({'min_secondary_masters': -1}, 'policy min_secondary_masters: expected an integer from 0 to 1000000, got -1'),
    ({'role_counts': {'coreapp': 'x'}}, "policy role_counts.coreapp: expected an integer from 0 to 1000000, got 'x'"),
    ({'role_counts': {'boss': 1}}, "policy role_counts: unknown role 'boss' (known roles: primary_master, secondary_master, coreapp, single, "
                                   'unknown)'),
    ({'role_counts': []}, 'policy role_counts: expected a mapping of role -> count, got []'),
    ({'expected_version': ' '}, "policy expected_version: expected a version string such as v2.57.2, got ' '"),
    ({'expected_version': 2}, 'policy expected_version: expected a version string such as v2.57.2, got 2'),
    ({'expected_db_engine': 'oracle'}, "policy expected_db_engine: expected MYSQL or PGSQL, got 'oracle'"),
    ({'expected_db_engine': 1}, 'policy expected_db_engine: expected MYSQL or PGSQL, got 1'),
    ({'free_space': []}, 'policy free_space: expected a mapping of directory -> {warning, critical}, got []'),
    ({'free_space': {'disk': {}}}, "policy free_space: unknown directory 'disk' (known directories: data, logs, media_incoming, media_outgoing)"),
    ({'free_space': {'data': 5}}, 'policy free_space.data: expected a mapping with warning and/or critical, got 5'),
    ({'free_space': {'data': {'low': 1}}}, "policy free_space.data: unknown key 'low' (known keys: warning, critical)"),
    ({'free_space': {'data': {'warning': 'x'}}}, "policy free_space.data.warning: invalid size 'x': " + SIZE_HELP),
    ({'require_registered': 'maybe'}, "policy require_registered: expected a boolean, got 'maybe'"),
    ({'ignore': 5}, 'policy ignore: expected a list of finding codes, got 5'),
    ({'free_space_warning': 'lots'}, "policy free_space_warning: invalid size 'lots': " + SIZE_HELP),
    ({'free_space_critical': -1}, 'policy free_space_critical: invalid size -1: expected 0 up to 2^64 bytes'),
])
def test_policy_error_messages(policy, message):
    assert policy_error(policy) == message


def test_an_upper_case_v_in_a_version():
    assert findings({'expected_version': 'V2.57.2'}) == []

    def upper(support):
        support['version'] = 'V2.57.3'
    assert findings({'expected_version': 'v2.57.3'}, upper) == []
    assert findings({'expected_version': '2.57.2'}, upper) == [
        ('warning', 'version_mismatch', 'node runs version V2.57.3 (expected 2.57.2)')]


def node(role, shards=None, sock='UP', **fields):
    entry = dict(fields, role=role)
    if sock:
        entry['socket_conn'] = sock
    if shards is not None:
        entry['shards'] = shards
    return entry


TOPOLOGY_CASES = {
    'mc, no primary master': (
        {'c0': node('coreapp', [[0, 0]]), 'c1': node('coreapp', [[-1, -1], [1, 1]])}, {'expected_shards': 2}, [
            ('control_shard_owner', None, 'control shard -1 is owned by c1 (coreapp) (expected the primary master)'),
            ('primary_master_count', None, 'cluster has 0 primary_master nodes (expected exactly 1)')]),
    'mc, two primary masters': (
        {'p1': node('primary_master'), 'p2': node('primary_master'), 'c0': node('coreapp', [[-1, 0]]), 'c1': node('coreapp', [[1, 1]])},
        {'expected_shards': 2}, [
            ('control_shard_owner', None, 'control shard -1 is owned by c0 (coreapp) (expected the primary master)'),
            ('primary_master_count', None, 'cluster has 2 primary_master nodes (p1, p2) (expected exactly 1)')]),
    'mc, control shard on a coreapp': (
        {'p': node('primary_master'), 'c0': node('coreapp', [[-1, 0]]), 'c1': node('coreapp', [[1, 1]])}, {'expected_shards': 2}, [
            ('control_shard_owner', None, 'control shard -1 is owned by c0 (coreapp) (expected the primary master p)')]),
    'ha, shard 0 unowned': (
        {'c0': node('coreapp', [[-1, -1]]), 'p': node('primary_master', sock='DN')}, {'expected_shards': 1}, [
            ('control_shard_owner', None, 'control shard -1 is owned by c0 (coreapp) (expected the coreapp owning shard 0)'),
            ('shard_unowned', None, 'shard 0 has no owner (expected exactly one coreapp)')]),
    'ha, control shard apart from shard 0': (
        {'c0': node('coreapp', [[0, 0]]), 'c1': node('coreapp', [[-1, -1]]), 'p': node('primary_master', sock='DN')}, {'expected_shards': 1}, [
            ('control_shard_owner', None, 'control shard -1 is owned by c1 (coreapp) (expected the coreapp owning shard 0, c0)')]),
    'ha, shard 0 on a master': (
        {'m': node('secondary_master', [[0, 0]]), 'c1': node('coreapp', [[-1, -1]]), 'p': node('primary_master', sock='DN')},
        {'expected_shards': 1}, [
            ('control_shard_owner', None, 'control shard -1 is owned by c1 (coreapp) (expected the coreapp owning shard 0)'),
            ('shard_owner_role', 'm', 'node (secondary_master) owns message shard 0 (expected message shards on coreapps only)')]),
    'mc sockets': (
        {'p': node('primary_master', sock='DN'), 'c0': node('coreapp', [[-1, -1]], sock=None), 'c1': node('coreapp', [[0, 1]], sock='sc'),
         'c2': node('coreapp', [[2, 3]], sock='up  receiving   OFFLINE'), 'c3': node('coreapp', [[3, 3]], sock='UNK')},
        {'expected_shards': 4}, [
            ('control_shard_owner', None, 'control shard -1 is owned by c0 (coreapp) (expected the primary master p)'),
            ('coreapp_multiple_shards', 'c1', 'coreapp owns 2 message shards 0, 1 (expected at most one)'),
            ('coreapp_multiple_shards', 'c2', 'coreapp owns 2 message shards 2, 3 (expected at most one)'),
            ('shard_multiple_owners', None, 'shard 3 is owned by 2 nodes: c2, c3 (expected exactly one)'),
            ('socket_conn_down', 'c3', 'node must be connected (it owns shard 3) but socket_conn is UNK (expected UP)'),
            ('socket_conn_down', 'p', 'node must be connected (primary master) but socket_conn is DN (expected UP)'),
            ('socket_conn_transient', 'c1', 'node must be connected (it owns shard 0, 1) but socket_conn is SC (still connecting; expected UP)'),
            ('socket_conn_transient', 'c2', 'node must be connected (it owns shard 2, 3) but socket_conn is UP receiving offline (still '
             'connecting; expected UP)')]),
    'ha sockets': (
        {'p': node('primary_master', [[-1, -1]], sock='DN'), 'c1': node('coreapp', [[0, 0]], sock=None), 'c2': node('coreapp', [[0, 0]], sock='weird')},
        {'expected_shards': 1}, [
            ('control_shard_owner', None, 'control shard -1 is owned by p (primary_master) (expected the coreapp owning shard 0, c1, c2)'),
            ('shard_multiple_owners', None, 'shard 0 is owned by 2 nodes: c1, c2 (expected exactly one)'),
            ('socket_conn_down', 'c1', 'node must be connected (it owns shard 0) but socket_conn is missing (expected UP)'),
            ('socket_conn_down', 'c2', 'node must be connected (it owns shard 0) but socket_conn is weird (expected UP)')]),
    'ha, nobody owns shard 0: no node must be connected': (
        {'p': node('primary_master', sock='DN'), 'c1': node('coreapp', [[-1, -1]], sock='DN')}, {'expected_shards': 1}, [
            ('control_shard_owner', None, 'control shard -1 is owned by c1 (coreapp) (expected the coreapp owning shard 0)'),
            ('shard_unowned', None, 'shard 0 has no owner (expected exactly one coreapp)')]),
    'expiry at its boundaries': (
        {'p': node('primary_master', expire_timestamp=NOW), 'q': node('coreapp', expire_timestamp='2026-03-08T00:00:00Z'),
         'r': node('coreapp', expire_timestamp='2026-03-07T23:45:36Z')},
        {'expected_shards': 1, 'ignore': ['field_missing', 'shard_unowned', 'socket_conn_unexpected']}, [
            ('build_expiring', 'p', 'build expires in 0 days (expire_timestamp 2026-03-01T00:00:00Z), within the warning window of 7 days'),
            ('build_expiring', 'r', 'build expires in 6.99 days (expire_timestamp 2026-03-07T23:45:36Z), within the warning window of 7 days')]),
    'schemas': (
        {'a': node('primary_master', schema={'x': 1, 'y': 2, 'z': 3}), 'b': node('coreapp', schema={'x': 1, 'y': 3, 'z': 4}),
         'c': node('coreapp', schema={'x': 1, 'y': 3, 'z': 4}), 'd': node('coreapp', schema={'x': 1, 'w': 5, 'y': 2, 'z': 3})},
        {'expected_shards': 1, 'ignore': ['field_missing', 'shard_unowned', 'socket_conn_unexpected']}, [
            ('schema_mismatch', None, 'nodes report 3 different schema objects (expected one; differing keys: w, y, z): w=None, y=2, z=3 on a; '
             'w=None, y=3, z=4 on b, c; w=5, y=2, z=3 on d')]),
}


@pytest.mark.parametrize('case', sorted(TOPOLOGY_CASES))
def test_cluster_findings_in_full(case):
    nodes, extra, expected = TOPOLOGY_CASES[case]
    policy = {'ignore': ['field_missing'], 'min_standby_coreapps': 0, 'min_secondary_masters': 0}
    policy.update(extra)
    report = evaluate({'support': nodes}, policy=policy, now=NOW)
    assert [(f['code'], f['node'], f['message']) for f in report['findings']] == expected


MISSING = 'field %s is missing, so the gate cannot prove what depends on it (expected it in every support answer)'
NO_DEBUG_INFO = ('field debug_info is missing or empty, so the gate cannot prove the node registered (expected the business phone number; '
                 'require_registered is on)')


def test_missing_fields_in_full():
    def drop(support):
        del support['debug_info'], support['expire_timestamp'], support['free_space_data']
    assert findings({}, drop) == [('critical', 'field_missing', NO_DEBUG_INFO), ('critical', 'field_missing', MISSING % 'expire_timestamp'),
                                  ('critical', 'field_missing', MISSING % 'free_space_data')]
    assert findings({'require_registered': False}, drop) == [('critical', 'field_missing', MISSING % 'expire_timestamp'),
                                                             ('critical', 'field_missing', MISSING % 'free_space_data')]

    def blank_debug_info(support):
        support['debug_info'] = ' '
    assert findings({}, blank_debug_info) == [('critical', 'field_missing', NO_DEBUG_INFO)]


@pytest.mark.parametrize('policy, status, found', [
    ({}, 'ok', []),
    ({'free_space_warning': '20GiB'}, 'warning', [('warning', 'free_space_low')]),
    ({'free_space_warning': '20GiB', 'free_space_critical': '20GiB'}, 'critical', [('critical', 'free_space_low')]),
    ({'free_space_warning': '20GiB', 'expected_version': 'v1', 'severity': {'version_mismatch': 'critical'}}, 'critical',
     [('critical', 'version_mismatch'), ('warning', 'free_space_low')]),
    ({'free_space_warning': '20GiB', 'severity': {'free_space_low': 'critical'}}, 'critical', [('critical', 'free_space_low')]),
    ({'free_space_warning': '20GiB', 'ignore': 'free_space_low'}, 'ok', []),
])
def test_report_status_and_shape(policy, status, found):
    with open(os.path.join(FIXTURES, 'single.json')) as handle:
        body = json.load(handle)
    report = evaluate(body, policy=policy, now=NOW, single_name='wa-1')
    assert sorted(report) == ['cluster', 'findings', 'nodes', 'policy', 'status', 'topology']
    assert (report['status'], report['topology'], report['nodes'][0]['name']) == (status, 'single', 'wa-1')
    assert [(f['severity'], f['code']) for f in report['findings']] == found
    assert report['policy']['free_space_warning'] == (21474836480 if policy else 5368709120)


@pytest.mark.parametrize('extra, expected', [
    ({}, [('db_engine_mismatch', None, 'nodes use 2 different database engines (expected one): MYSQL on a; PGSQL on b, d'),
          ('version_mismatch', None, 'nodes run 2 different versions (expected one): 2.1 on a, b; 2.2 on c')]),
    ({'expected_version': 'v2.1', 'expected_db_engine': 'pgsql'}, [
        ('db_engine_mismatch', 'a', 'node uses database engine MYSQL (expected PGSQL)'),
        ('version_mismatch', 'c', 'node runs version v2.2 (expected v2.1)')]),
])
def test_version_and_engine_consistency(extra, expected):
    nodes = {'a': node('primary_master', version='v2.1', db_engine='mysql'), 'b': node('coreapp', version='2.1', db_engine='PGSQL'),
             'c': node('coreapp', version='v2.2'), 'd': node('coreapp', db_engine='PGSQL')}
    policy = {'ignore': ['field_missing', 'shard_unowned', 'shard_count_unknown'], 'min_standby_coreapps': 0, 'min_secondary_masters': 0}
    policy.update(extra)
    assert [(f['code'], f['node'], f['message']) for f in evaluate({'support': nodes}, policy=policy, now=NOW)['findings']] == expected


def test_days_of_the_policy_keep_their_type_and_bounds():
    assert repr(merge_policy({'build_expiry_warning_days': '3'})['build_expiry_warning_days']) == '3'
    assert repr(merge_policy({'build_expiry_warning_days': '3.0'})['build_expiry_warning_days']) == '3.0'
    assert merge_policy({'build_expiry_warning_days': 1000000})['build_expiry_warning_days'] == 1000000
    assert merge_policy({'build_expiry_warning_days': '0' * 63 + '5'})['build_expiry_warning_days'] == 5
    assert policy_error({'build_expiry_warning_days': '0' * 64 + '5'}) == (
        "policy build_expiry_warning_days: expected a number of days from 0 to 1000000, got '00000000000000000...000000000000000005'")


def test_a_node_skipped_by_a_check_never_hides_the_nodes_after_it():
    """A node in error (no missing-field check) or without an expiry comes first by name: the node after it is still
    checked (a loop that stopped there would pass it)."""
    body = {'support': {'10.0.0.1:a': {'role': 'coreapp', 'errors': [{'code': 1005, 'title': 'Access denied'}]},
                        '10.0.0.2:b': {'role': 'coreapp', 'expire_timestamp': '2026-02-01T00:00:00Z'}}}
    found = set((f['code'], f['node']) for f in evaluate(body, now=NOW)['findings'])
    assert ('field_missing', '10.0.0.2:b') in found and ('field_missing', '10.0.0.1:a') not in found
    assert ('build_expired', '10.0.0.2:b') in found
