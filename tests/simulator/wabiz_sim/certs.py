"""TLS material for the simulator, made with trustme: a CA (PEM in the cert dir) and a server certificate."""

from __future__ import annotations

import os
import ssl

import trustme

LOOPBACK_NAMES = ('localhost', '127.0.0.1', '::1')


class CertBundle:
    __slots__ = ('ca_path', 'cert_path', 'key_path', 'names')

    def __init__(self, ca_path, cert_path, key_path, names):
        self.ca_path = ca_path
        self.cert_path = cert_path
        self.key_path = key_path
        self.names = names

    def server_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.cert_path, self.key_path)
        return ctx


def make_certs(cert_dir, server_name=None):
    """Write ``ca.pem`` (+ ``ca.key``), ``server.pem`` and ``server.key`` into ``cert_dir``.

    An existing ``ca.pem``/``ca.key`` pair in ``cert_dir`` is reused so clients can keep trusting it;
    the server certificate is issued afresh for ``localhost``, ``127.0.0.1``, ``::1`` and ``server_name``.
    """
    os.makedirs(cert_dir, exist_ok=True)
    ca_path = os.path.join(cert_dir, 'ca.pem')
    ca_key = os.path.join(cert_dir, 'ca.key')
    ca = None
    if os.path.exists(ca_path) and os.path.exists(ca_key):
        try:
            with open(ca_path, 'rb') as cert, open(ca_key, 'rb') as key:
                ca = trustme.CA.from_pem(cert.read(), key.read())
        except (ValueError, TypeError, OSError):
            ca = None
    if ca is None:
        ca = trustme.CA(organization_name='wabiz_sim test CA')
        ca.cert_pem.write_to_path(ca_path)
        _write_private(ca_key, ca.private_key_pem.bytes())
    names = list(LOOPBACK_NAMES)
    if server_name and server_name not in names:
        names.append(server_name)
    leaf = ca.issue_cert(*names, common_name=server_name or 'localhost')
    cert_path = os.path.join(cert_dir, 'server.pem')
    key_path = os.path.join(cert_dir, 'server.key')
    with open(cert_path, 'wb') as handle:
        for blob in leaf.cert_chain_pems:
            handle.write(blob.bytes())
    _write_private(key_path, leaf.private_key_pem.bytes())
    return CertBundle(ca_path, cert_path, key_path, names)


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)
