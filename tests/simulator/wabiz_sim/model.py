"""State model of a simulated fleet: clusters, nodes, topology, users, tokens, clock, faults, failover.

Nothing here knows about HTTP; :mod:`wabiz_sim.api` turns this state into replies.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import hashlib
import json
import math
import random
import time
from datetime import datetime, timezone

from .errors import ApiError, ControlError, FleetError, error_entry
from .fleet import CLUSTER_NODE_KEYS, FREE_SPACE_DIRS, SCHEMA_KEYS, TERMINAL_FAULTS, deep_merge, node_hostnames, normalize_cluster

DAY = 86400.0
MAX_HIT_KEYS = 512              # distinct 'METHOD /path' counted per cluster (a scanner must not grow memory)
UNBOUNDED = 9223372036853727000
NOW_SENTINEL = '@@WABIZ_SIM_NOW@@'
PASSWORD_SPECIALS = frozenset('!"#$%&\'()*+,-./:;<=>?@[]^_`{|}~')
TOPOLOGY_KEYS = ('mode', 'masters', 'coreapps', 'shards')
NUMBER_FIELDS = tuple('free_space_' + d for d in FREE_SPACE_DIRS)
DEFAULT_SCHEMA = {'axolotl': 4, 'callback': 3, 'cluster': 2, 'config': 6, 'contact': 11, 'jobqueue': 3, 'message': 12}


def parse_time(value):
    """ISO 8601 (``Z`` or offset, or naive = UTC) or epoch number -> epoch seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise ValueError('not a time: %r' % (value,))
    text = value.strip().replace(' ', 'T', 1)
    if text.endswith('Z') or text.endswith('z'):
        text = text[:-1] + '+00:00'
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def fmt_time(epoch, style='iso'):
    stamp = datetime.fromtimestamp(epoch, tz=timezone.utc)
    if style == 'expire':        # expire_timestamp: no zone
        return stamp.strftime('%Y-%m-%dT%H:%M:%S')
    if style == 'token':         # expires_after
        return stamp.strftime('%Y-%m-%d %H:%M:%S+00:00')
    return stamp.strftime('%Y-%m-%dT%H:%M:%SZ')


def stable_hex(*parts, length=12):
    return hashlib.sha256(':'.join(str(p) for p in parts).encode()).hexdigest()[:length]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def password_problem(password):
    """None when ``password`` satisfies the documented policy, else the reason."""
    if not isinstance(password, str) or not 8 <= len(password) <= 64:
        return 'Password must be 8-64 characters long'
    if not any(c.isdigit() for c in password):
        return 'Password must contain at least one digit'
    if not any(c.isupper() for c in password):
        return 'Password must contain at least one uppercase letter'
    if not any(c.islower() for c in password):
        return 'Password must contain at least one lowercase letter'
    if not any(c in PASSWORD_SPECIALS for c in password):
        return 'Password must contain at least one special character'
    return None


def styled(value, style):
    """An int as the installation would print it: ``float`` (INT64 marker included) or ``string``; other values as they are."""
    if style == 'int' or not isinstance(value, int) or isinstance(value, bool):
        return value
    return float(value) if style == 'float' else str(value)


def restyle(data, style):
    """Apply a number style to the byte counts, schema versions, shard ids and registration id of a node payload."""
    for field in NUMBER_FIELDS:
        if field in data:
            data[field] = styled(data[field], style)
    if isinstance(data.get('schema'), dict):
        data['schema'] = {k: styled(v, style) for k, v in data['schema'].items()}
    if isinstance(data.get('shards'), list):
        data['shards'] = [[styled(x, style) for x in r] if isinstance(r, list) else styled(r, style) for r in data['shards']]
    if isinstance(data.get('e2e'), dict) and 'registration_id' in data['e2e']:
        data['e2e'] = dict(data['e2e'], registration_id=styled(data['e2e']['registration_id'], style))


class Clock:
    """Simulated clock: real time plus an offset, or frozen at a given instant."""

    def __init__(self, start=None, frozen=False):
        self.offset = 0.0
        self.frozen_at = None
        if start is not None:
            self.set(start)
        if frozen:
            self.freeze(True)

    def now(self):
        return self.frozen_at if self.frozen_at is not None else time.time() + self.offset

    def advance(self, seconds):
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def set(self, when):
        epoch = parse_time(when)
        if self.frozen_at is not None:
            self.frozen_at = epoch
        else:
            self.offset = epoch - time.time()

    def freeze(self, flag):
        if flag and self.frozen_at is None:
            self.frozen_at = self.now()
        elif not flag and self.frozen_at is not None:
            self.offset = self.frozen_at - time.time()
            self.frozen_at = None

    def state(self):
        return {'now': fmt_time(self.now()), 'epoch': self.now(), 'frozen': self.frozen_at is not None, 'offset': self.offset}


class Node:
    """Runtime state of one master/coreapp container (before overrides are applied)."""

    __slots__ = ('hostname', 'kind', 'index', 'container_id', 'host', 'key', 'generation', 'role', 'shards', 'socket_conn', 'dead',
                 'removed')

    def __init__(self, hostname, kind, index):
        self.hostname = hostname    # the simulator's name of the node (master1, wacore2): spec `nodes:` keys
        self.kind = kind            # master | coreapp | single
        self.index = index
        self.generation = 0         # bumped by a revive: a new container
        self.container_id = None    # set with host and key by Cluster._name_node
        self.host = hostname        # left part of the key (COREAPP_HOSTNAME): compose name, pod IP, IPv6 pod IP
        self.key = hostname
        self.role = 'single' if kind == 'single' else ('primary_master' if kind == 'master' and index == 1 else
                                                       'secondary_master' if kind == 'master' else 'coreapp')
        self.shards = []
        self.socket_conn = 'UP' if kind == 'single' else 'DN'
        self.dead = False
        self.removed = False

    def owns(self, shard):
        return any(a <= shard <= b for a, b in self.shards)

    def state(self):
        return {'hostname': self.hostname, 'host': self.host, 'key': self.key, 'container_id': self.container_id, 'role': self.role,
                'shards': self.shards,
                'socket_conn': self.socket_conn, 'dead': self.dead, 'removed': self.removed}


def assign_topology(nodes, mode, shards):
    """Documented HA / multiconnect ownership (R15) over the live nodes; dead nodes own nothing."""
    if mode == 'single':
        return
    masters = [n for n in nodes if n.kind == 'master']
    coreapps = [n for n in nodes if n.kind == 'coreapp' and not n.dead]
    for node in nodes:
        node.shards = []
        node.socket_conn = 'DN'
    if mode == 'ha':
        if coreapps:
            coreapps[0].shards = [[-1, -1], [0, 0]]
            coreapps[0].socket_conn = 'UP'
        return
    primary = [m for m in masters if m.role == 'primary_master' and not m.dead]
    if primary:
        primary[0].shards = [[-1, -1]]
        primary[0].socket_conn = 'UP'
    for k, node in enumerate(coreapps[:shards]):
        node.shards = [[k, k]]
        node.socket_conn = 'UP'


class TokenBucket:
    def __init__(self, rps, burst, now):
        self.rps = float(rps)
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now):
        """None when allowed, else seconds to wait (>= 1, an integer)."""
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rps)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, int(math.ceil((1.0 - self.tokens) / self.rps)))


class Cluster:
    """One simulated WhatsApp Business API client (webapp + masters + coreapps + its users)."""

    def __init__(self, raw, seed, clock):
        self.clock = clock
        self.seed = seed
        self.raw = copy.deepcopy(raw)
        self.spec = normalize_cluster(self.raw)
        self.name = self.spec['name']
        self.rng = random.Random('%s:%s' % (seed, self.name))
        self.started = clock.now()
        self.users = copy.deepcopy(self.spec['users'])
        self.tokens = {}
        self.requests = 0
        self.hits = {}                  # 'METHOD /path' -> requests seen (faulted ones included)
        self._apply_spec(rebuild=True)

    # ------------------------------------------------------------------ spec
    def _apply_spec(self, rebuild, old_spec=None):
        spec = self.spec
        self.built_at = self.clock.now()
        if rebuild:
            self.nodes = []
            for host in self._hostnames():
                kind = 'single' if host == 'single' else ('master' if host.startswith('master') else 'coreapp')
                index = 1 if kind == 'single' else int(host[len(host.rstrip('0123456789')):])
                self.nodes.append(Node(host, kind, index))
            self.by_host = {n.hostname: n for n in self.nodes}
            assign_topology(self.nodes, spec['mode'], spec['shards'])
            self.pending = []
        for node in self.nodes:
            self._name_node(node)
        if old_spec is None or old_spec.get('transport_faults') != spec['transport_faults']:
            self.fault_counts = [len(f['steps']) if f['kind'] == 'sequence' else f.get('count') for f in spec['transport_faults']]
        if old_spec is None or old_spec.get('rate_limit') != spec.get('rate_limit'):
            rate = spec.get('rate_limit')
            self.bucket = TokenBucket(rate['rps'], rate['burst'], self.clock.now()) if rate else None
        self.invalidate()

    def _name_node(self, node):
        """Key ``host:container_id`` of a node in its cluster's ``key_style``, with the node's overrides."""
        over = self.spec['nodes'].get(node.hostname, {})
        style = self.spec['key_style']
        salt = (self.seed, self.name, node.hostname) + ((node.generation,) if node.generation else ())
        if style == 'compose':
            host, cid = node.hostname, stable_hex(*salt)
        else:
            digest = int(stable_hex(*(salt + ('ip',)), length=8), 16)
            if style == 'kubernetes':
                host = '10.%d.%d.%d' % (200 + digest % 16, (digest >> 8) % 256, 1 + (digest >> 16) % 254)
            else:
                host = 'fd00::%x:%x' % ((digest >> 16) % 0xffff + 1, digest % 0xffff + 1)
            pod = {'master': 'wa-master', 'coreapp': 'wa-core', 'single': 'wa-core'}[node.kind]
            cid = '%s-%s-%d' % (pod, self.spec['phone_number'], node.index - 1)
            if node.generation:
                cid = '%s-%s' % (cid, stable_hex(*salt, length=5))
        node.host = over.get('hostname', host)
        node.container_id = over.get('container_id', cid)
        node.key = '%s:%s' % (node.host, node.container_id)

    def _hostnames(self):
        return node_hostnames(self.spec['mode'], self.spec['masters'], self.spec['coreapps'])

    def patch(self, patch):
        """Merge a partial spec (``None`` removes a key). Keeps users, tokens and, if the topology is unchanged, failover state."""
        if not isinstance(patch, dict):
            raise ControlError('the patch must be a JSON object')
        patch = dict(patch)
        patch.pop('name', None)
        raw = deep_merge(self.raw, patch)
        raw['name'] = self.name
        try:
            spec = normalize_cluster(raw)
        except FleetError as exc:
            raise ControlError(str(exc)) from None
        old = self.spec
        self.raw, self.spec = raw, spec
        if 'users' in patch:
            named = patch['users'] if isinstance(patch['users'], dict) else spec['users']
            for name in named:
                if name in spec['users']:
                    self.users[name] = dict(spec['users'][name])
                elif name != 'admin':
                    self.users.pop(name, None)
        self._apply_spec(rebuild=any(old[k] != spec[k] for k in TOPOLOGY_KEYS), old_spec=old)

    def invalidate(self):
        self._support = None
        self._health = None
        self._earliest = None

    # --------------------------------------------------------- node payloads
    def node_options(self, host):
        """Cluster-level node fields merged with this node's overrides."""
        base = {k: v for k, v in self.spec.items() if k in CLUSTER_NODE_KEYS}
        return deep_merge(base, self.spec['nodes'].get(host, {}))

    def _render_node(self, node):
        """(key, payload) of one node; payload None when absent; ``{'errors': [...]}`` for a node error."""
        opts = self.node_options(node.hostname)
        single = node.kind == 'single'
        key = 'single' if single else node.key
        if opts.get('missing') or node.removed:
            return key, None
        if opts.get('error'):
            err = opts['error']
            return key, {'errors': [error_entry(err['code'], err.get('details'), err.get('title'))]}
        version = str(opts.get('version', self.spec['version']))
        engine = opts.get('db_engine', 'MYSQL')
        if 'expire_timestamp' in opts:
            expire = opts['expire_timestamp']
        else:
            expire = fmt_time(self.built_at + float(opts.get('expire_in_days', 180)) * DAY, 'expire')
        free = {'data': UNBOUNDED, 'logs': 14269902848, 'media_incoming': UNBOUNDED, 'media_outgoing': UNBOUNDED}
        free.update(opts.get('free_space') or {})
        env = {'WA_DB_ENGINE': engine, 'WA_DB_HOSTNAME': 'db', 'WA_DB_PORT': '5432' if engine == 'PGSQL' else '3306', 'WA_DB_USERNAME': 'root',
               'WA_DB_PASSWORD': self.spec['db_password']}   # as the official compose (db.env) and Kubernetes templates do
        if not single:
            env['WA_APP_MULTICONNECT'] = '1'
            if node.kind == 'master':
                env['WA_MASTER_NODE'] = '1'
            env['COREAPP_HOSTNAME'] = node.host
            env['COREAPP_EXTERNAL_PORTS'] = '6250,6251,6252,6253'
        env.update(opts.get('env') or {})
        for level in (self.spec, self.spec['nodes'].get(node.hostname, {})):   # `NAME: null` drops a default variable
            for name, value in (level.get('env') or {}).items():
                if value is None:
                    env.pop(name, None)
        if opts.get('env_format', 'strings') == 'objects':
            env_list = [{'name': k, 'value': '' if v is None else str(v)} for k, v in env.items()]
        else:
            env_list = ['%s=%s' % (k, '' if v is None else v) for k, v in env.items()]
        schema = dict(DEFAULT_SCHEMA)
        schema.update(opts.get('schema') or {})
        e2e = {'identity_timestamp': str(1650000000 + int(stable_hex(self.seed, self.name, 'id', length=6), 16) % 10000000),
               'registration_id': int(stable_hex(self.seed, self.name, 'reg', length=6), 16) % 16380 + 1}
        e2e.update(opts.get('e2e') or {})
        data = {
            'context': opts.get('context', 'healthcheck'),
            'db_engine': engine,
            'db_info': opts.get('db_info', ['postgres 13.8'] if engine == 'PGSQL' else ['mysql 8.0.33']),
            'debug_info': opts.get('debug_info', self.spec['phone_number']),
            'description': opts.get('description', 'WhatsApp Business API build %s' % version.lstrip('v')),
            'device_iso8601': opts.get('device_iso8601', NOW_SENTINEL),
            'e2e': e2e,
            'env': env_list,
            'expire_timestamp': expire,
        }
        for d in FREE_SPACE_DIRS:
            data['free_space_' + d] = free[d]
        data.update({
            'lc': opts.get('lc', 'en'),
            'lg': opts.get('lg', 'US'),
            'multi_connect': opts.get('multi_connect', not single),
            'os_name': opts.get('os_name', 'ubuntu-x86_64'),
            'os_version': opts.get('os_version', '20.04'),
            'schema': {k: schema[k] for k in list(SCHEMA_KEYS) + sorted(set(schema) - set(SCHEMA_KEYS))},
            'socket_conn': opts.get('socket_conn', node.socket_conn),
            'version': version,
        })
        if not single:
            data['role'] = opts.get('role', node.role)
            data['shards'] = opts.get('shards', node.shards)
        style = opts.get('number_style', 'int')
        if style != 'int':
            restyle(data, style)
        for field, value in (opts.get('fields') or {}).items():
            if value is None:
                data.pop(field, None)
            else:
                data[field] = value
        return key, data

    def meta(self):
        return {'api_status': self.spec['api_status'], 'version': self.spec['meta_version']}

    def support_template(self):
        """JSON text of the support body with the current time left as a sentinel; cached until the state changes."""
        self.tick()
        if self._support is None:
            rendered = [self._render_node(n) for n in self.nodes]
            if self.spec['mode'] == 'single':
                payload = rendered[0][1] or {}
                if 'errors' in payload:
                    body = {'errors': payload['errors'], 'meta': self.meta()}
                    self._support = (self.spec['status_codes']['node_error'], json.dumps(body, separators=(',', ':')))
                    return self._support
                support = payload
            else:
                support = {k: v for k, v in rendered if v is not None}
            self._support = (200, json.dumps({'support': support, 'meta': self.meta()}, separators=(',', ':')))
        return self._support

    def health(self):
        """``(status, body)`` of GET /v1/health, consistent with the support payload."""
        self.tick()
        if self._health is None:
            rendered = [(n, self._render_node(n)) for n in self.nodes]
            if self.spec['mode'] == 'single':
                node, (_key, data) = rendered[0]
                if data is not None and 'errors' in data:
                    self._health = (self.spec['status_codes']['node_error'], {'errors': data['errors'], 'meta': self.meta()})
                    return self._health
                health = {'gateway_status': self._gateway(node, data or {})}
            else:
                health = {}
                for node, (key, data) in rendered:
                    if data is None:
                        continue
                    if 'errors' in data:
                        health[key] = {'errors': data['errors']}
                    else:
                        health[key] = {'gateway_status': self._gateway(node, data), 'role': data.get('role', node.role)}
            self._health = (200, {'health': health, 'meta': self.meta()})
        return self._health

    def _gateway(self, node, data):
        override = self.spec['nodes'].get(node.hostname, {}).get('gateway_status')
        if override:
            return override
        if self.spec['uninitialized']:
            return 'uninitialized'
        if data.get('debug_info') == 'unregistered':
            return 'unregistered'
        sock = data.get('socket_conn')
        if sock == 'UP':
            return 'connected'
        if sock in ('SC', 'UP receiving offline'):
            return 'connecting'
        return 'disconnected'

    def earliest_expiry(self):
        if self._earliest is None:
            stamps = []
            for node in self.nodes:
                data = self._render_node(node)[1]
                try:
                    stamps.append(parse_time(data['expire_timestamp']))
                except (TypeError, KeyError, ValueError):
                    continue
            self._earliest = min(stamps) if stamps else float('inf')
        return self._earliest

    def is_expired(self):
        flag = self.spec.get('expired', False)
        if flag == 'auto':
            return self.clock.now() > self.earliest_expiry()
        return bool(flag)

    # ------------------------------------------------------------- topology
    def shard_count(self):
        return self.spec['shards']

    def tick(self):
        """Complete failovers whose ``unhealthy_interval`` has elapsed (if a standby exists)."""
        if not self.pending:
            return
        now = self.clock.now()
        changed = False
        for item in list(self.pending):
            if now - item['since'] < self.spec['unhealthy_interval']:
                continue
            if item['kind'] == 'coreapp':
                standby = [n for n in self.nodes if n.kind == 'coreapp' and not n.dead and not n.shards]
                if not standby:
                    continue
                standby[0].shards = item['shards']
                standby[0].socket_conn = 'UP'
                item['taken_by'] = standby[0].hostname
            else:
                secondaries = [n for n in self.nodes if n.kind == 'master' and not n.dead and n.role == 'secondary_master']
                if not secondaries:
                    continue
                new = secondaries[0]
                new.role = 'primary_master'
                self.by_host[item['node']].role = 'secondary_master'
                if item['shards']:
                    new.shards = item['shards']
                    new.socket_conn = 'UP'
                item['taken_by'] = new.hostname
            self.pending.remove(item)
            changed = True
        if changed:
            self.invalidate()

    def pending_kinds(self):
        self.tick()
        return {p['kind'] for p in self.pending}

    def failover(self, host=None, remove=None):
        """Kill a node. Its shards (and the master lease) move to a standby after ``unhealthy_interval``."""
        if self.spec['mode'] == 'single':
            raise ControlError('cluster %s is a single instance: nothing to fail over' % self.name)
        self.tick()
        if host is None:
            owners = [n for n in self.nodes if n.kind == 'coreapp' and not n.dead and n.shards]
            if not owners:
                raise ControlError('cluster %s has no shard-owning coreapp to kill' % self.name)
            node = owners[0]
        else:
            node = self.by_host.get(host)
            if node is None:
                raise ControlError('cluster %s has no node %r' % (self.name, host), 404)
        if node.dead:
            raise ControlError('node %s of cluster %s is already down' % (node.hostname, self.name))
        shards = node.shards
        node.dead = True
        node.shards = []
        node.socket_conn = 'DN'
        node.removed = bool(self.spec['failover_remove'] if remove is None else remove)
        now = self.clock.now()
        if node.role == 'primary_master':
            self.pending.append({'kind': 'master', 'node': node.hostname, 'shards': shards, 'since': now})
        elif shards:
            self.pending.append({'kind': 'coreapp', 'node': node.hostname, 'shards': shards, 'since': now})
        self.invalidate()
        return {'killed': node.hostname, 'pending': self.pending_state()}

    def revive(self, host):
        """Bring a dead node back as a standby, in a new container (a new container id, or a new pod IP on Kubernetes)."""
        node = self.by_host.get(host)
        if node is None:
            raise ControlError('cluster %s has no node %r' % (self.name, host), 404)
        if node.dead:
            node.generation += 1
            self._name_node(node)
        node.dead = False
        node.removed = False
        self.invalidate()
        self.tick()
        return {'revived': host, 'pending': self.pending_state()}

    def pending_state(self):
        interval = self.spec['unhealthy_interval']
        return [{'kind': p['kind'], 'node': p['node'], 'shards': p['shards'], 'since': fmt_time(p['since']),
                 'due': fmt_time(p['since'] + interval)} for p in self.pending]

    def reshard(self, shards):
        """POST /v1/account/shards: change the message shard count and reassign ownership."""
        mode = self.spec['mode']
        if mode == 'single':
            raise ApiError(400, 1009, 'Multiconnect is not enabled on this client')
        if mode == 'ha' and shards > 1:
            mode = 'multiconnect'
        alive = [n for n in self.nodes if n.kind == 'coreapp' and not n.dead]
        if shards > len(alive):
            raise ApiError(400, 1009, 'Not enough coreapps running: %d shards need at least %d coreapps' % (shards, shards))
        self.raw['mode'] = self.spec['mode'] = mode
        self.raw['shards'] = self.spec['shards'] = shards
        assign_topology(self.nodes, mode, shards)
        self.invalidate()

    # ------------------------------------------------------------ users/auth
    def login(self, username, password, new_password=None):
        """Check credentials; return ``(token, expires_after)``. Raises ApiError."""
        user = self.users.get(username)
        if user is None or user['password'] != password:
            raise self.unauthorized('Incorrect username or password')
        if new_password is not None:
            problem = password_problem(new_password)
            if problem:
                raise ApiError(400, 1009, problem)
            user['password'] = new_password
            user['must_change'] = False
        elif user.get('must_change'):
            raise ApiError(self.spec['status_codes']['password_change_required'], 1024, 'Password change required: send new_password')
        return self.issue_token(username)

    def issue_token(self, username):
        now = self.clock.now()
        header = b64url(b'{"alg":"HS256","typ":"JWT"}')
        claims = {'user': username, 'iat': int(now), 'jti': '%016x' % self.rng.getrandbits(64)}
        payload = b64url(json.dumps(claims, separators=(',', ':')).encode())
        signature = b64url(self.rng.getrandbits(256).to_bytes(32, 'big'))
        token = '%s.%s.%s' % (header, payload, signature)
        expires = now + self.spec['token_lifetime']
        self.tokens[token] = (username, expires)
        return token, fmt_time(expires, 'token')

    def unauthorized(self, details='Invalid authentication token'):
        return ApiError(401, 1005, details, empty=self.spec['status_codes']['unauthorized_body'] == 'empty')

    def user_for_token(self, token):
        """The user of a valid token, None for an unknown one; an expired token raises 401 with the ``token_expired`` wording."""
        entry = self.tokens.get(token)
        if entry is None:
            return None
        username, expires = entry
        if username not in self.users:
            self.tokens.pop(token, None)
            return None
        if self.clock.now() >= expires:
            self.tokens.pop(token, None)
            wording = self.spec['wording']['token_expired']
            raise ApiError(401, 1005, wording['details'], title=wording['title'],
                           empty=self.spec['status_codes']['unauthorized_body'] == 'empty')
        return username

    def logout(self, token):
        self.tokens.pop(token, None)

    def is_admin(self, username):
        return self.users.get(username, {}).get('role') == 'admin'

    def create_user(self, username, password):
        if not isinstance(username, str) or not 4 <= len(username) <= 32:
            raise ApiError(400, 1009, 'username must be 4-32 characters')
        if username in self.users:
            raise ApiError(self.spec['status_codes']['duplicate_user'], 1014, 'Unable to create user. Already exist?')
        problem = password_problem(password)
        if problem:
            raise ApiError(400, 1009, problem)
        self.users[username] = {'password': password, 'must_change': False, 'role': 'user'}

    def delete_user(self, username):
        if username == 'admin':
            raise ApiError(400, 1009, 'The admin user cannot be deleted')
        if username not in self.users:
            raise ApiError(404, 1006, 'User %s not found' % username)
        del self.users[username]
        for token in [t for t, (u, _e) in self.tokens.items() if u == username]:
            del self.tokens[token]

    # ------------------------------------------------------ traffic controls
    def take_rate(self):
        """None when the request may go on, else Retry-After seconds."""
        if self.bucket is None:
            return None
        return self.bucket.take(self.clock.now())

    def take_faults(self, method, path):
        """Transport faults applied to this request, in list order, up to the first terminal one (which answers it).

        Only the faults returned are consumed (their ``count``, or one step of a ``sequence``), so
        "503, then a cut body, then 200" is two faults with ``count: 1``. Also counts the request in ``hits``.
        """
        hit = '%s %s' % (method, path)
        if hit in self.hits or len(self.hits) < MAX_HIT_KEYS:
            self.hits[hit] = self.hits.get(hit, 0) + 1
        out = []
        for i, fault in enumerate(self.spec['transport_faults']):
            remaining = self.fault_counts[i]
            if remaining is not None and remaining <= 0:
                continue
            if fault.get('method') and fault['method'] != method:
                continue
            if not fnmatch.fnmatchcase(path, fault['path']):
                continue
            if remaining is not None:
                self.fault_counts[i] = remaining - 1
            if fault['kind'] == 'sequence':
                fault = fault['steps'][len(fault['steps']) - remaining]
                if fault is None:
                    continue
            out.append(fault)
            if fault['kind'] in TERMINAL_FAULTS:
                break
        return out

    def state(self):
        self.tick()
        return {
            'name': self.name, 'mode': self.spec['mode'], 'masters': self.spec['masters'], 'coreapps': self.spec['coreapps'],
            'shards': self.spec['shards'], 'version': self.spec['version'], 'expired': self.is_expired(),
            'nodes': [n.state() for n in self.nodes], 'pending_failovers': self.pending_state(),
            'users': sorted(self.users), 'tokens': len(self.tokens), 'requests': self.requests, 'hits': dict(self.hits),
            'faults': [dict(f, remaining=c) for f, c in zip(self.spec['transport_faults'], self.fault_counts)],
            'spec': self.raw,
        }


class Fleet:
    """All clusters of one simulator process, the clock, and the loaded fleet to reset to."""

    def __init__(self, loaded):
        self.loaded = loaded
        self.reset()

    def reset(self):
        loaded = self.loaded
        clock = loaded['clock']
        try:
            self.clock = Clock(clock.get('start'), bool(clock.get('frozen', False)))
        except ValueError as exc:
            raise FleetError('clock.start is not an ISO 8601 time: %s' % exc) from None
        self.seed = loaded['seed']
        self.default_cluster = loaded['default_cluster']
        self.clusters = {}
        for raw in loaded['clusters']:
            cluster = Cluster(raw, self.seed, self.clock)
            self.clusters[cluster.name] = cluster
        self.reindex()

    def reindex(self):
        """Rebuild the map of multi-segment ``path_prefix`` -> cluster (after clusters or their specs changed)."""
        self.prefixes = {c.spec['path_prefix']: c for c in self.clusters.values() if c.spec.get('path_prefix')}

    def default(self):
        if self.default_cluster and self.default_cluster in self.clusters:
            return self.clusters[self.default_cluster]
        if len(self.clusters) == 1:
            return next(iter(self.clusters.values()))
        return None

    def get(self, name):
        cluster = self.clusters.get(name)
        if cluster is None:
            raise ControlError('no cluster named %r' % name, 404)
        return cluster

    def put(self, name, raw):
        if not isinstance(raw, dict):
            raise ControlError('the cluster spec must be a JSON object')
        raw = dict(raw, name=name)
        try:
            cluster = Cluster(raw, self.seed, self.clock)
        except FleetError as exc:
            raise ControlError(str(exc)) from None
        self.clusters[name] = cluster
        self.reindex()
        return cluster

    def delete(self, name):
        self.get(name)
        del self.clusters[name]
        self.reindex()

    def clock_op(self, body):
        if not isinstance(body, dict) or not set(body) & {'advance', 'set', 'freeze'}:
            raise ControlError('clock takes {"advance": seconds} or {"set": ISO time} or {"freeze": bool}')
        try:
            if 'freeze' in body:
                self.clock.freeze(bool(body['freeze']))
            if 'set' in body:
                self.clock.set(body['set'])
            if 'advance' in body:
                seconds = body['advance']
                if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
                    raise ValueError('advance must be a number of seconds')
                if abs(seconds) > 100 * 365 * DAY:
                    raise ValueError('advance is limited to 100 years')
                self.clock.advance(float(seconds))
            if not 0 <= self.clock.now() <= parse_time('9000-01-01T00:00:00Z'):
                self.clock.set(time.time())
                raise ValueError('the clock must stay between 1970 and 9000; it was set back to real time')
        except (ValueError, TypeError, OverflowError) as exc:
            raise ControlError('bad clock request: %s' % exc) from None
        return self.clock.state()

    def state(self, names=None):
        names = names or list(self.clusters)
        return {'clock': self.clock.state(), 'seed': self.seed, 'default_cluster': getattr(self.default(), 'name', None),
                'clusters': {n: self.clusters[n].state() for n in names}}
