# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""Fleet report: build it from verdicts and render it as JSON, Markdown and JUnit XML (pure, stdlib only).

Public API:

``build_report(entries, title=None, generated_at=None)`` -> report dict
    ``entries`` is a list of ``{'host': str, 'wabiz_gate': verdict or None, 'wabiz_pre_upgrade':
    verdict or None}``. Only whitelisted verdict keys are copied (never connection settings or
    secrets). One result per host and check; a host with neither verdict gives one ``not_run``
    result for ``health_gate``. The report validates against ``REPORT_SCHEMA`` (the file
    ``roles/fleet_report/files/report.schema.json`` is the same schema).

``render_json(report)``, ``render_markdown(report)``, ``render_junit(report)`` -> str (``RENDERERS`` by format name,
``EXTENSIONS`` the file extension of each format)
``summary_lines(report)`` -> list of str (a fixed-width table for the play output)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import FINDING_CODES
from ansible_collections.wabiz.onprem.plugins.module_utils._report_diff import CHANGES_SCHEMA
from ansible_collections.wabiz.onprem.plugins.module_utils._report_html import render_html
from ansible_collections.wabiz.onprem.plugins.module_utils._report_nodes import NODES_SCHEMA, add_nodes
from ansible_collections.wabiz.onprem.plugins.module_utils._report_prom import render_prometheus
from ansible_collections.wabiz.onprem.plugins.module_utils._upgrade import UPGRADE_FINDING_CODES
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import finding_line, safe_error, safe_url, utc_now

REPORT_VERSION = 1
CHECKS = (('health_gate', 'wabiz_gate'), ('pre_upgrade', 'wabiz_pre_upgrade'))
OUTCOMES = ('passed', 'failed', 'error', 'not_run')
FINDING_KEYS = ('code', 'severity', 'node', 'message')
STEP_KEYS = ('step', 'node', 'hostname', 'container_id', 'role', 'shards', 'version', 'phase', 'note')
_CONTROL_RE = re.compile(u'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
_MARK = {'passed': 'PASS', 'failed': 'FAIL', 'error': 'ERROR', 'not_run': 'NOT RUN'}


def _text(value):
    return None if value is None else _CONTROL_RE.sub('', u'%s' % (value,))


def _findings(items):
    result = []
    for item in items or []:
        if isinstance(item, dict):
            result.append(dict((key, _text(item.get(key))) for key in FINDING_KEYS))
    return result


def _plan(items):
    result = []
    for item in items or []:
        if isinstance(item, dict):
            step = dict((key, item.get(key)) for key in STEP_KEYS)
            step['shards'] = [int(shard) for shard in step['shards'] or []]
            step['step'] = int(step['step']) if step['step'] is not None else len(result) + 1
            for key in ('node', 'hostname', 'container_id', 'role', 'version', 'phase', 'note'):
                step[key] = _text(step[key])
            result.append(step)
    return result


def _result(host, check, verdict):
    result = {
        'host': _text(host), 'cluster': _text(host), 'check': check, 'outcome': 'not_run', 'status': None,
        'topology': None, 'url': None, 'fail_on': None, 'checked_at': None, 'message': None,
        'findings': [], 'blocking': [], 'error': None,
    }
    if check == 'pre_upgrade':
        result.update(target_version=None, current_version=None, plan=[])
    if not isinstance(verdict, dict):
        result['message'] = 'no verdict: the %s did not run for this host' % check.replace('_', ' ')
        return result
    error = safe_error(verdict.get('error'))
    passed = verdict.get('go') if check == 'pre_upgrade' else verdict.get('passed')
    result.update(
        cluster=_text(verdict.get('cluster') or host), status=_text(verdict.get('status')), topology=_text(verdict.get('topology')),
        url=safe_url(verdict.get('url')), fail_on=_text(verdict.get('fail_on')), checked_at=_text(verdict.get('checked_at')),
        message=_text(verdict.get('message')), findings=_findings(verdict.get('findings')),
        blocking=_findings(verdict.get('blocking')),
        error=None if error is None else dict((key, _text(value) if isinstance(value, str) else value) for key, value in error.items()),
        outcome='error' if error is not None else ('passed' if passed else 'failed'),
    )
    if check == 'pre_upgrade':
        result.update(target_version=_text(verdict.get('target_version')), current_version=_text(verdict.get('current_version')),
                      plan=_plan(verdict.get('plan')))
    return result


def fingerprint(results):
    """sha256 over the results without their times (nor node data, which moves): equal when the verdicts are the same."""
    stable = [dict((key, value) for key, value in result.items() if key not in ('checked_at', 'nodes')) for result in results]
    return hashlib.sha256(json.dumps(stable, sort_keys=True, separators=(',', ':')).encode('utf-8')).hexdigest()


def build_report(entries, title=None, generated_at=None):
    """The report dict; see the module docstring."""
    if not isinstance(entries, (list, tuple)):
        raise ValueError('expected a list of {host, wabiz_gate, wabiz_pre_upgrade}, got %s' % type(entries).__name__)
    results = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get('host'):
            raise ValueError('every entry needs a host, got %r' % (entry,))
        found = False
        for check, fact in CHECKS:
            if entry.get(fact) is not None:
                found = True
                results.append(_result(entry['host'], check, entry[fact]))
        if not found:
            results.append(_result(entry['host'], 'health_gate', None))
    add_nodes(results, entries)
    results.sort(key=lambda result: (result['cluster'] or '', result['host'], result['check']))
    counts = dict((outcome, sum(1 for result in results if result['outcome'] == outcome)) for outcome in OUTCOMES)
    verdict = 'passed' if results and counts['passed'] == len(results) else (
        'failed' if counts['failed'] or counts['error'] else ('not_run' if not counts['passed'] else 'incomplete'))
    return {
        'report_version': REPORT_VERSION,
        'title': _text(title) or 'wabiz.onprem fleet report',
        'generated_at': generated_at or utc_now(),
        'fingerprint': fingerprint(results),
        'summary': dict(counts, results=len(results), clusters=len(set(result['host'] for result in results)),
                        checks=sorted(set(result['check'] for result in results)), verdict=verdict),
        'results': results,
    }


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + '\n'


# ------------------------------------------------------------------------------------------------ markdown

def _md(value):
    if value is None or value == '':
        return '-'
    text = _text(value).replace('\\', '\\\\').replace('|', '\\|').replace('<', '&lt;').replace('>', '&gt;')
    text = text.replace('`', '\\`').replace('*', '\\*').replace('_', '\\_')
    return ' '.join(text.split())


def _md_code(value):
    return '`%s`' % _text(value).replace('`', "'") if value else '-'


def render_markdown(report):
    summary = report['summary']
    lines = [
        '# %s' % _md(report['title']),
        '',
        'Generated %s by wabiz.onprem. Verdict: **%s**: %d result(s) over %d cluster(s): %d passed, %d failed, '
        '%d error, %d not run.' % (_md(report['generated_at']), summary['verdict'].upper().replace('_', ' '), summary['results'],
                                   summary['clusters'], summary['passed'], summary['failed'], summary['error'], summary['not_run']),
        '',
        '| Cluster | Check | Outcome | Status | Topology | Blocking | Findings | Checked at |',
        '|---|---|---|---|---|---:|---:|---|',
    ]
    for result in report['results']:
        lines.append('| %s | %s | **%s** | %s | %s | %d | %d | %s |' % (
            _md(result['cluster']), _md_code(result['check']), _MARK[result['outcome']], _md(result['status']),
            _md(result['topology']), len(result['blocking']), len(result['findings']), _md(result['checked_at'])))
    for result in report['results']:
        lines += ['', '## %s: %s %s' % (_md(result['cluster']), _md(result['check'].replace('_', ' ')), _MARK[result['outcome']]), '']
        if result['host'] != result['cluster']:
            lines.append('Inventory host: %s.' % _md(result['host']))
        if result['url']:
            lines.append('Endpoint: %s.' % _md_code(result['url']))
        if result['check'] == 'pre_upgrade':
            lines.append('Upgrade: %s -> %s.' % (_md(result['current_version']), _md(result['target_version'])))
        if result['error']:
            lines.append('Error %s: %s' % (_md_code(result['error']['code']), _md(result['error'].get('message'))))
        elif result['outcome'] == 'not_run':
            lines.append(_md(result['message']))
        if result['findings']:
            blocking = set((f['code'], f['node'], f['message']) for f in result['blocking'])
            lines += ['', '| Severity | Blocking | Code | Node | Message |', '|---|---|---|---|---|']
            for finding in result['findings']:
                lines.append('| %s | %s | %s | %s | %s |' % (
                    _md(finding['severity']), 'yes' if (finding['code'], finding['node'], finding['message']) in blocking else 'no',
                    _md_code(finding['code']), _md(finding['node'] or 'cluster'), _md(finding['message'])))
        elif result['outcome'] in ('passed', 'failed'):
            lines.append('No findings.')
        if result.get('plan'):
            lines += ['', 'Restart order:', '', '| Step | Node | Role | Shards | Phase | Note |', '|---:|---|---|---|---|---|']
            for step in result['plan']:
                lines.append('| %d | %s | %s | %s | %s | %s |' % (
                    step['step'], _md_code(step['node']), _md(step['role']), _md(', '.join(str(s) for s in step['shards'])),
                    _md(step['phase']), _md(step['note'])))
    lines += ['', '<!-- wabiz.onprem report fingerprint: %s -->' % report['fingerprint']]
    return '\n'.join(lines) + '\n'


# ------------------------------------------------------------------------------------------------ junit

def _check_codes(check):
    """Every finding code a check kind can report: one JUnit test case each."""
    codes = set(FINDING_CODES)
    if check == 'pre_upgrade':
        codes.update(UPGRADE_FINDING_CODES)
    return sorted(codes)


def _junit_outcome(result, findings_by_code, code):
    """(element tag or None, attributes, text) of one test case: the cluster held to one check."""
    blocking = [finding for finding in result['blocking'] if finding['code'] == code]
    if blocking:
        return 'failure', {'type': code, 'message': '%d blocking finding(s): %s' % (len(blocking), blocking[0]['message'])}, \
            '\n'.join(finding_line(finding) for finding in blocking)
    return None, None, '\n'.join(finding_line(finding) for finding in findings_by_code.get(code, []))


def render_junit(report):
    """One test suite per cluster and check kind, one test case per finding code (the check): a blocking
    finding is a failure, a cluster that could not be checked one error case, a missing verdict one
    skipped case. Jenkins, GitLab and AWX-fed CI show it as package.class = wabiz.onprem.<check>.<cluster>."""
    root = ET.Element('testsuites', {'name': report['title'], 'time': '0', 'timestamp': report['generated_at']})
    totals = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
    for result in report['results']:
        classname = 'wabiz.onprem.%s.%s' % (result['check'], result['cluster'])
        suite = ET.SubElement(root, 'testsuite', {'name': classname, 'time': '0', 'timestamp': report['generated_at']})
        props = ET.SubElement(suite, 'properties')
        for name in ('host', 'status', 'topology', 'fail_on', 'checked_at', 'url', 'target_version', 'current_version'):
            if result.get(name) is not None:
                ET.SubElement(props, 'property', {'name': name, 'value': result[name]})
        counts = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
        if result['outcome'] == 'error':
            case = ET.SubElement(suite, 'testcase', {'classname': classname, 'name': 'reachable', 'time': '0'})
            element = ET.SubElement(case, 'error', {'type': result['error']['code'], 'message': result['error'].get('message') or ''})
            element.text = result['message'] or result['error'].get('message')
            counts.update(tests=1, errors=1)
        elif result['outcome'] == 'not_run':
            case = ET.SubElement(suite, 'testcase', {'classname': classname, 'name': 'verdict', 'time': '0'})
            ET.SubElement(case, 'skipped', {'message': result['message']})
            counts.update(tests=1, skipped=1)
        else:
            findings_by_code = {}
            for finding in result['findings']:
                findings_by_code.setdefault(finding['code'], []).append(finding)
            for code in _check_codes(result['check']):
                case = ET.SubElement(suite, 'testcase', {'classname': classname, 'name': code, 'time': '0'})
                tag, attributes, text = _junit_outcome(result, findings_by_code, code)
                counts['tests'] += 1
                if tag:
                    element = ET.SubElement(case, tag, attributes)
                    element.text = text
                    counts['failures'] += 1
                elif text:
                    ET.SubElement(case, 'system-out').text = text
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    if hasattr(ET, 'indent'):
        ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!-- wabiz.onprem report fingerprint: %s -->\n' % report['fingerprint']
            + ET.tostring(root, encoding='unicode') + '\n')


RENDERERS = {'json': render_json, 'markdown': render_markdown, 'junit': render_junit, 'prometheus': render_prometheus, 'html': render_html}
EXTENSIONS = {'json': 'json', 'markdown': 'md', 'junit': 'xml', 'prometheus': 'prom', 'html': 'html'}


# ------------------------------------------------------------------------------------------------ play output

def summary_lines(report):
    """A fixed-width table: one line per result, then the totals."""
    rows = [('CLUSTER', 'CHECK', 'OUTCOME', 'STATUS', 'BLOCKING', 'FINDINGS', 'DETAIL')]
    for result in report['results']:
        if result['error']:
            detail = '[%s] %s' % (result['error']['code'], result['error'].get('message') or '')
        elif result['blocking']:
            detail = ', '.join(sorted(set(finding['code'] for finding in result['blocking'])))
        elif result['check'] == 'pre_upgrade' and result['outcome'] == 'passed':
            detail = '%s -> %s, %d restart step(s)' % (result['current_version'], result['target_version'], len(result['plan']))
        else:
            detail = '' if result['outcome'] != 'not_run' else 'no verdict'
        rows.append((result['cluster'], result['check'], _MARK[result['outcome']], result['status'] or '-',
                     str(len(result['blocking'])), str(len(result['findings'])), detail[:100]))
    widths = [max(len(row[index]) for row in rows) for index in range(6)]
    lines = ['  '.join(cell.ljust(widths[index]) for index, cell in enumerate(row[:6])) + '  ' + row[6] for row in rows]
    summary = report['summary']
    lines.append('verdict %s: %d passed, %d failed, %d error, %d not run' % (
        summary['verdict'].upper(), summary['passed'], summary['failed'], summary['error'], summary['not_run']))
    return [line.rstrip() for line in lines]


REPORT_SCHEMA = {
    '$schema': 'https://json-schema.org/draft/2020-12/schema',
    '$id': 'https://example.invalid/wabiz/onprem/report.schema.json',
    'title': 'wabiz.onprem fleet report',
    'type': 'object',
    'additionalProperties': False,
    'required': ['report_version', 'title', 'generated_at', 'fingerprint', 'summary', 'results'],
    'properties': {
        'report_version': {'const': REPORT_VERSION},
        'title': {'type': 'string'},
        'generated_at': {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$'},
        'fingerprint': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'},
        'summary': {
            'type': 'object',
            'additionalProperties': False,
            'required': ['results', 'clusters', 'checks', 'verdict'] + list(OUTCOMES),
            'properties': dict(
                [(outcome, {'type': 'integer', 'minimum': 0}) for outcome in OUTCOMES] + [
                    ('results', {'type': 'integer', 'minimum': 0}),
                    ('clusters', {'type': 'integer', 'minimum': 0}),
                    ('checks', {'type': 'array', 'items': {'enum': [check for check, dummy in CHECKS]}}),
                    ('verdict', {'enum': ['passed', 'failed', 'not_run', 'incomplete']}),
                ]),
        },
        'results': {'type': 'array', 'items': {'$ref': '#/$defs/result'}},
        'changes': CHANGES_SCHEMA,
    },
    '$defs': {
        'nullable_string': {'type': ['string', 'null']},
        'finding': {
            'type': 'object',
            'additionalProperties': False,
            'required': list(FINDING_KEYS),
            'properties': {
                'code': {'type': 'string', 'pattern': '^[a-z][a-z0-9_]*$'},
                'severity': {'enum': ['critical', 'warning']},
                'node': {'$ref': '#/$defs/nullable_string'},
                'message': {'type': 'string'},
            },
        },
        'step': {
            'type': 'object',
            'additionalProperties': False,
            'required': list(STEP_KEYS),
            'properties': {
                'step': {'type': 'integer', 'minimum': 1},
                'node': {'type': 'string'},
                'hostname': {'$ref': '#/$defs/nullable_string'},
                'container_id': {'$ref': '#/$defs/nullable_string'},
                'role': {'type': 'string'},
                'shards': {'type': 'array', 'items': {'type': 'integer', 'minimum': -1}},
                'version': {'$ref': '#/$defs/nullable_string'},
                'phase': {'enum': ['standby_coreapps', 'secondary_masters', 'shard_owners', 'primary_master', 'single']},
                'note': {'type': 'string'},
            },
        },
        'error': {
            'type': 'object',
            'required': ['code', 'message'],
            'additionalProperties': False,
            'properties': {
                'code': {'type': 'string'},
                'message': {'type': 'string'},
                'status': {'type': ['integer', 'null']},
                'api_code': {'type': ['integer', 'null']},
                'title': {'$ref': '#/$defs/nullable_string'},
                'details': {'$ref': '#/$defs/nullable_string'},
                'retry_after': {'type': ['number', 'null']},
            },
        },
        'result': {
            'type': 'object',
            'additionalProperties': False,
            'required': ['host', 'cluster', 'check', 'outcome', 'status', 'topology', 'url', 'fail_on', 'checked_at', 'message',
                         'findings', 'blocking', 'error'],
            'properties': {
                'host': {'type': 'string'},
                'cluster': {'type': 'string'},
                'check': {'enum': [check for check, dummy in CHECKS]},
                'outcome': {'enum': list(OUTCOMES)},
                'status': {'enum': ['ok', 'warning', 'critical', 'error', None]},
                'topology': {'enum': ['single', 'ha', 'multiconnect', 'unknown', None]},
                'url': {'$ref': '#/$defs/nullable_string'},
                'fail_on': {'enum': ['critical', 'warning', None]},
                'checked_at': {'$ref': '#/$defs/nullable_string'},
                'message': {'$ref': '#/$defs/nullable_string'},
                'findings': {'type': 'array', 'items': {'$ref': '#/$defs/finding'}},
                'blocking': {'type': 'array', 'items': {'$ref': '#/$defs/finding'}},
                'error': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/error'}]},
                'target_version': {'$ref': '#/$defs/nullable_string'},
                'current_version': {'$ref': '#/$defs/nullable_string'},
                'plan': {'type': 'array', 'items': {'$ref': '#/$defs/step'}},
                'nodes': NODES_SCHEMA,
            },
            'allOf': [{
                'if': {'properties': {'check': {'const': 'pre_upgrade'}}},
                'then': {'required': ['target_version', 'current_version', 'plan']},
            }],
        },
    },
}
