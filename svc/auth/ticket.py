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
    """Reads and writes the cookie; ``secure`` adds Secure and the ``__Host-`` prefix.

    With ``domain`` (a parent domain, for forward auth across sibling hosts) the prefix is
    ``__Secure-``: ``__Host-`` forbids a Domain attribute.
    """

    def __init__(self, secret, cookie_name="svc_auth", secure=True, domain=""):
        prefix = ("__Secure-" if domain else "__Host-") if secure else ""
        self.cookie_name = prefix + cookie_name
        self.profile = SignedCookieProfile(
            secret,
            SALT,
            cookie_name=self.cookie_name,
            secure=secure,
            httponly=True,
            samesite="Lax",
            path="/",  # the __Host- prefix demands Path=/ and no Domain
            domains=[domain] if domain else None,
            hashalg="sha512",
        )

    def raw_value(self, cookie_header):
        """Our cookie's value in a Cookie header, or None when it is absent or there twice.

        Browsers send ``name=value`` pairs separated by ``;`` (RFC 6265 section 5.4), so a
        comma is part of a value, never a separator. Two values cannot be told apart (one
        may be injected, say by a sibling site), so neither is believed.
        """
        if self.cookie_name not in cookie_header:  # the common case, without a split
            return None
        found = None
        for pair in cookie_header.split(";"):
            name, equals, value = pair.partition("=")
            if not equals or name.strip() != self.cookie_name:
                continue
            if found is not None:
                return None
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            found = value
        return found

    def loads(self, raw):
        """The Ticket in a raw cookie value, or None when it is forged or malformed."""
        try:
            value = self.profile.serializer.loads(raw.encode("ascii"))
        except (ValueError, TypeError, UnicodeError):
            return None
        if not isinstance(value, list) or len(value) != 2:
            return None
        key, issued_at = value
        if not isinstance(key, str) or type(issued_at) is not int:
            return None
        return Ticket(key, issued_at)

    def read(self, request):
        raw = self.raw_value(request.environ.get("HTTP_COOKIE", ""))
        return None if raw is None else self.loads(raw)

    def issue(self, request, ticket, max_age):
        """Set-Cookie headers carrying ``ticket`` for ``max_age`` seconds."""
        return self.profile.bind(request).get_headers([ticket.session_key, ticket.issued_at], max_age=max_age)

    def clear(self, request):
        """Set-Cookie headers that delete the cookie."""
        return self.profile.bind(request).get_headers(None)
