# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the environment may and may not change in the client (netrc, proxies, CA bundles), read once per
Client; the SSL context shared by the clients of one CA file; the one deadline watchdog thread of a process; the
bounds of a JSON answer."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import contextlib
import json
import os
import re
import signal
import socket
import ssl
import threading
import time

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme


from ansible_collections.wabiz.onprem.plugins.module_utils import _client
from ansible_collections.wabiz.onprem.plugins.module_utils._client import Client, WabizError
from ansible_collections.wabiz.onprem.plugins.module_utils._support import DUPLICATE_KEYS
from ansible_collections.wabiz.onprem.tests.unit.plugins.module_utils.test_client import LOGIN_OK, SUPPORT, make_client
from ansible_collections.wabiz.onprem.tests.unit.plugins.module_utils.test_client import server  # noqa: F401 pylint: disable=unused-import

ENVIRONMENT = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY',
               'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'NETRC')


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# ---- netrc: never a source of credentials ---------------------------------------------------------------------

@pytest.fixture
def netrc(tmp_path, monkeypatch):
    """A ~/.netrc (by $NETRC and by $HOME) with credentials for every host."""
    text = 'machine 127.0.0.1 login netrcuser password netrcpass\ndefault login netrcuser password netrcpass\n'
    for path in (tmp_path / 'netrc', tmp_path / '.netrc'):
        path.write_text(text)
        path.chmod(0o600)
    monkeypatch.setenv('NETRC', str(tmp_path / 'netrc'))
    monkeypatch.setenv('HOME', str(tmp_path))


def test_a_netrc_never_replaces_the_given_token(server, netrc):
    # it did: requests applied the netrc entry over our header, sending the netrc password and not the token
    server.on('GET', '/v1/support', (200, SUPPORT))
    with make_client(server, username=None, password=None, token='given.tok.en') as client:
        assert client.get_support() == SUPPORT
    assert server.calls == [('GET', '/v1/support', 'Bearer given.tok.en')]


def test_a_netrc_never_replaces_the_login_or_the_token_it_gave(server, netrc):
    server.on('POST', '/v1/users/login', (200, LOGIN_OK))
    server.on('GET', '/v1/support', (200, SUPPORT))
    server.on('POST', '/v1/users/logout', (200, {'meta': {}}))
    with make_client(server) as client:
        client.get_support()
    basic = 'Basic %s' % base64.b64encode(b'monitor:S3cret!pass').decode('ascii')
    assert [call[2] for call in server.calls] == [basic, 'Bearer aaa.bbb.ccc', 'Bearer aaa.bbb.ccc']


# ---- proxies: what the environment says, read once per client -------------------------------------------------

def test_the_proxy_of_the_environment_is_used(server, monkeypatch):
    monkeypatch.setenv('HTTP_PROXY', server.url)
    server.on('GET', 'http://wa.example.invalid/v1/support', (200, SUPPORT))
    client = Client('http://wa.example.invalid', token='given.tok.en', retries=0)
    assert client.get_support() == SUPPORT
    assert server.calls == [('GET', 'http://wa.example.invalid/v1/support', 'Bearer given.tok.en')]


# with a network (CIDR) as requests read it: the proxy got the requests of 127.0.0.0/8 or 10.0.0.0/8 once urllib3 replaced it
@pytest.mark.parametrize('no_proxy', ['127.0.0.1', '*', 'localhost,127.0.0.1', '127.0.0.0/8', '10.0.0.0/8, 127.0.0.0/24',
                                      'wa.example, 127.0.0.1/32'])
def test_no_proxy_of_the_environment_is_honoured(server, monkeypatch, no_proxy):
    monkeypatch.setenv('HTTP_PROXY', 'http://127.0.0.1:%d' % closed_port())
    monkeypatch.setenv('NO_PROXY', no_proxy)
    server.on('GET', '/v1/support', (200, SUPPORT))
    assert make_client(server, username=None, password=None, token='given.tok.en').get_support() == SUPPORT


def test_a_proxy_that_is_down_makes_the_webapp_unreachable(server, monkeypatch):
    monkeypatch.setenv('HTTP_PROXY', 'http://127.0.0.1:%d' % closed_port())
    with pytest.raises(WabizError) as caught:
        make_client(server, username=None, password=None, token='given.tok.en', retries=0).get_support()
    assert caught.value.code == 'unreachable'
    assert server.calls == []


PROXY_PASSWORD = 'Pr0xy S3cr\u00eat'
PROXY_BASIC = base64.b64encode(('puser:%s' % PROXY_PASSWORD).encode('utf-8')).decode('ascii')


def test_the_proxy_password_is_a_secret_even_when_the_proxy_echoes_it(server, monkeypatch):
    # it was not: a proxy answering for a plain http webapp with the header it got put the proxy credentials in the message
    monkeypatch.setenv('HTTP_PROXY', server.url.replace('http://', 'http://puser:Pr0xy%20S3cr%C3%AAt@'))
    server.on('GET', 'http://wa.example.invalid/v1/support',
              (407, 'you sent Proxy-Authorization: Basic %s, password %s' % (PROXY_BASIC, PROXY_PASSWORD), {'type': 'text/plain'}))
    learned = []
    client = Client('http://wa.example.invalid', token='given.tok.en', retries=0, on_secret=learned.append)
    with pytest.raises(WabizError) as caught:
        client.get_support()
    assert caught.value.code == 'bad_response'
    assert PROXY_BASIC not in str(caught.value) and 'S3cr' not in str(caught.value)
    assert PROXY_BASIC in learned and PROXY_PASSWORD in learned
    assert server.calls == [('GET', 'http://wa.example.invalid/v1/support', 'Bearer given.tok.en')]


@pytest.mark.parametrize('proxy', ['http://puser:pw-Secret9@127.0.0.1:abc', 'http://puser:pw-Secret9@127.0.0.1:99999',
                                   'http://puser:pw-Secret9@', 'socks5://puser:pw-Secret9@127.0.0.1:1080',
                                   'ftp://puser:pw-Secret9@127.0.0.1:21'])
def test_a_proxy_variable_that_cannot_be_used_is_one_clear_error_without_its_password(proxy, monkeypatch):
    # it was a ValueError, TypeError or ProxySchemeUnknown out of Client(): a traceback in a module
    monkeypatch.setenv('HTTPS_PROXY', proxy)
    with pytest.raises(WabizError) as caught:
        Client('https://127.0.0.1:9', token='given.tok.en', retries=0)
    assert caught.value.code == 'unreachable'
    assert 'proxy' in caught.value.message and 'pw-Secret9' not in caught.value.message


@pytest.mark.parametrize('proxy', ['http://puser:p%C3%A4ss%E2%82%AC@127.0.0.1:', 'http://puser:pw@[::1]:'])
def test_proxy_credentials_beyond_latin_1_and_an_ipv6_proxy_are_used(proxy, monkeypatch):
    # UnicodeEncodeError (urllib3 encodes proxy credentials as latin-1), LocationParseError (brackets lost)
    port = closed_port()
    monkeypatch.setenv('HTTPS_PROXY', proxy + str(port))
    with pytest.raises(WabizError) as caught:
        Client('https://127.0.0.1:9', token='given.tok.en', retries=0).get_support()
    assert caught.value.code == 'unreachable' and 'cannot connect' in caught.value.message


def test_the_environment_is_read_when_the_client_is_made(server, monkeypatch):
    server.on('GET', '/v1/support', (200, SUPPORT))
    client = make_client(server, username=None, password=None, token='given.tok.en', retries=0)
    monkeypatch.setenv('HTTP_PROXY', 'http://127.0.0.1:%d' % closed_port())
    assert client.get_support() == SUPPORT


# ---- TLS: CA bundles of the options and of the environment, one SSL context per CA file --------------------------

@pytest.fixture
def tls(tmp_path):
    """An HTTPS server for 127.0.0.1 (certificate of ``tls.ca``) answering GET /v1/support; ``tls.other`` is a CA file
    that did not sign it."""
    ca = trustme.CA()
    other = trustme.CA()
    cert = ca.issue_cert('127.0.0.1')
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def do_GET(self):
            payload = json.dumps(SUPPORT).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    class Server(ThreadingHTTPServer):
        def get_request(self):
            sock, address = super(Server, self).get_request()
            return context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

        def handle_error(self, request, client_address):
            pass  # clients that refuse the certificate are part of the tests

    httpd = Server(('127.0.0.1', 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()

    class Info(object):
        url = 'https://127.0.0.1:%d' % httpd.server_address[1]
        ca = str(tmp_path / 'ca.pem')
        other = str(tmp_path / 'other.pem')

    ca.cert_pem.write_to_path(Info.ca)
    other.cert_pem.write_to_path(Info.other)
    yield Info
    httpd.shutdown()
    httpd.server_close()


def support(url, **options):
    return Client(url, token='given.tok.en', retries=0, timeout=5, **options).get_support()


def tls_error(url, **options):
    with pytest.raises(WabizError) as caught:
        support(url, **options)
    assert caught.value.code == 'tls_error', caught.value
    return caught.value


def test_ca_path_verifies_and_another_ca_is_refused(tls):
    assert support(tls.url, ca_path=tls.ca) == SUPPORT
    tls_error(tls.url, ca_path=tls.other)
    tls_error(tls.url)  # the default bundle does not hold a test CA


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_the_ca_bundle_variables_of_requests_are_not_read(tls, monkeypatch, variable):
    # documented in changelogs/fragments/client-urllib3.yml: ca_path (WABIZ_CA_PATH) says which CA to trust
    monkeypatch.setenv(variable, tls.ca)
    tls_error(tls.url)
    assert support(tls.url, ca_path=tls.ca) == SUPPORT


def test_validate_certs_false_ignores_every_ca(tls, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', tls.other)
    assert support(tls.url, validate_certs=False, ca_path=tls.other) == SUPPORT


def test_a_ca_directory_still_verifies(tls, tmp_path):
    directory = tmp_path / 'cadir'
    directory.mkdir()
    # OpenSSL finds a CA in a directory by the hash of its subject: c_rehash's name, computed by openssl itself
    hashed = _subject_hash(tls.ca)
    (directory / ('%s.0' % hashed)).write_bytes(open(tls.ca, 'rb').read())
    assert support(tls.url, ca_path=str(directory)) == SUPPORT
    empty = tmp_path / 'empty'
    empty.mkdir()
    tls_error(tls.url, ca_path=str(empty))


def _subject_hash(path):
    import subprocess
    try:
        return subprocess.check_output(['openssl', 'x509', '-subject_hash', '-noout', '-in', path]).decode().strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('no openssl command to name a CA directory entry')


def context_of(client):
    return client._pool.connection_pool_kw['ssl_context']


def test_clients_of_one_ca_file_share_one_context_that_holds_only_that_ca(tls):
    first = Client(tls.url, token='t.o.k', ca_path=tls.ca)
    second = Client(tls.url, token='t.o.k', ca_path=tls.ca)
    context = context_of(first)
    assert context is not None and context_of(second) is context
    for client in (first, second):
        assert client.get_support() == SUPPORT
    assert context.cert_store_stats()['x509_ca'] == 1  # no other bundle loaded into it by a connection
    # urllib3 1.x matches the name itself (it wraps an address's socket without server_hostname)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, not _client.URLLIB3_1)


def test_the_shared_context_still_checks_the_host_name(tls):
    assert support(tls.url, ca_path=tls.ca) == SUPPORT
    error = tls_error(tls.url.replace('127.0.0.1', 'localhost'), ca_path=tls.ca)  # the certificate names 127.0.0.1 only
    assert 'localhost' in error.message


def test_a_certificate_for_another_name_is_not_blamed_on_the_ca(tls):
    # the advice was "Give ca_path ..., or set validate_certs=false": wrong for a certificate the CA did sign
    error = tls_error(tls.url.replace('127.0.0.1', 'localhost'), ca_path=tls.ca)
    assert 'not issued for the host of url' in error.message
    assert 'validate_certs=false' not in error.message
    assert 'validate_certs=false' in tls_error(tls.url, ca_path=tls.other).message
    if not _client.URLLIB3_1:  # OpenSSL's words, the name quoted; the (_ssl.c:NNN) of the C source left out
        assert "certificate is not valid for 'localhost')" in error.message
        assert '_ssl.c' not in tls_error(tls.url, ca_path=tls.other).message


def test_a_changed_ca_file_gets_a_new_context(tls):
    first = Client(tls.url, token='t.o.k', ca_path=tls.ca)
    assert first.get_support() == SUPPORT
    with open(tls.other, 'rb') as handle:
        other = handle.read()
    time.sleep(0.01)
    with open(tls.ca, 'wb') as handle:
        handle.write(other)
    second = Client(tls.url, token='t.o.k', ca_path=tls.ca)
    assert context_of(second) is not context_of(first)
    tls_error(tls.url, ca_path=tls.ca)


def test_a_ca_file_that_became_unusable_is_refused_again(tls):
    assert support(tls.url, ca_path=tls.ca) == SUPPORT
    with open(tls.ca, 'w') as handle:
        handle.write('this is not a certificate any more\n')
    with pytest.raises(WabizError) as caught:
        Client(tls.url, token='t.o.k', ca_path=tls.ca)
    assert caught.value.code == 'tls_error'
    assert 'holds no usable PEM CA certificate' in caught.value.message
    os.remove(tls.ca)
    with pytest.raises(WabizError) as caught:
        Client(tls.url, token='t.o.k', ca_path=tls.ca)
    assert 'does not exist' in caught.value.message


def test_the_contexts_kept_are_bounded(tmp_path):
    for index in range(_client.MAX_SSL_CONTEXTS + 5):
        path = tmp_path / ('ca%d.pem' % index)
        trustme.CA().cert_pem.write_to_path(str(path))
        assert _client._ssl_context(True, str(path)) is not None
    assert len(_client._SSL_CONTEXTS) <= _client.MAX_SSL_CONTEXTS


# ---- the deadline watchdog: one thread per process, exactly the semantics of one timer per attempt -------------

def watchdog_threads():
    return [thread for thread in threading.enumerate() if thread.name == 'wabiz-deadline-watchdog']


def test_attempts_in_flight_share_one_watchdog_thread():
    deadlines = [_client._Deadline() for _index in range(50)]
    before = threading.active_count()
    for deadline in deadlines:
        deadline.start(30)
    try:
        assert threading.active_count() <= before + 1  # a threading.Timer per attempt made 50 threads
        assert len(watchdog_threads()) == 1
    finally:
        assert not any(deadline.stop() for deadline in deadlines)


@contextlib.contextmanager
def socket_pair_watched(deadline):
    """A connected socket pair whose left end ``deadline`` watches; both closed afterwards."""
    left, right = socket.socketpair()
    try:
        deadline.watch(object(), left)
        yield left, right
    finally:
        left.close()
        right.close()


def test_an_attempt_that_overruns_has_its_sockets_shut_down():
    deadline = _client._Deadline()
    deadline.start(0.2)
    with socket_pair_watched(deadline) as (left, right):
        left.settimeout(5)
        started = time.monotonic()
        assert left.recv(1) == b''  # the blocked read ends: shut down by the watchdog
        assert time.monotonic() - started < 4
        assert deadline.stop() is True
        assert deadline.stop() is False  # reported once


def test_an_attempt_stopped_in_time_is_never_expired_later():
    deadline = _client._Deadline()
    deadline.start(0.1)
    assert deadline.stop() is False
    deadline.start(30)
    with socket_pair_watched(deadline) as (left, right):
        time.sleep(0.3)  # the first attempt's due time passes during the second attempt
        right.sendall(b'x')
        left.settimeout(2)
        assert left.recv(1) == b'x'
        assert deadline.stop() is False


def test_a_late_call_for_an_earlier_attempt_changes_nothing():
    deadline = _client._Deadline()
    deadline.start(30)
    deadline.stop()
    deadline.start(30)
    deadline._expire(1)  # the watchdog's call for the first attempt, arriving during the second
    assert deadline.stop() is False


def test_a_socket_opened_after_the_deadline_passed_is_shut_down_at_once():
    deadline = _client._Deadline()
    deadline.start(0.05)
    time.sleep(0.3)
    with socket_pair_watched(deadline) as (left, right):
        left.settimeout(2)
        assert left.recv(1) == b''
        assert deadline.stop() is True


def test_deadlines_expire_in_their_order_whatever_the_order_they_started():
    expired = []
    done = threading.Event()

    class Recorder(_client._Deadline):
        def __init__(self, name):
            super(Recorder, self).__init__()
            self.name = name

        def _expire(self, generation):
            expired.append(self.name)
            if len(expired) == 3:
                done.set()

    for name, seconds in (('late', 0.6), ('early', 0.1), ('middle', 0.3)):
        Recorder(name).start(seconds)
    assert done.wait(5)
    assert expired == ['early', 'middle', 'late']


def test_many_cancelled_attempts_do_not_pile_up_in_the_watchdog():
    deadline = _client._Deadline()
    for _index in range(1000):
        deadline.start(60)
        deadline.stop()
    assert len(_client._WATCHDOG._heap) < 200


# ---- JSON bounds: the skeleton pass only when the raw counts could exceed them ----------------------------------

def nested(levels):
    return '[' * levels + ']' * levels


@pytest.mark.parametrize('text, refused', [
    ('{"a": "%s"}' % ('[{,' * _client.MAX_JSON_CONTAINERS), None),  # brackets and commas inside a string count for nothing
    ('{"a": "\\"%s"}' % ('[{,' * _client.MAX_JSON_CONTAINERS), None),  # nor after an escaped quote
    ('[%s]' % ','.join(['{}'] * _client.MAX_JSON_CONTAINERS), 'more than %d JSON containers' % _client.MAX_JSON_CONTAINERS),
    ('[%s]' % ','.join(['0'] * _client.MAX_JSON_VALUES), None),
    ('[%s]' % ','.join(['0'] * (_client.MAX_JSON_VALUES + 1)), 'more than %d JSON values' % _client.MAX_JSON_VALUES),
    (nested(_client.MAX_JSON_DEPTH), None),
    (nested(_client.MAX_JSON_DEPTH + 1), 'nested too deeply (more than %d levels)' % _client.MAX_JSON_DEPTH),
    ('{"a": [{"b": %s}]}' % nested(_client.MAX_JSON_DEPTH - 3), None),
    ('{"a": [{"b": %s}]}' % nested(_client.MAX_JSON_DEPTH - 2), 'nested too deeply'),
])
def test_the_json_bounds(text, refused):
    if refused:
        with pytest.raises(_client._JSONRefused, match=re.escape(refused)):
            _client._parse_json(text)
    else:
        assert _client._parse_json(text) == json.loads(text)


def test_json_that_is_not_json_is_none_and_duplicate_keys_are_marked():
    assert _client._parse_json('\ufeff{}') is None
    assert _client._parse_json('{"a": ') is None
    assert _client._parse_json('{"a": 1, "a": 2, "b": {"c": 1, "c": 3}}') == {
        'a': 2, 'b': {'c': 3, DUPLICATE_KEYS: ['c']}, DUPLICATE_KEYS: ['a']}


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='no fork')
@pytest.mark.filterwarnings('ignore:This process .* is multi-threaded')
def test_a_forked_child_gets_its_own_watchdog_even_when_the_parent_held_its_locks():
    deadline = _client._Deadline()
    deadline.start(30)  # the parent's watchdog thread runs
    try:
        with _client._WATCHDOG._cond, _client._SSL_CONTEXTS_LOCK:  # held by "another thread" at fork time
            pid = os.fork()
            if pid == 0:  # pragma: no cover (the child)
                code = 1
                signal.alarm(10)  # a child stuck on a lock the parent held dies, and the test fails
                try:
                    child = _client._Deadline()
                    child.start(0.1)
                    left, right = socket.socketpair()
                    child.watch(object(), left)
                    left.settimeout(5)
                    code = 0 if left.recv(1) == b'' and child.stop() and _client._ssl_context(False, None) is not None else 2
                finally:
                    os._exit(code)
        _pid, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        deadline.stop()


@pytest.mark.parametrize('urllib3_1', [False, True])
def test_an_answer_encoded_twice_is_refused_with_urllib3_1(server, monkeypatch, urllib3_1):
    # urllib3 1.x decodes all it reads at once: 1.8 KB of gzip in gzip made the client allocate 2 GB
    import gzip
    monkeypatch.setattr(_client, 'URLLIB3_1', urllib3_1)
    body = json.dumps(SUPPORT).encode()
    server.on('GET', '/v1/support', (200, gzip.compress(gzip.compress(body)), {'type': 'application/json', 'headers': {'Content-Encoding': 'gzip, gzip'}}))
    server.on('GET', '/once', (200, gzip.compress(body), {'type': 'application/json', 'headers': {'Content-Encoding': 'gzip'}}))
    client = make_client(server, username=None, password=None, token='given.tok.en', retries=0)
    assert client.get('/once') == SUPPORT
    if urllib3_1:
        with pytest.raises(WabizError) as caught:
            client.get_support()
        assert caught.value.code == 'bad_response' and 'encoded more than once' in caught.value.message
    else:
        assert client.get_support() == SUPPORT


def test_two_unequal_content_lengths_are_a_bad_response_not_an_unreachable_webapp(server):
    # it was "unreachable: cannot connect (Content-Length contained multiple unmatching values)", and retried
    server.on('GET', '/v1/support', (200, SUPPORT, {'headers': {'Content-Length': '1'}}))
    client = make_client(server, username=None, password=None, token='given.tok.en', retries=2)
    with pytest.raises(WabizError) as caught:
        client.get_support()
    assert caught.value.code == 'bad_response' and 'Content-Length' in caught.value.message
    assert len(server.calls) == 1
