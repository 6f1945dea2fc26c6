"""Endpoint logic of the simulated webapp: routing, auth, error envelopes, payloads.

Transport-neutral: takes (cluster, method, path, headers, query, body) and returns a :class:`Reply`.
Transport faults (delays, HTML pages, truncation) are applied by :mod:`wabiz_sim.app`.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import json
import time

from .errors import ApiError, error_entry
from .fleet import VALID_SHARDS
from .model import NOW_SENTINEL, fmt_time, styled

DEFAULT_META = {'api_status': 'stable', 'version': 'v2.45.1'}
PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
HTML_TYPE = 'text/html; charset=utf-8'
PROXY_PAGES = {
    502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out', 500: 'Internal Server Error',
}


class Reply:
    """A transport-neutral HTTP answer."""

    __slots__ = ('status', 'body', 'content_type', 'headers')

    def __init__(self, status, body=b'', content_type='application/json', headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})

    def json(self):
        return json.loads(self.body.decode('utf-8'))


def dumps(payload):
    return json.dumps(payload, separators=(',', ':')).encode('utf-8')


def json_reply(status, payload, headers=None):
    return Reply(status, dumps(payload), 'application/json', headers)


def error_reply(cluster, exc):
    if exc.empty:
        return Reply(exc.status, b'', None, exc.headers)
    meta = cluster.meta() if cluster is not None else DEFAULT_META
    return json_reply(exc.status, {'errors': [exc.entry()], 'meta': meta}, exc.headers)


def html_page(status, title, text='', server='nginx'):
    """The error page of the reverse proxy in front of the webapp: nginx's HTML, or lighttpd's XHTML (starts with ``<?xml``)."""
    if server == 'lighttpd':
        body = ('<?xml version="1.0" encoding="iso-8859-1"?>\n'
                '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
                '         "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
                '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
                ' <head>\n  <title>%d %s</title>\n </head>\n <body>\n  <h1>%d %s</h1>\n%s </body>\n</html>\n'
                % (status, title, status, title, text))
        return Reply(status, body.encode(), HTML_TYPE)
    body = ('<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n%s'
            '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n' % (status, title, status, title, text))
    return Reply(status, body.encode(), HTML_TYPE)


def retry_after(cluster, seconds):
    """``Retry-After`` headers in the cluster's style: seconds, an HTTP date (wall clock, as the client compares it), or none."""
    style = cluster.spec['retry_after']
    if style == 'absent':
        return {}
    if style == 'http_date':
        return {'Retry-After': email.utils.formatdate(time.time() + seconds, usegmt=True)}
    return {'Retry-After': str(seconds)}


class Route:
    __slots__ = ('handler', 'auth', 'admin', 'apikey', 'v1')

    def __init__(self, handler, auth=True, admin=False, apikey=False):
        self.handler = handler
        self.auth = auth
        self.admin = admin
        self.apikey = apikey
        self.v1 = False


def metric(kind, help_text, data):
    return {'type': kind, 'help': help_text, 'data': data}


def prometheus(metrics, extra_labels=None):
    """Prometheus text exposition of a ``{name: {type, help, data[{labels, value}]}}`` mapping."""
    lines = []
    for name, item in metrics.items():
        lines.append('# HELP %s %s' % (name, item['help']))
        lines.append('# TYPE %s %s' % (name, item['type']))
        for point in item['data']:
            labels = dict(extra_labels or {})
            labels.update(point.get('labels') or {})
            text = ','.join('%s="%s"' % (k, str(v).replace('\\', '\\\\').replace('"', '\\"')) for k, v in labels.items())
            lines.append('%s%s %s' % (name, '{%s}' % text if text else '', point['value']))
    return ('\n'.join(lines) + '\n').encode()


def per_node_metrics(keyed):
    """``{node: {name: metric}}`` -> ``{name: metric}`` with a ``node`` label on every point: one ``# HELP`` per metric."""
    out = {}
    for key, metrics in keyed.items():
        for name, item in metrics.items():
            merged = out.setdefault(name, metric(item['type'], item['help'], []))
            merged['data'].extend({'labels': dict(p.get('labels') or {}, node=key), 'value': p['value']} for p in item['data'])
    return out


class Api:
    """Routes and answers requests for the clusters of a :class:`wabiz_sim.model.Fleet`."""

    def __init__(self, fleet):
        self.fleet = fleet
        self.routes = {
            ('POST', '/v1/users/login'): Route(self.login, auth=False),
            ('POST', '/v1/users/logout'): Route(self.logout),
            ('POST', '/v1/users'): Route(self.create_user, admin=True),
            ('GET', '/v1/support'): Route(self.support, apikey='support'),
            ('GET', '/v1/health'): Route(self.health, apikey=True),
            ('GET', '/v1/account/shards'): Route(self.get_shards),
            ('POST', '/v1/account/shards'): Route(self.set_shards, admin=True),
            ('GET', '/v1/stats/app'): Route(self.stats_app, apikey=True),
            ('GET', '/v1/stats/db'): Route(self.stats_db, apikey=True),
            ('GET', '/metrics'): Route(self.metrics, apikey=True),
            ('GET', '/v1/settings/application'): Route(self.get_settings, admin=True),
            ('PATCH', '/v1/settings/application'): Route(self.patch_settings, admin=True),
            ('DELETE', '/v1/users/*'): Route(self.delete_user, admin=True),
        }
        for (_method, path), route in self.routes.items():
            route.v1 = path.startswith('/v1/') and path != '/v1/users/login'
        self.paths = {path for _m, path in self.routes}

    # ---------------------------------------------------------------- routing
    def resolve(self, path):
        """``(cluster, rest)`` for a request path; cluster None when no cluster serves it."""
        parts = path.split('/', 2)
        if len(parts) > 1 and parts[1] in self.fleet.clusters:
            rest = '/' + (parts[2] if len(parts) > 2 else '')
            return self.fleet.clusters[parts[1]], rest
        prefixes = self.fleet.prefixes
        if prefixes:                     # multi-segment prefixes of a reverse proxy: /wa/eu-1/v1/support
            end = path.find('/', 1)
            while end > 0:
                if path[:end] in prefixes:
                    return prefixes[path[:end]], path[end:]
                end = path.find('/', end + 1)
            if path in prefixes:
                return prefixes[path], '/'
        return self.fleet.default(), path

    def no_cluster(self, method, path):
        if path == '/' and method in ('GET', 'HEAD'):
            names = sorted(self.fleet.clusters)
            items = ''.join('<li><a href="/%s/">%s</a></li>' % (n, n) for n in names[:2000])
            body = '<html><head><title>wabiz_sim</title></head><body><h1>WhatsApp Business API simulator</h1><ul>%s</ul></body></html>' % items
            return Reply(200, body.encode(), HTML_TYPE)
        return error_reply(None, ApiError(404, 1006, 'No cluster serves %s' % path))

    def _route(self, method, rest):
        route = self.routes.get((method, rest))
        arg = None
        if route is None and rest.startswith('/v1/users/') and rest.count('/') == 3:
            route = self.routes.get((method, '/v1/users/*'))
            arg = rest.rsplit('/', 1)[1]
        return route, arg

    def handle(self, cluster, method, rest, headers, query=None, body=b''):
        """Answer one request to ``cluster``; ``rest`` is the path below the cluster prefix."""
        query = query or {}
        cluster.requests += 1
        if len(rest) > 1 and rest.endswith('/'):
            rest = rest.rstrip('/') or '/'
        if rest == '/' and method in ('GET', 'HEAD'):
            return Reply(200, b'<html><head><title>WhatsApp Business API</title></head><body>OK</body></html>', HTML_TYPE)
        try:
            route, arg = self._route(method, rest)
            if route is None:
                if rest in self.paths or (rest.startswith('/v1/users/') and rest.count('/') == 3):
                    raise ApiError(405, 1006, 'Method %s not allowed on %s' % (method, rest))
                codes = cluster.spec['status_codes']
                code = codes['unknown_route_code']
                raise ApiError(codes['unknown_route'], code, 'Resource not found' if code == 1006 else 'endpoint not found')
            self._traffic(cluster)
            user = self._authenticate(cluster, route, headers) if route.auth else None
            if (route.v1 or (route.auth is False and not cluster.spec['expired_login'])) and cluster.is_expired():
                wording = cluster.spec['wording']['app_expired']
                raise ApiError(cluster.spec['status_codes']['expired'], 1005, wording['details'], title=wording['title'])
            if route.admin and not cluster.is_admin(user):
                raise ApiError(403, 1005, 'This endpoint requires Admin role')
            request = {'headers': headers, 'query': query, 'body': body, 'user': user, 'arg': arg}
            return route.handler(cluster, request)
        except ApiError as exc:
            return error_reply(cluster, exc)

    def _traffic(self, cluster):
        codes = cluster.spec['status_codes']
        if cluster.spec['overloaded']:
            raise ApiError(codes['overloaded'], 1016)
        wait = cluster.take_rate()
        if wait is not None:
            raise ApiError(codes['rate_limited'], 1015, headers=retry_after(cluster, wait))

    def _authenticate(self, cluster, route, headers):
        value = (headers.get('Authorization') or '').strip()
        scheme, _sep, credential = value.partition(' ')
        scheme, credential = scheme.lower(), credential.strip()
        if scheme == 'bearer' and credential:
            user = cluster.user_for_token(credential)
            if user is not None:
                return user
        elif scheme == 'apikey' and credential:
            allowed = route.apikey is True or (route.apikey == 'support' and cluster.spec['apikey_on_support'])
            key = cluster.spec.get('api_key')
            if allowed and key and credential == key:
                return '_apiuser'
        raise cluster.unauthorized('Invalid authentication token' if value else 'Authorization header is missing')

    def status_fault(self, cluster, fault):
        """Reply of a ``{kind: status}`` transport fault: the error envelope matching the status."""
        status = fault['status']
        code = fault.get('code') or {429: 1015, 503: 1016, 401: 1005, 403: 1005, 404: 1006}.get(status, 1014 if status >= 500 else 1000)
        headers = retry_after(cluster, 1) if status in (429, 503) else None
        return json_reply(status, {'errors': [error_entry(code, fault.get('details'))], 'meta': cluster.meta()}, headers)

    # --------------------------------------------------------------- helpers
    @staticmethod
    def _json_body(request, required=True):
        raw = request['body'] or b''
        if not raw.strip():
            if required:
                raise ApiError(400, 1008, 'A JSON body is required')
            return {}
        try:
            data = json.loads(raw.decode('utf-8'))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, 1025, 'Request body is not valid JSON') from None
        if not isinstance(data, dict):
            raise ApiError(400, 1025, 'Request body must be a JSON object')
        return data

    @staticmethod
    def _wacore(cluster):
        if cluster.spec['wacore_down']:
            host = 'wacore1' if cluster.spec['mode'] != 'single' else 'wacore'
            raise ApiError(cluster.spec['status_codes']['wacore_down'], 1014,
                           'php_network_getaddresses: getaddrinfo failed: Name or service not known. Please check if wacore is running: %s:6252' % host)

    @staticmethod
    def _primary(cluster, coreapp=False):
        kinds = cluster.pending_kinds()
        status = cluster.spec['status_codes']['not_primary']
        if coreapp and 'coreapp' in kinds:
            raise ApiError(status, 1018)
        if 'master' in kinds:
            raise ApiError(status, 1017)

    # -------------------------------------------------------------- handlers
    def login(self, cluster, request):
        value = (request['headers'].get('Authorization') or '').strip()
        scheme, _sep, credential = value.partition(' ')
        if scheme.lower() != 'basic':
            raise cluster.unauthorized('Basic authentication required')
        try:
            username, sep, password = base64.b64decode(credential.strip(), validate=True).decode('utf-8').partition(':')
        except (binascii.Error, ValueError):
            raise cluster.unauthorized('Malformed Basic authentication header') from None
        if not sep:
            raise cluster.unauthorized('Malformed Basic authentication header')
        body = self._json_body(request, required=False)
        new_password = body.get('new_password')
        if new_password is not None and not isinstance(new_password, str):
            raise ApiError(400, 1009, 'new_password must be a string')
        token, expires = cluster.login(username, password, new_password)
        return json_reply(200, {'users': [{'token': token, 'expires_after': expires}], 'meta': cluster.meta()})

    def logout(self, cluster, request):
        value = request['headers'].get('Authorization') or ''
        cluster.logout(value.partition(' ')[2].strip())
        return json_reply(200, {'meta': cluster.meta()})

    def create_user(self, cluster, request):
        body = self._json_body(request)
        for key in ('username', 'password'):
            if key not in body:
                raise ApiError(400, 1008, 'Missing parameter: %s' % key)
        cluster.create_user(body['username'], body['password'])
        return json_reply(201, {'users': [{'username': body['username']}], 'meta': cluster.meta()})

    def delete_user(self, cluster, request):
        cluster.delete_user(request['arg'])
        return json_reply(200, {'users': [{'username': request['arg']}], 'meta': cluster.meta()})

    def support(self, cluster, _request):
        self._wacore(cluster)
        status, text = cluster.support_template()
        text = text.replace('"%s"' % NOW_SENTINEL, '"%s"' % fmt_time(cluster.clock.now()))
        return Reply(status, text.encode('utf-8'))

    def health(self, cluster, _request):
        self._wacore(cluster)
        status, payload = cluster.health()
        return json_reply(status, payload)

    def get_shards(self, cluster, _request):
        self._wacore(cluster)
        self._account_shards_fault(cluster)
        override = cluster.spec.get('account_shards')
        count = override if isinstance(override, int) else cluster.shard_count()
        return json_reply(200, {'account': {'shards': styled(count, cluster.spec['number_style'])}, 'meta': cluster.meta()})

    @staticmethod
    def _account_shards_fault(cluster):
        override = cluster.spec.get('account_shards')
        codes = cluster.spec['status_codes']
        if override == 'forbidden':
            raise ApiError(codes['shards_forbidden'], 1005, 'Server is temporarily unavailable. Please retry.')
        if override == 'error':
            raise ApiError(codes['shards_error'], 1014, 'Unable to read the shard configuration')

    def set_shards(self, cluster, request):
        self._account_shards_fault(cluster)
        self._primary(cluster, coreapp=True)
        body = self._json_body(request)
        for key in ('cc', 'phone_number', 'shards', 'cert'):
            if key not in body or body[key] in (None, ''):
                raise ApiError(400, 1008, 'Missing parameter: %s' % key)
        for key in ('cc', 'phone_number'):
            if not str(body[key]).isdigit():
                raise ApiError(400, 1009, '%s must contain digits only' % key)
        if body['shards'] not in VALID_SHARDS or isinstance(body['shards'], bool):
            raise ApiError(400, 1009, 'shards must be one of %s' % ', '.join(map(str, VALID_SHARDS)))
        if not isinstance(body['cert'], str):
            raise ApiError(400, 1009, 'cert must be a base64 string')
        cluster.reshard(body['shards'])
        return json_reply(201, {'meta': cluster.meta()})

    def _stats_app(self, cluster):
        values = cluster.spec['stats']
        return {
            'callback_queue_size': metric('gauge', 'Current callback queue size', [{'labels': {}, 'value': values.get('callback_queue_size', 0)}]),
            'callback_requests': metric('counter', 'Number of callback requests', [
                {'labels': {'result': 'success', 'type': 'message'}, 'value': values.get('callback_requests', 1200)},
                {'labels': {'result': 'failure', 'type': 'message'}, 'value': values.get('callback_requests_failure', 0)}]),
            'pending_outgoing_messages': metric('gauge', 'Number of outgoing messages waiting to be sent',
                                                [{'labels': {}, 'value': values.get('pending_outgoing_messages', 0)}]),
        }

    def _stats_db(self, cluster):
        values = cluster.spec['stats']
        return {
            'db_contacts': metric('gauge', 'Number of contacts', [
                {'labels': {'type': 'whatsapp_user'}, 'value': values.get('db_contacts', 250)},
                {'labels': {'type': 'non_whatsapp_user'}, 'value': values.get('db_contacts_non_whatsapp', 12)}]),
            'db_message_receipts': metric('gauge', 'Number of message receipts', [{'labels': {}, 'value': values.get('db_message_receipts', 3400)}]),
            'db_messages': metric('gauge', 'Number of messages', [{'labels': {}, 'value': values.get('db_messages', 1800)}]),
            'db_pending_callbacks': metric('gauge', 'Number of pending callbacks', [{'labels': {}, 'value': values.get('db_pending_callbacks', 0)}]),
            'db_pending_messages': metric('gauge', 'Number of pending messages', [{'labels': {}, 'value': values.get('db_pending_messages', 0)}]),
        }

    def _keyed(self, cluster, metrics, only_primary):
        out = {}
        for node in cluster.nodes:
            if node.removed:
                continue
            key = node.key
            wanted = node.role == 'primary_master' if only_primary else not node.dead
            out[key] = metrics if wanted else {}
        return out

    def _stats_reply(self, cluster, request, section, metrics):
        if request['query'].get('format') == 'prometheus':
            if cluster.spec['mode'] == 'single':
                return Reply(200, prometheus(metrics), PROMETHEUS_TYPE)
            return Reply(200, prometheus(per_node_metrics(self._keyed(cluster, metrics, section == 'db'))), PROMETHEUS_TYPE)
        payload = metrics if cluster.spec['mode'] == 'single' else self._keyed(cluster, metrics, section == 'db')
        return json_reply(200, {'stats': {section: payload}, 'meta': cluster.meta()})

    def stats_app(self, cluster, request):
        self._wacore(cluster)
        return self._stats_reply(cluster, request, 'app', self._stats_app(cluster))

    def stats_db(self, cluster, request):
        self._wacore(cluster)
        self._primary(cluster)
        return self._stats_reply(cluster, request, 'db', self._stats_db(cluster))

    def metrics(self, cluster, request):
        node = {'node': 'web%s' % cluster.nodes[0].container_id[3:]}
        values = cluster.spec['stats']
        metrics = {
            'web_uptime': metric('gauge', 'Number of seconds since web server has started',
                                 [{'labels': node, 'value': values.get('web_uptime', int(max(0, cluster.clock.now() - cluster.started)))}]),
            'web_requests': metric('counter', 'Number of requests served by the web server',
                                   [{'labels': dict(node, state='total'), 'value': values.get('web_requests', cluster.requests)}]),
            'web_connections': metric('gauge', 'Number of open connections', [{'labels': node, 'value': values.get('web_connections', 1)}]),
            'web_pending_connections': metric('gauge', 'Number of pending connections',
                                              [{'labels': node, 'value': values.get('web_pending_connections', 0)}]),
        }
        if request['query'].get('format') == 'prometheus':
            return Reply(200, prometheus(metrics), PROMETHEUS_TYPE)
        return json_reply(200, {'metrics': metrics, 'meta': cluster.meta()})

    def get_settings(self, cluster, _request):
        self._primary(cluster)
        app = {'heartbeat_interval': 5, 'unhealthy_interval': cluster.spec['unhealthy_interval'], 'sent_status': False,
               'webhooks': {'url': ''}, 'callback_persist': True}
        return json_reply(200, {'settings': {'application': app}, 'meta': cluster.meta()})

    def patch_settings(self, cluster, request):
        self._primary(cluster)
        body = self._json_body(request)
        if 'unhealthy_interval' in body:
            value = body['unhealthy_interval']
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ApiError(400, 1009, 'unhealthy_interval must be a non-negative integer')
            cluster.raw['unhealthy_interval'] = cluster.spec['unhealthy_interval'] = value
        return json_reply(200, {'meta': cluster.meta()})
