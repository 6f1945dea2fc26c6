# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""Pre-upgrade go / no-go and rolling restart plan (pure, stdlib only).

Public API:

``assess(data, target_version, policy=None, fail_on='critical', min_free_space='10GiB',
free_space=None, cluster=None, checked_at=None, url=None, now=None)`` -> the ``wabiz_pre_upgrade`` dict
    ``data`` is support data (a ``support_info`` result, the ``wabiz_support`` fact or a report),
    re-evaluated at ``now`` like every gate. The gate (``_verdict.gate_verdict``: every ``_checks``
    finding at or above ``fail_on``) must pass, and the upgrade checks below (codes
    ``UPGRADE_FINDING_CODES``) must find nothing critical: every node reports a comparable version
    and a known role, and no step of the restart plan leaves a shard without an owner.
    ``schema_upgrade`` says at which step the database schema is upgraded.

``restart_plan(report)`` -> ordered list of steps (standby coreapps, secondary masters,
    shard-owning coreapps one at a time by shard, then the primary master).

``parse_version(text)`` -> tuple of ints or ``None`` (``v2.45.1`` -> ``(2, 45, 1)``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.wabiz.onprem.plugins.module_utils._policy import human_size, parse_size
from ansible_collections.wabiz.onprem.plugins.module_utils._support import DIRECTORIES, UNBOUNDED, socket_state
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import (
    blocking,
    check_text_options,
    finding_line,
    gate_with_report,
)

UPGRADE_FINDING_CODES = {
    'upgrade_target_invalid': {'severity': 'critical', 'description': 'target_version is not a version such as v2.47.0'},
    'upgrade_version_unknown': {'severity': 'critical', 'description': 'a node reports no version, or one that cannot be compared'},
    'upgrade_version_mixed': {'severity': 'critical', 'description': 'nodes run more than one version (an upgrade is already under way)'},
    'upgrade_target_not_newer': {'severity': 'critical', 'description': 'target_version is not newer than the running version'},
    'upgrade_build_expired': {'severity': 'critical', 'description': 'a node runs an expired build'},
    'upgrade_free_space_low': {'severity': 'critical', 'description': 'a directory is below the upgrade free space level'},
    'upgrade_standby_missing': {
        'severity': 'critical',
        'description': 'HA/MC: a step of the restart plan leaves a coreapp shard without an owner (no standby coreapp can take it over)',
    },
    'upgrade_secondary_missing': {
        'severity': 'critical',
        'description': 'MC: restarting the primary master leaves the control shard without an owner (no secondary master can take it over)',
    },
    'upgrade_node_state': {'severity': 'critical', 'description': 'a node is in error, in a transient state (SC, UP receiving offline) or has an unknown role'},
    'upgrade_topology_unknown': {'severity': 'critical', 'description': 'the topology cannot be told, so no restart order can be planned'},
    'upgrade_no_failover': {'severity': 'warning', 'description': 'single instance: the restart interrupts service'},
}

PHASES = ('standby_coreapps', 'secondary_masters', 'shard_owners', 'primary_master', 'single')
# a number of more than 9 digits is not a version part (and int() refuses 4300 digits and more)
_VERSION_RE = re.compile(r'^\s*[vV]?(\d{1,9}(?:\.\d{1,9})*)(?!\d)')
# the operator's target_version: the whole text is the version, a pre-release or build suffix at most (a typo never
# counts as its leading digits)
_TARGET_RE = re.compile(r'^\s*[vV]?\d{1,9}(?:\.\d{1,9})*(?:[-+][0-9A-Za-z.+-]+)?\s*$')
_SEVERITY_ORDER = {'critical': 0, 'warning': 1}


def parse_version(text):
    """``v2.45.1``, ``2.45``, ``v2.45.1-beta`` -> ``(2, 45, 1)``; ``None`` when not a version."""
    if not isinstance(text, str):
        return None
    match = _VERSION_RE.match(text)
    if not match:
        return None
    parts = [int(part) for part in match.group(1).split('.')]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _finding(code, node, message):
    return {'code': code, 'severity': UPGRADE_FINDING_CODES[code]['severity'], 'node': node, 'message': message}


def _step(node, phase, note):
    return {
        'node': node['name'], 'hostname': node.get('hostname'), 'container_id': node.get('container_id'),
        'role': node.get('role'), 'shards': list(node.get('shards') or []), 'version': node.get('version'),
        'phase': phase, 'note': note,
    }


def _message_shards(node):
    return [shard for shard in node.get('shards') or [] if shard >= 0]


def restart_plan(report):
    """Safe rolling restart order for the nodes of ``report`` (normalized data or a report)."""
    nodes = sorted(report['nodes'], key=lambda node: node['name'])
    if report['topology'] == 'single':
        return [dict(_step(node, 'single', 'single instance: the restart interrupts service'), step=index + 1)
                for index, node in enumerate(nodes)]
    coreapps = [node for node in nodes if node['role'] == 'coreapp']
    standby = [node for node in coreapps if not node.get('shards')]
    owners = sorted((node for node in coreapps if node.get('shards')),
                    key=lambda node: (min(_message_shards(node) or [99]), node['name']))
    steps = [_step(node, 'standby_coreapps', 'standby coreapp (owns no shard): upgrade first so it can take shards over')
             for node in standby]
    steps += [_step(node, 'secondary_masters', 'secondary master: can take over from the primary master')
              for node in nodes if node['role'] == 'secondary_master']
    for node in owners:
        shards = ', '.join(str(shard) for shard in node['shards'])
        steps.append(_step(node, 'shard_owners', 'owns shard(s) %s: restart alone, then wait until a standby coreapp owns '
                                                 'shard(s) %s and is UP before the next node' % (shards, shards)))
    if any(node['role'] == 'secondary_master' for node in nodes):
        last_note = 'primary master: last; a secondary master takes over during its restart'
    else:
        last_note = ('primary master: last; no secondary master can take over: the cluster has no master while it restarts '
                     '(coreapps keep serving the API; no registration, settings change or failover until it is back)')
    steps += [_step(node, 'primary_master', last_note) for node in nodes if node['role'] == 'primary_master']
    for index, step in enumerate(steps):
        step['step'] = index + 1
    return steps


def _version_findings(nodes, target_version):
    findings = []
    target = parse_version(target_version) if isinstance(target_version, str) and _TARGET_RE.match(target_version) else None
    if target is None:
        findings.append(_finding('upgrade_target_invalid', None, 'target_version %r is not a version (expected for example v2.47.0)'
                                 % (target_version,)))
    versions = {}
    for node in nodes:
        if node['errors']:
            continue  # upgrade_node_state already stops it; it reports no version at all
        if parse_version(node['version']) is None:
            findings.append(_finding('upgrade_version_unknown', node['name'], 'node reports %s: the version it runs cannot be told'
                                     % ('no version' if node['version'] is None else 'version %r' % node['version'])))
        else:
            versions.setdefault(node['version'], []).append(node['name'])
    parsed = {}
    for version in versions:
        parsed.setdefault(parse_version(version), []).append(version)
    current = None
    if not versions:
        findings.append(_finding('upgrade_version_unknown', None, 'no node reports a version that can be compared'))
    elif len(parsed) > 1:
        findings.append(_finding('upgrade_version_mixed', None, 'nodes run %d versions (an upgrade is already under way; finish '
                                 'or roll it back first): %s' % (len(parsed), '; '.join(
                                     '%s on %s' % (version, ', '.join(versions[version])) for version in sorted(versions)))))
    else:
        current = sorted(versions)[0]
        if target is not None and target <= list(parsed)[0]:
            findings.append(_finding('upgrade_target_not_newer', None, 'target %s is not newer than the running version %s'
                                     % (target_version, current)))
    return current, findings


def _check_levels(free_space):
    for directory in free_space:
        if directory not in DIRECTORIES:
            raise ValueError('free_space: unknown directory %r (known directories: %s)' % (directory, ', '.join(DIRECTORIES)))


def _free_space_findings(report, min_free_space, free_space):
    """Every directory of a node below its upgrade level (``free_space[directory]``, else ``min_free_space``); a
    directory that says it is unbounded (2^62 bytes and more) is never low, as in the checks of ``_checks``."""
    findings = []
    for node in report['nodes']:
        for directory in DIRECTORIES:
            value = node['free_space'].get(directory)
            level = free_space.get(directory, min_free_space)
            if value is not None and value < UNBOUNDED and value < level:
                findings.append(_finding('upgrade_free_space_low', node['name'], '%s free space %s is below the upgrade level %s'
                                         % (directory, human_size(value), human_size(level))))
    return findings


def _state_findings(report):
    findings = []
    for node in report['nodes']:
        name = node['name']
        if node.get('errors'):
            findings.append(_finding('upgrade_node_state', name, 'node is in error (%s); restart or repair it before the upgrade'
                                     % '; '.join('%s %s' % (error.get('code'), error.get('title')) for error in node['errors'])))
            continue
        if node.get('role') == 'unknown':
            findings.append(_finding('upgrade_node_state', name, 'node has an unknown role; it cannot be placed in the restart order'))
        if node.get('socket_conn') is not None and socket_state(node['socket_conn']) == 'transient':
            findings.append(_finding('upgrade_node_state', name, 'node is in a transient state (socket_conn %s); wait until it settles'
                                     % node['socket_conn']))
        days = node.get('expires_in_days')
        if days is not None and days < 0:
            findings.append(_finding('upgrade_build_expired', name, 'node runs an expired build (expire_timestamp %s)'
                                     % node.get('expire_timestamp')))
    return findings


def _topology_findings(report):
    topology = report['topology']
    if topology == 'single':
        return [_finding('upgrade_no_failover', None, 'single instance: nothing can take over, the restart interrupts service')]
    if topology not in ('ha', 'multiconnect'):
        return [_finding('upgrade_topology_unknown', None, 'topology is %s: cannot plan a rolling restart' % topology)]
    return []


def _takeover_findings(report, plan):
    """Walk the plan: every shard of the node a step restarts needs another node, not in error, to take it over.

    The control shard of a multiconnect cluster goes to a secondary master; every other shard (message shards, and
    HA's -1 and 0 on a coreapp) to a standby coreapp. The node restarted at one step is a standby again for the next
    one, so what a step needs is one candidate other than the node it restarts."""
    if report['topology'] not in ('ha', 'multiconnect'):
        return []
    nodes = dict((node['name'], node) for node in report['nodes'])
    secondaries = [node['name'] for node in report['nodes'] if node['role'] == 'secondary_master' and not node['errors']]
    standbys = [node['name'] for node in report['nodes'] if node['role'] == 'coreapp' and not node['shards'] and not node['errors']]
    findings = []
    for step in plan:
        shards = nodes[step['node']]['shards']
        control = [shard for shard in shards if shard < 0] if report['topology'] == 'multiconnect' else []
        others = [shard for shard in shards if shard not in control]
        intro = 'step %d restarts %s %s: ' % (step['step'], step['role'], step['node'])
        if control and not [name for name in secondaries if name != step['node']]:
            findings.append(_finding('upgrade_secondary_missing', step['node'], intro + 'control shard -1 would have no owner '
                                     '(no secondary master, not in error, can take it over)'))
        if others and not [name for name in standbys if name != step['node']]:
            findings.append(_finding('upgrade_standby_missing', step['node'], intro + '%s %s would have no owner (no standby '
                                     'coreapp, a coreapp owning no shard and not in error, can take %s over)' % (
                                         'shards' if len(others) > 1 else 'shard', ', '.join(str(shard) for shard in others),
                                         'them' if len(others) > 1 else 'it')))
    return findings


def _schema_upgrade(plan, topology, target_version):
    """Where the plan upgrades the database schema: {step, node, note}, or None without a plan."""
    if topology == 'single' and plan:
        step = plan[0]
        note = ('DB schema upgrade (when %s changes the schema; the API does not say): run it before starting the new '
                'container, with the coreapp image and WA_DB_UPGRADE=1 (Meta\'s dbupgrade-compose.yml)' % target_version)
    else:
        masters = [step for step in plan if step['phase'] == 'primary_master']
        if not masters:
            return None
        step = masters[0]
        if not [other for other in plan if other['phase'] == 'secondary_masters']:
            note = ('DB schema upgrade (when %s changes the schema; the API does not say): there is no secondary master, so '
                    'the primary master, restarted on %s, upgrades the database schema itself; /v1/health reports '
                    'uninitialized until it is done: wait for connected before going on' % (target_version, target_version))
            step['note'] = '%s; %s' % (step['note'], note)
            return {'step': step['step'], 'node': step['node'], 'note': note}
        note = ('DB schema upgrade (when %s changes the schema; the API does not say): when the primary master restarts, a '
                'secondary master already on %s takes the master lease and, as the primary master, upgrades the database '
                'schema; /v1/health reports uninitialized until it is done: wait for connected before going on'
                % (target_version, target_version))
    step['note'] = '%s; %s' % (step['note'], note)
    return {'step': step['step'], 'node': step['node'], 'note': note}


def _sort_key(finding):
    return (_SEVERITY_ORDER.get(finding['severity'], 0), finding['code'], finding['node'] or '', finding['message'])


def _upgrade_levels(min_free_space, free_space):
    """The upgrade free space levels in bytes: ``(min_free_space, {directory: bytes})``."""
    if free_space is not None and not isinstance(free_space, dict):
        raise ValueError('upgrade free space levels: expected a mapping of directory -> size, got %s' % type(free_space).__name__)
    try:
        return parse_size(min_free_space), dict((key, parse_size(value)) for key, value in (free_space or {}).items() if value is not None)
    except ValueError as exc:
        raise ValueError('upgrade free space level: %s' % exc)


def _upgrade_findings(report, plan, target_version, min_free_space, free_space):
    """``(current version, sorted upgrade findings)`` of a fresh report."""
    current, findings = _version_findings(report['nodes'], target_version)
    findings += _state_findings(report)
    findings += _topology_findings(report)
    findings += _takeover_findings(report, plan)
    findings += _free_space_findings(report, min_free_space, free_space)
    findings.sort(key=_sort_key)
    return current, findings


def _lines(findings):
    return ''.join('\n- %s' % finding_line(finding) for finding in findings)


def _message(name, verdict, report):
    """The people's text of a checked verdict: NO-GO with every finding, or GO with the restart order."""
    current, target_version, findings, plan = verdict['current_version'], verdict['target_version'], verdict['findings'], verdict['plan']
    if verdict['blocking']:
        return '%s: NO-GO for the upgrade %s -> %s: %d blocking of %d finding(s):%s' % (
            name, current or '?', target_version, len(verdict['blocking']), len(findings), _lines(findings))
    order = ''.join('\n  %d. %s (%s%s)' % (step['step'], step['node'], step['role'],
                                           ', shards %s' % ', '.join(str(s) for s in step['shards']) if step['shards'] else '')
                    for step in plan)
    schema_upgrade = verdict['schema_upgrade']
    schema = '\nschema upgrade at step %d: %s' % (schema_upgrade['step'], schema_upgrade['note']) if schema_upgrade else ''
    extra = '\nfinding(s) below the threshold:%s' % _lines(findings) if findings else ''
    return '%s: GO for the upgrade %s -> %s (%s); restart order:%s%s%s' % (
        name, current, target_version, report['topology'], order, schema, extra)


def assess(data, target_version, policy=None, fail_on='critical', min_free_space='10GiB', free_space=None,
           cluster=None, checked_at=None, url=None, now=None):
    """The ``wabiz_pre_upgrade`` verdict; see the module docstring and docs/data-model.md. The data is checked once:
    the gate and the upgrade checks read the same fresh report."""
    check_text_options(target_version=target_version)
    min_free_space, free_space = _upgrade_levels(min_free_space, free_space)
    report, gate = gate_with_report(data, policy=policy, fail_on=fail_on, cluster=cluster, checked_at=checked_at, url=url, now=now)
    verdict = {
        'cluster': cluster,
        'url': gate['url'],
        'go': False,
        'status': gate['status'],
        'fail_on': fail_on,
        'target_version': target_version,
        'current_version': None,
        'topology': gate['topology'],
        'findings': [],
        'blocking': [],
        'plan': [],
        'error': gate['error'],
        'checked_at': gate['checked_at'],
        'upgrade_levels': {'min_free_space': min_free_space, 'free_space': free_space},
        'schema_upgrade': None,
    }
    if gate['error'] is not None:
        verdict['message'] = '%s: NO-GO for the upgrade to %s: the cluster could not be checked: [%s] %s' % (
            cluster or 'cluster', target_version, gate['error']['code'], gate['error']['message'])
        return verdict
    _check_levels(free_space)
    plan = restart_plan(report)
    current, findings = _upgrade_findings(report, plan, target_version, min_free_space, free_space)
    all_findings = gate['findings'] + findings
    stopping = gate['blocking'] + blocking(findings, 'critical')
    status = 'critical' if any(f['severity'] == 'critical' for f in all_findings) else ('warning' if all_findings else 'ok')
    verdict.update(go=not stopping, status=status, current_version=current, findings=all_findings, blocking=stopping, plan=plan,
                   schema_upgrade=_schema_upgrade(plan, report['topology'], target_version))
    verdict['message'] = _message(cluster or 'cluster', verdict, report)
    return verdict
