# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""Controller-side data helpers shared by the filters and the action plugins."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections.abc import Mapping

from ansible.template import is_trusted_as_template


MAX_DEPTH = 100

_SCALARS = (int, float, type(None))  # bool is an int
# Exact types: a value tagged by ansible-core is a subclass, so it is not among them; untagged, never a template.
PLAIN_SCALARS = frozenset((str, int, float, bool, type(None)))


def plain(value, depth=0):
    """Deep copy of Ansible's lazy containers (hostvars, templated dicts and lists) into plain dicts and lists.

    Raises ValueError for data nested deeper than ``MAX_DEPTH`` levels (never a RecursionError)."""
    if isinstance(value, (Mapping, list, tuple)) and depth >= MAX_DEPTH:
        raise ValueError('data nested deeper than %d levels' % MAX_DEPTH)
    if isinstance(value, Mapping):
        return dict((key, plain(item, depth + 1)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    return value


class _Templated(Exception):
    """Raw variable data that only templating gives the value of."""


def _raw_copy(value, depth=0):
    """Deep copy of raw (untemplated) variable data into plain dicts and lists; raises _Templated at a string Ansible
    would template (trusted as a template) or at any type other than JSON's (a vaulted value, a marker)."""
    kind = type(value)
    if kind in PLAIN_SCALARS:  # the bulk of the data: decided by its type alone
        return value
    if isinstance(value, str):  # tagged text (data from the inventory cache is)
        if is_trusted_as_template(value):
            raise _Templated()
        return str(value)
    if isinstance(value, (dict, list, tuple)):
        if depth >= MAX_DEPTH:
            raise _Templated()  # the templated read reports the depth
        if isinstance(value, dict):
            return {key: item if type(item) in PLAIN_SCALARS else _raw_copy(item, depth + 1) for key, item in value.items()}
        return [item if type(item) in PLAIN_SCALARS else _raw_copy(item, depth + 1) for item in value]
    if isinstance(value, _SCALARS):
        return value
    raise _Templated()


def host_values(hostvars, host, names):
    """``{name: value}`` (plain data) of the variables ``names`` of one inventory host, leaving out those it does not
    have; a name ``a.b`` is key ``b`` of variable ``a`` (``ansible_facts.wabiz_support``).

    Each value is what ``hostvars[host][name]`` gives. It is read untemplated (``HostVars.raw_get``) and copied as
    is when it holds nothing Ansible would template, which is most of the cost saved on a fleet: walking the templated
    view of a cluster's support data costs about 20 times more. Any other value is read through ``hostvars[host]``."""
    raw_get = getattr(hostvars, 'raw_get', None)
    raw = raw_get(host) if callable(raw_get) else None
    view = None
    values = {}
    for name in names:
        parent, dummy, key = name.rpartition('.')
        try:
            if not isinstance(raw, Mapping):
                raise _Templated()
            container = raw.get(parent) if parent else raw
            if isinstance(container, Mapping) and key in container:
                values[name] = _raw_copy(container[key])
            elif parent and not (container is None or isinstance(container, Mapping)):
                raise _Templated()  # a templated parent may still give a mapping
        except _Templated:
            if view is None:
                view = hostvars[host]
            container = view.get(parent) if parent else view
            if isinstance(container, Mapping) and key in container:
                values[name] = plain(container[key])
    return values
