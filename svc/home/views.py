import os

from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from svc.auth.identity import SERVICE_KEY
from svc.auth.policy import rate_limited_problem
from svc.auth.public import RateLimited
from svc.config import PIECES
from svc.home.echo import METHODS as ECHO_METHODS
from svc.home.echo import describe
from svc.web.mounts import ENVIRON_KEY, declared_access
from svc.web.params import query
from svc.web.problems import Problem

_FAVICON = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "favicon.ico")


def greeting(name):
    return f"Hello WWW, hey {name}"


@view_config(route_name="home.hello", request_method="GET")
def hello(request):
    name = query(request).get("name")
    if not name:
        raise Problem(404, "No name given: add ?name=you or use /hello/you", slug="no-name")
    return Response(greeting(name), content_type="text/plain", charset="utf-8")


@view_config(route_name="home.hello_name", request_method="GET")
def hello_name(request):
    return Response(greeting(request.matchdict["name"]), content_type="text/plain", charset="utf-8")


@view_config(route_name="home.echo", request_method=ECHO_METHODS, renderer="json")
def echo(request):
    """The request as svc sees it; counted like other anonymous traffic when the auth filter is in front."""
    service = request.environ.get(SERVICE_KEY)
    if service is not None:
        try:
            service.public.count(request.environ)
        except RateLimited as exc:
            raise rate_limited_problem(exc) from None
    request.response.cache_control = "no-store"
    return describe(request)


@view_config(route_name="home.favicon", request_method="GET")
def favicon(request):
    return FileResponse(_FAVICON, request=request, content_type="image/x-icon", cache_max_age=86400)


def mount_rows(request):
    """What is mounted where, as links that stay right wherever the ini mounts things."""
    table = request.environ.get(ENVIRON_KEY)
    if table is None:  # not under egg:svc#urlmap: list the pieces of this app only
        return [
            _row(request.script_name + prefix, (name,), declared_access(request.registry))
            for name, prefix in request.svc_pieces
        ]
    return [_row(table.url(m), m.pieces, m.access, m.domain) for m in table.mounts]


def _row(path, pieces, access, domain=None):
    return {
        "path": path or "/",
        "base": path.rstrip("/"),
        "domain": domain,
        "pieces": [{"name": p, "about": PIECES[p].about} for p in pieces if p in PIECES],
        "svc": bool(pieces),
        "access": _access_text(access),
    }


def _access_text(access):
    """Whether a person must sign in to use a mount, from the permissions its apps declare."""
    if access is None:
        return "not known"
    if access.page:
        return "sign in: needs " + ", ".join(sorted(access.page))
    if access.paths:
        return "open; some paths need " + ", ".join(sorted(access.paths))
    return "open"


@view_config(route_name="home.index", request_method="GET", renderer="index.jinja2")
def index(request):
    return {"mounts": mount_rows(request)}
