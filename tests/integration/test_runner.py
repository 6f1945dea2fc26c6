# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks as AWX / AAP run them: through ansible-runner's Python API (process isolation off), from the
project in extensions/awx/project/, with the credentials injected by the credential type shipped in
extensions/awx/credential_type.yml, against the HTTPS simulator.  Asserts rc, the per-host events, the stats
and the set_stats artifacts (what AWX keeps as the job's artifacts)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import shutil
import socket

import ansible_runner
import jinja2
import pytest
import yaml

from integration_helpers import ADMIN_PASSWORD, BIN, FLEET, REPO
from wabiz_sim.testing import SimProcess

AWX = os.path.join(REPO, 'extensions', 'awx')
HEALTHY = ['ha-ok', 'mc-ok', 'single-ok']
# a mixed fleet: healthy, failing on findings, a warning only (mixed-version), and one that cannot be reached (gone)
MIXED = HEALTHY + ['core-down', 'disk-low', 'expired-build', 'gone', 'mixed-version', 'shard-gap']


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def sim():
    """The simulator in its own process: ansible-runner forks (pty) and must not fork a process that runs the
    simulator's threads.  ``gone`` is a cluster nobody listens for (one port for the whole module, so that every
    run of a test sees the same URL)."""
    with SimProcess(FLEET) as simulator:
        simulator.gone_url = 'https://127.0.0.1:%d/gone' % closed_port()
        yield simulator


def credential_env(private_dir, inputs):
    """The environment AWX injects for a credential of the shipped type: its templates rendered with the inputs
    (a missing input renders empty, as in AWX), the CA written to a file named by tower.filename.ca_cert."""
    with open(os.path.join(AWX, 'credential_type.yml')) as handle:
        injectors = yaml.safe_load(handle)['injectors']
    render = jinja2.Environment().from_string
    filenames = {}
    for key, template in injectors['file'].items():
        path = os.path.join(private_dir, 'cred-%s' % key.split('.')[-1])
        with open(path, 'w') as handle:
            handle.write(render(template).render(inputs))
        filenames[key.split('.')[-1]] = path
    return dict((name, render(template).render(dict(inputs, tower={'filename': filenames})))
                for name, template in injectors['env'].items())


def run_job(tmp_path, sim, playbook, clusters, extravars=None, limit=None, name='job'):
    """One job: the project playbook over an inventory of ``clusters`` read by the inventory plugin (no inventory
    but the implicit localhost without clusters)."""
    private = tmp_path / name
    shutil.copytree(os.path.join(AWX, 'project'), str(private / 'project'))
    inventory = None
    if clusters:
        lines = ['plugin: wabiz.onprem.support', 'timeout: 3', 'retries: 0', 'clusters:']
        for cluster in clusters:
            lines.append('  - {name: %s, url: "%s"}' % (cluster, sim.gone_url if cluster == 'gone' else sim.url(cluster)))
        (private / 'inventory').mkdir()
        inventory = str(private / 'inventory' / 'fleet.wabiz.yml')
        with open(inventory, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')
    with open(sim.ca_path) as handle:
        env = credential_env(str(private), {'username': 'admin', 'password': ADMIN_PASSWORD, 'ca_cert': handle.read()})
    env.update({
        'PATH': BIN + os.pathsep + os.environ['PATH'],
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.build', 'collections'),
        'ANSIBLE_PYTHON_INTERPRETER': os.path.join(BIN, 'python'),
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'), 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_RETRY_FILES_ENABLED': 'false', 'ANSIBLE_DEPRECATION_WARNINGS': 'false',
    })
    runner = ansible_runner.run(
        private_data_dir=str(private), playbook=playbook, inventory=inventory, limit=limit, envvars=env,
        extravars=dict({'fleet_report_dir': str(tmp_path / 'report')}, **(extravars or {})), ident=name,
        process_isolation=False, quiet=True, timeout=300)
    return runner, list(runner.events), env


def hosts_with(events, event_name):
    return sorted(set(event['event_data']['host'] for event in events if event['event'] == event_name))


def artifacts(events):
    stats = [event for event in events if event['event'] == 'playbook_on_stats']
    assert len(stats) == 1
    return stats[0]['event_data']['artifact_data']


def assert_no_secret(runner, events):
    text = runner.stdout.read() + json.dumps(events)
    assert ADMIN_PASSWORD not in text


def test_credential_type_injects_the_collection_variables(tmp_path):
    env = credential_env(str(tmp_path), {'username': 'monitor', 'password': 'pw', 'ca_cert': 'PEM'})
    assert env == {'WABIZ_USERNAME': 'monitor', 'WABIZ_PASSWORD': 'pw', 'WABIZ_TOKEN': '',
                   'WABIZ_CA_PATH': str(tmp_path / 'cred-ca_cert')}
    assert (tmp_path / 'cred-ca_cert').read_text() == 'PEM'
    # no CA given: no CA path (verification against the default trust store, never off)
    assert credential_env(str(tmp_path), {'token': 't'})['WABIZ_CA_PATH'] == ''


def test_health_gate_mixed_fleet(sim, tmp_path):
    runner, events, dummy = run_job(tmp_path, sim, 'health_gate.yml', HEALTHY + ['shard-gap', 'core-down', 'gone'])
    assert (runner.rc, runner.status) == (2, 'failed')
    # one failure for the run, on the host that wrote the report; its message lists every cluster that did not pass
    failed = [event['event_data'] for event in events if event['event'] == 'runner_on_failed']
    assert len(failed) == 1 and list(runner.stats['failures']) == [failed[0]['host']]
    assert failed[0]['task'] == 'Fail the run when a cluster did not pass, listing each with its reason'
    reasons = dict(line.split(' ', 1) for line in failed[0]['res']['msg'].split('\n')[1:] if line and not line.startswith(('-', ' ')))
    assert sorted(reasons) == ['core-down', 'gone', 'shard-gap'], failed[0]['res']['msg']
    message = failed[0]['res']['msg']
    assert 'socket_conn_down' in message.split('core-down (failed)')[1].split('gone (error)')[0]
    assert 'unreachable' in reasons['gone']
    assert 'shard_unowned' in message.split('shard-gap (failed)')[1]
    assert not runner.stats['dark']
    data = artifacts(events)
    assert data['wabiz_fleet_verdict'] == 'failed'
    assert data['wabiz_fleet_summary'] == {'passed': 3, 'failed': 2, 'error': 1, 'not_run': 0, 'results': 6, 'clusters': 6,
                                           'checks': ['health_gate'], 'verdict': 'failed'}
    assert data['wabiz_fleet_not_passed'] == ['core-down', 'gone', 'shard-gap']
    assert sorted(os.path.basename(path) for path in data['wabiz_fleet_report_files']) == [
        'wabiz-report.html', 'wabiz-report.json', 'wabiz-report.md', 'wabiz-report.xml']
    with open(str(tmp_path / 'report' / 'wabiz-report.json')) as handle:
        assert json.load(handle)['fingerprint'] == data['wabiz_fleet_report_fingerprint']
    assert_no_secret(runner, events)


def test_health_gate_healthy_fleet(sim, tmp_path):
    runner, events, dummy = run_job(tmp_path, sim, 'health_gate.yml', HEALTHY)
    assert (runner.rc, runner.status) == (0, 'successful')
    assert hosts_with(events, 'runner_on_failed') == []
    assert runner.stats['failures'] == {}
    data = artifacts(events)
    assert data['wabiz_fleet_verdict'] == 'passed'
    assert data['wabiz_fleet_summary']['passed'] == 3
    assert data['wabiz_fleet_not_passed'] == []


def test_pre_upgrade(sim, tmp_path):
    runner, events, dummy = run_job(tmp_path, sim, 'pre_upgrade.yml', ['mc-ok', 'no-standby', 'mixed-version'],
                                    extravars={'pre_upgrade_check_target_version': 'v2.47.0'})
    assert (runner.rc, runner.status) == (2, 'failed')
    assert hosts_with(events, 'runner_on_failed') == ['mixed-version', 'no-standby']
    # every cluster host ran the check, the go cluster too; one of them wrote the report, once
    checked = [event['event_data']['host'] for event in events
               if event['event'] == 'runner_on_ok' and event['event_data']['task'] == 'Run the pre-upgrade check']
    assert sorted(checked) == ['mc-ok', 'mixed-version', 'no-standby']
    written = [event for event in events if event['event'] == 'runner_on_ok'
               and event['event_data']['task'].startswith('Build and write the fleet report files')]
    assert len(written) == 1
    # localhost: the preflight play (is there any cluster to check?)
    assert sorted(runner.stats['ok']) == ['localhost', 'mc-ok', 'mixed-version', 'no-standby']
    assert sorted(runner.stats['failures']) == ['mixed-version', 'no-standby']
    data = artifacts(events)
    assert data['wabiz_fleet_verdict'] == 'failed'
    assert data['wabiz_fleet_summary']['checks'] == ['pre_upgrade']
    assert (data['wabiz_fleet_summary']['passed'], data['wabiz_fleet_summary']['failed']) == (1, 2)
    assert data['wabiz_fleet_not_passed'] == ['mixed-version', 'no-standby']
    assert_no_secret(runner, events)


@pytest.mark.parametrize('playbook', ['health_gate.yml', 'pre_upgrade.yml'])
def test_limit_to_nothing_fails_cleanly(sim, tmp_path, playbook):
    """A --limit that matches no cluster (an empty slice): the run says so and exits non-zero, no traceback."""
    runner, events, dummy = run_job(tmp_path, sim, playbook, HEALTHY, limit='no-such-cluster',
                                    extravars={'pre_upgrade_check_target_version': 'v2.47.0'})
    assert runner.rc != 0
    assert 'Traceback' not in runner.stdout.read()


def verdicts(report):
    """What must not change between a sliced and an unsliced run: each cluster's outcome and finding codes."""
    return dict(((result['host'], result['check']),
                 (result['outcome'], sorted(finding['code'] for finding in result['findings']),
                  sorted(finding['code'] for finding in result['blocking']), (result['error'] or {}).get('code')))
                for result in report['results'])


def read_json(path):
    with open(str(path)) as handle:
        return json.load(handle)


def test_three_slices_merge_into_the_unsliced_report(sim, tmp_path):
    """AWX job slicing: the inventory split into 3 slices (host i in slice i mod 3), one job per slice with --limit,
    each writing its own report; the merge_reports job makes one report equal to the unsliced run's."""
    runner, events, dummy = run_job(tmp_path, sim, 'health_gate.yml', MIXED, name='unsliced',
                                    extravars={'fleet_report_dir': str(tmp_path / 'unsliced')})
    assert runner.rc == 2
    unsliced = read_json(tmp_path / 'unsliced' / 'wabiz-report.json')
    assert unsliced['summary'] == {'passed': 4, 'failed': 4, 'error': 1, 'not_run': 0, 'results': 9, 'clusters': 9,
                                   'checks': ['health_gate'], 'verdict': 'failed'}

    slices = [MIXED[index::3] for index in range(3)]
    for number, hosts in enumerate(slices, 1):
        runner, events, dummy = run_job(tmp_path, sim, 'health_gate.yml', MIXED, limit=','.join(hosts), name='slice%d' % number,
                                        extravars={'fleet_report_dir': str(tmp_path / 'slices'),
                                                   'fleet_report_basename': 'slice-%d' % number})
        report = read_json(tmp_path / 'slices' / ('slice-%d.json' % number))
        assert sorted(result['host'] for result in report['results']) == sorted(hosts)
        assert artifacts(events)['wabiz_fleet_summary']['clusters'] == 3

    runner, events, dummy = run_job(tmp_path, sim, 'merge_reports.yml', [], name='merge',
                                    extravars={'fleet_report_merge_dir': str(tmp_path / 'slices'),
                                               'fleet_report_dir': str(tmp_path / 'merged')})
    assert (runner.rc, runner.status) == (2, 'failed')   # a cluster failed: the merged run fails too
    assert hosts_with(events, 'runner_on_failed') == ['localhost']
    merged = read_json(tmp_path / 'merged' / 'wabiz-report.json')
    assert verdicts(merged) == verdicts(unsliced)
    assert merged['summary'] == unsliced['summary']
    assert merged['fingerprint'] == unsliced['fingerprint']
    data = artifacts(events)
    assert data['wabiz_fleet_verdict'] == 'failed'
    assert data['wabiz_fleet_summary'] == unsliced['summary']
    assert data['wabiz_fleet_not_passed'] == ['core-down', 'disk-low', 'expired-build', 'gone', 'shard-gap']


def test_merge_without_reports_fails_with_a_clear_message(sim, tmp_path):
    (tmp_path / 'empty').mkdir()
    runner, events, dummy = run_job(tmp_path, sim, 'merge_reports.yml', [],
                                    extravars={'fleet_report_merge_dir': str(tmp_path / 'empty')})
    assert runner.rc == 2
    failed = [event['event_data']['res']['msg'] for event in events if event['event'] == 'runner_on_failed']
    assert failed == ['no slice report to merge: give fleet_report_merge_files, or fleet_report_merge_dir holding the '
                      "slices' .json reports (%s)" % (tmp_path / 'empty')]


def test_job_template_recipes_use_the_shipped_project():
    with open(os.path.join(AWX, 'job_templates.yml')) as handle:
        recipes = yaml.safe_load(handle)
    templates = dict((template['name'], template) for template in recipes['job_templates'])
    assert sorted((name, template['playbook']) for name, template in templates.items()) == [
        ('wabiz health gate', 'health_gate.yml'), ('wabiz health gate (sliced)', 'health_gate.yml'),
        ('wabiz merge slice reports', 'merge_reports.yml'), ('wabiz pre-upgrade check', 'pre_upgrade.yml')]
    for template in templates.values():
        assert os.path.isfile(os.path.join(AWX, 'project', template['playbook']))
    assert templates['wabiz health gate (sliced)']['job_slice_count'] == 3
    # the merge reads the directory the slices write to
    assert (templates['wabiz merge slice reports']['extra_vars']['fleet_report_merge_dir']
            == templates['wabiz health gate (sliced)']['extra_vars']['fleet_report_dir'])
    nodes = recipes['workflow_job_templates'][0]['workflow_nodes']
    assert [node['unified_job_template']['name'] for node in nodes] == ['wabiz health gate (sliced)', 'wabiz merge slice reports']


def test_merge_of_a_file_that_is_not_a_report_fails_with_a_clear_message(sim, tmp_path):
    (tmp_path / 'other.json').write_text('{"clusters": ["eu-1"]}')
    runner, events, dummy = run_job(tmp_path, sim, 'merge_reports.yml', [],
                                    extravars={'fleet_report_merge_files': [str(tmp_path / 'other.json')]})
    assert runner.rc == 2
    failed = [event['event_data']['res']['msg'] for event in events if event['event'] == 'runner_on_failed']
    assert len(failed) == 1
    assert ('wabiz.onprem.fleet_report_merge: report 1: not a report made by build_report: report: '
            'report_version is missing') in failed[0]
    assert 'Traceback' not in runner.stdout.read()
    assert not (tmp_path / 'report').exists()
