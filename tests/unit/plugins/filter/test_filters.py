# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters (plugins/filter/support.py, report.py) and the report rendering they wrap."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.wabiz.onprem.plugins.filter import report as report_filters
from ansible_collections.wabiz.onprem.plugins.filter import support as support_filters
from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import FINDING_CODES
from ansible_collections.wabiz.onprem.plugins.module_utils._upgrade import UPGRADE_FINDING_CODES
from ansible_collections.wabiz.onprem.plugins.module_utils._report import REPORT_SCHEMA, fingerprint

HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, '..', 'module_utils', 'fixtures')
SCHEMA_FILE = os.path.join(HERE, '..', '..', '..', '..', 'roles', 'fleet_report', 'files', 'report.schema.json')
NOW = '2026-03-01T00:00:00Z'
F = dict(support_filters.FilterModule().filters(), **report_filters.FilterModule().filters())


API_SHARDS = {'mc4': 4, 'ha': 1}


def report(name, mutate=None, **kwargs):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        body = json.load(handle)
    if mutate:
        mutate(body['support'])
    kwargs.setdefault('shard_count', API_SHARDS.get(name))  # what GET /v1/account/shards answers
    return evaluate(body, now=NOW, **kwargs)


def faulty(support):
    keys = sorted(key for key, node in support.items() if node.get('role') == 'coreapp')
    support[keys[1]]['socket_conn'] = 'DN'
    support[keys[1]]['shards'] = []
    support[keys[1]]['env'] = ['WA_DB_PASSWORD=hunter2']


def test_filters_registered():
    assert set(F) == {'support_findings', 'support_report', 'shard_map', 'nodes_by_role', 'gate_verdict', 'fleet_gate',
                      'upgrade_check', 'fleet_report', 'fleet_report_render', 'stored_age', 'stored_support'}


@pytest.mark.parametrize('data, age', [
    ({'fetched_at': '2026-02-28T23:59:00Z', 'nodes': []}, 60.0),
    ({'fetched_at': '2026-03-01T00:00:00Z'}, 0.0),
    ({'fetched_at': 'yesterday'}, None),
    ({'nodes': []}, None),
    (None, None),
    ('text', None),
])
def test_stored_age_is_the_seconds_since_fetched_at_or_none(data, age):
    assert F['stored_age'](data, now=NOW) == age


def test_stored_age_with_a_bad_now_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match='wabiz.onprem.stored_age: now'):
        F['stored_age']({'fetched_at': NOW}, now=3)


def test_support_findings_rechecks_with_policy():
    data = report('mc4')
    assert F['support_findings'](data, {'expected_shards': 4}, now=NOW) == []
    findings = F['support_findings'](data, {'free_space_warning': '20GiB', 'expected_shards': 4}, now=NOW)
    assert set(f['code'] for f in findings) == {'free_space_low'}
    assert F['support_report'](data, {'free_space_warning': '20GiB', 'expected_shards': 4}, now=NOW)['status'] == 'warning'
    # without the count pinned (the monitoring user cannot read /v1/account/shards), coverage is only inferred
    assert [(f['code'], f['severity']) for f in F['support_findings'](report('mc4', shard_count=None), now=NOW)] == [
        ('shard_count_inferred', 'critical')]


@pytest.mark.parametrize('data, policy, text', [
    ({'error': {'code': 'unreachable', 'message': 'refused'}, 'reachable': False}, None, '[unreachable] refused'),
    ('a string', None, 'expected support data'),
    ({'status': 'ok'}, None, 'topology, nodes and cluster'),
])
def test_support_findings_errors(data, policy, text):
    with pytest.raises(AnsibleFilterError, match=r'wabiz\.onprem\.support_findings: .*' + text.replace('[', r'\[').replace(']', r'\]')):
        F['support_findings'](data, policy, now=NOW)


def test_support_findings_bad_policy():
    with pytest.raises(AnsibleFilterError, match='invalid_policy'):
        F['support_findings'](report('ha'), {'free_space_warning': 'lots'}, now=NOW)


def test_shard_map():
    assert F['shard_map'](report('mc4')) == {-1: ['10.0.0.11:wa-master-0'], 0: ['10.0.1.21:wa-core-0'], 1: ['10.0.1.22:wa-core-1'],
                                             2: ['10.0.1.23:wa-core-2'], 3: ['10.0.1.24:wa-core-3']}
    assert F['shard_map'](report('mc4', faulty)) == {-1: ['10.0.0.11:wa-master-0'], 0: ['10.0.1.21:wa-core-0'], 1: [],
                                                     2: ['10.0.1.23:wa-core-2'], 3: ['10.0.1.24:wa-core-3']}
    from_nodes = F['shard_map'](report('ha')['nodes'])
    assert from_nodes == {-1: ['10.0.1.21:wa-core-0'], 0: ['10.0.1.21:wa-core-0']}
    with pytest.raises(AnsibleFilterError, match='^wabiz.onprem.shard_map: expected support data'):
        F['shard_map'](42)


def test_nodes_by_role():
    groups = F['nodes_by_role'](report('ha'))
    assert groups == {'primary_master': ['10.0.0.11:wa-master-0'], 'secondary_master': ['10.0.0.12:wa-master-1'],
                      'coreapp': ['10.0.1.21:wa-core-0', '10.0.1.22:wa-core-1'], 'single': [], 'unknown': []}
    assert F['nodes_by_role'](report('single'), 'version')['single'] == ['v2.57.2']
    assert F['nodes_by_role'](report('single'), '')['single'][0]['name'] == 'single'
    with pytest.raises(AnsibleFilterError, match='no field'):
        F['nodes_by_role'](report('ha'), 'colour')


def test_gate_verdict_and_upgrade_check_filters():
    assert F['gate_verdict'](report('ha'), cluster='ha', now=NOW)['passed'] is True
    with pytest.raises(AnsibleFilterError, match='fail_on'):
        F['gate_verdict'](report('ha'), fail_on='info', now=NOW)
    verdict = F['upgrade_check'](report('ha'), 'v2.59.0', cluster='ha', now=NOW)
    assert verdict['go'] is True and len(verdict['plan']) == 4
    with pytest.raises(AnsibleFilterError, match='free space'):
        F['upgrade_check'](report('ha'), 'v2.59.0', min_free_space='heaps', now=NOW)


def fleet_entries():
    return [
        {'host': 'mc-healthy', 'wabiz_gate': F['gate_verdict'](report('mc4'), cluster='mc-healthy', url='https://u:pw@h/mc', now=NOW)},
        {'host': 'mc-faulty', 'wabiz_gate': F['gate_verdict'](report('mc4', faulty), cluster='mc-faulty', now=NOW)},
        {'host': 'down', 'wabiz_gate': F['gate_verdict']({'failed': True, 'error': {'code': 'unreachable', 'message': 'refused <&>'}},
                                                         cluster='down', now=NOW)},
        {'host': 'ha', 'wabiz_gate': F['gate_verdict'](report('ha'), cluster='ha', now=NOW),
         'wabiz_pre_upgrade': F['upgrade_check'](report('ha'), 'v2.59.0', cluster='ha', now=NOW)},
        {'host': 'never'},
    ]


def test_fleet_report_json_schema_and_no_secrets():
    built = F['fleet_report'](fleet_entries(), title='Gate | run 1', generated_at=NOW)
    with open(SCHEMA_FILE) as handle:
        assert json.load(handle) == REPORT_SCHEMA
    text = F['fleet_report_render'](built, 'json')
    jsonschema.validate(json.loads(text), REPORT_SCHEMA)
    assert 'hunter2' not in text and 'pw@' not in text
    summary = built['summary']
    assert (summary['passed'], summary['failed'], summary['error'], summary['not_run']) == (3, 1, 1, 1)
    assert summary['verdict'] == 'failed' and summary['clusters'] == 5
    outcomes = dict(((r['host'], r['check']), r['outcome']) for r in built['results'])
    assert outcomes == {('mc-healthy', 'health_gate'): 'passed', ('mc-faulty', 'health_gate'): 'failed',
                        ('down', 'health_gate'): 'error', ('ha', 'health_gate'): 'passed', ('ha', 'pre_upgrade'): 'passed',
                        ('never', 'health_gate'): 'not_run'}


def test_fingerprint_ignores_times():
    # sha256 of the canonical JSON [{"check":"health_gate","host":"eu-1","outcome":"passed"}]: checked_at left out
    expected = '0707f4ca7a45bbde844fcac4785a016d7f1d56da0a8008618afee554239093a8'
    result = {'host': 'eu-1', 'check': 'health_gate', 'outcome': 'passed'}
    assert fingerprint([dict(result, checked_at=NOW)]) == fingerprint([dict(result, checked_at='2027-01-01T00:00:00Z')]) == expected
    # the report's fingerprint is the one of its results (here one host without a verdict)
    assert F['fleet_report']([{'host': 'never'}], generated_at=NOW)['fingerprint'] == \
        'd9e3a8af9a346fc88c0c79623e8ad4539efcd4eefc9dcd4b7076c7820aafeeac'
    first = F['fleet_report'](fleet_entries(), generated_at=NOW)
    second = F['fleet_report'](fleet_entries(), generated_at='2027-01-01T00:00:00Z')
    assert first['fingerprint'] == second['fingerprint']
    entries = fleet_entries()
    entries[0]['wabiz_gate']['passed'] = False
    assert F['fleet_report'](entries)['fingerprint'] != first['fingerprint']


def test_junit_parses_one_case_per_cluster_and_check():
    built = F['fleet_report'](fleet_entries(), generated_at=NOW)
    root = ET.fromstring(F['fleet_report_render'](built, 'junit').encode('utf-8'))
    assert root.tag == 'testsuites'
    cases = dict(((case.get('classname'), case.get('name')), case) for case in root.iter('testcase'))
    assert len(cases) == len(list(root.iter('testcase'))) == int(root.get('tests'))
    suites = dict((suite.get('name'), suite) for suite in root.iter('testsuite'))
    assert len(suites) == 6
    gate_codes = [case.get('name') for case in suites['wabiz.onprem.health_gate.mc-faulty'].iter('testcase')]
    assert gate_codes == sorted(FINDING_CODES)
    upgrade_codes = [case.get('name') for case in suites['wabiz.onprem.pre_upgrade.ha'].iter('testcase')]
    assert set(upgrade_codes) == set(FINDING_CODES) | set(UPGRADE_FINDING_CODES)
    failed = cases[('wabiz.onprem.health_gate.mc-faulty', 'shard_unowned')].find('failure')
    assert failed.get('type') == 'shard_unowned' and 'shard 1 has no owner' in failed.text
    assert cases[('wabiz.onprem.health_gate.mc-faulty', 'version_mismatch')].find('failure') is None
    assert [key for key, case in sorted(cases.items()) if case.find('failure') is not None] == [
        ('wabiz.onprem.health_gate.mc-faulty', 'shard_unowned')]
    assert root.get('failures') == '1'
    error = cases[('wabiz.onprem.health_gate.down', 'reachable')].find('error')
    assert error.get('type') == 'unreachable' and 'refused <&>' in error.get('message')
    assert root.get('errors') == '1'
    assert [key for key, case in sorted(cases.items()) if case.find('skipped') is not None] == [('wabiz.onprem.health_gate.never', 'verdict')]
    assert all(case.find('failure') is None for case in suites['wabiz.onprem.pre_upgrade.ha'].iter('testcase'))


def test_markdown_and_summary():
    built = F['fleet_report'](fleet_entries(), title='Gate | run', generated_at=NOW)
    text = F['fleet_report_render'](built, 'markdown')
    assert text.startswith('# Gate \\| run\n')
    assert '| mc-faulty | `health_gate` | **FAIL** |' in text
    assert 'Restart order:' in text and '&lt;&amp;&gt;' not in text and 'refused &lt;&&gt;' in text
    lines = F['fleet_report_render'](built, 'summary')
    assert [line.split()[:3] for line in lines[:-1]] == [
        ['CLUSTER', 'CHECK', 'OUTCOME'], ['down', 'health_gate', 'ERROR'], ['ha', 'health_gate', 'PASS'], ['ha', 'pre_upgrade', 'PASS'],
        ['mc-faulty', 'health_gate', 'FAIL'], ['mc-healthy', 'health_gate', 'PASS'], ['never', 'health_gate', 'NOT']]
    assert lines[4].split()[3:] == ['critical', '1', '1', 'shard_unowned']
    assert lines[-1] == 'verdict FAILED: 3 passed, 1 failed, 1 error, 1 not run'


def test_fleet_report_from_hostvars_reads_only_verdicts():
    hostvars = {'a': {'wabiz_gate': F['gate_verdict'](report('ha'), cluster='a', now=NOW), 'health_gate_password': 'hunter2'},
                'b': {'ansible_password': 'hunter2'}}
    built = F['fleet_report'](hostvars, hosts=['a', 'b'])
    assert 'hunter2' not in json.dumps(built)
    assert [r['outcome'] for r in built['results']] == ['passed', 'not_run']
    with pytest.raises(AnsibleFilterError, match='not an inventory host'):
        F['fleet_report'](hostvars, hosts=['zzz'])
    with pytest.raises(AnsibleFilterError, match='format'):
        F['fleet_report_render'](built, 'pdf')


def test_fleet_report_takes_the_fleet_pass_verdicts_before_the_hosts_own():
    passed = F['gate_verdict'](report('ha'), cluster='a', now=NOW)
    failed = F['gate_verdict']({'failed': True, 'error': {'code': 'unreachable', 'message': 'refused'}}, cluster='b', now=NOW)
    hostvars = {'a': {'wabiz_gate': failed}, 'b': {}, 'c': {'wabiz_gate': passed}}
    built = F['fleet_report'](hostvars, hosts=['a', 'b', 'c'], gate_verdicts={'a': passed, 'b': failed, 'zzz': passed})
    assert dict((r['host'], r['outcome']) for r in built['results']) == {'a': 'passed', 'b': 'error', 'c': 'passed'}
    with pytest.raises(AnsibleFilterError, match='gate_verdicts must be a dictionary'):
        F['fleet_report'](hostvars, hosts=['a'], gate_verdicts=['a'])


def test_fleet_gate_uses_facts_first_then_inventory_data_and_lists_pending():
    def break_shard(support):
        owner = [key for key in sorted(support) if support[key].get('shards') == [[0, 0]]][0]
        support[owner]['socket_conn'] = 'DN'
    healthy, faulty = report('mc4'), report('mc4', break_shard)
    hostvars = {
        'eu-1': {'wabiz_support': healthy, 'wabiz_cluster': 'eu-1', 'wabiz_url': 'https://u:p@wa-eu-1:9090'},
        'eu-2': {'wabiz_support': healthy, 'ansible_facts': {'wabiz_support': faulty}},
        'lab': {'ansible_facts': {}},
        'down': {'wabiz_support': {'reachable': False, 'status': 'unknown', 'error': {'code': 'unreachable', 'message': 'refused'}}},
    }
    fleet = F['fleet_gate'](hostvars, ['eu-1', 'eu-2', 'lab', 'down'], policy={'min_standby_coreapps': 0}, now=NOW)
    assert sorted(fleet['verdicts']) == ['down', 'eu-1', 'eu-2']
    assert fleet['verdicts']['eu-1']['passed'] is True and fleet['verdicts']['eu-1']['url'] == 'https://wa-eu-1:9090'
    assert fleet['verdicts']['eu-1']['source'] == 'stored'
    assert [(f['code'], f['node']) for f in fleet['verdicts']['eu-2']['blocking']] == [('socket_conn_down', '10.0.1.21:wa-core-0')]
    assert fleet['verdicts']['down']['error']['code'] == 'unreachable'
    assert fleet['failed'] == ['eu-2', 'down']
    assert fleet['pending'] == ['lab']
    # the same verdict as the one-host filter
    assert fleet['verdicts']['eu-2']['findings'] == F['gate_verdict'](faulty, policy={'min_standby_coreapps': 0}, now=NOW)['findings']


def test_a_fact_older_than_the_inventory_read_is_never_gated_on():
    """A fact cache keeps a healthy fact from before the inventory's read (which, injected, hides wabiz_support): the
    fleet pass sends the host to the API, stored_support says there is nothing to gate on; a later fact is used."""
    healthy = dict(report('mc4'), fetched_at='2026-02-28T23:00:00Z')
    hostvars = {
        'cached': {'wabiz_support': healthy, 'ansible_facts': {'wabiz_support': healthy},
                   'wabiz_support_fetched_at': '2026-02-28T23:30:00Z'},
        'later': {'wabiz_support': healthy, 'ansible_facts': {'wabiz_support': healthy},
                  'wabiz_support_fetched_at': '2026-02-28T22:30:00Z'},
    }
    fleet = F['fleet_gate'](hostvars, ['cached', 'later'], policy={'min_standby_coreapps': 0}, now=NOW)
    assert fleet['pending'] == ['cached'] and sorted(fleet['verdicts']) == ['later']
    readings = [healthy, healthy]
    assert F['stored_support'](readings, read_at=hostvars['cached']['wabiz_support_fetched_at']) is None
    assert F['stored_support'](readings, read_at=hostvars['later']['wabiz_support_fetched_at']) == healthy
    # what a role's task sees: the fact undefined (none), wabiz_support from a role or include variable, no inventory read
    assert F['stored_support']([None, healthy]) == healthy
    with pytest.raises(AnsibleFilterError, match='stored_support: expected a list of support data, got dict'):
        F['stored_support'](healthy)


def test_fleet_gate_refresh_puts_every_host_in_pending():
    hostvars = {'eu-1': {'wabiz_support': report('ha')}}
    assert F['fleet_gate'](hostvars, ['eu-1'], use_stored=False, now=NOW) == {'verdicts': {}, 'failed': [], 'pending': ['eu-1']}
    with pytest.raises(AnsibleFilterError, match='not an inventory host'):
        F['fleet_gate'](hostvars, ['nope'], now=NOW)


def test_shard_map_is_computed_from_the_nodes_not_the_stored_summary():
    stored = report('mc4')
    owner = [node for node in stored['nodes'] if node['shards'] == [2]][0]
    owner['shards'] = []  # the stored cluster summary still lists an owner of shard 2
    assert F['shard_map'](stored)[2] == []


def test_stored_expected_shards_is_kept_when_rechecked():
    with open(os.path.join(FIXTURES, 'mc4.json')) as handle:
        stored = evaluate(json.load(handle), now=NOW, policy={'expected_shards': 8})
    assert sorted(F['shard_map'](stored)) == [-1, 0, 1, 2, 3, 4, 5, 6, 7]
    assert [(f['code'], f['message']) for f in F['support_findings'](stored, now=NOW)] == [
        ('shard_unowned', 'shard %d has no owner (expected exactly one coreapp)' % shard) for shard in (4, 5, 6, 7)]


NO_NODES = 'the support data holds no nodes: [bad_response] the stored support data cannot be checked again: stored support data: '


@pytest.mark.parametrize('data, reason', [
    ([{'name': ['x']}, {'name': 1}], NO_NODES + 'nodes[0].name: expected a string'),
    ([{'name': 'a:b', 'shards': [['x', {}]]}],
     NO_NODES + "node 'a:b'.role: expected one of primary_master, secondary_master, coreapp, single, unknown"),
    ([None], NO_NODES + 'nodes[0]: expected a normalized node (an object)'),
    ({'nodes': [{'name': 'a:b'}] * 2, 'topology': 'ha'}, 'expected support data with topology, nodes and cluster'),
    ({'topology': 'ha', 'nodes': {'a': 1}, 'cluster': 3}, NO_NODES + 'nodes: expected a list of at most 1024 nodes'),
], ids=['mixed-names', 'bad-shards', 'none', 'twice', 'nodes-dict'])
def test_shard_map_and_nodes_by_role_never_crash(data, reason):
    """Each filter raises one filter error naming the filter and the first thing that does not fit (the same for both)."""
    for name in ('shard_map', 'nodes_by_role'):
        with pytest.raises(AnsibleFilterError) as caught:
            F[name](data)
        assert str(caught.value).startswith('wabiz.onprem.%s: %s' % (name, reason)), str(caught.value)


def test_filters_turn_deep_nesting_into_a_filter_error():
    deep = []
    for dummy in range(5000):
        deep = [deep]
    for name in ('support_findings', 'shard_map', 'gate_verdict', 'fleet_report_render'):
        with pytest.raises(AnsibleFilterError, match='nested deeper'):
            F[name]({'topology': 'ha', 'nodes': deep, 'cluster': {}})
    with pytest.raises(AnsibleFilterError, match='now'):
        F['gate_verdict'](report('ha'), now=12)


def test_fleet_gate_one_bad_cluster_never_drops_the_fleet():
    deep = []
    for dummy in range(500):
        deep = [deep]
    hostvars = {'eu-1': {'wabiz_support': report('mc4')}, 'odd': {'wabiz_support': {'status': 'ok'}},
                'deep': {'wabiz_support': {'topology': 'ha', 'nodes': deep, 'cluster': {}}}}
    fleet = F['fleet_gate'](hostvars, ['eu-1', 'odd', 'deep'], now=NOW)
    assert fleet['verdicts']['eu-1']['passed'] is True
    assert fleet['failed'] == ['odd', 'deep']
    assert fleet['verdicts']['odd']['error']['code'] == 'bad_response'
    assert 'topology, nodes and cluster' in fleet['verdicts']['odd']['message']
    assert fleet['verdicts']['deep']['error']['code'] == 'bad_response'
    assert [fleet['verdicts'][host]['passed'] for host in ('eu-1', 'odd', 'deep')] == [True, False, False]
    with pytest.raises(AnsibleFilterError, match='fail_on'):
        F['fleet_gate'](hostvars, ['eu-1'], fail_on='never')


def test_shard_map_documented_examples_render():
    """The EXAMPLES of shard_map.yml run as written (the first version used a Jinja test that does not exist)."""
    import jinja2
    import yaml
    from ansible.plugins.filter.core import FilterModule as CoreFilters
    from ansible.plugins.filter.mathstuff import FilterModule as MathFilters
    with open(os.path.join(HERE, '..', '..', '..', '..', 'plugins', 'filter', 'shard_map.yml')) as handle:
        examples = yaml.safe_load(yaml.safe_load(handle)['EXAMPLES'])
    env = jinja2.Environment()
    env.filters.update(CoreFilters().filters())
    env.filters.update(MathFilters().filters())
    env.filters['wabiz.onprem.shard_map'] = F['shard_map']
    results = []
    for task in examples:
        variables = {'wabiz_support': report('mc4', faulty)}
        for name, value in task.get('vars', {}).items():
            variables[name] = env.compile_expression(value.strip()[2:-2])(**variables)
        results.append(env.compile_expression(task['ansible.builtin.debug']['msg'].strip()[2:-2])(**variables))
    assert len(results[0]) == 1
    assert results[1] == [1]


def test_fleet_gate_sends_stale_or_undated_stored_data_to_the_api():
    """A cached inventory can be hours old: it cannot prove a cluster is healthy now (max_age)."""
    fresh = dict(report('ha'), fetched_at='2026-03-01T11:50:00Z')
    stale = dict(report('ha'), fetched_at='2026-03-01T09:00:00Z')
    undated = report('ha')
    hostvars = {'fresh': {'wabiz_support': fresh}, 'stale': {'wabiz_support': stale}, 'undated': {'wabiz_support': undated}}
    hosts = ['fresh', 'stale', 'undated']
    fleet = F['fleet_gate'](hostvars, hosts, max_age=900, now='2026-03-01T12:00:00Z')
    assert (sorted(fleet['verdicts']), fleet['pending']) == (['fresh'], ['stale', 'undated'])
    assert sorted(F['fleet_gate'](hostvars, hosts, now='2026-03-01T12:00:00Z')['verdicts']) == hosts
    with pytest.raises(AnsibleFilterError, match='max_age'):
        F['fleet_gate'](hostvars, hosts, max_age='soon')


def test_fleet_gate_never_trusts_stored_data_dated_in_the_future():
    """Data that says it was read after now (a clock set back, a hand-written host_vars file) has no age: it cannot
    prove the cluster healthy now, however old it really is."""
    future = dict(report('ha'), fetched_at='2099-01-01T00:00:00Z')
    now = dict(report('ha'), fetched_at='2026-03-01T12:00:00Z')
    hostvars = {'future': {'wabiz_support': future}, 'now': {'wabiz_support': now}}
    fleet = F['fleet_gate'](hostvars, ['future', 'now'], max_age=900, now='2026-03-01T12:00:00Z')
    assert (sorted(fleet['verdicts']), fleet['pending']) == (['now'], ['future'])
    assert F['stored_age'](future, now='2026-03-01T12:00:00Z') is None


@pytest.fixture
def evaluations(monkeypatch):
    """Count the evaluations of stored data (each one is a _support.refresh + the checks)."""
    from ansible_collections.wabiz.onprem.plugins.module_utils import _checks
    calls = []
    real = _checks.refresh

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(_checks, 'refresh', counting)
    return calls


def test_each_filter_checks_the_data_it_was_given_once(evaluations):
    data = report('mc4')
    F['gate_verdict'](data, now=NOW)
    assert len(evaluations) == 1
    F['upgrade_check'](data, 'v2.59.0', now=NOW)  # the gate and the upgrade checks read one fresh report
    assert len(evaluations) == 2
    hostvars = dict(('c%d' % index, {'wabiz_support': data}) for index in range(5))
    hostvars['new'] = {}
    fleet = F['fleet_gate'](hostvars, sorted(hostvars), now=NOW)
    assert fleet['pending'] == ['new'] and len(fleet['verdicts']) == 5
    assert len(evaluations) == 7


def test_fleet_gate_checks_its_options_once_before_any_host():
    hostvars = {'eu-1': {'wabiz_support': report('ha')}}
    with pytest.raises(AnsibleFilterError, match='fleet_gate: fail_on must be one of'):
        F['fleet_gate'](hostvars, ['eu-1'], fail_on='sometimes', now=NOW)
    with pytest.raises(AnsibleFilterError, match='fleet_gate: now: '):
        F['fleet_gate'](hostvars, ['nope'], now='yesterday')


def test_stored_data_is_gated_with_the_policy_the_inventory_configures():
    """A fact read with the default policy (support_facts in a play of the user's own) is the most recent reading; the
    cluster's wabiz_policy (the inventory's) still applies to it, under the role's own policy; one that is not a
    dictionary fails that cluster alone."""
    healthy = dict(report('mc4'), fetched_at='2026-02-28T23:30:00Z')
    hostvars = {
        'strict': {'ansible_facts': {'wabiz_support': healthy}, 'wabiz_policy': {'role_counts': {'coreapp': 9}}},
        'relaxed': {'ansible_facts': {'wabiz_support': healthy}, 'wabiz_policy': {'role_counts': {'coreapp': 9}}},
        'broken': {'ansible_facts': {'wabiz_support': healthy}, 'wabiz_policy': 'nope'},
        'plain': {'ansible_facts': {'wabiz_support': healthy}},
    }
    strict = F['fleet_gate'](hostvars, ['strict', 'broken', 'plain'], policy={'min_standby_coreapps': 0}, now=NOW)
    assert strict['failed'] == ['strict', 'broken'], strict['failed']
    assert [f['code'] for f in strict['verdicts']['strict']['blocking']] == ['role_count_mismatch']
    assert 'wabiz_policy' in strict['verdicts']['broken']['error']['message']
    relaxed = F['fleet_gate'](hostvars, ['relaxed'], policy={'min_standby_coreapps': 0, 'role_counts': {}}, now=NOW)
    assert relaxed['failed'] == []  # the role's own policy is over the inventory's
