# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Prometheus textfile export of the fleet report, read back with prometheus_client's own parser."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re

import jsonschema
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._report import REPORT_SCHEMA, RENDERERS, build_report
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import gate_verdict

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NOW = '2026-03-01T00:00:00Z'


API_SHARDS = {'mc4': 4, 'ha': 1}


def support(name, mutate=None):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        body = json.load(handle)
    if mutate:
        mutate(body['support'])
    return evaluate(body, now=NOW, shard_count=API_SHARDS.get(name))  # what GET /v1/account/shards answers


def entry(host, data, source='stored'):
    return {'host': host, 'wabiz_support': data,
            'wabiz_gate': gate_verdict(data, cluster=host, checked_at=NOW, source=source, url='https://u:pw@wa.example:9090/x?t=1',
                                       now=NOW)}


def shard_owner_down(body):
    name = sorted(key for key, node in body.items() if node.get('role') == 'coreapp' and node.get('shards'))[0]
    body[name]['socket_conn'] = 'DN'


def fleet():
    failed = {'host': 'down', 'wabiz_gate': gate_verdict({'error': {'code': 'unreachable', 'message': 'connection refused'}},
                                                         cluster='down', checked_at=NOW, source='stored')}
    return build_report([entry('mc', support('mc4', shard_owner_down)), entry('ha', support('ha')), failed,
                         {'host': 'never'}], generated_at=NOW)


def samples(text):
    families = dict((family.name, family) for family in text_string_to_metric_families(text))
    flat = {}
    for family in families.values():
        for sample in family.samples:
            flat[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return families, flat


def test_report_carries_nodes_of_stored_data_and_validates():
    report = fleet()
    jsonschema.validate(json.loads(RENDERERS['json'](report)), REPORT_SCHEMA)
    by_host = dict((result['host'], result) for result in report['results'])
    assert [node['name'] for node in by_host['ha']['nodes']][:1] == [sorted(node['name'] for node in support('ha')['nodes'])[0]]
    assert 'nodes' not in by_host['down'] and 'nodes' not in by_host['never']


def test_fingerprint_is_of_the_verdicts_not_of_the_node_data():
    """Free space moves on every run: the report files are rewritten only when a verdict changes."""
    def less_space(body):
        for node in body.values():
            node['free_space_data'] = 123456789012
    first = build_report([entry('ha', support('ha'))], generated_at=NOW)
    second = build_report([entry('ha', support('ha', less_space))], generated_at=NOW)
    assert first['results'][0]['nodes'] != second['results'][0]['nodes']
    assert first['fingerprint'] == second['fingerprint']


def test_api_verdict_gets_no_stored_nodes():
    """A verdict read over the API is newer than the stored data: the report does not mix them."""
    report = build_report([entry('ha', support('ha'), source='api')], generated_at=NOW)
    assert 'nodes' not in report['results'][0]


def test_parses_with_prometheus_client_and_holds_the_verdicts():
    text = RENDERERS['prometheus'](fleet())
    families, flat = samples(text)
    assert all(name.startswith('wabiz_') for name in families)
    assert all(family.type == 'gauge' for family in families.values())
    # exactly one HELP and one TYPE line per metric
    for name in families:
        assert text.count('# HELP %s ' % name) == 1 and text.count('# TYPE %s gauge' % name) == 1
    assert flat[('wabiz_cluster_passed', (('check', 'health_gate'), ('cluster', 'ha')))] == 1.0
    assert flat[('wabiz_cluster_passed', (('check', 'health_gate'), ('cluster', 'mc')))] == 0.0
    assert flat[('wabiz_cluster_passed', (('check', 'health_gate'), ('cluster', 'down')))] == 0.0
    assert flat[('wabiz_cluster_status', (('check', 'health_gate'), ('cluster', 'mc'), ('status', 'critical')))] == 1.0
    assert flat[('wabiz_cluster_status', (('check', 'health_gate'), ('cluster', 'mc'), ('status', 'ok')))] == 0.0
    assert flat[('wabiz_cluster_outcome', (('check', 'health_gate'), ('cluster', 'never'), ('outcome', 'not_run')))] == 1.0
    assert flat[('wabiz_cluster_error_info', (('check', 'health_gate'), ('cluster', 'down'), ('code', 'unreachable')))] == 1.0
    assert flat[('wabiz_cluster_finding_code', (('check', 'health_gate'), ('cluster', 'mc'), ('code', 'socket_conn_down'),
                                                ('severity', 'critical')))] == 1.0
    assert flat[('wabiz_cluster_findings', (('check', 'health_gate'), ('cluster', 'mc'), ('severity', 'critical')))] == 1.0
    assert flat[('wabiz_cluster_blocking_findings', (('check', 'health_gate'), ('cluster', 'ha')))] == 0.0
    assert flat[('wabiz_report_results', (('outcome', 'passed'),))] == 1.0
    assert flat[('wabiz_report_generated_timestamp_seconds', ())] == 1772323200.0


def test_node_metrics_free_space_expiry_and_shard_owners():
    report = fleet()
    data = support('mc4')
    node = [item for item in data['nodes'] if item['role'] == 'primary_master'][0]
    bounded = [item for item in data['nodes'] if item['free_space']['logs'] < 2 ** 62][0]
    families, flat = samples(RENDERERS['prometheus'](report))
    labels = (('cluster', 'mc'), ('directory', 'logs'), ('node', bounded['name']), ('role', bounded['role']))
    assert flat[('wabiz_node_free_space_bytes', labels)] == float(bounded['free_space']['logs'])
    owners = sorted((sample.labels['shard'], sample.labels['node']) for sample in families['wabiz_shard_owner_info'].samples
                    if sample.labels['cluster'] == 'mc')
    expected = sorted((str(shard), owner) for shard, names in data['cluster']['owned_shards'].items() for owner in names)
    assert owners == expected and ('-1', node['name']) in owners
    assert flat[('wabiz_cluster_build_expires_in_days', (('cluster', 'mc'),))] == data['cluster']['expires_in_days']
    expiry = flat[('wabiz_node_build_expiry_timestamp_seconds', (('cluster', 'mc'), ('node', node['name'])))]
    assert abs(expiry - 1772323200.0 - node['expires_in_days'] * 86400) < 864  # expires_in_days has 2 decimals
    assert flat[('wabiz_node_connected', (('cluster', 'mc'), ('node', node['name']), ('role', 'primary_master')))] == 1.0


def test_unbounded_free_space_is_inf():
    def unbounded(body):
        for node in body.values():
            node['free_space_media_outgoing'] = 2 ** 63 - 1
    report = build_report([entry('mc', support('mc4', unbounded))], generated_at=NOW)
    dummy, flat = samples(RENDERERS['prometheus'](report))
    values = [value for (name, labels), value in flat.items()
              if name == 'wabiz_node_free_space_bytes' and ('directory', 'media_outgoing') in labels]
    assert values and all(value == float('inf') for value in values)


def test_label_values_are_escaped():
    hostile = u'eu"1\\\nx\udc00y'
    verdict = {'cluster': hostile, 'passed': False, 'status': 'critical', 'fail_on': 'critical', 'error': None,
               'findings': [{'code': 'free_space_low', 'severity': 'warning', 'node': 'n"1', 'message': 'm'}], 'blocking': []}
    text = RENDERERS['prometheus'](build_report([{'host': 'h', 'wabiz_gate': verdict}], generated_at=NOW))
    dummy, flat = samples(text)
    clusters = set(dict(labels).get('cluster') for (name, labels) in flat if name == 'wabiz_cluster_passed')
    assert clusters == {u'eu"1\\\nxy'}  # quote, backslash and newline round-trip; the report drops the lone surrogate
    assert not re.search(u'[\ud800-\udfff]', text)


def test_no_secret_or_url_in_export():
    text = RENDERERS['prometheus'](fleet())
    assert 'pw' not in text and 'wa.example' not in text and 'env' not in text


def test_any_json_in_an_error_still_renders():
    """Verdict errors are copied as the facts hold them: a code that is not a string is a label value all the same."""
    verdict = {'cluster': 'x', 'passed': False, 'status': 'error', 'error': {'code': ['odd', 1], 'message': {'m': None}}}
    report = build_report([{'host': 'x', 'wabiz_gate': verdict}], generated_at=NOW)
    code = report['results'][0]['error']['code']
    dummy, flat = samples(RENDERERS['prometheus'](report))
    assert flat[('wabiz_cluster_error_info', (('check', 'health_gate'), ('cluster', 'x'), ('code', code)))] == 1.0
    assert code in RENDERERS['html'](report)
