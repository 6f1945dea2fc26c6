# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small scripted HTTPS server that misbehaves on purpose, for tests/integration/test_hostile.py.

The simulator (tests/simulator) stays faithful to the documented API; this server is for what a broken
installation, a proxy or an attacker may send instead. Each case is a path prefix:
``https://127.0.0.1:PORT/<case>/v1/support``; one connection per request (``Connection: close``).
A second port trickles the TLS handshake itself. Certificates come from trustme, like the simulator's.
Every request is logged in ``requests`` as ``(case, method, path, authorization)``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import socket
import ssl
import threading
import time

from wabiz_sim.certs import make_certs

TRICKLE_DELAY = 0.2   # seconds between two bytes of a trickled answer
TRICKLE_CAP = 60.0    # a trickle ends after this long, whether or not the client gave up
USERNAME = 'monitor'
PASSWORD = 'Hostile!pass9'
TOKEN = 'hostile.tok.en'
# Used verbatim by the webapp: a templating engine on the way would change them.
TEMPLATE_PASSWORD = 'P{{ 7 * 7 }}{%raw%}{#c#}9a'
TEMPLATE_TOKEN = 'tok.{{ lookup("env", "HOME") }}.{% if 1 %}{#x#}'
SUPPORT_OK = {
    'support': {'multi_connect': False, 'socket_conn': 'UP', 'version': 'v2.45.1', 'description': 'v2.45.1',
                'debug_info': '15550001111', 'expire_timestamp': '2099-01-01T00:00:00', 'db_engine': 'MYSQL',
                'free_space_data': 9223372036853727000, 'free_space_logs': 9223372036853727000,
                'free_space_media_incoming': 9223372036853727000, 'free_space_media_outgoing': 9223372036853727000},
    'meta': {'api_status': 'stable', 'version': 'v2.45.1'},
}
# 31 MB, under the 32 MB body cap: [{},{},...] costs gigabytes once parsed without bounds
AMPLIFICATION = b'{"support": [' + b','.join([b'{}'] * ((31 * 1024 * 1024) // 3)) + b']}'
BASIC = base64.b64encode(('%s:%s' % (USERNAME, PASSWORD)).encode()).decode()
SECRETS = (PASSWORD, BASIC, TOKEN)  # must never appear in any output


def envelope(code, title, details=''):
    return {'errors': [{'code': code, 'title': title, 'details': details}], 'meta': {'version': 'v2.45.1'}}


class HostileServer(object):
    """Start with ``with HostileServer(cert_dir) as server:``; ``server.url(case)`` is a case's base URL."""

    def __init__(self, cert_dir):
        self.certs = make_certs(cert_dir)
        self.ca_path = self.certs.ca_path
        self.context = self.certs.server_context()
        self.requests = []
        self._last_basic = None
        self._listeners = []
        self._lock = threading.Lock()

    # ---- lifecycle ------------------------------------------------------------------------
    def __enter__(self):
        self.port = self._listen(self._serve_https)
        self.handshake_port = self._listen(self._trickle_handshake)
        return self

    def __exit__(self, *exc_info):
        for listener in self._listeners:
            listener.close()

    def url(self, case, port=None):
        return 'https://127.0.0.1:%d/%s' % (port or self.port, case)

    def _listen(self, handler):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(('127.0.0.1', 0))
        listener.listen(64)
        self._listeners.append(listener)
        thread = threading.Thread(target=self._accept, args=(listener, handler), daemon=True)
        thread.start()
        return listener.getsockname()[1]

    @staticmethod
    def _accept(listener, handler):
        while True:
            try:
                conn, _address = listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=HostileServer._run, args=(handler, conn), daemon=True).start()

    @staticmethod
    def _run(handler, conn):
        try:
            handler(conn)
        except (OSError, ssl.SSLError, ValueError):
            pass  # the client hung up: expected for most cases
        finally:
            conn.close()

    # ---- TLS handshake trickled a byte at a time ---------------------------------------------
    def _trickle_handshake(self, conn):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self.context.wrap_bio(incoming, outgoing, server_side=True)
        conn.settimeout(TRICKLE_CAP)
        ends = time.time() + TRICKLE_CAP
        while time.time() < ends:
            try:
                tls.do_handshake()
            except ssl.SSLWantReadError:
                pass
            pending = outgoing.read()
            for index in range(len(pending)):
                conn.sendall(pending[index:index + 1])
                time.sleep(TRICKLE_DELAY)
                if time.time() >= ends:
                    return
            data = conn.recv(65536)
            if not data:
                return
            incoming.write(data)

    # ---- HTTPS ---------------------------------------------------------------------------------
    def _serve_https(self, conn):
        conn.settimeout(10)
        tls = self.context.wrap_socket(conn, server_side=True)
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = tls.recv(65536)
            if not chunk:
                return
            head += chunk
        head, _sep, body = head.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        method, target = lines[0].split(' ')[:2]
        headers = dict((name.strip().lower(), value.strip()) for name, _colon, value in
                       (line.partition(':') for line in lines[1:]))
        length = int(headers.get('content-length') or 0)
        while len(body) < length:
            body += tls.recv(65536)
        case, _slash, path = target.lstrip('/').partition('/')
        authorization = headers.get('authorization', '')
        if authorization.startswith('Basic '):
            self._last_basic = authorization[6:]
        with self._lock:
            self.requests.append((case, method, '/' + path, authorization))
        getattr(self, 'case_' + case.replace('-', '_'), self.case_unknown)(tls, method, '/' + path, authorization)

    # ---- writing answers -----------------------------------------------------------------------
    @staticmethod
    def _head(status, length, content_type='application/json', extra=()):
        lines = ['HTTP/1.1 %d %s' % (status, 'Hostile'), 'Content-Type: %s' % content_type,
                 'Content-Length: %d' % length, 'Connection: close'] + list(extra)
        return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')

    def _send(self, tls, status, body, content_type='application/json', extra=()):
        payload = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
        tls.sendall(self._head(status, len(payload), content_type, extra) + payload)

    @staticmethod
    def _trickle(tls, data, after=b''):
        tls.sendall(after)
        ends = time.time() + TRICKLE_CAP
        for index in range(len(data)):
            tls.sendall(data[index:index + 1])
            time.sleep(TRICKLE_DELAY)
            if time.time() >= ends:
                return

    def _login_or(self, tls, method, path, token=TOKEN):
        """Answer a login with ``token``; True when the request was a login."""
        if method == 'POST' and path == '/v1/users/login':
            self._send(tls, 200, {'users': [{'token': token, 'expires_after': '2099-01-01 00:00:00+00:00'}]})
            return True
        if method == 'POST' and path == '/v1/users/logout':
            self._send(tls, 200, {'meta': {}})
            return True
        return False

    def _echo(self, authorization):
        """Everything a careless server could echo back: this request's Authorization header, and the
        Basic credentials of the last login, encoded and decoded."""
        text = 'Authorization: %s' % authorization
        if self._last_basic:
            text += '; at login: Basic %s (%s)' % (self._last_basic, base64.b64decode(self._last_basic).decode('utf-8', 'replace'))
        return text

    # ---- the cases -----------------------------------------------------------------------------
    def case_unknown(self, tls, method, path, authorization):
        self._send(tls, 404, envelope(1006, 'Resource not found'))

    def case_trickle_headers(self, tls, method, path, authorization):
        body = json.dumps(SUPPORT_OK).encode()
        self._trickle(tls, self._head(200, len(body), extra=['X-Pad: %s' % ('x' * 400)]) + body)

    def case_trickle_body(self, tls, method, path, authorization):
        body = json.dumps(SUPPORT_OK).encode()
        self._trickle(tls, body, after=self._head(200, len(body)))

    def case_stall_body(self, tls, method, path, authorization):
        tls.sendall(self._head(200, 5000) + b'{"support": {')
        time.sleep(TRICKLE_CAP)

    def case_amplification(self, tls, method, path, authorization):
        self._send(tls, 200, AMPLIFICATION)

    def case_deep_nesting(self, tls, method, path, authorization):
        depth = 5000  # beyond the recursion limit of the parser, within the count of containers
        self._send(tls, 200, b'{"support": {"a:1": {"env": ' + b'[' * depth + b']' * depth + b'}}}')

    def case_echo_login(self, tls, method, path, authorization):
        self._send(tls, 401, envelope(1005, 'Access denied', self._echo(authorization)))

    def case_echo_api(self, tls, method, path, authorization):
        if not self._login_or(tls, method, path):
            self._send(tls, 500, envelope(1014, 'Internal error', self._echo(authorization)))

    def case_echo_html(self, tls, method, path, authorization):
        if not self._login_or(tls, method, path):
            echo = self._echo(authorization)
            self._send(tls, 502, '<html><head><title>502 %s</title></head><body><pre>%s</pre></body></html>' % (echo, echo),
                       content_type='text/html')

    def case_echo_overloaded(self, tls, method, path, authorization):
        if not self._login_or(tls, method, path):
            self._send(tls, 503, envelope(1016, 'System overloaded', self._echo(authorization)), extra=['Retry-After: 0'])

    def case_echo_body(self, tls, method, path, authorization):
        """A healthy answer whose informational fields quote the credentials (a debug build, a proxy rewrite)."""
        if not self._login_or(tls, method, path):
            body = json.loads(json.dumps(SUPPORT_OK))
            body['support']['os_name'] = self._echo(authorization)
            body['support']['context'] = {'header': authorization, 'basic': self._last_basic}
            self._send(tls, 200, body)

    def case_duplicate_nodes(self, tls, method, path, authorization):
        """A broken node hidden behind a healthy twin of the same key (JSON keeps the last value)."""
        if not self._login_or(tls, method, path):
            node = '"role": "coreapp", "shards": [[%s, %s]], "socket_conn": "%s", "multi_connect": true'
            text = ('{"support": {"master1:aa": {"role": "primary_master", "shards": [[-1, -1]], "socket_conn": "UP", '
                    '"multi_connect": true}, "wacore1:bb": {%s}, "wacore2:cc": {%s}, "wacore1:bb": {%s}}}' % (
                        node % (0, 0, 'DN'), node % (1, 1, 'UP'), node % (0, 0, 'UP')))
            self._send(tls, 200, text)

    def case_redirect_http(self, tls, method, path, authorization):
        self._send(tls, 307, '', extra=['Location: http://127.0.0.1:%d/steal%s?password=%s' % (self.port, path, PASSWORD)])

    def case_redirect_host(self, tls, method, path, authorization):
        self._send(tls, 302, '', extra=['Location: https://%s:%s@evil.example.invalid/steal%s' % (USERNAME, PASSWORD, path)])

    def case_token_expired(self, tls, method, path, authorization):
        if not self._login_or(tls, method, path):
            self._send(tls, 401, envelope(1005, 'Access denied', 'Token expired'))

    def case_verbatim(self, tls, method, path, authorization):
        """Accepts only the templating-looking password and token, byte for byte."""
        expected_basic = 'Basic ' + base64.b64encode(('%s:%s' % (USERNAME, TEMPLATE_PASSWORD)).encode()).decode()
        if method == 'POST' and path == '/v1/users/login':
            if authorization == expected_basic:
                self._login_or(tls, method, path, token=TEMPLATE_TOKEN)
            else:
                self._send(tls, 401, envelope(1005, 'Access denied'))
        elif method == 'POST':
            self._login_or(tls, method, path)
        elif authorization == 'Bearer ' + TEMPLATE_TOKEN:
            self._send(tls, 200, SUPPORT_OK)
        else:
            self._send(tls, 401, envelope(1005, 'Access denied'))
