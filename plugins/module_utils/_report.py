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
    result for ``health_gate``. Whatever the verdicts hold, the report validates against
    ``REPORT_SCHEMA`` (the file ``roles/fleet_report/files/report.schema.json`` is the same
    schema): every text goes through ``report_text`` (URLs through ``_client.public_url``, no
    character XML 1.0 forbids, no lone surrogate), a value of the wrong type or outside its enum
    becomes null (a finding of unknown severity is critical), and a verdict passes only when its
    ``passed`` / ``go`` is the boolean true with no blocking finding and no error, and its status and findings
    agree (``contradicts_pass``: never with status critical or error, a critical finding, or a finding at or above
    the health gate's ``fail_on``).

``summarize(results)`` -> the ``summary`` of a report (counts and verdict), shared with ``_report_merge``

``render_json(report)``, ``render_markdown(report)``, ``render_junit(report)`` -> str (``RENDERERS`` by format name,
``EXTENSIONS`` the file extension of each format)
``summary_lines(report)`` -> list of str (a fixed-width table for the play output)
    Every renderer first checks its input against ``REPORT_SCHEMA`` and raises ``ReportError``
    (a ``ValueError``) naming the first field that does not fit.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import math
import re
import xml.etree.ElementTree as ET

from ansible_collections.wabiz.onprem.plugins.module_utils._policy import FINDING_CODES
from ansible_collections.wabiz.onprem.plugins.module_utils._report_diff import CHANGES_SCHEMA
from ansible_collections.wabiz.onprem.plugins.module_utils._report_html import render_html
from ansible_collections.wabiz.onprem.plugins.module_utils._report_nodes import NODES_SCHEMA, add_nodes
from ansible_collections.wabiz.onprem.plugins.module_utils._report_prom import render_prometheus
from ansible_collections.wabiz.onprem.plugins.module_utils._upgrade import PHASES, UPGRADE_FINDING_CODES
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import blocking, finding_line, safe_error, safe_url, utc_now

REPORT_VERSION = 1
CHECKS = (('health_gate', 'wabiz_gate'), ('pre_upgrade', 'wabiz_pre_upgrade'))
OUTCOMES = ('passed', 'failed', 'error', 'not_run')
FINDING_KEYS = ('code', 'severity', 'node', 'message')
STEP_KEYS = ('step', 'node', 'hostname', 'container_id', 'role', 'shards', 'version', 'phase', 'note')
STATUSES = ('ok', 'warning', 'critical', 'error')
TOPOLOGIES = ('single', 'ha', 'multiconnect', 'unknown')
FAIL_ON = ('critical', 'warning')
SEVERITIES = ('critical', 'warning')
# XML 1.0 forbids the C0 controls but tab, LF and CR, the surrogates and U+FFFE/U+FFFF; DEL goes too.
_FORBIDDEN_RE = re.compile(u'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]')
_URL_RE = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*://[^\s<>"\'`]+')
_CODE_RE = re.compile(r'^[a-z][a-z0-9_]*$')
_TIME_RE = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$')
_MAX_INT = 2 ** 63
_MARK = {'passed': 'PASS', 'failed': 'FAIL', 'error': 'ERROR', 'not_run': 'NOT RUN'}


class ReportError(ValueError):
    """The input of a renderer is not a report of ``build_report`` (a field does not fit ``REPORT_SCHEMA``)."""


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and -_MAX_INT < value < _MAX_INT


def _public_url(match):
    return safe_url(match.group(0)) or '<url>'


def report_text(value):
    """Any value -> text fit for every format, or None: URLs without user info or query, no character XML 1.0
    forbids (controls, lone surrogates, U+FFFE, U+FFFF); containers and huge numbers are named, never expanded."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = 'true' if value else 'false'
    elif isinstance(value, int):
        text = str(value) if _is_int(value) else 'an integer of %d bits' % value.bit_length()
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = 'a value of type %s' % ('object' if isinstance(value, dict) else 'list' if isinstance(value, (list, tuple))
                                       else type(value).__name__)
    return _FORBIDDEN_RE.sub('', _URL_RE.sub(_public_url, text))


_text = report_text


def _choice(value, choices):
    return value if isinstance(value, str) and value in choices else None


def _finding(item):
    code = _text(item.get('code'))
    return {
        'code': code if code and _CODE_RE.match(code) else 'invalid_code',
        'severity': _choice(item.get('severity'), SEVERITIES) or 'critical',
        'node': _text(item.get('node')),
        'message': _text(item.get('message')) or '',
    }


def _findings(items):
    if not isinstance(items, (list, tuple)):
        return []
    return [_finding(item) for item in items if isinstance(item, dict)]


def _step_number(value, default):
    return value if _is_int(value) and value >= 1 else default


def _plan(items):
    result = []
    if not isinstance(items, (list, tuple)):
        return result
    for item in items:
        if isinstance(item, dict):
            shards = item.get('shards') if isinstance(item.get('shards'), (list, tuple)) else []
            step = dict((key, _text(item.get(key))) for key in ('node', 'hostname', 'container_id', 'role', 'version', 'note'))
            step.update(step=_step_number(item.get('step'), len(result) + 1), phase=_choice(item.get('phase'), PHASES),
                        shards=[shard for shard in shards if _is_int(shard) and shard >= -1])
            result.append(step)
    return result


def _schema_upgrade(value):
    if not isinstance(value, dict):
        return None
    return {'step': _step_number(value.get('step'), None), 'node': _text(value.get('node')), 'note': _text(value.get('note'))}


def _error(error):
    error = safe_error(error)
    if error is None:
        return None
    result = {'code': _text(error['code']) or 'module_failed', 'message': _text(error['message']) or ''}
    for key in ('title', 'details'):
        if error.get(key) is not None:
            result[key] = _text(error[key])
    for key in ('status', 'api_code'):
        if _is_int(error.get(key)):
            result[key] = error[key]
    retry_after = error.get('retry_after')
    if (_is_int(retry_after) or isinstance(retry_after, float) and math.isfinite(retry_after)) and retry_after >= 0:
        result['retry_after'] = retry_after
    return result


def contradicts_pass(result):
    """True when the status or the findings of a result say it cannot pass, whatever its passed/go and blocking say:
    status critical or error, a critical finding, or (health gate) a finding at or above its fail_on."""
    fail_on = result['fail_on'] if result['check'] == 'health_gate' and result['fail_on'] else 'critical'
    return result['status'] in ('critical', 'error') or bool(blocking(result['findings'], fail_on)) or any(
        finding['severity'] == 'critical' for finding in result['findings'])


def _result(host, check, verdict):
    result = {
        'host': _text(host), 'cluster': _text(host), 'check': check, 'outcome': 'not_run', 'status': None,
        'topology': None, 'url': None, 'fail_on': None, 'checked_at': None, 'message': None,
        'findings': [], 'blocking': [], 'error': None,
    }
    if check == 'pre_upgrade':
        result.update(target_version=None, current_version=None, plan=[], schema_upgrade=None)
    if not isinstance(verdict, dict):
        result['message'] = 'no verdict: the %s did not run for this host' % check.replace('_', ' ')
        return result
    error = _error(verdict.get('error'))
    # fail closed: only the boolean true passes, and never with a blocking finding
    passed = verdict.get('go' if check == 'pre_upgrade' else 'passed') is True and not verdict.get('blocking')
    result.update(
        cluster=_text(verdict.get('cluster') or host), status=_choice(verdict.get('status'), STATUSES),
        topology=_choice(verdict.get('topology'), TOPOLOGIES), url=_text(safe_url(verdict.get('url'))),
        fail_on=_choice(verdict.get('fail_on'), FAIL_ON), checked_at=_text(verdict.get('checked_at')),
        message=_text(verdict.get('message')), findings=_findings(verdict.get('findings')),
        blocking=_findings(verdict.get('blocking')), error=error,
        outcome='error' if error is not None else ('passed' if passed else 'failed'),
    )
    if result['outcome'] == 'passed' and contradicts_pass(result):
        result['outcome'] = 'failed'
    if check == 'pre_upgrade':
        result.update(target_version=_text(verdict.get('target_version')), current_version=_text(verdict.get('current_version')),
                      plan=_plan(verdict.get('plan')), schema_upgrade=_schema_upgrade(verdict.get('schema_upgrade')))
    return result


def fingerprint(results):
    """sha256 over the results without their times (nor node data, which moves): equal when the verdicts are the same."""
    stable = [dict((key, value) for key, value in result.items() if key not in ('checked_at', 'nodes')) for result in results]
    return hashlib.sha256(json.dumps(stable, sort_keys=True, separators=(',', ':')).encode('utf-8')).hexdigest()


def build_report(entries, title=None, generated_at=None):
    """The report dict; see the module docstring."""
    if not isinstance(entries, (list, tuple)):
        raise ReportError('expected a list of {host, wabiz_gate, wabiz_pre_upgrade}, got %s' % type(entries).__name__)
    if generated_at is not None and not (isinstance(generated_at, str) and _TIME_RE.match(generated_at)):
        raise ReportError('generated_at: expected a time such as 2026-03-01T12:00:00Z, got %s' % _text(generated_at))
    results = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get('host'):
            raise ReportError('every entry needs a host, got %s' % (_text(entry),))
        found = False
        for check, fact in CHECKS:
            if entry.get(fact) is not None:
                found = True
                results.append(_result(entry['host'], check, entry[fact]))
        if not found:
            results.append(_result(entry['host'], 'health_gate', None))
    add_nodes(results, entries, _text)
    results.sort(key=lambda result: (result['cluster'] or '', result['host'], result['check']))
    return {
        'report_version': REPORT_VERSION,
        'title': _text(title) or 'wabiz.onprem fleet report',
        'generated_at': generated_at or utc_now(),
        'fingerprint': fingerprint(results),
        'summary': summarize(results),
        'results': results,
    }


def summarize(results):
    """The ``summary`` of a report over its ``results``: the count of each outcome, of results, clusters and checks, and
    the overall verdict (``passed`` when every result passed, ``failed`` when one failed or is an error, ``not_run``
    when none ran, else ``incomplete``)."""
    counts = dict((outcome, 0) for outcome in OUTCOMES)
    for result in results:
        if result['outcome'] in counts:
            counts[result['outcome']] += 1
    verdict = 'passed' if results and counts['passed'] == len(results) else (
        'failed' if counts['failed'] or counts['error'] else ('not_run' if not counts['passed'] else 'incomplete'))
    return dict(counts, results=len(results), clusters=len(set(result['host'] for result in results)),
                checks=sorted(set(result['check'] for result in results)), verdict=verdict)


# ------------------------------------------------------------------------------------------------ input check

def _is_type(value, name):
    if name == 'string':
        return isinstance(value, str)
    if name == 'integer':
        return _is_int(value)
    if name == 'number':
        return _is_int(value) or isinstance(value, float) and math.isfinite(value)
    if name == 'array':
        return isinstance(value, list)
    if name == 'object':
        return isinstance(value, dict)
    return value is None if name == 'null' else isinstance(value, bool)


def _same(value, option):
    """JSON equality: 1 is not true; str subclasses (Ansible's tagged or unsafe text) are text."""
    if option is None or isinstance(option, bool):
        return value is option
    if isinstance(option, str):
        return isinstance(value, str) and value == option
    return _is_int(value) and value == option


def _problem(value, schema, path):
    """The first way ``value`` does not fit ``schema`` (the subset of JSON schema REPORT_SCHEMA uses), or None."""
    if '$ref' in schema:
        schema = REPORT_SCHEMA['$defs'][schema['$ref'].rsplit('/', 1)[-1]]
    types = schema.get('type')
    if types is not None and not any(_is_type(value, name) for name in ([types] if isinstance(types, str) else types)):
        return '%s: expected %s' % (path, ' or '.join([types] if isinstance(types, str) else types))
    if 'const' in schema and not _same(value, schema['const']):
        return '%s: expected %r' % (path, schema['const'])
    if 'enum' in schema and not any(_same(value, option) for option in schema['enum']):
        return '%s: expected one of %s' % (path, ', '.join(str(option) for option in schema['enum']))
    if 'pattern' in schema and isinstance(value, str) and not re.search(schema['pattern'], value):
        return '%s: does not match %s' % (path, schema['pattern'])
    if 'minimum' in schema and _is_type(value, 'number') and value < schema['minimum']:
        return '%s: below %s' % (path, schema['minimum'])
    if 'oneOf' in schema and sum(1 for option in schema['oneOf'] if _problem(value, option, path) is None) != 1:
        return '%s: matches none of its forms' % path
    if isinstance(value, dict):
        properties = schema.get('properties', {})
        for key in schema.get('required', ()):
            if key not in value:
                return '%s: %s is missing' % (path, key)
        if schema.get('additionalProperties') is False:
            for key in value:
                if key not in properties:
                    return '%s: unexpected key %s' % (path, _text(key))
        for key, option in properties.items():
            if key in value:
                problem = _problem(value[key], option, '%s.%s' % (path, key))
                if problem:
                    return problem
    if isinstance(value, list) and 'items' in schema:
        for index, item in enumerate(value):
            problem = _problem(item, schema['items'], '%s[%d]' % (path, index))
            if problem:
                return problem
    for rule in schema.get('allOf', ()):
        if _problem(value, rule['if'], path) is None:
            problem = _problem(value, rule['then'], path)
            if problem:
                return problem
    return None


def _clean(value):
    """A copy of a checked report with every text through ``report_text`` (its depth is bounded by the schema)."""
    if isinstance(value, dict):
        return dict((key, _clean(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return _text(value) if isinstance(value, str) else value


class _CheckedReport(dict):
    """What ``checked_report`` returns; given to it again (a renderer after another), it is not checked twice."""


def checked_report(report):
    """``report`` if it fits ``REPORT_SCHEMA`` (texts cleaned again), else ``ReportError`` naming the field."""
    if type(report) is _CheckedReport:  # pylint: disable=unidiomatic-typecheck
        return report
    problem = _problem(report, REPORT_SCHEMA, 'report')
    if problem:
        raise ReportError('not a report made by build_report: %s' % problem)
    return _CheckedReport(_clean(report))


# ------------------------------------------------------------------------------------------------ json

def render_json(report):
    return json.dumps(checked_report(report), indent=2, sort_keys=True) + '\n'


# ------------------------------------------------------------------------------------------------ markdown

def _md(value):
    if value is None or value == '':
        return '-'
    text = _text(value).replace('\\', '\\\\').replace('|', '\\|').replace('<', '&lt;').replace('>', '&gt;')
    text = text.replace('`', '\\`').replace('*', '\\*').replace('_', '\\_')
    return ' '.join(text.split())


def _md_code(value):
    if not value:
        return '-'
    return '`%s`' % ' '.join(_text(value).replace('`', "'").split()).replace('|', '\\|')


def render_markdown(report):
    report = checked_report(report)
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
            if result.get('schema_upgrade'):
                lines.append('Schema upgrade: %s.' % _md(_describe_schema_upgrade(result['schema_upgrade'])))
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
                lines.append('| %d | %s | %s | %s | %s | %s |' % (  # every cell escaped: | and newlines never split a row
                    step['step'], _md_code(step['node']), _md(step['role']), _md(', '.join(str(s) for s in step['shards'])),
                    _md(step['phase']), _md(step['note'])))
    lines += ['', '<!-- wabiz.onprem report fingerprint: %s -->' % report['fingerprint']]
    return '\n'.join(lines) + '\n'


# ------------------------------------------------------------------------------------------------ junit

def _describe_schema_upgrade(schema_upgrade):
    return 'step %s (%s): %s' % (schema_upgrade['step'] or '?', schema_upgrade['node'] or '?', schema_upgrade['note'] or '')


def _check_codes(result):
    """Every finding code a check kind can report, and any other code the result holds: one JUnit test case each."""
    codes = set(FINDING_CODES)
    if result['check'] == 'pre_upgrade':
        codes.update(UPGRADE_FINDING_CODES)
    codes.update(finding['code'] for finding in result['findings'] + result['blocking'])
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
    report = checked_report(report)
    root = ET.Element('testsuites', {'name': report['title'], 'time': '0', 'timestamp': report['generated_at']})
    totals = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
    for result in report['results']:
        classname = 'wabiz.onprem.%s.%s' % (result['check'], result['cluster'])
        suite = ET.SubElement(root, 'testsuite', {'name': classname, 'time': '0', 'timestamp': report['generated_at']})
        props = ET.SubElement(suite, 'properties')
        for name in ('host', 'status', 'topology', 'fail_on', 'checked_at', 'url', 'target_version', 'current_version'):
            if result.get(name) is not None:
                ET.SubElement(props, 'property', {'name': name, 'value': result[name]})
        if result.get('schema_upgrade'):
            ET.SubElement(props, 'property', {'name': 'schema_upgrade', 'value': _describe_schema_upgrade(result['schema_upgrade'])})
        counts = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
        if result['outcome'] == 'error':
            error = result['error'] or {'code': 'module_failed', 'message': ''}
            case = ET.SubElement(suite, 'testcase', {'classname': classname, 'name': 'reachable', 'time': '0'})
            element = ET.SubElement(case, 'error', {'type': error['code'], 'message': error.get('message') or ''})
            element.text = result['message'] or error.get('message')
            counts.update(tests=1, errors=1)
        elif result['outcome'] == 'not_run':
            case = ET.SubElement(suite, 'testcase', {'classname': classname, 'name': 'verdict', 'time': '0'})
            ET.SubElement(case, 'skipped', {'message': result['message'] or 'no verdict'})
            counts.update(tests=1, skipped=1)
        else:
            findings_by_code = {}
            for finding in result['findings']:
                findings_by_code.setdefault(finding['code'], []).append(finding)
            for code in _check_codes(result):
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


RENDERERS = {'json': render_json, 'markdown': render_markdown, 'junit': render_junit,
             'prometheus': lambda report: render_prometheus(checked_report(report)), 'html': lambda report: render_html(checked_report(report))}
EXTENSIONS = {'json': 'json', 'markdown': 'md', 'junit': 'xml', 'prometheus': 'prom', 'html': 'html'}


# ------------------------------------------------------------------------------------------------ play output

def summary_lines(report):
    """A fixed-width table: one line per result, then the totals."""
    report = checked_report(report)
    rows = [('CLUSTER', 'CHECK', 'OUTCOME', 'STATUS', 'BLOCKING', 'FINDINGS', 'DETAIL')]
    for result in report['results']:
        if result['error']:
            detail = ' '.join(('[%s] %s' % (result['error']['code'], result['error'].get('message') or '')).split())
        elif result['blocking']:
            detail = ', '.join(sorted(set(finding['code'] for finding in result['blocking'])))
        elif result['check'] == 'pre_upgrade' and result['outcome'] == 'passed':
            detail = '%s -> %s, %d restart step(s)' % (result['current_version'], result['target_version'], len(result['plan']))
        else:
            detail = '' if result['outcome'] != 'not_run' else 'no verdict'
        rows.append((' '.join(result['cluster'].split()), result['check'], _MARK[result['outcome']], result['status'] or '-',
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
                'node': {'$ref': '#/$defs/nullable_string'},
                'hostname': {'$ref': '#/$defs/nullable_string'},
                'container_id': {'$ref': '#/$defs/nullable_string'},
                'role': {'$ref': '#/$defs/nullable_string'},
                'shards': {'type': 'array', 'items': {'type': 'integer', 'minimum': -1}},
                'version': {'$ref': '#/$defs/nullable_string'},
                'phase': {'enum': list(PHASES) + [None]},
                'note': {'$ref': '#/$defs/nullable_string'},
            },
        },
        'schema_upgrade': {
            'type': 'object',
            'additionalProperties': False,
            'required': ['step', 'node', 'note'],
            'properties': {
                'step': {'type': ['integer', 'null'], 'minimum': 1},
                'node': {'$ref': '#/$defs/nullable_string'},
                'note': {'$ref': '#/$defs/nullable_string'},
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
                'retry_after': {'type': ['number', 'null'], 'minimum': 0},
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
                'schema_upgrade': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/schema_upgrade'}]},
                'nodes': NODES_SCHEMA,
            },
            'allOf': [{
                'if': {'properties': {'check': {'const': 'pre_upgrade'}}},
                'then': {'required': ['target_version', 'current_version', 'plan']},
            }],
        },
    },
}
