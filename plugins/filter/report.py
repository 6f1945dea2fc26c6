# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet report filters; documentation in the adjacent <filter>.yml files. Logic in module_utils/_report.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.wabiz.onprem.plugins.module_utils._report import CHECKS, RENDERERS, build_report, report_text, summary_lines
from ansible_collections.wabiz.onprem.plugins.plugin_utils._data import plain

FORMATS = dict(RENDERERS, summary=summary_lines)


def _entries(data, hosts, gate_verdicts=None):
    """The entries of build_report from ``hostvars`` + ``hosts`` (only the verdict facts are read) or a list of entries.
    ``gate_verdicts`` ({host: wabiz_gate}, the ``verdicts`` of the health gate's fleet pass) come before the hosts' own."""
    if hosts is None:
        return plain(data)
    if not isinstance(data, Mapping):
        raise AnsibleFilterError('wabiz.onprem.fleet_report: with hosts=, the input must be hostvars, got %s' % type(data).__name__)
    if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('wabiz.onprem.fleet_report: hosts must be a list of inventory host names, got %s' % report_text(hosts))
    if gate_verdicts is None:
        gate_verdicts = {}
    if not isinstance(gate_verdicts, Mapping):
        raise AnsibleFilterError('wabiz.onprem.fleet_report: gate_verdicts must be a dictionary host: verdict, got %s' % report_text(gate_verdicts))
    entries = []
    for host in hosts:
        if not isinstance(host, str) or host not in data:
            raise AnsibleFilterError('wabiz.onprem.fleet_report: %s is not an inventory host' % report_text(host))
        host_vars = data[host]
        entry = {'host': host}
        for dummy, fact in CHECKS:
            entry[fact] = plain(host_vars.get(fact)) if fact in host_vars else None
        if host in gate_verdicts:
            entry['wabiz_gate'] = plain(gate_verdicts[host])
        if 'wabiz_support' in host_vars:  # node data for the HTML and Prometheus reports (_report_nodes)
            entry['wabiz_support'] = plain(host_vars['wabiz_support'])
        entries.append(entry)
    return entries


def fleet_report(data, hosts=None, title=None, generated_at=None, gate_verdicts=None):
    """Report from ``hostvars`` + ``hosts`` or from a list of entries."""
    try:
        return build_report(_entries(data, hosts, gate_verdicts), title=title, generated_at=generated_at)
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.fleet_report: %s' % exc)


def fleet_report_render(report, fmt='json'):
    """Render a fleet report as json, markdown, junit (str) or summary (list of lines)."""
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise AnsibleFilterError('wabiz.onprem.fleet_report_render: format must be one of %s, got %s'
                                 % (', '.join(sorted(FORMATS)), report_text(fmt)))
    try:
        return FORMATS[fmt](plain(report))
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.fleet_report_render: expected a report made by wabiz.onprem.fleet_report (%s)' % exc)


class FilterModule(object):
    """wabiz.onprem fleet report filters."""

    def filters(self):
        return {'fleet_report': fleet_report, 'fleet_report_render': fleet_report_render}
