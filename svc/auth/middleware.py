"""``egg:svc#auth``: the WSGI filter that signs callers in and challenges when an app answers 401.

In the style of repoze.who: identify (signed cookie, then Basic, then Bearer), authenticate
against the store, and challenge only when the app downstream answers 401. Works in front of
any WSGI app, Pyramid or not; apps learn who the caller is from ``REMOTE_USER`` and
``environ['svc.identity']`` (name, groups, permissions), never from the caller's own
identity headers or Authorization header, which the filter removes.
"""
import re

from webob import Request

from svc.auth.challenge import Challenger
from svc.auth.credentials import BasicCredentials, MalformedCredentials, client_ip, parse_authorization
from svc.auth.identity import IDENTITY_HEADERS, IDENTITY_KEY, LOGIN_URL_KEY, NEEDED_KEY, SERVICE_KEY, environ_keys
from svc.auth.login_path import login_path
from svc.auth.metrics import ActiveSessions, sign_in
from svc.auth.readiness import readiness_checks
from svc.auth.origin import SAFE_METHODS, is_same_origin
from svc.auth.permissions import known_permissions
from svc.auth.policy import rate_limited_problem
from svc.auth.public import RateLimited
from svc.auth.require import PermissionDenied, normalise_path
from svc.auth.errors import InvalidToken, SignInBusy, SignInRefused, SignInUnavailable, Throttled
from svc.auth.service import AuthService
from svc.auth.settings import auth_settings
from svc.web import RELAYED_KEY
from svc.web.problems import problem_json_response

AUTH_TYPES = {"cookie": "cookie", "basic": "Basic", "bearer": "Bearer"}
_SLASHES = re.compile("/+")


class _HeaderTooLarge(Exception):
    """The Authorization header is over max_authorization_bytes: answered before parsing it."""


class AuthFilter:
    """Identifies the caller for ``app`` and challenges the 401s it answers."""

    def __init__(self, app, service):
        self.app = app
        self.service = service
        self.challenger = Challenger(service.settings.realm, login_path(app, service.settings.login_path))
        self.max_authorization = service.settings.max_authorization_bytes
        self.svc_pieces = getattr(app, "svc_pieces", ())  # the index sees through the filter
        settings = service.settings
        self.strip_keys, self.strip_prefixes = environ_keys(IDENTITY_HEADERS + settings.strip_headers)
        self.pass_paths = tuple((p.rstrip("/"), normalise_path(p).rstrip("/")) for p in settings.pass_authorization)
        self.svc_access = getattr(app, "svc_access", None)
        self.svc_readiness = readiness_checks(service)  # egg:svc#ops finds them here
        self.svc_collectors = (ActiveSessions(service),)  # ... and its scrape-time metrics

    def __call__(self, environ, start_response):
        self.strip(environ)
        environ[SERVICE_KEY] = self.service
        environ[LOGIN_URL_KEY] = self.challenger.login_url(environ)
        environ[IDENTITY_KEY] = None
        request = _LazyRequest(environ)
        try:
            identity, cookie_headers = self.identify(environ)
        except _HeaderTooLarge:
            return self.challenger.too_large(request, self.max_authorization)(environ, start_response)
        except MalformedCredentials as exc:
            return self.challenger.malformed(request, str(exc))(environ, start_response)
        except Throttled as exc:
            return self.challenger.throttled(request, exc.retry_after, str(exc))(environ, start_response)
        except SignInBusy as exc:
            return self.challenger.busy(request, exc.retry_after, str(exc))(environ, start_response)
        except SignInUnavailable as exc:
            return self.challenger.unavailable(request, exc.retry_after, str(exc))(environ, start_response)
        except InvalidToken as exc:
            return self.challenger.unauthorized(request, str(exc), "invalid_token")(environ, start_response)
        except SignInRefused as exc:
            return self.challenger.unauthorized(request, str(exc))(environ, start_response)
        if identity is not None:
            if identity.method == "cookie" and not self.from_own_pages(environ):
                return self.challenger.cross_site(request)(environ, start_response)
            environ["REMOTE_USER"] = identity.name
            environ["AUTH_TYPE"] = AUTH_TYPES[identity.method]
            environ[IDENTITY_KEY] = identity
        if not self.passes_authorization(environ.get("PATH_INFO", "")):
            environ.pop("HTTP_AUTHORIZATION", None)  # the caller's password or token is for svc alone
        return self.call_app(environ, request, identity, cookie_headers, start_response)

    def svc_permissions(self, environ):
        """The caller's permissions, None when anonymous or refused: for egg:svc#ops's /metrics above."""
        try:
            identity, _ = self.identify(environ)
        except (_HeaderTooLarge, MalformedCredentials, SignInRefused, SignInBusy):
            return None
        return None if identity is None else identity.permissions

    def strip(self, environ):
        """Remove what only the filter and svc's own apps may set."""
        for key in self.strip_keys:
            environ.pop(key, None)
        if self.strip_prefixes:
            for key in [key for key in environ if key.startswith(self.strip_prefixes)]:
                del environ[key]
        environ.pop(RELAYED_KEY, None)

    def from_own_pages(self, environ):
        """A cookie is sent whoever starts the request: an unsafe one must prove it came from svc's pages."""
        if environ.get("REQUEST_METHOD", "GET") in SAFE_METHODS:
            return True
        return is_same_origin(environ, self.service.settings.trusted_proxies, self.service.csrf_policy)

    def passes_authorization(self, path_info):
        """True under a mount that opted in (svc.auth.pass_authorization), read as the urlmap routes
        the path and as a router behind it may normalise it: both must agree."""
        if not self.pass_paths:
            return False
        routed, normal = _SLASHES.sub("/", path_info), normalise_path(path_info)
        return any(_under(routed, raw) and _under(normal, normalised) for raw, normalised in self.pass_paths)

    def identify(self, environ):
        identification = self.service.identification
        identity, cookie_headers = identification.from_cookie(environ)
        if identity is not None:
            return identity, cookie_headers
        header = environ.get("HTTP_AUTHORIZATION")
        if not header:
            return None, cookie_headers
        if len(header) > self.max_authorization:
            raise _HeaderTooLarge()
        identity = identification.cached_basic(header)
        if identity is not None:
            return identity, cookie_headers
        credentials = parse_authorization(header)
        if credentials is None:
            return None, cookie_headers  # a scheme of the app's own, such as Digest
        if isinstance(credentials, BasicCredentials):
            client = client_ip(environ, self.service.settings.trusted_proxies)
            with sign_in("basic"):
                return identification.from_basic(header, credentials, client), cookie_headers
        with sign_in("bearer"):
            return identification.from_bearer(credentials.token), cookie_headers

    def call_app(self, environ, request, identity, extra_headers, start_response):
        started = []
        written = []

        def capture(status, headers, exc_info=None):
            started[:] = [status, headers, exc_info]
            return written.append

        try:
            body = self.app(environ, capture)
            if not started:  # a generator app starts its response on the first iteration
                body = _Primed(body)
        except PermissionDenied as exc:
            response = self.denied(request, identity, exc.permission)
            response.headerlist.extend(extra_headers)
            return response(environ, start_response)
        except RateLimited as exc:  # raised by @require on a public permission
            return problem_json_response(rate_limited_problem(exc))(environ, start_response)
        status, headers, exc_info = started
        if status.startswith("401") and not _has_challenge(headers) and not environ.get(RELAYED_KEY):
            _close(body)  # the app's own 401 body is replaced, so it is closed here
            response = self.challenger.challenge(request, identity, environ.get(NEEDED_KEY))
            response.headerlist.extend(extra_headers)
            return response(environ, start_response)
        start_response(status, headers + extra_headers if extra_headers else headers, exc_info)
        if written:
            return _Prepended(written, body)
        return body

    def denied(self, request, identity, permission):
        if identity is None:
            return self.challenger.challenge(request, None, permission)
        return self.challenger.forbidden(request, identity, permission)


class _LazyRequest:
    """A WebOb Request of the environ as it arrived, made only if an answer needs one.

    The apps below move SCRIPT_NAME and PATH_INFO; a challenge needs them as they came.
    """

    def __init__(self, environ):
        self._environ = environ
        self._arrived = {key: environ.get(key, "") for key in ("SCRIPT_NAME", "PATH_INFO")}
        self._request = None

    def __getattr__(self, name):
        if self._request is None:
            self._request = Request({**self._environ, **self._arrived})
        return getattr(self._request, name)


def _under(path, prefix):
    return not prefix or path == prefix or path.startswith(prefix + "/")


def _has_challenge(headers):
    return any(name.lower() == "www-authenticate" for name, _ in headers)


def _close(body):
    close = getattr(body, "close", None)
    if close is not None:
        close()


class _Primed:
    """An app's iterable with its first chunk already pulled, so start_response has been called."""

    def __init__(self, body):
        self._body = body
        self._iterator = iter(body)
        try:
            self._first = [next(self._iterator)]
        except StopIteration:
            self._first = []
        except BaseException:
            _close(body)
            raise

    def __iter__(self):
        yield from self._first
        yield from self._iterator

    def close(self):
        _close(self._body)


class _Prepended:
    """What an app wrote with the legacy write() callable, then its iterable."""

    def __init__(self, written, body):
        self._written = written
        self._body = body

    def __iter__(self):
        yield from self._written
        yield from self._body

    def close(self):
        _close(self._body)


def filter_factory(global_conf, **local_conf):
    """``[filter:auth] use = egg:svc#auth``; its settings are the ``svc.auth.*`` keys."""
    service = AuthService.from_settings(auth_settings(global_conf, local_conf))

    def make_filter(app):
        # What may be granted: the permissions the apps below check and the forward rules name.
        service.known_permissions |= known_permissions(app, service.settings)
        return AuthFilter(app, service)

    make_filter.service = service  # svc-admin reaches the store through the ini's own filter
    return make_filter
