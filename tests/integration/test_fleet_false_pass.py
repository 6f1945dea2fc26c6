# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""False passes of the fleet playbooks: a run that exits 0 while a cluster of the play failed or was not gated."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from wabiz_sim.testing import Simulator
from test_fleet_failclosed import ADMIN_PASSWORD, playbook, report_of

FLEET = {
    'seed': 9,
    'defaults': {
        'version': 'v2.45.1',
        'expire_timestamp': '2099-01-01T00:00:00',
        'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}},
    },
    'clusters': [
        {'name': 'ha-ok', 'mode': 'ha', 'masters': 2, 'coreapps': 2},
        {'name': 'ha-down', 'mode': 'ha', 'masters': 2, 'coreapps': 2,
         'nodes': {'wacore1': {'socket_conn': 'DN'}, 'wacore2': {'socket_conn': 'DN'}}},
    ],
}


@pytest.fixture(scope='module')
def sim():
    with Simulator(FLEET) as simulator:
        yield simulator


def fleet_file(tmp_path, sim):
    path = tmp_path / 'fleet.wabiz.yml'
    path.write_text('plugin: wabiz.onprem.support\nusername: admin\nca_path: "%s"\nretries: 0\nclusters:\n'
                    '  - {name: ha-ok, url: "%s"}\n  - {name: ha-down, url: "%s"}\n'
                    % (sim.ca_path, sim.url('ha-ok'), sim.url('ha-down')))
    return path


@pytest.mark.parametrize('extra', [[], ['-e', 'health_gate_refresh=true']], ids=['stored', 'api'])
def test_a_report_narrowed_by_fleet_report_hosts_does_not_hide_a_failed_cluster(sim, tmp_path, extra):
    """fleet_report_hosts (a fleet_report role variable, e.g. in group_vars) chooses what the report lists; the
    playbook's verdict is still over every cluster it gated."""
    proc = playbook(tmp_path, 'health_gate', fleet_file(tmp_path, sim), '-e', json.dumps({'fleet_report_hosts': ['ha-ok']}), *extra,
                    env={'ANSIBLE_SHOW_CUSTOM_STATS': 'true'})
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert 'ha-down' in proc.stdout.split('did not pass the health gate', 1)[-1]
    # the job's artifacts (set_stats, which a workflow branches on) say the same as the run
    stats = json.loads(proc.stdout.split('CUSTOM STATS:', 1)[1].split('RUN:', 1)[1].strip().splitlines()[0])
    assert stats['wabiz_fleet_verdict'] == 'failed' and stats['wabiz_fleet_not_passed'] == ['ha-down'], stats


@pytest.mark.parametrize('extra', [[], ['-e', 'health_gate_refresh=true']], ids=['stored', 'api'])
def test_health_gate_fail_host_false_still_fails_the_run(sim, tmp_path, extra):
    proc = playbook(tmp_path, 'health_gate', fleet_file(tmp_path, sim), '-e', 'health_gate_fail_host=false', *extra)
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', 'health_gate')]['outcome'] == 'failed'


def test_pre_upgrade_fail_host_false_still_fails_the_run(sim, tmp_path):
    """The playbook's contract: the run fails when any cluster is not ready, whatever the role's fail_host says."""
    proc = playbook(tmp_path, 'pre_upgrade', fleet_file(tmp_path, sim), '-e', 'pre_upgrade_check_target_version=v2.47.0',
                    '-e', 'pre_upgrade_check_fail_host=false')
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', 'pre_upgrade')]['outcome'] == 'failed'
    assert proc.returncode != 0, proc.stdout[-3000:]


def stored_report(sim, cluster, fetched_at):
    """What the inventory plugin stores as wabiz_support for a cluster (a checked report), dated ``fetched_at``."""
    from ansible_collections.wabiz.onprem.plugins.module_utils._connection import check
    data = check({'url': sim.url(cluster), 'username': 'admin', 'password': ADMIN_PASSWORD, 'ca_path': sim.ca_path})
    data.pop('support', None)
    data['fetched_at'] = fetched_at
    return data


def ha_down_inventory(sim, tmp_path, host_vars, **group_vars):
    """A static inventory of the one cluster host ha-down (simulator URL, admin user, its CA) with ``host_vars``."""
    inventory = tmp_path / 'static.yml'
    inventory.write_text(json.dumps({'wabiz_clusters': {
        'hosts': {'ha-down': dict({'wabiz_url': sim.url('ha-down')}, **host_vars)},
        'vars': dict({'ansible_connection': 'local', 'wabiz_username': 'admin', 'wabiz_ca_path': sim.ca_path}, **group_vars)}}))
    return inventory


@pytest.mark.parametrize('max_age', ['300', '0'])
def test_stored_data_dated_in_the_future_never_gates_a_cluster(sim, tmp_path, max_age):
    """A host carries healthy stored data that says it was read in 2099 (a clock set back, a saved host_vars file):
    it has no age, so it is read again over the API, which shows the cluster down."""
    inventory = ha_down_inventory(sim, tmp_path, {'wabiz_support': stored_report(sim, 'ha-ok', '2099-01-01T00:00:00Z')}, health_gate_retries=0)
    proc = playbook(tmp_path, 'health_gate', inventory, '-e', 'health_gate_max_age=%s' % max_age)
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', 'health_gate')]['outcome'] == 'failed'
    assert 'socket_conn_down' in results[('ha-down', 'health_gate')]['message']


def test_pre_upgrade_never_decides_on_stored_data_dated_in_the_future(sim, tmp_path):
    inventory = ha_down_inventory(sim, tmp_path, {'wabiz_support': stored_report(sim, 'ha-ok', '2099-01-01T00:00:00Z')}, pre_upgrade_check_retries=0)
    proc = playbook(tmp_path, 'pre_upgrade', inventory, '-e', 'pre_upgrade_check_target_version=v2.47.0')
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', 'pre_upgrade')]['outcome'] == 'failed'


@pytest.mark.parametrize('order', [('ha-ok', 'ha-lost'), ('ha-lost', 'ha-ok')], ids=['writer-ok', 'writer-lost'])
def test_a_cluster_whose_api_read_is_unreachable_fails_the_run_and_is_reported(sim, tmp_path, order):
    """The API play delegates support_info to a host Ansible cannot reach (health_gate_delegate_to): unreachable is not
    rescued by the play's block, so that cluster leaves the run; the report still lists it as not passed."""
    hosts = {'ha-ok': {'wabiz_url': sim.url('ha-ok')},
             'ha-lost': {'wabiz_url': sim.url('ha-ok'), 'health_gate_delegate_to': 'jump'}}
    inventory = tmp_path / 'static.yml'
    inventory.write_text(json.dumps({'all': {'children': {
        'wabiz_clusters': {'hosts': dict((name, hosts[name]) for name in order),
                           'vars': {'ansible_connection': 'local', 'wabiz_username': 'admin', 'wabiz_ca_path': sim.ca_path,
                                    'health_gate_retries': 0}},
        'jumps': {'hosts': {'jump': {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': 1,
                                     'ansible_ssh_common_args': '-o ConnectTimeout=2 -o BatchMode=yes'}}}}}}))
    proc = playbook(tmp_path, 'health_gate', inventory)
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-ok', 'health_gate')]['outcome'] == 'passed'
    assert results[('ha-lost', 'health_gate')]['outcome'] != 'passed'


def test_a_verdict_left_from_an_earlier_play_never_stands_in_for_a_gate_that_could_not_run(sim, tmp_path):
    """The host already has a passing wabiz_gate (an earlier play of the same run, e.g. wabiz.onprem.gather); the API
    play's role then fails before it records its own verdict (here: health_gate_wait_delay 0). The old verdict must not
    reach the report as this run's."""
    old = {'cluster': 'ha-down', 'passed': True, 'status': 'ok', 'fail_on': 'critical', 'findings': [], 'blocking': [],
           'error': None, 'topology': 'ha', 'checked_at': '2026-01-01T00:00:00Z', 'message': 'ha-down passed (earlier play)'}
    inventory = ha_down_inventory(sim, tmp_path, {'wabiz_gate': old}, health_gate_retries=0)
    proc = playbook(tmp_path, 'health_gate', inventory, '-e', 'health_gate_wait_delay=0')
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', 'health_gate')]['outcome'] != 'passed'


def test_a_pre_upgrade_verdict_left_from_an_earlier_play_never_reaches_the_report(sim, tmp_path):
    old = {'cluster': 'ha-down', 'go': True, 'status': 'ok', 'target_version': 'v2.47.0', 'findings': [], 'blocking': [],
           'error': None, 'plan': [], 'message': 'ha-down: GO (earlier play)'}
    inventory = ha_down_inventory(sim, tmp_path, {'wabiz_pre_upgrade': old})
    proc = playbook(tmp_path, 'pre_upgrade', inventory, '-e', 'pre_upgrade_check_target_version=""')
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', 'pre_upgrade')]['outcome'] != 'passed'


@pytest.mark.parametrize('fact', ['wabiz_gate', 'wabiz_pre_upgrade'])
def test_health_gate_hosts_never_leaves_a_play_host_to_a_verdict_the_run_did_not_make(sim, tmp_path, fact):
    """health_gate_hosts (a role variable, e.g. in group_vars) narrows the fleet pass; a play host outside it carries a
    passing verdict in the inventory (a saved host_vars file). The playbook gates it over the API all the same."""
    old = {'cluster': 'ha-down', 'passed': True, 'go': True, 'status': 'ok', 'fail_on': 'critical', 'findings': [],
           'blocking': [], 'error': None, 'topology': 'ha', 'target_version': 'v2.47.0', 'plan': [],
           'checked_at': '2026-01-01T00:00:00Z', 'message': 'ha-down passed (saved verdict)'}
    (tmp_path / 'host_vars').mkdir()
    (tmp_path / 'host_vars' / 'ha-down.yml').write_text(json.dumps({fact: old}))
    proc = playbook(tmp_path, 'health_gate', fleet_file(tmp_path, sim), '-e', json.dumps({'health_gate_hosts': ['ha-ok']}))
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', 'health_gate')]['outcome'] == 'failed'


def test_pre_upgrade_artifacts_never_say_passed_for_a_report_narrowed_by_fleet_report_hosts(sim, tmp_path):
    proc = playbook(tmp_path, 'pre_upgrade', fleet_file(tmp_path, sim), '-e', 'pre_upgrade_check_target_version=v2.47.0',
                    '-e', json.dumps({'fleet_report_hosts': ['ha-ok']}), env={'ANSIBLE_SHOW_CUSTOM_STATS': 'true'})
    assert proc.returncode != 0, proc.stdout[-3000:]
    stats = json.loads(proc.stdout.split('CUSTOM STATS:', 1)[1].split('RUN:', 1)[1].strip().splitlines()[0])
    assert stats['wabiz_fleet_verdict'] == 'failed' and stats['wabiz_fleet_not_passed'] == ['ha-down'], stats


def test_health_gate_refresh_false_given_as_text_still_gates_from_the_stored_data(sim, tmp_path):
    """-e health_gate_refresh=false is the text 'false': read as a boolean, not as a non-empty (true) value."""
    proc = playbook(tmp_path, 'health_gate', fleet_file(tmp_path, sim), '-e', 'health_gate_refresh=false')
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert '2 cluster(s) gated from stored data' in proc.stdout, proc.stdout[-3000:]


def cache_old_fact(sim, tmp_path, inventory, env):
    """A jsonfile fact cache (as AWX fact storage keeps it) holding, for ha-down, ansible_facts.wabiz_support of a read
    made 60 s ago, when the cluster was healthy (a support_facts run before a change)."""
    import datetime
    import subprocess
    from test_fleet_failclosed import BIN, ansible_env
    before = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=60)).strftime('%Y-%m-%dT%H:%M:%SZ')
    (tmp_path / 'fact.json').write_text(json.dumps(stored_report(sim, 'ha-ok', before)))
    (tmp_path / 'cache.yml').write_text(
        '- hosts: ha-down\n  gather_facts: false\n  tasks:\n'
        '    - ansible.builtin.set_fact:\n        wabiz_support: "{{ lookup(\'file\', \'%s\') | from_json }}"\n'
        '        cacheable: true\n' % (tmp_path / 'fact.json'))
    subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(inventory), str(tmp_path / 'cache.yml')],
                   env=ansible_env(tmp_path, env), cwd=str(tmp_path), capture_output=True, timeout=120, check=True)


@pytest.mark.parametrize('inject', ['true', 'false'], ids=['facts-as-vars', 'facts-not-injected'])
@pytest.mark.parametrize('name', ['health_gate', 'pre_upgrade'])
def test_an_older_cached_fact_never_hides_fresher_failing_inventory_data(sim, tmp_path, name, inject):
    """The fact cache keeps a healthy ansible_facts.wabiz_support read before a change; the inventory plugin read the
    cluster after it, down. Both are within the max age: the gate must not pass on the older reading. Facts injected as
    variables even hide the inventory's wabiz_support; the plugin's wabiz_support_fetched_at shows a fresher read exists."""
    env = {'ANSIBLE_CACHE_PLUGIN': 'jsonfile', 'ANSIBLE_CACHE_PLUGIN_CONNECTION': str(tmp_path / 'facts'),
           'ANSIBLE_INJECT_FACT_VARS': inject}
    inventory = fleet_file(tmp_path, sim)
    cache_old_fact(sim, tmp_path, inventory, env)
    proc = playbook(tmp_path, name, inventory, '-e', 'pre_upgrade_check_target_version=v2.47.0', env=env)
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', name)]['outcome'] == 'failed', results[('ha-down', name)]
    assert results[('ha-ok', name)]['outcome'] == 'passed', results[('ha-ok', name)]


def test_the_role_on_each_host_never_gates_on_an_older_cached_fact(sim, tmp_path):
    """The same with the role's per-host entry point, as a user's own play includes it."""
    env = {'ANSIBLE_CACHE_PLUGIN': 'jsonfile', 'ANSIBLE_CACHE_PLUGIN_CONNECTION': str(tmp_path / 'facts')}
    inventory = fleet_file(tmp_path, sim)
    cache_old_fact(sim, tmp_path, inventory, env)
    (tmp_path / 'gate.yml').write_text('- hosts: wabiz_clusters\n  gather_facts: false\n  roles:\n    - wabiz.onprem.health_gate\n')
    import subprocess
    from test_fleet_failclosed import BIN, ansible_env
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(inventory), str(tmp_path / 'gate.yml')],
                          env=ansible_env(tmp_path, env), cwd=str(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert 'socket_conn_down' in proc.stdout, proc.stdout[-3000:]
    assert 'ha-down passed' not in proc.stdout, proc.stdout[-3000:]


def now_iso(seconds_ago=0):
    import datetime
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)).strftime('%Y-%m-%dT%H:%M:%SZ')


def lost_after_read_inventory(sim, tmp_path):
    """A static inventory of one cluster host 'lost' that the inventory read healthy a minute ago (wabiz_support and
    wabiz_support_fetched_at, as the plugin sets them, e.g. from its cache) and that cannot be read now (closed port)."""
    read = now_iso(60)
    inventory = tmp_path / 'static.yml'
    inventory.write_text(json.dumps({'wabiz_clusters': {
        'hosts': {'lost': {'wabiz_url': 'https://127.0.0.1:1', 'wabiz_support': stored_report(sim, 'ha-ok', read),
                           'wabiz_support_fetched_at': read}},
        'vars': {'ansible_connection': 'local', 'wabiz_username': 'admin', 'wabiz_ca_path': sim.ca_path,
                 'health_gate_retries': 0, 'health_gate_timeout': 5}}}))
    return inventory


@pytest.mark.parametrize('inject', ['true', 'false'], ids=['facts-as-vars', 'facts-not-injected'])
def test_gather_never_passes_a_cluster_its_support_facts_could_not_read(sim, tmp_path, inject):
    """gather.yml runs support_facts (on_error: warn): the cluster cannot be read now, so the fact is an error report,
    which says no fetched_at. The inventory's older healthy reading is dated: it must not win over the later error."""
    playbook(tmp_path, 'gather', lost_after_read_inventory(sim, tmp_path), env={'ANSIBLE_INJECT_FACT_VARS': inject})
    results, dummy = report_of(tmp_path)
    assert results[('lost', 'health_gate')]['outcome'] != 'passed', results[('lost', 'health_gate')]


@pytest.mark.parametrize('inject', ['true', 'false'], ids=['facts-as-vars', 'facts-not-injected'])
def test_health_gate_after_a_support_facts_play_that_could_not_read_the_cluster_fails(sim, tmp_path, inject):
    """A user's playbook reads support_facts (on_error: ignore) in a first play, then imports the health_gate playbook."""
    (tmp_path / 'site.yml').write_text(
        '- hosts: wabiz_clusters\n  gather_facts: false\n  tasks:\n'
        '    - wabiz.onprem.support_facts: {url: "{{ wabiz_url }}", username: admin, ca_path: "{{ wabiz_ca_path }}",'
        ' on_error: ignore, retries: 0, timeout: 5}\n'
        '- ansible.builtin.import_playbook: wabiz.onprem.health_gate\n')
    import subprocess
    from test_fleet_failclosed import BIN, ansible_env
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(lost_after_read_inventory(sim, tmp_path)),
                           str(tmp_path / 'site.yml'), '-e', 'fleet_report_dir=%s' % (tmp_path / 'report')],
                          env=ansible_env(tmp_path, {'ANSIBLE_INJECT_FACT_VARS': inject}), cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('lost', 'health_gate')]['outcome'] != 'passed', results[('lost', 'health_gate')]


@pytest.mark.parametrize('name', ['health_gate', 'pre_upgrade'])
def test_a_hidden_inventory_reading_still_gives_its_policy_to_the_api_read(sim, tmp_path, name):
    """The inventory's policy makes ha-ok fail (role_counts: 5 coreapps, it has 2). A fact cached before the inventory's
    read (healthy, default policy), injected as variables, hides the inventory's wabiz_support: the gate reads the
    cluster again over the API, and must read it with the inventory's policy, not the older fact's."""
    env = {'ANSIBLE_CACHE_PLUGIN': 'jsonfile', 'ANSIBLE_CACHE_PLUGIN_CONNECTION': str(tmp_path / 'facts'),
           'ANSIBLE_INJECT_FACT_VARS': 'true'}
    inventory = tmp_path / 'fleet.wabiz.yml'
    inventory.write_text('plugin: wabiz.onprem.support\nusername: admin\nca_path: "%s"\nretries: 0\n'
                         'policy: {role_counts: {coreapp: 5}}\nclusters:\n  - {name: ha-down, url: "%s"}\n'
                         % (sim.ca_path, sim.url('ha-ok')))
    cache_old_fact(sim, tmp_path, inventory, env)
    proc = playbook(tmp_path, name, inventory, '-e', 'pre_upgrade_check_target_version=v2.47.0', env=env)
    results, dummy = report_of(tmp_path)
    assert results[('ha-down', name)]['outcome'] == 'failed', results[('ha-down', name)]
    assert 'role_count_mismatch' in results[('ha-down', name)]['message'], results[('ha-down', name)]
    assert proc.returncode != 0, proc.stdout[-3000:]


@pytest.mark.parametrize('extra', [['-e', 'health_gate_refresh=true'], ['-e', 'health_gate_max_age=0']], ids=['refresh', 'max-age-0'])
def test_a_cluster_with_an_invalid_policy_never_passes_on_the_default_policy_over_the_api(sim, tmp_path, extra):
    """The inventory marks the cluster invalid_policy (an unknown key next to role_counts that would fail it). Gated over
    the API, the role must not read it with the default policy and pass it."""
    inventory = tmp_path / 'fleet.wabiz.yml'
    inventory.write_text('plugin: wabiz.onprem.support\nusername: admin\nca_path: "%s"\nretries: 0\nclusters:\n'
                         '  - {name: ha-ok, url: "%s", policy: {role_counts: {coreapp: 5}, nonsense_key: 1}}\n'
                         % (sim.ca_path, sim.url('ha-ok')))
    proc = playbook(tmp_path, 'health_gate', inventory, *extra)
    assert proc.returncode != 0, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-ok', 'health_gate')]['outcome'] != 'passed', results[('ha-ok', 'health_gate')]


@pytest.mark.parametrize('inject', ['true', 'false'], ids=['facts-as-vars', 'facts-not-injected'])
def test_a_later_fact_read_without_the_inventory_policy_is_gated_with_it(sim, tmp_path, inject):
    """The inventory's policy makes the cluster fail (role_counts: 5 coreapps, it has 2). A play of the user's own reads
    support_facts without that policy just before the health_gate playbook: its fact is the most recent reading, and is
    gated with the inventory's policy too, not only with the default one it carries."""
    inventory = tmp_path / 'fleet.wabiz.yml'
    inventory.write_text('plugin: wabiz.onprem.support\nusername: admin\nca_path: "%s"\nretries: 0\n'
                         'policy: {role_counts: {coreapp: 5}}\nclusters:\n  - {name: ha-ok, url: "%s"}\n'
                         % (sim.ca_path, sim.url('ha-ok')))
    (tmp_path / 'site.yml').write_text(
        '- hosts: wabiz_clusters\n  gather_facts: false\n  connection: local\n  tasks:\n'
        '    - wabiz.onprem.support_facts: {url: "{{ wabiz_url }}", username: admin, ca_path: "{{ wabiz_ca_path }}"}\n'
        '- ansible.builtin.import_playbook: wabiz.onprem.health_gate\n')
    import subprocess
    from test_fleet_failclosed import BIN, ansible_env
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(inventory), str(tmp_path / 'site.yml'),
                           '-e', 'fleet_report_dir=%s' % (tmp_path / 'report')],
                          env=ansible_env(tmp_path, {'ANSIBLE_INJECT_FACT_VARS': inject}), cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=180, check=False)
    assert os.path.exists(str(tmp_path / 'report' / 'wabiz-report.json')), proc.stdout[-3000:] + proc.stderr[-2000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-ok', 'health_gate')]['outcome'] == 'failed', results[('ha-ok', 'health_gate')]
    assert 'role_count_mismatch' in results[('ha-ok', 'health_gate')]['message']
    assert proc.returncode != 0, proc.stdout[-3000:]
