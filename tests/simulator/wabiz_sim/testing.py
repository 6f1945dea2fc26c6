"""Helpers for pytest: an in-process simulator (background thread) or a CLI subprocess, with control-API shortcuts.

    from wabiz_sim.testing import Simulator
    with Simulator('tests/simulator/fleets/demo.yml') as sim:
        requests.get(sim.url('mc-healthy') + '/v1/support', verify=sim.ca_path, ...)
        sim.failover('ha-healthy'); sim.advance_clock(31)
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from .app import start_server
from .certs import make_certs
from .errors import FleetError
from .fleet import load_fleet
from .model import Fleet

HERE = os.path.dirname(os.path.abspath(__file__))
SIM_ROOT = os.path.dirname(HERE)
DEMO_FLEET = os.path.join(SIM_ROOT, 'fleets', 'demo.yml')


class SimulatorError(RuntimeError):
    pass


class _Control:
    """Control-API shortcuts shared by :class:`Simulator` and :class:`SimProcess` (need ``base_url``, ``ca_path``)."""

    base_url = ''
    ca_path = None

    def url(self, cluster=None, path=''):
        """Base URL of ``cluster`` (``https://127.0.0.1:PORT/NAME``); without a cluster, the server root."""
        base = self.base_url if cluster is None else '%s/%s' % (self.base_url, cluster)
        return base + path

    @property
    def verify(self):
        """Value for ``requests``' ``verify=``: the CA path (HTTPS) or True (plain HTTP)."""
        return self.ca_path or True

    def control(self, method, path, body=None):
        """Call ``/__sim/<path>``; return the decoded JSON; raise SimulatorError on a non-2xx answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + '/__sim/' + path.lstrip('/'), data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        ctx = ssl.create_default_context(cafile=self.ca_path) if self.ca_path else None
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
                return json.loads(resp.read().decode())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors='replace')
            raise SimulatorError('%s /__sim/%s -> %s %s' % (method, path, exc.code, detail)) from None

    def state(self, cluster=None):
        return self.control('GET', 'clusters/%s' % cluster if cluster else 'state')

    def patch_cluster(self, name, spec):
        """Merge a partial cluster spec (``None`` removes a key)."""
        return self.control('POST', 'clusters/%s' % name, spec)

    def put_cluster(self, name, spec):
        """Replace (or add) a cluster."""
        return self.control('PUT', 'clusters/%s' % name, spec)

    def delete_cluster(self, name):
        return self.control('DELETE', 'clusters/%s' % name)

    def failover(self, name, node=None, remove=None):
        body = {}
        if node is not None:
            body['node'] = node
        if remove is not None:
            body['remove'] = remove
        return self.control('POST', 'clusters/%s/failover' % name, body)

    def revive(self, name, node):
        return self.control('POST', 'clusters/%s/revive' % name, {'node': node})

    def advance_clock(self, seconds):
        return self.control('POST', 'clock', {'advance': seconds})

    def set_clock(self, when):
        return self.control('POST', 'clock', {'set': when})

    def freeze_clock(self, frozen=True):
        return self.control('POST', 'clock', {'freeze': frozen})

    def reset(self):
        return self.control('POST', 'reset')


class Simulator(_Control):
    """The simulator in a background thread with its own event loop, on a free loopback port.

    ``fleet``: a dict, a path, or YAML text (default: the bundled demo fleet).
    """

    def __init__(self, fleet=None, *, http=False, seed=None, server_name='localhost', cert_dir=None, host='127.0.0.1'):
        self.fleet_source = DEMO_FLEET if fleet is None else fleet
        self.http = http
        self.seed = seed
        self.server_name = server_name
        self.host = host
        self._own_cert_dir = cert_dir is None and not http
        self.cert_dir = cert_dir
        self.ca_path = None
        self.port = None
        self.base_url = None
        self.fleet = None
        self._loop = None
        self._thread = None
        self._runner = None

    def start(self):
        self.fleet = Fleet(load_fleet(self.fleet_source, self.seed))
        ssl_context = None
        if not self.http:
            if self.cert_dir is None:
                self.cert_dir = tempfile.mkdtemp(prefix='wabiz_sim-certs-')
            bundle = make_certs(self.cert_dir, self.server_name)
            ssl_context, self.ca_path = bundle.server_context(), bundle.ca_path
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), name='wabiz_sim', daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(start_server(self.fleet, self.host, 0, ssl_context), self._loop)
        self._runner, self.port = future.result(timeout=30)
        host = '[%s]' % self.host if ':' in self.host else self.host
        self.base_url = '%s://%s:%d' % ('http' if self.http else 'https', host, self.port)
        return self

    def _run(self, started):
        asyncio.set_event_loop(self._loop)
        started.set()
        self._loop.run_forever()

    def stop(self):
        if self._loop is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
        self._loop = self._runner = None
        if self._own_cert_dir and self.cert_dir:
            shutil.rmtree(self.cert_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class SimProcess(_Control):
    """``python -m wabiz_sim serve`` in a subprocess; waits for its ready file."""

    def __init__(self, fleet, *, http=False, seed=None, server_name=None, cert_dir=None, port=0, extra_args=(), timeout=30.0):
        self.fleet_path = os.fspath(fleet)
        self.http = http
        self.seed = seed
        self.server_name = server_name
        self.cert_dir = cert_dir
        self.port = port
        self.extra_args = list(extra_args)
        self.timeout = timeout
        self.proc = None
        self.info = None
        self.base_url = None
        self.ca_path = None
        self._tmp = None

    def command(self, ready_file):
        cmd = [sys.executable, '-m', 'wabiz_sim', 'serve', '--fleet', self.fleet_path, '--port', str(self.port), '--ready-file', ready_file]
        if self.http:
            cmd.append('--http')
        else:
            cmd += ['--cert-dir', self.cert_dir or os.path.join(self._tmp, 'certs')]
        if self.server_name:
            cmd += ['--server-name', self.server_name]
        if self.seed is not None:
            cmd += ['--seed', str(self.seed)]
        return cmd + self.extra_args

    def start(self):
        self._tmp = tempfile.mkdtemp(prefix='wabiz_sim-proc-')
        ready = os.path.join(self._tmp, 'ready.json')
        env = dict(os.environ)
        env['PYTHONPATH'] = SIM_ROOT + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
        self.proc = subprocess.Popen(self.command(ready), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # pylint: disable=consider-using-with
        deadline = time.monotonic() + self.timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors='replace').strip()
                raise SimulatorError('simulator exited with %s: %s' % (self.proc.returncode, err))
            if time.monotonic() > deadline:
                self.stop()
                raise SimulatorError('simulator did not become ready within %.0f s' % self.timeout)
            time.sleep(0.05)
        with open(ready, encoding='utf-8') as handle:
            self.info = json.load(handle)
        self.base_url, self.ca_path, self.port = self.info['url'], self.info['ca_path'], self.info['port']
        return self

    def stop(self, timeout=10.0):
        """SIGTERM, wait, SIGKILL if needed; return the exit code."""
        code = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout)
            code = self.proc.returncode
            self.proc.stdout.close()
            self.proc.stderr.close()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        return code

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


__all__ = ['Simulator', 'SimProcess', 'SimulatorError', 'FleetError', 'DEMO_FLEET']
