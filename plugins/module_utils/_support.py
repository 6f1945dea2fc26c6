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
    else ``expected_shards`` (the policy, source ``policy``), else it is inferred from the owned
    shards (source ``inferred``), else it is unknown. 1 shard -> ``ha``, 2..32 ->
    ``multiconnect``, anything else -> ``unknown``. ``now`` is an aware or naive (= UTC) datetime
    or an ISO 8601 string; default: the current time. Odd field values never raise: they are
    recorded in the node's ``invalid_fields`` (``DECISIVE_FIELDS`` are the ones the gate decides
    on). Raises ``SupportShapeError`` for a body of the wrong shape or beyond the work bounds
    (``MAX_NODES`` nodes, ``MAX_DEPTH`` levels, ``MAX_ITEMS`` entries per list or object).

``refresh(normalized, now=None, expected_shards=None)`` -> the same structure, re-derived from stored normalized data
    (a previous ``normalize()`` output or report): every node field is type-checked, the expiry
    is recomputed from ``expire_timestamp`` at ``now`` and the cluster summary is rebuilt from
    the nodes. Raises ``SupportShapeError`` when the data is not normalized support data.

``redact(body)`` -> a copy of ``body`` whose secrets are ``********`` (see its docstring); never
    raises.

``json_object_pairs(pairs)``: ``object_pairs_hook`` for ``json.loads`` that records repeated
    keys of an object under ``DUPLICATE_KEYS`` (a node hiding behind a twin is a finding).

``parse_shard_count(value)`` -> ``(int, None)`` or ``(None, reason)`` for the ``account.shards``
    of ``GET /v1/account/shards`` (``4``, ``4.0``, ``"4"``; never truncates ``1.9``).

``SupportShapeError(ValueError)``: maps to error code ``bad_response``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import reprlib
from datetime import datetime, timedelta, timezone
from functools import partial

REDACTED = '********'
SECRET_NAME_RE = re.compile(r'PASS|PWD|SECRET|TOKEN|KEY|CREDENTIAL|JWT', re.IGNORECASE)

DIRECTORIES = ('data', 'logs', 'media_incoming', 'media_outgoing')
ROLES = ('primary_master', 'secondary_master', 'coreapp', 'single', 'unknown')
KEYED_ROLES = frozenset(('primary_master', 'secondary_master', 'coreapp'))
SOCKET_CONN_VALUES = ('UP', 'DN', 'SC', 'UP receiving offline', 'UNK')
TOPOLOGIES = ('single', 'ha', 'multiconnect', 'unknown')
SHARD_COUNT_SOURCES = ('api', 'policy', 'inferred', 'unknown')
ALLOWED_SHARD_COUNTS = (1, 2, 4, 8, 16, 32)
UNBOUNDED = 2 ** 62
MIN_SHARD = -1
MAX_SHARD = 31

# Work bounds: a body beyond them is a SupportShapeError (bad_response), not minutes of work.
MAX_NODES = 1024
MAX_DEPTH = 32
MAX_ITEMS = 10000
MAX_SHARD_ENTRIES = 64
MAX_INT_DIGITS = 100

# Marker key set by json_object_pairs() in an object whose keys repeat (sorted list of the keys).
DUPLICATE_KEYS = '__wabiz_duplicate_keys__'

# Fields the gate decides on: unreadable, they make a critical finding (field_unreadable);
# any other unusable field is informational (field_invalid, a warning). 'node' is an entry
# that is not an object at all.
DECISIVE_FIELDS = frozenset((
    'node', 'errors', 'role', 'shards', 'socket_conn', 'expire_timestamp', 'schema',
    'free_space_data', 'free_space_logs', 'free_space_media_incoming', 'free_space_media_outgoing',
))

# Keys that only appear in the flat (single instance) shape of ``support``.
FLAT_FIELDS = frozenset((
    'context', 'db_engine', 'db_info', 'debug_info', 'description', 'device_iso8601', 'e2e', 'env',
    'expire_timestamp', 'free_space_data', 'free_space_logs', 'free_space_media_incoming',
    'free_space_media_outgoing', 'lc', 'lg', 'multi_connect', 'os_name', 'os_version', 'schema',
    'socket_conn', 'version', 'role', 'shards', 'errors',
))

_INT_RE = re.compile(r'^[+-]?[0-9]+$')
_TIMESTAMP_RE = re.compile(
    r'^([0-9]{4})-([0-9]{2})-([0-9]{2})'
    r'(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?)?'
    r'\s*(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?$'
)
_TRUE_STRINGS = frozenset(('true', 'yes', 'on', '1'))
_FALSE_STRINGS = frozenset(('false', 'no', 'off', '0'))
_STRING_FIELDS = ('version', 'description', 'os_name', 'os_version', 'lc', 'lg')
_SOCKET_CANONICAL = dict((' '.join(value.upper().split()), value) for value in SOCKET_CONN_VALUES)
_UTC = timezone.utc
_EPOCH_DAY = 86400.0
_URL_USERINFO_RE = re.compile(r'([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]+@')
_ENV_LINE_RE = re.compile(r'^(\s*(?:export\s+)?)([^=:\s]+)(\s*[=:]\s*)(.*)$')
_ENV_NAME_RE = re.compile(r'^[^=:\s]+$')
_TOO_DEEP = '(nested deeper than %d levels, left out)' % MAX_DEPTH
_CONTAINERS = (dict, list, tuple)
_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40
_REPR.maxlong = 40
_REPR.maxlevel = 3


class SupportShapeError(ValueError):
    """The body is not a JSON object with a ``support`` object, or exceeds the work bounds
    (maps to error code ``bad_response``)."""


# ---------------------------------------------------------------------------------------------
# small coercion helpers: each returns (value, reason); reason is None when the value is usable
# ---------------------------------------------------------------------------------------------

def type_name(value):
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


def short_repr(value):
    """A bounded repr for messages: never long, never deep, never raises."""
    try:
        text = _REPR.repr(value)
    except ValueError:  # an int beyond Python's int-string limit
        return '<%s>' % type_name(value)
    return text if len(text) <= 40 else text[:37] + '...'


def to_int(value):
    """The one number parser: an int, a whole-number float (``4.0``) or a digit string (``"4"``) ->
    (int, None); anything else (bool, ``1.9``, NaN, Infinity, text, > MAX_INT_DIGITS digits) ->
    (None, reason)."""
    if isinstance(value, bool):
        return None, 'expected an integer, got bool'
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        if value.is_integer():  # False for NaN and +-Infinity
            return int(value), None
        return None, 'expected an integer, got %s' % short_repr(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= MAX_INT_DIGITS and _INT_RE.match(text):
            return int(text), None
        return None, 'expected an integer, got %s' % short_repr(value)
    return None, 'expected an integer, got %s' % type_name(value)


def parse_shard_count(value):
    """``account.shards`` of ``GET /v1/account/shards`` -> (int >= 1, None) or (None, reason)."""
    number, reason = to_int(value)
    if reason:
        return None, 'account.shards is not a shard count: %s' % reason
    if number < 1:
        return None, 'account.shards is not a shard count: %d' % number
    return number, None


def _to_str(value):
    if isinstance(value, str):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return short_repr(value), None
    return None, 'expected a string, got %s' % type_name(value)


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
        return None, 'expected a boolean, got %s' % short_repr(value)
    return None, 'expected a boolean, got %s' % type_name(value)


def _free_space(value):
    """Bytes -> (int, None). Values >= 2**62 (the documented 'unbounded' ~2**63, also as a whole float) stay ints."""
    number, reason = to_int(value)
    if reason:
        return None, reason.replace('an integer', 'an integer number of bytes')
    if number < 0:
        return None, 'negative number of bytes: %d' % number
    return number, None


def canonical_socket_conn(text):
    """The documented spelling of a ``socket_conn`` string (case and spaces ignored); other text stripped."""
    return _SOCKET_CANONICAL.get(' '.join(text.upper().split()), text.strip())


def socket_state(value):
    """The one reading of ``socket_conn``: 'ok' (UP), 'transient' (SC, UP receiving offline) or 'down'."""
    if not isinstance(value, str):
        return 'down'
    text = canonical_socket_conn(value)
    if text == 'UP':
        return 'ok'
    if text in ('SC', 'UP receiving offline'):
        return 'transient'
    return 'down'


def parse_timestamp(value):
    """ISO 8601 string -> aware UTC datetime. No zone means UTC. Raises ValueError."""
    if not isinstance(value, str):
        raise ValueError('expected an ISO 8601 timestamp string, got %s' % type_name(value))
    match = _TIMESTAMP_RE.match(value.strip())
    if not match:
        raise ValueError('not an ISO 8601 timestamp: %s' % short_repr(value))
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    try:
        stamp = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=_UTC)
    except ValueError as exc:
        raise ValueError('not a valid date/time: %s (%s)' % (short_repr(value), exc))
    if sign and not zulu:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if offset >= timedelta(hours=24):
            raise ValueError('not a valid zone offset: %s' % short_repr(value))
        try:
            stamp = stamp - offset if sign == '+' else stamp + offset
        except OverflowError:
            raise ValueError('outside the years 1..9999 in UTC: %s' % short_repr(value))
    return stamp


def format_timestamp(stamp):
    """Aware datetime -> ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    stamp = stamp.astimezone(_UTC)
    if stamp.year < 1000:  # how strftime writes such a year depends on the platform: leave it to strftime
        return stamp.strftime('%Y-%m-%dT%H:%M:%SZ')
    # the same text as strftime, several times faster (one per node and per report)
    return '%d-%02d-%02dT%02d:%02d:%02dZ' % (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)


def days_until(stamp, now):
    """Days from ``now`` to ``stamp``, 2 decimals; a moment already past is never 0.0 (at most -0.01)."""
    days = round((stamp - now).total_seconds() / _EPOCH_DAY, 2)
    return -0.01 if stamp < now and days >= 0 else days


def coerce_now(now):
    if now is None:
        return datetime.now(_UTC)
    if isinstance(now, str):
        return parse_timestamp(now)
    if not isinstance(now, datetime):
        raise TypeError('now must be a datetime, an ISO 8601 string or None, got %s' % type_name(now))
    if now.tzinfo is None:
        return now.replace(tzinfo=_UTC)
    return now


def _shard_range(item):
    """One entry of a shard map: ``[start, end]`` or a bare id -> (start, end, None) or (None, None, reason)."""
    if not isinstance(item, (list, tuple)):
        start, reason = to_int(item)
        if reason:
            return None, None, 'shard %s: %s' % (short_repr(item), reason)
        end = start
    elif len(item) != 2:
        return None, None, 'range %s does not have exactly two ids' % short_repr(item)
    else:
        start, reason_a = to_int(item[0])
        end, reason_b = to_int(item[1])
        if reason_a or reason_b:
            return None, None, 'range %s: %s' % (short_repr(item), reason_a or reason_b)
    if start > end:
        return None, None, 'range [%d, %d] is reversed' % (start, end)
    if start < MIN_SHARD or end > MAX_SHARD:
        return None, None, 'range [%d, %d] is outside the shard ids %d..%d' % (start, end, MIN_SHARD, MAX_SHARD)
    return start, end, None


def _parse_shards(value):
    """``[[start, end], ...]`` -> (sorted unique ids, list of reasons). Bare ids are accepted.
    Any entry that cannot be a real range makes the whole map unprovable (a reason)."""
    if not isinstance(value, (list, tuple)):
        return [], ['expected a list of [start, end] ranges, got %s' % type_name(value)]
    if len(value) > MAX_SHARD_ENTRIES:
        return [], ['%d entries (a node owns at most %d shard ids)' % (len(value), MAX_SHARD - MIN_SHARD + 1)]
    owned = set()
    reasons = []
    for item in value:
        start, end, reason = _shard_range(item)
        if reason:
            reasons.append(reason)
        else:
            owned.update(range(start, end + 1))
    return sorted(owned), reasons


def _parse_schema(value):
    if not isinstance(value, dict):
        return None, ['expected an object of name -> integer, got %s' % type_name(value)]
    schema = {}
    reasons = []
    for name, version in value.items():
        if name == DUPLICATE_KEYS:
            reasons.append('repeated key(s) in the object')
            continue
        number, reason = to_int(version)
        if reason:
            reasons.append('%s: %s' % (short_repr(name), reason))
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
    for entry in value[:MAX_SHARD_ENTRIES]:
        if isinstance(entry, dict):
            code, reason = to_int(entry.get('code'))
            if reason:
                code = entry.get('code')[:40] if isinstance(entry.get('code'), str) else None
            title, dummy = _to_str(entry.get('title'))
            details, dummy = _to_str(entry.get('details'))
            errors.append({'code': code, 'title': title, 'details': details})
        else:
            errors.append({'code': None, 'title': None, 'details': _to_str(entry)[0] or short_repr(entry)})
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


def _role(value):
    """A role spelling (``Primary Master``, ``primary-master``, ``COREAPP``) -> role or None."""
    if not isinstance(value, str):
        return None
    text = re.sub(r'[\s-]+', '_', value.strip().lower())
    return text if text in KEYED_ROLES else None


def _mark_invalid(node, field, reason):
    """Record an unusable field of a node; the first reason given for a field is kept."""
    if not any(item['field'] == field for item in node['invalid_fields']):
        node['invalid_fields'].append({'field': field, 'reason': reason})


# Field parsers: value (never None) -> (parsed value, None) or (None, reason).

def _field_role(value):
    role = _role(value)
    return (role, None) if role is not None else (None, 'unrecognised role %s' % short_repr(value))


def _field_shards(value):
    owned, reasons = _parse_shards(value)
    return (None, 'shard map unprovable: %s' % '; '.join(reasons)) if reasons else (owned, None)


def _field_socket_conn(value):
    if isinstance(value, str):
        return canonical_socket_conn(value), None
    return None, 'expected a string such as UP or DN, got %s' % type_name(value)


def _field_timestamp(value):
    try:
        return parse_timestamp(value), None
    except ValueError as exc:
        return None, str(exc)


def _field_db_engine(value):
    if isinstance(value, str) and value.strip():
        return value.strip().upper(), None
    return None, 'expected MYSQL or PGSQL, got %s' % short_repr(value)


def _field_schema(value):
    schema, reasons = _parse_schema(value)
    return (None, '; '.join(reasons)) if reasons else (schema, None)


# Stores: put a parsed value into the node (module-level functions, bound to their key in the table with partial).

def _put(key, node, value, dummy_now):
    node[key] = value


def _put_free_space(directory, node, value, dummy_now):
    node['free_space'][directory] = value


def _put_registration(node, text, dummy_now):
    text = text.strip()
    if text.lower() == 'unregistered':
        node['registered'] = False
    elif text:
        node['registered'] = True
        node['phone_number'] = text


def _put_expiry(node, stamp, now):
    node['expire_timestamp'] = format_timestamp(stamp)
    node['expires_in_days'] = days_until(stamp, now)


# The fields of a node entry, parsed in this order: (field, parser, store, reason when it is absent or None).
# The order is the order of invalid_fields. A keyed (HA / multiconnect) node starts with its role and shards; a flat
# (single instance) node has the role single, whatever it says.
_KEYED_NODE_FIELDS = (
    ('role', _field_role, partial(_put, 'role'), 'missing: a node of an HA/multiconnect body must say its role'),
    ('shards', _field_shards, partial(_put, 'shards'), None),
)
_NODE_FIELDS = (
    (('socket_conn', _field_socket_conn, partial(_put, 'socket_conn'), None),)
    + tuple((field, _to_str, partial(_put, 'build' if field == 'description' else field), None) for field in _STRING_FIELDS)
    + (('debug_info', _to_str, _put_registration, None),
       ('expire_timestamp', _field_timestamp, _put_expiry, None))
    + tuple(('free_space_' + directory, _free_space, partial(_put_free_space, directory), None) for directory in DIRECTORIES)
    + (('db_engine', _field_db_engine, partial(_put, 'db_engine'), None),
       ('schema', _field_schema, partial(_put, 'schema'), None),
       ('multi_connect', to_bool, partial(_put, 'multi_connect'), None))
)
_NODE_FIELDS_BY_SHAPE = {True: _KEYED_NODE_FIELDS + _NODE_FIELDS, False: _NODE_FIELDS}


def _in_error(node, errors):
    """True when the entry's ``errors`` is a non-empty error list (the node answered with an error: nothing else is
    read); an ``errors`` that is no list of errors is an unusable field."""
    if errors is None:
        return False
    parsed = _parse_errors(errors)
    if parsed:
        node['errors'] = parsed
        return True
    if not isinstance(errors, (list, tuple, dict)):
        _mark_invalid(node, 'errors', 'expected a list of error objects, got %s' % type_name(errors))
    return False


def _normalize_node(name, hostname, container_id, entry, keyed, now):
    """Return (node, expiry datetime or None)."""
    node = _empty_node(name, hostname, container_id)
    if not isinstance(entry, dict):
        _mark_invalid(node, 'node', 'expected an object, got %s' % type_name(entry))
        return node, None
    if _in_error(node, entry.get('errors')):
        return node, None
    repeated = entry.get(DUPLICATE_KEYS)
    if repeated is not None:
        for field in (repeated if isinstance(repeated, list) else ['node']):
            _mark_invalid(node, str(field), 'the key appears more than once, so the value cannot be trusted')
    if not keyed:
        node['role'] = 'single'
    expiry = None
    for field, parse, store, absent in _NODE_FIELDS_BY_SHAPE[keyed]:
        value = entry.get(field)
        if value is None:
            if absent is not None:
                _mark_invalid(node, field, absent)
            continue
        parsed, reason = parse(value)
        if reason:
            _mark_invalid(node, field, reason)
            continue
        store(node, parsed, now)
        if store is _put_expiry:
            expiry = parsed
    return node, expiry


def split_key(key):
    """``hostname:container-id`` -> (hostname, container_id), split on the last colon (IPv6 hostnames)."""
    hostname, sep, container_id = key.rpartition(':')
    if not sep:
        return key, None
    return hostname, container_id


def _topology_for(count):
    if count == 1:
        return 'ha'
    if count is not None and 2 <= count <= 32:
        return 'multiconnect'
    return 'unknown'


def is_keyed(support):
    """True for the HA / multiconnect shape (an object keyed by node), false for a single instance."""
    return not any(key in FLAT_FIELDS for key in support)


def _check_bounds(value):
    """Raise SupportShapeError when ``value`` nests deeper than MAX_DEPTH or a list/object holds more
    than MAX_ITEMS entries. Iterative: deep nesting cannot hit the recursion limit. Only containers
    are stacked (in the order of their parent), so the first error found is the same in any run."""
    stack = [(value, 1)] if isinstance(value, _CONTAINERS) else []
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SupportShapeError('the body nests deeper than %d levels' % MAX_DEPTH)
        if len(item) > MAX_ITEMS:
            raise SupportShapeError('a list or object of the body has %d entries (at most %d accepted)' % (len(item), MAX_ITEMS))
        depth += 1
        for child in (item.values() if isinstance(item, dict) else item):
            if isinstance(child, _CONTAINERS):
                stack.append((child, depth))


def _support_of(body):
    """The ``support`` object of a body, checked against the work bounds; raises SupportShapeError."""
    if not isinstance(body, dict):
        raise SupportShapeError('expected a JSON object with a "support" object, got %s' % type_name(body))
    repeated = body.get(DUPLICATE_KEYS)
    if isinstance(repeated, list) and 'support' in repeated:
        raise SupportShapeError('the key "support" appears more than once in the body')
    support = body.get('support')
    if not isinstance(support, dict):
        raise SupportShapeError('expected "support" to be an object, got %s' % type_name(support))
    if len(support) > MAX_NODES + 1:
        raise SupportShapeError('"support" has %d entries (at most %d nodes accepted)' % (len(support), MAX_NODES))
    _check_bounds(support)
    return support


def _duplicate_node_keys(support):
    repeated = support.get(DUPLICATE_KEYS)
    if repeated is None:
        return []
    return sorted(set(short_repr(key) if not isinstance(key, str) else key
                      for key in (repeated if isinstance(repeated, list) else [repeated])))


def _keyed_nodes(support, now):
    """(nodes sorted by name, their expiries) of a keyed body."""
    nodes = []
    expiries = []
    for key in support:
        if key == DUPLICATE_KEYS:
            continue
        name = str(key)
        hostname, container_id = split_key(name)
        node, expiry = _normalize_node(name, hostname, container_id, support[key], True, now)
        nodes.append(node)
        expiries.append(expiry)
    if len(nodes) > MAX_NODES:
        raise SupportShapeError('"support" has %d nodes (at most %d accepted)' % (len(nodes), MAX_NODES))
    if len(nodes) > 1:
        order = sorted(range(len(nodes)), key=lambda index: nodes[index]['name'])
        nodes = [nodes[index] for index in order]
        expiries = [expiries[index] for index in order]
    return nodes, expiries


def normalize(body, shard_count=None, now=None, single_name='single', expected_shards=None):
    """Normalize a ``/v1/support`` body; see the module docstring and docs/data-model.md."""
    support = _support_of(body)
    now = coerce_now(now)
    count, source, rejected = None, 'unknown', None
    duplicate_keys = []
    keyed = is_keyed(support)
    if keyed:
        duplicate_keys = _duplicate_node_keys(support)
        nodes, expiries = _keyed_nodes(support, now)
        count, source, rejected = _shard_count(nodes, shard_count, expected_shards)
    else:
        node, expiry = _normalize_node(str(single_name), None, None, support, False, now)
        nodes, expiries = [node], [expiry]
    cluster = _summarize(nodes, expiries, keyed, count, source, now)
    cluster['shard_count_rejected'] = rejected
    cluster['duplicate_node_keys'] = duplicate_keys
    return {'topology': cluster['topology'], 'nodes': nodes, 'cluster': cluster}


def _shard_count(nodes, shard_count, expected_shards):
    """(count, source, rejected reason) of a keyed body: the API's answer, else the policy's, else inferred."""
    rejected = None
    if shard_count is not None:
        number, reason = to_int(shard_count)
        if reason is None:
            return number, 'api', None
        rejected = 'GET /v1/account/shards: %s' % parse_shard_count(shard_count)[1]
    if expected_shards is not None:
        number, reason = to_int(expected_shards)
        if reason is None:
            return number, 'policy', rejected
    count = _inferred_shard_count(nodes)
    return count, 'unknown' if count is None else 'inferred', rejected


def _inferred_shard_count(nodes):
    """The shard count the owned shards imply, or None when no node owns a message shard."""
    highest = max([shard for node in nodes for shard in node['shards']] or [-1])
    if highest < 0:
        return None
    # The real count is one of the allowed ones: a missing owner of the last shards then shows
    # as shard_unowned. A master owning the control shard means multiconnect (HA gives it to the
    # coreapp owning shard 0), so at least 2 shards.
    count = min(allowed for allowed in ALLOWED_SHARD_COUNTS if allowed > highest)
    if count == 1 and any(-1 in node['shards'] and node['role'] in ('primary_master', 'secondary_master') for node in nodes):
        count = 2
    return count


def _shard_summary(nodes, keyed, count, source):
    """(topology, count, source, owned shard -> [names], unowned shards) of the nodes."""
    owned = {}
    for node in nodes:
        for shard in node['shards']:
            owned.setdefault(shard, []).append(node['name'])
    if not keyed:
        return 'single', None, 'unknown', owned, []
    # shards -1 and 0 exist whatever the count; the others only when the count is known and sane
    last = count - 1 if count is not None and 1 <= count <= 32 else 0
    return _topology_for(count), count, source, owned, [shard for shard in range(-1, last + 1) if shard not in owned]


def _is_standby(node):
    """A coreapp owning no shard (and whose shard map is not merely unreadable)."""
    return node['role'] == 'coreapp' and not node['shards'] and not any(item['field'] == 'shards' for item in node['invalid_fields'])


def _min_free_space(nodes):
    """Directory -> the lowest bounded free space of the nodes (None when no node tells)."""
    min_free = dict.fromkeys(DIRECTORIES)
    for node in nodes:
        for directory, value in node['free_space'].items():
            if value is not None and value < UNBOUNDED:
                current = min_free[directory]
                if current is None or value < current:
                    min_free[directory] = value
    return min_free


def _distinct(nodes, field):
    """The sorted distinct values of a node field, None left out."""
    return sorted(set(node[field] for node in nodes if node[field] is not None))


def _summarize(nodes, expiries, keyed, count, source, now):
    topology, count, source, owned, unowned = _shard_summary(nodes, keyed, count, source)
    role_counts = dict.fromkeys(ROLES, 0)
    for node in nodes:
        role_counts[node['role']] += 1
    known = [stamp for stamp in expiries if stamp is not None]
    earliest = min(known) if known else None
    return {
        'topology': topology,
        'node_count': len(nodes),
        'shard_count': count,
        'shard_count_source': source,
        'owned_shards': dict((str(shard), owned[shard]) for shard in sorted(owned)),
        'unowned_shards': unowned,
        'versions': _distinct(nodes, 'version'),
        'db_engines': _distinct(nodes, 'db_engine'),
        'role_counts': role_counts,
        'standby_coreapps': [node['name'] for node in nodes if _is_standby(node)],
        'connected_nodes': [node['name'] for node in nodes if socket_state(node['socket_conn']) == 'ok'],
        'min_free_space': _min_free_space(nodes),
        'earliest_expiry': format_timestamp(earliest) if earliest else None,
        'expires_in_days': days_until(earliest, now) if earliest else None,
    }


# ---------------------------------------------------------------------------------------------
# stored data: re-derived, never trusted
# ---------------------------------------------------------------------------------------------

_OPTIONAL_STRINGS = ('hostname', 'container_id', 'socket_conn', 'version', 'build', 'phone_number', 'db_engine',
                     'os_name', 'os_version', 'lc', 'lg')


def _stored(condition, where, what):
    if not condition:
        raise SupportShapeError('stored support data: %s: expected %s' % (where, what))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _refresh_scalars(node, where, fresh):
    for field in _OPTIONAL_STRINGS:
        value = node.get(field)
        _stored(value is None or isinstance(value, str), '%s.%s' % (where, field), 'a string or null')
        fresh[field] = value
    _stored(node.get('role') in ROLES, where + '.role', 'one of ' + ', '.join(ROLES))
    fresh['role'] = node['role']
    shards = node.get('shards', [])
    _stored(isinstance(shards, list) and len(shards) <= MAX_SHARD - MIN_SHARD + 1
            and all(_is_int(shard) and MIN_SHARD <= shard <= MAX_SHARD for shard in shards),
            where + '.shards', 'a list of shard ids -1..31')
    fresh['shards'] = sorted(set(shards))
    for field in ('registered', 'multi_connect'):
        value = node.get(field)
        _stored(value is None or isinstance(value, bool), '%s.%s' % (where, field), 'a boolean or null')
        fresh[field] = value


def _refresh_objects(node, where, fresh):
    free_space = node.get('free_space') or {}
    _stored(isinstance(free_space, dict), where + '.free_space', 'an object')
    for directory in DIRECTORIES:
        value = free_space.get(directory)
        _stored(value is None or (_is_int(value) and value >= 0), '%s.free_space.%s' % (where, directory), 'bytes or null')
        fresh['free_space'][directory] = value
    schema = node.get('schema')
    _stored(schema is None or (isinstance(schema, dict) and all(_is_int(value) for value in schema.values())),
            where + '.schema', 'an object of name -> integer or null')
    fresh['schema'] = None if schema is None else dict((str(key), value) for key, value in schema.items())


def _refresh_entries(node, where, fresh):
    """The ``errors`` and ``invalid_fields`` lists: only their documented keys, scalars kept, anything else a short repr."""
    for field, keys in (('errors', ('code', 'title', 'details')), ('invalid_fields', ('field', 'reason'))):
        entries = node.get(field) or []
        _stored(isinstance(entries, list) and len(entries) <= MAX_ITEMS and all(isinstance(entry, dict) for entry in entries),
                '%s.%s' % (where, field), 'a list of objects')
        fresh[field] = [dict((key, entry.get(key) if entry.get(key) is None or isinstance(entry.get(key), (str, int))
                              else short_repr(entry.get(key)))
                             for key in keys) for entry in entries]


def _refresh_expiry(node, where, fresh, now):
    """The expiry datetime (None when the node does not say), and the days to it recomputed at ``now``."""
    if node.get('expire_timestamp') is None:
        return None
    try:
        expiry = parse_timestamp(node['expire_timestamp'])
    except ValueError as exc:
        raise SupportShapeError('stored support data: %s.expire_timestamp: %s' % (where, exc))
    fresh['expire_timestamp'] = format_timestamp(expiry)
    fresh['expires_in_days'] = days_until(expiry, now)
    return expiry


def _refresh_node(node, index, now):
    where = 'nodes[%d]' % index
    _stored(isinstance(node, dict), where, 'a normalized node (an object)')
    _stored(isinstance(node.get('name'), str), where + '.name', 'a string')
    where = 'node %s' % short_repr(node['name'])
    fresh = _empty_node(node['name'], None, None)
    _refresh_scalars(node, where, fresh)
    _refresh_objects(node, where, fresh)
    _refresh_entries(node, where, fresh)
    return fresh, _refresh_expiry(node, where, fresh, now)


def _stored_shard_count(topology, cluster, expected_shards):
    """(count, source) of stored data: the stored ones, re-validated, unless the policy pins a count not read from the API."""
    count, source = cluster.get('shard_count'), cluster.get('shard_count_source', 'unknown')
    _stored(count is None or (_is_int(count) and abs(count) < 10 ** 6), 'cluster.shard_count', 'an integer or null')
    _stored(source in SHARD_COUNT_SOURCES, 'cluster.shard_count_source', 'one of ' + ', '.join(SHARD_COUNT_SOURCES))
    if topology != 'single' and source != 'api' and expected_shards is not None:
        number, reason = to_int(expected_shards)
        if reason is None:
            return number, 'policy'
    return count, source


def _stored_duplicates(cluster, nodes):
    """The stored duplicate node keys, and any name the stored nodes repeat, sorted."""
    duplicates = cluster.get('duplicate_node_keys') or []
    _stored(isinstance(duplicates, list) and all(isinstance(key, str) for key in duplicates), 'cluster.duplicate_node_keys',
            'a list of strings')
    seen = set()
    repeated = set()
    for node in nodes:
        (repeated if node['name'] in seen else seen).add(node['name'])
    return sorted(set(duplicates) | repeated)


def refresh(normalized, now=None, expected_shards=None):
    """Re-derive stored normalized data (see the module docstring): nothing stored is trusted, the
    expiry is recomputed at ``now`` and the summary rebuilt; the shard count (and its source) is the
    stored one, re-validated, unless it was not read from the API and ``expected_shards`` (the policy
    of this evaluation) pins it, as normalize() does."""
    _stored(isinstance(normalized, dict) and all(key in normalized for key in ('topology', 'nodes', 'cluster')),
            'top level', 'the output of normalize() or a report (a mapping with topology, nodes and cluster)')
    now = coerce_now(now)
    topology, nodes, cluster = normalized['topology'], normalized['nodes'], normalized['cluster']
    _stored(topology in TOPOLOGIES, 'topology', 'one of ' + ', '.join(TOPOLOGIES))
    _stored(isinstance(nodes, list) and len(nodes) <= MAX_NODES, 'nodes', 'a list of at most %d nodes' % MAX_NODES)
    _stored(isinstance(cluster, dict), 'cluster', 'an object')
    _stored(topology != 'single' or len(nodes) == 1, 'nodes', 'exactly one node for a single instance, got %d' % len(nodes))
    count, source = _stored_shard_count(topology, cluster, expected_shards)
    fresh_nodes, expiries = [], []
    for index, node in enumerate(nodes):
        fresh, expiry = _refresh_node(node, index, now)
        fresh_nodes.append(fresh)
        expiries.append(expiry)
    duplicates = _stored_duplicates(cluster, fresh_nodes)
    summary = _summarize(fresh_nodes, expiries, topology != 'single', count, source, now)
    summary['shard_count_rejected'] = None
    for key in ('shard_count_rejected', 'shard_count_error'):
        if key in cluster:
            value = cluster[key]
            summary[key] = value if value is None or isinstance(value, str) else short_repr(value)
    summary['duplicate_node_keys'] = duplicates
    return {'topology': summary['topology'], 'nodes': fresh_nodes, 'cluster': summary}


# ---------------------------------------------------------------------------------------------
# duplicate keys (hook for json.loads)
# ---------------------------------------------------------------------------------------------

def json_object_pairs(pairs):
    """``object_pairs_hook`` for ``json.loads``: a dict keeping the last value of a repeated key (as
    ``json`` does) and, when keys repeat, the sorted list of them under ``DUPLICATE_KEYS``. normalize()
    turns repeated node keys into a finding and repeated fields of a node into unusable fields."""
    result = dict(pairs)  # C speed: the answer of every request goes through here
    if len(result) == len(pairs) and DUPLICATE_KEYS not in result:
        return result
    result = {}
    repeated = set()
    for key, value in pairs:
        if key == DUPLICATE_KEYS:  # the marker is ours: a server cannot send it
            continue
        if key in result:
            repeated.add(key)
        result[key] = value
    if repeated:
        result[DUPLICATE_KEYS] = sorted(repeated)
    return result


# ---------------------------------------------------------------------------------------------
# redaction
# ---------------------------------------------------------------------------------------------

def mask_url_userinfo(text):
    """``https://user:pass@host`` -> ``https://********@host`` anywhere in ``text``."""
    return _URL_USERINFO_RE.sub(lambda match: match.group(1) + REDACTED + '@', text)


def _fresh(item, depth):
    if isinstance(item, (dict, list, tuple)) and depth > MAX_DEPTH:
        return _TOO_DEEP
    if isinstance(item, dict):
        return {}
    if isinstance(item, (list, tuple)):
        return []
    if isinstance(item, str) and '@' in item:
        return mask_url_userinfo(item)
    return item


def _copy(value):
    """Copy of JSON-like data, iterative (no recursion limit): strings with URL user info masked,
    containers nested deeper than MAX_DEPTH replaced by a note."""
    top = _fresh(value, 1)
    stack = [(value, top, 1)] if isinstance(top, (dict, list)) else []
    while stack:
        source, target, depth = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            new = _fresh(item, depth + 1)
            if isinstance(target, dict):
                target[key] = new
            else:
                target.append(new)
            if isinstance(new, (dict, list)):
                stack.append((item, new, depth + 1))
    return top


def is_secret(name):
    return isinstance(name, str) and SECRET_NAME_RE.search(name) is not None


def _redact_env_text(text):
    """``NAME=value`` / ``NAME: value`` lines (one or many, newline-joined)."""
    lines = text.splitlines(True)
    for index, line in enumerate(lines):
        body = line.rstrip('\r\n')
        match = _ENV_LINE_RE.match(body)
        if match and is_secret(match.group(2)):
            lines[index] = match.group(1) + match.group(2) + match.group(3) + REDACTED + line[len(body):]
    return ''.join(lines)


def _redact_env_list(item):
    """``[name, value]`` pair, or a list of env items."""
    if len(item) == 2 and isinstance(item[0], str) and _ENV_NAME_RE.match(item[0]):
        return [item[0], REDACTED if is_secret(item[0]) else _redact_env_item(item[1])]
    return [_redact_env_item(entry) for entry in item]


def _redact_env_mapping(item):
    """``{"name": ..., "value": ...}`` (any case) or ``{"NAME": value}``; redacted in place."""
    lowered = dict((key.lower(), key) for key in item if isinstance(key, str))
    if 'name' in lowered and 'value' in lowered and is_secret(item[lowered['name']]):
        item[lowered['value']] = REDACTED
    for key in item:
        if is_secret(key):
            item[key] = REDACTED
        elif isinstance(item[key], (str, list, dict)):
            item[key] = _redact_env_item(item[key])
    return item


def _redact_env_item(item):
    if isinstance(item, str):
        return _redact_env_text(item)
    if isinstance(item, list):
        return _redact_env_list(item)
    if isinstance(item, dict):
        return _redact_env_mapping(item)
    return item


def _redact_fields(entry):
    """Redact ``env`` and secret-looking field names of one node entry (a copy)."""
    for key in list(entry):
        if key == 'env':
            entry[key] = _redact_env_item(entry[key])
        elif is_secret(key):
            entry[key] = REDACTED


def redact(body):
    """Return a copy of ``body`` with every secret replaced by ``********``; never raises.

    - ``env`` of the flat body and of every node, in any shape: a list or a newline-joined string of
      ``NAME=value`` / ``NAME: value``, ``{"name": ..., "value": ...}`` or ``{"NAME": value}`` objects,
      ``[name, value]`` pairs; names containing PASS, PWD, SECRET, TOKEN, KEY, CREDENTIAL or JWT
      (case-insensitive) get their value redacted;
    - a field of a node (or of the flat body) with such a name;
    - user info of a URL (``scheme://user:pass@host``) in any string of the body.
    Containers nested deeper than MAX_DEPTH are replaced by a note (the copy is iterative, so deep
    nesting cannot exhaust the stack); the input is never modified.
    """
    copied = _copy(body)
    if not isinstance(copied, dict):
        return copied
    support = copied.get('support')
    if not isinstance(support, dict):
        return copied
    if not is_keyed(support):  # keyed: the keys are node names, not fields
        _redact_fields(support)
    for entry in support.values():
        if isinstance(entry, dict):
            _redact_fields(entry)
    return copied
