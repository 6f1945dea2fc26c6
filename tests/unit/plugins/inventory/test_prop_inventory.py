# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the inventory naming (issue 8, 6c): arbitrary cluster names, node keys and JSON answers
through the whole wabiz.onprem.support inventory plugin (fake HTTP client) never raise, never drop a cluster,
and never give an invalid or colliding host or group name.

CI runs a few examples (seconds); WABIZ_FUZZ_EXAMPLES=N runs N."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible.inventory.data import InventoryData
from ansible.inventory.manager import split_host_pattern
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.wabiz.onprem.plugins.inventory.support import InventoryModule, cluster_host_name
from ansible_collections.wabiz.onprem.plugins.module_utils._client import ERROR_CODES, WabizError

EXAMPLES = int(os.environ.get('WABIZ_FUZZ_EXAMPLES', '40'))
SAFE_HOST = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9._-]*$')
SAFE_GROUP = re.compile(r'^[A-Za-z0-9_]+$')
CLUSTER_ERROR_CODES = frozenset(ERROR_CODES)
NODE_FIELDS = ('role', 'shards', 'socket_conn', 'version', 'expire_timestamp', 'free_space_data', 'free_space_logs',
               'schema', 'db_engine', 'multi_connect', 'debug_info', 'env', 'errors', 'os_name')
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=10)
# plausible node values mixed with anything
roles = st.sampled_from(['primary_master', 'secondary_master', 'coreapp', 'PRIMARY_MASTER', 'master', '']) | json_values
shards = st.lists(st.lists(st.integers(-2, 40), min_size=1, max_size=2) | st.integers(-2, 40), max_size=3) | json_values
nodes = st.fixed_dictionaries({'role': roles, 'shards': shards, 'socket_conn': st.sampled_from(['UP', 'DN', 'SC']) | json_values},
                              optional=dict((field, json_values) for field in NODE_FIELDS[3:]))
keyed = st.dictionaries(st.text(max_size=16), nodes | json_values, max_size=4)
answers = st.one_of(
    keyed.map(lambda support: {'support': support, 'meta': {'version': 'v2.45.1'}}),
    nodes.map(lambda flat: {'support': flat}),
    json_values.map(lambda support: {'support': support}),
    st.sampled_from([WabizError('timeout', 'no answer within 5 s'), KeyError('boom'), RecursionError('too deep'), MemoryError()]),
)
cluster_names = st.text(min_size=1, max_size=16).filter(lambda name: name.strip())
fleets = st.lists(st.tuples(cluster_names, answers, st.integers(0, 2 ** 31) | st.none()), min_size=1, max_size=4,
                  unique_by=lambda item: item[0])


class FakeClient(object):
    answers = {}

    def __init__(self, url, **kwargs):
        self.url = url

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def fetch(self):
        body, shard_count = self.answers[self.url]
        if isinstance(body, BaseException):
            raise body
        return {'support': body, 'shard_count': shard_count, 'shard_count_error': None}


def make_plugin(clusters):
    values = {
        'plugin': 'wabiz.onprem.support', 'clusters': clusters, 'username': 'monitor', 'password': 'Secr3t!', 'token': None,
        'validate_certs': True, 'ca_path': None, 'timeout': 5.0, 'retries': 0, 'policy': {}, 'nodes': True, 'workers': 2, 'processes': None,
        'fail_on_error': False, 'strict': False, 'compose': {}, 'groups': {}, 'keyed_groups': [], 'leading_separator': True,
        'use_extra_vars': False, 'cache': False,
    }
    plugin = InventoryModule()
    plugin.inventory = InventoryData()
    plugin.loader = DataLoader()
    plugin.templar = Templar(loader=plugin.loader)
    plugin._vars = {}
    plugin.get_option = values.__getitem__
    plugin.get_option_and_origin = lambda name: (values[name], 'file')
    plugin._read_config_data = lambda path: values
    plugin.client_class = FakeClient
    return plugin


@SETTINGS
@given(st.text(max_size=40))
def test_cluster_host_name_is_never_a_pattern(name):
    host = cluster_host_name(name)
    assert SAFE_HOST.match(host), host
    assert split_host_pattern(host) == [host]
    assert host not in ('all', 'ungrouped', 'localhost') and not host.startswith('wabiz_')


@SETTINGS
@given(fleets)
def test_any_fleet_gives_one_host_per_cluster_with_safe_unique_names(fleet):
    FakeClient.answers = {}
    clusters = []
    for index, (name, answer, shard_count) in enumerate(fleet):
        url = 'https://sim/c%d' % index
        FakeClient.answers[url] = (answer, shard_count)
        clusters.append({'name': name, 'url': url})
    plugin = make_plugin(clusters)
    plugin.parse(plugin.inventory, plugin.loader, '/tmp/fleet.wabiz.yml', cache=False)
    inventory = plugin.inventory

    cluster_hosts = [host.name for host in inventory.groups['wabiz_clusters'].get_hosts()]
    by_cluster = dict((inventory.get_host(host).vars['wabiz_cluster'], host) for host in cluster_hosts)
    assert sorted(by_cluster) == sorted(name for name, dummy, dummy2 in fleet)  # every cluster, once
    node_hosts = [host.name for host in inventory.groups['wabiz_nodes'].get_hosts()]
    assert len(set(cluster_hosts) | set(node_hosts)) == len(cluster_hosts) + len(node_hosts) == len(inventory.hosts)
    for host in inventory.hosts:
        assert SAFE_HOST.match(host), host
        assert split_host_pattern(host) == [host]
        assert host not in inventory.groups
    for group in inventory.groups:
        assert SAFE_GROUP.match(group), group

    expected_nodes = 0
    unreachable = set(host.name for host in inventory.groups['wabiz_unreachable'].get_hosts())
    for name, host in by_cluster.items():
        report = inventory.get_host(host).vars['wabiz_support']
        if report.get('error'):
            assert host in unreachable
            assert report['error']['code'] in CLUSTER_ERROR_CODES and report['error']['message'], report['error']
            continue
        assert host not in unreachable and report['status'] in ('ok', 'warning', 'critical')
        expected_nodes += len(report['nodes'])
        assert not [group.name for group in inventory.get_host(host).get_groups() if group.name.startswith('wabiz_cluster_')]
        if report['nodes']:
            # exactly one wabiz_cluster_* group holds this cluster's nodes, all of them and nothing else
            owners = [group for group in inventory.groups if group.startswith('wabiz_cluster_')
                      and [member for member in inventory.groups[group].get_hosts() if member.vars['wabiz_cluster'] == name]]
            assert len(owners) == 1, (name, owners)
            members = inventory.groups[owners[0]].get_hosts()
            assert set(member.vars['wabiz_cluster'] for member in members) == {name}
            assert len(members) == len(report['nodes'])
    assert len(node_hosts) == expected_nodes
