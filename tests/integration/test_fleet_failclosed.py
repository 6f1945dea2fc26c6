# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet fails closed (issue 8): real ansible-playbook runs of wabiz.onprem.health_gate and
wabiz.onprem.pre_upgrade over the inventory plugin, against the HTTPS simulator plus a small hostile
HTTPS server for the answers the simulator cannot send (nesting deep enough to break the redaction, an
API error that echoes the credentials).

Every run: rc non-zero when a cluster failed or could not be gated, the healthy clusters pass, the
report lists every cluster with its reason, no cluster name is re-read as a host pattern and no secret
reaches the output or the report files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integration_helpers import BIN, REPO
from wabiz_sim.certs import make_certs
from wabiz_sim.testing import Simulator

ADMIN_PASSWORD = 'Adm1n!pass'
BRACES_PASSWORD = 'Br{{ce}}s{%x%}{#c#}!'
VAULT_PASSWORD = 'failclosed-vault-pass'
HOSTILE_TOKEN = 'H0stile-T0ken-4242'
FLEET = {
    'seed': 8,
    'defaults': {
        'version': 'v2.45.1',
        'expire_timestamp': '2099-01-01T00:00:00',
        'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}},
    },
    'clusters': [
        {'name': 'mc-ok', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4},
        {'name': 'ha-ok', 'mode': 'ha', 'masters': 2, 'coreapps': 2},
        {'name': 'eu-prod', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4, 'nodes': {'wacore2': {'socket_conn': 'DN'}}},
        {'name': 'braces', 'mode': 'ha', 'masters': 2, 'coreapps': 2,
         'users': {'admin': {'password': BRACES_PASSWORD, 'must_change': False}}},
    ],
}
SECRETS = (ADMIN_PASSWORD, BRACES_PASSWORD, HOSTILE_TOKEN, base64.b64encode(('admin:%s' % ADMIN_PASSWORD).encode()).decode())


def deep_body(depth=1200):
    """Parses with the C JSON decoder but is deeper than Python's recursion limit (the redaction, the checks)."""
    node = '{"role": "primary_master", "shards": [[-1, -1]], "socket_conn": "UP", "env": %s%s}' % ('[' * depth, ']' * depth)
    return '{"support": {"master1:m1": %s}, "meta": {"version": "v2.45.1"}}' % node


class HostileHandler(BaseHTTPRequestHandler):
    """/deep/...: a body nested deeper than the recursion limit; /echo/...: /v1/support answers an API error that
    echoes the Authorization header and the password of the login."""

    protocol_version = 'HTTP/1.1'
    passwords = {}

    def log_message(self, *args):  # keep the test output clean
        return

    def _send(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        if self.path.endswith('/v1/users/login'):
            basic = (self.headers.get('Authorization') or '').split(' ', 1)[-1]
            self.passwords[HOSTILE_TOKEN] = base64.b64decode(basic).decode().split(':', 1)[-1]
            return self._send(200, json.dumps({'users': [{'token': HOSTILE_TOKEN, 'expires_after': '2099-01-01 00:00:00+00:00'}]}))
        return self._send(200, '{}')

    def do_GET(self):  # noqa: N802
        if self.path.startswith('/deep/'):
            if self.path.endswith('/v1/support'):
                return self._send(200, deep_body())
            return self._send(200, '{"account": {"shards": 1}}')
        authorization = self.headers.get('Authorization') or ''
        details = 'rejected %s for password %s' % (authorization, self.passwords.get(HOSTILE_TOKEN, '?'))
        return self._send(400, json.dumps({'errors': [{'code': 1000, 'title': 'Bad request', 'details': details}]}))


@pytest.fixture(scope='module')
def sim():
    with Simulator(FLEET) as simulator:
        yield simulator


@pytest.fixture(scope='module')
def hostile():
    cert_dir = tempfile.mkdtemp(prefix='wabiz-hostile-')
    bundle = make_certs(cert_dir)
    server = ThreadingHTTPServer(('127.0.0.1', 0), HostileHandler)
    server.socket = bundle.server_context().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'https://127.0.0.1:%d' % server.server_address[1], bundle.ca_path
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(cert_dir, ignore_errors=True)


def ansible_env(tmp_path, extra=None):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('WABIZ_', 'ANSIBLE_')))
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.build', 'collections'),
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'), 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'ANSIBLE_DEPRECATION_WARNINGS': 'false',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'WABIZ_PASSWORD': ADMIN_PASSWORD,
    })
    env.update(extra or {})
    return env


def playbook(tmp_path, name, inventory, *args, **kwargs):
    """ansible-playbook wabiz.onprem.<name> (by FQCN, as a user runs it) in tmp_path."""
    cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', str(inventory), 'wabiz.onprem.%s' % name,
           '-e', 'fleet_report_dir=%s' % (tmp_path / 'report')] + list(args)
    return subprocess.run(cmd, env=ansible_env(tmp_path, kwargs.get('env')), cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=300, check=False)


def vault_encrypt(text):
    from ansible.parsing.vault import VaultLib, VaultSecret
    return VaultLib([('default', VaultSecret(VAULT_PASSWORD.encode()))]).encrypt(text).decode()


def write_fleet(tmp_path, sim, hostile_url, hostile_ca, extra_clusters=''):
    text = (
        'plugin: wabiz.onprem.support\n'
        'username: admin\n'
        'timeout: 5\n'
        'retries: 0\n'
        'workers: 4\n'
        'clusters:\n'
        '  - {name: mc-ok, url: "%(sim)s/mc-ok", ca_path: "%(ca)s", policy: {expected_shards: 4}}\n'
        '  - {name: ha-ok, url: "%(sim)s/ha-ok", ca_path: "%(ca)s"}\n'
        '  - {name: "eu,prod", url: "%(sim)s/eu-prod", ca_path: "%(ca)s"}\n'
        '  - {name: "hostile deep", url: "%(hostile)s/deep", ca_path: "%(hca)s"}\n'
        '  - {name: "echo[1:2]!&*", url: "%(hostile)s/echo", ca_path: "%(hca)s"}\n'
        '%(extra)s'
    ) % {'sim': sim.base_url, 'ca': sim.ca_path, 'hostile': hostile_url, 'hca': hostile_ca, 'extra': extra_clusters}
    path = tmp_path / 'fleet.wabiz.yml'
    path.write_text(text)
    return path


def report_of(tmp_path):
    with open(str(tmp_path / 'report' / 'wabiz-report.json')) as handle:
        report = json.load(handle)
    return dict(((result['host'], result['check']), result) for result in report['results']), report


def assert_no_secret(tmp_path, proc):
    texts = [proc.stdout, proc.stderr]
    for name in os.listdir(str(tmp_path / 'report')):
        with open(str(tmp_path / 'report' / name)) as handle:
            texts.append(handle.read())
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def recap(proc):
    """{host: {ok: n, failed: n, ...}} from the PLAY RECAP."""
    result = {}
    for line in proc.stdout.split('PLAY RECAP')[-1].splitlines()[1:]:
        match = re.match(r'^(.+?)\s+:\s+(.*)$', line)
        if match:
            result[match.group(1).strip()] = dict((key, int(value)) for key, value in re.findall(r'(\w+)=(\d+)', match.group(2)))
    return result


def not_passed(proc):
    """{host: outcome} of the clusters listed by the one failure of the run (the last play's assert: one line per
    cluster, then its findings), which is the only failed task of the run."""
    hosts = recap(proc)
    assert sum(counts['failed'] for counts in hosts.values()) == 1, proc.stdout[-3000:]
    text = proc.stdout.split('did not pass the health gate:', 1)[1]
    text = re.split(r'\nfatal: |\nPLAY RECAP', text, 1)[0]
    return dict(re.findall(r'^(.+?) \((failed|error|not_run)\): ', text, re.M))


def test_health_gate_over_a_fleet_with_hostile_and_failing_clusters(sim, hostile, tmp_path):
    """The Done-when of issue 8: rc non-zero, the healthy clusters pass, the report lists every cluster with its reason."""
    fleet = write_fleet(tmp_path, sim, *hostile)
    proc = playbook(tmp_path, 'health_gate', fleet)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-4000:]
    assert 'Could not match supplied host pattern' not in output
    results, report = report_of(tmp_path)
    assert sorted(host for host, check in results) == ['echo_1_2____', 'eu_prod', 'ha-ok', 'hostile_deep', 'mc-ok']
    outcome = dict((host, result['outcome']) for (host, check), result in results.items())
    assert outcome == {'mc-ok': 'passed', 'ha-ok': 'passed', 'eu_prod': 'failed', 'hostile_deep': 'error', 'echo_1_2____': 'error'}
    assert results[('eu_prod', 'health_gate')]['cluster'] == 'eu,prod'
    assert 'socket_conn_down' in results[('eu_prod', 'health_gate')]['message']
    assert results[('hostile_deep', 'health_gate')]['error']['code'] == 'bad_response'
    assert results[('echo_1_2____', 'health_gate')]['error']['code'] == 'api_error'
    for result in results.values():
        assert result['message'], result
    assert report['summary']['verdict'] == 'failed'
    # one failure for the run, on the host that wrote the report, listing every cluster that did not pass with its reason
    assert not_passed(proc) == {'eu_prod': 'failed', 'hostile_deep': 'error', 'echo_1_2____': 'error'}
    assert 'eu_prod (failed): ' in proc.stdout and 'socket_conn_down' in proc.stdout.split('did not pass the health gate:')[-1]
    # the README's sample of that run: the recap line of the host that wrote the report (the first cluster)
    with open(os.path.join(REPO, 'README.md')) as handle:
        sample = re.search(r'^  ha-healthy\s+: (ok=.*)$', handle.read(), re.M).group(1)
    assert recap(proc)['mc-ok'] == dict((key, int(value)) for key, value in re.findall(r'(\w+)=(\d+)', sample))
    assert_no_secret(tmp_path, proc)


def test_pre_upgrade_over_the_same_fleet(sim, hostile, tmp_path):
    fleet = write_fleet(tmp_path, sim, *hostile)
    proc = playbook(tmp_path, 'pre_upgrade', fleet, '-e', 'pre_upgrade_check_target_version=v2.47.0')
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-4000:]
    results, dummy = report_of(tmp_path)
    go = dict((host, result['outcome']) for (host, check), result in results.items() if check == 'pre_upgrade')
    assert go == {'mc-ok': 'passed', 'ha-ok': 'passed', 'eu_prod': 'failed', 'hostile_deep': 'error', 'echo_1_2____': 'error'}
    for result in results.values():
        assert result['message'], result
    hosts = recap(proc)
    assert hosts['eu_prod']['failed'] == 1 and hosts['hostile_deep']['failed'] == 1
    assert hosts['mc-ok']['failed'] == 0 and hosts['ha-ok']['failed'] == 0
    assert_no_secret(tmp_path, proc)


def test_over_the_api_an_echoed_credential_never_reaches_the_output_nor_the_report(sim, hostile, tmp_path):
    """health_gate_refresh: the role calls the API itself; the hostile cluster echoes the token and the password."""
    fleet = write_fleet(tmp_path, sim, *hostile)
    proc = playbook(tmp_path, 'health_gate', fleet, '-e', 'health_gate_refresh=true', '-e', 'health_gate_retries=0',
                    '-e', json.dumps({'wabiz_password': ADMIN_PASSWORD}), '-v')
    assert proc.returncode == 2, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('echo_1_2____', 'health_gate')]['error']['code'] == 'api_error'
    assert results[('mc-ok', 'health_gate')]['outcome'] == 'passed'
    assert_no_secret(tmp_path, proc)


@pytest.mark.parametrize('name', ['health_gate', 'pre_upgrade'])
def test_a_failed_inventory_source_fails_the_run(tmp_path, name):
    bad = tmp_path / 'fleet.wabiz.yml'
    bad.write_text('plugin: wabiz.onprem.support\nclusters: []\n')
    proc = playbook(tmp_path, name, bad, '-e', 'pre_upgrade_check_target_version=v2.47.0')
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert "no cluster to check: the host pattern 'wabiz_clusters' matches no inventory host" in proc.stdout, proc.stdout[-3000:]


@pytest.mark.parametrize('name', ['health_gate', 'pre_upgrade'])
def test_a_pattern_that_matches_no_cluster_fails_the_run(sim, hostile, tmp_path, name):
    fleet = write_fleet(tmp_path, sim, *hostile)
    proc = playbook(tmp_path, name, fleet, '-e', 'wabiz_hosts=no-such-cluster', '-e', 'pre_upgrade_check_target_version=v2.47.0')
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert "no cluster to check: the host pattern 'no-such-cluster' matches no inventory host" in proc.stdout


def test_a_limit_gates_only_the_limited_clusters_and_fails_when_it_leaves_none(sim, hostile, tmp_path):
    fleet = write_fleet(tmp_path, sim, *hostile)
    proc = playbook(tmp_path, 'health_gate', fleet, '--limit', 'mc-ok,ha-ok')
    assert proc.returncode == 0, proc.stdout[-4000:]
    results, dummy = report_of(tmp_path)
    assert dict((host, result['outcome']) for (host, check), result in results.items()) == {'mc-ok': 'passed', 'ha-ok': 'passed'}
    proc = playbook(tmp_path, 'health_gate', fleet, '--limit', 'mc-ok', '-e', 'wabiz_hosts=ha-ok')
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert "no cluster to check: the host pattern 'ha-ok' matches no inventory host within --limit mc-ok" in proc.stdout


def test_a_report_on_some_clusters_never_lets_the_others_pass_unseen(sim, hostile, tmp_path):
    """fleet_report_hosts (a role variable the playbook takes) narrowed the report to passing clusters: the run said
    they passed and exited 0 while three clusters failed."""
    fleet = write_fleet(tmp_path, sim, *hostile)
    proc = playbook(tmp_path, 'health_gate', fleet, '-e', json.dumps({'fleet_report_hosts': ['mc-ok', 'ha-ok']}))
    assert proc.returncode == 2, proc.stdout[-4000:]
    # the run's verdict covers every cluster of the play, with its own outcome, whatever the report was narrowed to
    listed = not_passed(proc)
    assert sorted(listed) == ['echo_1_2____', 'eu_prod', 'hostile_deep'] and 'passed' not in listed.values(), listed


def test_static_inventory_names_are_never_read_as_patterns(sim, tmp_path):
    """Without the inventory plugin the names come as they are: the playbook gates them over the API and never
    re-reads one as a host pattern."""
    inventory = tmp_path / 'clusters.yml'
    hosts = {
        'eu,prod': {'wabiz_url': sim.url('eu-prod')},
        'a b!&*': {'wabiz_url': sim.url('mc-ok')},
        'ha~ok': {'wabiz_url': sim.url('ha-ok')},
    }
    inventory.write_text(json.dumps({'wabiz_clusters': {
        'hosts': hosts,
        'vars': {'ansible_connection': 'local', 'wabiz_username': 'admin', 'wabiz_ca_path': sim.ca_path,
                 'health_gate_retries': 0, 'health_gate_timeout': 5}}}))
    proc = playbook(tmp_path, 'health_gate', inventory, '-e', json.dumps({'wabiz_password': ADMIN_PASSWORD}))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-4000:]
    assert 'Could not match supplied host pattern' not in output
    results, dummy = report_of(tmp_path)
    outcome = dict((host, result['outcome']) for (host, check), result in results.items())
    assert outcome == {'eu,prod': 'failed', 'a b!&*': 'passed', 'ha~ok': 'passed'}
    assert not_passed(proc) == {'eu,prod': 'failed'}
    assert_no_secret(tmp_path, proc)


@pytest.mark.parametrize('name, check, reason', [
    ('health_gate', 'health_gate', 'missing required arguments: url'),
    ('pre_upgrade', 'pre_upgrade', 'missing required arguments: url'),
])
def test_a_cluster_that_could_not_be_checked_keeps_its_reason(sim, tmp_path, name, check, reason):
    """A cluster host without a URL (no wabiz_url, no WABIZ_URL) fails in support_info: the report keeps its reason."""
    inventory = tmp_path / 'clusters.yml'
    inventory.write_text(json.dumps({'wabiz_clusters': {'hosts': {'no-url': {}, 'mc-ok': {'wabiz_url': sim.url('mc-ok')}},
                                                        'vars': {'ansible_connection': 'local', 'wabiz_username': 'admin',
                                                                 'wabiz_ca_path': sim.ca_path}}}))
    proc = playbook(tmp_path, name, inventory, '-e', json.dumps({'wabiz_password': ADMIN_PASSWORD,
                                                                 'pre_upgrade_check_target_version': 'v2.47.0'}))
    assert proc.returncode == 2, proc.stdout[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('mc-ok', check)]['outcome'] == 'passed'
    not_checked = results[('no-url', check)]
    assert not_checked['outcome'] == 'error'
    assert not_checked['error']['code'] == 'module_failed'
    assert reason in not_checked['message'], not_checked
    if name == 'health_gate':
        assert not_passed(proc) == {'no-url': 'error'}
    else:
        assert recap(proc)['no-url']['failed'] == 1


def test_secrets_with_template_characters_are_used_verbatim(sim, hostile, tmp_path):
    """A password holding {{, {% and {# works from the environment (inventory), vault (inventory) and a lookup (role)."""
    vaulted = '\n'.join('      ' + line for line in vault_encrypt(BRACES_PASSWORD).splitlines())
    (tmp_path / 'vault-pass').write_text(VAULT_PASSWORD + '\n')
    config = tmp_path / 'fleet.wabiz.yml'
    config.write_text(
        'plugin: wabiz.onprem.support\n'
        'username: admin\n'
        'ca_path: "%(ca)s"\n'
        'retries: 0\n'
        'clusters:\n'
        '  - {name: from-env, url: "%(sim)s/braces"}\n'
        '  - name: from-vault\n'
        '    url: "%(sim)s/braces"\n'
        '    password: !vault |\n%(vaulted)s\n'
        '  - {name: from-lookup, url: "%(sim)s/braces", password: "{{ lookup(\'ansible.builtin.env\', \'BRACES_PW\') }}"}\n'
        % {'sim': sim.base_url, 'ca': sim.ca_path, 'vaulted': vaulted})
    env = {'WABIZ_PASSWORD': BRACES_PASSWORD, 'BRACES_PW': BRACES_PASSWORD}
    proc = playbook(tmp_path, 'health_gate', config, '--vault-password-file', str(tmp_path / 'vault-pass'), env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    results, dummy = report_of(tmp_path)
    assert dict((host, result['outcome']) for (host, check), result in results.items()) == {
        'from-env': 'passed', 'from-vault': 'passed', 'from-lookup': 'passed'}
    # through the role, over the API: the password comes from a lookup in a role variable
    proc = playbook(tmp_path, 'health_gate', config, '--vault-password-file', str(tmp_path / 'vault-pass'),
                    '-e', 'health_gate_refresh=true', '-e', 'health_gate_password={{ lookup("ansible.builtin.env", "BRACES_PW") }}',
                    env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    results, dummy = report_of(tmp_path)
    assert dict((host, result['outcome']) for (host, check), result in results.items()) == {
        'from-env': 'passed', 'from-vault': 'passed', 'from-lookup': 'passed'}
    assert BRACES_PASSWORD not in proc.stdout + proc.stderr
    # through the role, the password vault-encrypted in a variables file
    secret_vars = tmp_path / 'secret.yml'
    secret_vars.write_text('health_gate_password: !vault |\n%s\n' % '\n'.join(
        '  ' + line for line in vault_encrypt(BRACES_PASSWORD).splitlines()))
    proc = playbook(tmp_path, 'health_gate', config, '--vault-password-file', str(tmp_path / 'vault-pass'),
                    '-e', 'health_gate_refresh=true', '-e', '@%s' % secret_vars, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    results, dummy = report_of(tmp_path)
    assert dict((host, (result['outcome'], result['url'])) for (host, check), result in results.items()) == {
        'from-env': ('passed', sim.url('braces')), 'from-vault': ('passed', sim.url('braces')), 'from-lookup': ('passed', sim.url('braces'))}


def test_inventory_cache_files_are_private(sim, hostile, tmp_path):
    fleet = write_fleet(tmp_path, sim, *hostile)
    cache_dir = tmp_path / 'cache'
    with open(str(fleet), 'a') as handle:
        handle.write('cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n' % cache_dir)
    proc = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', str(fleet), '--graph'], env=ansible_env(tmp_path),
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    files = os.listdir(str(cache_dir))
    assert len(files) == 1 and files[0].startswith('ansible_inventory_s1_wabiz.onprem.support_'), files
    for name in files:
        path = os.path.join(str(cache_dir), name)
        assert oct(os.stat(path).st_mode & 0o777) == '0o600'
        with open(path) as handle:
            text = handle.read()
        for secret in SECRETS:
            assert secret not in text


def test_the_readme_wait_command_with_extra_vars_as_text(sim, hostile, tmp_path):
    """README: `-e wabiz_hosts=eu-1 -e health_gate_refresh=true -e health_gate_wait_timeout=300`: -e values are
    text; the wait gate must read them as numbers, not fail the cluster with a filter type error."""
    fleet = write_fleet(tmp_path, sim, *hostile)
    proc = playbook(tmp_path, 'health_gate', fleet, '-e', 'wabiz_hosts=ha-ok', '-e', 'health_gate_refresh=true',
                    '-e', 'health_gate_wait_timeout=4', '-e', 'health_gate_wait_delay=1')
    assert proc.returncode == 0, proc.stdout[-4000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-ok', 'health_gate')]['outcome'] == 'passed'
    assert 'ha-ok passed the health gate' in proc.stdout


@pytest.mark.parametrize('extra', [[], ['-e', 'health_gate_refresh=true']], ids=['stored', 'refresh'])
def test_the_inventory_policy_is_the_policy_the_gate_applies(sim, tmp_path, extra):
    """README's fleet file: `policy: {free_space_warning: 20GiB}` at the top and `policy: {expected_shards: 8}` on one
    cluster. The gate applies them, from the stored data and over the API alike (defaults < inventory < cluster)."""
    fleet = tmp_path / 'fleet.wabiz.yml'
    fleet.write_text(
        'plugin: wabiz.onprem.support\n'
        'username: admin\n'
        'ca_path: "%(ca)s"\n'
        'policy:\n'
        '  free_space_warning: 20GiB\n'
        'clusters:\n'
        '  - {name: mc-ok, url: "%(sim)s/mc-ok", policy: {expected_shards: 8}}\n'
        '  - {name: ha-ok, url: "%(sim)s/ha-ok"}\n' % {'sim': sim.base_url, 'ca': sim.ca_path})
    proc = playbook(tmp_path, 'health_gate', fleet, *extra)
    assert proc.returncode != 0, proc.stdout[-4000:]
    results, dummy = report_of(tmp_path)
    mc_ok, ha_ok = results[('mc-ok', 'health_gate')], results[('ha-ok', 'health_gate')]
    assert mc_ok['outcome'] == 'failed'
    assert 'shard_count_invalid' in set(f['code'] for f in mc_ok['findings'])  # the API says 4, the policy 8
    assert ha_ok['outcome'] == 'passed'
    assert 'free_space_low' in set(f['code'] for f in ha_ok['findings'])


def test_the_gather_playbook_applies_the_inventory_policy_too(sim, tmp_path):
    """wabiz.onprem.gather records the same verdicts as the health gate: it read the clusters with the role's policy
    only, so the inventory's (top level and per cluster) was lost and mc-ok passed where the health gate fails it."""
    fleet = tmp_path / 'fleet.wabiz.yml'
    fleet.write_text(
        'plugin: wabiz.onprem.support\n'
        'username: admin\n'
        'ca_path: "%(ca)s"\n'
        'policy:\n'
        '  free_space_warning: 20GiB\n'
        'clusters:\n'
        '  - {name: mc-ok, url: "%(sim)s/mc-ok", policy: {expected_shards: 8}}\n'
        '  - {name: ha-ok, url: "%(sim)s/ha-ok"}\n' % {'sim': sim.base_url, 'ca': sim.ca_path})
    proc = playbook(tmp_path, 'gather', fleet)
    assert proc.returncode == 0, proc.stdout[-4000:]   # gather records verdicts, it fails nobody
    results, dummy = report_of(tmp_path)
    mc_ok, ha_ok = results[('mc-ok', 'health_gate')], results[('ha-ok', 'health_gate')]
    assert mc_ok['outcome'] == 'failed'
    assert 'shard_count_invalid' in set(f['code'] for f in mc_ok['findings'])
    assert ha_ok['outcome'] == 'passed'
    assert 'free_space_low' in set(f['code'] for f in ha_ok['findings'])


def test_cached_inventory_data_older_than_max_age_is_read_again(sim, tmp_path):
    """A cached inventory can be older than the cluster's last change: past health_gate_max_age the gate asks the API."""
    fleet = tmp_path / 'cached.wabiz.yml'
    fleet.write_text(
        'plugin: wabiz.onprem.support\nusername: admin\nca_path: "%s"\n'
        'cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: "%s"\ncache_timeout: 0\n'
        'clusters:\n  - {name: cached-ha, url: "%s"}\n' % (sim.ca_path, tmp_path / 'cache', sim.url('ha-ok')))
    proc = playbook(tmp_path, 'health_gate', fleet)
    assert proc.returncode == 0, proc.stdout[-3000:]
    sim.patch_cluster('ha-ok', {'nodes': {'wacore1': {'socket_conn': 'DN'}, 'wacore2': {'socket_conn': 'DN'}}})
    try:
        stale = playbook(tmp_path, 'health_gate', fleet, '-e', 'health_gate_max_age=0')
        assert stale.returncode != 0, stale.stdout[-3000:]
        results, dummy = report_of(tmp_path)
        assert results[('cached-ha', 'health_gate')]['outcome'] == 'failed'
        assert 'socket_conn_down' in set(f['code'] for f in results[('cached-ha', 'health_gate')]['findings'])
    finally:
        sim.patch_cluster('ha-ok', {'nodes': {'wacore1': {'socket_conn': 'UP'}, 'wacore2': {'socket_conn': 'UP'}}})


def test_a_fleet_with_stored_and_api_clusters_gates_each_once(sim, tmp_path):
    """Two inventory sources: the plugin's clusters carry stored data (gated in the fleet pass), a static cluster host
    has none (gated over the API, the others leave that play); one report, one verdict each, the right source."""
    fleet = tmp_path / 'fleet.wabiz.yml'
    fleet.write_text('plugin: wabiz.onprem.support\nusername: admin\nca_path: "%s"\nretries: 0\nclusters:\n'
                     '  - {name: mc-ok, url: "%s"}\n' % (sim.ca_path, sim.url('mc-ok')))
    static = tmp_path / 'static.yml'
    static.write_text(json.dumps({'wabiz_clusters': {'hosts': {'static-ha': {'wabiz_url': sim.url('ha-ok')}},
                                                     'vars': {'ansible_connection': 'local', 'wabiz_username': 'admin',
                                                              'wabiz_ca_path': sim.ca_path, 'health_gate_retries': 0}}}))
    proc = playbook(tmp_path, 'health_gate', fleet, '-i', str(static))
    assert proc.returncode == 0, proc.stdout[-4000:]
    results, report = report_of(tmp_path)
    assert dict((host, result['outcome']) for (host, check), result in results.items()) == {'mc-ok': 'passed', 'static-ha': 'passed'}
    assert '1 cluster(s) gated from stored data: 1 passed, 0 did not pass; 1 to gate over the API.' in proc.stdout
    # the API play ran the role on the static host only
    included = proc.stdout.split('TASK [Run the health gate]', 1)[1].split('TASK [', 1)[0]
    assert 'static-ha' in included and 'mc-ok' not in included, included


def test_the_final_failure_lists_the_first_50_clusters_and_counts_the_rest(tmp_path):
    """53 clusters whose stored data records a failed read: the one failure says whose verdict it is, lists 50 of
    them and counts the other 3 (all 53 are in the report)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    stored = {'failed': True, 'reachable': False, 'fetched_at': now,
              'error': {'code': 'unreachable', 'message': 'cannot connect'}}
    hosts = dict(('c%02d' % index, {'wabiz_support': stored}) for index in range(53))
    inventory = tmp_path / 'clusters.yml'
    inventory.write_text(json.dumps({'wabiz_clusters': {'hosts': hosts, 'vars': {'ansible_connection': 'local'}}}))
    proc = playbook(tmp_path, 'health_gate', inventory)
    assert proc.returncode == 2, (proc.stdout + proc.stderr)[-4000:]
    assert "The fleet's verdict (reported once, on c00, the host that wrote the report): 53 of 53 cluster(s)" in proc.stdout
    listed = not_passed(proc)
    assert sorted(listed) == ['c%02d' % index for index in range(50)] and set(listed.values()) == {'error'}
    assert '\n... and 3 more (the fleet report lists every cluster)' in proc.stdout
    results, dummy = report_of(tmp_path)
    assert len(results) == 53 and set(result['outcome'] for result in results.values()) == {'error'}


def test_the_final_failure_counts_clusters_not_results(tmp_path):
    """Hosts that also carry a pre_upgrade verdict (an earlier play of the run) have two results each in the report:
    the fleet's failure still counts clusters."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    stored = {'failed': True, 'reachable': False, 'fetched_at': now,
              'error': {'code': 'unreachable', 'message': 'cannot connect'}}
    upgrade = {'cluster': 'c', 'go': True, 'status': 'ok', 'target_version': 'v2.47.0', 'findings': [], 'blocking': [],
               'error': None, 'plan': [], 'checked_at': now, 'message': 'GO'}
    hosts = {'c00': {'wabiz_support': stored, 'wabiz_pre_upgrade': dict(upgrade, cluster='c00')},
             'c01': {'wabiz_support': dict(stored, failed=False), 'wabiz_pre_upgrade': dict(upgrade, cluster='c01')}}
    inventory = tmp_path / 'clusters.yml'
    inventory.write_text(json.dumps({'wabiz_clusters': {'hosts': hosts, 'vars': {'ansible_connection': 'local'}}}))
    proc = playbook(tmp_path, 'health_gate', inventory)
    assert proc.returncode == 2, (proc.stdout + proc.stderr)[-4000:]
    assert "the host that wrote the report): 2 of 2 cluster(s) did not pass" in proc.stdout, proc.stdout[-3000:]


def test_a_password_only_in_the_fleet_file_is_not_handed_to_the_roles(sim, tmp_path):
    """README, Credentials: the inventory never hands its password on. With the password only in the fleet file (vault),
    the stored gate passes, a refresh fails every cluster with auth_failed (never a pass), and wabiz_password in the
    inventory's group_vars (vaulted) is what the roles read over the API."""
    vaulted = '\n'.join('  ' + line for line in vault_encrypt(ADMIN_PASSWORD).splitlines())
    (tmp_path / 'vault-pass').write_text(VAULT_PASSWORD + '\n')
    inventory = tmp_path / 'inventory'
    inventory.mkdir()
    fleet = inventory / 'fleet.wabiz.yml'
    fleet.write_text(
        'plugin: wabiz.onprem.support\n'
        'username: admin\n'
        'ca_path: "%(ca)s"\n'
        'retries: 0\n'
        'password: !vault |\n%(vaulted)s\n'
        'clusters:\n'
        '  - {name: mc-ok, url: "%(sim)s/mc-ok"}\n'
        '  - {name: ha-ok, url: "%(sim)s/ha-ok"}\n' % {'sim': sim.base_url, 'ca': sim.ca_path, 'vaulted': vaulted})
    vault = ('--vault-password-file', str(tmp_path / 'vault-pass'))
    env = {'WABIZ_PASSWORD': ''}
    proc = playbook(tmp_path, 'health_gate', fleet, *vault, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:]
    proc = playbook(tmp_path, 'health_gate', fleet, *vault, '-e', 'health_gate_refresh=true', env=env)
    assert proc.returncode == 2, proc.stdout[-4000:]
    results, dummy = report_of(tmp_path)
    assert dict((host, (result['outcome'], result['error']['code'])) for (host, check), result in results.items()) == {
        'mc-ok': ('error', 'auth_failed'), 'ha-ok': ('error', 'auth_failed')}
    (inventory / 'group_vars').mkdir()
    (inventory / 'group_vars' / 'all.yml').write_text('wabiz_password: !vault |\n%s\n' % vaulted)
    proc = playbook(tmp_path, 'health_gate', fleet, *vault, '-e', 'health_gate_refresh=true', env=env)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert_no_secret(tmp_path, proc)


@pytest.mark.parametrize('version', [2.47, 3, None])
def test_a_target_version_that_is_not_a_text_is_one_clear_message(sim, tmp_path, version):
    """`pre_upgrade_check_target_version: 2.47` in a vars file (or JSON -e) is a YAML number: the run failed with
    "The filter plugin 'ansible.builtin.length' failed: object of type '_AnsibleTaggedFloat' has no len()"."""
    fleet = tmp_path / 'fleet.wabiz.yml'
    fleet.write_text('plugin: wabiz.onprem.support\nusername: admin\nca_path: "%s"\nclusters:\n'
                     '  - {name: ha-ok, url: "%s/ha-ok"}\n' % (sim.ca_path, sim.base_url))
    proc = playbook(tmp_path, 'pre_upgrade', fleet, '-e', json.dumps({'pre_upgrade_check_target_version': version}))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-3000:]
    assert 'has no len()' not in output and 'Traceback' not in output, output[-3000:]
    assert 'give pre_upgrade_check_target_version' in output, output[-3000:]
    results, dummy = report_of(tmp_path)
    assert results[('ha-ok', 'pre_upgrade')]['outcome'] == 'error'
