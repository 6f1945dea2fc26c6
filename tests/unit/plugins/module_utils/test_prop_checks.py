# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of normalization, checks and redaction (issue 8, section 6).

(a) healthy clusters never give a finding beyond the inferred-count warning; (b) each fault of the
reference's fault list fails the gate with its code; (c) arbitrary JSON anywhere never raises
anything but the typed errors. Generators: tests/unit/strategies.py. Bounded in CI (profile ``ci``),
long runs with ``make fuzz``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from hypothesis import given, note, strategies as st

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import (
    check,
    evaluate,
    report_from_normalized,
)
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import PolicyError, merge_policy
from ansible_collections.wabiz.onprem.plugins.module_utils._support import REDACTED, SupportShapeError, redact
from ansible_collections.wabiz.onprem.tests.unit.strategies import (
    DECISIVE_NODE_FIELDS,
    FUZZ_COUNTS,
    NOW,
    deep_json,
    faulty_cluster,
    healthy_cluster,
    hostile_cluster,
    json_values,
)

TYPED_ERRORS = (SupportShapeError, PolicyError)
SECRETS = ('key-secret-1', 'url-secret-2')


def _evaluate(cluster):
    return evaluate(cluster.body, shard_count=cluster.shard_count, policy=cluster.policy, now=cluster.now)


@given(healthy_cluster())
def test_healthy_clusters_pass_the_gate(cluster):
    FUZZ_COUNTS['examples'] += 1
    report = _evaluate(cluster)
    inferred = cluster.topology != 'single' and cluster.shard_count is None and not cluster.policy
    expected = ['shard_count_inferred'] if inferred else []
    found = [finding['code'] for finding in report['findings']]
    if found != expected:
        FUZZ_COUNTS['false_alarms'] += 1
    assert found == expected, report['findings']
    assert report['topology'] == cluster.topology
    assert report['cluster']['shard_count'] == cluster.shards
    assert report_from_normalized(report, cluster.policy, now=cluster.now)['findings'] == report['findings']
    text = json.dumps(redact(cluster.body))
    assert not any(secret in text for secret in SECRETS) and 'pw-' not in text


@given(faulty_cluster())
def test_each_fault_fails_the_gate_with_its_code(case):
    cluster, fault = case
    FUZZ_COUNTS['examples'] += 1
    note('fault %s' % (fault,))
    report = _evaluate(cluster)
    stored = report_from_normalized(report, cluster.policy, now=cluster.now)
    for checked in (report, stored):
        hits = [finding for finding in checked['findings'] if finding['code'] == fault.code and finding['severity'] == fault.severity]
        if not hits:
            FUZZ_COUNTS['missed_faults'] += 1
        assert hits, checked['findings']
        assert checked['status'] == 'critical' if fault.severity == 'critical' else checked['status'] != 'ok'
    if fault.name == 'shard_owner_missing':  # the real cause, not a count or topology error
        assert 'shard_count_invalid' not in [finding['code'] for finding in report['findings']]
        known = cluster.shard_count is not None or cluster.policy
        assert report['topology'] == cluster.topology if known else report['topology'] in (cluster.topology, 'unknown')


def _run_everything(cluster):
    report = _evaluate(cluster)
    json.dumps(report, allow_nan=False)  # a registered result Ansible can serialize
    assert report_from_normalized(report, cluster.policy, now=cluster.now)['findings'] == report['findings']
    assert check(report, cluster.policy, now=cluster.now) == report['findings']


@given(hostile_cluster())
def test_arbitrary_json_never_raises_anything_but_typed_errors(case):
    cluster, where = case
    FUZZ_COUNTS['examples'] += 1
    note('arbitrary JSON in: %s' % where)
    try:
        redacted = redact(cluster.body)
        if where != 'body' and isinstance(cluster.body.get('support'), dict):
            text = json.dumps(redacted)
            assert not any(secret in text for secret in SECRETS)
        try:
            _run_everything(cluster)
        except TYPED_ERRORS:
            pass
    except AssertionError:
        raise
    except Exception:
        FUZZ_COUNTS['crashes'] += 1
        raise


@given(healthy_cluster(topologies=('ha', 'multiconnect')), json_values(), st.data())
def test_arbitrary_stored_data_is_rechecked_or_refused(cluster, value, data):
    FUZZ_COUNTS['examples'] += 1
    report = _evaluate(cluster)
    target = data.draw(st.sampled_from(['node', 'cluster', 'top']))
    if target == 'node':
        node = data.draw(st.sampled_from(report['nodes']))
        node[data.draw(st.sampled_from(sorted(node)))] = value
    elif target == 'cluster':
        report['cluster'][data.draw(st.sampled_from(sorted(report['cluster'])))] = value
    else:
        report[data.draw(st.sampled_from(['topology', 'nodes', 'cluster']))] = value
    try:
        json.dumps(report_from_normalized(report, now=NOW), allow_nan=False)
    except TYPED_ERRORS:
        pass
    except Exception:
        FUZZ_COUNTS['crashes'] += 1
        raise


@given(st.one_of(json_values(), deep_json()))
def test_redaction_of_any_env_never_raises_and_hides_secret_names(value):
    FUZZ_COUNTS['examples'] += 1
    body = {'support': {'h:c': {'role': 'coreapp', 'env': [value, 'WA_DB_PASSWORD=hunter22', ['WA_SECRET', 'hunter23']]},
                        'g:d': {'env': {'X_TOKEN': value, 'PLAIN': value}}}}
    try:
        redacted = redact(body)
    except Exception:
        FUZZ_COUNTS['crashes'] += 1
        raise
    text = json.dumps(redacted)
    assert 'hunter22' not in text and 'hunter23' not in text
    assert redacted['support']['g:d']['env']['X_TOKEN'] == REDACTED


@given(st.dictionaries(st.sampled_from(['role_counts', 'expected_shards', 'expected_version', 'expected_db_engine',
                                        'min_secondary_masters', 'min_standby_coreapps', 'free_space_warning', 'free_space_critical',
                                        'free_space', 'build_expiry_warning_days', 'require_registered', 'severity', 'ignore']),
                       st.one_of(json_values(), deep_json()), max_size=4))
def test_any_policy_is_merged_or_invalid_policy(policy):
    FUZZ_COUNTS['examples'] += 1
    try:
        effective = merge_policy(policy)
    except PolicyError:
        return
    except Exception:
        FUZZ_COUNTS['crashes'] += 1
        raise
    assert merge_policy(effective) == effective


def test_decisive_fields_of_the_strategies_match_the_code():
    from ansible_collections.wabiz.onprem.plugins.module_utils._support import DECISIVE_FIELDS
    assert set(DECISIVE_NODE_FIELDS) <= DECISIVE_FIELDS
