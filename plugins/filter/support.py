# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over normalized /v1/support data; documentation in the adjacent <filter>.yml files.

All logic lives in module_utils (``_checks``, ``_verdict``, ``_upgrade``); these are thin wrappers
that turn ``ValueError`` into ``AnsibleFilterError`` and leave undefined values to Jinja.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.wabiz.onprem.plugins.module_utils._support import ROLES
from ansible_collections.wabiz.onprem.plugins.module_utils._upgrade import assess
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import check_gate_options
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import gate_verdict as _gate_verdict
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import support_report as _support_report
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import freshest_stored, layered_policy, stored_age
from ansible_collections.wabiz.onprem.plugins.plugin_utils._data import plain
from ansible_collections.wabiz.onprem.plugins.plugin_utils._fleet import check_hosts, gate_inputs


def _report(name, data, policy=None, now=None):
    try:
        report, error = _support_report(plain(data), plain(policy), now)
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.%s: %s' % (name, exc))
    if error is not None:
        raise AnsibleFilterError('wabiz.onprem.%s: the support data holds no nodes: [%s] %s' % (name, error['code'], error['message']))
    return report


def support_findings(data, policy=None, now=None):
    """Findings of support data re-checked under ``policy`` at ``now``."""
    return _report('support_findings', data, policy, now)['findings']


def support_report(data, policy=None, now=None):
    """The whole report of support data re-checked under ``policy`` at ``now``."""
    return _report('support_report', data, policy, now)


def _fresh(name, data):
    """The re-evaluated report of support data, or of a list of normalized nodes (no shard count, no topology then)."""
    try:
        data = plain(data)
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.%s: %s' % (name, exc))
    if isinstance(data, list):
        single = len(data) == 1 and isinstance(data[0], dict) and data[0].get('role') == 'single'
        return _report(name, {'topology': 'single' if single else 'unknown', 'nodes': data, 'cluster': {}}), True
    if isinstance(data, dict) and 'nodes' in data:
        # the policy the data was read with decides which shards exist (expected_shards)
        return _report(name, data, data.get('policy') if isinstance(data.get('policy'), dict) else None), False
    raise AnsibleFilterError('wabiz.onprem.%s: expected support data (a support_info result, the wabiz_support fact or a report) '
                             'or a list of normalized nodes, got %s' % (name, type(data).__name__))


def shard_map(data):
    """Shard id (int, -1 = control shard) -> sorted list of owning node names; unowned shards map to []."""
    report, only_nodes = _fresh('shard_map', data)
    result = {}
    for node in report['nodes']:
        for shard in node['shards']:
            result.setdefault(shard, []).append(node['name'])
    if not only_nodes:
        for shard in report['cluster']['unowned_shards']:
            result.setdefault(shard, [])
    return dict((shard, sorted(result[shard])) for shard in sorted(result))


def nodes_by_role(data, attribute='name'):
    """Role -> list of nodes (their ``attribute``, or the whole node when ``attribute`` is empty); every role is a key."""
    report, dummy = _fresh('nodes_by_role', data)
    result = dict((role, []) for role in ROLES)
    for node in report['nodes']:
        if attribute and (not isinstance(attribute, str) or attribute not in node):
            raise AnsibleFilterError('wabiz.onprem.nodes_by_role: nodes have no field %s'
                                     % (repr(attribute) if isinstance(attribute, str) else 'of type %s' % type(attribute).__name__))
        result[node['role']].append(node[attribute] if attribute else node)
    return result


def gate_verdict(data, policy=None, fail_on='critical', cluster=None, url=None, checked_at=None, source=None, attempts=None,
                 wait_timeout=None, now=None):
    """The wabiz_gate verdict of support data (or of a failed support_info result)."""
    try:
        return _gate_verdict(plain(data), policy=plain(policy), fail_on=fail_on, cluster=cluster, url=url, checked_at=checked_at,
                             source=source, attempts=attempts, wait_timeout=wait_timeout, now=now)
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.gate_verdict: %s' % exc)


def _fleet_options(hostvars, hosts, policy, fail_on, max_age, now):
    """The policy as plain data; AnsibleFilterError for options that hold for every host (one error, not one per host)."""
    try:
        policy = plain(policy)
        if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, (int, float)) or max_age < 0):
            raise ValueError('max_age: expected a number of seconds >= 0, got %r' % (max_age,))
        check_gate_options(fail_on=fail_on, now=now)
        check_hosts(hostvars, hosts)
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.fleet_gate: %s' % exc)
    return policy


def _fleet_data(hostvars, host, use_stored, max_age, now):
    """(the stored support data to gate, or None when the host must be read over the API; wabiz_cluster; wabiz_url;
    wabiz_policy)."""
    data, cluster, url, host_policy = gate_inputs(hostvars, host)
    if not use_stored:
        data = None
    if data is not None and max_age is not None:
        age = stored_age(data, now)
        if age is None or age > max_age:
            data = None  # too old (or undated) to prove the cluster is healthy now: read it again
    return data, cluster, url, host_policy


def _host_policy(host_policy, policy):
    """The policy a host's stored data is gated with: the one the inventory configures for its cluster (wabiz_policy,
    which a fact read with another policy does not carry) refined key by key by ``policy``; ValueError when it is not
    a dictionary (the cluster fails on its own)."""
    if host_policy is not None and not isinstance(host_policy, dict):
        raise ValueError('wabiz_policy: expected a dictionary, got %s' % type(host_policy).__name__)
    return layered_policy(host_policy, policy)


def fleet_gate(hostvars, hosts, policy=None, fail_on='critical', use_stored=True, now=None, max_age=None):
    """Gate many cluster hosts in one pass from the support data they already carry.

    Returns ``{verdicts: {host: wabiz_gate}, failed: [hosts], pending: [hosts]}``: ``pending`` are the hosts with no
    stored data (or all of them when ``use_stored`` is false), or whose data was read more than ``max_age`` seconds
    ago (or does not say when), to be gated over the API one by one. Each host's data is checked once."""
    policy = _fleet_options(hostvars, hosts, policy, fail_on, max_age, now)
    verdicts = {}
    pending = []
    for host in hosts:
        options = dict(policy=policy, fail_on=fail_on, cluster=host, url=None, source='stored', now=now)
        try:
            data, cluster, options['url'], host_policy = _fleet_data(hostvars, host, use_stored, max_age, now)
            if isinstance(cluster, str) and cluster:
                options['cluster'] = cluster
            if data is None:
                pending.append(host)
                continue
            options['policy'] = _host_policy(host_policy, policy)
            verdicts[host] = _gate_verdict(data, **options)
        except ValueError as exc:
            # one cluster's unusable data never drops the fleet: it fails closed on its own
            error = {'code': 'bad_response', 'message': 'the stored support data cannot be checked: %s' % exc}
            verdicts[host] = _gate_verdict({'error': error}, **options)
    return {'verdicts': verdicts, 'failed': [host for host in verdicts if not verdicts[host]['passed']], 'pending': pending}


def stored_support(readings, read_at=None):
    """Of the readings a host's variables give (the fact, then wabiz_support), the one a gate may decide on, or None
    (see _verdict.freshest_stored). The roles give what their task sees, role and include variables included."""
    if isinstance(readings, (str, Mapping)) or not isinstance(readings, Sequence):
        raise AnsibleFilterError('wabiz.onprem.stored_support: expected a list of support data, got %s' % type(readings).__name__)
    return freshest_stored([plain(data) if isinstance(data, Mapping) else None for data in readings], plain(read_at))


def stored_age_filter(data, now=None):
    """Seconds since support data was read from the API (its ``fetched_at``), None when it does not say."""
    # only fetched_at is read: no copy of the data
    fetched_at = data.get('fetched_at') if isinstance(data, Mapping) else None
    try:
        return stored_age({'fetched_at': fetched_at}, now)
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.stored_age: %s' % exc)


def upgrade_check(data, target_version, policy=None, fail_on='critical', min_free_space='10GiB', free_space=None,
                  cluster=None, url=None, checked_at=None, now=None):
    """The wabiz_pre_upgrade verdict: go / no-go, findings and the restart plan."""
    try:
        return assess(plain(data), target_version, policy=plain(policy), fail_on=fail_on, min_free_space=min_free_space,
                      free_space=plain(free_space), cluster=cluster, url=url, checked_at=checked_at, now=now)
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.upgrade_check: %s' % exc)


class FilterModule(object):
    """wabiz.onprem filters over support data."""

    def filters(self):
        return {
            'support_findings': support_findings,
            'support_report': support_report,
            'shard_map': shard_map,
            'nodes_by_role': nodes_by_role,
            'gate_verdict': gate_verdict,
            'fleet_gate': fleet_gate,
            'upgrade_check': upgrade_check,
            'stored_age': stored_age_filter,
            'stored_support': stored_support,
        }
