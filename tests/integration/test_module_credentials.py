# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials of the modules as a user gives them: a token with WABIZ_PASSWORD exported for the inventory, and
missing credentials, end in a result or in one message with a stable [code] (never ansible-core's own
'parameters are required together')."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import requests

from wabiz_sim.testing import Simulator

from integration_helpers import ADMIN_PASSWORD, FLEET, connection, run_module


@pytest.fixture(scope='module')
def sim():
    with Simulator(FLEET) as simulator:
        yield simulator


def login(sim, cluster):
    response = requests.post(sim.url(cluster) + '/v1/users/login', auth=('admin', ADMIN_PASSWORD), verify=sim.ca_path,
                             timeout=10)
    response.raise_for_status()
    return response.json()['users'][0]['token']


def test_a_token_works_while_wabiz_password_is_exported(sim):
    args = connection(sim, 'single-ok', token=login(sim, 'single-ok'))
    del args['username'], args['password']
    result = run_module('wabiz.onprem.support_info', args, env={'WABIZ_PASSWORD': 'for-the-inventory'})
    assert result.data and result.data.get('status') == 'ok', result


@pytest.mark.parametrize('drop, env', [(('password',), {}), (('username', 'password'), {}), (('username',), {'WABIZ_PASSWORD': 'x'})],
                         ids=['username-only', 'nothing', 'password-only'])
def test_missing_credentials_fail_with_a_stable_code(sim, drop, env):
    args = connection(sim, 'single-ok')
    for name in drop:
        del args[name]
    result = run_module('wabiz.onprem.support_info', args, env=env)
    assert result.rc != 0, result
    assert result.data['error']['code'] == 'auth_failed', result
    assert result.data['msg'].startswith('[auth_failed] no usable credentials'), result
    assert 'required together' not in result.output and 'one of the following is required' not in result.output
