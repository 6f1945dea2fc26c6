# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the integration tests: run modules and playbooks as a user would, against the simulator."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import socket
import subprocess
import sys

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SIMULATOR_DIR = os.path.join(REPO, 'tests', 'simulator')
if SIMULATOR_DIR not in sys.path:
    sys.path.insert(0, SIMULATOR_DIR)

BIN = os.path.dirname(sys.executable)
ADMIN_PASSWORD = 'Adm1n!pass'
FLEET = os.path.join(os.path.dirname(__file__), 'fleet.yml')


def closed_port():
    """A local TCP port nothing listens on (bound, then released)."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def ansible_env(extra=None):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('WABIZ_'))
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(REPO, '.build', 'collections'))
    env.update({
        'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'ANSIBLE_DEPRECATION_WARNINGS': 'false',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'ANSIBLE_RETRY_FILES_ENABLED': 'false',
    })
    env.update(extra or {})
    return env


class Result(object):
    def __init__(self, proc, data=None):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.output = proc.stdout + proc.stderr
        self.data = data

    def __repr__(self):
        return 'Result(rc=%s)\n%s' % (self.rc, self.output[-3000:])


def run_module(module, args, env=None, check=False, verbosity=0):
    """Run one module with the `ansible` ad-hoc command on the implicit localhost; returns the
    parsed module result in ``.data``."""
    cmd = [os.path.join(BIN, 'ansible'), 'localhost', '-m', module]
    if args:
        cmd += ['-a', json.dumps(args)]
    if check:
        cmd.append('--check')
    if verbosity:
        cmd.append('-' + 'v' * verbosity)
    proc = subprocess.run(cmd, env=ansible_env(env), cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    data = None
    marker = proc.stdout.find(' => {')
    if marker >= 0:
        data = json.JSONDecoder().raw_decode(proc.stdout[marker + 4:])[0]
    return Result(proc, data)


def run_playbook(path, playbook, extra_vars=None, env=None, args=(), inventory=None):
    """Write ``playbook`` (a list of plays) to ``path`` and run it with ansible-playbook."""
    with open(str(path), 'w') as handle:
        yaml.safe_dump(playbook, handle, sort_keys=False)
    cmd = [os.path.join(BIN, 'ansible-playbook'), str(path)]
    if inventory:
        cmd += ['-i', str(inventory)]
    if extra_vars:
        cmd += ['-e', json.dumps(extra_vars)]
    cmd += list(args)
    proc = subprocess.run(cmd, env=ansible_env(env), cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    return Result(proc)


def connection(sim, cluster, **extra):
    """Module arguments for one simulator cluster."""
    args = {'url': sim.url(cluster), 'username': 'admin', 'password': ADMIN_PASSWORD, 'ca_path': sim.ca_path,
            'timeout': 5, 'retries': 0}
    args.update(extra)
    return args
