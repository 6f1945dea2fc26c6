# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of the wabiz.onprem.support inventory plugin: real ansible-inventory and
ansible-playbook processes against the HTTPS simulator.

The golden file tests/integration/golden/inventory.json holds the normalized `--list` output
(volatile values replaced: URLs, temp paths, timestamps, day counts). Regenerate it after an
intended change with:  WABIZ_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/integration/test_inventory.py
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import socket
import subprocess
import sys

import pytest

from integration_helpers import BIN, REPO
from wabiz_sim.testing import Simulator

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'golden', 'inventory.json')
ADMIN_PASSWORD = 'Adm1n!pass'
VAULT_PASSWORD = 'inventory-vault-pass'
FLEET = {
    'seed': 7,
    'defaults': {
        'version': 'v2.45.1',
        'expire_timestamp': '2099-01-01T00:00:00',
        'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False},
                  'monitor': {'password': 'M0nitor!pass', 'must_change': False, 'role': 'user'}},
    },
    'clusters': [
        {'name': 'mc-healthy', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4},
        {'name': 'ha-healthy', 'mode': 'ha', 'masters': 2, 'coreapps': 2},
        {'name': 'single-healthy', 'mode': 'single'},
        {'name': 'mc-faulty', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4,
         'env': {'WA_DB_PASSWORD': 's3cr3t-db-pass'},
         'nodes': {'wacore2': {'socket_conn': 'DN', 'shards': []}, 'wacore3': {'error': 1011},
                   'wacore1': {'free_space': {'logs': 500000000}}}},
    ],
}
VOLATILE_KEYS = frozenset(('fetched_at', 'wabiz_support_fetched_at', 'expire_timestamp', 'earliest_expiry', 'expires_in_days', 'checked_at'))


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def ansible_env(extra=None):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('WABIZ_', 'ANSIBLE_')))
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.build', 'collections'),
        'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'ANSIBLE_DEPRECATION_WARNINGS': 'false',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true',
    })
    env.update(extra or {})
    return env


def run(args, tmp_path, extra_env=None, timeout=180):
    env = ansible_env(dict({'ANSIBLE_HOME': str(tmp_path / 'ansible-home'), 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp')},
                           **(extra_env or {})))
    return subprocess.run(args, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=timeout, check=False)


def vault_encrypt(text):
    from ansible.parsing.vault import VaultLib, VaultSecret
    return VaultLib([('default', VaultSecret(VAULT_PASSWORD.encode()))]).encrypt(text).decode()


def write_config(tmp_path, sim, dead_port, cache_dir=None, extra=''):
    """fleet.wabiz.yml: password of the default user from the environment (WABIZ_PASSWORD), one
    cluster with a lookup, one with a vault-encrypted password, one that cannot be reached."""
    vaulted = '\n'.join('          ' + line for line in vault_encrypt(ADMIN_PASSWORD).splitlines())
    text = (
        'plugin: wabiz.onprem.support\n'
        'username: admin\n'
        'ca_path: %(ca)s\n'
        'workers: 4\n'
        'timeout: 3\n'
        'policy:\n'
        '  build_expiry_warning_days: 7\n'
        '%(extra)s'
        'clusters:\n'
        '  - name: mc-healthy\n'
        '    url: %(base)s/mc-healthy\n'
        '    policy: {expected_shards: 4, role_counts: {primary_master: 1, secondary_master: 1, coreapp: 5}}\n'
        '  - name: ha-healthy\n'
        '    url: %(base)s/ha-healthy\n'
        '    username: monitor\n'
        '    password: "{{ lookup(\'ansible.builtin.env\', \'TEST_MONITOR_PASSWORD\') }}"\n'
        '  - name: single-healthy\n'
        '    url: %(base)s/single-healthy\n'
        '    password: !vault |\n'
        '%(vaulted)s\n'
        '  - name: mc-faulty\n'
        '    url: %(base)s/mc-faulty\n'
        '  - name: gone\n'
        '    url: https://127.0.0.1:%(dead)d/gone\n'
        '    retries: 0\n'
    ) % {'ca': sim.ca_path, 'base': sim.base_url, 'dead': dead_port, 'vaulted': vaulted,
         'extra': extra if not cache_dir else extra + 'cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n' % cache_dir}
    path = tmp_path / 'fleet.wabiz.yml'
    path.write_text(text)
    (tmp_path / 'vault-pass').write_text(VAULT_PASSWORD + '\n')
    return path


ENV = {'WABIZ_PASSWORD': ADMIN_PASSWORD, 'TEST_MONITOR_PASSWORD': 'M0nitor!pass'}


def inventory_cmd(tmp_path, config, *args):
    return [os.path.join(BIN, 'ansible-inventory'), '-i', str(config), '--vault-password-file', str(tmp_path / 'vault-pass')] + list(args)


def unwrap(value):
    """ansible-inventory --list writes data that is not trusted as a template (everything from an
    inventory plugin on ansible-core >= 2.19) as {"__ansible_unsafe": "..."}; unwrap it."""
    if isinstance(value, dict):
        if list(value) == ['__ansible_unsafe']:
            return value['__ansible_unsafe']
        return dict((key, unwrap(item)) for key, item in value.items())
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def normalize(value, replacements):
    """Replace the values that change from run to run."""
    if isinstance(value, dict):
        return dict((key, '<volatile>' if key in VOLATILE_KEYS and value[key] is not None else normalize(item, replacements))
                    for key, item in value.items())
    if isinstance(value, list):
        return [normalize(item, replacements) for item in value]
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
        value = re.sub(r'\d+(\.\d+)? day', '<N> day', value)
        return re.sub(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>', value)
    return value


@pytest.fixture(scope='module')
def sim():
    with Simulator(FLEET) as simulator:
        yield simulator


@pytest.fixture(scope='module')
def listed(sim, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('inventory')
    dead = closed_port()
    config = write_config(tmp_path, sim, dead)
    proc = run(inventory_cmd(tmp_path, config, '--list'), tmp_path, ENV)
    assert proc.returncode == 0, proc.stderr
    raw = json.loads(proc.stdout)
    data = unwrap(raw)
    replacements = [(sim.base_url, 'https://SIM'), (sim.ca_path, '<CA>'), (str(tmp_path), '<TMP>'),
                    ('127.0.0.1:%d' % dead, '127.0.0.1:<DEAD>')]
    return data, normalize(data, replacements), proc, raw


def test_list_matches_golden(listed):
    dummy, normalized, proc, dummy2 = listed
    golden = None
    if os.path.exists(GOLDEN):
        with open(GOLDEN) as handle:
            golden = json.load(handle)
    if normalized != golden and os.environ.get('WABIZ_UPDATE_GOLDEN'):
        os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
        with open(GOLDEN, 'w') as handle:
            json.dump(normalized, handle, indent=1, sort_keys=True)
            handle.write('\n')
        pytest.fail('WABIZ_UPDATE_GOLDEN: %s did not match and was rewritten from this run; review the change '
                    '(git diff), then run again without WABIZ_UPDATE_GOLDEN' % GOLDEN)
    assert normalized == golden
    assert 'WARNING' not in proc.stderr.replace('[WARNING]: Collection', ''), proc.stderr


def listed_node(data, host):
    """The node a node host's wabiz_node refers to, read from its cluster host's wabiz_support.nodes in --list output
    (the node data is stored once, in the cluster host)."""
    hostvars = data['_meta']['hostvars']
    match = re.match(r"^\{\{ hostvars\['([A-Za-z0-9._-]+)'\]\.wabiz_support\.nodes\[(\d+)\] \}\}$", hostvars[host]['wabiz_node'])
    assert match and host.startswith(match.group(1) + '.'), hostvars[host]  # <cluster host>.<node>
    return hostvars[match.group(1)]['wabiz_support']['nodes'][int(match.group(2))]


def test_api_strings_are_unsafe(listed):
    raw = listed[3]
    node = listed_node(raw, 'mc-healthy.wacore1')
    assert isinstance(node['name'], dict) and node['name']['__ansible_unsafe'].startswith('wacore1:')


def test_list_content(listed):
    data = listed[0]
    hostvars = data['_meta']['hostvars']
    assert sorted(data['wabiz_clusters']['hosts']) == ['gone', 'ha-healthy', 'mc-faulty', 'mc-healthy', 'single-healthy']
    assert data['wabiz_unreachable']['hosts'] == ['gone']
    gone = hostvars['gone']['wabiz_support']
    assert gone['error']['code'] == 'unreachable' and gone['reachable'] is False
    # env fallback, lookup and vault all logged in
    for name in ('mc-healthy', 'ha-healthy', 'single-healthy'):
        assert hostvars[name]['wabiz_support']['status'] == 'ok', hostvars[name]['wabiz_support']['findings']
    assert hostvars['ha-healthy']['wabiz_username'] == 'monitor'
    assert hostvars['mc-faulty']['wabiz_support']['status'] == 'critical'
    assert sorted(data['wabiz_status_critical']['hosts']) == ['mc-faulty']
    assert data['wabiz_shard_control']['hosts'] == ['mc-healthy.master1', 'ha-healthy.wacore1', 'mc-faulty.master1']
    assert data['wabiz_role_unknown']['hosts'] == ['mc-faulty.wacore3']
    assert listed_node(data, 'mc-healthy.wacore4')['shards'] == [3]
    for host in data['wabiz_nodes']['hosts']:
        assert listed_node(data, host)['name'].split(':')[0] in host
    dumped = json.dumps(data)
    for secret in (ADMIN_PASSWORD, 'M0nitor!pass', 's3cr3t-db-pass'):
        assert secret not in dumped


def test_graph(sim, tmp_path):
    config = write_config(tmp_path, sim, closed_port(), extra='nodes: true\n')
    proc = run(inventory_cmd(tmp_path, config, '--graph'), tmp_path, ENV)
    assert proc.returncode == 0, proc.stderr
    graph = proc.stdout
    for line in ('@wabiz_clusters:', '@wabiz_nodes:', '@wabiz_unreachable:', '@wabiz_error_unreachable:', '@wabiz_role_primary_master:',
                 '@wabiz_role_coreapp:', '@wabiz_shard_3:', '@wabiz_shard_control:', '@wabiz_cluster_mc_healthy:',
                 '@wabiz_topology_ha:', '@wabiz_status_ok:', '--mc-healthy.wacore4', '--gone'):
        assert line in graph, graph


def test_fail_on_error(sim, tmp_path):
    config = write_config(tmp_path, sim, closed_port(), extra='fail_on_error: true\n')
    proc = run(inventory_cmd(tmp_path, config, '--graph'), tmp_path, ENV)
    assert proc.returncode == 1, proc.stderr
    assert 'could not be read (fail_on_error is set): gone: [unreachable]' in proc.stderr


GATE_PLAY = '''
- name: Gate through the inventory plugin
  hosts: wabiz_clusters
  gather_facts: false
  connection: local
  roles:
    - role: wabiz.onprem.health_gate
      health_gate_fail_host: false
  tasks:
    - name: Save the verdicts
      run_once: true
      delegate_to: localhost
      ansible.builtin.copy:
        dest: "{{ verdicts_path }}"
        content: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'wabiz_gate'))) | to_json }}"
        mode: "0600"
'''


def gate(tmp_path, config, name, extra_vars=None):
    play = tmp_path / 'gate.yml'
    play.write_text(GATE_PLAY)
    out = tmp_path / ('%s.json' % name)
    cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', str(config), '--vault-password-file', str(tmp_path / 'vault-pass'),
           str(play), '-e', json.dumps(dict({'verdicts_path': str(out)}, **(extra_vars or {})))]
    proc = run(cmd, tmp_path, ENV)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_gate_from_inventory_without_the_api(tmp_path):
    """Build the inventory (cached) with the simulator up, stop it, gate: every verdict comes from
    the inventory's data, so the healthy clusters still pass."""
    cache_dir = tmp_path / 'cache'
    dead = closed_port()
    with Simulator(FLEET) as simulator:
        config = write_config(tmp_path, simulator, dead, cache_dir=str(cache_dir))
        proc = run(inventory_cmd(tmp_path, config, '--graph'), tmp_path, ENV)
        assert proc.returncode == 0, proc.stderr
        # refresh on request: the role calls the API (credentials from the play, never from the inventory)
        refreshed = gate(tmp_path, config, 'refreshed', {'health_gate_refresh': True, 'health_gate_password': ADMIN_PASSWORD,
                                                         'health_gate_username': 'admin'})
    assert refreshed['mc-healthy']['passed'] is True
    assert refreshed['mc-healthy']['source'] == 'api'
    cached, = os.listdir(str(cache_dir))  # one cache file, the jsonfile plugin's name for this inventory source
    assert cached.startswith('ansible_inventory_s1_wabiz.onprem.support_'), cached
    verdicts = gate(tmp_path, config, 'stored')  # simulator stopped: any API call would be unreachable
    assert sorted(name for name, verdict in verdicts.items() if verdict['passed']) == ['ha-healthy', 'mc-healthy', 'single-healthy']
    assert verdicts['mc-faulty']['passed'] is False
    assert sorted(finding['code'] for finding in verdicts['mc-faulty']['blocking']) == [
        'free_space_low', 'node_error', 'shard_unowned', 'shard_unowned']  # wacore1 logs low; shard 1 (wacore2), shard 2 (wacore3)
    assert verdicts['gone']['passed'] is False and verdicts['gone']['error']['code'] == 'unreachable'
    assert verdicts['mc-healthy']['source'] == 'stored'


def test_forked_readers_list_what_one_process_lists(sim, tmp_path):
    """processes: 3 over the simulator (HTTPS, the real client, in forked children): the same --list as the golden."""
    dead = closed_port()
    config = write_config(tmp_path, sim, dead, extra='processes: 3\n')
    listing = tmp_path / 'list.json'
    proc = run(inventory_cmd(tmp_path, config, '--list', '--output', str(listing), '-vvv'), tmp_path, ENV)
    assert proc.returncode == 0, proc.stderr
    assert 'in 3 process(es)' in proc.stdout + proc.stderr
    replacements = [(sim.base_url, 'https://SIM'), (sim.ca_path, '<CA>'), (str(tmp_path), '<TMP>'), ('127.0.0.1:%d' % dead, '127.0.0.1:<DEAD>')]
    with open(GOLDEN) as handle:
        assert normalize(unwrap(json.loads(listing.read_text())), replacements) == json.load(handle)


def _validate_certs_of(sim, tmp_path, top_level, environment=None):
    """(rc, stdout+stderr, wabiz_validate_certs of the one cluster) of a fleet file with ``top_level`` lines."""
    config = tmp_path / 'tls.wabiz.yml'
    config.write_text('plugin: wabiz.onprem.support\nusername: admin\nca_path: %s\nnodes: false\n%s'
                      'clusters:\n  - {name: ha-healthy, url: "%s/ha-healthy"}\n' % (sim.ca_path, top_level, sim.base_url))
    proc = run([os.path.join(BIN, 'ansible-inventory'), '-i', str(config), '--host', 'ha-healthy'], tmp_path,
               dict(ENV, **(environment or {})))
    value = json.loads(proc.stdout).get('wabiz_validate_certs') if proc.returncode == 0 else None
    return proc.returncode, proc.stdout + proc.stderr, value


@pytest.mark.parametrize('top_level, environment', [
    ('validate_certs: ture\n', None),
    ("validate_certs: 'maybe'\n", None),
    ('', {'WABIZ_VALIDATE_CERTS': 'ture'}),
    ('', {'WABIZ_VALIDATE_CERTS': 'maybe'}),
], ids=['file-typo', 'file-text', 'env-typo', 'env-text'])
def test_a_top_level_validate_certs_that_is_no_boolean_fails_the_source(sim, tmp_path, top_level, environment):
    """ansible-core's config manager reads any text as a boolean, non-strictly: a typo turned TLS verification off for
    every cluster (where a task, and a cluster entry, reject it)."""
    rc, output, value = _validate_certs_of(sim, tmp_path, top_level, environment)
    assert value is not False, output[-2000:]
    assert rc != 0 and 'validate_certs' in output and 'Traceback' not in output, output[-2000:]


@pytest.mark.parametrize('top_level, environment, expected', [
    ('validate_certs: "{{ true }}"\n', None, True),
    ("validate_certs: \"{{ lookup('ansible.builtin.env', 'TEST_VERIFY') }}\"\n", {'TEST_VERIFY': 'yes'}, True),
    ('validate_certs: yes\n', None, True),
    ('', {'WABIZ_VALIDATE_CERTS': ''}, True),
    ('', {'WABIZ_VALIDATE_CERTS': 'false'}, False),
    ('validate_certs: false\n', None, False),
], ids=['template', 'lookup', 'yes', 'env-empty', 'env-false', 'file-false'])
def test_a_top_level_validate_certs_is_read_as_a_task_reads_it(sim, tmp_path, top_level, environment, expected):
    """A template or a lookup at the top level was never rendered before the conversion: "{{ true }}" turned TLS
    verification off. An empty WABIZ_VALIDATE_CERTS (an AWX field left empty) is not set: verification stays on."""
    rc, output, value = _validate_certs_of(sim, tmp_path, top_level, environment)
    assert rc == 0, output[-2000:]
    assert value is expected, output[-2000:]


@pytest.mark.parametrize('top_level', [
    "ca_path: \"{{ lookup('ansible.builtin.env', 'TEST_CA') }}\"\n",
    "ca_cert: \"{{ lookup('ansible.builtin.env', 'TEST_CA') }}\"\n",
], ids=['ca_path', 'ca_cert-alias'])
def test_top_level_connection_options_take_a_lookup_or_a_template(sim, tmp_path, top_level):
    """README: "a vault value or a lookup works wherever a value does". At the top level the config manager made the
    ca_path lookup a path under the current directory before rendering it: tls_error for every cluster."""
    config = tmp_path / 'tpl.wabiz.yml'
    config.write_text('plugin: wabiz.onprem.support\nusername: admin\nnodes: false\n%s'
                      'clusters:\n  - {name: ha-healthy, url: "%s/ha-healthy"}\n' % (top_level, sim.base_url))
    proc = run([os.path.join(BIN, 'ansible-inventory'), '-i', str(config), '--host', 'ha-healthy'], tmp_path,
               dict(ENV, TEST_CA=sim.ca_path))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    assert data['wabiz_ca_path'] == sim.ca_path
    assert data['wabiz_support'].get('error') is None and data['wabiz_support']['status'] == 'ok', data['wabiz_support']
