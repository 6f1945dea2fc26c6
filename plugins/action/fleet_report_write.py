# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet report files on the controller, atomically, without a module run per file; with ``hosts``, build the
report first from the hosts' variables, so that a fleet's report never passes through a template."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase

from ansible_collections.wabiz.onprem.plugins.module_utils._report import RENDERERS, EXTENSIONS, ReportError, build_report, checked_report, summary_lines
from ansible_collections.wabiz.onprem.plugins.module_utils._report_diff import change_lines, report_changes
from ansible_collections.wabiz.onprem.plugins.plugin_utils._fleet import report_entries

# written on every run: node_exporter's textfile collector wants fresh timestamps even when no verdict changed
ALWAYS_WRITTEN = ('prometheus',)

ARGUMENT_SPEC = dict(
    report=dict(type='dict'),
    hosts=dict(type='list', elements='str'),
    title=dict(type='str'),
    gate_verdicts=dict(type='dict'),
    dir=dict(type='path', required=True),
    basename=dict(type='str', default='wabiz-report'),
    formats=dict(type='list', elements='str', default=['json', 'markdown', 'junit'], choices=sorted(EXTENSIONS)),
    mode=dict(type='raw', default='0644'),
)
ARGUMENT_RULES = dict(required_one_of=[['report', 'hosts']], mutually_exclusive=[['report', 'hosts'], ['report', 'title'], ['report', 'gate_verdicts']])


def _previous_report(path):
    """The JSON report of the previous run, or None (missing or unreadable: nothing to compare with)."""
    try:
        with open(path, 'rb') as stream:
            return json.loads(stream.read().decode('utf-8'))
    except (OSError, IOError, ValueError):
        return None


def _write_atomically(path, data, mode):
    handle, temp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _cannot_write(directory, exc):
    # a report not made by wabiz.onprem.fleet_report (or a file system error): one message, never a traceback
    return 'cannot write the fleet report to %s: %s: %s' % (directory, type(exc).__name__, to_native(exc))


def _outline(report):
    """What a play needs of a checked report, small whatever the size of the fleet: the summary, its lines for people,
    and the results that did not pass."""
    return dict(summary=report['summary'], summary_lines=summary_lines(report), not_passed=[
        dict((key, result[key]) for key in ('host', 'cluster', 'check', 'outcome', 'message'))
        for result in report['results'] if result['outcome'] != 'passed'])


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def _arguments(self):
        """The validated arguments. ``gate_verdicts`` (a fleet's verdicts) is checked here but never deep-copied, which
        the validator does to every argument: for a thousand verdicts that copy alone cost seconds."""
        given = dict(self._task.args)
        verdicts = given.pop('gate_verdicts', None)
        if 'gate_verdicts' in self._task.args:
            given['gate_verdicts'] = {}  # stands for it in the checks of which options go together
        result = ArgumentSpecValidator(ARGUMENT_SPEC, **ARGUMENT_RULES).validate(given)
        if result.error_messages:
            raise AnsibleActionFail('Validation of arguments failed:\n%s' % '\n'.join(result.error_messages))
        if verdicts is not None and not isinstance(verdicts, Mapping):
            raise AnsibleActionFail('gate_verdicts must be a dictionary host: verdict, got %s' % type(verdicts).__name__)
        return dict(result.validated_parameters, gate_verdicts=verdicts)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._arguments()
        try:
            mode = int(str(args['mode']), 8)
        except ValueError:
            mode = None
        if mode is None or mode & ~0o777:  # no setuid, setgid or sticky report file
            return dict(result, failed=True, msg='mode must be an octal string such as 0644 (permission bits only), got %r' % (args['mode'],))
        if args['basename'] in ('', '.', '..') or '/' in args['basename'] or (os.sep != '/' and os.sep in args['basename']):
            return dict(result, failed=True, msg='basename must be a plain file name (no /, not empty, . or ..), got %r' % (args['basename'],))
        report = args['report']
        if report is None:
            try:
                report = build_report(report_entries(task_vars['hostvars'], args['hosts'], args['gate_verdicts']), title=args['title'])
            except ValueError as exc:
                return dict(result, failed=True, msg='cannot build the fleet report: %s' % to_native(exc))
        paths = [os.path.join(args['dir'], '%s.%s' % (args['basename'], EXTENSIONS[name])) for name in args['formats']]
        # what changed since the previous report in the same directory: in the files written now and in the result
        report = dict(report, changes=report_changes(_previous_report(os.path.join(args['dir'], args['basename'] + '.json')), report))
        try:
            report = checked_report(report)  # once: the renderers do not check it again
        except ReportError as exc:
            return dict(result, failed=True, msg=_cannot_write(args['dir'], exc))
        result.update(changed=False, paths=paths, fingerprint=report.get('fingerprint'), changes=report['changes'],
                      changes_summary=change_lines(report['changes']), **_outline(report))
        if not paths:
            return result
        try:
            previous = b''
            if all(os.path.isfile(path) for path in paths):
                with open(paths[0], 'rb') as stream:
                    previous = stream.read()
            # every report file carries the fingerprint of the verdicts: same verdicts, nothing to write
            unchanged = bool(report.get('fingerprint')) and to_bytes(report['fingerprint']) in previous
            result['changed'] = not unchanged
            formats = [name for name in args['formats'] if not unchanged or name in ALWAYS_WRITTEN]
            if self._task.check_mode or not formats:
                return result
            if not os.path.isdir(args['dir']):
                os.makedirs(args['dir'], 0o755)
            for name, path in zip(args['formats'], paths):
                if name in formats:
                    _write_atomically(path, to_bytes(RENDERERS[name](report)), mode)
        except (OSError, IOError, ValueError, KeyError, TypeError, AttributeError) as exc:
            return dict(result, failed=True, msg=_cannot_write(args['dir'], exc))
        return result
