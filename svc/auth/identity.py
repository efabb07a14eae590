"""Who the caller is, as the auth filter hands it to every app behind it."""
from dataclasses import dataclass

IDENTITY_KEY = "svc.identity"  # the Identity of the caller, or None when anonymous
SERVICE_KEY = "svc.auth"  # the AuthService, for the sign-in pages (like repoze.who.api)
LOGIN_URL_KEY = "svc.auth.login_url"  # where the sign-in form is, for the pages' "sign in" link
NEEDED_KEY = "svc.auth.needed"  # the permission an anonymous caller was refused, for the sign-in page
# Identity headers a client could send to impersonate someone, as forward-auth proxies
# (oauth2-proxy, Authelia, ...) name them; only the filter sets identity. A trailing * is a prefix.
IDENTITY_HEADERS = (
    "Remote-User",
    "Remote-Groups",
    "Remote-Email",
    "Remote-Name",
    "X-Remote-User",
    "X-Forwarded-User",
    "X-Forwarded-Groups",
    "X-Forwarded-Email",
    "X-Forwarded-Preferred-Username",
    "X-Auth-Request-*",
)


def environ_keys(headers):
    """``(exact keys, key prefixes)`` of the environ for header names; ``Name-*`` is a prefix."""
    exact, prefixes = {"REMOTE_USER"}, set()
    for header in headers:
        key = "HTTP_" + header.upper().replace("-", "_")
        if key.endswith("*"):
            prefixes.add(key[:-1])
        else:
            exact.add(key)
    return frozenset(exact), tuple(sorted(prefixes))


@dataclass(frozen=True)
class Identity:
    """A signed-in user; ``method`` is cookie, basic or bearer."""

    name: str
    groups: frozenset
    permissions: frozenset
    method: str
    user_id: int = 0
    session_key: str | None = None  # the cookie's server-side session, so logout can end it

    def permits(self, permission):
        return permission in self.permissions

    def as_json(self):
        return {
            "user": self.name,
            "groups": sorted(self.groups),
            "permissions": sorted(self.permissions),
            "method": self.method,
        }


def identity_of(environ):
    """The caller's Identity, or None for anonymous (also when no auth filter is in front)."""
    return environ.get(IDENTITY_KEY)
