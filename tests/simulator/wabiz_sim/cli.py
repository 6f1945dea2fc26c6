"""Command line: ``python -m wabiz_sim serve|fleet``."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import os
import signal
import sys
import tempfile

import yaml

from .app import start_server
from .certs import make_certs
from .errors import FleetError
from .fleet import MODES, VALID_SHARDS, load_fleet
from .model import Fleet

PROG = 'wabiz_sim'


def _parser():
    parser = argparse.ArgumentParser(prog='python -m wabiz_sim', description='HTTPS simulator of the WhatsApp Business API On-Premises webapp.')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    serve = sub.add_parser('serve', help='serve a fleet of simulated clusters')
    serve.add_argument('--fleet', required=True, help='fleet YAML file')
    serve.add_argument('--host', default='127.0.0.1', help='address to bind (default 127.0.0.1; loopback only unless --allow-remote)')
    serve.add_argument('--port', type=int, default=9090, help='port (default 9090; 0 picks a free port)')
    serve.add_argument('--http', action='store_true', help='serve plain HTTP instead of HTTPS')
    serve.add_argument('--cert-dir', help='directory for ca.pem / server.pem (default: a new temporary directory); an existing CA there is reused')
    serve.add_argument('--server-name', default='localhost', help='extra DNS name in the server certificate (default localhost)')
    serve.add_argument('--ready-file', help='write {"url","port","ca_path","pid","clusters"} as JSON here once listening')
    serve.add_argument('--seed', type=int, help='override the fleet seed')
    serve.add_argument('--allow-remote', action='store_true', help='allow binding a non-loopback address')
    serve.add_argument('--log-level', default='warning', choices=['debug', 'info', 'warning', 'error'], help='log level (debug logs every request)')
    gen = sub.add_parser('fleet', help='print a generated fleet YAML')
    gen.add_argument('--clusters', type=int, default=1, help='number of clusters')
    gen.add_argument('--mode', default='multiconnect', choices=MODES)
    gen.add_argument('--masters', type=int, default=2)
    gen.add_argument('--coreapps', type=int, default=5)
    gen.add_argument('--shards', type=int, default=4, help='one of %s' % ', '.join(map(str, VALID_SHARDS)))
    gen.add_argument('--name-format', default='mc-{index:04d}', help='python format string with {index} (default mc-{index:04d})')
    gen.add_argument('--seed', type=int, default=42)
    gen.add_argument('--password', default='Adm1n!pass', help='admin password (must_change false)')
    return parser


def _fail(message):
    sys.stderr.write('%s: error: %s\n' % (PROG, message))
    return 2


def _is_loopback(host):
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def write_ready_file(path, info):
    """Write ``info`` as JSON to ``path`` atomically (temp file + rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.ready-', dir=directory)
    with os.fdopen(fd, 'w') as handle:
        json.dump(info, handle)
    os.replace(tmp, path)


async def _serve(args, fleet):
    ssl_context, ca_path = None, None
    if not args.http:
        cert_dir = args.cert_dir or tempfile.mkdtemp(prefix='wabiz_sim-certs-')
        bundle = make_certs(cert_dir, args.server_name)
        ssl_context, ca_path = bundle.server_context(), bundle.ca_path
    runner, port = await start_server(fleet, args.host, args.port, ssl_context, access_log=args.log_level == 'debug')
    host = '[%s]' % args.host if ':' in args.host else args.host
    info = {'url': '%s://%s:%d' % ('http' if args.http else 'https', host, port), 'port': port, 'ca_path': ca_path,
            'pid': os.getpid(), 'clusters': sorted(fleet.clusters)}
    if args.ready_file:
        write_ready_file(args.ready_file, info)
    logging.getLogger('wabiz_sim').info('listening on %s (%d clusters)', info['url'], len(fleet.clusters))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        if args.ready_file:
            try:
                os.unlink(args.ready_file)
            except OSError:
                pass


def cmd_serve(args):
    if not _is_loopback(args.host) and not args.allow_remote:
        return _fail('refusing to bind non-loopback address %s without --allow-remote' % args.host)
    if not 0 <= args.port <= 65535:
        return _fail('--port must be 0-65535')
    try:
        fleet = Fleet(load_fleet(args.fleet, args.seed))
    except FleetError as exc:
        return _fail('%s: %s' % (args.fleet, exc))
    logging.basicConfig(level=getattr(logging, args.log_level.upper()), format='%(asctime)s %(name)s %(levelname)s %(message)s')
    try:
        asyncio.run(_serve(args, fleet))
    except OSError as exc:
        return _fail('cannot listen on %s:%s: %s' % (args.host, args.port, exc.strerror or exc))
    return 0


def generated_fleet(args):
    return {
        'seed': args.seed,
        'defaults': {'version': 'v2.45.1', 'users': {'admin': {'password': args.password, 'must_change': False}}},
        'clusters': [dict(name=args.name_format.format(index=i), mode=args.mode,
                          **({} if args.mode == 'single' else {'masters': args.masters, 'coreapps': args.coreapps}),
                          **({'shards': args.shards} if args.mode == 'multiconnect' else {}))
                     for i in range(1, args.clusters + 1)],
    }


def cmd_fleet(args):
    if args.clusters < 1:
        return _fail('--clusters must be >= 1')
    try:
        data = generated_fleet(args)
        load_fleet(data)
    except (KeyError, IndexError, ValueError) as exc:
        return _fail(str(exc))
    sys.stdout.write(yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
    return 0


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == 'serve':
        return cmd_serve(args)
    if args.command == 'fleet':
        return cmd_fleet(args)
    parser.print_help()
    return 2
