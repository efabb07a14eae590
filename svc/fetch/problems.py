"""The fetch piece's one exception view: its domain errors become problems here, and only here."""
from svc.fetch import errors
from svc.web.errors import render_problem
from svc.web.problems import Problem, invalid_request

# Each upstream-facing error's status, type slug and title (the OpenAPI document lists them).
PROBLEMS = {
    errors.DestinationBlocked: (403, "destination-blocked", "Destination blocked"),
    errors.DnsFailure: (502, "dns-failure", "DNS lookup failed"),
    errors.UpstreamUnreachable: (502, "upstream-unreachable", "Upstream unreachable"),
    errors.TlsError: (502, "tls-error", "TLS error"),
    errors.ResponseTooLarge: (502, "response-too-large", "Upstream response too large"),
    errors.TooManyRedirects: (502, "too-many-redirects", "Too many redirects"),
    errors.UpstreamTimeout: (504, "upstream-timeout", "Upstream timeout"),
    errors.FetchLoop: (508, "fetch-loop", "Loop detected"),
    errors.TooManyFetches: (429, "too-many-fetches", "Too many fetches at once"),
}


def problem_of(exc):
    """The Problem that tells a caller about ``exc``, a FetchError; else None."""
    if not isinstance(exc, errors.FetchError):
        return None
    detail = str(exc)
    if isinstance(exc, errors.InvalidFetchRequest):
        return invalid_request(detail, parameter=exc.parameter) if exc.parameter else invalid_request(detail)
    if isinstance(exc, errors.RequestTooLarge):
        return Problem(413, detail, slug="request-too-large")
    status, slug, title = PROBLEMS.get(type(exc), (502, "bad-gateway", "Bad gateway"))
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, errors.TooManyFetches) else None
    extensions = {"redirects": exc.redirects} if exc.redirects else {}
    return Problem(status, detail, slug=slug, title=title, headers=headers, **extensions)


def fetch_error(exc, request):
    return render_problem(request, problem_of(exc))
