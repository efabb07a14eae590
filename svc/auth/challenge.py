"""What the filter answers instead of an app's 401: a redirect for people, a challenge for programs."""
from urllib.parse import quote, urlencode, urlsplit

from webob import Response

from svc.web.negotiation import wants_html
from svc.web.problems import Problem, permission_lacking, problem_json_response
from svc.web.request import raw_path

MAX_CAME_FROM = 2048


def safe_came_from(value, default="/", allowed_hosts=()):
    """``value`` when it is a path on this site, or an http(s) URL on ``allowed_hosts`` (a name, or
    ``.parent`` for any host below it; svc.auth.allowed_redirect_hosts), else ``default``."""
    if not isinstance(value, str) or not value or len(value) > MAX_CAME_FROM:
        return default
    if any(c < " " or c in "\x7f\\" for c in value):  # browsers drop tabs and newlines and read \ as /
        return default
    if allowed_hosts and _on_allowed_host(value, allowed_hosts):
        return value
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def _on_allowed_host(url, allowed_hosts):
    try:
        parts = urlsplit(url)
        hostname, _port = parts.hostname, parts.port  # a malformed port raises ValueError
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not hostname or "@" in parts.netloc:
        return False
    return any(hostname == h.lower() or (h.startswith(".") and hostname.endswith(h.lower())) for h in allowed_hosts)


def is_browser(request):
    """A person's browser navigating: it ranks text/html above JSON and is not a script's XHR/fetch."""
    if request.headers.get("X-Requested-With", "").lower() == "xmlhttprequest":
        return False
    if request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate":
        return False
    return wants_html(request)


def came_from_of(environ):
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    query = environ.get("QUERY_STRING", "")
    return safe_came_from(path + ("?" + query if query else ""))


class Challenger:
    """Builds the answers that ask the caller to sign in, or tell them they may not."""

    def __init__(self, realm, login_path):
        self.basic = f'Basic realm="{realm}", charset="UTF-8"'
        self.bearer = f'Bearer realm="{realm}"'
        self.login_path = login_path

    def login_url(self, environ):
        return environ.get("SCRIPT_NAME", "") + self.login_path

    def challenge(self, request, identity, permission=None):
        """The answer to an app's bare 401; ``permission``, when known, tells the sign-in page why."""
        if identity is not None:
            return self.forbidden(request, identity)
        if is_browser(request):
            query = {"came_from": came_from_of(request.environ)}
            if permission:
                query["needs"] = permission
            location = self.login_url(request.environ) + "?" + urlencode(query)
            return Response(status=302, location=location, cache_control="no-store")
        return self.unauthorized(
            request,
            "Sign in with Basic credentials, a Bearer token, or the form at " + self.login_url(request.environ),
        )

    def unauthorized(self, request, detail, bearer_error=None):
        response = _problem(request, Problem(401, detail, slug="unauthorized"))
        response.headers.add("WWW-Authenticate", self.basic)
        bearer = self.bearer + (f', error="{bearer_error}"' if bearer_error else "")
        response.headers.add("WWW-Authenticate", bearer)
        return response

    def forbidden(self, request, identity, permission=None):
        return _problem(request, permission_lacking(identity.name, permission))

    def cross_site(self, request):
        detail = (
            "A signed-in browser may change things only from this site's own pages "
            "(same Origin, or the X-CSRF-Token header)"
        )
        return _problem(request, Problem(403, detail, slug="cross-site-request", title="Cross-site request refused"))

    def malformed(self, request, detail):
        return _problem(request, Problem(400, detail, slug="malformed-credentials", title="Malformed credentials"))

    def too_large(self, request, limit):
        detail = f"The Authorization header is longer than {limit} bytes"
        return _problem(request, Problem(431, detail, slug="headers-too-large"))

    def throttled(self, request, retry_after, detail):
        problem = Problem(429, detail, slug="too-many-sign-ins", headers={"Retry-After": str(retry_after)})
        return _problem(request, problem)

    def busy(self, request, retry_after, detail):
        return _problem(request, sign_in_busy(retry_after, detail))

    def unavailable(self, request, retry_after, detail):
        return _problem(request, sign_in_unavailable(retry_after, detail))


def sign_in_busy(retry_after, detail):
    """Every password-hashing slot is taken (the filter and the form answer alike)."""
    return Problem(
        503, detail, slug="sign-in-busy", title="Too many sign-ins at once", headers={"Retry-After": str(retry_after)}
    )


def sign_in_unavailable(retry_after, detail):
    """The database or Redis is down: nobody can be checked, so nobody is let in (fail closed)."""
    return Problem(
        503, detail, slug="sign-in-unavailable", title="Sign-in unavailable", headers={"Retry-After": str(retry_after)}
    )


def _problem(request, problem):
    response = problem_json_response(problem, instance=raw_path(request.environ))
    response.cache_control = "no-store"
    return response
