# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the HTTP client against a scripted local HTTP server (TLS is covered by the
integration tests against the HTTPS simulator)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import socket
import threading
import time

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
except ImportError:  # pragma: no cover
    BaseHTTPRequestHandler = ThreadingHTTPServer = None

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._client import Client, WabizError

SUPPORT = {'support': {'multi_connect': False, 'socket_conn': 'UP', 'version': 'v2.45.1'}, 'meta': {'version': 'v2.45.1'}}
KEYED = {'support': {'master1:abc': {'role': 'primary_master', 'shards': [[-1, -1]]}}}
LOGIN_OK = {'users': [{'token': 'aaa.bbb.ccc', 'expires_after': '2030-01-01 00:00:00+00:00'}]}


def envelope(code, title, details=''):
    return {'errors': [{'code': code, 'title': title, 'details': details}], 'meta': {'version': 'v2.45.1'}}


class Script(object):
    """Per path, a list of answers served in order (the last one repeats)."""

    def __init__(self):
        self.routes = {}
        self.calls = []

    def on(self, method, path, *answers):
        self.routes[(method, path)] = list(answers)

    def next(self, method, path):
        answers = self.routes.get((method, path)) or [(404, envelope(1006, 'Resource not found'))]
        return answers.pop(0) if len(answers) > 1 else answers[0]


@pytest.fixture
def server():
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def _serve(self, method):
            length = int(self.headers.get('Content-Length') or 0)
            if length:
                self.rfile.read(length)
            script.calls.append((method, self.path, self.headers.get('Authorization')))
            answer = script.next(method, self.path)
            status, body = answer[0], answer[1]
            extra = answer[2] if len(answer) > 2 else {}
            if extra.get('sleep'):
                time.sleep(extra['sleep'])
            if isinstance(body, (dict, list)):
                payload = json.dumps(body).encode()
                ctype = 'application/json'
            else:
                payload = body.encode() if isinstance(body, str) else body
                ctype = extra.get('type', 'text/html')
            self.send_response(status)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(extra.get('length', len(payload))))
            for name, value in extra.get('headers', {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            if 'length' in extra:
                self.close_connection = True

        def do_GET(self):
            self._serve('GET')

        def do_POST(self):
            self._serve('POST')

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # clients that hang up on purpose (timeouts, size limits) are part of the script

    httpd = Server(('127.0.0.1', 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    script.url = 'http://127.0.0.1:%d' % httpd.server_address[1]
    yield script
    httpd.shutdown()
    httpd.server_close()


def make_client(server, prefix='', **kwargs):
    sleeps = []
    warnings = []
    secrets = []
    options = dict(username='monitor', password='S3cret!pass', retries=2, timeout=2,
                   warn=warnings.append, on_secret=secrets.append, sleep=sleeps.append)
    options.update(kwargs)
    client = Client(server.url + prefix, **options)
    client.sleeps, client.warnings, client.secrets = sleeps, warnings, secrets
    return client


def test_login_once_and_reuse_token_for_support_and_shards(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, KEYED))
    server.on('GET', '/v1/account/shards', (200, {'account': {'shards': 4}}))
    server.on('POST', '/v1/users/logout', (200, {'meta': {}}))
    client = make_client(server)
    with client:
        fetched = client.fetch()
    assert fetched == {'support': KEYED, 'shard_count': 4, 'shard_count_error': None}
    assert [c[:2] for c in server.calls] == [('POST', '/v1/users/login'), ('GET', '/v1/support'),
                                             ('GET', '/v1/account/shards'), ('POST', '/v1/users/logout')]
    assert server.calls[1][2] == 'Bearer aaa.bbb.ccc'
    assert server.calls[0][2].startswith('Basic ')
    assert client.secrets == ['aaa.bbb.ccc']


def test_single_instance_does_not_ask_for_shards(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, SUPPORT))
    with make_client(server) as client:
        assert client.fetch()['shard_count'] is None
    assert ('GET', '/v1/account/shards') not in [c[:2] for c in server.calls]


def test_path_prefix_is_kept(server):
    server.on('POST', '/wa/eu-1/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/wa/eu-1/v1/support', (200, SUPPORT))
    client = make_client(server, prefix='/wa/eu-1/')
    assert client.get_support() == SUPPORT


def test_given_token_is_used_without_login_and_not_logged_out(server):
    server.on('GET', '/v1/support', (200, SUPPORT))
    client = make_client(server, username=None, password=None, token='given.tok.en')
    with client:
        client.get_support()
    assert server.calls == [('GET', '/v1/support', 'Bearer given.tok.en')]
    assert client.secrets == ['given.tok.en']


def test_refused_given_token_without_credentials_is_auth_failed(server):
    server.on('GET', '/v1/support', (401, envelope(1005, 'Access denied', 'Invalid token')))
    client = make_client(server, username=None, password=None, token='old.tok.en')
    with pytest.raises(WabizError) as info:
        client.get_support()
    assert info.value.code == 'auth_failed'
    assert 'given token was refused' in info.value.message
    assert 'old.tok.en' not in str(info.value)


def test_expired_own_token_logs_in_again_once(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK), (200, {'users': [{'token': 'new.tok.en'}]}))
    server.on('GET', '/v1/support', (401, ''), (200, SUPPORT))
    client = make_client(server)
    assert client.get_support() == SUPPORT
    assert [c[:2] for c in server.calls].count(('POST', '/v1/users/login')) == 2
    assert server.calls[-1][2] == 'Bearer new.tok.en'


def test_persistent_401_after_fresh_login_is_auth_failed(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (401, ''))
    with pytest.raises(WabizError) as info:
        make_client(server).get_support()
    assert info.value.code == 'auth_failed'
    assert [c[:2] for c in server.calls].count(('POST', '/v1/users/login')) == 2


@pytest.mark.parametrize('answer', [(401, envelope(1005, 'Access denied')), (401, '')])
def test_wrong_password_is_auth_failed_without_leaking_it(server, answer):
    server.on('POST', '/v1/users/login', answer)
    with pytest.raises(WabizError) as info:
        make_client(server).login()
    assert info.value.code == 'auth_failed'
    assert info.value.details['status'] == 401
    assert 'S3cret!pass' not in str(info.value)


def test_first_password_is_password_change_required(server):
    server.on('POST', '/v1/users/login', (400, envelope(1024, 'Password Change Required')))
    with pytest.raises(WabizError) as info:
        make_client(server).login()
    assert info.value.code == 'password_change_required'
    assert 'never changes a client' in info.value.message


def test_missing_credentials(server):
    with pytest.raises(WabizError) as info:
        make_client(server, username=None, password=None).get_support()
    assert info.value.code == 'auth_failed'
    assert server.calls == []


def test_429_is_retried_honouring_retry_after(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (429, envelope(1015, 'Too many requests'), {'headers': {'Retry-After': '3'}}), (200, SUPPORT))
    client = make_client(server)
    assert client.get_support() == SUPPORT
    assert client.sleeps == [3.0]
    assert any('HTTP 429' in w for w in client.warnings)


@pytest.mark.parametrize('answer', [
    (503, envelope(1016, 'System overloaded')),
    (503, '<html><title>503 Service Unavailable</title></html>'),
    (200, envelope(1015, 'Too many requests')),
])
def test_rate_limit_that_persists_is_rate_limited(server, answer):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', answer)
    client = make_client(server, retries=2)
    with pytest.raises(WabizError) as info:
        client.get_support()
    assert info.value.code == 'rate_limited'
    assert len(client.sleeps) == 2
    assert client.sleeps == [0.5, 1.0]


@pytest.mark.parametrize('code,title', [(1017, 'Not Primary Master'), (1018, 'Not Primary Coreapp')])
def test_failover_codes_are_retried(server, code, title):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (500, envelope(code, title)), (200, SUPPORT))
    client = make_client(server)
    assert client.get_support() == SUPPORT
    assert len(client.sleeps) == 1


def test_app_expired(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (403, envelope(1005, 'Access denied', 'App Expired: a version upgrade is required')))
    with pytest.raises(WabizError) as info:
        make_client(server).get_support()
    assert info.value.code == 'app_expired'
    assert info.value.details['api_code'] == 1005


def test_other_api_error_carries_code_title_details(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (500, envelope(1014, 'Internal error', 'Please check if wacore is running: wacore1:6252')))
    with pytest.raises(WabizError) as info:
        make_client(server).get_support()
    error = info.value
    assert error.code == 'api_error'
    assert error.to_dict()['api_code'] == 1014
    assert error.details['title'] == 'Internal error'
    assert 'wacore1:6252' in error.details['details']
    assert error.reachable


@pytest.mark.parametrize('answer,fragment', [
    ((502, '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'), 'HTML page'),
    ((200, '<html><body>Please log in</body></html>'), 'HTML page'),
    ((200, 'not json at all', {'type': 'application/json'}), 'not JSON'),
    ((200, '{"support": {"a": ', {'type': 'application/json'}), 'not JSON'),
    ((200, [1, 2, 3]), 'expected a JSON object'),
    ((200, '[' * 100000 + ']' * 100000, {'type': 'application/json'}), 'nested too deeply'),
    ((404, ''), 'unexpected HTTP 404'),
])
def test_malformed_answers_are_bad_response(server, answer, fragment):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', answer)
    with pytest.raises(WabizError) as info:
        make_client(server).get_support()
    assert info.value.code in ('bad_response', 'api_error')
    assert fragment in info.value.message
    if answer[0] < 400 or fragment == 'HTML page':
        assert info.value.code == 'bad_response'


def test_truncated_answer_is_bad_response(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, '{"support": {}}', {'type': 'application/json', 'length': 5000}))
    with pytest.raises(WabizError) as info:
        make_client(server).get_support()
    assert info.value.code == 'bad_response'
    assert 'cut off' in info.value.message


def test_oversized_answer_is_bad_response(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, {'support': {'pad': 'x' * 5000}}))
    with pytest.raises(WabizError) as info:
        make_client(server, max_body_bytes=1000).get_support()
    assert info.value.code == 'bad_response'
    assert 'byte limit' in info.value.message


def test_slow_answer_is_timeout_after_retries(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK, {'sleep': 1.0}))
    client = make_client(server, timeout=0.2, retries=1)
    with pytest.raises(WabizError) as info:
        client.login()
    assert info.value.code == 'timeout'
    assert not info.value.reachable
    assert len(client.sleeps) == 1


def test_closed_port_is_unreachable():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    sleeps = []
    client = Client('https://127.0.0.1:%d' % port, token='t.o.k', retries=2, timeout=1, sleep=sleeps.append)
    with pytest.raises(WabizError) as info:
        client.get_support()
    assert info.value.code == 'unreachable'
    assert not info.value.reachable
    assert len(sleeps) == 2


def test_shard_count_unreadable_is_not_fatal(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, KEYED))
    server.on('GET', '/v1/account/shards', (403, envelope(1005, 'Access denied', 'This endpoint requires Admin role')))
    fetched = make_client(server).fetch()
    assert fetched['shard_count'] is None
    assert 'Admin role' in fetched['shard_count_error']


@pytest.mark.parametrize('body', [{'account': {'shards': 'many'}}, {'account': {}}, {'account': {'shards': True}}])
def test_shard_count_odd_answer_is_reported(server, body):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/account/shards', (200, body))
    count, reason = make_client(server).get_shard_count()
    assert count is None
    assert 'account.shards' in reason


def test_plain_http_and_disabled_validation_warn(server):
    assert any('plain http' in w for w in make_client(server).warnings)
    warnings = []
    Client('https://wa.example.com', token='x', validate_certs=False, warn=warnings.append)
    assert any('validation is off' in w for w in warnings)


def test_ca_path_becomes_verify():
    client = Client('https://wa.example.com', token='x', ca_path='/tmp/ca.pem')
    assert client.verify == '/tmp/ca.pem'
    assert Client('https://wa.example.com', token='x').verify is True


@pytest.mark.parametrize('url', ['', 'wa.example.com', 'ftp://wa.example.com', 'https://'])
def test_bad_url_is_a_clear_error(url):
    with pytest.raises(WabizError) as info:
        Client(url, token='x')
    assert 'url must look like' in info.value.message


def test_user_info_in_url_never_reaches_messages(server):
    client = make_client(server)
    client_with_userinfo = Client(server.url.replace('http://', 'http://bob:hunter2@'), token='x', warn=lambda m: None)
    assert 'hunter2' not in client_with_userinfo.url
    assert client.url == server.url
