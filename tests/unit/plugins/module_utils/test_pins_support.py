# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the support parser (_support.py): what the mutation runs showed unpinned (issue 13).

Behaviour only, through the public functions (normalize, refresh, redact, to_int...): whole normalized nodes and
summaries, reasons and error messages compared with literals."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils import _support
from ansible_collections.wabiz.onprem.plugins.module_utils._support import (
    FLAT_FIELDS, days_until, is_keyed, parse_shard_count, split_key, to_bool, to_int)
from ansible_collections.wabiz.onprem.plugins.module_utils._support import SupportShapeError, json_object_pairs, normalize, refresh

UTC = timezone.utc


@pytest.mark.parametrize('value, expected', [
    (4, (4, None)), (4.0, (4, None)), (-2.0, (-2, None)), (' +7 ', (7, None)), ('-1', (-1, None)),
    (1.9, (None, 'expected an integer, got 1.9')), (True, (None, 'expected an integer, got bool')),
    (float('nan'), (None, 'expected an integer, got nan')), ('4.0', (None, "expected an integer, got '4.0'")),
    ('1' * 100, (int('1' * 100), None)), (None, (None, 'expected an integer, got null')),
])
def test_to_int(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize('value, expected', [
    (1, (1, None)), (4.0, (4, None)), ('32', (32, None)),
    (0, (None, 'account.shards is not a shard count: 0')),
    (1.5, (None, 'account.shards is not a shard count: expected an integer, got 1.5')),
])
def test_parse_shard_count(value, expected):
    assert parse_shard_count(value) == expected


@pytest.mark.parametrize('value, expected', [
    (True, (True, None)), (0, (False, None)), (1, (True, None)), (' YES ', (True, None)), ('off', (False, None)),
    (2, (None, 'expected a boolean, got int')), ('maybe', (None, "expected a boolean, got 'maybe'")),
])
def test_to_bool(value, expected):
    assert to_bool(value) == expected


def test_flat_fields_literal_and_each_member_makes_a_flat_body():
    assert FLAT_FIELDS == frozenset((
        'context', 'db_engine', 'db_info', 'debug_info', 'description', 'device_iso8601', 'e2e', 'env',
        'expire_timestamp', 'free_space_data', 'free_space_logs', 'free_space_media_incoming',
        'free_space_media_outgoing', 'lc', 'lg', 'multi_connect', 'os_name', 'os_version', 'schema',
        'socket_conn', 'version', 'role', 'shards', 'errors'))
    for field in sorted(FLAT_FIELDS):
        assert is_keyed({field: 1, '10.0.0.1:wa-core-0': {}}) is False, field
    assert is_keyed({'10.0.0.1:wa-core-0': {}, 'node': 1}) is True


def shards_of(shards):
    node = normalize({'support': {'h:a': {'role': 'coreapp', 'shards': shards}}}, now='2026-03-01T00:00:00Z')['nodes'][0]
    return node['shards'], [(item['field'], item['reason']) for item in node['invalid_fields']]


def test_shard_map_reasons_name_every_bad_entry_after_the_first():
    # any bad entry makes the whole map unprovable: no shard is owned, and every bad entry is named
    assert shards_of(['x', [0, 1], 3]) == ([], [('shards', "shard map unprovable: shard 'x': expected an integer, got 'x'")])
    assert shards_of([[0], [2, 1], [-2, 0], [0, 32], [1, 'a'], [4.0, 5]]) == ([], [('shards', (
        'shard map unprovable: range [0] does not have exactly two ids; range [2, 1] is reversed; range [-2, 0] is outside the shard '
        "ids -1..31; range [0, 32] is outside the shard ids -1..31; range [1, 'a']: expected an integer, got 'a'"))])
    assert shards_of(['x', 'y']) == ([], [('shards', "shard map unprovable: shard 'x': expected an integer, got 'x'; shard 'y': expected "
                                                     "an integer, got 'y'")])
    reason = "shard map unprovable: range [1, 'a']: expected an integer, got 'a'; range [2, 1] is reversed"
    assert shards_of([[1, 'a'], [2, 1]]) == ([], [('shards', reason)])
    assert shards_of([[-1, 31]]) == (list(range(-1, 32)), [])
    assert shards_of([(0, 1), 2.0, [1, 1]]) == ([0, 1, 2], [])
    assert shards_of([0] * 65) == ([], [('shards', 'shard map unprovable: 65 entries (a node owns at most 33 shard ids)')])
    assert shards_of([0] * 64) == ([0], [])


def test_days_until():
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert days_until(datetime(2026, 3, 2, 12, tzinfo=UTC), now) == 1.5
    assert days_until(datetime(2026, 2, 28, 23, 59, tzinfo=UTC), now) == -0.01   # expired minutes ago: never 0.0
    assert days_until(datetime(2026, 2, 27, tzinfo=UTC), now) == -2.0
    assert days_until(now, now) == 0.0


def test_split_key():
    assert split_key('10.0.0.1:wa-core-0') == ('10.0.0.1', 'wa-core-0')
    assert split_key('fd00::1:wa-core-0') == ('fd00::1', 'wa-core-0')
    assert split_key('node') == ('node', None)


def test_redact_a_flat_env_given_as_one_string_and_env_objects():
    assert _support.redact({'support': {'env': 'WA_DB_PASSWORD=hunter2', 'version': 'v2'}}) == {
        'support': {'env': 'WA_DB_PASSWORD=********', 'version': 'v2'}}
    assert _support.redact({'support': {'env': [{'name': 'WA_DB_PASSWORD'}, {'name': 'X_TOKEN', 'value': 't'}, 'A=1'],
                                        'version': 'v2'}}) == {
        'support': {'env': [{'name': 'WA_DB_PASSWORD'}, {'name': 'X_TOKEN', 'value': '********'}, 'A=1'], 'version': 'v2'}}


NOW = '2026-03-01T00:00:00Z'


def invalid_fields(body):
    return [(node['name'], [(item['field'], item['reason']) for item in node['invalid_fields']]) for node in normalize(body, now=NOW)['nodes']]


def test_every_unusable_field_of_a_keyed_node_with_its_reason():
    body = {'support': {
        'h:a': {'role': None, 'shards': 'x', 'socket_conn': 5, 'version': True, 'debug_info': [], 'expire_timestamp': 5,
                'free_space_data': {}, 'db_engine': 3, 'schema': [], 'multi_connect': 'maybe', 'errors': 'oops'},
        'h:b': {'role': 'boss', 'shards': [[0, 1]], 'expire_timestamp': '2026-02-30', 'free_space_logs': -1, 'schema': {'a': 'x'},
                'db_engine': '  '},
        'h:c': {'role': 'Primary-Master', 'expire_timestamp': 'x' * 50, 'free_space_data': 1.5, 'multi_connect': None},
    }}
    assert invalid_fields(body) == [
        ('h:a', [('errors', 'expected a list of error objects, got string'),
                 ('role', 'missing: a node of an HA/multiconnect body must say its role'),
                 ('shards', 'shard map unprovable: expected a list of [start, end] ranges, got string'),
                 ('socket_conn', 'expected a string such as UP or DN, got int'),
                 ('version', 'expected a string, got bool'),
                 ('debug_info', 'expected a string, got list'),
                 ('expire_timestamp', 'expected an ISO 8601 timestamp string, got int'),
                 ('free_space_data', 'expected an integer number of bytes, got object'),
                 ('db_engine', 'expected MYSQL or PGSQL, got 3'),
                 ('schema', 'expected an object of name -> integer, got list'),
                 ('multi_connect', "expected a boolean, got 'maybe'")]),
        ('h:b', [('role', "unrecognised role 'boss'"),
                 ('expire_timestamp', "not a valid date/time: '2026-02-30' (day is out of range for month)"),
                 ('free_space_logs', 'negative number of bytes: -1'),
                 ('db_engine', "expected MYSQL or PGSQL, got '  '"),
                 ('schema', "'a': expected an integer, got 'x'")]),
        ('h:c', [('expire_timestamp', "not an ISO 8601 timestamp: 'xxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxx'"),
                 ('free_space_data', 'expected an integer number of bytes, got 1.5')]),
    ]
    assert [node['role'] for node in normalize(body, now=NOW)['nodes']] == ['unknown', 'unknown', 'primary_master']


def expiry(stamp, now=NOW):
    node = normalize({'support': {'version': 'v2', 'expire_timestamp': stamp}}, now=now)['nodes'][0]
    return node['expire_timestamp'], node['expires_in_days'], [(item['field'], item['reason']) for item in node['invalid_fields']]


@pytest.mark.parametrize('stamp, expected', [
    ('2026-03-01T05:30:00+05:30', ('2026-03-01T00:00:00Z', 0.0, [])),
    ('2026-03-01T05:30+0530', ('2026-03-01T00:00:00Z', 0.0, [])),
    ('2026-02-28T23:00:00-01:00', ('2026-03-01T00:00:00Z', 0.0, [])),
    ('2026-03-01T23:59:00+23:59', ('2026-03-01T00:00:00Z', 0.0, [])),
    ('2026-03-01 12:00:00,25z', ('2026-03-01T12:00:00Z', 0.5, [])),
    ('2026-03-01', ('2026-03-01T00:00:00Z', 0.0, [])),
    ('2026-03-02T00:00:00+24:00', (None, None, [('expire_timestamp', "not a valid zone offset: '2026-03-02T00:00:00+24:00'")])),
    ('0001-01-01T00:00:00+01:00', (None, None, [('expire_timestamp', "outside the years 1..9999 in UTC: '0001-01-01T00:00:00+01:00'")])),
    ('9999-12-31T23:59:59-00:01', (None, None, [('expire_timestamp', "outside the years 1..9999 in UTC: '9999-12-31T23:59:59-00:01'")])),
])
def test_expire_timestamp_zones(stamp, expected):
    assert expiry(stamp) == expected


@pytest.mark.parametrize('stamp, now, days', [
    ('2026-03-01T00:00:00Z', '2026-03-01T00:00:00.5Z', -0.01),          # half a second past: expired
    ('2026-03-01T00:00:00Z', '2026-03-01T00:00:00.000001Z', -0.01),
    ('2026-03-01T00:00:00Z', '2026-03-01T00:00:00.0000001Z', 0.0),      # the 7th digit is below a microsecond
    ('2026-03-01T00:00:00.4Z', '2026-03-01T00:00:00.5Z', -0.01),
    ('2026-03-01T00:00:00.6Z', '2026-03-01T00:00:00.5Z', 0.0),
    ('2026-03-01T00:00:00.5Z', '2026-03-01T00:00:00.50Z', 0.0),
    ('2026-03-01T00:00:00Z', datetime(2026, 3, 1, 1, tzinfo=timezone(timedelta(hours=1))), 0.0),
    ('2026-03-01T00:00:00Z', datetime(2026, 3, 1, 0, 0, 1), -0.01),      # naive: UTC
])
def test_expiry_against_fractions_of_now(stamp, now, days):
    assert expiry(stamp, now)[1] == days


def test_a_bad_now():
    with pytest.raises(TypeError) as caught:
        normalize({'support': {}}, now=5)
    assert str(caught.value) == 'now must be a datetime, an ISO 8601 string or None, got int'


def keyed(*nodes):
    return {'support': dict(('h:%d' % index, node) for index, node in enumerate(nodes))}


def shard_summary(body, **kwargs):
    cluster = normalize(body, now=NOW, **kwargs)['cluster']
    return (cluster['topology'], cluster['shard_count'], cluster['shard_count_source'], cluster['shard_count_rejected'],
            cluster['unowned_shards'])


@pytest.mark.parametrize('kwargs, expected', [
    ({'shard_count': 32}, ('multiconnect', 32, 'api', None, list(range(1, 32)))),
    ({'shard_count': 33}, ('unknown', 33, 'api', None, [])),
    ({'shard_count': 0}, ('unknown', 0, 'api', None, [])),
    ({'shard_count': 'x'}, ('ha', 1, 'inferred', "GET /v1/account/shards: account.shards is not a shard count: expected an integer, "
                                                 "got 'x'", [])),
    ({'shard_count': True}, ('ha', 1, 'inferred', 'GET /v1/account/shards: account.shards is not a shard count: expected an integer, '
                                                  'got bool', [])),
    ({'shard_count': 1.5, 'expected_shards': 4}, ('multiconnect', 4, 'policy', 'GET /v1/account/shards: account.shards is not a shard '
                                                                               'count: expected an integer, got 1.5', [1, 2, 3])),
    ({'expected_shards': '2'}, ('multiconnect', 2, 'policy', None, [1])),
])
def test_shard_count_sources(kwargs, expected):
    assert shard_summary(keyed({'role': 'coreapp', 'shards': [[-1, 0]]}), **kwargs) == expected


@pytest.mark.parametrize('shards, expected', [
    ([[-1, 0]], ('multiconnect', 2, 'inferred', None, [1])),       # a master owning -1: multiconnect, at least 2 shards
    ([[0, 0]], ('ha', 1, 'inferred', None, [-1])),
    ([[-1, 31]], ('multiconnect', 32, 'inferred', None, [])),
    ([[5, 5]], ('multiconnect', 8, 'inferred', None, [-1, 0, 1, 2, 3, 4, 6, 7])),
    ([], ('unknown', None, 'unknown', None, [-1, 0])),
    ([[-1, -1]], ('unknown', None, 'unknown', None, [0])),
])
def test_inferred_shard_count(shards, expected):
    assert shard_summary(keyed({'role': 'primary_master', 'shards': shards})) == expected


def test_min_free_space_leaves_out_unbounded_values():
    body = keyed({'role': 'coreapp', 'free_space_data': 2 ** 62, 'free_space_logs': 5},
                 {'role': 'coreapp', 'free_space_data': 2 ** 62 - 1, 'free_space_logs': 5},
                 {'role': 'coreapp', 'free_space_logs': 7})
    assert normalize(body, now=NOW)['cluster']['min_free_space'] == {
        'data': 4611686018427387903, 'logs': 5, 'media_incoming': None, 'media_outgoing': None}


def shape_error(call, *args, **kwargs):
    with pytest.raises(SupportShapeError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def deep(levels):
    value = 1
    for dummy in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize('body, message', [
    ([], 'expected a JSON object with a "support" object, got list'),
    (None, 'expected a JSON object with a "support" object, got null'),
    ({'support': []}, 'expected "support" to be an object, got list'),
    ({'support': None}, 'expected "support" to be an object, got null'),
    (json.loads('{"support": {}, "support": {}}', object_pairs_hook=json_object_pairs), 'the key "support" appears more than once in the body'),
    ({'support': dict(('h:%d' % index, {}) for index in range(1026))}, '"support" has 1026 entries (at most 1024 nodes accepted)'),
    ({'support': {'h:a': deep(32)}}, 'the body nests deeper than 32 levels'),
    ({'support': {'h:a': list(range(10001))}}, 'a list or object of the body has 10001 entries (at most 10000 accepted)'),
])
def test_shape_errors_of_normalize(body, message):
    assert shape_error(normalize, body, now=NOW) == message


def test_the_limits_themselves_are_accepted():
    assert len(normalize({'support': dict(('h:%d' % index, {}) for index in range(1024))}, now=NOW)['nodes']) == 1024
    for entry in (deep(31), list(range(10000))):
        assert invalid_fields({'support': {'h:a': entry}}) == [('h:a', [('node', 'expected an object, got list')])]


STORED_ERRORS = [
    (lambda data: data.pop('cluster'), 'top level: expected the output of normalize() or a report (a mapping with topology, nodes and cluster)'),
    (lambda data: data.update(topology='star'), 'topology: expected one of single, ha, multiconnect, unknown'),
    (lambda data: data.update(nodes={}), 'nodes: expected a list of at most 1024 nodes'),
    (lambda data: data.update(cluster=[]), 'cluster: expected an object'),
    (lambda data: data.update(topology='single', nodes=data['nodes'] * 2), 'nodes: expected exactly one node for a single instance, got 2'),
    (lambda data: data['cluster'].update(shard_count=10 ** 6), 'cluster.shard_count: expected an integer or null'),
    (lambda data: data['cluster'].update(shard_count=True), 'cluster.shard_count: expected an integer or null'),
    (lambda data: data['cluster'].update(shard_count_source='x'), 'cluster.shard_count_source: expected one of api, policy, inferred, unknown'),
    (lambda data: data['nodes'].append(5), 'nodes[1]: expected a normalized node (an object)'),
    (lambda data: data['nodes'][0].update(name=5), 'nodes[0].name: expected a string'),
    (lambda data: data['nodes'][0].update(hostname=5), "node 'h:a'.hostname: expected a string or null"),
    (lambda data: data['nodes'][0].update(role='boss'), "node 'h:a'.role: expected one of primary_master, secondary_master, coreapp, single, unknown"),
    (lambda data: data['nodes'][0].update(shards=[32]), "node 'h:a'.shards: expected a list of shard ids -1..31"),
    (lambda data: data['nodes'][0].update(shards=[True]), "node 'h:a'.shards: expected a list of shard ids -1..31"),
    (lambda data: data['nodes'][0].update(registered='yes'), "node 'h:a'.registered: expected a boolean or null"),
    (lambda data: data['nodes'][0].update(free_space={'data': -1}), "node 'h:a'.free_space.data: expected bytes or null"),
    (lambda data: data['nodes'][0].update(schema={'a': 'b'}), "node 'h:a'.schema: expected an object of name -> integer or null"),
    (lambda data: data['nodes'][0].update(errors=[1]), "node 'h:a'.errors: expected a list of objects"),
    (lambda data: data['nodes'][0].update(expire_timestamp='x'), "node 'h:a'.expire_timestamp: not an ISO 8601 timestamp: 'x'"),
    (lambda data: data['cluster'].update(duplicate_node_keys=[1]), 'cluster.duplicate_node_keys: expected a list of strings'),
    (lambda data: data['nodes'][0].update(free_space=5), "node 'h:a'.free_space: expected an object"),
    (lambda data: data['nodes'][0].update(free_space={'logs': True}), "node 'h:a'.free_space.logs: expected bytes or null"),
    (lambda data: data['nodes'][0].update(free_space={'media_outgoing': 1.0}), "node 'h:a'.free_space.media_outgoing: expected bytes or null"),
    (lambda data: data['nodes'][0].update(multi_connect='x'), "node 'h:a'.multi_connect: expected a boolean or null"),
    (lambda data: data['nodes'][0].update(shards='x'), "node 'h:a'.shards: expected a list of shard ids -1..31"),
    (lambda data: data['nodes'][0].update(shards=[-2]), "node 'h:a'.shards: expected a list of shard ids -1..31"),
    (lambda data: data['nodes'][0].update(schema={'a': True}), "node 'h:a'.schema: expected an object of name -> integer or null"),
    (lambda data: data['nodes'][0].update(schema=[]), "node 'h:a'.schema: expected an object of name -> integer or null"),
    (lambda data: data['nodes'][0].update(invalid_fields='x'), "node 'h:a'.invalid_fields: expected a list of objects"),
    (lambda data: data['nodes'][0].update(invalid_fields=[{}] * 10001), "node 'h:a'.invalid_fields: expected a list of objects"),
    (lambda data: data['nodes'][0].update(errors=[{}, 'x']), "node 'h:a'.errors: expected a list of objects"),
    (lambda data: data['nodes'][0].update(expire_timestamp=5), "node 'h:a'.expire_timestamp: expected an ISO 8601 timestamp string, got int"),
    (lambda data: data['nodes'][0].update(version=2), "node 'h:a'.version: expected a string or null"),
    (lambda data: data['nodes'][0].update(lg=[]), "node 'h:a'.lg: expected a string or null"),
    (lambda data: data.update(nodes=[{'name': 'x', 'role': 'single'}] * 1025), 'nodes: expected a list of at most 1024 nodes'),
]


@pytest.mark.parametrize('index', range(len(STORED_ERRORS)))
def test_shape_errors_of_stored_data(index):
    change, message = STORED_ERRORS[index]
    data = copy.deepcopy(normalize({'support': {'h:a': {'role': 'coreapp'}}}, now=NOW))
    change(data)
    assert shape_error(refresh, data, now=NOW) == 'stored support data: ' + message


def test_json_object_pairs_records_repeated_keys_and_drops_the_marker():
    assert json_object_pairs([('a', 1), ('b', 2), ('a', 3), ('__wabiz_duplicate_keys__', 9), ('b', 4)]) == {
        'a': 3, 'b': 4, '__wabiz_duplicate_keys__': ['a', 'b']}
    assert json_object_pairs([('a', 1), ('__wabiz_duplicate_keys__', 9)]) == {'a': 1}


def test_redact_a_flat_env_string_of_several_lines_keeps_the_line_ends():
    assert _support.redact({'support': {'env': 'A_PASSWORD=x\nB=1\r\nexport C_TOKEN: y\n', 'version': 'v'}}) == {
        'support': {'env': 'A_PASSWORD=********\nB=1\r\nexport C_TOKEN: ********\n', 'version': 'v'}}


def test_redact_env_lines_with_trailing_blanks_and_pairs():
    assert _support.redact({'support': {'env': 'A_PASSWORD=xX  \nB_KEY=1X\r\n', 'version': 'v'}}) == {
        'support': {'env': 'A_PASSWORD=********\nB_KEY=********\r\n', 'version': 'v'}}
    assert _support.redact({'support': {'env': [['WA_DB_PORT', '3306'], ['WA_DB_PASSWORD', 'x'], ['NOTE', 'B_TOKEN=t']],
                                        'version': 'v'}}) == {
        'support': {'env': [['WA_DB_PORT', '3306'], ['WA_DB_PASSWORD', '********'], ['NOTE', 'B_TOKEN=********']], 'version': 'v'}}


def nested_note(value):
    """(levels of lists, innermost value) of a redacted nest of lists."""
    levels = 0
    while isinstance(value, list):
        value, levels = value[0], levels + 1
    return levels, value


def test_redact_keeps_32_levels_and_replaces_the_33rd():
    note = '(nested deeper than 32 levels, left out)'
    assert _support.redact({'support': {'x': deep(30)}}) == {'support': {'x': deep(30)}}   # innermost list at level 32
    assert nested_note(_support.redact({'support': {'x': deep(31)}})['support']['x']) == (30, note)
    assert _support.redact(deep(32)) == deep(32)
    assert nested_note(_support.redact(deep(33))) == (32, note)


def blank(name, hostname, container_id, **fields):
    node = {'name': name, 'hostname': hostname, 'container_id': container_id, 'role': 'unknown', 'shards': [], 'socket_conn': None,
            'version': None, 'build': None, 'registered': None, 'phone_number': None, 'expire_timestamp': None, 'expires_in_days': None,
            'free_space': {'data': None, 'logs': None, 'media_incoming': None, 'media_outgoing': None}, 'db_engine': None, 'schema': None,
            'multi_connect': None, 'os_name': None, 'os_version': None, 'lc': None, 'lg': None, 'errors': [], 'invalid_fields': []}
    node.update(fields)
    return node


KEYED_TEXT = '''{"support": {
 "10.0.0.2:wa-core-1": {"role": "COREAPP", "shards": [], "socket_conn": " up ", "version": 2.5, "description": "build 7",
     "debug_info": " UnRegistered ", "expire_timestamp": "2026-03-11T00:00:00Z", "db_engine": " pgsql ", "free_space_logs": 300,
     "multi_connect": "yes", "os_name": "linux", "os_version": 20, "lc": "en", "lg": "US"},
 "10.0.0.1:wa-core-0": {"role": "coreapp", "shards": [[0, 0], -1], "socket_conn": "sc", "version": "v2", "debug_info": " 1555 ",
     "expire_timestamp": "2026-03-06T00:00:00Z", "db_engine": "MYSQL", "free_space_logs": 200, "free_space_data": 100,
     "schema": {"a": "3"}, "multi_connect": 1},
 "10.0.0.3:wa-core-2": {"role": "coreapp", "shards": "bad", "debug_info": "  ", "version": "v2", "role": "coreapp"},
 "10.0.0.4:wa-master-0": {"role": "primary master", "errors": {"code": "1005", "title": "Access denied", "details": 7}},
 "10.0.0.4:wa-master-0": {"role": "primary master", "errors": []},
 "10.0.0.5:wa-core-3": {"role": "coreapp", "errors": {"code": "1005", "title": "Access denied", "details": 7}, "version": "v9"},
 "nocolon": {"role": "secondary-master", "errors": [], "socket_conn": "UP"}
}}'''


def test_a_keyed_body_normalized_in_full():
    result = normalize(json.loads(KEYED_TEXT, object_pairs_hook=json_object_pairs), now=NOW)
    assert result['nodes'] == [
        blank('10.0.0.1:wa-core-0', '10.0.0.1', 'wa-core-0', role='coreapp', shards=[-1, 0], socket_conn='SC', version='v2', registered=True,
              phone_number='1555', expire_timestamp='2026-03-06T00:00:00Z', expires_in_days=5.0,
              free_space={'data': 100, 'logs': 200, 'media_incoming': None, 'media_outgoing': None}, db_engine='MYSQL', schema={'a': 3},
              multi_connect=True),
        blank('10.0.0.2:wa-core-1', '10.0.0.2', 'wa-core-1', role='coreapp', socket_conn='UP', version='2.5', build='build 7',
              registered=False, expire_timestamp='2026-03-11T00:00:00Z', expires_in_days=10.0,
              free_space={'data': None, 'logs': 300, 'media_incoming': None, 'media_outgoing': None}, db_engine='PGSQL',
              multi_connect=True, os_name='linux', os_version='20', lc='en', lg='US'),
        blank('10.0.0.3:wa-core-2', '10.0.0.3', 'wa-core-2', role='coreapp', version='v2', invalid_fields=[
            {'field': 'role', 'reason': 'the key appears more than once, so the value cannot be trusted'},
            {'field': 'shards', 'reason': 'shard map unprovable: expected a list of [start, end] ranges, got string'}]),
        blank('10.0.0.4:wa-master-0', '10.0.0.4', 'wa-master-0', role='primary_master'),
        blank('10.0.0.5:wa-core-3', '10.0.0.5', 'wa-core-3', errors=[{'code': 1005, 'title': 'Access denied', 'details': '7'}]),
        blank('nocolon', 'nocolon', None, role='secondary_master', socket_conn='UP'),
    ]
    assert result['topology'] == 'ha'
    assert result['cluster'] == {
        'topology': 'ha', 'node_count': 6, 'shard_count': 1, 'shard_count_source': 'inferred',
        'owned_shards': {'-1': ['10.0.0.1:wa-core-0'], '0': ['10.0.0.1:wa-core-0']}, 'unowned_shards': [],
        'versions': ['2.5', 'v2'], 'db_engines': ['MYSQL', 'PGSQL'],
        'role_counts': {'primary_master': 1, 'secondary_master': 1, 'coreapp': 3, 'single': 0, 'unknown': 1},
        'standby_coreapps': ['10.0.0.2:wa-core-1'], 'connected_nodes': ['10.0.0.2:wa-core-1', 'nocolon'],
        'min_free_space': {'data': 100, 'logs': 200, 'media_incoming': None, 'media_outgoing': None},
        'earliest_expiry': '2026-03-06T00:00:00Z', 'expires_in_days': 5.0, 'shard_count_rejected': None,
        'duplicate_node_keys': ['10.0.0.4:wa-master-0']}


def test_a_flat_body_normalized_in_full():
    body = {'support': {'role': 'coreapp', 'shards': [[0, 3]], 'socket_conn': 'DN', 'version': 'v2.57.2', 'multi_connect': 'off',
                        'free_space_data': 2 ** 63, 'expire_timestamp': '2026-02-28T00:00:00Z', '__wabiz_duplicate_keys__': 'x'}}
    result = normalize(body, now=NOW, single_name=7, shard_count=4, expected_shards=2)
    assert result == {'topology': 'single', 'nodes': [
        blank('7', None, None, role='single', socket_conn='DN', version='v2.57.2', multi_connect=False, expire_timestamp='2026-02-28T00:00:00Z',
              expires_in_days=-1.0, free_space={'data': 2 ** 63, 'logs': None, 'media_incoming': None, 'media_outgoing': None},
              invalid_fields=[{'field': 'node', 'reason': 'the key appears more than once, so the value cannot be trusted'}])],
        'cluster': {
            'topology': 'single', 'node_count': 1, 'shard_count': None, 'shard_count_source': 'unknown', 'owned_shards': {},
            'unowned_shards': [], 'versions': ['v2.57.2'], 'db_engines': [],
            'role_counts': {'primary_master': 0, 'secondary_master': 0, 'coreapp': 0, 'single': 1, 'unknown': 0},
            'standby_coreapps': [], 'connected_nodes': [],
            'min_free_space': {'data': None, 'logs': None, 'media_incoming': None, 'media_outgoing': None},
            'earliest_expiry': '2026-02-28T00:00:00Z', 'expires_in_days': -1.0, 'shard_count_rejected': None, 'duplicate_node_keys': []}}


def test_stored_data_refreshed_in_full():
    stored = {'topology': 'ha', 'nodes': [
        {'name': 'b', 'role': 'coreapp', 'shards': [0, -1, 0], 'free_space': {'logs': 5}, 'schema': {1: 2},
         'errors': [{'code': 1, 'title': ['x'], 'details': None, 'extra': 1}], 'invalid_fields': [{'field': 'x', 'reason': 'y'}],
         'expire_timestamp': '2026-03-02T00:00:00+01:00', 'registered': True, 'hostname': 'h'},
        {'name': 'a', 'role': 'coreapp'},                   # no shards key at all: owns none
        {'name': 'a', 'role': 'primary_master'}],
        'cluster': {'shard_count': 4, 'shard_count_source': 'inferred', 'shard_count_rejected': 5, 'shard_count_error': 'e',
                    'duplicate_node_keys': ['z']}}
    assert refresh(stored, now=NOW, expected_shards=2) == {'topology': 'multiconnect', 'nodes': [
        blank('b', 'h', None, role='coreapp', shards=[-1, 0], registered=True, expire_timestamp='2026-03-01T23:00:00Z', expires_in_days=0.96,
              free_space={'data': None, 'logs': 5, 'media_incoming': None, 'media_outgoing': None}, schema={'1': 2},
              errors=[{'code': 1, 'title': "['x']", 'details': None}], invalid_fields=[{'field': 'x', 'reason': 'y'}]),
        blank('a', None, None, role='coreapp'),
        blank('a', None, None, role='primary_master')],
        'cluster': {
            'topology': 'multiconnect', 'node_count': 3, 'shard_count': 2, 'shard_count_source': 'policy', 'owned_shards': {'-1': ['b'], '0': ['b']},
            'unowned_shards': [1], 'versions': [], 'db_engines': [],
            'role_counts': {'primary_master': 1, 'secondary_master': 0, 'coreapp': 2, 'single': 0, 'unknown': 0},
            'standby_coreapps': ['a'], 'connected_nodes': [],
            'min_free_space': {'data': None, 'logs': 5, 'media_incoming': None, 'media_outgoing': None},
            'earliest_expiry': '2026-03-01T23:00:00Z', 'expires_in_days': 0.96, 'shard_count_rejected': '5', 'shard_count_error': 'e',
            'duplicate_node_keys': ['a', 'z']}}
    stored['cluster']['shard_count_source'] = 'api'        # a count read from the API is kept whatever the policy
    cluster = refresh(stored, now=NOW, expected_shards=2)['cluster']
    assert (cluster['topology'], cluster['shard_count'], cluster['shard_count_source'], cluster['unowned_shards']) == (
        'multiconnect', 4, 'api', [1, 2, 3])


def test_stored_shards_may_list_every_id_once():
    stored = {'topology': 'multiconnect', 'nodes': [{'name': 'c', 'role': 'coreapp', 'shards': list(range(-1, 32))}], 'cluster': {}}
    assert refresh(stored, now=NOW)['nodes'][0]['shards'] == list(range(-1, 32))
    stored['nodes'][0]['shards'].append(0)
    assert shape_error(refresh, stored, now=NOW) == "stored support data: node 'c'.shards: expected a list of shard ids -1..31"


def test_stored_free_space_of_zero_bytes_is_kept():
    stored = {'topology': 'single', 'nodes': [{'name': 's', 'role': 'single', 'free_space': {'data': 0}}], 'cluster': {}}
    assert refresh(stored, now=NOW)['nodes'][0]['free_space'] == {'data': 0, 'logs': None, 'media_incoming': None, 'media_outgoing': None}
    assert refresh(stored, now=NOW, expected_shards=4)['cluster'] == {
        'topology': 'single', 'node_count': 1, 'shard_count': None, 'shard_count_source': 'unknown', 'owned_shards': {}, 'unowned_shards': [],
        'versions': [], 'db_engines': [], 'role_counts': {'primary_master': 0, 'secondary_master': 0, 'coreapp': 0, 'single': 1, 'unknown': 0},
        'standby_coreapps': [], 'connected_nodes': [], 'min_free_space': {'data': 0, 'logs': None, 'media_incoming': None, 'media_outgoing': None},
        'earliest_expiry': None, 'expires_in_days': None, 'shard_count_rejected': None, 'duplicate_node_keys': []}


@pytest.mark.parametrize('count, expected_shards, expected', [
    (999999, None, ('unknown', 999999, 'inferred', [-1])),
    (-999999, None, ('unknown', -999999, 'inferred', [-1])),
    (4, 'x', ('multiconnect', 4, 'inferred', [-1, 1, 2, 3])),          # a policy count that is no number is not used
    (None, 8, ('multiconnect', 8, 'policy', [-1, 1, 2, 3, 4, 5, 6, 7])),
])
def test_stored_shard_counts(count, expected_shards, expected):
    stored = {'topology': 'ha', 'nodes': [{'name': 's', 'role': 'coreapp', 'shards': [0]}],
              'cluster': {'shard_count': count, 'shard_count_source': 'inferred'}}
    cluster = refresh(stored, now=NOW, expected_shards=expected_shards)['cluster']
    assert (cluster['topology'], cluster['shard_count'], cluster['shard_count_source'], cluster['unowned_shards']) == expected


def test_schema_with_a_repeated_key_and_error_lists():
    body = json.loads('{"support": {"version": "v", "schema": {"a": 1, "a": 2, "b": "x", "c": 3}}}', object_pairs_hook=json_object_pairs)
    assert invalid_fields(body) == [('single', [('schema', "'b': expected an integer, got 'x'; repeated key(s) in the object")])]
    errors = normalize({'support': {'errors': [{'code': index} for index in range(70)]}}, now=NOW)['nodes'][0]['errors']
    assert (len(errors), errors[-1]) == (64, {'code': 63, 'title': None, 'details': None})
    assert normalize({'support': {'errors': [{'code': 'E1', 'title': 5, 'details': 1.5}, {'code': True, 'title': None}]}},
                     now=NOW)['nodes'][0]['errors'] == [{'code': 'E1', 'title': '5', 'details': '1.5'}, {'code': None, 'title': None, 'details': None}]


def test_stored_lists_of_10000_objects_are_accepted():
    stored = {'topology': 'single', 'nodes': [{'name': 's', 'role': 'single', 'invalid_fields': [{'field': 'x', 'reason': 'y'}] * 10000}],
              'cluster': {}}
    assert len(refresh(stored, now=NOW)['nodes'][0]['invalid_fields']) == 10000


def test_stored_data_of_1024_nodes_is_accepted():
    stored = {'topology': 'ha', 'nodes': [{'name': 'n%d' % index, 'role': 'coreapp'} for index in range(1024)], 'cluster': {}}
    assert refresh(stored, now=NOW)['cluster']['node_count'] == 1024


def test_default_now_is_an_aware_current_time():
    node = normalize({'support': {'version': 'v', 'expire_timestamp': '9999-01-01T00:00:00Z'}})['nodes'][0]
    assert node['invalid_fields'] == [] and node['expires_in_days'] > 2000000


def test_schema_marker_of_repeated_keys_anywhere_in_the_object():
    body = {'support': {'version': 'v', 'schema': {'__wabiz_duplicate_keys__': ['a'], 'b': 'x'}}}
    assert invalid_fields(body) == [('single', [('schema', "repeated key(s) in the object; 'b': expected an integer, got 'x'")])]


def test_redact_env_pairs_by_their_name_whatever_the_value():
    """A [name, value] pair is a secret by its NAME: a value with a blank, '=' or ':', or empty, is masked all the same."""
    env = [['WA_DB_PASSWORD', 'p w'], ['API_TOKEN', 'a=b'], ['X_SECRET', 'k: v'], ['DB_PASSWORD', ''], ['PORT', 'p w']]
    assert _support.redact({'support': {'env': env, 'version': 'v'}}) == {'support': {'env': [
        ['WA_DB_PASSWORD', '********'], ['API_TOKEN', '********'], ['X_SECRET', '********'], ['DB_PASSWORD', '********'],
        ['PORT', 'p w']], 'version': 'v'}}


def test_two_keyed_nodes_come_sorted_by_name_not_in_body_order():
    body = {'support': {'10.0.0.9:wa-core-1': {'role': 'coreapp'}, '10.0.0.1:wa-core-0': {'role': 'coreapp'}}}
    assert [node['name'] for node in normalize(body, now=NOW)['nodes']] == ['10.0.0.1:wa-core-0', '10.0.0.9:wa-core-1']
