# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""wabiz.onprem.support_info against the HTTPS simulator: every finding code and every error code
produced by a real ansible run over real HTTPS."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
import requests

from integration_helpers import ADMIN_PASSWORD, closed_port, connection, run_module, run_playbook

# (case id, cluster, extra module args) -> one loop item of a single playbook run
FINDING_CASES = {
    'mc-ok': ('mc-ok', {}),
    'ha-ok': ('ha-ok', {}),
    'single-ok': ('single-ok', {}),
    'primary_master_count': ('two-primaries', {}),
    'secondary_master_missing': ('one-master', {}),
    'role_count_mismatch': ('mc-ok', {'policy': {'role_counts': {'primary_master': 1, 'secondary_master': 1, 'coreapp': 6}}}),
    'shard_unowned': ('shard-gap', {}),
    'shard_multiple_owners': ('shard-dup', {}),
    'coreapp_multiple_shards': ('core-two-shards', {}),
    'control_shard_owner': ('control-owner', {}),
    'shard_count_invalid': ('shard-count-3', {}),
    'shard_count_unknown': ('shard-unknown', {}),
    'shard_count_inferred': ('shards-half-gone', {}),
    'standby_coreapp_missing': ('no-standby', {}),
    'socket_conn_down': ('core-down', {}),
    'socket_conn_transient': ('core-connecting', {}),
    'socket_conn_unexpected': ('standby-up', {}),
    'free_space_low': ('disk-low', {}),
    'build_expiring': ('expiring', {}),
    'build_expired': ('expired-build', {}),
    'version_mismatch': ('mixed-version', {}),
    'schema_mismatch': ('schema-drift', {}),
    'db_engine_mismatch': ('engine-drift', {}),
    'multi_connect_mismatch': ('mc-flag', {}),
    'unregistered': ('unregistered', {}),
    'node_error': ('node-error', {}),
    'field_invalid': ('garbage', {}),
    'field_unreadable': ('garbage', {}),
    'field_missing': ('no-expiry', {}),
    # failures of the call
    'timeout': ('slow', {'timeout': 1}),
    'tls_error': ('mc-ok', {'ca_path': None}),
    'auth_failed': ('mc-ok', {'password': 'Wrong!pass1'}),
    'password_change_required': ('first-login', {'password': 'secret'}),
    'rate_limited': ('overloaded', {'retries': 1}),
    'app_expired': ('app-expired', {}),
    'api_error': ('wacore-down', {}),
    'bad_response:proxy': ('proxy-502', {}),
    'bad_response:html': ('login-page', {}),
    'bad_response:not_json': ('not-json', {}),
    'bad_response:cut_json': ('cut-json', {}),
    'bad_response:cut_connection': ('cut-connection', {}),
    'bad_response:oversized': ('huge', {}),
    'invalid_policy': ('mc-ok', {'policy': {'free_space_warning': 'lots'}}),
    # bad settings: a coded error for the cluster, never "Module failed" with a traceback
    'tls_error:missing_ca': ('mc-ok', {'ca_path': '/nonexistent/wabiz-ca.pem'}),
    'unreachable:bad_port': ('mc-ok', {'url': 'https://127.0.0.1:99999/mc-ok'}),
    'unreachable:bad_url': ('mc-ok', {'url': 'https://bob:Url!secret9@wa example.com/mc-ok?token=Url!secret9'}),
}


@pytest.fixture(scope='session')
def results(sim, tmp_path_factory):
    """One ansible-playbook run that calls support_info once per case; results by case id."""
    tmp = tmp_path_factory.mktemp('support_info')
    items = []
    for case, (cluster, extra) in sorted(FINDING_CASES.items()):
        args = connection(sim, cluster, **extra)
        if 'password' not in extra:
            del args['password']  # from WABIZ_PASSWORD: the run's output must never show it
        items.append({'case': case, 'args': dict((k, v) for k, v in args.items() if v is not None)})
    items.append({'case': 'unreachable', 'args': {'url': 'https://127.0.0.1:%d' % closed_port(), 'username': 'admin', 'retries': 1, 'timeout': 2}})
    out = tmp / 'results.json'
    playbook = [{
        'name': 'support_info over every case', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [
            {'name': 'Read', 'wabiz.onprem.support_info': '{{ item.args }}', 'loop': '{{ cases }}',
             'loop_control': {'label': '{{ item.case }}'}, 'register': 'read', 'ignore_errors': True},
            {'name': 'Save', 'ansible.builtin.copy': {'content': '{{ read.results | to_json }}', 'dest': str(out), 'mode': '0600'}},
        ],
    }]
    result = run_playbook(tmp / 'play.yml', playbook, extra_vars={'cases': items}, env={'WABIZ_PASSWORD': ADMIN_PASSWORD})
    assert result.rc == 0, result
    by_case = dict((entry['item']['case'], entry) for entry in json.loads(out.read_text()))
    by_case['_output'] = result.output
    return by_case


def codes(entry):
    return sorted(set(finding['code'] for finding in entry['findings']))


@pytest.mark.parametrize('case,topology', [('mc-ok', 'multiconnect'), ('ha-ok', 'ha'), ('single-ok', 'single')])
def test_healthy_clusters_have_no_finding(results, case, topology):
    entry = results[case]
    assert entry['reachable'] is True
    assert entry['findings'] == []
    assert entry['status'] == 'ok'
    assert entry['topology'] == topology
    assert entry['changed'] is False
    assert entry['msg'].startswith('OK: %s cluster' % topology)


def test_multiconnect_cluster_summary(results):
    entry = results['mc-ok']
    cluster = entry['cluster']
    assert cluster['shard_count'] == 4
    assert cluster['shard_count_source'] == 'api'
    assert cluster['unowned_shards'] == []
    assert sorted(int(k) for k in cluster['owned_shards']) == [-1, 0, 1, 2, 3]
    assert cluster['role_counts']['primary_master'] == 1
    assert cluster['role_counts']['secondary_master'] == 1
    assert cluster['role_counts']['coreapp'] == 5
    assert cluster['versions'] == ['v2.45.1']
    assert len(entry['nodes']) == 7
    names = [node['name'] for node in entry['nodes']]
    assert names == sorted(names)
    primary = [node for node in entry['nodes'] if node['role'] == 'primary_master'][0]
    assert primary['hostname'] == 'master1'
    assert primary['shards'] == [-1]
    assert primary['socket_conn'] == 'UP'
    assert primary['free_space']['data'] == 9223372036853727000


def test_ha_primary_master_disconnected_is_not_an_alarm(results):
    nodes = results['ha-ok']['nodes']
    primary = [node for node in nodes if node['role'] == 'primary_master'][0]
    assert primary['socket_conn'] == 'DN'
    owner = [node for node in nodes if node['shards']][0]
    assert owner['shards'] == [-1, 0]
    assert results['ha-ok']['cluster']['shard_count'] == 1


@pytest.mark.parametrize('code', [case for case in FINDING_CASES if case.islower() and '_' in case and ':' not in case
                                  and case not in ('timeout', 'tls_error', 'auth_failed', 'password_change_required',
                                                   'rate_limited', 'app_expired', 'api_error', 'invalid_policy')])
def test_every_finding_code_is_produced(results, code):
    entry = results[code]
    assert entry.get('failed') is not True, entry.get('msg')
    assert code in codes(entry), entry['findings']
    finding = [f for f in entry['findings'] if f['code'] == code][0]
    assert finding['severity'] in ('critical', 'warning')
    assert finding['message']
    assert entry['status'] in ('critical', 'warning')


def test_multiconnect_count_only_inferred_never_passes(results):
    """Half the shards lost their owner and the shard count cannot be read: the inferred count (2) hides them."""
    entry = results['shard_count_inferred']
    assert entry['cluster']['shard_count_source'] == 'inferred' and entry['cluster']['shard_count'] == 2
    assert entry['cluster']['unowned_shards'] == []
    assert [(f['code'], f['severity']) for f in entry['findings']] == [('shard_count_inferred', 'critical')]
    assert entry['status'] == 'critical'


def test_ha_standby_up_is_a_warning(results):
    entry = results['socket_conn_unexpected']
    assert [(f['code'], f['severity'], f['node'].split(':')[0]) for f in entry['findings']] == [
        ('socket_conn_unexpected', 'warning', 'wacore2')]
    assert entry['status'] == 'warning'


def test_findings_name_the_node_and_both_levels(results):
    entry = results['free_space_low']
    low = [f for f in entry['findings'] if f['code'] == 'free_space_low']
    assert sorted(f['severity'] for f in low) == ['critical', 'warning']
    assert all(f['node'].startswith('wacore1:') for f in low)
    assert any('logs' in f['message'] for f in low if f['severity'] == 'critical')
    # the unbounded data/media_outgoing values (about 2^63) never alarm
    assert not any('data' in f['message'].split()[0] for f in low)


def test_shard_gap_is_proven(results):
    entry = results['shard_unowned']
    assert entry['cluster']['unowned_shards'] == [1]
    messages = [f['message'] for f in entry['findings'] if f['code'] == 'shard_unowned']
    assert len(messages) == 1 and 'shard 1' in messages[0]


def test_node_error_keeps_api_details(results):
    finding = [f for f in results['node_error']['findings'] if f['code'] == 'node_error'][0]
    assert finding['node'].startswith('wacore5:')
    assert '1011' in finding['message']


@pytest.mark.parametrize('case,code', [
    ('unreachable', 'unreachable'), ('timeout', 'timeout'), ('tls_error', 'tls_error'), ('auth_failed', 'auth_failed'),
    ('password_change_required', 'password_change_required'), ('rate_limited', 'rate_limited'), ('app_expired', 'app_expired'),
    ('api_error', 'api_error'), ('bad_response:proxy', 'bad_response'), ('bad_response:html', 'bad_response'),
    ('bad_response:not_json', 'bad_response'), ('bad_response:cut_json', 'bad_response'),
    ('bad_response:cut_connection', 'bad_response'), ('bad_response:oversized', 'bad_response'),
    ('invalid_policy', 'invalid_policy'), ('tls_error:missing_ca', 'tls_error'), ('unreachable:bad_port', 'unreachable'),
    ('unreachable:bad_url', 'unreachable'),
])
def test_every_error_code_fails_with_one_clear_message(results, case, code):
    entry = results[case]
    assert entry['failed'] is True
    assert entry['error']['code'] == code
    assert entry['msg'].startswith('[%s] ' % code)
    assert 'Traceback' not in entry['msg'] and 'Traceback' not in str(entry.get('exception', ''))
    assert 'object at 0x' not in entry['msg'] and 'Pool(' not in entry['msg']
    assert entry['reachable'] is (code not in ('unreachable', 'timeout', 'tls_error'))
    assert 'findings' not in entry


def test_error_details(results):
    assert results['api_error']['error']['api_code'] == 1014
    assert 'wacore' in results['api_error']['error']['details']
    assert results['app_expired']['error']['api_code'] == 1005
    assert results['auth_failed']['error']['status'] == 401
    assert 'ca_path' in results['tls_error']['msg']
    assert 'HTML page' in results['bad_response:proxy']['msg'] and '502' in results['bad_response:proxy']['msg']
    assert 'free_space_warning' in results['invalid_policy']['msg']
    assert 'ca_path /nonexistent/wabiz-ca.pem does not exist' in results['tls_error:missing_ca']['msg']
    assert 'port' in results['unreachable:bad_port']['msg'].lower()
    assert 'url must look like' in results['unreachable:bad_url']['msg']


def test_user_info_and_query_of_a_bad_url_never_reach_the_result(results):
    entry = dict(results['unreachable:bad_url'])
    entry.pop('item')  # the loop item holds the module arguments as given
    assert 'Url!secret9' not in json.dumps(entry)
    assert 'bob' not in json.dumps(entry)


def test_no_traceback_and_no_password_in_the_whole_run(results):
    output = results['_output']
    assert 'Traceback' not in output
    assert ADMIN_PASSWORD not in output


def test_secret_env_values_are_redacted_in_both_formats(sim):
    result = run_module('wabiz.onprem.support_info', connection(sim, 'secrets'))
    assert result.rc == 0, result
    text = json.dumps(result.data['support'])
    for secret in ('db-Pa55-must-not-leak', 'apikey-must-not-leak-0123', 'jwt-must-not-leak', 'secret-must-not-leak'):
        assert secret not in result.output
    envs = [node['env'] for node in result.data['support']['support'].values()]
    assert any('WA_DB_PASSWORD=********' in env for env in envs)
    assert any({'name': 'WA_DB_PASSWORD', 'value': '********'} in env for env in envs)
    assert 'WA_DB_ENGINE' in text


def login_token(sim, cluster):
    response = requests.post(sim.url(cluster, '/v1/users/login'), auth=('admin', ADMIN_PASSWORD), verify=sim.ca_path, timeout=10)
    response.raise_for_status()
    return response.json()['users'][0]['token']


def test_nothing_leaks_at_vvv(sim, tmp_path):
    """A -vvv run with a password login and another with a token show neither, nor the secret env values."""
    token = login_token(sim, 'secrets')
    playbook = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'With a password', 'wabiz.onprem.support_info': connection(sim, 'secrets')},
        {'name': 'With a token', 'wabiz.onprem.support_info': {'url': sim.url('secrets'), 'token': token, 'ca_path': sim.ca_path}},
    ]}]
    result = run_playbook(tmp_path / 'play.yml', playbook, args=['-vvv'])
    assert result.rc == 0, result
    assert '"topology": "multiconnect"' in result.output  # the results were printed
    for secret in (ADMIN_PASSWORD, token, token.split('.')[-1], 'db-Pa55-must-not-leak', 'apikey-must-not-leak-0123',
                   'jwt-must-not-leak', 'secret-must-not-leak'):
        assert secret not in result.output
    # the token obtained by the password login is masked too: no JWT-looking string is printed
    header = token.split('.')[0]
    assert header not in result.output


def test_self_signed_without_ca_fails_and_with_it_passes(sim):
    failed = run_module('wabiz.onprem.support_info', connection(sim, 'single-ok', ca_path=None))
    assert failed.rc != 0 and failed.data['error']['code'] == 'tls_error'
    assert run_module('wabiz.onprem.support_info', connection(sim, 'single-ok')).data['status'] == 'ok'


def test_validate_certs_false_works_with_a_warning(sim):
    result = run_module('wabiz.onprem.support_info', connection(sim, 'single-ok', ca_path=None, validate_certs=False))
    assert result.rc == 0, result
    assert 'validation is off' in result.output


def test_plain_http_works_with_a_warning(http_sim):
    result = run_module('wabiz.onprem.support_info', connection(http_sim, 'ha-ok', ca_path=None))
    assert result.rc == 0, result
    assert result.data['topology'] == 'ha'
    assert 'plain http' in result.output


def test_environment_fallbacks(sim):
    env = {'WABIZ_URL': sim.url('ha-ok'), 'WABIZ_USERNAME': 'monitor', 'WABIZ_PASSWORD': 'M0nitor!pass', 'WABIZ_CA_PATH': sim.ca_path}
    result = run_module('wabiz.onprem.support_info', {}, env=env)
    assert result.rc == 0, result
    assert result.data['topology'] == 'ha'
    assert 'M0nitor!pass' not in result.output


def test_non_admin_user_reads_support_and_shard_count_is_inferred_or_read(sim):
    result = run_module('wabiz.onprem.support_info', connection(sim, 'mc-ok', username='monitor', password='M0nitor!pass'))
    assert result.rc == 0, result
    assert result.data['cluster']['shard_count'] == 4
    assert result.data['cluster']['shard_count_source'] in ('api', 'inferred')


def test_given_token_and_revoked_token(sim):
    token = login_token(sim, 'ha-ok')
    ok = run_module('wabiz.onprem.support_info', {'url': sim.url('ha-ok'), 'token': token, 'ca_path': sim.ca_path})
    assert ok.rc == 0, ok
    requests.post(sim.url('ha-ok', '/v1/users/logout'), headers={'Authorization': 'Bearer %s' % token},
                  verify=sim.ca_path, timeout=10).raise_for_status()
    refused = run_module('wabiz.onprem.support_info', {'url': sim.url('ha-ok'), 'token': token, 'ca_path': sim.ca_path})
    assert refused.rc != 0
    assert refused.data['error']['code'] == 'auth_failed'
    assert token not in refused.output


def test_transient_503_is_retried(sim):
    sim.put_cluster('flaky', {'mode': 'single', 'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}},
                              'faults': [{'kind': 'status', 'status': 503, 'count': 1, 'path': '/v1/support'}]})
    result = run_module('wabiz.onprem.support_info', connection(sim, 'flaky', retries=2))
    assert result.rc == 0, result
    assert 'HTTP 503' in result.output and 'retrying' in result.output


def test_check_mode_and_module_defaults_group(sim, tmp_path):
    playbook = [{'hosts': 'localhost', 'gather_facts': False,
                 'module_defaults': {'group/wabiz.onprem.support': connection(sim, 'mc-ok')},
                 'tasks': [
                     {'name': 'Read with the group defaults', 'wabiz.onprem.support_info': None, 'register': 'read'},
                     {'name': 'Check', 'ansible.builtin.assert': {
                         'that': ["read.status == 'ok'", 'read is not changed', "read.topology == 'multiconnect'"]}},
                 ]}]
    result = run_playbook(tmp_path / 'play.yml', playbook, args=['--check'])
    assert result.rc == 0, result
    assert 'ok=2' in result.output and 'changed=0' in result.output


def test_a_node_without_expire_timestamp_does_not_pass(results):
    entry = results['field_missing']
    assert entry['status'] == 'critical'
    assert [(f['code'], f['node'].split(':')[0]) for f in entry['findings']] == [('field_missing', 'wacore2')]
    assert 'expire_timestamp' in entry['findings'][0]['message']


def _restarting_cluster(sim, name, failures):
    """An HA cluster whose support endpoint fails ``failures`` times (HTTP 500, not retriable), then answers."""
    sim.put_cluster(name, {'mode': 'ha', 'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}},
                           'faults': [{'kind': 'status', 'status': 500, 'count': failures, 'path': '/v1/support'}]})


def test_a_wait_logs_in_once_and_out_once_however_many_times_it_polls(sim):
    _restarting_cluster(sim, 'restarting', 3)
    result = run_module('wabiz.onprem.support_info', connection(sim, 'restarting', wait_timeout=10, wait_delay=0.2))
    assert result.rc == 0, result
    assert (result.data['status'], result.data['attempts']) == ('ok', 4)
    hits = sim.state('restarting')['hits']
    assert hits['GET /v1/support'] == 4
    assert (hits['POST /v1/users/login'], hits['POST /v1/users/logout']) == (1, 1)


def test_a_wait_that_runs_out_fails_with_the_last_error_after_one_login(sim):
    _restarting_cluster(sim, 'still-down', 100)
    result = run_module('wabiz.onprem.support_info', connection(sim, 'still-down', wait_timeout=1, wait_delay=0.25))
    assert result.rc != 0
    assert (result.data['error']['code'], result.data['attempts']) == ('api_error', 5)
    hits = sim.state('still-down')['hits']
    assert hits['GET /v1/support'] == 5
    assert (hits['POST /v1/users/login'], hits['POST /v1/users/logout']) == (1, 1)


def test_the_health_gate_role_waits_in_one_session_with_the_password_from_the_environment(sim, tmp_path):
    _restarting_cluster(sim, 'gate-restarting', 2)
    gate = {'health_gate_url': sim.url('gate-restarting'), 'health_gate_username': 'admin', 'health_gate_ca_path': sim.ca_path,
            'health_gate_retries': 0, 'health_gate_wait_timeout': 10, 'health_gate_wait_delay': 1}
    playbook = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'Gate', 'ansible.builtin.include_role': {'name': 'wabiz.onprem.health_gate'}, 'vars': gate},
        {'name': 'Check the verdict', 'ansible.builtin.assert': {
            'that': ['wabiz_gate.passed', 'wabiz_gate.attempts == 3', "wabiz_gate.source == 'api'"]}},
    ]}]
    result = run_playbook(tmp_path / 'play.yml', playbook, env={'WABIZ_PASSWORD': ADMIN_PASSWORD})
    assert result.rc == 0, result
    assert 'RETRYING' not in result.output and ADMIN_PASSWORD not in result.output
    hits = sim.state('gate-restarting')['hits']
    assert hits['GET /v1/support'] == 3
    assert (hits['POST /v1/users/login'], hits['POST /v1/users/logout']) == (1, 1)


def test_a_session_kept_across_tasks_and_runs_logs_in_once_and_never_shows_the_token(sim, tmp_path):
    sim.put_cluster('kept', {'mode': 'single', 'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}}})
    sessions = tmp_path / 'sessions'
    defaults = {'group/wabiz.onprem.support': connection(sim, 'kept', session='keep', session_dir=str(sessions))}
    first = [{'hosts': 'localhost', 'gather_facts': False, 'module_defaults': defaults, 'tasks': [
        {'name': 'Read, keeping the session', 'wabiz.onprem.support_info': None},
        {'name': 'Read again in the same session', 'wabiz.onprem.support_facts': None},
    ]}]
    result = run_playbook(tmp_path / 'first.yml', first, args=['-vvv'])
    assert result.rc == 0, result
    kept = [str(path) for path in sessions.iterdir()]
    assert len(kept) == 1 and oct(os.stat(kept[0]).st_mode & 0o777) == '0o600'
    with open(kept[0]) as handle:
        token = handle.read()
    assert token and token not in result.output
    second = [{'hosts': 'localhost', 'gather_facts': False, 'module_defaults': defaults, 'tasks': [
        {'name': 'Wait in the kept session, then close it',
         'wabiz.onprem.support_info': {'session': 'close', 'wait_timeout': 1, 'wait_delay': 0.5}, 'register': 'read'},
        {'name': 'Check', 'ansible.builtin.assert': {'that': ["read.status == 'ok'", 'read.attempts == 1']}},
    ]}]
    result = run_playbook(tmp_path / 'second.yml', second, args=['-vvv'])
    assert result.rc == 0, result
    assert token not in result.output and ADMIN_PASSWORD not in result.output
    assert list(sessions.iterdir()) == []
    hits = sim.state('kept')['hits']
    assert hits['GET /v1/support'] == 3
    assert (hits['POST /v1/users/login'], hits['POST /v1/users/logout']) == (1, 1)


def test_a_kept_token_the_webapp_refuses_is_replaced_by_a_fresh_login(sim, tmp_path):
    sim.put_cluster('kept-revoked', {'mode': 'single', 'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}}})
    args = connection(sim, 'kept-revoked', session='keep', session_dir=str(tmp_path))
    assert run_module('wabiz.onprem.support_info', args).rc == 0
    kept = [str(path) for path in tmp_path.iterdir()]
    with open(kept[0]) as handle:
        token = handle.read()
    requests.post(sim.url('kept-revoked', '/v1/users/logout'), headers={'Authorization': 'Bearer %s' % token},
                  verify=sim.ca_path, timeout=10).raise_for_status()
    result = run_module('wabiz.onprem.support_info', args)
    assert result.rc == 0, result
    with open(kept[0]) as handle:
        assert handle.read() not in ('', token)
    hits = sim.state('kept-revoked')['hits']
    assert hits['POST /v1/users/login'] == 2 and hits['GET /v1/support'] == 3
