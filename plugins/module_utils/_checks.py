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

``merge_policy(policy=None)`` -> effective policy
    ``DEFAULT_POLICY`` with ``policy`` merged over it, validated and normalized (sizes in bytes,
    engine upper case, codes checked). ``None`` values mean "use the default". Idempotent:
    ``merge_policy(merge_policy(p)) == merge_policy(p)``. Raises ``PolicyError`` naming the key.

``parse_size(value)`` -> int bytes; ``human_size(value)`` -> str such as ``976.6 KiB``.

``FINDING_CODES``: code -> ``{'severity': default severity, 'description': one line}``.
``free_space_low`` is a warning below the warning level and critical below the critical level;
a ``severity`` override of that code applies to both levels.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from decimal import Decimal, InvalidOperation

from ansible_collections.wabiz.onprem.plugins.module_utils._support import (  # noqa: F401 pylint: disable=unused-import
    ALLOWED_SHARD_COUNTS,
    DECISIVE_FIELDS,
    DIRECTORIES,
    ROLES,
    UNBOUNDED,
    SupportShapeError,
    normalize,
    refresh,
    short_repr,
    socket_state,
    to_bool,
    to_int,
)

CRITICAL = 'critical'
WARNING = 'warning'
SEVERITIES = (CRITICAL, WARNING)

FINDING_CODES = {
    'primary_master_count': {'severity': CRITICAL, 'description': 'HA/MC: the number of primary_master nodes is not 1'},
    'secondary_master_missing': {'severity': WARNING, 'description': 'HA/MC: fewer than min_secondary_masters secondary masters'},
    'role_count_mismatch': {'severity': CRITICAL, 'description': "a role's count differs from policy.role_counts[role]"},
    'shard_unowned': {'severity': CRITICAL, 'description': 'a shard in -1..N-1 has no owner'},
    'shard_multiple_owners': {'severity': CRITICAL, 'description': 'a shard has more than one owner'},
    'coreapp_multiple_shards': {'severity': CRITICAL, 'description': 'MC: a coreapp owns more than one message shard'},
    'control_shard_owner': {
        'severity': CRITICAL,
        'description': 'MC: shard -1 not owned by the primary master; HA: not owned by the coreapp owning shard 0',
    },
    'shard_count_invalid': {
        'severity': CRITICAL,
        'description': 'shard count not in {1,2,4,8,16,32}, differs from policy.expected_shards, an owned shard is >= N, '
                       'or GET /v1/account/shards answered something that is not a count',
    },
    'shard_count_unknown': {'severity': WARNING, 'description': 'keyed body whose message shard count cannot be told'},
    'shard_count_inferred': {
        'severity': WARNING,
        'description': 'the message shard count is only inferred from the owned shards (pin it with policy.expected_shards)',
    },
    'shard_owner_role': {'severity': CRITICAL, 'description': 'a message shard is owned by a node that is not a coreapp'},
    'node_key_duplicate': {'severity': CRITICAL, 'description': 'a node key appears more than once in the body'},
    'field_unreadable': {
        'severity': CRITICAL,
        'description': 'a field the gate decides on (role, shards, socket_conn, free_space_*, expire_timestamp, schema) cannot be read',
    },
    'standby_coreapp_missing': {'severity': WARNING, 'description': 'HA/MC: fewer than min_standby_coreapps coreapps own no shard'},
    'socket_conn_down': {'severity': CRITICAL, 'description': 'a node that must be connected is DN, UNK, missing or unknown'},
    'socket_conn_transient': {'severity': WARNING, 'description': 'a node that must be connected is SC or UP receiving offline'},
    'free_space_low': {'severity': WARNING, 'description': 'a directory is below free_space_warning (critical below free_space_critical)'},
    'build_expiring': {'severity': WARNING, 'description': 'the build expires within build_expiry_warning_days'},
    'build_expired': {'severity': CRITICAL, 'description': 'expire_timestamp is in the past'},
    'version_mismatch': {'severity': WARNING, 'description': 'nodes run more than one version, or a node differs from policy.expected_version'},
    'schema_mismatch': {'severity': CRITICAL, 'description': 'nodes report different schema objects'},
    'db_engine_mismatch': {'severity': CRITICAL, 'description': 'nodes report different engines, or differ from policy.expected_db_engine'},
    'multi_connect_mismatch': {
        'severity': CRITICAL,
        'description': 'keyed body with multi_connect false on a node, or flat body with multi_connect true',
    },
    'unregistered': {'severity': CRITICAL, 'description': 'debug_info is unregistered (when require_registered)'},
    'node_error': {'severity': CRITICAL, 'description': 'a node answered with an error envelope'},
    'field_invalid': {'severity': WARNING, 'description': 'a field is present but unusable'},
    'field_missing': {
        'severity': CRITICAL,
        'description': 'a field the gate decides on (expire_timestamp, free_space_*; schema in HA/MC; debug_info when '
                       'require_registered) is absent from a node',
    },
}

DEFAULT_POLICY = {
    'role_counts': {},
    'expected_shards': None,
    'expected_version': None,
    'expected_db_engine': None,
    'min_secondary_masters': 1,
    'min_standby_coreapps': 1,
    'free_space_warning': '5GiB',
    'free_space_critical': '1GiB',
    'free_space': {},
    'build_expiry_warning_days': 7,
    'require_registered': True,
    'severity': {},
    'ignore': [],
}

DB_ENGINES = ('MYSQL', 'PGSQL')

_SIZE_RE = re.compile(r'^(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)$')
_SIZE_UNITS = {
    '': 1, 'B': 1,
    'KB': 1000, 'MB': 1000 ** 2, 'GB': 1000 ** 3, 'TB': 1000 ** 4,
    'K': 1024, 'KIB': 1024, 'M': 1024 ** 2, 'MIB': 1024 ** 2,
    'G': 1024 ** 3, 'GIB': 1024 ** 3, 'T': 1024 ** 4, 'TIB': 1024 ** 4,
}
_SIZE_HELP = 'expected bytes as an integer, or a number with a unit B, KB, MB, GB, TB (powers of 1000), K/KiB, M/MiB, G/GiB, T/TiB (powers of 1024)'
_HUMAN_UNITS = ('KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB')
_INT_RE = re.compile(r'^[+-]?\d+$')
_NUMBER_RE = re.compile(r'^[+-]?(\d+(\.\d*)?|\.\d+)$')
_CODE_RANK = dict((code, index) for index, code in enumerate(sorted(FINDING_CODES)))
MAX_POLICY_COUNT = 10 ** 6
MAX_SIZE = 2 ** 64
_SOURCE_TEXT = {
    'api': 'from GET /v1/account/shards',
    'policy': 'from expected_shards',
    'inferred': 'inferred from the highest owned message shard',
    'unknown': 'source unknown',
}


class PolicyError(ValueError):
    """The policy does not validate (maps to error code ``invalid_policy``)."""


# ---------------------------------------------------------------------------------------------
# sizes
# ---------------------------------------------------------------------------------------------

def parse_size(value):
    """``5GiB``, ``500MB``, ``1.5G``, ``1024`` or an int -> int bytes. Raises ValueError."""
    size = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, float) and value - value == 0:  # finite
        size = int(value)
    elif isinstance(value, str) and len(value) <= 64:
        match = _SIZE_RE.match(value.strip())
        factor = _SIZE_UNITS.get(match.group(2).upper()) if match else None
        if factor is not None:
            try:
                size = int(Decimal(match.group(1)) * factor)
            except (InvalidOperation, ValueError):  # pragma: no cover - the pattern admits only plain decimals
                size = None
    if size is None:
        raise ValueError('invalid size %s: %s' % (short_repr(value), _SIZE_HELP))
    if size < 0 or size > MAX_SIZE:
        raise ValueError('invalid size %s: expected 0 up to 2^64 bytes' % short_repr(value))
    return size


def human_size(value):
    """Bytes -> ``512 B``, ``976.6 KiB``, ``1.0 GiB``."""
    if value is None:
        return 'unknown'
    if value < 1024:
        return '%d B' % value
    size = float(value)
    unit = 'B'
    for unit in _HUMAN_UNITS:
        size /= 1024.0
        if size < 1024:
            break
    return '%.1f %s' % (size, unit)


# ---------------------------------------------------------------------------------------------
# policy
# ---------------------------------------------------------------------------------------------

def _policy_int(path, value, minimum=0):
    number = to_int(value)[0]
    if number is None or number < minimum or number > MAX_POLICY_COUNT:
        raise PolicyError('policy %s: expected an integer from %d to %d, got %s' % (path, minimum, MAX_POLICY_COUNT, short_repr(value)))
    return number


def _v_role_counts(path, value):
    if not isinstance(value, dict):
        raise PolicyError('policy %s: expected a mapping of role -> count, got %s' % (path, short_repr(value)))
    result = {}
    for role, count in value.items():
        if role not in ROLES:
            raise PolicyError('policy %s: unknown role %s (known roles: %s)' % (path, short_repr(role), ', '.join(ROLES)))
        if count is not None:
            result[role] = _policy_int('%s.%s' % (path, role), count)
    return result


def _v_expected_shards(path, value):
    if value is None:
        return None
    number = None
    try:
        number = _policy_int(path, value, minimum=1)
    except PolicyError:
        pass
    if number not in ALLOWED_SHARD_COUNTS:
        raise PolicyError('policy %s: expected one of %s, got %s' % (path, ', '.join(str(n) for n in ALLOWED_SHARD_COUNTS), short_repr(value)))
    return number


def _v_expected_version(path, value):
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise PolicyError('policy %s: expected a version string such as v2.57.2, got %s' % (path, short_repr(value)))
    return value.strip()


def _v_expected_db_engine(path, value):
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().upper() not in DB_ENGINES:
        raise PolicyError('policy %s: expected MYSQL or PGSQL, got %s' % (path, short_repr(value)))
    return value.strip().upper()


def _v_count(path, value):
    return _policy_int(path, value)


def _v_size(path, value):
    try:
        return parse_size(value)
    except ValueError as exc:
        raise PolicyError('policy %s: %s' % (path, exc))


def _v_free_space(path, value):
    if not isinstance(value, dict):
        raise PolicyError('policy %s: expected a mapping of directory -> {warning, critical}, got %s' % (path, short_repr(value)))
    result = {}
    for directory, levels in value.items():
        if directory not in DIRECTORIES:
            raise PolicyError('policy %s: unknown directory %s (known directories: %s)' % (path, short_repr(directory), ', '.join(DIRECTORIES)))
        if levels is None:
            continue
        if not isinstance(levels, dict):
            raise PolicyError('policy %s.%s: expected a mapping with warning and/or critical, got %s' % (path, directory, short_repr(levels)))
        parsed = {}
        for level, size in levels.items():
            if level not in SEVERITIES:
                raise PolicyError('policy %s.%s: unknown key %s (known keys: warning, critical)' % (path, directory, short_repr(level)))
            if size is not None:
                parsed[level] = _v_size('%s.%s.%s' % (path, directory, level), size)
        if parsed:
            result[directory] = parsed
    return result


def _v_days(path, value):
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and len(value) <= 64 and _NUMBER_RE.match(value.strip()):
        text = value.strip()
        number = int(text) if _INT_RE.match(text) else float(text)
    if number is None or not 0 <= number <= MAX_POLICY_COUNT:  # NaN fails both comparisons
        raise PolicyError('policy %s: expected a number of days from 0 to %d, got %s' % (path, MAX_POLICY_COUNT, short_repr(value)))
    return number


def _v_bool(path, value):
    flag = to_bool(value)[0]
    if flag is not None:
        return flag
    raise PolicyError('policy %s: expected a boolean, got %s' % (path, short_repr(value)))


def _known_code(path, code):
    if not isinstance(code, str) or code not in FINDING_CODES:
        raise PolicyError('policy %s: unknown finding code %s (known codes: %s)' % (path, short_repr(code), ', '.join(sorted(FINDING_CODES))))
    return code


def _v_severity(path, value):
    if not isinstance(value, dict):
        raise PolicyError('policy %s: expected a mapping of finding code -> warning|critical, got %s' % (path, short_repr(value)))
    result = {}
    for code, severity in value.items():
        _known_code(path, code)
        level = severity.strip().lower() if isinstance(severity, str) else None
        if level not in SEVERITIES:
            raise PolicyError('policy %s.%s: expected warning or critical, got %s' % (path, code, short_repr(severity)))
        result[code] = level
    return result


def _v_ignore(path, value):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise PolicyError('policy %s: expected a list of finding codes, got %s' % (path, short_repr(value)))
    result = []
    for code in value:
        if _known_code(path, code) not in result:
            result.append(code)
    return result


_VALIDATORS = {
    'role_counts': _v_role_counts,
    'expected_shards': _v_expected_shards,
    'expected_version': _v_expected_version,
    'expected_db_engine': _v_expected_db_engine,
    'min_secondary_masters': _v_count,
    'min_standby_coreapps': _v_count,
    'free_space_warning': _v_size,
    'free_space_critical': _v_size,
    'free_space': _v_free_space,
    'build_expiry_warning_days': _v_days,
    'require_registered': _v_bool,
    'severity': _v_severity,
    'ignore': _v_ignore,
}


def merge_policy(policy=None):
    """Return the effective policy: ``DEFAULT_POLICY`` merged with ``policy``, validated."""
    if policy is None:
        policy = {}
    if not isinstance(policy, dict):
        raise PolicyError('policy: expected a mapping, got %s' % short_repr(policy))
    unknown = [key for key in policy if key not in DEFAULT_POLICY]
    if unknown:
        raise PolicyError('policy: unknown key(s) %s (known keys: %s)' % (
            ', '.join(short_repr(key) for key in sorted(unknown, key=str)), ', '.join(DEFAULT_POLICY)))
    effective = {}
    for key, default in DEFAULT_POLICY.items():
        value = policy.get(key)
        effective[key] = _VALIDATORS[key](key, default if value is None else value)
    return effective


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------

def _strip_v(version):
    text = version.strip()
    return text[1:] if text[:1] in ('v', 'V') else text


def _names(names):
    return ', '.join(names)


def _describe_error(error):
    parts = [str(part) for part in (error.get('code'), error.get('title')) if part is not None]
    text = ' '.join(parts) or 'unknown error'
    if error.get('details'):
        text += ': %s' % error['details']
    return text


def _must_connect(topology, nodes, owned):
    """Ordered list of (node, why) for the nodes that must be connected."""
    if topology == 'single':
        return [(node, 'single instance') for node in nodes if not node['errors']]
    by_name = dict((node['name'], node) for node in nodes)
    result = []
    if topology == 'ha':
        for name in owned.get('0', ()):
            result.append((by_name[name], 'it owns shard 0'))
    elif topology == 'multiconnect':
        for node in nodes:
            if node['role'] == 'primary_master':
                result.append((node, 'primary master'))
            else:
                message_shards = [shard for shard in node['shards'] if shard >= 0]
                if message_shards:
                    result.append((node, 'it owns shard %s' % ', '.join(str(shard) for shard in message_shards)))
    return result


def _check_nodes(add, topology, nodes, policy):
    keyed = topology != 'single'
    warn_default = policy['free_space_warning']
    crit_default = policy['free_space_critical']
    overrides = policy['free_space']
    thresholds = []
    for directory in DIRECTORIES:
        levels = overrides.get(directory, {})
        thresholds.append((directory, levels.get(WARNING, warn_default), levels.get(CRITICAL, crit_default)))
    warning_days = policy['build_expiry_warning_days']
    require_registered = policy['require_registered']

    for node in nodes:
        name = node['name']
        if node['errors']:
            add('node_error', CRITICAL, name, 'node answered with an error instead of its support data: %s'
                % '; '.join(_describe_error(error) for error in node['errors']))
        for item in node['invalid_fields']:
            if item['field'] in DECISIVE_FIELDS or (item['field'] == 'debug_info' and require_registered):
                add('field_unreadable', CRITICAL, name, 'field %s cannot be read, so the gate cannot prove what depends on it: %s'
                    % (item['field'], item['reason']))
            else:
                add('field_invalid', WARNING, name, 'field %s is present but unusable: %s' % (item['field'], item['reason']))

        if not node['errors']:
            _check_missing(add, keyed, node, require_registered)

        free_space = node['free_space']
        for directory, warn, crit in thresholds:
            value = free_space.get(directory)
            if value is None or value >= UNBOUNDED:
                continue
            if value < crit:
                add('free_space_low', CRITICAL, name, '%s free space %s is below the critical level %s'
                    % (directory, human_size(value), human_size(crit)))
            elif value < warn:
                add('free_space_low', WARNING, name, '%s free space %s is below the warning level %s'
                    % (directory, human_size(value), human_size(warn)))

        days = node['expires_in_days']
        if days is not None:
            if days < 0:
                add('build_expired', CRITICAL, name, 'build expired %s days ago (expire_timestamp %s; expected a date in the future)'
                    % (_days(-days), node['expire_timestamp']))
            elif days < warning_days:
                add('build_expiring', WARNING, name, 'build expires in %s days (expire_timestamp %s), within the warning window of %s days'
                    % (_days(days), node['expire_timestamp'], _days(warning_days)))

        if require_registered and node['registered'] is False:
            add('unregistered', CRITICAL, name, "node is not registered (debug_info is 'unregistered'; expected the business phone number)")

        if keyed and node['multi_connect'] is False:
            add('multi_connect_mismatch', CRITICAL, name, 'multi_connect is false in an HA/multiconnect (keyed) body (expected true)')
        elif not keyed and node['multi_connect'] is True:
            add('multi_connect_mismatch', CRITICAL, name, 'multi_connect is true in a single instance (flat) body (expected false)')


def _check_missing(add, keyed, node, require_registered):
    """Fail closed on absent decisive fields: what is not there cannot prove the build or the disk (or, in a cluster,
    the schema every node shares). Present but unusable fields are field_unreadable already."""
    present_but_bad = set(item['field'] for item in node['invalid_fields'])
    if 'node' in present_but_bad:  # not an object at all: field_unreadable says it once
        return
    missing = []
    if node['expire_timestamp'] is None:
        missing.append('expire_timestamp')
    missing.extend('free_space_' + directory for directory in DIRECTORIES if node['free_space'].get(directory) is None)
    if keyed and node['schema'] is None:
        missing.append('schema')
    for field in missing:
        if field not in present_but_bad:
            add('field_missing', CRITICAL, node['name'], 'field %s is missing, so the gate cannot prove what depends on it '
                '(expected it in every support answer)' % field)
    if require_registered and node['registered'] is None and 'debug_info' not in present_but_bad:
        add('field_missing', CRITICAL, node['name'], 'field debug_info is missing or empty, so the gate cannot prove the node '
            'registered (expected the business phone number; require_registered is on)')


def _days(value):
    return ('%.2f' % value).rstrip('0').rstrip('.') if isinstance(value, float) else str(value)


def _check_consistency(add, nodes, policy):
    expected = policy['expected_version']
    if expected:
        wanted = _strip_v(expected)
        for node in nodes:
            if node['version'] is not None and _strip_v(node['version']) != wanted:
                add('version_mismatch', WARNING, node['name'], 'node runs version %s (expected %s)' % (node['version'], expected))
    else:
        groups = _group(nodes, lambda node: None if node['version'] is None else _strip_v(node['version']))
        if len(groups) > 1:
            add('version_mismatch', WARNING, None, 'nodes run %d different versions (expected one): %s'
                % (len(groups), '; '.join('%s on %s' % (version, _names(names)) for version, names in groups)))

    expected = policy['expected_db_engine']
    if expected:
        for node in nodes:
            if node['db_engine'] is not None and node['db_engine'] != expected:
                add('db_engine_mismatch', CRITICAL, node['name'], 'node uses database engine %s (expected %s)' % (node['db_engine'], expected))
    else:
        groups = _group(nodes, lambda node: node['db_engine'])
        if len(groups) > 1:
            add('db_engine_mismatch', CRITICAL, None, 'nodes use %d different database engines (expected one): %s'
                % (len(groups), '; '.join('%s on %s' % (engine, _names(names)) for engine, names in groups)))

    schemas = dict((node['name'], node['schema']) for node in nodes if node['schema'] is not None)
    groups = _group(nodes, lambda node: None if node['schema'] is None else tuple(sorted(node['schema'].items())))
    if len(groups) > 1:
        keys = sorted(set(key for schema in schemas.values() for key in schema))
        differing = [key for key in keys if len(set(schema.get(key) for schema in schemas.values())) > 1]
        details = []
        for dummy, names in groups:
            schema = schemas[names[0]]
            details.append('%s on %s' % (', '.join('%s=%s' % (key, schema.get(key)) for key in differing), _names(names)))
        add('schema_mismatch', CRITICAL, None, 'nodes report %d different schema objects (expected one; differing keys: %s): %s'
            % (len(groups), ', '.join(differing), '; '.join(details)))


def _group(nodes, key):
    """[(value, [names])] in order of first appearance, skipping None values."""
    groups = {}
    for node in nodes:
        value = key(node)
        if value is not None:
            groups.setdefault(value, []).append(node['name'])
    return list(groups.items())


def _check_topology(add, topology, nodes, cluster, policy):
    role_counts = cluster['role_counts']
    owned = cluster['owned_shards']
    count = cluster['shard_count']
    by_name = dict((node['name'], node) for node in nodes)

    primaries = [node['name'] for node in nodes if node['role'] == 'primary_master']
    if len(primaries) != 1:
        listed = ' (%s)' % _names(primaries) if primaries else ''
        add('primary_master_count', CRITICAL, None, 'cluster has %d primary_master nodes%s (expected exactly 1)' % (len(primaries), listed))

    secondaries = role_counts.get('secondary_master', 0)
    if secondaries < policy['min_secondary_masters']:
        add('secondary_master_missing', WARNING, None, 'cluster has %d secondary_master nodes (expected at least %d)'
            % (secondaries, policy['min_secondary_masters']))

    for role in sorted(policy['role_counts']):
        expected = policy['role_counts'][role]
        actual = role_counts.get(role, 0)
        if actual != expected:
            add('role_count_mismatch', CRITICAL, None, 'cluster has %d %s nodes (expected %d)' % (actual, role, expected))

    standby = cluster['standby_coreapps']
    if len(standby) < policy['min_standby_coreapps']:
        add('standby_coreapp_missing', WARNING, None, 'cluster has %d standby coreapps owning no shard (expected at least %d)'
            % (len(standby), policy['min_standby_coreapps']))

    for shard in cluster['unowned_shards']:
        if shard >= 0:
            expected = 'exactly one coreapp'
        elif topology == 'multiconnect':
            expected = 'the primary master'
        elif topology == 'ha':
            expected = 'the coreapp owning shard 0'
        else:
            expected = 'exactly one node'
        add('shard_unowned', CRITICAL, None, '%sshard %d has no owner (expected %s)' % ('control ' if shard < 0 else '', shard, expected))

    for shard, owners in owned.items():
        if len(owners) > 1:
            add('shard_multiple_owners', CRITICAL, None, 'shard %s is owned by %d nodes: %s (expected exactly one)'
                % (shard, len(owners), _names(owners)))

    for shard, owners in owned.items():
        for name in owners:
            if int(shard) >= 0 and by_name[name]['role'] != 'coreapp':
                add('shard_owner_role', CRITICAL, name, 'node (%s) owns message shard %s (expected message shards on coreapps only)'
                    % (by_name[name]['role'], shard))

    for key in cluster.get('duplicate_node_keys') or []:
        add('node_key_duplicate', CRITICAL, key, 'node key appears more than once in the body: a node may hide behind its twin '
            '(expected every node once)')

    control = owned.get('-1', [])
    if topology == 'multiconnect':
        for node in nodes:
            message_shards = [shard for shard in node['shards'] if shard >= 0]
            if node['role'] == 'coreapp' and len(message_shards) > 1:
                add('coreapp_multiple_shards', CRITICAL, node['name'], 'coreapp owns %d message shards %s (expected at most one)'
                    % (len(message_shards), ', '.join(str(shard) for shard in message_shards)))
        if control and not any(by_name[name]['role'] == 'primary_master' for name in control):
            add('control_shard_owner', CRITICAL, None, 'control shard -1 is owned by %s (expected the primary master%s)'
                % (_describe_owners(control, by_name), ' %s' % primaries[0] if len(primaries) == 1 else ''))
    elif topology == 'ha' and control:
        zero = [name for name in owned.get('0', []) if by_name[name]['role'] == 'coreapp']
        if not any(name in zero for name in control):
            add('control_shard_owner', CRITICAL, None, 'control shard -1 is owned by %s (expected the coreapp owning shard 0%s)'
                % (_describe_owners(control, by_name), ', %s' % _names(zero) if zero else ''))

    if cluster.get('shard_count_rejected'):
        add('shard_count_invalid', CRITICAL, None, 'bad answer: %s (expected a whole number such as 4)' % cluster['shard_count_rejected'])
    if count is None:
        add('shard_count_unknown', WARNING, None, 'cannot tell the message shard count: GET /v1/account/shards was not read, the policy has '
            'no expected_shards, and no node owns a message shard')
    else:
        if cluster['shard_count_source'] == 'inferred':
            add('shard_count_inferred', WARNING, None, 'message shard count %d is only inferred from the owned shards (GET /v1/account/shards '
                'was not read and the policy has no expected_shards), so a missing owner of a higher shard cannot be seen: set '
                'policy.expected_shards to the real count, or let the monitoring user read GET /v1/account/shards' % count)
        source = _SOURCE_TEXT.get(cluster['shard_count_source'], cluster['shard_count_source'])
        if count not in ALLOWED_SHARD_COUNTS:
            add('shard_count_invalid', CRITICAL, None, 'shard count %d (%s) is not one of %s'
                % (count, source, ', '.join(str(n) for n in ALLOWED_SHARD_COUNTS)))
        expected = policy['expected_shards']
        if expected is not None and count != expected:
            add('shard_count_invalid', CRITICAL, None, 'shard count %d (%s) differs from expected_shards %d' % (count, source, expected))
        for shard, owners in owned.items():
            if int(shard) >= count:
                for name in owners:
                    add('shard_count_invalid', CRITICAL, name, 'node owns shard %s but the cluster has %d message shards (0..%d)'
                        % (shard, count, count - 1))


def _describe_owners(names, by_name):
    return _names('%s (%s)' % (name, by_name[name]['role']) for name in names)


def _check_sockets(add, topology, nodes, owned):
    for node, why in _must_connect(topology, nodes, owned):
        state = node['socket_conn']
        level = socket_state(state)
        if level == 'ok':
            continue
        shown = 'missing' if state is None else state
        if level == 'transient':
            add('socket_conn_transient', WARNING, node['name'], 'node must be connected (%s) but socket_conn is %s (still connecting; expected UP)'
                % (why, shown))
        else:
            add('socket_conn_down', CRITICAL, node['name'], 'node must be connected (%s) but socket_conn is %s (expected UP)' % (why, shown))


def _sort_key(finding):
    return (0 if finding['severity'] == CRITICAL else 1, _CODE_RANK[finding['code']], finding['node'] or '', finding['message'])


def _findings(normalized, policy):
    topology = normalized['topology']
    nodes = normalized['nodes']
    cluster = normalized['cluster']
    ignore = policy['ignore']
    overrides = policy['severity']
    findings = []

    def add(code, severity, node, message):
        if code not in ignore:
            findings.append({'code': code, 'severity': overrides.get(code, severity), 'node': node, 'message': message})

    _check_nodes(add, topology, nodes, policy)
    _check_consistency(add, nodes, policy)
    if topology != 'single':
        _check_topology(add, topology, nodes, cluster, policy)
    _check_sockets(add, topology, nodes, cluster['owned_shards'])
    findings.sort(key=_sort_key)
    return findings


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
