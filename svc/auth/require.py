"""Authorization for apps that know nothing of svc: the ``egg:svc#require`` filter and ``@require``.

Both read the identity the auth filter put in the environ. An anonymous caller gets a 401,
which the auth filter in front turns into a sign-in challenge; a signed-in caller without the
permission gets a 403. Without the auth filter in front everyone is anonymous: they fail closed.
"""
import functools
import posixpath
from urllib.parse import unquote

from pyramid.httpexceptions import HTTPForbidden

from svc.auth.identity import NEEDED_KEY, identity_of
from svc.auth.names import InvalidName, check_permission
from svc.auth.policy import rate_limited_problem
from svc.auth.public import RateLimited, permits
from svc.web.mounts import Access, access_of
from svc.web.problems import permission_lacking, problem_json_response, sign_in_needed
from svc.web.settings import SettingError, as_list


class PermissionDenied(HTTPForbidden):
    """Raised where ``permission`` is missing; the auth filter answers 401 (anonymous) or 403.

    It is an HTTPForbidden, so inside a Pyramid app the forbidden view answers it the same way.
    """

    def __init__(self, permission):
        self.permission = permission
        super().__init__(f"This needs the permission {permission}")


def require(permission):
    """Decorate a WSGI app, or any callable whose first argument is an environ or a request."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(first, *args, **kwargs):
            environ = first if isinstance(first, dict) else getattr(first, "environ", None)
            if environ is None:
                raise TypeError("@require needs an environ or a request as the first argument")
            if not permits(environ, permission):
                raise PermissionDenied(permission)
            return func(first, *args, **kwargs)

        return wrapper

    return decorate


def normalise_path(path_info):
    """PATH_INFO as a router could read it: %-escapes decoded, dot segments and // removed, lowercase."""
    path = path_info
    for _ in range(3):  # a doubly encoded %252F must not slip past either
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    path = posixpath.normpath("/" + path.replace("\\", "/"))
    path = "/" + path.lstrip("/")  # normpath keeps a leading //
    return path.lower()


class RequirePermission:
    """Answers 401/403 unless the caller holds ``permission``, on every path under ``paths``."""

    def __init__(self, app, permission, paths=("/",)):
        self.app = app
        self.permission = permission
        self.prefixes = tuple(normalise_path(p).rstrip("/") for p in paths)
        self.svc_pieces = getattr(app, "svc_pieces", ())
        self.svc_access = (access_of(app) or Access()).plus(permission, page=self.covers("/"))

    def covers(self, path_info):
        path = normalise_path(path_info)
        return any(not prefix or path == prefix or path.startswith(prefix + "/") for prefix in self.prefixes)

    def __call__(self, environ, start_response):
        if self.covers(environ.get("PATH_INFO", "")):
            try:
                if permits(environ, self.permission):
                    return self.app(environ, start_response)
            except RateLimited as exc:
                return problem_json_response(rate_limited_problem(exc))(environ, start_response)
            identity = identity_of(environ)
            if identity is None:
                environ[NEEDED_KEY] = self.permission
                return problem_json_response(sign_in_needed(self.permission))(environ, start_response)
            return problem_json_response(permission_lacking(identity.name, self.permission))(environ, start_response)
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    """``[filter:...] use = egg:svc#require`` with ``permission = fetch`` and optionally ``paths = /a /b``."""
    unknown = set(local_conf) - {"permission", "paths"}
    if unknown:
        raise SettingError(f"egg:svc#require knows permission and paths, not {', '.join(sorted(unknown))}")
    permission = local_conf.get("permission", "").strip()
    try:
        check_permission(permission)
    except InvalidName as exc:
        raise SettingError(f"egg:svc#require permission = {permission!r}: {exc}") from None
    paths = as_list(local_conf.get("paths", "/"))
    if not paths or not all(p.startswith("/") for p in paths):
        raise SettingError(f"egg:svc#require paths = {local_conf.get('paths')!r}: each path starts with /")

    def make_filter(app):
        return RequirePermission(app, permission, paths)

    return make_filter
