# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the wabiz.onprem.support inventory plugin: a real InventoryData, a real Templar,
options through a get_option stub and a fake HTTP client injected at the Client boundary."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import itertools
import json
import os
import re
import shutil
import tempfile
import threading

import pytest
import yaml

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.inventory.manager import _InventoryDataWrapper
from ansible._internal._datatag._tags import Origin
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.wabiz.onprem.plugins.inventory import support as plugin_module
from ansible_collections.wabiz.onprem.plugins.module_utils import _connection as connection_module
from ansible_collections.wabiz.onprem.plugins.inventory.support import InventoryModule, node_host_names
from ansible_collections.wabiz.onprem.plugins.module_utils._client import WabizError

FUTURE = '2099-01-01T00:00:00'
SCHEMA = {'axolotl': 3, 'callback': 5, 'cluster': 2, 'config': 4, 'contact': 9, 'jobqueue': 1, 'message': 12}


def _node(role, shards, socket_conn, **extra):
    node = {
        'db_engine': 'MYSQL', 'debug_info': '15550100001', 'description': 'build v2.57.2', 'expire_timestamp': FUTURE,
        'free_space_data': 2 ** 63 - 1, 'free_space_logs': 50 * 2 ** 30, 'free_space_media_incoming': 2 ** 63 - 1,
        'free_space_media_outgoing': 2 ** 63 - 1, 'multi_connect': True, 'os_name': 'ubuntu-x86_64',
        'os_version': '20.04', 'schema': dict(SCHEMA), 'socket_conn': socket_conn, 'version': 'v2.57.2',
        'role': role, 'shards': shards, 'env': ['WA_DB_PASSWORD=hunter2', 'WA_DB_PORT=3306'],
    }
    node.update(extra)
    return node


def mc_body(masters=2, coreapps=5, shards=4, master_name='master{index}'):
    """A healthy multiconnect /v1/support body."""
    support = {}
    for index in range(masters):
        role = 'primary_master' if index == 0 else 'secondary_master'
        key = '%s:m%04d' % (master_name.replace('{index}', str(index + 1)), index)
        support[key] = _node(role, [[-1, -1]] if index == 0 else [], 'UP' if index == 0 else 'DN')
    for index in range(coreapps):
        owned = [[index, index]] if index < shards else []
        support['wacore%d:c%04d' % (index + 1, index)] = _node('coreapp', owned, 'UP' if owned else 'DN')
    return {'support': support, 'meta': {'version': 'v2.57.2', 'api_status': 'stable'}}


def ha_body():
    support = {
        'master1:m1': _node('primary_master', [], 'DN', multi_connect=True),
        'master2:m2': _node('secondary_master', [], 'DN'),
        'wacore1:c1': _node('coreapp', [[-1, 0]], 'UP'),
        'wacore2:c2': _node('coreapp', [], 'DN'),
    }
    return {'support': support, 'meta': {'version': 'v2.57.2'}}


def single_body():
    flat = _node('single', [], 'UP', multi_connect=False)
    del flat['role'], flat['shards']
    return {'support': flat, 'meta': {'version': 'v2.57.2'}}


class FakeClient(object):
    """Stands in for module_utils._client.Client: canned answers per URL, one call log for all."""

    answers = {}
    calls = []
    lock = threading.Lock()

    def __init__(self, url, **kwargs):
        self.url = url
        self.kwargs = kwargs
        with self.lock:
            self.calls.append(('init', url, kwargs))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def fetch(self):
        with self.lock:
            self.calls.append(('fetch', self.url, None))
        answer = self.answers[self.url]
        if isinstance(answer, Exception):
            raise answer
        return copy.deepcopy(answer)


def fetched(body, shard_count=None, shard_count_error=None):
    return {'support': body, 'shard_count': shard_count, 'shard_count_error': shard_count_error}


@pytest.fixture
def fake_client(monkeypatch):
    FakeClient.answers = {
        'https://sim/mc-1': fetched(mc_body(), shard_count=4),
        'https://sim/ha-1': fetched(ha_body(), shard_count=1),
        'https://sim/single-1': fetched(single_body()),
        'https://sim/down': WabizError('unreachable', 'POST https://sim/down/v1/users/login: cannot connect (refused)'),
    }
    FakeClient.calls = []
    monkeypatch.setattr(InventoryModule, 'client_class', FakeClient)
    return FakeClient


DEFAULT_CLUSTERS = [
    {'name': 'mc-1', 'url': 'https://sim/mc-1'},
    {'name': 'ha-1', 'url': 'https://sim/ha-1', 'username': 'other', 'password': 'pw2'},
    {'name': 'single-1', 'url': 'https://sim/single-1'},
    {'name': 'down', 'url': 'https://sim/down'},
]


from ansible.template import trust_as_template as trusted

_COUNTER = itertools.count()
_TMP_DIR = None


@pytest.fixture(autouse=True)
def _tmp_dir():
    global _TMP_DIR  # pylint: disable=global-statement
    _TMP_DIR = tempfile.mkdtemp(prefix='wabiz-inv-')
    yield
    shutil.rmtree(_TMP_DIR, ignore_errors=True)


class MemoryCache(dict):
    """Enough of CachePluginAdjudicator for Cacheable: a dict that counts reads and writes."""

    def __init__(self):
        super(MemoryCache, self).__init__()
        self.writes = 0

    def __setitem__(self, key, value):
        self.writes += 1
        # what a JSON cache plugin stores: a serialised copy
        super(MemoryCache, self).__setitem__(key, json.loads(json.dumps(value)))


def load_config(loader, values, tmp_dir, clusters_yaml=None):
    """The options as _read_config_data sees them: YAML loaded from a file, strings trusted as
    templates (tagged), !vault values as encrypted strings."""
    if clusters_yaml is not None:
        values = dict((key, value) for key, value in values.items() if key != 'clusters')
    text = yaml.safe_dump(values, default_flow_style=False) + (clusters_yaml or '')
    path = os.path.join(tmp_dir, 'options-%d.wabiz.yml' % next(_COUNTER))
    with open(path, 'w') as handle:
        handle.write(text)
    return loader.load_from_file(path, cache='none', trusted_as_template=True)


def make_plugin(options=None, cache=None, loader=None, clusters_yaml=None, environment=None):
    """A plugin with ``options`` read from a configuration file, and ``environment`` ({option: value}) as if they
    came from the environment variables of the options."""
    values = {
        'plugin': 'wabiz.onprem.support', 'clusters': copy.deepcopy(DEFAULT_CLUSTERS), 'username': 'monitor',
        'password': 'Secr3t!', 'token': None, 'validate_certs': True, 'ca_path': None, 'timeout': 10.0, 'retries': 2,
        'policy': {}, 'nodes': True, 'workers': 4, 'processes': None, 'fail_on_error': False, 'strict': False, 'compose': {},
        'groups': {}, 'keyed_groups': [], 'leading_separator': True, 'use_extra_vars': False, 'cache': False,
    }
    values.update(options or {})
    plugin = InventoryModule()
    plugin.inventory = InventoryData()
    plugin.loader = loader or DataLoader()
    plugin.templar = Templar(loader=plugin.loader)
    plugin._vars = {}
    values = load_config(plugin.loader, values, _TMP_DIR, clusters_yaml)

    values.update(environment or {})

    def get_option(name):
        return values[name]

    def get_option_and_origin(name):
        return values[name], 'env: WABIZ_%s' % name.upper() if name in (environment or {}) else '/tmp/fleet.wabiz.yml'

    plugin.get_option = get_option
    plugin.get_option_and_origin = get_option_and_origin
    plugin._read_config_data = lambda path: values
    plugin._cache = cache if cache is not None else MemoryCache()
    return plugin


def run(plugin, path='/tmp/fleet.wabiz.yml', cache=True):
    plugin.parse(plugin.inventory, plugin.loader, path, cache=cache)
    return plugin.inventory


def hosts_of(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts()) if group in inventory.groups else []


def host_vars(inventory, name):
    return inventory.get_host(name).vars


def node_of(inventory, name):
    """The ``wabiz_node`` of a node host as a play sees it: the reference templated against every host's variables."""
    reference = host_vars(inventory, name)['wabiz_node']
    assert isinstance(reference, str) and reference.startswith("{{ hostvars['"), reference
    hostvars = dict((host, host_vars(inventory, host)) for host in inventory.hosts)
    return Templar(loader=DataLoader(), variables={'hostvars': hostvars}).template(reference)


# ---- verify_file -----------------------------------------------------------------------------------

@pytest.mark.parametrize('name, ok', [
    ('fleet.wabiz.yml', True), ('fleet.wabiz.yaml', True), ('fleet.yml', False), ('wabiz.yml', False), ('fleet.wabiz.json', False),
])
def test_verify_file(tmp_path, name, ok):
    path = tmp_path / name
    path.write_text('plugin: wabiz.onprem.support\n')
    assert InventoryModule().verify_file(str(path)) is ok


# ---- groups, host names, vars --------------------------------------------------------------------

def test_groups_and_host_names(fake_client):
    inventory = run(make_plugin())
    assert hosts_of(inventory, 'wabiz_clusters') == ['down', 'ha-1', 'mc-1', 'single-1']
    assert hosts_of(inventory, 'wabiz_unreachable') == ['down']
    assert hosts_of(inventory, 'wabiz_error_unreachable') == ['down']
    assert hosts_of(inventory, 'wabiz_topology_multiconnect') == ['mc-1']
    assert hosts_of(inventory, 'wabiz_topology_ha') == ['ha-1']
    assert hosts_of(inventory, 'wabiz_topology_single') == ['single-1']
    assert hosts_of(inventory, 'wabiz_status_ok') == ['ha-1', 'mc-1', 'single-1']
    mc_nodes = ['mc-1.master1', 'mc-1.master2'] + ['mc-1.wacore%d' % i for i in range(1, 6)]
    assert hosts_of(inventory, 'wabiz_cluster_mc_1') == mc_nodes
    assert hosts_of(inventory, 'wabiz_cluster_single_1') == ['single-1.single']
    assert 'wabiz_cluster_down' not in inventory.groups
    assert len(hosts_of(inventory, 'wabiz_nodes')) == 7 + 4 + 1
    assert hosts_of(inventory, 'wabiz_role_primary_master') == ['ha-1.master1', 'mc-1.master1']
    assert hosts_of(inventory, 'wabiz_role_secondary_master') == ['ha-1.master2', 'mc-1.master2']
    assert hosts_of(inventory, 'wabiz_role_single') == ['single-1.single']
    assert hosts_of(inventory, 'wabiz_shard_control') == ['ha-1.wacore1', 'mc-1.master1']
    assert hosts_of(inventory, 'wabiz_shard_0') == ['ha-1.wacore1', 'mc-1.wacore1']
    assert hosts_of(inventory, 'wabiz_shard_3') == ['mc-1.wacore4']
    assert 'wabiz_shard_4' not in inventory.groups
    # cluster hosts and node hosts never mix
    assert not set(hosts_of(inventory, 'wabiz_clusters')) & set(hosts_of(inventory, 'wabiz_nodes'))


class _RecordingWrapper(_InventoryDataWrapper):
    """ansible-core's own proxy around the InventoryData of a source (what ansible-inventory hands the plugin; a
    private class of core, used here only to prove the plugin never goes around it), recording set_variable."""
    _seen = None

    def set_variable(self, entity, varname, value):
        self._seen.append((entity, varname))
        super(_RecordingWrapper, self).set_variable(entity, varname, value)


def test_every_host_variable_goes_through_cores_public_inventory_api(fake_client):
    plugin = make_plugin()
    data = plugin.inventory
    wrapper = _RecordingWrapper(data, target_plugin=plugin, origin=Origin(description='<test>'))
    wrapper._seen = []
    plugin.parse(wrapper, plugin.loader, '/tmp/fleet.wabiz.yml')
    stored = set((host.name, name) for host in data.hosts.values() for name in host.vars
                 if name != 'inventory_file' and name != 'inventory_dir')
    assert ('mc-1', 'wabiz_support') in stored and ('mc-1.master1', 'wabiz_node') in stored
    assert stored == set(wrapper._seen)


def test_cluster_host_vars(fake_client):
    inventory = run(make_plugin())
    mc = host_vars(inventory, 'mc-1')
    assert mc['wabiz_cluster'] == 'mc-1'
    assert mc['wabiz_url'] == 'https://sim/mc-1'
    assert mc['wabiz_validate_certs'] is True
    assert mc['wabiz_ca_path'] is None
    assert mc['wabiz_username'] == 'monitor'
    assert host_vars(inventory, 'ha-1')['wabiz_username'] == 'other'
    report = mc['wabiz_support']
    assert set(report) == {'reachable', 'status', 'topology', 'nodes', 'cluster', 'findings', 'policy', 'msg', 'fetched_at'}
    assert report['reachable'] is True and report['status'] == 'ok' and report['topology'] == 'multiconnect'
    assert report['cluster']['shard_count'] == 4 and report['cluster']['shard_count_source'] == 'api'
    assert [node['name'] for node in report['nodes']][:2] == ['master1:m0000', 'master2:m0001']
    assert report['msg'] == 'OK: multiconnect cluster, 7 node(s), 4 shard(s), 0 critical and 0 warning finding(s)'
    # no password, token nor raw body anywhere in the host vars
    dumped = json.dumps(dict((name, host_vars(inventory, name)) for name in inventory.hosts), default=str)
    assert 'Secr3t!' not in dumped and 'pw2' not in dumped and 'hunter2' not in dumped
    assert 'wabiz_password' not in mc and 'wabiz_token' not in mc and 'support' not in report


def test_node_host_vars(fake_client):
    inventory = run(make_plugin())
    node_vars = host_vars(inventory, 'mc-1.wacore2')
    assert set(node_vars) - {'inventory_file', 'inventory_dir'} == {'wabiz_cluster', 'wabiz_node'}
    assert node_vars['wabiz_cluster'] == 'mc-1'
    # the node is stored once, in its cluster host's wabiz_support.nodes; wabiz_node refers to it
    assert node_vars['wabiz_node'] == "{{ hostvars['mc-1'].wabiz_support.nodes[3] }}"
    node = node_of(inventory, 'mc-1.wacore2')
    assert node == host_vars(inventory, 'mc-1')['wabiz_support']['nodes'][3]
    assert node['name'] == 'wacore2:c0001' and node['role'] == 'coreapp' and node['shards'] == [1]
    for name in hosts_of(inventory, 'wabiz_nodes'):
        cluster = host_vars(inventory, name)['wabiz_cluster']
        assert node_of(inventory, name) in host_vars(inventory, cluster)['wabiz_support']['nodes']
    assert sorted(node_of(inventory, name)['name'] for name in hosts_of(inventory, 'wabiz_cluster_mc_1')) == sorted(
        node['name'] for node in host_vars(inventory, 'mc-1')['wabiz_support']['nodes'])


def test_unreachable_cluster_vars(fake_client):
    inventory = run(make_plugin())
    down = host_vars(inventory, 'down')['wabiz_support']
    assert down['reachable'] is False
    assert down['error']['code'] == 'unreachable'
    assert down['error']['message'] == 'POST https://sim/down/v1/users/login: cannot connect (refused)'
    assert down['msg'] == '[unreachable] POST https://sim/down/v1/users/login: cannot connect (refused)'
    assert 'status' not in down and 'nodes' not in down


def test_nodes_off(fake_client):
    inventory = run(make_plugin({'nodes': False}))
    assert 'wabiz_nodes' not in inventory.groups
    assert len(inventory.hosts) == 4
    assert not [name for name in inventory.groups if name.startswith(('wabiz_role_', 'wabiz_shard_', 'wabiz_cluster_'))]


def test_connection_settings_reach_the_client(fake_client):
    clusters = copy.deepcopy(DEFAULT_CLUSTERS)
    clusters[0].update({'timeout': '3', 'retries': 0, 'validate_certs': 'no', 'ca_cert': '/etc/ca.pem', 'token': 'tok'})
    run(make_plugin({'clusters': clusters}))
    kwargs = dict((url, kw) for kind, url, kw in FakeClient.calls if kind == 'init')
    assert kwargs['https://sim/mc-1'] == {
        'username': 'monitor', 'password': 'Secr3t!', 'token': 'tok', 'validate_certs': False, 'ca_path': '/etc/ca.pem',
        'timeout': 3.0, 'retries': 0, 'warn': kwargs['https://sim/mc-1']['warn'], 'on_secret': kwargs['https://sim/mc-1']['on_secret']}
    assert callable(kwargs['https://sim/mc-1']['warn']) and callable(kwargs['https://sim/mc-1']['on_secret'])
    assert kwargs['https://sim/ha-1']['username'] == 'other' and kwargs['https://sim/ha-1']['password'] == 'pw2'
    assert kwargs['https://sim/ha-1']['validate_certs'] is True


def test_templated_options(fake_client, monkeypatch):
    monkeypatch.setenv('WABIZ_TEST_PW', 'from-env')
    clusters = copy.deepcopy(DEFAULT_CLUSTERS)
    clusters[1]['password'] = "{{ lookup('env', 'WABIZ_TEST_PW') }}"
    run(make_plugin({'clusters': clusters, 'username': "{{ 'mon' ~ 'itor' }}"}))
    kwargs = dict((url, kw) for kind, url, kw in FakeClient.calls if kind == 'init')
    assert kwargs['https://sim/ha-1']['password'] == 'from-env'
    assert kwargs['https://sim/mc-1']['username'] == 'monitor'


def test_vault_encrypted_password(fake_client, monkeypatch):
    from ansible.parsing.vault import VaultLib, VaultSecret, VaultSecretsContext
    secret = VaultSecret(b'vault-pass')
    monkeypatch.setattr(VaultSecretsContext, '_current', VaultSecretsContext([('default', secret)]))
    loader = DataLoader()
    loader.set_vault_secrets([('default', secret)])
    ciphertext = VaultLib([('default', secret)]).encrypt('vaulted-pw').decode()
    clusters_yaml = (
        'clusters:\n'
        '  - name: mc-1\n'
        '    url: https://sim/mc-1\n'
        '    password: !vault |\n      ' + '\n      '.join(ciphertext.splitlines()) + '\n'
    )
    inventory = run(make_plugin(loader=loader, clusters_yaml=clusters_yaml))
    kwargs = dict((url, kw) for kind, url, kw in FakeClient.calls if kind == 'init')
    assert kwargs['https://sim/mc-1']['password'] == 'vaulted-pw'
    assert type(kwargs['https://sim/mc-1']['password']) is str  # pylint: disable=unidiomatic-typecheck
    assert 'vaulted-pw' not in json.dumps(host_vars(inventory, 'mc-1'), default=str)


def test_policy_merge_per_cluster(fake_client):
    clusters = copy.deepcopy(DEFAULT_CLUSTERS)
    clusters[0]['policy'] = {'expected_shards': 8}
    inventory = run(make_plugin({'clusters': clusters, 'policy': {'min_standby_coreapps': 2}}))
    mc = host_vars(inventory, 'mc-1')['wabiz_support']
    assert mc['policy']['expected_shards'] == 8 and mc['policy']['min_standby_coreapps'] == 2
    # 8 shards expected but the account has 4; 1 standby coreapp, 2 wanted
    assert [(finding['code'], finding['severity']) for finding in mc['findings']] == [
        ('shard_count_invalid', 'critical'), ('standby_coreapp_missing', 'warning')]
    assert host_vars(inventory, 'ha-1')['wabiz_support']['policy']['min_standby_coreapps'] == 2
    assert host_vars(inventory, 'ha-1')['wabiz_support']['policy']['expected_shards'] is None


@pytest.mark.parametrize('clusters, message', [
    ([], 'non-empty list'),
    ([{'url': 'https://x'}], 'name is required'),
    ([{'name': 'a', 'url': 'https://x'}, {'name': 'a', 'url': 'https://y'}], 'used twice'),
    (['https://x'], 'must be a dictionary'),
])
def test_config_errors(fake_client, clusters, message):
    with pytest.raises(AnsibleParserError, match=None) as caught:
        run(make_plugin({'clusters': clusters}))
    assert message in str(caught.value)
    assert not [call for call in FakeClient.calls if call[0] == 'fetch']


# ---- constructed ---------------------------------------------------------------------------------

def test_constructed_options(fake_client):
    inventory = run(make_plugin({
        'compose': {'node_count': 'wabiz_support.cluster.node_count', 'node_role': 'wabiz_node.role'},
        'groups': {'big': 'wabiz_support is defined and wabiz_support.cluster is defined and wabiz_support.cluster.node_count > 4'},
        'keyed_groups': [{'key': 'wabiz_support.cluster.versions', 'prefix': 'version', 'default_value': None}],
    }))
    assert host_vars(inventory, 'mc-1')['node_count'] == 7
    assert host_vars(inventory, 'mc-1.wacore1')['node_role'] == 'coreapp'
    assert hosts_of(inventory, 'big') == ['mc-1']
    assert hosts_of(inventory, 'version_v2_57_2') == ['ha-1', 'mc-1', 'single-1']


def test_constructed_strict(fake_client):
    inventory = run(make_plugin({'compose': {'x': 'wabiz_support.nope.deeper', 'y': "'set'"}}))  # not strict: x is left out
    assert [name for name in inventory.hosts if 'x' in host_vars(inventory, name)] == []
    assert host_vars(inventory, 'mc-1')['y'] == 'set' and host_vars(inventory, 'mc-1.wacore1')['y'] == 'set'
    assert hosts_of(inventory, 'wabiz_status_ok') == ['ha-1', 'mc-1', 'single-1']
    with pytest.raises(AnsibleError, match='Could not set x'):
        run(make_plugin({'compose': {'x': 'wabiz_support.nope.deeper'}, 'strict': True}))


# ---- unsafe ----------------------------------------------------------------------------------------

def test_api_strings_are_never_templated(fake_client, tmp_path):
    marker = tmp_path / 'pwned'
    evil = "x{{ lookup('pipe', 'touch %s') }}" % marker
    body = mc_body(master_name=evil + '{index}')
    body['support'][list(body['support'])[0]]['version'] = '{{ 7 * 6 }}'
    FakeClient.answers['https://sim/mc-1'] = fetched(body, shard_count=4)
    primary = "(wabiz_support.nodes | selectattr('role', 'eq', 'primary_master') | first)"
    inventory = run(make_plugin({'compose': {'first_node': primary + '.name', 'version0': primary + '.version'}}))
    mc = host_vars(inventory, 'mc-1')
    templar = Templar(loader=DataLoader(), variables=mc)
    rendered = templar.template(trusted('{{ %s.name }}|{{ first_node }}|{{ version0 }}' % primary))
    assert rendered == '%s1:m0000|%s1:m0000|{{ 7 * 6 }}' % (evil, evil)
    assert not marker.exists()
    # the node host name is made of safe characters only, the node var keeps the literal name
    node_hosts = [name for name in hosts_of(inventory, 'wabiz_cluster_mc_1') if 'lookup' in name]
    assert len(node_hosts) == 2 and not [name for name in node_hosts if '{' in name or ' ' in name or '/' in name]
    assert node_of(inventory, node_hosts[0])['name'] == evil + '1:m0000'
    assert not marker.exists()


def test_make_unsafe_wraps_only_braces():
    from ansible_collections.wabiz.onprem.plugins.plugin_utils._unsafe import make_unsafe
    # strings trusted as templates on the way in (tagged, as the configuration system hands them over)
    data = {'a': trusted('{{ 7 * 6 }}'), 'b': [trusted('x{{ 7 * 6 }}'), 1, None], trusted('{{ 1 }}'): {'c': trusted('{{ 2 }}')}}
    result = make_unsafe(data)
    assert result == data and result is not data and result['b'] is not data['b'] and result['{{ 1 }}'] is not data['{{ 1 }}']
    templar = Templar(loader=DataLoader(), variables={'before': data, 'after': result})
    # control: the input as it came in is rendered, so the check below tells "not templated" from "never a template"
    assert templar.template(trusted('{{ before.a }}|{{ before.b[0] }}')) == '42|x42'
    # what make_unsafe returns is never rendered: it drops the trust
    assert templar.template(result['a']) == '{{ 7 * 6 }}'
    assert templar.template(result['b']) == ['x{{ 7 * 6 }}', 1, None]
    assert templar.template(result['{{ 1 }}']['c']) == '{{ 2 }}'
    assert templar.template(list(result)[2]) == '{{ 1 }}'


def test_as_unsafe_copies_only_data_that_is_not_plain():
    from ansible_collections.wabiz.onprem.plugins.plugin_utils._unsafe import as_unsafe, is_plain
    plain = {'a': '{{ 7 * 6 }}', 'b': [1, 2.5, None, True, {'c': 'x{y}'}], 3: []}
    assert is_plain(plain) and as_unsafe(plain) is plain
    # anything but the exact JSON types is not plain: a tagged string (also as a key, or deep down), a tuple, a set
    for other in ({'a': [{'b': trusted('{{ 1 }}')}]}, {trusted('{{ 1 }}'): 1}, {'a': (1, 2)}, [{1, 2}], [b'x'], [Origin(path='/x').tag('y')]):
        assert not is_plain(other), other
    data = {'a': [{'b': trusted('{{ 7 * 6 }}')}], 'c': 'd'}
    result = as_unsafe(data)
    assert result == data and result is not data and result['a'] is not data['a']
    templar = Templar(loader=DataLoader(), variables={'before': data, 'after': result})
    assert templar.template(trusted('{{ before.a[0].b }}')) == 42
    assert templar.template(trusted('{{ after.a[0].b }}')) == '{{ 7 * 6 }}'
    # the input is left as it was
    assert templar.template(data['a'][0]['b']) == 42


def test_a_string_trusted_in_the_cache_is_never_templated(fake_client):
    """A cache plugin that keeps ansible-core's tags may hand back a string trusted as a template (a tampered cache
    file): the plugin drops the trust before the data reaches the host variables."""
    cache = MemoryCache()
    run(make_plugin({'cache': True}, cache=cache))
    (key, stored), = cache.items()
    support = stored['clusters']['mc-1']['support']['support']
    support[sorted(support)[0]]['version'] = trusted('{{ 7 * 6 }}')
    FakeClient.calls = []
    inventory = run(make_plugin({'cache': True, 'compose': {'version0': 'wabiz_support.nodes[0].version'}}, cache=cache))
    assert FakeClient.calls == []
    mc = host_vars(inventory, 'mc-1')
    templar = Templar(loader=DataLoader(), variables=mc)
    assert templar.template(trusted('{{ wabiz_support.nodes[0].version }}|{{ wabiz_support.cluster.versions }}|{{ version0 }}')) == \
        "{{ 7 * 6 }}|['v2.57.2', '{{ 7 * 6 }}']|{{ 7 * 6 }}"


def test_the_collector_is_paused_for_the_build_and_restored(fake_client, monkeypatch):
    import gc
    seen = []
    collections = []
    populate = InventoryModule._populate
    collect = gc.collect

    def spy(self, configs, data):
        seen.append(gc.isenabled())
        return populate(self, configs, data)

    def counted_collect(*args):
        collections.append((args, gc.isenabled()))
        return collect(*args)

    freezes = []
    monkeypatch.setattr(InventoryModule, '_populate', spy)
    monkeypatch.setattr(gc, 'collect', counted_collect)
    monkeypatch.setattr(gc, 'freeze', lambda: freezes.append(len(collections)))  # the test process's objects stay collectable
    assert gc.isenabled()
    run(make_plugin())
    # paused while building; after the build, back on, one full collection, then what is left frozen
    assert seen == [False] and gc.isenabled() and collections == [((), True)] and freezes == [1]
    # an error raised after the block restores it too; a collector that was off stays off and is never run
    with pytest.raises(AnsibleError):
        run(make_plugin({'fail_on_error': True}))
    assert gc.isenabled()
    del collections[:]
    gc.disable()
    try:
        run(make_plugin())
        assert not gc.isenabled() and seen[-1] is False and collections == [] and freezes == [1, 2]  # never with the collector off
    finally:
        gc.enable()
    # an error inside the block: the collector is back on, without the full collection
    monkeypatch.setattr(InventoryModule, '_populate', lambda self, configs, data: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run(make_plugin())
    assert gc.isenabled() and collections == []


# ---- failures and concurrency ------------------------------------------------------------------

def test_one_failing_worker_does_not_sink_the_fleet(fake_client):
    FakeClient.answers['https://sim/ha-1'] = WabizError('auth_failed', 'login refused (HTTP 401)', status=401)
    inventory = run(make_plugin())
    assert hosts_of(inventory, 'wabiz_unreachable') == ['down', 'ha-1']
    assert hosts_of(inventory, 'wabiz_error_auth_failed') == ['ha-1']
    assert host_vars(inventory, 'ha-1')['wabiz_support']['error'] == {'code': 'auth_failed', 'message': 'login refused (HTTP 401)', 'status': 401}
    assert host_vars(inventory, 'ha-1')['wabiz_support']['reachable'] is True
    assert host_vars(inventory, 'mc-1')['wabiz_support']['status'] == 'ok'


def test_bad_shape_is_a_cluster_error(fake_client):
    FakeClient.answers['https://sim/ha-1'] = fetched({'support': ['not', 'an', 'object']})
    inventory = run(make_plugin())
    assert host_vars(inventory, 'ha-1')['wabiz_support']['error'] == {
        'code': 'bad_response', 'message': 'GET https://sim/ha-1/v1/support: expected "support" to be an object, got list'}
    assert hosts_of(inventory, 'wabiz_error_bad_response') == ['ha-1']


def test_fail_on_error(fake_client):
    with pytest.raises(AnsibleError, match=r'1 cluster\(s\) could not be read.*down: \[unreachable\]'):
        run(make_plugin({'fail_on_error': True}))


def test_without_urllib3_one_clear_message_and_no_traceback(fake_client, monkeypatch):
    monkeypatch.setattr(plugin_module, 'HAS_URLLIB3', False)
    monkeypatch.setattr(plugin_module, 'URLLIB3_IMPORT_ERROR', 'Traceback (most recent call last):\n  File "x.py", line 1, '
                        'in <module>\n    import urllib3\nModuleNotFoundError: No module named \'urllib3\'\n')
    with pytest.raises(AnsibleError) as caught:
        run(make_plugin())
    message = str(caught.value.message)
    assert 'needs the Python library urllib3 on the controller (pip install urllib3)' in message
    assert "No module named 'urllib3'" in message
    assert 'Traceback' not in message and 'File "' not in message


def test_workers_are_bounded(fake_client, monkeypatch):
    seen = {}

    class Pool(plugin_module.ThreadPoolExecutor):
        def __init__(self, max_workers=None, **kwargs):
            seen['workers'] = max_workers
            super(Pool, self).__init__(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(plugin_module, 'ThreadPoolExecutor', Pool)
    run(make_plugin({'workers': 1000}))
    assert seen['workers'] == 4  # never more threads than clusters
    many = [{'name': 'c%d' % index, 'url': 'https://sim/mc-1'} for index in range(300)]
    run(make_plugin({'workers': 1000, 'clusters': many, 'nodes': False, 'processes': 1}))
    assert seen['workers'] == plugin_module.MAX_WORKERS
    run(make_plugin({'workers': 0}))
    assert seen['workers'] == 1


def test_concurrency_uses_several_threads(fake_client, monkeypatch):
    barrier = threading.Barrier(3, timeout=10)
    original = FakeClient.fetch

    def fetch(self):
        barrier.wait()  # deadlocks (times out) unless three fetches run at the same time
        return original(self)

    monkeypatch.setattr(FakeClient, 'fetch', fetch)
    clusters = [{'name': 'c%d' % index, 'url': 'https://sim/mc-1'} for index in range(3)]
    inventory = run(make_plugin({'workers': 3, 'clusters': clusters}))
    assert hosts_of(inventory, 'wabiz_status_ok') == ['c0', 'c1', 'c2']


def test_warnings_are_collected(fake_client, monkeypatch):
    class WarningClient(FakeClient):
        def fetch(self):
            self.kwargs['warn']('TLS certificate validation is off for %s' % self.url)
            return FakeClient.fetch(self)

    shown = []
    monkeypatch.setattr(InventoryModule, 'client_class', WarningClient)
    monkeypatch.setattr(plugin_module.display, 'warning', shown.append)
    run(make_plugin())
    assert 'mc-1: TLS certificate validation is off for https://sim/mc-1' in shown


# ---- cache -----------------------------------------------------------------------------------------

def test_cache_hit_makes_no_request(fake_client):
    cache = MemoryCache()
    first = run(make_plugin({'cache': True}, cache=cache))
    assert cache.writes == 1
    assert len([call for call in FakeClient.calls if call[0] == 'fetch']) == 4
    (key, stored), = cache.items()
    assert key == make_plugin().get_cache_key('/tmp/fleet.wabiz.yml')
    # the raw payload is cached redacted, host vars are not
    dumped = json.dumps(stored)
    assert 'hunter2' not in dumped and '********' in dumped and 'Secr3t!' not in dumped
    assert 'wabiz_support' not in dumped and 'findings' not in dumped
    snapshot = copy.deepcopy(stored)

    FakeClient.calls = []
    FakeClient.answers = {}  # any request would now raise KeyError
    second = run(make_plugin({'cache': True}, cache=cache))
    assert FakeClient.calls == []
    assert cache.writes == 1
    assert sorted(second.hosts) == sorted(first.hosts)
    for name in first.hosts:
        assert json.dumps(host_vars(second, name), sort_keys=True, default=str) == \
            json.dumps(host_vars(first, name), sort_keys=True, default=str)
    # deriving the host vars never modified the cached payload
    assert stored == snapshot
    second.get_host('mc-1').vars['wabiz_support']['nodes'][0]['role'] = 'changed'
    assert stored == snapshot


def test_cache_refresh_and_partial_fill(fake_client):
    cache = MemoryCache()
    run(make_plugin({'cache': True}, cache=cache))
    FakeClient.calls = []
    # cache=False from the caller (e.g. --flush-cache / refresh_inventory): every cluster is read again
    run(make_plugin({'cache': True}, cache=cache), cache=False)
    assert len([call for call in FakeClient.calls if call[0] == 'fetch']) == 4
    assert cache.writes == 2
    # a cluster added to the configuration is read alone; the others come from the cache
    FakeClient.calls = []
    FakeClient.answers['https://sim/mc-2'] = fetched(mc_body(), shard_count=4)
    clusters = copy.deepcopy(DEFAULT_CLUSTERS) + [{'name': 'mc-2', 'url': 'https://sim/mc-2'}]
    inventory = run(make_plugin({'cache': True, 'clusters': clusters}, cache=cache))
    assert [call[1] for call in FakeClient.calls if call[0] == 'fetch'] == ['https://sim/mc-2']
    assert hosts_of(inventory, 'wabiz_status_ok') == ['ha-1', 'mc-1', 'mc-2', 'single-1']


def test_cache_off_never_touches_the_cache(fake_client):
    cache = MemoryCache()
    run(make_plugin({'cache': False}, cache=cache))
    assert cache.writes == 0 and not cache


# ---- host naming -----------------------------------------------------------------------------------

def test_node_host_names_are_unique_and_safe():
    nodes = [
        {'name': 'wa1:aaa', 'hostname': 'wa1', 'container_id': 'aaa'},
        {'name': 'wa1:bbb', 'hostname': 'wa1', 'container_id': 'bbb'},
        {'name': 'h/../x:c', 'hostname': 'h/../x', 'container_id': 'c'},
        {'name': 'single', 'hostname': None, 'container_id': None},
        {'name': 'single', 'hostname': None, 'container_id': None},
    ]
    assert node_host_names('eu-1', nodes) == ['eu-1.wa1.aaa', 'eu-1.wa1.bbb', 'eu-1.h_.._x', 'eu-1.single', 'eu-1.single.2']


# ---- fail closed: one cluster never drops the fleet (issue 8) ------------------------------------------------

@pytest.mark.parametrize('exc', [KeyError('boom'), RecursionError('maximum recursion depth exceeded'), OverflowError('date value out of range'),
                                 ValueError('Exceeds the limit (4300 digits)'), TypeError('unhashable type')])
def test_any_worker_exception_lands_the_cluster_in_unreachable(fake_client, exc):
    FakeClient.answers['https://sim/ha-1'] = exc
    inventory = run(make_plugin())
    assert hosts_of(inventory, 'wabiz_unreachable') == ['down', 'ha-1']
    assert hosts_of(inventory, 'wabiz_error_internal_error') == ['ha-1']
    error = host_vars(inventory, 'ha-1')['wabiz_support']['error']
    assert error['code'] == 'internal_error'
    assert error['message'].startswith('unexpected %s while reading https://sim/ha-1: ' % type(exc).__name__)
    assert host_vars(inventory, 'mc-1')['wabiz_support']['status'] == 'ok'
    assert hosts_of(inventory, 'wabiz_status_ok') == ['mc-1', 'single-1']


@pytest.mark.parametrize('where', ['redact', 'report_from_fetched'])
def test_an_answer_that_cannot_be_processed_is_a_bad_response_of_that_cluster(fake_client, monkeypatch, where):
    # the redaction is the connection layer's (one fetch path for the modules and the inventory)
    owner = connection_module if where == 'redact' else plugin_module
    original = getattr(owner, where)

    def hostile(value, *args):
        text = json.dumps(value, default=str)
        if 'ha-1' in text or 'master2:m2' in text:  # only the HA body is "hostile"
            raise RecursionError('maximum recursion depth exceeded')
        return original(value, *args)

    monkeypatch.setattr(owner, where, hostile)
    inventory = run(make_plugin())
    error = host_vars(inventory, 'ha-1')['wabiz_support']['error']
    assert error['code'] == 'bad_response'
    assert error['message'] == 'GET https://sim/ha-1/v1/support: the answer cannot be processed (RecursionError: maximum recursion depth exceeded)'
    assert hosts_of(inventory, 'wabiz_unreachable') == ['down', 'ha-1']
    assert hosts_of(inventory, 'wabiz_status_ok') == ['mc-1', 'single-1']


def test_hostile_bodies_never_drop_the_fleet(fake_client):
    """Bodies that crashed the checks or the redaction on the original tree: the cluster is an error or a finding,
    never an exception out of the inventory."""
    deep = []
    for dummy in range(3000):
        deep = [deep]
    hostile = {
        'deep-env': {'support': {'m:1': dict(_node('primary_master', [[-1, -1]], 'UP'), env=deep)}},
        'edge-time': {'support': {'m:1': _node('primary_master', [[-1, -1]], 'UP', expire_timestamp='9999-12-31T23:59:59-01:00')}},
        'long-digits': {'support': {'m:1': _node('primary_master', [[-1, -1]], 'UP', free_space_data='9' * 5000)}},
    }
    clusters = copy.deepcopy(DEFAULT_CLUSTERS)
    for name, body in hostile.items():
        FakeClient.answers['https://sim/' + name] = fetched(body, shard_count=0)
        clusters.append({'name': name, 'url': 'https://sim/' + name})
    inventory = run(make_plugin({'clusters': clusters}))
    assert hosts_of(inventory, 'wabiz_clusters') == sorted(['down', 'ha-1', 'mc-1', 'single-1'] + list(hostile))
    assert hosts_of(inventory, 'wabiz_status_ok') == ['ha-1', 'mc-1', 'single-1']
    assert hosts_of(inventory, 'wabiz_error_internal_error') == ['deep-env']
    assert host_vars(inventory, 'deep-env')['wabiz_support']['error'] == {
        'code': 'internal_error', 'message': 'unexpected RecursionError while reading https://sim/deep-env: maximum recursion depth exceeded'}
    # a field the checks cannot read fails closed: a critical cluster whose first finding names the field, never ok
    for name, field in (('edge-time', 'expire_timestamp'), ('long-digits', 'free_space_data')):
        report = host_vars(inventory, name)['wabiz_support']
        first = [(finding['code'], finding['severity'], finding['message'][:len(field) + 21]) for finding in report['findings'][:1]]
        assert (report['status'], first) == ('critical', [('field_unreadable', 'critical', 'field %s cannot be read' % field)]), report
    assert hosts_of(inventory, 'wabiz_status_critical') == ['edge-time', 'long-digits']
    assert hosts_of(inventory, 'wabiz_status_ok') == ['ha-1', 'mc-1', 'single-1']


@pytest.mark.parametrize('settings, code, message', [
    ({'url': None}, 'invalid_config', 'url is required'),
    ({'url': ['https://x']}, 'invalid_config', 'url must be a string'),
    ({'url': 'https://[::1'}, 'invalid_config', 'url must look like https://HOST[:PORT][/PREFIX]'),
    ({'url': 'ftp://host/x'}, 'invalid_config', 'url must look like https://HOST[:PORT][/PREFIX]'),
    # the connection options are checked by ansible-core's argument spec validator: the messages of a task's arguments
    ({'timeout': 'soon'}, 'invalid_config', "argument 'timeout' is of type str and we were unable to convert to float"),
    ({'timeout': float('nan')}, 'invalid_config', 'timeout: expected a number'),
    ({'retries': -1}, 'invalid_config', 'retries: must not be negative'),
    ({'retries': 'many'}, 'invalid_config', "argument 'retries' is of type str and we were unable to convert to int"),
    ({'validate_certs': 'maybe'}, 'invalid_config', 'validate_certs'),
    ({'passwd': 'x'}, 'invalid_config', 'Unsupported parameters: passwd. Supported parameters include: ca_path, name, password'),
    ({'policy': ['x']}, 'invalid_policy', 'policy must be a dictionary'),
    ({'policy': {'nope': 1}}, 'invalid_policy', 'nope'),
    ({'policy': {'free_space_warning': 'lots'}}, 'invalid_policy', 'free_space_warning'),
    ({'password': '{{ undefined_variable_xyz }}'}, 'invalid_config', 'password: cannot template the value'),
    ({'password': 'pa{{ss'}, 'invalid_config', 'password: cannot template the value'),
    # review: ansible-core's int conversion raised OverflowError (the whole source failed); an alias hid its option
    ({'retries': float('inf')}, 'invalid_config', 'retries: the value cannot be converted to int'),
    ({'ca_path': '/a', 'ca_cert': '/b'}, 'invalid_config', 'ca_path and its alias ca_cert are both set'),
    ({'token': 'pw2\n'}, 'invalid_config', 'token: starts or ends with whitespace or holds control or non-ASCII'),
])
def test_bad_settings_of_one_cluster_never_drop_the_fleet(fake_client, settings, code, message):
    clusters = copy.deepcopy(DEFAULT_CLUSTERS)
    clusters[1].update(settings)
    if clusters[1]['url'] is None:
        del clusters[1]['url']
    inventory = run(make_plugin({'clusters': clusters}))
    assert hosts_of(inventory, 'wabiz_unreachable') == ['down', 'ha-1']
    error = host_vars(inventory, 'ha-1')['wabiz_support']['error']
    assert error['code'] == code and message in error['message'], error
    assert error['message'].startswith('cluster ha-1: ')
    assert hosts_of(inventory, 'wabiz_error_' + code) == ['ha-1']
    assert hosts_of(inventory, 'wabiz_status_ok') == ['mc-1', 'single-1']
    # the cluster with bad settings is never called; its password never reaches a host var nor a message
    assert 'https://sim/ha-1' not in [call[1] for call in FakeClient.calls if call[0] == 'fetch']
    dumped = json.dumps(dict((name, host_vars(inventory, name)) for name in inventory.hosts), default=str)
    assert 'pw2' not in dumped and 'pa{{ss' not in dumped


def test_secret_from_the_environment_is_used_verbatim(fake_client):
    # the configuration system hands environment values over trusted as templates
    inventory = run(make_plugin(environment={'password': trusted('p{{w{%d{#x'), 'token': trusted('{{ 7 * 6 }}')}))
    kwargs = dict((url, kw) for kind, url, kw in FakeClient.calls if kind == 'init')
    assert kwargs['https://sim/mc-1']['password'] == 'p{{w{%d{#x' and kwargs['https://sim/mc-1']['token'] == '{{ 7 * 6 }}'
    assert hosts_of(inventory, 'wabiz_status_ok') == ['ha-1', 'mc-1', 'single-1']


def test_secret_with_template_characters_is_used_verbatim_when_not_trusted(fake_client):
    """Env values, lookups, vault and !unsafe strings are not trusted as templates: used as they are."""
    clusters_yaml = (
        'clusters:\n'
        '  - {name: mc-1, url: "https://sim/mc-1", password: !unsafe "p{{w{%d{#x"}\n'
        '  - {name: ha-1, url: "https://sim/ha-1", token: !unsafe "{{ 7 * 6 }}"}\n'
    )
    inventory = run(make_plugin(clusters_yaml=clusters_yaml))
    kwargs = dict((url, kw) for kind, url, kw in FakeClient.calls if kind == 'init')
    assert kwargs['https://sim/mc-1']['password'] == 'p{{w{%d{#x'
    assert kwargs['https://sim/ha-1']['token'] == '{{ 7 * 6 }}'
    assert hosts_of(inventory, 'wabiz_status_ok') == ['ha-1', 'mc-1']


# ---- names: never re-read as a pattern, never colliding --------------------------------------------------------

def test_cluster_names_become_pattern_safe_host_names(fake_client):
    clusters = [
        {'name': 'eu,prod', 'url': 'https://sim/mc-1'},
        {'name': 'eu_prod', 'url': 'https://sim/ha-1'},
        {'name': 'a b:c[1:2]!&*~', 'url': 'https://sim/single-1'},
        {'name': 'all', 'url': 'https://sim/single-1'},
        {'name': 'localhost', 'url': 'https://sim/single-1'},
        {'name': 'wabiz_clusters', 'url': 'https://sim/single-1'},
        {'name': 'eu-prod', 'url': 'https://sim/single-1'},
    ]
    inventory = run(make_plugin({'clusters': clusters}))
    names = dict((host_vars(inventory, host)['wabiz_cluster'], host) for host in hosts_of(inventory, 'wabiz_clusters'))
    assert names == {'eu,prod': 'eu_prod', 'eu_prod': 'eu_prod_2', 'a b:c[1:2]!&*~': 'a_b_c_1_2_____', 'all': 'cluster_all',
                     'localhost': 'cluster_localhost', 'wabiz_clusters': 'cluster_wabiz_clusters', 'eu-prod': 'eu-prod'}
    # every node group of a cluster is its own, even when two names make the same group name
    groups = [group for group in inventory.groups if group.startswith('wabiz_cluster_')]
    assert sorted(groups) == ['wabiz_cluster_a_b_c_1_2_____', 'wabiz_cluster_cluster_all', 'wabiz_cluster_cluster_localhost',
                              'wabiz_cluster_cluster_wabiz_clusters', 'wabiz_cluster_eu_prod', 'wabiz_cluster_eu_prod_2',
                              'wabiz_cluster_eu_prod_3']
    assert hosts_of(inventory, 'wabiz_cluster_eu_prod') == ['eu_prod.master1', 'eu_prod.master2'] + [
        'eu_prod.wacore%d' % index for index in range(1, 6)]
    assert hosts_of(inventory, 'wabiz_cluster_eu_prod_3') == ['eu-prod.single']
    for host in inventory.hosts:
        assert re.match(r'^[A-Za-z0-9_][A-Za-z0-9._-]*$', host), host


def test_renamed_hosts_are_announced(fake_client, monkeypatch):
    shown = []
    monkeypatch.setattr(plugin_module.display, 'warning', shown.append)
    run(make_plugin({'clusters': [{'name': 'eu,prod', 'url': 'https://sim/mc-1'}, {'name': 'eu_prod', 'url': 'https://sim/ha-1'}]}))
    assert "wabiz.onprem.support: cluster 'eu_prod' is the inventory host eu_prod_2 (eu_prod is taken)" in shown
    assert [message for message in shown if 'eu,prod' in message] == []  # a sanitized name alone is documented, not warned


def test_node_hosts_never_merge_with_another_cluster(fake_client):
    FakeClient.answers['https://sim/a'] = fetched({'support': {'b.c:1': _node('primary_master', [[-1, -1]], 'UP')}}, shard_count=0)
    FakeClient.answers['https://sim/ab'] = fetched({'support': {'c:1': _node('primary_master', [[-1, -1]], 'UP')}}, shard_count=0)
    clusters = [{'name': 'a', 'url': 'https://sim/a'}, {'name': 'a.b', 'url': 'https://sim/ab'}, {'name': 'a.b.c', 'url': 'https://sim/mc-1'}]
    inventory = run(make_plugin({'clusters': clusters}))
    assert hosts_of(inventory, 'wabiz_clusters') == ['a', 'a.b', 'a.b.c']
    assert hosts_of(inventory, 'wabiz_cluster_a') == ['a.b.c.2']
    assert hosts_of(inventory, 'wabiz_cluster_a_b') == ['a.b.c.3']
    assert host_vars(inventory, 'a.b.c')['wabiz_cluster'] == 'a.b.c'
    assert 'wabiz_node' not in host_vars(inventory, 'a.b.c')


# ---- secrets ------------------------------------------------------------------------------------------------

def test_url_user_info_and_query_never_reach_host_vars_nor_the_cache(fake_client):
    FakeClient.answers['https://monitor:UrlS3cret@sim/mc-1?key=QueryS3cret#frag'] = fetched(mc_body(), shard_count=4)
    clusters = [{'name': 'mc-1', 'url': 'https://monitor:UrlS3cret@sim/mc-1?key=QueryS3cret#frag'}]
    cache = MemoryCache()
    inventory = run(make_plugin({'clusters': clusters, 'cache': True}, cache=cache))
    kwargs = dict((url, kw) for kind, url, kw in FakeClient.calls if kind == 'init')
    assert list(kwargs) == ['https://monitor:UrlS3cret@sim/mc-1?key=QueryS3cret#frag']  # the raw URL only connects
    assert host_vars(inventory, 'mc-1')['wabiz_url'] == 'https://sim/mc-1'
    assert host_vars(inventory, 'mc-1')['wabiz_support']['status'] == 'ok'
    dumped = json.dumps([host_vars(inventory, name) for name in inventory.hosts], default=str) + json.dumps(dict(cache))
    assert 'UrlS3cret' not in dumped and 'QueryS3cret' not in dumped
    # a second run is answered from the cache
    FakeClient.calls = []
    run(make_plugin({'clusters': clusters, 'cache': True}, cache=cache))
    assert FakeClient.calls == []


def test_an_error_echoing_the_credentials_is_masked(fake_client):
    class EchoClient(FakeClient):
        def fetch(self):
            self.kwargs['on_secret']('T0ken-from-login')
            password = self.kwargs['password']  # each cluster echoes its own password
            raise WabizError('api_error', 'GET %s/v1/support: the API answered error 1000 Bad request: Authorization: Bearer '
                             'T0ken-from-login; password %s' % (self.url, password), status=400, api_code=1000,
                             details='%s T0ken-from-login' % password)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(InventoryModule, 'client_class', EchoClient)
        inventory = run(make_plugin())
    error = host_vars(inventory, 'mc-1')['wabiz_support']['error']
    assert error['message'] == ('GET https://sim/mc-1/v1/support: the API answered error 1000 Bad request: Authorization: Bearer '
                                '********; password ********')
    assert error['details'] == '******** ********'
    dumped = json.dumps([host_vars(inventory, name) for name in inventory.hosts], default=str)
    assert 'Secr3t!' not in dumped and 'T0ken-from-login' not in dumped and 'pw2' not in dumped


def test_nested_error_details_and_a_tampered_cache_never_drop_the_fleet(fake_client):
    deep = []
    for dummy in range(3000):
        deep = [deep]
    FakeClient.answers['https://sim/ha-1'] = WabizError('api_error', 'GET https://sim/ha-1/v1/support: error 1000', details=deep, status=400)
    cache = MemoryCache()
    inventory = run(make_plugin({'cache': True}, cache=cache))
    error = host_vars(inventory, 'ha-1')['wabiz_support']['error']
    assert error == {'code': 'api_error', 'message': 'GET https://sim/ha-1/v1/support: error 1000', 'details': '<list not shown>', 'status': 400}
    (key, stored), = cache.items()
    stored['clusters']['mc-1'] = dict(stored['clusters']['mc-1'], error=['not', 'a', 'dict'])
    stored['clusters']['single-1'] = dict(stored['clusters']['single-1'], support={'support': 'nope'}, shard_count='x')
    FakeClient.calls = []
    inventory = run(make_plugin({'cache': True}, cache=cache))
    assert FakeClient.calls == []
    assert host_vars(inventory, 'mc-1')['wabiz_support']['error']['code'] == 'internal_error'
    assert host_vars(inventory, 'single-1')['wabiz_support']['error']['code'] == 'bad_response'
    assert hosts_of(inventory, 'wabiz_clusters') == ['down', 'ha-1', 'mc-1', 'single-1']


def test_a_cache_of_the_first_format_is_read_again(fake_client):
    cache = MemoryCache()
    cache[make_plugin().get_cache_key('/tmp/fleet.wabiz.yml')] = {'format': 1, 'clusters': {
        'mc-1': {'url': 'https://sim/mc-1', 'support': None, 'error': {'code': 'timeout', 'message': 'https://user:pw@sim/mc-1'}}}}
    run(make_plugin({'cache': True}, cache=cache))
    assert len([call for call in FakeClient.calls if call[0] == 'fetch']) == 4
    assert 'user:pw' not in json.dumps(dict(cache))


def _inventory_dump(inventory):
    """Hosts, groups and variables, without the read times."""
    hosts = {}
    for name, host in inventory.hosts.items():
        variables = copy.deepcopy(dict(host.vars))
        support = variables.get('wabiz_support')
        if isinstance(support, dict):
            support.pop('fetched_at', None)
        variables.pop('wabiz_support_fetched_at', None)  # the same read time, which differs across a second boundary
        hosts[name] = (variables, sorted(group.name for group in host.get_groups()))
    return hosts


def test_processes_read_what_one_process_reads(fake_client):
    """Shares of the clusters read by forked processes give the same inventory as one process, the failed cluster too."""
    one = _inventory_dump(run(make_plugin({'processes': 1})))
    two = _inventory_dump(run(make_plugin({'processes': 2})))
    three = _inventory_dump(run(make_plugin({'processes': 3, 'workers': 3})))
    assert one == two == three
    assert set(one) >= {'mc-1', 'ha-1', 'single-1', 'down'}


def test_a_reading_process_that_dies_fails_its_own_clusters_only(fake_client):
    parent = os.getpid()

    class Dying(FakeClient):
        def fetch(self):
            if self.url == 'https://sim/ha-1' and os.getpid() != parent:
                os._exit(3)  # pylint: disable=protected-access
            return FakeClient.fetch(self)

    plugin = make_plugin({'processes': 2})
    plugin.client_class = Dying
    inventory = run(plugin)
    # the shares are every other cluster: mc-1 and single-1 here, ha-1 and down in the child
    assert host_vars(inventory, 'mc-1')['wabiz_support']['reachable'] is True
    assert host_vars(inventory, 'single-1')['wabiz_support']['reachable'] is True
    for name in ('ha-1', 'down'):
        error = host_vars(inventory, name)['wabiz_support']['error']
        assert error['code'] == 'internal_error' and 'ended without an answer' in error['message'], error
    assert sorted(hosts_of(inventory, 'wabiz_error_internal_error')) == ['down', 'ha-1']


def test_the_default_is_one_process_for_a_small_fleet(fake_client, monkeypatch):
    forks = []
    monkeypatch.setattr(InventoryModule, '_fork_reader', lambda self, configs, workers: forks.append(configs) or 1 / 0)
    run(make_plugin())
    assert forks == []


def test_a_second_parse_frees_the_cycles_the_first_one_froze():
    # gc.freeze after a parse kept every object then alive out of reach of the collector for good: what a later
    # parse in the same process drops (meta: refresh_inventory replaces the InventoryData, whose hosts and groups
    # refer to each other) was never freed
    import gc
    import weakref

    class Node(object):
        pass

    assert gc.isenabled()
    try:
        with plugin_module._collector_paused(collect=True):
            node = Node()
            node.itself = node
            alive = weakref.ref(node)
        del node
        with plugin_module._collector_paused(collect=True):
            pass
        assert alive() is None
        assert gc.isenabled()
    finally:
        gc.unfreeze()
