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

import base64
import heapq
import ipaddress
import itertools
import json
import os
import re
import socket
import ssl
import threading
import time
import traceback

from email.utils import parsedate_tz, mktime_tz
from html import escape as html_escape

from ansible_collections.wabiz.onprem.plugins.module_utils._support import is_keyed, json_object_pairs, to_int, REDACTED

from urllib.parse import quote, unquote, urlsplit, urlunsplit
from urllib.request import getproxies, getproxies_environment, proxy_bypass

# urllib3 directly, not requests on top of it: requests' per-request work (settings merged from the environment,
# netrc, cookies, hooks) doubled the client's CPU time per request, which is what bounds a fleet read.
try:
    import urllib3
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import HTTPError as Urllib3Error, LocationParseError, NewConnectionError, SSLError as Urllib3SSLError
    from urllib3.exceptions import InvalidHeader, TimeoutError as Urllib3TimeoutError
    HAS_URLLIB3 = True
    URLLIB3_IMPORT_ERROR = None
    # urllib3 1.x: checks the host name of a certificate itself (see _ssl_context), decodes without bound (see _read)
    URLLIB3_1 = urllib3.__version__.startswith(('0.', '1.'))
except ImportError:
    urllib3 = None
    URLLIB3_1 = False
    Urllib3Error = Urllib3SSLError = Urllib3TimeoutError = LocationParseError = NewConnectionError = InvalidHeader = None
    HAS_URLLIB3 = False
    URLLIB3_IMPORT_ERROR = traceback.format_exc()

USER_AGENT = 'wabiz.onprem/0.1.0'
_HEADERS = {'User-Agent': USER_AGENT, 'Accept': 'application/json', 'Accept-Encoding': 'gzip, deflate'}
DEFAULT_TIMEOUT = 10
DEFAULT_RETRIES = 2
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_RETRY_WAIT = 30.0
RETRIABLE_STATUS = frozenset((429, 503))
# Documented as retriable: 1015 Too many requests, 1016 System overloaded,
# 1017 Not Primary Master, 1018 Not Primary Coreapp (failover in progress).
RETRIABLE_API_CODES = frozenset((1015, 1016, 1017, 1018))
RATE_LIMIT_API_CODES = frozenset((1015, 1016))
# Bounds of the work a JSON answer may cost (a webapp answers a few dozen nodes of a few dozen fields):
# a 31 MB body of [{},{},...] is under MAX_BODY_BYTES but would cost gigabytes once parsed.
MAX_JSON_CONTAINERS = 100000
MAX_JSON_VALUES = 1000000
MAX_JSON_DEPTH = 64
# Messages and text details quote what a server sent: kept readable whatever it sent.
MAX_MESSAGE_CHARS = 2000
MAX_DETAIL_CHARS = 1000
# The one list of error codes of the collection, documented in docs/data-model.md "Error codes" (a unit test
# holds the two together): the client's, then the modules' and roles' (missing_library, module_failed) and
# the inventory's (invalid_config, internal_error).
ERROR_CODES = (
    'unreachable', 'timeout', 'tls_error', 'auth_failed', 'password_change_required',
    'rate_limited', 'app_expired', 'api_error', 'bad_response', 'invalid_policy', 'invalid_option',
    'missing_library', 'module_failed', 'invalid_config', 'internal_error',
)
MAX_TIMEOUT = 86400  # a day: beyond it the deadline timer overflows or the run never ends


class WabizError(Exception):
    """A failure with a stable ``code`` (see ERROR_CODES) and a message fit for an operator."""

    def __init__(self, code, message, **details):
        if code not in ERROR_CODES:
            raise ValueError('WabizError: %r is not one of ERROR_CODES' % (code,))
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
        """The first entry of the error envelope as a dict, or None. The documented envelope is a list of objects; any
        other non-empty ``errors`` (an object, text, a list of text) is an error answer too, never ignored."""
        errors = self.data.get('errors') if isinstance(self.data, dict) else None
        if errors is None or errors in ([], {}, ''):
            return None
        if isinstance(errors, dict):
            return errors
        if isinstance(errors, list):
            for entry in errors:
                if isinstance(entry, dict):
                    return entry
            return {'details': _clip(' '.join(str(entry) for entry in errors), 200)}
        return {'details': _clip(str(errors), 200)}

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
    head = text.lstrip()[:400].lower()
    # nginx sends <html>, lighttpd an XHTML page that starts with <?xml and a doctype
    return head.startswith(('<!doctype', '<html', '<?xml')) or '<body' in head or '<title' in head


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
    """The URL fit for messages and reports: no user info, query or fragment; None for a non-string
    or a value that does not even split into URL parts."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    netloc = parts.netloc.rsplit('@', 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, '', ''))


_HOST_RE = re.compile(r'^[\w.:-]+$', re.UNICODE)


def _check_url(url):
    """The parts of a usable webapp URL, or a WabizError that says what is wrong without repeating
    user info or a query string."""
    problem = None
    parts = None
    if not isinstance(url, str) or not url.strip():
        problem = 'no url given'
    elif any(char.isspace() or ord(char) < 32 for char in url.strip()):
        problem = 'it contains spaces or control characters'
    else:
        try:
            parts = urlsplit(url.strip())
            parts.port  # pylint: disable=pointless-statement  # raises ValueError for a bad or out-of-range port
        except ValueError as exc:
            problem = str(exc).split(':', maxsplit=1)[0]
        else:
            if parts.scheme not in ('https', 'http'):
                problem = 'the scheme must be https (or http)'
            elif not parts.hostname or not _HOST_RE.match(parts.hostname):
                problem = 'no valid host name'
    if problem:
        shown = public_url(url) if problem != 'it contains spaces or control characters' else None
        raise WabizError('unreachable', 'url must look like https://HOST[:PORT][/PREFIX], got %s: %s' % (
            repr(shown) if shown else 'a value that cannot be shown', problem))
    return parts


def _check_ca_path(ca_path):
    """Fail early, with one clear message, on a CA file or directory that cannot be used."""
    if not os.path.exists(ca_path):
        raise WabizError('tls_error', 'ca_path %s does not exist' % ca_path)
    if not os.access(ca_path, os.R_OK):
        raise WabizError('tls_error', 'ca_path %s cannot be read' % ca_path)
    try:
        if os.path.isdir(ca_path):
            ssl.create_default_context(capath=ca_path)
        else:
            ssl.create_default_context(cafile=ca_path)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise WabizError('tls_error', 'ca_path %s holds no usable PEM CA certificate (%s)' % (ca_path, _short(exc)))


def _check_timeout(timeout):
    """The timeout in seconds (0 or None: the default); a value that cannot bound an attempt (negative, NaN,
    infinite, over MAX_TIMEOUT) is refused before any request."""
    if not timeout:
        return float(DEFAULT_TIMEOUT)
    try:
        seconds = float(timeout)
    except (TypeError, ValueError, OverflowError):
        seconds = None
    if isinstance(timeout, bool) or seconds is None or not 0 < seconds <= MAX_TIMEOUT:
        raise WabizError('invalid_option', 'timeout must be a number of seconds above 0 and at most %d, got %r'
                         % (MAX_TIMEOUT, timeout))
    return seconds


class _JSONRefused(ValueError):
    """A JSON answer the client will not use: beyond the MAX_JSON_* bounds, or ambiguous."""


_ESCAPE_RE = re.compile(r'\\.', re.DOTALL)
_STRING_RE = re.compile(r'"[^"]*"')
_DECODER = json.JSONDecoder(object_pairs_hook=json_object_pairs)


def _parse_json(text):
    """The one JSON parser of the client. Returns the data, or None for text that is not JSON; raises
    _JSONRefused beyond MAX_JSON_CONTAINERS / MAX_JSON_VALUES / MAX_JSON_DEPTH, before that work is done
    (counting the structure of the text costs two C-speed passes and builds no objects).

    Duplicate keys: the last value wins, as with json.loads, and ``_support.json_object_pairs`` marks every
    object whose keys repeat, for normalize() to turn into findings (a node hiding behind a twin)."""
    # Escapes removed first, then strings: what is left is the structure. Both patterns are linear. The skeleton
    # holds a subset of the text's brackets and commas: a text whose own counts are within bounds needs no skeleton.
    too_much = ': too much for a webapp answer'
    if text.count('[') + text.count('{') > MAX_JSON_CONTAINERS or text.count(',') + 1 > MAX_JSON_VALUES:
        skeleton = _STRING_RE.sub('""', _ESCAPE_RE.sub('', text))
        containers = skeleton.count('[') + skeleton.count('{')
        if containers > MAX_JSON_CONTAINERS:
            raise _JSONRefused('more than %d JSON containers (objects and arrays)%s' % (MAX_JSON_CONTAINERS, too_much))
        if skeleton.count(',') + 1 > MAX_JSON_VALUES:
            raise _JSONRefused('more than %d JSON values%s' % (MAX_JSON_VALUES, too_much))
    too_deep = 'JSON nested too deeply (more than %d levels)%s' % (MAX_JSON_DEPTH, too_much)
    try:
        data = _DECODER.decode(text)  # json.loads(text, object_pairs_hook=json_object_pairs), one decoder for all
    except RecursionError:
        raise _JSONRefused(too_deep)
    except ValueError:
        return None
    if _deeper_than(data, MAX_JSON_DEPTH):
        raise _JSONRefused(too_deep)
    return data


def _deeper_than(data, limit):
    """True when containers nest more than ``limit`` levels (iterative, one level at a time: no recursion limit to
    hit, and only containers are visited)."""
    level = [data] if isinstance(data, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        deeper = []
        for value in level:
            deeper.extend([child for child in (value.values() if isinstance(value, dict) else value) if isinstance(child, (dict, list))])
        level = deeper
    return False


class _Watchdog(object):
    """The one thread of a process that ends the attempts that overran their _Deadline: a heap of
    ``[due, sequence, deadline, generation, queued]`` entries and one Condition (a threading.Timer per attempt
    cost a new thread each). An attempt that ends in time cancels its entry (dropped when it reaches the top of the
    heap); the thread sleeps until the first live entry is due. Made anew in a forked child, where the parent's
    thread does not exist."""

    def __init__(self):
        self._reset()

    def _reset(self):
        self._cond = threading.Condition(threading.Lock())
        self._heap = []
        self._sequence = itertools.count()
        self._cancelled = 0  # cancelled entries still in the heap
        self._thread = None

    def schedule(self, seconds, deadline, generation):
        """Call ``deadline._expire(generation)`` in ``seconds``; returns the entry to ``cancel``."""
        entry = [time.monotonic() + seconds, next(self._sequence), deadline, generation, True]
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name='wabiz-deadline-watchdog')
                self._thread.daemon = True
                self._thread.start()
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                self._cond.notify()
        return entry

    def cancel(self, entry):
        with self._cond:
            if entry[2] is None:
                return
            entry[2] = None
            if entry[4]:
                self._cancelled += 1
                if self._cancelled > 64 and 2 * self._cancelled > len(self._heap):
                    self._heap = [queued for queued in self._heap if queued[2] is not None]
                    heapq.heapify(self._heap)
                    self._cancelled = 0

    def _due(self):
        """Wait for the entries that are due; returns them (live ones only)."""
        with self._cond:
            while True:
                now = time.monotonic()
                due = []
                while self._heap and (self._heap[0][2] is None or self._heap[0][0] <= now):
                    entry = heapq.heappop(self._heap)
                    entry[4] = False
                    if entry[2] is None:
                        self._cancelled -= 1
                    else:
                        due.append((entry[2], entry[3]))
                if due:
                    return due
                self._cond.wait(self._heap[0][0] - now if self._heap else None)

    def _run(self):
        while True:
            for deadline, generation in self._due():
                try:
                    deadline._expire(generation)  # pylint: disable=protected-access
                except Exception:  # pylint: disable=broad-except
                    pass  # the watchdog never dies: the other attempts still need it


_WATCHDOG = _Watchdog()


def _after_fork_in_child():
    """A forked child has only the thread that forked: no watchdog, and a lock another thread held stays held."""
    global _SSL_CONTEXTS_LOCK  # pylint: disable=global-statement
    _SSL_CONTEXTS_LOCK = threading.Lock()
    _WATCHDOG._reset()  # pylint: disable=protected-access


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _Deadline(object):
    """The total time limit of one attempt, from connect to the last body byte.

    urllib3's timeout bounds each socket read, so a server that trickles a byte at a time (TLS handshake,
    headers or body) never hits it. The connections of a Client's session register a duplicate of their
    socket here as soon as they connect (see _WatchedConnection); when an attempt overruns, the process's one
    watchdog thread (_Watchdog) shuts those sockets down, which ends the read or handshake in progress (close()
    from another thread would not wake a blocked read, shutdown() does). DNS resolution happens before there is
    a socket and is not covered.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._sockets = {}  # connection -> duplicate of its current socket
        self._entry = None  # the watchdog entry of the running attempt
        self._generation = 0  # which attempt: a late watchdog call for an earlier one changes nothing
        self._running = False
        self._expired = False

    def watch(self, connection, sock):
        """Register the socket a connection just opened (before any TLS handshake)."""
        try:
            dup = sock.dup()
        except OSError:
            return
        with self._lock:
            previous = self._sockets.pop(connection, None)
            self._sockets[connection] = dup
            expired = self._expired
        if previous is not None:
            previous.close()
        if expired:
            self._shut_down()

    def start(self, seconds):
        with self._lock:
            self._expired = False
            self._running = True
            self._generation += 1
            generation = self._generation
        self._entry = _WATCHDOG.schedule(seconds, self, generation)

    def stop(self):
        """End the attempt; True when the deadline had passed (the answer may then be cut short).
        Forgets the sockets of connections that are no longer open: only idle pooled ones stay."""
        entry, self._entry = self._entry, None
        if entry is not None:
            _WATCHDOG.cancel(entry)
        with self._lock:
            self._running = False
            expired, self._expired = self._expired, False
            gone = [connection for connection in self._sockets if getattr(connection, 'sock', None) is None]
            dups = [self._sockets.pop(connection) for connection in gone]
        for dup in dups:
            dup.close()
        return expired

    def _expire(self, generation):
        """Called by the watchdog when attempt ``generation`` is due."""
        with self._lock:
            if not self._running or generation != self._generation:
                return  # stopped in time
            self._expired = True
        self._shut_down()

    def _shut_down(self):
        with self._lock:
            dups, self._sockets = list(self._sockets.values()), {}
        for dup in dups:
            try:
                dup.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            dup.close()

    def close(self):
        with self._lock:
            dups, self._sockets = list(self._sockets.values()), {}
        for dup in dups:
            dup.close()


_ACTIVE = threading.local()  # the _Deadline of the attempt running in this thread


if HAS_URLLIB3:
    class _WatchedConnection(object):
        """Mixin for urllib3 connections: registers each new socket with the running attempt's _Deadline."""

        def _new_conn(self):
            sock = super(_WatchedConnection, self)._new_conn()
            deadline = getattr(_ACTIVE, 'deadline', None)
            if deadline is not None:
                deadline.watch(self, sock)
            return sock

    class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
        pass

    class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
        pass

    class _WatchedHTTPConnectionPool(HTTPConnectionPool):
        ConnectionCls = _WatchedHTTPConnection

    class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = _WatchedHTTPSConnection

    _WATCHED_POOLS = {'http': _WatchedHTTPConnectionPool, 'https': _WatchedHTTPSConnectionPool}


_SSL_CONTEXTS = {}  # (validate_certs, ca_path, its os.stat identity) -> ssl.SSLContext, shared by the clients of a process
_SSL_CONTEXTS_LOCK = threading.Lock()
MAX_SSL_CONTEXTS = 32  # the oldest goes first: clients of many CA files, or a CA file that keeps changing, stay bounded


def _ssl_context(validate_certs, ca_path):
    """The TLS context of a client: the system CA store, or ``ca_path``; none of the checks when not validate_certs.
    Built once per process for the same settings and the same CA file (a CA file that changed gets a new one)."""
    identity = None
    if validate_certs and ca_path:
        try:
            stat = os.stat(ca_path)
            identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        except OSError:
            _check_ca_path(ca_path)  # the clear error
            raise
    key = (bool(validate_certs), ca_path if validate_certs else None, identity)
    with _SSL_CONTEXTS_LOCK:
        context = _SSL_CONTEXTS.get(key)
    if context is not None:
        return context
    if validate_certs and ca_path:
        _check_ca_path(ca_path)
        context = ssl.create_default_context(**({'capath': ca_path} if os.path.isdir(ca_path) else {'cafile': ca_path}))
    elif validate_certs:
        context = ssl.create_default_context()
    else:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if validate_certs and URLLIB3_1:
        # urllib3 1.x wraps the socket of an address (https://10.0.0.5) without server_hostname, which a context that
        # checks the name refuses ("check_hostname requires server_hostname"); it matches the name (addresses included)
        # itself after the handshake when the context does not
        context.check_hostname = False
    with _SSL_CONTEXTS_LOCK:
        if key not in _SSL_CONTEXTS and len(_SSL_CONTEXTS) >= MAX_SSL_CONTEXTS:
            del _SSL_CONTEXTS[next(iter(_SSL_CONTEXTS))]
        return _SSL_CONTEXTS.setdefault(key, context)


def _bypass_proxy(host):
    """Whether no_proxy names ``host``: urllib's reading of it (names, domains, ``*``), plus the networks it holds
    (``10.0.0.0/8``, ``[::1]``) for a host given as an address, as requests read them."""
    if proxy_bypass(host):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for entry in getproxies_environment().get('no', '').split(','):
        try:
            if address in ipaddress.ip_network(entry.strip().strip('[]'), strict=False):
                return True
        except ValueError:
            continue
    return False


def _environ_proxy(url):
    """The proxy the environment gives for ``url`` (https_proxy / http_proxy / all_proxy, no_proxy), or None."""
    parts = urlsplit(url)
    proxies = getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get('all')
    if not proxy or _bypass_proxy(parts.hostname or ''):
        return None
    return proxy if '://' in proxy else 'http://' + proxy


def _pool_manager(url, validate_certs, ca_path, add_secret=None):
    """The urllib3 pool manager of one client (through the environment's proxy, if any), whose connections report
    their sockets to the running attempt's _Deadline. ``add_secret`` learns the proxy's password and the header made
    of it (a proxy may echo them in an answer). A proxy variable that cannot be used is a WabizError (unreachable)
    that never repeats its user info."""
    options = dict(num_pools=1, maxsize=2, block=False, retries=False)
    if urlsplit(url).scheme == 'https':
        options['ssl_context'] = _ssl_context(validate_certs, ca_path)
        if not validate_certs:
            options.update(cert_reqs='CERT_NONE', assert_hostname=False)
    proxy = _environ_proxy(url)
    if proxy:
        shown = public_url(proxy) or 'a value that cannot be shown'
        try:
            proxy_parts = urlsplit(proxy)
            port = proxy_parts.port
            host = proxy_parts.hostname
            if not host or proxy_parts.scheme not in ('http', 'https'):
                raise ValueError('the proxy must look like http://[USER:PASSWORD@]HOST[:PORT]')
            if proxy_parts.username is not None:
                username, password = unquote(proxy_parts.username), unquote(proxy_parts.password or '')
                basic = base64.b64encode(('%s:%s' % (username, password)).encode('utf-8')).decode('ascii')
                if add_secret:
                    for secret in (proxy_parts.password, password, basic):
                        add_secret(secret)
                options['proxy_headers'] = {'Proxy-Authorization': 'Basic %s' % basic}
                netloc = '[%s]' % host if ':' in host else host
                proxy = urlunsplit((proxy_parts.scheme, netloc + (':%d' % port if port else ''), proxy_parts.path, '', ''))
            manager = urllib3.ProxyManager(proxy, **options)
        except (ValueError, Urllib3Error) as exc:
            raise WabizError('unreachable', 'the proxy the environment gives for %s (https_proxy, http_proxy or all_proxy), '
                             '%s, cannot be used: %s' % (public_url(url), shown, _short_proxy_problem(exc)))
    else:
        manager = urllib3.PoolManager(**options)
    manager.pool_classes_by_scheme = _WATCHED_POOLS
    return manager


def _short_proxy_problem(exc):
    """What is wrong with a proxy URL, without the URL itself (it may hold a password)."""
    if isinstance(exc, ValueError) and not isinstance(exc, UnicodeError):
        text = str(exc)
        if 'Port' in text:
            return 'no valid port'
        if text.startswith('the proxy must'):
            return text
    return type(exc).__name__


def _is_read_timeout(exc):
    """True for a read timeout, however wrapped (urllib3 may wrap the socket's timeout in a ProtocolError)."""
    for _level in range(5):
        if isinstance(exc, (Urllib3TimeoutError, socket.timeout)):
            return True
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__context__
        if cause is None:
            return False
        exc = cause
    return False


def _clip(text, limit):
    if len(text) <= limit:
        return text
    return '%s... (%d more characters)' % (text[:limit], len(text) - limit)


def _secret_forms(value):
    """A secret as it may come back in an answer or an error: as is, HTML-escaped, URL-encoded, repr-escaped."""
    return set((value, html_escape(value), quote(value, safe=''), repr(value)[1:-1])) - set([''])


# A bearer token is printable ASCII without whitespace at either end (RFC 6750 b64token is a subset): anything else
# cannot travel in a header, and the HTTP library's error for it would repeat the header, token included.
_TOKEN_RE = re.compile(r'[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?')


TOKEN_PROBLEM = 'token: starts or ends with whitespace or holds control or non-ASCII characters (a newline read from a file?)'


def usable_token(value):
    """Whether ``value`` can be sent as ``Authorization: Bearer <value>``."""
    return isinstance(value, str) and bool(_TOKEN_RE.fullmatch(value))


_APP_EXPIRED_RE = re.compile(r'\b(app|application|build|client|version)\b[^.;]{0,20}\bexpired\b|\bupgrade (is )?required\b',
                             re.IGNORECASE)


def _is_app_expired(error):
    """The documented app-expired answer: error 1005 whose title or details say the app (build) expired,
    "App Expired: a version upgrade is required" and its variants; an expired token is not one."""
    text = ' '.join(str(error.get(key) or '') for key in ('title', 'details'))
    return bool(_APP_EXPIRED_RE.search(text)) and 'token' not in text.lower()


class Client(object):
    """One webapp endpoint: one urllib3 pool (one kept-alive connection), one bearer token reused for every call.

    ``url`` may carry a path prefix (a webapp behind a reverse proxy: https://gw/wa/eu-1).
    ``warn`` is called with operator-facing warnings, ``on_secret`` with every secret the client
    learns at run time (the token obtained at login) so callers can mask it.

    A kept session (``_connection.SessionStore``): ``session_token`` is a token an earlier login of this
    collection obtained; the client treats it as its own (replaced by a fresh login when refused, logged out
    at close) unless ``keep_session``, which never logs out so that a later task can reuse ``session_token()``.
    """

    def __init__(self, url, username=None, password=None, token=None, validate_certs=True, ca_path=None,
                 timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES, backoff=0.5, warn=None, on_secret=None,
                 max_body_bytes=MAX_BODY_BYTES, sleep=time.sleep, session_token=None, keep_session=False):
        if not HAS_URLLIB3:
            raise WabizError('missing_library', 'the Python library urllib3 is required where the client runs (pip install urllib3)')
        parts = _check_url(url)
        self.url = public_url(url).rstrip('/')
        self.username = username
        self.password = password
        self.timeout = _check_timeout(timeout)
        self.retries = max(0, int(retries or 0))
        self.backoff = backoff
        self.max_body_bytes = max_body_bytes
        self._on_secret = on_secret or (lambda value: None)
        self._secrets = set()
        warn = warn or (lambda msg: None)
        self._warn = lambda message: warn(_clip(self._mask(message), MAX_MESSAGE_CHARS))
        self._sleep = sleep
        if token and not usable_token(token):
            raise WabizError('invalid_option', TOKEN_PROBLEM)
        self._given_token = token
        self._token = token
        self._own_token = False
        self._keep_session = keep_session
        if session_token and not token and usable_token(session_token):
            self._token = session_token
            self._own_token = True
        self._basic = None
        self._deadline = _Deadline()
        if parts.scheme == 'http':
            self._warn('%s uses plain http: the password and the token travel unencrypted' % self.url)
        elif not validate_certs:
            self._warn('TLS certificate validation is off for %s: anyone on the path can read the token' % self.url)
        self._pool = _pool_manager(self.url, validate_certs, ca_path, add_secret=self._add_secret)
        self._timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        for secret in (token, password, session_token):
            self._add_secret(secret)
        if username and password:
            # Built here (UTF-8, not latin-1), and known so that an echo can be masked.
            self._basic = base64.b64encode(('%s:%s' % (username, password)).encode('utf-8')).decode('ascii')
            self._add_secret(self._basic)

    # ---- secrets -----------------------------------------------------------------------------
    def _add_secret(self, value):
        """Remember a secret (password, token, Basic credentials) to mask it wherever an answer echoes it."""
        if isinstance(value, str) and value:
            for form in _secret_forms(value):
                if form not in self._secrets:
                    self._secrets.add(form)
                    self._on_secret(form)

    def _mask(self, text):
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def _error(self, code, message, **details):
        """A WabizError whose message and text details never repeat a secret, and stay short whatever the
        server sent (masked first, so that a cut never leaves half a secret)."""
        details = dict((key, _clip(self._mask(value), MAX_DETAIL_CHARS) if isinstance(value, str) else value)
                       for key, value in details.items())
        return WabizError(code, _clip(self._mask(message), MAX_MESSAGE_CHARS), **details)

    # ---- context manager -------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Log out a token this client obtained itself (best effort) and close the session."""
        try:
            if self._own_token and self._token and not self._keep_session:
                self._send('POST', '/v1/users/logout', headers={'Authorization': 'Bearer %s' % self._token}, retry=False)
        except WabizError:
            pass
        finally:
            self._token = None if self._own_token else self._token
            self._pool.clear()
            self._deadline.close()

    def session_token(self):
        """The token of this client's own session (a login of this collection), for a kept session; None otherwise."""
        return self._token if self._own_token else None

    # ---- transport ---------------------------------------------------------------------------
    def _send(self, method, path, headers=None, retry=True):
        """One HTTP exchange with retries on connection errors, 429/503 and retriable API codes."""
        url = self.url + path
        attempts = self.retries + 1 if retry else 1
        last_error = None
        for attempt in range(attempts):
            if attempt:
                self._sleep(last_error[1])
            try:
                response = self._exchange(method, url, headers)
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
                    ' (%s)' % _clip(self._mask(_describe_error(response.api_error)), MAX_DETAIL_CHARS) if response.api_error else '',
                    attempt + 1, attempts, wait))
                continue
            return response
        raise AssertionError('unreachable code')  # pragma: no cover

    def _backoff(self, attempt):
        return min(self.backoff * (2 ** attempt), 8.0)

    def _exchange(self, method, url, headers):
        """One attempt, bounded in total by ``timeout`` (see _Deadline), and its JSON parsed within bounds."""
        where = '%s %s' % (method, url)
        _ACTIVE.deadline = self._deadline
        self._deadline.start(self.timeout)
        try:
            outcome = self._transfer(method, url, headers, where)
        except WabizError as error:
            outcome = error
        finally:
            expired = self._deadline.stop()
            _ACTIVE.deadline = None
        if expired:
            raise self._error('timeout', '%s: no complete answer within %s s' % (where, self.timeout))
        if isinstance(outcome, WabizError):
            raise outcome
        status, response_headers, text = outcome
        data = None
        if text.strip():
            try:
                data = _parse_json(text)
            except _JSONRefused as exc:
                raise self._error('bad_response', '%s: %s' % (where, exc), status=status)
        return _Response(status, response_headers, text, data)

    def _transfer(self, method, url, headers, where):
        """The HTTP exchange itself: (status, headers, text) or a WabizError."""
        try:
            raw = self._pool.request(method, url, headers=dict(_HEADERS, **(headers or {})), timeout=self._timeout,
                                     preload_content=False, redirect=False, retries=False)
        except NewConnectionError as exc:  # before the timeouts: urllib3 makes it one of them
            raise self._error('unreachable', '%s: cannot connect (%s)' % (where, _short(exc)))
        except Urllib3SSLError as exc:
            raise self._error('tls_error', '%s: TLS failed (%s). %s' % (where, _short(exc), _tls_hint(exc)))
        except Urllib3TimeoutError:
            raise self._error('timeout', '%s: no answer within %s s' % (where, self.timeout))
        except LocationParseError as exc:
            raise self._error('unreachable', '%s: invalid URL (%s)' % (where, _short(exc)))
        except InvalidHeader as exc:  # the webapp answered, with Content-Length twice and unequal
            raise self._error('bad_response', '%s: the answer has an invalid header (%s)' % (where, _short(exc)))
        except (Urllib3Error, OSError, ValueError) as exc:
            raise self._error('unreachable', '%s: cannot connect (%s)' % (where, _short(exc)))
        done = False
        try:
            text = self._read(raw, where)
            done = True
        finally:
            if not done:
                raw.close()  # a connection with an answer left in it is never reused
            raw.release_conn()
        return raw.status, raw.headers, text

    def _read(self, raw, where):
        declared = raw.headers.get('Content-Length')
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._error('bad_response', '%s: answer of %s bytes is over the %d byte limit' % (where, declared, self.max_body_bytes),
                              status=raw.status)
        amount = 65536
        if URLLIB3_1:  # urllib3 1.x: decodes all it reads at once, without bound
            # 1 KB of gzip decodes to at most about 1 MB; a second coding multiplies that again (1.8 KB of gzip in
            # gzip made 2 GB), and no webapp sends two
            amount = 1024
            codings = [coding.strip() for coding in raw.headers.get('Content-Encoding', '').lower().split(',')]
            if len([coding for coding in codings if coding not in ('', 'identity')]) > 1:
                raise self._error('bad_response', '%s: the answer is encoded more than once (Content-Encoding: %s)' % (
                    where, raw.headers.get('Content-Encoding')[:80]), status=raw.status)
        chunks = []
        size = 0
        try:
            for chunk in raw.stream(amount, decode_content=True):
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise self._error('bad_response', '%s: answer is over the %d byte limit' % (where, self.max_body_bytes),
                                      status=raw.status)
                chunks.append(chunk)
        except (Urllib3Error, OSError) as exc:
            if _is_read_timeout(exc):
                raise self._error('timeout', '%s: no complete answer within %s s (the answer stalled)' % (where, self.timeout))
            raise self._error('bad_response', '%s: the answer was cut off (%s)' % (where, _short(exc)), status=raw.status)
        encoded = raw.headers.get('Content-Encoding', 'identity').lower() != 'identity'
        if declared and declared.isdigit() and not encoded and size != int(declared):
            # urllib3 1.x does not enforce Content-Length: the check is here so that every version agrees
            raise self._error('bad_response', '%s: the answer was cut off (IncompleteRead: %d of %s bytes)' % (where, size, declared),
                              status=raw.status)
        return b''.join(chunks).decode('utf-8', 'replace')

    # ---- API ---------------------------------------------------------------------------------
    def login(self):
        """POST /v1/users/login with Basic auth; keeps the token for the following calls."""
        if not (self.username and self.password):
            if self.username:  # the usual slip: the password was to come from the environment and did not
                raise self._error('auth_failed', 'no usable credentials for %s: username given but no password (give password, '
                                  'or WABIZ_PASSWORD in the environment), or give token' % self.url)
            raise self._error('auth_failed', 'no usable credentials for %s: give token, or username and password' % self.url)
        response = self._send('POST', '/v1/users/login', headers={'Authorization': 'Basic %s' % self._basic})
        where = 'login to %s as %s' % (self.url, self.username)
        error = response.api_error
        if response.api_code == 1024:
            raise self._error('password_change_required', '%s: the account still has its first password and must change it '
                              '(error 1024 Password Change Required). Log in once by hand with new_password; this collection '
                              'never changes a client' % where, status=response.status)
        self._raise_common(response, where, login=True)
        users = response.data.get('users') if isinstance(response.data, dict) else None
        token = users[0].get('token') if isinstance(users, list) and users and isinstance(users[0], dict) else None
        if isinstance(token, str) and token:
            self._add_secret(token)
        if response.status != 200 or error or not isinstance(token, str) or not token:
            raise self._unexpected(response, where, 'a token in users[0].token')
        if not usable_token(token):
            raise self._error('bad_response', '%s: the token in users[0].token cannot be sent back in a header (whitespace at '
                              'an end, control or non-ASCII characters)' % where, status=response.status)
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
        if shards is None:
            return None, 'GET %s/v1/account/shards: no account.shards in the answer' % self.url
        try:
            count, _reason = to_int(shards)
        except (ValueError, OverflowError):  # a digit string beyond Python's int-string limit
            count = None
        if count is None:
            # there, but not a whole number (1.9, Infinity, "many"): a bad answer the checks report as
            # shard_count_invalid (critical), never truncated; a short text of it is enough to say so
            text = shards if isinstance(shards, str) else json.dumps(shards)
            return text if len(text) <= 40 else text[:40] + '...', None
        return count, None

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
        if 300 <= status < 400:
            location = public_url(response.headers.get('Location')) or 'an unknown place'
            raise self._error('bad_response', '%s: the answer is a redirect (HTTP %s) to %s; redirects are never followed, so '
                              'credentials never go to another host or over plain http: give the final address as url' % (
                                  where, status, location), status=status)
        if code == 1005 and _is_app_expired(error):
            raise self._error('app_expired', '%s: the client build has expired (%s); upgrade it' % (where, _describe_error(error)),
                              status=status, api_code=code)
        if status == 401 or (login and code == 1005):
            if login:
                msg = '%s was refused (HTTP %s): check username and password' % (where, status)
            elif self._given_token and not self._own_token:
                msg = '%s: the given token was refused (HTTP 401): it is expired, revoked or unknown' % where
            else:
                msg = '%s: refused with HTTP 401 even after a fresh login' % where
            raise self._error('auth_failed', msg, status=status, api_code=code)
        if status in RETRIABLE_STATUS or code in RATE_LIMIT_API_CODES:
            raise self._error('rate_limited', '%s: still rate limited or overloaded after %d attempts (HTTP %s%s)' % (
                where, self.retries + 1, status, ', %s' % _describe_error(error) if error else ''),
                status=status, api_code=code, retry_after=response.headers.get('Retry-After'))
        if error:
            raise self._error('api_error', '%s: the API answered error %s (HTTP %s)' % (where, _describe_error(error), status),
                              status=status, api_code=code, title=error.get('title'), details=error.get('details'))

    def _unexpected(self, response, where, expected):
        text = response.text
        if response.data is None and text.strip() and text.strip() != 'null':
            if _looks_like_html(text):
                title = _html_title(text)
                return self._error('bad_response', '%s: got an HTML page (HTTP %s%s) instead of JSON: a proxy or load balancer '
                                   'answered, not the webapp' % (where, response.status, ', "%s"' % title if title else ''),
                                   status=response.status)
            return self._error('bad_response', '%s: the answer (HTTP %s) is not JSON: %r' % (where, response.status, self._mask(text)[:80]),
                               status=response.status)
        if response.status >= 400:
            return self._error('api_error', '%s: unexpected HTTP %s' % (where, response.status), status=response.status)
        return self._error('bad_response', '%s: unexpected answer (HTTP %s), expected %s' % (where, response.status, expected),
                           status=response.status)


def _tls_hint(exc):
    """What to do about a failed TLS handshake: a certificate for another name or out of its validity period is not
    cured by another CA (and validate_certs=false is never the advice for it)."""
    text = str(exc)
    if 'mismatch' in text or "doesn't match" in text:  # OpenSSL's words, urllib3 1.x's
        return ('The webapp certificate is not issued for the host of url: give url with a name (or address) the '
                'certificate holds')
    if 'has expired' in text or 'not yet valid' in text:
        return 'The webapp certificate is outside its validity period: renew it (or check the clocks)'
    return 'Give ca_path with the CA that signed the webapp certificate, or set validate_certs=false only for a test'


_ERRNO_RE = re.compile(r"\[Errno -?\d+\] [^'\")]+")
_SSL_RE = re.compile(r"\[SSL[^\]]*\](?:[^'\")]|'[^'\s]{1,253}')*")  # a quoted name kept: "not valid for 'wa'"
_SSL_C_RE = re.compile(r" \(_ssl\.c:\d+$")


def _short(exc):
    """The operator-relevant reason of a urllib3 exception, without pool and object reprs."""
    text = str(exc)
    for pattern in (_SSL_RE, _ERRNO_RE):
        match = pattern.search(text)
        if match:
            return _SSL_C_RE.sub('', match.group(0).strip()).rstrip('.')
    for known in ('Name or service not known', 'Temporary failure in name resolution', 'Connection refused',
                  'Connection reset by peer', 'Remote end closed connection without response', 'hostname mismatch',
                  'certificate verify failed', 'IncompleteRead', 'Connection broken'):
        if known in text:
            index = text.find(known)
            return re.split('[\'"]', text[index:index + 120], maxsplit=1)[0].rstrip(' ,.)(')
    if 'Caused by' in text:
        text = text.split('Caused by', 1)[1].strip(' :(')
    return re.sub(r'<[^>]*>:? ?', '', text)[:200]
