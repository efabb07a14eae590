"""Serve one app on waitress with production.ini's server settings.

    python -m bench.serve ini:production.ini PORT
    python -m bench.serve bench.bare:hello PORT
"""
import importlib
import os
import sys

import waitress
from paste.deploy import loadapp
from pyramid.paster import setup_logging

from bench.common import ROOT, waitress_settings


def load(target):
    if target.startswith("ini:"):
        ini = os.path.join(ROOT, target[4:])
        setup_logging(ini)
        return loadapp("config:" + ini)
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


if __name__ == "__main__":
    target, port = sys.argv[1], sys.argv[2]
    waitress.serve(load(target), listen=f"127.0.0.1:{port}", **waitress_settings())
