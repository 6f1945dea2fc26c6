#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: fleet_report_write
short_description: Write a fleet report as JSON, Markdown, JUnit XML, HTML and Prometheus files on the controller
version_added: 0.1.0
description:
  - Writes a fleet report into O(dir), one file per format, each atomically (a temporary file in the same directory,
    then a rename). The report is either given (O(report), built by the P(wabiz.onprem.fleet_report#filter) filter) or
    built here from the variables of O(hosts), exactly as that filter builds it.
  - With O(hosts) the report never passes through a template, and the result holds only what a play needs of it
    (RV(summary), RV(summary_lines), RV(not_passed)). On a fleet of a thousand clusters that saves most of the time
    of the report (each pass of a report through a template costs about a second there). To get the report itself as
    data, use the filter.
  - Every file carries the fingerprint of the verdicts. When the files exist and the first one already carries the
    fingerprint of O(report), nothing is written and the task is not changed, so a rerun over an unchanged fleet is
    idempotent.
  - The C(prometheus) file (for node_exporter's textfile collector) is the exception, it is rewritten on every run (not
    in check mode) so that its timestamps stay fresh; C(changed) still says only whether the verdicts changed.
  - Compares the report with the previous one in O(dir) (C(<basename>.json), when it exists). The files written and the
    result say, per cluster and check, which findings are new and which cleared and how the outcome moved (RV(changes)).
  - Runs on the controller as an action plugin, without a module run per file. Used by the
    R(wabiz.onprem.fleet_report,ansible_collections.wabiz.onprem.fleet_report_role) role.
  - Changes nothing on the WhatsApp Business API clients.
author:
  - wabiz.onprem maintainers (@wabiz-onprem)
options:
  report:
    description:
      - The report, as built by P(wabiz.onprem.fleet_report#filter).
      - Exactly one of O(report) and O(hosts) is required.
    type: dict
  hosts:
    description:
      - Build the report from the variables of these inventory hosts (their verdict facts C(wabiz_gate) and
        C(wabiz_pre_upgrade), and their stored support data for the node tables, C(ansible_facts.wabiz_support)
        first, then C(wabiz_support)), as
        C(hostvars | wabiz.onprem.fleet_report(hosts=...)) does.
      - Each value is read untemplated when it holds nothing Ansible would template, else through templating.
    type: list
    elements: str
  title:
    description: Title of the report built from O(hosts); C(wabiz.onprem fleet report) when not set.
    type: str
  gate_verdicts:
    description:
      - With O(hosts), C({host, verdict}) from the health gate's fleet pass (C(wabiz_gate_fleet.verdicts)); a host's
        verdict here comes before its own C(wabiz_gate).
    type: dict
  dir:
    description: Directory of the files on the controller; created (mode C(0755)) when missing.
    type: path
    required: true
  basename:
    description: File name without the extension (C(.json), C(.md), C(.xml), C(.html), C(.prom)); a plain name (no C(/)).
    type: str
    default: wabiz-report
  formats:
    description: Formats to write.
    type: list
    elements: str
    choices: [json, markdown, junit, html, prometheus]
    default: [json, markdown, junit]
  mode:
    description: File mode of the files, an octal string of permission bits (no setuid, setgid or sticky bit).
    type: raw
    default: '0644'
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode it says whether it would write, and writes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff mode).
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
'''

EXAMPLES = r'''
- name: Build the report from the verdicts of the play's hosts and write it
  wabiz.onprem.fleet_report_write:
    hosts: "{{ ansible_play_hosts_all }}"
    dir: /var/tmp/wabiz-report
  run_once: true
  register: written

- name: Fail when a cluster did not pass
  ansible.builtin.assert:
    that: written.not_passed | length == 0
    fail_msg: "{{ written.not_passed | map(attribute='cluster') | join(', ') }} did not pass"
  run_once: true

- name: Or build the report as data first
  ansible.builtin.set_fact:
    report: "{{ hostvars | wabiz.onprem.fleet_report(hosts=ansible_play_hosts_all) }}"
  run_once: true

- name: Build the report from the verdicts of the play's hosts
  ansible.builtin.set_fact:
    report: "{{ hostvars | wabiz.onprem.fleet_report(hosts=ansible_play_hosts_all) }}"
  run_once: true

- name: Write it
  wabiz.onprem.fleet_report_write:
    report: "{{ report }}"
    dir: /var/tmp/wabiz-report
  run_once: true
'''

RETURN = r'''
paths:
  description: The report files, in the order of O(formats).
  returned: always
  type: list
  elements: str
  sample: [/var/tmp/wabiz-report/wabiz-report.json, /var/tmp/wabiz-report/wabiz-report.md, /var/tmp/wabiz-report/wabiz-report.xml]
changes:
  description:
    - What changed since the previous report in O(dir); null when there is none (or it cannot be read).
    - C(clusters) lists the clusters and checks whose outcome changed or whose findings differ; a finding is the same
      finding when its code, severity and node are.
  returned: always
  type: dict
  contains:
    previous_generated_at:
      description: When the previous report was generated.
      type: str
    previous_fingerprint:
      description: Fingerprint of the previous report.
      type: str
    clusters:
      description: "C({cluster, check, previous_outcome, outcome, new, cleared}); C(new) and C(cleared) are lists of findings
        C({code, severity, node, message}); an outcome is null when the cluster was not in that report."
      type: list
      elements: dict
  sample:
    previous_generated_at: '2026-11-30T06:00:00Z'
    previous_fingerprint: 5f0c1c8e2b7d4a3f9e6b1d0c2a4e8f7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f
    clusters:
      - {cluster: eu-1, check: health_gate, previous_outcome: passed, outcome: failed, cleared: [],
         new: [{code: socket_conn_down, severity: critical, node: 'wacore2:0a1b2c3d4e5f', message: 'the node ... is DN'}]}
changes_summary:
  description: RV(changes) as lines for people.
  returned: always
  type: list
  elements: str
  sample: ['changes since the report of 2026-11-30T06:00:00Z:', '  eu-1 health_gate: passed -> failed; new [critical] socket_conn_down (wacore2:0a1b2c3d4e5f)']
summary:
  description: The C(summary) of the report (the count of each outcome, of results, clusters and checks, the verdict).
  returned: always
  type: dict
  sample: {passed: 2, failed: 1, error: 0, not_run: 0, results: 3, clusters: 3, checks: [health_gate], verdict: failed}
summary_lines:
  description: The report as a fixed-width table for people, one line per result, then the totals.
  returned: always
  type: list
  elements: str
  sample: ['CLUSTER  CHECK        OUTCOME  STATUS    BLOCKING  FINDINGS  DETAIL', 'verdict FAILED: 2 passed, 1 failed, 0 error, 0 not run']
not_passed:
  description: The results that did not pass (failed, error, not run), C({host, cluster, check, outcome, message}) each.
  returned: always
  type: list
  elements: dict
  sample: [{host: eu-1, cluster: eu-1, check: health_gate, outcome: failed, message: 'eu-1 FAILED the health gate ...'}]
fingerprint:
  description: Fingerprint of the verdicts in the report.
  returned: always
  type: str
  sample: 5f0c1c8e2b7d4a3f9e6b1d0c2a4e8f7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f
'''
