# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""What changed since the previous fleet report (pure, stdlib only).

``report_changes(previous, current)`` -> ``{previous_generated_at, previous_fingerprint, clusters}`` or None when
there is no usable previous report. ``clusters`` lists, per cluster and check whose outcome changed or whose
findings differ, ``{cluster, check, previous_outcome, outcome, new, cleared}``; a finding is the same finding when
its code, severity and node are (its message may carry numbers that move, such as the free space left).
A cluster that appeared has ``previous_outcome`` null, one that left the report ``outcome`` null.

``change_lines(changes)`` -> list of str for the play output. ``CHANGES_SCHEMA``: the JSON schema of the dict.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

_FINDING = {
    'type': 'object',
    'required': ['code', 'severity', 'node', 'message'],
    'properties': {'code': {'type': ['string', 'null']}, 'severity': {'type': ['string', 'null']},
                   'node': {'type': ['string', 'null']}, 'message': {'type': ['string', 'null']}},
}
CHANGES_SCHEMA = {
    'oneOf': [{'type': 'null'}, {
        'type': 'object',
        'additionalProperties': False,
        'required': ['previous_generated_at', 'previous_fingerprint', 'clusters'],
        'properties': {
            'previous_generated_at': {'type': ['string', 'null']},
            'previous_fingerprint': {'type': ['string', 'null']},
            'clusters': {'type': 'array', 'items': {
                'type': 'object',
                'additionalProperties': False,
                'required': ['cluster', 'check', 'previous_outcome', 'outcome', 'new', 'cleared'],
                'properties': {
                    'cluster': {'type': 'string'}, 'check': {'type': 'string'},
                    'previous_outcome': {'type': ['string', 'null']}, 'outcome': {'type': ['string', 'null']},
                    'new': {'type': 'array', 'items': _FINDING}, 'cleared': {'type': 'array', 'items': _FINDING},
                },
            }},
        },
    }],
}


def _text(value):
    return value if isinstance(value, str) else None


def _results(report):
    """{(cluster, check): (outcome, findings)} of a report; tolerant of a hand-edited or older file."""
    results = {}
    for result in report.get('results') if isinstance(report.get('results'), list) else []:
        if not isinstance(result, dict) or not _text(result.get('cluster')) or not _text(result.get('check')):
            continue
        findings = [dict((key, _text(finding.get(key))) for key in ('code', 'severity', 'node', 'message'))
                    for finding in (result.get('findings') if isinstance(result.get('findings'), list) else [])
                    if isinstance(finding, dict)]
        results.setdefault((result['cluster'], result['check']), (_text(result.get('outcome')), findings))
    return results


def _key(finding):
    return (finding['code'] or '', finding['severity'] or '', finding['node'] or '')


def _minus(findings, others):
    keys = set(_key(finding) for finding in others)
    seen = set()
    result = []
    for finding in findings:
        if _key(finding) not in keys and _key(finding) not in seen:
            seen.add(_key(finding))
            result.append(finding)
    return result


def report_changes(previous, current):
    """See the module docstring."""
    if not isinstance(previous, dict) or not isinstance(previous.get('results'), list):
        return None
    before = _results(previous)
    after = _results(current)
    clusters = []
    for key in sorted(set(before) | set(after)):
        old_outcome, old = before.get(key, (None, []))
        outcome, findings = after.get(key, (None, []))
        new, cleared = _minus(findings, old), _minus(old, findings)
        if new or cleared or old_outcome != outcome:
            clusters.append({'cluster': key[0], 'check': key[1], 'previous_outcome': old_outcome if key in before else None,
                             'outcome': outcome if key in after else None, 'new': new, 'cleared': cleared})
    return {'previous_generated_at': _text(previous.get('generated_at')),
            'previous_fingerprint': _text(previous.get('fingerprint')), 'clusters': clusters}


def _describe(finding):
    return '[%s] %s (%s)' % (finding['severity'], finding['code'], finding['node'] or 'cluster')


def change_lines(changes):
    """The changes for people, one line per cluster and check."""
    if changes is None:
        return ['changes: no previous report to compare with']
    if not changes['clusters']:
        return ['changes since the report of %s: none' % (changes['previous_generated_at'] or '?')]
    lines = ['changes since the report of %s:' % (changes['previous_generated_at'] or '?')]
    for change in changes['clusters']:
        parts = ['%s -> %s' % (change['previous_outcome'] or 'absent', change['outcome'] or 'absent')]
        parts += ['new %s' % _describe(finding) for finding in change['new']]
        parts += ['cleared %s' % _describe(finding) for finding in change['cleared']]
        lines.append('  %s %s: %s' % (change['cluster'], change['check'], '; '.join(parts)))
    return lines
