"""The fetch piece's own errors: each a Problem with its own type, and a class to catch.

An upstream's 4xx or 5xx is not among them: it is passed through or reported.
"""
from svc.web.problems import Problem


class FetchError(Problem):
    status = 502
    slug = "bad-gateway"
    title = "Bad gateway"

    def __init__(self, detail, **extensions):
        super().__init__(type(self).status, detail, slug=type(self).slug, title=type(self).title, **extensions)


class DestinationBlocked(FetchError):
    status, slug, title = 403, "destination-blocked", "Destination blocked"


class DnsFailure(FetchError):
    status, slug, title = 502, "dns-failure", "DNS lookup failed"


class UpstreamUnreachable(FetchError):
    """No connection, or the upstream broke HTTP or the connection mid-response."""

    status, slug, title = 502, "upstream-unreachable", "Upstream unreachable"


class TlsError(FetchError):
    status, slug, title = 502, "tls-error", "TLS error"


class ResponseTooLarge(FetchError):
    status, slug, title = 502, "response-too-large", "Upstream response too large"


class TooManyRedirects(FetchError):
    status, slug, title = 502, "too-many-redirects", "Too many redirects"


class UpstreamTimeout(FetchError):
    status, slug, title = 504, "upstream-timeout", "Upstream timeout"


class FetchLoop(FetchError):
    """The request already passed through this svc deployment: it was fetched by svc itself."""

    status, slug, title = 508, "fetch-loop", "Loop detected"


class TooManyFetches(FetchError):
    """The caller already holds svc.fetch.max_concurrent_per_user fetches in this process."""

    status, slug, title = 429, "too-many-fetches", "Too many fetches at once"


ALL = (
    DestinationBlocked, DnsFailure, UpstreamUnreachable, TlsError,
    ResponseTooLarge, TooManyRedirects, UpstreamTimeout, FetchLoop, TooManyFetches,
)
