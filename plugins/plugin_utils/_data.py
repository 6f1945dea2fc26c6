# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""Controller-side data helpers shared by the filters."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections.abc import Mapping


MAX_DEPTH = 100


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
