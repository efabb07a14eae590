"""Fetch targets: an absolute http(s) URL, checked and rebuilt the way libcurl will read it."""
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from svc.web.hosts import InvalidHostName, ascii_host, check_host_name

DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_ALREADY_QUOTED = re.compile(r"^[A-Za-z0-9/%:@!$&'()*+,;=._~?-]*$")


class BadTarget(ValueError):
    """The URL cannot be fetched; the message says why, for the caller."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII name, dotted-quad or bare IPv6, as sent in Host and SNI
    port: int
    path: str  # path and query, percent-encoded, never empty
    address: object  # the ipaddress object when the host is a literal, else None

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.path}"


def parse_target(text, max_length=8192):
    """Parse an absolute http or https URL; raise BadTarget for anything else.

    Refused: other schemes, userinfo, backslashes and control characters (which
    browsers and URL parsers read differently), zone ids and malformed hosts.
    """
    if len(text.encode("utf-8", "surrogatepass")) > max_length:
        raise BadTarget(f"the URL is longer than {max_length} bytes")
    bad = _CONTROL.search(text)
    if bad:
        what = {"\x00": "a NUL byte", "\\": "a backslash"}.get(bad.group(), "a control character")
        raise BadTarget(f"the URL contains {what}")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadTarget(f"the URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not text[len(scheme) + 1 :].startswith("//"):
        raise BadTarget("only absolute http:// and https:// URLs can be fetched")
    if "@" in parts.netloc:
        raise BadTarget("the URL carries credentials (user:password@); send an Authorization header instead")
    netloc = parts.netloc
    if netloc.startswith("["):
        raw_host = netloc[: netloc.find("]") + 1]
    else:
        raw_host = netloc.rpartition(":")[0] if ":" in netloc else netloc
    host, address = parse_host(raw_host)
    if port == 0:
        raise BadTarget("port 0 cannot be fetched")
    path = _quote(parts.path, _PATH_SAFE) or "/"
    if parts.query or text.split("#")[0].endswith("?"):
        path += "?" + _quote(parts.query, _QUERY_SAFE)
    return Target(scheme, host, port or DEFAULT_PORTS[scheme], path, address)


def _quote(text, safe):
    return text if _ALREADY_QUOTED.match(text) else quote(text, safe=safe)


def parse_host(netloc_host):
    """The host as libcurl and browsers read it: numeric IPv4 forms become dotted quads."""
    if netloc_host.startswith("["):
        if not netloc_host.endswith("]") or "%" in netloc_host:
            raise BadTarget("the URL's IPv6 host is malformed (zone ids are not accepted)")
        try:
            address = ipaddress.IPv6Address(netloc_host[1:-1])
        except ValueError:
            raise BadTarget("the URL's IPv6 host is malformed") from None
        return str(address), address
    if netloc_host in ("", "."):
        raise BadTarget("the URL has no host")
    try:
        host = ascii_host(netloc_host)
        labels = host.split(".")
        if _is_number(labels[-1]):
            address = parse_ipv4(host)
            return str(address), address
        return check_host_name(host), None
    except InvalidHostName as exc:
        raise BadTarget(f"the URL's host {exc}") from None


def _is_number(label):
    if label[:2] in ("0x", "0X"):
        return all(c in "0123456789abcdefABCDEF" for c in label[2:])
    return label.isdigit()


def parse_ipv4(host):
    """WHATWG's IPv4 parser (``127.1``, ``0x7f.1``, ``2130706433``, ``0177.0.0.1``), which
    browsers and libcurl follow; ``ipaddress`` reads only dotted quads."""
    labels = host.split(".")
    if len(labels) > 4:
        raise BadTarget(f"the URL's host {host!r} is not a valid IPv4 address")
    numbers = []
    for label in labels:
        try:
            if label[:2] in ("0x", "0X"):
                numbers.append(int(label[2:] or "0", 16))
            elif len(label) > 1 and label.startswith("0"):
                numbers.append(int(label[1:], 8))
            else:
                numbers.append(int(label, 10))
        except ValueError:
            raise BadTarget(f"the URL's host {host!r} is not a valid IPv4 address") from None
    last = numbers.pop()
    if any(n > 255 for n in numbers) or last >= 256 ** (4 - len(numbers)):
        raise BadTarget(f"the URL's host {host!r} is not a valid IPv4 address")
    value = last
    for index, number in enumerate(numbers):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)
