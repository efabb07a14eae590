"""The Pyramid security policy of every svc app: the identity is whatever the auth filter found.

``permission="fetch"`` on a view then works. A denied anonymous caller gets a 401, which the
auth filter in front turns into a sign-in challenge; a denied signed-in caller gets a 403.
"""
from pyramid.security import Allowed, Denied

from svc.auth import public
from svc.auth.identity import NEEDED_KEY, identity_of
from svc.web.errors import render_problem
from svc.web.problems import Problem, permission_lacking, sign_in_needed


class FilterSecurityPolicy:
    """Reads ``environ['svc.identity']``; signing in and out is the filter's job, not Pyramid's."""

    def identity(self, request):
        return identity_of(request.environ)

    def authenticated_userid(self, request):
        identity = identity_of(request.environ)
        return identity.name if identity is not None else None

    def permits(self, request, context, permission):
        if public.permits(request.environ, permission):
            return Allowed("the caller holds the permission %s, or it is public", permission)
        denied = Denied("the permission %s is needed", permission)
        denied.permission = permission
        return denied

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


def forbidden_view(exc, request):
    permission = getattr(exc, "permission", None) or getattr(exc.result, "permission", None)
    identity = identity_of(request.environ)
    if identity is None:
        request.environ[NEEDED_KEY] = permission
        return render_problem(request, sign_in_needed(permission))
    return render_problem(request, permission_lacking(identity.name, permission))


def rate_limited_view(exc, request):
    return render_problem(request, rate_limited_problem(exc))


def rate_limited_problem(exc):
    return Problem(429, str(exc), slug="rate-limited", title="Too many requests",
                   headers={"Retry-After": str(exc.retry_after)})


def includeme(config):
    config.set_security_policy(FilterSecurityPolicy())
    config.add_forbidden_view(forbidden_view)
    config.add_exception_view(rate_limited_view, context=public.RateLimited)
