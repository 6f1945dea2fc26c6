# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests: the collection's modules run by real ansible-playbook / ansible processes
against the HTTPS simulator (tests/simulator), one simulator per pytest worker."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from integration_helpers import FLEET  # noqa: E402  pylint: disable=wrong-import-position
from wabiz_sim.testing import Simulator  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope='session')
def sim():
    with Simulator(FLEET) as simulator:
        yield simulator


@pytest.fixture(scope='session')
def http_sim():
    with Simulator(FLEET, http=True) as simulator:
        yield simulator
