# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet-scale benchmark of wabiz.onprem against the simulator (see benchmarks/README.md).

For every run it starts one simulator process with N multiconnect clusters (2 masters, 5 coreapps,
4 shards), a given percentage of them failing (a coreapp down, a shard owner with socket_conn DN, low
disk, in turn), then runs each variant as a subprocess and measures wall time, CPU time and peak
memory of the whole process tree:

  floor  a bare threaded client (plain requests, 32 threads): login + GET /v1/support per cluster (floor.py)
  floor3 the same reads on urllib3 directly, the transport of the collection's client (floor.py --urllib3)
  a   inventory plugin + the wabiz.onprem.health_gate playbook (fleet mode from the inventory data, report files)
  a1  inventory plugin + the health_gate role's per-host entry point on every cluster host (gate_role.yml)
  b   wabiz.onprem.support_info per cluster host, static inventory, default forks
  c   DIY baseline: ansible.builtin.uri login + support + assert (diy_baseline.yml), default forks
  d   cached inventory: ansible-inventory --graph answered from the jsonfile cache (simulator stopped)
  d2  the same with --list (adds ansible-inventory's JSON dump of every host variable)
  e   cached inventory + the wabiz.onprem.health_gate playbook, simulator stopped

Memory: "peak PSS" is the highest sum of the proportional set size (/proc/PID/smaps_rollup) over the
process tree, sampled every 50 ms (forked Ansible workers share pages; PSS counts them once);
"max RSS" is the largest single process (getrusage of the waited children).

Default (make bench): N=1000 with 10% failing (floor, a, d, d2), N=1000 with 0% and 50% failing
(floor, a: the cost per failing cluster), N=100 with 10% failing (floor, a, c: the ratio to DIY).
Prints fleet/floor ratios (wall and CPU), peak PSS, ms per failing cluster and the ratio to DIY.

Run: make bench   or   .venv/bin/python benchmarks/bench.py --sizes 10,100 --failing 10 --variants floor,a,c
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
VENV_BIN = os.path.join(REPO, '.venv', 'bin')
PYTHON = os.path.join(VENV_BIN, 'python') if os.path.exists(os.path.join(VENV_BIN, 'python')) else sys.executable
COLLECTIONS = os.path.join(REPO, '.build', 'collections')
SIM_PATH = os.path.join(REPO, 'tests', 'simulator')
PASSWORD = 'Adm1n!pass'
VARIANTS = {
    'floor': 'bare threaded client, login + /v1/support',
    'floor3': 'the same on urllib3 (the client\'s transport)',
    'a': 'inventory plugin + health_gate playbook',
    'a1': 'inventory plugin + health_gate role per host',
    'b': 'support_info per host (forks 5)',
    'c': 'DIY uri + assert (forks 5)',
    'd': 'cached inventory (ansible-inventory --graph)',
    'd2': 'cached inventory (ansible-inventory --list)',
    'e': 'cached inventory + health_gate playbook',
}
ORDER = ('floor', 'floor3', 'a', 'a1', 'b', 'c', 'd', 'd2', 'e')
CACHED = ('d', 'd2', 'e')
# The gate fails closed: with failing clusters these runs end non-zero (2, failed hosts), the others 0.
GATES = ('a', 'a1', 'b', 'c', 'e')
# A coreapp down (its shard has no owner), a shard owner without the WhatsApp connection, low disk.
FAILING_PATCHES = '[{nodes: {wacore2: {missing: true}}}, {nodes: {wacore3: {socket_conn: DN}}}, {free_space: {logs: 1000000}}]'
# (N, percent failing, variants) of the default run
# Measured --repeat times, interleaved, and reported by their median run: the ratio the issue asks for moves with the
# machine by 10-20 % from one run to the next, the floor's most of all.
REPEATED = ('floor', 'floor3', 'a')
DEFAULT_PLAN = ((1000, 10, ('floor', 'floor3', 'a', 'd', 'd2')), (1000, 0, ('floor', 'a')), (1000, 50, ('floor', 'a')),
                (100, 10, ('floor', 'a', 'c')))


# ---- measuring ---------------------------------------------------------------------------------

def _children_map():
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(')', 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _tree(pid):
    children = _children_map()
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, ()))
    return out


def _pss_kib(pid):
    try:
        with open('/proc/%d/smaps_rollup' % pid) as handle:
            for line in handle:
                if line.startswith('Pss:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak of the summed PSS of a process tree, sampled every `interval` seconds."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            total = sum(_pss_kib(pid) for pid in _tree(self.pid))
            self.peak_kib = max(self.peak_kib, total)
            self.stop.wait(self.interval)


def measure(cmd, env, log_path, timeout):
    """Run cmd; return {wall, cpu, peak_pss_mib, max_rss_mib, rc, timed_out}."""
    load_before = os.getloadavg()[0]
    with open(log_path, 'wb') as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True)
        sampler = Sampler(proc.pid)
        sampler.start()
        timed_out = False
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        'wall': round(wall, 2),
        'cpu': round(usage.ru_utime + usage.ru_stime, 2),
        'peak_pss_mib': round(sampler.peak_kib / 1024.0, 1),
        'max_rss_mib': round(usage.ru_maxrss / 1024.0, 1),
        'rc': proc.returncode,
        'timed_out': timed_out,
        'load_before': round(load_before, 2),
        'log': log_path,
    }


# ---- simulator and inventories ---------------------------------------------------------------------

def write_fleet(path, count, failing=0):
    with open(path, 'w') as handle:
        handle.write(
            'seed: 42\n'
            'defaults:\n'
            '  version: v2.45.1\n'
            '  users:\n'
            '    admin: {password: "%s", must_change: false}\n'
            'generate:\n'
            '  count: %d\n'
            '  name: "mc-{index:04d}"\n'
            '  cluster: {mode: multiconnect, masters: 2, coreapps: 5, shards: 4}\n'
            '  failing: {percent: %s, patches: %s}\n' % (PASSWORD, count, failing, FAILING_PATCHES))


class Sim:
    def __init__(self, workdir, count, failing=0):
        self.workdir = workdir
        self.fleet = os.path.join(workdir, 'fleet.yml')
        self.ready = os.path.join(workdir, 'ready.json')
        write_fleet(self.fleet, count, failing)
        env = dict(os.environ, PYTHONPATH=SIM_PATH)
        self.log = open(os.path.join(workdir, 'simulator.log'), 'wb')
        self.proc = subprocess.Popen(
            [PYTHON, '-m', 'wabiz_sim', 'serve', '--fleet', self.fleet, '--port', '0', '--ready-file', self.ready,
             '--cert-dir', os.path.join(workdir, 'certs'), '--log-level', 'warning'],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.time() + 120
        while not (os.path.exists(self.ready) and os.path.getsize(self.ready)):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise SystemExit('bench: the simulator did not start, see %s' % self.log.name)
            time.sleep(0.1)
        with open(self.ready) as handle:
            self.info = json.load(handle)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def write_inventories(workdir, info, workers):
    base, ca_path = info['url'], info['ca_path']
    clusters = info['clusters']
    lines = ['clusters:'] + ['  - {name: %s, url: "%s/%s"}' % (name, base, name) for name in clusters]
    head = ['plugin: wabiz.onprem.support', 'ca_path: %s' % ca_path, 'workers: %d' % workers]
    cache_dir = os.path.join(workdir, 'inventory-cache')
    paths = {}
    paths['plugin'] = os.path.join(workdir, 'fleet.wabiz.yml')
    with open(paths['plugin'], 'w') as handle:
        handle.write('\n'.join(head + lines) + '\n')
    paths['cached'] = os.path.join(workdir, 'cached.wabiz.yml')
    with open(paths['cached'], 'w') as handle:
        handle.write('\n'.join(head + ['cache: true', 'cache_plugin: ansible.builtin.jsonfile',
                                       'cache_connection: %s' % cache_dir, 'cache_timeout: 86400'] + lines) + '\n')
    paths['floor'] = os.path.join(workdir, 'floor.json')
    with open(paths['floor'], 'w') as handle:
        json.dump({'url': base, 'ca_path': ca_path, 'clusters': clusters}, handle)
    paths['static'] = os.path.join(workdir, 'static.json')
    hosts = dict((name, {'wabiz_url': '%s/%s' % (base, name)}) for name in clusters)
    with open(paths['static'], 'w') as handle:
        json.dump({'wabiz_clusters': {'hosts': hosts, 'vars': {'wabiz_ca_path': ca_path}}}, handle)
    return paths


# ---- the run ---------------------------------------------------------------------------------------

def ansible_env(workdir):
    env = dict(os.environ)
    env.update({
        'PATH': VENV_BIN + os.pathsep + env.get('PATH', ''),
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_PYTHON_INTERPRETER': PYTHON,
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_HOST_KEY_CHECKING': 'false',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_DEPRECATION_WARNINGS': 'false',
        'ANSIBLE_LOCAL_TEMP': os.path.join(workdir, 'ansible-tmp'),
        'ANSIBLE_HOME': os.path.join(workdir, 'ansible-home'),
        'WABIZ_USERNAME': 'admin',
        'WABIZ_PASSWORD': PASSWORD,
    })
    env.pop('ANSIBLE_CONFIG', None)
    return env


def commands(paths, workdir):
    playbook = os.path.join(VENV_BIN, 'ansible-playbook')
    inventory = os.path.join(VENV_BIN, 'ansible-inventory')
    return {
        'floor': [PYTHON, os.path.join(HERE, 'floor.py'), paths['floor']],
        'floor3': [PYTHON, os.path.join(HERE, 'floor.py'), paths['floor'], '--urllib3'],
        'a': [playbook, '-i', paths['plugin'], 'wabiz.onprem.health_gate', '-e', 'fleet_report_dir=%s' % os.path.join(workdir, 'report-a')],
        'a1': [playbook, '-i', paths['plugin'], os.path.join(HERE, 'gate_role.yml')],
        'b': [playbook, '-i', paths['static'], os.path.join(HERE, 'support_info_per_host.yml')],
        'c': [playbook, '-i', paths['static'], os.path.join(HERE, 'diy_baseline.yml')],
        'warm': [inventory, '-i', paths['cached'], '--graph'],
        'd': [inventory, '-i', paths['cached'], '--graph', '--output', os.path.join(workdir, 'cached-graph.txt')],
        'd2': [inventory, '-i', paths['cached'], '--list', '--output', os.path.join(workdir, 'cached-list.json')],
        'e': [playbook, '-i', paths['cached'], 'wabiz.onprem.health_gate', '-e', 'fleet_report_dir=%s' % os.path.join(workdir, 'report-e')],
    }


def check_cached(variant, workdir, count):
    """The cached run answered every cluster from the cache (the simulator is stopped: a request
    would have put the cluster in wabiz_unreachable / wabiz_error_unreachable)."""
    if variant == 'd':
        with open(os.path.join(workdir, 'cached-graph.txt')) as handle:
            graph = handle.read()
        return '@wabiz_error_' not in graph and graph.count('@wabiz_status_ok:') == 1 and '|--mc-%04d\n' % count in graph
    with open(os.path.join(workdir, 'cached-list.json')) as handle:
        data = json.load(handle)
    clusters = data.get('wabiz_clusters', {}).get('hosts', [])
    unreachable = data.get('wabiz_unreachable', {}).get('hosts', [])
    return len(clusters) == count and not unreachable


def expected_failed(count, failing):
    return count * failing // 100


def check_report(workdir, variant, count, failing):
    """The fleet run wrote its report with every cluster, and exactly the failing ones did not pass."""
    path = os.path.join(workdir, 'report-%s' % variant, 'wabiz-report.json')
    try:
        with open(path) as handle:
            report = json.load(handle)
    except (OSError, ValueError):
        return 'no report %s' % path
    clusters = set(result['cluster'] for result in report['results'])
    not_passed = set(result['cluster'] for result in report['results'] if result['outcome'] != 'passed')
    if len(clusters) != count or len(not_passed) != expected_failed(count, failing):
        return 'report: %d cluster(s), %d not passed (expected %d, %d)' % (
            len(clusters), len(not_passed), count, expected_failed(count, failing))
    return None


def run_size(count, failing, variants, args, diy_estimate):
    workdir = tempfile.mkdtemp(prefix='wabiz-bench-%d-%d-' % (count, failing))
    results = {}
    print('\n>>> N=%d clusters (%d nodes), %s%% failing (%d), work dir %s' % (
        count, count * 7, failing, expected_failed(count, failing), workdir), flush=True)
    sim = Sim(workdir, count, failing)
    try:
        paths = write_inventories(workdir, sim.info, args.workers)
        env = ansible_env(workdir)
        cmds = commands(paths, workdir)
        live = [v for v in ORDER if v in variants and v not in CACHED]
        repeated = {}
        for round_ in range(1, args.repeat):  # the earlier rounds of the repeated variants; the last one is below
            for variant in [v for v in live if v in REPEATED]:
                result = measure(cmds[variant], env, os.path.join(workdir, '%s-%d.log' % (variant, round_)), args.timeout)
                finish(variant, result, workdir, count, failing)
                repeated.setdefault(variant, []).append(result)
        for variant in live:
            if variant == 'c':
                reason = None
                if args.skip_diy_above is not None and count > args.skip_diy_above:
                    reason = 'skipped: N > --skip-diy-above %d' % args.skip_diy_above
                elif diy_estimate is not None and diy_estimate * count > args.diy_budget:
                    reason = 'skipped: estimated %.0f s > %d s budget' % (diy_estimate * count, args.diy_budget)
                if reason:
                    results[variant] = {'skipped': reason, 'estimate': round(diy_estimate * count, 1) if diy_estimate else None}
                    print('    %-5s %s' % (variant, reason), flush=True)
                    continue
            results[variant] = measure(cmds[variant], env, os.path.join(workdir, '%s.log' % variant), args.timeout)
            finish(variant, results[variant], workdir, count, failing)
            if variant in repeated:
                results[variant] = median_run(repeated[variant] + [results[variant]])
        if set(CACHED) & set(variants):
            warm = measure(cmds['warm'], env, os.path.join(workdir, 'warm.log'), args.timeout)
            print('    (cache warmed in %.2f s, rc %s; simulator stopped for d/e)' % (warm['wall'], warm['rc']), flush=True)
    finally:
        sim.stop()
    for variant in CACHED:
        if variant in variants:
            results[variant] = measure(cmds[variant], env, os.path.join(workdir, '%s.log' % variant), args.timeout)
            if variant in ('d', 'd2') and results[variant]['rc'] == 0:
                results[variant]['from_cache'] = check_cached(variant, workdir, count)
            finish(variant, results[variant], workdir, count, failing)
    if not args.keep:
        for name in os.listdir(workdir):
            if not name.endswith('.log'):
                target = os.path.join(workdir, name)
                shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)
    return results, workdir


def median_run(results):
    """The run of median wall time among ``results`` (an odd count gives a measured run), with every run's wall and
    CPU time, and ok only when every run ended as it should."""
    ordered = sorted(results, key=lambda result: result['wall'])
    median = dict(ordered[(len(ordered) - 1) // 2])
    median.update(runs=[{'wall': result['wall'], 'cpu': result['cpu']} for result in results],
                  ok=all(result.get('ok') for result in results))
    return median


def finish(variant, result, workdir, count, failing):
    """Check the run's outcome (ok is False when it is not what the fleet should give), then print it."""
    expected_rc = 2 if variant in GATES and expected_failed(count, failing) else 0
    problem = None
    if result['rc'] != expected_rc:
        problem = 'rc %s, expected %s%s' % (result['rc'], expected_rc, ', timed out' if result['timed_out'] else '')
    elif variant in ('a', 'e'):
        problem = check_report(workdir, variant, count, failing)
    elif result.get('from_cache') is False:
        problem = 'NOT answered from the cache'
    result['ok'] = problem is None
    flag = '' if problem is None else '  (%s, see %s)' % (problem, result['log'])
    print('    %-5s %8.2f s wall %8.2f s cpu  peak PSS %7.1f MiB  max RSS %7.1f MiB  (load %.1f before)%s' % (
        variant, result['wall'], result['cpu'], result['peak_pss_mib'], result['max_rss_mib'], result['load_before'], flag), flush=True)


def _cell(result):
    if not result:
        return '-'
    if 'skipped' in result:
        return result['skipped']
    text = '%.2f s / %.2f s cpu / %.0f MiB' % (result['wall'], result['cpu'], result['peak_pss_mib'])
    if len(result.get('runs', ())) > 1:
        walls = sorted(run['wall'] for run in result['runs'])
        text += ' (median of %d: %.2f-%.2f s)' % (len(walls), walls[0], walls[-1])
    return text if result.get('ok') else text + ' (NOT OK)'


def summary(runs):
    """Markdown: every run, then the ratios the issue asks for."""
    lines = ['| N | failing | variant | wall / CPU / peak PSS | vs floor (wall, CPU) | vs floor3 (wall, CPU) | vs DIY (wall) |',
             '|---|---|---|---|---|---|---|']
    for (count, failing), results in runs:
        diy = results.get('c')
        for variant in [v for v in ORDER if v in results]:
            result = results[variant]
            ratios = []
            for base in ('floor', 'floor3'):
                floor = results.get(base)
                ratio = '-'
                if floor and 'wall' in floor and 'wall' in result and variant not in ('floor', 'floor3') and floor['wall'] and floor['cpu']:
                    ratio = '%.2fx, %.2fx' % (result['wall'] / floor['wall'], result['cpu'] / floor['cpu'])
                ratios.append(ratio)
            ratio_diy = '-'
            if diy and 'wall' in diy and 'wall' in result and variant not in ('c', 'floor', 'floor3') and result['wall']:
                ratio_diy = '%.1fx faster' % (diy['wall'] / result['wall'])
            cells = (count, failing, variant, VARIANTS[variant], _cell(result), ratios[0], ratios[1], ratio_diy)
            lines.append('| %d | %s%% | %s %s | %s | %s | %s | %s |' % cells)
    largest = max(size for (size, dummy), dummy2 in runs)
    sweep = sorted((failing, results['a']) for (count, failing), results in runs
                   if count == largest and 'a' in results and 'wall' in results['a'])
    extra = []
    if len(sweep) >= 2 and sweep[-1][0] > sweep[0][0]:
        count = largest
        (low, first), (high, last) = sweep[0], sweep[-1]
        more = expected_failed(count, high) - expected_failed(count, low)
        extra.append('cost per failing cluster, a at N=%d, %s%% -> %s%% failing (%d more): %+.1f ms wall, %+.1f ms CPU each' % (
            count, low, high, more, 1000.0 * (last['wall'] - first['wall']) / more, 1000.0 * (last['cpu'] - first['cpu']) / more))
    return '\n'.join(lines + [''] + extra)


def plan_of(args):
    if not (args.sizes or args.failing or args.variants):
        return list(DEFAULT_PLAN)
    sizes = [int(size) for size in (args.sizes or '1000').split(',') if size.strip()]
    failings = [float(f) if '.' in f else int(f) for f in (args.failing or '10').split(',') if f.strip()]
    variants = [v.strip() for v in (args.variants or 'floor,a').split(',') if v.strip()]
    return [(count, failing, variants) for count in sorted(sizes) for failing in failings]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', help='comma-separated cluster counts (default of a custom run 1000)')
    parser.add_argument('--failing', help='comma-separated percentages of failing clusters (default of a custom run 10)')
    parser.add_argument('--variants', help='comma-separated subset of %s (default of a custom run floor,a)' % ','.join(ORDER))
    parser.add_argument('--skip-diy-above', type=int, default=None, help='never run the DIY baseline (c) above this N')
    parser.add_argument('--diy-budget', type=int, default=600,
                        help='skip the DIY baseline when its estimate from the previous size is over this many seconds (default 600)')
    parser.add_argument('--workers', type=int, default=32, help='inventory plugin workers (default 32)')
    parser.add_argument('--timeout', type=int, default=1800, help='per-variant timeout in seconds (default 1800)')
    parser.add_argument('--repeat', type=int, default=3,
                        help='runs of %s each, interleaved; the median run is reported (default 3)' % ', '.join(REPEATED))
    parser.add_argument('--keep', action='store_true', help='keep the work directories (inventories, cache)')
    parser.add_argument('--out', default=os.path.join(HERE, 'results'), help='directory for the JSON results')
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error('--repeat must be at least 1')
    plan = plan_of(args)
    unknown = sorted(set(variant for dummy, dummy2, variants in plan for variant in variants) - set(VARIANTS))
    if unknown:
        parser.error('unknown variant(s) %s' % ', '.join(unknown))
    if not os.path.isdir(os.path.join(COLLECTIONS, 'ansible_collections', 'wabiz', 'onprem')):
        parser.error('%s is missing: run `make collection` first' % COLLECTIONS)

    print('wabiz.onprem benchmark: %s, %d CPU(s), Python %s, load average %.1f (other work on the machine skews wall times;'
          ' cpu = user+sys of the measured process tree)' % (platform.node(), os.cpu_count(), platform.python_version(), os.getloadavg()[0]))
    runs = []
    diy_per_cluster = None
    for count, failing, variants in plan:
        results, _workdir = run_size(count, failing, variants, args, diy_per_cluster)
        runs.append(((count, failing), results))
        diy = results.get('c')
        if diy and 'wall' in diy and diy.get('ok'):
            diy_per_cluster = diy['wall'] / count
    text = summary(runs)
    print('\n' + text)
    print('load average now %.1f / %.1f / %.1f' % os.getloadavg())
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
    out = os.path.join(args.out, 'bench-%s.json' % stamp)
    with open(out, 'w') as handle:
        json.dump({'host': platform.node(), 'cpus': os.cpu_count(), 'variants': VARIANTS,
                   'runs': [{'clusters': count, 'failing_percent': failing, 'results': results} for (count, failing), results in runs],
                   'summary': text}, handle, indent=2)
    print('\nresults: %s' % out)
    failed = ['N=%d %s%% %s' % (count, failing, variant) for (count, failing), results in runs
              for variant, result in results.items() if 'skipped' not in result and not result.get('ok')]
    if failed:
        print('bench: runs that did not end as the fleet should: %s' % ', '.join(failed))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
