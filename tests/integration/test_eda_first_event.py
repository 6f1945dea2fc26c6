# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sample rulebook on a cluster that is already critical at the first poll says so, not 'was None'."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import time

import pytest
import yaml

from wabiz_sim.testing import Simulator

from integration_helpers import ADMIN_PASSWORD, BIN, FLEET, ansible_env, closed_port


@pytest.fixture(scope='module')
def sim():
    with Simulator(FLEET) as simulator:
        yield simulator


@pytest.mark.parametrize('cluster, expected', [
    ('core-down', 'wabiz.onprem: core-down is critical (socket_conn_down), at the first poll'),
    ('offline', 'wabiz.onprem: offline is error (unreachable), at the first poll'),
])
def test_a_cluster_critical_at_the_first_poll(sim, tmp_path, cluster, expected):
    url = sim.url(cluster) if cluster != 'offline' else 'https://127.0.0.1:%d/offline' % closed_port()
    clusters = [{'name': cluster, 'url': url}]
    (tmp_path / 'vars.yml').write_text(yaml.safe_dump({
        'wabiz_watch_clusters': clusters, 'wabiz_watch_username': 'admin', 'wabiz_watch_interval': 30,
        'wabiz_watch_report_dir': str(tmp_path / 'reports')}))
    (tmp_path / 'fleet.wabiz.yml').write_text(yaml.safe_dump({
        'plugin': 'wabiz.onprem.support', 'username': 'admin', 'timeout': 5, 'retries': 0, 'clusters': clusters}))
    env = ansible_env({'WABIZ_PASSWORD': ADMIN_PASSWORD, 'WABIZ_CA_PATH': sim.ca_path, 'PATH': BIN + os.pathsep + os.environ['PATH'],
                       'ANSIBLE_HOME': str(tmp_path / 'ansible-home'), 'PWD': str(tmp_path)})
    output = tmp_path / 'rulebook.log'
    with open(str(output), 'w') as stream:
        proc = subprocess.Popen([os.path.join(BIN, 'ansible-rulebook'), '-r', 'wabiz.onprem.watch_fleet', '-i', 'fleet.wabiz.yml',
                                 '--vars', 'vars.yml'], cwd=str(tmp_path), env=env, stdout=stream, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end and 'PLAY RECAP' not in output.read_text(errors='replace') and proc.poll() is None:
            time.sleep(0.25)
        text = output.read_text(errors='replace')
        assert expected in text, text[-4000:]
        assert 'was None' not in text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
