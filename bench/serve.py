"""Serve one app for a benchmark, with production.ini's server settings.

    python -m bench.serve waitress ini:production.ini PORT [name=value ...]
    python -m bench.serve waitress bench.bare:hello PORT
    python -m bench.serve granian bench.bare:hello PORT WORKERS

waitress is one process with production's threads (what plain `pserve` gives); granian gets
production's workers' threads, connection limit, backlog and header timeout, as egg:svc#granian
does. Each name=value reaches the ini as global_conf, as with pserve. With
SVC_BENCH_NO_ACCESS_LOG set, the access log is off, to show what it costs.
"""
import importlib
import logging
import os
import sys

from bench.common import ROOT, server_settings


def load(target, global_conf=None):
    if target.startswith("ini:"):
        from paste.deploy import loadapp
        from pyramid.paster import setup_logging

        ini = os.path.join(ROOT, target[4:])
        setup_logging(ini)
        if os.environ.get("SVC_BENCH_NO_ACCESS_LOG"):
            logging.getLogger("svc.access").setLevel(logging.WARNING)
        return loadapp("config:" + ini, global_conf=global_conf or None)
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def serve_waitress(target, port, global_conf):
    import waitress

    settings = server_settings()
    waitress.serve(load(target, global_conf), listen=f"127.0.0.1:{port}", threads=settings.threads, ident=settings.ident)


def serve_granian(target, port, workers):
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    settings = server_settings()
    Server(
        target,
        address="127.0.0.1",
        port=int(port),
        interface=Interfaces.WSGI,
        workers=int(workers),
        blocking_threads=settings.threads,
        backpressure=settings.connection_limit,
        backlog=settings.backlog,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=int(settings.header_timeout * 1000)),
        log_enabled=False,
    ).serve()


if __name__ == "__main__":
    server, target, port, *rest = sys.argv[1:]
    if server == "granian":
        serve_granian(target, port, rest[0])
    else:
        serve_waitress(target, port, dict(assignment.split("=", 1) for assignment in rest))
