# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""Merge the fleet reports of the slices of one run (AWX job slicing, or ``--limit`` per slice) into one report.

``merge_reports(reports, title=None, generated_at=None)`` -> report dict, the shape of ``_report.build_report``
    ``reports`` is a list of reports made by ``build_report`` (the JSON files the slices wrote). Every result is kept;
    a host and check found in several reports must carry the same verdict there (a ``not_run`` result gives way to
    a real one), else the merge fails: two different verdicts for one cluster cannot make one honest report.
    Summary, verdict and fingerprint are computed over the merged results as ``build_report`` does, so the merge of
    the slices of a fleet equals the report of the unsliced run (same verdicts, same finding codes, same fingerprint).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.wabiz.onprem.plugins.module_utils._report import OUTCOMES, REPORT_VERSION, fingerprint
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import utc_now


def _summary(results):
    # the same counts and verdict rule as _report.build_report
    counts = dict((outcome, sum(1 for result in results if result['outcome'] == outcome)) for outcome in OUTCOMES)
    verdict = 'passed' if results and counts['passed'] == len(results) else (
        'failed' if counts['failed'] or counts['error'] else ('not_run' if not counts['passed'] else 'incomplete'))
    return dict(counts, results=len(results), clusters=len(set(result['host'] for result in results)),
                checks=sorted(set(result['check'] for result in results)), verdict=verdict)


def _check_report(index, report):
    if not isinstance(report, dict) or report.get('report_version') != REPORT_VERSION or not isinstance(report.get('results'), list):
        raise ValueError('report %d is not a wabiz.onprem fleet report of version %d (it needs report_version and results)'
                         % (index + 1, REPORT_VERSION))
    for result in report['results']:
        if not isinstance(result, dict) or not result.get('host') or not result.get('check') or result.get('outcome') not in OUTCOMES:
            raise ValueError('report %d has a result without host, check or a valid outcome: %r' % (index + 1, result))


def merge_reports(reports, title=None, generated_at=None):
    """One report from the reports of the slices; see the module docstring."""
    if not isinstance(reports, (list, tuple)) or not reports:
        raise ValueError('expected a non-empty list of fleet reports, got %r' % (reports if not isinstance(reports, (list, tuple)) else 'an empty list'))
    merged = {}
    origin = {}
    for index, report in enumerate(reports):
        _check_report(index, report)
        for result in report['results']:
            key = (result['host'], result['check'])
            previous = merged.get(key)
            if previous is None or previous['outcome'] == 'not_run':
                merged[key], origin[key] = result, index
            elif result['outcome'] != 'not_run' and fingerprint([result]) != fingerprint([previous]):
                raise ValueError('%s (%s) has different verdicts in report %d (%s) and report %d (%s): merge the reports of '
                                 'one run only' % (key[0], key[1], origin[key] + 1, previous['outcome'], index + 1, result['outcome']))
    results = sorted(merged.values(), key=lambda result: (result.get('cluster') or '', result['host'], result['check']))
    return {
        'report_version': REPORT_VERSION,
        'title': title or reports[0].get('title') or 'wabiz.onprem fleet report',
        'generated_at': generated_at or utc_now(),
        'fingerprint': fingerprint(results),
        'summary': _summary(results),
        'results': results,
    }
