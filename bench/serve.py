"""Serve one app on waitress with production.ini's server settings.

    python -m bench.serve ini:production.ini PORT [name=value ...]
    python -m bench.serve bench.bare:hello PORT

Each name=value reaches the ini as global_conf, as with pserve. With SVC_BENCH_NO_ACCESS_LOG
set, the access log is off, to show what it costs.
"""
import importlib
import logging
import os
import sys

import waitress
from paste.deploy import loadapp
from pyramid.paster import setup_logging

from bench.common import ROOT, waitress_settings


def load(target, global_conf=None):
    if target.startswith("ini:"):
        ini = os.path.join(ROOT, target[4:])
        setup_logging(ini)
        if os.environ.get("SVC_BENCH_NO_ACCESS_LOG"):
            logging.getLogger("svc.access").setLevel(logging.WARNING)
        return loadapp("config:" + ini, global_conf=global_conf or None)
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


if __name__ == "__main__":
    target, port, *assignments = sys.argv[1:]
    global_conf = dict(assignment.split("=", 1) for assignment in assignments)
    waitress.serve(load(target, global_conf), listen=f"127.0.0.1:{port}", **waitress_settings())
