"""Who the caller is, as the auth filter hands it to every app behind it."""
from dataclasses import dataclass

IDENTITY_KEY = "svc.identity"  # the Identity of the caller, or None when anonymous
SERVICE_KEY = "svc.auth"  # the AuthService, for the sign-in pages (like repoze.who.api)
LOGIN_URL_KEY = "svc.auth.login_url"  # where the sign-in form is, for the pages' "sign in" link
NEEDED_KEY = "svc.auth.needed"  # the permission an anonymous caller was refused, for the sign-in page
# Identity headers a client could send to impersonate someone; only the filter sets identity.
SPOOFABLE_KEYS = (
    "REMOTE_USER",
    "HTTP_REMOTE_USER",
    "HTTP_X_REMOTE_USER",
    "HTTP_X_FORWARDED_USER",
    "HTTP_X_FORWARDED_GROUPS",
    "HTTP_X_FORWARDED_EMAIL",
)


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
