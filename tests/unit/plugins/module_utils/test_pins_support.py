# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Literal pins of the support parser's pure helpers (_support.py): the examples of issue 13 that no test pinned."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from datetime import datetime, timezone

import pytest

from ansible_collections.wabiz.onprem.plugins.module_utils import _support
from ansible_collections.wabiz.onprem.plugins.module_utils._support import (
    FLAT_FIELDS, days_until, is_keyed, parse_shard_count, split_key, to_bool, to_int)

UTC = timezone.utc


@pytest.mark.parametrize('value, expected', [
    (4, (4, None)), (4.0, (4, None)), (-2.0, (-2, None)), (' +7 ', (7, None)), ('-1', (-1, None)),
    (1.9, (None, 'expected an integer, got 1.9')), (True, (None, 'expected an integer, got bool')),
    (float('nan'), (None, 'expected an integer, got nan')), ('4.0', (None, "expected an integer, got '4.0'")),
    ('1' * 100, (int('1' * 100), None)), (None, (None, 'expected an integer, got null')),
])
def test_to_int(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize('value, expected', [
    (1, (1, None)), (4.0, (4, None)), ('32', (32, None)),
    (0, (None, 'account.shards is not a shard count: 0')),
    (1.5, (None, 'account.shards is not a shard count: expected an integer, got 1.5')),
])
def test_parse_shard_count(value, expected):
    assert parse_shard_count(value) == expected


@pytest.mark.parametrize('value, expected', [
    (True, (True, None)), (0, (False, None)), (1, (True, None)), (' YES ', (True, None)), ('off', (False, None)),
    (2, (None, 'expected a boolean, got int')), ('maybe', (None, "expected a boolean, got 'maybe'")),
])
def test_to_bool(value, expected):
    assert to_bool(value) == expected


def test_flat_fields_literal_and_each_member_makes_a_flat_body():
    assert FLAT_FIELDS == frozenset((
        'context', 'db_engine', 'db_info', 'debug_info', 'description', 'device_iso8601', 'e2e', 'env',
        'expire_timestamp', 'free_space_data', 'free_space_logs', 'free_space_media_incoming',
        'free_space_media_outgoing', 'lc', 'lg', 'multi_connect', 'os_name', 'os_version', 'schema',
        'socket_conn', 'version', 'role', 'shards', 'errors'))
    for field in sorted(FLAT_FIELDS):
        assert is_keyed({field: 1, '10.0.0.1:wa-core-0': {}}) is False, field
    assert is_keyed({'10.0.0.1:wa-core-0': {}, 'node': 1}) is True


def test_parse_shards_keeps_good_entries_after_a_bad_one():
    assert _support._parse_shards(['x', [0, 1], 3]) == ([0, 1, 3], ["shard 'x': expected an integer, got 'x'"])
    assert _support._parse_shards([[0], [2, 1], [-2, 0], [0, 32], [1, 'a'], [4.0, 5]]) == ([4, 5], [
        'range [0] does not have exactly two ids', 'range [2, 1] is reversed', 'range [-2, 0] is outside the shard ids -1..31',
        'range [0, 32] is outside the shard ids -1..31', "range [1, 'a']: expected an integer, got 'a'"])
    assert _support._parse_shards([[-1, 31]]) == (list(range(-1, 32)), [])


@pytest.mark.parametrize('count, topology', [(None, 'unknown'), (0, 'unknown'), (1, 'ha'), (2, 'multiconnect'),
                                             (32, 'multiconnect'), (33, 'unknown')])
def test_topology_for_a_shard_count(count, topology):
    assert _support._topology_for(count) == topology


def test_days_until():
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert days_until(datetime(2026, 3, 2, 12, tzinfo=UTC), now) == 1.5
    assert days_until(datetime(2026, 2, 28, 23, 59, tzinfo=UTC), now) == -0.01   # expired minutes ago: never 0.0
    assert days_until(datetime(2026, 2, 27, tzinfo=UTC), now) == -2.0
    assert days_until(now, now) == 0.0


def test_split_key():
    assert split_key('10.0.0.1:wa-core-0') == ('10.0.0.1', 'wa-core-0')
    assert split_key('fd00::1:wa-core-0') == ('fd00::1', 'wa-core-0')
    assert split_key('node') == ('node', None)


def test_redact_a_flat_env_given_as_one_string_and_env_objects():
    assert _support.redact({'support': {'env': 'WA_DB_PASSWORD=hunter2', 'version': 'v2'}}) == {
        'support': {'env': 'WA_DB_PASSWORD=********', 'version': 'v2'}}
    assert _support.redact({'support': {'env': [{'name': 'WA_DB_PASSWORD'}, {'name': 'X_TOKEN', 'value': 't'}, 'A=1'],
                                        'version': 'v2'}}) == {
        'support': {'env': [{'name': 'WA_DB_PASSWORD'}, {'name': 'X_TOKEN', 'value': '********'}, 'A=1'], 'version': 'v2'}}
