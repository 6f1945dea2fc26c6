# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hostile-server matrix: wabiz.onprem.support_info run by a real `ansible -vvv` against a scripted
HTTPS server that trickles, stalls, amplifies, nests, echoes credentials, redirects and expires tokens
(tests/integration/hostile_server.py). Each case asserts its error code, that no secret appears anywhere
in the output, and a wall-time bound derived from timeout and retries (a bound, not a benchmark)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import time

import pytest

from hostile_server import (
    HostileServer, PASSWORD, SECRETS, TEMPLATE_PASSWORD, TEMPLATE_TOKEN, TOKEN, USERNAME,
)
from integration_helpers import run_module, run_playbook

TIMEOUT = 1
RETRIES = 1
BACKOFF_MAX = 1.0  # 0.5 s, doubled per attempt: 0.5 s before the one retry, counted generously
BIG_TIMEOUT = 15   # room to move 31 MB over TLS on a busy machine
STARTUP = 30       # ansible's own start-up and module transfer, on a loaded 2-CPU CI machine


def wall_bound(timeout, retries):
    """What a run may take at most: every attempt to its deadline, every back-off, + start-up of ansible.
    Without a total deadline a trickle lasts TRICKLE_CAP (60 s) per attempt: far beyond this bound."""
    return (retries + 1) * (timeout + BACKOFF_MAX) + STARTUP


LOGIN = {'username': USERNAME}              # the password comes from WABIZ_PASSWORD
GIVEN_TOKEN = {}                            # the token comes from WABIZ_TOKEN

# case id -> (server case, handshake port?, credentials, expected error code, fragment of the message)
CASES = {
    'trickled TLS handshake': ('handshake', True, GIVEN_TOKEN, 'timeout', 'within 1.0 s'),
    'trickled headers': ('trickle-headers', False, GIVEN_TOKEN, 'timeout', 'within 1.0 s'),
    'trickled body': ('trickle-body', False, GIVEN_TOKEN, 'timeout', 'within 1.0 s'),
    'stall after headers': ('stall-body', False, GIVEN_TOKEN, 'timeout', 'within 1.0 s'),
    'amplification': ('amplification', False, dict(GIVEN_TOKEN, timeout=BIG_TIMEOUT), 'bad_response',
                      'more than 100000 JSON containers'),
    'deep nesting': ('deep-nesting', False, GIVEN_TOKEN, 'bad_response', 'nested too deeply'),
    'echoed credentials at login': ('echo-login', False, LOGIN, 'auth_failed', 'was refused (HTTP 401)'),
    'echoed credentials in an API error': ('echo-api', False, LOGIN, 'api_error', 'Authorization: Bearer ********'),
    'echoed credentials in an HTML page': ('echo-html', False, LOGIN, 'bad_response', 'got an HTML page (HTTP 502'),
    'echoed credentials while overloaded': ('echo-overloaded', False, LOGIN, 'rate_limited', 'after 2 attempts'),
    'redirect to http': ('redirect-http', False, LOGIN, 'bad_response', 'to http://127.0.0.1:'),
    'redirect to another host': ('redirect-host', False, LOGIN, 'bad_response', 'to https://evil.example.invalid/steal'),
    'expired token after our login': ('token-expired', False, LOGIN, 'auth_failed', 'even after a fresh login'),
    'expired given token': ('token-expired', False, GIVEN_TOKEN, 'auth_failed', 'given token was refused'),
}


@pytest.fixture(scope='module')
def hostile(tmp_path_factory):
    with HostileServer(str(tmp_path_factory.mktemp('hostile-certs'))) as server:
        yield server


class Run(object):
    """One `ansible -vvv -m wabiz.onprem.support_info` run of a case: its result, wall time and the
    requests the server saw meanwhile."""

    def __init__(self, hostile, name):
        case, handshake, credentials, self.code, self.fragment = CASES[name]
        args = dict(url=hostile.url(case, hostile.handshake_port if handshake else None),
                    ca_path=hostile.ca_path, timeout=TIMEOUT, retries=RETRIES)
        args.update(credentials)
        self.bound = wall_bound(args['timeout'], args['retries'])
        env = {'WABIZ_PASSWORD': PASSWORD} if 'username' in credentials else {'WABIZ_TOKEN': TOKEN}
        before = len(hostile.requests)
        started = time.time()
        self.result = run_module('wabiz.onprem.support_info', args, env=env, verbosity=3)
        self.elapsed = time.time() - started
        self.requests = hostile.requests[before:]


@pytest.fixture(scope='module')
def runs(hostile):
    """Each case runs once, when a test first needs it."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = Run(hostile, name)
        return cache[name]
    return get


def assert_no_secret(output):
    for secret in SECRETS + ('Hostile%21pass9',):
        assert secret not in output


@pytest.mark.parametrize('name', sorted(CASES))
def test_hostile_server_case(runs, name):
    run = runs(name)
    result = run.result
    assert result.rc != 0, result
    assert result.data is not None, result
    assert result.data['error']['code'] == run.code, result
    assert run.fragment in result.data['error']['message'], result
    assert 'Traceback' not in result.output
    assert_no_secret(result.output)
    assert run.elapsed < run.bound, (run.elapsed, result)


def test_credentials_echoed_in_a_healthy_answer_are_masked_in_the_raw_support(hostile):
    args = {'url': hostile.url('echo-body'), 'ca_path': hostile.ca_path, 'username': USERNAME, 'retries': 0}
    result = run_module('wabiz.onprem.support_info', args, env={'WABIZ_PASSWORD': PASSWORD}, verbosity=3)
    assert result.rc == 0, result
    assert result.data['status'] == 'ok'
    support = result.data['support']['support']
    # a whole value equal to a secret is replaced the way Ansible's no_log does it
    assert support['context'] == {'header': 'Bearer ********', 'basic': 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'}
    assert support['os_name'].startswith('Authorization: Bearer ********; at login: Basic ******** (monitor:********)')
    assert_no_secret(result.output)


def test_duplicate_node_keys_are_a_critical_finding(hostile):
    """A node key sent twice (the broken twin first, a healthy one last) is a critical finding, not a pass."""
    args = {'url': hostile.url('duplicate-nodes'), 'ca_path': hostile.ca_path, 'username': USERNAME, 'retries': 0}
    result = run_module('wabiz.onprem.support_info', args, env={'WABIZ_PASSWORD': PASSWORD})
    assert result.rc == 0, result
    assert result.data['support']['support']['__wabiz_duplicate_keys__'] == ['wacore1:bb']
    assert result.data['support']['support']['wacore1:bb']['socket_conn'] == 'UP'
    assert result.data['status'] == 'critical'
    assert [(f['code'], f['node']) for f in result.data['findings'] if f['code'] == 'node_key_duplicate'] == [
        ('node_key_duplicate', 'wacore1:bb')]


def test_echoed_credentials_are_masked_not_dropped(runs):
    """The echo is still shown (masked): the operator sees what the server said."""
    details = runs('echoed credentials in an API error').result.data['error']['details']
    assert details.startswith('Authorization: Bearer ********; at login: Basic ******** (monitor:********)')


def test_expired_token_logs_in_again_once(runs):
    calls = [entry[1:3] for entry in runs('expired token after our login').requests]
    assert calls.count(('POST', '/v1/users/login')) == 2
    assert calls.count(('GET', '/v1/support')) == 2


@pytest.mark.parametrize('name,case', [('redirect to http', 'redirect-http'), ('redirect to another host', 'redirect-host')])
def test_redirects_are_not_followed(runs, name, case):
    assert [entry[:3] for entry in runs(name).requests] == [(case, 'POST', '/v1/users/login')]


@pytest.mark.parametrize('name', ['trickled TLS handshake', 'trickled headers', 'trickled body', 'stall after headers'])
def test_timeouts_are_retried(runs, name):
    run = runs(name)
    assert 'attempt 1 of 2' in run.result.output
    if name != 'trickled TLS handshake':  # the handshake never reaches HTTP: nothing to log
        assert len(run.requests) == RETRIES + 1


def test_password_with_template_markers_is_used_verbatim(hostile, tmp_path):
    """From the environment, from a file lookup and from an !unsafe variable: the webapp accepts only the
    exact bytes. (A plain variable or -e value is a template by Ansible's own rules: mark it !unsafe.)"""
    url = hostile.url('verbatim')
    args = {'url': url, 'ca_path': hostile.ca_path, 'username': USERNAME, 'retries': 0}
    secrets = tmp_path / 'secrets.yml'
    secrets.write_text('wabiz_password: !unsafe %s\n' % json.dumps(TEMPLATE_PASSWORD))
    password_file = tmp_path / 'password.txt'
    password_file.write_text(TEMPLATE_PASSWORD)
    playbook = [{
        'name': 'verbatim password', 'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(secrets)],
        'tasks': [
            {'name': 'Password from an !unsafe variable', 'register': 'by_vars_file',
             'wabiz.onprem.support_info': dict(args, password='{{ wabiz_password }}')},
            {'name': 'Password from a file lookup', 'register': 'by_lookup',
             'wabiz.onprem.support_info': dict(args, password="{{ lookup('ansible.builtin.file', '%s') }}" % password_file)},
            {'name': 'Password from WABIZ_PASSWORD', 'register': 'by_env', 'wabiz.onprem.support_info': args},
            {'name': 'Both read the cluster', 'ansible.builtin.assert': {'that': [
                "by_vars_file.status == 'ok'", "by_lookup.status == 'ok'", "by_env.status == 'ok'"]}},
        ],
    }]
    before = len(hostile.requests)
    result = run_playbook(tmp_path / 'verbatim.yml', playbook, env={'WABIZ_PASSWORD': TEMPLATE_PASSWORD}, args=['-vvv'])
    assert result.rc == 0, result.output[-3000:]
    calls = [entry[1:] for entry in hostile.requests[before:]]
    assert len([call for call in calls if call[:2] == ('POST', '/v1/users/login')]) == 3
    assert len([call for call in calls if call == ('GET', '/v1/support', 'Bearer ' + TEMPLATE_TOKEN)]) == 3
    assert TEMPLATE_PASSWORD not in result.output
    assert TEMPLATE_TOKEN not in result.output


def test_token_with_template_markers_is_used_verbatim(hostile):
    before = len(hostile.requests)
    result = run_module('wabiz.onprem.support_info', {'url': hostile.url('verbatim'), 'ca_path': hostile.ca_path, 'retries': 0},
                        env={'WABIZ_TOKEN': TEMPLATE_TOKEN}, verbosity=3)
    assert result.rc == 0, result
    assert result.data['status'] == 'ok'
    assert [entry[1:] for entry in hostile.requests[before:]] == [('GET', '/v1/support', 'Bearer ' + TEMPLATE_TOKEN)]
    assert TEMPLATE_TOKEN not in result.output
