# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""Gate verdicts over support data (pure, stdlib only).

Turns what the collection already produces (a ``support_info`` result, the ``wabiz_support``
host variable / fact, or any report of ``_checks``) into the ``wabiz_gate`` verdict of
docs/data-model.md. Every finding comes from ``_checks.evaluate``: no check is written here,
only the pass/fail rule (``fail_on``) and the message for people.

Stored data is re-evaluated, never trusted: the nodes are turned back into the ``/v1/support``
body they stand for and normalized and checked again at ``now``, so a stored status, findings,
cluster summary or days-to-expiry never decide a verdict. Only the shard count read from
``GET /v1/account/shards`` (an answer of the API, not a conclusion) and the reasons of unusable
fields are carried over.

Public API:

``support_report(data, policy=None, now=None)`` -> ``(report, error)``
    ``report`` is a fresh ``_checks`` report of ``data`` under ``policy`` at ``now`` (default: the
    current time); ``None`` when ``data`` is a failed call or cannot be re-evaluated; ``error`` is
    ``{code, message, ...}`` or ``None`` (``bad_response`` for stored nodes that are not normalized
    nodes, ``invalid_policy``). Raises ``ValueError`` when ``data`` is not support data at all.

``gate_verdict(data, policy=None, fail_on='critical', cluster=None, checked_at=None, url=None,
source=None, attempts=None, wait_timeout=None, now=None)`` -> the ``wabiz_gate`` dict. ``source``
(``api`` or ``stored``), ``attempts`` (polls made) and ``wait_timeout`` (seconds; when the gate did
not pass the message says the deadline ran out) only annotate the verdict.

``finding_line(finding)``, ``blocking(findings, fail_on)``, ``utc_now()``, ``safe_url(url)`` (= ``_client.public_url``),
``safe_error(error)``, ``check_text_options(**options)``. Options of the wrong type raise ``ValueError``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from datetime import datetime, timezone

from ansible_collections.wabiz.onprem.plugins.module_utils._client import public_url
from ansible_collections.wabiz.onprem.plugins.module_utils._checks import PolicyError, merge_policy, report_from_normalized
from ansible_collections.wabiz.onprem.plugins.module_utils._support import (
    DIRECTORIES,
    SupportShapeError,
    is_keyed,
    normalize,
    parse_timestamp,
)

FAIL_ON = ('critical', 'warning')
SEVERITY_RANK = {'critical': 2, 'warning': 1}
# Keys of an error dict that may go into a verdict (the message of a WabizError never holds secrets).
ERROR_KEYS = ('code', 'message', 'status', 'api_code', 'title', 'details', 'retry_after')


# Normalized node field -> the /v1/support field it was read from (see docs/data-model.md).
_RAW_FIELDS = (('role', 'role'), ('socket_conn', 'socket_conn'), ('version', 'version'), ('build', 'description'),
               ('expire_timestamp', 'expire_timestamp'), ('db_engine', 'db_engine'), ('schema', 'schema'),
               ('multi_connect', 'multi_connect'), ('os_name', 'os_name'), ('os_version', 'os_version'), ('lc', 'lc'),
               ('lg', 'lg'))


class StoredDataError(ValueError):
    """Stored support data whose nodes cannot be re-evaluated (error code ``bad_response``)."""


def safe_url(url):
    """``_client.public_url``, and None for a URL that does not even parse (it is never shown raw)."""
    try:
        return public_url(url)
    except ValueError:
        return None


def utc_now():
    """The current time as ``2026-03-01T12:00:00Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).strftime('%Y-%m-%dT%H:%M:%SZ')


def safe_error(error):
    """Only the documented keys of an error dict; ``None`` stays ``None``."""
    if error is None:
        return None
    if not isinstance(error, dict):
        return {'code': 'module_failed', 'message': error if isinstance(error, str) else
                'the call failed with an error of type %s' % type(error).__name__}
    result = dict((key, error[key]) for key in ERROR_KEYS if error.get(key) is not None)
    result.setdefault('code', 'module_failed')
    result.setdefault('message', 'the call failed without a message')
    return result


def _check_fail_on(fail_on):
    if fail_on not in FAIL_ON:
        raise ValueError('fail_on must be one of %s, got %r' % (', '.join(FAIL_ON), fail_on))
    return fail_on


def blocking(findings, fail_on='critical'):
    """The findings at or above ``fail_on`` (order kept)."""
    threshold = SEVERITY_RANK[_check_fail_on(fail_on)]
    return [finding for finding in findings if SEVERITY_RANK.get(finding.get('severity'), 2) >= threshold]


def finding_line(finding):
    """``[critical] shard_unowned (cluster): shard 2 has no owner`` for one finding."""
    return '[%s] %s (%s): %s' % (finding.get('severity'), finding.get('code'), finding.get('node') or 'cluster',
                                 finding.get('message'))


def _invalid_fields(node):
    items = node.get('invalid_fields')
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _raw_entry(node, keyed):
    """The /v1/support entry a normalized node stands for; unusable fields stay unusable."""
    if not isinstance(node, dict):
        raise StoredDataError('a stored node is not an object but %s' % type(node).__name__)
    if node.get('errors'):
        return {'errors': node['errors']}
    entry = dict((raw, node[field]) for field, raw in _RAW_FIELDS if node.get(field) is not None)
    if not keyed or entry.get('role') == 'unknown':
        entry.pop('role', None)
    shards = node.get('shards')
    if shards:
        entry['shards'] = [[shard, shard] for shard in shards] if isinstance(shards, list) else shards
    if node.get('registered') is False:
        entry['debug_info'] = 'unregistered'
    elif node.get('registered') is not None:
        entry['debug_info'] = node.get('phone_number') or node['registered']
    free_space = node.get('free_space')
    if isinstance(free_space, dict):
        for directory in DIRECTORIES:
            if free_space.get(directory) is not None:
                entry['free_space_' + directory] = free_space[directory]
    elif free_space is not None:
        entry['free_space_data'] = free_space
    for item in _invalid_fields(node):
        # a value no field accepts: the field (or a part of it, a shard range, a schema entry) was unusable when read
        field, marker = item.get('field'), [item.get('reason')]
        if not isinstance(field, str):
            continue
        if field == 'errors':
            marker = item['reason'] if isinstance(item.get('reason'), str) else 'unusable'  # a list would be an error envelope
        if field not in entry:
            entry[field] = marker
        elif isinstance(entry[field], list):
            entry[field] = entry[field] + [marker]
        elif isinstance(entry[field], dict):
            entry[field] = dict(entry[field])
            entry[field][''] = marker
    return entry


def _keep_reasons(data, normalized):
    """Put back the reasons of the stored unusable fields (the rebuilt value only says 'got list')."""
    reasons = {}
    for node in data['nodes']:
        for item in _invalid_fields(node):
            if isinstance(item.get('reason'), str):
                reasons[(node.get('name'), item.get('field'))] = item['reason']
    for node in normalized['nodes']:
        for item in node['invalid_fields']:
            item['reason'] = reasons.get((node['name'], item['field']), item['reason'])


def _re_evaluate(data, policy, now):
    """A fresh report of stored normalized data: rebuild the body, normalize and check it again at ``now``."""
    effective = merge_policy(policy)
    nodes = data['nodes']
    if not isinstance(nodes, list):
        raise StoredDataError('nodes is not a list but %s' % type(nodes).__name__)
    keyed = data['topology'] != 'single'
    if not keyed and len(nodes) != 1:
        raise StoredDataError('a single instance holds exactly one node, got %d' % len(nodes))
    support = {}
    for node in nodes:
        name = node.get('name') if isinstance(node, dict) else None
        if not isinstance(name, str):
            raise StoredDataError('a stored node has no name (got %s)' % type(name).__name__)
        if name in support:
            raise StoredDataError('node %s is listed twice' % name)
        support[name] = _raw_entry(node, keyed)
    if keyed and not is_keyed(support):
        raise StoredDataError('node names %s are field names of a single instance' % ', '.join(sorted(support)))
    single_name = 'single' if keyed else nodes[0]['name']
    # the shard count read from the API, and the one the data was read with a policy pinning it, are not conclusions
    cluster = data.get('cluster') if isinstance(data.get('cluster'), dict) else {}
    source = cluster.get('shard_count_source')
    shard_count = cluster.get('shard_count') if source == 'api' else None
    expected = effective['expected_shards']
    if expected is None and source == 'policy':
        expected = cluster.get('shard_count')
    normalized = normalize({'support': support if keyed else support[single_name]}, shard_count=shard_count, now=now,
                           single_name=single_name, expected_shards=expected)
    _keep_reasons(data, normalized)
    return report_from_normalized(normalized, effective)


def _evaluation_time(now):
    if now is None or isinstance(now, datetime):
        return now
    if isinstance(now, str):
        try:
            return parse_timestamp(now)
        except ValueError as exc:
            raise ValueError('now: %s' % exc)
    raise ValueError('now: expected an ISO 8601 time such as 2026-03-01T12:00:00Z, got %s' % type(now).__name__)


def support_report(data, policy=None, now=None):
    """Re-check support data under ``policy`` at ``now``; see the module docstring."""
    now = _evaluation_time(now)
    if not isinstance(data, dict):
        raise ValueError('expected support data (a support_info result, the wabiz_support fact or a report), got %s'
                         % type(data).__name__)
    if data.get('error') is not None and not data.get('nodes'):
        return None, safe_error(data['error'])
    if data.get('failed') and not data.get('nodes'):
        return None, safe_error({'code': 'module_failed', 'message': data.get('msg')})
    if not all(key in data for key in ('topology', 'nodes', 'cluster')):
        raise ValueError('expected support data with topology, nodes and cluster (a support_info result, the wabiz_support '
                         'fact or a report); got keys %s' % ', '.join(sorted(str(key) for key in data)))
    try:
        return _re_evaluate(data, policy, now), None
    except PolicyError as exc:
        return None, {'code': 'invalid_policy', 'message': str(exc)}
    except (StoredDataError, SupportShapeError) as exc:
        return None, {'code': 'bad_response', 'message': 'the stored support data cannot be checked again: %s' % exc}


def _lines(findings):
    return ''.join('\n- %s' % finding_line(finding) for finding in findings)


def gate_verdict(data, policy=None, fail_on='critical', cluster=None, checked_at=None, url=None,
                 source=None, attempts=None, wait_timeout=None, now=None):
    """The ``wabiz_gate`` verdict for ``data`` (see docs/data-model.md)."""
    check_text_options(source=source)
    for name, value in (('attempts', attempts), ('wait_timeout', wait_timeout)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 2 ** 63):
            raise ValueError('%s: expected a number of %s, got %s' % (name, 'polls' if name == 'attempts' else 'seconds', type(value).__name__))
    verdict = _gate_verdict(data, policy, fail_on, cluster, checked_at, url, now)
    verdict['source'] = source
    verdict['attempts'] = attempts
    if wait_timeout and not verdict['passed']:
        verdict['message'] = 'deadline of %s s passed after %s poll(s), the last one says: %s' % (
            wait_timeout, attempts if attempts is not None else '?', verdict['message'])
    return verdict


def check_text_options(**options):
    """Raise ValueError naming the first option that is neither None nor a string."""
    for name in sorted(options):
        if options[name] is not None and not isinstance(options[name], str):
            raise ValueError('%s: expected a string, got %s' % (name, type(options[name]).__name__))


def _gate_verdict(data, policy, fail_on, cluster, checked_at, url, now):
    _check_fail_on(fail_on)
    check_text_options(cluster=cluster, checked_at=checked_at)
    report, error = support_report(data, policy, now)
    name = cluster or 'cluster'
    verdict = {
        'cluster': cluster,
        'url': safe_url(url),
        'passed': False,
        'status': 'error',
        'fail_on': fail_on,
        'findings': [],
        'blocking': [],
        'error': error,
        'topology': None,
        'checked_at': checked_at or utc_now(),
    }
    if error is not None:
        verdict['message'] = '%s could not be checked: [%s] %s' % (name, error['code'], error['message'])
        return verdict
    findings = report['findings']
    stopping = blocking(findings, fail_on)
    verdict.update(passed=not stopping, status=report['status'], findings=findings, blocking=stopping,
                   topology=report['topology'])
    nodes = report['cluster'].get('node_count', len(report['nodes']))
    if stopping:
        verdict['message'] = '%s FAILED the health gate (fail_on %s, %s, %d node(s)): %d blocking of %d finding(s):%s' % (
            name, fail_on, report['topology'], nodes, len(stopping), len(findings), _lines(findings))
    elif findings:
        verdict['message'] = '%s passed the health gate (fail_on %s, %s, %d node(s)) with %d finding(s) below the threshold:%s' % (
            name, fail_on, report['topology'], nodes, len(findings), _lines(findings))
    else:
        verdict['message'] = '%s passed the health gate (fail_on %s, %s, %d node(s)): no findings' % (
            name, fail_on, report['topology'], nodes)
    return verdict
