"""What waitress did at the door and granian does not: the outermost WSGI layer of egg:svc#granian.

granian (Rust, hyper) has none of waitress's trusted-proxy handling, request body cap or
``ident``, and it copies the server's own OS environment into every WSGI environ. This
layer does those jobs once per request, before the app (and the access log) sees it:

- X-Forwarded-For/-Proto/-Host/-Port are applied only when the peer is ``trusted_proxy``
  (waitress's own parser, so the semantics stay the same) and removed otherwise;
- a body over ``max_request_body_size`` is a 413 problem before the app reads a byte
  (a declared Content-Length is judged at once; a chunked or HTTP/2 body without one is
  read up to the cap first, as waitress buffered it);
- every response says ``Server: <ident>`` (granian would say "granian");
- keys of the server's OS environment that look like request data (HTTP_*, REMOTE_USER,
  CONTENT_*) are dropped, so an ``HTTP_PROXY`` in the service's environment is never
  read as a client's ``Proxy:`` header (httpoxy);
- it knows which streamed responses are still open, so a worker that stops waits for their
  close() (where the access log writes their line): granian ends the process as soon as the
  last byte is on the wire, which can be before the app's iterator is closed.
"""
import io
import logging
import os
import time

from waitress.proxy_headers import PROXY_HEADERS, MalformedProxyHeader, clear_untrusted_headers, parse_proxy_headers

from svc.web.logs import REQUEST_ID_KEY, valid_request_id
from svc.web.problems import Problem, invalid_request, problem_json_response

log = logging.getLogger(__name__)

_REQUEST_KEYS = ("REMOTE_USER", "REMOTE_ADDR", "AUTH_TYPE", "CONTENT_TYPE", "CONTENT_LENGTH", "SCRIPT_NAME")
# The environ keys of the headers waitress's proxy parsing reads or clears.
_PROXY_KEYS = tuple("HTTP_" + name.upper().replace("-", "_") for name in PROXY_HEADERS)


class FrontDoor:
    def __init__(
        self,
        app,
        trusted_proxy=None,
        trusted_proxy_headers=(),
        max_request_body_size=4 * 1024 * 1024,
        ident="svc",
        server_environ=None,
    ):
        self.app = app
        self.trusted_proxy = trusted_proxy
        self.trusted_proxy_headers = {h.lower() for h in trusted_proxy_headers}
        self.max_body = max_request_body_size
        self.server_header = ("Server", ident)
        self.open_responses = set()  # set.add and discard are atomic, so no lock
        server_environ = os.environ if server_environ is None else server_environ
        # What granian copied from os.environ into every environ (it builds them once per worker).
        self.leaked = tuple(
            (key, value) for key, value in server_environ.items() if key.startswith("HTTP_") or key in _REQUEST_KEYS
        )

    def __call__(self, environ, start_response):
        for key, value in self.leaked:
            if environ.get(key) == value:
                del environ[key]
        environ.setdefault("SCRIPT_NAME", "")
        environ["svc.peer_addr"] = environ.get("REMOTE_ADDR", "")  # before X-Forwarded-For replaces it
        try:
            self._apply_proxy_headers(environ)
            self._cap_body(environ)
        except Problem as problem:
            return problem_json_response(problem)(environ, self._stamped(start_response))
        body = self.app(environ, self._stamped(start_response))
        if type(body) is list:
            return body
        return _OpenResponse(body, self.open_responses)

    def wait_for_open_responses(self, timeout):
        """Wait up to ``timeout`` seconds until every streamed response has been closed."""
        deadline = time.monotonic() + timeout
        while self.open_responses and time.monotonic() < deadline:
            time.sleep(0.01)

    def _stamped(self, start_response):
        server_header = self.server_header

        def stamped_start_response(status, headers, exc_info=None):
            headers = [h for h in headers if h[0].lower() != "server"]
            headers.append(server_header)
            return start_response(status, headers, exc_info)

        return stamped_start_response

    def _apply_proxy_headers(self, environ):
        trusted = self.trusted_proxy and (self.trusted_proxy == "*" or environ.get("REMOTE_ADDR") == self.trusted_proxy)
        if trusted:
            # The proxy's request id, for egg:svc#ops to keep (it removes the header itself).
            request_id = valid_request_id(environ.get("HTTP_X_REQUEST_ID"))
            if request_id:
                environ[REQUEST_ID_KEY] = request_id
        if not any(key in environ for key in _PROXY_KEYS):
            return  # nothing to apply or clear: waitress's parser would only find that out slower
        untrusted = PROXY_HEADERS
        if trusted:
            try:
                untrusted = parse_proxy_headers(
                    environ, trusted_proxy_count=1, trusted_proxy_headers=self.trusted_proxy_headers, logger=log
                )
            except MalformedProxyHeader as exc:
                raise invalid_request(f"the {exc.header} header is malformed: {exc.reason}") from None
        clear_untrusted_headers(environ, untrusted, log_warning=False, logger=log)

    def _cap_body(self, environ):
        declared = environ.get("CONTENT_LENGTH")
        if declared:
            try:
                size = int(declared)
            except ValueError:
                raise invalid_request("Content-Length is not a number") from None
            if size > self.max_body:
                raise _too_large(self.max_body)
            return
        chunked = "HTTP_TRANSFER_ENCODING" in environ or environ.get("SERVER_PROTOCOL") == "HTTP/2"
        if chunked and environ["REQUEST_METHOD"] not in ("GET", "HEAD", "OPTIONS"):
            body = environ["wsgi.input"].read(self.max_body + 1)
            if len(body) > self.max_body:
                raise _too_large(self.max_body)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))


class _OpenResponse:
    """A streamed body, registered as open until the server closes it; iterates the body's own
    iterator, so no Python frame is added per chunk."""

    __slots__ = ("body", "registry")

    def __init__(self, body, registry):
        self.body = body
        self.registry = registry
        registry.add(self)

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.registry.discard(self)


def _too_large(limit):
    return Problem(413, f"the request body is larger than {limit} bytes", slug="request-too-large")
