# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""Merge the fleet reports of the slices of one run (AWX job slicing, or ``--limit`` per slice) into one report.

``merge_reports(reports, title=None, generated_at=None)`` -> report dict, the shape of ``_report.build_report``
    ``reports`` is a list of reports made by ``build_report`` (the JSON files the slices wrote); each must fit
    ``REPORT_SCHEMA`` (``_report.checked_report``), match its fingerprint, and no result may pass with a blocking
    finding or an error, else the merge fails (a report file is input like any other). Every result is kept; a host and check found in
    several reports must carry the same verdict there (a ``not_run`` result gives way to a real one), else the
    merge fails: two different verdicts for one cluster cannot make one honest report.
    Summary, verdict and fingerprint are computed over the merged results as ``build_report`` does, so the merge of
    the slices of a fleet equals the report of the unsliced run (same verdicts, same finding codes, same fingerprint).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.wabiz.onprem.plugins.module_utils._report import (
    REPORT_VERSION, checked_report, contradicts_pass, fingerprint, report_text, summarize,
)
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import utc_now


def _checked(index, report):
    try:
        report = checked_report(report)
    except ValueError as exc:
        raise ValueError('report %d: %s' % (index + 1, exc))
    if report['fingerprint'] != fingerprint(report['results']):
        raise ValueError('report %d: its fingerprint does not match its results (changed after it was written?)' % (index + 1))
    for result in report['results']:
        # fail closed: a pass with a blocking finding or an error was not made by build_report, nor one whose findings
        # or status say it cannot pass (an emptied blocking list)
        if result['outcome'] == 'passed' and (result['blocking'] or result['error'] or contradicts_pass(result)):
            raise ValueError('report %d: %s (%s) is passed with a blocking finding or an error' % (index + 1, result['host'], result['check']))
    return report


def merge_reports(reports, title=None, generated_at=None):
    """One report from the reports of the slices; see the module docstring."""
    if not isinstance(reports, (list, tuple)) or not reports:
        raise ValueError('expected a non-empty list of fleet reports, got %s'
                         % ('an empty list' if isinstance(reports, (list, tuple)) else 'a value of type %s' % type(reports).__name__))
    checked = [_checked(index, report) for index, report in enumerate(reports)]
    merged = {}
    origin = {}
    for index, report in enumerate(checked):
        for result in report['results']:
            key = (result['host'], result['check'])
            previous = merged.get(key)
            if previous is None or previous['outcome'] == 'not_run':
                merged[key], origin[key] = result, index
            elif result['outcome'] != 'not_run' and fingerprint([result]) != fingerprint([previous]):
                raise ValueError('%s (%s) has different verdicts in report %d (%s) and report %d (%s): merge the reports of '
                                 'one run only' % (key[0], key[1], origin[key] + 1, previous['outcome'], index + 1, result['outcome']))
    results = sorted(merged.values(), key=lambda result: (result['cluster'] or '', result['host'], result['check']))
    try:
        # the same checks as every report: the title and the time given here are input too
        return checked_report({
            'report_version': REPORT_VERSION,
            'title': report_text(title) or checked[0]['title'],
            'generated_at': generated_at or utc_now(),
            'fingerprint': fingerprint(results),
            'summary': summarize(results),
            'results': results,
        })
    except ValueError as exc:
        raise ValueError('the merged report: %s' % exc)
