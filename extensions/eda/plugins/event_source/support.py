# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""wabiz.onprem.support: an Event-Driven Ansible source that watches WhatsApp Business API clusters.

Every ``interval`` seconds it reads ``GET /v1/support`` of each cluster with the collection's own client and checks
(the connection layer ``_connection``: the one declaration of the connection options, ``open_client``, ``fetch``,
``report_from_fetched``; the health gate's ``_verdict.gate_verdict``) and puts one
event per cluster on the queue at start, then whenever the cluster's status or its set of finding codes changes.

Arguments (the options of the ``wabiz.onprem.support`` inventory plugin, plus the watch settings):

``clusters``        list of ``{name, url}`` (required); each may override any connection option and ``policy``
``username``, ``password``, ``token``, ``validate_certs`` (default true), ``ca_path`` (alias ``ca_cert``),
``timeout`` (default 10), ``retries`` (default 2), ``policy``: defaults of every cluster; the credentials and
                    ``ca_path`` fall back to ``WABIZ_USERNAME``, ``WABIZ_PASSWORD``, ``WABIZ_TOKEN``, ``WABIZ_CA_PATH``
                    (and ``validate_certs`` to ``WABIZ_VALIDATE_CERTS``); each entry is checked with ansible-core's
                    argument spec validator, as the inventory plugin checks it
``interval``        seconds between two polls of a cluster (default 60)
``workers``         clusters polled at the same time (default 8)
``fail_on``         ``critical`` (default) or ``warning``: the level at which ``passed`` is false
``max_backoff``     longest wait in seconds after repeated errors (default 600); the wait doubles per error

Event (a cluster that could not be read has ``status: error`` and ``error: {code, message}``)::

    {"cluster": "eu-1", "host": "eu-1", "url": "https://wa-eu-1:9090", "status": "critical", "passed": false, "fail_on": "critical",
     "codes": ["socket_conn_down"], "findings": [...], "blocking": [...], "topology": "multiconnect", "error": null,
     "message": "eu-1 FAILED the health gate ...", "previous_status": "ok", "previous_codes": [],
     "checked_at": "2026-11-30T06:00:00Z", "next_poll_in": 60}

``host`` is the cluster's host in a ``wabiz.onprem.support`` inventory with the same ``clusters`` (its name made
pattern-safe: ``eu,prod`` is ``eu_prod``): the host pattern to hand to a playbook.

Passwords and tokens never appear in events or logs: an event carries the verdict of the gate (no raw support body,
no ``env``) and the URL without user info or query.

Example rulebook: ``extensions/eda/rulebooks/watch_fleet.yml`` of the collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import asyncio
import json
import logging
import math
import os
import re
import sys

try:
    from ansible_collections.wabiz.onprem.plugins.module_utils._client import Client, WabizError
except ImportError:
    # ansible-rulebook runs this file by path (runpy): make the collection root importable
    # (<root>/ansible_collections/wabiz/onprem/extensions/eda/plugins/event_source/support.py)
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 7))))
    from ansible_collections.wabiz.onprem.plugins.module_utils._client import Client, WabizError

from ansible_collections.wabiz.onprem.plugins.module_utils._policy import PolicyError, merge_policy
from ansible_collections.wabiz.onprem.plugins.module_utils import _connection as connection_layer
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import FAIL_ON, gate_verdict, safe_url

logger = logging.getLogger('wabiz.onprem.support')

# The connection options are the connection layer's (url is per cluster); a cluster entry adds these keys.
CONNECTION_KEYS = tuple(name for name in connection_layer.NAMES if name != 'url')
ENTRY_SPEC = {'name': {'type': 'raw'}, 'url': {'type': 'raw'}, 'policy': {'type': 'raw'}}
EVENT_KEYS = ('cluster', 'host', 'url', 'status', 'passed', 'fail_on', 'findings', 'blocking', 'topology', 'error', 'message', 'checked_at')


# The host name rules of the wabiz.onprem.support inventory plugin (its cluster_host_name and de-duplication)
_HOST_CHARS_RE = re.compile(r'[^A-Za-z0-9._-]')
_HOST_START_RE = re.compile(r'^[A-Za-z0-9_]')


def host_names(names):
    """The inventory host names the wabiz.onprem.support inventory plugin gives clusters of these names, in this
    order: letters, digits, ``.``, ``_``, ``-`` only (never read as a host pattern), ``cluster_`` before a reserved
    name, a ``wabiz_`` name or a bad first character, ``_2``, ``_3``... after a name already taken."""
    taken, hosts = set(), []
    for name in names:
        base = _HOST_CHARS_RE.sub('_', name) or '_'
        if base in ('all', 'ungrouped', 'localhost') or base.startswith('wabiz_') or not _HOST_START_RE.match(base):
            base = 'cluster_' + base
        host, index = base, 2
        while host in taken:
            host = '%s_%d' % (base, index)
            index += 1
        taken.add(host)
        hosts.append(host)
    return hosts


class OptionError(ValueError):
    """A bad argument of the source: raised at start, before any poll."""

    def __init__(self, message):
        super(OptionError, self).__init__('[invalid_option] wabiz.onprem.support: %s' % message)


def _number(value, what, cast, minimum):
    try:
        number = cast(value)
    except (TypeError, ValueError, OverflowError):
        raise OptionError('%s must be a number, got %r' % (what, value))
    if isinstance(value, bool) or not number >= minimum or not math.isfinite(number):
        raise OptionError('%s must be a number >= %s, got %r' % (what, minimum, value))
    return number


def _connection(source, what, defaults, extra_spec=None):
    """The connection settings of ``source`` (the top level, or a cluster entry with ``extra_spec``), checked by
    ansible-core's argument spec validator against the connection layer's options; ``defaults`` for the others."""
    given = dict((key, value) for key, value in source.items() if value is not None)
    values, problems = connection_layer.validate(given, extra_spec, where=what)
    if problems:
        raise OptionError('; '.join(problems))
    return dict((key, defaults[key] if values[key] is None else values[key]) for key in CONNECTION_KEYS)


def options(args):
    """The validated settings: ``(clusters, watch)``; raises OptionError with one clear message."""
    if not isinstance(args, dict):
        raise OptionError('expected a dictionary of arguments, got %s' % type(args).__name__)
    defaults = dict((key, connection_layer.OPTIONS[key].get('default')) for key in CONNECTION_KEYS)
    environment = dict((key, os.environ[connection_layer.OPTIONS[key]['env']]) for key in CONNECTION_KEYS
                       if os.environ.get(connection_layer.OPTIONS[key].get('env') or ''))
    defaults = _connection(environment, 'environment', defaults)
    top = _connection(dict((key, args.get(key)) for key in CONNECTION_KEYS + ('ca_cert',)), 'option', defaults)
    base_policy = args.get('policy') or {}
    if not isinstance(base_policy, dict):
        raise OptionError('policy must be a dictionary')
    clusters = args.get('clusters')
    if not isinstance(clusters, list) or not clusters:
        raise OptionError('clusters must be a non-empty list of {name, url, ...} dictionaries')
    configs, names = [], set()
    for index, entry in enumerate(clusters):
        if not isinstance(entry, dict):
            raise OptionError('clusters[%d] must be a dictionary with name and url' % index)
        name = str(entry.get('name') or '').strip()
        if not name or name in names:
            raise OptionError('clusters[%d]: name is required and must be unique, got %r' % (index, entry.get('name')))
        names.add(name)
        if not entry.get('url'):
            raise OptionError('cluster %s: url is required' % name)
        policy = dict(base_policy)
        if entry.get('policy') is not None:
            if not isinstance(entry['policy'], dict):
                raise OptionError('cluster %s: policy must be a dictionary' % name)
            policy.update(entry['policy'])
        try:
            policy = merge_policy(policy)
        except PolicyError as exc:
            raise OptionError('cluster %s: [invalid_policy] %s' % (name, exc))
        configs.append(dict(_connection(entry, 'cluster %s' % name, top, ENTRY_SPEC), name=name, url=str(entry['url']), policy=policy))
    for config, host in zip(configs, host_names([config['name'] for config in configs])):
        config['host'] = host
    fail_on = args.get('fail_on') or 'critical'
    if fail_on not in FAIL_ON:
        raise OptionError('fail_on must be one of %s, got %r' % (', '.join(FAIL_ON), fail_on))
    watch = {
        'interval': _number(args.get('interval', 60), 'interval', float, 0.1),
        'workers': _number(args.get('workers', 8), 'workers', int, 1),
        'max_backoff': _number(args.get('max_backoff', 600), 'max_backoff', float, 0.1),
        'fail_on': fail_on,
    }
    return configs, watch


class _Watch(object):
    """One cluster: its client (the login token is reused between polls), its last state and its error streak."""

    def __init__(self, config, watch):
        self.config = config
        self.watch = watch
        self.client = None
        self.status = None
        self.codes = None
        self.errors = 0

    def poll(self):
        """One read and check (blocking; runs in a worker thread). Returns the gate verdict."""
        config = self.config
        try:
            if self.client is None:
                self.client = connection_layer.open_client(config, client_class=Client, warn=self.warn)
            data = connection_layer.report_from_fetched(connection_layer.fetch(self.client), self.client.url, config['policy'])
        except WabizError as error:
            self.close()  # log in again next time (a token may have expired)
            data = {'error': error.to_dict()}
        except Exception as exc:  # pylint: disable=broad-except
            # a bug must not stop the watch of the other clusters; the message names the type only (no data)
            self.close()
            data = {'error': {'code': 'internal_error', 'message': 'unexpected %s while reading the cluster' % type(exc).__name__}}
        return gate_verdict(data, policy=config['policy'], fail_on=self.watch['fail_on'], cluster=config['name'],
                            url=config['url'], source='api')

    def warn(self, message):
        """The client's warnings (plain http, no certificate check, retries) name the cluster, never a secret."""
        logger.warning('wabiz.onprem.support: %s: %s', self.config['name'], message)

    def close(self):
        if self.client is not None:
            try:
                self.client.close()
            except Exception:  # pylint: disable=broad-except
                pass
            self.client = None

    def delay(self, verdict):
        """Seconds to the next poll: the interval, doubled per error in a row up to max_backoff."""
        if verdict['error'] is None:
            self.errors = 0
            return self.watch['interval']
        self.errors += 1
        return max(self.watch['interval'], min(self.watch['interval'] * 2 ** min(self.errors, 20), self.watch['max_backoff']))

    def event(self, verdict, delay):
        """The event for this verdict, or None when neither the status nor the set of finding codes changed."""
        if verdict['error'] is not None:
            codes = [verdict['error']['code']]
        else:
            codes = sorted(set(finding['code'] for finding in verdict['findings']))
        if self.status is not None and (verdict['status'], codes) == (self.status, self.codes):
            return None
        event = dict((key, verdict.get(key)) for key in EVENT_KEYS)
        event.update(host=self.config['host'], url=safe_url(self.config['url']), codes=codes, previous_status=self.status, previous_codes=self.codes,
                     next_poll_in=delay)
        self.status, self.codes = verdict['status'], codes
        return event


async def _watch_cluster(queue, cluster, limit):
    while True:
        async with limit:
            verdict = await asyncio.to_thread(cluster.poll)
        delay = cluster.delay(verdict)
        event = cluster.event(verdict, delay)
        if event is not None:
            logger.info('wabiz.onprem.support: %s is %s%s', event['cluster'], event['status'],
                        ' [%s]' % event['error']['code'] if event['error'] else '')
            await queue.put(event)
        await asyncio.sleep(delay)


async def main(queue, args):
    """ansible-rulebook entry point."""
    configs, watch = options(args)
    limit = asyncio.Semaphore(watch['workers'])
    clusters = [_Watch(config, watch) for config in configs]
    logger.info('wabiz.onprem.support: watching %d cluster(s) every %s s, %d at a time', len(clusters), watch['interval'], watch['workers'])
    try:
        await asyncio.gather(*(_watch_cluster(queue, cluster, limit) for cluster in clusters))
    finally:
        for cluster in clusters:
            cluster.close()


if __name__ == '__main__':
    # python support.py: watch the clusters of $WABIZ_WATCH_ARGS (JSON) and print the events
    class _Printer(object):
        async def put(self, event):
            print(json.dumps(event), flush=True)

    asyncio.run(main(_Printer(), json.loads(os.environ.get('WABIZ_WATCH_ARGS', '{}'))))
