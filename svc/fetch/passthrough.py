"""The passthrough answer: the upstream's status, filtered headers and streamed body."""
from http import HTTPStatus
from urllib.parse import urljoin

from pyramid.response import Response

from svc.fetch import errors

FINAL_URL = "X-Fetch-Final-URL"
REDIRECT_COUNT = "X-Fetch-Redirects"
# So that the proxy cannot host active content on svc's own origin.
SAFETY_HEADERS = [("Content-Security-Policy", "sandbox"), ("X-Content-Type-Options", "nosniff")]
REASONS = {status.value: status.phrase for status in HTTPStatus}


def passthrough_response(fetched, response_filter):
    """A Response that streams ``fetched``'s body; the server's close() releases the connection."""
    exchange = fetched.exchange
    status = exchange.status
    if not 200 <= status <= 599:
        exchange.close()
        raise errors.UpstreamUnreachable(f"{fetched.target.host} answered with status {status}, which svc cannot pass on")
    reason = REASONS.get(status, "Unknown")
    headers = []
    for name, value in response_filter(exchange.headers):
        lowered = name.lower()
        if lowered == "location":
            # Relative to the upstream, not to svc (WebOb would resolve it against svc).
            value = urljoin(fetched.target.url, value)
        # The framing of what svc sends is svc's own: the server adds Transfer-Encoding if needed.
        if lowered not in ("x-content-type-options", "content-length"):
            headers.append((name, value))
    if exchange.length is not None:
        headers.append(("Content-Length", str(exchange.length)))
    headers += SAFETY_HEADERS
    headers += [(FINAL_URL, fetched.target.url), (REDIRECT_COUNT, str(len(fetched.redirects)))]
    # A body already read whole goes out as the list it is, with nothing left to close.
    body = exchange.body if type(exchange.body) is list else exchange
    return Response(status=f"{status} {reason}", headerlist=headers, app_iter=body, conditional_response=False)
