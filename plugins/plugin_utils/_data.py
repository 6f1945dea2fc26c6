# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.
"""Controller-side data helpers shared by the filters."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections.abc import Mapping


def plain(value):
    """Deep copy of Ansible's lazy containers (hostvars, templated dicts and lists) into plain dicts and lists."""
    if isinstance(value, Mapping):
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value
