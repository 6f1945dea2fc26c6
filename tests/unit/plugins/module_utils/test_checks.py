# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os
import re
from datetime import datetime, timezone

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import (
    check,
    evaluate,
    report_from_normalized,
)
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import (
    DEFAULT_POLICY,
    FINDING_CODES,
    PolicyError,
    human_size,
    merge_policy,
    parse_size,
)
from ansible_collections.wabiz.onprem.plugins.module_utils._support import SupportShapeError, json_object_pairs, normalize

HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, 'fixtures')
DATA_MODEL = os.path.join(HERE, '..', '..', '..', '..', 'docs', 'data-model.md')
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
MASTER0 = '10.0.0.11:wa-master-0'
MASTER1 = '10.0.0.12:wa-master-1'
CORE = ['10.0.1.%d:wa-core-%d' % (21 + k, k) for k in range(5)]
GIB = 1024 ** 3
ERROR_1011 = {'code': 1011, 'title': 'Service not ready', 'details': 'Wacore is not instantiated. Please check wacore log for details.'}


def load(name):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        return json.load(handle)


def api_count(body):
    """What GET /v1/account/shards answers for a cluster built from the ha (1 shard) or mc4 (4 shards) fixture."""
    support = body.get('support', {})
    if 'version' in support:
        return None
    return 4 if CORE[2] in support or CORE[3] in support else 1


def run(body, **kwargs):
    """evaluate() at NOW with the shard count the API would give (pass shard_count=None to leave it out);
    ``duplicate=KEY`` sends node KEY twice in the JSON text, parsed with the client's hook."""
    kwargs = dict(kwargs)
    twin = kwargs.pop('duplicate', None)
    if twin:
        text = json.dumps(body['support'][twin])
        body = json.loads(json.dumps(body).replace('"support": {', '"support": {"%s": %s, ' % (twin, text), 1),
                          object_pairs_hook=json_object_pairs)
    kwargs.setdefault('now', NOW)
    kwargs.setdefault('shard_count', api_count(body))
    return evaluate(body, **kwargs)


def codes(report):
    return sorted(set(finding['code'] for finding in report['findings']))


def only(report, code):
    found = [finding for finding in report['findings'] if finding['code'] == code]
    assert found, 'no %s finding in %r' % (code, report['findings'])
    return found


# --------------------------------------------------------------------------------------------- contract


def _doc_table(header):
    with open(DATA_MODEL) as handle:
        text = handle.read()
    section = text.split(header, 1)[1]
    rows = {}
    for line in section.splitlines()[2:]:
        if not line.startswith('|'):
            break
        cells = [cell.strip() for cell in line.strip('|').split('|')]
        rows[cells[0].strip('`')] = cells[1]
    return rows


def test_finding_codes_match_the_data_model():
    documented = _doc_table('| code | default severity | raised when |')
    assert sorted(documented) == sorted(FINDING_CODES)
    for code, severity in documented.items():
        assert severity.startswith(FINDING_CODES[code]['severity']), code
        assert FINDING_CODES[code]['description']


def test_policy_keys_match_the_data_model():
    documented = _doc_table('| key | default | meaning |')
    assert sorted(documented) == sorted(DEFAULT_POLICY)


def test_default_policy_values():
    assert DEFAULT_POLICY['min_secondary_masters'] == 1
    assert DEFAULT_POLICY['min_standby_coreapps'] == 1
    assert DEFAULT_POLICY['build_expiry_warning_days'] == 7
    assert DEFAULT_POLICY['require_registered'] is True
    assert parse_size(DEFAULT_POLICY['free_space_warning']) == 5 * GIB
    assert parse_size(DEFAULT_POLICY['free_space_critical']) == GIB


# --------------------------------------------------------------------------------------------- healthy


@pytest.mark.parametrize('name, kwargs, topology', [
    ('single', {}, 'single'),
    ('single', {'single_name': 'wa1', 'policy': {'expected_version': '2.57.2', 'expected_db_engine': 'mysql'}}, 'single'),
    ('ha', {}, 'ha'),
    ('ha', {'shard_count': 1}, 'ha'),
    ('ha', {'policy': {'expected_shards': 1, 'role_counts': {'primary_master': 1, 'secondary_master': 1, 'coreapp': 2}}}, 'ha'),
    ('mc4', {}, 'multiconnect'),
    ('mc4', {'shard_count': 4, 'policy': {'expected_shards': 4, 'expected_version': 'v2.57.2'}}, 'multiconnect'),
    ('mc4', {'policy': {'expected_shards': 4, 'role_counts': {'primary_master': 1, 'secondary_master': 1, 'coreapp': 5, 'unknown': 0}}},
     'multiconnect'),
])
def test_healthy_bodies_have_no_findings(name, kwargs, topology):
    body = load(name)
    before = copy.deepcopy(body)
    report = run(body, **kwargs)
    assert report['findings'] == []
    assert report['status'] == 'ok'
    assert report['topology'] == topology
    assert sorted(report) == ['cluster', 'findings', 'nodes', 'policy', 'status', 'topology']
    assert body == before


def test_ha_disconnected_primary_master_and_standbys_are_normal():
    report = run(load('ha'))
    states = dict((node['name'], node['socket_conn']) for node in report['nodes'])
    assert states == {MASTER0: 'DN', MASTER1: 'DN', CORE[0]: 'UP', CORE[1]: 'DN'}
    assert report['findings'] == []


def test_multiconnect_disconnected_secondary_master_and_standby_are_normal():
    body = load('mc4')
    body['support'][MASTER1]['socket_conn'] = 'UNK'
    body['support'][CORE[4]].pop('socket_conn')
    assert run(body)['findings'] == []


# --------------------------------------------------------------------------------------------- one test per finding


def _set(name, node, **fields):
    def mutate(body):
        for key, value in fields.items():
            if value is None:
                body['support'][node].pop(key, None)
            else:
                body['support'][node][key] = value
    mutate.fixture = name
    return mutate


def _apply(*mutations):
    def mutate(body):
        for mutation in mutations:
            mutation(body)
    mutate.fixture = mutations[0].fixture
    return mutate


def _replace(name, node, entry):
    def mutate(body):
        body['support'][node] = entry
    mutate.fixture = name
    return mutate


def _drop(name, node):
    def mutate(body):
        del body['support'][node]
    mutate.fixture = name
    return mutate


def _single(**fields):
    def mutate(body):
        body['support'].update(fields)
    mutate.fixture = 'single'
    return mutate


# (id, mutation, evaluate kwargs, expected set of codes, (code, severity, node, exact message) of the finding under test)
FINDING_CASES = [
    ('two_primaries', _set('mc4', MASTER1, role='primary_master'), {},
     ['primary_master_count', 'secondary_master_missing', 'socket_conn_down'],  # in MC every primary master must be connected
     ('primary_master_count', 'critical', None, 'cluster has 2 primary_master nodes (%s, %s) (expected exactly 1)' % (MASTER0, MASTER1))),
    ('no_primary', _set('ha', MASTER0, role='secondary_master'), {},
     ['primary_master_count'],
     ('primary_master_count', 'critical', None, 'cluster has 0 primary_master nodes (expected exactly 1)')),
    ('secondary_missing', _drop('ha', MASTER1), {},
     ['secondary_master_missing'],
     ('secondary_master_missing', 'warning', None, 'cluster has 0 secondary_master nodes (expected at least 1)')),
    ('role_counts', _drop('ha', CORE[1]), {'policy': {'role_counts': {'coreapp': 2}, 'min_standby_coreapps': 0}},
     ['role_count_mismatch'],
     ('role_count_mismatch', 'critical', None, 'cluster has 1 coreapp nodes (expected 2)')),
    ('shard_unowned', _set('mc4', CORE[2], shards=[], socket_conn='DN'), {},
     ['shard_unowned'],
     ('shard_unowned', 'critical', None, 'shard 2 has no owner (expected exactly one coreapp)')),
    ('control_unowned_mc', _set('mc4', MASTER0, shards=[]), {},
     ['shard_unowned'],
     ('shard_unowned', 'critical', None, 'control shard -1 has no owner (expected the primary master)')),
    ('control_unowned_ha', _set('ha', CORE[0], shards=[[0, 0]]), {},
     ['shard_unowned'],
     ('shard_unowned', 'critical', None, 'control shard -1 has no owner (expected the coreapp owning shard 0)')),
    ('multiple_owners', _set('mc4', CORE[4], shards=[[1, 1]], socket_conn='UP'), {'policy': {'min_standby_coreapps': 0}},
     ['shard_multiple_owners'],
     ('shard_multiple_owners', 'critical', None, 'shard 1 is owned by 2 nodes: %s, %s (expected exactly one)' % (CORE[1], CORE[4]))),
    ('coreapp_multiple', _apply(_set('mc4', CORE[0], shards=[[0, 1]]), _set('mc4', CORE[1], shards=[], socket_conn='DN')), {},
     ['coreapp_multiple_shards'],
     ('coreapp_multiple_shards', 'critical', CORE[0], 'coreapp owns 2 message shards 0, 1 (expected at most one)')),
    ('control_owner_mc', _apply(_set('mc4', MASTER0, shards=[]), _set('mc4', CORE[0], shards=[[-1, 0]])), {},
     ['control_shard_owner'],
     ('control_shard_owner', 'critical', None, 'control shard -1 is owned by %s (coreapp) (expected the primary master %s)' % (CORE[0], MASTER0))),
    ('control_owner_ha', _apply(_set('ha', MASTER0, shards=[[-1, -1]]), _set('ha', CORE[0], shards=[[0, 0]])), {},
     ['control_shard_owner'],
     ('control_shard_owner', 'critical', None,
      'control shard -1 is owned by %s (primary_master) (expected the coreapp owning shard 0, %s)' % (MASTER0, CORE[0]))),
    ('count_not_allowed', _set('mc4', CORE[3], shards=[], socket_conn='DN'), {'shard_count': 3},
     ['shard_count_invalid'],
     ('shard_count_invalid', 'critical', None,
      'shard count 3 (from GET /v1/account/shards) is not one of 1, 2, 4, 8, 16, 32')),
    ('count_vs_policy', _set('mc4', CORE[4], role='coreapp'), {'shard_count': 4, 'policy': {'expected_shards': 8}},
     ['shard_count_invalid'],
     ('shard_count_invalid', 'critical', None, 'shard count 4 (from GET /v1/account/shards) differs from expected_shards 8')),
    ('owned_beyond_count', _set('mc4', CORE[4], role='coreapp'), {'shard_count': 2},
     ['shard_count_invalid'],
     ('shard_count_invalid', 'critical', CORE[3], 'node owns shard 3 but the cluster has 2 message shards (0..1)')),
    ('count_unknown', _apply(_set('ha', CORE[0], shards=[]), _set('ha', MASTER0, shards=[[-1, -1]])), {'shard_count': None},
     ['shard_count_unknown', 'shard_unowned'],
     ('shard_count_unknown', 'warning', None, 'cannot tell the message shard count: GET /v1/account/shards was not read, '
      'the policy has no expected_shards, and no node owns a message shard')),
    ('standby_missing', _drop('mc4', CORE[4]), {},
     ['standby_coreapp_missing'],
     ('standby_coreapp_missing', 'warning', None, 'cluster has 0 standby coreapps owning no shard (expected at least 1)')),
    ('down_ha_owner', _set('ha', CORE[0], socket_conn='DN'), {},
     ['socket_conn_down'],
     ('socket_conn_down', 'critical', CORE[0], 'node must be connected (it owns shard 0) but socket_conn is DN (expected UP)')),
    ('down_mc_primary', _set('mc4', MASTER0, socket_conn='UNK'), {},
     ['socket_conn_down'],
     ('socket_conn_down', 'critical', MASTER0, 'node must be connected (primary master) but socket_conn is UNK (expected UP)')),
    ('down_missing', _set('mc4', CORE[2], socket_conn=None), {},
     ['socket_conn_down'],
     ('socket_conn_down', 'critical', CORE[2], 'node must be connected (it owns shard 2) but socket_conn is missing (expected UP)')),
    ('down_weird', _single(socket_conn='WEIRD'), {},
     ['socket_conn_down'],
     ('socket_conn_down', 'critical', 'single', 'node must be connected (single instance) but socket_conn is WEIRD (expected UP)')),
    ('transient_sc', _set('mc4', CORE[1], socket_conn='SC'), {},
     ['socket_conn_transient'],
     ('socket_conn_transient', 'warning', CORE[1], 'node must be connected (it owns shard 1) but socket_conn is SC (still connecting; expected UP)')),
    ('transient_offline', _single(socket_conn='UP receiving offline'), {},
     ['socket_conn_transient'],
     ('socket_conn_transient', 'warning', 'single',
      'node must be connected (single instance) but socket_conn is UP receiving offline (still connecting; expected UP)')),
    ('free_space_critical', _single(free_space_logs=1000000), {},
     ['free_space_low'],
     ('free_space_low', 'critical', 'single', 'logs free space 976.6 KiB is below the critical level 1.0 GiB')),
    ('free_space_warning', _set('ha', MASTER1, free_space_media_incoming=2 * GIB), {},
     ['free_space_low'],
     ('free_space_low', 'warning', MASTER1, 'media_incoming free space 2.0 GiB is below the warning level 5.0 GiB')),
    ('expiring', _single(expire_timestamp='2026-03-04T00:00:00'), {},
     ['build_expiring'],
     ('build_expiring', 'warning', 'single', 'build expires in 2.5 days (expire_timestamp 2026-03-04T00:00:00Z), within the warning window of 7 days')),
    ('expired', _single(expire_timestamp='2026-02-28T12:00:00Z'), {},
     ['build_expired'],
     ('build_expired', 'critical', 'single', 'build expired 1 days ago (expire_timestamp 2026-02-28T12:00:00Z; expected a date in the future)')),
    ('versions_differ', _set('mc4', CORE[4], version='2.55.1'), {},
     ['version_mismatch'],
     ('version_mismatch', 'warning', None, 'nodes run 2 different versions (expected one): 2.57.2 on %s; 2.55.1 on %s'
      % (', '.join([MASTER0, MASTER1] + CORE[:4]), CORE[4]))),
    ('version_vs_policy', _single(), {'policy': {'expected_version': 'v2.59.1'}},
     ['version_mismatch'],
     ('version_mismatch', 'warning', 'single', 'node runs version v2.57.2 (expected v2.59.1)')),
    ('schema_differs', _set('ha', CORE[1], schema={'axolotl': 3, 'callback': 5, 'cluster': 2, 'config': 4, 'contact': 9,
                                                   'jobqueue': 1, 'message': 13}), {},
     ['schema_mismatch'],
     ('schema_mismatch', 'critical', None, 'nodes report 2 different schema objects (expected one; differing keys: message): '
      'message=12 on %s, %s, %s; message=13 on %s' % (MASTER0, MASTER1, CORE[0], CORE[1]))),
    ('engines_differ', _set('ha', CORE[1], db_engine='PGSQL'), {},
     ['db_engine_mismatch'],
     ('db_engine_mismatch', 'critical', None, 'nodes use 2 different database engines (expected one): MYSQL on %s, %s, %s; PGSQL on %s'
      % (MASTER0, MASTER1, CORE[0], CORE[1]))),
    ('engine_vs_policy', _single(), {'policy': {'expected_db_engine': 'PGSQL'}},
     ['db_engine_mismatch'],
     ('db_engine_mismatch', 'critical', 'single', 'node uses database engine MYSQL (expected PGSQL)')),
    ('multi_connect_keyed', _set('mc4', CORE[4], multi_connect=False), {},
     ['multi_connect_mismatch'],
     ('multi_connect_mismatch', 'critical', CORE[4], 'multi_connect is false in an HA/multiconnect (keyed) body (expected true)')),
    ('multi_connect_flat', _single(multi_connect=True), {},
     ['multi_connect_mismatch'],
     ('multi_connect_mismatch', 'critical', 'single', 'multi_connect is true in a single instance (flat) body (expected false)')),
    ('unregistered', _single(debug_info='unregistered'), {},
     ['unregistered'],
     ('unregistered', 'critical', 'single', "node is not registered (debug_info is 'unregistered'; expected the business phone number)")),
    ('node_error', _replace('mc4', CORE[4], {'errors': [ERROR_1011]}), {'policy': {'min_standby_coreapps': 0}},
     ['node_error'],
     ('node_error', 'critical', CORE[4], 'node answered with an error instead of its support data: '
      '1011 Service not ready: Wacore is not instantiated. Please check wacore log for details.')),
    ('node_error_flat', _single(errors=[ERROR_1011, {'code': 1014, 'title': 'Internal error'}]), {},
     ['node_error'],
     ('node_error', 'critical', 'single', 'node answered with an error instead of its support data: '
      '1011 Service not ready: Wacore is not instantiated. Please check wacore log for details.; 1014 Internal error')),
    ('field_invalid', _single(os_name={}), {},
     ['field_invalid'],
     ('field_invalid', 'warning', 'single', 'field os_name is present but unusable: expected a string, got object')),
    ('field_unreadable', _single(free_space_logs='lots'), {},
     ['field_unreadable'],
     ('field_unreadable', 'critical', 'single', "field free_space_logs cannot be read, so the gate cannot prove what depends on it: "
      "expected an integer number of bytes, got 'lots'")),
    ('field_missing', _single(expire_timestamp=None), {},
     ['field_missing'],
     ('field_missing', 'critical', 'single', 'field expire_timestamp is missing, so the gate cannot prove what depends on it '
      '(expected it in every support answer)')),
    ('node_not_a_dict', _replace('mc4', CORE[4], 'oops'), {'policy': {'min_standby_coreapps': 0}},
     ['field_unreadable'],
     ('field_unreadable', 'critical', CORE[4], 'field node cannot be read, so the gate cannot prove what depends on it: '
      'expected an object, got string')),
    ('count_inferred', _set('mc4', CORE[4], role='coreapp'), {'shard_count': None},
     ['shard_count_inferred'],
     ('shard_count_inferred', 'critical', None, 'message shard count 4 is only inferred from the owned shards (GET /v1/account/shards '
      'was not read and the policy has no expected_shards), so a missing owner of a higher shard cannot be seen: set '
      'policy.expected_shards to the real count, or let the monitoring user read GET /v1/account/shards')),
    ('master_owns_message_shard', _apply(_drop('mc4', CORE[3]), _set('mc4', MASTER1, shards=[[3, 3]], socket_conn='UP')), {},
     ['shard_owner_role'],
     ('shard_owner_role', 'critical', MASTER1, 'node (secondary_master) owns message shard 3 (expected message shards on coreapps only)')),
    ('standby_up', _set('ha', CORE[1], socket_conn='UP'), {},
     ['socket_conn_unexpected'],
     ('socket_conn_unexpected', 'warning', CORE[1], 'node (coreapp, owning no shard) is connected (socket_conn UP) but must '
      'not be: HA: only the coreapp owning shard 0 is connected, every other node, the primary master included, reports DN')),
    ('duplicate_key', _set('mc4', CORE[4], socket_conn='DN'), {'duplicate': CORE[4]},
     ['node_key_duplicate'],
     ('node_key_duplicate', 'critical', CORE[4], 'node key appears more than once in the body: a node may hide behind its twin '
      '(expected every node once)')),
]


@pytest.mark.parametrize('mutate, kwargs, expected_codes, finding', [case[1:] for case in FINDING_CASES], ids=[case[0] for case in FINDING_CASES])
def test_each_finding(mutate, kwargs, expected_codes, finding):
    body = load(mutate.fixture)
    mutate(body)
    report = run(body, **kwargs)
    assert codes(report) == sorted(expected_codes)
    code, severity, node, message = finding
    assert {'code': code, 'severity': severity, 'node': node, 'message': message} in report['findings']
    assert report['status'] == ('critical' if any(f['severity'] == 'critical' for f in report['findings']) else 'warning')


def test_every_code_is_produced_by_a_case():
    produced = set(case[4][0] for case in FINDING_CASES)
    assert produced == set(FINDING_CODES)


def test_shard_unowned_is_one_finding_per_shard():
    body = load('mc4')
    body['support'][CORE[1]]['shards'] = []
    body['support'][CORE[2]]['shards'] = []
    report = run(body, shard_count=8)
    messages = [finding['message'] for finding in only(report, 'shard_unowned')]
    assert messages == ['shard %d has no owner (expected exactly one coreapp)' % shard for shard in (1, 2, 4, 5, 6, 7)]


@pytest.mark.parametrize('shards, owned', [(4, 2), (8, 4), (16, 8), (32, 16)])
def test_multiconnect_half_the_shards_unowned_with_an_inferred_count_never_passes(shards, owned):
    """The monitoring user cannot read GET /v1/account/shards and the policy has no expected_shards: the owners of the
    upper half of the shards are gone, so the count inferred from the highest owned shard is half the real one and no
    shard shows as unowned. A count that cannot be proven is never a pass."""
    support = {MASTER0: copy.deepcopy(load('mc4')['support'][MASTER0]), MASTER1: copy.deepcopy(load('mc4')['support'][MASTER1])}
    template = load('mc4')['support'][CORE[0]]
    for shard in range(owned):
        support['10.0.2.%d:wa-core-%d' % (shard, shard)] = dict(copy.deepcopy(template), shards=[[shard, shard]])
    support['10.0.3.1:wa-core-spare'] = dict(copy.deepcopy(template), shards=[], socket_conn='DN')
    report = run({'support': support}, shard_count=None)
    assert report['cluster']['shard_count'] == owned and report['cluster']['shard_count_source'] == 'inferred'
    assert [(f['code'], f['severity']) for f in report['findings']] == [('shard_count_inferred', 'critical')]
    assert report['status'] == 'critical'
    # pinned by the policy or read from the API, the missing owners show
    assert codes(run({'support': support}, shard_count=None, policy={'expected_shards': shards})) == ['shard_unowned']
    assert codes(run({'support': support}, shard_count=shards)) == ['shard_unowned']


def test_ha_inferred_count_stays_a_warning():
    """HA's shape (the coreapp owning shard 0 holds the control shard, the masters own nothing) infers 1 shard; a
    multiconnect cluster gives the control shard to its primary master, which makes the inferred count at least 2."""
    report = run(load('ha'), shard_count=None)
    assert [(f['code'], f['severity']) for f in report['findings']] == [('shard_count_inferred', 'warning')]


def test_unknown_shard_count_still_flags_missing_owners():
    body = load('ha')
    body['support'][CORE[0]]['shards'] = []
    report = run(body, shard_count=None)
    assert report['topology'] == 'unknown'
    assert [f['message'] for f in only(report, 'shard_unowned')] == [
        'control shard -1 has no owner (expected exactly one node)', 'shard 0 has no owner (expected exactly one coreapp)']
    assert 'socket_conn_down' not in codes(report)


def test_garbage_api_shard_count_is_invalid():
    report = run(load('mc4'), shard_count=64)
    assert report['topology'] == 'unknown'
    assert [f['message'] for f in only(report, 'shard_count_invalid')] == [
        'shard count 64 (from GET /v1/account/shards) is not one of 1, 2, 4, 8, 16, 32']


def test_api_says_ha_but_body_is_multiconnect():
    report = run(load('mc4'), shard_count=1)
    assert report['topology'] == 'ha'
    assert 'control_shard_owner' in codes(report)
    assert set(f['node'] for f in only(report, 'shard_count_invalid')) == set(CORE[1:4])


def test_ha_node_other_than_the_shard_owner_up_is_a_warning():
    """HA: only the coreapp owning shard 0 is connected; every other node, the primary master included, reports DN
    (docs/data-model.md topology rules; the reference infers it, R15 [INF]). A standby or a master that is UP is not the
    documented cluster: a warning, which policy.severity can make critical."""
    body = load('ha')
    body['support'][CORE[1]]['socket_conn'] = 'UP'
    body['support'][MASTER0]['socket_conn'] = 'up receiving  offline'
    report = run(body)
    assert report['status'] == 'warning'
    assert [(f['code'], f['severity'], f['node']) for f in report['findings']] == [
        ('socket_conn_unexpected', 'warning', MASTER0), ('socket_conn_unexpected', 'warning', CORE[1])]
    strict = run(body, policy={'severity': {'socket_conn_unexpected': 'critical'}})
    assert strict['status'] == 'critical' and set(f['severity'] for f in strict['findings']) == {'critical'}


def test_ha_extra_coreapp_up_is_a_warning():
    body = load('ha')
    extra = copy.deepcopy(body['support'][CORE[1]])
    extra['socket_conn'] = 'UP'
    body['support']['wacore9:0123456789ab'] = extra
    assert [(f['code'], f['node']) for f in run(body)['findings']] == [('socket_conn_unexpected', 'wacore9:0123456789ab')]


@pytest.mark.parametrize('state', ['SC', 'DN', 'UNK', None])
def test_ha_standby_connecting_or_down_is_normal(state):
    body = load('ha')
    body['support'][CORE[1]]['socket_conn'] = state
    if state is None:
        body['support'][CORE[1]].pop('socket_conn')
    assert run(body)['findings'] == []


def test_multiconnect_standby_or_secondary_master_up_is_a_warning():
    body = load('mc4')
    body['support'][CORE[4]]['socket_conn'] = 'UP'
    body['support'][MASTER1]['socket_conn'] = 'UP'
    assert [(f['code'], f['node']) for f in run(body)['findings']] == [
        ('socket_conn_unexpected', MASTER1), ('socket_conn_unexpected', CORE[4])]


def test_node_in_error_is_not_flagged_as_connected():
    body = load('ha')
    body['support'][CORE[1]] = {'errors': [ERROR_1011], 'socket_conn': 'UP'}
    assert codes(run(body, policy={'min_standby_coreapps': 0})) == ['node_error']


def test_error_node_is_not_also_flagged_for_its_connection():
    body = load('single')
    body['support'] = {'errors': [ERROR_1011]}
    report = run(body)
    assert codes(report) == ['node_error']


def test_free_space_unbounded_never_alarms():
    for value in (2 ** 62, 2 ** 63 - 1, 9223372036853727000, '9223372036853727000', 9.223372036853727e18):
        body = load('single')
        for directory in ('data', 'logs', 'media_incoming', 'media_outgoing'):
            body['support']['free_space_' + directory] = value
        report = run(body, policy={'free_space_warning': 2 ** 63, 'free_space_critical': 2 ** 63})
        assert report['findings'] == [], value


def test_free_space_just_below_unbounded_alarms():
    report = run(load('single'), policy={'free_space_warning': 2 ** 63})
    assert [f['message'] for f in report['findings']] == ['logs free space 13.3 GiB is below the warning level 8.0 EiB']


def test_free_space_zero_is_critical():
    body = load('single')
    body['support']['free_space_data'] = 0
    assert only(run(body), 'free_space_low')[0]['message'] == 'data free space 0 B is below the critical level 1.0 GiB'


# --------------------------------------------------------------------------------------------- single: only relevant checks


def test_single_ignores_cluster_policy():
    policy = {'role_counts': {'coreapp': 3, 'primary_master': 1}, 'min_secondary_masters': 3, 'min_standby_coreapps': 2, 'expected_shards': 4}
    report = run(load('single'), policy=policy, shard_count=8)
    assert report['findings'] == []


def test_single_multi_connect_false_or_missing_is_fine():
    body = load('single')
    body['support'].pop('multi_connect')
    assert run(body)['findings'] == []


# --------------------------------------------------------------------------------------------- policy keys


@pytest.mark.parametrize('name, mutate, policy, expected_codes', [
    ('role_counts', None, {'role_counts': {'secondary_master': 2}}, ['role_count_mismatch']),
    ('role_counts_ok', None, {'role_counts': {'coreapp': 5, 'single': 0}}, []),
    ('expected_shards', None, {'expected_shards': 8}, ['shard_count_invalid']),  # the api count 4 differs
    ('expected_shards_ok', None, {'expected_shards': 4}, []),
    ('expected_version_prefix', None, {'expected_version': '2.57.2'}, []),
    ('expected_version', None, {'expected_version': '2.57.3'}, ['version_mismatch']),
    ('expected_db_engine', None, {'expected_db_engine': 'pgsql'}, ['db_engine_mismatch']),
    ('min_secondary_masters_2', None, {'min_secondary_masters': 2}, ['secondary_master_missing']),
    ('min_secondary_masters_0', _drop('mc4', MASTER1), {'min_secondary_masters': 0}, []),
    ('min_standby_coreapps_2', None, {'min_standby_coreapps': 2}, ['standby_coreapp_missing']),
    ('min_standby_coreapps_0', _drop('mc4', CORE[4]), {'min_standby_coreapps': 0}, []),
    ('free_space_warning', None, {'free_space_warning': '15GB'}, ['free_space_low']),
    ('free_space_warning_below', None, {'free_space_warning': '14GB'}, []),
    ('free_space_warning_low', _set('mc4', CORE[0], free_space_logs=2 * GIB), {'free_space_warning': '2GiB'}, []),
    ('free_space_critical', None, {'free_space_critical': '15GB'}, ['free_space_low']),
    ('free_space_dir', None, {'free_space': {'logs': {'warning': '20GiB'}}}, ['free_space_low']),
    ('free_space_other_dir', None, {'free_space': {'data': {'warning': '20GiB'}}}, []),
    ('free_space_dir_relaxed', _set('mc4', CORE[0], free_space_logs=GIB // 2), {'free_space': {'logs': {'warning': '100MiB', 'critical': '10MiB'}}}, []),
    ('build_expiry_warning_days', None, {'build_expiry_warning_days': 181}, ['build_expiring']),
    ('build_expiry_warning_days_0', _set('mc4', CORE[0], expire_timestamp='2026-03-01T13:00:00'), {'build_expiry_warning_days': 0}, []),
    ('require_registered', _set('mc4', CORE[0], debug_info='unregistered'), {'require_registered': False}, []),
    ('severity', _set('mc4', CORE[1], version='v2.55.1'), {'severity': {'version_mismatch': 'critical'}}, ['version_mismatch']),
    ('ignore', _set('mc4', CORE[1], socket_conn='DN'), {'ignore': ['socket_conn_down']}, []),
])
def test_policy_keys(name, mutate, policy, expected_codes):
    body = load('mc4')
    if mutate:
        mutate(body)
    report = run(body, policy=policy)
    assert codes(report) == expected_codes, name


def test_free_space_dir_override_levels():
    body = load('single')
    body['support']['free_space_logs'] = 300 * 1024 ** 2
    report = run(body, policy={'free_space': {'logs': {'critical': '512MiB'}}})
    assert only(report, 'free_space_low')[0]['severity'] == 'critical'
    report = run(body, policy={'free_space': {'logs': {'warning': '400MiB', 'critical': '100MiB'}}})
    assert [f['message'] for f in report['findings']] == ['logs free space 300.0 MiB is below the warning level 400.0 MiB']


def test_expected_shards_drives_topology_without_api():
    body = load('mc4')
    body['support'][CORE[3]]['shards'] = []
    body['support'][CORE[3]]['socket_conn'] = 'DN'
    report = run(body, shard_count=None, policy={'expected_shards': 4})
    assert report['cluster']['shard_count_source'] == 'policy'
    assert codes(report) == ['shard_unowned']


@pytest.mark.parametrize('code, mutate, override', [
    ('version_mismatch', _set('ha', CORE[1], version='v2.55.1'), 'critical'),
    ('socket_conn_down', _set('ha', CORE[0], socket_conn='DN'), 'warning'),
    ('field_invalid', _set('ha', CORE[1], os_name=['x']), 'critical'),
    ('field_unreadable', _set('ha', CORE[1], schema='x'), 'warning'),
    ('unregistered', _set('ha', CORE[1], debug_info='unregistered'), 'warning'),
])
def test_severity_override(code, mutate, override):
    body = load('ha')
    mutate(body)
    default = run(copy.deepcopy(body))
    assert set(f['severity'] for f in only(default, code)) == {FINDING_CODES[code]['severity']}
    report = run(body, policy={'severity': {code: override}})
    assert set(f['severity'] for f in only(report, code)) == {override}
    assert report['status'] == override


def test_severity_override_applies_to_both_free_space_levels():
    body = load('ha')
    body['support'][CORE[0]]['free_space_logs'] = 100
    body['support'][CORE[1]]['free_space_logs'] = 2 * GIB
    report = run(body, policy={'severity': {'free_space_low': 'warning'}})
    assert [(f['node'], f['severity']) for f in report['findings']] == [(CORE[0], 'warning'), (CORE[1], 'warning')]
    assert report['status'] == 'warning'


@pytest.mark.parametrize('code', sorted(FINDING_CODES))
def test_ignore_each_code(code):
    case = [case for case in FINDING_CASES if case[4][0] == code][0]
    body = load(case[1].fixture)
    case[1](body)
    kwargs = copy.deepcopy(case[2])
    policy = kwargs.setdefault('policy', {})
    policy['ignore'] = [code]
    report = run(body, **kwargs)
    assert code not in codes(report)
    assert codes(report) == sorted(set(case[3]) - {code})
    if not report['findings']:
        assert report['status'] == 'ok'


# --------------------------------------------------------------------------------------------- order and status


def test_findings_order_critical_then_code_then_node():
    body = load('mc4')
    body['support'][CORE[3]]['socket_conn'] = 'DN'          # socket_conn_down, critical
    body['support'][CORE[1]]['socket_conn'] = 'DN'          # socket_conn_down, critical
    body['support'][CORE[2]]['free_space_logs'] = 100       # free_space_low critical
    body['support'][CORE[0]]['free_space_logs'] = 2 * GIB   # free_space_low warning
    body['support'][MASTER1]['version'] = 'v2.55.1'         # version_mismatch warning (cluster)
    body['support'][CORE[4]]['lc'] = {}                     # field_invalid warning
    body['support'][MASTER0]['debug_info'] = 'unregistered'  # unregistered, critical
    report = run(body)
    assert [(f['severity'], f['code'], f['node']) for f in report['findings']] == [
        ('critical', 'free_space_low', CORE[2]),
        ('critical', 'socket_conn_down', CORE[1]),
        ('critical', 'socket_conn_down', CORE[3]),
        ('critical', 'unregistered', MASTER0),
        ('warning', 'field_invalid', CORE[4]),
        ('warning', 'free_space_low', CORE[0]),
        ('warning', 'version_mismatch', None),
    ]
    assert report['status'] == 'critical'


def test_cluster_wide_findings_come_before_node_findings_of_the_same_code():
    body = load('mc4')
    report = run(body, shard_count=2, policy={'expected_shards': 4})
    assert [f['node'] for f in only(report, 'shard_count_invalid')] == [None, CORE[2], CORE[3]]


def test_status_is_warning_when_only_warnings():
    body = load('single')
    body['support']['free_space_logs'] = 2 * GIB
    report = run(body)
    assert report['status'] == 'warning'
    assert [f['severity'] for f in report['findings']] == ['warning']


# --------------------------------------------------------------------------------------------- entry points


def test_check_accepts_normalized_or_report():
    body = load('mc4')
    body['support'][CORE[2]]['socket_conn'] = 'SC'
    normalized = normalize(body, now=NOW, shard_count=4)
    report = run(body)
    assert check(normalized, now=NOW) == report['findings'] == check(report, now=NOW)
    assert check(report, {'ignore': ['socket_conn_transient']}, now=NOW) == []


def test_report_from_normalized_rechecks_with_another_policy():
    report = run(load('ha'))
    strict = report_from_normalized(report, {'min_standby_coreapps': 3, 'severity': {'standby_coreapp_missing': 'critical'}}, now=NOW)
    assert strict['status'] == 'critical'
    assert codes(strict) == ['standby_coreapp_missing']
    assert strict['nodes'] == report['nodes'] and strict['cluster'] == report['cluster']
    assert strict['policy']['min_standby_coreapps'] == 3
    assert report_from_normalized(report, report['policy'], now=NOW)['findings'] == []


@pytest.mark.parametrize('bad', [None, [], {'topology': 'ha'}, 'report'])
def test_check_rejects_other_input(bad):
    with pytest.raises(ValueError):
        check(bad)


def test_evaluate_errors():
    with pytest.raises(SupportShapeError):
        evaluate({'support': 'fake_info'}, now=NOW)
    with pytest.raises(PolicyError):
        evaluate(load('single'), policy={'nope': 1}, now=NOW)
    with pytest.raises(PolicyError):  # the policy is checked first
        evaluate({'support': 'fake_info'}, policy={'nope': 1}, now=NOW)


def test_report_policy_is_the_effective_policy():
    report = run(load('single'), policy={'free_space_warning': '10GiB', 'ignore': 'build_expiring'})
    assert report['policy'] == merge_policy({'free_space_warning': '10GiB', 'ignore': ['build_expiring']})
    assert report['policy']['free_space_warning'] == 10 * GIB
    assert report['policy']['ignore'] == ['build_expiring']


# --------------------------------------------------------------------------------------------- sizes


@pytest.mark.parametrize('value, expected', [
    (0, 0),
    (1024, 1024),
    ('1024', 1024),
    (' 1024 ', 1024),
    ('512B', 512),
    ('5GiB', 5 * GIB),
    ('5 GiB', 5 * GIB),
    ('5gib', 5 * GIB),
    ('500MB', 500 * 1000 ** 2),
    ('1.5G', 3 * GIB // 2),
    ('1.5GB', 1500 * 1000 ** 2),
    ('2K', 2048),
    ('2KiB', 2048),
    ('2kb', 2000),
    ('3M', 3 * 1024 ** 2),
    ('3MiB', 3 * 1024 ** 2),
    ('1T', 1024 ** 4),
    ('1TiB', 1024 ** 4),
    ('1TB', 1000 ** 4),
    ('.5K', 512),
    ('10.', 10),
    (1536.9, 1536),
    (2 ** 64, 2 ** 64),
])
def test_parse_size(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize('value', [None, True, False, -1, '-5GB', '', '   ', 'GiB', '5 XB', '5PB', 'five', '5 G i B', [5], {'GiB': 5},
                                   float('nan'), float('inf'), -1.0, '1e9', '0x10', 2 ** 70, '9' * 5000, 1e300])
def test_parse_size_errors(value):
    with pytest.raises(ValueError) as exc:
        parse_size(value)
    assert 'invalid size' in str(exc.value)


@pytest.mark.parametrize('value, text', [
    (0, '0 B'), (1023, '1023 B'), (1024, '1.0 KiB'), (1000000, '976.6 KiB'), (GIB, '1.0 GiB'), (5 * GIB, '5.0 GiB'),
    (14269902848, '13.3 GiB'), (1024 ** 4 * 3, '3.0 TiB'), (2 ** 63, '8.0 EiB'), (None, 'unknown'),
])
def test_human_size(value, text):
    assert human_size(value) == text


# --------------------------------------------------------------------------------------------- merge_policy


def test_merge_policy_defaults():
    assert merge_policy() == merge_policy({}) == merge_policy(None) == {
        'role_counts': {},
        'expected_shards': None,
        'expected_version': None,
        'expected_db_engine': None,
        'min_secondary_masters': 1,
        'min_standby_coreapps': 1,
        'free_space_warning': 5 * GIB,
        'free_space_critical': GIB,
        'free_space': {},
        'build_expiry_warning_days': 7,
        'require_registered': True,
        'severity': {},
        'ignore': [],
    }


def test_merge_policy_normalizes_and_is_idempotent():
    policy = {
        'role_counts': {'coreapp': '5', 'primary_master': 1},
        'expected_shards': '4',
        'expected_version': ' v2.57.2 ',
        'expected_db_engine': 'pgsql',
        'min_secondary_masters': '2',
        'min_standby_coreapps': 0,
        'free_space_warning': '10GiB',
        'free_space_critical': 1000,
        'free_space': {'logs': {'warning': '2GiB', 'critical': None}, 'data': None},
        'build_expiry_warning_days': '14.5',
        'require_registered': 'no',
        'severity': {'version_mismatch': 'Critical'},
        'ignore': ['field_invalid', 'field_invalid'],
    }
    effective = merge_policy(policy)
    assert effective == {
        'role_counts': {'coreapp': 5, 'primary_master': 1},
        'expected_shards': 4,
        'expected_version': 'v2.57.2',
        'expected_db_engine': 'PGSQL',
        'min_secondary_masters': 2,
        'min_standby_coreapps': 0,
        'free_space_warning': 10 * GIB,
        'free_space_critical': 1000,
        'free_space': {'logs': {'warning': 2 * GIB}},
        'build_expiry_warning_days': 14.5,
        'require_registered': False,
        'severity': {'version_mismatch': 'critical'},
        'ignore': ['field_invalid'],
    }
    assert merge_policy(effective) == effective


def test_merge_policy_none_means_default_and_does_not_touch_defaults():
    before = copy.deepcopy(DEFAULT_POLICY)
    effective = merge_policy({'min_standby_coreapps': None, 'expected_version': None})
    effective['role_counts']['coreapp'] = 3
    effective['ignore'].append('node_error')
    assert effective['min_standby_coreapps'] == 1
    assert DEFAULT_POLICY == before
    assert merge_policy()['role_counts'] == {} and merge_policy()['ignore'] == []


@pytest.mark.parametrize('policy, pattern', [
    ([], r'policy: expected a mapping'),
    ('strict', r'policy: expected a mapping'),
    ({'nope': 1, 'also_nope': 2}, r"unknown key\(s\) 'also_nope', 'nope'"),
    ({'role_counts': [1]}, r'policy role_counts: expected a mapping'),
    ({'role_counts': {'webapp': 1}}, r"policy role_counts: unknown role 'webapp'"),
    ({'role_counts': {'coreapp': -1}}, r'policy role_counts.coreapp: expected an integer from 0 to 1000000'),
    ({'role_counts': {'coreapp': 'many'}}, r'policy role_counts.coreapp: expected an integer'),
    ({'role_counts': {'coreapp': True}}, r'policy role_counts.coreapp: expected an integer'),
    ({'expected_shards': 3}, r'policy expected_shards: expected one of 1, 2, 4, 8, 16, 32, got 3'),
    ({'expected_shards': 0}, r'policy expected_shards: expected one of'),
    ({'expected_shards': 'four'}, r'policy expected_shards: expected one of'),
    ({'expected_shards': True}, r'policy expected_shards: expected one of'),
    ({'expected_version': 2.57}, r'policy expected_version: expected a version string'),
    ({'expected_version': '  '}, r'policy expected_version: expected a version string'),
    ({'expected_db_engine': 'ORACLE'}, r'policy expected_db_engine: expected MYSQL or PGSQL'),
    ({'expected_db_engine': 1}, r'policy expected_db_engine: expected MYSQL or PGSQL'),
    ({'min_secondary_masters': -1}, r'policy min_secondary_masters: expected an integer from 0 to 1000000'),
    ({'min_standby_coreapps': 'x'}, r'policy min_standby_coreapps: expected an integer from 0 to 1000000'),
    ({'min_standby_coreapps': 1.5}, r'policy min_standby_coreapps: expected an integer from 0 to 1000000'),
    ({'free_space_warning': '5 XB'}, r"policy free_space_warning: invalid size '5 XB'"),
    ({'free_space_critical': -1}, r'policy free_space_critical: invalid size -1'),
    ({'free_space': []}, r'policy free_space: expected a mapping'),
    ({'free_space': {'tmp': {'warning': 1}}}, r"policy free_space: unknown directory 'tmp'"),
    ({'free_space': {'logs': 5}}, r'policy free_space.logs: expected a mapping'),
    ({'free_space': {'logs': {'low': 5}}}, r"policy free_space.logs: unknown key 'low'"),
    ({'free_space': {'logs': {'warning': 'big'}}}, r"policy free_space.logs.warning: invalid size 'big'"),
    ({'build_expiry_warning_days': -1}, r'policy build_expiry_warning_days: expected a number of days from 0 to 1000000'),
    ({'build_expiry_warning_days': 'soon'}, r'policy build_expiry_warning_days: expected a number of days'),
    ({'build_expiry_warning_days': True}, r'policy build_expiry_warning_days: expected a number of days'),
    ({'build_expiry_warning_days': float('nan')}, r'policy build_expiry_warning_days: expected a number of days'),
    ({'require_registered': 'maybe'}, r'policy require_registered: expected a boolean'),
    ({'require_registered': 2}, r'policy require_registered: expected a boolean'),
    ({'severity': ['critical']}, r'policy severity: expected a mapping'),
    ({'severity': {'disk_full': 'critical'}}, r"policy severity: unknown finding code 'disk_full'"),
    ({'severity': {'node_error': 'fatal'}}, r"policy severity.node_error: expected warning or critical, got 'fatal'"),
    ({'ignore': {'node_error': True}}, r'policy ignore: expected a list of finding codes'),
    ({'ignore': ['node_error', 'disk_full']}, r"policy ignore: unknown finding code 'disk_full'"),
    ({'ignore': [None]}, r'policy ignore: unknown finding code None'),
])
def test_merge_policy_errors(policy, pattern):
    with pytest.raises(PolicyError) as exc:
        merge_policy(policy)
    assert isinstance(exc.value, ValueError)
    assert re.search(pattern, str(exc.value)), str(exc.value)


def test_build_expired_minutes_ago_is_expired_not_expiring():
    body = load('single')
    body['support']['expire_timestamp'] = '2026-03-01T11:55:00'
    codes = [finding['code'] for finding in evaluate(body, now=datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc))['findings']]
    assert 'build_expired' in codes
    assert 'build_expiring' not in codes


# --------------------------------------------------------------------------------------------- issue 8: fail closed


def test_nearly_full_disk_as_a_float_is_critical():
    body = load('single')
    body['support']['free_space_logs'] = 524288000.0
    found = only(run(body), 'free_space_low')
    assert found == [{'code': 'free_space_low', 'severity': 'critical', 'node': 'single',
                      'message': 'logs free space 500.0 MiB is below the critical level 1.0 GiB'}]


def test_keyed_node_without_role_fails_the_gate():
    body = load('mc4')
    del body['support'][CORE[4]]['role']
    report = run(body)
    assert report['status'] == 'critical'
    assert {'code': 'field_unreadable', 'severity': 'critical', 'node': CORE[4],
            'message': 'field role cannot be read, so the gate cannot prove what depends on it: missing: a node of an HA/multiconnect '
                       'body must say its role'} in report['findings']


@pytest.mark.parametrize('field, value', [
    ('role', 'boss'), ('shards', [[3, 1]]), ('shards', 'all'), ('socket_conn', ['UP']), ('free_space_data', float('inf')),
    ('free_space_logs', 'lots'), ('expire_timestamp', 'soon'), ('schema', {'message': 'x'}), ('schema', 'v7'),
])
def test_unreadable_decisive_field_is_critical(field, value):
    body = load('mc4')
    body['support'][CORE[4]][field] = value
    report = run(body)
    found = [finding for finding in report['findings'] if finding['code'] == 'field_unreadable']
    assert [(finding['severity'], finding['node']) for finding in found] == [('critical', CORE[4])]
    assert found[0]['message'].startswith('field %s cannot be read' % field)
    assert report['status'] == 'critical'


@pytest.mark.parametrize('field, value', [('os_name', {}), ('lc', []), ('multi_connect', 'maybe')])
def test_unreadable_informational_field_stays_a_warning(field, value):
    body = load('mc4')
    body['support'][CORE[4]][field] = value
    report = run(body)
    assert codes(report) == ['field_invalid']
    assert report['status'] == 'warning'


def test_unreadable_field_severity_is_overridable():
    body = load('mc4')
    body['support'][CORE[4]]['expire_timestamp'] = 'soon'
    report = run(body, policy={'severity': {'field_unreadable': 'warning'}})
    assert report['status'] == 'warning'


def test_master_owning_a_message_shard_is_critical_even_when_counts_look_right():
    body = load('mc4')
    del body['support'][CORE[3]]
    body['support'][MASTER1].update(shards=[[3, 3]], socket_conn='UP')
    report = run(body)
    assert codes(report) == ['shard_owner_role']
    assert only(report, 'shard_owner_role') == [{'code': 'shard_owner_role', 'severity': 'critical', 'node': MASTER1,
                                                'message': 'node (secondary_master) owns message shard 3 (expected message shards on coreapps only)'}]


def test_impossible_range_makes_the_shard_map_unprovable():
    body = load('mc4')
    body['support'][CORE[4]]['shards'] = [[0, 4000]]
    report = run(body)
    assert only(report, 'field_unreadable')[0]['message'] == (
        'field shards cannot be read, so the gate cannot prove what depends on it: shard map unprovable: '
        'range [0, 4000] is outside the shard ids -1..31')
    assert report['status'] == 'critical'


def test_inferred_shard_count_says_how_to_pin_it():
    report = run(load('mc4'), shard_count=None)
    assert report['findings'] == [{
        'code': 'shard_count_inferred', 'severity': 'critical', 'node': None,
        'message': 'message shard count 4 is only inferred from the owned shards (GET /v1/account/shards was not read and the policy '
                   'has no expected_shards), so a missing owner of a higher shard cannot be seen: set policy.expected_shards to the '
                   'real count, or let the monitoring user read GET /v1/account/shards'}]
    assert run(load('mc4'), shard_count=None, policy={'expected_shards': 4})['findings'] == []


def test_missing_owner_of_the_last_shard_is_shard_unowned():
    body = load('mc4')
    body['support'][CORE[3]].update(shards=[], socket_conn='DN')
    report = run(body, shard_count=None)
    assert codes(report) == ['shard_count_inferred', 'shard_unowned']
    assert only(report, 'shard_unowned')[0]['message'] == 'shard 3 has no owner (expected exactly one coreapp)'


def test_two_shard_cluster_missing_an_owner_is_not_called_ha():
    body = load('mc4')
    for name in CORE[1:4]:
        body['support'][name].update(shards=[], socket_conn='DN')
    report = run(body, shard_count=None)
    assert report['topology'] == 'multiconnect'
    assert codes(report) == ['shard_count_inferred', 'shard_unowned']


@pytest.mark.parametrize('answer', [1.9, float('inf'), float('nan'), '4 shards'])
def test_non_integer_api_count_is_a_bad_answer(answer):
    report = run(load('mc4'), shard_count=answer)
    bad = [finding for finding in report['findings'] if finding['code'] == 'shard_count_invalid']
    assert len(bad) == 1 and bad[0]['severity'] == 'critical'
    assert bad[0]['message'].startswith('bad answer: GET /v1/account/shards: account.shards is not a shard count')
    assert report['cluster']['shard_count'] == 4  # inferred, not truncated to 1


def test_stored_report_is_re_evaluated_at_check_time():
    report = run(load('single'))
    assert report['findings'] == []
    later = datetime(2026, 9, 1, tzinfo=timezone.utc)
    recheck = report_from_normalized(report, now=later)
    assert codes(recheck) == ['build_expired']
    assert recheck['nodes'][0]['expires_in_days'] == -3.4
    tampered = copy.deepcopy(report)
    tampered['nodes'][0]['expires_in_days'] = 999.0  # a stored days field is not trusted
    assert codes(report_from_normalized(tampered, now=later)) == ['build_expired']
    assert [finding['code'] for finding in check(tampered, now=later)] == ['build_expired']


def test_socket_conn_spellings_are_one_state_everywhere():
    body = load('mc4')
    body['support'][CORE[0]]['socket_conn'] = ' up '
    body['support'][CORE[1]]['socket_conn'] = 'Up  Receiving  Offline'
    report = run(body)
    assert codes(report) == ['socket_conn_transient']
    assert CORE[0] in report['cluster']['connected_nodes']


def test_duplicate_node_key_is_critical():
    text = json.dumps(load('ha'))
    twin = '"%s": {"role": "coreapp", "shards": [], "socket_conn": "DN"}, ' % CORE[0]
    body = json.loads(text.replace('"support": {', '"support": {' + twin, 1), object_pairs_hook=json_object_pairs)
    report = run(body)
    assert only(report, 'node_key_duplicate') == [{
        'code': 'node_key_duplicate', 'severity': 'critical', 'node': CORE[0],
        'message': 'node key appears more than once in the body: a node may hide behind its twin (expected every node once)'}]


@pytest.mark.parametrize('policy', [
    {'ignore': [['shard_unowned']]},
    {'ignore': [{'a': 1}]},
    {'severity': {'shard_unowned': ['critical']}},
    {'build_expiry_warning_days': 10 ** 400},
    {'build_expiry_warning_days': float('nan')},
    {'role_counts': {'coreapp': 10 ** 5000}},
    {'free_space_warning': '9' * 5000},
    {'free_space_warning': 10 ** 30},
    {'min_standby_coreapps': float('inf')},
    {'expected_shards': float('nan')},
    {'free_space': {'logs': {'warning': []}}},
])
def test_wrong_typed_policy_is_invalid_policy(policy):
    with pytest.raises(PolicyError):
        merge_policy(policy)


def test_policy_error_message_of_a_deep_value_is_bounded():
    deep = 1
    for dummy in range(100000):
        deep = [deep]
    with pytest.raises(PolicyError) as exc:
        merge_policy({'role_counts': {'coreapp': deep}})
    assert len(str(exc.value)) < 200


# --------------------------------------------------------------------------------------------- missing decisive fields


@pytest.mark.parametrize('field', ['expire_timestamp', 'free_space_data', 'free_space_logs', 'free_space_media_incoming',
                                   'free_space_media_outgoing'])
def test_a_missing_decisive_field_is_never_a_pass(field):
    """Fail closed: without expire_timestamp the gate cannot prove the build is not expired, without free_space_* that the
    disk is not full; the answer that leaves them out must not pass as 'no findings'."""
    body = load('single')
    del body['support'][field]
    report = run(body)
    assert report['status'] == 'critical'
    assert [(f['code'], f['node']) for f in report['findings']] == [('field_missing', 'single')]
    assert field in report['findings'][0]['message']
    body = load('mc4')
    del body['support'][CORE[4]][field]  # a standby too: it takes a shard over with that build and that disk
    report = run(body)
    assert [(f['code'], f['severity'], f['node']) for f in report['findings']] == [('field_missing', 'critical', CORE[4])]


def test_a_bare_flat_body_is_not_a_pass():
    report = run({'support': {'socket_conn': 'UP'}})
    assert report['status'] == 'critical'
    assert sorted(f['message'].split()[1] for f in report['findings']) == sorted(
        ['debug_info', 'expire_timestamp', 'free_space_data', 'free_space_logs', 'free_space_media_incoming',
         'free_space_media_outgoing'])


def test_schema_missing_on_one_node_of_a_cluster_is_field_missing_not_a_pass():
    body = load('ha')
    del body['support'][CORE[0]]['schema']
    assert [(f['code'], f['node']) for f in run(body)['findings']] == [('field_missing', CORE[0])]
    body = load('single')
    del body['support']['schema']  # one node: nothing to compare it with
    assert run(body)['findings'] == []


def test_missing_fields_of_error_nodes_and_unreadable_fields_are_not_also_missing():
    body = load('mc4')
    body['support'][CORE[4]] = {'errors': [ERROR_1011]}
    assert codes(run(body, policy={'min_standby_coreapps': 0})) == ['node_error']
    body = load('single')
    body['support']['expire_timestamp'] = 'soon'
    assert codes(run(body)) == ['field_unreadable']


def test_field_missing_can_be_ignored_or_downgraded():
    body = load('single')
    del body['support']['expire_timestamp']
    assert run(body, policy={'ignore': ['field_missing']})['status'] == 'ok'
    assert run(body, policy={'severity': {'field_missing': 'warning'}})['status'] == 'warning'


@pytest.mark.parametrize('value', [None, '', '  '])
def test_registration_that_cannot_be_told_is_not_a_pass(value):
    """require_registered (the default) is a critical rule: an answer without debug_info (or an empty one) cannot
    prove the node registered."""
    body = load('single')
    if value is None:
        del body['support']['debug_info']
    else:
        body['support']['debug_info'] = value
    report = run(body)
    assert [(f['code'], f['severity'], f['node']) for f in report['findings']] == [('field_missing', 'critical', 'single')]
    assert 'debug_info' in report['findings'][0]['message']
    assert run(body, policy={'require_registered': False})['findings'] == []


def test_unusable_debug_info_is_critical_while_registration_is_required():
    """With require_registered (the default) the gate decides on debug_info: unusable is unprovable, not a warning."""
    body = {'support': {'debug_info': {}, 'socket_conn': 'UP', 'expire_timestamp': '2099-01-01T00:00:00',
                        'free_space_data': 10 ** 12, 'free_space_logs': 10 ** 12, 'free_space_media_incoming': 10 ** 12,
                        'free_space_media_outgoing': 10 ** 12}}
    strict = evaluate(body, now='2026-11-30T00:00:00Z')
    assert [(f['code'], f['severity']) for f in strict['findings'] if f['code'].startswith('field_')] == [
        ('field_unreadable', 'critical')]
    relaxed = evaluate(body, policy={'require_registered': False}, now='2026-11-30T00:00:00Z')
    assert [(f['code'], f['severity']) for f in relaxed['findings'] if f['code'].startswith('field_')] == [
        ('field_invalid', 'warning')]


# --------------------------------------------------------------------------------------------- the table of checks

def test_checks_table_is_pinned():
    """_CHECKS is a module-level table (not mutated by make mutate): each check, in its order, and the topologies
    it runs for. Every finding code is produced by one of them (test_every_code_is_produced_by_a_case)."""
    from ansible_collections.wabiz.onprem.plugins.module_utils import _checks
    cluster = ['ha', 'multiconnect', 'unknown']
    every = ['ha', 'multiconnect', 'single', 'unknown']
    assert [(run.__name__, sorted(topologies)) for run, topologies in _checks._CHECKS] == [
        ('_check_node_errors', every), ('_check_unusable_fields', every), ('_check_missing_fields', every),
        ('_check_free_space', every), ('_check_expiry', every), ('_check_registered', every),
        ('_check_multi_connect', every), ('_check_version', every), ('_check_db_engine', every), ('_check_schema', every),
        ('_check_primary_master', cluster), ('_check_secondary_masters', cluster), ('_check_role_counts', cluster),
        ('_check_standby_coreapps', cluster), ('_check_unowned_shards', cluster), ('_check_shared_shards', cluster),
        ('_check_shard_owner_role', cluster), ('_check_duplicate_keys', cluster), ('_check_coreapp_shards', ['multiconnect']),
        ('_check_control_shard_multiconnect', ['multiconnect']), ('_check_control_shard_ha', ['ha']),
        ('_check_shard_count_answer', cluster), ('_check_shard_count_source', cluster), ('_check_shard_count_value', cluster),
        ('_check_shards_beyond_count', cluster), ('_check_sockets', every),
        ('_check_unexpected_connections', ['ha', 'multiconnect']),
    ]


def test_policy_names_are_imported_from_policy_only():
    """One place for each piece of logic: nothing imports a policy name through _checks (no re-export)."""
    import ast
    root = os.path.join(HERE, '..', '..', '..', '..')
    with open(os.path.join(root, 'plugins', 'module_utils', '_policy.py')) as handle:
        defined = ast.parse(handle.read()).body
    policy_names = set(node.name for node in defined if isinstance(node, (ast.FunctionDef, ast.ClassDef)))
    policy_names.update(target.id for node in defined if isinstance(node, ast.Assign) for target in node.targets
                        if isinstance(target, ast.Name))
    assert {'merge_policy', 'PolicyError', 'parse_size', 'human_size', 'DEFAULT_POLICY', 'FINDING_CODES'} <= policy_names
    offenders = []
    for top in ('plugins', 'extensions', 'tests'):
        for folder, dummy, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith('.py'):
                    continue
                path = os.path.join(folder, name)
                with open(path) as handle:
                    tree = ast.parse(handle.read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.ImportFrom) and (node.module or '').endswith('module_utils._checks'):
                        offenders.extend('%s: %s' % (os.path.relpath(path, root), alias.name) for alias in node.names
                                         if alias.name in policy_names)
    assert offenders == []
