"""``svc-admin <ini> check``: what would stop or weaken ``pserve <ini>``, one line per problem.

Loads the ini the way pserve does, after checking what an auth filter needs first (its settings,
secret, database and schema, Redis), so one run reports every problem instead of the first.
Each line names the file and the key: ``production.ini: error: svc.auth.db_url ...``.
"""
import configparser
import os
import secrets
import urllib.parse
from dataclasses import dataclass

import plaster
from paste.deploy.loadwsgi import FILTER, SERVER, loadcontext
from pyramid.exceptions import ConfigurationError
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from svc.auth import migrate
from svc.auth.login_path import login_path_below
from svc.auth.middleware import AuthFilter
from svc.auth.middleware import filter_factory as auth_filter_factory
from svc.auth.permissions import declared_permissions
from svc.auth.require import RequirePermission
from svc.auth.settings import load_secrets, read_auth_settings
from svc.auth.store import create_store_engine
from svc.web import SETTINGS as WEB_SETTINGS
from svc.web.mounts import apps_below
from svc.web.server import granian_server_factory
from svc.web.server import parse_settings as parse_server_settings

TIMEOUT = 5  # seconds for each database or Redis connection
OK, WARNINGS, ERRORS = 0, 2, 1


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    message: str  # names the key


class Check:
    def __init__(self, ini):
        self.ini = ini
        self.findings = []

    def error(self, message):
        self.findings.append(Finding("error", message))

    def warning(self, message):
        self.findings.append(Finding("warning", message))

    def lines(self):
        if not self.findings:
            return [f"{self.ini}: ok"]
        return [f"{self.ini}: {f.level}: {f.message}" for f in dict.fromkeys(self.findings)]

    def status(self):
        levels = {f.level for f in self.findings}
        return ERRORS if "error" in levels else WARNINGS if levels else OK

    def run(self):
        loader = open_ini(self.ini)
        sections = loader.get_sections()
        auth_filters = [c for c in _contexts(self.ini, sections, FILTER) if c.object is auth_filter_factory]
        stores_ok = all([self.auth_filter(context) for context in auth_filters])
        for context in _contexts(self.ini, sections, SERVER):
            if context.object is granian_server_factory:
                self.server(context)
        # Past an auth problem already reported, the app loads on stand-ins so the rest is checked too.
        stand_ins = {} if stores_ok else {
            "svc.auth.secret": secrets.token_urlsafe(48),
            "svc.auth.secret_file": "",
            "svc.auth.db_url": "sqlite://",
            "svc.auth.create_schema": "true",
            "svc.auth.throttle_storage": "memory://",
        }
        try:
            app = loader.get_wsgi_app(defaults=stand_ins)
        except Exception as exc:  # whatever stops pserve at start-up, reported as pserve would meet it
            self.error(_one_line(exc, self.ini))
            return self
        self.login_paths(app)
        if stores_ok:
            self.grants(app)
        return self

    def auth_filter(self, context):
        """Settings, secret, database, schema and Redis of one auth filter; True when all are fine."""
        own = context.local_conf
        try:
            values = read_auth_settings(context.global_conf, own)
        except ConfigurationError as exc:
            self.error(_one_line(exc, self.ini))
            return False
        before = len(self.findings)
        try:
            load_secrets(values, WEB_SETTINGS.parse(context.global_conf).debug)
        except ConfigurationError as exc:
            self.error(_one_line(exc, self.ini))
        self.database(values)
        merged = {**{k: v for k, v in context.global_conf.items() if k.startswith("svc.auth.")}, **own}
        for key, value in sorted(merged.items()):
            if str(value).strip().startswith(("redis://", "rediss://", "redis+", "unix://")):
                self.redis(key, str(value).strip())
        return len(self.findings) == before

    def database(self, values):
        url = make_url(values.db_url)
        where = url.render_as_string(hide_password=True)
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:" and not os.path.exists(url.database):
                self.error(f"svc.auth.db_url: the database {where} does not exist; run: svc-admin {self.ini} init")
                return
            engine = create_store_engine(values.db_url)
        else:
            try:
                engine = create_engine(url, connect_args={"connect_timeout": TIMEOUT})
            except (ImportError, SQLAlchemyError) as exc:
                self.error(f"svc.auth.db_url: cannot use {where}: {_first_line(exc)}")
                return
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            current, head = migrate.current_revision(engine), migrate.head_revision()
        except SQLAlchemyError as exc:
            self.error(f"svc.auth.db_url: cannot reach {where}: {_first_line(getattr(exc, 'orig', None) or exc)}")
            return
        finally:
            engine.dispose()
        if current != head and not values.create_schema:
            self.error(
                f"svc.auth.db_url: the database {where} is at schema {current or 'none'}, not {head}; "
                f"run: svc-admin {self.ini} migrate"
            )

    def redis(self, key, url):
        parsed = urllib.parse.urlsplit(url)
        where = parsed._replace(netloc=parsed.netloc.rpartition("@")[2]).geturl()
        try:
            import redis
        except ImportError:
            self.error(f"{key} = {where} needs the redis package: pip install 'svc[redis]'")
            return
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
            client.ping()
            client.close()
        except (redis.RedisError, OSError, ValueError) as exc:
            self.error(f"{key}: cannot reach Redis at {where}: {_first_line(exc)}")

    def server(self, context):
        try:
            parse_server_settings(context.local_conf)
        except ConfigurationError as exc:
            self.error(f"[{context.section}] {exc}")

    def login_paths(self, app):
        """An auth filter sends browsers to its login_path: the auth app must be there."""
        for _domain, _prefix, below in apps_below(app):
            if not isinstance(below, AuthFilter) or not below.service.settings.login_path:
                continue
            configured, mounted = below.service.settings.login_path, login_path_below(below.app)
            if mounted is not None and mounted != configured:  # both are paths below the filter
                self.error(
                    f"svc.auth.login_path = {configured} but the auth app's sign-in form is at {mounted}; "
                    "set it to that, or leave it unset"
                )

    def grants(self, app):
        """A permission that nobody holds makes its mount answer 401/403 to everyone."""
        filters = [below for _d, _p, below in apps_below(app) if isinstance(below, AuthFilter)]
        if not filters:
            return
        granted = {g["permission"] for g in filters[0].service.store.grants()}
        for _domain, prefix, below in apps_below(app):
            if isinstance(below, RequirePermission):
                needed = {below.permission}
            elif getattr(below, "registry", None) is not None:
                needed = declared_permissions(below)
            else:
                continue
            for permission in sorted(needed - granted):
                self.warning(
                    f"mount {prefix or '/'} checks the permission {permission} that no user or group holds; "
                    f"grant it: svc-admin {self.ini} grant USER {permission}"
                )


def open_ini(ini):
    """The plaster loader of ``ini``, once it is known to be an ini file PasteDeploy can read."""
    if not os.path.isfile(ini):
        raise ConfigurationError(f"{ini} does not exist")
    try:
        loader = plaster.get_loader(os.path.abspath(ini) + "#main", protocols=["wsgi"])
        loader.get_sections()
    except plaster.exceptions.LoaderNotFound:
        raise ConfigurationError(f"{ini} is not an ini file (its name must end in .ini)") from None
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{ini} is not an ini file PasteDeploy can read: {_first_line(exc)}") from None
    return loader


def run_check(ini):
    """Print one line per problem of ``ini``; the exit status: 0 clean, 1 errors, 2 warnings only."""
    check = Check(ini)
    try:
        check.run()
    except ConfigurationError as exc:
        check.error(str(exc))
    for line in check.lines():
        print(line)
    return check.status()


def _contexts(ini, sections, kind):
    """PasteDeploy's contexts (factory, global_conf, local_conf) of the sections of ``kind``,
    with ``use = config:other.ini#name`` followed, without calling a factory."""
    prefix = kind.config_prefixes[0][0] + ":"  # [["filter"]], [["server"]]
    for section in sections:
        if not section.startswith(prefix):
            continue
        try:
            context = loadcontext(kind, f"config:{os.path.abspath(ini)}#{section[len(prefix):]}")
        except Exception:  # noqa: BLE001 - loading the app below reports it as pserve would meet it
            continue
        context.section = section
        yield context


def _first_line(exc):
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _one_line(exc, ini):
    return " ".join(str(exc).split()).replace("<ini>", ini)
