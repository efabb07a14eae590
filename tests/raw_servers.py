"""Raw-socket servers on 127.0.0.1 for the fetch hardening tests, each in a child process so
that the fetch guard does not count their ports among the test process's own listen addresses.

    python -m tests.raw_servers scripted        answers each path with the bytes of SCRIPTS, lies included
    python -m tests.raw_servers forward PORT    a TCP forwarder to 127.0.0.1:PORT (a reverse proxy's stand-in)
    python -m tests.raw_servers proxy           an HTTP CONNECT proxy that tunnels to 127.0.0.1 only

The first line on stdout is the port; then one line per event: ``connect`` for each
connection, ``request <request line>`` for each request head. On stdin, ``release`` lets the
held ``/hold`` requests answer, and ``sync`` is answered ``synced`` after every earlier event.
"""
import socket
import subprocess
import sys
import threading
import time

MIB = 1024 * 1024
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"

# Each path's answer: bytes to send, or a number of seconds to pause; then the connection closes.
SCRIPTS = {
    "/": [OK],
    "/hold": ["hold", OK],
    # A Content-Length that the chunked framing overrides (RFC 9112 section 6.3).
    "/length-5-chunked-100": [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"64\r\n" + b"x" * 100 + b"\r\n0\r\n\r\n"
    ],
    # Announces more than it sends, then closes: at once, or after part of a big body went out.
    "/short-at-once": [b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n" + b"y" * 40],
    "/short-streamed": [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % (4 * MIB) + b"z" * MIB,
        0.5,
        b"z" * MIB,
    ],
    "/duplicate-length": [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\nabcdefg"
    ],
}

_out = threading.Lock()
_released = threading.Event()


def say(line):
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def read_head(conn):
    """The request head's bytes, up to and including the blank line (or what came before EOF)."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            break
        data += more
    return data


def pipe(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def tunnel(client, upstream):
    other = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
    other.start()
    pipe(client, upstream)
    other.join()


def scripted(conn, args):
    head = read_head(conn)
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    say(f"request {request_line}")
    path = request_line.split(" ")[1] if request_line.count(" ") == 2 else "/"
    for step in SCRIPTS.get(path, [b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"]):
        if step == "hold":
            _released.wait(60)
        elif isinstance(step, float):
            time.sleep(step)
        else:
            conn.sendall(step)


def forward(conn, args):
    upstream = socket.create_connection(("127.0.0.1", int(args[0])))
    tunnel(conn, upstream)
    upstream.close()


def proxy(conn, args):
    head = read_head(conn)
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    say(f"request {request_line}")
    method, authority, _ = request_line.split(" ", 2)
    host, _, port = authority.rpartition(":")
    if method != "CONNECT" or host != "127.0.0.1":
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        return
    upstream = socket.create_connection((host, int(port)))
    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    tunnel(conn, upstream)
    upstream.close()


KINDS = {"scripted": scripted, "forward": forward, "proxy": proxy}


def serve(kind, args):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    say(str(listener.getsockname()[1]))

    def handle(conn):
        try:
            say("connect")
            KINDS[kind](conn, args)
        except OSError:
            pass
        finally:
            conn.close()

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    for line in sys.stdin:
        command = line.strip()
        if command == "release":
            _released.set()
        elif command == "sync":
            say("synced")


class RawServer:
    """One of the servers above in a child process, and the events it reported."""

    def __init__(self, kind, *args):
        from tests.conftest import ROOT

        command = [sys.executable, "-m", "tests.raw_servers", kind, *map(str, args)]
        self.proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.base = f"http://127.0.0.1:{self.port}"
        self._events = []
        self._synced = threading.Semaphore(0)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line == "synced\n":
                self._synced.release()
            else:
                self._events.append(line.rstrip("\n"))

    def _send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def events(self):
        """Every event so far, none still on its way."""
        self._send("sync")
        assert self._synced.acquire(timeout=10), "the raw server did not answer sync"
        return list(self._events)

    def requests(self):
        return [e.removeprefix("request ") for e in self.events() if e.startswith("request ")]

    def connections(self):
        return self.events().count("connect")

    def wait_for_requests(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.requests()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.requests()

    def release(self):
        self._send("release")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdin.close()
        self.proc.stdout.close()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
