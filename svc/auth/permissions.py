"""The permissions an ini can grant: those its mounted apps declare, learned from the loaded app.

A Pyramid app's introspector knows the permission of each of its views; an ``egg:svc#require``
filter names its own. A foreign app that checks a permission itself declares nothing, so
granting its permission needs ``--force`` (svc-admin) or ``"force": true`` (admin API).
"""
from pyramid.security import NO_PERMISSION_REQUIRED

from svc.auth.require import RequirePermission
from svc.auth.store import StoreError
from svc.web.mounts import apps_below


class UnknownPermission(StoreError):
    """A grant of a permission no mounted app checks: most likely a typo."""

    def __init__(self, permission, known):
        self.known = sorted(known)
        super().__init__(
            f"no app in this ini checks the permission {permission} (known: {', '.join(self.known) or 'none'}); "
            "granting a foreign app's own permission needs --force (svc-admin) or \"force\": true (admin API)"
        )


def declared_permissions(app):
    """Every permission that ``app`` and the apps below it check."""
    found = set()
    for _domain, _prefix, below in apps_below(app):
        if isinstance(below, RequirePermission):
            found.add(below.permission)
        introspector = getattr(getattr(below, "registry", None), "introspector", None)
        if introspector is not None:  # a Pyramid router
            found.update(item["introspectable"]["value"] for item in introspector.get_category("permissions", []))
    found.discard(NO_PERMISSION_REQUIRED)
    return frozenset(found)


def known_permissions(app, settings):
    """What may be granted: the permissions the apps below check, and those the forward-auth rules name."""
    return declared_permissions(app) | {rule.permission for rule in settings.forward_rules}


def check_grantable(permission, known, force=False):
    """``permission`` when some app checks it (or ``force``); else raises UnknownPermission."""
    if not force and permission not in known:
        raise UnknownPermission(permission, known)
    return permission

