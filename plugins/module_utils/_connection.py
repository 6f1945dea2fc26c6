# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""The connection layer: the one declaration of the connection options and the one path from options to a
checked, redacted result, for the modules, the inventory plugin and anything else.

``OPTIONS``
    The connection options (type, default, environment variable, aliases, no_log). The doc fragment
    ``plugins/doc_fragments/connection.py`` documents exactly these (a unit test holds the two together).

``ConnectionOptions``
    An option adapter in the style of community.hashi_vault's ``HashiVaultOptionAdapter``: the same reads
    whatever holds the values, ``from_ansible_module(module)``, ``from_ansible_plugin(plugin)``,
    ``from_dict(mapping)``.

``validate(params, extra_spec=None, where=None)``
    Type-check a mapping of options with ansible-core's own ``ArgumentSpecValidator`` against ``OPTIONS`` (no
    defaults, no environment: for the entries of an inventory file), plus the bounds ``check_values`` holds.

``open_client(options, ...)``, ``fetch(client)``, ``report_from_fetched(fetched, url, policy)`` and ``check(options,
policy, ...)``: options -> client -> redacted answer -> report. ``check`` is the whole path of the modules, with an
optional wait (polls of one session: one login, one logout).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import hashlib
import math
import os
import stat
import time


from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.wabiz.onprem.plugins.module_utils._client import (
    Client, WabizError, DEFAULT_TIMEOUT, DEFAULT_RETRIES, MAX_TIMEOUT, TOKEN_PROBLEM, usable_token,
)
from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import merge_policy, PolicyError
from ansible_collections.wabiz.onprem.plugins.module_utils._support import redact, SupportShapeError
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import blocking, FAIL_ON, NOT_RETRIED, utc_now

# The one declaration of the connection options. ``env``: the environment variable a module falls back to (the
# inventory plugin reads the same variables through its documented ``env`` entries).
OPTIONS = {
    'url': dict(type='str', required=True, env='WABIZ_URL'),
    'username': dict(type='str', env='WABIZ_USERNAME'),
    'password': dict(type='str', no_log=True, env='WABIZ_PASSWORD'),
    'token': dict(type='str', no_log=True, env='WABIZ_TOKEN'),
    'validate_certs': dict(type='bool', default=True, env='WABIZ_VALIDATE_CERTS'),
    'ca_path': dict(type='path', aliases=['ca_cert'], env='WABIZ_CA_PATH'),
    'timeout': dict(type='float', default=float(DEFAULT_TIMEOUT)),
    'retries': dict(type='int', default=DEFAULT_RETRIES),
}
NAMES = tuple(OPTIONS)
MAX_ERROR_TEXT = 500
SECRETS = tuple(name for name in NAMES if OPTIONS[name].get('no_log'))
SESSIONS = ('off', 'keep', 'close')
DEFAULT_SESSION_DIR = '~/.ansible/tmp/wabiz_sessions'
# The options of a session kept across tasks (modules only; documented by the doc fragment's SESSION).
SESSION_OPTIONS = {
    'session': dict(type='str', choices=list(SESSIONS), default='off'),
    'session_dir': dict(type='path', default=DEFAULT_SESSION_DIR),
}
# Error codes that a wait never retries: the options themselves are wrong, another poll cannot fix them.


def argument_spec():
    """The connection options as an AnsibleModule argument spec, with their environment fallbacks."""
    spec = {}
    for name, option in OPTIONS.items():
        entry = dict((key, value) for key, value in option.items() if key != 'env')
        if option.get('env'):
            entry['fallback'] = (env_fallback, [option['env']])
        spec[name] = entry
    return spec


def entry_spec(extra=None):
    """The connection options as an ArgumentSpecValidator spec for one entry of options given elsewhere (an inventory
    cluster): types and aliases only; defaults and requirements are the caller's."""
    spec = {}
    for name, option in OPTIONS.items():
        spec[name] = dict((key, value) for key, value in option.items() if key in ('type', 'aliases', 'no_log'))
    spec.update(extra or {})
    return spec


def check_values(values, where=None):
    """The bounds the types do not say: a finite timeout, counts that are not negative, a token fit for a header. Returns the list of
    problems (empty when the values are usable)."""
    prefix = '%s: ' % where if where else ''
    problems = []
    timeout = values.get('timeout')
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout)):
        problems.append('%stimeout: expected a number, got %r' % (prefix, timeout))
    elif timeout is not None and timeout < 0:
        problems.append('%stimeout: must not be negative' % prefix)
    retries = values.get('retries')
    if retries is not None and retries < 0:
        problems.append('%sretries: must not be negative' % prefix)
    token = values.get('token')
    if token and not usable_token(token):
        problems.append(prefix + TOKEN_PROBLEM)  # never the value: it is a secret
    return problems


def validate(params, extra_spec=None, where=None):
    """``(values, problems)``: ``params`` type-checked by ansible-core's ArgumentSpecValidator against the connection
    options plus ``extra_spec``, as a task's arguments are, then against ``check_values``. ``values`` holds every
    option of the spec (None when not given, aliases resolved); ``problems`` the messages (never a secret value)."""
    spec = entry_spec(extra_spec)
    prefix = '%s: ' % where if where else ''
    try:
        result = ArgumentSpecValidator(spec).validate(dict(params))
    except (OverflowError, ValueError, TypeError) as exc:
        # ansible-core's conversions let OverflowError through (int(.inf)); name the option, never its value
        return dict((name, None) for name in spec), [prefix + _unconvertible(spec, params, exc)]
    problems = ['%s%s and its alias %s are both set; give one' % (prefix, warning['option'], warning['alias'])
                for warning in getattr(result, '_warnings', ()) if 'alias' in warning]
    for error in result.errors.errors:
        text = error.msg if hasattr(error, 'msg') else str(error)
        if isinstance(error, UnsupportedError):
            text = 'Unsupported parameters: %s' % text
        problems.append(prefix + text)
    values = dict((name, result.validated_parameters.get(name)) for name in spec)
    if not problems:
        problems = check_values(values, where)
    return values, problems


def _unconvertible(spec, params, exc):
    """The message of a value ansible-core's validator raised on: the first option that fails alone (no value)."""
    for name in spec:
        if name in params:
            try:
                ArgumentSpecValidator({name: spec[name]}).validate({name: params[name]})
            except (OverflowError, ValueError, TypeError):
                return '%s: the value cannot be converted to %s' % (name, spec[name].get('type', 'str'))
    return 'a value cannot be converted (%s)' % type(exc).__name__


def _seconds(value, zero=False):
    """Whether ``value`` is a number of seconds above 0 (or 0 with ``zero``) and at most MAX_TIMEOUT."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return (0 <= value if zero else 0 < value) and value <= MAX_TIMEOUT


class ConnectionOptions(object):
    """Read access to the connection options wherever they live (module params, plugin options, a dict), in the
    style of community.hashi_vault's HashiVaultOptionAdapter. Never put ``as_dict()`` in a result: it holds the
    password and the token."""

    def __init__(self, getter):
        self._get = getter

    @classmethod
    def from_dict(cls, mapping):
        return cls(mapping.get)

    @classmethod
    def from_ansible_module(cls, module):
        return cls(module.params.get)

    @classmethod
    def from_ansible_plugin(cls, plugin):
        def getter(name):
            try:
                return plugin.get_option(name)
            except KeyError:
                return None
        return cls(getter)

    def get(self, name):
        if name not in OPTIONS:
            raise KeyError('%s is not a connection option' % name)
        value = self._get(name)
        return OPTIONS[name].get('default') if value is None else value

    def as_dict(self):
        return dict((name, self.get(name)) for name in NAMES)


def open_client(options, client_class=Client, warn=None, on_secret=None, **session):
    """The client of ``options`` (a ConnectionOptions or a dict): the one place a client is made from options.
    ``session``: the ``session_token`` and ``keep_session`` of a kept session (see SessionStore)."""
    if isinstance(options, dict):
        options = ConnectionOptions.from_dict(options)
    values = options.as_dict()
    problems = check_values(values)
    if problems:
        raise WabizError('invalid_option', '; '.join(problems))
    return client_class(values['url'], username=values['username'], password=values['password'], token=values['token'],
                        validate_certs=values['validate_certs'], ca_path=values['ca_path'], timeout=values['timeout'],
                        retries=values['retries'], warn=warn, on_secret=on_secret, **session)


class SessionStore(object):
    """The token of a kept session (``session: keep``), in a private file: ``<directory>/<sha256 of url and user>``,
    mode 0600 in a directory of mode 0700. A file that is not a regular file of the current user with mode 0600 is
    never read (another user could have planted or read it)."""

    def __init__(self, directory, url, username):
        self.directory = os.path.abspath(os.path.expanduser(directory or DEFAULT_SESSION_DIR))
        key = hashlib.sha256(('%s\0%s' % (url.rstrip('/'), username)).encode('utf-8')).hexdigest()
        self.path = os.path.join(self.directory, key)

    def load(self):
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
                return None
            token = os.read(fd, 65536).decode('utf-8', 'replace').strip()
        finally:
            os.close(fd)
        return token if usable_token(token) else None

    def prepare(self):
        """Make the directory (mode 0700) when it is missing; an existing one must be a directory (not a link) of
        the current user that no one else can read or write: it is never chmod-ed (session_dir=/tmp must not lock
        /tmp). WabizError ``invalid_option`` otherwise."""
        try:
            if not os.path.lexists(self.directory):
                os.makedirs(self.directory, mode=0o700, exist_ok=True)  # two tasks may make it at once
            info = os.lstat(self.directory)
        except OSError as exc:
            raise WabizError('invalid_option', 'session_dir %s: cannot keep the session there (%s)' % (
                self.directory, exc.strerror or type(exc).__name__))
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
            raise WabizError('invalid_option', 'session_dir %s: not a private directory of this user (a directory, not '
                             'a link, of mode 0700); give a new path, it is made with that mode' % self.directory)

    def save(self, token):
        self.prepare()
        temporary = '%s.%d.%s.tmp' % (self.path, os.getpid(), binascii.hexlify(os.urandom(6)).decode('ascii'))
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), 0o600)
            try:
                os.write(fd, token.encode('utf-8'))
            finally:
                os.close(fd)
            os.replace(temporary, self.path)
        except OSError as exc:
            raise WabizError('invalid_option', 'session_dir %s: cannot keep the session there (%s)' % (
                self.directory, exc.strerror or type(exc).__name__))

    def forget(self):
        try:
            os.remove(self.path)
        except OSError:
            pass


def fetch(client):
    """What the checks need from one endpoint, redacted: ``{support, shard_count, shard_count_error}``."""
    fetched = client.fetch()
    try:
        support = redact(fetched['support'])
    except Exception as exc:  # pylint: disable=broad-except
        # an answer the redaction cannot walk is never returned unredacted
        text = str(exc)
        raise WabizError('bad_response', 'GET %s/v1/support: the answer cannot be processed (%s: %s)' % (
            client.url.rstrip('/'), type(exc).__name__, text[:MAX_ERROR_TEXT] + ('...' if len(text) > MAX_ERROR_TEXT else '')))
    return {'support': support, 'shard_count': fetched.get('shard_count'), 'shard_count_error': fetched.get('shard_count_error')}


def report_from_fetched(fetched, url, policy):
    """The report of a ``fetch()`` result plus ``reachable`` and the one-line ``msg``, for the modules and the
    inventory plugin; a body of the wrong shape is a ``bad_response`` WabizError."""
    try:
        report = evaluate(fetched['support'], shard_count=fetched.get('shard_count'), policy=policy)
    except SupportShapeError as exc:
        raise WabizError('bad_response', 'GET %s/v1/support: %s' % (url.rstrip('/'), exc))
    if fetched.get('shard_count_error'):
        report['cluster']['shard_count_error'] = fetched['shard_count_error']
    report['reachable'] = True
    report['msg'] = summary(report)
    report['fetched_at'] = utc_now()
    return report


def summary(report):
    """One line for people: what the cluster is and how it fares."""
    cluster = report['cluster']
    counts = {'critical': 0, 'warning': 0}
    for finding in report['findings']:
        counts[finding['severity']] = counts.get(finding['severity'], 0) + 1
    shards = cluster.get('shard_count')
    return '%s: %s cluster, %d node(s)%s, %d critical and %d warning finding(s)' % (
        report['status'].upper(), report['topology'], cluster.get('node_count', 0),
        ', %s shard(s)' % shards if shards is not None else '', counts['critical'], counts['warning'])


def polls(wait_timeout, wait_delay):
    """How many reads a wait makes: the first, then one every ``wait_delay`` seconds within ``wait_timeout``."""
    if not wait_timeout:
        return 1
    return 1 + int(math.ceil(float(wait_timeout) / float(wait_delay)))


def check(options, policy=None, client_class=Client, warn=None, on_secret=None, wait_timeout=0, wait_delay=10,
          fail_on='critical', sleep=time.sleep, session='off', session_dir=None):
    """Options -> checked, redacted report (the raw body, redacted, under ``support``; ``attempts``: the reads made).

    With ``wait_timeout``, reads again every ``wait_delay`` seconds until no finding is at or above ``fail_on``,
    at most ``polls(wait_timeout, wait_delay)`` times, all in one client session: one login, one logout. A
    failed read is read again too, unless the options themselves are wrong (_verdict.NOT_RETRIED). Raises WabizError
    with a stable code (and ``attempts``) when the last read failed.

    ``session``: ``off`` (log in and out here), ``keep`` (reuse the token kept by an earlier call for the same url and
    username, or log in and keep it; no logout) or ``close`` (reuse it, log out and forget it)."""
    try:
        policy = merge_policy(policy or {})
    except PolicyError as exc:
        raise WabizError('invalid_policy', str(exc))
    if fail_on not in FAIL_ON:
        raise WabizError('invalid_option', 'fail_on must be critical or warning, got %r' % (fail_on,))
    if not _seconds(wait_timeout, zero=True):
        raise WabizError('invalid_option', 'wait_timeout must be a number of seconds >= 0 and at most %d, got %r' % (
            MAX_TIMEOUT, wait_timeout))
    if wait_timeout and not _seconds(wait_delay):
        raise WabizError('invalid_option', 'wait_delay must be a number of seconds above 0 and at most %d, got %r' % (
            MAX_TIMEOUT, wait_delay))
    total = polls(wait_timeout, wait_delay)
    store = _session_store(options, session, session_dir)
    client = open_client(options, client_class=client_class, warn=warn, on_secret=on_secret,
                         **({'session_token': store.load(), 'keep_session': session == 'keep'} if store else {}))
    with client:
        try:
            return _poll(client, policy, total, wait_delay, fail_on, sleep)
        finally:
            if store:
                token = client.session_token() if session == 'keep' else None
                if token:
                    store.save(token)
                else:
                    store.forget()


def _session_store(options, session, session_dir):
    """The SessionStore of a kept session, None without one."""
    if session in (None, 'off'):
        return None
    if session not in SESSIONS:
        raise WabizError('invalid_option', 'session must be one of %s, got %r' % (', '.join(SESSIONS), session))
    if isinstance(options, dict):
        options = ConnectionOptions.from_dict(options)
    if options.get('token') or not (options.get('username') and options.get('password')):
        raise WabizError('invalid_option', 'session %s needs username and password (and no token: a given token is '
                         'already reused as it is)' % session)
    store = SessionStore(session_dir, options.get('url'), options.get('username'))
    store.prepare()
    return store


def _poll(client, policy, total, wait_delay, fail_on, sleep):
    """Read and check until the cluster passes or ``total`` reads were made (see ``check``)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            fetched = fetch(client)
            report = report_from_fetched(fetched, client.url, policy)
        except WabizError as error:
            if attempt >= total or error.code in NOT_RETRIED:
                error.attempts = attempt
                raise
        else:
            report['support'] = fetched['support']
            if attempt >= total or not blocking(report['findings'], fail_on):
                report['attempts'] = attempt
                return report
        sleep(wait_delay)
