# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of benchmarks/bench.py: the least work that reads a fleet.

A bare threaded client, plain ``requests`` in a ThreadPoolExecutor: for every cluster one new session
(one TLS handshake, as the inventory plugin has), ``POST /v1/users/login`` with Basic auth, then
``GET /v1/support`` with the token. No checks, no report, no Ansible.

    python benchmarks/floor.py CLUSTERS_JSON [--urllib3]   # {"url": base URL, "ca_path": CA file, "clusters": [names]}

With --urllib3 the same reads go through urllib3 directly (one pool per cluster, one TLS context for all), the
transport the collection's client uses since it left requests: the floor of that transport (variant floor3).

Prints one JSON line {"clusters": N, "ok": n, "failed": [names...]}; exits 1 when any cluster was not read.
Credentials from WABIZ_USERNAME / WABIZ_PASSWORD.
"""

from __future__ import annotations

import json
import os
import sys

from concurrent.futures import ThreadPoolExecutor

import base64
import ssl

import requests
import urllib3

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


def read_one_urllib3(base, name, context, auth):
    host, port = base.split('//', 1)[1].rsplit(':', 1)
    pool = urllib3.HTTPSConnectionPool(host, int(port), ssl_context=context, maxsize=1, retries=False, timeout=30)
    try:
        basic = 'Basic %s' % base64.b64encode(('%s:%s' % auth).encode('utf-8')).decode('ascii')
        login = pool.request('POST', '/%s/v1/users/login' % name, headers={'Authorization': basic})
        if login.status != 200:
            raise ValueError('login: HTTP %d' % login.status)
        token = json.loads(login.data)['users'][0]['token']
        support = pool.request('GET', '/%s/v1/support' % name, headers={'Authorization': 'Bearer %s' % token})
        if support.status != 200:
            raise ValueError('support: HTTP %d' % support.status)
        return bool(json.loads(support.data).get('support'))
    finally:
        pool.close()


def main(path, transport='requests'):
    with open(path) as handle:
        info = json.load(handle)
    auth = (os.environ.get('WABIZ_USERNAME', 'admin'), os.environ['WABIZ_PASSWORD'])
    failed = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        if transport == 'urllib3':
            context = ssl.create_default_context(cafile=info['ca_path'])
            futures = [(name, pool.submit(read_one_urllib3, info['url'], name, context, auth)) for name in info['clusters']]
        else:
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
    sys.exit(main(sys.argv[1], 'urllib3' if '--urllib3' in sys.argv[2:] else 'requests'))
