# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""Glue between AnsibleModule and the connection layer (``_connection``): argument spec, requirements, the call."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.wabiz.onprem.plugins.module_utils._client import HAS_URLLIB3, URLLIB3_IMPORT_ERROR
from ansible_collections.wabiz.onprem.plugins.module_utils._connection import (
    ConnectionOptions, SESSION_OPTIONS, argument_spec, check,
)

POLICY_ARGSPEC = dict(policy=dict(type='dict', default={}))


def module_kwargs(**options):
    """AnsibleModule keyword arguments for a module with the connection and policy options plus its own."""
    spec = argument_spec()
    spec.update(SESSION_OPTIONS)
    spec.update(POLICY_ARGSPEC)
    spec.update(options)
    return dict(
        argument_spec=spec,
        supports_check_mode=True,
        # no required_together / required_one_of: credentials may come from the environment (a WABIZ_PASSWORD exported
        # for the inventory next to a task's token), and missing ones fail in the client with a stable code
        # ([auth_failed] no usable credentials), as in the inventory plugin and the event source
    )


def require_urllib3(module):
    if not HAS_URLLIB3:
        module.fail_json(msg=missing_required_lib('urllib3'), exception=URLLIB3_IMPORT_ERROR,
                         error={'code': 'missing_library', 'message': 'urllib3 is not installed'}, reachable=False)


def collect(module, **wait):
    """The connection layer's one path for the module's options: the checked report plus the redacted raw body under
    ``support`` and ``attempts``; raises WabizError with a stable code on every failure. ``wait``: the
    ``wait_timeout``, ``wait_delay`` and ``fail_on`` of ``_connection.check``; the session options are the module's."""
    params = module.params
    return check(ConnectionOptions.from_ansible_module(module), params['policy'], warn=module.warn,
                 on_secret=module.no_log_values.add, session=params['session'], session_dir=params['session_dir'], **wait)
