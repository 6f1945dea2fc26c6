#!/usr/bin/env python
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every property test (tests/**/test_prop_*.py) under the hypothesis profile ``fuzz`` and print the counts.

    hacking/fuzz.py [--examples N] [extra pytest args]      (make fuzz; N per property, default 100000)

Prints the examples hypothesis ran (all properties, from --hypothesis-show-statistics), the failed
properties, and the counters the properties of tests/unit/strategies.py keep: crashes (an exception
other than the typed errors), false alarms (a healthy cluster with a finding), missed faults (an
injected fault without its finding). Counters include the replays of a failing example while
hypothesis shrinks it: any non-zero count is a failure. Exit status 0 only when everything is 0.
"""

from __future__ import absolute_import, division, print_function

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES_RE = re.compile(r'(\d+) passing, (\d+) failing')
FAILED_RE = re.compile(r'^FAILED (\S+)', re.MULTILINE)
PROPERTY_RE = re.compile(r'^\S+::\S+:$', re.MULTILINE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--examples', type=int, default=int(os.environ.get('WABIZ_FUZZ_EXAMPLES', '100000')),
                        help='examples per property (default: $WABIZ_FUZZ_EXAMPLES or 100000)')
    args, pytest_args = parser.parse_known_args()
    tests = sorted(glob.glob(os.path.join(ROOT, 'tests', '**', 'test_prop_*.py'), recursive=True))
    if not tests:
        print('fuzz: no tests/**/test_prop_*.py found')
        return 1
    counts_dir = tempfile.mkdtemp(prefix='wabiz-fuzz-')
    env = dict(os.environ, WABIZ_FUZZ_EXAMPLES=str(args.examples), WABIZ_FUZZ_COUNTS_DIR=counts_dir, HYPOTHESIS_PROFILE='fuzz')
    collections = os.path.join(ROOT, '.build', 'collections')
    env['PYTHONPATH'] = os.pathsep.join([collections, os.path.join(ROOT, 'tests', 'simulator'), env.get('PYTHONPATH', '')])
    env['ANSIBLE_COLLECTIONS_PATH'] = collections
    command = [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-q', '--hypothesis-profile=fuzz',
               '--hypothesis-show-statistics'] + pytest_args + [os.path.relpath(test, ROOT) for test in tests]
    print('fuzz: %d example(s) per property: %s' % (args.examples, ' '.join(command[1:])), flush=True)
    started = time.time()
    process = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True, check=False)
    output = process.stdout
    sys.stdout.write(output)
    examples = sum(int(passing) + int(failing) for passing, failing in EXAMPLES_RE.findall(output))
    counts = {}
    for name in os.listdir(counts_dir):
        with open(os.path.join(counts_dir, name)) as handle:
            for key, value in json.load(handle).items():
                counts[key] = counts.get(key, 0) + value
    failed = FAILED_RE.findall(output)
    summary = [('examples run', examples), ('crashes', counts.get('crashes', 0)), ('false alarms', counts.get('false_alarms', 0)),
               ('missed faults', counts.get('missed_faults', 0)), ('failed properties', len(failed))]
    properties = len(PROPERTY_RE.findall(output))
    print('fuzz: %s (%d properties in %d file(s), %.0f s; of them counted by strategies.FUZZ_COUNTS: %d examples)' % (
        ', '.join('%s: %d' % item for item in summary), properties, len(tests), time.time() - started, counts.get('examples', 0)))
    bad = any(value for dummy, value in summary[1:]) or process.returncode not in (0,)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
