# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""Glue between AnsibleModule and the one path: options -> client -> evaluate -> result."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from datetime import datetime, timezone

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.wabiz.onprem.plugins.module_utils._client import (
    Client, WabizError, HAS_REQUESTS, REQUESTS_IMPORT_ERROR, DEFAULT_TIMEOUT, DEFAULT_RETRIES,
)
from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import merge_policy, PolicyError
from ansible_collections.wabiz.onprem.plugins.module_utils._support import redact, SupportShapeError

CONNECTION_ARGSPEC = dict(
    url=dict(type='str', required=True, fallback=(env_fallback, ['WABIZ_URL'])),
    username=dict(type='str', fallback=(env_fallback, ['WABIZ_USERNAME'])),
    password=dict(type='str', no_log=True, fallback=(env_fallback, ['WABIZ_PASSWORD'])),
    token=dict(type='str', no_log=True, fallback=(env_fallback, ['WABIZ_TOKEN'])),
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['WABIZ_VALIDATE_CERTS'])),
    ca_path=dict(type='path', aliases=['ca_cert'], fallback=(env_fallback, ['WABIZ_CA_PATH'])),
    timeout=dict(type='float', default=float(DEFAULT_TIMEOUT)),
    retries=dict(type='int', default=DEFAULT_RETRIES),
)
POLICY_ARGSPEC = dict(policy=dict(type='dict', default={}))


def module_kwargs(**options):
    """AnsibleModule keyword arguments for a module with the connection and policy options plus its own."""
    spec = dict(CONNECTION_ARGSPEC)
    spec.update(POLICY_ARGSPEC)
    spec.update(options)
    return dict(
        argument_spec=spec,
        supports_check_mode=True,
        required_together=[('username', 'password')],
        required_one_of=[('token', 'username')],
    )


def require_requests(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR,
                         error={'code': 'missing_library', 'message': 'requests is not installed'}, reachable=False)


def collect(module):
    """Run the one path for the module's endpoint. Returns the report plus the redacted raw body
    under ``support``; raises WabizError with a stable code on every failure."""
    params = module.params
    try:
        policy = merge_policy(params['policy'])
    except PolicyError as exc:
        raise WabizError('invalid_policy', str(exc))
    client = Client(
        params['url'], username=params['username'], password=params['password'], token=params['token'],
        validate_certs=params['validate_certs'], ca_path=params['ca_path'], timeout=params['timeout'],
        retries=params['retries'], warn=module.warn, on_secret=module.no_log_values.add,
    )
    with client:
        fetched = client.fetch()
    report = report_from_fetched(fetched, client.url, policy)
    report['support'] = redact(fetched['support'])
    return report


def report_from_fetched(fetched, url, policy):
    """The one path after the HTTP step, for the modules and the inventory plugin: the report of a
    ``Client.fetch()`` result plus ``reachable`` and the one-line ``msg``; a body of the wrong shape is
    a ``bad_response`` WabizError."""
    try:
        report = evaluate(fetched['support'], shard_count=fetched.get('shard_count'), policy=policy)
    except SupportShapeError as exc:
        raise WabizError('bad_response', 'GET %s/v1/support: %s' % (url.rstrip('/'), exc))
    if fetched.get('shard_count_error'):
        report['cluster']['shard_count_error'] = fetched['shard_count_error']
    report['reachable'] = True
    report['msg'] = summary(report)
    report['fetched_at'] = datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    return report


def summary(report):
    """One line for people: what the cluster is and how it fares."""
    cluster = report['cluster']
    counts = {'critical': 0, 'warning': 0}
    for finding in report['findings']:
        counts[finding['severity']] = counts.get(finding['severity'], 0) + 1
    shards = cluster.get('shard_count')
    return '%s: %s cluster, %d node(s)%s, %d critical and %d warning finding(s)' % (
        report['status'].upper(), report['topology'], cluster.get('node_count', 0),
        ', %s shard(s)' % shards if shards is not None else '', counts['critical'], counts['warning'])
