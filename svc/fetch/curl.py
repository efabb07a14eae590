"""The libcurl engine: pooled handles, driven from the calling thread, bodies streamed.

Each pooled handle is a CurlMulti holding one Curl easy handle whose invariant options
are set once. The WSGI thread that iterates a response drives its transfer itself:
``perform()``, then ``select()`` until the socket is ready, both in C with the GIL
released, so no thread is spent per request. Every libcurl callback takes the GIL back,
which is what costs when many threads want it, so header lines and passthrough bodies
go straight into lists (no Python frame per callback) and are read between two steps.

One ``perform()`` reads at most eleven ``BUFFER_SIZE`` buffers, and the transfer is
driven only when the server wants the next chunk, so a passthrough body holds at most
that much in memory. An envelope body is decoded through a callback that stops at its
cap instead: a decoder can turn one read into a thousand times as much.
"""
import ipaddress
import logging
import math
import select
import socket
import time

import pycurl

from svc.fetch import errors
from svc.fetch.engine import Exchange, Timings
from svc.fetch.handles import HandlePool
from svc.fetch.head import parse_head

log = logging.getLogger(__name__)

# libcurl's receive buffer: one perform() reads up to 11 of them (352 KiB), handed on as one
# chunk; waitress moves what it holds for a client past 1 MiB to a temporary file, so no bigger.
BUFFER_SIZE = 32 * 1024
# When select() cannot watch the socket, libcurl is given a chance to act at least this often.
IDLE_POLL = 0.01
_TLS_ERRORS = {
    pycurl.E_SSL_CONNECT_ERROR, pycurl.E_PEER_FAILED_VERIFICATION, pycurl.E_SSL_CERTPROBLEM,
    pycurl.E_SSL_CIPHER, pycurl.E_SSL_CACERT_BADFILE, pycurl.E_SSL_ISSUER_ERROR,
    pycurl.E_SSL_PINNEDPUBKEYNOTMATCH, pycurl.E_SSL_INVALIDCERTSTATUS, pycurl.E_USE_SSL_FAILED,
    pycurl.E_SSL_ENGINE_NOTFOUND, pycurl.E_SSL_ENGINE_SETFAILED, pycurl.E_SSL_ENGINE_INITFAILED,
    pycurl.E_SSL_CRL_BADFILE, pycurl.E_SSL_SHUTDOWN_FAILED,
}
_E_TOO_LARGE = getattr(pycurl, "E_TOO_LARGE", 100)  # libcurl 8.6+: a field grew past its limit
_SUPPRESS_CONNECT_HEADERS = getattr(pycurl, "SUPPRESS_CONNECT_HEADERS", 265)  # libcurl 7.54+; pycurl has no name
_HEADER_END = (b"\r\n", b"\n")
# libcurl adds these on its own unless told not to: only the caller's go upstream.
_SUPPRESSED = ("Accept", "Expect", "Content-Type", "Accept-Encoding")


class CurlEngine:
    """Sends hops with libcurl, configured from the ``svc.fetch`` settings: ``pool_size``
    idle handles are kept, each holding up to ``pool_connections`` keep-alive connections
    for ``pool_idle_timeout`` seconds."""

    def __init__(self, settings):
        idle_timeout = settings.pool_idle_timeout
        connections = settings.pool_connections
        ca_bundle, proxy = settings.ca_bundle, settings.proxy
        self.pool = HandlePool(
            settings.pool_size, idle_timeout, lambda: _Handle(connections, idle_timeout, ca_bundle, proxy)
        )

    def start(self, hop):
        transfer = _Transfer(self.pool, self.pool.get(), hop)
        try:
            transfer.start()
            transfer.wait_for_headers()
            timings = transfer.timings()
            length = transfer.announced_length()
            if transfer.result is not None:
                # The whole body is in: the handle goes back to the pool before the body goes out.
                body = [transfer.take_body()]
                transfer.close()
                if hop.method != "HEAD":
                    length = None if hop.decode else len(body[0])
                return Exchange(transfer.status, transfer.headers, body, timings, length)
        except BaseException:
            transfer.close()
            raise
        return Exchange(transfer.status, transfer.headers, transfer, timings, length)


class _Handle:
    """A CurlMulti holding one easy handle, with what every hop shares set once.

    ``header_lines`` and ``chunks`` receive libcurl's output; ``addresses`` are the only
    ones a socket may be opened to: the hop's vetted addresses, or the egress proxy's.
    """

    def __init__(self, max_connections, idle_timeout, ca_bundle, proxy):
        self.easy = easy = pycurl.Curl()
        self.multi = pycurl.CurlMulti()
        self.multi.setopt(pycurl.M_MAXCONNECTS, max_connections)
        self.header_lines = []
        self.chunks = []
        self.addresses = ()
        self.host = None
        self.refused = None  # an address the open-socket check refused
        self.max_body = 0
        self.delivered = 0  # decoded bytes, counted against max_body
        self.overflow = None  # why a callback cut the transfer
        self._request = None  # the method, headers and decoding last set
        self._limits = None  # the read timeout and body cap last set
        easy.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        easy.setopt(pycurl.REDIR_PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        easy.setopt(pycurl.FOLLOWLOCATION, 0)
        easy.setopt(pycurl.PATH_AS_IS, 1)
        easy.setopt(pycurl.NOSIGNAL, 1)
        easy.setopt(pycurl.BUFFERSIZE, BUFFER_SIZE)
        easy.setopt(pycurl.MAXAGE_CONN, max(1, int(idle_timeout)))
        easy.setopt(pycurl.LOW_SPEED_LIMIT, 1)
        easy.setopt(pycurl.OPENSOCKETFUNCTION, self._open_socket)
        easy.setopt(pycurl.HEADERFUNCTION, self.header_lines.append)
        if ca_bundle:
            easy.setopt(pycurl.CAINFO, ca_bundle)
        # Never http_proxy, HTTPS_PROXY, ALL_PROXY or NO_PROXY from the environment: only svc.fetch.proxy.
        easy.setopt(pycurl.PROXY, proxy.url if proxy else "")
        easy.setopt(pycurl.NOPROXY, "")
        self.proxy = proxy
        if proxy:
            # Always a CONNECT tunnel, to the vetted address (prepare): the proxy resolves nothing.
            easy.setopt(pycurl.HTTPPROXYTUNNEL, 1)
            # The proxy's answer to CONNECT is not the upstream's head: keep it out of header_lines.
            easy.setopt(_SUPPRESS_CONNECT_HEADERS, 1)

    def prepare(self, hop, remaining):
        """Set what differs from hop to hop, skipping what the previous hop already set."""
        easy, target = self.easy, hop.target
        self.addresses = hop.addresses
        if self.proxy:
            self.addresses = (self.proxy.address,)
            first = hop.addresses[0]
            easy.setopt(pycurl.CONNECT_TO, [f"::{f'[{first}]' if first.version == 6 else first}:{target.port}"])
        self.host = target.host
        self.refused = self.overflow = None
        self.max_body = hop.max_body
        self.delivered = 0
        easy.setopt(pycurl.URL, target.url)
        easy.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(min(hop.connect_timeout, remaining) * 1000)))
        easy.setopt(pycurl.TIMEOUT_MS, max(1, int(remaining * 1000)))
        if target.address is None:
            # Pin the name to the vetted addresses: libcurl never looks it up itself.
            pinned = ",".join(f"[{a}]" if a.version == 6 else str(a) for a in hop.addresses)
            easy.setopt(pycurl.RESOLVE, [f"{target.host}:{target.port}:{pinned}"])
        limits = (hop.read_timeout, hop.max_body)
        if limits != self._limits:
            easy.setopt(pycurl.LOW_SPEED_TIME, max(1, math.ceil(hop.read_timeout)))
            easy.setopt(pycurl.MAXFILESIZE_LARGE, hop.max_body)
            self._limits = limits
        # A body is set anew every time: libcurl keeps only a pointer to it.
        request = (hop.method, hop.headers, hop.decode) if hop.body is None else None
        if request is None or request != self._request:
            self._set_request(hop)
            self._request = request

    def _set_request(self, hop):
        easy = self.easy
        names = {name.lower() for name, _ in hop.headers}
        lines = [f"{name}: {value}" if value else f"{name};" for name, value in hop.headers]
        lines += [f"{name}:" for name in _SUPPRESSED if name.lower() not in names]
        easy.setopt(pycurl.HTTPHEADER, [line.encode("utf-8") for line in lines])
        if hop.decode:
            # Decoding needs ACCEPT_ENCODING set; the header itself stays the caller's (or none).
            easy.setopt(pycurl.ACCEPT_ENCODING, "")
            easy.setopt(pycurl.HTTP_CONTENT_DECODING, 1)
            easy.setopt(pycurl.WRITEFUNCTION, self._on_decoded)
        else:
            easy.unsetopt(pycurl.ACCEPT_ENCODING)
            easy.setopt(pycurl.HTTP_CONTENT_DECODING, 0)
            # libcurl's MAXFILESIZE enforces the cap on undecoded bodies, so no Python is needed here.
            easy.setopt(pycurl.WRITEFUNCTION, self.chunks.append)
        method, body = hop.method, hop.body
        if method == "POST" or body is not None:
            easy.setopt(pycurl.POSTFIELDS, body or b"")
        else:
            easy.setopt(pycurl.HTTPGET, 1)
        easy.setopt(pycurl.NOBODY, method == "HEAD")
        if method in ("HEAD", "POST") or method == "GET" and body is None:
            easy.unsetopt(pycurl.CUSTOMREQUEST)
        else:
            easy.setopt(pycurl.CUSTOMREQUEST, method)

    # libcurl callbacks: they must never raise, or pycurl aborts with an unhelpful message.

    def _open_socket(self, purpose, address):
        try:
            ip = ipaddress.ip_address(address.addr[0].split("%")[0])
        except (ValueError, IndexError, TypeError):
            ip = None
        if ip not in self.addresses:
            self.refused = address.addr[0] if address.addr else "?"
            log.warning("fetch destination deny: host=%s address=%s reason=not a vetted address", self.host, self.refused)
            return pycurl.SOCKET_BAD
        return socket.socket(address.family, address.socktype, address.protocol)

    def _on_decoded(self, data):
        self.delivered += len(data)
        if self.delivered > self.max_body:
            self.overflow = f"its body exceeds {self.max_body} bytes"
            return 0
        self.chunks.append(data)
        return None

    def step(self, max_wait):
        """Wait up to ``max_wait`` seconds for the socket or libcurl's next timeout, then
        let libcurl act; return how many transfers still run (0 or 1)."""
        multi = self.multi
        timeout_ms = multi.timeout()
        if timeout_ms:
            wait = max_wait if timeout_ms < 0 else min(max_wait, timeout_ms / 1000)
            if not multi.select(wait) and not any(multi.fdset()):
                self._wait_unwatched(min(wait, IDLE_POLL))
        return multi.perform()[1]

    def _wait_unwatched(self, wait):
        """select() had no socket to watch (none yet, or one past FD_SETSIZE): poll the
        connection for the response, and let libcurl look again soon for anything else."""
        fd = self.easy.getinfo(pycurl.ACTIVESOCKET)
        if fd < 0:
            time.sleep(wait)
            return
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.poll(wait * 1000)

    def finished(self):
        """(curl error code, message) of the finished transfer; 0 is success."""
        _, done, failed = self.multi.info_read()
        if failed:
            return failed[0][1], failed[0][2]
        return 0, ""

    def close(self):
        self.multi.close()
        self.easy.close()


class _Transfer:
    """One hop on one handle: the response head, the body iterator, and the error mapping."""

    def __init__(self, pool, handle, hop):
        self.pool = pool
        self.handle = handle
        self.hop = hop
        self.status = None
        self.headers = None
        self.added = False
        self.result = None
        self.started = time.monotonic()

    def start(self):
        handle = self.handle
        handle.header_lines.clear()
        handle.chunks.clear()
        handle.prepare(self.hop, self._remaining())
        handle.multi.add_handle(handle.easy)
        self.added = True

    def _remaining(self):
        return self.hop.deadline - time.monotonic()

    def wait_for_headers(self):
        """Drive the transfer until the final response head is in; raise if it fails first."""
        handle = self.handle
        lines = handle.header_lines
        while True:
            if self.result is None:
                self._drive()
            if handle.chunks or self.result is not None or (lines and lines[-1] in _HEADER_END):
                head = parse_head(lines)
                if head is not None:
                    self.status, self.headers = head
            if self._headers_too_large() or (self.result is not None and self.result[0] != 0):
                raise self._error()
            if self.status is not None:
                return
            if self.result is not None:
                raise errors.UpstreamUnreachable(f"{self._where()} sent no HTTP response")

    def _headers_too_large(self):
        if sum(map(len, self.handle.header_lines)) <= self.hop.max_header_size:
            return False
        self.handle.overflow = f"its headers exceed {self.hop.max_header_size} bytes"
        return True

    def _drive(self):
        remaining = self._remaining()
        if remaining <= 0:
            self.result = (pycurl.E_OPERATION_TIMEDOUT, "deadline")
            return
        try:
            if not self.handle.step(min(remaining, 1.0)):
                self.result = self.handle.finished()
        except pycurl.error as exc:
            self.result = (exc.args[0], exc.args[1] if len(exc.args) > 1 else "")

    def take_body(self):
        chunks = self.handle.chunks
        data = b"".join(chunks) if len(chunks) != 1 else chunks[0]
        chunks.clear()
        return data

    def __iter__(self):
        return self

    def __next__(self):
        handle = self.handle
        if handle is None:
            raise StopIteration
        while not handle.chunks:
            if self.result is not None:
                # Trailers count against the header cap too.
                error = self._error() if self.result[0] != 0 or self._headers_too_large() else None
                self.close()
                if error is not None:
                    raise error
                raise StopIteration
            self._drive()
        return self.take_body()

    def close(self):
        """Give the handle back: the connection stays pooled only after a complete response."""
        handle, self.handle = self.handle, None
        if handle is None:
            return
        handle.chunks.clear()
        try:
            if self.added:
                # Removing an unfinished transfer makes libcurl close its connection.
                handle.multi.remove_handle(handle.easy)
        except pycurl.error:
            handle.close()
            return
        self.pool.put(handle)

    def announced_length(self):
        """The Content-Length libcurl framed the body by and will hold the upstream to (-1, so
        None, when chunked or close-delimited framing overrides or replaces it)."""
        if self.hop.decode:
            return None
        size = self.handle.easy.getinfo(pycurl.CONTENT_LENGTH_DOWNLOAD_T)
        return size if size >= 0 else None

    def timings(self):
        easy = self.handle.easy
        lookup = easy.getinfo(pycurl.NAMELOOKUP_TIME_T)
        connect = easy.getinfo(pycurl.CONNECT_TIME_T)
        tls = easy.getinfo(pycurl.APPCONNECT_TIME_T)
        first_byte = easy.getinfo(pycurl.STARTTRANSFER_TIME_T)
        return Timings(
            connect=max(connect - lookup, 0) / 1e6 if connect else 0.0,
            tls=max(tls - connect, 0) / 1e6 if tls else 0.0,
            ttfb=(first_byte / 1e6) if first_byte else time.monotonic() - self.started,
        )

    def _where(self):
        return f"{self.hop.target.host} port {self.hop.target.port}"

    def _error(self):
        """The FetchError for the failed transfer."""
        code, message = self.result or (0, "")
        where = self._where()
        handle = self.handle
        if handle is not None and handle.refused:
            return errors.DestinationBlocked(f"{where}: {handle.refused} is not a vetted address")
        if handle is not None and handle.overflow:
            return errors.ResponseTooLarge(f"the response of {where} is too large: {handle.overflow}")
        if code in (pycurl.E_FILESIZE_EXCEEDED, _E_TOO_LARGE):
            return errors.ResponseTooLarge(f"the response of {where} is larger than {self.hop.max_body} bytes")
        if code == pycurl.E_OPERATION_TIMEDOUT:
            return errors.UpstreamTimeout(self._timeout_detail(message))
        if code in _TLS_ERRORS:
            return errors.TlsError(f"TLS with {where} failed: {message}")
        if code == pycurl.E_COULDNT_CONNECT:
            return errors.UpstreamUnreachable(f"could not connect to {where}: {message}")
        return errors.UpstreamUnreachable(f"{where} broke the exchange: {message}")

    def _timeout_detail(self, message):
        where = self._where()
        if "too slow" in message:
            return f"{where} sent nothing for {math.ceil(self.hop.read_timeout)}s"
        if self._remaining() > 0.05 and not self.handle.easy.getinfo(pycurl.CONNECT_TIME_T):
            return f"connecting to {where} took longer than {self.hop.connect_timeout:g}s"
        return f"{where} did not answer within the fetch's deadline"
