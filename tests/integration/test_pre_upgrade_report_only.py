# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""README: "a run exits non-zero whenever a cluster failed or could not be checked". The pre_upgrade playbook with
pre_upgrade_check_fail_host=false (the role's report-only switch) still fails the run on a no-go or unreadable
cluster, as the health_gate playbook does with health_gate_fail_host=false."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess

import pytest

from wabiz_sim.testing import Simulator

from integration_helpers import ADMIN_PASSWORD, BIN, FLEET, ansible_env, closed_port


@pytest.fixture(scope='module')
def sim():
    with Simulator(FLEET) as simulator:
        yield simulator


@pytest.mark.parametrize('playbook, extra', [
    ('pre_upgrade', ['-e', 'pre_upgrade_check_target_version=v2.47.0', '-e', 'pre_upgrade_check_fail_host=false']),
    ('health_gate', ['-e', 'health_gate_fail_host=false']),
])
@pytest.mark.parametrize('bad', ['core-down', 'offline'])
def test_report_only_switch_does_not_make_the_run_pass(sim, tmp_path, playbook, extra, bad):
    clusters = [('mc-ok', sim.url('mc-ok')), ('core-down', sim.url('core-down'))]
    if bad == 'offline':
        clusters = [clusters[0], ('offline', 'https://127.0.0.1:%d/offline' % closed_port())]
    (tmp_path / 'fleet.wabiz.yml').write_text(
        'plugin: wabiz.onprem.support\nusername: admin\nca_path: %s\ntimeout: 5\nretries: 0\nclusters:\n%s' % (
            sim.ca_path, ''.join('  - {name: %s, url: "%s"}\n' % cluster for cluster in clusters)))
    cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', 'fleet.wabiz.yml', 'wabiz.onprem.%s' % playbook,
           '-e', 'fleet_report_dir=report'] + extra
    proc = subprocess.run(cmd, env=ansible_env({'WABIZ_PASSWORD': ADMIN_PASSWORD, 'PWD': str(tmp_path)}), cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert (tmp_path / 'report' / 'wabiz-report.json').exists()
    assert 'Traceback' not in proc.stdout + proc.stderr
