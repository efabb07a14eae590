"""The sign-in cookie: a session key and its issue time, signed with HMAC-SHA512 by WebOb.

WebOb's ``SignedCookieProfile`` is what Pyramid's own signed sessions use: HMAC with a
salted secret, compared in constant time. The key names a server-side session, so logging
out or revoking the session ends the cookie at once, whatever its signature says.
"""
import base64
import binascii
import json
from dataclasses import dataclass

from webob.cookies import SignedCookieProfile

SALT = "svc.auth.ticket"


@dataclass(frozen=True)
class Ticket:
    session_key: str
    issued_at: int


class SessionTicket:
    """Reads and writes the cookie; ``secure`` adds Secure and the ``__Host-`` prefix.

    ``secrets``: the first signs, every one verifies (a rotation keeps the old ones a while).
    With ``domain`` (a parent domain, for forward auth across sibling hosts) the prefix is
    ``__Secure-``: ``__Host-`` forbids a Domain attribute.
    """

    def __init__(self, secrets, cookie_name="svc_auth", secure=True, domain=""):
        if isinstance(secrets, str):
            secrets = (secrets,)
        prefix = ("__Secure-" if domain else "__Host-") if secure else ""
        self.cookie_name = prefix + cookie_name
        self.profile = self._profile(secrets[0], secure, domain)
        self.verifiers = [self.profile.serializer] + [self._profile(s, secure, domain).serializer for s in secrets[1:]]

    def _profile(self, secret, secure, domain):
        return SignedCookieProfile(
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
        """The Ticket in a raw cookie value, or None when no secret verifies it or it is malformed."""
        value = None
        for serializer in self.verifiers:
            try:
                value = serializer.loads(raw.encode("ascii"))
                break
            except (ValueError, TypeError, UnicodeError):
                continue
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != 2:
            return None
        key, issued_at = value
        if not isinstance(key, str) or type(issued_at) is not int:
            return None
        return Ticket(key, issued_at)

    def signed_elsewhere(self, raw):
        """True when ``raw`` is a well-formed ticket under a signature none of our secrets makes:
        most likely a sibling instance's with another secret, so it is not ours to delete."""
        digest_size = self.profile.serializer.digest_size
        try:
            signed = base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4))
            value = json.loads(signed[digest_size:])
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            return False
        return len(signed) > digest_size and isinstance(value, list) and len(value) == 2

    def read(self, request):
        raw = self.raw_value(request.environ.get("HTTP_COOKIE", ""))
        return None if raw is None else self.loads(raw)

    def issue(self, request, ticket, max_age):
        """Set-Cookie headers carrying ``ticket`` for ``max_age`` seconds."""
        return self.profile.bind(request).get_headers([ticket.session_key, ticket.issued_at], max_age=max_age)

    def clear(self, request):
        """Set-Cookie headers that delete the cookie."""
        return self.profile.bind(request).get_headers(None)
