"""A local upstream HTTP server for the fetch tests and benchmark, on 127.0.0.1 only.

Run it as ``python -m tests.upstream [PORT [CERTIFICATE.pem]]``: it prints its port on the
first line of stdout and serves until killed (over TLS when given a certificate). It runs in a child process so that its sockets never
count among the fetch piece's own when the tests look for leaks.

Endpoints (every one answers HTTP/1.1 with keep-alive unless said otherwise):

    /echo                      method, path, query, headers and body of the request, as JSON
    /bytes/N                   N bytes with Content-Length (?chunked=1: chunked instead)
    /binary/N                  N bytes that are not text
    /status/CODE               that status, with a short text body
    /redirect/CODE?to=URL      a redirect with Location: URL (relative or absolute)
    /redirect-chain/N          N relative redirects, then /echo
    /redirect-loop             a 302 to itself, forever
    /headers?NAME=VALUE...     a 200 carrying each NAME: VALUE (repeat NAME for several)
    /big-headers/N             a header of N bytes
    /drip?bytes=N&delay=S      N bytes, one every S seconds
    /gzip-bomb/N               N zero bytes, gzip-compressed (Content-Encoding: gzip)
    /gzip/N                    N bytes of text, gzip-compressed
    /cut/N                     announces N bytes, sends half, waits 50 ms, then resets the connection
    /cut-chunked/N             sends N/2 bytes chunked, then resets the connection
    /never                     reads the request and never answers
"""
import base64
import gzip
import json
import socket
import ssl
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

BLOCK = b"abcdefghijklmnopqrstuvwxyz012345" * (1 << 15)  # 1 MiB of text
_gzip_cache = {}
_gzip_lock = threading.Lock()


def gzip_of_zeros(size):
    """``size`` zero bytes, gzip-compressed, computed once per size."""
    with _gzip_lock:
        if size not in _gzip_cache:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
            zeros = bytes(1 << 20)
            parts = []
            left = size
            while left:
                step = min(left, len(zeros))
                parts.append(compressor.compress(zeros[:step]))
                left -= step
            parts.append(compressor.flush())
            _gzip_cache[size] = b"".join(parts)
        return _gzip_cache[size]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "upstream"
    sys_version = ""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.route()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def route(self):
        parts = urlsplit(self.path)
        self.query = parse_qsl(parts.query, keep_blank_values=True)
        segments = parts.path.strip("/").split("/")
        name = segments[0].replace("-", "_")
        handler = getattr(self, "ep_" + name, None)
        if handler is None:
            return self.send_body(404, b"no such endpoint\n")
        handler(*segments[1:])

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def send_body(self, status, body, content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def ep_echo(self, *rest):
        body = self.read_body()
        try:
            text, encoded = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
        report = {
            "method": self.command,
            "path": urlsplit(self.path).path,
            "query": urlsplit(self.path).query,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": text,
            "body_base64": encoded,
        }
        self.send_body(200, json.dumps(report).encode(), "application/json")

    def ep_bytes(self, size):
        size = int(size)
        chunked = dict(self.query).get("chunked") == "1"
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        if self.command == "HEAD":
            return
        view = memoryview(BLOCK)
        left = size
        while left:
            step = min(left, len(BLOCK))
            if chunked:
                self.wfile.write(b"%x\r\n" % step + view[:step] + b"\r\n")
            else:
                self.wfile.write(view[:step])
            left -= step
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def ep_binary(self, size):
        body = bytes(range(256)) * (int(size) // 256 + 1)
        self.send_body(200, body[: int(size)], "application/octet-stream")

    def ep_status(self, code):
        self.send_body(int(code), f"status {code}\n".encode(), headers=self.query)  # ?Name=value adds headers

    def ep_redirect(self, code):
        self.read_body()
        target = dict(self.query).get("to", "/echo")
        self.send_body(int(code), b"moved\n", headers=[("Location", target)])

    def ep_redirect_chain(self, count):
        count = int(count)
        target = "/echo" if count <= 1 else f"/redirect-chain/{count - 1}"
        self.send_body(302, b"moved\n", headers=[("Location", target)])

    def ep_redirect_loop(self):
        self.send_body(302, b"again\n", headers=[("Location", "/redirect-loop")])

    def ep_headers(self):
        self.send_body(200, b"headers\n", headers=self.query)

    def ep_big_headers(self, size):
        self.send_body(200, b"big\n", headers=[("X-Big", "x" * int(size))])

    def ep_drip(self):
        options = dict(self.query)
        count, delay = int(options.get("bytes", 10)), float(options.get("delay", 1))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(count))
        self.end_headers()
        try:
            for _ in range(count):
                self.wfile.write(b"*")
                time.sleep(delay)
        except OSError:
            self.close_connection = True

    def ep_gzip_bomb(self, size):
        body = gzip_of_zeros(int(size))
        self.send_body(200, body, "text/plain", headers=[("Content-Encoding", "gzip")])

    def ep_gzip(self, size):
        body = gzip.compress(BLOCK[: int(size)])
        self.send_body(200, body, "text/plain", headers=[("Content-Encoding", "gzip")])

    def ep_cut(self, size):
        size = int(size)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(BLOCK[: size // 2])
        self.reset()

    def ep_cut_chunked(self, size):
        half = int(size) // 2
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"%x\r\n" % half + BLOCK[:half] + b"\r\n")
        self.reset()

    def ep_never(self):
        self.read_body()
        # Wait until the client gives up (its close makes the socket readable).
        self.connection.settimeout(120)
        try:
            self.connection.recv(1)
        except OSError:
            pass
        self.close_connection = True

    def reset(self):
        """Close with RST, as a crashed upstream does, once the client had time to read on."""
        time.sleep(0.05)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def serve(port=0, certificate=None):
    """Serve on 127.0.0.1; with ``certificate`` (a PEM of the key and the chain), over TLS."""
    server = Server(("127.0.0.1", port), Handler)
    if certificate:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0, sys.argv[2] if len(sys.argv) > 2 else None)
