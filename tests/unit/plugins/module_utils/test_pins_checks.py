# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the checks (_checks.py): sizes, free space boundaries and the expiry message (issue 13)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils._checks import evaluate
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import human_size, parse_size

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NOW = '2026-03-01T00:00:00Z'
LOGS = 14269902848  # free_space_logs of the single fixture (13.3 GiB); its other directories are unbounded


def findings(policy, mutate=None):
    with open(os.path.join(FIXTURES, 'single.json')) as handle:
        body = json.load(handle)
    if mutate:
        mutate(body['support'])
    return [(f['severity'], f['code'], f['message']) for f in evaluate(body, policy=policy, now=NOW)['findings']]


@pytest.mark.parametrize('value, size', [('5GiB', 5368709120), ('500MB', 500000000), ('1.5G', 1610612736), ('1024', 1024),
                                         (1024, 1024), (2.0, 2), ('1 TB', 1000000000000)])
def test_parse_size(value, size):
    assert parse_size(value) == size


@pytest.mark.parametrize('value, text', [(None, 'unknown'), (0, '0 B'), (1023, '1023 B'), (1024, '1.0 KiB'),
                                         (1048575, '1024.0 KiB'), (1048576, '1.0 MiB'), (2 ** 62, '4.0 EiB')])
def test_human_size(value, text):
    assert human_size(value) == text


def test_free_space_at_a_level_is_not_below_it():
    assert findings({'free_space_warning': LOGS, 'free_space_critical': LOGS}) == []
    assert findings({'free_space_warning': LOGS + 1, 'free_space_critical': LOGS}) == [
        ('warning', 'free_space_low', 'logs free space 13.3 GiB is below the warning level 13.3 GiB')]
    assert findings({'free_space_warning': LOGS + 1, 'free_space_critical': LOGS + 1}) == [
        ('critical', 'free_space_low', 'logs free space 13.3 GiB is below the critical level 13.3 GiB')]


def test_a_none_free_space_override_before_another_directory():
    assert findings({'free_space': {'data': None, 'logs': {'critical': LOGS + 1, 'warning': LOGS + 1}}}) == [
        ('critical', 'free_space_low', 'logs free space 13.3 GiB is below the critical level 13.3 GiB')]


def test_build_expired_minutes_ago():
    def expired(support):
        support['expire_timestamp'] = '2026-02-28T23:59:00'
    assert findings({}, expired) == [
        ('critical', 'build_expired', 'build expired 0.01 days ago (expire_timestamp 2026-02-28T23:59:00Z; expected a date '
         'in the future)')]
