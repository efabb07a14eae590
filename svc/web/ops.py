"""``egg:svc#ops``: what operators need, outermost in the pipeline, for any mount layout.

- every request gets an id: the one the front door took from a trusted proxy's X-Request-ID,
  else a new one; it is echoed in ``X-Request-ID``, set for every log line of the request
  (svc.web.logs), and the caller's header is removed so no app sends it on;
- per request, a counter and a latency histogram by mount, route name, method, status class;
- ``/livez`` (the process serves), ``/readyz`` (the checks of every app and filter below),
  ``/healthz`` (readyz plus the mount table) and ``/metrics`` (Prometheus), none behind sign-in.
"""
import ipaddress
import json
import time
from importlib.metadata import PackageNotFoundError, version

from svc.web.health import ReadinessRunner, checks_below
from svc.web.logs import REQUEST_ID, REQUEST_ID_KEY, new_request_id
from svc.web.metrics import exposition, observe_request
from svc.web.mounts import MountedURLMap, apps_below, pieces_of
from svc.web.problems import problem_json_response, status_problem
from svc.web.settings import SettingError, SettingsSpec, as_bool, as_list, as_seconds, as_text

HEALTHZ_KEY = "svc.healthz"  # where /healthz is, for the index page
ROUTE_KEY = "svc.route"  # set by the Pyramid app that answered: its matched route's name

SETTINGS = SettingsSpec(
    "ops",
    metrics=(as_bool, True),
    metrics_allow=(as_list, ("127.0.0.1", "::1")),
    metrics_permission=(as_text, ""),
    ready_timeout=(as_seconds(0, 60), 2.0),
)


class Operations:
    def __init__(self, app, settings):
        self.app = app
        self.svc_pieces = pieces_of(app)
        self.svc_access = getattr(app, "svc_access", None)
        self.metrics = settings.metrics
        self.allow = _networks(settings.metrics_allow)
        self.permission = settings.metrics_permission
        layers = list(apps_below(app))
        # The longest mount prefix first, so /dns/x is counted under /dns, not /.
        self.prefixes = sorted({prefix for _, prefix, _ in layers}, key=len, reverse=True)
        self.mounts = [
            {"path": prefix + mount.prefix or "/", "app": mount.name, "pieces": list(mount.pieces)}
            for _, prefix, layer in layers
            if isinstance(layer, MountedURLMap)
            for mount in layer.mounts
        ] or [{"path": "/", "app": "main", "pieces": list(self.svc_pieces)}]
        self.identify = next((layer.svc_permissions for _, _, layer in layers if hasattr(layer, "svc_permissions")), None)
        self.readiness = ReadinessRunner(checks_below(app), settings.ready_timeout)
        # Metrics an app or filter computes when scraped (svc_collectors), e.g. auth's active sessions.
        self.collectors = tuple(c for _, _, layer in layers for c in getattr(layer, "svc_collectors", ()))
        self.endpoints = {"/livez": self.livez, "/readyz": self.readyz, "/healthz": self.healthz}
        if self.metrics:
            self.endpoints["/metrics"] = self.serve_metrics
        try:
            self.version = version("svc")
        except PackageNotFoundError:  # running from a tree that was never installed
            self.version = "0"

    def __call__(self, environ, start_response):
        request_id = environ.get(REQUEST_ID_KEY) or new_request_id()
        environ[REQUEST_ID_KEY] = request_id
        environ.pop("HTTP_X_REQUEST_ID", None)  # only the front door may pass one in
        REQUEST_ID.set(request_id)
        id_header = ("X-Request-ID", request_id)
        status = ["500"]

        def stamped_start_response(status_line, headers, exc_info=None):
            status[0] = status_line[:3]
            return start_response(status_line, [*headers, id_header], exc_info)  # the app's list may be shared

        environ[HEALTHZ_KEY] = environ.get("SCRIPT_NAME", "") + "/healthz"  # for the index page's link
        endpoint = self.endpoints.get(environ.get("PATH_INFO", ""))
        if endpoint is not None:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                problem = status_problem(405, "This path answers GET and HEAD", headers={"Allow": "GET, HEAD"})
                return problem_json_response(problem)(environ, stamped_start_response)
            return endpoint(environ, stamped_start_response)
        if not self.metrics:
            return self.app(environ, stamped_start_response)
        started = time.perf_counter()
        mount = self.mount_of(environ.get("PATH_INFO", ""))

        def observe():
            seconds = time.perf_counter() - started
            observe_request(mount, environ.get(ROUTE_KEY, "none"), environ.get("REQUEST_METHOD", ""), status[0], seconds)

        try:
            body = self.app(environ, stamped_start_response)
        except BaseException:
            observe()
            raise
        if type(body) is list:
            observe()
            return body
        return _ClosingBody(body, observe)

    def mount_of(self, path):
        for prefix in self.prefixes:
            if path == prefix or path.startswith(prefix + "/") or not prefix:
                return prefix or "/"
        return "/"

    def livez(self, environ, start_response):
        return _json(start_response, 200, {"status": "ok"})

    def readyz(self, environ, start_response):
        ready, checks = self.readiness.run()
        return _json(start_response, 200 if ready else 503, {"status": "ok" if ready else "fail", "checks": checks})

    def healthz(self, environ, start_response):
        ready, checks = self.readiness.run()
        body = {"status": "ok" if ready else "fail", "version": self.version, "checks": checks, "mounts": self.mounts}
        return _json(start_response, 200 if ready else 503, body)

    def serve_metrics(self, environ, start_response):
        refusal = self.metrics_refusal(environ)
        if refusal is not None:
            return problem_json_response(refusal)(environ, start_response)
        body, content_type = exposition(self.collectors)
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
        return [body]

    def metrics_refusal(self, environ):
        """None when the caller may read /metrics: from an allowed address, or holding the permission."""
        if self.allow is ALL or _address_in(environ.get("REMOTE_ADDR", ""), self.allow):
            return None
        if not self.permission or self.identify is None:
            return status_problem(403, "Metrics are not served to this address")
        permissions = self.identify(environ)
        if permissions is None:
            return status_problem(401, "Sign in to read the metrics", headers={"WWW-Authenticate": 'Basic realm="svc"'})
        if self.permission not in permissions:
            return status_problem(403, f"Reading the metrics needs the {self.permission} permission")
        return None


ALL = "*"


def _networks(entries):
    if "*" in entries:
        return ALL
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address_in(address, networks):
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _json(start_response, status, body):
    data = json.dumps(body).encode()
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data))), ("Cache-Control", "no-store")],
    )
    return [data]


class _ClosingBody:
    """A streamed body; the request is counted when the server closes it (its last byte sent)."""

    __slots__ = ("body", "on_close")

    def __init__(self, body, on_close):
        self.body = body
        self.on_close = on_close

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.on_close()


def route_name_tween_factory(handler, registry):
    """Leaves the matched route's name in the environ, where egg:svc#ops labels the request."""

    def route_name_tween(request):
        try:
            return handler(request)
        finally:
            route = getattr(request, "matched_route", None)
            if route is not None:
                request.environ[ROUTE_KEY] = route.name

    return route_name_tween


def filter_factory(global_conf, **local_conf):
    """``[filter:ops] use = egg:svc#ops``; its settings are in its own section (see production.ini)."""
    given = {f"ops.{key}": value for key, value in local_conf.items()}
    settings = SETTINGS.parse(given, strict=True)
    try:
        _networks(settings.metrics_allow)
    except ValueError as exc:
        raise SettingError(f"setting metrics_allow = {local_conf.get('metrics_allow')!r} is malformed: {exc}") from None

    def make_filter(app):
        return Operations(app, settings)

    return make_filter
