# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection layer: one declaration of the options (held against the doc fragment), the option adapter, the
validation of an entry, and the one path from options to a checked report, with a wait in one session."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest
import yaml

from ansible.module_utils.basic import env_fallback

from ansible_collections.wabiz.onprem.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.wabiz.onprem.plugins.module_utils import _connection
from ansible_collections.wabiz.onprem.plugins.module_utils._client import WabizError
from ansible_collections.wabiz.onprem.plugins.module_utils._support import redact

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))


def fragment_options():
    options = {}
    for text in (ModuleDocFragment.DOCUMENTATION, ModuleDocFragment.CREDENTIALS):
        options.update(yaml.safe_load(text)['options'])
    return options


# ---- the declaration and its documentation ------------------------------------------------------------------

def test_the_doc_fragment_documents_exactly_the_declared_options():
    assert sorted(fragment_options()) == sorted(_connection.OPTIONS)


@pytest.mark.parametrize('name', sorted(_connection.OPTIONS))
def test_type_default_aliases_required_of_each_option_match_the_doc_fragment(name):
    declared = _connection.OPTIONS[name]
    documented = fragment_options()[name]
    assert documented['type'] == declared['type']
    assert documented.get('default') == declared.get('default')
    assert sorted(documented.get('aliases', [])) == sorted(declared.get('aliases', []))
    assert bool(documented.get('required')) == bool(declared.get('required'))


@pytest.mark.parametrize('name', sorted(_connection.OPTIONS))
def test_environment_and_no_log_of_each_option_match_the_doc_fragment(name):
    declared = _connection.OPTIONS[name]
    description = ' '.join(fragment_options()[name]['description'])
    plugin_env = yaml.safe_load(ModuleDocFragment.PLUGINS)['options'].get(name, {}).get('env', [])
    if declared.get('env'):
        assert 'E(%s)' % declared['env'] in description and 'Falls back to' in description
        # the inventory reads the same variables (its url is per cluster, so it has no url option)
        assert name == 'url' or plugin_env == [{'name': declared['env']}]
    else:
        assert 'E(WABIZ_' not in description and plugin_env == []
    assert ('Never logged' in description) == bool(declared.get('no_log'))


def test_no_other_python_file_declares_the_connection_options():
    """grep finds the option list in one Python place: no other file pairs WABIZ_PASSWORD with a fallback or keeps
    its own list of the connection keys."""
    offenders = []
    for folder in ('plugins', 'extensions'):
        for root, dummy, files in os.walk(os.path.join(REPO, folder)):
            for name in files:
                path = os.path.join(root, name)
                if not name.endswith('.py') or path.endswith(os.path.join('module_utils', '_connection.py')):
                    continue
                with open(path) as handle:
                    text = handle.read()
                if 'env_fallback' in text or "'validate_certs', 'ca_path', 'timeout'" in text:
                    offenders.append(os.path.relpath(path, REPO))
    assert offenders == []


def test_module_argument_spec_has_the_environment_fallbacks_and_no_log():
    spec = _connection.argument_spec()
    assert spec['password'] == {'type': 'str', 'no_log': True, 'fallback': (env_fallback, ['WABIZ_PASSWORD'])}
    assert spec['ca_path']['aliases'] == ['ca_cert']
    assert spec['url']['required'] is True
    assert 'fallback' not in spec['timeout'] and spec['timeout']['default'] == 10.0


# ---- the adapter --------------------------------------------------------------------------------------------

class Module(object):
    def __init__(self, params):
        self.params = params


class Plugin(object):
    def __init__(self, options):
        self.options = options

    def get_option(self, name):
        return self.options[name]


@pytest.mark.parametrize('adapter', [
    _connection.ConnectionOptions.from_dict,
    lambda values: _connection.ConnectionOptions.from_ansible_module(Module(values)),
    lambda values: _connection.ConnectionOptions.from_ansible_plugin(Plugin(values)),
])
def test_the_adapter_reads_the_same_whatever_holds_the_options(adapter):
    options = adapter({'url': 'https://wa', 'username': 'monitor', 'password': 'pw', 'timeout': None})
    assert options.as_dict() == {'url': 'https://wa', 'username': 'monitor', 'password': 'pw', 'token': None,
                                 'validate_certs': True, 'ca_path': None, 'timeout': 10.0, 'retries': 2}
    with pytest.raises(KeyError):
        options.get('passwd')


# ---- validation of an entry (the inventory's clusters) ------------------------------------------------------

def test_an_entry_is_typed_as_a_task_argument_is():
    values, problems = _connection.validate({'url': 'https://wa', 'validate_certs': 'no', 'timeout': '2.5', 'retries': '3',
                                             'ca_cert': '~/ca.pem', 'password': 1234}, where='cluster eu-1')
    assert problems == []
    assert (values['validate_certs'], values['timeout'], values['retries'], values['password']) == (False, 2.5, 3, '1234')
    assert values['ca_path'] == os.path.expanduser('~/ca.pem')
    assert values['username'] is None


@pytest.mark.parametrize('params, message', [
    ({'passwd': 'x'}, 'cluster eu-1: Unsupported parameters: passwd. Supported parameters include: ca_path, password'),
    ({'timeout': 'soon'}, "cluster eu-1: argument 'timeout' is of type str and we were unable to convert to float"),
    ({'validate_certs': 'maybe'}, "cluster eu-1: argument 'validate_certs' is of type str and we were unable to convert to bool"),
    ({'timeout': float('inf')}, 'cluster eu-1: timeout: expected a number, got inf'),
    ({'timeout': -1}, 'cluster eu-1: timeout: must not be negative'),
    ({'retries': -2}, 'cluster eu-1: retries: must not be negative'),
])
def test_a_typo_in_an_entry_gets_the_message_of_a_task(params, message):
    dummy, problems = _connection.validate(params, where='cluster eu-1')
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_a_secret_of_an_invalid_entry_is_never_in_the_message():
    dummy, problems = _connection.validate({'password': 'S3cret!', 'token': 'T0ken', 'retries': 'x', 'pasword': 'S3cret!'})
    assert problems and 'S3cret!' not in ' '.join(problems) and 'T0ken' not in ' '.join(problems)


# ---- the one path, and a wait in one session ----------------------------------------------------------------

def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


class Session(object):
    """A fake client: counts logins and logouts the way _client.Client makes them (login on the first read, logout on
    close), and answers each read from ``answers`` in turn (a WabizError is raised)."""

    made = []

    def __init__(self, url, **kwargs):
        self.url = url
        self.kwargs = kwargs
        self.logins = 0
        self.logouts = 0
        self.reads = 0
        self.token = None
        Session.made.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.token:
            self.logouts += 1
            self.token = None

    def fetch(self):
        if self.token is None:
            self.logins += 1
            self.token = 'tok'
        answer = self.answers[min(self.reads, len(self.answers) - 1)]
        self.reads += 1
        if isinstance(answer, Exception):
            raise answer
        return copy.deepcopy(answer)


def session(answers):
    Session.made = []
    Session.answers = answers
    return Session


OPTIONS = {'url': 'https://wa/eu-1', 'username': 'monitor', 'password': 'pw'}


@pytest.fixture
def bodies():
    healthy = {'support': load('ha.json'), 'shard_count': 1, 'shard_count_error': None}
    for node in healthy['support']['support'].values():
        node['expire_timestamp'] = '2099-01-01T00:00:00'  # the fixture's builds expire in 2026
    broken = copy.deepcopy(healthy)
    for node in broken['support']['support'].values():
        node['shards'] = []  # nobody owns a shard: critical
    return healthy, broken


def test_one_read_without_a_wait(bodies):
    healthy, dummy = bodies
    sleeps = []
    report = _connection.check(OPTIONS, {}, client_class=session([healthy]), sleep=sleeps.append)
    assert (report['status'], report['attempts'], report['reachable']) == ('ok', 1, True)
    assert report['support'] == redact(healthy['support']) != healthy['support']  # the fixture's env holds secrets
    client = Session.made[0]
    assert (client.logins, client.reads, client.logouts, sleeps) == (1, 1, 1, [])
    assert client.kwargs['password'] == 'pw' and client.kwargs['timeout'] == 10.0 and client.kwargs['retries'] == 2


def test_a_wait_polls_in_one_session_until_the_cluster_passes(bodies):
    healthy, broken = bodies
    unreachable = WabizError('unreachable', 'GET https://wa/eu-1/v1/support: cannot connect (refused)')
    sleeps = []
    report = _connection.check(OPTIONS, {}, client_class=session([broken, unreachable, broken, healthy]), wait_timeout=60,
                               wait_delay=5, sleep=sleeps.append)
    assert (report['status'], report['attempts']) == ('ok', 4)
    assert len(Session.made) == 1
    client = Session.made[0]
    assert (client.logins, client.reads, client.logouts) == (1, 4, 1)
    assert sleeps == [5, 5, 5]


def test_a_wait_that_runs_out_returns_the_last_read(bodies):
    dummy, broken = bodies
    report = _connection.check(OPTIONS, {}, client_class=session([broken]), wait_timeout=10, wait_delay=4, sleep=lambda s: None)
    assert (report['status'], report['attempts']) == ('critical', 4)  # the first read and ceil(10 / 4) more
    assert (Session.made[0].logins, Session.made[0].logouts) == (1, 1)


def test_a_wait_for_warnings_keeps_reading_a_cluster_with_warnings(bodies):
    healthy, dummy = bodies
    report = _connection.check(OPTIONS, {'free_space_warning': '1000TiB'}, client_class=session([healthy]), wait_timeout=2,
                               wait_delay=1, fail_on='warning', sleep=lambda s: None)
    assert (report['status'], report['attempts']) == ('warning', 3)
    report = _connection.check(OPTIONS, {'free_space_warning': '1000TiB'}, client_class=session([healthy]), wait_timeout=2,
                               wait_delay=1, fail_on='critical', sleep=lambda s: None)
    assert (report['status'], report['attempts']) == ('warning', 1)


def test_a_wait_whose_last_read_failed_raises_with_the_attempts():
    unreachable = WabizError('unreachable', 'cannot connect')
    with pytest.raises(WabizError) as caught:
        _connection.check(OPTIONS, {}, client_class=session([unreachable]), wait_timeout=3, wait_delay=1, sleep=lambda s: None)
    assert (caught.value.code, caught.value.attempts) == ('unreachable', 4)


@pytest.mark.parametrize('code', ['password_change_required', 'invalid_option'])
def test_a_wait_never_repeats_an_error_of_the_options(code):
    with pytest.raises(WabizError) as caught:
        _connection.check(OPTIONS, {}, client_class=session([WabizError(code, 'no')]), wait_timeout=30, wait_delay=1,
                          sleep=lambda s: None)
    assert (caught.value.code, caught.value.attempts, Session.made[0].reads) == (code, 1, 1)


@pytest.mark.parametrize('kwargs, code', [
    ({'policy': {'nope': 1}}, 'invalid_policy'),
    ({'fail_on': 'info'}, 'invalid_option'),
    ({'wait_timeout': 10, 'wait_delay': 0}, 'invalid_option'),
    ({'wait_timeout': -1}, 'invalid_option'),
])
def test_bad_options_fail_before_any_request(kwargs, code, bodies):
    healthy, dummy = bodies
    options = dict(kwargs)  # a copy: the parameter itself is shared by every run of the test (mutmut runs it twice)
    policy = options.pop('policy', {})
    with pytest.raises(WabizError) as caught:
        _connection.check(OPTIONS, policy, client_class=session([healthy]), sleep=lambda s: None, **options)
    assert caught.value.code == code
    assert Session.made == []


def test_an_answer_the_redaction_cannot_walk_is_a_bad_response(monkeypatch, bodies):
    healthy, dummy = bodies

    def hostile(value):
        raise RecursionError('maximum recursion depth exceeded')

    monkeypatch.setattr(_connection, 'redact', hostile)
    with pytest.raises(WabizError) as caught:
        _connection.check(OPTIONS, {}, client_class=session([healthy]))
    assert caught.value.code == 'bad_response'
    assert caught.value.message == ('GET https://wa/eu-1/v1/support: the answer cannot be processed '
                                    '(RecursionError: maximum recursion depth exceeded)')


# ---- a session kept across tasks ----------------------------------------------------------------------------

def test_the_session_options_match_the_doc_fragment():
    documented = yaml.safe_load(ModuleDocFragment.SESSION)['options']
    assert sorted(documented) == sorted(_connection.SESSION_OPTIONS)
    for name, declared in _connection.SESSION_OPTIONS.items():
        assert documented[name]['type'] == declared['type']
        assert documented[name]['default'] == declared['default']
        assert documented[name].get('choices') == declared.get('choices')


def test_a_kept_session_is_a_private_file_named_by_a_hash(tmp_path):
    store = _connection.SessionStore(str(tmp_path / 'sessions'), 'https://wa/eu-1/', 'monitor')
    assert store.load() is None
    store.save('T0ken')
    assert 'monitor' not in store.path and 'eu-1' not in store.path
    assert os.stat(store.path).st_mode & 0o777 == 0o600
    assert os.stat(str(tmp_path / 'sessions')).st_mode & 0o777 == 0o700
    assert store.load() == 'T0ken'
    assert _connection.SessionStore(str(tmp_path / 'sessions'), 'https://wa/eu-1', 'monitor').load() == 'T0ken'
    assert _connection.SessionStore(str(tmp_path / 'sessions'), 'https://wa/eu-1', 'admin').load() is None
    store.forget()
    assert store.load() is None and not os.path.exists(store.path)
    store.forget()  # forgetting twice is fine


def test_a_session_file_others_can_read_or_a_link_is_never_used(tmp_path):
    store = _connection.SessionStore(str(tmp_path), 'https://wa', 'monitor')
    store.save('T0ken')
    os.chmod(store.path, 0o644)
    assert store.load() is None
    os.remove(store.path)
    target = tmp_path / 'elsewhere'
    target.write_text('Planted')
    os.chmod(str(target), 0o600)
    os.symlink(str(target), store.path)
    assert store.load() is None


@pytest.mark.parametrize('options', [
    {'url': 'https://wa', 'token': 'given', 'username': 'monitor', 'password': 'pw'},
    {'url': 'https://wa', 'username': 'monitor'},
    {'url': 'https://wa', 'token': 'given'},
])
def test_a_session_needs_username_and_password_and_no_token(options, tmp_path):
    with pytest.raises(WabizError) as caught:
        _connection.check(options, {}, client_class=session([]), session='keep', session_dir=str(tmp_path))
    assert caught.value.code == 'invalid_option' and 'needs username and password' in caught.value.message
    assert Session.made == []


# ---- hostile inputs (review) ----------------------------------------------------------------------------------

@pytest.mark.parametrize('kwargs', [
    {'wait_timeout': float('nan')},
    {'wait_timeout': float('inf')},
    {'wait_timeout': 10 ** 9},  # longer than MAX_TIMEOUT: the run would never end
    {'wait_timeout': True},
    {'wait_timeout': 'abc'},
    {'wait_timeout': 10, 'wait_delay': float('nan')},
    {'wait_timeout': 10, 'wait_delay': float('inf')},  # one read only, the wait silently dropped
    {'wait_timeout': 10, 'wait_delay': 1e300},  # time.sleep overflows
])
def test_a_wait_out_of_bounds_is_an_invalid_option_before_any_request(kwargs, bodies):
    healthy, dummy = bodies
    with pytest.raises(WabizError) as caught:
        _connection.check(OPTIONS, {}, client_class=session([healthy]), sleep=lambda s: None, **kwargs)
    assert caught.value.code == 'invalid_option'
    assert Session.made == []


@pytest.mark.parametrize('given', [{'retries': float('inf')}, {'timeout': 10 ** 400}])
def test_an_entry_whose_value_cannot_be_converted_is_a_problem_not_an_exception(given):
    values, problems = _connection.validate(dict(given, url='https://wa', password='S3cret-pw'), where='cluster x')
    assert problems and all(problem.startswith('cluster x: ') for problem in problems)
    assert 'S3cret-pw' not in ' '.join(problems)


def test_an_entry_with_an_option_and_its_alias_is_a_problem():
    values, problems = _connection.validate({'url': 'https://wa', 'ca_path': '/a', 'ca_cert': '/b'}, where='cluster x')
    assert problems == ['cluster x: ca_path and its alias ca_cert are both set; give one']


def test_a_session_dir_others_can_write_is_refused_and_left_as_it_is(tmp_path, bodies):
    healthy, dummy = bodies
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o1777)
    link = tmp_path / 'link'
    os.symlink(str(shared), str(link))
    for directory in (shared, link):
        with pytest.raises(WabizError) as caught:
            _connection.check(OPTIONS, {}, client_class=session([healthy]), session='keep', session_dir=str(directory))
        assert caught.value.code == 'invalid_option' and 'session_dir' in caught.value.message
        assert Session.made == []
        assert os.stat(str(shared)).st_mode & 0o7777 == 0o1777  # never chmod-ed
        assert os.listdir(str(shared)) == []


def test_a_session_dir_that_is_a_file_is_an_invalid_option(tmp_path, bodies):
    healthy, dummy = bodies
    plain = tmp_path / 'file'
    plain.write_text('x')
    with pytest.raises(WabizError) as caught:
        _connection.check(OPTIONS, {}, client_class=session([healthy]), session='keep', session_dir=str(plain))
    assert caught.value.code == 'invalid_option' and Session.made == []


def test_a_planted_temporary_file_never_makes_the_session_file_readable(tmp_path):
    directory = tmp_path / 'sessions'
    store = _connection.SessionStore(str(directory), 'https://wa', 'monitor')
    store.save('first')
    planted = '%s.%d.tmp' % (store.path, os.getpid())
    with open(planted, 'w') as handle:
        handle.write('x')
    os.chmod(planted, 0o644)
    store.save('T0ken')
    assert os.stat(store.path).st_mode & 0o777 == 0o600
    assert store.load() == 'T0ken'


def test_a_kept_token_with_control_characters_is_never_read(tmp_path):
    store = _connection.SessionStore(str(tmp_path / 'sessions'), 'https://wa', 'monitor')
    store.save('T0ken\r\nX-Evil: 1')
    assert store.load() is None


def test_two_tasks_making_the_session_dir_at_once_both_keep_their_session(tmp_path, monkeypatch):
    directory = str(tmp_path / 'sessions')
    first = _connection.SessionStore(directory, 'https://wa', 'monitor')
    second = _connection.SessionStore(directory, 'https://wa', 'admin')
    real_lexists = os.path.lexists
    monkeypatch.setattr(os.path, 'lexists', lambda path: False if path == directory else real_lexists(path))
    first.prepare()  # the other task made it between the check and makedirs
    second.prepare()
    assert os.stat(directory).st_mode & 0o777 == 0o700
