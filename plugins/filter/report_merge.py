# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet_report_merge filter; documentation in fleet_report_merge.yml. Logic in module_utils/_report_merge.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.wabiz.onprem.plugins.module_utils._report_merge import merge_reports
from ansible_collections.wabiz.onprem.plugins.plugin_utils._data import plain


def fleet_report_merge(reports, title=None, generated_at=None):
    """One fleet report from the reports of the slices of one run."""
    try:
        # a plain dict (not _report's _CheckedReport): Ansible warns about a dict subclass in a variable
        return dict(merge_reports(plain(reports), title=title, generated_at=generated_at))
    except (ValueError, KeyError, TypeError) as exc:
        raise AnsibleFilterError('wabiz.onprem.fleet_report_merge: %s' % exc)


class FilterModule(object):
    """wabiz.onprem fleet report merge filter."""

    def filters(self):
        return {'fleet_report_merge': fleet_report_merge}
