# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection against a simulator that does not agree with it (issue 12): number styles, fault
sequences, slow servers, real node keys and the [INF] switches, over real HTTPS with real ansible
processes. The simulator counts the requests it saw (``hits``), so every step of a scripted sequence
is checked to have happened."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import subprocess
import time

import pytest
import requests

from integration_helpers import ADMIN_PASSWORD, BIN, REPO, ansible_env, connection, run_module, run_playbook
from wabiz_sim.testing import Simulator

DB_PASSWORD = 'Db-pass-must-not-leak-4711'
TWIN_FAULTS = {'wacore1': {'free_space': {'logs': 500000000}}, 'wacore2': {'schema': {'message': 8}}}
FLEET = {
    'seed': 12,
    'defaults': {'version': 'v2.45.1', 'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}},
                 'retry_after': 'absent'},
    'clusters': [
        # number styles: three twins with the same two faults (a nearly full disk, a schema drift)
        {'name': 'twin-int', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4, 'nodes': TWIN_FAULTS},
        {'name': 'twin-float', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4, 'nodes': TWIN_FAULTS,
         'number_style': 'float'},
        {'name': 'twin-string', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4, 'nodes': TWIN_FAULTS,
         'number_style': 'string'},
        {'name': 'ha-float', 'mode': 'ha', 'masters': 2, 'coreapps': 2, 'number_style': 'float'},
        # fault sequences
        {'name': 'seq-503-cut', 'mode': 'single', 'faults': [
            {'kind': 'status', 'status': 503, 'count': 1, 'path': '/v1/support'},
            {'kind': 'truncate', 'mode': 'json', 'count': 1, 'path': '/v1/support'}]},
        {'name': 'seq-429-401', 'mode': 'single', 'faults': [
            {'kind': 'sequence', 'path': '/v1/support', 'steps': [{'kind': 'status', 'status': 429}, {'kind': 'status', 'status': 401}]}]},
        # slow servers (each fault on /v1/support only: the login is quick)
        {'name': 'trickle-body', 'mode': 'single', 'trickle': {'rate': 300, 'path': '/v1/support'}},
        {'name': 'trickle-headers', 'mode': 'single', 'trickle_headers': {'rate': 30, 'path': '/v1/support'}},
        {'name': 'stall', 'mode': 'single', 'stall': {'after': 100, 'seconds': 60, 'path': '/v1/support'}},
        {'name': 'chunked-huge', 'mode': 'single', 'faults': [{'kind': 'chunked', 'size': 65536, 'path': '/v1/support'},
                                                              {'kind': 'oversized', 'bytes': 34000000, 'path': '/v1/support'}]},
        # real node keys
        {'name': 'k8s', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4, 'key_style': 'kubernetes'},
        {'name': 'k8s-ipv6', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 3, 'shards': 2, 'key_style': 'kubernetes_ipv6'},
        {'name': 'colocated', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 3, 'shards': 2,
         'nodes': {'master1': {'hostname': 'host-a'}, 'wacore1': {'hostname': 'host-a'}}},
        # the inferences as switches
        {'name': 'expired-title', 'mode': 'single', 'expired': True,
         'wording': {'app_expired': {'title': 'App Expired', 'details': 'a version upgrade is required'}}},
        {'name': 'expired-no-login', 'mode': 'single', 'expired': True, 'expired_login': False},
        {'name': 'expired-auto', 'mode': 'single', 'expire_in_days': -1},
        {'name': 'retry-seconds', 'mode': 'single', 'retry_after': 'seconds',
         'faults': [{'kind': 'status', 'status': 429, 'count': 1, 'path': '/v1/support'}]},
        {'name': 'retry-date', 'mode': 'single', 'retry_after': 'http_date',
         'faults': [{'kind': 'status', 'status': 503, 'count': 1, 'path': '/v1/support'}]},
        {'name': 'retry-absent', 'mode': 'single', 'faults': [{'kind': 'status', 'status': 429, 'count': 1, 'path': '/v1/support'}]},
        {'name': 'lighttpd', 'mode': 'single', 'proxy_error': {'status': 502, 'server': 'lighttpd'}},
        {'name': 'db-env', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 3, 'shards': 2, 'db_password': DB_PASSWORD},
        {'name': 'wacore-down', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 3, 'shards': 2, 'wacore_down': True},
        {'name': 'behind-proxy', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 3, 'shards': 2, 'path_prefix': '/wa/eu-1'},
        # tokens that expire during a run: the clock jumps past the token's 7 days between support and shards
        {'name': 'token-expiry', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 3, 'shards': 2,
         'faults': [{'kind': 'clock', 'advance': 7 * 86400 + 60, 'count': 1, 'path': '/v1/account/shards'}]},
        {'name': 'token-expiry-wording', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 3, 'shards': 2,
         'wording': {'token_expired': 'Token expired'},
         'faults': [{'kind': 'clock', 'advance': 7 * 86400 + 60, 'count': 1, 'path': '/v1/account/shards'}]},
        {'name': 'given-token-expired', 'mode': 'single', 'wording': {'token_expired': 'Token expired'},
         'faults': [{'kind': 'clock', 'advance': 7 * 86400 + 60, 'count': 1, 'path': '/v1/support'}]},
    ],
}
# (case id, cluster, extra module args), run in this order by one playbook
CASES = [
    ('twin-int', 'twin-int', {}),
    ('twin-float', 'twin-float', {}),
    ('twin-string', 'twin-string', {}),
    ('ha-float', 'ha-float', {}),
    ('seq-503-cut:1', 'seq-503-cut', {'retries': 2}),
    ('seq-503-cut:2', 'seq-503-cut', {'retries': 2}),
    ('seq-429-401', 'seq-429-401', {'retries': 2}),
    ('k8s', 'k8s', {}),
    ('k8s-ipv6', 'k8s-ipv6', {}),
    ('colocated', 'colocated', {}),
    ('expired-title', 'expired-title', {}),
    ('expired-no-login', 'expired-no-login', {}),
    ('expired-auto', 'expired-auto', {}),
    ('retry-seconds', 'retry-seconds', {'retries': 1}),
    ('retry-date', 'retry-date', {'retries': 1}),
    ('retry-absent', 'retry-absent', {'retries': 1}),
    ('lighttpd', 'lighttpd', {}),
    ('db-env', 'db-env', {}),
    ('wacore-down', 'wacore-down', {}),
    ('behind-proxy', None, {}),
    ('token-expiry', 'token-expiry', {}),
    ('token-expiry-wording', 'token-expiry-wording', {}),
    ('given-token-expired', 'given-token-expired', {'username': None, 'password': None, 'token': 'from the login below'}),
]


@pytest.fixture(scope='module')
def fsim():
    with Simulator(FLEET) as simulator:
        yield simulator


@pytest.fixture(scope='module')
def results(fsim, tmp_path_factory):
    """One ansible-playbook run (-vvv) calling support_info once per case, in order; results by case id."""
    tmp = tmp_path_factory.mktemp('faithful')
    items = []
    for case, cluster, extra in CASES:
        args = connection(fsim, cluster, **extra) if cluster else connection(fsim, None, url=fsim.base_url + '/wa/eu-1', **extra)
        if 'token' in extra:
            args['token'] = login_token(fsim, cluster)
        items.append({'case': case, 'args': dict((k, v) for k, v in args.items() if v is not None)})
    out = tmp / 'results.json'
    playbook = [{
        'name': 'support_info over every case', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [
            {'name': 'Read', 'wabiz.onprem.support_info': '{{ item.args }}', 'loop': '{{ cases }}',
             'loop_control': {'label': '{{ item.case }}'}, 'register': 'read', 'ignore_errors': True},
            {'name': 'Save', 'ansible.builtin.copy': {'content': '{{ read.results | to_json }}', 'dest': str(out), 'mode': '0600'}},
        ],
    }]
    result = run_playbook(tmp / 'play.yml', playbook, extra_vars={'cases': items}, args=['-vvv'])
    assert result.rc == 0, result
    by_case = dict((entry['item']['case'], entry) for entry in json.loads(out.read_text()))
    by_case['_output'] = result.output
    by_case['_saved'] = out.read_text()
    by_case['_hits'] = dict((name, c['hits']) for name, c in fsim.state()['clusters'].items())
    return by_case


def login_token(fsim, cluster):
    """A token obtained outside the collection, as a user who passes ``token`` would have."""
    resp = requests.post(fsim.url(cluster, '/v1/users/login'), auth=('admin', ADMIN_PASSWORD), verify=fsim.verify, timeout=10)
    return resp.json()['users'][0]['token']


def verdict(entry):
    """What the gate decides on, with node names reduced to their hostname (container ids differ between twins)."""
    return {'status': entry['status'], 'topology': entry['topology'],
            'findings': sorted((f['code'], f['severity'], (f['node'] or '').split(':')[0]) for f in entry['findings']),
            'min_free_space': entry['cluster']['min_free_space'], 'shard_count': entry['cluster']['shard_count'],
            'owned_shards': sorted(entry['cluster']['owned_shards'])}


# ---------------------------------------------------------------- number styles


def test_int_twin_gates_on_its_two_faults(results):
    assert verdict(results['twin-int'])['findings'] == [('free_space_low', 'critical', 'wacore1'), ('schema_mismatch', 'critical', '')]
    assert results['twin-int']['status'] == 'critical'


def test_float_twin_gates_exactly_like_the_int_twin(results):
    assert verdict(results['twin-float']) == verdict(results['twin-int'])
    data = dict((n['hostname'], n) for n in results['twin-float']['nodes'])
    assert data['wacore1']['free_space']['logs'] == 500000000
    assert data['master1']['free_space']['data'] >= 2 ** 62          # the INT64 marker through a float: unbounded, not exact
    assert data['wacore2']['schema']['message'] == 8 and data['wacore3']['shards'] == [2]


def test_float_ha_cluster_is_healthy(results):
    entry = results['ha-float']
    assert (entry['status'], entry['findings'], entry['cluster']['shard_count']) == ('ok', [], 1)


def test_string_twin_gates_exactly_like_the_int_twin(results):
    assert verdict(results['twin-string']) == verdict(results['twin-int'])


# ---------------------------------------------------------------- fault sequences


def test_503_then_cut_body_then_200(results):
    first, second = results['seq-503-cut:1'], results['seq-503-cut:2']
    assert first['failed'] is True and first['error']['code'] == 'bad_response'      # 503 retried, then a cut JSON body
    assert second['status'] == 'ok' and second['reachable'] is True                  # the next run gets the 200
    assert results['_hits']['seq-503-cut']['GET /v1/support'] == 3
    assert results['_hits']['seq-503-cut']['POST /v1/users/login'] == 2


def test_429_then_401_then_200_relogs_in_once(results):
    entry = results['seq-429-401']
    assert entry['status'] == 'ok' and entry['reachable'] is True
    assert results['_hits']['seq-429-401']['GET /v1/support'] == 3
    assert results['_hits']['seq-429-401']['POST /v1/users/login'] == 2


# ---------------------------------------------------------------- slow servers: the client's total deadline


def timed_module(fsim, cluster, **extra):
    start = time.monotonic()
    result = run_module('wabiz.onprem.support_info', connection(fsim, cluster, **extra))
    return result, time.monotonic() - start


def test_trickled_body_hits_the_total_deadline(fsim):
    result, elapsed = timed_module(fsim, 'trickle-body', timeout=2, retries=0)
    assert result.data.get('error', {}).get('code') == 'timeout', result
    assert elapsed < 2 * 1 + 15       # timeout x attempts, plus generous ansible start-up


def test_trickled_headers_hit_the_total_deadline(fsim):
    result, elapsed = timed_module(fsim, 'trickle-headers', timeout=2, retries=0)
    assert result.data.get('error', {}).get('code') == 'timeout', result
    assert elapsed < 2 * 1 + 15


def test_stalled_body_is_a_timeout_and_is_retried(fsim):
    before = fsim.state('stall')['hits'].get('GET /v1/support', 0)
    result, elapsed = timed_module(fsim, 'stall', timeout=2, retries=1)
    assert result.data.get('error', {}).get('code') == 'timeout', result
    assert fsim.state('stall')['hits']['GET /v1/support'] - before == 2
    assert elapsed < 2 * 2 + 15


def test_chunked_body_without_length_hits_the_size_limit(fsim):
    result = run_module('wabiz.onprem.support_info', connection(fsim, 'chunked-huge'))
    assert result.data['error']['code'] == 'bad_response', result
    assert 'byte limit' in result.data['error']['message']


# ---------------------------------------------------------------- real node keys


def keys_of(fsim, cluster):
    return dict((n['hostname'], n) for n in fsim.state(cluster)['nodes'])


def test_kubernetes_pod_ip_keys(results, fsim):
    entry = results['k8s']
    assert (entry['status'], entry['findings']) == ('ok', [])
    expected = sorted((n['host'], n['container_id']) for n in keys_of(fsim, 'k8s').values())
    assert sorted((n['hostname'], n['container_id']) for n in entry['nodes']) == expected
    assert all(re.match(r'^10\.\d+\.\d+\.\d+$', n['hostname']) for n in entry['nodes'])


def test_ipv6_pod_ip_keys_gate_healthy(results):
    entry = results['k8s-ipv6']
    assert (entry['status'], entry['findings']) == ('ok', [])


def test_ipv6_pod_ip_keys_split_on_the_last_colon(results, fsim):
    expected = sorted((n['host'], n['container_id']) for n in keys_of(fsim, 'k8s-ipv6').values())
    assert sorted((n['hostname'], n['container_id']) for n in results['k8s-ipv6']['nodes']) == expected
    assert all(n['hostname'].startswith('fd00::') for n in results['k8s-ipv6']['nodes'])


def test_master_and_coreapp_on_one_host(results):
    entry = results['colocated']
    assert (entry['status'], entry['findings']) == ('ok', [])
    shared = sorted(n['role'] for n in entry['nodes'] if n['hostname'] == 'host-a')
    assert shared == ['coreapp', 'primary_master']


def inventory_list(fsim, tmp_path, clusters):
    lines = ['plugin: wabiz.onprem.support', 'username: admin', 'ca_path: %s' % fsim.ca_path, 'clusters:']
    lines += ['  - {name: %s, url: "%s"}' % (name, fsim.url(name)) for name in clusters]
    config = tmp_path / 'keys.wabiz.yml'
    config.write_text('\n'.join(lines) + '\n')
    env = ansible_env({'WABIZ_PASSWORD': ADMIN_PASSWORD, 'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true'})
    proc = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', str(config), '--list'], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_inventory_names_colocated_nodes_by_container_and_follows_a_revive(fsim, tmp_path):
    nodes = keys_of(fsim, 'colocated')
    expected = {'colocated.host-a.%s' % nodes['master1']['container_id'], 'colocated.host-a.%s' % nodes['wacore1']['container_id'],
                'colocated.master2', 'colocated.wacore2', 'colocated.wacore3'}
    assert set(inventory_list(fsim, tmp_path, ['colocated'])['wabiz_cluster_colocated']['hosts']) == expected
    fsim.failover('colocated', 'wacore3')
    fsim.revive('colocated', 'wacore3')                  # a new container: a new id, the same host name
    revived = keys_of(fsim, 'colocated')['wacore3']['container_id']
    assert revived != nodes['wacore3']['container_id']
    listing = inventory_list(fsim, tmp_path, ['colocated'])
    assert set(listing['wabiz_cluster_colocated']['hosts']) == expected
    # wabiz_node of a node host refers to the node in its cluster host's wabiz_support.nodes
    index = int(re.search(r'\.nodes\[(\d+)\]', listing['_meta']['hostvars']['colocated.wacore3']['wabiz_node']).group(1))
    container_id = listing['_meta']['hostvars']['colocated']['wabiz_support']['nodes'][index]['container_id']
    assert container_id in (revived, {'__ansible_unsafe': revived})     # --list marks strings from the API as unsafe


def test_inventory_names_ipv6_nodes_by_their_pod_ip(fsim, tmp_path):
    hosts = set(inventory_list(fsim, tmp_path, ['k8s-ipv6'])['wabiz_cluster_k8s_ipv6']['hosts'])
    assert hosts == set('k8s-ipv6.%s' % re.sub(r'[^A-Za-z0-9._-]', '_', n['host']) for n in keys_of(fsim, 'k8s-ipv6').values())


# ---------------------------------------------------------------- the inferences as switches


def test_app_expired_worded_in_the_title(results):
    assert results['expired-title']['error']['code'] == 'app_expired', results['expired-title']['error']


def test_app_expired_when_even_login_is_refused(results):
    error = results['expired-no-login']['error']
    assert (error['code'], error['status']) == ('app_expired', 403)
    assert results['_hits']['expired-no-login'] == {'POST /v1/users/login': 1}


def test_expired_build_answers_app_expired_by_default(results):
    assert results['expired-auto']['error']['code'] == 'app_expired'


@pytest.mark.parametrize('case', ['retry-seconds', 'retry-date', 'retry-absent'])
def test_retry_after_in_every_style_is_honoured(results, case):
    assert results[case]['status'] == 'ok', results[case]
    assert results['_hits'][case]['GET /v1/support'] == 2


def test_lighttpd_error_page_is_a_bad_response(results):
    error = results['lighttpd']['error']
    assert (error['code'], error['status']) == ('bad_response', 502)


def test_lighttpd_error_page_is_named_as_a_proxy_page(results):
    message = results['lighttpd']['error']['message']
    assert 'HTML page' in message and '502 Bad Gateway' in message, message


def test_default_db_password_in_env_never_leaks(results):
    assert results['db-env']['status'] == 'ok'
    assert DB_PASSWORD not in results['_output'] and DB_PASSWORD not in results['_saved']
    assert 'WA_DB_PASSWORD' in results['_saved']        # the variable is there, its value redacted


def test_wacore_down_is_an_api_error_1014(results):
    error = results['wacore-down']['error']
    assert (error['code'], error['api_code'], error['status']) == ('api_error', 1014, 500)
    assert 'GET /v1/account/shards' not in results['_hits']['wacore-down']


def test_multi_segment_path_prefix(results):
    entry = results['behind-proxy']
    assert (entry['status'], entry['topology'], entry['cluster']['shard_count_source']) == ('ok', 'multiconnect', 'api')
    assert results['_hits']['behind-proxy']['GET /v1/support'] == 1


# ---------------------------------------------------------------- tokens that expire during a run


def test_token_expiring_mid_run_relogs_in_once(results):
    entry = results['token-expiry']
    assert entry['status'] == 'ok' and entry['cluster']['shard_count_source'] == 'api'
    hits = results['_hits']['token-expiry']
    assert (hits['POST /v1/users/login'], hits['GET /v1/support'], hits['GET /v1/account/shards']) == (2, 1, 2)


def test_token_expired_wording_relogs_in_once(results):
    entry = results['token-expiry-wording']
    assert entry.get('status') == 'ok', entry.get('error')
    assert results['_hits']['token-expiry-wording']['POST /v1/users/login'] == 2


def test_given_token_expired_is_auth_failed(results):
    error = results['given-token-expired']['error']
    assert (error['code'], error['status']) == ('auth_failed', 401), error
    assert results['_hits']['given-token-expired'] == {'POST /v1/users/login': 1, 'GET /v1/support': 1}
