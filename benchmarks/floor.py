# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of benchmarks/bench.py: the least work that reads a fleet.

A bare threaded client, plain ``requests`` in a ThreadPoolExecutor: for every cluster one new session
(one TLS handshake, as the inventory plugin has), ``POST /v1/users/login`` with Basic auth, then
``GET /v1/support`` with the token. No checks, no report, no Ansible.

    python benchmarks/floor.py CLUSTERS_JSON   # {"url": base URL, "ca_path": CA file, "clusters": [names]}

Prints one JSON line {"clusters": N, "ok": n, "failed": [names...]}; exits 1 when any cluster was not read.
Credentials from WABIZ_USERNAME / WABIZ_PASSWORD.
"""

from __future__ import annotations

import json
import os
import sys

from concurrent.futures import ThreadPoolExecutor

import requests

WORKERS = 32


def read_one(base, name, ca_path, auth):
    url = '%s/%s' % (base, name)
    with requests.Session() as session:
        # verify per request: a session-level verify loses to REQUESTS_CA_BUNDLE in the environment
        login = session.post(url + '/v1/users/login', auth=auth, timeout=30, verify=ca_path)
        login.raise_for_status()
        token = login.json()['users'][0]['token']
        support = session.get(url + '/v1/support', headers={'Authorization': 'Bearer %s' % token}, timeout=30, verify=ca_path)
        support.raise_for_status()
        return bool(support.json().get('support'))


def main(path):
    with open(path) as handle:
        info = json.load(handle)
    auth = (os.environ.get('WABIZ_USERNAME', 'admin'), os.environ['WABIZ_PASSWORD'])
    failed = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [(name, pool.submit(read_one, info['url'], name, info['ca_path'], auth)) for name in info['clusters']]
        for name, future in futures:
            try:
                if not future.result():
                    failed.append(name)
            except Exception:  # pylint: disable=broad-except
                failed.append(name)
    print(json.dumps({'clusters': len(info['clusters']), 'ok': len(info['clusters']) - len(failed), 'failed': failed}))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
