# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the wabiz.onprem collection and may change at any time.

"""The policy of the health checks: its defaults, its schema and its validation (pure, stdlib only).

Public API (see docs/data-model.md for the contract):

``merge_policy(policy=None)`` -> effective policy
    ``DEFAULT_POLICY`` with ``policy`` merged over it, validated and normalized (sizes in bytes,
    engine upper case, codes checked). ``None`` values mean "use the default". Idempotent:
    ``merge_policy(merge_policy(p)) == merge_policy(p)``. Raises ``PolicyError`` naming the key.

``parse_size(value)`` -> int bytes; ``human_size(value)`` -> str such as ``976.6 KiB``.

``FINDING_CODES``: code -> ``{'severity': default severity, 'description': one line}``: the codes the
checks of ``_checks`` produce, which ``policy.severity`` and ``policy.ignore`` may name.
``free_space_low`` is a warning below the warning level and critical below the critical level;
a ``severity`` override of that code applies to both levels.

``PolicyError(ValueError)``: the policy does not validate (error code ``invalid_policy``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from decimal import Decimal, InvalidOperation

from ansible_collections.wabiz.onprem.plugins.module_utils._support import (
    ALLOWED_SHARD_COUNTS,
    DIRECTORIES,
    ROLES,
    short_repr,
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
        'severity': CRITICAL,
        'description': 'the message shard count is only inferred from the owned shards (pin it with policy.expected_shards); '
                       'critical when 2 or more (the owners of the higher shards may all be gone), a warning for HA (1)',
    },
    'shard_owner_role': {'severity': CRITICAL, 'description': 'a message shard is owned by a node that is not a coreapp'},
    'node_key_duplicate': {'severity': CRITICAL, 'description': 'a node key appears more than once in the body'},
    'field_unreadable': {
        'severity': CRITICAL,
        'description': 'a field the gate decides on (role, shards, socket_conn, free_space_*, expire_timestamp, schema) cannot be read',
    },
    'standby_coreapp_missing': {'severity': WARNING, 'description': 'HA/MC: fewer than min_standby_coreapps coreapps own no shard'},
    'socket_conn_down': {'severity': CRITICAL, 'description': 'a node that must be connected is DN, UNK, missing or unknown'},
    # a warning: that standbys report DN is an inference of the reference (R15 [INF]), and a gate must not stop on one
    'socket_conn_unexpected': {
        'severity': WARNING,
        'description': 'HA/MC: a node that must be disconnected (not the shard-0 coreapp in HA; not the primary master nor a '
                       'message shard owner in MC) is UP',
    },
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
MAX_POLICY_COUNT = 10 ** 6
MAX_SIZE = 2 ** 64


class PolicyError(ValueError):
    """The policy does not validate (maps to error code ``invalid_policy``)."""


# ---------------------------------------------------------------------------------------------
# sizes
# ---------------------------------------------------------------------------------------------

def _size_of_text(text):
    """``5GiB``, ``1.5 G``, ``1024`` -> int bytes, or None when it is no size."""
    match = _SIZE_RE.match(text.strip())
    factor = _SIZE_UNITS.get(match.group(2).upper()) if match else None
    if factor is None:
        return None
    try:
        return int(Decimal(match.group(1)) * factor)
    except (InvalidOperation, ValueError):  # pragma: no cover - the pattern admits only plain decimals
        return None


def parse_size(value):
    """``5GiB``, ``500MB``, ``1.5G``, ``1024`` or an int -> int bytes. Raises ValueError."""
    size = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, float) and value - value == 0:  # finite
        size = int(value)
    elif isinstance(value, str) and len(value) <= 64:
        size = _size_of_text(value)
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
