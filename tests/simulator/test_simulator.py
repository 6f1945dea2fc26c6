"""Behaviour tests of the wabiz_sim simulator over real HTTPS (requests + the generated CA)."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time

import pytest
import requests
import yaml

from wabiz_sim.errors import FleetError
from wabiz_sim.fleet import load_fleet, load_fleet_data
from wabiz_sim.testing import DEMO_FLEET, SIM_ROOT, SimProcess, Simulator

PASSWORD = 'Adm1n!pass'
FLEET = {
    'seed': 42,
    'defaults': {
        'version': 'v2.45.1',
        'users': {'admin': {'password': PASSWORD, 'must_change': False}, 'monitor': {'password': 'M0nitor!pass', 'role': 'user'}},
        'api_key': 'test-api-key-123456',
    },
    'clusters': [
        {'name': 'mc', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4},
        {'name': 'ha', 'mode': 'ha', 'masters': 2, 'coreapps': 2},
        {'name': 'single', 'mode': 'single'},
        {'name': 'fresh', 'mode': 'single', 'users': None},
        {'name': 'faulty', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4, 'nodes': {
            'wacore2': {'socket_conn': 'DN'},
            'wacore3': {'error': 1011},
            'wacore4': {'missing': True},
            'master2': {'role': 'primary_master'},
            'wacore5': {'shards': [[0, 0]]},
            'wacore1': {'version': 'v2.43.1', 'debug_info': 'unregistered', 'expire_in_days': 3, 'free_space': {'logs': 1000000},
                        'db_engine': 'PGSQL', 'multi_connect': False, 'schema': {'message': 8}, 'fields': {'expire_timestamp': 'garbage'}},
        }},
    ],
}
KEY_RE = re.compile(r'^(master|wacore)\d+:[0-9a-f]{12}$')


@pytest.fixture(scope='module')
def sim():
    with Simulator(FLEET) as server:
        yield server


@pytest.fixture(autouse=True)
def _reset(request):
    yield
    if 'sim' in request.fixturenames:
        request.getfixturevalue('sim').reset()


def basic(user, password):
    return {'Authorization': 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()}


def login(sim, cluster, user='admin', password=PASSWORD, body=None):
    return requests.post(sim.url(cluster, '/v1/users/login'), headers=basic(user, password), json=body, verify=sim.verify, timeout=10)


def token_for(sim, cluster, user='admin', password=PASSWORD):
    resp = login(sim, cluster, user, password)
    assert resp.status_code == 200, resp.text
    return resp.json()['users'][0]['token']


def call(sim, cluster, path, token=None, method='GET', auth=None, **kw):
    headers = kw.pop('headers', {})
    if token:
        headers['Authorization'] = 'Bearer ' + token
    if auth:
        headers['Authorization'] = auth
    return requests.request(method, sim.url(cluster, path), headers=headers, verify=sim.verify, timeout=10, **kw)


def support(sim, cluster, token=None):
    resp = call(sim, cluster, '/v1/support', token or token_for(sim, cluster))
    assert resp.status_code == 200, resp.text
    return resp.json()['support']


def by_host(body):
    return {key.split(':')[0]: value for key, value in body.items()}


def assert_error(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.headers['Content-Type'].startswith('application/json')
    body = resp.json()
    assert body['errors'][0]['code'] == code
    assert body['errors'][0]['title']
    assert 'meta' in body
    return body['errors'][0]


# ---------------------------------------------------------------- transport


def test_tls_needs_the_generated_ca(sim):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sim.url('mc', '/'), timeout=10)
    resp = requests.get(sim.url('mc', '/'), verify=sim.ca_path, timeout=10)
    assert resp.status_code == 200 and 'text/html' in resp.headers['Content-Type']
    assert requests.get(sim.url(None, '/'), verify=sim.ca_path, timeout=10).status_code == 200
    assert sim.base_url.startswith('https://127.0.0.1:')
    with open(sim.ca_path, encoding='ascii') as handle:
        assert 'BEGIN CERTIFICATE' in handle.read()


def test_single_cluster_fleet_is_served_without_prefix():
    fleet = {'clusters': [{'name': 'only', 'mode': 'ha', 'users': {'admin': {'password': PASSWORD}}}]}
    with Simulator(fleet, http=True) as plain:
        assert plain.base_url.startswith('http://')
        token = token_for(plain, None)
        assert len(call(plain, None, '/v1/support', token).json()['support']) == 4
        assert call(plain, 'only', '/v1/support', token).status_code == 200


def test_every_json_body_has_meta_and_content_type(sim):
    token = token_for(sim, 'mc')
    for path in ('/v1/support', '/v1/health', '/v1/account/shards', '/v1/stats/app', '/v1/stats/db', '/metrics', '/v1/nope'):
        resp = call(sim, 'mc', path, token)
        assert resp.headers['Content-Type'].startswith('application/json'), path
        assert resp.json()['meta'] == {'api_status': 'stable', 'version': 'v2.45.1'}, path


# ---------------------------------------------------------------- support shapes


def test_single_instance_shape(sim):
    token = token_for(sim, 'single')
    resp = call(sim, 'single', '/v1/support', token)
    assert '"free_space_data":9223372036853727000' in resp.text      # exact JSON integer
    body = resp.json()['support']
    assert body['multi_connect'] is False and 'role' not in body and 'shards' not in body
    assert body['context'] == 'healthcheck' and body['socket_conn'] == 'UP' and body['version'] == 'v2.45.1'
    assert set(body['schema']) == {'axolotl', 'callback', 'cluster', 'config', 'contact', 'jobqueue', 'message'}
    assert all(isinstance(v, int) for v in body['schema'].values())
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$', body['expire_timestamp'])
    assert body['free_space_logs'] == 14269902848 and isinstance(body['e2e']['registration_id'], int)
    assert all(isinstance(e, str) and '=' in e for e in body['env'])
    for field in ('db_engine', 'db_info', 'debug_info', 'description', 'device_iso8601', 'lc', 'lg', 'os_name', 'os_version',
                  'free_space_media_incoming', 'free_space_media_outgoing'):
        assert field in body


def test_multiconnect_shape_and_topology(sim):
    body = support(sim, 'mc')
    assert all(KEY_RE.match(k) for k in body)
    nodes = by_host(body)
    assert sorted(nodes) == ['master1', 'master2', 'wacore1', 'wacore2', 'wacore3', 'wacore4', 'wacore5']
    assert nodes['master1']['role'] == 'primary_master' and nodes['master1']['shards'] == [[-1, -1]] and nodes['master1']['socket_conn'] == 'UP'
    assert nodes['master2']['role'] == 'secondary_master' and nodes['master2']['shards'] == [] and nodes['master2']['socket_conn'] == 'DN'
    for k in range(4):
        assert nodes['wacore%d' % (k + 1)]['shards'] == [[k, k]] and nodes['wacore%d' % (k + 1)]['socket_conn'] == 'UP'
    assert nodes['wacore5']['shards'] == [] and nodes['wacore5']['socket_conn'] == 'DN'
    assert all(n['multi_connect'] is True for n in nodes.values())
    assert sorted(support(sim, 'mc')) == sorted(body)


def test_ha_topology(sim):
    nodes = by_host(support(sim, 'ha'))
    assert nodes['wacore1']['shards'] == [[-1, -1], [0, 0]] and nodes['wacore1']['socket_conn'] == 'UP'
    for host in ('master1', 'master2', 'wacore2'):
        assert nodes[host]['shards'] == [] and nodes[host]['socket_conn'] == 'DN'
    assert nodes['master1']['role'] == 'primary_master' and nodes['wacore2']['role'] == 'coreapp'


@pytest.mark.parametrize('shards', [1, 2, 4, 8, 16, 32])
def test_multiconnect_topology_for_every_shard_count(sim, shards):
    sim.put_cluster('gen', {'mode': 'multiconnect', 'masters': 3, 'coreapps': shards + 1, 'shards': shards,
                            'users': {'admin': {'password': PASSWORD}}})
    nodes = by_host(support(sim, 'gen'))
    owners = sorted(n['shards'][0][0] for h, n in nodes.items() if h.startswith('wacore') and n['shards'])
    assert owners == list(range(shards))
    assert nodes['wacore%d' % (shards + 1)]['shards'] == [] and nodes['wacore%d' % (shards + 1)]['socket_conn'] == 'DN'
    assert [h for h, n in nodes.items() if n['role'] == 'primary_master'] == ['master1']
    assert nodes['master3']['role'] == 'secondary_master'
    token = token_for(sim, 'gen')
    assert call(sim, 'gen', '/v1/account/shards', token).json()['account']['shards'] == shards


def test_invalid_shard_count_is_rejected():
    with pytest.raises(FleetError, match='shards must be one of 1, 2, 4, 8, 16, 32, got 3'):
        load_fleet({'clusters': [{'name': 'x', 'mode': 'multiconnect', 'shards': 3}]})
    for bad, msg in (({'clusters': [{'name': 'x', 'bogus': 1}]}, 'unknown key'), ({'clusters': [{'name': 'x', 'nodes': {'wacore9': {}}}]}, 'unknown node'),
                     ({'clusters': [{'name': 'v1'}]}, 'name must match'), ('a: [\n', 'not valid YAML')):
        with pytest.raises(FleetError, match=msg):
            load_fleet(bad)


def test_put_with_invalid_spec_is_a_400(sim):
    resp = requests.put(sim.url(None, '/__sim/clusters/bad'), json={'mode': 'ha', 'shards': 4}, verify=sim.verify, timeout=10)
    assert resp.status_code == 400 and 'exactly 1 shard' in resp.json()['error']


def test_node_faults_from_fleet_yaml(sim):
    token = token_for(sim, 'faulty')
    nodes = by_host(support(sim, 'faulty', token))
    assert 'wacore4' not in nodes
    assert nodes['wacore2']['socket_conn'] == 'DN' and nodes['wacore2']['shards'] == [[1, 1]]
    assert nodes['wacore3'] == {'errors': [{'code': 1011, 'title': 'Service not ready',
                                            'details': 'Wacore is not instantiated. Please check wacore log for details.'}]}
    assert [h for h, n in nodes.items() if n.get('role') == 'primary_master'] == ['master1', 'master2']
    assert nodes['wacore5']['shards'] == [[0, 0]] and nodes['wacore1']['shards'] == [[0, 0]]
    w1 = nodes['wacore1']
    assert w1['version'] == 'v2.43.1' and w1['debug_info'] == 'unregistered' and w1['free_space_logs'] == 1000000
    assert w1['db_engine'] == 'PGSQL' and w1['multi_connect'] is False and w1['schema']['message'] == 8 and w1['schema']['axolotl'] == 4
    assert w1['expire_timestamp'] == 'garbage'
    assert nodes['master1']['version'] == 'v2.45.1'


def test_expiry_days_env_objects_and_secrets(sim):
    sim.patch_cluster('mc', {'expired': False, 'env': {'WA_DB_PASSWORD': 'pw-1', 'WA_API_KEY': 'k' * 12, 'WA_WEB_JWT_CRYPTO_KEY': 'jwt', 'WA_SECRET': 's'},
                             'nodes': {'wacore1': {'expire_in_days': 3, 'env_format': 'objects'}, 'wacore2': {'expire_in_days': -2}}})
    state_now = time.time() + sim.state()['clock']['offset']
    nodes = by_host(support(sim, 'mc'))
    assert 'WA_DB_PASSWORD=pw-1' in nodes['master1']['env'] and 'WA_SECRET=s' in nodes['master1']['env']
    assert {'name': 'WA_WEB_JWT_CRYPTO_KEY', 'value': 'jwt'} in nodes['wacore1']['env']

    def days(node):
        stamp = time.mktime(time.strptime(node['expire_timestamp'], '%Y-%m-%dT%H:%M:%S')) - time.timezone
        return (stamp - state_now) / 86400
    assert 2.9 < days(nodes['wacore1']) < 3.1 and -2.1 < days(nodes['wacore2']) < -1.9 and 179 < days(nodes['master1']) < 181


def test_device_time_follows_the_clock_and_cache_invalidates(sim):
    token = token_for(sim, 'single')
    sim.patch_cluster('single', {'expired': False})     # 2030 is past the build's 180 days
    sim.set_clock('2030-01-02T03:04:05Z')
    sim.freeze_clock(True)
    assert support(sim, 'single', token_for(sim, 'single'))['device_iso8601'] == '2030-01-02T03:04:05Z'
    sim.advance_clock(60)
    assert support(sim, 'single', token_for(sim, 'single'))['device_iso8601'] == '2030-01-02T03:05:05Z'
    sim.patch_cluster('single', {'socket_conn': 'SC', 'meta_version': '2.45.1', 'api_status': 'deprecated'})
    resp = call(sim, 'single', '/v1/support', token_for(sim, 'single'))
    assert resp.json()['support']['socket_conn'] == 'SC' and resp.json()['meta'] == {'api_status': 'deprecated', 'version': '2.45.1'}
    assert token  # issued before the clock jump: still an opaque string


# ---------------------------------------------------------------- auth


def test_first_login_password_change_flow(sim):
    assert_error(login(sim, 'fresh', 'admin', 'secret'), 400, 1024)
    assert_error(login(sim, 'fresh', 'admin', 'secret', {'new_password': 'short'}), 400, 1009)
    assert_error(login(sim, 'fresh', 'admin', 'secret', {'new_password': 'nouppercase1!'}), 400, 1009)
    resp = login(sim, 'fresh', 'admin', 'secret', {'new_password': 'N3w!passw0rd'})
    assert resp.status_code == 200
    user = resp.json()['users'][0]
    assert len(user['token'].split('.')) == 3 and all(re.match(r'^[A-Za-z0-9_-]+$', p) for p in user['token'].split('.'))
    assert re.match(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$', user['expires_after'])
    assert_error(login(sim, 'fresh', 'admin', 'secret'), 401, 1005)
    assert login(sim, 'fresh', 'admin', 'N3w!passw0rd').status_code == 200
    sim.patch_cluster('fresh', {'status_codes': {'password_change_required': 403}, 'users': {'admin': {'password': 'secret', 'must_change': True}}})
    assert_error(login(sim, 'fresh', 'admin', 'secret'), 403, 1024)


def test_login_failures_are_401(sim):
    assert_error(login(sim, 'mc', 'admin', 'wrong'), 401, 1005)
    assert_error(login(sim, 'mc', 'nobody', 'x'), 401, 1005)
    assert_error(call(sim, 'mc', '/v1/users/login', method='POST'), 401, 1005)
    assert_error(call(sim, 'mc', '/v1/users/login', method='POST', auth='Basic !!!notbase64'), 401, 1005)


def test_token_lifetime_and_clock(sim):
    resp = login(sim, 'mc')
    token, expires = resp.json()['users'][0]['token'], resp.json()['users'][0]['expires_after']
    now = sim.state()['clock']['epoch']
    exp = time.mktime(time.strptime(expires, '%Y-%m-%d %H:%M:%S+00:00')) - time.timezone
    assert abs(exp - now - 7 * 86400) < 5
    assert call(sim, 'mc', '/v1/support', token).status_code == 200
    sim.advance_clock(7 * 86400 - 60)
    assert call(sim, 'mc', '/v1/support', token).status_code == 200
    sim.advance_clock(120)
    assert_error(call(sim, 'mc', '/v1/support', token), 401, 1005)


def test_several_tokens_and_logout_revokes_one(sim):
    first, second = token_for(sim, 'mc'), token_for(sim, 'mc')
    assert first != second
    assert call(sim, 'mc', '/v1/users/logout', first, method='POST').json() == {'meta': {'api_status': 'stable', 'version': 'v2.45.1'}}
    assert_error(call(sim, 'mc', '/v1/support', first), 401, 1005)
    assert call(sim, 'mc', '/v1/support', second).status_code == 200
    assert_error(call(sim, 'mc', '/v1/users/logout', first, method='POST'), 401, 1005)


def test_401_body_modes(sim):
    for auth in (None, 'Bearer not-a-token', 'Bearer', 'Token abc', 'Bearer a.b.c'):
        assert_error(call(sim, 'mc', '/v1/support', auth=auth), 401, 1005)
    sim.patch_cluster('mc', {'status_codes': {'unauthorized_body': 'empty'}})
    resp = call(sim, 'mc', '/v1/support', auth='Bearer nope')
    assert resp.status_code == 401 and resp.content == b''
    assert login(sim, 'mc', 'admin', 'bad').content == b''


def test_apikey_only_on_health_metrics_stats(sim):
    key = 'Apikey test-api-key-123456'
    for path in ('/v1/health', '/metrics', '/v1/stats/app', '/v1/stats/db'):
        assert call(sim, 'mc', path, auth=key).status_code == 200, path
    assert_error(call(sim, 'mc', '/v1/health', auth='Apikey wrong-key-123456'), 401, 1005)
    assert_error(call(sim, 'mc', '/v1/support', auth=key), 401, 1005)
    assert_error(call(sim, 'mc', '/v1/account/shards', auth=key), 401, 1005)
    sim.patch_cluster('mc', {'apikey_on_support': True})
    assert call(sim, 'mc', '/v1/support', auth=key).status_code == 200


def test_admin_only_endpoints_and_users(sim):
    monitor = token_for(sim, 'mc', 'monitor', 'M0nitor!pass')
    assert call(sim, 'mc', '/v1/support', monitor).status_code == 200
    assert_error(call(sim, 'mc', '/v1/users', monitor, method='POST', json={'username': 'user1', 'password': 'Us3r!pass'}), 403, 1005)
    assert_error(call(sim, 'mc', '/v1/settings/application', monitor), 403, 1005)
    admin = token_for(sim, 'mc')
    resp = call(sim, 'mc', '/v1/users', admin, method='POST', json={'username': 'user1', 'password': 'Us3r!pass'})
    assert resp.status_code == 201 and resp.json()['users'] == [{'username': 'user1'}]
    err = assert_error(call(sim, 'mc', '/v1/users', admin, method='POST', json={'username': 'user1', 'password': 'Us3r!pass'}), 400, 1014)
    assert err['details'] == 'Unable to create user. Already exist?'
    assert_error(call(sim, 'mc', '/v1/users', admin, method='POST', json={'username': 'abc', 'password': 'Us3r!pass'}), 400, 1009)
    assert_error(call(sim, 'mc', '/v1/users', admin, method='POST', json={'username': 'user2', 'password': 'weak'}), 400, 1009)
    user_token = token_for(sim, 'mc', 'user1', 'Us3r!pass')
    assert call(sim, 'mc', '/v1/users/user1', admin, method='DELETE').status_code == 200
    assert_error(call(sim, 'mc', '/v1/support', user_token), 401, 1005)
    assert_error(call(sim, 'mc', '/v1/users/user1', admin, method='DELETE'), 404, 1006)
    assert_error(call(sim, 'mc', '/v1/users/admin', admin, method='DELETE'), 400, 1009)


# ---------------------------------------------------------------- cluster-level faults


def test_rate_limit_429_with_retry_after(sim):
    token = token_for(sim, 'mc')
    sim.freeze_clock(True)
    sim.patch_cluster('mc', {'rate_limit': {'rps': 1, 'burst': 3}})
    codes = [call(sim, 'mc', '/v1/health', token).status_code for _i in range(3)]
    assert codes == [200, 200, 200]
    resp = call(sim, 'mc', '/v1/health', token)
    assert_error(resp, 429, 1015)
    assert int(resp.headers['Retry-After']) >= 1
    assert requests.get(sim.url(None, '/__sim/state'), verify=sim.verify, timeout=10).status_code == 200   # control bypasses
    sim.advance_clock(2)
    assert call(sim, 'mc', '/v1/health', token).status_code == 200


def test_overloaded_expired_wacore_down(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'overloaded': True})
    assert_error(call(sim, 'mc', '/v1/support', token), 503, 1016)
    sim.patch_cluster('mc', {'overloaded': None, 'expired': True})
    err = assert_error(call(sim, 'mc', '/v1/support', token), 403, 1005)
    assert err['details'] == 'App Expired: a version upgrade is required'
    assert_error(call(sim, 'mc', '/v1/health', token), 403, 1005)
    assert login(sim, 'mc').status_code == 200          # login is exempt
    sim.patch_cluster('mc', {'expired': None, 'wacore_down': True})
    err = assert_error(call(sim, 'mc', '/v1/support', token), 500, 1014)
    assert err['details'].endswith('Please check if wacore is running: wacore1:6252')
    assert_error(call(sim, 'mc', '/v1/health', token), 500, 1014)
    sim.patch_cluster('mc', {'status_codes': {'wacore_down': 502}})
    assert_error(call(sim, 'mc', '/v1/health', token), 502, 1014)


def test_expired_auto_follows_the_clock(sim):
    token = token_for(sim, 'single')
    sim.patch_cluster('single', {'expired': 'auto', 'expire_in_days': 2, 'status_codes': {'expired': 400}})
    assert call(sim, 'single', '/v1/support', token).status_code == 200
    sim.advance_clock(3 * 86400)
    assert_error(call(sim, 'single', '/v1/support', token), 400, 1005)


def test_uninitialized_and_unregistered_health(sim):
    sim.patch_cluster('single', {'uninitialized': True})
    token = token_for(sim, 'single')
    assert call(sim, 'single', '/v1/health', token).json()['health'] == {'gateway_status': 'uninitialized'}
    assert support(sim, 'single', token)['socket_conn'] == 'UP'
    sim.patch_cluster('single', {'uninitialized': False, 'debug_info': 'unregistered'})
    assert call(sim, 'single', '/v1/health', token).json()['health'] == {'gateway_status': 'unregistered'}


# ---------------------------------------------------------------- transport faults


def test_status_fault_limited_by_count_and_path(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'faults': [{'kind': 'status', 'status': 503, 'count': 2, 'path': '/v1/support'}]})
    assert call(sim, 'mc', '/v1/health', token).status_code == 200
    assert [call(sim, 'mc', '/v1/support', token).status_code for _i in range(3)] == [503, 503, 200]


def test_proxy_error_html(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'proxy_error': 502})
    resp = call(sim, 'mc', '/v1/support', token)
    assert resp.status_code == 502 and resp.headers['Content-Type'].startswith('text/html') and '502 Bad Gateway' in resp.text
    sim.patch_cluster('mc', {'proxy_error': None, 'html_200': True})
    resp = call(sim, 'mc', '/v1/support', token)
    assert resp.status_code == 200 and resp.headers['Content-Type'].startswith('text/html') and '<html>' in resp.text


def test_not_json_and_truncation(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'not_json': True})
    resp = call(sim, 'mc', '/v1/support', token)
    assert resp.status_code == 200 and resp.headers['Content-Type'] == 'application/json'
    with pytest.raises(ValueError):
        resp.json()
    sim.patch_cluster('mc', {'not_json': None, 'truncate': 'json'})
    resp = call(sim, 'mc', '/v1/support', token)
    assert int(resp.headers['Content-Length']) == len(resp.content) > 100
    with pytest.raises(ValueError):
        json.loads(resp.content)
    sim.patch_cluster('mc', {'truncate': 'connection'})
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        call(sim, 'mc', '/v1/support', token)


def test_oversized_body_is_valid_json(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'oversized_bytes': 3 * 1024 * 1024, 'faults': [{'kind': 'delay', 'seconds': 0.3, 'path': '/v1/health'}]})
    resp = call(sim, 'mc', '/v1/support', token)
    assert len(resp.content) >= 3 * 1024 * 1024 and len(resp.json()['support']) == 7
    start = time.monotonic()
    assert call(sim, 'mc', '/v1/health', token).status_code == 200
    assert time.monotonic() - start >= 0.3


def test_close_fault_drops_the_connection(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'close': {'count': 1}})
    with pytest.raises(requests.exceptions.ConnectionError):
        call(sim, 'mc', '/v1/support', token)
    assert call(sim, 'mc', '/v1/support', token).status_code == 200


# ---------------------------------------------------------------- failover


def test_ha_failover_completes_after_unhealthy_interval(sim):
    token = token_for(sim, 'ha')
    sim.freeze_clock(True)
    out = sim.failover('ha')
    assert out['killed'] == 'wacore1'
    nodes = by_host(support(sim, 'ha', token))
    assert nodes['wacore1']['socket_conn'] == 'DN' and nodes['wacore1']['shards'] == [] and nodes['wacore2']['shards'] == []
    body = {'cc': '1', 'phone_number': '5550001234', 'shards': 1, 'cert': 'Y2VydA=='}
    assert_error(call(sim, 'ha', '/v1/account/shards', token, method='POST', json=body), 500, 1018)
    sim.advance_clock(29)
    assert by_host(support(sim, 'ha', token))['wacore2']['shards'] == []
    sim.advance_clock(2)
    nodes = by_host(support(sim, 'ha', token))
    assert nodes['wacore2']['shards'] == [[-1, -1], [0, 0]] and nodes['wacore2']['socket_conn'] == 'UP'
    health = by_host(call(sim, 'ha', '/v1/health', token).json()['health'])
    assert health['wacore2']['gateway_status'] == 'connected' and health['wacore1']['gateway_status'] == 'disconnected'
    assert call(sim, 'ha', '/v1/account/shards', token, method='POST', json=body).status_code == 201


def test_failover_without_standby_never_completes(sim):
    sim.put_cluster('tight', {'mode': 'multiconnect', 'masters': 2, 'coreapps': 2, 'shards': 2, 'unhealthy_interval': 5,
                              'users': {'admin': {'password': PASSWORD}}})
    sim.failover('tight', 'wacore2', remove=True)
    sim.advance_clock(86400)
    nodes = by_host(support(sim, 'tight'))
    assert 'wacore2' not in nodes and all(n['shards'] != [[1, 1]] for n in nodes.values())
    assert len(sim.state('tight')['pending_failovers']) == 1
    sim.revive('tight', 'wacore2')                     # a standby appears: the orphan shard is taken
    assert by_host(support(sim, 'tight'))['wacore2']['shards'] == [[1, 1]]


def test_primary_master_failover(sim):
    token = token_for(sim, 'mc')
    sim.freeze_clock(True)
    sim.failover('mc', 'master1')
    assert_error(call(sim, 'mc', '/v1/settings/application', token), 500, 1017)
    assert_error(call(sim, 'mc', '/v1/stats/db', token), 500, 1017)
    assert 'master1' in sim.state('mc')['pending_failovers'][0]['node']
    sim.advance_clock(30)
    nodes = by_host(support(sim, 'mc', token))
    assert nodes['master2']['role'] == 'primary_master' and nodes['master2']['shards'] == [[-1, -1]] and nodes['master2']['socket_conn'] == 'UP'
    assert nodes['master1']['role'] == 'secondary_master' and nodes['master1']['socket_conn'] == 'DN'
    assert call(sim, 'mc', '/v1/settings/application', token).status_code == 200


def test_settings_patch_shortens_unhealthy_interval(sim):
    token = token_for(sim, 'ha')
    sim.freeze_clock(True)
    assert call(sim, 'ha', '/v1/settings/application', token, method='PATCH', json={'unhealthy_interval': 2}).status_code == 200
    sim.failover('ha')
    sim.advance_clock(2)
    assert by_host(support(sim, 'ha', token))['wacore2']['socket_conn'] == 'UP'


# ---------------------------------------------------------------- health, shards, stats


def gateway_for(node):
    if 'errors' in node:
        return None
    if node['debug_info'] == 'unregistered':
        return 'unregistered'
    return {'UP': 'connected', 'SC': 'connecting', 'UP receiving offline': 'connecting'}.get(node['socket_conn'], 'disconnected')


@pytest.mark.parametrize('cluster', ['mc', 'ha', 'faulty'])
def test_health_is_consistent_with_support(sim, cluster):
    token = token_for(sim, cluster)
    sup = support(sim, cluster, token)
    health = call(sim, cluster, '/v1/health', token).json()['health']
    assert sorted(health) == sorted(sup)
    for key, node in sup.items():
        if 'errors' in node:
            assert health[key] == {'errors': node['errors']}
        else:
            assert health[key] == {'gateway_status': gateway_for(node), 'role': node['role']}
    if cluster == 'ha':
        assert [k for k, v in health.items() if v['gateway_status'] == 'connected'] == [k for k in health if k.startswith('wacore1:')]
    single = call(sim, 'single', '/v1/health', token_for(sim, 'single')).json()
    assert single['health'] == {'gateway_status': 'connected'}


def test_account_shards_get_post(sim):
    token = token_for(sim, 'mc')
    assert call(sim, 'mc', '/v1/account/shards', token).json()['account'] == {'shards': 4}
    url = '/v1/account/shards'
    good = {'cc': '1', 'phone_number': '5550001234', 'shards': 2, 'cert': 'Y2VydA==', 'pin': '123456'}
    assert_error(call(sim, 'mc', url, token, method='POST', json=dict(good, cert=None)), 400, 1008)
    assert_error(call(sim, 'mc', url, token, method='POST', json=dict(good, shards=3)), 400, 1009)
    assert_error(call(sim, 'mc', url, token, method='POST', json=dict(good, shards=8)), 400, 1009)   # only 5 coreapps
    assert_error(call(sim, 'mc', url, token_for(sim, 'mc', 'monitor', 'M0nitor!pass'), method='POST', json=good), 403, 1005)
    resp = call(sim, 'mc', url, token, method='POST', json=good)
    assert resp.status_code == 201 and 'meta' in resp.json()
    nodes = by_host(support(sim, 'mc', token))
    assert [h for h, n in sorted(nodes.items()) if n['shards'] and h.startswith('wacore')] == ['wacore1', 'wacore2']
    assert call(sim, 'mc', url, token).json()['account'] == {'shards': 2}
    sim.patch_cluster('mc', {'account_shards': 8})
    assert call(sim, 'mc', url, token).json()['account'] == {'shards': 8}
    sim.patch_cluster('mc', {'account_shards': 'forbidden'})
    assert_error(call(sim, 'mc', url, token), 403, 1005)
    sim.patch_cluster('mc', {'account_shards': 'error'})
    assert_error(call(sim, 'mc', url, token), 500, 1014)


def test_stats_and_metrics(sim):
    token = token_for(sim, 'mc')
    app = call(sim, 'mc', '/v1/stats/app', token).json()['stats']['app']
    assert len(app) == 7 and all(KEY_RE.match(k) for k in app)
    one = next(iter(app.values()))
    assert one['callback_queue_size']['type'] == 'gauge' and one['callback_queue_size']['data'][0]['value'] == 0
    db = by_host(call(sim, 'mc', '/v1/stats/db', token).json()['stats']['db'])
    assert set(db['master1']) >= {'db_contacts', 'db_messages', 'db_pending_callbacks', 'db_pending_messages'}
    assert all(v == {} for h, v in db.items() if h != 'master1')
    single = call(sim, 'single', '/v1/stats/db', token_for(sim, 'single')).json()['stats']['db']
    assert single['db_messages']['data'][0]['value'] == 1800
    metrics = call(sim, 'mc', '/metrics', token).json()['metrics']
    assert metrics['web_uptime']['type'] == 'gauge' and metrics['web_requests']['data'][0]['value'] >= 1
    resp = call(sim, 'mc', '/metrics', token, params={'format': 'prometheus'})
    assert resp.headers['Content-Type'].startswith('text/plain; version=0.0.4')
    assert '# HELP web_uptime ' in resp.text and '# TYPE web_uptime gauge' in resp.text
    assert re.search(r'^web_uptime\{node="[^"]+"\} \d+$', resp.text, re.M)
    resp = call(sim, 'mc', '/v1/stats/db', token, params={'format': 'prometheus'})
    assert re.search(r'^db_messages\{node="master1:[0-9a-f]{12}"\} 1800$', resp.text, re.M)
    sim.patch_cluster('mc', {'stats': {'callback_queue_size': 150000}})
    app = call(sim, 'mc', '/v1/stats/app', token).json()['stats']['app']
    assert next(iter(app.values()))['callback_queue_size']['data'][0]['value'] == 150000


def test_unknown_route_and_method(sim):
    token = token_for(sim, 'mc')
    assert_error(call(sim, 'mc', '/v1/does/not/exist', token), 404, 1006)
    assert_error(call(sim, 'mc', '/v1/support', token, method='DELETE'), 405, 1006)
    sim.patch_cluster('mc', {'status_codes': {'unknown_route_code': 1014}})
    err = assert_error(call(sim, 'mc', '/v1/does/not/exist', token), 404, 1014)
    assert 'endpoint not found' in err['details']
    assert_error(requests.get(sim.url('no-such-cluster', '/v1/support'), verify=sim.verify, timeout=10), 404, 1006)


# ---------------------------------------------------------------- control API


def test_control_api_state_patch_reset(sim):
    state = sim.state()
    assert set(state['clusters']) == {'mc', 'ha', 'single', 'fresh', 'faulty'}
    assert state['clusters']['mc']['nodes'][0]['role'] == 'primary_master'
    sim.patch_cluster('mc', {'nodes': {'wacore1': {'socket_conn': 'UNK'}}})
    assert by_host(support(sim, 'mc'))['wacore1']['socket_conn'] == 'UNK'
    sim.patch_cluster('mc', {'nodes': {'wacore1': {'socket_conn': None}}})
    assert by_host(support(sim, 'mc'))['wacore1']['socket_conn'] == 'UP'
    sim.patch_cluster('mc', {'nodes': {'wacore1': {'socket_conn': 'UP receiving offline'}}})
    bad = requests.post(sim.url(None, '/__sim/clusters/mc'), json={'shards': 5}, verify=sim.verify, timeout=10)
    assert bad.status_code == 400 and 'shards' in bad.json()['error']
    assert requests.post(sim.url(None, '/__sim/clusters/nope'), json={}, verify=sim.verify, timeout=10).status_code == 404
    assert requests.post(sim.url(None, '/__sim/clock'), json={'set': 'yesterday'}, verify=sim.verify, timeout=10).status_code == 400
    assert requests.post(sim.url(None, '/__sim/clock'), json={'advance': 1e20}, verify=sim.verify, timeout=10).status_code == 400
    assert requests.post(sim.url(None, '/__sim/clusters/mc'), json={'expire_in_days': 1e9}, verify=sim.verify, timeout=10).status_code == 400
    sim.reset()
    assert by_host(support(sim, 'mc'))['wacore1']['socket_conn'] == 'UP'


def test_generated_fleet_of_1000_clusters():
    fleet = {'seed': 7, 'defaults': {'users': {'admin': {'password': PASSWORD}}},
             'generate': {'count': 1000, 'name': 'mc-{index:04d}', 'cluster': {'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4}}}
    with Simulator(fleet) as big:
        for name in ('mc-0001', 'mc-0500', 'mc-1000'):
            body = support(big, name)
            assert len(body) == 7 and sum(1 for n in body.values() if n['socket_conn'] == 'UP') == 5
        assert call(big, 'mc-1001', '/v1/support').status_code == 404


def test_generated_fleet_with_failing_clusters():
    patches = [{'nodes': {'wacore2': {'missing': True}}}, {'nodes': {'wacore3': {'socket_conn': 'DN'}}}, {'free_space': {'logs': 1000}}]
    gen = {'count': 20, 'name': 'mc-{index:04d}', 'cluster': {'mode': 'multiconnect'}, 'failing': {'percent': 25, 'patches': patches}}
    specs = load_fleet_data({'generate': gen})['specs']
    patched = [spec['name'] for spec in specs if spec['nodes'] or spec.get('free_space')]
    assert patched == ['mc-0004', 'mc-0008', 'mc-0012', 'mc-0016', 'mc-0020']
    assert specs[3]['nodes']['wacore2']['missing'] and specs[7]['nodes']['wacore3']['socket_conn'] == 'DN'
    assert specs[11]['free_space'] == {'logs': 1000} and specs[15]['nodes']['wacore2']['missing']
    assert len([s for s in load_fleet_data({'generate': dict(gen, failing={'percent': 0, 'patches': patches})})['specs'] if s['nodes']]) == 0
    for bad in ({'percent': 101, 'patches': patches}, {'percent': 10, 'patches': []}, {'percent': 10}, {'percent': 10, 'patches': patches, 'x': 1}):
        with pytest.raises(FleetError):
            load_fleet_data({'generate': dict(gen, failing=bad)})


# ---------------------------------------------------------------- CLI


def test_cli_serve_ready_file_and_sigterm(tmp_path):
    with SimProcess(DEMO_FLEET) as proc:
        info = proc.info
        assert info['port'] > 0 and info['pid'] == proc.proc.pid and info['url'] == 'https://127.0.0.1:%d' % info['port']
        assert info['clusters'] == ['ha-healthy', 'ha-k8s', 'mc-faulty', 'mc-float', 'mc-healthy', 'single-healthy']
        assert os.path.exists(info['ca_path'])
        token = token_for(proc, 'mc-faulty')
        nodes = by_host(support(proc, 'mc-faulty', token))
        assert 'WA_DB_PASSWORD=s3cr3t-db-pass' in nodes['master1']['env'] and 'errors' in nodes['wacore3']
        proc.proc.send_signal(signal.SIGTERM)
        assert proc.proc.wait(10) == 0


def test_cli_bad_fleet_is_one_line_exit_2(tmp_path):
    bad = tmp_path / 'bad.yml'
    bad.write_text('clusters:\n  - name: x\n    mode: multiconnect\n    shards: 3\n')
    env = dict(os.environ, PYTHONPATH=SIM_ROOT)
    for args in (['serve', '--fleet', str(bad), '--port', '0'], ['serve', '--fleet', str(tmp_path / 'missing.yml')],
                 ['serve', '--fleet', str(bad), '--host', '0.0.0.0']):
        res = subprocess.run([sys.executable, '-m', 'wabiz_sim'] + args, env=env, capture_output=True, text=True, timeout=30, check=False)
        assert res.returncode == 2 and 'Traceback' not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    res = subprocess.run([sys.executable, '-m', 'wabiz_sim', 'fleet', '--clusters', '3', '--shards', '8', '--coreapps', '9'],
                         env=env, capture_output=True, text=True, timeout=30, check=True)
    data = yaml.safe_load(res.stdout)
    assert len(data['clusters']) == 3 and data['clusters'][0]['shards'] == 8
    assert load_fleet(data)['specs'][2]['name'] == 'mc-0003'


def test_single_instance_node_error_and_no_failover(sim):
    sim.patch_cluster('single', {'nodes': {'single': {'error': {'code': 1011, 'details': 'booting'}}}, 'env_format': 'objects'})
    token = token_for(sim, 'single')
    err = assert_error(call(sim, 'single', '/v1/support', token), 500, 1011)
    assert err == {'code': 1011, 'title': 'Service not ready', 'details': 'booting'}
    assert_error(call(sim, 'single', '/v1/health', token), 500, 1011)
    sim.patch_cluster('single', {'nodes': None})
    assert {'name': 'WA_DB_ENGINE', 'value': 'MYSQL'} in support(sim, 'single', token)['env']
    resp = requests.post(sim.url(None, '/__sim/clusters/single/failover'), json={}, verify=sim.verify, timeout=10)
    assert resp.status_code == 400 and 'single instance' in resp.json()['error']


def test_demo_fleet_in_process():
    with Simulator() as demo:
        assert demo.verify == demo.ca_path
        nodes = by_host(support(demo, 'mc-faulty'))
        owned = sorted(n['shards'][0][0] for n in nodes.values() if 'shards' in n and n['shards'] and n['shards'][0][0] >= 0)
        assert owned == [0, 3]          # shard 1 unowned (wacore2 down), shard 2 hidden behind wacore3's 1011
        assert nodes['wacore2']['socket_conn'] == 'DN' and nodes['wacore3']['errors'][0]['code'] == 1011
        assert nodes['wacore1']['free_space_logs'] == 500000000
        assert 'WA_API_KEY=demo-api-key-0123456789' in nodes['master1']['env']
        for name, count in (('mc-healthy', 7), ('ha-healthy', 4)):
            assert len(support(demo, name)) == count
        assert support(demo, 'single-healthy')['multi_connect'] is False
        assert call(demo, 'ha-healthy', '/v1/health', auth='Apikey demo-api-key-0123456789').status_code == 200
        assert '"free_space_logs":14269902848.0' in call(demo, 'mc-float', '/v1/support', token_for(demo, 'mc-float')).text
        assert all(re.match(r'^10\.\d+\.\d+\.\d+:wa-(master|core)-15550001234-\d$', k) for k in support(demo, 'ha-k8s'))
        demo.delete_cluster('mc-healthy')
        assert call(demo, 'mc-healthy', '/v1/support').status_code == 404


# ---------------------------------------------------------------- issue 12: number styles


def test_float_number_style_prints_every_count_through_a_float(sim):
    sim.patch_cluster('mc', {'number_style': 'float'})
    token = token_for(sim, 'mc')
    resp = call(sim, 'mc', '/v1/support', token)
    assert '"free_space_data":9.223372036853727e+18' in resp.text        # the INT64 marker through a float
    assert '"free_space_logs":14269902848.0' in resp.text
    nodes = by_host(resp.json()['support'])
    assert nodes['wacore2']['shards'] == [[1.0, 1.0]] and isinstance(nodes['wacore2']['shards'][0][0], float)
    assert nodes['master1']['schema']['message'] == 12.0 and isinstance(nodes['master1']['schema']['message'], float)
    assert isinstance(nodes['master1']['e2e']['registration_id'], float)
    assert isinstance(nodes['master1']['free_space_media_incoming'], float)
    shards = call(sim, 'mc', '/v1/account/shards', token)
    assert '"shards":4.0' in shards.text


def test_string_number_style_per_cluster_and_per_node(sim):
    sim.patch_cluster('mc', {'number_style': 'string', 'nodes': {'wacore1': {'number_style': 'int'}, 'wacore2': {'number_style': 'float'}}})
    token = token_for(sim, 'mc')
    nodes = by_host(support(sim, 'mc', token))
    assert nodes['master1']['free_space_data'] == '9223372036853727000' and nodes['master1']['free_space_logs'] == '14269902848'
    assert nodes['wacore3']['shards'] == [['2', '2']] and nodes['master1']['schema']['axolotl'] == '4'
    assert isinstance(nodes['master1']['e2e']['registration_id'], str)
    assert nodes['wacore1']['shards'] == [[0, 0]] and nodes['wacore1']['free_space_logs'] == 14269902848     # node override: int
    assert nodes['wacore2']['shards'] == [[1.0, 1.0]] and nodes['wacore2']['free_space_logs'] == 14269902848.0
    assert call(sim, 'mc', '/v1/account/shards', token).json()['account'] == {'shards': '4'}
    with pytest.raises(FleetError, match='number_style must be one of int, float, string'):
        load_fleet({'clusters': [{'name': 'x', 'number_style': 'hex'}]})


# ---------------------------------------------------------------- issue 12: fault sequences


def test_only_applied_faults_are_consumed_503_truncated_200(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'faults': [{'kind': 'status', 'status': 503, 'count': 1, 'path': '/v1/support'},
                                        {'kind': 'truncate', 'mode': 'json', 'count': 1, 'path': '/v1/support'}]})
    first, second, third = (call(sim, 'mc', '/v1/support', token) for _i in range(3))
    assert_error(first, 503, 1016)
    assert second.status_code == 200 and int(second.headers['Content-Length']) == len(second.content)
    with pytest.raises(ValueError):
        json.loads(second.content)
    assert len(third.json()['support']) == 7
    state = sim.state('mc')
    assert state['hits']['GET /v1/support'] == 3
    assert [f['remaining'] for f in state['faults']] == [0, 0]


def test_sequence_fault_429_401_200(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'faults': [{'kind': 'sequence', 'path': '/v1/support',
                                         'steps': [{'kind': 'status', 'status': 429}, {'kind': 'status', 'status': 401}, 'ok',
                                                   {'kind': 'status', 'status': 500}]}]})
    assert call(sim, 'mc', '/v1/health', token).status_code == 200          # another path: no step used
    codes = [call(sim, 'mc', '/v1/support', token).status_code for _i in range(6)]
    assert codes == [429, 401, 200, 500, 200, 200]
    assert sim.state('mc')['hits'] == {'POST /v1/users/login': 1, 'GET /v1/health': 1, 'GET /v1/support': 6}
    with pytest.raises(FleetError, match='sequence needs steps'):
        load_fleet({'clusters': [{'name': 'x', 'faults': [{'kind': 'sequence', 'steps': []}]}]})


# ---------------------------------------------------------------- issue 12: slow servers


def raw_get(sim, cluster, path, token, read_timeout=10):
    """GET over a raw TLS socket; returns the list of pieces as they arrived."""
    ctx = ssl.create_default_context(cafile=sim.ca_path)
    pieces = []
    with socket.create_connection(('127.0.0.1', sim.port), timeout=read_timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname='localhost') as conn:
            conn.sendall(('GET /%s%s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n\r\n' % (cluster, path, token)).encode())
            while True:
                data = conn.recv(65536)
                if not data:
                    return pieces
                pieces.append(data)


def test_trickled_body_arrives_in_many_pieces_with_content_length(sim):
    token = token_for(sim, 'single')
    sim.patch_cluster('single', {'trickle': 40000})            # 2000-byte steps every 50 ms
    pieces = raw_get(sim, 'single', '/v1/support', token)
    head, _sep, body = b''.join(pieces).partition(b'\r\n\r\n')
    assert b'Content-Length: %d' % len(body) in head and b'Connection: close' in head
    assert len(pieces) >= len(body) // 2000 and json.loads(body)['support']['socket_conn'] == 'UP'


def test_trickled_headers_arrive_a_few_bytes_at_a_time(sim):
    token = token_for(sim, 'single')
    sim.patch_cluster('single', {'trickle_headers': 400})       # 20-byte steps
    pieces = raw_get(sim, 'single', '/v1/support', token)
    assert pieces[0] == b'HTTP/1.1 200 OK\r\nCon'[:len(pieces[0])] and len(pieces[0]) <= 20
    head, _sep, body = b''.join(pieces).partition(b'\r\n\r\n')
    assert len(pieces) >= len(head) // 20 and json.loads(body)['support']['version'] == 'v2.45.1'


def test_chunked_body_without_content_length(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'chunked': {'size': 512}, 'oversized_bytes': 100000})
    resp = call(sim, 'mc', '/v1/support', token)
    assert resp.headers['Transfer-Encoding'] == 'chunked' and 'Content-Length' not in resp.headers
    assert len(resp.content) == 100000 and len(resp.json()['support']) == 7
    pieces = raw_get(sim, 'mc', '/v1/health', token)
    assert b'\r\n200\r\n' in b''.join(pieces) and b''.join(pieces).endswith(b'\r\n0\r\n\r\n')


def test_stall_after_k_bytes(sim):
    token = token_for(sim, 'single')
    sim.patch_cluster('single', {'stall': {'after': 100, 'seconds': 30}})
    with pytest.raises(requests.exceptions.ConnectionError):   # urllib3 read timeout while the body stalls
        requests.get(sim.url('single', '/v1/support'), headers={'Authorization': 'Bearer ' + token}, verify=sim.verify, timeout=(5, 0.5))
    sim.patch_cluster('single', {'stall': {'after': 100, 'seconds': 0.2}})
    assert support(sim, 'single', token)['socket_conn'] == 'UP'


# ---------------------------------------------------------------- issue 12: real node keys


def test_kubernetes_keys_and_ipv6_pod_ips(sim):
    sim.patch_cluster('mc', {'key_style': 'kubernetes'})
    token = token_for(sim, 'mc')
    body = support(sim, 'mc', token)
    assert all(re.match(r'^10\.2\d\d\.\d+\.\d+:wa-(master|core)-15550001234-\d$', k) for k in body), sorted(body)
    expected = ['wa-core-15550001234-%d' % i for i in range(5)] + ['wa-master-15550001234-0', 'wa-master-15550001234-1']
    assert sorted(k.split(':')[1] for k in body) == expected
    master = next(n for k, n in body.items() if 'wa-master-15550001234-0' in k)
    assert 'COREAPP_HOSTNAME=%s' % next(k for k in body if 'wa-master-15550001234-0' in k).split(':')[0] in master['env']
    sim.patch_cluster('mc', {'key_style': 'kubernetes_ipv6', 'nodes': {'wacore1': {'hostname': 'fd00::1a2b', 'container_id': '8080'}}})
    body = support(sim, 'mc', token)
    assert 'fd00::1a2b:8080' in body and body['fd00::1a2b:8080']['shards'] == [[0, 0]]
    assert all(re.match(r'^fd00::[0-9a-f]+:[0-9a-f]+:wa-(master|core)-15550001234-\d$', k) for k in body if k != 'fd00::1a2b:8080')
    assert sorted(call(sim, 'mc', '/v1/health', token).json()['health']) == sorted(body)
    assert sorted(call(sim, 'mc', '/v1/stats/app', token).json()['stats']['app']) == sorted(body)


def test_master_and_coreapp_sharing_a_hostname(sim):
    sim.patch_cluster('mc', {'nodes': {'master1': {'hostname': 'host-a'}, 'wacore1': {'hostname': 'host-a'}}})
    body = support(sim, 'mc')
    shared = [k for k in body if k.startswith('host-a:')]
    assert sorted(body[k]['role'] for k in shared) == ['coreapp', 'primary_master'] and len(body) == 7
    assert all('COREAPP_HOSTNAME=host-a' in body[k]['env'] for k in shared)
    with pytest.raises(FleetError, match='hostname must be a non-empty string'):
        load_fleet({'clusters': [{'name': 'x', 'nodes': {'wacore1': {'hostname': 'a b'}}}]})


def test_revive_gives_a_new_container(sim):
    before = {k.split(':')[0]: k for k in support(sim, 'mc')}
    sim.failover('mc', 'wacore5')
    sim.revive('mc', 'wacore5')
    after = {k.split(':')[0]: k for k in support(sim, 'mc')}
    assert after['wacore5'] != before['wacore5'] and len(after['wacore5']) == len(before['wacore5'])
    assert {h: k for h, k in after.items() if h != 'wacore5'} == {h: k for h, k in before.items() if h != 'wacore5'}
    assert sim.state('mc')['nodes'][-1]['key'] == after['wacore5']


# ---------------------------------------------------------------- issue 12: inferences as switches


def test_app_expired_wording_and_login_when_expired(sim):
    sim.patch_cluster('single', {'expired': True, 'wording': {'app_expired': {'title': 'App Expired', 'details': 'a version upgrade is required'}}})
    token = token_for(sim, 'single')                              # login is exempt by default
    err = assert_error(call(sim, 'single', '/v1/support', token), 403, 1005)
    assert err == {'code': 1005, 'title': 'App Expired', 'details': 'a version upgrade is required'}
    sim.patch_cluster('single', {'expired_login': False, 'wording': None})
    err = assert_error(login(sim, 'single'), 403, 1005)
    assert err['details'] == 'App Expired: a version upgrade is required' and err['title'] == 'Access denied'


def test_expired_is_auto_by_default(sim):
    token = token_for(sim, 'single')
    assert sim.state('single')['spec'].get('expired') is None and sim.state('single')['expired'] is False
    sim.patch_cluster('single', {'expire_in_days': -1})
    assert_error(call(sim, 'single', '/v1/support', token), 403, 1005)
    sim.patch_cluster('single', {'expired': False})
    assert support(sim, 'single', token)['expire_timestamp']


@pytest.mark.parametrize('style', ['seconds', 'http_date', 'absent'])
def test_retry_after_styles(sim, style):
    token = token_for(sim, 'mc')
    sim.freeze_clock(True)
    sim.patch_cluster('mc', {'retry_after': style, 'rate_limit': {'rps': 1, 'burst': 1},
                             'faults': [{'kind': 'status', 'status': 503, 'count': 1, 'path': '/v1/health'}]})
    answers = [call(sim, 'mc', path, token) for path in ('/v1/health', '/v1/support', '/v1/support')]
    assert [r.status_code for r in answers] == [503, 200, 429]
    for resp in (answers[0], answers[2]):
        value = resp.headers.get('Retry-After')
        if style == 'seconds':
            assert value == '1'
        elif style == 'http_date':
            assert re.match(r'^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$', value), value
        else:
            assert value is None


def test_lighttpd_and_nginx_error_pages(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'proxy_error': {'status': 504, 'server': 'lighttpd'}})
    resp = call(sim, 'mc', '/v1/support', token)
    assert resp.status_code == 504 and resp.text.startswith('<?xml version="1.0"') and '<title>504 Gateway Time-out</title>' in resp.text
    sim.patch_cluster('mc', {'proxy_error': 502})
    assert call(sim, 'mc', '/v1/support', token).text.startswith('<html>\r\n<head><title>502 Bad Gateway</title>')


def test_default_env_carries_the_db_password(sim):
    nodes = by_host(support(sim, 'mc'))
    assert all('WA_DB_PASSWORD=testpass' in n['env'] for n in nodes.values())
    sim.patch_cluster('mc', {'db_password': 'Pr0d-db-pass', 'nodes': {'wacore1': {'env': {'WA_DB_PASSWORD': None}}}})
    nodes = by_host(support(sim, 'mc'))
    assert 'WA_DB_PASSWORD=Pr0d-db-pass' in nodes['master1']['env'] and not any(e.startswith('WA_DB_PASSWORD') for e in nodes['wacore1']['env'])


def test_account_shards_answers_1014_while_wacore_is_down(sim):
    token = token_for(sim, 'mc')
    sim.patch_cluster('mc', {'wacore_down': True})
    err = assert_error(call(sim, 'mc', '/v1/account/shards', token), 500, 1014)
    assert 'Please check if wacore is running' in err['details']


def test_multi_segment_path_prefix(sim):
    sim.patch_cluster('mc', {'path_prefix': '/wa/eu-1/'})
    resp = requests.post(sim.url(None, '/wa/eu-1/v1/users/login'), headers=basic('admin', PASSWORD), verify=sim.verify, timeout=10)
    token = resp.json()['users'][0]['token']
    resp = requests.get(sim.url(None, '/wa/eu-1/v1/support'), headers={'Authorization': 'Bearer ' + token}, verify=sim.verify, timeout=10)
    assert len(resp.json()['support']) == 7
    assert requests.get(sim.url(None, '/wa/eu-1'), verify=sim.verify, timeout=10).text.endswith('<body>OK</body></html>')
    assert_error(requests.get(sim.url(None, '/wa/eu-2/v1/support'), verify=sim.verify, timeout=10), 404, 1006)
    assert sim.state('mc')['hits']['GET /v1/support'] == 1
    with pytest.raises(FleetError, match='path_prefix must look like'):
        load_fleet({'clusters': [{'name': 'x', 'path_prefix': 'wa/x'}]})


def test_prometheus_has_one_help_per_metric(sim):
    token = token_for(sim, 'mc')
    for path in ('/v1/stats/app', '/v1/stats/db', '/metrics'):
        text = call(sim, 'mc', path, token, params={'format': 'prometheus'}).text
        helps = re.findall(r'^# HELP (\S+) ', text, re.M)
        assert helps and len(helps) == len(set(helps)), (path, helps)
        assert len(re.findall(r'^# TYPE ', text, re.M)) == len(helps)
    text = call(sim, 'mc', '/v1/stats/app', token, params={'format': 'prometheus'}).text
    assert len(re.findall(r'^callback_queue_size\{node="(?:master|wacore)\d:[0-9a-f]{12}"\} 0$', text, re.M)) == 7


# ---------------------------------------------------------------- issue 12: tokens expiring during a run


def test_clock_fault_expires_the_token_mid_run_with_its_wording(sim):
    sim.patch_cluster('mc', {'wording': {'token_expired': 'Token expired'},
                             'faults': [{'kind': 'clock', 'advance': 7 * 86400 + 60, 'path': '/v1/account/shards', 'count': 1}]})
    token = token_for(sim, 'mc')
    before = sim.state()['clock']['epoch']
    assert call(sim, 'mc', '/v1/support', token).status_code == 200
    err = assert_error(call(sim, 'mc', '/v1/account/shards', token), 401, 1005)
    assert err == {'code': 1005, 'title': 'Access denied', 'details': 'Token expired'}
    assert sim.state()['clock']['epoch'] - before >= 7 * 86400 + 60
    assert_error(call(sim, 'mc', '/v1/support', token), 401, 1005)       # revoked for good: unknown now
    assert call(sim, 'mc', '/v1/account/shards', token_for(sim, 'mc')).json()['account'] == {'shards': 4}
