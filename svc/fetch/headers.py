"""Header rules: what the caller may send upstream, and what comes back from it."""
import re

from svc.fetch.errors import InvalidFetchRequest

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_FORBIDDEN_VALUE = re.compile(r"[\x00\r\n]")

# The caller may not set these: svc or libcurl owns them, or they would spoof the client.
_REFUSED = {
    "host": "Host is always taken from the URL",
    "content-length": "svc sets Content-Length from the body",
    "transfer-encoding": "svc frames the body itself",
    "connection": "it is hop-by-hop",
    "keep-alive": "it is hop-by-hop",
    "te": "it is hop-by-hop",
    "trailer": "it is hop-by-hop",
    "upgrade": "it is hop-by-hop",
    "expect": "it is hop-by-hop",
    "forwarded": "svc never forwards client addresses",
    "x-real-ip": "svc never forwards client addresses",
}
_REFUSED_PREFIXES = {
    "x-forwarded-": "svc never forwards client addresses",
    "proxy-": "svc is not a forward proxy",
}

# Never passed back: hop-by-hop headers (RFC 9110 section 7.6.1) and framing.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"})

# Each would act on svc's own origin: cookies, HSTS, site data, Alt-Svc, CORS, and a Refresh
# that navigates away from it.
DEFAULT_STRIPPED = (
    "Set-Cookie", "Set-Cookie2", "Strict-Transport-Security", "Clear-Site-Data", "Alt-Svc",
    "Access-Control-*", "Refresh",
)


def caller_headers(value, max_size):
    """The (name, value) pairs of a JSON ``headers`` object; lists become repeated headers.

    A CR, LF or NUL anywhere, a name that is not an HTTP token, or a header svc owns is a 400.
    """
    if value is None:
        return []
    if not isinstance(value, dict):
        raise InvalidFetchRequest("headers must be an object of names to strings or lists of strings")
    pairs = []
    for name, values in value.items():
        if not _TOKEN.match(name):
            raise InvalidFetchRequest(f"header name {name!r} is not a valid HTTP token")
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidFetchRequest(f"header {name} must be a string or a list of strings")
        lowered = name.lower()
        why = _REFUSED.get(lowered) or next(
            (why for prefix, why in _REFUSED_PREFIXES.items() if lowered.startswith(prefix)), None
        )
        if why:
            raise InvalidFetchRequest(f"header {name} cannot be sent: {why}")
        for text in values:
            if _FORBIDDEN_VALUE.search(text):
                raise InvalidFetchRequest(f"header {name} contains CR, LF or NUL")
            pairs.append((name, text.strip(" \t")))
    size = sum(len(n) + len(v.encode("utf-8")) + 4 for n, v in pairs)
    if size > max_size:
        raise InvalidFetchRequest(f"the headers add up to {size} bytes; at most {max_size} are accepted")
    return pairs


def has(pairs, name):
    name = name.lower()
    return any(n.lower() == name for n, _ in pairs)


def without(pairs, *names):
    names = {n.lower() for n in names}
    return [(n, v) for n, v in pairs if n.lower() not in names]


class ResponseFilter:
    """Drops hop-by-hop headers (and those Connection names) and the configured extras.

    ``stripped`` holds names, and prefixes ending in ``*`` (``Access-Control-*``).
    """

    def __init__(self, stripped=DEFAULT_STRIPPED):
        words = [s.lower() for s in stripped]
        self.names = HOP_BY_HOP | {w for w in words if not w.endswith("*")}
        self.prefixes = ("proxy-", *(w[:-1] for w in words if w.endswith("*")))

    def __call__(self, headers):
        named = {
            token.strip().lower()
            for name, value in headers
            if name.lower() == "connection"
            for token in value.split(",")
        }
        names = self.names | named if named else self.names
        kept = []
        for name, value in headers:
            lowered = name.lower()
            if (
                lowered in names
                or lowered.startswith(self.prefixes)
                or not _TOKEN.match(name)
                or _FORBIDDEN_VALUE.search(value)
            ):
                continue
            kept.append((name, value))
        return kept
