"""The sign-in, sign-out and who-am-I pages."""
from urllib.parse import urlsplit

from pyramid.csrf import new_csrf_token
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, view_config

from svc.auth.challenge import safe_came_from, sign_in_busy, sign_in_unavailable
from svc.auth.credentials import client_ip
from svc.auth.forward import check as forward_check
from svc.auth.identity import SERVICE_KEY, identity_of
from svc.auth.errors import SignInBusy, SignInRefused, SignInUnavailable, Throttled
from svc.auth.metrics import sign_in
from svc.web.errors import render_problem, wants_html
from svc.web.params import query
from svc.web.problems import Problem


def auth_service(request):
    service = request.environ.get(SERVICE_KEY)
    if service is None:
        raise Problem(
            503,
            "The auth pages need the egg:svc#auth filter in front of them; see README, auth",
            slug="auth-filter-missing",
        )
    return service


def _form(request, came_from, error=None, status=200, headers=None, user="", why=None, signed_out=False):
    service = auth_service(request)
    response = render_to_response(
        "auth_login.jinja2",
        {
            "came_from": came_from,
            "error": error,
            "identity": identity_of(request.environ),
            "user": user,
            "why": why,
            "signed_out": signed_out,
            "password_sign_in": service.settings.password_sign_in,
            "oidc": service.oidc,
        },
        request,
    )
    response.status = status
    response.cache_control = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


NEEDS_HTTPS = (
    "Sign-in needs HTTPS here: the session cookie is Secure (svc.auth.secure = true), so a browser "
    "would drop it over plain http. Use https://, or set svc.auth.secure = false for local development."
)


@view_config(route_name="auth.login", request_method="GET")
def login_form(request):
    """The form; a GET never reads credentials."""
    service = auth_service(request)
    error = NEEDS_HTTPS if service.settings.secure and request.scheme != "https" else None
    params = query(request)
    came_from = safe_came_from(params.get("came_from"), allowed_hosts=service.settings.allowed_redirect_hosts)
    return _form(
        request, came_from, error, why=_why(request, came_from, params.get("needs")), signed_out="signed_out" in params
    )


def _why(request, came_from, needs):
    """Why the browser was sent here; ``needs`` is shown only when a mounted app declares it."""
    if came_from == "/":
        return None
    path = urlsplit(came_from).path
    if needs in request.nav.known_permissions:
        return f"{path} needs the permission {needs}"
    return f"Sign in to open {path}"


@view_config(route_name="auth.login", request_method="POST", require_csrf=True)
def login(request):
    service = auth_service(request)
    came_from = safe_came_from(request.POST.get("came_from"), allowed_hosts=service.settings.allowed_redirect_hosts)
    if service.settings.secure and request.scheme != "https":
        return _refused(request, came_from, Problem(400, NEEDS_HTTPS, slug="https-required", title="HTTPS required"))
    if not service.settings.password_sign_in:
        detail = "Sign-in with a password is turned off here (svc.auth.password_sign_in); use the provider's button"
        return _refused(request, came_from, Problem(403, detail, slug="password-sign-in-off", title="Sign-in refused"))
    client = client_ip(request.environ, service.settings.trusted_proxies)
    try:
        with sign_in("form"):
            _, headers = service.sessions.sign_in(
                request, request.POST.get("user", ""), request.POST.get("password", ""), client
            )
    except Throttled as exc:
        return _refused(request, came_from, Problem(
            429, str(exc), slug="too-many-sign-ins", headers={"Retry-After": str(exc.retry_after)}
        ))
    except SignInBusy as exc:
        return _refused(request, came_from, sign_in_busy(exc.retry_after, str(exc)))
    except SignInUnavailable as exc:
        return _refused(request, came_from, sign_in_unavailable(exc.retry_after, str(exc)))
    except SignInRefused as exc:
        return _refused(request, came_from, Problem(400, str(exc), slug="sign-in-failed", title="Sign-in failed"))
    new_csrf_token(request)  # a fresh token for the signed-in browser
    response = HTTPSeeOther(location=came_from)
    response.headerlist.extend(headers)
    return response


def _typed_user(request):
    """The user name as typed, so a failed sign-in keeps it; never the password."""
    user = request.POST.get("user", "")
    return user if isinstance(user, str) else ""


def _refused(request, came_from, problem):
    """The same answer for every failure, whatever its cause: status, body and cookies."""
    if wants_html(request):
        return _form(request, came_from, problem.detail, problem.status, problem.headers, user=_typed_user(request))
    return render_problem(request, problem)


@view_config(route_name="auth.logout", request_method="POST", require_csrf=True)
def logout(request):
    service = auth_service(request)
    try:
        headers = service.sessions.sign_out(request, identity_of(request.environ))
    except SignInUnavailable as exc:
        return render_problem(request, sign_in_unavailable(exc.retry_after, str(exc)))
    new_csrf_token(request)
    response = HTTPSeeOther(location=request.route_path("auth.login", _query={"signed_out": "1"}))
    response.headerlist.extend(headers)
    return response


@view_config(route_name="auth.whoami", request_method="GET")
def whoami(request):
    auth_service(request)
    identity = identity_of(request.environ)
    if identity is None:
        raise Problem(401, "Nobody is signed in", slug="unauthorized")
    if wants_html(request):
        response = render_to_response("auth_whoami.jinja2", {"identity": identity}, request)
        response.cache_control = "no-store"
        return response
    response = render_to_response("json", identity.as_json(), request)
    response.cache_control = "no-store"
    return response


@view_config(route_name="auth.index", request_method="GET")
def index(request):
    """The piece's page: who is signed in, or the sign-in form."""
    if identity_of(request.environ) is not None:
        return HTTPSeeOther(location=request.route_path("auth.whoami"))
    return login_form(request)


@view_config(route_name="auth.check", request_method=("GET", "HEAD"))
def check(request):
    """Forward auth for nginx, Traefik and Caddy: an empty 200, 401 or 403 (svc/auth/forward.py)."""
    return forward_check(request.environ, auth_service(request))


@exception_view_config(BadCSRFToken)
@exception_view_config(BadCSRFOrigin)
def csrf_failed(exc, request):
    detail = "The form expired or was not sent by this site; reload the page and try again"
    return render_problem(request, Problem(400, detail, slug="csrf-failed", title="Form check failed"))
