# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options of every plugin that talks to a webapp: DOCUMENTATION (the url, modules),
    CREDENTIALS (modules and the inventory), PLUGINS (the env sources of CREDENTIALS for the inventory), POLICY.

    The options are declared once, in plugins/module_utils/_connection.py (OPTIONS); a unit test
    (tests/unit/plugins/module_utils/test_connection.py) holds this documentation to that declaration."""

    DOCUMENTATION = r'''
options:
  url:
    description:
      - Base URL of the webapp, C(https://HOST:PORT).
      - May carry a path prefix when the webapp sits behind a reverse proxy, for example C(https://gw.example.com/wa/eu-1).
      - Plain C(http://) works but warns, since the password and the token then travel unencrypted.
      - Redirects are never followed (credentials never go to another host or over plain http); a redirect fails with
        C(bad_response) and names where it pointed, so give that final address here.
      - A URL that cannot be used (bad port, no host, spaces, another scheme) fails with C(unreachable); user info and
        query strings of the URL never appear in messages.
      - Falls back to the E(WABIZ_URL) environment variable.
    type: str
    required: true
'''

    CREDENTIALS = r'''
options:
  username:
    description:
      - User to log in with (C(POST /v1/users/login)); any user works, the admin role is not needed.
      - The collection never changes a password. An account that still has its first password fails with
        C(password_change_required).
      - Falls back to E(WABIZ_USERNAME).
    type: str
  password:
    description:
      - Password of O(username). Never logged nor returned, and masked (as is, in Basic credentials, HTML- or
        URL-encoded) wherever an answer of the webapp or of a proxy echoes it.
      - Used verbatim, even when it contains C({{), C({%) or C({#); the module never templates it.
      - Falls back to E(WABIZ_PASSWORD).
    type: str
  token:
    description:
      - A bearer token to use instead of logging in. When O(username) and O(password) are given too, a refused token
        is replaced by a fresh login.
      - Never logged nor returned, and masked wherever an answer of the webapp or of a proxy echoes it.
      - Falls back to E(WABIZ_TOKEN).
    type: str
  validate_certs:
    description:
      - Verify the webapp's TLS certificate. The webapp ships a self-signed certificate by default; give its CA with
        O(ca_path) rather than turning this off.
      - Falls back to E(WABIZ_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA (or bundle) that signed the webapp certificate, used instead of the system store.
      - A file that does not exist, cannot be read or holds no PEM certificate fails with C(tls_error) before any request.
      - Falls back to E(WABIZ_CA_PATH).
    type: path
    aliases: [ca_cert]
  timeout:
    description:
      - Seconds one attempt may take in total, from connecting (TLS handshake included) to the last byte of the answer,
        however slowly the server trickles it. An attempt over the limit is a C(timeout) and is retried like one, so
        the worst case is about O(timeout) times (O(retries) + 1) plus back-off.
    type: float
    default: 10
  retries:
    description:
      - How many times to retry on connection errors, timeouts, HTTP 429 and 503, and the API errors documented as
        retriable (1015, 1016, 1017, 1018), with exponential back-off that honours C(Retry-After).
    type: int
    default: 2
'''

    PLUGINS = r'''
options:
  username:
    env:
      - name: WABIZ_USERNAME
  password:
    env:
      - name: WABIZ_PASSWORD
  token:
    env:
      - name: WABIZ_TOKEN
  validate_certs:
    env:
      - name: WABIZ_VALIDATE_CERTS
  ca_path:
    env:
      - name: WABIZ_CA_PATH
'''

    SESSION = r'''
options:
  session:
    description:
      - Reuse one login across the tasks of a play (opt-in). V(off) logs in and out within the task.
      - V(keep) reuses the token that an earlier task kept for the same O(url) and O(username), or logs in and keeps
        it; it does not log out. V(close) reuses it, then logs out and forgets it (give it to the last task).
      - The token is kept in a private file (mode C(0600), in a directory of mode C(0700)) under O(session_dir), named
        by a hash of the URL and the user name. It never appears in a result nor in the output. A kept token that the
        webapp refuses (expired, revoked) is replaced by a fresh login.
      - Needs O(username) and O(password), and no O(token) (a given token is already reused as it is).
    type: str
    choices: ['off', keep, close]
    default: 'off'
  session_dir:
    description:
      - Directory of the kept sessions (O(session)), on the host the module runs on.
      - Made with mode C(0700) when missing. An existing path must be a directory of the user the module runs as, not a
        link, that no one else can read or write; it is never changed (a shared directory such as C(/tmp) is refused).
    type: path
    default: ~/.ansible/tmp/wabiz_sessions
'''

    POLICY = r'''
options:
  policy:
    description:
      - Thresholds and expectations the checks hold the cluster to, merged over the documented defaults.
      - Keys (all optional) C(role_counts), C(expected_shards), C(expected_version), C(expected_db_engine),
        C(min_secondary_masters) (default V(1)), C(min_standby_coreapps) (default V(1)), C(free_space_warning)
        (default V(5GiB)), C(free_space_critical) (default V(1GiB)), C(free_space) (per directory overrides),
        C(build_expiry_warning_days) (default V(7)), C(require_registered) (default V(true)), C(severity)
        (per finding code), C(ignore) (list of finding codes).
      - Sizes are bytes or strings with a unit, V(500MB), V(5GiB), V(1.5G).
      - An invalid policy fails with error code C(invalid_policy). The full table is in the collection's
        C(docs/data-model.md).
    type: dict
    default: {}
'''
