"""``egg:svc#urlmap``: rutter's URLMap, plus the mount table for the apps below it.

rutter keeps its table to itself, so this composite records which app it
loaded for each prefix and hands that table down in ``environ['svc.mounts']``.
No app ever has to parse the ini to learn what is mounted where.
"""
from dataclasses import dataclass

from rutter.urlmap import URLMap
from pyramid.interfaces import IRoutesMapper, ISecurityPolicy
from pyramid.security import NO_PERMISSION_REQUIRED
from rutter.urlmap import urlmap_factory as rutter_urlmap_factory

from svc.web.errors import declared_route_rules
from svc.web.problems import problem_json_response, status_problem

ENVIRON_KEY = "svc.mounts"


@dataclass(frozen=True)
class Access:
    """The permissions an app declares: those its own page (its root) needs, and those any path needs."""

    page: frozenset = frozenset()
    paths: frozenset = frozenset()

    def plus(self, permission, page):
        return Access(self.page | {permission} if page else self.page, self.paths | {permission})


@dataclass(frozen=True)
class Mount:
    domain: str | None
    prefix: str
    name: str
    pieces: tuple
    access: Access | None = None  # None: a foreign app, whose permissions svc cannot know


@dataclass(frozen=True)
class MountTable:
    script_name: str  # where the urlmap itself is mounted
    mounts: tuple

    def url(self, mount):
        return self.script_name + mount.prefix


def pieces_of(app):
    """The svc pieces an app (or a filter in front of one) serves; () for a foreign app."""
    return tuple(getattr(app, "svc_pieces", ()))


def access_of(app):
    """What an app (or a filter in front of one) declares about permissions; None for a foreign app."""
    return getattr(app, "svc_access", None)


def declared_access(registry):
    """The permissions the views of a Pyramid app declare, where a security policy enforces them."""
    if registry.queryUtility(ISecurityPolicy) is None:
        return Access()
    rules = declared_route_rules(registry)
    roots = {route.name for route in registry.getUtility(IRoutesMapper).get_routes() if route.pattern in ("", "/")}
    page = {p for name in roots if name in rules for p in rules[name].permissions}
    paths = {p for rule in rules.values() for p in rule.permissions}
    return Access(frozenset(page - {NO_PERMISSION_REQUIRED}), frozenset(paths - {NO_PERMISSION_REQUIRED}))


class _RecordingLoader:
    """Passes loads to PasteDeploy's loader and remembers which name gave which app."""

    def __init__(self, loader):
        self._loader = loader
        self.names = {}

    def get_app(self, name, global_conf=None):
        app = self._loader.get_app(name, global_conf=global_conf)
        self.names[id(app)] = name
        return app

    def __getattr__(self, attr):
        return getattr(self._loader, attr)


class MountedURLMap:
    def __init__(self, urlmap, mounts):
        self.urlmap = urlmap
        self.mounts = mounts
        self._tables = {}  # one table per SCRIPT_NAME this map is reached under
        # rutter parses the Host header and normalises the path with two regexes on every request,
        # a tenth of a hello; with no domain mounts and a plain path its answer is this loop's.
        applications = urlmap.applications
        self._prefixes = None if any(domain for (domain, _), _ in applications) else tuple(
            (prefix, prefix + "/", app) for (_, prefix), app in applications
        )

    def __call__(self, environ, start_response):
        script_name = environ.get("SCRIPT_NAME", "")
        table = self._tables.get(script_name)
        if table is None:
            table = self._tables[script_name] = MountTable(script_name, self.mounts)
        environ[ENVIRON_KEY] = table
        path_info = environ.get("PATH_INFO", "")
        if self._prefixes is not None and path_info.startswith("/") and "//" not in path_info:
            for prefix, below, app in self._prefixes:  # rutter's order: longest prefix first
                if path_info == prefix or path_info.startswith(below):
                    environ["SCRIPT_NAME"] = script_name + prefix
                    environ["PATH_INFO"] = path_info[len(prefix):]
                    return app(environ, start_response)
        return self.urlmap(environ, start_response)


def not_found_app(environ, start_response):
    problem = status_problem(404, f"Nothing is mounted at {environ.get('PATH_INFO') or '/'}")
    return problem_json_response(problem)(environ, start_response)


def urlmap_factory(loader, global_conf, **local_conf):
    recording = _RecordingLoader(loader)
    urlmap = rutter_urlmap_factory(recording, global_conf, **local_conf)
    if "not_found_app" not in local_conf and not global_conf.get("not_found_app"):
        urlmap.not_found_application = not_found_app
    mounts = tuple(
        Mount(domain, prefix or "", recording.names.get(id(app), "?"), pieces_of(app), access_of(app))
        for (domain, prefix), app in sorted(urlmap.applications, key=lambda a: a[0][1])
    )
    return MountedURLMap(urlmap, mounts)


def apps_below(app, prefix=""):
    """``(domain, prefix, app)`` for ``app`` and every app it reaches: through filters and urlmaps.

    A filter (accesslog, auth, require) keeps the app it wraps in ``.app``; rutter's URLMap, bare
    or inside egg:svc#urlmap, keeps its mounts in ``.applications``. Anything else is a leaf.
    """
    yield None, prefix, app
    below = app.urlmap if isinstance(app, MountedURLMap) else app
    if isinstance(below, URLMap):
        for (domain, mount), mounted in below.applications:
            for found_domain, found_prefix, found in apps_below(mounted, prefix + (mount or "")):
                yield domain or found_domain, found_prefix, found
    elif callable(getattr(app, "app", None)):
        yield from apps_below(app.app, prefix)
