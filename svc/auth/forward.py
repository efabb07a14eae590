"""Forward auth: ``<auth mount>/check`` answers nginx ``auth_request``, Traefik ``ForwardAuth`` and
Caddy ``forward_auth`` for apps in any language behind the same proxy.

The proxy asks with the caller's own Cookie and Authorization headers, plus the original method,
host and URI in headers of its own. The auth filter has already identified the caller by then;
this module only reads what was asked and decides with the ``svc.auth.forward_rules``. The
answers are empty (200, 401 or 403), so the proxy's own error pages and redirects apply.
"""
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from webob import Response

from svc.auth.credentials import is_trusted
from svc.auth.identity import identity_of
from svc.auth.require import normalise_path
from svc.auth.names import InvalidName, check_permission
from svc.web import RELAYED_KEY

log = logging.getLogger(__name__)

PEER_KEY = "svc.peer_addr"  # the TCP peer, kept by the front door before X-Forwarded-For replaces REMOTE_ADDR
# Where each proxy puts the original URI: nginx (as the shipped snippet sets it), Traefik and Caddy.
URI_HEADERS = ("HTTP_X_ORIGINAL_URI", "HTTP_X_FORWARDED_URI")


@dataclass(frozen=True)
class ForwardRule:
    """``permission`` is needed on ``host`` (``*``: any host) under the path ``prefix``."""

    host: str
    prefix: str
    permission: str

    def covers(self, host, path):
        if self.host != "*" and self.host != host:
            return False
        return not self.prefix or path == self.prefix or path.startswith(self.prefix + "/")


def as_forward_rules(value):
    """Lines of ``host/path permission`` (``*/path`` for any host), e.g. ``wiki.example.com/ wiki``."""
    words = str(value).split()
    if len(words) % 2:
        raise ValueError("expected lines of host/path permission, such as wiki.example.com/ wiki")
    rules = []
    for target, permission in zip(words[::2], words[1::2]):
        host, slash, path = target.partition("/")
        if not slash or not host:
            raise ValueError(f"{target!r}: expected host/path, such as wiki.example.com/ or */grafana")
        try:
            check_permission(permission)
        except InvalidName as exc:
            raise ValueError(f"{permission!r}: {exc}") from None
        rules.append(ForwardRule(host.lower(), normalise_path("/" + path).rstrip("/"), permission))
    # The most specific rule first: a named host before *, then the longest prefix.
    return tuple(sorted(rules, key=lambda r: (r.host == "*", -len(r.prefix))))


def original_request(environ, trusted_proxies):
    """``(method, host, path)`` the proxy was asked for, or None when the peer is not a trusted proxy
    or the URI is not known for sure."""
    peer = environ.get(PEER_KEY) or environ.get("REMOTE_ADDR", "")
    if not is_trusted(peer, trusted_proxies):
        return None
    # A proxy sets one of these and may pass the other on from the client: two that differ are a lie.
    uris = {environ[key] for key in URI_HEADERS if environ.get(key)}
    if len(uris) != 1:
        return None
    uri = uris.pop()
    method = environ.get("HTTP_X_FORWARDED_METHOD") or "GET"
    host = (environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST", "")).split(",")[0].strip()
    try:
        hostname = urlsplit("//" + host).hostname or ""
        path = urlsplit(uri).path if "://" in uri else uri.partition("?")[0]
    except ValueError:
        return None
    return method.upper(), hostname.lower(), normalise_path(path)


def rule_for(rules, host, path):
    return next((rule for rule in rules if rule.covers(host, path)), None)


def check(environ, service):
    """The empty answer to a proxy's question: 200 with identity headers, 401 or 403."""
    settings = service.settings
    environ[RELAYED_KEY] = True  # a 401 here is for the proxy to act on, never the filter's challenge
    asked = original_request(environ, settings.trusted_proxies)
    if asked is None:
        log.warning("forward-auth check without original URI from a trusted proxy (svc.auth.trusted_proxies)")
        return _empty(403)
    _method, host, path = asked
    rule = rule_for(settings.forward_rules, host, path)
    if rule is None:  # fail closed: a host the rules do not name is nobody's
        return _empty(403)
    identity = identity_of(environ)
    if identity is None:
        return _empty(401)
    if not identity.permits(rule.permission):
        return _empty(403)
    response = _empty(200)
    response.headers[settings.forward_user_header] = identity.name
    response.headers[settings.forward_groups_header] = ",".join(sorted(identity.groups))
    if "@" in identity.name:  # users have no e-mail of their own; a name that is one says it
        response.headers[settings.forward_email_header] = identity.name
    return response


def _empty(status):
    response = Response(status=status, cache_control="no-store")
    response.content_type = None
    return response
