"""Exception views: every error leaves as problem+json (or an HTML page for a browser)."""
import logging
import secrets
import traceback
from typing import NamedTuple

from pyramid.exceptions import URLDecodeError
from pyramid.httpexceptions import HTTPException, HTTPForbidden
from pyramid.renderers import render_to_response
from pyramid.security import NO_PERMISSION_REQUIRED

from svc.web.negotiation import wants_html
from svc.web.problems import Problem, problem_json_response, status_problem

log = logging.getLogger(__name__)


def render_problem(request, problem, traceback_text=None):
    if traceback_text is not None:
        problem.extensions["traceback"] = traceback_text
    if wants_html(request):
        response = render_to_response(
            "problem.jinja2", {"problem": problem.body(), "traceback": traceback_text}, request
        )
        response.status = problem.status
        for name, value in problem.headers.items():
            response.headers[name] = value
        return response
    return problem_json_response(problem, instance=request.path)


def problem_view(exc, request):
    return render_problem(request, exc)


def http_exception_view(exc, request):
    if exc.status_int < 400:
        return exc  # redirects and the like are not errors
    headers = {k: v for k, v in exc.headers.items() if k.lower() not in _BODY_HEADERS}
    return render_problem(request, status_problem(exc.status_int, exc.detail, headers))


_BODY_HEADERS = {"content-type", "content-length"}


def notfound_view(exc, request):
    rules = route_rules(request)
    if rules.methods and request.method not in rules.methods:
        for permission in rules.permissions:
            if not request.has_permission(permission):
                # A protected route tells its methods only to those who may use it.
                return _refuse(request, permission)
        detail = f"{request.method} is not allowed here; use {', '.join(rules.methods)}"
        return render_problem(request, status_problem(405, detail, {"Allow": ", ".join(rules.methods)}))
    detail = exc.detail
    if not detail or detail == request.path_info:  # the router's own message is just the path
        detail = f"Nothing is served at {request.path}"
    return render_problem(request, status_problem(404, detail))


def _refuse(request, permission):
    """The answer of the forbidden view (401 or 403 once auth is configured)."""
    try:
        raise HTTPForbidden(f"this needs the permission {permission}")
    except HTTPForbidden:
        return request.invoke_exception_view()


class RouteRules(NamedTuple):
    methods: tuple  # every method some view of the route accepts
    permissions: tuple  # the permissions those views declare


_NO_RULES = RouteRules((), ())


def route_rules(request):
    """The methods and permissions of the views of the route that matched."""
    route = request.matched_route
    if route is None:
        return _NO_RULES
    return declared_route_rules(request.registry).get(route.name, _NO_RULES)


def declared_route_rules(registry):
    """Route name -> RouteRules, for every route of the app."""
    table = getattr(registry, "svc_route_rules", None)
    if table is None:
        table = registry.svc_route_rules = _route_rules(registry)
    return table


def _route_rules(registry):
    methods, permissions = {}, {}
    for entry in registry.introspector.get_category("views") or ():
        view = entry["introspectable"]
        route, allowed = view["route_name"], view["request_methods"]
        if not route or not allowed:
            continue
        allowed = {allowed} if isinstance(allowed, str) else set(allowed)
        if "GET" in allowed:
            allowed.add("HEAD")  # Pyramid answers HEAD with the GET view
        methods.setdefault(route, set()).update(allowed)
        for related in entry["related"]:
            value = related["value"] if related.category_name == "permissions" else None
            # A view open to all (CORS preflights) hides no method behind a permission.
            if isinstance(value, str) and value != NO_PERMISSION_REQUIRED:
                permissions.setdefault(route, set()).add(value)
    return {
        route: RouteRules(tuple(sorted(allowed)), tuple(sorted(permissions.get(route, ()))))
        for route, allowed in methods.items()
    }


def undecodable_path_view(exc, request):
    return render_problem(request, status_problem(400, "The request path is not valid UTF-8"))


def unhandled_view(exc, request):
    """A bug: log the whole traceback under an incident id, and show it only in debug."""
    incident = secrets.token_hex(8)
    text = "".join(traceback.format_exception(*request.exc_info))
    log.error("incident %s: %s %s failed\n%s", incident, request.method, request.path, text)
    problem = Problem(
        500,
        f"An internal error occurred. Quote incident {incident} when you report it.",
        slug="internal-error",
        incident=incident,
    )
    debug = request.registry.settings["svc"].debug
    return render_problem(request, problem, traceback_text=text if debug else None)


def includeme(config):
    config.add_exception_view(problem_view, context=Problem)
    config.add_exception_view(http_exception_view, context=HTTPException)
    config.add_notfound_view(notfound_view)
    config.add_exception_view(undecodable_path_view, context=URLDecodeError)
    config.add_exception_view(unhandled_view, context=Exception)
