"""``egg:svc#granian``: serve the ini's app on granian, one process per core, from ``pserve``.

granian has no PasteDeploy entry point, so this is one. pserve loads the app once in its
own process (the master) and hands it here; the master only supervises. Each worker loads
the same ini itself, the way pserve does: the ini's logging sections, then the app (the
``app`` setting, ``main`` by default), with the same global_conf, so ``%(here)s`` and the
``name=value`` overrides on pserve's command line hold in every worker.

Signals (granian's master): SIGTERM or SIGINT stops accepting, lets requests in flight
finish for up to ``shutdown_timeout`` seconds, then kills what is left; SIGHUP starts a
fresh set of workers (re-reading the ini's app and logging sections) and then stops the
old ones gracefully, on the same listening socket, so no connection is dropped. A worker
that dies is replaced.
"""
import atexit
import logging
import multiprocessing
import multiprocessing.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from svc.web.frontdoor import FrontDoor
from svc.web.health import checks_below
from svc.web.metrics import prepare_multiprocess_dir, start_worker, worker_exited
from svc.web.mounts import MountedURLMap, apps_below
from svc.web.settings import SettingError, SettingsSpec, as_bool, as_int, as_list, as_seconds, as_size, as_text

log = logging.getLogger(__name__)

SERVER = SettingsSpec(
    "server",
    listen=(as_text, "127.0.0.1:6543"),
    workers=(as_int(minimum=1), None),
    threads=(as_int(minimum=1), 8),
    connection_limit=(as_int(minimum=1), 1000),
    backlog=(as_int(minimum=128), 1024),
    header_timeout=(as_seconds(maximum=60), 30),
    keep_alive=(as_bool, True),
    shutdown_timeout=(as_seconds(), 30),
    http=(as_text, "auto"),
    max_request_body_size=(as_size, 4 * 1024 * 1024),
    trusted_proxy=(as_text, ""),
    trusted_proxy_headers=(as_list, ()),
    ident=(as_text, "svc"),
    ssl_certificate=(as_text, ""),
    ssl_keyfile=(as_text, ""),
    app=(as_text, "main"),
    metrics_dir=(as_text, ""),
)

_HTTP_MODES = {"auto", "1", "2"}


def parse_settings(local_conf):
    # An empty value means the default, as in the shipped ini's `workers =`.
    given = {f"server.{key}": value for key, value in local_conf.items() if str(value).strip()}
    settings = SERVER.parse(given, strict=True)
    if settings.http not in _HTTP_MODES:
        raise SettingError(f"setting http = {settings.http!r} is malformed: expected one of auto, 1, 2")
    if bool(settings.ssl_certificate) != bool(settings.ssl_keyfile) and settings.ssl_certificate != "*":
        raise SettingError("settings ssl_certificate and ssl_keyfile go together")
    host, sep, port = settings.listen.rpartition(":")
    if not sep or not port.isdigit():
        raise SettingError(f"setting listen = {settings.listen!r} is malformed: expected host:port")
    settings.host, settings.port = host.strip("[]"), int(port)
    settings.workers = settings.workers or multiprocessing.cpu_count()
    return settings


def granian_server_runner(wsgi_app, global_conf, **local_conf):
    """The paste.server_runner: ``wsgi_app`` is pserve's copy, used only to fail early."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings, HTTP2Settings
    from granian.server import Server

    settings = parse_settings(local_conf)
    ini = global_conf["__file__"]
    here = global_conf.get("here") or os.path.dirname(os.path.abspath(ini))
    ssl_cert, ssl_key = settings.ssl_certificate, settings.ssl_keyfile
    if ssl_cert == "*":
        ssl_cert, ssl_key = development_certificate(os.path.join(here, "var", "devcert"))
    door = {
        "trusted_proxy": settings.trusted_proxy or None,
        "trusted_proxy_headers": settings.trusted_proxy_headers,
        "max_request_body_size": settings.max_request_body_size,
        "ident": settings.ident,
    }
    # Every worker writes its metrics there and /metrics adds them up; emptied at each start.
    metrics_dir = settings.metrics_dir or tempfile.mkdtemp(prefix="svc-metrics-")
    prepare_multiprocess_dir(metrics_dir)
    if not settings.metrics_dir:
        atexit.register(shutil.rmtree, metrics_dir, True)
    for line in start_up_lines(wsgi_app, settings, "https" if ssl_cert else "http"):
        print(line, file=sys.stderr, flush=True)
    # pserve passes the ini's [DEFAULT] and its command line merged; plaster adds __file__ and here.
    overrides = {k: v for k, v in global_conf.items() if k not in ("__file__", "here")}
    server = Server(
        ini,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=settings.threads,
        backpressure=settings.connection_limit,
        backlog=settings.backlog,
        http=HTTPModes(settings.http),
        websockets=False,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.header_timeout * 1000), keep_alive=settings.keep_alive
        ),
        # 64 KiB of request headers, as waitress allowed, instead of granian's 16 MiB.
        http2_settings=HTTP2Settings(max_headers_size=65536),
        # granian's own lines (listening, respawns) go to the ini's handlers, which stay as they are.
        log_dictconfig={"incremental": True, "formatters": {}, "handlers": {}, "loggers": {"_granian": {}}},
        ssl_cert=Path(ssl_cert) if ssl_cert else None,
        ssl_key=Path(ssl_key) if ssl_key else None,
        respawn_failed_workers=True,
        workers_kill_timeout=max(1, round(settings.shutdown_timeout)),
    )
    server.serve(target_loader=_WorkerApp(ini, settings.app, overrides, door, settings.shutdown_timeout), wrap_loader=False)


class _WorkerApp:
    """Loads the app in a worker; a class so granian can pickle it for any start method."""

    def __init__(self, ini, name, global_conf, door, shutdown_timeout):
        self.ini, self.name, self.global_conf, self.door = ini, name, global_conf, door
        self.shutdown_timeout = shutdown_timeout

    def __call__(self):
        import plaster

        start_worker()
        loader = plaster.get_loader(self.ini, protocols=["wsgi"])
        loader.setup_logging(self.global_conf)
        door = FrontDoor(loader.get_wsgi_app(self.name, self.global_conf), **self.door)

        def last_words():
            door.wait_for_open_responses(self.shutdown_timeout)
            worker_exited(os.getpid())
            logging.shutdown()

        # multiprocessing ends a worker with os._exit, which skips atexit and so logging's
        # final flush: without this the batched access lines of the last second are lost.
        multiprocessing.util.Finalize(None, last_words, exitpriority=0)
        return door


def start_up_lines(app, settings, scheme):
    """What an operator wants to see at start: each mount and its pieces, the server, the workers,
    where it listens, and where the dependencies are (never their credentials)."""
    lines = []
    for _, prefix, layer in apps_below(app):
        for mount in getattr(layer, "mounts", ()) if isinstance(layer, MountedURLMap) else ():
            pieces = " ".join(mount.pieces) or "(not an svc app)"
            lines.append(f"svc: mount {prefix + mount.prefix or '/'} -> {mount.name} ({pieces})")
    lines.append(f"svc: server granian, {settings.workers} workers x {settings.threads} threads")
    lines.append(f"svc: listening on {scheme}://{settings.listen}")
    for check in checks_below(app):
        if check.where:
            lines.append(f"svc: {check.name} at {check.where}")
    return lines


def development_certificate(folder):
    """A certificate for localhost, 127.0.0.1 and ::1 signed by a private CA, made once in
    ``folder`` (cert.pem, key.pem and the CA to trust, ca.pem). For development only."""
    cert, key, ca = (os.path.join(folder, name) for name in ("cert.pem", "key.pem", "ca.pem"))
    if not all(map(os.path.exists, (cert, key, ca))):
        try:
            import trustme
        except ImportError:
            raise SettingError("ssl_certificate = * needs trustme (pip install trustme)") from None
        os.makedirs(folder, mode=0o700, exist_ok=True)
        authority = trustme.CA(organization_name="svc development")
        leaf = authority.issue_cert("localhost", "127.0.0.1", "::1")
        leaf.cert_chain_pems[0].write_to_path(cert)
        for blob in leaf.cert_chain_pems[1:]:
            blob.write_to_path(cert, append=True)
        write_pkcs8_key(leaf.private_key_pem.bytes(), key)
        authority.cert_pem.write_to_path(ca)
        log.warning("made a development certificate in %s; trust %s to use it", folder, ca)
    return cert, key


def write_pkcs8_key(pem, path):
    """Write a PEM private key as PKCS#8, the only form granian reads."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem, password=None)
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
