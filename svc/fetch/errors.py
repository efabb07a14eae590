"""The fetch piece's own errors: classes to catch, free of HTTP; svc/fetch/problems.py maps them.

An upstream's 4xx or 5xx is not among them: it is passed through or reported.
``str(error)`` is the sentence a caller reads.
"""


class FetchError(Exception):
    """Anything the fetch piece refuses or fails at."""

    redirects = None  # the redirects followed before the error, when there were any


class InvalidFetchRequest(FetchError):
    """What the caller asked for cannot be fetched as asked; ``parameter`` names the culprit."""

    def __init__(self, detail, parameter=None):
        super().__init__(detail)
        self.parameter = parameter


class RequestTooLarge(FetchError):
    """The body to send is over svc.fetch.max_request_size."""


class DestinationBlocked(FetchError):
    pass


class DnsFailure(FetchError):
    pass


class UpstreamUnreachable(FetchError):
    """No connection, or the upstream broke HTTP or the connection mid-response."""


class TlsError(FetchError):
    pass


class ResponseTooLarge(FetchError):
    pass


class TooManyRedirects(FetchError):
    pass


class UpstreamTimeout(FetchError):
    pass


class FetchLoop(FetchError):
    """The request already passed through this svc deployment: it was fetched by svc itself."""


class TooManyFetches(FetchError):
    """The caller already holds svc.fetch.max_concurrent_per_user fetches in this process."""

    def __init__(self, detail, retry_after):
        super().__init__(detail)
        self.retry_after = retry_after  # seconds until a slot is likely free
