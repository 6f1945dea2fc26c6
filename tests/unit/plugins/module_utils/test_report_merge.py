# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Merge of the fleet reports of the slices of a run (module_utils/_report_merge.py, filter fleet_report_merge)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import jsonschema
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.wabiz.onprem.plugins.filter import support as support_filters
from ansible_collections.wabiz.onprem.plugins.filter.report_merge import FilterModule, fleet_report_merge
from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._report import REPORT_SCHEMA, build_report, fingerprint
from ansible_collections.wabiz.onprem.plugins.module_utils._report_merge import merge_reports

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NOW = '2026-03-01T00:00:00Z'
FILTERS = support_filters.FilterModule().filters()


def GATE(data, **kwargs):  # noqa: N802  (the filter, at the fixtures' time: the same verdict on every call)
    return FILTERS['gate_verdict'](data, now=NOW, checked_at=NOW, **kwargs)


def UPGRADE(data, target, **kwargs):  # noqa: N802
    return FILTERS['upgrade_check'](data, target, now=NOW, checked_at=NOW, **kwargs)


API_SHARDS = {'mc4': 4, 'ha': 1}


def support(name, mutate=None):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        body = json.load(handle)
    if mutate:
        mutate(body['support'])
    return evaluate(body, now=NOW, shard_count=API_SHARDS.get(name))  # what GET /v1/account/shards answers


def shard_gap(data):
    coreapp = sorted(key for key, node in data.items() if node.get('role') == 'coreapp')[1]
    data[coreapp]['shards'] = []


def fleet():
    """Six clusters: passing, failing, unreachable, a pre-upgrade check, a warning, and one without a verdict."""
    return [
        {'host': 'a-ok', 'wabiz_gate': GATE(support('mc4'), cluster='a-ok')},
        {'host': 'b-gap', 'wabiz_gate': GATE(support('mc4', shard_gap), cluster='b-gap')},
        {'host': 'c-down', 'wabiz_gate': GATE({'failed': True, 'error': {'code': 'unreachable', 'message': 'refused'}}, cluster='c-down')},
        {'host': 'd-ha', 'wabiz_gate': GATE(support('ha'), cluster='d-ha'),
         'wabiz_pre_upgrade': UPGRADE(support('ha'), 'v2.59.0', cluster='d-ha')},
        {'host': 'e-single', 'wabiz_gate': GATE(support('single'), cluster='e-single')},
        {'host': 'f-never'},
    ]


def sliced(entries, count):
    """Reports of the slices, as AWX job slicing splits the hosts (host i in slice i mod count)."""
    return [build_report(entries[index::count], generated_at=NOW) for index in range(count)]


def test_three_slices_merge_into_the_unsliced_report():
    whole = build_report(fleet(), generated_at=NOW)
    merged = merge_reports(sliced(fleet(), 3), generated_at=NOW)
    assert merged == whole
    assert merged['summary'] == {'passed': 4, 'failed': 1, 'error': 1, 'not_run': 1, 'results': 7, 'clusters': 6,
                                 'checks': ['health_gate', 'pre_upgrade'], 'verdict': 'failed'}
    jsonschema.validate(merged, REPORT_SCHEMA)


def test_slices_in_any_order_give_the_same_report():
    reports = sliced(fleet(), 3)
    assert merge_reports(reports[::-1], generated_at=NOW) == merge_reports(reports, generated_at=NOW)


def test_all_passed_and_title():
    entries = [entry for entry in fleet() if entry['host'] in ('a-ok', 'e-single')]
    merged = merge_reports(sliced(entries, 2), title='eu fleet', generated_at=NOW)
    assert (merged['summary']['verdict'], merged['title']) == ('passed', 'eu fleet')
    assert merge_reports(sliced(entries, 2))['title'] == 'wabiz.onprem fleet report'


def test_a_real_verdict_replaces_not_run_and_duplicates_are_kept_once():
    never = build_report([{'host': 'a-ok'}], generated_at=NOW)
    ran = build_report([fleet()[0]], generated_at=NOW)
    merged = merge_reports([never, ran, ran], generated_at=NOW)
    assert [(result['host'], result['outcome']) for result in merged['results']] == [('a-ok', 'passed')]
    assert merge_reports([ran, never], generated_at=NOW) == merged


def test_two_different_verdicts_for_one_cluster_fail():
    passed = build_report([fleet()[0]], generated_at=NOW)
    failed = build_report([{'host': 'a-ok', 'wabiz_gate': GATE(support('mc4', shard_gap), cluster='a-ok')}], generated_at=NOW)
    with pytest.raises(ValueError) as caught:
        merge_reports([passed, failed])
    assert str(caught.value) == ('a-ok (health_gate) has different verdicts in report 1 (passed) and report 2 (failed): '
                                 'merge the reports of one run only')


def tampered(change):
    report = build_report(fleet(), generated_at=NOW)
    change(report)
    return report


def shard_gap_passes(report):
    result = [result for result in report['results'] if result['host'] == 'b-gap'][0]
    result['outcome'] = 'passed'
    report['fingerprint'] = fingerprint(report['results'])


def gap_passes_without_blocking(report):
    # the blocking list emptied too: the critical finding and the status still say it cannot pass
    result = [result for result in report['results'] if result['host'] == 'b-gap'][0]
    result.update(outcome='passed', blocking=[])
    report['fingerprint'] = fingerprint(report['results'])


def error_status_passes(report):
    result = [result for result in report['results'] if result['host'] == 'b-gap'][0]
    result.update(outcome='passed', blocking=[], findings=[], status='error')
    report['fingerprint'] = fingerprint(report['results'])


@pytest.mark.parametrize('reports, message', [
    ([tampered(gap_passes_without_blocking)], 'report 1: b-gap (health_gate) is passed with a blocking finding or an error'),
    ([tampered(error_status_passes)], 'report 1: b-gap (health_gate) is passed with a blocking finding or an error'),
    ([], 'expected a non-empty list of fleet reports, got an empty list'),
    ('report.json', 'expected a non-empty list of fleet reports, got a value of type str'),
    ([{'results': []}], 'report 1: not a report made by build_report: report: report_version is missing'),
    ([build_report([], generated_at=NOW), ['x']], 'report 2: not a report made by build_report: report: expected object'),
    ([tampered(lambda report: report['results'][0].update(outcome='maybe'))],
     "report 1: not a report made by build_report: report.results[0].outcome: expected one of"),
    ([tampered(lambda report: report['results'][1].update(outcome='passed'))],
     'report 1: its fingerprint does not match its results (changed after it was written?)'),
    ([tampered(shard_gap_passes)], 'report 1: b-gap (health_gate) is passed with a blocking finding or an error'),
])
def test_bad_input_gives_one_clear_message(reports, message):
    with pytest.raises(ValueError) as caught:
        merge_reports(reports)
    assert str(caught.value).startswith(message)


def test_bad_time_of_the_merged_report():
    with pytest.raises(ValueError) as caught:
        merge_reports(sliced(fleet(), 2), generated_at='yesterday')
    assert str(caught.value).startswith('the merged report: not a report made by build_report: report.generated_at')


def test_filter():
    assert FilterModule().filters() == {'fleet_report_merge': fleet_report_merge}
    assert fleet_report_merge(sliced(fleet(), 2), generated_at=NOW) == build_report(fleet(), generated_at=NOW)
    with pytest.raises(AnsibleFilterError, match='^wabiz.onprem.fleet_report_merge: report 2: not a report made by build_report'):
        fleet_report_merge([build_report([], generated_at=NOW), None])
