# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet report files on the controller, atomically, without a module run per file."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase

from ansible_collections.wabiz.onprem.plugins.module_utils._report import RENDERERS, EXTENSIONS

ARGUMENT_SPEC = dict(
    report=dict(type='dict', required=True),
    dir=dict(type='path', required=True),
    basename=dict(type='str', default='wabiz-report'),
    formats=dict(type='list', elements='str', default=['json', 'markdown', 'junit'], choices=sorted(EXTENSIONS)),
    mode=dict(type='raw', default='0644'),
)


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


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        report = args['report']
        try:
            mode = int(str(args['mode']), 8)
        except ValueError:
            return dict(result, failed=True, msg='mode must be an octal string such as 0644, got %r' % (args['mode'],))
        paths = [os.path.join(args['dir'], '%s.%s' % (args['basename'], EXTENSIONS[name])) for name in args['formats']]
        result.update(changed=False, paths=paths, fingerprint=report.get('fingerprint'))
        if not paths:
            return result
        try:
            previous = b''
            if all(os.path.isfile(path) for path in paths):
                with open(paths[0], 'rb') as stream:
                    previous = stream.read()
            # every report file carries the fingerprint of the verdicts: same verdicts, nothing to write
            if report.get('fingerprint') and to_bytes(report['fingerprint']) in previous:
                return result
            result['changed'] = True
            if self._task.check_mode:
                return result
            if not os.path.isdir(args['dir']):
                os.makedirs(args['dir'], 0o755)
            for name, path in zip(args['formats'], paths):
                _write_atomically(path, to_bytes(RENDERERS[name](report)), mode)
        except (OSError, IOError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # a report not made by wabiz.onprem.fleet_report (or a file system error): one message, never a traceback
            return dict(result, failed=True, msg='cannot write the fleet report to %s: %s: %s' % (
                args['dir'], type(exc).__name__, to_native(exc)))
        return result
