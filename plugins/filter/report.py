# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet report filters; documentation in the adjacent <filter>.yml files. Logic in module_utils/_report.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.wabiz.onprem.plugins.module_utils._report import RENDERERS, build_report, report_text, summary_lines
from ansible_collections.wabiz.onprem.plugins.plugin_utils._data import plain
from ansible_collections.wabiz.onprem.plugins.plugin_utils._fleet import report_entries

FORMATS = dict(RENDERERS, summary=summary_lines)


def _entries(data, hosts, gate_verdicts=None):
    """The entries of build_report from ``hostvars`` + ``hosts`` or, without hosts, a list of entries."""
    if hosts is None:
        return plain(data)
    try:
        return report_entries(data, hosts, gate_verdicts)
    except ValueError as exc:
        raise AnsibleFilterError('wabiz.onprem.fleet_report: %s' % exc)


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
