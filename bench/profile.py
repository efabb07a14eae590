"""Where the CPU time of one request goes, measured in-process so a loaded machine does not matter.

    python -m bench.profile [hello|doh|fetch ...] [--requests N] [--cprofile]

Loads production.ini's app as a granian worker does (the front door outermost), then calls it
with a prepared environ, reading the body and closing it as a server would. Reported per
request: CPU time of the calling thread (``time.thread_time``, so neither other processes nor
the upstream's threads count) of each layer with everything below it, and each layer's own
cost: the layer called with the one below replaced by a replay of the answer it gave.
``--cprofile`` adds the top functions.

- hello: GET /hello?name=Booga, anonymous;
- doh: a cached DoH GET /dns/dns-query, Basic (warm cache), against the test DNS server;
- fetch: GET /fetch?url=... 1 KiB passthrough, Basic, from the benchmarks' upstream on loopback.
"""
import argparse
import contextlib
import cProfile
import io
import logging
import os
import pstats
import sys
import tempfile
import time
from urllib.parse import quote

from bench.common import TestDNSServer, Upstream, add_user, auth_sandbox, ini_copy, server_settings
from svc.web.frontdoor import FrontDoor
from svc.web.mounts import MountedURLMap

CASES = ("hello", "doh", "fetch")


def granian_environ(method, path, headers=()):
    """An environ as granian 2.x builds one (granian/wsgi.py): the server's OS environment, its
    fixed keys, then the request's."""
    path_info, _, query = path.partition("?")
    environ = dict(os.environ)
    environ.update(
        {
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SCRIPT_NAME": "",
            "SERVER_SOFTWARE": "Granian",
            "wsgi.errors": sys.stderr,
            "wsgi.input_terminated": True,
            "wsgi.multiprocess": False,
            "wsgi.multithread": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
    )
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "6543",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:6543",
            "HTTP_USER_AGENT": "wrk",
            "wsgi.url_scheme": "http",
        }
    )
    for name, value in headers:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _start_response(status, headers, exc_info=None):
    _start_response.status = status
    return None


def call(app, environ):
    """One request as a server makes it: a fresh environ, the body read, then closed."""
    environ = dict(environ)
    environ["wsgi.input"] = io.BytesIO(b"")
    body = app(environ, _start_response)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return _start_response.status


def layers(door):
    """(name, app) from the front door down to egg:svc#urlmap (rutter's map and our dispatch)."""
    found = [("front door (whole stack)", door)]
    app = door.app
    while True:
        found.append((f"{type(app).__name__} and below", app))
        if isinstance(app, MountedURLMap):
            return found
        app = app.app


class _Snapshot:
    """Wraps a layer to keep a copy of the environ it is called with and the response it gives,
    so the layer can be called alone, and replayed in place of itself."""

    def __init__(self, app):
        self.app, self.environ, self.response = app, None, None

    def __call__(self, environ, start_response):
        self.environ = dict(environ)
        captured = []

        def recording(status, headers, exc_info=None):
            captured[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording)
        if captured:
            self.response = (*captured, list(body) if type(body) is list else None)
        return body

    def replay(self, environ, start_response):
        """The recorded response, as cheaply as WSGI allows (a stub for the layer above)."""
        status, headers, body = self.response
        start_response(status, headers)
        return body if body is not None else iter(())


def snapshots_per_layer(stack, environ):
    """For each layer below the top, what it receives and answers in a real request."""
    snapshots = []
    for (_, outer), (_, inner) in zip(stack, stack[1:]):
        snapshot = _Snapshot(inner)
        outer.app = snapshot
        snapshots.append(snapshot)
    try:
        call(stack[0][1], environ)
    finally:
        for (_, outer), snapshot in zip(stack, snapshots):
            outer.app = snapshot.app
    return snapshots


def own_us(outer, snapshot, environ, requests):
    """CPU us of ``outer`` alone: called with the layer below replaced by a replay of its answer."""
    outer.app = snapshot.replay
    try:
        return cpu_us(outer, environ, requests) - cpu_us(snapshot.replay, snapshot.environ, requests)
    finally:
        outer.app = snapshot.app


def below_urlmap(mounted, environ):
    """The app egg:svc#urlmap picks for ``environ``, the environ it hands that app, and the map
    with that app replaced by a replay of its answer (to measure the map's own cost)."""
    urlmap = mounted.urlmap
    original = list(urlmap.applications)
    snapshots = [_Snapshot(app) for _, app in original]
    urlmap.applications[:] = [(key, snapshot) for (key, _), snapshot in zip(original, snapshots)]
    try:
        MountedURLMap(urlmap, mounted.mounts)(dict(environ), _start_response)
        snapshot = next(snapshot for snapshot in snapshots if snapshot.environ is not None)
        urlmap.applications[:] = [(key, snapshot.replay if app is snapshot.app else app) for key, app in original]
        replaying = MountedURLMap(urlmap, mounted.mounts)
    finally:
        urlmap.applications[:] = original
    return snapshot, replaying


def cpu_us(app, environ, requests):
    """Mean CPU microseconds of the calling thread per request (best of three rounds)."""
    best = float("inf")
    for _ in range(3):
        started = time.thread_time()
        for _ in range(requests):
            call(app, environ)
        best = min(best, (time.thread_time() - started) / requests * 1e6)
    return best


def profile_case(door, environ, requests, top):
    status = call(door, environ)
    assert status.startswith("200"), f"the request answered {status}"
    for _ in range(200):  # warm caches, pools and Pyramid's lookups
        call(door, environ)
    stack = layers(door)
    snapshots = snapshots_per_layer(stack, environ)
    environs = [environ] + [snapshot.environ for snapshot in snapshots]
    leaf, replaying = below_urlmap(stack[-1][1], environs[-1])
    rows = []
    for index, ((name, app), env) in enumerate(zip(stack, environs)):
        if index < len(snapshots):
            own = own_us(app, snapshots[index], env, requests)
        else:  # the urlmap, with the app it picks replayed
            own = cpu_us(replaying, env, requests) - cpu_us(leaf.replay, leaf.environ, requests)
        rows.append((name, cpu_us(app, env, requests), own))
    rows.append((f"Pyramid app alone ({type(leaf.app).__name__})", cpu_us(leaf.app, leaf.environ, requests), None))
    print(f"{'layer':<44}{'CPU us/req':>12}{'own us':>10}")
    for name, cost, own in rows:
        print(f"{name:<44}{cost:>12.1f}{own if own is not None else cost:>10.1f}")
    if top:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            call(door, environ)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(top)
        print(out.getvalue())


@contextlib.contextmanager
def production_door(folder, sections=None):
    """production.ini's app (with ``sections`` overridden) behind the front door, as a worker runs it."""
    from paste.deploy import loadapp
    from pyramid.paster import setup_logging

    conf = auth_sandbox(folder)
    _, basic = add_user(conf, "bench", "a long enough bench password", ["dns", "fetch"])
    ini = ini_copy(folder, "production.ini", sections)
    setup_logging(ini)
    # The access log is on (INFO) but its lines go nowhere: the cost is making them, not the disk.
    for handler in logging.getLogger("svc.access").handlers:
        handler.setStream(open(os.devnull, "w"))
    server = server_settings()
    app = loadapp("config:" + ini, global_conf=conf)
    door = FrontDoor(
        app,
        trusted_proxy=server.trusted_proxy or None,
        trusted_proxy_headers=server.trusted_proxy_headers,
        max_request_body_size=server.max_request_body_size,
        ident=server.ident,
    )
    yield door, ("Authorization", basic.partition(": ")[2])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"of {', '.join(CASES)} (default: all)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per measured round")
    parser.add_argument("--cprofile", type=int, nargs="?", const=25, default=0, metavar="TOP")
    args = parser.parse_args(argv)
    for case in args.cases:
        if case not in CASES:
            parser.error(f"unknown case {case!r}: expected {', '.join(CASES)}")
    args.cases = args.cases or list(CASES)
    from svc.dns.doh import encode_dns_param
    import dns.message

    query = dns.message.make_query("a.test", "A")
    query.id = 0
    doh_path = "/dns/dns-query?dns=" + encode_dns_param(query.to_wire())
    with tempfile.TemporaryDirectory() as folder, TestDNSServer() as dns_server, Upstream() as upstream:
        sections = {
            "app:dns": {"svc.dns.nameservers": dns_server.address},
            "app:fetch": {
                "svc.fetch.allow": "127.0.0.1",
                "svc.fetch.ports": "1-65535",
                "svc.fetch.max_concurrent_per_user": "64",
            },
        }
        with production_door(folder, sections) as (door, authorization):
            paths = {
                "hello": ("/hello?name=Booga", []),
                "doh": (doh_path, [authorization]),
                "fetch": ("/fetch?url=" + quote(upstream.url + "/small", safe=""), [authorization]),
            }
            for case in args.cases:
                path, headers = paths[case]
                print(f"\n{case}: GET {path[:60]}, {args.requests} requests per round, best of 3")
                profile_case(door, granian_environ("GET", path, headers), args.requests, args.cprofile)


if __name__ == "__main__":
    main()
