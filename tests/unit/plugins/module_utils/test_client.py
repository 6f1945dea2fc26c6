# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the HTTP client against a scripted local HTTP server (TLS is covered by the
integration tests against the HTTPS simulator)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import os
import socket
import ssl
import threading
import time

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
except ImportError:  # pragma: no cover
    BaseHTTPRequestHandler = ThreadingHTTPServer = None

import pytest
import trustme

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils import _client
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
            if 'raw' in extra:
                self._write_raw(extra)
                return
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

        def _write_raw(self, extra):
            """Hostile pacing: the raw answer is written ``chunk`` bytes every ``delay`` seconds, then
            the connection stalls ``stall`` seconds before it is closed."""
            data, chunk = extra['raw'], extra.get('chunk', 1)
            self.close_connection = True
            try:
                for start in range(0, len(data), chunk):
                    self.wfile.write(data[start:start + chunk])
                    self.wfile.flush()
                    time.sleep(extra.get('delay', 0))
                time.sleep(extra.get('stall', 0))
            except OSError:
                pass  # the client gave up: that is the point

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
    assert 'aaa.bbb.ccc' in client.secrets


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


@pytest.mark.parametrize('errors', [
    {'code': 1014, 'title': 'Internal error', 'details': 'Please check if wacore is running: wacore1:6252'},
    ['Wacore is not instantiated'],
    'App Expired: a version upgrade is required',
    [None, {'code': 1011, 'title': 'Service not ready'}],
], ids=['object', 'list of text', 'text', 'object after null'])
def test_http_200_with_an_odd_error_envelope_next_to_support_is_an_error(server, errors):
    """The envelope is documented as a list of objects; an answer that carries another form of it next to a healthy-looking
    support body is still an error answer, never support data that passes the gate."""
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, dict(SUPPORT, errors=errors)))
    with pytest.raises(WabizError) as info:
        make_client(server).get_support()
    assert info.value.code == 'api_error'


@pytest.mark.parametrize('errors', [None, [], {}])
def test_an_empty_error_envelope_is_no_error(server, errors):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, dict(SUPPORT, errors=errors)))
    assert make_client(server).get_support()['support'] == SUPPORT['support']


@pytest.mark.parametrize('answer,fragment', [
    ((502, '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'), 'HTML page'),
    ((200, '<html><body>Please log in</body></html>'), 'HTML page'),
    # lighttpd's error page is XHTML: an XML declaration and a long doctype before <html>
    ((502, '<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
           '         "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" '
           'xml:lang="en" lang="en">\n <head>\n  <title>502 Bad Gateway</title>\n </head>\n <body>\n  <h1>502 Bad Gateway</h1>\n'
           ' </body>\n</html>\n'), '"502 Bad Gateway"'),
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


@pytest.mark.parametrize('body', [{'account': {}}, {'account': 4}, {}])
def test_shard_count_missing_is_reported(server, body):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/account/shards', (200, body))
    count, reason = make_client(server).get_shard_count()
    assert count is None
    assert 'no account.shards in the answer' in reason


@pytest.mark.parametrize('body,text', [({'account': {'shards': 'many'}}, 'many'), ({'account': {'shards': True}}, 'true'),
                                       ({'account': {'shards': [4]}}, '[4]')])
def test_shard_count_odd_answer_is_passed_on_as_text_for_the_checks(server, body, text):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/account/shards', (200, body))
    assert make_client(server).get_shard_count() == (text, None)


def test_plain_http_and_disabled_validation_warn(server):
    assert any('plain http' in w for w in make_client(server).warnings)
    warnings = []
    Client('https://wa.example.com', token='x', validate_certs=False, warn=warnings.append)
    assert any('validation is off' in w for w in warnings)


def test_ca_path_is_the_trust_of_a_tls_context_built_once(tmp_path):
    ca_path = str(tmp_path / 'ca.pem')
    trustme.CA().cert_pem.write_to_path(ca_path)
    first = _client._ssl_context(True, ca_path)
    assert first.verify_mode == ssl.CERT_REQUIRED and first.check_hostname != _client.URLLIB3_1
    assert len(first.get_ca_certs()) == 1  # the given CA, not the system store
    assert _client._ssl_context(True, ca_path) is first  # shared by the clients of the process
    trustme.CA().cert_pem.write_to_path(ca_path)
    os.utime(ca_path, ns=(1, 1))
    changed = _client._ssl_context(True, ca_path)
    assert changed is not first and changed.get_ca_certs() != first.get_ca_certs()
    system = _client._ssl_context(True, None)
    assert system.verify_mode == ssl.CERT_REQUIRED and system.check_hostname != _client.URLLIB3_1 and system is not first
    unchecked = _client._ssl_context(False, ca_path)
    assert unchecked.verify_mode == ssl.CERT_NONE and not unchecked.check_hostname


def test_a_username_without_password_says_where_the_password_comes_from():
    with pytest.raises(WabizError) as info:
        Client('https://wa.example.com', username='monitor').login()
    assert info.value.code == 'auth_failed'
    assert 'no usable credentials' in info.value.message and 'WABIZ_PASSWORD' in info.value.message
    with pytest.raises(WabizError) as info:
        Client('https://wa.example.com').login()
    assert info.value.message.endswith('give token, or username and password')


def test_without_urllib3_the_client_is_a_missing_library_error(monkeypatch):
    # the event source reports a WabizError as it is; anything else was an internal_error naming only the type
    monkeypatch.setattr(_client, 'HAS_URLLIB3', False)
    with pytest.raises(WabizError) as info:
        Client('https://wa.example.com', token='x')
    assert info.value.code == 'missing_library'
    assert 'pip install urllib3' in info.value.message


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


# ---- issue 8: deadlines, bounded work, auth codes, bad settings, secrets, redirects ---------------

HEAD_200 = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n'
BODY_40 = b'{"support": {}, "meta": {"pad": "xxxxx"}}'[:40]


def timed(call):
    started = time.time()
    with pytest.raises(WabizError) as info:
        call()
    return info.value, time.time() - started


@pytest.mark.parametrize('extra', [
    {'raw': HEAD_200 + BODY_40, 'delay': 0.1},                      # headers trickled a byte at a time
    {'raw': HEAD_200 + BODY_40, 'delay': 0.1, 'chunk': 1},          # the same, the body included
    {'raw': HEAD_200, 'stall': 5},                                   # headers, then nothing
])
def test_slow_answers_hit_the_total_deadline_of_each_attempt(server, extra):
    server.on('GET', '/v1/support', (200, '', extra))
    client = make_client(server, username=None, password=None, token='t.o.k', timeout=0.6, retries=1)
    error, elapsed = timed(client.get_support)
    assert error.code == 'timeout'
    assert 'within 0.6 s' in error.message
    assert client.sleeps == [0.5]  # a stalled answer is retried like any timeout
    assert len([c for c in server.calls if c[1] == '/v1/support']) == 2
    assert elapsed < 2 * 0.6 + 2.0  # a bound derived from timeout and retries, not a benchmark


def test_trickled_body_after_prompt_headers_is_timeout(server):
    # Connection: close hands the socket from the connection to the response: it must stay watched
    head = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\nConnection: close\r\n\r\n'
    server.on('GET', '/v1/support', (200, '', {'raw': head + b'{' + b' ' * 198 + b'}', 'delay': 0.05, 'chunk': 1}))
    client = make_client(server, username=None, password=None, token='t.o.k', timeout=0.5, retries=0)
    error, elapsed = timed(client.get_support)
    assert error.code == 'timeout'
    assert elapsed < 0.5 + 2.0


def open_fds():
    return len(os.listdir('/proc/self/fd'))


@pytest.mark.parametrize('headers', [{}, {'Connection': 'close'}])
def test_watched_sockets_do_not_leak(server, headers):
    server.on('GET', '/v1/support', (200, SUPPORT, {'headers': headers}))
    client = make_client(server, username=None, password=None, token='t.o.k')
    client.get_support()
    before = open_fds()
    for _index in range(30):
        client.get_support()
    assert open_fds() <= before + 2
    client.close()


@pytest.mark.parametrize('text,fragment', [
    ('{"support": [' + ','.join(['{}'] * 200001) + ']}', 'containers'),
    ('{"support": {"a": [' + ','.join(['[]'] * 200001) + ']}}', 'containers'),
    ('{"support": {"a": [' + ','.join(['1'] * 1000001) + ']}}', 'values'),
    ('{"support": {"a": ' + '[' * 200 + ']' * 200 + '}}', 'nested'),
    ('[' * 100000 + ']' * 100000, 'nested'),
])
def test_json_work_is_bounded(server, text, fragment):
    server.on('GET', '/v1/support', (200, text, {'type': 'application/json'}))
    client = make_client(server, username=None, password=None, token='t.o.k')
    error, _elapsed = timed(client.get_support)
    assert error.code == 'bad_response'
    assert fragment in error.message


def test_brackets_inside_strings_do_not_count(server):
    body = {'support': {'master1:abc': {'role': 'primary_master', 'env': ['X=' + '[{' * 300000, 'Y="\\\\"']}}}
    server.on('GET', '/v1/support', (200, body))
    client = make_client(server, username=None, password=None, token='t.o.k')
    assert client.get_support() == body


def test_duplicate_node_keys_are_recorded_for_the_checks(server):
    text = ('{"support": {"wacore1:a": {"role": "coreapp", "socket_conn": "DN"}, "master1:b": {"role": "primary_master"},'
            ' "wacore1:a": {"role": "coreapp", "socket_conn": "UP"}}, "meta": {"version": "v2", "version": "v3"}}')
    server.on('GET', '/v1/support', (200, text, {'type': 'application/json'}))
    data = make_client(server, username=None, password=None, token='t.o.k').get_support()
    assert data['support']['__wabiz_duplicate_keys__'] == ['wacore1:a']
    assert data['support']['wacore1:a'] == {'role': 'coreapp', 'socket_conn': 'UP'}
    assert data['meta'] == {'version': 'v3', '__wabiz_duplicate_keys__': ['version']}
    assert sorted(data) == ['meta', 'support']


def test_reserved_key_sent_by_the_server_is_dropped(server):
    server.on('GET', '/v1/support', (200, {'support': {'__wabiz_duplicate_keys__': ['x:1']}, '__wabiz_duplicate_keys__': []}))
    assert make_client(server, username=None, password=None, token='t.o.k').get_support() == {'support': {}}


def test_duplicate_support_object_is_marked_for_the_normalizer(server):
    text = '{"support": {"a:1": {"role": "coreapp"}}, "support": {}}'
    server.on('GET', '/v1/support', (200, text, {'type': 'application/json'}))
    data = make_client(server, username=None, password=None, token='t.o.k').get_support()
    assert data == {'support': {}, '__wabiz_duplicate_keys__': ['support']}


@pytest.mark.parametrize('details', ['Token expired', 'token has expired', 'Expired token', 'Invalid token: expired'])
def test_expired_given_token_is_auth_failed_not_app_expired(server, details):
    server.on('GET', '/v1/support', (401, envelope(1005, 'Access denied', details)))
    client = make_client(server, username=None, password=None, token='old.tok.en')
    error, _elapsed = timed(client.get_support)
    assert error.code == 'auth_failed'
    assert 'given token was refused' in error.message


def test_expired_token_after_fresh_login_is_auth_failed(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (401, envelope(1005, 'Access denied', 'Token expired')))
    error, _elapsed = timed(make_client(server).get_support)
    assert error.code == 'auth_failed'
    assert [c[:2] for c in server.calls].count(('POST', '/v1/users/login')) == 2


@pytest.mark.parametrize('status,title,details', [
    (403, 'Access denied', 'App Expired: a version upgrade is required'),
    (401, 'Access denied', 'app expired - version upgrade required'),
    (500, 'App Expired', ''),
    (403, 'Access denied', 'Application expired; an upgrade is required'),
])
def test_app_expired_wording_variants(server, status, title, details):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (status, envelope(1005, title, details)))
    error, _elapsed = timed(make_client(server).get_support)
    assert error.code == 'app_expired'


def test_missing_ca_file_is_a_clear_tls_error(tmp_path):
    with pytest.raises(WabizError) as info:
        Client('https://wa.example.com', token='x.y.z', ca_path=str(tmp_path / 'nope.pem'))
    assert info.value.code == 'tls_error'
    assert 'nope.pem' in info.value.message
    assert 'does not exist' in info.value.message


def test_unparseable_ca_file_is_a_clear_tls_error(tmp_path):
    bad = tmp_path / 'ca.pem'
    bad.write_text('this is not a certificate\n')
    with pytest.raises(WabizError) as info:
        Client('https://127.0.0.1:9', token='x.y.z', ca_path=str(bad))
    assert info.value.code == 'tls_error'
    assert 'ca.pem holds no usable PEM CA certificate' in info.value.message


@pytest.mark.parametrize('url', [
    'https://wa.example.com:99999', 'https://wa.example.com:abc', 'https://wa example.com', 'https://bob:pw@:9090',
    'https://wa.example.com:9090/a b', 'ftp://bob:pw@wa.example.com', 'https://[::1', 'https://wa.example.com\n:9090',
    None, 42,
])
def test_unparseable_url_is_a_clear_error_without_user_info(url):
    with pytest.raises(WabizError) as info:
        Client(url, token='x.y.z')
    assert info.value.code == 'unreachable'
    assert 'url must look like' in info.value.message
    assert 'pw' not in info.value.message


ECHO_PASSWORD = 'S3cret!pass'
ECHO_BASIC = 'bW9uaXRvcjpTM2NyZXQhcGFzcw=='  # base64('monitor:S3cret!pass')


def assert_no_secret(*texts):
    for text in texts:
        for secret in (ECHO_PASSWORD, ECHO_BASIC, 'aaa.bbb.ccc', 'given.tok.en'):
            assert secret not in text


@pytest.mark.parametrize('route,answer', [
    ('/v1/support', (500, envelope(1014, 'Internal error', 'bad header Authorization: Bearer aaa.bbb.ccc')), ),
    ('/v1/support', (502, '<html><title>Bad Gateway Bearer aaa.bbb.ccc</title><body>Authorization: Bearer aaa.bbb.ccc</body></html>')),
    ('/v1/support', (200, 'Authorization: Bearer aaa.bbb.ccc is not json', {'type': 'text/plain'})),
    ('/v1/support', (404, envelope(1006, 'Basic %s' % ECHO_BASIC, 'monitor:%s' % ECHO_PASSWORD))),
])
def test_echoed_credentials_are_masked_in_errors(server, route, answer):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', route, answer)
    client = make_client(server, retries=0)
    error, _elapsed = timed(client.get_support)
    assert error.code in ('api_error', 'bad_response')
    assert_no_secret(str(error), json.dumps(error.to_dict()), *client.warnings)
    assert '********' in str(error) + json.dumps(error.to_dict())


def test_echoed_credentials_are_masked_in_retry_warnings_and_login_errors(server):
    server.on('POST', '/v1/users/login',
              (503, envelope(1016, 'System overloaded', 'Authorization: Basic %s' % ECHO_BASIC)),
              (400, envelope(1009, 'Parameter value is not valid', 'password %s is wrong' % ECHO_PASSWORD)))
    client = make_client(server, retries=1)
    error, _elapsed = timed(client.get_support)
    assert error.code == 'api_error'
    assert client.warnings
    assert_no_secret(str(error), json.dumps(error.to_dict()), *client.warnings)


def test_basic_credentials_are_declared_secret(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    client = make_client(server)
    client.login()
    assert ECHO_BASIC in client.secrets
    assert 'aaa.bbb.ccc' in client.secrets


@pytest.mark.parametrize('location', [
    'http://127.0.0.1:1/v1/users/login',
    'https://evil.example.com/v1/users/login?user=monitor&password=S3cret!pass',
    'https://bob:S3cret!pass@evil.example.com/steal',
])
def test_redirects_are_refused_with_a_clear_error(server, location):
    server.on('POST', '/v1/users/login', (307, '', {'headers': {'Location': location}}))
    client = make_client(server)
    error, _elapsed = timed(client.get_support)
    assert error.code == 'bad_response'
    assert 'redirect' in error.message
    assert 'never followed' in error.message
    assert_no_secret(str(error), json.dumps(error.to_dict()))
    assert [c[:2] for c in server.calls] == [('POST', '/v1/users/login')]


@pytest.mark.parametrize('text', [
    '{"account": {"shards": 1.9}}', '{"account": {"shards": 1e999}}', '{"account": {"shards": Infinity}}',
    '{"account": {"shards": NaN}}', '{"account": {"shards": "' + '9' * 5000 + '"}}',
])
def test_shard_count_that_is_not_an_exact_integer_is_reported_not_truncated(server, text):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/account/shards', (200, text, {'type': 'application/json'}))
    count, reason = make_client(server).get_shard_count()
    assert reason is None and isinstance(count, str) and len(count) <= 43
    # the checks turn it into the critical shard_count_invalid, never a truncated count
    report = evaluate({'support': KEYED['support']}, shard_count=count)
    assert report['cluster']['shard_count_source'] != 'api'
    assert [f['severity'] for f in report['findings'] if f['code'] == 'shard_count_invalid'][:1] == ['critical']
    assert report['status'] == 'critical'


@pytest.mark.parametrize('text,expected', [
    ('{"account": {"shards": 4}}', 4), ('{"account": {"shards": 4.0}}', 4), ('{"account": {"shards": "8"}}', 8),
])
def test_shard_count_benign_encodings(server, text, expected):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/account/shards', (200, text, {'type': 'application/json'}))
    assert make_client(server).get_shard_count() == (expected, None)


def test_password_beyond_latin1_logs_in_as_utf8(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    client = make_client(server, password='Pässwörd€1')
    assert client.login() == 'aaa.bbb.ccc'
    assert server.calls[0][2] == 'Basic ' + base64.b64encode('monitor:Pässwörd€1'.encode('utf-8')).decode('ascii')


def test_huge_error_texts_are_clipped_after_masking(server):
    details = 'x' * 995 + 'aaa.bbb.ccc' + 'y' * 1000000  # the token straddles the cut at 1000
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (500, envelope(1014, 'Internal error ' + 'z' * 100000, details)))
    error, _elapsed = timed(make_client(server, retries=0).get_support)
    assert error.code == 'api_error'
    assert len(error.message) < 2100
    assert error.message.endswith('more characters)')
    assert len(error.details['details']) < 1100
    assert len(error.details['title']) < 1100
    assert_no_secret(str(error), json.dumps(error.to_dict()))
    assert 'aaa.bbb' not in str(error) and 'aaa.b' not in json.dumps(error.to_dict())


def test_huge_retry_warnings_are_clipped_after_masking(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (503, envelope(1016, 'System overloaded', 'aaa.bbb.ccc ' + 'y' * 1000000)), (200, SUPPORT))
    client = make_client(server, retries=1)
    assert client.get_support() == SUPPORT
    retried = [warning for warning in client.warnings if 'answered HTTP 503' in warning]
    assert len(retried) == 1
    assert len(retried[0]) < 2100
    assert 'aaa.bbb.ccc' not in retried[0] and '********' in retried[0]
    assert retried[0].endswith('(attempt 1 of 2), retrying in 0.5 s')


def test_stalled_body_seen_by_the_read_timeout_is_a_timeout_too(server):
    """requests reports a read timeout while streaming a body as a ConnectionError: still a timeout."""
    server.on('GET', '/v1/support', (200, '', {'raw': HEAD_200 + b'{"sup', 'stall': 3}))
    client = make_client(server, username=None, password=None, token='t.o.k', timeout=0.5, retries=0)
    client._deadline.start = lambda seconds: None  # only requests' own per-read timeout is left
    error, _elapsed = timed(client.get_support)
    assert error.code == 'timeout'
    assert 'no complete answer within 0.5 s (the answer stalled)' in error.message


@pytest.mark.parametrize('timeout', [float('inf'), 1e300, float('nan'), -1, '-0.5'])
def test_a_timeout_that_cannot_bound_an_attempt_is_refused_before_any_request(timeout):
    # inf and 1e300 crashed the deadline timer (OverflowError, a MODULE FAILURE without code),
    # nan and negative values gave "no complete answer within nan s" after useless attempts
    with pytest.raises(WabizError) as info:
        Client('https://127.0.0.1:1/x', token='t', timeout=timeout)
    assert info.value.code == 'invalid_option'
    assert 'timeout must be a number of seconds above 0 and at most 86400' in info.value.message


def test_a_json_null_answer_is_called_json_not_non_json(server):
    # "the answer (HTTP 200) is not JSON: 'null'" sent the operator looking for a proxy page
    server.on('GET', '/v1/support', (200, 'null', {'type': 'application/json'}))
    with pytest.raises(WabizError) as info:
        make_client(server, token='given.tok.en').get_support()
    assert info.value.code == 'bad_response'
    assert info.value.message.endswith('/v1/support: unexpected answer (HTTP 200), expected a JSON object')


# ---- tokens that cannot be a header value (review) -------------------------------------------------------------

@pytest.mark.parametrize('token', ['SecretTok\n', ' SecretTok', 'Secret\x01Tok', 'Secret\u2603Tok', 'SecretTok '])
def test_a_given_token_that_cannot_be_a_header_is_an_invalid_option_that_never_shows_it(server, token):
    with pytest.raises(WabizError) as caught:
        make_client(server, username=None, password=None, token=token)
    assert caught.value.code == 'invalid_option'
    assert 'Secret' not in str(caught.value) and 'Tok' not in str(caught.value)
    assert server.calls == []


def test_a_login_token_that_cannot_be_a_header_is_a_bad_response_that_never_shows_it(server):
    server.on('POST', '/v1/users/login', (200, {'users': [{'token': 'Srv\r\nTok3n', 'expires_after': 'x'}]}))
    server.on('GET', '/v1/support', (200, SUPPORT))
    client = make_client(server)
    with pytest.raises(WabizError) as caught:
        with client:
            client.fetch()
    assert caught.value.code == 'bad_response'
    assert 'Tok3n' not in str(caught.value) and 'Tok3n' not in json.dumps(caught.value.to_dict())
    assert ('GET', '/v1/support') not in [c[:2] for c in server.calls]


def test_a_kept_token_that_cannot_be_a_header_is_ignored_and_replaced_by_a_login(server):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, SUPPORT))
    client = make_client(server, session_token='Kept\r\nX-Evil: 1', keep_session=True)
    with client:
        client.fetch()
        assert client.session_token() == 'aaa.bbb.ccc'
    assert [c[:2] for c in server.calls][:2] == [('POST', '/v1/users/login'), ('GET', '/v1/support')]
