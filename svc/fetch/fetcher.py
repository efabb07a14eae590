"""One fetch: vet the destination, send, and follow redirects ourselves, hop by hop."""
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

from svc.fetch import errors
from svc.fetch.engine import Hop
from svc.fetch.headers import has, without
from svc.fetch.metrics import observe_exchange
from svc.fetch.resolver import LookupFailed, LookupTimedOut
from svc.fetch.target import BadTarget, parse_target

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# A redirect's own body is read (to keep the connection) only up to this; past it, closed.
REDIRECT_BODY_LIMIT = 64 * 1024


@dataclass
class Fetched:
    """The final response, with how we got there. Times in seconds."""

    exchange: object  # svc.fetch.engine.Exchange, still to be read
    target: object  # the final svc.fetch.target.Target
    redirects: list = field(default_factory=list)  # {"status", "url"} per hop followed
    dns: float = 0.0  # the final hop's lookup
    started: float = 0.0  # time.monotonic() at the start of the fetch


class Fetcher:
    def __init__(self, policy, resolver, engine, settings, user_agent):
        self.policy = policy
        self.resolver = resolver
        self.engine = engine
        self.settings = settings
        self.user_agent = user_agent

    def fetch(self, request, via):
        """Send ``request`` (a FetchRequest) with ``via`` as its Via (svc's loop mark); return a
        Fetched whose body is still unread.

        An error after a redirect carries the redirects followed, as the problem's ``redirects``.
        """
        redirects = []
        try:
            return self._follow(request, via, redirects)
        except errors.FetchError as exc:
            if redirects:
                exc.extensions.setdefault("redirects", redirects)
            raise

    def _follow(self, request, via, redirects):
        started = time.monotonic()
        deadline = started + request.timeouts.total
        target, method, body = request.target, request.method, request.body
        headers = list(request.headers)
        if not has(headers, "User-Agent"):
            headers.append(("User-Agent", self.user_agent))
        headers.append(("Via", via))
        while True:
            addresses, dns = self.vet(target, deadline, request.timeouts.connect)
            exchange = self.engine.start(
                Hop(
                    target=target,
                    addresses=addresses,
                    method=method,
                    headers=tuple(headers),
                    body=body,
                    connect_timeout=request.timeouts.connect,
                    read_timeout=request.timeouts.read,
                    deadline=deadline,
                    decode=request.envelope,
                    max_body=self.settings.max_envelope_size if request.envelope else self.settings.max_response_size,
                    max_header_size=self.settings.max_header_size,
                )
            )
            observe_exchange(exchange, request.envelope)
            location = _header(exchange.headers, "Location")
            if not (request.follow_redirects and exchange.status in REDIRECTS and location):
                return Fetched(exchange, target, redirects, dns, started)
            _discard(exchange)
            if len(redirects) >= request.max_redirects:
                raise errors.TooManyRedirects(f"{target.url} redirected more than {request.max_redirects} times")
            url = urljoin(target.url, _location_text(location))
            redirects.append({"status": exchange.status, "url": url})
            try:
                following = parse_target(url, self.settings.max_url_length)
            except BadTarget as exc:
                raise errors.DestinationBlocked(f"the redirect to {url} is refused: {exc}") from None
            if not _same_host(target, following):
                headers = without(headers, "Authorization", "Cookie")
            if exchange.status == 303 and method != "HEAD" or exchange.status in (301, 302) and method == "POST":
                # What browsers do: the redirected request is a GET without the body.
                method, body = "GET", None
                headers = without(headers, "Content-Type")
            target = following

    def vet(self, target, deadline, connect_timeout):
        """The addresses ``target`` may be fetched from, and the lookup's duration; or raise."""
        host, port = target.host, target.port
        verdict = self.policy.check_port(host, port)
        if verdict is not None:
            raise errors.DestinationBlocked(f"port {port} is not allowed; allowed ports: {self.policy.ports}")
        if target.address is not None:
            addresses, dns = (target.address,), 0.0
        else:
            if self.policy.check_name(host, port) is not None:
                raise errors.DestinationBlocked(f"{host} is not allowed")
            before = time.monotonic()
            timeout = min(connect_timeout, deadline - before)
            if timeout <= 0:
                raise errors.UpstreamTimeout(f"no time was left to look up {host}")
            try:
                addresses = self.resolver.resolve(host, port, timeout)
            except LookupFailed as exc:
                raise errors.DnsFailure(str(exc)) from None
            except LookupTimedOut as exc:
                raise errors.UpstreamTimeout(str(exc)) from None
            dns = time.monotonic() - before
        verdict = self.policy.judge(host, addresses, port)
        if not verdict.allowed:
            if target.address is not None:
                raise errors.DestinationBlocked(f"svc does not fetch from there: {verdict.reason}")
            # Say why, but not which address: that would map internal names for the caller.
            raise errors.DestinationBlocked(f"{host} resolves to an address that is not allowed")
        return addresses, dns


def _header(headers, name):
    name = name.lower()
    return next((v for n, v in headers if n.lower() == name), None)


def _location_text(location):
    """Location as the upstream meant it: browsers read its bytes as UTF-8."""
    try:
        return location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return location


def _same_host(a, b):
    """Credentials may follow to the same host, and from http to https on it."""
    if a.host != b.host:
        return False
    return a.port == b.port or (a.scheme, b.scheme, a.port, b.port) == ("http", "https", 80, 443)


def _discard(exchange):
    """Read a redirect's small body so the connection can be reused; close a big one."""
    seen = 0
    try:
        for chunk in exchange:
            seen += len(chunk)
            if seen > REDIRECT_BODY_LIMIT:
                break
    except errors.FetchError:
        pass
    finally:
        exchange.close()
