# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the pre-upgrade verdict and restart plan (_upgrade.py): what the mutation run showed unpinned
(issue 13)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._upgrade import assess, parse_version, restart_plan

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NOW = '2026-03-01T00:00:00Z'
SHARDS = {'single': 1, 'ha': 1, 'mc4': 4}
HA_SCHEMA = ('DB schema upgrade (when v2.60.0 changes the schema; the API does not say): when the primary master restarts, '
             'a secondary master already on v2.60.0 takes the master lease and, as the primary master, upgrades the '
             'database schema; /v1/health reports uninitialized until it is done: wait for connected before going on')
SINGLE_SCHEMA = ('DB schema upgrade (when v2.60.0 changes the schema; the API does not say): run it before starting the new '
                 "container, with the coreapp image and WA_DB_UPGRADE=1 (Meta's dbupgrade-compose.yml)")
STANDBY_NOTE = 'standby coreapp (owns no shard): upgrade first so it can take shards over'
SECONDARY_NOTE = 'secondary master: can take over from the primary master'
PRIMARY_NOTE = 'primary master: last; a secondary master takes over during its restart'


def report(name, mutate=None):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        body = json.load(handle)
    if mutate:
        mutate(body['support'])
    return evaluate(body, now=NOW)


def verdict(name, mutate=None, **kwargs):
    kwargs.setdefault('policy', {'expected_shards': SHARDS[name]})
    return assess(report(name, mutate), kwargs.pop('target', 'v2.60.0'), checked_at='t', now=NOW, **kwargs)


def owner_note(shards):
    return ('owns shard(s) %s: restart alone, then wait until a standby coreapp owns shard(s) %s and is UP before the next '
            'node' % (shards, shards))


@pytest.mark.parametrize('text, expected', [
    ('v2.45.0', (2, 45)), ('2.45', (2, 45)), ('V2.45.1-beta', (2, 45, 1)), ('  v3', (3,)), ('0.0', (0,)), ('0', (0,)),
    ('v2.0.1', (2, 0, 1)), ('beta', None), ('', None), (None, None), (2.45, None),
])
def test_parse_version_literals(text, expected):
    assert parse_version(text) == expected


def test_plan_steps_of_a_single_instance():
    assert restart_plan(report('single')) == [{
        'node': 'single', 'hostname': None, 'container_id': None, 'role': 'single', 'shards': [], 'version': 'v2.57.2',
        'phase': 'single', 'note': 'single instance: the restart interrupts service', 'step': 1}]


def test_plan_steps_of_ha_in_full():
    assert restart_plan(report('ha')) == [
        {'node': '10.0.1.22:wa-core-1', 'hostname': '10.0.1.22', 'container_id': 'wa-core-1', 'role': 'coreapp', 'shards': [],
         'version': 'v2.57.2', 'phase': 'standby_coreapps', 'note': STANDBY_NOTE, 'step': 1},
        {'node': '10.0.0.12:wa-master-1', 'hostname': '10.0.0.12', 'container_id': 'wa-master-1', 'role': 'secondary_master',
         'shards': [], 'version': 'v2.57.2', 'phase': 'secondary_masters', 'note': SECONDARY_NOTE, 'step': 2},
        {'node': '10.0.1.21:wa-core-0', 'hostname': '10.0.1.21', 'container_id': 'wa-core-0', 'role': 'coreapp',
         'shards': [-1, 0], 'version': 'v2.57.2', 'phase': 'shard_owners', 'note': owner_note('-1, 0'), 'step': 3},
        {'node': '10.0.0.11:wa-master-0', 'hostname': '10.0.0.11', 'container_id': 'wa-master-0', 'role': 'primary_master',
         'shards': [], 'version': 'v2.57.2', 'phase': 'primary_master', 'note': PRIMARY_NOTE, 'step': 4},
    ]


def test_plan_orders_shard_owners_by_lowest_message_shard_and_a_control_only_owner_last():
    def shuffle(support):
        cores = sorted(key for key, node in support.items() if node.get('role') == 'coreapp' and node.get('shards'))
        support[cores[0]]['shards'] = [3]      # wa-core-0
        support[cores[3]]['shards'] = [0]      # wa-core-3
        support[cores[1]]['shards'] = [-1]     # wa-core-1: control shard only: sorts as 99
    plan = restart_plan(report('mc4', shuffle))
    assert [(step['step'], step['node'], step['shards']) for step in plan if step['phase'] == 'shard_owners'] == [
        (3, '10.0.1.24:wa-core-3', [0]), (4, '10.0.1.23:wa-core-2', [2]), (5, '10.0.1.21:wa-core-0', [3]),
        (6, '10.0.1.22:wa-core-1', [-1])]


def test_go_messages_in_full():
    single = verdict('single')
    assert single['message'] == (
        'cluster: GO for the upgrade v2.57.2 -> v2.60.0 (single); restart order:\n  1. single (single)\nschema upgrade at '
        'step 1: ' + SINGLE_SCHEMA + '\nfinding(s) below the threshold:\n- [warning] upgrade_no_failover (cluster): single '
        'instance: nothing can take over, the restart interrupts service')
    assert single['schema_upgrade'] == {'step': 1, 'node': 'single', 'note': SINGLE_SCHEMA}
    assert single['plan'][0]['note'] == 'single instance: the restart interrupts service; ' + SINGLE_SCHEMA
    assert (single['go'], single['status'], single['current_version'], single['blocking']) == (True, 'warning', 'v2.57.2', [])

    mc = verdict('mc4', cluster='mc')
    assert mc['message'] == (
        'mc: GO for the upgrade v2.57.2 -> v2.60.0 (multiconnect); restart order:\n'
        '  1. 10.0.1.25:wa-core-4 (coreapp)\n  2. 10.0.0.12:wa-master-1 (secondary_master)\n'
        '  3. 10.0.1.21:wa-core-0 (coreapp, shards 0)\n  4. 10.0.1.22:wa-core-1 (coreapp, shards 1)\n'
        '  5. 10.0.1.23:wa-core-2 (coreapp, shards 2)\n  6. 10.0.1.24:wa-core-3 (coreapp, shards 3)\n'
        '  7. 10.0.0.11:wa-master-0 (primary_master, shards -1)\nschema upgrade at step 7: ' + HA_SCHEMA)
    assert mc['schema_upgrade'] == {'step': 7, 'node': '10.0.0.11:wa-master-0', 'note': HA_SCHEMA}
    assert mc['plan'][6]['note'] == PRIMARY_NOTE + '; ' + HA_SCHEMA
    assert (mc['go'], mc['status'], mc['findings'], mc['cluster'], mc['target_version']) == (True, 'ok', [], 'mc', 'v2.60.0')
    assert mc['upgrade_levels'] == {'min_free_space': 10737418240, 'free_space': {}}


def test_no_go_message_in_full():
    result = verdict('ha', target='v2.57.0')
    assert result['message'] == (
        'cluster: NO-GO for the upgrade v2.57.2 -> v2.57.0: 1 blocking of 1 finding(s):\n'
        '- [critical] upgrade_target_not_newer (cluster): target v2.57.0 is not newer than the running version v2.57.2')
    assert (result['go'], result['status']) == (False, 'critical')


def test_no_go_of_an_unreachable_cluster():
    result = assess({'failed': True, 'error': {'code': 'unreachable', 'message': 'refused'}}, 'v2.60.0', cluster='eu',
                    checked_at='t', url='https://u:pw@h/x')
    assert result == {
        'cluster': 'eu', 'url': 'https://h/x', 'go': False, 'status': 'error', 'fail_on': 'critical',
        'target_version': 'v2.60.0', 'current_version': None, 'topology': None, 'findings': [], 'blocking': [], 'plan': [],
        'error': {'code': 'unreachable', 'message': 'refused'}, 'checked_at': 't',
        'upgrade_levels': {'min_free_space': 10737418240, 'free_space': {}}, 'schema_upgrade': None,
        'message': 'eu: NO-GO for the upgrade to v2.60.0: the cluster could not be checked: [unreachable] refused'}


def test_same_version_written_two_ways_is_not_newer_nor_mixed():
    def two_ways(support):
        key = sorted(support)[0]
        support[key]['version'] = 'v2.57.2.0'
    result = verdict('ha', two_ways, target='v2.57.2')
    assert [(f['code'], f['message']) for f in result['blocking']] == [
        ('upgrade_target_not_newer', 'target v2.57.2 is not newer than the running version v2.57.2')]
    assert result['current_version'] == 'v2.57.2'


def test_mixed_versions_message():
    def mixed(support):
        key = sorted(support)[0]
        support[key]['version'] = 'v2.55.1'
    result = verdict('ha', mixed)
    assert [(f['code'], f['node'], f['message']) for f in result['blocking']] == [
        ('upgrade_version_mixed', None, 'nodes run 2 versions (an upgrade is already under way; finish or roll it back first): '
         'v2.55.1 on 10.0.0.11:wa-master-0; v2.57.2 on 10.0.0.12:wa-master-1, 10.0.1.21:wa-core-0, 10.0.1.22:wa-core-1')]
    assert result['message'].startswith('cluster: NO-GO for the upgrade ? -> v2.60.0: 1 blocking of 2 finding(s):\n- '
                                        '[warning] version_mismatch (cluster): ')


def test_invalid_target_and_unknown_versions():
    def versions(support):
        keys = sorted(support)
        support[keys[0]]['version'] = None
        support[keys[1]]['version'] = 'beta'
    result = verdict('ha', versions, target='next')
    assert [(f['code'], f['node'], f['message']) for f in result['blocking']] == [
        ('upgrade_target_invalid', None, "target_version 'next' is not a version (expected for example v2.47.0)"),
        ('upgrade_version_unknown', '10.0.0.11:wa-master-0', 'node reports no version: the version it runs cannot be told'),
        ('upgrade_version_unknown', '10.0.0.12:wa-master-1', "node reports version 'beta': the version it runs cannot be told"),
    ]


def test_takeover_messages_singular_and_plural():
    def no_standby(support):
        standby = [key for key, node in sorted(support.items()) if node.get('role') == 'coreapp' and not node.get('shards')]
        for key in standby:
            del support[key]
    result = verdict('ha', no_standby, policy={'expected_shards': 1, 'min_standby_coreapps': 0})
    assert [(f['code'], f['node'], f['message']) for f in result['blocking']] == [
        ('upgrade_standby_missing', '10.0.1.21:wa-core-0', 'step 2 restarts coreapp 10.0.1.21:wa-core-0: shards -1, 0 would '
         'have no owner (no standby coreapp, a coreapp owning no shard and not in error, can take them over)')]

    def no_standby_mc(support):
        for key in [key for key, node in support.items() if node.get('role') == 'coreapp' and not node.get('shards')]:
            del support[key]
    result = verdict('mc4', no_standby_mc, policy={'expected_shards': 4, 'min_standby_coreapps': 0})
    messages = [f['message'] for f in result['blocking']]
    assert messages[0] == ('step 2 restarts coreapp 10.0.1.21:wa-core-0: shard 0 would have no owner (no standby coreapp, '
                           'a coreapp owning no shard and not in error, can take it over)')
    assert len(messages) == 4


def test_secondary_missing_message():
    def no_secondary(support):
        for key in [key for key, node in support.items() if node.get('role') == 'secondary_master']:
            del support[key]
    result = verdict('mc4', no_secondary, policy={'expected_shards': 4, 'min_secondary_masters': 0})
    assert [(f['code'], f['node'], f['message']) for f in result['blocking']] == [
        ('upgrade_secondary_missing', '10.0.0.11:wa-master-0', 'step 6 restarts primary_master 10.0.0.11:wa-master-0: control '
         'shard -1 would have no owner (no secondary master, not in error, can take it over)')]


def test_free_space_levels():
    result = verdict('single', min_free_space='1 TiB', free_space={'logs': None})
    assert result['upgrade_levels'] == {'min_free_space': 1099511627776, 'free_space': {}}
    with pytest.raises(ValueError) as info:
        verdict('single', free_space={'tmp': '1G'})
    assert str(info.value).startswith("free_space: unknown directory 'tmp' (known directories: ")
    with pytest.raises(ValueError) as info:
        verdict('single', free_space=['logs'])
    assert str(info.value) == 'upgrade free space levels: expected a mapping of directory -> size, got list'
    with pytest.raises(ValueError) as info:
        verdict('single', min_free_space='lots')
    assert str(info.value).startswith('upgrade free space level: ')


def test_a_none_override_before_another_directory_keeps_the_other():
    result = verdict('ha', free_space={'data': None, 'logs': '1000 TiB'})
    assert sorted(set((f['code'], f['severity']) for f in result['blocking'])) == [('upgrade_free_space_low', 'critical')]
    assert result['upgrade_levels']['free_space'] == {'logs': 1099511627776000}
    assert all('the upgrade level' in f['message'] for f in result['blocking'])


def test_state_findings_in_full():
    def states(support):
        keys = sorted(support)
        support[keys[0]] = {'errors': [{'code': 1011, 'title': 'Service unavailable'}, {'code': 1006, 'title': 'Not found'}]}
        support[keys[1]]['role'] = 'wizard'
        support[keys[2]]['socket_conn'] = 'SC'
        support[keys[3]]['expire_timestamp'] = '2026-03-01T00:00:00'   # expires right now: not expired yet
        support[keys[4]]['expire_timestamp'] = '2026-02-28T23:59:00'
    result = verdict('mc4', states)
    assert [(f['code'], f['severity'], f['node'], f['message']) for f in result['findings']
            if f['code'] in ('upgrade_node_state', 'upgrade_build_expired')] == [
        ('upgrade_build_expired', 'critical', '10.0.1.23:wa-core-2',
         'node runs an expired build (expire_timestamp 2026-02-28T23:59:00Z)'),
        ('upgrade_node_state', 'critical', '10.0.0.11:wa-master-0',
         'node is in error (1011 Service unavailable; 1006 Not found); restart or repair it before the upgrade'),
        ('upgrade_node_state', 'critical', '10.0.0.12:wa-master-1',
         'node has an unknown role; it cannot be placed in the restart order'),
        ('upgrade_node_state', 'critical', '10.0.1.21:wa-core-0',
         'node is in a transient state (socket_conn SC); wait until it settles'),
    ]


def test_findings_sorted_critical_first_then_cluster_wide_before_nodes():
    def no_version(support):
        support['version'] = None
    assert [(f['code'], f['node'], f['severity']) for f in verdict('single', no_version)['findings']] == [
        ('upgrade_version_unknown', None, 'critical'), ('upgrade_version_unknown', 'single', 'critical'),
        ('upgrade_no_failover', None, 'warning')]

    def no_versions(support):
        for key in support:
            support[key]['version'] = None
    result = verdict('ha', no_versions)
    assert result['findings'][0]['message'] == 'no node reports a version that can be compared'
    assert [(f['code'], f['node']) for f in result['findings']] == [
        ('upgrade_version_unknown', None), ('upgrade_version_unknown', '10.0.0.11:wa-master-0'),
        ('upgrade_version_unknown', '10.0.0.12:wa-master-1'), ('upgrade_version_unknown', '10.0.1.21:wa-core-0'),
        ('upgrade_version_unknown', '10.0.1.22:wa-core-1')]


def test_a_node_in_error_first_does_not_hide_the_versions_of_the_others():
    def first_in_error(support):
        support['10.0.0.11:wa-master-0']['errors'] = [{'code': 1013, 'title': 'User is not admin'}]
    result = verdict('ha', first_in_error)
    assert result['current_version'] == 'v2.57.2'
    assert [(f['code'], f['node']) for f in result['findings']] == [
        ('node_error', '10.0.0.11:wa-master-0'), ('primary_master_count', None), ('upgrade_node_state', '10.0.0.11:wa-master-0')]


def test_upgrade_free_space_findings_name_their_node_and_errors_in_full():
    result = verdict('ha', free_space={'data': None, 'logs': '1000 TiB'})
    assert [(f['node'], f['message']) for f in result['blocking']] == [
        (name, 'logs free space 13.3 GiB is below the upgrade level 1000.0 TiB')
        for name in ('10.0.0.11:wa-master-0', '10.0.0.12:wa-master-1', '10.0.1.21:wa-core-0', '10.0.1.22:wa-core-1')]
    with pytest.raises(ValueError) as info:
        verdict('single', free_space={'tmp': '1G'})
    assert str(info.value) == "free_space: unknown directory 'tmp' (known directories: data, logs, media_incoming, media_outgoing)"
    with pytest.raises(ValueError) as info:
        verdict('single', min_free_space='lots')
    assert str(info.value) == ("upgrade free space level: invalid size 'lots': expected bytes as an integer, or a number with a unit B, "
                               'KB, MB, GB, TB (powers of 1000), K/KiB, M/MiB, G/GiB, T/TiB (powers of 1024)')


def test_topology_unknown_message():
    def no_shards(support):
        for key in support:
            support[key]['shards'] = []
    result = verdict('ha', no_shards, policy={})
    assert result['topology'] == 'unknown'
    assert [(f['code'], f['node'], f['message']) for f in result['findings'] if f['code'].startswith('upgrade_')] == [
        ('upgrade_topology_unknown', None, 'topology is unknown: cannot plan a rolling restart')]


def test_schema_upgrade_without_a_secondary_master():
    def no_secondary(support):
        del support['10.0.0.12:wa-master-1']
    result = verdict('ha', no_secondary, policy={'expected_shards': 1, 'min_secondary_masters': 0})
    note = ('DB schema upgrade (when v2.60.0 changes the schema; the API does not say): there is no secondary master, so the primary '
            'master, restarted on v2.60.0, upgrades the database schema itself; /v1/health reports uninitialized until it is done: '
            'wait for connected before going on')
    assert result['go'] is True
    assert result['schema_upgrade'] == {'step': 3, 'node': '10.0.0.11:wa-master-0', 'note': note}
    assert result['plan'][-1]['note'] == (
        'primary master: last; no secondary master can take over: the cluster has no master while it restarts (coreapps keep serving '
        'the API; no registration, settings change or failover until it is back); ' + note)
    assert result['message'] == ('cluster: GO for the upgrade v2.57.2 -> v2.60.0 (ha); restart order:\n'
                                 '  1. 10.0.1.22:wa-core-1 (coreapp)\n'
                                 '  2. 10.0.1.21:wa-core-0 (coreapp, shards -1, 0)\n'
                                 '  3. 10.0.0.11:wa-master-0 (primary_master)\n'
                                 'schema upgrade at step 3: ' + note)


def test_the_policy_shard_count_decides_the_takeover_of_the_control_shard():
    def no_secondary(support):
        del support['10.0.0.12:wa-master-1']
    result = verdict('ha', no_secondary, policy={'expected_shards': 2, 'min_secondary_masters': 0})   # stored as HA, checked as MC
    assert [(f['code'], f['node'], f['message']) for f in result['findings'] if f['code'].startswith('upgrade_')] == [
        ('upgrade_secondary_missing', '10.0.1.21:wa-core-0', 'step 2 restarts coreapp 10.0.1.21:wa-core-0: control shard -1 would have '
         'no owner (no secondary master, not in error, can take it over)')]


def test_a_gate_warning_blocks_the_upgrade_at_fail_on_warning():
    result = verdict('single', fail_on='warning', policy={'free_space_warning': '20GiB'})
    assert (result['go'], result['status'], result['fail_on']) == (False, 'warning', 'warning')
    assert result['message'] == (
        'cluster: NO-GO for the upgrade v2.57.2 -> v2.60.0: 1 blocking of 2 finding(s):\n'
        '- [warning] free_space_low (single): logs free space 13.3 GiB is below the warning level 20.0 GiB\n'
        '- [warning] upgrade_no_failover (cluster): single instance: nothing can take over, the restart interrupts service')


@pytest.mark.parametrize('kwargs, message', [({'target': 5}, 'target_version: expected a string, got int'),
                                             ({'cluster': 5}, 'cluster: expected a string, got int')])
def test_text_options_must_be_strings(kwargs, message):
    with pytest.raises(ValueError) as info:
        verdict('single', **kwargs)
    assert str(info.value) == message


def test_go_with_findings_below_the_threshold():
    result = verdict('single', policy={'free_space_warning': '20GiB'})
    assert (result['go'], result['status']) == (True, 'warning')
    assert result['message'] == (
        'cluster: GO for the upgrade v2.57.2 -> v2.60.0 (single); restart order:\n  1. single (single)\nschema upgrade at step 1: '
        + SINGLE_SCHEMA + '\nfinding(s) below the threshold:\n'
        '- [warning] free_space_low (single): logs free space 13.3 GiB is below the warning level 20.0 GiB\n'
        '- [warning] upgrade_no_failover (cluster): single instance: nothing can take over, the restart interrupts service')


def test_go_without_a_primary_master_has_no_schema_step():
    def no_primary(support):
        del support['10.0.0.11:wa-master-0']
    result = verdict('ha', no_primary, policy={'expected_shards': 1, 'ignore': ['primary_master_count']})
    assert (result['go'], result['schema_upgrade']) == (True, None)
    assert result['message'] == ('cluster: GO for the upgrade v2.57.2 -> v2.60.0 (ha); restart order:\n'
                                 '  1. 10.0.1.22:wa-core-1 (coreapp)\n'
                                 '  2. 10.0.0.12:wa-master-1 (secondary_master)\n'
                                 '  3. 10.0.1.21:wa-core-0 (coreapp, shards -1, 0)')
