"""The auth piece: sign-in pages and the admin API, served behind the ``egg:svc#auth`` filter.

The filter (svc.auth.middleware) does the signing in for every app behind it; this piece is
the app mounted at ``/auth`` that shows the forms and manages users. It reaches the store
through the filter (``environ['svc.auth']``), so both always agree on settings and secret.
"""
from pyramid.interfaces import ICSRFStoragePolicy
from zope.interface import implementer

from svc.auth.openapi import PATHS, SCHEMAS
from svc.auth.views import auth_service


@implementer(ICSRFStoragePolicy)
class FilterCSRFStoragePolicy:
    """Pyramid's cookie CSRF policy, configured by the filter (its Secure flag follows svc.auth.secure)."""

    def new_csrf_token(self, request):
        return auth_service(request).csrf_policy.new_csrf_token(request)

    def get_csrf_token(self, request):
        return auth_service(request).csrf_policy.get_csrf_token(request)

    def check_csrf_token(self, request, supplied_token):
        return auth_service(request).csrf_policy.check_csrf_token(request, supplied_token)


def includeme(config):
    # The admin API is gated by permission="admin" even where svc.enforce_permissions is off.
    config.include("svc.auth.policy")
    config.set_csrf_storage_policy(FilterCSRFStoragePolicy())
    # Over https Pyramid also checks Origin/Referer; curl sends neither, so a missing one is let
    # through (the token is still checked) while a foreign one is refused.
    config.set_default_csrf_options(require_csrf=False, allow_no_origin=True)
    config.add_route("auth.index", "/")
    config.add_route("auth.login", "/login")
    config.add_route("auth.logout", "/logout")
    config.add_route("auth.whoami", "/whoami")
    config.add_route("auth.check", "/check")
    config.add_route("auth.oidc.start", "/oidc/start")
    config.add_route("auth.oidc.callback", "/oidc/callback")
    config.add_route("auth.admin.users", "/admin/users")
    config.add_route("auth.admin.user", "/admin/users/{name}")
    config.add_route("auth.admin.password", "/admin/users/{name}/password")
    config.add_route("auth.admin.sessions", "/admin/users/{name}/sessions")
    config.add_route("auth.admin.groups", "/admin/groups")
    config.add_route("auth.admin.group", "/admin/groups/{name}")
    config.add_route("auth.admin.member", "/admin/groups/{name}/members/{user}")
    config.add_route("auth.admin.grants", "/admin/grants")
    config.add_route("auth.admin.grant", "/admin/grants/{subject}/{permission}")
    config.add_route("auth.admin.tokens", "/admin/tokens")
    config.add_route("auth.admin.token", "/admin/tokens/{id}")
    config.add_route("auth.admin.htpasswd", "/admin/htpasswd")
    config.add_route("auth.admin.audit", "/admin/audit")
    # The HTML console and the account page (svc/auth/console.py), on the same service calls as the API.
    config.add_route("auth.console", "/admin")
    config.add_route("auth.account", "/account")
    config.add_openapi(PATHS, SCHEMAS)
    config.scan("svc.auth.views")
    config.scan("svc.auth.oidc_views")
    config.scan("svc.auth.admin")
    config.scan("svc.auth.console")
