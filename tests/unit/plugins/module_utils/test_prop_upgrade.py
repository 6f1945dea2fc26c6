# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the gate verdict and the pre-upgrade plan (module_utils/_verdict.py, _upgrade.py).

(a) clusters built by the reference's topology rules get a go exactly when every restart step has a node to take its
shards over; (c) arbitrary JSON in any field of stored data ends in a verdict or a ValueError (the typed errors
PolicyError and SupportShapeError are ValueErrors), never another exception, and a verdict that passes
never holds a blocking finding. The number of examples comes from the hypothesis profile (conftest: ci / fuzz)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._upgrade import PHASES, assess
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import gate_verdict, support_report

NOW = '2026-03-01T00:00:00Z'
SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))
# Timestamps at the edges of the calendar with a UTC offset (9999-12-31T23:59:59-23:59) are left to the normalizer's own
# tests (_support.parse_timestamp): they are not part of what this file proves.
SPECIAL_TEXT = st.sampled_from([u'\ufffe', u'\uffff', u'\ud800', u'\x00', u'a|b\nc', 'https://u:p@h:1/x?token=t#f', '9' * 5000,
                                'v2.57.2', 'UP', ' up ', 'coreapp', 'primary_master', 'Secondary Master', '2026-02-30T25:00:00+99:99',
                                '-1', 'NaN', 'single', 'unknown', ''])
TEXT = st.one_of(st.text(st.characters(exclude_categories=()), max_size=12), SPECIAL_TEXT)
HUGE = st.integers(4300, 5000).map(lambda digits: 10 ** digits)  # beyond the int-string limit (not sampled: hypothesis reprs those)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), HUGE, st.sampled_from([2 ** 63, 2 ** 62, -1, 0]),
                    st.floats(allow_nan=True, allow_infinity=True), TEXT)
JSON = st.recursive(SCALARS, lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
                    max_leaves=10)
NODE_FIELDS = ('name', 'hostname', 'container_id', 'role', 'shards', 'socket_conn', 'version', 'build', 'registered', 'phone_number',
               'expire_timestamp', 'expires_in_days', 'free_space', 'db_engine', 'schema', 'multi_connect', 'errors', 'invalid_fields')
TOP_FIELDS = ('topology', 'nodes', 'cluster', 'status', 'findings', 'policy', 'error', 'failed', 'reachable')


def _entry(version='v2.57.2', **fields):
    entry = {'multi_connect': True, 'version': version, 'db_engine': 'MYSQL', 'debug_info': '15550100001',
             'expire_timestamp': '2026-08-28T14:26:07', 'schema': {'axolotl': 3, 'message': 9},
             'free_space_data': 50 * 1024 ** 3, 'free_space_logs': 50 * 1024 ** 3, 'free_space_media_incoming': 2 ** 63 - 1,
             'free_space_media_outgoing': 9223372036853727000.0, 'socket_conn': 'DN', 'shards': []}
    entry.update(fields)
    return entry


@st.composite
def clusters(draw):
    """A raw keyed /v1/support body by the reference's rules (HA or multiconnect 2-32 shards), with its counts."""
    shards = draw(st.sampled_from([1, 2, 4, 8, 16, 32]))
    secondaries = draw(st.integers(0, 2))
    standbys = draw(st.integers(0, 2))
    support = {'10.0.0.1:wa-master-0': _entry(role='primary_master', shards=[[-1, -1]] if shards > 1 else [],
                                              socket_conn='UP' if shards > 1 else 'DN')}
    for index in range(secondaries):
        support['10.0.0.%d:wa-master-%d' % (index + 2, index + 1)] = _entry(role='secondary_master')
    if shards == 1:
        support['10.0.1.1:wa-core-0'] = _entry(role='coreapp', shards=[[-1, -1], [0, 0]], socket_conn='UP')
    else:
        for shard in range(shards):
            support['10.0.1.%d:wa-core-%d' % (shard + 1, shard)] = _entry(role='coreapp', shards=[[shard, shard]], socket_conn='UP')
    for index in range(standbys):
        support['10.0.2.%d:wa-spare-%d' % (index + 1, index)] = _entry(role='coreapp')
    policy = {'min_secondary_masters': 0, 'min_standby_coreapps': 0}
    return evaluate({'support': support}, shard_count=shards, policy=policy, now=NOW), policy, secondaries, standbys


@given(clusters())
@SETTINGS
def test_go_exactly_when_every_step_has_a_takeover(cluster):
    report, policy, secondaries, standbys = cluster
    assert report['status'] == 'ok', report['findings']
    verdict = assess(report, 'v2.59.0', policy=policy, now=NOW)
    needs_secondary = report['topology'] == 'multiconnect'
    assert verdict['go'] is (standbys > 0 and (secondaries > 0 or not needs_secondary)), verdict['message']
    codes = set(finding['code'] for finding in verdict['blocking'])
    assert ('upgrade_standby_missing' in codes) is (standbys == 0)
    assert ('upgrade_secondary_missing' in codes) is (needs_secondary and secondaries == 0)
    plan = verdict['plan']
    assert sorted(step['node'] for step in plan) == sorted(node['name'] for node in report['nodes'])
    assert [PHASES.index(step['phase']) for step in plan] == sorted(PHASES.index(step['phase']) for step in plan)
    assert plan[-1]['role'] == 'primary_master' and verdict['schema_upgrade']['step'] == len(plan)


@given(clusters(), st.sampled_from(NODE_FIELDS), JSON, st.integers(0, 40))
@SETTINGS
def test_arbitrary_json_in_a_stored_node_field(cluster, field, value, index):
    report = copy.deepcopy(cluster[0])
    node = report['nodes'][index % len(report['nodes'])]
    node[field] = value
    _assert_typed(report)


@given(clusters(), st.sampled_from(TOP_FIELDS), JSON)
@SETTINGS
def test_arbitrary_json_in_a_stored_top_field(cluster, field, value):
    report = copy.deepcopy(cluster[0])
    report[field] = value
    _assert_typed(report)


@given(JSON, JSON, JSON)
@SETTINGS
def test_arbitrary_json_as_data_policy_and_target(data, policy, target):
    _assert_typed(data, policy=policy, target=target)


def _assert_typed(data, policy=None, target='v2.59.0'):
    for run in (lambda: gate_verdict(data, policy=policy, now=NOW), lambda: assess(data, target, policy=policy, now=NOW)):
        try:
            verdict = run()
        except ValueError:
            continue
        passed = verdict.get('go', verdict.get('passed'))
        if passed:
            assert verdict['blocking'] == [] and verdict['error'] is None
        else:
            assert verdict['blocking'] or verdict['error'] is not None


RAW_FIELDS = ('role', 'shards', 'socket_conn', 'version', 'description', 'debug_info', 'expire_timestamp', 'free_space_data',
              'free_space_logs', 'db_engine', 'schema', 'multi_connect', 'os_name', 'lc', 'errors')


@given(clusters(), st.sampled_from(RAW_FIELDS), JSON, st.integers(0, 40))
@SETTINGS
def test_re_evaluating_a_fresh_report_changes_nothing(cluster, field, value, index):
    """What a module read and stored gives the same findings when checked again at the same time and policy."""
    report, policy = cluster[0], cluster[1]
    support = dict((node['name'], _entry(role=node['role'], shards=[[shard, shard] for shard in node['shards']],
                                         socket_conn=node['socket_conn'])) for node in report['nodes'])
    name = sorted(support)[index % len(support)]
    support[name][field] = value
    try:
        fresh = evaluate({'support': support}, shard_count=report['cluster']['shard_count'], policy=policy, now=NOW)
    except ValueError:
        return
    again, error = support_report(fresh, policy, NOW)
    assert error is None
    assert again['findings'] == fresh['findings']
    assert again['nodes'] == fresh['nodes']
