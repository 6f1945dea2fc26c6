"""aiohttp layer: one catch-all handler, transport faults, the ``/__sim/`` control API, TLS serving."""

from __future__ import annotations

import asyncio
import json
import logging
from email.utils import formatdate
from http import HTTPStatus

from aiohttp import web

from .api import PROXY_PAGES, Api, Reply, dumps, error_reply, html_page
from .errors import ApiError, ControlError
from .fleet import load_fleet
from .model import Fleet

SLOW_FAULTS = ('trickle', 'trickle_headers', 'stall', 'chunked')
LOG = logging.getLogger('wabiz_sim')
MAX_BODY = 1024 * 1024
FLEET_KEY = web.AppKey('fleet', object)
API_KEY = web.AppKey('api', object)


def _to_response(reply):
    resp = web.Response(status=reply.status, body=reply.body, headers=reply.headers)
    if reply.content_type:
        resp.headers['Content-Type'] = reply.content_type
    return resp


def _control_json(status, payload):
    return web.Response(status=status, body=dumps(payload), content_type='application/json')


async def _read_json(request):
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        raise ControlError('request body is not valid JSON') from None


async def control(request):
    """``/__sim/...``: state, cluster patches, failover, clock, reset. No auth, no faults, no rate limits."""
    fleet = request.app[FLEET_KEY]
    parts = [p for p in request.path.split('/') if p][1:]
    method = request.method
    try:
        if parts == ['state'] and method == 'GET':
            names = [n for n in request.query.get('clusters', '').split(',') if n]
            for name in names:
                fleet.get(name)
            return _control_json(200, fleet.state(names or None))
        if parts == ['reset'] and method == 'POST':
            fleet.reset()
            return _control_json(200, {'reset': True, 'clock': fleet.clock.state()})
        if parts == ['clock'] and method in ('GET', 'POST'):
            body = await _read_json(request) if method == 'POST' else None
            return _control_json(200, fleet.clock_op(body) if body is not None else fleet.clock.state())
        if len(parts) >= 2 and parts[0] == 'clusters':
            name = parts[1]
            if len(parts) == 2:
                if method == 'GET':
                    return _control_json(200, fleet.get(name).state())
                if method == 'POST':
                    cluster = fleet.get(name)
                    cluster.patch(await _read_json(request))
                    fleet.reindex()
                    return _control_json(200, cluster.state())
                if method == 'PUT':
                    return _control_json(200, fleet.put(name, await _read_json(request)).state())
                if method == 'DELETE':
                    fleet.delete(name)
                    return _control_json(200, {'deleted': name})
            if len(parts) == 3 and method == 'POST' and parts[2] in ('failover', 'revive'):
                cluster = fleet.get(name)
                body = await _read_json(request)
                if not isinstance(body, dict):
                    raise ControlError('the body must be a JSON object')
                if parts[2] == 'failover':
                    return _control_json(200, cluster.failover(body.get('node'), body.get('remove')))
                if not body.get('node'):
                    raise ControlError('revive needs {"node": hostname}')
                return _control_json(200, cluster.revive(body['node']))
        raise ControlError('unknown control call %s %s' % (method, request.path), 404)
    except ControlError as exc:
        return _control_json(exc.status, {'error': str(exc)})
    except Exception as exc:  # pylint: disable=broad-exception-caught
        LOG.error('control call %s %s failed: %s: %s', method, request.path, type(exc).__name__, exc)
        return _control_json(500, {'error': '%s: %s' % (type(exc).__name__, exc)})


async def handle(request):
    path = request.path
    if path == '/__sim' or path.startswith('/__sim/'):
        return await control(request)
    api = request.app[API_KEY]
    cluster, rest = api.resolve(path)
    method = request.method
    if cluster is None:
        return _to_response(api.no_cluster(method, path))
    reply, modifiers, slow = None, [], []
    for fault in cluster.take_faults(method, rest):
        kind = fault['kind']
        if kind == 'delay':
            await asyncio.sleep(fault['seconds'])
        elif kind == 'clock':
            cluster.clock.advance(float(fault['advance']))
        elif kind in ('truncate', 'oversized'):
            modifiers.append(fault)
        elif kind in SLOW_FAULTS:
            slow.append(fault)
        elif kind == 'close':
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError()
        elif kind == 'status':
            reply = api.status_fault(cluster, fault)
        elif kind == 'proxy_error':
            status = fault['status']
            reply = html_page(status, PROXY_PAGES.get(status, 'Error'), server=fault['server'])
        elif kind == 'html_200':
            reply = Reply(200, b'<!DOCTYPE html><html><head><title>Login</title></head><body><form>Sign in</form></body></html>',
                          'text/html; charset=utf-8')
        elif kind == 'not_json':
            reply = Reply(200, b'OK: this is not JSON {', 'application/json')
    if reply is None:
        body = await request.read() if request.can_read_body else b''
        try:
            reply = api.handle(cluster, method, rest, request.headers, request.query, body)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            LOG.error('internal error on %s %s: %s: %s', method, path, type(exc).__name__, exc)
            return _to_response(error_reply(cluster, ApiError(500, 1000, 'Simulator internal error: %s' % exc)))
    for fault in modifiers:
        if fault['kind'] == 'oversized' and len(reply.body) < fault['bytes']:
            reply.body = reply.body + b' ' * (fault['bytes'] - len(reply.body))
    for fault in modifiers:
        if fault['kind'] == 'truncate':
            cut = reply.body[:max(1, len(reply.body) // 2)]
            if fault['mode'] == 'json':
                reply.body = cut
            else:
                return await _truncated_connection(request, reply, cut)
    if slow:
        return await _slow_reply(request, reply, {f['kind']: f for f in slow})
    return _to_response(reply)


async def _truncated_connection(request, reply, cut):
    """Announce the full Content-Length, send only ``cut``, then drop the connection."""
    resp = web.StreamResponse(status=reply.status, headers=reply.headers)
    if reply.content_type:
        resp.headers['Content-Type'] = reply.content_type
    resp.content_length = len(reply.body)
    await resp.prepare(request)
    await resp.write(cut)
    await asyncio.sleep(0.05)
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError()


async def _slow_reply(request, reply, faults):
    """Write the answer as raw bytes on the connection, paced like a slow server, then close it.

    aiohttp sends the status line and headers in one piece, so trickled headers need the raw
    transport; the other slow kinds share the same writer: a body trickled at ``rate`` bytes per
    second, a stall after ``after`` bytes of the body, a chunked body without Content-Length.
    """
    transport = request.transport
    body = reply.body
    try:
        phrase = HTTPStatus(reply.status).phrase
    except ValueError:
        phrase = 'Unknown'
    headers = dict(reply.headers)
    if reply.content_type:
        headers['Content-Type'] = reply.content_type
    if 'chunked' in faults:
        size = faults['chunked']['size']
        headers['Transfer-Encoding'] = 'chunked'
        body = b''.join(b'%x\r\n%s\r\n' % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)) + b'0\r\n\r\n'
    else:
        headers['Content-Length'] = str(len(body))
    headers.update({'Connection': 'close', 'Server': 'wabiz_sim', 'Date': formatdate(usegmt=True)})
    head = 'HTTP/1.1 %d %s\r\n%s\r\n\r\n' % (reply.status, phrase, '\r\n'.join('%s: %s' % kv for kv in headers.items()))
    body_rate = faults['trickle']['rate'] if 'trickle' in faults else None
    if transport is not None:
        await _pace(transport, head.encode('latin-1'), faults['trickle_headers']['rate'] if 'trickle_headers' in faults else None)
        if 'stall' in faults:
            after = faults['stall']['after']
            await _pace(transport, body[:after], body_rate)
            await _idle(transport, faults['stall']['seconds'])
            body = body[after:]
        await _pace(transport, body, body_rate)
        transport.close()
    raise asyncio.CancelledError()


async def _pace(transport, data, rate):
    """Write ``data``, at ``rate`` bytes per second when given; stop when the client went away."""
    if rate is None:
        if not transport.is_closing():
            transport.write(data)
        return
    step = max(1, int(rate / 20))
    for start in range(0, len(data), step):
        if transport.is_closing():
            raise asyncio.CancelledError()
        transport.write(data[start:start + step])
        await asyncio.sleep(step / float(rate))


async def _idle(transport, seconds):
    """Send nothing for ``seconds`` (a stalled server), or until the client gives up."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    while loop.time() < until:
        if transport.is_closing():
            raise asyncio.CancelledError()
        await asyncio.sleep(min(0.05, max(0.0, until - loop.time())))


def create_app(fleet):
    """The aiohttp application serving ``fleet`` (a :class:`wabiz_sim.model.Fleet`)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[FLEET_KEY] = fleet
    app[API_KEY] = Api(fleet)
    app.router.add_route('*', '/{tail:.*}', handle)
    return app


def build_fleet(source, seed=None):
    """Fleet from a dict / path / YAML text (see :func:`wabiz_sim.fleet.load_fleet`)."""
    return Fleet(load_fleet(source, seed))


async def start_server(fleet, host='127.0.0.1', port=0, ssl_context=None, access_log=False):
    """Start serving; return ``(runner, port)``."""
    app = create_app(fleet)
    runner = web.AppRunner(app, access_log=LOG if access_log else None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context, reuse_address=True)
    await site.start()
    server = site._server  # pylint: disable=protected-access
    bound = server.sockets[0].getsockname()[1] if server and server.sockets else port
    return runner, bound
