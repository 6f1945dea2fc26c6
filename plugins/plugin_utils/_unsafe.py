# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""Mark data that came from an API as unsafe, so Ansible never templates it.

ansible-core (>= 2.20, the collection's floor) renders only strings tagged as trusted templates, and an inventory
plugin's ``set_variable`` tags nothing as trusted unless the plugin sets ``trusted_by_default`` (this collection's
plugins never do): a plain ``str`` from an API is never a template. What could still be one is a string that arrives
already tagged as trusted (for example restored with its tags from a cache file), so the guard is: data made of plain
JSON types only is used as it is (``as_unsafe``), anything else gets a copy with the trust dropped (``make_unsafe``).
Only strings that could hold a template (they contain ``{`` or ``}``) are wrapped: wrapping every string is slower
and trips display bugs in some controllers (community.hrobot#102).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.wabiz.onprem.plugins.plugin_utils._data import PLAIN_SCALARS as _PLAIN_SCALARS


def _needs_wrap(value):
    return '{' in value or '}' in value


def make_unsafe(value):
    """A copy of ``value`` (JSON-like data) with every string that holds ``{`` or ``}`` marked unsafe.

    Containers are always copied (dicts and lists; tuples and sets become lists), so the result
    never shares a container with the input: the input (for example a cached payload) is never
    modified through it.
    """
    if isinstance(value, str):
        return wrap_var(value) if _needs_wrap(value) else value
    if isinstance(value, dict):
        return dict((make_unsafe(key) if isinstance(key, str) else key, make_unsafe(item)) for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [make_unsafe(item) for item in value]
    if isinstance(value, bytes):
        return wrap_var(value) if (b'{' in value or b'}' in value) else value
    return value


def is_plain(value):
    """True when ``value`` is made of plain JSON types only: exactly ``dict`` (with plain scalar keys), ``list``,
    ``str``, ``int``, ``float``, ``bool`` and ``None``, with no subclass (a value tagged by ansible-core is one).
    Read only; iterative, so deep data cannot hit the recursion limit."""
    plain = _PLAIN_SCALARS
    stack = [value]
    pop = stack.pop
    push = stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            for key in item:
                if type(key) not in plain:
                    return False
            push(item.values())
        elif kind is list:
            push(item)
        elif kind not in plain:
            return False
    return True


def as_unsafe(value):
    """``value`` itself when it is made of plain JSON types only (nothing in it is trusted as a template, see the
    module docstring), else ``make_unsafe(value)`` (a copy with the trust dropped). ``value`` is never modified.

    For data handed to ``set_variable``, which copies what it stores: the common case costs one read-only walk
    instead of a second copy."""
    return value if is_plain(value) else make_unsafe(value)
