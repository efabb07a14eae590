"""Where the auth filter sends browsers to sign in: found below it at start-up, so remounting works.

The auth app's sign-in route is ``auth.login``; its path is the mount's prefix (egg:svc#urlmap or
rutter's) plus the route's pattern. ``svc.auth.login_path`` overrides it, for a form elsewhere.
"""
from pyramid.interfaces import IRoutesMapper

from svc.web.mounts import apps_below
from svc.web.settings import SettingError

LOGIN_ROUTE = "auth.login"


def login_path_below(app):
    """The path of the sign-in form of the auth app mounted below ``app``, or None."""
    for domain, prefix, below in apps_below(app):
        registry = getattr(below, "registry", None)
        mapper = registry.queryUtility(IRoutesMapper) if registry is not None else None
        route = mapper.get_route(LOGIN_ROUTE) if mapper is not None else None
        if route is not None and domain is None:
            return prefix + "/" + route.pattern.lstrip("/")
    return None


def login_path(app, configured):
    """``svc.auth.login_path`` when set, else where the auth app is mounted; start-up fails without either."""
    path = configured or login_path_below(app)
    if path is None:
        raise SettingError(
            "the auth filter found no auth app (egg:svc#auth) mounted below it, so it does not know where "
            "to send browsers to sign in: mount one, or set svc.auth.login_path to the sign-in form's path"
        )
    return path
