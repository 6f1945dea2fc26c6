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

Stored data is re-evaluated, never trusted (``_checks.report_from_normalized`` = ``_support.refresh``
+ the checks at ``now``): a stored status, findings, cluster summary or days-to-expiry never decide a
verdict; the nodes are re-validated and the expiry recomputed from ``expire_timestamp``.

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

``gate_with_report(data, policy=None, fail_on='critical', cluster=None, checked_at=None, url=None, now=None)``
-> ``(report, verdict)``: the same verdict (not annotated) and the report it was decided on, from one evaluation
(``report`` is ``None`` when ``verdict['error']`` is set); for callers that go on from the report (``_upgrade``).

``stored_age(data, now=None)``: seconds since the data was read (``fetched_at``), None when unknown or after ``now``.

``freshest_stored(readings, read_at=None)``: the most recent of the stored readings a host carries, or None when
``read_at`` (when the inventory read the cluster) says a more recent one exists that the host's variables hide.

``layered_policy(stored, policy)``: the stored policy of the data refined key by key by ``policy``.

``finding_line(finding)``, ``blocking(findings, fail_on)``, ``utc_now()``, ``safe_url(url)`` (= ``_client.public_url``),
``safe_error(error)``, ``check_text_options(**options)``, ``check_gate_options(fail_on, now)``. Options of the wrong type raise ``ValueError``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from datetime import datetime, timezone

from ansible_collections.wabiz.onprem.plugins.module_utils._client import public_url
from ansible_collections.wabiz.onprem.plugins.module_utils._checks import report_from_normalized
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import PolicyError
from ansible_collections.wabiz.onprem.plugins.module_utils._support import SupportShapeError, parse_timestamp

FAIL_ON = ('critical', 'warning')
SEVERITY_RANK = {'critical': 2, 'warning': 1}
# Keys of an error dict that may go into a verdict (the message of a WabizError never holds secrets).
ERROR_KEYS = ('code', 'message', 'status', 'api_code', 'title', 'details', 'retry_after')


# Errors a wait never polls again (the options themselves are wrong, or the module could not run): a verdict with one
# of them says why, not that a deadline passed.
NOT_RETRIED = frozenset(('invalid_policy', 'invalid_option', 'password_change_required', 'missing_library'))
NOT_WAITED_ON = NOT_RETRIED | frozenset(('module_failed',))


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


def layered_policy(stored, policy):
    """The policy of a re-check: the one the data was read with (built-in defaults < inventory < per cluster, as
    stored in the data), refined key by key by ``policy`` (role / extra vars)."""
    if not isinstance(stored, dict):
        return policy
    if policy is not None and not isinstance(policy, dict):
        return policy  # merge_policy says what is wrong with it
    layered = dict(stored)
    layered.update(policy or {})
    return layered


def stored_age(data, now=None):
    """Seconds since stored support data was read from the API (its ``fetched_at``), or None when it does not say."""
    then = _read_time(data) if isinstance(data, dict) else None
    if then is None:
        return None
    now = _evaluation_time(now) or datetime.now(timezone.utc)
    age = (now - then).total_seconds()
    # read after now (a clock set back, a hand-written or copied fetched_at): its age is unknown, so it is too old, never
    # forever fresh (fetched_at is cut to the second, so data read on this clock is never dated after now)
    return age if age >= 0 else None


def _time_or_none(value):
    """``value`` as an aware datetime when it is an ISO 8601 text, else None."""
    try:
        return parse_timestamp(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _read_time(data):
    return _time_or_none(data.get('fetched_at'))


def freshest_stored(readings, read_at=None):
    """The most recent of ``readings`` (stored support data a host carries, in order of preference when equally recent
    or undated; what is not a dict is skipped), or None when there is none, or when a dated and an undated one are
    both present (which is the later is unknown).

    ``read_at`` is when the inventory last read the cluster (its ``wabiz_support_fetched_at``). A reading older than
    that, or undated, is never returned then: a fresher one exists that a variable of higher precedence hides (a fact
    cached before a change shadows the inventory's ``wabiz_support``), so the cluster must be read again. A ``read_at``
    that is not a timestamp proves nothing either way: None as well."""
    best, best_time, undated = None, None, False
    for data in readings:
        if not isinstance(data, dict):
            continue
        read = _read_time(data)
        undated = undated or read is None
        if best is None or (read is not None and (best_time is None or read > best_time)):
            best, best_time = data, read
    if best_time is not None and undated:
        # an undated reading (support_facts' fact of a cluster it could not read, on_error warn / ignore) may be the
        # later one: which is the most recent is unknown, so none is (a healthy older reading never hides the error)
        return None
    if best is None or read_at is None:
        return best
    inventory_time = _time_or_none(read_at)
    if inventory_time is None or best_time is None or best_time < inventory_time:
        return None
    return best


def check_gate_options(fail_on='critical', now=None):
    """Raise ValueError for a ``fail_on`` or ``now`` that no gate accepts (what every ``gate_verdict`` call checks first):
    for callers that gate many clusters with the same options and say so once."""
    _check_fail_on(fail_on)
    _evaluation_time(now)


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
    if data.get('error') is not None:  # a failed read never passes, whatever nodes ride along
        return None, safe_error(data['error'])
    # a module that failed before it could answer (bad arguments...) under failed_when: false has failed == False
    if (data.get('failed') or 'failed_when_result' in data) and not data.get('nodes'):
        return None, safe_error({'code': 'module_failed', 'message': data.get('msg')})
    if not all(key in data for key in ('topology', 'nodes', 'cluster')):
        raise ValueError('expected support data with topology, nodes and cluster (a support_info result, the wabiz_support '
                         'fact or a report); got keys %s' % ', '.join(sorted(str(key) for key in data)))
    try:
        return report_from_normalized(data, layered_policy(data.get('policy'), policy), now=now), None
    except PolicyError as exc:
        return None, {'code': 'invalid_policy', 'message': str(exc)}
    except SupportShapeError as exc:
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
    dummy, verdict = gate_with_report(data, policy, fail_on, cluster, checked_at, url, now)
    verdict['source'] = source
    verdict['attempts'] = attempts
    if wait_timeout and not verdict['passed'] and (verdict['error'] or {}).get('code') not in NOT_WAITED_ON:
        verdict['message'] = 'deadline of %s s passed after %s poll(s), the last one says: %s' % (
            wait_timeout, attempts if attempts is not None else '?', verdict['message'])
    return verdict


def check_text_options(**options):
    """Raise ValueError naming the first option that is neither None nor a string."""
    for name in sorted(options):
        if options[name] is not None and not isinstance(options[name], str):
            raise ValueError('%s: expected a string, got %s' % (name, type(options[name]).__name__))


def gate_with_report(data, policy=None, fail_on='critical', cluster=None, checked_at=None, url=None, now=None):
    """``(report, verdict)``: the ``wabiz_gate`` verdict (without the ``source`` and ``attempts`` annotations) and the
    fresh report it was decided on (``None`` when the data could not be checked), from one evaluation of ``data``."""
    _check_fail_on(fail_on)
    check_text_options(cluster=cluster, checked_at=checked_at)
    report, error = support_report(data, policy, now)
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
        verdict['message'] = '%s could not be checked: [%s] %s' % (cluster or 'cluster', error['code'], error['message'])
        return None, verdict
    stopping = blocking(report['findings'], fail_on)
    verdict.update(passed=not stopping, status=report['status'], findings=report['findings'], blocking=stopping,
                   topology=report['topology'])
    verdict['message'] = _gate_message(cluster or 'cluster', fail_on, report, stopping)
    return report, verdict


def _gate_message(name, fail_on, report, stopping):
    findings = report['findings']
    nodes = report['cluster'].get('node_count', len(report['nodes']))
    if stopping:
        return '%s FAILED the health gate (fail_on %s, %s, %d node(s)): %d blocking of %d finding(s):%s' % (
            name, fail_on, report['topology'], nodes, len(stopping), len(findings), _lines(findings))
    if findings:
        return '%s passed the health gate (fail_on %s, %s, %d node(s)) with %d finding(s) below the threshold:%s' % (
            name, fail_on, report['topology'], nodes, len(findings), _lines(findings))
    return '%s passed the health gate (fail_on %s, %s, %d node(s)): no findings' % (name, fail_on, report['topology'], nodes)
