# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""wabiz.onprem.support_facts against the HTTPS simulator, as a task and as a facts module during
gather_facts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from integration_helpers import ADMIN_PASSWORD, REPO, connection, run_module, run_playbook


def test_facts_with_a_picked_node(sim):
    state = sim.state('mc-ok')
    result = run_module('wabiz.onprem.support_facts', connection(sim, 'mc-ok', node='wacore2'))
    assert result.rc == 0, result
    facts = result.data['ansible_facts']['wabiz_support']
    assert facts['reachable'] is True
    assert facts['status'] == 'ok'
    assert facts['topology'] == 'multiconnect'
    assert facts['node']['hostname'] == 'wacore2'
    assert facts['node']['shards'] == [1]
    assert 'support' not in facts  # the raw body only on request
    assert state  # the simulator knows the cluster
    assert list(result.data['ansible_facts']) == ['wabiz_support']


def test_single_instance_node_is_the_only_node(sim):
    result = run_module('wabiz.onprem.support_facts', connection(sim, 'single-ok', node='anything', include_support=True))
    facts = result.data['ansible_facts']['wabiz_support']
    assert facts['node']['role'] == 'single'
    assert facts['support']['support']['socket_conn'] == 'UP'


def test_unknown_node_warns(sim):
    result = run_module('wabiz.onprem.support_facts', connection(sim, 'ha-ok', node='nope'))
    assert result.rc == 0, result
    assert result.data['ansible_facts']['wabiz_support']['node'] is None
    assert "no node named 'nope'" in result.output


def test_on_error_fail_warn_ignore(sim):
    args = connection(sim, 'mc-ok', password='Wrong!pass1')
    failed = run_module('wabiz.onprem.support_facts', dict(args, on_error='fail'))
    assert failed.rc != 0 and failed.data['error']['code'] == 'auth_failed'
    warned = run_module('wabiz.onprem.support_facts', dict(args, on_error='warn'))
    assert warned.rc == 0, warned
    facts = warned.data['ansible_facts']['wabiz_support']
    assert facts == {'reachable': True, 'status': 'unknown', 'node': None, 'error': facts['error'], 'fetched_at': facts['fetched_at']}
    # dated: a gate never takes an older healthy reading of the inventory over it
    from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import stored_age
    assert 0 <= stored_age(facts) < 60
    assert facts['error']['code'] == 'auth_failed'
    assert '[WARNING]: [auth_failed]' in warned.output
    ignored = run_module('wabiz.onprem.support_facts', dict(args, on_error='ignore'))
    assert ignored.rc == 0 and '[auth_failed]' not in ignored.stderr
    assert ignored.data['ansible_facts']['wabiz_support']['error']['code'] == 'auth_failed'


def test_as_a_facts_module_during_gather_facts(sim, tmp_path):
    """`ansible_facts_modules` + module_defaults, one healthy and one unreachable cluster host with on_error=warn."""
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(json.dumps({'wabiz_clusters': {'hosts': {
        'ha-ok': {'wabiz_url': sim.url('ha-ok')},
        'gone': {'wabiz_url': 'https://127.0.0.1:9/nothing'},
    }, 'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}}))
    out = tmp_path / 'facts.json'
    playbook = [{
        'name': 'Gather support facts', 'hosts': 'wabiz_clusters', 'gather_facts': True,
        'vars': {'ansible_facts_modules': ['wabiz.onprem.support_facts']},
        'module_defaults': {'wabiz.onprem.support_facts': {
            'url': '{{ wabiz_url }}', 'username': 'admin', 'password': ADMIN_PASSWORD, 'ca_path': sim.ca_path,
            'timeout': 3, 'retries': 0, 'on_error': 'warn', 'node': 'wacore1'}},
        'tasks': [{'name': 'Save', 'delegate_to': 'localhost', 'ansible.builtin.copy': {
            'content': "{{ ansible_facts['wabiz_support'] | to_json }}", 'dest': str(tmp_path) + '/{{ inventory_hostname }}.json',
            'mode': '0600'}}],
    }]
    result = run_playbook(tmp_path / 'play.yml', playbook, inventory=inventory)
    assert result.rc == 0, result
    healthy = json.loads((tmp_path / 'ha-ok.json').read_text())
    assert healthy['status'] == 'ok' and healthy['topology'] == 'ha'
    assert healthy['node']['shards'] == [-1, 0]
    gone = json.loads((tmp_path / 'gone.json').read_text())
    assert gone['reachable'] is False and gone['error']['code'] == 'unreachable'
    assert ADMIN_PASSWORD not in result.output
    assert not out.exists()


def test_gather_facts_fails_with_on_error_fail(sim, tmp_path):
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(json.dumps({'all': {'hosts': {'gone': {
        'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}}}))
    playbook = [{'hosts': 'all', 'gather_facts': True, 'vars': {'ansible_facts_modules': ['wabiz.onprem.support_facts']},
                 'module_defaults': {'wabiz.onprem.support_facts': {'url': 'https://127.0.0.1:9', 'token': 'a.b.c', 'timeout': 2,
                                                                    'retries': 0}},
                 'tasks': [{'name': 'Never reached', 'ansible.builtin.debug': {'msg': 'gathered'}}]}]
    result = run_playbook(tmp_path / 'play.yml', playbook, inventory=inventory)
    assert result.rc != 0
    assert '[unreachable]' in result.output
    assert 'gathered' not in result.output


def test_bad_settings_are_coded_errors_that_on_error_warn_keeps(sim):
    """A missing CA file and an unparseable URL: facts with the error code, never a module crash."""
    for args, code in ((connection(sim, 'mc-ok', ca_path='/nonexistent/wabiz-ca.pem'), 'tls_error'),
                       (connection(sim, 'mc-ok', url='https://127.0.0.1:99999/mc-ok'), 'unreachable')):
        result = run_module('wabiz.onprem.support_facts', dict(args, on_error='warn'))
        assert result.rc == 0, result
        facts = result.data['ansible_facts']['wabiz_support']
        assert facts['status'] == 'unknown'
        assert facts['error']['code'] == code
        assert '[WARNING]: [%s]' % code in result.output
        assert 'Traceback' not in result.output


def test_user_info_of_the_url_never_reaches_the_warning(sim):
    url = sim.url('ha-ok').replace('https://', 'https://bob:Url!secret9@')
    result = run_module('wabiz.onprem.support_facts', connection(sim, 'ha-ok', node='nope', url=url))
    assert result.rc == 0, result
    assert "no node named 'nope'" in result.output
    assert 'Url!secret9' not in result.output


def test_the_readme_facts_example_runs_as_written(sim, tmp_path):
    """README, "As a facts module during fact gathering", verbatim over an inventory of the wabiz.onprem.support plugin.
    The cluster hosts run the module (connection: local) with the interpreter the play gives them: the example must
    give the controller's, or Ansible discovers one without urllib3 (here: a configured interpreter that does not exist)."""
    import re
    import requests
    import yaml
    with open(os.path.join(REPO, 'README.md')) as handle:
        block = re.search(r'As a facts module during fact gathering:\n\n```yaml\n(.*?)```', handle.read(), re.S).group(1)
    playbook = yaml.safe_load(block)
    login = requests.post(sim.url('ha-ok', '/v1/users/login'), auth=('admin', ADMIN_PASSWORD), verify=sim.ca_path, timeout=10)
    token = login.json()['users'][0]['token']
    inventory = tmp_path / 'inventory'
    (inventory / 'group_vars').mkdir(parents=True)
    (inventory / 'fleet.wabiz.yml').write_text(
        'plugin: wabiz.onprem.support\nnodes: false\nca_path: "%s"\ntoken: "{{ lookup(\'env\', \'README_TOKEN\') }}"\n'
        'clusters:\n  - {name: ha-ok, url: "%s"}\n' % (sim.ca_path, sim.url('ha-ok')))
    (inventory / 'group_vars' / 'all.yml').write_text('wabiz_token: "{{ lookup(\'env\', \'README_TOKEN\') }}"\n')
    result = run_playbook(tmp_path / 'play.yml', playbook, inventory=inventory / 'fleet.wabiz.yml',
                          env={'README_TOKEN': token, 'ANSIBLE_PYTHON_INTERPRETER': str(tmp_path / 'no-such-python')})
    assert result.rc == 0, result
    assert '"msg": "ok"' in result.output
    assert token not in result.output
