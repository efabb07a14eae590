"""A private PostgreSQL server for the tests, and a fresh database on it for each test.

Registered as a pytest plugin by tests/conftest.py. The server is Debian's (``apt-get install
postgresql``), started once per session in a temporary folder and reached through a unix socket
there, so it needs no port. With ``SVC_TEST_DATABASE_URL`` set (a ``postgresql+psycopg://`` URL of
a role that may CREATE DATABASE), the tests use that server instead.
"""
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from svc.auth import migrate
from svc.auth.store import create_store_engine

MISSING = "PostgreSQL tests need Debian's server binaries: apt-get install postgresql (or set SVC_TEST_DATABASE_URL)"
START_TIMEOUT = 60  # seconds; initdb and the first start are slow on a loaded machine


class PostgresServer:
    """A server the tests may create databases on; ``database()`` gives a new one's URL."""

    def __init__(self, url):
        self.url = make_url(url)
        self._admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._names = (f"svc_test_{uuid.uuid4().hex[:8]}_{n}" for n in itertools.count())
        self._template = None  # the URL of the migrated template, once made

    def database(self, migrated=True):
        """The URL of a new, empty database; ``migrated``: with the auth schema at head.

        A migrated one is a copy of a template migrated once, which is much faster than Alembic.
        """
        name = next(self._names)
        template = make_url(self._migrated_template()).database if migrated else "template0"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        # A socket folder's slashes need no escape, and ini files would read a % as interpolation.
        return self.url.set(database=name).render_as_string(hide_password=False).replace("%2F", "/")

    def _migrated_template(self):
        if self._template is None:
            url = self.database(migrated=False)
            engine = create_store_engine(url)
            migrate.upgrade(engine)
            engine.dispose()  # CREATE DATABASE ... TEMPLATE refuses a template with connections
            self._template = url
        return self._template

    def drop(self, url):
        """Drop a database made by ``database()``, ending any session still on it."""
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    def close(self):
        """Drop the template (someone else's server may outlive us) and disconnect."""
        if self._template is not None:
            self.drop(self._template)
        self._admin.dispose()


def _binaries():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=_version)
    return os.path.dirname(found[-1]) if found else None


def _version(path):
    part = path.split("/")[4]
    return int(part) if part.isdigit() else 0


def _unprivileged():
    """The user postgres runs as when we are root (it refuses to run as root), or None."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.skip("PostgreSQL tests run as root need a postgres or nobody user to run the server as")


class LocalPostgres:
    """initdb and postgres in a temporary folder, listening only on a unix socket in it."""

    def __init__(self, bindir):
        self.bindir = bindir
        self.folder = tempfile.mkdtemp(prefix="svc-pg-")
        self.data = os.path.join(self.folder, "data")
        self.process = None

    def start(self):
        user = _unprivileged()
        drop = {}
        if user is not None:
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            drop = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "cwd": self.folder}
        subprocess.run(
            [os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "svc", "--auth=trust",
             "--encoding=UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True, timeout=START_TIMEOUT, **drop,
        )
        log = open(os.path.join(self.folder, "postgres.log"), "wb")
        # Durability is worthless for throw-away data; without it every CREATE DATABASE is quick.
        self.process = subprocess.Popen(
            [os.path.join(self.bindir, "postgres"), "-D", self.data, "-k", self.folder,
             "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=log, stderr=subprocess.STDOUT, **drop,
        )
        log.close()
        url = f"postgresql+psycopg://svc@/postgres?host={self.folder}"
        self._wait(url)
        return url

    def _wait(self, url):
        engine = create_engine(url, poolclass=NullPool)
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"postgres exited at start-up: {self._log()}")
                try:
                    with engine.connect():
                        return
                except Exception:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"postgres did not accept connections: {self._log()}") from None
                    time.sleep(0.1)
        finally:
            engine.dispose()

    def _log(self):
        with open(os.path.join(self.folder, "postgres.log"), errors="replace") as log:
            return log.read()[-2000:]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: ends the sessions, then exits
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for this session (PostgresServer); skips when none is available."""
    url = os.environ.get("SVC_TEST_DATABASE_URL")
    local = None
    if not url:
        bindir = _binaries()
        if bindir is None:
            pytest.skip(MISSING)
        local = LocalPostgres(bindir)
        try:
            url = local.start()
        except BaseException:
            local.stop()
            raise
    server = PostgresServer(url)
    yield server
    server.close()
    if local is not None:
        local.stop()


@pytest.fixture
def postgres_databases(postgres_server):
    """``postgres_databases(migrated=True)``: the URL of a new database, dropped after the test,
    so a session of hundreds of tests keeps only a few on disk."""
    made = []

    def database(migrated=True):
        made.append(postgres_server.database(migrated))
        return made[-1]

    yield database
    for url in made:
        postgres_server.drop(url)
