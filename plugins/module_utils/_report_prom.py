# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""The fleet report in the Prometheus text exposition format, for node_exporter's textfile collector
(pure, stdlib only).

``render_prometheus(report)`` -> str. Every metric has the ``wabiz_`` prefix, one HELP and one TYPE line
(all gauges), its unit in its name (bytes, seconds, days) and escaped label values. Cluster metrics come
from the results; node metrics (free space, build expiry, shard owners, link) from the ``nodes`` a result
carries (see ``_report_nodes``). An unbounded free space value (about 2^63) is exported as ``+Inf``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from datetime import datetime, timezone

UNBOUNDED = 2 ** 62
STATUSES = ('ok', 'warning', 'critical', 'error')
OUTCOMES = ('passed', 'failed', 'error', 'not_run')
SEVERITIES = ('critical', 'warning')
_SURROGATES_RE = re.compile(u'[\ud800-\udfff]')

# name -> help; every metric is a gauge
METRICS = (
    ('wabiz_report_generated_timestamp_seconds', 'Time the fleet report was generated (Unix seconds).'),
    ('wabiz_report_results', 'Results in the fleet report by outcome (one result per cluster and check).'),
    ('wabiz_cluster_passed', '1 when the cluster passed the check, else 0 (failed, could not be read, or not run).'),
    ('wabiz_cluster_outcome', 'Outcome of the check for the cluster: 1 for the current outcome, 0 for the others.'),
    ('wabiz_cluster_status', 'Status of the cluster (worst finding severity, or error): 1 for the current one, 0 for the others.'),
    ('wabiz_cluster_findings', 'Findings of the cluster by severity.'),
    ('wabiz_cluster_blocking_findings', 'Findings of the cluster at or above fail_on (they fail the check).'),
    ('wabiz_cluster_finding_code', 'Findings of the cluster by finding code and severity (only codes present).'),
    ('wabiz_cluster_error_info', 'Error code of a cluster that could not be checked (value 1).'),
    ('wabiz_cluster_build_expires_in_days', 'Days from the report time to the earliest build expiry of the cluster.'),
    ('wabiz_node_free_space_bytes', 'Free space of a node per directory (+Inf: unbounded).'),
    ('wabiz_node_build_expiry_timestamp_seconds', 'Build expiry of a node (Unix seconds).'),
    ('wabiz_node_build_expires_in_days', 'Days from the report time to the build expiry of a node.'),
    ('wabiz_node_connected', '1 when the socket_conn of the node is UP, else 0.'),
    ('wabiz_shard_owner_info', 'Owner of a shard (value 1; shard -1 is the control shard).'),
)


def _label(text):
    return text.replace('\\', '\\\\').replace('\n', '\\n').replace('"', '\\"')


def _number(value):
    if value == float('inf'):
        return '+Inf'
    if isinstance(value, float) and value != int(value):
        return repr(round(value, 4))
    return '%d' % value


def _epoch(stamp):
    try:
        return (datetime.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=timezone.utc)
                - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds()
    except (TypeError, ValueError):
        return None


class _Samples(object):
    """Samples by metric name; a label set given twice keeps its first value (the file must stay valid)."""

    def __init__(self):
        self.samples = dict((name, []) for name, dummy in METRICS)
        self.seen = set()

    def add(self, name, labels, value):
        labels = [(key, _SURROGATES_RE.sub(u'\ufffd', u'%s' % ('' if item is None else item,))) for key, item in labels]
        key = (name, tuple(labels))
        if value is None or key in self.seen:
            return
        self.seen.add(key)
        self.samples[name].append((labels, value))

    def lines(self):
        lines = []
        for name, text in METRICS:
            if not self.samples[name]:
                continue
            lines += ['# HELP %s %s' % (name, text), '# TYPE %s gauge' % name]
            for labels, value in self.samples[name]:
                label_text = ','.join('%s="%s"' % (key, _label(item)) for key, item in labels)
                lines.append('%s%s %s' % (name, '{%s}' % label_text if label_text else '', _number(value)))
        return lines


def _cluster_samples(out, result):
    labels = [('cluster', result['cluster']), ('check', result['check'])]
    out.add('wabiz_cluster_passed', labels, 1 if result['outcome'] == 'passed' else 0)
    for outcome in OUTCOMES:
        out.add('wabiz_cluster_outcome', labels + [('outcome', outcome)], 1 if result['outcome'] == outcome else 0)
    if result['outcome'] != 'not_run':
        for status in STATUSES:
            out.add('wabiz_cluster_status', labels + [('status', status)], 1 if result['status'] == status else 0)
        for severity in SEVERITIES:
            out.add('wabiz_cluster_findings', labels + [('severity', severity)],
                    sum(1 for finding in result['findings'] if finding['severity'] == severity))
        out.add('wabiz_cluster_blocking_findings', labels, len(result['blocking']))
    counts = {}
    for finding in result['findings']:
        key = (finding['code'], finding['severity'])
        counts[key] = counts.get(key, 0) + 1
    for (code, severity), count in sorted(counts.items(), key=lambda item: (u'%s' % item[0][0], u'%s' % item[0][1])):
        out.add('wabiz_cluster_finding_code', labels + [('code', code), ('severity', severity)], count)
    if result['error']:
        out.add('wabiz_cluster_error_info', labels + [('code', result['error'].get('code'))], 1)


def _node_samples(out, cluster, nodes, now):
    earliest = None
    for node in nodes:
        labels = [('cluster', cluster), ('node', node['name'])]
        for directory in sorted(node['free_space']):
            value = node['free_space'][directory]
            out.add('wabiz_node_free_space_bytes', labels + [('role', node['role']), ('directory', directory)],
                    float('inf') if value is not None and value >= UNBOUNDED else value)
        expiry = _epoch(node['expire_timestamp'])
        if expiry is not None:
            earliest = expiry if earliest is None else min(earliest, expiry)
            out.add('wabiz_node_build_expiry_timestamp_seconds', labels, int(expiry))
            if now is not None:
                out.add('wabiz_node_build_expires_in_days', labels, round((expiry - now) / 86400.0, 2))
        out.add('wabiz_node_connected', labels + [('role', node['role'])], 1 if node['socket_conn'] == 'UP' else 0)
        for shard in node['shards']:
            out.add('wabiz_shard_owner_info', [('cluster', cluster), ('shard', shard), ('node', node['name'])], 1)
    if earliest is not None and now is not None:
        out.add('wabiz_cluster_build_expires_in_days', [('cluster', cluster)], round((earliest - now) / 86400.0, 2))


def render_prometheus(report):
    """The report as Prometheus text; see the module docstring."""
    out = _Samples()
    now = _epoch(report.get('generated_at'))
    out.add('wabiz_report_generated_timestamp_seconds', [], None if now is None else int(now))
    for outcome in OUTCOMES:
        out.add('wabiz_report_results', [('outcome', outcome)], report['summary'].get(outcome, 0))
    for result in report['results']:
        _cluster_samples(out, result)
    for result in report['results']:
        if result.get('nodes'):
            _node_samples(out, result['cluster'], result['nodes'], now)
    return '# wabiz.onprem report fingerprint: %s\n%s\n' % (report['fingerprint'], '\n'.join(out.lines()))
