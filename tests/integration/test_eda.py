# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Event-Driven Ansible source wabiz.onprem.support: its main(queue, args) against the simulator, and
ansible-rulebook running the sample rulebook (extensions/eda/rulebooks/watch_fleet.yml) end to end."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import asyncio
import importlib.util
import json
import os
import socket
import subprocess
import threading
import time

import pytest
import yaml

from integration_helpers import ADMIN_PASSWORD, BIN, REPO, ansible_env
from wabiz_sim.testing import Simulator

PLUGIN = os.path.join(REPO, 'extensions', 'eda', 'plugins', 'event_source', 'support.py')
SECRET = 'db-Pa55-must-not-leak'
FLEET = {
    'seed': 7,
    'defaults': {'version': 'v2.45.1', 'users': {'admin': {'password': ADMIN_PASSWORD, 'must_change': False}}},
    'clusters': [
        {'name': 'mc-ok', 'mode': 'multiconnect', 'masters': 2, 'coreapps': 5, 'shards': 4, 'env': {'WA_DB_PASSWORD': SECRET}},
        {'name': 'ha-ok', 'mode': 'ha', 'masters': 2, 'coreapps': 2},
        {'name': 'disk-low', 'mode': 'ha', 'masters': 2, 'coreapps': 2, 'nodes': {'wacore1': {'free_space': {'logs': 3000000000}}}},
    ],
}


def load_plugin():
    spec = importlib.util.spec_from_file_location('wabiz_eda_support', PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plugin = load_plugin()


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    fleet = tmp_path_factory.mktemp('eda') / 'sim.yml'
    fleet.write_text(yaml.safe_dump(FLEET))
    with Simulator(str(fleet)) as simulator:
        yield simulator


def source_args(sim, names, **extra):
    args = {'clusters': [{'name': name, 'url': sim.url(name)} for name in names], 'username': 'admin', 'password': ADMIN_PASSWORD,
            'ca_path': sim.ca_path, 'timeout': 5, 'retries': 0, 'interval': 0.2}
    args.update(extra)
    return args


def watch(args, until, actions=None, deadline=60):
    """Run main(queue, args) until ``until(events)`` holds; ``actions`` maps an event count to a callable run (in a
    thread, it talks to the simulator) once that many events arrived. Every wait is bounded by ``deadline``."""
    actions = dict(actions or {})

    async def run():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(plugin.main(queue, args))
        events = []
        try:
            while not until(events):
                if len(events) in actions:
                    await asyncio.to_thread(actions.pop(len(events)))
                getter = asyncio.ensure_future(queue.get())
                done, dummy = await asyncio.wait([getter, task], timeout=deadline, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    if task.done():
                        task.result()  # the source stopped: show why
                    pytest.fail('no event within %s s' % deadline)
                events.append(getter.result())
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return events

    return asyncio.run(run())


def test_one_event_per_cluster_at_start(sim):
    dead = closed_port()
    args = source_args(sim, ['mc-ok', 'ha-ok', 'disk-low'])
    args['clusters'].append({'name': 'gone', 'url': 'https://user:pw@127.0.0.1:%d/gone?token=t' % dead})
    events = watch(args, lambda events: len(events) >= 4)
    by_cluster = dict((event['cluster'], event) for event in events)
    assert sorted(by_cluster) == ['disk-low', 'gone', 'ha-ok', 'mc-ok']
    assert by_cluster['mc-ok']['status'] == 'ok' and by_cluster['mc-ok']['passed'] is True
    assert by_cluster['mc-ok']['topology'] == 'multiconnect' and by_cluster['mc-ok']['codes'] == []
    assert by_cluster['disk-low']['status'] == 'warning' and by_cluster['disk-low']['passed'] is True
    assert by_cluster['disk-low']['codes'] == ['free_space_low']
    gone = by_cluster['gone']
    assert (gone['status'], gone['passed'], gone['error']['code'], gone['codes']) == ('error', False, 'unreachable', ['unreachable'])
    assert gone['url'] == 'https://127.0.0.1:%d/gone' % dead
    assert all(event['previous_status'] is None for event in events)
    text = json.dumps(events)
    assert SECRET not in text and ADMIN_PASSWORD not in text and 'pw@' not in text and 'token=t' not in text


def test_shard_owner_down_then_recovered(sim):
    def down():
        sim.patch_cluster('mc-ok', {'nodes': {'wacore1': {'socket_conn': 'DN'}}})

    def up():
        sim.patch_cluster('mc-ok', {'nodes': {'wacore1': {'socket_conn': 'UP'}}})

    try:
        events = watch(source_args(sim, ['mc-ok']), lambda events: len(events) >= 3, actions={1: down, 2: up})
    finally:
        up()
    assert [(event['status'], event['previous_status'], event['codes']) for event in events] == [
        ('ok', None, []), ('critical', 'ok', ['socket_conn_down']), ('ok', 'critical', [])]
    assert events[1]['passed'] is False and events[1]['blocking'][0]['node'].startswith('wacore1:')
    assert 'FAILED the health gate' in events[1]['message']
    assert events[2]['previous_codes'] == ['socket_conn_down']


def test_no_event_while_nothing_changes(sim):
    """Polled every 0.1 s for a while: still one event per cluster (the verdict did not change)."""
    stop_at = []

    def until(events):
        if len(events) >= 2 and not stop_at:
            stop_at.append(time.monotonic() + 1.0)
        return bool(stop_at) and time.monotonic() > stop_at[0]

    args = source_args(sim, ['ha-ok', 'disk-low'], interval=0.1)

    async def run():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(plugin.main(queue, args))
        events = []
        started = time.monotonic()
        try:
            while not until(events):
                try:
                    events.append(await asyncio.wait_for(queue.get(), 0.2))
                except asyncio.TimeoutError:
                    if task.done():
                        task.result()  # the source stopped: show why
                    assert time.monotonic() < started + 60, 'no event within 60 s'
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return events, sim.state('ha-ok')['requests']

    events, requests = asyncio.run(run())
    assert sorted(event['cluster'] for event in events) == ['disk-low', 'ha-ok']
    assert requests > 3  # it did poll again


def test_errors_back_off_and_reset():
    watch_settings = {'interval': 10.0, 'max_backoff': 50.0, 'workers': 1, 'fail_on': 'critical'}
    cluster = plugin._Watch({'url': 'https://x'}, watch_settings)
    error = {'error': {'code': 'timeout', 'message': 't'}}
    assert [cluster.delay(error) for dummy in range(4)] == [20.0, 40.0, 50.0, 50.0]
    assert cluster.delay({'error': None}) == 10.0
    assert cluster.delay(error) == 20.0


def test_concurrency_is_bounded():
    state = {'now': 0, 'peak': 0}
    lock = threading.Lock()

    class SlowClient(object):
        def __init__(self, url, **kwargs):
            self.url = url

        def fetch(self):
            with lock:
                state['now'] += 1
                state['peak'] = max(state['peak'], state['now'])
            time.sleep(0.1)
            with lock:
                state['now'] -= 1
            raise plugin.WabizError('unreachable', 'no route')

        def close(self):
            pass

    module = load_plugin()
    module.Client = SlowClient
    args = {'clusters': [{'name': 'c%d' % index, 'url': 'https://127.0.0.1:1/c%d' % index} for index in range(8)],
            'token': 't', 'workers': 3, 'interval': 60}

    async def run():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(module.main(queue, args))
        events = [await asyncio.wait_for(queue.get(), 30) for dummy in range(8)]
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return events

    events = asyncio.run(run())
    assert sorted(event['cluster'] for event in events) == ['c%d' % index for index in range(8)]
    assert state['peak'] == 3


@pytest.mark.parametrize('args, message', [
    ({}, 'clusters must be a non-empty list'),
    ({'clusters': [{'name': 'a'}]}, 'cluster a: url is required'),
    # the connection options are checked by ansible-core's argument spec validator, as a task's arguments are
    ({'clusters': [{'name': 'a', 'url': 'https://x', 'pasword': 'p'}]}, 'cluster a: Unsupported parameters: pasword.'),
    ({'clusters': [{'name': 'a', 'url': 'https://x'}, {'name': 'a', 'url': 'https://y'}]}, 'must be unique'),
    ({'clusters': [{'name': 'a', 'url': 'https://x', 'policy': {'expected_shards': 3}}]}, 'cluster a: [invalid_policy]'),
    ({'clusters': [{'name': 'a', 'url': 'https://x'}], 'interval': 'soon'}, 'interval must be a number'),
    ({'clusters': [{'name': 'a', 'url': 'https://x'}], 'workers': 0}, 'workers must be a number >= 1'),
    # NaN slipped past "< minimum" and infinity crashed the deadline timer at the first poll
    ({'clusters': [{'name': 'a', 'url': 'https://x'}], 'interval': 'nan'}, "interval must be a number >= 0.1, got 'nan'"),
    ({'clusters': [{'name': 'a', 'url': 'https://x'}], 'max_backoff': float('inf')}, 'max_backoff must be a number >= 0.1, got inf'),
    ({'clusters': [{'name': 'a', 'url': 'https://x', 'timeout': 'inf'}]}, 'cluster a: timeout: expected a number, got inf'),
    ({'clusters': [{'name': 'a', 'url': 'https://x', 'retries': -1}]}, 'cluster a: retries: must not be negative'),
    ({'clusters': [{'name': 'a', 'url': 'https://x'}], 'fail_on': 'info'}, 'fail_on must be one of critical, warning'),
    # int(inf) raises OverflowError, which neither the source nor ansible-core's validator caught (a traceback)
    ({'clusters': [{'name': 'a', 'url': 'https://x'}], 'workers': float('inf')}, 'workers must be a number'),
    ({'clusters': [{'name': 'a', 'url': 'https://x', 'retries': float('inf')}]}, 'cluster a: retries: the value cannot be converted'),
    ({'clusters': [{'name': 'a', 'url': 'https://x', 'token': 'T0k\n'}]}, 'cluster a: token: starts or ends with whitespace'),
    ({'clusters': [{'name': 'a', 'url': 'https://x'}], 'validate_certs': 'maybe'},
     "option: argument 'validate_certs' is of type str and we were unable to convert to bool"),
])
def test_bad_arguments_fail_at_start_with_one_message(args, message):
    with pytest.raises(plugin.OptionError) as caught:
        plugin.options(args)
    assert str(caught.value).startswith('[invalid_option] wabiz.onprem.support: ')
    assert message in str(caught.value)


def test_credentials_from_the_environment(monkeypatch):
    monkeypatch.setenv('WABIZ_PASSWORD', 'from-env')
    monkeypatch.setenv('WABIZ_CA_PATH', '/ca.pem')
    configs, watch_settings = plugin.options({'clusters': [{'name': 'a', 'url': 'https://x', 'timeout': '3'}], 'username': 'u'})
    assert (configs[0]['password'], configs[0]['ca_path'], configs[0]['username'], configs[0]['timeout']) == ('from-env', '/ca.pem', 'u', 3.0)
    assert watch_settings == {'interval': 60.0, 'workers': 8, 'max_backoff': 600.0, 'fail_on': 'critical'}


def test_event_names_the_inventory_host_of_the_cluster():
    """The rulebook runs the health gate playbook with wabiz_hosts = event.host: the pattern-safe inventory host name
    the wabiz.onprem.support inventory plugin gives the cluster, not its name (``single,healthy`` would be read as
    two host patterns and the gate would match no cluster)."""
    from ansible_collections.wabiz.onprem.plugins.inventory import support as inventory
    names = ['eu-1', 'single,healthy', 'single_healthy', 'all', 'wabiz_x', '-dash', 'a:b[1]', 'eu 1']
    configs, dummy = plugin.options({'clusters': [{'name': name, 'url': 'https://x'} for name in names]})
    hosts = [config['host'] for config in configs]
    assert hosts == ['eu-1', 'single_healthy', 'single_healthy_2', 'cluster_all', 'cluster_wabiz_x', 'cluster_-dash',
                     'a_b_1_', 'eu_1']
    # the same rule as the inventory plugin's
    assert hosts == list(inventory.InventoryModule()._cluster_host_names([{'name': name} for name in names]).values())
    watch = plugin._Watch(configs[1], dummy)
    event = watch.event({'status': 'ok', 'error': None, 'findings': [], 'cluster': 'single,healthy'}, 60)
    assert (event['cluster'], event['host']) == ('single,healthy', 'single_healthy')


def wait_for(path, text, proc, deadline):
    """Wait until the output file holds ``text`` (bounded); returns the output."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        output = path.read_text(errors='replace')
        if text in output:
            return output
        if proc.poll() is not None:
            break
        time.sleep(0.25)
    pytest.fail('%r not seen within %s s (ansible-rulebook rc %s):\n%s' % (
        text, deadline, proc.poll(), path.read_text(errors='replace')[-4000:]))


def test_rulebook_fires_on_a_shard_owner_down_and_on_recovery(sim, tmp_path):
    """ansible-rulebook with the sample rulebook: the critical rule fires (and runs the health gate playbook),
    then the recovery rule. The waits are bounded: 1 s polls, 5 s timeouts, no retries; JVM start included."""
    names = ['mc-ok', 'ha-ok']
    (tmp_path / 'vars.yml').write_text(yaml.safe_dump({
        'wabiz_watch_clusters': [{'name': name, 'url': sim.url(name)} for name in names],
        'wabiz_watch_username': 'admin', 'wabiz_watch_interval': 1, 'wabiz_watch_report_dir': str(tmp_path / 'reports')}))
    (tmp_path / 'fleet.wabiz.yml').write_text(yaml.safe_dump({
        'plugin': 'wabiz.onprem.support', 'username': 'admin', 'timeout': 5, 'retries': 0,
        'clusters': [{'name': name, 'url': sim.url(name)} for name in names]}))
    env = ansible_env({'WABIZ_PASSWORD': ADMIN_PASSWORD, 'WABIZ_CA_PATH': sim.ca_path, 'PATH': BIN + os.pathsep + os.environ['PATH'],
                       'ANSIBLE_HOME': str(tmp_path / 'ansible-home')})
    output = tmp_path / 'rulebook.log'
    with open(str(output), 'w') as stream:
        proc = subprocess.Popen([os.path.join(BIN, 'ansible-rulebook'), '-r', 'wabiz.onprem.watch_fleet', '-i', 'fleet.wabiz.yml',
                                 '--vars', 'vars.yml', '-v'], cwd=str(tmp_path), env=env, stdout=stream, stderr=subprocess.STDOUT)
    try:
        wait_for(output, 'wabiz.onprem.support: mc-ok is ok', proc, 120)
        sim.patch_cluster('mc-ok', {'nodes': {'wacore1': {'socket_conn': 'DN'}}})
        wait_for(output, 'wabiz.onprem: mc-ok is critical (socket_conn_down), was ok', proc, 60)
        # the rule ran the health gate playbook on that cluster: it failed it with the reason
        text = wait_for(output, 'PLAY RECAP', proc, 120)
        assert 'mc-ok FAILED the health gate' in text
        sim.patch_cluster('mc-ok', {'nodes': {'wacore1': {'socket_conn': 'UP'}}})
        text = wait_for(output, 'wabiz.onprem: mc-ok recovered: ok, was critical', proc, 120)
    finally:
        sim.patch_cluster('mc-ok', {'nodes': {'wacore1': {'socket_conn': 'UP'}}})
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    assert 'ha-ok is critical' not in text and 'ha-ok recovered' not in text
    report = json.loads((tmp_path / 'reports' / 'wabiz-report.json').read_text())
    assert [(result['cluster'], result['outcome']) for result in report['results']] == [('mc-ok', 'failed')]
    assert ADMIN_PASSWORD not in text and SECRET not in text
