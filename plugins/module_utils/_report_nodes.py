# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""The nodes of a cluster as the fleet report carries them (pure, stdlib only).

The HTML report (shard map) and the Prometheus export (free space per node and directory, build expiry,
shard owners) need a little of each node. The report takes it from the support data the verdict was
computed from: an entry of ``build_report`` may carry ``wabiz_support`` (the host variable of the inventory
plugin, or any ``support_info`` result); ``add_nodes`` copies a whitelisted summary of its nodes into the
health gate result of that entry when its verdict was computed from that same data (``wabiz_gate.source`` is
``stored``), so a report never mixes a fresh verdict with older node data. Nothing is fetched again.

Public API: ``add_nodes(results, entries)``, ``node_summary(support)``, ``NODES_SCHEMA``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

DIRECTORIES = ('data', 'logs', 'media_incoming', 'media_outgoing')
MAX_BYTES = 2 ** 63 - 1
MAX_SHARD = 2 ** 31
NODE_KEYS = ('name', 'role', 'shards', 'socket_conn', 'version', 'expire_timestamp', 'free_space')
_TIMESTAMP_RE = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$')
_CONTROL_RE = re.compile(u'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]')

NODES_SCHEMA = {
    'type': 'array',
    'items': {
        'type': 'object',
        'additionalProperties': False,
        'required': list(NODE_KEYS),
        'properties': {
            'name': {'type': 'string'},
            'role': {'type': 'string'},
            'shards': {'type': 'array', 'items': {'type': 'integer', 'minimum': -1}},
            'socket_conn': {'type': ['string', 'null']},
            'version': {'type': ['string', 'null']},
            'expire_timestamp': {'type': ['string', 'null']},
            'free_space': {
                'type': 'object',
                'additionalProperties': False,
                'properties': dict((directory, {'type': ['integer', 'null'], 'minimum': 0}) for directory in DIRECTORIES),
            },
        },
    },
}


def _text(value):
    if value is None or isinstance(value, (dict, list, tuple)):
        return None
    return _CONTROL_RE.sub('', u'%s' % (value,))


def _int(value):
    """An exact int, or None (bools, floats and text are not trusted here: the normalizer made them ints)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bytes(value):
    """Free space: a non-negative int below 2^63 (larger is the unbounded value anyway), or None."""
    value = _int(value)
    return None if value is None or value < 0 else min(value, MAX_BYTES)


def _node(node):
    free = node.get('free_space') if isinstance(node.get('free_space'), dict) else {}
    shards = node.get('shards') if isinstance(node.get('shards'), list) else []
    stamp = _text(node.get('expire_timestamp'))
    return {
        'name': _text(node.get('name')) or '?',
        'role': _text(node.get('role')) or 'unknown',
        'shards': sorted(set(shard for shard in (_int(item) for item in shards) if shard is not None and -1 <= shard <= MAX_SHARD)),
        'socket_conn': _text(node.get('socket_conn')),
        'version': _text(node.get('version')),
        'expire_timestamp': stamp if stamp and _TIMESTAMP_RE.match(stamp) else None,
        'free_space': dict((directory, _bytes(free.get(directory))) for directory in DIRECTORIES),
    }


def node_summary(support):
    """The whitelisted nodes of normalized support data (a ``support_info`` result or ``wabiz_support``), or None
    when it holds no nodes (a failed read)."""
    if not isinstance(support, dict) or not isinstance(support.get('nodes'), list) or support.get('error'):
        return None
    return [_node(node) for node in support['nodes'] if isinstance(node, dict)]


def add_nodes(results, entries, text=_text):
    """Set ``nodes`` on every result whose verdict was computed from the entry's own ``wabiz_support``; ``text`` is
    what the report made of the host name (so that entries and results match)."""
    by_host = {}
    for entry in entries:
        verdict = entry.get('wabiz_gate')
        if isinstance(verdict, dict) and verdict.get('source') == 'stored' and not verdict.get('error'):
            nodes = node_summary(entry.get('wabiz_support'))
            if nodes is not None:
                by_host[text(entry['host'])] = nodes
    for result in results:
        if result['check'] == 'health_gate' and result['host'] in by_host:
            result['nodes'] = by_host[result['host']]
