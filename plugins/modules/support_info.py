#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: support_info
short_description: Read C(GET /v1/support) of a WhatsApp Business API On-Premises client and check it
version_added: 0.1.0
description:
  - Logs in to the webapp (or uses a token), reads C(GET /v1/support) and, for HA and multiconnect clusters,
    C(GET /v1/account/shards).
  - Normalizes both answer shapes (the flat single instance and the object keyed by C(hostname:container-id))
    into a list of nodes, tells the topology (single, HA, multiconnect) and checks roles, shard ownership,
    connection to WhatsApp, free space, build expiry, versions, schema and DB engine against O(policy).
  - Findings never fail the module; transport, authentication and malformed answers do, with a stable
    C(error.code).
  - Read-only. Secret C(env) values of the nodes are redacted; the password and the token never appear in the result.
author:
  - wabiz.onprem maintainers (@wabiz-onprem)
requirements:
  - urllib3
extends_documentation_fragment:
  - wabiz.onprem.connection
  - wabiz.onprem.connection.CREDENTIALS
  - wabiz.onprem.connection.SESSION
  - wabiz.onprem.connection.POLICY
  - wabiz.onprem.attributes
options:
  wait_timeout:
    description:
      - Seconds to keep reading until the cluster passes (no finding at or above O(fail_on)); V(0) reads once. At
        most V(86400) (a day), like O(wait_delay).
      - Every read of the wait shares one session with the webapp, so a wait logs in once and logs out once,
        however many times it reads. A read that fails (the cluster restarts, a failover is under way) is read
        again too, except for errors of the options themselves (C(invalid_policy), C(invalid_option),
        C(password_change_required)).
      - The number of reads is at most O(wait_timeout) / O(wait_delay), rounded up, plus the first one; each read
        may itself take up to O(timeout) times (O(retries) + 1). RV(attempts) says how many were made.
      - The result is that of the last read; the module fails only when that read failed, never because of findings.
    type: float
    default: 0
  wait_delay:
    description: Seconds between two reads of a wait (above V(0)).
    type: float
    default: 10
  fail_on:
    description: Lowest finding severity that keeps a wait (O(wait_timeout)) reading.
    type: str
    choices: [critical, warning]
    default: critical
notes:
  - The module can run on the controller (C(delegate_to=localhost)) or on any host that reaches the webapp;
    C(urllib3) is needed where it runs.
  - Finding codes, error codes and the node fields are a public contract, listed in the collection's C(docs/data-model.md).
seealso:
  - module: wabiz.onprem.support_facts
'''

EXAMPLES = r'''
- name: Read and check a cluster
  wabiz.onprem.support_info:
    url: https://wa-eu-1.example.com:9090
    username: monitor
    password: "{{ vault_wabiz_password }}"
    ca_path: /etc/pki/wabiz/ca.pem
  delegate_to: localhost
  register: wabiz

- name: Stop when anything critical was found
  ansible.builtin.assert:
    that: wabiz.status != 'critical'
    fail_msg: "{{ wabiz.findings | selectattr('severity', 'eq', 'critical') | map(attribute='message') | list }}"

- name: Hold a multiconnect cluster to its sizing and stricter disk levels
  wabiz.onprem.support_info:
    url: https://wa-eu-1.example.com:9090
    token: "{{ wabiz_token }}"
    policy:
      role_counts: {primary_master: 1, secondary_master: 1, coreapp: 5}
      expected_shards: 4
      free_space_warning: 20GiB
      free_space: {logs: {warning: 2GiB, critical: 512MiB}}
      severity: {version_mismatch: critical}
  delegate_to: localhost
  register: wabiz

- name: Wait up to five minutes for a cluster to pass after a restart (one login, one logout)
  wabiz.onprem.support_info:
    url: https://wa-eu-1.example.com:9090
    username: monitor
    password: "{{ vault_wabiz_password }}"
    wait_timeout: 300
    wait_delay: 10
    fail_on: critical
  delegate_to: localhost
  register: wabiz

- name: Set connection options once for every module of the collection
  module_defaults:
    group/wabiz.onprem.support:
      url: "{{ wabiz_url }}"
      username: monitor
      password: "{{ vault_wabiz_password }}"
      ca_path: /etc/pki/wabiz/ca.pem
  block:
    - name: Gate
      wabiz.onprem.support_info:
      delegate_to: localhost
      register: wabiz
'''

RETURN = r'''
reachable:
  description: Whether the webapp answered at the HTTP level (false for C(unreachable), C(timeout), C(tls_error)).
  returned: always
  type: bool
  sample: true
status:
  description: Worst finding severity, or V(ok).
  returned: success
  type: str
  sample: warning
topology:
  description: V(single), V(ha), V(multiconnect), or V(unknown) when the shard count cannot be told.
  returned: success
  type: str
  sample: multiconnect
nodes:
  description: Normalized nodes sorted by name; see C(docs/data-model.md) for every field.
  returned: success
  type: list
  elements: dict
  sample:
    - name: "wacore1:0a1b2c3d4e5f"
      hostname: wacore1
      container_id: 0a1b2c3d4e5f
      role: coreapp
      shards: [0]
      socket_conn: UP
      version: v2.45.1
      build: v2.45.1
      registered: true
      phone_number: "15550001111"
      expire_timestamp: "2027-05-24T14:26:07Z"
      expires_in_days: 179.5
      free_space: {data: 9223372036853727000, logs: 14269902848, media_incoming: 9223372036853727000, media_outgoing: 9223372036853727000}
      db_engine: MYSQL
      schema: {axolotl: 1, callback: 2, cluster: 3, config: 4, contact: 5, jobqueue: 6, message: 7}
      multi_connect: true
      os_name: ubuntu-x86_64
      os_version: "20.04"
      lc: en
      lg: US
      errors: []
      invalid_fields: []
cluster:
  description: Cluster summary; shard count and where it came from, shard owners, versions, role counts.
  returned: success
  type: dict
  sample:
    topology: multiconnect
    node_count: 7
    shard_count: 4
    shard_count_source: api
    owned_shards: {"-1": ["master1:1a2b3c4d5e6f"], "0": ["wacore1:0a1b2c3d4e5f"]}
    unowned_shards: []
    versions: [v2.45.1]
    role_counts: {primary_master: 1, secondary_master: 1, coreapp: 5, single: 0, unknown: 0}
findings:
  description: Every finding, critical first. C(code) is a stable contract.
  returned: success
  type: list
  elements: dict
  sample:
    - code: free_space_low
      severity: warning
      node: "wacore2:9f8e7d6c5b4a"
      message: logs free space 3.2 GiB is below the warning level 5.0 GiB
policy:
  description: The effective policy (defaults merged with O(policy)).
  returned: success
  type: dict
support:
  description:
    - The raw C(/v1/support) answer with secret C(env) values replaced by C(********).
    - When an object of the answer holds a key more than once (the last value is kept, as JSON parsers do), those keys
      are listed in that object under the reserved key C(__wabiz_duplicate_keys__); a repeated node key is the
      critical finding C(node_key_duplicate), a repeated field of a node makes that field unusable.
  returned: success
  type: dict
attempts:
  description: How many times the support data was read (more than V(1) only with O(wait_timeout)).
  returned: always
  type: int
  sample: 1
msg:
  description: One line for people.
  returned: always
  type: str
  sample: "OK: multiconnect cluster, 7 node(s), 4 shard(s), 0 critical and 0 warning finding(s)"
error:
  description: Why the call failed.
  returned: failure
  type: dict
  contains:
    code:
      description: >-
        One of V(unreachable), V(timeout), V(tls_error), V(auth_failed), V(password_change_required),
        V(rate_limited), V(app_expired), V(api_error), V(bad_response), V(invalid_policy), V(invalid_option).
      type: str
    message:
      description: What happened, for people.
      type: str
    status:
      description: HTTP status, when there was one.
      type: int
    api_code:
      description: The API's error code (C(errors[0].code)), when there was one.
      type: int
  sample: {code: auth_failed, message: "login to https://wa:9090 as monitor was refused (HTTP 401): check username and password", status: 401}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wabiz.onprem.plugins.module_utils._client import WabizError
from ansible_collections.wabiz.onprem.plugins.module_utils._module import module_kwargs, require_urllib3, collect


def main():
    module = AnsibleModule(**module_kwargs(
        wait_timeout=dict(type='float', default=0),
        wait_delay=dict(type='float', default=10),
        fail_on=dict(type='str', choices=['critical', 'warning'], default='critical'),
    ))
    require_urllib3(module)
    params = module.params
    try:
        report = collect(module, wait_timeout=params['wait_timeout'], wait_delay=params['wait_delay'], fail_on=params['fail_on'])
    except WabizError as error:
        module.fail_json(msg=str(error), error=error.to_dict(), reachable=error.reachable, changed=False,
                         attempts=getattr(error, 'attempts', 1))
    module.exit_json(changed=False, **report)


if __name__ == '__main__':
    main()
