# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the wabiz.onprem collection and may change at any time.

"""Normalize and redact the body of ``GET /v1/support`` (pure, stdlib only).

Public API (see docs/data-model.md for every field):

``normalize(body, shard_count=None, now=None, single_name='single', expected_shards=None)``
    -> ``{'topology': str, 'nodes': [node, ...], 'cluster': {...}}``

    ``body`` is the whole JSON body (``{"support": {...}, "meta": {...}}``). The flat (single
    instance) shape gives one node named ``single_name``; the keyed (HA / multiconnect) shape
    gives one node per ``"hostname:container-id"`` key, sorted by name. For the keyed shape the
    message shard count comes from ``shard_count`` (``GET /v1/account/shards``, source ``api``),
    else ``expected_shards`` (the policy, source ``policy``), else the highest owned message shard
    + 1 (source ``inferred``), else it is unknown. 1 shard -> ``ha``, 2..32 -> ``multiconnect``,
    anything else -> ``unknown``. ``now`` is an aware or naive (= UTC) datetime or an ISO 8601
    string; default: the current time. Never raises on odd field values: they are recorded in
    the node's ``invalid_fields``.

``redact(body)`` -> a deep copy of ``body`` whose secret ``env`` values are ``********``.

``SupportShapeError(ValueError)``: ``body`` is not a dict holding a dict ``support``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from datetime import datetime, timedelta, timezone

REDACTED = '********'
SECRET_NAME_RE = re.compile(r'PASSWORD|SECRET|KEY|TOKEN|JWT', re.IGNORECASE)

DIRECTORIES = ('data', 'logs', 'media_incoming', 'media_outgoing')
ROLES = ('primary_master', 'secondary_master', 'coreapp', 'single', 'unknown')
KEYED_ROLES = frozenset(('primary_master', 'secondary_master', 'coreapp'))
SOCKET_CONN_VALUES = ('UP', 'DN', 'SC', 'UP receiving offline', 'UNK')
ALLOWED_SHARD_COUNTS = (1, 2, 4, 8, 16, 32)
UNBOUNDED = 2 ** 62
MIN_SHARD = -1
MAX_SHARD = 31
MAX_RANGE_SPAN = 33

# Keys that only appear in the flat (single instance) shape of ``support``.
FLAT_FIELDS = frozenset((
    'context', 'db_engine', 'db_info', 'debug_info', 'description', 'device_iso8601', 'e2e', 'env',
    'expire_timestamp', 'free_space_data', 'free_space_logs', 'free_space_media_incoming',
    'free_space_media_outgoing', 'lc', 'lg', 'multi_connect', 'os_name', 'os_version', 'schema',
    'socket_conn', 'version', 'role', 'shards', 'errors',
))

_INT_RE = re.compile(r'^[+-]?\d+$')
_TIMESTAMP_RE = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})'
    r'(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?'
    r'\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$'
)
_TRUE_STRINGS = frozenset(('true', 'yes', 'on', '1'))
_FALSE_STRINGS = frozenset(('false', 'no', 'off', '0'))
_STRING_FIELDS = ('version', 'description', 'os_name', 'os_version', 'lc', 'lg')
_UTC = timezone.utc
_EPOCH_DAY = 86400.0


class SupportShapeError(ValueError):
    """The body is not a JSON object with a ``support`` object (maps to error code ``bad_response``)."""


# ---------------------------------------------------------------------------------------------
# small coercion helpers: each returns (value, reason); reason is None when the value is usable
# ---------------------------------------------------------------------------------------------

def _type_name(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, dict):
        return 'object'
    if isinstance(value, (list, tuple)):
        return 'list'
    if isinstance(value, str):
        return 'string'
    return type(value).__name__


def to_int(value):
    """Integer or integer-looking string -> (int, None); anything else -> (None, reason)."""
    if isinstance(value, bool):
        return None, 'expected an integer, got bool'
    if isinstance(value, int):
        return value, None
    if isinstance(value, str):
        text = value.strip()
        if _INT_RE.match(text):
            return int(text), None
        return None, 'expected an integer, got %r' % (value[:40],)
    if isinstance(value, float) and value.is_integer():
        return int(value), None
    return None, 'expected an integer, got %s' % _type_name(value)


def _to_str(value):
    if isinstance(value, str):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value), None
    return None, 'expected a string, got %s' % _type_name(value)


def to_bool(value):
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int) and value in (0, 1):
        return bool(value), None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_STRINGS:
            return True, None
        if text in _FALSE_STRINGS:
            return False, None
        return None, 'expected a boolean, got %r' % (value[:40],)
    return None, 'expected a boolean, got %s' % _type_name(value)


def _free_space(value):
    """Bytes -> (int, None). Floats >= 2**62 are the documented 'unbounded' value printed as a float."""
    if isinstance(value, float):
        if value >= UNBOUNDED:  # NaN compares False and lands below
            return (int(value) if value != float('inf') else UNBOUNDED), None
        return None, 'expected an integer number of bytes, got float %r' % (value,)
    number, reason = to_int(value)
    if reason:
        return None, reason
    if number < 0:
        return None, 'negative number of bytes: %d' % number
    return number, None


def parse_timestamp(value):
    """ISO 8601 string -> aware UTC datetime. No zone means UTC. Raises ValueError."""
    if not isinstance(value, str):
        raise ValueError('expected an ISO 8601 timestamp string, got %s' % _type_name(value))
    match = _TIMESTAMP_RE.match(value.strip())
    if not match:
        raise ValueError('not an ISO 8601 timestamp: %r' % (value[:40],))
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    try:
        stamp = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=_UTC)
    except ValueError as exc:
        raise ValueError('not a valid date/time: %r (%s)' % (value[:40], exc))
    if sign and not zulu:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if offset >= timedelta(hours=24):
            raise ValueError('not a valid zone offset: %r' % (value[:40],))
        stamp = stamp - offset if sign == '+' else stamp + offset
    return stamp


def format_timestamp(stamp):
    """Aware datetime -> ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    return stamp.astimezone(_UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def _coerce_now(now):
    if now is None:
        return datetime.now(_UTC)
    if isinstance(now, str):
        return parse_timestamp(now)
    if not isinstance(now, datetime):
        raise TypeError('now must be a datetime, an ISO 8601 string or None, got %s' % _type_name(now))
    if now.tzinfo is None:
        return now.replace(tzinfo=_UTC)
    return now


def _parse_shards(value):
    """``[[start, end], ...]`` -> (sorted unique ids, list of reasons). Bare ids are accepted."""
    if not isinstance(value, (list, tuple)):
        return [], ['expected a list of [start, end] ranges, got %s' % _type_name(value)]
    owned = set()
    reasons = []
    for item in value:
        if isinstance(item, (list, tuple)):
            if len(item) != 2:
                reasons.append('range %s does not have exactly two ids' % (_short(item),))
                continue
            start, reason_a = to_int(item[0])
            end, reason_b = to_int(item[1])
            if reason_a or reason_b:
                reasons.append('range %s: %s' % (_short(item), reason_a or reason_b))
                continue
        else:
            start, reason = to_int(item)
            if reason:
                reasons.append('shard %s: %s' % (_short(item), reason))
                continue
            end = start
        if start > end:
            reasons.append('range [%d, %d] is reversed' % (start, end))
        elif start < MIN_SHARD or end > MAX_SHARD:
            reasons.append('range [%d, %d] is outside %d..%d' % (start, end, MIN_SHARD, MAX_SHARD))
        elif end - start + 1 > MAX_RANGE_SPAN:  # pragma: no cover - implied by the bounds above
            reasons.append('range [%d, %d] spans more than %d ids' % (start, end, MAX_RANGE_SPAN))
        else:
            owned.update(range(start, end + 1))
    return sorted(owned), reasons


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


def _parse_schema(value):
    if not isinstance(value, dict):
        return None, ['expected an object of name -> integer, got %s' % _type_name(value)]
    schema = {}
    reasons = []
    for name, version in value.items():
        number, reason = to_int(version)
        if reason:
            reasons.append('%s: %s' % (name, reason))
        else:
            schema[str(name)] = number
    return schema, reasons


def _parse_errors(value):
    """Return the error entries when ``value`` is a non-empty error list, else None."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        return None
    errors = []
    for entry in value:
        if isinstance(entry, dict):
            code, reason = to_int(entry.get('code'))
            if reason:
                code = entry.get('code') if isinstance(entry.get('code'), str) else None
            title, dummy = _to_str(entry.get('title'))
            details, dummy = _to_str(entry.get('details'))
            errors.append({'code': code, 'title': title, 'details': details})
        else:
            errors.append({'code': None, 'title': None, 'details': _to_str(entry)[0] or _short(entry)})
    return errors


def _empty_node(name, hostname, container_id):
    return {
        'name': name,
        'hostname': hostname,
        'container_id': container_id,
        'role': 'unknown',
        'shards': [],
        'socket_conn': None,
        'version': None,
        'build': None,
        'registered': None,
        'phone_number': None,
        'expire_timestamp': None,
        'expires_in_days': None,
        'free_space': dict.fromkeys(DIRECTORIES),
        'db_engine': None,
        'schema': None,
        'multi_connect': None,
        'os_name': None,
        'os_version': None,
        'lc': None,
        'lg': None,
        'errors': [],
        'invalid_fields': [],
    }


def _normalize_node(name, hostname, container_id, entry, keyed, now):
    """Return (node, expiry datetime or None)."""
    node = _empty_node(name, hostname, container_id)
    invalid = node['invalid_fields']
    if not isinstance(entry, dict):
        invalid.append({'field': 'node', 'reason': 'expected an object, got %s' % _type_name(entry)})
        return node, None

    errors = entry.get('errors')
    if errors is not None:
        parsed = _parse_errors(errors)
        if parsed:
            node['errors'] = parsed
            return node, None
        if not isinstance(errors, (list, tuple, dict)):
            invalid.append({'field': 'errors', 'reason': 'expected a list of error objects, got %s' % _type_name(errors)})

    def bad(field, reason):
        invalid.append({'field': field, 'reason': reason})

    if keyed:
        role = entry.get('role')
        if role is not None:
            text = role.strip().lower().replace(' ', '_').replace('-', '_') if isinstance(role, str) else None
            if text in KEYED_ROLES:
                node['role'] = text
            else:
                bad('role', 'unrecognised role %s' % _short(role))
        shards = entry.get('shards')
        if shards is not None:
            node['shards'], reasons = _parse_shards(shards)
            if reasons:
                bad('shards', '; '.join(reasons))
    else:
        node['role'] = 'single'

    socket_conn = entry.get('socket_conn')
    if socket_conn is not None:
        node['socket_conn'], reason = _to_str(socket_conn)
        if reason:
            bad('socket_conn', reason)

    for field in _STRING_FIELDS:
        value = entry.get(field)
        if value is not None:
            text, reason = _to_str(value)
            if reason:
                bad(field, reason)
            else:
                node['build' if field == 'description' else field] = text

    debug_info = entry.get('debug_info')
    if debug_info is not None:
        text, reason = _to_str(debug_info)
        if reason:
            bad('debug_info', reason)
        elif text.strip().lower() == 'unregistered':
            node['registered'] = False
        elif text.strip():
            node['registered'] = True
            node['phone_number'] = text.strip()

    expiry = None
    expire = entry.get('expire_timestamp')
    if expire is not None:
        try:
            expiry = parse_timestamp(expire)
        except ValueError as exc:
            bad('expire_timestamp', str(exc))
        else:
            node['expire_timestamp'] = format_timestamp(expiry)
            days = round((expiry - now).total_seconds() / _EPOCH_DAY, 2)
            # keep the sign of a build that expired minutes ago, which rounds to 0.0
            node['expires_in_days'] = -0.01 if expiry < now and days >= 0 else days

    free_space = node['free_space']
    for directory in DIRECTORIES:
        field = 'free_space_' + directory
        value = entry.get(field)
        if value is not None:
            free_space[directory], reason = _free_space(value)
            if reason:
                bad(field, reason)

    db_engine = entry.get('db_engine')
    if db_engine is not None:
        if isinstance(db_engine, str) and db_engine.strip():
            node['db_engine'] = db_engine.strip().upper()
        else:
            bad('db_engine', 'expected MYSQL or PGSQL, got %s' % _short(db_engine))

    schema = entry.get('schema')
    if schema is not None:
        node['schema'], reasons = _parse_schema(schema)
        if reasons:
            bad('schema', '; '.join(reasons))

    multi_connect = entry.get('multi_connect')
    if multi_connect is not None:
        node['multi_connect'], reason = to_bool(multi_connect)
        if reason:
            bad('multi_connect', reason)

    return node, expiry


def _split_key(key):
    hostname, sep, container_id = key.partition(':')
    return hostname, (container_id if sep else None)


def _shard_count_argument(value):
    """A shard count given by the caller -> int or None (unusable values are ignored)."""
    if value is None:
        return None
    number, reason = to_int(value)
    if reason:
        return None
    return number


def _topology_for(count):
    if count == 1:
        return 'ha'
    if count is not None and 2 <= count <= 32:
        return 'multiconnect'
    return 'unknown'


def is_keyed(support):
    """True for the HA / multiconnect shape (an object keyed by node), false for a single instance."""
    return not any(key in FLAT_FIELDS for key in support)


def normalize(body, shard_count=None, now=None, single_name='single', expected_shards=None):
    """Normalize a ``/v1/support`` body; see the module docstring and docs/data-model.md."""
    if not isinstance(body, dict):
        raise SupportShapeError('expected a JSON object with a "support" object, got %s' % _type_name(body))
    support = body.get('support')
    if not isinstance(support, dict):
        raise SupportShapeError('expected "support" to be an object, got %s' % _type_name(support))
    now = _coerce_now(now)

    keyed = is_keyed(support)
    expiries = []
    nodes = []
    if keyed:
        for key in support:
            name = str(key)
            hostname, container_id = _split_key(name)
            node, expiry = _normalize_node(name, hostname, container_id, support[key], True, now)
            nodes.append(node)
            expiries.append(expiry)
        if len(nodes) > 1:
            order = sorted(range(len(nodes)), key=lambda index: nodes[index]['name'])
            nodes = [nodes[index] for index in order]
            expiries = [expiries[index] for index in order]
    else:
        node, expiry = _normalize_node(str(single_name), None, None, support, False, now)
        nodes.append(node)
        expiries.append(expiry)

    cluster = _summarize(nodes, expiries, keyed, shard_count, expected_shards, now)
    return {'topology': cluster['topology'], 'nodes': nodes, 'cluster': cluster}


def _summarize(nodes, expiries, keyed, shard_count, expected_shards, now):
    owned = {}
    for node in nodes:
        for shard in node['shards']:
            owned.setdefault(shard, []).append(node['name'])

    count = None
    source = 'unknown'
    if keyed:
        count = _shard_count_argument(shard_count)
        if count is not None:
            source = 'api'
        else:
            count = _shard_count_argument(expected_shards)
            if count is not None:
                source = 'policy'
            else:
                highest = max(owned) if owned else -1
                if highest >= 0:
                    count, source = highest + 1, 'inferred'
        topology = _topology_for(count)
    else:
        topology = 'single'

    unowned = []
    if keyed:
        # shards -1 and 0 exist whatever the count; the others only when the count is known and sane
        last = count - 1 if count is not None and 1 <= count <= 32 else 0
        unowned = [shard for shard in range(-1, last + 1) if shard not in owned]

    role_counts = dict.fromkeys(ROLES, 0)
    versions = set()
    engines = set()
    standby = []
    connected = []
    min_free = dict.fromkeys(DIRECTORIES)
    for node in nodes:
        role_counts[node['role']] += 1
        if node['version'] is not None:
            versions.add(node['version'])
        if node['db_engine'] is not None:
            engines.add(node['db_engine'])
        if node['role'] == 'coreapp' and not node['shards']:
            standby.append(node['name'])
        if node['socket_conn'] == 'UP':
            connected.append(node['name'])
        for directory, value in node['free_space'].items():
            if value is not None and value < UNBOUNDED:
                current = min_free[directory]
                if current is None or value < current:
                    min_free[directory] = value

    known = [stamp for stamp in expiries if stamp is not None]
    earliest = min(known) if known else None
    return {
        'topology': topology,
        'node_count': len(nodes),
        'shard_count': count,
        'shard_count_source': source,
        'owned_shards': dict((str(shard), owned[shard]) for shard in sorted(owned)),
        'unowned_shards': unowned,
        'versions': sorted(versions),
        'db_engines': sorted(engines),
        'role_counts': role_counts,
        'standby_coreapps': standby,
        'connected_nodes': connected,
        'min_free_space': min_free,
        'earliest_expiry': format_timestamp(earliest) if earliest else None,
        'expires_in_days': round((earliest - now).total_seconds() / _EPOCH_DAY, 2) if earliest else None,
    }


# ---------------------------------------------------------------------------------------------
# redaction
# ---------------------------------------------------------------------------------------------

def _copy(value):
    """Deep copy of JSON-like data (dicts, lists); much cheaper than copy.deepcopy."""
    if isinstance(value, dict):
        return dict((key, _copy(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
    return value


def _is_secret(name):
    return isinstance(name, str) and SECRET_NAME_RE.search(name) is not None


def _redact_env_item(item):
    if isinstance(item, str):
        name, sep, dummy = item.partition('=')
        if sep and _is_secret(name):
            return name + '=' + REDACTED
        return item
    if isinstance(item, dict):
        lowered = dict((key.lower(), key) for key in item if isinstance(key, str))
        if 'name' in lowered and 'value' in lowered:
            if _is_secret(item[lowered['name']]):
                item[lowered['value']] = REDACTED
            return item
        for key in item:
            if _is_secret(key):
                item[key] = REDACTED
        return item
    return item


def _redact_env(env):
    """Redact a copied ``env`` value in place (list of strings/objects, or a mapping)."""
    if isinstance(env, list):
        for index, item in enumerate(env):
            env[index] = _redact_env_item(item)
        return env
    if isinstance(env, dict):
        return _redact_env_item(env)
    if isinstance(env, str):
        return _redact_env_item(env)
    return env


def redact(body):
    """Return a deep copy of ``body`` with secret ``env`` values replaced by ``********``.

    Handles the flat (``support.env``) and keyed (``support[node].env``) shapes; ``env`` elements
    may be ``"NAME=value"`` strings, ``{"name": ..., "value": ...}`` or ``{"NAME": "value"}``
    objects. Names match PASSWORD, SECRET, KEY, TOKEN or JWT, case-insensitively. Bodies of any
    other shape are copied unchanged; the input is never modified.
    """
    copied = _copy(body)
    if not isinstance(copied, dict):
        return copied
    support = copied.get('support')
    if not isinstance(support, dict):
        return copied
    if 'env' in support:
        support['env'] = _redact_env(support['env'])
    for entry in support.values():
        if isinstance(entry, dict) and 'env' in entry:
            entry['env'] = _redact_env(entry['env'])
    return copied
