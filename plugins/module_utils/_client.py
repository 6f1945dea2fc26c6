# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""The one HTTP client of the collection: login and token reuse, TLS, timeouts, retries and the
API's error envelope. Every failure leaves this file as a WabizError with a stable code.

It only reads: GET /v1/support, GET /v1/account/shards, POST /v1/users/login (never with
``new_password``) and POST /v1/users/logout for a token it obtained itself.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re
import time
import traceback

from email.utils import parsedate_tz, mktime_tz

from ansible_collections.wabiz.onprem.plugins.module_utils._support import is_keyed

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for the import sanity test
    from urlparse import urlsplit, urlunsplit  # type: ignore

try:
    import requests
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    requests = None
    HTTPAdapter = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

USER_AGENT = 'wabiz.onprem/0.1.0'
DEFAULT_TIMEOUT = 10
DEFAULT_RETRIES = 2
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_RETRY_WAIT = 30.0
RETRIABLE_STATUS = frozenset((429, 503))
# Documented as retriable: 1015 Too many requests, 1016 System overloaded,
# 1017 Not Primary Master, 1018 Not Primary Coreapp (failover in progress).
RETRIABLE_API_CODES = frozenset((1015, 1016, 1017, 1018))
RATE_LIMIT_API_CODES = frozenset((1015, 1016))
ERROR_CODES = (
    'unreachable', 'timeout', 'tls_error', 'auth_failed', 'password_change_required',
    'rate_limited', 'app_expired', 'api_error', 'bad_response', 'invalid_policy',
)


class WabizError(Exception):
    """A failure with a stable ``code`` (see ERROR_CODES) and a message fit for an operator."""

    def __init__(self, code, message, **details):
        super(WabizError, self).__init__('[%s] %s' % (code, message))
        self.code = code
        self.message = message
        self.details = dict((k, v) for k, v in details.items() if v is not None)

    @property
    def reachable(self):
        """True when the webapp answered at the HTTP level."""
        return self.code not in ('unreachable', 'timeout', 'tls_error')

    def to_dict(self):
        result = {'code': self.code, 'message': self.message}
        result.update(self.details)
        return result


class _Response(object):
    __slots__ = ('status', 'headers', 'text', 'data')

    def __init__(self, status, headers, text, data):
        self.status = status
        self.headers = headers
        self.text = text
        self.data = data

    @property
    def api_error(self):
        """The first entry of the error envelope as a dict, or None."""
        errors = self.data.get('errors') if isinstance(self.data, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return errors[0]
        return None

    @property
    def api_code(self):
        error = self.api_error
        try:
            return int(error.get('code')) if error else None
        except (TypeError, ValueError):
            return None


def _describe_error(error):
    return ' '.join(str(error.get(k)) for k in ('code', 'title', 'details') if error.get(k) not in (None, ''))


def _looks_like_html(text):
    head = text.lstrip()[:200].lower()
    return head.startswith('<!doctype') or head.startswith('<html') or '<body' in head or '<title' in head


def _html_title(text):
    lower = text.lower()
    start = lower.find('<title>')
    end = lower.find('</title>')
    if 0 <= start < end:
        return ' '.join(text[start + 7:end].split())[:120]
    return ''


def _retry_after_seconds(value):
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = parsedate_tz(value)
        if parsed:
            return max(0.0, mktime_tz(parsed) - time.time())
    return None


def public_url(url):
    """The URL fit for messages and reports: no user info, query or fragment; None for a non-string."""
    if not isinstance(url, str) or not url.strip():
        return None
    parts = urlsplit(url.strip())
    netloc = parts.netloc.rsplit('@', 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, '', ''))


class Client(object):
    """One webapp endpoint: one requests.Session, one bearer token reused for every call.

    ``url`` may carry a path prefix (a webapp behind a reverse proxy: https://gw/wa/eu-1).
    ``warn`` is called with operator-facing warnings, ``on_secret`` with every secret the client
    learns at run time (the token obtained at login) so callers can mask it.
    """

    def __init__(self, url, username=None, password=None, token=None, validate_certs=True, ca_path=None,
                 timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES, backoff=0.5, warn=None, on_secret=None,
                 max_body_bytes=MAX_BODY_BYTES, sleep=time.sleep):
        if not HAS_REQUESTS:
            raise RuntimeError('the Python library requests is required')
        parts = urlsplit(url or '')
        if parts.scheme not in ('https', 'http') or not parts.hostname:
            raise WabizError('unreachable', 'url must look like https://HOST[:PORT][/PREFIX], got %r' % (public_url(url) or ''))
        self.url = public_url(url).rstrip('/')
        self.username = username
        self.password = password
        self.timeout = float(timeout) if timeout else DEFAULT_TIMEOUT
        self.retries = max(0, int(retries or 0))
        self.backoff = backoff
        self.max_body_bytes = max_body_bytes
        self._warn = warn or (lambda msg: None)
        self._on_secret = on_secret or (lambda value: None)
        self._sleep = sleep
        self._given_token = token
        self._token = token
        self._own_token = False
        self.verify = (ca_path or True) if validate_certs else False
        if parts.scheme == 'http':
            self._warn('%s uses plain http: the password and the token travel unencrypted' % self.url)
        elif not validate_certs:
            self._warn('TLS certificate validation is off for %s: anyone on the path can read the token' % self.url)
        self.session = requests.Session()
        self.session.headers['User-Agent'] = USER_AGENT
        self.session.headers['Accept'] = 'application/json'
        self.session.mount(self.url, HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0))
        if token:
            self._on_secret(token)

    # ---- context manager -------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Log out a token this client obtained itself (best effort) and close the session."""
        try:
            if self._own_token and self._token:
                self._send('POST', '/v1/users/logout', headers={'Authorization': 'Bearer %s' % self._token}, retry=False)
        except WabizError:
            pass
        finally:
            self._token = None if self._own_token else self._token
            self.session.close()

    # ---- transport ---------------------------------------------------------------------------
    def _send(self, method, path, headers=None, auth=None, json_body=None, retry=True):
        """One HTTP exchange with retries on connection errors, 429/503 and retriable API codes."""
        url = self.url + path
        attempts = self.retries + 1 if retry else 1
        last_error = None
        for attempt in range(attempts):
            if attempt:
                self._sleep(last_error[1])
            try:
                response = self._exchange(method, url, headers, auth, json_body)
            except WabizError as error:
                if error.code in ('unreachable', 'timeout') and attempt + 1 < attempts:
                    last_error = (error, self._backoff(attempt))
                    self._warn('%s (attempt %d of %d), retrying' % (error.message, attempt + 1, attempts))
                    continue
                raise
            retriable = response.status in RETRIABLE_STATUS or response.api_code in RETRIABLE_API_CODES
            if retriable and attempt + 1 < attempts:
                wait = _retry_after_seconds(response.headers.get('Retry-After'))
                wait = self._backoff(attempt) if wait is None else min(wait, MAX_RETRY_WAIT)
                last_error = (response, wait)
                self._warn('%s %s answered HTTP %s%s (attempt %d of %d), retrying in %.1f s' % (
                    method, self.url + path, response.status,
                    ' (%s)' % _describe_error(response.api_error) if response.api_error else '', attempt + 1, attempts, wait))
                continue
            return response
        raise AssertionError('unreachable code')  # pragma: no cover

    def _backoff(self, attempt):
        return min(self.backoff * (2 ** attempt), 8.0)

    def _exchange(self, method, url, headers, auth, json_body):
        where = '%s %s' % (method, url)
        try:
            raw = self.session.request(method, url, headers=headers, auth=auth, json=json_body, timeout=self.timeout,
                                       verify=self.verify, stream=True, allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise WabizError('tls_error', '%s: TLS failed (%s). Give ca_path with the CA that signed the webapp '
                             'certificate, or set validate_certs=false only for a test' % (where, _short(exc)))
        except requests.exceptions.Timeout:
            raise WabizError('timeout', '%s: no answer within %s s' % (where, self.timeout))
        except requests.exceptions.InvalidURL as exc:
            raise WabizError('unreachable', '%s: invalid URL (%s)' % (where, _short(exc)))
        except requests.exceptions.RequestException as exc:
            raise WabizError('unreachable', '%s: cannot connect (%s)' % (where, _short(exc)))
        try:
            text = self._read(raw, where)
        finally:
            raw.close()
        data = None
        if text.strip():
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            except RecursionError:
                raise WabizError('bad_response', '%s: JSON nested too deeply to be a webapp answer' % where, status=raw.status_code)
        return _Response(raw.status_code, raw.headers, text, data)

    def _read(self, raw, where):
        declared = raw.headers.get('Content-Length')
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise WabizError('bad_response', '%s: answer of %s bytes is over the %d byte limit' % (where, declared, self.max_body_bytes),
                             status=raw.status_code)
        chunks = []
        size = 0
        try:
            for chunk in raw.iter_content(65536):
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise WabizError('bad_response', '%s: answer is over the %d byte limit' % (where, self.max_body_bytes),
                                     status=raw.status_code)
                chunks.append(chunk)
        except requests.exceptions.Timeout:
            raise WabizError('timeout', '%s: the answer stalled for more than %s s' % (where, self.timeout))
        except requests.exceptions.RequestException as exc:
            raise WabizError('bad_response', '%s: the answer was cut off (%s)' % (where, _short(exc)), status=raw.status_code)
        return b''.join(chunks).decode('utf-8', 'replace')

    # ---- API ---------------------------------------------------------------------------------
    def login(self):
        """POST /v1/users/login with Basic auth; keeps the token for the following calls."""
        if not (self.username and self.password):
            raise WabizError('auth_failed', 'no usable credentials for %s: give token, or username and password' % self.url)
        response = self._send('POST', '/v1/users/login', auth=(str(self.username), str(self.password)))
        where = 'login to %s as %s' % (self.url, self.username)
        error = response.api_error
        if response.api_code == 1024:
            raise WabizError('password_change_required', '%s: the account still has its first password and must change it '
                             '(error 1024 Password Change Required). Log in once by hand with new_password; this collection '
                             'never changes a client' % where, status=response.status)
        self._raise_common(response, where, login=True)
        users = response.data.get('users') if isinstance(response.data, dict) else None
        token = users[0].get('token') if isinstance(users, list) and users and isinstance(users[0], dict) else None
        if response.status != 200 or error or not isinstance(token, str) or not token:
            raise self._unexpected(response, where, 'a token in users[0].token')
        self._on_secret(token)
        self._token = token
        self._own_token = True
        return token

    def get(self, path):
        """GET an authenticated endpoint and return its JSON object. Logs in when needed and once
        more on a 401 for a token it obtained itself."""
        if not self._token:
            self.login()
        where = 'GET %s%s' % (self.url, path)
        response = self._send('GET', path, headers={'Authorization': 'Bearer %s' % self._token})
        if response.status == 401 and self.username and self.password:
            self._token = None
            self.login()
            response = self._send('GET', path, headers={'Authorization': 'Bearer %s' % self._token})
        self._raise_common(response, where)
        if response.status != 200 or response.api_error or not isinstance(response.data, dict):
            raise self._unexpected(response, where, 'a JSON object')
        return response.data

    def get_support(self):
        return self.get('/v1/support')

    def get_shard_count(self):
        """Message shard count from GET /v1/account/shards, or (None, reason) when it cannot be read
        (the user lacks the role, the endpoint is missing, the answer is odd)."""
        try:
            data = self.get('/v1/account/shards')
        except WabizError as error:
            if error.code in ('api_error', 'bad_response', 'auth_failed'):
                return None, error.message
            raise
        account = data.get('account')
        shards = account.get('shards') if isinstance(account, dict) else None
        try:
            if isinstance(shards, bool):
                raise ValueError
            return int(shards), None
        except (TypeError, ValueError):
            return None, 'GET %s/v1/account/shards: no integer account.shards in the answer' % self.url

    def fetch(self):
        """Everything the checks need from one endpoint: the support body and the shard count."""
        support = self.get_support()
        shard_count, shard_error = (None, None)
        if isinstance(support.get('support'), dict) and is_keyed(support['support']):
            shard_count, shard_error = self.get_shard_count()
        return {'support': support, 'shard_count': shard_count, 'shard_count_error': shard_error}

    # ---- error mapping -----------------------------------------------------------------------
    def _raise_common(self, response, where, login=False):
        status = response.status
        error = response.api_error
        code = response.api_code
        if code == 1005 and error and 'expire' in str(error.get('details', '')).lower():
            raise WabizError('app_expired', '%s: the client build has expired (%s); upgrade it' % (where, _describe_error(error)),
                             status=status, api_code=code)
        if status == 401 or (login and code == 1005):
            if login:
                msg = '%s was refused (HTTP %s): check username and password' % (where, status)
            elif self._given_token and not self._own_token:
                msg = '%s: the given token was refused (HTTP 401): it is expired, revoked or unknown' % where
            else:
                msg = '%s: refused with HTTP 401 even after a fresh login' % where
            raise WabizError('auth_failed', msg, status=status, api_code=code)
        if status in RETRIABLE_STATUS or code in RATE_LIMIT_API_CODES:
            raise WabizError('rate_limited', '%s: still rate limited or overloaded after %d attempts (HTTP %s%s)' % (
                where, self.retries + 1, status, ', %s' % _describe_error(error) if error else ''),
                status=status, api_code=code, retry_after=response.headers.get('Retry-After'))
        if error:
            raise WabizError('api_error', '%s: the API answered error %s (HTTP %s)' % (where, _describe_error(error), status),
                             status=status, api_code=code, title=error.get('title'), details=error.get('details'))

    def _unexpected(self, response, where, expected):
        text = response.text
        if response.data is None and text.strip():
            if _looks_like_html(text):
                title = _html_title(text)
                return WabizError('bad_response', '%s: got an HTML page (HTTP %s%s) instead of JSON: a proxy or load balancer '
                                  'answered, not the webapp' % (where, response.status, ', "%s"' % title if title else ''),
                                  status=response.status)
            return WabizError('bad_response', '%s: the answer (HTTP %s) is not JSON: %r' % (where, response.status, text[:80]),
                              status=response.status)
        if response.status >= 400:
            return WabizError('api_error', '%s: unexpected HTTP %s' % (where, response.status), status=response.status)
        return WabizError('bad_response', '%s: unexpected answer (HTTP %s), expected %s' % (where, response.status, expected),
                          status=response.status)


_ERRNO_RE = re.compile(r"\[Errno -?\d+\] [^'\")]+")
_SSL_RE = re.compile(r"\[SSL[^\]]*\][^'\")]*")


def _short(exc):
    """The operator-relevant reason of a requests/urllib3 exception, without pool and object reprs."""
    text = str(exc)
    for pattern in (_SSL_RE, _ERRNO_RE):
        match = pattern.search(text)
        if match:
            return match.group(0).strip().rstrip('.')
    for known in ('Name or service not known', 'Temporary failure in name resolution', 'Connection refused',
                  'Connection reset by peer', 'Remote end closed connection without response', 'hostname mismatch',
                  'certificate verify failed', 'IncompleteRead', 'Connection broken'):
        if known in text:
            index = text.find(known)
            return re.split('[\'"]', text[index:index + 120], maxsplit=1)[0].rstrip(' ,.)(')
    if 'Caused by' in text:
        text = text.split('Caused by', 1)[1].strip(' :(')
    return re.sub(r'<[^>]*>:? ?', '', text)[:200]
