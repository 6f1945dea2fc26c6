# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hypothesis profiles for the property tests (tests/**/test_prop_*.py).

- ``ci`` (default): bounded and derandomized, so every property together costs seconds and a failure
  reproduces; ``WABIZ_CI_EXAMPLES`` (default 100) examples per property.
- ``fuzz`` (``make fuzz``, ``--hypothesis-profile=fuzz``): ``WABIZ_FUZZ_EXAMPLES`` examples per property
  (default 100000), random seeds.

When ``WABIZ_FUZZ_COUNTS_DIR`` is set, the counters of ``tests/unit/strategies.FUZZ_COUNTS`` are written
there at the end of the session (one JSON file per process) for ``hacking/fuzz.py`` to sum.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from hypothesis import HealthCheck, settings

from ansible_collections.wabiz.onprem.tests.unit.strategies import FUZZ_COUNTS

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile('ci', max_examples=int(os.environ.get('WABIZ_CI_EXAMPLES', '100')), derandomize=True, **_COMMON)
settings.register_profile('fuzz', max_examples=int(os.environ.get('WABIZ_FUZZ_EXAMPLES', '100000')), **_COMMON)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))


def pytest_sessionfinish(session, exitstatus):
    directory = os.environ.get('WABIZ_FUZZ_COUNTS_DIR')
    if directory:
        with open(os.path.join(directory, 'counts-%d.json' % os.getpid()), 'w') as handle:
            json.dump(dict(FUZZ_COUNTS), handle)
