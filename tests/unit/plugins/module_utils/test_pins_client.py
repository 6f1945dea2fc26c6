# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the client's parsing helpers and error mapping (_client.py), no network: what the mutation run
showed unpinned (issue 13)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils import _client
from ansible_collections.wabiz.onprem.plugins.module_utils._client import (
    Client, WabizError, _Response, _describe_error, _html_title, _looks_like_html, _retry_after_seconds, _short, public_url)


def client(**kwargs):
    return Client('https://127.0.0.1:9/wa', username='admin', password='hunter2-secret', retries=2, **kwargs)


def response(status, data=None, text='', headers=None):
    return _Response(status, headers or {}, text, data)


def error_of(call):
    with pytest.raises(WabizError) as info:
        call()
    return info.value.to_dict()


def test_wabiz_error():
    error = WabizError('api_error', 'boom', status=500, api_code=None, title='')
    assert str(error) == '[api_error] boom'
    assert (error.code, error.message, error.details) == ('api_error', 'boom', {'status': 500, 'title': ''})
    assert error.to_dict() == {'code': 'api_error', 'message': 'boom', 'status': 500, 'title': ''}
    assert WabizError('timeout', 'slow').to_dict() == {'code': 'timeout', 'message': 'slow'}


def test_describe_error():
    assert _describe_error({'code': 1005, 'title': 'Access denied', 'details': 'no'}) == '1005 Access denied no'
    assert _describe_error({'code': 0, 'title': '', 'details': None, 'href': 'x'}) == '0'
    assert _describe_error({}) == ''


@pytest.mark.parametrize('text, expected', [
    ('<!DOCTYPE html><p>', True), ('  \n<HTML>', True), ('<?xml version="1.0"?>', True), ('x<body>', True),
    ('x <TITLE>t', True), ('{"a": "<b>"}', False), ('plain', False), (' ' * 401 + '<html>', True),
    ('x' * 400 + '<body>', False), ('x' * 395 + '<body>', True), ('x' * 396 + '<body>', False),
])
def test_looks_like_html(text, expected):
    assert _looks_like_html(text) is expected


def test_html_title():
    assert _html_title('<html><TITLE>\n 502   Bad\tGateway </title>') == '502 Bad Gateway'
    assert _html_title('<title>' + 'a' * 200 + '</title>') == 'a' * 120
    assert _html_title('</title><title>') == ''
    assert _html_title('<title></title>') == ''
    assert _html_title('no title') == ''


def test_retry_after_seconds():
    assert _retry_after_seconds(None) is None
    assert _retry_after_seconds('') is None
    assert _retry_after_seconds('7') == 7.0
    assert _retry_after_seconds('-3') == 0.0
    assert _retry_after_seconds('Wed, 21 Oct 2015 07:28:00 GMT') == 0.0
    assert _retry_after_seconds('soon') is None
    before = time.time()
    seconds = _retry_after_seconds('Fri, 01 Jan 2100 00:00:00 GMT')
    after = time.time()
    assert 4102444800 - after <= seconds <= 4102444800 - before  # 2100-01-01T00:00:00Z


def test_public_url():
    assert public_url(' https://u:p@w@gw.example:8443/wa/eu-1?token=x#f ') == 'https://gw.example:8443/wa/eu-1'
    assert public_url('https://gw') == 'https://gw'
    assert public_url('   ') is None
    assert public_url(3) is None
    assert public_url('http://[::1') is None


@pytest.mark.parametrize('text, expected', [
    ("HTTPSConnectionPool(host='h', port=1): Max retries (Caused by SSLError(SSLError(1, "
     "'[SSL: WRONG_VERSION_NUMBER] wrong version number.')))", '[SSL: WRONG_VERSION_NUMBER] wrong version number'),
    ("Max retries (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to "
     "establish a new connection: [Errno 111] Connection refused.'))", '[Errno 111] Connection refused'),
    ("('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
     'Remote end closed connection without response'),
    ("Connection broken: IncompleteRead(10 bytes read, 5 more expected)", 'IncompleteRead(10 bytes read, 5 more expected'),
    ('Max retries exceeded (Caused by ReadTimeoutError: <pool>: read timed out)', 'ReadTimeoutError: read timed out)'),
    ('<pool>: x' + 'y' * 300, 'x' + 'y' * 199),
])
def test_short(text, expected):
    assert _short(Exception(text)) == expected


# --- error mapping of answers --------------------------------------------------------------------------------------

def test_redirect_is_never_followed():
    assert error_of(lambda: client()._raise_common(response(302, headers={'Location': 'http://u:p@evil/x?q'}), 'GET /v1/x')) == {
        'code': 'bad_response', 'status': 302,
        'message': 'GET /v1/x: the answer is a redirect (HTTP 302) to http://evil/x; redirects are never followed, so '
                   'credentials never go to another host or over plain http: give the final address as url'}
    assert error_of(lambda: client()._raise_common(response(399), 'w'))['message'].startswith(
        'w: the answer is a redirect (HTTP 399) to an unknown place;')
    assert client()._raise_common(response(400), 'w') is None
    assert client()._raise_common(response(200, {'meta': {}}), 'w') is None


def test_app_expired_and_auth_failures():
    expired = {'errors': [{'code': 1005, 'title': 'App Expired', 'details': 'a version upgrade is required'}]}
    assert error_of(lambda: client()._raise_common(response(403, expired), 'GET /v1/x')) == {
        'code': 'app_expired', 'status': 403, 'api_code': 1005,
        'message': 'GET /v1/x: the client build has expired (1005 App Expired a version upgrade is required); upgrade it'}
    denied = {'errors': [{'code': 1005, 'title': 'Access denied'}]}
    assert error_of(lambda: client()._raise_common(response(403, denied), 'login', login=True)) == {
        'code': 'auth_failed', 'status': 403, 'api_code': 1005,
        'message': 'login was refused (HTTP 403): check username and password'}
    assert error_of(lambda: client()._raise_common(response(401), 'GET /v1/x')) == {
        'code': 'auth_failed', 'status': 401, 'message': 'GET /v1/x: refused with HTTP 401 even after a fresh login'}
    given = Client('https://127.0.0.1:9', token='tok-123456')
    assert error_of(lambda: given._raise_common(response(401), 'GET /v1/x'))['message'] == (
        'GET /v1/x: the given token was refused (HTTP 401): it is expired, revoked or unknown')
    assert error_of(lambda: client()._raise_common(response(403, denied), 'GET /v1/x'))['code'] == 'api_error'


def test_rate_limited_and_api_errors():
    assert error_of(lambda: client()._raise_common(response(503, headers={'Retry-After': '4'}), 'GET /v1/x')) == {
        'code': 'rate_limited', 'status': 503, 'retry_after': '4',
        'message': 'GET /v1/x: still rate limited or overloaded after 3 attempts (HTTP 503)'}
    busy = {'errors': [{'code': 1016, 'title': 'System overloaded'}]}
    assert error_of(lambda: client()._raise_common(response(200, busy), 'GET /v1/x')) == {
        'code': 'rate_limited', 'status': 200, 'api_code': 1016,
        'message': 'GET /v1/x: still rate limited or overloaded after 3 attempts (HTTP 200, 1016 System overloaded)'}
    failed = {'errors': [{'code': 1006, 'title': 'Resource not found', 'details': 'no such node: hunter2-secret'}]}
    assert error_of(lambda: client()._raise_common(response(404, failed), 'GET /v1/x')) == {
        'code': 'api_error', 'status': 404, 'api_code': 1006, 'title': 'Resource not found',
        'details': 'no such node: ********',
        'message': 'GET /v1/x: the API answered error 1006 Resource not found no such node: ******** (HTTP 404)'}


def test_unexpected_answers():
    c = client()
    assert c._unexpected(response(502, None, '<html><title>502 Bad Gateway</title>'), 'GET /v1/x', 'JSON').to_dict() == {
        'code': 'bad_response', 'status': 502,
        'message': 'GET /v1/x: got an HTML page (HTTP 502, "502 Bad Gateway") instead of JSON: a proxy or load balancer '
                   'answered, not the webapp'}
    assert c._unexpected(response(200, None, '<html><body>hi'), 'w', 'JSON').to_dict()['message'] == (
        'w: got an HTML page (HTTP 200) instead of JSON: a proxy or load balancer answered, not the webapp')
    assert c._unexpected(response(200, None, 'pw hunter2-secret ' + 'z' * 100), 'w', 'JSON').to_dict() == {
        'code': 'bad_response', 'status': 200, 'message': "w: the answer (HTTP 200) is not JSON: 'pw ******** " + 'z' * 68 + "'"}
    assert c._unexpected(response(400, None, '  '), 'w', 'JSON').to_dict() == {
        'code': 'api_error', 'status': 400, 'message': 'w: unexpected HTTP 400'}
    assert c._unexpected(response(399, {'a': 1}, '{"a": 1}'), 'w', 'a support body').to_dict() == {
        'code': 'bad_response', 'status': 399, 'message': 'w: unexpected answer (HTTP 399), expected a support body'}


def test_module_constants():
    assert _client.RETRIABLE_STATUS == frozenset((429, 503))
    assert _client.RATE_LIMIT_API_CODES == frozenset((1015, 1016))


@pytest.mark.parametrize('phrase', ['Name or service not known', 'Temporary failure in name resolution', 'Connection refused',
                                    'Connection reset by peer', 'hostname mismatch', 'certificate verify failed',
                                    'Connection broken'])
def test_short_each_known_phrase(phrase):
    text = "HTTPSConnectionPool(host='h', port=1): Max retries exceeded (Caused by X(\"<obj at 0x1>: %s, h\"))" % phrase
    assert _short(Exception(text)) == phrase + ', h'


def test_short_first_known_phrase_and_first_caused_by():
    assert _short(Exception('Connection refused by h; then Connection refused again')) == (
        'Connection refused by h; then Connection refused again')
    assert _short(Exception('a (Caused by(Foo: b Caused by c))')) == 'Foo: b Caused by c))'


def test_status_300_is_a_redirect():
    assert error_of(lambda: client()._raise_common(response(300), 'w'))['message'].startswith(
        'w: the answer is a redirect (HTTP 300) to an unknown place;')


def test_html_title_of_a_page_with_two_titles_is_the_first():
    assert _html_title('<title>a</title><title>b</title>') == 'a'


def test_short_trims_only_its_own_characters():
    assert _short(Exception("SSLError('[SSL: X] BOX.')")) == '[SSL: X] BOX'
    assert _short(Exception("x: Connection refused X")) == 'Connection refused X'
    assert _short(Exception('Connection refused ' + 'a' * 200)) == 'Connection refused ' + 'a' * 101  # 120 characters
    assert _short(Exception('pool (Caused by X: y X')) == 'X: y X'


def test_unknown_error_code_message():
    with pytest.raises(ValueError) as info:
        raise WabizError('not_a_code', 'm')
    assert str(info.value) == "WabizError: 'not_a_code' is not one of ERROR_CODES"
