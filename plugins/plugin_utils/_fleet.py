# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""What a fleet pass reads from the variables of the hosts of a play (``hostvars``), for the ``fleet_gate`` and
``fleet_report`` filters and the ``fleet_report_write`` action: each host's stored support data, its verdict facts.
Bad input is a ValueError; the callers turn it into their own error."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections.abc import Mapping

from ansible_collections.wabiz.onprem.plugins.module_utils._report import CHECKS, report_text
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import freshest_stored
from ansible_collections.wabiz.onprem.plugins.plugin_utils._data import host_values, plain

# support_facts' fact first, then the inventory plugin's variable, and when the plugin read the cluster
STORED = ('ansible_facts.wabiz_support', 'wabiz_support', 'wabiz_support_fetched_at')


def check_hosts(hostvars, hosts):
    """ValueError unless ``hostvars`` is a mapping and ``hosts`` a list of its host names."""
    if not isinstance(hostvars, Mapping):
        raise ValueError('the input must be hostvars, got %s' % type(hostvars).__name__)
    if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise ValueError('hosts must be a list of inventory host names, got %s' % report_text(hosts))
    for host in hosts:
        if not isinstance(host, str) or host not in hostvars:
            raise ValueError('%s is not an inventory host' % report_text(host))


def stored_support(values):
    """The support data among ``values`` ({name: value} of STORED) to gate on: the most recent reading, the fact before
    the inventory plugin's variable when equally recent; None when there is none, or when the inventory read the cluster
    later than that (its fresher reading is hidden, see freshest_stored)."""
    return freshest_stored((values.get(STORED[0]), values.get(STORED[1])), values.get(STORED[2]))


def gate_inputs(hostvars, host):
    """(the host's stored support data or None, its wabiz_cluster, its wabiz_url, its wabiz_policy or None)."""
    values = host_values(hostvars, host, STORED + ('wabiz_cluster', 'wabiz_url', 'wabiz_policy'))
    return stored_support(values), values.get('wabiz_cluster'), values.get('wabiz_url'), values.get('wabiz_policy')


def report_entries(hostvars, hosts, gate_verdicts=None):
    """The entries of ``build_report`` for ``hosts``: their verdict facts (``gate_verdicts``, {host: wabiz_gate} of the
    health gate's fleet pass, before the hosts' own ``wabiz_gate``) and their stored support data (node data)."""
    check_hosts(hostvars, hosts)
    if gate_verdicts is None:
        gate_verdicts = {}
    if not isinstance(gate_verdicts, Mapping):
        raise ValueError('gate_verdicts must be a dictionary host: verdict, got %s' % report_text(gate_verdicts))
    facts = tuple(fact for dummy, fact in CHECKS)
    entries = []
    for host in hosts:
        values = host_values(hostvars, host, facts + STORED)
        entry = dict((fact, values.get(fact)) for fact in facts)
        entry['host'] = host
        if host in gate_verdicts:
            entry['wabiz_gate'] = plain(gate_verdicts[host])
        # node data for the HTML and Prometheus reports (_report_nodes): the data a stored verdict was computed from,
        # picked as in gate_inputs (the two differ when facts are not injected as variables)
        data = stored_support(values)
        if data is not None:
            entry['wabiz_support'] = data
        entries.append(entry)
    return entries
