# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the wabiz.onprem collection and may change at any time.

"""Health checks over a normalized ``/v1/support`` body (pure, stdlib only).

Public API (see docs/data-model.md for the contract):

``evaluate(body, shard_count=None, policy=None, now=None, single_name='single')`` -> report
    The one entry point from a raw body: merges the policy, normalizes the body and checks it.
    A report is ``{'topology', 'status', 'nodes', 'cluster', 'findings', 'policy'}``.
    Raises ``PolicyError`` (error code ``invalid_policy``) or ``SupportShapeError`` (error code
    ``bad_response``); both are ``ValueError``.

``report_from_normalized(normalized, policy=None, now=None)`` -> report
    Re-check already normalized data, e.g. a previous report, with another policy. ``normalized``
    is the output of ``_support.normalize()`` or a full report (only ``topology``, ``nodes`` and
    ``cluster`` are read). Stored data is never trusted: it goes through ``_support.refresh()``
    (types checked, expiry recomputed at ``now``, default the current time, summary rebuilt); the
    topology and shard count are kept. Raises ``SupportShapeError`` when it is not support data.

``check(normalized, policy=None, now=None)`` -> list of findings ``{code, severity, node, message}``
    Same input as ``report_from_normalized``; findings sorted critical first, then by code, then
    by node name (cluster-wide findings, node ``None``, first), then by message.

The policy (``merge_policy``, ``DEFAULT_POLICY``, sizes) and the finding codes (``FINDING_CODES``)
live in ``_policy``. Each check is a small function of ``_CHECKS``, the one table of checks, run in
its order for the topologies it lists; the final order of the findings is the sort above.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.wabiz.onprem.plugins.module_utils._policy import (
    CRITICAL,
    FINDING_CODES,
    WARNING,
    human_size,
    merge_policy,
)
from ansible_collections.wabiz.onprem.plugins.module_utils._support import (
    ALLOWED_SHARD_COUNTS,
    DECISIVE_FIELDS,
    DIRECTORIES,
    TOPOLOGIES,
    UNBOUNDED,
    normalize,
    refresh,
    socket_state,
)

_CODE_RANK = dict((code, index) for index, code in enumerate(sorted(FINDING_CODES)))
_SOURCE_TEXT = {
    'api': 'from GET /v1/account/shards',
    'policy': 'from expected_shards',
    'inferred': 'inferred from the highest owned message shard',
    'unknown': 'source unknown',
}
_CONTROL_OWNER = {'multiconnect': 'the primary master', 'ha': 'the coreapp owning shard 0'}


class _Subject(object):
    """What every check reads (normalized data, effective policy) and the findings they add."""

    def __init__(self, normalized, policy):
        self.topology = normalized['topology']
        self.keyed = self.topology != 'single'
        self.nodes = normalized['nodes']
        self.cluster = normalized['cluster']
        self.owned = self.cluster['owned_shards']
        self.policy = policy
        self.by_name = dict((node['name'], node) for node in self.nodes)
        self.findings = []
        self._ignore = policy['ignore']
        self._severity = policy['severity']

    def add(self, code, severity, node, message):
        if code not in self._ignore:
            self.findings.append({'code': code, 'severity': self._severity.get(code, severity), 'node': node, 'message': message})


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _strip_v(version):
    text = version.strip()
    return text[1:] if text[:1] in ('v', 'V') else text


def _names(names):
    return ', '.join(names)


def _days(value):
    return ('%.2f' % value).rstrip('0').rstrip('.') if isinstance(value, float) else str(value)


def _describe_error(error):
    parts = [str(part) for part in (error.get('code'), error.get('title')) if part is not None]
    text = ' '.join(parts) or 'unknown error'
    if error.get('details'):
        text += ': %s' % error['details']
    return text


def _describe_owners(names, by_name):
    return _names('%s (%s)' % (name, by_name[name]['role']) for name in names)


def _message_shards(node):
    return [shard for shard in node['shards'] if shard >= 0]


def _group(nodes, key):
    """[(value, [names])] in order of first appearance, skipping None values."""
    groups = {}
    for node in nodes:
        value = key(node)
        if value is not None:
            groups.setdefault(value, []).append(node['name'])
    return list(groups.items())


def _must_connect(subject):
    """Ordered list of (node, why) for the nodes that must be connected."""
    if subject.topology == 'single':
        return [(node, 'single instance') for node in subject.nodes if not node['errors']]
    if subject.topology == 'ha':
        return [(subject.by_name[name], 'it owns shard 0') for name in subject.owned.get('0', ())]
    result = []
    if subject.topology == 'multiconnect':
        for node in subject.nodes:
            if node['role'] == 'primary_master':
                result.append((node, 'primary master'))
            elif _message_shards(node):
                result.append((node, 'it owns shard %s' % ', '.join(str(shard) for shard in _message_shards(node))))
    return result


# ---------------------------------------------------------------------------------------------
# node checks
# ---------------------------------------------------------------------------------------------

def _check_node_errors(subject):
    for node in subject.nodes:
        if node['errors']:
            subject.add('node_error', CRITICAL, node['name'], 'node answered with an error instead of its support data: %s'
                        % '; '.join(_describe_error(error) for error in node['errors']))


def _check_unusable_fields(subject):
    """A present but unusable field: critical when the gate decides on it (field_unreadable), else a warning."""
    require_registered = subject.policy['require_registered']
    for node in subject.nodes:
        for item in node['invalid_fields']:
            if item['field'] in DECISIVE_FIELDS or (item['field'] == 'debug_info' and require_registered):
                subject.add('field_unreadable', CRITICAL, node['name'], 'field %s cannot be read, so the gate cannot prove what '
                            'depends on it: %s' % (item['field'], item['reason']))
            else:
                subject.add('field_invalid', WARNING, node['name'], 'field %s is present but unusable: %s' % (item['field'], item['reason']))


def _missing_fields(node, keyed):
    missing = [] if node['expire_timestamp'] is not None else ['expire_timestamp']
    missing.extend('free_space_' + directory for directory in DIRECTORIES if node['free_space'].get(directory) is None)
    if keyed and node['schema'] is None:
        missing.append('schema')
    return missing


def _check_missing_fields(subject):
    """Fail closed on absent decisive fields: what is not there cannot prove the build or the disk (or, in a cluster,
    the schema every node shares). Present but unusable fields are field_unreadable already; a node in error says so."""
    require_registered = subject.policy['require_registered']
    for node in subject.nodes:
        present_but_bad = set(item['field'] for item in node['invalid_fields'])
        if node['errors'] or 'node' in present_but_bad:  # not an object at all: field_unreadable says it once
            continue
        for field in _missing_fields(node, subject.keyed):
            if field not in present_but_bad:
                subject.add('field_missing', CRITICAL, node['name'], 'field %s is missing, so the gate cannot prove what depends '
                            'on it (expected it in every support answer)' % field)
        if require_registered and node['registered'] is None and 'debug_info' not in present_but_bad:
            subject.add('field_missing', CRITICAL, node['name'], 'field debug_info is missing or empty, so the gate cannot prove '
                        'the node registered (expected the business phone number; require_registered is on)')


def _free_space_levels(policy):
    """[(directory, warning bytes, critical bytes)] in directory order."""
    levels = []
    for directory in DIRECTORIES:
        override = policy['free_space'].get(directory, {})
        levels.append((directory, override.get(WARNING, policy['free_space_warning']),
                       override.get(CRITICAL, policy['free_space_critical'])))
    return levels


def _check_free_space(subject):
    levels = _free_space_levels(subject.policy)
    for node in subject.nodes:
        free_space = node['free_space']
        for directory, warn, crit in levels:
            value = free_space.get(directory)
            if value is None or value >= UNBOUNDED:
                continue
            if value < crit:
                subject.add('free_space_low', CRITICAL, node['name'], '%s free space %s is below the critical level %s'
                            % (directory, human_size(value), human_size(crit)))
            elif value < warn:
                subject.add('free_space_low', WARNING, node['name'], '%s free space %s is below the warning level %s'
                            % (directory, human_size(value), human_size(warn)))


def _check_expiry(subject):
    warning_days = subject.policy['build_expiry_warning_days']
    for node in subject.nodes:
        days = node['expires_in_days']
        if days is None:
            continue
        if days < 0:
            subject.add('build_expired', CRITICAL, node['name'], 'build expired %s days ago (expire_timestamp %s; expected a date '
                        'in the future)' % (_days(-days), node['expire_timestamp']))
        elif days < warning_days:
            subject.add('build_expiring', WARNING, node['name'], 'build expires in %s days (expire_timestamp %s), within the '
                        'warning window of %s days' % (_days(days), node['expire_timestamp'], _days(warning_days)))


def _check_registered(subject):
    if not subject.policy['require_registered']:
        return
    for node in subject.nodes:
        if node['registered'] is False:
            subject.add('unregistered', CRITICAL, node['name'], "node is not registered (debug_info is 'unregistered'; expected "
                        "the business phone number)")


def _check_multi_connect(subject):
    wrong, text = (False, 'multi_connect is false in an HA/multiconnect (keyed) body (expected true)') if subject.keyed else (
        True, 'multi_connect is true in a single instance (flat) body (expected false)')
    for node in subject.nodes:
        if node['multi_connect'] is wrong:
            subject.add('multi_connect_mismatch', CRITICAL, node['name'], text)


# ---------------------------------------------------------------------------------------------
# consistency between nodes
# ---------------------------------------------------------------------------------------------

def _check_version(subject):
    expected = subject.policy['expected_version']
    if expected:
        wanted = _strip_v(expected)
        for node in subject.nodes:
            if node['version'] is not None and _strip_v(node['version']) != wanted:
                subject.add('version_mismatch', WARNING, node['name'], 'node runs version %s (expected %s)' % (node['version'], expected))
        return
    groups = _group(subject.nodes, lambda node: None if node['version'] is None else _strip_v(node['version']))
    if len(groups) > 1:
        subject.add('version_mismatch', WARNING, None, 'nodes run %d different versions (expected one): %s'
                    % (len(groups), '; '.join('%s on %s' % (version, _names(names)) for version, names in groups)))


def _check_db_engine(subject):
    expected = subject.policy['expected_db_engine']
    if expected:
        for node in subject.nodes:
            if node['db_engine'] is not None and node['db_engine'] != expected:
                subject.add('db_engine_mismatch', CRITICAL, node['name'], 'node uses database engine %s (expected %s)'
                            % (node['db_engine'], expected))
        return
    groups = _group(subject.nodes, lambda node: node['db_engine'])
    if len(groups) > 1:
        subject.add('db_engine_mismatch', CRITICAL, None, 'nodes use %d different database engines (expected one): %s'
                    % (len(groups), '; '.join('%s on %s' % (engine, _names(names)) for engine, names in groups)))


def _check_schema(subject):
    groups = _group(subject.nodes, lambda node: None if node['schema'] is None else tuple(sorted(node['schema'].items())))
    if len(groups) < 2:
        return
    schemas = dict((node['name'], node['schema']) for node in subject.nodes if node['schema'] is not None)
    keys = sorted(set(key for schema in schemas.values() for key in schema))
    differing = [key for key in keys if len(set(schema.get(key) for schema in schemas.values())) > 1]
    details = []
    for dummy, names in groups:
        schema = schemas[names[0]]
        details.append('%s on %s' % (', '.join('%s=%s' % (key, schema.get(key)) for key in differing), _names(names)))
    subject.add('schema_mismatch', CRITICAL, None, 'nodes report %d different schema objects (expected one; differing keys: %s): %s'
                % (len(groups), ', '.join(differing), '; '.join(details)))


# ---------------------------------------------------------------------------------------------
# cluster checks (HA / multiconnect / unknown)
# ---------------------------------------------------------------------------------------------

def _primaries(subject):
    return [node['name'] for node in subject.nodes if node['role'] == 'primary_master']


def _check_primary_master(subject):
    primaries = _primaries(subject)
    if len(primaries) != 1:
        listed = ' (%s)' % _names(primaries) if primaries else ''
        subject.add('primary_master_count', CRITICAL, None, 'cluster has %d primary_master nodes%s (expected exactly 1)'
                    % (len(primaries), listed))


def _check_secondary_masters(subject):
    secondaries = subject.cluster['role_counts'].get('secondary_master', 0)
    wanted = subject.policy['min_secondary_masters']
    if secondaries < wanted:
        subject.add('secondary_master_missing', WARNING, None, 'cluster has %d secondary_master nodes (expected at least %d)'
                    % (secondaries, wanted))


def _check_role_counts(subject):
    expected_counts = subject.policy['role_counts']
    for role in sorted(expected_counts):
        actual = subject.cluster['role_counts'].get(role, 0)
        if actual != expected_counts[role]:
            subject.add('role_count_mismatch', CRITICAL, None, 'cluster has %d %s nodes (expected %d)' % (actual, role, expected_counts[role]))


def _check_standby_coreapps(subject):
    standby = subject.cluster['standby_coreapps']
    wanted = subject.policy['min_standby_coreapps']
    if len(standby) < wanted:
        subject.add('standby_coreapp_missing', WARNING, None, 'cluster has %d standby coreapps owning no shard (expected at least %d)'
                    % (len(standby), wanted))


def _check_unowned_shards(subject):
    control_owner = _CONTROL_OWNER.get(subject.topology, 'exactly one node')
    for shard in subject.cluster['unowned_shards']:
        if shard >= 0:
            subject.add('shard_unowned', CRITICAL, None, 'shard %d has no owner (expected exactly one coreapp)' % shard)
        else:
            subject.add('shard_unowned', CRITICAL, None, 'control shard %d has no owner (expected %s)' % (shard, control_owner))


def _check_shared_shards(subject):
    for shard, owners in subject.owned.items():
        if len(owners) > 1:
            subject.add('shard_multiple_owners', CRITICAL, None, 'shard %s is owned by %d nodes: %s (expected exactly one)'
                        % (shard, len(owners), _names(owners)))


def _check_shard_owner_role(subject):
    for shard, owners in subject.owned.items():
        if int(shard) < 0:
            continue
        for name in owners:
            role = subject.by_name[name]['role']
            if role != 'coreapp':
                subject.add('shard_owner_role', CRITICAL, name, 'node (%s) owns message shard %s (expected message shards on '
                            'coreapps only)' % (role, shard))


def _check_duplicate_keys(subject):
    for key in subject.cluster.get('duplicate_node_keys') or []:
        subject.add('node_key_duplicate', CRITICAL, key, 'node key appears more than once in the body: a node may hide behind '
                    'its twin (expected every node once)')


def _check_coreapp_shards(subject):
    for node in subject.nodes:
        message_shards = _message_shards(node)
        if node['role'] == 'coreapp' and len(message_shards) > 1:
            subject.add('coreapp_multiple_shards', CRITICAL, node['name'], 'coreapp owns %d message shards %s (expected at most one)'
                        % (len(message_shards), ', '.join(str(shard) for shard in message_shards)))


def _check_control_shard_multiconnect(subject):
    control = subject.owned.get('-1', [])
    if control and not any(subject.by_name[name]['role'] == 'primary_master' for name in control):
        primaries = _primaries(subject)
        subject.add('control_shard_owner', CRITICAL, None, 'control shard -1 is owned by %s (expected the primary master%s)'
                    % (_describe_owners(control, subject.by_name), ' %s' % primaries[0] if len(primaries) == 1 else ''))


def _check_control_shard_ha(subject):
    control = subject.owned.get('-1', [])
    if not control:
        return
    zero = [name for name in subject.owned.get('0', []) if subject.by_name[name]['role'] == 'coreapp']
    if not any(name in zero for name in control):
        subject.add('control_shard_owner', CRITICAL, None, 'control shard -1 is owned by %s (expected the coreapp owning shard 0%s)'
                    % (_describe_owners(control, subject.by_name), ', %s' % _names(zero) if zero else ''))


def _check_shard_count_answer(subject):
    if subject.cluster.get('shard_count_rejected'):
        subject.add('shard_count_invalid', CRITICAL, None, 'bad answer: %s (expected a whole number such as 4)'
                    % subject.cluster['shard_count_rejected'])


def _check_shard_count_source(subject):
    count = subject.cluster['shard_count']
    if count is None:
        subject.add('shard_count_unknown', WARNING, None, 'cannot tell the message shard count: GET /v1/account/shards was not '
                    'read, the policy has no expected_shards, and no node owns a message shard')
    elif subject.cluster['shard_count_source'] == 'inferred':
        # multiconnect (2 or more): the owners of shards N..2N-1 may all be gone and nothing shows, so it is never a pass;
        # HA's shape (1) is a warning: a multiconnect cluster gives the control shard to its primary master, never infers 1
        subject.add('shard_count_inferred', CRITICAL if count > 1 else WARNING, None, 'message shard count %d is only inferred from the owned shards (GET '
                    '/v1/account/shards was not read and the policy has no expected_shards), so a missing owner of a higher '
                    'shard cannot be seen: set policy.expected_shards to the real count, or let the monitoring user read GET '
                    '/v1/account/shards' % count)


def _check_shard_count_value(subject):
    count = subject.cluster['shard_count']
    if count is None:
        return
    source = _SOURCE_TEXT.get(subject.cluster['shard_count_source'], subject.cluster['shard_count_source'])
    if count not in ALLOWED_SHARD_COUNTS:
        subject.add('shard_count_invalid', CRITICAL, None, 'shard count %d (%s) is not one of %s'
                    % (count, source, ', '.join(str(n) for n in ALLOWED_SHARD_COUNTS)))
    expected = subject.policy['expected_shards']
    if expected is not None and count != expected:
        subject.add('shard_count_invalid', CRITICAL, None, 'shard count %d (%s) differs from expected_shards %d' % (count, source, expected))


def _check_shards_beyond_count(subject):
    count = subject.cluster['shard_count']
    if count is None:
        return
    for shard, owners in subject.owned.items():
        if int(shard) >= count:
            for name in owners:
                subject.add('shard_count_invalid', CRITICAL, name, 'node owns shard %s but the cluster has %d message shards (0..%d)'
                            % (shard, count, count - 1))


# ---------------------------------------------------------------------------------------------
# connection
# ---------------------------------------------------------------------------------------------

def _check_sockets(subject):
    for node, why in _must_connect(subject):
        state = node['socket_conn']
        level = socket_state(state)
        if level == 'ok':
            continue
        shown = 'missing' if state is None else state
        if level == 'transient':
            subject.add('socket_conn_transient', WARNING, node['name'], 'node must be connected (%s) but socket_conn is %s (still '
                        'connecting; expected UP)' % (why, shown))
        else:
            subject.add('socket_conn_down', CRITICAL, node['name'], 'node must be connected (%s) but socket_conn is %s (expected UP)'
                        % (why, shown))


_ONLY_CONNECTED = {
    'ha': 'HA: only the coreapp owning shard 0 is connected, every other node, the primary master included, reports DN',
    'multiconnect': 'multiconnect: only the primary master and the coreapps owning a message shard are connected, every other '
                    'node reports DN',
}


def _check_unexpected_connections(subject):
    """HA / multiconnect: a node owning no shard (a standby coreapp, a secondary master, HA's primary master) that is
    connected to WhatsApp: a second connection of the number, or a node that believes it serves a shard the shard map gives
    to another; the documented topology is not what the cluster shows. A node owning shards it should not is the shard
    checks' finding already."""
    must = set(node['name'] for node, dummy in _must_connect(subject))
    for node in subject.nodes:
        state = node['socket_conn']
        if node['name'] in must or node['shards'] or node['errors'] or not isinstance(state, str) or not state.startswith('UP'):
            continue
        subject.add('socket_conn_unexpected', WARNING, node['name'], 'node (%s, owning no shard) is connected (socket_conn %s) '
                    'but must not be: %s' % (node['role'], state, _ONLY_CONNECTED[subject.topology]))


# ---------------------------------------------------------------------------------------------
# the table of checks, and the report
# ---------------------------------------------------------------------------------------------

_ANY = frozenset(TOPOLOGIES)
_CLUSTER = _ANY - frozenset(('single',))

# (check, the topologies it runs for), run in this order; the findings are sorted afterwards (see _sort_key).
_CHECKS = (
    (_check_node_errors, _ANY),
    (_check_unusable_fields, _ANY),
    (_check_missing_fields, _ANY),
    (_check_free_space, _ANY),
    (_check_expiry, _ANY),
    (_check_registered, _ANY),
    (_check_multi_connect, _ANY),
    (_check_version, _ANY),
    (_check_db_engine, _ANY),
    (_check_schema, _ANY),
    (_check_primary_master, _CLUSTER),
    (_check_secondary_masters, _CLUSTER),
    (_check_role_counts, _CLUSTER),
    (_check_standby_coreapps, _CLUSTER),
    (_check_unowned_shards, _CLUSTER),
    (_check_shared_shards, _CLUSTER),
    (_check_shard_owner_role, _CLUSTER),
    (_check_duplicate_keys, _CLUSTER),
    (_check_coreapp_shards, frozenset(('multiconnect',))),
    (_check_control_shard_multiconnect, frozenset(('multiconnect',))),
    (_check_control_shard_ha, frozenset(('ha',))),
    (_check_shard_count_answer, _CLUSTER),
    (_check_shard_count_source, _CLUSTER),
    (_check_shard_count_value, _CLUSTER),
    (_check_shards_beyond_count, _CLUSTER),
    (_check_sockets, _ANY),
    (_check_unexpected_connections, frozenset(('ha', 'multiconnect'))),
)


def _sort_key(finding):
    return (0 if finding['severity'] == CRITICAL else 1, _CODE_RANK[finding['code']], finding['node'] or '', finding['message'])


def _findings(normalized, policy):
    subject = _Subject(normalized, policy)
    for run, topologies in _CHECKS:
        if subject.topology in topologies:
            run(subject)
    subject.findings.sort(key=_sort_key)
    return subject.findings


def _status(findings):
    status = 'ok'
    for finding in findings:
        if finding['severity'] == CRITICAL:
            return CRITICAL
        status = WARNING
    return status


def _report(normalized, policy):
    findings = _findings(normalized, policy)
    return {
        'topology': normalized['topology'],
        'status': _status(findings),
        'nodes': normalized['nodes'],
        'cluster': normalized['cluster'],
        'findings': findings,
        'policy': policy,
    }


def check(normalized, policy=None, now=None):
    """Findings for stored normalized data (``normalize()`` output or a report) under ``policy``, at ``now``."""
    effective = merge_policy(policy)
    return _findings(refresh(normalized, now, expected_shards=effective['expected_shards']), effective)


def report_from_normalized(normalized, policy=None, now=None):
    """A full report for stored normalized data (``normalize()`` output or a report) under ``policy``, at ``now``."""
    effective = merge_policy(policy)
    return _report(refresh(normalized, now, expected_shards=effective['expected_shards']), effective)


def evaluate(body, shard_count=None, policy=None, now=None, single_name='single'):
    """Normalize a raw ``/v1/support`` body and check it: the single entry point; returns a report."""
    effective = merge_policy(policy)
    normalized = normalize(body, shard_count=shard_count, now=now, single_name=single_name, expected_shards=effective['expected_shards'])
    return _report(normalized, effective)
