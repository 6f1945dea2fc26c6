# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pre-upgrade go / no-go and restart plan (module_utils/_upgrade.py) and gate verdicts (_verdict.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._upgrade import UPGRADE_FINDING_CODES, assess, parse_version, restart_plan
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import gate_verdict, safe_url, support_report

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NOW = '2026-03-01T00:00:00Z'


def body(name):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        return json.load(handle)


API_SHARDS = {'mc4': 4, 'ha': 1}


def report(name, mutate=None, **kwargs):
    data = body(name)
    if mutate:
        mutate(data['support'])
    kwargs.setdefault('shard_count', API_SHARDS.get(name))  # what GET /v1/account/shards answers
    return evaluate(data, now=NOW, **kwargs)


def codes(findings):
    return sorted(set(finding['code'] for finding in findings))


def by_role(support, role):
    return [key for key, node in sorted(support.items()) if node.get('role') == role]


@pytest.mark.parametrize('text, expected', [
    ('v2.45.1', (2, 45, 1)), ('2.45', (2, 45)), ('v2.45.0', (2, 45)), ('V2.47.1-beta', (2, 47, 1)),
    ('latest', None), (None, None), (245, None),
])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_plan_ha_documented_order():
    plan = restart_plan(report('ha'))
    assert [(step['step'], step['node'], step['role'], step['phase']) for step in plan] == [
        (1, '10.0.1.22:wa-core-1', 'coreapp', 'standby_coreapps'),
        (2, '10.0.0.12:wa-master-1', 'secondary_master', 'secondary_masters'),
        (3, '10.0.1.21:wa-core-0', 'coreapp', 'shard_owners'),
        (4, '10.0.0.11:wa-master-0', 'primary_master', 'primary_master'),
    ]
    assert plan[2]['shards'] == [-1, 0]


def test_plan_multiconnect_documented_order():
    plan = restart_plan(report('mc4'))
    assert [step['phase'] for step in plan] == ['standby_coreapps', 'secondary_masters'] + ['shard_owners'] * 4 + ['primary_master']
    assert [step['shards'] for step in plan if step['phase'] == 'shard_owners'] == [[0], [1], [2], [3]]
    assert plan[-1]['role'] == 'primary_master' and plan[-1]['shards'] == [-1]
    assert [step['step'] for step in plan] == list(range(1, 8))


def test_go_healthy_ha_and_mc():
    for name in ('ha', 'mc4'):
        verdict = assess(report(name), 'v2.59.0', cluster=name, checked_at=NOW, now=NOW)
        assert verdict['go'] is True, verdict['message']
        assert verdict['current_version'] == 'v2.57.2'
        assert verdict['blocking'] == [] and verdict['error'] is None
        assert 'GO for the upgrade v2.57.2 -> v2.59.0' in verdict['message']
        assert verdict['checked_at'] == NOW


def test_single_warns_no_failover_but_goes():
    verdict = assess(report('single'), 'v2.59.0', now=NOW)
    assert verdict['go'] is True
    assert codes(verdict['findings']) == ['upgrade_no_failover']
    assert [step['phase'] for step in verdict['plan']] == ['single']


@pytest.mark.parametrize('target, code, message', [
    ('v2.57.2', 'upgrade_target_not_newer', 'target v2.57.2 is not newer than the running version v2.57.2'),
    ('v2.50.0', 'upgrade_target_not_newer', 'target v2.50.0 is not newer than the running version v2.57.2'),
    ('next', 'upgrade_target_invalid', "target_version 'next' is not a version (expected for example v2.47.0)"),
])
def test_target(target, code, message):
    verdict = assess(report('mc4'), target, now=NOW)
    assert verdict['go'] is False
    assert [(f['code'], f['node'], f['message']) for f in verdict['blocking']] == [(code, None, message)]


@pytest.mark.parametrize('target', ['v2.59.0x', 'v2.59.0"; rm -rf /', 'v2..59', 'v' + '9' * 5000])
def test_target_that_is_not_exactly_a_version(target):
    """A typo or trailing text was read as its leading digits (v2.59.0x went ahead)."""
    verdict = assess(report('mc4'), target, now=NOW)
    assert verdict['go'] is False
    assert [f['code'] for f in verdict['blocking']] == ['upgrade_target_invalid']


@pytest.mark.parametrize('target', ['v2.59.0', '2.59', ' v2.59.0 ', 'V2.59.0-rc1', 'v2.59.0+build.7'])
def test_target_spellings_that_go(target):
    assert assess(report('mc4'), target, now=NOW)['target_version'] == target
    assert 'upgrade_target_invalid' not in codes(assess(report('mc4'), target, now=NOW)['findings'])


def test_mixed_versions_block():
    def mutate(support):
        support[by_role(support, 'coreapp')[0]]['version'] = 'v2.59.0'
    verdict = assess(report('mc4', mutate), 'v2.59.0', now=NOW)
    assert verdict['go'] is False
    assert [(f['code'], f['message']) for f in verdict['blocking']] == [(
        'upgrade_version_mixed', 'nodes run 2 versions (an upgrade is already under way; finish or roll it back first): v2.57.2 on '
        '10.0.0.11:wa-master-0, 10.0.0.12:wa-master-1, 10.0.1.22:wa-core-1, 10.0.1.23:wa-core-2, 10.0.1.24:wa-core-3, '
        '10.0.1.25:wa-core-4; v2.59.0 on 10.0.1.21:wa-core-0')]
    assert verdict['current_version'] is None


def test_no_standby_blocks_even_if_policy_ignores_it():
    def mutate(support):
        for key in by_role(support, 'coreapp'):
            if not support[key]['shards']:
                del support[key]
    verdict = assess(report('mc4', mutate), 'v2.59.0', policy={'ignore': ['standby_coreapp_missing', 'role_count_mismatch']}, now=NOW)
    assert codes(verdict['blocking']) == ['upgrade_standby_missing']
    # one finding per step that would leave a shard without an owner, naming the step and the shard
    assert [(f['node'], f['message']) for f in verdict['blocking']] == [
        ('10.0.1.21:wa-core-0', 'step 2 restarts coreapp 10.0.1.21:wa-core-0: shard 0 would have no owner '
                                '(no standby coreapp, a coreapp owning no shard and not in error, can take it over)'),
        ('10.0.1.22:wa-core-1', 'step 3 restarts coreapp 10.0.1.22:wa-core-1: shard 1 would have no owner '
                                '(no standby coreapp, a coreapp owning no shard and not in error, can take it over)'),
        ('10.0.1.23:wa-core-2', 'step 4 restarts coreapp 10.0.1.23:wa-core-2: shard 2 would have no owner '
                                '(no standby coreapp, a coreapp owning no shard and not in error, can take it over)'),
        ('10.0.1.24:wa-core-3', 'step 5 restarts coreapp 10.0.1.24:wa-core-3: shard 3 would have no owner '
                                '(no standby coreapp, a coreapp owning no shard and not in error, can take it over)'),
    ]


def test_multiconnect_without_secondary_master_is_no_go():
    def mutate(support):
        del support[by_role(support, 'secondary_master')[0]]
    verdict = assess(report('mc4', mutate), 'v2.59.0', now=NOW)
    assert verdict['go'] is False
    assert codes(verdict['blocking']) == ['upgrade_secondary_missing']
    assert verdict['blocking'][0]['message'] == (
        'step 6 restarts primary_master 10.0.0.11:wa-master-0: control shard -1 would have no owner '
        '(no secondary master, not in error, can take it over)')


def test_ha_standby_in_error_cannot_take_over():
    def mutate(support):
        support[by_role(support, 'coreapp')[1]] = {'errors': [{'code': 1011, 'title': 'Service not ready'}]}
    verdict = assess(report('ha', mutate), 'v2.59.0', now=NOW)
    assert verdict['go'] is False
    assert [f['message'] for f in verdict['blocking'] if f['code'] == 'upgrade_standby_missing'] == [
        'step 2 restarts coreapp 10.0.1.21:wa-core-0: shards -1, 0 would have no owner '
        '(no standby coreapp, a coreapp owning no shard and not in error, can take them over)']


def test_node_without_version_is_no_go():
    def mutate(support):
        del support[by_role(support, 'coreapp')[4]]['version']
    verdict = assess(report('mc4', mutate), 'v2.59.0', now=NOW)
    assert verdict['go'] is False
    assert [(f['code'], f['node']) for f in verdict['blocking']] == [('upgrade_version_unknown', '10.0.1.25:wa-core-4')]


def test_node_with_unreadable_version_is_no_go():
    def mutate(support):
        support[by_role(support, 'coreapp')[0]]['version'] = 'latest'
    verdict = assess(report('mc4', mutate), 'v2.59.0', now=NOW)
    assert verdict['go'] is False
    assert [(f['code'], f['node']) for f in verdict['blocking']] == [('upgrade_version_unknown', '10.0.1.21:wa-core-0')]


def test_schema_upgrade_step_is_located():
    ha = assess(report('ha'), 'v2.59.0', now=NOW)
    assert ha['schema_upgrade'] == {
        'step': 4, 'node': '10.0.0.11:wa-master-0',
        'note': 'DB schema upgrade (when v2.59.0 changes the schema; the API does not say): when the primary master restarts, '
                'a secondary master already on v2.59.0 takes the master lease and, as the primary master, upgrades the database '
                'schema; /v1/health reports uninitialized until it is done: wait for connected before going on',
    }
    assert ha['plan'][3]['note'].endswith(ha['schema_upgrade']['note'])
    assert 'schema upgrade at step 4' in ha['message']
    single = assess(report('single'), 'v2.59.0', now=NOW)
    assert single['schema_upgrade']['step'] == 1
    assert 'WA_DB_UPGRADE=1' in single['schema_upgrade']['note']
    assert assess({'error': {'code': 'timeout', 'message': 'slow'}}, 'v2.59.0')['schema_upgrade'] is None


def test_free_space_upgrade_level_reuses_checks():
    def mutate(support):
        support[by_role(support, 'coreapp')[0]]['free_space_logs'] = 8 * 1024 ** 3
    verdict = assess(report('mc4', mutate), 'v2.59.0', now=NOW)
    assert verdict['go'] is False
    assert codes(verdict['blocking']) == ['upgrade_free_space_low']
    assert 'upgrade level 10.0 GiB' in verdict['blocking'][0]['message']
    assert assess(report('mc4', mutate), 'v2.59.0', min_free_space='5GiB', now=NOW)['go'] is True
    assert assess(report('mc4', mutate), 'v2.59.0', min_free_space='1GiB', free_space={'logs': '9GiB'}, now=NOW)['go'] is False


def test_transient_error_and_expired_nodes():
    def mutate(support):
        keys = by_role(support, 'coreapp')
        support[keys[-1]]['socket_conn'] = 'SC'  # a standby: the gate does not mind, the upgrade does
        support[keys[0]]['expire_timestamp'] = '2026-02-01T00:00:00'
        support[keys[1]] = {'errors': [{'code': 1011, 'title': 'Service not ready'}]}
    verdict = assess(report('mc4', mutate), 'v2.59.0', now=NOW)
    assert verdict['go'] is False
    assert [(f['code'], f['node']) for f in verdict['blocking']] == [
        ('build_expired', '10.0.1.21:wa-core-0'), ('node_error', '10.0.1.22:wa-core-1'), ('shard_unowned', None),
        ('upgrade_build_expired', '10.0.1.21:wa-core-0'), ('upgrade_node_state', '10.0.1.22:wa-core-1'),
        ('upgrade_node_state', '10.0.1.25:wa-core-4')]
    # every finding in one message
    for finding in verdict['findings']:
        assert finding['message'] in verdict['message']


def test_failed_call_is_no_go_with_error():
    failed = {'failed': True, 'reachable': False, 'msg': '[unreachable] refused',
              'error': {'code': 'unreachable', 'message': 'connection refused', 'password': 'x'}}
    verdict = assess(failed, 'v2.59.0', cluster='eu-1', now=NOW)
    assert verdict['go'] is False and verdict['plan'] == []
    assert verdict['error'] == {'code': 'unreachable', 'message': 'connection refused'}
    assert '[unreachable]' in verdict['message']


def test_codes_documented_with_severity():
    assert dict((code, spec['severity']) for code, spec in UPGRADE_FINDING_CODES.items()) == {
        'upgrade_target_invalid': 'critical', 'upgrade_version_unknown': 'critical', 'upgrade_version_mixed': 'critical',
        'upgrade_target_not_newer': 'critical', 'upgrade_build_expired': 'critical', 'upgrade_free_space_low': 'critical',
        'upgrade_standby_missing': 'critical', 'upgrade_secondary_missing': 'critical', 'upgrade_node_state': 'critical',
        'upgrade_topology_unknown': 'critical', 'upgrade_no_failover': 'warning'}


# ------------------------------------------------------------------------------------------ gate verdict

def test_gate_passes_healthy_and_reports_warnings_below_threshold():
    def mutate(support):
        support[by_role(support, 'coreapp')[0]]['free_space_logs'] = 3 * 1024 ** 3
    data = report('mc4', mutate)
    verdict = gate_verdict(data, policy={'expected_shards': 4}, cluster='eu-1', now=NOW)
    assert verdict['passed'] is True and verdict['status'] == 'warning' and verdict['blocking'] == []
    strict = gate_verdict(data, policy={'expected_shards': 4}, fail_on='warning', cluster='eu-1', now=NOW)
    assert strict['passed'] is False and codes(strict['blocking']) == ['free_space_low']
    assert 'eu-1 FAILED the health gate (fail_on warning' in strict['message']


def test_gate_recheck_with_other_policy_no_api():
    data = report('mc4')
    stricter = gate_verdict(data, policy={'free_space_warning': '20GiB', 'severity': {'free_space_low': 'critical'}}, now=NOW)
    assert stricter['passed'] is False and set(codes(stricter['blocking'])) == {'free_space_low'}
    assert gate_verdict(data, policy={'nope': 1}, now=NOW)['error']['code'] == 'invalid_policy'


def test_gate_every_finding_in_message():
    def mutate(support):
        keys = by_role(support, 'coreapp')
        support[keys[1]]['socket_conn'] = 'DN'
        support[keys[1]]['shards'] = []
        support[keys[2]] = {'errors': [{'code': 1011, 'title': 'Service not ready'}]}
    verdict = gate_verdict(report('mc4', mutate, shard_count=None), cluster='mc', now=NOW)
    assert verdict['passed'] is False
    assert [(f['code'], f['node']) for f in verdict['findings']] == [
        ('node_error', '10.0.1.23:wa-core-2'), ('shard_count_inferred', None), ('shard_unowned', None),
        ('shard_unowned', None)]  # shards 1 and 2
    for finding in verdict['findings']:
        assert '%s (%s): %s' % (finding['code'], finding['node'] or 'cluster', finding['message']) in verdict['message']


def test_support_report_rejects_garbage():
    with pytest.raises(ValueError, match=r'^expected support data \(a support_info result, the wabiz_support fact or a report\), got list$'):
        support_report(['x'], now=NOW)
    with pytest.raises(ValueError, match='^expected support data with topology, nodes and cluster .*; got keys status$'):
        support_report({'status': 'ok'}, now=NOW)
    assert support_report({'failed': True, 'msg': 'boom'}, now=NOW)[1] == {'code': 'module_failed', 'message': 'boom'}
    # registered under failed_when: false, a module that failed on its arguments has failed == False
    assert support_report({'failed': False, 'failed_when_result': False, 'changed': False,
                           'msg': 'missing required arguments: url'}, now=NOW)[1] == {
        'code': 'module_failed', 'message': 'missing required arguments: url'}


def test_stored_data_not_modified():
    data = report('ha')
    before = copy.deepcopy(data)
    gate_verdict(data, policy={'free_space_warning': '20GiB'}, now=NOW)
    assess(data, 'v2.59.0', now=NOW)
    assert data == before


@pytest.mark.parametrize('url, expected', [
    ('https://u:p@wa.example:9090/eu-1?token=x#f', 'https://wa.example:9090/eu-1'),
    ('https://wa.example', 'https://wa.example'), (None, None), ('', None),
])
def test_safe_url(url, expected):
    assert safe_url(url) == expected


# ------------------------------------------------------------------------------------------ stored data is re-evaluated

def test_stored_expiry_is_recomputed_at_evaluation_time():
    stored = report('mc4')  # read on NOW: every build expires 2026-08-28
    assert gate_verdict(stored, now=NOW)['passed'] is True
    later = gate_verdict(stored, now='2026-09-01T00:00:00Z')
    assert later['passed'] is False
    assert [(f['code'], f['message']) for f in later['blocking']] == [
        ('build_expired', 'build expired 3.4 days ago (expire_timestamp 2026-08-28T14:26:07Z; expected a date in the future)')] * 7
    stored['nodes'][0]['expires_in_days'] = 100  # a stored days field is never trusted
    assert gate_verdict(stored, now='2026-09-01T00:00:00Z')['passed'] is False
    assert assess(stored, 'v2.59.0', now='2026-09-01T00:00:00Z')['go'] is False


def test_stored_cluster_summary_is_not_trusted():
    stored = report('mc4')
    owner = [node for node in stored['nodes'] if node['shards'] == [2]][0]
    owner['shards'] = []
    owner['socket_conn'] = 'DN'
    # the stored summary still says every shard is owned, the stored status and findings say ok
    verdict = gate_verdict(stored, now=NOW)
    assert verdict['passed'] is False
    assert [(f['code'], f['message']) for f in verdict['blocking']] == [('shard_unowned', 'shard 2 has no owner (expected exactly one coreapp)')]
    assert support_report(stored, now=NOW)[0]['cluster']['unowned_shards'] == [2]


def test_stored_api_shard_count_is_kept():
    stored = report('mc4', shard_count=8)
    assert stored['cluster']['shard_count_source'] == 'api'
    verdict = gate_verdict(stored, now=NOW)
    assert verdict['passed'] is False
    assert [f['message'] for f in verdict['blocking']] == ['shard %d has no owner (expected exactly one coreapp)' % shard for shard in (4, 5, 6, 7)]
    assert support_report(stored, now=NOW)[0]['cluster']['unowned_shards'] == [4, 5, 6, 7]


def test_stored_invalid_fields_still_fail_closed():
    stored = report('mc4', lambda support: support[by_role(support, 'coreapp')[0]].update(free_space_logs='lots'))
    findings = support_report(stored, now=NOW)[0]['findings']
    assert [(f['code'], f['severity']) for f in findings if f['code'] == 'field_unreadable'] == [('field_unreadable', 'critical')]
    assert support_report(stored, now=NOW)[0]['status'] == 'critical'


ROLE_UNREADABLE = "node '10.0.0.1:a'.role: expected one of primary_master, secondary_master, coreapp, single, unknown"


@pytest.mark.parametrize('nodes, error', [
    ([{'name': '10.0.0.1:a', 'shards': 'x', 'free_space': 7}], ROLE_UNREADABLE),
    ([{'name': ['x'], 'role': {}}], 'nodes[0].name: expected a string'),
    ([None, 3, 'x'], 'nodes[0]: expected a normalized node (an object)'),
    ('nodes', 'nodes: expected a list of at most 1024 nodes'),
    ([{'name': '10.0.0.1:a'}, {'name': '10.0.0.1:a'}], ROLE_UNREADABLE),
], ids=['bad-fields', 'list-name', 'not-nodes', 'str', 'twice-without-role'])
def test_unusable_stored_data_is_an_error_verdict(nodes, error):
    verdict = gate_verdict({'topology': 'multiconnect', 'nodes': nodes, 'cluster': {}}, cluster='eu-1', now=NOW)
    expected_error = {'code': 'bad_response', 'message': 'the stored support data cannot be checked again: stored support data: ' + error}
    assert (verdict['passed'], verdict['status'], verdict['error'], verdict['blocking']) == (False, 'error', expected_error, [])
    upgrade = assess({'topology': 'multiconnect', 'nodes': nodes, 'cluster': {}}, 'v2.59.0', now=NOW)
    assert (upgrade['go'], upgrade['error']) == (False, expected_error)


def test_stored_partly_unusable_shards_stay_unusable():
    def mutate(support):
        support[by_role(support, 'coreapp')[0]]['shards'] = [[0, 0], [5, 2]]
    stored = report('mc4', mutate)
    again = support_report(stored, now=NOW)[0]
    assert again['findings'] == stored['findings']
    assert [item for node in again['nodes'] for item in node['invalid_fields']] == [
        {'field': 'shards', 'reason': 'shard map unprovable: range [5, 2] is reversed'}]


def test_recheck_policy_pins_an_inferred_shard_count():
    """Stored data whose shard count was only inferred: the policy of the re-check (inventory, role) pins it."""
    data = report('mc4', shard_count=None)
    assert data['cluster']['shard_count_source'] == 'inferred'
    again = support_report(data, policy={'expected_shards': 8}, now=NOW)[0]
    assert (again['cluster']['shard_count'], again['cluster']['shard_count_source']) == (8, 'policy')
    assert 'shard_unowned' in codes(again['findings'])
    assert support_report(data, now=NOW)[0]['cluster']['shard_count_source'] == 'inferred'


def test_stored_policy_holds_unless_the_recheck_policy_overrides_it():
    """Precedence: built-in defaults < the policy the data was read with (inventory, per cluster) < the re-check's
    own policy (role / extra vars), key by key."""
    data = report('mc4', shard_count=None, policy={'expected_shards': 8, 'free_space_warning': '1TiB'})
    assert data['policy']['expected_shards'] == 8
    stored = gate_verdict(data, policy={}, cluster='eu-1', now=NOW)
    assert stored['passed'] is False and codes(stored['blocking']) == ['shard_unowned']
    assert 'free_space_low' in codes(stored['findings'])
    refined = gate_verdict(data, policy={'expected_shards': 4}, cluster='eu-1', now=NOW)
    assert refined['passed'] is True and 'free_space_low' in codes(refined['findings'])


def test_ha_without_secondary_master_does_not_promise_one():
    """HA with one master is a GO (coreapps keep serving while it restarts), but the plan must not say that a secondary
    master takes over and upgrades the schema: there is none, the primary master does it itself once restarted."""
    def mutate(support):
        del support[by_role(support, 'secondary_master')[0]]
    verdict = assess(report('ha', mutate), 'v2.59.0', now=NOW)
    assert verdict['go'] is True
    last = verdict['plan'][-1]
    assert last['phase'] == 'primary_master'
    assert 'secondary master' not in last['note'].replace('no secondary master', '')
    assert 'no secondary master' in last['note']
    assert 'secondary master' not in verdict['schema_upgrade']['note'].replace('no secondary master', '')
    assert 'the primary master, restarted on v2.59.0, upgrades the database schema' in verdict['schema_upgrade']['note']


def test_data_that_carries_an_error_never_passes_even_with_nodes():
    """Fail closed: support data saying the read failed (error set) is an error verdict, whatever nodes ride along."""
    data = report('ha')
    assert gate_verdict(data, now=NOW)['passed'] is True
    data['error'] = {'code': 'timeout', 'message': 'the second read timed out'}
    verdict = gate_verdict(data, now=NOW)
    assert (verdict['passed'], verdict['status'], verdict['error']['code']) == (False, 'error', 'timeout')
    assert assess(data, 'v2.59.0', now=NOW)['go'] is False


@pytest.mark.parametrize('count', [0, 2])
def test_stored_single_instance_without_exactly_one_node_is_an_error_verdict(count):
    """normalize() gives a single instance exactly one node: stored data claiming 'single' with none (a truncated cache,
    a hand-made fact) passed the gate with no findings; with two, one node hid behind the other."""
    nodes = [dict(report('single')['nodes'][0], name='wa%d' % index) for index in range(count)]
    verdict = gate_verdict({'topology': 'single', 'nodes': nodes, 'cluster': {}}, cluster='eu-1', now=NOW)
    assert (verdict['passed'], verdict['status'], verdict['error']['code']) == (False, 'error', 'bad_response')
    assert assess({'topology': 'single', 'nodes': nodes, 'cluster': {}}, 'v2.59.0', now=NOW)['go'] is False
