# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hypothesis strategies of ``GET /v1/support`` answers, shared by every property test.

Import them as ``from ansible_collections.wabiz.onprem.tests.unit.strategies import healthy_cluster``.

- ``healthy_cluster(topologies=TOPOLOGIES)``: a cluster built by the reference's topology rules
  (docs/data-model.md "Topology rules", wa-onprem-api.md R15) in any benign encoding; the gate must
  pass it. Draws a ``Cluster``: ``body`` (the raw JSON body, a dict), ``shard_count`` (what
  ``GET /v1/account/shards`` answered, or None when it was not readable), ``policy``, ``now``,
  ``topology`` and ``shards`` (the real message shard count, None for a single instance).
- ``faulty_cluster()``: a healthy cluster with one ``FAULTS`` entry injected; draws
  ``(cluster, fault)`` where ``fault.code`` / ``fault.severity`` is the finding that must appear.
- ``json_values()``: arbitrary JSON (nulls, bools, huge ints, NaN/Infinity floats, text, lists,
  objects), for "never crash" properties; ``deep_json()``: nesting far beyond any limit.
- ``hostile_cluster()``: a healthy cluster with arbitrary JSON put in one place (a field of a node,
  a node entry, ``support``, the whole body, the API count or the policy).
- ``FUZZ_COUNTS``: counters the properties bump (``examples``, ``crashes``, ``false_alarms``,
  ``missed_faults``); ``make fuzz`` prints their sums.

Every body is fresh (``copy.deepcopy`` not needed) and JSON-serializable, unless ``json_values``
put a NaN/Infinity in it (``json.dumps`` writes those as ``NaN``/``Infinity``, as a proxy might).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import json
from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from ansible_collections.wabiz.onprem.plugins.module_utils._support import json_object_pairs

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
GIB = 1024 ** 3
UNBOUNDED_MARKER = 9223372036853727000  # the documented "unbounded" free space, ~2**63
TOPOLOGIES = ('single', 'ha', 'multiconnect')
MC_SHARD_COUNTS = (2, 4, 8, 16, 32)
SCHEMA = {'axolotl': 3, 'callback': 5, 'cluster': 2, 'config': 4, 'contact': 9, 'jobqueue': 1, 'message': 12}
DIRECTORY_FIELDS = ('free_space_data', 'free_space_logs', 'free_space_media_incoming', 'free_space_media_outgoing')
DECISIVE_NODE_FIELDS = ('role', 'shards', 'socket_conn', 'expire_timestamp', 'schema') + DIRECTORY_FIELDS
ROLE_SPELLINGS = {
    'primary_master': ('primary_master', 'Primary Master', 'PRIMARY-MASTER', 'primary master'),
    'secondary_master': ('secondary_master', 'Secondary Master', 'SECONDARY_MASTER', 'secondary-master'),
    'coreapp': ('coreapp', 'CoreApp', 'COREAPP', ' coreapp '),
}

FUZZ_COUNTS = collections.Counter()

Cluster = collections.namedtuple('Cluster', 'body shard_count policy now topology shards')
Fault = collections.namedtuple('Fault', 'name code severity')


# ------------------------------------------------------------------------------------------ encodings

def _int_encodings(value):
    """The same exact int as a JSON int, a whole-number float (when exact) or a digit string."""
    options = [st.just(value), st.just(str(value))]
    if float(value) == value:
        options.append(st.just(float(value)))
    return st.one_of(options)


def _shard_list(shards, style):
    """Owned shard ids as ``[[k, k]]`` ranges, merged ranges, bare ids, digit strings or whole floats."""
    if style == 'merged' and shards == [-1, 0]:
        return [[-1, 0]]
    if style == 'bare':
        return list(shards)
    if style == 'strings':
        return [[str(k), str(k)] for k in shards]
    if style == 'floats':
        return [[float(k), float(k)] for k in shards]
    return [[k, k] for k in shards]


@st.composite
def timestamp(draw, low_days=8, high_days=400):
    """An ``expire_timestamp`` ``low_days``..``high_days`` after NOW in one of the ISO forms the API or a proxy sends."""
    stamp = NOW + timedelta(seconds=draw(st.integers(int(low_days * 86400), int(high_days * 86400))))
    form = draw(st.sampled_from(['naive', 'zulu', 'offset', 'space']))
    if form == 'naive':
        return stamp.strftime('%Y-%m-%dT%H:%M:%S')
    if form == 'zulu':
        return stamp.strftime('%Y-%m-%dT%H:%M:%SZ')
    if form == 'space':
        return stamp.strftime('%Y-%m-%d %H:%M:%S')
    return (stamp + timedelta(hours=2)).strftime('%Y-%m-%dT%H:%M:%S+02:00')


def _env(shape, style):
    """A node ``env`` in one of its shapes, with secrets in it (redaction must hide them)."""
    pairs = [('WA_DB_ENGINE', 'MYSQL'), ('WA_DB_PASSWORD', 'pw-%d' % (style % 1000)), ('WA_API_KEY', 'key-secret-1'),
             ('WA_DB_URL', 'mysql://wauser:url-secret-2@db:3306/wa')]
    if shape == 'strings':
        return ['%s=%s' % pair for pair in pairs]
    if shape == 'mapping':
        return dict(pairs)
    if shape == 'pairs':
        return [list(pair) for pair in pairs]
    if shape == 'objects':
        return [{'name': name, 'value': value} for name, value in pairs]
    return '\n'.join('%s: %s' % pair for pair in pairs)


def _pick(options, style, slot):
    """Option number ``slot`` of a node's encoding ``style`` (one drawn int per node keeps generation cheap)."""
    return options[(style >> (2 * slot)) % len(options)]


def _encode_int(value, style, slot):
    return _pick([value, str(value), float(value) if float(value) == value else value], style, slot)


@st.composite
def node_fields(draw, role, shards, up, keyed, version, engine, expire):
    """One healthy node entry (role/shards only for a keyed body); every benign encoding is reachable."""
    style = draw(st.integers(0, 2 ** 40 - 1))
    space = draw(st.one_of(st.sampled_from([UNBOUNDED_MARKER, float(UNBOUNDED_MARKER), str(UNBOUNDED_MARKER)]),
                           st.integers(5 * GIB + 1, 2 ** 50)))
    entry = {
        'context': 'healthcheck',
        'db_engine': _pick([engine, engine.lower()], style, 0),
        'db_info': ['mysql-connector 8.0.33'],
        'debug_info': '15550100001',
        'description': 'WhatsApp Business API build %s (release)' % version.lstrip('v'),
        'device_iso8601': NOW.strftime('%Y-%m-%dT%H:%M:%SZ'),
        'expire_timestamp': expire,
        'lc': 'en',
        'lg': 'US',
        'multi_connect': _pick([True, 'true', 1], style, 1) if keyed else _pick([False, 'false', 0], style, 1),
        'os_name': 'ubuntu-x86_64',
        'os_version': '20.04',
        'schema': dict((name, _encode_int(value, style, 2)) for name, value in SCHEMA.items()),
        'socket_conn': _pick(['UP', 'up', ' Up '], style, 3) if up else _pick(['DN', 'dn', 'UNK'], style, 3),
        'version': _pick([version, version.lstrip('v')], style, 4),
    }
    for slot, field in enumerate(DIRECTORY_FIELDS):
        entry[field] = _encode_int(space, style, 5 + slot) if isinstance(space, int) else space
    env = _pick([None, None, 'strings', 'mapping', 'pairs', 'objects', 'text'], style, 9)
    if env:
        entry['env'] = _env(env, style)
    if keyed:
        entry['role'] = _pick(ROLE_SPELLINGS[role], style, 10)
        if shards:
            entry['shards'] = _shard_list(shards, _pick(['ranges', 'bare', 'strings', 'floats', 'merged'], style, 11))
        elif _pick([True, False], style, 12):
            entry['shards'] = []
    return entry


def _node_key(index, role, ipv6):
    host = '[fd00::%x]' % (index + 1) if ipv6 else '10.0.%d.%d' % (0 if 'master' in role else 1, 10 + index)
    return '%s:wa-%s-%d' % (host, 'master' if 'master' in role else 'core', index)


# ------------------------------------------------------------------------------------------ clusters

@st.composite
def healthy_cluster(draw, topologies=TOPOLOGIES):
    """A healthy cluster (see the module docstring); the gate must give it no critical finding."""
    topology = draw(st.sampled_from(topologies))
    version = draw(st.sampled_from(['v2.57.2', 'v2.55.1']))
    engine = draw(st.sampled_from(['MYSQL', 'PGSQL']))
    policy = {}
    if topology == 'single':
        entry = node_fields(role='single', shards=None, up=True, keyed=False, version=version, engine=engine, expire=draw(timestamp()))
        body = {'support': draw(entry), 'meta': {'api_status': 'stable', 'version': 'v2.45.1'}}
        return Cluster(body, None, policy, NOW, 'single', None)

    count = 1 if topology == 'ha' else draw(st.sampled_from(MC_SHARD_COUNTS))
    masters = draw(st.integers(2, 3))
    spares = draw(st.integers(1, 3))
    ipv6 = draw(st.booleans())
    plan = [('primary_master', [-1] if topology == 'multiconnect' else [], topology == 'multiconnect')]
    plan += [('secondary_master', [], False)] * (masters - 1)
    if topology == 'ha':
        plan.append(('coreapp', [-1, 0], True))
    else:
        plan += [('coreapp', [k], True) for k in range(count)]
    plan += [('coreapp', [], False)] * spares
    order = draw(st.permutations(range(len(plan))))
    expire = draw(timestamp())
    support = {}
    for index in order:
        role, shards, up = plan[index]
        support[_node_key(index, role, ipv6)] = draw(node_fields(role, shards, up, True, version, engine, expire))
    api = draw(st.one_of(st.none(), _int_encodings(count)))
    if draw(st.booleans()):
        policy['expected_shards'] = draw(_int_encodings(count))
    body = {'support': support, 'meta': {'api_status': 'stable', 'version': 'v2.45.1'}}
    return Cluster(body, api, policy, NOW, topology, count)


def _nodes_with(support, role, owning=None):
    """Keys of the nodes of ``role`` (normalized spelling); ``owning``: True = owning a shard, False = owning none."""
    result = []
    for key, entry in sorted(support.items()):
        spelled = entry.get('role', '').strip().lower().replace('-', '_').replace(' ', '_')
        owns = bool(entry.get('shards'))
        if spelled == role and (owning is None or owns == owning):
            result.append(key)
    return result


def _owner_of(support, shard):
    for key, entry in sorted(support.items()):
        ids = []
        for item in entry.get('shards') or []:
            ids.extend(int(float(part)) for part in (item if isinstance(item, list) else [item]))
        if shard in ids:
            return key
    return None


def _must_connect(cluster):
    support = cluster.body['support']
    if cluster.topology == 'single':
        return [None]
    if cluster.topology == 'ha':
        return [_owner_of(support, 0)]
    return _nodes_with(support, 'primary_master') + _nodes_with(support, 'coreapp', owning=True)


# Each fault: (name, code, severity, topologies it applies to, inject(draw, cluster) -> cluster).
def _set_field(draw, cluster, keys, **fields):
    support = cluster.body['support']
    if cluster.topology == 'single':
        support.update(fields)
    else:
        support[draw(st.sampled_from(keys))].update(fields)
    return cluster


def _inject_socket(state):
    def inject(draw, cluster):
        return _set_field(draw, cluster, _must_connect(cluster), socket_conn=draw(st.sampled_from(state)))
    return inject


def _any_node(cluster):
    return sorted(cluster.body['support']) if cluster.topology != 'single' else [None]


def _inject_node_error(draw, cluster):
    error = {'errors': [{'code': 1011, 'title': 'Service not ready',
                         'details': 'Wacore is not instantiated. Please check wacore log for details.'}]}
    if cluster.topology == 'single':
        cluster.body['support'] = error
    else:
        cluster.body['support'][draw(st.sampled_from(_any_node(cluster)))] = error
    return cluster


def _inject_owner_missing(draw, cluster):
    support = cluster.body['support']
    del support[draw(st.sampled_from(_nodes_with(support, 'coreapp', owning=True)))]
    return cluster


def _inject_two_primaries(draw, cluster):
    support = cluster.body['support']
    support[draw(st.sampled_from(_nodes_with(support, 'secondary_master')))]['role'] = 'primary_master'
    return cluster


def _inject_shared_shard(draw, cluster):
    support = cluster.body['support']
    shard = draw(st.integers(0, cluster.shards - 1))
    support[draw(st.sampled_from(_nodes_with(support, 'coreapp', owning=False)))].update(shards=[[shard, shard]], socket_conn='UP')
    return cluster


def _inject_master_owns_message_shard(draw, cluster):
    support = cluster.body['support']
    shard = draw(st.integers(0, cluster.shards - 1))
    owner = _owner_of(support, shard)
    del support[owner]
    support[draw(st.sampled_from(_nodes_with(support, 'secondary_master')))].update(shards=[[shard, shard]], socket_conn='UP')
    return cluster


def _inject_control_to_coreapp(draw, cluster):
    support = cluster.body['support']
    support[_nodes_with(support, 'primary_master')[0]]['shards'] = []
    support[draw(st.sampled_from(_nodes_with(support, 'coreapp', owning=False)))].update(shards=[[-1, -1]], socket_conn='UP')
    return cluster


def _inject_idle_node_up(draw, cluster):
    """A node owning no shard (standby coreapp, secondary master, HA's primary master) that is UP."""
    support = cluster.body['support']
    must = set(_must_connect(cluster))
    idle = [key for key in sorted(support) if key not in must and not support[key].get('shards')]
    support[draw(st.sampled_from(idle))]['socket_conn'] = draw(st.sampled_from(['UP', 'up', 'UP receiving offline']))
    return cluster


def _inject_coreapp_two_shards(draw, cluster):
    support = cluster.body['support']
    owner = _owner_of(support, 0)
    support[owner]['shards'] = [[0, 1]]
    return cluster


def _inject_schema(draw, cluster):
    schema = dict(SCHEMA, message=SCHEMA['message'] + draw(st.integers(1, 5)))
    return _set_field(draw, cluster, _any_node(cluster)[1:] or [None], schema=schema)


def _inject_engine(draw, cluster):
    support = cluster.body['support']
    key = draw(st.sampled_from(_any_node(cluster)))
    current = support[key].get('db_engine', 'MYSQL').upper()
    support[key]['db_engine'] = 'PGSQL' if current == 'MYSQL' else 'MYSQL'
    return cluster


def _inject_version(draw, cluster):
    return _set_field(draw, cluster, _any_node(cluster), version='v2.99.0')


def _field_injector(**fields):
    def inject(draw, cluster):
        values = dict((name, draw(value) if isinstance(value, st.SearchStrategy) else value) for name, value in fields.items())
        return _set_field(draw, cluster, _any_node(cluster), **values)
    return inject


def _inject_unreadable(draw, cluster):
    field = draw(st.sampled_from(DECISIVE_NODE_FIELDS if cluster.topology != 'single' else DECISIVE_NODE_FIELDS[2:]))
    value = draw(st.sampled_from({
        'role': [None, 'boss', 7],
        'shards': ['0-1', [[3, 1]], [[0, 99]], [[None, 1]], {'0': 0}],
        'socket_conn': [['UP'], 1, {'state': 'UP'}],
        'expire_timestamp': ['soon', '2026-02-30T00:00:00', 1788000000, '9999-12-31T23:59:59-05:00'],
        'schema': ['v7', [1], {'message': 'x'}, {'message': 1.5}],
    }.get(field, ['lots', 1.5, float('nan'), float('inf'), -1, True, '1e9'])))
    key = draw(st.sampled_from(_any_node(cluster)))
    entry = cluster.body['support'] if key is None else cluster.body['support'][key]
    if value is None:
        entry.pop(field, None)
    else:
        entry[field] = value
    return cluster


def _inject_duplicate_key(draw, cluster):
    """A broken twin before a healthy node of the same key: json.loads alone would keep the healthy one."""
    support = cluster.body['support']
    key = draw(st.sampled_from(sorted(support)))
    twin = dict(support[key], socket_conn='DN', shards=[])
    text = json.dumps(cluster.body)
    text = text.replace('"support": {', '"support": {%s: %s, ' % (json.dumps(key), json.dumps(twin)), 1)
    return cluster._replace(body=json.loads(text, object_pairs_hook=json_object_pairs))


def _inject_bad_api_count(draw, cluster):
    return cluster._replace(shard_count=draw(st.sampled_from([cluster.shards + 0.9, float('inf'), float('nan'), '%d shards' % cluster.shards])))


def _inject_float_nearly_full(draw, cluster):
    value = float(draw(st.integers(0, GIB - 1)))
    return _set_field(draw, cluster, _any_node(cluster), **{draw(st.sampled_from(DIRECTORY_FIELDS)): value})


KEYED = ('ha', 'multiconnect')
FAULT_TABLE = [
    ('socket_down', 'socket_conn_down', 'critical', TOPOLOGIES, _inject_socket(['DN', 'UNK', 'dn', 'garbage'])),
    ('socket_transient', 'socket_conn_transient', 'warning', TOPOLOGIES, _inject_socket(['SC', 'UP receiving offline', 'sc'])),
    ('idle_node_up', 'socket_conn_unexpected', 'warning', KEYED, _inject_idle_node_up),
    ('node_error_1011', 'node_error', 'critical', TOPOLOGIES, _inject_node_error),
    ('shard_owner_missing', 'shard_unowned', 'critical', KEYED, _inject_owner_missing),
    ('two_primaries', 'primary_master_count', 'critical', KEYED, _inject_two_primaries),
    ('shard_shared', 'shard_multiple_owners', 'critical', KEYED, _inject_shared_shard),
    ('master_owns_message_shard', 'shard_owner_role', 'critical', KEYED, _inject_master_owns_message_shard),
    ('control_shard_on_coreapp', 'control_shard_owner', 'critical', ('multiconnect',), _inject_control_to_coreapp),
    ('coreapp_two_shards', 'coreapp_multiple_shards', 'critical', ('multiconnect',), _inject_coreapp_two_shards),
    ('schema_mixed', 'schema_mismatch', 'critical', KEYED, _inject_schema),
    ('engine_mixed', 'db_engine_mismatch', 'critical', KEYED, _inject_engine),
    ('version_mixed', 'version_mismatch', 'warning', KEYED, _inject_version),
    ('unregistered', 'unregistered', 'critical', TOPOLOGIES, _field_injector(debug_info='unregistered')),
    ('build_expired', 'build_expired', 'critical', TOPOLOGIES,
     _field_injector(expire_timestamp=st.integers(1, 4000).map(lambda days: (NOW - timedelta(hours=days)).strftime('%Y-%m-%dT%H:%M:%SZ')))),
    ('build_expiring', 'build_expiring', 'warning', TOPOLOGIES,
     _field_injector(expire_timestamp=st.integers(1, 160).map(lambda hours: (NOW + timedelta(hours=hours)).strftime('%Y-%m-%dT%H:%M:%SZ')))),
    ('free_space_critical', 'free_space_low', 'critical', TOPOLOGIES,
     _field_injector(free_space_logs=st.integers(0, GIB - 1).flatmap(_int_encodings))),
    ('free_space_float_nearly_full', 'free_space_low', 'critical', TOPOLOGIES, _inject_float_nearly_full),
    ('free_space_warning', 'free_space_low', 'warning', TOPOLOGIES,
     _field_injector(free_space_data=st.integers(GIB, 5 * GIB - 1).flatmap(_int_encodings))),
    ('multi_connect_off', 'multi_connect_mismatch', 'critical', KEYED, _field_injector(multi_connect=False)),
    ('field_unreadable', 'field_unreadable', 'critical', TOPOLOGIES, _inject_unreadable),
    ('duplicate_node_key', 'node_key_duplicate', 'critical', KEYED, _inject_duplicate_key),
    ('api_count_not_a_count', 'shard_count_invalid', 'critical', KEYED, _inject_bad_api_count),
]
FAULTS = dict((name, Fault(name, code, severity)) for name, code, severity, dummy, dummy in FAULT_TABLE)


@st.composite
def faulty_cluster(draw, faults=None):
    """``(cluster, fault)``: a healthy cluster with one fault of FAULT_TABLE (all, or the names in ``faults``) injected."""
    table = [row for row in FAULT_TABLE if faults is None or row[0] in faults]
    name, code, severity, topologies, inject = draw(st.sampled_from(table))
    cluster = draw(healthy_cluster(topologies))
    return inject(draw, cluster), Fault(name, code, severity)


# ------------------------------------------------------------------------------------------ arbitrary JSON

_SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.sampled_from([2 ** 63, -2 ** 63, 2 ** 62, UNBOUNDED_MARKER, 10 ** 40]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(['', 'UP', 'DN', 'primary_master', 'coreapp', '2026-03-01T00:00:00', '9999-12-31T23:59:59-05:00',
                     'WA_DB_PASSWORD=x', '[[0,0]]', 'NaN', '-1']),
    st.integers(4301, 6000).map(lambda digits: '9' * digits),  # beyond Python's int-string limit
)


def json_values(max_leaves=12):
    """Arbitrary JSON-like values (NaN/Infinity included, as Python's json reads them)."""
    return st.recursive(
        _SCALARS,
        lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
        max_leaves=max_leaves,
    )


@st.composite
def deep_json(draw):
    """A list or object nested 30..3000 levels deep."""
    value = draw(_SCALARS)
    for dummy in range(draw(st.integers(30, 3000))):
        value = [value] if draw(st.booleans()) else {'k': value}
    return value


@st.composite
def hostile_cluster(draw):
    """A healthy cluster with arbitrary JSON in one place: ``(cluster, where)``."""
    cluster = draw(healthy_cluster())
    value = draw(st.one_of(json_values(), deep_json()) if draw(st.integers(0, 9)) == 0 else json_values())
    where = draw(st.sampled_from(['field', 'field', 'field', 'node', 'support', 'body', 'shard_count', 'policy', 'policy_value']))
    support = cluster.body['support']
    if where == 'field':
        key = None if cluster.topology == 'single' else draw(st.sampled_from(sorted(support)))
        entry = support if key is None else support[key]
        field = draw(st.sampled_from(sorted(entry) + ['errors', 'role', 'shards', 'env']))
        entry[field] = value
    elif where == 'node' and cluster.topology != 'single':
        support[draw(st.sampled_from(sorted(support)))] = value
    elif where == 'support':
        cluster.body['support'] = value
    elif where == 'body':
        cluster = cluster._replace(body=value)
    elif where == 'shard_count':
        cluster = cluster._replace(shard_count=value)
    elif where == 'policy':
        cluster = cluster._replace(policy=value)
    else:
        key = draw(st.sampled_from(['role_counts', 'expected_shards', 'expected_version', 'expected_db_engine', 'min_secondary_masters',
                                    'min_standby_coreapps', 'free_space_warning', 'free_space_critical', 'free_space',
                                    'build_expiry_warning_days', 'require_registered', 'severity', 'ignore', 'unknown_key']))
        cluster = cluster._replace(policy={key: value})
    return cluster, where
