"""The Pyramid security policy of every svc app: the identity is whatever the auth filter found.

``permission="fetch"`` on a view then works. A denied anonymous caller gets a 401, which the
auth filter in front turns into a sign-in challenge; a denied signed-in caller gets a 403.
"""
from pyramid.security import Allowed, Denied

from svc.auth.identity import NEEDED_KEY, identity_of
from svc.web.errors import render_problem
from svc.web.problems import permission_lacking, sign_in_needed


class FilterSecurityPolicy:
    """Reads ``environ['svc.identity']``; signing in and out is the filter's job, not Pyramid's."""

    def identity(self, request):
        return identity_of(request.environ)

    def authenticated_userid(self, request):
        identity = identity_of(request.environ)
        return identity.name if identity is not None else None

    def permits(self, request, context, permission):
        identity = identity_of(request.environ)
        if identity is not None and identity.permits(permission):
            return Allowed("%s holds the permission %s", identity.name, permission)
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


def includeme(config):
    config.set_security_policy(FilterSecurityPolicy())
    config.add_forbidden_view(forbidden_view)
