"""Fleet YAML: loading, defaults merging, generation and validation.

Everything here works on plain dicts and raises :class:`FleetError` with one readable line.
"""

from __future__ import annotations

import copy
import os
import re

import yaml

from .errors import FleetError

VALID_SHARDS = (1, 2, 4, 8, 16, 32)
MODES = ('single', 'ha', 'multiconnect')
FREE_SPACE_DIRS = ('data', 'logs', 'media_incoming', 'media_outgoing')
SCHEMA_KEYS = ('axolotl', 'callback', 'cluster', 'config', 'contact', 'jobqueue', 'message')
RESERVED_NAMES = ('v1', 'metrics', '__sim')
NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')

# Fields of a node (reference section 1.2) plus simulator switches.
NODE_DATA_KEYS = ('context', 'db_engine', 'db_info', 'debug_info', 'description', 'device_iso8601', 'e2e', 'env', 'expire_timestamp',
                  'lc', 'lg', 'multi_connect', 'os_name', 'os_version', 'schema', 'socket_conn', 'version')
NODE_EXTRA_KEYS = ('env_format', 'expire_in_days', 'free_space', 'fields', 'gateway_status', 'number_style')
NODE_TOPOLOGY_KEYS = ('role', 'shards', 'error', 'missing', 'container_id', 'hostname')
NUMBER_STYLES = ('int', 'float', 'string')
KEY_STYLES = ('compose', 'kubernetes', 'kubernetes_ipv6')
RETRY_AFTER_STYLES = ('seconds', 'http_date', 'absent')
PROXY_SERVERS = ('nginx', 'lighttpd')
WORDING_DEFAULTS = {
    'app_expired': {'title': 'Access denied', 'details': 'App Expired: a version upgrade is required'},
    'token_expired': {'title': 'Access denied', 'details': 'Invalid authentication token'},
}
PATH_PREFIX_RE = re.compile(r'^(/[A-Za-z0-9._~-]+){1,8}$')
NODE_KEYS = frozenset(NODE_DATA_KEYS + NODE_EXTRA_KEYS + NODE_TOPOLOGY_KEYS)
# Node fields that may also be given at cluster level: they then apply to every node.
CLUSTER_NODE_KEYS = frozenset(NODE_DATA_KEYS + NODE_EXTRA_KEYS) - {'gateway_status'}

STATUS_CODE_DEFAULTS = {
    'unauthorized_body': 'json',     # json | empty: body of a 401
    'password_change_required': 400,  # status of 1024
    'expired': 403,                   # status of 1005 App Expired
    'wacore_down': 500,               # status of 1014 wacore unreachable
    'unknown_route': 404,             # status of an unknown route
    'unknown_route_code': 1006,       # 1006 Resource not found | 1014 Internal error
    'duplicate_user': 400,            # status of 1014 on a duplicate user
    'not_primary': 500,               # status of 1017 / 1018 during failover
    'node_error': 500,                # single instance whose node has `error`
    'shards_forbidden': 403,          # account_shards: forbidden
    'shards_error': 500,              # account_shards: error
    'overloaded': 503,
    'rate_limited': 429,
}

TRANSPORT_SHORTHANDS = ('delay', 'proxy_error', 'html_200', 'not_json', 'truncate', 'oversized_bytes', 'close',
                        'trickle', 'trickle_headers', 'stall', 'chunked')
# A terminal fault answers the request itself; the others modify (or slow down) whatever answer goes out.
TERMINAL_FAULTS = ('status', 'proxy_error', 'html_200', 'not_json', 'close')
FAULT_KINDS = ('delay', 'status', 'proxy_error', 'html_200', 'not_json', 'truncate', 'oversized', 'close',
               'trickle', 'trickle_headers', 'stall', 'chunked', 'clock', 'sequence')
FAULT_KEYS = frozenset(('kind', 'path', 'method', 'count', 'seconds', 'status', 'code', 'details', 'mode', 'bytes',
                        'rate', 'after', 'size', 'server', 'advance', 'steps'))

CLUSTER_KEYS = frozenset((
    'name', 'mode', 'masters', 'coreapps', 'shards', 'nodes', 'api_status', 'meta_version', 'users', 'api_key', 'account_shards',
    'expired', 'overloaded', 'rate_limit', 'wacore_down', 'uninitialized', 'unhealthy_interval', 'status_codes', 'apikey_on_support',
    'faults', 'token_lifetime', 'failover_remove', 'phone_number', 'stats',
    'key_style', 'path_prefix', 'retry_after', 'expired_login', 'wording', 'db_password',
)) | frozenset(TRANSPORT_SHORTHANDS) | CLUSTER_NODE_KEYS
FLEET_KEYS = frozenset(('seed', 'defaults', 'clusters', 'generate', 'default_cluster', 'clock'))
DEFAULT_USERS = {'admin': {'password': 'secret', 'must_change': True, 'role': 'admin'}}


def deep_merge(base, patch):
    """Return ``base`` with ``patch`` merged in; dicts merge recursively, ``None`` in the patch removes a key."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int(where, spec, key, default, minimum=None):
    value = spec.get(key, default)
    if not _is_int(value):
        raise FleetError('%s: %s must be an integer, got %r' % (where, key, value))
    if minimum is not None and value < minimum:
        raise FleetError('%s: %s must be >= %d, got %d' % (where, key, minimum, value))
    return value


def _bool(where, spec, key, default=False):
    value = spec.get(key, default)
    if not isinstance(value, bool):
        raise FleetError('%s: %s must be true or false, got %r' % (where, key, value))
    return value


def node_hostnames(mode, masters, coreapps):
    """Hostnames of a cluster, masters first."""
    if mode == 'single':
        return ['single']
    return ['master%d' % i for i in range(1, masters + 1)] + ['wacore%d' % i for i in range(1, coreapps + 1)]


def _fault(where, raw, kind=None):
    if not isinstance(raw, dict):
        raise FleetError('%s: a fault must be a mapping, got %r' % (where, raw))
    fault = dict(raw)
    if kind:
        fault.setdefault('kind', kind)
    unknown = set(fault) - FAULT_KEYS
    if unknown:
        raise FleetError('%s: unknown fault key(s) %s' % (where, ', '.join(sorted(unknown))))
    kind = fault.get('kind')
    if kind not in FAULT_KINDS:
        raise FleetError('%s: fault kind must be one of %s, got %r' % (where, ', '.join(FAULT_KINDS), kind))
    fault.setdefault('path', '*')
    if not isinstance(fault['path'], str):
        raise FleetError('%s: fault path must be a string' % where)
    if fault.get('method') is not None:
        fault['method'] = str(fault['method']).upper()
    if fault.get('count') is not None and (not _is_int(fault['count']) or fault['count'] < 1):
        raise FleetError('%s: fault count must be a positive integer' % where)
    if kind == 'delay':
        fault.setdefault('seconds', 1.0)
        if not _is_num(fault['seconds']) or fault['seconds'] < 0:
            raise FleetError('%s: delay seconds must be a non-negative number' % where)
    if kind in ('status', 'proxy_error'):
        fault.setdefault('status', 503 if kind == 'status' else 502)
        if not _is_int(fault['status']) or not 100 <= fault['status'] <= 599:
            raise FleetError('%s: fault status must be an HTTP status code' % where)
    if kind == 'truncate':
        fault.setdefault('mode', 'json')
        if fault['mode'] not in ('json', 'connection'):
            raise FleetError('%s: truncate must be json or connection, got %r' % (where, fault['mode']))
    if kind == 'oversized':
        if not _is_int(fault.get('bytes')) or fault['bytes'] < 1:
            raise FleetError('%s: oversized_bytes must be a positive integer' % where)
    if kind == 'proxy_error':
        fault.setdefault('server', 'nginx')
        if fault['server'] not in PROXY_SERVERS:
            raise FleetError('%s: proxy_error server must be one of %s' % (where, ', '.join(PROXY_SERVERS)))
    if kind in ('trickle', 'trickle_headers'):
        fault.setdefault('rate', 100)
        if not _is_num(fault['rate']) or fault['rate'] <= 0:
            raise FleetError('%s: %s rate must be a positive number of bytes per second' % (where, kind))
    if kind == 'stall':
        fault.setdefault('after', 0)
        fault.setdefault('seconds', 3600)
        if not _is_int(fault['after']) or fault['after'] < 0 or not _is_num(fault['seconds']) or fault['seconds'] < 0:
            raise FleetError('%s: stall needs after: bytes >= 0 and seconds >= 0' % where)
    if kind == 'chunked':
        fault.setdefault('size', 4096)
        if not _is_int(fault['size']) or fault['size'] < 1:
            raise FleetError('%s: chunked size must be a positive integer' % where)
    if kind == 'clock':
        if not _is_num(fault.get('advance')) or abs(fault['advance']) > 36500 * 86400:
            raise FleetError('%s: clock fault needs advance: seconds (at most 100 years)' % where)
    if kind == 'sequence':
        steps = fault.get('steps')
        if not isinstance(steps, list) or not steps:
            raise FleetError('%s: sequence needs steps: a non-empty list of faults (or ok)' % where)
        fault['steps'] = [None if step in ('ok', None) else _fault('%s: steps[%d]' % (where, i), step)
                          for i, step in enumerate(steps)]
        if any(step and step['kind'] == 'sequence' for step in fault['steps']):
            raise FleetError('%s: a sequence cannot hold a sequence' % where)
    return fault


def _faults(where, spec):
    faults = []
    raw_list = spec.get('faults') or []
    if not isinstance(raw_list, list):
        raise FleetError('%s: faults must be a list' % where)
    for i, raw in enumerate(raw_list):
        faults.append(_fault('%s: faults[%d]' % (where, i), raw))
    for key in TRANSPORT_SHORTHANDS:
        value = spec.get(key)
        if value is None or value is False:
            continue
        sub = '%s: %s' % (where, key)
        kind = {'oversized_bytes': 'oversized'}.get(key, key)
        if isinstance(value, dict):
            faults.append(_fault(sub, value, kind))
        elif key == 'delay':
            faults.append(_fault(sub, {'seconds': value}, kind))
        elif key == 'proxy_error':
            faults.append(_fault(sub, {'status': value}, kind))
        elif key == 'truncate':
            faults.append(_fault(sub, {'mode': value}, kind))
        elif key == 'oversized_bytes':
            faults.append(_fault(sub, {'bytes': value}, kind))
        elif key in ('trickle', 'trickle_headers') and value is not True:
            faults.append(_fault(sub, {'rate': value}, kind))
        elif key == 'stall' and value is not True:
            faults.append(_fault(sub, {'after': value}, kind))
        elif value is True:
            faults.append(_fault(sub, {}, kind))
        else:
            raise FleetError('%s must be true or a mapping, got %r' % (sub, value))
    return faults


def _choice(where, spec, key, allowed):
    value = spec.setdefault(key, allowed[0])
    if value not in allowed:
        raise FleetError('%s: %s must be one of %s, got %r' % (where, key, ', '.join(allowed), value))
    return value


def _wording(where, raw):
    """``wording: {app_expired: details | {title, details}, token_expired: ...}`` merged over the defaults."""
    raw = raw or {}
    if not isinstance(raw, dict) or set(raw) - set(WORDING_DEFAULTS):
        raise FleetError('%s: wording keys must be among %s' % (where, ', '.join(sorted(WORDING_DEFAULTS))))
    out = copy.deepcopy(WORDING_DEFAULTS)
    for key, value in raw.items():
        if isinstance(value, str):
            value = {'details': value}
        if not isinstance(value, dict) or set(value) - {'title', 'details'} or not all(isinstance(v, str) for v in value.values()):
            raise FleetError('%s: wording.%s must be a string or {title, details}' % (where, key))
        out[key].update(value)
    return out


def _users(where, spec):
    raw = spec.get('users')
    if raw is None:
        return copy.deepcopy(DEFAULT_USERS)
    if not isinstance(raw, dict):
        raise FleetError('%s: users must be a mapping of name -> {password, must_change, role}' % where)
    users = {}
    for name, info in raw.items():
        name = str(name)
        if not 4 <= len(name) <= 32:
            raise FleetError('%s: user name %r must be 4-32 characters' % (where, name))
        if isinstance(info, str):
            info = {'password': info}
        if not isinstance(info, dict) or not isinstance(info.get('password'), str):
            raise FleetError('%s: user %s needs a string password' % (where, name))
        unknown = set(info) - {'password', 'must_change', 'role'}
        if unknown:
            raise FleetError('%s: user %s: unknown key(s) %s' % (where, name, ', '.join(sorted(unknown))))
        role = info.get('role', 'admin' if name == 'admin' else 'user')
        if role not in ('admin', 'user'):
            raise FleetError('%s: user %s: role must be admin or user' % (where, name))
        users[name] = {'password': info['password'], 'must_change': _bool(where, info, 'must_change', False), 'role': role}
    if 'admin' not in users:
        users['admin'] = dict(DEFAULT_USERS['admin'])
    return users


def _shard_ranges(where, value):
    if not isinstance(value, list) or not all(isinstance(r, list) and len(r) == 2 and all(_is_int(x) for x in r) for r in value):
        raise FleetError('%s: shards must be a list of [start, end] integer pairs, got %r' % (where, value))
    return [list(r) for r in value]


def _node(where, raw):
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise FleetError('%s must be a mapping' % where)
    unknown = set(raw) - NODE_KEYS
    if unknown:
        raise FleetError('%s: unknown key(s) %s' % (where, ', '.join(sorted(unknown))))
    node = copy.deepcopy(raw)
    for key in ('hostname', 'container_id'):
        if key in node and (not isinstance(node[key], str) or not node[key] or any(c.isspace() for c in node[key])):
            raise FleetError('%s: %s must be a non-empty string without spaces' % (where, key))
    if 'shards' in node:
        node['shards'] = _shard_ranges(where, node['shards'])
    if 'error' in node:
        err = node['error']
        if _is_int(err):
            node['error'] = {'code': err}
        elif not isinstance(err, dict) or not _is_int(err.get('code')):
            raise FleetError('%s: error must be a code or {code, title, details}' % where)
    _node_common(where, node)
    return node


def _node_common(where, node):
    if 'env_format' in node and node['env_format'] not in ('strings', 'objects'):
        raise FleetError('%s: env_format must be strings or objects' % where)
    if 'env' in node and not isinstance(node['env'], dict):
        raise FleetError('%s: env must be a mapping NAME: value' % where)
    if 'expire_in_days' in node and (not _is_num(node['expire_in_days']) or abs(node['expire_in_days']) > 36500):
        raise FleetError('%s: expire_in_days must be a number of days (at most 36500 either way)' % where)
    if 'free_space' in node:
        fs = node['free_space']
        if not isinstance(fs, dict) or set(fs) - set(FREE_SPACE_DIRS):
            raise FleetError('%s: free_space must be a mapping with keys among %s' % (where, ', '.join(FREE_SPACE_DIRS)))
    for key in ('schema', 'fields', 'e2e'):
        if key in node and not isinstance(node[key], dict):
            raise FleetError('%s: %s must be a mapping' % (where, key))
    if 'number_style' in node and node['number_style'] not in NUMBER_STYLES:
        raise FleetError('%s: number_style must be one of %s' % (where, ', '.join(NUMBER_STYLES)))


def normalize_cluster(raw, where=None):
    """Validate one cluster spec (defaults already merged) and return a normalized copy."""
    if not isinstance(raw, dict):
        raise FleetError('%s: a cluster must be a mapping' % (where or 'cluster'))
    name = raw.get('name')
    where = where or 'cluster %s' % name
    if not isinstance(name, str) or not NAME_RE.match(name) or name in RESERVED_NAMES:
        raise FleetError('%s: name must match %s and not be one of %s, got %r' % (where, NAME_RE.pattern, ', '.join(RESERVED_NAMES), name))
    where = 'cluster %s' % name
    unknown = set(raw) - CLUSTER_KEYS
    if unknown:
        raise FleetError('%s: unknown key(s) %s' % (where, ', '.join(sorted(unknown))))
    spec = copy.deepcopy(raw)
    mode = spec.setdefault('mode', 'multiconnect')
    if mode not in MODES:
        raise FleetError('%s: mode must be one of %s, got %r' % (where, ', '.join(MODES), mode))
    default_shards = {'single': 1, 'ha': 1, 'multiconnect': 4}[mode]
    shards = spec.get('shards', default_shards)
    if shards not in VALID_SHARDS or isinstance(shards, bool):
        raise FleetError('%s: shards must be one of %s, got %r' % (where, ', '.join(map(str, VALID_SHARDS)), shards))
    if mode in ('single', 'ha') and shards != 1:
        raise FleetError('%s: mode %s has exactly 1 shard, got %r' % (where, mode, shards))
    spec['shards'] = shards
    if mode == 'single':
        spec['masters'], spec['coreapps'] = 0, 1
    else:
        spec['masters'] = _int(where, spec, 'masters', 2, 1)
        spec['coreapps'] = _int(where, spec, 'coreapps', 2 if mode == 'ha' else shards + 1, 1)
        if spec['masters'] + spec['coreapps'] > 200:
            raise FleetError('%s: at most 200 nodes per cluster' % where)
    hostnames = node_hostnames(mode, spec['masters'], spec['coreapps'])
    nodes = spec.get('nodes') or {}
    if not isinstance(nodes, dict):
        raise FleetError('%s: nodes must be a mapping hostname -> overrides' % where)
    spec['nodes'] = {}
    for host, override in nodes.items():
        host = str(host)
        if host not in hostnames:
            raise FleetError('%s: nodes: unknown node %r (nodes are %s)' % (where, host, ', '.join(hostnames[:6]) + (', ...' if len(hostnames) > 6 else '')))
        spec['nodes'][host] = _node('%s: nodes.%s' % (where, host), override)
    _node_common(where, spec)
    spec['users'] = _users(where, spec)
    api_status = spec.setdefault('api_status', 'stable')
    if api_status not in ('stable', 'deprecated', 'experimental'):
        raise FleetError('%s: api_status must be stable, deprecated or experimental' % where)
    spec.setdefault('version', 'v2.45.1')
    if not isinstance(spec['version'], str):
        raise FleetError('%s: version must be a string' % where)
    spec['meta_version'] = str(spec.get('meta_version') or spec['version'])
    key = spec.get('api_key')
    if key is not None and (not isinstance(key, str) or not 12 <= len(key) <= 128):
        raise FleetError('%s: api_key must be a string of 12-128 characters' % where)
    acc = spec.get('account_shards')
    if acc is not None and acc not in ('forbidden', 'error') and not _is_int(acc):
        raise FleetError('%s: account_shards must be an integer, forbidden or error' % where)
    expired = spec.setdefault('expired', 'auto')
    if expired not in (True, False, 'auto'):
        raise FleetError('%s: expired must be true, false or auto' % where)
    spec['expired_login'] = _bool(where, spec, 'expired_login', True)
    _choice(where, spec, 'key_style', KEY_STYLES)
    _choice(where, spec, 'retry_after', RETRY_AFTER_STYLES)
    spec.setdefault('number_style', 'int')
    prefix = spec.get('path_prefix')
    if prefix is not None and (not isinstance(prefix, str) or not PATH_PREFIX_RE.match(prefix.rstrip('/'))):
        raise FleetError('%s: path_prefix must look like /wa/eu-1 (1-8 segments), got %r' % (where, prefix))
    if prefix is not None:
        spec['path_prefix'] = prefix.rstrip('/')
    password = spec.setdefault('db_password', 'testpass')
    if not isinstance(password, str):
        raise FleetError('%s: db_password must be a string' % where)
    spec['wording'] = _wording(where, spec.get('wording'))
    for flag in ('overloaded', 'wacore_down', 'uninitialized', 'failover_remove'):
        spec[flag] = _bool(where, spec, flag, False)
    spec['apikey_on_support'] = _bool(where, spec, 'apikey_on_support', False)
    rate = spec.get('rate_limit')
    if rate is not None:
        if rate is True:
            rate = {}
        if not isinstance(rate, dict) or set(rate) - {'rps', 'burst'}:
            raise FleetError('%s: rate_limit must be {rps: N, burst: N}' % where)
        rate = {'rps': rate.get('rps', 20), 'burst': rate.get('burst', 60)}
        if not _is_num(rate['rps']) or rate['rps'] <= 0 or not _is_num(rate['burst']) or rate['burst'] < 1:
            raise FleetError('%s: rate_limit rps must be > 0 and burst >= 1' % where)
        spec['rate_limit'] = rate
    interval = spec.setdefault('unhealthy_interval', 30)
    if not _is_num(interval) or interval < 0:
        raise FleetError('%s: unhealthy_interval must be a non-negative number of seconds' % where)
    lifetime = spec.setdefault('token_lifetime', 7 * 86400)
    if not _is_num(lifetime) or lifetime <= 0:
        raise FleetError('%s: token_lifetime must be a positive number of seconds' % where)
    codes = spec.get('status_codes') or {}
    if not isinstance(codes, dict) or set(codes) - set(STATUS_CODE_DEFAULTS):
        raise FleetError('%s: status_codes keys must be among %s' % (where, ', '.join(sorted(STATUS_CODE_DEFAULTS))))
    merged = dict(STATUS_CODE_DEFAULTS)
    merged.update(codes)
    if merged['unauthorized_body'] not in ('json', 'empty'):
        raise FleetError('%s: status_codes.unauthorized_body must be json or empty' % where)
    if merged['unknown_route_code'] not in (1006, 1014):
        raise FleetError('%s: status_codes.unknown_route_code must be 1006 or 1014' % where)
    for k, v in merged.items():
        if k not in ('unauthorized_body', 'unknown_route_code') and (not _is_int(v) or not 100 <= v <= 599):
            raise FleetError('%s: status_codes.%s must be an HTTP status, got %r' % (where, k, v))
    spec['status_codes'] = merged
    stats = spec.get('stats') or {}
    if not isinstance(stats, dict) or not all(_is_num(v) for v in stats.values()):
        raise FleetError('%s: stats must be a mapping metric -> number' % where)
    spec['stats'] = stats
    spec.setdefault('phone_number', '15550001234')
    spec['transport_faults'] = _faults(where, spec)
    return spec


def _failing(gen):
    """``generate.failing``: ``{percent: P, patches: [cluster patch, ...]}``; returns (percent, patches)."""
    failing = gen.get('failing')
    if failing is None:
        return 0, []
    if not isinstance(failing, dict) or set(failing) - {'percent', 'patches'}:
        raise FleetError('generate: failing must be a mapping {percent, patches}')
    percent = failing.get('percent', 0)
    if not _is_num(percent) or not 0 <= percent <= 100:
        raise FleetError('generate: failing.percent must be a number from 0 to 100, got %r' % (percent,))
    patches = failing.get('patches')
    if not isinstance(patches, list) or not patches or not all(isinstance(patch, dict) for patch in patches):
        raise FleetError('generate: failing.patches must be a non-empty list of cluster mappings')
    return percent, patches


def _generate(gen, defaults):
    if not isinstance(gen, dict):
        raise FleetError('generate must be a mapping {count, name, cluster}')
    unknown = set(gen) - {'count', 'name', 'cluster', 'start', 'failing'}
    if unknown:
        raise FleetError('generate: unknown key(s) %s' % ', '.join(sorted(unknown)))
    count = _int('generate', gen, 'count', 1, 0)
    start = _int('generate', gen, 'start', 1, 0)
    fmt = gen.get('name', 'cluster-{index:04d}')
    template = gen.get('cluster') or {}
    if not isinstance(template, dict):
        raise FleetError('generate: cluster must be a mapping')
    percent, patches = _failing(gen)
    base = deep_merge(defaults, template)
    out = []
    failed = 0
    for position, index in enumerate(range(start, start + count)):
        try:
            name = str(fmt).format(index=index)
        except (KeyError, IndexError, ValueError) as exc:
            raise FleetError('generate: bad name format %r (%s)' % (fmt, exc)) from None
        raw = deep_merge(base, {'name': name})
        # exactly floor(count * percent / 100) failing clusters, spread evenly; their patches in turn
        if (position + 1) * percent // 100 > position * percent // 100:
            raw = deep_merge(raw, patches[failed % len(patches)])
            failed += 1
        out.append(raw)
    return out


def load_fleet_data(data, seed=None):
    """Validate a fleet mapping; return ``{'seed', 'default_cluster', 'clock', 'clusters': [raw], 'specs': [normalized]}``."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FleetError('a fleet must be a mapping with a clusters list')
    unknown = set(data) - FLEET_KEYS
    if unknown:
        raise FleetError('fleet: unknown top-level key(s) %s (allowed: %s)' % (', '.join(sorted(unknown)), ', '.join(sorted(FLEET_KEYS))))
    defaults = data.get('defaults') or {}
    if not isinstance(defaults, dict):
        raise FleetError('defaults must be a mapping')
    clusters = data.get('clusters') or []
    if not isinstance(clusters, list):
        raise FleetError('clusters must be a list')
    raws = []
    for i, raw in enumerate(clusters):
        if not isinstance(raw, dict):
            raise FleetError('clusters[%d] must be a mapping' % i)
        raws.append(deep_merge(defaults, raw))
    if data.get('generate') is not None:
        raws.extend(_generate(data['generate'], defaults))
    if not raws:
        raise FleetError('fleet has no clusters (give clusters: or generate:)')
    specs, seen = [], set()
    for i, raw in enumerate(raws):
        spec = normalize_cluster(raw, 'clusters[%d]' % i)
        if spec['name'] in seen:
            raise FleetError('duplicate cluster name %r' % spec['name'])
        seen.add(spec['name'])
        specs.append(spec)
    default_cluster = data.get('default_cluster')
    if default_cluster is not None and default_cluster not in seen:
        raise FleetError('default_cluster %r is not a cluster of this fleet' % default_cluster)
    clock = data.get('clock') or {}
    if not isinstance(clock, dict) or set(clock) - {'start', 'frozen'}:
        raise FleetError('clock must be {start: ISO-8601 time, frozen: bool}')
    seed = data.get('seed', 0) if seed is None else seed
    if not _is_int(seed):
        raise FleetError('seed must be an integer, got %r' % (seed,))
    return {'seed': seed, 'default_cluster': default_cluster, 'clock': clock, 'clusters': raws, 'specs': specs}


def load_fleet(source, seed=None):
    """Load a fleet from a dict, a path, or YAML text (a string containing a newline)."""
    if isinstance(source, dict):
        return load_fleet_data(copy.deepcopy(source), seed)
    text = None
    if isinstance(source, str) and '\n' in source:
        text = source
    else:
        path = os.fspath(source)
        try:
            with open(path, encoding='utf-8') as handle:
                text = handle.read()
        except OSError as exc:
            raise FleetError('cannot read fleet file %s: %s' % (path, exc.strerror or exc)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = ' at line %d' % (mark.line + 1) if mark is not None else ''
        raise FleetError('fleet is not valid YAML%s: %s' % (where, getattr(exc, 'problem', None) or exc)) from None
    return load_fleet_data(data, seed)
