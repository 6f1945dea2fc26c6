# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/awx.md, "Without AWX": the merge_reports playbook run as written there, with directories relative to the
current directory (as the health_gate playbook's fleet_report_dir is), finds the slices' reports."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess

from ansible_collections.wabiz.onprem.plugins.module_utils._report import build_report
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import gate_verdict

from integration_helpers import BIN, ansible_env

NOW = '2026-03-01T00:00:00Z'


def slice_report(host, passed):
    data = ({'failed': True, 'error': {'code': 'unreachable', 'message': 'refused'}} if not passed else
            {'reachable': True, 'status': 'ok', 'topology': 'single', 'findings': [], 'nodes': [], 'cluster': {}})
    verdict = gate_verdict(data, cluster=host, checked_at=NOW, now=NOW) if not passed else {
        'cluster': host, 'passed': True, 'status': 'ok', 'fail_on': 'critical', 'findings': [], 'blocking': [],
        'error': None, 'topology': 'single', 'checked_at': NOW, 'message': '%s passed the health gate' % host}
    return build_report([{'host': host, 'wabiz_gate': verdict}], generated_at=NOW)


def merge(tmp_path, *args):
    cmd = [os.path.join(BIN, 'ansible-playbook'), 'wabiz.onprem.merge_reports'] + list(args)
    return subprocess.run(cmd, env=ansible_env(), cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)


def test_merge_reads_a_slice_directory_relative_to_the_current_directory(tmp_path):
    (tmp_path / 'slices').mkdir()
    for number, (host, passed) in enumerate((('eu-1', True), ('us-1', False)), 1):
        (tmp_path / 'slices' / ('slice-%d.json' % number)).write_text(json.dumps(slice_report(host, passed)))
    proc = merge(tmp_path, '-e', 'fleet_report_merge_dir=slices', '-e', 'fleet_report_dir=merged')
    assert 'no slice report to merge' not in proc.stdout + proc.stderr, proc.stdout[-3000:]
    assert proc.returncode == 2, proc.stdout[-3000:]   # us-1 did not pass
    # the merged report is a plain dict: no "Type '_CheckedReport' is unsupported in variable storage" warning
    assert 'unsupported in variable storage' not in proc.stdout + proc.stderr, proc.stdout[-3000:]
    merged = json.loads((tmp_path / 'merged' / 'wabiz-report.json').read_text())
    assert sorted((result['host'], result['outcome']) for result in merged['results']) == [('eu-1', 'passed'), ('us-1', 'error')]


def test_merge_reads_slice_files_relative_to_the_current_directory(tmp_path):
    (tmp_path / 'slice-1.json').write_text(json.dumps(slice_report('eu-1', True)))
    proc = merge(tmp_path, '-e', '{"fleet_report_merge_files": ["slice-1.json"]}', '-e', 'fleet_report_dir=merged')
    assert proc.returncode == 0, proc.stdout[-3000:]
    merged = json.loads((tmp_path / 'merged' / 'wabiz-report.json').read_text())
    assert [(result['host'], result['outcome']) for result in merged['results']] == [('eu-1', 'passed')]
