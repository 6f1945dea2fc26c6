# Mutation testing of the collection's pure core with mutmut (`make mutate`; docs/mutation.md).
#
# usage: python hacking/mutate.py [--files "_checks.py _support.py"] [--jobs 2] [--max-time SECONDS]
#                                 [--stage DIR] [--config hacking/mutate.cfg] [--report-only] [--rerun-survivors]
#   Run with the interpreter of .venv-mutate (requirements-mutate.txt: mutmut and what tests/unit imports).
#
# The work tree is never changed: the tree (tracked and untracked-but-not-ignored files) is copied to
# STAGE/ansible_collections/wabiz/onprem (default STAGE: .build/mutate), where the modules import under their
# real name ansible_collections.wabiz.onprem.plugins.module_utils.*, and mutmut runs in STAGE (it mutates a
# second copy, STAGE/mutants/).  Ctrl-C or --max-time stops mutmut's whole process group.
# Prints, per file, killed / survived / timed out / no tests and the score, then every survivor as
# plugins/module_utils/FILE:LINE with the line before and after the mutation.  The same data goes to
# STAGE/results.json.  Exit code: 0 when the run completed (whatever the score), 1 when it did not.
"""Run mutmut over the pure core of wabiz.onprem and summarize the survivors per file."""

from __future__ import annotations

import argparse
import ast
import configparser
import difflib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLLECTION = 'ansible_collections/wabiz/onprem'
CORE_DIR = 'plugins/module_utils'
MODULE_PREFIX = 'ansible_collections.wabiz.onprem.plugins.module_utils.'
CLASS_SEP = '\u01c1'  # mutmut's separator in method keys: x<SEP>Class<SEP>method
HYPOTHESIS_PLUGIN = 'wabiz_mutate_hypothesis'

# mutmut's exit codes (mutmut.stats.status_by_exit_code of the pinned version) -> our columns
KILLED, SURVIVED, TIMEOUT, NO_TESTS, NOT_CHECKED, OTHER = 'killed', 'survived', 'timeout', 'no tests', 'not checked', 'other'
STATUS_BY_EXIT_CODE = {1: KILLED, 3: KILLED, 37: KILLED, 0: SURVIVED, 5: NO_TESTS, 33: NO_TESTS, None: NOT_CHECKED,
                       36: TIMEOUT, 24: TIMEOUT, -24: TIMEOUT, 152: TIMEOUT, 255: TIMEOUT}
COLUMNS = (KILLED, SURVIVED, TIMEOUT, NO_TESTS, NOT_CHECKED, OTHER)


def fail(message):
    print('mutate: %s' % message, file=sys.stderr)
    sys.exit(2)


def load_config(path):
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(path):
        fail('cannot read %s' % path)
    scope = parser['scope']
    files = scope.get('files', '').split()
    functions = dict((name, scope[name].split()) for name in files if name in scope)
    return {
        'files': files,
        'functions': functions,
        'tests': scope.get('tests', 'tests/unit').split(),
        'deselect': scope.get('deselect', '').split(),
        'max_examples': scope.getint('hypothesis_max_examples', 25),
        'mutmut': dict(parser['mutmut']) if parser.has_section('mutmut') else {},
    }


def mangled(function):
    """mutmut's key of a function (`name`) or a method (`Class.name`)."""
    if '.' in function:
        cls, name = function.split('.', 1)
        return 'x%s%s%s%s' % (CLASS_SEP, cls, CLASS_SEP, name)
    return 'x_' + function


def tree_files():
    """The files of the work tree as git sees them (tracked, plus untracked that are not ignored)."""
    try:
        out = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                             cwd=REPO, check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        fail('cannot list the files of %s with git: %s' % (REPO, exc))
    return [name for name in out.decode().split('\0') if name and (REPO / name).is_file()]


HYPOTHESIS_PLUGIN_CODE = '''"""Written by hacking/mutate.py: reproducible, small hypothesis runs under mutmut."""
try:
    from hypothesis import settings
except ImportError:  # no property tests without hypothesis
    settings = None
if settings is not None:
    settings.register_profile('wabiz-mutate', max_examples=%d, derandomize=True, database=None, deadline=None,
                              print_blob=False)
    settings.load_profile('wabiz-mutate')
'''


def make_stage(stage, config, files):
    if stage.exists():
        shutil.rmtree(stage)
    root = stage / COLLECTION
    for name in tree_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    (stage / (HYPOTHESIS_PLUGIN + '.py')).write_text(HYPOTHESIS_PLUGIN_CODE % config['max_examples'], encoding='utf-8')

    settings = dict(config['mutmut'])
    settings['source_paths'] = COLLECTION + '/'
    settings['only_mutate'] = '\n'.join('%s/%s/%s' % (COLLECTION, CORE_DIR, name) for name in files)
    settings['also_copy'] = HYPOTHESIS_PLUGIN + '.py'
    settings['pytest_add_cli_args_test_selection'] = '\n'.join('%s/%s' % (COLLECTION, t) for t in config['tests'])
    # mutmut reads a list option of setup.cfg one item per line: one pytest argument per line, never several on one
    args = shlex.split(settings.get('pytest_add_cli_args', '')) + ['-p', HYPOTHESIS_PLUGIN]
    args += ['--deselect=%s/%s' % (COLLECTION, test) for test in config['deselect']]
    settings['pytest_add_cli_args'] = '\n'.join(args)
    cfg = configparser.ConfigParser(interpolation=None)
    cfg['mutmut'] = dict((key, '\n' + value if '\n' in value else value) for key, value in settings.items())
    with open(stage / 'setup.cfg', 'w', encoding='utf-8') as handle:
        cfg.write(handle)


def refresh_tests(stage, config):
    """For --rerun-survivors: the files and survivors of the last run in ``stage``, after copying the work tree's tests
    into it (the stage copy and mutmut's).  Fails when a core file changed since that run: its mutants are others."""
    try:
        last = json.loads((stage / 'results.json').read_text(encoding='utf-8'))
    except (OSError, ValueError):
        fail('no finished run to take the survivors of in %s (results.json)' % stage)
    files = list(last['files'])
    for name in config['files']:
        rel = '%s/%s' % (CORE_DIR, name)
        staged = stage / COLLECTION / rel
        if staged.exists() and staged.read_bytes() != (REPO / rel).read_bytes():
            fail('%s changed since the run in %s: run it again in full' % (rel, stage))
    for name in tree_files():
        if name.startswith('tests/'):
            for root in (stage / COLLECTION, stage / 'mutants' / COLLECTION):
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, root / name)
    names = [s['mutant'] for entry in last['files'].values() for s in entry['survivors']]
    return files, names


def mutant_globs(config, files):
    globs = []
    for name in files:
        module = MODULE_PREFIX + name[:-3]
        if name in config['functions']:
            globs.extend('%s.%s__mutmut_*' % (module, mangled(f)) for f in config['functions'][name])
        else:
            globs.append(module + '.*')
    return globs


def run_mutmut(stage, globs, jobs, max_time, log_path, max_examples):
    mutmut = Path(sys.executable).parent / 'mutmut'
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)  # the copy in STAGE/mutants must be the only one importable
    env['ANSIBLE_COLLECTIONS_PATH'] = str(stage / 'mutants')
    # tests/unit/conftest.py loads its own profile ('ci', WABIZ_CI_EXAMPLES examples, derandomized) after our plugin
    # has loaded 'wabiz-mutate': give it the same number of examples, or every property test runs 100 of them
    env['WABIZ_CI_EXAMPLES'] = str(max_examples)
    env.pop('HYPOTHESIS_PROFILE', None)
    command = [str(mutmut), 'run', '--max-children', str(jobs)] + globs
    interactive = sys.stdout.isatty()
    with open(log_path, 'w', encoding='utf-8') as log:
        proc = subprocess.Popen(command, cwd=stage, env=env, start_new_session=True,
                                stdout=None if interactive else log, stderr=subprocess.STDOUT if not interactive else None)
        try:
            return proc.wait(timeout=max_time or None)
        except (KeyboardInterrupt, subprocess.TimeoutExpired) as exc:
            print('\nmutate: %s, stopping mutmut' % ('interrupted' if isinstance(exc, KeyboardInterrupt) else
                                                     'over --max-time %s s' % max_time), file=sys.stderr)
            stop_group(proc)
            return None


def interrupt(signum, frame):  # pylint: disable=unused-argument
    """SIGTERM/SIGHUP (`timeout`, a closed terminal) stop mutmut like Ctrl-C does."""
    raise KeyboardInterrupt()


def stop_group(proc):
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def def_lines(source):
    """mutmut key (x_name, x<SEP>Class<SEP>name) -> line of the `def` in the original file."""
    lines = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines[mangled(node.name)] = node.lineno
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines[mangled('%s.%s' % (node.name, item.name))] = item.lineno
    return lines


def describe_mutant(key, spans, mutated_lines, def_line_of):
    """(line in the original file, removed text, added text) of one mutant, from mutmut's span index."""
    function = key.partition('__mutmut_')[0]
    name = function.rpartition(CLASS_SEP)[2] if CLASS_SEP in function else function[2:]
    start, end = spans[function + '__mutmut_orig']
    original = mutated_lines[start - 1:end]
    # a span may start with the blank lines before the `def`
    def_index = next(i for i, line in enumerate(original) if 'def %s__mutmut_orig(' % function in line)
    original = [line.replace(function + '__mutmut_orig', name) for line in original]
    start, end = spans[key]
    mutant = [line.replace(key, name) for line in mutated_lines[start - 1:end]]
    first_line = def_line_of.get(function, 0) - def_index
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=original, b=mutant, autojunk=False).get_opcodes():
        if tag != 'equal':
            before = ' / '.join(line.strip() for line in original[i1:i2])
            after = ' / '.join(line.strip() for line in mutant[j1:j2])
            return first_line + i1, before, after
    return def_line_of.get(function, 0), '', ''


def collect(stage, config, files):
    results = {}
    wanted = dict((name, [mangled(f) for f in config['functions'].get(name, [])]) for name in files)
    for name in files:
        rel = '%s/%s' % (CORE_DIR, name)
        mutated = stage / 'mutants' / COLLECTION / rel
        meta_path = Path(str(mutated) + '.meta')
        spans_path = Path(str(mutated) + '.spans')
        counts = dict((column, 0) for column in COLUMNS)
        entry = {'file': rel, 'counts': counts, 'seconds': 0.0, 'survivors': []}
        results[name] = entry
        if not meta_path.exists():
            entry['error'] = 'no mutmut data (the run stopped before this file, or it has no mutants)'
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding='utf-8'))
        except ValueError:
            entry['error'] = 'unreadable mutmut data in %s' % meta_path
            continue
        exit_codes = meta['exit_code_by_key']
        durations = meta.get('durations_by_key', {})
        spans = json.loads(spans_path.read_text(encoding='utf-8'))['spans'] if spans_path.exists() else {}
        mutated_lines = mutated.read_text(encoding='utf-8').splitlines()
        def_line_of = def_lines((stage / COLLECTION / rel).read_text(encoding='utf-8'))
        for key in sorted(exit_codes, key=natural_key):
            function = key.rpartition('.')[2].partition('__mutmut_')[0]
            if wanted[name] and function not in wanted[name]:
                continue
            status = STATUS_BY_EXIT_CODE.get(exit_codes[key], OTHER)
            counts[status] += 1
            entry['seconds'] += durations.get(key) or 0.0
            if status in (SURVIVED, NO_TESTS):
                short_key = key.rpartition('.')[2]
                try:
                    line, before, after = describe_mutant(short_key, spans, mutated_lines, def_line_of)
                except (KeyError, ValueError, StopIteration):
                    line, before, after = 0, '?', '?'
                entry['survivors'].append({'mutant': key, 'status': status, 'line': line, 'before': before, 'after': after})
        entry['survivors'].sort(key=lambda s: (s['line'], natural_key(s['mutant'])))
    return results


def natural_key(key):
    head, number = key.rsplit('__mutmut_', 1) if '__mutmut_' in key else (key, '')
    return (head, int(number) if number.isdigit() else 0)


def score(counts):
    """Detected (killed + timed out) over every mutant that was run."""
    run = sum(counts[c] for c in COLUMNS if c != NOT_CHECKED)
    return 100.0 * (counts[KILLED] + counts[TIMEOUT]) / run if run else None


def print_report(results, seconds):
    print()
    print('%-14s %7s %8s %8s %8s %11s %7s %9s  %s' % ('file', 'killed', 'survived', 'timeout', 'no tests', 'not checked',
                                                      'other', 'test time', 'score'))
    for name, entry in results.items():
        counts = entry['counts']
        value = score(counts)
        print('%-14s %7d %8d %8d %8d %11d %7d %8ds  %s%s' % (
            name, counts[KILLED], counts[SURVIVED], counts[TIMEOUT], counts[NO_TESTS], counts[NOT_CHECKED],
            counts[OTHER], entry['seconds'], '-' if value is None else '%.1f%%' % value, '  (%s)' % entry['error'] if 'error' in entry else ''))
    for name, entry in results.items():
        if entry['survivors']:
            print('\nsurvivors in %s (%d):' % (entry['file'], len(entry['survivors'])))
            for s in entry['survivors']:
                print('  %s:%d  [%s] %s' % (entry['file'], s['line'], s['mutant'].rpartition('.')[2],
                                            '(no test calls this function)' if s['status'] == NO_TESTS else ''))
                print('      - %s' % s['before'])
                print('      + %s' % s['after'])
    print('\nmutate: %d s wall in all; test time = the tests run for the file\'s mutants, summed over the parallel jobs'
          % seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--files', default='', help='core files to mutate, space or comma separated (default: all in the config)')
    parser.add_argument('--jobs', type=int, default=2, help='mutants run in parallel (default 2)')
    parser.add_argument('--max-time', type=int, default=7200, help='stop mutmut after this many seconds (0: no limit; default 7200)')
    parser.add_argument('--stage', default=str(REPO / '.build' / 'mutate'), help='work directory (default .build/mutate), emptied first')
    parser.add_argument('--config', default=str(REPO / 'hacking' / 'mutate.cfg'))
    parser.add_argument('--report-only', action='store_true', help='print the report of the last run in --stage again, run nothing')
    parser.add_argument('--rerun-survivors', action='store_true',
                        help='in the last run\'s --stage, run again only its survivors, against the tests of the work tree as they '
                             'are now (the core files must be unchanged since that run)')
    args = parser.parse_args()

    config = load_config(args.config)
    # `_checks.py`, `_checks` and `plugins/module_utils/_checks.py` all name the same file
    files = [os.path.basename(name) if name.endswith('.py') else os.path.basename(name) + '.py'
             for name in args.files.replace(',', ' ').split()] or config['files']
    unknown = [name for name in files if name not in config['files']]
    if unknown:
        fail('unknown core file(s) %s; choose among: %s' % (', '.join(unknown), ' '.join(config['files'])))
    if args.jobs < 1:
        fail('--jobs must be at least 1')

    stage = Path(args.stage).resolve()
    if stage == REPO or REPO in stage.parents and not (REPO / '.build') in stage.parents:
        fail('--stage must be outside the work tree (or under its .build/): %s' % stage)
    started = time.monotonic()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    log_path = stage / 'mutmut.log'
    if args.report_only:
        if not (stage / 'mutants').is_dir():
            fail('no mutmut run in %s' % stage)
        rc = 0
    elif args.rerun_survivors:
        files, names = refresh_tests(stage, config)
        print('mutate: %d survivor(s) of %s again in %s (%d jobs; mutmut log: %s)' % (
            len(names), ' '.join(files), stage, args.jobs, log_path), flush=True)
        rc = run_mutmut(stage, names, args.jobs, args.max_time, log_path, config['max_examples']) if names else 0
    else:
        make_stage(stage, config, files)
        where = 'console' if sys.stdout.isatty() else log_path
        print('mutate: %s in %s (%d jobs; mutmut log: %s)' % (' '.join(files), stage, args.jobs, where), flush=True)
        rc = run_mutmut(stage, mutant_globs(config, files), args.jobs, args.max_time, log_path, config['max_examples'])
    results = collect(stage, config, files)
    seconds = int(time.monotonic() - started)
    if args.rerun_survivors:
        seconds += json.loads((stage / 'results.json').read_text(encoding='utf-8')).get('seconds', 0)
    if args.report_only and (stage / 'results.json').exists():
        seconds = json.loads((stage / 'results.json').read_text(encoding='utf-8')).get('seconds', 0)
    if not args.report_only:
        with open(stage / 'results.json', 'w', encoding='utf-8') as handle:
            json.dump({'seconds': seconds, 'mutmut_exit_code': rc, 'files': results}, handle, indent=1)
    print_report(results, seconds)
    if rc != 0:
        print('mutate: mutmut %s; counts above are partial; see %s' % (
            'was stopped' if rc is None else 'failed (exit code %s)' % rc, log_path), file=sys.stderr)
        return 1
    mutmut = Path(sys.executable).parent / 'mutmut'
    print('details: %s; one mutant: cd %s && %s show NAME' % (stage / 'results.json', stage, mutmut))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print('mutate: interrupted', file=sys.stderr)
        sys.exit(130)
