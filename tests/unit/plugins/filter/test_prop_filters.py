# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the filters (plugins/filter/support.py, report.py): arbitrary JSON as input and as any option ends
in a value or an AnsibleFilterError with the filter's name, never another exception; fleet_gate gives every host a
verdict whatever its stored data holds. The number of examples comes from the hypothesis profile (conftest)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible.errors import AnsibleFilterError

from ansible_collections.wabiz.onprem.plugins.filter import report as report_filters
from ansible_collections.wabiz.onprem.plugins.filter import support as support_filters
from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate

NOW = '2026-03-01T00:00:00Z'
F = dict(support_filters.FilterModule().filters(), **report_filters.FilterModule().filters())
FIXTURE = os.path.join(os.path.dirname(__file__), '..', 'module_utils', 'fixtures', 'mc4.json')
SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))
SPECIAL_TEXT = st.sampled_from([u'\ufffe', u'\ud800', u'\x00', u'a|b\nc', 'https://u:p@h:1/x?token=t#f', '9' * 5000, 'v2.59.0',
                                'critical', 'warning', 'json', 'junit', 'markdown', 'summary', '2026-03-01T00:00:00Z', 'name', ''])
TEXT = st.one_of(st.text(st.characters(exclude_categories=()), max_size=12), SPECIAL_TEXT)
HUGE = st.integers(4300, 5000).map(lambda digits: 10 ** digits)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), HUGE, st.floats(allow_nan=True, allow_infinity=True), TEXT)
JSON = st.recursive(SCALARS, lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
                    max_leaves=10)


def stored():
    with open(FIXTURE) as handle:
        return evaluate(json.load(handle), now=NOW)


STORED = stored()
# (required, optional) positional arguments after the input, per filter
ARGUMENTS = {
    'support_findings': (0, 2), 'support_report': (0, 2), 'shard_map': (0, 0), 'nodes_by_role': (0, 1), 'gate_verdict': (0, 9),
    'upgrade_check': (1, 9), 'fleet_report': (0, 3), 'fleet_report_render': (0, 1), 'fleet_gate': (1, 5),
}


@pytest.mark.parametrize('name', sorted(ARGUMENTS))
def test_every_filter_takes_arbitrary_json(name):
    @given(st.one_of(JSON, st.just(STORED), st.just(STORED['nodes'])),
           st.lists(JSON, min_size=ARGUMENTS[name][0], max_size=ARGUMENTS[name][1]))
    @SETTINGS
    def run(data, arguments):
        try:
            F[name](data, *arguments)
        except AnsibleFilterError as exc:
            assert str(exc).startswith('wabiz.onprem.%s: ' % name)
    run()


@given(st.dictionaries(st.sampled_from(['wabiz_support', 'ansible_facts', 'wabiz_cluster', 'wabiz_url']), JSON), JSON)
@SETTINGS
def test_fleet_gate_gives_every_host_with_data_a_verdict(host_vars, policy):
    hostvars = {'good': {'wabiz_support': STORED}, 'odd': host_vars}
    try:
        fleet = F['fleet_gate'](hostvars, ['good', 'odd'], policy=policy, now=NOW)
    except AnsibleFilterError as exc:
        assert str(exc).startswith('wabiz.onprem.fleet_gate: ')
        return
    assert sorted(list(fleet['verdicts']) + fleet['pending']) == ['good', 'odd']
    for host, verdict in fleet['verdicts'].items():
        assert (host in fleet['failed']) is (verdict['passed'] is not True)
