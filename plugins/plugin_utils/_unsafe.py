# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""Mark data that came from an API as unsafe, so Ansible never templates it.

Only strings that could hold a template (they contain ``{`` or ``}``) are wrapped: wrapping every
string is slower and trips display bugs in some controllers (community.hrobot#102). ansible-core
never trusts API data as a template in the first place; the wrapping is a second guard.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.utils.unsafe_proxy import wrap_var


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
