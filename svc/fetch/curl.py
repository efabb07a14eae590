"""The libcurl engine: pooled handles, driven from the calling thread, bodies streamed.

Each pooled handle is a CurlMulti with one Curl easy handle and its own epoll selector.
The multi keeps the keep-alive connections; the WSGI thread that iterates the response
drives the transfer one step at a time (``socket_action``), so no thread is spent per
request. A passthrough body keeps at most about ``HIGH_WATER`` bytes in memory: past
that the transfer is paused until the server has sent what it holds. An envelope body
is decoded and read whole, so its cap (``max_body``) bounds it instead.
"""
import ipaddress
import logging
import math
import selectors
import socket
import threading
import time
from collections import deque

import pycurl

from svc.fetch import errors
from svc.fetch.engine import Exchange, Timings

log = logging.getLogger(__name__)

BUFFER_SIZE = 256 * 1024  # libcurl's receive buffer (its write callback still gets 16 KiB at most)
HIGH_WATER = 512 * 1024  # pause the transfer once this much waits to be sent on
_TLS_ERRORS = {
    pycurl.E_SSL_CONNECT_ERROR, pycurl.E_PEER_FAILED_VERIFICATION, pycurl.E_SSL_CERTPROBLEM,
    pycurl.E_SSL_CIPHER, pycurl.E_SSL_CACERT_BADFILE, pycurl.E_SSL_ISSUER_ERROR,
    pycurl.E_SSL_PINNEDPUBKEYNOTMATCH, pycurl.E_SSL_INVALIDCERTSTATUS, pycurl.E_USE_SSL_FAILED,
    pycurl.E_SSL_ENGINE_NOTFOUND, pycurl.E_SSL_ENGINE_SETFAILED, pycurl.E_SSL_ENGINE_INITFAILED,
    pycurl.E_SSL_CRL_BADFILE, pycurl.E_SSL_SHUTDOWN_FAILED,
}
_E_TOO_LARGE = getattr(pycurl, "E_TOO_LARGE", 100)  # libcurl 8.6+: a field grew past its limit
_EVENT_FLAGS = {
    pycurl.POLL_IN: selectors.EVENT_READ,
    pycurl.POLL_OUT: selectors.EVENT_WRITE,
    pycurl.POLL_INOUT: selectors.EVENT_READ | selectors.EVENT_WRITE,
}


class CurlEngine:
    """Sends hops with libcurl, configured from the ``svc.fetch`` settings: ``pool_size``
    idle handles are kept, each holding up to ``pool_connections`` keep-alive connections
    for ``pool_idle_timeout`` seconds."""

    def __init__(self, settings):
        self.ca_bundle = settings.ca_bundle
        self.idle_timeout = settings.pool_idle_timeout
        connections = settings.pool_connections
        self.pool = HandlePool(settings.pool_size, self.idle_timeout, lambda: _Handle(connections))

    def start(self, hop):
        handle = self.pool.get()
        transfer = _Transfer(self, handle, hop)
        try:
            transfer.start()
            transfer.wait_for_headers()
        except BaseException:
            transfer.close()
            raise
        return Exchange(transfer.status, transfer.headers, transfer, transfer.timings())


class HandlePool:
    """Idle handles, last in first out; a reaper thread closes those idle too long.

    The reaper runs only while some handle is idle, so an unused engine holds no thread.
    """

    def __init__(self, size, idle_timeout, factory):
        self.size = size
        self.idle_timeout = idle_timeout
        self._factory = factory
        self._idle = []  # (handle, idle since)
        self._lock = threading.Lock()
        self._reaper = None

    def get(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()[0]
        return self._factory()

    def put(self, handle):
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append((handle, time.monotonic()))
                if self._reaper is None:
                    self._reaper = threading.Thread(target=self._reap, name="svc-fetch-reaper", daemon=True)
                    self._reaper.start()
                return
        handle.close()

    def close_idle(self, older_than):
        now = time.monotonic()
        with self._lock:
            stale = [h for h, since in self._idle if now - since >= older_than]
            self._idle = [(h, since) for h, since in self._idle if now - since < older_than]
        for handle in stale:
            handle.close()

    def _reap(self):
        while True:
            time.sleep(max(self.idle_timeout / 4, 0.05))
            self.close_idle(self.idle_timeout)
            with self._lock:
                if not self._idle:
                    self._reaper = None
                    return


class _Handle:
    """A CurlMulti holding one easy handle, driven through its own epoll selector."""

    def __init__(self, max_connections):
        self.easy = pycurl.Curl()
        self.multi = pycurl.CurlMulti()
        self.selector = selectors.DefaultSelector()
        self.multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self.multi.setopt(pycurl.M_MAXCONNECTS, max_connections)

    def _on_socket(self, what, fd, multi, data):
        if what == pycurl.POLL_REMOVE:
            try:
                self.selector.unregister(fd)
            except (KeyError, ValueError):
                pass
            return
        events = _EVENT_FLAGS[what]
        try:
            self.selector.modify(fd, events)
        except KeyError:
            self.selector.register(fd, events)

    def step(self, max_wait):
        """Wait up to ``max_wait`` seconds for socket activity or libcurl's next timeout, then act.

        libcurl's timeout is asked for rather than pushed through a timer callback: every
        callback takes the GIL back, which costs most when many threads want it.
        """
        timeout_ms = self.multi.timeout()
        if timeout_ms == 0:
            self.multi.socket_action(pycurl.SOCKET_TIMEOUT, 0)
            return
        wait = max_wait if timeout_ms < 0 else min(max_wait, timeout_ms / 1000)
        events = self.selector.select(wait)
        for key, mask in events:
            flags = 0
            if mask & selectors.EVENT_READ:
                flags |= pycurl.CSELECT_IN
            if mask & selectors.EVENT_WRITE:
                flags |= pycurl.CSELECT_OUT
            self.multi.socket_action(key.fd, flags)
        if not events:
            self.multi.socket_action(pycurl.SOCKET_TIMEOUT, 0)

    def finished(self):
        """None while the transfer runs, else (curl error code, message); 0 is success."""
        _, done, failed = self.multi.info_read()
        if done:
            return 0, ""
        if failed:
            return failed[0][1], failed[0][2]
        return None

    def close(self):
        self.multi.close()
        self.easy.close()
        self.selector.close()


class _Transfer:
    """One hop on one handle: the callbacks, the bounded body buffer, and the error mapping."""

    def __init__(self, engine, handle, hop):
        self.engine = engine
        self.handle = handle
        self.hop = hop
        self.status = None
        self.headers = []
        self.chunks = deque()
        self.buffered = 0
        self.delivered = 0
        self.header_bytes = 0
        self.headers_done = False
        self.paused = False
        self.added = False
        self.result = None
        self.reusable = True
        self.overflow = None  # why our callback cut the transfer
        self.refused = None  # an address the open-socket check refused
        self.started = time.monotonic()

    def start(self):
        hop, easy = self.hop, self.handle.easy
        target = hop.target
        remaining = self._remaining()
        easy.reset()
        easy.setopt(pycurl.URL, target.url)
        easy.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        easy.setopt(pycurl.REDIR_PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        easy.setopt(pycurl.FOLLOWLOCATION, 0)
        easy.setopt(pycurl.PATH_AS_IS, 1)
        easy.setopt(pycurl.NOSIGNAL, 1)
        easy.setopt(pycurl.BUFFERSIZE, BUFFER_SIZE)
        easy.setopt(pycurl.MAXAGE_CONN, max(1, int(self.engine.idle_timeout)))
        easy.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(min(hop.connect_timeout, remaining) * 1000)))
        easy.setopt(pycurl.TIMEOUT_MS, max(1, int(remaining * 1000)))
        easy.setopt(pycurl.LOW_SPEED_LIMIT, 1)
        easy.setopt(pycurl.LOW_SPEED_TIME, max(1, math.ceil(hop.read_timeout)))
        easy.setopt(pycurl.MAXFILESIZE_LARGE, hop.max_body)
        if target.address is None:
            # Pin the name to the vetted addresses: libcurl never looks it up itself.
            pinned = ",".join(f"[{a}]" if a.version == 6 else str(a) for a in hop.addresses)
            easy.setopt(pycurl.RESOLVE, [f"{target.host}:{target.port}:{pinned}"])
        easy.setopt(pycurl.OPENSOCKETFUNCTION, self._open_socket)
        easy.setopt(pycurl.HEADERFUNCTION, self._on_header)
        easy.setopt(pycurl.WRITEFUNCTION, self._on_body)
        if self.engine.ca_bundle:
            easy.setopt(pycurl.CAINFO, self.engine.ca_bundle)
        self._set_method_and_headers(easy, hop)
        self.handle.multi.add_handle(easy)
        self.added = True

    def _set_method_and_headers(self, easy, hop):
        names = {name.lower() for name, _ in hop.headers}
        lines = [f"{name}: {value}" if value else f"{name};" for name, value in hop.headers]
        # libcurl adds these on its own unless told not to: only the caller's go upstream.
        lines += [f"{name}:" for name in ("Accept", "Expect", "Content-Type", "Accept-Encoding") if name.lower() not in names]
        if hop.decode:
            # Decoding needs ACCEPT_ENCODING set; the header itself stays the caller's (or none).
            easy.setopt(pycurl.ACCEPT_ENCODING, "")
        else:
            easy.setopt(pycurl.HTTP_CONTENT_DECODING, 0)
        easy.setopt(pycurl.HTTPHEADER, [line.encode("utf-8") for line in lines])
        method = hop.method
        if method == "HEAD":
            easy.setopt(pycurl.NOBODY, 1)
        elif method == "POST":
            easy.setopt(pycurl.POSTFIELDS, hop.body or b"")
        else:
            if hop.body is not None:
                easy.setopt(pycurl.POSTFIELDS, hop.body)
            if method != "GET" or hop.body is not None:
                easy.setopt(pycurl.CUSTOMREQUEST, method)

    def _remaining(self):
        return self.hop.deadline - time.monotonic()

    # libcurl callbacks: they must never raise, or pycurl aborts with an unhelpful message.

    def _open_socket(self, purpose, address):
        try:
            ip = ipaddress.ip_address(address.addr[0].split("%")[0])
        except (ValueError, IndexError, TypeError):
            ip = None
        if ip not in self.hop.addresses:
            self.refused = address.addr[0] if address.addr else "?"
            log.warning("fetch destination deny: host=%s address=%s reason=not a vetted address", self.hop.target.host, self.refused)
            return pycurl.SOCKET_BAD
        return socket.socket(address.family, address.socktype, address.protocol)

    def _on_header(self, line):
        self.header_bytes += len(line)
        if self.header_bytes > self.hop.max_header_size:
            self.overflow = f"its headers exceed {self.hop.max_header_size} bytes"
            return 0
        if self.headers_done:
            return None  # trailers
        text = line.decode("latin-1").rstrip("\r\n")
        if text.startswith("HTTP/"):
            parts = text.split(None, 2)
            self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            self.headers = []
        elif not text:
            if self.status is not None and not 100 <= self.status < 200:
                self.headers_done = True
        elif text[0] in " \t" and self.headers:
            name, value = self.headers[-1]
            self.headers[-1] = (name, f"{value} {text.strip()}")
        else:
            name, colon, value = text.partition(":")
            if colon and name and name == name.strip():
                self.headers.append((name, value.strip()))
        return None

    def _on_body(self, data):
        # Decoded bodies are read whole and capped instead: pausing a decoder makes libcurl
        # hold all it decoded from one read, which a gzip bomb turns into gigabytes.
        if self.buffered >= HIGH_WATER and not self.hop.decode:
            self.paused = True
            return pycurl.WRITEFUNC_PAUSE
        self.delivered += len(data)
        if self.delivered > self.hop.max_body:
            self.overflow = f"its body exceeds {self.hop.max_body} bytes"
            return 0
        self.headers_done = True
        self.chunks.append(data)
        self.buffered += len(data)
        return None

    # Driving the transfer from the calling thread.

    def wait_for_headers(self):
        while not self.headers_done and self.result is None:
            self._drive()
        if self.result is not None and self.result[0] != 0:
            raise self._error()
        if not self.status:
            raise errors.UpstreamUnreachable(f"{self._where()} sent no HTTP response")

    def _drive(self):
        remaining = self._remaining()
        if remaining <= 0:
            self.result = (pycurl.E_OPERATION_TIMEDOUT, "deadline")
            return
        try:
            self.handle.step(min(remaining, 1.0))
            self.result = self.handle.finished()
        except pycurl.error as exc:
            self.result = (exc.args[0], exc.args[1] if len(exc.args) > 1 else "")

    def __iter__(self):
        return self

    def __next__(self):
        while not self.chunks:
            if self.paused:
                self._resume()
                continue
            if self.result is not None:
                error = self._error() if self.result[0] != 0 else None
                self.close()
                if error is not None:
                    raise error
                raise StopIteration
            self._drive()
        data = b"".join(self.chunks) if len(self.chunks) > 1 else self.chunks[0]
        self.chunks.clear()
        self.buffered = 0
        return data

    def _resume(self):
        """Unpause the transfer; libcurl hands over the data it held right away."""
        self.paused = False
        try:
            self.handle.easy.pause(pycurl.PAUSE_CONT)
        except pycurl.error as exc:
            # The transfer failed while resuming; its own error says more than pause's.
            self.result = self.handle.finished() or (exc.args[0], exc.args[1] if len(exc.args) > 1 else "")

    def close(self):
        """Give the handle back: the connection stays pooled only after a complete response."""
        handle, self.handle = self.handle, None
        if handle is None:
            return
        self.chunks.clear()
        try:
            if self.added:
                # Removing an unfinished transfer makes libcurl close its connection.
                handle.multi.remove_handle(handle.easy)
        except pycurl.error:
            handle.close()
            return
        self.engine.pool.put(handle)

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
        code, message = self.result
        where = self._where()
        if self.refused:
            return errors.DestinationBlocked(f"{where}: {self.refused} is not a vetted address")
        if self.overflow:
            return errors.ResponseTooLarge(f"the response of {where} is too large: {self.overflow}")
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
