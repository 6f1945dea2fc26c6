# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: support
short_description: Fleet inventory of WhatsApp Business API On-Premises clusters from GET /v1/support
version_added: 0.1.0
description:
  - Reads C(GET /v1/support) (and C(GET /v1/account/shards) for keyed bodies) of every cluster listed in the
    configuration file, concurrently, runs the collection's health checks on each answer and builds an inventory.
  - One host per cluster in the group C(wabiz_clusters), named after the cluster, with the report in C(wabiz_support)
    (the same keys as the M(wabiz.onprem.support_info) result without the raw body). A cluster that could not be read
    or checked is a host in C(wabiz_clusters) and C(wabiz_unreachable) with C(wabiz_support.error) set (a code and a
    reason); the other clusters are not affected unless O(fail_on_error) is set. That covers a failed call, an answer
    the checks cannot process (C(bad_response)), an unexpected error of the client (C(internal_error)) and unusable
    settings of that cluster (C(invalid_config), C(invalid_policy)). Only errors of the file's structure (no
    C(clusters), an entry without a name, a name used twice) and of the top-level options fail the whole source.
  - Host names never hold a character that Ansible reads in a host pattern, a range or a port; characters other than
    letters, digits, C(.), C(_) and C(-) become C(_) (C(eu,prod) is the host C(eu_prod)); a name that would be
    C(all), C(ungrouped), C(localhost), start with C(wabiz_) or with another character than a letter, a digit or C(_)
    gets the prefix C(cluster_); a name already taken gets C(_2), C(_3)... (with a warning). The cluster's own
    name stays in C(wabiz_cluster).
  - Optionally (O(nodes)) one host per node, named C(<cluster>.<hostname>), in C(wabiz_nodes) and in groups by
    cluster, role and shard. Group and host names are listed in the collection's C(docs/data-model.md).
  - Every string that came from the API is marked unsafe, so a node name holding C({{ }}) is never templated.
  - With O(cache) on, the redacted raw answers are cached under one key per inventory source and the host
    variables are derived from them on every run; a run answered from the cache makes no HTTP request.
  - The configuration file name must end in C(.wabiz.yml) or C(.wabiz.yaml).
  - The connection options at the top level are the defaults of every cluster. String values are templated and may
    be vault-encrypted; the password and the token are never stored in a host variable nor in the cache. A password
    or a token from the environment, a lookup or vault is used verbatim, even with C({{), C({%) or C({#) in it; a
    literal one in the file holding those must be tagged C(!unsafe).
  - C(wabiz_url) and the cache hold the URL without user info, query or fragment; the configured URL is used only to
    connect. An error message that echoes the password, the token or the Basic credentials has them masked. With a
    file cache plugin, the cache files are made private (mode C(0600)).
author:
  - wabiz.onprem maintainers (@wabiz-onprem)
requirements:
  - urllib3 (Python library, on the controller)
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - wabiz.onprem.connection.CREDENTIALS
  - wabiz.onprem.connection.PLUGINS
  - wabiz.onprem.connection.POLICY
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    required: true
    type: str
    choices: [wabiz.onprem.support]
  clusters:
    description:
      - The clusters to read. Each entry is a dictionary with the keys C(name) (required and unique, the inventory host
        name of the cluster), C(url) (required, the webapp base URL, C(https://HOST:PORT), optionally with a path
        prefix) and optionally any of C(username), C(password), C(token), C(validate_certs), C(ca_path), C(timeout),
        C(retries) and C(policy), which override the top-level options of the same name for that cluster.
      - Each entry is checked with ansible-core's own argument spec validator against the same connection options as
        the modules (one declaration in the collection), so an unknown key (C(passwd)) or a value of the wrong type gets
        the message a task would get; such a cluster gets the error C(invalid_config) and the others go on.
      - C(policy) of a cluster is merged key by key over the top-level O(policy).
      - String values are templated, so C({{ lookup('env', 'EU1_PASSWORD') }}) works; vault-encrypted values
        (C(!vault)) are decrypted with the vault secrets given to Ansible.
    type: list
    elements: dict
    required: true
  nodes:
    description:
      - Add one host per node (group C(wabiz_nodes)) with the groups by cluster, role and shard.
      - Turn off for very large fleets when only the cluster hosts are needed.
    type: bool
    default: true
  workers:
    description:
      - How many clusters are read at the same time (threads). Bounded to 1..256 and to the number of clusters.
    type: int
    default: 32
  processes:
    description:
      - How many processes read the clusters, each with its share of O(workers). Reading is bound by the CPU (TLS, JSON)
        and a Python process runs one thread at a time, so on a controller with several cores more processes read a
        large fleet faster (1000 clusters, 2 cores, 2 processes - about a third less time).
      - By default the number of CPUs (at most 4) when there are at least 200 clusters to read, else 1. C(1) reads in
        the inventory's own process only. The other processes are forked, hold no secret they did not inherit, and
        hand back only the cache entries (redacted data, error codes); one that ends without an answer gives its
        clusters the error C(internal_error).
    type: int
  fail_on_error:
    description:
      - Fail the whole inventory source when any cluster cannot be read, naming every failed cluster.
      - By default a failed cluster lands in C(wabiz_unreachable) with the error code and message and the others
        are added as usual.
    type: bool
    default: false
notes:
  - The inventory runs on the controller; the task-level C(environment) keyword does not apply to it. Give secrets
    through the E(WABIZ_PASSWORD) / E(WABIZ_TOKEN) environment variables, a lookup, or vault-encrypted values.
  - "Cluster hosts are logical hosts, not machines. Plays over them usually set C(connection: local) and
    C(gather_facts: false)."
  - Host variables per cluster host are C(wabiz_cluster), C(wabiz_url), C(wabiz_validate_certs), C(wabiz_ca_path),
    C(wabiz_username), C(wabiz_support), C(wabiz_support_fetched_at) (when this inventory read the cluster; the
    roles and P(wabiz.onprem.stored_support#filter) never gate on an older C(ansible_facts['wabiz_support']) kept in a
    fact cache, which would otherwise hide C(wabiz_support)) and C(wabiz_policy) (the policy the cluster is configured
    with, top level < per cluster, as given also when it is invalid; the roles read the cluster over the API with it
    and gate its stored data with it); per node host C(wabiz_cluster) and C(wabiz_node) (the normalized node).
  - "Groups: C(wabiz_clusters), C(wabiz_unreachable), C(wabiz_error_<code>), C(wabiz_status_<ok|warning|critical>),
    C(wabiz_topology_<single|ha|multiconnect|unknown>) for cluster hosts; C(wabiz_nodes), C(wabiz_cluster_<host>),
    C(wabiz_role_<role>), C(wabiz_shard_<n>) and C(wabiz_shard_control) (shard -1) for node hosts. Names are made
    safe the Ansible way (characters other than letters, digits and C(_) become C(_)); when two clusters would share
    a C(wabiz_cluster_<host>) group, the later one gets C(_2), C(_3)... (with a warning). A node host whose name is
    taken (by a cluster host or another node) gets C(.2), C(.3)..."
seealso:
  - module: wabiz.onprem.support_info
'''

EXAMPLES = r'''
# fleet.wabiz.yml
plugin: wabiz.onprem.support
username: monitor
password: "{{ lookup('env', 'WABIZ_PASSWORD') }}"
ca_path: /etc/wabiz/ca.pem
policy:
  min_standby_coreapps: 1
clusters:
  - name: eu-1
    url: https://wa-eu-1.example.com:9090
    policy:
      expected_shards: 4
      role_counts: {primary_master: 1, secondary_master: 1, coreapp: 5}
  - name: us-1
    url: https://gw.example.com/wa/us-1
    username: monitor-us
    password: !vault |
      $ANSIBLE_VAULT;1.1;AES256
      ...
  - name: lab
    url: https://10.0.0.5:9090
    token: "{{ lookup('env', 'LAB_TOKEN') }}"
    validate_certs: false

# Large fleet: only cluster hosts, more threads, cache for an hour
# plugin: wabiz.onprem.support
# nodes: false
# workers: 64
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/wabiz
# cache_timeout: 3600
# clusters: [...]

# Extra groups and variables (constructed)
# compose:
#   ansible_connection: "'local'"
# groups:
#   wabiz_needs_upgrade: wabiz_support.cluster.versions is defined and 'v2.45.1' not in wabiz_support.cluster.versions
# keyed_groups:
#   - key: wabiz_support.cluster.versions | default([])
#     prefix: wabiz_version
'''

import base64
import contextlib
import gc
import json
import os
import re
import stat
import threading
import time
import warnings as python_warnings

from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.group import to_safe_group_name
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.template import trust_as_template
from ansible.utils.display import Display

from urllib.parse import urlsplit

from ansible_collections.wabiz.onprem.plugins.module_utils._client import (
    Client, WabizError, HAS_URLLIB3, URLLIB3_IMPORT_ERROR, public_url,
)
from ansible_collections.wabiz.onprem.plugins.module_utils._policy import merge_policy, PolicyError
from ansible_collections.wabiz.onprem.plugins.module_utils._verdict import utc_now
from ansible_collections.wabiz.onprem.plugins.module_utils._connection import (
    ConnectionOptions, NAMES, OPTIONS, SECRETS, fetch, open_client, report_from_fetched, validate as validate_options,
)
from ansible_collections.wabiz.onprem.plugins.plugin_utils._unsafe import as_unsafe, make_unsafe

display = Display()

CACHE_FORMAT = 2  # 2: public URLs only (a cache of format 1 may hold user info and is read again)
MAX_WORKERS = 256
MAX_PROCESSES = 16
AUTO_PROCESSES_FROM = 200  # clusters to read before more than one process is worth its fork
MAX_WARNINGS = 20
# The keys of a cluster entry: the connection layer's options plus these (checked with ansible-core's validator).
ENTRY_SPEC = {'name': {'type': 'str'}, 'policy': {'type': 'raw'}, 'url': {'type': 'raw'}}
MASK = '********'
MAX_ERROR_TEXT = 500
# Host names Ansible gives a meaning of its own, and the prefix of this plugin's groups: a cluster host never takes them.
RESERVED_HOST_NAMES = frozenset(('all', 'ungrouped', 'localhost'))
RESERVED_HOST_PREFIX = 'wabiz_'
_HOST_CHARS_RE = re.compile(r'[^A-Za-z0-9._-]')
_HOST_START_RE = re.compile(r'^[A-Za-z0-9_]')


class ClusterConfigError(Exception):
    """A setting of one cluster that cannot be used: the cluster lands in wabiz_unreachable with ``code``."""

    def __init__(self, code, message):
        super(ClusterConfigError, self).__init__(message)
        self.code = code
        self.message = message


@contextlib.contextmanager
def _collector_paused(collect=False):
    """Pause Python's cyclic garbage collector for the block, then restore it as it was (also on error).

    Building the inventory allocates a few hundred thousand objects that stay alive (the copies ansible-core's
    ``set_variable`` makes, the decoded cache), with no reference cycles among them: the automatic passes of the
    collector over them find nothing to free, and cost about as much as the build itself (1000 clusters). Memory is
    still freed by reference counting meanwhile, and any cycle is collected once the collector is back; the reads of
    the clusters (threads, sockets) never run in such a block.

    ``collect``: when the block ends without error and the collector was on, run one full collection, then freeze what
    is left (``gc.freeze``): the collector never scans those objects again, in this process or in the workers it
    forks (one pass instead of one per collection, for the rest of the run). What an earlier such block froze is
    unfrozen first, so that the objects a later parse dropped are freed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    except BaseException:
        if enabled:
            gc.enable()
        raise
    if enabled:
        gc.enable()
        if collect:
            # what an earlier parse of this process froze first goes back to the collector: a second parse (two
            # sources, meta: refresh_inventory) drops objects that refer to each other (hosts and their groups),
            # which a frozen generation would keep for good
            gc.unfreeze()
            gc.collect()
            # and then left alone: the hosts live as long as the process, and ansible-playbook forks a worker per task
            # and host; a collection in the parent or a worker would walk them all again (and, in a worker, copy every
            # page it touches). gc.freeze is made for that case; one run of 1000 clusters goes from 15 to 12.5 s.
            gc.freeze()


def _drain(read_end, answers, index):
    with os.fdopen(read_end, 'rb') as stream:
        answers[index] = stream.read()


def _unread_entry(config, error):
    """The cache entry of a cluster that was not read: ``error`` ({code, message}) says why."""
    return {'url': _safe_public_url(config['url']), 'support': None, 'shard_count': None, 'shard_count_error': None,
            'error': error, 'reachable': False, 'fetched_at': utc_now()}


def group_name(*parts):
    """A group name made safe the Ansible way (forced: characters other than letters, digits, _ become _)."""
    return to_safe_group_name('_'.join(to_text(part) for part in parts), force=True, silent=True)


def _clean_host(value):
    """Letters, digits, ``.``, ``_`` and ``-`` only: a name Ansible never reads as a pattern, a range or a port."""
    return _HOST_CHARS_RE.sub('_', to_text(value)) or '_'


def _claim(name, taken, separator):
    """``name``, or ``name<separator>2``, ``name<separator>3``... whichever is not in ``taken`` yet (then taken)."""
    candidate = name
    index = 2
    while candidate in taken:
        candidate = '%s%s%d' % (name, separator, index)
        index += 1
    taken.add(candidate)
    return candidate


def cluster_host_name(cluster):
    """The inventory host name of a cluster before de-duplication: the pattern-safe form of its name, prefixed
    with ``cluster_`` when it would be ``all``, ``ungrouped``, ``localhost``, start with ``wabiz_`` (this plugin's
    groups) or with a character other than a letter, a digit or ``_``."""
    name = _clean_host(cluster)
    if name in RESERVED_HOST_NAMES or name.startswith(RESERVED_HOST_PREFIX) or not _HOST_START_RE.match(name):
        name = 'cluster_' + name
    return name


def node_host_names(cluster, nodes, taken=None):
    """Stable, readable, unique inventory names for the nodes of a cluster: ``<cluster>.<hostname>``.

    ``hostname`` is the part of the node key before ``:`` (``single`` for a single instance); characters
    other than letters, digits, ``.``, ``_`` and ``-`` become ``_``. Two nodes with the same hostname get
    their container id appended (``<cluster>.<hostname>.<container_id>``), then an index if still needed.
    ``taken`` (a set, updated) holds the host names already used in the inventory: a name among them gets an
    index too, so a node host never merges with another cluster's host.
    """
    bases = [_clean_host(node.get('hostname') or node.get('name') or 'node') for node in nodes]
    counts = {}
    for base in bases:
        counts[base] = counts.get(base, 0) + 1
    names = []
    seen = set() if taken is None else taken
    for base, node in zip(bases, nodes):
        name = '%s.%s' % (cluster, base)
        if counts[base] > 1 and node.get('container_id'):
            name = '%s.%s' % (name, _clean_host(node['container_id']))
        names.append(_claim(name, seen, '.'))
    return names


def node_reference(cluster_host, index):
    """``wabiz_node`` of a node host: the template of this plugin that reads the node from its cluster host,
    ``{{ hostvars['<cluster host>'].wabiz_support.nodes[<index>] }}``. A cluster host name holds letters, digits,
    ``.``, ``_`` and ``-`` only (cluster_host_name), so it is a safe literal; nothing in it came from the API."""
    if not isinstance(index, int) or isinstance(index, bool) or index < 0 or _HOST_CHARS_RE.search(cluster_host):
        raise ValueError('not a node reference: %r[%r]' % (cluster_host, index))
    return trust_as_template("{{ hostvars['%s'].wabiz_support.nodes[%d] }}" % (cluster_host, index))


def _mask(value, secrets):
    """``value`` (JSON-like) with every occurrence of a secret replaced by ``********``."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return dict((key, _mask(item, secrets)) for key, item in value.items())
    if isinstance(value, list):
        return [_mask(item, secrets) for item in value]
    return value


def _flat_error(error):
    """An error dict whose values are scalars only: ``details`` of an API error is any JSON the server sent, and
    nothing deeper than one level may reach the host variables."""
    if not isinstance(error, dict):
        return {'code': 'internal_error', 'message': 'an error without details'}
    flat = {}
    for key, value in error.items():
        if value is None or isinstance(value, (str, int, float, bool)):
            flat[to_text(key)] = value
        else:
            flat[to_text(key)] = '<%s not shown>' % type(value).__name__
    return flat


def _secrets_of(config, learned=()):
    """The secrets a cluster's messages must never show, longest first (a token may contain a password)."""
    values = set(value for value in (config.get('password'), config.get('token')) if value)
    values.update(value for value in learned if value)
    if config.get('username') and config.get('password'):
        values.add(base64.b64encode(('%s:%s' % (config['username'], config['password'])).encode('utf-8')).decode('ascii'))
    return sorted(values, key=len, reverse=True)


def _safe_public_url(url):
    """``public_url`` that never raises (an unparseable URL has no public form)."""
    try:
        return public_url(url)
    except ValueError:
        return None


def _unprocessable(url, exc):
    """The error of an answer that the checks or the redaction could not process."""
    return {'code': 'bad_response', 'message': 'GET %s/v1/support: the answer cannot be processed (%s)' % (
        (url or '').rstrip('/'), _short_exc(exc))}


def _exc_text(exc):
    text = to_native(exc)
    return text[:MAX_ERROR_TEXT] + ('...' if len(text) > MAX_ERROR_TEXT else '')


def _short_exc(exc):
    return '%s: %s' % (type(exc).__name__, _exc_text(exc))


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Fleet inventory from GET /v1/support."""

    NAME = 'wabiz.onprem.support'

    # The HTTP client class; the unit tests replace it with a fake at this boundary.
    client_class = Client
    # compose, groups, keyed_groups: read once per parse
    _constructed = (None, None, None)

    def __init__(self):
        super(InventoryModule, self).__init__()
        # per parse (reset by _populate): {group name: the name add_group returned}, {parts of a group name: the name}
        self._groups = {}
        self._group_names = {}

    def verify_file(self, path):
        if super(InventoryModule, self).verify_file(path):
            return path.endswith(('.wabiz.yml', '.wabiz.yaml'))
        return False

    # ---- options -----------------------------------------------------------------------------
    def _from_environment(self, option):
        """True when the value of a top-level option came from its environment variable."""
        try:
            origin = self.get_option_and_origin(option)[1]
        except Exception:  # pylint: disable=broad-except
            return False
        return isinstance(origin, str) and origin.startswith('env:')

    def _render(self, value, what, secret=False, verbatim=False):
        """Template a string option (lookups, vault): the result is a plain str.

        Only the literal strings of the configuration file are templated (ansible-core trusts them as
        templates); a value from the environment (``verbatim``), a lookup, vault or ``!unsafe`` is used as it
        is. The error of a secret never repeats its value."""
        if value is None:
            return None
        if verbatim and isinstance(value, str):
            return str(value)
        try:
            if isinstance(value, str) and not self.templar.is_possibly_template(value):
                return str(value)
            rendered = self.templar.template(value)
        except Exception as exc:  # pylint: disable=broad-except
            if secret:
                raise AnsibleParserError('%s: cannot template the value (a literal value holding {{, {%% or {# must be '
                                         'tagged !unsafe, or come from a lookup, the environment or vault)' % what)
            raise AnsibleParserError('%s: cannot template the value: %s' % (what, to_native(exc)))
        # str(): a plain str, without trust tags or vault wrappers (decrypted)
        return None if rendered is None else str(rendered)

    def _rendered(self, values, where, verbatim=()):
        """``values`` with every string of a connection option templated (lookups, vault); the keys in ``verbatim``
        (values from the environment) are used as they are."""
        rendered = dict(values)
        for key in NAMES + ('ca_cert',):
            # strings and vault values (decrypted); numbers and booleans of the YAML are already typed
            if values.get(key) is not None and not isinstance(values[key], (bool, int, float, list, dict)):
                rendered[key] = self._render(values[key], '%s: %s' % (where, key), secret=key in SECRETS, verbatim=key in verbatim)
        return rendered

    @staticmethod
    def _check_url(url, where):
        if not isinstance(url, str):
            raise ClusterConfigError('invalid_config', '%s: url must be a string, got %s' % (where, type(url).__name__))
        try:
            parts = urlsplit(url.strip())
            valid = parts.scheme in ('https', 'http') and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            raise ClusterConfigError('invalid_config', '%s: url must look like https://HOST[:PORT][/PREFIX], got %r' % (
                where, _safe_public_url(url) or '<unparseable>'))

    def _cluster_settings(self, entry, where, defaults, policy):
        """The connection settings and policy of one cluster entry, checked by ansible-core's argument spec validator
        against the connection layer's options (as a task's arguments are); ClusterConfigError when one cannot be
        used."""
        raw_url = entry.get('url')
        if raw_url is None or raw_url == '':
            raise ClusterConfigError('invalid_config', '%s: url is required' % where)
        try:
            rendered = self._rendered(entry, where)
            url = self._render(raw_url, where + ': url') if isinstance(raw_url, str) else raw_url
        except AnsibleParserError as exc:
            raise ClusterConfigError('invalid_config', to_native(exc.message if hasattr(exc, 'message') else exc))
        if not url:
            raise ClusterConfigError('invalid_config', '%s: url is required' % where)
        self._check_url(url, where)
        rendered['url'] = url.strip()
        values, problems = validate_options(rendered, ENTRY_SPEC, where)
        if problems:
            raise ClusterConfigError('invalid_config', '; '.join(problems))
        settings = dict((key, defaults[key] if values[key] is None else values[key]) for key in NAMES)
        settings['url'] = values['url']
        if not isinstance(policy, dict):
            raise ClusterConfigError('invalid_policy', '%s: policy must be a dictionary, got %s' % (where, type(policy).__name__))
        try:
            settings['policy'] = merge_policy(policy)
        except (PolicyError, ValueError, TypeError) as exc:
            raise ClusterConfigError('invalid_policy', '%s: %s' % (where, to_native(exc)))
        return settings

    def _as_given(self, keys):
        """{key: value} of the top-level ``keys`` as the file or the environment gives them, before ansible-core's
        config manager converts them, template or not: it reads any text as a boolean non-strictly ('ture', 'maybe',
        '' and a template not rendered yet, "{{ true }}", are all false), which for validate_certs turned TLS
        verification off; it made a ca_path lookup a path under the current directory before rendering it. These
        values are rendered and checked strictly as a cluster entry's are; an empty environment variable is not set."""
        written = getattr(self, '_config_data', None)
        written = written if isinstance(written, dict) else {}
        given = {}
        for key in keys:
            names = [name for name in (key,) + tuple(OPTIONS[key].get('aliases') or ()) if name in written]
            if names:
                given[key] = written[names[0]]
            elif self._from_environment(key):
                given[key] = os.environ.get(OPTIONS[key]['env']) or None
        return given

    def _defaults(self):
        """The top-level connection options, the defaults of every cluster, checked as one entry is; an error fails
        the source."""
        options = ConnectionOptions.from_ansible_plugin(self)
        given = dict((key, options.get(key)) for key in NAMES if key != 'url')
        given.update(self._as_given(('validate_certs', 'ca_path')))
        verbatim = [key for key in given if self._from_environment(key)]
        values, problems = validate_options(self._rendered(given, 'option', verbatim=verbatim), where='option')
        if problems:
            raise AnsibleParserError('; '.join(problems))
        return dict((key, OPTIONS[key].get('default') if values[key] is None else values[key]) for key in NAMES if key != 'url')

    def _cluster_configs(self):
        """The validated, rendered per-cluster settings, in configuration order.

        Errors of the file's structure (no clusters, an entry without a name, a name used twice) and of the
        top-level options (the defaults of every cluster) fail the source. An unusable setting of one cluster
        gives that cluster an ``error`` (``invalid_config`` or ``invalid_policy``); the others go on."""
        clusters = self.get_option('clusters')
        if not isinstance(clusters, list) or not clusters:
            raise AnsibleParserError('clusters must be a non-empty list of {name, url, ...} dictionaries')
        defaults = self._defaults()
        base_policy = self.get_option('policy') or {}
        if not isinstance(base_policy, dict):
            raise AnsibleParserError('policy must be a dictionary')
        configs = []
        names = set()
        for index, entry in enumerate(clusters):
            where = 'clusters[%d]' % index
            if not isinstance(entry, dict):
                raise AnsibleParserError('%s must be a dictionary with name and url, got %s' % (where, type(entry).__name__))
            name = self._render(entry.get('name'), where + '.name')
            if not name or not name.strip():
                raise AnsibleParserError('%s: name is required' % where)
            where = 'cluster %s' % name
            if name in names:
                raise AnsibleParserError('%s: the name is used twice; cluster names must be unique' % where)
            names.add(name)
            # the policy as configured (top level < per cluster, unchecked), also wabiz_policy: a read over the API with an
            # invalid one fails as the inventory's did, never passes on the default policy
            own = entry.get('policy')
            given = own
            if own is None or isinstance(own, dict):
                given = dict(base_policy)
                given.update(own or {})
            config = dict(defaults, name=name, url=None, policy=None, error=None, policy_given=given)
            try:
                config.update(self._cluster_settings(entry, where, defaults, given))
            except ClusterConfigError as exc:
                config['error'] = {'code': exc.code, 'message': exc.message}
                raw_url = entry.get('url')
                config['url'] = raw_url if isinstance(raw_url, str) else None
            configs.append(config)
        return configs

    # ---- fetching ----------------------------------------------------------------------------
    def _fetch_one(self, config):
        """Read one cluster; returns (cache entry, warnings). Never raises: a WabizError keeps its code, any
        other exception of the client is ``internal_error``, and an answer that cannot be redacted is
        ``bad_response``. Known secrets are masked in the error."""
        warnings = []
        learned = []
        url = _safe_public_url(config['url'])
        entry = {'url': url, 'support': None, 'shard_count': None, 'shard_count_error': None,
                 'error': None, 'reachable': True}
        fetched = None
        try:
            client = open_client(config, client_class=self.client_class, warn=warnings.append, on_secret=learned.append)
            with client:
                fetched = fetch(client)
        except WabizError as error:
            entry['error'] = error.to_dict()
            entry['reachable'] = error.reachable
        except Exception as exc:  # pylint: disable=broad-except
            entry['error'] = {'code': 'internal_error', 'message': 'unexpected %s while reading %s: %s' % (
                type(exc).__name__, url, _exc_text(exc))}
            entry['reachable'] = False
        if fetched is not None:
            entry.update(fetched)
        secrets = _secrets_of(config, learned)
        entry['error'] = None if entry['error'] is None else _mask(_flat_error(entry['error']), secrets)
        entry['shard_count_error'] = _mask(entry['shard_count_error'], secrets)
        entry['fetched_at'] = utc_now()
        return entry, [_mask(message, secrets) for message in warnings]

    def _fetch(self, configs):
        """Read the clusters concurrently: a bounded pool of threads, in one or more processes. Returns {name: cache entry}."""
        if not configs:
            return {}
        if not HAS_URLLIB3:
            # the import error's last line ("No module named 'urllib3'"), not its traceback
            reason = (URLLIB3_IMPORT_ERROR or '').strip().splitlines()[-1:] or ['not importable']
            raise AnsibleError('The wabiz.onprem.support inventory plugin needs the Python library urllib3 on the '
                               'controller (pip install urllib3): %s' % reason[0])
        workers = self.get_option('workers')
        workers = max(1, min(int(workers if workers is not None else 32), MAX_WORKERS, len(configs)))
        processes = self._processes(len(configs), workers)
        started = time.time()
        if processes > 1:
            results, warnings = self._read_forked(configs, processes, -(-workers // processes))
        else:
            results, warnings = self._read(configs, workers)
        display.vvv('wabiz.onprem.support: read %d cluster(s) with %d worker(s) in %d process(es) in %.2f s' % (
            len(configs), workers, processes, time.time() - started))
        self._emit_warnings(warnings)
        return results

    def _processes(self, count, workers):
        wanted = self.get_option('processes')
        if wanted is None:
            wanted = min(os.cpu_count() or 1, 4) if count >= AUTO_PROCESSES_FROM else 1
        return max(1, min(int(wanted), MAX_PROCESSES, workers)) if hasattr(os, 'fork') else 1

    def _read(self, configs, workers):
        """(results, warnings) of reading ``configs`` with ``workers`` threads in this process."""
        results = {}
        warnings = []
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='wabiz-inventory')
        try:
            futures = [(config['name'], pool.submit(self._fetch_one, config)) for config in configs]
            for name, future in futures:
                entry, cluster_warnings = future.result()
                results[name] = entry
                warnings.extend('%s: %s' % (name, message) for message in cluster_warnings)
        finally:
            pool.shutdown(wait=True)
        return results, warnings

    def _read_forked(self, configs, processes, workers):
        """``_read`` over ``processes`` shares of ``configs``: this process reads one share, forked children the others
        (forked first, before this process starts its threads) and hand back their results as JSON through a pipe."""
        shares = [configs[index::processes] for index in range(processes)]
        local = list(shares[0])
        children = []
        for share in shares[1:]:
            try:
                children.append((self._fork_reader(share, workers), share))
            except OSError:  # no process to spare: read that share here
                local.extend(share)
        answers = [b''] * len(children)
        drains = [threading.Thread(target=_drain, args=(read_end, answers, index), name='wabiz-inventory-drain')
                  for index, ((dummy, read_end), dummy_share) in enumerate(children)]
        for drain in drains:
            drain.start()
        try:
            results, warnings = self._read(local, workers)
        finally:
            for drain in drains:
                drain.join()
        for ((pid, dummy), share), answer in zip(children, answers):
            status = os.waitpid(pid, 0)[1]
            try:
                share_results, share_warnings = json.loads(answer.decode('utf-8')) if status == 0 else (None, None)
                if not (isinstance(share_results, dict) and isinstance(share_warnings, list)
                        and all(isinstance(share_results.get(config['name']), dict) for config in share)):
                    raise ValueError('no usable answer')
            except ValueError:
                reason = 'the process that read this cluster ended without an answer (wait status %d)' % status
                share_results = dict((config['name'], _unread_entry(config, {'code': 'internal_error', 'message': reason})) for config in share)
                share_warnings = []
            results.update((config['name'], share_results[config['name']]) for config in share)
            warnings.extend(message for message in share_warnings if isinstance(message, str))
        return results, warnings

    def _fork_reader(self, configs, workers):
        """Fork a child that reads ``configs`` and writes ``[results, warnings]`` as JSON to a pipe, then exits (never
        returning into the caller). Returns (its pid, the read end of the pipe)."""
        read_end, write_end = os.pipe()
        with python_warnings.catch_warnings():
            # "multi-threaded process, fork() may deadlock": the client's locks and watchdog are reset in the child
            python_warnings.simplefilter('ignore', DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover (the child reports through the pipe)
            status = 1
            try:
                os.close(read_end)
                data = json.dumps(self._read(configs, workers)).encode('utf-8')
                with os.fdopen(write_end, 'wb') as stream:
                    stream.write(data)
                status = 0
            finally:
                os._exit(status)  # pylint: disable=protected-access
        os.close(write_end)
        return pid, read_end

    @staticmethod
    def _emit_warnings(warnings):
        for message in warnings[:MAX_WARNINGS]:
            display.warning(message)
        if len(warnings) > MAX_WARNINGS:
            display.warning('%d more warning(s) from wabiz.onprem.support; run with -vvv to see them' % (len(warnings) - MAX_WARNINGS))
            for message in warnings[MAX_WARNINGS:]:
                display.vvv(message)

    # ---- building the inventory ----------------------------------------------------------------
    def _report(self, config, entry, url=None):
        """wabiz_support for one cluster, derived from a cache entry (never modified). ``url``: the public form of
        the cluster's URL when the caller has it already.

        The report is handed to ``set_variable``, which copies it: it is copied here only when it holds a value of
        another type than plain JSON (for example a string restored from the cache with a trust tag), see as_unsafe."""
        fetched_at = entry.get('fetched_at')
        if entry.get('error'):
            error = _flat_error(entry['error'])
            report = {'reachable': bool(entry.get('reachable')), 'error': error,
                      'msg': '[%s] %s' % (error.get('code'), error.get('message'))}
            report['fetched_at'] = fetched_at
            return as_unsafe(report)
        if url is None:
            url = _safe_public_url(config['url'])
        try:
            report = report_from_fetched(entry, url, config['policy'])
            report['fetched_at'] = fetched_at
            return as_unsafe(report)
        except WabizError as exc:
            error = _flat_error(exc.to_dict())
        except Exception as exc:  # pylint: disable=broad-except
            error = _unprocessable(url, exc)
        return as_unsafe({'reachable': True, 'error': error, 'msg': '[%s] %s' % (error.get('code'), error.get('message')),
                          'fetched_at': fetched_at})

    def _construct(self, host, strict, resolved=None):
        """compose, groups and keyed_groups for one host (skipped entirely when none is set). ``resolved``: variables
        whose stored value is a reference (a node host's ``wabiz_node``), given as the data they stand for."""
        compose, groups, keyed_groups = self._constructed
        if not (compose or groups or keyed_groups):
            return
        variables = self.inventory.get_host(host).get_vars()
        if resolved:
            variables.update(resolved)
        self._set_composite_vars(compose, variables, host, strict=strict)
        self._add_host_to_composed_groups(groups, variables, host, strict=strict)
        self._add_host_to_keyed_groups(keyed_groups, variables, host, strict=strict)

    def _add_group(self, name, parent=None):
        """``inventory.add_group(name)``, called once per name and parse (the role and shard groups of the nodes repeat
        for every node)."""
        added = self._groups.get(name)
        if added is None:
            added = self._groups[name] = self.inventory.add_group(name)
        if parent:
            self.inventory.add_child(parent, added)
        return added

    def _group_name(self, *parts):
        """``group_name(*parts)``, remembered for this parse (keyed by the parts and their types: ``1`` and ``True``
        make different names)."""
        key = parts + tuple(type(part) for part in parts)
        name = self._group_names.get(key)
        if name is None:
            name = self._group_names[key] = group_name(*parts)
        return name

    def _cluster_host_names(self, configs):
        """{cluster name: inventory host name}, unique, in configuration order (see cluster_host_name)."""
        taken = set()
        names = {}
        for config in configs:
            base = cluster_host_name(config['name'])
            names[config['name']] = _claim(base, taken, '_')
            if names[config['name']] != base:
                display.warning('wabiz.onprem.support: cluster %r is the inventory host %s (%s is taken)' % (
                    config['name'], names[config['name']], base))
        return names

    def _populate(self, configs, data):
        inventory = self.inventory
        strict = self.get_option('strict')
        with_nodes = self.get_option('nodes')
        self._constructed = (self.get_option('compose'), self.get_option('groups'), self.get_option('keyed_groups'))
        self._groups = {}
        self._group_names = {}
        self._add_group('wabiz_clusters')
        self._add_group('wabiz_unreachable')
        if with_nodes:
            self._add_group('wabiz_nodes')
        host_names = self._cluster_host_names(configs)
        taken_hosts = set(host_names.values())
        taken_groups = set()
        failed = []
        for config in configs:
            name = config['name']
            url = _safe_public_url(config['url'])
            report = self._report(config, data[name], url)
            host = inventory.add_host(host_names[name], group='wabiz_clusters')
            variables = {
                'wabiz_cluster': make_unsafe(name),
                'wabiz_url': make_unsafe(url),
                'wabiz_validate_certs': config['validate_certs'],
                'wabiz_ca_path': make_unsafe(config['ca_path']),
                'wabiz_username': make_unsafe(config['username']),
                'wabiz_support': report,
                # when this read was made: a fact cached before it (facts beat inventory variables) is older, never used
                'wabiz_support_fetched_at': make_unsafe(report.get('fetched_at')),
                # the policy this cluster is configured with, for the roles' reads over the API: wabiz_support carries it
                # only when read (not after an error) and a fact hides wabiz_support altogether
                'wabiz_policy': make_unsafe(config['policy_given']),
            }
            for key, value in variables.items():
                inventory.set_variable(host, key, value)
            if report.get('error'):
                failed.append((name, report['error']))
                inventory.add_child('wabiz_unreachable', host)
                inventory.add_child(self._add_group(self._group_name('wabiz_error', report['error'].get('code') or 'unknown')), host)
            else:
                inventory.add_child(self._add_group(self._group_name('wabiz_status', report['status'])), host)
                inventory.add_child(self._add_group(self._group_name('wabiz_topology', report['topology'])), host)
            self._construct(host, strict)
            if with_nodes and not report.get('error') and report['nodes']:
                group = _claim(group_name('wabiz_cluster', host), taken_groups, '_')
                if group != group_name('wabiz_cluster', host):
                    display.warning('wabiz.onprem.support: the nodes of cluster %r are in the group %s' % (name, group))
                self._populate_nodes(host, name, group, report, strict, taken_hosts)
        return failed

    def _populate_nodes(self, cluster_host, cluster, group, report, strict, taken_hosts):
        """One host per node. The node's data is stored once, in the cluster host's ``wabiz_support.nodes``: a node
        host's ``wabiz_node`` is a reference to it (a template of this plugin, never of API data), which halves what
        ansible-core copies and tags for the inventory, and its memory."""
        inventory = self.inventory
        nodes = report['nodes']
        cluster_group = self._add_group(group)
        cluster_var = make_unsafe(cluster)
        for index, (host_name, node) in enumerate(zip(node_host_names(cluster_host, nodes, taken_hosts), nodes)):
            host = inventory.add_host(host_name, group='wabiz_nodes')
            inventory.add_child(cluster_group, host)
            inventory.add_child(self._add_group(self._group_name('wabiz_role', node.get('role') or 'unknown')), host)
            for shard in node.get('shards') or ():
                shard_group = 'wabiz_shard_control' if shard == -1 else self._group_name('wabiz_shard', shard)
                inventory.add_child(self._add_group(shard_group), host)
            inventory.set_variable(host, 'wabiz_cluster', cluster_var)
            inventory.set_variable(host, 'wabiz_node', node_reference(cluster_host, index))
            self._construct(host, strict, resolved={'wabiz_node': node})

    # ---- cache ---------------------------------------------------------------------------------
    def _load(self, path, configs, cache):
        """{name: entry} for every configured cluster, from the cache when allowed and complete,
        fetching only what the cache lacks."""
        use_cache = self.get_option('cache')
        cache_key = self.get_cache_key(path)
        cached = None
        if use_cache and cache:
            try:
                with _collector_paused():
                    cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if not (isinstance(cached, dict) and cached.get('format') == CACHE_FORMAT and isinstance(cached.get('clusters'), dict)):
                cached = None
        clusters = dict(cached['clusters']) if cached else {}
        usable = [config for config in configs if not config['error']]
        missing = [config for config in usable
                   if not isinstance(clusters.get(config['name']), dict)
                   or clusters[config['name']].get('url') != _safe_public_url(config['url'])]
        if missing:
            display.vvv('wabiz.onprem.support: %d of %d cluster(s) not in the cache, reading them' % (len(missing), len(configs)))
            clusters.update(self._fetch(missing))
        if use_cache and (missing or not cached):
            configured = set(config['name'] for config in usable)
            self._cache[cache_key] = {'format': CACHE_FORMAT,
                                      'clusters': dict((name, entry) for name, entry in clusters.items() if name in configured)}
        for config in configs:
            if config['error']:
                clusters[config['name']] = _unread_entry(config, config['error'])
        return clusters

    def update_cache_if_changed(self):
        """Write the cache as the base class does, then make the files of a file cache plugin private (0600): the
        cache holds support data (redacted) of every cluster. A cache that cannot be written is a warning."""
        if getattr(self, '_cache', None) is None:  # caching is off
            return
        try:
            super(InventoryModule, self).update_cache_if_changed()
        except Exception as exc:  # pylint: disable=broad-except
            display.warning('wabiz.onprem.support: cannot write the inventory cache: %s' % _short_exc(exc))
            return
        plugin = getattr(self._cache, '_plugin', None)
        cache_dir = getattr(plugin, '_cache_dir', None)  # file cache plugins (BaseFileCacheModule)
        if not cache_dir or not os.path.isdir(cache_dir):
            return
        keys = list(self._cache.keys())
        # ansible-core prefixes the key with a schema id in the file name: match on the end of the name
        for name in os.listdir(cache_dir):
            if any(name.endswith(key) for key in keys):
                path = os.path.join(cache_dir, name)
                try:
                    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
                except OSError as exc:
                    display.warning('wabiz.onprem.support: cannot make the cache file %s private: %s' % (path, _short_exc(exc)))

    # ---- entry point -----------------------------------------------------------------------------
    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        with _collector_paused():
            self._config_data = self._read_config_data(path)
            configs = self._cluster_configs()
        data = self._load(path, configs, cache)
        started = time.time()
        with _collector_paused(collect=True):
            failed = self._populate(configs, data)
        display.vvv('wabiz.onprem.support: built %d host(s) in %.2f s' % (len(self.inventory.hosts), time.time() - started))
        if failed and self.get_option('fail_on_error'):
            raise AnsibleError('wabiz.onprem.support: %d cluster(s) could not be read (fail_on_error is set): %s' % (
                len(failed), '; '.join('%s: [%s] %s' % (name, error.get('code'), error.get('message')) for name, error in failed)))
