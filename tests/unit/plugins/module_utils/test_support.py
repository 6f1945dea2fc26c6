# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._support import (
    REDACTED,
    SupportShapeError,
    format_timestamp,
    json_object_pairs,
    normalize,
    parse_shard_count,
    parse_timestamp,
    redact,
    refresh,
)

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
MASTER0 = '10.0.0.11:wa-master-0'
MASTER1 = '10.0.0.12:wa-master-1'
CORE = ['10.0.1.%d:wa-core-%d' % (21 + k, k) for k in range(5)]


def load(name):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        return json.load(handle)


def node_of(result, name):
    return [node for node in result['nodes'] if node['name'] == name][0]


def flat_with(**fields):
    body = load('single')
    for key, value in fields.items():
        if value is _DROP:
            body['support'].pop(key, None)
        else:
            body['support'][key] = value
    return body


_DROP = object()


# --------------------------------------------------------------------------------------------- shape


@pytest.mark.parametrize('body', [
    None, [], 'support', 42, {}, {'support': None}, {'support': []}, {'support': 'fake_info'},
    {'errors': [{'code': 1005, 'title': 'Access denied', 'details': 'App Expired'}]},
])
def test_bad_shape_raises(body):
    with pytest.raises(SupportShapeError) as exc:
        normalize(body, now=NOW)
    assert isinstance(exc.value, ValueError)
    assert 'support' in str(exc.value)


def test_single_instance_node_is_fully_normalized():
    result = normalize(load('single'), now=NOW)
    assert result['topology'] == 'single'
    assert result['nodes'] == [{
        'name': 'single',
        'hostname': None,
        'container_id': None,
        'role': 'single',
        'shards': [],
        'socket_conn': 'UP',
        'version': 'v2.57.2',
        'build': 'WhatsApp Business API build 2.57.2 (release)',
        'registered': True,
        'phone_number': '15550100001',
        'expire_timestamp': '2026-08-28T14:26:07Z',
        'expires_in_days': 180.1,
        'free_space': {'data': 9223372036853727000, 'logs': 14269902848,
                       'media_incoming': 9223372036853727000, 'media_outgoing': 9223372036853727000},
        'db_engine': 'MYSQL',
        'schema': {'axolotl': 3, 'callback': 5, 'cluster': 2, 'config': 4, 'contact': 9, 'jobqueue': 1, 'message': 12},
        'multi_connect': False,
        'os_name': 'ubuntu-x86_64',
        'os_version': '20.04',
        'lc': 'en',
        'lg': 'US',
        'errors': [],
        'invalid_fields': [],
    }]


def test_single_cluster_summary():
    cluster = normalize(load('single'), now=NOW, shard_count=4, expected_shards=2)['cluster']
    assert cluster == {
        'topology': 'single',
        'node_count': 1,
        'shard_count': None,
        'shard_count_source': 'unknown',
        'owned_shards': {},
        'unowned_shards': [],
        'versions': ['v2.57.2'],
        'db_engines': ['MYSQL'],
        'role_counts': {'primary_master': 0, 'secondary_master': 0, 'coreapp': 0, 'single': 1, 'unknown': 0},
        'standby_coreapps': [],
        'connected_nodes': ['single'],
        'min_free_space': {'data': None, 'logs': 14269902848, 'media_incoming': None, 'media_outgoing': None},
        'earliest_expiry': '2026-08-28T14:26:07Z',
        'expires_in_days': 180.1,
        'shard_count_rejected': None,
        'duplicate_node_keys': [],
    }


def test_single_name_is_used_for_the_flat_shape():
    result = normalize(load('single'), now=NOW, single_name='wa-prod-1')
    assert [node['name'] for node in result['nodes']] == ['wa-prod-1']
    assert result['cluster']['connected_nodes'] == ['wa-prod-1']


def test_ha_keyed_shape():
    result = normalize(load('ha'), now=NOW)
    assert result['topology'] == 'ha'
    assert [node['name'] for node in result['nodes']] == [MASTER0, MASTER1, CORE[0], CORE[1]]
    owner = node_of(result, CORE[0])
    assert (owner['hostname'], owner['container_id'], owner['role'], owner['shards']) == ('10.0.1.21', 'wa-core-0', 'coreapp', [-1, 0])
    assert node_of(result, MASTER0)['role'] == 'primary_master'
    assert node_of(result, MASTER1)['role'] == 'secondary_master'
    assert all(node['multi_connect'] is True and node['invalid_fields'] == [] for node in result['nodes'])
    cluster = result['cluster']
    assert cluster['shard_count'] == 1
    assert cluster['shard_count_source'] == 'inferred'
    assert cluster['owned_shards'] == {'-1': [CORE[0]], '0': [CORE[0]]}
    assert cluster['unowned_shards'] == []
    assert cluster['standby_coreapps'] == [CORE[1]]
    assert cluster['connected_nodes'] == [CORE[0]]
    assert cluster['role_counts'] == {'primary_master': 1, 'secondary_master': 1, 'coreapp': 2, 'single': 0, 'unknown': 0}
    assert cluster['node_count'] == 4


def test_multiconnect_keyed_shape():
    result = normalize(load('mc4'), now=NOW)
    cluster = result['cluster']
    assert result['topology'] == 'multiconnect'
    assert cluster['shard_count'] == 4
    assert list(cluster['owned_shards']) == ['-1', '0', '1', '2', '3']
    assert cluster['owned_shards']['-1'] == [MASTER0]
    assert cluster['owned_shards']['3'] == [CORE[3]]
    assert cluster['standby_coreapps'] == [CORE[4]]
    assert cluster['connected_nodes'] == [MASTER0] + CORE[:4]


def test_nodes_sorted_by_name_whatever_the_body_order():
    body = load('mc4')
    body['support'] = dict(reversed(list(body['support'].items())))
    names = [node['name'] for node in normalize(body, now=NOW)['nodes']]
    assert names == sorted(names)


@pytest.mark.parametrize('key, hostname, container_id', [
    ('host-only', 'host-only', None),
    ('h:', 'h', ''),
])
def test_node_key_split(key, hostname, container_id):
    body = {'support': {key: {'role': 'coreapp', 'shards': []}}}
    node = normalize(body, now=NOW)['nodes'][0]
    assert (node['name'], node['hostname'], node['container_id']) == (key, hostname, container_id)


def test_empty_support_is_a_keyed_body_without_nodes():
    result = normalize({'support': {}}, now=NOW)
    assert result['topology'] == 'unknown'
    assert result['nodes'] == []
    assert result['cluster']['shard_count'] is None
    assert result['cluster']['unowned_shards'] == [-1, 0]


# --------------------------------------------------------------------------------------------- shard count


def _ha_without_owner():
    body = load('ha')
    body['support'][CORE[0]]['shards'] = []
    return body


@pytest.mark.parametrize('body_name, kwargs, count, source, topology', [
    ('mc4', {'shard_count': 4}, 4, 'api', 'multiconnect'),
    ('mc4', {'shard_count': '4'}, 4, 'api', 'multiconnect'),
    ('mc4', {'shard_count': 8, 'expected_shards': 4}, 8, 'api', 'multiconnect'),
    ('mc4', {'shard_count': 1}, 1, 'api', 'ha'),
    ('mc4', {'shard_count': 'garbage', 'expected_shards': 2}, 2, 'policy', 'multiconnect'),
    ('mc4', {'shard_count': True}, 4, 'inferred', 'multiconnect'),
    ('mc4', {'expected_shards': 16}, 16, 'policy', 'multiconnect'),
    ('mc4', {}, 4, 'inferred', 'multiconnect'),
    ('ha', {}, 1, 'inferred', 'ha'),
    ('ha', {'shard_count': 2}, 2, 'api', 'multiconnect'),
    ('mc4', {'shard_count': 64}, 64, 'api', 'unknown'),
    ('mc4', {'shard_count': 0}, 0, 'api', 'unknown'),
    ('mc4', {'shard_count': 3}, 3, 'api', 'multiconnect'),
    ('mc4', {'shard_count': 32}, 32, 'api', 'multiconnect'),
])
def test_shard_count_sources(body_name, kwargs, count, source, topology):
    cluster = normalize(load(body_name), now=NOW, **kwargs)['cluster']
    assert (cluster['shard_count'], cluster['shard_count_source'], cluster['topology']) == (count, source, topology)


def test_shard_count_unknown_when_nothing_to_infer():
    body = _ha_without_owner()
    body['support'][MASTER0]['shards'] = [[-1, -1]]  # the control shard alone tells nothing
    result = normalize(body, now=NOW)
    assert result['topology'] == 'unknown'
    assert (result['cluster']['shard_count'], result['cluster']['shard_count_source']) == (None, 'unknown')
    assert result['cluster']['unowned_shards'] == [0]


def test_inferred_from_highest_owned_message_shard():
    body = load('mc4')
    body['support'][CORE[1]]['shards'] = []
    body['support'][CORE[2]]['shards'] = []
    cluster = normalize(body, now=NOW)['cluster']
    assert (cluster['shard_count'], cluster['shard_count_source']) == (4, 'inferred')
    assert cluster['unowned_shards'] == [1, 2]


def test_unowned_shards_follow_the_count():
    cluster = normalize(load('mc4'), now=NOW, shard_count=8)['cluster']
    assert cluster['unowned_shards'] == [4, 5, 6, 7]


# --------------------------------------------------------------------------------------------- odd fields (flat)


@pytest.mark.parametrize('field, value, key, expected, invalid', [
    # free space: strings coerce, unbounded floats accepted, the rest is invalid
    ('free_space_logs', '14269902848', ('free_space', 'logs'), 14269902848, None),
    ('free_space_logs', ' 1024 ', ('free_space', 'logs'), 1024, None),
    ('free_space_logs', 0, ('free_space', 'logs'), 0, None),
    ('free_space_logs', -5, ('free_space', 'logs'), None, 'negative'),
    ('free_space_logs', '-5', ('free_space', 'logs'), None, 'negative'),
    ('free_space_logs', 1536.5, ('free_space', 'logs'), None, 'expected an integer number of bytes, got 1536.5'),
    ('free_space_logs', 1536.0, ('free_space', 'logs'), 1536, None),
    ('free_space_logs', float('nan'), ('free_space', 'logs'), None, 'got nan'),
    ('free_space_data', 9.223372036853727e18, ('free_space', 'data'), 9223372036853727232, None),
    ('free_space_data', float('inf'), ('free_space', 'data'), None, 'got inf'),
    ('free_space_logs', True, ('free_space', 'logs'), None, 'bool'),
    ('free_space_logs', 'lots', ('free_space', 'logs'), None, 'expected an integer'),
    ('free_space_logs', {'bytes': 1}, ('free_space', 'logs'), None, 'object'),
    ('free_space_logs', None, ('free_space', 'logs'), None, None),
    ('free_space_media_incoming', '12', ('free_space', 'media_incoming'), 12, None),
    ('free_space_media_outgoing', [], ('free_space', 'media_outgoing'), None, 'list'),
    # booleans
    ('multi_connect', 'false', ('multi_connect',), False, None),
    ('multi_connect', 'TRUE', ('multi_connect',), True, None),
    ('multi_connect', 1, ('multi_connect',), True, None),
    ('multi_connect', 0, ('multi_connect',), False, None),
    ('multi_connect', 'maybe', ('multi_connect',), None, 'boolean'),
    ('multi_connect', 7, ('multi_connect',), None, 'boolean'),
    ('multi_connect', None, ('multi_connect',), None, None),
    # timestamps
    ('expire_timestamp', 'garbage', ('expire_timestamp',), None, 'ISO 8601'),
    ('expire_timestamp', '', ('expire_timestamp',), None, 'ISO 8601'),
    ('expire_timestamp', 1788000000, ('expire_timestamp',), None, 'int'),
    ('expire_timestamp', '2026-02-30T00:00:00', ('expire_timestamp',), None, 'not a valid date'),
    ('expire_timestamp', '2026-08-28T25:00:00', ('expire_timestamp',), None, 'not a valid date'),
    ('expire_timestamp', '2026-08-28T14:26:07Z', ('expire_timestamp',), '2026-08-28T14:26:07Z', None),
    ('expire_timestamp', '2026-08-28T16:26:07+02:00', ('expire_timestamp',), '2026-08-28T14:26:07Z', None),
    ('expire_timestamp', '2026-08-28T12:26:07-0200', ('expire_timestamp',), '2026-08-28T14:26:07Z', None),
    ('expire_timestamp', '2026-08-28 14:26:07.123456', ('expire_timestamp',), '2026-08-28T14:26:07Z', None),
    ('expire_timestamp', '2026-08-28', ('expire_timestamp',), '2026-08-28T00:00:00Z', None),
    # schema
    ('schema', 'v7', ('schema',), None, 'expected an object'),
    ('schema', [1, 2], ('schema',), None, 'expected an object'),
    ('schema', {'message': '12', 'axolotl': 3}, ('schema',), {'message': 12, 'axolotl': 3}, None),
    ('schema', {'message': 'x', 'axolotl': 3}, ('schema',), None, 'message'),
    ('schema', {}, ('schema',), {}, None),
    # strings
    ('socket_conn', ['UP'], ('socket_conn',), None, 'string'),
    ('socket_conn', 'UP receiving offline', ('socket_conn',), 'UP receiving offline', None),
    ('socket_conn', 'WEIRD', ('socket_conn',), 'WEIRD', None),
    ('version', 2.41, ('version',), '2.41', None),
    ('version', {'v': 1}, ('version',), None, 'string'),
    ('version', True, ('version',), None, 'bool'),
    ('description', ['x'], ('build',), None, 'string'),
    ('os_version', 20.04, ('os_version',), '20.04', None),
    ('lc', 5, ('lc',), '5', None),
    ('lg', None, ('lg',), None, None),
    ('os_name', {}, ('os_name',), None, 'string'),
    # registration
    ('debug_info', 'unregistered', ('registered',), False, None),
    ('debug_info', ' Unregistered ', ('phone_number',), None, None),
    ('debug_info', 15550100001, ('phone_number',), '15550100001', None),
    ('debug_info', '', ('registered',), None, None),
    ('debug_info', _DROP, ('registered',), None, None),
    ('debug_info', ['x'], ('registered',), None, 'string'),
    # engine
    ('db_engine', 'pgsql', ('db_engine',), 'PGSQL', None),
    ('db_engine', 5, ('db_engine',), None, 'MYSQL or PGSQL'),
    ('db_engine', '  ', ('db_engine',), None, 'MYSQL or PGSQL'),
])
def test_odd_flat_fields(field, value, key, expected, invalid):
    node = normalize(flat_with(**{field: value}), now=NOW)['nodes'][0]
    actual = node
    for part in key:
        actual = actual[part]
    assert actual == expected
    if invalid is None:
        assert node['invalid_fields'] == []
    else:
        assert [item['field'] for item in node['invalid_fields']] == [field]
        assert invalid in node['invalid_fields'][0]['reason']


def test_missing_fields_are_null_and_not_invalid():
    node = normalize({'support': {'version': 'v2.57.2'}}, now=NOW)['nodes'][0]
    assert node['invalid_fields'] == []
    assert node['socket_conn'] is None and node['registered'] is None and node['schema'] is None
    assert node['free_space'] == {'data': None, 'logs': None, 'media_incoming': None, 'media_outgoing': None}
    assert node['expires_in_days'] is None


def test_flat_shape_ignores_role_and_shards():
    node = normalize(flat_with(role='coreapp', shards='garbage'), now=NOW)['nodes'][0]
    assert (node['role'], node['shards'], node['invalid_fields']) == ('single', [], [])


def test_several_invalid_fields_are_each_recorded():
    node = normalize(flat_with(free_space_logs=-1, schema='x', expire_timestamp='soon'), now=NOW)['nodes'][0]
    assert sorted(item['field'] for item in node['invalid_fields']) == ['expire_timestamp', 'free_space_logs', 'schema']


# --------------------------------------------------------------------------------------------- odd fields (keyed)


def keyed_node(**fields):
    entry = {'role': 'coreapp', 'shards': [], 'multi_connect': True}
    entry.update(fields)
    return normalize({'support': {'h:c': entry}}, now=NOW)['nodes'][0]


@pytest.mark.parametrize('shards, expected, invalid', [
    ([[-1, -1], [0, 0]], [-1, 0], None),
    ([[0, 0], [0, 0]], [0], None),
    ([['0', '1']], [0, 1], None),
    ([[2, 3], [0, 0]], [0, 2, 3], None),
    ([0, -1], [-1, 0], None),
    (['3'], [3], None),
    ([], [], None),
    (None, [], None),
    ([[-1, 31]], list(range(-1, 32)), None),
    ('0-1', [], 'expected a list'),
    ({'0': 0}, [], 'expected a list'),
    (3, [], 'expected a list'),
    ([[5, 2]], [], 'reversed'),
    ([[-2, 0]], [], 'outside the shard ids -1..31'),
    ([[0, 40]], [], 'outside the shard ids -1..31'),
    ([[0, 10 ** 12]], [], 'outside the shard ids -1..31'),
    ([[0]], [], 'exactly two ids'),
    ([[0, 1, 2]], [], 'exactly two ids'),
    ([[None, 1]], [], 'expected an integer'),
    ([[0.5, 1]], [], 'expected an integer'),
    ([True], [], 'bool'),
    ([{'start': 0}], [], 'expected an integer'),
    ([[-1, -1], [5, 2], [0, 0]], [], 'shard map unprovable: range [5, 2] is reversed'),
])
def test_shards(shards, expected, invalid):
    node = keyed_node(shards=shards)
    assert node['shards'] == expected
    if invalid is None:
        assert node['invalid_fields'] == []
    else:
        assert len(node['invalid_fields']) == 1
        assert node['invalid_fields'][0]['field'] == 'shards'
        assert invalid in node['invalid_fields'][0]['reason']


def test_several_bad_ranges_make_one_invalid_entry():
    node = keyed_node(shards=[[5, 2], [40, 41], [0, 0]])
    assert node['shards'] == []
    assert len(node['invalid_fields']) == 1
    assert 'reversed' in node['invalid_fields'][0]['reason'] and 'outside' in node['invalid_fields'][0]['reason']


@pytest.mark.parametrize('role, expected, invalid', [
    ('primary_master', 'primary_master', False),
    ('secondary_master', 'secondary_master', False),
    ('coreapp', 'coreapp', False),
    ('primary master', 'primary_master', False),
    (' Secondary-Master ', 'secondary_master', False),
    ('boss', 'unknown', True),
    ('single', 'unknown', True),
    (7, 'unknown', True),
    (None, 'unknown', True),
])
def test_roles(role, expected, invalid):
    node = keyed_node(role=role)
    assert node['role'] == expected
    assert [item['field'] for item in node['invalid_fields']] == (['role'] if invalid else [])


def test_missing_role_is_unknown_and_recorded():
    node = normalize({'support': {'h:c': {'shards': []}}}, now=NOW)['nodes'][0]
    assert (node['role'], [item['field'] for item in node['invalid_fields']]) == ('unknown', ['role'])


@pytest.mark.parametrize('entry', ['oops', None, [], 42, True])
def test_node_entry_not_a_dict(entry):
    result = normalize({'support': {'h:c': entry, 'h:d': {'role': 'coreapp'}}}, now=NOW)
    node = node_of(result, 'h:c')
    assert node['role'] == 'unknown' and node['shards'] == [] and node['errors'] == []
    assert [item['field'] for item in node['invalid_fields']] == ['node']
    assert result['cluster']['role_counts']['unknown'] == 1


# --------------------------------------------------------------------------------------------- error envelopes


ERROR_1011 = {'code': 1011, 'title': 'Service not ready', 'details': 'Wacore is not instantiated. Please check wacore log for details.'}


def test_node_error_envelope_clears_everything_else():
    body = load('mc4')
    body['support'][CORE[4]] = {'errors': [dict(ERROR_1011)]}
    body['support'][CORE[3]]['errors'] = [{'code': '1014', 'title': 'Internal error'}]  # errors win over fields
    result = normalize(body, now=NOW)
    broken = node_of(result, CORE[4])
    assert broken['errors'] == [ERROR_1011]
    assert broken['role'] == 'unknown' and broken['shards'] == [] and broken['socket_conn'] is None
    assert broken['free_space'] == {'data': None, 'logs': None, 'media_incoming': None, 'media_outgoing': None}
    assert broken['invalid_fields'] == []
    other = node_of(result, CORE[3])
    assert other['errors'] == [{'code': 1014, 'title': 'Internal error', 'details': None}]
    assert other['version'] is None and other['shards'] == []
    assert result['cluster']['owned_shards'].get('3') is None
    assert result['cluster']['standby_coreapps'] == []


@pytest.mark.parametrize('errors, expected, invalid', [
    ([], [], False),
    (None, [], False),
    ({'code': 1011, 'title': 'Service not ready'}, [{'code': 1011, 'title': 'Service not ready', 'details': None}], False),
    (['boom'], [{'code': None, 'title': None, 'details': 'boom'}], False),
    ([{'code': 'E1', 'title': 5, 'details': 'x'}], [{'code': 'E1', 'title': '5', 'details': 'x'}], False),
    ('boom', [], True),
])
def test_error_entry_variants(errors, expected, invalid):
    node = normalize(flat_with(errors=errors), now=NOW)['nodes'][0]
    assert node['errors'] == expected
    assert [item['field'] for item in node['invalid_fields']] == (['errors'] if invalid else [])
    if not expected:
        assert node['role'] == 'single' and node['socket_conn'] == 'UP'
    else:
        assert node['role'] == 'unknown' and node['socket_conn'] is None


# --------------------------------------------------------------------------------------------- expiry


@pytest.mark.parametrize('expire, days', [
    (NOW + timedelta(days=2, hours=12), 2.5),
    (NOW - timedelta(days=1, hours=6), -1.25),
    (NOW, 0.0),
    (NOW + timedelta(minutes=30), 0.02),
])
def test_expires_in_days(expire, days):
    body = flat_with(expire_timestamp=expire.strftime('%Y-%m-%dT%H:%M:%S'))
    node = normalize(body, now=NOW)['nodes'][0]
    assert node['expires_in_days'] == days
    assert node['expire_timestamp'] == expire.strftime('%Y-%m-%dT%H:%M:%SZ')


@pytest.mark.parametrize('now', [
    NOW,
    NOW.replace(tzinfo=None),
    NOW.astimezone(timezone(timedelta(hours=-5))),
    '2026-03-01T12:00:00Z',
    '2026-03-01T12:00:00',
])
def test_now_forms_are_equivalent(now):
    node = normalize(flat_with(expire_timestamp='2026-03-11T12:00:00'), now=now)['nodes'][0]
    assert node['expires_in_days'] == 10.0


def test_now_defaults_to_current_time():
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    node = normalize(flat_with(expire_timestamp=tomorrow.strftime('%Y-%m-%dT%H:%M:%S')))['nodes'][0]
    assert 0.98 <= node['expires_in_days'] <= 1.0


def test_now_of_a_wrong_type_is_a_type_error():
    with pytest.raises(TypeError):
        normalize(load('single'), now=1700000000)


def test_cluster_earliest_expiry():
    body = load('ha')
    body['support'][CORE[1]]['expire_timestamp'] = '2026-03-04T12:00:00'
    body['support'][MASTER1]['expire_timestamp'] = 'garbage'
    cluster = normalize(body, now=NOW)['cluster']
    assert cluster['earliest_expiry'] == '2026-03-04T12:00:00Z'
    assert cluster['expires_in_days'] == 3.0


def test_parse_timestamp_zone_handling():
    assert parse_timestamp('2026-08-28T14:26:07') == datetime(2026, 8, 28, 14, 26, 7, tzinfo=timezone.utc)
    assert parse_timestamp('2026-08-28T14:26:07z') == parse_timestamp('2026-08-28T14:26:07+00:00')
    with pytest.raises(ValueError):
        parse_timestamp('2026-08-28T14:26:07+25:00')


# --------------------------------------------------------------------------------------------- cluster summary


def test_min_free_space_ignores_unbounded_and_missing():
    body = load('ha')
    body['support'][MASTER0]['free_space_logs'] = 2000
    body['support'][MASTER1]['free_space_logs'] = '1000'
    body['support'][CORE[0]]['free_space_data'] = 5000
    body['support'][CORE[1]]['free_space_data'] = 2 ** 62
    body['support'][CORE[1]]['free_space_media_incoming'] = None
    for entry in body['support'].values():
        entry.pop('free_space_media_outgoing')
    cluster = normalize(body, now=NOW)['cluster']
    assert cluster['min_free_space'] == {'data': 5000, 'logs': 1000, 'media_incoming': None, 'media_outgoing': None}


def test_distinct_versions_and_engines_sorted():
    body = load('mc4')
    body['support'][CORE[0]]['version'] = 'v2.55.1'
    body['support'][CORE[1]]['db_engine'] = 'pgsql'
    body['support'][CORE[2]].pop('version')
    cluster = normalize(body, now=NOW)['cluster']
    assert cluster['versions'] == ['v2.55.1', 'v2.57.2']
    assert cluster['db_engines'] == ['MYSQL', 'PGSQL']


def test_connected_nodes_need_exact_up():
    body = load('mc4')
    body['support'][CORE[0]]['socket_conn'] = 'UP receiving offline'
    body['support'][CORE[1]]['socket_conn'] = 'SC'
    assert normalize(body, now=NOW)['cluster']['connected_nodes'] == [MASTER0, CORE[2], CORE[3]]


def test_normalized_output_carries_no_env_secret():
    for name in ('single', 'ha', 'mc4'):
        text = json.dumps(normalize(load(name), now=NOW))
        assert 'example-not-a-secret' not in text and 'env' not in text


def test_normalize_does_not_mutate_the_body():
    body = load('mc4')
    body['support'][CORE[0]]['shards'] = [['0', '0']]
    before = copy.deepcopy(body)
    normalize(body, now=NOW, shard_count='4')
    assert body == before


# --------------------------------------------------------------------------------------------- redaction


def test_redact_flat_string_env():
    body = load('single')
    before = copy.deepcopy(body)
    redacted = redact(body)
    env = redacted['support']['env']
    assert 'WA_DB_PASSWORD=' + REDACTED in env
    assert 'WA_API_KEY=' + REDACTED in env
    assert 'WA_DB_USERNAME=wauser' in env and 'WA_DB_PORT=3306' in env
    assert body == before
    assert redacted['support']['version'] == 'v2.57.2'


def test_redact_keyed_both_env_forms():
    body = load('mc4')
    before = copy.deepcopy(body)
    redacted = redact(body)
    assert redacted['support'][CORE[0]]['env'] == [
        {'name': 'WA_DB_PASSWORD', 'value': REDACTED}, {'WA_SECRET': REDACTED}, {'name': 'WA_DB_PORT', 'value': '3306'}]
    for name in [MASTER0, MASTER1] + CORE[1:]:
        env = redacted['support'][name]['env']
        assert 'WA_DB_PASSWORD=' + REDACTED in env
        assert 'WA_DB_HOSTNAME=db.example.invalid' in env
    assert 'example-not-a-secret' not in json.dumps(redacted) and 'example-shared' not in json.dumps(redacted)
    assert body == before


@pytest.mark.parametrize('item, expected', [
    ('wa_db_password=x', 'wa_db_password=' + REDACTED),
    ('WA_WEB_JWT_CRYPTO_KEY=x', 'WA_WEB_JWT_CRYPTO_KEY=' + REDACTED),
    ('Some_Token=a=b', 'Some_Token=' + REDACTED),
    ('WA_SECRET=', 'WA_SECRET=' + REDACTED),
    ('WA_SECRET', 'WA_SECRET'),
    ('WA_DB_HOSTNAME=db', 'WA_DB_HOSTNAME=db'),
    ('PASSWORD_HINT_URL=x', 'PASSWORD_HINT_URL=' + REDACTED),
    ({'Name': 'jwt', 'Value': 'x'}, {'Name': 'jwt', 'Value': REDACTED}),
    ({'name': 'WA_DB_PORT', 'value': 'x'}, {'name': 'WA_DB_PORT', 'value': 'x'}),
    ({'WA_API_KEY': 'x', 'WA_DB_PORT': '1'}, {'WA_API_KEY': REDACTED, 'WA_DB_PORT': '1'}),
    ({'WA_API_KEY': {'nested': 'x'}}, {'WA_API_KEY': REDACTED}),
    (5, 5),
    (None, None),
])
def test_redact_env_items(item, expected):
    for body in ({'support': {'env': [item]}}, {'support': {'h:c': {'env': [item]}}}):
        before = copy.deepcopy(body)
        redacted = redact(body)
        env = redacted['support']['env'] if 'env' in redacted['support'] else redacted['support']['h:c']['env']
        assert env == [expected]
        assert body == before


def test_redact_env_as_mapping_and_string():
    body = {'support': {'env': {'WA_DB_PASSWORD': 'x', 'WA_DB_PORT': '3306'}, 'h:c': {'env': 'WA_SECRET=x'}}}  # mixed shapes
    redacted = redact(body)
    assert redacted['support']['env'] == {'WA_DB_PASSWORD': REDACTED, 'WA_DB_PORT': '3306'}
    assert redacted['support']['h:c']['env'] == 'WA_SECRET=' + REDACTED
    assert body['support']['env']['WA_DB_PASSWORD'] == 'x'


@pytest.mark.parametrize('body', [None, [], 'text', {}, {'support': 'fake_info'}, {'errors': [{'code': 1005}]}])
def test_redact_other_shapes_copies_unchanged(body):
    assert redact(body) == body


def test_redact_returns_independent_copy():
    body = load('single')
    redacted = redact(body)
    redacted['support']['schema']['message'] = 0
    redacted['support']['db_info'].append('x')
    assert body['support']['schema']['message'] == 12
    assert body['support']['db_info'] == ['mysql-connector 8.0.33']


def test_build_expired_minutes_ago_stays_negative():
    node = normalize(flat_with(expire_timestamp='2026-03-01T11:55:00'), now=NOW)['nodes'][0]
    assert node['expires_in_days'] < 0


# --------------------------------------------------------------------------------------------- issue 8: trust


@pytest.mark.parametrize('value', [524288000, 524288000.0, '524288000', ' 524288000 '])
def test_one_number_parser_for_bytes(value):
    node = normalize(flat_with(free_space_logs=value), now=NOW)['nodes'][0]
    assert node['free_space']['logs'] == 524288000
    assert node['invalid_fields'] == []


@pytest.mark.parametrize('value', [[[0.0, '1']], [['0', 1.0]], [0.0, 1], ['0', '1']])
def test_one_number_parser_for_shard_ids(value):
    body = {'support': {'h:c': {'role': 'coreapp', 'shards': value}}}
    node = normalize(body, now=NOW)['nodes'][0]
    assert (node['shards'], node['invalid_fields']) == ([0, 1], [])


def test_one_number_parser_for_schema():
    node = normalize(flat_with(schema={'message': 12.0, 'axolotl': '3'}), now=NOW)['nodes'][0]
    assert (node['schema'], node['invalid_fields']) == ({'message': 12, 'axolotl': 3}, [])


@pytest.mark.parametrize('value', [1536.5, float('nan'), float('inf'), float('-inf'), '9' * 5000, '1e3', True])
def test_unreadable_numbers_never_crash(value):
    node = normalize(flat_with(free_space_logs=value, schema={'message': value}), now=NOW)['nodes'][0]
    assert node['free_space']['logs'] is None
    assert sorted(item['field'] for item in node['invalid_fields']) == ['free_space_logs', 'schema']


def test_digit_string_beyond_the_int_limit_in_shards_is_unreadable():
    body = {'support': {'h:c': {'role': 'coreapp', 'shards': [['9' * 5000, '9' * 5000]]}}}
    node = normalize(body, now=NOW)['nodes'][0]
    assert node['shards'] == []
    assert [item['field'] for item in node['invalid_fields']] == ['shards']


def test_missing_role_of_a_keyed_node_is_recorded():
    body = load('mc4')
    del body['support'][CORE[1]]['role']
    node = node_of(normalize(body, now=NOW), CORE[1])
    assert node['role'] == 'unknown'
    assert node['invalid_fields'] == [{'field': 'role', 'reason': 'missing: a node of an HA/multiconnect body must say its role'}]


@pytest.mark.parametrize('spelling', ['Primary Master', 'primary-master', 'PRIMARY_MASTER', ' primary  master '])
def test_role_spellings(spelling):
    body = {'support': {'h:c': {'role': spelling}}}
    assert normalize(body, now=NOW)['nodes'][0]['role'] == 'primary_master'


def test_impossible_shard_range_drops_the_whole_map():
    body = {'support': {'h:c': {'role': 'coreapp', 'shards': [[0, 0], [5, 2]]}}}
    node = normalize(body, now=NOW)['nodes'][0]
    assert node['shards'] == []
    assert node['invalid_fields'] == [{'field': 'shards', 'reason': 'shard map unprovable: range [5, 2] is reversed'}]


@pytest.mark.parametrize('key, hostname, container_id', [
    ('fe80::1:abc', 'fe80::1', 'abc'),
    ('[2001:db8::7]:wa-core-1', '[2001:db8::7]', 'wa-core-1'),
    ('host:c1', 'host', 'c1'),
])
def test_node_key_split_on_last_colon(key, hostname, container_id):
    node = normalize({'support': {key: {'role': 'coreapp'}}}, now=NOW)['nodes'][0]
    assert (node['hostname'], node['container_id']) == (hostname, container_id)


@pytest.mark.parametrize('raw, canonical', [('up', 'UP'), (' Up ', 'UP'), ('up  receiving   OFFLINE', 'UP receiving offline'),
                                            ('dn', 'DN'), ('Weird', 'Weird')])
def test_socket_conn_has_one_spelling(raw, canonical):
    result = normalize(flat_with(socket_conn=raw), now=NOW)
    assert result['nodes'][0]['socket_conn'] == canonical
    assert result['cluster']['connected_nodes'] == (['single'] if canonical == 'UP' else [])


def test_duplicate_node_keys_are_kept_through_the_json_hook():
    text = ('{"support": {"h1:c1": {"role": "coreapp", "socket_conn": "DN"}, "h1:c1": {"role": "coreapp", "socket_conn": "UP"},'
            ' "h2:c2": {"role": "primary_master", "socket_conn": "UP", "socket_conn": "DN"}}}')
    body = json.loads(text, object_pairs_hook=json_object_pairs)
    result = normalize(body, now=NOW)
    assert [node['name'] for node in result['nodes']] == ['h1:c1', 'h2:c2']
    assert result['cluster']['duplicate_node_keys'] == ['h1:c1']
    assert node_of(result, 'h2:c2')['invalid_fields'] == [
        {'field': 'socket_conn', 'reason': 'the key appears more than once, so the value cannot be trusted'}]
    assert normalize(json.loads(text), now=NOW)['cluster']['duplicate_node_keys'] == []  # a body without the marker


def test_duplicate_support_key_is_a_bad_response():
    body = json.loads('{"support": {"version": "v1"}, "support": {"version": "v2"}}', object_pairs_hook=json_object_pairs)
    with pytest.raises(SupportShapeError, match='more than once'):
        normalize(body, now=NOW)


def _nested(depth, leaf=0):
    value = leaf
    for dummy in range(depth):
        value = [value]
    return value


def test_deep_nesting_is_a_shape_error_not_a_recursion_error():
    with pytest.raises(SupportShapeError, match='deeper than 32 levels'):
        normalize({'support': {'h:c': {'role': _nested(100000)}}}, now=NOW)


def test_redact_survives_deep_nesting():
    body = {'support': {'version': 'v1', 'db_info': _nested(100000, 'x')}}
    copied = redact(body)
    depth = 0
    value = copied['support']['db_info']
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert value.startswith('(nested deeper than 32 levels')
    assert depth < 40


def test_too_many_nodes_is_a_bounded_shape_error():
    support = dict(('h%d:c' % index, {}) for index in range(100000))
    with pytest.raises(SupportShapeError, match='at most 1024 nodes'):
        normalize({'support': support}, now=NOW)


def test_too_long_list_is_a_bounded_shape_error():
    with pytest.raises(SupportShapeError, match='at most 10000'):
        normalize(flat_with(env=['A=1'] * 20000), now=NOW)


@pytest.mark.parametrize('stamp', [
    datetime(2027, 5, 29, 12, 1, 55, 999999, tzinfo=timezone.utc), datetime(1000, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    datetime(999, 12, 31, 23, 59, 59, tzinfo=timezone.utc), datetime(1, 1, 1, tzinfo=timezone.utc),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=5))), datetime(2026, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=-2))),
])
def test_format_timestamp_writes_what_strftime_writes(stamp):
    assert format_timestamp(stamp) == stamp.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


@pytest.mark.parametrize('stamp', ['9999-12-31T23:59:59-05:00', '0001-01-01T00:00:00+01:00'])
def test_timestamps_at_the_calendar_edges(stamp):
    with pytest.raises(ValueError, match='outside the years'):
        parse_timestamp(stamp)
    node = normalize(flat_with(expire_timestamp=stamp), now=NOW)['nodes'][0]
    assert [item['field'] for item in node['invalid_fields']] == ['expire_timestamp']


@pytest.mark.parametrize('kwargs, count, source, unowned, topology', [
    ({}, 4, 'inferred', [3], 'multiconnect'),                       # owner of the last shard gone: unowned, not "count 3"
    ({'shard_count': 1.9}, 4, 'inferred', [3], 'multiconnect'),     # a bad API answer is not truncated
    ({'shard_count': float('inf')}, 4, 'inferred', [3], 'multiconnect'),
    ({'shard_count': 4.0}, 4, 'api', [3], 'multiconnect'),
])
def test_shard_count_of_a_cluster_missing_its_last_owner(kwargs, count, source, unowned, topology):
    body = load('mc4')
    body['support'][CORE[3]]['shards'] = []
    cluster = normalize(body, now=NOW, **kwargs)['cluster']
    assert (cluster['shard_count'], cluster['shard_count_source'], cluster['unowned_shards'], cluster['topology']) == (
        count, source, unowned, topology)
    assert (cluster['shard_count_rejected'] is not None) == (kwargs.get('shard_count') in (1.9, float('inf')))


def test_two_shard_cluster_missing_shard_1_is_not_taken_for_ha():
    body = load('mc4')
    for name in CORE[1:4]:
        body['support'][name]['shards'] = []
    cluster = normalize(body, now=NOW)['cluster']
    assert (cluster['topology'], cluster['shard_count'], cluster['unowned_shards']) == ('multiconnect', 2, [1])


@pytest.mark.parametrize('value, expected', [(4, (4, None)), (4.0, (4, None)), ('4', (4, None))])
def test_parse_shard_count(value, expected):
    assert parse_shard_count(value) == expected


@pytest.mark.parametrize('value', [1.9, float('inf'), float('nan'), 0, '4 shards', None, True])
def test_parse_shard_count_rejects(value):
    number, reason = parse_shard_count(value)
    assert number is None and reason.startswith('account.shards is not a shard count')


def test_stored_expiry_is_recomputed():
    stored = normalize(load('single'), now=NOW)
    later = NOW + timedelta(days=200)
    fresh = refresh(stored, now=later)
    assert fresh['nodes'][0]['expires_in_days'] == -19.9
    assert fresh['cluster']['expires_in_days'] == -19.9
    assert stored['nodes'][0]['expires_in_days'] == 180.1  # never modified


@pytest.mark.parametrize('mutate', [
    lambda data: data['nodes'][0].update(role='boss'),
    lambda data: data['nodes'][0].update(shards=[99]),
    lambda data: data['nodes'][0].update(free_space={'logs': 'lots'}),
    lambda data: data['nodes'][0].update(expire_timestamp='soon'),
    lambda data: data.update(nodes='x'),
    lambda data: data.update(topology='mesh'),
])
def test_stored_data_of_the_wrong_shape_is_a_shape_error(mutate):
    stored = normalize(load('ha'), now=NOW)
    mutate(stored)
    with pytest.raises(SupportShapeError, match='stored support data'):
        refresh(stored, now=NOW)


@pytest.mark.parametrize('env, secret', [
    ({'WA_DB_PASSWORD': 's3cr3t-a', 'WA_DB_ENGINE': 'MYSQL'}, 's3cr3t-a'),
    ('WA_DB_ENGINE=MYSQL\nWA_SECRET=s3cr3t-b\n', 's3cr3t-b'),
    (['WA_DB_PWD: s3cr3t-c'], 's3cr3t-c'),
    ([['WA_API_KEY', 's3cr3t-d'], ['WA_DB_ENGINE', 'MYSQL']], 's3cr3t-d'),
    ([{'Name': 'SMTP_CREDENTIALS', 'Value': 's3cr3t-e'}], 's3cr3t-e'),
    (['DB_URL=mysql://wauser:s3cr3t-f@db:3306/wa'], 's3cr3t-f'),
    (['WA_DB_PASSWORD=s3cr3t-g', 'WA_DB_ENGINE=MYSQL'], 's3cr3t-g'),
    ('MY_PASSPHRASE : s3cr3t-h', 's3cr3t-h'),
    # a shell-style env file (.env sourced by a wrapper): the export prefix hid the name, the value stayed
    ('WA_DB_ENGINE=MYSQL\nexport WA_DB_PASSWORD=s3cr3t-k\n', 's3cr3t-k'),
    (['export  WA_API_KEY = s3cr3t-l'], 's3cr3t-l'),
])
def test_redact_env_in_any_shape(env, secret):
    body = flat_with(env=env)
    text = json.dumps(redact(body))
    assert secret not in text
    assert REDACTED in text
    keyed = {'support': {'h:c': {'role': 'coreapp', 'env': env}}}
    assert secret not in json.dumps(redact(keyed))


def test_redact_masks_url_user_info_anywhere_and_secret_named_fields():
    body = flat_with(db_info=['jdbc://root:s3cr3t-i@db/wa'], WA_TOKEN='s3cr3t-j')
    text = json.dumps(redact(body))
    assert 's3cr3t-i' not in text and 's3cr3t-j' not in text
    assert 'jdbc://********@db/wa' in text


# --------------------------------------------------------------------------------------------- the table of node fields

def test_node_fields_table_order_is_the_order_of_invalid_fields():
    """_KEYED_NODE_FIELDS / _NODE_FIELDS are module-level tables (not mutated by make mutate): their order is
    pinned here through the behaviour that depends on it, the order of invalid_fields, and the first reason kept."""
    every_field_bad = {
        'role': 7, 'shards': 'x', 'socket_conn': 1, 'version': [], 'description': {}, 'os_name': [], 'os_version': [],
        'lc': [], 'lg': [], 'debug_info': [], 'expire_timestamp': 'soon', 'free_space_data': -1, 'free_space_logs': 'x',
        'free_space_media_incoming': 1.5, 'free_space_media_outgoing': [], 'db_engine': '', 'schema': 'x', 'multi_connect': 'x',
    }
    order = ['role', 'shards', 'socket_conn', 'version', 'description', 'os_name', 'os_version', 'lc', 'lg', 'debug_info',
             'expire_timestamp', 'free_space_data', 'free_space_logs', 'free_space_media_incoming', 'free_space_media_outgoing',
             'db_engine', 'schema', 'multi_connect']
    node = normalize({'support': {'h:c': dict(reversed(list(every_field_bad.items())))}}, now=NOW)['nodes'][0]
    assert [item['field'] for item in node['invalid_fields']] == order
    assert node['invalid_fields'][0]['reason'] == 'unrecognised role 7'
    flat = dict(every_field_bad, role=None, shards=None)
    node = normalize({'support': flat}, now=NOW)['nodes'][0]
    assert [item['field'] for item in node['invalid_fields']] == order[2:]
    # a repeated key is recorded first, and its reason stays when the value is also unusable
    repeated = json.loads('{"support": {"h:c": {"role": "coreapp", "schema": 1, "schema": "x"}}}', object_pairs_hook=json_object_pairs)
    node = normalize(repeated, now=NOW)['nodes'][0]
    assert [(item['field'], item['reason']) for item in node['invalid_fields']] == [
        ('schema', 'the key appears more than once, so the value cannot be trusted')]


def test_every_node_field_is_stored_where_documented():
    entry = {
        'role': 'Primary Master', 'shards': [[-1, -1]], 'socket_conn': 'up', 'version': 'v2.57.2', 'description': 'build 7',
        'os_name': 'Linux', 'os_version': 6, 'lc': 'en', 'lg': 'US', 'debug_info': ' +15550001111 ',
        'expire_timestamp': '2026-03-11T12:00:00', 'free_space_data': '100', 'free_space_logs': 2.0,
        'free_space_media_incoming': 3, 'free_space_media_outgoing': 4, 'db_engine': ' pgsql ', 'schema': {'a': '1'},
        'multi_connect': 'yes',
    }
    node = normalize({'support': {'h:c': entry}}, now=NOW)['nodes'][0]
    assert node['invalid_fields'] == []
    assert dict((key, node[key]) for key in ('role', 'shards', 'socket_conn', 'version', 'build', 'os_name', 'os_version', 'lc',
                                             'lg', 'registered', 'phone_number', 'expire_timestamp', 'expires_in_days',
                                             'free_space', 'db_engine', 'schema', 'multi_connect')) == {
        'role': 'primary_master', 'shards': [-1], 'socket_conn': 'UP', 'version': 'v2.57.2', 'build': 'build 7',
        'os_name': 'Linux', 'os_version': '6', 'lc': 'en', 'lg': 'US', 'registered': True, 'phone_number': '+15550001111',
        'expire_timestamp': '2026-03-11T12:00:00Z', 'expires_in_days': 10.0,
        'free_space': {'data': 100, 'logs': 2, 'media_incoming': 3, 'media_outgoing': 4}, 'db_engine': 'PGSQL',
        'schema': {'a': 1}, 'multi_connect': True,
    }
    assert normalize({'support': {'h:c': dict(entry, debug_info='Unregistered')}}, now=NOW)['nodes'][0]['registered'] is False


def test_refresh_finds_repeated_node_names():
    data = normalize(load('mc4'), shard_count=4, now=NOW)
    twin = copy.deepcopy(data['nodes'][2])
    data['nodes'].insert(0, twin)
    assert refresh(data, now=NOW)['cluster']['duplicate_node_keys'] == [twin['name']]
