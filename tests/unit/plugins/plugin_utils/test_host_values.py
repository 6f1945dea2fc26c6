# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_values over ansible-core's own HostVars: the untemplated read where it gives the same value, templating where
it does not (a template in the inventory, a vaulted value, a parent that is itself a template)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.template import trust_as_template
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.wabiz.onprem.plugins.plugin_utils import _data
from ansible_collections.wabiz.onprem.plugins.plugin_utils._data import host_values
from ansible_collections.wabiz.onprem.plugins.plugin_utils._fleet import gate_inputs, report_entries

SUPPORT = {'topology': 'ha', 'fetched_at': '2026-01-01T00:00:00Z', 'nodes': [{'name': 'wacore1:abc', 'shards': [-1, 0], 'free_space': {'logs': 5}}],
           'cluster': {'shard_count': 1}, 'text': 'a {{ brace }} from the API'}


@pytest.fixture
def hostvars():
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[])
    for host in ('eu-1', 'eu-2', 'eu-3', 'eu-4'):
        inventory.add_host(host, group='all')
    inventory.get_host('eu-1').set_variable('wabiz_support', SUPPORT)
    inventory.get_host('eu-1').set_variable('wabiz_cluster', 'eu-one')
    inventory.get_host('eu-2').set_variable('wabiz_cluster', trust_as_template('{{ inventory_hostname | upper }}'))
    inventory.get_host('eu-2').set_variable('wabiz_support', {'nodes': [], 'fetched_at': trust_as_template('{{ "2026-" ~ "02-01T00:00:00Z" }}')})
    inventory.get_host('eu-3').set_variable('meta', trust_as_template('{{ {"wabiz_support": {"nodes": [1]}} }}'))
    variables = VariableManager(loader=loader, inventory=inventory)
    # support_facts' fact (also a top-level variable: facts are injected as variables)
    variables.set_host_facts('eu-4', {'wabiz_support': {'nodes': ['from facts']}, 'other': trust_as_template('{{ undefined_here }}')})
    return HostVars(inventory=inventory, variable_manager=variables, loader=loader)


def test_reads_plain_data_untemplated_and_equal_to_the_templated_view(hostvars, monkeypatch):
    expected = {name: _data.plain(hostvars['eu-1'][name]) for name in ('wabiz_support', 'wabiz_cluster')}
    monkeypatch.setattr(HostVars, '__getitem__', lambda self, key: pytest.fail('templated read of %s' % key))
    values = host_values(hostvars, 'eu-1', ('wabiz_support', 'wabiz_cluster', 'wabiz_url', 'ansible_facts.wabiz_support'))
    assert values == expected and values['wabiz_support'] == SUPPORT
    assert host_values(hostvars, 'eu-4', ('ansible_facts.wabiz_support',)) == {'ansible_facts.wabiz_support': {'nodes': ['from facts']}}
    assert values['wabiz_support']['text'] == 'a {{ brace }} from the API'  # data, never a template
    values['wabiz_support']['nodes'].append('mine')  # a copy: the host's variables are untouched
    assert len(hostvars.raw_get('eu-1')['wabiz_support']['nodes']) == 1


def test_a_template_in_the_inventory_is_templated(hostvars):
    values = host_values(hostvars, 'eu-2', ('wabiz_cluster', 'wabiz_support'))
    assert values == {'wabiz_cluster': 'EU-2', 'wabiz_support': {'nodes': [], 'fetched_at': '2026-02-01T00:00:00Z'}}
    # a parent that is a template itself
    assert host_values(hostvars, 'eu-3', ('meta.wabiz_support', 'meta.other', 'wabiz_support')) == {'meta.wabiz_support': {'nodes': [1]}}


def test_the_fleet_readers_use_it(hostvars):
    assert gate_inputs(hostvars, 'eu-1') == (SUPPORT, 'eu-one', None, None)
    assert gate_inputs(hostvars, 'eu-4') == ({'nodes': ['from facts']}, None, None, None)
    assert gate_inputs(hostvars, 'eu-2')[1] == 'EU-2'
    entries = report_entries(hostvars, ['eu-1', 'eu-3'], {'eu-3': {'passed': True}})
    assert entries[0]['host'] == 'eu-1' and entries[0]['wabiz_support'] == _data.plain(SUPPORT) and entries[0]['wabiz_gate'] is None
    assert entries[1] == {'host': 'eu-3', 'wabiz_gate': {'passed': True}, 'wabiz_pre_upgrade': None}
    with pytest.raises(ValueError, match='nope.*is not an inventory host'):
        report_entries(hostvars, ['eu-1', 'nope'])


def test_deep_data_is_read_through_templating_which_bounds_it(hostvars):
    deep = []
    for dummy in range(_data.MAX_DEPTH + 5):
        deep = [deep]
    hostvars.raw_get('eu-1')  # the host exists
    hostvars._inventory.get_host('eu-1').set_variable('deep', deep)  # pylint: disable=protected-access
    with pytest.raises(ValueError, match='nested deeper'):
        host_values(hostvars, 'eu-1', ('deep',))


def test_report_node_data_is_the_gated_data_when_facts_are_not_injected(hostvars, monkeypatch):
    """support_facts' fact and the inventory's wabiz_support both present, facts not injected as variables (the coming
    default of INJECT_FACTS_AS_VARS): the fleet pass gates the fact, so the report's node data is the fact's too."""
    from ansible.vars import manager
    monkeypatch.setattr(manager, '_INJECT_FACTS', False)
    hostvars._inventory.get_host('eu-4').set_variable('wabiz_support', {'nodes': ['from the inventory']})  # pylint: disable=protected-access
    assert gate_inputs(hostvars, 'eu-4')[0] == {'nodes': ['from facts']}
    assert report_entries(hostvars, ['eu-4'])[0]['wabiz_support'] == {'nodes': ['from facts']}
