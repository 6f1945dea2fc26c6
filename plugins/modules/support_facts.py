#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: support_facts
short_description: Gather C(/v1/support) of a WhatsApp Business API On-Premises client as host facts
version_added: 0.1.0
description:
  - Sets C(ansible_facts['wabiz_support']) with the same checked data as M(wabiz.onprem.support_info) (topology,
    status, normalized nodes, cluster summary, findings and the effective policy).
  - With O(node), the matching node is also set as C(ansible_facts['wabiz_support']['node']).
  - Usable as a facts module during C(gather_facts) (see the examples); O(on_error) decides whether a failing
    webapp fails fact gathering, warns, or is ignored.
  - Read-only. The raw answer is left out unless O(include_support=true) (secret C(env) values redacted).
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
  - wabiz.onprem.attributes.FACTS
options:
  node:
    description:
      - A node to pick out into C(ansible_facts['wabiz_support']['node']), by full name (C(hostname:container-id)),
        hostname or container id. For a single instance, any value picks the one node.
      - When no node matches, C(node) is null and a warning says so.
    type: str
  on_error:
    description:
      - What a failure of the call does (unreachable, TLS, authentication, malformed answer).
      - V(fail) fails the task (and fact gathering). V(warn) and V(ignore) set C(ansible_facts['wabiz_support'])
        with C(reachable), C(status=unknown) and C(error) instead; V(warn) also prints a warning.
    type: str
    choices: [fail, warn, ignore]
    default: fail
  include_support:
    description: Also put the raw (redacted) C(/v1/support) answer in the facts, under C(support).
    type: bool
    default: false
notes:
  - Facts returned by a delegated task go to the delegating host unless C(delegate_facts) is set.
  - Read the facts as C(ansible_facts['wabiz_support']), not as an injected C(ansible_wabiz_support) variable.
seealso:
  - module: wabiz.onprem.support_info
'''

EXAMPLES = r'''
- name: Gather support facts for a cluster host
  wabiz.onprem.support_facts:
    url: "{{ wabiz_url }}"
    username: monitor
    password: "{{ vault_wabiz_password }}"
    ca_path: /etc/pki/wabiz/ca.pem
  delegate_to: localhost

- name: Show the cluster verdict
  ansible.builtin.debug:
    msg: "{{ ansible_facts['wabiz_support']['status'] }}"

# As a facts module during fact gathering, with a timeout and without failing the play on one dead webapp
- name: Gather facts with the support data
  hosts: wabiz_clusters
  connection: local
  gather_facts: true
  vars:
    ansible_facts_modules: [ansible.builtin.setup, wabiz.onprem.support_facts]
  module_defaults:
    wabiz.onprem.support_facts:
      url: "{{ wabiz_url }}"
      token: "{{ wabiz_token }}"
      timeout: 5
      on_error: warn
  tasks:
    - name: Print the cluster status
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }}: {{ ansible_facts['wabiz_support']['status'] }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to the host.
  returned: always
  type: dict
  contains:
    wabiz_support:
      description:
        - The checked support data. Same keys as the result of M(wabiz.onprem.support_info) (C(reachable), C(status),
          C(topology), C(nodes), C(cluster), C(findings), C(policy), C(fetched_at)), plus C(node), and C(error) when the call
          failed with O(on_error) other than V(fail) (then with C(reachable), C(status=unknown), C(node) and C(fetched_at),
          when the call was made).
      returned: always
      type: dict
      sample:
        reachable: true
        status: ok
        topology: ha
        nodes: []
        cluster: {node_count: 4, shard_count: 1, shard_count_source: api}
        findings: []
        node: null
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wabiz.onprem.plugins.module_utils._client import WabizError, public_url
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import utc_now
from ansible_collections.wabiz.onprem.plugins.module_utils._module import module_kwargs, require_urllib3, collect


def pick_node(nodes, wanted):
    if len(nodes) == 1 and nodes[0].get('role') == 'single':
        return nodes[0]
    for node in nodes:
        if wanted in (node.get('name'), node.get('hostname'), node.get('container_id')):
            return node
    return None


def main():
    module = AnsibleModule(**module_kwargs(
        node=dict(type='str'),
        on_error=dict(type='str', choices=['fail', 'warn', 'ignore'], default='fail'),
        include_support=dict(type='bool', default=False),
    ))
    require_urllib3(module)
    params = module.params
    try:
        report = collect(module)
    except WabizError as error:
        if params['on_error'] == 'fail':
            module.fail_json(msg=str(error), error=error.to_dict(), reachable=error.reachable, changed=False)
        if params['on_error'] == 'warn':
            module.warn(str(error))
        # dated like a reading (fetched_at): the gates take the most recent reading a host carries, so this failure is
        # never outdated by an older healthy wabiz_support of the inventory
        facts = dict(reachable=error.reachable, status='unknown', error=error.to_dict(), node=None,
                     fetched_at=utc_now())
        module.exit_json(changed=False, ansible_facts=dict(wabiz_support=facts))
    report.pop('attempts', None)  # one read, always: not part of the fact
    if not params['include_support']:
        report.pop('support', None)
    report['node'] = None
    if params['node'] is not None:
        report['node'] = pick_node(report['nodes'], params['node'])
        if report['node'] is None:
            module.warn('no node named %r in the support answer of %s' % (params['node'], public_url(params['url'])))
    module.exit_json(changed=False, msg=report['msg'], ansible_facts=dict(wabiz_support=report))


if __name__ == '__main__':
    main()
