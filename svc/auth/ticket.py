"""The sign-in cookie: a session key and its issue time, signed with HMAC-SHA512 by WebOb.

WebOb's ``SignedCookieProfile`` is what Pyramid's own signed sessions use: HMAC with a
salted secret, compared in constant time. The key names a server-side session, so logging
out or revoking the session ends the cookie at once, whatever its signature says.
"""
from dataclasses import dataclass

from webob.cookies import SignedCookieProfile

SALT = "svc.auth.ticket"


@dataclass(frozen=True)
class Ticket:
    session_key: str
    issued_at: int


class SessionTicket:
    """Reads and writes the cookie; ``secure`` adds Secure and the ``__Host-`` prefix."""

    def __init__(self, secret, cookie_name="svc_auth", secure=True):
        self.cookie_name = ("__Host-" if secure else "") + cookie_name
        self.profile = SignedCookieProfile(
            secret,
            SALT,
            cookie_name=self.cookie_name,
            secure=secure,
            httponly=True,
            samesite="Lax",
            path="/",  # the __Host- prefix demands Path=/ and no Domain
            hashalg="sha512",
        )

    def read(self, request):
        """The Ticket in ``request``'s cookie, or None when absent, forged or malformed."""
        if self.cookie_name not in request.cookies:
            return None
        try:
            value = self.profile.bind(request).get_value()
        except (ValueError, TypeError):
            return None
        if not isinstance(value, list) or len(value) != 2:
            return None
        key, issued_at = value
        if not isinstance(key, str) or not isinstance(issued_at, int):
            return None
        return Ticket(key, issued_at)

    def present(self, request):
        return self.cookie_name in request.cookies

    def issue(self, request, ticket, max_age):
        """Set-Cookie headers carrying ``ticket`` for ``max_age`` seconds."""
        return self.profile.bind(request).get_headers([ticket.session_key, ticket.issued_at], max_age=max_age)

    def clear(self, request):
        """Set-Cookie headers that delete the cookie."""
        return self.profile.bind(request).get_headers(None)
