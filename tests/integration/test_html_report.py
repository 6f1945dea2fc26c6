# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML and Prometheus fleet reports written by the wabiz.onprem.health_gate playbook over the simulator,
opened in headless Chromium (Debian's chromium, installed by `hacking/test.sh setup`; never a downloaded browser)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import socket
import subprocess

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from integration_helpers import ADMIN_PASSWORD, BIN, ansible_env, run_playbook
from wabiz_sim.testing import Simulator

from ansible_collections.wabiz.onprem.plugins.module_utils._report import RENDERERS, build_report

CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
HEALTHY = ['mc-ok', 'ha-ok', 'single-ok', 'disk-low', 'expiring']
FAILING = ['core-down', 'shard-gap']
FLEET = {
    'seed': 7,
    'defaults': {'version': 'v2.45.1', 'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}}},
    'clusters': [
        {'name': 'mc-ok', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4},
        {'name': 'ha-ok', 'mode': 'ha', 'masters': 2, 'coreapps': 2},
        {'name': 'single-ok', 'mode': 'single'},
        {'name': 'disk-low', 'mode': 'ha', 'masters': 2, 'coreapps': 2, 'nodes': {'wacore1': {'free_space': {'logs': 3000000000}}}},
        {'name': 'core-down', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4,
         'nodes': {'wacore2': {'socket_conn': 'DN'}}},
        {'name': 'shard-gap', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4, 'nodes': {'wacore2': {'shards': []}}},
        {'name': 'expiring', 'mode': 'single', 'expire_in_days': 3},
    ],
}


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Written(object):
    def __init__(self, out, first, second):
        self.out, self.first, self.second = out, first, second


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    """The health_gate playbook over the inventory plugin, writing every format, twice: core-down is healthy in the
    first run and loses its link before the second."""
    tmp = tmp_path_factory.mktemp('html')
    fleet = tmp / 'sim.yml'
    fleet.write_text(yaml.safe_dump(FLEET))
    with Simulator(str(fleet)) as sim:
        clusters = [{'name': name, 'url': sim.url(name)} for name in HEALTHY + FAILING]
        clusters.append({'name': 'gone', 'url': 'https://127.0.0.1:%d/gone' % closed_port(), 'retries': 0})
        config = tmp / 'fleet.wabiz.yml'
        config.write_text(yaml.safe_dump({'plugin': 'wabiz.onprem.support', 'username': 'admin', 'ca_path': sim.ca_path,
                                          'timeout': 3, 'clusters': clusters}))
        out = tmp / 'reports'
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', str(config), 'wabiz.onprem.health_gate',
               '-e', json.dumps({'fleet_report_dir': str(out), 'fleet_report_formats': ['json', 'html', 'prometheus']})]
        runs = []
        for link in ('UP', 'DN'):
            sim.patch_cluster('core-down', {'nodes': {'wacore2': {'socket_conn': link}}})
            proc = subprocess.run(cmd, env=ansible_env({'WABIZ_PASSWORD': ADMIN_PASSWORD}), cwd=str(tmp), capture_output=True,
                                  text=True, timeout=300, check=False)
            # the failed clusters fail the run, after the report is written
            assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-3000:]
            runs.append(proc.stdout)
    return Written(out, runs[0], runs[1])


@pytest.fixture(scope='module')
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail('%s is missing: run `hacking/test.sh setup` as root (apt-get install chromium)' % CHROMIUM)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, path):
    """The page, and the console errors, page errors and network requests other than the file itself."""
    page = browser.new_page(viewport={'width': 1280, 'height': 900})
    problems = []
    page.on('console', lambda message: problems.append('console %s: %s' % (message.type, message.text))
            if message.type in ('error', 'warning') else None)
    page.on('pageerror', lambda error: problems.append('page error: %s' % error))
    page.on('dialog', lambda dialog: problems.append('dialog: %s' % dialog.message))
    page.on('request', lambda request: problems.append('request: %s' % request.url)
            if not request.url.startswith('file://') else None)
    page.goto('file://%s' % path)
    return page, problems


def shown_clusters(page):
    return page.eval_on_selector_all('tbody.cluster:not(.hidden)', 'bodies => bodies.map(b => b.dataset.cluster)')


def test_changes_since_the_previous_run(written):
    assert 'changes: no previous report to compare with' in written.first
    assert 'core-down health_gate: passed -> failed; new [critical] socket_conn_down (wacore2:' in written.second
    changes = json.loads((written.out / 'wabiz-report.json').read_text())['changes']
    assert [(change['cluster'], change['previous_outcome'], change['outcome'], [f['code'] for f in change['new']], change['cleared'])
            for change in changes['clusters']] == [('core-down', 'passed', 'failed', ['socket_conn_down'], [])]


def test_prometheus_file_of_the_playbook_run(written):
    families = dict((family.name, family) for family in text_string_to_metric_families((written.out / 'wabiz-report.prom').read_text()))
    passed = dict((sample.labels['cluster'], sample.value) for sample in families['wabiz_cluster_passed'].samples)
    assert passed == dict([(name, 1.0) for name in HEALTHY] + [(name, 0.0) for name in FAILING + ['gone']])
    owners = set((sample.labels['cluster'], sample.labels['shard']) for sample in families['wabiz_shard_owner_info'].samples)
    assert set(shard for cluster, shard in owners if cluster == 'mc-ok') == {'-1', '0', '1', '2', '3'}
    assert set(shard for cluster, shard in owners if cluster == 'shard-gap') == {'-1', '0', '2', '3'}
    free = dict(((sample.labels['cluster'], sample.labels['node'], sample.labels['directory']), sample.value)
                for sample in families['wabiz_node_free_space_bytes'].samples)
    assert [value for key, value in free.items() if key[0] == 'disk-low' and key[1].startswith('wacore1') and key[2] == 'logs'] == [3e9]
    days = dict((sample.labels['cluster'], sample.value) for sample in families['wabiz_cluster_build_expires_in_days'].samples)
    assert 2.9 < days['expiring'] < 3.1


def test_html_opens_offline_without_errors_and_filters(written, browser, tmp_path):
    page, problems = open_page(browser, written.out / 'wabiz-report.html')
    assert 'new [critical] socket_conn_down' in page.inner_text('#changes')
    expected = sorted(HEALTHY + FAILING + ['gone'])
    assert sorted(shown_clusters(page)) == expected
    page.click('button.card[data-filter="failed"]')
    assert sorted(shown_clusters(page)) == sorted(FAILING)
    assert page.inner_text('#shown') == '2'
    page.click('button.card[data-filter="error"]')
    assert shown_clusters(page) == ['gone']
    page.click('button.card[data-filter="passed"]')
    assert sorted(shown_clusters(page)) == sorted(HEALTHY)
    page.click('button.card[data-filter="passed"]')  # a second click clears the filter
    assert len(shown_clusters(page)) == len(expected)
    page.select_option('#status', 'warning')
    assert sorted(shown_clusters(page)) == ['disk-low', 'expiring']
    page.select_option('#status', 'critical')
    assert sorted(shown_clusters(page)) == sorted(FAILING)
    page.select_option('#status', '')
    # sort by findings, descending on the second click
    page.click('thead th:nth-child(7)')
    page.click('thead th:nth-child(7)')
    assert shown_clusters(page)[0] in FAILING
    # a row opens on its findings and shard map
    page.click('tbody.cluster[data-cluster="shard-gap"] tr.row')
    detail = page.inner_text('tbody.cluster[data-cluster="shard-gap"] tr.detail')
    assert 'shard_unowned' in detail and 'SHARD MAP' in detail and 'control: master1' in detail
    page.screenshot(path=os.environ.get('WABIZ_SCREENSHOT') or str(tmp_path / 'report.png'), full_page=True)
    assert problems == []


def test_hostile_text_is_shown_as_text(browser, tmp_path):
    hostile = u'<img src=x onerror=alert(1)><script>alert(2)</script>"\'&\udc00'
    verdict = {'cluster': 'eu-1', 'passed': False, 'status': 'critical', 'fail_on': 'critical', 'error': None, 'topology': 'ha',
               'findings': [{'code': 'node_error', 'severity': 'critical', 'node': hostile, 'message': hostile}],
               'blocking': [], 'message': hostile}
    page_file = tmp_path / 'hostile.html'
    page_file.write_text(RENDERERS['html'](build_report([{'host': 'eu-1', 'wabiz_gate': verdict}], title=hostile)), encoding='utf-8')
    page, problems = open_page(browser, page_file)
    assert page.title().startswith('<img src=x onerror=alert(1)>')
    page.click('tbody.cluster tr.row')
    assert '<script>alert(2)</script>' in page.inner_text('tr.detail')
    assert page.eval_on_selector_all('main img, main script', 'nodes => nodes.length') == 0
    assert problems == []


def test_prometheus_file_is_refreshed_even_when_nothing_changed(tmp_path):
    """node_exporter wants fresh timestamps: the .prom file is rewritten on every run, the other files only on a change."""
    out = tmp_path / 'reports'
    verdict = {'cluster': 'eu-1', 'passed': True, 'status': 'ok', 'fail_on': 'critical', 'findings': [], 'blocking': [], 'error': None}
    status = tmp_path / 'status.json'
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'verdict': verdict}, 'tasks': [
        {'name': 'Write', 'register': 'written', 'wabiz.onprem.fleet_report_write': {
            'report': "{{ [{'host': 'eu-1', 'wabiz_gate': verdict}] | wabiz.onprem.fleet_report }}", 'dir': str(out),
            'formats': ['json', 'prometheus']}},
        {'name': 'Save', 'ansible.builtin.copy': {'content': '{{ written | to_json }}', 'dest': str(status), 'mode': '0600'}}]}]
    assert run_playbook(tmp_path / 'play.yml', play).rc == 0
    first_json = (out / 'wabiz-report.json').read_text()
    (out / 'wabiz-report.prom').write_text('stale\n')
    assert run_playbook(tmp_path / 'play.yml', play).rc == 0
    assert json.loads(status.read_text())['changed'] is False
    assert (out / 'wabiz-report.json').read_text() == first_json
    assert 'wabiz_cluster_passed{cluster="eu-1",check="health_gate"} 1' in (out / 'wabiz-report.prom').read_text()
