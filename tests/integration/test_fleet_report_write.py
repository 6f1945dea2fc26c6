# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""wabiz.onprem.fleet_report_write in a real ansible-playbook run: files, mode, idempotence, check mode."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat
import xml.etree.ElementTree as ET

from integration_helpers import run_playbook

VERDICT = {'cluster': 'eu-1', 'passed': False, 'status': 'critical', 'fail_on': 'critical', 'topology': 'ha',
           'findings': [{'code': 'socket_conn_down', 'severity': 'critical', 'node': 'wacore1:abc', 'message': 'down <&>'}],
           'blocking': [{'code': 'socket_conn_down', 'severity': 'critical', 'node': 'wacore1:abc', 'message': 'down <&>'}],
           'error': None, 'checked_at': '2026-01-01T00:00:00Z', 'message': 'eu-1 FAILED'}


def play(out, status_var, extra=None):
    args = {'report': "{{ [{'host': 'eu-1', 'wabiz_gate': verdict}] | wabiz.onprem.fleet_report }}", 'dir': str(out), 'mode': '0640'}
    args.update(extra or {})
    return [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'verdict': VERDICT}, 'tasks': [
        {'name': 'Write', 'wabiz.onprem.fleet_report_write': args, 'register': 'written'},
        {'name': 'Save', 'ansible.builtin.copy': {'content': '{{ written | to_json }}', 'dest': str(status_var), 'mode': '0600'}},
    ]}]


def test_writes_three_files_then_is_idempotent(tmp_path):
    out = tmp_path / 'reports' / 'nested'
    status = tmp_path / 'status.json'
    first = run_playbook(tmp_path / 'play.yml', play(out, status))
    assert first.rc == 0, first
    written = json.loads(status.read_text())
    assert written['changed'] is True
    assert [os.path.basename(path) for path in written['paths']] == ['wabiz-report.json', 'wabiz-report.md', 'wabiz-report.xml']
    report = json.loads((out / 'wabiz-report.json').read_text())
    assert report['results'][0]['outcome'] == 'failed'
    case = ET.parse(str(out / 'wabiz-report.xml')).getroot().find(".//testcase[@name='socket_conn_down']")
    assert case.find('failure').get('type') == 'socket_conn_down' and 'down <&>' in case.find('failure').text
    assert stat.S_IMODE(os.stat(str(out / 'wabiz-report.md')).st_mode) == 0o640
    assert not [name for name in os.listdir(str(out)) if name.startswith('.')]  # no temporary file left behind

    second = run_playbook(tmp_path / 'play.yml', play(out, status))
    assert second.rc == 0, second
    assert json.loads(status.read_text())['changed'] is False


def test_check_mode_writes_nothing(tmp_path):
    out = tmp_path / 'reports'
    status = tmp_path / 'status.json'
    playbook = play(out, status)
    playbook[0]['tasks'][1]['check_mode'] = False
    result = run_playbook(tmp_path / 'play.yml', playbook, args=['--check'])
    assert result.rc == 0, result
    assert json.loads(status.read_text())['changed'] is True
    assert not out.exists()


def test_unwritable_directory_is_one_clear_error(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a directory')
    result = run_playbook(tmp_path / 'play.yml', play(blocker / 'sub', tmp_path / 'status.json'))
    assert result.rc == 2, result  # the task failed on its host
    assert 'cannot write the fleet report to %s' % (blocker / 'sub') in result.output
    assert 'Traceback' not in result.output


def test_a_report_not_made_by_fleet_report_is_one_clear_error(tmp_path):
    """Whatever the report holds, the action ends in one message, never a traceback."""
    base = {'title': 't', 'generated_at': '2026-01-01T00:00:00Z', 'fingerprint': 'f', 'report_version': 1}
    reports = ({'results': 'x', 'fingerprint': 5}, {'summary': 3}, dict(base, results=[5], summary={}),
               dict(base, results=None, summary=None))
    for index, report in enumerate(reports):
        out = tmp_path / ('reports-%d' % index)
        result = run_playbook(tmp_path / 'play.yml', play(out, tmp_path / 'status.json', {'report': report}))
        assert result.rc == 2, result
        assert 'cannot write the fleet report to %s' % out in result.output, result
        assert 'Traceback' not in result.output and 'Unexpected Exception' not in result.output


def test_a_basename_or_mode_that_escapes_the_directory_is_refused(tmp_path):
    """basename ../x wrote next to dir, an empty one hidden .json files; mode 4777 made setuid report files."""
    out = tmp_path / 'reports'
    cases = (({'basename': '../escaped'}, "basename must be a plain file name (no /, not empty, . or ..), got '../escaped'"),
             ({'basename': ''}, "basename must be a plain file name (no /, not empty, . or ..), got ''"),
             ({'basename': 'sub/x'}, "basename must be a plain file name (no /, not empty, . or ..), got 'sub/x'"),
             ({'mode': '4777'}, "mode must be an octal string such as 0644 (permission bits only), got '4777'"))
    for extra, message in cases:
        result = run_playbook(tmp_path / 'play.yml', play(out, tmp_path / 'status.json', extra))
        assert result.rc != 0, result
        assert message in result.output, result
        assert 'Traceback' not in result.output
    assert not out.exists() and not (tmp_path / 'escaped.json').exists()


def test_builds_the_report_from_the_hosts_variables_like_the_filter(tmp_path):
    """With hosts=, the action builds the report itself from the hosts' variables: the same report as the filter's,
    a verdict written as a template in the inventory included (read through templating, not as its raw text), and
    returns only what a play needs of it (summary, lines, the results that did not pass)."""
    inventory = tmp_path / 'hosts.yml'
    passed = dict(VERDICT, cluster='eu-2', passed=True, blocking=[], findings=[], status='ok', message='eu-2 passed')
    inventory.write_text(json.dumps({'all': {'hosts': {
        'eu-1': {'wabiz_gate': VERDICT},
        'eu-2': {'wabiz_gate': "{{ verdict_eu2 }}", 'verdict_eu2': passed},
        'eu-3': {},
    }}}))
    out = tmp_path / 'reports'
    status = tmp_path / 'status.json'
    playbook = [{'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'Write', 'wabiz.onprem.fleet_report_write': {'hosts': '{{ ansible_play_hosts_all }}', 'title': 'T', 'dir': str(out)},
         'register': 'written', 'run_once': True},
        {'name': 'Save', 'ansible.builtin.copy': {
            'content': '{{ {"written": written, "filter": hostvars | wabiz.onprem.fleet_report(hosts=ansible_play_hosts_all, title="T")} | to_json }}',
            'dest': str(status), 'mode': '0600'}, 'delegate_to': 'localhost', 'run_once': True},
    ]}]
    result = run_playbook(tmp_path / 'play.yml', playbook, inventory=inventory)
    assert result.rc == 0, result
    saved = json.loads(status.read_text())
    written, expected = saved['written'], saved['filter']
    report = json.loads((out / 'wabiz-report.json').read_text())
    assert report['fingerprint'] == expected['fingerprint'] == written['fingerprint']
    assert report['results'] == expected['results'] and report['title'] == 'T'
    assert [(item['host'], item['outcome']) for item in report['results']] == [('eu-1', 'failed'), ('eu-2', 'passed'), ('eu-3', 'not_run')]
    assert written['summary'] == report['summary'] and written['summary']['verdict'] == 'failed'
    assert [(item['host'], item['cluster'], item['check'], item['outcome']) for item in written['not_passed']] == [
        ('eu-1', 'eu-1', 'health_gate', 'failed'), ('eu-3', 'eu-3', 'health_gate', 'not_run')]
    assert written['not_passed'][0]['message'] == 'eu-1 FAILED'
    assert written['summary_lines'][-1] == 'verdict FAILED: 1 passed, 1 failed, 0 error, 1 not run'


def test_report_and_hosts_are_one_or_the_other(tmp_path):
    status = tmp_path / 'status.json'
    for extra in ({'hosts': ['localhost']}, {'report': None, 'title': 'T'}):
        args = dict({'report': {'results': []}, 'dir': str(tmp_path / 'out')}, **extra)
        if args['report'] is None:
            del args['report']
        playbook = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'Write', 'wabiz.onprem.fleet_report_write': args}]}]
        result = run_playbook(tmp_path / 'play.yml', playbook)
        assert result.rc == 2, result
        assert ('mutually exclusive' in result.output or 'one of the following is required' in result.output), result
        assert 'Traceback' not in result.output
    assert not status.exists()


def test_gate_verdicts_must_be_a_mapping(tmp_path):
    for value, fragment in (('not a dict', 'gate_verdicts must be a dictionary'), (None, None)):
        args = {'hosts': ['localhost'], 'dir': str(tmp_path / 'out')}
        if value is not None:
            args['gate_verdicts'] = value
        playbook = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'Write', 'wabiz.onprem.fleet_report_write': args}]}]
        result = run_playbook(tmp_path / 'play.yml', playbook)
        assert 'Traceback' not in result.output
        if fragment:
            assert result.rc == 2 and fragment in result.output, result
        else:
            assert result.rc == 0, result
